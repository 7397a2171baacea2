// Benchmarks (naive, seasonal naive, Naive2), the M4 seasonality test, classical
// multiplicative decomposition and the intermittent-demand methods (Croston, TSB).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "forecast/forecast.hpp"

namespace livechain::forecast {

Result<void> validate_input(std::span<const double> series, int period, int horizon) {
  if (series.empty()) return fail(ErrorCode::invalid_argument, "series", "is empty");
  if (series.size() > kSeriesLengthMax) {
    return fail(ErrorCode::limit_exceeded, "series",
                fmt::format("{} values, above the limit {}", series.size(), kSeriesLengthMax));
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (!std::isfinite(series[i])) {
      return fail(ErrorCode::invalid_argument, "series",
                  fmt::format("value {} is not a finite number", i));
    }
  }
  if (period < 1 || period > kPeriodMax) {
    return fail(ErrorCode::invalid_argument, "period",
                fmt::format("{} is outside [1, {}]", period, kPeriodMax));
  }
  if (horizon < 1 || horizon > kHorizonMax) {
    return fail(ErrorCode::invalid_argument, "horizon",
                fmt::format("{} is outside [1, {}]", horizon, kHorizonMax));
  }
  return {};
}

Result<Forecast> naive(std::span<const double> series, int horizon) {
  if (auto ok = validate_input(series, 1, horizon); !ok) return std::unexpected(ok.error());
  return Forecast(static_cast<size_t>(horizon), series.back());
}

Result<Forecast> seasonal_naive(std::span<const double> series, int period, int horizon) {
  if (auto ok = validate_input(series, period, horizon); !ok) return std::unexpected(ok.error());
  const size_t n = series.size(), m = static_cast<size_t>(period);
  if (n < m) return naive(series, horizon);
  Forecast forecast(static_cast<size_t>(horizon));
  for (size_t h = 0; h < forecast.size(); ++h) forecast[h] = series[n - m + h % m];
  LC_ASSERT(forecast.size() == static_cast<size_t>(horizon));
  return forecast;
}

bool seasonality_test(std::span<const double> series, int period) {
  const size_t n = series.size(), m = static_cast<size_t>(std::max(period, 1));
  if (period < 2 || n < 3 * m) return false;
  double mean = 0;
  for (double value : series) mean += value / static_cast<double>(n);
  double denominator = 0;
  for (double value : series) denominator += (value - mean) * (value - mean);
  if (denominator <= 0) return false;
  double acf_squares_sum = 0, acf_at_period = 0;
  for (size_t lag = 1; lag <= m; ++lag) {
    double numerator = 0;
    for (size_t t = 0; t + lag < n; ++t) numerator += (series[t] - mean) * (series[t + lag] - mean);
    const double acf = numerator / denominator;
    if (lag < m) acf_squares_sum += acf * acf;
    if (lag == m) acf_at_period = acf;
  }
  const double limit =
      1.645 / std::sqrt(static_cast<double>(n)) * std::sqrt(1 + 2 * acf_squares_sum);
  return std::fabs(acf_at_period) > limit;
}

namespace {

// Classical decomposition's seasonal figure by position t mod m: the mean of
// y/trend (multiplicative) or y − trend (additive) around a centred moving average
// (2×m for even m, m for odd m, as R's decompose), normalised to mean 1 or 0.
std::vector<double> seasonal_figure(std::span<const double> series, int period, bool additive) {
  LC_ASSERT(period >= 2 && series.size() >= 2 * static_cast<size_t>(period));
  const size_t n = series.size(), m = static_cast<size_t>(period), half = m / 2;
  std::vector<double> detrended_sum(m, 0.0), detrended_count(m, 0.0);
  for (size_t t = half; t + half < n; ++t) {
    double trend = 0;
    if (m % 2 == 0) {
      trend = 0.5 * series[t - half] + 0.5 * series[t + half];
      for (size_t k = t - half + 1; k < t + half; ++k) trend += series[k];
    } else {
      for (size_t k = t - half; k <= t + half; ++k) trend += series[k];
    }
    trend /= static_cast<double>(m);
    if (!additive && trend == 0) continue;
    detrended_sum[t % m] += additive ? series[t] - trend : series[t] / trend;
    detrended_count[t % m] += 1;
  }
  std::vector<double> figure(m, additive ? 0.0 : 1.0);
  double figure_mean = 0;
  for (size_t i = 0; i < m; ++i) {
    if (detrended_count[i] > 0) figure[i] = detrended_sum[i] / detrended_count[i];
    figure_mean += figure[i] / static_cast<double>(m);
  }
  for (double& value : figure) value = additive ? value - figure_mean : value / figure_mean;
  LC_ASSERT(figure.size() == m);
  return figure;
}

std::vector<double> spread_by_position(const std::vector<double>& figure, size_t n) {
  std::vector<double> indices(n);
  for (size_t t = 0; t < n; ++t) indices[t] = figure[t % figure.size()];
  return indices;
}

}  // namespace

std::vector<double> multiplicative_seasonal_indices(std::span<const double> series, int period) {
  return spread_by_position(seasonal_figure(series, period, false), series.size());
}

std::vector<double> additive_seasonal_indices(std::span<const double> series, int period) {
  return spread_by_position(seasonal_figure(series, period, true), series.size());
}

Result<Forecast> naive2(std::span<const double> series, int period, int horizon) {
  if (auto ok = validate_input(series, period, horizon); !ok) return std::unexpected(ok.error());
  const bool positive = std::all_of(series.begin(), series.end(), [](double v) { return v > 0; });
  if (!positive || !seasonality_test(series, period)) return naive(series, horizon);
  const auto indices = multiplicative_seasonal_indices(series, period);
  const size_t n = series.size(), m = static_cast<size_t>(period);
  const double level = series.back() / indices.back();
  Forecast forecast(static_cast<size_t>(horizon));
  for (size_t h = 0; h < forecast.size(); ++h) forecast[h] = level * indices[n - m + h % m];
  return forecast;
}

Result<Forecast> ses_fixed(std::span<const double> series, double alpha, int horizon) {
  if (auto ok = validate_input(series, 1, horizon); !ok) return std::unexpected(ok.error());
  if (!(alpha >= 0 && alpha <= 1)) {
    return fail(ErrorCode::invalid_argument, "alpha", "must be within [0, 1]");
  }
  double level = series.front();
  for (double value : series) level += alpha * (value - level);
  return Forecast(static_cast<size_t>(horizon), level);
}

namespace {

Result<void> validate_intermittent(std::span<const double> series, int horizon, double alpha) {
  if (auto ok = validate_input(series, 1, horizon); !ok) return ok;
  if (!(alpha > 0 && alpha <= 1)) {
    return fail(ErrorCode::invalid_argument, "alpha", "must be within (0, 1]");
  }
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i] < 0) {
      return fail(ErrorCode::invalid_argument, "series", fmt::format("value {} is negative", i));
    }
  }
  return {};
}

}  // namespace

