// Behaviour of the stock ledger, command by command and error path by error path.
// The Engine is driven directly with a journal::BatchBuilder and an explicit engine
// time, so every test states the time at which things happen. A rejected command must
// leave no events of its own and no change in state; each test checks the reply, the
// balances and (for rejections) that nothing moved. The last section runs the Ledger
// over a real SQLite file in a temporary directory: reopen, snapshot recovery,
// read-only mode and diff_states.
#include <gtest/gtest.h>

#include <stdlib.h>
#include "support/temp_dir.hpp"

#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "engine/engine.hpp"
#include "engine/ledger.hpp"

namespace livechain::engine {
namespace {

constexpr const char* kGtinA = "04006381333931";        // EAN-13 4006381333931
constexpr const char* kGtinB = "00036000291452";        // UPC-A 036000291452
constexpr const char* kGtinC = "00000096385074";        // EAN-8 96385074
constexpr const char* kGtinUnknown = "10614141000415";  // valid, never defined
constexpr TimeMs kStartMs = 1'700'000'000'000;

LineRequest line(const char* gtin, int64_t qty, std::optional<std::string> location = {}) {
  return LineRequest{gtin, qty, std::move(location)};
}

Reserve make_reserve(std::string order_id, std::vector<LineRequest> lines,
                     std::optional<std::string> buyer_region = {}) {
  Reserve reserve;
  reserve.order_id = std::move(order_id);
  reserve.channel_id = "live-1";
  reserve.buyer_region = std::move(buyer_region);
  reserve.lines = std::move(lines);
  return reserve;
}

// Locations, in creation order (older first):
//   FAC (factory, north), DC-N (dc, north), FW-S (front_warehouse, south),
//   ST-E (store, east), RC (returns_center, north), DC-W (dc, west: no distances).
// Distances: north–south 1000 km, north–east 300 km, south–east 800 km.
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Command& command : std::vector<Command>{
             PutSku{"4006381333931", "Pencil"}, PutSku{"036000291452", "Soap"},
             PutSku{"96385074", "Juice"}, PutLocation{"FAC", LocationKind::factory, "north"},
             PutLocation{"DC-N", LocationKind::dc, "north"},
             PutLocation{"FW-S", LocationKind::front_warehouse, "south"},
             PutLocation{"ST-E", LocationKind::store, "east"},
             PutLocation{"RC", LocationKind::returns_center, "north"},
             PutLocation{"DC-W", LocationKind::dc, "west"},
             PutChannel{"live-1", ChannelKind::live_room},
             PutRegionDistance{"north", "south", 1000}, PutRegionDistance{"north", "east", 300},
             PutRegionDistance{"south", "east", 800}}) {
      ok(command);
    }
  }

  Result<Reply> run(const Command& command) { return engine_.execute(command, now_, batch_); }

  // Runs a command that must succeed and returns its reply.
  Reply ok(const Command& command) {
    auto reply = run(command);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    return reply.has_value() ? *reply : Reply{};
  }
  template <class View>
  View ok_as(const Command& command) {
    Reply reply = ok(command);
    EXPECT_TRUE(std::holds_alternative<View>(reply)) << "reply index " << reply.index();
    return std::holds_alternative<View>(reply) ? std::get<View>(reply) : View{};
  }
  ReservationView reserve(const Reserve& request) { return ok_as<ReservationView>(request); }
  uint64_t reserve_id(const Reserve& request) { return reserve(request).reservation_id; }

  // Runs a command that must be rejected with `code` naming `field`, and checks that it
  // journaled nothing and changed nothing. Returns the error for further checks.
  Error rejected(const Command& command, ErrorCode code, const std::string& field) {
    Bytes before = engine_.state().serialize();
    uint32_t events_before = batch_.event_count();
    auto reply = run(command);
    EXPECT_FALSE(reply.has_value()) << "expected " << error_code_name(code) << " (" << field << ")";
    if (reply.has_value()) return Error{};
    EXPECT_EQ(reply.error().code, code) << reply.error().to_string();
    EXPECT_EQ(reply.error().field, field) << reply.error().to_string();
    EXPECT_EQ(batch_.event_count(), events_before) << "a rejected command journaled events";
    EXPECT_EQ(engine_.state().serialize(), before) << "a rejected command changed state";
    return reply.error();
  }

  Balance balance(const char* gtin, const char* location) const {
    auto sku = engine_.state().find_sku(gtin);
    auto where = engine_.state().find_location(location);
    EXPECT_TRUE(sku && where);
    return sku && where ? engine_.state().balance_or_zero(*sku, *where) : Balance{};
  }
  void receive(const char* gtin, const char* location, int64_t qty) {
    ok(ReceiveStock{gtin, location, qty});
  }

  Engine engine_;
  journal::BatchBuilder batch_;
  TimeMs now_ = kStartMs;
};

// ---- catalog -------------------------------------------------------------------

TEST_F(EngineTest, PutSkuValidatesGtinAndName) {
  rejected(PutSku{"4006381333932", "Pencil"}, ErrorCode::invalid_argument, "gtin");
  rejected(PutSku{"40063813339", "Pencil"}, ErrorCode::invalid_argument, "gtin");
  rejected(PutSku{kGtinUnknown, ""}, ErrorCode::invalid_argument, "name");
  rejected(PutSku{kGtinUnknown, "line\nbreak"}, ErrorCode::invalid_argument, "name");
  rejected(PutSku{kGtinUnknown, std::string(201, 'n')}, ErrorCode::limit_exceeded, "name");
  ok(PutSku{kGtinUnknown, std::string(200, 'n')});
  EXPECT_EQ(engine_.state().skus().size(), 4u);
}

TEST_F(EngineTest, PutSkuAgainUnderAnotherGtinFormRenamesTheSameSku) {
  ok(PutSku{"0036000291452", "Soap, 6 pack"});
  EXPECT_EQ(engine_.state().skus().size(), 3u);
  auto sku = engine_.state().find_sku(kGtinB);
  ASSERT_TRUE(sku.has_value());
  EXPECT_EQ(engine_.state().skus()[*sku].name, "Soap, 6 pack");
}

TEST_F(EngineTest, PutLocationValidatesIdAndRegion) {
  rejected(PutLocation{std::string(65, 'L'), LocationKind::dc, "north"}, ErrorCode::limit_exceeded,
           "location");
  rejected(PutLocation{"DC 1", LocationKind::dc, "north"}, ErrorCode::invalid_argument, "location");
  rejected(PutLocation{"", LocationKind::dc, "north"}, ErrorCode::invalid_argument, "location");
  rejected(PutLocation{"DC-2", LocationKind::dc, ""}, ErrorCode::invalid_argument, "region");
  rejected(PutLocation{"DC-2", LocationKind::dc, std::string(65, 'r')}, ErrorCode::limit_exceeded,
           "region");
  ok(PutLocation{std::string(64, 'L'), LocationKind::store, "south"});
  // A location's kind and region are fixed once created; the same ones again are fine.
  rejected(PutLocation{"DC-W", LocationKind::store, "west"}, ErrorCode::already_exists, "kind");
  rejected(PutLocation{"DC-W", LocationKind::dc, "south"}, ErrorCode::already_exists, "region");
  ok(PutLocation{"DC-W", LocationKind::dc, "west"});
  auto index = engine_.state().find_location("DC-W");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(engine_.state().locations()[*index].kind, LocationKind::dc);
  EXPECT_EQ(engine_.state().regions()[engine_.state().locations()[*index].region], "west");
}

TEST_F(EngineTest, PutChannelValidatesId) {
  rejected(PutChannel{std::string(65, 'c'), ChannelKind::online_shop}, ErrorCode::limit_exceeded,
           "channel");
  rejected(PutChannel{"a b", ChannelKind::online_shop}, ErrorCode::invalid_argument, "channel");
  ok(PutChannel{std::string(64, 'c'), ChannelKind::online_shop});
  // A channel's kind is fixed once created.
  rejected(PutChannel{"live-1", ChannelKind::offline_store}, ErrorCode::already_exists, "kind");
  ok(PutChannel{"live-1", ChannelKind::live_room});
  EXPECT_EQ(engine_.state().channels().size(), 2u);
}

