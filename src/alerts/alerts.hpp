// src/alerts/alerts.hpp — public header of the alerts module.
//
// alerts owns the rules that turn state changes into graded alerts, and the durable
// outbox that delivers them (docs/alerts.md):
//   - stock alerts on a SKU × location's available-to-sell (stockout, low stock,
//     recovered), pushed to /v1/stream subscribers;
//   - the JSON shape of an alert record (the engine keeps the records, journaled);
//   - Outbox: a SQLite file beside the journal (PATH.outbox) holding webhook endpoints
//     and every message until each subscribed endpoint answered 2xx, with retries on a
//     schedule, dead letters and replay. Generic: any message type ("alert.raised",
//     later "ats.changed" …) enters through Outbox::enqueue;
//   - WebhookDispatcher: its own thread, delivering due messages with libcurl per the
//     Standard Webhooks specification (signed, same webhook-id on every retry);
//   - AlertFeed: its own thread, reading alert events from the journal after a durable
//     cursor and enqueueing them, so an alert journaled before a kill -9 is still sent.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/notify.hpp"
#include "alerts/rules.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/alert_records.hpp"

namespace livechain::alerts {

// ---- stock crossings (the /v1/stream push) ---------------------------------------

enum class Severity : uint8_t { info, warning, critical };
enum class StockAlertKind : uint8_t { stockout, low_stock, recovered };

struct StockAlert {
  StockAlertKind kind;
  Severity severity;
};

std::string_view stock_alert_name(StockAlertKind kind);
std::string_view severity_name(Severity severity);

// The alert raised when available-to-sell moves from `before_units` to `after_units`
// (before nullopt: first observation, which alerts only if already out or low).
// Fires on crossings only, so a SKU hovering at zero raises one stockout, not one per
// change: stockout (critical) on reaching 0; low_stock (warning) on falling to or
// below `low_stock_units` from above it; recovered (info) on rising above the low
// threshold from at or below it. REQUIRES: low_stock_units >= 0.
std::optional<StockAlert> stock_alert(std::optional<int64_t> before_units, int64_t after_units,
                                      int64_t low_stock_units);

// ---- alert records -----------------------------------------------------------------

// {"id", "kind", "severity", "state", "subject": {…}, "evidence": {…}, "action": {…}|null,
//  "raised_at", "updated_at", "acknowledged_at"?, "resolved_at"?, "updates", "note"?}.
// Times are RFC 3339 UTC with milliseconds.
boost::json::object alert_json(const engine::AlertRecord& record);
// "2026-11-23T01:02:03.004Z".
std::string rfc3339_ms(TimeMs time_ms);

// ---- the outbox ------------------------------------------------------------------

struct WebhookOptions {
  // Delay before retry n (n = 1 …): after the last one fails the delivery is dead.
  // Default: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h, 24 h, 24 h
  // (about 3.1 days in all). Each delay gets ±20% jitter.
  std::vector<int64_t> retry_schedule_ms = {5'000,      30'000,     120'000,    600'000,
                                            1'800'000,  3'600'000,  7'200'000,  14'400'000,
                                            28'800'000, 43'200'000, 86'400'000, 86'400'000};
  bool allow_private_targets = false;  // loopback, RFC 1918, link-local: refused unless set
  uint32_t timeout_ms = 10'000;        // one attempt, connect + answer
  size_t endpoints_max = 100;
  size_t in_flight_max = 64;                  // attempts at once, all endpoints
  size_t in_flight_per_endpoint_max = 4;      // a slow receiver holds at most this many
  size_t pending_deliveries_max = 1'000'000;  // the outbox bound (undelivered, not dead)
  double near_bound_ratio = 0.8;              // raise outbox_near_bound beyond this share
  // Receivers, routing tree, inhibition ("notify" in the serve config).
  NotifyConfig notify = default_notify_config();
};

struct WebhookEndpoint {
  std::string endpoint_id;  // "ep_…"
  std::string url;
  std::vector<std::string> event_types;  // "alert.*", "alert.raised" …
  std::string secret;                    // "whsec_<base64 of 24 random bytes>"
  TimeMs created_at_ms = 0;
};

enum class DeliveryState : uint8_t { pending, delivered, dead };
std::string_view delivery_state_name(DeliveryState state);

struct DeliveryView {
  int64_t delivery_id = 0;
  std::string message_id;  // the webhook-id header
  std::string type;
  DeliveryState state = DeliveryState::pending;
  uint32_t attempts = 0;
  TimeMs created_at_ms = 0;
  TimeMs next_attempt_at_ms = 0;  // pending only
  int last_status = 0;            // HTTP status of the last attempt; 0: none/transport
  std::string last_error;
};

// Message types the outbox knows; an endpoint subscribes to some of them, exactly or by
// "prefix.*". Other modules add theirs with Outbox::register_type.
inline constexpr std::string_view kAlertMessageTypes[] = {"alert.raised", "alert.updated",
                                                          "alert.resolved"};

class Outbox {
 public:
  // Opens (creating) PATH.outbox beside the journal at `db_path`.
  // Errors: io_error, corruption.
  static Result<std::unique_ptr<Outbox>> open(const std::string& db_path, WebhookOptions options);
  ~Outbox();

