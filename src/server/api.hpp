// src/server/api.hpp — internal: API v1 behind the transport. Authenticates, checks the
// route's permission and the body's media type, parses the body into engine commands,
// submits them to the sequencer and answers once they are durable. No sockets here:
// http_server.cpp feeds it ApiRequests, tests and the fuzz target can too.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include "alerts/alerts.hpp"
#include "connectors/connectors.hpp"
#include "engine/as_of.hpp"
#include "engine/sequencer.hpp"
#include "planning/session_records.hpp"
#include "planning/session_tiers.hpp"
#include "server/access.hpp"
#include "server/api_types.hpp"
#include "server/ledger_views.hpp"
#include "server/metrics.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"
#include "server/routes.hpp"
#include "server/scan_page.hpp"
#include "store/store.hpp"

namespace livechain::store {
class ScanStore;
class SensorStore;
}  // namespace livechain::store

namespace livechain::server {

class AlertsRuntime;
class ProductionPlanner;
class EpcisService;
class KpiFeed;

// Token bucket per API key: `rate_per_second` requests with a burst of one second's
// worth. 0 turns it off.
class RateLimiter {
 public:
  explicit RateLimiter(double rate_per_second) : rate_per_second_(rate_per_second) {}
  bool allow(const std::string& key_id, int64_t now_us);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_us = 0;
  };
  double rate_per_second_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mutex_)
};

struct ApiDependencies {
  engine::Sequencer* sequencer = nullptr;
  KeyRing* keys = nullptr;
  Metrics* metrics = nullptr;
  store::SignalStore* signals = nullptr;  // touched only inside run_blocking
  LedgerViews* ledger = nullptr;          // touched only inside run_blocking
  // Runs blocking work (signal appends, proofs) off the I/O threads, in order.
  std::function<void(std::function<void()>)> run_blocking;
  // Runs non-blocking work on an I/O thread. Durable replies are turned into responses
  // there, not on the journal thread, whose time belongs to the next group commit.
  std::function<void(std::function<void()>)> run_on_io;
  std::function<bool()> ready;
  std::string_view openapi_json;
  ParseLimits limits;
  double requests_per_second_per_key = 0;
  size_t page_size_max = 1'000;
  // Alerts (issue 11): the webhook outbox (touched only inside run_blocking), a nudge
  // for its dispatcher after a replay, and extra /metrics text.
  alerts::Outbox* outbox = nullptr;
  std::function<void()> wake_webhooks;
  std::function<std::string()> alert_metrics;
  // Runs on the worker (inside run_blocking) after accepted live signals are stored:
  // the alert rules evaluate them. And the session plans those rules compare against.
  std::function<void(const std::vector<store::LiveSignal>&)> on_signals;
  // Channel consistency (issue 10 §6): observed-stock reports and drift records
  // (touched only inside run_blocking), and the alert threshold GET …/drift shows.
  store::ObservedStockStore* observed = nullptr;
  double drift_threshold_pct = 3.0;
  // Stock as of T and rollback (issue 10 §4–5): the as-of index, touched only inside
  // run_blocking; the clock that says what "the future" is.
  engine::AsOfIndex* as_of = nullptr;
  const Clock* clock = nullptr;
  // The alert rules' state (plans, warehouse levels, lanes, shipments): touched only
  // inside run_blocking (the worker). Null: those routes answer 503.
  AlertsRuntime* rules_runtime = nullptr;
  // Session-tier stocking rules (issue 18 §2, api_sessions.cpp).
  planning::TierConfig tier_config;
  // Flexible production (issue 18 §4, api_production.cpp). Null: its writes answer 503.
  ProductionPlanner* production = nullptr;
  // Scans of unit codes (issue 12 §7, GET /v1/verify): touched only inside run_blocking.
  store::ScanStore* scans = nullptr;
  // Cold-chain readings and ranges (issue 12 §6): touched only inside run_blocking.
  store::SensorStore* sensors = nullptr;
  // EPCIS 2.0 capture and query (issue 12 §3): blocking, used inside run_blocking.
  // Null: /epcis/v2 answers 503.
  EpcisService* epcis = nullptr;
  // The KPI read model (issue 19 §1, api_kpis.cpp); it answers on its own thread. Null: 503.
  KpiFeed* kpis = nullptr;
  // Live-platform connectors (issue 19 §3, api_connectors.cpp): a platform absent
  // answers 404.
  connectors::ConnectorConfig connectors;
};

