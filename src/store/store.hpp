// src/store/store.hpp — public header of the store module.
//
// store owns storage adapters. Today: the embedded default, one SQLite database file
// (WAL mode, synchronous=FULL) holding the journal's batches, snapshots and settings.
// PostgreSQL and Redis Cluster adapters for scale-out will live here too.
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "journal/storage.hpp"

namespace livechain::store {

enum class OpenMode {
  create,  // make a new database; already_exists if the file exists
  writer,  // open an existing database for appends; takes an exclusive lock
  reader,  // open an existing database read-only; no lock, sees committed batches
};

// Opens the SQLite database at `path`.
// Errors: not_found (field "db") when opening a missing file for writer/reader;
// already_exists (field "db") for create on an existing file; busy (field "db") when
// another process holds the writer lock; corruption when the file is not a livechain
// database or has an unknown format version; io_error.
Result<std::unique_ptr<journal::JournalStorage>> open_sqlite(const std::string& path,
                                                             OpenMode mode);

// Where `livechain init` keeps the Ed25519 private key for the database at db_path.
std::string signing_key_path(const std::string& db_path);

}  // namespace livechain::store
