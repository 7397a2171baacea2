// Read-only views of the ledger state.
#include <fmt/format.h>

#include "core/gtin.hpp"
#include "engine/engine.hpp"

namespace livechain::engine {

Result<std::vector<BalanceView>> Engine::stock(const std::optional<std::string>& gtin) const {
  std::vector<BalanceView> out;
  auto add_sku = [&](SkuIndex sku) {
    for (LocationIndex location : state_.locations_of_sku(sku)) {
      out.push_back(BalanceView{state_.gtin_of(sku), state_.location_id_of(location),
                                state_.balance_or_zero(sku, location)});
    }
  };
  if (gtin) {
    auto normalized = normalize_gtin(*gtin);
    if (!normalized) return std::unexpected(normalized.error());
    auto sku = state_.find_sku(*normalized);
    if (!sku) return fail(ErrorCode::not_found, "gtin", fmt::format("unknown sku {}", *normalized));
    add_sku(*sku);
  } else {
    for (SkuIndex sku = 0; sku < state_.skus().size(); ++sku) add_sku(sku);
  }
  return out;
}

ReservationView reservation_view(const LedgerState& state, uint64_t reservation_id,
                                 ReservationStatus status, const PendingReservation* pending) {
  ReservationView view;
  view.reservation_id = reservation_id;
  view.status = status;
  if (pending != nullptr) {
    view.order_id = pending->order_id;
    view.channel_id = state.channel_id_of(pending->channel);
    view.presale = pending->presale;
    view.expires_at_ms = pending->expires_at_ms;
    view.lines.reserve(pending->lines.size());
    for (const StockLine& line : pending->lines) {
      view.lines.push_back({state.gtin_of(line.sku), state.location_id_of(line.location),
                            line.qty_units, std::nullopt});
    }
  }
  return view;
}

Result<ReservationView> Engine::reservation(uint64_t reservation_id) const {
  auto status = state_.status(reservation_id);
  if (!status) {
    return fail(ErrorCode::not_found, "reservation_id",
                fmt::format("no reservation {}", reservation_id));
  }
  return reservation_view(state_, reservation_id, *status, state_.pending(reservation_id));
}

Result<TransferView> Engine::transfer(uint64_t transfer_id) const {
  const TransferRecord* record = state_.transfer(transfer_id);
  if (!record) {
    return fail(ErrorCode::not_found, "transfer_id", fmt::format("no transfer {}", transfer_id));
  }
  TransferView view{transfer_id,
                    state_.gtin_of(record->sku),
                    state_.location_id_of(record->from),
                    state_.location_id_of(record->to),
                    record->shipped_units,
                    std::nullopt};
  if (record->received_units >= 0) view.received_units = record->received_units;
  return view;
}

Result<ReturnView> Engine::return_view(uint64_t return_id) const {
  const ReturnRecord* record = state_.return_record(return_id);
  if (!record)
    return fail(ErrorCode::not_found, "return_id", fmt::format("no return {}", return_id));
  return ReturnView{return_id,
                    state_.gtin_of(record->sku),
                    state_.location_id_of(record->location),
                    record->received_units,
                    record->quarantine_units,
                    record->rework_units,
                    record->restocked_units,
                    record->scrapped_units};
}

Result<BatchView> Engine::batch(uint64_t batch_id) const {
  const BatchRecord* record = state_.batch(batch_id);
  if (record == nullptr) {
    return fail(ErrorCode::not_found, "batch_id", fmt::format("no batch {}", batch_id));
  }
  BatchView view;
  view.batch_id = batch_id;
  view.gtin = state_.gtin_of(record->sku);
  view.lot = record->lot;
  view.produced_at_ms = record->produced_at_ms;
  view.factory_id = record->factory_id;
  view.inspection_reports = record->inspection_reports;
  view.units_issued = record->units_issued;
  view.recalled = record->recalled;
  view.recalled_at_ms = record->recalled_at_ms;
  view.recall_reason = record->recall_reason;
  for (const auto& [location, units] : record->quarantined_at) view.quarantined_units += units;
  return view;
}

}  // namespace livechain::engine
