// tests/server/asof_api_test.cpp — stock as of T and rollback (issue 10 §4–5) over the
// real `livechain serve` (fixture: server_fixture.hpp) and the real CLI.
//
// As-of answers are asked before and after a restart of the server and must not
// change; the CLI (`stock show --as-of`) must agree. A rollback's dry run must be the
// diff the applied rollback reports and makes; sales after T are listed, not undone.
#include <ctime>

#include "server_fixture.hpp"

namespace {

std::string rfc3339_now(int64_t offset_ms = 0) {
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() +
                   offset_ms;
  std::time_t seconds = now_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(now_ms % 1000));
  return out;
}

// The instant between two writes: strictly after every event so far, before the next.
std::string instant_between() {
  std::this_thread::sleep_for(20ms);
  std::string at = rfc3339_now();
  std::this_thread::sleep_for(20ms);
  return at;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '+' || c == ':') {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

class AsOfApiTest : public ServerApiTest {
 protected:
  HttpResponse as_of(const std::string& sku, const std::string& at,
                     const std::string& role = "admin") {
    return call(role, "GET", "/v1/stock/" + sku + "?as_of=" + url_encode(at));
  }
  int64_t on_hand(const json::object& body, const std::string& location) {
    for (const json::value& row : body.at("locations").as_array()) {
      if (str(row.as_object(), "location") == location) return num(row.as_object(), "on_hand");
    }
    return INT64_MIN;
  }
  void adjust(const std::string& sku, const std::string& location, int64_t delta) {
    HttpResponse r =
        admin("POST", "/v1/adjustments",
              json::serialize(json::object{
                  {"sku", sku}, {"location", location}, {"delta", delta}, {"reason", "count"}}));
    EXPECT_EQ(r.status, 201u) << describe(r);
  }
  void sell(const std::string& order_id, const std::string& sku, int64_t qty) {
    json::object reservation = reserve_ok(order_id, {Line(sku, qty, "dc-east")});
    int64_t id = num(reservation, "reservation_id");
    HttpResponse r = admin("POST", "/v1/reservations/" + std::to_string(id) + "/commit", "{}");
    EXPECT_EQ(r.status, 200u) << describe(r);
  }
  int64_t tree_size() {
    HttpResponse head = admin("GET", "/v1/ledger/head");
    EXPECT_EQ(head.status, 200u) << describe(head);
    return num(parse_object(head.body), "tree_size");
  }
};

TEST_F(AsOfApiTest, AsOfAnswersSurviveARestartAndMatchTheCli) {
  std::string t1 = instant_between();
  adjust(kSkuA, "dc-east", -30);
  sell("order-1", kSkuA, 5);
  std::string t2 = instant_between();
  receive(kSkuA, "dc-east", 7);

  HttpResponse at1 = as_of(kSkuA, t1);
  ASSERT_EQ(at1.status, 200u) << describe(at1);
  HttpResponse at2 = as_of(kSkuA, t2);
  ASSERT_EQ(at2.status, 200u) << describe(at2);
  EXPECT_EQ(on_hand(parse_object(at1.body), "dc-east"), 100);
  EXPECT_EQ(on_hand(parse_object(at2.body), "dc-east"), 65);
  EXPECT_EQ(on_hand(parse_object(at2.body), "dc-west"), 40);
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 72);  // now

  ASSERT_EQ(stop_server(), 0);
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_EQ(as_of(kSkuA, t1).body, at1.body);
  EXPECT_EQ(as_of(kSkuA, t2).body, at2.body);

  // The CLI reads the same journal and agrees.
  RunResult shown = cli({"--json", "stock", "show", "--db", db_, "--gtin", kSkuA, "--as-of", t2});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  json::object cli_body = parse_object(shown.out);
  int64_t cli_dc_east = INT64_MIN;
  for (const json::value& row : cli_body.at("balances").as_array()) {
    if (str(row.as_object(), "location") == "dc-east")
      cli_dc_east = num(row.as_object(), "on_hand");
  }
  EXPECT_EQ(cli_dc_east, 65);
}

