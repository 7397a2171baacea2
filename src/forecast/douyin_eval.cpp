// The Douyin evaluation: weekly-refitted global GBMs for Task A (pre-session) and Task B
// (in-session nowcast), the README's reference baselines, and the scored predictions.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "core/assert.hpp"
#include "forecast/conformal.hpp"
#include "forecast/real_detail.hpp"

namespace livechain::forecast {

namespace {

constexpr int64_t kHoldoutStartMinutes = 212 * 24 * 60;  // 2021-08-01 00:00 (day 212 of 2021)
constexpr int64_t kRefitEveryMinutes = 7 * 24 * 60;
constexpr double kFloor = 1e-9;

struct TaskDef {
  std::string name;    // "A-units", …
  std::string target;  // "units" or "gmv"
  bool nowcast = false;
};

double target_of(const LiveSession& s, const std::string& target) {
  return target == "gmv" ? s.gmv : s.units;
}

float safe_log(double value) {
  return value > 0 ? static_cast<float>(std::log(value)) : NAN;
}

// Task B: the host's conversion (target per view, median of its last 5 earlier
// sessions) times this session's views, plus the traffic and engagement so far.
double nowcast_level(std::span<const LiveSession> sessions, size_t index,
                     const std::string& target) {
  std::vector<double> conversions;
  for (size_t j = index; j-- > 0 && conversions.size() < 5;) {
    if (sessions[j].host != sessions[index].host) break;
    if (sessions[j].views > 0)
      conversions.push_back(target_of(sessions[j], target) / sessions[j].views);
  }
  return detail::median_of(conversions) * sessions[index].views;
}

std::vector<std::string> nowcast_names() {
  return {"log_level",      "log_views",         "log_peak", "log_online", "log_likes",
          "likes_per_view", "log_history_level", "kol",      "hour",       "n_products"};
}

std::vector<float> nowcast_features(std::span<const LiveSession> sessions, size_t i,
                                    const std::string& target) {
  const LiveSession& s = sessions[i];
  return {safe_log(nowcast_level(sessions, i, target)),
          safe_log(s.views),
          safe_log(s.peak_viewers),
          safe_log(s.avg_online_viewers),
          safe_log(s.likes),
          s.views > 0 ? static_cast<float>(s.likes / s.views) : NAN,
          safe_log(douyin_level(sessions, i, target)),
          s.kol ? 1.0f : 0.0f,
          static_cast<float>(s.hour),
          static_cast<float>(s.n_products)};
}

struct Prepared {
  FeatureMatrix x;
  std::vector<double> level;
};

Prepared prepare(std::span<const LiveSession> sessions, const TaskDef& task) {
  Prepared p;
  p.x.names = task.nowcast ? nowcast_names() : douyin_feature_names();
  for (size_t i = 0; i < sessions.size(); ++i) {
    const auto row = task.nowcast ? nowcast_features(sessions, i, task.target)
                                  : douyin_features(sessions, i, task.target);
    p.x.add_row(row);
    p.level.push_back(task.nowcast ? nowcast_level(sessions, i, task.target)
                                   : douyin_level(sessions, i, task.target));
  }
  LC_ASSERT(p.x.rows() == sessions.size());
  return p;
}

FeatureMatrix select_rows(const FeatureMatrix& x, const std::vector<size_t>& rows) {
  FeatureMatrix out;
  out.names = x.names;
  const size_t width = x.names.size();
  for (size_t r : rows) {
    out.add_row(std::span<const float>(x.values.data() + r * width, width));
  }
  return out;
}

// The forecast for a session whose host has no level yet (a cold-start host's first
// session, or a Task B session without recorded views): the median target of every
// earlier session of any host; in Task B, when the session has views, those views × the
// median conversion (target per view) of the earlier sessions.
double cold_start_forecast(std::span<const LiveSession> sessions, size_t i, const TaskDef& task) {
  const bool by_views = task.nowcast && sessions[i].views > 0;
  std::vector<double> earlier;
  for (const auto& s : sessions) {
    if (s.start_minutes >= sessions[i].start_minutes) continue;
    if (!by_views) {
      earlier.push_back(target_of(s, task.target));
    } else if (s.views > 0) {
      earlier.push_back(target_of(s, task.target) / s.views);
    }
  }
  if (earlier.empty()) return 0.0;
  return detail::median_of(earlier) * (by_views ? sessions[i].views : 1.0);
}

// Fits on the sessions with a level that start before `train_end` and returns level ×
// predicted ratio for `test` (every index in it has a level).
Result<std::vector<double>> fit_predict(std::span<const LiveSession> sessions, const Prepared& p,
                                        const TaskDef& task, int64_t train_end,
                                        const std::vector<size_t>& test, const GbmParams& params) {
  std::vector<size_t> train;
  std::vector<double> y;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i].start_minutes >= train_end || !(p.level[i] > kFloor)) continue;
    train.push_back(i);
    y.push_back(target_of(sessions[i], task.target) / p.level[i]);
  }
  auto model = GbmModel::fit(select_rows(p.x, train), y, {}, params);
  if (!model) return std::unexpected(model.error());
  auto ratio = model->predict(select_rows(p.x, test));
  if (!ratio) return std::unexpected(ratio.error());
  std::vector<double> forecast(test.size());
  for (size_t k = 0; k < test.size(); ++k) forecast[k] = p.level[test[k]] * (*ratio)[k];
  return forecast;
}

