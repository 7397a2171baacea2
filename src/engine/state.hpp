// src/engine/state.hpp
//
// The ledger's in-memory state and the only code that mutates it: one apply function
// per event kind. State is owned by the single writer thread; nothing here locks.
// Every apply asserts the ledger invariants before and after the change:
// no balance below zero, reserved <= on_hand (spot), presale within its plan.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "engine/alert_book.hpp"
#include "engine/events.hpp"
#include "engine/silence_book.hpp"

namespace livechain::engine {

struct SkuRecord {
  std::string gtin;
  std::string name;
};
struct LocationRecord {
  std::string location_id;
  LocationKind kind;
  uint32_t region = 0;  // index into regions
};
struct ChannelRecord {
  std::string channel_id;
  ChannelKind kind;
};
struct PendingReservation {
  uint64_t reservation_id = 0;
  std::string order_id;
  ChannelIndex channel = 0;
  TimeMs expires_at_ms = 0;
  bool presale = false;
  StockLines lines;
  // Which lines drew from the channel's dedicated allocation at their location / its
  // network-wide allocation (bit i = line i); their units go back to it on release.
  uint64_t location_pool_lines = 0;
  uint64_t network_pool_lines = 0;
};
// A channel's dedicated allocations of one SKU (unused units).
struct ChannelSkuPool {
  int64_t network_units = -1;  // -1: no network-wide allocation
  boost::container::small_vector<std::pair<LocationIndex, int64_t>, 2> location_units;
  // Unused units at `location`, or nullopt without an allocation there.
  std::optional<int64_t> at(LocationIndex location) const {
    for (const auto& [where, units] : location_units) {
      if (where == location) return units;
    }
    return std::nullopt;
  }
};
// What a retried write with the same idempotency key gets back (non-reservation writes).
struct KeyedReplyEntry {
  uint64_t request_fingerprint = 0;
  TimeMs stored_at_ms = 0;
  std::string reply;  // encode_reply bytes
};
struct TransferRecord {
  SkuIndex sku = 0;
  LocationIndex from = 0;
  LocationIndex to = 0;
  int64_t shipped_units = 0;
  int64_t received_units = -1;  // -1 while in transit
};
struct ReturnRecord {
  SkuIndex sku = 0;
  LocationIndex location = 0;
  int64_t received_units = 0;
  int64_t quarantine_units = 0;
  int64_t rework_units = 0;
  int64_t restocked_units = 0;
  int64_t scrapped_units = 0;
};
// What a retried reserve with the same idempotency key gets back.
// Units of one batch at one place (a SKU × location row, or a transfer in transit).
struct BatchUnits {
  uint64_t batch_id = 0;
  int64_t units = 0;
  bool operator==(const BatchUnits&) const = default;
};
// Units of a batch that left on a committed order: named on the commit line or
// attributed first-in first-out (docs/trace.md "Batch-tracked stock").
struct BatchSale {
  uint64_t reservation_id = 0;
  std::string order_id;
  ChannelIndex channel = 0;
  LocationIndex location = 0;
  int64_t units = 0;
  std::vector<uint64_t> serials;  // when the commit line named them
  bool operator==(const BatchSale&) const = default;
};
struct BatchRecord {
  SkuIndex sku = 0;
  std::string lot;
  TimeMs produced_at_ms = 0;
  std::string factory_id;
  std::vector<std::string> inspection_reports;
  uint64_t units_issued = 0;
  // Recall (issue 12 §5).
  bool recalled = false;
  TimeMs recalled_at_ms = 0;
  std::string recall_reason;
  std::map<LocationIndex, int64_t> quarantined_at;  // recalled units moved to quarantine
  std::vector<BatchSale> sales;
};

struct IdempotencyEntry {
  uint64_t request_fingerprint = 0;
  uint64_t reservation_id = 0;
  TimeMs stored_at_ms = 0;
  TimeMs expires_at_ms = 0;
  StockLines lines;
};

// A heap-allocated value with value semantics (copies deep-copy, moves move the
// pointer): lets a flat hash map of large values rehash by moving pointers.
template <class T>
class Box {
 public:
  explicit Box(T value) : value_(std::make_unique<T>(std::move(value))) {}
  Box(const Box& other) : value_(std::make_unique<T>(*other.value_)) {}
  Box& operator=(const Box& other) {
    value_ = std::make_unique<T>(*other.value_);
    return *this;
  }
  Box(Box&&) noexcept = default;
  Box& operator=(Box&&) noexcept = default;
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }
  T* get() { return value_.get(); }
  const T* get() const { return value_.get(); }

