// src/engine/engine.hpp — public header of the engine module.
//
// engine owns the stock ledger: SKUs, locations, channels and region distances; the
// balances per SKU × location (on_hand, reserved, in_transit, quarantine, rework,
// presale); two-phase reservations (reserve → commit | release | expire, with TTL
// and idempotency keys); transfers (ship → receive) and returns (receive → grade →
// restock | rework | scrap). It turns commands into events, applies them, and rebuilds
// state from the journal. Three ways in, one code path:
//   Engine      — the pure state machine (single-threaded, deterministic);
//   Ledger      — Engine + journal on the embedded database, synchronous (CLI, tests);
//   Sequencer   — the single-writer thread with group commit (server, benchmark, twin).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/commands.hpp"
#include "engine/events.hpp"
#include "engine/state.hpp"
#include "engine/types.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

// Where a channel's units at one location come from: the shared pool, its dedicated
// allocation at that location, its network-wide allocation, or nowhere (the channel
// holds allocations of the SKU elsewhere only).
enum class PoolKind : uint8_t { shared, location, network, none };
std::string_view pool_kind_name(PoolKind kind);

struct ChannelLocationAvailability {
  std::string location_id;
  int64_t available_units = 0;
  PoolKind pool = PoolKind::shared;
};
// What one channel may sell of one SKU now (GET /v1/channels/{id}/available).
struct ChannelAvailability {
  std::string channel_id;
  std::string gtin;
  int64_t available_units = 0;  // over all locations
  std::vector<ChannelLocationAvailability> locations;
  std::vector<AllocationView> allocations;  // the channel's own, if any
};

// Units `channel` may still reserve of `sku` at `location`, given the lines `taken`
// earlier by the same reservation (spot stock): its allocation there, else its
// network-wide allocation (within what no one else holds there), else the shared
// pool (available minus every unused allocation, here and network-wide). O(1) plus
// O(taken) per call; the only definition of channel available-to-sell.
int64_t channel_sellable_units(const LedgerState& state, ChannelIndex channel, SkuIndex sku,
                               LocationIndex location, const StockLines& taken);
// The same over all locations: what the channel may sell of `sku` in total.
int64_t channel_sellable_total(const LedgerState& state, ChannelIndex channel, SkuIndex sku);

class Engine {
 public:
  Engine() = default;
  explicit Engine(LedgerState state) : state_(std::move(state)) {}

  // Executes one command at engine time `now_ms`: first expires due reservations,
  // then validates the command and, only if it is valid, appends its events to
  // `batch` and applies them. A rejected command leaves no events of its own (expiries
  // emitted before it stay: they are facts of their own).
  // REQUIRES: now_ms >= state().now_ms(). Errors: see ErrorCode; `field` names the
  // offending input (e.g. "lines[1].qty_units").
  Result<Reply> execute(const Command& command, TimeMs now_ms, journal::BatchBuilder& batch);

  // Applies one journaled event (recovery and replay). Errors: corruption when the
  // bytes do not decode or time runs backwards. An event that decodes but breaks a
  // ledger invariant trips an LC_ASSERT: only a holder of the signing key could have
  // journaled it, and continuing would serve a wrong balance.
  Result<void> apply_stored_event(std::span<const uint8_t> data);

  const LedgerState& state() const { return state_; }

  // ---- queries (read the in-memory state; callers on other threads go through the
  // Sequencer) ----
  // Balances of one SKU (gtin given) or of all SKUs, by location.
  Result<std::vector<BalanceView>> stock(const std::optional<std::string>& gtin) const;
  // Errors: not_found (field "reservation_id"). Lines are known while pending.
  Result<ReservationView> reservation(uint64_t reservation_id) const;
  Result<TransferView> transfer(uint64_t transfer_id) const;
  Result<ReturnView> return_view(uint64_t return_id) const;
  // Errors: not_found (field "channel" or "sku"), invalid_argument (field "sku").
  Result<ChannelAvailability> channel_availability(std::string_view channel_id,
                                                   std::string_view gtin) const;
  ChannelAvailability channel_availability(ChannelIndex channel, SkuIndex sku) const;
  // Every dedicated allocation, by channel then SKU.
  std::vector<AllocationView> allocations() const;
  // Alert records, newest first (only those still in memory: every open alert and the
  // most recent resolved ones, kAlertRecordsMax in all).
  std::vector<AlertRecord> alerts(const AlertFilter& filter) const {
    return state_.alerts().list(filter);
  }
  // Errors: not_found (field "alert_id").
  Result<AlertRecord> alert(uint64_t alert_id) const;
  // Errors: not_found (field "batch_id").
  Result<BatchView> batch(uint64_t batch_id) const;
  // Where a batch is, who holds it and where it went (recall_report.cpp). O(pending
  // reservations + the batch's sales). Errors: not_found (field "batch_id").
  Result<RecallReport> recall_report(uint64_t batch_id) const;
  // Silences kept (not deleted; ended ones until the next creation drops them), by id.
  std::vector<SilenceRecord> silences() const { return state_.silences().list(); }

 private:
  class Handlers;
  void emit(EventBody body, TimeMs now_ms, journal::BatchBuilder& batch);
  std::vector<uint64_t> expire_due(TimeMs now_ms, journal::BatchBuilder& batch);

  LedgerState state_;
};

// The view of reservation `reservation_id` with `status`; lines, order and expiry come
// from `pending` when it is non-null (they are kept only while pending).
ReservationView reservation_view(const LedgerState& state, uint64_t reservation_id,
                                 ReservationStatus status, const PendingReservation* pending);

// One stored event in readable form: its kind, time and fields in encoding order
// (repeated names, such as one "sku" per reservation line, keep their order).
struct EventField {
  std::string name;
  std::string value;
  bool is_number = false;
};
struct EventDescription {
  std::string kind;
  TimeMs time_ms = 0;
  std::vector<EventField> fields;
};
// Decodes one event on its own, without replaying earlier ones.
// Errors: corruption when the bytes are not a valid event.
Result<EventDescription> describe_stored_event(std::span<const uint8_t> data);

// FNV-1a 64 of a reserve request's canonical form: what "same body" means for an
// idempotency key.
uint64_t reserve_fingerprint(const Reserve& request);
// FNV-1a 64 of any command's canonical form (the alternative and its fields, GTINs
// normalised): what "same request" means for a generic idempotency key.
uint64_t command_fingerprint(const Command& command);

// A reply as bytes (kept in `idempotency_recorded` events) and back.
// decode_reply errors: corruption.
std::string encode_reply(const Reply& reply);
Result<Reply> decode_reply(std::string_view bytes);

}  // namespace livechain::engine
