// The in-session nowcaster on synthetic sessions: a known demand curve whose level
// differs from the pre-session forecast by a log-normal factor; the nowcast must move
// from the forecast towards the truth as minutes arrive. Randomness: std::mt19937_64,
// seed printed (SEED=…), overridable by LIVECHAIN_TEST_SEED.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "forecast/nowcast.hpp"
#include "support/seed.hpp"

namespace livechain::forecast {
namespace {

using test_support::test_seed;

// A session: a burst in the first 10% of the minutes, then a flat tail. Its expected
// units are `prior` × a log-normal(0, 0.35) surprise; viewers and carts follow units
// through a fixed funnel (40 viewer-minutes and 1.5 carts per unit); 90% of reserved
// units are paid.
SessionRecord synthetic_session(std::mt19937_64& rng, double prior) {
  std::normal_distribution<double> surprise(0.0, 0.35);
  std::uniform_int_distribution<int> length(60, 240);
  SessionRecord s;
  s.duration_min = length(rng);
  s.prior_total = prior;
  const double reserved_expected = prior * std::exp(surprise(rng)) / 0.9;
  const int burst = std::max(1, s.duration_min / 10);
  double reserved = 0;
  for (int t = 0; t < s.duration_min; ++t) {
    const double share = t < burst ? 0.5 / burst : 0.5 / (s.duration_min - burst);
    std::poisson_distribution<int> units(reserved_expected * share);
    const double u = units(rng);
    std::poisson_distribution<int> carts(1.5 * u + 0.1);
    s.minutes.push_back(MinuteSignals{40.0 * u + 50.0, static_cast<double>(carts(rng)), u});
    reserved += u;
  }
  s.actual_total = std::round(0.9 * reserved);
  return s;
}

std::vector<SessionRecord> sessions(std::mt19937_64& rng, int count) {
  std::uniform_real_distribution<double> prior(2'000, 20'000);
  std::vector<SessionRecord> out;
  for (int i = 0; i < count; ++i) out.push_back(synthetic_session(rng, prior(rng)));
  return out;
}

TEST(Nowcast, LiveSignalsBeatThePreSessionForecast) {
  std::mt19937_64 rng(test_seed(11));
  const auto train = sessions(rng, 30);
  const auto test = sessions(rng, 30);
  const auto model = nowcast_fit(train);
  ASSERT_TRUE(model.has_value()) << model.error().to_string();
  EXPECT_NEAR(model->target_per_unit, 0.9, 0.02);
  EXPECT_NEAR(model->per_target[1], 1.5 / 0.9, 0.1);
  double prior_error = 0, quarter_error = 0, end_error = 0, actual = 0;
  for (const auto& s : test) {
    const auto path = nowcast_path(*model, s).value();
    ASSERT_EQ(path.size(), s.minutes.size());
    const auto at_zero = nowcast_total(*model, s.prior_total, s.duration_min, {}).value();
    EXPECT_DOUBLE_EQ(at_zero, s.prior_total);  // nothing seen yet: the forecast
    prior_error += std::abs(s.prior_total - s.actual_total);
    quarter_error += std::abs(path[static_cast<size_t>(s.duration_min / 4)] - s.actual_total);
    end_error += std::abs(path.back() - s.actual_total);
    actual += s.actual_total;
    // nowcast_total on a prefix equals the path at that minute.
    const size_t t = s.minutes.size() / 3;
    const auto prefix = std::span<const MinuteSignals>(s.minutes).first(t + 1);
    EXPECT_NEAR(nowcast_total(*model, s.prior_total, s.duration_min, prefix).value(), path[t],
                1e-9 * path[t]);
  }
  // The prior is ~30% off; after a quarter of the session (the burst seen) the
  // nowcast is far closer, and at the end it is the units reserved × paid share.
  EXPECT_GT(prior_error / actual, 0.2);
  EXPECT_LT(quarter_error / actual, 0.5 * prior_error / actual);
  EXPECT_LT(end_error / actual, 0.03);
}

TEST(Nowcast, TwinHistoryParsesAndBadInputNamesTheField) {
  const std::string sessions_csv =
      "session_id,scenario,duration_min,forecast_units,units_sold\n0,themed,3,100,90\n";
  const std::string signals_csv =
      "session_id,minute,viewers,add_to_cart,units_reserved\n0,0,10,2,30\n0,2,10,3,70\n";
  const auto records = parse_twin_history(sessions_csv, signals_csv, "forecast_units").value();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].duration_min, 3);
  EXPECT_EQ(records[0].prior_total, 100);
  EXPECT_EQ(records[0].actual_total, 90);
  ASSERT_EQ(records[0].minutes.size(), 3u);  // the missing minute 1 is empty
  EXPECT_EQ(records[0].minutes[2].units, 70);
  const auto bad = parse_twin_history(sessions_csv,
                                      "session_id,minute,viewers,add_to_cart,"
                                      "units_reserved\n0,0,x,2,30\n",
                                      "forecast_units");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "signals.csv");
  EXPECT_NE(bad.error().detail.find("line 2, column viewers"), std::string::npos);
  EXPECT_EQ(parse_twin_history(sessions_csv, signals_csv, "nope").error().field, "sessions.csv");

  std::vector<SessionRecord> two{records[0], records[0]};
  EXPECT_EQ(nowcast_fit(std::span(two).first(1)).error().field, "sessions");
  const auto model = nowcast_fit(two).value();
  EXPECT_EQ(nowcast_total(model, -1, 3, {}).error().field, "prior_total");
  EXPECT_EQ(nowcast_total(model, 1, 0, {}).error().field, "duration_min");
  const std::vector<MinuteSignals> negative{{1, -1, 0}};
  EXPECT_EQ(nowcast_total(model, 1, 3, negative).error().field, "minutes");
  two[1].actual_total = NAN;
  EXPECT_EQ(nowcast_fit(two).error().field, "actual_total");
}

