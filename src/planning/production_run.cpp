// One production run as `plan production` prints it (docs/planning.md "Flexible
// production" → Output): expansion, solve or failover, the output JSON. Shared by the
// CLI and the server (production_records.cpp).
#include <fmt/format.h>

#include "planning/production.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

// Factory indices of `ids`. Errors: not_found naming "stop".
Result<std::vector<size_t>> production_stop_indices(const ProductionProblem& problem,
                                                    const std::vector<std::string>& ids) {
  std::vector<size_t> out;
  for (const std::string& id : ids) {
    size_t f = 0;
    while (f < problem.factories.size() && problem.factories[f].id != id) ++f;
    if (f == problem.factories.size()) {
      return fail(ErrorCode::not_found, "stop", fmt::format("unknown factory '{}'", id));
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace

Result<ProductionRun> run_production(const ProductionProblem& problem,
                                     const std::vector<std::string>& stop_ids,
                                     const ProductionSolveOptions& options) {
  LC_TRY(expanded, expand_production_orders(problem));
  ProductionRun run{std::move(expanded), {}, std::nullopt, {}};
  const ProductionProblem& solved = run.expanded.problem;
  LC_TRY(stop, production_stop_indices(solved, stop_ids));
  bool failover = !stop.empty();
  for (const ProductionFactory& f : solved.factories) failover = failover || f.stopped;
  if (failover) {
    LC_TRY(result, solve_production_failover(solved, stop, options));
    run.plan = result.plan;
    run.output = production_plan_json(solved, result.plan);
    for (auto& entry : production_failover_json(solved, result)) {
      run.output[entry.key()] = entry.value();
    }
    run.failover = std::move(result);
  } else {
    LC_TRY(plan, solve_production(solved, options));
    run.plan = std::move(plan);
    run.output = production_plan_json(solved, run.plan);
  }
  run.output["solver"] = "coin_cbc";
  run.output["time_limit_s"] = options.time_limit_s;
  if (!run.expanded.expansions.empty()) {
    run.output["expanded_orders"] = production_expansions_json(run.expanded);
  }
  return run;
}

}  // namespace livechain::planning
