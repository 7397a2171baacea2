// src/journal/journal.hpp — public header of the journal module.
//
// journal owns the append-only, tamper-evident event log that is livechain's source
// of truth: framing of events into group-commit batches, the RFC 6962 Merkle tree
// over every event (sequence number = leaf index, starting at 0), Ed25519-signed tree
// heads (one per batch), inclusion/consistency proofs, snapshots, and offline
// verification. Event *content* is opaque here: the engine encodes and decodes it.
// Durable storage is behind JournalStorage (src/store implements it on SQLite).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "journal/merkle.hpp"
#include "journal/signer.hpp"
#include "journal/storage.hpp"

namespace livechain::journal {

inline constexpr uint32_t kEventLengthMax = 64 * 1024;    // bytes of one event
inline constexpr uint32_t kBatchEventCountMax = 1 << 20;  // events per batch

// Builds the framed blob of one batch in place (see docs/journal_format.md):
//   per event: fixed32 length | fixed32 crc32c(data) | data
// The engine writes event bytes straight into buffer() between begin_event() and
// end_event(); nothing is copied afterwards. Not thread-safe; reusable after clear().
class BatchBuilder {
 public:
  // Starts an event; returns a writer appending to the batch buffer.
  ByteWriter begin_event();
  // Closes the event started by begin_event(): fills in its length and checksum.
  // REQUIRES: begin_event() was called and the event is <= kEventLengthMax bytes.
  void end_event();
  // Drops the event started by begin_event() (used when a command fails mid-way).
  void abandon_event();
  uint32_t event_count() const { return event_count_; }
  const Bytes& blob() const { return blob_; }
  void clear();

 private:
  Bytes blob_;
  uint32_t event_count_ = 0;
  size_t open_event_offset_ = SIZE_MAX;
};

// Calls `visit(data)` for each event of a framed blob, checking lengths and CRCs.
// Errors: corruption with detail naming the index within the blob of the first bad
// event (the caller adds the batch's first_seq to turn it into a sequence number).
Result<void> for_each_framed_event(
    std::span<const uint8_t> blob, uint32_t event_count,
    const std::function<void(uint32_t index, std::span<const uint8_t> data)>& visit);

struct TreeHead {
  uint64_t tree_size = 0;
  Hash root{};
  TimeMs time_ms = 0;
  Signature signature{};
};

// The exact bytes signed for a tree head: "livechain-tree-head-v1\n" | fixed64
// tree_size | root | fixed64 time_ms.
Bytes tree_head_message(uint64_t tree_size, const Hash& root, TimeMs time_ms);

// Storage meta key under which `livechain init` records the tree-head public key (hex).
inline constexpr const char* kPublicKeyMetaKey = "public_key";

struct VerifyReport {
  bool ok = true;
  uint64_t events_checked = 0;
  uint64_t batches_checked = 0;
  std::optional<uint64_t> first_bad_seq;  // set when !ok
  std::string reason;                     // set when !ok
  TreeHead last_head;
};

class Journal {
 public:
  // Opens the journal over `storage`, restoring the Merkle right edge from the last
  // batch (no full scan). `signer` signs new tree heads; without one the journal is
  // read-only and append() fails with invalid_state. `storage` must outlive the
  // Journal. Errors: io_error, corruption (last batch's frontier unreadable).
  static Result<std::unique_ptr<Journal>> open(JournalStorage& storage,
                                               std::optional<Signer> signer);

  // Durably appends the batch's events as sequence numbers [tree_size(), +count):
  // hashes each event as a Merkle leaf, extends the tree, signs the head at `time_ms`
  // and stores the batch. Returns only after storage made it durable; on error
  // nothing was appended and the in-memory tree is unchanged.
  // REQUIRES: batch.event_count() > 0. Not thread-safe: one writer.
  Result<TreeHead> append(const BatchBuilder& batch, TimeMs time_ms);

  uint64_t tree_size() const { return range_.size(); }
  const TreeHead& last_head() const { return last_head_; }

  // Calls `visit(seq, data)` for every event with seq >= from_seq, in order.
  // Errors: corruption naming the first bad seq; io_error; or the visitor's error.
  Result<void> replay(
      uint64_t from_seq,
      const std::function<Result<void>(uint64_t seq, std::span<const uint8_t> data)>& visit);

  // The stored bytes of one event. Errors: not_found (field "seq") beyond the end.
  Result<Bytes> event(uint64_t seq);

  // Proofs over the journal's own tree (leaf hashes are recomputed from storage).
  // Errors as for the free functions in merkle.hpp, plus io_error/corruption.
  Result<std::vector<Hash>> inclusion_proof(uint64_t seq, uint64_t tree_size);
  Result<std::vector<Hash>> consistency_proof(uint64_t old_size, uint64_t new_size);
  // Root of the first `tree_size` events. Errors: invalid_argument beyond the end.
  Result<Hash> root_at(uint64_t tree_size);

  // Snapshots: engine state after events [0, next_seq). Stored with a CRC-32C.
  Result<void> put_snapshot(uint64_t next_seq, std::span<const uint8_t> state);
  Result<std::optional<StoredSnapshot>> latest_snapshot();

 private:
  Journal(JournalStorage& storage, std::optional<Signer> signer);
  Result<std::vector<Hash>> leaf_hashes(uint64_t count);

  JournalStorage& storage_;
  std::optional<Signer> signer_;
  CompactRange range_;
  TreeHead last_head_;
  uint64_t last_batch_id_ = 0;
};

// Recomputes every event checksum, leaf hash, batch root (against the stored root and
// the running tree), frontier and signature (with `public_key`), and checks that
// batch ids and sequence numbers have no gaps. Stops at the first mismatch.
// Errors: io_error only; a failed verification is a report with ok == false.
Result<VerifyReport> verify_journal(JournalStorage& storage, const PublicKey& public_key);

}  // namespace livechain::journal
