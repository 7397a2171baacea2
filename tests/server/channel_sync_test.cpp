// tests/server/channel_sync_test.cpp — issue 10 §2 and §6 against the real server:
// channel available-to-sell pushed over /v1/stream ("channels") and as "ats.changed"
// webhooks through the durable outbox; channels' observed stock compared with the
// truth by the consistency checker, which records drift and raises / resolves
// channel_drift alerts; bad observed-stock input refused naming the field with nothing
// stored; and a small run of `livechain bench ats-sync`.
#include "server/server_fixture.hpp"
#include "support/webhook_receiver.hpp"

namespace {

class ChannelSyncTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"channel_check_interval_ms": 200, "channel_drift_threshold_pct": 3,
               "webhooks": {"allow_private_targets": true}})";
  }

  // Waits for GET …/drift to show a check at which `want` holds.
  std::optional<json::object> drift_until(const std::string& channel,
                                          const std::function<bool(const json::object&)>& want) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = call("auditor", "GET", "/v1/channels/" + channel + "/drift");
      EXPECT_EQ(r.status, 200u) << describe(r);
      json::object body = parse_object(r.body);
      if (want(body)) return body;
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }

  std::vector<json::object> drift_alerts(const std::string& state) {
    HttpResponse r = admin("GET", "/v1/alerts?kind=channel_drift&state=" + state);
    EXPECT_EQ(r.status, 200u) << describe(r);
    std::vector<json::object> out;
    json::object body = parse_object(r.body);
    for (const json::value& alert : body["alerts"].as_array()) {
      out.push_back(alert.as_object());
    }
    return out;
  }
};

std::optional<json::object> next_where(WebSocketClient& ws, std::chrono::milliseconds timeout,
                                       const std::function<bool(const json::object&)>& want,
                                       std::vector<std::string>& seen) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto message = ws.read(std::max(left, 1ms));
    if (!message) return std::nullopt;
    seen.push_back(*message);
    std::error_code error;
    json::value value = json::parse(*message, error);
    if (!error && value.is_object() && want(value.get_object())) return value.get_object();
  }
  return std::nullopt;
}

// §2: a subscriber to a channel gets every SKU's current ATS, then each change
// within a second, in exactly the documented shape.
TEST_F(ChannelSyncTest, ChannelSubscriberGetsEveryAtsChangeWithinASecond) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}))
      << ws.error();
  ASSERT_TRUE(ws.send(R"({"subscribe": {"channels": ["live-1"]}})"));
  std::vector<std::string> seen;
  auto subscribed = next_where(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "subscribed"; }, seen);
  ASSERT_TRUE(subscribed) << ::testing::PrintToString(seen);
  EXPECT_EQ(json::serialize(subscribed->at("channels")), R"(["live-1"])");
  auto is_ats = [](const std::string& sku, int64_t available) {
    return [sku, available](const json::object& o) {
      return str(o, "type") == "ats" && str(o, "sku") == g14(sku) &&
             num(o, "available") == available;
    };
  };
  auto initial = next_where(ws, 2s, is_ats(kSkuA, 140), seen);  // 100 + 40, shared pool
  ASSERT_TRUE(initial) << ::testing::PrintToString(seen);
  EXPECT_EQ(initial->size(), 5u) << json::serialize(*initial);
  EXPECT_EQ(str(*initial, "channel"), "live-1");
  EXPECT_TRUE(str(*initial, "at").ends_with("Z")) << json::serialize(*initial);

  // A reservation through the channel, then a dedicated allocation to another channel:
  // both change live-1's ATS, and both changes arrive within 1 s.
  auto started = std::chrono::steady_clock::now();
  reserve_ok("o-sync-1", {Line(kSkuA, 3, "dc-east")});
  auto after_reserve = next_where(ws, 1s, is_ats(kSkuA, 137), seen);
  ASSERT_TRUE(after_reserve) << ::testing::PrintToString(seen);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  expect_2xx(admin("PUT", "/v1/channels/shop-2", R"({"kind":"online_shop"})"), "channel");
  expect_2xx(admin("PUT", "/v1/channels/shop-2/allocations/" + kSkuB, R"({"qty": 20})"), "alloc");
  EXPECT_TRUE(next_where(ws, 1s, is_ats(kSkuB, 30), seen)) << ::testing::PrintToString(seen);
  // The pushed value is the one GET …/available renders (one definition).
  HttpResponse available = call("auditor", "GET", "/v1/channels/live-1/available?sku=" + kSkuB);
  EXPECT_EQ(num(parse_object(available.body), "available"), 30) << describe(available);

  // Unsubscribed: no more ats messages for the channel.
  ASSERT_TRUE(ws.send(R"({"unsubscribe": {"channels": ["live-1"]}})"));
  ASSERT_TRUE(next_where(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "subscribed"; }, seen));
  reserve_ok("o-sync-2", {Line(kSkuA, 1, "dc-east")});
  EXPECT_FALSE(next_where(
      ws, 600ms, [](const json::object& o) { return str(o, "type") == "ats"; }, seen))
      << ::testing::PrintToString(seen);
}

