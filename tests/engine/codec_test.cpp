// The event codec (format version 1) and the snapshot codec. Every event kind must
// round-trip field for field; truncated, trailing, unknown-kind or dangling-name bytes
// must be reported as corruption (never a crash); a snapshot must deserialize into a
// state that serializes back to identical bytes and keeps behaving identically.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "engine/engine.hpp"

namespace livechain::engine {
namespace {

// ---- field-for-field equality of event bodies (events have no operator==) ----
bool same(const SkuPutEvent& a, const SkuPutEvent& b) {
  return std::tie(a.gtin, a.name) == std::tie(b.gtin, b.name);
}
bool same(const LocationPutEvent& a, const LocationPutEvent& b) {
  return std::tie(a.location_id, a.kind, a.region) == std::tie(b.location_id, b.kind, b.region);
}
bool same(const ChannelPutEvent& a, const ChannelPutEvent& b) {
  return std::tie(a.channel_id, a.kind) == std::tie(b.channel_id, b.kind);
}
bool same(const RegionDistancePutEvent& a, const RegionDistancePutEvent& b) {
  return std::tie(a.region_from, a.region_to, a.distance_km) ==
         std::tie(b.region_from, b.region_to, b.distance_km);
}
bool same(const StockReceivedEvent& a, const StockReceivedEvent& b) {
  return a.line == b.line;
}
bool same(const StockAdjustedEvent& a, const StockAdjustedEvent& b) {
  return a.line == b.line && a.reason == b.reason;
}
bool same(const PresalePlannedEvent& a, const PresalePlannedEvent& b) {
  return a.line == b.line;
}
bool same(const ReservedEvent& a, const ReservedEvent& b) {
  return std::tie(a.reservation_id, a.order_id, a.channel, a.idempotency_key, a.request_fingerprint,
                  a.expires_at_ms, a.presale) == std::tie(b.reservation_id, b.order_id, b.channel,
                                                          b.idempotency_key, b.request_fingerprint,
                                                          b.expires_at_ms, b.presale) &&
         a.lines == b.lines;
}
bool same(const CommittedEvent& a, const CommittedEvent& b) {
  return a.reservation_id == b.reservation_id && a.committed_units == b.committed_units;
}
bool same(const ReleasedEvent& a, const ReleasedEvent& b) {
  return a.reservation_id == b.reservation_id;
}
bool same(const ExpiredEvent& a, const ExpiredEvent& b) {
  return a.reservation_id == b.reservation_id;
}
bool same(const ReservationExtendedEvent& a, const ReservationExtendedEvent& b) {
  return a.reservation_id == b.reservation_id && a.expires_at_ms == b.expires_at_ms;
}
bool same(const TransferShippedEvent& a, const TransferShippedEvent& b) {
  return std::tie(a.transfer_id, a.sku, a.from, a.to, a.qty_units) ==
         std::tie(b.transfer_id, b.sku, b.from, b.to, b.qty_units);
}
bool same(const TransferReceivedEvent& a, const TransferReceivedEvent& b) {
  return a.transfer_id == b.transfer_id && a.received_units == b.received_units;
}
bool same(const ReturnReceivedEvent& a, const ReturnReceivedEvent& b) {
  return std::tie(a.return_id, a.line, a.reason, a.order_id) ==
         std::tie(b.return_id, b.line, b.reason, b.order_id);
}
bool same(const ReturnGradedEvent& a, const ReturnGradedEvent& b) {
  return std::tie(a.return_id, a.grade, a.qty_units) == std::tie(b.return_id, b.grade, b.qty_units);
}
bool same(const ReworkCompletedEvent& a, const ReworkCompletedEvent& b) {
  return a.return_id == b.return_id && a.qty_units == b.qty_units;
}
bool same(const AllocationSetEvent& a, const AllocationSetEvent& b) {
  return std::tie(a.channel, a.sku, a.location, a.qty_units) ==
         std::tie(b.channel, b.sku, b.location, b.qty_units);
}
bool same(const IdempotencyRecordedEvent& a, const IdempotencyRecordedEvent& b) {
  return std::tie(a.idempotency_key, a.request_fingerprint, a.reply) ==
         std::tie(b.idempotency_key, b.request_fingerprint, b.reply);
}
bool same(const AlertEvent& a, const AlertEvent& b) {
  return a.transition == b.transition && a.record == b.record;
}
bool same(const BatchCreatedEvent& a, const BatchCreatedEvent& b) {
  return std::tie(a.batch_id, a.sku, a.lot, a.produced_at_ms, a.factory_id, a.inspection_reports) ==
         std::tie(b.batch_id, b.sku, b.lot, b.produced_at_ms, b.factory_id, b.inspection_reports);
}
bool same(const UnitsIssuedEvent& a, const UnitsIssuedEvent& b) {
  return std::tie(a.batch_id, a.first_serial, a.count) ==
         std::tie(b.batch_id, b.first_serial, b.count);
}
bool same(const StockRestoredEvent& a, const StockRestoredEvent& b) {
  return std::tie(a.to_ms, a.actor, a.reason, a.changes) ==
         std::tie(b.to_ms, b.actor, b.reason, b.changes);
}
bool same(const RuleStateEvent& a, const RuleStateEvent& b) {
  return a.kind == b.kind && a.key == b.key && a.body_json == b.body_json;
}
bool same(const SilenceCreatedEvent& a, const SilenceCreatedEvent& b) {
  return a.silence == b.silence;
}
bool same(const SilenceDeletedEvent& a, const SilenceDeletedEvent& b) {
  return a.silence_id == b.silence_id;
}
bool same(const TransferReroutedEvent& a, const TransferReroutedEvent& b) {
  return std::tie(a.transfer_id, a.to, a.qty_units, a.new_transfer_id) ==
         std::tie(b.transfer_id, b.to, b.qty_units, b.new_transfer_id);
}
bool same(const BatchReceivedEvent& a, const BatchReceivedEvent& b) {
  return std::tie(a.batch_id, a.location, a.qty_units) ==
         std::tie(b.batch_id, b.location, b.qty_units);
}
bool same(const BatchSoldEvent& a, const BatchSoldEvent& b) {
  return std::tie(a.reservation_id, a.line_index, a.batch_id, a.qty_units, a.serials) ==
         std::tie(b.reservation_id, b.line_index, b.batch_id, b.qty_units, b.serials);
}
bool same(const BatchRecalledEvent& a, const BatchRecalledEvent& b) {
  return a.batch_id == b.batch_id && a.reason == b.reason;
}
bool same(const EpcisCapturedEvent& a, const EpcisCapturedEvent& b) {
  return a.event_id == b.event_id && a.event_json == b.event_json &&
         a.context_json == b.context_json;
}
bool same_event(const Event& a, const Event& b) {
  if (a.time_ms != b.time_ms || a.body.index() != b.body.index()) return false;
  return std::visit(
      [&](const auto& left) {
        using T = std::decay_t<decltype(left)>;
        return same(left, std::get<T>(b.body));
      },
      a.body);
}

constexpr const char* kGtinA = "04006381333931";
constexpr const char* kGtinB = "00036000291452";

Reserve make_reserve(std::string order_id, std::optional<std::string> buyer_region,
                     std::vector<LineRequest> lines, int64_t ttl_ms = kReservationTtlMsDefault) {
  Reserve reserve;
  reserve.order_id = std::move(order_id);
  reserve.channel_id = "live-1";
  reserve.buyer_region = std::move(buyer_region);
  reserve.lines = std::move(lines);
  reserve.ttl_ms = ttl_ms;
  return reserve;
}

// A state whose name tables define two SKUs, three locations and two channels.
class CodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Command& command :
         std::vector<Command>{PutSku{kGtinA, "Pencil"}, PutSku{kGtinB, "Soap"},
                              PutLocation{"DC-1", LocationKind::dc, "north"},
                              PutLocation{"FW-2", LocationKind::front_warehouse, "south"},
                              PutLocation{"RC-3", LocationKind::returns_center, "north"},
                              PutChannel{"live-1", ChannelKind::live_room},
                              PutChannel{"shop-2", ChannelKind::online_shop}}) {
      auto reply = engine_.execute(command, 1000, batch_);
      ASSERT_TRUE(reply.has_value()) << reply.error().to_string();
    }
  }
  const NameTables& names() const { return engine_.state(); }

  Bytes encode(const Event& event) const {
    Bytes out;
    ByteWriter writer(out);
    encode_event(event, names(), writer);
    return out;
  }

  // One event of every kind, with values that exercise every field's range.
  std::vector<Event> every_kind() const {
    StockLines lines = {StockLine{0, 0, 5}, StockLine{1, 1, 1'000'000}, StockLine{0, 1, 1}};
    return {
        Event{1, SkuPutEvent{kGtinA, "Pencil, HB — 鉛筆"}},
        Event{2, LocationPutEvent{"DC-9", LocationKind::returns_center, "west"}},
        Event{3, ChannelPutEvent{"group-1", ChannelKind::community_group}},
        Event{4, RegionDistancePutEvent{"north", "south", 40'000}},
        Event{5, StockReceivedEvent{StockLine{1, 2, 1'000'000}}},
        Event{6, StockAdjustedEvent{StockLine{0, 1, -1'000'000}, "cycle count"}},
        Event{7, PresalePlannedEvent{StockLine{1, 0, 1'000'000'000'000}}},
        Event{8, ReservedEvent{42, "order-1", 1, "key-1", 0xfedcba9876543210ull, 1'700'000'000'000,
                               true, lines}},
        Event{9, ReservedEvent{43, "order-2", 0, "", 0, 10, false, StockLines{lines[0]}}},
        Event{10, CommittedEvent{42, LineQuantities{5, 0, 1}}},
        Event{11, ReleasedEvent{7}},
        Event{12, ExpiredEvent{UINT64_MAX}},
        Event{13, ReservationExtendedEvent{42, 1'700'000'900'000}},
        Event{14, TransferShippedEvent{3, 1, 0, 2, 17}},
        Event{15, TransferReceivedEvent{3, 0}},
        Event{16, ReturnReceivedEvent{9, StockLine{0, 2, 4}, "damaged box", "order-7"}},
        Event{17, ReturnReceivedEvent{10, StockLine{1, 0, 1}, "wrong size", ""}},
        Event{18, ReturnGradedEvent{9, ReturnGrade::rework, 3}},
        Event{19, ReturnGradedEvent{9, ReturnGrade::scrap, 1}},
        Event{20, ReworkCompletedEvent{9, 3}},
        Event{21, AlertEvent{AlertTransition::updated,
                             AlertRecord{7,
                                         "sales_over_forecast",
                                         AlertSeverity::orange,
                                         {{"session", "s-1"}, {"sku", "06901234567892"}},
                                         R"({"ratio":1.25})",
                                         R"({"type":"production_order"})",
                                         AlertState::acknowledged,
                                         5,
                                         21,
                                         9,
                                         0,
                                         2,
                                         "seen"}}},
        Event{1'700'000'000'000, ReleasedEvent{1}},
        Event{1'700'000'000'001, AllocationSetEvent{1, 0, 2, 30}},
        Event{1'700'000'000'002, AllocationSetEvent{0, 1, kNetworkLocation, kAllocationRemoved}},
        Event{1'700'000'000'003,
              IdempotencyRecordedEvent{"key-9", 0x0123456789abcdefull, encode_reply(Done{})}},
        Event{1'700'000'000'004,
              BatchCreatedEvent{1, 1, "L/2026-11", 1'764'460'800'000, "FAC-1", {"QA-1", "QA-2"}}},
        Event{1'700'000'000'005, BatchCreatedEvent{2, 0, "X", 1, "F", {}}},
        Event{1'700'000'000'006, UnitsIssuedEvent{1, 101, 1'000'000}},
        Event{1'700'000'000'007,
              StockRestoredEvent{1'699'999'000'000, "admin:k1", "bad import", 2}},
        Event{1'700'000'000'008, RuleStateEvent{RuleStateKind::lane, "sh-bj", R"({"active":1})"}},
        Event{1'700'000'000'009, RuleStateEvent{RuleStateKind::shipment, "p1", ""}},
        Event{1'700'000'000'010, TransferReroutedEvent{3, 1, 17, 0}},
        Event{1'700'000'000'011, TransferReroutedEvent{UINT64_MAX - 1, 2, 5, UINT64_MAX}},
        Event{1'700'000'000'012, BatchReceivedEvent{2, 1, 40}},
        Event{1'700'000'000'013, BatchSoldEvent{7, 3, 2, 5, {1, 9, UINT64_MAX}}},
        Event{1'700'000'000'014, BatchSoldEvent{8, 0, 1, 1, {}}},
        Event{1'700'000'000'015, BatchRecalledEvent{2, "Salmonella found in lot 7"}},
        Event{1'700'000'000'012,
              EpcisCapturedEvent{"urn:uuid:1",
                                 R"({"type":"ObjectEvent",")" + std::string(50'000, 'x') + "\"}",
                                 R"({"example":"https://ns.example.com/"})"}},
    };
  }

  Engine engine_;
  journal::BatchBuilder batch_;
};

TEST_F(CodecTest, EveryKindRoundTripsFieldForField) {
  std::vector<Event> events = every_kind();
  std::vector<bool> kinds_seen(256, false);
  for (const Event& event : events) {
    Bytes bytes = encode(event);
    EXPECT_EQ(bytes[0], static_cast<uint8_t>(event_kind_of(event.body)))
        << "kind tag is the first byte";
    auto decoded = decode_event(bytes, names());
    ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
    EXPECT_TRUE(same_event(event, *decoded)) << "kind " << static_cast<int>(bytes[0]);
    EXPECT_EQ(encode(*decoded), bytes) << "re-encoding is byte-identical";
    if (bytes[0] < kinds_seen.size()) kinds_seen[bytes[0]] = true;
  }
  for (uint8_t kind : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}) {
    EXPECT_TRUE(kinds_seen[kind]) << "no round trip for kind " << static_cast<int>(kind);
  }
  EXPECT_TRUE(kinds_seen[40] && kinds_seen[41]) << "traceability kinds";
  EXPECT_TRUE(kinds_seen[20]) << "rollback audit kind";
  EXPECT_TRUE(kinds_seen[62] && kinds_seen[63]) << "rule state kinds";
}

TEST_F(CodecTest, EveryKindDescribesOnItsOwnWithNamesNotIndexes) {
  for (const Event& event : every_kind()) {
    Bytes bytes = encode(event);
    auto description = describe_stored_event(bytes);
    ASSERT_TRUE(description.has_value()) << description.error().to_string();
    EXPECT_EQ(description->kind, event_kind_name(static_cast<EventKind>(bytes[0])));
    EXPECT_EQ(description->time_ms, event.time_ms);
    EXPECT_FALSE(description->fields.empty());
  }
  // A reservation lists its lines with GTINs and location ids, in order.
  auto reserved = describe_stored_event(encode(every_kind()[7]));
  ASSERT_TRUE(reserved.has_value());
  std::vector<std::string> skus;
  for (const EventField& field : reserved->fields) {
    if (field.name == "sku") skus.push_back(field.value);
    if (field.name == "order_id") {
      EXPECT_EQ(field.value, "order-1");
    }
    if (field.name == "reservation_id") {
      EXPECT_TRUE(field.is_number);
    }
  }
  EXPECT_EQ(skus, (std::vector<std::string>{kGtinA, kGtinB, kGtinA}));
  Bytes truncated = encode(every_kind()[7]);
  truncated.pop_back();
  auto bad = describe_stored_event(truncated);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::corruption);
}

