// src/journal/journal.cpp — batch framing, tree heads, and the Journal over storage.
// The byte layouts written here are the contract in docs/journal_format.md.
#include "journal/journal.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/assert.hpp"

namespace livechain::journal {
namespace {

// Per-event frame header: fixed32 length | fixed32 crc32c(data).
constexpr size_t kEventHeaderSize = 8;
// Snapshot blob as stored: fixed32 crc32c(fixed64 next_seq | state) | state.
constexpr size_t kSnapshotHeaderSize = 4;
constexpr std::string_view kTreeHeadDomain = "livechain-tree-head-v1\n";

void store_fixed32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

// CRC of a snapshot binds the state to its position, so a row copied under another
// next_seq is detected as well as flipped bits.
uint32_t snapshot_crc(uint64_t next_seq, std::span<const uint8_t> state) {
  Bytes position;
  ByteWriter(position).put_fixed64(next_seq);
  return crc32c(state, crc32c(position));
}

Error frame_error(uint32_t index, uint32_t event_count, std::string_view what) {
  return Error{ErrorCode::corruption, "events",
               "event index " + std::to_string(index) + " of " + std::to_string(event_count) +
                   " in batch: " + std::string(what)};
}

// Turns a stored head into its typed form. Errors: corruption on wrong sizes.
Result<TreeHead> head_of(const StoredBatch& batch) {
  TreeHead head;
  if (batch.root.size() != head.root.size() || batch.signature.size() != head.signature.size()) {
    return fail(ErrorCode::corruption, "batch",
                "batch " + std::to_string(batch.batch_id) + " has a malformed root or signature");
  }
  head.tree_size = batch.tree_size;
  std::copy(batch.root.begin(), batch.root.end(), head.root.begin());
  head.time_ms = batch.time_ms;
  std::copy(batch.signature.begin(), batch.signature.end(), head.signature.begin());
  return head;
}

}  // namespace

// ---------------------------------------------------------------------------------
// BatchBuilder

ByteWriter BatchBuilder::begin_event() {
  LC_ASSERT(open_event_offset_ == SIZE_MAX);  // events do not nest
  LC_ASSERT(event_count_ < kBatchEventCountMax);
  open_event_offset_ = blob_.size();
  // Reserve the header now and patch it in end_event(): the engine writes the event
  // bytes straight after it, so nothing is moved or copied.
  blob_.resize(blob_.size() + kEventHeaderSize);
  return ByteWriter(blob_);
}

void BatchBuilder::end_event() {
  LC_ASSERT(open_event_offset_ != SIZE_MAX);
  LC_ASSERT(blob_.size() >= open_event_offset_ + kEventHeaderSize);
  size_t data_offset = open_event_offset_ + kEventHeaderSize;
  size_t length = blob_.size() - data_offset;
  LC_ASSERT(length <= kEventLengthMax);
  uint32_t crc = crc32c(std::span<const uint8_t>(blob_.data() + data_offset, length));
  store_fixed32(blob_.data() + open_event_offset_, static_cast<uint32_t>(length));
  store_fixed32(blob_.data() + open_event_offset_ + 4, crc);
  open_event_offset_ = SIZE_MAX;
  event_count_ += 1;
}

void BatchBuilder::abandon_event() {
  LC_ASSERT(open_event_offset_ != SIZE_MAX);
  LC_ASSERT(open_event_offset_ <= blob_.size());
  blob_.resize(open_event_offset_);  // keeps capacity: no reallocation next time
  open_event_offset_ = SIZE_MAX;
}

void BatchBuilder::clear() {
  blob_.clear();
  event_count_ = 0;
  open_event_offset_ = SIZE_MAX;
  LC_ASSERT(blob_.empty());
}

Result<void> for_each_framed_event(
    std::span<const uint8_t> blob, uint32_t event_count,
    const std::function<void(uint32_t index, std::span<const uint8_t> data)>& visit) {
  ByteReader reader(blob);
  for (uint32_t index = 0; index < event_count; ++index) {
    uint32_t length = reader.get_fixed32();
    uint32_t crc = reader.get_fixed32();
    if (!reader.ok()) return std::unexpected(frame_error(index, event_count, "truncated header"));
    if (length > kEventLengthMax) {
      return std::unexpected(frame_error(index, event_count, "length beyond kEventLengthMax"));
    }
    std::span<const uint8_t> data = reader.get_bytes(length);
    if (!reader.ok()) return std::unexpected(frame_error(index, event_count, "truncated data"));
    if (crc32c(data) != crc) {
      return std::unexpected(frame_error(index, event_count, "crc32c mismatch"));
    }
    visit(index, data);
  }
  if (!reader.at_end()) {
    return std::unexpected(frame_error(event_count, event_count, "bytes after the last event"));
  }
  return {};
}

Bytes tree_head_message(uint64_t tree_size, const Hash& root, TimeMs time_ms) {
  Bytes message;
  message.reserve(kTreeHeadDomain.size() + 8 + root.size() + 8);
  ByteWriter writer(message);
  writer.put_bytes(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(kTreeHeadDomain.data()), kTreeHeadDomain.size()));
  writer.put_fixed64(tree_size);
  writer.put_bytes(root);
  writer.put_fixed64(static_cast<uint64_t>(time_ms));
  LC_ASSERT(message.size() == kTreeHeadDomain.size() + 48);
  return message;
}

