// Binary codec of events, version 1. Layout per event:
//   u8 kind | varint time_ms | kind-specific fields (strings are varint length + bytes)
// SKUs are written as their 14-digit GTIN, locations and channels by id.
#include <fmt/format.h>

#include "core/assert.hpp"
#include "core/identifier.hpp"
#include "engine/events.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

// alert_book.cpp: one layout for an alert record in events and snapshots.
void put_alert_record(ByteWriter& out, const AlertRecord& record);
bool get_alert_record(ByteReader& in, AlertRecord& record);
// silence_book.cpp: one layout for a silence in events and snapshots.
void put_silence_record(ByteWriter& out, const SilenceRecord& record);
bool get_silence_record(ByteReader& in, SilenceRecord& record);

namespace {

constexpr size_t kStringLengthMax = 4096;

class Encoder {
 public:
  Encoder(const NameTables& names, ByteWriter& out) : names_(names), out_(out) {}

  void sku(SkuIndex sku) { out_.put_string(names_.gtin_of(sku)); }
  void location(LocationIndex location) { out_.put_string(names_.location_id_of(location)); }
  void line(const StockLine& line) {
    sku(line.sku);
    location(line.location);
    out_.put_signed_varint(line.qty_units);
  }

  void body(const BatchCreatedEvent& e) {
    out_.put_varint(e.batch_id);
    sku(e.sku);
    out_.put_string(e.lot);
    out_.put_varint(static_cast<uint64_t>(e.produced_at_ms));
    out_.put_string(e.factory_id);
    out_.put_varint(e.inspection_reports.size());
    for (const auto& report : e.inspection_reports) out_.put_string(report);
  }
  void body(const UnitsIssuedEvent& e) {
    out_.put_varint(e.batch_id);
    out_.put_varint(e.first_serial);
    out_.put_varint(e.count);
  }
  void body(const SkuPutEvent& e) { out_.put_string(e.gtin), out_.put_string(e.name); }
  void body(const LocationPutEvent& e) {
    out_.put_string(e.location_id);
    out_.put_u8(static_cast<uint8_t>(e.kind));
    out_.put_string(e.region);
  }
  void body(const ChannelPutEvent& e) {
    out_.put_string(e.channel_id);
    out_.put_u8(static_cast<uint8_t>(e.kind));
  }
  void body(const RegionDistancePutEvent& e) {
    out_.put_string(e.region_from);
    out_.put_string(e.region_to);
    out_.put_varint(e.distance_km);
  }
  void body(const StockReceivedEvent& e) { line(e.line); }
  void body(const StockAdjustedEvent& e) { line(e.line), out_.put_string(e.reason); }
  void body(const PresalePlannedEvent& e) { line(e.line); }
  void body(const ReservedEvent& e) {
    out_.put_varint(e.reservation_id);
    out_.put_string(e.order_id);
    out_.put_string(names_.channel_id_of(e.channel));
    out_.put_string(e.idempotency_key);
    out_.put_fixed64(e.request_fingerprint);
    out_.put_varint(static_cast<uint64_t>(e.expires_at_ms));
    out_.put_u8(e.presale ? 1 : 0);
    out_.put_varint(e.lines.size());
    for (const StockLine& each : e.lines) line(each);
  }
  void body(const CommittedEvent& e) {
    out_.put_varint(e.reservation_id);
    out_.put_varint(e.committed_units.size());
    for (int64_t qty : e.committed_units) out_.put_signed_varint(qty);
  }
  void body(const ReleasedEvent& e) { out_.put_varint(e.reservation_id); }
  void body(const ExpiredEvent& e) { out_.put_varint(e.reservation_id); }
  void body(const ReservationExtendedEvent& e) {
    out_.put_varint(e.reservation_id);
    out_.put_varint(static_cast<uint64_t>(e.expires_at_ms));
  }
  void body(const TransferShippedEvent& e) {
    out_.put_varint(e.transfer_id);
    sku(e.sku);
    location(e.from);
    location(e.to);
    out_.put_signed_varint(e.qty_units);
  }
  void body(const TransferReceivedEvent& e) {
    out_.put_varint(e.transfer_id);
    out_.put_signed_varint(e.received_units);
  }
  void body(const ReturnReceivedEvent& e) {
    out_.put_varint(e.return_id);
    line(e.line);
    out_.put_string(e.reason);
    out_.put_string(e.order_id);
  }
  void body(const ReturnGradedEvent& e) {
    out_.put_varint(e.return_id);
    out_.put_u8(static_cast<uint8_t>(e.grade));
    out_.put_signed_varint(e.qty_units);
  }
  void body(const ReworkCompletedEvent& e) {
    out_.put_varint(e.return_id);
    out_.put_signed_varint(e.qty_units);
  }
  void body(const AllocationSetEvent& e) {
    out_.put_string(names_.channel_id_of(e.channel));
    sku(e.sku);
    if (e.location == kNetworkLocation) {
      out_.put_string("");
    } else {
      location(e.location);
    }
    out_.put_signed_varint(e.qty_units);
  }
  void body(const IdempotencyRecordedEvent& e) {
    out_.put_string(e.idempotency_key);
    out_.put_fixed64(e.request_fingerprint);
    out_.put_string(e.reply);
  }
  void body(const AlertEvent& e) { put_alert_record(out_, e.record); }
  void body(const StockRestoredEvent& e) {
    out_.put_varint(static_cast<uint64_t>(e.to_ms));
    out_.put_string(e.actor);
    out_.put_string(e.reason);
    out_.put_varint(e.changes);
  }
  void body(const RuleStateEvent& e) {
    out_.put_string(e.key);
    out_.put_string(e.body_json);
  }
  void body(const SilenceCreatedEvent& e) { put_silence_record(out_, e.silence); }
  void body(const EpcisCapturedEvent& e) {
    out_.put_string(e.event_id);
    out_.put_string(e.event_json);
    out_.put_string(e.context_json);
  }
  void body(const SilenceDeletedEvent& e) { out_.put_varint(e.silence_id); }
  void body(const TransferReroutedEvent& e) {
    out_.put_varint(e.transfer_id);
    location(e.to);
    out_.put_signed_varint(e.qty_units);
    out_.put_varint(e.new_transfer_id);
  }
  void body(const BatchReceivedEvent& e) {
    out_.put_varint(e.batch_id);
    location(e.location);
    out_.put_signed_varint(e.qty_units);
  }
  void body(const BatchSoldEvent& e) {
    out_.put_varint(e.reservation_id);
    out_.put_varint(e.line_index);
    out_.put_varint(e.batch_id);
    out_.put_signed_varint(e.qty_units);
    out_.put_varint(e.serials.size());
    for (uint64_t serial : e.serials) out_.put_varint(serial);
  }
  void body(const BatchRecalledEvent& e) {
    out_.put_varint(e.batch_id);
    out_.put_string(e.reason);
  }

