// The XGBoost wrapper: it learns a synthetic Poisson problem with known structure, and a
// saved model loads back with identical predictions; bad input names the field.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "forecast/gbm.hpp"

namespace livechain::forecast {
namespace {

constexpr uint64_t kSeed = 5;  // SEED for the synthetic data (mt19937_64)

struct Problem {
  FeatureMatrix x;
  std::vector<double> y, mean;
};

// y ~ Poisson(exp(0.5 + 1.2·x1 − 0.8·x2 + 0.7·[x3 > 0])), x ~ U(−1, 1).
Problem make_problem(size_t rows, std::mt19937_64& rng) {
  Problem p;
  p.x.names = {"x1", "x2", "x3"};
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (size_t r = 0; r < rows; ++r) {
    const double x1 = uniform(rng), x2 = uniform(rng), x3 = uniform(rng);
    const double mean = std::exp(0.5 + 1.2 * x1 - 0.8 * x2 + (x3 > 0 ? 0.7 : 0.0));
    const float row[] = {static_cast<float>(x1), static_cast<float>(x2), static_cast<float>(x3)};
    p.x.add_row(row);
    p.y.push_back(static_cast<double>(std::poisson_distribution<int>(mean)(rng)));
    p.mean.push_back(mean);
  }
  return p;
}

double mean_absolute_error(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

TEST(Gbm, LearnsAPoissonProblemAndBeatsTheMean) {
  std::mt19937_64 rng(kSeed);
  const Problem train = make_problem(3000, rng), test = make_problem(1000, rng);
  GbmParams params;
  params.rounds = 200;
  auto model = GbmModel::fit(train.x, train.y, {}, params);
  ASSERT_TRUE(model.has_value()) << model.error().to_string();
  const auto predicted = model->predict(test.x).value();
  double train_mean = 0;
  for (double v : train.y) train_mean += v / static_cast<double>(train.y.size());
  const std::vector<double> flat(test.y.size(), train_mean);
  // Against the true means: the model is far closer than the constant.
  EXPECT_LT(mean_absolute_error(predicted, test.mean), 0.35 * mean_absolute_error(flat, test.mean));
  EXPECT_LT(mean_absolute_error(predicted, test.y), mean_absolute_error(flat, test.y));
  // Deterministic: a second fit gives the same predictions.
  auto again = GbmModel::fit(train.x, train.y, {}, params).value();
  EXPECT_EQ(again.predict(test.x).value(), predicted);
}

TEST(Gbm, SaveLoadRoundTripGivesIdenticalPredictions) {
  std::mt19937_64 rng(kSeed + 1);
  const Problem train = make_problem(500, rng);
  GbmParams params;
  params.rounds = 50;
  params.objective = "reg:tweedie";
  const auto model = GbmModel::fit(train.x, train.y, {}, params).value();
  const auto path = std::filesystem::temp_directory_path() / "livechain_gbm_roundtrip.model";
  ASSERT_TRUE(model.save(path).has_value());
  const auto loaded = GbmModel::load(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  EXPECT_EQ(loaded->feature_names(), train.x.names);
  EXPECT_EQ(loaded->predict(train.x).value(), model.predict(train.x).value());
  // Another version is refused.
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(0, 7, "LCGBM 9");
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  const auto refused = GbmModel::load(path);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::corruption);
  std::filesystem::remove(path);
}

TEST(Gbm, BadInputNamesTheField) {
  FeatureMatrix x;
  x.names = {"a"};
  const float row[] = {1.0f};
  x.add_row(row), x.add_row(row);
  GbmParams params;
  EXPECT_EQ(GbmModel::fit(x, std::vector<double>{1, -1}, {}, params).error().field, "y");
  EXPECT_EQ(GbmModel::fit(x, std::vector<double>{1}, {}, params).error().field, "y");
  EXPECT_EQ(
      GbmModel::fit(x, std::vector<double>{1, 2}, std::vector<double>{1}, params).error().field,
      "weights");
  params.objective = "reg:squarederror";
  EXPECT_EQ(GbmModel::fit(x, std::vector<double>{1, 2}, {}, params).error().field, "objective");
  params = GbmParams{};
  params.rounds = 0;
  EXPECT_EQ(GbmModel::fit(x, std::vector<double>{1, 2}, {}, params).error().field, "rounds");
  FeatureMatrix empty;
  EXPECT_EQ(GbmModel::fit(empty, {}, {}, GbmParams{}).error().field, "x");
  x.values[0] = INFINITY;
  EXPECT_EQ(GbmModel::fit(x, std::vector<double>{1, 2}, {}, GbmParams{}).error().field, "x");
  x.values[0] = 1.0f;
  params = GbmParams{};
  params.rounds = 2;
  const auto model = GbmModel::fit(x, std::vector<double>{1, 2}, {}, params).value();
  FeatureMatrix other = x;
  other.names = {"b"};
  EXPECT_EQ(model.predict(other).error().field, "x");
  EXPECT_EQ(GbmModel::load("/nonexistent/livechain.model").error().code, ErrorCode::io_error);
}

}  // namespace
}  // namespace livechain::forecast
