// API v1: authentication, permissions, media types and dispatch.
#include "server/api.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "core/assert.hpp"
#include "core/identifier.hpp"
#include "server/http_head.hpp"
#include "server/problem.hpp"
#include "server/ui_assets.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool media_type_matches(BodyKind kind, std::string_view content_type) {
  switch (kind) {
    case BodyKind::none:
      return true;
    case BodyKind::json:
      return content_type == "application/json";
    case BodyKind::csv:
      return content_type == "text/csv";
    case BodyKind::ndjson:
      return content_type == "application/x-ndjson" || content_type == "application/ndjson";
    case BodyKind::jsonld:
      return content_type == "application/ld+json" || content_type == "application/json";
  }
  return false;
}

std::string_view media_type_name(BodyKind kind) {
  switch (kind) {
    case BodyKind::none:
      return "";
    case BodyKind::json:
      return "application/json";
    case BodyKind::csv:
      return "text/csv";
    case BodyKind::ndjson:
      return "application/x-ndjson";
    case BodyKind::jsonld:
      return "application/ld+json";
  }
  return "";
}

// An import's permission depends on what it imports.
Permission required_permission(const Route& route, const std::vector<std::string>& params) {
  if (route.id == RouteId::import_bulk && !params.empty() && params[0] == "stock") {
    return Permission::movements_write;
  }
  if (route.id == RouteId::export_rows && !params.empty()) {
    if (params[0] == "events") return Permission::ledger_read;
    if (params[0] == "orders") return Permission::reservations_read;
  }
  return route.permission;
}

ApiResponse unauthorized() {
  ApiResponse response =
      problem(401, "unauthorized", "Unauthorized",
              "send a valid API key as 'Authorization: Bearer <key>'", "Authorization");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"livechain\"");
  return response;
}
}  // namespace

bool RateLimiter::allow(const std::string& key_id, int64_t now_us) {
  if (rate_per_second_ <= 0) return true;
  std::lock_guard lock(mutex_);
  Bucket& bucket = buckets_[key_id];
  if (bucket.updated_us == 0) bucket.tokens = rate_per_second_;
  double refill = static_cast<double>(now_us - bucket.updated_us) / 1e6 * rate_per_second_;
  bucket.tokens = std::min(rate_per_second_, bucket.tokens + std::max(0.0, refill));
  bucket.updated_us = now_us;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

ApiResponse json_response(unsigned status, const json::value& body) {
  return ApiResponse{status, "application/json", json::serialize(body), {}};
}

Api::Api(ApiDependencies dependencies)
    : deps_(std::move(dependencies)), rate_limiter_(deps_.requests_per_second_per_key) {}

void Api::handle(ApiRequest&& request, Respond respond) {
  auto admitted = admit(request, !request.body.empty());
  if (auto* refused = std::get_if<ApiResponse>(&admitted)) return respond(std::move(*refused));
  serve(std::get<Admission>(std::move(admitted)), std::move(request), std::move(respond));
}

namespace {
size_t unmatched_route_index(Method method) {
  return route_table().size() + static_cast<size_t>(method);
}

std::string_view sent_method_name(const ApiRequest& request) {
  return request.method_text.empty() ? method_name(request.method)
                                     : std::string_view(request.method_text);
}

// 405 with the Allow header: the methods some route takes on this path.
ApiResponse method_not_allowed(const ApiRequest& request) {
  std::string allowed;
  for (const Route& route : route_table()) {
    if (match_route(route.method, request.path).route == &route) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(method_name(route.method));
      if (route.method == Method::get) allowed += ", HEAD";
    }
  }
  ApiResponse response =
      problem(405, "method_not_allowed", "Method not allowed",
              fmt::format("{} is not allowed here; use {}", sent_method_name(request), allowed));
  response.headers.emplace_back("Allow", allowed);
  return response;
}

// The client's Idempotency-Key header: what any client may send, before scoping.
Result<void> validate_idempotency_header(const std::string& key) {
  if (key.empty()) return {};
  auto valid = validate_text("Idempotency-Key", key, kIdempotencyKeyLengthMax);
  if (!valid) return std::unexpected(valid.error());
  return {};
}
}  // namespace

