// `livechain serve --config FILE`: a JSON object overriding ServerOptions.
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "journal/checkpoint.hpp"
#include "planning/session_records.hpp"
#include "planning/threshold_transfers.hpp"
#include "server/json_fields.hpp"
#include "server/request_parsing.hpp"
#include "server/server.hpp"
#include "server/strict_json.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
template <class Number>
Result<void> read_number(const json::object& object, std::string_view name, const std::string& path,
                         int64_t min, int64_t max, Number& target) {
  LC_TRY(value, optional_integer(object, name, path, min, max));
  if (value) target = static_cast<Number>(*value);
  return {};
}

// "webhooks": {"retry_schedule_ms": [...], "allow_private_targets": bool, "timeout_ms",
// "endpoints_max", "in_flight_max", "in_flight_per_endpoint_max", "outbox_pending_max"}.
Result<void> read_webhook_options(const json::value& value, alerts::WebhookOptions& out) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, "webhooks", "must be an object");
  const json::object& w = value.get_object();
  LC_CHECK(reject_unknown_fields(
      w,
      {"retry_schedule_ms", "allow_private_targets", "timeout_ms", "endpoints_max", "in_flight_max",
       "in_flight_per_endpoint_max", "outbox_pending_max"},
      "webhooks."));
  if (const json::value* schedule = w.if_contains("retry_schedule_ms")) {
    const char* field = "webhooks.retry_schedule_ms";
    if (!schedule->is_array() || schedule->get_array().empty() ||
        schedule->get_array().size() > 50) {
      return fail(ErrorCode::invalid_argument, field, "must be an array of 1..50 delays in ms");
    }
    out.retry_schedule_ms.clear();
    for (const json::value& delay : schedule->get_array()) {
      if (!delay.is_int64() || delay.get_int64() < 1 || delay.get_int64() > 7LL * 86'400'000) {
        return fail(ErrorCode::invalid_argument, field,
                    "each delay must be an integer in 1..604800000 ms (7 days)");
      }
      out.retry_schedule_ms.push_back(delay.get_int64());
    }
  }
  LC_TRY(allow_private, optional_bool(w, "allow_private_targets", "webhooks."));
  if (allow_private) out.allow_private_targets = *allow_private;
  LC_CHECK(read_number(w, "timeout_ms", "webhooks.", 100, 120'000, out.timeout_ms));
  LC_CHECK(read_number(w, "endpoints_max", "webhooks.", 1, 10'000, out.endpoints_max));
  LC_CHECK(read_number(w, "in_flight_max", "webhooks.", 1, 1'024, out.in_flight_max));
  LC_CHECK(read_number(w, "in_flight_per_endpoint_max", "webhooks.", 1, 64,
                       out.in_flight_per_endpoint_max));
  LC_CHECK(read_number(w, "outbox_pending_max", "webhooks.", 10, 100'000'000,
                       out.pending_deliveries_max));
  return {};
}

// "alerts": {"add_to_cart_peak_ratio", "sales_over_forecast_ratio",
// "turnover_below_benchmark", "rate_window_ms", "limited_stock_uplift", "keyword_uplift",
// "uplift_max"}.
Result<void> read_rule_options(const json::value& value, alerts::RuleOptions& out) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, "alerts", "must be an object");
  const json::object& a = value.get_object();
  LC_CHECK(reject_unknown_fields(
      a,
      {"add_to_cart_peak_ratio", "sales_over_forecast_ratio", "turnover_below_benchmark",
       "rate_window_ms", "limited_stock_uplift", "keyword_uplift", "uplift_max",
       "warehouse_window_ms", "warehouse_operations_min", "lane_delay_rate_max", "lane_window_ms",
       "lane_scans_min", "turnover_window_ms", "turnover_trailing_windows", "turnover_benchmarks",
       "session_duration_min_default"},
      "alerts."));
  for (auto [name, target] : {std::pair{"add_to_cart_peak_ratio", &out.add_to_cart_peak_ratio},
                              {"sales_over_forecast_ratio", &out.sales_over_forecast_ratio},
                              {"turnover_below_benchmark", &out.turnover_below_benchmark},
                              {"limited_stock_uplift", &out.limited_stock_uplift},
                              {"keyword_uplift", &out.keyword_uplift},
                              {"uplift_max", &out.uplift_max},
                              {"lane_delay_rate_max", &out.lane_delay_rate_max}}) {
    if (const json::value* number = a.if_contains(name)) {
      if (!number->is_number()) {
        return fail(ErrorCode::invalid_argument, std::string("alerts.") + name, "must be a number");
      }
      *target = number->to_number<double>();
    }
  }
  LC_CHECK(read_number(a, "rate_window_ms", "alerts.", 1'000, 3'600'000, out.rate_window_ms));
  LC_CHECK(read_number(a, "warehouse_window_ms", "alerts.", 1'000, 7LL * 86'400'000,
                       out.warehouse_window_ms));
  LC_CHECK(read_number(a, "warehouse_operations_min", "alerts.", 1, 1'000'000'000,
                       out.warehouse_operations_min));
  LC_CHECK(
      read_number(a, "lane_window_ms", "alerts.", 1'000, 7LL * 86'400'000, out.lane_window_ms));
  LC_CHECK(read_number(a, "lane_scans_min", "alerts.", 1, 1'000, out.lane_scans_min));
  LC_CHECK(read_number(a, "session_duration_min_default", "alerts.", 1,
                       forecast::kSessionMinutesMax, out.session_duration_min_default));
  LC_CHECK(read_number(a, "turnover_window_ms", "alerts.", 60'000, 30LL * 86'400'000,
                       out.turnover_window_ms));
  LC_CHECK(
      read_number(a, "turnover_trailing_windows", "alerts.", 1, 52, out.turnover_trailing_windows));
  if (const json::value* benchmarks = a.if_contains("turnover_benchmarks")) {
    if (!benchmarks->is_object()) {
      return fail(ErrorCode::invalid_argument, "alerts.turnover_benchmarks",
                  "must be an object of SKU → turnover per window");
    }
    for (const json::key_value_pair& entry : benchmarks->get_object()) {
      std::string_view sku = entry.key();
      const json::value& value = entry.value();
      std::string field = "alerts.turnover_benchmarks." + std::string(sku);
      auto gtin = gtin_from_text(field, sku);
      if (!gtin) return std::unexpected(gtin.error());
      if (!value.is_number() || !(value.to_number<double>() > 0) ||
          value.to_number<double>() > 1e9) {
        return fail(ErrorCode::invalid_argument, field, "must be a number in (0, 1e9]");
      }
      out.turnover_benchmarks[*gtin] = value.to_number<double>();
    }
  }
  return alerts::validate_rule_options(out);
}
}  // namespace

Result<ServerOptions> load_server_config(const std::string& path, ServerOptions base) {
  std::ifstream file(path);
  if (!file) return fail(ErrorCode::not_found, "config", "cannot read " + path);
  std::stringstream text;
  text << file.rdbuf();
  auto parsed = parse_json_strict(text.str(), ParseLimits{}.json_depth_max);
  if (!parsed || !parsed->is_object()) {
    return fail(ErrorCode::invalid_argument, "config",
                path + ": not a JSON object" + (parsed ? "" : ": " + parsed.error().detail));
  }
  json::value value = std::move(*parsed);
  const json::object& root = value.get_object();
  LC_CHECK(reject_unknown_fields(root,
                                 {"listen_host",
                                  "listen_port",
                                  "io_threads",
                                  "http",
                                  "batch_reservations_max",
                                  "csv_rows_max",
                                  "ndjson_lines_max",
                                  "page_size_max",
                                  "stream_subscriptions_max",
                                  "requests_per_second_per_key",
                                  "engine_queue_commands_max",
                                  "engine_queue_reads_max",
                                  "expiry_tick_ms",
                                  "stream_push_interval_ms",
                                  "low_stock_units",
                                  "drain_timeout_ms",
                                  "snapshot_every_events",
                                  "webhooks",
                                  "alerts",
                                  "ats_push_interval_ms",
                                  "channel_check_interval_ms",
                                  "channel_drift_threshold_pct",
                                  "as_of_checkpoint_every_events",
                                  "ledger_origin",
                                  "mqtt",
                                  "notify",
                                  "nowcast",
                                  "planning",
                                  "connectors"},
                                 ""));
  ServerOptions out = std::move(base);
  LC_TRY(host, optional_string(root, "listen_host", ""));
  if (host) out.listen_host = *host;
  LC_CHECK(read_number(root, "listen_port", "", 0, 65535, out.listen_port));
  LC_CHECK(read_number(root, "io_threads", "", 1, 64, out.io_threads));
  LC_CHECK(read_number(root, "batch_reservations_max", "", 1, 16'384, out.batch_reservations_max));
  LC_CHECK(read_number(root, "csv_rows_max", "", 1, 16'384, out.csv_rows_max));
  LC_CHECK(read_number(root, "ndjson_lines_max", "", 1, 100'000, out.ndjson_lines_max));
  LC_CHECK(read_number(root, "page_size_max", "", 1, 100'000, out.page_size_max));
  LC_CHECK(
      read_number(root, "stream_subscriptions_max", "", 1, 100'000, out.stream_subscriptions_max));
  LC_CHECK(read_number(root, "requests_per_second_per_key", "", 0, 100'000'000,
                       out.requests_per_second_per_key));
  LC_CHECK(read_number(root, "engine_queue_commands_max", "", 16'384, 1 << 26,
                       out.engine_queue_commands_max));
  // The server's own periodic reads (stream, ATS, alerts, checks) need a few places.
  LC_CHECK(
      read_number(root, "engine_queue_reads_max", "", 64, 1 << 24, out.engine_queue_reads_max));
  LC_CHECK(read_number(root, "expiry_tick_ms", "", 10, 60'000, out.expiry_tick_ms));
  LC_CHECK(
      read_number(root, "stream_push_interval_ms", "", 10, 1'000, out.stream_push_interval_ms));
  LC_CHECK(read_number(root, "low_stock_units", "", 0, 1'000'000, out.low_stock_units));
  LC_CHECK(read_number(root, "ats_push_interval_ms", "", 10, 1'000, out.ats_push_interval_ms));
  LC_CHECK(read_number(root, "channel_check_interval_ms", "", 100, 86'400'000,
                       out.channel_check_interval_ms));
  if (const json::value* pct = root.if_contains("channel_drift_threshold_pct")) {
    if (!pct->is_number() || pct->to_number<double>() < 0 || pct->to_number<double>() > 1'000) {
      return fail(ErrorCode::invalid_argument, "channel_drift_threshold_pct",
                  "must be a number in 0..1000 (percent)");
    }
    out.channel_drift_threshold_pct = pct->to_number<double>();
  }
  LC_CHECK(read_number(root, "drain_timeout_ms", "", 0, 600'000, out.drain_timeout_ms));
  LC_CHECK(read_number(root, "snapshot_every_events", "", 0, INT64_MAX, out.snapshot_every_events));
  LC_CHECK(read_number(root, "as_of_checkpoint_every_events", "", engine::kAsOfCheckpointEventsMin,
                       engine::kAsOfCheckpointEventsMax, out.as_of_checkpoint_every_events));
  LC_TRY(origin, optional_string(root, "ledger_origin", ""));
  if (origin) {
    // The origin is also the log's key name in signed notes: the same rules apply.
    if (!journal::make_verifier_key(*origin, journal::kNoteTypeEd25519, journal::PublicKey{})) {
      return fail(ErrorCode::invalid_argument, "ledger_origin",
                  "must be 1-" + std::to_string(journal::kNoteKeyNameBytesMax) +
                      " bytes with no spaces, '+' or control characters (e.g. "
                      "\"brand.example/ledger\")");
    }
    out.ledger_origin = *origin;
  }
  if (const json::value* http = root.if_contains("http")) {
    if (!http->is_object()) return fail(ErrorCode::invalid_argument, "http", "must be an object");
    const json::object& limits = http->get_object();
    LC_CHECK(reject_unknown_fields(
        limits,
        {"json_body_bytes_max", "bulk_body_bytes_max", "header_bytes_max", "connections_max",
         "request_timeout_ms", "body_timeout_ms", "websocket_message_bytes_max",
         "websocket_queue_messages_max", "bulk_requests_max", "bulk_requests_per_key_max",
         "connections_per_address_max", "websocket_connections_max"},
        "http."));
    HttpLimits& h = out.http;
    LC_CHECK(
        read_number(limits, "json_body_bytes_max", "http.", 1024, 1 << 30, h.json_body_bytes_max));
    LC_CHECK(
        read_number(limits, "bulk_body_bytes_max", "http.", 1024, 1 << 30, h.bulk_body_bytes_max));
    LC_CHECK(read_number(limits, "header_bytes_max", "http.", 1024, 1 << 20, h.header_bytes_max));
    LC_CHECK(read_number(limits, "connections_max", "http.", 1, 1'000'000, h.connections_max));
    LC_CHECK(
        read_number(limits, "request_timeout_ms", "http.", 100, 3'600'000, h.request_timeout_ms));
    LC_CHECK(read_number(limits, "body_timeout_ms", "http.", 100, 3'600'000, h.body_timeout_ms));
    LC_CHECK(read_number(limits, "websocket_message_bytes_max", "http.", 128, 1 << 24,
                         h.websocket_message_bytes_max));
    LC_CHECK(read_number(limits, "websocket_queue_messages_max", "http.", 16, 1 << 20,
                         h.websocket_queue_messages_max));
    LC_CHECK(read_number(limits, "bulk_requests_max", "http.", 1, 10'000, h.bulk_requests_max));
    LC_CHECK(read_number(limits, "bulk_requests_per_key_max", "http.", 1, 10'000,
                         h.bulk_requests_per_key_max));
    LC_CHECK(read_number(limits, "connections_per_address_max", "http.", 1, 1'000'000,
                         h.connections_per_address_max));
    LC_CHECK(read_number(limits, "websocket_connections_max", "http.", 0, 1'000'000,
                         h.websocket_connections_max));
  }
  if (const json::value* rules = root.if_contains("alerts")) {
    LC_CHECK(read_rule_options(*rules, out.rules));
  }
  if (const json::value* webhooks = root.if_contains("webhooks")) {
    LC_CHECK(read_webhook_options(*webhooks, out.webhooks));
  }
  // "nowcast": {"model_path"}: the live rules' nowcaster (docs/alerts.md "The nowcast").
  if (const json::value* mqtt = root.if_contains("mqtt")) {
    if (!mqtt->is_object()) return fail(ErrorCode::invalid_argument, "mqtt", "must be an object");
    const json::object& m = mqtt->get_object();
    LC_CHECK(reject_unknown_fields(m,
                                   {"host", "port", "topic_prefix", "flush_interval_ms",
                                    "flush_readings_max", "buffer_readings_max"},
                                   "mqtt."));
    LC_TRY(host, optional_string(m, "host", "mqtt."));
    if (!host || host->empty())
      return fail(ErrorCode::invalid_argument, "mqtt.host", "is required");
    out.mqtt.host = *host;
    LC_CHECK(read_number(m, "port", "mqtt.", 1, 65535, out.mqtt.port));
    LC_TRY(prefix, optional_string(m, "topic_prefix", "mqtt."));
    if (prefix) {
      const bool wildcard = prefix->find_first_of("+#") != std::string::npos;
      if (prefix->empty() || wildcard || prefix->size() > 200 || prefix->back() == '/') {
        return fail(ErrorCode::invalid_argument, "mqtt.topic_prefix",
                    "1-200 characters, no wildcard (+ #), no trailing '/'");
      }
      out.mqtt.topic_prefix = *prefix;
    }
    LC_CHECK(read_number(m, "flush_interval_ms", "mqtt.", 1, 10'000, out.mqtt.flush_interval_ms));
    LC_CHECK(
        read_number(m, "flush_readings_max", "mqtt.", 1, 1'000'000, out.mqtt.flush_readings_max));
    LC_CHECK(read_number(m, "buffer_readings_max", "mqtt.", 1, 100'000'000,
                         out.mqtt.buffer_readings_max));
  }
  if (const json::value* nowcast = root.if_contains("nowcast")) {
    if (!nowcast->is_object()) {
      return fail(ErrorCode::invalid_argument, "nowcast", "must be an object");
    }
    LC_CHECK(reject_unknown_fields(nowcast->get_object(), {"model_path"}, "nowcast."));
    LC_TRY(model_path, optional_string(nowcast->get_object(), "model_path", "nowcast."));
    if (model_path) out.nowcast_model_path = *model_path;
  }
  // "planning": {"tiers": {…}, "transfers": {…}, "production": {…}}: a brand's
  // session-tier rules, the threshold-transfer watcher and production (docs/planning.md).
  if (const json::value* planning_options = root.if_contains("planning")) {
    if (!planning_options->is_object()) {
      return fail(ErrorCode::invalid_argument, "planning", "must be an object");
    }
    const json::object& planning_object = planning_options->get_object();
    LC_CHECK(
        reject_unknown_fields(planning_object, {"tiers", "transfers", "production"}, "planning."));
    // The planning module names its fields "tiers.…" and "transfers.…".
    auto under_planning = [](Error error) {
      error.field = "planning." + error.field;
      return std::unexpected(std::move(error));
    };
    if (const json::value* transfers = planning_object.if_contains("transfers")) {
      auto config = planning::threshold_config_from_json(*transfers, out.transfers);
      if (!config) return under_planning(config.error());
      out.transfers = *config;
    }
    if (const json::value* production = planning_object.if_contains("production")) {
      auto config = planning::production_config_from_json(*production, out.production);
      if (!config) return under_planning(config.error());
      out.production = *config;
    }
    if (const json::value* tiers = planning_object.if_contains("tiers")) {
      auto config = planning::tier_config_from_json(*tiers, out.tier_config);
      if (!config) return under_planning(config.error());
      out.tier_config = *config;
    }
  }
  // "connectors": live-platform order pushes (docs/connectors.md).
  if (const json::value* connectors_options = root.if_contains("connectors")) {
    LC_TRY(config, connectors::connector_config_from_json(*connectors_options));
    out.connectors = std::move(config);
  }
  if (const json::value* notify = root.if_contains("notify")) {
    LC_TRY(config, alerts::parse_notify_config(*notify));
    out.webhooks.notify = std::move(config);
  }
  return out;
}

}  // namespace livechain::server
