// The orange rule driven by the minute-level nowcaster (alerts/rules.hpp, "funnel"):
// a session selling above its plan's pace raises the nowcast and, at 120% of the plan,
// an emergency production order with the nowcast in its evidence; on or below pace
// nothing; comments and viewers readings move the nowcast and re-evaluate at once;
// the session timing survives a restore. The model is built by hand (linear profiles)
// so that every figure below can be worked out on paper:
//   F = elapsed / duration, nowcast = units + P·exp(c·log((U+½)/(P·F+½)))·(1 − F),
//   c = F / (F + 0.1).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "alerts/alerts.hpp"

namespace livechain::alerts {
namespace {

namespace json = boost::json;

constexpr const char* kSku = "06901234567892";
constexpr TimeMs kMinute = 60'000;

forecast::NowcastModel linear_model(std::array<double, 3> weight) {
  forecast::NowcastModel model;
  for (auto& share : model.share) {
    share.resize(forecast::kProfileBins + 1);
    for (int b = 0; b <= forecast::kProfileBins; ++b) {
      share[static_cast<size_t>(b)] = static_cast<double>(b) / forecast::kProfileBins;
    }
  }
  model.per_target = {10, 2, 1};  // 10 viewer-minutes and 2 carts per unit sold
  model.weight = weight;
  model.target_per_unit = 1;
  model.credibility_k = 0.1;
  model.sessions = 2;
  return model;
}

store::LiveSignal signal(std::string kind, TimeMs at_ms, int64_t qty, std::string text = "") {
  store::LiveSignal s;
  s.kind = std::move(kind);
  s.session_id = "s1";
  if (s.kind == "order" || s.kind == "add_to_cart") s.gtin = kSku;
  s.at_ms = at_ms;
  s.quantity = qty;
  s.text = std::move(text);
  return s;
}

// Plan 100 units over a 100-minute session starting at minute 0.
SignalRules planned(std::array<double, 3> weight = {0, 0, 1}) {
  SignalRules rules(RuleOptions{}, linear_model(weight));
  rules.set_plan("s1", kSku, 100, 0);
  rules.set_session("s1", 0, 100, 0);
  return rules;
}

double expected_nowcast(double units, double elapsed_min) {
  const double f = elapsed_min / 100, c = f / (f + 0.1);
  return units + 100 * std::exp(c * std::log((units + 0.5) / (100 * f + 0.5))) * (1 - f);
}

TEST(NowcastRules, PaceAbovePlanRaisesTheNowcastAndOrangeAt120PercentOfThePlan) {
  SignalRules rules = planned();
  // Minute 50, 50 units: on pace, the nowcast is the plan.
  EXPECT_TRUE(rules.on_signal(signal("order", 50 * kMinute, 50)).empty());
  auto on_pace = rules.nowcast("s1", kSku).value();
  EXPECT_EQ(on_pace.method, kNowcastFunnel);
  EXPECT_NEAR(on_pace.nowcast_units, 100, 1e-9);
  EXPECT_NEAR(on_pace.elapsed_min, 50, 1e-9);
  // 30 more in the same minute: above pace, the nowcast rises past 120.
  auto raised = rules.on_signal(signal("order", 50 * kMinute, 30));
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].kind, "sales_over_forecast");
  EXPECT_EQ(raised[0].severity, engine::AlertSeverity::orange);
  const double nowcast = expected_nowcast(80, 50);
  ASSERT_GT(nowcast, 120);
  json::object evidence = json::parse(raised[0].evidence_json).as_object();
  EXPECT_EQ(evidence.at("nowcast_method"), "funnel");
  EXPECT_NEAR(evidence.at("nowcast_units").to_number<double>(), nowcast, 1e-3);
  EXPECT_NEAR(evidence.at("nowcast_model_units").to_number<double>(), nowcast, 1e-3);
  EXPECT_EQ(evidence.at("forecast_units").to_number<double>(), 100);
  EXPECT_EQ(evidence.at("sales_units").to_number<double>(), 80);
  EXPECT_NEAR(evidence.at("ratio").to_number<double>(), nowcast / 100, 1e-3);
  EXPECT_EQ(evidence.at("elapsed_min").to_number<double>(), 50);
  EXPECT_EQ(evidence.at("duration_min").to_number<int64_t>(), 100);
  json::object action = json::parse(raised[0].action_json).as_object();
  EXPECT_EQ(action.at("type"), "production_order");
  EXPECT_EQ(action.at("qty").to_number<int64_t>(), std::llround(nowcast - 100));
  // Crossing semantics: still above, no second alert.
  EXPECT_TRUE(rules.on_signal(signal("order", 51 * kMinute, 1)).empty());
}

