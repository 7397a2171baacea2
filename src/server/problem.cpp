#include "server/problem.hpp"

#include <boost/json.hpp>
#include <string>

namespace livechain::server {

namespace json = boost::json;

json::object problem_object(unsigned status, std::string_view slug, std::string_view title,
                            std::string_view detail, std::string_view field) {
  json::object body{{"type", "https://livechain.dev/problems/" + std::string(slug)},
                    {"title", title},
                    {"status", status},
                    {"detail", detail}};
  if (!field.empty()) body["field"] = field;
  return body;
}

ApiResponse problem(unsigned status, std::string_view slug, std::string_view title,
                    std::string_view detail, std::string_view field) {
  ApiResponse response{status,
                       "application/problem+json",
                       json::serialize(problem_object(status, slug, title, detail, field)),
                       {}};
  if (status == 503 || status == 429) response.headers.emplace_back("Retry-After", "1");
  return response;
}

std::string api_field_name(std::string_view engine_field) {
  // Longest names first so "location_id" is not half-replaced by a shorter rule.
  static constexpr std::pair<std::string_view, std::string_view> kRenames[] = {
      {"from_location_id", "from"}, {"to_location_id", "to"},       {"from_location", "from"},
      {"to_location", "to"},        {"region_from", "from"},        {"region_to", "to"},
      {"distance_km", "km"},        {"location_id", "location"},    {"channel_id", "channel"},
      {"buyer_region", "region"},   {"qty_units", "qty"},           {"delta_units", "delta"},
      {"planned_units", "planned"}, {"received_units", "received"}, {"gtin", "sku"},
      {"batch_id", "batch"},
  };
  std::string out(engine_field);
  for (const auto& [from, to] : kRenames) {
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size())) {
      bool starts_word = at == 0 || out[at - 1] == '.' || out[at - 1] == ']';
      bool ends_word = at + from.size() == out.size() || out[at + from.size()] == '.' ||
                       out[at + from.size()] == '[';
      if (starts_word && ends_word) out.replace(at, from.size(), to);
    }
  }
  return out;
}

unsigned status_for_error(const Error& error, ErrorOrigin origin) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::limit_exceeded:
    case ErrorCode::idempotency_conflict:  // IETF idempotency-key draft: reuse with another body
      return 422;
    case ErrorCode::not_found:
      // A path id naming nothing is 404; a body field naming nothing (a reservation
      // line's SKU) is 422 even on a path-addressed resource.
      return origin == ErrorOrigin::path && error.field.find('[') == std::string::npos ? 404 : 422;
    case ErrorCode::already_exists:
    case ErrorCode::insufficient_stock:
    case ErrorCode::presale_exhausted:
    case ErrorCode::reservation_expired:
    case ErrorCode::reservation_committed:
    case ErrorCode::reservation_released:
    case ErrorCode::invalid_state:
      return 409;
    case ErrorCode::busy:
    case ErrorCode::shutting_down:
    case ErrorCode::io_error:
      return 503;
    case ErrorCode::corruption:
      return 500;
  }
  return 500;
}

namespace {
// "insufficient_stock" → "Insufficient stock".
std::string title_of(std::string_view slug) {
  std::string title(slug);
  for (char& c : title) {
    if (c == '_') c = ' ';
  }
  if (!title.empty()) {
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  }
  return title;
}
}  // namespace

json::object problem_object_from_error(const Error& error, ErrorOrigin origin) {
  std::string_view slug = error_code_name(error.code);
  return problem_object(status_for_error(error, origin), slug, title_of(slug), error.detail,
                        api_field_name(error.field));
}

ApiResponse problem_from_error(const Error& error, ErrorOrigin origin) {
  std::string_view slug = error_code_name(error.code);
  return problem(status_for_error(error, origin), slug, title_of(slug), error.detail,
                 api_field_name(error.field));
}

ApiResponse problem_from_api_error(const Error& error, ErrorOrigin origin) {
  std::string_view slug = error_code_name(error.code);
  return problem(status_for_error(error, origin), slug, title_of(slug), error.detail, error.field);
}

ApiResponse malformed_body(const Error& error) {
  return problem(400, "malformed_body", "Malformed body", error.detail, error.field);
}

}  // namespace livechain::server
