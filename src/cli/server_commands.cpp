// `livechain serve` and `livechain apikey create|list|revoke`.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "server/access.hpp"
#include "server/server.hpp"
#include "store/store.hpp"

namespace livechain::cli {

namespace json = boost::json;

namespace {

std::unique_ptr<store::ApiKeyStore> open_keys(const std::string& db) {
  // Keys belong to an existing ledger: refuse to create a key file beside nothing.
  if (auto storage = store::open_sqlite(db, store::OpenMode::reader); !storage) {
    exit_with_error(storage.error());
  }
  auto keys = store::ApiKeyStore::open(db);
  if (!keys) exit_with_error(keys.error());
  return std::move(*keys);
}

void add_serve(CLI::App& root) {
  struct Args {
    std::string db;
    std::string listen = "127.0.0.1:8080";
    std::string config;
    unsigned io_threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = root.add_subcommand(
      "serve", "Run the HTTP/JSON + WebSocket API (docs: api/openapi.yaml, GET /openapi.json)");
  command->add_option("--db", args->db, "Database file (created by `livechain init`)")->required();
  command->add_option("--listen", args->listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->capture_default_str();
  command->add_option("--config", args->config, "JSON file overriding limits and periods");
  command->add_option("--io-threads", args->io_threads, "I/O threads (default 2)");
  command->callback([args] {
    server::ServerOptions options;
    if (!args->config.empty()) {
      auto loaded = server::load_server_config(args->config, options);
      if (!loaded) exit_with_error(loaded.error());
      options = std::move(*loaded);
    }
    auto listen = parse_listen(args->listen);
    if (!listen) exit_usage(listen.error());
    options.listen_host = listen->first;
    options.listen_port = listen->second;
    if (args->io_threads > 0) options.io_threads = args->io_threads;
    options.db_path = args->db;
    if (auto served = server::run_server(options); !served) exit_with_error(served.error());
  });
}

void add_apikey(CLI::App& root, CliOptions& options) {
  CLI::App* group = root.add_subcommand("apikey", "Manage API keys (stored hashed)");
  group->require_subcommand(1);

  struct CreateArgs {
    std::string db;
    std::string role;
    std::string label;
  };
  auto create = std::make_shared<CreateArgs>();
  CLI::App* create_command =
      group->add_subcommand("create", "Create a key; it is printed once and never stored");
  create_command->add_option("--db", create->db, "Database file")->required();
  create_command
      ->add_option("--role", create->role,
                   "admin, planner, live_operator, warehouse, supplier or auditor")
      ->required();
  create_command->add_option("--label", create->label, "Who or what the key is for");
  create_command->callback([create, &options] {
    if (!server::parse_role(create->role)) {
      exit_with_error(Error{ErrorCode::invalid_argument, "role",
                            "must be one of admin, planner, live_operator, warehouse, supplier, "
                            "auditor; got '" +
                                create->role + "'"});
    }
    auto keys = open_keys(create->db);
    store::ApiKeyRecord record;
    auto key = keys->create(create->role, create->label, SystemClock().now_ms(), &record);
    if (!key) exit_with_error(key.error());
    print(options, json::object{{"key_id", record.key_id}, {"role", record.role}, {"key", *key}},
          fmt::format("key_id {} role {}\nStore this key now; it cannot be shown again:\n{}",
                      record.key_id, record.role, *key));
  });

  auto list_db = std::make_shared<std::string>();
  CLI::App* list_command = group->add_subcommand("list", "List keys (never their secrets)");
  list_command->add_option("--db", *list_db, "Database file")->required();
  list_command->callback([list_db, &options] {
    auto keys = open_keys(*list_db);
    auto records = keys->list();
    if (!records) exit_with_error(records.error());
    json::array rows;
    std::string text;
    for (const store::ApiKeyRecord& record : *records) {
      json::object row{{"key_id", record.key_id},
                       {"role", record.role},
                       {"label", record.label},
                       {"created_at", format_time(record.created_at_ms)}};
      row["revoked_at"] =
          record.revoked_at_ms ? json::value(format_time(*record.revoked_at_ms)) : json::value();
      rows.push_back(std::move(row));
      text += fmt::format("{}  {:<13} {}  {}{}\n", record.key_id, record.role,
                          format_time(record.created_at_ms),
                          record.revoked_at_ms ? "revoked " + format_time(*record.revoked_at_ms)
                                               : std::string("active"),
                          record.label.empty() ? "" : "  " + record.label);
    }
    print(options, rows, text.empty() ? "no API keys" : text);
  });

  struct RevokeArgs {
    std::string db;
    std::string key_id;
  };
  auto revoke = std::make_shared<RevokeArgs>();
  CLI::App* revoke_command = group->add_subcommand(
      "revoke", "Revoke a key (a running server stops accepting it within 1 s)");
  revoke_command->add_option("--db", revoke->db, "Database file")->required();
  revoke_command->add_option("key_id", revoke->key_id, "The key_id shown by create/list")
      ->required();
  revoke_command->callback([revoke, &options] {
    auto keys = open_keys(revoke->db);
    if (auto done = keys->revoke(revoke->key_id, SystemClock().now_ms()); !done) {
      exit_with_error(done.error());
    }
    print(options, json::object{{"key_id", revoke->key_id}, {"revoked", true}},
          "revoked " + revoke->key_id);
  });
}

}  // namespace

void add_server_commands(CLI::App& root, CliOptions& options) {
  add_serve(root);
  add_apikey(root, options);
}

}  // namespace livechain::cli