// §2: the same changes reach "ats.*" webhooks through the outbox, signed like alerts.
TEST_F(ChannelSyncTest, AtsChangesReachWebhooksThroughTheOutbox) {
  WebhookReceiver receiver;
  receiver.set_status(204);
  HttpResponse created = admin("POST", "/v1/webhooks",
                               R"({"url":"http://127.0.0.1:)" + std::to_string(receiver.port()) +
                                   R"(/ats","event_types":["ats.*"]})");
  ASSERT_EQ(created.status, 201u) << describe(created);
  std::this_thread::sleep_for(1500ms);  // subscribers are re-read once a second
  reserve_ok("o-hook-1", {Line(kSkuC, 2, "dc-east")});
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool found = false;
  std::vector<std::string> bodies;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    bodies.clear();
    for (const ReceivedRequest& request : receiver.requests()) {
      bodies.push_back(request.body);
      json::object body = parse_object(request.body);
      if (str(body, "type") != "ats.changed") continue;
      EXPECT_TRUE(request.headers.contains("webhook-signature"));
      const json::object& data = body.at("data").as_object();
      if (str(data, "channel") == "live-1" && str(data, "sku") == g14(kSkuC) &&
          num(data, "available") == 3) {
        found = true;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(found) << ::testing::PrintToString(bodies);
}

// §6: drift above the threshold is recorded and raises a channel_drift alert with the
// evidence; a later report within the threshold resolves it. Reports survive kill -9.
TEST_F(ChannelSyncTest, DriftAboveThresholdRaisesAndResolvesAnAlert) {
  std::string report =
      json::serialize(json::object{{"sku", kSkuA}, {"qty", 140}, {"at", "2026-12-06T20:00:00Z"}}) +
      "\n" +
      json::serialize(
          json::object{{"sku", kSkuB}, {"qty", 40}, {"at", "2026-12-06T20:00:00.250+00:00"}}) +
      "\n";
  HttpResponse posted = call("live_operator", "POST", "/v1/channels/live-1/observed-stock", report,
                             "application/x-ndjson", {{"Idempotency-Key", "obs-1"}});
  ASSERT_EQ(posted.status, 200u) << describe(posted);
  EXPECT_EQ(num(parse_object(posted.body), "accepted"), 2);
  // The same key and body again: the same answer.
  HttpResponse again = call("live_operator", "POST", "/v1/channels/live-1/observed-stock", report,
                            "application/x-ndjson", {{"Idempotency-Key", "obs-1"}});
  EXPECT_EQ(again.status, 200u) << describe(again);
  EXPECT_EQ(again.body, posted.body);

  server_.kill_and_reap();  // the reports were acknowledged: they are durable
  start_server();
  auto drift = drift_until(
      "live-1", [](const json::object& o) { return o.at("skus").as_array().size() == 2; });
  ASSERT_TRUE(drift);
  const json::array& skus = drift->at("skus").as_array();
  const bool a_first = str(skus[0].as_object(), "sku") == g14(kSkuA);
  const json::object& a = skus[a_first ? 0 : 1].as_object();
  const json::object& b = skus[a_first ? 1 : 0].as_object();
  EXPECT_EQ(num(a, "truth"), 140);
  EXPECT_FALSE(a.at("alerted").as_bool());
  EXPECT_EQ(num(b, "observed"), 40);
  EXPECT_EQ(num(b, "truth"), 50);
  EXPECT_DOUBLE_EQ(b.at("deviation_pct").as_double(), 20.0);
  EXPECT_TRUE(b.at("alerted").as_bool());
  EXPECT_EQ(str(b, "observed_at"), "2026-12-06T20:00:00.250Z");

  std::vector<json::object> raised;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (raised.empty() && std::chrono::steady_clock::now() < deadline) {
    raised = drift_alerts("raised");
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(str(raised[0], "severity"), "orange");
  EXPECT_EQ(str(raised[0].at("subject").as_object(), "channel"), "live-1");
  EXPECT_EQ(str(raised[0].at("subject").as_object(), "sku"), g14(kSkuB));
  const json::object& evidence = raised[0].at("evidence").as_object();
  EXPECT_EQ(num(evidence, "observed"), 40);
  EXPECT_EQ(num(evidence, "truth"), 50);
  EXPECT_DOUBLE_EQ(evidence.at("deviation_pct").as_double(), 20.0);

  // The channel now shows 49 of 50 (2% < 3%): the alert resolves.
  HttpResponse fixed = call(
      "live_operator", "POST", "/v1/channels/live-1/observed-stock",
      json::serialize(json::object{{"sku", kSkuB}, {"qty", 49}, {"at", "2026-12-06T20:05:00Z"}}),
      "application/x-ndjson");
  ASSERT_EQ(fixed.status, 200u) << describe(fixed);
  std::vector<json::object> resolved;
  deadline = std::chrono::steady_clock::now() + 5s;
  while (resolved.empty() && std::chrono::steady_clock::now() < deadline) {
    resolved = drift_alerts("resolved");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(resolved.size(), 1u);
  EXPECT_TRUE(drift_alerts("raised").empty());
}

// §6 bad input: unknown channel or SKU, negative qty, bad `at` — a problem naming the
// field, and nothing stored (the checker never sees a report).
TEST_F(ChannelSyncTest, BadObservedStockIsRefusedNamingTheFieldAndNothingIsStored) {
  auto post = [&](const std::string& channel, const std::string& body) {
    return call("live_operator", "POST", "/v1/channels/" + channel + "/observed-stock", body,
                "application/x-ndjson");
  };
  const std::string good = R"({"sku":")" + kSkuA +
                           R"(","qty":1,"at":"2026-12-06T20:00:00Z"})"
                           "\n";
  EXPECT_TRUE(IsProblem(post("nowhere", good), 404, "channel"));
  EXPECT_TRUE(IsProblem(post("live-1", good + R"({"sku":")" + kSkuUnknown +
                                           R"(","qty":1,"at":"2026-12-06T20:00:00Z"})"),
                        422, "sku"));
  EXPECT_TRUE(IsProblem(
      post("live-1", good + R"({"sku":"12345","qty":1,"at":"2026-12-06T20:00:00Z"})"), 422, "sku"));
  EXPECT_TRUE(IsProblem(
      post("live-1", good + R"({"sku":")" + kSkuA + R"(","qty":-1,"at":"2026-12-06T20:00:00Z"})"),
      422, "qty"));
  for (const char* at : {"yesterday", "2026-13-06T20:00:00Z", "2026-12-06 20:00:00",
                         "2026-12-06T20:00:00", "2999-01-01T00:00:00Z"}) {
    EXPECT_TRUE(
        IsProblem(post("live-1", good + R"({"sku":")" + kSkuA + R"(","qty":1,"at":")" + at + "\"}"),
                  422, "at"))
        << at;
  }
  EXPECT_TRUE(IsProblem(post("live-1", good + R"({"sku":")" + kSkuA + R"(","qty":1})"), 422, "at"));
  EXPECT_TRUE(IsProblem(post("live-1", "\n\n"), 422, "body"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/channels/nowhere/drift"), 404, "channel"));
  std::this_thread::sleep_for(600ms);  // three checks
  HttpResponse drift = call("auditor", "GET", "/v1/channels/live-1/drift");
  ASSERT_EQ(drift.status, 200u) << describe(drift);
  EXPECT_TRUE(parse_object(drift.body).at("skus").as_array().empty()) << drift.body;
  EXPECT_TRUE(parse_object(drift.body).at("checked_at").is_null()) << drift.body;
}

// The checker's settings are validated like every config key.
TEST_F(ChannelSyncTest, CheckerSettingsAreValidated) {
  std::string path = dir_.file("bad.json");
  for (const char* config :
       {R"({"channel_check_interval_ms": 5})", R"({"channel_drift_threshold_pct": -1})",
        R"({"ats_push_interval_ms": 5000})"}) {
    std::ofstream(path) << config;
    RunResult r = cli({"serve", "--db", dir_.file("other.db"), "--config", path});
    EXPECT_NE(r.exit_code, 0) << config;
    std::string key = json::parse(config).as_object().begin()->key();
    EXPECT_NE(r.err.find(key), std::string::npos) << r.err;
  }
}

// §2 bench: a small run of `livechain bench ats-sync` measures and sees every change.
TEST_F(ChannelSyncTest, AtsSyncBenchSmallRunSeesEveryChange) {
  RunResult r =
      cli({"--json", "bench", "ats-sync", "--rate", "1000", "--seconds", "1", "--skus", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object out = parse_object(r.out);
  EXPECT_EQ(num(out, "changes"), 1000);
  EXPECT_EQ(num(out, "ws_missing"), 0) << r.out;
  EXPECT_EQ(num(out, "outbox_missing"), 0) << r.out;
  EXPECT_GT(out.at("ws_lag_ms_p99").to_number<double>(), 0) << r.out;
  EXPECT_LT(out.at("ws_lag_ms_p99").to_number<double>(), 1000) << r.out;
  EXPECT_LT(out.at("outbox_lag_ms_p99").to_number<double>(), 1000) << r.out;
}

}  // namespace
