// src/engine/commands.hpp
//
// Commands are requests (they may be rejected); events (events.hpp) are facts. Every
// write to the ledger — from the CLI, the HTTP server or the simulator — is one of
// these, executed by Engine::execute on the single writer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "engine/alert_records.hpp"
#include "engine/types.hpp"

namespace livechain::engine {

struct PutSku {
  std::string gtin;  // GTIN-8/12/13/14, normalised to 14 digits
  std::string name;
};
struct PutLocation {
  std::string location_id;
  LocationKind kind = LocationKind::dc;
  std::string region;
};
struct PutChannel {
  std::string channel_id;
  ChannelKind kind = ChannelKind::live_room;
};
// Symmetric road distance between two regions; used to pick the nearest location.
struct PutRegionDistance {
  std::string region_from;
  std::string region_to;
  uint32_t distance_km = 0;
};
struct ReceiveStock {
  std::string gtin;
  std::string location_id;
  int64_t qty_units = 0;
  // The batch (of this SKU) the units belong to: they are then batch-tracked there.
  std::optional<std::string> lot = std::nullopt;
};
struct AdjustStock {
  std::string gtin;
  std::string location_id;
  int64_t delta_units = 0;  // non-zero; negative may not take on_hand below reserved
  std::string reason;
};
// Sets the planned production that presale orders at this location sell against.
struct PlanPresale {
  std::string gtin;
  std::string location_id;
  int64_t planned_units = 0;
};

struct LineRequest {
  std::string gtin;
  int64_t qty_units = 0;
  std::optional<std::string> location_id;  // none: nearest location able to fill it
  // The batch the units come from (a recalled batch is refused) and, on a commit, the
  // serials sold (at most kLineSerialsMax, each issued in the batch, ≤ qty).
  std::optional<std::string> lot = std::nullopt;
  std::vector<uint64_t> serials = {};
};
// All lines or none. Lines naming the same SKU (and location) are summed first.
struct Reserve {
  std::string order_id;
  std::string channel_id;
  std::optional<std::string> buyer_region;  // to pick the nearest location
  std::vector<LineRequest> lines;
  int64_t ttl_ms = kReservationTtlMsDefault;
  std::optional<std::string> idempotency_key;
  bool presale = false;
};
// Commit at payment. Lines listed commit the given qty (<= reserved, the rest is
// released); lines not listed commit in full.
struct Commit {
  uint64_t reservation_id = 0;
  std::vector<LineRequest> lines;
};
struct Release {
  uint64_t reservation_id = 0;
};
struct ExtendReservation {
  uint64_t reservation_id = 0;
  int64_t ttl_ms = kReservationTtlMsDefault;  // new expiry = now + ttl_ms
};
// Expires every pending reservation whose TTL has run out at the command's time.
struct ExpireDue {};
struct ShipTransfer {
  std::string gtin;
  std::string from_location_id;
  std::string to_location_id;
  int64_t qty_units = 0;
};
struct ReceiveTransfer {
  uint64_t transfer_id = 0;
  std::optional<int64_t> received_units;  // default: all shipped; fewer = lost in transit
};
// Sends units still in transit to another location instead (a redirected shipment).
// All of them (default): the transfer keeps its id and changes destination. Fewer: the
// transfer keeps the rest for its destination and a new transfer (next id, same origin)
// carries qty_units to the new one. Reply: the TransferView now carrying the units.
struct RerouteTransfer {
  uint64_t transfer_id = 0;
  std::string to_location_id;
  std::optional<int64_t> qty_units;
};
struct ReceiveReturn {
  std::string gtin;
  std::string location_id;
  int64_t qty_units = 0;
  std::string reason;
  std::optional<std::string> order_id;
};
struct GradeReturn {
  uint64_t return_id = 0;
  ReturnGrade grade = ReturnGrade::restock;
  std::optional<int64_t> qty_units;  // default: all still in quarantine
};
struct CompleteRework {
  uint64_t return_id = 0;
  std::optional<int64_t> qty_units;  // default: all in rework
};

// Sets a channel's dedicated allocation of a SKU at a location (or network-wide when
// location_id is empty): the channel may sell at most qty_units more of it and no other
// channel can take them (0: it sells none). `remove` drops the allocation (the channel
// sells from the shared pool again). Spot stock only; presale is not allocated.
struct SetAllocation {
  std::string channel_id;
  std::string gtin;
  std::optional<std::string> location_id;
  int64_t qty_units = 0;
  bool remove = false;  // drop the allocation: the channel sells from the shared pool again
};
// Moves qty_units of unused allocation from one channel to another, atomically.
struct MoveAllocation {
  std::string from_channel_id;
  std::string to_channel_id;
  std::string gtin;
  std::optional<std::string> location_id;
  int64_t qty_units = 0;
};
// Holds the fingerprint of a request made of several commands (a CSV import, a batch of
// reservations) under its idempotency key: wrapped in Keyed it claims the key for that
// body, and the request's own commands then carry derived keys ("KEY/3"). No events.
struct KeyGuard {
  uint64_t request_fingerprint = 0;
};
struct CommandBox;
// Any write with an idempotency key: same key and same request → the first reply
// again, nothing applied twice; same key, another request → idempotency_conflict.
// A Reserve inside uses the reservation's own key (the same key space).
struct Keyed {
  std::string idempotency_key;
  std::shared_ptr<const CommandBox> command;
};
// Raises an alert, or updates the open alert of the same kind and subject (grouping):
// an update with nothing changed journals nothing.
struct RaiseAlert {
  std::string kind;
  AlertSeverity severity = AlertSeverity::yellow;
  AlertSubject subject;       // any order; canonicalised by the engine
  std::string evidence_json;  // JSON object text (the caller validated the syntax)
  std::string action_json;    // JSON object text or empty
};
struct AcknowledgeAlert {
  uint64_t alert_id = 0;
  std::string note;
};
// alert_id 0: the open alert of `kind` and `subject`.
struct ResolveAlert {
  uint64_t alert_id = 0;
  std::string kind;
  AlertSubject subject;
  std::string note;
};

// Traceability (issue 12 §2). A batch is keyed by (GTIN, lot): creating the same
// batch again with identical content answers the stored batch, with other content fails.
struct CreateBatch {
  std::string gtin;
  std::string lot;  // GS1 AI 10: 1–20 characters of set 82
  TimeMs produced_at_ms = 0;
  std::string factory_id;
  std::vector<std::string> inspection_reports;
};
// Issues `count` serials, continuing the batch's range.
struct IssueUnits {
  uint64_t batch_id = 0;
  int64_t count = 0;
};
// Recalls a batch (issue 12 §5): locks it everywhere at once. A batch already recalled
// answers as it stands and journals nothing.
struct RecallBatch {
  uint64_t batch_id = 0;
  std::string reason;
};

// One change of a rollback (issue 10 §5): the field of a balance row, its value when
// the rollback was planned and the value the rollback sets.
struct RollbackChange {
  std::string gtin;
  std::string location_id;
  std::string field;  // "on_hand"
  int64_t from_units = 0;
  int64_t to_units = 0;
  int64_t delta_units() const { return to_units - from_units; }
  bool operator==(const RollbackChange&) const = default;
};
// Applies a rollback plan (engine/as_of.hpp plan_rollback) atomically: every change's
// from_units must still be the row's on_hand (else invalid_state: plan again), then one
// stock_adjusted per change and a stock_restored audit record.
struct RestoreStock {
  TimeMs to_ms = 0;
  std::string actor;
  std::string reason;
  std::vector<RollbackChange> changes;
};

// Stores (or, with an empty body, removes) one record of the alert rules' state
// (events 60–67). Reply: Done. The alerts (60–65) or planning (66–67) module owns the
// body's meaning.
struct PutRuleState {
  RuleStateKind kind = RuleStateKind::session_plan;
  std::string key;
  std::string body_json;
};

// Creates a silence (id assigned by the engine). Validation names the API's fields.
struct CreateSilence {
  std::vector<SilenceMatcher> matchers;
  TimeMs starts_at_ms = 0;
  TimeMs ends_at_ms = 0;
  std::string comment;
};
struct DeleteSilence {
  uint64_t silence_id = 0;
};
// The answer the server sent for a write computed outside the engine (the alert rules'
// lanes, shipments, scans …). Wrapped in Keyed it is stored under the request's key, so
// a retry gets that answer again instead of applying the change twice. No other event.
struct RecordAnswer {
  uint16_t status = 200;     // HTTP status, 200..599
  std::string content_type;  // at most kStoredAnswerContentTypeLengthMax bytes; empty: no body
  std::string body;          // at most kStoredAnswerBytesMax bytes
};
inline constexpr size_t kStoredAnswerBytesMax = 60 * 1024;  // under one journal event
inline constexpr size_t kStoredAnswerContentTypeLengthMax = 100;

// Journals captured EPCIS 2.0 events (issue 12 §3), one leaf each, in order, as given
// (src/trace validated them; the server's capture service dropped re-sent ones). The
// engine keeps no state for them: the EPCIS index beside the journal is rebuilt from
// these leaves. Reply: Done. Errors name "eventList[i]…".
struct EpcisRecord {
  std::string event_id;    // 1..trace::kEpcisEventIdBytesMax bytes
  std::string event_json;  // 1..trace::kEpcisEventBytesMax bytes
  // The document's "@context" prefixes as a JSON object ({"example": "https://…"}), so
  // extension fields stay readable; at most trace::kEpcisContextBytesMax bytes.
  std::string context_json;
};
struct CaptureEpcis {
  std::vector<EpcisRecord> events;  // 1..trace::kEpcisEventsPerDocumentMax
};

using Command =
    std::variant<PutSku, PutLocation, PutChannel, PutRegionDistance, ReceiveStock, AdjustStock,
                 PlanPresale, Reserve, Commit, Release, ExtendReservation, ExpireDue, ShipTransfer,
                 ReceiveTransfer, ReceiveReturn, GradeReturn, CompleteRework, SetAllocation,
                 MoveAllocation, Keyed, KeyGuard, RaiseAlert, AcknowledgeAlert, ResolveAlert,
                 CreateBatch, IssueUnits, RestoreStock, PutRuleState, CreateSilence, DeleteSilence,
                 RecordAnswer, RerouteTransfer, RecallBatch, CaptureEpcis>;

struct CommandBox {
  Command command;
};
// Wraps `command` with `idempotency_key` (returns it unchanged when the key is empty).
Command with_idempotency_key(Command command, const std::string& idempotency_key);

// ---- replies -------------------------------------------------------------------

struct ReservationLineView {
  std::string gtin;
  std::string location_id;
  int64_t qty_units = 0;
  std::optional<int64_t> committed_units;  // set once committed
};
struct ReservationView {
  uint64_t reservation_id = 0;
  std::string order_id;
  std::string channel_id;
  ReservationStatus status = ReservationStatus::pending;
  bool presale = false;
  TimeMs expires_at_ms = 0;
  std::vector<ReservationLineView> lines;
  bool idempotent_replay = false;  // true when an earlier identical request was returned
};
struct TransferView {
  uint64_t transfer_id = 0;
  std::string gtin;
  std::string from_location_id;
  std::string to_location_id;
  int64_t shipped_units = 0;
  std::optional<int64_t> received_units;
};
struct ReturnView {
  uint64_t return_id = 0;
  std::string gtin;
  std::string location_id;
  int64_t received_units = 0;
  int64_t quarantine_units = 0;
  int64_t rework_units = 0;
  int64_t restocked_units = 0;
  int64_t scrapped_units = 0;
};
struct BalanceView {
  std::string gtin;
  std::string location_id;
  Balance balance;
};
struct ExpiredView {
  std::vector<uint64_t> reservation_ids;
};
struct BatchView {
  uint64_t batch_id = 0;
  std::string gtin;
  std::string lot;
  TimeMs produced_at_ms = 0;
  std::string factory_id;
  std::vector<std::string> inspection_reports;
  uint64_t units_issued = 0;  // serials 1 … units_issued exist
  // Set on the reply of IssueUnits: the range that command issued.
  std::optional<uint64_t> issued_first_serial;
  std::optional<uint64_t> issued_last_serial;
  bool recalled = false;
  TimeMs recalled_at_ms = 0;
  std::string recall_reason;
  int64_t quarantined_units = 0;  // recalled units moved to quarantine, all locations
};
// What a recall found (Engine::recall_report): where the batch is, who holds it, where
// it went. Orders carry the order id and channel only: no buyer data.
struct RecallReport {
  struct Place {
    std::string location_id;
    std::string region;
    int64_t quarantined_units = 0;  // moved to quarantine by the recall
    int64_t held_units = 0;         // still on hand, held by open reservations
  };
  struct OpenReservation {
    uint64_t reservation_id = 0;
    std::string order_id;
    std::string channel_id;
    std::string location_id;
    int64_t qty_units = 0;
  };
  struct Sale {
    uint64_t reservation_id = 0;
    std::string order_id;
    std::string channel_id;
    std::string location_id;
    std::string region;  // of the location the units left from
    int64_t units = 0;
    std::vector<uint64_t> serials;
  };
  BatchView batch;
  std::vector<Place> places;
  int64_t in_transit_units = 0;
  std::vector<OpenReservation> open_reservations;  // pending lines at places with held units
  std::vector<Sale> sales;                         // at most kRecallSalesListedMax
  int64_t sales_total = 0;                         // sales records, listed or not
  std::vector<std::pair<std::string, int64_t>> sold_units_by_region;
  std::vector<std::pair<std::string, int64_t>> sold_units_by_channel;
};
struct Done {};
// One dedicated allocation: location_id empty for a network-wide one.
struct AllocationView {
  std::string channel_id;
  std::string gtin;
  std::string location_id;
  int64_t qty_units = 0;
};
struct AllocationsView {
  std::vector<AllocationView> allocations;
};

// An alert after a command; `changed` false when the command journaled nothing (an
// identical re-raise, a repeated acknowledge or resolve).
struct AlertView {
  AlertRecord record;
  bool changed = false;
};

// A silence after CreateSilence (or the one DeleteSilence removed).
struct SilenceView {
  SilenceRecord record;
};
// What RecordAnswer stored: replayed verbatim to a retry.
struct StoredAnswer {
  uint16_t status = 200;
  std::string content_type;
  std::string body;
};

using Reply =
    std::variant<Done, ReservationView, TransferView, ReturnView, BalanceView, ExpiredView,
                 AllocationsView, AlertView, BatchView, SilenceView, StoredAnswer>;

}  // namespace livechain::engine
