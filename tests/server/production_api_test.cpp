// tests/server/production_api_test.cpp — issue 18 §4 through a real `livechain serve`:
// factories and production orders are durable records (PUT/GET, 201 then 200, kill -9
// keeps them), bad input names the field, GET /v1/production/plan solves every open
// order with CBC and feeds the presale plan (GET /v1/stock/{gtin} shows it), marking a
// factory stopped moves its units to another within 72 h, an orange sales_over_forecast
// alert raises an emergency order "emergency-<alert id>", and the limits hold. (A snapshot
// restoring the records: tests/planning/production_records_test.cpp; the server snapshots
// at most once a minute.)
#include <ctime>

#include "server_fixture.hpp"

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string rfc3339(int64_t at_ms) {
  std::time_t seconds = static_cast<std::time_t>(at_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// F1 at factory-1 (cheaper), F2 at dc-west; both make SKU A, F1 also "desk-top".
std::string factory_body(const std::string& location, double unit_cost, bool stopped = false) {
  return R"({"capacity_units_per_day": 100, "capacity_score": 1, "fulfilment_rating": 1,
             "unit_cost": )" +
         std::to_string(unit_cost) + R"(, "products": [")" + kSkuA +
         R"(", "desk-top"], "location": ")" + location + R"(", "stopped": )" +
         (stopped ? "true" : "false") + "}";
}

class ProductionApi : public ServerApiTest {
 protected:
  HttpResponse planner(const std::string& method, const std::string& target,
                       const std::string& body = "") {
    return call("planner", method, target, body);
  }
  void expect_problem(const HttpResponse& r, unsigned status, const std::string& field) {
    EXPECT_TRUE(IsProblem(r, status, field));
  }
  // presale_planned of SKU A at `location` (0 when the row is absent).
  int64_t presale_planned(const std::string& location) {
    HttpResponse r = admin("GET", "/v1/stock/" + kSkuA);
    EXPECT_EQ(r.status, 200u) << describe(r);
    json::object stock = parse_object(r.body);
    for (const json::value& row : stock["locations"].as_array()) {
      if (str(row.as_object(), "location") == location) {
        return num(row.as_object(), "presale_planned");
      }
    }
    return 0;
  }
  // The record (the "state" field, parsed) of the newest ledger event of `kind` with
  // `key` among the last 20 events; empty when none.
  json::object newest_record(const std::string& kind, const std::string& key) {
    json::object head = parse_object(admin("GET", "/v1/ledger/head").body);
    int64_t size = num(head, "tree_size");
    for (int64_t seq = size - 1; seq >= 0 && seq >= size - 20; --seq) {
      json::object event =
          parse_object(admin("GET", "/v1/ledger/events/" + std::to_string(seq)).body);
      if (str(event, "kind") != kind) continue;
      std::string event_key, state;
      for (const json::value& field : event["fields"].as_array()) {
        if (str(field.as_object(), "name") == "key") event_key = str(field.as_object(), "value");
        if (str(field.as_object(), "name") == "state") state = str(field.as_object(), "value");
      }
      if (event_key == key) return parse_object(state);
    }
    return {};
  }
  void put_two_factories_and_an_order() {
    ASSERT_EQ(planner("PUT", "/v1/factories/F1", factory_body("factory-1", 5)).status, 201u);
    ASSERT_EQ(planner("PUT", "/v1/factories/F2", factory_body("dc-west", 8)).status, 201u);
    HttpResponse order = planner("PUT", "/v1/production/orders/O1",
                                 R"({"product": ")" + kSkuA + R"(", "qty": 150, "due_day": 2})");
    ASSERT_EQ(order.status, 201u) << describe(order);
  }
};

