// src/planning/production.hpp — flexible production (issue 18 §4).
//
// Factories with a capacity (units/day), a capacity score and a fulfilment rating share
// production orders (normal and emergency) over a day-indexed horizon. A mixed-integer
// programme, solved with COIN-OR CBC, allocates each order's units to factory-days on or
// before its due day at the least rating-weighted cost:
//   minimise Σ x[o,f,d]·(unit_cost[f] / fulfilment_rating[f] + holding·(due[o] − d))
//            + Σ setup_cost[f]·z[o,f] + Σ penalty[o]·unmet[o]
//   s.t.     Σ_{f,d} x[o,f,d] + unmet[o] = qty[o]                       (every order)
//            Σ_o x[o,f,d] ≤ floor(capacity_units_per_day[f]·capacity_score[f])  (f, d)
//            Σ_d x[o,f,d] ≤ min(qty[o], Σ_d cap[f,d])·z[o,f]            (setup link)
//            x, unmet ≥ 0 integer; z ∈ {0,1}; x only for d ≤ due[o] and factories
//            that make the order's product (running ones).
// penalty[o] is unmet_penalty, or emergency_unmet_penalty (higher) for emergency
// orders, so emergency orders win when capacity is short. Every instance is feasible
// (unmet = qty); what cannot be made is reported as unmet, never as a failure.
// Modular products are expanded into one order per module first (expand_production_
// orders); a stopped factory's planned units move to other factories, within 72 h of
// their slot where capacity allows (solve_production_failover). docs/planning.md
// "Flexible production" states the model; docs/limits.md "Planning" the limits below.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace livechain::planning {

// ---- limits (checked by validate_production_problem; errors name the field;
// docs/limits.md "Planning") ----
inline constexpr size_t kProductionFactoriesMax = 200;
// Orders after module expansion.
inline constexpr size_t kProductionOrdersMax = 5'000;
inline constexpr int64_t kProductionHorizonDaysMax = 366;
// Columns of the MIP (x, z and unmet), counted before it is built.
// At 112,670 columns CBC's preprocessing alone overran a 10 s limit by 2 s on the
// shared 2-core machine; at 243,000 it took 14.5 s before reading the start.
inline constexpr size_t kProductionVariablesMax = 120'000;
inline constexpr size_t kProductionProductsPerFactoryMax = 1'000;
inline constexpr size_t kProductionModulesPerBomMax = 100;
inline constexpr size_t kProductionBomsMax = 1'000;
// qty, capacity_units_per_day and (qty × qty_per_unit) of an expanded order, in units.
inline constexpr int64_t kProductionQtyMax = 1'000'000;
inline constexpr int64_t kProductionQtyPerUnitMax = 1'000;
// unit_cost, setup_cost, holding_cost_per_unit_day and both penalties.
inline constexpr double kProductionCostMax = 1'000'000.0;
// fulfilment_rating lies in [kProductionRatingMin, 1]: the rating-weighted unit cost
// unit_cost / rating stays ≤ 10^8.
inline constexpr double kProductionRatingMin = 0.01;
// CBC's wall-clock limit per solve; the default and the most a caller may ask for.
inline constexpr double kProductionTimeLimitSDefault = 10.0;
inline constexpr double kProductionTimeLimitSMax = 600.0;
// A failover moves a unit "within 72 h" when its new day is within 3 days of its slot.
inline constexpr int64_t kProductionFailoverWindowDays = 3;
inline constexpr size_t kProductionFileBytesMax = 16u << 20;

enum class OrderKind { normal, emergency };

struct ProductionFactory {
  std::string id;
  int64_t capacity_units_per_day = 0;
  double capacity_score = 1.0;     // [0, 1]: share of nominal capacity usable each day
  double fulfilment_rating = 1.0;  // [0.01, 1]: cost is weighted by 1 / rating
  double unit_cost = 0;
  std::optional<std::vector<std::string>> products;  // none: makes every product
  bool stopped = false;
  double setup_cost = 0;  // paid once per (order, factory) used

