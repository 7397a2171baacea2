// The KPI read model (kpi.hpp): journal events in, per-UTC-day totals out. Each event
// that moves stock, an order, a transfer or a return updates the totals of its day; the
// levels the KPIs need (network on hand, SKUs active and out of stock) are kept as the
// events change them and closed into the day after each event. Periods are summed from
// days when asked, so the model stores one small record per day with events.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <unordered_map>

#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "engine/events.hpp"
#include "kpi/kpi.hpp"

namespace livechain::kpi {

namespace {
using engine::ChannelIndex;
using engine::LocationIndex;
using engine::SkuIndex;

// The model's own name tables, filled from the catalogue events in journal order, so
// indexes are the ones the engine assigned.
class Names final : public engine::NameTables {
 public:
  const std::string& gtin_of(SkuIndex sku) const override { return skus_.at(sku); }
  const std::string& location_id_of(LocationIndex location) const override {
    return locations_.at(location);
  }
  const std::string& channel_id_of(ChannelIndex channel) const override {
    return channels_.at(channel);
  }
  std::optional<SkuIndex> find_sku(std::string_view gtin) const override {
    return find(sku_by_id_, gtin);
  }
  std::optional<LocationIndex> find_location(std::string_view id) const override {
    return find(location_by_id_, id);
  }
  std::optional<ChannelIndex> find_channel(std::string_view id) const override {
    return find(channel_by_id_, id);
  }
  // Registers an id seen in a *_put event (a second put of one id changes nothing here).
  uint32_t put_sku(const std::string& gtin) { return put(skus_, sku_by_id_, gtin); }
  void put_location(const std::string& id) { put(locations_, location_by_id_, id); }
  void put_channel(const std::string& id) { put(channels_, channel_by_id_, id); }
  size_t sku_count() const { return skus_.size(); }

 private:
  using Index = std::unordered_map<std::string, uint32_t>;
  static std::optional<uint32_t> find(const Index& index, std::string_view id) {
    auto found = index.find(std::string(id));
    if (found == index.end()) return std::nullopt;
    return found->second;
  }
  static uint32_t put(std::vector<std::string>& ids, Index& index, const std::string& id) {
    auto [it, inserted] = index.try_emplace(id, static_cast<uint32_t>(ids.size()));
    if (inserted) ids.push_back(id);
    return it->second;
  }
  std::vector<std::string> skus_, locations_, channels_;
  Index sku_by_id_, location_by_id_, channel_by_id_;
};

struct SkuLevel {
  int64_t on_hand_units = 0;       // over all locations
  int64_t reserved_units = 0;      // spot reservations pending
  bool active = false;             // has had units on hand
  bool out = false;                // active and nothing available
  DayNumber out_counted_day = -1;  // the day its being out was last counted
};
struct PendingOrder {
  bool presale = false;
  engine::StockLines lines;
};
struct OpenTransfer {
  TimeMs shipped_ms = 0;
  SkuIndex sku = 0;
  LocationIndex to = 0;
};
struct OpenReturn {
  TimeMs received_ms = 0;
  SkuIndex sku = 0;
  LocationIndex location = 0;
  int64_t quarantine_units = 0;
  int64_t rework_units = 0;
};

uint64_t row_key(SkuIndex sku, LocationIndex location) {
  return (static_cast<uint64_t>(sku) << 32) | location;
}

// Kinds the model reads; every other event is skipped undecoded (its time still counts).
bool is_read_kind(uint8_t kind) {
  using engine::EventKind;
  switch (static_cast<EventKind>(kind)) {
    case EventKind::sku_put:
    case EventKind::location_put:
    case EventKind::channel_put:
    case EventKind::stock_received:
    case EventKind::stock_adjusted:
    case EventKind::reserved:
    case EventKind::committed:
    case EventKind::released:
    case EventKind::expired:
    case EventKind::transfer_shipped:
    case EventKind::transfer_received:
    case EventKind::transfer_rerouted:
    case EventKind::return_received:
    case EventKind::return_graded:
    case EventKind::rework_completed:
      return true;
    default:
      return false;
  }
}

// The prefix of the compensating adjustments of a rollback (engine/handlers_rollback.cpp).
constexpr std::string_view kRollbackReasonPrefix = "rollback to ";
}  // namespace

struct Model::State {
  Names names;
  uint64_t next_seq = 0;
  TimeMs last_ms = 0;
  std::map<DayNumber, DayTotals> days;
  DayTotals* today = nullptr;  // the bucket of the event being applied
  DayNumber today_day = -1;
  std::vector<SkuLevel> skus;                            // by SkuIndex
  std::unordered_map<uint64_t, int64_t> on_hand_by_row;  // row_key → units
  int64_t on_hand_units = 0;
  int64_t skus_active = 0;
  int64_t skus_out = 0;
  std::unordered_map<uint64_t, PendingOrder> pending;
  std::unordered_map<uint64_t, OpenTransfer> transfers;
  std::unordered_map<uint64_t, OpenReturn> returns;

