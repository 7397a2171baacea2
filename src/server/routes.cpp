#include "server/routes.hpp"

namespace livechain::server {

namespace {
using enum RouteId;
constexpr Route kRoutes[] = {
    {Method::get, "/healthz", healthz, Permission::none, BodyKind::none},
    {Method::get, "/readyz", readyz, Permission::none, BodyKind::none},
    {Method::get, "/metrics", metrics, Permission::none, BodyKind::none},
    {Method::get, "/openapi.json", openapi, Permission::none, BodyKind::none},
    {Method::post, "/v1/reservations", reservation_create, Permission::reservations_write,
     BodyKind::json},
    {Method::post, "/v1/reservations/batch", reservation_batch, Permission::reservations_write,
     BodyKind::json},
    {Method::get, "/v1/reservations/{id}", reservation_get, Permission::reservations_read,
     BodyKind::none},
    {Method::post, "/v1/reservations/{id}/commit", reservation_commit,
     Permission::reservations_write, BodyKind::json},
    {Method::post, "/v1/reservations/{id}/release", reservation_release,
     Permission::reservations_write, BodyKind::json},
    {Method::post, "/v1/reservations/{id}/extend", reservation_extend,
     Permission::reservations_write, BodyKind::json},
    {Method::get, "/v1/stock/{sku}", stock_of_sku, Permission::stock_read, BodyKind::none},
    {Method::get, "/v1/stock", stock_list, Permission::stock_read, BodyKind::none},
    {Method::put, "/v1/skus/{sku}", sku_put, Permission::catalog_write, BodyKind::json},
    {Method::put, "/v1/locations/{id}", location_put, Permission::catalog_write, BodyKind::json},
    {Method::put, "/v1/channels/{id}", channel_put, Permission::catalog_write, BodyKind::json},
    {Method::put, "/v1/region-distances", region_distance_put, Permission::catalog_write,
     BodyKind::json},
    // The permission of an import depends on its kind (see required_permission).
    {Method::post, "/v1/import/{kind}", import_bulk, Permission::catalog_write, BodyKind::csv},
    {Method::post, "/v1/receipts", receipt_create, Permission::movements_write, BodyKind::json},
    {Method::post, "/v1/adjustments", adjustment_create, Permission::movements_write,
     BodyKind::json},
    {Method::put, "/v1/presale-plans", presale_plan_put, Permission::planning_write,
     BodyKind::json},
    {Method::post, "/v1/transfers", transfer_create, Permission::movements_write, BodyKind::json},
    {Method::get, "/v1/transfers/{id}", transfer_get, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/transfers/{id}/receive", transfer_receive, Permission::movements_write,
     BodyKind::json},
    {Method::post, "/v1/transfers/{id}/reroute", transfer_reroute, Permission::movements_write,
     BodyKind::json},
    {Method::post, "/v1/returns", return_create, Permission::movements_write, BodyKind::json},
    {Method::get, "/v1/returns/{id}", return_get, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/returns/{id}/grade", return_grade, Permission::movements_write,
     BodyKind::json},
    {Method::post, "/v1/returns/{id}/rework-done", return_rework_done, Permission::movements_write,
     BodyKind::json},
    {Method::post, "/v1/events", signals_ingest, Permission::signals_write, BodyKind::ndjson},
    {Method::get, "/v1/ledger/head", ledger_head, Permission::ledger_read, BodyKind::none},
    {Method::get, "/v1/ledger/events/{seq}", ledger_event, Permission::ledger_read, BodyKind::none},
    {Method::get, "/v1/ledger/proof/inclusion", ledger_inclusion_proof, Permission::ledger_read,
     BodyKind::none},
    {Method::get, "/v1/verify", verify_code, Permission::none, BodyKind::none},
    {Method::put, "/v1/shipments/{id}/cold-chain", shipment_cold_chain_put,
     Permission::movements_write, BodyKind::json},
    {Method::get, "/v1/shipments/{id}/cold-chain", shipment_cold_chain_get, Permission::stock_read,
     BodyKind::none},
    {Method::get, "/v1/shipments/{id}/cold-chain.svg", shipment_cold_chain_svg,
     Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/sensors/readings", sensor_readings, Permission::movements_write,
     BodyKind::ndjson},
    {Method::get, "/01/{gtin}/10/{lot}/21/{serial}", scan_page, Permission::none, BodyKind::none},
    {Method::get, "/v1/ledger/checkpoint", ledger_checkpoint, Permission::ledger_read,
     BodyKind::none},
    {Method::get, "/v1/ledger/proof/consistency", ledger_consistency_proof, Permission::ledger_read,
     BodyKind::none},
    {Method::get, "/v1/stream", stream, Permission::stock_read, BodyKind::none},
    // Channel pools (api_channels.cpp).
    {Method::put, "/v1/channels/{id}/allocations/{sku}", channel_allocation_put,
     Permission::planning_write, BodyKind::json},
    {Method::delete_, "/v1/channels/{id}/allocations/{sku}", channel_allocation_delete,
     Permission::planning_write, BodyKind::none},
    {Method::post, "/v1/channels/{id}/allocations/{sku}/move", channel_allocation_move,
     Permission::planning_write, BodyKind::json},
    {Method::get, "/v1/channels/{id}/available", channel_available, Permission::stock_read,
     BodyKind::none},
    // Alerts and webhooks (issue 11).
    {Method::get, "/v1/alerts", alerts_list, Permission::alerts_read, BodyKind::none},
    {Method::post, "/v1/alerts", alert_raise, Permission::alerts_write, BodyKind::json},
    {Method::get, "/v1/alerts/{id}", alert_get, Permission::alerts_read, BodyKind::none},
    {Method::post, "/v1/alerts/{id}/ack", alert_ack, Permission::alerts_write, BodyKind::json},
    {Method::post, "/v1/alerts/{id}/resolve", alert_resolve, Permission::alerts_write,
     BodyKind::json},
    {Method::post, "/v1/webhooks", webhook_create, Permission::webhooks_admin, BodyKind::json},
    {Method::get, "/v1/webhooks", webhook_list, Permission::webhooks_admin, BodyKind::none},
    {Method::delete_, "/v1/webhooks/{id}", webhook_delete, Permission::webhooks_admin,
     BodyKind::none},
    {Method::get, "/v1/webhooks/{id}/deliveries", webhook_deliveries, Permission::webhooks_admin,
     BodyKind::none},
    {Method::post, "/v1/webhooks/{id}/replay", webhook_replay, Permission::webhooks_admin,
     BodyKind::json},
    {Method::put, "/v1/sessions/{id}/plans/{sku}", session_plan_put, Permission::planning_write,
     BodyKind::json},
    // Session-tier stocking (issue 18 §2, api_sessions.cpp).
    {Method::put, "/v1/sessions/{id}", session_put, Permission::planning_write, BodyKind::json},
    {Method::get, "/v1/sessions/{id}", session_get, Permission::stock_read, BodyKind::none},
    {Method::get, "/v1/sessions/{id}/plan", session_plan_get, Permission::stock_read,
     BodyKind::none},
    {Method::post, "/v1/warehouse-reports", warehouse_report, Permission::movements_write,
     BodyKind::json},
    // Traceability (issue 12 §2, src/server/api_trace.cpp).
    {Method::post, "/v1/batches", batch_create, Permission::catalog_write, BodyKind::json},
    {Method::get, "/v1/batches/{id}", batch_get, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/batches/{id}/units", batch_units, Permission::movements_write,
     BodyKind::json},
    // Recalls (issue 12 §5, src/server/api_recalls.cpp).
    {Method::post, "/v1/recalls", recall_create, Permission::catalog_write, BodyKind::json},
    {Method::get, "/v1/recalls/{batch}", recall_get, Permission::stock_read, BodyKind::none},
    // Channel consistency checker (issue 10 §6).
    {Method::post, "/v1/channels/{id}/observed-stock", channel_observed_stock,
     Permission::signals_write, BodyKind::ndjson},
    {Method::get, "/v1/channels/{id}/drift", channel_drift, Permission::stock_read, BodyKind::none},
    // Rollback: restore stock to T (issue 10 §5, api_asof.cpp). Admin only.
    {Method::post, "/v1/rollback", rollback, Permission::stock_rollback, BodyKind::json},
    // Carrier failover (issue 11 §3).
    {Method::put, "/v1/lanes/{id}", lane_put, Permission::movements_write, BodyKind::json},
    {Method::get, "/v1/lanes/{id}", lane_get, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/shipments", shipment_create, Permission::movements_write, BodyKind::json},
    {Method::get, "/v1/shipments/{id}", shipment_get, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/shipments/{id}/scans", shipment_scan, Permission::movements_write,
     BodyKind::json},
    // Forecast safety and turnover (issue 11 §2).
    {Method::post, "/v1/sessions/{id}/outcomes/{sku}", session_outcome, Permission::planning_write,
     BodyKind::json},
    {Method::post, "/v1/turnover-reviews", turnover_review, Permission::planning_write,
     BodyKind::json},
    // Notification silences (issue 11 §4, api_silences.cpp).
    {Method::post, "/v1/silences", silence_create, Permission::alerts_write, BodyKind::json},
    {Method::get, "/v1/silences", silence_list, Permission::alerts_read, BodyKind::none},
    {Method::delete_, "/v1/silences/{id}", silence_delete, Permission::alerts_write,
     BodyKind::none},
    // Flexible production (issue 18 §4, api_production.cpp). The plan is a GET that
    // journals a decision, so it takes planning_write.
    {Method::put, "/v1/factories/{id}", factory_put, Permission::planning_write, BodyKind::json},
    {Method::get, "/v1/factories", factories_list, Permission::stock_read, BodyKind::none},
    {Method::get, "/v1/factories/{id}", factory_get, Permission::stock_read, BodyKind::none},
    {Method::put, "/v1/production/orders/{id}", production_order_put, Permission::planning_write,
     BodyKind::json},
    {Method::get, "/v1/production/orders", production_orders_list, Permission::stock_read,
     BodyKind::none},
    {Method::get, "/v1/production/plan", production_plan_get, Permission::planning_write,
     BodyKind::none},
    // The caller's key: its role and the routes it may call, so a client (the dashboard)
    // shows only what the key may read. Every role holds stock_read (access.cpp).
    {Method::get, "/v1/me", caller_get, Permission::stock_read, BodyKind::none},
    // KPIs (issue 19 §1, api_kpis.cpp): read models of the journal, every role.
    {Method::get, "/v1/kpis", kpis, Permission::stock_read, BodyKind::none},
    {Method::get, "/v1/kpis/definitions", kpi_definitions, Permission::stock_read, BodyKind::none},
    // Bulk export and live-platform connectors (issue 19 §3). An export's permission
    // depends on its kind (required_permission); a connector push is authenticated by
    // the platform's signature, not by an API key (docs/connectors.md).
    {Method::get, "/v1/export/{kind}", export_rows, Permission::stock_read, BodyKind::none},
    {Method::post, "/v1/connectors/{platform}/orders", connector_orders, Permission::none,
     BodyKind::json},
    // EPCIS 2.0 (api_epcis.cpp, docs/trace.md § 3).
    {Method::post, "/epcis/v2/capture", epcis_capture, Permission::movements_write,
     BodyKind::jsonld},
    {Method::get, "/epcis/v2/capture/{id}", epcis_capture_job, Permission::stock_read,
     BodyKind::none},
    {Method::get, "/epcis/v2/events", epcis_events, Permission::stock_read, BodyKind::none},
    {Method::get, "/epcis/v2/events/{id}", epcis_event, Permission::stock_read, BodyKind::none},
};

// Splits "/a/b/c" into {"a","b","c"}; a trailing slash gives an empty last segment,
// which no template has, so "/v1/stock/" is 404 rather than a silent alias.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  size_t at = 1;
  for (;;) {
    size_t end = path.find('/', at);
    out.push_back(path.substr(at, end == std::string_view::npos ? end : end - at));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::span<const Route> route_table() {
  return kRoutes;
}

std::string_view method_name(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::put:
      return "PUT";
    case Method::post:
      return "POST";
    case Method::delete_:
      return "DELETE";
    case Method::head:
      return "HEAD";
    case Method::other:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

RouteMatch match_route(Method method, std::string_view path) {
  RouteMatch match;
  std::vector<std::string_view> parts = segments(path);
  for (const Route& route : kRoutes) {
    std::vector<std::string_view> pattern = segments(route.path_template);
    if (pattern.size() != parts.size()) continue;
    std::vector<std::string> params;
    bool matches = true;
    for (size_t i = 0; i < pattern.size() && matches; ++i) {
      if (pattern[i].starts_with('{')) {
        auto decoded = percent_decode(parts[i], false);
        matches = decoded.has_value() && !decoded->empty();
        if (matches) params.push_back(std::move(*decoded));
      } else {
        matches = pattern[i] == parts[i];
      }
    }
    if (!matches) continue;
    // A literal segment beats a parameter: "/v1/reservations/batch" is not id "batch".
    if (match.route != nullptr && match.params.size() <= params.size()) continue;
    match.path_known = true;
    if (route.method == method || (method == Method::head && route.method == Method::get)) {
      match.route = &route;
      match.params = std::move(params);
    }
  }
  return match;
}

}  // namespace livechain::server
