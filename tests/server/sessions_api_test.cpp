// tests/server/sessions_api_test.cpp — issue 18 §2 through a real `livechain serve`:
// PUT /v1/sessions/{id} plans a session per SKU × location from the seeded ledger, GET
// …/plan shows the plan and why, the plan survives kill -9, a re-plan answers 200, the
// Idempotency-Key replays the first answer, bad input names the field, a brand's
// "planning": {"tiers"} overrides the defaults, and a bad tiers config stops serve.
#include <ctime>

#include "server_fixture.hpp"

namespace {

std::string in_days(int days) {
  std::time_t seconds = std::time(nullptr) + static_cast<std::time_t>(days) * 86'400;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string mega_body(const std::string& starts_at) {
  // A: P90 900 of capacity 1000 → locked 500, emergency 200, sudden 100, usable 700.
  // B: P90 30 of capacity 100, elastic.
  return R"({"starts_at": ")" + starts_at + R"(", "tier": "mega", "channel": "live-1",
             "streamer": "anna", "duration_min": 180, "skus": [
             {"gtin": ")" +
         kSkuA + R"(", "p50_units": 600, "p90_units": 900,
              "capacity_units": 1000, "supplier_tier": "core"},
             {"gtin": ")" +
         kSkuB + R"(", "p50_units": 20, "p90_units": 30,
              "capacity_units": 100, "supplier_tier": "elastic"}]})";
}

const json::object* sku_in(const json::object& plan, const std::string& gtin14) {
  for (const json::value& entry : plan.at("skus").as_array()) {
    if (str(entry.as_object(), "gtin") == gtin14) return &entry.as_object();
  }
  return nullptr;
}

class SessionsApi : public ServerApiTest {};

TEST_F(SessionsApi, PutPlansPerSkuAndLocationAndThePlanSurvivesKill9) {
  HttpResponse put = call("planner", "PUT", "/v1/sessions/double-11", mega_body(in_days(90)));
  ASSERT_EQ(put.status, 201u) << describe(put);
  json::object answer = parse_object(put.body);
  EXPECT_EQ(str(answer["session"].as_object(), "tier"), "mega");
  EXPECT_EQ(str(answer["session"].as_object(), "planned_by"), keys_.at("planner").key_id);
  const json::object* a = sku_in(answer["plan"].as_object(), g14(kSkuA));
  ASSERT_NE(a, nullptr) << put.body;
  EXPECT_EQ(num(*a, "target_units"), 700);
  EXPECT_EQ(num(*a, "locked_units"), 500);
  EXPECT_EQ(num(*a, "emergency_reserve_units"), 200);
  EXPECT_EQ(num(*a, "sudden_reserve_units"), 100);
  EXPECT_EQ(num(*a, "shortfall_units"), 200);
  // Split by what each DC holds (nothing sold yet): 100 : 40 of 700 = 500 : 200.
  const json::array& locations = a->at("locations").as_array();
  ASSERT_EQ(locations.size(), 2u) << "factory-1 is not a selling location";
  EXPECT_EQ(str(locations[0].as_object(), "location"), "dc-east");
  EXPECT_EQ(num(locations[0].as_object(), "target_units"), 500);
  EXPECT_EQ(num(locations[0].as_object(), "gap_units"), 400);
  EXPECT_EQ(num(locations[1].as_object(), "target_units"), 200);
  EXPECT_FALSE(a->at("why").as_array().empty());

  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse plan = call("auditor", "GET", "/v1/sessions/double-11/plan");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  json::object after = parse_object(plan.body);
  EXPECT_EQ(json::serialize(after["skus"]), json::serialize(answer["plan"].at("skus")))
      << "the plan read back after kill -9 is the plan answered";
  HttpResponse session = call("auditor", "GET", "/v1/sessions/double-11");
  ASSERT_EQ(session.status, 200u) << describe(session);
  EXPECT_EQ(str(parse_object(session.body), "streamer"), "anna");

  // A re-plan answers 200 and replaces the plan.
  std::string smaller = mega_body(in_days(90));
  smaller.replace(smaller.find("\"p90_units\": 900"), 16, "\"p90_units\": 650");
  HttpResponse replan = call("planner", "PUT", "/v1/sessions/double-11", smaller);
  ASSERT_EQ(replan.status, 200u) << describe(replan);
  json::object replanned = parse_object(replan.body);
  const json::object* a2 = sku_in(replanned["plan"].as_object(), g14(kSkuA));
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(num(*a2, "target_units"), 650);
  EXPECT_EQ(num(*a2, "shortfall_units"), 0);
}