 private:
  std::unique_ptr<T> value_;
};

// Transparent hashing so lookups by std::string_view build no temporary string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <class Value>
using StringMap = boost::unordered_flat_map<std::string, Value, StringHash, std::equal_to<>>;

// One balance row of a SKU: where it is and its index in the balance table.
struct SkuBalanceRef {
  LocationIndex location = 0;
  uint32_t balance_index = 0;
};

class LedgerState final : public NameTables {
 public:
  // ---- NameTables ----
  const std::string& gtin_of(SkuIndex sku) const override { return skus_[sku].gtin; }
  const std::string& location_id_of(LocationIndex location) const override {
    return locations_[location].location_id;
  }
  const std::string& channel_id_of(ChannelIndex channel) const override {
    return channels_[channel].channel_id;
  }
  std::optional<SkuIndex> find_sku(std::string_view gtin) const override;
  std::optional<LocationIndex> find_location(std::string_view id) const override;
  std::optional<ChannelIndex> find_channel(std::string_view id) const override;
  std::optional<uint32_t> find_region(std::string_view name) const;

  // Applies one validated event. REQUIRES: event.time_ms >= now_ms().
  void apply(const Event& event);

  // ---- read access ----
  TimeMs now_ms() const { return now_ms_; }
  uint64_t applied_events() const { return applied_events_; }
  const Balance* balance(SkuIndex sku, LocationIndex location) const;
  Balance balance_or_zero(SkuIndex sku, LocationIndex location) const;
  const std::vector<SkuRecord>& skus() const { return skus_; }
  const std::vector<LocationRecord>& locations() const { return locations_; }
  const std::vector<ChannelRecord>& channels() const { return channels_; }
  const std::vector<std::string>& regions() const { return regions_; }
  // Locations holding any balance row for `sku`, in first-touch order.
  const std::vector<LocationIndex>& locations_of_sku(SkuIndex sku) const;
  // The same rows with their balance indexes, for hot paths (see balance_at).
  const std::vector<SkuBalanceRef>& balance_refs_of_sku(SkuIndex sku) const {
    return balance_refs_by_sku_[sku];
  }
  const Balance& balance_at(uint32_t balance_index) const { return balances_[balance_index]; }
  // Distance between two regions; 0 for the same region, nullopt when unknown.
  // Inline fast path: location picking asks once per candidate location.
  std::optional<uint32_t> distance_km(uint32_t region_a, uint32_t region_b) const {
    if (region_a == region_b) return 0;
    if (distance_dense_stride_ > 0) {
      uint32_t km = distance_dense_km_[region_a * distance_dense_stride_ + region_b];
      if (km == kDistanceUnknown) return std::nullopt;
      return km;
    }
    return sparse_distance_km(region_a, region_b);
  }
  const PendingReservation* pending(uint64_t reservation_id) const;
  std::optional<ReservationStatus> status(uint64_t reservation_id) const;
  const TransferRecord* transfer(uint64_t transfer_id) const;
  // Ids of the SKU's transfers still in transit, ascending (empty when none).
  const std::set<uint64_t>& in_transit_transfers(SkuIndex sku) const;
  const ReturnRecord* return_record(uint64_t return_id) const;
  const IdempotencyEntry* idempotency(std::string_view key) const;
  const KeyedReplyEntry* keyed_reply(std::string_view key) const;
  size_t keyed_reply_count() const { return keyed_replies_.size(); }

