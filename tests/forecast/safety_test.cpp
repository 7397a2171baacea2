// Safety rules: review flag thresholds, circuit breaker trip and recovery, shadow
// promotion report, and bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "forecast/safety.hpp"

namespace livechain::forecast {
namespace {

TEST(Safety, ReviewFlagsDeviationsAboveThirtyPercent) {
  const SafetyPolicy policy;
  EXPECT_FALSE(review_check(129, 100, policy)->review);
  EXPECT_FALSE(review_check(71, 100, policy)->review);
  EXPECT_TRUE(review_check(131, 100, policy)->review);
  EXPECT_TRUE(review_check(69, 100, policy)->review);
  EXPECT_NEAR(review_check(69, 100, policy)->deviation, 0.31, 1e-12);
  EXPECT_TRUE(review_check(1, 0, policy)->review);  // no baseline: anything positive
  EXPECT_FALSE(review_check(0, 0, policy)->review);
  EXPECT_EQ(review_check(-1, 100, policy).error().field, "forecast");
  EXPECT_EQ(review_check(1, NAN, policy).error().field, "baseline");
  SafetyPolicy bad;
  bad.review_deviation_max = 0;
  EXPECT_EQ(review_check(1, 1, bad).error().field, "review_deviation_max");
}

TEST(Safety, SessionErrorIsTheAbsolutePercentageError) {
  EXPECT_DOUBLE_EQ(*session_error(100, 75), 0.25);
  EXPECT_DOUBLE_EQ(*session_error(0, 0), 0.0);
  EXPECT_TRUE(std::isinf(*session_error(0, 3)));
  EXPECT_EQ(session_error(-1, 3).error().field, "actual");
  EXPECT_EQ(session_error(1, INFINITY).error().field, "forecast");
}

TEST(Safety, BreakerTripsAfterThreeConsecutiveBadSessions) {
  CircuitBreaker breaker{SafetyPolicy{}};
  // 26% error twice, then a 25% session (not above the limit) resets the streak.
  EXPECT_EQ(*breaker.record(100, 126), ActiveModel::primary);
  EXPECT_EQ(*breaker.record(100, 74), ActiveModel::primary);
  EXPECT_EQ(*breaker.record(100, 125), ActiveModel::primary);
  EXPECT_EQ(breaker.bad_streak(), 0);
  EXPECT_EQ(*breaker.record(100, 150), ActiveModel::primary);
  EXPECT_EQ(*breaker.record(100, 50), ActiveModel::primary);
  EXPECT_EQ(*breaker.record(100, 200), ActiveModel::conservative);
  EXPECT_EQ(breaker.trips(), 1);
}

TEST(Safety, BreakerRecoversAfterThreeGoodPrimarySessions) {
  CircuitBreaker breaker{SafetyPolicy{}};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(breaker.record(100, 10).has_value());
  ASSERT_EQ(breaker.active(), ActiveModel::conservative);
  // Good, good, bad: the recovery streak restarts.
  EXPECT_EQ(*breaker.record(100, 110), ActiveModel::conservative);
  EXPECT_EQ(*breaker.record(100, 90), ActiveModel::conservative);
  EXPECT_EQ(*breaker.record(100, 10), ActiveModel::conservative);
  EXPECT_EQ(*breaker.record(100, 100), ActiveModel::conservative);
  EXPECT_EQ(*breaker.record(100, 100), ActiveModel::conservative);
  EXPECT_EQ(*breaker.record(100, 100), ActiveModel::primary);
  EXPECT_EQ(breaker.trips(), 1);
  // A bad input changes nothing.
  EXPECT_EQ(breaker.record(NAN, 1).error().field, "actual");
  EXPECT_EQ(breaker.active(), ActiveModel::primary);
  EXPECT_EQ(breaker.good_streak(), 3);
}

TEST(Safety, ShadowIsPromotedOnlyWhenClearlyBetter) {
  const SafetyPolicy policy;
  ShadowEvaluator better(policy);
  for (int i = 0; i < 12; ++i) {
    const double actual = 100 + 10 * (i % 3);
    ASSERT_TRUE(better.record(actual, actual * 1.2, actual * 1.05).has_value());
  }
  const PromotionReport yes = better.report();
  EXPECT_TRUE(yes.promote) << yes.to_text();
  EXPECT_EQ(yes.sessions, 12);
  EXPECT_EQ(yes.shadow_wins, 12);
  EXPECT_NEAR(yes.wape_active, 0.2, 1e-12);
  EXPECT_NEAR(yes.wape_shadow, 0.05, 1e-12);
  EXPECT_NEAR(yes.bias_shadow, 0.05, 1e-12);

  ShadowEvaluator few(policy);
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(few.record(100, 120, 100).has_value());
  EXPECT_FALSE(few.report().promote);  // 9 < 10 sessions

  ShadowEvaluator marginal(policy);  // 3% better only
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(marginal.record(100, 110, 109.7).has_value());
  EXPECT_FALSE(marginal.report().promote) << marginal.report().to_text();

  // Lower WAPE on average, but three big misses in a row would trip its breaker.
  ShadowEvaluator risky(policy);
  for (int i = 0; i < 20; ++i) {
    const bool miss = i >= 10 && i < 13;
    ASSERT_TRUE(risky.record(100, 120, miss ? 140 : 100).has_value());
  }
  const PromotionReport no = risky.report();
  EXPECT_LT(no.wape_shadow, no.wape_active);
  EXPECT_EQ(no.trips_shadow, 1);
  EXPECT_FALSE(no.promote) << no.to_text();

  EXPECT_EQ(risky.record(100, -1, 1).error().field, "active_forecast");
  EXPECT_EQ(risky.record(100, 1, NAN).error().field, "shadow_forecast");
  EXPECT_EQ(risky.report().sessions, 20);
}

}  // namespace
}  // namespace livechain::forecast
