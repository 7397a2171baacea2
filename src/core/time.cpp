// src/core/time.cpp — the one RFC 3339 formatter (API, CLI, journal views, planning).
#include "core/time.hpp"

#include <fmt/format.h>

#include <ctime>

namespace livechain {

std::string format_rfc3339_ms(TimeMs time_ms) {
  // Floor division: instants before 1970 keep a non-negative millisecond part.
  TimeMs seconds_ms = time_ms >= 0 ? time_ms / 1000 : -((-time_ms + 999) / 1000);
  std::time_t seconds = static_cast<std::time_t>(seconds_ms);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     time_ms - seconds_ms * 1000);
}

}  // namespace livechain
