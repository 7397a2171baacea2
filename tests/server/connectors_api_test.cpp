// Live-platform connectors (issue 19 §3, docs/connectors.md) against the real server.
// A mock platform (mock_platform.py, Debian's python3, standard library only) builds
// real-shaped Douyin, Kuaishou and Taobao order pushes, signs them as each platform
// does and POSTs them: created → paid → cancelled flows, replays, a bad signature, a
// missing field, an unknown SKU — each failure a 4xx naming the field, nothing recorded.
#include "server_fixture.hpp"

namespace {

constexpr const char* kPlatformNames[] = {"douyin", "kuaishou", "taobao"};

class ConnectorsApiTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    json::object platforms;
    for (const char* platform : kPlatformNames) {
      platforms[platform] = json::object{{"app_key", std::string(platform) + "-app"},
                                         {"app_secret", std::string(platform) + "-secret"}};
    }
    platforms["sku_map"] = json::object{{"DY-ALPHA", kSkuA}};
    platforms["region_map"] = json::object{{"浙江省", "east"}};
    return json::serialize(json::object{{"connectors", platforms}});
  }

  void SetUp() override {
    ServerApiTest::SetUp();
    for (const char* platform : kPlatformNames) {
      expect_2xx(admin("PUT", std::string("/v1/channels/") + platform, R"({"kind":"live_room"})"),
                 "channel");
    }
  }

  struct PushResult {
    unsigned status = 0;
    std::string body;
  };
  // One push through the mock platform; `extra` adds its flags.
  PushResult push(const std::string& platform, const std::string& order_id,
                  const std::string& status, const std::vector<std::string>& items,
                  const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {LIVECHAIN_MOCK_PLATFORM,
                                     "--port",
                                     std::to_string(port_),
                                     "--platform",
                                     platform,
                                     "--app-key",
                                     platform + "-app",
                                     "--secret",
                                     platform + "-secret",
                                     "--order-id",
                                     order_id,
                                     "--status",
                                     status};
    for (const std::string& item : items) {
      args.push_back("--item");
      args.push_back(item);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult run = run_program("/usr/bin/python3", args, dir_.path());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    json::object out = parse_object(run.out);
    return PushResult{static_cast<unsigned>(num(out, "status")), str(out, "body")};
  }

  uint64_t tree_size() {
    HttpResponse r = admin("GET", "/v1/ledger/head");
    return static_cast<uint64_t>(num(parse_object(r.body), "tree_size"));
  }

  // The problem of a failed push: status and field.
  ::testing::AssertionResult IsPushProblem(const PushResult& r, unsigned status,
                                           const std::string& field) {
    HttpResponse as_http;
    as_http.status = r.status;
    as_http.body = r.body;
    as_http.headers.emplace_back("Content-Type", "application/problem+json");
    return IsProblem(as_http, status, field);
  }

  // The platform's code for SKU A: Douyin through connectors.sku_map, the others send
  // the GTIN itself as the outer SKU id.
  static std::string code_a(const std::string& platform) {
    return platform == "douyin" ? "DY-ALPHA" : kSkuA;
  }
  static std::string order_id_for(const std::string& platform, int n) {
    return std::to_string(4'781'320'682'406'083'000LL + n * 10 +
                          (platform == "douyin"     ? 1
                           : platform == "kuaishou" ? 2
                                                    : 3));
  }
};

