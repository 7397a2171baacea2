#include "core/gtin.hpp"

#include <fmt/format.h>

#include "core/assert.hpp"

namespace livechain {

int gtin_check_digit(std::string_view digits_without_check) {
  LC_ASSERT(!digits_without_check.empty());
  int sum = 0;
  // GS1: weights 3,1,3,1… starting from the digit nearest the check digit.
  int weight = 3;
  for (size_t i = digits_without_check.size(); i-- > 0;) {
    char c = digits_without_check[i];
    LC_ASSERT(c >= '0' && c <= '9');
    sum += (c - '0') * weight;
    weight = weight == 3 ? 1 : 3;
  }
  return (10 - sum % 10) % 10;
}

Result<std::string> normalize_gtin(std::string_view text) {
  if (text.size() != 8 && text.size() != 12 && text.size() != 13 && text.size() != 14) {
    return fail(ErrorCode::invalid_argument, "gtin",
                fmt::format("'{}' has {} digits; a GTIN has 8, 12, 13 or 14", text, text.size()));
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return fail(ErrorCode::invalid_argument, "gtin",
                  fmt::format("'{}' contains a non-digit character", text));
    }
  }
  int expected = gtin_check_digit(text.substr(0, text.size() - 1));
  int given = text.back() - '0';
  if (expected != given) {
    return fail(ErrorCode::invalid_argument, "gtin",
                fmt::format("'{}' has check digit {}, expected {}", text, given, expected));
  }
  std::string out(14 - text.size(), '0');
  out += text;
  return out;
}

}  // namespace livechain
