// `livechain alerts list | ack | resolve` on the database directly (the server must
// not be running for ack/resolve: it holds the writer lock; use the HTTP API then).
#include <fmt/format.h>

#include "alerts/alerts.hpp"
#include "cli/command_support.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
struct AlertArgs {
  std::string db, state, severity, kind, note;
  int64_t since_ms = 0;
  size_t limit = 100;
  uint64_t id = 0;
};

AlertFilter filter_from(const AlertArgs& a) {
  AlertFilter filter;
  if (!a.state.empty()) {
    AlertState state = AlertState::raised;
    if (!parse_alert_state(a.state, state)) {
      exit_with_error(Error{ErrorCode::invalid_argument, "state",
                            "must be one of raised, acknowledged, resolved"});
    }
    filter.state = state;
  }
  if (!a.severity.empty()) {
    AlertSeverity severity = AlertSeverity::info;
    if (!parse_alert_severity(a.severity, severity)) {
      exit_with_error(Error{ErrorCode::invalid_argument, "severity",
                            "must be one of info, yellow, orange, red"});
    }
    filter.severity = severity;
  }
  filter.kind = a.kind;
  filter.since_ms = a.since_ms;
  filter.limit = a.limit;
  return filter;
}

void list(const AlertArgs& a, const CliOptions& options) {
  auto ledger = open_reader(a.db);
  std::vector<AlertRecord> records = ledger->engine().alerts(filter_from(a));
  json::array out;
  std::string text;
  for (const AlertRecord& r : records) {
    out.push_back(alerts::alert_json(r));
    std::string subject;
    for (const auto& [name, value] : r.subject) subject += fmt::format(" {}={}", name, value);
    text += fmt::format("{:>6}  {:<8} {:<12} {:<28}{}  updated {}\n", r.alert_id,
                        alert_severity_name(r.severity), alert_state_name(r.state), r.kind, subject,
                        alerts::rfc3339_ms(r.updated_at_ms));
  }
  if (records.empty()) text = "no alerts\n";
  text.pop_back();
  print(options, json::object{{"alerts", std::move(out)}}, text);
}
}  // namespace

void add_alert_bench(CLI::App& root, CliOptions& options);  // bench_alerts.cpp

void add_alert_commands(CLI::App& root, CliOptions& options) {
  add_alert_bench(root, options);  // `bench alerts`; REQUIRES: add_bench_commands ran
  auto a = std::make_shared<AlertArgs>();
  auto* alerts =
      root.add_subcommand("alerts", "Alerts: list, acknowledge, resolve")->require_subcommand(1);
  auto* list_command = alerts->add_subcommand("list", "Alerts, newest first");
  list_command->add_option("--db", a->db)->required();
  list_command->add_option("--state", a->state, "raised | acknowledged | resolved");
  list_command->add_option("--severity", a->severity, "info | yellow | orange | red");
  list_command->add_option("--kind", a->kind);
  list_command->add_option("--since-ms", a->since_ms, "Updated at or after (epoch ms)");
  list_command->add_option("--limit", a->limit)->check(CLI::Range(1, 1'000))->capture_default_str();
  list_command->callback([a, &options] { list(*a, options); });
  for (const char* name : {"ack", "resolve"}) {
    bool ack = std::string_view(name) == "ack";
    auto* change = alerts->add_subcommand(name, ack ? "Acknowledge an alert" : "Resolve an alert");
    change->add_option("--db", a->db)->required();
    change->add_option("--id", a->id)->required();
    change->add_option("--note", a->note, "Who or why (kept with the alert)");
    add_idempotency_option(change, options);
    change->callback([a, ack, &options] {
      Command command = ack ? Command{AcknowledgeAlert{a->id, a->note}}
                            : Command{ResolveAlert{a->id, "", {}, a->note}};
      execute_and_print(a->db, command, options);
    });
  }
}

}  // namespace livechain::cli
