// Stock as of T and rollback (issue 10 §4–5) over a real SQLite journal: the as-of
// index answers exactly what a replay of the journal from event 0 up to T gives, also
// after the index and the ledger are reopened; a rollback's dry-run plan is exactly
// what applying it changes; sales after T are never undone and are listed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/as_of.hpp"
#include "engine/ledger.hpp"
#include "support/temp_dir.hpp"

namespace livechain::engine {
namespace {

using test_support::TempDir;

constexpr const char* kGtinA = "04006381333931";
constexpr const char* kGtinB = "00036000291452";
constexpr TimeMs kStartMs = 1'700'000'000'000;

uint64_t test_seed() {
  const char* text = std::getenv("LIVECHAIN_SEED");
  uint64_t seed = text ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

class AsOfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::init(db()).has_value());
    open_ledger();
    for (const Command& command : std::vector<Command>{
             PutSku{kGtinA, "Pencil"}, PutSku{kGtinB, "Soap"},
             PutLocation{"DC-N", LocationKind::dc, "north"},
             PutLocation{"ST-E", LocationKind::store, "east"},
             PutChannel{"live-1", ChannelKind::live_room}, PutRegionDistance{"north", "east", 300},
             ReceiveStock{kGtinA, "DC-N", 500}, ReceiveStock{kGtinB, "ST-E", 300}}) {
      must(command);
    }
  }
  std::string db() const { return dir_.file("ledger.db"); }
  void open_ledger() {
    ledger_.reset();
    auto opened = Ledger::open(db(), clock_);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    ledger_ = std::move(*opened);
  }
  Result<Reply> run(const Command& command) {
    clock_.advance_ms(1'000);
    return ledger_->execute(command);
  }
  Reply must(const Command& command) {
    auto reply = run(command);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply.value_or(Reply{});
  }
  std::unique_ptr<AsOfIndex> open_index(uint64_t every = kAsOfCheckpointEventsMin) {
    auto index = AsOfIndex::open(db(), AsOfOptions{every});
    EXPECT_TRUE(index.has_value()) << index.error().to_string();
    return index.has_value() ? std::move(*index) : nullptr;
  }
  // A random mix of receipts, adjustments, reservations, commits and releases.
  void random_workload(std::mt19937_64& rng, int commands) {
    for (int i = 0; i < commands; ++i) {
      const char* gtin = rng() % 2 ? kGtinA : kGtinB;
      switch (rng() % 5) {
        case 0:
          (void)run(ReceiveStock{gtin, rng() % 2 ? "DC-N" : "ST-E", 1 + int64_t(rng() % 20)});
          break;
        case 1:
          (void)run(AdjustStock{gtin, "DC-N", -1 - int64_t(rng() % 3), "count"});
          break;
        default: {
          Reserve reserve;
          reserve.order_id = "o-" + std::to_string(i);
          reserve.channel_id = "live-1";
          reserve.lines = {LineRequest{gtin, 1 + int64_t(rng() % 4), std::nullopt}};
          auto reply = run(reserve);
          if (!reply) break;
          uint64_t id = std::get<ReservationView>(*reply).reservation_id;
          if (rng() % 3 == 0) {
            (void)run(Release{id});
          } else {
            (void)run(Commit{id, {}});
          }
        }
      }
    }
  }
  TimeMs journal_end_ms() const { return ledger_->engine().state().now_ms(); }

  TempDir dir_;
  ManualClock clock_{kStartMs};
  std::unique_ptr<Ledger> ledger_;
};

Bytes state_at(AsOfIndex& index, TimeMs as_of_ms) {
  auto engine = index.engine_at(as_of_ms);
  EXPECT_TRUE(engine.has_value()) << engine.error().to_string();
  return engine.has_value() ? engine->state().serialize() : Bytes{};
}

Bytes replayed_at(const std::string& db, TimeMs as_of_ms) {
  auto reader = Ledger::open_reader(db);
  EXPECT_TRUE(reader.has_value());
  auto engine = replay_to((*reader)->journal(), as_of_ms);
  EXPECT_TRUE(engine.has_value()) << engine.error().to_string();
  return engine.has_value() ? engine->state().serialize() : Bytes{};
}

TEST_F(AsOfTest, AnswersEqualReplayingToTBeforeAndAfterRestart) {
  std::mt19937_64 rng(test_seed());
  random_workload(rng, 400);
  std::vector<TimeMs> times;
  TimeMs end_ms = journal_end_ms();
  // Random instants from the first event's (kStartMs + 1 s) to the journal's end: an
  // earlier one is refused as before the journal starts.
  const TimeMs first_ms = kStartMs + 1'000;
  for (int i = 0; i < 12; ++i) times.push_back(first_ms + int64_t(rng() % (end_ms - first_ms + 1)));
  times.push_back(end_ms);
  times.push_back(first_ms);
  {
    auto index = open_index();
    ASSERT_NE(index, nullptr);
    for (TimeMs t : times) EXPECT_EQ(state_at(*index, t), replayed_at(db(), t)) << "T=" << t;
    EXPECT_GT(index->checkpoints_written(), 3u);
  }
  // Restart everything, write more, ask again: the index resumes from its checkpoints.
  open_ledger();
  random_workload(rng, 100);
  auto index = open_index();
  ASSERT_NE(index, nullptr);
  times.push_back(journal_end_ms());
  for (TimeMs t : times) EXPECT_EQ(state_at(*index, t), replayed_at(db(), t)) << "T=" << t;
  // At the end, the as-of state is the live ledger's.
  EXPECT_EQ(state_at(*index, journal_end_ms()), ledger_->engine().state().serialize());
}

TEST_F(AsOfTest, ABalanceChangesExactlyAtItsEventTime) {
  TimeMs before_ms = journal_end_ms();
  must(ReceiveStock{kGtinA, "DC-N", 7});
  TimeMs at_ms = journal_end_ms();
  auto index = open_index();
  ASSERT_NE(index, nullptr);
  auto then = index->engine_at(at_ms - 1);
  auto now = index->engine_at(at_ms);
  ASSERT_TRUE(then.has_value() && now.has_value());
  EXPECT_EQ((*then->stock(kGtinA))[0].balance.on_hand_units, 500);
  EXPECT_EQ((*now->stock(kGtinA))[0].balance.on_hand_units, 507);
  EXPECT_EQ(before_ms, at_ms - 1'000);
}

TEST_F(AsOfTest, TimeBeforeTheJournalStartsIsRejectedNamingAsOf) {
  auto index = open_index();
  ASSERT_NE(index, nullptr);
  auto engine = index->engine_at(kStartMs);  // the first event is at kStartMs + 1 s
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(engine.error().field, "as_of");
  EXPECT_TRUE(index->engine_at(kStartMs + 1'000).has_value());
}

TEST_F(AsOfTest, EmptyJournalHasNoAsOf) {
  TempDir other;
  ASSERT_TRUE(Ledger::init(other.file("empty.db")).has_value());
  auto index = AsOfIndex::open(other.file("empty.db"));
  ASSERT_TRUE(index.has_value());
  auto engine = (*index)->engine_at(kStartMs);
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().field, "as_of");
}

TEST_F(AsOfTest, CheckpointIntervalOutOfRangeIsRejected) {
  auto index = AsOfIndex::open(db(), AsOfOptions{1});
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error().field, "checkpoint_every_events");
}

// ---- rollback ----

RestoreStock restore(TimeMs to_ms, std::vector<RollbackChange> changes) {
  return RestoreStock{to_ms, "admin-key", "wrong count imported", std::move(changes)};
}

TEST_F(AsOfTest, RollbackDryRunEqualsTheAppliedDiffAndSalesStay) {
  TimeMs t_ms = journal_end_ms();
  // After T: a wrong adjustment, a sale, a receipt and a pending reservation.
  must(AdjustStock{kGtinA, "DC-N", -200, "bad import"});
  Reserve sale;
  sale.order_id = "order-after-t";
  sale.channel_id = "live-1";
  sale.lines = {LineRequest{kGtinA, 10, std::string("DC-N")}};
  uint64_t sold_id = std::get<ReservationView>(must(sale)).reservation_id;
  must(Commit{sold_id, {}});
  must(ReceiveStock{kGtinB, "ST-E", 40});
  Reserve held = sale;
  held.order_id = "order-pending";
  held.lines = {LineRequest{kGtinB, 5, std::string("ST-E")}};
  must(held);

  auto index = open_index();
  ASSERT_NE(index, nullptr);
  auto then = index->engine_at(t_ms);
  ASSERT_TRUE(then.has_value());
  std::vector<RollbackChange> plan = plan_rollback(then->state(), ledger_->engine().state());
  // A: 500 at T, 10 sold since → 490 (the sale is not undone). B: 300 at T.
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0], (RollbackChange{kGtinA, "DC-N", "on_hand", 290, 490}));
  EXPECT_EQ(plan[1], (RollbackChange{kGtinB, "ST-E", "on_hand", 340, 300}));
  auto sales = index->sales_after(t_ms, kRollbackConflictsMax);
  ASSERT_TRUE(sales.has_value());
  ASSERT_EQ(sales->size(), 1u);
  EXPECT_EQ((*sales)[0].order_id, "order-after-t");
  EXPECT_EQ((*sales)[0].reservation_id, sold_id);
  EXPECT_EQ((*sales)[0].qty_units, 10);

