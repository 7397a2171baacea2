// src/alerts/rules.hpp — part of the alerts module's public surface (included by
// alerts.hpp): the graded-response rules of spec §4 over live signals.
#pragma once

#include <boost/json.hpp>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
#include "forecast/nowcast.hpp"
#include "forecast/safety.hpp"
#include "store/store.hpp"

namespace livechain::alerts {

// Documented defaults (docs/alerts.md "Rules"); each is a key under "alerts" in the
// serve config.
struct RuleOptions {
  double add_to_cart_peak_ratio = 0.8;     // yellow: add-to-cart rate > 80% of the peak
  double sales_over_forecast_ratio = 1.2;  // orange: sales ≥ 120% of the session nowcast
  double turnover_below_benchmark = 0.2;   // red: turnover 20% below its benchmark
  int64_t rate_window_ms = 60'000;         // add-to-cart rate = count in this window
  // In-session signals move the nowcast: each comment repeating "limited stock" (the
  // streamer's urgency) adds limited_stock_uplift, each demand keyword comment
  // ("bigger size" …) keyword_uplift, up to uplift_max in all.
  double limited_stock_uplift = 0.05;
  double keyword_uplift = 0.01;
  double uplift_max = 0.5;
  std::vector<std::string> limited_stock_phrases = {"limited stock", "限量", "库存不多"};
  std::vector<std::string> demand_keywords = {"bigger size", "restock", "more colours", "大码",
                                              "补货"};
  size_t tracked_keys_max = 100'000;  // (session, sku) pairs followed at once
  // A session plan without "duration_min" (and no earlier one for the session) runs this
  // long: the median duration of the 1,224 Douyin sessions in ../shared/data.
  int session_duration_min_default = 230;
  // Warehouse anomaly levels: the error rate over this window, once it holds at least
  // warehouse_operations_min operations.
  int64_t warehouse_window_ms = 3'600'000;
  int64_t warehouse_operations_min = 100;
  size_t warehouse_reports_max = 1'000;  // reports kept in one warehouse's window
  // Carrier failover (spec §3): a lane's delay rate over the last lane_window_ms of
  // delivery scans of its active carrier, once at least lane_scans_min scans; above
  // lane_delay_rate_max the lane switches to its next ranked carrier.
  double lane_delay_rate_max = 0.10;
  int64_t lane_window_ms = 3'600'000;
  int64_t lane_scans_min = 20;
  size_t lane_window_scans_max = 1'000;  // scans kept in one lane's window
  size_t lane_carriers_max = 16;
  size_t shipments_in_flight_max = 500'000;  // undelivered shipments followed at once
  // Red (turnover): each review closes a window per SKU × location; turnover = units
  // sold in the window ÷ the average of on hand at its start and end. The benchmark is
  // turnover_benchmarks[gtin] when configured, else the mean of the pair's last
  // turnover_trailing_windows turnovers. A review runs every turnover_window_ms, or on
  // POST /v1/turnover-reviews.
  int64_t turnover_window_ms = 86'400'000;
  int64_t turnover_trailing_windows = 4;
  std::map<std::string, double> turnover_benchmarks;  // by GTIN
  size_t turnover_pairs_max = 100'000;
};

// A change the rules made: the answer's body, and the commands to journal before
// answering (PutRuleState records of the changed state, then the alerts it raises).
struct RuleChange {
  boost::json::object view;
  std::vector<engine::Command> commands;
};

// Checks ranges. Errors: invalid_argument naming "alerts.<key>".
Result<void> validate_rule_options(const RuleOptions& options);

// How the orange rule's nowcast was made (evidence "nowcast_method").
//   funnel:      the minute-level nowcaster (forecast/nowcast.hpp) fed with the session's
//                viewers, the SKU's add-to-carts and units ordered so far, and the
//                minutes since the session's start; orange when the nowcast (the
//                session's sales projected to its end) ≥ ratio × the plan's forecast.
//   plan_uplift: no model configured (or no session timing): nowcast = forecast ×
//                (1 + uplift); orange when units ordered ≥ ratio × that nowcast (the
//                rule before the nowcaster, kept unchanged).
// Both move with the comment uplift (docs/alerts.md "The nowcast").
inline constexpr std::string_view kNowcastFunnel = "funnel";
inline constexpr std::string_view kNowcastPlanUplift = "plan_uplift";

// A (session, SKU)'s nowcast as the orange rule last computed it.
struct NowcastView {
  double nowcast_units = 0;
  double model_units = 0;  // funnel: the model's nowcast before the comment uplift
  std::string_view method = kNowcastPlanUplift;
  double elapsed_min = 0;  // funnel: minutes since the session's start
};

// Per (session, SKU) state fed by live signals; evaluate after each signal. Not thread
// safe: one caller (the server's rules worker, or the bench).
class SignalRules {
 public:
  // Without `model` every nowcast is plan_uplift.
  explicit SignalRules(RuleOptions options, std::optional<forecast::NowcastModel> model = {})
      : options_(std::move(options)), model_(std::move(model)) {}

