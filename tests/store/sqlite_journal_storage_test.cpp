// Tests of the SQLite JournalStorage adapter: open modes, the writer lock, durability
// settings, row round trips and the format checks. The journal's hashing is not
// involved: batches here carry arbitrary bytes.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <stdlib.h>
#include "support/temp_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.hpp"

namespace livechain::store {
namespace {

using journal::JournalStorage;
using journal::StoredBatch;
using journal::StoredSnapshot;

using livechain::test_support::TempDir;

uint64_t test_seed() {
  const char* text = std::getenv("LIVECHAIN_TEST_SEED");
  uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

std::string raw_query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string out;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { rng_.seed(test_seed()); }

  std::unique_ptr<JournalStorage> open(OpenMode mode) {
    auto storage = open_sqlite(db_, mode);
    EXPECT_TRUE(storage.has_value()) << storage.error().to_string();
    return storage ? std::move(*storage) : nullptr;
  }

  Bytes random_bytes(size_t size) {
    Bytes out(size);
    for (uint8_t& byte : out) byte = static_cast<uint8_t>(rng_());
    return out;
  }

  // The batch that follows `previous` (or the first batch), with random contents.
  StoredBatch next_batch(const StoredBatch* previous) {
    StoredBatch batch;
    batch.batch_id = previous ? previous->batch_id + 1 : 1;
    batch.first_seq = previous ? previous->tree_size : 0;
    batch.event_count = std::uniform_int_distribution<uint32_t>(1, 50)(rng_);
    batch.events = random_bytes(batch.event_count * 20);
    batch.tree_size = batch.first_seq + batch.event_count;
    batch.root = random_bytes(32);
    batch.time_ms = 1'700'000'000'000 + static_cast<TimeMs>(batch.batch_id);
    batch.signature = random_bytes(64);
    batch.frontier = random_bytes(8 + 32 * 3);
    return batch;
  }

  std::vector<StoredBatch> append_batches(JournalStorage& storage, int count,
                                          std::vector<StoredBatch> batches = {}) {
    for (int i = 0; i < count; ++i) {
      batches.push_back(next_batch(batches.empty() ? nullptr : &batches.back()));
      auto appended = storage.append_batch(batches.back());
      EXPECT_TRUE(appended.has_value()) << appended.error().to_string();
    }
    return batches;
  }

  TempDir dir_;
  std::string db_ = dir_.file("ledger.db");
  std::mt19937_64 rng_;
};

void expect_same(const StoredBatch& a, const StoredBatch& b) {
  EXPECT_EQ(a.batch_id, b.batch_id);
  EXPECT_EQ(a.first_seq, b.first_seq);
  EXPECT_EQ(a.event_count, b.event_count);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.tree_size, b.tree_size);
  EXPECT_EQ(a.root, b.root);
  EXPECT_EQ(a.time_ms, b.time_ms);
  EXPECT_EQ(a.signature, b.signature);
  EXPECT_EQ(a.frontier, b.frontier);
}

TEST_F(StoreTest, OpenModesAndErrors) {
  auto missing_writer = open_sqlite(db_, OpenMode::writer);
  ASSERT_FALSE(missing_writer.has_value());
  EXPECT_EQ(missing_writer.error().code, ErrorCode::not_found);
  EXPECT_EQ(missing_writer.error().field, "db");
  EXPECT_EQ(open_sqlite(db_, OpenMode::reader).error().code, ErrorCode::not_found);

  { auto created = open(OpenMode::create); }
  auto again = open_sqlite(db_, OpenMode::create);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_TRUE(open_sqlite(db_, OpenMode::writer).has_value());
  EXPECT_TRUE(open_sqlite(db_, OpenMode::reader).has_value());
  EXPECT_EQ(signing_key_path(db_), db_ + ".signing-key");
}

TEST_F(StoreTest, DurabilitySettings) {
  auto storage = open(OpenMode::create);
  EXPECT_EQ(raw_query(db_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(db_, "SELECT value FROM meta WHERE key = 'format_version'"), "1");
}

TEST_F(StoreTest, SecondWriterIsBusy) {
  auto first = open(OpenMode::create);
  auto second = open_sqlite(db_, OpenMode::writer);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::busy);
  EXPECT_NE(second.error().detail.find(db_), std::string::npos);
  EXPECT_EQ(open_sqlite(db_, OpenMode::create).error().code, ErrorCode::already_exists);
  first.reset();  // the lock goes with the object
  EXPECT_TRUE(open_sqlite(db_, OpenMode::writer).has_value());
}

TEST_F(StoreTest, BatchesRoundTripAndSurviveReopen) {
  std::vector<StoredBatch> batches;
  {
    auto storage = open(OpenMode::create);
    EXPECT_FALSE(storage->last_batch()->has_value());
    batches = append_batches(*storage, 10);
  }
  auto storage = open(OpenMode::writer);
  auto last = storage->last_batch();
  ASSERT_TRUE(last.has_value() && last->has_value());
  expect_same(**last, batches.back());

  std::vector<StoredBatch> scanned;
  ASSERT_TRUE(storage->scan_batches(0, [&](const StoredBatch& batch) -> Result<void> {
    scanned.push_back(batch);
    return {};
  }));
  ASSERT_EQ(scanned.size(), batches.size());
  for (size_t i = 0; i < batches.size(); ++i) expect_same(scanned[i], batches[i]);

  // Appending continues after reopen.
  batches = append_batches(*storage, 2, std::move(batches));
  EXPECT_EQ((*storage->last_batch())->batch_id, 12u);
}

TEST_F(StoreTest, ScanFromAndBatchContaining) {
  auto storage = open(OpenMode::create);
  auto batches = append_batches(*storage, 6);
  const StoredBatch& third = batches[2];
  for (uint64_t seq : {third.first_seq, third.tree_size - 1}) {
    auto found = storage->batch_containing(seq);
    ASSERT_TRUE(found.has_value() && found->has_value()) << seq;
    EXPECT_EQ((*found)->batch_id, third.batch_id);

    std::vector<uint64_t> ids;
    ASSERT_TRUE(storage->scan_batches(seq, [&](const StoredBatch& batch) -> Result<void> {
      ids.push_back(batch.batch_id);
      return {};
    }));
    EXPECT_EQ(ids, (std::vector<uint64_t>{3, 4, 5, 6}));
  }
  EXPECT_FALSE(storage->batch_containing(batches.back().tree_size)->has_value());
  int visits = 0;
  ASSERT_TRUE(storage->scan_batches(batches.back().tree_size,
                                    [&](const StoredBatch&) { return ++visits, Result<void>{}; }));
  EXPECT_EQ(visits, 0);
  // The visitor's error stops the scan and is returned.
  auto stopped = storage->scan_batches(0, [&](const StoredBatch& batch) -> Result<void> {
    if (batch.batch_id == 2) return fail(ErrorCode::invalid_state, "visitor", "stop");
    return {};
  });
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().field, "visitor");
}