// What the transport learns from a request's head before it reads any body: the route,
// the authenticated caller and the body the route takes.
struct Admission {
  const Route* route = nullptr;
  std::vector<std::string> params;
  Caller caller;
  size_t route_index = 0;  // for the metrics' labels
  int64_t started_us = 0;
};

class Api {
 public:
  explicit Api(ApiDependencies dependencies);

  // Answers `request` through `respond`, exactly once, possibly from another thread.
  // Equivalent to admit() then serve(), for callers that hold the whole request.
  void handle(ApiRequest&& request, Respond respond);

  // Routes, authenticates, checks permission, rate limit, media type and the
  // Idempotency-Key header from the request's head alone (`request.body` is not
  // looked at; `has_body` says whether a body follows). Returns the admission, or the
  // answer to send instead, already counted in the metrics. The transport reads and
  // buffers a body only for an admitted request, and only up to
  // body_bytes_max(admission).
  std::variant<Admission, ApiResponse> admit(const ApiRequest& request, bool has_body);
  // Runs an admitted request with its body; answers exactly once through `respond`.
  // Idempotency keys are scoped by the caller's API key here, so every route gets it.
  void serve(Admission&& admission, ApiRequest&& request, Respond respond);
  // The body kind an admitted request's route takes.
  static BodyKind body_kind(const Admission& admission) { return admission.route->body; }
  // Counts an answer the transport gave on its own (408 slow body, 413 …) in the
  // metrics, under the admitted route when there is one.
  void count_transport_answer(const Admission* admission, Method method, unsigned status,
                              int64_t started_us);

  // Authentication and permission for a WebSocket upgrade of /v1/stream: the caller,
  // or the error response to send instead of upgrading. The key may also come as the
  // query parameter "access_token", or as the subprotocol "bearer.<key>" offered beside
  // "livechain" (the dashboard's way: browsers cannot set headers on WebSockets, and a
  // key in a URL ends up in logs).
  std::variant<Caller, ApiResponse> authorize_stream(const ApiRequest& request);

  Metrics& metrics() { return *deps_.metrics; }

 private:
  using Params = std::vector<std::string>;
  void dispatch(const Route& route, const Params& params, ApiRequest& request, const Caller& caller,
                Respond respond);
  // The answer to a request whose handler threw: logs `what` to stderr with the route
  // and a number, and returns a generic 500 problem naming only that number.
  ApiResponse internal_error(const Route& route, std::string_view what);

  // Submits commands; `on_durable` runs on an I/O thread once they are durable.
  // Returns the submission error (busy, shutting_down …) without calling on_durable.
  Result<void> submit_commands(std::vector<engine::Command>&& commands,
                               std::function<void(engine::Replies&&)> on_durable);
  // Submits one command and maps its durable reply with `on_reply`.
  // A non-empty `idempotency_key` (the request's, passed through opaque) makes the
  // command retry-safe (engine::Keyed).
  void submit(engine::Command command, Respond respond,
              std::function<ApiResponse(engine::Reply&&)> on_reply,
              ErrorOrigin origin = ErrorOrigin::body, const std::string& idempotency_key = {});

