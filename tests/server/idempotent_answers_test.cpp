// tests/server/idempotent_answers_test.cpp — Idempotency-Key on the write routes whose
// answer is computed outside the engine (issue 10 §3, docs/channels.md "Idempotency
// keys on every write"): lanes, shipments, scans, session outcomes and plans, turnover
// reviews, warehouse reports, live signals, observed stock, webhooks, alerts. Against
// the real `livechain serve`: the same key and body give the first answer again, even
// after kill -9, and nothing is applied twice; another body is 422 naming the key; a
// webhook's secret comes back on a retry but is never journaled.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <iterator>

#include "server_fixture.hpp"

namespace {

constexpr int64_t kT0 = 1'800'000'000'000;

class IdempotentAnswersTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"alerts": {"lane_scans_min": 1000},
               "webhooks": {"allow_private_targets": true}})";
  }

  HttpResponse keyed(const std::string& method, const std::string& target, const std::string& body,
                     const std::string& key, const std::string& content_type = "application/json") {
    return call("admin", method, target, body, content_type, {{"Idempotency-Key", key}});
  }
  static bool replayed(const HttpResponse& r) { return r.header("Idempotent-Replayed") == "true"; }
  // The journal's bytes (SQLite file and its write-ahead log: after kill -9 the newest
  // pages are only in the log).
  std::string journal_bytes() const {
    std::string bytes;
    for (const std::string& path : {db_, db_ + "-wal"}) {
      std::ifstream in(path, std::ios::binary);
      bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return bytes;
  }
  int64_t scans_in_window(const std::string& lane) {
    HttpResponse r = admin("GET", "/v1/lanes/" + lane);
    EXPECT_EQ(r.status, 200u) << describe(r);
    return parse_object(r.body).at("scans_in_window").as_int64();
  }
  std::string scan_body(int64_t at_ms) {
    return R"({"status":"delivered","at_ms":)" + std::to_string(at_ms) + "}";
  }
  void make_lane_with_shipments(int count) {
    expect_2xx(admin("PUT", "/v1/lanes/sh-bj", R"({"carriers":["sf","jd"]})"), "lane");
    for (int i = 0; i < count; ++i) {
      expect_2xx(admin("POST", "/v1/shipments",
                       R"({"id":"p)" + std::to_string(i) + R"(","lane":"sh-bj","promised_at_ms":)" +
                           std::to_string(kT0 + 100'000) + "}"),
                 "shipment");
    }
  }
};

struct Write {
  std::string method, path, body, key, content_type = "application/json";
};

// Every rule-state and side-store write, keyed, then retried after kill -9.
TEST_F(IdempotentAnswersTest, EveryWriteReplaysItsFirstAnswerAfterKillDashNine) {
  ASSERT_NO_FATAL_FAILURE(make_lane_with_shipments(3));
  const std::string events = R"({"type":"order","session":"s-1","sku":")" + kSkuA +
                             R"(","qty":2,"at_ms":)" + std::to_string(kT0) + "}\n";
  const std::string observed = R"({"sku":")" + kSkuA +
                               R"(","qty":40,"at":"2026-12-01T00:00:00Z"})"
                               "\n";
  const std::vector<Write> writes = {
      {"PUT", "/v1/lanes/bj-sh", R"({"carriers":["yto","sf"]})", "k-lane"},
      {"POST", "/v1/shipments", R"({"id":"n1","lane":"sh-bj"})", "k-ship"},
      {"POST", "/v1/shipments/p0/scans", scan_body(kT0 + 1'000), "k-scan"},
      {"PUT", "/v1/sessions/s-1/plans/" + kSkuA, R"({"forecast_units":100})", "k-plan"},
      {"POST", "/v1/sessions/s-0/outcomes/" + kSkuA, R"({"actual_units":50,"forecast_units":40})",
       "k-outcome"},
      {"POST", "/v1/turnover-reviews", "{}", "k-turnover"},
      {"POST", "/v1/warehouse-reports",
       R"({"warehouse":"dc-east","picked":100,"picking_errors":1,"at_ms":)" + std::to_string(kT0) +
           "}",
       "k-warehouse"},
      {"POST", "/v1/events", events, "k-events", "application/x-ndjson"},
      {"POST", "/v1/channels/live-1/observed-stock", observed, "k-observed",
       "application/x-ndjson"},
  };
  std::vector<HttpResponse> first;
  for (const Write& w : writes) {
    first.push_back(keyed(w.method, w.path, w.body, w.key, w.content_type));
    ASSERT_GE(first.back().status, 200u) << w.path << ": " << describe(first.back());
    ASSERT_LT(first.back().status, 300u) << w.path << ": " << describe(first.back());
    EXPECT_FALSE(replayed(first.back())) << w.path;
  }
  // Alerts are engine commands: their key works like a receipt's.
  const std::string alert_body =
      R"({"kind":"manual","severity":"yellow","subject":{"sku":")" + kSkuA + R"("}})";
  HttpResponse alert = keyed("POST", "/v1/alerts", alert_body, "k-alert");
  ASSERT_EQ(alert.status, 201u) << describe(alert);
  std::string alert_id = std::to_string(parse_object(alert.body).at("id").as_int64());
  HttpResponse ack =
      keyed("POST", "/v1/alerts/" + alert_id + "/ack", R"({"note":"on it"})", "k-ack");
  ASSERT_EQ(ack.status, 200u) << describe(ack);
  // Each retry before the crash already replays.
  HttpResponse again = keyed("POST", "/v1/shipments/p0/scans", scan_body(kT0 + 1'000), "k-scan");
  EXPECT_TRUE(replayed(again)) << describe(again);
  EXPECT_EQ(scans_in_window("sh-bj"), 1);

  server_.kill_and_reap();  // no shutdown, no snapshot: the journal alone carries the keys
  ASSERT_NO_FATAL_FAILURE(start_server());
  for (size_t i = 0; i < writes.size(); ++i) {
    const Write& w = writes[i];
    HttpResponse retry = keyed(w.method, w.path, w.body, w.key, w.content_type);
    EXPECT_EQ(retry.status, first[i].status) << w.path << ": " << describe(retry);
    EXPECT_EQ(json::parse(retry.body), json::parse(first[i].body)) << w.path;
    EXPECT_TRUE(replayed(retry)) << w.path;
  }
  HttpResponse alert_again = keyed("POST", "/v1/alerts", alert_body, "k-alert");
  EXPECT_EQ(alert_again.status, 201u) << describe(alert_again);
  EXPECT_EQ(json::parse(alert_again.body), json::parse(alert.body));
  HttpResponse ack_again =
      keyed("POST", "/v1/alerts/" + alert_id + "/ack", R"({"note":"on it"})", "k-ack");
  EXPECT_EQ(json::parse(ack_again.body), json::parse(ack.body));
  // Applied once: one scan in the lane's window, one shipment n1, one alert.
  EXPECT_EQ(scans_in_window("sh-bj"), 1);
  HttpResponse alerts = admin("GET", "/v1/alerts?kind=manual");
  EXPECT_EQ(parse_object(alerts.body).at("alerts").as_array().size(), 1u) << alerts.body;
  // The same shipment id without the key is a plain repeat (200), not a second one.
  HttpResponse repeat = admin("POST", "/v1/shipments", R"({"id":"n1","lane":"sh-bj"})");
  EXPECT_EQ(repeat.status, 200u) << describe(repeat);
}

TEST_F(IdempotentAnswersTest, SameKeyAnotherBodyIs422NamingTheKeyAndAppliesNothing) {
  ASSERT_NO_FATAL_FAILURE(make_lane_with_shipments(2));
  ASSERT_EQ(keyed("POST", "/v1/shipments/p0/scans", scan_body(kT0 + 1'000), "k1").status, 200u);
  HttpResponse other = keyed("POST", "/v1/shipments/p1/scans", scan_body(kT0 + 1'000), "k1");
  EXPECT_TRUE(IsProblem(other, 422, "Idempotency-Key"));
  other = keyed("POST", "/v1/shipments/p0/scans", scan_body(kT0 + 2'000), "k1");
  EXPECT_EQ(other.status, 422u) << describe(other);
  // A key first used for a receipt cannot then record a scan.
  ASSERT_LT(keyed("POST", "/v1/receipts",
                  R"({"sku":")" + kSkuA + R"(","location":"dc-east","qty":1})", "k2")
                .status,
            300u);
  other = keyed("POST", "/v1/shipments/p1/scans", scan_body(kT0 + 1'000), "k2");
  EXPECT_EQ(other.status, 422u) << describe(other);
  EXPECT_EQ(field_of(other), "Idempotency-Key");
  EXPECT_EQ(scans_in_window("sh-bj"), 1);
}

// Only successes are remembered: a refused request retried with its key is evaluated
// again, and succeeds once its cause is fixed.
TEST_F(IdempotentAnswersTest, RefusedRequestIsEvaluatedAgain) {
  HttpResponse refused = keyed("POST", "/v1/shipments/nope/scans", scan_body(kT0), "k-404");
  EXPECT_EQ(refused.status, 404u) << describe(refused);
  ASSERT_NO_FATAL_FAILURE(make_lane_with_shipments(1));
  // Another path, so another request: the key was never taken.
  HttpResponse ok = keyed("POST", "/v1/shipments/p0/scans", scan_body(kT0), "k-404");
  EXPECT_EQ(ok.status, 200u) << describe(ok);
  EXPECT_EQ(scans_in_window("sh-bj"), 1);
}

// Concurrent retries of one keyed scan: each is answered (2xx, or 409 while the first
// still runs) and the scan counts once.
TEST_F(IdempotentAnswersTest, ConcurrentRetriesApplyOnce) {
  ASSERT_NO_FATAL_FAILURE(make_lane_with_shipments(1));
  std::vector<std::future<HttpResponse>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      return keyed("POST", "/v1/shipments/p0/scans", scan_body(kT0 + 5), "k-race");
    }));
  }
  int ok = 0;
  for (auto& answer : answers) {
    HttpResponse r = answer.get();
    if (r.status == 409u) {
      EXPECT_EQ(parse_object(r.body).at("type"),
                "https://livechain.dev/problems/request_in_progress");
      EXPECT_EQ(field_of(r), "Idempotency-Key");
    } else {
      EXPECT_EQ(r.status, 200u) << describe(r);
      ++ok;
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_EQ(scans_in_window("sh-bj"), 1);
}

// A retried webhook creation gets the same endpoint and its secret, which the journal
// never holds (it is kept in the outbox only).
TEST_F(IdempotentAnswersTest, WebhookRetryGetsItsSecretWhichIsNeverJournaled) {
  const std::string body = R"({"url":"http://127.0.0.1:9/hook","event_types":["alert.*"]})";
  HttpResponse created = keyed("POST", "/v1/webhooks", body, "k-hook");
  ASSERT_EQ(created.status, 201u) << describe(created);
  std::string secret = str(parse_object(created.body), "secret");
  std::string id = str(parse_object(created.body), "id");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
  server_.kill_and_reap();
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse again = keyed("POST", "/v1/webhooks", body, "k-hook");
  EXPECT_EQ(again.status, 201u) << describe(again);
  EXPECT_TRUE(replayed(again));
  EXPECT_EQ(json::parse(again.body), json::parse(created.body));
  HttpResponse list = admin("GET", "/v1/webhooks");
  EXPECT_EQ(parse_object(list.body).at("webhooks").as_array().size(), 1u) << list.body;
  std::string bytes = journal_bytes();
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(secret.substr(6)), std::string::npos) << "the secret is in the journal";
  EXPECT_NE(bytes.find(id), std::string::npos) << "the kept answer should name the endpoint";
  // Deleted since: the retry says so instead of answering without a secret.
  ASSERT_EQ(admin("DELETE", "/v1/webhooks/" + id).status, 204u);
  HttpResponse gone = keyed("POST", "/v1/webhooks", body, "k-hook");
  EXPECT_EQ(gone.status, 404u) << describe(gone);
  EXPECT_EQ(field_of(gone), "Idempotency-Key");
}

}  // namespace