  // The session's pre-session forecast of `gtin` (units) and the SKU's historical peak
  // add-to-cart rate (per rate window); 0 turns the matching rule off.
  void set_plan(const std::string& session_id, const std::string& gtin, double forecast_units,
                double add_to_cart_peak);
  // The session's start (epoch ms) and planned length, the nowcaster's minute index;
  // nullopt keeps the session's earlier value, else starts_at = `now_ms` and duration =
  // session_duration_min_default. REQUIRES: 1 <= duration_min <= kSessionMinutesMax.
  void set_session(const std::string& session_id, std::optional<TimeMs> starts_at_ms,
                   std::optional<int> duration_min, TimeMs now_ms);
  // Applies one signal and returns the alerts it raises or escalates now (crossings
  // only: a rule fires once per (session, SKU) and level until the level changes).
  // A comment (no SKU) or a viewers reading updates the nowcast of every SKU of its
  // session.
  std::vector<engine::RaiseAlert> on_signal(const store::LiveSignal& signal);

  // The nowcast of a (session, SKU) at `at_ms` (the last signal's time when nullopt);
  // nullopt when unplanned.
  std::optional<NowcastView> nowcast(const std::string& session_id, const std::string& gtin,
                                     std::optional<TimeMs> at_ms = {}) const;
  std::optional<double> nowcast_units(const std::string& session_id,
                                      const std::string& gtin) const {
    auto view = nowcast(session_id, gtin);
    return view ? std::optional<double>(view->nowcast_units) : std::nullopt;
  }
  // The pre-session forecast of a planned (session, SKU); nullopt when unplanned.
  std::optional<double> forecast_units(const std::string& session_id,
                                       const std::string& gtin) const;
  // A session's (starts_at_ms, duration_min); nullopt when set_session never ran for it.
  std::optional<std::pair<TimeMs, int>> session_timing(const std::string& session_id) const {
    auto found = sessions_.find(session_id);
    if (found == sessions_.end()) return std::nullopt;
    return std::pair{found->second.starts_at_ms, found->second.duration_min};
  }
  // The SKUs planned in a session (key order).
  std::vector<std::string> session_skus(const std::string& session_id) const {
    std::vector<std::string> out;
    for (auto it = tracks_.lower_bound({session_id, ""});
         it != tracks_.end() && it->first.first == session_id; ++it) {
      if (it->second.forecast_units > 0 || it->second.add_to_cart_peak > 0) {
        out.push_back(it->first.second);
      }
    }
    return out;
  }
  // Sessions with timing whose planned window (plus one hour of grace) holds `now_ms`:
  // those whose in-session counters a restart must rebuild.
  std::vector<std::string> live_sessions(TimeMs now_ms) const {
    std::vector<std::string> out;
    for (const auto& [id, session] : sessions_) {
      TimeMs ends_at_ms = session.starts_at_ms + (session.duration_min + 60) * int64_t{60'000};
      if (session.starts_at_ms <= now_ms && now_ms <= ends_at_ms) out.push_back(id);
    }
    return out;
  }
  const RuleOptions& options() const { return options_; }
  bool has_model() const { return model_.has_value(); }

  // Durable plans: the record of a (session, SKU)'s plan (kind session_plan, key
  // "session/sku", body {"session", "sku", "forecast_units", "add_to_cart_peak",
  // "starts_at_ms"?, "duration_min"?}), and restoring one at start. Errors: corruption
  // (field "state") for a bad body.
  engine::PutRuleState plan_record(const std::string& session_id, const std::string& gtin) const;
  Result<void> restore_plan(const std::string& body_json);

 private:
  struct Track {
    double forecast_units = 0;
    double add_to_cart_peak = 0;
    double uplift = 0;
    double sales_units = 0;
    double add_to_cart_units = 0;  // since the session started (the nowcaster's funnel)
    TimeMs last_at_ms = 0;
    std::deque<std::pair<TimeMs, int64_t>> add_to_cart;  // (at, qty) within the window
    int64_t add_to_cart_in_window = 0;
    bool surge_raised = false;
    bool over_forecast_raised = false;
  };
  // Session timing and its viewers, as viewer-minutes: each reading holds until the
  // next one, so the count of a minute is the last reading at or before it.
  struct Session {
    TimeMs starts_at_ms = 0;
    int duration_min = 0;
    double planned_units = 0;   // Σ forecast_units of the session's SKUs
    double viewer_minutes = 0;  // up to viewers_at_ms
    double viewers_last = 0;    // the last reading
    TimeMs viewers_at_ms = 0;   // its time
    bool viewers_seen = false;
  };
  Track& track(const std::string& session_id, const std::string& gtin);
  double viewers_until(const Session& session, TimeMs at_ms) const;
  NowcastView compute_nowcast(const std::string& session_id, const Track& t, TimeMs at_ms) const;
  void evaluate(const std::string& session_id, const std::string& gtin, Track& t, TimeMs at_ms,
                std::vector<engine::RaiseAlert>& out);

  RuleOptions options_;
  std::optional<forecast::NowcastModel> model_;
  std::map<std::pair<std::string, std::string>, Track> tracks_;
  std::map<std::string, Session> sessions_;
};

// Red: turnover (days of cover turned into a rate, or sell-through per period — the
// caller's unit) at least `turnover_below_benchmark` below its benchmark → a clearance
// promotion. nullopt when within tolerance. REQUIRES: benchmark > 0.
std::optional<engine::RaiseAlert> turnover_alert(const std::string& gtin,
                                                 const std::string& location_id, double turnover,
                                                 double benchmark, const RuleOptions& options);

// Forecast safety (docs/forecasting.md): a review flag (30–40% deviation → yellow,
// beyond → orange) and an open circuit breaker (red) become alerts on the model/SKU.
std::optional<engine::RaiseAlert> forecast_review_alert(const std::string& gtin,
                                                        const forecast::ReviewDecision& review);
engine::RaiseAlert circuit_breaker_alert(const std::string& gtin, int bad_sessions);

// ---- turnover below benchmark (red, spec §4) -----------------------------------------

// One SKU × location as the ledger has it now.
struct TurnoverSample {
  std::string gtin;
  std::string location_id;
  int64_t sold_units = 0;  // cumulative (engine Balance::sold_units)
  int64_t on_hand_units = 0;
};

// The red rule over ledger samples. review() closes a window for every sample: a pair
// seen for the first time only opens its window; a pair whose average on hand was 0
// is skipped (turnover undefined). With a benchmark > 0 and turnover ≤ (1 −
// turnover_below_benchmark) × benchmark it raises turnover_below_benchmark (red,
// action clearance_promotion) once, and resolves it when turnover is back above.
// Durable through PutRuleState records (kind turnover, key "gtin/location", body
// {"at_ms", "sold", "on_hand", "history": [last turnovers], "raised"}). Not thread
// safe: one caller.
class TurnoverRules {
 public:
  explicit TurnoverRules(RuleOptions options) : options_(std::move(options)) {}
  RuleChange review(const std::vector<TurnoverSample>& samples, TimeMs now_ms);
  // When the last review ran (0: never): the server reviews every turnover_window_ms.
  TimeMs last_review_ms() const { return last_review_ms_; }
  Result<void> restore(const std::string& key, const std::string& body_json);

