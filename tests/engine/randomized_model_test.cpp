// Seeded randomized test of the stock ledger against an independent reference model.
//
// Method (after TigerBeetle's auditor): one seed drives a workload of random commands
// — receipts, adjustments, presale plans, multi-line reserves with duplicate SKUs and
// auto/explicit locations, commits (full and partial), releases, extensions, time
// jumps that make reservations expire, transfers, returns, idempotent retries and
// conflicts, and invalid inputs. Each command runs on the Engine and on `Model`, a
// plain-std::map reference written from the documented semantics (it shares no code
// with the engine; only the location-pick rule is mirrored from its documentation).
// After every step the reply (success or error code and field, ids, lines, locations,
// expiries) and every balance must agree, and the ledger invariants must hold.
// Periodically, and at the end, the emitted events are replayed into a fresh Engine
// and a snapshot is round-tripped; both must serialise identically to the live state.
// The same workload, shorter, also runs through a Ledger on a real SQLite file and is
// reopened.
//
// The seed comes from LIVECHAIN_SEED (one run) or std::random_device (a few runs); it
// is printed as SEED=<n>, and a failure says "reproduce with LIVECHAIN_SEED=<n>".
#include <gtest/gtest.h>

#include <stdlib.h>
#include "support/temp_dir.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"

namespace livechain::engine {
namespace {

constexpr int kStepsPerSeed = 10000;
constexpr int kLedgerSteps = 600;
constexpr int kReplayEverySteps = 1000;
constexpr int kSeedsByDefault = 3;
constexpr TimeMs kStartMs = 1'700'000'000'000;

// ---- the fixed world --------------------------------------------------------------

struct SkuDef {
  const char* gtin14;
  std::vector<const char*> forms;  // texts a caller may use for it
};
const std::vector<SkuDef> kSkus = {
    {"04006381333931", {"4006381333931", "04006381333931"}},
    {"00036000291452", {"036000291452", "0036000291452", "00036000291452"}},
    {"00000096385074", {"96385074", "00000096385074"}},
};
constexpr const char* kUnknownGtin = "10614141000415";  // valid, never defined
constexpr const char* kBadGtin = "4006381333932";       // wrong check digit

struct LocationDef {
  const char* id;
  LocationKind kind;
  const char* region;
};
// Creation order = age: earlier is older.
const std::vector<LocationDef> kLocations = {
    {"FAC", LocationKind::factory, "north"},          {"DC-N", LocationKind::dc, "north"},
    {"FW-S", LocationKind::front_warehouse, "south"}, {"ST-E", LocationKind::store, "east"},
    {"RC", LocationKind::returns_center, "north"},    {"DC-W", LocationKind::dc, "west"},
};
struct DistanceDef {
  const char* a;
  const char* b;
  uint32_t km;
};
const std::vector<DistanceDef> kDistances = {
    {"north", "south", 1000}, {"north", "east", 300}, {"south", "east", 800}};
const std::vector<std::optional<std::string>> kBuyerRegions = {std::nullopt, "north", "south",
                                                               "east",       "west",  "mars"};
constexpr const char* kChannel = "live-1";

std::vector<Command> world_commands() {
  std::vector<Command> out;
  const char* names[] = {"Pencil", "Soap", "Juice"};
  for (size_t i = 0; i < kSkus.size(); ++i) out.push_back(PutSku{kSkus[i].forms[0], names[i]});
  for (const LocationDef& l : kLocations) out.push_back(PutLocation{l.id, l.kind, l.region});
  out.push_back(PutChannel{kChannel, ChannelKind::live_room});
  for (const DistanceDef& d : kDistances) out.push_back(PutRegionDistance{d.a, d.b, d.km});
  return out;
}

// ---- the reference model -------------------------------------------------------------

struct ModelBalance {
  int64_t on_hand = 0, reserved = 0, in_transit = 0, quarantine = 0, rework = 0;
  int64_t planned = 0, presale_reserved = 0, presale_committed = 0;
  int64_t received = 0, sold = 0, scrapped = 0, lost = 0, adjusted = 0;
};
struct ModelLine {
  int sku;
  int location;
  int64_t qty;
};
struct ModelReservation {
  ReservationStatus status = ReservationStatus::pending;
  TimeMs expires_at = 0;
  bool presale = false;
  std::string order_id;
  std::vector<ModelLine> lines;
};
struct ModelKey {
  Reserve request;
  uint64_t id = 0;
  TimeMs expires_at = 0;
  std::vector<ModelLine> lines;
};
struct ModelTransfer {
  int sku, from, to;
  int64_t shipped;
  int64_t received = -1;
};
struct ModelReturn {
  int sku, location;
  int64_t received, quarantine, rework = 0, restocked = 0, scrapped = 0;
};

struct Outcome {
  std::vector<uint64_t> expired;  // expired before the command, in order
  Result<Reply> reply = Done{};
  bool journals_event = false;  // on success: did the command itself emit an event?
};

std::unexpected<Error> err(ErrorCode code, std::string field) {
  return std::unexpected<Error>(Error{code, std::move(field), ""});
}

bool same_request(const Reserve& a, const Reserve& b) {
  if (a.order_id != b.order_id || a.channel_id != b.channel_id ||
      a.buyer_region != b.buyer_region || a.ttl_ms != b.ttl_ms || a.presale != b.presale ||
      a.lines.size() != b.lines.size()) {
    return false;
  }
  for (size_t i = 0; i < a.lines.size(); ++i) {
    if (a.lines[i].gtin != b.lines[i].gtin || a.lines[i].qty_units != b.lines[i].qty_units ||
        a.lines[i].location_id != b.lines[i].location_id) {
      return false;
    }
  }
  return true;
}

class Model {
 public:
  Outcome execute(const Command& command, TimeMs now) {
    now_ = now;
    Outcome out;
    out.expired = expire_due();
    out.reply = std::visit([&](const auto& c) { return on(c, out); }, command);
    return out;
  }

  ModelBalance balance(int sku, int location) const {
    auto it = balances_.find({sku, location});
    return it == balances_.end() ? ModelBalance{} : it->second;
  }
  const std::map<uint64_t, ModelReservation>& reservations() const { return reservations_; }
  const std::vector<ModelTransfer>& transfers() const { return transfers_; }
  const std::vector<ModelReturn>& returns() const { return returns_; }
  const std::map<std::string, ModelKey>& keys() const { return keys_; }
  std::optional<TimeMs> earliest_expiry() const {
    std::optional<TimeMs> best;
    for (const auto& [id, r] : reservations_) {
      if (r.status == ReservationStatus::pending && (!best || r.expires_at < *best)) {
        best = r.expires_at;
      }
    }
    return best;
  }