// ---------------------------------------------------------------------------------
// Journal

Journal::Journal(JournalStorage& storage, std::optional<Signer> signer)
    : storage_(storage), signer_(std::move(signer)) {
  last_head_.root = empty_tree_hash();
}

Result<std::unique_ptr<Journal>> Journal::open(JournalStorage& storage,
                                               std::optional<Signer> signer) {
  auto last = storage.last_batch();
  if (!last) return std::unexpected(last.error());
  std::unique_ptr<Journal> journal(new Journal(storage, std::move(signer)));
  if (!last->has_value()) {
    LC_ASSERT(journal->range_.size() == 0 && journal->last_batch_id_ == 0);
    return journal;
  }
  const StoredBatch& batch = **last;
  auto range = CompactRange::deserialize(batch.frontier);
  if (!range) return std::unexpected(range.error());
  auto head = head_of(batch);
  if (!head) return std::unexpected(head.error());
  // The right edge must describe exactly the signed head; otherwise appends would
  // extend a tree other than the one published.
  if (range->size() != batch.tree_size || batch.first_seq + batch.event_count != batch.tree_size ||
      range->root() != head->root) {
    return fail(ErrorCode::corruption, "frontier",
                "last batch " + std::to_string(batch.batch_id) +
                    ": frontier does not match its signed tree head");
  }
  // A different key would silently start a second signing identity mid-journal.
  if (journal->signer_ &&
      !verify_signature(journal->signer_->public_key(),
                        tree_head_message(head->tree_size, head->root, head->time_ms),
                        head->signature)) {
    return fail(ErrorCode::corruption, "signing_key",
                "the signing key did not sign the journal's last tree head");
  }
  journal->range_ = std::move(*range);
  journal->last_head_ = *head;
  journal->last_batch_id_ = batch.batch_id;
  LC_ASSERT(journal->range_.size() == journal->last_head_.tree_size);
  LC_ASSERT(journal->range_.root() == journal->last_head_.root);
  return journal;
}

Result<TreeHead> Journal::append(const BatchBuilder& batch, TimeMs time_ms) {
  if (!signer_)
    return fail(ErrorCode::invalid_state, "signer", "journal opened without a signing key");
  LC_ASSERT(batch.event_count() > 0);
  LC_ASSERT(range_.size() == last_head_.tree_size);
  // Work on a copy (O(log n) hashes) so a failed store leaves the tree untouched.
  CompactRange range = range_;
  auto framed = for_each_framed_event(
      batch.blob(), batch.event_count(),
      [&range](uint32_t, std::span<const uint8_t> data) { range.append(leaf_hash(data)); });
  LC_ASSERT(framed.has_value());  // BatchBuilder only produces well-formed frames
  LC_ASSERT(range.size() == range_.size() + batch.event_count());

  TreeHead head{range.size(), range.root(), time_ms, {}};
  head.signature = signer_->sign(tree_head_message(head.tree_size, head.root, head.time_ms));
  StoredBatch stored;
  stored.batch_id = last_batch_id_ + 1;
  stored.first_seq = range_.size();
  stored.event_count = batch.event_count();
  stored.events = batch.blob();
  stored.tree_size = head.tree_size;
  stored.root.assign(head.root.begin(), head.root.end());
  stored.time_ms = time_ms;
  stored.signature.assign(head.signature.begin(), head.signature.end());
  stored.frontier = range.serialize();
  auto appended = storage_.append_batch(stored);
  if (!appended) return std::unexpected(appended.error());

  range_ = std::move(range);
  last_head_ = head;
  last_batch_id_ = stored.batch_id;
  LC_ASSERT(range_.size() == last_head_.tree_size);
  return head;
}