  // ---- channel pools (engine/pools.cpp) ----
  // A channel's allocations of a SKU, or nullptr when it has none (sells shared).
  const ChannelSkuPool* pool(ChannelIndex channel, SkuIndex sku) const;
  bool has_allocations() const { return !pools_.empty(); }
  size_t pool_count() const { return pools_.size(); }
  // Spot units of `sku` at the balance row `balance_index` that no channel holds a
  // dedicated allocation of, capped by the SKU's network-wide free units: what a
  // channel without an allocation (or a transfer, or an adjustment) may take there.
  int64_t shared_free_units(SkuIndex sku, uint32_t balance_index) const;
  // The SKU's spot units nobody holds an allocation of, over all locations.
  int64_t shared_free_units(SkuIndex sku) const {
    return spot_available_by_sku_[sku] - dedicated_by_sku_[sku];
  }
  // Unused dedicated units at one balance row (all channels).
  int64_t dedicated_units(uint32_t balance_index) const {
    return balance_index < dedicated_by_balance_.size() ? dedicated_by_balance_[balance_index] : 0;
  }
  std::optional<uint32_t> balance_index(SkuIndex sku, LocationIndex location) const;
  // Every allocation, in (channel, sku) key order for deterministic output.
  std::vector<std::pair<uint64_t, const ChannelSkuPool*>> pools_sorted() const;
  uint64_t next_reservation_id() const { return reservation_status_.size() + 1; }
  uint64_t next_transfer_id() const { return transfers_.size() + 1; }
  uint64_t next_return_id() const { return returns_.size() + 1; }
  const BatchRecord* batch(uint64_t batch_id) const;
  // The batch of `sku` with `lot`, if any.
  std::optional<uint64_t> find_batch(SkuIndex sku, std::string_view lot) const;
  uint64_t next_batch_id() const { return batches_.size() + 1; }
  size_t batch_count() const { return batches_.size(); }
  // Batch-tracked units on hand at one row, oldest batch first (empty when none is
  // tracked there). Their sum never exceeds the row's on_hand.
  const std::vector<BatchUnits>& batch_units_at(SkuIndex sku, LocationIndex location) const;
  // Every row holding units of `batch_id`: (location, units), by location index.
  std::vector<std::pair<LocationIndex, int64_t>> batch_locations(uint64_t batch_id) const;
  // The batch units a transfer in transit carries (empty when none is tracked).
  const std::vector<BatchUnits>& transfer_batch_units(uint64_t transfer_id) const;
  size_t pending_count() const { return pending_.size(); }
  // Calls `visit(const PendingReservation&)` for each pending reservation, in no order.
  template <class Visit>
  void for_each_pending(Visit&& visit) const {
    for (const auto& [id, reservation] : pending_) visit(*reservation);
  }
  // The earliest (expires_at, id) among pending reservations, skipping stale entries.
  // An entry later than `due_by_ms` is returned without checking staleness: callers
  // only act on entries due by `due_by_ms`. Pass the time you act at (a command's
  // time is later than now_ms(), so entries between the two must be checked too).
  std::optional<std::pair<TimeMs, uint64_t>> next_expiry(TimeMs due_by_ms);
  std::optional<std::pair<TimeMs, uint64_t>> next_expiry() { return next_expiry(now_ms_); }

  // Alert records (issue 11).
  const AlertBook& alerts() const { return alerts_; }
  // Rule state records (issue 11): (kind, key) → JSON body, in key order.
  using RuleStateMap = std::map<std::pair<RuleStateKind, std::string>, std::string>;
  const RuleStateMap& rule_states() const { return rule_states_; }
  // Notification silences (issue 11 §4).
  const SilenceBook& silences() const { return silences_; }

  // Canonical serialisation: equal states give equal bytes (tests compare these).
  Bytes serialize() const;
  static Result<LedgerState> deserialize(std::span<const uint8_t> bytes);

 private:
  friend class SnapshotCodec;
  Balance& balance_mut(SkuIndex sku, LocationIndex location);
  uint32_t intern_region(const std::string& name);
  void check_invariants(const Balance& balance) const;

