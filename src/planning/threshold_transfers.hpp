// src/planning/threshold_transfers.hpp — transfers triggered by a dynamic safety
// threshold (spec §5; issue 18 §3; docs/planning.md "Triggered by the ledger").
//
// Each SKU × selling location in a planned session (session_records.hpp) gets a
// threshold: the session's forecast P90 demand rate at that location over the
// replenishment lead time from the nearest other location. When a write leaves a
// location's available plus in-transit stock under its threshold, the server builds a
// transfer problem from the ledger (sites: the SKU's selling locations; lanes: every
// pair whose regions have a known distance, priced by LaneCostModel), solves it
// exactly (transfers.hpp) and either proposes the moves (an alert) or ships them.
// Reading the ledger happens on the engine thread and must stay cheap; solving happens
// elsewhere.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/commands.hpp"
#include "engine/state.hpp"
#include "planning/transfers.hpp"

namespace livechain::planning {

// Per-unit lane figures from road distance (documented defaults, docs/planning.md).
struct LaneCostModel {
  double cost_per_unit_base = 1.0;      // handling per unit moved (currency)
  double cost_per_unit_per_km = 0.002;  // currency per unit-km
  double lead_time_h_base = 2.0;        // picking and loading
  double speed_kmh = 60.0;              // road average
  double co2_kg_per_unit_km = 0.0002;   // parcel by road
  double same_region_km = 10.0;         // two locations of one region

  bool operator==(const LaneCostModel&) const = default;
};

enum class TransferMode : uint8_t { off, propose, ship };
std::string_view transfer_mode_name(TransferMode mode);

struct ThresholdTransferConfig {
  TransferMode mode = TransferMode::propose;
  TransferWeights weights{1.0, 0.05, 1.0};
  double unmet_penalty = 1000.0;
  LaneCostModel lanes;
  TimeMs cooldown_ms = 60'000;           // per SKU, between two decisions
  TimeMs lookahead_ms = 24 * 3'600'000;  // sessions starting within this count already

  bool operator==(const ThresholdTransferConfig&) const = default;
};

// Errors: invalid_argument naming the field ("transfers.cooldown_ms", …).
Result<void> validate_threshold_config(const ThresholdTransferConfig& config);
// The "transfers" object of the serve config; absent members keep `defaults`.
Result<ThresholdTransferConfig> threshold_config_from_json(const boost::json::value& value,
                                                           const ThresholdTransferConfig& defaults);

struct LocationThreshold {
  std::string gtin;
  std::string location_id;
  int64_t threshold_units = 0;
  double rate_units_per_h = 0;  // the P90 demand rate at the location, all sessions
  double lead_time_h = 0;       // from the nearest other selling location
};

// The thresholds at `now_ms` from the planned sessions whose window [start −
// lookahead, start + duration] holds now: rate = the SKU's P90 × the location's share
// of the plan's target ÷ the session's hours; threshold = ⌈Σ over sessions of
// min(the location's planned target, rate × lead time)⌉. Sorted by (gtin, location). Records that
// do not parse are skipped (the plan view reports them). Cost: O(planned SKU × location pairs).
std::vector<LocationThreshold> session_thresholds(const engine::LedgerState& state,
                                                  const ThresholdTransferConfig& config,
                                                  TimeMs now_ms);

// A SKU whose stock fell under a threshold, with the instance to solve.
struct TransferTrigger {
  std::string gtin;
  std::vector<std::string> below;  // locations under their threshold
  TransferProblem problem;
  // Sites of kind "in_transit" (id "transfer:<id>"): site index → the transfer's id. A
  // move from one is a re-route of that many of its units.
  std::map<size_t, uint64_t> transfer_by_site;
};

// The SKUs (skipping those `skip` names) with a location whose available + in-transit
// units are under its threshold, each with its transfer problem: sites are the SKU's
// selling locations with stock = available + in transit and target = the threshold (a
// DC without one: 0, all of it spare; a store without one: its stock, neither giving
// nor taking); lanes join every spare site to every needy one whose regions have a
// known distance. In-transit stock can be re-routed: each transfer of the SKU still in
// transit to a site with spare units becomes a site of kind "in_transit" ("transfer:<id>",
// stock = the part of that spare it carries, taken off its destination's stock) whose
// lanes are priced from the transfer's origin (where a moving truck is, the ledger does
// not know). `thresholds` sorted as session_thresholds returns them.
std::vector<TransferTrigger> find_transfer_triggers(
    const engine::LedgerState& state, const std::vector<LocationThreshold>& thresholds,
    const ThresholdTransferConfig& config, const std::function<bool(const std::string&)>& skip);

// What to submit for a solved trigger, decided by `actor` at `now_ms`: the decision
// record (plan_decision "transfers/<gtin>": inputs, plan, nearest-DC baseline), then in
// ship mode one ShipTransfer per move, in propose mode a yellow "transfer_proposed"
// alert on the SKU whose action lists the moves (the largest first, as many as fit).
std::vector<engine::Command> threshold_decision_commands(const TransferTrigger& trigger,
                                                         const TransferPlan& plan,
                                                         const TransferPlan& baseline,
                                                         const ThresholdTransferConfig& config,
                                                         TimeMs now_ms, std::string_view actor);

}  // namespace livechain::planning
