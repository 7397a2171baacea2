#include "server/json_fields.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/gtin.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
std::string_view kind_name(json::kind kind) {
  switch (kind) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}
}  // namespace

Result<void> reject_unknown_fields(const json::object& object,
                                   std::initializer_list<std::string_view> known,
                                   const std::string& path) {
  for (const auto& member : object) {
    bool is_known = false;
    for (std::string_view name : known) is_known = is_known || member.key() == name;
    if (!is_known) {
      return fail(ErrorCode::invalid_argument, path + std::string(member.key()),
                  fmt::format("unknown field; expected one of: {}", fmt::join(known, ", ")));
    }
  }
  return {};
}

Result<std::optional<std::string>> optional_string(const json::object& object,
                                                   std::string_view name, const std::string& path) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) {
    return fail(ErrorCode::invalid_argument, path + std::string(name),
                fmt::format("must be a string, got {}", kind_name(value->kind())));
  }
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::string> required_string(const json::object& object, std::string_view name,
                                    const std::string& path) {
  auto text = optional_string(object, name, path);
  if (!text) return std::unexpected(text.error());
  if (!*text) return fail(ErrorCode::invalid_argument, path + std::string(name), "is required");
  return std::move(**text);
}

Result<std::optional<int64_t>> optional_integer(const json::object& object, std::string_view name,
                                                const std::string& path, int64_t min, int64_t max) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  std::string field = path + std::string(name);
  auto out_of_range = [&] {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be an integer in {}..{}", min, max));
  };
  int64_t number = 0;
  if (value->is_int64()) {
    number = value->get_int64();
  } else if (value->is_uint64()) {
    return out_of_range();  // boost.json uses uint64 only above INT64_MAX
  } else if (value->is_double()) {
    double real = value->get_double();
    if (!std::isfinite(real) || std::trunc(real) != real || std::fabs(real) > 9.0e15) {
      return out_of_range();
    }
    number = static_cast<int64_t>(real);
  } else {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be an integer, got {}", kind_name(value->kind())));
  }
  if (number < min || number > max) return out_of_range();
  return std::optional<int64_t>(number);
}

Result<int64_t> required_integer(const json::object& object, std::string_view name,
                                 const std::string& path, int64_t min, int64_t max) {
  auto number = optional_integer(object, name, path, min, max);
  if (!number) return std::unexpected(number.error());
  if (!*number) return fail(ErrorCode::invalid_argument, path + std::string(name), "is required");
  return **number;
}

Result<std::optional<bool>> optional_bool(const json::object& object, std::string_view name,
                                          const std::string& path) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<bool>();
  if (!value->is_bool()) {
    return fail(ErrorCode::invalid_argument, path + std::string(name),
                fmt::format("must be true or false, got {}", kind_name(value->kind())));
  }
  return std::optional<bool>(value->get_bool());
}

Result<std::string> gtin_from_text(std::string_view field, std::string_view text) {
  auto gtin = normalize_gtin(text);
  if (!gtin) return fail(ErrorCode::invalid_argument, std::string(field), gtin.error().detail);
  return gtin;
}

Result<std::string> required_gtin(const json::object& object, std::string_view name,
                                  const std::string& path) {
  auto text = required_string(object, name, path);
  if (!text) return std::unexpected(text.error());
  return gtin_from_text(path + std::string(name), *text);
}

}  // namespace livechain::server
