// src/store/epcis_store.cpp — PATH.epcis: the EPCIS index and capture jobs.
#include "store/epcis_store.hpp"

#include <mutex>

#include "store/sqlite_side.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  captured INTEGER NOT NULL,
  type TEXT NOT NULL,
  event_time_ms INTEGER NOT NULL,
  record_time_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  biz_step TEXT NOT NULL,
  disposition TEXT NOT NULL,
  read_point TEXT NOT NULL,
  biz_location TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  json TEXT NOT NULL,
  context_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_time ON events(event_time_ms);
CREATE INDEX IF NOT EXISTS events_biz_step ON events(biz_step);
CREATE INDEX IF NOT EXISTS events_biz_location ON events(biz_location);
CREATE TABLE IF NOT EXISTS epcs(
  value TEXT NOT NULL,
  is_class INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY(value, is_class, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notes(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs(
  capture_id TEXT PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  running INTEGER NOT NULL,
  success INTEGER NOT NULL,
  events INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  errors_json TEXT NOT NULL) WITHOUT ROWID;)";

Result<void> step_done(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  if (sqlite3_step(statement) != SQLITE_DONE) return std::unexpected(side::sqlite_error(db, what));
  return {};
}

// "(?, ?, …)" with `count` placeholders.
std::string placeholders(size_t count) {
  std::string out = "(";
  for (size_t i = 0; i < count; ++i) out += i ? ",?" : "?";
  return out + ")";
}
}  // namespace

std::string epcis_db_path(const std::string& db_path) {
  return db_path + ".epcis";
}

struct EpcisStore::Impl {
  std::mutex mutex;
  side::Database db;  // GUARDED_BY(mutex)
};

EpcisStore::EpcisStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EpcisStore::~EpcisStore() = default;

Result<std::unique_ptr<EpcisStore>> EpcisStore::open(const std::string& db_path) {
  LC_TRY(db, side::open_database(epcis_db_path(db_path), kSchema));
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db);
  return std::unique_ptr<EpcisStore>(new EpcisStore(std::move(impl)));
}

Result<uint64_t> EpcisStore::next_seq() {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db, "SELECT value FROM meta WHERE key = 'next_seq'"));
  int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return uint64_t{0};
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "read next_seq"));
  return static_cast<uint64_t>(sqlite3_column_int64(select.get(), 0));
}

Result<void> EpcisStore::index(std::span<const EpcisIndexRow> rows, uint64_t next_seq) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_CHECK(side::exec(db, "BEGIN IMMEDIATE"));
  auto work = [&]() -> Result<void> {
    LC_TRY(insert, side::prepare(db,
                                 "INSERT OR IGNORE INTO events(seq, event_id, captured, type, "
                                 "event_time_ms, record_time_ms, action, biz_step, disposition, "
                                 "read_point, biz_location, content_sha256, json, context_json) "
                                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    LC_TRY(insert_epc, side::prepare(db,
                                     "INSERT OR IGNORE INTO epcs(value, is_class, seq) "
                                     "VALUES (?,?,?)"));
    for (const EpcisIndexRow& row : rows) {
      sqlite3_stmt* s = insert.get();
      sqlite3_reset(s);
      sqlite3_bind_int64(s, 1, static_cast<int64_t>(row.seq));
      side::bind_text(s, 2, row.event_id);
      sqlite3_bind_int(s, 3, row.captured ? 1 : 0);
      side::bind_text(s, 4, row.type);
      sqlite3_bind_int64(s, 5, row.event_time_ms);
      sqlite3_bind_int64(s, 6, row.record_time_ms);
      side::bind_text(s, 7, row.action);
      side::bind_text(s, 8, row.biz_step);
      side::bind_text(s, 9, row.disposition);
      side::bind_text(s, 10, row.read_point);
      side::bind_text(s, 11, row.biz_location);
      side::bind_text(s, 12, row.content_sha256);
      side::bind_text(s, 13, row.json);
      side::bind_text(s, 14, row.context_json);
      LC_CHECK(step_done(db, s, "index event"));
      if (sqlite3_changes(db) == 0) continue;  // the eventID was indexed already
      for (int is_class = 0; is_class < 2; ++is_class) {
        for (const std::string& value : is_class ? row.epc_classes : row.epcs) {
          sqlite3_stmt* e = insert_epc.get();
          sqlite3_reset(e);
          side::bind_text(e, 1, value);
          sqlite3_bind_int(e, 2, is_class);
          sqlite3_bind_int64(e, 3, static_cast<int64_t>(row.seq));
          LC_CHECK(step_done(db, e, "index epc"));
        }
      }
    }
    LC_TRY(cursor,
           side::prepare(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('next_seq', ?)"));
    sqlite3_bind_int64(cursor.get(), 1, static_cast<int64_t>(next_seq));
    return step_done(db, cursor.get(), "index cursor");
  };
  if (auto done = work(); !done) {
    (void)side::exec(db, "ROLLBACK");
    return done;
  }
  return side::exec(db, "COMMIT");
}

Result<void> EpcisStore::put_note(std::string_view key, std::string_view value) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(put, side::prepare(db, "INSERT OR REPLACE INTO notes(key, value) VALUES (?, ?)"));
  side::bind_text(put.get(), 1, key);
  side::bind_text(put.get(), 2, value);
  return step_done(db, put.get(), "put note");
}

Result<std::optional<std::string>> EpcisStore::note(std::string_view key) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db, "SELECT value FROM notes WHERE key = ?"));
  side::bind_text(select.get(), 1, key);
  int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::optional<std::string>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "read note"));
  return std::optional<std::string>(side::column_text(select.get(), 0));
}

