// train/predict/backtest on the sales CSV: every bad-input case names the column and
// the line; a saved model loads back and forecasts bit-identically; the state forms of
// Theta and seasonal naive match their direct forecasts; `livechain forecast` exit codes.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "forecast/model.hpp"

namespace livechain::forecast {
namespace {

// Three daily series (28 days from 2024-01-01, weekly pattern, trend, noise; SEED=3).
std::string sample_csv() {
  std::mt19937_64 rng(3);  // SEED=3
  std::normal_distribution<double> noise(0.0, 2.0);
  std::string csv = "series_id,date,sales,price\n";
  for (const char* id : {"b-trend", "a-weekly", "c-flat"}) {
    for (int t = 0; t < 56; ++t) {
      const double base = std::string(id) == "b-trend"    ? 20 + 0.5 * t
                          : std::string(id) == "a-weekly" ? 30 + 10 * std::sin(2 * M_PI * t / 7)
                                                          : 12;
      csv += fmt::format("{},{},{:.2f},9.9\n", id, format_iso_day(19723 + t),
                         std::max(0.0, base + noise(rng)));
    }
  }
  return csv;
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         fmt::format("lc_model_test_{}_{}", static_cast<long>(::getpid()), name);
}

void expect_bad(const std::string& csv, const std::string& field, const std::string& line) {
  const auto table = parse_sales_csv(csv, "in.csv");
  ASSERT_FALSE(table.has_value()) << csv;
  EXPECT_EQ(table.error().field, field) << table.error().to_string();
  EXPECT_NE(table.error().detail.find("in.csv:" + line + ":"), std::string::npos)
      << table.error().to_string();
}

TEST(SalesCsv, ParsesLongFormatInAnyOrder) {
  const auto table = parse_sales_csv(
                         "date,sales,series_id\n2024-01-03,3,x\n2024-01-01,1,x\n2024-01-02,2,x\n"
                         "2024-01-08,5,y\n\n2024-01-01,4,y\n",
                         "in.csv")
                         .value();
  ASSERT_EQ(table.series.size(), 2u);
  EXPECT_EQ(table.series[0].id, "x");
  EXPECT_EQ(table.series[0].values, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(format_iso_day(table.series[0].first_day), "2024-01-01");
  EXPECT_EQ(table.series[0].step_days, 1);
  EXPECT_EQ(table.series[1].step_days, 7);  // weekly
  EXPECT_EQ(table.series[1].first_line, 5u);
  EXPECT_EQ(format_iso_day(parse_iso_day("2024-02-29").value()), "2024-02-29");
}

TEST(SalesCsv, EveryBadInputNamesTheLineAndColumn) {
  const std::string head = "series_id,date,sales\n";
  expect_bad(head + "x,2024-01-01,1\nx,2024-01-02,2\nx,2024-01-04,3\n", "date", "4");  // missing
  expect_bad(head + "x,2024-01-01,1\nx,2024-01-02,2\nx,2024-01-02,3\n", "date", "4");  // duplicate
  expect_bad(head + "x,2024-01-01,1\nx,2024-01-02,-2\n", "sales", "3");                // negative
  expect_bad(head + "x,2024-01-01,1\nx,2024-01-02,abc\n", "sales", "3");               // text
  expect_bad(head + "x,2024-01-01,NaN\n", "sales", "2");                               // NaN
  expect_bad(head + "x,2024-01-01,nan\n", "sales", "2");
  expect_bad(head + "x,2024-01-01,inf\n", "sales", "2");
  expect_bad(head + "x,2024-01-01,\n", "sales", "2");  // empty
  expect_bad(head + "x,2024-02-30,1\n", "date", "2");  // no such day
  expect_bad(head + "x,01/02/2024,1\n", "date", "2");
  expect_bad(head + ",2024-01-01,1\n", "series_id", "2");
  expect_bad(head + "x,2024-01-01\n", "sales", "2");  // short row
  expect_bad("series_id,day,sales\nx,2024-01-01,1\n", "header", "1");
  expect_bad("", "header", "1");
  expect_bad(head, "sales", "1");  // no data rows
}

TEST(Model, SavedModelLoadsBackAndForecastsIdentically) {
  const auto table = parse_sales_csv(sample_csv(), "sample.csv").value();
  const auto model = train_model(table, TrainOptions{"auto", 7, 0, 3}).value();
  ASSERT_EQ(model.series.size(), 3u);
  EXPECT_EQ(model.series[0].id, "a-weekly");
  EXPECT_TRUE(model.has_intervals);
  const auto path = temp_path("model.lcfm");
  ASSERT_TRUE(save_model(model, path).has_value());
  const auto loaded = load_model(path).value();
  const auto before = predict_model(model, 7, nullptr).value();
  const auto after = predict_model(loaded, 7, nullptr).value();
  ASSERT_EQ(before.size(), 21u);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].id, after[i].id);
    EXPECT_EQ(before[i].day, after[i].day);
    EXPECT_EQ(before[i].point, after[i].point);  // bit-identical
    EXPECT_EQ(before[i].interval.p10, after[i].interval.p10);
    EXPECT_EQ(before[i].interval.p90, after[i].interval.p90);
    EXPECT_LE(before[i].interval.p10, before[i].interval.p50);
    EXPECT_LE(before[i].interval.p50, before[i].interval.p90);
  }
  EXPECT_EQ(format_iso_day(before[0].day), "2024-02-26");  // the day after the last one
  // Saving the loaded model gives the same bytes.
  const auto again = temp_path("again.lcfm");
  ASSERT_TRUE(save_model(loaded, again).has_value());
  std::ifstream a(path), b(again);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}),
            std::string(std::istreambuf_iterator<char>(b), {}));
  std::filesystem::remove(again);
  // Another version, or a truncated file, is refused.
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path) << "LCFM 2" << text.substr(text.find('\n'));
  EXPECT_EQ(load_model(path).error().code, ErrorCode::corruption);
  std::ofstream(path) << text.substr(0, text.size() / 2);
  EXPECT_EQ(load_model(path).error().code, ErrorCode::corruption);
  std::filesystem::remove(path);
  EXPECT_EQ(load_model(path).error().code, ErrorCode::io_error);
}

