// Forecast safety → alerts (docs/alerts.md "Forecast safety alerts"): the review flag
// at plan time, the circuit breaker and the shadow model after each finished session.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "alerts/rules.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
constexpr size_t kBaselineSessions = 5;  // the review baseline: median of the last 5 actuals

json::value finite_or_text(double value) {
  return std::isfinite(value) ? json::value(std::round(value * 1000.0) / 1000.0)
                              : json::value("infinite");
}
}  // namespace

ForecastSafetyRules::Track& ForecastSafetyRules::track(const std::string& gtin) {
  return tracks_.try_emplace(gtin, policy_).first->second;
}

std::optional<engine::RaiseAlert> ForecastSafetyRules::review(
    const std::string& session_id, const std::string& gtin, double forecast_units,
    std::optional<double> baseline_units) const {
  if (!baseline_units) {
    auto found = tracks_.find(gtin);
    if (found == tracks_.end() || found->second.sessions.empty()) return std::nullopt;
    std::vector<double> actuals;
    const auto& sessions = found->second.sessions;
    for (size_t i = sessions.size() > kBaselineSessions ? sessions.size() - kBaselineSessions : 0;
         i < sessions.size(); ++i) {
      actuals.push_back(sessions[i].actual);
    }
    std::sort(actuals.begin(), actuals.end());
    size_t n = actuals.size();
    baseline_units = n % 2 == 1 ? actuals[n / 2] : (actuals[n / 2 - 1] + actuals[n / 2]) / 2;
  }
  auto decision = forecast::review_check(forecast_units, *baseline_units, policy_);
  if (!decision) return std::nullopt;  // the caller validated both amounts
  auto alert = forecast_review_alert(gtin, *decision);
  if (!alert) return std::nullopt;
  json::object evidence{{"deviation", finite_or_text(decision->deviation)},
                        {"forecast_units", forecast_units},
                        {"baseline_units", *baseline_units},
                        {"review_threshold", policy_.review_deviation_max},
                        {"session", session_id}};
  alert->evidence_json = json::serialize(evidence);
  return alert;
}

Result<void> ForecastSafetyRules::apply(Track& t, const Session& s) {
  LC_TRY(active, t.breaker.record(s.actual, s.forecast));
  (void)active;
  if (s.shadow) LC_CHECK(t.shadow.record(s.actual, s.forecast, *s.shadow));
  return {};
}

