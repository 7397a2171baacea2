#include "server/metrics.hpp"

#include <fmt/format.h>

#include <memory>

#include "core/assert.hpp"
#include "server/routes.hpp"

namespace livechain::server {

namespace {
constexpr double kLatencyBoundsSeconds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                            0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                            1,      2.5,     5,      10};
constexpr double kBatchCommandBounds[] = {1, 4, 16, 64, 256, 1024, 4096, 16384};
constexpr double kCommitBoundsSeconds[] = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                           0.02,   0.05,  0.1,   0.25,  1};
}  // namespace

Histogram::Histogram(std::span<const double> upper_bounds) : upper_bounds_(upper_bounds) {
  LC_ASSERT(upper_bounds_.size() < buckets_.size());
}

void Histogram::observe(double value) {
  size_t bucket = 0;
  while (bucket < upper_bounds_.size() && value > upper_bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::string_view separator = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string bound = i < upper_bounds_.size() ? fmt::format("{}", upper_bounds_[i]) : "+Inf";
    out +=
        fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, separator, bound, cumulative);
  }
  std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n", name, braces,
                     static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces, count_.load(std::memory_order_relaxed));
}

std::string_view reservation_outcome_name(ReservationOutcome outcome) {
  switch (outcome) {
    case ReservationOutcome::created:
      return "created";
    case ReservationOutcome::idempotent_replay:
      return "idempotent_replay";
    case ReservationOutcome::insufficient_stock:
      return "insufficient_stock";
    case ReservationOutcome::rejected:
      return "rejected";
    case ReservationOutcome::committed:
      return "committed";
    case ReservationOutcome::released:
      return "released";
    case ReservationOutcome::expired:
      return "expired";
    case ReservationOutcome::count_:
      break;
  }
  return "unknown";
}

Metrics::RouteSeries::RouteSeries() : latency(kLatencyBoundsSeconds) {}

Metrics::Metrics() : batch_commands_(kBatchCommandBounds), commit_seconds_(kCommitBoundsSeconds) {
  // One series per route, then one per method for requests no route matched.
  for (size_t i = 0; i < route_table().size() + kMethodCount; ++i) {
    routes_.push_back(std::make_unique<RouteSeries>());
  }
}

void Metrics::observe_request(size_t route_index, unsigned status, double seconds) {
  LC_DASSERT(route_index < routes_.size());
  RouteSeries& series = *routes_[std::min(route_index, routes_.size() - 1)];
  status = std::clamp(status, kStatusMin, kStatusMax);
  series.by_status[status - kStatusMin].fetch_add(1, std::memory_order_relaxed);
  series.latency.observe(seconds);
}

void Metrics::observe_batch(uint64_t commands, uint64_t events, uint32_t commit_latency_us) {
  journal_events.fetch_add(events, std::memory_order_relaxed);
  batch_commands_.observe(static_cast<double>(commands));
  commit_seconds_.observe(commit_latency_us / 1e6);
}

void Metrics::count_reservations(ReservationOutcome outcome, uint64_t count) {
  reservations_[static_cast<size_t>(outcome)].fetch_add(count, std::memory_order_relaxed);
}

void Metrics::count_signals(uint64_t accepted, uint64_t rejected) {
  signals_accepted_.fetch_add(accepted, std::memory_order_relaxed);
  signals_rejected_.fetch_add(rejected, std::memory_order_relaxed);
}