 private:
  const NameTables& names_;
  ByteWriter& out_;
};

class Decoder {
 public:
  Decoder(std::span<const uint8_t> data, const NameTables& names) : in_(data), names_(names) {}

  ByteReader& in() { return in_; }
  const NameTables& names() const { return names_; }
  std::string text() { return in_.get_string(kStringLengthMax); }
  bool failed() const { return !in_.ok() || !problem_.empty(); }
  const std::string& problem() const { return problem_; }

  SkuIndex sku() {
    std::string gtin = text();
    auto found = names_.find_sku(gtin);
    if (!found && in_.ok()) note(fmt::format("unknown sku '{}'", gtin));
    return found.value_or(0);
  }
  LocationIndex location() {
    std::string id = text();
    auto found = names_.find_location(id);
    if (!found && in_.ok()) note(fmt::format("unknown location '{}'", id));
    return found.value_or(0);
  }
  ChannelIndex channel() {
    std::string id = text();
    auto found = names_.find_channel(id);
    if (!found && in_.ok()) note(fmt::format("unknown channel '{}'", id));
    return found.value_or(0);
  }
  StockLine line() {
    StockLine out;
    out.sku = sku();
    out.location = location();
    out.qty_units = in_.get_signed_varint();
    return out;
  }
  template <class Enum>
  Enum enumeration(uint8_t last) {
    uint8_t raw = in_.get_u8();
    if (raw > last && in_.ok()) note(fmt::format("enum value {} out of range", raw));
    return static_cast<Enum>(raw);
  }
  void note(std::string problem) {
    if (problem_.empty()) problem_ = std::move(problem);
  }

