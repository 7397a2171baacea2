// The graded-response rules of spec §4 over live signals (docs/alerts.md "Rules").
// Crossing semantics: a rule raises once per (session, SKU) when its condition starts
// to hold; the engine's grouping turns a later re-raise into an update.
#include "alerts/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/assert.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
bool contains_any(const std::string& text, const std::vector<std::string>& phrases) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const std::string& phrase : phrases) {
    if (!phrase.empty() && lower.find(phrase) != std::string::npos) return true;
  }
  return false;
}

double round3(double value) {
  return std::round(value * 1000.0) / 1000.0;
}
}  // namespace

Result<void> validate_rule_options(const RuleOptions& o) {
  auto bad = [](const char* key, const char* range) {
    return fail(ErrorCode::invalid_argument, std::string("alerts.") + key,
                std::string("must be ") + range);
  };
  if (!(o.add_to_cart_peak_ratio > 0 && o.add_to_cart_peak_ratio <= 10)) {
    return bad("add_to_cart_peak_ratio", "in (0, 10]");
  }
  if (!(o.sales_over_forecast_ratio > 0 && o.sales_over_forecast_ratio <= 100)) {
    return bad("sales_over_forecast_ratio", "in (0, 100]");
  }
  if (!(o.turnover_below_benchmark > 0 && o.turnover_below_benchmark < 1)) {
    return bad("turnover_below_benchmark", "in (0, 1)");
  }
  if (o.rate_window_ms < 1'000 || o.rate_window_ms > 3'600'000) {
    return bad("rate_window_ms", "in 1000..3600000");
  }
  if (!(o.limited_stock_uplift >= 0 && o.limited_stock_uplift <= 1)) {
    return bad("limited_stock_uplift", "in [0, 1]");
  }
  if (!(o.keyword_uplift >= 0 && o.keyword_uplift <= 1)) return bad("keyword_uplift", "in [0, 1]");
  if (!(o.uplift_max >= 0 && o.uplift_max <= 10)) return bad("uplift_max", "in [0, 10]");
  if (o.warehouse_window_ms < 1'000 || o.warehouse_window_ms > 7LL * 86'400'000) {
    return bad("warehouse_window_ms", "in 1000..604800000");
  }
  if (o.warehouse_operations_min < 1 || o.warehouse_operations_min > 1'000'000'000) {
    return bad("warehouse_operations_min", "in 1..1000000000");
  }
  if (!(o.lane_delay_rate_max >= 0 && o.lane_delay_rate_max < 1)) {
    return bad("lane_delay_rate_max", "in [0, 1)");
  }
  if (o.lane_window_ms < 1'000 || o.lane_window_ms > 7LL * 86'400'000) {
    return bad("lane_window_ms", "in 1000..604800000");
  }
  // The window keeps at most lane_window_scans_max scans: a larger minimum never fills.
  if (o.lane_scans_min < 1 || o.lane_scans_min > static_cast<int64_t>(o.lane_window_scans_max)) {
    return bad("lane_scans_min", "in 1..1000");
  }
  if (o.turnover_window_ms < 60'000 || o.turnover_window_ms > 30LL * 86'400'000) {
    return bad("turnover_window_ms", "in 60000..2592000000");
  }
  if (o.turnover_trailing_windows < 1 || o.turnover_trailing_windows > 52) {
    return bad("turnover_trailing_windows", "in 1..52");
  }
  for (const auto& [gtin, benchmark] : o.turnover_benchmarks) {
    if (!(benchmark > 0 && benchmark <= 1e9)) {
      return fail(ErrorCode::invalid_argument, "alerts.turnover_benchmarks." + gtin,
                  "must be a number in (0, 1e9]");
    }
  }
  return {};
}

SignalRules::Track& SignalRules::track(const std::string& session_id, const std::string& gtin) {
  auto key = std::pair{session_id, gtin};
  auto found = tracks_.find(key);
  if (found != tracks_.end()) return found->second;
  if (tracks_.size() >= options_.tracked_keys_max) tracks_.erase(tracks_.begin());
  return tracks_[key];
}

void SignalRules::set_plan(const std::string& session_id, const std::string& gtin,
                           double forecast_units, double add_to_cart_peak) {
  Track& t = track(session_id, gtin);
  t.forecast_units = std::max(0.0, forecast_units);
  t.add_to_cart_peak = std::max(0.0, add_to_cart_peak);
}

std::optional<double> SignalRules::nowcast_units(const std::string& session_id,
                                                 const std::string& gtin) const {
  auto found = tracks_.find({session_id, gtin});
  if (found == tracks_.end() || found->second.forecast_units <= 0) return std::nullopt;
  return found->second.forecast_units * (1.0 + found->second.uplift);
}

std::optional<double> SignalRules::forecast_units(const std::string& session_id,
                                                  const std::string& gtin) const {
  auto found = tracks_.find({session_id, gtin});
  if (found == tracks_.end() || found->second.forecast_units <= 0) return std::nullopt;
  return found->second.forecast_units;
}

