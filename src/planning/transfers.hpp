// src/planning/transfers.hpp — threshold-triggered transfers (issue 18 §3).
//
// One instance: sites with stock and a target, lanes between them with a per-unit cost,
// lead time and CO2, and weights. need = max(0, target − stock), spare = max(0, stock −
// target). The plan moves integer quantities along the given lanes only, within each
// lane's capacity; a site sends at most its spare and receives at most its need (no
// transshipment). It minimises
//   Σ qty·(w_cost·cost_per_unit + w_lead·lead_time_h + w_co2·co2_kg_per_unit)
//   + unmet_penalty·unmet,   unmet = Σ need − Σ qty received.
// Solved exactly as a min-cost flow with LEMON's network simplex; a nearest-DC-only
// baseline (each need served only from its nearest DC by lead time) is the comparison.
// docs/planning.md "Threshold-triggered transfers" states the model, the integer
// rounding of costs and its bound; docs/limits.md the limits below.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace livechain::planning {

// ---- limits (checked by parse_transfer_problem and solve_transfers, errors name the
// field; docs/limits.md "Planning") ----
inline constexpr size_t kTransferSitesMax = 20'000;
inline constexpr size_t kTransferLanesMax = 200'000;
// stock, target and lane capacity, in units.
inline constexpr int64_t kTransferQtyMax = 1'000'000'000;
// cost_per_unit, lead_time_h, co2_kg_per_unit, each weight, unmet_penalty, and the
// weighted per-unit cost of one lane: keeps the scaled integer costs (× kTransferCostScale
// ≤ 10^12) and the solver's potentials (≤ nodes × 10^12) far inside int64.
inline constexpr double kTransferCostMax = 1'000'000.0;
// Weighted per-unit costs are rounded to multiples of 1 / kTransferCostScale for the
// integer solver; objective, cost and CO2 are then recomputed from the original values.
inline constexpr double kTransferCostScale = 1'000'000.0;
// A problem, lanes or targets file read by the CLI.
inline constexpr size_t kTransferFileBytesMax = 64u << 20;

struct TransferSite {
  std::string id;
  // "dc", "store", "front_warehouse", "factory", "returns_center" or "in_transit" (a
  // shipment on its way that may be re-routed: its units are its stock, target 0).
  std::string kind;
  int64_t stock_units = 0;
  int64_t target_units = 0;

  int64_t need_units() const { return target_units > stock_units ? target_units - stock_units : 0; }
  int64_t spare_units() const {
    return stock_units > target_units ? stock_units - target_units : 0;
  }
};

struct TransferLane {
  size_t from = 0;  // index into TransferProblem::sites
  size_t to = 0;
  double cost_per_unit = 0;
  double lead_time_h = 0;
  double co2_kg_per_unit = 0;
  std::optional<int64_t> capacity_units;  // none: unlimited
};

struct TransferWeights {
  double cost = 1.0;
  double lead_time_h = 0.0;
  double co2_kg = 0.0;
};

struct TransferProblem {
  std::vector<TransferSite> sites;  // ids unique
  std::vector<TransferLane> lanes;  // (from, to) unique, from ≠ to
  TransferWeights weights;
  double unmet_penalty = 0;  // per unit of need left unmet; > 0
};

struct TransferMove {
  size_t lane = 0;  // index into TransferProblem::lanes
  int64_t qty_units = 0;
};

struct TransferUnmet {
  size_t site = 0;
  int64_t qty_units = 0;
};

// A plan and its figures, all in the original (unrounded) units.
struct TransferPlan {
  std::vector<TransferMove> moves;  // qty > 0, in lane order
  int64_t unmet_units = 0;
  std::vector<TransferUnmet> unmet_by_site;  // sites with unmet > 0, in site order
  double objective = 0;                      // the weighted objective above
  double cost = 0;                           // Σ qty·cost_per_unit
  double co2_kg = 0;                         // Σ qty·co2_kg_per_unit
  double qty_lead_time_h = 0;                // Σ qty·lead_time_h (unit-hours)
  int64_t moved_units = 0;
};

// cost_scaling and cycle_canceling are left out: LEMON 1.3.1's StaticDigraph maps, which
// they use, call std::allocator::construct, removed in C++20.
enum class TransferAlgorithm { network_simplex, capacity_scaling };

