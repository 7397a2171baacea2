// Channel available-to-sell: the one place that says what a channel may sell.
// Reservations check their lines with channel_sellable_units; the server, the CLI and
// the stream render channel_availability, which is built from the same function.
#include <fmt/format.h>

#include <algorithm>

#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "engine/engine.hpp"

namespace livechain::engine {

namespace {
int64_t taken_at(const StockLines& taken, SkuIndex sku, LocationIndex location) {
  int64_t units = 0;
  for (const StockLine& line : taken) {
    if (line.sku == sku && line.location == location) units += line.qty_units;
  }
  return units;
}

// Units of `sku` in `taken` that drew from `pool`'s network allocation (lines at
// locations where the pool has no allocation of its own).
int64_t taken_from_network(const StockLines& taken, SkuIndex sku, const ChannelSkuPool& pool) {
  int64_t units = 0;
  for (const StockLine& line : taken) {
    if (line.sku == sku && !pool.at(line.location)) units += line.qty_units;
  }
  return units;
}

int64_t taken_of_sku(const StockLines& taken, SkuIndex sku) {
  int64_t units = 0;
  for (const StockLine& line : taken) {
    if (line.sku == sku) units += line.qty_units;
  }
  return units;
}
}  // namespace

int64_t channel_sellable_units(const LedgerState& state, ChannelIndex channel, SkuIndex sku,
                               LocationIndex location, const StockLines& taken) {
  std::optional<uint32_t> slot = state.balance_index(sku, location);
  if (!slot) return 0;
  const Balance& balance = state.balance_at(*slot);
  if (!state.has_allocations()) {  // hot path: nobody holds an allocation
    return balance.available_units() - (taken.empty() ? 0 : taken_at(taken, sku, location));
  }
  int64_t here_taken = taken_at(taken, sku, location);
  int64_t here_free = balance.available_units() - state.dedicated_units(*slot) - here_taken;
  const ChannelSkuPool* pool = state.pool(channel, sku);
  if (pool == nullptr) {
    return std::min(here_free, state.shared_free_units(sku) - taken_of_sku(taken, sku));
  }
  if (std::optional<int64_t> dedicated = pool->at(location)) return *dedicated - here_taken;
  if (pool->network_units < 0) return 0;  // dedicated elsewhere only: sells nothing here
  return std::min(here_free, pool->network_units - taken_from_network(taken, sku, *pool));
}

int64_t channel_sellable_total(const LedgerState& state, ChannelIndex channel, SkuIndex sku) {
  const ChannelSkuPool* pool = state.pool(channel, sku);
  if (pool == nullptr) return std::max<int64_t>(0, state.shared_free_units(sku));
  int64_t total = std::max<int64_t>(0, pool->network_units);
  for (auto [location, units] : pool->location_units) total += units;
  return total;
}

Result<ChannelAvailability> Engine::channel_availability(std::string_view channel_id,
                                                         std::string_view gtin) const {
  auto channel = state_.find_channel(channel_id);
  if (!channel) {
    return fail(ErrorCode::not_found, "channel", fmt::format("unknown channel '{}'", channel_id));
  }
  auto normalized = normalize_gtin(gtin);
  if (!normalized) return fail(ErrorCode::invalid_argument, "sku", normalized.error().detail);
  auto sku = state_.find_sku(*normalized);
  if (!sku) return fail(ErrorCode::not_found, "sku", fmt::format("unknown sku {}", *normalized));
  return channel_availability(*channel, *sku);
}

ChannelAvailability Engine::channel_availability(ChannelIndex channel, SkuIndex sku) const {
  ChannelAvailability out;
  out.channel_id = state_.channel_id_of(channel);
  out.gtin = state_.gtin_of(sku);
  out.available_units = channel_sellable_total(state_, channel, sku);
  const ChannelSkuPool* pool = state_.pool(channel, sku);
  static const StockLines kNothingTaken;
  for (const SkuBalanceRef& ref : state_.balance_refs_of_sku(sku)) {
    ChannelLocationAvailability row;
    row.location_id = state_.location_id_of(ref.location);
    row.available_units = std::max<int64_t>(
        0, channel_sellable_units(state_, channel, sku, ref.location, kNothingTaken));
    row.pool = pool == nullptr            ? PoolKind::shared
               : pool->at(ref.location)   ? PoolKind::location
               : pool->network_units >= 0 ? PoolKind::network
                                          : PoolKind::none;
    out.locations.push_back(std::move(row));
  }
  if (pool != nullptr) {
    if (pool->network_units >= 0) {
      out.allocations.push_back({out.channel_id, out.gtin, "", pool->network_units});
    }
    for (auto [location, units] : pool->location_units) {
      out.allocations.push_back({out.channel_id, out.gtin, state_.location_id_of(location), units});
    }
  }
  return out;
}

std::string_view pool_kind_name(PoolKind kind) {
  switch (kind) {
    case PoolKind::shared:
      return "shared";
    case PoolKind::location:
      return "location";
    case PoolKind::network:
      return "network";
    case PoolKind::none:
      return "none";
  }
  return "none";
}

std::vector<AllocationView> Engine::allocations() const {
  std::vector<AllocationView> out;
  for (const auto& [key, pool] : state_.pools_sorted()) {
    auto channel = static_cast<ChannelIndex>(key >> 32);
    auto sku = static_cast<SkuIndex>(key & 0xffffffffu);
    const std::string& channel_id = state_.channel_id_of(channel);
    if (pool->network_units >= 0) {
      out.push_back({channel_id, state_.gtin_of(sku), "", pool->network_units});
    }
    for (auto [location, units] : pool->location_units) {
      out.push_back({channel_id, state_.gtin_of(sku), state_.location_id_of(location), units});
    }
  }
  return out;
}

}  // namespace livechain::engine