 private:
  // ---- lookups, written from the documented rules ----
  static std::optional<Error> identifier_error(const std::string& field, const std::string& v) {
    if (v.empty()) return Error{ErrorCode::invalid_argument, field, ""};
    if (v.size() > 64) return Error{ErrorCode::limit_exceeded, field, ""};
    for (char c : v) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
          c != '-') {
        return Error{ErrorCode::invalid_argument, field, ""};
      }
    }
    return std::nullopt;
  }
  static Result<int> sku_of(const std::string& field, const std::string& gtin) {
    for (size_t i = 0; i < kSkus.size(); ++i) {
      for (const char* form : kSkus[i].forms) {
        if (gtin == form) return static_cast<int>(i);
      }
    }
    if (gtin == kUnknownGtin) return err(ErrorCode::not_found, field);
    return err(ErrorCode::invalid_argument, field);
  }
  static Result<int> location_of(const std::string& field, const std::string& id) {
    if (auto e = identifier_error(field, id)) return std::unexpected(*e);
    for (size_t i = 0; i < kLocations.size(); ++i) {
      if (id == kLocations[i].id) return static_cast<int>(i);
    }
    return err(ErrorCode::not_found, field);
  }
  static std::optional<Error> qty_error(const std::string& field, int64_t qty) {
    if (qty <= 0) return Error{ErrorCode::invalid_argument, field, ""};
    if (qty > 1'000'000) return Error{ErrorCode::limit_exceeded, field, ""};
    return std::nullopt;
  }
  static std::optional<uint32_t> distance(const std::string& a, const std::string& b) {
    if (a == b) return 0;
    for (const DistanceDef& d : kDistances) {
      if ((a == d.a && b == d.b) || (a == d.b && b == d.a)) return d.km;
    }
    return std::nullopt;
  }
  ModelBalance& at(int sku, int location) { return balances_[{sku, location}]; }
  int64_t available(int sku, int location, bool presale) const {
    ModelBalance b = balance(sku, location);
    return presale ? b.planned - b.presale_reserved - b.presale_committed : b.on_hand - b.reserved;
  }
  static int64_t taken(const std::vector<ModelLine>& lines, int sku, int location) {
    for (const ModelLine& l : lines) {
      if (l.sku == sku && l.location == location) return l.qty;
    }
    return 0;
  }
  static void add_to(std::vector<ModelLine>& lines, int sku, int location, int64_t qty) {
    for (ModelLine& l : lines) {
      if (l.sku == sku && l.location == location) {
        l.qty += qty;
        return;
      }
    }
    lines.push_back({sku, location, qty});
  }

  std::vector<uint64_t> expire_due() {
    std::vector<std::pair<TimeMs, uint64_t>> due;
    for (const auto& [id, r] : reservations_) {
      if (r.status == ReservationStatus::pending && r.expires_at <= now_) {
        due.emplace_back(r.expires_at, id);
      }
    }
    std::sort(due.begin(), due.end());
    std::vector<uint64_t> ids;
    for (auto [at_ms, id] : due) {
      unreserve(reservations_[id]);
      reservations_[id].status = ReservationStatus::expired;
      ids.push_back(id);
    }
    return ids;
  }
  void unreserve(const ModelReservation& r) {
    for (const ModelLine& l : r.lines) {
      (r.presale ? at(l.sku, l.location).presale_reserved : at(l.sku, l.location).reserved) -=
          l.qty;
    }
  }

  ReservationView view_of(uint64_t id) const {
    const ModelReservation& r = reservations_.at(id);
    ReservationView view;
    view.reservation_id = id;
    view.order_id = r.order_id;
    view.channel_id = kChannel;
    view.status = r.status;
    view.presale = r.presale;
    view.expires_at_ms = r.expires_at;
    for (const ModelLine& l : r.lines) {
      view.lines.push_back({kSkus[l.sku].gtin14, kLocations[l.location].id, l.qty, std::nullopt});
    }
    return view;
  }
  BalanceView balance_view(int sku, int location) const {
    ModelBalance m = balance(sku, location);
    Balance b;
    b.on_hand_units = m.on_hand;
    b.reserved_units = m.reserved;
    b.in_transit_units = m.in_transit;
    b.quarantine_units = m.quarantine;
    b.rework_units = m.rework;
    b.presale_planned_units = m.planned;
    b.presale_reserved_units = m.presale_reserved;
    b.presale_committed_units = m.presale_committed;
    b.received_units = m.received;
    b.sold_units = m.sold;
    b.scrapped_units = m.scrapped;
    b.lost_in_transit_units = m.lost;
    b.adjusted_units = m.adjusted;
    return BalanceView{kSkus[sku].gtin14, kLocations[location].id, b};
  }
  TransferView transfer_view(uint64_t id) const {
    const ModelTransfer& t = transfers_[id - 1];
    TransferView view{id,        kSkus[t.sku].gtin14, kLocations[t.from].id, kLocations[t.to].id,
                      t.shipped, std::nullopt};
    if (t.received >= 0) view.received_units = t.received;
    return view;
  }
  ReturnView return_view(uint64_t id) const {
    const ModelReturn& r = returns_[id - 1];
    return ReturnView{id,          kSkus[r.sku].gtin14, kLocations[r.location].id,
                      r.received,  r.quarantine,        r.rework,
                      r.restocked, r.scrapped};
  }