TEST_F(SessionsApi, IdempotencyKeyReplaysTheFirstAnswerAcrossKill9) {
  std::string body = mega_body(in_days(90));
  HttpResponse first = call("planner", "PUT", "/v1/sessions/s-key", body, "application/json",
                            {{"Idempotency-Key", "plan-1"}});
  ASSERT_EQ(first.status, 201u) << describe(first);
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse retry = call("planner", "PUT", "/v1/sessions/s-key", body, "application/json",
                            {{"Idempotency-Key", "plan-1"}});
  ASSERT_EQ(retry.status, 201u) << describe(retry);
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  std::string other = mega_body(in_days(91));
  EXPECT_TRUE(IsProblem(call("planner", "PUT", "/v1/sessions/s-key", other, "application/json",
                             {{"Idempotency-Key", "plan-1"}}),
                        422, "Idempotency-Key"));
}

TEST_F(SessionsApi, BadInputNamesTheFieldAndChangesNothing) {
  std::string good = mega_body(in_days(90));
  auto put_with = [&](std::string from, std::string to) {
    std::string body = good;
    size_t at = body.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    body.replace(at, from.size(), to);
    return call("planner", "PUT", "/v1/sessions/bad", body);
  };
  EXPECT_TRUE(IsProblem(put_with("\"mega\"", "\"huge\""), 422, "tier"));
  EXPECT_TRUE(
      IsProblem(put_with("\"p90_units\": 900", "\"p90_units\": 500"), 422, "skus[0].p90_units"));
  EXPECT_TRUE(IsProblem(put_with("\"capacity_units\": 1000", "\"capacity_units\": -5"), 422,
                        "skus[0].capacity_units"));
  EXPECT_TRUE(IsProblem(put_with("\"core\"", "\"nearby\""), 422, "skus[0].supplier_tier"));
  EXPECT_TRUE(IsProblem(put_with("\"live-1\"", "\"live-9\""), 422, "channel"));
  EXPECT_TRUE(IsProblem(put_with(kSkuB, kSkuUnknown), 422, "skus[1].gtin"));
  EXPECT_TRUE(IsProblem(put_with(kSkuB, kSkuA), 422, "skus[1].gtin"));
  EXPECT_TRUE(
      IsProblem(put_with("\"duration_min\": 180", "\"duration_min\": 0"), 422, "duration_min"));
  EXPECT_TRUE(IsProblem(put_with("\"streamer\"", "\"stream\""), 422, "stream"));
  EXPECT_TRUE(IsProblem(put_with("\"starts_at\": \"", "\"starts_at\": \"x"), 422, "starts_at"));
  json::array too_many;
  for (int i = 0; i < 201; ++i) {
    too_many.push_back(
        json::object{{"gtin", kSkuA}, {"p50_units", 1}, {"p90_units", 2}, {"capacity_units", 3}});
  }
  json::object big = parse_object(good);
  big["skus"] = too_many;
  HttpResponse limit = call("planner", "PUT", "/v1/sessions/bad", json::serialize(big));
  EXPECT_EQ(field_of(limit), "skus") << describe(limit);
  EXPECT_GE(limit.status, 400u);
  EXPECT_TRUE(IsProblem(call("auditor", "PUT", "/v1/sessions/bad", good), 403));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/sessions/bad/plan"), 404, "id"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/sessions/bad"), 404, "id"));
}

class SessionsApiBrandTiers : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"planning": {"tiers": {"mega_locked_share": 0.6,
              "mega_emergency_reserve_share": 0.1, "sudden_order_reserve_share": 0.05}}})";
  }
};

TEST_F(SessionsApiBrandTiers, TheBrandsSharesReplaceTheDefaults) {
  HttpResponse put = call("planner", "PUT", "/v1/sessions/brand", mega_body(in_days(90)));
  ASSERT_EQ(put.status, 201u) << describe(put);
  json::object answer = parse_object(put.body);
  const json::object* a = sku_in(answer["plan"].as_object(), g14(kSkuA));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(num(*a, "locked_units"), 600);
  EXPECT_EQ(num(*a, "emergency_reserve_units"), 100);
  EXPECT_EQ(num(*a, "sudden_reserve_units"), 50);
  EXPECT_EQ(num(*a, "target_units"), 850);
}

