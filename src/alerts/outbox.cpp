// The durable outbox: PATH.outbox (SQLite, WAL, synchronous=FULL). Every message stays
// until each subscribed endpoint answered 2xx or its retry schedule ran out (dead
// letter, replayable). One connection behind a mutex: the API worker, the feed and the
// dispatcher share it; each call is one short transaction.
#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>
#include <map>
#include <mutex>

#include "core/bytes.hpp"

#include "alerts/alerts.hpp"
#include "alerts/webhook_internal.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoints(endpoint_id TEXT PRIMARY KEY, url TEXT NOT NULL,
  event_types TEXT NOT NULL, secret TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(message_id TEXT PRIMARY KEY, type TEXT NOT NULL,
  body TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries(delivery_id INTEGER PRIMARY KEY,
  endpoint_id TEXT NOT NULL, message_id TEXT NOT NULL, state INTEGER NOT NULL,
  attempts INTEGER NOT NULL, next_at_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  leased INTEGER NOT NULL DEFAULT 0,
  UNIQUE(endpoint_id, message_id));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(endpoint_id, state, next_at_ms);
CREATE TABLE IF NOT EXISTS silences(silence_id INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS open_alerts(alert_id INTEGER PRIMARY KEY, severity INTEGER NOT NULL,
  labels TEXT NOT NULL);
)sql";

// Deliveries to a notify receiver use this endpoint id.
std::string receiver_endpoint_id(std::string_view name) {
  return "rcv:" + std::string(name);
}

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

Error db_error(sqlite3* db, std::string_view what) {
  return Error{ErrorCode::io_error, "outbox", fmt::format("{}: {}", what, sqlite3_errmsg(db))};
}

// Not named bind: ADL would find std::bind for std::string arguments.
void put(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void put(sqlite3_stmt* s, int index, int64_t value) {
  sqlite3_bind_int64(s, index, value);
}
std::string text_at(sqlite3_stmt* s, int index) {
  const unsigned char* text = sqlite3_column_text(s, index);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(s, index)))
              : std::string();
}

bool type_matches(std::string_view pattern, std::string_view type) {
  if (pattern.ends_with(".*")) return type.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == type;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ",") + part;
  return out;
}
std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    out.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}
}  // namespace

// silence_book.cpp (engine): one layout for a silence record.
}  // namespace livechain::alerts
namespace livechain::engine {
void put_silence_record(ByteWriter& out, const SilenceRecord& record);
bool get_silence_record(ByteReader& in, SilenceRecord& record);
}  // namespace livechain::engine
namespace livechain::alerts {

std::string_view delivery_state_name(DeliveryState state) {
  switch (state) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::dead:
      return "dead";
  }
  return "unknown";
}

std::string outbox_db_path(const std::string& db_path) {
  return db_path + ".outbox";
}

struct Outbox::Impl {
  WebhookOptions options;
  std::mutex mutex;
  std::unique_ptr<sqlite3, CloseDb> db;    // GUARDED_BY(mutex)
  std::vector<WebhookEndpoint> endpoints;  // GUARDED_BY(mutex)
  std::vector<std::string> types{std::begin(kAlertMessageTypes), std::end(kAlertMessageTypes)};
  uint64_t pending = 0;  // GUARDED_BY(mutex)
  Counters counters;     // GUARDED_BY(mutex)
  // The feed's view for routing, kept in the outbox so it survives restarts: silences
  // and open alerts as of the journal cursor (both GUARDED_BY(mutex)).
  std::map<uint64_t, engine::SilenceRecord> silences;
  struct OpenAlert {
    engine::AlertSeverity severity;
    Labels labels;
  };
  std::map<uint64_t, OpenAlert> open_alerts;

  const std::vector<Receiver>& receivers() const { return options.notify.receivers; }