TEST_F(EngineTest, PutRegionDistanceValidatesRegionsAndDistance) {
  rejected(PutRegionDistance{"north", "north", 5}, ErrorCode::invalid_argument, "region_to");
  rejected(PutRegionDistance{"north", "west", 40'001}, ErrorCode::limit_exceeded, "distance_km");
  rejected(PutRegionDistance{"", "west", 5}, ErrorCode::invalid_argument, "region_from");
  rejected(PutRegionDistance{"north", "we st", 5}, ErrorCode::invalid_argument, "region_to");
  ok(PutRegionDistance{"west", "north", 40'000});
  auto west = engine_.state().find_region("west");
  auto north = engine_.state().find_region("north");
  ASSERT_TRUE(west && north);
  EXPECT_EQ(engine_.state().distance_km(*north, *west), 40'000u);  // symmetric
  EXPECT_EQ(engine_.state().distance_km(*west, *west), 0u);
}

// ---- receipts and adjustments ---------------------------------------------------

TEST_F(EngineTest, ReceiveAddsToOnHandAndAcceptsAnyGtinForm) {
  auto view = ok_as<BalanceView>(ReceiveStock{"036000291452", "DC-N", 7});
  EXPECT_EQ(view.gtin, kGtinB);
  EXPECT_EQ(view.location_id, "DC-N");
  EXPECT_EQ(view.balance.on_hand_units, 7);
  receive("0036000291452", "DC-N", 3);
  Balance b = balance(kGtinB, "DC-N");
  EXPECT_EQ(b.on_hand_units, 10);
  EXPECT_EQ(b.received_units, 10);
  EXPECT_EQ(b.available_units(), 10);
}

TEST_F(EngineTest, ReceiveValidatesEveryField) {
  rejected(ReceiveStock{kGtinA, "DC-N", 0}, ErrorCode::invalid_argument, "qty_units");
  rejected(ReceiveStock{kGtinA, "DC-N", -5}, ErrorCode::invalid_argument, "qty_units");
  rejected(ReceiveStock{kGtinA, "DC-N", 1'000'001}, ErrorCode::limit_exceeded, "qty_units");
  rejected(ReceiveStock{kGtinUnknown, "DC-N", 1}, ErrorCode::not_found, "gtin");
  rejected(ReceiveStock{"4006381333930", "DC-N", 1}, ErrorCode::invalid_argument, "gtin");
  rejected(ReceiveStock{kGtinA, "NOWHERE", 1}, ErrorCode::not_found, "location");
  rejected(ReceiveStock{kGtinA, "no where", 1}, ErrorCode::invalid_argument, "location");
  receive(kGtinA, "DC-N", 1'000'000);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 1'000'000);
}

TEST_F(EngineTest, OnHandNeverExceedsTheBalanceLimit) {
  // Reaching 10^12 units by commands would take a million receipts: journal one big
  // receipt directly, as recovery would.
  auto sku = engine_.state().find_sku(kGtinA);
  auto location = engine_.state().find_location("DC-N");
  ASSERT_TRUE(sku && location);
  Bytes bytes;
  ByteWriter writer(bytes);
  encode_event(Event{now_, StockReceivedEvent{StockLine{*sku, *location, kBalanceUnitsMax - 5}}},
               engine_.state(), writer);
  ASSERT_TRUE(engine_.apply_stored_event(bytes).has_value());
  receive(kGtinA, "DC-N", 5);  // exactly at the limit
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, kBalanceUnitsMax);
  rejected(ReceiveStock{kGtinA, "DC-N", 1}, ErrorCode::limit_exceeded, "qty_units");
  rejected(AdjustStock{kGtinA, "DC-N", 1, "found"}, ErrorCode::limit_exceeded, "delta_units");
  ok(AdjustStock{kGtinA, "DC-N", -1, "lost"});
}

TEST_F(EngineTest, AdjustMovesOnHandBothWaysAndKeepsASignedTotal) {
  receive(kGtinA, "DC-N", 10);
  ok(AdjustStock{kGtinA, "DC-N", -4, "breakage"});
  ok(AdjustStock{kGtinA, "DC-N", 1, "found in aisle 3"});
  Balance b = balance(kGtinA, "DC-N");
  EXPECT_EQ(b.on_hand_units, 7);
  EXPECT_EQ(b.adjusted_units, -3);
  EXPECT_EQ(b.received_units, 10);
}

TEST_F(EngineTest, AdjustValidatesDeltaAndReason) {
  receive(kGtinA, "DC-N", 10);
  rejected(AdjustStock{kGtinA, "DC-N", 0, "none"}, ErrorCode::invalid_argument, "delta_units");
  rejected(AdjustStock{kGtinA, "DC-N", 1'000'001, "x"}, ErrorCode::limit_exceeded, "delta_units");
  rejected(AdjustStock{kGtinA, "DC-N", -1'000'001, "x"}, ErrorCode::limit_exceeded, "delta_units");
  rejected(AdjustStock{kGtinA, "DC-N", INT64_MIN, "x"}, ErrorCode::limit_exceeded, "delta_units");
  rejected(AdjustStock{kGtinA, "DC-N", INT64_MAX, "x"}, ErrorCode::limit_exceeded, "delta_units");
  rejected(AdjustStock{kGtinA, "DC-N", 1, ""}, ErrorCode::invalid_argument, "reason");
  rejected(AdjustStock{kGtinA, "DC-N", 1, std::string(201, 'r')}, ErrorCode::limit_exceeded,
           "reason");
  ok(AdjustStock{kGtinA, "DC-N", 1, std::string(200, 'r')});
  rejected(AdjustStock{kGtinA, "NOWHERE", 1, "x"}, ErrorCode::not_found, "location");
}

TEST_F(EngineTest, AdjustBelowReservedIsRefused) {
  receive(kGtinA, "DC-N", 10);
  reserve(make_reserve("o-1", {line(kGtinA, 6, "DC-N")}));
  Error error = rejected(AdjustStock{kGtinA, "DC-N", -5, "count"}, ErrorCode::insufficient_stock,
                         "delta_units");
  EXPECT_NE(error.detail.find("4 units available"), std::string::npos) << error.detail;
  ok(AdjustStock{kGtinA, "DC-N", -4, "count"});  // down to exactly the reserved units
  Balance b = balance(kGtinA, "DC-N");
  EXPECT_EQ(b.on_hand_units, 6);
  EXPECT_EQ(b.reserved_units, 6);
  rejected(AdjustStock{kGtinA, "DC-N", -1, "count"}, ErrorCode::insufficient_stock, "delta_units");
}

// ---- reservations: all or nothing, bundles, location choice --------------------

TEST_F(EngineTest, ReserveReplyDescribesTheReservation) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("order-1", {line(kGtinA, 3, "DC-N")});
  request.ttl_ms = 60'000;
  ReservationView view = reserve(request);
  EXPECT_EQ(view.reservation_id, 1u);
  EXPECT_EQ(view.order_id, "order-1");
  EXPECT_EQ(view.channel_id, "live-1");
  EXPECT_EQ(view.status, ReservationStatus::pending);
  EXPECT_FALSE(view.presale);
  EXPECT_FALSE(view.idempotent_replay);
  EXPECT_EQ(view.expires_at_ms, now_ + 60'000);
  ASSERT_EQ(view.lines.size(), 1u);
  EXPECT_EQ(view.lines[0].gtin, kGtinA);
  EXPECT_EQ(view.lines[0].location_id, "DC-N");
  EXPECT_EQ(view.lines[0].qty_units, 3);
  EXPECT_FALSE(view.lines[0].committed_units.has_value());
  Balance b = balance(kGtinA, "DC-N");
  EXPECT_EQ(b.reserved_units, 3);
  EXPECT_EQ(b.on_hand_units, 10);
  EXPECT_EQ(b.available_units(), 7);
  EXPECT_EQ(reserve_id(make_reserve("order-2", {line(kGtinA, 1, "DC-N")})), 2u);
}

TEST_F(EngineTest, ReserveIsAllLinesOrNone) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinB, "DC-N", 3);
  Error error = rejected(make_reserve("o-1", {line(kGtinA, 5, "DC-N"), line(kGtinB, 7, "DC-N")}),
                         ErrorCode::insufficient_stock, "lines[1].qty_units");
  EXPECT_NE(error.detail.find(kGtinB), std::string::npos) << error.detail;
  EXPECT_NE(error.detail.find("requested 7, available 3"), std::string::npos) << error.detail;
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
  EXPECT_EQ(balance(kGtinB, "DC-N").reserved_units, 0);
  EXPECT_EQ(engine_.state().pending_count(), 0u);
  // The failed request consumed no reservation id.
  EXPECT_EQ(reserve_id(make_reserve("o-1", {line(kGtinA, 5, "DC-N"), line(kGtinB, 3, "DC-N")})),
            1u);
}

TEST_F(EngineTest, AutoPickedLineThatCannotBeFilledNamesItsLineAndSku) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinB, "FW-S", 2);
  Error error = rejected(make_reserve("o-1", {line(kGtinA, 1), line(kGtinB, 3)}),
                         ErrorCode::insufficient_stock, "lines[1].qty_units");
  EXPECT_NE(error.detail.find(kGtinB), std::string::npos) << error.detail;
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
}

