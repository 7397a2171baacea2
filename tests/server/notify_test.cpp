// tests/server/notify_test.cpp — issue 11 §4 notifications, end to end against the real
// `livechain serve` (docs/alerts.md "Receivers, routing, silences, inhibition"):
//   - e-mail over SMTP to a real mail server (Debian's aiosmtpd, started by the test),
//     retried through the outbox while the mail server is down;
//   - WeCom, DingTalk, Feishu and Slack incoming-webhook bodies (and the DingTalk and
//     Feishu signatures, checked here with OpenSSL) received by a real HTTP receiver;
//   - the routing tree (match, continue, fallback to the parent's receiver);
//   - inhibition (a red alert on a SKU mutes its yellow) and silences through the API,
//     durable across SIGKILL; 422s naming the field; a bad rule config stops the server
//     naming the key;
//   - the receiver-side verification snippets of docs/alerts.md (Node and Python, taken
//     from the document itself) accept a real signed delivery and refuse a tampered one.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sys/socket.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/webhook_receiver.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

const char* kWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

json::object parse_object(const std::string& text) {
  std::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) return {};
  return value.get_object();
}

std::string hmac_base64(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  std::string out(4 * ((length + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(length));
  return out;
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string query_param(const std::string& target, const std::string& name) {
  size_t at = target.find(name + "=");
  if (at == std::string::npos) return "";
  size_t end = target.find('&', at);
  return target.substr(at + name.size() + 1,
                       end == std::string::npos ? std::string::npos : end - at - name.size() - 1);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A code block of docs/alerts.md: the first "```LANG" block after `heading`.
std::string doc_block(const std::string& heading, const std::string& lang) {
  std::string doc = read_file(std::string(LIVECHAIN_SOURCE_DIR) + "/docs/alerts.md");
  size_t at = doc.find(heading);
  if (at == std::string::npos) return "";
  at = doc.find("```" + lang + "\n", at);
  if (at == std::string::npos) return "";
  at += 4 + lang.size();
  return doc.substr(at, doc.find("```", at) - at);
}

class NotifyServer : public ::testing::Test {
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
    for (BackgroundProcess* p : {&server_, &smtp_}) {
      if (p->running()) {
        p->signal(SIGTERM);
        if (!p->wait_for_exit(30s)) p->kill_and_reap();
      }
    }
  }

  void write_config(const std::string& notify) {
    config_ = dir_.file("server.json");
    std::ofstream(config_) << R"({"webhooks": {"allow_private_targets": true,
      "retry_schedule_ms": [200, 300, 400, 500, 500, 500, 500, 500, 500, 500]},
      "notify": )" << notify
                           << "}";
  }

  void start_server() {
    std::vector<std::string> args = {"serve",       "--db",     db_,    "--listen",
                                     "127.0.0.1:0", "--config", config_};
    ++starts_;
    std::string out = dir_.file("serve" + std::to_string(starts_) + ".out");
    err_ = dir_.file("serve" + std::to_string(starts_) + ".err");
    ASSERT_TRUE(server_.start(LIVECHAIN_BINARY, args, out, err_));
    const std::string prefix = "listening on http://127.0.0.1:";
    auto line =
        wait_for_line(out, prefix, 30s, [&] { return !server_.wait_for_exit(0ms).has_value(); });
    ASSERT_TRUE(line.has_value()) << read_file(err_);
    port_ = static_cast<uint16_t>(std::stoi(line->substr(line->find(prefix) + prefix.size())));
  }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    Headers headers{{"Authorization", "Bearer " + key_}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    HttpClient client(port_);
    return client.request(method, target, body, headers);
  }

  json::object raise(const std::string& kind, const std::string& severity, const std::string& sku) {
    std::string body = R"({"kind":")" + kind + R"(","severity":")" + severity +
                       R"(","subject":{"sku":")" + sku + R"(","location":"dc-east"},)" +
                       R"("evidence":{"ratio":1.25}})";
    HttpResponse r = call("POST", "/v1/alerts", body);
    EXPECT_TRUE(r.status == 200 || r.status == 201) << r.status << " " << r.body;
    return parse_object(r.body);
  }

  // Requests to `path` on the receiver, waiting up to `timeout` for `count` of them.
  static std::vector<ReceivedRequest> wait_for(const WebhookReceiver& receiver,
                                               const std::string& path, size_t count,
                                               std::chrono::milliseconds timeout = 15s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::vector<ReceivedRequest> out;
      for (const auto& r : receiver.requests()) {
        if (r.target.substr(0, r.target.find('?')) == path && r.answered_status < 300) {
          out.push_back(r);
        }
      }
      if (out.size() >= count || std::chrono::steady_clock::now() > deadline) return out;
      std::this_thread::sleep_for(50ms);
    }
  }

  std::string metrics() {
    HttpClient client(port_);
    return client.request("GET", "/metrics", "", {}).body;
  }

  TempDir dir_;
  std::string db_, config_, key_, err_;
  BackgroundProcess server_, smtp_;
  uint16_t port_ = 0;
  int starts_ = 0;
};