TEST_F(StoreTest, ReaderSeesWriterAppendsConcurrently) {
  auto writer = open(OpenMode::create);
  auto batches = append_batches(*writer, 2);
  auto reader = open(OpenMode::reader);
  EXPECT_EQ((*reader->last_batch())->batch_id, 2u);
  batches = append_batches(*writer, 1, std::move(batches));
  EXPECT_EQ((*reader->last_batch())->batch_id, 3u);
  // A long read (scan) does not block the writer.
  ASSERT_TRUE(reader->scan_batches(0, [&](const StoredBatch& batch) -> Result<void> {
    if (batch.batch_id == 1) batches = append_batches(*writer, 1, std::move(batches));
    return {};
  }));
  EXPECT_EQ((*reader->last_batch())->batch_id, 4u);
  // A reader cannot write.
  EXPECT_EQ(reader->put_meta("k", "v").error().code, ErrorCode::invalid_state);
  EXPECT_EQ(reader->put_snapshot({1, {1}}).error().code, ErrorCode::invalid_state);
}

TEST_F(StoreTest, MetaAndSnapshots) {
  auto storage = open(OpenMode::create);
  EXPECT_FALSE(storage->get_meta("public_key")->has_value());
  ASSERT_TRUE(storage->put_meta("public_key", "ab01"));
  ASSERT_TRUE(storage->put_meta("public_key", "cd02"));
  EXPECT_EQ(**storage->get_meta("public_key"), "cd02");

  EXPECT_FALSE(storage->latest_snapshot()->has_value());
  ASSERT_TRUE(storage->put_snapshot({10, random_bytes(100)}));
  StoredSnapshot newest{20, random_bytes(100)};
  ASSERT_TRUE(storage->put_snapshot(newest));
  ASSERT_TRUE(storage->put_snapshot({5, {}}));  // empty state is kept as empty, not NULL
  storage.reset();
  auto reader = open(OpenMode::reader);
  auto latest = reader->latest_snapshot();
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->next_seq, 20u);
  EXPECT_EQ((*latest)->state, newest.state);
  EXPECT_EQ(**reader->get_meta("public_key"), "cd02");
}

TEST_F(StoreTest, UnknownFormatVersionIsCorruption) {
  { auto storage = open(OpenMode::create); }
  raw_query(db_, "UPDATE meta SET value = '99' WHERE key = 'format_version'");
  auto reopened = open_sqlite(db_, OpenMode::writer);
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code, ErrorCode::corruption);
  EXPECT_NE(reopened.error().detail.find("99"), std::string::npos);
}

TEST_F(StoreTest, ForeignFilesAreCorruption) {
  // Another application's SQLite database.
  raw_query(db_, "CREATE TABLE other(x)");
  auto foreign = open_sqlite(db_, OpenMode::reader);
  ASSERT_FALSE(foreign.has_value());
  EXPECT_EQ(foreign.error().code, ErrorCode::corruption);

  std::string garbage_path = dir_.file("garbage.db");
  FILE* file = std::fopen(garbage_path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  Bytes garbage = random_bytes(4096);
  std::fwrite(garbage.data(), 1, garbage.size(), file);
  std::fclose(file);
  for (OpenMode mode : {OpenMode::reader, OpenMode::writer}) {
    auto opened = open_sqlite(garbage_path, mode);
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, ErrorCode::corruption) << opened.error().to_string();
  }
}

TEST_F(StoreTest, WrongColumnTypeIsCorruption) {
  {
    auto storage = open(OpenMode::create);
    append_batches(*storage, 2);
  }
  raw_query(db_, "UPDATE batches SET root = 'text' WHERE batch_id = 2");
  auto storage = open(OpenMode::reader);
  auto last = storage->last_batch();
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().code, ErrorCode::corruption);
}

}  // namespace
}  // namespace livechain::store