TEST(NowcastRules, OnOrBelowPaceRaisesNothingAndTheNowcastFalls) {
  SignalRules rules = planned();
  EXPECT_TRUE(rules.on_signal(signal("order", 50 * kMinute, 20)).empty());
  const double below = rules.nowcast("s1", kSku).value().nowcast_units;
  EXPECT_NEAR(below, expected_nowcast(20, 50), 1e-9);
  EXPECT_LT(below, 100);
  // The same units sold at minute 10 are above pace there: time moves the nowcast.
  EXPECT_GT(rules.nowcast("s1", kSku, 10 * kMinute).value().nowcast_units, 100);
  // Units that would be 120% of the plan for plan_uplift, sold late at pace: nothing.
  SignalRules late = planned();
  EXPECT_TRUE(late.on_signal(signal("order", 99 * kMinute, 99)).empty());
  EXPECT_LT(late.nowcast("s1", kSku).value().nowcast_units, 120);
}

TEST(NowcastRules, LimitedStockCommentsAdjustWhatIsStillToBeSold) {
  SignalRules rules = planned();
  EXPECT_TRUE(rules.on_signal(signal("order", 50 * kMinute, 50)).empty());  // nowcast 100
  // Each "limited stock" adds 5% to the 50 units still to come: 7 → 117.5, 9 → 122.5.
  for (int i = 0; i < 7; ++i) {
    EXPECT_TRUE(rules.on_signal(signal("comment", 50 * kMinute, 0, "limited stock!")).empty());
  }
  EXPECT_NEAR(rules.nowcast("s1", kSku).value().nowcast_units, 117.5, 1e-9);
  // The 8th or the 9th comment raises orange (0.05 × 8 is 0.4 only up to rounding).
  std::vector<engine::RaiseAlert> raised;
  for (int i = 0; i < 2; ++i) {
    auto out = rules.on_signal(signal("comment", 50 * kMinute, 0, "limited stock!"));
    raised.insert(raised.end(), out.begin(), out.end());
  }
  auto now = rules.nowcast("s1", kSku).value();
  EXPECT_NEAR(now.nowcast_units, 122.5, 1e-9);
  EXPECT_NEAR(now.model_units, 100, 1e-9);  // the model's own nowcast did not move
  ASSERT_EQ(raised.size(), 1u);
  json::object evidence = json::parse(raised[0].evidence_json).as_object();
  EXPECT_EQ(evidence.at("nowcast_method"), "funnel");
  EXPECT_GE(evidence.at("nowcast_uplift").to_number<double>(), 0.4 - 1e-9);
  EXPECT_NEAR(evidence.at("nowcast_model_units").to_number<double>(), 100, 1e-3);
}

