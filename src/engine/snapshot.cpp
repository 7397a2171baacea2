// Canonical serialisation of LedgerState (snapshot format version 1). Containers are
// written in their deterministic insertion order, pending reservations sorted by id,
// so two states that applied the same events serialise to the same bytes.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/state.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

namespace {
// "LCS1": the ledger records only (still loads: no pools, keyed replies or alerts).
// "LCS3": LCS1 + the channel pool section (pools, pool draws, keyed replies) + the
// alert section. ("LCS2" was never released.)
// "LCS4": LCS3 + tagged sections, so a new bounded piece of state adds a table entry
// instead of a new magic. A version per layout keeps truncation detectable.
constexpr uint32_t kSnapshotMagicV1 = 0x4c435331;
constexpr uint32_t kSnapshotMagicV3 = 0x4c435333;
constexpr uint32_t kSnapshotMagic = 0x4c435334;
constexpr size_t kSnapshotStringMax = 4096;

void put_lines(ByteWriter& out, const StockLines& lines) {
  out.put_varint(lines.size());
  for (const StockLine& line : lines) {
    out.put_varint(line.sku);
    out.put_varint(line.location);
    out.put_signed_varint(line.qty_units);
  }
}

StockLines get_lines(ByteReader& in) {
  StockLines lines;
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && i <= kReservationLinesMax && in.ok(); ++i) {
    StockLine line;
    line.sku = static_cast<SkuIndex>(in.get_varint());
    line.location = static_cast<LocationIndex>(in.get_varint());
    line.qty_units = in.get_signed_varint();
    lines.push_back(line);
  }
  return lines;
}

// Balance fields in declaration order; the static_assert trips when a field is added
// without extending the snapshot format.
static_assert(sizeof(Balance) == 13 * sizeof(int64_t));
void put_balance(ByteWriter& out, const Balance& b) {
  for (int64_t v : {b.on_hand_units, b.reserved_units, b.in_transit_units, b.quarantine_units,
                    b.rework_units, b.presale_planned_units, b.presale_reserved_units,
                    b.presale_committed_units, b.received_units, b.sold_units, b.scrapped_units,
                    b.lost_in_transit_units, b.adjusted_units}) {
    out.put_signed_varint(v);
  }
}
Balance get_balance(ByteReader& in) {
  Balance b;
  for (int64_t* v : {&b.on_hand_units, &b.reserved_units, &b.in_transit_units, &b.quarantine_units,
                     &b.rework_units, &b.presale_planned_units, &b.presale_reserved_units,
                     &b.presale_committed_units, &b.received_units, &b.sold_units,
                     &b.scrapped_units, &b.lost_in_transit_units, &b.adjusted_units}) {
    *v = in.get_signed_varint();
  }
  return b;
}
}  // namespace

class SnapshotCodec {
 public:
  static void write(const LedgerState& s, ByteWriter& out);
  static Result<LedgerState> read(ByteReader& in);
  static void write_records(const LedgerState& s, ByteWriter& out);
  static void read_records(LedgerState& s, ByteReader& in);
  // Appended section (channel pools, keyed replies), present from "LCS3" on; "LCS1"
  // snapshots, written before it existed, load with no allocations.
  static void write_pools(const LedgerState& s, ByteWriter& out);
  static Result<void> read_pools(LedgerState& s, ByteReader& in, bool present);

  // One tagged section per piece of state added after "LCS3". Tags are never reused.
  // `read` gets a reader over exactly the section's bytes and returns false when they
  // do not decode; a known section missing from a snapshot loads as empty state.
  struct Section {
    uint32_t tag;
    void (*write)(const LedgerState& s, ByteWriter& out);
    bool (*read)(LedgerState& s, ByteReader& in);
  };
  static const std::vector<Section>& sections();
  static void write_sections(const LedgerState& s, ByteWriter& out);
  static Result<void> read_sections(LedgerState& s, ByteReader& in);
  // Traceability batches (issue 12), tagged section 5.
  static void write_batches(const LedgerState& s, ByteWriter& out);
  // False when a record is inconsistent (unknown SKU, duplicate or empty lot).
  static bool read_batches(LedgerState& s, ByteReader& in);
  // Batch-tracked stock and recalls (issue 12 §2, §5), tagged section 6; read after 5.
  static void write_batch_stock(const LedgerState& s, ByteWriter& out);
  static bool read_batch_stock(LedgerState& s, ByteReader& in);
};

