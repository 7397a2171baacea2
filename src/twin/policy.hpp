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
// network's skus and locations.
struct Move {
  uint32_t sku = 0;
  uint32_t from = kNoLocation;
  uint32_t to = 0;
  int64_t qty_units = 0;  // > 0, <= engine::kLineQtyMax
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
};

// Policy ids, in documentation order (docs/twin.md).
std::vector<std::string> policy_ids();
// A fresh policy for one run over `network`. Errors: not_found (field "policy") naming
// the known ids.
Result<std::unique_ptr<Policy>> make_policy(std::string_view id, const Network& network);

// The engine command for a move.
engine::Command move_command(const Move& move, const Network& network);

}  // namespace livechain::twin
