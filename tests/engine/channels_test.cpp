// Channel pools and idempotency keys on every write (docs/channels.md).
//
// The Engine is driven directly with an explicit engine time; a rejected command must
// leave no events and the same state bytes. The concurrency test runs the real
// Sequencer over a SQLite journal with several submitting threads; the durability
// tests reopen a real Ledger file (journal replay, then snapshot + replay).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/identifier.hpp"
#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "support/seed.hpp"
#include "support/temp_dir.hpp"

namespace livechain::engine {
namespace {

constexpr const char* kGtinA = "04006381333931";
constexpr const char* kGtinB = "00036000291452";
constexpr const char* kGtinUnknown = "10614141000415";
constexpr TimeMs kStartMs = 1'700'000'000'000;

Reserve reserve_through(const std::string& channel, const std::string& order, const char* gtin,
                        int64_t qty, std::optional<std::string> location = std::nullopt) {
  Reserve reserve;
  reserve.order_id = order;
  reserve.channel_id = channel;
  reserve.lines = {LineRequest{gtin, qty, std::move(location)}};
  return reserve;
}

std::vector<Command> world() {
  return {PutSku{kGtinA, "Pencil"},
          PutSku{kGtinB, "Soap"},
          PutLocation{"DC-1", LocationKind::dc, "north"},
          PutLocation{"ST-2", LocationKind::store, "south"},
          PutChannel{"live-1", ChannelKind::live_room},
          PutChannel{"live-2", ChannelKind::live_room},
          PutChannel{"shop", ChannelKind::online_shop},
          ReceiveStock{kGtinA, "DC-1", 100},
          ReceiveStock{kGtinA, "ST-2", 50},
          ReceiveStock{kGtinB, "DC-1", 10}};
}

class ChannelPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Command& command : world()) ok(command);
  }
  Result<Reply> run(const Command& command) { return engine_.execute(command, now_, batch_); }
  Reply ok(const Command& command) {
    auto reply = run(command);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply.has_value() ? *reply : Reply{};
  }
  // A rejected command: its error, and the check that it changed nothing.
  Error rejected(const Command& command) {
    Bytes before = engine_.state().serialize();
    uint32_t events_before = batch_.event_count();
    auto reply = run(command);
    EXPECT_FALSE(reply.has_value());
    EXPECT_EQ(batch_.event_count(), events_before) << "a rejected command journaled events";
    EXPECT_EQ(engine_.state().serialize(), before) << "a rejected command changed the state";
    return reply.has_value() ? Error{} : reply.error();
  }
  int64_t ats(const std::string& channel, const char* gtin = kGtinA) {
    auto view = engine_.channel_availability(channel, gtin);
    EXPECT_TRUE(view.has_value());
    return view ? view->available_units : -1;
  }
  uint64_t reserve_ok(const Reserve& reserve) {
    Reply reply = ok(reserve);
    return std::holds_alternative<ReservationView>(reply)
               ? std::get<ReservationView>(reply).reservation_id
               : 0;
  }

  Engine engine_;
  TimeMs now_ = kStartMs;
  journal::BatchBuilder batch_;
};

TEST_F(ChannelPoolTest, SharedChannelsSeeAvailableMinusUnusedAllocations) {
  EXPECT_EQ(ats("live-1"), 150);
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  EXPECT_EQ(ats("live-1"), 30);
  EXPECT_EQ(ats("live-2"), 120);
  EXPECT_EQ(ats("shop"), 120);
  auto view = engine_.channel_availability("live-2", kGtinA);
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->locations.size(), 2u);
  EXPECT_EQ(view->locations[0].location_id, "DC-1");
  EXPECT_EQ(view->locations[0].available_units, 70);
  EXPECT_EQ(view->locations[0].pool, PoolKind::shared);
  auto dedicated = engine_.channel_availability("live-1", kGtinA);
  EXPECT_EQ(dedicated->locations[0].available_units, 30);
  EXPECT_EQ(dedicated->locations[0].pool, PoolKind::location);
  EXPECT_EQ(dedicated->locations[1].available_units, 0);  // dedicated at DC-1 only
  EXPECT_EQ(dedicated->locations[1].pool, PoolKind::none);
  EXPECT_EQ(ats("live-1", kGtinB), 10);  // other SKUs stay shared
}