const std::vector<SnapshotCodec::Section>& SnapshotCodec::sections() {
  // Lambdas here share SnapshotCodec's access to LedgerState. Add entries below.
  static const std::vector<Section> kSections = {
      {5, &write_batches, &read_batches},          // traceability batches (issue 12)
      {6, &write_batch_stock, &read_batch_stock},  // batch-tracked stock, recalls
      // 3: the alert rules' state records (issue 11): count, then kind, key, body each.
      {3,
       [](const LedgerState& s, ByteWriter& out) {
         out.put_varint(s.rule_states_.size());
         for (const auto& [key, body] : s.rule_states_) {
           out.put_u8(static_cast<uint8_t>(key.first));
           out.put_string(key.second);
           out.put_string(body);
         }
       },
       [](LedgerState& s, ByteReader& in) {
         uint64_t count = in.get_varint();
         for (uint64_t i = 0; i < count && in.ok(); ++i) {
           uint8_t kind = in.get_u8();
           std::string key = in.get_string(kRuleStateKeyBytesMax);
           std::string body = in.get_string(kRuleStateBodyBytesMax);
           if (!in.ok() || kind > kRuleStateKindLast || key.empty() || body.empty()) return false;
           s.rule_states_[{static_cast<RuleStateKind>(kind), std::move(key)}] = std::move(body);
         }
         return in.ok() && s.rule_states_.size() == count;
       }},
      // 4: notification silences (issue 11 §4, kinds 70–71).
      {4, [](const LedgerState& s, ByteWriter& out) { s.silences_.serialize(out); },
       [](LedgerState& s, ByteReader& in) { return s.silences_.deserialize(in).has_value(); }},
  };
  return kSections;
}

void SnapshotCodec::write_sections(const LedgerState& s, ByteWriter& out) {
  out.put_varint(sections().size());
  for (const Section& section : sections()) {
    Bytes body;
    ByteWriter body_out(body);
    section.write(s, body_out);
    out.put_varint(section.tag);
    out.put_varint(body.size());
    out.put_bytes(body);
  }
}

Result<void> SnapshotCodec::read_sections(LedgerState& s, ByteReader& in) {
  auto bad = [](std::string reason) {
    return fail(ErrorCode::corruption, "snapshot", std::move(reason));
  };
  uint64_t count = in.get_varint();
  std::vector<uint32_t> seen;
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    uint64_t tag = in.get_varint();
    std::span<const uint8_t> body = in.get_bytes(in.get_varint());
    if (!in.ok()) break;
    auto known = std::find_if(sections().begin(), sections().end(),
                              [tag](const Section& section) { return section.tag == tag; });
    if (known == sections().end()) {
      return bad("unknown snapshot section " + std::to_string(tag) +
                 " (written by a newer version?)");
    }
    if (std::find(seen.begin(), seen.end(), known->tag) != seen.end()) {
      return bad("snapshot section " + std::to_string(tag) + " appears twice");
    }
    seen.push_back(known->tag);
    ByteReader body_in(body);
    if (!known->read(s, body_in) || !body_in.ok() || !body_in.at_end()) {
      return bad("snapshot section " + std::to_string(tag) + " does not decode");
    }
  }
  return {};
}