TEST_F(ProductionApi, FactoriesAndOrdersArePutReadAndSurviveKill9) {
  HttpResponse put = planner("PUT", "/v1/factories/F1", factory_body("factory-1", 5));
  ASSERT_EQ(put.status, 201u) << describe(put);
  json::object factory = parse_object(put.body)["factory"].as_object();
  EXPECT_EQ(str(factory, "location"), "factory-1");
  EXPECT_EQ(str(factory, "updated_by"), keys_.at("planner").key_id);
  EXPECT_EQ(factory["products"].as_array()[0], json::value(g14(kSkuA))) << "GTIN-14 kept";
  HttpResponse again = planner("PUT", "/v1/factories/F1", factory_body("factory-1", 6));
  ASSERT_EQ(again.status, 200u) << describe(again);

  HttpResponse order = planner("PUT", "/v1/production/orders/O1",
                               R"({"product": "desk-top", "qty": 20, "due_day": 3,
                                   "kind": "emergency"})");
  ASSERT_EQ(order.status, 201u) << describe(order);
  json::object o = parse_object(order.body)["order"].as_object();
  EXPECT_EQ(num(o, "due_day"), 3);
  EXPECT_EQ(str(o, "state"), "open");
  EXPECT_EQ(str(o, "kind"), "emergency");
  EXPECT_EQ(str(o, "source"), "api");
  ASSERT_EQ(planner("PUT", "/v1/production/orders/O1",
                    R"({"product": "desk-top", "qty": 25, "due_day": 3})")
                .status,
            200u);

  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse got = call("auditor", "GET", "/v1/factories/F1");
  ASSERT_EQ(got.status, 200u) << describe(got);
  EXPECT_EQ(parse_object(got.body)["unit_cost"].to_number<double>(), 6);
  HttpResponse list = call("auditor", "GET", "/v1/factories");
  ASSERT_EQ(list.status, 200u) << describe(list);
  EXPECT_EQ(parse_object(list.body)["factories"].as_array().size(), 1u);
  HttpResponse orders = call("auditor", "GET", "/v1/production/orders");
  ASSERT_EQ(orders.status, 200u) << describe(orders);
  json::array all = parse_object(orders.body)["orders"].as_array();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(num(all[0].as_object(), "qty"), 25);
  EXPECT_EQ(str(all[0].as_object(), "kind"), "normal");
  EXPECT_EQ(num(all[0].as_object(), "due_day"), 3);
  expect_problem(call("auditor", "GET", "/v1/factories/nope"), 404, "id");
  // Reading roles cannot write.
  EXPECT_EQ(call("auditor", "PUT", "/v1/factories/F9", factory_body("factory-1", 5)).status, 403u);
}

TEST_F(ProductionApi, BadInputNamesTheField) {
  expect_problem(planner("PUT", "/v1/factories/F1",
                         R"({"capacity_units_per_day": 100, "capacity_score": 1,
                             "fulfilment_rating": 1, "unit_cost": 5})"),
                 422, "location");
  expect_problem(planner("PUT", "/v1/factories/F1",
                         R"({"capacity_units_per_day": 100, "capacity_score": 2,
                             "fulfilment_rating": 1, "unit_cost": 5, "location": "factory-1"})"),
                 422, "capacity_score");
  expect_problem(planner("PUT", "/v1/factories/F1",
                         R"({"capacty_units_per_day": 100, "location": "factory-1"})"),
                 422, "capacty_units_per_day");
  expect_problem(planner("PUT", "/v1/factories/F1", factory_body("nowhere", 5)), 422, "location");
  expect_problem(planner("PUT", "/v1/factories/F1",
                         R"({"capacity_units_per_day": 100, "capacity_score": 1,
                             "fulfilment_rating": 1, "unit_cost": 5, "location": "factory-1",
                             "stopped": "yes"})"),
                 422, "stopped");
  expect_problem(
      planner("PUT", "/v1/production/orders/O1", R"({"product": "desk", "qty": 0, "due_day": 1})"),
      422, "qty");
  expect_problem(planner("PUT", "/v1/production/orders/O1",
                         R"({"product": "desk", "qty": 5, "due_day": 1, "kind": "rush"})"),
                 422, "kind");
  expect_problem(planner("PUT", "/v1/production/orders/O1",
                         R"({"product": "desk", "qty": 5, "due_day": 366})"),
                 422, "due_day");
  expect_problem(planner("PUT", "/v1/production/orders/O1",
                         R"({"product": "desk", "qty": 5, "due_day": 1, "state": "paused"})"),
                 422, "state");
  expect_problem(planner("PUT", "/v1/production/orders/O1",
                         R"({"product": "desk", "qty": 5, "due": "2027-01-01"})"),
                 422, "due");
  expect_problem(planner("PUT", "/v1/production/orders/O1",
                         R"({"product": "desk", "qty": 5, "due_day": 1,
                             "modules": [{"module": "leg", "qty_per_unit": 0}]})"),
                 422, "modules[0].qty_per_unit");
  EXPECT_EQ(
      parse_object(call("auditor", "GET", "/v1/factories").body)["factories"].as_array().size(), 0u)
      << "nothing stored";
}

