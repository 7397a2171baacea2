// Flexible production as a mixed-integer programme solved with COIN-OR CBC
// (production.hpp; docs/planning.md "Flexible production").
//
// Columns: x[k,f,d] (integer units of demand k made by factory f on day d, for running
// factories that make the product and days in the demand's window with capacity left),
// unmet[k] (integer, 0 … qty), z[o,f] (binary: order o uses factory f; only when the
// factory has a setup cost not already paid). Rows: Σ x[k,·,·] + unmet[k] = qty[k];
// Σ x[·,f,d] ≤ capacity[f,d]; Σ_d x[k,f,d] − min(qty[k], Σ_d capacity[f,d])·z[o,f] ≤ 0.
// CBC runs through CbcMain1 (its standard cuts, heuristics and preprocessing) with a
// wall-clock limit, starting from the caller's plan (MIP start) so it always has an
// incumbent; its status decides ProductionStatus, never a guess.
#include <fmt/format.h>
#include <coin/CbcModel.hpp>
#include <coin/CbcSolver.hpp>
#include <coin/CoinError.hpp>
#include <coin/CoinPackedMatrix.hpp>
#include <coin/OsiClpSolverInterface.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>
#include <new>
#include <string>
#include <tuple>

#include "core/assert.hpp"
#include "planning/production_mip.hpp"

