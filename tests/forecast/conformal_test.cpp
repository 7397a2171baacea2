// Conformal intervals on synthetic residuals: measured coverage within tolerance of the
// nominal levels, per-step quantiles, the finite-sample rank, and bad input.
// Randomness: std::mt19937_64, seed printed (SEED=…) and overridable by LIVECHAIN_TEST_SEED.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "forecast/conformal.hpp"
#include "support/seed.hpp"

namespace livechain::forecast {
namespace {

using test_support::test_seed;

// Forecast 100 at every step; the truth is 100 + skewed noise whose spread grows with
// the step (sd ∝ step), so one pooled quantile would under-cover the far steps.
struct Draw {
  int step;
  double actual;
};
std::vector<Draw> draws(std::mt19937_64& rng, int horizon, int per_step) {
  std::gamma_distribution<double> skewed(2.0, 1.0);  // mean 2, right tail
  std::vector<Draw> out;
  for (int i = 0; i < per_step; ++i) {
    for (int h = 1; h <= horizon; ++h) out.push_back({h, 100 + 3.0 * h * (skewed(rng) - 2.0)});
  }
  return out;
}

TEST(Conformal, CoverageOnFreshDataMatchesTheNominalLevels) {
  std::mt19937_64 rng(test_seed(42));
  const int horizon = 6;
  std::vector<ConformalResidual> residuals;
  for (const auto& d : draws(rng, horizon, 1000)) residuals.push_back({d.step, d.actual - 100});
  const auto model = conformal_fit(residuals, horizon);
  ASSERT_TRUE(model.has_value());
  EXPECT_EQ(model->residuals, 6000);
  // Fresh draws from the same distribution: 6 × 2000 points.
  std::vector<double> actual;
  std::vector<Interval> intervals;
  std::vector<std::vector<double>> actual_by_step(horizon);
  std::vector<std::vector<Interval>> intervals_by_step(horizon);
  for (const auto& d : draws(rng, horizon, 2000)) {
    const Interval in = conformal_interval(*model, 100, 1.0, d.step, -1e300);
    actual.push_back(d.actual), intervals.push_back(in);
    actual_by_step[d.step - 1].push_back(d.actual), intervals_by_step[d.step - 1].push_back(in);
  }
  const auto c = measure_coverage(actual, intervals).value();
  EXPECT_NEAR(c.inside_p10_p90, 0.80, 0.02);
  EXPECT_NEAR(c.below_p10, 0.10, 0.015);
  EXPECT_NEAR(c.below_p50, 0.50, 0.02);
  // Per step as well: the far steps' wider residuals get wider intervals.
  for (int h = 0; h < horizon; ++h) {
    const auto step = measure_coverage(actual_by_step[h], intervals_by_step[h]).value();
    EXPECT_NEAR(step.inside_p10_p90, 0.80, 0.04) << "step " << h + 1;
  }
  EXPECT_GT(model->by_step[5].p90 - model->by_step[5].p10,
            4 * (model->by_step[0].p90 - model->by_step[0].p10));
}

TEST(Conformal, ScaledResidualsTransferAcrossSeriesSizes) {
  // Residuals recorded relative to a scale of 1 calibrate a series 50× bigger.
  std::mt19937_64 rng(test_seed(7));
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<ConformalResidual> residuals;
  for (int i = 0; i < 3000; ++i) residuals.push_back({1, noise(rng)});
  const auto model = conformal_fit(residuals, 1).value();
  std::vector<double> actual;
  std::vector<Interval> intervals;
  for (int i = 0; i < 20000; ++i) {
    actual.push_back(5000 + 50 * noise(rng));
    intervals.push_back(conformal_interval(model, 5000, 50, 1));
  }
  const auto c = measure_coverage(actual, intervals).value();
  EXPECT_NEAR(c.inside_p10_p90, 0.80, 0.02);
  EXPECT_NEAR(intervals[0].p90 - intervals[0].p10, 2 * 1.2816 * 50, 8.0);
}

TEST(Conformal, FiniteSampleRanksAndTheFloor) {
  std::vector<ConformalResidual> residuals;
  for (int v = 1; v <= 9; ++v) residuals.push_back({1, static_cast<double>(v)});
  const auto model = conformal_fit(residuals, 2).value();
  // n = 9: lower rank ⌊0.1·10⌋ = 1, upper ⌈0.9·10⌉ = 9; step 2 has no residual (pooled).
  EXPECT_EQ(model.by_step[1].p10, 1.0);
  EXPECT_EQ(model.by_step[1].p50, 5.0);
  EXPECT_EQ(model.by_step[1].p90, 9.0);
  const Interval in = conformal_interval(model, -20, 1, 2);  // floored at 0, still ordered
  EXPECT_EQ(in.p10, 0.0);
  EXPECT_LE(in.p10, in.p50);
  EXPECT_LE(in.p50, in.p90);
}

TEST(Conformal, BadInputNamesTheField) {
  const std::vector<ConformalResidual> none;
  EXPECT_EQ(conformal_fit(none, 1).error().field, "residuals");
  const std::vector<ConformalResidual> one{{1, 0.5}};
  EXPECT_EQ(conformal_fit(one, 0).error().field, "horizon");
  const std::vector<ConformalResidual> far{{3, 0.5}};
  EXPECT_EQ(conformal_fit(far, 2).error().field, "residuals");
  const std::vector<ConformalResidual> nan{{1, NAN}};
  EXPECT_EQ(conformal_fit(nan, 1).error().field, "residuals");
  const std::vector<double> actual{1, 2};
  const std::vector<Interval> intervals{{0, 1, 2}};
  EXPECT_EQ(measure_coverage(actual, intervals).error().field, "intervals");
  EXPECT_EQ(measure_coverage({}, {}).error().field, "actual");
}

}  // namespace
}  // namespace livechain::forecast
