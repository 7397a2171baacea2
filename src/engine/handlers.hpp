// src/engine/handlers.hpp — internal to the engine module.
//
// Engine::Handlers validates one command against the state and, only when it is
// valid, emits its events. One operator() per command; the implementations are split
// by concern across handlers_*.cpp.
#pragma once

#include <fmt/format.h>

#include <cstdint>

#include "core/gtin.hpp"
#include "core/identifier.hpp"
#include "engine/engine.hpp"

namespace livechain::engine {

inline Result<void> check_qty(std::string_view field, int64_t qty_units) {
  if (qty_units <= 0) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("must be a positive number of units, got {}", qty_units));
  }
  if (qty_units > kLineQtyMax) {
    return fail(ErrorCode::limit_exceeded, std::string(field),
                fmt::format("{} units exceeds the limit of {}", qty_units, kLineQtyMax));
  }
  return {};
}

inline Result<void> check_ttl(int64_t ttl_ms) {
  if (ttl_ms < kReservationTtlMsMin || ttl_ms > kReservationTtlMsMax) {
    return fail(ErrorCode::invalid_argument, "ttl_ms",
                fmt::format("{} ms is outside {}..{} ms", ttl_ms, kReservationTtlMsMin,
                            kReservationTtlMsMax));
  }
  return {};
}

// Validation helpers shared by the handlers; each returns the resolved index or an
// Error naming the field.
class Engine::Handlers {
 public:
  Handlers(Engine& engine, TimeMs now_ms, journal::BatchBuilder& batch)
      : engine_(engine), state_(engine.state_), now_ms_(now_ms), batch_(batch) {}

  Result<SkuIndex> sku(std::string_view field, std::string_view gtin_text) const {
    // Fast path: only valid 14-digit GTINs are in the table, so an exact hit is valid.
    if (auto found = state_.find_sku(gtin_text)) return *found;
    auto gtin = normalize_gtin(gtin_text);
    if (!gtin) return fail(ErrorCode::invalid_argument, std::string(field), gtin.error().detail);
    auto found = state_.find_sku(*gtin);
    if (!found) {
      return fail(ErrorCode::not_found, std::string(field),
                  fmt::format("unknown sku {}; define it with `sku put` first", *gtin));
    }
    return *found;
  }
  Result<LocationIndex> location(std::string_view field, std::string_view id) const {
    if (auto valid = validate_identifier(field, id); !valid) return std::unexpected(valid.error());
    auto found = state_.find_location(id);
    if (!found) {
      return fail(ErrorCode::not_found, std::string(field),
                  fmt::format("unknown location '{}'", id));
    }
    return *found;
  }
  Result<StockLine> stock_line(std::string_view gtin, std::string_view location_id,
                               int64_t qty_units, bool qty_signed) const {
    auto sku_index = sku("gtin", gtin);
    if (!sku_index) return std::unexpected(sku_index.error());
    auto location_index = location("location", location_id);
    if (!location_index) return std::unexpected(location_index.error());
    if (qty_signed) {
      if (qty_units == 0) return fail(ErrorCode::invalid_argument, "delta_units", "must not be 0");
      // INT64_MIN has no positive counterpart: clamp instead of negating (overflow).
      int64_t magnitude =
          qty_units == INT64_MIN ? INT64_MAX : (qty_units < 0 ? -qty_units : qty_units);
      if (auto ok = check_qty("delta_units", magnitude); !ok) {
        return std::unexpected(ok.error());
      }
    } else if (auto ok = check_qty("qty_units", qty_units); !ok) {
      return std::unexpected(ok.error());
    }
    return StockLine{*sku_index, *location_index, qty_units};
  }