TEST_F(ConnectorsApiTest, CreatedPaidCancelledFlowsForEachPlatformAreIdempotent) {
  for (const std::string platform : kPlatformNames) {
    SCOPED_TRACE(platform);
    Balance before = balance(kSkuA, "dc-east");
    std::string paid_order = order_id_for(platform, 1);
    PushResult created = push(platform, paid_order, "created", {code_a(platform) + ":2"});
    ASSERT_EQ(created.status, 200u) << created.body;
    json::object answer = parse_object(created.body);
    json::object item = answer["orders"].as_array().at(0).as_object();
    EXPECT_EQ(str(item, "status"), "created");
    EXPECT_EQ(str(item["reservation"].as_object(), "order_id"), platform + ":" + paid_order);
    EXPECT_EQ(str(item["reservation"].as_object(), "channel"), platform);
    // 浙江省 maps to region east: the reservation holds stock at dc-east.
    Balance held = balance(kSkuA, "dc-east");
    EXPECT_EQ(held.reserved, before.reserved + 2);

    uint64_t size = tree_size();
    PushResult replay = push(platform, paid_order, "created", {code_a(platform) + ":2"});
    ASSERT_EQ(replay.status, 200u) << replay.body;
    EXPECT_NE(replay.body.find("idempotent_replay"), std::string::npos) << replay.body;
    EXPECT_EQ(balance(kSkuA, "dc-east"), held);

    PushResult paid = push(platform, paid_order, "paid", {});
    ASSERT_EQ(paid.status, 200u) << paid.body;
    Balance sold = balance(kSkuA, "dc-east");
    EXPECT_EQ(sold.on_hand, before.on_hand - 2);
    EXPECT_EQ(sold.reserved, before.reserved);
    size = tree_size();
    PushResult paid_again = push(platform, paid_order, "paid", {});
    EXPECT_EQ(paid_again.status, 200u) << paid_again.body;
    EXPECT_EQ(balance(kSkuA, "dc-east"), sold);
    EXPECT_EQ(tree_size(), size) << "a replayed paid push recorded something";

    std::string cancelled_order = order_id_for(platform, 2);
    ASSERT_EQ(push(platform, cancelled_order, "created", {code_a(platform) + ":3"}).status, 200u);
    EXPECT_EQ(balance(kSkuA, "dc-east").reserved, sold.reserved + 3);
    PushResult cancelled = push(platform, cancelled_order, "cancelled", {});
    ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
    EXPECT_EQ(balance(kSkuA, "dc-east"), sold);
    size = tree_size();
    EXPECT_EQ(push(platform, cancelled_order, "cancelled", {}).status, 200u);
    EXPECT_EQ(tree_size(), size) << "a replayed cancel recorded something";

    // A cancel of an order never reserved: nothing to release, nothing recorded.
    PushResult unknown_cancel = push(platform, order_id_for(platform, 3), "cancelled", {});
    EXPECT_EQ(unknown_cancel.status, 200u) << unknown_cancel.body;
    EXPECT_EQ(tree_size(), size);
  }
}

TEST_F(ConnectorsApiTest, APaidPushSeenBeforeItsCreationReservesAndCommits) {
  Balance before = balance(kSkuB, "dc-west");
  PushResult paid = push("taobao", "900001", "paid", {kSkuB + ":4"});
  ASSERT_EQ(paid.status, 200u) << paid.body;
  EXPECT_EQ(balance(kSkuB, "dc-west").on_hand, before.on_hand - 4);
  EXPECT_EQ(balance(kSkuB, "dc-west").reserved, before.reserved);
  // Paid with no items and no reservation: nothing to commit.
  uint64_t size = tree_size();
  EXPECT_TRUE(IsPushProblem(push("taobao", "900002", "paid", {}), 409, "order_id"));
  EXPECT_EQ(tree_size(), size);
}

TEST_F(ConnectorsApiTest, SignatureSchemesVerifyEachDigestAndRefuseForgeries) {
  for (const auto& [platform, method] :
       std::vector<std::pair<std::string, std::string>>{{"douyin", "md5"},
                                                        {"douyin", "hmac-sha256"},
                                                        {"kuaishou", "MD5"},
                                                        {"kuaishou", "HMAC_SHA256"},
                                                        {"taobao", "md5"},
                                                        {"taobao", "hmac"},
                                                        {"taobao", "hmac-sha256"}}) {
    SCOPED_TRACE(platform + " " + method);
    PushResult ok = push(platform, order_id_for(platform, 70 + static_cast<int>(method.size())),
                         "created", {code_a(platform) + ":1"}, {"--sign-method", method});
    EXPECT_EQ(ok.status, 200u) << ok.body;
  }
  uint64_t size = tree_size();
  Balance before = balance(kSkuA, "dc-east");
  for (const std::string platform : kPlatformNames) {
    SCOPED_TRACE(platform);
    PushResult forged = push(platform, order_id_for(platform, 8), "created",
                             {code_a(platform) + ":1"}, {"--bad-signature"});
    EXPECT_TRUE(IsPushProblem(forged, 401, platform == "douyin" ? "event-sign" : "sign"));
    PushResult other_app = push(platform, order_id_for(platform, 8), "created",
                                {code_a(platform) + ":1"}, {"--app-key", "someone-else"});
    EXPECT_EQ(other_app.status, 401u) << other_app.body;
  }
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(balance(kSkuA, "dc-east"), before);
}

