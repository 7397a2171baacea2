// tests/server/hostile_test.cpp — requests a hostile client sends, each pinned by a
// test against a real `livechain serve` (issue 20: eleven findings of an adversarial
// probe). Every test first shows the attack, then that the honest clients beside it
// are served and that acknowledged stock is intact.
#include <sys/socket.h>

#include "journal/merkle.hpp"
#include "server_fixture.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

// A request head with a body promised but (mostly) not sent.
std::string stalled_head(const std::string& method, const std::string& target,
                         const std::string& key, const std::string& content_type,
                         size_t content_length, const std::string& first_bytes) {
  std::string head = method + " " + target + " HTTP/1.1\r\nHost: x\r\n";
  if (!key.empty()) head += "Authorization: Bearer " + key + "\r\n";
  return head + "Content-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n" + first_bytes;
}

// The value of the Prometheus sample `name{labels}` in `text`, or -1.
double metric_value(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series, at)) != std::string::npos) {
    bool line_start = at == 0 || text[at - 1] == '\n';
    size_t value_at = at + series.size();
    if (line_start && value_at < text.size() && text[value_at] == ' ') {
      return std::stod(text.substr(value_at + 1, text.find('\n', value_at) - value_at - 1));
    }
    at = value_at;
  }
  return -1;
}

// The sum of livechain_http_requests_total samples with status="<status>".
double requests_with_status(const std::string& metrics, unsigned status) {
  double total = 0;
  std::string label = "status=\"" + std::to_string(status) + "\"";
  size_t at = 0;
  while ((at = metrics.find("livechain_http_requests_total{", at)) != std::string::npos) {
    size_t end = metrics.find('\n', at);
    std::string line = metrics.substr(at, end - at);
    if (line.find(label) != std::string::npos) total += std::stod(line.substr(line.rfind(' ') + 1));
    at = end;
  }
  return total;
}

// The seeded server with its defaults; a name of its own so these cases read apart
// from server_api_test's in CTest.
class HostileTest : public ServerApiTest {};

// ---------------------------------------------------------------- 1. bulk slots

class HostileBulkTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"http": {"bulk_requests_max": 4, "bulk_requests_per_key_max": 2,
                         "body_timeout_ms": 5000}})";
  }
};

TEST_F(HostileBulkTest, KeylessClientsGetNoBodyReadAndHoldNoBulkSlot) {
  // More keyless stalled uploads than there are bulk slots, on routes with and without
  // a body: each is answered from its head alone, at once.
  std::vector<std::unique_ptr<HttpClient>> attackers;
  for (int i = 0; i < 8; ++i) {
    auto client = std::make_unique<HttpClient>(port_);
    bool events = i % 2 == 0;
    ASSERT_TRUE(
        client->send_raw(stalled_head("POST", events ? "/v1/events" : "/healthz", "",
                                      events ? "application/x-ndjson" : "text/csv", 1000, "{")));
    HttpResponse r = client->read_response();
    EXPECT_TRUE(IsProblem(r, events ? 401u : 405u)) << i;
    EXPECT_FALSE(r.keep_alive) << "an unread body must end the connection";
    attackers.push_back(std::move(client));
  }
  // 15 MiB promised without a key: refused before one body byte is read.
  HttpClient big(port_);
  ASSERT_TRUE(
      big.send_raw(stalled_head("POST", "/v1/events", "", "application/x-ndjson", 15u << 20, "")));
  EXPECT_TRUE(IsProblem(big.read_response(), 401));
  // The server reads and drops what still arrives for a moment (so the client is not
  // reset before it reads the answer), keeps none of it, and then closes.
  EXPECT_TRUE(big.send_raw(std::string(64 << 10, 'x')));
  auto lingering = std::chrono::steady_clock::now();
  EXPECT_TRUE(big.wait_for_close(5s)) << "a refused upload must not keep its connection";
  EXPECT_LT(std::chrono::steady_clock::now() - lingering, 4s);

  // The live operator's signals and the admin's import go through.
  std::string line = json::serialize(json::object{
      {"type", "viewers"}, {"session", "s-1"}, {"at_ms", 1'700'000'000'000}, {"viewers", 10}});
  HttpResponse signals =
      call("live_operator", "POST", "/v1/events", line + "\n", "application/x-ndjson");
  EXPECT_EQ(signals.status, 200u) << describe(signals);
  HttpResponse import =
      call("admin", "POST", "/v1/import/skus", "sku,name\n" + kSkuA + ",Alpha\n", "text/csv");
  EXPECT_EQ(import.status, 200u) << describe(import);
  expect_alive_and_intact();
}