TEST_F(EngineTest, LinesOfTheSameSkuAreSummedBeforeTheStockCheck) {
  receive(kGtinA, "DC-N", 10);
  // Each line fits on its own; together they do not.
  rejected(make_reserve("o-1", {line(kGtinA, 6, "DC-N"), line(kGtinA, 6, "DC-N")}),
           ErrorCode::insufficient_stock, "lines[0].qty_units");
  rejected(make_reserve("o-1", {line(kGtinA, 6), line(kGtinA, 6)}), ErrorCode::insufficient_stock,
           "lines[0].qty_units");
  ReservationView view = reserve(
      make_reserve("o-1", {line(kGtinA, 4, "DC-N"), line(kGtinA, 2), line(kGtinA, 4, "DC-N")}));
  ASSERT_EQ(view.lines.size(), 1u) << "one line per sku × location";
  EXPECT_EQ(view.lines[0].qty_units, 10);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 10);
}

TEST_F(EngineTest, SixtyFourLinesAreAcceptedSixtyFiveAreNot) {
  receive(kGtinA, "DC-N", 100);
  std::vector<LineRequest> lines(64, line(kGtinA, 1, "DC-N"));
  reserve(make_reserve("o-64", lines));
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 64);
  lines.push_back(line(kGtinA, 1, "DC-N"));
  rejected(make_reserve("o-65", lines), ErrorCode::limit_exceeded, "lines");
}

TEST_F(EngineTest, ReserveValidatesEveryField) {
  receive(kGtinA, "DC-N", 10);
  rejected(make_reserve("", {line(kGtinA, 1)}), ErrorCode::invalid_argument, "order_id");
  rejected(make_reserve("o 1", {line(kGtinA, 1)}), ErrorCode::invalid_argument, "order_id");
  rejected(make_reserve(std::string(65, 'o'), {line(kGtinA, 1)}), ErrorCode::limit_exceeded,
           "order_id");
  rejected(make_reserve("o-1", {line(kGtinA, 1)}, "no where"), ErrorCode::invalid_argument,
           "region");
  rejected(make_reserve("o-1", {}), ErrorCode::invalid_argument, "lines");
  Reserve unknown_channel = make_reserve("o-1", {line(kGtinA, 1)});
  unknown_channel.channel_id = "tv-9";
  rejected(unknown_channel, ErrorCode::not_found, "channel");
  rejected(make_reserve("o-1", {line(kGtinA, 1), line(kGtinUnknown, 1)}), ErrorCode::not_found,
           "lines[1].sku");
  rejected(make_reserve("o-1", {line(kGtinA, 1), line("12345", 1)}), ErrorCode::invalid_argument,
           "lines[1].sku");
  rejected(make_reserve("o-1", {line(kGtinA, 1), line(kGtinA, 1), line(kGtinA, 0)}),
           ErrorCode::invalid_argument, "lines[2].qty_units");
  rejected(make_reserve("o-1", {line(kGtinA, -1)}), ErrorCode::invalid_argument,
           "lines[0].qty_units");
  rejected(make_reserve("o-1", {line(kGtinA, 1), line(kGtinA, 1), line(kGtinA, 1'000'001)}),
           ErrorCode::limit_exceeded, "lines[2].qty_units");
  rejected(make_reserve("o-1", {line(kGtinA, 1, "NOWHERE")}), ErrorCode::not_found,
           "lines[0].location");
  rejected(make_reserve("o-1", {line(kGtinA, 1, "no where")}), ErrorCode::invalid_argument,
           "lines[0].location");
  Reserve long_key = make_reserve("o-1", {line(kGtinA, 1)});
  // The engine stores keys scoped by the server ("<key id>/<client key>").
  long_key.idempotency_key = std::string(livechain::kScopedIdempotencyKeyLengthMax + 1, 'k');
  rejected(long_key, ErrorCode::limit_exceeded, "idempotency_key");
  long_key.idempotency_key = "";
  rejected(long_key, ErrorCode::invalid_argument, "idempotency_key");
  long_key.idempotency_key = std::string(livechain::kScopedIdempotencyKeyLengthMax, 'k');
  reserve(long_key);
}

TEST_F(EngineTest, TtlBoundsAreInclusive) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 1)});
  request.ttl_ms = kReservationTtlMsMin - 1;
  rejected(request, ErrorCode::invalid_argument, "ttl_ms");
  request.ttl_ms = kReservationTtlMsMax + 1;
  rejected(request, ErrorCode::invalid_argument, "ttl_ms");
  request.ttl_ms = 0;
  rejected(request, ErrorCode::invalid_argument, "ttl_ms");
  request.ttl_ms = kReservationTtlMsMin;
  EXPECT_EQ(reserve(request).expires_at_ms, now_ + kReservationTtlMsMin);
  request.ttl_ms = kReservationTtlMsMax;
  EXPECT_EQ(reserve(request).expires_at_ms, now_ + kReservationTtlMsMax);
  EXPECT_EQ(reserve(make_reserve("o-2", {line(kGtinA, 1)})).expires_at_ms,
            now_ + kReservationTtlMsDefault);
}

TEST_F(EngineTest, AutoPickChoosesTheNearestLocationWithEnoughStock) {
  receive(kGtinA, "DC-N", 20);
  receive(kGtinA, "FW-S", 10);
  receive(kGtinA, "ST-E", 10);
  auto picked = [&](int64_t qty, std::optional<std::string> region) {
    ReservationView view = reserve(make_reserve("o", {line(kGtinA, qty)}, region));
    EXPECT_EQ(view.lines.size(), 1u);
    std::string location = view.lines.empty() ? "" : view.lines[0].location_id;
    ok(Release{view.reservation_id});
    return location;
  };
  EXPECT_EQ(picked(5, "east"), "ST-E");   // same region: 0 km
  EXPECT_EQ(picked(5, "south"), "FW-S");  // same region
  EXPECT_EQ(picked(5, "north"), "DC-N");  // same region
  EXPECT_EQ(picked(15, "east"), "DC-N");  // ST-E too small; north is 300 km, south 800
  EXPECT_EQ(picked(10, "south"), "FW-S");
  EXPECT_EQ(picked(11, "south"), "DC-N");  // FW-S too small; east (800) too small too
}

TEST_F(EngineTest, AutoPickPrefersKnownDistancesThenMoreAvailableThenOlderLocations) {
  receive(kGtinA, "FW-S", 5);
  receive(kGtinA, "DC-W", 100);  // west: no distance to anything
  receive(kGtinA, "DC-N", 20);
  auto picked = [&](int64_t qty, std::optional<std::string> region) {
    ReservationView view = reserve(make_reserve("o", {line(kGtinA, qty)}, region));
    std::string location = view.lines.empty() ? "" : view.lines[0].location_id;
    ok(Release{view.reservation_id});
    return location;
  };
  EXPECT_EQ(picked(5, "south"), "FW-S");
  EXPECT_EQ(picked(6, "south"), "DC-N") << "a known 1000 km beats an unknown distance";
  EXPECT_EQ(picked(21, "south"), "DC-W") << "unknown distance is the last resort";
  // Without a buyer region (or an unknown one), more available wins.
  EXPECT_EQ(picked(5, std::nullopt), "DC-W");
  EXPECT_EQ(picked(5, "mars"), "DC-W");
  // Ties on available go to the older location.
  ok(AdjustStock{kGtinA, "DC-W", -80, "count"});  // DC-W 20 = DC-N 20
  EXPECT_EQ(picked(5, std::nullopt), "DC-N");
  EXPECT_EQ(picked(5, "west"), "DC-W") << "same region is 0 km";
}

