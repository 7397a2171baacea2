// The graded-response rules (alerts/rules.hpp): thresholds at their documented
// defaults, crossing semantics, the nowcast moved by in-session comments, the actions
// proposed, the forecast-safety and turnover alerts, and option validation.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "alerts/alerts.hpp"

namespace livechain::alerts {
namespace {

namespace json = boost::json;

store::LiveSignal signal(std::string kind, int64_t at_ms, int64_t qty = 1, std::string text = "",
                         std::string gtin = "06901234567892") {
  store::LiveSignal s;
  s.kind = std::move(kind);
  s.session_id = "s1";
  s.gtin = std::move(gtin);
  s.at_ms = at_ms;
  s.quantity = qty;
  s.text = std::move(text);
  return s;
}

TEST(SignalRules, AddToCartAbove80PercentOfPeakRaisesYellowWithATransferPlan) {
  SignalRules rules{RuleOptions{}};
  rules.set_plan("s1", "06901234567892", 0, 100);  // peak 100 per minute; forecast off
  std::vector<engine::RaiseAlert> raised;
  for (int i = 0; i < 80; ++i) {  // exactly 80%: not above
    auto out = rules.on_signal(signal("add_to_cart", 1000 + i));
    raised.insert(raised.end(), out.begin(), out.end());
  }
  EXPECT_TRUE(raised.empty());
  raised = rules.on_signal(signal("add_to_cart", 2000));
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].kind, "add_to_cart_surge");
  EXPECT_EQ(raised[0].severity, engine::AlertSeverity::yellow);
  EXPECT_EQ(json::parse(raised[0].action_json).at("type"), "transfer_plan");
  EXPECT_EQ(json::parse(raised[0].evidence_json).at("add_to_cart_in_window").to_number<double>(),
            81);
  EXPECT_TRUE(rules.on_signal(signal("add_to_cart", 2001)).empty());  // still above: once
  // The window slides: a minute later the rate is back under, and a new surge raises again.
  EXPECT_TRUE(rules.on_signal(signal("add_to_cart", 70'000)).empty());
  std::vector<engine::RaiseAlert> again;
  for (int i = 0; i < 90 && again.empty(); ++i)
    again = rules.on_signal(signal("add_to_cart", 71'000 + i));
  EXPECT_EQ(again.size(), 1u);
}

TEST(SignalRules, SalesAt120PercentOfTheNowcastRaiseOrangeWithAnEmergencyProductionOrder) {
  SignalRules rules{RuleOptions{}};
  rules.set_plan("s1", "06901234567892", 100, 0);
  EXPECT_TRUE(rules.on_signal(signal("order", 1, 119)).empty());
  auto raised = rules.on_signal(signal("order", 2, 1));  // 120 = 120% of 100
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].kind, "sales_over_forecast");
  EXPECT_EQ(raised[0].severity, engine::AlertSeverity::orange);
  json::value action = json::parse(raised[0].action_json);
  EXPECT_EQ(action.at("type"), "production_order");
  EXPECT_EQ(action.at("urgency"), "emergency");
  EXPECT_EQ(action.at("qty").to_number<int64_t>(), 20);
  EXPECT_EQ(raised[0].subject,
            (engine::AlertSubject{{"session", "s1"}, {"sku", "06901234567892"}}));
}

TEST(SignalRules, CommentsMoveTheNowcastAndTheRulesReEvaluateAtOnce) {
  SignalRules rules{RuleOptions{}};
  rules.set_plan("s1", "06901234567892", 100, 0);
  EXPECT_TRUE(rules.on_signal(signal("order", 1, 130)).empty() == false);  // 130 ≥ 120: raised
  // "limited stock" repeated: +5% each → nowcast 110 → threshold 132 > 130: condition
  // clears; the rule re-arms without a signal about sales.
  auto out = rules.on_signal(signal("comment", 2, 0, "Only LIMITED STOCK left!", ""));
  EXPECT_TRUE(out.empty());
  EXPECT_NEAR(*rules.nowcast_units("s1", "06901234567892"), 105, 1e-9);
  rules.on_signal(signal("comment", 3, 0, "limited stock, hurry", ""));
  EXPECT_NEAR(*rules.nowcast_units("s1", "06901234567892"), 110, 1e-9);
  rules.on_signal(signal("comment", 4, 0, "do you have a bigger size?", ""));
  EXPECT_NEAR(*rules.nowcast_units("s1", "06901234567892"), 111, 1e-9);
  EXPECT_TRUE(rules.on_signal(signal("comment", 5, 0, "nice colour", "")).empty());
  EXPECT_NEAR(*rules.nowcast_units("s1", "06901234567892"), 111, 1e-9);
  auto raised = rules.on_signal(signal("order", 6, 4));  // 134 ≥ 1.2 × 111 = 133.2
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_NEAR(json::parse(raised[0].evidence_json).at("nowcast_units").to_number<double>(), 111,
              1e-9);
  // The uplift is capped.
  for (int i = 0; i < 100; ++i) rules.on_signal(signal("comment", 10 + i, 0, "limited stock", ""));
  EXPECT_NEAR(*rules.nowcast_units("s1", "06901234567892"), 150, 1e-9);
}

TEST(SignalRules, TurnoverAndForecastSafetyAlerts) {
  RuleOptions options;
  EXPECT_FALSE(turnover_alert("g", "dc-1", 8.1, 10, options).has_value());  // 19% below
  auto red = turnover_alert("g", "dc-1", 8.0, 10, options);                 // 20% below
  ASSERT_TRUE(red.has_value());
  EXPECT_EQ(red->severity, engine::AlertSeverity::red);
  EXPECT_EQ(json::parse(red->action_json).at("type"), "clearance_promotion");
  EXPECT_FALSE(forecast_review_alert("g", {false, 0.1}).has_value());
  EXPECT_EQ(forecast_review_alert("g", {true, 0.35})->severity, engine::AlertSeverity::yellow);
  EXPECT_EQ(forecast_review_alert("g", {true, 0.55})->severity, engine::AlertSeverity::orange);
  EXPECT_EQ(circuit_breaker_alert("g", 3).severity, engine::AlertSeverity::red);
}

TEST(SignalRules, OptionsOutOfRangeNameTheKey) {
  RuleOptions options;
  options.sales_over_forecast_ratio = 0;
  auto checked = validate_rule_options(options);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().field, "alerts.sales_over_forecast_ratio");
  options = RuleOptions{};
  options.turnover_below_benchmark = 1.5;
  EXPECT_EQ(validate_rule_options(options).error().field, "alerts.turnover_below_benchmark");
  EXPECT_TRUE(validate_rule_options(RuleOptions{}).has_value());
}

TEST(WarehouseLevels, ErrorRateBandsSetTheLevelAndEachChangeIsAnAlert) {
  EXPECT_EQ(warehouse_level(0.0299), 1);
  EXPECT_EQ(warehouse_level(0.03), 2);
  EXPECT_EQ(warehouse_level(0.0799), 2);
  EXPECT_EQ(warehouse_level(0.08), 3);
  EXPECT_EQ(warehouse_level(0.15), 4);
  EXPECT_EQ(warehouse_level(0.25), 5);
  EXPECT_EQ(warehouse_response(5), "industry_emergency_pool");
  WarehouseLevels levels(60'000, 100);
  std::optional<engine::Command> alert;
  // Below the minimum volume the level does not move, whatever the rate.
  EXPECT_EQ(levels.on_report({"wh-1", 1'000, 50, 25}, alert).level, 1);
  EXPECT_FALSE(alert.has_value());
  // 25 + 3 errors of 150 operations: 18.7% → level 4, red, third-party warehousing.
  WarehouseStatus status = levels.on_report({"wh-1", 2'000, 100, 3}, alert);
  EXPECT_EQ(status.level, 4);
  ASSERT_TRUE(alert.has_value());
  const auto& raised = std::get<engine::RaiseAlert>(*alert);
  EXPECT_EQ(raised.kind, "warehouse_anomaly");
  EXPECT_EQ(raised.severity, engine::AlertSeverity::red);
  EXPECT_EQ(json::parse(raised.action_json).at("type"), "third_party_warehousing");
  levels.on_report({"wh-1", 3'000, 10, 1}, alert);  // same level: nothing
  EXPECT_FALSE(alert.has_value());
  // A minute later the old reports leave the window: 2 of 200 = 1% → resolved.
  status = levels.on_report({"wh-1", 70'000, 200, 2}, alert);
  EXPECT_EQ(status.level, 1);
  EXPECT_EQ(status.operations, 200);
  ASSERT_TRUE(alert.has_value());
  EXPECT_EQ(std::get<engine::ResolveAlert>(*alert).kind, "warehouse_anomaly");
}

TEST(Webhooks, SignatureMatchesTheStandardWebhooksExample) {
  // The example of the Standard Webhooks specification (github.com/standard-webhooks).
  auto signature =
      webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_FALSE(webhook_signature("nope", "m", 1, "").has_value());
}

}  // namespace
}  // namespace livechain::alerts