  Result<void> exec(std::string_view sql) {
    char* message = nullptr;
    if (sqlite3_exec(db.get(), std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      Error error{ErrorCode::io_error, "outbox", message ? message : "sqlite error"};
      sqlite3_free(message);
      return std::unexpected(error);
    }
    return {};
  }
  Result<Statement> prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK) {
      return std::unexpected(db_error(db.get(), "prepare"));
    }
    return Statement(raw);
  }
  Result<void> step_done(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) return std::unexpected(db_error(db.get(), "write"));
    return {};
  }
  bool known_type_pattern(std::string_view pattern) const {
    for (const auto& type : types) {
      if (type_matches(pattern, type)) return true;
    }
    return false;
  }
  // Inserts the message and one delivery per subscribed endpoint. Inside a transaction.
  Result<uint64_t> insert_message(const std::string& id, std::string_view type,
                                  const json::object& data, TimeMs now_ms,
                                  const std::vector<std::string>& receiver_names = {}) {
    std::vector<std::string> targets;
    for (const auto& endpoint : endpoints) {
      for (const auto& pattern : endpoint.event_types) {
        if (type_matches(pattern, type)) {
          targets.push_back(endpoint.endpoint_id);
          break;
        }
      }
    }
    for (const auto& name : receiver_names) targets.push_back(receiver_endpoint_id(name));
    if (targets.empty()) return 0;  // nobody listens: nothing to keep
    json::object body{{"type", type}, {"timestamp", rfc3339_ms(now_ms)}, {"data", data}};
    LC_TRY(message, prepare("INSERT OR IGNORE INTO messages VALUES(?,?,?,?)"));
    put(message.get(), 1, id), put(message.get(), 2, type);
    put(message.get(), 3, json::serialize(body)), put(message.get(), 4, now_ms);
    LC_CHECK(step_done(message.get()));
    if (sqlite3_changes(db.get()) == 0) return 0;  // enqueued before (a replaying producer)
    LC_TRY(delivery, prepare("INSERT INTO deliveries(endpoint_id, message_id, state, attempts, "
                             "next_at_ms, created_at_ms) VALUES(?,?,0,0,?,?)"));
    for (const std::string& endpoint_id : targets) {
      sqlite3_reset(delivery.get());
      put(delivery.get(), 1, endpoint_id), put(delivery.get(), 2, id);
      put(delivery.get(), 3, now_ms), put(delivery.get(), 4, now_ms);
      LC_CHECK(step_done(delivery.get()));
    }
    return targets.size();
  }
  Result<void> load_routing_state() {
    silences.clear(), open_alerts.clear();
    LC_TRY(select, prepare("SELECT body FROM silences"));
    while (sqlite3_step(select.get()) == SQLITE_ROW) {
      auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(select.get(), 0));
      ByteReader in(std::span<const uint8_t>(
          bytes, static_cast<size_t>(sqlite3_column_bytes(select.get(), 0))));
      engine::SilenceRecord record;
      if (!engine::get_silence_record(in, record) || !in.ok()) {
        return fail(ErrorCode::corruption, "outbox", "bad silence row");
      }
      silences.emplace(record.silence_id, std::move(record));
    }
    LC_TRY(alerts, prepare("SELECT alert_id, severity, labels FROM open_alerts"));
    while (sqlite3_step(alerts.get()) == SQLITE_ROW) {
      OpenAlert open{static_cast<engine::AlertSeverity>(sqlite3_column_int(alerts.get(), 1)), {}};
      json::value labels = json::parse(text_at(alerts.get(), 2));
      for (const auto& entry : labels.as_object()) {
        open.labels[std::string(entry.key())] = std::string(entry.value().as_string());
      }
      open_alerts.emplace(static_cast<uint64_t>(sqlite3_column_int64(alerts.get(), 0)),
                          std::move(open));
    }
    return {};
  }

  // Applies one silence change (inside the feed's transaction).
  Result<void> apply_silence(const Outbox::PendingMessage& m) {
    if (m.silence_created) {
      Bytes bytes;
      ByteWriter out(bytes);
      engine::put_silence_record(out, *m.silence_created);
      LC_TRY(insert, prepare("INSERT OR REPLACE INTO silences VALUES(?,?)"));
      put(insert.get(), 1, static_cast<int64_t>(m.silence_created->silence_id));
      sqlite3_bind_blob(insert.get(), 2, bytes.data(), static_cast<int>(bytes.size()),
                        SQLITE_TRANSIENT);
      LC_CHECK(step_done(insert.get()));
      silences[m.silence_created->silence_id] = *m.silence_created;
      // Ended silences are of no more use.
      for (auto it = silences.begin(); it != silences.end();) {
        if (it->second.ends_at_ms <= m.silence_created->created_at_ms) {
          LC_TRY(remove, prepare("DELETE FROM silences WHERE silence_id=?"));
          put(remove.get(), 1, static_cast<int64_t>(it->first));
          LC_CHECK(step_done(remove.get()));
          it = silences.erase(it);
        } else {
          ++it;
        }
      }
    } else {
      LC_TRY(remove, prepare("DELETE FROM silences WHERE silence_id=?"));
      put(remove.get(), 1, static_cast<int64_t>(m.silence_deleted));
      LC_CHECK(step_done(remove.get()));
      silences.erase(m.silence_deleted);
    }
    return {};
  }

  // The business rule of who hears about an alert event (docs/alerts.md "Routing"):
  // raised, resolved, and updates that change the severity notify; acknowledgements
  // and evidence-only updates do not. A silence in force at the event's time or an
  // inhibiting open alert mutes it; else the routing tree picks the receivers. Keeps
  // the open-alert table in step (inside the feed's transaction).
  Result<std::vector<std::string>> route(const engine::AlertRecord& alert,
                                         engine::AlertTransition transition) {
    auto previous = open_alerts.find(alert.alert_id);
    bool notify = transition == engine::AlertTransition::raised ||
                  transition == engine::AlertTransition::resolved ||
                  (transition == engine::AlertTransition::updated &&
                   (previous == open_alerts.end() || previous->second.severity != alert.severity));
    Labels labels = alert_labels(alert);
    std::vector<std::string> out;
    if (notify && options.notify.route) {
      std::vector<engine::SilenceRecord> in_force;
      for (const auto& [id, silence] : silences) in_force.push_back(silence);
      std::vector<OpenAlertLabels> open;
      for (const auto& [id, o] : open_alerts) open.push_back(OpenAlertLabels{id, o.labels});
      if (silenced(in_force, labels, alert.updated_at_ms)) {
        ++counters.muted_silenced;
      } else if (inhibited(options.notify.inhibit_rules, open, alert.alert_id, labels)) {
        ++counters.muted_inhibited;
      } else {
        out = route_alert(*options.notify.route, labels);
      }
    }
    if (alert.state == engine::AlertState::resolved) {
      LC_TRY(remove, prepare("DELETE FROM open_alerts WHERE alert_id=?"));
      put(remove.get(), 1, static_cast<int64_t>(alert.alert_id));
      LC_CHECK(step_done(remove.get()));
      open_alerts.erase(alert.alert_id);
    } else {
      json::object label_json;
      for (const auto& [name, value] : labels) label_json[name] = value;
      LC_TRY(upsert, prepare("INSERT OR REPLACE INTO open_alerts VALUES(?,?,?)"));
      put(upsert.get(), 1, static_cast<int64_t>(alert.alert_id));
      put(upsert.get(), 2, static_cast<int64_t>(alert.severity));
      put(upsert.get(), 3, json::serialize(label_json));
      LC_CHECK(step_done(upsert.get()));
      open_alerts[alert.alert_id] = OpenAlert{alert.severity, std::move(labels)};
    }
    return out;
  }

  Result<void> load() {
    // One process owns the outbox (the journal's writer lock): nothing is in flight at
    // open, so attempts a crash cut short are due again at once.
    LC_CHECK(exec("UPDATE deliveries SET leased=0 WHERE leased<>0"));
    LC_TRY(select, prepare("SELECT endpoint_id, url, event_types, secret, created_at_ms FROM "
                           "endpoints ORDER BY created_at_ms"));
    while (sqlite3_step(select.get()) == SQLITE_ROW) {
      endpoints.push_back(WebhookEndpoint{text_at(select.get(), 0), text_at(select.get(), 1),
                                          split(text_at(select.get(), 2)), text_at(select.get(), 3),
                                          sqlite3_column_int64(select.get(), 4)});
    }
    // Deliveries to a receiver the config no longer names can never be sent: dead.
    LC_TRY(orphans, prepare("SELECT DISTINCT endpoint_id FROM deliveries WHERE state=0 AND "
                            "endpoint_id LIKE 'rcv:%'"));
    std::vector<std::string> gone;
    while (sqlite3_step(orphans.get()) == SQLITE_ROW) {
      std::string id = text_at(orphans.get(), 0);
      if (options.notify.find_receiver(id.substr(4)) == nullptr) gone.push_back(id);
    }
    for (const std::string& id : gone) {
      LC_TRY(kill, prepare("UPDATE deliveries SET state=2, last_error='receiver removed from "
                           "the config' WHERE endpoint_id=? AND state=0"));
      put(kill.get(), 1, id);
      LC_CHECK(step_done(kill.get()));
    }
    LC_CHECK(load_routing_state());
    LC_TRY(count, prepare("SELECT count(*) FROM deliveries WHERE state = 0"));
    if (sqlite3_step(count.get()) == SQLITE_ROW) {
      pending = static_cast<uint64_t>(sqlite3_column_int64(count.get(), 0));
    }
    return {};
  }
};

