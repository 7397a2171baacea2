// Catalog (SKUs, locations, channels, region distances) and stock movements that
// need no reservation: receipts, adjustments, presale plans.
#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

Result<Reply> Engine::Handlers::operator()(const PutSku& c) {
  auto gtin = normalize_gtin(c.gtin);
  if (!gtin) return std::unexpected(gtin.error());
  if (auto ok = validate_text("name", c.name, kNameLengthMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (!state_.find_sku(*gtin) && state_.skus().size() >= kSkusMax) {
    return fail(ErrorCode::limit_exceeded, "gtin", fmt::format("at most {} SKUs", kSkusMax));
  }
  emit(SkuPutEvent{*gtin, c.name});
  return Done{};
}

Result<Reply> Engine::Handlers::operator()(const PutLocation& c) {
  if (auto ok = validate_identifier("location", c.location_id); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_identifier("region", c.region); !ok) return std::unexpected(ok.error());
  auto existing = state_.find_location(c.location_id);
  if (existing) {
    // Kind and region are fixed once created: balances, nearest-location choices and
    // the journal's history all assume them.
    const LocationRecord& record = state_.locations()[*existing];
    const std::string& region = state_.regions()[record.region];
    if (record.kind != c.kind) {
      return fail(ErrorCode::already_exists, "kind",
                  fmt::format("location {} exists with kind {}; a location's kind is fixed",
                              c.location_id, location_kind_name(record.kind)));
    }
    if (region != c.region) {
      return fail(ErrorCode::already_exists, "region",
                  fmt::format("location {} exists in region {}; a location's region is fixed",
                              c.location_id, region));
    }
  }
  if (!existing && state_.locations().size() >= kLocationsMax) {
    return fail(ErrorCode::limit_exceeded, "location",
                fmt::format("at most {} locations", kLocationsMax));
  }
  if (!state_.find_region(c.region) && state_.regions().size() >= kRegionsMax) {
    return fail(ErrorCode::limit_exceeded, "region",
                fmt::format("at most {} regions", kRegionsMax));
  }
  emit(LocationPutEvent{c.location_id, c.kind, c.region});
  return Done{};
}

Result<Reply> Engine::Handlers::operator()(const PutChannel& c) {
  if (auto ok = validate_identifier("channel", c.channel_id); !ok) {
    return std::unexpected(ok.error());
  }
  auto existing = state_.find_channel(c.channel_id);
  if (existing && state_.channels()[*existing].kind != c.kind) {
    return fail(ErrorCode::already_exists, "kind",
                fmt::format("channel {} exists with kind {}; a channel's kind is fixed",
                            c.channel_id, channel_kind_name(state_.channels()[*existing].kind)));
  }
  if (!existing && state_.channels().size() >= kChannelsMax) {
    return fail(ErrorCode::limit_exceeded, "channel",
                fmt::format("at most {} channels", kChannelsMax));
  }
  emit(ChannelPutEvent{c.channel_id, c.kind});
  return Done{};
}

Result<Reply> Engine::Handlers::operator()(const PutRegionDistance& c) {
  if (auto ok = validate_identifier("region_from", c.region_from); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_identifier("region_to", c.region_to); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.region_from == c.region_to) {
    return fail(ErrorCode::invalid_argument, "region_to", "must differ from region_from");
  }
  if (c.distance_km > kDistanceKmMax) {
    return fail(ErrorCode::limit_exceeded, "distance_km",
                fmt::format("{} km exceeds {} km", c.distance_km, kDistanceKmMax));
  }
  size_t new_regions =
      (state_.find_region(c.region_from) ? 0 : 1) + (state_.find_region(c.region_to) ? 0 : 1);
  if (state_.regions().size() + new_regions > kRegionsMax) {
    return fail(ErrorCode::limit_exceeded, "region_to",
                fmt::format("at most {} regions", kRegionsMax));
  }
  emit(RegionDistancePutEvent{c.region_from, c.region_to, c.distance_km});
  return Done{};
}

Result<Reply> Engine::Handlers::operator()(const ReceiveStock& c) {
  auto line = stock_line(c.gtin, c.location_id, c.qty_units, false);
  if (!line) return std::unexpected(line.error());
  Balance before = state_.balance_or_zero(line->sku, line->location);
  if (before.on_hand_units + line->qty_units > kBalanceUnitsMax) {
    return fail(ErrorCode::limit_exceeded, "qty_units",
                fmt::format("on hand would exceed {} units", kBalanceUnitsMax));
  }
  std::optional<uint64_t> batch_id;
  if (c.lot) {
    LC_TRY(id, movable_batch(line->sku, *c.lot, "lot"));
    const auto& held = state_.batch_units_at(line->sku, line->location);
    bool there = std::any_of(held.begin(), held.end(),
                             [&](const BatchUnits& u) { return u.batch_id == id; });
    if (!there && held.size() >= kBatchesPerBalanceMax) {
      return fail(ErrorCode::limit_exceeded, "lot",
                  fmt::format("{} batches already hold units at {}; at most {}", held.size(),
                              c.location_id, kBatchesPerBalanceMax));
    }
    batch_id = id;
  }
  emit(StockReceivedEvent{*line});
  if (batch_id) emit(BatchReceivedEvent{*batch_id, line->location, line->qty_units});
  return BalanceView{state_.gtin_of(line->sku), c.location_id,
                     state_.balance_or_zero(line->sku, line->location)};
}

Result<Reply> Engine::Handlers::operator()(const AdjustStock& c) {
  auto line = stock_line(c.gtin, c.location_id, c.delta_units, true);
  if (!line) return std::unexpected(line.error());
  if (auto ok = validate_text("reason", c.reason, kReasonLengthMax); !ok) {
    return std::unexpected(ok.error());
  }
  Balance before = state_.balance_or_zero(line->sku, line->location);
  if (before.available_units() + line->qty_units < 0) {
    return fail(ErrorCode::insufficient_stock, "delta_units",
                fmt::format("only {} units available (on hand {}, reserved {})",
                            before.available_units(), before.on_hand_units, before.reserved_units));
  }
  if (line->qty_units < 0 && state_.has_allocations() &&
      shared_free_units(line->sku, line->location) + line->qty_units < 0) {
    return fail(ErrorCode::insufficient_stock, "delta_units",
                fmt::format("only {} units are free of channel allocations; lower an "
                            "allocation first",
                            std::max<int64_t>(0, shared_free_units(line->sku, line->location))));
  }
  if (before.on_hand_units + line->qty_units > kBalanceUnitsMax) {
    return fail(ErrorCode::limit_exceeded, "delta_units",
                fmt::format("on hand would exceed {} units", kBalanceUnitsMax));
  }
  emit(StockAdjustedEvent{*line, c.reason});
  return BalanceView{state_.gtin_of(line->sku), c.location_id,
                     state_.balance_or_zero(line->sku, line->location)};
}

Result<Reply> Engine::Handlers::operator()(const PlanPresale& c) {
  if (c.planned_units < 0 || c.planned_units > kBalanceUnitsMax) {
    return fail(ErrorCode::invalid_argument, "planned_units",
                fmt::format("must be within 0..{}", kBalanceUnitsMax));
  }
  auto sku_index = sku("gtin", c.gtin);
  if (!sku_index) return std::unexpected(sku_index.error());
  auto location_index = location("location", c.location_id);
  if (!location_index) return std::unexpected(location_index.error());
  Balance before = state_.balance_or_zero(*sku_index, *location_index);
  int64_t sold = before.presale_reserved_units + before.presale_committed_units;
  if (c.planned_units < sold) {
    return fail(ErrorCode::invalid_argument, "planned_units",
                fmt::format("{} presale units are already reserved or sold", sold));
  }
  emit(PresalePlannedEvent{StockLine{*sku_index, *location_index, c.planned_units}});
  return BalanceView{state_.gtin_of(*sku_index), c.location_id,
                     state_.balance_or_zero(*sku_index, *location_index)};
}

}  // namespace livechain::engine