std::variant<Admission, ApiResponse> Api::admit(const ApiRequest& request, bool has_body) {
  int64_t started_us = steady_now_us();
  // The dashboard's static files need no key: the page asks for one and sends it on
  // each API call. Answered from the head; they are not API routes (ui_assets.hpp).
  if (is_ui_path(request.path)) {
    ApiResponse answer = ui_answer(request.method, request.path, has_body);
    deps_.metrics->observe_request(unmatched_route_index(request.method), answer.status,
                                   static_cast<double>(steady_now_us() - started_us) / 1e6);
    return answer;
  }
  RouteMatch match = match_route(request.method, request.path);
  Admission admission;
  admission.started_us = started_us;
  admission.route_index = match.route ? static_cast<size_t>(match.route - route_table().data())
                                      : unmatched_route_index(request.method);
  auto refuse = [&](ApiResponse&& response) -> std::variant<Admission, ApiResponse> {
    deps_.metrics->observe_request(admission.route_index, response.status,
                                   static_cast<double>(steady_now_us() - started_us) / 1e6);
    return std::move(response);
  };
  if (match.route == nullptr) {
    if (match.path_known) return refuse(method_not_allowed(request));
    return refuse(problem(404, "not_found", "Not found", "no such route: " + request.path));
  }
  const Route& route = *match.route;
  if (route.permission != Permission::none) {
    auto authenticated = deps_.keys->authenticate(request.authorization);
    if (!authenticated) return refuse(unauthorized());
    admission.caller = *authenticated;
    Permission needed = required_permission(route, match.params);
    if (!role_allows(admission.caller.role, needed)) {
      return refuse(
          problem(403, "forbidden", "Forbidden",
                  fmt::format("role {} may not {} (needs {})", role_name(admission.caller.role),
                              route.path_template, permission_name(needed))));
    }
    if (!rate_limiter_.allow(admission.caller.key_id, started_us)) {
      return refuse(problem(429, "too_many_requests", "Too many requests",
                            "this API key's request rate limit is reached; retry after 1 s"));
    }
  }
  if (route.body == BodyKind::none && has_body) {
    return refuse(problem(415, "unsupported_media_type", "Unsupported media type",
                          "this route takes no body", "Content-Type"));
  }
  if (has_body && !media_type_matches(route.body, request.content_type)) {
    return refuse(problem(415, "unsupported_media_type", "Unsupported media type",
                          fmt::format("send Content-Type: {} (got '{}')",
                                      media_type_name(route.body), request.content_type),
                          "Content-Type"));
  }
  if (auto valid = validate_idempotency_header(request.idempotency_key); !valid) {
    return refuse(problem_from_error(valid.error()));
  }
  admission.route = &route;
  admission.params = std::move(match.params);
  return admission;
}

void Api::serve(Admission&& admission, ApiRequest&& request, Respond respond) {
  LC_ASSERT(admission.route != nullptr);
  Metrics* metrics = deps_.metrics;
  // Every answer passes through here once, so metrics count each request exactly once.
  Respond answer = [metrics, route_index = admission.route_index, started_us = admission.started_us,
                    respond = std::move(respond)](ApiResponse&& response) {
    metrics->observe_request(route_index, response.status,
                             static_cast<double>(steady_now_us() - started_us) / 1e6);
    respond(std::move(response));
  };
  // One partner's key never answers another's request (Stripe scopes keys per account).
  if (!request.idempotency_key.empty() && !admission.caller.key_id.empty()) {
    request.idempotency_key = scoped_idempotency_key(admission.caller, request.idempotency_key);
  }
  // Handlers return errors as values; this only stops a bug (say, a JSON accessor
  // throwing) from taking the whole server down with one request. The exception's text
  // is the server's business (paths, internals): it goes to the log under a number, and
  // the client gets a generic problem carrying only that number (RFC 9457 §3.1.4).
  try {
    dispatch(*admission.route, admission.params, request, admission.caller, answer);
  } catch (const std::exception& error) {
    answer(internal_error(*admission.route, error.what()));
  }
}

