// tests/server/channels_api_test.cpp — channel pools and idempotency keys over the real
// `livechain serve` (docs/channels.md).
//
// Each test starts the real binary on 127.0.0.1 port 0 against a fresh database with
// admin, planner and auditor keys, talks HTTP over real sockets and stops it by PID.
// The durability test kills the server with SIGKILL (kill -9) and restarts it on the
// same database: every keyed write retried after the restart must answer exactly what
// it answered before and apply nothing twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string kSkuA = "6901234567892";
const std::string kSkuA14 = "06901234567892";
const std::string kSkuUnknown = "1234567890128";

json::object object_of(const HttpResponse& r) {
  std::error_code error;
  json::value value = json::parse(r.body, error);
  if (error || !value.is_object()) return {};
  return value.get_object();
}
std::string describe(const HttpResponse& r) {
  return "HTTP " + std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 500);
}
int64_t num(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_int64() ? v->get_int64() : INT64_MIN;
}
std::string str(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}
// A problem+json answer with `status` naming `field`.
::testing::AssertionResult IsProblem(const HttpResponse& r, unsigned status,
                                     const std::string& field) {
  if (r.status != status) return ::testing::AssertionFailure() << describe(r);
  if (r.media_type() != "application/problem+json") {
    return ::testing::AssertionFailure() << "not a problem: " << describe(r);
  }
  json::object body = object_of(r);
  if (str(body, "field") != field || str(body, "detail").empty()) {
    return ::testing::AssertionFailure()
           << "field '" << str(body, "field") << "' ≠ '" << field << "': " << describe(r);
  }
  return ::testing::AssertionSuccess();
}

class ChannelsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    db_ = dir_.file("c.db");
    ASSERT_EQ(cli({"init", "--db", db_}).exit_code, 0);
    for (const char* role : {"admin", "planner", "auditor", "warehouse"}) {
      RunResult created = cli({"--json", "apikey", "create", "--role", role, "--db", db_});
      ASSERT_EQ(created.exit_code, 0) << created.err;
      keys_[role] = str(json::parse(created.out).as_object(), "key");
    }
    ASSERT_NO_FATAL_FAILURE(start());
    for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/channels/live-1", R"({"kind":"live_room"})"},
             {"/v1/channels/live-2", R"({"kind":"live_room"})"},
             {"/v1/channels/shop", R"({"kind":"online_shop"})"},
             {"/v1/locations/dc-east", R"({"kind":"dc","region":"east"})"},
             {"/v1/locations/dc-west", R"({"kind":"dc","region":"west"})"},
             {"/v1/skus/" + kSkuA, R"({"name":"Alpha"})"}}) {
      ASSERT_EQ(call("admin", "PUT", path, body).status, 200u) << path;
    }
    ASSERT_EQ(receipt(kSkuA, "dc-east", 100).status, 201u);
    ASSERT_EQ(receipt(kSkuA, "dc-west", 50).status, 201u);
  }
  void TearDown() override {
    if (server_.running()) {
      server_.signal(SIGTERM);
      EXPECT_EQ(server_.wait_for_exit(30s).value_or(-1), 0);
    }
  }

  RunResult cli(const std::vector<std::string>& args) {
    return run_program(LIVECHAIN_BINARY, args, dir_.path());
  }
  void start() {
    ++starts_;
    std::string out = dir_.file("serve" + std::to_string(starts_) + ".out");
    std::string err = dir_.file("serve" + std::to_string(starts_) + ".err");
    ASSERT_TRUE(server_.start(LIVECHAIN_BINARY, {"serve", "--db", db_, "--listen", "127.0.0.1:0"},
                              out, err));
    const std::string prefix = "listening on http://127.0.0.1:";
    auto line =
        wait_for_line(out, prefix, 30s, [&] { return !server_.wait_for_exit(0ms).has_value(); });
    ASSERT_TRUE(line.has_value()) << read_file(err);
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->find(prefix) + prefix.size())));
  }
  HttpResponse call(const std::string& role, const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& key = "") {
    Headers headers = {{"Authorization", "Bearer " + keys_.at(role)}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    HttpClient client(port_);
    return client.request(method, target, body, headers);
  }
  HttpResponse receipt(const std::string& sku, const std::string& location, int64_t qty,
                       const std::string& key = "") {
    return call("admin", "POST", "/v1/receipts",
                json::serialize(json::object{{"sku", sku}, {"location", location}, {"qty", qty}}),
                key);
  }
  HttpResponse reserve(const std::string& channel, int64_t qty, const std::string& location = "") {
    json::object line{{"sku", kSkuA}, {"qty", qty}};
    if (!location.empty()) line["location"] = location;
    json::object body{{"order_id", "o-" + channel},
                      {"channel", channel},
                      {"lines", json::array{std::move(line)}}};
    return call("admin", "POST", "/v1/reservations", json::serialize(body));
  }
  int64_t ats(const std::string& channel) {
    HttpResponse r = call("auditor", "GET", "/v1/channels/" + channel + "/available?sku=" + kSkuA);
    EXPECT_EQ(r.status, 200u) << describe(r);
    return num(object_of(r), "available");
  }
  int64_t on_hand(const std::string& location) {
    HttpResponse r = call("auditor", "GET", "/v1/stock/" + kSkuA);
    json::object body = object_of(r);  // kept alive for the loop
    for (const json::value& row : body["locations"].as_array()) {
      if (str(row.as_object(), "location") == location) return num(row.as_object(), "on_hand");
    }
    return -1;
  }

  TempDir dir_;
  std::string db_;
  std::map<std::string, std::string> keys_;
  BackgroundProcess server_;
  uint16_t port_ = 0;
  int starts_ = 0;
};

