// src/twin/policy.hpp — internal: pluggable stocking and replenishment policies.
//
// A policy decides where stock goes (spec §3 session-tier stocking, §5 transfers); the
// simulator (or the demo) turns each decision into an engine command (ReceiveStock or
// ShipTransfer) and owns the physics: lead times, losses, costs. A policy never sees
// the engine: it reads stock through StockView and answers with Moves, so the same
// policy drives the in-process twin and the durable demo. One policy object per run:
// policies may keep state (targets) between calls. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
#include "twin/model.hpp"

namespace livechain::twin {

inline constexpr uint32_t kNoLocation = UINT32_MAX;

// One stock decision. from == kNoLocation: new supply received at `to` (ReceiveStock);
// otherwise a transfer from `from` to `to` (ShipTransfer). Indexes are into the
// network's skus and locations. A receipt with lead_time_h > 0 is a production order:
// the units are received at `to` that many hours later.
struct Move {
  uint32_t sku = 0;
  uint32_t from = kNoLocation;
  uint32_t to = 0;
  int64_t qty_units = 0;   // > 0, <= engine::kLineQtyMax
  double lead_time_h = 0;  // receipts only; transfers take the lane's lead time
};

// One buyer order as a policy hears of it: `units` of `sku` reserved at `location`, or
// turned away (location == kNoLocation: a lost sale).
struct Demand {
  uint32_t sku = 0;
  uint32_t location = kNoLocation;
  int64_t units = 0;
};

// Read-only stock, by the network's indexes.
class StockView {
 public:
  virtual ~StockView() = default;
  // Available (on hand − reserved) units; 0 when the balance does not exist.
  virtual int64_t available_units(uint32_t sku, uint32_t location) const = 0;
};

// The brand and network a policy plans for; outlives the policy.
struct Network {
  const std::vector<Sku>* skus = nullptr;
  const std::vector<Location>* locations = nullptr;
  uint32_t factory = 0;  // location index of the factory
};

// The planner's view of the next session.
struct SessionForecast {
  int tier = 0;                  // 0 daily, 1 themed, 2 mega
  double forecast_units = 0;     // whole session
  std::vector<uint32_t> agenda;  // sku indexes
  std::vector<double> weight;    // per agenda entry: share of demand (unnormalised)
  double coverage = 1;           // scenario parameter: stock = forecast × coverage
  double factory_share = 0;      // scenario parameter: factory buffer, share of forecast
  // What the planner knows ahead of the session besides the totals above (the planned
  // policy reads them; baseline and pre-position do not).
  TimeMs start_ms = 0;
  // Per agenda entry: the forecast's expected units per session minute (the planner's
  // demand curve scaled to forecast_units); sums to forecast_units over all entries.
  std::vector<std::vector<double>> units_per_min;
  double forecast_error_sd = 0;    // log-sd of the forecast error (P90 = P50·e^(1.2816·sd))
  double factory_lead_time_h = 0;  // emergency production: order to units at the factory
  double transit_time_factor = 1;  // multiplies lane lead times (the weather forecast)
};

// Where a policy's moves go. The simulator executes each one on the engine at once, so
// a StockView read after a move sees it; the demo applies it to its snapshot and sends
// the command. Errors stop the policy and are returned by it unchanged.
class MoveSink {
 public:
  virtual ~MoveSink() = default;
  virtual Result<void> move(const Move& move) = 0;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string_view name() const = 0;
  // Before a session: receipts (from == kNoLocation) topping locations up to the
  // policy's targets. Errors: whatever the sink returns.
  virtual Result<void> stock(const SessionForecast& forecast, const StockView& view,
                             MoveSink& sink) = 0;
  // Every 15 session minutes: transfers (from != kNoLocation) of at most the units
  // available at `from` (as `view` shows them after earlier moves). Skips SKUs with
  // `off_sale[sku]`. Errors: whatever the sink returns.
  virtual Result<void> replenish(const StockView& view, const std::vector<bool>& off_sale,
                                 MoveSink& sink) = 0;
  // After buyer orders at `now_ms` (within the session last stocked): transfers and
  // production orders in answer to them. The twin calls it after every order, the demo
  // once per minute with the minute's orders. Default: nothing. Errors: the sink's.
  // Whether react() does anything (the demo skips the per-minute stock read otherwise).
  virtual bool reacts() const { return false; }
  virtual Result<void> react(std::span<const Demand> demand, TimeMs now_ms, const StockView& view,
                             const std::vector<bool>& off_sale, MoveSink& sink) {
    (void)demand, (void)now_ms, (void)view, (void)off_sale, (void)sink;
    return {};
  }
};

// The baseline policy's stock target per location (network index; 0 where it places
// nothing) for agenda entry `k` of `f`: DCs, front warehouses and stores, the factory
// buffer. Its receipts top each location up to ceil(target).
std::vector<double> baseline_targets(const SessionForecast& f, size_t k, const Network& network);

// Transfer lanes (docs/twin.md): express lead time, cost and CO2 by road distance.
// The simulator charges them; the planned policy plans with their per-unit parts.
inline constexpr double kTransferFixedCny = 50;     // per shipment
inline constexpr double kTransferCnyPerUnit = 0.2;  // handling
inline constexpr double kTransferCnyPerUnitKm = 0.002;
// Assumed, not measured: 1 kg shipped weight per unit at 0.1 kg CO2e per tonne-km
// (a typical road-freight figure), i.e. 0.0001 kg per unit-km.
inline constexpr double kTransferCo2KgPerUnitKm = 0.0001;
inline double transfer_lead_time_h(uint32_t km) {
  return 1.0 + km / 600.0;
}

// Policy ids, in documentation order (docs/twin.md).
std::vector<std::string> policy_ids();
// A fresh policy for one run over `network`. Errors: not_found (field "policy") naming
// the known ids.
Result<std::unique_ptr<Policy>> make_policy(std::string_view id, const Network& network);

// The engine command for a move.
engine::Command move_command(const Move& move, const Network& network);

}  // namespace livechain::twin
