// Threshold-triggered transfers as an exact min-cost flow (LEMON network simplex).
//
// Graph: source → every site with spare (capacity spare, cost 0); site → site along each
// lane whose sender has spare and receiver has need (capacity min(lane capacity, spare,
// need), cost the weighted per-unit cost); every site with need → sink (capacity need,
// cost 0); source → sink, the unmet arc (capacity Σ need, cost unmet_penalty). The source
// supplies Σ need and the sink takes it, so a feasible flow always exists and the flow on
// the unmet arc is the unmet quantity. Min-cost flow with integer capacities has an
// integral optimum, which LEMON returns.
//
// Integer costs: each weighted per-unit cost (and the penalty) is rounded to the nearest
// multiple of 1/kTransferCostScale. For any plan P, |objective(P) − scaled(P)/S| ≤ ½·10^-6
// per unit of need (every unit of need is either moved or unmet), so the plan found is
// optimal to within 10^-6 × Σ need; the reported objective is recomputed from the
// original values by score_transfer_plan, never taken from the integer costs.
// GCC 12 with the sanitizers at -O2 (the asan preset) reports -Wmaybe-uninitialized in
// SmartDigraph::addArc: `arcs.push_back(ArcT())` copies a record whose constructor
// leaves its ints unset, and addArc assigns every field right after (harmless). Scoped to this file
// (unity batches) by the pop at its end.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <lemon/capacity_scaling.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <cmath>

#include "core/assert.hpp"
#include "planning/transfers.hpp"

