// The per-suite method lists and the submitted "livechain" combinations, chosen per
// series by rolling-origin backtest on the training part.
#include "forecast/methods.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace livechain::forecast::detail {

namespace {

bool all_positive(std::span<const double> y) {
  return std::all_of(y.begin(), y.end(), [](double v) { return v > 0; });
}

// Runs a non-seasonal method on data divided by the classical multiplicative indices
// when the 90% ACF test says seasonal (the M4 benchmarks' protocol), reseasonalised.
template <Result<Forecast> (*Fn)(std::span<const double>, int)>
Result<Forecast> seasonally_adjusted(std::span<const double> y, int period, int horizon) {
  if (auto ok = validate_input(y, period, horizon); !ok) return std::unexpected(ok.error());
  if (!all_positive(y) || !seasonality_test(y, period)) return Fn(y, horizon);
  const auto indices = multiplicative_seasonal_indices(y, period);
  std::vector<double> adjusted(y.size());
  for (size_t t = 0; t < y.size(); ++t) adjusted[t] = y[t] / indices[t];
  auto forecast = Fn(adjusted, horizon);
  if (!forecast) return forecast;
  const size_t n = y.size(), m = static_cast<size_t>(period);
  for (size_t h = 0; h < forecast->size(); ++h) (*forecast)[h] *= indices[n - m + h % m];
  return forecast;
}

Result<Forecast> run_naive2(std::span<const double> y, int period, int horizon) {
  return naive2(y, period, horizon);
}
Result<Forecast> run_snaive(std::span<const double> y, int period, int horizon) {
  return seasonal_naive(y, period, horizon);
}
Result<Forecast> run_ets(std::span<const double> y, int period, int horizon) {
  auto model = ets_auto(y, period);
  if (!model) return std::unexpected(model.error());
  return ets_forecast(*model, horizon);
}

// Clamp at zero for non-negative data: demand is never negative.
Result<Forecast> floor_at_zero(std::span<const double> y, Result<Forecast> forecast) {
  if (!forecast) return forecast;
  if (std::all_of(y.begin(), y.end(), [](double v) { return v >= 0; })) {
    for (double& value : *forecast) value = std::max(value, 0.0);
  }
  return forecast;
}

Result<Forecast> comb_ets_theta_damped(std::span<const double> y, int period, int horizon) {
  Forecast combined(static_cast<size_t>(horizon), 0.0);
  const Result<Forecast> parts[] = {run_ets(y, period, horizon), theta(y, period, horizon),
                                    seasonally_adjusted<damped>(y, period, horizon)};
  int used = 0;
  for (const auto& part : parts) {
    if (!part) continue;
    for (size_t h = 0; h < combined.size(); ++h) combined[h] += (*part)[h];
    ++used;
  }
  if (used == 0) return parts[1];
  for (double& value : combined) value /= used;
  return floor_at_zero(y, combined);
}

// Mean of the last `cycles` full cycles at each position (fewer when the series is
// shorter), repeated over the horizon.
Result<Forecast> seasonal_mean(std::span<const double> y, int period, int cycles, int horizon) {
  if (auto ok = validate_input(y, period, horizon); !ok) return std::unexpected(ok.error());
  const size_t n = y.size(), m = static_cast<size_t>(period);
  const size_t used = std::min<size_t>(static_cast<size_t>(cycles), n / m);
  if (used == 0) return naive(y, horizon);
  Forecast forecast(static_cast<size_t>(horizon), 0.0);
  for (size_t h = 0; h < forecast.size(); ++h) {
    for (size_t k = 1; k <= used; ++k) forecast[h] += y[n - k * m + h % m];
    forecast[h] /= static_cast<double>(used);
  }
  return forecast;
}

// Runs `Fn` with a fixed period (e.g. 168 = one week of hours) when the series holds
// three such cycles, else with the given one.
template <int kPeriod, Result<Forecast> (*Fn)(std::span<const double>, int, int)>
Result<Forecast> with_period(std::span<const double> y, int period, int horizon) {
  const bool fits = y.size() >= 3 * static_cast<size_t>(kPeriod);
  return Fn(y, fits ? kPeriod : period, horizon);
}

template <int kCycles>
Result<Forecast> run_seasonal_mean(std::span<const double> y, int period, int horizon) {
  return seasonal_mean(y, period, kCycles, horizon);
}

constexpr int kWeekHours = 168;

const Candidate kHourlyCandidates[] = {
    {"snaive", run_snaive},
    {"snaive-week", with_period<kWeekHours, run_snaive>},
    {"mean-7-days", run_seasonal_mean<7>},
    {"mean-3-weeks", with_period<kWeekHours, run_seasonal_mean<3>>},
    {"theta-week", with_period<kWeekHours, theta>},
    {"ses-week", with_period<kWeekHours, seasonally_adjusted<ses>>},
};

Result<Forecast> backtest_hourly(std::span<const double> y, int period, int horizon) {
  return floor_at_zero(y, backtest_combine(y, period, horizon, kHourlyCandidates,
                                           BacktestSpec{.origins = 3, .step = 0, .top_k = 2}));
}

}  // namespace

std::vector<Method> methods_for(const std::string& dataset) {
  std::vector<Method> methods{{"naive2", run_naive2, true}};
  methods.push_back({"snaive", run_snaive});
  methods.push_back({"ses", seasonally_adjusted<ses>});
  methods.push_back({"damped", seasonally_adjusted<damped>});
  methods.push_back({"theta", theta});
  methods.push_back({"ets", run_ets});
  if (dataset == "m4-hourly") {
    for (const auto& candidate : kHourlyCandidates) {
      if (candidate.name != "snaive") methods.push_back({candidate.name, candidate.run});
    }
    methods.push_back({kSubmittedMethod, backtest_hourly});
  } else {
    methods.push_back({kSubmittedMethod, comb_ets_theta_damped});
  }
  LC_ASSERT(dataset == "m3" || dataset == "m4-weekly" || dataset == "m4-hourly");
  LC_ASSERT(methods.front().name == "naive2");
  return methods;
}

}  // namespace livechain::forecast::detail