  Bytes before = ledger_->engine().state().serialize();
  uint64_t events_before = ledger_->journal().tree_size();
  ASSERT_TRUE(run(restore(t_ms, plan)).has_value());
  // The applied diff is the dry run: every row now holds its planned value.
  for (const RollbackChange& change : plan) {
    auto rows = ledger_->engine().stock(change.gtin);
    ASSERT_TRUE(rows.has_value());
    for (const BalanceView& row : *rows) {
      if (row.location_id == change.location_id) {
        EXPECT_EQ(row.balance.on_hand_units, change.to_units);
      }
    }
  }
  EXPECT_EQ(ledger_->journal().tree_size(), events_before + plan.size() + 1);
  EXPECT_NE(ledger_->engine().state().serialize(), before);
  // Sold units stay sold; the pending reservation keeps its units.
  EXPECT_EQ((*ledger_->engine().stock(kGtinA))[0].balance.sold_units, 10);
  EXPECT_EQ((*ledger_->engine().stock(kGtinB))[0].balance.reserved_units, 5);
  // Planning again finds nothing left to restore.
  auto again = index->engine_at(t_ms);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(plan_rollback(again->state(), ledger_->engine().state()).empty());
  // The audit record is the last event.
  auto last = ledger_->journal().event(ledger_->journal().tree_size() - 1);
  ASSERT_TRUE(last.has_value());
  auto described = describe_stored_event(*last);
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->kind, "stock_restored");
}