std::string Metrics::render(uint64_t queue_depth, uint64_t snapshots) const {
  std::string out;
  out += "# HELP livechain_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE livechain_http_requests_total counter\n";
  auto labels = [](size_t index) {
    std::span<const Route> table = route_table();
    if (index >= table.size()) {
      return fmt::format("method=\"{}\",route=\"unmatched\"",
                         method_name(static_cast<Method>(index - table.size())));
    }
    return fmt::format("method=\"{}\",route=\"{}\"", method_name(table[index].method),
                       table[index].path_template);
  };
  for (size_t index = 0; index < routes_.size(); ++index) {
    const RouteSeries& series = *routes_[index];
    for (unsigned status = kStatusMin; status <= kStatusMax; ++status) {
      uint64_t count = series.by_status[status - kStatusMin].load(std::memory_order_relaxed);
      if (count == 0) continue;
      out += fmt::format("livechain_http_requests_total{{{},status=\"{}\"}} {}\n", labels(index),
                         status, count);
    }
  }
  out +=
      "# HELP livechain_http_request_duration_seconds Time from a complete request to its "
      "response being handed to the socket.\n";
  out += "# TYPE livechain_http_request_duration_seconds histogram\n";
  for (size_t index = 0; index < routes_.size(); ++index) {
    // Routes never requested stay out of the output, as with the counters.
    uint64_t requests = 0;
    for (const auto& count : routes_[index]->by_status) requests += count.load();
    if (requests == 0) continue;
    routes_[index]->latency.render(out, "livechain_http_request_duration_seconds", labels(index));
  }
  out += "# HELP livechain_engine_queue_depth Commands submitted and not yet executed.\n";
  out += "# TYPE livechain_engine_queue_depth gauge\n";
  out += fmt::format("livechain_engine_queue_depth {}\n", queue_depth);
  out += "# HELP livechain_journal_events Events in the journal (Merkle tree size).\n";
  out += "# TYPE livechain_journal_events gauge\n";
  out += fmt::format("livechain_journal_events {}\n", journal_events.load());
  out += "# HELP livechain_journal_snapshots_total Snapshots written since start.\n";
  out += "# TYPE livechain_journal_snapshots_total counter\n";
  out += fmt::format("livechain_journal_snapshots_total {}\n", snapshots);
  out += "# HELP livechain_journal_batch_commands Commands per durable group commit.\n";
  out += "# TYPE livechain_journal_batch_commands histogram\n";
  batch_commands_.render(out, "livechain_journal_batch_commands", "");
  out += "# HELP livechain_journal_commit_seconds Time to make one batch durable (fsync).\n";
  out += "# TYPE livechain_journal_commit_seconds histogram\n";
  commit_seconds_.render(out, "livechain_journal_commit_seconds", "");
  out += "# HELP livechain_reservations_total Reservation requests and transitions by outcome.\n";
  out += "# TYPE livechain_reservations_total counter\n";
  for (size_t i = 0; i < reservations_.size(); ++i) {
    out += fmt::format("livechain_reservations_total{{outcome=\"{}\"}} {}\n",
                       reservation_outcome_name(static_cast<ReservationOutcome>(i)),
                       reservations_[i].load(std::memory_order_relaxed));
  }
  out += "# HELP livechain_live_signals_total Live-room signal lines by outcome.\n";
  out += "# TYPE livechain_live_signals_total counter\n";
  out += fmt::format("livechain_live_signals_total{{outcome=\"accepted\"}} {}\n",
                     signals_accepted_.load());
  out += fmt::format("livechain_live_signals_total{{outcome=\"rejected\"}} {}\n",
                     signals_rejected_.load());
  out += "# HELP livechain_http_connections Open HTTP connections.\n";
  out += "# TYPE livechain_http_connections gauge\n";
  out += fmt::format("livechain_http_connections {}\n", connections_open.load());
  out += "# HELP livechain_http_connections_refused_total Connections refused at the limit.\n";
  out += "# TYPE livechain_http_connections_refused_total counter\n";
  out += fmt::format("livechain_http_connections_refused_total {}\n", connections_refused.load());
  out += "# HELP livechain_websocket_clients Open /v1/stream WebSocket sessions.\n";
  out += "# TYPE livechain_websocket_clients gauge\n";
  out += fmt::format("livechain_websocket_clients {}\n", websocket_clients.load());
  return out;
}

}  // namespace livechain::server
