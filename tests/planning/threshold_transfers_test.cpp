// Threshold-triggered transfers (issue 18 §3) on a real Ledger: thresholds from a
// planned session worked out by hand, a sale that drops a store under its threshold
// triggers the exact transfer (nearest DC, not the far store), propose mode raises an
// alert carrying the moves, ship mode ships them and the in-transit units stop a second
// trigger; the serve config's "transfers" object names bad fields.
#include <gtest/gtest.h>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "planning/planning.hpp"
#include "support/temp_dir.hpp"

namespace livechain::planning {
namespace {

namespace json = boost::json;

constexpr TimeMs kNowMs = 1'800'000'000'000;
const std::string kGtin = "06901234567892";

class ThresholdTransfers : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("t.db");
    ASSERT_TRUE(engine::Ledger::init(db_).has_value());
    auto opened = engine::Ledger::open(db_, clock_);
    ASSERT_TRUE(opened.has_value());
    ledger_ = std::move(*opened);
    using namespace engine;
    for (const Command& c : std::vector<Command>{
             PutSku{kGtin, "Jacket"}, PutLocation{"dc-east", LocationKind::dc, "east"},
             PutLocation{"store-1", LocationKind::store, "east"},
             PutLocation{"store-2", LocationKind::store, "west"},
             PutRegionDistance{"east", "west", 600}, PutChannel{"live-1", ChannelKind::live_room},
             ReceiveStock{kGtin, "dc-east", 1000}, ReceiveStock{kGtin, "store-1", 50},
             ReceiveStock{kGtin, "store-2", 50}}) {
      ASSERT_TRUE(ledger_->execute(c).has_value());
    }
    // A themed session started 10 minutes ago, 60 minutes long, P90 550: the plan splits
    // its 550 units by what each location holds, 1000 : 50 : 50 → 500, 25, 25.
    SessionSpec spec{"live-now", kNowMs - 600'000, 60, SessionTier::themed, "live-1", "", {}};
    spec.skus.push_back({kGtin, 400, 550, 10'000, SupplierTier::close, std::nullopt});
    auto decision = decide_session(state(), spec, TierConfig{}, kNowMs, "planner");
    ASSERT_TRUE(decision.has_value()) << decision.error().to_string();
    for (const engine::Command& c : decision->commands) ASSERT_TRUE(ledger_->execute(c));
  }

  const engine::LedgerState& state() { return ledger_->engine().state(); }

  void sell_at_store_1(int64_t units) {
    engine::Reserve order;
    order.order_id = "o-" + std::to_string(++orders_);
    order.channel_id = "live-1";
    order.lines = {engine::LineRequest{kGtin, units, std::string("store-1")}};
    auto reserved = ledger_->execute(order);
    ASSERT_TRUE(reserved.has_value()) << reserved.error().to_string();
    uint64_t id = std::get<engine::ReservationView>(*reserved).reservation_id;
    ASSERT_TRUE(ledger_->execute(engine::Commit{id, {}}).has_value());
  }

  std::vector<TransferTrigger> triggers(const ThresholdTransferConfig& config) {
    auto thresholds = session_thresholds(state(), config, kNowMs);
    return find_transfer_triggers(state(), thresholds, config,
                                  [](const std::string&) { return false; });
  }

  test_support::TempDir dir_;
  std::string db_;
  ManualClock clock_{kNowMs};
  std::unique_ptr<engine::Ledger> ledger_;
  int orders_ = 0;
};

TEST_F(ThresholdTransfers, ThresholdsAreP90RateOverLeadTimeCappedByThePlan) {
  ThresholdTransferConfig config;
  std::vector<LocationThreshold> thresholds = session_thresholds(state(), config, kNowMs);
  ASSERT_EQ(thresholds.size(), 3u);
  // dc-east: 500 units/h; nearest other selling location store-1, same region: 10 km →
  // lead 2 + 10/60 h; 500 × 2.1667 > 500 planned → 500.
  EXPECT_EQ(thresholds[0].location_id, "dc-east");
  EXPECT_DOUBLE_EQ(thresholds[0].rate_units_per_h, 500.0);
  EXPECT_EQ(thresholds[0].threshold_units, 500);
  // store-2 (west): 25/h; nearest is 600 km away → 2 + 10 = 12 h → capped at 25.
  EXPECT_EQ(thresholds[2].location_id, "store-2");
  EXPECT_DOUBLE_EQ(thresholds[2].lead_time_h, 12.0);
  EXPECT_EQ(thresholds[2].threshold_units, 25);
  // A brand with a 0.1 h handling time and fast vans: store-1 → 25/h × (0.1 + 10/100).
  config.lanes.lead_time_h_base = 0.1;
  config.lanes.speed_kmh = 100;
  thresholds = session_thresholds(state(), config, kNowMs);
  EXPECT_EQ(thresholds[1].location_id, "store-1");
  EXPECT_EQ(thresholds[1].threshold_units, 5);  // ⌈25 × 0.2⌉
  // After the session ended nothing is watched.
  EXPECT_TRUE(session_thresholds(state(), config, kNowMs + 3'600'000).empty());
}

TEST_F(ThresholdTransfers, ASaleUnderTheThresholdTriggersTheNearestDcInProposeMode) {
  ThresholdTransferConfig config;
  EXPECT_TRUE(triggers(config).empty()) << "everyone at or above the threshold";
  sell_at_store_1(40);  // store-1: 10 left < 25
  std::vector<TransferTrigger> found = triggers(config);
  ASSERT_EQ(found.size(), 1u);
  const TransferTrigger& trigger = found[0];
  EXPECT_EQ(trigger.below, std::vector<std::string>{"store-1"});
  auto plan = solve_transfers(trigger.problem);
  ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
  ASSERT_EQ(plan->moves.size(), 1u);
  const TransferLane& lane = trigger.problem.lanes[plan->moves[0].lane];
  EXPECT_EQ(trigger.problem.sites[lane.from].id, "dc-east") << "10 km beats 600 km";
  EXPECT_EQ(trigger.problem.sites[lane.to].id, "store-1");
  EXPECT_EQ(plan->moves[0].qty_units, 15);
  EXPECT_EQ(plan->unmet_units, 0);

  auto commands = threshold_decision_commands(trigger, *plan, nearest_dc_baseline(trigger.problem),
                                              config, kNowMs, "threshold-watcher");
  ASSERT_EQ(commands.size(), 2u);  // the decision record and the proposal alert
  for (const engine::Command& c : commands) ASSERT_TRUE(ledger_->execute(c).has_value());
  const std::string& record =
      state().rule_states().at({engine::RuleStateKind::plan_decision, "transfers/" + kGtin});
  json::object decision = json::parse(record).as_object();
  EXPECT_EQ(decision.at("mode").as_string(), "propose");
  EXPECT_EQ(decision.at("result").at("moves").as_array().size(), 1u);
  const auto* alert = std::get_if<engine::RaiseAlert>(&commands[1]);
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(alert->kind, "transfer_proposed");
  EXPECT_NE(alert->action_json.find(R"(["dc-east","store-1",15])"), std::string::npos)
      << alert->action_json;
  EXPECT_EQ(state()
                .balance_or_zero(*state().find_sku(kGtin), *state().find_location("store-1"))
                .in_transit_units,
            0)
      << "propose ships nothing";
}

TEST_F(ThresholdTransfers, ShipModeShipsAndInTransitUnitsStopASecondTrigger) {
  ThresholdTransferConfig config;
  config.mode = TransferMode::ship;
  sell_at_store_1(40);
  std::vector<TransferTrigger> found = triggers(config);
  ASSERT_EQ(found.size(), 1u);
  auto plan = solve_transfers(found[0].problem);
  ASSERT_TRUE(plan.has_value());
  auto commands = threshold_decision_commands(
      found[0], *plan, nearest_dc_baseline(found[0].problem), config, kNowMs, "threshold-watcher");
  ASSERT_EQ(commands.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<engine::ShipTransfer>(commands[1]));
  for (const engine::Command& c : commands) ASSERT_TRUE(ledger_->execute(c).has_value());
  engine::Balance store =
      state().balance_or_zero(*state().find_sku(kGtin), *state().find_location("store-1"));
  EXPECT_EQ(store.in_transit_units, 15);
  EXPECT_TRUE(triggers(config).empty()) << "10 available + 15 in transit = the threshold";
}

TEST_F(ThresholdTransfers, AShipmentInTransitToASiteWithSpareIsReRouted) {
  ThresholdTransferConfig config;
  config.mode = TransferMode::ship;
  // 500 units on their way from dc-east to store-2 (west): the DC is left at its
  // threshold (no spare), store-2 will hold far more than its 25.
  ASSERT_TRUE(ledger_->execute(engine::ShipTransfer{kGtin, "dc-east", "store-2", 500}));
  EXPECT_TRUE(triggers(config).empty());
  sell_at_store_1(40);  // store-1: 10 left < 25
  std::vector<TransferTrigger> found = triggers(config);
  ASSERT_EQ(found.size(), 1u);
  const TransferTrigger& trigger = found[0];
  ASSERT_EQ(trigger.transfer_by_site.size(), 1u);
  const TransferSite& shipment = trigger.problem.sites[trigger.transfer_by_site.begin()->first];
  EXPECT_EQ(shipment.id, "transfer:1");
  EXPECT_EQ(shipment.kind, "in_transit");
  EXPECT_EQ(shipment.stock_units, 500) << "all of it is above store-2's 25";
  auto plan = solve_transfers(trigger.problem);
  ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
  ASSERT_EQ(plan->moves.size(), 1u);
  const TransferLane& lane = trigger.problem.lanes[plan->moves[0].lane];
  EXPECT_EQ(trigger.problem.sites[lane.from].id, "transfer:1")
      << "priced from dc-east (10 km), not store-2's 600 km";
  EXPECT_EQ(plan->moves[0].qty_units, 15);

  auto commands = threshold_decision_commands(trigger, *plan, nearest_dc_baseline(trigger.problem),
                                              config, kNowMs, "threshold-watcher");
  ASSERT_EQ(commands.size(), 2u);
  const auto* reroute = std::get_if<engine::RerouteTransfer>(&commands[1]);
  ASSERT_NE(reroute, nullptr);
  EXPECT_EQ(reroute->transfer_id, 1u);
  EXPECT_EQ(reroute->to_location_id, "store-1");
  EXPECT_EQ(reroute->qty_units, 15);
  for (const engine::Command& c : commands) ASSERT_TRUE(ledger_->execute(c).has_value());
  auto sku = *state().find_sku(kGtin);
  EXPECT_EQ(state().balance_or_zero(sku, *state().find_location("store-1")).in_transit_units, 15);
  EXPECT_EQ(state().balance_or_zero(sku, *state().find_location("store-2")).in_transit_units, 485);
  EXPECT_EQ(state().balance_or_zero(sku, *state().find_location("dc-east")).on_hand_units, 500)
      << "nothing new left the DC";
  EXPECT_EQ(state().in_transit_transfers(sku), (std::set<uint64_t>{1, 2}));
  EXPECT_TRUE(triggers(config).empty());
}

TEST(ThresholdConfig, TheServeConfigObjectNamesBadFields) {
  auto parse = [](std::string_view text) {
    return threshold_config_from_json(json::parse(text), ThresholdTransferConfig{});
  };
  auto good = parse(R"({"mode": "ship", "cooldown_ms": 5000, "lookahead_h": 2,
                        "weights": {"co2_kg": 3}, "lanes": {"speed_kmh": 80}})");
  ASSERT_TRUE(good.has_value()) << good.error().to_string();
  EXPECT_EQ(good->mode, TransferMode::ship);
  EXPECT_EQ(good->cooldown_ms, 5000);
  EXPECT_EQ(good->lookahead_ms, 7'200'000);
  EXPECT_EQ(good->weights.co2_kg, 3.0);
  EXPECT_EQ(good->lanes.speed_kmh, 80.0);
  EXPECT_EQ(parse(R"({"mode": "fly"})").error().field, "transfers.mode");
  EXPECT_EQ(parse(R"({"weights": {"fun": 1}})").error().field, "transfers.weights.fun");
  EXPECT_EQ(parse(R"({"lanes": {"speed_kmh": 0}})").error().field, "transfers.lanes.speed_kmh");
  EXPECT_EQ(parse(R"({"unmet_penalty": 0})").error().field, "transfers.unmet_penalty");
  EXPECT_EQ(parse(R"({"cooldown": 1})").error().field, "transfers.cooldown");
}

}  // namespace
}  // namespace livechain::planning
