// Channel pools: dedicated allocations of a SKU to a channel (at a location or
// network-wide) and the shared pool everybody else sells from (docs/channels.md).
//
// Invariants, asserted at every balance change and allocation change:
//   Σ unused allocations at a balance row   ≤ that row's available units;
//   Σ unused allocations of a SKU (location + network) ≤ the SKU's available units.
// So a dedicated unit is always physically there for its channel, and the shared pool
// (available − dedicated) is never negative.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/state.hpp"

namespace livechain::engine {

namespace {
uint64_t pool_key(ChannelIndex channel, SkuIndex sku) {
  return static_cast<uint64_t>(channel) << 32 | sku;
}
}  // namespace

const ChannelSkuPool* LedgerState::pool(ChannelIndex channel, SkuIndex sku) const {
  if (pools_.empty()) return nullptr;  // hot path without any allocation
  auto it = pools_.find(pool_key(channel, sku));
  return it == pools_.end() ? nullptr : &it->second;
}

int64_t LedgerState::shared_free_units(SkuIndex sku, uint32_t balance_index) const {
  LC_DASSERT(balance_index < balances_.size());
  int64_t here = balances_[balance_index].available_units() - dedicated_by_balance_[balance_index];
  if (pools_.empty()) return here;
  return std::min(here, shared_free_units(sku));
}

std::vector<std::pair<uint64_t, const ChannelSkuPool*>> LedgerState::pools_sorted() const {
  std::vector<std::pair<uint64_t, const ChannelSkuPool*>> out;
  out.reserve(pools_.size());
  for (const auto& [key, pool] : pools_) out.emplace_back(key, &pool);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void LedgerState::check_pool_invariants(SkuIndex sku, uint32_t balance_index) const {
  LC_ASSERT(dedicated_by_balance_[balance_index] >= 0);
  LC_ASSERT(dedicated_by_balance_[balance_index] <= balances_[balance_index].available_units());
  LC_ASSERT(dedicated_by_sku_[sku] >= 0);
  LC_ASSERT(dedicated_by_sku_[sku] <= spot_available_by_sku_[sku]);
}

void LedgerState::add_dedicated(ChannelSkuPool& pool, SkuIndex sku, LocationIndex location,
                                int64_t delta) {
  if (location == kNetworkLocation) {
    LC_ASSERT(pool.network_units >= 0 && pool.network_units + delta >= 0);
    pool.network_units += delta;
  } else {
    auto it = std::find_if(pool.location_units.begin(), pool.location_units.end(),
                           [&](const auto& entry) { return entry.first == location; });
    LC_ASSERT(it != pool.location_units.end() && it->second + delta >= 0);
    it->second += delta;
    dedicated_by_balance_[balance_slot(sku, location)] += delta;
  }
  dedicated_by_sku_[sku] += delta;
}

// A line draws from the channel's allocation at its location if there is one, else
// from the channel's network-wide allocation if there is one, else from the shared
// pool. The handler chose lines that fit (channel_sellable_units); this only books them.
void LedgerState::draw_from_pools(PendingReservation& reservation) {
  for (size_t i = 0; i < reservation.lines.size(); ++i) {
    const StockLine& line = reservation.lines[i];
    auto it = pools_.find(pool_key(reservation.channel, line.sku));
    if (it == pools_.end()) continue;
    ChannelSkuPool& pool = it->second;
    if (pool.at(line.location)) {
      add_dedicated(pool, line.sku, line.location, -line.qty_units);
      reservation.location_pool_lines |= uint64_t{1} << i;
    } else {
      LC_ASSERT(pool.network_units >= line.qty_units);
      add_dedicated(pool, line.sku, kNetworkLocation, -line.qty_units);
      reservation.network_pool_lines |= uint64_t{1} << i;
    }
  }
}

// Units of a released or expired reservation (or the uncommitted rest of a committed
// one) go back to the allocation they were drawn from, if it still exists; otherwise
// they are shared again.
void LedgerState::return_to_pools(const PendingReservation& reservation,
                                  const LineQuantities* committed) {
  for (size_t i = 0; i < reservation.lines.size(); ++i) {
    uint64_t bit = uint64_t{1} << i;
    bool from_location = (reservation.location_pool_lines & bit) != 0;
    bool from_network = (reservation.network_pool_lines & bit) != 0;
    if (!from_location && !from_network) continue;
    const StockLine& line = reservation.lines[i];
    int64_t back = line.qty_units - (committed ? (*committed)[i] : 0);
    if (back == 0) continue;
    auto it = pools_.find(pool_key(reservation.channel, line.sku));
    if (it == pools_.end()) continue;
    ChannelSkuPool& pool = it->second;
    if (from_location && pool.at(line.location)) {
      add_dedicated(pool, line.sku, line.location, back);
    } else if (from_network && pool.network_units >= 0) {
      add_dedicated(pool, line.sku, kNetworkLocation, back);
    } else {
      continue;
    }
    if (line.location != kNetworkLocation) {
      check_pool_invariants(line.sku, balance_slot(line.sku, line.location));
    }
  }
}

void LedgerState::on(const AllocationSetEvent& e) {
  LC_ASSERT(e.channel < channels_.size() && e.sku < skus_.size());
  LC_ASSERT(e.qty_units >= kAllocationRemoved && e.qty_units <= kBalanceUnitsMax);
  uint64_t key = pool_key(e.channel, e.sku);
  ChannelSkuPool& pool = pools_[key];
  int64_t target = std::max<int64_t>(e.qty_units, 0);
  if (e.location == kNetworkLocation) {
    if (pool.network_units < 0) pool.network_units = 0;
    add_dedicated(pool, e.sku, kNetworkLocation, target - pool.network_units);
    if (e.qty_units == kAllocationRemoved) pool.network_units = -1;
  } else {
    LC_ASSERT(e.location < locations_.size());
    std::optional<int64_t> current = pool.at(e.location);
    if (!current) pool.location_units.emplace_back(e.location, 0);
    add_dedicated(pool, e.sku, e.location, target - current.value_or(0));
    if (e.qty_units == kAllocationRemoved) {
      auto& units = pool.location_units;
      units.erase(std::remove_if(units.begin(), units.end(),
                                 [&](const auto& entry) { return entry.first == e.location; }),
                  units.end());
    }
    check_pool_invariants(e.sku, balance_slot(e.sku, e.location));
  }
  LC_ASSERT(pool.location_units.size() <= kAllocationLocationsMax);
  if (pool.network_units < 0 && pool.location_units.empty()) pools_.erase(key);
  LC_ASSERT(dedicated_by_sku_[e.sku] <= spot_available_by_sku_[e.sku]);
  LC_ASSERT(pools_.size() <= kAllocationsMax);
}

// Derived totals from balances_ and pools_ (after a snapshot is loaded).
void LedgerState::rebuild_pool_totals() {
  dedicated_by_balance_.assign(balances_.size(), 0);
  dedicated_by_sku_.assign(skus_.size(), 0);
  spot_available_by_sku_.assign(skus_.size(), 0);
  for (auto [key, index] : balance_by_key_) {
    spot_available_by_sku_[key >> 32] += balances_[index].available_units();
  }
  for (auto& [key, pool] : pools_) {
    auto sku = static_cast<SkuIndex>(key & 0xffffffffu);
    if (pool.network_units > 0) dedicated_by_sku_[sku] += pool.network_units;
    for (auto [location, units] : pool.location_units) {
      dedicated_by_balance_[balance_slot(sku, location)] += units;
      dedicated_by_sku_[sku] += units;
    }
  }
}

}  // namespace livechain::engine