 private:
  struct Pair {
    TimeMs at_ms = 0;
    int64_t sold = 0;
    int64_t on_hand = 0;
    std::deque<double> history;
    bool raised = false;
  };
  RuleOptions options_;
  std::map<std::string, Pair> pairs_;
  TimeMs last_review_ms_ = 0;
};

// ---- forecast safety → alerts (spec §2; forecast/safety.hpp) ------------------------

// The forecast safety rules per SKU, fed by session plans and finished sessions:
//   - review: a plan whose forecast deviates from the baseline (given, or the median
//     of the SKU's last 5 actuals) by more than 30% raises forecast_review (yellow up
//     to 40%, orange beyond);
//   - circuit breaker: 3 consecutive bad sessions (APE > 25%) of the primary model
//     trip it: forecast_circuit_breaker (red, action switch_model to conservative);
//     3 good sessions recover it and resolve that alert;
//   - shadow model: sessions that carry a shadow forecast score it beside the active
//     one; when the promotion report says promote, shadow_model_promotion (yellow,
//     action promote_model).
// Durable through PutRuleState records (kind forecast_safety, key the GTIN, body the
// SKU's finished sessions, at most sessions_max, replayed into the breaker and the
// evaluator at start). Not thread safe: one caller.
class ForecastSafetyRules {
 public:
  explicit ForecastSafetyRules(forecast::SafetyPolicy policy = {}, size_t sessions_max = 1'000)
      : policy_(policy), sessions_max_(sessions_max) {}

  // At plan time. nullopt when no baseline is known or the forecast is within bounds.
  std::optional<engine::RaiseAlert> review(const std::string& session_id, const std::string& gtin,
                                           double forecast_units,
                                           std::optional<double> baseline_units) const;
  // A finished session of `gtin`: its actual units, the primary model's forecast and
  // optionally a shadow model's. The view tells the APE, the model for the next
  // session, the streaks and the shadow's report. Errors: invalid_argument naming
  // "actual_units" / "forecast_units" / "shadow_forecast_units".
  Result<RuleChange> record_outcome(const std::string& session_id, const std::string& gtin,
                                    double actual_units, double forecast_units,
                                    std::optional<double> shadow_forecast_units);
  Result<void> restore(const std::string& gtin, const std::string& body_json);

 private:
  struct Session {
    double actual = 0, forecast = 0;
    std::optional<double> shadow;
  };
  struct Track {
    explicit Track(const forecast::SafetyPolicy& policy) : breaker(policy), shadow(policy) {}
    std::deque<Session> sessions;
    forecast::CircuitBreaker breaker;
    forecast::ShadowEvaluator shadow;
    bool promotion_raised = false;
  };
  Track& track(const std::string& gtin);
  Result<void> apply(Track& t, const Session& s);
  engine::PutRuleState record(const std::string& gtin, const Track& t) const;

  forecast::SafetyPolicy policy_;
  size_t sessions_max_;
  std::map<std::string, Track> tracks_;
};

// ---- warehouse anomaly levels (spec §4) ------------------------------------------

// One report of a warehouse: picking + shipping operations and the errors among them.
struct WarehouseReport {
  std::string warehouse_id;
  TimeMs at_ms = 0;
  int64_t operations = 0;  // REQUIRES: >= 0
  int64_t errors = 0;      // REQUIRES: >= 0
};
struct WarehouseStatus {
  std::string warehouse_id;
  double error_rate = 0;
  int level = 1;
  std::string response;
  int64_t operations = 0;  // in the window
  int64_t errors = 0;
};

// Level of an error rate: 1 below 3% (automatic re-routing of picking), 2 below 8%
// (a neighbouring warehouse helps), 3 below 15% (the supplier ships direct), 4 below
// 25% (third-party warehousing), 5 from 25% (the industry emergency pool).
int warehouse_level(double error_rate);
std::string_view warehouse_response(int level);  // REQUIRES: 1 <= level <= 5

// The error rate of each warehouse over a sliding window of reports. Not thread safe.
class WarehouseLevels {
 public:
  WarehouseLevels(int64_t window_ms, int64_t operations_min)
      : window_ms_(window_ms), operations_min_(operations_min) {}
  // Applies a report; `alert` is set when the level changed: a RaiseAlert
  // ("warehouse_anomaly", subject location, severity yellow/orange/red by level, the
  // level's response as the action), or a ResolveAlert when back to level 1. Reports
  // older than the window are dropped; below operations_min in the window the level
  // does not move. REQUIRES: reports of one warehouse in time order.
  WarehouseStatus on_report(const WarehouseReport& report, std::optional<engine::Command>& alert);
  // Durable levels: the record of a warehouse (kind warehouse, key its id, body
  // {"level", "reports": [[at_ms, operations, errors], …]} — the window), and restoring
  // one at start. Errors: corruption (field "state").
  engine::PutRuleState record(const std::string& warehouse_id) const;
  Result<void> restore(const std::string& warehouse_id, const std::string& body_json);
  // At most this many reports per window: beyond, the oldest leave early.
  void set_reports_max(size_t reports_max) { reports_max_ = reports_max; }

