// `livechain simulate`: runs one digital-twin scenario (src/twin) with a seed and
// writes kpis.json, kpis.csv and history/ (docs/twin.md). Also lists the scenarios
// and regenerates the calibration header from the Douyin data set.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "cli/command_support.hpp"
#include "twin/twin.hpp"

namespace livechain::cli {

namespace {

struct SimulateArgs {
  std::string scenario;
  uint64_t seed = 1;
  std::string out_dir;
  std::vector<std::string> params;
  bool list = false;
  std::string fit_calibration;
};

void list_scenarios(const CliOptions& options) {
  boost::json::array json;
  std::string text;
  for (const auto& id : twin::scenario_ids()) {
    const auto scenario = twin::find_scenario(id);
    json.push_back(boost::json::object{
        {"id", id}, {"base", scenario->base_id}, {"summary", scenario->summary}});
    text += fmt::format("{:<22} (vs {:<5}) {}\n", id, scenario->base_id, scenario->summary);
  }
  if (!text.empty()) text.pop_back();
  print(options, json, text);
}

void fit_calibration(const std::string& path) {
  auto sessions = twin::read_douyin_sessions(path);
  if (!sessions) exit_with_error(sessions.error());
  std::fputs(twin::calibration_header(twin::fit_hosts(*sessions)).c_str(), stdout);
}

void run_simulate(const SimulateArgs& args, const CliOptions& options) {
  if (args.list) return list_scenarios(options);
  if (!args.fit_calibration.empty()) return fit_calibration(args.fit_calibration);
  if (args.scenario.empty()) {
    exit_with_error(Error{ErrorCode::invalid_argument, "scenario", "--scenario is required"});
  }
  if (args.out_dir.empty()) {
    exit_with_error(Error{ErrorCode::invalid_argument, "out", "--out is required"});
  }
  auto scenario = twin::find_scenario(args.scenario);
  if (!scenario) exit_with_error(scenario.error());
  twin::RunConfig config{*scenario, args.seed};
  for (const auto& assignment : args.params) {
    auto set = twin::set_param(config.scenario, assignment);
    if (!set) exit_with_error(set.error());
  }
  std::fprintf(stderr, "SEED=%llu\n", static_cast<unsigned long long>(args.seed));
  auto result = twin::run(config);
  if (!result) {
    std::fprintf(stderr, "reproduce with: livechain simulate --scenario %s --seed %llu\n",
                 args.scenario.c_str(), static_cast<unsigned long long>(args.seed));
    exit_with_error(result.error());
  }
  auto written = twin::write_outputs(args.out_dir, config, *result);
  if (!written) exit_with_error(written.error());
  const auto& k = result->kpis;
  const std::string text = fmt::format(
      "scenario {} seed {}: {} orders, fill rate {:.4f}, stockout {} SKU-min, oversold {}, "
      "lost {} units, fulfilment p50/p95 {:.1f}/{:.1f} h, returns {} units\nwrote {}/kpis.json, "
      "kpis.csv, history/",
      config.scenario.id, config.seed, k.orders, k.fill_rate, k.stockout_sku_minutes,
      k.oversold_units, k.lost_sales_units, k.fulfilment_hours_p50, k.fulfilment_hours_p95,
      k.returned_units, args.out_dir);
  print(options, boost::json::parse(twin::kpis_json(config, k)), text);
}

}  // namespace

void add_twin_commands(CLI::App& root, CliOptions& options) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = root.add_subcommand(
      "simulate", "Run a digital-twin scenario (docs/scenarios.md) and write KPIs and history");
  cmd->add_option("--scenario", args->scenario, "Scenario id, e.g. daily, mega, surge-15x");
  cmd->add_option("--seed", args->seed, "Seed: the run is a pure function of it");
  cmd->add_option("--out", args->out_dir, "Output folder (created)");
  cmd->add_option("--param", args->params, "Override a scenario parameter: KEY=VALUE (repeat)");
  cmd->add_flag("--list", args->list, "List the scenarios");
  cmd->add_option("--fit-calibration", args->fit_calibration,
                  "Print src/twin/calibration_douyin.hpp fitted from sessions.csv.gz");
  cmd->callback([args, &options] { run_simulate(*args, options); });
}

}  // namespace livechain::cli