// Checks a problem built in code against the model's rules and limits (the JSON parser
// calls it too). Errors: invalid_argument / limit_exceeded naming the field, e.g.
// "lanes[3].to", "sites[2].stock", "weights.co2_kg", "unmet_penalty".
Result<void> validate_transfer_problem(const TransferProblem& problem);
// Its first step, the sites alone (ids valid and unique, kinds known, quantities in
// range): parsers run it before resolving lanes against the ids.
Result<void> validate_transfer_sites(const std::vector<TransferSite>& sites);

// Solves `problem` exactly (min-cost flow: source → spare sites → lanes → need sites →
// sink, plus a source → sink arc at unmet_penalty, so every instance is feasible and an
// unserved need is reported as unmet instead of failing). network_simplex is the
// production solver; capacity_scaling (successive shortest paths) is an independent
// LEMON solver for benchmarks and tests. The returned objective is exact for the returned plan; the
// plan is optimal to within 10^-6 × Σ need (docs/planning.md: cost rounding).
// Errors: what validate_transfer_problem returns; invalid_state (field "solver") if the
// solver reports anything but optimal, which the construction rules out.
// Thread-safe: no shared state.
Result<TransferPlan> solve_transfers(
    const TransferProblem& problem,
    TransferAlgorithm algorithm = TransferAlgorithm::network_simplex);

// The nearest-DC-only baseline: sites are visited in input order; each site with need
// is served only along its lane from the nearest site of kind "dc" (least lead_time_h,
// then least cost_per_unit, then lane order) that has a lane to it, up to that DC's
// remaining spare and the lane's capacity; the rest is unmet. Figures in the same units
// as solve_transfers. REQUIRES: validate_transfer_problem(problem) succeeded.
TransferPlan nearest_dc_baseline(const TransferProblem& problem);

// The weighted objective, cost, CO2 and unit-hours of `moves` with `unmet_units` left
// unmet, from the original values (what both solvers report).
// REQUIRES: every move's lane is an index into problem.lanes.
void score_transfer_plan(const TransferProblem& problem, TransferPlan& plan);

// ---- JSON (the CLI's file format, docs/planning.md) ----

// Parses and validates {"sites": [{"id", "kind", "stock", "target"}], "lanes": [{"from",
// "to", "cost_per_unit", "lead_time_h", "co2_kg_per_unit", "capacity"?}], "weights":
// {"cost", "lead_time_h", "co2_kg"}, "unmet_penalty"}. Unknown keys are rejected.
// Errors: invalid_argument / limit_exceeded naming the field ("lanes[3].to: unknown
// site 'X'", "sites[1].id: duplicate site id", "sites[0].stock: must be ≥ 0", …).
Result<TransferProblem> parse_transfer_problem(const boost::json::value& json);
// The same from text. Errors: invalid_argument (field "problem") when it is not JSON.
Result<TransferProblem> parse_transfer_problem_text(std::string_view text);

// Parses the lanes array alone (same shape and checks as "lanes" above), resolving
// site ids against `sites`; `field` prefixes error fields ("lanes").
Result<std::vector<TransferLane>> parse_transfer_lanes(const boost::json::value& json,
                                                       const std::vector<TransferSite>& sites,
                                                       std::string_view field);

// {"moves": [{"from", "to", "qty"}], "objective", "unmet", "cost", "co2_kg",
//  "qty_lead_time_h", "moved", "unmet_by_site": [{"site", "qty"}]}.
boost::json::object transfer_plan_json(const TransferProblem& problem, const TransferPlan& plan);

// ---- seeded instances (benchmark and tests) ----

struct TransferInstanceShape {
  size_t dcs = 12;
  size_t stores = 300;
  size_t store_neighbours = 32;  // store → store lanes per store, to its nearest stores
  uint64_t seed = 1;
};
// Sites on a 1,000 km square; lanes DC → every store and store → its nearest
// `store_neighbours` stores; cost, lead time and CO2 grow with distance (vans between
// stores emit more per unit-km than DC trucks). Deterministic in `shape`.
TransferProblem generate_transfer_instance(const TransferInstanceShape& shape);

}  // namespace livechain::planning
