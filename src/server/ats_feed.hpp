// src/server/ats_feed.hpp — internal: channel available-to-sell changes → the durable
// webhook outbox as "ats.changed" messages (docs/channels.md "Second-level sync").
// The stream hub hands over the changed rows on the engine thread; they are coalesced
// per (channel, SKU) and enqueued by the worker in one transaction per drain, never on
// the engine or an I/O thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "alerts/alerts.hpp"
#include "server/stream_hub.hpp"

namespace livechain::server {

inline constexpr std::string_view kAtsMessageType = "ats.changed";

class AtsFeed {
 public:
  // Registers "ats.changed" with the outbox (before serving). `run_blocking` posts to
  // the worker; `wake_dispatcher` nudges the webhook dispatcher after an enqueue.
  AtsFeed(alerts::Outbox& outbox, std::function<void(std::function<void()>)> run_blocking,
          std::function<void()> wake_dispatcher);

  // Whether a webhook subscribes to "ats.changed" (as of the last refresh).
  bool wanted() const { return wanted_.load(std::memory_order_relaxed); }
  // Worker thread, once a second: re-reads whether a webhook subscribes.
  void refresh() { wanted_.store(outbox_.has_subscribers(kAtsMessageType)); }
  // Any thread (the engine thread): queues the rows and schedules a drain. Never blocks
  // beyond a short lock.
  void on_changed(std::vector<AtsRow> rows, TimeMs observed_at_ms);
  // Prometheus text: messages enqueued, drains refused by a full outbox, and the
  // observation → durable-in-outbox lag histogram.
  std::string metrics_text() const;

 private:
  void drain();  // worker
  struct Pending {
    int64_t available_units = 0;
    TimeMs observed_at_ms = 0;
  };
  alerts::Outbox& outbox_;
  std::function<void(std::function<void()>)> run_blocking_;
  std::function<void()> wake_dispatcher_;
  std::atomic<bool> wanted_{false};
  mutable std::mutex mutex_;
  // Latest value per (channel, sku) not yet enqueued: a newer change replaces an older
  // one, so a full outbox delays the latest value rather than losing it.
  std::map<std::pair<std::string, std::string>, Pending> pending_;  // GUARDED_BY(mutex_)
  bool drain_scheduled_ = false;                                    // GUARDED_BY(mutex_)
  static constexpr double kLagBucketsS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
  uint64_t lag_buckets_[std::size(kLagBucketsS) + 1] = {};  // GUARDED_BY(mutex_)
  double lag_sum_s_ = 0;                                    // GUARDED_BY(mutex_)
  uint64_t enqueued_ = 0;                                   // GUARDED_BY(mutex_)
  uint64_t refused_ = 0;                                    // GUARDED_BY(mutex_)
};

}  // namespace livechain::server
