// tests/cli/ledger_cli_test.cpp
//
// Runs the real `livechain ledger …` binary (LIVECHAIN_BINARY) against a database made
// with `livechain init` and a few `location put` commands (one event per batch), and
// checks stdout, stderr and exit codes. Proofs printed by the CLI are re-checked
// in-process with merkle.hpp's verifiers.
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "journal/journal.hpp"
#include "journal/merkle.hpp"

namespace livechain {
namespace {

using Output = livechain::test_support::RunResult;

class LedgerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/livechain-ledger-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    db_ = dir_ + "/ledger.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs livechain with `args` and `input` on stdin; stdin, stdout and stderr go
  // through files in the temp dir.
  Output run(const std::vector<std::string>& args, const std::string& input = "") {
    return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir_, input);
  }

  // `livechain init` then `count` location puts: `count` events in `count` batches.
  void make_journal(int count) {
    ASSERT_EQ(run({"init", "--db", db_}).exit_code, 0);
    for (int i = 0; i < count; ++i) {
      Output put = run({"location", "put", "--db", db_, "--id", "L" + std::to_string(i), "--kind",
                        "dc", "--region", "north"});
      ASSERT_EQ(put.exit_code, 0) << put.err;
    }
  }

  std::string dir_;
  std::string db_;
};

// The value after "label " on its own line of `text`.
std::string field(const std::string& text, const std::string& label) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(label + " ", 0) == 0) return line.substr(label.size() + 1);
  }
  return "";
}

