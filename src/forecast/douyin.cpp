// Douyin live sessions (douyin_live_chanmama/README.md): Task A forecasts a session's
// units and GMV before it starts from the host's earlier sessions and the session's
// pre-session fields; Task B nowcasts them from the session's traffic. Both use global
// GBMs on the ratio target / host level (douyin_eval.cpp: the mean of four, Poisson and
// Tweedie × depth 4 and 6), refitted at weekly origins through the holdout month (each
// refit sees every session that started before its origin; features always use every
// earlier actual of the host, as the protocol allows). This file reads the sessions and
// builds the features.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "core/assert.hpp"
#include "forecast/real_detail.hpp"

namespace livechain::forecast {

namespace {

constexpr int64_t kMinutesPerDay = 24 * 60;
constexpr int kHistoryMax = 1000;  // earlier sessions looked at per feature row

// "2021-08-01 12:06" → minutes since 2021-01-01 00:00; -1 when malformed.
int64_t parse_start(const std::string& text, int* weekday) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d", &year, &month, &day, &hour, &minute) != 5) {
    return -1;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour < 0 || hour > 23 || minute < 0 || minute > 59) return -1;
  const sys_days days{date};
  *weekday =
      static_cast<int>(weekday_indexed{std::chrono::weekday{days}, 1}.weekday().iso_encoding()) - 1;
  const sys_days origin{std::chrono::year{2021} / January / 1};
  return (days - origin).count() * kMinutesPerDay + hour * 60 + minute;
}

double target_of(const LiveSession& session, const std::string& target) {
  return target == "gmv" ? session.gmv : session.units;
}

// Indices of the host's sessions that start before sessions[index], oldest first.
std::vector<size_t> history_of(std::span<const LiveSession> sessions, size_t index) {
  std::vector<size_t> history;
  for (size_t j = index; j-- > 0 && history.size() < static_cast<size_t>(kHistoryMax);) {
    if (sessions[j].host != sessions[index].host) break;
    if (sessions[j].start_minutes < sessions[index].start_minutes) history.push_back(j);
  }
  std::reverse(history.begin(), history.end());
  return history;
}

std::vector<double> last_values(std::span<const LiveSession> sessions,
                                const std::vector<size_t>& history, size_t count,
                                const std::function<double(const LiveSession&)>& value) {
  std::vector<double> values;
  const size_t first = history.size() > count ? history.size() - count : 0;
  for (size_t k = first; k < history.size(); ++k) values.push_back(value(sessions[history[k]]));
  return values;
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return NAN;
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

float log_ratio(double value, double level) {
  if (!(value > 0) || !(level > 0)) return NAN;
  return static_cast<float>(std::log(value / level));
}

struct CsvColumns {
  size_t id, host, kol, title, start, n_products, views, peak, online, likes, units, gmv;
};

Result<CsvColumns> find_columns(const std::string& file, const detail::CsvTable& table) {
  CsvColumns c{};
  const std::vector<std::pair<size_t*, const char*>> wanted{{&c.id, "session_id"},
                                                            {&c.host, "host"},
                                                            {&c.kol, "host_is_online_kol"},
                                                            {&c.title, "session_title_zh"},
                                                            {&c.start, "start_time"},
                                                            {&c.n_products, "n_products"},
                                                            {&c.views, "views"},
                                                            {&c.peak, "peak_viewers"},
                                                            {&c.online, "avg_online_viewers"},
                                                            {&c.likes, "likes"},
                                                            {&c.units, "units_sold"},
                                                            {&c.gmv, "gmv_cny"}};
  for (const auto& [slot, name] : wanted) {
    auto index = detail::column_index(file, table, name);
    if (!index) return std::unexpected(index.error());
    *slot = *index;
  }
  return c;
}

Result<LiveSession> parse_session(const std::string& file, const detail::CsvTable& table, size_t r,
                                  const CsvColumns& c) {
  const auto& row = table.rows[r];
  if (row.size() != table.header.size()) {
    return fail(ErrorCode::corruption, file, fmt::format("row {}: wrong column count", r + 2));
  }
  LiveSession s;
  s.host = row[c.host], s.title = row[c.title], s.kol = row[c.kol] == "1";
  s.start_minutes = parse_start(row[c.start], &s.weekday);
  if (s.start_minutes < 0) {
    return fail(
        ErrorCode::corruption, file,
        fmt::format("row {} column {} (start_time): '{}'", r + 2, c.start + 1, row[c.start]));
  }
  s.hour = static_cast<int>((s.start_minutes % kMinutesPerDay) / 60);
  const std::vector<std::pair<double*, size_t>> numbers{{&s.n_products, c.n_products},
                                                        {&s.views, c.views},
                                                        {&s.peak_viewers, c.peak},
                                                        {&s.avg_online_viewers, c.online},
                                                        {&s.likes, c.likes},
                                                        {&s.units, c.units},
                                                        {&s.gmv, c.gmv}};
  for (const auto& [slot, column] : numbers) {
    auto value = detail::parse_cell(file, table, r, column);
    if (!value) return std::unexpected(value.error());
    *slot = *value;
  }
  auto id = detail::parse_cell(file, table, r, c.id);
  if (!id || !std::isfinite(*id)) {
    return fail(ErrorCode::corruption, file, fmt::format("row {} column 1 (session_id)", r + 2));
  }
  s.session_id = static_cast<int>(*id);
  return s;
}

}  // namespace

