// ETS state-space models (Hyndman, Koehler, Snyder & Grose 2002; Hyndman et al. 2008)
// fitted by maximum likelihood with Nelder–Mead and selected by AICc, following the
// conventions of R's forecast::ets (state updates, likelihood, "usual" bounds).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/assert.hpp"
#include "forecast/forecast.hpp"
#include "forecast/optimize.hpp"

namespace livechain::forecast {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kSmoothingLow = 1e-4, kSmoothingHigh = 0.9999;
constexpr double kPhiLow = 0.8, kPhiHigh = 0.98;
constexpr int kEvaluationsMax = 600;

struct Layout {  // which optimisation coordinates exist, in order
  bool trend = false, season = false, damped = false;
  size_t size() const { return 2 + trend * 2 + season + damped; }
};

struct Params {
  double alpha = 0, beta = 0, gamma = 0, phi = 1, level0 = 0, trend0 = 0;
};

Params unpack(const Layout& layout, std::span<const double> x) {
  Params p;
  size_t i = 0;
  p.alpha = x[i++];
  if (layout.trend) p.beta = x[i++];
  if (layout.season) p.gamma = x[i++];
  p.phi = layout.damped ? x[i++] : 1.0;
  p.level0 = x[i++];
  if (layout.trend) p.trend0 = x[i++];
  LC_ASSERT(i == layout.size());
  return p;
}

bool within_bounds(const Layout& layout, const Params& p) {
  if (p.alpha < kSmoothingLow || p.alpha > kSmoothingHigh) return false;
  if (layout.trend && (p.beta < kSmoothingLow || p.beta > p.alpha)) return false;
  if (layout.season && (p.gamma < kSmoothingLow || p.gamma > 1 - p.alpha)) return false;
  if (layout.damped && (p.phi < kPhiLow || p.phi > kPhiHigh)) return false;
  return true;
}

struct Filtered {
  double lik = kInfinity;  // n·log(SSE) + 2·Σ log|ŷ| (multiplicative error)
  double sse = 0;
  double level = 0, trend = 0;
  std::vector<double> season;  // by position t mod m, after the last observation
};

// Runs the model through the series (R's etscalc/update). `season` holds the initial
// indices by position t mod m and is updated in place.
Filtered filter(std::span<const double> y, const EtsSpec& spec, int period, const Params& p,
                std::vector<double> season) {
  const bool additive_season = spec.season == SeasonKind::additive;
  const bool multiplicative_season = spec.season == SeasonKind::multiplicative;
  const bool multiplicative_error = spec.error == ErrorKind::multiplicative;
  const size_t m = static_cast<size_t>(period);
  double level = p.level0, trend = spec.trend == TrendKind::none ? 0.0 : p.trend0;
  double sse = 0, log_sum = 0;
  Filtered out;
  for (size_t t = 0; t < y.size(); ++t) {
    const double damped_trend = p.phi * trend;
    const double base = level + damped_trend;
    double& s = season[t % m];
    const double fitted = additive_season ? base + s : multiplicative_season ? base * s : base;
    if ((multiplicative_error || multiplicative_season) && (base <= 0 || fitted <= 0)) return out;
    const double error = multiplicative_error ? (y[t] - fitted) / fitted : y[t] - fitted;
    sse += error * error;
    if (multiplicative_error) log_sum += std::log(std::fabs(fitted));
    const double deseasonalised = additive_season         ? y[t] - s
                                  : multiplicative_season ? y[t] / s
                                                          : y[t];
    const double level_new = base + p.alpha * (deseasonalised - base);
    if (spec.trend != TrendKind::none) {
      trend = damped_trend + (p.beta / p.alpha) * (level_new - level - damped_trend);
    }
    if (additive_season) s += p.gamma * (y[t] - base - s);
    if (multiplicative_season) s += p.gamma * (y[t] / base - s);
    level = level_new;
  }
  const double n = static_cast<double>(y.size());
  out.lik = n * std::log(std::max(sse, 1e-300)) + 2 * log_sum;
  out.sse = sse;
  out.level = level;
  out.trend = trend;
  out.season = std::move(season);
  return out;
}

// Initial seasonal indices from a classical decomposition of the first cycles
// (additive indices are differences, multiplicative ones ratios), by position t mod m.
std::vector<double> initial_season(std::span<const double> y, const EtsSpec& spec, int period) {
  const size_t m = static_cast<size_t>(period);
  if (spec.season == SeasonKind::none) return std::vector<double>(m, 0.0);
  const size_t window = std::min(y.size(), std::max<size_t>(3 * m, 2 * m + 2));
  if (spec.season == SeasonKind::multiplicative) {
    auto indices = multiplicative_seasonal_indices(y.first(window), period);
    indices.resize(m);
    return indices;
  }
  auto indices = additive_seasonal_indices(y.first(window), period);
  indices.resize(m);
  return indices;
}

// Starting level and trend: linear fit on the first max(10, 2m) deseasonalised values.
std::pair<double, double> initial_level_trend(std::span<const double> y, const EtsSpec& spec,
                                              int period, const std::vector<double>& season) {
  const size_t m = static_cast<size_t>(period);
  const size_t count = std::min(y.size(), std::max<size_t>(10, 2 * m));
  double sum_t = 0, sum_y = 0, sum_tt = 0, sum_ty = 0;
  for (size_t t = 0; t < count; ++t) {
    const double s = season[t % m];
    const double v = spec.season == SeasonKind::additive         ? y[t] - s
                     : spec.season == SeasonKind::multiplicative ? y[t] / s
                                                                 : y[t];
    const double x = static_cast<double>(t + 1);
    sum_t += x, sum_y += v, sum_tt += x * x, sum_ty += x * v;
  }
  const double c = static_cast<double>(count);
  const double slope = (c * sum_ty - sum_t * sum_y) / std::max(c * sum_tt - sum_t * sum_t, 1e-12);
  const double intercept = (sum_y - slope * sum_t) / c;
  if (spec.trend == TrendKind::none) return {sum_y / c, 0.0};
  return {intercept, slope};
}

Result<void> check_fit_input(std::span<const double> y, int period, const EtsSpec& spec) {
  if (auto ok = validate_input(y, period, 1); !ok) return ok;
  const bool seasonal = spec.season != SeasonKind::none;
  if (seasonal && period < 2) {
    return fail(ErrorCode::invalid_argument, "period", "a seasonal model needs period ≥ 2");
  }
  const size_t needed = seasonal ? 2 * static_cast<size_t>(period) + 2 : 4;
  if (y.size() < needed) {
    return fail(
        ErrorCode::invalid_argument, "series",
        fmt::format("{} values, {} needs at least {}", y.size(), ets_spec_name(spec), needed));
  }
  const bool multiplicative =
      spec.error == ErrorKind::multiplicative || spec.season == SeasonKind::multiplicative;
  if (multiplicative && std::any_of(y.begin(), y.end(), [](double v) { return v <= 0; })) {
    return fail(ErrorCode::invalid_argument, "series",
                "a multiplicative component needs strictly positive values");
  }
  return {};
}

}  // namespace