  Result<Reply> operator()(const PutSku& c);
  Result<Reply> operator()(const PutLocation& c);
  Result<Reply> operator()(const PutChannel& c);
  Result<Reply> operator()(const PutRegionDistance& c);
  Result<Reply> operator()(const ReceiveStock& c);
  Result<Reply> operator()(const AdjustStock& c);
  Result<Reply> operator()(const PlanPresale& c);
  Result<Reply> operator()(const Reserve& c);
  Result<Reply> operator()(const Commit& c);
  Result<Reply> operator()(const Release& c);
  Result<Reply> operator()(const ExtendReservation& c);
  Result<Reply> operator()(const ExpireDue& c);
  Result<Reply> operator()(const ShipTransfer& c);
  Result<Reply> operator()(const ReceiveTransfer& c);
  Result<Reply> operator()(const RerouteTransfer& c);
  Result<Reply> operator()(const ReceiveReturn& c);
  Result<Reply> operator()(const GradeReturn& c);
  Result<Reply> operator()(const CompleteRework& c);
  Result<Reply> operator()(const SetAllocation& c);
  Result<Reply> operator()(const MoveAllocation& c);
  Result<Reply> operator()(const Keyed& c);
  Result<Reply> operator()(const RaiseAlert& c);
  Result<Reply> operator()(const AcknowledgeAlert& c);
  Result<Reply> operator()(const ResolveAlert& c);
  Result<Reply> operator()(const PutRuleState& c);
  Result<Reply> operator()(const CaptureEpcis& c);
  Result<Reply> operator()(const CreateSilence& c);
  Result<Reply> operator()(const DeleteSilence& c);
  Result<Reply> operator()(const KeyGuard&) { return Done{}; }
  Result<Reply> operator()(const RecordAnswer& c);
  Result<Reply> operator()(const CreateBatch& c);
  Result<Reply> operator()(const IssueUnits& c);
  Result<Reply> operator()(const RecallBatch& c);
  Result<Reply> operator()(const RestoreStock& c);  // handlers_rollback.cpp

  std::vector<uint64_t> expired_before;  // expiries emitted before this command

 private:
  Result<const PendingReservation*> pending_for_resolution(uint64_t reservation_id);
  Result<StockLines> resolve_reserve_lines(const Reserve& c, ChannelIndex channel) const;
  Result<LocationIndex> pick_location(const Reserve& c, ChannelIndex channel, size_t line_index,
                                      SkuIndex sku, int64_t qty_units,
                                      const StockLines& taken) const;
  // Units a transfer or adjustment may take out of (sku, location) without touching
  // any channel's dedicated allocation.
  int64_t shared_free_units(SkuIndex sku, LocationIndex location) const;
  Result<Reply> set_allocation(ChannelIndex channel, SkuIndex sku, LocationIndex location,
                               int64_t qty_units);
  // The committed quantity of each reservation line; `sold` gets the batch sales of
  // the lines that name a lot (handlers_batch_stock.cpp checks them).
  Result<LineQuantities> resolve_commit_lines(const Commit& c,
                                              const PendingReservation& reservation,
                                              std::vector<BatchSoldEvent>& sold) const;
  // Batch-tracked stock (handlers_batch_stock.cpp). Errors name lines[i].lot/serials.
  Result<void> check_reserve_lots(const Reserve& c) const;
  Result<BatchSoldEvent> commit_line_batch(const LineRequest& request, size_t request_index,
                                           const PendingReservation& reservation,
                                           size_t line_index) const;
  // The batch of `sku` with `lot` that may still move: not_found or invalid_state
  // (recalled), naming `field`.
  Result<uint64_t> movable_batch(SkuIndex sku, const std::string& lot,
                                 const std::string& field) const;
  Result<const AlertRecord*> alert_to_change(uint64_t alert_id, const std::string& kind,
                                             const AlertSubject& subject,
                                             const std::string& note) const;
  void emit(EventBody body) { engine_.emit(std::move(body), now_ms_, batch_); }

  Engine& engine_;
  const LedgerState& state_;
  TimeMs now_ms_;
  journal::BatchBuilder& batch_;
};

}  // namespace livechain::engine
