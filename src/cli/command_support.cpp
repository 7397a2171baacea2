#include "cli/command_support.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "core/gtin.hpp"
#include "core/time.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

void exit_with_error(const Error& error) {
  std::fprintf(stderr, "error: %s\n", error.to_string().c_str());
  throw CommandExit{kExitFailure};
}

void exit_usage(const Error& error) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", error.to_string().c_str());
  throw CommandExit{kExitUsage};
}

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(ErrorCode::invalid_argument, "listen", "expected HOST:PORT, got '" + text + "'");
  }
  // from_chars, not std::stoi: no exception, no sign, no trailing junk, no wrap-around.
  unsigned port = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(begin, end, port);
  if (begin == end || error != std::errc() || stop != end || port > 65535) {
    return fail(ErrorCode::invalid_argument, "listen",
                "port must be a whole number in 0..65535 (0: any free) in '" + text + "'");
  }
  return std::pair{text.substr(0, colon), static_cast<uint16_t>(port)};
}

std::unique_ptr<Ledger> open_writer(const std::string& db_path) {
  static const SystemClock clock;
  auto ledger = Ledger::open(db_path, clock);
  if (!ledger) exit_with_error(ledger.error());
  return std::move(*ledger);
}

std::unique_ptr<Ledger> open_reader(const std::string& db_path) {
  auto ledger = Ledger::open_reader(db_path);
  if (!ledger) exit_with_error(ledger.error());
  return std::move(*ledger);
}

void add_idempotency_option(CLI::App* command, CliOptions& options) {
  command->add_option("--idempotency-key", options.idempotency_key,
                      "Retry-safe: the same key and arguments apply once and print the first "
                      "answer again (kept 24 h)");
}

Result<json::value> read_json_file(const std::string& path, const std::string& field,
                                   size_t bytes_max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, field, "cannot open '" + path + "'");
  std::string text;
  text.resize(bytes_max + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > bytes_max) {
    return fail(ErrorCode::limit_exceeded, field,
                fmt::format("'{}' is larger than {} bytes", path, bytes_max));
  }
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("'{}' is not valid JSON: {}", path, error.message()));
  }
  return value;
}

CLI::App* plan_group(CLI::App& root) {
  for (CLI::App* existing : root.get_subcommands([](CLI::App*) { return true; })) {
    if (existing->get_name() == "plan") return existing;
  }
  return root
      .add_subcommand("plan", "Planning: inventory-policy formulas, session stocking, transfers")
      ->require_subcommand(1);
}

void print(const CliOptions& options, const json::value& value, const std::string& text) {
  if (options.json) {
    std::cout << json::serialize(value) << "\n";
  } else {
    std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
  }
}

void execute_and_print(const std::string& db_path, const Command& command,
                       const CliOptions& options) {
  auto ledger = open_writer(db_path);
  auto reply = ledger->execute(with_idempotency_key(command, options.idempotency_key));
  if (!reply) exit_with_error(reply.error());
  print(options, to_json(*reply), to_text(*reply));
}

