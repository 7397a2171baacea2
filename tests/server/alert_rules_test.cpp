// tests/server/alert_rules_test.cpp — issue 11 §2/§3 rule state against the real
// `livechain serve` (docs/alerts.md "Durable rule state", "Carrier failover"):
// session plans and warehouse windows survive SIGKILL; lanes fail over to their next
// ranked carrier above 10% delayed scans, new shipments use it, an alert says so, and
// all of it survives SIGKILL; bad input and bad config are refused naming the field.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

json::object parse_object(const std::string& text) {
  std::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) return {};
  return value.get_object();
}

class AlertRulesServer : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("live.db");
    RunResult init = run_program(LIVECHAIN_BINARY, {"init", "--db", db_}, dir_.path());
    ASSERT_EQ(init.exit_code, 0) << init.err;
    RunResult made =
        run_program(LIVECHAIN_BINARY,
                    {"--json", "apikey", "create", "--role", "admin", "--db", db_}, dir_.path());
    ASSERT_EQ(made.exit_code, 0) << made.err;
    key_ = json::value_to<std::string>(parse_object(made.out).at("key"));
  }
  void TearDown() override {
    if (server_.running()) {
      server_.signal(SIGTERM);
      if (!server_.wait_for_exit(30s)) server_.kill_and_reap();
    }
  }
  void write_config(const std::string& text) {
    config_ = dir_.file("server.json");
    std::ofstream(config_) << text;
  }
  void start_server() {
    std::vector<std::string> args = {"serve", "--db", db_, "--listen", "127.0.0.1:0"};
    if (!config_.empty()) args.insert(args.end(), {"--config", config_});
    ++starts_;
    std::string out = dir_.file("serve" + std::to_string(starts_) + ".out");
    std::string err = dir_.file("serve" + std::to_string(starts_) + ".err");
    ASSERT_TRUE(server_.start(LIVECHAIN_BINARY, args, out, err));
    const std::string prefix = "listening on http://127.0.0.1:";
    auto line =
        wait_for_line(out, prefix, 30s, [&] { return !server_.wait_for_exit(0ms).has_value(); });
    ASSERT_TRUE(line.has_value()) << read_file(err);
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->find(prefix) + prefix.size())));
  }
  // kill -9 and start again on the same database.
  void crash_and_restart() {
    server_.kill_and_reap();
    start_server();
  }
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    Headers headers{{"Authorization", "Bearer " + key_}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    HttpClient client(port_);
    return client.request(method, target, body, headers);
  }
  json::array alerts_of_kind(const std::string& kind) {
    return parse_object(call("GET", "/v1/alerts?kind=" + kind).body).at("alerts").as_array();
  }
  void expect_problem(const HttpResponse& r, unsigned status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.media_type(), "application/problem+json");
    EXPECT_EQ(parse_object(r.body)["field"], json::value(field)) << r.body;
  }

  TempDir dir_;
  std::string db_;
  std::string config_;
  std::string key_;
  BackgroundProcess server_;
  uint16_t port_ = 0;
  int starts_ = 0;
};

const std::string kGtin = "06901234567892";
constexpr int64_t kT0 = 1'800'000'000'000;

// Gap 1: a session plan set before a SIGKILL still drives the orange rule after it.
TEST_F(AlertRulesServer, SessionPlanSurvivesKill9) {
  start_server();
  ASSERT_EQ(call("PUT", "/v1/skus/" + kGtin, R"({"name":"Dress"})").status, 200u);
  HttpResponse plan = call("PUT", "/v1/sessions/live-9/plans/" + kGtin,
                           R"({"forecast_units": 10, "add_to_cart_peak": 0})");
  ASSERT_EQ(plan.status, 200u) << plan.body;
  crash_and_restart();
  Headers headers{{"Authorization", "Bearer " + key_}, {"Content-Type", "application/x-ndjson"}};
  HttpClient client(port_);
  std::string order = R"({"type":"order","session":"live-9","sku":")" + kGtin +
                      R"(","qty":12,"at_ms":1800000002000})";
  HttpResponse posted = client.request("POST", "/v1/events", order + "\n", headers);
  ASSERT_LT(posted.status, 300u) << posted.body;
  auto deadline = std::chrono::steady_clock::now() + 1s;
  json::array raised;
  while (raised.empty() && std::chrono::steady_clock::now() < deadline) {
    raised = alerts_of_kind("sales_over_forecast");
    if (raised.empty()) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(raised.size(), 1u) << "the plan did not survive the restart";
  EXPECT_EQ(raised[0].at("evidence").at("forecast_units").to_number<double>(), 10);
  EXPECT_EQ(raised[0].at("action").at("type"), "production_order");
}