TEST_F(ChannelsApiTest, AllocationsShapeWhatEachChannelMaySell) {
  EXPECT_EQ(ats("live-1"), 150);
  HttpResponse put = call("planner", "PUT", "/v1/channels/live-1/allocations/" + kSkuA,
                          R"({"qty": 30, "location": "dc-east"})");
  ASSERT_EQ(put.status, 200u) << describe(put);
  json::object allocation = object_of(put);
  EXPECT_EQ(str(allocation, "channel"), "live-1");
  EXPECT_EQ(str(allocation, "sku"), kSkuA14);
  EXPECT_EQ(str(allocation, "location"), "dc-east");
  EXPECT_EQ(num(allocation, "qty"), 30);
  EXPECT_EQ(ats("live-1"), 30);
  EXPECT_EQ(ats("live-2"), 120);
  HttpResponse view = call("auditor", "GET", "/v1/channels/live-1/available?sku=" + kSkuA);
  json::object body = object_of(view);
  EXPECT_EQ(str(body, "pool"), "dedicated");
  ASSERT_EQ(body["locations"].as_array().size(), 2u) << view.body;
  EXPECT_EQ(str(body["locations"].as_array()[0].as_object(), "pool"), "location");
  // The SKU's stock view renders the same figure per channel.
  json::object stock = object_of(call("auditor", "GET", "/v1/stock/" + kSkuA));
  for (const json::value& row : stock["available_to_sell"].as_array()) {
    const json::object& channel = row.as_object();
    EXPECT_EQ(num(channel, "available_to_sell"), ats(str(channel, "channel")));
  }
  // A dedicated channel sells at most its allocation; shared channels never take it.
  EXPECT_EQ(reserve("live-1", 31).status, 409u);
  EXPECT_EQ(reserve("live-1", 30).status, 201u);
  EXPECT_EQ(reserve("live-2", 71, "dc-east").status, 409u);
  EXPECT_EQ(reserve("live-2", 70, "dc-east").status, 201u);
  // Move quota during the session: one atomic command.
  ASSERT_EQ(
      call("planner", "PUT", "/v1/channels/live-2/allocations/" + kSkuA, R"({"qty": 20})").status,
      200u);
  HttpResponse moved = call("planner", "POST", "/v1/channels/live-2/allocations/" + kSkuA + "/move",
                            R"({"to": "shop", "qty": 5})");
  ASSERT_EQ(moved.status, 200u) << describe(moved);
  EXPECT_EQ(object_of(moved)["allocations"].as_array().size(), 2u);
  EXPECT_EQ(ats("live-2"), 15);
  EXPECT_EQ(ats("shop"), 5);
  EXPECT_EQ(ats("live-1"), 0);
  // Removing an allocation puts the channel back on the shared pool (50 − 15 − 5).
  EXPECT_EQ(call("planner", "DELETE", "/v1/channels/shop/allocations/" + kSkuA).status, 200u);
  EXPECT_EQ(ats("shop"), 35);
  // The CLI renders the same engine figure.
  server_.signal(SIGTERM);
  ASSERT_EQ(server_.wait_for_exit(30s).value_or(-1), 0);
  RunResult shown =
      cli({"--json", "channel", "available", "--db", db_, "--id", "live-2", "--gtin", kSkuA});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(num(json::parse(shown.out).as_object(), "available"), 15);
  RunResult allocated =
      cli({"channel", "allocate", "--db", db_, "--id", "shop", "--gtin", kSkuA, "--qty", "36"});
  EXPECT_EQ(allocated.exit_code, 1) << "36 > the 35 free units";
  EXPECT_NE(allocated.err.find("qty"), std::string::npos) << allocated.err;
}

