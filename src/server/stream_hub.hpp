// src/server/stream_hub.hpp — internal: /v1/stream subscriptions. Every push period the
// hub reads the subscribed balances on the engine thread (skipped when nothing was
// applied since the last look), diffs them per client and pushes the changes and the
// stock alerts they raise. Clients are WebSocket sessions behind StreamClient.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "engine/sequencer.hpp"

namespace livechain::server {

// What the hub needs from a connected client.
class StreamClient {
 public:
  virtual ~StreamClient() = default;
  // Queues one text message; thread-safe, never blocks. Returns false when the client
  // is gone or too slow (its queue is full): the hub then drops it.
  virtual bool send(std::string message) = 0;
};

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
  };
  void publish(std::map<Key, Row> rows, uint64_t applied_events);

  engine::Sequencer& sequencer_;
  const StreamLimits limits_;
  mutable std::mutex mutex_;
  std::map<const StreamClient*, Subscription> clients_;  // GUARDED_BY(mutex_)
  uint64_t seen_events_ = UINT64_MAX;                    // GUARDED_BY(mutex_)
  bool read_in_flight_ = false;                          // GUARDED_BY(mutex_)
};

}  // namespace livechain::server
