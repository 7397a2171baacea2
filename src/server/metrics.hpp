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
#include <vector>

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
  // One finished HTTP request. `route_index` is the route's position in the route
  // table, or table size + Method for requests no route matched; labels come from the table,
  // so cardinality is bounded. Lock-free and allocation-free: it runs per request.
  void observe_request(size_t route_index, unsigned status, double seconds);
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
  static constexpr unsigned kStatusMin = 100;
  static constexpr unsigned kStatusMax = 599;
  struct RouteSeries {
    RouteSeries();
    std::array<std::atomic<uint64_t>, kStatusMax - kStatusMin + 1> by_status{};
    Histogram latency;
  };
  std::vector<std::unique_ptr<RouteSeries>> routes_;  // route table order, then unmatched
  Histogram batch_commands_;
  Histogram commit_seconds_;
  std::array<std::atomic<uint64_t>, static_cast<size_t>(ReservationOutcome::count_)>
      reservations_{};
  std::atomic<uint64_t> signals_accepted_{0};
  std::atomic<uint64_t> signals_rejected_{0};
};

}  // namespace livechain::server