TEST(Model, StateFormsMatchTheDirectForecasts) {
  const auto table = parse_sales_csv(sample_csv(), "sample.csv").value();
  const auto theta_model = train_model(table, TrainOptions{"theta", 10, 0, 0}).value();
  EXPECT_FALSE(theta_model.has_intervals);  // no origins: no residuals
  const auto rows = predict_model(theta_model, 10, nullptr).value();
  for (size_t s = 0; s < table.series.size(); ++s) {
    const auto direct = theta(table.series[s].values, 7, 10).value();
    for (size_t h = 0; h < 10; ++h) {
      EXPECT_NEAR(rows[s * 10 + h].point, std::max(0.0, direct[h]),
                  1e-9 * std::abs(direct[h]) + 1e-9);
      EXPECT_EQ(rows[s * 10 + h].interval.p10, rows[s * 10 + h].point);
    }
  }
  // Seasonal naive absorbs newer data through its state update: after one more week
  // the forecast repeats that week.
  const auto snaive = train_model(table, TrainOptions{"snaive", 7, 0, 2}).value();
  std::string newer = "series_id,date,sales\n";
  for (int t = 0; t < 7; ++t)
    newer += fmt::format("c-flat,{},{}\n", format_iso_day(19723 + 56 + t), 100 + t);
  const auto update = parse_sales_csv(newer, "new.csv").value();
  const auto next = predict_model(snaive, 7, &update).value();
  ASSERT_EQ(next.size(), 7u);
  for (int t = 0; t < 7; ++t) {
    EXPECT_EQ(next[static_cast<size_t>(t)].point, 100 + t);
    EXPECT_EQ(format_iso_day(next[static_cast<size_t>(t)].day), format_iso_day(19723 + 63 + t));
  }
}

