// `livechain kpi --db PATH [--period day|week|month] [--from YYYY-MM-DD] [--to YYYY-MM-DD]`
// and `livechain kpi --definitions`: the twelve KPIs read from the journal (a read-only
// connection, so a running server may hold the database). --json prints what
// GET /v1/kpis (or /v1/kpis/definitions) answers.
#include <fmt/format.h>

#include "cli/command_support.hpp"
#include "kpi/kpi.hpp"
#include "server/kpi_feed.hpp"
#include "store/store.hpp"

namespace livechain::cli {

namespace json = boost::json;

namespace {
struct KpiArgs {
  std::string db;
  std::string period = "day";
  std::optional<std::string> from;
  std::optional<std::string> to;
  bool definitions = false;
};

std::string target_text(const kpi::Target& target) {
  if (const double* number = std::get_if<double>(&target)) return fmt::format("{}", *number);
  if (const auto* text = std::get_if<std::string_view>(&target)) return std::string(*text);
  return "";
}

void print_definitions(const CliOptions& options) {
  std::string text;
  for (const kpi::Definition& d : kpi::definitions()) {
    text +=
        fmt::format("{:<32} {:<10} {:<11} target {}\n  {}\n", d.name, kpi::group_name(d.group),
                    d.unit, target_text(d.target).empty() ? "-" : target_text(d.target), d.formula);
  }
  text.pop_back();
  print(options, server::kpi_definitions_json(), text);
}

void show(const KpiArgs& a, const CliOptions& options) {
  if (a.definitions) return print_definitions(options);
  if (a.db.empty()) exit_usage(Error{ErrorCode::invalid_argument, "--db", "is required"});
  auto period = kpi::parse_period("--period", a.period);
  if (!period) exit_usage(period.error());
  SystemClock clock;
  kpi::DayNumber today = kpi::day_of(clock.now_ms());
  auto query = kpi::make_query(*period, a.from, a.to, today);
  if (!query) {
    Error error = query.error();
    error.field = "--" + error.field;
    exit_usage(error);
  }
  auto storage = store::open_sqlite(a.db, store::OpenMode::reader);
  if (!storage) exit_with_error(storage.error());
  auto journal = journal::Journal::open(**storage, std::nullopt);
  if (!journal) exit_with_error(journal.error());
  kpi::Model model;
  if (auto applied = model.catch_up(**journal); !applied) exit_with_error(applied.error());
  std::vector<kpi::Row> rows = model.rows(*query, today);
  std::string text;
  const auto definitions = kpi::definitions();
  for (const kpi::Row& row : rows) {
    text += fmt::format("{} {}\n", kpi::period_name(*period), kpi::format_date(row.start_day));
    for (size_t i = 0; i < definitions.size(); ++i) {
      std::string value = row.values[i] ? fmt::format("{:.2f}", *row.values[i]) : "no data";
      std::string target = target_text(definitions[i].target);
      text += fmt::format("  {:<32} {:>12}{}\n", definitions[i].name, value,
                          target.empty() ? "" : "   target " + target);
    }
  }
  text.pop_back();
  print(options, server::kpi_rows_json(*period, rows), text);
}
}  // namespace

void add_kpi_commands(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<KpiArgs>();
  auto* command = root.add_subcommand(
      "kpi", "The twelve KPIs by day, ISO week or month (UTC), from the journal");
  command->add_option("--db", a->db, "The ledger database");
  command->add_option("--period", a->period, "day | week | month")->capture_default_str();
  command->add_option("--from", a->from,
                      "First date YYYY-MM-DD (default: 31 days / 12 weeks / "
                      "12 months ending with --to)");
  command->add_option("--to", a->to, "Last date YYYY-MM-DD (default: today, UTC)");
  command->add_flag("--definitions", a->definitions,
                    "Print the KPIs' groups, units, formulas and targets instead");
  command->callback([a, &options] { show(*a, options); });
}

}  // namespace livechain::cli