TEST_F(ChannelsApiTest, BadAllocationsAre4xxNamingTheFieldAndChangeNothing) {
  ASSERT_EQ(call("planner", "PUT", "/v1/channels/live-1/allocations/" + kSkuA,
                 R"({"qty": 30, "location": "dc-east"})")
                .status,
            200u);
  const std::string path = "/v1/channels/live-2/allocations/" + kSkuA;
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({"qty": 121})"), 409, "qty"));
  EXPECT_TRUE(
      IsProblem(call("planner", "PUT", path, R"({"qty": 71, "location": "dc-east"})"), 409, "qty"));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({"qty": -1})"), 422, "qty"));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({"qty": "5"})"), 422, "qty"));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({})"), 422, "qty"));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({"qty": 1, "where": "x"})"), 422, "where"));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", path, R"({"qty": 1, "location": "nope"})"), 422,
                        "location"));
  EXPECT_TRUE(
      IsProblem(call("planner", "PUT", "/v1/channels/nope/allocations/" + kSkuA, R"({"qty": 1})"),
                404, "channel"));
  EXPECT_TRUE(IsProblem(
      call("planner", "PUT", "/v1/channels/live-2/allocations/" + kSkuUnknown, R"({"qty": 1})"),
      404, "sku"));
  EXPECT_TRUE(
      IsProblem(call("planner", "POST", path + "/move", R"({"to": "nope", "qty": 1})"), 422, "to"));
  EXPECT_TRUE(IsProblem(call("planner", "POST", path + "/move", R"({"to": "shop", "qty": 1})"), 409,
                        "qty"));
  EXPECT_TRUE(IsProblem(call("planner", "DELETE", path), 404, "allocation"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/channels/live-2/available"), 422, "sku"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/channels/live-2/available?sku=" + kSkuUnknown),
                        422, "sku"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/channels/nope/available?sku=" + kSkuA), 404,
                        "channel"));
  EXPECT_EQ(call("auditor", "PUT", path, R"({"qty": 1})").status, 403u);
  // Nothing changed: live-1 still holds 30, the others share 120.
  EXPECT_EQ(ats("live-1"), 30);
  EXPECT_EQ(ats("live-2"), 120);
}