TEST_F(ChannelPoolTest, DedicatedChannelSellsAtMostItsAllocationAndNoOneElseTakesIt) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  Error over = rejected(reserve_through("live-1", "o1", kGtinA, 31));
  EXPECT_EQ(over.code, ErrorCode::insufficient_stock);
  EXPECT_EQ(over.field, "lines[0].qty_units");
  EXPECT_EQ(rejected(reserve_through("live-1", "o1", kGtinA, 1, "ST-2")).code,
            ErrorCode::insufficient_stock);
  reserve_ok(reserve_through("live-1", "o1", kGtinA, 30));
  EXPECT_EQ(ats("live-1"), 0);
  // Shared channels: 70 at DC-1 and 50 at ST-2, never the 30 held for live-1.
  EXPECT_EQ(rejected(reserve_through("live-2", "o2", kGtinA, 71, "DC-1")).code,
            ErrorCode::insufficient_stock);
  reserve_ok(reserve_through("live-2", "o2", kGtinA, 70, "DC-1"));
  reserve_ok(reserve_through("shop", "o3", kGtinA, 50));
  EXPECT_EQ(ats("shop"), 0);
  EXPECT_EQ(rejected(reserve_through("shop", "o4", kGtinA, 1)).code, ErrorCode::insufficient_stock);
  Balance dc = engine_.state().balance_or_zero(0, 0);
  EXPECT_EQ(dc.reserved_units, 100);
  EXPECT_EQ(dc.available_units(), 0);
}

TEST_F(ChannelPoolTest, ReleasedAndUncommittedUnitsGoBackToTheAllocation) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  uint64_t first = reserve_ok(reserve_through("live-1", "o1", kGtinA, 10));
  uint64_t second = reserve_ok(reserve_through("live-1", "o2", kGtinA, 10));
  EXPECT_EQ(ats("live-1"), 10);
  ok(Release{first});
  EXPECT_EQ(ats("live-1"), 20);
  ok(Commit{second, {LineRequest{kGtinA, 4, std::nullopt}}});  // 6 go back
  EXPECT_EQ(ats("live-1"), 26);
  EXPECT_EQ(ats("live-2"), 120);  // 150 − 4 sold − 26 dedicated
  // Expiry returns units too.
  Reserve short_lived = reserve_through("live-1", "o3", kGtinA, 6);
  short_lived.ttl_ms = 1'000;
  reserve_ok(short_lived);
  EXPECT_EQ(ats("live-1"), 20);
  now_ += 2'000;
  ok(ExpireDue{});
  EXPECT_EQ(ats("live-1"), 26);
}

TEST_F(ChannelPoolTest, NetworkAllocationDrawsFromAnyLocationWithinTheFreeStock) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 40});
  ok(SetAllocation{"live-2", kGtinA, std::nullopt, 100});
  EXPECT_EQ(ats("live-2"), 100);
  EXPECT_EQ(ats("shop"), 10);  // 150 − 40 − 100
  // live-2 can use DC-1 only beyond live-1's 40: 60 there, 50 at ST-2.
  EXPECT_EQ(rejected(reserve_through("live-2", "o1", kGtinA, 61, "DC-1")).code,
            ErrorCode::insufficient_stock);
  reserve_ok(reserve_through("live-2", "o1", kGtinA, 60, "DC-1"));
  // Two lines of one reservation are summed against the network allocation (40 left).
  Reserve two;
  two.order_id = "o2";
  two.channel_id = "live-2";
  two.lines = {LineRequest{kGtinA, 30, std::string("ST-2")}, LineRequest{kGtinA, 11, std::nullopt}};
  EXPECT_EQ(rejected(two).code, ErrorCode::insufficient_stock);
  two.lines[1].qty_units = 10;
  reserve_ok(two);
  EXPECT_EQ(ats("live-2"), 0);
  EXPECT_EQ(ats("live-1"), 40);
  EXPECT_EQ(ats("shop"), 10);
  reserve_ok(reserve_through("shop", "o3", kGtinA, 10));
  EXPECT_EQ(ats("shop"), 0);
}

