// `livechain channel allocate | move | available` — channel pools (docs/channels.md).
// `channel put` is in engine_commands.cpp. Transport only: the engine decides.
#include <fmt/format.h>

#include "cli/command_support.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
struct ChannelArgs {
  std::string db, id, to, gtin, location;
  int64_t qty = 0;
  bool remove = false;
};

std::optional<std::string> optional_text(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

std::string availability_text(const ChannelAvailability& view) {
  std::string out =
      fmt::format("{} may sell {} units of {}", view.channel_id, view.available_units, view.gtin);
  for (const auto& row : view.locations) {
    out += fmt::format("\n  {}: {} ({})", row.location_id, row.available_units,
                       pool_kind_name(row.pool));
  }
  return out;
}
}  // namespace

void add_channel_commands(CLI::App& root, CliOptions& options) {
  CLI::App* channel = root.get_subcommand("channel");
  auto a = std::make_shared<ChannelArgs>();
  auto* allocate = channel->add_subcommand(
      "allocate", "Dedicate units of a SKU to a channel (at --location, or network-wide)");
  allocate->add_option("--db", a->db)->required();
  allocate->add_option("--id", a->id, "Channel")->required();
  allocate->add_option("--gtin", a->gtin)->required();
  allocate->add_option("--qty", a->qty, "Unused units the channel may sell (0: none)");
  allocate->add_option("--location", a->location, "Omit for a network-wide allocation");
  allocate->add_flag("--remove", a->remove, "Drop the allocation: sell from the shared pool");
  add_idempotency_option(allocate, options);
  allocate->callback([a, &options] {
    SetAllocation command{a->id, a->gtin, optional_text(a->location), a->qty, a->remove};
    execute_and_print(a->db, command, options);
  });
  auto* move = channel->add_subcommand("move", "Move unused allocation to another channel");
  move->add_option("--db", a->db)->required();
  move->add_option("--id", a->id, "Channel giving units")->required();
  move->add_option("--to", a->to, "Channel receiving them")->required();
  move->add_option("--gtin", a->gtin)->required();
  move->add_option("--qty", a->qty)->required();
  move->add_option("--location", a->location, "Omit for the network-wide allocation");
  add_idempotency_option(move, options);
  move->callback([a, &options] {
    MoveAllocation command{a->id, a->to, a->gtin, optional_text(a->location), a->qty};
    execute_and_print(a->db, command, options);
  });
  auto* available = channel->add_subcommand("available", "What a channel may sell of a SKU");
  available->add_option("--db", a->db)->required();
  available->add_option("--id", a->id, "Channel")->required();
  available->add_option("--gtin", a->gtin)->required();
  available->callback([a, &options] {
    auto view = open_reader(a->db)->engine().channel_availability(a->id, a->gtin);
    if (!view) exit_with_error(view.error());
    print(options, server::channel_availability_json(*view), availability_text(*view));
  });
}

}  // namespace livechain::cli
