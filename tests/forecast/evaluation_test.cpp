// The evaluation runner on a small slice of the real M3 data (read in place from the
// shared data folder) and the CSV reader's error cases.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "forecast/data.hpp"
#include "forecast/forecast.hpp"

namespace livechain::forecast {
namespace {

const std::filesystem::path kM3Dir = std::filesystem::path(LIVECHAIN_SHARED_DATA_DIR) / "m3";

const MethodScore* find_score(const SuiteReport& report, const std::string& dataset,
                              const std::string& method) {
  for (const auto& score : report.scores) {
    if (score.dataset == dataset && score.method == method) return &score;
  }
  return nullptr;
}

TEST(Evaluation, FirstFiftyMonthlyM3SeriesScoreWithinTheBand) {
  if (!std::filesystem::exists(kM3Dir / "M3-train.csv.gz")) GTEST_SKIP() << "no M3 data";
  EvaluateOptions options;
  options.category = "MONTHLY";
  options.series_limit = 50;
  const auto report = evaluate_m3(kM3Dir, options).value();
  ASSERT_EQ(report.predictions.size(), 50u);
  EXPECT_EQ(report.predictions.front().id, "N1402");
  EXPECT_EQ(report.predictions.front().values.size(), 18u);
  const auto* naive2 = find_score(report, "m3-monthly", "naive2");
  const auto* submitted = find_score(report, "m3-monthly", "livechain");
  ASSERT_NE(naive2, nullptr);
  ASSERT_NE(submitted, nullptr);
  EXPECT_EQ(submitted->series, 50);
  EXPECT_EQ(submitted->failures, 0);
  // Measured 33.341 / 42.903 (release build); the band allows small numeric drift.
  EXPECT_NEAR(submitted->smape, 33.341, 0.5);
  EXPECT_NEAR(naive2->smape, 42.903, 0.01);
  EXPECT_LT(submitted->owa, 1.0);
}

TEST(Evaluation, BadOptionsAndMissingFilesAreErrors) {
  EvaluateOptions options;
  options.category = "DAILY";
  EXPECT_EQ(evaluate_m3(kM3Dir, options).error().field, "category");
  options.category.clear();
  options.threads = 0;
  EXPECT_EQ(evaluate_m3(kM3Dir, options).error().field, "threads");
  options.threads = 1;
  EXPECT_EQ(evaluate_m4(kM3Dir, "Daily", options).error().field, "frequency");
  const auto missing = evaluate_m3("/nonexistent-livechain-dir", options);
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
}

TEST(Evaluation, WideCsvReaderNamesTheBadCell) {
  const auto path = std::filesystem::temp_directory_path() / "livechain_forecast_bad.csv";
  {
    std::ofstream out(path);
    out << "\"id\",\"V1\",\"V2\"\n\"A\",1.5,2\n\"B\",3,x\n";
  }
  const auto series = detail::read_wide_series(path);
  ASSERT_FALSE(series.has_value());
  EXPECT_EQ(series.error().code, ErrorCode::corruption);
  EXPECT_NE(series.error().detail.find("row 3 column 3"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace livechain::forecast
