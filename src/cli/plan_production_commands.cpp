// `livechain plan production` and `livechain bench plan-production` (issue 18 §4;
// docs/planning.md "Flexible production").
//
// plan production --problem FILE [--stop FACTORY]… [--time-limit-s S]: expands modular
// orders into module orders, solves the MIP with COIN-OR CBC and prints the plan JSON.
// With --stop (or "stopped": true in the file) it runs the dual-base failover: the base
// plan with every factory running, then the stopped factories' units moved, within 72 h
// of their slot where capacity allows. Exit 0 solved (unmet quantity is a result, not a
// failure), 1 invalid input naming the field, 2 usage.
//
// plan production --db DB [--stop FACTORY]… [--time-limit-s S]: the same for the
// factories and open orders the ledger holds (PUT /v1/factories, /v1/production/orders),
// planned as the server would plan them now (docs/planning.md "In the server"), with the
// default penalties. Read-only: nothing is journaled, no presale is set.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "planning/production.hpp"
#include "planning/production_records.hpp"

namespace livechain::cli {

namespace json = boost::json;
using planning::ProductionPlan;
using planning::ProductionProblem;

namespace {

struct PlanProductionArgs {
  std::string problem_file;
  std::string db;
  std::vector<std::string> stop;
  double time_limit_s = planning::kProductionTimeLimitSDefault;
};

// --db: the ledger's factories and open orders, planned as the server would plan them.
Result<json::object> production_output_from_ledger(const PlanProductionArgs& a) {
  auto ledger = open_reader(a.db);
  LC_TRY(inputs, planning::read_production_inputs(ledger->engine().state()));
  for (const std::string& id : a.stop) {
    auto found = std::find_if(inputs.factories.begin(), inputs.factories.end(),
                              [&](const planning::FactoryRecord& f) { return f.factory.id == id; });
    if (found == inputs.factories.end()) {
      return fail(ErrorCode::not_found, "stop", fmt::format("unknown factory '{}'", id));
    }
    found->factory.stopped = true;
  }
  planning::ProductionServerConfig config;
  config.time_limit_s = a.time_limit_s;
  TimeMs now_ms = SystemClock().now_ms();
  LC_TRY(decision, planning::decide_production(inputs, config, now_ms, "cli"));
  return std::move(decision.output);
}

Result<json::object> production_output(const PlanProductionArgs& a) {
  if (!a.db.empty()) return production_output_from_ledger(a);
  LC_TRY(value, read_json_file(a.problem_file, "problem", planning::kProductionFileBytesMax));
  LC_TRY(problem, planning::parse_production_problem(value));
  LC_TRY(run, planning::run_production(problem, a.stop, {a.time_limit_s}));
  return std::move(run.output);
}

void run_plan_production(const PlanProductionArgs& a) {
  if (a.problem_file.empty() == a.db.empty()) {
    std::cerr << "error: give either --problem FILE or --db DB\n";
    throw CommandExit{kExitUsage};
  }
  auto out = production_output(a);
  if (!out) exit_with_error(out.error());
  std::cout << json::serialize(*out) << "\n";
}

// ---- bench plan-production ----

struct ProductionBenchArgs {
  uint64_t seed = 1;
  size_t factories = 12;
  size_t orders = 300;
  size_t products = 10;
  int64_t horizon_days = 30;
  double time_limit_s = planning::kProductionTimeLimitSDefault;
};

json::object production_bench_figures(const ProductionPlan& plan, double time_s) {
  return json::object{{"status", planning::production_status_name(plan.status)},
                      {"objective", plan.objective},
                      {"produced", plan.produced_units},
                      {"unmet_units", plan.unmet_units},
                      {"time_s", time_s}};
}

void run_production_bench(const ProductionBenchArgs& a, const CliOptions& options) {
  planning::ProductionInstanceShape shape{a.factories, a.orders, a.products, a.horizon_days,
                                          a.seed};
  ProductionProblem problem = planning::generate_production_instance(shape);
  auto start = std::chrono::steady_clock::now();
  auto solved = planning::solve_production(problem, {a.time_limit_s});
  double cbc_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!solved) exit_with_error(solved.error());
  start = std::chrono::steady_clock::now();
  ProductionPlan greedy = planning::greedy_production_plan(problem);
  double greedy_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const ProductionPlan& cbc = *solved;
  double gap =
      cbc.best_bound ? (cbc.objective - *cbc.best_bound) / std::max(1.0, cbc.objective) : 0.0;
  json::object out{{"seed", a.seed},
                   {"factories", problem.factories.size()},
                   {"orders", problem.orders.size()},
                   {"horizon_days", problem.horizon_days},
                   {"variables", cbc.variables},
                   {"constraints", cbc.constraints},
                   {"time_limit_s", a.time_limit_s},
                   {"cbc", production_bench_figures(cbc, cbc_s)},
                   {"greedy_edd", production_bench_figures(greedy, greedy_s)},
                   {"cbc_gap_to_bound", gap},
                   {"greedy_over_cbc_objective", greedy.objective / cbc.objective},
                   {"cbc_over_greedy_time", cbc_s / std::max(greedy_s, 1e-9)}};
  std::string text = fmt::format(
      "seed {}: {} factories, {} orders, {} days: {} variables, {} constraints\n"
      "CBC:        {} objective {:.2f} (gap to bound {:.3g}), unmet {} units, {:.3f} s "
      "(time limit {} s)\n"
      "greedy EDD: objective {:.2f}, unmet {} units, {:.6f} s\n"
      "greedy / CBC objective {:.4f}; CBC / greedy time {:.0f}×",
      a.seed, problem.factories.size(), problem.orders.size(), problem.horizon_days, cbc.variables,
      cbc.constraints, planning::production_status_name(cbc.status), cbc.objective, gap,
      cbc.unmet_units, cbc_s, a.time_limit_s, greedy.objective, greedy.unmet_units, greedy_s,
      greedy.objective / cbc.objective, cbc_s / std::max(greedy_s, 1e-9));
  print(options, out, text);
}

}  // namespace