// Keyed writes on every kind of route, then kill -9, restart, and the same requests
// again: the first answers come back, nothing is applied twice; another body under a
// used key is 422 naming Idempotency-Key.
TEST_F(ChannelsApiTest, IdempotencyKeysSurviveKillDashNine) {
  struct Write {
    std::string role, method, path, body, key;
  };
  const std::vector<Write> writes = {
      {"admin", "POST", "/v1/receipts",
       R"({"sku":")" + kSkuA + R"(","location":"dc-east","qty":7})", "w-receipt"},
      {"admin", "POST", "/v1/adjustments",
       R"({"sku":")" + kSkuA + R"(","location":"dc-west","delta":-2,"reason":"damaged"})",
       "w-adjust"},
      {"admin", "POST", "/v1/transfers",
       R"({"sku":")" + kSkuA + R"(","from":"dc-east","to":"dc-west","qty":3})", "w-transfer"},
      {"admin", "POST", "/v1/returns",
       R"({"sku":")" + kSkuA + R"(","location":"dc-west","qty":1,"reason":"size"})", "w-return"},
      {"admin", "PUT", "/v1/presale-plans",
       R"({"sku":")" + kSkuA + R"(","location":"dc-east","planned":40})", "w-presale"},
      {"admin", "PUT", "/v1/skus/" + kSkuA, R"({"name":"Alpha 2"})", "w-sku"},
      {"planner", "PUT", "/v1/channels/live-1/allocations/" + kSkuA, R"({"qty":10})", "w-alloc"},
      {"planner", "POST", "/v1/channels/live-1/allocations/" + kSkuA + "/move",
       R"({"to":"live-2","qty":4})", "w-move"},
  };
  std::vector<HttpResponse> first;
  for (const Write& w : writes) {
    first.push_back(call(w.role, w.method, w.path, w.body, w.key));
    ASSERT_LT(first.back().status, 300u) << w.path << ": " << describe(first.back());
  }
  int64_t east = on_hand("dc-east");
  int64_t west = on_hand("dc-west");
  int64_t live1 = ats("live-1");
  int64_t live2 = ats("live-2");
  // kill -9: no shutdown, no final snapshot; the journal alone must carry the keys.
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start());
  for (size_t i = 0; i < writes.size(); ++i) {
    const Write& w = writes[i];
    HttpResponse again = call(w.role, w.method, w.path, w.body, w.key);
    EXPECT_EQ(again.status, first[i].status) << w.path;
    EXPECT_EQ(json::parse(again.body), json::parse(first[i].body)) << w.path;
  }
  EXPECT_EQ(on_hand("dc-east"), east);
  EXPECT_EQ(on_hand("dc-west"), west);
  EXPECT_EQ(ats("live-1"), live1);
  EXPECT_EQ(ats("live-2"), live2);
  EXPECT_TRUE(IsProblem(receipt(kSkuA, "dc-east", 8, "w-receipt"), 422, "Idempotency-Key"));
  EXPECT_EQ(on_hand("dc-east"), east);
  // The CLI takes keys too.
  server_.signal(SIGTERM);
  ASSERT_EQ(server_.wait_for_exit(30s).value_or(-1), 0);
  std::vector<std::string> cli_receipt = {
      "--json", "stock", "receive",           "--db", db_, "--gtin", kSkuA, "--location", "dc-west",
      "--qty",  "5",     "--idempotency-key", "cli-1"};
  RunResult once = cli(cli_receipt);
  ASSERT_EQ(once.exit_code, 0) << once.err;
  RunResult twice = cli(cli_receipt);
  ASSERT_EQ(twice.exit_code, 0) << twice.err;
  EXPECT_EQ(json::parse(twice.out), json::parse(once.out));
  RunResult conflict = cli({"stock", "receive", "--db", db_, "--gtin", kSkuA, "--location",
                            "dc-west", "--qty", "6", "--idempotency-key", "cli-1"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_NE(conflict.err.find("idempotency_conflict"), std::string::npos) << conflict.err;
  // HTTP keys are scoped by API key (issue 20), so the CLI, the machine's operator,
  // has a key space of its own: an API key's "w-receipt" is not the CLI's.
  RunResult own = cli({"stock", "receive", "--db", db_, "--gtin", kSkuA, "--location", "dc-west",
                       "--qty", "5", "--idempotency-key", "w-receipt"});
  EXPECT_EQ(own.exit_code, 0) << own.err;
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(on_hand("dc-west"), west + 10);
}

TEST_F(ChannelsApiTest, KeyedImportsAndBatchesApplyOnce) {
  auto import_stock = [&](const std::string& csv, const std::string& key) {
    Headers headers = {{"Authorization", "Bearer " + keys_.at("admin")},
                       {"Content-Type", "text/csv"},
                       {"Idempotency-Key", key}};
    HttpClient client(port_);
    return client.request("POST", "/v1/import/stock", csv, headers);
  };
  const std::string csv = "sku,location,qty\n" + kSkuA + ",dc-east,5\n" + kSkuA + ",nowhere,1\n";
  HttpResponse first = import_stock(csv, "imp-1");
  ASSERT_EQ(first.status, 200u) << describe(first);
  EXPECT_EQ(num(object_of(first), "applied"), 1);
  HttpResponse again = import_stock(csv, "imp-1");
  EXPECT_EQ(json::parse(again.body), json::parse(first.body));
  EXPECT_EQ(on_hand("dc-east"), 105);
  EXPECT_TRUE(
      IsProblem(import_stock(csv + kSkuA + ",dc-east,1\n", "imp-1"), 422, "Idempotency-Key"));
  EXPECT_EQ(on_hand("dc-east"), 105);
  const std::string batch =
      R"({"reservations":[{"order_id":"b1","channel":"live-1","lines":[{"sku":")" + kSkuA +
      R"(","qty":2,"location":"dc-east"}]}]})";
  Headers headers = {{"Authorization", "Bearer " + keys_.at("admin")},
                     {"Content-Type", "application/json"},
                     {"Idempotency-Key", "batch-1"}};
  HttpResponse b1 = HttpClient(port_).request("POST", "/v1/reservations/batch", batch, headers);
  HttpResponse b2 = HttpClient(port_).request("POST", "/v1/reservations/batch", batch, headers);
  ASSERT_EQ(b1.status, 200u) << describe(b1);
  EXPECT_EQ(num(object_of(b2), "created"), 1) << b2.body;
  json::object stock = object_of(call("auditor", "GET", "/v1/stock/" + kSkuA));
  EXPECT_EQ(num(stock["totals"].as_object(), "reserved"), 2) << "the batch reserved twice";
}

}  // namespace