  // Adds a message type endpoints may subscribe to ("ats.changed"). Call before
  // serving. REQUIRES: `type` is "<word>.<word>".
  void register_type(std::string type);

  // Registers an endpoint. Errors (field named): invalid_argument "url" (not http(s),
  // unparsable, or a loopback/private/link-local target while those are refused),
  // invalid_argument "event_types" (empty, or naming an unknown type),
  // limit_exceeded "webhooks" (endpoints_max); io_error.
  Result<WebhookEndpoint> add_endpoint(std::string_view url,
                                       const std::vector<std::string>& event_types, TimeMs now_ms);
  Result<std::vector<WebhookEndpoint>> endpoints();
  // Errors: not_found (field "id").
  Result<void> remove_endpoint(std::string_view endpoint_id);

  // THE PUBLIC ENTRY for every feature: enqueues one message of `type` whose "data" is
  // `data`, for every endpoint subscribed to `type`, durably (fsync) before returning.
  // `message_id` names the message (the webhook-id header; a second enqueue with the
  // same id is ignored, which makes producers that replay idempotent); empty: one is
  // made. Returns the message id. Errors: invalid_argument "type" (unknown type);
  // busy when the outbox holds pending_deliveries_max undelivered deliveries (nothing
  // enqueued: retry later); io_error.
  Result<std::string> enqueue(std::string_view type, const boost::json::object& data, TimeMs now_ms,
                              std::string message_id = "");

  // Deliveries of one endpoint, newest first. `state` filters when set.
  // Errors: not_found (field "id").
  Result<std::vector<DeliveryView>> deliveries(std::string_view endpoint_id,
                                               std::optional<DeliveryState> state, size_t limit);
  // Makes dead (or delivered) deliveries of an endpoint pending again, due now: all of
  // them, or the one named. Returns how many. Errors: not_found ("id", "delivery_id").
  Result<size_t> replay(std::string_view endpoint_id, std::optional<int64_t> delivery_id,
                        TimeMs now_ms);

  // Undelivered, not dead deliveries; and the age of the oldest (0 when none).
  struct Backlog {
    uint64_t pending = 0;
    int64_t oldest_age_ms = 0;
  };
  Result<Backlog> backlog(TimeMs now_ms);

  const WebhookOptions& options() const;

  // For AlertFeed: the journal position up to which alert events are enqueued, and
  // enqueueing a batch of messages with the new position in one transaction.
  Result<uint64_t> journal_cursor();
  // One journal event the feed passes on, in journal order: a message (an alert event
  // sets `alert`, which routes it to the notify receivers), or a silence change.
  struct PendingMessage {
    std::string message_id;
    std::string type;  // empty for a silence change
    boost::json::object data;
    std::optional<engine::AlertRecord> alert;
    engine::AlertTransition transition = engine::AlertTransition::raised;
    std::optional<engine::SilenceRecord> silence_created;
    uint64_t silence_deleted = 0;
    uint64_t seq = 0;  // its journal position
  };
  // Enqueues messages in order while their deliveries fit under the bound — when the
  // outbox is empty one message always goes in (its fan-out may pass the bound), so the
  // feed never stalls — and moves the cursor past the last one taken
  // (to `next_seq` when all were). Returns how many were taken; busy when none could be.
  Result<size_t> enqueue_with_cursor(const std::vector<PendingMessage>& messages, uint64_t next_seq,
                                     TimeMs now_ms);
  // For high-rate producers ("ats.changed"): the messages in one transaction (one
  // fsync), taken in order while they fit under the bound like enqueue_with_cursor, the
  // journal cursor left alone. Returns how many were taken; busy when none; io_error.
  Result<size_t> enqueue_many(const std::vector<PendingMessage>& messages, TimeMs now_ms);
  // Whether some endpoint subscribes to `type` (in memory; never waits on the disk
  // longer than one transaction holding the outbox lock).
  bool has_subscribers(std::string_view type) const;