namespace livechain::planning {

namespace {

// Calls visit(k, f, d) for every x column of `input`, in column order.
template <class Visit>
void production_each_x(const ProductionProblem& problem, const ProductionMipInput& input,
                       Visit&& visit) {
  for (size_t k = 0; k < input.demands.size(); ++k) {
    const ProductionDemand& demand = input.demands[k];
    const ProductionOrder& order = problem.orders[demand.order];
    for (size_t f = 0; f < problem.factories.size(); ++f) {
      if (!problem.factories[f].makes(order.product)) continue;
      for (int64_t d = demand.first_day; d <= demand.last_day; ++d) {
        if (input.capacity_units[f][static_cast<size_t>(d)] > 0) visit(k, f, d);
      }
    }
  }
}

bool production_needs_setup(const ProductionProblem& problem, const ProductionMipInput& input,
                            size_t order, size_t factory) {
  return problem.factories[factory].setup_cost > 0 && !input.setup_paid[order][factory];
}

struct ProductionColumns {
  std::vector<double> lower, upper, cost;
  void add(double lo, double up, double c) {
    lower.push_back(lo);
    upper.push_back(up);
    cost.push_back(c);
  }
};

struct ProductionRows {
  std::vector<int> row, column;
  std::vector<double> element, lower, upper;
  int add_row(double lo, double up) {
    lower.push_back(lo);
    upper.push_back(up);
    return static_cast<int>(lower.size() - 1);
  }
  void set(int r, size_t c, double value) {
    row.push_back(r);
    column.push_back(static_cast<int>(c));
    element.push_back(value);
  }
};

struct ProductionXColumn {
  size_t demand = 0, factory = 0;
  int64_t day = 0;
};

// The model of `input`: columns, rows, and which x each x column is.
struct ProductionModel {
  ProductionColumns columns;
  ProductionRows rows;
  std::vector<ProductionXColumn> x;  // x columns come first, then unmet, then z
  std::map<std::pair<size_t, size_t>, size_t> setup_columns;  // (order, f) → z column
};

std::string production_column_name(size_t column) {
  return fmt::format("c{}", column);
}

// The start plan of `input` as (column name, value) for every column.
std::vector<std::pair<std::string, double>> production_start(const ProductionModel& model,
                                                             const ProductionMipInput& input) {
  std::map<std::tuple<size_t, size_t, int64_t>, int64_t> planned;  // (k, f, d) → qty
  for (size_t k = 0; k < input.start.size(); ++k) {
    for (const ProductionAssignment& a : input.start[k])
      planned[{k, a.factory, a.day}] += a.qty_units;
  }
  std::vector<double> value(model.columns.cost.size(), 0.0);
  std::vector<int64_t> made(input.demands.size(), 0);
  for (size_t column = 0; column < model.x.size(); ++column) {
    const ProductionXColumn& x = model.x[column];
    auto found = planned.find({x.demand, x.factory, x.day});
    if (found == planned.end() || found->second == 0) continue;
    value[column] = static_cast<double>(found->second);
    made[x.demand] += found->second;
    auto setup = model.setup_columns.find({input.demands[x.demand].order, x.factory});
    if (setup != model.setup_columns.end()) value[setup->second] = 1;
  }
  for (size_t k = 0; k < input.demands.size(); ++k) {
    LC_ASSERT(made[k] <= input.demands[k].qty_units);
    value[model.x.size() + k] = static_cast<double>(input.demands[k].qty_units - made[k]);
  }
  std::vector<std::pair<std::string, double>> start;
  start.reserve(value.size());
  for (size_t column = 0; column < value.size(); ++column) {
    start.emplace_back(production_column_name(column), value[column]);
  }
  return start;
}

void build_production_model(const ProductionProblem& problem, const ProductionMipInput& input,
                            ProductionModel& model) {
  const double holding = problem.holding_cost_per_unit_day;
  std::map<std::pair<size_t, int64_t>, int> capacity_rows;  // (f, d) → row
  std::map<std::pair<size_t, size_t>, size_t>& setup_columns = model.setup_columns;
  std::vector<int> demand_rows(input.demands.size());
  for (size_t k = 0; k < input.demands.size(); ++k) {
    double qty = static_cast<double>(input.demands[k].qty_units);
    demand_rows[k] = model.rows.add_row(qty, qty);
  }
  production_each_x(problem, input, [&](size_t k, size_t f, int64_t d) {
    const ProductionOrder& order = problem.orders[input.demands[k].order];
    int64_t cap = input.capacity_units[f][static_cast<size_t>(d)];
    double bound = static_cast<double>(std::min(input.demands[k].qty_units, cap));
    double cost = problem.factories[f].weighted_unit_cost() +
                  holding * static_cast<double>(order.due_day - d);
    size_t column = model.x.size();
    model.x.push_back({k, f, d});
    model.columns.add(0, bound, cost);
    model.rows.set(demand_rows[k], column, 1);
    auto [slot, fresh] = capacity_rows.emplace(std::pair{f, d}, 0);
    if (fresh) slot->second = model.rows.add_row(-COIN_DBL_MAX, static_cast<double>(cap));
    model.rows.set(slot->second, column, 1);
  });
  for (size_t k = 0; k < input.demands.size(); ++k) {
    model.columns.add(0, static_cast<double>(input.demands[k].qty_units),
                      problem.penalty_of(problem.orders[input.demands[k].order]));
    model.rows.set(demand_rows[k], model.x.size() + k, 1);
  }
  // Setup links, one row per (demand, factory): Σ_d x[k,f,d] ≤ U·z[o,f] with U =
  // min(qty[k], Σ_d capacity[f,d] over the window), the tightest big-M.
  std::map<std::pair<size_t, size_t>, std::pair<int, double>> link_rows;  // (k, f) → row, U
  for (size_t column = 0; column < model.x.size(); ++column) {
    const ProductionXColumn& x = model.x[column];
    size_t order = input.demands[x.demand].order;
    if (!production_needs_setup(problem, input, order, x.factory)) continue;
    auto [slot, fresh] = setup_columns.emplace(std::pair{order, x.factory}, 0);
    if (fresh) {
      slot->second = model.columns.cost.size();
      model.columns.add(0, 1, problem.factories[x.factory].setup_cost);
    }
    auto [link, new_link] = link_rows.emplace(std::pair{x.demand, x.factory}, std::pair{0, 0.0});
    if (new_link) link->second.first = model.rows.add_row(-COIN_DBL_MAX, 0);
    model.rows.set(link->second.first, column, 1);
    link->second.second += model.columns.upper[column];
  }
  for (const auto& [key, link] : link_rows) {
    double big_m = std::min(link.second, static_cast<double>(input.demands[key.first].qty_units));
    size_t z = setup_columns.at({input.demands[key.first].order, key.second});
    model.rows.set(link.first, z, -big_m);
  }
}

// Runs CBC on `model`; fills status, bound, time and the placements.
Result<void> run_production_cbc_unguarded(const ProductionModel& model,
                                          const ProductionMipInput& input, double time_limit_s,
                                          ProductionMipResult& result) {
  const ProductionColumns& c = model.columns;
  const ProductionRows& r = model.rows;
  CoinPackedMatrix matrix(false, r.row.data(), r.column.data(), r.element.data(),
                          static_cast<CoinBigIndex>(r.element.size()));
  // Trailing columns or rows without an element are not counted by the triplet form.
  matrix.setDimensions(static_cast<int>(r.lower.size()), static_cast<int>(c.cost.size()));
  OsiClpSolverInterface solver;
  solver.messageHandler()->setLogLevel(0);
  solver.loadProblem(matrix, c.lower.data(), c.upper.data(), c.cost.data(), r.lower.data(),
                     r.upper.data());
  solver.setIntParam(OsiNameDiscipline, 2);  // names for the MIP start
  for (int column = 0; column < static_cast<int>(c.cost.size()); ++column) {
    solver.setInteger(column);
    solver.setColName(column, production_column_name(static_cast<size_t>(column)));
  }
  CbcModel cbc(solver);
  CbcSolverUsefulData data;
  CbcMain0(cbc, data);
  cbc.setLogLevel(0);
  cbc.setMIPStart(production_start(model, input));
  // -timeMode elapsed: the limit is wall-clock time, not CPU time.
  std::string seconds = fmt::format("{}", time_limit_s);
  const char* argv[] = {"livechain", "-log",          "0",      "-timeMode", "elapsed",
                        "-seconds",  seconds.c_str(), "-solve", "-quit"};
  auto start = std::chrono::steady_clock::now();
  CbcMain1(static_cast<int>(std::size(argv)), argv, cbc, nullptr, data);
  result.solve_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double* best = cbc.bestSolution();
  // The model is always feasible (every unit unmet is a plan, given as the MIP start).
  // CBC reports "infeasible" when its time runs out in preprocessing, before it has read
  // the start: that is a plan-less stop, not infeasibility. A claim of infeasibility
  // within the time limit would be a solver fault.
  if (best == nullptr && cbc.isProvenInfeasible() && !cbc.isSecondsLimitReached() &&
      result.solve_s < time_limit_s) {
    return fail(ErrorCode::invalid_state, "solver", "CBC reported the model infeasible");
  }
  result.has_plan = best != nullptr;
  result.status = cbc.isProvenOptimal() && best != nullptr ? ProductionStatus::optimal
                                                           : ProductionStatus::feasible;
  double bound = cbc.getBestPossibleObjValue();
  if (std::isfinite(bound) && std::abs(bound) < 1e30) result.best_bound = bound;
  if (best == nullptr) return {};
  for (size_t column = 0; column < model.x.size(); ++column) {
    double value = best[column];
    if (std::abs(value - std::round(value)) > 1e-4) {
      return fail(ErrorCode::invalid_state, "solver",
                  fmt::format("CBC returned a fractional quantity {}", value));
    }
    int64_t qty = std::llround(value);
    if (qty <= 0) continue;
    const ProductionXColumn& x = model.x[column];
    result.placed[x.demand].push_back({input.demands[x.demand].order, x.factory, x.day, qty});
  }
  return {};
}

// COIN-OR reports its own faults (and allocation failures) by exception; none may leave
// the planning module.
Result<void> run_production_cbc(const ProductionModel& model, const ProductionMipInput& input,
                                double time_limit_s, ProductionMipResult& result) {
  try {
    return run_production_cbc_unguarded(model, input, time_limit_s, result);
  } catch (const CoinError& error) {
    return fail(ErrorCode::invalid_state, "solver",
                fmt::format("CBC failed in {}: {}", error.methodName(), error.message()));
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::limit_exceeded, "solver", "the model does not fit in memory");
  }
}

}  // namespace