json::object caller_json(const Caller& caller) {
  json::array permissions;
  for (Permission permission :
       {Permission::stock_read, Permission::reservations_read, Permission::reservations_write,
        Permission::catalog_write, Permission::planning_write, Permission::movements_write,
        Permission::signals_write, Permission::ledger_read, Permission::alerts_read,
        Permission::alerts_write, Permission::webhooks_admin, Permission::stock_rollback}) {
    if (role_allows(caller.role, permission)) {
      permissions.push_back(json::string(permission_name(permission)));
    }
  }
  // "GET /v1/stock/{sku}": the route table's templates, so a route added later (or not
  // yet on this server) is named exactly when this key may call it.
  json::array routes;
  for (const Route& route : route_table()) {
    if (route.permission == Permission::none || !role_allows(caller.role, route.permission)) {
      continue;
    }
    routes.push_back(
        json::string(fmt::format("{} {}", method_name(route.method), route.path_template)));
  }
  return json::object{{"key_id", caller.key_id},
                      {"role", role_name(caller.role)},
                      {"permissions", std::move(permissions)},
                      {"routes", std::move(routes)}};
}

ApiResponse Api::internal_error(const Route& route, std::string_view what) {
  const uint64_t number = internal_errors_.fetch_add(1) + 1;
  std::fprintf(
      stderr, "internal error %llu on %s %s: %.*s\n", static_cast<unsigned long long>(number),
      std::string(method_name(route.method)).c_str(), std::string(route.path_template).c_str(),
      static_cast<int>(what.size()), what.data());
  return problem(
      500, "internal", "Internal error",
      fmt::format("the server failed to answer; its log names this internal error {}", number));
}

void Api::count_transport_answer(const Admission* admission, Method method, unsigned status,
                                 int64_t started_us) {
  size_t route_index = admission ? admission->route_index : unmatched_route_index(method);
  deps_.metrics->observe_request(route_index, status,
                                 static_cast<double>(steady_now_us() - started_us) / 1e6);
}

std::string scoped_idempotency_key(const Caller& caller, std::string_view client_key) {
  LC_ASSERT(caller.key_id.size() < kIdempotencyScopePrefixLengthMax);
  LC_ASSERT(client_key.size() <= kIdempotencyKeyLengthMax);
  std::string scoped;
  scoped.reserve(caller.key_id.size() + 1 + client_key.size());
  scoped.append(caller.key_id).append("/").append(client_key);
  return scoped;
}

std::variant<Caller, ApiResponse> Api::authorize_stream(const ApiRequest& request) {
  std::string authorization = request.authorization;
  if (authorization.empty()) {
    if (const std::string* token = request.query_value("access_token")) {
      authorization = "Bearer " + *token;
    } else {
      authorization = websocket_bearer(request.websocket_protocols).authorization;
    }
  }
  auto caller = deps_.keys->authenticate(authorization);
  if (!caller) return unauthorized();
  if (!role_allows(caller->role, Permission::stock_read)) {
    return problem(403, "forbidden", "Forbidden", "this role may not read stock");
  }
  return *caller;
}

Result<void> Api::submit_commands(std::vector<engine::Command>&& commands,
                                  std::function<void(engine::Replies&&)> on_durable) {
  auto run_on_io = deps_.run_on_io;
  return deps_.sequencer->submit(
      std::move(commands),
      [run_on_io, on_durable = std::move(on_durable)](engine::Replies&& replies) {
        auto shared = std::make_shared<engine::Replies>(std::move(replies));
        run_on_io([on_durable, shared] { on_durable(std::move(*shared)); });
      });
}