TEST_F(ChannelPoolTest, MoveShiftsQuotaAtomicallyAndRemoveReturnsToShared) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  Reply moved = ok(MoveAllocation{"live-1", "live-2", kGtinA, "DC-1", 12});
  ASSERT_TRUE(std::holds_alternative<AllocationsView>(moved));
  const auto& both = std::get<AllocationsView>(moved).allocations;
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].qty_units, 18);
  EXPECT_EQ(both[1].qty_units, 12);
  EXPECT_EQ(ats("live-1"), 18);
  EXPECT_EQ(ats("live-2"), 12);
  EXPECT_EQ(ats("shop"), 120);
  EXPECT_EQ(rejected(MoveAllocation{"live-1", "live-2", kGtinA, "DC-1", 19}).code,
            ErrorCode::insufficient_stock);
  EXPECT_EQ(rejected(MoveAllocation{"shop", "live-2", kGtinA, "DC-1", 1}).code,
            ErrorCode::insufficient_stock);
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 0});  // sells nothing, still dedicated
  EXPECT_EQ(ats("live-1"), 0);
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 0, true});
  EXPECT_EQ(ats("live-1"), 138);  // shared again: 150 − 12 held by live-2
  EXPECT_EQ(rejected(SetAllocation{"live-1", kGtinA, "DC-1", 0, true}).code, ErrorCode::not_found);
}

TEST_F(ChannelPoolTest, BadAllocationsNameTheFieldAndChangeNothing) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  Error above = rejected(SetAllocation{"live-2", kGtinA, "DC-1", 71});
  EXPECT_EQ(above.code, ErrorCode::insufficient_stock);
  EXPECT_EQ(above.field, "qty_units");
  EXPECT_EQ(rejected(SetAllocation{"live-2", kGtinA, std::nullopt, 121}).code,
            ErrorCode::insufficient_stock);
  Error negative = rejected(SetAllocation{"live-2", kGtinA, "DC-1", -1});
  EXPECT_EQ(negative.code, ErrorCode::invalid_argument);
  EXPECT_EQ(negative.field, "qty_units");
  Error channel = rejected(SetAllocation{"nope", kGtinA, "DC-1", 1});
  EXPECT_EQ(channel.code, ErrorCode::not_found);
  EXPECT_EQ(channel.field, "channel");
  Error sku = rejected(SetAllocation{"live-2", kGtinUnknown, "DC-1", 1});
  EXPECT_EQ(sku.code, ErrorCode::not_found);
  EXPECT_EQ(sku.field, "sku");
  EXPECT_EQ(rejected(SetAllocation{"live-2", kGtinA, "XX", 1}).field, "location");
  EXPECT_EQ(rejected(MoveAllocation{"live-1", "live-1", kGtinA, "DC-1", 1}).field, "to");
  EXPECT_EQ(rejected(MoveAllocation{"live-1", "nope", kGtinA, "DC-1", 1}).field, "to");
  EXPECT_EQ(rejected(MoveAllocation{"live-1", "live-2", kGtinA, "DC-1", 0}).field, "qty_units");
  // Raising one's own allocation counts what it already holds.
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 100});
  EXPECT_EQ(rejected(SetAllocation{"live-1", kGtinA, "DC-1", 101}).field, "qty_units");
}

