// src/store/scan_store.cpp — PATH.scans: one row per scanned serial (issue 12 §7).
#include "store/scan_store.hpp"

#include "core/assert.hpp"
#include "store/sqlite_side.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS scans(
  batch_id INTEGER NOT NULL,
  serial INTEGER NOT NULL,
  scans INTEGER NOT NULL,
  first_scan_ms INTEGER NOT NULL,
  last_scan_ms INTEGER NOT NULL,
  last_region TEXT NOT NULL,
  PRIMARY KEY(batch_id, serial)
) WITHOUT ROWID;)";

ScanRecord read_row(sqlite3_stmt* statement) {
  return ScanRecord{static_cast<uint64_t>(sqlite3_column_int64(statement, 0)),
                    sqlite3_column_int64(statement, 1), sqlite3_column_int64(statement, 2),
                    side::column_text(statement, 3)};
}
}  // namespace

std::string scan_db_path(const std::string& db_path) {
  return db_path + ".scans";
}

struct ScanStore::Impl {
  std::mutex mutex;
  side::Database db;  // GUARDED_BY(mutex)
};

ScanStore::ScanStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScanStore::~ScanStore() = default;

Result<std::unique_ptr<ScanStore>> ScanStore::open(const std::string& db_path) {
  LC_TRY(db, side::open_database(scan_db_path(db_path), kSchema));
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db);
  return std::unique_ptr<ScanStore>(new ScanStore(std::move(impl)));
}

namespace {
Result<std::optional<ScanRecord>> find_row(sqlite3* db, uint64_t batch_id, uint64_t serial) {
  LC_TRY(select, side::prepare(db,
                               "SELECT scans, first_scan_ms, last_scan_ms, last_region FROM scans "
                               "WHERE batch_id = ? AND serial = ?"));
  sqlite3_bind_int64(select.get(), 1, static_cast<int64_t>(batch_id));
  sqlite3_bind_int64(select.get(), 2, static_cast<int64_t>(serial));
  int step = sqlite3_step(select.get());
  if (step == SQLITE_ROW) return std::optional<ScanRecord>(read_row(select.get()));
  if (step != SQLITE_DONE) return std::unexpected(side::sqlite_error(db, "read scans"));
  return std::optional<ScanRecord>();
}
}  // namespace

Result<std::optional<ScanRecord>> ScanStore::find(uint64_t batch_id, uint64_t serial) {
  std::lock_guard lock(impl_->mutex);
  return find_row(impl_->db.get(), batch_id, serial);
}

Result<ScanRecord> ScanStore::record(uint64_t batch_id, uint64_t serial, std::string_view region,
                                     TimeMs now_ms) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(before, find_row(db, batch_id, serial));
  // One statement, one implicit transaction: the count can never lose a scan.
  LC_TRY(upsert, side::prepare(db,
                               "INSERT INTO scans(batch_id, serial, scans, first_scan_ms, "
                               "last_scan_ms, last_region) VALUES(?, ?, 1, ?, ?, ?) "
                               "ON CONFLICT(batch_id, serial) DO UPDATE SET scans = scans + 1, "
                               "last_scan_ms = excluded.last_scan_ms, "
                               "last_region = excluded.last_region "
                               "RETURNING scans"));
  sqlite3_bind_int64(upsert.get(), 1, static_cast<int64_t>(batch_id));
  sqlite3_bind_int64(upsert.get(), 2, static_cast<int64_t>(serial));
  sqlite3_bind_int64(upsert.get(), 3, now_ms);
  sqlite3_bind_int64(upsert.get(), 4, now_ms);
  side::bind_text(upsert.get(), 5, region);
  if (sqlite3_step(upsert.get()) != SQLITE_ROW) {
    return std::unexpected(side::sqlite_error(db, "record scan"));
  }
  const auto scans_after = static_cast<uint64_t>(sqlite3_column_int64(upsert.get(), 0));
  if (sqlite3_step(upsert.get()) != SQLITE_DONE) {
    return std::unexpected(side::sqlite_error(db, "record scan"));
  }
  LC_ASSERT(scans_after == (before ? before->scans : 0) + 1);
  return before.value_or(ScanRecord{});
}

}  // namespace livechain::store
