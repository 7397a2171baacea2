// Real-data pieces: the WAPE/bias definitions, the Douyin feature builder's no-leakage
// property, and Douyin Task A on the real holdout (read in place; skipped without it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "forecast/real.hpp"
#include "forecast/real_detail.hpp"

namespace livechain::forecast {
namespace {

const std::filesystem::path kDouyinDir =
    std::filesystem::path(LIVECHAIN_SHARED_DATA_DIR) / "douyin_live_chanmama";

TEST(RealMetrics, WapeAndBiasByHand) {
  const std::vector<double> actual{10, 0, 30}, forecast{12, 1, 24};
  // Σ|y−ŷ| = 2 + 1 + 6 = 9, Σy = 40; Σ(ŷ−y) = 2 + 1 − 6 = −3.
  EXPECT_DOUBLE_EQ(wape(actual, forecast).value(), 9.0 / 40.0);
  EXPECT_DOUBLE_EQ(bias(actual, forecast).value(), -3.0 / 40.0);
  EXPECT_EQ(wape(actual, std::vector<double>{1, 2}).error().field, "forecast");
  EXPECT_EQ(wape(std::vector<double>{0, 0}, std::vector<double>{1, 2}).error().field, "actual");
  EXPECT_EQ(wape(std::vector<double>{1}, std::vector<double>{NAN}).error().field, "forecast");
}

TEST(RealMetrics, WapeScaleIsTheWeightedMedianRatio) {
  // Ratios y/ŷ = 1 (weight 1), 3 (weight 1), 0.5 (weight 4): weighted median 0.5.
  const std::vector<double> actual{1, 3, 2}, forecast{1, 1, 4};
  EXPECT_DOUBLE_EQ(detail::wape_scale(actual, forecast), 0.5);
  EXPECT_DOUBLE_EQ(detail::wape_scale(std::vector<double>{}, std::vector<double>{}), 1.0);
}

std::vector<LiveSession> synthetic_sessions() {
  std::vector<LiveSession> sessions;
  for (int host = 0; host < 2; ++host) {
    for (int k = 0; k < 12; ++k) {
      LiveSession s;
      s.session_id = host * 100 + k;
      s.host = host == 0 ? "A" : "B";
      s.title = k % 3 == 0 ? "special" : "daily";
      s.start_minutes = k * 1440 + 600 + host;
      s.hour = 10, s.weekday = k % 7;
      s.n_products = 20 + k, s.views = 1000 * (k + 1), s.likes = 50.0 * k;
      s.units = 100 + 10 * k + host, s.gmv = 5000 + 300 * k;
      sessions.push_back(s);
    }
  }
  return sessions;
}

TEST(DouyinFeatures, UseOnlyEarlierSessionsOfTheHost) {
  const auto sessions = synthetic_sessions();
  const size_t index = 7;  // host A, 8th session
  for (const std::string target : {"units", "gmv"}) {
    const auto before = douyin_features(sessions, index, target);
    ASSERT_EQ(before.size(), douyin_feature_names().size());
    auto changed = sessions;
    // The session's own outcome and traffic, every later session and the other host
    // change: the features must not move.
    for (size_t i = index; i < changed.size(); ++i) {
      if (i > index) changed[i].n_products = 999, changed[i].title = "x";
      changed[i].units *= 7, changed[i].gmv *= 3, changed[i].views *= 5, changed[i].likes += 9;
    }
    const auto after = douyin_features(changed, index, target);
    for (size_t f = 0; f < before.size(); ++f) {
      if (std::isnan(before[f])) {
        EXPECT_TRUE(std::isnan(after[f])) << douyin_feature_names()[f];
      } else {
        EXPECT_EQ(before[f], after[f]) << douyin_feature_names()[f];
      }
    }
    EXPECT_EQ(douyin_level(sessions, index, target), douyin_level(changed, index, target));
  }
  // The level is the median of the last 5 earlier targets: units 120…160 → 140.
  EXPECT_DOUBLE_EQ(douyin_level(sessions, index, "units"), 140.0);
  // A host's first session has no history.
  EXPECT_TRUE(std::isnan(douyin_level(sessions, 12, "units")));
}

const MethodScore* find(const RealReport& report, const std::string& task,
                        const std::string& method_prefix) {
  for (const auto& score : report.scores) {
    if (score.task == task && score.method.starts_with(method_prefix)) return &score;
  }
  return nullptr;
}

TEST(DouyinEvaluation, TaskABeatsTheReadmeReferenceOnTheRealHoldout) {
  if (!std::filesystem::exists(kDouyinDir / "sessions.csv.gz")) GTEST_SKIP() << "no Douyin data";
  GbmParams params;
  // One calibration week (the default is 3) keeps the test quick; the August forecasts
  // do not depend on it, only the conformal intervals do.
  const auto report = evaluate_douyin(kDouyinDir, params, 1);
  ASSERT_TRUE(report.has_value()) << report.error().to_string();
  const auto* mean5 = find(*report, "A-units", "mean5");
  const auto* median5 = find(*report, "A-gmv", "median5");
  const auto* units = find(*report, "A-units", "livechain");
  const auto* gmv = find(*report, "A-gmv", "livechain");
  ASSERT_TRUE(mean5 && median5 && units && gmv);
  // Online conformal intervals are measured on the holdout (nominal 0.8).
  EXPECT_GT(units->coverage_p10_p90, 0.6);
  EXPECT_LT(units->coverage_p10_p90, 0.98);
  EXPECT_GT(gmv->coverage_p10_p90, 0.6);
  EXPECT_EQ(evaluate_douyin(kDouyinDir, params, 9).error().field, "calibration_weeks");
  // The README's reference figures, reproduced: 361 sessions of 18 hosts.
  EXPECT_EQ(units->series, 361);
  EXPECT_NEAR(mean5->wape, 0.588, 0.0005);
  EXPECT_NEAR(median5->wape, 0.657, 0.0005);
  EXPECT_LE(units->wape, 0.50);  // the target; measured 0.428 (GMV 0.562)
  EXPECT_LT(gmv->wape, median5->wape);
  ASSERT_EQ(report->predictions.size(), 2u);
  EXPECT_EQ(report->predictions[0].file, "douyin_task_a.csv");
  std::istringstream csv(report->predictions[0].csv);
  std::string line;
  size_t lines = 0;
  while (std::getline(csv, line)) ++lines;
  EXPECT_EQ(lines, 1u + 384u);  // header + every holdout session (cold-start hosts too)
}

}  // namespace
}  // namespace livechain::forecast
