// src/server/metrics.hpp — internal: the server's counters and histograms, rendered in
// the Prometheus text exposition format (version 0.0.4) at /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace livechain::server {

// Cumulative-bucket histogram with fixed upper bounds; lock-free observe.
class Histogram {
 public:
  explicit Histogram(std::span<const double> upper_bounds);
  void observe(double value);
  // Appends "<name>_bucket{<labels>,le=…} n" lines, _sum and _count.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::span<const double> upper_bounds_;
  std::array<std::atomic<uint64_t>, 20> buckets_{};  // one more than bounds: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum × 1e6, integer so it can be atomic
};

enum class ReservationOutcome : uint8_t {
  created,
  idempotent_replay,
  insufficient_stock,
  rejected,  // invalid request, unknown sku/channel, idempotency conflict …
  committed,
  released,
  expired,
  count_,
};
std::string_view reservation_outcome_name(ReservationOutcome outcome);

class Metrics {
 public:
  Metrics();
  // One finished HTTP request. `route` is the route template ("/v1/stock/{sku}") or
  // "unmatched"; its cardinality is bounded by the route table.
  void observe_request(std::string_view method, std::string_view route, unsigned status,
                       double seconds);
  void observe_batch(uint64_t commands, uint64_t events, uint32_t commit_latency_us);
  void count_reservations(ReservationOutcome outcome, uint64_t count = 1);
  void count_signals(uint64_t accepted, uint64_t rejected);

  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> websocket_clients{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> journal_events{0};  // Merkle tree size after the last commit

  // Renders everything; `queue_depth` and `snapshots` are sampled by the caller.
  std::string render(uint64_t queue_depth, uint64_t snapshots) const;

 private:
  struct RouteSeries {
    std::map<unsigned, uint64_t> by_status;
    std::unique_ptr<Histogram> latency;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, RouteSeries> requests_;  // (method, route)
  Histogram batch_commands_;
  Histogram commit_seconds_;
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ReservationOutcome::count_)>
      reservations_{};
  std::atomic<uint64_t> signals_accepted_{0};
  std::atomic<uint64_t> signals_rejected_{0};
};

}  // namespace livechain::server
