// Rule state of issue 11 §2/§3 (alerts/rules.hpp): carrier failover at its threshold,
// the red turnover rule, the forecast safety alerts, and every piece of state going
// through its PutRuleState record and back (what a restart does) unchanged.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "alerts/alerts.hpp"

namespace livechain::alerts {
namespace {

namespace json = boost::json;

std::vector<engine::RaiseAlert> raises(const RuleChange& change) {
  std::vector<engine::RaiseAlert> out;
  for (const auto& c : change.commands) {
    if (const auto* r = std::get_if<engine::RaiseAlert>(&c)) out.push_back(*r);
  }
  return out;
}
const engine::PutRuleState* record_of(const RuleChange& change, engine::RuleStateKind kind) {
  for (const auto& c : change.commands) {
    if (const auto* p = std::get_if<engine::PutRuleState>(&c); p && p->kind == kind) return p;
  }
  return nullptr;
}

TEST(LaneMonitor, SwitchesAboveTheThresholdOnlyOnceTheWindowHoldsEnoughScans) {
  RuleOptions options;
  options.lane_scans_min = 10;
  LaneMonitor lanes{options};
  ASSERT_TRUE(lanes.set_carriers("l", {"a", "b"}, 0).has_value());
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(lanes.create_shipment("s" + std::to_string(i), "l", std::nullopt, 0).has_value());
  }
  // 2 exceptions first: 100% delayed, but below the minimum volume: no switch.
  for (int i = 0; i < 2; ++i) {
    auto r = lanes.scan("s" + std::to_string(i), "exception", 1'000 + i);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(raises(*r).empty());
  }
  for (int i = 2; i < 9; ++i) ASSERT_TRUE(lanes.scan("s" + std::to_string(i), "in_transit", 2'000));
  // 10th scan on time: 2/10 = 20% > 10% → switch to b.
  auto r = lanes.scan("s9", "delivered", 3'000);
  ASSERT_TRUE(r.has_value());
  auto alerts = raises(*r);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "carrier_failover");
  EXPECT_EQ(json::parse(alerts[0].action_json).at("to"), "b");
  EXPECT_EQ(lanes.lane_view("l", 3'000)->at("active_carrier"), "b");
  // The lane record precedes the alert in the commands.
  ASSERT_TRUE(std::holds_alternative<engine::PutRuleState>(r->commands[1]));
  EXPECT_TRUE(std::holds_alternative<engine::RaiseAlert>(r->commands[2]));
  // A delivered shipment is removed from the state (empty body).
  EXPECT_TRUE(record_of(*r, engine::RuleStateKind::shipment)->body_json.empty());
  EXPECT_FALSE(lanes.shipment_view("s9").has_value());
}

TEST(LaneMonitor, OldScansLeaveTheWindow) {
  RuleOptions options;
  options.lane_scans_min = 2;
  options.lane_window_ms = 10'000;
  LaneMonitor lanes{options};
  ASSERT_TRUE(lanes.set_carriers("l", {"a", "b"}, 0));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(lanes.create_shipment(std::to_string(i), "l", 5'000, 0));
  ASSERT_TRUE(lanes.scan("0", "in_transit", 9'000));  // after the promise: delayed
  // 11 s later the delayed scan is out of the window: 0 of 2 delayed.
  ASSERT_TRUE(lanes.scan("1", "picked_up", 1'000));
  auto r = lanes.scan("2", "picked_up", 1'000);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->view.at("lane").at("active_carrier"), "b") << "1 of 3 delayed (33%) switches";
  LaneMonitor later{options};
  ASSERT_TRUE(later.set_carriers("l", {"a", "b"}, 0));
  ASSERT_TRUE(later.create_shipment("0", "l", 5'000, 0));
  for (int i = 1; i < 3; ++i) {
    ASSERT_TRUE(later.create_shipment(std::to_string(i), "l", std::nullopt, 0));
  }
  ASSERT_TRUE(later.scan("0", "in_transit", 9'000));
  ASSERT_TRUE(later.scan("1", "picked_up", 20'000));
  r = later.scan("2", "picked_up", 20'001);
  EXPECT_EQ(r->view.at("lane").at("active_carrier"), "a") << "the delayed scan left the window";
  EXPECT_EQ(r->view.at("lane").at("scans_in_window"), 2);
}

TEST(LaneMonitor, RecordsRestoreTheSameState) {
  RuleOptions options;
  options.lane_scans_min = 3;
  LaneMonitor lanes{options};
  auto set = lanes.set_carriers("l", {"a", "b", "c"}, 0);
  std::vector<engine::PutRuleState> records;
  auto keep = [&](const RuleChange& change) {
    for (const auto& c : change.commands) {
      if (const auto* p = std::get_if<engine::PutRuleState>(&c)) records.push_back(*p);
    }
  };
  keep(*set);
  for (int i = 0; i < 5; ++i) keep(*lanes.create_shipment("s" + std::to_string(i), "l", 100, 0));
  for (int i = 0; i < 3; ++i) keep(*lanes.scan("s" + std::to_string(i), "exception", 50));
  EXPECT_EQ(lanes.lane_view("l", 60)->at("active_carrier"), "b");
  LaneMonitor restored{options};
  std::map<std::pair<engine::RuleStateKind, std::string>, std::string> latest;
  for (const auto& r : records) latest[{r.kind, r.key}] = r.body_json;
  for (const auto& [key, body] : latest) {
    if (body.empty()) continue;
    auto ok = key.first == engine::RuleStateKind::lane
                  ? restored.restore_lane(key.second, body)
                  : restored.restore_shipment(key.second, body);
    ASSERT_TRUE(ok.has_value()) << ok.error().to_string();
  }
  EXPECT_EQ(json::serialize(*restored.lane_view("l", 60)),
            json::serialize(*lanes.lane_view("l", 60)));
  EXPECT_EQ(json::serialize(*restored.shipment_view("s4")),
            json::serialize(*lanes.shipment_view("s4")));
  EXPECT_FALSE(restored.restore_lane("x", "{\"carriers\": []}").has_value());
}

TEST(LaneMonitor, BadCarrierListsNameTheField) {
  LaneMonitor lanes{RuleOptions{}};
  EXPECT_EQ(lanes.set_carriers("l", {}, 0).error().field, "carriers");
  EXPECT_EQ(lanes.set_carriers("l", {"a", "b", "a"}, 0).error().field, "carriers[2]");
  EXPECT_EQ(lanes.create_shipment("s", "none", std::nullopt, 0).error().field, "lane");
  EXPECT_EQ(lanes.scan("none", "delivered", 0).error().code, ErrorCode::not_found);
}

TEST(TurnoverRules, RedAtTwentyPercentBelowTheTrailingAverage) {
  TurnoverRules rules{RuleOptions{}};
  auto sample = [](int64_t sold, int64_t on_hand) {
    return std::vector<TurnoverSample>{{"06901234567892", "dc", sold, on_hand}};
  };
  EXPECT_TRUE(raises(rules.review(sample(0, 100), 1)).empty());   // opens the window
  EXPECT_TRUE(raises(rules.review(sample(10, 100), 2)).empty());  // 0.1, no benchmark yet
  // Exactly 20% below the trailing 0.1 (0.08 with on hand 100): red.
  auto change = rules.review(sample(18, 100), 3);
  auto alerts = raises(change);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, engine::AlertSeverity::red);
  EXPECT_EQ(json::parse(alerts[0].action_json).at("type"), "clearance_promotion");
  // Still low: not raised again; back above: resolved.
  EXPECT_TRUE(raises(rules.review(sample(20, 100), 4)).empty());
  auto back = rules.review(sample(60, 100), 5);
  bool resolved = false;
  for (const auto& c : back.commands) resolved |= std::holds_alternative<engine::ResolveAlert>(c);
  EXPECT_TRUE(resolved);
  // 21% below would be red; 19% below is not (fresh pair, benchmark 0.1).
  TurnoverRules fresh{RuleOptions{}};
  fresh.review(sample(0, 100), 1);
  fresh.review(sample(10, 100), 2);
  EXPECT_TRUE(raises(fresh.review(sample(18 + 1, 100), 3)).empty()) << "0.09 is 10% below";
}

TEST(TurnoverRules, RecordsRestoreTheSameWindows) {
  RuleOptions options;
  options.turnover_benchmarks["06901234567892"] = 1.0;
  TurnoverRules rules{options};
  std::vector<TurnoverSample> s{{"06901234567892", "dc", 0, 100}};
  auto opened = rules.review(s, 1);
  const auto* record = record_of(opened, engine::RuleStateKind::turnover);
  ASSERT_NE(record, nullptr);
  TurnoverRules restored{options};
  ASSERT_TRUE(restored.restore(record->key, record->body_json).has_value());
  s[0].sold_units = 10;
  auto a = rules.review(s, 2);
  auto b = restored.review(s, 2);
  ASSERT_EQ(raises(a).size(), 1u);
  EXPECT_EQ(raises(b).size(), 1u);
  EXPECT_EQ(raises(a)[0].evidence_json, raises(b)[0].evidence_json);
  EXPECT_FALSE(restored.restore("k", "{}").has_value());
}

TEST(ForecastSafetyRules, BreakerTripsAfterThreeBadSessionsAndSurvivesRestore) {
  ForecastSafetyRules safety;
  const std::string gtin = "06901234567892";
  std::vector<engine::PutRuleState> records;
  for (int i = 0; i < 2; ++i) {
    auto r = safety.record_outcome("s", gtin, 50, 100, std::nullopt);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(raises(*r).empty());
    records.push_back(*record_of(*r, engine::RuleStateKind::forecast_safety));
  }
  ForecastSafetyRules restored;
  ASSERT_TRUE(restored.restore(gtin, records.back().body_json).has_value());
  auto third = restored.record_outcome("s", gtin, 50, 100, std::nullopt);
  ASSERT_TRUE(third.has_value());
  auto alerts = raises(*third);
  ASSERT_EQ(alerts.size(), 1u) << "the two bad sessions before the restore count";
  EXPECT_EQ(alerts[0].kind, "forecast_circuit_breaker");
  EXPECT_EQ(alerts[0].severity, engine::AlertSeverity::red);
  EXPECT_EQ(third->view.at("next_model"), "conservative");
  EXPECT_EQ(safety.record_outcome("s", gtin, -1, 100, std::nullopt).error().field, "actual_units");
}

TEST(ForecastSafetyRules, ReviewUsesTheMedianOfRecentActualsWithoutABaseline) {
  ForecastSafetyRules safety;
  const std::string gtin = "06901234567892";
  EXPECT_FALSE(safety.review("s", gtin, 100, std::nullopt).has_value())
      << "no history, no baseline";
  for (double actual : {70.0, 75.0, 80.0}) {
    ASSERT_TRUE(safety.record_outcome("s", gtin, actual, actual, std::nullopt).has_value());
  }
  auto flagged = safety.review("s2", gtin, 100, std::nullopt);  // vs median 75: 33%
  ASSERT_TRUE(flagged.has_value());
  EXPECT_EQ(flagged->severity, engine::AlertSeverity::yellow);
  EXPECT_EQ(json::parse(flagged->evidence_json).at("baseline_units").to_number<double>(), 75);
  EXPECT_FALSE(safety.review("s2", gtin, 90, std::nullopt).has_value());  // 20%
  EXPECT_EQ(safety.review("s2", gtin, 120, std::nullopt)->severity, engine::AlertSeverity::orange);
}

TEST(RuleState, PlansAndWarehouseWindowsRoundTrip) {
  SignalRules rules{RuleOptions{}};
  rules.set_plan("s1", "06901234567892", 40, 7);
  engine::PutRuleState plan = rules.plan_record("s1", "06901234567892");
  EXPECT_EQ(plan.key, "s1/06901234567892");
  SignalRules restored{RuleOptions{}};
  ASSERT_TRUE(restored.restore_plan(plan.body_json).has_value());
  EXPECT_EQ(restored.nowcast_units("s1", "06901234567892"), 40.0);
  EXPECT_FALSE(restored.restore_plan("[]").has_value());

  WarehouseLevels levels{60'000, 100};
  std::optional<engine::Command> alert;
  levels.on_report({"wh", 1'000, 200, 10}, alert);  // 5%: level 2
  ASSERT_TRUE(alert.has_value());
  engine::PutRuleState record = levels.record("wh");
  WarehouseLevels back{60'000, 100};
  ASSERT_TRUE(back.restore("wh", record.body_json).has_value());
  WarehouseStatus status = back.on_report({"wh", 2'000, 1, 0}, alert);
  EXPECT_EQ(status.level, 2);
  EXPECT_EQ(status.operations, 201);
  EXPECT_FALSE(alert.has_value()) << "the level came back with the window";
  EXPECT_FALSE(back.restore("wh", R"({"level": 9, "reports": []})").has_value());
}

}  // namespace
}  // namespace livechain::alerts