std::string ets_spec_name(const EtsSpec& spec) {
  std::string name = spec.error == ErrorKind::additive ? "A" : "M";
  name += spec.trend == TrendKind::none ? "N" : spec.trend == TrendKind::additive ? "A" : "Ad";
  name += spec.season == SeasonKind::none ? "N" : spec.season == SeasonKind::additive ? "A" : "M";
  return name;
}

Result<EtsModel> ets_fit(std::span<const double> y, int period, const EtsSpec& spec) {
  if (auto ok = check_fit_input(y, period, spec); !ok) return std::unexpected(ok.error());
  const int m = spec.season == SeasonKind::none ? 1 : period;
  const Layout layout{spec.trend != TrendKind::none, spec.season != SeasonKind::none,
                      spec.trend == TrendKind::damped};
  const auto season0 = initial_season(y, spec, m);
  const auto [level0, trend0] = initial_level_trend(y, spec, m, season0);
  double scale = 0;
  for (double v : y) scale = std::max(scale, std::fabs(v));
  std::vector<double> start{layout.season ? 0.1 : 0.3};
  std::vector<double> steps{0.1};
  if (layout.trend) start.push_back(0.05), steps.push_back(0.02);
  if (layout.season) start.push_back(0.05), steps.push_back(0.05);
  if (layout.damped) start.push_back(0.95), steps.push_back(-0.05);
  start.push_back(level0), steps.push_back(0.05 * std::max(std::fabs(level0), 1e-3 * scale + 1e-9));
  if (layout.trend) {
    start.push_back(trend0),
        steps.push_back(std::max(0.2 * std::fabs(trend0), 1e-3 * scale + 1e-9));
  }
  auto objective = [&](std::span<const double> x) {
    const Params p = unpack(layout, x);
    if (!within_bounds(layout, p)) return kInfinity;
    return filter(y, spec, m, p, season0).lik;
  };
  const auto best = detail::nelder_mead(objective, start, steps, kEvaluationsMax, 1e-8);
  if (!std::isfinite(best.value)) {
    return fail(ErrorCode::invalid_argument, "series",
                fmt::format("no admissible {} fit", ets_spec_name(spec)));
  }
  const Params p = unpack(layout, best.x);
  const Filtered filtered = filter(y, spec, m, p, season0);
  LC_ASSERT(std::isfinite(filtered.lik));
  EtsModel model;
  model.spec = spec, model.period = m;
  model.alpha = p.alpha, model.beta = p.beta, model.gamma = p.gamma, model.phi = p.phi;
  model.level = filtered.level, model.trend = filtered.trend;
  const size_t n = y.size();
  model.season.resize(static_cast<size_t>(m));
  for (size_t k = 0; k < model.season.size(); ++k) model.season[k] = filtered.season[(n + k) % m];
  model.observations = static_cast<int>(n);
  model.parameter_count = static_cast<int>(layout.size()) + (layout.season ? m - 1 : 0) + 1;
  model.sse = filtered.sse;
  model.log_likelihood_scaled = -0.5 * filtered.lik;
  const double k = model.parameter_count, nn = static_cast<double>(n);
  model.aicc = nn - k - 1 > 0 ? filtered.lik + 2 * k + 2 * k * (k + 1) / (nn - k - 1) : kInfinity;
  return model;
}

