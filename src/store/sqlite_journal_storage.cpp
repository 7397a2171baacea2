// src/store/sqlite_journal_storage.cpp — JournalStorage on one SQLite database file.
//
// Durability: WAL mode with synchronous=FULL, so COMMIT returns only after the WAL is
// fsynced; append_batch() is one BEGIN IMMEDIATE … COMMIT, so a batch is all there or
// not at all. One writer per database is enforced with flock() on PATH.lock, held for
// the object's lifetime (SQLite's own locks only last for a transaction). Readers open
// the file read-only and, thanks to WAL, see committed batches while a writer appends.
// Tables and formats: docs/journal_format.md.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/assert.hpp"
#include "store/store.hpp"

namespace livechain::store {
namespace {

using journal::StoredBatch;
using journal::StoredSnapshot;

// Bump when the schema or a stored byte layout changes; older binaries then refuse
// the file instead of misreading it.
constexpr std::string_view kFormatVersion = "1";
// PRAGMA application_id marks the file as ours ("LCH1"); any other value → corruption.
constexpr int kApplicationId = 0x4C434831;
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches(
  batch_id INTEGER PRIMARY KEY,
  first_seq INTEGER UNIQUE NOT NULL,
  event_count INTEGER NOT NULL,
  events BLOB NOT NULL,
  tree_size INTEGER NOT NULL,
  root BLOB NOT NULL,
  time_ms INTEGER NOT NULL,
  signature BLOB NOT NULL,
  frontier BLOB NOT NULL);
CREATE TABLE snapshots(next_seq INTEGER PRIMARY KEY, state BLOB NOT NULL);
)sql";

#define LC_BATCH_COLUMNS \
  "batch_id, first_seq, event_count, events, tree_size, root, time_ms, signature, frontier"

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Owns the writer-lock descriptor; closing it releases the flock.
class LockFile {
 public:
  LockFile() = default;
  explicit LockFile(int fd) : fd_(fd) {}
  LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  LockFile& operator=(LockFile&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

// Resets a cached statement when the scope ends so the next use starts clean and no
// read transaction stays open.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* statement) : statement_(statement) {}
  ~StatementUse() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* statement_;
};

Error sqlite_error(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  int primary = rc & 0xff;
  // A damaged or foreign file is corruption, not a transient I/O problem.
  ErrorCode code = (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) ? ErrorCode::corruption
                                                                           : ErrorCode::io_error;
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{code, "db", path + ": " + std::string(what) + ": " + message};
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// Takes the exclusive writer lock on path + ".lock". Errors: busy, io_error.
Result<LockFile> lock_writer(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::io_error, "db", lock_path + ": " + std::strerror(errno));
  LockFile lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return fail(ErrorCode::busy, "db", path + " is open by another writer");
    }
    return fail(ErrorCode::io_error, "db", lock_path + ": flock: " + std::strerror(errno));
  }
  return lock;
}

// Binds a blob; an empty vector would otherwise bind NULL (its data() may be null).
int bind_blob(sqlite3_stmt* statement, int index, const Bytes& bytes) {
  if (bytes.empty()) return sqlite3_bind_zeroblob(statement, index, 0);
  return sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), SQLITE_STATIC);
}

int bind_u64(sqlite3_stmt* statement, int index, uint64_t value) {
  LC_ASSERT(value <= static_cast<uint64_t>(INT64_MAX));
  return sqlite3_bind_int64(statement, index, static_cast<sqlite3_int64>(value));
}

// Reads a non-negative integer column. False when the column is not one.
bool column_u64(sqlite3_stmt* statement, int column, uint64_t& out) {
  if (sqlite3_column_type(statement, column) != SQLITE_INTEGER) return false;
  sqlite3_int64 value = sqlite3_column_int64(statement, column);
  if (value < 0) return false;
  out = static_cast<uint64_t>(value);
  return true;
}

bool column_blob(sqlite3_stmt* statement, int column, Bytes& out) {
  if (sqlite3_column_type(statement, column) != SQLITE_BLOB) return false;
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, column));
  int size = sqlite3_column_bytes(statement, column);
  LC_ASSERT(size >= 0);
  out.assign(data, data + size);  // data is null only when size == 0
  return true;
}

