// src/server/channel_checker.hpp — internal: the channel consistency checker
// (docs/channels.md "Consistency checker"). Every check_interval_ms the worker takes
// each channel's latest observed stock of each SKU (PATH.observed), reads the truth on
// the engine thread (engine::channel_sellable_total, the one definition), records the
// drift, and raises a channel_drift alert (engine RaiseAlert, journaled) above the
// threshold — resolving it once the channel is back within it.
#pragma once

#include <atomic>
#include <functional>

#include "engine/sequencer.hpp"
#include "store/store.hpp"

namespace livechain::server {

// |observed - truth| / max(truth, 1) * 100: a channel showing 1 unit of a sold-out
// SKU deviates by 100%.
double drift_deviation_pct(int64_t observed_units, int64_t truth_units);

class ChannelChecker {
 public:
  ChannelChecker(engine::Sequencer& sequencer, store::ObservedStockStore& observed,
                 std::function<void(std::function<void()>)> run_blocking, double threshold_pct)
      : sequencer_(sequencer),
        observed_(observed),
        run_blocking_(std::move(run_blocking)),
        threshold_pct_(threshold_pct) {}

  // Worker thread: starts one check (skipped while the previous one runs). Completes
  // on the worker after one engine read; the alerts commit through the Sequencer.
  void check();
  uint64_t checks_done() const { return checks_done_.load(); }

 private:
  engine::Sequencer& sequencer_;
  store::ObservedStockStore& observed_;
  std::function<void(std::function<void()>)> run_blocking_;
  const double threshold_pct_;
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> checks_done_{0};
};

}  // namespace livechain::server