TEST_F(AsOfTest, StalePlanIsRefusedAndChangesNothing) {
  TimeMs t_ms = journal_end_ms();
  must(AdjustStock{kGtinA, "DC-N", -100, "bad import"});
  auto index = open_index();
  ASSERT_NE(index, nullptr);
  auto then = index->engine_at(t_ms);
  ASSERT_TRUE(then.has_value());
  auto plan = plan_rollback(then->state(), ledger_->engine().state());
  ASSERT_EQ(plan.size(), 1u);
  must(ReceiveStock{kGtinA, "DC-N", 1});  // stock moved since the plan
  uint64_t events_before = ledger_->journal().tree_size();
  auto refused = run(restore(t_ms, plan));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_state);
  EXPECT_EQ(refused.error().field, "diff[0].from");
  EXPECT_EQ(ledger_->journal().tree_size(), events_before);
  auto future = run(restore(journal_end_ms() + 60'000, {}));
  ASSERT_FALSE(future.has_value());
  EXPECT_EQ(future.error().field, "to");
  auto no_reason = run(RestoreStock{t_ms, "admin", "", {}});
  ASSERT_FALSE(no_reason.has_value());
  EXPECT_EQ(no_reason.error().field, "reason");
}

}  // namespace
}  // namespace livechain::engine