void SnapshotCodec::write(const LedgerState& s, ByteWriter& out) {
  out.put_fixed32(kSnapshotMagic);
  out.put_varint(static_cast<uint64_t>(s.now_ms_));
  out.put_varint(s.applied_events_);
  out.put_varint(s.skus_.size());
  for (const auto& sku : s.skus_) out.put_string(sku.gtin), out.put_string(sku.name);
  out.put_varint(s.regions_.size());
  for (const auto& region : s.regions_) out.put_string(region);
  out.put_varint(s.locations_.size());
  for (const auto& l : s.locations_) {
    out.put_string(l.location_id);
    out.put_u8(static_cast<uint8_t>(l.kind));
    out.put_varint(l.region);
  }
  out.put_varint(s.channels_.size());
  for (const auto& c : s.channels_) {
    out.put_string(c.channel_id);
    out.put_u8(static_cast<uint8_t>(c.kind));
  }
  std::vector<std::pair<uint64_t, uint32_t>> distances(s.distance_km_.begin(),
                                                       s.distance_km_.end());
  std::sort(distances.begin(), distances.end());
  out.put_varint(distances.size());
  for (auto [key, km] : distances) out.put_fixed64(key), out.put_varint(km);
  write_records(s, out);
  write_pools(s, out);
  s.alerts_.serialize(out);
  write_sections(s, out);
}

void SnapshotCodec::write_pools(const LedgerState& s, ByteWriter& out) {
  auto pools = s.pools_sorted();
  out.put_varint(pools.size());
  for (const auto& [key, pool] : pools) {
    out.put_fixed64(key);
    out.put_signed_varint(pool->network_units);
    out.put_varint(pool->location_units.size());
    for (auto [location, units] : pool->location_units) {
      out.put_varint(location);
      out.put_signed_varint(units);
    }
  }
  std::vector<uint64_t> drawn;  // pending reservations that drew from an allocation
  for (const auto& [id, reservation] : s.pending_) {
    if (reservation->location_pool_lines | reservation->network_pool_lines) drawn.push_back(id);
  }
  std::sort(drawn.begin(), drawn.end());
  out.put_varint(drawn.size());
  for (uint64_t id : drawn) {
    const PendingReservation& r = *s.pending_.at(id);
    out.put_varint(id);
    out.put_fixed64(r.location_pool_lines);
    out.put_fixed64(r.network_pool_lines);
  }
  out.put_varint(s.keyed_reply_order_.size());
  for (const auto& [stored_at_ms, key] : s.keyed_reply_order_) {
    const KeyedReplyEntry& entry = s.keyed_replies_.at(key);
    out.put_string(key);
    out.put_fixed64(entry.request_fingerprint);
    out.put_varint(static_cast<uint64_t>(entry.stored_at_ms));
    out.put_string(entry.reply);
  }
}

Result<void> SnapshotCodec::read_pools(LedgerState& s, ByteReader& in, bool present) {
  if (!present) {
    s.rebuild_pool_totals();
    return {};
  }
  auto bad = [] { return fail(ErrorCode::corruption, "snapshot", "bad channel pool section"); };
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kAllocationsMax && in.ok(); ++i) {
    uint64_t key = in.get_fixed64();
    ChannelSkuPool pool;
    pool.network_units = in.get_signed_varint();
    uint64_t locations = in.get_varint();
    if ((key >> 32) >= s.channels_.size() || (key & 0xffffffffu) >= s.skus_.size() ||
        locations > kAllocationLocationsMax) {
      return bad();
    }
    for (uint64_t j = 0; j < locations && in.ok(); ++j) {
      auto location = static_cast<LocationIndex>(in.get_varint());
      if (location >= s.locations_.size()) return bad();
      pool.location_units.emplace_back(location, in.get_signed_varint());
    }
    s.pools_.emplace(key, std::move(pool));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    uint64_t id = in.get_varint();
    auto it = s.pending_.find(id);
    if (it == s.pending_.end()) return bad();
    it->second->location_pool_lines = in.get_fixed64();
    it->second->network_pool_lines = in.get_fixed64();
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i <= kIdempotencyEntriesMax && in.ok(); ++i) {
    std::string key = in.get_string(kSnapshotStringMax);
    KeyedReplyEntry entry;
    entry.request_fingerprint = in.get_fixed64();
    entry.stored_at_ms = static_cast<TimeMs>(in.get_varint());
    entry.reply = in.get_string(journal::kEventLengthMax);
    s.keyed_reply_order_.emplace_back(entry.stored_at_ms, key);
    s.keyed_replies_.emplace(std::move(key), std::move(entry));
  }
  s.rebuild_pool_totals();
  return {};
}