// The ensemble's members: Poisson and Tweedie objectives, trees of depth 4 and 6.
std::vector<GbmParams> ensemble_members(const GbmParams& params) {
  std::vector<GbmParams> members;
  for (const char* objective : {"count:poisson", "reg:tweedie"}) {
    for (const int depth : {4, 6}) {
      GbmParams member = params;
      member.objective = objective, member.depth_max = depth;
      members.push_back(member);
    }
  }
  return members;
}

// Forecasts every session from `calibration_weeks` before the holdout (2021-08-01) on
// (NaN before), refitting at weekly origins on every earlier session with a level
// (y = target / level); the forecast is the equal-weight mean of the ensemble members.
// The calibration weeks' forecasts only feed the conformal intervals.
Result<std::vector<double>> forecast_task(std::span<const LiveSession> sessions,
                                          const TaskDef& task, const GbmParams& params,
                                          int64_t calibration_weeks) {
  const Prepared p = prepare(sessions, task);
  const auto members = ensemble_members(params);
  std::vector<double> forecast(sessions.size(), NAN);
  int64_t end = 0;
  for (const auto& s : sessions) end = std::max(end, s.start_minutes + 1);
  const int64_t first_origin = kHoldoutStartMinutes - calibration_weeks * kRefitEveryMinutes;
  for (int64_t origin = first_origin; origin < end; origin += kRefitEveryMinutes) {
    std::vector<size_t> test;
    for (size_t i = 0; i < sessions.size(); ++i) {
      const int64_t start = sessions[i].start_minutes;
      if (start < origin || start >= origin + kRefitEveryMinutes) continue;
      if (p.level[i] > kFloor)
        test.push_back(i);
      else
        forecast[i] = cold_start_forecast(sessions, i, task);
    }
    if (test.empty()) continue;
    for (size_t i : test) forecast[i] = 0;
    for (const auto& member : members) {
      auto gbm = fit_predict(sessions, p, task, origin, test, member);
      if (!gbm) return std::unexpected(gbm.error());
      for (size_t k = 0; k < test.size(); ++k) {
        forecast[test[k]] += (*gbm)[k] / static_cast<double>(members.size());
      }
    }
  }
  return forecast;
}

}  // namespace

