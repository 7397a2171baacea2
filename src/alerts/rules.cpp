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
  if (o.session_duration_min_default < 1 ||
      o.session_duration_min_default > forecast::kSessionMinutesMax) {
    return bad("session_duration_min_default", "in 1..1440");
  }
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
  if (tracks_.size() >= options_.tracked_keys_max) {
    auto evicted = tracks_.begin();
    if (auto session = sessions_.find(evicted->first.first); session != sessions_.end()) {
      session->second.planned_units =
          std::max(0.0, session->second.planned_units - evicted->second.forecast_units);
    }
    tracks_.erase(evicted);
  }
  return tracks_[key];
}

void SignalRules::set_plan(const std::string& session_id, const std::string& gtin,
                           double forecast_units, double add_to_cart_peak) {
  Track& t = track(session_id, gtin);
  double before = t.forecast_units;
  t.forecast_units = std::max(0.0, forecast_units);
  t.add_to_cart_peak = std::max(0.0, add_to_cart_peak);
  if (auto session = sessions_.find(session_id); session != sessions_.end()) {
    session->second.planned_units =
        std::max(0.0, session->second.planned_units - before + t.forecast_units);
  }
}

void SignalRules::set_session(const std::string& session_id, std::optional<TimeMs> starts_at_ms,
                              std::optional<int> duration_min, TimeMs now_ms) {
  LC_ASSERT(!duration_min || (*duration_min >= 1 && *duration_min <= forecast::kSessionMinutesMax));
  auto found = sessions_.find(session_id);
  if (found == sessions_.end()) {
    // Bounded like the tracks: a session exists only through a plan.
    if (sessions_.size() >= options_.tracked_keys_max) sessions_.erase(sessions_.begin());
    Session fresh;
    fresh.starts_at_ms = now_ms;
    fresh.duration_min = options_.session_duration_min_default;
    // The SKUs planned before the session's timing count towards its planned units.
    for (auto it = tracks_.lower_bound({session_id, ""});
         it != tracks_.end() && it->first.first == session_id; ++it) {
      fresh.planned_units += it->second.forecast_units;
    }
    found = sessions_.emplace(session_id, fresh).first;
  }
  if (starts_at_ms) found->second.starts_at_ms = *starts_at_ms;
  if (duration_min) found->second.duration_min = *duration_min;
}

double SignalRules::viewers_until(const Session& session, TimeMs at_ms) const {
  if (!session.viewers_seen || at_ms <= session.viewers_at_ms) return session.viewer_minutes;
  return session.viewer_minutes +
         session.viewers_last * static_cast<double>(at_ms - session.viewers_at_ms) / 60'000.0;
}

