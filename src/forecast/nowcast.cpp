// The in-session funnel nowcaster (nowcast.hpp).
#include "forecast/nowcast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

using Sums = std::array<double, kNowcastSignals>;

Sums signals_of(const MinuteSignals& m) {
  return {m.viewers, m.add_to_cart, m.units};
}

Result<void> check_minutes(std::span<const MinuteSignals> minutes) {
  if (minutes.size() > static_cast<size_t>(kSessionMinutesMax)) {
    return fail(ErrorCode::invalid_argument, "minutes", "longer than kSessionMinutesMax");
  }
  for (size_t t = 0; t < minutes.size(); ++t) {
    for (double v : signals_of(minutes[t])) {
      if (!std::isfinite(v) || v < 0) {
        return fail(ErrorCode::invalid_argument, "minutes",
                    fmt::format("minute {}: negative or non-finite signal", t));
      }
    }
  }
  return {};
}

Result<void> check_session(double prior_total, int duration_min) {
  if (!std::isfinite(prior_total) || prior_total < 0) {
    return fail(ErrorCode::invalid_argument, "prior_total", "must be finite and ≥ 0");
  }
  if (duration_min < 1 || duration_min > kSessionMinutesMax) {
    return fail(ErrorCode::invalid_argument, "duration_min",
                fmt::format("must be within [1, {}]", kSessionMinutesMax));
  }
  return {};
}

// Cumulative share of signal s reached after `elapsed` of `duration` minutes (linear
// between profile bins; 1 after the planned end).
double share_at(const NowcastModel& model, int s, double elapsed, int duration) {
  const double f = std::clamp(elapsed / duration, 0.0, 1.0) * kProfileBins;
  const auto bin = static_cast<size_t>(std::min(f, kProfileBins - 1.0));
  const double frac = f - static_cast<double>(bin);
  const auto& share = model.share[static_cast<size_t>(s)];
  return share[bin] + frac * (share[bin + 1] - share[bin]);
}

// The nowcast from cumulative signal sums after `elapsed` minutes.
double nowcast_at(const NowcastModel& model, double prior, int duration, const Sums& observed,
                  double elapsed) {
  double log_pace = 0, weight_sum = 0;
  for (int s = 0; s < kNowcastSignals; ++s) {
    const double w = model.weight[static_cast<size_t>(s)];
    const double share = share_at(model, s, elapsed, duration);
    const double expected = prior * model.per_target[static_cast<size_t>(s)] * share;
    if (w <= 0 || share < 1e-3 || !(expected > 0)) continue;  // nothing expected yet
    log_pace += w * std::log((observed[static_cast<size_t>(s)] + 0.5) / (expected + 0.5));
    weight_sum += w;
  }
  const double share_units = share_at(model, kNowcastSignals - 1, elapsed, duration);
  const double trust = share_units / (share_units + model.credibility_k);
  const double pace = weight_sum > 0 ? std::exp(trust * log_pace / weight_sum) : 1.0;
  const double secured = model.target_per_unit * observed[kNowcastSignals - 1];
  return secured + prior * pace * (1.0 - share_units);
}

double median(std::vector<double> v) {
  LC_ASSERT(!v.empty());
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Mean cumulative share profiles and the per-target rates of the training sessions.
void fit_profiles(std::span<const SessionRecord> training, NowcastModel* model) {
  std::array<std::vector<double>, kNowcastSignals> rates;
  std::vector<double> paid;
  for (auto& share : model->share) share.assign(kProfileBins + 1, 0.0);
  std::array<int, kNowcastSignals> counted{};
  for (const auto& session : training) {
    Sums total{};
    for (const auto& m : session.minutes) {
      const Sums v = signals_of(m);
      for (size_t s = 0; s < v.size(); ++s) total[s] += v[s];
    }
    for (size_t s = 0; s < total.size(); ++s) {
      if (!(total[s] > 0)) continue;
      if (session.actual_total > 0) rates[s].push_back(total[s] / session.actual_total);
      ++counted[s];
      double cumulative = 0;
      size_t t = 0;
      for (int b = 0; b <= kProfileBins; ++b) {
        const double until = static_cast<double>(b) * session.duration_min / kProfileBins;
        for (; t < session.minutes.size() && static_cast<double>(t) < until; ++t) {
          cumulative += signals_of(session.minutes[t])[s];
        }
        model->share[s][static_cast<size_t>(b)] += cumulative / total[s];
      }
    }
    if (total[kNowcastSignals - 1] > 0) paid.push_back(session.actual_total / total.back());
  }
  for (size_t s = 0; s < model->share.size(); ++s) {
    for (double& v : model->share[s]) v = counted[s] > 0 ? v / counted[s] : 0.0;
    model->share[s].back() = 1.0;  // the planned end; minutes run past it add to the last bin
    model->per_target[s] = rates[s].empty() ? 0.0 : median(rates[s]);
  }
  model->target_per_unit = paid.empty() ? 1.0 : median(paid);
}

// Σ|nowcast − actual| over every minute of every training session.
double training_error(const NowcastModel& model, std::span<const SessionRecord> training) {
  double error = 0;
  for (const auto& session : training) {
    Sums observed{};
    for (size_t t = 0; t < session.minutes.size(); ++t) {
      const Sums v = signals_of(session.minutes[t]);
      for (size_t s = 0; s < v.size(); ++s) observed[s] += v[s];
      const double total = nowcast_at(model, session.prior_total, session.duration_min, observed,
                                      static_cast<double>(t + 1));
      error += std::abs(total - session.actual_total);
    }
  }
  return error;
}

}  // namespace

