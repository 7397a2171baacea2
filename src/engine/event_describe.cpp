// Readable form of one stored event, decoded on its own (no replay): names in the
// event are interned on the fly, which works because the encoding carries GTINs and
// ids rather than indexes (docs/events.md).
#include <fmt/format.h>

#include <deque>

#include "engine/engine.hpp"

namespace livechain::engine {

namespace {

// NameTables that accepts any name: decoding a lone event needs no earlier events.
class InterningNames final : public NameTables {
 public:
  const std::string& gtin_of(SkuIndex sku) const override { return names_[sku]; }
  const std::string& location_id_of(LocationIndex location) const override {
    return names_[location];
  }
  const std::string& channel_id_of(ChannelIndex channel) const override { return names_[channel]; }
  std::optional<SkuIndex> find_sku(std::string_view gtin) const override { return intern(gtin); }
  std::optional<LocationIndex> find_location(std::string_view id) const override {
    return intern(id);
  }
  std::optional<ChannelIndex> find_channel(std::string_view id) const override {
    return intern(id);
  }

 private:
  uint32_t intern(std::string_view name) const {
    names_.emplace_back(name);
    return static_cast<uint32_t>(names_.size() - 1);
  }
  mutable std::deque<std::string> names_;  // deque: references stay valid as it grows
};

class Describer {
 public:
  Describer(const NameTables& names, EventDescription& out) : names_(names), out_(out) {}

  void text(const char* name, std::string value) {
    out_.fields.push_back({name, std::move(value), false});
  }
  void number(const char* name, int64_t value) {
    out_.fields.push_back({name, std::to_string(value), true});
  }
  void line(const StockLine& line, const char* qty_name = "qty") {
    text("sku", names_.gtin_of(line.sku));
    text("location", names_.location_id_of(line.location));
    number(qty_name, line.qty_units);
  }