Outbox::Outbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Outbox::~Outbox() = default;

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& db_path, WebhookOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  std::string path = outbox_db_path(db_path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);
  if (rc != SQLITE_OK) return fail(ErrorCode::io_error, "outbox", "cannot open " + path);
  sqlite3_busy_timeout(raw, 5'000);
  LC_CHECK(impl->exec(kSchema));
  LC_CHECK(impl->load());
  return std::unique_ptr<Outbox>(new Outbox(std::move(impl)));
}

void Outbox::register_type(std::string type) {
  std::lock_guard lock(impl_->mutex);
  LC_ASSERT(type.find('.') != std::string::npos);
  impl_->types.push_back(std::move(type));
}

const WebhookOptions& Outbox::options() const {
  return impl_->options;
}

Result<WebhookEndpoint> Outbox::add_endpoint(std::string_view url,
                                             const std::vector<std::string>& event_types,
                                             TimeMs now_ms) {
  LC_CHECK(check_webhook_url(url, impl_->options.allow_private_targets));
  if (event_types.empty()) {
    return fail(ErrorCode::invalid_argument, "event_types", "must name at least one type");
  }
  std::lock_guard lock(impl_->mutex);
  for (size_t i = 0; i < event_types.size(); ++i) {
    if (!impl_->known_type_pattern(event_types[i]) ||
        event_types[i].find(',') != std::string::npos) {
      return fail(
          ErrorCode::invalid_argument, fmt::format("event_types[{}]", i),
          fmt::format("unknown event type '{}' (known: {})", event_types[i], join(impl_->types)));
    }
  }
  if (impl_->endpoints.size() >= impl_->options.endpoints_max) {
    return fail(ErrorCode::limit_exceeded, "webhooks",
                fmt::format("{} endpoints is the limit", impl_->options.endpoints_max));
  }
  WebhookEndpoint endpoint{random_id("ep_"), std::string(url), event_types, new_webhook_secret(),
                           now_ms};
  LC_TRY(insert, impl_->prepare("INSERT INTO endpoints VALUES(?,?,?,?,?)"));
  put(insert.get(), 1, endpoint.endpoint_id), put(insert.get(), 2, endpoint.url);
  put(insert.get(), 3, join(endpoint.event_types)), put(insert.get(), 4, endpoint.secret);
  put(insert.get(), 5, now_ms);
  LC_CHECK(impl_->step_done(insert.get()));
  impl_->endpoints.push_back(endpoint);
  return endpoint;
}