TEST_F(HostileBulkTest, OneKeyCannotHoldEveryBulkSlot) {
  std::vector<std::unique_ptr<HttpClient>> uploads;
  for (int i = 0; i < 2; ++i) {
    auto client = std::make_unique<HttpClient>(port_);
    ASSERT_TRUE(client->send_raw(stalled_head("POST", "/v1/import/skus", keys_["admin"].key,
                                              "text/csv", 1000, "sku,name\n")));
    uploads.push_back(std::move(client));
  }
  std::this_thread::sleep_for(200ms);  // both heads are read and hold their slots
  HttpClient third(port_);
  ASSERT_TRUE(third.send_raw(
      stalled_head("POST", "/v1/import/skus", keys_["admin"].key, "text/csv", 1000, "sku,name\n")));
  HttpResponse refused = third.read_response();
  EXPECT_TRUE(IsProblem(refused, 429)) << describe(refused);
  // Another key still has its share.
  std::string line = json::serialize(json::object{
      {"type", "viewers"}, {"session", "s-1"}, {"at_ms", 1'700'000'000'000}, {"viewers", 10}});
  HttpResponse signals =
      call("live_operator", "POST", "/v1/events", line + "\n", "application/x-ndjson");
  EXPECT_EQ(signals.status, 200u) << describe(signals);
  // When an upload ends, its slot returns to the key.
  uploads.clear();
  std::this_thread::sleep_for(200ms);
  HttpResponse again =
      call("admin", "POST", "/v1/import/skus", "sku,name\n" + kSkuA + ",Alpha\n", "text/csv");
  EXPECT_EQ(again.status, 200u) << describe(again);
}

class HostileAddressTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"http": {"connections_per_address_max": 4}})";
  }
  bool seed() const override { return false; }
};

TEST_F(HostileAddressTest, ConnectionsPerAddressAreCapped) {
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<HttpClient>(port_));
    ASSERT_EQ(held.back()->request("GET", "/healthz").status, 200u);
  }
  HttpClient fifth(port_);
  HttpResponse refused = fifth.request("GET", "/healthz");
  EXPECT_TRUE(IsProblem(refused, 503)) << describe(refused);
  held.pop_back();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(call("", "GET", "/healthz").status, 200u);
}

// ---------------------------------------------------------------- 2. slow bodies

class HostileSlowBodyTest : public ServerApiTest {
 protected:
  std::string config_json() const override { return R"({"http": {"body_timeout_ms": 300}})"; }
};