void Api::submit(engine::Command command, Respond respond,
                 std::function<ApiResponse(engine::Reply&&)> on_reply, ErrorOrigin origin,
                 const std::string& idempotency_key) {
  std::vector<engine::Command> commands;
  commands.push_back(engine::with_idempotency_key(std::move(command), idempotency_key));
  bool keyed = !idempotency_key.empty();
  auto submitted = submit_commands(std::move(commands), [respond, on_reply = std::move(on_reply),
                                                         origin, keyed](engine::Replies&& replies) {
    auto& reply = replies.front();
    if (!reply) {
      Error error = reply.error();
      // The key came in the Idempotency-Key header: name it as the client sent it.
      if (keyed && error.field == "idempotency_key") error.field = "Idempotency-Key";
      return respond(problem_from_error(error, origin));
    }
    respond(on_reply(std::move(*reply)));
  });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

void Api::dispatch(const Route& route, const Params& params, ApiRequest& request,
                   const Caller& caller, Respond respond) {
  switch (route.id) {
    case RouteId::healthz:
      return respond(json_response(200, json::object{{"status", "ok"}}));
    case RouteId::readyz: {
      bool ready = deps_.ready();
      return respond(json_response(ready ? 200 : 503,
                                   json::object{{"status", ready ? "ready" : "not_ready"}}));
    }
    case RouteId::metrics: {
      ApiResponse response{200, "text/plain; version=0.0.4; charset=utf-8", "", {}};
      response.body = deps_.metrics->render(deps_.sequencer->queue_depth(),
                                            deps_.sequencer->snapshots_written());
      if (deps_.alert_metrics) response.body += deps_.alert_metrics();
      return respond(std::move(response));
    }
    case RouteId::openapi:
      return respond(ApiResponse{200, "application/json", std::string(deps_.openapi_json), {}});
    case RouteId::reservation_create:
      return reservation_create(request, caller, std::move(respond));
    case RouteId::reservation_batch:
      return reservation_batch(request, caller, std::move(respond));
    case RouteId::reservation_get:
      return reservation_get(params, std::move(respond));
    case RouteId::reservation_commit:
    case RouteId::reservation_release:
    case RouteId::reservation_extend:
      return reservation_change(route.id, params, request, std::move(respond));
    case RouteId::stock_of_sku:
      if (request.query_value("as_of") != nullptr) {
        return stock_as_of(params, request, std::move(respond));
      }
      return stock_of_sku(params, std::move(respond));
    case RouteId::stock_list:
      return stock_list(request, std::move(respond));
    case RouteId::sku_put:
    case RouteId::location_put:
    case RouteId::channel_put:
    case RouteId::region_distance_put:
      return catalog_put(route.id, params, request, std::move(respond));
    case RouteId::import_bulk:
      return import_bulk(params, request, std::move(respond));
    case RouteId::receipt_create:
    case RouteId::adjustment_create:
    case RouteId::presale_plan_put:
    case RouteId::transfer_create:
    case RouteId::transfer_get:
    case RouteId::transfer_receive:
    case RouteId::transfer_reroute:
    case RouteId::return_create:
    case RouteId::return_get:
    case RouteId::return_grade:
    case RouteId::return_rework_done:
      return movement(route.id, params, request, std::move(respond));
    case RouteId::signals_ingest:
      return signals_ingest(request, std::move(respond));
    case RouteId::ledger_head:
    case RouteId::ledger_event:
    case RouteId::ledger_inclusion_proof:
    case RouteId::ledger_consistency_proof:
    case RouteId::ledger_checkpoint:
      return ledger(route.id, params, request, caller, std::move(respond));
    case RouteId::verify_code:
      return verify_code(request, std::move(respond));
    case RouteId::shipment_cold_chain_put:
    case RouteId::shipment_cold_chain_get:
    case RouteId::shipment_cold_chain_svg:
    case RouteId::sensor_readings:
      return cold_chain(route.id, params, request, std::move(respond));
    case RouteId::scan_page:
      return scan_page(params, request, std::move(respond));
    case RouteId::epcis_capture:
    case RouteId::epcis_capture_job:
    case RouteId::epcis_events:
    case RouteId::epcis_event:
      return epcis(route.id, params, request, std::move(respond));
    case RouteId::batch_create:
    case RouteId::batch_get:
    case RouteId::batch_units:
      return trace_batches(route.id, params, request, std::move(respond));
    case RouteId::recall_create:
      return recall_create(request, caller, std::move(respond));
    case RouteId::recall_get:
      return recall_get(params, caller, std::move(respond));
    case RouteId::stream:
      return respond(problem(426, "upgrade_required", "Upgrade required",
                             "/v1/stream is a WebSocket: send an Upgrade: websocket request"));
    case RouteId::channel_allocation_put:
    case RouteId::channel_allocation_delete:
    case RouteId::channel_allocation_move:
      return channel_allocation(route.id, params, request, std::move(respond));
    case RouteId::channel_available:
      return channel_available(params, request, std::move(respond));
    case RouteId::alerts_list:
      return alerts_list(request, std::move(respond));
    case RouteId::alert_get:
      return alert_get(params, std::move(respond));
    case RouteId::alert_raise:
      return alert_raise(request, std::move(respond));
    case RouteId::alert_ack:
    case RouteId::alert_resolve:
      return alert_change(route.id, params, request, std::move(respond));
    case RouteId::webhook_create:
    case RouteId::webhook_list:
    case RouteId::webhook_delete:
    case RouteId::webhook_deliveries:
    case RouteId::webhook_replay:
      return webhooks(route.id, params, request, std::move(respond));
    case RouteId::session_plan_put:
      return session_plan_put(params, request, std::move(respond));
    case RouteId::session_put:
      return session_put(params, request, caller, std::move(respond));
    case RouteId::factory_put:
      return factory_put(params, request, caller, std::move(respond));
    case RouteId::production_order_put:
      return order_put(params, request, caller, std::move(respond));
    case RouteId::factories_list:
    case RouteId::factory_get:
    case RouteId::production_orders_list:
      return production_read(route.id, params, std::move(respond));
    case RouteId::production_plan_get:
      return production_plan(caller, std::move(respond));
    case RouteId::session_get:
    case RouteId::session_plan_get:
      return session_read(route.id, params, std::move(respond));
    case RouteId::warehouse_report:
      return warehouse_report(request, std::move(respond));
    case RouteId::channel_observed_stock:
      return channel_observed_stock(params, request, std::move(respond));
    case RouteId::channel_drift:
      return channel_drift(params, std::move(respond));
    case RouteId::rollback:
      return rollback(request, caller, std::move(respond));
    case RouteId::lane_put:
      return lane_put(params, request, std::move(respond));
    case RouteId::lane_get:
      return lane_get(params, std::move(respond));
    case RouteId::shipment_create:
      return shipment_create(request, std::move(respond));
    case RouteId::shipment_get:
      return shipment_get(params, std::move(respond));
    case RouteId::shipment_scan:
      return shipment_scan(params, request, std::move(respond));
    case RouteId::session_outcome:
      return session_outcome(params, request, std::move(respond));
    case RouteId::turnover_review:
      return turnover_review(request, std::move(respond));
    case RouteId::silence_create:
    case RouteId::silence_list:
    case RouteId::silence_delete:
      return silences(route.id, params, request, std::move(respond));
    case RouteId::caller_get:
      return respond(json_response(200, caller_json(caller)));
    case RouteId::kpis:
      return kpis_get(request, std::move(respond));
    case RouteId::kpi_definitions:
      return kpi_definitions(std::move(respond));
    case RouteId::export_rows:
      return export_rows(params, request, caller, std::move(respond));
    case RouteId::connector_orders:
      return connector_orders(params, request, std::move(respond));
  }
  respond(problem(500, "internal", "Internal error", "unrouted request"));
}

}  // namespace livechain::server