// Gap 1: a warehouse's level and its window of reports survive a SIGKILL.
TEST_F(AlertRulesServer, WarehouseLevelAndWindowSurviveKill9) {
  write_config(R"({"alerts": {"warehouse_window_ms": 600000, "warehouse_operations_min": 100}})");
  start_server();
  ASSERT_EQ(call("PUT", "/v1/locations/wh-east", R"({"kind":"dc","region":"east"})").status, 200u);
  auto report = [&](int picked, int errors, int64_t at_ms) {
    return call("POST", "/v1/warehouse-reports",
                R"({"warehouse":"wh-east","picked":)" + std::to_string(picked) +
                    R"(,"picking_errors":)" + std::to_string(errors) + R"(,"at_ms":)" +
                    std::to_string(at_ms) + "}");
  };
  HttpResponse r = report(400, 20, kT0);  // 5%: level 2
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(parse_object(r.body).at("level"), 2);
  crash_and_restart();
  r = report(1, 0, kT0 + 1'000);  // the window still holds the 400 operations before
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object body = parse_object(r.body);
  EXPECT_EQ(body.at("operations"), 401);
  EXPECT_EQ(body.at("errors"), 20);
  EXPECT_EQ(body.at("level"), 2);
  EXPECT_FALSE(body.contains("alert")) << "the level was lost: " << r.body;
  r = report(2'000, 0, kT0 + 2'000);  // 20 of 2401 < 1%: back to level 1, resolves
  body = parse_object(r.body);
  EXPECT_EQ(body.at("level"), 1);
  ASSERT_TRUE(body.contains("alert")) << r.body;
  EXPECT_EQ(body.at("alert").at("state"), "resolved");
}

// §3: delay rate over the window; above 10% the lane moves to the next carrier, new
// shipments use it, an alert says so; it all survives SIGKILL.
TEST_F(AlertRulesServer, LaneFailsOverAbove10PercentDelayedAndSurvivesKill9) {
  write_config(R"({"alerts": {"lane_scans_min": 20, "lane_window_ms": 3600000}})");
  start_server();
  HttpResponse lane = call("PUT", "/v1/lanes/sh-bj", R"({"carriers": ["sf", "jd", "yto"]})");
  ASSERT_EQ(lane.status, 200u) << lane.body;
  EXPECT_EQ(parse_object(lane.body).at("active_carrier"), "sf");
  auto ship = [&](const std::string& id) {
    return call("POST", "/v1/shipments",
                R"({"id":")" + id + R"(","lane":"sh-bj","promised_at_ms":)" +
                    std::to_string(kT0 + 100'000) + "}");
  };
  auto scan = [&](const std::string& id, const std::string& status, int64_t at_ms) {
    return call("POST", "/v1/shipments/" + id + "/scans",
                R"({"status":")" + status + R"(","at_ms":)" + std::to_string(at_ms) + "}");
  };
  for (int i = 0; i < 30; ++i) {
    HttpResponse s = ship("p" + std::to_string(i));
    ASSERT_EQ(s.status, 201u) << s.body;
    EXPECT_EQ(parse_object(s.body).at("carrier"), "sf");
  }
  // 18 on time + 2 late = 10% of 20: not above, no switch.
  for (int i = 0; i < 18; ++i) {
    ASSERT_EQ(scan("p" + std::to_string(i), "delivered", kT0 + 1'000 + i).status, 200u);
  }
  HttpResponse r = scan("p18", "delivered", kT0 + 200'000);  // after the promise: delayed
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_object(r.body).at("scan").at("delayed"), true);
  r = scan("p19", "exception", kT0 + 2'000);
  json::object body = parse_object(r.body);
  EXPECT_EQ(body.at("lane").at("active_carrier"), "sf") << r.body;
  EXPECT_DOUBLE_EQ(body.at("lane").at("delay_rate").to_number<double>(), 0.1);
  EXPECT_FALSE(body.contains("alert"));
  // One more late scan: 3 of 21 > 10% → jd.
  r = scan("p20", "exception", kT0 + 3'000);
  ASSERT_EQ(r.status, 200u) << r.body;
  body = parse_object(r.body);
  EXPECT_EQ(body.at("lane").at("active_carrier"), "jd") << r.body;
  EXPECT_EQ(body.at("scan").at("switched_to"), "jd");
  ASSERT_TRUE(body.contains("alert")) << r.body;
  EXPECT_EQ(body.at("alert").at("kind"), "carrier_failover");
  EXPECT_EQ(body.at("alert").at("severity"), "orange");
  EXPECT_EQ(body.at("alert").at("subject").at("lane"), "sh-bj");
  EXPECT_EQ(body.at("alert").at("action").at("type"), "carrier_switch");
  EXPECT_EQ(body.at("alert").at("action").at("from"), "sf");
  EXPECT_EQ(body.at("alert").at("action").at("to"), "jd");
  HttpResponse next = ship("n1");
  EXPECT_EQ(parse_object(next.body).at("carrier"), "jd") << next.body;
  // Late scans of shipments still with sf no longer judge the lane's carrier.
  r = scan("p21", "exception", kT0 + 4'000);
  EXPECT_EQ(parse_object(r.body).at("lane").at("scans_in_window"), 0) << r.body;

  crash_and_restart();
  lane = call("GET", "/v1/lanes/sh-bj");
  ASSERT_EQ(lane.status, 200u) << lane.body;
  EXPECT_EQ(parse_object(lane.body).at("active_carrier"), "jd");
  HttpResponse after = ship("n2");
  ASSERT_EQ(after.status, 201u) << after.body;
  EXPECT_EQ(parse_object(after.body).at("carrier"), "jd");
  HttpResponse in_flight = call("GET", "/v1/shipments/p25");
  ASSERT_EQ(in_flight.status, 200u) << in_flight.body;
  EXPECT_EQ(parse_object(in_flight.body).at("carrier"), "sf");
  // Delivered shipments left the state.
  EXPECT_EQ(call("GET", "/v1/shipments/p0").status, 404u);
  EXPECT_EQ(alerts_of_kind("carrier_failover").size(), 1u);
  // The same ranking again changes nothing; a new one starts over at its first carrier.
  lane = call("PUT", "/v1/lanes/sh-bj", R"({"carriers": ["sf", "jd", "yto"]})");
  EXPECT_EQ(parse_object(lane.body).at("active_carrier"), "jd");
  lane = call("PUT", "/v1/lanes/sh-bj", R"({"carriers": ["yto", "sf"]})");
  EXPECT_EQ(parse_object(lane.body).at("active_carrier"), "yto");
}

// The last carrier over the threshold: a red alert (no carrier left), once.
TEST_F(AlertRulesServer, LastCarrierOverThresholdRaisesRedOnce) {
  write_config(R"({"alerts": {"lane_scans_min": 2}})");
  start_server();
  ASSERT_EQ(call("PUT", "/v1/lanes/gz-cd", R"({"carriers": ["ems"]})").status, 200u);
  for (int i = 0; i < 4; ++i) {
    std::string id = "q" + std::to_string(i);
    ASSERT_EQ(call("POST", "/v1/shipments", R"({"id":")" + id + R"(","lane":"gz-cd"})").status,
              201u);
    HttpResponse r = call("POST", "/v1/shipments/" + id + "/scans", R"({"status":"exception"})");
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  json::array raised = alerts_of_kind("carrier_failover");
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at("severity"), "red");
  EXPECT_EQ(raised[0].at("action").at("type"), "no_carrier_left");
  EXPECT_EQ(raised[0].at("updates"), 0);
}

TEST_F(AlertRulesServer, BadInputIs422NamingTheField) {
  start_server();
  expect_problem(call("PUT", "/v1/lanes/l1", R"({"carriers": []})"), 422, "carriers");
  expect_problem(call("PUT", "/v1/lanes/l1", R"({"carriers": "sf"})"), 422, "carriers");
  expect_problem(call("PUT", "/v1/lanes/l1", R"({"carriers": ["sf", 3]})"), 422, "carriers[1]");
  expect_problem(call("PUT", "/v1/lanes/l1", R"({"carriers": ["sf", "sf"]})"), 422, "carriers[1]");
  expect_problem(call("PUT", "/v1/lanes/l1", R"({"carriers": ["sf"], "x": 1})"), 422, "x");
  expect_problem(call("POST", "/v1/shipments", R"({"id": "s1"})"), 422, "lane");
  expect_problem(call("POST", "/v1/shipments", R"({"id": "s1", "lane": "nowhere"})"), 422, "lane");
  ASSERT_EQ(call("PUT", "/v1/lanes/l1", R"({"carriers": ["sf"]})").status, 200u);
  ASSERT_EQ(call("PUT", "/v1/lanes/l2", R"({"carriers": ["sf"]})").status, 200u);
  expect_problem(
      call("POST", "/v1/shipments", R"({"id": "s1", "lane": "l1", "promised_at_ms": 5})"), 422,
      "promised_at_ms");
  ASSERT_EQ(call("POST", "/v1/shipments", R"({"id": "s1", "lane": "l1"})").status, 201u);
  EXPECT_EQ(call("POST", "/v1/shipments", R"({"id": "s1", "lane": "l1"})").status, 200u);
  expect_problem(call("POST", "/v1/shipments", R"({"id": "s1", "lane": "l2"})"), 409, "id");
  expect_problem(call("POST", "/v1/shipments/s1/scans", R"({"status": "lost"})"), 422, "status");
  expect_problem(call("POST", "/v1/shipments/s1/scans", R"({})"), 422, "status");
  expect_problem(call("POST", "/v1/shipments/zz/scans", R"({"status": "in_transit"})"), 404, "id");
  expect_problem(call("GET", "/v1/lanes/none"), 404, "lane");
  // Nothing accepted is lost: s1 is still in flight on l1.
  EXPECT_EQ(parse_object(call("GET", "/v1/shipments/s1").body).at("lane"), "l1");
}

// §2 forecast safety: the review flag at plan time (30–40% yellow, beyond orange), the
// circuit breaker after 3 bad sessions (red; recovery resolves it, across SIGKILL),
// the shadow model's promotion.
TEST_F(AlertRulesServer, ForecastSafetyRaisesReviewBreakerAndShadowAlerts) {
  start_server();
  const std::string other = "06901234567809";
  ASSERT_EQ(call("PUT", "/v1/skus/" + kGtin, R"({"name":"Dress"})").status, 200u);
  ASSERT_EQ(call("PUT", "/v1/skus/" + other, R"({"name":"Coat"})").status, 200u);
  HttpResponse plan = call("PUT", "/v1/sessions/s1/plans/" + kGtin,
                           R"({"forecast_units": 100, "baseline_units": 130})");
  ASSERT_EQ(plan.status, 200u) << plan.body;
  EXPECT_FALSE(parse_object(plan.body).contains("alert")) << "23% is within bounds";
  plan = call("PUT", "/v1/sessions/s1/plans/" + kGtin,
              R"({"forecast_units": 100, "baseline_units": 75})");  // 33%: yellow
  json::object body = parse_object(plan.body);
  ASSERT_TRUE(body.contains("alert")) << plan.body;
  EXPECT_EQ(body.at("alert").at("kind"), "forecast_review");
  EXPECT_EQ(body.at("alert").at("severity"), "yellow");
  EXPECT_EQ(body.at("alert").at("action").at("type"), "forecast_review");
  plan = call("PUT", "/v1/sessions/s1/plans/" + kGtin,
              R"({"forecast_units": 100, "baseline_units": 50})");  // 100%: orange
  EXPECT_EQ(parse_object(plan.body).at("alert").at("severity"), "orange") << plan.body;

  auto outcome = [&](const std::string& sku, const std::string& json_body) {
    return call("POST", "/v1/sessions/s1/outcomes/" + sku, json_body);
  };
  // APE 50% > 25%: bad. The forecast is the plan's (100).
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = outcome(kGtin, R"({"actual_units": 50})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_FALSE(parse_object(r.body).contains("alert")) << r.body;
    EXPECT_EQ(parse_object(r.body).at("bad"), true);
  }
  HttpResponse third = outcome(kGtin, R"({"actual_units": 50})");
  body = parse_object(third.body);
  EXPECT_EQ(body.at("next_model"), "conservative") << third.body;
  ASSERT_TRUE(body.contains("alert")) << third.body;
  EXPECT_EQ(body.at("alert").at("kind"), "forecast_circuit_breaker");
  EXPECT_EQ(body.at("alert").at("severity"), "red");
  EXPECT_EQ(body.at("alert").at("action").at("to"), "conservative");

  crash_and_restart();
  // The breaker is still open after the restart: 3 good sessions recover it.
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = outcome(kGtin, R"({"actual_units": 100})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(parse_object(r.body).at("next_model"), "conservative") << r.body;
  }
  HttpResponse recovered = outcome(kGtin, R"({"actual_units": 100})");
  body = parse_object(recovered.body);
  EXPECT_EQ(body.at("next_model"), "primary") << recovered.body;
  ASSERT_TRUE(body.contains("alert")) << recovered.body;
  EXPECT_EQ(body.at("alert").at("state"), "resolved");

  // The shadow model: 10 sessions where it beats the active one → promotion proposal.
  json::object promoted;
  for (int i = 0; i < 10; ++i) {
    HttpResponse r = outcome(
        other, R"({"actual_units": 97, "forecast_units": 100, "shadow_forecast_units": 98})");
    ASSERT_EQ(r.status, 200u) << r.body;
    json::object b = parse_object(r.body);
    if (i < 9) {
      EXPECT_FALSE(b.contains("alert")) << r.body;
    } else {
      promoted = b;
    }
  }
  ASSERT_TRUE(promoted.contains("alert")) << json::serialize(promoted);
  EXPECT_EQ(promoted.at("alert").at("kind"), "shadow_model_promotion");
  EXPECT_EQ(promoted.at("alert").at("action").at("type"), "promote_model");
  EXPECT_EQ(promoted.at("shadow").at("promote"), true);

  expect_problem(outcome(other, R"({"actual_units": 5})"), 422, "forecast_units");
  expect_problem(outcome(kGtin, R"({})"), 422, "actual_units");
  expect_problem(outcome(kGtin, R"({"actual_units": -1})"), 422, "actual_units");
  expect_problem(outcome(kGtin, R"({"actual_units": 1, "shadow_forecast_units": "x"})"), 422,
                 "shadow_forecast_units");
  expect_problem(call("PUT", "/v1/sessions/s1/plans/" + kGtin,
                      R"({"forecast_units": 1, "baseline_units": -3})"),
                 422, "baseline_units");
}

// §2 red: turnover from the ledger (sold in the window ÷ average on hand) 20% below its
// benchmark (the pair's trailing average, or configured per SKU) → clearance proposal.
TEST_F(AlertRulesServer, TurnoverBelowBenchmarkProposesClearanceAndSurvivesKill9) {
  const std::string configured = "06901234567809";
  write_config(R"({"alerts": {"turnover_benchmarks": {")" + configured + R"(": 0.5}}})");
  start_server();
  for (const auto& [path, text] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/skus/" + kGtin, R"({"name":"Dress"})"},
           {"/v1/skus/" + configured, R"({"name":"Coat"})"},
           {"/v1/locations/dc-1", R"({"kind":"dc","region":"east"})"},
           {"/v1/channels/live-1", R"({"kind":"live_room"})"}}) {
    ASSERT_EQ(call("PUT", path, text).status, 200u) << path;
  }
  for (const std::string& sku : {kGtin, configured}) {
    HttpResponse r =
        call("POST", "/v1/receipts", R"({"sku":")" + sku + R"(","location":"dc-1","qty":100})");
    ASSERT_LT(r.status, 300u) << r.body;
  }
  int orders = 0;
  auto sell = [&](const std::string& sku, int qty) {
    std::string body = R"({"order_id":"o)" + std::to_string(++orders) +
                       R"(","channel":"live-1","lines":[{"sku":")" + sku + R"(","qty":)" +
                       std::to_string(qty) + R"(,"location":"dc-1"}]})";
    HttpResponse r = call("POST", "/v1/reservations", body);
    ASSERT_EQ(r.status, 201u) << r.body;
    int64_t id = parse_object(r.body).at("reservation_id").as_int64();
    ASSERT_EQ(call("POST", "/v1/reservations/" + std::to_string(id) + "/commit").status, 200u);
  };
  auto review = [&] {
    HttpResponse r = call("POST", "/v1/turnover-reviews", "{}");
    EXPECT_EQ(r.status, 200u) << r.body;
    return parse_object(r.body);
  };
  json::object first = review();  // opens the windows
  EXPECT_EQ(first.at("windows_closed"), 0) << json::serialize(first);
  ASSERT_NO_FATAL_FAILURE(sell(kGtin, 10));
  ASSERT_NO_FATAL_FAILURE(sell(configured, 10));
  json::object second = review();  // 10 / 95 = 0.105 for both
  EXPECT_EQ(second.at("windows_closed"), 2) << json::serialize(second);
  json::array raised = alerts_of_kind("turnover_below_benchmark");
  ASSERT_EQ(raised.size(), 1u) << "only the SKU with a configured benchmark of 0.5";
  EXPECT_EQ(raised[0].at("subject").at("sku"), json::value(configured));
  EXPECT_EQ(raised[0].at("severity"), "red");
  EXPECT_EQ(raised[0].at("action").at("type"), "clearance_promotion");
  EXPECT_EQ(raised[0].at("evidence").at("benchmark_source"), "configured");

  ASSERT_NO_FATAL_FAILURE(sell(kGtin, 2));  // 2 / 89 = 0.022 ≤ 0.8 × 0.105
  review();
  raised = alerts_of_kind("turnover_below_benchmark");
  ASSERT_EQ(raised.size(), 2u);
  const json::object& red = raised[0].as_object();  // newest first
  EXPECT_EQ(red.at("subject").at("sku"), json::value(kGtin));
  EXPECT_EQ(red.at("subject").at("location"), "dc-1");
  EXPECT_EQ(red.at("action").at("type"), "clearance_promotion");
  EXPECT_EQ(red.at("evidence").at("benchmark_source"), "trailing_average");
  EXPECT_NEAR(red.at("evidence").at("turnover").to_number<double>(), 2.0 / 89.0, 1e-9);
  EXPECT_NEAR(red.at("evidence").at("benchmark").to_number<double>(), 10.0 / 95.0, 1e-9);

  crash_and_restart();
  json::object after = review();  // the windows survived: both close, nothing re-raised
  EXPECT_EQ(after.at("windows_closed"), 2) << json::serialize(after);
  EXPECT_EQ(alerts_of_kind("turnover_below_benchmark").size(), 2u);
  EXPECT_EQ(alerts_of_kind("turnover_below_benchmark")[0].at("updates"), 0);
}

TEST_F(AlertRulesServer, BadLaneConfigIsRefusedNamingTheKey) {
  for (const auto& [text, key] : std::vector<std::pair<std::string, std::string>>{
           {R"({"alerts": {"lane_delay_rate_max": 1.5}})", "alerts.lane_delay_rate_max"},
           {R"({"alerts": {"lane_window_ms": 5}})", "alerts.lane_window_ms"},
           {R"({"alerts": {"lane_scans_min": 0}})", "alerts.lane_scans_min"},
           {R"({"alerts": {"turnover_benchmarks": {"123": 1}}})", "alerts.turnover_benchmarks.123"},
           {R"({"alerts": {"turnover_benchmarks": {"06901234567892": 0}}})",
            "alerts.turnover_benchmarks.06901234567892"},
           {R"({"alerts": {"turnover_window_ms": 10}})", "alerts.turnover_window_ms"}}) {
    write_config(text);
    RunResult refused = run_program(
        LIVECHAIN_BINARY, {"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", config_},
        dir_.path());
    EXPECT_NE(refused.exit_code, 0);
    EXPECT_NE(refused.err.find(key), std::string::npos) << refused.err;
  }
}

}  // namespace