  // Unit codes (api_trace.cpp): GET /v1/verify and the scan page /01/…/10/…/21/….
  void verify_code(const ApiRequest& request, Respond respond);
  // The cold chain (api_cold_chain.cpp).
  void cold_chain(RouteId route, const Params& params, ApiRequest& request, Respond respond);
  void sensor_readings(ApiRequest& request, Respond respond);
  // EPCIS 2.0 (api_epcis.cpp).
  void epcis(RouteId route, const Params& params, ApiRequest& request, Respond respond);
  void scan_page(const Params& params, const ApiRequest& request, Respond respond);
  // The Digital Link of one unit (lot and serial required). Errors: invalid_argument "dl".
  Result<trace::DigitalLink> unit_link(std::string_view uri, TimeMs now_ms) const;
  // The optional "region" query parameter. Errors: invalid_argument "region".
  Result<std::string> scan_region(const ApiRequest& request) const;
  // Looks the code up on the engine thread; when `count`, records the scan on the
  // worker and raises counterfeit_suspected first when it is seen elsewhere recently.
  void scan_code(trace::DigitalLink link, std::string region, TimeMs now_ms, bool count,
                 std::function<void(Result<ScanOutcome>&&)> done);
  void reservation_create(ApiRequest& request, const Caller& caller, Respond respond);
  void reservation_batch(ApiRequest& request, const Caller& caller, Respond respond);
  void reservation_get(const Params& params, Respond respond);
  void reservation_change(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void stock_of_sku(const Params& params, Respond respond);
  void stock_list(const ApiRequest& request, Respond respond);
  void catalog_put(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void movement(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void import_bulk(const Params& params, ApiRequest& request, Respond respond);
  void signals_ingest(ApiRequest& request, Respond respond);
  void ledger(RouteId id, const Params& params, const ApiRequest& request, const Caller& caller,
              Respond respond);
  // Requests of several commands with an Idempotency-Key (api_keys.cpp): claims the
  // key for this body, then runs `then` (on an I/O thread); a key already used with
  // another body answers 422 and `then` never runs. No key: runs `then` at once.
  void claim_key(const ApiRequest& request, Respond respond, std::function<void()> then);
  // Writes whose answer is computed outside the engine (rule state, signals, observed
  // stock, webhooks) under the request's Idempotency-Key (api_keys.cpp). No key: runs
  // `run({}, respond)`. With a key: a retry of the same request (route and raw body)
  // gets the first 2xx answer again (`Idempotent-Replayed: true`) and runs nothing;
  // another request with the key is 422; a retry while the first still runs is 409.
  // Otherwise `run` gets the claim command (submit it in the same batch as the write's
  // own engine commands, if any, so the key is durable exactly when they are) and a
  // Respond that journals the claim and a 2xx answer before sending it.
  // `stored` turns an answer into what is kept (e.g. without a secret) and `replayed`
  // turns the kept answer back into what a retry gets; both default to identity.
  struct AnswerOnce {
    std::function<ApiResponse(const ApiResponse&)> stored;
    std::function<void(ApiResponse&&, Respond)> replayed;
  };
  void answer_once(const ApiRequest& request, Respond respond,
                   std::function<void(std::vector<engine::Command> claim, Respond)> run,
                   AnswerOnce hooks = {});
  // Channel pools (api_channels.cpp).
  void channel_allocation(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void channel_available(const Params& params, const ApiRequest& request, Respond respond);
  // api_alerts.cpp, api_webhooks.cpp
  void alerts_list(const ApiRequest& request, Respond respond);
  void alert_get(const Params& params, Respond respond);
  void alert_raise(ApiRequest& request, Respond respond);
  void alert_change(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void webhooks(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  void session_plan_put(const Params& params, ApiRequest& request, Respond respond);
  void warehouse_report(ApiRequest& request, Respond respond);
  // Traceability (issue 12 §2): api_trace.cpp.
  void trace_batches(RouteId id, const Params& params, ApiRequest& request, Respond respond);
  // Recalls (issue 12 §5): api_recalls.cpp.
  void recall_create(ApiRequest& request, const Caller& caller, Respond respond);
  void recall_get(const Params& params, const Caller& caller, Respond respond);
  // Channel consistency checker (api_channel_sync.cpp).
  void channel_observed_stock(const Params& params, ApiRequest& request, Respond respond);
  void channel_drift(const Params& params, Respond respond);
  // Stock as of T and rollback (api_asof.cpp).
  void stock_as_of(const Params& params, const ApiRequest& request, Respond respond);
  void rollback(ApiRequest& request, const Caller& caller, Respond respond);
  // api_rules.cpp: rule-state writes (run on the worker, journaled, then answered with
  // `status`, plus "alert" when one was raised) and reads; lanes and shipments.
  // Takes the request's Idempotency-Key (answer_once).
  void rule_change(std::function<Result<alerts::RuleChange>(AlertsRuntime&)> make, unsigned status,
                   ErrorOrigin origin, const ApiRequest& request, Respond respond);
  // The rule change itself, once answer_once let it run: `claim` goes first in the batch.
  void apply_rule_change(std::function<Result<alerts::RuleChange>(AlertsRuntime&)> make,
                         unsigned status, ErrorOrigin origin, std::vector<engine::Command> claim,
                         Respond respond);
  void rule_read(std::function<Result<boost::json::object>(AlertsRuntime&)> read, Respond respond);
  void lane_put(const Params& params, ApiRequest& request, Respond respond);
  void lane_get(const Params& params, Respond respond);
  void shipment_create(ApiRequest& request, Respond respond);
  void shipment_get(const Params& params, Respond respond);
  void shipment_scan(const Params& params, ApiRequest& request, Respond respond);
  void session_outcome(const Params& params, ApiRequest& request, Respond respond);
  void turnover_review(ApiRequest& request, Respond respond);
  // A PUT of a record its path names (sessions, factories, orders): the {id} — 404 when
  // it is not a valid identifier — and the JSON object body — 400 when malformed. nullopt:
  // the problem was answered.
  std::optional<std::pair<std::string, boost::json::object>> record_put_request(
      const Params& params, ApiRequest& request, const Respond& respond);
  // Planned live sessions and their stocking plans (api_sessions.cpp).
  void session_put(const Params& params, ApiRequest& request, const Caller& caller,
                   Respond respond);
  void session_read(RouteId id, const Params& params, Respond respond);
  // Plans on the worker from inputs the engine thread read, then journals the records.
  void decide_and_journal(const planning::SessionSpec& spec,
                          const planning::SessionLedgerInputs& inputs, const std::string& actor,
                          std::vector<engine::Command> claim, Respond respond);
  // Factories, production orders and the plan (api_production.cpp).
  void factory_put(const Params& params, ApiRequest& request, const Caller& caller,
                   Respond respond);
  void order_put(const Params& params, ApiRequest& request, const Caller& caller, Respond respond);
  void production_read(RouteId id, const Params& params, Respond respond);
  void production_plan(const Caller& caller, Respond respond);
  // The KPIs (api_kpis.cpp).
  void kpis_get(const ApiRequest& request, Respond respond);
  void kpi_definitions(Respond respond);
  // Bulk export (api_export.cpp, docs/export.md): a streamed CSV/NDJSON body.
  void export_rows(const Params& params, const ApiRequest& request, const Caller& caller,
                   Respond respond);
  // Live-platform order pushes (api_connectors.cpp, docs/connectors.md).
  void connector_orders(const Params& params, ApiRequest& request, Respond respond);
  // api_silences.cpp
  void silences(RouteId id, const Params& params, ApiRequest& request, Respond respond);

  ApiDependencies deps_;
  RateLimiter rate_limiter_;
  std::atomic<uint64_t> internal_errors_{0};
  // Bulk exports being streamed (api_export.cpp): at most kExportsInFlightMax.
  std::shared_ptr<std::atomic<size_t>> exports_in_flight_ =
      std::make_shared<std::atomic<size_t>>(0);  // 500s from a throwing handler, numbered
  // Idempotency keys of answer_once requests still running (scoped keys).
  std::mutex keys_in_flight_mutex_;
  std::unordered_set<std::string> keys_in_flight_;  // GUARDED_BY(keys_in_flight_mutex_)
};

// The key the engine stores for a client's Idempotency-Key: "<API key id>/<key>".
std::string scoped_idempotency_key(const Caller& caller, std::string_view client_key);
// The key of the n-th command of a keyed multi-command request: "KEY/n".
std::string derived_key(const std::string& idempotency_key, size_t index);

// The JSON body of a response.
ApiResponse json_response(unsigned status, const boost::json::value& body);

// GET /v1/me: {"key_id", "role", "permissions": [names], "routes": ["GET /v1/stock", …]}
// — the permissions the caller's role holds and every route template (method and path)
// it may call; routes open to anyone (/healthz, …) are left out. The key itself never.
boost::json::object caller_json(const Caller& caller);

}  // namespace livechain::server