TEST_F(ChannelPoolTest, TransfersAndAdjustmentsCannotTakeAllocatedUnits) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 90});
  Error ship = rejected(ShipTransfer{kGtinA, "DC-1", "ST-2", 11});
  EXPECT_EQ(ship.code, ErrorCode::insufficient_stock);
  EXPECT_EQ(ship.field, "qty_units");
  ok(ShipTransfer{kGtinA, "DC-1", "ST-2", 10});
  Error adjust = rejected(AdjustStock{kGtinA, "DC-1", -1, "damaged"});
  EXPECT_EQ(adjust.field, "delta_units");
  ok(SetAllocation{"live-2", kGtinA, std::nullopt, 50});
  // ST-2's 50 are free of location allocations but held network-wide by live-2.
  EXPECT_EQ(rejected(AdjustStock{kGtinA, "ST-2", -1, "damaged"}).code,
            ErrorCode::insufficient_stock);
}

TEST_F(ChannelPoolTest, PoolsSurviveSnapshotRoundTrip) {
  ok(SetAllocation{"live-1", kGtinA, "DC-1", 30});
  ok(SetAllocation{"live-2", kGtinA, std::nullopt, 40});
  reserve_ok(reserve_through("live-1", "o1", kGtinA, 5));
  reserve_ok(reserve_through("live-2", "o2", kGtinA, 7, "ST-2"));
  ok(with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 3}, "k-1"));
  Bytes bytes = engine_.state().serialize();
  auto copy = LedgerState::deserialize(bytes);
  ASSERT_TRUE(copy.has_value()) << copy.error().to_string();
  EXPECT_EQ(copy->serialize(), bytes);
  Engine restored(std::move(*copy));
  EXPECT_EQ(restored.channel_availability("live-1", kGtinA)->available_units, 25);
  EXPECT_EQ(restored.channel_availability("live-2", kGtinA)->available_units, 33);
  EXPECT_EQ(restored.channel_availability("shop", kGtinA)->available_units, 150 - 12 - 25 - 33);
  // Releasing after the round trip returns the units to the right allocation.
  journal::BatchBuilder batch;
  ASSERT_TRUE(restored.execute(Release{2}, now_, batch).has_value());
  EXPECT_EQ(restored.channel_availability("live-2", kGtinA)->available_units, 40);
  // And the key is still remembered.
  auto again =
      restored.execute(with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 3}, "k-1"), now_, batch);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(restored.state().balance_or_zero(1, 0).on_hand_units, 13);
}

// ---- idempotency on every write ----------------------------------------------

TEST_F(ChannelPoolTest, KeyedWriteAppliesOnceAndAnswersTheFirstAnswer) {
  Command receipt = with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 5}, "r-1");
  Reply first = ok(receipt);
  ok(ReceiveStock{kGtinB, "DC-1", 1});  // something else happens in between
  uint32_t events = batch_.event_count();
  Reply again = ok(receipt);
  EXPECT_EQ(batch_.event_count(), events) << "a replay journaled events";
  EXPECT_EQ(encode_reply(again), encode_reply(first));
  EXPECT_EQ(std::get<BalanceView>(again).balance.on_hand_units, 15);  // the first answer
  EXPECT_EQ(engine_.state().balance_or_zero(1, 0).on_hand_units, 16);
  // GTIN-13 and GTIN-14 spell the same request.
  ok(with_idempotency_key(ReceiveStock{"0036000291452", "DC-1", 5}, "r-1"));
  EXPECT_EQ(engine_.state().balance_or_zero(1, 0).on_hand_units, 16);
  Error conflict = rejected(with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 6}, "r-1"));
  EXPECT_EQ(conflict.code, ErrorCode::idempotency_conflict);
  EXPECT_EQ(conflict.field, "idempotency_key");
  // Reservations and other writes share one key space.
  reserve_ok([] {
    Reserve r = reserve_through("live-1", "o1", kGtinA, 1);
    r.idempotency_key = "shared";
    return r;
  }());
  EXPECT_EQ(rejected(with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 1}, "shared")).code,
            ErrorCode::idempotency_conflict);
  EXPECT_EQ(rejected(with_idempotency_key(reserve_through("live-1", "o9", kGtinA, 1), "r-1")).code,
            ErrorCode::idempotency_conflict);
  // A rejected keyed write is not remembered: retried, it is evaluated again.
  EXPECT_EQ(rejected(with_idempotency_key(ShipTransfer{kGtinB, "DC-1", "ST-2", 500}, "t-1")).code,
            ErrorCode::insufficient_stock);
  ok(ReceiveStock{kGtinB, "DC-1", 500});
  ok(with_idempotency_key(ShipTransfer{kGtinB, "DC-1", "ST-2", 500}, "t-1"));
  EXPECT_EQ(rejected(with_idempotency_key(ExpireDue{}, "e-1")).field, "idempotency_key");
}

