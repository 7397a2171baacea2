// tests/cli/engine_cli_test.cpp — drives the real `livechain` binary like a user.
//
// A scripted session (init, catalog, stock, reservations, transfers, returns, ledger
// checks) runs LIVECHAIN_BINARY in a temp dir and checks exit codes (0 success, 1
// domain error with a stderr message naming the field, 2 usage error), stdout (JSON
// parsed with Boost.JSON) and what `stock show` reports after each step. A second test
// flips one byte of a stored event with the sqlite3 C API and expects `ledger verify`
// to name its sequence number.
//
// This file is the one translation unit of cli_tests that compiles Boost.JSON
// (<boost/json/src.hpp>); other files of this binary may include <boost/json.hpp> only.
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <time.h>

#include <thread>

#include "support/process.hpp"

#include <boost/json/src.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace json = boost::json;

// Valid GTINs (check digits verified): a GTIN-13 and a GTIN-8, and their 14-digit forms.
constexpr const char* kPen = "4006381333931";
constexpr const char* kPen14 = "04006381333931";
constexpr const char* kCup = "96385074";
constexpr const char* kCup14 = "00000096385074";

using livechain::test_support::read_file;
using livechain::test_support::RunResult;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int64_t number(const json::object& object, const char* key) {
  if (!object.contains(key)) {
    ADD_FAILURE() << "missing \"" << key << "\" in " << json::serialize(object);
    return -1;
  }
  return object.at(key).to_number<int64_t>();
}

std::string text(const json::object& object, const char* key) {
  if (!object.contains(key) || !object.at(key).is_string()) {
    ADD_FAILURE() << "missing string \"" << key << "\" in " << json::serialize(object);
    return "";
  }
  return std::string(object.at(key).as_string());
}

class EngineCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "lc-engine-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    db_ = dir_ + "/ledger.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunResult run(const std::vector<std::string>& args) {
    return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir_);
  }

  // Runs `livechain --json …`, expects exit 0 and returns stdout parsed as one object.
  json::object run_json(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    RunResult result = run(args);
    EXPECT_EQ(result.exit_code, 0) << args[1] << " " << args[2] << ": " << result.err;
    boost::system::error_code ec;
    json::value value = json::parse(result.out, ec);
    EXPECT_FALSE(ec) << "not JSON: " << result.out;
    if (ec || !value.is_object()) return {};
    return value.as_object();
  }

  // Expects exit 1 and an error message naming `field` as "(field)".
  void expect_domain_error(const std::vector<std::string>& args, const std::string& code,
                           const std::string& field) {
    RunResult result = run(args);
    EXPECT_EQ(result.exit_code, 1) << args[0] << ": " << result.out << result.err;
    EXPECT_TRUE(contains(result.err, code)) << result.err;
    EXPECT_TRUE(contains(result.err, "(" + field + ")")) << result.err;
  }

  void ok(const std::vector<std::string>& args) {
    RunResult result = run(args);
    ASSERT_EQ(result.exit_code, 0) << args[0] << " " << args[1] << ": " << result.err;
  }

  // The `stock show --json` row of one SKU at one location.
  json::object balance(const std::string& gtin14, const std::string& location) {
    json::object shown = run_json({"stock", "show", "--db", db_});
    if (!shown.contains("balances")) return {};
    for (const json::value& row : shown.at("balances").as_array()) {
      const json::object& object = row.as_object();
      if (object.at("sku").as_string() == gtin14 && object.at("location").as_string() == location) {
        return object;
      }
    }
    ADD_FAILURE() << "no balance for " << gtin14 << " @ " << location;
    return {};
  }

  // Pen: 10 at DC-1, 5 at ST-1; Cup: 4 at DC-1.
  void receive_stock() {
    ok({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--qty", "10"});
    ok({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "ST-1", "--qty", "5"});
    ok({"stock", "receive", "--db", db_, "--gtin", kCup, "--location", "DC-1", "--qty", "4"});
    EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 10);
    EXPECT_EQ(number(balance(kCup14, "DC-1"), "available"), 4);
  }

  // init + two SKUs, two locations, one channel, a distance; returns the public key.
  std::string create_catalog() {
    json::object init = run_json({"init", "--db", db_});
    EXPECT_TRUE(init.contains("public_key"));
    std::string key =
        init.contains("public_key") ? std::string(init.at("public_key").as_string()) : "";
    EXPECT_EQ(key.size(), 64u);
    ok({"sku", "put", "--db", db_, "--gtin", kPen, "--name", "Pen"});
    ok({"sku", "put", "--db", db_, "--gtin", kCup, "--name", "Cup"});
    ok({"location", "put", "--db", db_, "--id", "DC-1", "--kind", "dc", "--region", "north"});
    ok({"location", "put", "--db", db_, "--id", "ST-1", "--kind", "store", "--region", "south"});
    ok({"channel", "put", "--db", db_, "--id", "LR-1", "--kind", "live_room"});
    ok({"region", "distance", "--db", db_, "--from", "north", "--to", "south", "--km", "300"});
    return key;
  }

  std::string dir_;
  std::string db_;
};