std::string chat_config(uint16_t port) {
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  return R"({"receivers": [
      {"name": "ops-slack", "type": "slack", "url": ")" +
         base + R"(/slack"},
      {"name": "ops-wecom", "type": "wecom", "url": ")" +
         base + R"(/wecom"},
      {"name": "wh-dingtalk", "type": "dingtalk", "url": ")" +
         base + R"(/dingtalk?access_token=t0k", "secret": "SECdingtalk"},
      {"name": "plan-feishu", "type": "feishu", "url": ")" +
         base + R"(/feishu", "secret": "feishu-secret"},
      {"name": "erp", "type": "webhook", "url": ")" +
         base + R"(/erp", "secret": ")" + kWebhookSecret + R"("}],
    "route": {"receiver": "ops-slack", "routes": [
      {"match": {"severity": "red"}, "receiver": "ops-wecom", "continue": true},
      {"match": {"kind": "warehouse_anomaly"}, "receiver": "wh-dingtalk"},
      {"match": {"severity": ["orange", "red"]}, "receiver": "plan-feishu", "routes": [
        {"match": {"kind": "sales_over_forecast"}, "receiver": "erp"}]}]}})";
}

TEST_F(NotifyServer, ChatFormatsFollowTheRoutingTree) {
  WebhookReceiver receiver;
  write_config(chat_config(receiver.port()));
  start_server();
  // red sales_over_forecast: wecom (continue) then the orange/red branch, whose child
  // (sales_over_forecast) is the erp webhook; not slack (a child matched).
  json::object red = raise("sales_over_forecast", "red", "06901234567892");
  // yellow warehouse_anomaly: dingtalk only. yellow surge on another SKU: slack (no
  // child matched, the root's receiver). orange turnover: feishu (its child misses).
  raise("warehouse_anomaly", "yellow", "06901234567908");
  raise("add_to_cart_surge", "yellow", "06901234567915");
  raise("turnover_below_benchmark", "orange", "06901234567922");

  auto wecom = wait_for(receiver, "/wecom", 1);
  ASSERT_EQ(wecom.size(), 1u);
  json::object w = parse_object(wecom[0].body);
  EXPECT_EQ(w.at("msgtype"), "markdown");
  std::string content(w.at("markdown").at("content").as_string());
  EXPECT_NE(content.find("sales_over_forecast"), std::string::npos) << content;
  EXPECT_NE(content.find("06901234567892"), std::string::npos) << content;
  EXPECT_NE(content.find("[RED]"), std::string::npos) << content;
  EXPECT_NE(content.find("\"ratio\":1.25"), std::string::npos) << content;

  auto ding = wait_for(receiver, "/dingtalk", 1);
  ASSERT_EQ(ding.size(), 1u);
  json::object d = parse_object(ding[0].body);
  EXPECT_EQ(d.at("msgtype"), "markdown");
  EXPECT_NE(std::string(d.at("markdown").at("title").as_string()).find("warehouse_anomaly"),
            std::string::npos);
  EXPECT_NE(std::string(d.at("markdown").at("text").as_string()).find("06901234567908"),
            std::string::npos);
  // DingTalk's signed URL: timestamp (ms) and sign = base64 HMAC-SHA256(secret, ts\nsecret).
  EXPECT_EQ(query_param(ding[0].target, "access_token"), "t0k");
  std::string ts = query_param(ding[0].target, "timestamp");
  ASSERT_FALSE(ts.empty()) << ding[0].target;
  EXPECT_EQ(url_decode(query_param(ding[0].target, "sign")),
            hmac_base64("SECdingtalk", ts + "\nSECdingtalk"));

  auto slack = wait_for(receiver, "/slack", 1);
  ASSERT_EQ(slack.size(), 1u);
  json::object s = parse_object(slack[0].body);
  EXPECT_NE(std::string(s.at("text").as_string()).find("add_to_cart_surge"), std::string::npos);
  EXPECT_EQ(s.at("blocks").at(0).at("type"), "section");

  auto feishu = wait_for(receiver, "/feishu", 1);
  ASSERT_EQ(feishu.size(), 1u);
  json::object f = parse_object(feishu[0].body);
  EXPECT_EQ(f.at("msg_type"), "text");
  EXPECT_NE(std::string(f.at("content").at("text").as_string()).find("turnover_below_benchmark"),
            std::string::npos);
  // Feishu's sign: base64 HMAC-SHA256 keyed by "timestamp\nsecret" over nothing.
  std::string fts(f.at("timestamp").as_string());
  EXPECT_EQ(f.at("sign"), json::value(hmac_base64(fts + "\nfeishu-secret", "")));

  auto erp = wait_for(receiver, "/erp", 1);
  ASSERT_EQ(erp.size(), 1u);
  EXPECT_EQ(parse_object(erp[0].body).at("data").at("id"), red.at("id"));
  EXPECT_TRUE(erp[0].headers.contains("webhook-signature"));

  std::this_thread::sleep_for(1200ms);  // nothing else arrives; open alerts sampled (1 s)
  EXPECT_EQ(wait_for(receiver, "/wecom", 2, 0ms).size(), 1u);
  EXPECT_EQ(wait_for(receiver, "/slack", 2, 0ms).size(), 1u);
  EXPECT_EQ(wait_for(receiver, "/erp", 2, 0ms).size(), 1u);
  std::string text = metrics();
  EXPECT_NE(text.find("livechain_notification_attempts_total{receiver_type=\"wecom\",outcome="
                      "\"delivered\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("livechain_alerts_open{kind=\"sales_over_forecast\",severity=\"red\"}"),
            std::string::npos);
}

TEST_F(NotifyServer, InhibitionAndSilencesMuteAndSilencesAreDurable) {
  WebhookReceiver receiver;
  write_config(chat_config(receiver.port()));
  start_server();
  // Default inhibition: a red alert on a SKU mutes that SKU's yellow ones.
  raise("sales_over_forecast", "red", "06901234567892");
  raise("add_to_cart_surge", "yellow", "06901234567892");  // inhibited: no slack message
  raise("add_to_cart_surge", "yellow", "06901234567939");  // another SKU: slack
  auto slack = wait_for(receiver, "/slack", 1);
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_NE(slack[0].body.find("06901234567939"), std::string::npos);

  // A silence on a SKU for an hour, through the API.
  int64_t in_an_hour_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() +
                          3'600'000;
  HttpResponse created = call("POST", "/v1/silences",
                              R"({"matchers": [
      {"name": "sku", "value": "06901234567946"}, {"name": "severity", "value": "red",
       "is_equal": false}], "ends_at": )" +
                                  std::to_string(in_an_hour_ms) + R"(, "comment": "stock count"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  json::object silence = parse_object(created.body);
  EXPECT_EQ(silence.at("state"), "active");
  EXPECT_EQ(silence.at("matchers").at(1).at("is_equal"), false);
  std::string id = std::to_string(silence.at("id").as_int64());

  // Bad silences name the field.
  for (auto [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"ends_at": "2099-01-01T00:00:00Z"})", "matchers"},
           {R"({"matchers": [{"name": "sku", "value": "x"}]})", "ends_at"},
           {R"({"matchers": [{"name": "sku", "value": "x"}], "ends_at": "2000-01-01T00:00:00Z"})",
            "ends_at"},
           {R"({"matchers": [{"name": "sku", "value": "x"}], "starts_at": "2099-02-01T00:00:00Z",
               "ends_at": "2099-01-01T00:00:00Z"})",
            "ends_at"},
           {R"({"matchers": [{"name": "bad name", "value": "x"}], "ends_at": 4102444800000})",
            "matchers[0].name"},
           {R"({"matchers": [{"name": "sku"}], "ends_at": 4102444800000})", "matchers[0].value"},
           {R"({"matchers": [{"name": "sku", "value": "x"}], "ends_at": "tomorrow"})",
            "ends_at"}}) {
    HttpResponse bad = call("POST", "/v1/silences", body);
    EXPECT_EQ(bad.status, 422u) << body << " → " << bad.body;
    EXPECT_EQ(parse_object(bad.body)["field"], field.c_str()) << bad.body;
  }
  EXPECT_EQ(call("DELETE", "/v1/silences/999").status, 404u);

  // Durable: SIGKILL, restart, the silence is listed and still mutes.
  server_.signal(SIGKILL);
  server_.wait_for_exit(10s);
  start_server();
  HttpResponse listed = call("GET", "/v1/silences");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(parse_object(listed.body).at("silences").as_array().size(), 1u) << listed.body;
  raise("add_to_cart_surge", "yellow", "06901234567946");  // silenced
  raise("warehouse_anomaly", "yellow", "06901234567946");  // silenced (dingtalk)
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(wait_for(receiver, "/slack", 2, 0ms).size(), 1u);
  EXPECT_EQ(wait_for(receiver, "/dingtalk", 1, 0ms).size(), 0u);
  std::string text = metrics();
  EXPECT_NE(text.find("livechain_notifications_muted_total{reason=\"silenced\"} 2"),
            std::string::npos)
      << text;

  // Deleted: the next alert of that SKU is heard.
  EXPECT_EQ(call("DELETE", "/v1/silences/" + id).status, 204u);
  EXPECT_EQ(parse_object(call("GET", "/v1/silences").body).at("silences").as_array().size(), 0u);
  raise("stockout_risk", "yellow", "06901234567946");
  auto after = wait_for(receiver, "/slack", 2);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(after[1].body.find("stockout_risk"), std::string::npos);
}

