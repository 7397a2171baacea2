// Batch-tracked stock and recalls (issue 12 §2, §5; docs/trace.md "Batch-tracked
// stock"). A receipt naming a lot puts units of that batch on hand at its location;
// every way stock leaves a row takes batch units with it, oldest batch first: sales
// (after the units their commit line named), transfers (the units travel and arrive
// with the shipment), negative adjustments. Units received without a lot stay
// untracked; batch units never exceed the row's on_hand. All of it is a pure function
// of the journal, so replay rebuilds exactly what the live engine had.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/state.hpp"

namespace livechain::engine {

namespace {

uint64_t row_key(SkuIndex sku, LocationIndex location) {
  return static_cast<uint64_t>(sku) << 32 | location;
}

int64_t total_units(const std::vector<BatchUnits>& units) {
  int64_t total = 0;
  for (const BatchUnits& u : units) total += u.units;
  return total;
}

const std::vector<BatchUnits> kNoBatchUnits;

}  // namespace

const std::vector<BatchUnits>& LedgerState::batch_units_at(SkuIndex sku,
                                                           LocationIndex location) const {
  auto found = batch_units_.find(row_key(sku, location));
  return found == batch_units_.end() ? kNoBatchUnits : found->second;
}

const std::vector<BatchUnits>& LedgerState::transfer_batch_units(uint64_t transfer_id) const {
  auto found = transfer_batch_units_.find(transfer_id);
  return found == transfer_batch_units_.end() ? kNoBatchUnits : found->second;
}

std::vector<std::pair<LocationIndex, int64_t>> LedgerState::batch_locations(
    uint64_t batch_id) const {
  std::vector<std::pair<LocationIndex, int64_t>> out;
  const BatchRecord* record = batch(batch_id);
  if (record == nullptr) return out;
  for (auto it = batch_units_.lower_bound(row_key(record->sku, 0));
       it != batch_units_.end() && (it->first >> 32) == record->sku; ++it) {
    for (const BatchUnits& u : it->second) {
      if (u.batch_id == batch_id) out.emplace_back(static_cast<LocationIndex>(it->first), u.units);
    }
  }
  return out;
}

void LedgerState::check_batch_invariants(SkuIndex sku, LocationIndex location) const {
  const std::vector<BatchUnits>& units = batch_units_at(sku, location);
  for (size_t i = 0; i < units.size(); ++i) {
    LC_ASSERT(units[i].units > 0);
    LC_ASSERT(batch(units[i].batch_id) != nullptr && batch(units[i].batch_id)->sku == sku);
    if (i > 0) {  // oldest first: (produced_at, batch id)
      const BatchRecord& a = *batch(units[i - 1].batch_id);
      const BatchRecord& b = *batch(units[i].batch_id);
      LC_ASSERT(std::pair(a.produced_at_ms, units[i - 1].batch_id) <
                std::pair(b.produced_at_ms, units[i].batch_id));
    }
  }
  LC_ASSERT(units.size() <= kBatchesPerBalanceMax);
  LC_ASSERT(total_units(units) <= balance_or_zero(sku, location).on_hand_units);
}

void LedgerState::add_batch_units(SkuIndex sku, LocationIndex location, uint64_t batch_id,
                                  int64_t units) {
  if (units <= 0) return;
  std::vector<BatchUnits>& row = batch_units_[row_key(sku, location)];
  const BatchRecord& added = *batch(batch_id);
  auto older = [&](const BatchUnits& u) {
    const BatchRecord& other = *batch(u.batch_id);
    return std::pair(other.produced_at_ms, u.batch_id) < std::pair(added.produced_at_ms, batch_id);
  };
  auto at = std::partition_point(row.begin(), row.end(), older);
  if (at != row.end() && at->batch_id == batch_id) {
    at->units += units;
  } else {
    row.insert(at, BatchUnits{batch_id, units});
  }
}

std::vector<BatchUnits> LedgerState::take_batch_units(SkuIndex sku, LocationIndex location,
                                                      int64_t units, bool recalled_first) {
  std::vector<BatchUnits> taken;
  auto found = batch_units_.find(row_key(sku, location));
  if (found == batch_units_.end() || units <= 0) return taken;
  std::vector<BatchUnits>& row = found->second;
  for (bool recalled_pass : {recalled_first, !recalled_first}) {
    for (BatchUnits& u : row) {
      if (units == 0) break;
      if (batch(u.batch_id)->recalled != recalled_pass || u.units == 0) continue;
      int64_t take = std::min(units, u.units);
      taken.push_back(BatchUnits{u.batch_id, take});
      u.units -= take;
      units -= take;
    }
  }
  std::erase_if(row, [](const BatchUnits& u) { return u.units == 0; });
  if (row.empty()) batch_units_.erase(found);
  return taken;
}

void LedgerState::clamp_batch_units(SkuIndex sku, LocationIndex location) {
  auto found = batch_units_.find(row_key(sku, location));
  if (found == batch_units_.end()) return;
  int64_t excess = total_units(found->second) - balance_or_zero(sku, location).on_hand_units;
  take_batch_units(sku, location, excess, false);
  check_batch_invariants(sku, location);
}

void LedgerState::quarantine_recalled(SkuIndex sku, LocationIndex location) {
  if (recalled_skus_.empty() || !recalled_skus_.contains(sku)) return;
  auto found = batch_units_.find(row_key(sku, location));
  auto index = balance_index(sku, location);
  if (found == batch_units_.end() || !index) return;
  // Only units nobody holds: not reserved, not in a channel's allocation.
  int64_t free = std::max<int64_t>(0, shared_free_units(sku, *index));
  int64_t moved = 0;
  for (BatchUnits& u : found->second) {
    if (free == 0) break;
    BatchRecord& record = batches_[u.batch_id - 1];
    if (!record.recalled) continue;
    int64_t q = std::min(free, u.units);
    u.units -= q;
    free -= q;
    moved += q;
    record.quarantined_at[location] += q;
  }
  if (moved == 0) return;
  std::erase_if(found->second, [](const BatchUnits& u) { return u.units == 0; });
  if (found->second.empty()) batch_units_.erase(found);
  change_balance(sku, location, [&](Balance& b) {
    LC_ASSERT(b.available_units() >= moved);
    b.on_hand_units -= moved;
    b.quarantine_units += moved;
  });
  check_batch_invariants(sku, location);
}

void LedgerState::ship_batch_units(uint64_t transfer_id, SkuIndex sku, LocationIndex from,
                                   int64_t units) {
  std::vector<BatchUnits> taken = take_batch_units(sku, from, units, false);
  if (!taken.empty()) transfer_batch_units_[transfer_id] = std::move(taken);
  check_batch_invariants(sku, from);
}

void LedgerState::receive_batch_units(uint64_t transfer_id, SkuIndex sku, LocationIndex to,
                                      int64_t units) {
  auto found = transfer_batch_units_.find(transfer_id);
  if (found != transfer_batch_units_.end()) {
    for (const BatchUnits& u : found->second) {  // the units lost on the way: the newest
      int64_t arrived = std::min(units, u.units);
      add_batch_units(sku, to, u.batch_id, arrived);
      units -= arrived;
    }
    transfer_batch_units_.erase(found);
  }
  check_batch_invariants(sku, to);
  quarantine_recalled(sku, to);  // a recalled unit that was on its way stops here
}

void LedgerState::split_batch_units(uint64_t transfer_id, uint64_t new_transfer_id, int64_t units) {
  auto found = transfer_batch_units_.find(transfer_id);
  if (found == transfer_batch_units_.end()) return;
  std::vector<BatchUnits> moved;
  for (BatchUnits& u : found->second) {
    if (units == 0) break;
    int64_t take = std::min(units, u.units);
    moved.push_back(BatchUnits{u.batch_id, take});
    u.units -= take;
    units -= take;
  }
  std::erase_if(found->second, [](const BatchUnits& u) { return u.units == 0; });
  if (found->second.empty()) transfer_batch_units_.erase(found);
  if (!moved.empty()) transfer_batch_units_[new_transfer_id] = std::move(moved);
}

void LedgerState::on(const BatchReceivedEvent& e) {
  const BatchRecord* record = batch(e.batch_id);
  LC_ASSERT(record != nullptr && e.qty_units > 0 && !record->recalled);
  add_batch_units(record->sku, e.location, e.batch_id, e.qty_units);
  check_batch_invariants(record->sku, e.location);
}

void LedgerState::on(const BatchSoldEvent& e) {
  const BatchRecord* record = batch(e.batch_id);
  LC_ASSERT(record != nullptr && e.qty_units > 0);
  LC_ASSERT(e.serials.size() <= static_cast<size_t>(e.qty_units));
  auto pending = pending_.find(e.reservation_id);
  LC_ASSERT(pending != pending_.end() && e.line_index < pending->second->lines.size());
  const PendingReservation& reservation = *pending->second;
  LC_ASSERT(!reservation.presale && reservation.lines[e.line_index].sku == record->sku);
  named_sales_[{e.reservation_id, e.line_index}].emplace_back(
      e.batch_id, BatchSale{e.reservation_id, reservation.order_id, reservation.channel,
                            reservation.lines[e.line_index].location, e.qty_units, e.serials});
}

void LedgerState::attribute_commit(const PendingReservation& reservation, uint64_t reservation_id,
                                   const LineQuantities& committed) {
  for (size_t i = 0; i < reservation.lines.size(); ++i) {
    const StockLine& line = reservation.lines[i];
    int64_t left = committed[i];
    auto named = named_sales_.find({reservation_id, static_cast<uint32_t>(i)});
    if (named != named_sales_.end()) {
      for (auto& [batch_id, sale] : named->second) {
        std::vector<BatchUnits>& row = batch_units_[row_key(line.sku, line.location)];
        auto held = std::find_if(row.begin(), row.end(),
                                 [&](const BatchUnits& u) { return u.batch_id == batch_id; });
        LC_ASSERT(held != row.end() && held->units >= sale.units);  // the handler checked
        held->units -= sale.units;
        left -= sale.units;
        if (held->units == 0) row.erase(held);
        if (row.empty()) batch_units_.erase(row_key(line.sku, line.location));
        batches_[batch_id - 1].sales.push_back(std::move(sale));
      }
      named_sales_.erase(named);
    }
    LC_ASSERT(left >= 0);
    if (!reservation.presale) {
      for (const BatchUnits& u : take_batch_units(line.sku, line.location, left, true)) {
        batches_[u.batch_id - 1].sales.push_back(BatchSale{
            reservation_id, reservation.order_id, reservation.channel, line.location, u.units, {}});
      }
      check_batch_invariants(line.sku, line.location);
    }
    quarantine_recalled(line.sku, line.location);  // units released by a partial commit
  }
}

void LedgerState::on(const BatchRecalledEvent& e) {
  LC_ASSERT(e.batch_id >= 1 && e.batch_id <= batches_.size());
  BatchRecord& record = batches_[e.batch_id - 1];
  LC_ASSERT(!record.recalled);
  record.recalled = true;
  record.recalled_at_ms = now_ms_;
  record.recall_reason = e.reason;
  recalled_skus_.insert(record.sku);
  for (const auto& [location, units] : batch_locations(e.batch_id)) {
    quarantine_recalled(record.sku, location);
  }
}

}  // namespace livechain::engine