  void on(const SkuPutEvent& e);
  void on(const LocationPutEvent& e);
  void on(const ChannelPutEvent& e);
  void on(const RegionDistancePutEvent& e);
  void on(const StockReceivedEvent& e);
  void on(const StockAdjustedEvent& e);
  void on(const PresalePlannedEvent& e);
  void on(const ReservedEvent& e);
  void on(const CommittedEvent& e);
  void on(const ReleasedEvent& e);
  void on(const ExpiredEvent& e);
  void on(const ReservationExtendedEvent& e);
  void on(const TransferShippedEvent& e);
  void on(const TransferReceivedEvent& e);
  void on(const TransferReroutedEvent& e);
  void on(const ReturnReceivedEvent& e);
  void on(const ReturnGradedEvent& e);
  void on(const ReworkCompletedEvent& e);
  void on(const AllocationSetEvent& e);
  void on(const IdempotencyRecordedEvent& e);
  // Creates the balance row if needed; returns its index.
  uint32_t balance_slot(SkuIndex sku, LocationIndex location);
  // Runs `change` on one balance row, keeps the per-SKU available total in step and
  // asserts the ledger and pool invariants after it.
  template <class Change>
  void change_balance(SkuIndex sku, LocationIndex location, Change&& change);
  void check_pool_invariants(SkuIndex sku, uint32_t balance_index) const;
  // Moves `delta` units into (+) or out of (−) a channel's allocation and the totals.
  void add_dedicated(ChannelSkuPool& pool, SkuIndex sku, LocationIndex location, int64_t delta);
  void draw_from_pools(PendingReservation& reservation);
  void return_to_pools(const PendingReservation& reservation, const LineQuantities* committed);
  void rebuild_pool_totals();
  void on(const AlertEvent& e) { alerts_.apply(e); }
  void on(const BatchCreatedEvent& e);
  void on(const UnitsIssuedEvent& e);
  // The audit record of a rollback: its stock changes are the adjustments before it.
  void on(const StockRestoredEvent&) {}
  void on(const RuleStateEvent& e);
  void on(const SilenceCreatedEvent& e) { silences_.apply(e, now_ms_); }
  void on(const SilenceDeletedEvent& e) { silences_.apply(e); }
  void on(const BatchReceivedEvent& e);
  void on(const BatchSoldEvent& e);
  void on(const BatchRecalledEvent& e);
  // Batch-tracked stock (batch_stock.cpp): hooks the stock events call.
  void attribute_commit(const PendingReservation& reservation, uint64_t reservation_id,
                        const LineQuantities& committed);
  void quarantine_recalled(SkuIndex sku, LocationIndex location);
  void clamp_batch_units(SkuIndex sku, LocationIndex location);
  void ship_batch_units(uint64_t transfer_id, SkuIndex sku, LocationIndex from, int64_t units);
  void receive_batch_units(uint64_t transfer_id, SkuIndex sku, LocationIndex to, int64_t units);
  void split_batch_units(uint64_t transfer_id, uint64_t new_transfer_id, int64_t units);
  // Takes up to `units` from the row's batches, oldest first — the recalled ones before
  // the others when `recalled_first` (a sale: its order is then listed as affected),
  // after them otherwise — and returns what it took.
  std::vector<BatchUnits> take_batch_units(SkuIndex sku, LocationIndex location, int64_t units,
                                           bool recalled_first);
  void add_batch_units(SkuIndex sku, LocationIndex location, uint64_t batch_id, int64_t units);
  void check_batch_invariants(SkuIndex sku, LocationIndex location) const;
  // EPCIS events are kept by the journal and indexed beside it (store/epcis_store.hpp).
  void on(const EpcisCapturedEvent&) {}
  void unreserve(const PendingReservation& reservation);
  PendingReservation take_pending(uint64_t reservation_id, ReservationStatus outcome);
  // Drops idempotency entries past kIdempotencyRetentionMs or beyond
  // kIdempotencyEntriesMax, oldest first. A pure function of journal time, so replay
  // evicts exactly what the live engine evicted.
  void evict_idempotency();