TEST_F(NotifyServer, EmailArrivesOverSmtpAfterTheMailServerComesBack) {
  uint16_t smtp_port = free_port();
  write_config(R"({"smtp": {"url": "smtp://127.0.0.1:)" + std::to_string(smtp_port) +
               R"(", "from": "livechain@example.com"},
      "roles": {"planner": ["plan@example.com", "lead@example.com"],
                "warehouse": ["wh@example.com"]},
      "receivers": [{"name": "planners", "type": "email", "roles": ["planner"]},
                    {"name": "warehouse", "type": "email", "roles": ["warehouse"]}],
      "route": {"receiver": "planners", "routes": [
        {"match": {"location": "dc-east", "kind": "warehouse_anomaly"}, "receiver": "warehouse"}]}})");
  start_server();
  // The mail server is down: the attempt fails and is retried from the outbox.
  json::object alert = raise("sales_over_forecast", "orange", "06901234567892");
  std::this_thread::sleep_for(1s);
  EXPECT_NE(metrics().find("livechain_notification_attempts_total{receiver_type=\"email\","
                           "outcome=\"failed\"}"),
            std::string::npos);
  std::string maildir = dir_.file("mail");
  ASSERT_TRUE(smtp_.start("/usr/bin/python3",
                          {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port),
                           "-c", "aiosmtpd.handlers.Mailbox", maildir},
                          dir_.file("smtp.out"), dir_.file("smtp.err")));
  raise("warehouse_anomaly", "red", "06901234567908");
  std::vector<std::string> mails;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (mails.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    mails.clear();
    if (!fs::exists(maildir + "/new")) continue;
    for (const auto& entry : fs::directory_iterator(maildir + "/new")) {
      mails.push_back(read_file(entry.path()));
    }
  }
  ASSERT_EQ(mails.size(), 2u) << read_file(dir_.file("smtp.err")) << read_file(err_);
  std::sort(mails.begin(), mails.end(), [](const auto& a, const auto& b) {
    return a.find("sales_over_forecast") != std::string::npos &&
           b.find("sales_over_forecast") == std::string::npos;
  });
  const std::string& planners = mails[0];
  EXPECT_NE(planners.find("To: plan@example.com, lead@example.com"), std::string::npos) << planners;
  EXPECT_NE(planners.find("From: livechain@example.com"), std::string::npos);
  EXPECT_NE(planners.find("X-Livechain-Alert: " + std::to_string(alert.at("id").as_int64())),
            std::string::npos);
  EXPECT_NE(planners.find("kind: sales_over_forecast"), std::string::npos) << planners;
  EXPECT_NE(planners.find("severity: orange"), std::string::npos);
  EXPECT_NE(planners.find("06901234567892"), std::string::npos);
  EXPECT_NE(planners.find("\"ratio\":1.25"), std::string::npos);
  const std::string& warehouse = mails[1];
  EXPECT_NE(warehouse.find("To: wh@example.com"), std::string::npos) << warehouse;
  EXPECT_NE(warehouse.find("kind: warehouse_anomaly"), std::string::npos);
}

