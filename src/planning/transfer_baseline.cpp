// The nearest-DC-only baseline of threshold-triggered transfers (transfers.hpp): what a
// planner without the optimiser ships, for comparing cost and CO2.
#include <algorithm>

#include "core/assert.hpp"
#include "planning/transfers.hpp"

namespace livechain::planning {

namespace {

constexpr size_t kNoLane = static_cast<size_t>(-1);

// True when lane `a` is nearer than lane `b` (lead time, then cost, then lane order).
bool baseline_nearer(const TransferProblem& problem, size_t a, size_t b) {
  const TransferLane& x = problem.lanes[a];
  const TransferLane& y = problem.lanes[b];
  if (x.lead_time_h != y.lead_time_h) return x.lead_time_h < y.lead_time_h;
  if (x.cost_per_unit != y.cost_per_unit) return x.cost_per_unit < y.cost_per_unit;
  return a < b;
}

}  // namespace

TransferPlan nearest_dc_baseline(const TransferProblem& problem) {
  std::vector<size_t> nearest_dc_lane(problem.sites.size(), kNoLane);
  for (size_t i = 0; i < problem.lanes.size(); ++i) {
    const TransferLane& lane = problem.lanes[i];
    if (problem.sites[lane.from].kind != "dc") continue;
    size_t& best = nearest_dc_lane[lane.to];
    if (best == kNoLane || baseline_nearer(problem, i, best)) best = i;
  }
  std::vector<int64_t> spare_left(problem.sites.size());
  for (size_t i = 0; i < problem.sites.size(); ++i) spare_left[i] = problem.sites[i].spare_units();
  TransferPlan plan;
  for (size_t site = 0; site < problem.sites.size(); ++site) {
    int64_t need = problem.sites[site].need_units();
    if (need == 0) continue;
    int64_t served = 0;
    if (size_t lane_index = nearest_dc_lane[site]; lane_index != kNoLane) {
      const TransferLane& lane = problem.lanes[lane_index];
      served = std::min(need, spare_left[lane.from]);
      if (lane.capacity_units) served = std::min(served, *lane.capacity_units);
      if (served > 0) {
        spare_left[lane.from] -= served;
        plan.moves.push_back(TransferMove{lane_index, served});
      }
    }
    LC_ASSERT(served >= 0 && served <= need);
    if (need > served) plan.unmet_by_site.push_back(TransferUnmet{site, need - served});
    plan.unmet_units += need - served;
  }
  std::sort(plan.moves.begin(), plan.moves.end(),
            [](const TransferMove& a, const TransferMove& b) { return a.lane < b.lane; });
  score_transfer_plan(problem, plan);
  return plan;
}

}  // namespace livechain::planning