journal::Hash hash_of(const std::string& hex) {
  journal::Hash hash{};
  auto bytes = from_hex(hex);
  EXPECT_TRUE(bytes.has_value() && bytes->size() == hash.size()) << hex;
  if (bytes && bytes->size() == hash.size()) std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

// The hashes after the "proof (K hashes):" line.
std::vector<journal::Hash> proof_of(const std::string& text) {
  std::istringstream lines(text);
  std::vector<journal::Hash> proof;
  bool in_proof = false;
  for (std::string line; std::getline(lines, line);) {
    if (in_proof) proof.push_back(hash_of(line));
    if (line.rfind("proof (", 0) == 0) in_proof = true;
  }
  return proof;
}

TEST_F(LedgerCliTest, VerifyGoodJournal) {
  make_journal(5);
  Output verify = run({"ledger", "verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out.rfind("ok: 5 events in 5 batches, tree size 5, root ", 0), 0u) << verify.out;
  Output json = run({"--json", "ledger", "verify", "--db", db_});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"ok\":true"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"tree_size\":5"), std::string::npos) << json.out;
}

TEST_F(LedgerCliTest, RootPubkeyAndProofsAgree) {
  make_journal(6);
  Output root = run({"ledger", "root", "--db", db_});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  EXPECT_EQ(field(root.out, "tree size"), "6");
  std::string root_hex = field(root.out, "root");
  EXPECT_EQ(field(root.out, "signature").size(), 128u);

  Output prove = run({"ledger", "prove", "--db", db_, "--seq", "2"});
  ASSERT_EQ(prove.exit_code, 0) << prove.err;
  EXPECT_EQ(field(prove.out, "root"), root_hex);
  auto event = from_hex(field(prove.out, "event"));
  ASSERT_TRUE(event.has_value());
  journal::Hash leaf = journal::leaf_hash(*event);
  EXPECT_EQ(to_hex(leaf), field(prove.out, "leaf hash"));
  EXPECT_TRUE(journal::verify_inclusion(2, 6, leaf, proof_of(prove.out), hash_of(root_hex)));

  Output consistency = run({"ledger", "consistency", "--db", db_, "--from-size", "3"});
  ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
  EXPECT_EQ(field(consistency.out, "new root"), root_hex);
  EXPECT_TRUE(journal::verify_consistency(3, 6, hash_of(field(consistency.out, "old root")),
                                          hash_of(root_hex), proof_of(consistency.out)));

  Output pubkey = run({"ledger", "pubkey", "--db", db_});
  ASSERT_EQ(pubkey.exit_code, 0);
  EXPECT_EQ(pubkey.out.size(), 65u);  // 64 hex digits and a newline
  Output pem = run({"ledger", "pubkey", "--db", db_, "--pem"});
  EXPECT_EQ(pem.out.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u) << pem.out;
  Output json = run({"--json", "ledger", "pubkey", "--db", db_});
  EXPECT_NE(json.out.find("\"algorithm\":\"Ed25519\""), std::string::npos) << json.out;
}

TEST_F(LedgerCliTest, TamperedEventReportsItsSeq) {
  make_journal(5);
  // Batch 4 holds seq 3 (one event per batch); flip the last byte of its data.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE batches SET events = substr(events, 1, length(events) - 1) || "
                         "CASE WHEN substr(events, -1) = x'00' THEN x'01' ELSE x'00' END "
                         "WHERE batch_id = 4",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Output verify = run({"ledger", "verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_EQ(verify.out.rfind("FAILED at seq 3: ", 0), 0u) << verify.out;
}

TEST_F(LedgerCliTest, WrongPubkeyFailsAtSeqZero) {
  make_journal(2);
  Output verify = run({"ledger", "verify", "--db", db_, "--pubkey", std::string(64, 'a')});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_EQ(verify.out.rfind("FAILED at seq 0: ", 0), 0u) << verify.out;
  Output malformed = run({"ledger", "verify", "--db", db_, "--pubkey", "xyz"});
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_NE(malformed.err.find("(pubkey)"), std::string::npos) << malformed.err;
}

TEST_F(LedgerCliTest, ErrorsNameTheField) {
  Output missing = run({"ledger", "root", "--db", db_});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not_found (db)"), std::string::npos) << missing.err;
  make_journal(2);
  Output beyond = run({"ledger", "prove", "--db", db_, "--seq", "2"});
  EXPECT_EQ(beyond.exit_code, 1);
  EXPECT_NE(beyond.err.find("(seq)"), std::string::npos) << beyond.err;
  Output no_db = run({"ledger", "verify"});
  EXPECT_EQ(no_db.exit_code, 2);  // usage error: --db is required
}

// The hex lines after the "proof (K hashes):" line, as `livechain merkle verify-*` reads
// them on stdin.
std::string proof_lines(const std::string& text) {
  auto at = text.find("proof (");
  if (at == std::string::npos) return "";
  auto newline = text.find('\n', at);
  return newline == std::string::npos ? "" : text.substr(newline + 1);
}

// Replaces the first hex digit of a proof's first hash, so the proof no longer verifies.
std::string tamper_first_hash(std::string proof) {
  if (!proof.empty()) proof[0] = proof[0] == '0' ? '1' : '0';
  return proof;
}

// Every inclusion and consistency proof of a 7-event journal, checked by the offline
// `livechain merkle verify-*` tools (proof lines piped on stdin) and by merkle.hpp.
TEST_F(LedgerCliTest, ProofsVerifyWithTheMerkleCliAndTheLibrary) {
  constexpr uint64_t kEvents = 7;
  make_journal(kEvents);
  std::vector<std::string> roots(kEvents + 1);  // roots[n]: root of the first n events
  std::string events;                           // leaf data, one hex line per event
  for (uint64_t size = 1; size <= kEvents; ++size) {
    for (uint64_t seq = 0; seq < size; ++seq) {
      Output prove = run({"ledger", "prove", "--db", db_, "--seq", std::to_string(seq), "--size",
                          std::to_string(size)});
      ASSERT_EQ(prove.exit_code, 0) << prove.err;
      std::string root = field(prove.out, "root");
      std::string leaf = field(prove.out, "leaf hash");
      std::string proof = proof_lines(prove.out);
      if (seq == 0) roots[size] = root;
      EXPECT_EQ(root, roots[size]) << "seq " << seq << " size " << size;
      if (size == kEvents) events += field(prove.out, "event") + "\n";
      std::vector<std::string> check = {"merkle",      "verify-inclusion",
                                        "--index",     std::to_string(seq),
                                        "--size",      std::to_string(size),
                                        "--leaf-hash", leaf,
                                        "--root",      root};
      Output valid = run(check, proof);
      EXPECT_EQ(valid.exit_code, 0)
          << "seq " << seq << " size " << size << ": " << valid.out << valid.err;
      EXPECT_EQ(valid.out, "valid\n");
      EXPECT_TRUE(
          journal::verify_inclusion(seq, size, hash_of(leaf), proof_of(prove.out), hash_of(root)));
      if (!proof.empty()) {
        Output tampered = run(check, tamper_first_hash(proof));
        EXPECT_EQ(tampered.exit_code, 1) << "seq " << seq << " size " << size;
        EXPECT_EQ(tampered.out, "invalid\n");
      }
    }
  }
  // The leaves themselves rebuild the journal's root with the offline tool.
  Output root = run({"ledger", "root", "--db", db_});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  EXPECT_EQ(field(root.out, "root"), roots[kEvents]);
  Output offline_root = run({"merkle", "root"}, events);
  EXPECT_EQ(offline_root.exit_code, 0) << offline_root.err;
  EXPECT_EQ(offline_root.out, roots[kEvents] + "\n");
  Output inclusion_by_data =
      run({"merkle", "verify-inclusion", "--index", "0", "--size", std::to_string(kEvents),
           "--leaf-hex", events.substr(0, events.find('\n')), "--root", roots[kEvents]},
          proof_lines(run({"ledger", "prove", "--db", db_, "--seq", "0"}).out));
  EXPECT_EQ(inclusion_by_data.exit_code, 0) << inclusion_by_data.out << inclusion_by_data.err;

  for (uint64_t old_size = 1; old_size <= kEvents; ++old_size) {
    for (uint64_t new_size = old_size; new_size <= kEvents; ++new_size) {
      Output consistency = run({"ledger", "consistency", "--db", db_, "--from-size",
                                std::to_string(old_size), "--to-size", std::to_string(new_size)});
      ASSERT_EQ(consistency.exit_code, 0) << consistency.err;
      EXPECT_EQ(field(consistency.out, "old root"), roots[old_size]);
      EXPECT_EQ(field(consistency.out, "new root"), roots[new_size]);
      std::string proof = proof_lines(consistency.out);
      std::vector<std::string> check = {
          "merkle",     "verify-consistency", "--old-size", std::to_string(old_size),
          "--old-root", roots[old_size],      "--size",     std::to_string(new_size),
          "--root",     roots[new_size]};
      Output valid = run(check, proof);
      EXPECT_EQ(valid.exit_code, 0)
          << old_size << " -> " << new_size << ": " << valid.out << valid.err;
      EXPECT_TRUE(journal::verify_consistency(old_size, new_size, hash_of(roots[old_size]),
                                              hash_of(roots[new_size]), proof_of(consistency.out)));
      if (!proof.empty()) {
        EXPECT_EQ(run(check, tamper_first_hash(proof)).exit_code, 1)
            << old_size << " -> " << new_size;
      }
    }
  }
}

// The signed tree head printed by `ledger root` verifies under `ledger pubkey`, and
// `ledger verify --pubkey` accepts that key and rejects another database's real key.
TEST_F(LedgerCliTest, SignedHeadAndVerifyAgainstAnIndependentKey) {
  make_journal(3);
  Output pubkey = run({"ledger", "pubkey", "--db", db_});
  ASSERT_EQ(pubkey.exit_code, 0) << pubkey.err;
  std::string key_hex = pubkey.out.substr(0, pubkey.out.find('\n'));
  auto key_bytes = from_hex(key_hex);
  ASSERT_TRUE(key_bytes.has_value() && key_bytes->size() == 32) << pubkey.out;
  journal::PublicKey key{};
  std::copy(key_bytes->begin(), key_bytes->end(), key.begin());

  Output root = run({"ledger", "root", "--db", db_});
  ASSERT_EQ(root.exit_code, 0) << root.err;
  std::string time_text = field(root.out, "time_ms");
  TimeMs time_ms = std::stoll(time_text.substr(0, time_text.find(' ')));
  auto signature_bytes = from_hex(field(root.out, "signature"));
  ASSERT_TRUE(signature_bytes.has_value() && signature_bytes->size() == 64) << root.out;
  journal::Signature signature{};
  std::copy(signature_bytes->begin(), signature_bytes->end(), signature.begin());
  Bytes message = journal::tree_head_message(3, hash_of(field(root.out, "root")), time_ms);
  EXPECT_TRUE(journal::verify_signature(key, message, signature));
  message.back() ^= 0x01;
  EXPECT_FALSE(journal::verify_signature(key, message, signature));

  Output right = run({"ledger", "verify", "--db", db_, "--pubkey", key_hex});
  EXPECT_EQ(right.exit_code, 0) << right.out << right.err;
  std::string other_db = dir_ + "/other.db";
  ASSERT_EQ(run({"init", "--db", other_db}).exit_code, 0);
  Output other_key = run({"ledger", "pubkey", "--db", other_db});
  ASSERT_EQ(other_key.exit_code, 0) << other_key.err;
  ASSERT_NE(other_key.out, pubkey.out);
  Output wrong = run({"ledger", "verify", "--db", db_, "--pubkey",
                      other_key.out.substr(0, other_key.out.find('\n'))});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.out.rfind("FAILED at seq 0: ", 0), 0u) << wrong.out;
  EXPECT_NE(wrong.out.find("signature"), std::string::npos) << wrong.out;
}

}  // namespace
}  // namespace livechain
