// The EPCIS index (store/epcis_store.hpp): rows and the journal cursor move together,
// an eventID is indexed once, each filter, paging, notes and capture jobs survive a
// reopen.
#include <gtest/gtest.h>

#include "store/epcis_store.hpp"
#include "support/temp_dir.hpp"

namespace livechain::store {
namespace {

EpcisIndexRow row(uint64_t seq, std::string id, std::string biz_step, TimeMs time_ms,
                  std::vector<std::string> epcs) {
  EpcisIndexRow r;
  r.seq = seq;
  r.event_id = std::move(id);
  r.type = "ObjectEvent";
  r.event_time_ms = time_ms;
  r.record_time_ms = time_ms + 1;
  r.action = "OBSERVE";
  r.biz_step = std::move(biz_step);
  r.epcs = std::move(epcs);
  r.epc_classes = {"https://id.gs1.org/01/04012345111118"};
  r.content_sha256 = "c" + std::to_string(seq);
  r.json = R"({"n":)" + std::to_string(seq) + "}";
  return r;
}

std::vector<uint64_t> seqs(const Result<std::vector<EpcisIndexRow>>& rows) {
  std::vector<uint64_t> out;
  if (!rows) {
    ADD_FAILURE() << rows.error().to_string();
    return out;
  }
  for (const EpcisIndexRow& r : *rows) out.push_back(r.seq);
  return out;
}

TEST(EpcisStoreTest, IndexesQueriesAndKeepsJobsAcrossAReopen) {
  test_support::TempDir dir;
  const std::string db = dir.file("j.db");
  {
    auto store = EpcisStore::open(db);
    ASSERT_TRUE(store) << store.error().to_string();
    EXPECT_EQ(*(*store)->next_seq(), 0u);
    std::vector<EpcisIndexRow> rows = {row(3, "urn:a", "shipping", 1000, {"urn:e:1", "urn:e:2"}),
                                       row(5, "urn:b", "receiving", 2000, {"urn:e:2"}),
                                       row(9, "urn:c", "shipping", 3000, {})};
    ASSERT_TRUE((*store)->index(rows, 10));
    // An eventID indexed again (a leaf re-read after a crash) is left as it is.
    std::vector<EpcisIndexRow> again = {row(11, "urn:a", "receiving", 9, {"urn:e:9"})};
    ASSERT_TRUE((*store)->index(again, 12));
    ASSERT_TRUE((*store)->put_note("transfer:1", "04012345111118 dc-west"));
    EpcisJob job;
    job.capture_id = "job-1";
    job.success = true;
    job.events = 3;
    job.stored = 2;
    job.duplicates = 1;
    ASSERT_TRUE((*store)->put_job(job));
  }
  auto store = EpcisStore::open(db);
  ASSERT_TRUE(store);
  EpcisStore& s = **store;
  EXPECT_EQ(*s.next_seq(), 12u);
  EXPECT_EQ(**s.content_of("urn:a"), "c3");
  EXPECT_FALSE(s.content_of("urn:zz")->has_value());
  EXPECT_EQ(**s.note("transfer:1"), "04012345111118 dc-west");
  auto job = s.job("job-1");
  ASSERT_TRUE(job && *job);
  EXPECT_EQ((**job).stored, 2u);
  EXPECT_EQ((**job).duplicates, 1u);
  EXPECT_FALSE(s.job("job-2")->has_value());

  EpcisQuery q;
  q.limit = 100;
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{3, 5, 9}));
  q.biz_steps = {"shipping"};
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{3, 9}));
  q.epcs = {"urn:e:2"};
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{3}));
  q = EpcisQuery{};
  q.limit = 100;
  q.epcs = {"urn:e:2", "urn:e:9"};
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{3, 5}));  // urn:e:9 was never indexed
  q = EpcisQuery{};
  q.limit = 100;
  q.event_time_ge_ms = 2000;
  q.event_time_lt_ms = 3000;
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{5}));
  q = EpcisQuery{};
  q.limit = 100;
  q.record_time_ge_ms = 2001;
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{5, 9}));
  q = EpcisQuery{};
  q.limit = 100;
  q.epc_classes = {"https://id.gs1.org/01/04012345111118"};
  q.event_ids = {"urn:c"};
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{9}));
  // Paging: two rows, then from after the last one.
  q = EpcisQuery{};
  q.limit = 2;
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{3, 5}));
  q.from_start = false;
  q.after_seq = 5;
  EXPECT_EQ(seqs(s.query(q)), (std::vector<uint64_t>{9}));
  auto one = s.event("urn:b");
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((**one).json, R"({"n":5})");
}

}  // namespace
}  // namespace livechain::store
