// Tests of batch framing, the Journal over SQLite storage, proofs, snapshots and
// verify_journal. Random event contents come from one seeded generator; the seed is
// printed (SEED=…) and can be replayed with LIVECHAIN_TEST_SEED=….
#include "journal/journal.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>
#include <stdlib.h>
#include "support/temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace livechain::journal {
namespace {

uint64_t test_seed() {
  const char* text = std::getenv("LIVECHAIN_TEST_SEED");
  uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

using livechain::test_support::TempDir;

Bytes random_event(std::mt19937_64& rng, size_t size_max) {
  Bytes event(std::uniform_int_distribution<size_t>(0, size_max)(rng));
  for (uint8_t& byte : event) byte = static_cast<uint8_t>(rng());
  return event;
}

void add_event(BatchBuilder& builder, std::span<const uint8_t> data) {
  ByteWriter writer = builder.begin_event();
  writer.put_bytes(data);
  builder.end_event();
}

std::vector<Bytes> read_framed(const BatchBuilder& builder) {
  std::vector<Bytes> out;
  auto walked = for_each_framed_event(builder.blob(), builder.event_count(),
                                      [&](uint32_t index, std::span<const uint8_t> data) {
                                        EXPECT_EQ(index, out.size());
                                        out.emplace_back(data.begin(), data.end());
                                      });
  EXPECT_TRUE(walked.has_value()) << walked.error().to_string();
  return out;
}

// Offset of event `index`'s first data byte inside a framed blob.
size_t data_offset(const Bytes& blob, uint32_t index) {
  size_t offset = 0;
  for (uint32_t i = 0; i < index; ++i) {
    ByteReader reader(std::span<const uint8_t>(blob).subspan(offset));
    offset += 8 + reader.get_fixed32();
  }
  return offset + 8;
}

// Runs one SQL statement on the database file behind the journal's back, the way an
// attacker with write access to the file would.
void tamper(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// Reads one blob cell, e.g. ("batches", "events", "batch_id = 3").
Bytes read_cell(const std::string& db_path, const std::string& table, const std::string& column,
                const std::string& where) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::string sql = "SELECT " + column + " FROM " + table + " WHERE " + where;
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW);
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, 0));
  Bytes out(data, data + sqlite3_column_bytes(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return out;
}

void write_cell(const std::string& db_path, const std::string& table, const std::string& column,
                const std::string& where, const Bytes& value) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::string sql = "UPDATE " + table + " SET " + column + " = ? WHERE " + where;
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
  sqlite3_bind_blob(statement, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

Bytes read_batch_column(const std::string& db_path, uint64_t batch_id, const std::string& column) {
  return read_cell(db_path, "batches", column, "batch_id = " + std::to_string(batch_id));
}

// Flips one bit of byte `offset` of a blob cell.
void flip_cell_byte(const std::string& db_path, const std::string& table, const std::string& column,
                    const std::string& where, size_t offset) {
  Bytes value = read_cell(db_path, table, column, where);
  ASSERT_LT(offset, value.size());
  value[offset] ^= 0x01;
  write_cell(db_path, table, column, where, value);
}

void flip_byte(const std::string& db_path, uint64_t batch_id, const std::string& column,
               size_t offset) {
  flip_cell_byte(db_path, "batches", column, "batch_id = " + std::to_string(batch_id), offset);
}

// Unwraps a Result inside helpers that cannot use ASSERT_*; gtest reports the throw.
template <class T>
T must(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().to_string());
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

struct Written {
  std::vector<Bytes> events;
  std::vector<TreeHead> heads;       // one per batch, in order
  std::vector<uint64_t> first_seqs;  // one per batch
};

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { rng_.seed(test_seed()); }

  // Creates the database and signing key, then appends `batch_count` batches of
  // 1..events_max random events (0..80 bytes each).
  Written write_journal(int batch_count, int events_max) {
    auto storage = must(store::open_sqlite(db_, store::OpenMode::create), "create");
    Signer signer = must(Signer::create(key_), "signer");
    public_key_ = signer.public_key();
    auto journal = must(Journal::open(*storage, std::move(signer)), "open");
    Written written;
    BatchBuilder builder;
    for (int batch = 0; batch < batch_count; ++batch) {
      builder.clear();
      int count = std::uniform_int_distribution<int>(1, events_max)(rng_);
      for (int i = 0; i < count; ++i) {
        written.events.push_back(random_event(rng_, 80));
        add_event(builder, written.events.back());
      }
      written.first_seqs.push_back(journal->tree_size());
      written.heads.push_back(must(journal->append(builder, 1'700'000'000'000 + batch), "append"));
    }
    return written;
  }

  std::unique_ptr<JournalStorage> open_storage(store::OpenMode mode) {
    return must(store::open_sqlite(db_, mode), "open storage");
  }

  TempDir dir_;
  std::string db_ = dir_.file("ledger.db");
  std::string key_ = store::signing_key_path(db_);
  std::mt19937_64 rng_;
  PublicKey public_key_{};
};

// ---------------------------------------------------------------------------------
// Framing

TEST_F(JournalTest, FramingRoundTrip) {
  BatchBuilder builder;
  std::vector<Bytes> events;
  for (int i = 0; i < 500; ++i) {
    events.push_back(random_event(rng_, i % 50 == 0 ? 4000 : 60));
    add_event(builder, events.back());
  }
  ASSERT_EQ(builder.event_count(), 500u);
  EXPECT_EQ(read_framed(builder), events);
  // Framing per event: fixed32 length | fixed32 crc32c(data) | data.
  ByteReader reader(builder.blob());
  EXPECT_EQ(reader.get_fixed32(), events[0].size());
  EXPECT_EQ(reader.get_fixed32(), crc32c(events[0]));
  builder.clear();
  EXPECT_EQ(builder.event_count(), 0u);
  EXPECT_TRUE(builder.blob().empty());
}

TEST_F(JournalTest, AbandonEventLeavesNoTrace) {
  BatchBuilder builder;
  Bytes first = {1, 2, 3};
  Bytes third = {7, 8};
  add_event(builder, first);
  Bytes before = builder.blob();
  ByteWriter writer = builder.begin_event();
  writer.put_fixed64(0xdeadbeef);
  builder.abandon_event();
  EXPECT_EQ(builder.blob(), before);
  EXPECT_EQ(builder.event_count(), 1u);
  add_event(builder, third);
  EXPECT_EQ(read_framed(builder), (std::vector<Bytes>{first, third}));
}

TEST_F(JournalTest, FramingDetectsCorruptionAtTheRightIndex) {
  BatchBuilder builder;
  for (int i = 0; i < 20; ++i) add_event(builder, random_event(rng_, 40));
  uint32_t bad_index = std::uniform_int_distribution<uint32_t>(0, 19)(rng_);
  Bytes blob = builder.blob();
  if (builder.blob()[data_offset(blob, bad_index) - 8] == 0) {
    // An empty event has no data byte to flip; flip its CRC instead.
    blob[data_offset(blob, bad_index) - 4] ^= 0x80;
  } else {
    blob[data_offset(blob, bad_index)] ^= 0x80;
  }
  uint32_t visited = 0;
  auto walked = for_each_framed_event(blob, 20, [&](uint32_t, auto) { visited += 1; });
  ASSERT_FALSE(walked.has_value());
  EXPECT_EQ(walked.error().code, ErrorCode::corruption);
  EXPECT_EQ(visited, bad_index);
  EXPECT_NE(walked.error().detail.find("event index " + std::to_string(bad_index)),
            std::string::npos)
      << walked.error().detail;
}

TEST_F(JournalTest, FramingDetectsTruncationAndTrailingBytes) {
  BatchBuilder builder;
  for (int i = 0; i < 3; ++i) add_event(builder, Bytes(10, static_cast<uint8_t>(i)));
  Bytes blob = builder.blob();
  auto none = [](uint32_t, std::span<const uint8_t>) {};
  EXPECT_FALSE(for_each_framed_event(std::span(blob).first(blob.size() - 1), 3, none));
  EXPECT_FALSE(for_each_framed_event(blob, 4, none));  // claims one event too many
  EXPECT_FALSE(for_each_framed_event(blob, 2, none));  // leftover bytes
  blob[0] = 0xff;                                      // length far beyond the blob
  blob[3] = 0x7f;
  EXPECT_FALSE(for_each_framed_event(blob, 3, none));
}

TEST_F(JournalTest, TreeHeadMessageLayout) {
  Hash root{};
  root.fill(0xab);
  Bytes message = tree_head_message(0x0102, root, 0x0304);
  std::string domain = "livechain-tree-head-v1\n";
  ASSERT_EQ(message.size(), domain.size() + 8 + 32 + 8);
  EXPECT_EQ(std::string(message.begin(), message.begin() + domain.size()), domain);
  ByteReader reader{std::span<const uint8_t>(message).subspan(domain.size())};
  EXPECT_EQ(reader.get_fixed64(), 0x0102u);
  auto root_bytes = reader.get_bytes(32);
  EXPECT_TRUE(std::equal(root_bytes.begin(), root_bytes.end(), root.begin()));
  EXPECT_EQ(reader.get_fixed64(), 0x0304u);
  EXPECT_TRUE(reader.at_end());
}

// ---------------------------------------------------------------------------------
// Journal over SQLite

TEST_F(JournalTest, AppendReopenReplay) {
  Written written = write_journal(12, 300);
  for (store::OpenMode mode : {store::OpenMode::writer, store::OpenMode::reader}) {
    auto storage = open_storage(mode);
    auto journal = must(Journal::open(*storage, std::nullopt), "reopen");
    EXPECT_EQ(journal->tree_size(), written.events.size());
    EXPECT_EQ(journal->last_head().tree_size, written.heads.back().tree_size);
    EXPECT_EQ(journal->last_head().root, written.heads.back().root);
    EXPECT_EQ(journal->last_head().time_ms, written.heads.back().time_ms);
    EXPECT_EQ(journal->last_head().signature, written.heads.back().signature);

    std::vector<Bytes> replayed;
    must(journal->replay(0,
                         [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
                           EXPECT_EQ(seq, replayed.size());
                           replayed.emplace_back(data.begin(), data.end());
                           return {};
                         }),
         "replay");
    EXPECT_EQ(replayed, written.events);

    uint64_t from = written.events.size() / 3;
    uint64_t next = from;
    must(journal->replay(from,
                         [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
                           EXPECT_EQ(seq, next);
                           EXPECT_TRUE(std::ranges::equal(data, written.events[seq]));
                           next += 1;
                           return {};
                         }),
         "replay from");
    EXPECT_EQ(next, written.events.size());
  }
}

TEST_F(JournalTest, AppendContinuesAfterReopenWithSameKey) {
  Written written = write_journal(3, 50);
  auto storage = open_storage(store::OpenMode::writer);
  auto journal = must(Journal::open(*storage, must(Signer::load(key_), "load")), "reopen");
  BatchBuilder builder;
  add_event(builder, Bytes{42});
  TreeHead head = must(journal->append(builder, 5), "append");
  EXPECT_EQ(head.tree_size, written.events.size() + 1);
  auto report = must(verify_journal(*storage, public_key_), "verify");
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.batches_checked, 4u);
}

