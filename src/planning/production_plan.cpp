// Solving, scoring and checking production plans, and the earliest-due-date heuristic
// (production.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/assert.hpp"
#include "planning/production_mip.hpp"

namespace livechain::planning {

std::string_view production_status_name(ProductionStatus status) {
  switch (status) {
    case ProductionStatus::optimal:
      return "optimal";
    case ProductionStatus::feasible:
      return "feasible";
    case ProductionStatus::greedy_fallback:
      return "greedy_fallback";
    case ProductionStatus::greedy:
      return "greedy";
  }
  return "unknown";
}

void score_production_plan(const ProductionProblem& problem, ProductionPlan& plan) {
  std::vector<int64_t> assigned(problem.orders.size(), 0);
  std::vector<std::vector<bool>> used(problem.orders.size(),
                                      std::vector<bool>(problem.factories.size(), false));
  plan.production_cost = plan.setup_cost = plan.holding_cost = plan.unmet_penalty = 0;
  plan.produced_units = plan.unmet_units = 0;
  for (const ProductionAssignment& a : plan.assignments) {
    LC_ASSERT(a.order < problem.orders.size() && a.factory < problem.factories.size());
    const ProductionFactory& factory = problem.factories[a.factory];
    double qty = static_cast<double>(a.qty_units);
    plan.production_cost += qty * factory.weighted_unit_cost();
    plan.holding_cost += qty * problem.holding_cost_per_unit_day *
                         static_cast<double>(problem.orders[a.order].due_day - a.day);
    if (!used[a.order][a.factory]) plan.setup_cost += factory.setup_cost;
    used[a.order][a.factory] = true;
    assigned[a.order] += a.qty_units;
    plan.produced_units += a.qty_units;
  }
  plan.unmet.clear();
  for (size_t o = 0; o < problem.orders.size(); ++o) {
    int64_t unmet = std::max<int64_t>(0, problem.orders[o].qty_units - assigned[o]);
    if (unmet == 0) continue;
    plan.unmet.push_back({o, unmet});
    plan.unmet_units += unmet;
    plan.unmet_penalty += static_cast<double>(unmet) * problem.penalty_of(problem.orders[o]);
  }
  plan.objective = plan.production_cost + plan.setup_cost + plan.holding_cost + plan.unmet_penalty;
}

Result<void> check_production_plan(const ProductionProblem& problem, const ProductionPlan& plan) {
  std::vector<std::vector<int64_t>> capacity = production_capacity_units(problem);
  std::vector<int64_t> assigned(problem.orders.size(), 0);
  for (size_t i = 0; i < plan.assignments.size(); ++i) {
    const ProductionAssignment& a = plan.assignments[i];
    std::string at = fmt::format("assignments[{}]", i);
    auto broken = [&](std::string_view why) {
      return fail(ErrorCode::invalid_state, at, std::string(why));
    };
    if (a.order >= problem.orders.size() || a.factory >= problem.factories.size()) {
      return broken("unknown order or factory");
    }
    const ProductionOrder& order = problem.orders[a.order];
    if (a.qty_units <= 0) return broken("qty must be > 0");
    if (a.day < 0 || a.day > order.due_day) return broken("made after the order's due day");
    if (!problem.factories[a.factory].makes(order.product)) {
      return broken("factory does not make the product");
    }
    int64_t& left = capacity[a.factory][static_cast<size_t>(a.day)];
    if (a.qty_units > left) return broken("over the factory's capacity that day");
    left -= a.qty_units;
    assigned[a.order] += a.qty_units;
    if (assigned[a.order] > order.qty_units) return broken("more than the order's qty");
  }
  return {};
}

namespace {

void sort_production_assignments(std::vector<ProductionAssignment>& assignments) {
  std::sort(assignments.begin(), assignments.end(),
            [](const ProductionAssignment& a, const ProductionAssignment& b) {
              return std::tie(a.order, a.factory, a.day) < std::tie(b.order, b.factory, b.day);
            });
}

}  // namespace

ProductionPlan greedy_production_plan(const ProductionProblem& problem) {
  std::vector<std::vector<int64_t>> capacity = production_capacity_units(problem);
  std::vector<size_t> orders(problem.orders.size());
  std::iota(orders.begin(), orders.end(), 0);
  std::stable_sort(orders.begin(), orders.end(), [&](size_t a, size_t b) {
    const ProductionOrder& x = problem.orders[a];
    const ProductionOrder& y = problem.orders[b];
    bool x_first = x.kind == OrderKind::emergency, y_first = y.kind == OrderKind::emergency;
    return std::tie(x.due_day, y_first) < std::tie(y.due_day, x_first);
  });
  std::vector<size_t> factories(problem.factories.size());
  std::iota(factories.begin(), factories.end(), 0);
  std::stable_sort(factories.begin(), factories.end(), [&](size_t a, size_t b) {
    return problem.factories[a].weighted_unit_cost() < problem.factories[b].weighted_unit_cost();
  });
  ProductionPlan plan;
  plan.status = ProductionStatus::greedy;
  for (size_t o : orders) {
    const ProductionOrder& order = problem.orders[o];
    int64_t left = order.qty_units;
    for (size_t f : factories) {
      if (!problem.factories[f].makes(order.product)) continue;
      for (int64_t d = 0; d <= order.due_day && left > 0; ++d) {
        int64_t& room = capacity[f][static_cast<size_t>(d)];
        int64_t qty = std::min(left, room);
        if (qty <= 0) continue;
        plan.assignments.push_back({o, f, d, qty});
        room -= qty;
        left -= qty;
      }
    }
  }
  sort_production_assignments(plan.assignments);
  score_production_plan(problem, plan);
  return plan;
}

Result<ProductionPlan> solve_production(const ProductionProblem& problem,
                                        const ProductionSolveOptions& options) {
  LC_CHECK(validate_production_problem(problem));
  ProductionMipInput input;
  for (size_t o = 0; o < problem.orders.size(); ++o) {
    input.demands.push_back({o, problem.orders[o].qty_units, 0, problem.orders[o].due_day});
  }
  input.capacity_units = production_capacity_units(problem);
  input.setup_paid.assign(problem.orders.size(),
                          std::vector<bool>(problem.factories.size(), false));
  // CBC starts from the greedy plan: it always has an incumbent to improve on.
  ProductionPlan greedy = greedy_production_plan(problem);
  input.start.resize(problem.orders.size());
  for (const ProductionAssignment& a : greedy.assignments) input.start[a.order].push_back(a);
  LC_TRY(mip, solve_production_mip(problem, input, options));
  ProductionPlan plan;
  if (mip.has_plan) {
    for (const auto& placed : mip.placed) {
      plan.assignments.insert(plan.assignments.end(), placed.begin(), placed.end());
    }
    sort_production_assignments(plan.assignments);
    score_production_plan(problem, plan);
    plan.status = mip.status;
  } else {
    plan = greedy_production_plan(problem);
    plan.status = ProductionStatus::greedy_fallback;
  }
  plan.best_bound = mip.best_bound;
  plan.solve_s = mip.solve_s;
  plan.variables = mip.variables;
  plan.constraints = mip.constraints;
  LC_CHECK(check_production_plan(problem, plan));
  return plan;
}

}  // namespace livechain::planning