  Result<void> open_day(TimeMs time_ms);
  void close_day();
  SkuLevel& sku(SkuIndex index);
  void restate(SkuIndex index);
  void move_on_hand(SkuIndex sku_index, LocationIndex location, int64_t delta_units);
  void move_reserved(SkuIndex sku_index, int64_t delta_units);
  Result<void> on(const engine::Event& event);
};

// Opens (or continues) the bucket of the day holding time_ms. A new day starts by
// counting every SKU active and every SKU out as it stands (they are so at midnight).
Result<void> Model::State::open_day(TimeMs time_ms) {
  DayNumber day = day_of(time_ms);
  if (day < today_day) {
    return fail(ErrorCode::corruption, "time_ms", "event time runs backwards across days");
  }
  if (day != today_day) {
    if (days.size() >= kDaysKeptMax) {
      return fail(ErrorCode::limit_exceeded, "days",
                  fmt::format("more than {} days with events", kDaysKeptMax));
    }
    DayTotals& fresh = days[day];
    fresh.sku_days_active = skus_active;
    fresh.sku_days_out = skus_out;
    today_day = day;
    today = &fresh;
  }
  return {};
}

void Model::State::close_day() {
  LC_ASSERT(today != nullptr);
  today->on_hand_close_units = on_hand_units;
  today->skus_active_close = skus_active;
  today->skus_out_close = skus_out;
}

SkuLevel& Model::State::sku(SkuIndex index) {
  if (index >= skus.size()) skus.resize(index + 1);
  return skus[index];
}

// Recomputes whether a SKU is active and out after its levels moved, counting a
// transition into stockout once per day (docs/kpi.md "Stockout rate").
void Model::State::restate(SkuIndex index) {
  SkuLevel& level = sku(index);
  if (!level.active && level.on_hand_units > 0) {
    level.active = true;
    skus_active += 1;
    today->sku_days_active += 1;
  }
  bool out = level.active && level.on_hand_units - level.reserved_units <= 0;
  if (out && !level.out) {
    skus_out += 1;
    if (level.out_counted_day != today_day) today->sku_days_out += 1;
  }
  if (out != level.out) {
    if (!out) skus_out -= 1;
    // Either counted just now or counted at the day's start (it was out at midnight).
    level.out_counted_day = today_day;
  }
  level.out = out;
  LC_ASSERT(skus_out >= 0 && skus_out <= skus_active);
}

void Model::State::move_on_hand(SkuIndex sku_index, LocationIndex location, int64_t delta_units) {
  on_hand_by_row[row_key(sku_index, location)] += delta_units;
  sku(sku_index).on_hand_units += delta_units;
  on_hand_units += delta_units;
  restate(sku_index);
}

void Model::State::move_reserved(SkuIndex sku_index, int64_t delta_units) {
  sku(sku_index).reserved_units += delta_units;
  restate(sku_index);
}

namespace {
Error contradiction(std::string_view what, uint64_t id) {
  return Error{ErrorCode::corruption, "seq",
               fmt::format("{} {} was not opened by an earlier event", what, id)};
}
}  // namespace

// One event; the day is open. Catalogue events only fill the name tables.
Result<void> Model::State::on(const engine::Event& event) {
  using namespace engine;
  const TimeMs at_ms = event.time_ms;
  if (const auto* e = std::get_if<StockReceivedEvent>(&event.body)) {
    move_on_hand(e->line.sku, e->line.location, e->line.qty_units);
  } else if (const auto* e = std::get_if<StockAdjustedEvent>(&event.body)) {
    if (!std::string_view(e->reason).starts_with(kRollbackReasonPrefix)) {
      int64_t before = on_hand_by_row[row_key(e->line.sku, e->line.location)];
      int64_t after = before + e->line.qty_units;
      today->adjusted_abs_units += std::abs(e->line.qty_units);
      today->adjusted_base_units += std::max(before, after);
    }
    move_on_hand(e->line.sku, e->line.location, e->line.qty_units);
  } else if (const auto* e = std::get_if<ReservedEvent>(&event.body)) {
    if (!e->presale) {
      for (const StockLine& line : e->lines) move_reserved(line.sku, line.qty_units);
    }
    pending[e->reservation_id] = PendingOrder{e->presale, e->lines};
  } else if (const auto* e = std::get_if<CommittedEvent>(&event.body)) {
    auto found = pending.find(e->reservation_id);
    if (found == pending.end())
      return std::unexpected(contradiction("reservation", e->reservation_id));
    const PendingOrder& order = found->second;
    if (e->committed_units.size() != order.lines.size()) {
      return std::unexpected(contradiction("reservation", e->reservation_id));
    }
    for (size_t i = 0; i < order.lines.size(); ++i) {
      const StockLine& line = order.lines[i];
      int64_t committed = e->committed_units[i];
      today->sold_units += committed;
      today->committed_units += committed;
      today->committed_reserved_units += line.qty_units;
      if (order.presale) continue;
      today->sold_spot_units += committed;
      sku(line.sku).reserved_units -= line.qty_units;
      move_on_hand(line.sku, line.location, -committed);
    }
    pending.erase(found);
  } else if (std::holds_alternative<ReleasedEvent>(event.body) ||
             std::holds_alternative<ExpiredEvent>(event.body)) {
    // Released or expired: the reservation's spot units are available again.
    const auto* released = std::get_if<ReleasedEvent>(&event.body);
    uint64_t id = released != nullptr ? released->reservation_id
                                      : std::get<ExpiredEvent>(event.body).reservation_id;
    auto found = pending.find(id);
    if (found == pending.end()) return std::unexpected(contradiction("reservation", id));
    if (!found->second.presale) {
      for (const StockLine& line : found->second.lines) move_reserved(line.sku, -line.qty_units);
    }
    pending.erase(found);
  } else if (const auto* e = std::get_if<TransferShippedEvent>(&event.body)) {
    move_on_hand(e->sku, e->from, -e->qty_units);
    transfers[e->transfer_id] = OpenTransfer{at_ms, e->sku, e->to};
  } else if (const auto* e = std::get_if<TransferReroutedEvent>(&event.body)) {
    auto found = transfers.find(e->transfer_id);
    if (found == transfers.end()) return std::unexpected(contradiction("transfer", e->transfer_id));
    if (e->new_transfer_id == 0) {
      found->second.to = e->to;
    } else {
      transfers[e->new_transfer_id] =
          OpenTransfer{found->second.shipped_ms, found->second.sku, e->to};
    }
  } else if (const auto* e = std::get_if<TransferReceivedEvent>(&event.body)) {
    auto found = transfers.find(e->transfer_id);
    if (found == transfers.end()) return std::unexpected(contradiction("transfer", e->transfer_id));
    OpenTransfer transfer = found->second;
    transfers.erase(found);
    TimeMs took_ms = at_ms - transfer.shipped_ms;
    today->transfers_received += 1;
    today->transfer_ms_sum += took_ms;
    if (took_ms <= kOnTimeMs) today->transfers_on_time += 1;
    if (e->received_units > 0) move_on_hand(transfer.sku, transfer.to, e->received_units);
  } else if (const auto* e = std::get_if<ReturnReceivedEvent>(&event.body)) {
    today->returned_units += e->line.qty_units;
    returns[e->return_id] = OpenReturn{at_ms, e->line.sku, e->line.location, e->line.qty_units, 0};
  } else if (const auto* e = std::get_if<ReturnGradedEvent>(&event.body)) {
    auto found = returns.find(e->return_id);
    if (found == returns.end()) return std::unexpected(contradiction("return", e->return_id));
    OpenReturn& open = found->second;
    open.quarantine_units -= e->qty_units;
    if (e->grade == ReturnGrade::restock) move_on_hand(open.sku, open.location, e->qty_units);
    if (e->grade == ReturnGrade::rework) open.rework_units += e->qty_units;
    if (open.quarantine_units <= 0) {
      today->returns_graded += 1;
      today->return_ms_sum += at_ms - open.received_ms;
    }
    if (open.quarantine_units <= 0 && open.rework_units <= 0) returns.erase(found);
  } else if (const auto* e = std::get_if<ReworkCompletedEvent>(&event.body)) {
    auto found = returns.find(e->return_id);
    if (found == returns.end()) return std::unexpected(contradiction("return", e->return_id));
    OpenReturn& open = found->second;
    open.rework_units -= e->qty_units;
    move_on_hand(open.sku, open.location, e->qty_units);
    if (open.quarantine_units <= 0 && open.rework_units <= 0) returns.erase(found);
  }
  return {};
}

Model::Model() : state_(std::make_unique<State>()) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

uint64_t Model::next_seq() const {
  return state_->next_seq;
}
TimeMs Model::last_event_ms() const {
  return state_->last_ms;
}

Result<void> Model::apply(uint64_t seq, std::span<const uint8_t> data) {
  State& s = *state_;
  LC_ASSERT(seq == s.next_seq);
  ByteReader head(data);
  uint8_t kind = head.get_u8();
  TimeMs time_ms = static_cast<TimeMs>(head.get_varint());
  if (!head.ok()) return fail(ErrorCode::corruption, "seq", fmt::format("seq {}: truncated", seq));
  if (is_read_kind(kind)) {
    auto event = engine::decode_event(data, s.names);
    if (!event) {
      return fail(ErrorCode::corruption, "seq",
                  fmt::format("seq {}: {}", seq, event.error().to_string()));
    }
    if (const auto* e = std::get_if<engine::SkuPutEvent>(&event->body)) {
      s.sku(s.names.put_sku(e->gtin));
    } else if (const auto* e = std::get_if<engine::LocationPutEvent>(&event->body)) {
      s.names.put_location(e->location_id);
    } else if (const auto* e = std::get_if<engine::ChannelPutEvent>(&event->body)) {
      s.names.put_channel(e->channel_id);
    } else {
      LC_CHECK(s.open_day(time_ms));
      auto applied = s.on(*event);
      if (!applied) {
        Error error = applied.error();
        error.detail = fmt::format("seq {}: {}", seq, error.detail);
        return std::unexpected(error);
      }
      s.close_day();
    }
  }
  s.last_ms = std::max(s.last_ms, time_ms);
  s.next_seq = seq + 1;
  return {};
}

Result<uint64_t> Model::catch_up(journal::Journal& journal) {
  uint64_t applied = 0;
  LC_CHECK(journal.replay(state_->next_seq,
                          [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
                            LC_CHECK(apply(seq, data));
                            applied += 1;
                            return {};
                          }));
  return applied;
}

std::optional<DayTotals> Model::day(DayNumber day) const {
  auto found = state_->days.find(day);
  if (found == state_->days.end()) return std::nullopt;
  return found->second;
}

std::array<std::optional<double>, kKpiCount> values_of(const DayTotals& sum, int64_t days,
                                                       int64_t on_hand_close_sum) {
  constexpr double kMsPerHour = 3'600'000.0;
  auto ratio = [](int64_t numerator, int64_t denominator, double scale) -> std::optional<double> {
    if (denominator == 0) return std::nullopt;
    return scale * static_cast<double>(numerator) / static_cast<double>(denominator);
  };
  std::array<std::optional<double>, kKpiCount> values;
  if (days <= 0) return values;
  values[0] = ratio(on_hand_close_sum, sum.sold_spot_units, 1.0);
  values[1] = ratio(sum.committed_units, sum.committed_reserved_units, 100.0);
  values[2] = ratio(sum.transfer_ms_sum, sum.transfers_received, 1.0 / kMsPerHour);
  if (sum.adjusted_base_units > 0) {
    values[3] = 100.0 * (1.0 - static_cast<double>(sum.adjusted_abs_units) /
                                   static_cast<double>(sum.adjusted_base_units));
  }
  // 4 … 7: money. The ledger holds no prices or costs yet: no data.
  values[8] = ratio(sum.sku_days_out, sum.sku_days_active, 100.0);
  values[9] = ratio(sum.returned_units, sum.sold_units, 100.0);
  values[10] = ratio(sum.transfers_on_time, sum.transfers_received, 100.0);
  values[11] = ratio(sum.return_ms_sum, sum.returns_graded, 1.0 / kMsPerHour);
  return values;
}

namespace {
void add_flows(DayTotals& sum, const DayTotals& day) {
  sum.sold_units += day.sold_units;
  sum.sold_spot_units += day.sold_spot_units;
  sum.committed_units += day.committed_units;
  sum.committed_reserved_units += day.committed_reserved_units;
  sum.transfers_received += day.transfers_received;
  sum.transfer_ms_sum += day.transfer_ms_sum;
  sum.transfers_on_time += day.transfers_on_time;
  sum.adjusted_abs_units += day.adjusted_abs_units;
  sum.adjusted_base_units += day.adjusted_base_units;
  sum.returned_units += day.returned_units;
  sum.returns_graded += day.returns_graded;
  sum.return_ms_sum += day.return_ms_sum;
  sum.sku_days_active += day.sku_days_active;
  sum.sku_days_out += day.sku_days_out;
}
}  // namespace

std::vector<Row> Model::rows(const Query& query, DayNumber today) const {
  const auto& days = state_->days;
  std::vector<Row> out;
  DayNumber last = period_start(query.period, query.to_day);
  LC_ASSERT(query.from_day <= query.to_day);
  // Days with facts: from the first day with events through today (or the last event's
  // day when the clock is behind it).
  std::optional<DayNumber> first_day;
  if (!days.empty()) first_day = days.begin()->first;
  DayNumber through_day = days.empty() ? today : std::max(today, days.rbegin()->first);
  for (DayNumber start = period_start(query.period, query.from_day); start <= last;
       start = period_next(query.period, start)) {
    LC_ASSERT(out.size() < rows_max(query.period));
    Row row;
    row.start_day = start;
    DayNumber lo = first_day ? std::max(start, *first_day) : start;
    DayNumber hi = std::min(period_next(query.period, start) - 1, through_day);
    if (first_day && lo <= hi) {
      // The levels carried into `lo`: those of the last day with events before it.
      auto next = days.lower_bound(lo);
      DayTotals carry;
      if (next != days.begin()) carry = std::prev(next)->second;
      DayTotals sum;
      int64_t on_hand_close_sum = 0;
      for (DayNumber day = lo; day <= hi; ++day) {
        if (next != days.end() && next->first == day) {
          carry = next->second;
          add_flows(sum, carry);
          ++next;
        } else {
          // A day without events: no flows, the levels as they stood.
          sum.sku_days_active += carry.skus_active_close;
          sum.sku_days_out += carry.skus_out_close;
        }
        on_hand_close_sum += carry.on_hand_close_units;
      }
      row.values = values_of(sum, hi - lo + 1, on_hand_close_sum);
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace livechain::kpi
