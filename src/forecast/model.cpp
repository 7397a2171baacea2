// Per-series models in ETS state form: training with rolling-origin selection and
// conformal intervals, and prediction (model.hpp). Saving/loading is model_file.cpp.
#include "forecast/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

constexpr size_t kOriginTrainMin = 8;  // observations left before a backtest origin

// The benchmark Theta (theta.cpp) in ETS state form; its forecasts equal theta()'s up
// to rounding.
Result<EtsModel> theta_state(std::span<const double> y, int period) {
  const size_t n = y.size();
  if (n < 4) return fail(ErrorCode::invalid_argument, "series", "Theta needs at least 4 values");
  const ThetaLines lines = theta_lines(y, period);
  const bool seasonal = lines.seasonal;
  const std::vector<double>& indices = lines.indices;
  const double slope = lines.slope;
  const double intercept = lines.intercept;
  const double c = static_cast<double>(n);
  auto ses_model = ets_fit(lines.theta2, 1, EtsSpec{});
  if (!ses_model) return std::unexpected(ses_model.error());
  EtsModel state;
  state.spec = EtsSpec{ErrorKind::additive, TrendKind::additive,
                       seasonal ? SeasonKind::multiplicative : SeasonKind::none};
  state.period = seasonal ? period : 1;
  state.alpha = ses_model->alpha, state.beta = 0, state.gamma = 0, state.phi = 1;
  state.level = 0.5 * ses_model->level + 0.5 * (intercept + slope * c);
  state.trend = 0.5 * slope;
  state.season.assign(static_cast<size_t>(state.period), 1.0);
  const size_t m = static_cast<size_t>(state.period);
  if (seasonal) {
    for (size_t k = 0; k < m; ++k) state.season[k] = indices[n - m + k];
  }
  state.observations = static_cast<int>(n);
  return state;
}

// Seasonal naive in ETS state form (naive when shorter than a period).
EtsModel snaive_state(std::span<const double> y, int period) {
  EtsModel state;
  state.observations = static_cast<int>(y.size());
  const size_t m = static_cast<size_t>(period);
  if (period < 2 || y.size() < m) {
    state.spec = EtsSpec{};
    state.alpha = 1, state.level = y.back();
    state.season.assign(1, 0.0);
    return state;
  }
  state.spec = EtsSpec{ErrorKind::additive, TrendKind::none, SeasonKind::additive};
  state.period = period;
  state.alpha = 0, state.gamma = 1, state.level = 0;
  state.season.assign(y.end() - static_cast<ptrdiff_t>(m), y.end());
  return state;
}

Result<EtsModel> fit_single(std::span<const double> y, int period, const std::string& method) {
  if (y.size() < 4) {
    return fail(ErrorCode::invalid_argument, "series",
                fmt::format("{} values, need ≥ 4", y.size()));
  }
  if (method == "ets") return ets_auto(y, period);
  if (method == "theta") return theta_state(y, period);
  LC_ASSERT(method == "snaive");
  return snaive_state(y, period);
}

double mase_scale_of(std::span<const double> y, int period) {
  const size_t lag = y.size() > static_cast<size_t>(period) + 1 ? static_cast<size_t>(period) : 1;
  if (y.size() <= lag) return 0;
  double sum = 0;
  for (size_t t = lag; t < y.size(); ++t) sum += std::abs(y[t] - y[t - lag]);
  return sum / static_cast<double>(y.size() - lag);
}

Forecast clamp_forecast(std::span<const double> y, Forecast f) {
  if (std::all_of(y.begin(), y.end(), [](double v) { return v >= 0; })) {
    for (double& v : f) v = std::max(v, 0.0);
  }
  return f;
}

double smape_of(std::span<const double> actual, std::span<const double> forecast) {
  auto s = smape(actual, forecast);
  return s ? *s : std::numeric_limits<double>::infinity();
}

const std::vector<std::string>& candidates() {
  static const std::vector<std::string> names{"ets", "theta", "snaive"};
  return names;
}

struct Fitted {
  std::string method;
  EtsModel state;
};