  void operator()(const SkuPutEvent& e) { text("sku", e.gtin), text("name", e.name); }
  void operator()(const LocationPutEvent& e) {
    text("location", e.location_id);
    text("kind", std::string(location_kind_name(e.kind)));
    text("region", e.region);
  }
  void operator()(const ChannelPutEvent& e) {
    text("channel", e.channel_id), text("kind", std::string(channel_kind_name(e.kind)));
  }
  void operator()(const RegionDistancePutEvent& e) {
    text("from", e.region_from), text("to", e.region_to), number("km", e.distance_km);
  }
  void operator()(const StockReceivedEvent& e) { line(e.line); }
  void operator()(const StockAdjustedEvent& e) { line(e.line, "delta"), text("reason", e.reason); }
  void operator()(const PresalePlannedEvent& e) { line(e.line, "planned"); }
  void operator()(const ReservedEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
    text("order_id", e.order_id);
    text("channel", names_.channel_id_of(e.channel));
    if (!e.idempotency_key.empty()) text("idempotency_key", e.idempotency_key);
    number("expires_at_ms", e.expires_at_ms);
    if (e.presale) text("presale", "true");
    for (const StockLine& each : e.lines) line(each);
  }
  void operator()(const CommittedEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
    for (int64_t qty : e.committed_units) number("committed", qty);
  }
  void operator()(const ReleasedEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
  }
  void operator()(const ExpiredEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
  }
  void operator()(const ReservationExtendedEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
    number("expires_at_ms", e.expires_at_ms);
  }
  void operator()(const TransferShippedEvent& e) {
    number("transfer_id", static_cast<int64_t>(e.transfer_id));
    text("sku", names_.gtin_of(e.sku));
    text("from", names_.location_id_of(e.from));
    text("to", names_.location_id_of(e.to));
    number("qty", e.qty_units);
  }
  void operator()(const TransferReceivedEvent& e) {
    number("transfer_id", static_cast<int64_t>(e.transfer_id)),
        number("received", e.received_units);
  }
  void operator()(const TransferReroutedEvent& e) {
    number("transfer_id", static_cast<int64_t>(e.transfer_id));
    text("to", names_.location_id_of(e.to));
    number("qty", e.qty_units);
    if (e.new_transfer_id != 0) number("new_transfer_id", static_cast<int64_t>(e.new_transfer_id));
  }
  void operator()(const ReturnReceivedEvent& e) {
    number("return_id", static_cast<int64_t>(e.return_id));
    line(e.line);
    text("reason", e.reason);
    if (!e.order_id.empty()) text("order_id", e.order_id);
  }
  void operator()(const ReturnGradedEvent& e) {
    number("return_id", static_cast<int64_t>(e.return_id));
    text("grade", std::string(return_grade_name(e.grade)));
    number("qty", e.qty_units);
  }
  void operator()(const BatchCreatedEvent& e) {
    number("batch_id", static_cast<int64_t>(e.batch_id));
    text("sku", names_.gtin_of(e.sku));
    text("lot", e.lot);
    number("produced_at_ms", e.produced_at_ms);
    text("factory", e.factory_id);
    for (const auto& report : e.inspection_reports) text("inspection_report", report);
  }
  void operator()(const UnitsIssuedEvent& e) {
    number("batch_id", static_cast<int64_t>(e.batch_id));
    number("first_serial", static_cast<int64_t>(e.first_serial));
    number("count", static_cast<int64_t>(e.count));
  }
  void operator()(const BatchReceivedEvent& e) {
    number("batch_id", static_cast<int64_t>(e.batch_id));
    text("location", names_.location_id_of(e.location));
    number("qty", e.qty_units);
  }
  void operator()(const BatchSoldEvent& e) {
    number("reservation_id", static_cast<int64_t>(e.reservation_id));
    number("line", e.line_index);
    number("batch_id", static_cast<int64_t>(e.batch_id));
    number("qty", e.qty_units);
    for (uint64_t serial : e.serials) number("serial", static_cast<int64_t>(serial));
  }
  void operator()(const BatchRecalledEvent& e) {
    number("batch_id", static_cast<int64_t>(e.batch_id));
    text("reason", e.reason);
  }
  void operator()(const ReworkCompletedEvent& e) {
    number("return_id", static_cast<int64_t>(e.return_id)), number("qty", e.qty_units);
  }
  void operator()(const AllocationSetEvent& e) {
    text("channel", names_.channel_id_of(e.channel));
    text("sku", names_.gtin_of(e.sku));
    if (e.location != kNetworkLocation) text("location", names_.location_id_of(e.location));
    number("qty", e.qty_units);
  }
  void operator()(const IdempotencyRecordedEvent& e) {
    text("idempotency_key", e.idempotency_key);
    text("request_fingerprint", fmt::format("{:016x}", e.request_fingerprint));
  }
  // Evidence, action and note are operational (data level internal); alert events
  // carry no buyer data.
  void operator()(const AlertEvent& e) {
    const AlertRecord& r = e.record;
    number("alert_id", static_cast<int64_t>(r.alert_id));
    text("alert_kind", r.kind);
    text("severity", std::string(alert_severity_name(r.severity)));
    text("state", std::string(alert_state_name(r.state)));
    for (const auto& [name, value] : r.subject) text(("subject." + name).c_str(), value);
    text("evidence", r.evidence_json);
    if (!r.action_json.empty()) text("action", r.action_json);
    number("updates", r.updates);
    if (!r.note.empty()) text("note", r.note);
  }
  void operator()(const StockRestoredEvent& e) {
    number("to_ms", e.to_ms);
    text("actor", e.actor);
    text("reason", e.reason);
    number("changes", e.changes);
  }
  // Rule state (plans, warehouse windows, lanes, shipments): operational, internal.
  void operator()(const RuleStateEvent& e) {
    text("key", e.key);
    text("state", e.body_json);
  }
  void operator()(const SilenceCreatedEvent& e) {
    const SilenceRecord& r = e.silence;
    number("silence_id", static_cast<int64_t>(r.silence_id));
    for (size_t i = 0; i < r.matchers.size(); ++i) {
      const SilenceMatcher& m = r.matchers[i];
      text(fmt::format("matchers[{}]", i).c_str(), m.name + (m.is_equal ? "=" : "!=") + m.value);
    }
    number("starts_at_ms", r.starts_at_ms), number("ends_at_ms", r.ends_at_ms);
    if (!r.comment.empty()) text("comment", r.comment);
  }
  void operator()(const EpcisCapturedEvent& e) {
    text("event_id", e.event_id);
    text("event", e.event_json);
    text("context", e.context_json);
  }
  void operator()(const SilenceDeletedEvent& e) {
    number("silence_id", static_cast<int64_t>(e.silence_id));
  }

 private:
  const NameTables& names_;
  EventDescription& out_;
};

}  // namespace

Result<EventDescription> describe_stored_event(std::span<const uint8_t> data) {
  InterningNames names;
  auto event = decode_event(data, names);
  if (!event) return std::unexpected(event.error());
  EventDescription out;
  out.kind = std::string(event_kind_name(event_kind_of(event->body)));
  out.time_ms = event->time_ms;
  Describer describer(names, out);
  std::visit(describer, event->body);
  return out;
}

}  // namespace livechain::engine