namespace {

struct Holdout {
  std::vector<size_t> main, cold;       // indices of holdout sessions: hosts with / without history
  std::map<std::string, double> scale;  // host → mean |Δ target| over its training sessions
};

Holdout split_holdout(std::span<const LiveSession> sessions, const std::string& target) {
  Holdout h;
  std::map<std::string, std::vector<double>> train;
  for (const auto& s : sessions) {
    if (s.start_minutes < kHoldoutStartMinutes) train[s.host].push_back(target_of(s, target));
  }
  for (const auto& [host, values] : train) {
    double sum = 0;
    for (size_t k = 1; k < values.size(); ++k) sum += std::abs(values[k] - values[k - 1]);
    h.scale[host] = values.size() > 1 ? sum / static_cast<double>(values.size() - 1) : NAN;
  }
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i].start_minutes < kHoldoutStartMinutes) continue;
    (train.contains(sessions[i].host) ? h.main : h.cold).push_back(i);
  }
  return h;
}

// Rolling one-session-ahead reference: mean or median of the host's last 5 targets.
double reference(std::span<const LiveSession> sessions, size_t i, const std::string& target,
                 bool median) {
  std::vector<double> last;
  for (size_t j = i; j-- > 0 && last.size() < 5;) {
    if (sessions[j].host != sessions[i].host) break;
    last.push_back(target_of(sessions[j], target));
  }
  if (last.empty()) return NAN;
  if (median) return detail::median_of(last);
  double sum = 0;
  for (double v : last) sum += v;
  return sum / static_cast<double>(last.size());
}

MethodScore score_rows(std::span<const LiveSession> sessions, const Holdout& h,
                       const std::vector<size_t>& rows, const TaskDef& task,
                       const std::string& suffix, const std::string& method,
                       const std::vector<double>& forecast, double seconds) {
  std::vector<double> actual, predicted, scale;
  for (size_t i : rows) {
    actual.push_back(target_of(sessions[i], task.target));
    predicted.push_back(std::isfinite(forecast[i]) ? std::max(0.0, forecast[i]) : 0.0);
    const auto it = h.scale.find(sessions[i].host);
    scale.push_back(it == h.scale.end() ? NAN : it->second);
  }
  return detail::score_method("douyin", task.name + suffix, method, actual, predicted, scale,
                              seconds);
}

bool has_level(std::span<const LiveSession> sessions, size_t i, const TaskDef& task) {
  const double level = task.nowcast ? nowcast_level(sessions, i, task.target)
                                    : douyin_level(sessions, i, task.target);
  return level > kFloor;
}

// Online split conformal on relative residuals r = (y − ŷ)/ŷ: a holdout session of the
// week starting at origin o gets ŷ·(1 + q) with q the quantiles of r over every earlier
// session with a level and an out-of-sample forecast (the calibration weeks, then the
// holdout weeks before o, whose actuals are known by then). Returns the coverage on
// `rows`, or nullopt when a week has no calibration residual.
std::optional<Coverage> douyin_coverage(std::span<const LiveSession> sessions,
                                        const std::vector<size_t>& rows, const TaskDef& task,
                                        const std::vector<double>& forecast) {
  std::vector<bool> calibratable(sessions.size());
  for (size_t j = 0; j < sessions.size(); ++j) {
    calibratable[j] = forecast[j] > kFloor && has_level(sessions, j, task);
  }
  std::vector<double> actual;
  std::vector<Interval> intervals;
  for (size_t i : rows) {
    const int64_t weeks = (sessions[i].start_minutes - kHoldoutStartMinutes) / kRefitEveryMinutes;
    const int64_t origin = kHoldoutStartMinutes + weeks * kRefitEveryMinutes;
    std::vector<ConformalResidual> residuals;
    for (size_t j = 0; j < sessions.size(); ++j) {
      if (sessions[j].start_minutes >= origin || !calibratable[j]) continue;
      const double y = target_of(sessions[j], task.target);
      residuals.push_back(ConformalResidual{1, (y - forecast[j]) / forecast[j]});
    }
    auto model = conformal_fit(residuals, 1);
    if (!model) return std::nullopt;
    const double point = std::max(0.0, std::isfinite(forecast[i]) ? forecast[i] : 0.0);
    actual.push_back(target_of(sessions[i], task.target));
    intervals.push_back(conformal_interval(*model, point, point, 1));
  }
  auto coverage = measure_coverage(actual, intervals);
  if (!coverage) return std::nullopt;
  return *coverage;
}

