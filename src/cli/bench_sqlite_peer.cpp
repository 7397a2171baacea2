#include "cli/bench_sqlite_peer.hpp"

#include <sqlite3.h>

#include <chrono>
#include <random>
#include <vector>

namespace livechain::cli {

namespace {

struct Statement {
  sqlite3_stmt* handle = nullptr;
  ~Statement() { sqlite3_finalize(handle); }
};

class PeerDatabase {
 public:
  ~PeerDatabase() { sqlite3_close(db_); }
  bool open(const std::string& path) {
    return sqlite3_open(path.c_str(), &db_) == SQLITE_OK &&
           exec(
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE stock(sku INTEGER, location INTEGER, on_hand INTEGER NOT NULL,"
               " reserved INTEGER NOT NULL, PRIMARY KEY(sku, location)) WITHOUT ROWID;"
               "CREATE TABLE reservation(id INTEGER PRIMARY KEY, order_id TEXT NOT NULL,"
               " sku INTEGER, location INTEGER, qty INTEGER, status INTEGER);");
  }
  bool exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool prepare(const char* sql, Statement& statement) {
    return sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement.handle,
                              nullptr) == SQLITE_OK;
  }
  int changes() const { return sqlite3_changes(db_); }
  std::string message() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
};

bool step_done(Statement& statement) {
  bool ok = sqlite3_step(statement.handle) == SQLITE_DONE;
  sqlite3_reset(statement.handle);
  return ok;
}

struct PeerReservation {
  int64_t id;
  int sku;
  int location;
  int qty;
};

}  // namespace

PeerResult run_sqlite_peer(const std::string& db_path, double seconds, uint64_t seed, int skus,
                           int locations, int reservations_per_transaction) {
  PeerResult result;
  PeerDatabase db;
  Statement seed_stock, reserve, insert, commit_stock, release_stock, resolve;
  if (!db.open(db_path) ||
      !db.prepare("INSERT INTO stock VALUES(?1, ?2, 1000000, 0)", seed_stock) ||
      !db.prepare("UPDATE stock SET reserved = reserved + ?3 WHERE sku = ?1 AND location = ?2"
                  " AND on_hand - reserved >= ?3",
                  reserve) ||
      !db.prepare("INSERT INTO reservation VALUES(?1, ?2, ?3, ?4, ?5, 0)", insert) ||
      !db.prepare("UPDATE stock SET on_hand = on_hand - ?3, reserved = reserved - ?3"
                  " WHERE sku = ?1 AND location = ?2",
                  commit_stock) ||
      !db.prepare("UPDATE stock SET reserved = reserved - ?3 WHERE sku = ?1 AND location = ?2",
                  release_stock) ||
      !db.prepare("UPDATE reservation SET status = ?2 WHERE id = ?1 AND status = 0", resolve)) {
    result.error = db.message();
    return result;
  }
  db.exec("BEGIN");
  for (int sku = 0; sku < skus; ++sku) {
    for (int location = 0; location < locations; ++location) {
      sqlite3_bind_int(seed_stock.handle, 1, sku);
      sqlite3_bind_int(seed_stock.handle, 2, location);
      step_done(seed_stock);
    }
  }
  db.exec("COMMIT");
  std::mt19937_64 random(seed);
  int64_t next_id = 1;
  std::vector<PeerReservation> batch;
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    batch.clear();
    db.exec("BEGIN IMMEDIATE");
    for (int i = 0; i < reservations_per_transaction; ++i) {
      PeerReservation r{next_id++, static_cast<int>(random() % skus),
                        static_cast<int>(random() % locations), 1 + static_cast<int>(random() % 3)};
      sqlite3_bind_int(reserve.handle, 1, r.sku);
      sqlite3_bind_int(reserve.handle, 2, r.location);
      sqlite3_bind_int(reserve.handle, 3, r.qty);
      if (!step_done(reserve) || db.changes() != 1) continue;  // short: not reserved
      std::string order_id = "o" + std::to_string(r.id);
      sqlite3_bind_int64(insert.handle, 1, r.id);
      sqlite3_bind_text(insert.handle, 2, order_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int(insert.handle, 3, r.sku);
      sqlite3_bind_int(insert.handle, 4, r.location);
      sqlite3_bind_int(insert.handle, 5, r.qty);
      step_done(insert);
      batch.push_back(r);
      result.commands += 1;
    }
    db.exec("COMMIT");  // fsync: the reservations are acknowledged here
    result.reservations += batch.size();
    db.exec("BEGIN IMMEDIATE");
    for (const PeerReservation& r : batch) {
      bool release = r.id % 10 == 0;
      Statement& stock = release ? release_stock : commit_stock;
      sqlite3_bind_int(stock.handle, 1, r.sku);
      sqlite3_bind_int(stock.handle, 2, r.location);
      sqlite3_bind_int(stock.handle, 3, r.qty);
      step_done(stock);
      sqlite3_bind_int64(resolve.handle, 1, r.id);
      sqlite3_bind_int(resolve.handle, 2, release ? 2 : 1);
      step_done(resolve);
      result.commands += 1;
    }
    db.exec("COMMIT");
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace livechain::cli
