// src/trace/gs1_date.cpp — GS1 character set 82 and the N6 date fields (AIs 11–17).
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "core/assert.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  LC_ASSERT(month >= 1 && month <= 12);
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int two_digits(std::string_view text, size_t at) {
  return (text[at] - '0') * 10 + (text[at + 1] - '0');
}

// GS1 General Specifications §7.12: the year of a YY field is the one within 49 years
// back and 50 years ahead of the current year.
int resolve_century(int yy, int current_year) {
  LC_ASSERT(yy >= 0 && yy <= 99);
  const int current_yy = current_year % 100;
  const int century = current_year - current_yy;
  const int difference = yy - current_yy;
  if (difference >= 51) return century - 100 + yy;
  if (difference <= -50) return century + 100 + yy;
  return century + yy;
}

}  // namespace

bool is_gs1_charset82(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '"':
    case '%':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case ';':
    case '<':
    case '=':
    case '>':
    case '?':
    case '_':
      return true;
    default:
      return false;
  }
}

Result<Gs1Date> parse_gs1_date(std::string_view yymmdd, int current_year, std::string_view field) {
  LC_ASSERT(current_year >= 1900 && current_year <= 9999);
  if (yymmdd.size() != 6 || !all_digits(yymmdd)) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' is not a date YYMMDD (six digits)", yymmdd));
  }
  Gs1Date date;
  date.year = resolve_century(two_digits(yymmdd, 0), current_year);
  date.month = two_digits(yymmdd, 2);
  const int day = two_digits(yymmdd, 4);
  if (date.month < 1 || date.month > 12) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' has month {:02}; it must be 01 to 12", yymmdd, date.month));
  }
  const int last_day = days_in_month(date.year, date.month);
  if (day > last_day) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' has day {:02}; {:04}-{:02} has {} days", yymmdd, day, date.year,
                            date.month, last_day));
  }
  date.day = day == 0 ? last_day : day;  // DD=00: the last day of the month
  LC_ASSERT(date.day >= 1 && date.day <= 31);
  return date;
}

std::string format_iso_date(const Gs1Date& date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

Result<std::string> expiry_to_yymmdd(std::string_view text, int current_year,
                                     std::string_view field) {
  if (text.size() == 6) {
    LC_TRY(checked, parse_gs1_date(text, current_year, field));
    (void)checked;
    return std::string(text);
  }
  const bool iso_shape = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                         all_digits(text.substr(0, 4)) && all_digits(text.substr(5, 2)) &&
                         all_digits(text.substr(8, 2));
  if (!iso_shape) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' is neither YYMMDD nor YYYY-MM-DD", text));
  }
  const int year = (text[0] - '0') * 1000 + two_digits(text, 1) * 10 + (text[3] - '0');
  std::string yymmdd = fmt::format("{:02}{}{}", year % 100, text.substr(5, 2), text.substr(8, 2));
  LC_TRY(date, parse_gs1_date(yymmdd, current_year, field));
  if (date.year != year) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("year {} is outside the GS1 century window of {} ({}–{})", year,
                            current_year, current_year - 49, current_year + 50));
  }
  if (two_digits(text, 8) == 0) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' has day 00; write YYMMDD to mean the month's last day", text));
  }
  return yymmdd;
}

Result<int64_t> parse_utc_time_ms(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fff]Z (UTC)", text));
  };
  auto digits_at = [&](size_t at, size_t count) {
    return at + count <= text.size() && all_digits(text.substr(at, count));
  };
  if (!digits_at(0, 4) || text.size() < 10 || text[4] != '-' || !digits_at(5, 2) ||
      text[7] != '-' || !digits_at(8, 2)) {
    return bad();
  }
  const int year = two_digits(text, 0) * 100 + two_digits(text, 2);
  const int month = two_digits(text, 5);
  const int day = two_digits(text, 8);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    return bad();
  }
  int64_t ms_of_day = 0;
  if (text.size() > 10) {
    const bool shape = text.size() >= 20 && text[10] == 'T' && digits_at(11, 2) &&
                       text[13] == ':' && digits_at(14, 2) && text[16] == ':' && digits_at(17, 2) &&
                       text.back() == 'Z';
    const std::string_view fraction =
        text.size() >= 20 ? text.substr(19, text.size() - 20) : std::string_view{};
    const bool fraction_ok =
        fraction.empty() || (fraction.size() == 4 && fraction[0] == '.' && digits_at(20, 3));
    if (!shape || !fraction_ok) return bad();
    const int hour = two_digits(text, 11), minute = two_digits(text, 14),
              second = two_digits(text, 17);
    if (hour > 23 || minute > 59 || second > 59) return bad();
    ms_of_day = ((hour * 60 + minute) * 60 + second) * 1000LL;
    if (!fraction.empty()) ms_of_day += std::stoi(std::string(fraction.substr(1)));
  }
  const auto date = std::chrono::year_month_day(std::chrono::year(year),
                                                std::chrono::month(static_cast<unsigned>(month)),
                                                std::chrono::day(static_cast<unsigned>(day)));
  LC_ASSERT(date.ok());
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86'400'000LL + ms_of_day;
}

}  // namespace livechain::trace
