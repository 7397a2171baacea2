// Batch-tracked stock and recalls in the engine (issue 12 §2, §5; events 47–49):
// receipts and commits naming lots and serials, first-in first-out attribution,
// batch units travelling with transfers, a recall moving free units to quarantine at
// once and held ones when their reservations let go, refusals naming the field, the
// recall report, and replay and snapshot (section 6) giving the same state.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"

namespace livechain::engine {
namespace {

constexpr TimeMs kStartMs = 1'800'000'000'000;
const std::string kGtin = "06901234567892";

class BatchStockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (Command c : std::vector<Command>{
             PutSku{kGtin, "Tea"}, PutLocation{"dc-east", LocationKind::dc, "east"},
             PutLocation{"store-west", LocationKind::store, "west"},
             PutChannel{"live-1", ChannelKind::live_room},
             PutChannel{"shop-1", ChannelKind::online_shop},
             CreateBatch{kGtin, "OLD", kStartMs - 20 * 86'400'000, "fac-1", {}},
             CreateBatch{kGtin, "NEW", kStartMs - 2 * 86'400'000, "fac-1", {}}, IssueUnits{1, 100},
             IssueUnits{2, 100}}) {
      ASSERT_TRUE(run(c).has_value()) << run(c).error().to_string();
    }
  }
  Result<Reply> run(const Command& c) { return engine_.execute(c, now_ms_ += 1000, batch_); }
  uint64_t reserve(const std::string& order, const std::string& channel, int64_t qty,
                   const std::string& location = "dc-east") {
    Reserve r;
    r.order_id = order;
    r.channel_id = channel;
    r.lines.push_back(LineRequest{kGtin, qty, location});
    auto reply = run(r);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply ? std::get<ReservationView>(*reply).reservation_id : 0;
  }
  int64_t held(uint64_t batch_id, const std::string& location) const {
    auto index = engine_.state().find_location(location);
    for (const BatchUnits& u : engine_.state().batch_units_at(0, *index)) {
      if (u.batch_id == batch_id) return u.units;
    }
    return 0;
  }
  Balance balance(const std::string& location) const {
    return engine_.state().balance_or_zero(0, *engine_.state().find_location(location));
  }
  // The state rebuilt from the journal's leaves, and from a snapshot of it.
  void expect_replay_and_snapshot_agree() {
    Engine replayed;
    ASSERT_TRUE(journal::for_each_framed_event(batch_.blob(), batch_.event_count(),
                                               [&](uint32_t, std::span<const uint8_t> data) {
                                                 ASSERT_TRUE(
                                                     replayed.apply_stored_event(data).has_value());
                                               })
                    .has_value());
    Bytes bytes = engine_.state().serialize();
    EXPECT_EQ(replayed.state().serialize(), bytes) << "replay differs from the live state";
    auto restored = LedgerState::deserialize(bytes);
    ASSERT_TRUE(restored.has_value()) << restored.error().to_string();
    EXPECT_EQ(restored->serialize(), bytes);
  }

  Engine engine_;
  journal::BatchBuilder batch_;
  TimeMs now_ms_ = kStartMs;
};

TEST_F(BatchStockTest, ReceiptsNameLotsAndSalesTakeTheNamedBatchThenTheOldest) {
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 10, "NEW"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 5, "OLD"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 7}).has_value());  // untracked
  EXPECT_EQ(held(1, "dc-east"), 5);
  EXPECT_EQ(held(2, "dc-east"), 10);
  EXPECT_EQ(run(ReceiveStock{kGtin, "dc-east", 1, "NOPE"}).error().field, "lot");

  // Order A names NEW and two serials; order B names nothing: oldest first, then NEW.
  uint64_t a = reserve("A", "live-1", 3);
  Commit commit_a{a, {LineRequest{kGtin, 3, "dc-east", "NEW", {12, 7}}}};
  ASSERT_TRUE(run(commit_a).has_value());
  uint64_t b = reserve("B", "shop-1", 8);
  ASSERT_TRUE(run(Commit{b, {}}).has_value());
  EXPECT_EQ(held(1, "dc-east"), 0);
  EXPECT_EQ(held(2, "dc-east"), 4) << "10 − 3 named − 3 after OLD ran out";
  const BatchRecord& old_batch = *engine_.state().batch(1);
  ASSERT_EQ(old_batch.sales.size(), 1u);
  EXPECT_EQ(old_batch.sales[0].order_id, "B");
  EXPECT_EQ(old_batch.sales[0].units, 5);
  const BatchRecord& new_batch = *engine_.state().batch(2);
  ASSERT_EQ(new_batch.sales.size(), 2u);
  EXPECT_EQ(new_batch.sales[0].order_id, "A");
  EXPECT_EQ(new_batch.sales[0].serials, (std::vector<uint64_t>{7, 12}));
  EXPECT_EQ(new_batch.sales[1].units, 3);
  expect_replay_and_snapshot_agree();
}

