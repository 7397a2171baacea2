// src/server/server.hpp — public header of the server module.
//
// server owns the network face of livechain: `livechain serve`, an HTTP/1.1 +
// WebSocket server (Boost.Beast) exposing API v1 (api/openapi.yaml), API keys with
// roles and data-level masking, RFC 9457 problem responses, Prometheus metrics, and
// the documented limits (docs/limits.md). Every write goes through the engine's
// Sequencer and is answered only after its journal batch is durable. Transport only:
// ledger rules live in engine/, alert rules in alerts/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alerts.hpp"
#include "connectors/connectors.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/as_of.hpp"
#include "planning/production_records.hpp"
#include "planning/session_tiers.hpp"
#include "planning/threshold_transfers.hpp"

namespace livechain::server {

// Limits of the HTTP layer; every one is documented in docs/limits.md and tested.
struct HttpLimits {
  size_t json_body_bytes_max = 1 << 20;   // application/json bodies
  size_t bulk_body_bytes_max = 16 << 20;  // text/csv and NDJSON bodies
  size_t header_bytes_max = 16 << 10;     // request line + headers
  size_t connections_max = 10'000;        // beyond: 503 and close
  uint32_t request_timeout_ms = 30'000;   // idle keep-alive wait + headers must arrive
  uint32_t body_timeout_ms = 30'000;      // the body must arrive within this
  size_t websocket_message_bytes_max = 64 << 10;
  size_t websocket_queue_messages_max = 4'096;  // a slower client is disconnected
  size_t bulk_requests_max = 16;                // CSV/NDJSON bodies buffered at once; beyond: 503
  size_t bulk_requests_per_key_max = 4;         // of those, by one API key; beyond: 429
  size_t connections_per_address_max = 1'000;   // from one client IP (HTTP + WebSocket)
  size_t websocket_connections_max = 1'000;     // /v1/stream clients (also count as connections)
};

// Cold-chain readings over MQTT ("mqtt": {…} in the config file; docs/trace.md §6).
struct MqttOptions {
  std::string host;  // empty: no MQTT
  uint16_t port = 1883;
  std::string topic_prefix = "livechain/sensors";  // subscribes to <prefix>/+ (QoS 1)
  uint32_t flush_interval_ms = 20;
  size_t flush_readings_max = 5'000;
  size_t buffer_readings_max = 200'000;  // beyond: readings dropped and counted
};

struct ServerOptions {
  std::string db_path;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;  // 0: any free port (printed on start)
  unsigned io_threads = 2;
  HttpLimits http;
  size_t batch_reservations_max = 1'000;
  size_t csv_rows_max = 10'000;
  size_t ndjson_lines_max = 10'000;
  size_t page_size_max = 1'000;
  size_t stream_subscriptions_max = 1'000;
  double requests_per_second_per_key = 0;  // 0: no rate limit
  size_t engine_queue_commands_max = 1 << 20;
  size_t engine_queue_reads_max = 1 << 16;  // GETs waiting for the engine thread: beyond → 503
  uint32_t expiry_tick_ms = 1'000;          // how often due reservations are expired when idle
  uint32_t stream_push_interval_ms = 250;
  // How often channel available-to-sell is diffed for /v1/stream "channels" subscribers
  // and "ats.changed" webhooks (docs/channels.md "Second-level sync").
  uint32_t ats_push_interval_ms = 50;
  // Consistency checker (docs/channels.md): how often channels' observed stock is
  // compared with the truth, and the deviation above which a channel_drift alert is
  // raised (percent of the truth).
  uint32_t channel_check_interval_ms = 300'000;
  double channel_drift_threshold_pct = 3.0;
  int64_t low_stock_units = 10;
  uint32_t drain_timeout_ms = 30'000;
  uint64_t snapshot_every_events = 1'000'000;
  // Stamps every command (engine time). Null: the system clock. The demo passes a
  // simulated clock so a compressed session keeps its real TTLs and lead times.
  const Clock* clock = nullptr;
  // Alerts (issue 11): webhook delivery ("webhooks": {…} in the config file).
  alerts::WebhookOptions webhooks;
  // Alert rule thresholds ("alerts": {…}; docs/alerts.md "Rules").
  alerts::RuleOptions rules;
  // The live rules' nowcaster ("nowcast": {"model_path"}): a file written by `livechain
  // forecast nowcast-fit`, loaded at start. Empty: the plan_uplift fallback.
  std::string nowcast_model_path;
  // Session-tier stocking rules ("planning": {"tiers": {…}}; docs/planning.md).
  planning::TierConfig tier_config;
  // Transfers triggered by the planned sessions' thresholds ("planning": {"transfers":
  // {"mode": "off"|"propose"|"ship", …}}; docs/planning.md "Triggered by the ledger").
  planning::ThresholdTransferConfig transfers;
  // Flexible production in the server ("planning": {"production": {…}};
  // docs/planning.md "In the server").
  planning::ProductionServerConfig production;
  // The origin line of the ledger's C2SP checkpoints (GET /v1/ledger/checkpoint) and
  // the log's key name; empty: journal::default_origin of the signing key.
  std::string ledger_origin;
  MqttOptions mqtt;
  // Stock as of T (issue 10 §4): events between two as-of checkpoints (PATH.asof).
  uint64_t as_of_checkpoint_every_events = engine::kAsOfCheckpointEventsDefault;
  // Live-platform order pushes ("connectors": {…}; docs/connectors.md).
  connectors::ConnectorConfig connectors;
};

// Reads a JSON config file whose keys are ServerOptions' field names (and "http": {…}
// for HttpLimits), overriding `base`. Errors: not_found (field "config"),
// invalid_argument naming the key for an unknown key or a value of the wrong type or
// range.
Result<ServerOptions> load_server_config(const std::string& path, ServerOptions base);

// A running server, for embedding (the demo, tests). run_server() below is the CLI's.
class Server {
 public:
  // Opens the database (taking the writer lock), starts the engine, and listens; the
  // server accepts connections when this returns. Errors: those of opening the
  // database (not_found, busy, corruption), io_error for the socket.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options);
  ~Server();  // stop()

  uint16_t port() const;  // the bound port (useful with listen_port 0)
  uint64_t journal_events() const;

  // Begins the drain: stop accepting, answer every request already read (their
  // commands commit), close keep-alive connections. Thread-safe, returns at once.
  void request_stop();
  // Blocks until the drain finished and the engine committed everything queued.
  void wait();
  void stop();  // request_stop() + wait()

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs the server until SIGTERM or SIGINT, then drains (Server::stop) and returns.
// Prints "listening on http://HOST:PORT" on stdout once it accepts connections.
Result<void> run_server(const ServerOptions& options);

// The route table as (method, path template) pairs, and the OpenAPI document
// (api/openapi.yaml, embedded at build time) as JSON. Tests compare the two.
struct RouteSummary {
  std::string method;  // "GET", "POST" …
  std::string path;    // "/v1/reservations/{id}"
};
std::vector<RouteSummary> route_summaries();
// Errors: corruption when the embedded YAML does not parse.
Result<std::string> openapi_json();

}  // namespace livechain::server
