// Live signals (orders, add-to-carts, viewer counts, comments) in PATH.signals,
// appended in one transaction per request and durable before the reply.
#include "store/sqlite_side.hpp"
#include "store/store.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS live_signals(
  id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  session_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  gtin TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  text TEXT NOT NULL,
  buyer_id TEXT NOT NULL,
  region TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS live_signals_by_session ON live_signals(session_id, id);)";
}  // namespace

std::string signal_db_path(const std::string& db_path) {
  return db_path + ".signals";
}

struct SignalStore::Impl {
  side::Database db;
  side::Statement insert;
};

SignalStore::SignalStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SignalStore::~SignalStore() = default;

Result<std::unique_ptr<SignalStore>> SignalStore::open(const std::string& db_path) {
  auto db = side::open_database(signal_db_path(db_path), kSchema);
  if (!db) return std::unexpected(db.error());
  auto insert = side::prepare(db->get(),
                              "INSERT INTO live_signals(received_at_ms, kind, session_id, "
                              "channel_id, at_ms, gtin, quantity, text, buyer_id, region) "
                              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert) return std::unexpected(insert.error());
  auto impl = std::make_unique<Impl>(Impl{std::move(*db), std::move(*insert)});
  return std::unique_ptr<SignalStore>(new SignalStore(std::move(impl)));
}

Result<int64_t> SignalStore::append(std::span<const LiveSignal> signals, TimeMs received_at_ms) {
  sqlite3* db = impl_->db.get();
  if (auto begun = side::exec(db, "BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
  int64_t first_id = 0;
  sqlite3_stmt* insert = impl_->insert.get();
  for (const LiveSignal& signal : signals) {
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, received_at_ms);
    side::bind_text(insert, 2, signal.kind);
    side::bind_text(insert, 3, signal.session_id);
    side::bind_text(insert, 4, signal.channel_id);
    sqlite3_bind_int64(insert, 5, signal.at_ms);
    side::bind_text(insert, 6, signal.gtin);
    sqlite3_bind_int64(insert, 7, signal.quantity);
    side::bind_text(insert, 8, signal.text);
    side::bind_text(insert, 9, signal.buyer_id);
    side::bind_text(insert, 10, signal.region);
    if (sqlite3_step(insert) != SQLITE_DONE) {
      Error error = side::sqlite_error(db, "insert live signal");
      (void)side::exec(db, "ROLLBACK");
      return std::unexpected(error);
    }
    if (first_id == 0) first_id = sqlite3_last_insert_rowid(db);
  }
  if (auto committed = side::exec(db, "COMMIT"); !committed) {
    (void)side::exec(db, "ROLLBACK");
    return std::unexpected(committed.error());
  }
  return first_id;
}

Result<int64_t> SignalStore::count() {
  auto select = side::prepare(impl_->db.get(), "SELECT count(*) FROM live_signals");
  if (!select) return std::unexpected(select.error());
  if (sqlite3_step(select->get()) != SQLITE_ROW) {
    return std::unexpected(side::sqlite_error(impl_->db.get(), "count"));
  }
  return sqlite3_column_int64(select->get(), 0);
}

Result<std::vector<LiveSignal>> SignalStore::session(std::string_view session_id, size_t limit) {
  auto select = side::prepare(impl_->db.get(),
                              "SELECT kind, session_id, channel_id, at_ms, gtin, quantity, text, "
                              "buyer_id, region FROM live_signals WHERE session_id = ?1 ORDER BY "
                              "id LIMIT ?2");
  if (!select) return std::unexpected(select.error());
  side::bind_text(select->get(), 1, session_id);
  sqlite3_bind_int64(select->get(), 2, static_cast<int64_t>(limit));
  std::vector<LiveSignal> out;
  int rc;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    sqlite3_stmt* row = select->get();
    out.push_back(LiveSignal{
        side::column_text(row, 0), side::column_text(row, 1), side::column_text(row, 2),
        sqlite3_column_int64(row, 3), side::column_text(row, 4), sqlite3_column_int64(row, 5),
        side::column_text(row, 6), side::column_text(row, 7), side::column_text(row, 8)});
  }
  if (rc != SQLITE_DONE) return std::unexpected(side::sqlite_error(impl_->db.get(), "session"));
  return out;
}

}  // namespace livechain::store
