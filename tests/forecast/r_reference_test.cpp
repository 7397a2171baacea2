// ETS and Theta against reference values computed once with R's forecast package.
//
// Computed with R 4.2.2 Patched (2022-11-10 r83330), forecast 8.20 (Debian bookworm
// r-cran-forecast), on M3 series read from ../shared/data/m3/M3-train.csv.gz (values
// copied below), e.g.:
//   y <- N0001;  f <- ets(y, model = "AAN", damped = FALSE);  forecast(f, h = 6)$mean
//   ets(y, model = "ANN"); ets(y, model = "AAN", damped = TRUE); ets(y)  (auto)
//   thetaf(y, h = 6)
//   yt <- ts(N1506, frequency = 12); ets(yt, model = "MNM"); thetaf(yt, h = 18)
//
// Known, documented differences (docs/forecasting.md): our initial seasonal states
// come from a classical decomposition and are not optimised, so seasonal ETS agrees
// only within a few percent; Nelder–Mead can end in a different local optimum than
// R's optim (M3 N0002 ETS(A,A,N): ours AICc 237.48 < R 238.49; N0001 damped: R finds
// beta 0.92 with AICc 194.06, we stall at beta ≈ 1e-4 with 202.69 — not asserted).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "forecast/forecast.hpp"

namespace livechain::forecast {
namespace {

const std::vector<double> kN0001{940.66,  1084.86, 1244.98, 1445.02, 1683.17, 2038.15, 2342.52,
                                 2602.45, 2927.87, 3103.96, 3360.27, 3807.63, 4387.88, 4936.99};
const std::vector<double> kN0002{1991.05, 2306.4, 2604,   2992.3, 3722.08, 5226.62, 5989.46,
                                 5614.62, 5527,   5389.8, 5384.4, 3656.2,  4034.8,  4230};
const std::vector<double> kN1506{4540, 4035, 3725, 3405, 4195, 3955, 3840, 3795, 3495, 4110, 4005,
                                 3910, 5355, 3610, 3395, 4155, 4345, 3795, 3960, 3615, 3755, 3810,
                                 3570, 4410, 4345, 3550, 3685, 3735, 3905, 4205, 3770, 3640, 3995,
                                 3825, 3885, 4265, 4265, 3365, 4515, 3680, 3405, 4080, 3575, 3335,
                                 3795, 3545, 3900, 4290, 4640, 4010, 4025};

void expect_close(const Forecast& ours, const std::vector<double>& r, double relative) {
  ASSERT_EQ(ours.size(), r.size());
  for (size_t h = 0; h < r.size(); ++h) {
    EXPECT_NEAR(ours[h], r[h], relative * std::abs(r[h])) << "step " << h + 1;
  }
}

TEST(RReference, SimpleExponentialSmoothing) {
  // ets(y, model = "ANN"): alpha 0.9999 on both; AICc 207.2163 on N0001.
  const auto n1 = ets_fit(kN0001, 1, EtsSpec{}).value();
  EXPECT_NEAR(n1.alpha, 0.999900, 1e-5);
  EXPECT_NEAR(n1.aicc, 207.2163, 1e-3);
  expect_close(ets_forecast(n1, 6), std::vector<double>(6, 4936.935076), 1e-6);
  const auto n2 = ets_fit(kN0002, 1, EtsSpec{}).value();
  expect_close(ets_forecast(n2, 6), std::vector<double>(6, 4229.980470), 1e-6);
}

TEST(RReference, HoltLinearTrend) {
  // ets(N0001, model = "AAN", damped = FALSE): alpha 0.999887, beta 0.999887, AICc 182.6895.
  const EtsSpec holt{ErrorKind::additive, TrendKind::additive, SeasonKind::none};
  const auto n1 = ets_fit(kN0001, 1, holt).value();
  expect_close(ets_forecast(n1, 6),
               {5486.122053, 6035.250588, 6584.379124, 7133.507659, 7682.636195, 8231.764731},
               1e-4);
  EXPECT_LE(n1.aicc, 182.6895 + 1e-3);  // at least as good a fit as R's
  // N0002: R stops at beta 0.217 (AICc 238.4883); ours reaches a lower AICc.
  const auto n2 = ets_fit(kN0002, 1, holt).value();
  EXPECT_LE(n2.aicc, 238.4883 + 1e-3);
}

TEST(RReference, AutomaticSelectionPicksRsModelOnN0001) {
  // ets(N0001) chooses ETS(M,A,N); forecasts 5486.428978 … 8233.608976.
  const auto model = ets_auto(kN0001, 1).value();
  EXPECT_EQ(ets_spec_name(model.spec), "MAN");
  expect_close(ets_forecast(model, 6),
               {5486.428978, 6035.864978, 6585.300977, 7134.736977, 7684.172976, 8233.608976},
               1e-3);
}

TEST(RReference, ThetaMatchesThetaf) {
  // thetaf(y, h = 6): for non-seasonal data the M4 benchmark Theta equals R's thetaf.
  expect_close(theta(kN0001, 1, 6).value(),
               {5085.069837, 5233.189782, 5381.309727, 5529.429672, 5677.549617, 5825.669562},
               1e-6);
  expect_close(theta(kN0002, 1, 6).value(),
               {4321.416153, 4412.842692, 4504.269230, 4595.695769, 4687.122307, 4778.548846},
               1e-6);
  // Seasonal N1506 (monthly): the classical decomposition differs slightly (≤ 0.5%).
  expect_close(theta(kN1506, 12, 18).value(),
               {3847.4240, 3881.7297, 4026.4758, 3771.3134, 3580.8196, 3742.1658, 3870.1284,
                3781.2888, 4167.1809, 4615.9489, 3491.3701, 3855.7533, 3840.6786, 3874.9231,
                4019.4143, 3764.6985, 3574.5379, 3735.6001},
               0.005);
}

TEST(RReference, SeasonalEtsWithinAFewPercent) {
  // ets(ts(N1506, frequency = 12), model = "MNM"): alpha 0.024202, gamma 0.001292,
  // AICc 811.5216. Our seasonal seeds are not optimised (AICc 826.4), so only the
  // forecasts' shape and level are compared, within 3%.
  const EtsSpec mnm{ErrorKind::multiplicative, TrendKind::none, SeasonKind::multiplicative};
  const auto model = ets_fit(kN1506, 12, mnm).value();
  expect_close(ets_forecast(model, 18),
               {3765.4132, 3954.3687, 4041.5220, 3827.3552, 3556.7629, 3797.1974, 3784.5852,
                3862.3814, 4231.3875, 4629.0613, 3707.1075, 3894.6693, 3765.4139, 3954.3694,
                4041.5228, 3827.3559, 3556.7635, 3797.1981},
               0.03);
}

}  // namespace
}  // namespace livechain::forecast