// Decodes the current row of a statement selecting LC_BATCH_COLUMNS.
// Errors: corruption when a column has the wrong type or range.
Result<StoredBatch> read_batch_row(sqlite3_stmt* statement) {
  StoredBatch batch;
  uint64_t event_count = 0;
  uint64_t time_ms = 0;
  bool ok = column_u64(statement, 0, batch.batch_id) && column_u64(statement, 1, batch.first_seq) &&
            column_u64(statement, 2, event_count) && column_blob(statement, 3, batch.events) &&
            column_u64(statement, 4, batch.tree_size) && column_blob(statement, 5, batch.root) &&
            column_u64(statement, 6, time_ms) && column_blob(statement, 7, batch.signature) &&
            column_blob(statement, 8, batch.frontier) && event_count <= UINT32_MAX;
  if (!ok) {
    return fail(ErrorCode::corruption, "batch",
                "batch row " + std::to_string(sqlite3_column_int64(statement, 0)) +
                    " has a column of the wrong type");
  }
  batch.event_count = static_cast<uint32_t>(event_count);
  batch.time_ms = static_cast<TimeMs>(time_ms);
  return batch;
}

class SqliteJournalStorage final : public journal::JournalStorage {
 public:
  SqliteJournalStorage(std::string path, OpenMode mode, LockFile lock)
      : path_(std::move(path)), mode_(mode), lock_(std::move(lock)) {}

  Result<void> open_database();
  Result<void> append_batch(const StoredBatch& batch) override;
  Result<std::optional<StoredBatch>> last_batch() override;
  Result<void> scan_batches(uint64_t from_seq,
                            const std::function<Result<void>(const StoredBatch&)>& visit) override;
  Result<std::optional<StoredBatch>> batch_containing(uint64_t seq) override;
  Result<void> put_snapshot(const StoredSnapshot& snapshot) override;
  Result<std::optional<StoredSnapshot>> latest_snapshot() override;
  Result<void> put_meta(const std::string& key, const std::string& value) override;
  Result<std::optional<std::string>> get_meta(const std::string& key) override;

 private:
  Error error(int rc, std::string_view what) const {
    return sqlite_error(db_.get(), rc, path_, what);
  }
  Result<void> exec(const char* sql, std::string_view what);
  Result<void> configure();
  Result<void> create_schema();
  Result<void> check_format();
  Result<void> prepare_statements();
  Result<sqlite3_stmt*> prepare(const char* sql);
  Result<void> insert_batch(const StoredBatch& batch);
  Result<std::optional<StoredBatch>> single_batch(sqlite3_stmt* statement);
  Result<void> require_writer() const;

  // Constant after open.
  const std::string path_;
  const OpenMode mode_;
  LockFile lock_;  // held for the object's lifetime in create/writer mode
  DbPtr db_;
  // Cached prepared statements, finalised before db_ closes (declared after it).
  std::vector<StmtPtr> statements_;
  sqlite3_stmt* insert_batch_ = nullptr;
  sqlite3_stmt* last_batch_ = nullptr;
  sqlite3_stmt* scan_all_ = nullptr;
  sqlite3_stmt* scan_from_ = nullptr;
  sqlite3_stmt* batch_containing_ = nullptr;
  sqlite3_stmt* put_snapshot_ = nullptr;
  sqlite3_stmt* latest_snapshot_ = nullptr;
  sqlite3_stmt* put_meta_ = nullptr;
  sqlite3_stmt* get_meta_ = nullptr;
  // Writer only: the end of the stored journal, to assert append_batch's REQUIRES
  // without a query (the lock guarantees nobody else appends).
  uint64_t last_batch_id_ = 0;
  uint64_t last_tree_size_ = 0;
};

Result<void> SqliteJournalStorage::exec(const char* sql, std::string_view what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  sqlite3_free(message);  // sqlite3_errmsg() still holds the text
  if (rc != SQLITE_OK) return std::unexpected(error(rc, what));
  return {};
}

Result<sqlite3_stmt*> SqliteJournalStorage::prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "prepare"));
  LC_ASSERT(statement != nullptr);
  statements_.emplace_back(statement);
  return statement;
}

Result<void> SqliteJournalStorage::open_database() {
  int flags = mode_ == OpenMode::reader ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path_.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 allocates a handle even on failure
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "open"));
  sqlite3_extended_result_codes(db_.get(), 1);
  if (auto configured = configure(); !configured) return configured;
  if (mode_ == OpenMode::create) {
    if (auto created = create_schema(); !created) return created;
  }
  if (auto checked = check_format(); !checked) return checked;
  if (auto prepared = prepare_statements(); !prepared) return prepared;
  if (mode_ == OpenMode::reader) return {};
  auto last = last_batch();
  if (!last) return std::unexpected(last.error());
  if (last->has_value()) {
    last_batch_id_ = (*last)->batch_id;
    last_tree_size_ = (*last)->tree_size;
  }
  return {};
}