// Fits `method`; "auto" picks the candidate with the lowest mean sMAPE over rolling
// origins of the series itself (ets when no origin fits).
Result<Fitted> fit_method(std::span<const double> y, int period, int horizon,
                          const std::string& method, int origins) {
  std::string chosen = method;
  if (method == "auto") {
    std::vector<double> error(candidates().size(), 0.0);
    int used = 0;
    for (int k = 1; k <= origins; ++k) {
      const size_t cut = static_cast<size_t>(k * horizon);
      if (y.size() < cut + kOriginTrainMin) break;
      const auto train = y.first(y.size() - cut);
      const auto test = y.subspan(y.size() - cut, static_cast<size_t>(horizon));
      for (size_t c = 0; c < candidates().size(); ++c) {
        auto state = fit_single(train, period, candidates()[c]);
        error[c] += state ? smape_of(test, clamp_forecast(train, ets_forecast(*state, horizon)))
                          : std::numeric_limits<double>::infinity();
      }
      ++used;
    }
    chosen = "ets";
    if (used > 0) {
      const auto best = std::min_element(error.begin(), error.end()) - error.begin();
      if (std::isfinite(error[static_cast<size_t>(best)])) {
        chosen = candidates()[static_cast<size_t>(best)];
      }
    }
  }
  auto state = fit_single(y, period, chosen);
  if (!state) return std::unexpected(state.error());
  return Fitted{chosen, std::move(*state)};
}

Result<void> check_common(int horizon, int period) {
  if (horizon < 1 || horizon > kHorizonMax) {
    return fail(ErrorCode::invalid_argument, "horizon",
                fmt::format("{} is outside [1, {}]", horizon, kHorizonMax));
  }
  if (period < 0 || period > kPeriodMax) {
    return fail(ErrorCode::invalid_argument, "period",
                fmt::format("{} is outside [0, {}] (0 = from the dates)", period, kPeriodMax));
  }
  return {};
}

// One ETS step with the saved parameters (R's etscalc update): the state after seeing y.
Result<void> ets_update(EtsModel& s, double y) {
  const bool add_season = s.spec.season == SeasonKind::additive;
  const bool mul_season = s.spec.season == SeasonKind::multiplicative;
  const bool mul_error = s.spec.error == ErrorKind::multiplicative;
  const double phi = s.spec.trend == TrendKind::damped ? s.phi : 1.0;
  const double damped_trend = s.spec.trend == TrendKind::none ? 0.0 : phi * s.trend;
  const double base = s.level + damped_trend;
  const double season = s.season.front();
  if ((mul_error || mul_season) && (base <= 0 || y <= 0)) {
    return fail(ErrorCode::invalid_argument, "sales",
                "a multiplicative model needs positive values and states");
  }
  const double deseasonalised = add_season ? y - season : mul_season ? y / season : y;
  const double level = base + s.alpha * (deseasonalised - base);
  if (s.spec.trend != TrendKind::none && s.alpha > 0) {
    s.trend = damped_trend + (s.beta / s.alpha) * (level - s.level - damped_trend);
  }
  double updated = season;
  if (add_season) updated += s.gamma * (y - base - season);
  if (mul_season) updated += s.gamma * (y / base - season);
  s.level = level;
  std::rotate(s.season.begin(), s.season.begin() + 1, s.season.end());
  s.season.back() = updated;
  ++s.observations;
  return {};
}