namespace {
std::string reservation_text(const ReservationView& view) {
  std::string out =
      fmt::format("reservation {} {}", view.reservation_id, reservation_status_name(view.status));
  if (!view.order_id.empty())
    out += fmt::format(" order {} channel {}", view.order_id, view.channel_id);
  if (view.expires_at_ms > 0 && view.status == ReservationStatus::pending) {
    out += fmt::format(" expires {}", format_time(view.expires_at_ms));
  }
  if (view.idempotent_replay) out += " (idempotent replay of the original request)";
  for (const auto& line : view.lines) {
    out += fmt::format("\n  {} x{} @ {}", line.gtin, line.qty_units, line.location_id);
    if (line.committed_units) out += fmt::format(" committed {}", *line.committed_units);
  }
  return out;
}

struct TextVisitor {
  std::string operator()(const Done&) const { return "ok"; }
  std::string operator()(const ReservationView& v) const { return reservation_text(v); }
  std::string operator()(const TransferView& v) const {
    std::string out = fmt::format("transfer {}: {} x{} {} -> {} ", v.transfer_id, v.gtin,
                                  v.shipped_units, v.from_location_id, v.to_location_id);
    return out + (v.received_units ? fmt::format("received {}", *v.received_units) : "in transit");
  }
  std::string operator()(const ReturnView& v) const {
    return fmt::format(
        "return {}: {} x{} at {}: quarantine {}, rework {}, restocked {}, scrapped {}", v.return_id,
        v.gtin, v.received_units, v.location_id, v.quarantine_units, v.rework_units,
        v.restocked_units, v.scrapped_units);
  }
  std::string operator()(const BalanceView& v) const {
    const Balance& b = v.balance;
    return fmt::format("{} @ {}: on_hand {} reserved {} available {} in_transit {} quarantine {}",
                       v.gtin, v.location_id, b.on_hand_units, b.reserved_units,
                       b.available_units(), b.in_transit_units, b.quarantine_units);
  }
  std::string operator()(const AlertView& v) const {
    return fmt::format("alert {} {} {} {}{}", v.record.alert_id, v.record.kind,
                       alert_severity_name(v.record.severity), alert_state_name(v.record.state),
                       v.changed ? "" : " (unchanged)");
  }
  std::string operator()(const StoredAnswer& v) const {
    return fmt::format("stored answer {} ({} bytes)", v.status, v.body.size());
  }
  std::string operator()(const SilenceView& v) const {
    return fmt::format("silence {}", v.record.silence_id);
  }
  std::string operator()(const ExpiredView& v) const {
    if (v.reservation_ids.empty()) return "no reservation was due to expire";
    std::string out = fmt::format("expired {} reservation(s):", v.reservation_ids.size());
    for (uint64_t id : v.reservation_ids) out += fmt::format(" {}", id);
    return out;
  }
  std::string operator()(const AllocationsView& v) const {
    if (v.allocations.empty()) return "allocation removed";
    std::string out;
    for (const AllocationView& a : v.allocations) {
      out += fmt::format("{}{} {} @ {}: {} units allocated", out.empty() ? "" : "\n", a.channel_id,
                         a.gtin, a.location_id.empty() ? "network" : a.location_id, a.qty_units);
    }
    return out;
  }
  std::string operator()(const BatchView& v) const {
    std::string out =
        fmt::format("batch {}: {} lot {} produced {} at {}, {} unit(s) issued", v.batch_id, v.gtin,
                    v.lot, format_time(v.produced_at_ms), v.factory_id, v.units_issued);
    if (v.issued_first_serial && v.issued_last_serial) {
      out += fmt::format("; serials {}..{}", *v.issued_first_serial, *v.issued_last_serial);
    }
    return out;
  }
};
}  // namespace

std::string to_text(const Reply& reply) {
  return std::visit(TextVisitor{}, reply);
}

Result<LineRequest> parse_line(const std::string& field, const std::string& text) {
  LineRequest line;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    line.location_id = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  auto colon = rest.find(':');
  if (colon == std::string::npos) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("'{}' is not GTIN:QTY[@LOCATION]", text));
  }
  line.gtin = rest.substr(0, colon);
  std::string qty = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(qty.data(), qty.data() + qty.size(), line.qty_units);
  if (ec != std::errc() || end != qty.data() + qty.size()) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("quantity '{}' in '{}' is not a whole number", qty, text));
  }
  return line;
}

std::string synthetic_gtin(int64_t first_body, int index) {
  std::string body = fmt::format("{:013d}", first_body + index);
  return body + static_cast<char>('0' + gtin_check_digit(body));
}

std::string create_bench_database(std::string_view name) {
  std::string pattern = fmt::format("/tmp/livechain-bench-{}-XXXXXX", name);
  const char* dir = mkdtemp(pattern.data());
  if (dir == nullptr) exit_with_error(Error{ErrorCode::io_error, "bench", "mkdtemp failed"});
  std::string db = std::string(dir) + "/bench.db";
  if (auto key = engine::Ledger::init(db); !key) exit_with_error(key.error());
  return db;
}

}  // namespace livechain::cli
