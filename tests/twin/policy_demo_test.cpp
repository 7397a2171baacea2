// Policies, paired comparison, the event queue and the demo. Small scales and short
// demos keep this quick in a sanitizer build. Seeds are fixed; LIVECHAIN_TEST_SEED
// overrides the base seed (printed as SEED=).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <queue>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "twin/demo.hpp"
#include "twin/event_queue.hpp"
#include "twin/rng.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {
namespace {

// Units sold per the engine's cumulative counters, over every SKU and location.
int64_t engine_sold_units(const engine::LedgerState& state) {
  int64_t total = 0;
  for (uint32_t sku = 0; sku < state.skus().size(); ++sku) {
    for (const auto& ref : state.balance_refs_of_sku(sku)) {
      total += state.balance_at(ref.balance_index).sold_units;
    }
  }
  return total;
}

uint64_t base_seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("LIVECHAIN_TEST_SEED");
    const uint64_t s = env ? std::strtoull(env, nullptr, 10) : 11;
    std::printf("SEED=%llu\n", static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

RunConfig small(const std::string& id, uint64_t seed, const std::string& policy,
                std::vector<std::string> params = {}) {
  auto scenario = find_scenario(id);
  EXPECT_TRUE(scenario) << id;
  RunConfig config{*scenario, seed, policy};
  params.insert(params.begin(), config.scenario.param("tier") >= 2 ? "scale=0.003" : "scale=0.05");
  for (const auto& p : params) EXPECT_TRUE(set_param(config.scenario, p)) << p;
  return config;
}

TEST(TwinPolicies, EveryPolicyConservesUnitsAndNeverOversellsInEveryScenario) {
  for (const auto& policy : policy_ids()) {
    for (const auto& id : scenario_ids()) {
      auto result = run(small(id, base_seed(), policy));
      ASSERT_TRUE(result) << policy << " " << id << ": " << result.error().to_string();
      EXPECT_EQ(result->kpis.oversold_units, 0) << policy << " " << id;
      for (const auto& u : result->sku_units) {
        EXPECT_EQ(u.received_units + u.returned_units + u.adjusted_units,
                  u.on_hand_units + u.in_transit_units + u.quarantine_units + u.rework_units +
                      u.sold_units + u.scrapped_units + u.lost_in_transit_units)
            << policy << " " << id << " " << u.gtin;
      }
    }
  }
}

TEST(TwinPolicies, SeeTheSameDemandButPlaceStockDifferently) {
  auto a = run(small("surge-15x", base_seed(), "baseline"));
  auto b = run(small("surge-15x", base_seed(), "pre-position"));
  ASSERT_TRUE(a && b);
  // Paired: policies draw nothing, so the buyers are the same.
  EXPECT_EQ(a->kpis.orders, b->kpis.orders);
  EXPECT_EQ(a->kpis.units_demanded, b->kpis.units_demanded);
  // Different placement shows in where stock ends up or how much moves.
  EXPECT_TRUE(a->kpis.transfers != b->kpis.transfers ||
              a->kpis.end_overstock_units != b->kpis.end_overstock_units);
}

TEST(TwinPolicies, UnknownPolicyNamesTheField) {
  auto ran = run(small("daily", 1, "just-in-time"));
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().code, ErrorCode::not_found);
  EXPECT_EQ(ran.error().field, "policy");
  EXPECT_NE(ran.error().detail.find("pre-position"), std::string::npos);
}

TEST(TwinScenarios, DurationMinutesFixesTheSessionLength) {
  auto fixed = run(small("mega", base_seed(), "baseline", {"duration_minutes=45"}));
  ASSERT_TRUE(fixed) << fixed.error().to_string();
  const auto& signals = fixed->history.signals_csv;  // one row per session minute
  EXPECT_EQ(std::count(signals.begin(), signals.end(), '\n'), 45);
  auto short_session = run(small("daily", base_seed(), "baseline", {"duration_minutes=10"}));
  ASSERT_FALSE(short_session);
  EXPECT_EQ(short_session.error().field, "param.duration_minutes");
}

TEST(TwinKpis, RegionalOutageRaisesFulfilmentP95InThatRegion) {
  const size_t east = 1;
  ASSERT_STREQ(region_names()[east], "east");
  double outage_east = 0, base_east = 0, outage_west = 0, base_west = 0;
  for (uint64_t s = 0; s < 3; ++s) {
    auto outage = run(small("regional-outage", base_seed() + s, "baseline"));
    auto base = run(small("daily", base_seed() + s, "baseline"));
    ASSERT_TRUE(outage && base);
    outage_east += outage->kpis.fulfilment_hours_p95_by_region[east];
    base_east += base->kpis.fulfilment_hours_p95_by_region[east];
    outage_west += outage->kpis.fulfilment_hours_p95_by_region[3];
    base_west += base->kpis.fulfilment_hours_p95_by_region[3];
  }
  EXPECT_GT(outage_east, base_east);
  // The outage is regional: east moves more than west, which ships from its own DC.
  EXPECT_GT(outage_east - base_east, outage_west - base_west);
}

TEST(TwinCompare, ParsesSeedRangesAndRejectsBadOnes) {
  auto range = parse_seed_range("1..20");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 1u);
  EXPECT_EQ(range->count(), 20u);
  for (const char* bad : {"5..1", "x..3", "1..", "..3", "7", "1..1001", "3..3", "-1..4", "1...4"}) {
    auto parsed = parse_seed_range(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(parsed.error().field, "seeds") << bad;
  }
  EXPECT_TRUE(parse_seed_range("1..1000"));
}

TEST(TwinCompare, StudentTQuantilesMatchTheTableAndApproachTheNormal) {
  EXPECT_NEAR(t_quantile_975(1), 12.706, 1e-3);
  EXPECT_NEAR(t_quantile_975(19), 2.093, 1e-3);
  EXPECT_NEAR(t_quantile_975(40), 2.021, 1e-3);
  EXPECT_NEAR(t_quantile_975(120), 1.980, 1e-3);
  EXPECT_NEAR(t_quantile_975(100000), 1.960, 1e-3);
  for (uint64_t df = 1; df < 999; ++df) EXPECT_GT(t_quantile_975(df), t_quantile_975(df + 1));
}

TEST(TwinCompare, PairsSeedsSoSharedDemandHasNoSpread) {
  auto scenario = small("daily", 1, "baseline").scenario;
  const SeedRange seeds{base_seed(), base_seed() + 2};
  uint64_t progress = 0;
  auto c = compare_policies(scenario, "baseline", "pre-position", seeds,
                            [&](uint64_t done) { progress = done; });
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(progress, 3u);
  for (const auto& k : c->kpis) {
    EXPECT_LE(k.ci_low, k.mean_diff) << k.name;
    EXPECT_GE(k.ci_high, k.mean_diff) << k.name;
    if (k.name == "orders" || k.name == "units_demanded") {
      EXPECT_EQ(k.mean_diff, 0) << k.name;
      EXPECT_EQ(k.ci_low, k.ci_high) << k.name;
    }
  }
  auto same = compare_policies(scenario, "baseline", "baseline", seeds, {});
  ASSERT_TRUE(same);
  for (const auto& k : same->kpis) EXPECT_EQ(k.mean_diff, 0) << k.name;
  auto unknown = compare_policies(scenario, "baseline", "nope", seeds, {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "policy");
}

TEST(TwinEventQueue, PopsInTimeThenPushOrderLikeAHeap) {
  struct E {
    TimeMs time_ms = 0;
    uint64_t seq = 0;
    int tag = 0;
  };
  Rng rng(base_seed(), 99);
  EventQueue<E> queue;
  using Key = std::pair<TimeMs, int>;
  std::priority_queue<Key, std::vector<Key>, std::greater<>> reference;
  TimeMs now_ms = 0;
  int tag = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 50; ++i) {
      // Mostly within minutes, sometimes days ahead, sometimes the same millisecond.
      const TimeMs ahead = rng.chance(0.1) ? static_cast<TimeMs>(rng.below(3 * 86'400'000))
                                           : static_cast<TimeMs>(rng.below(900'000));
      queue.push(E{now_ms + ahead, 0, tag});
      reference.push({now_ms + ahead, tag++});
    }
    now_ms += 60'000;
    E e;
    while (queue.pop_before(now_ms, e)) {
      ASSERT_FALSE(reference.empty());
      EXPECT_EQ(e.time_ms, reference.top().first);
      EXPECT_EQ(e.tag, reference.top().second);
      reference.pop();
    }
    ASSERT_TRUE(reference.empty() || reference.top().first >= now_ms);
  }
  E e;
  while (queue.pop_before(INT64_MAX, e)) {
    EXPECT_EQ(e.tag, reference.top().second);
    reference.pop();
  }
  EXPECT_TRUE(reference.empty());
  EXPECT_TRUE(queue.empty());
}

// The demo's transport without a database: an in-process Engine, one command at a time.
class MemoryTransport final : public CommandTransport {
 public:
  Result<std::vector<Result<engine::Reply>>> send(std::vector<engine::Command>&& commands,
                                                  TimeMs now_ms) override {
    std::vector<Result<engine::Reply>> replies;
    for (const auto& command : commands) {
      replies.push_back(
          engine_.execute(command, std::max(now_ms, engine_.state().now_ms()), batch_));
      batch_.clear();
    }
    ++rounds;
    return replies;
  }
  Result<std::vector<int64_t>> available_units(
      const std::vector<std::string>& gtins,
      const std::vector<std::string>& location_ids) override {
    std::vector<int64_t> out;
    for (const auto& gtin : gtins) {
      for (const auto& id : location_ids) {
        const auto sku = engine_.state().find_sku(gtin);
        const auto location = engine_.state().find_location(id);
        out.push_back(sku && location
                          ? engine_.state().balance_or_zero(*sku, *location).available_units()
                          : 0);
      }
    }
    return out;
  }
  Result<TimeMs> engine_now_ms() override { return engine_.state().now_ms(); }
  void close() override { closed = true; }

  engine::Engine engine_;
  journal::BatchBuilder batch_;
  uint64_t rounds = 0;
  bool closed = false;
};

DemoOptions quick_demo() {
  DemoOptions options;
  options.seed = base_seed();
  options.speed = 100'000;  // no pacing to speak of
  options.scale = 0.005;
  options.minutes_max = 25;
  return options;
}

TEST(TwinDemo, PlaysMinutesThroughTheTransportWithoutSurprises) {
  MemoryTransport transport;
  std::atomic<bool> stop{false};
  std::vector<DemoFrame> frames;
  auto result = run_demo(
      quick_demo(), transport, [&](const DemoFrame& f) { frames.push_back(f); }, stop);
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_FALSE(result->interrupted);
  EXPECT_TRUE(transport.closed);
  ASSERT_EQ(frames.size(), 25u);
  EXPECT_EQ(frames.back().minute, 25u);
  const DemoFrame& last = result->last;
  EXPECT_GT(last.orders, 0u);
  EXPECT_EQ(last.unexpected_replies, 0u);
  EXPECT_GE(last.fill_rate, 0.0);
  EXPECT_LE(last.fill_rate, 1.0);
  EXPECT_EQ(last.top_skus.size(), 5u);
  // Every payment that was due was sent: the engine sold what the demo counted.
  EXPECT_EQ(engine_sold_units(transport.engine_.state()), last.units_sold);
  EXPECT_NE(render_frame(last, true).find("top SKUs"), std::string::npos);
  const std::string line = render_frame(last, false);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_NE(line.find("fill="), std::string::npos);
}

// The demo's default policy, `planned`, answers each minute's orders with transfers and
// production orders; every reply is still predicted and the engine sold what it counted.
TEST(TwinDemo, PlannedPolicyReactsWithoutSurprisesAndBaselineStillPlays) {
  EXPECT_EQ(DemoOptions{}.policy, "planned");
  for (const char* policy : {"planned", "baseline"}) {
    MemoryTransport transport;
    std::atomic<bool> stop{false};
    auto options = quick_demo();
    options.policy = policy;
    options.minutes_max = 40;
    auto result = run_demo(options, transport, {}, stop);
    ASSERT_TRUE(result) << policy << ": " << result.error().to_string();
    EXPECT_EQ(result->last.unexpected_replies, 0u) << policy;
    EXPECT_EQ(engine_sold_units(transport.engine_.state()), result->last.units_sold) << policy;
  }
}

TEST(TwinDemo, StopsCleanlyWhenAskedAndRejectsBadOptions) {
  MemoryTransport transport;
  std::atomic<bool> stop{false};
  uint32_t frames = 0;
  auto options = quick_demo();
  options.minutes_max = 0;
  auto result = run_demo(
      options, transport,
      [&](const DemoFrame&) {
        if (++frames == 3) stop.store(true);
      },
      stop);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->interrupted);
  EXPECT_EQ(result->last.minute, 3u);
  EXPECT_TRUE(transport.closed);
  for (auto bad : {std::pair{"speed", 0.0}, std::pair{"scale", 2.0}}) {
    auto o = quick_demo();
    (bad.first == std::string("speed") ? o.speed : o.scale) = bad.second;
    auto r = run_demo(o, transport, {}, stop);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, bad.first);
  }
  auto o = quick_demo();
  o.policy = "nope";
  auto r = run_demo(o, transport, {}, stop);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "policy");
}

TEST(TwinDemo, WritesADurableJournalThroughTheSequencer) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("twin_demo_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string db = (dir / "sub" / "demo.db").string();
  DemoResult first;
  for (int pass = 0; pass < 2; ++pass) {  // the second pass reopens the same database
    auto transport = open_sequencer_transport(db);
    ASSERT_TRUE(transport) << transport.error().to_string();
    std::atomic<bool> stop{false};
    auto options = quick_demo();
    options.minutes_max = 10;
    auto result = run_demo(options, **transport, {}, stop);
    ASSERT_TRUE(result) << result.error().to_string();
    EXPECT_EQ(result->last.unexpected_replies, 0u);
    if (pass == 0) first = *result;
  }
  auto reader = engine::Ledger::open_reader(db);
  ASSERT_TRUE(reader) << reader.error().to_string();
  const int64_t sold_units = engine_sold_units((*reader)->engine().state());
  // Same seed twice: the second run sells what the first did, a day later.
  EXPECT_EQ(sold_units, 2 * first.last.units_sold);
  EXPECT_GT(sold_units, 0);
  reader->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace livechain::twin