TEST_F(SessionsApiBrandTiers, ABadTiersConfigStopsServeNamingTheField) {
  ASSERT_EQ(stop_server(), 0);  // the database's writer lock is free: only the config fails
  std::string bad_config = dir_.file("bad.json");
  std::ofstream(bad_config) << R"({"planning": {"tiers": {"mega_locked_share": 0.9}}})";
  RunResult serve = cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", bad_config});
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_NE(serve.err.find("planning.tiers.mega_locked_share"), std::string::npos) << serve.err;
}

// ---- transfers triggered by the ledger (issue 18 §3) -----------------------------

// A store beside dc-east; a themed session live now whose plan splits 160 units
// 100 : 40 : 20 over dc-east, dc-west and store-e; then 200 more units at dc-east give
// it spare above its threshold. Selling 10 at store-e drops it under its threshold (20).
class TriggeredTransfers : public ServerApiTest {
 protected:
  virtual std::string mode() const { return "ship"; }
  std::string config_json() const override {
    return R"({"planning": {"transfers": {"mode": ")" + mode() + R"(", "cooldown_ms": 0}}})";
  }
  void plan_live_session() {
    expect_2xx(admin("PUT", "/v1/locations/store-e", R"({"kind":"store","region":"east"})"), "loc");
    receive(kSkuA, "store-e", 20);
    std::string body = R"({"starts_at": ")" + in_days(0) + R"(", "tier": "themed",
        "channel": "live-1", "duration_min": 60, "skus": [{"gtin": ")" +
                       kSkuA +
                       R"(", "p50_units": 100, "p90_units": 160, "capacity_units": 10000}]})";
    HttpResponse put = call("planner", "PUT", "/v1/sessions/live-now", body);
    ASSERT_EQ(put.status, 201u) << describe(put);
    receive(kSkuA, "dc-east", 200);
  }
  void sell_at_store(int64_t qty) {
    json::object reservation = reserve_ok("o-store", {Line(kSkuA, qty, "store-e")});
    int64_t id = num(reservation, "reservation_id");
    HttpResponse r = admin("POST", "/v1/reservations/" + std::to_string(id) + "/commit", "{}");
    ASSERT_EQ(r.status, 200u) << describe(r);
  }
  std::string watcher_evidence() {
    std::string out = call("", "GET", "/metrics").body;
    out = out.substr(out.find("livechain_transfer"), 1200);
    for (int id = 1; id <= 4; ++id) {
      out += "\ntransfer " + std::to_string(id) + ": " +
             admin("GET", "/v1/transfers/" + std::to_string(id)).body;
    }
    out += "\nalerts: " + admin("GET", "/v1/alerts?limit=5").body;
    out += "\nplan: " + admin("GET", "/v1/sessions/live-now/plan").body;
    return out;
  }
  int64_t in_transit_at_store() {
    HttpResponse r = admin("GET", "/v1/stock/" + kSkuA);
    json::object body = parse_object(r.body);
    for (const json::value& row : body["locations"].as_array()) {
      if (str(row.as_object(), "location") == "store-e") return num(row.as_object(), "in_transit");
    }
    return INT64_MIN;
  }
};

TEST_F(TriggeredTransfers, ASaleUnderTheThresholdShipsFromTheNearestDcWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(plan_live_session());
  std::this_thread::sleep_for(1100ms);  // the watcher refreshes its thresholds each second
  EXPECT_EQ(in_transit_at_store(), 0) << "nothing under a threshold yet";
  ASSERT_NO_FATAL_FAILURE(sell_at_store(10));
  auto sold_at = std::chrono::steady_clock::now();
  int64_t in_transit = 0;
  while (std::chrono::steady_clock::now() - sold_at < 3s && in_transit == 0) {
    std::this_thread::sleep_for(10ms);
    in_transit = in_transit_at_store();
  }
  auto lag_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - sold_at)
                    .count();
  // Once seen shipping 20 on a loaded CI machine and never reproduced: on a failure
  // print what the watcher decided and the ledger's transfers, to find out why.
  EXPECT_EQ(in_transit, 10) << "store-e's need (20 − 10) from dc-east\n" << watcher_evidence();
  EXPECT_LT(lag_ms, 1000) << "on the event, not a timer";
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 290);
  EXPECT_EQ(balance(kSkuA, "dc-west").on_hand, 40) << "1,200 km away: not chosen";
  HttpResponse metrics = call("", "GET", "/metrics");
  EXPECT_NE(metrics.body.find("livechain_transfer_shipments_total 1"), std::string::npos)
      << metrics.body.substr(metrics.body.find("livechain_transfer"), 600);
  // The shipment and the decision are journaled: after kill -9 the units are in transit.
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_EQ(in_transit_at_store(), 10);
}