TEST_F(HostileSlowBodyTest, EverySlowBodyGets408ProblemAndIsCounted) {
  const std::string key = keys_["admin"].key;
  std::vector<std::string> stalls = {
      stalled_head("POST", "/v1/reservations", key, "application/json", 100, "{\"order_id\":"),
      stalled_head("POST", "/v1/reservations", key, "application/json", 100, ""),
      "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
          "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ord",
  };
  for (const std::string& stall : stalls) {
    HttpClient slow(port_);
    ASSERT_TRUE(slow.send_raw(stall));
    auto started = std::chrono::steady_clock::now();
    HttpResponse r = slow.read_response();
    EXPECT_TRUE(IsProblem(r, 408)) << describe(r) << "\nfor: " << stall.substr(0, 120);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
    EXPECT_FALSE(r.keep_alive);
  }
  std::string metrics = call("", "GET", "/metrics").body;
  EXPECT_GE(requests_with_status(metrics, 408), 3.0) << metrics.substr(0, 2000);
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- 3. idempotency scope

TEST_F(HostileTest, IdempotencyKeysAreScopedPerApiKey) {
  std::string body = reserve_body("o-scope", {{kSkuA, 1, "dc-east"}});
  HttpResponse first = reserve(body, "live_operator", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201u) << describe(first);
  int64_t first_id = num(parse_object(first.body), "reservation_id");
  // Another API key sending the same key gets its own reservation, not the operator's.
  HttpResponse other = reserve(body, "admin", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(other.status, 201u) << describe(other);
  json::object other_body = parse_object(other.body);
  EXPECT_NE(num(other_body, "reservation_id"), first_id);
  EXPECT_FALSE(other_body.contains("idempotent_replay")) << other.body;
  EXPECT_FALSE(other.has_header("Idempotent-Replayed"));
  // The operator's own retry is still a replay.
  HttpResponse retry = reserve(body, "live_operator", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(retry.status, 201u) << describe(retry);
  EXPECT_EQ(num(parse_object(retry.body), "reservation_id"), first_id);
  EXPECT_EQ(retry.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(balance(kSkuA, "dc-east").reserved, 2);

  // Keys inside a batch are scoped the same way.
  json::object item = parse_object(reserve_body("o-scope-batch", {{kSkuA, 1, "dc-east"}}));
  item["idempotency_key"] = "k-batch";
  std::string batch = json::serialize(json::object{{"reservations", json::array{item}}});
  auto batch_id = [&](const std::string& role) {
    HttpResponse r = call(role, "POST", "/v1/reservations/batch", batch);
    EXPECT_EQ(r.status, 200u) << describe(r);
    json::object result = parse_object(r.body)["results"].as_array().at(0).as_object();
    return num(result.at("reservation").as_object(), "reservation_id");
  };
  int64_t operator_batch = batch_id("live_operator");
  EXPECT_NE(batch_id("admin"), operator_batch);
  EXPECT_EQ(batch_id("live_operator"), operator_batch);

  // The client's key is limited before scoping, and the header is named.
  EXPECT_TRUE(IsProblem(reserve(body, "admin", {{"Idempotency-Key", std::string(129, 'k')}}), 422,
                        "Idempotency-Key"));
}

// ---------------------------------------------------------------- 4. ledger redaction

TEST_F(HostileTest, LedgerEventsSayNoMoreThanTheRoutesToEachRole) {
  HttpResponse created = reserve(reserve_body("o-secret", {{kSkuA, 2, "dc-east"}}), "live_operator",
                                 {{"Idempotency-Key", "secret-key"}});
  ASSERT_EQ(created.status, 201u) << describe(created);
  int64_t reservation_id = num(parse_object(created.body), "reservation_id");
  json::object head = parse_object(call("auditor", "GET", "/v1/ledger/head").body);
  uint64_t tree_size = static_cast<uint64_t>(num(head, "tree_size"));
  ASSERT_GT(tree_size, 0u);
  std::string target = "/v1/ledger/events/" + std::to_string(tree_size - 1);

  // The supplier may not read reservations, so the event shows only the id...
  ASSERT_EQ(call("supplier", "GET", "/v1/reservations/" + std::to_string(reservation_id)).status,
            403u);
  HttpResponse supplier = call("supplier", "GET", target);
  ASSERT_EQ(supplier.status, 200u) << describe(supplier);
  json::object redacted = parse_object(supplier.body);
  EXPECT_EQ(str(redacted, "kind"), "reserved");
  EXPECT_EQ(supplier.body.find("o-secret"), std::string::npos) << supplier.body;
  EXPECT_EQ(supplier.body.find("live-1"), std::string::npos) << supplier.body;
  EXPECT_EQ(supplier.body.find(g14(kSkuA)), std::string::npos) << supplier.body;
  EXPECT_FALSE(redacted.contains("event")) << "raw bytes would hold every field";
  std::set<std::string> names;
  for (const json::value& field : redacted["fields"].as_array()) {
    names.insert(str(field.as_object(), "name"));
  }
  EXPECT_EQ(names, (std::set<std::string>{"reservation_id"}));
  std::set<std::string> hidden;
  for (const json::value& name : redacted["redacted"].as_array()) {
    hidden.insert(std::string(name.as_string()));
  }
  EXPECT_TRUE(hidden.contains("order_id") && hidden.contains("channel") && hidden.contains("sku") &&
              hidden.contains("location") && hidden.contains("qty"))
      << supplier.body;
  // ... and its leaf hash still verifies against the signed head.
  std::string leaf = str(redacted, "leaf_hash");
  HttpResponse proof = call("supplier", "GET",
                            "/v1/ledger/proof/inclusion?seq=" + std::to_string(tree_size - 1) +
                                "&size=" + std::to_string(tree_size));
  ASSERT_EQ(proof.status, 200u) << describe(proof);
  json::object proof_body = parse_object(proof.body);
  EXPECT_EQ(str(proof_body, "leaf_hash"), leaf);
  auto hash = [](const std::string& hex) {
    livechain::journal::Hash out{};
    auto bytes = livechain::from_hex(hex);
    EXPECT_TRUE(bytes.has_value() && bytes->size() == out.size()) << hex;
    if (bytes && bytes->size() == out.size()) std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  };
  std::vector<livechain::journal::Hash> path;
  for (const json::value& item : proof_body["proof"].as_array()) {
    path.push_back(hash(std::string(item.as_string())));
  }
  EXPECT_TRUE(livechain::journal::verify_inclusion(tree_size - 1, tree_size, hash(leaf), path,
                                                   hash(str(head, "root"))));

  // An auditor may read reservations: every field but the idempotency key.
  json::object auditor = parse_object(call("auditor", "GET", target).body);
  EXPECT_NE(json::serialize(auditor).find("o-secret"), std::string::npos);
  EXPECT_EQ(json::serialize(auditor).find("secret-key"), std::string::npos);
  EXPECT_FALSE(auditor.contains("event"));
  // Admin sees the event whole, raw bytes included.
  json::object whole = parse_object(call("admin", "GET", target).body);
  EXPECT_TRUE(whole.contains("event"));
  EXPECT_FALSE(whole.contains("redacted"));
  EXPECT_NE(json::serialize(whole).find("secret-key"), std::string::npos) << json::serialize(whole);
  // Receipts are internal stock data every role reads: nothing redacted for the supplier.
  json::object receipt = parse_object(call("supplier", "GET", "/v1/ledger/events/0").body);
  EXPECT_FALSE(receipt.contains("redacted")) << json::serialize(receipt);
}

// ---------------------------------------------------------------- 5. fixed attributes

TEST_F(HostileTest, LocationAndChannelAttributesAreFixedOnceCreated) {
  EXPECT_TRUE(IsProblem(
      admin("PUT", "/v1/locations/dc-east", R"({"kind":"store","region":"east"})"), 409, "kind"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/locations/dc-east", R"({"kind":"dc","region":"west"})"),
                        409, "region"));
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/channels/live-1", R"({"kind":"offline_store"})"), 409, "kind"));
  // The same attributes again are fine (a retried create).
  EXPECT_EQ(admin("PUT", "/v1/locations/dc-east", R"({"kind":"dc","region":"east"})").status, 200u);
  EXPECT_EQ(admin("PUT", "/v1/channels/live-1", R"({"kind":"live_room"})").status, 200u);
  // Nearest-location routing still sees dc-east in the east.
  json::object created = reserve_ok("o-fixed", {{kSkuC, 1}}, "east");
  EXPECT_EQ(str(created.at("lines").as_array().at(0).as_object(), "location"), "dc-east");
}

// ---------------------------------------------------------------- 6. duplicate keys

TEST_F(HostileTest, DuplicateJsonKeysAreRefusedNamingTheKey) {
  HttpResponse order = reserve(R"({"order_id":"D2","order_id":"D3","channel":"live-1",
      "lines":[{"sku":")" + kSkuA +
                               R"(","qty":1,"location":"dc-east"}]})");
  EXPECT_TRUE(IsProblem(order, 400, "order_id")) << describe(order);
  EXPECT_NE(order.body.find("duplicate"), std::string::npos);
  HttpResponse qty = reserve(R"({"order_id":"D4","channel":"live-1",
      "lines":[{"sku":")" + kSkuA +
                             R"(","qty":1,"qty":5000,"location":"dc-east"}]})");
  EXPECT_TRUE(IsProblem(qty, 400, "qty")) << describe(qty);
  // A large object with one duplicate far apart is caught too.
  std::string many = "{";
  for (int i = 0; i < 2000; ++i) many += "\"k" + std::to_string(i) + "\":1,";
  many += "\"k7\":2}";
  EXPECT_TRUE(IsProblem(reserve(many), 400, "k7"));
  EXPECT_EQ(admin("GET", "/v1/reservations/1").status, 404u) << "nothing was reserved";
  // NDJSON lines are parsed the same way: the line is refused on its own.
  std::string duplicate_line =
      R"({"type":"viewers","session":"s","at_ms":1,"viewers":1,"viewers":2})";
  HttpResponse signals =
      call("live_operator", "POST", "/v1/events", duplicate_line + "\n", "application/x-ndjson");
  ASSERT_EQ(signals.status, 200u) << describe(signals);
  EXPECT_EQ(num(parse_object(signals.body), "rejected"), 1) << signals.body;
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- 7. HTTP conformance

TEST_F(HostileTest, HttpConformance) {
  // HTTP/1.1 without Host.
  HttpClient no_host(port_);
  ASSERT_TRUE(no_host.send_raw("GET /healthz HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(IsProblem(no_host.read_response(), 400, "Host"));

  // Absolute-form target: served like its path.
  HttpResponse origin = call("auditor", "GET", "/v1/stock/" + kSkuA);
  HttpResponse absolute =
      call("auditor", "GET", "http://127.0.0.1:" + std::to_string(port_) + "/v1/stock/" + kSkuA);
  EXPECT_EQ(absolute.status, 200u) << describe(absolute);
  EXPECT_EQ(absolute.body, origin.body);

  // A transfer coding other than chunked.
  HttpClient gzip(port_);
  ASSERT_TRUE(gzip.send_raw("POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                            keys_["admin"].key +
                            "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, "
                            "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
  EXPECT_TRUE(IsProblem(gzip.read_response(), 501, "Transfer-Encoding"));

  // HEAD: GET's headers, no body.
  HttpResponse get = call("", "GET", "/healthz");
  HttpClient head(port_);
  ASSERT_TRUE(head.send_raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string raw;
  EXPECT_TRUE(head.wait_for_close(3s, &raw));
  EXPECT_TRUE(raw.starts_with("HTTP/1.1 200")) << raw;
  EXPECT_NE(raw.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n"),
            std::string::npos)
      << raw;
  EXPECT_TRUE(raw.ends_with("\r\n\r\n")) << "a HEAD answer carries no body: " << raw;

  // An unknown method is named as sent.
  HttpResponse brew = call("", "BREW", "/healthz");
  EXPECT_TRUE(IsProblem(brew, 405));
  EXPECT_NE(brew.body.find("BREW is not allowed"), std::string::npos) << brew.body;
  EXPECT_EQ(brew.header("Allow"), "GET, HEAD");
  // No library banner anywhere.
  EXPECT_EQ(get.header("Server"), "livechain");
}

// ---------------------------------------------------------------- 8. WebSocket handshakes

TEST_F(HostileTest, WebSocketHandshakeErrorsAreProblemJsonWithoutBanner) {
  const std::string key = keys_["auditor"].key;
  HttpClient no_key(port_);
  ASSERT_TRUE(
      no_key.send_raw("GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Authorization: Bearer " +
                      key + "\r\n\r\n"));
  HttpResponse missing = no_key.read_response();
  EXPECT_TRUE(IsProblem(missing, 400, "Sec-WebSocket-Key")) << describe(missing);
  EXPECT_EQ(missing.header("Server"), "livechain");

  HttpClient old_version(port_);
  ASSERT_TRUE(old_version.send_raw(
      "GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"));
  EXPECT_TRUE(IsProblem(old_version.read_response(), 426, "Sec-WebSocket-Version"));

  WebSocketClient bad_token(port_);
  EXPECT_FALSE(bad_token.connect("/v1/stream?access_token=%zz"));
  EXPECT_EQ(bad_token.handshake_status(), 400u) << bad_token.handshake_body();
  EXPECT_NE(bad_token.handshake_body().find("\"status\":400"), std::string::npos);

  WebSocketClient good(port_);
  ASSERT_TRUE(good.connect("/v1/stream", {{"Authorization", "Bearer " + key}})) << good.error();
  EXPECT_EQ(good.handshake_header("Server"), "livechain");
}

// ---------------------------------------------------------------- 9. WebSocket limits

class HostileWebSocketLimitTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"http": {"websocket_connections_max": 3, "connections_max": 5}})";
  }
  bool seed() const override { return false; }
};

TEST_F(HostileWebSocketLimitTest, WebSocketsAreCountedAndCapped) {
  const Headers auth = {{"Authorization", "Bearer " + keys_["auditor"].key}};
  std::vector<std::unique_ptr<WebSocketClient>> sockets;
  for (int i = 0; i < 3; ++i) {
    sockets.push_back(std::make_unique<WebSocketClient>(port_));
    ASSERT_TRUE(sockets.back()->connect("/v1/stream", auth)) << sockets.back()->error();
  }
  std::string metrics = call("", "GET", "/metrics").body;
  EXPECT_GE(metric_value(metrics, "livechain_http_connections"), 3.0) << metrics.substr(0, 3000);
  WebSocketClient fourth(port_);
  EXPECT_FALSE(fourth.connect("/v1/stream", auth));
  EXPECT_EQ(fourth.handshake_status(), 503u) << fourth.handshake_body();
  // Upgraded connections count against connections_max too: 3 WebSockets + 2 HTTP.
  std::this_thread::sleep_for(300ms);  // the server notices the closed /metrics connection
  HttpClient one(port_);
  HttpClient two(port_);
  ASSERT_EQ(one.request("GET", "/healthz").status, 200u);
  ASSERT_EQ(two.request("GET", "/healthz").status, 200u);
  HttpClient sixth(port_);
  EXPECT_TRUE(IsProblem(sixth.request("GET", "/healthz"), 503));
  // Closing a WebSocket gives its place back.
  sockets.pop_back();
  one.close();
  std::this_thread::sleep_for(300ms);
  WebSocketClient again(port_);
  EXPECT_TRUE(again.connect("/v1/stream", auth)) << again.error();
}

// ---------------------------------------------------------------- 10. subscriptions

class HostileSubscribeTest : public ServerApiTest {
 protected:
  std::string config_json() const override { return R"({"stream_subscriptions_max": 3})"; }
};

TEST_F(HostileSubscribeTest, RefusedSubscribeChangesNothing) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}));
  auto next_of_type = [&](const std::string& type) -> json::object {
    for (int i = 0; i < 50; ++i) {
      auto message = ws.read(3s);
      if (!message) break;
      json::object object = parse_object(*message);
      if (str(object, "type") == type) return object;
    }
    return {};
  };
  ASSERT_TRUE(ws.send(json::serialize(json::object{{"subscribe", {{"skus", {kSkuA}}}}})));
  EXPECT_FALSE(next_of_type("subscribed").empty());
  EXPECT_FALSE(next_of_type("stock").empty()) << "the current rows of A";
  ASSERT_TRUE(ws.send(json::serialize(
      json::object{{"subscribe", {{"skus", {kSkuA, kSkuB, kSkuC}}, {"locations", {"dc-east"}}}}})));
  json::object error = next_of_type("error");
  EXPECT_NE(str(error, "detail").find("nothing was changed"), std::string::npos)
      << json::serialize(error);
  // A is still subscribed: a receipt of A is pushed.
  receive(kSkuA, "dc-east", 3);
  json::object pushed = next_of_type("stock");
  EXPECT_EQ(str(pushed, "sku"), g14(kSkuA)) << json::serialize(pushed);
  EXPECT_EQ(num(pushed, "on_hand"), 103);
}

