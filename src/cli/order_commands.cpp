// `livechain order | transfer | return` and `ledger rebuild | snapshot`.
#include <fmt/format.h>

#include "cli/command_support.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

struct OrderArgs {
  std::string db, order_id, channel, region, idempotency_key, gtin, location, from, to, reason,
      grade;
  std::vector<std::string> lines;
  uint64_t id = 0;
  int64_t qty = 0;
  int64_t ttl_ms = kReservationTtlMsDefault;
  bool presale = false;
  bool repair = false;
};

std::vector<LineRequest> parse_lines(const std::vector<std::string>& texts) {
  std::vector<LineRequest> lines;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto line = parse_line(fmt::format("line[{}]", i), texts[i]);
    if (!line) exit_with_error(line.error());
    lines.push_back(std::move(*line));
  }
  return lines;
}

// --qty given or not: CLI11 leaves the default when absent.
std::optional<int64_t> optional_qty(CLI::Option* option, int64_t value) {
  return option->count() > 0 ? std::optional<int64_t>(value) : std::nullopt;
}

void add_order(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<OrderArgs>();
  auto* order = root.add_subcommand("order", "Reservations: reserve, commit, release, expire")
                    ->require_subcommand(1);
  auto* reserve = order->add_subcommand("reserve", "Reserve all lines or none");
  reserve->add_option("--db", a->db)->required();
  reserve->add_option("--order-id", a->order_id)->required();
  reserve->add_option("--channel", a->channel)->required();
  reserve->add_option("--line", a->lines, "GTIN:QTY[@LOCATION], repeatable")->required();
  reserve->add_option("--region", a->region, "Buyer region: picks the nearest location");
  reserve->add_option("--ttl-ms", a->ttl_ms, "Unpaid reservations expire after this")
      ->capture_default_str();
  reserve->add_option("--idempotency-key", a->idempotency_key);
  reserve->add_flag("--presale", a->presale, "Sell against planned production");
  reserve->callback([a, &options] {
    Reserve command{a->order_id, a->channel,   std::nullopt, parse_lines(a->lines),
                    a->ttl_ms,   std::nullopt, a->presale};
    if (!a->region.empty()) command.buyer_region = a->region;
    if (!a->idempotency_key.empty()) command.idempotency_key = a->idempotency_key;
    execute_and_print(a->db, command, options);
  });
  auto* commit =
      order->add_subcommand("commit", "Commit at payment (fewer units release the rest)");
  add_idempotency_option(commit, options);
  commit->add_option("--db", a->db)->required();
  commit->add_option("--reservation", a->id)->required();
  commit->add_option("--line", a->lines, "GTIN:QTY[@LOCATION] to commit fewer units");
  commit->callback([a, &options] {
    execute_and_print(a->db, Commit{a->id, parse_lines(a->lines)}, options);
  });
  auto* release = order->add_subcommand("release", "Release a pending reservation");
  add_idempotency_option(release, options);
  release->add_option("--db", a->db)->required();
  release->add_option("--reservation", a->id)->required();
  release->callback([a, &options] { execute_and_print(a->db, Release{a->id}, options); });
  auto* extend = order->add_subcommand("extend", "Extend a pending reservation's TTL from now");
  add_idempotency_option(extend, options);
  extend->add_option("--db", a->db)->required();
  extend->add_option("--reservation", a->id)->required();
  extend->add_option("--ttl-ms", a->ttl_ms)->required();
  extend->callback([a, &options] {
    execute_and_print(a->db, ExtendReservation{a->id, a->ttl_ms}, options);
  });
  auto* expire = order->add_subcommand("expire", "Expire every reservation whose TTL ran out");
  expire->add_option("--db", a->db)->required();
  expire->callback([a, &options] { execute_and_print(a->db, ExpireDue{}, options); });
  auto* show = order->add_subcommand("show", "Show a reservation");
  show->add_option("--db", a->db)->required();
  show->add_option("--reservation", a->id)->required();
  show->callback([a, &options] {
    auto view = open_reader(a->db)->engine().reservation(a->id);
    if (!view) exit_with_error(view.error());
    print(options, to_json(Reply{*view}), to_text(Reply{*view}));
  });
}

