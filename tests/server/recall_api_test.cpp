// tests/server/recall_api_test.cpp — issue 12 §2 and §5 against the real server:
// receipts and commits naming lots and serials, POST /v1/recalls locking the batch
// everywhere at once (quarantine, refusals naming the field, the report, alerts to the
// channels), held units following on release, the scan page saying so, durability
// across kill -9, and bad input naming the field.
#include <fmt/format.h>

#include "server_fixture.hpp"

namespace {

class RecallApiTest : public ServerApiTest {
 protected:
  // Batch R-1 of SKU A: 30 units at dc-east (beside 100 untracked), 10 at dc-west.
  std::string make_batch() {
    HttpResponse created = call(
        "planner", "POST", "/v1/batches",
        json::serialize(json::object{
            {"sku", kSkuA}, {"lot", "R-1"}, {"produced_at", "2026-11-02"}, {"factory", "fac-9"}}));
    EXPECT_EQ(created.status, 201u) << describe(created);
    const std::string id = std::to_string(num(parse_object(created.body), "batch_id"));
    EXPECT_EQ(call("warehouse", "POST", "/v1/batches/" + id + "/units", R"({"count":50})").status,
              201u);
    for (auto [location, qty] : {std::pair{"dc-east", 30}, std::pair{"dc-west", 10}}) {
      HttpResponse received =
          call("warehouse", "POST", "/v1/receipts",
               json::serialize(json::object{
                   {"sku", kSkuA}, {"location", location}, {"qty", qty}, {"lot", "R-1"}}));
      EXPECT_EQ(received.status, 201u) << describe(received);
    }
    return id;
  }
  json::object row(const std::string& location) {
    json::object body = parse_object(admin("GET", "/v1/stock/" + kSkuA).body);
    for (const json::value& r : body["locations"].as_array()) {
      if (str(r.as_object(), "location") == location) return r.as_object();
    }
    return {};
  }
  std::string recall_body(const std::string& id, const std::string& reason) {
    return R"({"batch":)" + id + R"(,"reason":")" + reason + R"("})";
  }
};

TEST_F(RecallApiTest, ARecallLocksTheBatchEverywhereReportsAndNotifiesTheChannels) {
  expect_2xx(admin("PUT", "/v1/channels/shop-1", R"({"kind":"online_shop"})"), "channel");
  const std::string id = make_batch();
  // shop-1 sells 4 units of R-1 from dc-west naming two serials; live-1 holds 125 at
  // dc-east, so only 5 units there are free when the recall comes.
  HttpResponse shop_order =
      call("admin", "POST", "/v1/reservations",
           json::serialize(json::object{
               {"order_id", "o-sold"},
               {"channel", "shop-1"},
               {"lines",
                json::array{json::object{{"sku", kSkuA}, {"qty", 4}, {"location", "dc-west"}}}}}));
  ASSERT_EQ(shop_order.status, 201u) << describe(shop_order);
  json::object sold = parse_object(shop_order.body);
  HttpResponse committed =
      admin("POST", fmt::format("/v1/reservations/{}/commit", num(sold, "reservation_id")),
            json::serialize(json::object{
                {"lines", json::array{json::object{{"sku", kSkuA},
                                                   {"qty", 4},
                                                   {"location", "dc-west"},
                                                   {"lot", "R-1"},
                                                   {"serials", json::array{7, 3}}}}}}));
  ASSERT_EQ(committed.status, 200u) << describe(committed);
  json::object open = reserve_ok("o-open", {Line(kSkuA, 125, "dc-east")});

  HttpResponse recalled =
      call("planner", "POST", "/v1/recalls", recall_body(id, "glass splinters in lot R-1"));
  ASSERT_EQ(recalled.status, 201u) << describe(recalled);
  json::object report = parse_object(recalled.body);
  EXPECT_TRUE(report["batch"].as_object()["recalled"].as_bool());
  EXPECT_EQ(num(report, "quarantined_units"), 5 + 6) << recalled.body;
  EXPECT_EQ(num(report, "held_units"), 25) << recalled.body;
  EXPECT_GT(report["recall_to_locked_ms"].to_number<double>(), 0.0);
  ASSERT_EQ(report["affected_orders"].as_array().size(), 1u) << recalled.body;
  json::object order = report["affected_orders"].as_array()[0].as_object();
  EXPECT_EQ(str(order, "order_id"), "o-sold");
  EXPECT_EQ(str(order, "channel"), "shop-1");
  EXPECT_EQ(str(order, "region"), "west");
  EXPECT_EQ(json::serialize(order["serials"]), "[3,7]");
  ASSERT_EQ(report["open_reservations"].as_array().size(), 1u) << recalled.body;
  EXPECT_EQ(num(report["open_reservations"].as_array()[0].as_object(), "reservation_id"),
            num(open, "reservation_id"));
  EXPECT_EQ(json::serialize(report["notified_channels"]), R"(["live-1","shop-1"])");

  // Stock: the free units are in quarantine, nothing of R-1 can be sold or received.
  EXPECT_EQ(num(row("dc-east"), "quarantine"), 5);
  EXPECT_EQ(num(row("dc-west"), "quarantine"), 6);
  EXPECT_EQ(num(row("dc-west"), "available"), 40) << "the untracked units still sell";
  HttpResponse naming = call(
      "live_operator", "POST", "/v1/reservations",
      json::serialize(json::object{
          {"order_id", "o-x"},
          {"channel", "live-1"},
          {"lines", json::array{json::object{
                        {"sku", kSkuA}, {"qty", 1}, {"location", "dc-west"}, {"lot", "R-1"}}}}}));
  EXPECT_TRUE(IsProblem(naming, 409, "lines[0].lot")) << describe(naming);
  EXPECT_TRUE(
      IsProblem(call("warehouse", "POST", "/v1/receipts",
                     json::serialize(json::object{
                         {"sku", kSkuA}, {"location", "dc-east"}, {"qty", 1}, {"lot", "R-1"}})),
                409, "lot"));

  // Every channel concerned has a red alert; a repeat answers 200 and alerts nobody.
  auto alerts_now = [&] {
    return parse_object(admin("GET", "/v1/alerts?kind=batch_recalled").body)["alerts"].as_array();
  };
  json::array alerts = alerts_now();
  ASSERT_EQ(alerts.size(), 2u) << json::serialize(alerts);
  EXPECT_EQ(str(alerts[0].as_object(), "severity"), "red");
  HttpResponse again = call("planner", "POST", "/v1/recalls", recall_body(id, "again"));
  ASSERT_EQ(again.status, 200u) << describe(again);
  EXPECT_EQ(str(parse_object(again.body)["batch"].as_object(), "recall_reason"),
            "glass splinters in lot R-1");
  EXPECT_EQ(alerts_now().size(), 2u);

  // The open order lets go: its held units of R-1 follow to quarantine.
  expect_2xx(
      admin("POST", fmt::format("/v1/reservations/{}/release", num(open, "reservation_id")), "{}"),
      "release");
  json::object after = parse_object(call("auditor", "GET", "/v1/recalls/" + id).body);
  EXPECT_EQ(num(after, "held_units"), 0);
  EXPECT_EQ(num(after, "quarantined_units"), 36);
  EXPECT_EQ(num(row("dc-east"), "quarantine"), 30);

  // A supplier reads the recall without the order ids; the scan page says it.
  json::object redacted = parse_object(call("supplier", "GET", "/v1/recalls/" + id).body);
  EXPECT_FALSE(redacted["affected_orders"].as_array()[0].as_object().contains("order_id"));
  HttpResponse page = call("", "GET", "/01/" + g14(kSkuA) + "/10/R-1/21/3");
  ASSERT_EQ(page.status, 200u) << describe(page);
  EXPECT_NE(page.body.find("Recalled"), std::string::npos);
  EXPECT_NE(page.body.find("glass splinters"), std::string::npos);

  // Durable: after kill -9 the batch is still recalled and its units still quarantined.
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse restarted = call("auditor", "GET", "/v1/recalls/" + id);
  ASSERT_EQ(restarted.status, 200u) << describe(restarted);
  EXPECT_EQ(num(parse_object(restarted.body), "quarantined_units"), 36);
  EXPECT_EQ(num(row("dc-east"), "quarantine"), 30);
}

TEST_F(RecallApiTest, BadInputNamesTheFieldAndChangesNothing) {
  const std::string id = make_batch();
  auto recall = [&](const std::string& role, const std::string& body) {
    return call(role, "POST", "/v1/recalls", body);
  };
  EXPECT_TRUE(IsProblem(recall("planner", R"({"batch":)" + id + "}"), 422, "reason"));
  EXPECT_TRUE(IsProblem(recall("planner", R"({"batch":0,"reason":"x"})"), 422, "batch"));
  EXPECT_TRUE(IsProblem(recall("planner", R"({"batch":"1","reason":"x"})"), 422, "batch"));
  EXPECT_TRUE(IsProblem(recall("planner", recall_body(id, "")), 422, "reason"));
  EXPECT_TRUE(IsProblem(recall("planner", recall_body(id, std::string(300, 'r'))), 422, "reason"));
  EXPECT_TRUE(
      IsProblem(recall("planner", R"({"batch":)" + id + R"(,"reason":"x","why":1})"), 422, "why"));
  EXPECT_TRUE(IsProblem(recall("planner", recall_body("999", "x")), 422, "batch"));
  EXPECT_EQ(recall("supplier", recall_body(id, "x")).status, 403u);
  EXPECT_EQ(recall("warehouse", recall_body(id, "x")).status, 403u);
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/recalls/" + id), 404, "batch"))
      << "not recalled";
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/recalls/abc"), 404, "batch"));
  // Commit lines naming serials check them against the batch.
  json::object sold = reserve_ok("o-1", {Line(kSkuA, 2, "dc-west")});
  auto commit = [&](json::object line) {
    return admin("POST", fmt::format("/v1/reservations/{}/commit", num(sold, "reservation_id")),
                 json::serialize(json::object{{"lines", json::array{std::move(line)}}}));
  };
  json::object line{{"sku", kSkuA}, {"qty", 2}, {"location", "dc-west"}, {"lot", "R-1"}};
  line["serials"] = json::array{51};
  EXPECT_TRUE(IsProblem(commit(line), 422, "lines[0].serials")) << "never issued";
  line["serials"] = json::array{"1"};
  EXPECT_TRUE(IsProblem(commit(line), 422, "lines[0].serials[0]"));
  line["serials"] = json::array{1, 2, 3};
  EXPECT_TRUE(IsProblem(commit(line), 422, "lines[0].serials"));
  line["lot"] = "NOPE";
  line["serials"] = json::array{};
  EXPECT_TRUE(IsProblem(commit(line), 422, "lines[0].lot"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/receipts",
                             json::serialize(json::object{
                                 {"sku", kSkuA}, {"location", "dc-east"}, {"qty", 1}, {"lot", 7}})),
                        422, "lot"));
  EXPECT_EQ(num(row("dc-east"), "on_hand"), 130) << "nothing refused was applied";
}

}  // namespace

namespace {

// `livechain bench recall` runs end to end on a small ledger and counts what it moved.
TEST_F(RecallApiTest, BenchRecallRunsAndReportsTheLockTime) {
  RunResult run = cli({"--json", "bench", "recall", "--locations", "20", "--skus", "3", "--orders",
                       "500", "--open", "50", "--recalls", "2", "--seed", "7"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json::object out = parse_object(run.out);
  EXPECT_EQ(num(out, "recalls"), 2);
  EXPECT_EQ(num(out, "seed"), 7);
  EXPECT_GT(out["recall_to_locked_ms_p50"].to_number<double>(), 0.0);
  // 2 batches × 20 locations × 200 units, minus what sold or is held, is in quarantine.
  const int64_t moved = num(out, "quarantined_units");
  EXPECT_EQ(moved + num(out, "held_units") + num(out, "sold_units"), 2 * 20 * 200) << run.out;
}

}  // namespace