TEST_F(EngineTest, AutoPickNeverSellsFromFactoriesOrReturnsCentres) {
  receive(kGtinA, "FAC", 100);
  receive(kGtinA, "RC", 100);
  receive(kGtinA, "ST-E", 3);
  EXPECT_EQ(reserve(make_reserve("o", {line(kGtinA, 3)}, "north")).lines[0].location_id, "ST-E");
  rejected(make_reserve("o", {line(kGtinA, 1)}, "north"), ErrorCode::insufficient_stock,
           "lines[0].qty_units");
  // Naming the location explicitly is allowed.
  EXPECT_EQ(reserve(make_reserve("o", {line(kGtinA, 1, "FAC")})).lines[0].location_id, "FAC");
}

TEST_F(EngineTest, AutoPickCountsUnitsAlreadyTakenByExplicitLines) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinA, "ST-E", 6);
  ReservationView view =
      reserve(make_reserve("o", {line(kGtinA, 8, "DC-N"), line(kGtinA, 5)}, "north"));
  ASSERT_EQ(view.lines.size(), 2u);
  EXPECT_EQ(view.lines[0].location_id, "DC-N");
  EXPECT_EQ(view.lines[0].qty_units, 8);
  EXPECT_EQ(view.lines[1].location_id, "ST-E");
  EXPECT_EQ(view.lines[1].qty_units, 5);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 8);
  EXPECT_EQ(balance(kGtinA, "ST-E").reserved_units, 5);
}

// ---- presale ------------------------------------------------------------------

TEST_F(EngineTest, PresaleSellsWithinThePlanOnly) {
  ok(PlanPresale{kGtinC, "FAC", 100});
  EXPECT_EQ(balance(kGtinC, "FAC").presale_planned_units, 100);
  Reserve presale = make_reserve("pre-1", {line(kGtinC, 60)}, "north");
  presale.presale = true;
  ReservationView view = reserve(presale);
  EXPECT_TRUE(view.presale);
  ASSERT_EQ(view.lines.size(), 1u);
  EXPECT_EQ(view.lines[0].location_id, "FAC") << "presale sells from the factory's plan";
  Balance b = balance(kGtinC, "FAC");
  EXPECT_EQ(b.presale_reserved_units, 60);
  EXPECT_EQ(b.on_hand_units, 0);
  EXPECT_EQ(b.reserved_units, 0);
  EXPECT_EQ(b.presale_available_units(), 40);

  presale.order_id = "pre-2";
  presale.lines = {line(kGtinC, 41)};
  Error error = rejected(presale, ErrorCode::presale_exhausted, "lines[0].qty_units");
  EXPECT_NE(error.detail.find(kGtinC), std::string::npos);
  presale.lines = {line(kGtinC, 41, "FAC")};
  rejected(presale, ErrorCode::presale_exhausted, "lines[0].qty_units");
  presale.lines = {line(kGtinC, 40, "FAC")};
  reserve(presale);
  EXPECT_EQ(balance(kGtinC, "FAC").presale_available_units(), 0);
}

TEST_F(EngineTest, PresaleCommitAndPlanChanges) {
  ok(PlanPresale{kGtinC, "FAC", 100});
  Reserve presale = make_reserve("pre-1", {line(kGtinC, 30, "FAC")});
  presale.presale = true;
  uint64_t id = reserve_id(presale);
  ok(Commit{id, {line(kGtinC, 20)}});
  Balance b = balance(kGtinC, "FAC");
  EXPECT_EQ(b.presale_committed_units, 20);
  EXPECT_EQ(b.presale_reserved_units, 0);
  EXPECT_EQ(b.on_hand_units, 0);
  EXPECT_EQ(b.sold_units, 0) << "presale commits do not take spot stock";
  reserve_id(presale);  // 30 more reserved: 50 sold or reserved
  rejected(PlanPresale{kGtinC, "FAC", 49}, ErrorCode::invalid_argument, "planned_units");
  rejected(PlanPresale{kGtinC, "FAC", -1}, ErrorCode::invalid_argument, "planned_units");
  rejected(PlanPresale{kGtinC, "FAC", kBalanceUnitsMax + 1}, ErrorCode::invalid_argument,
           "planned_units");
  rejected(PlanPresale{kGtinUnknown, "FAC", 1}, ErrorCode::not_found, "gtin");
  rejected(PlanPresale{kGtinC, "NOWHERE", 1}, ErrorCode::not_found, "location");
  ok(PlanPresale{kGtinC, "FAC", 50});
  EXPECT_EQ(balance(kGtinC, "FAC").presale_available_units(), 0);
}

TEST_F(EngineTest, SpotAndPresaleStockAreSeparate) {
  receive(kGtinC, "DC-N", 5);
  ok(PlanPresale{kGtinC, "DC-N", 5});
  Reserve presale = make_reserve("pre", {line(kGtinC, 5, "DC-N")});
  presale.presale = true;
  reserve(presale);
  reserve(make_reserve("spot", {line(kGtinC, 5, "DC-N")}));
  Balance b = balance(kGtinC, "DC-N");
  EXPECT_EQ(b.reserved_units, 5);
  EXPECT_EQ(b.presale_reserved_units, 5);
  rejected(presale, ErrorCode::presale_exhausted, "lines[0].qty_units");
  rejected(make_reserve("spot", {line(kGtinC, 1, "DC-N")}), ErrorCode::insufficient_stock,
           "lines[0].qty_units");
}

// ---- idempotency ----------------------------------------------------------------

TEST_F(EngineTest, SameIdempotencyKeyAndBodyReplaysTheOriginalReply) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 4)}, "north");
  request.idempotency_key = "retry-1";
  ReservationView first = reserve(request);
  uint32_t events = batch_.event_count();
  now_ += 1000;
  ReservationView again = reserve(request);
  EXPECT_TRUE(again.idempotent_replay);
  EXPECT_FALSE(first.idempotent_replay);
  EXPECT_EQ(again.reservation_id, first.reservation_id);
  EXPECT_EQ(again.expires_at_ms, first.expires_at_ms);
  EXPECT_EQ(again.order_id, "o-1");
  EXPECT_EQ(again.channel_id, "live-1");
  ASSERT_EQ(again.lines.size(), 1u);
  EXPECT_EQ(again.lines[0].location_id, "DC-N");
  EXPECT_EQ(again.lines[0].qty_units, 4);
  EXPECT_EQ(batch_.event_count(), events) << "a replay journals nothing";
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 4) << "a retry never reserves twice";
  EXPECT_EQ(engine_.state().pending_count(), 1u);
}

TEST_F(EngineTest, SameIdempotencyKeyWithAnotherBodyIsAConflict) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 4)});
  request.idempotency_key = "retry-1";
  reserve(request);
  Reserve changed = request;
  changed.lines[0].qty_units = 5;
  rejected(changed, ErrorCode::idempotency_conflict, "idempotency_key");
  changed = request;
  changed.order_id = "o-2";
  rejected(changed, ErrorCode::idempotency_conflict, "idempotency_key");
  changed = request;
  changed.ttl_ms = 60'000;
  rejected(changed, ErrorCode::idempotency_conflict, "idempotency_key");
  changed = request;
  changed.presale = true;
  rejected(changed, ErrorCode::idempotency_conflict, "idempotency_key");
  changed = request;
  changed.buyer_region = "north";
  rejected(changed, ErrorCode::idempotency_conflict, "idempotency_key");
  // Another key with the first body is a new reservation.
  changed = request;
  changed.idempotency_key = "retry-2";
  EXPECT_EQ(reserve_id(changed), 2u);
}

TEST_F(EngineTest, ReplayAfterCommitStillDescribesTheOriginalRequest) {
  ok(PlanPresale{kGtinC, "FAC", 10});
  Reserve request = make_reserve("o-1", {line(kGtinC, 4, "FAC")});
  request.presale = true;
  request.idempotency_key = "pay-once";
  ReservationView first = reserve(request);
  ok(Commit{first.reservation_id, {}});
  ReservationView again = reserve(request);
  EXPECT_TRUE(again.idempotent_replay);
  EXPECT_EQ(again.reservation_id, first.reservation_id);
  EXPECT_EQ(again.status, ReservationStatus::committed);
  EXPECT_EQ(again.order_id, "o-1");
  EXPECT_EQ(again.channel_id, "live-1");
  EXPECT_TRUE(again.presale);
  ASSERT_EQ(again.lines.size(), 1u);
  EXPECT_EQ(again.lines[0].qty_units, 4);
  EXPECT_EQ(balance(kGtinC, "FAC").presale_committed_units, 4);
  EXPECT_EQ(balance(kGtinC, "FAC").presale_reserved_units, 0);
}