TEST_F(AsOfApiTest, BadAsOfIsA422NamingAsOfAndChangesNothing) {
  int64_t size = tree_size();
  EXPECT_TRUE(IsProblem(as_of(kSkuA, rfc3339_now(3'600'000)), 422, "as_of"));  // future
  EXPECT_TRUE(IsProblem(as_of(kSkuA, "2001-01-01T00:00:00Z"), 422, "as_of"));  // before start
  EXPECT_TRUE(IsProblem(as_of(kSkuA, "yesterday"), 422, "as_of"));
  EXPECT_TRUE(IsProblem(as_of(kSkuA, "2026-02-30T00:00:00Z"), 422, "as_of"));
  EXPECT_TRUE(IsProblem(as_of(kSkuA, ""), 422, "as_of"));
  RunResult future = cli({"stock", "show", "--db", db_, "--as-of", rfc3339_now(3'600'000)});
  EXPECT_EQ(future.exit_code, 1);
  EXPECT_NE(future.err.find("as_of"), std::string::npos) << future.err;
  EXPECT_EQ(tree_size(), size);
  expect_alive_and_intact();
}

TEST_F(AsOfApiTest, RollbackDryRunEqualsTheAppliedDiffAndSalesAreConflicts) {
  std::string t = instant_between();
  adjust(kSkuA, "dc-east", -30);  // the mistake
  sell("order-after-t", kSkuA, 5);
  std::string body = json::serialize(json::object{{"to", t}, {"dry_run", true}});

  int64_t size = tree_size();
  HttpResponse dry = admin("POST", "/v1/rollback", body);
  ASSERT_EQ(dry.status, 200u) << describe(dry);
  json::object plan = parse_object(dry.body);
  EXPECT_EQ(plan.at("applied"), json::value(false));
  ASSERT_EQ(plan.at("diff").as_array().size(), 1u) << dry.body;
  const json::object& change = plan.at("diff").as_array()[0].as_object();
  EXPECT_EQ(str(change, "sku"), g14(kSkuA));
  EXPECT_EQ(str(change, "location"), "dc-east");
  EXPECT_EQ(str(change, "field"), "on_hand");
  EXPECT_EQ(num(change, "from"), 65);
  EXPECT_EQ(num(change, "to"), 95);  // 100 at T, minus the 5 sold after T
  EXPECT_EQ(num(change, "delta"), 30);
  ASSERT_EQ(plan.at("conflicts").as_array().size(), 1u);
  const json::object& conflict = plan.at("conflicts").as_array()[0].as_object();
  EXPECT_EQ(str(conflict, "order_id"), "order-after-t");
  EXPECT_EQ(num(conflict, "qty"), 5);
  EXPECT_FALSE(str(conflict, "committed_at").empty());
  EXPECT_EQ(tree_size(), size);  // a dry run journals nothing
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 65);

  // Not admin, bad or missing `to`, no reason: refused, nothing changed.
  EXPECT_TRUE(IsProblem(call("planner", "POST", "/v1/rollback", body), 403, std::nullopt));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/rollback", body), 403, std::nullopt));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/rollback", R"({"dry_run":true})"), 422, "to"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/rollback", R"({"to":"noon"})"), 422, "to"));
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/rollback", json::serialize(json::object{{"to", rfc3339_now(3'600'000)}})),
      422, "to"));
  EXPECT_TRUE(
      IsProblem(admin("POST", "/v1/rollback", R"({"to":"2001-01-01T00:00:00Z"})"), 422, "to"));
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/rollback", json::serialize(json::object{{"to", t}, {"dry_run", false}})),
      422, "reason"));
  EXPECT_EQ(tree_size(), size);

  std::string apply = json::serialize(
      json::object{{"to", t}, {"dry_run", false}, {"reason", "undo the bad count"}});
  Headers key = {{"Idempotency-Key", "rollback-1"}};
  HttpResponse applied = call("admin", "POST", "/v1/rollback", apply, "application/json", key);
  ASSERT_EQ(applied.status, 200u) << describe(applied);
  json::object done = parse_object(applied.body);
  EXPECT_EQ(done.at("applied"), json::value(true));
  EXPECT_EQ(done.at("diff"), plan.at("diff"));  // the dry run was the truth
  EXPECT_EQ(done.at("conflicts"), plan.at("conflicts"));
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 95);
  // One adjustment, the audit record, and the key's first answer (idempotency_recorded).
  EXPECT_EQ(tree_size(), size + 3);

  // The audit record: who, when, to.
  HttpResponse audit = admin("GET", "/v1/ledger/events/" + std::to_string(size + 1));
  ASSERT_EQ(audit.status, 200u) << describe(audit);
  EXPECT_NE(audit.body.find("stock_restored"), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find(keys_.at("admin").key_id), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("undo the bad count"), std::string::npos) << audit.body;

  // Retried with its key: nothing applied twice.
  HttpResponse again = call("admin", "POST", "/v1/rollback", apply, "application/json", key);
  EXPECT_EQ(again.status, 200u) << describe(again);
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 95);
  EXPECT_EQ(tree_size(), size + 3);
}

}  // namespace
