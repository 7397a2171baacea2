// src/alerts/rules.hpp — part of the alerts module's public surface (included by
// alerts.hpp): the graded-response rules of spec §4 over live signals.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
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
  // Warehouse anomaly levels: the error rate over this window, once it holds at least
  // warehouse_operations_min operations.
  int64_t warehouse_window_ms = 3'600'000;
  int64_t warehouse_operations_min = 100;
};

// Checks ranges. Errors: invalid_argument naming "alerts.<key>".
Result<void> validate_rule_options(const RuleOptions& options);

// Per (session, SKU) state fed by live signals; evaluate after each signal. Not thread
// safe: one caller (the server's rules worker, or the bench).
class SignalRules {
 public:
  explicit SignalRules(RuleOptions options) : options_(std::move(options)) {}

  // The session's pre-session forecast of `gtin` (units) and the SKU's historical peak
  // add-to-cart rate (per rate window); 0 turns the matching rule off.
  void set_plan(const std::string& session_id, const std::string& gtin, double forecast_units,
                double add_to_cart_peak);
  // Applies one signal and returns the alerts it raises or escalates now (crossings
  // only: a rule fires once per (session, SKU) and level until the level changes).
  // A comment (no SKU) updates the nowcast of every SKU of its session.
  std::vector<engine::RaiseAlert> on_signal(const store::LiveSignal& signal);

  // The nowcast of a (session, SKU): forecast × (1 + uplift); nullopt when unplanned.
  std::optional<double> nowcast_units(const std::string& session_id, const std::string& gtin) const;
  const RuleOptions& options() const { return options_; }

 private:
  struct Track {
    double forecast_units = 0;
    double add_to_cart_peak = 0;
    double uplift = 0;
    double sales_units = 0;
    std::deque<std::pair<TimeMs, int64_t>> add_to_cart;  // (at, qty) within the window
    int64_t add_to_cart_in_window = 0;
    bool surge_raised = false;
    bool over_forecast_raised = false;
  };
  Track& track(const std::string& session_id, const std::string& gtin);
  void evaluate(const std::string& session_id, const std::string& gtin, Track& t, TimeMs at_ms,
                std::vector<engine::RaiseAlert>& out);

  RuleOptions options_;
  std::map<std::pair<std::string, std::string>, Track> tracks_;
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

 private:
  struct Track {
    std::deque<WarehouseReport> reports;
    int64_t operations = 0;
    int64_t errors = 0;
    int level = 1;
  };
  int64_t window_ms_;
  int64_t operations_min_;
  std::map<std::string, Track> tracks_;
};

}  // namespace livechain::alerts