  TimeMs now_ms_ = 0;
  uint64_t applied_events_ = 0;
  std::vector<SkuRecord> skus_;
  std::vector<LocationRecord> locations_;
  std::vector<ChannelRecord> channels_;
  std::vector<std::string> regions_;
  StringMap<SkuIndex> sku_by_gtin_;
  StringMap<LocationIndex> location_by_id_;
  StringMap<ChannelIndex> channel_by_id_;
  StringMap<uint32_t> region_by_name_;
  boost::unordered_flat_map<uint64_t, uint32_t> distance_km_;  // key: min region << 32 | max
  // Dense copy of distance_km_ while there are at most kDenseRegionsMax regions
  // (location picking reads it once per candidate location). Derived state: rebuilt
  // from distance_km_, never serialised.
  static constexpr uint32_t kDenseRegionsMax = 1024;
  static constexpr uint32_t kDistanceUnknown = UINT32_MAX;
  std::vector<uint32_t> distance_dense_km_;
  uint32_t distance_dense_stride_ = 0;
  void rebuild_distance_matrix();
  std::optional<uint32_t> sparse_distance_km(uint32_t region_a, uint32_t region_b) const;
  std::vector<Balance> balances_;
  boost::unordered_flat_map<uint64_t, uint32_t> balance_by_key_;  // sku << 32 | location
  std::vector<std::vector<LocationIndex>> locations_by_sku_;
  std::vector<std::vector<SkuBalanceRef>> balance_refs_by_sku_;
  std::vector<ReservationStatus> reservation_status_;  // index = reservation_id − 1
  // Boxed: a rehash of millions of pending reservations then moves 16-byte slots, not
  // the reservations themselves (which stalled the engine thread for 0.3–0.7 s at 1M
  // and 2M pending under the HTTP load benchmark).
  boost::unordered_flat_map<uint64_t, Box<PendingReservation>> pending_;
  // Min-heap of (expires_at, id). Entries go stale when a reservation is extended or
  // resolved; next_expiry() drops them. Rebuilt from pending_ after deserialize.
  std::priority_queue<std::pair<TimeMs, uint64_t>, std::vector<std::pair<TimeMs, uint64_t>>,
                      std::greater<>>
      expiry_heap_;
  std::vector<TransferRecord> transfers_;  // index = transfer_id − 1
  // Derived from transfers_ (rebuilt after deserialize): per SKU, the ids in transit.
  std::map<SkuIndex, std::set<uint64_t>> in_transit_by_sku_;
  std::vector<ReturnRecord> returns_;  // index = return_id − 1
  StringMap<IdempotencyEntry> idempotency_;
  std::deque<std::pair<TimeMs, std::string>> idempotency_order_;  // insertion order
  StringMap<KeyedReplyEntry> keyed_replies_;
  std::deque<std::pair<TimeMs, std::string>> keyed_reply_order_;  // insertion order
  // Channel pools: allocations by channel << 32 | sku. The totals below are derived
  // (rebuilt after deserialize), so an allocation check is O(1) per reservation line.
  boost::unordered_flat_map<uint64_t, ChannelSkuPool> pools_;
  std::vector<int64_t> dedicated_by_balance_;   // parallel to balances_
  std::vector<int64_t> dedicated_by_sku_;       // location + network allocations
  std::vector<int64_t> spot_available_by_sku_;  // Σ available_units() over locations
  AlertBook alerts_;
  std::vector<BatchRecord> batches_;  // index = batch_id − 1
  StringMap<uint64_t> batch_by_key_;  // GTIN-14 + '/' + lot → batch_id
  // Batch-tracked stock: per SKU × location (sku << 32 | location), oldest batch first.
  std::map<uint64_t, std::vector<BatchUnits>> batch_units_;
  std::map<uint64_t, std::vector<BatchUnits>> transfer_batch_units_;  // by transfer id
  // BatchSoldEvents waiting for their CommittedEvent: (reservation id, line) → sales.
  std::map<std::pair<uint64_t, uint32_t>, std::vector<std::pair<uint64_t, BatchSale>>>
      named_sales_;  // → (batch id, sale)
  // SKUs with a recalled batch: their releases move freed units to quarantine.
  std::set<SkuIndex> recalled_skus_;
  RuleStateMap rule_states_;
  SilenceBook silences_;
};

}  // namespace livechain::engine