Result<RuleChange> ForecastSafetyRules::record_outcome(const std::string& session_id,
                                                       const std::string& gtin, double actual_units,
                                                       double forecast_units,
                                                       std::optional<double> shadow_units) {
  auto rename = [](Error e) {
    if (e.field == "actual") e.field = "actual_units";
    if (e.field == "forecast" || e.field == "primary_forecast" || e.field == "active_forecast") {
      e.field = "forecast_units";
    }
    if (e.field == "shadow_forecast") e.field = "shadow_forecast_units";
    return std::unexpected(std::move(e));
  };
  auto ape = forecast::session_error(actual_units, forecast_units);
  if (!ape) return rename(ape.error());
  if (shadow_units) {
    if (auto shadow_ape = forecast::session_error(actual_units, *shadow_units); !shadow_ape) {
      Error e = shadow_ape.error();
      e.field = e.field == "forecast" ? "shadow_forecast_units" : "actual_units";
      return std::unexpected(std::move(e));
    }
  }
  Track& t = track(gtin);
  forecast::ActiveModel before = t.breaker.active();
  Session s{actual_units, forecast_units, shadow_units};
  if (auto applied = apply(t, s); !applied) return rename(applied.error());
  t.sessions.push_back(s);
  while (t.sessions.size() > sessions_max_) t.sessions.pop_front();

  RuleChange change;
  change.commands.emplace_back(record(gtin, t));
  engine::AlertSubject subject{{"sku", gtin}};
  if (before == forecast::ActiveModel::primary &&
      t.breaker.active() == forecast::ActiveModel::conservative) {
    engine::RaiseAlert alert = circuit_breaker_alert(gtin, policy_.breaker_sessions);
    json::object evidence{{"bad_sessions", policy_.breaker_sessions},
                          {"session_error_max", policy_.session_error_max},
                          {"last_session", session_id},
                          {"last_ape", finite_or_text(*ape)},
                          {"trips", t.breaker.trips()}};
    alert.evidence_json = json::serialize(evidence);
    change.commands.emplace_back(std::move(alert));
  } else if (before == forecast::ActiveModel::conservative &&
             t.breaker.active() == forecast::ActiveModel::primary) {
    change.commands.emplace_back(engine::ResolveAlert{
        0, "forecast_circuit_breaker", subject,
        fmt::format("primary model recovered after {} good sessions", policy_.recovery_sessions)});
  }
  forecast::PromotionReport report = t.shadow.report();
  if (report.promote && !t.promotion_raised) {
    json::object evidence{{"sessions", report.sessions},
                          {"wape_active", finite_or_text(report.wape_active)},
                          {"wape_shadow", finite_or_text(report.wape_shadow)},
                          {"shadow_wins", report.shadow_wins},
                          {"reason", report.reason}};
    json::object action{{"type", "promote_model"}, {"sku", gtin}, {"to", "shadow"}};
    change.commands.emplace_back(
        engine::RaiseAlert{"shadow_model_promotion", engine::AlertSeverity::yellow, subject,
                           json::serialize(evidence), json::serialize(action)});
  }
  t.promotion_raised = report.promote;

  json::object view{
      {"session", session_id},
      {"sku", gtin},
      {"actual_units", actual_units},
      {"forecast_units", forecast_units},
      {"ape", finite_or_text(*ape)},
      {"bad", *ape > policy_.session_error_max},
      {"next_model",
       t.breaker.active() == forecast::ActiveModel::primary ? "primary" : "conservative"},
      {"bad_streak", t.breaker.bad_streak()},
      {"good_streak", t.breaker.good_streak()},
      {"trips", t.breaker.trips()}};
  if (report.sessions > 0) {
    view["shadow"] = json::object{{"sessions", report.sessions},
                                  {"wape_active", finite_or_text(report.wape_active)},
                                  {"wape_shadow", finite_or_text(report.wape_shadow)},
                                  {"promote", report.promote},
                                  {"reason", report.reason}};
  }
  change.view = std::move(view);
  return change;
}

engine::PutRuleState ForecastSafetyRules::record(const std::string& gtin, const Track& t) const {
  json::array sessions;
  for (const Session& s : t.sessions) {
    json::array row{s.actual, s.forecast};
    if (s.shadow) row.emplace_back(*s.shadow);
    sessions.emplace_back(std::move(row));
  }
  json::object body{{"sessions", std::move(sessions)}, {"promotion_raised", t.promotion_raised}};
  return engine::PutRuleState{engine::RuleStateKind::forecast_safety, gtin, json::serialize(body)};
}

Result<void> ForecastSafetyRules::restore(const std::string& gtin, const std::string& body_json) {
  auto bad = [&] { return std::unexpected(bad_state("forecast safety " + gtin)); };
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return bad();
  const json::value* sessions = v.get_object().if_contains("sessions");
  const json::value* raised = v.get_object().if_contains("promotion_raised");
  if (!sessions || !sessions->is_array() || !raised || !raised->is_bool()) return bad();
  tracks_.erase(gtin);
  Track& t = track(gtin);
  for (const json::value& row : sessions->get_array()) {
    if (!row.is_array() || row.get_array().size() < 2 || row.get_array().size() > 3) return bad();
    for (const json::value& n : row.get_array()) {
      if (!n.is_number()) return bad();
    }
    const json::array& a = row.get_array();
    Session s{a[0].to_number<double>(), a[1].to_number<double>(), std::nullopt};
    if (a.size() == 3) s.shadow = a[2].to_number<double>();
    if (!apply(t, s)) return bad();
    t.sessions.push_back(s);
  }
  t.promotion_raised = raised->get_bool();
  return {};
}

}  // namespace livechain::alerts