Result<std::vector<WebhookEndpoint>> Outbox::endpoints() {
  std::lock_guard lock(impl_->mutex);
  return impl_->endpoints;
}

Result<void> Outbox::remove_endpoint(std::string_view endpoint_id) {
  std::lock_guard lock(impl_->mutex);
  auto& list = impl_->endpoints;
  auto found = std::find_if(list.begin(), list.end(),
                            [&](const auto& e) { return e.endpoint_id == endpoint_id; });
  if (found == list.end()) {
    return fail(ErrorCode::not_found, "id", fmt::format("no webhook '{}'", endpoint_id));
  }
  LC_CHECK(impl_->exec("BEGIN IMMEDIATE"));
  LC_TRY(count, impl_->prepare("SELECT count(*) FROM deliveries WHERE endpoint_id=? AND state=0"));
  put(count.get(), 1, endpoint_id);
  uint64_t pending = sqlite3_step(count.get()) == SQLITE_ROW
                         ? static_cast<uint64_t>(sqlite3_column_int64(count.get(), 0))
                         : 0;
  for (std::string_view sql : {"DELETE FROM deliveries WHERE endpoint_id=?",
                               "DELETE FROM endpoints WHERE endpoint_id=?"}) {
    LC_TRY(remove, impl_->prepare(sql));
    put(remove.get(), 1, endpoint_id);
    if (auto done = impl_->step_done(remove.get()); !done) {
      (void)impl_->exec("ROLLBACK");
      return done;
    }
  }
  LC_CHECK(impl_->exec("COMMIT"));
  impl_->pending -= std::min(impl_->pending, pending);
  list.erase(found);
  return {};
}