void SnapshotCodec::write_records(const LedgerState& s, ByteWriter& out) {
  std::vector<std::pair<uint32_t, uint64_t>> balance_keys;  // (index, key)
  for (auto [key, index] : s.balance_by_key_) balance_keys.emplace_back(index, key);
  std::sort(balance_keys.begin(), balance_keys.end());
  out.put_varint(balance_keys.size());
  for (auto [index, key] : balance_keys) {
    out.put_fixed64(key);
    put_balance(out, s.balances_[index]);
  }
  out.put_varint(s.reservation_status_.size());
  for (ReservationStatus status : s.reservation_status_) out.put_u8(static_cast<uint8_t>(status));
  std::vector<uint64_t> pending_ids;
  for (const auto& [id, reservation] : s.pending_) pending_ids.push_back(id);
  std::sort(pending_ids.begin(), pending_ids.end());
  out.put_varint(pending_ids.size());
  for (uint64_t id : pending_ids) {
    const PendingReservation& r = *s.pending_.at(id);
    out.put_varint(id);
    out.put_string(r.order_id);
    out.put_varint(r.channel);
    out.put_varint(static_cast<uint64_t>(r.expires_at_ms));
    out.put_u8(r.presale ? 1 : 0);
    put_lines(out, r.lines);
  }
  out.put_varint(s.transfers_.size());
  for (const auto& t : s.transfers_) {
    out.put_varint(t.sku), out.put_varint(t.from), out.put_varint(t.to);
    out.put_signed_varint(t.shipped_units), out.put_signed_varint(t.received_units);
  }
  out.put_varint(s.returns_.size());
  for (const auto& r : s.returns_) {
    out.put_varint(r.sku), out.put_varint(r.location);
    for (int64_t v : {r.received_units, r.quarantine_units, r.rework_units, r.restocked_units,
                      r.scrapped_units}) {
      out.put_signed_varint(v);
    }
  }
  out.put_varint(s.idempotency_order_.size());
  for (const auto& [stored_at_ms, key] : s.idempotency_order_) {
    const IdempotencyEntry& entry = s.idempotency_.at(key);
    out.put_string(key);
    out.put_fixed64(entry.request_fingerprint);
    out.put_varint(entry.reservation_id);
    out.put_varint(static_cast<uint64_t>(entry.stored_at_ms));
    out.put_varint(static_cast<uint64_t>(entry.expires_at_ms));
    put_lines(out, entry.lines);
  }
}