TEST_F(EngineCliTest, CatalogErrorsNameTheFieldAndUsageErrorsExitTwo) {
  create_catalog();
  expect_domain_error({"init", "--db", db_}, "already_exists", "db");
  expect_domain_error({"sku", "put", "--db", db_, "--gtin", "4006381333932", "--name", "Bad"},
                      "invalid_argument", "gtin");
  expect_domain_error(
      {"location", "put", "--db", db_, "--id", "X", "--kind", "moon", "--region", "n"},
      "invalid_argument", "kind");
  expect_domain_error(
      {"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "NOPE", "--qty", "3"},
      "not_found", "location");
  expect_domain_error({"stock", "show", "--db", dir_ + "/missing.db"}, "not_found", "db");
  EXPECT_EQ(run({"stock", "show"}).exit_code, 2);  // --db is required
  EXPECT_EQ(run({"order", "reserve", "--order-id", "o1", "--channel", "LR-1", "--line",
                 std::string(kPen) + ":1"})
                .exit_code,
            2);
  EXPECT_EQ(
      run({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--qty", "many"})
          .exit_code,
      2);
  EXPECT_EQ(run({"no-such-command"}).exit_code, 2);
}

// Issue 15 §2: `demo --listen` parsed its port with std::stoi, so "abc" aborted the
// process and "70000" or "-1" wrapped to another port. A bad port is a usage error
// (exit 2) naming --listen, for `demo` and `serve` alike; port 0 still means "any free".
TEST_F(EngineCliTest, BadListenPortIsAUsageErrorNamingListen) {
  const std::vector<std::string> bad_listens = {
      "127.0.0.1:abc", "127.0.0.1:70000",       "127.0.0.1:-1",  "127.0.0.1:",
      "127.0.0.1:80x", "127.0.0.1:99999999999", "no-port-at-all"};
  for (const std::string& listen : bad_listens) {
    SCOPED_TRACE(listen);
    RunResult demo =
        run({"demo", "--db", dir_ + "/demo.db", "--minutes-max", "1", "--listen", listen});
    EXPECT_EQ(demo.exit_code, 2) << demo.err;
    EXPECT_TRUE(contains(demo.err, "listen")) << demo.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/demo.db"));  // refused before any work
    RunResult serve = run({"serve", "--db", db_, "--listen", listen});
    EXPECT_EQ(serve.exit_code, 2) << serve.err;
    EXPECT_TRUE(contains(serve.err, "listen")) << serve.err;
  }
}

TEST_F(EngineCliTest, ReserveReplayConflictAndCommitSession) {
  std::string pen_dc = std::string(kPen) + ":3@DC-1";
  create_catalog();
  receive_stock();

  // Two lines, the second placed by the engine (nearest to the buyer's region).
  std::vector<std::string> reserve = {"order",     "reserve",    "--db",
                                      db_,         "--order-id", "o-1",
                                      "--channel", "LR-1",       "--line",
                                      pen_dc,      "--line",     std::string(kCup) + ":2",
                                      "--region",  "north",      "--idempotency-key",
                                      "key-1"};
  json::object reserved = run_json(reserve);
  EXPECT_EQ(text(reserved, "status"), "pending");
  EXPECT_EQ(text(reserved, "order_id"), "o-1");
  EXPECT_FALSE(reserved.contains("idempotent_replay"));
  uint64_t id = static_cast<uint64_t>(number(reserved, "reservation_id"));
  ASSERT_EQ(reserved.at("lines").as_array().size(), 2u);
  const json::object& cup_line = reserved.at("lines").as_array()[1].as_object();
  EXPECT_EQ(text(cup_line, "sku"), kCup14);
  EXPECT_EQ(text(cup_line, "location"), "DC-1");
  EXPECT_EQ(number(cup_line, "qty"), 2);
  json::object pen = balance(kPen14, "DC-1");
  EXPECT_EQ(number(pen, "reserved"), 3);
  EXPECT_EQ(number(pen, "available"), 7);

  // The same request again is a replay: same id, nothing reserved twice.
  json::object replay = run_json(reserve);
  EXPECT_EQ(number(replay, "reservation_id"), static_cast<int64_t>(id));
  EXPECT_TRUE(replay.contains("idempotent_replay") && replay.at("idempotent_replay").as_bool());
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "reserved"), 3);
  RunResult replay_text = run(reserve);
  EXPECT_TRUE(contains(replay_text.out, "idempotent replay")) << replay_text.out;

  // Same key, different body: a conflict naming the key.
  std::vector<std::string> conflicting = reserve;
  conflicting[9] = std::string(kPen) + ":4@DC-1";
  expect_domain_error(conflicting, "idempotency_conflict", "idempotency_key");
  expect_domain_error({"order", "reserve", "--db", db_, "--order-id", "o-2", "--channel", "LR-1",
                       "--line", std::string(kPen) + ":100@DC-1"},
                      "insufficient_stock", "lines[0].qty_units");
  expect_domain_error({"order", "reserve", "--db", db_, "--order-id", "o-2", "--channel", "LR-1",
                       "--line", "4006381333931x3"},
                      "invalid_argument", "line[0]");
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "reserved"), 3);  // failures reserved nothing

  json::object committed =
      run_json({"order", "commit", "--db", db_, "--reservation", std::to_string(id)});
  EXPECT_EQ(text(committed, "status"), "committed");
  pen = balance(kPen14, "DC-1");
  EXPECT_EQ(number(pen, "on_hand"), 7);
  EXPECT_EQ(number(pen, "reserved"), 0);
  EXPECT_EQ(number(pen, "sold_total"), 3);
  EXPECT_EQ(number(balance(kCup14, "DC-1"), "on_hand"), 2);
  expect_domain_error({"order", "commit", "--db", db_, "--reservation", std::to_string(id)},
                      "reservation_committed", "reservation_id");
  // A retry after the commit still replays the original, order and lines included.
  json::object late_replay = run_json(reserve);
  EXPECT_EQ(number(late_replay, "reservation_id"), static_cast<int64_t>(id));
  EXPECT_EQ(text(late_replay, "status"), "committed");
  EXPECT_EQ(text(late_replay, "order_id"), "o-1");
  EXPECT_EQ(late_replay.contains("lines") ? late_replay.at("lines").as_array().size() : 0u, 2u);
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 7);
  expect_domain_error({"order", "show", "--db", db_, "--reservation", "999"}, "not_found",
                      "reservation_id");

  json::object rebuild = run_json({"ledger", "rebuild", "--db", db_});
  ASSERT_TRUE(rebuild.contains("drift"));
  EXPECT_TRUE(rebuild.at("drift").as_array().empty()) << json::serialize(rebuild);
}