Result<std::string> Outbox::enqueue(std::string_view type, const json::object& data, TimeMs now_ms,
                                    std::string message_id) {
  std::lock_guard lock(impl_->mutex);
  if (std::find(impl_->types.begin(), impl_->types.end(), type) == impl_->types.end()) {
    return fail(ErrorCode::invalid_argument, "type", fmt::format("unknown type '{}'", type));
  }
  if (impl_->pending >= impl_->options.pending_deliveries_max) {
    return fail(ErrorCode::busy, "outbox",
                fmt::format("{} undelivered messages: the outbox is full",
                            impl_->options.pending_deliveries_max));
  }
  if (message_id.empty()) message_id = random_id("msg_");
  LC_CHECK(impl_->exec("BEGIN IMMEDIATE"));
  auto added = impl_->insert_message(message_id, type, data, now_ms);
  if (!added) {
    (void)impl_->exec("ROLLBACK");
    return std::unexpected(added.error());
  }
  LC_CHECK(impl_->exec("COMMIT"));
  impl_->pending += *added;
  impl_->counters.enqueued += *added;
  return message_id;
}

Result<uint64_t> Outbox::journal_cursor() {
  std::lock_guard lock(impl_->mutex);
  LC_TRY(select, impl_->prepare("SELECT value FROM meta WHERE key='journal_next_seq'"));
  if (sqlite3_step(select.get()) != SQLITE_ROW) return uint64_t{UINT64_MAX};  // never set
  return static_cast<uint64_t>(std::stoull(text_at(select.get(), 0)));
}

Result<size_t> Outbox::enqueue_many(const std::vector<PendingMessage>& messages, TimeMs now_ms) {
  return enqueue_with_cursor(messages, UINT64_MAX, now_ms);
}

bool Outbox::has_subscribers(std::string_view type) const {
  std::lock_guard lock(impl_->mutex);
  for (const auto& endpoint : impl_->endpoints) {
    for (const auto& pattern : endpoint.event_types) {
      if (type_matches(pattern, type)) return true;
    }
  }
  return false;
}