TEST_F(JournalTest, OpenRejectsAForeignSigningKey) {
  write_journal(2, 10);
  Signer other = must(Signer::create(dir_.file("other.key")), "other key");
  auto storage = open_storage(store::OpenMode::writer);
  auto journal = Journal::open(*storage, std::move(other));
  ASSERT_FALSE(journal.has_value());
  EXPECT_EQ(journal.error().code, ErrorCode::corruption);
  EXPECT_EQ(journal.error().field, "signing_key");
}

TEST_F(JournalTest, AppendWithoutSignerIsInvalidState) {
  write_journal(1, 5);
  auto storage = open_storage(store::OpenMode::writer);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  BatchBuilder builder;
  add_event(builder, Bytes{1});
  auto appended = journal->append(builder, 1);
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().code, ErrorCode::invalid_state);
}

TEST_F(JournalTest, EventBySeq) {
  Written written = write_journal(5, 40);
  auto storage = open_storage(store::OpenMode::reader);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  for (uint64_t seq = 0; seq < written.events.size(); seq += 7) {
    EXPECT_EQ(must(journal->event(seq), "event"), written.events[seq]) << "seq " << seq;
  }
  EXPECT_EQ(must(journal->event(written.events.size() - 1), "last"), written.events.back());
  auto beyond = journal->event(written.events.size());
  ASSERT_FALSE(beyond.has_value());
  EXPECT_EQ(beyond.error().code, ErrorCode::not_found);
  EXPECT_EQ(beyond.error().field, "seq");
}

