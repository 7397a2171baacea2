// `livechain session put|show` and `livechain plan session`: planned live sessions and
// their stocking plans on the embedded database (issue 18 §2). The rules are the
// planning module's (planning/session_tiers.hpp); this file parses, runs and prints.
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <sstream>

#include "cli/command_support.hpp"
#include "core/bytes.hpp"
#include "core/gtin.hpp"
#include "core/identifier.hpp"
#include "planning/planning.hpp"
#include "server/json_fields.hpp"

namespace livechain::cli {

namespace json = boost::json;

namespace {

constexpr size_t kTiersFileBytesMax = 64 * 1024;

struct SessionArgs {
  std::string db;
  std::string id;
  std::string starts_at;
  std::string tier;
  std::string channel;
  std::string streamer;
  int32_t duration_min = 230;
  std::vector<std::string> skus;         // GTIN:P50:P90:CAPACITY[:SUPPLIER_TIER]
  std::vector<std::string> add_to_cart;  // GTIN:UNITS:CONVERSION
  std::string tiers_file;
};

[[noreturn]] void bad(std::string field, std::string detail) {
  exit_with_error(Error{ErrorCode::invalid_argument, std::move(field), std::move(detail)});
}

std::vector<std::string> split_colon(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  return parts;
}

double number_of(const std::string& field, const std::string& text) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) bad(field, "must be a number");
  return value;
}

int64_t integer_of(const std::string& field, const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) bad(field, "must be an integer");
  return value;
}

std::string gtin_of(const std::string& field, const std::string& text) {
  auto gtin = normalize_gtin(text);
  if (!gtin) bad(field, gtin.error().detail);
  return *gtin;
}

planning::SessionSpec spec_of(const SessionArgs& args) {
  planning::SessionSpec spec;
  if (auto valid = validate_identifier("--id", args.id); !valid) exit_with_error(valid.error());
  spec.id = args.id;
  auto starts_at = server::parse_rfc3339("--starts-at", args.starts_at);
  if (!starts_at) exit_with_error(starts_at.error());
  spec.starts_at_ms = *starts_at;
  auto tier = planning::parse_session_tier(args.tier);
  if (!tier) bad("--tier", "must be daily, themed or mega");
  spec.tier = *tier;
  spec.channel = args.channel;
  spec.streamer = args.streamer;
  spec.duration_min = args.duration_min;
  for (size_t i = 0; i < args.skus.size(); ++i) {
    std::string field = fmt::format("--sku[{}]", i);
    std::vector<std::string> parts = split_colon(args.skus[i]);
    if (parts.size() != 4 && parts.size() != 5) {
      bad(field, "must be GTIN:P50:P90:CAPACITY[:core|close|elastic]");
    }
    planning::SessionSku sku;
    sku.gtin = gtin_of(field, parts[0]);
    sku.p50_units = number_of(field + ".p50", parts[1]);
    sku.p90_units = number_of(field + ".p90", parts[2]);
    sku.capacity_units = integer_of(field + ".capacity", parts[3]);
    if (parts.size() == 5) {
      auto supplier = planning::parse_supplier_tier(parts[4]);
      if (!supplier) bad(field + ".supplier_tier", "must be core, close or elastic");
      sku.supplier_tier = *supplier;
    }
    spec.skus.push_back(std::move(sku));
  }
  for (size_t i = 0; i < args.add_to_cart.size(); ++i) {
    std::string field = fmt::format("--add-to-cart[{}]", i);
    std::vector<std::string> parts = split_colon(args.add_to_cart[i]);
    if (parts.size() != 3) bad(field, "must be GTIN:UNITS:CONVERSION");
    std::string gtin = gtin_of(field, parts[0]);
    auto sku = std::find_if(spec.skus.begin(), spec.skus.end(),
                            [&](const planning::SessionSku& s) { return s.gtin == gtin; });
    if (sku == spec.skus.end()) bad(field, "names a SKU no --sku gives");
    sku->add_to_cart = planning::AddToCartSignal{integer_of(field + ".units", parts[1]),
                                                 number_of(field + ".conversion", parts[2])};
  }
  if (auto valid = planning::validate_session_spec(spec); !valid) {
    Error error = valid.error();
    if (error.field.starts_with("skus[")) error.field = "--sku" + error.field.substr(4);
    exit_with_error(error);
  }
  return spec;
}