TEST_F(ProductionApi, PlanSolvesOpenOrdersAndFeedsPresale) {
  ASSERT_NO_FATAL_FAILURE(put_two_factories_and_an_order());
  // A done order is not planned.
  ASSERT_EQ(planner("PUT", "/v1/production/orders/O0",
                    R"({"product": ")" + kSkuA + R"(", "qty": 70, "due_day": 0, "state": "done"})")
                .status,
            201u);
  HttpResponse plan = planner("GET", "/v1/production/plan");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  json::object out = parse_object(plan.body);
  EXPECT_EQ(str(out, "status"), "optimal") << plan.body;
  EXPECT_EQ(num(out, "produced"), 150);
  EXPECT_EQ(num(out, "unmet_units"), 0);
  EXPECT_EQ(str(out, "solver"), "coin_cbc");
  EXPECT_EQ(str(out, "planned_by"), keys_.at("planner").key_id);
  int64_t at_f1 = 0;
  for (const json::value& a : out["assignments"].as_array()) {
    EXPECT_EQ(str(a.as_object(), "order"), "O1");
    if (str(a.as_object(), "factory") == "F1") at_f1 += num(a.as_object(), "qty");
  }
  EXPECT_EQ(at_f1, 150) << "the cheaper factory makes it all by day 2";
  // The decision is journaled: who, when, inputs, result (event 67, key "production").
  json::object decision = newest_record("plan_decided", "production");
  ASSERT_FALSE(decision.empty()) << "no plan_decided event";
  EXPECT_EQ(str(decision, "decision"), "production_plan");
  EXPECT_EQ(str(decision, "decided_by"), keys_.at("planner").key_id);
  EXPECT_EQ(decision["inputs"].at("orders").as_array().size(), 1u) << "the done order is not input";
  EXPECT_EQ(decision["inputs"].at("factories").as_array().size(), 2u);
  EXPECT_EQ(decision["result"].at("produced"), 150);
  EXPECT_EQ(newest_record("production_order_put", "O1")["qty"], 150) << "event 69";
  EXPECT_EQ(newest_record("factory_put", "F2")["location"], "dc-west") << "event 68";
  // Planned production feeds presale at the factory's location.
  EXPECT_EQ(presale_planned("factory-1"), 150);
  EXPECT_EQ(presale_planned("dc-west"), 0);
  // Presale sells against it: 151 is one more than planned, 150 fit.
  auto presale_body = [](const std::string& order_id, int64_t qty) {
    json::object body = parse_object(reserve_body(order_id, {Line(kSkuA, qty, "factory-1")}));
    body["presale"] = true;
    return json::serialize(body);
  };
  EXPECT_EQ(reserve(presale_body("pre-1", 151), "live_operator").status, 409u);
  HttpResponse sold = reserve(presale_body("pre-2", 150), "live_operator");
  EXPECT_EQ(sold.status, 201u) << describe(sold);
  // A re-plan never sets the presale plan below what presale already holds.
  ASSERT_EQ(planner("PUT", "/v1/production/orders/O1",
                    R"({"product": ")" + kSkuA + R"(", "qty": 20, "due_day": 2})")
                .status,
            200u);
  ASSERT_EQ(planner("GET", "/v1/production/plan").status, 200u);
  EXPECT_EQ(presale_planned("factory-1"), 150);
  // Readers may not plan: the plan journals a decision.
  EXPECT_EQ(call("auditor", "GET", "/v1/production/plan").status, 403u);
}

