// Split conformal quantiles of backtest residuals, and measured coverage.
#include "forecast/conformal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

// The split-conformal order statistic of the sorted residuals for quantile q: the
// ⌈q·(n+1)⌉-th smallest for an upper quantile (q ≥ ½), ⌊q·(n+1)⌋-th for a lower one,
// clamped to the sample (a small sample cannot promise more than its extremes).
double conformal_quantile(const std::vector<double>& sorted, double q) {
  LC_ASSERT(!sorted.empty());
  const double n = static_cast<double>(sorted.size());
  const double rank = q >= 0.5 ? std::ceil(q * (n + 1.0)) : std::floor(q * (n + 1.0));
  const auto index = static_cast<size_t>(std::clamp(rank, 1.0, n)) - 1;
  return sorted[index];
}

ResidualQuantiles quantiles_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {conformal_quantile(values, 0.1), median, conformal_quantile(values, 0.9)};
}

}  // namespace

Result<ConformalModel> conformal_fit(std::span<const ConformalResidual> residuals, int horizon) {
  if (horizon < 1) return fail(ErrorCode::invalid_argument, "horizon", "must be ≥ 1");
  if (residuals.empty()) return fail(ErrorCode::invalid_argument, "residuals", "empty");
  std::vector<std::vector<double>> by_step(static_cast<size_t>(horizon));
  std::vector<double> pooled;
  for (const auto& r : residuals) {
    if (r.step < 1 || r.step > horizon) {
      return fail(ErrorCode::invalid_argument, "residuals",
                  fmt::format("step {} outside [1, {}]", r.step, horizon));
    }
    if (!std::isfinite(r.value)) {
      return fail(ErrorCode::invalid_argument, "residuals", "non-finite value");
    }
    by_step[static_cast<size_t>(r.step - 1)].push_back(r.value);
    pooled.push_back(r.value);
  }
  const ResidualQuantiles pooled_quantiles = quantiles_of(pooled);
  ConformalModel model;
  model.residuals = static_cast<int>(pooled.size());
  for (auto& values : by_step) {
    model.by_step.push_back(static_cast<int>(values.size()) >= kStepResidualsMin
                                ? quantiles_of(std::move(values))
                                : pooled_quantiles);
  }
  LC_ASSERT(model.by_step.size() == static_cast<size_t>(horizon));
  return model;
}

Interval conformal_interval(const ConformalModel& model, double point, double scale, int step,
                            double floor_value) {
  LC_ASSERT(step >= 1 && static_cast<size_t>(step) <= model.by_step.size());
  LC_ASSERT(scale >= 0);
  const ResidualQuantiles& q = model.by_step[static_cast<size_t>(step - 1)];
  Interval interval{point + q.p10 * scale, point + q.p50 * scale, point + q.p90 * scale};
  interval.p10 = std::max(interval.p10, floor_value);
  interval.p50 = std::max(interval.p50, interval.p10);
  interval.p90 = std::max(interval.p90, interval.p50);
  return interval;
}

Result<Coverage> measure_coverage(std::span<const double> actual,
                                  std::span<const Interval> intervals) {
  if (actual.empty()) return fail(ErrorCode::invalid_argument, "actual", "empty");
  if (intervals.size() != actual.size()) {
    return fail(ErrorCode::invalid_argument, "intervals", "size differs from actual");
  }
  Coverage c;
  double pinball = 0, level = 0;
  const auto loss = [](double y, double q_value, double q) {
    return y >= q_value ? q * (y - q_value) : (1 - q) * (q_value - y);
  };
  for (size_t i = 0; i < actual.size(); ++i) {
    const double y = actual[i];
    const Interval& in = intervals[i];
    if (!std::isfinite(y) || !std::isfinite(in.p10) || !std::isfinite(in.p50) ||
        !std::isfinite(in.p90)) {
      return fail(ErrorCode::invalid_argument, "intervals", fmt::format("non-finite at {}", i));
    }
    c.inside_p10_p90 += (y >= in.p10 && y <= in.p90) ? 1 : 0;
    c.below_p10 += y < in.p10 ? 1 : 0;
    c.below_p50 += y < in.p50 ? 1 : 0;
    pinball += loss(y, in.p10, 0.1) + loss(y, in.p50, 0.5) + loss(y, in.p90, 0.9);
    level += std::abs(y);
  }
  const double n = static_cast<double>(actual.size());
  c.points = static_cast<int>(actual.size());
  c.inside_p10_p90 /= n, c.below_p10 /= n, c.below_p50 /= n;
  c.pinball_scaled = level > 0 ? pinball / 3.0 / level : NAN;
  return c;
}

}  // namespace livechain::forecast
