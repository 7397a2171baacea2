// The `livechain` binary: registers every command group and maps outcomes to exit codes.
#include <cstdio>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"livechain — live-commerce supply-chain engine", "livechain"};
  app.require_subcommand(1);
  livechain::cli::CliOptions options;
  app.add_flag("--json", options.json, "Print results as JSON");
  livechain::cli::add_engine_commands(app, options);
  livechain::cli::add_channel_commands(app, options);
  livechain::cli::add_ledger_commands(app, options);
  livechain::cli::add_ledger_maintenance_commands(app, options);
  livechain::cli::add_merkle_commands(app, options);
  livechain::cli::add_bench_commands(app, options);
  livechain::cli::add_forecast_commands(app, options);
  livechain::cli::add_twin_commands(app, options);
  livechain::cli::add_server_commands(app, options);
  livechain::cli::add_alert_commands(app, options);
  livechain::cli::add_trace_commands(app, options);
  livechain::cli::add_session_commands(app, options);
  livechain::cli::add_ats_sync_bench(app, options);
  livechain::cli::add_asof_commands(app, options);
  livechain::cli::add_plan_transfer_commands(app, options);
  livechain::cli::add_plan_formulas_commands(app, options);
  livechain::cli::add_plan_production_commands(app, options);
  livechain::cli::add_witness_commands(app, options);
  livechain::cli::add_sensor_bench(app, options);
  livechain::cli::add_kpi_commands(app, options);
  livechain::cli::add_export_commands(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);
    return livechain::cli::kExitUsage;
  } catch (const livechain::cli::CommandExit& exit) {
    std::fflush(stdout);
    return exit.code;
  }
  return livechain::cli::kExitOk;
}
