// Tests of temperature ranges and excursions (trace/trace.hpp, issue 12 §6).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

TEST(ColdChainTest, TemperaturesAreHundredthsWithinLimits) {
  EXPECT_EQ(temperature_centi_c(4.235, "temp_c").value(), 424);  // rounded to 0.01 °C
  EXPECT_EQ(temperature_centi_c(-18, "temp_c").value(), -1800);
  EXPECT_EQ(temperature_centi_c(100, "temp_c").value(), 10'000);
  for (double bad : {100.01, -100.01, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    auto refused = temperature_centi_c(bad, "temp_c");
    ASSERT_FALSE(refused.has_value()) << bad;
    EXPECT_EQ(refused.error().field, "temp_c");
  }
  EXPECT_EQ(make_temperature_range(800, 200).error().field, "max_c");
  EXPECT_TRUE(make_temperature_range(200, 200).has_value());
}

TEST(ColdChainTest, AnExcursionIsMoreThanHalfADegreeOutside) {
  const TemperatureRange range{200, 800};  // 2 … 8 °C
  EXPECT_FALSE(is_excursion(range, 850));  // exactly 0.5 °C above: tolerated
  EXPECT_TRUE(is_excursion(range, 851));
  EXPECT_FALSE(is_excursion(range, 150));
  EXPECT_TRUE(is_excursion(range, 149));
  EXPECT_FALSE(is_excursion(range, 500));
}

TEST(ColdChainTest, TheWalkReportsEachStartAndEndOnce) {
  const TemperatureRange range{200, 800};
  std::vector<TemperaturePoint> points = {{0, 500}, {1, 900}, {2, 950}, {3, 700},
                                          {4, 100}, {5, 120}, {6, 300}};
  ExcursionWalk walk = walk_excursions(range, false, points);
  ASSERT_EQ(walk.changes.size(), 4u);
  EXPECT_TRUE(walk.changes[0].opened);
  EXPECT_EQ(walk.changes[0].point.time_ms, 1);
  EXPECT_FALSE(walk.changes[1].opened);
  EXPECT_EQ(walk.changes[1].point.time_ms, 3);
  EXPECT_TRUE(walk.changes[2].opened);
  EXPECT_EQ(walk.changes[2].point.time_ms, 4);
  EXPECT_FALSE(walk.changes[3].opened);
  EXPECT_FALSE(walk.open);
  // Continuing an open excursion: no new start until it has ended.
  std::vector<TemperaturePoint> still_out = {{7, 1000}, {8, 1100}};
  ExcursionWalk continued = walk_excursions(range, true, still_out);
  EXPECT_TRUE(continued.changes.empty());
  EXPECT_TRUE(continued.open);
}

}  // namespace
}  // namespace livechain::trace