TEST_F(ProductionApi, StoppingAFactoryMovesItsUnitsWithin72h) {
  ASSERT_NO_FATAL_FAILURE(put_two_factories_and_an_order());
  ASSERT_EQ(planner("GET", "/v1/production/plan").status, 200u);
  ASSERT_EQ(presale_planned("factory-1"), 150);
  HttpResponse stop = planner("PUT", "/v1/factories/F1", factory_body("factory-1", 5, true));
  ASSERT_EQ(stop.status, 200u) << describe(stop);
  json::object answer = parse_object(stop.body);
  ASSERT_TRUE(answer.contains("plan")) << stop.body;
  json::object plan = answer["plan"].as_object();
  EXPECT_EQ(plan["stopped"].as_array().size(), 1u);
  EXPECT_EQ(plan["stopped"].as_array()[0], "F1");
  EXPECT_EQ(num(plan, "moved_within_72h"), 150) << stop.body;
  EXPECT_EQ(num(plan, "failover_unmet"), 0);
  for (const json::value& m : plan["moved"].as_array()) {
    EXPECT_EQ(str(m.as_object(), "from_factory"), "F1");
    EXPECT_EQ(str(m.as_object(), "to_factory"), "F2");
    EXPECT_TRUE(m.at("within_72h").as_bool());
  }
  // The presale plan follows the units to F2's location.
  EXPECT_EQ(presale_planned("factory-1"), 0);
  EXPECT_EQ(presale_planned("dc-west"), 150);
  // Stopped again: nothing new to move, no re-plan.
  HttpResponse same = planner("PUT", "/v1/factories/F1", factory_body("factory-1", 5, true));
  ASSERT_EQ(same.status, 200u) << describe(same);
  EXPECT_FALSE(parse_object(same.body).contains("plan"));
}

TEST_F(ProductionApi, OrangeAlertRaisesAnEmergencyOrderThatFeedsPresale) {
  ASSERT_EQ(planner("PUT", "/v1/factories/F1", factory_body("factory-1", 5)).status, 201u);
  const int64_t now = now_ms();
  HttpResponse plan = admin("PUT", "/v1/sessions/live-1/plans/" + kSkuA,
                            R"({"forecast_units": 10, "starts_at": ")" +
                                rfc3339(now - 30 * 60'000) + R"(", "duration_min": 60})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  std::string order = R"({"type":"order","session":"live-1","sku":")" + kSkuA +
                      R"(","qty":40,"at_ms":)" + std::to_string(now_ms()) + "}";
  HttpResponse posted = call("admin", "POST", "/v1/events", order + "\n", "application/x-ndjson");
  ASSERT_EQ(posted.status, 200u) << describe(posted);

  // The alert, then its emergency order and plan (CBC runs on the planner's thread).
  json::object alert;
  json::object emergency;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    json::array alerts =
        parse_object(admin("GET", "/v1/alerts?kind=sales_over_forecast").body)["alerts"].as_array();
    if (!alerts.empty()) alert = alerts[0].as_object();
    json::array orders =
        parse_object(admin("GET", "/v1/production/orders").body)["orders"].as_array();
    if (!orders.empty()) emergency = orders[0].as_object();
    if (!emergency.empty() && presale_planned("factory-1") > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(alert.empty()) << "no orange alert";
  ASSERT_FALSE(emergency.empty()) << "no emergency order; stderr:\n" << server_stderr();
  int64_t alert_id = num(alert, "id");
  EXPECT_EQ(str(emergency, "id"), "emergency-" + std::to_string(alert_id));
  EXPECT_EQ(str(emergency, "kind"), "emergency");
  EXPECT_EQ(str(emergency, "source"), "alert:" + std::to_string(alert_id));
  EXPECT_EQ(str(emergency, "updated_by"), "system");
  EXPECT_EQ(str(emergency, "product"), g14(kSkuA));
  int64_t shortfall = alert["action"].at("qty").to_number<int64_t>();
  EXPECT_EQ(num(emergency, "qty"), shortfall >= 1 ? shortfall : 100) << json::serialize(alert);
  EXPECT_EQ(presale_planned("factory-1"), num(emergency, "qty"))
      << "the planned units are presale's at the factory's location";

  // After kill -9 the order is still there and is not raised twice.
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  ASSERT_EQ(planner("PUT", "/v1/factories/F2", factory_body("dc-west", 8)).status, 201u);
  std::this_thread::sleep_for(300ms);
  json::array orders =
      parse_object(admin("GET", "/v1/production/orders").body)["orders"].as_array();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(str(orders[0].as_object(), "id"), "emergency-" + std::to_string(alert_id));
}

