// Dual-base failover: a stopped factory's planned units move to the other factories,
// within 72 h of their slot where capacity allows (production.hpp:
// solve_production_failover; docs/planning.md "Flexible production").
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/assert.hpp"
#include "planning/production_mip.hpp"

namespace livechain::planning {

namespace {

// One displaced slot of the base plan and how much of it is still to place.
struct FailoverChunk {
  ProductionAssignment slot;
  int64_t left_units = 0;
};

struct FailoverState {
  ProductionMipInput input;  // capacity_units and setup_paid: residual after kept + placed
  std::vector<ProductionAssignment> placed;
  ProductionStatus status = ProductionStatus::optimal;
  double solve_s = 0;
  size_t variables = 0, constraints = 0;
};

// Places what is left of `chunks` on days [slot − window, slot + window] ∩ [0, due]
// (window < 0: any day ≤ due), updating the state and the chunks.
Result<void> failover_pass(const ProductionProblem& problem, std::vector<FailoverChunk>& chunks,
                           int64_t window_days, const ProductionSolveOptions& options,
                           FailoverState& state, std::vector<ProductionMove>& moves) {
  state.input.demands.clear();
  std::vector<size_t> chunk_of;
  for (size_t c = 0; c < chunks.size(); ++c) {
    if (chunks[c].left_units == 0) continue;
    const ProductionAssignment& slot = chunks[c].slot;
    int64_t due = problem.orders[slot.order].due_day;
    int64_t first = window_days < 0 ? 0 : std::max<int64_t>(0, slot.day - window_days);
    int64_t last = window_days < 0 ? due : std::min(due, slot.day + window_days);
    if (first > last) continue;
    state.input.demands.push_back({slot.order, chunks[c].left_units, first, last});
    chunk_of.push_back(c);
  }
  if (state.input.demands.empty()) return {};
  LC_TRY(mip, solve_production_mip(problem, state.input, options));
  state.solve_s += mip.solve_s;
  state.variables += mip.variables;
  state.constraints += mip.constraints;
  if (!mip.has_plan || mip.status != ProductionStatus::optimal) {
    state.status = ProductionStatus::feasible;
  }
  for (size_t k = 0; k < mip.placed.size(); ++k) {
    FailoverChunk& chunk = chunks[chunk_of[k]];
    for (const ProductionAssignment& to : mip.placed[k]) {
      LC_ASSERT(to.qty_units <= chunk.left_units);
      chunk.left_units -= to.qty_units;
      state.input.capacity_units[to.factory][static_cast<size_t>(to.day)] -= to.qty_units;
      state.input.setup_paid[to.order][to.factory] = true;
      state.placed.push_back(to);
      bool within = std::abs(to.day - chunk.slot.day) <= kProductionFailoverWindowDays;
      moves.push_back({chunk.slot.order, chunk.slot.factory, chunk.slot.day, to.factory, to.day,
                       to.qty_units, within});
    }
  }
  return {};
}

// Sums assignments of the same (order, factory, day) and sorts them.
std::vector<ProductionAssignment> failover_merge(std::vector<ProductionAssignment> all) {
  std::map<std::tuple<size_t, size_t, int64_t>, int64_t> merged;
  for (const ProductionAssignment& a : all) merged[{a.order, a.factory, a.day}] += a.qty_units;
  std::vector<ProductionAssignment> out;
  for (const auto& [key, qty] : merged) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), qty});
  }
  return out;
}

}  // namespace

Result<ProductionFailover> solve_production_failover(const ProductionProblem& problem,
                                                     const std::vector<size_t>& stopped,
                                                     const ProductionSolveOptions& options) {
  LC_CHECK(validate_production_problem(problem));
  ProductionProblem running = problem, after = problem;
  for (size_t f : stopped) {
    if (f >= problem.factories.size()) {
      return fail(ErrorCode::invalid_argument, "stop", "unknown factory");
    }
    after.factories[f].stopped = true;
  }
  ProductionFailover out;
  for (size_t f = 0; f < problem.factories.size(); ++f) {
    running.factories[f].stopped = false;
    if (after.factories[f].stopped) out.stopped.push_back(f);
  }
  LC_TRY(base, solve_production(running, options));
  out.base = base;
  FailoverState state;
  state.input.capacity_units = production_capacity_units(after);
  state.input.setup_paid.assign(problem.orders.size(),
                                std::vector<bool>(problem.factories.size(), false));
  std::vector<ProductionAssignment> kept;
  std::vector<FailoverChunk> chunks;
  for (const ProductionAssignment& a : base.assignments) {
    if (after.factories[a.factory].stopped) {
      chunks.push_back({a, a.qty_units});
      continue;
    }
    kept.push_back(a);
    state.input.capacity_units[a.factory][static_cast<size_t>(a.day)] -= a.qty_units;
    state.input.setup_paid[a.order][a.factory] = true;
  }
  LC_CHECK(failover_pass(after, chunks, kProductionFailoverWindowDays, options, state, out.moves));
  LC_CHECK(failover_pass(after, chunks, -1, options, state, out.moves));
  for (const FailoverChunk& chunk : chunks) {
    if (chunk.left_units == 0) continue;
    out.moves.push_back({chunk.slot.order, chunk.slot.factory, chunk.slot.day, std::nullopt, 0,
                         chunk.left_units, false});
    out.failover_unmet_units += chunk.left_units;
  }
  for (const ProductionMove& move : out.moves) {
    if (!move.to_factory) continue;
    (move.within_window ? out.moved_within_window_units : out.moved_outside_window_units) +=
        move.qty_units;
  }
  std::sort(out.moves.begin(), out.moves.end(),
            [](const ProductionMove& a, const ProductionMove& b) {
              return std::tie(a.order, a.from_factory, a.from_day, a.to_factory, a.to_day) <
                     std::tie(b.order, b.from_factory, b.from_day, b.to_factory, b.to_day);
            });
  kept.insert(kept.end(), state.placed.begin(), state.placed.end());
  out.plan.assignments = failover_merge(std::move(kept));
  score_production_plan(after, out.plan);
  out.plan.status = base.status == ProductionStatus::optimal ? state.status : base.status;
  out.plan.solve_s = base.solve_s + state.solve_s;
  out.plan.variables = state.variables;
  out.plan.constraints = state.constraints;
  LC_CHECK(check_production_plan(after, out.plan));
  return out;
}

}  // namespace livechain::planning
