// src/server/stream_hub.hpp — internal: /v1/stream subscriptions. Every push period the
// hub reads the subscribed balances on the engine thread (skipped when nothing was
// applied since the last look), diffs them per client and pushes the changes and the
// stock alerts they raise. Clients are WebSocket sessions behind StreamClient.
// Channel subscriptions ({"subscribe": {"channels": [...]}}) get {"type": "ats", …}
// whenever a channel's available-to-sell of a SKU changes (stream_hub_ats.cpp); the
// same changes feed the "ats.changed" webhooks through AtsSink.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/sequencer.hpp"

namespace livechain::server {

// What the hub needs from a connected client.
class StreamClient {
 public:
  virtual ~StreamClient() = default;
  // Queues one push's text messages, all or none; thread-safe, never blocks. Returns
  // false when the client is gone or too slow — its queue cannot take the whole push
  // (so a first push over the queue limit always fails, however fast the client
  // reads): the client is then closed and the hub drops it. An empty push only reports
  // whether the client is still there.
  virtual bool send_all(std::vector<std::string> messages) = 0;
  // One message: send_all of a push of one.
  bool send(std::string message) {
    std::vector<std::string> push;
    push.push_back(std::move(message));
    return send_all(std::move(push));
  }
};

// One channel × SKU available-to-sell (engine::channel_sellable_total), GTIN-14.
struct AtsRow {
  std::string channel;
  std::string sku;
  int64_t available_units = 0;
};
// Receives, on the engine thread, the rows that changed since the last look (all rows
// of every channel at the first look). Must not block.
using AtsSink = std::function<void(std::vector<AtsRow> changed, TimeMs observed_at_ms)>;

struct StreamLimits {
  size_t subscriptions_per_client_max = 1'000;
  int64_t low_stock_units = 10;
};

class StreamHub {
 public:
  StreamHub(engine::Sequencer& sequencer, StreamLimits limits)
      : sequencer_(sequencer), limits_(limits) {}

  // Handles one client message ({"subscribe": {"skus": [...], "locations": [...]}} or
  // "unsubscribe"); answers through the client. SKUs may be any GTIN length.
  void on_message(const std::shared_ptr<StreamClient>& client, std::string_view message);
  void remove(const StreamClient* client);
  size_t client_count() const;

  // Called by the server's timer every push period.
  void tick();

  // Called by the server's timer every ATS period (ats_push_interval_ms): reads the
  // available-to-sell of the channels clients subscribed to — of every channel while
  // `all_channels()` says a webhook wants "ats.changed" — and pushes the changes.
  // O(channels × SKUs) engine work when something was applied since the last look,
  // nothing otherwise.
  void tick_ats();
  // Set once before serving.
  void set_ats_sink(AtsSink sink, std::function<bool()> all_channels) {
    ats_sink_ = std::move(sink);
    ats_all_channels_ = std::move(all_channels);
  }

 private:
  struct Row {
    int64_t on_hand = 0;
    int64_t reserved = 0;
    int64_t available = 0;
    int64_t in_transit = 0;
    bool operator==(const Row&) const = default;
  };
  using Key = std::pair<std::string, std::string>;  // (gtin, location)
  struct Subscription {
    std::weak_ptr<StreamClient> client;
    std::set<std::string> skus;
    std::set<std::string> locations;
    std::map<Key, Row> last_sent;
    std::set<std::string> channels;
    std::map<Key, int64_t> last_ats;  // (channel, gtin) → available sent
  };
  void publish(std::map<Key, Row> rows, uint64_t applied_events);
  struct AtsChanges {
    std::vector<AtsRow> changed;  // since the last look
    std::vector<AtsRow> all;      // every wanted row, on a resend only
  };
  // Engine thread: the wanted (channel, SKU) rows that changed since the last look.
  AtsChanges read_ats(const engine::LedgerState& state, const std::set<std::string>& ids,
                      bool all_channels, bool resend);
  void publish_ats(const std::vector<AtsRow>& rows, TimeMs at_ms, uint64_t applied_events);

  engine::Sequencer& sequencer_;
  const StreamLimits limits_;
  mutable std::mutex mutex_;
  std::map<const StreamClient*, Subscription> clients_;  // GUARDED_BY(mutex_)
  uint64_t seen_events_ = UINT64_MAX;                    // GUARDED_BY(mutex_)
  bool read_in_flight_ = false;                          // GUARDED_BY(mutex_)
  uint64_t ats_seen_events_ = UINT64_MAX;                // GUARDED_BY(mutex_)
  bool ats_read_in_flight_ = false;                      // GUARDED_BY(mutex_)
  bool ats_resend_ = false;  // GUARDED_BY(mutex_): a new channel subscription
  // Engine thread only (one ATS read in flight): the last available-to-sell seen per
  // (channel index, SKU index), to find what changed.
  std::unordered_map<uint64_t, int64_t> ats_seen_;  // key: channel << 32 | sku
  bool ats_all_channels_last_ = false;              // engine thread only
  AtsSink ats_sink_;
  std::function<bool()> ats_all_channels_;
};

}  // namespace livechain::server