Result<void> SqliteJournalStorage::configure() {
  if (int rc = sqlite3_busy_timeout(db_.get(), kBusyTimeoutMs); rc != SQLITE_OK) {
    return std::unexpected(error(rc, "busy_timeout"));
  }
  if (mode_ == OpenMode::reader) return {};  // journal_mode is a property of the file
  // WAL: readers never block the writer and see only committed batches.
  // synchronous=FULL: every COMMIT fsyncs the WAL, so append_batch() is durable.
  if (auto wal = exec("PRAGMA journal_mode=WAL", "journal_mode"); !wal) return wal;
  return exec("PRAGMA synchronous=FULL", "synchronous");
}

Result<void> SqliteJournalStorage::create_schema() {
  std::string sql = "BEGIN IMMEDIATE;" + std::string(kSchemaSql) +
                    "PRAGMA application_id=" + std::to_string(kApplicationId) +
                    ";INSERT INTO meta(key, value) VALUES('format_version', '" +
                    std::string(kFormatVersion) + "');COMMIT;";
  auto created = exec(sql.c_str(), "create schema");
  if (!created) {
    (void)exec("ROLLBACK", "rollback");  // best effort: the error above is what matters
    return created;
  }
  return {};
}

Result<void> SqliteJournalStorage::check_format() {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), "PRAGMA application_id", -1, &raw, nullptr);
  StmtPtr statement(raw);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "read application_id"));
  rc = sqlite3_step(statement.get());
  if (rc != SQLITE_ROW) return std::unexpected(error(rc, "read application_id"));
  if (sqlite3_column_int(statement.get(), 0) != kApplicationId) {
    return fail(ErrorCode::corruption, "db", path_ + " is not a livechain database");
  }
  rc = sqlite3_prepare_v2(db_.get(), "SELECT value FROM meta WHERE key = 'format_version'", -1,
                          &raw, nullptr);
  statement.reset(raw);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "read format_version"));
  rc = sqlite3_step(statement.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return std::unexpected(error(rc, "read format_version"));
  const unsigned char* text = rc == SQLITE_ROW ? sqlite3_column_text(statement.get(), 0) : nullptr;
  std::string version = text != nullptr ? reinterpret_cast<const char*>(text) : "(missing)";
  if (version != kFormatVersion) {
    return fail(ErrorCode::corruption, "db",
                path_ + " has format version " + version + "; this build reads version " +
                    std::string(kFormatVersion));
  }
  return {};
}

Result<void> SqliteJournalStorage::prepare_statements() {
  struct Wanted {
    sqlite3_stmt** slot;
    const char* sql;
  };
  const Wanted wanted[] = {
      {&insert_batch_, "INSERT INTO batches(" LC_BATCH_COLUMNS ") VALUES(?,?,?,?,?,?,?,?,?)"},
      {&last_batch_, "SELECT " LC_BATCH_COLUMNS " FROM batches ORDER BY batch_id DESC LIMIT 1"},
      {&scan_all_, "SELECT " LC_BATCH_COLUMNS " FROM batches ORDER BY batch_id"},
      // From the batch holding ?1 onwards; first_seq's unique index finds it.
      {&scan_from_, "SELECT " LC_BATCH_COLUMNS " FROM batches WHERE batch_id >= coalesce("
                    "(SELECT batch_id FROM batches WHERE first_seq <= ?1 ORDER BY first_seq DESC "
                    "LIMIT 1), 0) AND tree_size > ?1 ORDER BY batch_id"},
      {&batch_containing_, "SELECT " LC_BATCH_COLUMNS " FROM batches WHERE first_seq <= ?1 "
                           "ORDER BY first_seq DESC LIMIT 1"},
      {&put_snapshot_, "INSERT OR REPLACE INTO snapshots(next_seq, state) VALUES(?, ?)"},
      {&latest_snapshot_, "SELECT next_seq, state FROM snapshots ORDER BY next_seq DESC LIMIT 1"},
      {&put_meta_,
       "INSERT INTO meta(key, value) VALUES(?, ?) "
       "ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
      {&get_meta_, "SELECT value FROM meta WHERE key = ?"},
  };
  for (const Wanted& item : wanted) {
    auto statement = prepare(item.sql);
    if (!statement) return std::unexpected(statement.error());
    *item.slot = *statement;
  }
  LC_ASSERT(statements_.size() == std::size(wanted));
  return {};
}

Result<void> SqliteJournalStorage::require_writer() const {
  if (mode_ == OpenMode::reader) {
    return fail(ErrorCode::invalid_state, "db", path_ + " was opened read-only");
  }
  return {};
}

Result<void> SqliteJournalStorage::insert_batch(const StoredBatch& batch) {
  sqlite3_stmt* statement = insert_batch_;
  StatementUse use(statement);
  int rc = SQLITE_OK;
  int index = 1;
  for (uint64_t value : {batch.batch_id, batch.first_seq, uint64_t{batch.event_count}}) {
    if (rc == SQLITE_OK) rc = bind_u64(statement, index++, value);
  }
  if (rc == SQLITE_OK) rc = bind_blob(statement, index++, batch.events);
  if (rc == SQLITE_OK) rc = bind_u64(statement, index++, batch.tree_size);
  if (rc == SQLITE_OK) rc = bind_blob(statement, index++, batch.root);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(statement, index++, batch.time_ms);
  if (rc == SQLITE_OK) rc = bind_blob(statement, index++, batch.signature);
  if (rc == SQLITE_OK) rc = bind_blob(statement, index++, batch.frontier);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "bind batch"));
  LC_ASSERT(index == 10);
  rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE) return std::unexpected(error(rc, "insert batch"));
  return {};
}