// Issue 15 §2: a failed subscribe must leave the earlier subscriptions intact, whatever
// made it fail (a bad SKU beside good ones, a wrong type, the limit counting channels).
// After each refusal an empty subscribe echoes the subscriptions: still exactly A.
TEST_F(HostileSubscribeTest, EveryRefusedSubscribeKeepsTheEarlierSubscriptions) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}));
  auto next_of_type = [&](const std::string& type) -> json::object {
    for (int i = 0; i < 50; ++i) {
      auto message = ws.read(3s);
      if (!message) break;
      json::object object = parse_object(*message);
      if (str(object, "type") == type) return object;
    }
    return {};
  };
  auto subscribed_skus = [&]() -> std::string {
    EXPECT_TRUE(ws.send(R"({"subscribe": {}})"));
    json::object echo = next_of_type("subscribed");
    return json::serialize(echo["skus"]) + json::serialize(echo["locations"]) +
           json::serialize(echo["channels"]);
  };
  ASSERT_TRUE(ws.send(json::serialize(json::object{{"subscribe", {{"skus", {kSkuA}}}}})));
  ASSERT_FALSE(next_of_type("subscribed").empty());
  const std::string only_a = "[\"" + g14(kSkuA) + "\"][][]";
  ASSERT_EQ(subscribed_skus(), only_a);
  const std::vector<std::string> refused = {
      // a bad GTIN after a good one, which is A itself
      json::serialize(json::object{{"subscribe", {{"skus", {kSkuA, kSkuB, "123"}}}}}),
      // a location that is not a string
      R"({"subscribe": {"skus": [")" + std::string(kSkuB) + R"("], "locations": ["dc-east", 7]}})",
      // channels that are not an array
      json::serialize(json::object{{"subscribe", {{"skus", {kSkuA}}, {"channels", "live-1"}}}}),
      // over the limit of 3, channels included
      json::serialize(json::object{
          {"subscribe", {{"skus", {kSkuA, kSkuB}}, {"channels", {"live-1", "live-2"}}}}}),
  };
  for (const std::string& message : refused) {
    SCOPED_TRACE(message);
    ASSERT_TRUE(ws.send(message));
    EXPECT_FALSE(next_of_type("error").empty());
    EXPECT_EQ(subscribed_skus(), only_a);
  }
}

// ---------------------------------------------------------------- 11. empty batch

TEST_F(HostileTest, EmptyBatchIs422NamingTheField) {
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/batch", R"({"reservations":[]})"), 422,
                        "reservations"));
}

}  // namespace