TEST(Model, PredictAndTrainRefuseBadRequests) {
  const auto table = parse_sales_csv(sample_csv(), "sample.csv").value();
  EXPECT_EQ(train_model(table, TrainOptions{"auto", 0, 0, 3}).error().field, "horizon");
  EXPECT_EQ(train_model(table, TrainOptions{"auto", -2, 0, 3}).error().field, "horizon");
  EXPECT_EQ(train_model(table, TrainOptions{"lstm", 7, 0, 3}).error().field, "method");
  EXPECT_EQ(train_model(table, TrainOptions{"auto", 7, 0, 11}).error().field, "origins");
  const auto model = train_model(table, TrainOptions{"ets", 7, 0, 1}).value();
  EXPECT_EQ(predict_model(model, 0, nullptr).error().field, "horizon");
  EXPECT_EQ(predict_model(model, 8, nullptr).error().field, "horizon");  // above trained
  const auto unknown =
      parse_sales_csv("series_id,date,sales\nc-flat,2024-02-26,1\nzzz,2024-02-26,1\n", "new.csv")
          .value();
  const auto refused = predict_model(model, 7, &unknown);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "series_id");
  EXPECT_NE(refused.error().detail.find("line 3"), std::string::npos) << refused.error().detail;
  const auto gap =
      parse_sales_csv("series_id,date,sales\nc-flat,2024-03-01,1\n", "new.csv").value();
  EXPECT_EQ(predict_model(model, 7, &gap).error().field, "date");  // days after the model missing
  const auto tiny =
      parse_sales_csv("series_id,date,sales\nq,2024-01-01,1\nq,2024-01-02,1\n", "t.csv").value();
  const auto short_series = train_model(tiny, TrainOptions{"ets", 2, 0, 0});
  ASSERT_FALSE(short_series.has_value());
  EXPECT_EQ(short_series.error().field, "series");
  EXPECT_NE(short_series.error().detail.find("'q'"), std::string::npos);
}

TEST(Model, BacktestScoresEveryMethod) {
  const auto table = parse_sales_csv(sample_csv(), "sample.csv").value();
  const auto scores = backtest_methods(table, 2, 7, 0).value();
  ASSERT_EQ(scores.size(), 4u);
  for (const auto& s : scores) {
    EXPECT_EQ(s.points, 3 * 2 * 7) << s.method;
    EXPECT_GT(s.smape, 0);
    EXPECT_LT(s.smape, 40) << s.method;
    EXPECT_TRUE(std::isfinite(s.mase));
  }
  EXPECT_EQ(backtest_methods(table, 0, 7, 0).error().field, "origins");
  EXPECT_EQ(backtest_methods(table, 2, 0, 0).error().field, "horizon");
}

// The command itself: exit 1 with "error: … (column): file:line: …" on bad data, exit 2
// on a usage error, 0 on success. Skipped when the binary was not built.
int run(const std::string& args, std::string* err) {
  const auto err_path = temp_path("stderr.txt");
  const int status = std::system(
      fmt::format("{} {} >/dev/null 2>{}", LIVECHAIN_BINARY, args, err_path.string()).c_str());
  std::ifstream in(err_path);
  err->assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ModelCli, ExitCodesAndMessages) {
  if (!std::filesystem::exists(LIVECHAIN_BINARY)) GTEST_SKIP() << "no " << LIVECHAIN_BINARY;
  const auto good = temp_path("good.csv"), bad = temp_path("bad.csv"), model = temp_path("m.lcfm");
  std::ofstream(good) << sample_csv();
  std::ofstream(bad) << "series_id,date,sales\nx,2024-01-01,1\nx,2024-01-02,oops\n";
  std::string err;
  EXPECT_EQ(run(fmt::format("forecast train --input {} --horizon 7 --out {}", good.string(),
                            model.string()),
                &err),
            0)
      << err;
  EXPECT_EQ(run(fmt::format("forecast predict --model {} --horizon 7", model.string()), &err), 0)
      << err;
  EXPECT_EQ(
      run(fmt::format("forecast backtest --input {} --horizon 7 --origins 2", good.string()), &err),
      0)
      << err;
  EXPECT_EQ(run(fmt::format("forecast train --input {} --horizon 7 --out {}", bad.string(),
                            model.string()),
                &err),
            1);
  EXPECT_NE(err.find("(sales)"), std::string::npos) << err;
  EXPECT_NE(err.find(":3:"), std::string::npos) << err;
  EXPECT_EQ(run(fmt::format("forecast predict --model {} --horizon 0", model.string()), &err), 1);
  EXPECT_NE(err.find("(horizon)"), std::string::npos) << err;
  EXPECT_EQ(run(fmt::format("forecast predict --model {} --horizon 3 --input {}", model.string(),
                            bad.string()),
                &err),
            1);
  EXPECT_EQ(
      run(fmt::format("forecast train --input {} --out {}", good.string(), model.string()), &err),
      2);  // no --horizon
  EXPECT_EQ(run(fmt::format("forecast train --input {} --horizon x --out {}", good.string(),
                            model.string()),
                &err),
            2);
  std::filesystem::remove(good), std::filesystem::remove(bad), std::filesystem::remove(model);
}

}  // namespace
}  // namespace livechain::forecast