Result<void> SqliteJournalStorage::append_batch(const StoredBatch& batch) {
  if (auto writable = require_writer(); !writable) return writable;
  // The journal guarantees these (REQUIRES); a violation is a bug, not bad input.
  LC_ASSERT(batch.batch_id == last_batch_id_ + 1);
  LC_ASSERT(batch.first_seq == last_tree_size_);
  LC_ASSERT(batch.tree_size == batch.first_seq + batch.event_count);
  if (auto begun = exec("BEGIN IMMEDIATE", "begin"); !begun) return begun;
  auto inserted = insert_batch(batch);
  // COMMIT fsyncs the WAL (synchronous=FULL): only then is the batch acknowledged.
  if (inserted) inserted = exec("COMMIT", "commit");
  if (!inserted) {
    // A failed COMMIT may leave the transaction open; roll back so the next append
    // starts clean. Nothing of this batch is visible either way.
    if (!sqlite3_get_autocommit(db_.get())) (void)exec("ROLLBACK", "rollback");
    return inserted;
  }
  last_batch_id_ = batch.batch_id;
  last_tree_size_ = batch.tree_size;
  LC_ASSERT(sqlite3_get_autocommit(db_.get()));
  return {};
}

Result<std::optional<StoredBatch>> SqliteJournalStorage::single_batch(sqlite3_stmt* statement) {
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_DONE) return std::optional<StoredBatch>{};
  if (rc != SQLITE_ROW) return std::unexpected(error(rc, "read batch"));
  auto batch = read_batch_row(statement);
  if (!batch) return std::unexpected(batch.error());
  return std::optional<StoredBatch>(std::move(*batch));
}

Result<std::optional<StoredBatch>> SqliteJournalStorage::last_batch() {
  StatementUse use(last_batch_);
  return single_batch(last_batch_);
}

Result<void> SqliteJournalStorage::scan_batches(
    uint64_t from_seq, const std::function<Result<void>(const StoredBatch&)>& visit) {
  // From 0 every row is visited, in batch-id order, even rows whose seq fields are
  // damaged: verification must see them to report them.
  sqlite3_stmt* statement = from_seq == 0 ? scan_all_ : scan_from_;
  StatementUse use(statement);
  if (from_seq != 0) {
    if (int rc = bind_u64(statement, 1, from_seq); rc != SQLITE_OK) {
      return std::unexpected(error(rc, "bind from_seq"));
    }
  }
  for (;;) {  // bounded by the number of rows
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return std::unexpected(error(rc, "scan batches"));
    auto batch = read_batch_row(statement);
    if (!batch) return std::unexpected(batch.error());
    if (auto visited = visit(*batch); !visited) return visited;
  }
}

Result<std::optional<StoredBatch>> SqliteJournalStorage::batch_containing(uint64_t seq) {
  StatementUse use(batch_containing_);
  if (int rc = bind_u64(batch_containing_, 1, seq); rc != SQLITE_OK) {
    return std::unexpected(error(rc, "bind seq"));
  }
  auto batch = single_batch(batch_containing_);
  if (!batch) return batch;
  // The batch with the largest first_seq <= seq holds seq only if it reaches past it.
  if (batch->has_value() && (*batch)->tree_size <= seq) return std::optional<StoredBatch>{};
  return batch;
}