void add_transfer(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<OrderArgs>();
  auto* transfer =
      root.add_subcommand("transfer", "Transfers between locations")->require_subcommand(1);
  auto* ship =
      transfer->add_subcommand("ship", "Ship units: on hand at --from, in transit to --to");
  add_idempotency_option(ship, options);
  ship->add_option("--db", a->db)->required();
  ship->add_option("--gtin", a->gtin)->required();
  ship->add_option("--from", a->from)->required();
  ship->add_option("--to", a->to)->required();
  ship->add_option("--qty", a->qty)->required();
  ship->callback([a, &options] {
    execute_and_print(a->db, ShipTransfer{a->gtin, a->from, a->to, a->qty}, options);
  });
  auto* receive =
      transfer->add_subcommand("receive", "Receive a transfer (fewer = lost in transit)");
  add_idempotency_option(receive, options);
  receive->add_option("--db", a->db)->required();
  receive->add_option("--transfer", a->id)->required();
  auto* qty = receive->add_option("--qty", a->qty, "Units received (default: all shipped)");
  receive->callback([a, qty, &options] {
    execute_and_print(a->db, ReceiveTransfer{a->id, optional_qty(qty, a->qty)}, options);
  });
  auto* reroute = transfer->add_subcommand(
      "reroute", "Send units in transit to --to instead (fewer than all: a new transfer)");
  add_idempotency_option(reroute, options);
  reroute->add_option("--db", a->db)->required();
  reroute->add_option("--transfer", a->id)->required();
  reroute->add_option("--to", a->to)->required();
  auto* reroute_qty = reroute->add_option("--qty", a->qty, "Units to re-route (default: all)");
  reroute->callback([a, reroute_qty, &options] {
    execute_and_print(a->db, RerouteTransfer{a->id, a->to, optional_qty(reroute_qty, a->qty)},
                      options);
  });
  auto* show = transfer->add_subcommand("show", "Show a transfer");
  show->add_option("--db", a->db)->required();
  show->add_option("--transfer", a->id)->required();
  show->callback([a, &options] {
    auto view = open_reader(a->db)->engine().transfer(a->id);
    if (!view) exit_with_error(view.error());
    print(options, to_json(Reply{*view}), to_text(Reply{*view}));
  });
}

void add_return(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<OrderArgs>();
  auto* returns =
      root.add_subcommand("return", "Returns: receive, grade, rework")->require_subcommand(1);
  auto* receive = returns->add_subcommand("receive", "Receive returned units into quarantine");
  add_idempotency_option(receive, options);
  receive->add_option("--db", a->db)->required();
  receive->add_option("--gtin", a->gtin)->required();
  receive->add_option("--location", a->location)->required();
  receive->add_option("--qty", a->qty)->required();
  receive->add_option("--reason", a->reason)->required();
  receive->add_option("--order-id", a->order_id);
  receive->callback([a, &options] {
    ReceiveReturn command{a->gtin, a->location, a->qty, a->reason, std::nullopt};
    if (!a->order_id.empty()) command.order_id = a->order_id;
    execute_and_print(a->db, command, options);
  });
  auto* grade = returns->add_subcommand("grade", "Grade quarantined units");
  add_idempotency_option(grade, options);
  grade->add_option("--db", a->db)->required();
  grade->add_option("--return", a->id)->required();
  grade->add_option("--grade", a->grade, "restock|rework|scrap")->required();
  auto* grade_qty = grade->add_option("--qty", a->qty, "Units (default: all in quarantine)");
  grade->callback([a, grade_qty, &options] {
    auto parsed = parse_return_grade(a->grade);
    if (!parsed) {
      exit_with_error(Error{ErrorCode::invalid_argument, "grade",
                            fmt::format("'{}' is not one of restock, rework, scrap", a->grade)});
    }
    execute_and_print(a->db, GradeReturn{a->id, *parsed, optional_qty(grade_qty, a->qty)}, options);
  });
  auto* rework = returns->add_subcommand("rework-done", "Put reworked units back in stock");
  add_idempotency_option(rework, options);
  rework->add_option("--db", a->db)->required();
  rework->add_option("--return", a->id)->required();
  auto* rework_qty = rework->add_option("--qty", a->qty, "Units (default: all in rework)");
  rework->callback([a, rework_qty, &options] {
    execute_and_print(a->db, CompleteRework{a->id, optional_qty(rework_qty, a->qty)}, options);
  });
  auto* show = returns->add_subcommand("show", "Show a return");
  show->add_option("--db", a->db)->required();
  show->add_option("--return", a->id)->required();
  show->callback([a, &options] {
    auto view = open_reader(a->db)->engine().return_view(a->id);
    if (!view) exit_with_error(view.error());
    print(options, to_json(Reply{*view}), to_text(Reply{*view}));
  });
}

}  // namespace