Result<std::optional<std::string>> EpcisStore::content_of(std::string_view event_id) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db, "SELECT content_sha256 FROM events WHERE event_id = ?"));
  side::bind_text(select.get(), 1, event_id);
  int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::optional<std::string>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "read event"));
  return std::optional<std::string>(side::column_text(select.get(), 0));
}

Result<std::optional<EpcisIndexRow>> EpcisStore::event(std::string_view event_id) {
  EpcisQuery query;
  query.event_ids = {std::string(event_id)};
  query.limit = 1;
  LC_TRY(rows, this->query(query));
  if (rows.empty()) return std::optional<EpcisIndexRow>();
  return std::optional<EpcisIndexRow>(std::move(rows.front()));
}

Result<std::vector<EpcisIndexRow>> EpcisStore::query(const EpcisQuery& q) {
  std::string sql = "SELECT seq, event_id, json, captured, context_json FROM events WHERE seq >= ?";
  std::vector<std::string> texts;
  std::vector<int64_t> numbers;
  auto any_of = [&](std::string_view column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql += " AND " + std::string(column) + " IN " + placeholders(values.size());
    texts.insert(texts.end(), values.begin(), values.end());
  };
  // Text parameters are bound after the numeric ones, in order; numbers first.
  int64_t from = q.from_start ? 0 : static_cast<int64_t>(q.after_seq) + 1;
  numbers.push_back(from);
  auto time = [&](std::string_view clause, const std::optional<TimeMs>& value) {
    if (!value) return;
    sql += " AND " + std::string(clause) + " ?";
    numbers.push_back(*value);
  };
  time("event_time_ms >=", q.event_time_ge_ms);
  time("event_time_ms <", q.event_time_lt_ms);
  time("record_time_ms >=", q.record_time_ge_ms);
  time("record_time_ms <", q.record_time_lt_ms);
  any_of("type", q.event_types);
  any_of("action", q.actions);
  any_of("biz_step", q.biz_steps);
  any_of("disposition", q.dispositions);
  any_of("read_point", q.read_points);
  any_of("biz_location", q.biz_locations);
  any_of("event_id", q.event_ids);
  for (int is_class = 0; is_class < 2; ++is_class) {
    const auto& values = is_class ? q.epc_classes : q.epcs;
    if (values.empty()) continue;
    sql += " AND seq IN (SELECT seq FROM epcs WHERE is_class = " + std::to_string(is_class) +
           " AND value IN " + placeholders(values.size()) + ")";
    texts.insert(texts.end(), values.begin(), values.end());
  }
  sql += " ORDER BY seq LIMIT ?";
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db, sql));
  int at = 1;
  for (int64_t n : numbers) sqlite3_bind_int64(select.get(), at++, n);
  for (const std::string& t : texts) side::bind_text(select.get(), at++, t);
  sqlite3_bind_int64(select.get(), at, static_cast<int64_t>(q.limit));
  std::vector<EpcisIndexRow> out;
  for (;;) {
    int step = sqlite3_step(select.get());
    if (step == SQLITE_DONE) break;
    if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "query events"));
    EpcisIndexRow row;
    row.seq = static_cast<uint64_t>(sqlite3_column_int64(select.get(), 0));
    row.event_id = side::column_text(select.get(), 1);
    row.json = side::column_text(select.get(), 2);
    row.captured = sqlite3_column_int(select.get(), 3) != 0;
    row.context_json = side::column_text(select.get(), 4);
    out.push_back(std::move(row));
  }
  return out;
}

Result<void> EpcisStore::put_job(const EpcisJob& job) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(put, side::prepare(db,
                            "INSERT OR REPLACE INTO jobs(capture_id, created_ms, running, success, "
                            "events, stored, duplicates, errors_json) VALUES (?,?,?,?,?,?,?,?)"));
  sqlite3_stmt* s = put.get();
  side::bind_text(s, 1, job.capture_id);
  sqlite3_bind_int64(s, 2, job.created_ms);
  sqlite3_bind_int(s, 3, job.running ? 1 : 0);
  sqlite3_bind_int(s, 4, job.success ? 1 : 0);
  sqlite3_bind_int64(s, 5, static_cast<int64_t>(job.events));
  sqlite3_bind_int64(s, 6, static_cast<int64_t>(job.stored));
  sqlite3_bind_int64(s, 7, static_cast<int64_t>(job.duplicates));
  side::bind_text(s, 8, job.errors_json);
  return step_done(db, s, "put job");
}

Result<std::optional<EpcisJob>> EpcisStore::job(std::string_view capture_id) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db,
                               "SELECT created_ms, running, success, events, stored, duplicates, "
                               "errors_json FROM jobs WHERE capture_id = ?"));
  side::bind_text(select.get(), 1, capture_id);
  int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::optional<EpcisJob>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "read job"));
  sqlite3_stmt* r = select.get();
  EpcisJob job;
  job.capture_id = std::string(capture_id);
  job.created_ms = sqlite3_column_int64(r, 0);
  job.running = sqlite3_column_int(r, 1) != 0;
  job.success = sqlite3_column_int(r, 2) != 0;
  job.events = static_cast<uint64_t>(sqlite3_column_int64(r, 3));
  job.stored = static_cast<uint64_t>(sqlite3_column_int64(r, 4));
  job.duplicates = static_cast<uint64_t>(sqlite3_column_int64(r, 5));
  job.errors_json = side::column_text(r, 6);
  return std::optional<EpcisJob>(std::move(job));
}

}  // namespace livechain::store
