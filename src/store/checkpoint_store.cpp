// As-of checkpoints (PATH.asof): engine states every N journal events and the sales
// committed on the way. Derived from the journal; see engine/as_of.hpp.
#include "store/sqlite_side.hpp"
#include "store/store.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS checkpoints(
  next_seq INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  state BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_by_time ON checkpoints(time_ms, next_seq);
CREATE TABLE IF NOT EXISTS committed_sales(
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
  committed_at_ms INTEGER NOT NULL,
  reservation_id INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  gtin TEXT NOT NULL,
  location_id TEXT NOT NULL,
  qty_units INTEGER NOT NULL,
  PRIMARY KEY(seq, line)
);
CREATE INDEX IF NOT EXISTS committed_sales_by_time ON committed_sales(committed_at_ms, seq);)";

Checkpoint read_checkpoint(sqlite3_stmt* statement) {
  Checkpoint checkpoint;
  checkpoint.next_seq = static_cast<uint64_t>(sqlite3_column_int64(statement, 0));
  checkpoint.time_ms = sqlite3_column_int64(statement, 1);
  const auto* blob = static_cast<const uint8_t*>(sqlite3_column_blob(statement, 2));
  checkpoint.state.assign(blob, blob + sqlite3_column_bytes(statement, 2));
  return checkpoint;
}
}  // namespace

std::string checkpoint_db_path(const std::string& db_path) {
  return db_path + ".asof";
}

struct CheckpointStore::Impl {
  side::Database db;
  side::Statement insert_checkpoint;
  side::Statement insert_sale;
  side::Statement last;
  side::Statement at_or_before;
  side::Statement sales_after;
};

CheckpointStore::CheckpointStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointStore::~CheckpointStore() = default;

Result<std::unique_ptr<CheckpointStore>> CheckpointStore::open(const std::string& db_path) {
  auto db = side::open_database(checkpoint_db_path(db_path), kSchema);
  if (!db) return std::unexpected(db.error());
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  sqlite3* handle = impl->db.get();
  struct Wanted {
    side::Statement* slot;
    std::string_view sql;
  };
  const Wanted wanted[] = {
      {&impl->insert_checkpoint,
       "INSERT OR REPLACE INTO checkpoints(next_seq, time_ms, state) VALUES(?1, ?2, ?3)"},
      {&impl->insert_sale,
       "INSERT OR REPLACE INTO committed_sales VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&impl->last,
       "SELECT next_seq, time_ms, state FROM checkpoints ORDER BY next_seq DESC LIMIT 1"},
      {&impl->at_or_before,
       "SELECT next_seq, time_ms, state FROM checkpoints WHERE time_ms <= ?1 "
       "ORDER BY time_ms DESC, next_seq DESC LIMIT 1"},
      {&impl->sales_after,
       "SELECT seq, committed_at_ms, reservation_id, order_id, gtin, location_id, qty_units "
       "FROM committed_sales WHERE committed_at_ms > ?1 AND seq < ?2 ORDER BY seq, line LIMIT ?3"},
  };
  for (const Wanted& w : wanted) {
    auto statement = side::prepare(handle, w.sql);
    if (!statement) return std::unexpected(statement.error());
    *w.slot = std::move(*statement);
  }
  return std::unique_ptr<CheckpointStore>(new CheckpointStore(std::move(impl)));
}

