// src/engine/types.hpp
//
// The stock ledger's vocabulary: kinds of locations and channels, balances, and the
// engine's documented limits (docs/limits.md mirrors this file).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace livechain::engine {

enum class LocationKind : uint8_t { factory, dc, front_warehouse, store, returns_center };
enum class ChannelKind : uint8_t { live_room, online_shop, offline_store, community_group };
enum class ReservationStatus : uint8_t { pending, committed, released, expired };
enum class ReturnGrade : uint8_t { restock, rework, scrap };

std::string_view location_kind_name(LocationKind kind);
std::string_view channel_kind_name(ChannelKind kind);
std::string_view reservation_status_name(ReservationStatus status);
std::string_view return_grade_name(ReturnGrade grade);
std::optional<LocationKind> parse_location_kind(std::string_view text);
std::optional<ChannelKind> parse_channel_kind(std::string_view text);
std::optional<ReturnGrade> parse_return_grade(std::string_view text);

// Locations that may fill a reservation line when the caller names none. Inline: it is
// called for every candidate location of every reservation line.
inline bool sells_to_buyers(LocationKind kind) {
  return kind == LocationKind::dc || kind == LocationKind::front_warehouse ||
         kind == LocationKind::store;
}

// Per SKU × location. available = on_hand − reserved (spot); presale sells against
// presale_planned. The counters below the line are cumulative and never decrease;
// they let tests and `ledger rebuild` check conservation of units.
struct Balance {
  int64_t on_hand_units = 0;
  int64_t reserved_units = 0;
  int64_t in_transit_units = 0;  // shipped towards this location, not yet received
  int64_t quarantine_units = 0;  // returns awaiting grading
  int64_t rework_units = 0;      // graded for rework, not yet back in stock
  int64_t presale_planned_units = 0;
  int64_t presale_reserved_units = 0;
  int64_t presale_committed_units = 0;
  // cumulative
  int64_t received_units = 0;
  int64_t sold_units = 0;      // committed spot units that left on_hand
  int64_t scrapped_units = 0;  // graded scrap
  int64_t lost_in_transit_units = 0;
  int64_t adjusted_units = 0;  // signed sum of adjustments

  int64_t available_units() const { return on_hand_units - reserved_units; }
  int64_t presale_available_units() const {
    return presale_planned_units - presale_reserved_units - presale_committed_units;
  }
  bool operator==(const Balance&) const = default;
};

// Limits. Each is checked at the command boundary and asserted inside.
inline constexpr uint32_t kLineQtyMax = 1'000'000;              // units in one line or movement
inline constexpr int64_t kBalanceUnitsMax = 1'000'000'000'000;  // on_hand of one SKU×location
inline constexpr size_t kReservationLinesMax = 64;
inline constexpr int64_t kReservationTtlMsMin = 100;
inline constexpr int64_t kReservationTtlMsMax = 7LL * 24 * 3600 * 1000;
inline constexpr int64_t kReservationTtlMsDefault = 15LL * 60 * 1000;
inline constexpr uint32_t kSkusMax = 1'000'000;
inline constexpr uint32_t kLocationsMax = 100'000;
inline constexpr uint32_t kChannelsMax = 10'000;
inline constexpr uint32_t kRegionsMax = 10'000;
inline constexpr uint32_t kDistanceKmMax = 40'000;
inline constexpr size_t kPendingReservationsMax = 10'000'000;
inline constexpr int64_t kIdempotencyRetentionMs = 24LL * 3600 * 1000;
inline constexpr size_t kIdempotencyEntriesMax = 10'000'000;
// Channel pools: location allocations per channel × SKU, and channel × SKU pairs with
// any allocation.
inline constexpr size_t kAllocationLocationsMax = 64;
inline constexpr size_t kAllocationsMax = 1'000'000;
// Expiries emitted before one command; the rest follow with later commands, and a
// commit of an overdue reservation expires it on the spot, so none can be committed late.
inline constexpr size_t kExpiriesPerCommandMax = 100'000;
// Traceability (issue 12 §2).
inline constexpr size_t kBatchesMax = 1'000'000;
inline constexpr uint64_t kBatchUnitsMax = 1'000'000'000;  // serials issued in one batch
inline constexpr size_t kInspectionReportsMax = 16;        // references on one batch
// Batch-tracked stock and recalls (issue 12 §2, §5).
inline constexpr size_t kLineSerialsMax = 1'000;  // serials named on one commit line
// Batches holding units at one SKU × location; a receipt of a further batch there is
// refused until one runs out (keeps first-in first-out attribution cheap).
inline constexpr size_t kBatchesPerBalanceMax = 64;
// Sales and open reservations a recall report lists (the totals count them all).
inline constexpr size_t kRecallSalesListedMax = 100'000;

}  // namespace livechain::engine
