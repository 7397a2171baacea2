// src/store/store.hpp — public header of the store module.
//
// store owns storage adapters. Today: the embedded default, one SQLite database file
// (WAL mode, synchronous=FULL) holding the journal's batches, snapshots and settings,
// and two side databases beside it: API keys and live signals.
// PostgreSQL and Redis Cluster adapters for scale-out will live here too.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
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

// ---- side databases ----------------------------------------------------------------
// API keys and live signals live in their own SQLite files beside the journal
// (PATH.apikeys, PATH.signals): the journal file stays the ledger and nothing else, and
// writes to them never wait for the journal's write lock.

namespace livechain::store {

struct ApiKeyRecord {
  std::string key_id;  // public part of the key, shown by `apikey list`
  std::string role;
  std::string label;
  TimeMs created_at_ms = 0;
  std::optional<TimeMs> revoked_at_ms;
};

// An active key as the server needs it: the SHA-256 of the whole secret, hex.
struct ActiveApiKey {
  std::string secret_sha256_hex;
  std::string key_id;
  std::string role;
};

// API keys, stored hashed (SHA-256 of a 256-bit random secret: a slow KDF adds nothing
// for keys of that entropy). The plain key exists only in create()'s return value.
class ApiKeyStore {
 public:
  // Opens (creating if needed) the key database for the journal at `db_path`.
  // Errors: io_error, corruption (not a key database).
  static Result<std::unique_ptr<ApiKeyStore>> open(const std::string& db_path);
  ~ApiKeyStore();

  // Creates a key for `role` (the caller validates the role name) and returns the
  // plain key, "lc_<key_id>_<64 hex>". Errors: invalid_argument (label), io_error.
  Result<std::string> create(std::string_view role, std::string_view label, TimeMs now_ms,
                             ApiKeyRecord* record = nullptr);
  Result<std::vector<ApiKeyRecord>> list();
  // Errors: not_found (field "key_id"), invalid_state when already revoked.
  Result<void> revoke(std::string_view key_id, TimeMs now_ms);
  Result<std::vector<ActiveApiKey>> active_keys();
  // Changes whenever another connection committed a change (PRAGMA data_version):
  // lets the server reload keys only when someone created or revoked one.
  Result<int64_t> change_counter();

 private:
  struct Impl;
  explicit ApiKeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Where the side databases of the journal at db_path live.
std::string api_key_db_path(const std::string& db_path);
std::string signal_db_path(const std::string& db_path);

// One live-room signal (spec §2 inputs for forecasting): an order, add-to-cart, a
// viewer count or a comment. Buyer data is pseudonymous (buyer id, region) and never
// names, phones or addresses.
struct LiveSignal {
  std::string kind;  // order | add_to_cart | viewers | comment
  std::string session_id;
  std::string channel_id;  // may be empty
  TimeMs at_ms = 0;
  std::string gtin;      // empty when not about one SKU
  int64_t quantity = 0;  // units (order, add_to_cart) or viewers (viewers)
  std::string text;      // comment text
  std::string buyer_id;  // pseudonymous, may be empty
  std::string region;    // buyer region, may be empty
};

// Append-only store of live signals, durable (synchronous=FULL) before append returns.
class SignalStore {
 public:
  static Result<std::unique_ptr<SignalStore>> open(const std::string& db_path);
  ~SignalStore();
  // Appends all signals in one transaction; returns the id of the first.
  // Errors: io_error (nothing appended).
  Result<int64_t> append(std::span<const LiveSignal> signals, TimeMs received_at_ms);
  Result<int64_t> count();
  // Signals of one session in append order (forecasting reads these).
  Result<std::vector<LiveSignal>> session(std::string_view session_id, size_t limit);