// next_seq UINT64_MAX (enqueue_many): the journal cursor is left alone.
Result<size_t> Outbox::enqueue_with_cursor(const std::vector<PendingMessage>& messages,
                                           uint64_t next_seq, TimeMs now_ms) {
  std::lock_guard lock(impl_->mutex);
  const uint64_t bound = impl_->options.pending_deliveries_max;
  LC_CHECK(impl_->exec("BEGIN IMMEDIATE"));
  uint64_t added = 0;
  size_t taken = 0;
  auto work = [&]() -> Result<void> {
    for (const auto& message : messages) {
      if (message.type.empty()) {
        LC_CHECK(impl_->apply_silence(message));
        ++taken;
        continue;
      }
      uint64_t held = impl_->pending + added;
      LC_CHECK(impl_->exec("SAVEPOINT one"));
      std::vector<std::string> receivers;
      if (message.alert) {
        LC_TRY(routed, impl_->route(*message.alert, message.transition));
        receivers = std::move(routed);
      }
      LC_TRY(count, impl_->insert_message(message.message_id, message.type, message.data, now_ms,
                                          receivers));
      if (held > 0 && held + count > bound) {
        // Over the bound: undo this message (its routing state too); it waits.
        LC_CHECK(impl_->exec("ROLLBACK TO one"));
        LC_CHECK(impl_->exec("RELEASE one"));
        LC_CHECK(impl_->load_routing_state());
        break;
      }
      LC_CHECK(impl_->exec("RELEASE one"));
      added += count;
      ++taken;
    }
    if (next_seq == UINT64_MAX) return Result<void>{};
    uint64_t cursor = taken == messages.size() ? next_seq : messages[taken].seq;
    LC_TRY(statement, impl_->prepare("INSERT OR REPLACE INTO meta VALUES('journal_next_seq', ?)"));
    put(statement.get(), 1, std::to_string(cursor));
    return impl_->step_done(statement.get());
  };
  if (auto done = work(); !done) {
    (void)impl_->exec("ROLLBACK");
    (void)impl_->load_routing_state();  // the memory view ran ahead of the rollback
    return std::unexpected(done.error());
  }
  LC_CHECK(impl_->exec("COMMIT"));
  impl_->pending += added;
  impl_->counters.enqueued += added;
  if (taken == 0 && !messages.empty()) {
    return fail(ErrorCode::busy, "outbox", "the outbox is at its bound; the feed waits");
  }
  return taken;
}

Result<std::vector<DeliveryView>> Outbox::deliveries(std::string_view endpoint_id,
                                                     std::optional<DeliveryState> state,
                                                     size_t limit) {
  std::lock_guard lock(impl_->mutex);
  bool known = std::any_of(impl_->endpoints.begin(), impl_->endpoints.end(),
                           [&](const auto& e) { return e.endpoint_id == endpoint_id; });
  if (!known) return fail(ErrorCode::not_found, "id", fmt::format("no webhook '{}'", endpoint_id));
  LC_TRY(select, impl_->prepare(
                     "SELECT d.delivery_id, d.message_id, m.type, d.state, d.attempts, "
                     "d.created_at_ms, d.next_at_ms, d.last_status, d.last_error FROM deliveries "
                     "d JOIN messages m USING(message_id) WHERE d.endpoint_id=? AND (?<0 OR "
                     "d.state=?) ORDER BY d.delivery_id DESC LIMIT ?"));
  int64_t state_value = state ? static_cast<int64_t>(*state) : -1;
  put(select.get(), 1, endpoint_id), put(select.get(), 2, state_value);
  put(select.get(), 3, state_value), put(select.get(), 4, static_cast<int64_t>(limit));
  std::vector<DeliveryView> out;
  while (sqlite3_step(select.get()) == SQLITE_ROW) {
    DeliveryView v;
    v.delivery_id = sqlite3_column_int64(select.get(), 0);
    v.message_id = text_at(select.get(), 1);
    v.type = text_at(select.get(), 2);
    v.state = static_cast<DeliveryState>(sqlite3_column_int(select.get(), 3));
    v.attempts = static_cast<uint32_t>(sqlite3_column_int(select.get(), 4));
    v.created_at_ms = sqlite3_column_int64(select.get(), 5);
    v.next_attempt_at_ms = sqlite3_column_int64(select.get(), 6);
    v.last_status = sqlite3_column_int(select.get(), 7);
    v.last_error = text_at(select.get(), 8);
    out.push_back(std::move(v));
  }
  return out;
}