Result<std::vector<LiveSession>> read_douyin_sessions(const std::filesystem::path& file) {
  auto table = detail::read_csv(file);
  if (!table) return std::unexpected(table.error());
  auto columns = find_columns(file.string(), *table);
  if (!columns) return std::unexpected(columns.error());
  std::vector<LiveSession> sessions;
  for (size_t r = 0; r < table->rows.size(); ++r) {
    auto session = parse_session(file.string(), *table, r, *columns);
    if (!session) return std::unexpected(session.error());
    if (!std::isfinite(session->units) || !std::isfinite(session->gmv)) continue;  // no target
    if (session->units < 0 || session->gmv < 0) {
      return fail(ErrorCode::corruption, file.string(),
                  fmt::format("row {}: negative units_sold or gmv_cny", r + 2));
    }
    sessions.push_back(std::move(*session));
  }
  std::stable_sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
    return a.host != b.host ? a.host < b.host : a.start_minutes < b.start_minutes;
  });
  return sessions;
}

double douyin_level(std::span<const LiveSession> sessions, size_t index,
                    const std::string& target) {
  LC_ASSERT(index < sessions.size());
  const auto history = history_of(sessions, index);
  return detail::median_of(last_values(sessions, history, 5,
                                       [&](const LiveSession& s) { return target_of(s, target); }));
}

std::vector<std::string> douyin_feature_names() {
  return {"log_level",      "mean5_rel",       "last_rel",      "median10_rel",
          "median_all_rel", "ewm_rel",         "log_sd5",       "history_count",
          "log_gap_hours",  "same_day_before", "kol",           "hour",
          "weekday",        "n_products",      "products_rel5", "same_title_count",
          "same_title_rel", "log_price5",      "log_views5",    "conversion5_rel"};
}

std::vector<float> douyin_features(std::span<const LiveSession> sessions, size_t index,
                                   const std::string& target) {
  LC_ASSERT(index < sessions.size());
  const LiveSession& now = sessions[index];
  const auto history = history_of(sessions, index);
  const auto value = [&](const LiveSession& s) { return target_of(s, target); };
  const auto all = last_values(sessions, history, history.size(), value);
  const auto last5 = last_values(sessions, history, 5, value);
  const double level = detail::median_of(last5);
  double ewm = all.empty() ? NAN : all.front(), sd = NAN;
  for (double v : all) ewm = 0.7 * ewm + 0.3 * v;
  if (last5.size() >= 2) {
    double mean_log = 0, square = 0;
    for (double v : last5) mean_log += std::log1p(v) / static_cast<double>(last5.size());
    for (double v : last5) square += std::pow(std::log1p(v) - mean_log, 2);
    sd = std::sqrt(square / static_cast<double>(last5.size() - 1));
  }
  double gap_hours = NAN, same_day = 0, same_title = 0;
  std::vector<double> title_values;
  for (size_t j : history) {
    gap_hours = static_cast<double>(now.start_minutes - sessions[j].start_minutes) / 60.0;
    if (sessions[j].start_minutes / kMinutesPerDay == now.start_minutes / kMinutesPerDay)
      ++same_day;
    if (sessions[j].title == now.title) ++same_title, title_values.push_back(value(sessions[j]));
  }
  const auto field = [&](auto member) {
    return detail::median_of(
        last_values(sessions, history, 5, [&](const LiveSession& s) { return member(s); }));
  };
  const double products5 = field([](const LiveSession& s) { return s.n_products; });
  const double price5 =
      field([](const LiveSession& s) { return s.units > 0 ? s.gmv / s.units : NAN; });
  const double views5 = field([](const LiveSession& s) { return s.views; });
  const double conversion5 =
      field([&](const LiveSession& s) { return s.views > 0 ? value(s) / s.views : NAN; });
  return {level > 0 ? static_cast<float>(std::log(level)) : NAN,
          log_ratio(mean_of(last5), level),
          log_ratio(all.empty() ? NAN : all.back(), level),
          log_ratio(detail::median_of(last_values(sessions, history, 10, value)), level),
          log_ratio(detail::median_of(all), level),
          log_ratio(ewm, level),
          static_cast<float>(sd),
          static_cast<float>(history.size()),
          static_cast<float>(std::log1p(gap_hours)),
          static_cast<float>(same_day),
          now.kol ? 1.0f : 0.0f,
          static_cast<float>(now.hour),
          static_cast<float>(now.weekday),
          static_cast<float>(now.n_products),
          log_ratio(now.n_products, products5),
          static_cast<float>(same_title),
          log_ratio(detail::median_of(title_values), level),
          price5 > 0 ? static_cast<float>(std::log(price5)) : NAN,
          views5 > 0 ? static_cast<float>(std::log(views5)) : NAN,
          log_ratio(conversion5 * views5, level)};
}

}  // namespace livechain::forecast