TEST_F(EngineTest, ReplayIsAnsweredEvenWhenStockRanOutOrTheReservationExpired) {
  receive(kGtinA, "DC-N", 4);
  Reserve request = make_reserve("o-1", {line(kGtinA, 4)});
  request.idempotency_key = "k";
  request.ttl_ms = 1000;
  uint64_t id = reserve_id(request);
  now_ += 1000;
  ReservationView again = reserve(request);  // expires it first, then replays
  EXPECT_TRUE(again.idempotent_replay);
  EXPECT_EQ(again.reservation_id, id);
  EXPECT_EQ(again.status, ReservationStatus::expired);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
}

TEST_F(EngineTest, IdempotencyTreatsEquivalentGtinFormsAsTheSameBody) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 2, "DC-N")});
  request.idempotency_key = "same-body";
  ReservationView first = reserve(request);
  request.lines[0].gtin = std::string(kGtinA).substr(1);  // GTIN-13 form of the same item
  ReservationView again = reserve(request);
  EXPECT_TRUE(again.idempotent_replay);
  EXPECT_EQ(again.reservation_id, first.reservation_id);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 2);
}

TEST_F(EngineTest, RejectedRequestDoesNotClaimItsIdempotencyKey) {
  Reserve request = make_reserve("o-1", {line(kGtinA, 4, "DC-N")});
  request.idempotency_key = "k";
  rejected(request, ErrorCode::insufficient_stock, "lines[0].qty_units");
  receive(kGtinA, "DC-N", 4);
  ReservationView view = reserve(request);
  EXPECT_FALSE(view.idempotent_replay);
  EXPECT_EQ(view.reservation_id, 1u);
}

TEST_F(EngineTest, IdempotencyKeysAreForgottenAfterTheRetentionPeriod) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 1)});
  request.idempotency_key = "k";
  uint64_t first = reserve_id(request);
  now_ += kIdempotencyRetentionMs - 1;
  receive(kGtinA, "DC-N", 1);
  EXPECT_TRUE(reserve(request).idempotent_replay);
  now_ += 1;
  receive(kGtinA, "DC-N", 1);  // an event at retention age evicts the key
  ReservationView fresh = reserve(request);
  EXPECT_FALSE(fresh.idempotent_replay);
  EXPECT_NE(fresh.reservation_id, first);
}

// ---- commit, release, extend ---------------------------------------------------

TEST_F(EngineTest, CommitInFullTakesStockOut) {
  receive(kGtinA, "DC-N", 10);
  uint64_t id = reserve_id(make_reserve("o-1", {line(kGtinA, 4, "DC-N")}));
  auto view = ok_as<ReservationView>(Commit{id, {}});
  EXPECT_EQ(view.status, ReservationStatus::committed);
  ASSERT_EQ(view.lines.size(), 1u);
  EXPECT_EQ(view.lines[0].committed_units, 4);
  Balance b = balance(kGtinA, "DC-N");
  EXPECT_EQ(b.on_hand_units, 6);
  EXPECT_EQ(b.reserved_units, 0);
  EXPECT_EQ(b.sold_units, 4);
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::committed);
  EXPECT_EQ(engine_.state().pending_count(), 0u);
}

TEST_F(EngineTest, PartialCommitReleasesTheRest) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinB, "DC-N", 10);
  receive(kGtinC, "DC-N", 10);
  uint64_t id = reserve_id(make_reserve(
      "o-1", {line(kGtinA, 5, "DC-N"), line(kGtinB, 3, "DC-N"), line(kGtinC, 2, "DC-N")}));
  auto view = ok_as<ReservationView>(Commit{id, {line(kGtinA, 2), line(kGtinC, 0, "DC-N")}});
  ASSERT_EQ(view.lines.size(), 3u);
  EXPECT_EQ(view.lines[0].committed_units, 2);
  EXPECT_EQ(view.lines[1].committed_units, 3) << "lines not named commit in full";
  EXPECT_EQ(view.lines[2].committed_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 8);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-N").sold_units, 2);
  EXPECT_EQ(balance(kGtinB, "DC-N").on_hand_units, 7);
  EXPECT_EQ(balance(kGtinC, "DC-N").on_hand_units, 10);
  EXPECT_EQ(balance(kGtinC, "DC-N").reserved_units, 0);
}

TEST_F(EngineTest, CommitLinesAreValidated) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinA, "ST-E", 10);
  receive(kGtinB, "DC-N", 10);
  uint64_t id = reserve_id(
      make_reserve("o-1", {line(kGtinA, 5, "DC-N"), line(kGtinA, 2, "ST-E"), line(kGtinB, 3)}));
  rejected(Commit{id, {line(kGtinB, 4)}}, ErrorCode::invalid_argument, "lines[0].qty_units");
  rejected(Commit{id, {line(kGtinB, -1)}}, ErrorCode::invalid_argument, "lines[0].qty_units");
  rejected(Commit{id, {line(kGtinC, 1)}}, ErrorCode::invalid_argument, "lines[0].sku");
  rejected(Commit{id, {line(kGtinUnknown, 1)}}, ErrorCode::not_found, "lines[0].sku");
  rejected(Commit{id, {line(kGtinB, 1), line(kGtinB, 1)}}, ErrorCode::invalid_argument,
           "lines[1].sku");
  rejected(Commit{id, {line(kGtinA, 1)}}, ErrorCode::invalid_argument, "lines[0].location");
  rejected(Commit{id, {line(kGtinB, 1, "ST-E")}}, ErrorCode::invalid_argument, "lines[0].sku");
  rejected(Commit{id, std::vector<LineRequest>(65, line(kGtinB, 1))}, ErrorCode::limit_exceeded,
           "lines");
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::pending) << "still committable";
  auto view = ok_as<ReservationView>(Commit{id, {line(kGtinA, 1, "ST-E")}});
  EXPECT_EQ(view.lines[0].committed_units, 5);
  EXPECT_EQ(view.lines[1].committed_units, 1);
  EXPECT_EQ(balance(kGtinA, "ST-E").on_hand_units, 9);
  EXPECT_EQ(balance(kGtinA, "ST-E").reserved_units, 0);
}

TEST_F(EngineTest, ReleaseReturnsEveryUnit) {
  receive(kGtinA, "DC-N", 10);
  uint64_t id = reserve_id(make_reserve("o-1", {line(kGtinA, 10, "DC-N")}));
  auto view = ok_as<ReservationView>(Release{id});
  EXPECT_EQ(view.status, ReservationStatus::released);
  Balance b = balance(kGtinA, "DC-N");
  EXPECT_EQ(b.reserved_units, 0);
  EXPECT_EQ(b.on_hand_units, 10);
  EXPECT_EQ(b.sold_units, 0);
}

TEST_F(EngineTest, ResolvingAResolvedReservationGivesASpecificError) {
  receive(kGtinA, "DC-N", 10);
  uint64_t committed = reserve_id(make_reserve("c", {line(kGtinA, 1)}));
  uint64_t released = reserve_id(make_reserve("r", {line(kGtinA, 1)}));
  Reserve short_lived = make_reserve("e", {line(kGtinA, 1)});
  short_lived.ttl_ms = 100;
  uint64_t expired = reserve_id(short_lived);
  ok(Commit{committed, {}});
  ok(Release{released});
  now_ += 100;
  ok(ExpireDue{});
  struct Case {
    uint64_t id;
    ErrorCode code;
  };
  for (const Case& c : {Case{committed, ErrorCode::reservation_committed},
                        Case{released, ErrorCode::reservation_released},
                        Case{expired, ErrorCode::reservation_expired},
                        Case{0, ErrorCode::not_found}, Case{999, ErrorCode::not_found}}) {
    rejected(Commit{c.id, {}}, c.code, "reservation_id");
    rejected(Release{c.id}, c.code, "reservation_id");
    rejected(ExtendReservation{c.id, 60'000}, c.code, "reservation_id");
  }
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 9);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
}

TEST_F(EngineTest, ReservationExpiresExactlyAtItsExpiryTime) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 6, "DC-N")});
  request.ttl_ms = 1000;
  uint64_t id = reserve_id(request);
  TimeMs expires_at = now_ + 1000;
  now_ = expires_at - 1;
  EXPECT_TRUE(ok_as<ExpiredView>(ExpireDue{}).reservation_ids.empty());
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 6);
  now_ = expires_at;
  EXPECT_EQ(ok_as<ExpiredView>(ExpireDue{}).reservation_ids, std::vector<uint64_t>{id});
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::expired);
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 10);
}