Result<Forecast> croston(std::span<const double> series, double alpha, int horizon) {
  if (auto ok = validate_intermittent(series, horizon, alpha); !ok) {
    return std::unexpected(ok.error());
  }
  double size = 0, interval = 0;
  size_t periods_since_demand = 0;
  bool started = false;
  for (double value : series) {
    ++periods_since_demand;
    if (value <= 0) continue;
    if (!started) {
      size = value;
      interval = static_cast<double>(periods_since_demand);
      started = true;
    } else {
      size += alpha * (value - size);
      interval += alpha * (static_cast<double>(periods_since_demand) - interval);
    }
    periods_since_demand = 0;
  }
  const double rate = started ? size / interval : 0.0;
  LC_ASSERT(rate >= 0);
  return Forecast(static_cast<size_t>(horizon), rate);
}

Result<Forecast> tsb(std::span<const double> series, double alpha, double beta, int horizon) {
  if (auto ok = validate_intermittent(series, horizon, alpha); !ok) {
    return std::unexpected(ok.error());
  }
  if (!(beta > 0 && beta <= 1)) {
    return fail(ErrorCode::invalid_argument, "beta", "must be within (0, 1]");
  }
  const auto nonzero = std::count_if(series.begin(), series.end(), [](double v) { return v > 0; });
  if (nonzero == 0) return Forecast(static_cast<size_t>(horizon), 0.0);
  double probability = static_cast<double>(nonzero) / static_cast<double>(series.size());
  double size = *std::find_if(series.begin(), series.end(), [](double v) { return v > 0; });
  for (double value : series) {
    const bool demand = value > 0;
    probability += beta * ((demand ? 1.0 : 0.0) - probability);
    if (demand) size += alpha * (value - size);
  }
  LC_ASSERT(probability >= 0 && probability <= 1 && size > 0);
  return Forecast(static_cast<size_t>(horizon), probability * size);
}

}  // namespace livechain::forecast