Result<LedgerState> SnapshotCodec::read(ByteReader& in) {
  LedgerState s;
  uint32_t magic = in.get_fixed32();
  if (magic != kSnapshotMagic && magic != kSnapshotMagicV3 && magic != kSnapshotMagicV1) {
    return fail(ErrorCode::corruption, "snapshot", "bad magic or unknown snapshot version");
  }
  s.now_ms_ = static_cast<TimeMs>(in.get_varint());
  s.applied_events_ = in.get_varint();
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kSkusMax && in.ok(); ++i) {
    std::string gtin = in.get_string(kSnapshotStringMax);
    s.on(SkuPutEvent{gtin, in.get_string(kSnapshotStringMax)});
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kRegionsMax && in.ok(); ++i) {
    s.intern_region(in.get_string(kSnapshotStringMax));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kLocationsMax && in.ok(); ++i) {
    LocationRecord l;
    l.location_id = in.get_string(kSnapshotStringMax);
    l.kind = static_cast<LocationKind>(in.get_u8());
    l.region = static_cast<uint32_t>(in.get_varint());
    if (l.region >= s.regions_.size()) {
      return fail(ErrorCode::corruption, "snapshot", "location names an unknown region");
    }
    s.location_by_id_.emplace(l.location_id, static_cast<LocationIndex>(s.locations_.size()));
    s.locations_.push_back(std::move(l));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kChannelsMax && in.ok(); ++i) {
    std::string id = in.get_string(kSnapshotStringMax);
    s.on(ChannelPutEvent{id, static_cast<ChannelKind>(in.get_u8())});
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    uint64_t key = in.get_fixed64();
    s.distance_km_[key] = static_cast<uint32_t>(in.get_varint());
    if ((key >> 32) >= s.regions_.size() || (key & 0xffffffffu) >= s.regions_.size()) {
      return fail(ErrorCode::corruption, "snapshot", "distance names an unknown region");
    }
  }
  s.rebuild_distance_matrix();
  read_records(s, in);
  if (!in.ok()) return fail(ErrorCode::corruption, "snapshot", "truncated snapshot bytes");
  if (auto pools = read_pools(s, in, magic != kSnapshotMagicV1); !pools) {
    return std::unexpected(pools.error());
  }
  if (magic != kSnapshotMagicV1 && in.ok()) LC_CHECK(s.alerts_.deserialize(in));
  if (magic == kSnapshotMagic && in.ok()) {
    if (auto tagged = read_sections(s, in); !tagged) return std::unexpected(tagged.error());
  }
  if (!in.ok() || !in.at_end()) {
    return fail(ErrorCode::corruption, "snapshot", "truncated or trailing snapshot bytes");
  }
  return s;
}

void SnapshotCodec::read_records(LedgerState& s, ByteReader& in) {
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    uint64_t key = in.get_fixed64();
    auto sku = static_cast<SkuIndex>(key >> 32);
    auto location = static_cast<LocationIndex>(key & 0xffffffffu);
    Balance b = get_balance(in);
    if (sku >= s.skus_.size() || location >= s.locations_.size()) break;
    s.balance_mut(sku, location) = b;
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    s.reservation_status_.push_back(static_cast<ReservationStatus>(in.get_u8()));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kPendingReservationsMax && in.ok(); ++i) {
    PendingReservation r;
    r.reservation_id = in.get_varint();
    r.order_id = in.get_string(kSnapshotStringMax);
    r.channel = static_cast<ChannelIndex>(in.get_varint());
    r.expires_at_ms = static_cast<TimeMs>(in.get_varint());
    r.presale = in.get_u8() != 0;
    r.lines = get_lines(in);
    s.expiry_heap_.emplace(r.expires_at_ms, r.reservation_id);
    uint64_t id = r.reservation_id;
    s.pending_.emplace(id, Box<PendingReservation>(std::move(r)));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    TransferRecord t;
    t.sku = static_cast<SkuIndex>(in.get_varint());
    t.from = static_cast<LocationIndex>(in.get_varint());
    t.to = static_cast<LocationIndex>(in.get_varint());
    t.shipped_units = in.get_signed_varint();
    t.received_units = in.get_signed_varint();
    s.transfers_.push_back(t);
    if (t.received_units < 0) s.in_transit_by_sku_[t.sku].insert(s.transfers_.size());
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    ReturnRecord r;
    r.sku = static_cast<SkuIndex>(in.get_varint());
    r.location = static_cast<LocationIndex>(in.get_varint());
    for (int64_t* v : {&r.received_units, &r.quarantine_units, &r.rework_units, &r.restocked_units,
                       &r.scrapped_units}) {
      *v = in.get_signed_varint();
    }
    s.returns_.push_back(r);
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i <= kIdempotencyEntriesMax && in.ok(); ++i) {
    std::string key = in.get_string(kSnapshotStringMax);
    IdempotencyEntry entry;
    entry.request_fingerprint = in.get_fixed64();
    entry.reservation_id = in.get_varint();
    entry.stored_at_ms = static_cast<TimeMs>(in.get_varint());
    entry.expires_at_ms = static_cast<TimeMs>(in.get_varint());
    entry.lines = get_lines(in);
    s.idempotency_order_.emplace_back(entry.stored_at_ms, key);
    s.idempotency_.emplace(std::move(key), std::move(entry));
  }
}