  // floor(capacity_units_per_day × capacity_score): the units it can make each day.
  int64_t effective_units_per_day() const;
  // unit_cost / fulfilment_rating.
  double weighted_unit_cost() const { return unit_cost / fulfilment_rating; }
  bool makes(std::string_view product) const;
};

struct ModuleLine {
  std::string module;
  int64_t qty_per_unit = 1;
};

struct ProductionOrder {
  std::string id;
  std::string product;
  int64_t qty_units = 0;
  int64_t due_day = 0;  // produced on days 0 … due_day
  OrderKind kind = OrderKind::normal;
  // The configuration chosen in the live room: the bill of modules of this order.
  // Overrides ProductionProblem::boms[product]. Empty: none.
  std::vector<ModuleLine> modules;
};

struct ProductBom {
  std::string product;
  std::vector<ModuleLine> modules;
};

struct ProductionProblem {
  std::vector<ProductionFactory> factories;       // ids unique
  std::vector<ProductionOrder> orders;            // ids unique
  std::vector<ProductBom> boms;                   // products unique
  int64_t horizon_days = 1;                       // days 0 … horizon_days − 1
  double unmet_penalty = 0;                       // per unmet unit of a normal order; > 0
  std::optional<double> emergency_unmet_penalty;  // ≥ unmet_penalty; default below
  double holding_cost_per_unit_day = 0;           // per unit per day made before due

  // emergency_unmet_penalty, else min(10 × unmet_penalty, kProductionCostMax).
  double emergency_penalty() const;
  double penalty_of(const ProductionOrder& order) const {
    return order.kind == OrderKind::emergency ? emergency_penalty() : unmet_penalty;
  }
};

// ---- validation ----

// Checks the rules and limits of a problem built in code (the JSON parser calls it).
// Errors: invalid_argument / limit_exceeded naming the field, e.g. "factories[2].
// capacity_score", "orders[0].due_day", "boms.desk[1].qty_per_unit", "horizon_days".
Result<void> validate_production_problem(const ProductionProblem& problem);

// ---- modular products ----

struct OrderExpansion {
  std::string order;    // the configured order's id
  std::string product;  // its product
  int64_t qty_units = 0;
  std::vector<size_t> into;  // indices of the module orders in the expanded problem
};

struct ExpandedProduction {
  ProductionProblem problem;               // orders of modular products replaced by module orders
  std::vector<OrderExpansion> expansions;  // in input order
};

// Replaces each order whose `modules` is set, or whose product has a BOM, by one order
// per module: id "<order>/<module>", product = module, qty = qty × qty_per_unit, same
// due day and kind; other orders are kept as they are, in place. Boms are not nested (a
// module order is not expanded again). Errors: what validate_production_problem returns
// for the input; limit_exceeded naming "orders" when the expansion has more than
// kProductionOrdersMax orders, or "orders[i].qty" when qty × qty_per_unit exceeds
// kProductionQtyMax.
Result<ExpandedProduction> expand_production_orders(const ProductionProblem& problem);

// ---- solving ----

struct ProductionAssignment {
  size_t order = 0;  // index into the solved problem's orders
  size_t factory = 0;
  int64_t day = 0;
  int64_t qty_units = 0;
};

struct ProductionUnmet {
  size_t order = 0;
  int64_t qty_units = 0;
};

enum class ProductionStatus {
  optimal,          // CBC proved optimality
  feasible,         // time limit: CBC's best plan, optimality not proved (gap reported)
  greedy_fallback,  // time limit before CBC had any plan (it ran out in preprocessing,
                    // before reading the greedy MIP start): the greedy plan instead
  greedy,           // the greedy heuristic itself (greedy_production_plan)
};
std::string_view production_status_name(ProductionStatus status);