TEST_F(EngineTest, AnyCommandExpiresDueReservationsFirst) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 10, "DC-N")});
  request.ttl_ms = 1000;
  uint64_t id = reserve_id(request);
  now_ += 1000;
  uint32_t events = batch_.event_count();
  // Only after the expiry is there stock for this reservation.
  reserve(make_reserve("o-2", {line(kGtinA, 10, "DC-N")}));
  EXPECT_EQ(batch_.event_count(), events + 2) << "expired + reserved";
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::expired);
}

TEST_F(EngineTest, CommitAtTheExpiryTimeIsTooLate) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 3, "DC-N")});
  request.ttl_ms = 500;
  uint64_t id = reserve_id(request);
  now_ += 500;
  uint32_t events = batch_.event_count();
  auto reply = run(Commit{id, {}});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::reservation_expired);
  EXPECT_EQ(reply.error().field, "reservation_id");
  EXPECT_EQ(batch_.event_count(), events + 1) << "the expiry itself is journaled";
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::expired);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 10);
  EXPECT_EQ(balance(kGtinA, "DC-N").sold_units, 0);
}

TEST_F(EngineTest, ExtendMovesTheExpiry) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 3, "DC-N")});
  request.ttl_ms = 1000;
  TimeMs start = now_;
  uint64_t id = reserve_id(request);
  now_ = start + 500;
  rejected(ExtendReservation{id, 99}, ErrorCode::invalid_argument, "ttl_ms");
  rejected(ExtendReservation{id, kReservationTtlMsMax + 1}, ErrorCode::invalid_argument, "ttl_ms");
  auto view = ok_as<ReservationView>(ExtendReservation{id, 2000});
  EXPECT_EQ(view.expires_at_ms, start + 2500);
  EXPECT_EQ(view.status, ReservationStatus::pending);
  now_ = start + 1000;  // the old expiry time: nothing happens
  EXPECT_TRUE(ok_as<ExpiredView>(ExpireDue{}).reservation_ids.empty());
  EXPECT_EQ(engine_.state().status(id), ReservationStatus::pending);
  now_ = start + 2499;
  ok(Commit{id, {line(kGtinA, 1)}});
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 9);
  now_ = start + 2500;
  EXPECT_TRUE(ok_as<ExpiredView>(ExpireDue{}).reservation_ids.empty()) << "already committed";
}

TEST_F(EngineTest, ExtendCanAlsoShortenAndStillExpires) {
  receive(kGtinA, "DC-N", 10);
  uint64_t id = reserve_id(make_reserve("o-1", {line(kGtinA, 3, "DC-N")}));
  ok(ExtendReservation{id, 100});
  now_ += 100;
  EXPECT_EQ(ok_as<ExpiredView>(ExpireDue{}).reservation_ids, std::vector<uint64_t>{id});
}

// Regression: a reservation resolved (or extended) before its expiry leaves a stale
// entry in the expiry heap. A later command arriving after that old expiry time must
// skip the stale entry, not journal an expiry of a committed or extended reservation.
TEST_F(EngineTest, ResolvedOrExtendedReservationsAreNotExpiredByTheirOldTtl) {
  receive(kGtinA, "DC-N", 10);
  Reserve request = make_reserve("o-1", {line(kGtinA, 1, "DC-N")});
  request.ttl_ms = 1000;
  uint64_t committed = reserve_id(request);
  uint64_t released = reserve_id(request);
  uint64_t extended = reserve_id(request);
  ok(Commit{committed, {}});
  ok(Release{released});
  ok(ExtendReservation{extended, 10'000});
  now_ += 5000;  // one jump past the old expiry, before the extended one
  EXPECT_TRUE(ok_as<ExpiredView>(ExpireDue{}).reservation_ids.empty());
  EXPECT_EQ(engine_.state().status(committed), ReservationStatus::committed);
  EXPECT_EQ(engine_.state().status(released), ReservationStatus::released);
  EXPECT_EQ(engine_.state().status(extended), ReservationStatus::pending);
  now_ += 10'000;
  EXPECT_EQ(ok_as<ExpiredView>(ExpireDue{}).reservation_ids, std::vector<uint64_t>{extended});
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 9);
}

TEST_F(EngineTest, ExpiriesComeInExpiryOrder) {
  receive(kGtinA, "DC-N", 10);
  std::vector<uint64_t> ids;
  for (int64_t ttl_ms : {3000, 1000, 2000, 1000}) {
    Reserve request = make_reserve("o", {line(kGtinA, 1, "DC-N")});
    request.ttl_ms = ttl_ms;
    ids.push_back(reserve_id(request));
  }
  now_ += 2000;
  EXPECT_EQ(ok_as<ExpiredView>(ExpireDue{}).reservation_ids,
            (std::vector<uint64_t>{ids[1], ids[3], ids[2]}));
  EXPECT_EQ(balance(kGtinA, "DC-N").reserved_units, 1);
}

// ---- transfers ------------------------------------------------------------------

TEST_F(EngineTest, TransferShipsIntoTransitAndReceivesIntoStock) {
  receive(kGtinA, "DC-N", 10);
  auto shipped = ok_as<TransferView>(ShipTransfer{kGtinA, "DC-N", "ST-E", 4});
  EXPECT_EQ(shipped.transfer_id, 1u);
  EXPECT_EQ(shipped.shipped_units, 4);
  EXPECT_FALSE(shipped.received_units.has_value());
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 6);
  EXPECT_EQ(balance(kGtinA, "ST-E").in_transit_units, 4);
  EXPECT_EQ(balance(kGtinA, "ST-E").on_hand_units, 0);
  auto received = ok_as<TransferView>(ReceiveTransfer{1, std::nullopt});
  EXPECT_EQ(received.received_units, 4);
  Balance to = balance(kGtinA, "ST-E");
  EXPECT_EQ(to.in_transit_units, 0);
  EXPECT_EQ(to.on_hand_units, 4);
  EXPECT_EQ(to.lost_in_transit_units, 0);
}

TEST_F(EngineTest, PartialReceiptCountsTheRestAsLostInTransit) {
  receive(kGtinA, "DC-N", 10);
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 5});
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 2});
  rejected(ReceiveTransfer{1, 6}, ErrorCode::invalid_argument, "received_units");
  rejected(ReceiveTransfer{1, -1}, ErrorCode::invalid_argument, "received_units");
  ok(ReceiveTransfer{1, 3});
  Balance to = balance(kGtinA, "ST-E");
  EXPECT_EQ(to.on_hand_units, 3);
  EXPECT_EQ(to.lost_in_transit_units, 2);
  EXPECT_EQ(to.in_transit_units, 2) << "the second transfer is still on the road";
  ok(ReceiveTransfer{2, 0});  // everything lost
  to = balance(kGtinA, "ST-E");
  EXPECT_EQ(to.lost_in_transit_units, 4);
  EXPECT_EQ(to.in_transit_units, 0);
  EXPECT_EQ(to.on_hand_units, 3);
}

TEST_F(EngineTest, RerouteSendsAllInTransitUnitsElsewhere) {
  receive(kGtinA, "DC-N", 10);
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 4});
  auto rerouted = ok_as<TransferView>(RerouteTransfer{1, "DC-W", std::nullopt});
  EXPECT_EQ(rerouted.transfer_id, 1u) << "all units: the same transfer, a new destination";
  EXPECT_EQ(rerouted.to_location_id, "DC-W");
  EXPECT_EQ(rerouted.shipped_units, 4);
  EXPECT_EQ(balance(kGtinA, "ST-E").in_transit_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-W").in_transit_units, 4);
  EXPECT_EQ(engine_.state().in_transit_transfers(0), (std::set<uint64_t>{1}));
  ok(ReceiveTransfer{1, std::nullopt});
  EXPECT_EQ(balance(kGtinA, "DC-W").on_hand_units, 4);
  EXPECT_EQ(balance(kGtinA, "ST-E").on_hand_units, 0);
  EXPECT_TRUE(engine_.state().in_transit_transfers(0).empty());
}