TEST_F(EngineCliTest, ReleaseExtendAndExpireSession) {
  create_catalog();
  receive_stock();
  // Release returns the units.
  json::object held = run_json({"order", "reserve", "--db", db_, "--order-id", "o-3", "--channel",
                                "LR-1", "--line", std::string(kPen) + ":2@ST-1"});
  std::string held_id = std::to_string(number(held, "reservation_id"));
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "available"), 3);
  json::object extended =
      run_json({"order", "extend", "--db", db_, "--reservation", held_id, "--ttl-ms", "60000"});
  EXPECT_EQ(text(extended, "status"), "pending");
  EXPECT_EQ(text(run_json({"order", "release", "--db", db_, "--reservation", held_id}), "status"),
            "released");
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "available"), 5);
  expect_domain_error({"order", "release", "--db", db_, "--reservation", held_id},
                      "reservation_released", "reservation_id");

  // A reservation with a 100 ms TTL expires.
  json::object short_lived =
      run_json({"order", "reserve", "--db", db_, "--order-id", "o-4", "--channel", "LR-1", "--line",
                std::string(kPen) + ":1@ST-1", "--ttl-ms", "100"});
  int64_t short_id = number(short_lived, "reservation_id");
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "reserved"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  json::object expired = run_json({"order", "expire", "--db", db_});
  ASSERT_TRUE(expired.contains("expired"));
  ASSERT_EQ(expired.at("expired").as_array().size(), 1u) << json::serialize(expired);
  EXPECT_EQ(expired.at("expired").as_array()[0].to_number<int64_t>(), short_id);
  EXPECT_EQ(
      text(run_json({"order", "show", "--db", db_, "--reservation", std::to_string(short_id)}),
           "status"),
      "expired");
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "reserved"), 0);
  expect_domain_error({"order", "commit", "--db", db_, "--reservation", std::to_string(short_id)},
                      "reservation_expired", "reservation_id");
  EXPECT_TRUE(run_json({"order", "expire", "--db", db_}).at("expired").as_array().empty());

  json::object rebuild = run_json({"ledger", "rebuild", "--db", db_});
  ASSERT_TRUE(rebuild.contains("drift"));
  EXPECT_TRUE(rebuild.at("drift").as_array().empty()) << json::serialize(rebuild);
  EXPECT_EQ(run({"ledger", "verify", "--db", db_}).exit_code, 0);

  // The newest event is the expiry: readable on its own, naming the reservation.
  int64_t tree_size = number(run_json({"ledger", "root", "--db", db_}), "tree_size");
  json::object last =
      run_json({"ledger", "event", "--db", db_, "--seq", std::to_string(tree_size - 1)});
  EXPECT_EQ(text(last, "kind"), "expired") << json::serialize(last);
  const json::array& fields = last.at("fields").as_array();
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].as_object().at("name").as_string(), "reservation_id");
  EXPECT_EQ(fields[0].as_object().at("value").to_number<int64_t>(), short_id);
  expect_domain_error({"ledger", "event", "--db", db_, "--seq", std::to_string(tree_size)},
                      "not_found", "seq");
}

