// src/core/bytes.hpp
//
// Byte encoding helpers shared by the event codec and the journal: lowercase hex,
// LEB128 varints, little-endian fixed-width integers and CRC-32C. The reader never
// reads past its buffer: every get_* reports truncation through ok().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace livechain {

using Bytes = std::vector<uint8_t>;

std::string to_hex(std::span<const uint8_t> bytes);
// Returns nullopt unless `hex` has even length and only [0-9a-fA-F].
std::optional<Bytes> from_hex(std::string_view hex);

// FNV-1a 64 of `bytes`, continuing from `hash` (chain calls to hash several parts):
// request fingerprints for idempotency keys. Not for integrity (use crc32c or SHA-256).
inline constexpr uint64_t kFnv1aOffset64 = 0xcbf29ce484222325ull;
inline uint64_t fnv1a_64(std::string_view bytes, uint64_t hash = kFnv1aOffset64) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

// CRC-32C (Castagnoli), as used by LevelDB and iSCSI.
uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t seed = 0);

// Appends encodings to a caller-owned buffer (no allocation beyond its growth).
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void put_u8(uint8_t value) { out_.push_back(value); }
  void put_fixed32(uint32_t value);
  void put_fixed64(uint64_t value);
  void put_varint(uint64_t value) {
    // Inline push_back per byte: the capacity check is one compare, and events are
    // mostly one-byte varints.
    while (value >= 0x80) {
      out_.push_back(static_cast<uint8_t>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(value));
  }
  void put_signed_varint(int64_t value);    // zig-zag
  void put_string(std::string_view value);  // varint length + bytes
  void put_bytes(std::span<const uint8_t> value) {
    out_.insert(out_.end(), value.begin(), value.end());
  }

 private:
  Bytes& out_;
};

// Reads encodings from a borrowed buffer. After any failed read ok() is false and
// every later read returns zero values; callers check ok() once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t get_u8();
  uint32_t get_fixed32();
  uint64_t get_fixed64();
  uint64_t get_varint();
  int64_t get_signed_varint();
  std::string get_string(size_t length_max);
  std::span<const uint8_t> get_bytes(size_t length);
  bool ok() const { return ok_; }
  bool at_end() const { return position_ == in_.size(); }
  size_t position() const { return position_; }

 private:
  std::span<const uint8_t> in_;
  size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace livechain