Result<void> Journal::replay(
    uint64_t from_seq,
    const std::function<Result<void>(uint64_t seq, std::span<const uint8_t> data)>& visit) {
  std::optional<uint64_t> next_seq;  // expected first_seq of the next batch
  return storage_.scan_batches(from_seq, [&](const StoredBatch& batch) -> Result<void> {
    if ((next_seq && batch.first_seq != *next_seq) ||
        batch.first_seq + batch.event_count != batch.tree_size) {
      return fail(ErrorCode::corruption, "seq",
                  "batch " + std::to_string(batch.batch_id) + " does not continue the sequence");
    }
    next_seq = batch.tree_size;
    Result<void> visited;
    uint32_t framed_count = 0;
    auto framed = for_each_framed_event(batch.events, batch.event_count,
                                        [&](uint32_t index, std::span<const uint8_t> data) {
                                          framed_count += 1;
                                          uint64_t seq = batch.first_seq + index;
                                          // The framing walk cannot stop early: after a visitor
                                          // error, skip the rest.
                                          if (!visited || seq < from_seq) return;
                                          visited = visit(seq, data);
                                        });
    if (!visited) return visited;  // it happened before any framing error
    if (!framed) {
      return fail(
          ErrorCode::corruption, "seq",
          "seq " + std::to_string(batch.first_seq + framed_count) + ": " + framed.error().detail);
    }
    return {};
  });
}

Result<Bytes> Journal::event(uint64_t seq) {
  auto batch = storage_.batch_containing(seq);
  if (!batch) return std::unexpected(batch.error());
  if (!batch->has_value()) {
    return fail(ErrorCode::not_found, "seq", "seq " + std::to_string(seq) + " is beyond the end");
  }
  const StoredBatch& stored = **batch;
  LC_ASSERT(stored.first_seq <= seq);
  uint64_t index_wanted = seq - stored.first_seq;
  Bytes out;
  bool found = false;
  auto framed = for_each_framed_event(stored.events, stored.event_count,
                                      [&](uint32_t index, std::span<const uint8_t> data) {
                                        if (index != index_wanted) return;
                                        out.assign(data.begin(), data.end());
                                        found = true;
                                      });
  if (!framed) return std::unexpected(framed.error());
  if (!found) {
    return fail(
        ErrorCode::corruption, "seq",
        "batch " + std::to_string(stored.batch_id) + " does not hold seq " + std::to_string(seq));
  }
  return out;
}