struct ProductionPlan {
  std::vector<ProductionAssignment> assignments;  // qty > 0; by order, factory, day
  std::vector<ProductionUnmet> unmet;             // orders with unmet > 0, in order
  double objective = 0;        // recomputed from the plan by score_production_plan
  double production_cost = 0;  // Σ x·unit_cost / rating
  double setup_cost = 0;
  double holding_cost = 0;
  double unmet_penalty = 0;
  int64_t produced_units = 0;
  int64_t unmet_units = 0;
  ProductionStatus status = ProductionStatus::optimal;
  std::optional<double> best_bound;  // CBC's lower bound on the objective
  double solve_s = 0;                // CBC's wall time
  size_t variables = 0;
  size_t constraints = 0;
};

struct ProductionSolveOptions {
  double time_limit_s = kProductionTimeLimitSDefault;  // (0, kProductionTimeLimitSMax]
};

// Solves `problem` (already expanded: the `modules` of its orders and its boms are
// ignored). Stopped factories make nothing. CBC starts from the greedy plan (MIP start),
// so a plan it returns is never worse than greedy_production_plan's. Errors: what
// validate_production_problem returns; limit_exceeded naming "variables" when the MIP would have
// more than kProductionVariablesMax columns; invalid_argument naming "time_limit_s"; invalid_state
// naming "solver" if CBC reports the (always feasible) model infeasible or returns a plan that
// breaks a constraint. Thread-safe: no shared state.
Result<ProductionPlan> solve_production(const ProductionProblem& problem,
                                        const ProductionSolveOptions& options = {});

// The earliest-due-date heuristic (the benchmark's comparison and the fallback):
// orders by due day, emergency first on ties, then input order; each takes the
// cheapest running factories that make its product (least weighted unit cost, then
// input order), day 0 upwards to its due day, as much as capacity is left; the rest is
// unmet. Ignores setup costs and penalties when choosing, not when scoring.
// REQUIRES: validate_production_problem(problem) succeeded.
ProductionPlan greedy_production_plan(const ProductionProblem& problem);

// Fills the cost figures, produced_units, unmet_units and `unmet` of `plan` from its
// assignments (unmet = qty − Σ assigned). REQUIRES: indices valid.
void score_production_plan(const ProductionProblem& problem, ProductionPlan& plan);

// Checks a plan against every rule of the model (products, stopped factories, due days,
// capacities, Σ assigned ≤ qty). Errors: invalid_state naming "assignments[i]".
Result<void> check_production_plan(const ProductionProblem& problem, const ProductionPlan& plan);

// ---- dual-base failover ----

struct ProductionMove {
  size_t order = 0;
  size_t from_factory = 0;
  int64_t from_day = 0;
  std::optional<size_t> to_factory;  // none: could not be placed (unmet)
  int64_t to_day = 0;
  int64_t qty_units = 0;
  bool within_window = false;  // |to_day − from_day| ≤ kProductionFailoverWindowDays
};

struct ProductionFailover {
  ProductionPlan base;                // every factory running (the slots before the stop)
  ProductionPlan plan;                // after the stop: base on running factories + moves
  std::vector<size_t> stopped;        // factory indices
  std::vector<ProductionMove> moves;  // by order, from slot, to slot
  int64_t moved_within_window_units = 0;
  int64_t moved_outside_window_units = 0;
  int64_t failover_unmet_units = 0;
};

// Dual-base failover. `stopped` ∪ {factories marked stopped} are stopped; the base plan
// is solved with them running. Their planned units are then re-placed on the residual
// capacity of the other factories while the rest of the base plan stays as it is, in
// two lexicographic passes: first only on days within kProductionFailoverWindowDays of
// the unit's slot (and ≤ due), then, for what did not fit, on any day ≤ due; the rest
// is unmet. Both passes are CBC solves of the same model. Errors: as solve_production;
// invalid_argument naming "stop" for an index out of range.
Result<ProductionFailover> solve_production_failover(const ProductionProblem& problem,
                                                     const std::vector<size_t>& stopped,
                                                     const ProductionSolveOptions& options = {});

