// `livechain plan transfers` and `livechain bench plan-transfers` (issue 18 §3;
// docs/planning.md "Threshold-triggered transfers").
//
// plan transfers --problem FILE: solves the instance in FILE and prints the plan JSON
// with the nearest-DC-only baseline beside it. plan transfers --db DB --sku GTIN --lanes
// FILE: builds the instance from the live ledger (stock = available units of the SKU at
// each location) and solves it. Exit 0 solved (unmet need is a result, not a failure),
// 1 invalid input naming the field, 2 usage.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "engine/engine.hpp"
#include "planning/transfers.hpp"

namespace livechain::cli {

namespace json = boost::json;
using planning::TransferPlan;
using planning::TransferProblem;

namespace {

struct PlanTransferArgs {
  std::string problem_file;
  std::string db;
  std::string gtin;
  std::string lanes_file;
  std::string targets_file;
  std::optional<int64_t> store_target_units;
  int64_t dc_target_units = 0;
  double weight_cost = 1.0;
  double weight_lead_time_h = 0.0;
  double weight_co2_kg = 0.0;
  double unmet_penalty = 1000.0;
};

json::object transfer_figures_json(const TransferPlan& plan) {
  return json::object{{"objective", plan.objective}, {"cost", plan.cost},
                      {"co2_kg", plan.co2_kg},       {"qty_lead_time_h", plan.qty_lead_time_h},
                      {"moved", plan.moved_units},   {"unmet", plan.unmet_units}};
}

// The plan, its baseline and the comparison, as printed by `plan transfers`.
json::object transfer_output(const TransferProblem& problem) {
  auto plan = planning::solve_transfers(problem);
  if (!plan) exit_with_error(plan.error());
  TransferPlan baseline = planning::nearest_dc_baseline(problem);
  json::object out = planning::transfer_plan_json(problem, *plan);
  out["solver"] = "lemon_network_simplex";
  out["baseline"] = transfer_figures_json(baseline);
  out["baseline"].as_object()["rule"] = "nearest_dc_by_lead_time";
  out["savings_vs_baseline"] = json::object{{"objective", baseline.objective - plan->objective},
                                            {"cost", baseline.cost - plan->cost},
                                            {"co2_kg", baseline.co2_kg - plan->co2_kg}};
  return out;
}

// Targets file: {"LOCATION": units, …}. Errors name "targets.LOCATION".
Result<std::map<std::string, int64_t>> transfer_read_targets(const std::string& path) {
  LC_TRY(value, read_json_file(path, "targets", planning::kTransferFileBytesMax));
  if (!value.is_object()) {
    return fail(ErrorCode::invalid_argument, "targets", "must be an object {\"LOCATION\": units}");
  }
  std::map<std::string, int64_t> targets;
  for (const auto& entry : value.get_object()) {
    std::string field = "targets." + std::string(entry.key());
    if (!entry.value().is_int64()) {
      return fail(ErrorCode::invalid_argument, field, "must be an integer");
    }
    if (entry.value().get_int64() < 0 || entry.value().get_int64() > planning::kTransferQtyMax) {
      return fail(ErrorCode::invalid_argument, field,
                  fmt::format("must be 0 … {}", planning::kTransferQtyMax));
    }
    targets.emplace(std::string(entry.key()), entry.value().get_int64());
  }
  return targets;
}

// Location ids named by the lanes array (entries that are not objects with string ids
// are left to the problem parser, which names them).
std::vector<std::pair<std::string, std::string>> transfer_lane_ends(const json::array& lanes) {
  std::vector<std::pair<std::string, std::string>> ends;
  for (size_t i = 0; i < lanes.size(); ++i) {
    if (!lanes[i].is_object()) continue;
    for (const char* key : {"from", "to"}) {
      const json::value* id = lanes[i].get_object().if_contains(key);
      if (id != nullptr && id->is_string()) {
        ends.emplace_back(fmt::format("lanes[{}].{}", i, key), std::string(id->get_string()));
      }
    }
  }
  return ends;
}

// The instance of `--db`: sites are the SKU's locations plus every location a lane or a
// target names (stock 0 where the SKU has no balance); stock = available units;
// target = the targets file, else --dc-target for a DC, --store-target for a store,
// else the stock itself (the site neither sends nor receives).
Result<json::value> transfer_problem_from_ledger(const PlanTransferArgs& a) {
  auto ledger = open_reader(a.db);
  const engine::Engine& engine = ledger->engine();
  LC_TRY(balances, engine.stock(a.gtin));
  LC_TRY(lanes_file, read_json_file(a.lanes_file, "lanes", planning::kTransferFileBytesMax));
  const json::value* lanes = &lanes_file;
  if (lanes_file.is_object() && lanes_file.get_object().contains("lanes")) {
    lanes = &lanes_file.get_object().at("lanes");
  }
  if (!lanes->is_array()) {
    return fail(ErrorCode::invalid_argument, "lanes", "must be an array or {\"lanes\": [...]}");
  }
  std::map<std::string, int64_t> targets;
  if (!a.targets_file.empty()) {
    LC_TRY(read, transfer_read_targets(a.targets_file));
    targets = std::move(read);
  }
  std::map<std::string, int64_t> stock;  // ordered by id: a stable site order
  for (const engine::BalanceView& view : balances) {
    stock[view.location_id] = std::max<int64_t>(0, view.balance.available_units());
  }
  for (const auto& [field, id] : transfer_lane_ends(lanes->get_array())) {
    if (!engine.state().find_location(id)) {
      return fail(ErrorCode::not_found, field, fmt::format("unknown location '{}'", id));
    }
    stock.emplace(id, 0);
  }
  for (const auto& [id, units] : targets) {
    if (!engine.state().find_location(id)) {
      return fail(ErrorCode::not_found, "targets." + id, fmt::format("unknown location '{}'", id));
    }
    stock.emplace(id, 0);
  }
  json::array sites;
  for (const auto& [id, units] : stock) {
    auto location = engine.state().find_location(id);
    engine::LocationKind kind = engine.state().locations()[*location].kind;
    int64_t target = units;
    if (auto named = targets.find(id); named != targets.end()) {
      target = named->second;
    } else if (kind == engine::LocationKind::dc) {
      target = a.dc_target_units;
    } else if (kind == engine::LocationKind::store && a.store_target_units) {
      target = *a.store_target_units;
    }
    sites.push_back(json::object{{"id", id},
                                 {"kind", engine::location_kind_name(kind)},
                                 {"stock", units},
                                 {"target", target}});
  }
  return json::object{{"sites", std::move(sites)},
                      {"lanes", *lanes},
                      {"weights", json::object{{"cost", a.weight_cost},
                                               {"lead_time_h", a.weight_lead_time_h},
                                               {"co2_kg", a.weight_co2_kg}}},
                      {"unmet_penalty", a.unmet_penalty}};
}

void run_plan_transfers(const PlanTransferArgs& a) {
  if (a.problem_file.empty() == a.db.empty()) {
    std::cerr << "error: give either --problem FILE or --db DB --sku GTIN --lanes FILE\n";
    throw CommandExit{kExitUsage};
  }
  json::value problem_json;
  if (!a.problem_file.empty()) {
    auto read = read_json_file(a.problem_file, "problem", planning::kTransferFileBytesMax);
    if (!read) exit_with_error(read.error());
    problem_json = std::move(*read);
  } else {
    if (a.gtin.empty() || a.lanes_file.empty()) {
      std::cerr << "error: --db needs --sku GTIN and --lanes FILE\n";
      throw CommandExit{kExitUsage};
    }
    auto built = transfer_problem_from_ledger(a);
    if (!built) exit_with_error(built.error());
    problem_json = std::move(*built);
  }
  auto problem = planning::parse_transfer_problem(problem_json);
  if (!problem) exit_with_error(problem.error());
  json::object out = transfer_output(*problem);
  if (!a.db.empty()) {
    out["sku"] = a.gtin;
    out["sites"] = problem_json.at("sites");
  }
  std::cout << json::serialize(out) << "\n";
}

// ---- bench plan-transfers ----

struct TransferBenchArgs {
  uint64_t seed = 1;
  int runs = 50;
  size_t dcs = 12;
  size_t stores = 300;
  size_t neighbours = 32;
};

double transfer_bench_percentile_ms(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// Times solve_transfers (validation, graph build and solve) `runs` times.
std::pair<std::vector<double>, TransferPlan> transfer_bench_time(
    const TransferProblem& problem, planning::TransferAlgorithm algorithm, int runs) {
  std::vector<double> times_ms;
  TransferPlan plan;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto solved = planning::solve_transfers(problem, algorithm);
    auto stop = std::chrono::steady_clock::now();
    if (!solved) exit_with_error(solved.error());
    times_ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    plan = std::move(*solved);
  }
  return {std::move(times_ms), std::move(plan)};
}

void run_transfer_bench(const TransferBenchArgs& a, const CliOptions& options) {
  planning::TransferInstanceShape shape{a.dcs, a.stores, a.neighbours, a.seed};
  if (a.dcs + a.stores > planning::kTransferSitesMax) {
    exit_with_error(Error{ErrorCode::limit_exceeded, "stores",
                          fmt::format("dcs + stores ≤ {}", planning::kTransferSitesMax)});
  }
  size_t lanes = a.dcs * a.stores + a.stores * std::min(a.neighbours, a.stores - 1);
  if (lanes > planning::kTransferLanesMax) {
    exit_with_error(Error{ErrorCode::limit_exceeded, "lanes",
                          fmt::format("{} lanes (dcs × stores + stores × neighbours): at most {}",
                                      lanes, planning::kTransferLanesMax)});
  }
  TransferProblem problem = planning::generate_transfer_instance(shape);
  auto [simplex_ms, simplex] =
      transfer_bench_time(problem, planning::TransferAlgorithm::network_simplex, a.runs);
  auto [scaling_ms, scaling] =
      transfer_bench_time(problem, planning::TransferAlgorithm::capacity_scaling, a.runs);
  TransferPlan baseline = planning::nearest_dc_baseline(problem);
  double ns_p50 = transfer_bench_percentile_ms(simplex_ms, 0.5);
  double ns_max = transfer_bench_percentile_ms(simplex_ms, 1.0);
  double cs_p50 = transfer_bench_percentile_ms(scaling_ms, 0.5);
  double cs_max = transfer_bench_percentile_ms(scaling_ms, 1.0);
  json::object out{
      {"seed", a.seed},
      {"sites", problem.sites.size()},
      {"lanes", problem.lanes.size()},
      {"runs", a.runs},
      {"network_simplex", json::object{{"solve_ms_p50", ns_p50}, {"solve_ms_max", ns_max}}},
      {"capacity_scaling", json::object{{"solve_ms_p50", cs_p50}, {"solve_ms_max", cs_max}}},
      {"capacity_scaling_over_network_simplex_p50", cs_p50 / ns_p50},
      {"objective_gap", std::abs(simplex.objective - scaling.objective)},
      {"target_ms_at_12_dcs_300_stores", 50},
      {"optimum", transfer_figures_json(simplex)},
      {"baseline", transfer_figures_json(baseline)}};
  std::string text = fmt::format(
      "seed {}: {} sites, {} lanes, {} runs\n"
      "network simplex (LEMON): p50 {:.2f} ms, max {:.2f} ms (target ≤ 50 ms at 12 DCs × 300 "
      "stores)\n"
      "capacity scaling (LEMON, peer): p50 {:.2f} ms, max {:.2f} ms — {:.2f}× the simplex p50; "
      "objective gap {:.3g}\n"
      "optimum:  objective {:.2f}, cost {:.2f}, CO2 {:.2f} kg, moved {}, unmet {}\n"
      "baseline: objective {:.2f}, cost {:.2f}, CO2 {:.2f} kg, moved {}, unmet {} "
      "(nearest DC by lead time only)",
      a.seed, problem.sites.size(), problem.lanes.size(), a.runs, ns_p50, ns_max, cs_p50, cs_max,
      cs_p50 / ns_p50, std::abs(simplex.objective - scaling.objective), simplex.objective,
      simplex.cost, simplex.co2_kg, simplex.moved_units, simplex.unmet_units, baseline.objective,
      baseline.cost, baseline.co2_kg, baseline.moved_units, baseline.unmet_units);
  print(options, out, text);
}

}  // namespace

void add_plan_transfer_commands(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<PlanTransferArgs>();
  CLI::App* plan = plan_group(root);
  auto* cmd = plan->add_subcommand(
      "transfers", "Threshold-triggered transfers: the cheapest moves from spare to need (JSON)");
  cmd->add_option("--problem", a->problem_file, "Problem JSON file (docs/planning.md)");
  cmd->add_option("--db", a->db, "Ledger database: build the instance from live balances");
  cmd->add_option("--sku", a->gtin, "With --db: the SKU (GTIN)");
  cmd->add_option("--lanes", a->lanes_file,
                  "With --db: lanes JSON file ([...] or {\"lanes\": [...]})");
  cmd->add_option("--targets", a->targets_file, "With --db: {\"LOCATION\": target units, …}");
  cmd->add_option("--store-target", a->store_target_units,
                  "With --db: target of stores the targets file does not name "
                  "(default: their stock)");
  cmd->add_option("--dc-target", a->dc_target_units,
                  "With --db: target of DCs the targets file does not name")
      ->capture_default_str();
  cmd->add_option("--weight-cost", a->weight_cost, "With --db: weight of cost_per_unit")
      ->capture_default_str();
  cmd->add_option("--weight-lead-time-h", a->weight_lead_time_h, "With --db: weight of lead_time_h")
      ->capture_default_str();
  cmd->add_option("--weight-co2-kg", a->weight_co2_kg, "With --db: weight of co2_kg_per_unit")
      ->capture_default_str();
  cmd->add_option("--unmet-penalty", a->unmet_penalty, "With --db: penalty per unmet unit")
      ->capture_default_str();
  cmd->callback([a] { run_plan_transfers(*a); });

  CLI::App* bench = root.get_subcommand("bench");
  auto b = std::make_shared<TransferBenchArgs>();
  auto* bench_cmd = bench->add_subcommand(
      "plan-transfers", "Transfer optimiser on a seeded DC × store instance, against a peer");
  bench_cmd->add_option("--seed", b->seed, "Instance seed")->capture_default_str();
  bench_cmd->add_option("--runs", b->runs, "Solves per solver")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  bench_cmd->add_option("--dcs", b->dcs, "DCs")->check(CLI::Range(1, 1'000))->capture_default_str();
  bench_cmd->add_option("--stores", b->stores, "Stores")
      ->check(CLI::Range(1, 19'000))
      ->capture_default_str();
  bench_cmd->add_option("--neighbours", b->neighbours, "Store → store lanes per store")
      ->check(CLI::Range(0, 200))
      ->capture_default_str();
  bench_cmd->callback([b, &options] { run_transfer_bench(*b, options); });
}

}  // namespace livechain::cli
