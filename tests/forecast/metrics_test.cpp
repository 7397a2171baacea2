// Metric definitions (M4 guide) against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "forecast/forecast.hpp"

namespace livechain::forecast {
namespace {

TEST(Metrics, SmapeMatchesHandComputedValue) {
  // 200·10/210 = 9.5238…, 200·20/380 = 10.5263…; mean 10.02506…
  const std::vector<double> actual{100, 200}, forecast{110, 180};
  EXPECT_NEAR(smape(actual, forecast).value(), (2000.0 / 210 + 4000.0 / 380) / 2, 1e-12);
  const std::vector<double> zeros{0, 0};
  EXPECT_DOUBLE_EQ(smape(zeros, zeros).value(), 0.0);
}

TEST(Metrics, MaseScalesBySeasonalNaiveInSample) {
  const std::vector<double> train{1, 2, 4, 7}, actual{8, 10}, forecast{7, 7};
  // lag 1: mean |diff| = (1+2+3)/3 = 2; mean |error| = 2 → 1.
  EXPECT_DOUBLE_EQ(mase(train, 1, actual, forecast).value(), 1.0);
  // lag 2: (3 + 5)/2 = 4 → 0.5.
  EXPECT_DOUBLE_EQ(mase(train, 2, actual, forecast).value(), 0.5);
}

TEST(Metrics, OwaAveragesTheRatiosToNaive2) {
  EXPECT_DOUBLE_EQ(owa(10, 1, 20, 2).value(), 0.5);
  EXPECT_DOUBLE_EQ(owa(9.161, 2.777, 9.161, 2.777).value(), 1.0);
}

TEST(Metrics, BadInputNamesTheField) {
  const std::vector<double> two{1, 2}, three{1, 2, 3}, with_nan{1, NAN};
  EXPECT_EQ(smape(two, three).error().field, "forecast");
  EXPECT_EQ(smape(std::vector<double>{}, std::vector<double>{}).error().field, "actual");
  EXPECT_EQ(smape(with_nan, two).error().field, "actual");
  EXPECT_EQ(mase(two, 2, two, two).error().field, "series");  // no more than m values
  EXPECT_EQ(mase(std::vector<double>{5, 5, 5}, 1, two, two).error().field, "series");
  EXPECT_EQ(owa(1, 1, 0, 1).error().field, "naive2");
}

}  // namespace
}  // namespace livechain::forecast