 private:
  struct Track {
    std::deque<WarehouseReport> reports;
    int64_t operations = 0;
    int64_t errors = 0;
    int level = 1;
  };
  int64_t window_ms_;
  int64_t operations_min_;
  size_t reports_max_ = 1'000;
  std::map<std::string, Track> tracks_;
};

// ---- carrier failover (spec §3) ----------------------------------------------------

// Lanes with ranked carriers, shipments on them and delivery scans. A scan is delayed
// when its status is "exception" or it comes after the shipment's promised time. The
// delay rate of a lane is delayed / all scans of shipments carried by its ACTIVE
// carrier over the last lane_window_ms (at most lane_window_scans_max scans); once
// the window holds lane_scans_min scans and the rate exceeds lane_delay_rate_max the
// lane switches to the next ranked carrier (its window starts empty), new shipments
// use that carrier, and the alert carrier_failover (orange; red when no carrier is
// left) says so. Not thread safe: one caller. Durable through PutRuleState records
// (kind lane: key the lane id; kind shipment: key the shipment id, removed once
// delivered).
class LaneMonitor {
 public:
  explicit LaneMonitor(RuleOptions options) : options_(std::move(options)) {}

  // PUT /v1/lanes/{id} {"carriers": [ranked]}. The same list again changes nothing;
  // another list makes its first carrier active with an empty window. Errors:
  // invalid_argument "carriers" (empty, too many, repeated), "carriers[i]".
  Result<RuleChange> set_carriers(const std::string& lane_id,
                                  const std::vector<std::string>& carriers, TimeMs now_ms);
  // Errors: not_found "lane".
  Result<boost::json::object> lane_view(const std::string& lane_id, TimeMs now_ms) const;
  // POST /v1/shipments: a new shipment on a lane gets the lane's active carrier.
  // The same id and lane again answer the existing shipment (no change). Errors:
  // not_found "lane"; invalid_state "id" (exists on another lane); limit_exceeded
  // "shipments".
  Result<RuleChange> create_shipment(const std::string& shipment_id, const std::string& lane_id,
                                     std::optional<TimeMs> promised_at_ms, TimeMs now_ms);
  // Errors: not_found "id".
  Result<boost::json::object> shipment_view(const std::string& shipment_id) const;
  // POST /v1/shipments/{id}/scans. `status` one of kScanStatuses (the caller checked).
  // Errors: not_found "id" (unknown or already delivered).
  Result<RuleChange> scan(const std::string& shipment_id, const std::string& status, TimeMs at_ms);

