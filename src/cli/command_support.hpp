// src/cli/command_support.hpp — internal helpers shared by the CLI command files.
//
// Opening the database, turning engine Results into output and exit codes, and
// rendering replies as text or JSON. Transport only: no business rules here.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "cli/cli.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/commands.hpp"
#include "engine/ledger.hpp"
#include "server/json_views.hpp"

namespace livechain::cli {

// Prints "error: <code> (<field>): <detail>" to stderr and throws CommandExit{1}.
[[noreturn]] void exit_with_error(const Error& error);

// A usage error: prints like exit_with_error and throws CommandExit{kExitUsage} (2).
[[noreturn]] void exit_usage(const Error& error);

// Parses --listen "HOST:PORT" into (host, port); port 0 asks for any free port.
// Errors: invalid_argument naming `listen` when there is no ':' or no host, or the port
// is not a whole number in 0..65535.
Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& text);

// Opens the ledger for writing / reading or exits with the error.
std::unique_ptr<engine::Ledger> open_writer(const std::string& db_path);
std::unique_ptr<engine::Ledger> open_reader(const std::string& db_path);

// Executes `command` durably and prints its reply (text or JSON).
void execute_and_print(const std::string& db_path, const engine::Command& command,
                       const CliOptions& options);

// JSON shapes are the HTTP API's (server/json_views.hpp): one vocabulary everywhere.
inline boost::json::value to_json(const engine::Reply& reply) {
  return server::reply_json(reply);
}
inline boost::json::value to_json(const engine::BalanceView& view) {
  return server::balance_json(view);
}
using server::format_time;
std::string to_text(const engine::Reply& reply);

// Parses "GTIN:QTY[@LOCATION]". Errors: invalid_argument naming `field`.
Result<engine::LineRequest> parse_line(const std::string& field, const std::string& text);

// Reads a JSON file of at most `bytes_max` bytes (a problem, cases, lanes or tiers file).
// Errors naming `field`: not_found when it cannot be opened, limit_exceeded when larger,
// invalid_argument when it is not JSON.
Result<boost::json::value> read_json_file(const std::string& path, const std::string& field,
                                          size_t bytes_max);

// The `plan` command group (planning: formulas, sessions, transfers), created by the
// first caller; each planning command file adds its subcommands to it.
CLI::App* plan_group(CLI::App& root);

// A valid GTIN-14 for benchmark catalogues: the 13 digits `first_body + index` (each
// benchmark its own range, so their databases never mix) and the check digit.
std::string synthetic_gtin(int64_t first_body, int index);

// A fresh database for a benchmark, `/tmp/livechain-bench-<name>-XXXXXX/bench.db`,
// initialised (signing key made); returns its path. Exits with the error on failure.
// The caller removes the directory (the path's parent) when done.
std::string create_bench_database(std::string_view name);

// Prints JSON (pretty enough for people: one object per line) or text.
void print(const CliOptions& options, const boost::json::value& json, const std::string& text);

}  // namespace livechain::cli