TEST_F(NotifyServer, BadRuleConfigStopsTheServerNamingTheKey) {
  for (auto [notify, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"receivers": [{"name": "a", "type": "slack", "url": "http://x/"}],
               "route": {"receiver": "a", "routes": [{"receiver": "nobody"}]}})",
            "notify.route.routes[0].receiver"},
           {R"({"receivers": [{"name": "a", "type": "pager", "url": "http://x/"}]})",
            "notify.receivers[0].type"},
           {R"({"receivers": [{"name": "m", "type": "email", "roles": ["planner"]}]})",
            "notify.receivers[0].roles[0]"},
           {R"({"inhibit_rules": [{"source_match": {"severity": "purple"},
               "target_match": {"severity": "yellow"}}]})",
            "notify.inhibit_rules[0].source_match.severity"},
           {R"({"receivers": [{"name": "w", "type": "webhook", "url": "http://x/"}]})",
            "notify.receivers[0].secret"}}) {
    write_config(notify);
    RunResult run = run_program(
        LIVECHAIN_BINARY, {"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", config_},
        dir_.path());
    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.err.find(field), std::string::npos) << field << ": " << run.err;
  }
}

// Alerts raised while the chat receiver answers 500 and while the server is SIGKILLed
// all arrive once it recovers, and the docs' Node and Python verification snippets
// accept the signed webhook deliveries (and refuse a tampered body).
TEST_F(NotifyServer, EveryAlertArrivesAfterFailuresAndKillAndDocSnippetsVerify) {
  WebhookReceiver receiver;
  receiver.set_status(500);
  write_config(chat_config(receiver.port()));
  start_server();
  std::vector<std::string> skus;
  for (int i = 0; i < 4; ++i) {
    std::string sku = "0690123456" + std::to_string(7000 + i);
    skus.push_back(sku);
    raise("sales_over_forecast", "orange", sku);  // the erp webhook (feishu's child)
  }
  std::this_thread::sleep_for(700ms);  // some attempts failed with 500
  server_.signal(SIGKILL);
  server_.wait_for_exit(10s);
  start_server();
  for (int i = 4; i < 6; ++i) {
    std::string sku = "0690123456" + std::to_string(7000 + i);
    skus.push_back(sku);
    raise("sales_over_forecast", "orange", sku);
  }
  std::this_thread::sleep_for(500ms);
  receiver.set_status(200);
  auto erp = wait_for(receiver, "/erp", skus.size(), 30s);
  ASSERT_EQ(erp.size(), skus.size());
  std::map<std::string, std::string> id_by_message;
  for (const auto& r : receiver.requests()) {
    if (!r.target.starts_with("/erp")) continue;
    std::string sku =
        std::string(parse_object(r.body).at("data").at("subject").at("sku").as_string());
    auto [it, first] = id_by_message.emplace(sku, r.headers.at("webhook-id"));
    EXPECT_EQ(it->second, r.headers.at("webhook-id")) << "a retry changed the webhook-id";
  }
  for (const std::string& sku : skus) {
    EXPECT_EQ(std::count_if(erp.begin(), erp.end(),
                            [&](const auto& r) { return r.body.find(sku) != std::string::npos; }),
              1);
  }
  bool failed_before = false;
  for (const auto& r : receiver.requests()) failed_before |= r.answered_status == 500;
  EXPECT_TRUE(failed_before);

  std::string node = doc_block("### Verifying a signature", "js");
  std::string python = doc_block("### Verifying a signature", "python");
  ASSERT_FALSE(node.empty());
  ASSERT_FALSE(python.empty());
  for (const auto& delivery : erp) {
    std::ofstream(dir_.file("body.bin"), std::ios::binary) << delivery.body;
    std::ofstream(dir_.file("tampered.bin"), std::ios::binary) << delivery.body << " ";
    json::object headers{{"webhook-id", delivery.headers.at("webhook-id")},
                         {"webhook-timestamp", delivery.headers.at("webhook-timestamp")},
                         {"webhook-signature", delivery.headers.at("webhook-signature")}};
    std::ofstream(dir_.file("headers.json")) << json::serialize(headers);
    std::ofstream(dir_.file("verify.js")) << node << R"(
const fs = require("fs");
const headers = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const ok = verify(")" << kWebhookSecret << R"(", headers, fs.readFileSync(process.argv[3]));
process.stdout.write(ok ? "valid" : "invalid");
)";
    std::ofstream(dir_.file("verify.py")) << python << R"(
import json, sys
headers = json.load(open(sys.argv[1]))
ok = verify(")" << kWebhookSecret << R"(", headers, open(sys.argv[2], "rb").read())
sys.stdout.write("valid" if ok else "invalid")
)";
    std::string h = dir_.file("headers.json");
    for (auto [body, expected] : {std::pair{dir_.file("body.bin"), "valid"},
                                  std::pair{dir_.file("tampered.bin"), "invalid"}}) {
      RunResult js = run_program("/usr/bin/node", {dir_.file("verify.js"), h, body}, dir_.path());
      EXPECT_EQ(js.out, expected) << js.err;
      RunResult py =
          run_program("/usr/bin/python3", {dir_.file("verify.py"), h, body}, dir_.path());
      EXPECT_EQ(py.out, expected) << py.err;
    }
  }
}

}  // namespace