Result<NowcastModel> nowcast_fit(std::span<const SessionRecord> training) {
  if (training.size() < 2) {
    return fail(ErrorCode::invalid_argument, "sessions", "need at least 2 sessions");
  }
  for (const auto& session : training) {
    if (auto ok = check_session(session.prior_total, session.duration_min); !ok) {
      return std::unexpected(ok.error());
    }
    if (!std::isfinite(session.actual_total) || session.actual_total < 0) {
      return fail(ErrorCode::invalid_argument, "actual_total", "must be finite and ≥ 0");
    }
    if (auto ok = check_minutes(session.minutes); !ok) return std::unexpected(ok.error());
  }
  NowcastModel model;
  model.sessions = static_cast<int>(training.size());
  fit_profiles(training, &model);
  // A small grid: which signals to trust (viewers, carts, units) and how fast.
  static constexpr std::array<Sums, 6> kWeights{{{0, 0, 1},
                                                 {0, 0.5, 0.5},
                                                 {0.2, 0.4, 0.4},
                                                 {1.0 / 3, 1.0 / 3, 1.0 / 3},
                                                 {0, 1, 0},
                                                 {0.5, 0, 0.5}}};
  static constexpr std::array<double, 9> kCredibility{0.002, 0.005, 0.01, 0.02, 0.05,
                                                      0.1,   0.2,   0.5,  1.0};
  double best = INFINITY;
  NowcastModel candidate = model;
  for (const auto& weight : kWeights) {
    for (double k : kCredibility) {
      candidate.weight = weight, candidate.credibility_k = k;
      const double error = training_error(candidate, training);
      if (error < best) best = error, model.weight = weight, model.credibility_k = k;
    }
  }
  LC_ASSERT(std::isfinite(best));
  return model;
}

Result<double> nowcast_total(const NowcastModel& model, double prior_total, int duration_min,
                             std::span<const MinuteSignals> so_far) {
  if (auto ok = check_session(prior_total, duration_min); !ok) return std::unexpected(ok.error());
  if (auto ok = check_minutes(so_far); !ok) return std::unexpected(ok.error());
  LC_ASSERT(model.share[0].size() == kProfileBins + 1);
  Sums observed{};
  for (const auto& m : so_far) {
    const Sums v = signals_of(m);
    for (size_t s = 0; s < v.size(); ++s) observed[s] += v[s];
  }
  return nowcast_at(model, prior_total, duration_min, observed, static_cast<double>(so_far.size()));
}

Result<double> nowcast_from_totals(const NowcastModel& model, double prior_total, int duration_min,
                                   const MinuteSignals& totals, double elapsed_min) {
  if (auto ok = check_session(prior_total, duration_min); !ok) return std::unexpected(ok.error());
  for (double v : signals_of(totals)) {
    if (!std::isfinite(v) || v < 0) {
      return fail(ErrorCode::invalid_argument, "totals", "negative or non-finite signal");
    }
  }
  if (!std::isfinite(elapsed_min) || elapsed_min < 0) {
    return fail(ErrorCode::invalid_argument, "elapsed_min", "must be finite and ≥ 0");
  }
  LC_ASSERT(model.share[0].size() == kProfileBins + 1);
  return nowcast_at(model, prior_total, duration_min, signals_of(totals), elapsed_min);
}

