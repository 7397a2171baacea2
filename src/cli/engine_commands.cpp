// `livechain init | sku | location | channel | region | stock` — catalog and stock.
// Order, transfer and return commands are in order_commands.cpp.
#include <fmt/format.h>

#include "cli/command_support.hpp"
#include "core/bytes.hpp"
#include "store/store.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

struct CatalogArgs {
  std::string db;
  std::string gtin, name, id, kind, region, location, reason, from, to, as_of;
  int64_t qty = 0;
  uint32_t distance_km = 0;
};

void add_init(CLI::App& root, CliOptions& options) {
  auto args = std::make_shared<CatalogArgs>();
  auto* init = root.add_subcommand("init", "Create a new database and its Ed25519 signing key");
  init->add_option("--db", args->db, "Database file to create")->required();
  init->callback([args, &options] {
    auto key = Ledger::init(args->db);
    if (!key) exit_with_error(key.error());
    std::string key_path = store::signing_key_path(args->db);
    print(options,
          json::object{{"db", args->db}, {"signing_key", key_path}, {"public_key", to_hex(*key)}},
          fmt::format("created {}\nsigning key {} (keep it private)\npublic key {}", args->db,
                      key_path, to_hex(*key)));
  });
}

void add_catalog(CLI::App& root, CliOptions& options) {
  auto args = std::make_shared<CatalogArgs>();
  auto* sku = root.add_subcommand("sku", "Catalog of SKUs")->require_subcommand(1);
  auto* sku_put = sku->add_subcommand("put", "Define or rename a SKU");
  add_idempotency_option(sku_put, options);
  sku_put->add_option("--db", args->db)->required();
  sku_put->add_option("--gtin", args->gtin, "GTIN-8/12/13/14 with a valid check digit")->required();
  sku_put->add_option("--name", args->name)->required();
  sku_put->callback([args, &options] {
    execute_and_print(args->db, PutSku{args->gtin, args->name}, options);
  });

  auto* location = root.add_subcommand("location", "Stock locations")->require_subcommand(1);
  auto* location_put = location->add_subcommand("put", "Define or update a location");
  add_idempotency_option(location_put, options);
  location_put->add_option("--db", args->db)->required();
  location_put->add_option("--id", args->id)->required();
  location_put->add_option("--kind", args->kind, "factory|dc|front_warehouse|store|returns_center")
      ->required();
  location_put->add_option("--region", args->region)->required();
  location_put->callback([args, &options] {
    auto kind = parse_location_kind(args->kind);
    if (!kind) {
      exit_with_error(Error{ErrorCode::invalid_argument, "kind",
                            fmt::format("'{}' is not one of factory, dc, front_warehouse, store, "
                                        "returns_center",
                                        args->kind)});
    }
    execute_and_print(args->db, PutLocation{args->id, *kind, args->region}, options);
  });

  auto* channel = root.add_subcommand("channel", "Sales channels")->require_subcommand(1);
  auto* channel_put = channel->add_subcommand("put", "Define or update a channel");
  add_idempotency_option(channel_put, options);
  channel_put->add_option("--db", args->db)->required();
  channel_put->add_option("--id", args->id)->required();
  channel_put
      ->add_option("--kind", args->kind, "live_room|online_shop|offline_store|community_group")
      ->required();
  channel_put->callback([args, &options] {
    auto kind = parse_channel_kind(args->kind);
    if (!kind) {
      exit_with_error(Error{ErrorCode::invalid_argument, "kind",
                            fmt::format("'{}' is not one of live_room, online_shop, "
                                        "offline_store, community_group",
                                        args->kind)});
    }
    execute_and_print(args->db, PutChannel{args->id, *kind}, options);
  });

  auto* region = root.add_subcommand("region", "Regions and the distances between them")
                     ->require_subcommand(1);
  auto* distance = region->add_subcommand("distance", "Set the distance between two regions");
  add_idempotency_option(distance, options);
  distance->add_option("--db", args->db)->required();
  distance->add_option("--from", args->from)->required();
  distance->add_option("--to", args->to)->required();
  distance->add_option("--km", args->distance_km)->required();
  distance->callback([args, &options] {
    execute_and_print(args->db, PutRegionDistance{args->from, args->to, args->distance_km},
                      options);
  });
}

void add_stock(CLI::App& root, CliOptions& options) {
  auto args = std::make_shared<CatalogArgs>();
  auto* stock = root.add_subcommand("stock", "Stock balances and movements")->require_subcommand(1);
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--db", args->db)->required();
    sub->add_option("--gtin", args->gtin)->required();
    sub->add_option("--location", args->location)->required();
  };
  auto* receive = stock->add_subcommand("receive", "Receive units into on-hand stock");
  add_idempotency_option(receive, options);
  add_common(receive);
  receive->add_option("--qty", args->qty)->required();
  receive->callback([args, &options] {
    execute_and_print(args->db, ReceiveStock{args->gtin, args->location, args->qty}, options);
  });
  auto* adjust = stock->add_subcommand("adjust", "Correct on-hand stock (signed) with a reason");
  add_idempotency_option(adjust, options);
  add_common(adjust);
  adjust->add_option("--qty,--delta", args->qty, "Signed change in units")->required();
  adjust->add_option("--reason", args->reason)->required();
  adjust->callback([args, &options] {
    execute_and_print(args->db, AdjustStock{args->gtin, args->location, args->qty, args->reason},
                      options);
  });
  auto* presale = stock->add_subcommand("plan-presale", "Set planned production sold as presale");
  add_idempotency_option(presale, options);
  add_common(presale);
  presale->add_option("--qty", args->qty)->required();
  presale->callback([args, &options] {
    execute_and_print(args->db, PlanPresale{args->gtin, args->location, args->qty}, options);
  });
  auto* show = stock->add_subcommand("show", "Balances by SKU and location");
  show->add_option("--db", args->db)->required();
  show->add_option("--gtin", args->gtin);
  show->add_option("--as-of", args->as_of, "RFC 3339 instant: balances as they stood then");
  show->callback([args, &options] {
    if (!args->as_of.empty()) return print_stock_as_of(args->db, args->gtin, args->as_of, options);
    auto ledger = open_reader(args->db);
    std::optional<std::string> gtin;
    if (!args->gtin.empty()) gtin = args->gtin;
    auto views = ledger->engine().stock(gtin);
    if (!views) exit_with_error(views.error());
    json::array rows;
    std::string text;
    for (const auto& view : *views) {
      rows.push_back(to_json(view));
      text += to_text(Reply{view}) + "\n";
    }
    print(options, json::object{{"balances", std::move(rows)}},
          text.empty() ? "no stock recorded" : text);
  });
}

}  // namespace

void add_engine_commands(CLI::App& root, CliOptions& options) {
  add_init(root, options);
  add_catalog(root, options);
  add_stock(root, options);
  add_order_commands(root, options);
}

}  // namespace livechain::cli