std::vector<engine::RaiseAlert> SignalRules::on_signal(const store::LiveSignal& s) {
  std::vector<engine::RaiseAlert> out;
  if (s.kind == "comment") {
    double uplift = contains_any(s.text, options_.limited_stock_phrases)
                        ? options_.limited_stock_uplift
                    : contains_any(s.text, options_.demand_keywords) ? options_.keyword_uplift
                                                                     : 0.0;
    if (uplift == 0) return out;
    // A comment moves the nowcast of the SKU it names, or of every SKU of its session.
    for (auto& [key, t] : tracks_) {
      if (key.first != s.session_id || (!s.gtin.empty() && key.second != s.gtin)) continue;
      t.uplift = std::min(options_.uplift_max, t.uplift + uplift);
      evaluate(key.first, key.second, t, s.at_ms, out);
    }
    return out;
  }
  if (s.gtin.empty()) return out;
  Track& t = track(s.session_id, s.gtin);
  if (s.kind == "add_to_cart") {
    t.add_to_cart.emplace_back(s.at_ms, std::max<int64_t>(1, s.quantity));
    t.add_to_cart_in_window += std::max<int64_t>(1, s.quantity);
  } else if (s.kind == "order") {
    t.sales_units += static_cast<double>(std::max<int64_t>(0, s.quantity));
  }
  while (!t.add_to_cart.empty() &&
         t.add_to_cart.front().first <= s.at_ms - options_.rate_window_ms) {
    t.add_to_cart_in_window -= t.add_to_cart.front().second;
    t.add_to_cart.pop_front();
  }
  evaluate(s.session_id, s.gtin, t, s.at_ms, out);
  return out;
}

void SignalRules::evaluate(const std::string& session_id, const std::string& gtin, Track& t,
                           TimeMs at_ms, std::vector<engine::RaiseAlert>& out) {
  engine::AlertSubject subject{{"session", session_id}, {"sku", gtin}};
  if (t.add_to_cart_peak > 0) {
    double rate = static_cast<double>(t.add_to_cart_in_window);
    bool surging = rate > options_.add_to_cart_peak_ratio * t.add_to_cart_peak;
    if (surging && !t.surge_raised) {
      json::object evidence{{"add_to_cart_in_window", rate},
                            {"window_ms", options_.rate_window_ms},
                            {"historical_peak", t.add_to_cart_peak},
                            {"threshold_ratio", options_.add_to_cart_peak_ratio},
                            {"at_ms", at_ms}};
      json::object action{{"type", "transfer_plan"},
                          {"scope", "cross_region"},
                          {"sku", gtin},
                          {"session", session_id},
                          {"reason", "add-to-cart surge"}};
      out.push_back(engine::RaiseAlert{"add_to_cart_surge", engine::AlertSeverity::yellow, subject,
                                       json::serialize(evidence), json::serialize(action)});
    }
    t.surge_raised = surging;
  }
  if (t.forecast_units > 0) {
    double nowcast = t.forecast_units * (1.0 + t.uplift);
    bool over = t.sales_units >= options_.sales_over_forecast_ratio * nowcast;
    if (over && !t.over_forecast_raised) {
      json::object evidence{{"sales_units", t.sales_units},
                            {"nowcast_units", round3(nowcast)},
                            {"forecast_units", t.forecast_units},
                            {"nowcast_uplift", round3(t.uplift)},
                            {"ratio", round3(t.sales_units / nowcast)},
                            {"threshold_ratio", options_.sales_over_forecast_ratio},
                            {"at_ms", at_ms}};
      json::object action{{"type", "production_order"},
                          {"urgency", "emergency"},
                          {"sku", gtin},
                          {"qty", std::llround(std::max(0.0, t.sales_units - nowcast))},
                          {"session", session_id}};
      out.push_back(engine::RaiseAlert{"sales_over_forecast", engine::AlertSeverity::orange,
                                       subject, json::serialize(evidence),
                                       json::serialize(action)});
    }
    t.over_forecast_raised = over;
  }
}

std::optional<engine::RaiseAlert> turnover_alert(const std::string& gtin,
                                                 const std::string& location_id, double turnover,
                                                 double benchmark, const RuleOptions& options) {
  LC_ASSERT(benchmark > 0);
  double shortfall = 1.0 - turnover / benchmark;
  // 1e-9: "20% below" must hold for 8 against 10 despite binary fractions.
  if (shortfall + 1e-9 < options.turnover_below_benchmark) return std::nullopt;
  json::object evidence{{"turnover", turnover},
                        {"benchmark", benchmark},
                        {"below_by", round3(shortfall)},
                        {"threshold", options.turnover_below_benchmark}};
  json::object action{{"type", "clearance_promotion"}, {"sku", gtin}, {"location", location_id}};
  return engine::RaiseAlert{"turnover_below_benchmark",
                            engine::AlertSeverity::red,
                            {{"location", location_id}, {"sku", gtin}},
                            json::serialize(evidence),
                            json::serialize(action)};
}

std::optional<engine::RaiseAlert> forecast_review_alert(const std::string& gtin,
                                                        const forecast::ReviewDecision& review) {
  if (!review.review) return std::nullopt;
  // 30–40% deviation: yellow (review); beyond 40%: orange.
  auto severity =
      review.deviation <= 0.40 ? engine::AlertSeverity::yellow : engine::AlertSeverity::orange;
  json::object evidence{{"deviation", std::isfinite(review.deviation)
                                          ? json::value(round3(review.deviation))
                                          : json::value("infinite")}};
  json::object action{{"type", "forecast_review"}, {"sku", gtin}};
  return engine::RaiseAlert{"forecast_review",
                            severity,
                            {{"sku", gtin}},
                            json::serialize(evidence),
                            json::serialize(action)};
}

engine::RaiseAlert circuit_breaker_alert(const std::string& gtin, int bad_sessions) {
  json::object evidence{{"bad_sessions", bad_sessions}};
  json::object action{{"type", "switch_model"}, {"to", "conservative"}, {"sku", gtin}};
  return engine::RaiseAlert{"forecast_circuit_breaker",
                            engine::AlertSeverity::red,
                            {{"sku", gtin}},
                            json::serialize(evidence),
                            json::serialize(action)};
}

}  // namespace livechain::alerts