TEST_F(EngineTest, PartialRerouteSplitsOffANewTransfer) {
  receive(kGtinA, "DC-N", 10);
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 7});
  auto split = ok_as<TransferView>(RerouteTransfer{1, "DC-W", 3});
  EXPECT_EQ(split.transfer_id, 2u);
  EXPECT_EQ(split.from_location_id, "DC-N");
  EXPECT_EQ(split.to_location_id, "DC-W");
  EXPECT_EQ(split.shipped_units, 3);
  auto rest = ok_as<TransferView>(ReceiveTransfer{1, std::nullopt});
  EXPECT_EQ(rest.shipped_units, 4) << "the rest kept going to ST-E";
  EXPECT_EQ(balance(kGtinA, "ST-E").on_hand_units, 4);
  EXPECT_EQ(balance(kGtinA, "DC-W").in_transit_units, 3);
  ok(ReceiveTransfer{2, 2});
  Balance west = balance(kGtinA, "DC-W");
  EXPECT_EQ(west.on_hand_units, 2);
  EXPECT_EQ(west.lost_in_transit_units, 1);
  EXPECT_EQ(west.in_transit_units, 0);
  EXPECT_EQ(balance(kGtinA, "DC-N").on_hand_units, 3);
}

TEST_F(EngineTest, RerouteErrors) {
  receive(kGtinA, "DC-N", 10);
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 5});
  rejected(RerouteTransfer{2, "DC-W", std::nullopt}, ErrorCode::not_found, "transfer_id");
  rejected(RerouteTransfer{0, "DC-W", std::nullopt}, ErrorCode::not_found, "transfer_id");
  rejected(RerouteTransfer{1, "ST-E", std::nullopt}, ErrorCode::invalid_argument, "to_location");
  rejected(RerouteTransfer{1, "NOWHERE", std::nullopt}, ErrorCode::invalid_argument, "to_location");
  rejected(RerouteTransfer{1, "DC-W", 0}, ErrorCode::invalid_argument, "qty_units");
  rejected(RerouteTransfer{1, "DC-W", 6}, ErrorCode::invalid_argument, "qty_units");
  EXPECT_EQ(balance(kGtinA, "ST-E").in_transit_units, 5) << "nothing changed";
  ok(ReceiveTransfer{1, std::nullopt});
  rejected(RerouteTransfer{1, "DC-W", std::nullopt}, ErrorCode::invalid_state, "transfer_id");
}

TEST_F(EngineTest, TransferErrors) {
  receive(kGtinA, "DC-N", 10);
  reserve(make_reserve("o", {line(kGtinA, 7, "DC-N")}));
  rejected(ShipTransfer{kGtinA, "DC-N", "ST-E", 4}, ErrorCode::insufficient_stock, "qty_units");
  rejected(ShipTransfer{kGtinA, "DC-N", "DC-N", 1}, ErrorCode::invalid_argument, "to_location");
  rejected(ShipTransfer{kGtinA, "DC-N", "NOWHERE", 1}, ErrorCode::not_found, "to_location");
  rejected(ShipTransfer{kGtinA, "NOWHERE", "ST-E", 1}, ErrorCode::not_found, "from_location");
  rejected(ShipTransfer{kGtinA, "DC-N", "ST-E", 0}, ErrorCode::invalid_argument, "qty_units");
  rejected(ShipTransfer{kGtinA, "DC-N", "ST-E", 1'000'001}, ErrorCode::limit_exceeded, "qty_units");
  rejected(ShipTransfer{kGtinUnknown, "DC-N", "ST-E", 1}, ErrorCode::not_found, "gtin");
  ok(ShipTransfer{kGtinA, "DC-N", "ST-E", 3});
  rejected(ReceiveTransfer{2, std::nullopt}, ErrorCode::not_found, "transfer_id");
  rejected(ReceiveTransfer{0, std::nullopt}, ErrorCode::not_found, "transfer_id");
  ok(ReceiveTransfer{1, std::nullopt});
  rejected(ReceiveTransfer{1, std::nullopt}, ErrorCode::invalid_state, "transfer_id");
  EXPECT_EQ(balance(kGtinA, "ST-E").on_hand_units, 3);
}

// ---- returns --------------------------------------------------------------------

TEST_F(EngineTest, ReturnsAreQuarantinedThenGraded) {
  auto view = ok_as<ReturnView>(ReceiveReturn{kGtinB, "RC", 5, "wrong size", "order-9"});
  EXPECT_EQ(view.return_id, 1u);
  EXPECT_EQ(view.quarantine_units, 5);
  EXPECT_EQ(balance(kGtinB, "RC").quarantine_units, 5);
  EXPECT_EQ(balance(kGtinB, "RC").on_hand_units, 0);
  ok(GradeReturn{1, ReturnGrade::restock, 2});
  ok(GradeReturn{1, ReturnGrade::rework, 2});
  view = ok_as<ReturnView>(GradeReturn{1, ReturnGrade::scrap, std::nullopt});
  EXPECT_EQ(view.quarantine_units, 0);
  EXPECT_EQ(view.restocked_units, 2);
  EXPECT_EQ(view.rework_units, 2);
  EXPECT_EQ(view.scrapped_units, 1);
  Balance b = balance(kGtinB, "RC");
  EXPECT_EQ(b.quarantine_units, 0);
  EXPECT_EQ(b.on_hand_units, 2);
  EXPECT_EQ(b.rework_units, 2);
  EXPECT_EQ(b.scrapped_units, 1);
  rejected(GradeReturn{1, ReturnGrade::restock, std::nullopt}, ErrorCode::invalid_state,
           "return_id");
  ok(CompleteRework{1, 1});
  view = ok_as<ReturnView>(CompleteRework{1, std::nullopt});
  EXPECT_EQ(view.rework_units, 0);
  EXPECT_EQ(view.restocked_units, 4);
  EXPECT_EQ(balance(kGtinB, "RC").on_hand_units, 4);
  EXPECT_EQ(balance(kGtinB, "RC").rework_units, 0);
  rejected(CompleteRework{1, std::nullopt}, ErrorCode::invalid_state, "return_id");
}

TEST_F(EngineTest, ReturnErrors) {
  rejected(ReceiveReturn{kGtinB, "RC", 0, "r", std::nullopt}, ErrorCode::invalid_argument,
           "qty_units");
  rejected(ReceiveReturn{kGtinB, "RC", 1'000'001, "r", std::nullopt}, ErrorCode::limit_exceeded,
           "qty_units");
  rejected(ReceiveReturn{kGtinB, "RC", 1, "", std::nullopt}, ErrorCode::invalid_argument, "reason");
  rejected(ReceiveReturn{kGtinB, "RC", 1, std::string(201, 'r'), std::nullopt},
           ErrorCode::limit_exceeded, "reason");
  rejected(ReceiveReturn{kGtinB, "RC", 1, "r", "bad order"}, ErrorCode::invalid_argument,
           "order_id");
  rejected(ReceiveReturn{kGtinB, "NOWHERE", 1, "r", std::nullopt}, ErrorCode::not_found,
           "location");
  ok(ReceiveReturn{kGtinB, "RC", 3, std::string(200, 'r'), std::nullopt});
  rejected(GradeReturn{2, ReturnGrade::restock, std::nullopt}, ErrorCode::not_found, "return_id");
  rejected(GradeReturn{1, ReturnGrade::restock, 4}, ErrorCode::invalid_argument, "qty_units");
  rejected(GradeReturn{1, ReturnGrade::restock, 0}, ErrorCode::invalid_argument, "qty_units");
  rejected(CompleteRework{1, std::nullopt}, ErrorCode::invalid_state, "return_id");
  rejected(CompleteRework{7, std::nullopt}, ErrorCode::not_found, "return_id");
  ok(GradeReturn{1, ReturnGrade::rework, 2});
  rejected(CompleteRework{1, 3}, ErrorCode::invalid_argument, "qty_units");
  rejected(CompleteRework{1, 0}, ErrorCode::invalid_argument, "qty_units");
}

// ---- queries ----------------------------------------------------------------------