Result<std::vector<double>> run_task(std::span<const LiveSession> sessions, const TaskDef& task,
                                     const GbmParams& params, int calibration_weeks,
                                     std::vector<MethodScore>* scores) {
  const Holdout h = split_holdout(sessions, task.target);
  if (!task.nowcast) {
    for (const bool median : {false, true}) {
      std::vector<double> ref(sessions.size(), NAN);
      for (size_t i : h.main) ref[i] = reference(sessions, i, task.target, median);
      scores->push_back(
          score_rows(sessions, h, h.main, task, "", median ? "median5" : "mean5", ref, 0.0));
    }
  } else {
    std::vector<double> funnel(sessions.size(), NAN);
    for (size_t i : h.main) funnel[i] = nowcast_level(sessions, i, task.target);
    scores->push_back(score_rows(sessions, h, h.main, task, "", "conversion5xviews", funnel, 0.0));
  }
  const auto started = std::chrono::steady_clock::now();
  auto forecast = forecast_task(sessions, task, params, calibration_weeks);
  if (!forecast) return forecast;
  const double seconds = detail::seconds_since(started);
  const std::string method = "livechain";
  scores->push_back(score_rows(sessions, h, h.main, task, "", method, *forecast, seconds));
  if (const auto coverage = douyin_coverage(sessions, h.main, task, *forecast)) {
    scores->back().coverage_p10_p90 = coverage->inside_p10_p90;
    scores->back().below_p10 = coverage->below_p10;
    scores->back().below_p50 = coverage->below_p50;
    scores->back().pinball_scaled = coverage->pinball_scaled;
  }
  if (!h.cold.empty()) {
    scores->push_back(
        score_rows(sessions, h, h.cold, task, "-coldstart", method, *forecast, seconds));
  }
  return forecast;
}

PredictionFile write_file(const std::string& name, std::span<const LiveSession> sessions,
                          const std::vector<double>& units, const std::vector<double>& gmv) {
  std::vector<size_t> order;
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i].start_minutes >= kHoldoutStartMinutes) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return sessions[a].session_id < sessions[b].session_id; });
  PredictionFile file{name, "session_id,units,gmv\n"};
  for (size_t i : order) {
    file.csv += fmt::format("{},{:.3f},{:.2f}\n", sessions[i].session_id, std::max(0.0, units[i]),
                            std::max(0.0, gmv[i]));
  }
  return file;
}

}  // namespace

Result<RealReport> evaluate_douyin(const std::filesystem::path& data_dir, const GbmParams& params,
                                   int calibration_weeks) {
  if (calibration_weeks < 0 || calibration_weeks > 8) {
    return fail(ErrorCode::invalid_argument, "calibration_weeks", "must be within [0, 8]");
  }
  auto sessions = read_douyin_sessions(data_dir / "sessions.csv.gz");
  if (!sessions) return std::unexpected(sessions.error());
  RealReport report;
  report.seed = params.seed;
  std::map<std::string, std::vector<double>> forecasts;
  for (const auto& task : {TaskDef{"A-units", "units", false}, TaskDef{"A-gmv", "gmv", false},
                           TaskDef{"B-units", "units", true}, TaskDef{"B-gmv", "gmv", true}}) {
    auto forecast = run_task(*sessions, task, params, calibration_weeks, &report.scores);
    if (!forecast) return std::unexpected(forecast.error());
    forecasts[task.name] = std::move(*forecast);
  }
  report.predictions.push_back(
      write_file("douyin_task_a.csv", *sessions, forecasts["A-units"], forecasts["A-gmv"]));
  report.predictions.push_back(
      write_file("douyin_task_b.csv", *sessions, forecasts["B-units"], forecasts["B-gmv"]));
  LC_ASSERT(report.predictions.size() == 2);
  return report;
}

}  // namespace livechain::forecast