NowcastView SignalRules::compute_nowcast(const std::string& session_id, const Track& t,
                                         TimeMs at_ms) const {
  NowcastView view;
  view.nowcast_units = t.forecast_units * (1.0 + t.uplift);
  view.model_units = t.forecast_units;
  auto session = sessions_.find(session_id);
  if (!model_ || session == sessions_.end()) return view;
  const Session& s = session->second;
  // Viewers are the session's: apportioned to the SKU by its share of the planned units,
  // so that their pace against the SKU's prior is the session's pace.
  double share = s.planned_units > 0 ? t.forecast_units / s.planned_units : 0.0;
  forecast::MinuteSignals totals{viewers_until(s, at_ms) * share, t.add_to_cart_units,
                                 t.sales_units};
  double elapsed_min =
      std::max<double>(0.0, static_cast<double>(at_ms - s.starts_at_ms) / 60'000.0);
  elapsed_min = std::min<double>(elapsed_min, forecast::kSessionMinutesMax);
  auto total =
      forecast::nowcast_from_totals(*model_, t.forecast_units, s.duration_min, totals, elapsed_min);
  LC_ASSERT(total.has_value());  // inputs checked at the boundaries, sums are ≥ 0
  // The comment uplift moves only what is still to be sold: units already ordered
  // (× the model's payment rate) are secured.
  double secured = model_->target_per_unit * t.sales_units;
  view.model_units = *total;
  view.nowcast_units = secured + std::max(0.0, *total - secured) * (1.0 + t.uplift);
  view.method = kNowcastFunnel;
  view.elapsed_min = elapsed_min;
  return view;
}

std::optional<NowcastView> SignalRules::nowcast(const std::string& session_id,
                                                const std::string& gtin,
                                                std::optional<TimeMs> at_ms) const {
  auto found = tracks_.find({session_id, gtin});
  if (found == tracks_.end() || found->second.forecast_units <= 0) return std::nullopt;
  TimeMs at = at_ms.value_or(found->second.last_at_ms);
  if (!at_ms && at == 0) {
    auto session = sessions_.find(session_id);
    at = session == sessions_.end() ? 0 : session->second.starts_at_ms;
  }
  return compute_nowcast(session_id, found->second, at);
}

std::optional<double> SignalRules::forecast_units(const std::string& session_id,
                                                  const std::string& gtin) const {
  auto found = tracks_.find({session_id, gtin});
  if (found == tracks_.end() || found->second.forecast_units <= 0) return std::nullopt;
  return found->second.forecast_units;
}

std::vector<engine::RaiseAlert> SignalRules::on_signal(const store::LiveSignal& s) {
  std::vector<engine::RaiseAlert> out;
  // Signals about the whole session re-evaluate every SKU of it (the tracks of a session
  // are contiguous in the map).
  auto every_sku = [&](auto&& apply) {
    for (auto it = tracks_.lower_bound({s.session_id, ""});
         it != tracks_.end() && it->first.first == s.session_id; ++it) {
      if (!s.gtin.empty() && it->first.second != s.gtin) continue;
      apply(it->second);
      it->second.last_at_ms = std::max(it->second.last_at_ms, s.at_ms);
      evaluate(it->first.first, it->first.second, it->second, s.at_ms, out);
    }
  };
  if (s.kind == "comment") {
    double uplift = contains_any(s.text, options_.limited_stock_phrases)
                        ? options_.limited_stock_uplift
                    : contains_any(s.text, options_.demand_keywords) ? options_.keyword_uplift
                                                                     : 0.0;
    if (uplift == 0) return out;
    // A comment moves the nowcast of the SKU it names, or of every SKU of its session.
    every_sku([&](Track& t) { t.uplift = std::min(options_.uplift_max, t.uplift + uplift); });
    return out;
  }
  if (s.kind == "viewers") {
    auto session = sessions_.find(s.session_id);
    if (session == sessions_.end()) return out;  // an unplanned session: nothing to nowcast
    Session& v = session->second;
    // A reading older than the last one is late: it no longer changes the integral.
    if (v.viewers_seen && s.at_ms < v.viewers_at_ms) return out;
    v.viewer_minutes = viewers_until(v, s.at_ms);
    v.viewers_last = static_cast<double>(std::max<int64_t>(0, s.quantity));
    v.viewers_at_ms = s.at_ms;
    v.viewers_seen = true;
    if (!model_) return out;  // plan_uplift does not use viewers
    every_sku([](Track&) {});
    return out;
  }
  if (s.gtin.empty()) return out;
  Track& t = track(s.session_id, s.gtin);
  t.last_at_ms = std::max(t.last_at_ms, s.at_ms);
  if (s.kind == "add_to_cart") {
    t.add_to_cart.emplace_back(s.at_ms, std::max<int64_t>(1, s.quantity));
    t.add_to_cart_in_window += std::max<int64_t>(1, s.quantity);
    t.add_to_cart_units += static_cast<double>(std::max<int64_t>(1, s.quantity));
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
    NowcastView now = compute_nowcast(session_id, t, at_ms);
    const bool funnel = now.method == kNowcastFunnel;
    // funnel: the projected session sales against the plan; plan_uplift: the sales so
    // far against the uplifted plan (see NowcastView).
    double ratio = funnel ? now.nowcast_units / t.forecast_units
                          : t.sales_units / std::max(now.nowcast_units, 1e-9);
    bool over = funnel ? now.nowcast_units >= options_.sales_over_forecast_ratio * t.forecast_units
                       : t.sales_units >= options_.sales_over_forecast_ratio * now.nowcast_units;
    if (over && !t.over_forecast_raised) {
      json::object evidence{{"sales_units", t.sales_units},
                            {"nowcast_units", round3(now.nowcast_units)},
                            {"nowcast_method", now.method},
                            {"forecast_units", t.forecast_units},
                            {"nowcast_uplift", round3(t.uplift)},
                            {"ratio", round3(ratio)},
                            {"threshold_ratio", options_.sales_over_forecast_ratio},
                            {"at_ms", at_ms}};
      if (funnel) {
        const Session& s = sessions_.at(session_id);
        double share = s.planned_units > 0 ? t.forecast_units / s.planned_units : 0.0;
        evidence["nowcast_model_units"] = round3(now.model_units);
        evidence["elapsed_min"] = round3(now.elapsed_min);
        evidence["duration_min"] = s.duration_min;
        evidence["add_to_cart_units"] = t.add_to_cart_units;
        evidence["viewer_minutes"] = round3(viewers_until(s, at_ms) * share);
      }
      // funnel: produce what the projection exceeds the plan by; plan_uplift: what the
      // sales so far exceed the nowcast by.
      double excess =
          funnel ? now.nowcast_units - t.forecast_units : t.sales_units - now.nowcast_units;
      json::object action{{"type", "production_order"},
                          {"urgency", "emergency"},
                          {"sku", gtin},
                          {"qty", std::llround(std::max(0.0, excess))},
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