Result<EtsModel> ets_auto(std::span<const double> y, int period) {
  if (auto ok = validate_input(y, period, 1); !ok) return std::unexpected(ok.error());
  const bool positive = std::all_of(y.begin(), y.end(), [](double v) { return v > 0; });
  const bool seasonal = period >= 2 && y.size() >= 2 * static_cast<size_t>(period) + 2;
  Result<EtsModel> best =
      fail(ErrorCode::invalid_argument, "series", "no ETS model could be fitted");
  for (ErrorKind error : {ErrorKind::additive, ErrorKind::multiplicative}) {
    for (TrendKind trend : {TrendKind::none, TrendKind::additive, TrendKind::damped}) {
      for (SeasonKind season :
           {SeasonKind::none, SeasonKind::additive, SeasonKind::multiplicative}) {
        const bool multiplicative =
            error == ErrorKind::multiplicative || season == SeasonKind::multiplicative;
        if (multiplicative && !positive) continue;
        if (season != SeasonKind::none && !seasonal) continue;
        if (error == ErrorKind::additive && season == SeasonKind::multiplicative) continue;
        auto model = ets_fit(y, period, EtsSpec{error, trend, season});
        if (!model || !std::isfinite(model->aicc)) continue;
        if (!best || model->aicc < best->aicc) best = std::move(model);
      }
    }
  }
  return best;
}

Forecast ets_forecast(const EtsModel& model, int horizon) {
  LC_ASSERT(horizon >= 1);
  LC_ASSERT(model.season.size() == static_cast<size_t>(model.period));
  Forecast forecast(static_cast<size_t>(horizon));
  double trend_sum = 0, phi_power = 1;
  for (size_t h = 0; h < forecast.size(); ++h) {
    phi_power *= model.phi;
    if (model.spec.trend == TrendKind::additive) trend_sum += model.trend;
    if (model.spec.trend == TrendKind::damped) trend_sum += phi_power * model.trend;
    const double base = model.level + trend_sum;
    const double s = model.season[h % model.season.size()];
    forecast[h] = model.spec.season == SeasonKind::additive         ? base + s
                  : model.spec.season == SeasonKind::multiplicative ? base * s
                                                                    : base;
  }
  return forecast;
}

namespace {

Result<Forecast> fit_and_forecast(std::span<const double> y, int horizon, TrendKind trend) {
  if (auto ok = validate_input(y, 1, horizon); !ok) return std::unexpected(ok.error());
  auto model = ets_fit(y, 1, EtsSpec{ErrorKind::additive, trend, SeasonKind::none});
  if (!model) return std::unexpected(model.error());
  return ets_forecast(*model, horizon);
}

}  // namespace

Result<Forecast> ses(std::span<const double> y, int horizon) {
  return fit_and_forecast(y, horizon, TrendKind::none);
}
Result<Forecast> holt(std::span<const double> y, int horizon) {
  return fit_and_forecast(y, horizon, TrendKind::additive);
}
Result<Forecast> damped(std::span<const double> y, int horizon) {
  return fit_and_forecast(y, horizon, TrendKind::damped);
}

}  // namespace livechain::forecast