 private:
  ByteReader in_;
  const NameTables& names_;
  std::string problem_;
};

// EventKind of each EventBody alternative, in declaration order.
constexpr EventKind kKindByIndex[] = {
    EventKind::sku_put,
    EventKind::location_put,
    EventKind::channel_put,
    EventKind::region_distance_put,
    EventKind::stock_received,
    EventKind::stock_adjusted,
    EventKind::presale_planned,
    EventKind::reserved,
    EventKind::committed,
    EventKind::released,
    EventKind::expired,
    EventKind::reservation_extended,
    EventKind::transfer_shipped,
    EventKind::transfer_received,
    EventKind::return_received,
    EventKind::return_graded,
    EventKind::rework_completed,
    EventKind::allocation_set,
    EventKind::idempotency_recorded,
    EventKind::alert_raised,  // + the alert's transition (kinds 30–33)
    EventKind::batch_created,
    EventKind::units_issued,
    EventKind::stock_restored,
    EventKind::session_plan_put,  // + the rule state's kind (kinds 60–69)
    EventKind::silence_created,
    EventKind::silence_deleted,
    EventKind::transfer_rerouted,
    EventKind::batch_received,
    EventKind::batch_sold,
    EventKind::batch_recalled,
    EventKind::epcis_captured,
};
static_assert(std::size(kKindByIndex) == std::variant_size_v<EventBody>);

EventKind kind_of(const EventBody& body) {
  if (const auto* alert = std::get_if<AlertEvent>(&body)) {
    return static_cast<EventKind>(static_cast<uint8_t>(EventKind::alert_raised) +
                                  static_cast<uint8_t>(alert->transition));
  }
  if (const auto* rule = std::get_if<RuleStateEvent>(&body)) {
    return static_cast<EventKind>(static_cast<uint8_t>(EventKind::session_plan_put) +
                                  static_cast<uint8_t>(rule->kind));
  }
  return kKindByIndex[body.index()];
}

bool known_kind(uint8_t kind) {
  if (kind >= static_cast<uint8_t>(EventKind::alert_raised) &&
      kind <= static_cast<uint8_t>(EventKind::alert_resolved)) {
    return true;
  }
  if (kind >= static_cast<uint8_t>(EventKind::session_plan_put) &&
      kind <= static_cast<uint8_t>(EventKind::production_order_put)) {
    return true;
  }
  for (EventKind known : kKindByIndex) {
    if (static_cast<uint8_t>(known) == kind) return true;
  }
  return false;
}

Result<EventBody> decode_body(EventKind kind, Decoder& d);

}  // namespace

EventKind event_kind_of(const EventBody& body) {
  return kind_of(body);
}

void encode_event(const Event& event, const NameTables& names, ByteWriter& out) {
  LC_ASSERT(event.time_ms >= 0);
  out.put_u8(static_cast<uint8_t>(kind_of(event.body)));
  out.put_varint(static_cast<uint64_t>(event.time_ms));
  Encoder encoder(names, out);
  std::visit([&](const auto& body) { encoder.body(body); }, event.body);
}