void SnapshotCodec::write_batches(const LedgerState& s, ByteWriter& out) {
  out.put_varint(s.batches_.size());
  for (const BatchRecord& b : s.batches_) {
    out.put_varint(b.sku);
    out.put_string(b.lot);
    out.put_varint(static_cast<uint64_t>(b.produced_at_ms));
    out.put_string(b.factory_id);
    out.put_varint(b.inspection_reports.size());
    for (const auto& report : b.inspection_reports) out.put_string(report);
    out.put_varint(b.units_issued);
  }
}

// Replays the records through on(), so the (GTIN, lot) index is rebuilt and the
// invariants asserted as for live events; a record naming an unknown SKU stops the read.
bool SnapshotCodec::read_batches(LedgerState& s, ByteReader& in) {
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && i < kBatchesMax && in.ok(); ++i) {
    BatchCreatedEvent e;
    e.batch_id = i + 1;
    e.sku = static_cast<SkuIndex>(in.get_varint());
    e.lot = in.get_string(kSnapshotStringMax);
    e.produced_at_ms = static_cast<TimeMs>(in.get_varint());
    e.factory_id = in.get_string(kSnapshotStringMax);
    uint64_t reports = in.get_varint();
    for (uint64_t r = 0; r < reports && r < kInspectionReportsMax && in.ok(); ++r) {
      e.inspection_reports.push_back(in.get_string(kSnapshotStringMax));
    }
    uint64_t units_issued = in.get_varint();
    if (!in.ok() || e.sku >= s.skus_.size() || e.lot.empty() || units_issued > kBatchUnitsMax ||
        s.find_batch(e.sku, e.lot)) {
      return in.ok() ? false : true;  // a truncated read is reported by the caller
    }
    s.on(e);
    s.batches_.back().units_issued = units_issued;
  }
  return true;
}

namespace {
void put_batch_units(ByteWriter& out, const std::vector<BatchUnits>& units) {
  out.put_varint(units.size());
  for (const BatchUnits& u : units) out.put_varint(u.batch_id), out.put_signed_varint(u.units);
}
bool get_batch_units(ByteReader& in, const LedgerState& s, SkuIndex sku,
                     std::vector<BatchUnits>& units) {
  uint64_t count = in.get_varint();
  if (count > kBatchesPerBalanceMax) return false;
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    BatchUnits u{in.get_varint(), in.get_signed_varint()};
    const BatchRecord* record = s.batch(u.batch_id);
    if (record == nullptr || record->sku != sku || u.units <= 0) return false;
    units.push_back(u);
  }
  return in.ok();
}
}  // namespace

// Per batch with a recall or sales: id, recalled flag, time, reason, quarantined units by
// location, sales; then the rows' batch units; then the transfers' batch units.
void SnapshotCodec::write_batch_stock(const LedgerState& s, ByteWriter& out) {
  LC_ASSERT(s.named_sales_.empty());  // a commit's named sales never outlive its command
  uint64_t records = 0;
  for (const BatchRecord& b : s.batches_) records += b.recalled || !b.sales.empty();
  out.put_varint(records);
  for (size_t i = 0; i < s.batches_.size(); ++i) {
    const BatchRecord& b = s.batches_[i];
    if (!b.recalled && b.sales.empty()) continue;
    out.put_varint(i + 1);
    out.put_u8(b.recalled ? 1 : 0);
    out.put_varint(static_cast<uint64_t>(b.recalled_at_ms));
    out.put_string(b.recall_reason);
    out.put_varint(b.quarantined_at.size());
    for (const auto& [location, units] : b.quarantined_at) {
      out.put_varint(location), out.put_signed_varint(units);
    }
    out.put_varint(b.sales.size());
    for (const BatchSale& sale : b.sales) {
      out.put_varint(sale.reservation_id);
      out.put_string(sale.order_id);
      out.put_varint(sale.channel);
      out.put_varint(sale.location);
      out.put_signed_varint(sale.units);
      out.put_varint(sale.serials.size());
      for (uint64_t serial : sale.serials) out.put_varint(serial);
    }
  }
  out.put_varint(s.batch_units_.size());
  for (const auto& [key, units] : s.batch_units_) out.put_varint(key), put_batch_units(out, units);
  out.put_varint(s.transfer_batch_units_.size());
  for (const auto& [transfer_id, units] : s.transfer_batch_units_) {
    out.put_varint(transfer_id), put_batch_units(out, units);
  }
}

