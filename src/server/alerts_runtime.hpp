// src/server/alerts_runtime.hpp — internal: the alerts machinery a running server owns:
// the outbox (PATH.outbox), the journal → outbox feed, the webhook dispatcher, the
// outbox-bound alert and the alert metrics. Each has its own thread or runs on the
// worker; none runs on the engine thread or blocks an I/O thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/alerts.hpp"
#include "engine/sequencer.hpp"
#include "engine/state.hpp"

namespace livechain::server {

class AlertsRuntime {
 public:
  // Opens the outbox. Errors: those of Outbox::open.
  // Without `nowcast_model` the orange rule's nowcast is plan_uplift.
  static Result<std::unique_ptr<AlertsRuntime>> open(
      const std::string& db_path, const alerts::WebhookOptions& options,
      const alerts::RuleOptions& rules, const Clock& clock,
      std::optional<forecast::NowcastModel> nowcast_model = {});
  ~AlertsRuntime();  // stop()

  // Starts the feed and the dispatcher; `sequencer` raises the outbox-bound alert.
  // `run_on_worker` posts work to the worker thread the rules live on.
  void start(engine::Sequencer& sequencer,
             std::function<void(std::function<void()>)> run_on_worker);
  void stop();
  // After every durable batch (journal thread): cheap, never blocks.
  void on_batch_durable() { feed_->wake(); }
  // Once a second on the worker: samples the backlog and open alerts for /metrics, and
  // raises or resolves outbox_near_bound.
  void tick();
  std::string metrics_text() const;
  alerts::Outbox& outbox() { return *outbox_; }
  void wake_dispatcher() { dispatcher_->wake(); }
  // Worker thread only (the rules are single-threaded): evaluate stored live signals and
  // submit the alerts they raise; set a session plan.
  void on_signals(const std::vector<store::LiveSignal>& signals);
  // Before the sequencer starts: the rule state (plans, warehouse windows, lanes,
  // shipments) from the engine's records. Errors: corruption (a record that does not
  // decode).
  Result<void> restore(const engine::LedgerState::RuleStateMap& records);
  // At start, after restore() and before start(): replays the stored signals (at most
  // kReplaySignalsPerSessionMax each) of every session live at `now_ms` into the rules,
  // so the in-session counters behind the nowcast stand as they did before the restart.
  // The alerts those signals raised are in the journal already: the replay raises none.
  // Returns the number of signals replayed. Errors: those of SignalStore::session.
  Result<size_t> replay_signals(store::SignalStore& signals, TimeMs now_ms);
  static constexpr size_t kReplaySignalsPerSessionMax = 2'000'000;
  // Worker thread only. Each returns the answer and the commands to journal before
  // answering (the changed state's records, then the alerts raised); the caller
  // submits them. Errors: those of the rule objects (field named).
  Result<alerts::RuleChange> warehouse_report(const alerts::WarehouseReport& report);
  // A plan also runs the forecast review flag against `baseline_units` (default: the
  // median of the SKU's last actuals), and sets the session's start and planned length
  // (absent: the session's earlier ones, else now and the configured default).
  // REQUIRES: duration_min within [1, forecast::kSessionMinutesMax] when given.
  Result<alerts::RuleChange> set_plan(const std::string& session, const std::string& gtin,
                                      double forecast_units, double add_to_cart_peak,
                                      std::optional<double> baseline_units,
                                      std::optional<TimeMs> starts_at_ms = {},
                                      std::optional<int> duration_min = {});
  // A finished session: the circuit breaker and the shadow model. `forecast_units`
  // defaults to the session plan's. Errors: invalid_argument "forecast_units" (no
  // plan and none given) and those of ForecastSafetyRules::record_outcome.
  Result<alerts::RuleChange> session_outcome(const std::string& session, const std::string& gtin,
                                             double actual_units,
                                             std::optional<double> forecast_units,
                                             std::optional<double> shadow_forecast_units);
  // The red rule over ledger samples (taken on the engine thread by the caller).
  alerts::RuleChange turnover_review(const std::vector<alerts::TurnoverSample>& samples,
                                     TimeMs now_ms);
  // Samples every SKU × location with stock or sales (engine thread only).
  static std::vector<alerts::TurnoverSample> turnover_samples(const engine::Engine& engine);
  alerts::LaneMonitor& lanes() { return *lanes_; }

 private:
  AlertsRuntime() = default;
  const Clock* clock_ = nullptr;
  engine::Sequencer* sequencer_ = nullptr;
  std::unique_ptr<alerts::Outbox> outbox_;
  std::unique_ptr<alerts::WebhookDispatcher> dispatcher_;
  std::unique_ptr<alerts::AlertFeed> feed_;
  bool near_bound_open_ = false;                         // worker thread only
  std::unique_ptr<alerts::SignalRules> rules_;           // worker thread only
  std::unique_ptr<alerts::WarehouseLevels> warehouses_;  // worker thread only
  std::unique_ptr<alerts::LaneMonitor> lanes_;           // worker thread only
  std::unique_ptr<alerts::ForecastSafetyRules> safety_;  // worker thread only
  std::unique_ptr<alerts::TurnoverRules> turnover_;      // worker thread only
  alerts::RuleOptions rule_options_;
  // Submits commands a rule produced on its own (ticks, signals), logging refusals.
  void submit_unattended(std::vector<engine::Command> commands);
  void review_turnover_if_due();  // worker thread only
  std::function<void(std::function<void()>)> run_on_worker_;
  bool turnover_due_pending_ = false;  // worker thread only
  TimeMs turnover_started_ms_ = 0;     // worker thread only
  mutable std::mutex mutex_;
  std::string open_alerts_text_;  // GUARDED_BY(mutex_)
  std::atomic<uint64_t> pending_{0};
  std::atomic<int64_t> oldest_age_ms_{0};
};

}  // namespace livechain::server