Result<size_t> Outbox::replay(std::string_view endpoint_id, std::optional<int64_t> delivery_id,
                              TimeMs now_ms) {
  std::lock_guard lock(impl_->mutex);
  bool known = std::any_of(impl_->endpoints.begin(), impl_->endpoints.end(),
                           [&](const auto& e) { return e.endpoint_id == endpoint_id; });
  if (!known) return fail(ErrorCode::not_found, "id", fmt::format("no webhook '{}'", endpoint_id));
  LC_TRY(update,
         impl_->prepare("UPDATE deliveries SET state=0, attempts=0, leased=0, next_at_ms=? WHERE "
                        "endpoint_id=? AND ((?<0 AND state=2) OR (state<>0 AND delivery_id=?))"));
  int64_t id = delivery_id.value_or(-1);
  put(update.get(), 1, now_ms), put(update.get(), 2, endpoint_id);
  put(update.get(), 3, id), put(update.get(), 4, id);
  LC_CHECK(impl_->step_done(update.get()));
  auto changed = static_cast<size_t>(sqlite3_changes(impl_->db.get()));
  if (delivery_id && changed == 0) {
    return fail(ErrorCode::not_found, "delivery_id",
                fmt::format("no delivered or dead delivery {} of this webhook", *delivery_id));
  }
  impl_->pending += changed;
  return changed;
}

Result<Outbox::Backlog> Outbox::backlog(TimeMs now_ms) {
  std::lock_guard lock(impl_->mutex);
  LC_TRY(select, impl_->prepare("SELECT min(created_at_ms) FROM deliveries WHERE state=0"));
  Backlog out{impl_->pending, 0};
  if (sqlite3_step(select.get()) == SQLITE_ROW &&
      sqlite3_column_type(select.get(), 0) != SQLITE_NULL) {
    out.oldest_age_ms = std::max<int64_t>(0, now_ms - sqlite3_column_int64(select.get(), 0));
  }
  return out;
}

Result<std::vector<Outbox::Attempt>> Outbox::due(
    TimeMs now_ms, const std::function<size_t(const std::string&)>& slots, size_t limit) {
  std::lock_guard lock(impl_->mutex);
  std::vector<Attempt> out;
  LC_TRY(select,
         impl_->prepare("SELECT d.delivery_id, d.message_id, d.attempts, m.body FROM deliveries d "
                        "JOIN messages m USING(message_id) WHERE d.endpoint_id=? AND d.state=0 AND "
                        "d.leased=0 AND d.next_at_ms<=? ORDER BY d.next_at_ms LIMIT ?"));
  LC_TRY(lease, impl_->prepare("UPDATE deliveries SET leased=1 WHERE delivery_id=?"));
  for (const WebhookEndpoint& endpoint : impl_->endpoints) {
    size_t room = std::min(slots(endpoint.endpoint_id), limit - out.size());
    if (room == 0) continue;
    sqlite3_reset(select.get());
    put(select.get(), 1, endpoint.endpoint_id), put(select.get(), 2, now_ms);
    put(select.get(), 3, static_cast<int64_t>(room));
    while (sqlite3_step(select.get()) == SQLITE_ROW) {
      out.push_back(Attempt{sqlite3_column_int64(select.get(), 0), endpoint.endpoint_id,
                            endpoint.url, endpoint.secret, text_at(select.get(), 1),
                            text_at(select.get(), 3),
                            static_cast<uint32_t>(sqlite3_column_int(select.get(), 2))});
    }
    if (out.size() >= limit) break;
  }
  for (const Receiver& receiver : impl_->receivers()) {
    if (out.size() >= limit) break;
    std::string endpoint_id = receiver_endpoint_id(receiver.name);
    size_t room = std::min(slots(endpoint_id), limit - out.size());
    if (room == 0) continue;
    sqlite3_reset(select.get());
    put(select.get(), 1, endpoint_id), put(select.get(), 2, now_ms);
    put(select.get(), 3, static_cast<int64_t>(room));
    while (sqlite3_step(select.get()) == SQLITE_ROW) {
      Attempt attempt{sqlite3_column_int64(select.get(), 0),
                      endpoint_id,
                      receiver.url,
                      receiver.secret,
                      text_at(select.get(), 1),
                      text_at(select.get(), 3),
                      static_cast<uint32_t>(sqlite3_column_int(select.get(), 2)),
                      &receiver};
      out.push_back(std::move(attempt));
    }
  }
  if (out.empty()) return out;
  LC_CHECK(impl_->exec("BEGIN IMMEDIATE"));
  for (const Attempt& attempt : out) {
    sqlite3_reset(lease.get());
    put(lease.get(), 1, attempt.delivery_id);
    if (auto done = impl_->step_done(lease.get()); !done) {
      (void)impl_->exec("ROLLBACK");
      return std::unexpected(done.error());
    }
  }
  LC_CHECK(impl_->exec("COMMIT"));
  return out;
}