TEST_F(CodecTest, KindTagsAreTheDocumentedOnDiskNumbers) {
  EXPECT_EQ(encode(Event{0, SkuPutEvent{kGtinA, "x"}})[0], 1);
  EXPECT_EQ(encode(Event{0, ReservedEvent{1, "o", 0, "", 0, 1, false, {StockLine{0, 0, 1}}}})[0],
            8);
  EXPECT_EQ(encode(Event{0, ExpiredEvent{1}})[0], 11);
  EXPECT_EQ(encode(Event{0, ReworkCompletedEvent{1, 1}})[0], 17);
  EXPECT_EQ(event_kind_name(EventKind::reserved), "reserved");
  EXPECT_EQ(event_kind_name(EventKind::rework_completed), "rework_completed");
  EXPECT_EQ(encode(Event{0, AllocationSetEvent{0, 0, 0, 1}})[0], 18);
  EXPECT_EQ(encode(Event{0, IdempotencyRecordedEvent{"k", 1, encode_reply(Done{})}})[0], 19);
  EXPECT_EQ(event_kind_name(EventKind::idempotency_recorded), "idempotency_recorded");
  // Traceability takes 40–49 (issue 12), whatever the variant order.
  EXPECT_EQ(encode(Event{0, BatchCreatedEvent{1, 0, "L", 1, "F", {}}})[0], 40);
  EXPECT_EQ(encode(Event{0, UnitsIssuedEvent{1, 1, 1}})[0], 41);
  EXPECT_EQ(event_kind_name(EventKind::batch_created), "batch_created");
  EXPECT_EQ(event_kind_name(EventKind::units_issued), "units_issued");
  EXPECT_EQ(encode(Event{0, BatchReceivedEvent{1, 0, 1}})[0], 47);
  EXPECT_EQ(encode(Event{0, BatchSoldEvent{1, 0, 1, 1, {}}})[0], 48);
  EXPECT_EQ(encode(Event{0, BatchRecalledEvent{1, "r"}})[0], 49);
  EXPECT_EQ(event_kind_name(EventKind::batch_recalled), "batch_recalled");
  EXPECT_EQ(encode(Event{0, StockRestoredEvent{0, "a", "r", 0}})[0], 20);
  EXPECT_EQ(event_kind_name(EventKind::stock_restored), "stock_restored");
}