Result<Event> decode_event(std::span<const uint8_t> data, const NameTables& names) {
  Decoder d(data, names);
  uint8_t kind = d.in().get_u8();
  Event event;
  event.time_ms = static_cast<TimeMs>(d.in().get_varint());
  if (!d.in().ok()) return fail(ErrorCode::corruption, "event", "truncated event header");
  if (!known_kind(kind)) {
    return fail(ErrorCode::corruption, "event", fmt::format("unknown event kind {}", kind));
  }
  auto body = decode_body(static_cast<EventKind>(kind), d);
  if (!body) return std::unexpected(body.error());
  if (d.failed()) {
    return fail(ErrorCode::corruption, "event",
                d.problem().empty() ? "truncated event body" : d.problem());
  }
  if (!d.in().at_end()) return fail(ErrorCode::corruption, "event", "trailing bytes after event");
  event.body = std::move(*body);
  LC_ASSERT(kind_of(event.body) == static_cast<EventKind>(kind));
  return event;
}

namespace {

Result<EventBody> decode_reserved(Decoder& d) {
  ReservedEvent e;
  e.reservation_id = d.in().get_varint();
  e.order_id = d.text();
  e.channel = d.channel();
  e.idempotency_key = d.text();
  e.request_fingerprint = d.in().get_fixed64();
  e.expires_at_ms = static_cast<TimeMs>(d.in().get_varint());
  e.presale = d.in().get_u8() != 0;
  uint64_t count = d.in().get_varint();
  if (count > kReservationLinesMax) {
    return fail(ErrorCode::corruption, "event", "reservation has too many lines");
  }
  for (uint64_t i = 0; i < count && !d.failed(); ++i) e.lines.push_back(d.line());
  return e;
}

Result<EventBody> decode_committed(Decoder& d) {
  CommittedEvent e;
  e.reservation_id = d.in().get_varint();
  uint64_t count = d.in().get_varint();
  if (count > kReservationLinesMax) {
    return fail(ErrorCode::corruption, "event", "commit has too many lines");
  }
  for (uint64_t i = 0; i < count && !d.failed(); ++i) {
    e.committed_units.push_back(d.in().get_signed_varint());
  }
  return e;
}

Result<EventBody> decode_body(EventKind kind, Decoder& d) {
  ByteReader& in = d.in();
  switch (kind) {
    case EventKind::sku_put:
      return SkuPutEvent{d.text(), d.text()};
    case EventKind::location_put: {
      LocationPutEvent e;
      e.location_id = d.text();
      e.kind = d.enumeration<LocationKind>(static_cast<uint8_t>(LocationKind::returns_center));
      e.region = d.text();
      return e;
    }
    case EventKind::channel_put: {
      ChannelPutEvent e;
      e.channel_id = d.text();
      e.kind = d.enumeration<ChannelKind>(static_cast<uint8_t>(ChannelKind::community_group));
      return e;
    }
    case EventKind::region_distance_put: {
      RegionDistancePutEvent e;
      e.region_from = d.text();
      e.region_to = d.text();
      e.distance_km = static_cast<uint32_t>(in.get_varint());
      return e;
    }
    case EventKind::stock_received:
      return StockReceivedEvent{d.line()};
    case EventKind::stock_adjusted: {
      StockLine line = d.line();
      return StockAdjustedEvent{line, d.text()};
    }
    case EventKind::presale_planned:
      return PresalePlannedEvent{d.line()};
    case EventKind::reserved:
      return decode_reserved(d);
    case EventKind::committed:
      return decode_committed(d);
    case EventKind::released:
      return ReleasedEvent{in.get_varint()};
    case EventKind::expired:
      return ExpiredEvent{in.get_varint()};
    case EventKind::reservation_extended: {
      uint64_t id = in.get_varint();
      return ReservationExtendedEvent{id, static_cast<TimeMs>(in.get_varint())};
    }
    case EventKind::batch_created: {
      BatchCreatedEvent e;
      e.batch_id = in.get_varint();
      e.sku = d.sku();
      e.lot = d.text();
      e.produced_at_ms = static_cast<TimeMs>(in.get_varint());
      e.factory_id = d.text();
      uint64_t count = in.get_varint();
      if (count > kInspectionReportsMax) {
        return fail(ErrorCode::corruption, "event", "batch has too many inspection reports");
      }
      for (uint64_t i = 0; i < count && in.ok(); ++i) e.inspection_reports.push_back(d.text());
      return e;
    }
    case EventKind::epcis_captured: {
      EpcisCapturedEvent e;
      e.event_id = d.text();
      e.event_json = in.get_string(journal::kEventLengthMax);
      e.context_json = d.text();
      return e;
    }
    case EventKind::units_issued: {
      UnitsIssuedEvent e;
      e.batch_id = in.get_varint();
      e.first_serial = in.get_varint();
      e.count = in.get_varint();
      return e;
    }
    case EventKind::transfer_shipped: {
      TransferShippedEvent e;
      e.transfer_id = in.get_varint();
      e.sku = d.sku();
      e.from = d.location();
      e.to = d.location();
      e.qty_units = in.get_signed_varint();
      return e;
    }
    case EventKind::transfer_received: {
      uint64_t id = in.get_varint();
      return TransferReceivedEvent{id, in.get_signed_varint()};
    }
    case EventKind::return_received: {
      ReturnReceivedEvent e;
      e.return_id = in.get_varint();
      e.line = d.line();
      e.reason = d.text();
      e.order_id = d.text();
      return e;
    }
    case EventKind::return_graded: {
      ReturnGradedEvent e;
      e.return_id = in.get_varint();
      e.grade = d.enumeration<ReturnGrade>(static_cast<uint8_t>(ReturnGrade::scrap));
      e.qty_units = in.get_signed_varint();
      return e;
    }
    case EventKind::rework_completed: {
      uint64_t id = in.get_varint();
      return ReworkCompletedEvent{id, in.get_signed_varint()};
    }
    case EventKind::allocation_set: {
      AllocationSetEvent e;
      e.channel = d.channel();
      e.sku = d.sku();
      std::string location = d.text();
      e.location = kNetworkLocation;
      if (!location.empty()) {
        auto found = d.names().find_location(location);
        if (!found && in.ok()) d.note(fmt::format("unknown location '{}'", location));
        e.location = found.value_or(0);
      }
      e.qty_units = in.get_signed_varint();
      return e;
    }
    case EventKind::idempotency_recorded: {
      IdempotencyRecordedEvent e;
      e.idempotency_key = d.text();
      e.request_fingerprint = in.get_fixed64();
      e.reply = in.get_string(journal::kEventLengthMax);
      return e;
    }
    case EventKind::alert_raised:
    case EventKind::alert_updated:
    case EventKind::alert_acknowledged:
    case EventKind::alert_resolved: {
      AlertEvent e;
      e.transition = static_cast<AlertTransition>(static_cast<uint8_t>(kind) -
                                                  static_cast<uint8_t>(EventKind::alert_raised));
      if (!get_alert_record(in, e.record) && in.ok()) {
        return fail(ErrorCode::corruption, "event", "alert record out of range");
      }
      return e;
    }
    case EventKind::stock_restored: {
      StockRestoredEvent e;
      e.to_ms = static_cast<TimeMs>(in.get_varint());
      e.actor = d.text();
      e.reason = d.text();
      e.changes = static_cast<uint32_t>(in.get_varint());
      return e;
    }
    case EventKind::session_plan_put:
    case EventKind::warehouse_state_put:
    case EventKind::lane_state_put:
    case EventKind::shipment_put:
    case EventKind::forecast_safety_put:
    case EventKind::turnover_put:
    case EventKind::live_session_put:
    case EventKind::plan_decided:
    case EventKind::factory_put:
    case EventKind::production_order_put: {
      RuleStateEvent e;
      e.kind = static_cast<RuleStateKind>(static_cast<uint8_t>(kind) -
                                          static_cast<uint8_t>(EventKind::session_plan_put));
      e.key = d.text();
      e.body_json = in.get_string(journal::kEventLengthMax);
      return e;
    }
    case EventKind::silence_created: {
      SilenceCreatedEvent e;
      if (!get_silence_record(in, e.silence) && in.ok()) {
        return fail(ErrorCode::corruption, "event", "silence out of range");
      }
      return e;
    }
    case EventKind::silence_deleted:
      return SilenceDeletedEvent{in.get_varint()};
    case EventKind::transfer_rerouted: {
      TransferReroutedEvent e;
      e.transfer_id = in.get_varint();
      e.to = d.location();
      e.qty_units = in.get_signed_varint();
      e.new_transfer_id = in.get_varint();
      return e;
    }
    case EventKind::batch_received: {
      BatchReceivedEvent e;
      e.batch_id = in.get_varint();
      e.location = d.location();
      e.qty_units = in.get_signed_varint();
      return e;
    }
    case EventKind::batch_sold: {
      BatchSoldEvent e;
      e.reservation_id = in.get_varint();
      e.line_index = static_cast<uint32_t>(in.get_varint());
      e.batch_id = in.get_varint();
      e.qty_units = in.get_signed_varint();
      uint64_t count = in.get_varint();
      if (count > kLineSerialsMax) {
        return fail(ErrorCode::corruption, "event", "sale names too many serials");
      }
      for (uint64_t i = 0; i < count && in.ok(); ++i) e.serials.push_back(in.get_varint());
      return e;
    }
    case EventKind::batch_recalled: {
      BatchRecalledEvent e;
      e.batch_id = in.get_varint();
      e.reason = d.text();
      return e;
    }
  }
  return fail(ErrorCode::corruption, "event", "unknown event kind");
}

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::sku_put:
      return "sku_put";
    case EventKind::location_put:
      return "location_put";
    case EventKind::channel_put:
      return "channel_put";
    case EventKind::region_distance_put:
      return "region_distance_put";
    case EventKind::stock_received:
      return "stock_received";
    case EventKind::stock_adjusted:
      return "stock_adjusted";
    case EventKind::presale_planned:
      return "presale_planned";
    case EventKind::reserved:
      return "reserved";
    case EventKind::committed:
      return "committed";
    case EventKind::released:
      return "released";
    case EventKind::expired:
      return "expired";
    case EventKind::reservation_extended:
      return "reservation_extended";
    case EventKind::transfer_shipped:
      return "transfer_shipped";
    case EventKind::batch_created:
      return "batch_created";
    case EventKind::units_issued:
      return "units_issued";
    case EventKind::epcis_captured:
      return "epcis_captured";
    case EventKind::transfer_received:
      return "transfer_received";
    case EventKind::return_received:
      return "return_received";
    case EventKind::return_graded:
      return "return_graded";
    case EventKind::rework_completed:
      return "rework_completed";
    case EventKind::allocation_set:
      return "allocation_set";
    case EventKind::idempotency_recorded:
      return "idempotency_recorded";
    case EventKind::alert_raised:
      return "alert_raised";
    case EventKind::alert_updated:
      return "alert_updated";
    case EventKind::alert_acknowledged:
      return "alert_acknowledged";
    case EventKind::alert_resolved:
      return "alert_resolved";
    case EventKind::stock_restored:
      return "stock_restored";
    case EventKind::session_plan_put:
      return "session_plan_put";
    case EventKind::warehouse_state_put:
      return "warehouse_state_put";
    case EventKind::lane_state_put:
      return "lane_state_put";
    case EventKind::shipment_put:
      return "shipment_put";
    case EventKind::forecast_safety_put:
      return "forecast_safety_put";
    case EventKind::turnover_put:
      return "turnover_put";
    case EventKind::live_session_put:
      return "live_session_put";
    case EventKind::plan_decided:
      return "plan_decided";
    case EventKind::factory_put:
      return "factory_put";
    case EventKind::production_order_put:
      return "production_order_put";
    case EventKind::silence_created:
      return "silence_created";
    case EventKind::silence_deleted:
      return "silence_deleted";
    case EventKind::transfer_rerouted:
      return "transfer_rerouted";
    case EventKind::batch_received:
      return "batch_received";
    case EventKind::batch_sold:
      return "batch_sold";
    case EventKind::batch_recalled:
      return "batch_recalled";
  }
  return "unknown";
}

}  // namespace livechain::engine