Result<DeliveryState> Outbox::record_attempt(const Attempt& attempt, int status, std::string error,
                                             TimeMs now_ms, double jitter_unit) {
  std::lock_guard lock(impl_->mutex);
  const auto& schedule = impl_->options.retry_schedule_ms;
  uint32_t attempts = attempt.attempts + 1;
  DeliveryState state = DeliveryState::pending;
  int64_t next_at_ms = now_ms;
  if (status >= 200 && status < 300) {
    state = DeliveryState::delivered;
  } else if (attempts > schedule.size()) {
    state = DeliveryState::dead;
  } else {
    double delay_ms = static_cast<double>(schedule[attempts - 1]) * (0.8 + 0.4 * jitter_unit);
    next_at_ms = now_ms + static_cast<int64_t>(std::llround(delay_ms));
  }
  LC_TRY(update, impl_->prepare("UPDATE deliveries SET state=?, attempts=?, next_at_ms=?, "
                                "last_status=?, last_error=?, leased=0 WHERE delivery_id=? AND "
                                "state=0"));
  put(update.get(), 1, static_cast<int64_t>(state)), put(update.get(), 2, attempts);
  put(update.get(), 3, next_at_ms), put(update.get(), 4, status);
  put(update.get(), 5, std::string_view(error).substr(0, 500));
  put(update.get(), 6, attempt.delivery_id);
  LC_CHECK(impl_->step_done(update.get()));
  bool changed = sqlite3_changes(impl_->db.get()) > 0;  // 0: endpoint removed meanwhile
  if (state == DeliveryState::delivered) ++impl_->counters.delivered;
  if (state != DeliveryState::delivered) ++impl_->counters.failed_attempts;
  if (state == DeliveryState::dead) ++impl_->counters.dead;
  size_t channel = attempt.receiver ? 1 + static_cast<size_t>(attempt.receiver->type) : 0;
  auto& by_channel = impl_->counters.by_channel[channel];
  ++by_channel[state == DeliveryState::delivered ? 0 : 1];
  if (state == DeliveryState::dead) ++by_channel[2];
  if (changed && state != DeliveryState::pending && impl_->pending > 0) --impl_->pending;
  return state;
}

Result<uint64_t> Outbox::prune(TimeMs now_ms, int64_t retention_ms) {
  std::lock_guard lock(impl_->mutex);
  LC_TRY(remove, impl_->prepare("DELETE FROM deliveries WHERE state=1 AND created_at_ms<?"));
  put(remove.get(), 1, now_ms - retention_ms);
  LC_CHECK(impl_->step_done(remove.get()));
  auto removed = static_cast<uint64_t>(sqlite3_changes(impl_->db.get()));
  LC_CHECK(
      impl_->exec("DELETE FROM messages WHERE message_id NOT IN (SELECT message_id FROM "
                  "deliveries)"));
  return removed;
}

Outbox::Counters Outbox::counters() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

}  // namespace livechain::alerts