TEST_F(BatchStockTest, CommitLotsAndSerialsAreCheckedAndNamed) {
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 4, "NEW"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 10}).has_value());
  uint64_t id = reserve("C", "live-1", 6);
  auto commit = [&](LineRequest line) { return run(Commit{id, {std::move(line)}}); };
  EXPECT_EQ(commit({kGtin, 6, "dc-east", "NEW", {}}).error().code, ErrorCode::insufficient_stock);
  EXPECT_EQ(commit({kGtin, 6, "dc-east", "NEW", {}}).error().field, "lines[0].lot");
  EXPECT_EQ(commit({kGtin, 3, "dc-east", "NEW", {101}}).error().field, "lines[0].serials");
  EXPECT_EQ(commit({kGtin, 3, "dc-east", "NEW", {5, 5}}).error().field, "lines[0].serials");
  EXPECT_EQ(commit({kGtin, 1, "dc-east", "NEW", {1, 2}}).error().field, "lines[0].serials");
  EXPECT_EQ(commit({kGtin, 3, "dc-east", std::nullopt, {1}}).error().field, "lines[0].serials");
  EXPECT_EQ(commit({kGtin, 3, "dc-east", "ZZZ", {}}).error().code, ErrorCode::not_found);
  Reserve with_serials;
  with_serials.order_id = "D";
  with_serials.channel_id = "live-1";
  with_serials.lines.push_back(LineRequest{kGtin, 1, "dc-east", "NEW", {3}});
  EXPECT_EQ(run(with_serials).error().field, "lines[0].serials");
  EXPECT_EQ(held(2, "dc-east"), 4) << "refused commits changed nothing";
  ASSERT_TRUE(commit({kGtin, 4, "dc-east", "NEW", {1, 2, 3, 4}}).has_value());
  EXPECT_EQ(held(2, "dc-east"), 0);
}

TEST_F(BatchStockTest, BatchUnitsTravelWithTransfersAndArriveMinusTheLost) {
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 6, "OLD"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 20}).has_value());
  auto shipped = run(ShipTransfer{kGtin, "dc-east", "store-west", 10});
  ASSERT_TRUE(shipped.has_value()) << shipped.error().to_string();
  uint64_t transfer_id = std::get<TransferView>(*shipped).transfer_id;
  EXPECT_EQ(held(1, "dc-east"), 0) << "the oldest batch left first";
  EXPECT_EQ(engine_.state().transfer_batch_units(transfer_id), (std::vector<BatchUnits>{{1, 6}}));
  ASSERT_TRUE(run(ReceiveTransfer{transfer_id, 4}).has_value());  // 6 lost on the way
  EXPECT_EQ(held(1, "store-west"), 4);
  EXPECT_TRUE(engine_.state().transfer_batch_units(transfer_id).empty());
  expect_replay_and_snapshot_agree();
}