planning::TierConfig tiers_of(const std::string& path) {
  if (path.empty()) return planning::TierConfig{};
  auto value = read_json_file(path, "--tiers", kTiersFileBytesMax);
  if (!value) exit_with_error(value.error());
  auto config = planning::tier_config_from_json(*value, planning::TierConfig{});
  if (!config) exit_with_error(config.error());
  return *config;
}

// FNV-1a 64 of the session as asked (not as planned): "the same request" for a key.
uint64_t spec_fingerprint(const planning::SessionSpec& spec, const planning::TierConfig& config) {
  planning::StoredSession as_asked{spec, 0, ""};
  std::string text = json::serialize(planning::session_json(as_asked)) +
                     json::serialize(planning::tier_config_json(config));
  return fnv1a_64(text);
}

std::string plan_text(const json::object& plan) {
  std::string out = fmt::format("session {} ({}) starts {}; planned {} by {}\n",
                                json::value_to<std::string>(plan.at("session")),
                                json::value_to<std::string>(plan.at("tier")),
                                json::value_to<std::string>(plan.at("starts_at")),
                                json::value_to<std::string>(plan.at("planned_at")),
                                json::value_to<std::string>(plan.at("planned_by")));
  for (const json::value& entry : plan.at("skus").as_array()) {
    const json::object& sku = entry.as_object();
    out += fmt::format(
        "{}: target {} (locked {}, flexible {}), sudden-order reserve {}, emergency reserve {}, "
        "short {}; order by {}\n",
        json::value_to<std::string>(sku.at("gtin")), sku.at("target_units").as_int64(),
        sku.at("locked_units").as_int64(), sku.at("flexible_units").as_int64(),
        sku.at("sudden_reserve_units").as_int64(), sku.at("emergency_reserve_units").as_int64(),
        sku.at("shortfall_units").as_int64(), json::value_to<std::string>(sku.at("order_by")));
    for (const json::value& location : sku.at("locations").as_array()) {
      out += fmt::format("  {}: target {}, available {}, to bring in {}\n",
                         json::value_to<std::string>(location.at("location")),
                         location.at("target_units").as_int64(),
                         location.at("available_units").as_int64(),
                         location.at("gap_units").as_int64());
    }
    for (const json::value& reason : sku.at("why").as_array()) {
      out += "  why: " + json::value_to<std::string>(reason) + "\n";
    }
  }
  return out;
}

planning::StoredSession stored_or_exit(const engine::LedgerState& state, const std::string& id) {
  auto stored = planning::find_session(state, id);
  if (!stored) exit_with_error(stored.error());
  if (!stored->has_value()) {
    exit_with_error(Error{ErrorCode::not_found, "--id", fmt::format("no session '{}'", id)});
  }
  return std::move(**stored);
}

void print_plan(const engine::LedgerState& state, const std::string& id,
                const CliOptions& options) {
  auto plan = planning::session_plan_view(state, stored_or_exit(state, id));
  if (!plan) exit_with_error(plan.error());
  print(options, *plan, plan_text(*plan));
}