std::vector<std::vector<int64_t>> production_capacity_units(const ProductionProblem& problem) {
  std::vector<std::vector<int64_t>> capacity(problem.factories.size());
  for (size_t f = 0; f < problem.factories.size(); ++f) {
    const ProductionFactory& factory = problem.factories[f];
    int64_t units = factory.stopped ? 0 : factory.effective_units_per_day();
    capacity[f].assign(static_cast<size_t>(problem.horizon_days), units);
  }
  return capacity;
}

size_t production_mip_columns(const ProductionProblem& problem, const ProductionMipInput& input) {
  size_t columns = input.demands.size();
  std::map<std::pair<size_t, size_t>, bool> setups;
  production_each_x(problem, input, [&](size_t k, size_t f, int64_t) {
    ++columns;
    size_t order = input.demands[k].order;
    if (production_needs_setup(problem, input, order, f)) setups.emplace(std::pair{order, f}, true);
  });
  return columns + setups.size();
}

Result<ProductionMipResult> solve_production_mip(const ProductionProblem& problem,
                                                 const ProductionMipInput& input,
                                                 const ProductionSolveOptions& options) {
  if (!(options.time_limit_s > 0) || options.time_limit_s > kProductionTimeLimitSMax) {
    return fail(ErrorCode::invalid_argument, "time_limit_s",
                fmt::format("must be in (0, {}] seconds", kProductionTimeLimitSMax));
  }
  LC_ASSERT(input.capacity_units.size() == problem.factories.size());
  LC_ASSERT(input.setup_paid.size() == problem.orders.size());
  size_t columns = production_mip_columns(problem, input);
  if (columns > kProductionVariablesMax) {
    return fail(ErrorCode::limit_exceeded, "variables",
                fmt::format("the model would have {} variables: at most {} (fewer orders, "
                            "factories or horizon days)",
                            columns, kProductionVariablesMax));
  }
  ProductionMipResult result;
  result.placed.resize(input.demands.size());
  if (input.demands.empty()) return result;
  ProductionModel model;
  build_production_model(problem, input, model);
  LC_ASSERT(model.columns.cost.size() == columns);
  result.variables = columns;
  result.constraints = model.rows.lower.size();
  LC_CHECK(run_production_cbc(model, input, options.time_limit_s, result));
  return result;
}

}  // namespace livechain::planning