  // For WebhookDispatcher (one thread): claims due deliveries, records outcomes.
  struct Attempt {
    int64_t delivery_id = 0;
    std::string endpoint_id;
    std::string url;
    std::string secret;
    std::string message_id;
    std::string body;
    uint32_t attempts = 0;               // before this one
    const Receiver* receiver = nullptr;  // a notify receiver; null: an API endpoint
  };
  // Claims up to `limit` due deliveries, at most slots(endpoint_id) per endpoint, and
  // leases them until record_attempt (a crash mid-attempt: due again at the next open).
  Result<std::vector<Attempt>> due(TimeMs now_ms,
                                   const std::function<size_t(const std::string&)>& slots,
                                   size_t limit);
  // Deletes delivered deliveries (and messages no delivery needs) older than
  // `retention_ms`. Returns rows deleted.
  Result<uint64_t> prune(TimeMs now_ms, int64_t retention_ms);
  // Records one attempt's outcome: delivered on 2xx, else rescheduled with back-off or
  // dead when the schedule is exhausted. Returns the new state.
  Result<DeliveryState> record_attempt(const Attempt& attempt, int status, std::string error,
                                       TimeMs now_ms, double jitter_unit);
  // Counters since open, for metrics.
  struct Counters {
    uint64_t delivered = 0;
    uint64_t failed_attempts = 0;
    uint64_t dead = 0;
    uint64_t enqueued = 0;
    // By receiver type (index: 0 API webhook endpoints, 1 + ReceiverType).
    std::array<std::array<uint64_t, 3>, 7> by_channel{};  // delivered, failed, dead
    uint64_t muted_silenced = 0;                          // alert notifications a silence muted
    uint64_t muted_inhibited = 0;                         // … an inhibition rule muted
  };
  Counters counters() const;

 private:
  struct Impl;
  explicit Outbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the outbox of the journal at db_path lives.
std::string outbox_db_path(const std::string& db_path);

// Standard Webhooks signature: "v1," + base64(HMAC-SHA256(key, id "." timestamp "."
// body)) where key is the base64-decoded part of "whsec_…". Errors: invalid_argument
// (field "secret") for a malformed secret.
Result<std::string> webhook_signature(std::string_view secret, std::string_view message_id,
                                      int64_t timestamp_s, std::string_view body);

// Checks a webhook target: http or https, a host, and — unless allow_private — a host
// that resolves only to public addresses. Errors: invalid_argument (field "url").
Result<void> check_webhook_url(std::string_view url, bool allow_private);

// Delivers due outbox messages over HTTP (libcurl multi, one thread, never on the
// engine thread). A slow or dead receiver holds at most in_flight_per_endpoint_max
// attempts and backs off; others go on. TLS peers are verified.
class WebhookDispatcher {
 public:
  WebhookDispatcher(Outbox& outbox, const Clock& clock, uint64_t seed);
  ~WebhookDispatcher();  // stop()
  void start();
  void stop();
  void wake();  // new messages: look now rather than at the next poll

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads alert events (kinds 30–33) from the journal at `db_path` after the outbox's
// cursor and enqueues "alert.raised" | "alert.updated" | "alert.resolved" messages
// (acknowledged → alert.updated), message id "msg_<seq>": exactly once per event
// across crashes, since the cursor moves in the same transaction. Runs on its own
// thread; wake() after each durable batch, and every poll_ms anyway.
class AlertFeed {
 public:
  AlertFeed(std::string db_path, Outbox& outbox, const Clock& clock,
            std::function<void()> on_enqueued, uint32_t poll_ms = 200);
  ~AlertFeed();  // stop()
  void start();
  void stop();
  void wake();
  // Runs one pass on the caller's thread (tests, the CLI). Returns messages enqueued.
  Result<size_t> run_once();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::alerts
