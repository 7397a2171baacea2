// Channel observed-stock reports and drift records in PATH.observed (docs/channels.md
// "Consistency checker"). A channel's displayed stock is its claim, not a stock fact,
// so it is kept beside the journal like live signals; what the ledger must remember —
// a drift above the threshold — is a journaled alert.
#include "store/sqlite_side.hpp"
#include "store/store.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS observed_stock(
  channel_id TEXT NOT NULL,
  gtin TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  qty INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY(channel_id, gtin, at_ms)
);
CREATE TABLE IF NOT EXISTS channel_drift(
  id INTEGER PRIMARY KEY,
  channel_id TEXT NOT NULL,
  gtin TEXT NOT NULL,
  observed INTEGER NOT NULL,
  truth INTEGER NOT NULL,
  deviation_pct REAL NOT NULL,
  observed_at_ms INTEGER NOT NULL,
  checked_at_ms INTEGER NOT NULL,
  alerted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS channel_drift_by_channel ON channel_drift(channel_id, checked_at_ms);)";

// Runs `work` inside BEGIN IMMEDIATE … COMMIT (ROLLBACK on error).
template <class Work>
Result<void> in_transaction(sqlite3* db, Work work) {
  LC_CHECK(side::exec(db, "BEGIN IMMEDIATE"));
  if (auto done = work(); !done) {
    (void)side::exec(db, "ROLLBACK");
    return done;
  }
  return side::exec(db, "COMMIT");
}

Result<void> step_done(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  if (sqlite3_step(statement) != SQLITE_DONE) {
    return std::unexpected(side::sqlite_error(db, what));
  }
  return {};
}
}  // namespace

std::string observed_stock_db_path(const std::string& db_path) {
  return db_path + ".observed";
}

struct ObservedStockStore::Impl {
  side::Database db;
};

ObservedStockStore::ObservedStockStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ObservedStockStore::~ObservedStockStore() = default;

Result<std::unique_ptr<ObservedStockStore>> ObservedStockStore::open(const std::string& db_path) {
  LC_TRY(db, side::open_database(observed_stock_db_path(db_path), kSchema));
  return std::unique_ptr<ObservedStockStore>(
      new ObservedStockStore(std::make_unique<Impl>(Impl{std::move(db)})));
}

Result<void> ObservedStockStore::append(std::span<const ObservedStock> reports,
                                        TimeMs received_at_ms) {
  sqlite3* db = impl_->db.get();
  LC_TRY(insert, side::prepare(db, "INSERT OR REPLACE INTO observed_stock VALUES(?1,?2,?3,?4,?5)"));
  return in_transaction(db, [&]() -> Result<void> {
    for (const ObservedStock& report : reports) {
      sqlite3_reset(insert.get());
      side::bind_text(insert.get(), 1, report.channel_id);
      side::bind_text(insert.get(), 2, report.gtin);
      sqlite3_bind_int64(insert.get(), 3, report.at_ms);
      sqlite3_bind_int64(insert.get(), 4, report.qty_units);
      sqlite3_bind_int64(insert.get(), 5, received_at_ms);
      LC_CHECK(step_done(db, insert.get(), "observed stock"));
    }
    return {};
  });
}

Result<std::vector<ObservedStock>> ObservedStockStore::latest() {
  // SQLite's bare-column rule: with max(), the other columns come from that row.
  LC_TRY(select, side::prepare(impl_->db.get(),
                               "SELECT channel_id, gtin, qty, max(at_ms) FROM observed_stock "
                               "GROUP BY channel_id, gtin ORDER BY channel_id, gtin"));
  std::vector<ObservedStock> out;
  while (sqlite3_step(select.get()) == SQLITE_ROW) {
    out.push_back(ObservedStock{
        side::column_text(select.get(), 0), side::column_text(select.get(), 1),
        sqlite3_column_int64(select.get(), 2), sqlite3_column_int64(select.get(), 3)});
  }
  return out;
}

Result<void> ObservedStockStore::record_drift(std::span<const DriftRecord> records) {
  sqlite3* db = impl_->db.get();
  LC_TRY(insert, side::prepare(db,
                               "INSERT INTO channel_drift(channel_id, gtin, observed, truth, "
                               "deviation_pct, observed_at_ms, checked_at_ms, alerted) "
                               "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"));
  return in_transaction(db, [&]() -> Result<void> {
    for (const DriftRecord& record : records) {
      sqlite3_reset(insert.get());
      side::bind_text(insert.get(), 1, record.channel_id);
      side::bind_text(insert.get(), 2, record.gtin);
      sqlite3_bind_int64(insert.get(), 3, record.observed_units);
      sqlite3_bind_int64(insert.get(), 4, record.truth_units);
      sqlite3_bind_double(insert.get(), 5, record.deviation_pct);
      sqlite3_bind_int64(insert.get(), 6, record.observed_at_ms);
      sqlite3_bind_int64(insert.get(), 7, record.checked_at_ms);
      sqlite3_bind_int(insert.get(), 8, record.alerted ? 1 : 0);
      LC_CHECK(step_done(db, insert.get(), "channel drift"));
    }
    return {};
  });
}

Result<std::vector<DriftRecord>> ObservedStockStore::last_drift(std::string_view channel_id) {
  LC_TRY(select, side::prepare(impl_->db.get(),
                               "SELECT gtin, observed, truth, deviation_pct, observed_at_ms, "
                               "checked_at_ms, alerted FROM channel_drift WHERE channel_id=?1 "
                               "AND checked_at_ms=(SELECT max(checked_at_ms) FROM channel_drift "
                               "WHERE channel_id=?1) ORDER BY gtin"));
  side::bind_text(select.get(), 1, channel_id);
  std::vector<DriftRecord> out;
  while (sqlite3_step(select.get()) == SQLITE_ROW) {
    out.push_back(DriftRecord{
        std::string(channel_id), side::column_text(select.get(), 0),
        sqlite3_column_int64(select.get(), 1), sqlite3_column_int64(select.get(), 2),
        sqlite3_column_double(select.get(), 3), sqlite3_column_int64(select.get(), 4),
        sqlite3_column_int64(select.get(), 5), sqlite3_column_int(select.get(), 6) != 0});
  }
  return out;
}

}  // namespace livechain::store