Result<std::vector<Hash>> Journal::leaf_hashes(uint64_t count) {
  LC_ASSERT(count <= range_.size());
  std::vector<Hash> leaves;
  leaves.reserve(count);
  auto scanned = storage_.scan_batches(0, [&](const StoredBatch& batch) -> Result<void> {
    if (leaves.size() >= count) return {};  // past the wanted prefix
    if (batch.first_seq != leaves.size()) {
      return fail(ErrorCode::corruption, "seq",
                  "batch " + std::to_string(batch.batch_id) + " does not continue the sequence");
    }
    return for_each_framed_event(batch.events, batch.event_count,
                                 [&](uint32_t, std::span<const uint8_t> data) {
                                   if (leaves.size() < count) leaves.push_back(leaf_hash(data));
                                 });
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (leaves.size() != count) {
    return fail(ErrorCode::corruption, "seq", "storage holds fewer events than the tree head");
  }
  return leaves;
}

Result<std::vector<Hash>> Journal::inclusion_proof(uint64_t seq, uint64_t tree_size) {
  if (tree_size > range_.size()) {
    return fail(ErrorCode::invalid_argument, "tree_size",
                "tree size " + std::to_string(tree_size) + " is beyond the journal's " +
                    std::to_string(range_.size()));
  }
  if (seq >= tree_size) {
    return fail(
        ErrorCode::invalid_argument, "seq",
        "seq " + std::to_string(seq) + " is not below tree size " + std::to_string(tree_size));
  }
  auto leaves = leaf_hashes(tree_size);
  if (!leaves) return std::unexpected(leaves.error());
  return journal::inclusion_proof(*leaves, seq, tree_size);
}

Result<std::vector<Hash>> Journal::consistency_proof(uint64_t old_size, uint64_t new_size) {
  if (new_size > range_.size()) {
    return fail(ErrorCode::invalid_argument, "new_size",
                "tree size " + std::to_string(new_size) + " is beyond the journal's " +
                    std::to_string(range_.size()));
  }
  if (old_size == 0 || old_size > new_size) {
    return fail(ErrorCode::invalid_argument, "old_size", "needs 0 < old_size <= new_size");
  }
  auto leaves = leaf_hashes(new_size);
  if (!leaves) return std::unexpected(leaves.error());
  return journal::consistency_proof(*leaves, old_size, new_size);
}

Result<Hash> Journal::root_at(uint64_t tree_size) {
  if (tree_size > range_.size()) {
    return fail(ErrorCode::invalid_argument, "tree_size",
                "tree size " + std::to_string(tree_size) + " is beyond the journal's " +
                    std::to_string(range_.size()));
  }
  if (tree_size == range_.size()) return range_.root();
  auto leaves = leaf_hashes(tree_size);
  if (!leaves) return std::unexpected(leaves.error());
  Hash root = root_from_leaf_hashes(*leaves);
  LC_ASSERT(leaves->size() == tree_size);
  return root;
}

Result<void> Journal::put_snapshot(uint64_t next_seq, std::span<const uint8_t> state) {
  if (next_seq > range_.size()) {
    return fail(ErrorCode::invalid_argument, "next_seq",
                "snapshot at " + std::to_string(next_seq) + " is beyond the journal's " +
                    std::to_string(range_.size()) + " events");
  }
  StoredSnapshot snapshot;
  snapshot.next_seq = next_seq;
  snapshot.state.reserve(kSnapshotHeaderSize + state.size());
  ByteWriter writer(snapshot.state);
  writer.put_fixed32(snapshot_crc(next_seq, state));
  writer.put_bytes(state);
  LC_ASSERT(snapshot.state.size() == kSnapshotHeaderSize + state.size());
  return storage_.put_snapshot(snapshot);
}

Result<std::optional<StoredSnapshot>> Journal::latest_snapshot() {
  auto stored = storage_.latest_snapshot();
  if (!stored) return std::unexpected(stored.error());
  if (!stored->has_value()) return std::optional<StoredSnapshot>{};
  StoredSnapshot& snapshot = **stored;
  std::string where = "snapshot at " + std::to_string(snapshot.next_seq);
  if (snapshot.state.size() < kSnapshotHeaderSize) {
    return fail(ErrorCode::corruption, "snapshot", where + " is truncated");
  }
  ByteReader reader(snapshot.state);
  uint32_t crc_stored = reader.get_fixed32();
  std::span<const uint8_t> state(snapshot.state.data() + kSnapshotHeaderSize,
                                 snapshot.state.size() - kSnapshotHeaderSize);
  if (snapshot_crc(snapshot.next_seq, state) != crc_stored) {
    return fail(ErrorCode::corruption, "snapshot", where + ": crc32c mismatch");
  }
  if (snapshot.next_seq > range_.size()) {
    return fail(ErrorCode::corruption, "snapshot", where + " is beyond the journal's end");
  }
  snapshot.state.erase(snapshot.state.begin(), snapshot.state.begin() + kSnapshotHeaderSize);
  return stored;
}

}  // namespace livechain::journal