TEST_F(CodecTest, NamesAreWrittenAsGtinsAndIds) {
  Bytes bytes = encode(Event{5, StockReceivedEvent{StockLine{1, 1, 3}}});
  std::string text(bytes.begin(), bytes.end());
  EXPECT_NE(text.find(kGtinB), std::string::npos);
  EXPECT_NE(text.find("FW-2"), std::string::npos);
}

TEST_F(CodecTest, EveryTruncationIsCorruption) {
  for (const Event& event : every_kind()) {
    Bytes bytes = encode(event);
    for (size_t length = 0; length < bytes.size(); ++length) {
      auto decoded = decode_event(std::span<const uint8_t>(bytes).subspan(0, length), names());
      ASSERT_FALSE(decoded.has_value())
          << "kind " << static_cast<int>(bytes[0]) << " prefix " << length;
      EXPECT_EQ(decoded.error().code, ErrorCode::corruption);
      EXPECT_EQ(decoded.error().field, "event");
    }
  }
}

TEST_F(CodecTest, TrailingBytesAreCorruption) {
  for (const Event& event : every_kind()) {
    Bytes bytes = encode(event);
    bytes.push_back(0);
    auto decoded = decode_event(bytes, names());
    ASSERT_FALSE(decoded.has_value()) << "kind " << static_cast<int>(bytes[0]);
    EXPECT_EQ(decoded.error().code, ErrorCode::corruption);
    EXPECT_NE(decoded.error().detail.find("trailing"), std::string::npos);
  }
}