 private:
  struct Impl;
  explicit SignalStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- channel consistency (issue 10 §6, docs/channels.md) --------------------------

std::string observed_stock_db_path(const std::string& db_path);

// What a channel displayed of a SKU at `at_ms` (its claim, not a ledger fact).
struct ObservedStock {
  std::string channel_id;
  std::string gtin;  // GTIN-14
  int64_t qty_units = 0;
  TimeMs at_ms = 0;
};
// One comparison of a channel's latest observed stock with the truth
// (engine::channel_sellable_total at check time).
struct DriftRecord {
  std::string channel_id;
  std::string gtin;
  int64_t observed_units = 0;
  int64_t truth_units = 0;
  double deviation_pct = 0;  // |observed - truth| / max(truth, 1) * 100
  TimeMs observed_at_ms = 0;
  TimeMs checked_at_ms = 0;
  bool alerted = false;  // above the threshold: a channel_drift alert is open
};

// Observed-stock reports and drift records in PATH.observed, durable
// (synchronous=FULL) before each call returns.
class ObservedStockStore {
 public:
  static Result<std::unique_ptr<ObservedStockStore>> open(const std::string& db_path);
  ~ObservedStockStore();
  // Stores the reports in one transaction. A report repeating (channel, sku, at)
  // replaces the earlier one, so a retried request changes nothing. Errors: io_error.
  Result<void> append(std::span<const ObservedStock> reports, TimeMs received_at_ms);
  // The latest report (greatest at) of every (channel, sku).
  Result<std::vector<ObservedStock>> latest();
  // Appends the records of one check in one transaction. Errors: io_error.
  Result<void> record_drift(std::span<const DriftRecord> records);
  // The records of the channel's most recent check, by SKU.
  Result<std::vector<DriftRecord>> last_drift(std::string_view channel_id);

 private:
  struct Impl;
  explicit ObservedStockStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::store

// ---- as-of checkpoints (issue 10 §4) ------------------------------------------------
// PATH.asof: engine states after every N events of the journal and the committed sales
// seen on the way, so "stock as of T" and rollback conflicts are answered without
// replaying the whole journal. Derived data: deleting the file only costs a rebuild.

namespace livechain::store {

struct Checkpoint {
  uint64_t next_seq = 0;  // the state reflects events [0, next_seq)
  TimeMs time_ms = 0;     // time of event next_seq − 1
  Bytes state;            // LedgerState::serialize()
};

// One committed reservation line (a sale), as journaled.
struct CommittedSale {
  uint64_t seq = 0;  // the committed event
  TimeMs committed_at_ms = 0;
  uint64_t reservation_id = 0;
  std::string order_id;
  std::string gtin;
  std::string location_id;
  int64_t qty_units = 0;
};

class CheckpointStore {
 public:
  // Opens (creating if needed) PATH.asof for the journal at `db_path`. Errors: io_error.
  static Result<std::unique_ptr<CheckpointStore>> open(const std::string& db_path);
  ~CheckpointStore();

  // Stores `sales` and, when non-null, `checkpoint` in one durable transaction.
  // Errors: io_error.
  Result<void> put(const Checkpoint* checkpoint, std::span<const CommittedSale> sales);
  // The checkpoint with the highest next_seq, or nullopt.
  Result<std::optional<Checkpoint>> last();
  // The checkpoint with the highest next_seq whose time_ms <= time_ms, or nullopt.
  Result<std::optional<Checkpoint>> at_or_before(TimeMs time_ms);
  // Sales committed strictly after `after_ms` with seq < `before_seq`, oldest first, at
  // most `limit`. Errors: io_error.
  Result<std::vector<CommittedSale>> sales_after(TimeMs after_ms, uint64_t before_seq,
                                                 size_t limit);
  // Drops sales with seq >= `from_seq` (ones recorded beyond the last checkpoint before
  // a crash: they are found again by replay). Errors: io_error.
  Result<void> drop_sales_from(uint64_t from_seq);

 private:
  struct Impl;
  explicit CheckpointStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string checkpoint_db_path(const std::string& db_path);

}  // namespace livechain::store
