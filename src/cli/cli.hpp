// src/cli/cli.hpp — the `livechain` command.
//
// Each file *_commands.cpp registers one command group on the root CLI11 app. Every
// command prints human-readable text by default and JSON with --json, and exits
// 0 on success, 1 on a domain error or failed verification (message on stderr naming
// the field and reason), 2 on a usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace livechain::cli {

struct CliOptions {
  bool json = false;
  // --idempotency-key of the write command being run (empty: none).
  std::string idempotency_key;
};

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Thrown only inside the CLI (never across the engine) to carry a command's exit code
// out of a CLI11 callback; main() catches it.
struct CommandExit {
  int code;
};

void add_merkle_commands(CLI::App& root, CliOptions& options);
void add_ledger_commands(CLI::App& root, CliOptions& options);
void add_engine_commands(CLI::App& root, CliOptions& options);  // also calls add_order_commands
void add_order_commands(CLI::App& root, CliOptions& options);
// `ledger rebuild|snapshot`; call after add_ledger_commands (it extends `ledger`).
void add_ledger_maintenance_commands(CLI::App& root, CliOptions& options);
void add_bench_commands(CLI::App& root, CliOptions& options);
void add_forecast_commands(CLI::App& root, CliOptions& options);
void add_twin_commands(CLI::App& root, CliOptions& options);
void add_server_commands(CLI::App& root, CliOptions& options);  // serve, apikey
// `channel allocate | move | available`; call after add_engine_commands (it extends
// `channel`).
void add_channel_commands(CLI::App& root, CliOptions& options);
// Gives a write command `--idempotency-key KEY` (execute_and_print applies it).
void add_idempotency_option(CLI::App* command, CliOptions& options);
void add_alert_commands(CLI::App& root, CliOptions& options);  // alerts list|ack|resolve
void add_trace_commands(CLI::App& root, CliOptions& options);  // trace gtin|dl
// `session put|show` and `plan session` (planned live sessions, issue 18 §2).
void add_session_commands(CLI::App& root, CliOptions& options);
void add_ats_sync_bench(CLI::App& root, CliOptions& options);
// `export` and `bench export` (docs/export.md); call after add_bench_commands.
void add_export_commands(CLI::App& root, CliOptions& options);  // bench ats-sync (after bench)
// `stock rollback` and `bench as-of`; call after add_engine_commands and add_bench_commands.
void add_asof_commands(CLI::App& root, CliOptions& options);
// `plan formulas --cases FILE` (src/planning/formulas.hpp).
void add_plan_formulas_commands(CLI::App& root, CliOptions& options);
// `stock show --as-of T`: balances (of one SKU, or all when gtin is empty) at T.
// `plan transfers` and `bench plan-transfers`; call after add_bench_commands.
void add_plan_transfer_commands(CLI::App& root, CliOptions& options);
// `plan production` and `bench plan-production`; call after add_bench_commands.
void add_plan_production_commands(CLI::App& root, CliOptions& options);
// `ledger checkpoint|vkey` and `witness init|cosign|verify` (C2SP checkpoints, issue 12
// §7); call after add_ledger_commands (it extends `ledger`).
void add_witness_commands(CLI::App& root, CliOptions& options);
// `bench sensors` (cold-chain readings over MQTT); call after add_bench_commands.
void add_sensor_bench(CLI::App& root, CliOptions& options);
// `kpi`: the twelve KPIs by day, week or month from the journal (src/kpi, docs/kpi.md).
void add_kpi_commands(CLI::App& root, CliOptions& options);
void print_stock_as_of(const std::string& db, const std::string& gtin, const std::string& as_of,
                       const CliOptions& options);

}  // namespace livechain::cli