// The model of one series after the observations of `s` dated after its last day
// (older ones are the training data). Errors: see predict_model.
Result<SeriesModel> absorb_newer(const SeriesModel& model, const SalesSeries& s) {
  SeriesModel updated = model;
  if (s.values.size() > 1 && s.step_days != updated.step_days) {
    return fail(ErrorCode::invalid_argument, "date",
                fmt::format("line {}: series '{}' steps {} days, the model {}", s.first_line, s.id,
                            s.step_days, updated.step_days));
  }
  const int64_t step = updated.step_days;
  if (s.last_day() > updated.last_day && (s.last_day() - updated.last_day) % step != 0) {
    return fail(ErrorCode::invalid_argument, "date",
                fmt::format("line {}: series '{}' dates are off the model's {}-day grid",
                            s.first_line, s.id, step));
  }
  if (s.last_day() > updated.last_day && s.first_day > updated.last_day + step) {
    return fail(ErrorCode::invalid_argument, "date",
                fmt::format("line {}: series '{}' starts {}, missing {} after the model's "
                            "last date",
                            s.first_line, s.id, format_iso_day(s.first_day),
                            format_iso_day(updated.last_day + step)));
  }
  for (size_t i = 0; i < s.values.size(); ++i) {
    const int64_t day = s.first_day + static_cast<int64_t>(i) * s.step_days;
    if (day <= updated.last_day) continue;  // already in the model
    if (auto ok = ets_update(updated.state, s.values[i]); !ok) {
      return fail(
          ErrorCode::invalid_argument, "sales",
          fmt::format("series '{}' on {}: {}", s.id, format_iso_day(day), ok.error().detail));
    }
    updated.last_day = day;
    updated.non_negative = updated.non_negative && s.values[i] >= 0;
  }
  return updated;
}

}  // namespace

int default_period(int step_days) {
  if (step_days == 1) return 7;
  if (step_days == 7) return 52;
  return 1;
}

Result<ForecastModel> train_model(const SalesTable& table, const TrainOptions& options) {
  const auto& names = candidates();
  if (options.method != "auto" &&
      std::find(names.begin(), names.end(), options.method) == names.end()) {
    return fail(ErrorCode::invalid_argument, "method", "must be ets, theta, snaive or auto");
  }
  if (auto ok = check_common(options.horizon, options.period); !ok)
    return std::unexpected(ok.error());
  if (options.origins < 0 || options.origins > 10) {
    return fail(ErrorCode::invalid_argument, "origins", "must be within [0, 10]");
  }
  ForecastModel model;
  model.method = options.method, model.horizon = options.horizon;
  std::vector<ConformalResidual> residuals;
  for (const SalesSeries& series : table.series) {
    const int period = options.period > 0 ? options.period : default_period(series.step_days);
    const std::span<const double> y = series.values;
    auto fitted = fit_method(y, period, options.horizon, options.method, options.origins);
    if (!fitted) {
      return fail(ErrorCode::invalid_argument, "series",
                  fmt::format("series '{}' (from line {}): {}", series.id, series.first_line,
                              fitted.error().detail));
    }
    // Out-of-sample residuals of the chosen method at the rolling origins.
    for (int k = 1; k <= options.origins; ++k) {
      const size_t cut = static_cast<size_t>(k * options.horizon);
      if (y.size() < cut + kOriginTrainMin) break;
      const auto train = y.first(y.size() - cut);
      const double scale = mase_scale_of(train, period);
      auto state = fit_single(train, period, fitted->method);
      if (!state || !(scale > 0)) continue;
      const Forecast f = clamp_forecast(train, ets_forecast(*state, options.horizon));
      for (int h = 0; h < options.horizon; ++h) {
        const double r =
            (y[y.size() - cut + static_cast<size_t>(h)] - f[static_cast<size_t>(h)]) / scale;
        if (std::isfinite(r)) residuals.push_back(ConformalResidual{h + 1, r});
      }
    }
    SeriesModel sm{series.id,
                   fitted->method,
                   std::move(fitted->state),
                   series.last_day(),
                   series.step_days,
                   mase_scale_of(y, period),
                   std::all_of(y.begin(), y.end(), [](double v) { return v >= 0; })};
    model.series.push_back(std::move(sm));
  }
  if (!residuals.empty()) {
    auto conformal = conformal_fit(residuals, options.horizon);
    LC_ASSERT(conformal.has_value());
    model.conformal = std::move(*conformal);
    model.has_intervals = true;
  }
  LC_ASSERT(model.series.size() == table.series.size());
  return model;
}