void add_plan_production_commands(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<PlanProductionArgs>();
  CLI::App* plan = plan_group(root);
  auto* cmd = plan->add_subcommand(
      "production",
      "Flexible production: orders across shared factories by due date, CBC MIP (JSON)");
  auto* problem =
      cmd->add_option("--problem", a->problem_file, "Problem JSON file (docs/planning.md)");
  auto* db =
      cmd->add_option("--db", a->db, "Ledger database: its factories and open orders (read-only)");
  problem->excludes(db);
  db->excludes(problem);
  cmd->add_option("--stop", a->stop,
                  "Factory id to stop (repeatable): dual-base failover of its orders");
  cmd->add_option("--time-limit-s", a->time_limit_s, "CBC wall-clock limit per solve")
      ->check(CLI::Range(0.001, planning::kProductionTimeLimitSMax))
      ->capture_default_str();
  cmd->callback([a] { run_plan_production(*a); });

  CLI::App* bench = root.get_subcommand("bench");
  auto b = std::make_shared<ProductionBenchArgs>();
  auto* bench_cmd = bench->add_subcommand(
      "plan-production", "Production MIP (CBC) on a seeded instance, against greedy EDD");
  bench_cmd->add_option("--seed", b->seed, "Instance seed")->capture_default_str();
  bench_cmd->add_option("--factories", b->factories, "Factories")
      ->check(CLI::Range(size_t{1}, planning::kProductionFactoriesMax))
      ->capture_default_str();
  bench_cmd->add_option("--orders", b->orders, "Orders")
      ->check(CLI::Range(size_t{0}, planning::kProductionOrdersMax))
      ->capture_default_str();
  bench_cmd->add_option("--products", b->products, "Products")
      ->check(CLI::Range(1, 1'000))
      ->capture_default_str();
  bench_cmd->add_option("--horizon-days", b->horizon_days, "Horizon (days)")
      ->check(CLI::Range(int64_t{1}, planning::kProductionHorizonDaysMax))
      ->capture_default_str();
  bench_cmd->add_option("--time-limit-s", b->time_limit_s, "CBC wall-clock limit")
      ->check(CLI::Range(0.001, planning::kProductionTimeLimitSMax))
      ->capture_default_str();
  bench_cmd->callback([b, &options] { run_production_bench(*b, options); });
}

}  // namespace livechain::cli