TEST_F(CodecTest, UnknownKindsAreCorruption) {
  for (uint8_t kind : {0, 21, 29, 34, 100, 255}) {
    Bytes bytes = encode(Event{5, ReleasedEvent{1}});
    bytes[0] = kind;
    auto decoded = decode_event(bytes, names());
    ASSERT_FALSE(decoded.has_value()) << static_cast<int>(kind);
    EXPECT_EQ(decoded.error().code, ErrorCode::corruption);
    EXPECT_NE(decoded.error().detail.find("unknown event kind"), std::string::npos);
  }
}

TEST_F(CodecTest, NamesNotDefinedEarlierAreCorruption) {
  // Encode with a richer name table, decode with the fixture's.
  Engine other;
  journal::BatchBuilder batch;
  for (const Command& command : std::vector<Command>{PutSku{"96385074", "Other"},
                                                     PutLocation{"XX-1", LocationKind::dc, "east"},
                                                     PutChannel{"ch-x", ChannelKind::live_room}}) {
    ASSERT_TRUE(other.execute(command, 1, batch).has_value());
  }
  auto foreign = [&](const Event& event) {
    Bytes out;
    ByteWriter writer(out);
    encode_event(event, other.state(), writer);
    return out;
  };
  for (const Bytes& bytes :
       {foreign(Event{1, StockReceivedEvent{StockLine{0, 0, 1}}}),
        foreign(Event{1, TransferShippedEvent{1, 0, 0, 0, 1}}),
        foreign(Event{1, ReservedEvent{1, "o", 0, "", 0, 5, false, {StockLine{0, 0, 1}}}})}) {
    auto decoded = decode_event(bytes, names());
    ASSERT_FALSE(decoded.has_value());
    EXPECT_EQ(decoded.error().code, ErrorCode::corruption);
    EXPECT_NE(decoded.error().detail.find("unknown"), std::string::npos) << decoded.error().detail;
  }
}

