// tests/server/server_fixture.hpp — the fixture of the server integration suites: a
// real `livechain serve` on 127.0.0.1 port 0 against a fresh database made with
// `livechain init`, one API key per role (`livechain apikey create`), a seeded catalog
// and stock, helpers to call it over real sockets (support/http_client.hpp) and to
// check RFC 9457 problems. The server is stopped with SIGTERM in TearDown (exit 0
// expected) and killed by the BackgroundProcess destructor if it did not stop.
// Included once per test binary (server_api_test, server_hostile_test).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/bytes.hpp"
#include "journal/merkle.hpp"
#include "server/server.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kRoles[] = {"admin",     "planner",  "live_operator",
                                  "warehouse", "supplier", "auditor"};

// GTIN-13 from its first 12 digits (the check digit appended).
std::string gtin13(std::string_view twelve) {
  int sum = 0;
  for (size_t i = 0; i < twelve.size(); ++i) sum += (twelve[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return std::string(twelve) + static_cast<char>('0' + (10 - sum % 10) % 10);
}
// The server reports SKUs as GTIN-14.
std::string g14(const std::string& gtin) {
  return std::string(14 - gtin.size(), '0') + gtin;
}
// Same digits, wrong check digit.
[[maybe_unused]] std::string bad_check_digit(const std::string& gtin) {
  std::string out = gtin;
  out.back() = out.back() == '9' ? '0' : static_cast<char>(out.back() + 1);
  return out;
}

const std::string kSkuA = gtin13("690123456789");  // 6901234567892
const std::string kSkuB = gtin13("400638133393");
const std::string kSkuC = gtin13("590123412345");
const std::string kSkuUnknown = gtin13("123456789012");  // valid, never in the catalog

json::value parse_json(std::string_view text) {
  std::error_code error;
  json::value value = json::parse(text, error);
  if (error) {
    ADD_FAILURE() << "not JSON (" << error.message() << "): " << text.substr(0, 400);
    return json::value();
  }
  return value;
}

json::object parse_object(std::string_view text) {
  json::value value = parse_json(text);
  if (!value.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << text.substr(0, 400);
    return json::object();
  }
  return value.get_object();
}

std::string str(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}
int64_t num(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return INT64_MIN;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<int64_t>(value->get_uint64());
  return INT64_MIN;
}

std::string describe(const HttpResponse& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  if (!r.error.empty()) out += " (transport error: " + r.error + ")";
  return out + " " + r.body.substr(0, 600);
}

// A problem+json response with the given status; `field` nullopt: any or none.
::testing::AssertionResult IsProblem(const HttpResponse& r, unsigned status,
                                     std::optional<std::string> field = std::nullopt) {
  if (r.status != status) {
    return ::testing::AssertionFailure() << "expected " << status << ", got " << describe(r);
  }
  if (r.media_type() != "application/problem+json") {
    return ::testing::AssertionFailure()
           << "Content-Type '" << r.header("Content-Type") << "': " << describe(r);
  }
  std::error_code error;
  json::value value = json::parse(r.body, error);
  if (error || !value.is_object()) {
    return ::testing::AssertionFailure() << "problem body is not a JSON object: " << describe(r);
  }
  const json::object& body = value.get_object();
  if (!str(body, "type").starts_with("https://livechain.dev/problems/")) {
    return ::testing::AssertionFailure() << "bad 'type': " << describe(r);
  }
  if (str(body, "title").empty() || str(body, "detail").empty()) {
    return ::testing::AssertionFailure() << "empty title or detail: " << describe(r);
  }
  if (num(body, "status") != status) {
    return ::testing::AssertionFailure() << "'status' member differs: " << describe(r);
  }
  if (field && str(body, "field") != *field) {
    return ::testing::AssertionFailure() << "expected field '" << *field << "', got '"
                                         << str(body, "field") << "': " << describe(r);
  }
  return ::testing::AssertionSuccess();
}

[[maybe_unused]] std::string field_of(const HttpResponse& r) {
  std::error_code error;
  json::value value = json::parse(r.body, error);
  return !error && value.is_object() ? str(value.get_object(), "field") : "";
}

struct ApiKey {
  std::string key;
  std::string key_id;
};

struct Balance {
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t available = 0;
  bool operator==(const Balance&) const = default;
};
void PrintTo(const Balance& b, std::ostream* out) {
  *out << "{on_hand " << b.on_hand << ", reserved " << b.reserved << ", available " << b.available
       << "}";
}
using StockMap = std::map<std::pair<std::string, std::string>, Balance>;  // (gtin14, location)

struct Line {
  Line(std::string sku_, int64_t qty_, std::optional<std::string> location_ = std::nullopt)
      : sku(std::move(sku_)), qty(qty_), location(std::move(location_)) {}
  std::string sku;
  int64_t qty = 0;
  std::optional<std::string> location;
};

std::string reserve_body(const std::string& order_id, const std::vector<Line>& lines,
                         std::optional<std::string> region = std::nullopt) {
  json::array array;
  for (const Line& line : lines) {
    json::object object{{"sku", line.sku}, {"qty", line.qty}};
    if (line.location) object["location"] = *line.location;
    array.push_back(std::move(object));
  }
  json::object body{{"order_id", order_id}, {"channel", "live-1"}, {"lines", std::move(array)}};
  if (region) body["region"] = *region;
  return json::serialize(body);
}

// ---------------------------------------------------------------- the fixture

class ServerApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::signal(SIGPIPE, SIG_IGN); }

  // A JSON config for `serve --config`, or "" for none.
  virtual std::string config_json() const { return ""; }
  // Whether SetUp seeds the catalog and stock (through the API, as admin).
  virtual bool seed() const { return true; }

  void SetUp() override {
    db_ = dir_.file("s.db");
    RunResult init = cli({"init", "--db", db_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    for (const char* role : kRoles) ASSERT_NO_FATAL_FAILURE(keys_[role] = create_key(role));
    if (!config_json().empty()) {
      config_path_ = dir_.file("config.json");
      std::ofstream(config_path_) << config_json();
    }
    ASSERT_NO_FATAL_FAILURE(start_server());
    if (seed()) {
      ASSERT_NO_FATAL_FAILURE(seed_catalog());
      baseline_ = stock_of({kSkuA, kSkuB, kSkuC});
    }
  }

  void TearDown() override {
    if (server_.running()) {
      int code = stop_server();
      EXPECT_EQ(code, 0) << "serve did not exit 0 after SIGTERM; stderr:\n" << server_stderr();
    }
    if (HasFailure()) {
      std::string err = server_stderr();
      std::cerr << "---- serve stderr (last 3000 bytes) ----\n"
                << (err.size() > 3000 ? err.substr(err.size() - 3000) : err) << "\n";
    }
  }

  RunResult cli(const std::vector<std::string>& args) {
    return run_program(LIVECHAIN_BINARY, args, dir_.path());
  }

  ApiKey create_key(const std::string& role) {
    RunResult created = cli({"--json", "apikey", "create", "--role", role, "--db", db_});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    json::object out = parse_object(created.out);
    ApiKey key{str(out, "key"), str(out, "key_id")};
    EXPECT_FALSE(key.key.empty()) << created.out;
    EXPECT_FALSE(key.key_id.empty()) << created.out;
    return key;
  }

  void start_server() {
    std::vector<std::string> args = {"serve", "--db", db_, "--listen", "127.0.0.1:0"};
    if (!config_path_.empty()) {
      args.push_back("--config");
      args.push_back(config_path_);
    }
    // Each start writes its own files, so a restart never reads the last run's port.
    ++starts_;
    std::string out_path = dir_.file("serve" + std::to_string(starts_) + ".stdout");
    ASSERT_TRUE(server_.start(LIVECHAIN_BINARY, args, out_path, server_stderr_path()));
    const std::string prefix = "listening on http://127.0.0.1:";
    auto line = wait_for_line(out_path, prefix, 30s,
                              [&] { return !server_.wait_for_exit(0ms).has_value(); });
    ASSERT_TRUE(line.has_value()) << "serve did not start; exit "
                                  << server_.exit_code().value_or(-1) << "; stderr:\n"
                                  << server_stderr();
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->find(prefix) + prefix.size())));
    ASSERT_GT(port_, 0);
  }

  // SIGTERM, then the exit status (-1 when it had to be killed).
  int stop_server() {
    if (!server_.running()) return server_.exit_code().value_or(-1);
    server_.signal(SIGTERM);
    auto code = server_.wait_for_exit(30s);
    if (!code) {
      server_.kill_and_reap();
      ADD_FAILURE() << "serve still running 30 s after SIGTERM";
      return -1;
    }
    return *code;
  }

  std::string server_stderr_path() const {
    return dir_.file("serve" + std::to_string(starts_) + ".stderr");
  }
  // The stderr of the current (or last) server run.
  std::string server_stderr() const { return read_file(server_stderr_path()); }

  // One request on a fresh connection. `role` "" sends no Authorization header.
  HttpResponse call(const std::string& role, const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& content_type = "application/json",
                    const Headers& extra = {}) {
    Headers headers = extra;
    if (!role.empty()) headers.emplace_back("Authorization", "Bearer " + keys_.at(role).key);
    if (!body.empty() && !content_type.empty()) headers.emplace_back("Content-Type", content_type);
    HttpClient client(port_);
    return client.request(method, target, body, headers);
  }
  HttpResponse admin(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::string& content_type = "application/json") {
    return call("admin", method, target, body, content_type);
  }
  HttpResponse reserve(const std::string& body, const std::string& role = "admin",
                       const Headers& extra = {}) {
    return call(role, "POST", "/v1/reservations", body, "application/json", extra);
  }

  void expect_2xx(const HttpResponse& r, const std::string& what) {
    EXPECT_TRUE(r.status >= 200 && r.status < 300) << what << ": " << describe(r);
  }

  // Catalog: channel live-1; dc-east (east), dc-west (west), factory-1 (east, does not
  // sell to buyers); SKUs A, B, C. Stock: A 100 @dc-east + 40 @dc-west, B 50 @dc-west,
  // C 5 @dc-east.
  void seed_catalog() {
    expect_2xx(admin("PUT", "/v1/channels/live-1", R"({"kind":"live_room"})"), "channel");
    expect_2xx(admin("PUT", "/v1/locations/dc-east", R"({"kind":"dc","region":"east"})"), "loc");
    expect_2xx(admin("PUT", "/v1/locations/dc-west", R"({"kind":"dc","region":"west"})"), "loc");
    expect_2xx(admin("PUT", "/v1/locations/factory-1", R"({"kind":"factory","region":"east"})"),
               "loc");
    expect_2xx(admin("PUT", "/v1/region-distances", R"({"from":"east","to":"west","km":1200})"),
               "distance");
    for (const auto& [sku, name] : std::vector<std::pair<std::string, std::string>>{
             {kSkuA, "Alpha"}, {kSkuB, "Beta"}, {kSkuC, "Gamma"}}) {
      expect_2xx(admin("PUT", "/v1/skus/" + sku, json::serialize(json::object{{"name", name}})),
                 "sku");
    }
    receive(kSkuA, "dc-east", 100);
    receive(kSkuA, "dc-west", 40);
    receive(kSkuB, "dc-west", 50);
    receive(kSkuC, "dc-east", 5);
    ASSERT_FALSE(HasFailure());
  }

  void receive(const std::string& sku, const std::string& location, int64_t qty) {
    HttpResponse r =
        admin("POST", "/v1/receipts",
              json::serialize(json::object{{"sku", sku}, {"location", location}, {"qty", qty}}));
    EXPECT_EQ(r.status, 201u) << describe(r);
  }

  // Balances of `skus` by (GTIN-14, location), read as admin.
  StockMap stock_of(const std::vector<std::string>& skus) {
    StockMap out;
    for (const std::string& sku : skus) {
      HttpResponse r = admin("GET", "/v1/stock/" + sku);
      EXPECT_EQ(r.status, 200u) << describe(r);
      if (r.status != 200) continue;
      json::object body = parse_object(r.body);
      for (const json::value& row : body["locations"].as_array()) {
        const json::object& o = row.as_object();
        out[{g14(sku), str(o, "location")}] =
            Balance{num(o, "on_hand"), num(o, "reserved"), num(o, "available")};
      }
    }
    return out;
  }
  Balance balance(const std::string& sku, const std::string& location) {
    StockMap stock = stock_of({sku});
    auto found = stock.find({g14(sku), location});
    return found == stock.end() ? Balance{} : found->second;
  }

  // The server answers and the stock acknowledged during seeding (plus `changes`)
  // is what it was.
  void expect_alive_and_intact() {
    HttpResponse health = call("", "GET", "/healthz");
    EXPECT_EQ(health.status, 200u) << "server down? " << describe(health);
    EXPECT_EQ(stock_of({kSkuA, kSkuB, kSkuC}), baseline_);
  }

  // Creates a reservation; returns its JSON (empty on failure, with a test failure).
  json::object reserve_ok(const std::string& order_id, const std::vector<Line>& lines,
                          std::optional<std::string> region = std::nullopt,
                          const std::string& role = "admin") {
    HttpResponse r = reserve(reserve_body(order_id, lines, region), role);
    EXPECT_EQ(r.status, 201u) << describe(r);
    return r.status == 201 ? parse_object(r.body) : json::object();
  }

  TempDir dir_;
  std::string db_;
  std::string config_path_;
  std::map<std::string, ApiKey> keys_;
  BackgroundProcess server_;
  uint16_t port_ = 0;
  int starts_ = 0;
  StockMap baseline_;
};

}  // namespace