  // Restoring records at start. Errors: corruption (field "state").
  Result<void> restore_lane(const std::string& lane_id, const std::string& body_json);
  Result<void> restore_shipment(const std::string& shipment_id, const std::string& body_json);

 private:
  struct Lane {
    std::vector<std::string> carriers;
    size_t active = 0;
    bool exhausted = false;  // the last carrier is over the threshold (alert raised)
    std::deque<std::pair<TimeMs, bool>> scans;  // (at, delayed) of the active carrier
    int64_t delayed = 0;
  };
  struct Shipment {
    std::string lane_id;
    std::string carrier;
    std::optional<TimeMs> promised_at_ms;
    TimeMs created_at_ms = 0;
    std::string status = "created";
    int64_t scans = 0;
    int64_t delayed_scans = 0;
  };
  void prune(Lane& lane, TimeMs now_ms) const;
  boost::json::object view(const std::string& lane_id, const Lane& lane) const;
  engine::PutRuleState lane_record(const std::string& lane_id, const Lane& lane) const;
  engine::PutRuleState shipment_record(const std::string& shipment_id, const Shipment& s) const;
  static boost::json::object shipment_json(const std::string& shipment_id, const Shipment& s);

  RuleOptions options_;
  std::map<std::string, Lane> lanes_;
  std::map<std::string, Shipment> shipments_;
};

// A rule state record that does not decode: corruption, field "state", naming `what`
// (rule_state.cpp; shared by every rule that restores records).
Error bad_state(const std::string& what);

// Statuses a delivery scan may carry.
inline constexpr std::string_view kScanStatuses[] = {"picked_up", "in_transit", "out_for_delivery",
                                                     "delivered", "exception"};

}  // namespace livechain::alerts
