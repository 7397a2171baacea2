#include "store/sqlite_side.hpp"

namespace livechain::store::side {

namespace {
constexpr int kBusyTimeoutMs = 5000;
}

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error{ErrorCode::io_error, "", std::string(what) + ": " + sqlite3_errmsg(db)};
}

Result<void> exec(sqlite3* db, std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::io_error, "", std::string(sql.substr(0, 40)) + ": " + text);
  }
  return {};
}

Result<Statement> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return std::unexpected(sqlite_error(db, "prepare"));
  }
  return Statement(raw);
}

Result<Database> open_database(const std::string& path, std::string_view schema) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    return fail(ErrorCode::io_error, "db",
                path + ": " + (raw ? sqlite3_errmsg(raw) : "cannot open"));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  for (std::string_view pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    if (auto done = exec(db.get(), pragma); !done) {
      return fail(ErrorCode::io_error, "db", path + ": " + done.error().detail);
    }
  }
  if (auto done = exec(db.get(), schema); !done) {
    return fail(ErrorCode::io_error, "db", path + ": " + done.error().detail);
  }
  return db;
}

}  // namespace livechain::store::side
