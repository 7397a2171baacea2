#include "core/bytes.hpp"

#include <array>
#include <cstring>

namespace livechain {

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int high = hex_value(hex[2 * i]);
    int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return out;
}

namespace {
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr auto kCrc32cTable = make_crc32c_table();

__attribute__((target("sse4.2"))) uint32_t crc32c_hardware(std::span<const uint8_t> bytes,
                                                           uint32_t crc) {
  size_t i = 0;
  uint64_t crc64 = crc;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    __builtin_memcpy(&word, bytes.data() + i, 8);
    crc64 = __builtin_ia32_crc32di(crc64, word);
  }
  crc = static_cast<uint32_t>(crc64);
  for (; i < bytes.size(); ++i) crc = __builtin_ia32_crc32qi(crc, bytes[i]);
  return crc;
}
}  // namespace

uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t seed) {
  uint32_t crc = ~seed;
  if (__builtin_cpu_supports("sse4.2")) {
    crc = crc32c_hardware(bytes, crc);
  } else {
    for (uint8_t byte : bytes) crc = kCrc32cTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  }
  return ~crc;
}

void ByteWriter::put_fixed32(uint32_t value) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void ByteWriter::put_fixed64(uint64_t value) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void ByteWriter::put_signed_varint(int64_t value) {
  put_varint((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
}

void ByteWriter::put_string(std::string_view value) {
  put_varint(value.size());
  size_t offset = out_.size();
  out_.resize(offset + value.size());
  if (!value.empty()) std::memcpy(out_.data() + offset, value.data(), value.size());
}

uint8_t ByteReader::get_u8() {
  if (!ok_ || position_ >= in_.size()) {
    ok_ = false;
    return 0;
  }
  return in_[position_++];
}

uint32_t ByteReader::get_fixed32() {
  auto bytes = get_bytes(4);
  if (!ok_) return 0;
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(bytes[i]) << (8 * i);
  return value;
}

uint64_t ByteReader::get_fixed64() {
  auto bytes = get_bytes(8);
  if (!ok_) return 0;
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return value;
}

uint64_t ByteReader::get_varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t byte = get_u8();
    if (!ok_) return 0;
    // The 10th byte may carry only bit 63: anything more would overflow, and two byte
    // strings decoding to one value would break canonical encoding.
    if (shift == 63 && byte > 1) break;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  ok_ = false;  // more than 10 bytes or overflow: not a valid varint
  return 0;
}

int64_t ByteReader::get_signed_varint() {
  uint64_t raw = get_varint();
  return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

std::string ByteReader::get_string(size_t length_max) {
  uint64_t length = get_varint();
  if (!ok_ || length > length_max) {
    ok_ = false;
    return {};
  }
  auto bytes = get_bytes(length);
  return ok_ ? std::string(bytes.begin(), bytes.end()) : std::string{};
}

std::span<const uint8_t> ByteReader::get_bytes(size_t length) {
  if (!ok_ || in_.size() - position_ < length) {
    ok_ = false;
    return {};
  }
  auto out = in_.subspan(position_, length);
  position_ += length;
  return out;
}

}  // namespace livechain