TEST_F(ProductionApi, LimitsOnFactoriesAndOpenOrders) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(
        planner("PUT", "/v1/factories/F" + std::to_string(i), factory_body("factory-1", 5)).status,
        201u)
        << i;
  }
  expect_problem(planner("PUT", "/v1/factories/F50", factory_body("factory-1", 5)), 422,
                 "factories");
  EXPECT_EQ(planner("PUT", "/v1/factories/F0", factory_body("factory-1", 7)).status, 200u)
      << "replacing one stays within the limit";
  const std::string body = R"({"product": "desk-top", "qty": 1, "due_day": 5})";
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(planner("PUT", "/v1/production/orders/O" + std::to_string(i), body).status, 201u)
        << i;
  }
  expect_problem(planner("PUT", "/v1/production/orders/O200", body), 422, "orders");
  // A closed order frees its place.
  ASSERT_EQ(planner("PUT", "/v1/production/orders/O0",
                    R"({"product": "desk-top", "qty": 1, "due_day": 5, "state": "cancelled"})")
                .status,
            200u);
  EXPECT_EQ(planner("PUT", "/v1/production/orders/O200", body).status, 201u);
}

// `livechain plan production --db` plans the ledger's factories and open orders as the
// server would, read-only; --stop works on them too.
TEST_F(ProductionApi, CliPlansTheLedgersFactoriesAndOrders) {
  ASSERT_NO_FATAL_FAILURE(put_two_factories_and_an_order());
  ASSERT_EQ(stop_server(), 0);
  RunResult plan = cli({"plan", "production", "--db", db_});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  json::object out = parse_object(plan.out);
  EXPECT_EQ(num(out, "produced"), 150);
  EXPECT_EQ(str(out, "planned_by"), "cli");
  RunResult stopped = cli({"plan", "production", "--db", db_, "--stop", "F1"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(num(parse_object(stopped.out), "moved_within_72h"), 150) << stopped.out;
  RunResult unknown = cli({"plan", "production", "--db", db_, "--stop", "F9"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("stop"), std::string::npos) << unknown.err;
  EXPECT_EQ(cli({"plan", "production"}).exit_code, 2) << "neither --problem nor --db";
  // Read-only: the ledger still plans nothing into presale.
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_EQ(presale_planned("factory-1"), 0);
}

class ProductionConfig : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"planning": {"production": {"time_limit_s": 2, "emergency_qty_units": 7}}})";
  }
};

TEST_F(ProductionConfig, ConfigIsReadAndABadOneStopsServe) {
  ASSERT_EQ(call("planner", "PUT", "/v1/factories/F1", factory_body("factory-1", 5)).status, 201u);
  HttpResponse plan = call("planner", "GET", "/v1/production/plan");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  EXPECT_EQ(parse_object(plan.body)["time_limit_s"].to_number<double>(), 2);
  ASSERT_EQ(stop_server(), 0);
  std::ofstream(config_path_) << R"({"planning": {"production": {"time_limt_s": 2}}})";
  RunResult bad = cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", config_path_});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("planning.production.time_limt_s"), std::string::npos) << bad.err;
}

}  // namespace