bool SnapshotCodec::read_batch_stock(LedgerState& s, ByteReader& in) {
  uint64_t records = in.get_varint();
  for (uint64_t r = 0; r < records && in.ok(); ++r) {
    uint64_t id = in.get_varint();
    if (id == 0 || id > s.batches_.size()) return false;
    BatchRecord& b = s.batches_[id - 1];
    b.recalled = in.get_u8() != 0;
    b.recalled_at_ms = static_cast<TimeMs>(in.get_varint());
    b.recall_reason = in.get_string(kSnapshotStringMax);
    if (b.recalled) s.recalled_skus_.insert(b.sku);
    uint64_t places = in.get_varint();
    for (uint64_t p = 0; p < places && in.ok(); ++p) {
      auto location = static_cast<LocationIndex>(in.get_varint());
      if (location >= s.locations_.size()) return false;
      b.quarantined_at[location] = in.get_signed_varint();
    }
    uint64_t sales = in.get_varint();
    for (uint64_t n = 0; n < sales && in.ok(); ++n) {
      BatchSale sale;
      sale.reservation_id = in.get_varint();
      sale.order_id = in.get_string(kSnapshotStringMax);
      sale.channel = static_cast<ChannelIndex>(in.get_varint());
      sale.location = static_cast<LocationIndex>(in.get_varint());
      sale.units = in.get_signed_varint();
      uint64_t serials = in.get_varint();
      if (serials > kLineSerialsMax || sale.channel >= s.channels_.size() ||
          sale.location >= s.locations_.size()) {
        return false;
      }
      for (uint64_t k = 0; k < serials && in.ok(); ++k) sale.serials.push_back(in.get_varint());
      b.sales.push_back(std::move(sale));
    }
  }
  uint64_t rows = in.get_varint();
  for (uint64_t r = 0; r < rows && in.ok(); ++r) {
    uint64_t key = in.get_varint();
    auto sku = static_cast<SkuIndex>(key >> 32);
    auto location = static_cast<LocationIndex>(key & 0xffffffffu);
    if (sku >= s.skus_.size() || location >= s.locations_.size()) return false;
    if (!get_batch_units(in, s, sku, s.batch_units_[key])) return false;
    s.check_batch_invariants(sku, location);
  }
  uint64_t transfers = in.get_varint();
  for (uint64_t t = 0; t < transfers && in.ok(); ++t) {
    uint64_t transfer_id = in.get_varint();
    const TransferRecord* transfer = transfer_id >= 1 && transfer_id <= s.transfers_.size()
                                         ? &s.transfers_[transfer_id - 1]
                                         : nullptr;
    if (transfer == nullptr || transfer->received_units >= 0) return false;
    if (!get_batch_units(in, s, transfer->sku, s.transfer_batch_units_[transfer_id])) return false;
  }
  return in.ok();
}

Bytes LedgerState::serialize() const {
  Bytes bytes;
  ByteWriter out(bytes);
  SnapshotCodec::write(*this, out);
  return bytes;
}

Result<LedgerState> LedgerState::deserialize(std::span<const uint8_t> bytes) {
  ByteReader in(bytes);
  return SnapshotCodec::read(in);
}

}  // namespace livechain::engine
