// src/journal/verify.cpp — offline audit of a whole journal (verify_journal).
//
// Walks every stored batch in batch-id order and recomputes everything a batch claims:
// framing and CRC-32C of each event, the Merkle leaf hashes, the running tree's root
// and right edge, and the Ed25519 signature over the tree head. The first failed
// check ends the walk; the report names the first sequence number that cannot be
// trusted and which check failed (see docs/journal_format.md, "Verification").
#include <algorithm>
#include <string>

#include "core/assert.hpp"
#include "journal/journal.hpp"

namespace livechain::journal {
namespace {

struct VerifyState {
  const PublicKey& public_key;
  VerifyReport report;
  CompactRange range;          // the tree rebuilt from the events seen so far
  uint64_t batch_id_next = 1;  // batch ids start at 1 and have no gaps
};

// Records the first failure. Returns an error only to stop scan_batches early; the
// caller reads the report, not the error.
Error stop(VerifyState& state, uint64_t first_bad_seq, std::string reason) {
  LC_ASSERT(state.report.ok);  // only the first failure is recorded
  state.report.ok = false;
  state.report.first_bad_seq = first_bad_seq;
  state.report.reason = std::move(reason);
  return Error{ErrorCode::corruption, "verify", state.report.reason};
}

std::string batch_name(const StoredBatch& batch) {
  return "batch " + std::to_string(batch.batch_id);
}

// Ids, sequence numbers and sizes: the batch must continue exactly where the running
// tree ends, or events were dropped, duplicated or reordered.
Result<void> check_position(VerifyState& state, const StoredBatch& batch) {
  uint64_t tree_size = state.range.size();
  if (batch.batch_id != state.batch_id_next) {
    return std::unexpected(stop(
        state, tree_size,
        batch_name(batch) + ": batch id gap, expected " + std::to_string(state.batch_id_next)));
  }
  if (batch.first_seq != tree_size) {
    return std::unexpected(stop(state, tree_size,
                                batch_name(batch) + ": first_seq " +
                                    std::to_string(batch.first_seq) + " != running tree size " +
                                    std::to_string(tree_size)));
  }
  if (batch.event_count == 0 || batch.event_count > kBatchEventCountMax ||
      batch.tree_size != batch.first_seq + batch.event_count) {
    return std::unexpected(
        stop(state, tree_size, batch_name(batch) + ": event_count and tree_size disagree"));
  }
  if (batch.root.size() != sizeof(Hash) || batch.signature.size() != sizeof(Signature)) {
    return std::unexpected(
        stop(state, tree_size, batch_name(batch) + ": malformed root or signature length"));
  }
  return {};
}

// Framing and CRC of every event, hashing each into the running tree.
Result<void> check_events(VerifyState& state, const StoredBatch& batch) {
  uint64_t size_before = state.range.size();
  uint32_t framed_count = 0;
  auto framed = for_each_framed_event(batch.events, batch.event_count,
                                      [&](uint32_t, std::span<const uint8_t> data) {
                                        state.range.append(leaf_hash(data));
                                        framed_count += 1;
                                      });
  if (!framed) {
    // Every event before the bad one framed and checksummed correctly.
    return std::unexpected(stop(state, batch.first_seq + framed_count,
                                batch_name(batch) + ": " + framed.error().detail));
  }
  LC_ASSERT(state.range.size() == size_before + batch.event_count);
  return {};
}

// The stored head against the rebuilt tree, then the signature over the head.
Result<void> check_head(VerifyState& state, const StoredBatch& batch) {
  Hash root_stored{};
  std::copy(batch.root.begin(), batch.root.end(), root_stored.begin());
  // A root mismatch cannot say which event changed, only which batch.
  if (state.range.root() != root_stored) {
    return std::unexpected(stop(state, batch.first_seq,
                                batch_name(batch) + ": root mismatch (events or root altered)"));
  }
  if (state.range.serialize() != batch.frontier) {
    return std::unexpected(stop(state, batch.first_seq, batch_name(batch) + ": frontier mismatch"));
  }
  Signature signature{};
  std::copy(batch.signature.begin(), batch.signature.end(), signature.begin());
  Bytes message = tree_head_message(batch.tree_size, root_stored, batch.time_ms);
  if (!verify_signature(state.public_key, message, signature)) {
    return std::unexpected(
        stop(state, batch.first_seq,
             batch_name(batch) + ": signature invalid for this public key (head or key altered)"));
  }
  state.report.last_head = TreeHead{batch.tree_size, root_stored, batch.time_ms, signature};
  return {};
}

Result<void> check_batch(VerifyState& state, const StoredBatch& batch) {
  LC_ASSERT(state.report.ok);
  if (auto checked = check_position(state, batch); !checked) return checked;
  if (auto checked = check_events(state, batch); !checked) return checked;
  if (auto checked = check_head(state, batch); !checked) return checked;
  state.batch_id_next += 1;
  state.report.batches_checked += 1;
  state.report.events_checked += batch.event_count;
  LC_ASSERT(state.report.events_checked == state.range.size());
  return {};
}

}  // namespace

Result<VerifyReport> verify_journal(JournalStorage& storage, const PublicKey& public_key) {
  VerifyState state{public_key, {}, {}, 1};
  state.report.last_head.root = empty_tree_hash();
  auto scanned = storage.scan_batches(
      0, [&state](const StoredBatch& batch) { return check_batch(state, batch); });
  if (!state.report.ok) return state.report;  // scan stopped on a failed check
  if (!scanned) {
    // Storage reporting damage (a row it cannot decode, a corrupt database page) is a
    // verification failure at the first event not yet proven good; only I/O is an error.
    if (scanned.error().code != ErrorCode::corruption) return std::unexpected(scanned.error());
    state.report.ok = false;
    state.report.first_bad_seq = state.range.size();
    state.report.reason = "storage: " + scanned.error().to_string();
    return state.report;
  }
  LC_ASSERT(state.report.last_head.tree_size == state.range.size());
  return state.report;
}

}  // namespace livechain::journal
