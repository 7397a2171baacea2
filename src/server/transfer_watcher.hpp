// src/server/transfer_watcher.hpp — internal: transfers triggered by the ledger
// (docs/planning.md "Triggered by the ledger"). After every durable batch the watcher
// looks once (one look in flight; batches during a look make exactly one more): on the
// engine thread it compares the watched SKU × location rows with the planned sessions'
// thresholds (planning/threshold_transfers.hpp, refreshed at most once a second of
// engine time); off it, on the worker, it solves each trigger exactly and submits the
// decision — a proposal alert or the shipments — through the single writer. A SKU is
// decided at most once per cooldown.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "engine/sequencer.hpp"
#include "planning/threshold_transfers.hpp"
#include "server/look_gate.hpp"

namespace livechain::server {

class TransferWatcher {
 public:
  TransferWatcher(const Clock& clock, planning::ThresholdTransferConfig config,
                  std::function<void(std::function<void()>)> run_blocking)
      : clock_(clock), config_(std::move(config)), run_blocking_(std::move(run_blocking)) {}

  // Set once, before the first batch.
  void attach(engine::Sequencer& sequencer) { sequencer_ = &sequencer; }
  // Journal thread, after every group commit: schedules a look. Never blocks.
  void on_batch_durable();
  // Prometheus text: looks, triggers, decisions, shipments, failures, watched rows.
  std::string metrics_text() const;

 private:
  void look();                                                                  // worker
  void decide(std::vector<planning::TransferTrigger> triggers, TimeMs now_ms);  // worker
  void finish_look();

  const Clock& clock_;
  const planning::ThresholdTransferConfig config_;
  std::function<void(std::function<void()>)> run_blocking_;
  engine::Sequencer* sequencer_ = nullptr;
  LookGate look_gate_;
  // Engine thread only (inside the read): the thresholds and when they were computed.
  std::vector<planning::LocationThreshold> thresholds_;
  TimeMs thresholds_at_ms_ = 0;
  bool thresholds_known_ = false;
  // Worker only.
  std::map<std::string, TimeMs> decided_at_ms_;  // per SKU, for the cooldown
  std::atomic<uint64_t> looks_{0}, triggers_{0}, decisions_{0}, shipments_{0}, reroutes_{0},
      failures_{0};
  std::atomic<uint64_t> watched_{0};
  // Nothing is watched until then (engine time): batches before it need no look.
  std::atomic<TimeMs> idle_until_ms_{0};
};

}  // namespace livechain::server