  // ---- commands ----
  Result<Reply> on(const PutSku&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  // Channel pools and keyed writes are modelled in channels_test.cpp.
  Result<Reply> on(const SetAllocation&, Outcome&) {
    return err(ErrorCode::invalid_state, "unused");
  }
  Result<Reply> on(const MoveAllocation&, Outcome&) {
    return err(ErrorCode::invalid_state, "unused");
  }
  Result<Reply> on(const Keyed&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const KeyGuard&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const CreateBatch&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const IssueUnits&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const RecallBatch&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  // Rollbacks are covered by as_of_test (the model does not generate them).
  Result<Reply> on(const RestoreStock&, Outcome&) {
    return err(ErrorCode::invalid_state, "unused");
  }
  Result<Reply> on(const PutLocation&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const PutChannel&, Outcome&) { return err(ErrorCode::invalid_state, "unused"); }
  Result<Reply> on(const PutRegionDistance&, Outcome&) {
    return err(ErrorCode::invalid_state, "unused");
  }

  Result<Reply> on(const ReceiveStock& c, Outcome& out) {
    auto sku = sku_of("gtin", c.gtin);
    if (!sku) return std::unexpected(sku.error());
    auto location = location_of("location", c.location_id);
    if (!location) return std::unexpected(location.error());
    if (auto e = qty_error("qty_units", c.qty_units)) return std::unexpected(*e);
    at(*sku, *location).on_hand += c.qty_units;
    at(*sku, *location).received += c.qty_units;
    out.journals_event = true;
    return balance_view(*sku, *location);
  }

  Result<Reply> on(const AdjustStock& c, Outcome& out) {
    auto sku = sku_of("gtin", c.gtin);
    if (!sku) return std::unexpected(sku.error());
    auto location = location_of("location", c.location_id);
    if (!location) return std::unexpected(location.error());
    if (c.delta_units == 0) return err(ErrorCode::invalid_argument, "delta_units");
    if (c.delta_units > 1'000'000 || c.delta_units < -1'000'000) {
      return err(ErrorCode::limit_exceeded, "delta_units");
    }
    if (c.reason.empty()) return err(ErrorCode::invalid_argument, "reason");
    if (c.reason.size() > 200) return err(ErrorCode::limit_exceeded, "reason");
    if (available(*sku, *location, false) + c.delta_units < 0) {
      return err(ErrorCode::insufficient_stock, "delta_units");
    }
    at(*sku, *location).on_hand += c.delta_units;
    at(*sku, *location).adjusted += c.delta_units;
    out.journals_event = true;
    return balance_view(*sku, *location);
  }

  Result<Reply> on(const PlanPresale& c, Outcome& out) {
    if (c.planned_units < 0) return err(ErrorCode::invalid_argument, "planned_units");
    auto sku = sku_of("gtin", c.gtin);
    if (!sku) return std::unexpected(sku.error());
    auto location = location_of("location", c.location_id);
    if (!location) return std::unexpected(location.error());
    ModelBalance b = balance(*sku, *location);
    if (c.planned_units < b.presale_reserved + b.presale_committed) {
      return err(ErrorCode::invalid_argument, "planned_units");
    }
    at(*sku, *location).planned = c.planned_units;
    out.journals_event = true;
    return balance_view(*sku, *location);
  }

  // The documented pick rule: among locations able to fill the line (spot: only dc,
  // front_warehouse, store), known distance before unknown, then nearer, then more
  // available, then older.
  std::optional<int> pick(const Reserve& c, int sku, int64_t qty,
                          const std::vector<ModelLine>& lines) const {
    std::optional<int> best;
    std::tuple<int, uint32_t, int64_t, int> best_rank{};
    bool buyer_known = false;
    if (c.buyer_region) {
      for (const LocationDef& l : kLocations) buyer_known |= *c.buyer_region == l.region;
      for (const DistanceDef& d : kDistances) {
        buyer_known |= *c.buyer_region == d.a || *c.buyer_region == d.b;
      }
    }
    for (int location = 0; location < static_cast<int>(kLocations.size()); ++location) {
      LocationKind kind = kLocations[location].kind;
      bool sells = kind == LocationKind::dc || kind == LocationKind::front_warehouse ||
                   kind == LocationKind::store;
      if (!c.presale && !sells) continue;
      int64_t free = available(sku, location, c.presale) - taken(lines, sku, location);
      if (free < qty) continue;
      std::optional<uint32_t> km;
      if (buyer_known) km = distance(*c.buyer_region, kLocations[location].region);
      std::tuple<int, uint32_t, int64_t, int> rank{km ? 0 : 1, km.value_or(0), -free, location};
      if (!best || rank < best_rank) {
        best = location;
        best_rank = rank;
      }
    }
    return best;
  }

  Result<Reply> on(const Reserve& c, Outcome& out) {
    if (auto e = identifier_error("order_id", c.order_id)) return std::unexpected(*e);
    if (c.buyer_region) {
      if (auto e = identifier_error("region", *c.buyer_region)) return std::unexpected(*e);
    }
    if (c.lines.empty()) return err(ErrorCode::invalid_argument, "lines");
    if (c.lines.size() > 64) return err(ErrorCode::limit_exceeded, "lines");
    if (c.ttl_ms < 100 || c.ttl_ms > 7LL * 24 * 3600 * 1000) {
      return err(ErrorCode::invalid_argument, "ttl_ms");
    }
    if (c.channel_id != kChannel) return err(ErrorCode::not_found, "channel");
    if (c.idempotency_key) {
      auto it = keys_.find(*c.idempotency_key);
      if (it != keys_.end()) {
        if (!same_request(it->second.request, c)) {
          return err(ErrorCode::idempotency_conflict, "idempotency_key");
        }
        ReservationView view = view_of(it->second.id);
        view.idempotent_replay = true;
        view.presale = c.presale;
        view.expires_at_ms = it->second.expires_at;
        view.lines.clear();
        for (const ModelLine& l : it->second.lines) {
          view.lines.push_back(
              {kSkus[l.sku].gtin14, kLocations[l.location].id, l.qty, std::nullopt});
        }
        return view;
      }
    }
    std::vector<ModelLine> lines;                        // explicit, summed
    std::vector<size_t> first_of_line;                   // request index naming each first
    std::vector<std::tuple<int, int64_t, size_t>> open;  // sku, qty, first index
    for (size_t i = 0; i < c.lines.size(); ++i) {
      std::string prefix = "lines[" + std::to_string(i) + "].";
      auto sku = sku_of(prefix + "sku", c.lines[i].gtin);
      if (!sku) return std::unexpected(sku.error());
      if (auto e = qty_error(prefix + "qty_units", c.lines[i].qty_units)) {
        return std::unexpected(*e);
      }
      if (c.lines[i].location_id) {
        auto location = location_of(prefix + "location", *c.lines[i].location_id);
        if (!location) return std::unexpected(location.error());
        size_t before = lines.size();
        add_to(lines, *sku, *location, c.lines[i].qty_units);
        if (lines.size() > before) first_of_line.push_back(i);
        continue;
      }
      auto same = std::find_if(open.begin(), open.end(),
                               [&](const auto& o) { return std::get<0>(o) == *sku; });
      if (same != open.end()) {
        std::get<1>(*same) += c.lines[i].qty_units;
      } else {
        open.emplace_back(*sku, c.lines[i].qty_units, i);
      }
    }
    ErrorCode shortage = c.presale ? ErrorCode::presale_exhausted : ErrorCode::insufficient_stock;
    for (size_t j = 0; j < lines.size(); ++j) {
      const ModelLine& l = lines[j];
      if (available(l.sku, l.location, c.presale) < l.qty) {
        return err(shortage, "lines[" + std::to_string(first_of_line[j]) + "].qty_units");
      }
    }
    for (const auto& [sku, qty, first] : open) {
      auto location = pick(c, sku, qty, lines);
      if (!location) return err(shortage, "lines[" + std::to_string(first) + "].qty_units");
      add_to(lines, sku, *location, qty);
    }
    uint64_t id = reservations_.size() + 1;
    ModelReservation r{ReservationStatus::pending, now_ + c.ttl_ms, c.presale, c.order_id, lines};
    for (const ModelLine& l : lines) {
      (c.presale ? at(l.sku, l.location).presale_reserved : at(l.sku, l.location).reserved) +=
          l.qty;
    }
    reservations_[id] = r;
    if (c.idempotency_key) keys_[*c.idempotency_key] = ModelKey{c, id, r.expires_at, lines};
    out.journals_event = true;
    return view_of(id);
  }

  Result<ModelReservation*> pending(uint64_t id) {
    auto it = reservations_.find(id);
    if (it == reservations_.end()) return err(ErrorCode::not_found, "reservation_id");
    switch (it->second.status) {
      case ReservationStatus::pending:
        return &it->second;
      case ReservationStatus::committed:
        return err(ErrorCode::reservation_committed, "reservation_id");
      case ReservationStatus::released:
        return err(ErrorCode::reservation_released, "reservation_id");
      case ReservationStatus::expired:
        return err(ErrorCode::reservation_expired, "reservation_id");
    }
    return err(ErrorCode::invalid_state, "reservation_id");
  }

  Result<Reply> on(const Commit& c, Outcome& out) {
    if (c.lines.size() > 64) return err(ErrorCode::limit_exceeded, "lines");
    auto r = pending(c.reservation_id);
    if (!r) return std::unexpected(r.error());
    ModelReservation& res = **r;
    std::vector<int64_t> committed;
    for (const ModelLine& l : res.lines) committed.push_back(l.qty);
    std::vector<bool> named(res.lines.size(), false);
    for (size_t i = 0; i < c.lines.size(); ++i) {
      std::string prefix = "lines[" + std::to_string(i) + "].";
      auto sku = sku_of(prefix + "sku", c.lines[i].gtin);
      if (!sku) return std::unexpected(sku.error());
      std::vector<size_t> matches;
      for (size_t j = 0; j < res.lines.size(); ++j) {
        bool location_ok = !c.lines[i].location_id ||
                           *c.lines[i].location_id == kLocations[res.lines[j].location].id;
        if (res.lines[j].sku == *sku && location_ok) matches.push_back(j);
      }
      if (matches.size() > 1) return err(ErrorCode::invalid_argument, prefix + "location");
      if (matches.empty() || named[matches[0]]) {
        return err(ErrorCode::invalid_argument, prefix + "sku");
      }
      if (c.lines[i].qty_units < 0 || c.lines[i].qty_units > res.lines[matches[0]].qty) {
        return err(ErrorCode::invalid_argument, prefix + "qty_units");
      }
      named[matches[0]] = true;
      committed[matches[0]] = c.lines[i].qty_units;
    }
    ReservationView view = view_of(c.reservation_id);
    unreserve(res);
    for (size_t j = 0; j < res.lines.size(); ++j) {
      ModelBalance& b = at(res.lines[j].sku, res.lines[j].location);
      if (res.presale) {
        b.presale_committed += committed[j];
      } else {
        b.on_hand -= committed[j];
        b.sold += committed[j];
      }
      view.lines[j].committed_units = committed[j];
    }
    res.status = ReservationStatus::committed;
    view.status = ReservationStatus::committed;
    out.journals_event = true;
    return view;
  }

  Result<Reply> on(const Release& c, Outcome& out) {
    auto r = pending(c.reservation_id);
    if (!r) return std::unexpected(r.error());
    ReservationView view = view_of(c.reservation_id);
    unreserve(**r);
    (*r)->status = ReservationStatus::released;
    view.status = ReservationStatus::released;
    out.journals_event = true;
    return view;
  }

  Result<Reply> on(const ExtendReservation& c, Outcome& out) {
    if (c.ttl_ms < 100 || c.ttl_ms > 7LL * 24 * 3600 * 1000) {
      return err(ErrorCode::invalid_argument, "ttl_ms");
    }
    auto r = pending(c.reservation_id);
    if (!r) return std::unexpected(r.error());
    (*r)->expires_at = now_ + c.ttl_ms;
    out.journals_event = true;
    return view_of(c.reservation_id);
  }

  Result<Reply> on(const ExpireDue&, Outcome& out) { return ExpiredView{out.expired}; }

  Result<Reply> on(const ShipTransfer& c, Outcome& out) {
    auto sku = sku_of("gtin", c.gtin);
    if (!sku) return std::unexpected(sku.error());
    auto from = location_of("from_location", c.from_location_id);
    if (!from) return std::unexpected(from.error());
    if (auto e = qty_error("qty_units", c.qty_units)) return std::unexpected(*e);
    auto to = location_of("to_location", c.to_location_id);
    if (!to) return std::unexpected(to.error());
    if (*to == *from) return err(ErrorCode::invalid_argument, "to_location");
    if (available(*sku, *from, false) < c.qty_units) {
      return err(ErrorCode::insufficient_stock, "qty_units");
    }
    at(*sku, *from).on_hand -= c.qty_units;
    at(*sku, *to).in_transit += c.qty_units;
    transfers_.push_back(ModelTransfer{*sku, *from, *to, c.qty_units});
    out.journals_event = true;
    return transfer_view(transfers_.size());
  }

  Result<Reply> on(const ReceiveTransfer& c, Outcome& out) {
    if (c.transfer_id == 0 || c.transfer_id > transfers_.size()) {
      return err(ErrorCode::not_found, "transfer_id");
    }
    ModelTransfer& t = transfers_[c.transfer_id - 1];
    if (t.received >= 0) return err(ErrorCode::invalid_state, "transfer_id");
    int64_t received = c.received_units.value_or(t.shipped);
    if (received < 0 || received > t.shipped) {
      return err(ErrorCode::invalid_argument, "received_units");
    }
    ModelBalance& b = at(t.sku, t.to);
    b.in_transit -= t.shipped;
    b.on_hand += received;
    b.lost += t.shipped - received;
    t.received = received;
    out.journals_event = true;
    return transfer_view(c.transfer_id);
  }

  Result<Reply> on(const RerouteTransfer& c, Outcome& out) {
    if (c.transfer_id == 0 || c.transfer_id > transfers_.size()) {
      return err(ErrorCode::not_found, "transfer_id");
    }
    if (transfers_[c.transfer_id - 1].received >= 0) {
      return err(ErrorCode::invalid_state, "transfer_id");
    }
    auto to = location_of("to_location", c.to_location_id);
    if (!to) return err(ErrorCode::invalid_argument, "to_location");
    ModelTransfer& t = transfers_[c.transfer_id - 1];
    if (*to == t.to) return err(ErrorCode::invalid_argument, "to_location");
    int64_t qty = c.qty_units.value_or(t.shipped);
    if (qty < 1 || qty > t.shipped) return err(ErrorCode::invalid_argument, "qty_units");
    at(t.sku, t.to).in_transit -= qty;
    at(t.sku, *to).in_transit += qty;
    out.journals_event = true;
    if (qty == t.shipped) {
      t.to = *to;
      return transfer_view(c.transfer_id);
    }
    t.shipped -= qty;
    ModelTransfer split{t.sku, t.from, *to, qty};
    transfers_.push_back(split);
    return transfer_view(transfers_.size());
  }

  Result<Reply> on(const ReceiveReturn& c, Outcome& out) {
    auto sku = sku_of("gtin", c.gtin);
    if (!sku) return std::unexpected(sku.error());
    auto location = location_of("location", c.location_id);
    if (!location) return std::unexpected(location.error());
    if (auto e = qty_error("qty_units", c.qty_units)) return std::unexpected(*e);
    if (c.reason.empty()) return err(ErrorCode::invalid_argument, "reason");
    if (c.reason.size() > 200) return err(ErrorCode::limit_exceeded, "reason");
    if (c.order_id) {
      if (auto e = identifier_error("order_id", *c.order_id)) return std::unexpected(*e);
    }
    at(*sku, *location).quarantine += c.qty_units;
    returns_.push_back(ModelReturn{*sku, *location, c.qty_units, c.qty_units});
    out.journals_event = true;
    return return_view(returns_.size());
  }

  Result<Reply> on(const GradeReturn& c, Outcome& out) {
    if (c.return_id == 0 || c.return_id > returns_.size()) {
      return err(ErrorCode::not_found, "return_id");
    }
    ModelReturn& r = returns_[c.return_id - 1];
    if (r.quarantine == 0) return err(ErrorCode::invalid_state, "return_id");
    int64_t qty = c.qty_units.value_or(r.quarantine);
    if (qty < 1 || qty > r.quarantine) return err(ErrorCode::invalid_argument, "qty_units");
    ModelBalance& b = at(r.sku, r.location);
    r.quarantine -= qty;
    b.quarantine -= qty;
    if (c.grade == ReturnGrade::restock) {
      r.restocked += qty;
      b.on_hand += qty;
    } else if (c.grade == ReturnGrade::rework) {
      r.rework += qty;
      b.rework += qty;
    } else {
      r.scrapped += qty;
      b.scrapped += qty;
    }
    out.journals_event = true;
    return return_view(c.return_id);
  }

  // Alerts touch no balance; this workload does not generate them (tests/engine/alert_test.cpp).
  Result<Reply> on(const RaiseAlert&, Outcome&) { return err(ErrorCode::invalid_state, "alerts"); }
  Result<Reply> on(const AcknowledgeAlert&, Outcome&) {
    return err(ErrorCode::invalid_state, "alerts");
  }
  Result<Reply> on(const ResolveAlert&, Outcome&) {
    return err(ErrorCode::invalid_state, "alerts");
  }
  Result<Reply> on(const PutRuleState&, Outcome&) {
    return err(ErrorCode::invalid_state, "rule_state");
  }
  // Silences neither (tests/engine/silence_test.cpp).
  Result<Reply> on(const CreateSilence&, Outcome&) {
    return err(ErrorCode::invalid_state, "silences");
  }
  Result<Reply> on(const DeleteSilence&, Outcome&) {
    return err(ErrorCode::invalid_state, "silences");
  }
  // Stored answers neither (tests/engine/keyed_test.cpp).
  Result<Reply> on(const RecordAnswer&, Outcome&) {
    return err(ErrorCode::invalid_state, "answer");
  }
  // EPCIS captures neither (tests/server/epcis_api_test.cpp).
  Result<Reply> on(const CaptureEpcis&, Outcome&) { return err(ErrorCode::invalid_state, "epcis"); }
  Result<Reply> on(const CompleteRework& c, Outcome& out) {
    if (c.return_id == 0 || c.return_id > returns_.size()) {
      return err(ErrorCode::not_found, "return_id");
    }
    ModelReturn& r = returns_[c.return_id - 1];
    if (r.rework == 0) return err(ErrorCode::invalid_state, "return_id");
    int64_t qty = c.qty_units.value_or(r.rework);
    if (qty < 1 || qty > r.rework) return err(ErrorCode::invalid_argument, "qty_units");
    r.rework -= qty;
    r.restocked += qty;
    at(r.sku, r.location).rework -= qty;
    at(r.sku, r.location).on_hand += qty;
    out.journals_event = true;
    return return_view(c.return_id);
  }

  TimeMs now_ = 0;
  std::map<std::pair<int, int>, ModelBalance> balances_;
  std::map<uint64_t, ModelReservation> reservations_;
  std::map<std::string, ModelKey> keys_;
  std::vector<ModelTransfer> transfers_;
  std::vector<ModelReturn> returns_;
};

// ---- reply comparison ----------------------------------------------------------------

std::string describe(const ReservationView& v) {
  std::ostringstream out;
  out << "reservation " << v.reservation_id << " order " << v.order_id << " channel "
      << v.channel_id << " status " << reservation_status_name(v.status) << " presale " << v.presale
      << " expires " << v.expires_at_ms << " replay " << v.idempotent_replay << " lines [";
  for (const auto& l : v.lines) {
    out << l.gtin << "@" << l.location_id << "×" << l.qty_units;
    if (l.committed_units) out << "(committed " << *l.committed_units << ")";
    out << " ";
  }
  return out.str() + "]";
}

// Returns an empty string when the replies agree, else what differs.
std::string compare_replies(const Reply& expected, const Reply& actual) {
  if (expected.index() != actual.index()) {
    return "reply kind " + std::to_string(actual.index()) + ", model expected " +
           std::to_string(expected.index());
  }
  if (auto* e = std::get_if<ReservationView>(&expected)) {
    const auto& a = std::get<ReservationView>(actual);
    bool lines_equal = e->lines.size() == a.lines.size();
    for (size_t i = 0; lines_equal && i < e->lines.size(); ++i) {
      lines_equal = e->lines[i].gtin == a.lines[i].gtin &&
                    e->lines[i].location_id == a.lines[i].location_id &&
                    e->lines[i].qty_units == a.lines[i].qty_units &&
                    e->lines[i].committed_units == a.lines[i].committed_units;
    }
    if (!lines_equal || e->reservation_id != a.reservation_id || e->order_id != a.order_id ||
        e->channel_id != a.channel_id || e->status != a.status || e->presale != a.presale ||
        e->expires_at_ms != a.expires_at_ms || e->idempotent_replay != a.idempotent_replay) {
      return "engine " + describe(a) + "\n  model " + describe(*e);
    }
  } else if (auto* e = std::get_if<TransferView>(&expected)) {
    const auto& a = std::get<TransferView>(actual);
    if (std::tie(e->transfer_id, e->gtin, e->from_location_id, e->to_location_id, e->shipped_units,
                 e->received_units) != std::tie(a.transfer_id, a.gtin, a.from_location_id,
                                                a.to_location_id, a.shipped_units,
                                                a.received_units)) {
      return "transfer view differs (id " + std::to_string(a.transfer_id) + ")";
    }
  } else if (auto* e = std::get_if<ReturnView>(&expected)) {
    const auto& a = std::get<ReturnView>(actual);
    if (std::tie(e->return_id, e->gtin, e->location_id, e->received_units, e->quarantine_units,
                 e->rework_units, e->restocked_units, e->scrapped_units) !=
        std::tie(a.return_id, a.gtin, a.location_id, a.received_units, a.quarantine_units,
                 a.rework_units, a.restocked_units, a.scrapped_units)) {
      return "return view differs (id " + std::to_string(a.return_id) + ")";
    }
  } else if (auto* e = std::get_if<BalanceView>(&expected)) {
    const auto& a = std::get<BalanceView>(actual);
    if (e->gtin != a.gtin || e->location_id != a.location_id || !(e->balance == a.balance)) {
      return "balance view differs for " + a.gtin + "@" + a.location_id;
    }
  } else if (auto* e = std::get_if<ExpiredView>(&expected)) {
    if (e->reservation_ids != std::get<ExpiredView>(actual).reservation_ids) {
      return "expired ids differ";
    }
  }
  return "";
}

// ---- the workload ------------------------------------------------------------------

class Workload {
 public:
  Workload(uint64_t seed, const Model& model) : random_(seed), model_(model) {}

  // Advances time (sometimes exactly onto the next expiry) and returns the next command.
  Command next(TimeMs& now) {
    advance(now);
    uint64_t roll = below(100);
    if (roll < 12) return receive();
    if (roll < 16) return adjust();
    if (roll < 19) return plan_presale();
    if (roll < 45) return reserve();
    if (roll < 58) return commit();
    if (roll < 64) return Release{pick_reservation()};
    if (roll < 69) return ExtendReservation{pick_reservation(), ttl()};
    if (roll < 72) return ExpireDue{};
    if (roll < 79) return ship();
    if (roll < 82) return ReceiveTransfer{pick_id(model_.transfers().size()), maybe_qty(20)};
    if (roll < 84) {
      return RerouteTransfer{pick_id(model_.transfers().size()), location(), maybe_qty(12)};
    }
    if (roll < 89) return receive_return();
    if (roll < 95) {
      return GradeReturn{pick_id(model_.returns().size()), static_cast<ReturnGrade>(below(3)),
                         maybe_qty(8)};
    }
    return CompleteRework{pick_id(model_.returns().size()), maybe_qty(6)};
  }

 private:
  uint64_t below(uint64_t n) { return random_() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  template <class T>
  const T& one_of(const std::vector<T>& items) {
    return items[below(items.size())];
  }

  void advance(TimeMs& now) {
    uint64_t roll = below(100);
    if (roll < 4) {
      // Land exactly on (or just before) the earliest pending expiry.
      if (auto at = model_.earliest_expiry()) now = std::max(now, *at - (chance(30) ? 1 : 0));
      return;
    }
    static const std::vector<TimeMs> kSteps = {0, 0, 1, 7, 50, 200, 1000, 3000};
    now += one_of(kSteps);
  }

  std::string gtin() {
    if (chance(2)) return chance(50) ? kUnknownGtin : kBadGtin;
    return one_of(kSkus[below(kSkus.size())].forms);
  }
  std::string location() {
    if (chance(2)) return chance(50) ? "NOWHERE" : "no where";
    return kLocations[below(kLocations.size())].id;
  }
  int64_t qty(int64_t max) {
    if (chance(2)) return one_of(std::vector<int64_t>{0, -3, 1'000'001});
    return 1 + static_cast<int64_t>(below(max));
  }
  std::optional<int64_t> maybe_qty(int64_t max) {
    if (chance(50)) return std::nullopt;
    return static_cast<int64_t>(below(max + 2)) - 1;  // -1 … max
  }
  int64_t ttl() {
    if (chance(3)) return chance(50) ? 99 : kReservationTtlMsMax + 1;
    static const std::vector<int64_t> kTtls = {100, 300, 1000, 5000, 20'000, 60'000};
    return one_of(kTtls);
  }
  uint64_t pick_id(size_t count) {
    if (chance(5)) return chance(50) ? 0 : count + 1;
    return count == 0 ? 1 : 1 + below(count);
  }
  uint64_t pick_reservation() {
    std::vector<uint64_t> pending;
    for (const auto& [id, r] : model_.reservations()) {
      if (r.status == ReservationStatus::pending) pending.push_back(id);
    }
    if (!pending.empty() && chance(75)) return one_of(pending);
    return pick_id(model_.reservations().size());
  }

  Command receive() { return ReceiveStock{gtin(), location(), qty(40)}; }
  Command adjust() {
    int64_t delta = static_cast<int64_t>(below(31)) - 15;
    if (chance(2)) delta = chance(50) ? 1'000'001 : -1'000'001;
    std::string reason = chance(3) ? "" : "cycle count";
    return AdjustStock{gtin(), location(), delta, reason};
  }
  Command plan_presale() {
    static const std::vector<std::string> kPlanned = {"FAC", "FAC", "DC-N", "FW-S"};
    int64_t planned = static_cast<int64_t>(below(120)) - (chance(3) ? 130 : 0);
    return PlanPresale{gtin(), one_of(kPlanned), planned};
  }

  Reserve fresh_reserve() {
    Reserve r;
    r.order_id = chance(2) ? "bad order" : "o-" + std::to_string(order_++);
    r.channel_id = chance(2) ? "tv-9" : kChannel;
    r.buyer_region = one_of(kBuyerRegions);
    r.presale = chance(15);
    r.ttl_ms = ttl();
    size_t line_count = 1 + below(4);
    for (size_t i = 0; i < line_count; ++i) {
      std::optional<std::string> where;
      if (chance(35)) where = location();
      r.lines.push_back(LineRequest{gtin(), qty(12), where});
    }
    if (chance(1)) r.lines.clear();
    if (chance(1)) r.lines.assign(65, LineRequest{kSkus[0].forms[0], 1, std::nullopt});
    if (chance(30)) r.idempotency_key = "key-" + std::to_string(below(40));
    return r;
  }
  Command reserve() {
    if (!keyed_.empty() && chance(15)) return one_of(keyed_);  // a client retry
    Reserve r = fresh_reserve();
    if (r.idempotency_key) {
      keyed_.push_back(r);
      if (keyed_.size() > 30) keyed_.erase(keyed_.begin());
    }
    return r;
  }

  Command commit() {
    Commit c{pick_reservation(), {}};
    auto it = model_.reservations().find(c.reservation_id);
    if (it == model_.reservations().end() || chance(40)) return c;  // commit in full
    for (const ModelLine& l : it->second.lines) {
      if (chance(50)) continue;
      LineRequest request{one_of(kSkus[l.sku].forms), static_cast<int64_t>(below(l.qty + 1)),
                          std::nullopt};
      if (chance(5)) request.qty_units = l.qty + 1;
      if (chance(50)) request.location_id = kLocations[l.location].id;
      c.lines.push_back(request);
    }
    if (chance(5) && !c.lines.empty()) c.lines.push_back(c.lines.front());
    if (chance(5)) c.lines.push_back(LineRequest{gtin(), 1, std::nullopt});
    return c;
  }

  Command ship() { return ShipTransfer{gtin(), location(), location(), qty(15)}; }
  Command receive_return() {
    std::optional<std::string> order;
    if (chance(50)) order = chance(5) ? "bad order" : "o-" + std::to_string(below(order_ + 1));
    return ReceiveReturn{gtin(), location(), qty(8), chance(3) ? "" : "damaged", order};
  }

  std::mt19937_64 random_;
  const Model& model_;
  std::vector<Reserve> keyed_;  // keyed requests, for retries
  uint64_t order_ = 0;
};

// ---- the simulation ------------------------------------------------------------------

using Executor = std::function<Result<Reply>(const Command&, TimeMs now)>;

class Simulation {
 public:
  Simulation(uint64_t seed, const Engine& engine, Executor execute)
      : seed_(seed), engine_(engine), execute_(std::move(execute)), workload_(seed, model_) {}

  // Defines the world, then runs `steps` random commands. Stops at the first mismatch.
  // `checkpoint(step)` runs every kReplayEverySteps steps and at the end.
  bool run(int steps, const std::function<void(int)>& checkpoint) {
    for (const Command& command : world_commands()) {
      auto reply = execute_(command, now_);
      if (!reply) return failed(0, "world setup failed: " + reply.error().to_string());
    }
    for (int step = 1; step <= steps; ++step) {
      Command command = workload_.next(now_);
      if (!check_step(step, command)) return false;
      if (step % kReplayEverySteps == 0 || step == steps) {
        checkpoint(step);
        if (::testing::Test::HasFailure()) return failed(step, "checkpoint failed");
      }
    }
    EXPECT_LT(now_ - kStartMs, kIdempotencyRetentionMs) << "the model keeps keys forever";
    return true;
  }

  uint64_t commands_ok() const { return commands_ok_; }
  uint64_t commands_rejected() const { return commands_rejected_; }
  uint64_t expiries() const { return expiries_; }
  uint64_t replays() const { return replays_; }
  std::string reproduce() const { return "reproduce with LIVECHAIN_SEED=" + std::to_string(seed_); }

  // Events the engine emitted since the last call (Engine path only).
  std::function<uint32_t()> event_count;

 private:
  bool failed(int step, const std::string& what) {
    ADD_FAILURE() << "step " << step << ": " << what << "\n" << reproduce();
    return false;
  }

  bool check_step(int step, const Command& command) {
    uint32_t events_before = event_count ? event_count() : 0;
    Outcome expected = model_.execute(command, now_);
    auto actual = execute_(command, now_);
    std::string where = "command index " + std::to_string(command.index());
    if (expected.reply.has_value() != actual.has_value()) {
      return failed(
          step,
          where + ": engine " + (actual ? std::string("succeeded") : actual.error().to_string()) +
              ", model " +
              (expected.reply ? std::string("succeeded") : expected.reply.error().to_string()));
    }
    if (!actual) {
      ++commands_rejected_;
      if (actual.error().code != expected.reply.error().code ||
          actual.error().field != expected.reply.error().field) {
        return failed(step, where + ": engine " + actual.error().to_string() + ", model " +
                                expected.reply.error().to_string());
      }
    } else {
      ++commands_ok_;
      if (auto* view = std::get_if<ReservationView>(&*actual); view && view->idempotent_replay) {
        ++replays_;
      }
      std::string diff = compare_replies(*expected.reply, *actual);
      if (!diff.empty()) return failed(step, where + ": " + diff);
    }
    expiries_ += expected.expired.size();
    if (event_count) {
      uint32_t own = actual && expected.journals_event ? 1 : 0;
      if (event_count() - events_before != expected.expired.size() + own) {
        return failed(step, where + ": journaled " + std::to_string(event_count() - events_before) +
                                " events, expected " +
                                std::to_string(expected.expired.size() + own));
      }
    }
    return check_balances(step) && (step % 100 != 0 || check_records(step));
  }

  bool check_balances(int step) {
    const LedgerState& state = engine_.state();
    for (int sku = 0; sku < static_cast<int>(kSkus.size()); ++sku) {
      for (int location = 0; location < static_cast<int>(kLocations.size()); ++location) {
        Balance b =
            state.balance_or_zero(static_cast<SkuIndex>(sku), static_cast<LocationIndex>(location));
        std::string where = std::string(kSkus[sku].gtin14) + "@" + kLocations[location].id;
        if (b.on_hand_units < 0 || b.reserved_units < 0 || b.in_transit_units < 0 ||
            b.quarantine_units < 0 || b.rework_units < 0 || b.presale_reserved_units < 0 ||
            b.presale_committed_units < 0) {
          return failed(step, where + ": a balance is below zero");
        }
        if (b.reserved_units > b.on_hand_units) return failed(step, where + ": oversold spot");
        if (b.presale_reserved_units + b.presale_committed_units > b.presale_planned_units) {
          return failed(step, where + ": presale beyond plan");
        }
        ModelBalance m = model_.balance(sku, location);
        Balance expected;
        expected.on_hand_units = m.on_hand;
        expected.reserved_units = m.reserved;
        expected.in_transit_units = m.in_transit;
        expected.quarantine_units = m.quarantine;
        expected.rework_units = m.rework;
        expected.presale_planned_units = m.planned;
        expected.presale_reserved_units = m.presale_reserved;
        expected.presale_committed_units = m.presale_committed;
        expected.received_units = m.received;
        expected.sold_units = m.sold;
        expected.scrapped_units = m.scrapped;
        expected.lost_in_transit_units = m.lost;
        expected.adjusted_units = m.adjusted;
        if (!(b == expected)) {
          return failed(step, where + ": balance differs (on_hand " +
                                  std::to_string(b.on_hand_units) + " vs model " +
                                  std::to_string(m.on_hand) + ", reserved " +
                                  std::to_string(b.reserved_units) + " vs " +
                                  std::to_string(m.reserved) + ")");
        }
      }
    }
    return true;
  }

  bool check_records(int step) {
    const LedgerState& state = engine_.state();
    for (const auto& [id, r] : model_.reservations()) {
      if (state.status(id) != r.status) {
        return failed(step, "status of reservation " + std::to_string(id) + " differs");
      }
    }
    if (state.next_reservation_id() != model_.reservations().size() + 1 ||
        state.next_transfer_id() != model_.transfers().size() + 1 ||
        state.next_return_id() != model_.returns().size() + 1) {
      return failed(step, "record counts differ");
    }
    return true;
  }

  uint64_t seed_;
  const Engine& engine_;
  Executor execute_;
  Model model_;
  Workload workload_;
  TimeMs now_ = kStartMs;
  uint64_t commands_ok_ = 0;
  uint64_t commands_rejected_ = 0;
  uint64_t expiries_ = 0;
  uint64_t replays_ = 0;
};

std::vector<uint64_t> seeds() {
  if (const char* text = std::getenv("LIVECHAIN_SEED")) {
    return {std::strtoull(text, nullptr, 10)};
  }
  std::random_device device;
  std::vector<uint64_t> out;
  for (int i = 0; i < kSeedsByDefault; ++i) {
    out.push_back(static_cast<uint64_t>(device()) << 32 | device());
  }
  return out;
}

// Replays every framed event of `batch` into a fresh engine.
Result<Engine> replay(const journal::BatchBuilder& batch) {
  Engine fresh;
  std::optional<Error> failure;
  auto framed = journal::for_each_framed_event(
      batch.blob(), batch.event_count(), [&](uint32_t index, std::span<const uint8_t> data) {
        if (failure) return;
        auto applied = fresh.apply_stored_event(data);
        if (!applied) {
          failure = applied.error();
          failure->detail = "event " + std::to_string(index) + ": " + failure->detail;
        }
      });
  if (!framed) return std::unexpected(framed.error());
  if (failure) return std::unexpected(*failure);
  return fresh;
}

TEST(RandomizedModel, EngineAgreesWithTheReferenceModel) {
  for (uint64_t seed : seeds()) {
    std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    Engine engine;
    journal::BatchBuilder batch;
    Simulation simulation(seed, engine, [&](const Command& command, TimeMs now) {
      return engine.execute(command, now, batch);
    });
    simulation.event_count = [&] { return batch.event_count(); };
    auto checkpoint = [&](int step) {
      Bytes live = engine.state().serialize();
      auto replayed = replay(batch);
      ASSERT_TRUE(replayed.has_value()) << replayed.error().to_string() << "\n"
                                        << simulation.reproduce();
      EXPECT_EQ(replayed->state().serialize(), live) << "replay differs at step " << step << "\n"
                                                     << simulation.reproduce();
      auto restored = LedgerState::deserialize(live);
      ASSERT_TRUE(restored.has_value()) << simulation.reproduce();
      EXPECT_EQ(restored->serialize(), live)
          << "snapshot round trip differs at step " << step << "\n"
          << simulation.reproduce();
    };
    bool ok = simulation.run(kStepsPerSeed, checkpoint);
    std::printf("  %llu ok, %llu rejected, %llu expiries, %llu idempotent replays, %u events\n",
                static_cast<unsigned long long>(simulation.commands_ok()),
                static_cast<unsigned long long>(simulation.commands_rejected()),
                static_cast<unsigned long long>(simulation.expiries()),
                static_cast<unsigned long long>(simulation.replays()), batch.event_count());
    if (!ok) return;
    // The workload must actually exercise the ledger, not only its error paths.
    EXPECT_GT(simulation.commands_ok(), kStepsPerSeed / 3u) << simulation.reproduce();
    EXPECT_GT(simulation.commands_rejected(), kStepsPerSeed / 10u) << simulation.reproduce();
    EXPECT_GT(simulation.expiries(), 10u) << simulation.reproduce();
    EXPECT_GT(simulation.replays(), 10u) << simulation.reproduce();
  }
}

using livechain::test_support::TempDir;

TEST(RandomizedModel, LedgerOnSqliteAgreesAndReopensIdentically) {
  uint64_t seed = seeds().front();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  TempDir dir;
  std::string db = dir.file("model.db");
  ASSERT_TRUE(Ledger::init(db).has_value());
  ManualClock clock(kStartMs);
  auto opened = Ledger::open(db, clock);
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  std::unique_ptr<Ledger> ledger = std::move(*opened);
  Simulation simulation(seed, ledger->engine(), [&](const Command& command, TimeMs now) {
    clock.set_ms(now);
    return ledger->execute(command);
  });
  simulation.event_count = [&] { return static_cast<uint32_t>(ledger->journal().tree_size()); };
  auto checkpoint = [&](int step) {
    if (step == kLedgerSteps / 2 || step == kReplayEverySteps) {
      ASSERT_TRUE(ledger->write_snapshot().has_value());
    }
  };
  ASSERT_TRUE(simulation.run(kLedgerSteps, [&](int step) { checkpoint(step); }));
  ASSERT_TRUE(ledger->write_snapshot().has_value());
  ASSERT_TRUE(ledger->execute(ReceiveStock{kSkus[0].forms[0], "DC-N", 1}).has_value());
  Bytes live = ledger->engine().state().serialize();
  uint64_t events = ledger->journal().tree_size();
  ledger.reset();

  auto reopened = Ledger::open(db, clock);
  ASSERT_TRUE(reopened.has_value()) << reopened.error().to_string() << "\n"
                                    << simulation.reproduce();
  EXPECT_EQ((*reopened)->journal().tree_size(), events);
  EXPECT_GT((*reopened)->recovery().snapshot_next_seq, 0u);
  EXPECT_EQ((*reopened)->engine().state().serialize(), live) << simulation.reproduce();
  auto full = recover_engine((*reopened)->journal(), false);
  ASSERT_TRUE(full.has_value()) << full.error().to_string();
  EXPECT_EQ(full->state().serialize(), live) << "full replay differs\n" << simulation.reproduce();
}

}  // namespace
}  // namespace livechain::engine
