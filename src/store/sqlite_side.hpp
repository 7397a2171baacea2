// src/store/sqlite_side.hpp — internal: the small SQLite toolkit the side databases
// (API keys, live signals) share. Not part of the store's public header.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace livechain::store::side {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// Opens (creating) `path` in WAL mode with synchronous=FULL and a busy timeout, then
// runs `schema` (idempotent DDL). Errors: io_error naming `path`.
Result<Database> open_database(const std::string& path, std::string_view schema);

// Runs SQL without results. Errors: io_error with SQLite's message.
Result<void> exec(sqlite3* db, std::string_view sql);

// Prepares one statement. Errors: io_error.
Result<Statement> prepare(sqlite3* db, std::string_view sql);

// io_error carrying SQLite's current message for `db`, prefixed by `what`.
Error sqlite_error(sqlite3* db, std::string_view what);

inline void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
inline std::string column_text(sqlite3_stmt* statement, int index) {
  const unsigned char* text = sqlite3_column_text(statement, index);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(statement, index)))
              : std::string();
}

}  // namespace livechain::store::side