// The live rules keep sums, not minutes: nowcast_from_totals on the sums of a prefix
// equals nowcast_total on the prefix; a saved model loads back bit for bit; a damaged
// file is refused naming the line.
TEST(Nowcast, TotalsMatchMinutesAndTheModelFileRoundTrips) {
  std::mt19937_64 rng(test_seed(12));
  const auto train = sessions(rng, 10);
  const auto model = nowcast_fit(train).value();
  const SessionRecord& s = train.front();
  const size_t t = s.minutes.size() / 2;
  MinuteSignals sums;
  for (size_t m = 0; m <= t; ++m) {
    sums.viewers += s.minutes[m].viewers, sums.add_to_cart += s.minutes[m].add_to_cart;
    sums.units += s.minutes[m].units;
  }
  const auto prefix = std::span<const MinuteSignals>(s.minutes).first(t + 1);
  const double by_minutes = nowcast_total(model, s.prior_total, s.duration_min, prefix).value();
  EXPECT_NEAR(
      nowcast_from_totals(model, s.prior_total, s.duration_min, sums, static_cast<double>(t + 1))
          .value(),
      by_minutes, 1e-9 * by_minutes);
  EXPECT_EQ(nowcast_from_totals(model, 1, 60, sums, -1).error().field, "elapsed_min");
  EXPECT_EQ(nowcast_from_totals(model, 1, 60, MinuteSignals{-1, 0, 0}, 1).error().field, "totals");

  const auto file = std::filesystem::temp_directory_path() /
                    ("livechain-nowcast-" + std::to_string(::getpid()) + ".lcnm");
  ASSERT_TRUE(save_nowcast_model(model, file).has_value());
  const auto loaded = load_nowcast_model(file);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  EXPECT_EQ(nowcast_total(*loaded, s.prior_total, s.duration_min, prefix).value(), by_minutes);
  EXPECT_EQ(loaded->weight, model.weight);
  EXPECT_EQ(loaded->share, model.share);
  // A profile cut short: corruption naming the file and the line.
  {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::string damaged = text.str();
    const size_t at = damaged.find("share_units");
    damaged.resize(damaged.find(' ', at + 20));
    damaged += "\nend\n";
    std::ofstream(file, std::ios::trunc) << damaged;
  }
  const auto refused = load_nowcast_model(file);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::corruption);
  EXPECT_NE(refused.error().detail.find("line 9"), std::string::npos) << refused.error().detail;
  std::ofstream(file, std::ios::trunc) << "LCNM 2\n";
  EXPECT_EQ(load_nowcast_model(file).error().code, ErrorCode::corruption);
  std::filesystem::remove(file);
  EXPECT_EQ(load_nowcast_model(file).error().code, ErrorCode::io_error);
}

}  // namespace
}  // namespace livechain::forecast