Result<void> CheckpointStore::put(const Checkpoint* checkpoint,
                                  std::span<const CommittedSale> sales) {
  sqlite3* db = impl_->db.get();
  if (auto begun = side::exec(db, "BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
  bool ok = true;
  sqlite3_stmt* insert = impl_->insert_sale.get();
  uint64_t previous_seq = UINT64_MAX;
  int64_t line = 0;
  for (const CommittedSale& sale : sales) {
    line = sale.seq == previous_seq ? line + 1 : 0;
    previous_seq = sale.seq;
    sqlite3_reset(insert);
    sqlite3_bind_int64(insert, 1, static_cast<int64_t>(sale.seq));
    sqlite3_bind_int64(insert, 2, line);
    sqlite3_bind_int64(insert, 3, sale.committed_at_ms);
    sqlite3_bind_int64(insert, 4, static_cast<int64_t>(sale.reservation_id));
    side::bind_text(insert, 5, sale.order_id);
    side::bind_text(insert, 6, sale.gtin);
    side::bind_text(insert, 7, sale.location_id);
    sqlite3_bind_int64(insert, 8, sale.qty_units);
    ok = ok && sqlite3_step(insert) == SQLITE_DONE;
  }
  if (ok && checkpoint != nullptr) {
    sqlite3_stmt* put = impl_->insert_checkpoint.get();
    sqlite3_reset(put);
    sqlite3_bind_int64(put, 1, static_cast<int64_t>(checkpoint->next_seq));
    sqlite3_bind_int64(put, 2, checkpoint->time_ms);
    sqlite3_bind_blob64(put, 3, checkpoint->state.data(), checkpoint->state.size(), SQLITE_STATIC);
    ok = sqlite3_step(put) == SQLITE_DONE;
  }
  if (!ok) {
    Error error = side::sqlite_error(db, "store as-of checkpoint");
    (void)side::exec(db, "ROLLBACK");
    return std::unexpected(error);
  }
  return side::exec(db, "COMMIT");
}

Result<std::optional<Checkpoint>> CheckpointStore::last() {
  sqlite3_stmt* statement = impl_->last.get();
  sqlite3_reset(statement);
  int step = sqlite3_step(statement);
  if (step == SQLITE_DONE) return std::optional<Checkpoint>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(impl_->db.get(), "read"));
  Checkpoint checkpoint = read_checkpoint(statement);
  sqlite3_reset(statement);
  return checkpoint;
}

Result<std::optional<Checkpoint>> CheckpointStore::at_or_before(TimeMs time_ms) {
  sqlite3_stmt* statement = impl_->at_or_before.get();
  sqlite3_reset(statement);
  sqlite3_bind_int64(statement, 1, time_ms);
  int step = sqlite3_step(statement);
  if (step == SQLITE_DONE) return std::optional<Checkpoint>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(impl_->db.get(), "read"));
  Checkpoint checkpoint = read_checkpoint(statement);
  sqlite3_reset(statement);
  return checkpoint;
}

Result<std::vector<CommittedSale>> CheckpointStore::sales_after(TimeMs after_ms,
                                                                uint64_t before_seq, size_t limit) {
  sqlite3_stmt* statement = impl_->sales_after.get();
  sqlite3_reset(statement);
  sqlite3_bind_int64(statement, 1, after_ms);
  sqlite3_bind_int64(statement, 2, static_cast<int64_t>(before_seq));
  sqlite3_bind_int64(statement, 3, static_cast<int64_t>(limit));
  std::vector<CommittedSale> sales;
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
    CommittedSale sale;
    sale.seq = static_cast<uint64_t>(sqlite3_column_int64(statement, 0));
    sale.committed_at_ms = sqlite3_column_int64(statement, 1);
    sale.reservation_id = static_cast<uint64_t>(sqlite3_column_int64(statement, 2));
    sale.order_id = side::column_text(statement, 3);
    sale.gtin = side::column_text(statement, 4);
    sale.location_id = side::column_text(statement, 5);
    sale.qty_units = sqlite3_column_int64(statement, 6);
    sales.push_back(std::move(sale));
  }
  sqlite3_reset(statement);
  if (step != SQLITE_DONE) return std::unexpected(side::sqlite_error(impl_->db.get(), "read"));
  return sales;
}

Result<void> CheckpointStore::drop_sales_from(uint64_t from_seq) {
  auto statement = side::prepare(impl_->db.get(), "DELETE FROM committed_sales WHERE seq >= ?1");
  if (!statement) return std::unexpected(statement.error());
  sqlite3_bind_int64(statement->get(), 1, static_cast<int64_t>(from_seq));
  if (sqlite3_step(statement->get()) != SQLITE_DONE) {
    return std::unexpected(side::sqlite_error(impl_->db.get(), "drop sales"));
  }
  return {};
}

}  // namespace livechain::store