Result<void> SqliteJournalStorage::put_snapshot(const StoredSnapshot& snapshot) {
  if (auto writable = require_writer(); !writable) return writable;
  StatementUse use(put_snapshot_);
  int rc = bind_u64(put_snapshot_, 1, snapshot.next_seq);
  if (rc == SQLITE_OK) rc = bind_blob(put_snapshot_, 2, snapshot.state);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "bind snapshot"));
  // Autocommit: one implicit transaction, fsynced like any commit.
  rc = sqlite3_step(put_snapshot_);
  if (rc != SQLITE_DONE) return std::unexpected(error(rc, "insert snapshot"));
  return {};
}

Result<std::optional<StoredSnapshot>> SqliteJournalStorage::latest_snapshot() {
  StatementUse use(latest_snapshot_);
  int rc = sqlite3_step(latest_snapshot_);
  if (rc == SQLITE_DONE) return std::optional<StoredSnapshot>{};
  if (rc != SQLITE_ROW) return std::unexpected(error(rc, "read snapshot"));
  StoredSnapshot snapshot;
  if (!column_u64(latest_snapshot_, 0, snapshot.next_seq) ||
      !column_blob(latest_snapshot_, 1, snapshot.state)) {
    return fail(ErrorCode::corruption, "snapshot", path_ + ": snapshot row of the wrong type");
  }
  return std::optional<StoredSnapshot>(std::move(snapshot));
}

Result<void> SqliteJournalStorage::put_meta(const std::string& key, const std::string& value) {
  if (auto writable = require_writer(); !writable) return writable;
  StatementUse use(put_meta_);
  int rc = sqlite3_bind_text(put_meta_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(put_meta_, 2, value.data(), static_cast<int>(value.size()),
                           SQLITE_STATIC);
  }
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "bind meta"));
  rc = sqlite3_step(put_meta_);
  if (rc != SQLITE_DONE) return std::unexpected(error(rc, "write meta"));
  return {};
}

Result<std::optional<std::string>> SqliteJournalStorage::get_meta(const std::string& key) {
  StatementUse use(get_meta_);
  int rc = sqlite3_bind_text(get_meta_, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, "bind meta"));
  rc = sqlite3_step(get_meta_);
  if (rc == SQLITE_DONE) return std::optional<std::string>{};
  if (rc != SQLITE_ROW) return std::unexpected(error(rc, "read meta"));
  const unsigned char* text = sqlite3_column_text(get_meta_, 0);
  int size = sqlite3_column_bytes(get_meta_, 0);
  if (text == nullptr) return std::optional<std::string>(std::string{});
  return std::optional<std::string>(std::string(reinterpret_cast<const char*>(text), size));
}

// Creates the database file exclusively, so two `init`s cannot both succeed.
Result<void> create_empty_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) return fail(ErrorCode::already_exists, "db", path + " exists");
  if (fd < 0) return fail(ErrorCode::io_error, "db", path + ": " + std::strerror(errno));
  ::close(fd);
  return {};
}

}  // namespace

Result<std::unique_ptr<journal::JournalStorage>> open_sqlite(const std::string& path,
                                                             OpenMode mode) {
  if (mode != OpenMode::create && !file_exists(path)) {
    return fail(ErrorCode::not_found, "db", path + " does not exist");
  }
  if (mode == OpenMode::create && file_exists(path)) {
    return fail(ErrorCode::already_exists, "db", path + " exists");
  }
  LockFile lock;
  if (mode != OpenMode::reader) {
    auto locked = lock_writer(path);
    if (!locked) return std::unexpected(locked.error());
    lock = std::move(*locked);
  }
  if (mode == OpenMode::create) {
    if (auto created = create_empty_file(path); !created) return std::unexpected(created.error());
  }
  auto storage = std::make_unique<SqliteJournalStorage>(path, mode, std::move(lock));
  auto opened = storage->open_database();
  if (!opened) {
    // Do not leave a half-initialised database behind: a retry of `init` must work.
    if (mode == OpenMode::create) {
      storage.reset();
      for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
    }
    return std::unexpected(opened.error());
  }
  return std::unique_ptr<journal::JournalStorage>(std::move(storage));
}

std::string signing_key_path(const std::string& db_path) {
  return db_path + ".signing-key";
}

}  // namespace livechain::store