Result<std::vector<PredictionRow>> predict_model(const ForecastModel& model, int horizon,
                                                 const SalesTable* newer) {
  if (horizon < 1 || horizon > model.horizon) {
    return fail(ErrorCode::invalid_argument, "horizon",
                fmt::format("{} is outside [1, {}] (the trained horizon)", horizon, model.horizon));
  }
  std::vector<SeriesModel> selected;
  if (newer == nullptr) {
    selected = model.series;
  } else {
    for (const SalesSeries& s : newer->series) {
      const auto it =
          std::lower_bound(model.series.begin(), model.series.end(), s.id,
                           [](const SeriesModel& m, const std::string& v) { return m.id < v; });
      if (it == model.series.end() || it->id != s.id) {
        return fail(ErrorCode::invalid_argument, "series_id",
                    fmt::format("line {}: series '{}' is not in the model", s.first_line, s.id));
      }
      auto updated = absorb_newer(*it, s);
      if (!updated) return std::unexpected(updated.error());
      selected.push_back(std::move(*updated));
    }
  }
  std::vector<PredictionRow> rows;
  for (const SeriesModel& s : selected) {
    const Forecast f = ets_forecast(s.state, horizon);
    for (int h = 1; h <= horizon; ++h) {
      double point = f[static_cast<size_t>(h - 1)];
      if (s.non_negative) point = std::max(point, 0.0);
      PredictionRow row{s.id, s.last_day + static_cast<int64_t>(h) * s.step_days, h, point,
                        Interval{point, point, point}};
      if (model.has_intervals) {
        row.interval = conformal_interval(model.conformal, point, s.scale, h,
                                          s.non_negative ? 0.0 : -HUGE_VAL);
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

Result<std::vector<BacktestScore>> backtest_methods(const SalesTable& table, int origins,
                                                    int horizon, int period_override) {
  if (origins < 1 || origins > 10) {
    return fail(ErrorCode::invalid_argument, "origins", "must be within [1, 10]");
  }
  if (auto ok = check_common(horizon, period_override); !ok) return std::unexpected(ok.error());
  std::vector<BacktestScore> scores;
  for (const std::string method : {"snaive", "theta", "ets", "auto"}) {
    BacktestScore score{method, 0, 0, 0, 0, 0, 0};
    const auto started = std::chrono::steady_clock::now();
    double smape_sum = 0, mase_sum = 0, error_sum = 0, actual_sum = 0;
    int forecasts = 0, scaled = 0;
    for (const SalesSeries& series : table.series) {
      const int period = period_override > 0 ? period_override : default_period(series.step_days);
      const std::span<const double> y = series.values;
      for (int k = 1; k <= origins; ++k) {
        const size_t cut = static_cast<size_t>(k * horizon);
        if (y.size() < cut + kOriginTrainMin) break;
        const auto train = y.first(y.size() - cut);
        const auto test = y.subspan(y.size() - cut, static_cast<size_t>(horizon));
        auto fitted = fit_method(train, period, horizon, method, origins);
        Forecast f = fitted ? clamp_forecast(train, ets_forecast(fitted->state, horizon))
                            : Forecast(static_cast<size_t>(horizon), train.back());
        score.failures += fitted ? 0 : 1;
        smape_sum += smape_of(test, f);
        const double scale = mase_scale_of(train, period);
        for (size_t h = 0; h < test.size(); ++h) {
          error_sum += std::abs(test[h] - f[h]);
          actual_sum += std::abs(test[h]);
          if (scale > 0)
            mase_sum += std::abs(test[h] - f[h]) / scale / static_cast<double>(horizon);
        }
        scaled += scale > 0 ? 1 : 0;
        ++forecasts;
        score.points += horizon;
      }
    }
    if (forecasts == 0) {
      return fail(ErrorCode::invalid_argument, "series",
                  fmt::format("no series is long enough for one origin (needs {} + {} values)",
                              kOriginTrainMin, horizon));
    }
    score.smape = smape_sum / forecasts;
    score.mase = scaled > 0 ? mase_sum / scaled : NAN;
    score.wape = actual_sum > 0 ? error_sum / actual_sum : NAN;
    score.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    scores.push_back(score);
  }
  return scores;
}

}  // namespace livechain::forecast
