// src/server/alerts_runtime.hpp — internal: the alerts machinery a running server owns:
// the outbox (PATH.outbox), the journal → outbox feed, the webhook dispatcher, the
// outbox-bound alert and the alert metrics. Each has its own thread or runs on the
// worker; none runs on the engine thread or blocks an I/O thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/alerts.hpp"
#include "engine/sequencer.hpp"

namespace livechain::server {

class AlertsRuntime {
 public:
  // Opens the outbox. Errors: those of Outbox::open.
  static Result<std::unique_ptr<AlertsRuntime>> open(const std::string& db_path,
                                                     const alerts::WebhookOptions& options,
                                                     const alerts::RuleOptions& rules,
                                                     const Clock& clock);
  ~AlertsRuntime();  // stop()

  // Starts the feed and the dispatcher; `sequencer` raises the outbox-bound alert.
  void start(engine::Sequencer& sequencer);
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
  // Worker thread only: applies a warehouse report; `alert` set on a level change.
  alerts::WarehouseStatus warehouse_report(const alerts::WarehouseReport& report,
                                           std::optional<engine::Command>& alert);
  boost::json::object set_plan(const std::string& session, const std::string& gtin,
                               double forecast_units, double add_to_cart_peak);

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
  mutable std::mutex mutex_;
  std::string open_alerts_text_;  // GUARDED_BY(mutex_)
  std::atomic<uint64_t> pending_{0};
  std::atomic<int64_t> oldest_age_ms_{0};
};

}  // namespace livechain::server
