// src/forecast/conformal.hpp — P10/P50/P90 by split conformal prediction on backtest
// residuals, and the coverage measured on held-out data.
//
// A calibration residual is r = (y − ŷ) / scale, recorded with the forecast step it came
// from (1 … horizon). The caller picks the scale: the series' MASE scale for a pool of
// many series (so residuals of big and small series are comparable), or ŷ itself for
// relative errors. conformal_fit takes, per step, the empirical quantiles of r with the
// split-conformal finite-sample rank (lower: ⌊q·(n+1)⌋-th smallest, upper: ⌈q·(n+1)⌉-th),
// so a new exchangeable residual lies in [P10, P90] with probability ≥ 0.8. Steps with
// fewer than kStepResidualsMin residuals share the pooled quantiles of all steps.
#pragma once

#include <span>
#include <vector>

#include "core/error.hpp"

namespace livechain::forecast {

inline constexpr int kStepResidualsMin = 20;

struct ConformalResidual {
  int step = 1;        // forecast step, 1-based
  double value = 0.0;  // (y − ŷ) / scale
};

struct ResidualQuantiles {
  double p10 = 0, p50 = 0, p90 = 0;
};

struct ConformalModel {
  std::vector<ResidualQuantiles> by_step;  // by_step[h − 1]
  int residuals = 0;                       // calibration residuals used
};

struct Interval {
  double p10 = 0, p50 = 0, p90 = 0;
};

// Fits the per-step residual quantiles for steps 1 … horizon. Errors: "horizon" < 1;
// "residuals" empty, a step outside [1, horizon] or a non-finite value.
Result<ConformalModel> conformal_fit(std::span<const ConformalResidual> residuals, int horizon);

// The interval of a point forecast at `step`: ŷ + q·scale for each quantile, kept
// ordered, and floored at `floor_value` (0 for demand). REQUIRES: 1 ≤ step ≤ horizon of
// the model, scale ≥ 0.
Interval conformal_interval(const ConformalModel& model, double point, double scale, int step,
                            double floor_value = 0.0);

// Coverage of intervals on held-out actuals: share inside [P10, P90] (the nominal value
// is 0.8), share below P10 and below P50 (nominal 0.1 and 0.5), and the mean pinball
// loss of the three quantiles divided by mean |y| (a scale-free "quantile WAPE").
struct Coverage {
  double inside_p10_p90 = 0, below_p10 = 0, below_p50 = 0, pinball_scaled = 0;
  int points = 0;
};

// Errors: "intervals" size differs from "actual", empty; non-finite values.
Result<Coverage> measure_coverage(std::span<const double> actual,
                                  std::span<const Interval> intervals);

}  // namespace livechain::forecast