TEST_F(BatchStockTest, ARecallQuarantinesFreeUnitsAtOnceAndHeldOnesWhenReleased) {
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 10, "OLD"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "store-west", 3, "OLD"}).has_value());
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 2, "NEW"}).has_value());
  uint64_t sold = reserve("S", "shop-1", 2);
  ASSERT_TRUE(run(Commit{sold, {}}).has_value());  // 2 of OLD sold
  uint64_t open = reserve("H", "live-1", 9);       // holds 8 OLD + 1 NEW numerically
  size_t events_before = batch_.event_count();
  auto recalled = run(RecallBatch{1, "metal fragments found"});
  ASSERT_TRUE(recalled.has_value()) << recalled.error().to_string();
  EXPECT_TRUE(std::get<BatchView>(*recalled).recalled);
  EXPECT_EQ(batch_.event_count(), events_before + 1) << "one event locks it everywhere";
  // dc-east: 10 on hand, 9 reserved: 1 free unit quarantined; store-west: all 3.
  EXPECT_EQ(balance("dc-east").quarantine_units, 1);
  EXPECT_EQ(balance("dc-east").on_hand_units, 9);
  EXPECT_EQ(held(1, "dc-east"), 7);
  EXPECT_EQ(balance("store-west").quarantine_units, 3);
  EXPECT_EQ(balance("store-west").available_units(), 0);

  auto report = engine_.recall_report(1);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->sales.size(), 1u);
  EXPECT_EQ(report->sales[0].order_id, "S");
  EXPECT_EQ(report->sales[0].region, "east");
  ASSERT_EQ(report->open_reservations.size(), 1u);
  EXPECT_EQ(report->open_reservations[0].order_id, "H");
  EXPECT_EQ(report->sold_units_by_channel,
            (std::vector<std::pair<std::string, int64_t>>{{"shop-1", 2}}));

  // Refusals naming the field, nothing journaled.
  events_before = batch_.event_count();
  Reserve naming;
  naming.order_id = "X";
  naming.channel_id = "live-1";
  naming.lines.push_back(LineRequest{kGtin, 1, "dc-east", "OLD", {}});
  EXPECT_EQ(run(naming).error().field, "lines[0].lot");
  EXPECT_EQ(run(naming).error().code, ErrorCode::invalid_state);
  EXPECT_EQ(run(ReceiveStock{kGtin, "dc-east", 1, "OLD"}).error().field, "lot");
  EXPECT_EQ(run(Commit{open, {LineRequest{kGtin, 1, "dc-east", "OLD", {}}}}).error().field,
            "lines[0].lot");
  EXPECT_EQ(run(RecallBatch{9, "x"}).error().field, "batch_id");
  EXPECT_EQ(run(RecallBatch{2, ""}).error().field, "reason");
  ASSERT_TRUE(run(RecallBatch{1, "again"}).has_value());
  EXPECT_EQ(batch_.event_count(), events_before) << "refused or repeated: nothing journaled";
  EXPECT_EQ(engine_.state().batch(1)->recall_reason, "metal fragments found");

  // The order lets go: the held recalled units follow to quarantine.
  ASSERT_TRUE(run(Release{open}).has_value());
  EXPECT_EQ(held(1, "dc-east"), 0);
  EXPECT_EQ(balance("dc-east").quarantine_units, 8);
  EXPECT_EQ(balance("dc-east").available_units(), 2) << "NEW still sells";
  EXPECT_EQ(engine_.batch(1)->quarantined_units, 11);
  expect_replay_and_snapshot_agree();
}

TEST_F(BatchStockTest, AFreshReceiptLetsHeldRecalledUnitsGoToQuarantine) {
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 5, "OLD"}).has_value());
  uint64_t open = reserve("H", "live-1", 5);
  ASSERT_TRUE(run(RecallBatch{1, "mislabelled"}).has_value());
  EXPECT_EQ(held(1, "dc-east"), 5) << "all held by the open order";
  ASSERT_TRUE(run(ReceiveStock{kGtin, "dc-east", 3, "NEW"}).has_value());
  EXPECT_EQ(held(1, "dc-east"), 2) << "3 fresh units fill the order; 3 recalled ones leave";
  EXPECT_EQ(balance("dc-east").quarantine_units, 3);
  EXPECT_EQ(balance("dc-east").available_units(), 0);
  // The order commits: attributed to the recalled batch first, so it is listed.
  ASSERT_TRUE(run(Commit{open, {}}).has_value());
  auto report = engine_.recall_report(1);
  ASSERT_TRUE(report.has_value());
  ASSERT_EQ(report->sales.size(), 1u);
  EXPECT_EQ(report->sales[0].order_id, "H");
  EXPECT_EQ(report->sales[0].units, 2);
  expect_replay_and_snapshot_agree();
}

}  // namespace
}  // namespace livechain::engine