TEST_F(EngineTest, Queries) {
  receive(kGtinA, "DC-N", 10);
  receive(kGtinA, "ST-E", 4);
  receive(kGtinB, "DC-N", 1);
  auto a = engine_.stock(std::string("4006381333931"));
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].location_id, "DC-N");
  EXPECT_EQ((*a)[1].location_id, "ST-E");
  EXPECT_EQ((*a)[1].balance.on_hand_units, 4);
  auto all = engine_.stock(std::nullopt);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(engine_.stock(std::string(kGtinUnknown)).error().code, ErrorCode::not_found);
  EXPECT_EQ(engine_.stock(std::string("123")).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(engine_.reservation(1).error().code, ErrorCode::not_found);
  EXPECT_EQ(engine_.transfer(1).error().code, ErrorCode::not_found);
  EXPECT_EQ(engine_.return_view(1).error().code, ErrorCode::not_found);
}

// ---- Ledger over SQLite -------------------------------------------------------

using livechain::test_support::TempDir;

std::vector<Command> ledger_workload() {
  std::vector<Command> commands = {
      PutSku{kGtinA, "Pencil"},
      PutSku{kGtinB, "Soap"},
      PutLocation{"DC-N", LocationKind::dc, "north"},
      PutLocation{"ST-E", LocationKind::store, "east"},
      PutChannel{"live-1", ChannelKind::live_room},
      PutRegionDistance{"north", "east", 300},
      ReceiveStock{kGtinA, "DC-N", 100},
      ReceiveStock{kGtinB, "ST-E", 50},
  };
  for (int i = 0; i < 20; ++i) {
    Reserve request = make_reserve("o-" + std::to_string(i), {line(kGtinA, 2), line(kGtinB, 1)},
                                   i % 2 == 0 ? "east" : "north");
    request.idempotency_key = "key-" + std::to_string(i);
    commands.push_back(request);
  }
  commands.push_back(Commit{1, {}});
  commands.push_back(Commit{2, {line(kGtinA, 1)}});
  commands.push_back(Release{3});
  commands.push_back(ExtendReservation{4, 60'000});
  commands.push_back(ShipTransfer{kGtinA, "DC-N", "ST-E", 5});
  commands.push_back(ReceiveTransfer{1, 4});
  commands.push_back(ReceiveReturn{kGtinB, "ST-E", 2, "damaged", std::nullopt});
  commands.push_back(GradeReturn{1, ReturnGrade::rework, 1});
  commands.push_back(Commit{99, {}});  // rejected: journals nothing
  return commands;
}

class LedgerTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("ledger.db"); }
  std::unique_ptr<Ledger> open_writer() {
    auto ledger = Ledger::open(db(), clock_);
    EXPECT_TRUE(ledger.has_value()) << ledger.error().to_string();
    return ledger.has_value() ? std::move(*ledger) : nullptr;
  }
  void run_all(Ledger& ledger, const std::vector<Command>& commands) {
    for (const Command& command : commands) {
      uint64_t events_before = ledger.journal().tree_size();
      auto reply = ledger.execute(command);
      if (!reply) {
        EXPECT_EQ(ledger.journal().tree_size(), events_before);
      }
      clock_.advance_ms(250);
    }
  }

  TempDir dir_;
  ManualClock clock_{kStartMs};
};

TEST_F(LedgerTest, InitOpenExecuteReopenGivesIdenticalState) {
  auto key = Ledger::init(db());
  ASSERT_TRUE(key.has_value()) << key.error().to_string();
  EXPECT_EQ(Ledger::init(db()).error().code, ErrorCode::already_exists);
  Bytes live;
  {
    auto ledger = open_writer();
    ASSERT_NE(ledger, nullptr);
    EXPECT_EQ(ledger->engine().state().applied_events(), 0u);
    run_all(*ledger, ledger_workload());
    EXPECT_EQ(ledger->journal().tree_size(), ledger->engine().state().applied_events());
    EXPECT_GT(ledger->journal().tree_size(), 30u);
    live = ledger->engine().state().serialize();
  }
  auto reopened = open_writer();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->engine().state().serialize(), live);
  EXPECT_EQ(reopened->recovery().snapshot_next_seq, 0u);
  EXPECT_EQ(reopened->recovery().replayed_events, reopened->journal().tree_size());
  // The reopened ledger continues where the first stopped.
  auto reply = reopened->execute(make_reserve("o-next", {line(kGtinA, 1)}));
  ASSERT_TRUE(reply.has_value()) << reply.error().to_string();
  EXPECT_EQ(std::get<ReservationView>(*reply).reservation_id, 21u);
}

TEST_F(LedgerTest, OpeningAMissingDatabaseIsNotFound) {
  auto ledger = Ledger::open(dir_.file("missing.db"), clock_);
  ASSERT_FALSE(ledger.has_value());
  EXPECT_EQ(ledger.error().code, ErrorCode::not_found);
}

TEST_F(LedgerTest, SnapshotThenMoreEventsRecoversLikeAFullReplay) {
  ASSERT_TRUE(Ledger::init(db()).has_value());
  std::vector<Command> commands = ledger_workload();
  size_t half = commands.size() / 2;
  uint64_t snapshot_seq = 0;
  Bytes live;
  {
    auto ledger = open_writer();
    ASSERT_NE(ledger, nullptr);
    run_all(*ledger, std::vector<Command>(commands.begin(), commands.begin() + half));
    ASSERT_TRUE(ledger->write_snapshot().has_value());
    snapshot_seq = ledger->journal().tree_size();
    run_all(*ledger, std::vector<Command>(commands.begin() + half, commands.end()));
    clock_.advance_ms(kReservationTtlMsDefault);
    ASSERT_TRUE(ledger->execute(ExpireDue{}).has_value());  // expiries after the snapshot
    live = ledger->engine().state().serialize();
    ASSERT_GT(ledger->journal().tree_size(), snapshot_seq);
  }
  auto reopened = open_writer();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->recovery().snapshot_next_seq, snapshot_seq);
  EXPECT_EQ(reopened->recovery().replayed_events, reopened->journal().tree_size() - snapshot_seq);
  EXPECT_EQ(reopened->engine().state().serialize(), live);
  auto full = recover_engine(reopened->journal(), false);
  ASSERT_TRUE(full.has_value()) << full.error().to_string();
  EXPECT_EQ(full->state().serialize(), live);
  EXPECT_TRUE(diff_states(full->state(), reopened->engine().state()).empty());
}

TEST_F(LedgerTest, ReadOnlyOpenRefusesToExecute) {
  ASSERT_TRUE(Ledger::init(db()).has_value());
  Bytes live;
  {
    auto ledger = open_writer();
    ASSERT_NE(ledger, nullptr);
    run_all(*ledger, ledger_workload());
    live = ledger->engine().state().serialize();
  }
  auto reader = Ledger::open_reader(db());
  ASSERT_TRUE(reader.has_value()) << reader.error().to_string();
  EXPECT_EQ((*reader)->engine().state().serialize(), live);
  uint64_t size = (*reader)->journal().tree_size();
  auto reply = (*reader)->execute(ReceiveStock{kGtinA, "DC-N", 1});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::invalid_state);
  EXPECT_EQ((*reader)->journal().tree_size(), size);
  EXPECT_EQ((*reader)->engine().state().serialize(), live);
}

TEST_F(LedgerTest, DiffStatesReportsADriftedBalance) {
  ASSERT_TRUE(Ledger::init(db()).has_value());
  auto ledger = open_writer();
  ASSERT_NE(ledger, nullptr);
  run_all(*ledger, ledger_workload());
  auto journaled = recover_engine(ledger->journal(), false);
  ASSERT_TRUE(journaled.has_value());
  EXPECT_TRUE(diff_states(journaled->state(), ledger->engine().state()).empty());

  // A live engine that drifted: one unjournaled adjustment.
  Engine drifted(journaled->state());
  journal::BatchBuilder scratch;
  ASSERT_TRUE(
      drifted.execute(AdjustStock{kGtinB, "ST-E", -2, "drift"}, drifted.state().now_ms(), scratch)
          .has_value());
  std::vector<std::string> diff = diff_states(journaled->state(), drifted.state());
  ASSERT_FALSE(diff.empty());
  bool names_on_hand = false;
  for (const std::string& entry : diff) {
    if (entry.find("on_hand") != std::string::npos && entry.find(kGtinB) != std::string::npos &&
        entry.find("ST-E") != std::string::npos) {
      names_on_hand = true;
    }
  }
  EXPECT_TRUE(names_on_hand) << diff.front();
}

}  // namespace
}  // namespace livechain::engine
