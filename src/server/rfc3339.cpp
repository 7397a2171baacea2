// RFC 3339 date-times in requests (as_of, to): strict, so a typo is a 4xx naming the
// field rather than a guess.
#include <fmt/format.h>

#include <cctype>

#include "server/json_fields.hpp"

namespace livechain::server {

namespace {
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool is_leap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Reads exactly `digits` decimal digits at `at`.
bool number_at(std::string_view text, size_t at, size_t digits, int64_t& out) {
  if (at + digits > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}
}  // namespace

Result<TimeMs> parse_rfc3339(std::string_view field, std::string_view text) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument, std::string(field),
                "must be an RFC 3339 date-time such as 2026-12-06T23:40:00Z");
  };
  int64_t year, month, day, hour, minute, second;
  if (text.size() < 20 || !number_at(text, 0, 4, year) || text[4] != '-' ||
      !number_at(text, 5, 2, month) || text[7] != '-' || !number_at(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !number_at(text, 11, 2, hour) ||
      text[13] != ':' || !number_at(text, 14, 2, minute) || text[16] != ':' ||
      !number_at(text, 17, 2, second)) {
    return bad();
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDaysInMonth[month - 1] + (month == 2 && is_leap(year) ? 1 : 0) || hour > 23 ||
      minute > 59 || second > 60) {
    return bad();
  }
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    size_t digits = 0;
    ++at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      if (digits < 3) millis = millis * 10 + (text[at] - '0');
      ++digits;
      ++at;
    }
    if (digits == 0) return bad();
    for (size_t i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int64_t offset_hour, offset_minute;
    if (!number_at(text, at + 1, 2, offset_hour) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !number_at(text, at + 4, 2, offset_minute) || offset_hour > 23 || offset_minute > 59) {
      return bad();
    }
    offset_minutes = (offset_hour * 60 + offset_minute) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return bad();
  }
  if (at != text.size()) return bad();
  if (second == 60) second = 59;  // a leap second maps onto the second before it
  int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                    offset_minutes * 60;
  return seconds * 1000 + millis;
}

}  // namespace livechain::server
