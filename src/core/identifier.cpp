#include "core/identifier.hpp"

#include <fmt/format.h>

namespace livechain {

Result<void> validate_identifier(std::string_view field, std::string_view value) {
  if (value.empty()) {
    return fail(ErrorCode::invalid_argument, std::string(field), "must not be empty");
  }
  if (value.size() > kIdentifierLengthMax) {
    return fail(
        ErrorCode::limit_exceeded, std::string(field),
        fmt::format("is {} characters; the limit is {}", value.size(), kIdentifierLengthMax));
  }
  for (char c : value) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '_' || c == ':' || c == '-';
    if (!allowed) {
      return fail(ErrorCode::invalid_argument, std::string(field),
                  fmt::format("'{}' may only contain letters, digits and . _ : -", value));
    }
  }
  return {};
}

Result<void> validate_text(std::string_view field, std::string_view value, size_t length_max) {
  if (value.empty()) {
    return fail(ErrorCode::invalid_argument, std::string(field), "must not be empty");
  }
  if (value.size() > length_max) {
    return fail(ErrorCode::limit_exceeded, std::string(field),
                fmt::format("is {} bytes; the limit is {}", value.size(), length_max));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return fail(ErrorCode::invalid_argument, std::string(field),
                  "must not contain control characters");
    }
  }
  return {};
}

}  // namespace livechain
