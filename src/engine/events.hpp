// src/engine/events.hpp
//
// Events are the facts the journal keeps: one Merkle leaf each. In memory they name
// SKUs, locations and channels by dense index; on disk by GTIN and id so that a single
// leaf is readable by an auditor without the rest of the log (docs/journal_format.md).
// Applying an event never fails: Engine::execute validates before it emits.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/alert_records.hpp"
#include "engine/types.hpp"

namespace livechain::engine {

using SkuIndex = uint32_t;
using LocationIndex = uint32_t;
using ChannelIndex = uint32_t;

struct StockLine {
  SkuIndex sku = 0;
  LocationIndex location = 0;
  int64_t qty_units = 0;
  bool operator==(const StockLine&) const = default;
};
using StockLines = boost::container::small_vector<StockLine, 4>;
using LineQuantities = boost::container::small_vector<int64_t, 4>;

// Kind tags are part of the on-disk format: never renumber, only append.
enum class EventKind : uint8_t {
  sku_put = 1,
  location_put = 2,
  channel_put = 3,
  region_distance_put = 4,
  stock_received = 5,
  stock_adjusted = 6,
  presale_planned = 7,
  reserved = 8,
  committed = 9,
  released = 10,
  expired = 11,
  reservation_extended = 12,
  transfer_shipped = 13,
  transfer_received = 14,
  return_received = 15,
  return_graded = 16,
  rework_completed = 17,
  // 18–19: channel pools, idempotency.
  allocation_set = 18,
  idempotency_recorded = 19,
  // 20–29: stock as of T and rollback (issue 10 §4–5).
  stock_restored = 20,
  // 30–39: alerts. One body, AlertEvent, whose transition picks the kind.
  alert_raised = 30,
  alert_updated = 31,
  alert_acknowledged = 32,
  alert_resolved = 33,
  // 40–49: traceability (src/trace, issue 12).
  batch_created = 40,
  units_issued = 41,
  epcis_captured = 42,  // one EPCIS 2.0 event as captured (its JSON as given)
  // 60–69: rule state (issue 11: session plans, warehouse levels, lanes, shipments,
  // forecast safety, turnover; issue 18: planned sessions, plan decisions, factories and
  // production orders).
  // One body, RuleStateEvent, whose kind picks the event kind (60 + kind).
  session_plan_put = 60,
  warehouse_state_put = 61,
  lane_state_put = 62,
  shipment_put = 63,
  forecast_safety_put = 64,
  turnover_put = 65,
  // 66–69: planning's records (src/planning), same body.
  live_session_put = 66,
  plan_decided = 67,
  factory_put = 68,
  production_order_put = 69,
  // 70–79: notification silences.
  silence_created = 70,
  silence_deleted = 71,
  // 80–89: planning's movements (issue 18 §3).
  transfer_rerouted = 80,
};

struct SkuPutEvent {
  std::string gtin;
  std::string name;
};
struct LocationPutEvent {
  std::string location_id;
  LocationKind kind;
  std::string region;
};
struct ChannelPutEvent {
  std::string channel_id;
  ChannelKind kind;
};
struct RegionDistancePutEvent {
  std::string region_from;
  std::string region_to;
  uint32_t distance_km;
};
struct StockReceivedEvent {
  StockLine line;
};
struct StockAdjustedEvent {
  StockLine line;  // qty_units is the signed delta
  std::string reason;
};
struct PresalePlannedEvent {
  StockLine line;  // qty_units is the new planned total
};
struct ReservedEvent {
  uint64_t reservation_id;
  std::string order_id;
  ChannelIndex channel;
  std::string idempotency_key;  // empty: none
  uint64_t request_fingerprint;
  TimeMs expires_at_ms;
  bool presale;
  StockLines lines;
};
struct CommittedEvent {
  uint64_t reservation_id;
  LineQuantities committed_units;  // one per reservation line, in order
};
struct ReleasedEvent {
  uint64_t reservation_id;
};
struct ExpiredEvent {
  uint64_t reservation_id;
};
struct ReservationExtendedEvent {
  uint64_t reservation_id;
  TimeMs expires_at_ms;
};
struct TransferShippedEvent {
  uint64_t transfer_id;
  SkuIndex sku;
  LocationIndex from;
  LocationIndex to;
  int64_t qty_units;
};
struct TransferReceivedEvent {
  uint64_t transfer_id;
  int64_t received_units;
};
// qty_units of an in-transit transfer now go to `to`. new_transfer_id is 0 when all of
// them go (the transfer changes destination), else the id of the transfer split off
// (the next transfer id; same origin) while the rest keep going where they were.
struct TransferReroutedEvent {
  uint64_t transfer_id;
  LocationIndex to;
  int64_t qty_units;
  uint64_t new_transfer_id;
};
struct ReturnReceivedEvent {
  uint64_t return_id;
  StockLine line;
  std::string reason;
  std::string order_id;  // empty: unknown
};
struct ReturnGradedEvent {
  uint64_t return_id;
  ReturnGrade grade;
  int64_t qty_units;
};
struct ReworkCompletedEvent {
  uint64_t return_id;
  int64_t qty_units;
};

// Location of a network-wide allocation (one not tied to a location).
inline constexpr LocationIndex kNetworkLocation = UINT32_MAX;

// A channel's dedicated allocation of a SKU (at a location, or network-wide when
// location == kNetworkLocation) is set to `qty_units` unused units; kAllocationRemoved
// removes it and the channel sells from the shared pool again.
inline constexpr int64_t kAllocationRemoved = -1;
struct AllocationSetEvent {
  ChannelIndex channel;
  SkuIndex sku;
  LocationIndex location;
  int64_t qty_units;
};
// A write command carried an idempotency key: the key, the request's fingerprint and
// the engine's reply (reply_codec), so a retry gets the first answer again.
struct IdempotencyRecordedEvent {
  std::string idempotency_key;
  uint64_t request_fingerprint;
  std::string reply;  // encode_reply bytes
};

// The audit record of a rollback (restore stock to T): who asked, to which instant, why,
// and how many stock_adjusted events (the compensating changes) it journaled just
// before this one, in the same command.
struct StockRestoredEvent {
  TimeMs to_ms = 0;
  std::string actor;
  std::string reason;
  uint32_t changes = 0;
};

// An alert's whole record after a transition (kinds 30–33).
struct AlertEvent {
  AlertTransition transition = AlertTransition::raised;
  AlertRecord record;
};

// Traceability (issue 12 §2): a production batch of one SKU, and serials issued in it.
struct BatchCreatedEvent {
  uint64_t batch_id;
  SkuIndex sku;
  std::string lot;  // GS1 AI 10
  TimeMs produced_at_ms;
  std::string factory_id;
  std::vector<std::string> inspection_reports;  // references, as given
};
// Serials first_serial … first_serial + count − 1 of the batch (decimal AI 21 values).
struct UnitsIssuedEvent {
  uint64_t batch_id;
  uint64_t first_serial;
  uint64_t count;
};
// The alert rules' durable state (src/alerts): one record per (kind, key), its body a
// JSON object the rules own (docs/alerts.md "Durable rule state"); an empty body
// removes the record. The engine keeps the records and never interprets the bodies.
struct RuleStateEvent {
  RuleStateKind kind = RuleStateKind::session_plan;
  std::string key;
  std::string body_json;
};
// One captured EPCIS event (kind 42): its eventID and its JSON as given.
struct EpcisCapturedEvent {
  std::string event_id;
  std::string event_json;
  std::string context_json;  // the document's prefixes, a JSON object
};
// A silence created (kind 70) or deleted (kind 71) through /v1/silences.
struct SilenceCreatedEvent {
  SilenceRecord silence;
};
struct SilenceDeletedEvent {
  uint64_t silence_id = 0;
};

using EventBody =
    std::variant<SkuPutEvent, LocationPutEvent, ChannelPutEvent, RegionDistancePutEvent,
                 StockReceivedEvent, StockAdjustedEvent, PresalePlannedEvent, ReservedEvent,
                 CommittedEvent, ReleasedEvent, ExpiredEvent, ReservationExtendedEvent,
                 TransferShippedEvent, TransferReceivedEvent, ReturnReceivedEvent,
                 ReturnGradedEvent, ReworkCompletedEvent, AllocationSetEvent,
                 IdempotencyRecordedEvent, AlertEvent, BatchCreatedEvent, UnitsIssuedEvent,
                 StockRestoredEvent, RuleStateEvent, SilenceCreatedEvent, SilenceDeletedEvent,
                 TransferReroutedEvent, EpcisCapturedEvent>;

// The kind tag of an event body. Not index + 1 for every alternative: kinds are
// allotted in ranges (docs/events.md), so the table is explicit; an AlertEvent's kind
// is alert_raised + its transition.
EventKind event_kind_of(const EventBody& body);

struct Event {
  TimeMs time_ms = 0;
  EventBody body;
};

// Name tables the codec uses to turn indexes into GTINs/ids and back.
class NameTables {
 public:
  virtual ~NameTables() = default;
  virtual const std::string& gtin_of(SkuIndex sku) const = 0;
  virtual const std::string& location_id_of(LocationIndex location) const = 0;
  virtual const std::string& channel_id_of(ChannelIndex channel) const = 0;
  virtual std::optional<SkuIndex> find_sku(std::string_view gtin) const = 0;
  virtual std::optional<LocationIndex> find_location(std::string_view id) const = 0;
  virtual std::optional<ChannelIndex> find_channel(std::string_view id) const = 0;
};

// Appends the on-disk encoding of `event` (format version 1).
void encode_event(const Event& event, const NameTables& names, ByteWriter& out);

// Decodes one event. Errors: corruption when the bytes are truncated, have trailing
// data, an unknown kind, or name a SKU/location/channel not defined earlier.
Result<Event> decode_event(std::span<const uint8_t> data, const NameTables& names);

std::string_view event_kind_name(EventKind kind);

}  // namespace livechain::engine