void add_order_commands(CLI::App& root, CliOptions& options) {
  add_order(root, options);
  add_transfer(root, options);
  add_return(root, options);
}

void add_ledger_maintenance_commands(CLI::App& root, CliOptions& options) {
  CLI::App* ledger = nullptr;
  try {
    ledger = root.get_subcommand("ledger");
  } catch (const CLI::OptionNotFound&) {
    ledger = root.add_subcommand("ledger", "The tamper-evident journal")->require_subcommand(1);
  }
  auto a = std::make_shared<OrderArgs>();
  auto* rebuild = ledger->add_subcommand(
      "rebuild", "Recompute every balance from the journal alone and report drift");
  rebuild->add_option("--db", a->db)->required();
  rebuild->add_flag("--repair", a->repair, "Write a fresh snapshot from the journal when drifted");
  rebuild->callback([a, &options] {
    auto ledger = a->repair ? open_writer(a->db) : open_reader(a->db);
    auto rebuilt = recover_engine(ledger->journal(), false);
    if (!rebuilt) exit_with_error(rebuilt.error());
    auto drift = diff_states(rebuilt->state(), ledger->engine().state());
    json::array lines;
    for (const auto& line : drift) lines.push_back(json::string(line));
    std::string text = fmt::format(
        "rebuilt {} events from the journal; live state came from snapshot at seq {} + {} "
        "replayed events\n",
        rebuilt->state().applied_events(), ledger->recovery().snapshot_next_seq,
        ledger->recovery().replayed_events);
    text += drift.empty() ? "no drift: every balance matches the journal"
                          : fmt::format("DRIFT in {} place(s):", drift.size());
    for (const auto& line : drift) text += "\n  " + line;
    bool repaired = false;
    if (!drift.empty() && a->repair) {
      // The journal is the truth: a snapshot of the rebuilt state supersedes the drifted one.
      auto ok = ledger->journal().put_snapshot(ledger->journal().tree_size(),
                                               rebuilt->state().serialize());
      if (!ok) exit_with_error(ok.error());
      repaired = true;
      text += "\nrepaired: wrote a snapshot of the state rebuilt from the journal";
    }
    print(options,
          json::object{{"events", rebuilt->state().applied_events()},
                       {"drift", std::move(lines)},
                       {"snapshot_next_seq", ledger->recovery().snapshot_next_seq},
                       {"repaired", repaired}},
          text);
    if (!drift.empty() && !repaired) throw CommandExit{kExitFailure};
  });
  auto* event = ledger->add_subcommand("event", "Show one journaled event in readable form");
  event->add_option("--db", a->db)->required();
  event->add_option("--seq", a->id, "Sequence number (= Merkle leaf index)")->required();
  event->callback([a, &options] {
    auto ledger = open_reader(a->db);
    auto data = ledger->journal().event(a->id);
    if (!data) exit_with_error(data.error());
    auto description = describe_stored_event(*data);
    if (!description) exit_with_error(description.error());
    json::array fields;
    std::string text =
        fmt::format("seq {} {} at {}", a->id, description->kind, format_time(description->time_ms));
    for (const EventField& field : description->fields) {
      json::value value = field.is_number ? json::value(std::stoll(field.value))
                                          : json::value(json::string(field.value));
      fields.push_back(json::object{{"name", field.name}, {"value", value}});
      text += fmt::format("\n  {} {}", field.name, field.value);
    }
    print(options,
          json::object{{"seq", a->id},
                       {"kind", description->kind},
                       {"time", format_time(description->time_ms)},
                       {"fields", std::move(fields)}},
          text);
  });
  auto* snapshot = ledger->add_subcommand("snapshot", "Write a snapshot of the current state");
  snapshot->add_option("--db", a->db)->required();
  snapshot->callback([a, &options] {
    auto ledger = open_writer(a->db);
    if (auto ok = ledger->write_snapshot(); !ok) exit_with_error(ok.error());
    uint64_t seq = ledger->journal().tree_size();
    print(options, json::object{{"snapshot_next_seq", seq}},
          fmt::format("snapshot written at seq {}", seq));
  });
}

}  // namespace livechain::cli
