// src/journal/storage.hpp
//
// What the journal needs from durable storage. The journal does framing, hashing and
// signing; storage only keeps rows. Implementations live in src/store/ (SQLite is the
// embedded default). A batch is acknowledged only after append_batch() returned ok:
// implementations must make the row durable (fsync) before returning.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::journal {

// One group-commit batch as stored. `events` is the framed event blob (see
// docs/journal_format.md); `frontier` is the CompactRange after the batch.
struct StoredBatch {
  uint64_t batch_id = 0;   // 1, 2, 3 … without gaps
  uint64_t first_seq = 0;  // sequence number (= Merkle leaf index) of the first event
  uint32_t event_count = 0;
  Bytes events;
  uint64_t tree_size = 0;  // first_seq + event_count
  Bytes root;              // 32 bytes
  TimeMs time_ms = 0;      // tree head time
  Bytes signature;         // 64 bytes, Ed25519 over the tree-head message
  Bytes frontier;
};

struct StoredSnapshot {
  uint64_t next_seq = 0;  // state reflects events [0, next_seq)
  Bytes state;
};

class JournalStorage {
 public:
  virtual ~JournalStorage() = default;

  // Durably appends one batch. REQUIRES: batch.batch_id == last id + 1 and
  // batch.first_seq == previous tree_size. Errors: io_error (nothing was written).
  virtual Result<void> append_batch(const StoredBatch& batch) = 0;

  // The newest batch, or nullopt for an empty journal.
  virtual Result<std::optional<StoredBatch>> last_batch() = 0;

  // Calls `visit` for each batch whose events end after `from_seq`, in order. Stops
  // and returns the visitor's error if it fails. Errors: io_error, corruption.
  virtual Result<void> scan_batches(
      uint64_t from_seq, const std::function<Result<void>(const StoredBatch&)>& visit) = 0;

  // The batch holding `seq`, or nullopt when seq >= tree size.
  virtual Result<std::optional<StoredBatch>> batch_containing(uint64_t seq) = 0;

  // Stores a snapshot durably (replaces none: older ones stay until pruned).
  virtual Result<void> put_snapshot(const StoredSnapshot& snapshot) = 0;
  // The snapshot with the highest next_seq, or nullopt.
  virtual Result<std::optional<StoredSnapshot>> latest_snapshot() = 0;

  // Small key/value settings (format version, public key).
  virtual Result<void> put_meta(const std::string& key, const std::string& value) = 0;
  virtual Result<std::optional<std::string>> get_meta(const std::string& key) = 0;
};

}  // namespace livechain::journal
