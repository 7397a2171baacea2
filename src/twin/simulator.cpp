// The discrete-event simulator. One Simulation per run: it builds the brand and the
// network in an in-process engine::Engine, then plays each session minute by minute
// (demand, payments, cancellations, TTL expiry, replenishment, shocks) and drains a
// time-ordered event queue (payments, transfers, returns, grading) to the end.
// Every stock move is an engine command; the auditor predicts each reply.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <queue>

#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "engine/engine.hpp"
#include "twin/event_queue.hpp"
#include "twin/model.hpp"
#include "twin/policy.hpp"
#include "twin/rng.hpp"
#include "twin/session.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

namespace {

enum class Kind : uint8_t {
  pay,
  pay_late,
  cancel,
  transfer_arrive,
  return_arrive,
  grade,
  rework,
  production_arrive
};
// Millions are queued at a mega peak: kept at 40 bytes (narrow fields, limits below).
struct QEvent {
  TimeMs time_ms = 0;
  uint64_t seq = 0;
  uint64_t id = 0;  // reservation, transfer or return id
  int64_t units = 0;
  uint16_t sku = 0;
  uint8_t location = 0;
  uint8_t region = 0;
  uint8_t session = 0;
  Kind kind = Kind::pay;
  uint8_t reason = 0;
};
static_assert(sizeof(QEvent) == 40);
static_assert(kSkusMax <= UINT16_MAX && kRegions <= UINT8_MAX);

constexpr std::array<const char*, 7> kReturnReasons = {"changed_mind",     "size_fit", "damaged",
                                                       "not_as_described", "quality",  "wrong_item",
                                                       "quality_recall"};
enum Reason : uint8_t {
  changed_mind,
  size_fit,
  damaged,
  not_as_described,
  quality,
  wrong_item,
  quality_recall
};

// "o<n>" without a format call: built once per order at 150,000 orders a minute.
std::string order_id(uint64_t n) {
  char text[24] = {'o'};
  const auto end = std::to_chars(text + 1, text + sizeof text, n).ptr;
  return std::string(text, end);
}

double quantile(std::vector<float>& values, double q) {
  if (values.empty()) return 0;
  const size_t k = static_cast<size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

// The policy's window on the engine: reads balances, executes moves at once.
class EngineStockView final : public StockView {
 public:
  explicit EngineStockView(const engine::Engine& engine) : engine_(engine) {}
  int64_t available_units(uint32_t sku, uint32_t location) const override {
    return engine_.state().balance_or_zero(sku, location).available_units();
  }

 private:
  const engine::Engine& engine_;
};

class Simulation {
 public:
  explicit Simulation(const RunConfig& config)
      : config_(config), scenario_(config.scenario), seed_(config.seed) {}

  Result<RunResult> run();

 private:
  friend class MoveExecutor;
  double p(std::string_view name) const { return scenario_.param(name); }
  Result<engine::Reply> exec(const engine::Command& command, TimeMs now_ms);
  Result<void> expect_ok(const engine::Command& command, TimeMs now_ms);
  void push(const QEvent& event) { queue_.push(event); }

  Result<void> build_brand();
  Result<void> build_network();
  Result<void> stock_for(const SessionPlan& plan, TimeMs now_ms);
  Result<void> run_session(SessionPlan& plan);
  Result<void> session_minute(SessionPlan& plan, uint32_t minute, TimeMs now_ms);
  Result<void> place_order(SessionPlan& plan, uint32_t agenda_k, uint32_t sku, TimeMs now_ms,
                           int64_t& reserved_units, int64_t& lost_units);
  Result<void> replenish(TimeMs now_ms);
  Result<void> react(const Demand& demand, TimeMs now_ms);
  Result<void> apply_move(const Move& move, TimeMs now_ms);
  SessionForecast forecast_of(const SessionPlan& plan) const;
  Result<void> produce(const SessionPlan& plan, TimeMs now_ms);
  Result<void> shocks(SessionPlan& plan, uint32_t minute, TimeMs now_ms);
  Result<void> write_off(uint32_t sku, uint32_t location, TimeMs now_ms, const char* reason);
  Result<void> drain_until(TimeMs until_ms);
  Result<void> handle(const QEvent& event);
  Result<void> on_pay(const QEvent& event);
  Result<void> on_return_arrive(const QEvent& event);
  Result<void> on_grade(const QEvent& event);
  void schedule_fulfilment(const QEvent& paid, int64_t units);
  int64_t selling_available(uint32_t sku) const;
  Result<void> finish(RunResult& result);
  void signal_row(const SessionPlan& plan, uint32_t minute, double expected_orders, uint64_t orders,
                  int64_t reserved, int64_t lost, uint32_t stockouts);

  const RunConfig& config_;
  const Scenario& scenario_;
  uint64_t seed_;
  engine::Engine engine_;
  journal::BatchBuilder batch_;
  std::vector<Sku> skus_;
  std::vector<Location> locations_;
  uint32_t factory_ = 0;
  Network network_;
  std::unique_ptr<Policy> policy_;
  EventQueue<QEvent> queue_;
  // Parameters read per order, looked up once (Scenario::param is a linear search).
  struct HotParams {
    double ttl_minutes = 0, pay_rate = 0, weather_factor = 1, pick_error_rate = 0;
    double sla_hours = 0, outage_delay_hours = 0;
    int outage_region = -1;
  } hot_;
  Rng demand_rng_{seed_, kDemand};
  Rng pay_rng_{seed_, kPayment};
  Rng logistics_rng_{seed_, kLogistics};
  Rng returns_rng_{seed_, kReturns};
  Rng signals_rng_{seed_, kSignals};
  std::vector<int64_t> supply_units_;  // auditor: units that became sellable per sku
  std::vector<int64_t> sold_units_;    // auditor: committed units per sku
  std::vector<int64_t> returned_units_;
  std::vector<bool> recalled_;
  std::array<std::vector<float>, kRegions> fulfilment_hours_;  // by buyer region
  std::vector<float> return_hours_;
  std::vector<TimeMs> return_received_ms_;
  std::vector<uint64_t> return_order_;
  std::vector<uint8_t> return_reason_;
  std::vector<SessionPlan> sessions_;  // finished sessions (rates dropped)
  std::vector<int64_t> session_units_sold_;
  std::vector<double> session_gmv_cny_;
  Kpis kpis_;
  History history_;
  double promo_ = 0;
  uint64_t next_order_ = 1;
  bool stocking_ = false;  // the policy's receipts are its session stocking
};

// Executes each policy move on the engine at once, so the policy's next read sees it.
class MoveExecutor final : public MoveSink {
 public:
  MoveExecutor(Simulation& simulation, TimeMs now_ms) : simulation_(simulation), now_ms_(now_ms) {}
  Result<void> move(const Move& move) override { return simulation_.apply_move(move, now_ms_); }

 private:
  Simulation& simulation_;
  TimeMs now_ms_;
};

Result<engine::Reply> Simulation::exec(const engine::Command& command, TimeMs now_ms) {
  LC_ASSERT(now_ms >= engine_.state().now_ms());
  auto reply = engine_.execute(command, now_ms, batch_);
  ++kpis_.engine_commands;
  kpis_.engine_events += batch_.event_count();
  batch_.clear();  // nothing here needs to be durable: the run is replayed from its seed
  if (kpis_.engine_events > kEventsPerRunMax) {
    return fail(ErrorCode::limit_exceeded, "scale", "run exceeds kEventsPerRunMax events");
  }
  return reply;
}

Result<void> Simulation::expect_ok(const engine::Command& command, TimeMs now_ms) {
  auto reply = exec(command, now_ms);
  if (!reply) {
    return fail(
        ErrorCode::invalid_state, "auditor",
        "engine rejected a command the model expected to pass: " + reply.error().to_string());
  }
  return {};
}

// The brand and network of session.hpp, defined on the engine.
Result<void> Simulation::build_brand() {
  const uint32_t count = static_cast<uint32_t>(p("skus"));
  skus_ = make_brand(seed_, count, p("material_price_factor"));
  history_.catalog_csv =
      "gtin,name,category,variant,price_cny,cost_cny,return_rate,shelf_life_days\n";
  for (const Sku& sku : skus_) {
    const CategoryInfo& info = kCategoryInfo[static_cast<size_t>(sku.category)];
    history_.catalog_csv += fmt::format("{},{},{},{},{:.2f},{:.2f},{:.2f},{}\n", sku.gtin, sku.name,
                                        info.name, sku.variant, sku.price_cny, sku.cost_cny,
                                        sku.return_rate, info.shelf_life_days);
  }
  supply_units_.assign(count, 0);
  sold_units_.assign(count, 0);
  returned_units_.assign(count, 0);
  recalled_.assign(count, false);
  return {};
}

Result<void> Simulation::build_network() {
  locations_ = make_locations();
  LC_ASSERT(locations_[kReturnsCenter].kind == engine::LocationKind::returns_center);
  factory_ = 0;
  network_ = Network{&skus_, &locations_, factory_};
  auto policy = make_policy(config_.policy, network_);
  if (!policy) return std::unexpected(policy.error());
  policy_ = std::move(*policy);
  for (const auto& command : catalog_commands(skus_, locations_)) {
    auto put = expect_ok(command, kStartMs);
    if (!put) return put;
  }
  return {};
}

// What the planner tells the policy: the forecast, split by the agenda's demand shape.
SessionForecast Simulation::forecast_of(const SessionPlan& plan) const {
  SessionForecast f;
  f.tier = static_cast<int>(p("tier"));
  f.forecast_units = plan.forecast_units;
  f.agenda = plan.agenda;
  f.weight.assign(plan.agenda.size(), 0.0);
  for (size_t k = 0; k < plan.agenda.size(); ++k) {
    for (double r : plan.rate[k]) f.weight[k] += r;
  }
  f.coverage = p("coverage");
  f.factory_share = p("factory_share");
  fill_forecast_curve(f, plan, plan.start_ms);
  f.forecast_error_sd = p("forecast_error_sd");
  f.factory_lead_time_h = p("factory_lead_time_hours");
  f.transit_time_factor = p("weather_factor");
  return f;
}

// Stocking before a session: the policy's receipts, each a ReceiveStock.
Result<void> Simulation::stock_for(const SessionPlan& plan, TimeMs now_ms) {
  const EngineStockView view(engine_);
  MoveExecutor sink(*this, now_ms);
  stocking_ = true;
  auto stocked = policy_->stock(forecast_of(plan), view, sink);
  stocking_ = false;
  return stocked;
}

int64_t Simulation::selling_available(uint32_t sku) const {
  const auto& state = engine_.state();
  int64_t total = 0;
  for (const auto& ref : state.balance_refs_of_sku(sku)) {
    if (engine::sells_to_buyers(state.locations()[ref.location].kind)) {
      total += state.balance_at(ref.balance_index).available_units();
    }
  }
  return total;
}

Result<void> Simulation::run_session(SessionPlan& plan) {
  auto drained = drain_until(plan.start_ms);
  if (!drained) return drained;
  auto stocked = stock_for(plan, plan.start_ms);
  if (!stocked) return stocked;
  for (uint32_t minute = 0; minute < plan.duration_min; ++minute) {
    const TimeMs now_ms = plan.start_ms + minute * kMinuteMs;
    auto due = drain_until(now_ms + 1);
    if (!due) return due;
    auto expired = expect_ok(engine::ExpireDue{}, now_ms);
    if (!expired) return expired;
    if (minute % 60 == 0) {
      auto made = produce(plan, now_ms);
      if (!made) return made;
    }
    if (minute % 15 == 0) {
      auto r = replenish(now_ms);
      if (!r) return r;
    }
    auto s = shocks(plan, minute, now_ms);
    if (!s) return s;
    auto m = session_minute(plan, minute, now_ms);
    if (!m) return m;
  }
  plan.rate.clear();
  sessions_.push_back(std::move(plan));
  return {};
}

Result<void> Simulation::session_minute(SessionPlan& plan, uint32_t minute, TimeMs now_ms) {
  const double surge = p("surge_factor");
  const double absence = p("absence_influence");
  double expected_orders = 0;
  uint64_t orders = 0;
  int64_t reserved_total = 0, lost_total = 0;
  uint32_t stockouts = 0;
  for (size_t k = 0; k < plan.agenda.size(); ++k) {
    const uint32_t sku = plan.agenda[k];
    if (minute < plan.intro_minute[k] || recalled_[sku]) continue;
    double lambda = plan.rate[k][minute] * absence;
    if (k == 0) lambda *= surge;
    expected_orders += lambda;
    const int64_t count = demand_rng_.poisson(lambda);
    if (orders + static_cast<uint64_t>(count) + kpis_.orders > kOrdersPerRunMax) {
      return fail(ErrorCode::limit_exceeded, "scale", "run exceeds kOrdersPerRunMax orders");
    }
    int64_t demanded = 0, reserved = 0, lost = 0;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t before = reserved + lost;
      auto placed = place_order(plan, static_cast<uint32_t>(k), sku, now_ms, reserved, lost);
      if (!placed) return placed;
      demanded += reserved + lost - before;
    }
    orders += static_cast<uint64_t>(count);
    reserved_total += reserved;
    lost_total += lost;
    const bool out = lost > 0 || selling_available(sku) <= 0;
    if (out) ++stockouts;
    if (demanded > 0) {
      fmt::format_to(std::back_inserter(history_.sales_csv), "{},{},{},{},{},{}\n", plan.index,
                     minute, skus_[sku].gtin, demanded, reserved, lost);
    }
  }
  kpis_.stockout_sku_minutes += stockouts;
  kpis_.peak_orders_per_min = std::max(kpis_.peak_orders_per_min, static_cast<double>(orders));
  plan.orders += orders;
  plan.lost_units += lost_total;
  signal_row(plan, minute, expected_orders, orders, reserved_total, lost_total, stockouts);
  return {};
}

// One buyer order: Reserve at the nearest location able to fill it; then the buyer
// pays (Commit), cancels (Release), pays too late (Commit rejected as expired) or
// never pays (the TTL releases it).
Result<void> Simulation::place_order(SessionPlan& plan, uint32_t agenda_k, uint32_t sku,
                                     TimeMs now_ms, int64_t& reserved_units, int64_t& lost_units) {
  (void)agenda_k;
  const double u = demand_rng_.uniform();
  const int64_t units = u < 0.87 ? 1 : (u < 0.98 ? 2 : 3);
  double r = demand_rng_.uniform();
  uint32_t region = 0;
  while (region + 1 < kRegions && r >= kBuyerRegionMix[region]) r -= kBuyerRegionMix[region++];
  ++kpis_.orders;
  kpis_.units_demanded += units;
  engine::Reserve reserve;
  reserve.order_id = order_id(next_order_++);
  reserve.channel_id = kChannel;
  reserve.buyer_region = kRegionNames[region];
  reserve.lines.push_back(engine::LineRequest{skus_[sku].gtin, units, std::nullopt});
  reserve.ttl_ms = static_cast<int64_t>(hot_.ttl_minutes) * kMinuteMs;
  auto reply = exec(engine::Command{std::move(reserve)}, now_ms);
  if (!reply) {
    if (reply.error().code != ErrorCode::insufficient_stock) {
      return fail(ErrorCode::invalid_state, "auditor",
                  "unexpected reserve rejection: " + reply.error().to_string());
    }
    lost_units += units;
    kpis_.lost_sales_units += units;
    kpis_.lost_sales_cny += static_cast<double>(units) * skus_[sku].price_cny * (1 - promo_);
    return react(Demand{sku, kNoLocation, units}, now_ms);
  }
  const auto& view = std::get<engine::ReservationView>(*reply);
  LC_ASSERT(view.lines.size() == 1 && view.lines[0].qty_units == units);
  ++kpis_.orders_reserved;
  reserved_units += units;
  QEvent e;
  e.sku = sku;
  e.location = *engine_.state().find_location(view.lines[0].location_id);
  e.region = region;
  e.session = plan.index;
  e.units = units;
  e.id = view.reservation_id;
  const double ttl_min = hot_.ttl_minutes;
  const double fate = pay_rng_.uniform();
  const double pay_rate = hot_.pay_rate;
  if (fate < pay_rate) {
    e.kind = Kind::pay;
    e.time_ms = now_ms + static_cast<TimeMs>(pay_rng_.uniform(0.2, 0.9) * ttl_min * kMinuteMs);
  } else if (fate < pay_rate + (1 - pay_rate) * 0.3) {
    e.kind = Kind::cancel;
    e.time_ms = now_ms + static_cast<TimeMs>(pay_rng_.uniform(0.1, 0.8) * ttl_min * kMinuteMs);
  } else if (fate < pay_rate + (1 - pay_rate) * 0.4) {
    e.kind = Kind::pay_late;  // pays after the TTL: the engine must refuse it
    e.time_ms = now_ms + static_cast<TimeMs>((ttl_min + pay_rng_.uniform(1, 5)) * kMinuteMs);
  } else {
    return react(Demand{sku, e.location, units}, now_ms);  // never pays: the TTL releases it
  }
  push(e);
  return react(Demand{sku, e.location, units}, now_ms);
}

// The policy hears of every order as it happens (the planned policy's trigger).
Result<void> Simulation::react(const Demand& demand, TimeMs now_ms) {
  const EngineStockView view(engine_);
  MoveExecutor sink(*this, now_ms);
  return policy_->react(std::span<const Demand>(&demand, 1), now_ms, view, recalled_, sink);
}

void Simulation::signal_row(const SessionPlan& plan, uint32_t minute, double expected_orders,
                            uint64_t orders, int64_t reserved, int64_t lost, uint32_t stockouts) {
  const double influence =
      plan.streamer_tier == 'S' ? 1.3 : (plan.streamer_tier == 'A' ? 1.0 : 0.8);
  const double conversion = 0.09 * influence * (1 + promo_);
  const double viewers =
      std::round(expected_orders / conversion * 12 * signals_rng_.uniform(0.9, 1.1) + 50);
  const int64_t comments = signals_rng_.poisson(viewers * 0.004);
  const double intent = std::clamp(
      0.15 + 0.5 * static_cast<double>(orders) / std::max(1.0, expected_orders * 2), 0.0, 0.9);
  const int64_t buy_intent = std::llround(static_cast<double>(comments) * intent);
  const double lost_share = static_cast<double>(lost) / std::max<double>(1, reserved + lost);
  const double sentiment =
      std::clamp(0.65 - 0.4 * lost_share + 0.05 * signals_rng_.normal(), 0.0, 1.0);
  const int64_t carts = std::llround(static_cast<double>(orders) * signals_rng_.uniform(1.3, 1.6));
  fmt::format_to(std::back_inserter(history_.signals_csv),
                 "{},{},{:.0f},{},{},{:.3f},{},{},{},{},{}\n", plan.index, minute, viewers,
                 comments, buy_intent, sentiment, carts, orders, reserved, lost, stockouts);
}

// Replenishment every 15 session minutes: the policy's transfers, each a ShipTransfer.
Result<void> Simulation::replenish(TimeMs now_ms) {
  const EngineStockView view(engine_);
  MoveExecutor sink(*this, now_ms);
  return policy_->replenish(view, recalled_, sink);
}

// A receipt adds supply (a production order: when it arrives, lead_time_h later); a
// transfer is shipped now and arrives after an express lead time of 1 h + km / 600 km/h
// (x weather), costing 50 CNY + units x (0.2 + 0.002 x km) and emitting 0.0001 kg CO2e
// per unit-km (policy.hpp).
Result<void> Simulation::apply_move(const Move& move, TimeMs now_ms) {
  LC_ASSERT(move.qty_units > 0);
  if (move.from == kNoLocation && move.lead_time_h > 0) {
    kpis_.emergency_units += move.qty_units;
    QEvent e;
    e.kind = Kind::production_arrive;
    e.sku = static_cast<uint16_t>(move.sku);
    e.location = static_cast<uint8_t>(move.to);
    e.units = move.qty_units;
    e.time_ms = now_ms + static_cast<TimeMs>(move.lead_time_h * static_cast<double>(kHourMs));
    push(e);
    return {};
  }
  if (move.from == kNoLocation) {
    supply_units_[move.sku] += move.qty_units;
    if (stocking_) kpis_.stocked_units += move.qty_units;
    return expect_ok(move_command(move, network_), now_ms);
  }
  auto reply = exec(move_command(move, network_), now_ms);
  if (!reply) {
    return fail(ErrorCode::invalid_state, "auditor",
                "transfer rejected: " + reply.error().to_string());
  }
  const uint32_t km = kDistanceKm[locations_[move.from].region][locations_[move.to].region];
  ++kpis_.transfers;
  kpis_.transfer_units += move.qty_units;
  kpis_.transfer_cost_cny +=
      kTransferFixedCny +
      static_cast<double>(move.qty_units) * (kTransferCnyPerUnit + km * kTransferCnyPerUnitKm);
  kpis_.transfer_co2_kg += static_cast<double>(move.qty_units) * km * kTransferCo2KgPerUnitKm;
  QEvent e;
  e.kind = Kind::transfer_arrive;
  e.sku = move.sku;
  e.units = move.qty_units;
  e.id = std::get<engine::TransferView>(*reply).transfer_id;
  e.time_ms =
      now_ms + static_cast<TimeMs>(transfer_lead_time_h(km) * p("weather_factor") * kHourMs);
  push(e);
  return {};
}

// Factory output each session hour: a share of the forecast, split like demand.
Result<void> Simulation::produce(const SessionPlan& plan, TimeMs now_ms) {
  const double units = plan.forecast_units * p("production_share_per_hour");
  if (units <= 0) return {};
  double weight_sum = 0;
  std::vector<double> weight(plan.agenda.size());
  for (size_t k = 0; k < plan.agenda.size(); ++k) {
    for (double r : plan.rate[k]) weight[k] += r;
    weight_sum += weight[k];
  }
  for (size_t k = 0; k < plan.agenda.size(); ++k) {
    const uint32_t sku = plan.agenda[k];
    const int64_t qty = std::min<int64_t>(
        static_cast<int64_t>(std::floor(units * weight[k] / weight_sum)), engine::kLineQtyMax);
    if (qty <= 0 || recalled_[sku]) continue;
    supply_units_[sku] += qty;
    auto r = expect_ok(engine::ReceiveStock{skus_[sku].gtin, locations_[factory_].id, qty}, now_ms);
    if (!r) return r;
  }
  return {};
}

Result<void> Simulation::write_off(uint32_t sku, uint32_t location, TimeMs now_ms,
                                   const char* reason) {
  const int64_t available = engine_.state().balance_or_zero(sku, location).available_units();
  if (available <= 0) return {};
  const int64_t qty = std::min<int64_t>(available, engine::kLineQtyMax);
  kpis_.written_off_units += qty;
  supply_units_[sku] -= qty;
  return expect_ok(engine::AdjustStock{skus_[sku].gtin, locations_[location].id, -qty, reason},
                   now_ms);
}

// Scenario shocks at a fraction of the first session: quality recall of the top SKU,
// cold-chain excursion of food stock in the south.
Result<void> Simulation::shocks(SessionPlan& plan, uint32_t minute, TimeMs now_ms) {
  if (plan.index != 0) return {};
  const auto at = [&](double fraction) {
    return fraction >= 0 && minute == static_cast<uint32_t>(fraction * plan.duration_min);
  };
  if (at(p("recall_at_fraction"))) {
    const uint32_t sku = plan.agenda[0];
    recalled_[sku] = true;
    for (uint32_t l = 0; l < kReturnsCenter; ++l) {
      auto r = write_off(sku, l, now_ms, "quality_recall");
      if (!r) return r;
    }
    const int64_t back =
        std::llround(static_cast<double>(sold_units_[sku]) * p("recall_return_share"));
    if (back > 0) {
      QEvent e;
      e.kind = Kind::return_arrive;
      e.sku = sku;
      e.units = std::min<int64_t>(back, engine::kLineQtyMax);
      e.reason = quality_recall;
      e.time_ms = now_ms + 72 * kHourMs;
      push(e);
    }
  }
  if (at(p("cold_chain_at_fraction"))) {
    for (uint32_t sku = 0; sku < skus_.size(); ++sku) {
      if (skus_[sku].category != Category::food) continue;
      for (uint32_t l : {3u, 6u}) {  // dc-south, fw-south
        auto r = write_off(sku, l, now_ms, "cold_chain_excursion");
        if (!r) return r;
      }
    }
  }
  return {};
}

Result<void> Simulation::drain_until(TimeMs until_ms) {
  QEvent event;
  while (queue_.pop_before(until_ms, event)) {
    auto handled = handle(event);
    if (!handled) return handled;
  }
  return {};
}

Result<void> Simulation::handle(const QEvent& event) {
  switch (event.kind) {
    case Kind::pay:
      return on_pay(event);
    case Kind::pay_late: {
      auto reply = exec(engine::Commit{event.id, {}}, event.time_ms);
      if (reply || reply.error().code != ErrorCode::reservation_expired) {
        return fail(ErrorCode::invalid_state, "auditor", "late payment was not refused");
      }
      return {};
    }
    case Kind::cancel: {
      ++kpis_.orders_cancelled;
      return expect_ok(engine::Release{event.id}, event.time_ms);
    }
    case Kind::transfer_arrive: {
      const int64_t lost = std::min(
          event.units,
          logistics_rng_.poisson(static_cast<double>(event.units) * 0.001 * hot_.weather_factor));
      supply_units_[event.sku] -= lost;
      return expect_ok(engine::ReceiveTransfer{event.id, event.units - lost}, event.time_ms);
    }
    case Kind::return_arrive:
      return on_return_arrive(event);
    case Kind::grade:
      return on_grade(event);
    case Kind::rework:
      supply_units_[event.sku] += event.units;
      return expect_ok(engine::CompleteRework{event.id, std::nullopt}, event.time_ms);
    case Kind::production_arrive:
      supply_units_[event.sku] += event.units;
      return expect_ok(
          engine::ReceiveStock{skus_[event.sku].gtin, locations_[event.location].id, event.units},
          event.time_ms);
  }
  return {};
}

Result<void> Simulation::on_pay(const QEvent& event) {
  auto reply = exec(engine::Commit{event.id, {}}, event.time_ms);
  if (!reply) {
    return fail(ErrorCode::invalid_state, "auditor",
                "commit within TTL rejected: " + reply.error().to_string());
  }
  const auto& view = std::get<engine::ReservationView>(*reply);
  const int64_t units = view.lines[0].committed_units.value_or(0);
  LC_ASSERT(units == event.units);
  ++kpis_.orders_committed;
  sold_units_[event.sku] += units;
  kpis_.units_sold += units;
  const Sku& sku = skus_[event.sku];
  const double revenue = static_cast<double>(units) * sku.price_cny * (1 - promo_);
  kpis_.gmv_cny += revenue;
  session_units_sold_[event.session] += units;
  session_gmv_cny_[event.session] += revenue;
  kpis_.gross_margin_cny += revenue - static_cast<double>(units) * sku.cost_cny;
  schedule_fulfilment(event, units);
  return {};
}

// Ship time by location kind (+ outage, + re-pick on a picking error), transit by
// distance and carrier lane delay (x weather); returns follow with a reason.
void Simulation::schedule_fulfilment(const QEvent& paid, int64_t units) {
  const Location& from = locations_[paid.location];
  double ship_h = from.kind == engine::LocationKind::dc
                      ? 4 + logistics_rng_.exponential(6)
                      : (from.kind == engine::LocationKind::front_warehouse
                             ? 1 + logistics_rng_.exponential(2)
                             : 0.5 + logistics_rng_.exponential(1));
  if (hot_.outage_region == static_cast<int>(from.region)) {
    ship_h += hot_.outage_delay_hours * logistics_rng_.uniform(0.5, 1.0);
  }
  const bool pick_error = logistics_rng_.chance(hot_.pick_error_rate);
  if (pick_error) ship_h += 24;
  const double weather = hot_.weather_factor;
  const double transit_h = (6 + kDistanceKm[from.region][paid.region] / 60.0) * weather +
                           logistics_rng_.exponential(3 * kLaneDelayRate[paid.region]) * weather;
  const double fulfil_h = ship_h + transit_h;
  fulfilment_hours_[paid.region].push_back(static_cast<float>(fulfil_h));
  if (ship_h > hot_.sla_hours) ++kpis_.sla_breaches;
  const Sku& sku = skus_[paid.sku];
  const bool returned = pick_error || returns_rng_.chance(sku.return_rate);
  if (!returned) return;
  QEvent e;
  e.kind = Kind::return_arrive;
  e.sku = paid.sku;
  e.units = units;
  e.id = paid.id;
  if (pick_error) {
    e.reason = wrong_item;
  } else if (sku.category == Category::apparel && returns_rng_.chance(0.5)) {
    e.reason = size_fit;
  } else {
    e.reason = static_cast<uint8_t>(returns_rng_.below(5));
  }
  e.time_ms = paid.time_ms + static_cast<TimeMs>((fulfil_h + returns_rng_.uniform(48, 240)) *
                                                 static_cast<double>(kHourMs));
  push(e);
}

Result<void> Simulation::on_return_arrive(const QEvent& event) {
  const std::optional<std::string> order =
      event.id ? std::optional<std::string>(fmt::format("res-{}", event.id)) : std::nullopt;
  auto reply = exec(engine::ReceiveReturn{skus_[event.sku].gtin, locations_[kReturnsCenter].id,
                                          event.units, kReturnReasons[event.reason], order},
                    event.time_ms);
  if (!reply) {
    return fail(ErrorCode::invalid_state, "auditor",
                "return rejected: " + reply.error().to_string());
  }
  const uint64_t return_id = std::get<engine::ReturnView>(*reply).return_id;
  ++kpis_.returns;
  kpis_.returned_units += event.units;
  returned_units_[event.sku] += event.units;
  return_received_ms_.push_back(event.time_ms);
  return_order_.push_back(event.id);
  return_reason_.push_back(event.reason);
  LC_ASSERT(return_received_ms_.size() == return_id);
  QEvent g = event;
  g.kind = Kind::grade;
  g.id = return_id;
  g.time_ms = event.time_ms + static_cast<TimeMs>((12 + returns_rng_.exponential(24)) *
                                                  static_cast<double>(kHourMs));
  push(g);
  return {};
}

Result<void> Simulation::on_grade(const QEvent& event) {
  const Sku& sku = skus_[event.sku];
  engine::ReturnGrade grade = engine::ReturnGrade::restock;
  const double u = returns_rng_.uniform();
  if (sku.category == Category::food || event.reason == quality_recall ||
      (event.reason == quality && u < 0.6) || u < 0.15) {
    grade = engine::ReturnGrade::scrap;
  } else if (u < 0.30) {
    grade = engine::ReturnGrade::rework;
  }
  auto graded = expect_ok(engine::GradeReturn{event.id, grade, std::nullopt}, event.time_ms);
  if (!graded) return graded;
  const TimeMs received_ms = return_received_ms_[event.id - 1];
  return_hours_.push_back(static_cast<float>(event.time_ms - received_ms) / kHourMs);
  fmt::format_to(std::back_inserter(history_.returns_csv), "{},{},{},{},{},{},{},{},{}\n", event.id,
                 return_order_[event.id - 1], sku.gtin,
                 kCategoryInfo[static_cast<size_t>(sku.category)].name,
                 kReturnReasons[event.reason], event.units, received_ms, event.time_ms,
                 engine::return_grade_name(grade));
  if (grade == engine::ReturnGrade::scrap) kpis_.written_off_units += event.units;
  if (grade == engine::ReturnGrade::restock) supply_units_[event.sku] += event.units;
  if (grade == engine::ReturnGrade::rework) {
    QEvent r = event;
    r.kind = Kind::rework;
    r.time_ms = event.time_ms + 48 * kHourMs;
    push(r);
  }
  return {};
}

Result<void> Simulation::finish(RunResult& result) {
  const auto& state = engine_.state();
  auto expired =
      expect_ok(engine::ExpireDue{}, std::max(state.now_ms(), engine_.state().now_ms()) + kDayMs);
  if (!expired) return expired;
  kpis_.orders_expired_unpaid =
      kpis_.orders_reserved - kpis_.orders_committed - kpis_.orders_cancelled;
  kpis_.fill_rate = kpis_.units_demanded > 0 ? 1.0 - static_cast<double>(kpis_.lost_sales_units) /
                                                         static_cast<double>(kpis_.units_demanded)
                                             : 1.0;
  std::vector<float> all_hours;
  for (uint32_t r = 0; r < kRegions; ++r) {
    all_hours.insert(all_hours.end(), fulfilment_hours_[r].begin(), fulfilment_hours_[r].end());
    kpis_.fulfilment_hours_p50_by_region[r] = quantile(fulfilment_hours_[r], 0.50);
    kpis_.fulfilment_hours_p95_by_region[r] = quantile(fulfilment_hours_[r], 0.95);
    std::vector<float>().swap(fulfilment_hours_[r]);
  }
  kpis_.fulfilment_hours_p50 = quantile(all_hours, 0.50);
  kpis_.fulfilment_hours_p95 = quantile(all_hours, 0.95);
  kpis_.return_processing_hours_p50 = quantile(return_hours_, 0.50);
  kpis_.return_processing_hours_p95 = quantile(return_hours_, 0.95);
  for (uint32_t sku = 0; sku < skus_.size(); ++sku) {
    SkuUnits u;
    u.gtin = skus_[sku].gtin;
    u.returned_units = returned_units_[sku];
    for (const auto& ref : state.balance_refs_of_sku(sku)) {
      const engine::Balance& b = state.balance_at(ref.balance_index);
      u.received_units += b.received_units;
      u.adjusted_units += b.adjusted_units;
      u.on_hand_units += b.on_hand_units;
      u.reserved_units += b.reserved_units;
      u.in_transit_units += b.in_transit_units;
      u.quarantine_units += b.quarantine_units;
      u.rework_units += b.rework_units;
      u.sold_units += b.sold_units;
      u.scrapped_units += b.scrapped_units;
      u.lost_in_transit_units += b.lost_in_transit_units;
      if (state.locations()[ref.location].kind != engine::LocationKind::returns_center) {
        kpis_.end_overstock_units += b.on_hand_units;
        kpis_.end_overstock_value_cny += static_cast<double>(b.on_hand_units) * skus_[sku].cost_cny;
      }
    }
    // Auditor: the engine's sales equal the model's, and nothing sold beyond supply.
    if (u.sold_units != sold_units_[sku]) {
      return fail(ErrorCode::invalid_state, "auditor",
                  fmt::format("sku {}: engine sold {} units, model {}", u.gtin, u.sold_units,
                              sold_units_[sku]));
    }
    kpis_.oversold_units += std::max<int64_t>(0, sold_units_[sku] - supply_units_[sku]);
    result.sku_units.push_back(std::move(u));
  }
  return {};
}

Result<RunResult> Simulation::run() {
  promo_ = p("promo_depth");
  hot_ = HotParams{p("ttl_minutes"),
                   p("pay_rate"),
                   p("weather_factor"),
                   p("pick_error_rate"),
                   p("sla_hours"),
                   p("outage_delay_hours"),
                   static_cast<int>(p("outage_region"))};
  auto brand = build_brand();
  if (!brand) return std::unexpected(brand.error());
  auto network = build_network();
  if (!network) return std::unexpected(network.error());
  const uint32_t sessions = static_cast<uint32_t>(p("sessions"));
  for (uint32_t i = 0; i < sessions; ++i) {
    SessionPlan plan = plan_session(scenario_, seed_, i, static_cast<uint32_t>(skus_.size()));
    session_units_sold_.push_back(0);
    session_gmv_cny_.push_back(0);
    auto ran = run_session(plan);
    if (!ran) return std::unexpected(ran.error());
  }
  auto drained = drain_until(std::numeric_limits<TimeMs>::max());
  if (!drained) return std::unexpected(drained.error());
  RunResult result;
  auto finished = finish(result);
  if (!finished) return std::unexpected(finished.error());
  history_.sessions_csv =
      "session_id,scenario,tier,host,streamer_tier,start_ms,duration_min,agenda_skus,"
      "planned_units,forecast_units,views,orders,units_sold,gmv_cny,lost_units\n";
  for (const auto& s : sessions_) {
    fmt::format_to(std::back_inserter(history_.sessions_csv),
                   "{},{},{},{},{},{},{},{},{:.0f},{:.0f},{:.0f},{},{},{:.2f},{}\n", s.index,
                   scenario_.id, static_cast<int>(p("tier")), s.host, s.streamer_tier, s.start_ms,
                   s.duration_min, s.agenda.size(), s.planned_units, s.forecast_units, s.views,
                   s.orders, session_units_sold_[s.index], session_gmv_cny_[s.index], s.lost_units);
  }
  result.kpis = kpis_;
  result.history = std::move(history_);
  return result;
}

}  // namespace

Result<RunResult> run(const RunConfig& config) {
  const Scenario& s = config.scenario;
  if (s.param("outage_region") >= 0 && s.param("outage_delay_hours") <= 0) {
    return fail(ErrorCode::invalid_argument, "param.outage_delay_hours",
                "an outage region needs outage_delay_hours > 0");
  }
  if (s.param("duration_minutes") > 0 && s.param("duration_minutes") < 30) {
    return fail(ErrorCode::invalid_argument, "param.duration_minutes",
                "a fixed session length must be 0 (drawn) or 30–480 minutes");
  }
  if (s.param("tier") >= 2 && s.param("peak_orders_per_min") <= 0) {
    return fail(ErrorCode::invalid_argument, "param.peak_orders_per_min",
                "a mega session needs a peak");
  }
  Simulation simulation(config);
  return simulation.run();
}

}  // namespace livechain::twin