TEST_F(JournalTest, RootsAndProofsVerifyAgainstSignedHeads) {
  Written written = write_journal(6, 60);
  auto storage = open_storage(store::OpenMode::reader);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  std::vector<Hash> leaves;
  for (const Bytes& event : written.events) leaves.push_back(leaf_hash(event));

  for (const TreeHead& head : written.heads) {
    EXPECT_EQ(must(journal->root_at(head.tree_size), "root_at"), head.root);
    EXPECT_TRUE(verify_signature(
        public_key_, tree_head_message(head.tree_size, head.root, head.time_ms), head.signature));
    for (int probe = 0; probe < 5; ++probe) {
      uint64_t seq = std::uniform_int_distribution<uint64_t>(0, head.tree_size - 1)(rng_);
      auto proof = must(journal->inclusion_proof(seq, head.tree_size), "inclusion");
      EXPECT_TRUE(verify_inclusion(seq, head.tree_size, leaves[seq], proof, head.root))
          << "seq " << seq << " size " << head.tree_size;
    }
  }
  for (size_t older = 0; older < written.heads.size(); ++older) {
    for (size_t newer = older; newer < written.heads.size(); ++newer) {
      const TreeHead& a = written.heads[older];
      const TreeHead& b = written.heads[newer];
      auto proof = must(journal->consistency_proof(a.tree_size, b.tree_size), "consistency");
      EXPECT_TRUE(verify_consistency(a.tree_size, b.tree_size, a.root, b.root, proof));
    }
  }
  // Sizes between batch boundaries have no signed head, but root_at still works.
  uint64_t middle = written.events.size() / 2 + 1;
  EXPECT_EQ(must(journal->root_at(middle), "root_at middle"),
            root_from_leaf_hashes(std::span(leaves).first(middle)));
  EXPECT_EQ(journal->root_at(written.events.size() + 1).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(journal->inclusion_proof(0, written.events.size() + 1).error().code,
            ErrorCode::invalid_argument);
  EXPECT_EQ(journal->inclusion_proof(middle, middle).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(journal->consistency_proof(0, middle).error().code, ErrorCode::invalid_argument);
}

TEST_F(JournalTest, EmptyJournal) {
  auto storage = must(store::open_sqlite(db_, store::OpenMode::create), "create");
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  EXPECT_EQ(journal->tree_size(), 0u);
  EXPECT_EQ(journal->last_head().root, empty_tree_hash());
  EXPECT_EQ(must(journal->root_at(0), "root_at"), empty_tree_hash());
  int visits = 0;
  must(journal->replay(0, [&](uint64_t, auto) -> Result<void> { return ++visits, Result<void>{}; }),
       "replay");
  EXPECT_EQ(visits, 0);
  EXPECT_FALSE(must(journal->latest_snapshot(), "snapshot").has_value());
  EXPECT_TRUE(must(verify_journal(*storage, PublicKey{}), "verify").ok);
}

TEST_F(JournalTest, ReplayStopsOnVisitorError) {
  write_journal(3, 30);
  auto storage = open_storage(store::OpenMode::reader);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  uint64_t visited = 0;
  auto replayed = journal->replay(0, [&](uint64_t seq, auto) -> Result<void> {
    visited += 1;
    if (seq == 4) return fail(ErrorCode::invalid_state, "engine", "stop");
    return {};
  });
  ASSERT_FALSE(replayed.has_value());
  EXPECT_EQ(replayed.error().field, "engine");
  EXPECT_EQ(visited, 5u);
}

TEST_F(JournalTest, ReplayReportsCorruptEventSeq) {
  Written written = write_journal(4, 30);
  uint64_t batch_id = 3;
  Bytes blob = read_batch_column(db_, batch_id, "events");
  uint32_t index = static_cast<uint32_t>(written.heads[2].tree_size - written.first_seqs[2] - 1);
  flip_byte(db_, batch_id, "events", data_offset(blob, index) - 4);  // its CRC
  auto storage = open_storage(store::OpenMode::reader);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  auto replayed = journal->replay(0, [](uint64_t, auto) -> Result<void> { return {}; });
  ASSERT_FALSE(replayed.has_value());
  EXPECT_EQ(replayed.error().code, ErrorCode::corruption);
  std::string seq_text = "seq " + std::to_string(written.first_seqs[2] + index) + ":";
  EXPECT_NE(replayed.error().detail.find(seq_text), std::string::npos) << replayed.error().detail;
}

// ---------------------------------------------------------------------------------
// Snapshots

TEST_F(JournalTest, SnapshotRoundTripAndCorruption) {
  Written written = write_journal(2, 20);
  auto storage = open_storage(store::OpenMode::writer);
  auto journal = must(Journal::open(*storage, std::nullopt), "open");
  Bytes state_old = random_event(rng_, 200);
  Bytes state_new = random_event(rng_, 200);
  state_new.push_back(0x5a);  // never empty: a byte of it gets flipped below
  must(journal->put_snapshot(1, state_old), "put old");
  must(journal->put_snapshot(written.events.size(), state_new), "put new");
  auto latest = must(journal->latest_snapshot(), "latest");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->next_seq, written.events.size());
  EXPECT_EQ(latest->state, state_new);
  EXPECT_EQ(journal->put_snapshot(written.events.size() + 1, state_new).error().code,
            ErrorCode::invalid_argument);

  // Move the newest snapshot to another position: the CRC binds it to next_seq.
  tamper(db_, "UPDATE snapshots SET next_seq = 0 WHERE next_seq = 1");
  tamper(db_, "UPDATE snapshots SET next_seq = next_seq - 1 WHERE next_seq = " +
                  std::to_string(written.events.size()));
  auto moved = journal->latest_snapshot();
  ASSERT_FALSE(moved.has_value());
  EXPECT_EQ(moved.error().code, ErrorCode::corruption);

  tamper(db_, "UPDATE snapshots SET next_seq = next_seq + 1 WHERE next_seq = " +
                  std::to_string(written.events.size() - 1));
  ASSERT_TRUE(journal->latest_snapshot().has_value());
  // Flip one bit of the state itself (byte 4 is its first byte, after the CRC).
  flip_cell_byte(db_, "snapshots", "state", "next_seq = " + std::to_string(written.events.size()),
                 4);
  auto flipped = journal->latest_snapshot();
  ASSERT_FALSE(flipped.has_value());
  EXPECT_EQ(flipped.error().code, ErrorCode::corruption);
  EXPECT_EQ(flipped.error().field, "snapshot");
}

// ---------------------------------------------------------------------------------
// verify_journal

class VerifyTest : public JournalTest {
 protected:
  void SetUp() override {
    JournalTest::SetUp();
    written_ = write_journal(8, 200);
  }
  VerifyReport verify(const PublicKey& key) {
    auto storage = open_storage(store::OpenMode::reader);
    return must(verify_journal(*storage, key), "verify");
  }
  // A batch other than the first, so "first bad seq" is not trivially 0.
  size_t pick_batch() {
    return std::uniform_int_distribution<size_t>(1, written_.heads.size() - 1)(rng_);
  }
  Written written_;
};

TEST_F(VerifyTest, GoodJournalVerifies) {
  VerifyReport report = verify(public_key_);
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.events_checked, written_.events.size());
  EXPECT_EQ(report.batches_checked, written_.heads.size());
  EXPECT_EQ(report.last_head.root, written_.heads.back().root);
  EXPECT_EQ(report.last_head.signature, written_.heads.back().signature);
  EXPECT_FALSE(report.first_bad_seq.has_value());
}