TEST_F(ConnectorsApiTest, MissingFieldsAndUnknownSkusAre422NamingTheFieldAndRecordNothing) {
  uint64_t size = tree_size();
  Balance before = balance(kSkuA, "dc-east");
  struct Case {
    std::string platform, drop, field;
  };
  for (const Case& c : std::vector<Case>{
           {"douyin", "p_id", "[0].data.p_id"},
           {"douyin", "sku_order_list.0.item_num", "[0].data.sku_order_list[0].item_num"},
           {"douyin", "sku_order_list", "[0].data.sku_order_list"},
           {"kuaishou", "oid", "info.oid"},
           {"kuaishou", "orderItems.0.skuNick", "info.orderItems[0].skuNick"},
           {"taobao", "tid", "content.tid"},
           {"taobao", "orders.0.num", "content.orders[0].num"}}) {
    SCOPED_TRACE(c.platform + " without " + c.drop);
    PushResult r = push(c.platform, order_id_for(c.platform, 9), "created",
                        {code_a(c.platform) + ":1"}, {"--drop", c.drop});
    EXPECT_TRUE(IsPushProblem(r, 422, c.field));
  }
  // A code neither mapped nor a GTIN, and a GTIN the catalog does not hold.
  EXPECT_TRUE(IsPushProblem(push("douyin", "55501", "created", {"NO-SUCH-CODE:1"}), 422,
                            "[0].data.sku_order_list[0].out_sku_id"));
  PushResult unknown_gtin = push("taobao", "55502", "created", {kSkuUnknown + ":1"});
  EXPECT_EQ(unknown_gtin.status, 422u) << unknown_gtin.body;
  EXPECT_TRUE(IsPushProblem(push("kuaishou", "55503", "created", {kSkuA + ":0"}), 422,
                            "info.orderItems[0].num"));
  EXPECT_EQ(tree_size(), size);
  EXPECT_EQ(balance(kSkuA, "dc-east"), before);
}

TEST_F(ConnectorsApiTest, OtherMessagesAreIgnoredAndBuyerContactsAreNeverKept) {
  uint64_t size = tree_size();
  PushResult address_change = push("douyin", "66601", "created", {"DY-ALPHA:1"}, {"--tag", "105"});
  ASSERT_EQ(address_change.status, 200u) << address_change.body;
  EXPECT_EQ(num(parse_object(address_change.body), "ignored"), 1);
  EXPECT_EQ(tree_size(), size);

  for (const std::string platform : kPlatformNames) {
    ASSERT_EQ(
        push(platform, order_id_for(platform, 5), "created", {code_a(platform) + ":1"}).status,
        200u);
  }
  HttpResponse events = admin("GET", "/v1/export/events?format=ndjson");
  ASSERT_EQ(events.status, 200u);
  for (const char* personal : {"13800000000", "文三路", "张三", "浙江省", "杭州市"}) {
    EXPECT_EQ(events.body.find(personal), std::string::npos) << personal << " was journaled";
  }
  EXPECT_TRUE(IsProblem(call("", "POST", "/v1/connectors/jd/orders", "{}"), 404, "platform"));
}

// Douyin batches messages: a created and its paid in one push apply in order; more than
// kMessagesPerPushMax (50) is 422 (limit_exceeded) naming the body, and nothing is recorded.
TEST_F(ConnectorsApiTest, ADouyinPushOfSeveralMessagesAppliesThemInOrderUpToTheLimit) {
  Balance before = balance(kSkuA, "dc-east");
  PushResult both = push("douyin", "77701", "created", {"DY-ALPHA:5"}, {"--then", "paid"});
  ASSERT_EQ(both.status, 200u) << both.body;
  json::array orders = parse_object(both.body)["orders"].as_array();
  ASSERT_EQ(orders.size(), 2u) << both.body;
  EXPECT_EQ(str(orders[0].as_object(), "status"), "created");
  EXPECT_EQ(str(orders[1].as_object(), "status"), "paid");
  EXPECT_EQ(str(orders[1].as_object(), "message"), "[1]");
  Balance after = balance(kSkuA, "dc-east");
  EXPECT_EQ(after.on_hand, before.on_hand - 5);
  EXPECT_EQ(after.reserved, before.reserved);

  uint64_t size = tree_size();
  EXPECT_TRUE(IsPushProblem(
      push("douyin", "77702", "created", {"DY-ALPHA:1"}, {"--messages", "51"}), 422, "body"));
  EXPECT_EQ(push("douyin", "77703", "created", {"DY-ALPHA:1"}, {"--messages", "50"}).status, 200u);
  EXPECT_GT(tree_size(), size);
}

}  // namespace
