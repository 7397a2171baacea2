// Byte encodings shared by the event codec and the journal: hex, little-endian fixed
// integers, LEB128 varints, zig-zag, length-prefixed strings and CRC-32C. Every
// reader test also checks the truncation contract: a failed read sets ok() to false
// and every later read returns zero values.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "core/bytes.hpp"

namespace livechain {
namespace {

Bytes bytes_of(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

uint64_t test_seed() {
  const char* text = std::getenv("LIVECHAIN_SEED");
  uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

// Bitwise CRC-32C, independent of the table and SSE4.2 paths under test.
uint32_t crc32c_reference(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xffffffffu;
  for (uint8_t byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

TEST(Hex, EncodesLowercase) {
  Bytes bytes = {0x00, 0x01, 0xab, 0xff, 0x7f};
  EXPECT_EQ(to_hex(bytes), "0001abff7f");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Hex, DecodesBothCasesAndRoundTrips) {
  EXPECT_EQ(from_hex("0001ABff7F"), (Bytes{0x00, 0x01, 0xab, 0xff, 0x7f}));
  EXPECT_EQ(from_hex(""), Bytes{});
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(from_hex(to_hex(all)), all);
}

TEST(Hex, RejectsOddLengthAndNonHexCharacters) {
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("0g").has_value());
  EXPECT_FALSE(from_hex("g0").has_value());
  EXPECT_FALSE(from_hex("0x12").has_value());
  EXPECT_FALSE(from_hex("12 3").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
}

TEST(Crc32c, KnownAnswers) {
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(Bytes{}), 0u);
  // RFC 3720 (iSCSI) B.4 test vectors: 32 bytes of zeros and of 0xff.
  EXPECT_EQ(crc32c(Bytes(32, 0x00)), 0x8A9136AAu);
  EXPECT_EQ(crc32c(Bytes(32, 0xff)), 0x62A8AB43u);
  Bytes ascending(32);
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32c, SeedChainsAcrossPieces) {
  Bytes whole = bytes_of("livechain journal frame payload");
  for (size_t split = 0; split <= whole.size(); ++split) {
    std::span<const uint8_t> all(whole);
    uint32_t first = crc32c(all.subspan(0, split));
    EXPECT_EQ(crc32c(all.subspan(split), first), crc32c(all)) << "split at " << split;
  }
}

TEST(Crc32c, MatchesBitwiseReferenceOnRandomData) {
  uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  for (int round = 0; round < 200; ++round) {
    Bytes data(random() % 300);
    for (uint8_t& byte : data) byte = static_cast<uint8_t>(random());
    ASSERT_EQ(crc32c(data), crc32c_reference(data))
        << "length " << data.size() << "; reproduce with LIVECHAIN_SEED=" << seed;
  }
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  Bytes data = bytes_of("123456789");
  uint32_t good = crc32c(data);
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_NE(crc32c(data), good);
      data[i] ^= static_cast<uint8_t>(1 << bit);
    }
  }
}

TEST(Fixed, LittleEndianLayoutAndRoundTrip) {
  Bytes out;
  ByteWriter writer(out);
  writer.put_fixed32(0x04030201u);
  writer.put_fixed64(0x0807060504030201ull);
  EXPECT_EQ(out, (Bytes{1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8}));
  ByteReader reader(out);
  EXPECT_EQ(reader.get_fixed32(), 0x04030201u);
  EXPECT_EQ(reader.get_fixed64(), 0x0807060504030201ull);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.at_end());
}

TEST(Fixed, TruncatedReadsFail) {
  Bytes three = {1, 2, 3};
  ByteReader reader(three);
  EXPECT_EQ(reader.get_fixed32(), 0u);
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.position(), 0u);  // nothing consumed by a failed read
  Bytes seven = {1, 2, 3, 4, 5, 6, 7};
  ByteReader reader64(seven);
  EXPECT_EQ(reader64.get_fixed64(), 0u);
  EXPECT_FALSE(reader64.ok());
}

TEST(Varint, EncodingsAtEachByteBoundary) {
  struct Case {
    uint64_t value;
    size_t length;
  };
  for (const Case& c :
       {Case{0, 1}, Case{1, 1}, Case{127, 1}, Case{128, 2}, Case{16383, 2}, Case{16384, 3},
        Case{(1ull << 21) - 1, 3}, Case{1ull << 21, 4}, Case{(1ull << 63) - 1, 9},
        Case{1ull << 63, 10}, Case{std::numeric_limits<uint64_t>::max(), 10}}) {
    Bytes out;
    ByteWriter(out).put_varint(c.value);
    EXPECT_EQ(out.size(), c.length) << c.value;
    ByteReader reader(out);
    EXPECT_EQ(reader.get_varint(), c.value);
    EXPECT_TRUE(reader.ok());
    EXPECT_TRUE(reader.at_end());
  }
}

TEST(Varint, KnownBytes) {
  Bytes out;
  ByteWriter(out).put_varint(300);
  EXPECT_EQ(out, (Bytes{0xac, 0x02}));
}

TEST(Varint, EveryTruncationFails) {
  Bytes out;
  ByteWriter(out).put_varint(std::numeric_limits<uint64_t>::max());
  for (size_t length = 0; length < out.size(); ++length) {
    ByteReader reader(std::span<const uint8_t>(out).subspan(0, length));
    EXPECT_EQ(reader.get_varint(), 0u);
    EXPECT_FALSE(reader.ok()) << "prefix of " << length << " bytes";
  }
}

TEST(Varint, MoreThanTenBytesIsInvalid) {
  Bytes eleven(10, 0x80);
  eleven.push_back(0x01);
  ByteReader reader(eleven);
  EXPECT_EQ(reader.get_varint(), 0u);
  EXPECT_FALSE(reader.ok());
}

TEST(Varint, TenthByteBeyondBit63IsInvalid) {
  // UINT64_MAX encodes as nine 0xff bytes and 0x01: the largest valid tenth byte.
  Bytes max_bytes(9, 0xff);
  max_bytes.push_back(0x01);
  ByteReader max_reader(max_bytes);
  EXPECT_EQ(max_reader.get_varint(), UINT64_MAX);
  EXPECT_TRUE(max_reader.ok());
  // A tenth byte of 0x02 would set bit 64: overflow, so the encoding is rejected
  // instead of silently aliasing another value.
  Bytes overflow_bytes(9, 0xff);
  overflow_bytes.push_back(0x02);
  ByteReader overflow_reader(overflow_bytes);
  EXPECT_EQ(overflow_reader.get_varint(), 0u);
  EXPECT_FALSE(overflow_reader.ok());
}

TEST(SignedVarint, ZigZagMapsSmallMagnitudesToSmallCodes) {
  struct Case {
    int64_t value;
    uint64_t zigzag;
  };
  for (const Case& c :
       {Case{0, 0}, Case{-1, 1}, Case{1, 2}, Case{-2, 3}, Case{2, 4}, Case{-64, 127}, Case{64, 128},
        Case{std::numeric_limits<int64_t>::max(), UINT64_MAX - 1},
        Case{std::numeric_limits<int64_t>::min(), UINT64_MAX}}) {
    Bytes signed_out;
    ByteWriter(signed_out).put_signed_varint(c.value);
    Bytes unsigned_out;
    ByteWriter(unsigned_out).put_varint(c.zigzag);
    EXPECT_EQ(signed_out, unsigned_out) << c.value;
    ByteReader reader(signed_out);
    EXPECT_EQ(reader.get_signed_varint(), c.value);
    EXPECT_TRUE(reader.ok() && reader.at_end());
  }
}

TEST(SignedVarint, RandomRoundTrips) {
  uint64_t seed = test_seed();
  std::mt19937_64 random(seed);
  Bytes out;
  ByteWriter writer(out);
  std::vector<int64_t> values;
  for (int i = 0; i < 2000; ++i) {
    // Mix magnitudes so every encoded length occurs.
    int64_t value = static_cast<int64_t>(random()) >> (random() % 64);
    values.push_back(value);
    writer.put_signed_varint(value);
  }
  ByteReader reader(out);
  for (int64_t value : values) {
    ASSERT_EQ(reader.get_signed_varint(), value) << "reproduce with LIVECHAIN_SEED=" << seed;
  }
  EXPECT_TRUE(reader.ok() && reader.at_end());
}

TEST(String, RoundTripWithLengthPrefix) {
  Bytes out;
  ByteWriter writer(out);
  writer.put_string("DC-1");
  writer.put_string("");
  writer.put_string(std::string(200, 'x'));
  EXPECT_EQ(out[0], 4);
  ByteReader reader(out);
  EXPECT_EQ(reader.get_string(4), "DC-1");
  EXPECT_EQ(reader.get_string(0), "");
  EXPECT_EQ(reader.get_string(200), std::string(200, 'x'));
  EXPECT_TRUE(reader.ok() && reader.at_end());
}

TEST(String, LongerThanTheCallersLimitFails) {
  Bytes out;
  ByteWriter(out).put_string("abcde");
  ByteReader reader(out);
  EXPECT_EQ(reader.get_string(4), "");
  EXPECT_FALSE(reader.ok());
}

TEST(String, TruncatedBodyOrLengthFails) {
  Bytes out;
  ByteWriter(out).put_string("abcdef");
  for (size_t length = 0; length < out.size(); ++length) {
    ByteReader reader(std::span<const uint8_t>(out).subspan(0, length));
    EXPECT_EQ(reader.get_string(100), "");
    EXPECT_FALSE(reader.ok()) << "prefix of " << length << " bytes";
  }
}

TEST(Bytes, GetBytesBoundsAndPutBytes) {
  Bytes out;
  ByteWriter writer(out);
  writer.put_u8(9);
  writer.put_bytes(Bytes{1, 2, 3});
  EXPECT_EQ(out, (Bytes{9, 1, 2, 3}));
  ByteReader reader(out);
  EXPECT_EQ(reader.get_u8(), 9);
  auto three = reader.get_bytes(3);
  EXPECT_EQ(Bytes(three.begin(), three.end()), (Bytes{1, 2, 3}));
  EXPECT_TRUE(reader.at_end());
  EXPECT_TRUE(reader.get_bytes(0).empty());
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.get_bytes(1).empty());
  EXPECT_FALSE(reader.ok());
}

TEST(Reader, AfterAFailureEveryReadReturnsZeroAndStaysFailed) {
  Bytes out;
  ByteWriter writer(out);
  writer.put_u8(7);
  writer.put_varint(1000);
  writer.put_string("abc");
  ByteReader reader(std::span<const uint8_t>(out).subspan(0, 1));
  EXPECT_EQ(reader.get_u8(), 7);
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.get_varint(), 0u);
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.get_u8(), 0);
  EXPECT_EQ(reader.get_fixed32(), 0u);
  EXPECT_EQ(reader.get_fixed64(), 0u);
  EXPECT_EQ(reader.get_signed_varint(), 0);
  EXPECT_EQ(reader.get_string(10), "");
  EXPECT_TRUE(reader.get_bytes(0).empty());
  EXPECT_FALSE(reader.ok());
}

TEST(Reader, EmptyInput) {
  ByteReader reader(std::span<const uint8_t>{});
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(reader.get_u8(), 0);
  EXPECT_FALSE(reader.ok());
}

}  // namespace
}  // namespace livechain
