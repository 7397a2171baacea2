// tests/server/nowcast_api_test.cpp — issue 11 §2: the orange rule on the minute-level
// nowcaster in a real `livechain serve` (docs/alerts.md "The nowcast"). The model is
// fitted by the real CLI (`livechain forecast nowcast-fit`, a twin simulation) and
// loaded by the server from "nowcast": {"model_path"}; a session plan gives the start
// and length; events posted to /v1/events must raise the orange alert, with the nowcast
// and its method in the evidence, within 1 s of the post. Without a model the rule is
// plan_uplift, and says so; bad timing fields and a bad model file are refused naming
// the field.
#include <cmath>
#include <ctime>

#include "server_fixture.hpp"

namespace {

std::string rfc3339(int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NowcastServer : public ServerApiTest {
 protected:
  std::string model_path() const { return dir_.file("nowcast.lcnm"); }
  std::string config_json() const override {
    return R"({"nowcast": {"model_path": ")" + model_path() + R"("}})";
  }
  void SetUp() override {
    // The model a user would make: fitted by the CLI on the twin's sessions.
    RunResult fit = run_program(
        LIVECHAIN_BINARY, {"forecast", "nowcast-fit", "--sessions", "3", "--out", model_path()},
        dir_.path());
    ASSERT_EQ(fit.exit_code, 0) << fit.err;
    ServerApiTest::SetUp();
  }

  HttpResponse post_events(const std::vector<std::string>& lines) {
    std::string body;
    for (const std::string& line : lines) body += line + "\n";
    return call("live_operator", "POST", "/v1/events", body, "application/x-ndjson");
  }
  // Polls GET /v1/alerts?kind=sales_over_forecast until `count` are there or `within`.
  json::array wait_for_orange(size_t count, std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    json::array found;
    while (true) {
      HttpResponse listed = admin("GET", "/v1/alerts?kind=sales_over_forecast");
      found = parse_object(listed.body)["alerts"].as_array();
      if (found.size() >= count || std::chrono::steady_clock::now() >= deadline) return found;
      std::this_thread::sleep_for(5ms);
    }
  }
};

std::string order(const std::string& session, const std::string& sku, int qty, int64_t at_ms) {
  return R"({"type":"order","session":")" + session + R"(","sku":")" + sku + R"(","qty":)" +
         std::to_string(qty) + R"(,"at_ms":)" + std::to_string(at_ms) + "}";
}

TEST_F(NowcastServer, EventsAbovePlanPaceRaiseOrangeWithinOneSecondWithTheNowcast) {
  EXPECT_NE(server_stderr().find("nowcast: funnel model"), std::string::npos) << server_stderr();
  const int64_t now = now_ms();
  // Started 30 minutes ago, 60 minutes long, 10 units planned for SKU A, 1,000 for B.
  HttpResponse plan = admin("PUT", "/v1/sessions/live-1/plans/" + kSkuA,
                            R"({"forecast_units": 10, "starts_at": ")" +
                                rfc3339(now - 30 * 60'000) + R"(", "duration_min": 60})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  json::object view = parse_object(plan.body);
  EXPECT_EQ(view["nowcast_method"], "funnel");
  EXPECT_EQ(view["duration_min"], 60);
  EXPECT_EQ(str(view, "starts_at"), rfc3339(now - 30 * 60'000).substr(0, 19) + ".000Z");
  // Another SKU of the session without timing keeps the session's start and length.
  plan = admin("PUT", "/v1/sessions/live-1/plans/" + kSkuB, R"({"forecast_units": 1000})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  EXPECT_EQ(parse_object(plan.body)["duration_min"], 60);

  // Viewers, add-to-carts and a few orders of B: below B's pace, nothing.
  HttpResponse posted =
      post_events({R"({"type":"viewers","session":"live-1","viewers":5000,"at_ms":)" +
                       std::to_string(now) + "}",
                   R"({"type":"add_to_cart","session":"live-1","sku":")" + kSkuA +
                       R"(","qty":20,"at_ms":)" + std::to_string(now) + "}",
                   order("live-1", kSkuB, 5, now)});
  ASSERT_EQ(posted.status, 200u) << describe(posted);
  EXPECT_EQ(num(parse_object(posted.body), "accepted"), 3);
  // 40 units of A half-way through a 10-unit plan: far above pace.
  auto sent = std::chrono::steady_clock::now();
  posted = post_events({order("live-1", kSkuA, 40, now_ms())});
  ASSERT_EQ(posted.status, 200u) << describe(posted);
  json::array raised = wait_for_orange(1, 1s);
  auto lag = std::chrono::steady_clock::now() - sent;
  ASSERT_EQ(raised.size(), 1u) << "no orange alert within 1 s of the signal";
  EXPECT_LT(lag, 1s);
  json::object alert = raised[0].as_object();
  EXPECT_EQ(alert["severity"], "orange");
  EXPECT_EQ(alert["subject"].at("sku"), json::value("0" + kSkuA));  // GTIN-14
  json::object evidence = alert["evidence"].as_object();
  EXPECT_EQ(evidence["nowcast_method"], "funnel");
  EXPECT_EQ(evidence["forecast_units"].to_number<double>(), 10);
  EXPECT_EQ(evidence["sales_units"].to_number<double>(), 40);
  EXPECT_GE(evidence["nowcast_units"].to_number<double>(), 12) << json::serialize(evidence);
  EXPECT_TRUE(evidence.contains("nowcast_model_units"));
  EXPECT_NEAR(evidence["elapsed_min"].to_number<double>(), 30, 1);
  EXPECT_EQ(evidence["add_to_cart_units"].to_number<double>(), 20);
  EXPECT_EQ(alert["action"].at("type"), "production_order");
  // B stayed below: one orange alert only.
  EXPECT_EQ(wait_for_orange(2, 200ms).size(), 1u);
}

// The session's timing is journaled with its plans (event 60): after kill -9 the
// latest start and length still drive the funnel nowcast, whichever SKU set them.
TEST_F(NowcastServer, SessionTimingSurvivesKill9) {
  const int64_t now = now_ms();
  const std::string starts_at = rfc3339(now - 30 * 60'000);
  ASSERT_EQ(
      admin("PUT", "/v1/sessions/live-3/plans/" + kSkuA,
            R"({"forecast_units": 10, "starts_at": ")" + starts_at + R"(", "duration_min": 60})")
          .status,
      200u);
  HttpResponse plan = admin("PUT", "/v1/sessions/live-3/plans/" + kSkuB,
                            R"({"forecast_units": 10, "duration_min": 90})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  plan = admin("PUT", "/v1/sessions/live-3/plans/" + kSkuA, R"({"forecast_units": 10})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  json::object view = parse_object(plan.body);
  EXPECT_EQ(view["duration_min"], 90);
  EXPECT_EQ(str(view, "starts_at"), starts_at.substr(0, 19) + ".000Z");
  EXPECT_EQ(view["nowcast_method"], "funnel");
  ASSERT_EQ(post_events({order("live-3", kSkuA, 40, now_ms())}).status, 200u);
  json::array raised = wait_for_orange(1, 1s);
  ASSERT_EQ(raised.size(), 1u);
  json::object evidence = raised[0].at("evidence").as_object();
  EXPECT_EQ(evidence["nowcast_method"], "funnel");
  EXPECT_EQ(evidence["duration_min"], 90);
  EXPECT_NEAR(evidence["elapsed_min"].to_number<double>(), 30, 1);
}

// The in-session counters behind the nowcast are rebuilt from the stored signals
// (PATH.signals) when the server restarts, so a kill -9 mid-session leaves the nowcast
// where it was instead of back at the plan.
TEST_F(NowcastServer, InSessionCountersAreRebuiltAfterKill9) {
  const int64_t now = now_ms();
  const std::string plan_body = R"({"forecast_units": 1000, "starts_at": ")" +
                                rfc3339(now - 30 * 60'000) + R"(", "duration_min": 60})";
  HttpResponse plan = admin("PUT", "/v1/sessions/live-5/plans/" + kSkuA, plan_body);
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  ASSERT_EQ(
      post_events({order("live-5", kSkuA, 300, now_ms()), order("live-5", kSkuA, 200, now_ms())})
          .status,
      200u);
  plan = admin("PUT", "/v1/sessions/live-5/plans/" + kSkuA, plan_body);
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  const double before = parse_object(plan.body)["nowcast_units"].to_number<double>();
  // SKU B of the same session, same plan, no orders: what A's nowcast would be without
  // its counters.
  HttpResponse plan_b = admin("PUT", "/v1/sessions/live-5/plans/" + kSkuB, plan_body);
  ASSERT_EQ(plan_b.status, 200u) << describe(plan_b);
  const double without_orders = parse_object(plan_b.body)["nowcast_units"].to_number<double>();
  EXPECT_GT(std::abs(before - without_orders), 0.05 * before)
      << "the orders did not move the nowcast: " << plan.body << plan_b.body;
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_NE(server_stderr().find("2 live-session signals replayed"), std::string::npos)
      << server_stderr();
  plan = admin("PUT", "/v1/sessions/live-5/plans/" + kSkuA, plan_body);
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  // The same up to the minutes that passed during the restart.
  EXPECT_NEAR(parse_object(plan.body)["nowcast_units"].to_number<double>(), before, 0.005 * before)
      << plan.body;
}

TEST_F(NowcastServer, BadSessionTimingIs422NamingTheField) {
  const std::string target = "/v1/sessions/live-1/plans/" + kSkuA;
  EXPECT_TRUE(IsProblem(admin("PUT", target, R"({"forecast_units": 1, "duration_min": 0})"), 422,
                        "duration_min"));
  EXPECT_TRUE(IsProblem(admin("PUT", target, R"({"forecast_units": 1, "duration_min": 1441})"), 422,
                        "duration_min"));
  EXPECT_TRUE(IsProblem(admin("PUT", target, R"({"forecast_units": 1, "duration_min": 1.5})"), 422,
                        "duration_min"));
  EXPECT_TRUE(IsProblem(admin("PUT", target, R"({"forecast_units": 1, "starts_at": "noon"})"), 422,
                        "starts_at"));
  EXPECT_TRUE(IsProblem(admin("PUT", target, R"({"forecast_units": 1, "starts_at": 5})"), 422,
                        "starts_at"));
  // Defaults: now and 230 minutes.
  HttpResponse plan = admin("PUT", target, R"({"forecast_units": 1})");
  ASSERT_EQ(plan.status, 200u) << describe(plan);
  EXPECT_EQ(parse_object(plan.body)["duration_min"], 230);
}

class PlanUpliftServer : public ServerApiTest {};

TEST_F(PlanUpliftServer, WithoutAModelTheEvidenceSaysPlanUplift) {
  EXPECT_NE(server_stderr().find("plan_uplift"), std::string::npos) << server_stderr();
  ASSERT_EQ(admin("PUT", "/v1/sessions/live-2/plans/" + kSkuA, R"({"forecast_units": 10})").status,
            200u);
  HttpResponse posted = call("live_operator", "POST", "/v1/events",
                             order("live-2", kSkuA, 12, now_ms()) + "\n", "application/x-ndjson");
  ASSERT_EQ(posted.status, 200u) << describe(posted);
  json::array raised;
  auto deadline = std::chrono::steady_clock::now() + 1s;
  while (raised.empty() && std::chrono::steady_clock::now() < deadline) {
    raised =
        parse_object(admin("GET", "/v1/alerts?kind=sales_over_forecast").body)["alerts"].as_array();
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].at("evidence").at("nowcast_method"), "plan_uplift");
  EXPECT_EQ(raised[0].at("evidence").at("nowcast_units").to_number<double>(), 10);
}

// A model file that does not load stops `serve` at start, naming the config key.
TEST(NowcastConfig, AnUnreadableModelIsRefusedNamingTheKey) {
  TempDir dir;
  std::string db = dir.file("n.db");
  ASSERT_EQ(run_program(LIVECHAIN_BINARY, {"init", "--db", db}, dir.path()).exit_code, 0);
  std::string model = dir.file("bad.lcnm");
  std::ofstream(model) << "LCNM 1\nsessions x\n";
  std::string config = dir.file("c.json");
  std::ofstream(config) << R"({"nowcast": {"model_path": ")" + model + R"("}})";
  RunResult run =
      run_program(LIVECHAIN_BINARY,
                  {"serve", "--db", db, "--listen", "127.0.0.1:0", "--config", config}, dir.path());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("nowcast.model_path"), std::string::npos) << run.err;
  std::ofstream(config, std::ios::trunc) << R"({"nowcast": {"path": "x"}})";
  run =
      run_program(LIVECHAIN_BINARY,
                  {"serve", "--db", db, "--listen", "127.0.0.1:0", "--config", config}, dir.path());
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("nowcast.path"), std::string::npos) << run.err;
}

}  // namespace
