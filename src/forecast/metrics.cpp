// Accuracy metrics (M4 definitions) and per-series selection/ensembling by
// rolling-origin backtest.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/assert.hpp"
#include "forecast/forecast.hpp"

namespace livechain::forecast {

namespace {

Result<void> check_pair(std::span<const double> actual, std::span<const double> forecast) {
  if (actual.empty()) return fail(ErrorCode::invalid_argument, "actual", "is empty");
  if (forecast.size() != actual.size()) {
    return fail(ErrorCode::invalid_argument, "forecast",
                fmt::format("{} values for {} actuals", forecast.size(), actual.size()));
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!std::isfinite(actual[i])) {
      return fail(ErrorCode::invalid_argument, "actual", fmt::format("value {} is not finite", i));
    }
    if (!std::isfinite(forecast[i])) {
      return fail(ErrorCode::invalid_argument, "forecast",
                  fmt::format("value {} is not finite", i));
    }
  }
  return {};
}

}  // namespace

Result<double> smape(std::span<const double> actual, std::span<const double> forecast) {
  if (auto ok = check_pair(actual, forecast); !ok) return std::unexpected(ok.error());
  double sum = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    const double denominator = std::fabs(actual[i]) + std::fabs(forecast[i]);
    if (denominator > 0) sum += 200.0 * std::fabs(actual[i] - forecast[i]) / denominator;
  }
  return sum / static_cast<double>(actual.size());
}

Result<double> mase(std::span<const double> train, int m, std::span<const double> actual,
                    std::span<const double> forecast) {
  if (auto ok = check_pair(actual, forecast); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_input(train, m, 1); !ok) return std::unexpected(ok.error());
  const size_t lag = static_cast<size_t>(m);
  if (train.size() <= lag) {
    return fail(ErrorCode::invalid_argument, "series",
                fmt::format("{} training values, MASE needs more than m = {}", train.size(), m));
  }
  double scale = 0;
  for (size_t t = lag; t < train.size(); ++t) scale += std::fabs(train[t] - train[t - lag]);
  scale /= static_cast<double>(train.size() - lag);
  if (scale <= 0) return fail(ErrorCode::invalid_argument, "series", "MASE scale is zero");
  double error = 0;
  for (size_t i = 0; i < actual.size(); ++i) error += std::fabs(actual[i] - forecast[i]);
  return error / static_cast<double>(actual.size()) / scale;
}

Result<double> owa(double smape_value, double mase_value, double smape_naive2, double mase_naive2) {
  if (!(smape_naive2 > 0) || !(mase_naive2 > 0)) {
    return fail(ErrorCode::invalid_argument, "naive2", "sMAPE and MASE of Naive2 must be > 0");
  }
  return 0.5 * (smape_value / smape_naive2 + mase_value / mase_naive2);
}

namespace {

// Mean backtest sMAPE of each candidate over the origins (+∞ when it fails).
std::vector<double> backtest_errors(std::span<const double> series, int period, int horizon,
                                    std::span<const Candidate> candidates,
                                    const BacktestSpec& spec) {
  const size_t n = series.size(), h = static_cast<size_t>(horizon);
  const size_t step = spec.step > 0 ? static_cast<size_t>(spec.step) : h;
  const size_t min_train =
      spec.min_train > 0 ? static_cast<size_t>(spec.min_train) : std::max<size_t>(2 * period, 8);
  std::vector<double> errors(candidates.size(), 0.0);
  int origins_used = 0;
  for (int k = 0; k < spec.origins; ++k) {
    const size_t held_out = h + static_cast<size_t>(k) * step;
    if (n < held_out + min_train) break;
    const auto train = series.first(n - held_out);
    const auto actual = series.subspan(n - held_out, h);
    for (size_t c = 0; c < candidates.size(); ++c) {
      auto forecast = candidates[c].run(train, period, horizon);
      auto error =
          forecast ? smape(actual, *forecast) : Result<double>(std::unexpected(forecast.error()));
      errors[c] += error ? *error : std::numeric_limits<double>::infinity();
    }
    ++origins_used;
  }
  if (origins_used == 0) return {};
  return errors;
}

}  // namespace

Result<Forecast> backtest_combine(std::span<const double> series, int period, int horizon,
                                  std::span<const Candidate> candidates, const BacktestSpec& spec) {
  if (auto ok = validate_input(series, period, horizon); !ok) return std::unexpected(ok.error());
  if (candidates.empty()) return fail(ErrorCode::invalid_argument, "candidates", "is empty");
  if (spec.top_k < 1) return fail(ErrorCode::invalid_argument, "top_k", "must be ≥ 1");
  const auto errors = backtest_errors(series, period, horizon, candidates, spec);
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (!errors.empty()) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return errors[a] < errors[b]; });
  }
  const size_t wanted = errors.empty() ? 1 : std::min<size_t>(spec.top_k, order.size());
  Forecast combined(static_cast<size_t>(horizon), 0.0);
  size_t used = 0;
  for (size_t i = 0; i < order.size() && used < wanted; ++i) {
    auto forecast = candidates[order[i]].run(series, period, horizon);
    if (!forecast) continue;
    for (size_t j = 0; j < combined.size(); ++j) combined[j] += (*forecast)[j];
    ++used;
  }
  if (used == 0) return fail(ErrorCode::invalid_argument, "series", "every candidate failed");
  for (double& value : combined) value /= static_cast<double>(used);
  LC_ASSERT(combined.size() == static_cast<size_t>(horizon));
  return combined;
}

}  // namespace livechain::forecast
