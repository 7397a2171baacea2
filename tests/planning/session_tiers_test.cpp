// Session-tier stocking (issue 18 §2): each tier's numbers worked out by hand from the
// spec's defaults (§3), the location split, validation naming the field, and the
// decision records journaled through a real Ledger and read back after reopening.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include "core/gtin.hpp"
#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "planning/planning.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

namespace livechain::planning {
namespace {

namespace json = boost::json;

constexpr TimeMs kStartMs = 1'800'000'000'000;  // the session's start
constexpr TimeMs kHourMs = 3'600'000;
constexpr TimeMs kDayMs = 24 * kHourMs;
const std::string kGtinA = "06901234567892";
const std::string kGtinB = "04006381333931";

SessionSpec spec_of(SessionTier tier, SessionSku sku) {
  return SessionSpec{"s1", kStartMs, 180, tier, "live-1", "streamer-1", {std::move(sku)}};
}

SkuPlan plan_one(const SessionSpec& spec, TimeMs now_ms, std::vector<LocationStock> stock = {},
                 const TierConfig& config = {}) {
  EXPECT_TRUE(validate_session_spec(spec).has_value());
  return plan_session(spec, config, {std::move(stock)}, now_ms).skus.at(0);
}

TEST(SessionTiers, DailyCoversSevenDaysAtP50PlusSafetyStock) {
  SessionSku sku{kGtinA, 40, 52, 1000, SupplierTier::elastic, std::nullopt};
  SkuPlan plan = plan_one(spec_of(SessionTier::daily, sku), kStartMs - 10 * kDayMs);
  // 7 × 40 = 280; safety (52 − 40)·√7 = 31.75 → 32; target 312.
  EXPECT_EQ(plan.demand_basis, "p50_plus_safety");
  EXPECT_DOUBLE_EQ(plan.demand_units, 280.0);
  EXPECT_EQ(plan.safety_units, 32);
  EXPECT_EQ(plan.target_units, 312);
  EXPECT_EQ(plan.locked_units, 0);
  EXPECT_EQ(plan.flexible_units, 312);
  EXPECT_EQ(plan.sudden_reserve_units, 100);  // 10% of 1000
  EXPECT_EQ(plan.emergency_reserve_units, 0);
  EXPECT_EQ(plan.shortfall_units, 0);
  EXPECT_EQ(plan.order_by_ms, kStartMs - 2 * kDayMs);  // elastic: 2 days
  EXPECT_FALSE(plan.order_by_passed);
}

TEST(SessionTiers, ThemedLocksThirtyPercentForPresaleAndPlansToP90) {
  SessionSku sku{kGtinA, 300, 500, 1000, SupplierTier::close, std::nullopt};
  SkuPlan plan = plan_one(spec_of(SessionTier::themed, sku), kStartMs - 40 * kDayMs);
  EXPECT_EQ(plan.demand_basis, "p90");
  EXPECT_EQ(plan.target_units, 500);
  EXPECT_EQ(plan.locked_units, 300);    // 30% of 1000
  EXPECT_EQ(plan.flexible_units, 200);  // 500 − 300
  EXPECT_EQ(plan.sudden_reserve_units, 100);
  EXPECT_EQ(plan.order_by_ms, kStartMs - 30 * kDayMs);  // close: 30 days
}

TEST(SessionTiers, ThemedReplansFromAddToCartOnlyInsideTheWindow) {
  SessionSku sku{kGtinA, 300, 500, 1000, SupplierTier::close, AddToCartSignal{2000, 0.35}};
  SessionSpec spec = spec_of(SessionTier::themed, sku);
  SkuPlan inside = plan_one(spec, kStartMs - 47 * kHourMs);
  EXPECT_EQ(inside.demand_basis, "add_to_cart");
  EXPECT_DOUBLE_EQ(inside.demand_units, 700.0);  // 2000 × 0.35
  EXPECT_EQ(inside.target_units, 700);
  EXPECT_EQ(inside.flexible_units, 400);
  EXPECT_TRUE(inside.order_by_passed) << "30 days' preparation cannot start 47 h before";
  SkuPlan outside = plan_one(spec, kStartMs - 72 * kHourMs);
  EXPECT_EQ(outside.demand_basis, "p90");
  EXPECT_EQ(outside.target_units, 500);
}

TEST(SessionTiers, MegaLocksHalfKeepsAFifthInReserveAndReportsTheShortfall) {
  SessionSku sku{kGtinA, 600, 900, 1000, SupplierTier::core, std::nullopt};
  SkuPlan plan = plan_one(spec_of(SessionTier::mega, sku), kStartMs - 90 * kDayMs);
  // usable = 1000 − 100 sudden − 200 emergency = 700 < P90 900.
  EXPECT_EQ(plan.locked_units, 500);
  EXPECT_EQ(plan.emergency_reserve_units, 200);
  EXPECT_EQ(plan.sudden_reserve_units, 100);
  EXPECT_EQ(plan.target_units, 700);
  EXPECT_EQ(plan.shortfall_units, 200);
  EXPECT_EQ(plan.flexible_units, 200);
  EXPECT_EQ(plan.order_by_ms, kStartMs - 60 * kDayMs);  // core: 60 days
  bool says_reserve_covers = false;
  for (const std::string& reason : plan.why) {
    if (reason.find("emergency reserve covers 200") != std::string::npos)
      says_reserve_covers = true;
  }
  EXPECT_TRUE(says_reserve_covers);
}

TEST(SessionTiers, ABrandsConfigChangesTheNumbers) {
  TierConfig config;
  config.mega_locked_share = 0.6;
  config.mega_emergency_reserve_share = 0.1;
  config.sudden_order_reserve_share = 0.05;
  ASSERT_TRUE(validate_tier_config(config).has_value());
  SessionSku sku{kGtinA, 600, 900, 1000, SupplierTier::core, std::nullopt};
  SkuPlan plan = plan_one(spec_of(SessionTier::mega, sku), kStartMs - 90 * kDayMs, {}, config);
  EXPECT_EQ(plan.locked_units, 600);
  EXPECT_EQ(plan.emergency_reserve_units, 100);
  EXPECT_EQ(plan.sudden_reserve_units, 50);
  EXPECT_EQ(plan.target_units, 850);  // usable 850 < 900
  EXPECT_EQ(plan.shortfall_units, 50);
}

TEST(SessionTiers, TargetSplitsBySoldThenAvailableThenEvenly) {
  SessionSku sku{kGtinA, 40, 52, 1000, SupplierTier::elastic, std::nullopt};
  SessionSpec spec = spec_of(SessionTier::daily, sku);
  SkuPlan by_sold =
      plan_one(spec, kStartMs, {{"dc-1", 10, 30}, {"store-1", 200, 10}, {"store-2", 0, 0}});
  ASSERT_EQ(by_sold.locations.size(), 3u);
  EXPECT_EQ(by_sold.locations[0].target_units, 234);  // 312 × 30/40
  EXPECT_EQ(by_sold.locations[1].target_units, 78);   // 312 × 10/40
  EXPECT_EQ(by_sold.locations[2].target_units, 0);
  EXPECT_EQ(by_sold.locations[0].gap_units, 224);
  EXPECT_EQ(by_sold.locations[1].gap_units, 0) << "holds more than its share";
  SkuPlan by_available = plan_one(spec, kStartMs, {{"dc-1", 300, 0}, {"store-1", 100, 0}});
  EXPECT_EQ(by_available.locations[0].target_units, 234);
  EXPECT_EQ(by_available.locations[1].target_units, 78);
  SkuPlan even = plan_one(spec, kStartMs, {{"dc-1", 0, 0}, {"store-1", 0, 0}});
  EXPECT_EQ(even.locations[0].target_units, 156);
  EXPECT_EQ(even.locations[1].target_units, 156);
}

TEST(SessionTiers, SplitByWeightAddsUpForRandomWeights) {
  std::mt19937_64 random(test_support::test_seed(20261207));
  EXPECT_EQ(split_by_weight(10, {1, 1, 1}), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(split_by_weight(5, {0, 0}), (std::vector<int64_t>{3, 2}));
  for (int round = 0; round < 1000; ++round) {
    int64_t total = static_cast<int64_t>(random() % 100'000);
    std::vector<double> weights(1 + random() % 20);
    for (double& w : weights) w = static_cast<double>(random() % 50);
    std::vector<int64_t> parts = split_by_weight(total, weights);
    ASSERT_EQ(std::accumulate(parts.begin(), parts.end(), int64_t{0}), total);
    double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
    for (size_t i = 0; i < parts.size(); ++i) {
      double exact = sum > 0 ? total * weights[i] / sum : double(total) / weights.size();
      ASSERT_LT(std::abs(parts[i] - exact), 1.0) << "round " << round;
    }
  }
}

TEST(SessionTiers, BadSpecsAndConfigsNameTheField) {
  SessionSku good{kGtinA, 300, 500, 1000, SupplierTier::close, std::nullopt};
  auto field_of = [](const SessionSpec& spec) {
    auto valid = validate_session_spec(spec);
    return valid ? std::string("(valid)") : valid.error().field;
  };
  SessionSpec spec = spec_of(SessionTier::themed, good);
  spec.skus[0].p90_units = 200;
  EXPECT_EQ(field_of(spec), "skus[0].p90_units");
  spec = spec_of(SessionTier::themed, good);
  spec.skus.push_back(good);
  EXPECT_EQ(field_of(spec), "skus[1].gtin");
  spec = spec_of(SessionTier::themed, good);
  spec.skus[0].gtin = "06901234567893";  // wrong check digit
  EXPECT_EQ(field_of(spec), "skus[0].gtin");
  spec = spec_of(SessionTier::themed, good);
  spec.duration_min = 0;
  EXPECT_EQ(field_of(spec), "duration_min");
  spec = spec_of(SessionTier::themed, good);
  spec.skus[0].add_to_cart = AddToCartSignal{10, 1.5};
  EXPECT_EQ(field_of(spec), "skus[0].add_to_cart.conversion");
  spec = spec_of(SessionTier::themed, good);
  spec.skus[0].capacity_units = -1;
  EXPECT_EQ(field_of(spec), "skus[0].capacity_units");
  spec = spec_of(SessionTier::themed, good);
  spec.skus.clear();
  EXPECT_EQ(field_of(spec), "skus");
  for (size_t i = 0; i <= kSessionSkusMax; ++i) {
    SessionSku sku = good;
    std::string body = fmt::format("{:013}", 1000 + i);
    sku.gtin = body + std::to_string(gtin_check_digit(body));
    spec.skus.push_back(sku);
  }
  auto too_many = validate_session_spec(spec);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(too_many.error().field, "skus");

  TierConfig config;
  config.mega_locked_share = 0.8;  // 0.8 + 0.2 + 0.1 > 1
  EXPECT_EQ(validate_tier_config(config).error().field, "tiers.mega_locked_share");
  auto unknown = tier_config_from_json(json::parse(R"({"mega_lock": 0.5})"), TierConfig{});
  EXPECT_EQ(unknown.error().field, "tiers.mega_lock");
  auto not_number = tier_config_from_json(json::parse(R"({"mega_locked_share": "half"})"), {});
  EXPECT_EQ(not_number.error().field, "tiers.mega_locked_share");
  auto out_of_range = tier_config_from_json(json::parse(R"({"daily_safety_days": -1})"), {});
  EXPECT_EQ(out_of_range.error().field, "tiers.daily_safety_days");
  auto round_trip = tier_config_from_json(tier_config_json(TierConfig{}), TierConfig{});
  ASSERT_TRUE(round_trip.has_value());
  EXPECT_EQ(*round_trip, TierConfig{});
}

// A ledger with SKU A at a factory (not a selling location), a DC and a store, and one
// sale from the DC so the split goes by units sold.
void seed_catalog(engine::Ledger& ledger) {
  using namespace engine;
  std::vector<Command> commands = {
      PutSku{kGtinA, "Jacket"},
      PutSku{kGtinB, "Scarf"},
      PutLocation{"factory-1", LocationKind::factory, "east"},
      PutLocation{"dc-1", LocationKind::dc, "east"},
      PutLocation{"store-1", LocationKind::store, "east"},
      PutChannel{"live-1", ChannelKind::live_room},
      ReceiveStock{kGtinA, "factory-1", 5000},
      ReceiveStock{kGtinA, "dc-1", 100},
      ReceiveStock{kGtinA, "store-1", 50},
  };
  for (const Command& c : commands) ASSERT_TRUE(ledger.execute(c).has_value());
  Reserve order;
  order.order_id = "o-1";
  order.channel_id = "live-1";
  order.lines = {LineRequest{kGtinA, 30, std::string("dc-1")}};
  auto reserved = ledger.execute(order);
  ASSERT_TRUE(reserved.has_value()) << reserved.error().to_string();
  uint64_t id = std::get<ReservationView>(*reserved).reservation_id;
  ASSERT_TRUE(ledger.execute(Commit{id, {}}).has_value());
}

TEST(SessionRecords, DecisionsAreJournaledWithInputsAndSurviveReopen) {
  test_support::TempDir dir;
  std::string db = dir.file("plan.db");
  ASSERT_TRUE(engine::Ledger::init(db).has_value());
  ManualClock clock(kStartMs - 10 * kDayMs);
  SessionSpec spec{"autumn-1",
                   kStartMs,
                   180,
                   SessionTier::themed,
                   "live-1",
                   "anna",
                   {{kGtinA, 300, 500, 1000, SupplierTier::close, std::nullopt},
                    {kGtinB, 10, 20, 100, SupplierTier::elastic, std::nullopt}}};
  {
    auto ledger = engine::Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    seed_catalog(**ledger);
    auto decision = decide_session((*ledger)->engine().state(), spec, TierConfig{}, clock.now_ms(),
                                   "planner-key");
    ASSERT_TRUE(decision.has_value()) << decision.error().to_string();
    EXPECT_FALSE(decision->replanned);
    ASSERT_EQ(decision->commands.size(), 3u);  // the session and two decisions
    for (const engine::Command& c : decision->commands) {
      ASSERT_TRUE((*ledger)->execute(c).has_value());
    }
  }
  auto ledger = engine::Ledger::open(db, clock);
  ASSERT_TRUE(ledger.has_value());
  const engine::LedgerState& state = (*ledger)->engine().state();
  auto stored = find_session(state, "autumn-1");
  ASSERT_TRUE(stored.has_value() && stored->has_value());
  EXPECT_EQ((*stored)->spec.skus.size(), 2u);
  EXPECT_EQ((*stored)->planned_by, "planner-key");
  EXPECT_EQ(session_json(**stored).at("starts_at").as_string(), format_rfc3339_ms(kStartMs));

  auto view = session_plan_view(state, **stored);
  ASSERT_TRUE(view.has_value()) << view.error().to_string();
  const json::object& a = view->at("skus").as_array()[0].as_object();
  EXPECT_EQ(a.at("target_units").as_int64(), 500);
  const json::array& locations = a.at("locations").as_array();
  ASSERT_EQ(locations.size(), 2u) << "the factory is not a selling location";
  EXPECT_EQ(locations[0].at("location").as_string(), "dc-1");
  EXPECT_EQ(locations[0].at("target_units").as_int64(), 500) << "all 30 sold came from dc-1";
  EXPECT_EQ(locations[0].at("available_units").as_int64(), 70);
  EXPECT_EQ(locations[0].at("gap_units").as_int64(), 430);

  // The decision record says who, when, from which inputs.
  const std::string& body =
      state.rule_states().at({engine::RuleStateKind::plan_decision, "autumn-1/" + kGtinA});
  json::object decision = json::parse(body).as_object();
  EXPECT_EQ(decision.at("decided_by").as_string(), "planner-key");
  EXPECT_EQ(decision.at("decided_at_ms").as_int64(), kStartMs - 10 * kDayMs);
  EXPECT_EQ(decision.at("inputs").at("p90_units").as_double(), 500.0);
  EXPECT_EQ(decision.at("inputs").at("locations").as_array()[0].at("sold_units").as_int64(), 30);

  // Re-plan without SKU B: its decision is removed; the session says replanned.
  SessionSpec narrower = spec;
  narrower.skus.pop_back();
  auto replan = decide_session(state, narrower, TierConfig{}, clock.now_ms(), "planner-key");
  ASSERT_TRUE(replan.has_value());
  EXPECT_TRUE(replan->replanned);
  for (const engine::Command& c : replan->commands) ASSERT_TRUE((*ledger)->execute(c).has_value());
  EXPECT_FALSE((*ledger)->engine().state().rule_states().contains(
      {engine::RuleStateKind::plan_decision, "autumn-1/" + kGtinB}));
}

TEST(SessionRecords, UnknownChannelOrSkuIsNotFoundNamingTheField) {
  test_support::TempDir dir;
  std::string db = dir.file("plan.db");
  ASSERT_TRUE(engine::Ledger::init(db).has_value());
  ManualClock clock(kStartMs - kDayMs);
  auto ledger = engine::Ledger::open(db, clock);
  ASSERT_TRUE(ledger.has_value());
  seed_catalog(**ledger);
  SessionSpec spec{"s", kStartMs, 60, SessionTier::daily, "nope", "", {}};
  spec.skus.push_back({kGtinA, 1, 2, 10, SupplierTier::close, std::nullopt});
  auto no_channel = decide_session((*ledger)->engine().state(), spec, {}, clock.now_ms(), "k");
  ASSERT_FALSE(no_channel.has_value());
  EXPECT_EQ(no_channel.error().code, ErrorCode::not_found);
  EXPECT_EQ(no_channel.error().field, "channel");
  spec.channel = "live-1";
  spec.skus.push_back({"05901234123457", 1, 2, 10, SupplierTier::close, std::nullopt});
  auto no_sku = decide_session((*ledger)->engine().state(), spec, {}, clock.now_ms(), "k");
  ASSERT_FALSE(no_sku.has_value());
  EXPECT_EQ(no_sku.error().field, "skus[1].gtin");
}

}  // namespace
}  // namespace livechain::planning