TEST_F(ChannelPoolTest, EveryWriteKindReplaysItsFirstAnswer) {
  uint64_t reservation = reserve_ok(reserve_through("live-1", "o1", kGtinA, 2));
  uint64_t reservation2 = reserve_ok(reserve_through("live-1", "o2", kGtinA, 2));
  uint64_t reservation3 = reserve_ok(reserve_through("live-1", "o3", kGtinA, 2));
  std::vector<Command> writes = {
      PutSku{"96385074", "Juice"},
      PutLocation{"FW-3", LocationKind::front_warehouse, "east"},
      PutChannel{"group", ChannelKind::community_group},
      PutRegionDistance{"north", "south", 900},
      ReceiveStock{kGtinA, "DC-1", 3},
      AdjustStock{kGtinA, "DC-1", -1, "damaged"},
      PlanPresale{kGtinA, "DC-1", 20},
      ShipTransfer{kGtinA, "DC-1", "ST-2", 4},
      ReceiveTransfer{1, std::nullopt},
      ReceiveReturn{kGtinA, "ST-2", 2, "too small", std::nullopt},
      GradeReturn{1, ReturnGrade::rework, 1},
      CompleteRework{1, std::nullopt},
      Commit{reservation, {}},
      Release{reservation2},
      ExtendReservation{reservation3, 60'000},
      SetAllocation{"live-2", kGtinA, "DC-1", 5},
      MoveAllocation{"live-2", "shop", kGtinA, "DC-1", 2},
      reserve_through("live-1", "o4", kGtinA, 1),
  };
  for (size_t i = 0; i < writes.size(); ++i) {
    Command keyed = with_idempotency_key(writes[i], "key-" + std::to_string(i));
    Reply first = ok(keyed);
    now_ += 10;
    Bytes state = engine_.state().serialize();
    uint32_t events = batch_.event_count();
    Reply again = ok(keyed);
    EXPECT_EQ(batch_.event_count(), events) << "write " << i << " applied twice";
    EXPECT_EQ(engine_.state().serialize(), state) << "write " << i << " changed the state";
    if (!std::holds_alternative<ReservationView>(first)) {
      EXPECT_EQ(encode_reply(again), encode_reply(first)) << "write " << i;
    } else {
      EXPECT_EQ(std::get<ReservationView>(again).reservation_id,
                std::get<ReservationView>(first).reservation_id);
    }
  }
}

TEST_F(ChannelPoolTest, KeysAreForgottenAfterTheRetentionWindow) {
  Command receipt = with_idempotency_key(ReceiveStock{kGtinB, "DC-1", 5}, "r-1");
  ok(receipt);
  now_ += kIdempotencyRetentionMs;
  ok(ReceiveStock{kGtinA, "DC-1", 1});  // any event moves journal time on and evicts
  EXPECT_EQ(engine_.state().keyed_reply("r-1"), nullptr);
  ok(receipt);
  EXPECT_EQ(engine_.state().balance_or_zero(1, 0).on_hand_units, 20);
}

// ---- durability: journal replay and snapshots -------------------------------

TEST(ChannelPoolLedger, KeysAndPoolsSurviveReopenBySnapshotAndByReplay) {
  livechain::test_support::TempDir dir;
  std::string db = dir.file("pools.db");
  ASSERT_TRUE(Ledger::init(db).has_value());
  ManualClock clock(kStartMs);
  Bytes live_state;
  Reply first_reply;
  {
    auto ledger = Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    for (const Command& command : world()) ASSERT_TRUE((*ledger)->execute(command).has_value());
    ASSERT_TRUE((*ledger)->execute(SetAllocation{"live-1", kGtinA, "DC-1", 30}).has_value());
    auto reply = (*ledger)->execute(
        with_idempotency_key(SetAllocation{"live-2", kGtinA, std::nullopt, 40}, "alloc-1"));
    ASSERT_TRUE(reply.has_value());
    first_reply = *reply;
    ASSERT_TRUE((*ledger)->execute(reserve_through("live-1", "o1", kGtinA, 5)).has_value());
    live_state = (*ledger)->engine().state().serialize();
  }
  for (bool snapshot : {false, true}) {
    auto ledger = Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    EXPECT_EQ((*ledger)->engine().state().serialize(), live_state) << "snapshot " << snapshot;
    auto replay = (*ledger)->execute(
        with_idempotency_key(SetAllocation{"live-2", kGtinA, std::nullopt, 40}, "alloc-1"));
    ASSERT_TRUE(replay.has_value());
    EXPECT_EQ(encode_reply(*replay), encode_reply(first_reply));
    auto conflict = (*ledger)->execute(
        with_idempotency_key(SetAllocation{"live-2", kGtinA, std::nullopt, 41}, "alloc-1"));
    ASSERT_FALSE(conflict.has_value());
    EXPECT_EQ(conflict.error().code, ErrorCode::idempotency_conflict);
    EXPECT_EQ((*ledger)->engine().channel_availability("live-1", kGtinA)->available_units, 25);
    live_state = (*ledger)->engine().state().serialize();
    if (!snapshot) {
      ASSERT_TRUE((*ledger)->write_snapshot().has_value());
    }
  }
  auto rebuilt = Ledger::open_reader(db);
  ASSERT_TRUE(rebuilt.has_value());
  EXPECT_GT((*rebuilt)->recovery().snapshot_next_seq, 0u);
}

// A write answered outside the engine keeps its answer under the key (RecordAnswer):
// replayed byte for byte, never journaled twice, and bounded.
TEST_F(ChannelPoolTest, StoredAnswerReplaysAndIsBounded) {
  Command answer = with_idempotency_key(RecordAnswer{201, "application/json", R"({"id":"n1"})"},
                                        "user/k-1/answer");
  Reply first = ok(answer);
  ASSERT_TRUE(std::holds_alternative<StoredAnswer>(first));
  EXPECT_EQ(std::get<StoredAnswer>(first).status, 201);
  EXPECT_EQ(std::get<StoredAnswer>(first).body, R"({"id":"n1"})");
  uint32_t events = batch_.event_count();
  EXPECT_EQ(encode_reply(ok(answer)), encode_reply(first));
  EXPECT_EQ(batch_.event_count(), events) << "a replay journaled events";
  auto decoded = decode_reply(encode_reply(first));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(encode_reply(*decoded), encode_reply(first));
  // Another answer under the same key is another request.
  EXPECT_EQ(
      rejected(with_idempotency_key(RecordAnswer{200, "application/json", "{}"}, "user/k-1/answer"))
          .code,
      ErrorCode::idempotency_conflict);
  EXPECT_EQ(rejected(RecordAnswer{99, "application/json", "{}"}).field, "status");
  EXPECT_EQ(rejected(RecordAnswer{600, "application/json", "{}"}).field, "status");
  EXPECT_EQ(
      rejected(RecordAnswer{200, std::string(kStoredAnswerContentTypeLengthMax + 1, 'x'), "{}"})
          .field,
      "content_type");
  Error large =
      rejected(RecordAnswer{200, "application/json", std::string(kStoredAnswerBytesMax + 1, ' ')});
  EXPECT_EQ(large.code, ErrorCode::limit_exceeded);
  EXPECT_EQ(large.field, "body");
  ok(RecordAnswer{204, "", ""});  // no body, no media type
  ok(with_idempotency_key(
      RecordAnswer{200, "application/json", std::string(kStoredAnswerBytesMax, ' ')},
      "user/k-2/answer"));
  // Derived keys ("/answer", "/17") fit on the longest scoped key.
  std::string longest(
      livechain::kIdempotencyScopePrefixLengthMax + livechain::kIdempotencyKeyLengthMax, 'k');
  ok(with_idempotency_key(RecordAnswer{200, "application/json", "{}"}, longest + "/answer"));
}

// ---- concurrency: the single writer keeps every pool -------------------------

// Four threads reserve through two dedicated channels and one shared channel at once
// (seeded sizes, some committed, some released). Whatever the interleaving, units
// sold or held through a channel never exceed its pool and the SKU is never oversold.
TEST(ChannelPoolConcurrency, ConcurrentReservationsNeverExceedAnyPool) {
  uint64_t seed = livechain::test_support::test_seed(20261206);
  livechain::test_support::TempDir dir;
  std::string db = dir.file("concurrent.db");
  ASSERT_TRUE(Ledger::init(db).has_value());
  ManualClock clock(kStartMs);
  auto ledger = Ledger::open(db, clock);
  ASSERT_TRUE(ledger.has_value());
  for (const Command& command : world()) ASSERT_TRUE((*ledger)->execute(command).has_value());
  // A: DC-1 100 + ST-2 50. live-1: 30 at DC-1; live-2: 40 network-wide; shop: the rest (80).
  ASSERT_TRUE((*ledger)->execute(SetAllocation{"live-1", kGtinA, "DC-1", 30}).has_value());
  ASSERT_TRUE((*ledger)->execute(SetAllocation{"live-2", kGtinA, std::nullopt, 40}).has_value());
  const std::map<std::string, int64_t> pool = {{"live-1", 30}, {"live-2", 40}, {"shop", 80}};
  Sequencer sequencer((*ledger)->engine_for_sequencer(), &(*ledger)->journal(), clock);
  sequencer.start();
  std::mutex mutex;
  std::map<std::string, int64_t> held;  // committed + pending units per channel
  std::atomic<int> outstanding{0};
  auto submitter = [&](int thread_index) {
    std::mt19937_64 random(seed + static_cast<uint64_t>(thread_index));
    const char* channels[] = {"live-1", "live-2", "shop"};
    for (int i = 0; i < 300; ++i) {
      std::string channel = channels[random() % 3];
      int64_t qty = 1 + static_cast<int64_t>(random() % 4);
      bool release = random() % 4 == 0;
      std::promise<void> done;
      ++outstanding;
      auto submitted = sequencer.submit(
          {reserve_through(channel, "t" + std::to_string(thread_index), kGtinA, qty)},
          [&, channel, qty, release](Replies&& replies) {
            if (replies.front()) {
              uint64_t id = std::get<ReservationView>(*replies.front()).reservation_id;
              if (release) {
                // Released units free the pool again (submitted from the completion:
                // its reply is not awaited, the audit below reads the final state).
                (void)sequencer.submit({Release{id}}, [&](Replies&&) { --outstanding; });
                ++outstanding;
              } else {
                std::lock_guard lock(mutex);
                held[channel] += qty;
              }
            }
            --outstanding;
            done.set_value();
          });
      ASSERT_TRUE(submitted.has_value());
      done.get_future().wait();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(submitter, t);
  for (auto& thread : threads) thread.join();
  while (outstanding.load() > 0) std::this_thread::yield();
  sequencer.stop();
  const LedgerState& state = (*ledger)->engine().state();
  int64_t total = 0;
  for (const auto& [channel, units] : held) {
    EXPECT_LE(units, pool.at(channel)) << channel << " sold beyond its pool";
    total += units;
  }
  EXPECT_LE(total, 150);
  // The pools were contested: each channel got most of its pool.
  EXPECT_GE(held["live-1"], 20);
  EXPECT_GE(held["shop"], 60);
  int64_t reserved =
      state.balance_or_zero(0, 0).reserved_units + state.balance_or_zero(0, 1).reserved_units;
  EXPECT_EQ(reserved, total);
}

}  // namespace
}  // namespace livechain::engine