// ---- JSON (the `plan production` file format, docs/planning.md) ----

// Parses and validates {"factories": [{"id", "capacity_units_per_day", "capacity_score",
// "fulfilment_rating", "unit_cost", "products"?, "stopped"?, "setup_cost"?}], "orders":
// [{"id", "product", "qty", "due_day", "kind", "modules"?: [{"module",
// "qty_per_unit"}]}], "boms"?: {"<product>": [{"module", "qty_per_unit"}]},
// "horizon_days", "unmet_penalty", "emergency_unmet_penalty"?,
// "holding_cost_per_unit_day"?}. Unknown keys are rejected. Errors: invalid_argument /
// limit_exceeded naming the field ("orders[3].kind", "factories[0].products[2]", …).
Result<ProductionProblem> parse_production_problem(const boost::json::value& json);
// The same from text. Errors: invalid_argument (field "problem") when it is not JSON.
Result<ProductionProblem> parse_production_problem_text(std::string_view text);

// {"status", "objective", "assignments": [{"order", "factory", "day", "qty"}],
//  "unmet": [{"order", "qty"}], "cost": {"production", "setup", "holding",
//  "unmet_penalty"}, "produced", "unmet_units", "best_bound"?, "solve_s", "variables",
//  "constraints"}.
boost::json::object production_plan_json(const ProductionProblem& problem,
                                         const ProductionPlan& plan);
// [{"order", "product", "qty", "into": [{"order", "product", "qty"}]}].
boost::json::array production_expansions_json(const ExpandedProduction& expanded);
// {"stopped": [ids], "base_objective", "moved": [{"order", "qty", "from_factory",
//  "from_day", "to_factory" (null: unmet), "to_day"?, "within_72h"}],
//  "moved_within_72h", "moved_outside_72h", "failover_unmet"}.
boost::json::object production_failover_json(const ProductionProblem& problem,
                                             const ProductionFailover& failover);

// One factory or order of the file format on its own (the server's factory and order
// records, docs/planning.md "In the server"), errors naming `at + ".<member>"` (no
// dot when `at` is empty). Parsing only: validate_production_problem checks ranges.
Result<ProductionFactory> parse_production_factory_json(const boost::json::value& json,
                                                        const std::string& at);
Result<ProductionOrder> parse_production_order_json(const boost::json::value& json,
                                                    const std::string& at);
// The inverse: what parse_production_*_json reads back to an equal value.
boost::json::object production_factory_json(const ProductionFactory& factory);
boost::json::object production_order_json(const ProductionOrder& order);

// ---- one run, as `plan production` prints it ----

struct ProductionRun {
  ExpandedProduction expanded;  // the solved problem is expanded.problem
  ProductionPlan plan;          // after the stop when failover is set
  std::optional<ProductionFailover> failover;
  boost::json::object output;  // the Output of docs/planning.md "Flexible production"
};

// Expands modular orders, then solves; with a stopped factory (marked, or named in
// `stop_ids`) runs the dual-base failover. `output` is what `plan production` prints.
// Errors: those of expand_production_orders, solve_production and
// solve_production_failover; not_found naming "stop" for an unknown id in `stop_ids`.
Result<ProductionRun> run_production(const ProductionProblem& problem,
                                     const std::vector<std::string>& stop_ids,
                                     const ProductionSolveOptions& options);

// ---- seeded instances (benchmark and tests) ----

struct ProductionInstanceShape {
  size_t factories = 12;
  size_t orders = 300;
  size_t products = 10;
  int64_t horizon_days = 30;
  uint64_t seed = 1;
};
// Factories each make 2–5 of the products with varied capacity, score, rating, cost and
// setup cost; orders have random products, quantities and due days, 10 % emergency;
// total demand ≈ 90 % of total capacity over the horizon, so capacity binds on some
// days. Deterministic in `shape`.
ProductionProblem generate_production_instance(const ProductionInstanceShape& shape);

}  // namespace livechain::planning