TEST_F(CodecTest, EnumValuesOutOfRangeAreCorruption) {
  Bytes location = encode(Event{1, LocationPutEvent{"L", LocationKind::dc, "r"}});
  // kind, time, string "L" (2 bytes), then the location kind byte.
  ASSERT_EQ(location[4], static_cast<uint8_t>(LocationKind::dc));
  location[4] = 5;
  EXPECT_EQ(decode_event(location, names()).error().code, ErrorCode::corruption);

  Bytes graded = encode(Event{1, ReturnGradedEvent{1, ReturnGrade::scrap, 1}});
  ASSERT_EQ(graded[3], static_cast<uint8_t>(ReturnGrade::scrap));
  graded[3] = 3;
  EXPECT_EQ(decode_event(graded, names()).error().code, ErrorCode::corruption);
}

TEST_F(CodecTest, TooManyReservationLinesIsCorruption) {
  StockLines lines(kReservationLinesMax + 1, StockLine{0, 0, 1});
  Bytes reserved = encode(Event{1, ReservedEvent{1, "o", 0, "", 0, 5, false, lines}});
  auto decoded = decode_event(reserved, names());
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().code, ErrorCode::corruption);

  LineQuantities committed(kReservationLinesMax + 1, 1);
  Bytes commit = encode(Event{1, CommittedEvent{1, committed}});
  EXPECT_EQ(decode_event(commit, names()).error().code, ErrorCode::corruption);

  StockLines at_limit(kReservationLinesMax, StockLine{0, 0, 1});
  EXPECT_TRUE(
      decode_event(encode(Event{1, ReservedEvent{1, "o", 0, "", 0, 5, false, at_limit}}), names())
          .has_value());
}

