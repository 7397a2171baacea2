// Forecasting methods on synthetic series with known answers. Randomness comes from
// std::mt19937_64 with the seed printed in each test's name/trace (SEED=…).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include "forecast/forecast.hpp"
#include "forecast/optimize.hpp"

namespace livechain::forecast {
namespace {

std::vector<double> random_walk_with_noise(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> y(n);
  double level = 100;
  for (auto& v : y) v = (level += noise(rng));
  return y;
}

TEST(Benchmarks, NaiveRepeatsTheLastValue) {
  const std::vector<double> y{1, 5, 3};
  EXPECT_EQ(naive(y, 4).value(), (Forecast{3, 3, 3, 3}));
}

TEST(Benchmarks, SeasonalNaiveRepeatsTheLastSeason) {
  const std::vector<double> y{9, 9, 1, 2, 3, 4};
  EXPECT_EQ(seasonal_naive(y, 4, 6).value(), (Forecast{1, 2, 3, 4, 1, 2}));
  EXPECT_EQ(seasonal_naive(y, 10, 2).value(), (Forecast{4, 4}));  // shorter than a period
}

TEST(Benchmarks, SeasonalityTestSeesASineAndNotNoise) {
  std::vector<double> seasonal(120);
  for (size_t t = 0; t < seasonal.size(); ++t) seasonal[t] = 10 + std::sin(2 * M_PI * t / 12.0);
  EXPECT_TRUE(seasonality_test(seasonal, 12));
  EXPECT_FALSE(seasonality_test(seasonal, 1));
  std::mt19937_64 rng(7);  // SEED=7
  std::normal_distribution<double> noise(10, 1);
  std::vector<double> white(120);
  for (auto& v : white) v = noise(rng);
  EXPECT_FALSE(seasonality_test(white, 12));
  EXPECT_FALSE(seasonality_test(std::span<const double>(seasonal).first(30), 12));  // < 3 cycles
}

TEST(Benchmarks, Naive2ReseasonalisesAnExactMultiplicativePattern) {
  const double pattern[] = {0.5, 1.5, 0.8, 1.2};
  std::vector<double> y(40);
  for (size_t t = 0; t < y.size(); ++t) y[t] = 100 * pattern[t % 4];
  const auto indices = multiplicative_seasonal_indices(y, 4);
  for (size_t t = 0; t < 4; ++t) EXPECT_NEAR(indices[t], pattern[t], 1e-12);
  const auto forecast = naive2(y, 4, 5).value();
  const double expected[] = {50, 150, 80, 120, 50};
  for (size_t h = 0; h < 5; ++h) EXPECT_NEAR(forecast[h], expected[h], 1e-9);
  EXPECT_EQ(naive2(y, 1, 2).value(), (Forecast{120, 120}));  // period 1: plain naive
}

TEST(Smoothing, SesWithAlphaOneIsNaiveAndAlphaZeroKeepsTheFirstValue) {
  const auto y = random_walk_with_noise(11, 50);  // SEED=11
  EXPECT_EQ(ses_fixed(y, 1.0, 3).value(), naive(y, 3).value());
  EXPECT_EQ(ses_fixed(y, 0.0, 2).value(), (Forecast{y[0], y[0]}));
  const std::vector<double> small{10, 20};
  EXPECT_DOUBLE_EQ(ses_fixed(small, 0.5, 1).value()[0], 15.0);  // 10 → 10 → 15
}

// Simulates ETS(A,N,N) or ETS(A,A,N) with Gaussian errors.
std::vector<double> simulate_additive(uint64_t seed, size_t n, double alpha, double beta,
                                      double sigma) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<double> y(n);
  double level = 50, trend = beta > 0 ? 0.5 : 0.0;
  for (auto& v : y) {
    const double e = noise(rng);
    v = level + trend + e;
    level = level + trend + alpha * e;
    trend = trend + beta * e;
  }
  return y;
}

TEST(Ets, RecoversTheSmoothingParameterOfASimulatedSeries) {
  const auto y = simulate_additive(2024, 3000, 0.3, 0.0, 1.0);  // SEED=2024
  const auto model = ets_fit(y, 1, EtsSpec{ErrorKind::additive, TrendKind::none}).value();
  EXPECT_NEAR(model.alpha, 0.3, 0.04);
  EXPECT_NEAR(std::sqrt(model.sse / y.size()), 1.0, 0.05);
  EXPECT_EQ(ets_spec_name(model.spec), "ANN");
}

TEST(Ets, RecoversHoltParameters) {
  const auto y = simulate_additive(99, 3000, 0.5, 0.1, 1.0);  // SEED=99
  const auto model = ets_fit(y, 1, EtsSpec{ErrorKind::additive, TrendKind::additive}).value();
  EXPECT_NEAR(model.alpha, 0.5, 0.06);
  EXPECT_NEAR(model.beta, 0.1, 0.04);
}

TEST(Ets, HoltContinuesAnExactLine) {
  std::vector<double> y(30);
  for (size_t t = 0; t < y.size(); ++t) y[t] = 10 + 2.0 * t;
  const auto forecast = holt(y, 3).value();
  for (size_t h = 0; h < 3; ++h) EXPECT_NEAR(forecast[h], 10 + 2.0 * (30 + h), 1e-3);
}

TEST(Ets, AutoPicksASeasonalModelForASeasonalSeriesAndIsDeterministic) {
  std::mt19937_64 rng(5);  // SEED=5
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> y(96);
  for (size_t t = 0; t < y.size(); ++t)
    y[t] = 100 + 20 * std::sin(2 * M_PI * t / 12.0) + noise(rng);
  const auto model = ets_auto(y, 12).value();
  EXPECT_NE(model.spec.season, SeasonKind::none) << ets_spec_name(model.spec);
  const auto again = ets_auto(y, 12).value();
  EXPECT_EQ(ets_forecast(model, 12), ets_forecast(again, 12));
  const auto forecast = ets_forecast(model, 12);
  for (size_t h = 0; h < 12; ++h) {
    EXPECT_NEAR(forecast[h], 100 + 20 * std::sin(2 * M_PI * (96 + h) / 12.0), 4.0);
  }
}

TEST(Theta, ConstantSeriesForecastsTheConstantAndALineMeetsHalfway) {
  const std::vector<double> flat(20, 7.0);
  const auto flat_forecast = theta(flat, 1, 4).value();
  for (double v : flat_forecast) EXPECT_NEAR(v, 7.0, 1e-6);
  std::vector<double> line(20);
  for (size_t t = 0; t < line.size(); ++t) line[t] = 5 + 3.0 * (t + 1);
  // θ=2 line equals the data, SES (α→1) gives the last value; average with the trend.
  const auto forecast = theta(line, 1, 2).value();
  for (size_t h = 0; h < 2; ++h) {
    EXPECT_NEAR(forecast[h], 0.5 * line.back() + 0.5 * (5 + 3.0 * (21 + h)), 0.05);
  }
}

TEST(Intermittent, CrostonMatchesAHandComputedValue) {
  // sizes 3, 5, 2 after intervals 3, 2, 3; α = 0.5:
  // size 3 → 4 → 3, interval 3 → 2.5 → 2.75; forecast 3 / 2.75.
  const std::vector<double> y{0, 0, 3, 0, 5, 0, 0, 2};
  EXPECT_NEAR(croston(y, 0.5, 2).value()[1], 3.0 / 2.75, 1e-12);
  EXPECT_EQ(croston(std::vector<double>(5, 0.0), 0.1, 1).value(), (Forecast{0.0}));
}

TEST(Intermittent, TsbMatchesAHandComputedValue) {
  // p0 = 2/4, z0 = 2; p: .25, .625, .3125, .65625; z: 2 → 2 → 3; forecast p·z.
  const std::vector<double> y{0, 2, 0, 4};
  EXPECT_NEAR(tsb(y, 0.5, 0.5, 1).value()[0], 0.65625 * 3.0, 1e-12);
}

TEST(Optimizer, NelderMeadFindsTheMinimumOfAQuadratic) {
  auto bowl = [](std::span<const double> x) {
    return (x[0] - 1) * (x[0] - 1) + 10 * (x[1] + 2) * (x[1] + 2);
  };
  const std::vector<double> start{0, 0}, steps{0.5, 0.5};
  const auto best = detail::nelder_mead(bowl, start, steps, 2000, 1e-14);
  EXPECT_NEAR(best.x[0], 1.0, 1e-4);
  EXPECT_NEAR(best.x[1], -2.0, 1e-4);
}

TEST(Backtest, SelectsTheCandidateThatWinsOnTheTrainingOrigins) {
  const auto y = random_walk_with_noise(3, 60);  // SEED=3
  auto run_naive = [](std::span<const double> s, int, int h) { return naive(s, h); };
  auto run_zero = [](std::span<const double>, int, int h) -> Result<Forecast> {
    return Forecast(static_cast<size_t>(h), 0.0);
  };
  const Candidate candidates[] = {{"zero", run_zero}, {"naive", run_naive}};
  EXPECT_EQ(backtest_combine(y, 1, 4, candidates, BacktestSpec{}).value(), naive(y, 4).value());
  const auto both = backtest_combine(y, 1, 4, candidates, BacktestSpec{.top_k = 2}).value();
  EXPECT_DOUBLE_EQ(both[0], y.back() / 2);
}

TEST(BadInput, ErrorsNameTheField) {
  const std::vector<double> y{1, 2, 3, 4, 5};
  const std::vector<double> with_nan{1, NAN, 3};
  const std::vector<double> empty;
  EXPECT_EQ(naive(empty, 1).error().field, "series");
  EXPECT_EQ(naive(with_nan, 1).error().field, "series");
  EXPECT_EQ(naive(y, 0).error().field, "horizon");
  EXPECT_EQ(seasonal_naive(y, 0, 1).error().field, "period");
  EXPECT_EQ(theta(y, 1, -1).error().field, "horizon");
  EXPECT_EQ(ets_fit(y, 1, EtsSpec{ErrorKind::additive, TrendKind::none, SeasonKind::additive})
                .error()
                .field,
            "period");
  const std::vector<double> negative{1, -2, 3, 4, 5};
  EXPECT_EQ(ets_fit(negative, 1, EtsSpec{ErrorKind::multiplicative}).error().field, "series");
  EXPECT_EQ(croston(negative, 0.1, 1).error().field, "series");
  EXPECT_EQ(croston(y, 0.0, 1).error().field, "alpha");
  EXPECT_EQ(tsb(y, 0.1, 1.5, 1).error().field, "beta");
  EXPECT_EQ(ses_fixed(y, 2.0, 1).error().field, "alpha");
  EXPECT_EQ(naive(y, 0).error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace livechain::forecast
