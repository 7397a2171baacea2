#include "engine/state.hpp"

#include "core/assert.hpp"

namespace livechain::engine {
namespace {
uint64_t balance_key(SkuIndex sku, LocationIndex location) {
  return static_cast<uint64_t>(sku) << 32 | location;
}
uint64_t region_pair_key(uint32_t a, uint32_t b) {
  return a < b ? static_cast<uint64_t>(a) << 32 | b : static_cast<uint64_t>(b) << 32 | a;
}
template <class Map, class Key>
auto find_in(const Map& map, const Key& key) -> std::optional<typename Map::mapped_type> {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<SkuIndex> LedgerState::find_sku(std::string_view gtin) const {
  return find_in(sku_by_gtin_, gtin);
}
std::optional<LocationIndex> LedgerState::find_location(std::string_view id) const {
  return find_in(location_by_id_, id);
}
std::optional<ChannelIndex> LedgerState::find_channel(std::string_view id) const {
  return find_in(channel_by_id_, id);
}
std::optional<uint32_t> LedgerState::find_region(std::string_view name) const {
  return find_in(region_by_name_, name);
}

const Balance* LedgerState::balance(SkuIndex sku, LocationIndex location) const {
  auto it = balance_by_key_.find(balance_key(sku, location));
  return it == balance_by_key_.end() ? nullptr : &balances_[it->second];
}

Balance LedgerState::balance_or_zero(SkuIndex sku, LocationIndex location) const {
  const Balance* found = balance(sku, location);
  return found ? *found : Balance{};
}

const std::vector<LocationIndex>& LedgerState::locations_of_sku(SkuIndex sku) const {
  LC_ASSERT(sku < locations_by_sku_.size());
  return locations_by_sku_[sku];
}

std::optional<uint32_t> LedgerState::sparse_distance_km(uint32_t region_a,
                                                        uint32_t region_b) const {
  return find_in(distance_km_, region_pair_key(region_a, region_b));
}

void LedgerState::rebuild_distance_matrix() {
  auto regions = static_cast<uint32_t>(regions_.size());
  if (regions > kDenseRegionsMax) {
    distance_dense_km_.clear();
    distance_dense_stride_ = 0;
    return;
  }
  distance_dense_stride_ = regions;
  distance_dense_km_.assign(static_cast<size_t>(regions) * regions, kDistanceUnknown);
  for (auto [key, km] : distance_km_) {
    auto a = static_cast<uint32_t>(key >> 32);
    auto b = static_cast<uint32_t>(key & 0xffffffffu);
    LC_ASSERT(a < regions && b < regions);
    distance_dense_km_[a * regions + b] = km;
    distance_dense_km_[b * regions + a] = km;
  }
}

const PendingReservation* LedgerState::pending(uint64_t reservation_id) const {
  auto it = pending_.find(reservation_id);
  return it == pending_.end() ? nullptr : it->second.get();
}

std::optional<ReservationStatus> LedgerState::status(uint64_t reservation_id) const {
  if (reservation_id == 0 || reservation_id > reservation_status_.size()) return std::nullopt;
  return reservation_status_[reservation_id - 1];
}

const TransferRecord* LedgerState::transfer(uint64_t transfer_id) const {
  if (transfer_id == 0 || transfer_id > transfers_.size()) return nullptr;
  return &transfers_[transfer_id - 1];
}

const std::set<uint64_t>& LedgerState::in_transit_transfers(SkuIndex sku) const {
  static const std::set<uint64_t> kNone;
  auto found = in_transit_by_sku_.find(sku);
  return found == in_transit_by_sku_.end() ? kNone : found->second;
}

const ReturnRecord* LedgerState::return_record(uint64_t return_id) const {
  if (return_id == 0 || return_id > returns_.size()) return nullptr;
  return &returns_[return_id - 1];
}

const IdempotencyEntry* LedgerState::idempotency(std::string_view key) const {
  auto it = idempotency_.find(key);
  return it == idempotency_.end() ? nullptr : &it->second;
}

std::optional<std::pair<TimeMs, uint64_t>> LedgerState::next_expiry(TimeMs due_by_ms) {
  while (!expiry_heap_.empty()) {
    auto [expires_at_ms, id] = expiry_heap_.top();
    // Hot path: nothing is due, so there is no need to look the reservation up.
    if (expires_at_ms > due_by_ms) return std::make_pair(expires_at_ms, id);
    // Most stale entries belong to reservations already committed or released: the
    // dense status table says so without a hash lookup into the pending map.
    LC_DASSERT(id >= 1 && id <= reservation_status_.size());
    if (reservation_status_[id - 1] != ReservationStatus::pending) {
      expiry_heap_.pop();
      continue;
    }
    const PendingReservation* reservation = pending(id);
    if (reservation && reservation->expires_at_ms == expires_at_ms) {
      return std::make_pair(expires_at_ms, id);
    }
    expiry_heap_.pop();  // stale: resolved or extended since it was pushed
  }
  return std::nullopt;
}

Balance& LedgerState::balance_mut(SkuIndex sku, LocationIndex location) {
  return balances_[balance_slot(sku, location)];
}

uint32_t LedgerState::balance_slot(SkuIndex sku, LocationIndex location) {
  LC_ASSERT(sku < skus_.size());
  LC_ASSERT(location < locations_.size());
  auto [it, inserted] = balance_by_key_.try_emplace(balance_key(sku, location),
                                                    static_cast<uint32_t>(balances_.size()));
  if (inserted) {
    balances_.emplace_back();
    dedicated_by_balance_.push_back(0);
    locations_by_sku_[sku].push_back(location);
    balance_refs_by_sku_[sku].push_back(SkuBalanceRef{location, it->second});
  }
  LC_DASSERT(dedicated_by_balance_.size() == balances_.size());
  return it->second;
}

std::optional<uint32_t> LedgerState::balance_index(SkuIndex sku, LocationIndex location) const {
  return find_in(balance_by_key_, balance_key(sku, location));
}

template <class Change>
void LedgerState::change_balance(SkuIndex sku, LocationIndex location, Change&& change) {
  uint32_t slot = balance_slot(sku, location);
  Balance& b = balances_[slot];
  int64_t available_before = b.available_units();
  change(b);
  spot_available_by_sku_[sku] += b.available_units() - available_before;
  check_invariants(b);
  check_pool_invariants(sku, slot);
}

uint32_t LedgerState::intern_region(const std::string& name) {
  auto [it, inserted] = region_by_name_.try_emplace(name, static_cast<uint32_t>(regions_.size()));
  if (inserted) {
    regions_.push_back(name);
    rebuild_distance_matrix();  // rare: regions are few and defined up front
  }
  return it->second;
}

void LedgerState::check_invariants(const Balance& b) const {
  LC_ASSERT(b.on_hand_units >= 0);
  LC_ASSERT(b.reserved_units >= 0);
  LC_ASSERT(b.reserved_units <= b.on_hand_units);  // never oversell spot stock
  LC_ASSERT(b.in_transit_units >= 0);
  LC_ASSERT(b.quarantine_units >= 0);
  LC_ASSERT(b.rework_units >= 0);
  LC_ASSERT(b.presale_reserved_units >= 0);
  LC_ASSERT(b.presale_committed_units >= 0);
  LC_ASSERT(b.presale_reserved_units + b.presale_committed_units <= b.presale_planned_units);
  LC_ASSERT(b.on_hand_units <= kBalanceUnitsMax);
}

void LedgerState::apply(const Event& event) {
  LC_ASSERT(event.time_ms >= now_ms_);
  now_ms_ = event.time_ms;
  std::visit([this](const auto& body) { on(body); }, event.body);
  ++applied_events_;
  evict_idempotency();
}

namespace {
// Drops entries past kIdempotencyRetentionMs or beyond kIdempotencyEntriesMax.
template <class Map>
void evict_oldest(Map& map, std::deque<std::pair<TimeMs, std::string>>& order, TimeMs now_ms) {
  while (!order.empty()) {
    const auto& [stored_at_ms, key] = order.front();
    bool too_old = now_ms - stored_at_ms >= kIdempotencyRetentionMs;
    bool too_many = order.size() > kIdempotencyEntriesMax;
    if (!too_old && !too_many) break;
    map.erase(key);
    order.pop_front();
  }
  LC_ASSERT(map.size() == order.size());
}
}  // namespace

void LedgerState::evict_idempotency() {
  evict_oldest(idempotency_, idempotency_order_, now_ms_);
  evict_oldest(keyed_replies_, keyed_reply_order_, now_ms_);
}

const KeyedReplyEntry* LedgerState::keyed_reply(std::string_view key) const {
  auto it = keyed_replies_.find(key);
  return it == keyed_replies_.end() ? nullptr : &it->second;
}

void LedgerState::on(const IdempotencyRecordedEvent& e) {
  LC_ASSERT(!e.idempotency_key.empty());
  LC_ASSERT(idempotency_.find(e.idempotency_key) == idempotency_.end());
  bool inserted =
      keyed_replies_
          .try_emplace(e.idempotency_key, KeyedReplyEntry{e.request_fingerprint, now_ms_, e.reply})
          .second;
  LC_ASSERT(inserted);
  keyed_reply_order_.emplace_back(now_ms_, e.idempotency_key);
}

void LedgerState::on(const RuleStateEvent& e) {
  LC_ASSERT(!e.key.empty());
  if (e.body_json.empty()) {
    rule_states_.erase({e.kind, e.key});
  } else {
    rule_states_[{e.kind, e.key}] = e.body_json;
  }
}

void LedgerState::on(const SkuPutEvent& e) {
  auto [it, inserted] = sku_by_gtin_.try_emplace(e.gtin, static_cast<SkuIndex>(skus_.size()));
  if (inserted) {
    skus_.push_back(SkuRecord{e.gtin, e.name});
    locations_by_sku_.emplace_back();
    balance_refs_by_sku_.emplace_back();
    dedicated_by_sku_.push_back(0);
    spot_available_by_sku_.push_back(0);
  } else {
    skus_[it->second].name = e.name;
  }
  LC_ASSERT(skus_.size() == sku_by_gtin_.size() && skus_.size() <= kSkusMax);
}

void LedgerState::on(const LocationPutEvent& e) {
  uint32_t region = intern_region(e.region);
  auto [it, inserted] =
      location_by_id_.try_emplace(e.location_id, static_cast<LocationIndex>(locations_.size()));
  if (inserted) {
    locations_.push_back(LocationRecord{e.location_id, e.kind, region});
  } else {
    locations_[it->second].kind = e.kind;
    locations_[it->second].region = region;
  }
  LC_ASSERT(locations_.size() == location_by_id_.size() && locations_.size() <= kLocationsMax);
}

void LedgerState::on(const ChannelPutEvent& e) {
  auto [it, inserted] =
      channel_by_id_.try_emplace(e.channel_id, static_cast<ChannelIndex>(channels_.size()));
  if (inserted) {
    channels_.push_back(ChannelRecord{e.channel_id, e.kind});
  } else {
    channels_[it->second].kind = e.kind;
  }
  LC_ASSERT(channels_.size() == channel_by_id_.size() && channels_.size() <= kChannelsMax);
}

void LedgerState::on(const RegionDistancePutEvent& e) {
  uint32_t from = intern_region(e.region_from);
  uint32_t to = intern_region(e.region_to);
  LC_ASSERT(from != to);
  LC_ASSERT(e.distance_km <= kDistanceKmMax);
  distance_km_[region_pair_key(from, to)] = e.distance_km;
  if (distance_dense_stride_ > 0) {
    distance_dense_km_[from * distance_dense_stride_ + to] = e.distance_km;
    distance_dense_km_[to * distance_dense_stride_ + from] = e.distance_km;
  }
}

void LedgerState::on(const StockReceivedEvent& e) {
  LC_ASSERT(e.line.qty_units > 0);
  change_balance(e.line.sku, e.line.location, [&](Balance& b) {
    b.on_hand_units += e.line.qty_units;
    b.received_units += e.line.qty_units;
  });
  quarantine_recalled(e.line.sku, e.line.location);  // free units let held recalled ones go
}

void LedgerState::on(const StockAdjustedEvent& e) {
  LC_ASSERT(e.line.qty_units != 0);
  change_balance(e.line.sku, e.line.location, [&](Balance& b) {
    LC_ASSERT(b.available_units() + e.line.qty_units >= 0);
    b.on_hand_units += e.line.qty_units;
    b.adjusted_units += e.line.qty_units;
  });
  if (e.line.qty_units < 0) clamp_batch_units(e.line.sku, e.line.location);
  quarantine_recalled(e.line.sku, e.line.location);
}

void LedgerState::on(const PresalePlannedEvent& e) {
  Balance& b = balance_mut(e.line.sku, e.line.location);
  LC_ASSERT(e.line.qty_units >= b.presale_reserved_units + b.presale_committed_units);
  b.presale_planned_units = e.line.qty_units;
  check_invariants(b);
}

void LedgerState::on(const ReservedEvent& e) {
  LC_ASSERT(e.reservation_id == next_reservation_id());
  LC_ASSERT(!e.lines.empty() && e.lines.size() <= kReservationLinesMax);
  PendingReservation reservation{e.reservation_id, e.order_id, e.channel,
                                 e.expires_at_ms,  e.presale,  e.lines};
  // Allocations are drawn first: the balance change below then checks that what is
  // left dedicated still fits in what is left available.
  if (!e.presale && !pools_.empty()) draw_from_pools(reservation);
  for (const StockLine& line : e.lines) {
    LC_ASSERT(line.qty_units > 0);
    change_balance(line.sku, line.location, [&](Balance& b) {
      if (e.presale) {
        b.presale_reserved_units += line.qty_units;
      } else {
        b.reserved_units += line.qty_units;
      }
    });
  }
  reservation_status_.push_back(ReservationStatus::pending);
  pending_.emplace(e.reservation_id, Box<PendingReservation>(std::move(reservation)));
  expiry_heap_.emplace(e.expires_at_ms, e.reservation_id);
  if (!e.idempotency_key.empty()) {
    IdempotencyEntry entry{e.request_fingerprint, e.reservation_id, now_ms_, e.expires_at_ms,
                           e.lines};
    bool inserted = idempotency_.try_emplace(e.idempotency_key, std::move(entry)).second;
    LC_ASSERT(inserted);
    idempotency_order_.emplace_back(now_ms_, e.idempotency_key);
  }
}

PendingReservation LedgerState::take_pending(uint64_t reservation_id, ReservationStatus outcome) {
  auto it = pending_.find(reservation_id);
  LC_ASSERT(it != pending_.end());
  LC_ASSERT(reservation_status_[reservation_id - 1] == ReservationStatus::pending);
  PendingReservation reservation = std::move(*it->second);
  pending_.erase(it);
  reservation_status_[reservation_id - 1] = outcome;
  return reservation;
}

void LedgerState::unreserve(const PendingReservation& reservation) {
  for (const StockLine& line : reservation.lines) {
    change_balance(line.sku, line.location, [&](Balance& b) {
      if (reservation.presale) {
        b.presale_reserved_units -= line.qty_units;
      } else {
        b.reserved_units -= line.qty_units;
      }
    });
  }
}

void LedgerState::on(const CommittedEvent& e) {
  PendingReservation reservation = take_pending(e.reservation_id, ReservationStatus::committed);
  LC_ASSERT(e.committed_units.size() == reservation.lines.size());
  unreserve(reservation);
  for (size_t i = 0; i < reservation.lines.size(); ++i) {
    const StockLine& line = reservation.lines[i];
    int64_t committed = e.committed_units[i];
    LC_ASSERT(committed >= 0 && committed <= line.qty_units);
    change_balance(line.sku, line.location, [&](Balance& b) {
      if (reservation.presale) {
        b.presale_committed_units += committed;
      } else {
        b.on_hand_units -= committed;
        b.sold_units += committed;
      }
    });
  }
  // Units reserved but not committed go back to the allocation they came from (after
  // the balances, so the dedicated units never exceed what is available).
  if (reservation.location_pool_lines | reservation.network_pool_lines) {
    return_to_pools(reservation, &e.committed_units);
  }
  attribute_commit(reservation, e.reservation_id, e.committed_units);
}

void LedgerState::on(const ReleasedEvent& e) {
  PendingReservation reservation = take_pending(e.reservation_id, ReservationStatus::released);
  unreserve(reservation);
  if (reservation.location_pool_lines | reservation.network_pool_lines) {
    return_to_pools(reservation, nullptr);
  }
  for (const StockLine& line : reservation.lines) quarantine_recalled(line.sku, line.location);
}

void LedgerState::on(const ExpiredEvent& e) {
  PendingReservation reservation = take_pending(e.reservation_id, ReservationStatus::expired);
  LC_ASSERT(reservation.expires_at_ms <= now_ms_);
  unreserve(reservation);
  if (reservation.location_pool_lines | reservation.network_pool_lines) {
    return_to_pools(reservation, nullptr);
  }
  for (const StockLine& line : reservation.lines) quarantine_recalled(line.sku, line.location);
}

void LedgerState::on(const ReservationExtendedEvent& e) {
  auto it = pending_.find(e.reservation_id);
  LC_ASSERT(it != pending_.end());
  LC_ASSERT(e.expires_at_ms > now_ms_);
  it->second->expires_at_ms = e.expires_at_ms;
  expiry_heap_.emplace(e.expires_at_ms, e.reservation_id);
}

void LedgerState::on(const TransferShippedEvent& e) {
  LC_ASSERT(e.transfer_id == next_transfer_id());
  LC_ASSERT(e.from != e.to && e.qty_units > 0);
  change_balance(e.sku, e.from, [&](Balance& from) {
    LC_ASSERT(from.available_units() >= e.qty_units);
    from.on_hand_units -= e.qty_units;
  });
  change_balance(e.sku, e.to, [&](Balance& to) { to.in_transit_units += e.qty_units; });
  transfers_.push_back(TransferRecord{e.sku, e.from, e.to, e.qty_units, -1});
  in_transit_by_sku_[e.sku].insert(e.transfer_id);
  ship_batch_units(e.transfer_id, e.sku, e.from, e.qty_units);
}

void LedgerState::on(const TransferReceivedEvent& e) {
  LC_ASSERT(e.transfer_id >= 1 && e.transfer_id <= transfers_.size());
  TransferRecord& transfer = transfers_[e.transfer_id - 1];
  LC_ASSERT(transfer.received_units < 0);
  LC_ASSERT(e.received_units >= 0 && e.received_units <= transfer.shipped_units);
  change_balance(transfer.sku, transfer.to, [&](Balance& to) {
    to.in_transit_units -= transfer.shipped_units;
    to.on_hand_units += e.received_units;
    to.lost_in_transit_units += transfer.shipped_units - e.received_units;
  });
  transfer.received_units = e.received_units;
  receive_batch_units(e.transfer_id, transfer.sku, transfer.to, e.received_units);
  auto open = in_transit_by_sku_.find(transfer.sku);
  LC_ASSERT(open != in_transit_by_sku_.end());
  size_t erased = open->second.erase(e.transfer_id);
  LC_ASSERT(erased == 1);
  (void)erased;
  if (open->second.empty()) in_transit_by_sku_.erase(open);
}

void LedgerState::on(const TransferReroutedEvent& e) {
  LC_ASSERT(e.transfer_id >= 1 && e.transfer_id <= transfers_.size());
  TransferRecord& transfer = transfers_[e.transfer_id - 1];
  LC_ASSERT(transfer.received_units < 0);
  LC_ASSERT(e.qty_units > 0 && e.qty_units <= transfer.shipped_units);
  LC_ASSERT(e.to != transfer.to);
  LC_ASSERT((e.new_transfer_id == 0) == (e.qty_units == transfer.shipped_units));
  change_balance(transfer.sku, transfer.to,
                 [&](Balance& old_to) { old_to.in_transit_units -= e.qty_units; });
  change_balance(transfer.sku, e.to,
                 [&](Balance& new_to) { new_to.in_transit_units += e.qty_units; });
  if (e.new_transfer_id == 0) {
    transfer.to = e.to;
    return;
  }
  LC_ASSERT(e.new_transfer_id == next_transfer_id());
  transfer.shipped_units -= e.qty_units;
  TransferRecord split{transfer.sku, transfer.from, e.to, e.qty_units, -1};
  transfers_.push_back(split);  // may reallocate: `transfer` is not used after this
  in_transit_by_sku_[split.sku].insert(e.new_transfer_id);
  split_batch_units(e.transfer_id, e.new_transfer_id, e.qty_units);
}

void LedgerState::on(const ReturnReceivedEvent& e) {
  LC_ASSERT(e.return_id == next_return_id());
  LC_ASSERT(e.line.qty_units > 0);
  change_balance(e.line.sku, e.line.location,
                 [&](Balance& b) { b.quarantine_units += e.line.qty_units; });
  ReturnRecord record;
  record.sku = e.line.sku;
  record.location = e.line.location;
  record.received_units = e.line.qty_units;
  record.quarantine_units = e.line.qty_units;
  returns_.push_back(record);
}

void LedgerState::on(const ReturnGradedEvent& e) {
  LC_ASSERT(e.return_id >= 1 && e.return_id <= returns_.size());
  ReturnRecord& record = returns_[e.return_id - 1];
  LC_ASSERT(e.qty_units > 0 && e.qty_units <= record.quarantine_units);
  record.quarantine_units -= e.qty_units;
  change_balance(record.sku, record.location, [&](Balance& b) {
    b.quarantine_units -= e.qty_units;
    switch (e.grade) {
      case ReturnGrade::restock:
        record.restocked_units += e.qty_units;
        b.on_hand_units += e.qty_units;
        break;
      case ReturnGrade::rework:
        record.rework_units += e.qty_units;
        b.rework_units += e.qty_units;
        break;
      case ReturnGrade::scrap:
        record.scrapped_units += e.qty_units;
        b.scrapped_units += e.qty_units;
        break;
    }
  });
  quarantine_recalled(record.sku, record.location);
}

void LedgerState::on(const ReworkCompletedEvent& e) {
  LC_ASSERT(e.return_id >= 1 && e.return_id <= returns_.size());
  ReturnRecord& record = returns_[e.return_id - 1];
  LC_ASSERT(e.qty_units > 0 && e.qty_units <= record.rework_units);
  record.rework_units -= e.qty_units;
  record.restocked_units += e.qty_units;
  change_balance(record.sku, record.location, [&](Balance& b) {
    b.rework_units -= e.qty_units;
    b.on_hand_units += e.qty_units;
  });
  quarantine_recalled(record.sku, record.location);
}

}  // namespace livechain::engine

namespace livechain::engine {

// ---- traceability (issue 12 §2) ----

namespace {
std::string batch_key(std::string_view gtin14, std::string_view lot) {
  std::string key(gtin14);
  key += '/';
  key += lot;
  return key;
}
}  // namespace

const BatchRecord* LedgerState::batch(uint64_t batch_id) const {
  if (batch_id == 0 || batch_id > batches_.size()) return nullptr;
  return &batches_[batch_id - 1];
}

std::optional<uint64_t> LedgerState::find_batch(SkuIndex sku, std::string_view lot) const {
  auto found = batch_by_key_.find(batch_key(skus_[sku].gtin, lot));
  if (found == batch_by_key_.end()) return std::nullopt;
  return found->second;
}

void LedgerState::on(const BatchCreatedEvent& e) {
  LC_ASSERT(e.batch_id == batches_.size() + 1);
  LC_ASSERT(e.sku < skus_.size() && !e.lot.empty());
  auto [it, inserted] = batch_by_key_.emplace(batch_key(skus_[e.sku].gtin, e.lot), e.batch_id);
  LC_ASSERT(inserted);
  (void)it;
  BatchRecord record;
  record.sku = e.sku;
  record.lot = e.lot;
  record.produced_at_ms = e.produced_at_ms;
  record.factory_id = e.factory_id;
  record.inspection_reports = e.inspection_reports;
  batches_.push_back(std::move(record));
}

void LedgerState::on(const UnitsIssuedEvent& e) {
  LC_ASSERT(e.batch_id >= 1 && e.batch_id <= batches_.size());
  BatchRecord& record = batches_[e.batch_id - 1];
  LC_ASSERT(e.first_serial == record.units_issued + 1);
  LC_ASSERT(e.count >= 1 && record.units_issued + e.count <= kBatchUnitsMax);
  record.units_issued += e.count;
}

}  // namespace livechain::engine