namespace {
// The outbox bound (webhooks.outbox_pending_max, here its minimum 10): while the
// receiver fails, undelivered deliveries stop at the bound (the alerts wait in the
// journal, every API call still answered), outbox_near_bound is raised at 80%, and
// once the receiver recovers every alert arrives, the held-back ones too.
TEST_F(NotifyServer, OutboxBoundHoldsBackAndRaisesNearBoundAlert) {
  WebhookReceiver receiver;
  receiver.set_status(500);
  config_ = dir_.file("server.json");
  std::string base = "http://127.0.0.1:" + std::to_string(receiver.port());
  std::ofstream(config_) << R"({"webhooks": {"allow_private_targets": true,
      "outbox_pending_max": 10, "retry_schedule_ms": [300, 300, 300, 300, 300, 300, 300, 300,
      300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300, 300]},
    "notify": {"receivers": [{"name": "ops", "type": "slack", "url": ")"
                         << base << R"(/slack"}], "route": {"receiver": "ops"}}})";
  start_server();
  std::vector<std::string> skus;
  for (int i = 0; i < 14; ++i) {
    skus.push_back("0690123456" + std::to_string(8000 + i));
    raise("add_to_cart_surge", "yellow", skus.back());
  }
  std::this_thread::sleep_for(2500ms);  // the feed ran, the tick sampled the backlog
  std::string text = metrics();
  EXPECT_NE(text.find("livechain_outbox_pending 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("livechain_outbox_pending_max 10\n"), std::string::npos);
  HttpResponse near = call("GET", "/v1/alerts?kind=outbox_near_bound");
  ASSERT_EQ(near.status, 200u);
  json::array found = parse_object(near.body).at("alerts").as_array();
  ASSERT_EQ(found.size(), 1u) << near.body;
  EXPECT_EQ(found[0].at("severity"), "orange");
  EXPECT_EQ(found[0].at("evidence").at("bound"), 10);

  receiver.set_status(200);
  // Count by SKU: outbox_near_bound's own notifications (raised, resolved) go to the same
  // receiver, so "14 deliveries" can arrive before the 14th SKU does.
  auto every_sku_in = [&](const std::vector<ReceivedRequest>& arrived) {
    return std::all_of(skus.begin(), skus.end(), [&](const std::string& sku) {
      return std::any_of(arrived.begin(), arrived.end(),
                         [&](const auto& r) { return r.body.find(sku) != std::string::npos; });
    });
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  std::vector<ReceivedRequest> arrived = wait_for(receiver, "/slack", skus.size(), 30s);
  while (!every_sku_in(arrived) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    arrived = wait_for(receiver, "/slack", skus.size(), 0s);
  }
  for (const std::string& sku : skus) {
    EXPECT_TRUE(std::any_of(arrived.begin(), arrived.end(), [&](const auto& r) {
      return r.body.find(sku) != std::string::npos;
    })) << sku;
  }
}
}  // namespace