TEST_F(CodecTest, ApplyStoredEventRejectsCorruptBytesAndTimeRunningBackwards) {
  Engine engine;
  Bytes bytes = encode(Event{5, SkuPutEvent{kGtinA, "Pencil"}});
  ASSERT_TRUE(engine.apply_stored_event(bytes).has_value());
  Bytes earlier = encode(Event{4, SkuPutEvent{kGtinB, "Soap"}});
  auto backwards = engine.apply_stored_event(earlier);
  ASSERT_FALSE(backwards.has_value());
  EXPECT_EQ(backwards.error().code, ErrorCode::corruption);
  Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_EQ(engine.apply_stored_event(truncated).error().code, ErrorCode::corruption);
  EXPECT_EQ(engine.state().applied_events(), 1u);
  EXPECT_EQ(engine.state().skus().size(), 1u);
}

// ---- snapshots ----

// Builds a state with every kind of record: balances of every field, pending,
// committed, released and expired reservations, idempotency entries, transfers in
// transit and received, returns at every stage, region distances.
// `sectioned_state` false: only state an "LCS3" snapshot can hold (no batches).
Engine rich_engine(bool sectioned_state = true) {
  Engine engine;
  journal::BatchBuilder batch;
  TimeMs now = 10'000;
  auto run = [&](const Command& command) {
    auto reply = engine.execute(command, now, batch);
    EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
    now += 10;
  };
  run(PutSku{kGtinA, "Pencil"});
  run(PutSku{kGtinB, "Soap"});
  run(PutLocation{"FAC-1", LocationKind::factory, "north"});
  run(PutLocation{"DC-1", LocationKind::dc, "north"});
  run(PutLocation{"ST-2", LocationKind::store, "south"});
  run(PutChannel{"live-1", ChannelKind::live_room});
  run(PutRegionDistance{"north", "south", 900});
  run(ReceiveStock{kGtinA, "DC-1", 100});
  run(ReceiveStock{kGtinB, "ST-2", 50});
  run(AdjustStock{kGtinA, "DC-1", -3, "breakage"});
  run(PlanPresale{kGtinB, "FAC-1", 500});
  Reserve pending = make_reserve("o-1", "south", {{kGtinA, 2, std::nullopt}, {kGtinB, 5, "ST-2"}});
  pending.idempotency_key = "key-1";
  run(pending);
  Reserve presale = make_reserve("o-2", std::nullopt, {{kGtinB, 20, "FAC-1"}});
  presale.presale = true;
  presale.ttl_ms = 60'000;
  run(presale);
  run(make_reserve("o-3", std::nullopt, {{kGtinA, 7, std::nullopt}}));
  run(Commit{3, {{kGtinA, 4, std::nullopt}}});
  run(make_reserve("o-4", std::nullopt, {{kGtinA, 1, std::nullopt}}, 1000));
  run(make_reserve("o-5", std::nullopt, {{kGtinA, 1, std::nullopt}}));
  run(Release{5});
  run(ExtendReservation{2, 120'000});
  run(ShipTransfer{kGtinA, "DC-1", "ST-2", 10});
  run(ShipTransfer{kGtinA, "DC-1", "ST-2", 6});
  run(ReceiveTransfer{1, 9});
  run(ShipTransfer{kGtinA, "DC-1", "ST-2", 3});
  run(RerouteTransfer{3, "DC-1", 1});  // split: transfer 4 carries 1 back to DC-1
  run(RerouteTransfer{2, "FAC-1", std::nullopt});
  run(ReceiveReturn{kGtinB, "ST-2", 6, "torn", "o-0"});
  run(GradeReturn{1, ReturnGrade::rework, 3});
  run(GradeReturn{1, ReturnGrade::scrap, 1});
  run(CompleteRework{1, 2});
  if (sectioned_state) {
    run(CreateBatch{kGtinA, "L/1", 1'764'460'800'000, "FAC-1", {"QA-1"}});
    run(CreateBatch{kGtinB, "L/1", 1'764'460'800'000, "FAC-1", {}});
    run(IssueUnits{1, 250});
    run(IssueUnits{1, 5});
  }
  now += 2000;
  run(ExpireDue{});  // expires o-4
  EXPECT_EQ(engine.state().status(4), ReservationStatus::expired);
  return engine;
}

TEST(Snapshot, RoundTripGivesIdenticalBytes) {
  Engine engine = rich_engine();
  Bytes bytes = engine.state().serialize();
  auto restored = LedgerState::deserialize(bytes);
  ASSERT_TRUE(restored.has_value()) << restored.error().to_string();
  EXPECT_EQ(restored->serialize(), bytes);
  EXPECT_EQ(restored->applied_events(), engine.state().applied_events());
  EXPECT_EQ(restored->now_ms(), engine.state().now_ms());
  EXPECT_EQ(restored->pending_count(), engine.state().pending_count());
}

TEST(Snapshot, RestoredStateBehavesLikeTheOriginal) {
  Engine original = rich_engine();
  auto restored_state = LedgerState::deserialize(original.state().serialize());
  ASSERT_TRUE(restored_state.has_value());
  Engine restored(std::move(*restored_state));
  journal::BatchBuilder batch_a;
  journal::BatchBuilder batch_b;
  TimeMs now = original.state().now_ms() + 1;
  std::vector<Command> commands = {
      make_reserve("o-9", "south", {{kGtinA, 3, std::nullopt}}),
      make_reserve("o-1", "south", {{kGtinA, 2, std::nullopt}, {kGtinB, 5, "ST-2"}}),
      Commit{2, {}},
      ReceiveTransfer{2, std::nullopt},
      GradeReturn{1, ReturnGrade::restock, std::nullopt},
      IssueUnits{1, 3},                                                  // continues at 256
      CreateBatch{kGtinA, "L/1", 1'764'460'800'000, "FAC-1", {"QA-1"}},  // same: no event
      CreateBatch{kGtinA, "L/1", 1'764'460'800'000, "FAC-2", {"QA-1"}},  // other: refused
      CreateBatch{kGtinA, "L/2", 1'764'460'800'000, "FAC-1", {}},        // batch 3
  };
  std::get<Reserve>(commands[1]).idempotency_key = "key-1";  // replay from the snapshot
  for (const Command& command : commands) {
    auto a = original.execute(command, now, batch_a);
    auto b = restored.execute(command, now, batch_b);
    ASSERT_EQ(a.has_value(), b.has_value());
    if (a && std::holds_alternative<BatchView>(*a)) {
      EXPECT_EQ(std::get<BatchView>(*a).batch_id, std::get<BatchView>(*b).batch_id);
      EXPECT_EQ(std::get<BatchView>(*a).issued_first_serial,
                std::get<BatchView>(*b).issued_first_serial);
    }
    now += 100;
  }
  // Expiry of the reservation that was pending in the snapshot (heap rebuilt).
  now += kReservationTtlMsMax;
  auto a = original.execute(ExpireDue{}, now, batch_a);
  auto b = restored.execute(ExpireDue{}, now, batch_b);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(std::get<ExpiredView>(*a).reservation_ids, std::get<ExpiredView>(*b).reservation_ids);
  EXPECT_FALSE(std::get<ExpiredView>(*a).reservation_ids.empty());
  EXPECT_EQ(batch_a.blob(), batch_b.blob()) << "same events, byte for byte";
  EXPECT_EQ(original.state().serialize(), restored.state().serialize());
}

TEST(Snapshot, EmptyStateRoundTrips) {
  LedgerState empty;
  auto restored = LedgerState::deserialize(empty.serialize());
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->serialize(), empty.serialize());
}

TEST(Snapshot, TruncatedTrailingOrBadMagicIsCorruption) {
  Bytes bytes = rich_engine().state().serialize();
  for (size_t length = 0; length < bytes.size(); ++length) {
    auto restored = LedgerState::deserialize(std::span<const uint8_t>(bytes).subspan(0, length));
    ASSERT_FALSE(restored.has_value()) << "prefix of " << length << " of " << bytes.size();
    EXPECT_EQ(restored.error().code, ErrorCode::corruption);
  }
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_EQ(LedgerState::deserialize(trailing).error().code, ErrorCode::corruption);
  Bytes bad_magic = bytes;
  bad_magic[0] ^= 1;
  EXPECT_EQ(LedgerState::deserialize(bad_magic).error().code, ErrorCode::corruption);
}

// "LCS4" = "LCS3" + tagged sections at the end. The length of the LCS3 part of an
// LCS4 snapshot whose sections hold empty state: the only prefix that, relabelled
// "LCS3", loads and serialises back to the same LCS4 bytes.
size_t lcs3_prefix_length(const Bytes& bytes) {
  for (size_t section_bytes = 1; section_bytes < 256 && section_bytes < bytes.size();
       ++section_bytes) {
    Bytes prefix(bytes.begin(), bytes.end() - static_cast<ptrdiff_t>(section_bytes));
    prefix[0] = 0x33;  // "LCS3"
    auto restored = LedgerState::deserialize(prefix);
    if (restored && restored->serialize() == bytes) return prefix.size();
  }
  return 0;
}

TEST(Snapshot, PreviousLayoutWithoutSectionsStillLoads) {
  Bytes bytes = rich_engine(false).state().serialize();
  ASSERT_EQ(bytes[0], 0x34);  // "LCS4": fixed32 little-endian, the version byte first
  EXPECT_GT(lcs3_prefix_length(bytes), 0u) << "no LCS3 prefix of an LCS4 snapshot loads";
}

TEST(Snapshot, UnknownSectionIsCorruptionNamingItsTag) {
  Bytes bytes = rich_engine(false).state().serialize();
  size_t prefix_length = lcs3_prefix_length(bytes);
  ASSERT_GT(prefix_length, 0u);
  Bytes unknown(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(prefix_length));
  for (uint8_t b : {1, 99, 2, 0xab, 0xcd}) unknown.push_back(b);  // one section, tag 99
  auto restored = LedgerState::deserialize(unknown);
  ASSERT_FALSE(restored.has_value());
  EXPECT_EQ(restored.error().code, ErrorCode::corruption);
  EXPECT_NE(restored.error().detail.find("section 99"), std::string::npos);
}

TEST(Snapshot, SectionedStateRoundTrips) {
  Bytes with = rich_engine(true).state().serialize();
  Bytes without = rich_engine(false).state().serialize();
  ASSERT_NE(with, without);
  auto restored = LedgerState::deserialize(with);
  ASSERT_TRUE(restored.has_value()) << restored.error().detail;
  EXPECT_EQ(restored->serialize(), with);
}

}  // namespace
}  // namespace livechain::engine
