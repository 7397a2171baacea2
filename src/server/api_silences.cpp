// API v1: notification silences (Alertmanager's; docs/alerts.md "Silences").
//   POST   /v1/silences {"matchers": [{"name", "value", "is_equal"?}], "starts_at"?,
//                        "ends_at", "comment"?}                     → 201 the silence
//   GET    /v1/silences                                            → {"silences": […]}
//   DELETE /v1/silences/{id}                                       → 204
// Writes go through the sequencer (journal kinds 70–71) and are answered once durable.
#include <fmt/format.h>

#include <charconv>

#include "alerts/alerts.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
ApiResponse unprocessable(const Error& error) {
  return problem(422, "invalid_argument", "Invalid argument", error.detail, error.field);
}

// An RFC 3339 date-time ("2026-12-06T20:00:00Z") or epoch milliseconds.
Result<TimeMs> parse_time(const json::object& body, std::string_view name, TimeMs absent) {
  const json::value* value = body.if_contains(name);
  if (value == nullptr) {
    if (absent >= 0) return absent;
    return fail(ErrorCode::invalid_argument, std::string(name), "is required");
  }
  if (value->is_int64() && value->get_int64() >= 0) return value->get_int64();
  auto invalid = [&] {
    return fail(ErrorCode::invalid_argument, std::string(name),
                "must be RFC 3339 UTC (2026-12-06T20:00:00Z) or epoch milliseconds");
  };
  if (!value->is_string()) return invalid();
  auto parsed = parse_rfc3339(name, value->get_string());
  if (!parsed) return invalid();
  return *parsed;
}

Result<CreateSilence> parse_silence(const json::object& body, TimeMs now_ms) {
  LC_CHECK(reject_unknown_fields(body, {"matchers", "starts_at", "ends_at", "comment"}, ""));
  CreateSilence out;
  const json::value* matchers = body.if_contains("matchers");
  if (matchers == nullptr || !matchers->is_array() || matchers->get_array().empty()) {
    return fail(ErrorCode::invalid_argument, "matchers",
                "is required: [{\"name\": \"sku\", \"value\": \"…\"}, …]");
  }
  for (size_t i = 0; i < matchers->get_array().size(); ++i) {
    std::string field = fmt::format("matchers[{}]", i);
    const json::value& item = matchers->get_array()[i];
    if (!item.is_object()) return fail(ErrorCode::invalid_argument, field, "must be an object");
    const json::object& m = item.get_object();
    LC_CHECK(reject_unknown_fields(m, {"name", "value", "is_equal"}, field + "."));
    LC_TRY(name, required_string(m, "name", field + "."));
    LC_TRY(value, required_string(m, "value", field + "."));
    LC_TRY(is_equal, optional_bool(m, "is_equal", field + "."));
    out.matchers.push_back(SilenceMatcher{name, value, is_equal.value_or(true)});
  }
  LC_TRY(starts, parse_time(body, "starts_at", now_ms));
  LC_TRY(ends, parse_time(body, "ends_at", -1));
  out.starts_at_ms = starts, out.ends_at_ms = ends;
  LC_TRY(comment, optional_string(body, "comment", ""));
  out.comment = comment.value_or("");
  return out;
}

json::object silence_json(const SilenceRecord& s, TimeMs now_ms) {
  json::array matchers;
  for (const SilenceMatcher& m : s.matchers) {
    matchers.push_back(
        json::object{{"name", m.name}, {"value", m.value}, {"is_equal", m.is_equal}});
  }
  std::string_view state = now_ms < s.starts_at_ms ? "pending"
                           : now_ms < s.ends_at_ms ? "active"
                                                   : "expired";
  json::object out{{"id", s.silence_id},
                   {"matchers", std::move(matchers)},
                   {"starts_at", alerts::rfc3339_ms(s.starts_at_ms)},
                   {"ends_at", alerts::rfc3339_ms(s.ends_at_ms)},
                   {"created_at", alerts::rfc3339_ms(s.created_at_ms)},
                   {"state", state}};
  if (!s.comment.empty()) out["comment"] = s.comment;
  return out;
}
}  // namespace

void Api::silences(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  TimeMs now_ms = SystemClock().now_ms();
  switch (route) {
    case RouteId::silence_create: {
      auto body = parse_json_object(request.body, deps_.limits);
      if (!body) return respond(malformed_body(body.error()));
      auto command = parse_silence(*body, now_ms);
      if (!command) return respond(unprocessable(command.error()));
      return submit(
          std::move(*command), respond,
          [](Reply&& reply) {
            const auto& view = std::get<SilenceView>(reply);
            ApiResponse response =
                json_response(201, silence_json(view.record, SystemClock().now_ms()));
            response.headers.emplace_back("Location",
                                          "/v1/silences/" + std::to_string(view.record.silence_id));
            return response;
          },
          ErrorOrigin::body, request.idempotency_key);
    }
    case RouteId::silence_list: {
      auto read = deps_.sequencer->read_async([respond, now_ms](const Engine& engine) {
        json::array out;
        for (const SilenceRecord& s : engine.silences()) out.push_back(silence_json(s, now_ms));
        respond(json_response(200, json::object{{"silences", std::move(out)}}));
      });
      if (!read) respond(problem_from_error(read.error()));
      return;
    }
    default: {  // silence_delete
      auto id = parse_path_id("id", params.at(0));
      if (!id) {
        return respond(problem(404, "not_found", "Not found", "no silence " + params.at(0), "id"));
      }
      return submit(
          DeleteSilence{*id}, respond,
          [](Reply&&) {
            return ApiResponse{204, "", "", {}};
          },
          ErrorOrigin::path, request.idempotency_key);
    }
  }
}

}  // namespace livechain::server
