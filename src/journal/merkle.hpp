// src/journal/merkle.hpp
//
// RFC 6962 / RFC 9162 Merkle trees over SHA-256:
//   leaf hash  = SHA-256(0x00 || leaf data)
//   node hash  = SHA-256(0x01 || left || right)
//   empty tree = SHA-256("")
// The split point for n leaves is the largest power of two strictly below n.
// Everything here is pure computation over caller-provided leaf hashes: no I/O,
// no recursion (TIGER_STYLE), thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace livechain::journal {

using Hash = std::array<uint8_t, 32>;

Hash sha256(std::span<const uint8_t> data);
Hash leaf_hash(std::span<const uint8_t> leaf_data);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_tree_hash();

// Root of the tree whose leaf hashes are `leaf_hashes` (empty span → empty_tree_hash()).
Hash root_from_leaf_hashes(std::span<const Hash> leaf_hashes);

// Audit path for leaf `index` in the tree of the first `tree_size` leaf hashes, in
// RFC 9162 §2.1.3.1 order (from the leaf upwards).
// Errors: invalid_argument (field "index") unless index < tree_size <= leaf_hashes.size().
Result<std::vector<Hash>> inclusion_proof(std::span<const Hash> leaf_hashes, uint64_t index,
                                          uint64_t tree_size);

// Consistency proof from `old_size` to `new_size` (RFC 9162 §2.1.4.1).
// Errors: invalid_argument (field "old_size") unless 0 < old_size <= new_size <=
// leaf_hashes.size(). old_size == new_size yields an empty proof.
Result<std::vector<Hash>> consistency_proof(std::span<const Hash> leaf_hashes, uint64_t old_size,
                                            uint64_t new_size);

// RFC 9162 §2.1.3.2. True iff `proof` proves `leaf` (a leaf *hash*) at `index` in a
// tree of `tree_size` with root `root`. Rejects index >= tree_size and any surplus
// proof elements.
bool verify_inclusion(uint64_t index, uint64_t tree_size, const Hash& leaf,
                      std::span<const Hash> proof, const Hash& root);

// RFC 9162 §2.1.4.2. old_size == 0 is always rejected; old_size == new_size needs an
// empty proof and equal roots; surplus proof elements are rejected.
bool verify_consistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                        const Hash& new_root, std::span<const Hash> proof);

// The right edge of an append-only tree: one hash per set bit of size(), largest
// subtree first. Appending a leaf costs amortised O(1) node hashes and root() costs
// O(log n), so the journal never re-reads old leaves to extend the tree.
class CompactRange {
 public:
  CompactRange() = default;
  // Rebuilds a range from its serialised form (see serialize()).
  // Errors: corruption when the bytes are malformed or the hash count does not
  // match the number of set bits in the encoded size.
  static Result<CompactRange> deserialize(std::span<const uint8_t> bytes);

  void append(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  Hash root() const;        // empty_tree_hash() when size() == 0
  Bytes serialize() const;  // fixed64 size, then 32 bytes per hash

 private:
  uint64_t size_ = 0;
  std::vector<Hash> hashes_;  // perfect-subtree roots, largest (leftmost) first
};

}  // namespace livechain::journal