TEST_F(EngineCliTest, TransferAndReturnFlows) {
  std::string key = create_catalog();
  ok({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--qty", "10"});

  json::object shipped = run_json({"transfer", "ship", "--db", db_, "--gtin", kPen, "--from",
                                   "DC-1", "--to", "ST-1", "--qty", "4"});
  EXPECT_EQ(text(shipped, "status"), "in_transit");
  EXPECT_EQ(number(shipped, "shipped"), 4);
  std::string transfer_id = std::to_string(number(shipped, "transfer_id"));
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 6);
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "in_transit"), 4);
  expect_domain_error({"transfer", "ship", "--db", db_, "--gtin", kPen, "--from", "DC-1", "--to",
                       "ST-1", "--qty", "7"},
                      "insufficient_stock", "qty_units");
  // Re-route one unit of it back to DC-1 (a new transfer); the other 4 − 1 keep going.
  json::object split = run_json({"transfer", "reroute", "--db", db_, "--transfer", transfer_id,
                                 "--to", "DC-1", "--qty", "1"});
  EXPECT_EQ(text(split, "to"), "DC-1");
  EXPECT_EQ(number(split, "shipped"), 1);
  EXPECT_NE(std::to_string(number(split, "transfer_id")), transfer_id);
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "in_transit"), 3);
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "in_transit"), 1);
  expect_domain_error(
      {"transfer", "reroute", "--db", db_, "--transfer", transfer_id, "--to", "ST-1"},
      "invalid_argument", "to_location");
  expect_domain_error(
      {"transfer", "reroute", "--db", db_, "--transfer", transfer_id, "--to", "DC-1", "--qty", "4"},
      "invalid_argument", "qty_units");

  json::object received =
      run_json({"transfer", "receive", "--db", db_, "--transfer", transfer_id, "--qty", "2"});
  EXPECT_EQ(text(received, "status"), "received");
  EXPECT_EQ(number(received, "received"), 2);
  json::object store = balance(kPen14, "ST-1");
  EXPECT_EQ(number(store, "on_hand"), 2);
  EXPECT_EQ(number(store, "in_transit"), 0);
  EXPECT_EQ(number(store, "lost_in_transit_total"), 1);
  EXPECT_EQ(
      number(run_json({"transfer", "show", "--db", db_, "--transfer", transfer_id}), "received"),
      2);
  ok({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "ST-1", "--qty", "1"});

  json::object returned = run_json({"return", "receive", "--db", db_, "--gtin", kPen, "--location",
                                    "ST-1", "--qty", "3", "--reason", "damaged box"});
  std::string return_id = std::to_string(number(returned, "return_id"));
  EXPECT_EQ(number(returned, "quarantine"), 3);
  EXPECT_EQ(number(balance(kPen14, "ST-1"), "quarantine"), 3);
  expect_domain_error({"return", "grade", "--db", db_, "--return", return_id, "--grade", "burn"},
                      "invalid_argument", "grade");
  EXPECT_EQ(number(run_json({"return", "grade", "--db", db_, "--return", return_id, "--grade",
                             "rework", "--qty", "1"}),
                   "rework"),
            1);
  EXPECT_EQ(number(run_json({"return", "grade", "--db", db_, "--return", return_id, "--grade",
                             "scrap", "--qty", "1"}),
                   "scrapped"),
            1);
  EXPECT_EQ(number(run_json({"return", "grade", "--db", db_, "--return", return_id, "--grade",
                             "restock"}),
                   "restocked"),
            1);
  json::object reworked = run_json({"return", "rework-done", "--db", db_, "--return", return_id});
  EXPECT_EQ(number(reworked, "restocked"), 2);
  EXPECT_EQ(number(reworked, "rework"), 0);
  EXPECT_EQ(number(reworked, "quarantine"), 0);
  store = balance(kPen14, "ST-1");
  EXPECT_EQ(number(store, "on_hand"), 5);
  EXPECT_EQ(number(store, "quarantine"), 0);
  EXPECT_EQ(number(store, "rework"), 0);
  EXPECT_EQ(number(store, "scrapped_total"), 1);

  RunResult rebuild = run({"ledger", "rebuild", "--db", db_});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_TRUE(contains(rebuild.out, "no drift")) << rebuild.out;
  RunResult pubkey = run({"ledger", "pubkey", "--db", db_});
  EXPECT_EQ(pubkey.exit_code, 0) << pubkey.err;
  EXPECT_EQ(pubkey.out, key + "\n");
}