void run_session_put(const SessionArgs& args, const CliOptions& options) {
  planning::SessionSpec spec = spec_of(args);
  planning::TierConfig config = tiers_of(args.tiers_file);
  auto ledger = open_writer(args.db);
  const engine::LedgerState& state = ledger->engine().state();
  uint64_t fingerprint = spec_fingerprint(spec, config);
  if (!options.idempotency_key.empty()) {
    if (const engine::KeyedReplyEntry* claim = state.keyed_reply(options.idempotency_key)) {
      uint64_t expected =
          engine::command_fingerprint(engine::Command{engine::KeyGuard{fingerprint}});
      if (claim->request_fingerprint != expected) {
        exit_with_error(Error{ErrorCode::idempotency_conflict, "--idempotency-key",
                              "this key was used for a different request"});
      }
      return print_plan(state, spec.id, options);  // a retry: the first plan again
    }
  }
  // The operating-system user who ran the command: the CLI's "who" (the API's is the key).
  const passwd* account = getpwuid(geteuid());
  std::string actor = fmt::format("cli:{}", account != nullptr ? account->pw_name : "unknown");
  auto decision = planning::decide_session(state, spec, config, SystemClock().now_ms(), actor);
  if (!decision) {
    Error error = decision.error();
    if (error.field.starts_with("skus[")) error.field = "--sku" + error.field.substr(4);
    if (error.field == "channel") error.field = "--channel";
    exit_with_error(error);
  }
  // One durable write per record (the session's own last, so a run cut short leaves
  // the previous plan readable); the key's claim after them all.
  for (const engine::Command& command : decision->commands) {
    if (auto reply = ledger->execute(command); !reply) exit_with_error(reply.error());
  }
  if (!options.idempotency_key.empty()) {
    auto claimed = ledger->execute(
        engine::with_idempotency_key(engine::KeyGuard{fingerprint}, options.idempotency_key));
    if (!claimed) exit_with_error(claimed.error());
  }
  print_plan(ledger->engine().state(), spec.id, options);
}

}  // namespace

void add_session_commands(CLI::App& root, CliOptions& options) {
  auto* session = root.add_subcommand("session", "Planned live sessions (tiers, forecasts, SKUs)")
                      ->require_subcommand(1);
  auto args = std::make_shared<SessionArgs>();
  auto* put = session->add_subcommand(
      "put", "Plan (or re-plan) a live session: stocking per SKU × location, journaled");
  put->add_option("--db", args->db)->required();
  put->add_option("--id", args->id, "Session id")->required();
  put->add_option("--starts-at", args->starts_at, "RFC 3339, e.g. 2026-12-20T12:00:00Z")
      ->required();
  put->add_option("--tier", args->tier, "daily | themed | mega")->required();
  put->add_option("--channel", args->channel, "The live room's channel id")->required();
  put->add_option("--streamer", args->streamer, "Streamer");
  put->add_option("--duration-min", args->duration_min, "Planned length (default 230)");
  put->add_option("--sku", args->skus,
                  "GTIN:P50:P90:CAPACITY[:core|close|elastic] (forecast units for the session, "
                  "the supplier's capacity, its tier; default close)")
      ->required();
  put->add_option("--add-to-cart", args->add_to_cart,
                  "GTIN:UNITS:CONVERSION seen before a themed session (re-plans it inside the "
                  "48 h window)");
  put->add_option("--tiers", args->tiers_file, "JSON file of tier rules (docs/planning.md)");
  add_idempotency_option(put, options);
  put->callback([args, &options] { run_session_put(*args, options); });

  auto show_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* show = session->add_subcommand("show", "A planned session as stored");
  show->add_option("--db", show_args->first)->required();
  show->add_option("--id", show_args->second)->required();
  show->callback([show_args, &options] {
    auto ledger = open_reader(show_args->first);
    json::object view =
        planning::session_json(stored_or_exit(ledger->engine().state(), show_args->second));
    print(options, view, json::serialize(view));
  });

  auto plan_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* plan = plan_group(root)->add_subcommand(
      "session", "A planned session's stocking plan per SKU × location, and why");
  plan->add_option("--db", plan_args->first)->required();
  plan->add_option("--id", plan_args->second)->required();
  plan->callback([plan_args, &options] {
    auto ledger = open_reader(plan_args->first);
    print_plan(ledger->engine().state(), plan_args->second, options);
  });
}

}  // namespace livechain::cli
