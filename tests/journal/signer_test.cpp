// Tests of Ed25519 key files and signatures (journal/signer.hpp).
#include "journal/signer.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "support/temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace livechain::journal {
namespace {

using livechain::test_support::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(SignerTest, CreateThenLoadRoundTrip) {
  TempDir dir;
  std::string path = dir.file("ledger.db.signing-key");
  auto created = Signer::create(path);
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  auto loaded = Signer::load(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  EXPECT_EQ(created->public_key(), loaded->public_key());
  EXPECT_NE(created->public_key(), PublicKey{});
  EXPECT_NE(read_text(path).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);

  auto message = as_bytes("tree head");
  Signature signature = created->sign(message);
  // Ed25519 is deterministic: the reloaded key signs identically.
  EXPECT_EQ(signature, loaded->sign(message));
  EXPECT_TRUE(verify_signature(loaded->public_key(), message, signature));
}

TEST(SignerTest, KeyFileHasMode0600) {
  TempDir dir;
  std::string path = dir.file("key.pem");
  ASSERT_TRUE(Signer::create(path).has_value());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST(SignerTest, NeverOverwrites) {
  TempDir dir;
  std::string path = dir.file("key.pem");
  auto first = Signer::create(path);
  ASSERT_TRUE(first.has_value());
  std::string before = read_text(path);
  auto second = Signer::create(path);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::already_exists);
  EXPECT_EQ(read_text(path), before);
  EXPECT_EQ(Signer::load(path)->public_key(), first->public_key());

  // Any existing file counts, even an empty one.
  std::string empty = dir.file("empty");
  std::ofstream(empty).close();
  EXPECT_EQ(Signer::create(empty).error().code, ErrorCode::already_exists);
}

TEST(SignerTest, TamperedMessageSignatureOrKeyFails) {
  TempDir dir;
  auto signer = Signer::create(dir.file("a.pem"));
  auto other = Signer::create(dir.file("b.pem"));
  ASSERT_TRUE(signer.has_value() && other.has_value());
  std::string text = "livechain-tree-head-v1 example";
  Signature signature = signer->sign(as_bytes(text));
  ASSERT_TRUE(verify_signature(signer->public_key(), as_bytes(text), signature));

  std::string changed = text;
  changed[3] ^= 0x01;
  EXPECT_FALSE(verify_signature(signer->public_key(), as_bytes(changed), signature));
  Signature bad = signature;
  bad[40] ^= 0x01;
  EXPECT_FALSE(verify_signature(signer->public_key(), as_bytes(text), bad));
  EXPECT_FALSE(verify_signature(other->public_key(), as_bytes(text), signature));
  EXPECT_FALSE(verify_signature(PublicKey{}, as_bytes(text), signature));
}

TEST(SignerTest, LoadErrors) {
  TempDir dir;
  auto missing = Signer::load(dir.file("missing.pem"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);

  std::string garbage = dir.file("garbage.pem");
  std::ofstream(garbage) << "not a key\n";
  EXPECT_EQ(Signer::load(garbage).error().code, ErrorCode::corruption);

  // A valid PEM private key of another algorithm is rejected too.
  std::string ec_path = dir.file("ec.pem");
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  FILE* file = std::fopen(ec_path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(PEM_write_PrivateKey(file, ec, nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(file);
  EVP_PKEY_free(ec);
  auto loaded = Signer::load(ec_path);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::corruption);
  EXPECT_NE(loaded.error().detail.find("Ed25519"), std::string::npos);
}

TEST(SignerTest, MovedSignerKeepsItsKey) {
  TempDir dir;
  auto created = Signer::create(dir.file("key.pem"));
  ASSERT_TRUE(created.has_value());
  PublicKey key = created->public_key();
  Signer moved = std::move(*created);
  EXPECT_EQ(moved.public_key(), key);
}

}  // namespace
}  // namespace livechain::journal