// Flips one byte of `batch_id`'s events blob at `offset`. Returns the batch's first_seq.
int64_t flip_event_byte(const std::string& db_path, int64_t batch_id, size_t offset) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT first_seq, events FROM batches WHERE batch_id = ?", -1,
                               &select, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(select, 1, batch_id);
  EXPECT_EQ(sqlite3_step(select), SQLITE_ROW);
  int64_t first_seq = sqlite3_column_int64(select, 0);
  const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(select, 1));
  std::vector<unsigned char> events(blob, blob + sqlite3_column_bytes(select, 1));
  sqlite3_finalize(select);
  EXPECT_LT(offset, events.size());
  events[offset] ^= 0x01;
  sqlite3_stmt* update = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "UPDATE batches SET events = ? WHERE batch_id = ?", -1, &update,
                               nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(update, 1, events.data(), static_cast<int>(events.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(update, 2, batch_id);
  EXPECT_EQ(sqlite3_step(update), SQLITE_DONE);
  sqlite3_finalize(update);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  return first_seq;
}

TEST_F(EngineCliTest, FlippedEventByteFailsVerifyAtItsSequenceNumber) {
  std::string key = create_catalog();  // 6 events, one batch each
  ok({"stock", "receive", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--qty", "10"});
  ok({"stock", "receive", "--db", db_, "--gtin", kCup, "--location", "DC-1", "--qty", "10"});
  RunResult before = run({"ledger", "verify", "--db", db_});
  ASSERT_EQ(before.exit_code, 0) << before.out << before.err;
  RunResult pubkey = run({"ledger", "pubkey", "--db", db_});
  EXPECT_EQ(pubkey.out, key + "\n");

  // Batch 5 holds one event; its data starts after the 8-byte length + CRC frame.
  int64_t seq = flip_event_byte(db_, 5, 8 + 2);
  ASSERT_EQ(seq, 4);
  RunResult verify = run({"ledger", "verify", "--db", db_});
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_TRUE(contains(verify.out, "FAILED at seq " + std::to_string(seq) + ":")) << verify.out;
  RunResult verify_json = run({"--json", "ledger", "verify", "--db", db_});
  EXPECT_EQ(verify_json.exit_code, 1);
  boost::system::error_code ec;
  json::value report = json::parse(verify_json.out, ec);
  ASSERT_FALSE(ec) << verify_json.out;
  EXPECT_FALSE(report.at("ok").as_bool());
  EXPECT_EQ(report.at("first_bad_seq").to_number<int64_t>(), seq);
  // The engine refuses to load a journal whose checksums fail.
  RunResult show = run({"stock", "show", "--db", db_});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_TRUE(contains(show.err, "corruption")) << show.err;
}

// `stock show --as-of`, `stock rollback` (dry run, apply) and the rollback's key, and
// `alerts ack --idempotency-key` on an unknown alert: the CLI side of issue 10 §3–5.
TEST_F(EngineCliTest, AsOfRollbackAndItsIdempotencyKey) {
  create_catalog();
  receive_stock();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  time_t seconds = static_cast<time_t>(now_ms / 1000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(now_ms % 1000));
  std::string instant = text;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ok({"stock", "adjust", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--delta", "-3",
      "--reason", "damaged"});
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 7);

  json::object then = run_json({"stock", "show", "--db", db_, "--as-of", instant});
  bool found = false;
  for (const json::value& row : then.at("balances").as_array()) {
    if (row.at("sku") == json::value(kPen14) && row.at("location") == json::value("DC-1")) {
      EXPECT_EQ(row.at("on_hand").as_int64(), 10) << instant;
      found = true;
    }
  }
  EXPECT_TRUE(found) << json::serialize(then);

  json::object dry = run_json({"stock", "rollback", "--db", db_, "--to", instant, "--dry-run"});
  EXPECT_FALSE(dry.at("applied").as_bool());
  EXPECT_EQ(dry.at("diff").as_array().size(), 1u) << json::serialize(dry);
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 7);

  std::vector<std::string> apply = {
      "stock", "rollback",          "--db", db_, "--to", instant, "--reason",
      "undo",  "--idempotency-key", "rb-1"};
  json::object applied = run_json(apply);
  EXPECT_TRUE(applied.at("applied").as_bool());
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 10);
  // A manual correction after the rollback; the retry of the rollback must not undo it.
  ok({"stock", "adjust", "--db", db_, "--gtin", kPen, "--location", "DC-1", "--delta", "-1",
      "--reason", "damaged"});
  json::object retried = run_json(apply);
  EXPECT_TRUE(retried.at("applied").as_bool());
  EXPECT_EQ(number(balance(kPen14, "DC-1"), "on_hand"), 9) << "the retry applied again";
  std::vector<std::string> other = apply;
  other[7] = "another reason";
  expect_domain_error(other, "idempotency_conflict", "idempotency_key");
  expect_domain_error({"alerts", "ack", "--db", db_, "--id", "99", "--idempotency-key", "ack-1"},
                      "not_found", "alert_id");
}

}  // namespace

// Issue 19 §2: the demo prints the dashboard's URL, and the commands it prints at the end
// name the binary by its absolute path (livechain is rarely on the PATH), so each one
// works when pasted into a shell as printed.
TEST_F(EngineCliTest, DemoPrintsTheDashboardAndCommandsThatWorkWhenPasted) {
  RunResult demo = run({"demo", "--db", dir_ + "/demo.db", "--minutes-max", "1", "--speed", "600"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  EXPECT_TRUE(contains(demo.out, "/ui/#token=lc_")) << demo.out;
  const std::string binary = std::filesystem::canonical(LIVECHAIN_BINARY).string();
  std::vector<std::string> pasted;
  std::istringstream lines(demo.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  " + binary + " "))
      pasted.push_back(line.substr(2, line.find("  #", 2) - 2));
  }
  ASSERT_EQ(pasted.size(), 4u) << demo.out;
  for (const std::string& command : pasted) {
    SCOPED_TRACE(command);
    EXPECT_NE(command.find("--db " + dir_ + "/demo.db"), std::string::npos);
    RunResult shell = livechain::test_support::run_program("/bin/sh", {"-c", command}, dir_);
    EXPECT_EQ(shell.exit_code, 0) << shell.err;
  }
}