TEST(NowcastRules, ViewersReadingsMoveEverySkuOfTheSession) {
  // A model that trusts viewers only; two SKUs share the session's viewers by plan.
  SignalRules rules = planned({1, 0, 0});
  rules.set_plan("s1", "04006381333931", 100, 0);
  // 80 viewers from minute 0: at minute 50, 4,000 viewer-minutes, 2,000 per SKU,
  // against 10 × 100 × 0.5 = 500 expected per SKU: four times the pace.
  EXPECT_TRUE(rules.on_signal(signal("viewers", 0, 80)).empty());
  auto raised = rules.on_signal(signal("viewers", 50 * kMinute, 80));
  ASSERT_EQ(raised.size(), 2u);  // both SKUs re-evaluated by one reading
  const double c = 0.5 / 0.6;
  const double nowcast = 100 * std::exp(c * std::log(2000.5 / 500.5)) * 0.5;
  for (const auto& alert : raised) {
    json::object evidence = json::parse(alert.evidence_json).as_object();
    EXPECT_NEAR(evidence.at("nowcast_units").to_number<double>(), nowcast, 1e-3);
    EXPECT_NEAR(evidence.at("viewer_minutes").to_number<double>(), 2000, 0.01);
  }
  // A reading older than the last one changes nothing.
  EXPECT_TRUE(rules.on_signal(signal("viewers", 10 * kMinute, 1'000'000)).empty());
  EXPECT_NEAR(rules.nowcast("s1", kSku, 50 * kMinute).value().nowcast_units, nowcast, 1e-9);
}

TEST(NowcastRules, WithoutAModelOrTimingTheRuleIsPlanUplift) {
  SignalRules plain{RuleOptions{}};
  plain.set_plan("s1", kSku, 100, 0);
  plain.set_session("s1", 0, 100, 0);
  auto raised = plain.on_signal(signal("order", 50 * kMinute, 120));
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(json::parse(raised[0].evidence_json).at("nowcast_method"), "plan_uplift");
  // A model but a plan without session timing (restored from before timing existed).
  SignalRules untimed(RuleOptions{}, linear_model({0, 0, 1}));
  untimed.set_plan("s1", kSku, 100, 0);
  EXPECT_EQ(untimed.nowcast("s1", kSku).value().method, kNowcastPlanUplift);
}

TEST(NowcastRules, SessionTimingTravelsWithThePlanRecord) {
  SignalRules rules(RuleOptions{}, linear_model({0, 0, 1}));
  rules.set_plan("s1", kSku, 100, 0);
  rules.set_session("s1", std::nullopt, std::nullopt, 5 * kMinute);  // defaults: now, 230
  EXPECT_EQ(rules.session_timing("s1"), (std::pair<TimeMs, int>{5 * kMinute, 230}));
  rules.set_session("s1", std::nullopt, 100, 9 * kMinute);  // start kept, length set
  EXPECT_EQ(rules.session_timing("s1"), (std::pair<TimeMs, int>{5 * kMinute, 100}));
  engine::PutRuleState record = rules.plan_record("s1", kSku);
  json::object body = json::parse(record.body_json).as_object();
  EXPECT_EQ(body.at("starts_at_ms").to_number<int64_t>(), 5 * kMinute);
  EXPECT_EQ(body.at("duration_min").to_number<int64_t>(), 100);
  SignalRules restored(RuleOptions{}, linear_model({0, 0, 1}));
  ASSERT_TRUE(restored.restore_plan(record.body_json).has_value());
  EXPECT_EQ(restored.session_timing("s1"), rules.session_timing("s1"));
  EXPECT_EQ(restored.nowcast("s1", kSku, 55 * kMinute).value().nowcast_units,
            rules.nowcast("s1", kSku, 55 * kMinute).value().nowcast_units);
  // Half the timing, or a length out of range: a corrupt record.
  body.erase("duration_min");
  EXPECT_FALSE(restored.restore_plan(json::serialize(body)).has_value());
  body["duration_min"] = 0;
  EXPECT_FALSE(restored.restore_plan(json::serialize(body)).has_value());
}

TEST(NowcastRules, DefaultDurationIsValidated) {
  RuleOptions options;
  options.session_duration_min_default = 0;
  EXPECT_EQ(validate_rule_options(options).error().field, "alerts.session_duration_min_default");
}

}  // namespace
}  // namespace livechain::alerts