namespace livechain::planning {

namespace {

using Graph = lemon::SmartDigraph;
using IntMap = Graph::ArcMap<int64_t>;

double weighted_unit_cost(const TransferWeights& weights, const TransferLane& lane) {
  return weights.cost * lane.cost_per_unit + weights.lead_time_h * lane.lead_time_h +
         weights.co2_kg * lane.co2_kg_per_unit;
}

int64_t scaled_cost(double value) {
  LC_ASSERT(value >= 0 && value <= kTransferCostMax);
  return std::llround(value * kTransferCostScale);
}

// The flow network of one problem; lane_arcs[i] is lane i's arc or INVALID when the lane
// cannot carry anything (its sender has no spare or its receiver no need).
struct TransferNetwork {
  Graph graph;
  IntMap upper{graph};
  IntMap cost{graph};
  Graph::Node source;
  Graph::Node sink;
  Graph::Arc unmet_arc;
  std::vector<Graph::Arc> lane_arcs;
  std::vector<Graph::Arc> need_arcs;  // site → sink, INVALID without need
  int64_t need_total_units = 0;
};

void build_network(const TransferProblem& problem, TransferNetwork& net) {
  size_t sites = problem.sites.size();
  net.graph.reserveNode(static_cast<int>(sites + 2));
  net.graph.reserveArc(static_cast<int>(problem.lanes.size() + 2 * sites + 1));
  std::vector<Graph::Node> nodes(sites);
  for (size_t i = 0; i < sites; ++i) nodes[i] = net.graph.addNode();
  net.source = net.graph.addNode();
  net.sink = net.graph.addNode();
  net.need_arcs.assign(sites, lemon::INVALID);
  for (size_t i = 0; i < sites; ++i) {
    const TransferSite& site = problem.sites[i];
    if (int64_t spare = site.spare_units(); spare > 0) {
      Graph::Arc arc = net.graph.addArc(net.source, nodes[i]);
      net.upper[arc] = spare;
      net.cost[arc] = 0;
    }
    if (int64_t need = site.need_units(); need > 0) {
      Graph::Arc arc = net.graph.addArc(nodes[i], net.sink);
      net.upper[arc] = need;
      net.cost[arc] = 0;
      net.need_arcs[i] = arc;
      net.need_total_units += need;
    }
  }
  net.lane_arcs.assign(problem.lanes.size(), lemon::INVALID);
  for (size_t i = 0; i < problem.lanes.size(); ++i) {
    const TransferLane& lane = problem.lanes[i];
    int64_t upper =
        std::min(problem.sites[lane.from].spare_units(), problem.sites[lane.to].need_units());
    if (lane.capacity_units) upper = std::min(upper, *lane.capacity_units);
    if (upper <= 0) continue;
    Graph::Arc arc = net.graph.addArc(nodes[lane.from], nodes[lane.to]);
    net.upper[arc] = upper;
    net.cost[arc] = scaled_cost(weighted_unit_cost(problem.weights, lane));
    net.lane_arcs[i] = arc;
  }
  net.unmet_arc = net.graph.addArc(net.source, net.sink);
  net.upper[net.unmet_arc] = net.need_total_units;
  net.cost[net.unmet_arc] = scaled_cost(problem.unmet_penalty);
}

// Runs one LEMON min-cost-flow algorithm (they share this interface) and reads the plan.
template <class Solver>
Result<TransferPlan> run_solver(const TransferProblem& problem, const TransferNetwork& net) {
  Solver solver(net.graph);
  solver.upperMap(net.upper).costMap(net.cost).stSupply(net.source, net.sink, net.need_total_units);
  auto status = solver.run();
  if (status != Solver::OPTIMAL) {
    return fail(ErrorCode::invalid_state, "solver",
                status == Solver::INFEASIBLE ? "min-cost flow reported infeasible"
                                             : "min-cost flow reported unbounded");
  }
  TransferPlan plan;
  for (size_t i = 0; i < net.lane_arcs.size(); ++i) {
    if (net.lane_arcs[i] == lemon::INVALID) continue;
    int64_t qty = solver.flow(net.lane_arcs[i]);
    LC_ASSERT(qty >= 0 && qty <= net.upper[net.lane_arcs[i]]);
    if (qty > 0) plan.moves.push_back(TransferMove{i, qty});
  }
  plan.unmet_units = solver.flow(net.unmet_arc);
  int64_t unmet_by_site_total = 0;
  for (size_t i = 0; i < net.need_arcs.size(); ++i) {
    if (net.need_arcs[i] == lemon::INVALID) continue;
    int64_t unmet = problem.sites[i].need_units() - solver.flow(net.need_arcs[i]);
    LC_ASSERT(unmet >= 0);
    if (unmet > 0) plan.unmet_by_site.push_back(TransferUnmet{i, unmet});
    unmet_by_site_total += unmet;
  }
  LC_ASSERT(unmet_by_site_total == plan.unmet_units);
  score_transfer_plan(problem, plan);
  return plan;
}

}  // namespace

void score_transfer_plan(const TransferProblem& problem, TransferPlan& plan) {
  plan.cost = plan.co2_kg = plan.qty_lead_time_h = plan.objective = 0;
  plan.moved_units = 0;
  for (const TransferMove& move : plan.moves) {
    LC_ASSERT(move.lane < problem.lanes.size());
    const TransferLane& lane = problem.lanes[move.lane];
    double qty = static_cast<double>(move.qty_units);
    plan.cost += qty * lane.cost_per_unit;
    plan.co2_kg += qty * lane.co2_kg_per_unit;
    plan.qty_lead_time_h += qty * lane.lead_time_h;
    plan.objective += qty * weighted_unit_cost(problem.weights, lane);
    plan.moved_units += move.qty_units;
  }
  plan.objective += problem.unmet_penalty * static_cast<double>(plan.unmet_units);
}

Result<TransferPlan> solve_transfers(const TransferProblem& problem, TransferAlgorithm algorithm) {
  LC_CHECK(validate_transfer_problem(problem));
  TransferNetwork net;
  build_network(problem, net);
  switch (algorithm) {
    case TransferAlgorithm::network_simplex:
      return run_solver<lemon::NetworkSimplex<Graph, int64_t, int64_t>>(problem, net);
    case TransferAlgorithm::capacity_scaling:
      return run_solver<lemon::CapacityScaling<Graph, int64_t, int64_t>>(problem, net);
  }
  LC_ASSERT(false);
  return fail(ErrorCode::invalid_argument, "algorithm", "unknown");
}

}  // namespace livechain::planning

#pragma GCC diagnostic pop