Result<std::vector<double>> nowcast_path(const NowcastModel& model, const SessionRecord& session) {
  if (auto ok = check_session(session.prior_total, session.duration_min); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_minutes(session.minutes); !ok) return std::unexpected(ok.error());
  std::vector<double> path;
  Sums observed{};
  for (size_t t = 0; t < session.minutes.size(); ++t) {
    const Sums v = signals_of(session.minutes[t]);
    for (size_t s = 0; s < v.size(); ++s) observed[s] += v[s];
    path.push_back(nowcast_at(model, session.prior_total, session.duration_min, observed,
                              static_cast<double>(t + 1)));
  }
  return path;
}

namespace {

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

TextTable split_csv(const std::string& text) {
  TextTable table;
  size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> cells;
    size_t cell = start;
    for (size_t i = start; i <= end; ++i) {
      if (i == end || text[i] == ',') {
        cells.emplace_back(text.substr(cell, i - cell));
        cell = i + 1;
      }
    }
    if (end > start) (first ? table.header : table.rows.emplace_back()) = std::move(cells);
    first = false;
    start = end + 1;
  }
  return table;
}

Result<double> number_at(const std::string& file, const TextTable& table, size_t row,
                         const std::string& column) {
  const auto it = std::find(table.header.begin(), table.header.end(), column);
  if (it == table.header.end()) {
    return fail(ErrorCode::corruption, file, fmt::format("no column {}", column));
  }
  const auto c = static_cast<size_t>(it - table.header.begin());
  const auto& cells = table.rows[row];
  double value = NAN;
  const char* begin = c < cells.size() ? cells[c].data() : nullptr;
  const char* end = c < cells.size() ? cells[c].data() + cells[c].size() : nullptr;
  const auto parsed = begin ? std::from_chars(begin, end, value) : std::from_chars_result{};
  if (!begin || parsed.ec != std::errc() || parsed.ptr != end || !std::isfinite(value)) {
    return fail(ErrorCode::corruption, file,
                fmt::format("line {}, column {}: not a number", row + 2, column));
  }
  return value;
}

}  // namespace

Result<std::vector<SessionRecord>> parse_twin_history(const std::string& sessions_csv,
                                                      const std::string& signals_csv,
                                                      const std::string& prior_column) {
  const TextTable sessions = split_csv(sessions_csv);
  const TextTable signals = split_csv(signals_csv);
  std::map<int, size_t> by_id;
  std::vector<SessionRecord> records;
  for (size_t r = 0; r < sessions.rows.size(); ++r) {
    auto id = number_at("sessions.csv", sessions, r, "session_id");
    auto duration = number_at("sessions.csv", sessions, r, "duration_min");
    auto prior = number_at("sessions.csv", sessions, r, prior_column);
    auto units = number_at("sessions.csv", sessions, r, "units_sold");
    for (const auto* v : {&id, &duration, &prior, &units}) {
      if (!*v) return std::unexpected(v->error());
    }
    by_id[static_cast<int>(*id)] = records.size();
    records.push_back(SessionRecord{static_cast<int>(*duration), *prior, *units, {}});
  }
  for (size_t r = 0; r < signals.rows.size(); ++r) {
    auto id = number_at("signals.csv", signals, r, "session_id");
    auto minute = number_at("signals.csv", signals, r, "minute");
    auto viewers = number_at("signals.csv", signals, r, "viewers");
    auto carts = number_at("signals.csv", signals, r, "add_to_cart");
    auto units = number_at("signals.csv", signals, r, "units_reserved");
    for (const auto* v : {&id, &minute, &viewers, &carts, &units}) {
      if (!*v) return std::unexpected(v->error());
    }
    const auto it = by_id.find(static_cast<int>(*id));
    if (it == by_id.end() || *minute < 0 || *minute >= kSessionMinutesMax) {
      return fail(ErrorCode::corruption, "signals.csv",
                  fmt::format("line {}: unknown session or minute out of range", r + 2));
    }
    auto& minutes = records[it->second].minutes;
    const auto m = static_cast<size_t>(*minute);
    if (minutes.size() <= m) minutes.resize(m + 1);
    minutes[m] = MinuteSignals{*viewers, *carts, *units};
  }
  return records;
}

}  // namespace livechain::forecast