TEST_F(TriggeredTransfers, AShipmentThatLeftTheDcShortIsPartlyTurnedBack) {
  ASSERT_NO_FATAL_FAILURE(plan_live_session());
  std::this_thread::sleep_for(1100ms);
  // Nearly all of dc-east's 300 units leave for dc-west, 1,200 km away: dc-east falls
  // under its threshold, and the cheapest source is the shipment itself (priced from
  // its origin), not dc-west's shelves.
  HttpResponse shipped =
      call("warehouse", "POST", "/v1/transfers",
           json::serialize(
               json::object{{"sku", kSkuA}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 290}}));
  ASSERT_EQ(shipped.status, 201u) << describe(shipped);
  int64_t id = num(parse_object(shipped.body), "transfer_id");
  std::string metrics = call("", "GET", "/metrics").body;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline &&
         metrics.find("livechain_transfer_reroutes_total 0") != std::string::npos) {
    std::this_thread::sleep_for(10ms);
    metrics = call("", "GET", "/metrics").body;
  }
  ASSERT_EQ(metrics.find("livechain_transfer_reroutes_total 0"), std::string::npos)
      << metrics.substr(metrics.find("livechain_transfer"), 900);
  json::object kept =
      parse_object(call("auditor", "GET", "/v1/transfers/" + std::to_string(id)).body);
  json::object turned =
      parse_object(call("auditor", "GET", "/v1/transfers/" + std::to_string(id + 1)).body);
  EXPECT_EQ(str(kept, "to"), "dc-west");
  EXPECT_EQ(str(turned, "from"), "dc-east");
  EXPECT_EQ(str(turned, "to"), "dc-east");
  EXPECT_EQ(str(turned, "status"), "in_transit");
  EXPECT_GT(num(turned, "shipped"), 0);
  EXPECT_EQ(num(kept, "shipped") + num(turned, "shipped"), 290) << "no unit made or lost";
  EXPECT_EQ(balance(kSkuA, "dc-west").on_hand, 40) << "dc-west's own shelves were not used";
}

class ProposedTransfers : public TriggeredTransfers {
 protected:
  std::string mode() const override { return "propose"; }
};

TEST_F(ProposedTransfers, ProposeModeRaisesAnAlertWithTheMovesAndShipsNothing) {
  ASSERT_NO_FATAL_FAILURE(plan_live_session());
  std::this_thread::sleep_for(1100ms);
  ASSERT_NO_FATAL_FAILURE(sell_at_store(10));
  json::array alerts;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (alerts.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    alerts =
        parse_object(admin("GET", "/v1/alerts?kind=transfer_proposed").body)["alerts"].as_array();
  }
  ASSERT_EQ(alerts.size(), 1u);
  std::string action = json::serialize(alerts[0].as_object()["action"]);
  EXPECT_NE(action.find(R"(["dc-east","store-e",10])"), std::string::npos) << action;
  EXPECT_EQ(str(alerts[0].as_object(), "severity"), "yellow");
  EXPECT_EQ(in_transit_at_store(), 0) << "a proposal ships nothing";
}

TEST_F(ProposedTransfers, ABadTransfersConfigStopsServeNamingTheField) {
  ASSERT_EQ(stop_server(), 0);
  std::string bad_config = dir_.file("bad.json");
  std::ofstream(bad_config) << R"({"planning": {"transfers": {"mode": "teleport"}}})";
  RunResult serve = cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", bad_config});
  EXPECT_NE(serve.exit_code, 0);
  EXPECT_NE(serve.err.find("planning.transfers.mode"), std::string::npos) << serve.err;
}

}  // namespace
