// src/server/routes.hpp — internal: the route table. One row per method + path
// template; the OpenAPI test walks this table and api/openapi.yaml and fails on any
// difference, so the document cannot drift from the server.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/access.hpp"
#include "server/api_types.hpp"

namespace livechain::server {

enum class RouteId {
  healthz,
  readyz,
  metrics,
  openapi,
  reservation_create,
  reservation_batch,
  reservation_get,
  reservation_commit,
  reservation_release,
  reservation_extend,
  stock_of_sku,
  stock_list,
  sku_put,
  location_put,
  channel_put,
  region_distance_put,
  import_bulk,
  receipt_create,
  adjustment_create,
  presale_plan_put,
  transfer_create,
  transfer_get,
  transfer_receive,
  transfer_reroute,
  return_create,
  return_get,
  return_grade,
  return_rework_done,
  signals_ingest,
  ledger_head,
  ledger_event,
  ledger_inclusion_proof,
  ledger_consistency_proof,
  ledger_checkpoint,
  verify_code,
  scan_page,
  shipment_cold_chain_put,
  shipment_cold_chain_get,
  shipment_cold_chain_svg,
  sensor_readings,
  stream,
  // Channel pools (docs/channels.md), handled in api_channels.cpp.
  channel_allocation_put,
  channel_allocation_delete,
  channel_allocation_move,
  channel_available,
  // Alerts and webhooks (issue 11).
  alerts_list,
  alert_raise,
  alert_get,
  alert_ack,
  alert_resolve,
  webhook_create,
  webhook_list,
  webhook_delete,
  webhook_deliveries,
  webhook_replay,
  session_plan_put,
  session_put,
  session_get,
  session_plan_get,
  warehouse_report,
  // Traceability (issue 12).
  batch_create,
  batch_get,
  batch_units,
  recall_create,
  recall_get,
  channel_observed_stock,
  channel_drift,
  // Stock as of T and rollback (issue 10 §4–5), handled in api_asof.cpp.
  rollback,
  lane_put,
  lane_get,
  shipment_create,
  shipment_get,
  shipment_scan,
  session_outcome,
  turnover_review,
  silence_create,
  silence_list,
  silence_delete,
  // Flexible production (issue 18 §4), handled in api_production.cpp.
  factory_put,
  factories_list,
  factory_get,
  production_order_put,
  production_orders_list,
  production_plan_get,
  // The caller's own key: role and the routes it may call (issue 19 §2, the dashboard).
  caller_get,
  // KPIs (issue 19 §1), handled in api_kpis.cpp.
  kpis,
  kpi_definitions,
  // Bulk export and live-platform connectors (issue 19 §3): api_export.cpp, api_connectors.cpp.
  export_rows,
  connector_orders,
  // EPCIS 2.0 (issue 12 §3), handled in api_epcis.cpp.
  epcis_capture,
  epcis_capture_job,
  epcis_events,
  epcis_event,
};

// What a body must be. The server answers 415 when Content-Type disagrees.
// jsonld: an EPCIS document, application/ld+json or application/json, read up to the
// bulk limit (its own limit, trace::kEpcisDocumentBytesMax, is checked by the route).
enum class BodyKind { none, json, csv, ndjson, jsonld };

struct Route {
  Method method;
  std::string_view path_template;  // "/v1/reservations/{id}/commit"
  RouteId id;
  Permission permission;
  BodyKind body;
};

std::span<const Route> route_table();
std::string_view method_name(Method method);

struct RouteMatch {
  const Route* route = nullptr;     // null: no route for this path and method
  bool path_known = false;          // some route has this path (→ 405, not 404)
  std::vector<std::string> params;  // the {…} segments in order, percent-decoded
};
RouteMatch match_route(Method method, std::string_view path);

// Percent-decodes one path segment or query component ('+' is a space in queries).
// nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace livechain::server
