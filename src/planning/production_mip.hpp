// src/planning/production_mip.hpp — internal to src/planning: the CBC model shared by
// solve_production and the failover passes (production_model.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "planning/production.hpp"

namespace livechain::planning {

// Units of one order to place on days first_day … last_day.
struct ProductionDemand {
  size_t order = 0;  // index into the problem's orders (product, due day, penalty)
  int64_t qty_units = 0;
  int64_t first_day = 0;
  int64_t last_day = 0;
};

struct ProductionMipInput {
  std::vector<ProductionDemand> demands;
  // capacity_units[f][d]: what factory f may still make on day d (0 when stopped).
  std::vector<std::vector<int64_t>> capacity_units;
  // setup_paid[o][f]: order o already uses factory f, so no setup cost is due again.
  std::vector<std::vector<bool>> setup_paid;
  // A feasible plan CBC starts from (its first incumbent): start[k] are demand k's
  // placements. Empty: the plan that makes nothing (every unit unmet).
  std::vector<std::vector<ProductionAssignment>> start;
};

struct ProductionMipResult {
  // placed[k]: (factory, day, qty) of demand k, qty > 0, by factory then day.
  std::vector<std::vector<ProductionAssignment>> placed;
  ProductionStatus status = ProductionStatus::optimal;  // optimal, feasible or (no plan)
  bool has_plan = true;  // false: the time limit hit before CBC found a plan
  std::optional<double> best_bound;
  double solve_s = 0;
  size_t variables = 0;
  size_t constraints = 0;
};

// The columns the model of `input` would have (x, z and unmet), without building it.
size_t production_mip_columns(const ProductionProblem& problem, const ProductionMipInput& input);

// Builds and solves the MIP of production.hpp for `input` with CBC. Errors:
// limit_exceeded naming "variables"; invalid_state naming "solver" when CBC reports the
// model infeasible (it never is: unmet = qty is a plan). REQUIRES: problem validated,
// every demand's days inside the horizon and capacity_units sized factories × horizon.
Result<ProductionMipResult> solve_production_mip(const ProductionProblem& problem,
                                                 const ProductionMipInput& input,
                                                 const ProductionSolveOptions& options);

// Capacity of every factory-day: effective_units_per_day, 0 for stopped factories.
std::vector<std::vector<int64_t>> production_capacity_units(const ProductionProblem& problem);

}  // namespace livechain::planning