TEST_F(VerifyTest, FlippedEventByteReportsExactSeq) {
  size_t batch = pick_batch();
  uint64_t count = written_.heads[batch].tree_size - written_.first_seqs[batch];
  // Pick an event with at least one data byte to flip.
  uint32_t index = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    index = std::uniform_int_distribution<uint32_t>(0, static_cast<uint32_t>(count - 1))(rng_);
    if (!written_.events[written_.first_seqs[batch] + index].empty()) break;
  }
  ASSERT_FALSE(written_.events[written_.first_seqs[batch] + index].empty());
  Bytes blob = read_batch_column(db_, batch + 1, "events");
  flip_byte(db_, batch + 1, "events", data_offset(blob, index));
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  ASSERT_TRUE(report.first_bad_seq.has_value());
  EXPECT_EQ(*report.first_bad_seq, written_.first_seqs[batch] + index)
      << "batch " << batch + 1 << " index " << index << ": " << report.reason;
  EXPECT_NE(report.reason.find("crc32c"), std::string::npos) << report.reason;
  EXPECT_EQ(report.batches_checked, batch);
}

TEST_F(VerifyTest, EventRewrittenWithValidCrcBreaksTheRoot) {
  // An attacker who also fixes the CRC is caught by the Merkle root.
  size_t batch = pick_batch();
  Bytes blob = read_batch_column(db_, batch + 1, "events");
  ByteReader reader(blob);
  uint32_t length = reader.get_fixed32();
  Bytes data(blob.begin() + 8, blob.begin() + 8 + length);
  data.push_back(0x99);  // changes length and content
  BatchBuilder rebuilt;
  add_event(rebuilt, data);
  Bytes forged = rebuilt.blob();
  forged.insert(forged.end(), blob.begin() + 8 + length, blob.end());
  write_cell(db_, "batches", "events", "batch_id = " + std::to_string(batch + 1), forged);
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("root mismatch"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, TamperedRootReported) {
  size_t batch = pick_batch();
  flip_byte(db_, batch + 1, "root", 7);
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("root mismatch"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, TamperedSignatureReported) {
  size_t batch = pick_batch();
  flip_byte(db_, batch + 1, "signature", 11);
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("signature"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, TamperedTimeBreaksTheSignature) {
  size_t batch = pick_batch();
  tamper(db_,
         "UPDATE batches SET time_ms = time_ms + 1 WHERE batch_id = " + std::to_string(batch + 1));
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("signature"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, TamperedFrontierReported) {
  size_t batch = pick_batch();
  Bytes frontier = read_batch_column(db_, batch + 1, "frontier");
  flip_byte(db_, batch + 1, "frontier", frontier.size() - 1);
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("frontier"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, WrongPublicKeyReported) {
  Signer other = must(Signer::create(dir_.file("other.key")), "other key");
  VerifyReport report = verify(other.public_key());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 0u);
  EXPECT_NE(report.reason.find("signature"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, DeletedBatchReported) {
  // Not the last batch: dropping the tail is only visible against a published head
  // (a consistency proof), not from the database alone.
  size_t batch = std::uniform_int_distribution<size_t>(1, written_.heads.size() - 2)(rng_);
  tamper(db_, "DELETE FROM batches WHERE batch_id = " + std::to_string(batch + 1));
  VerifyReport report = verify(public_key_);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, written_.first_seqs[batch]);
  EXPECT_NE(report.reason.find("batch id gap"), std::string::npos) << report.reason;
}

TEST_F(VerifyTest, CorruptDatabasePagesNeverCrash) {
  // Overwrite pages in the middle of the file (the writer checkpointed on close, so
  // everything is in the main file). Whatever SQLite makes of it, verification must
  // end in an error value or a failed report.
  std::filesystem::remove(db_ + "-wal");
  std::filesystem::remove(db_ + "-shm");
  auto size = std::filesystem::file_size(db_);
  ASSERT_GT(size, 4096u * 4);
  // Pages in the second half hold event blobs (overflow pages) and b-tree pages of
  // the batches table; the first half also holds the schema and meta table.
  uint64_t page_count = size / 4096;
  for (uint64_t page = page_count / 2; page < page_count; page += 3) {
    FILE* file = std::fopen(db_.c_str(), "r+b");
    ASSERT_NE(file, nullptr);
    std::fseek(file, static_cast<long>(page * 4096), SEEK_SET);
    Bytes garbage(4096);
    for (uint8_t& byte : garbage) byte = static_cast<uint8_t>(rng_());
    std::fwrite(garbage.data(), 1, garbage.size(), file);
    std::fclose(file);
  }
  auto storage = store::open_sqlite(db_, store::OpenMode::reader);
  if (!storage) {
    EXPECT_EQ(storage.error().code, ErrorCode::corruption) << storage.error().to_string();
    return;
  }
  auto report = verify_journal(**storage, public_key_);
  if (report) {
    EXPECT_FALSE(report->ok);
    std::printf("report: seq %llu: %s\n",
                static_cast<unsigned long long>(report->first_bad_seq.value_or(0)),
                report->reason.c_str());
  } else {
    std::printf("error: %s\n", report.error().to_string().c_str());
  }
}

TEST_F(VerifyTest, GarbageFileIsCorruption) {
  std::filesystem::remove(db_);
  std::filesystem::remove(db_ + "-wal");
  std::filesystem::remove(db_ + "-shm");
  FILE* file = std::fopen(db_.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  Bytes garbage(8192);
  for (uint8_t& byte : garbage) byte = static_cast<uint8_t>(rng_());
  std::fwrite(garbage.data(), 1, garbage.size(), file);
  std::fclose(file);
  auto storage = store::open_sqlite(db_, store::OpenMode::reader);
  ASSERT_FALSE(storage.has_value());
  EXPECT_EQ(storage.error().code, ErrorCode::corruption) << storage.error().to_string();
}

// ---------------------------------------------------------------------------------
// Throughput of append() without storage cost (hashing, framing walk, signing).

class MemoryStorage final : public JournalStorage {
 public:
  Result<void> append_batch(const StoredBatch& batch) override {
    last_ = batch;
    return {};
  }
  Result<std::optional<StoredBatch>> last_batch() override { return last_; }
  Result<void> scan_batches(uint64_t,
                            const std::function<Result<void>(const StoredBatch&)>&) override {
    return {};
  }
  Result<std::optional<StoredBatch>> batch_containing(uint64_t) override {
    return std::optional<StoredBatch>{};
  }
  Result<void> put_snapshot(const StoredSnapshot&) override { return {}; }
  Result<std::optional<StoredSnapshot>> latest_snapshot() override {
    return std::optional<StoredSnapshot>{};
  }
  Result<void> put_meta(const std::string&, const std::string&) override { return {}; }
  Result<std::optional<std::string>> get_meta(const std::string&) override {
    return std::optional<std::string>{};
  }

 private:
  std::optional<StoredBatch> last_;
};

TEST_F(JournalTest, AppendThroughputWithoutStorage) {
  MemoryStorage storage;
  auto journal = must(Journal::open(storage, must(Signer::create(key_), "signer")), "open");
  constexpr int kBatchCount = 20;
  constexpr int kEventsPerBatch = 10'000;
  BatchBuilder builder;
  Bytes event = random_event(rng_, 0);
  event.resize(50, 0x42);
  auto start = std::chrono::steady_clock::now();
  for (int batch = 0; batch < kBatchCount; ++batch) {
    builder.clear();
    for (int i = 0; i < kEventsPerBatch; ++i) {
      event[0] = static_cast<uint8_t>(i);
      add_event(builder, event);
    }
    must(journal->append(builder, batch), "append");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double events_per_s = kBatchCount * kEventsPerBatch / seconds;
  std::printf("append (incl. framing) of 50-byte events in batches of %d: %.2f M events/s\n",
              kEventsPerBatch, events_per_s / 1e6);
  EXPECT_EQ(journal->tree_size(), uint64_t{kBatchCount} * kEventsPerBatch);
}

}  // namespace
}  // namespace livechain::journal
