// tests/server/server_api_test.cpp — integration tests of `livechain serve`.
//
// Every test starts the real binary (LIVECHAIN_BINARY) on 127.0.0.1 port 0 against a
// fresh database made with `livechain init`, with one API key per role made with
// `livechain apikey create`, talks to it over real sockets (support/http_client.hpp)
// and stops it with SIGTERM, expecting exit status 0. Fixtures with a config file
// test the configurable limits. A server is always stopped by PID in TearDown, and
// killed by the BackgroundProcess destructor if it did not stop.
//
// What is checked is behaviour a client sees: statuses, RFC 9457 problem bodies
// (type, title, status, detail, field) with Content-Type application/problem+json,
// headers (Location, Allow, Retry-After, WWW-Authenticate, Idempotent-Replayed), and
// that after bad input the server still answers and acknowledged stock is intact.
#include "server_fixture.hpp"

namespace {

using namespace livechain::test_support;
using namespace std::chrono_literals;
namespace json = boost::json;

// ---------------------------------------------------------------- reservations

TEST_F(ServerApiTest, ReserveGetCommitLifecycle) {
  HttpResponse created = reserve(reserve_body("order-1", {{kSkuA, 3}}, "east"));
  ASSERT_EQ(created.status, 201u) << describe(created);
  EXPECT_EQ(created.media_type(), "application/json");
  json::object body = parse_object(created.body);
  int64_t id = num(body, "reservation_id");
  ASSERT_GT(id, 0) << created.body;
  EXPECT_EQ(created.header("Location"), "/v1/reservations/" + std::to_string(id));
  EXPECT_EQ(str(body, "status"), "pending");
  EXPECT_FALSE(str(body, "expires_at").empty()) << created.body;
  ASSERT_EQ(body["lines"].as_array().size(), 1u);
  const json::object& line = body["lines"].as_array()[0].as_object();
  EXPECT_EQ(str(line, "sku"), g14(kSkuA));
  EXPECT_EQ(num(line, "qty"), 3);
  // No location was asked for: the engine chose one that sells to buyers and has stock;
  // the buyer is in "east", so the nearest is dc-east.
  EXPECT_EQ(str(line, "location"), "dc-east") << created.body;
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 3, 97}));

  HttpResponse got = admin("GET", created.header("Location"));
  ASSERT_EQ(got.status, 200u) << describe(got);
  json::object view = parse_object(got.body);
  EXPECT_EQ(num(view, "reservation_id"), id);
  EXPECT_EQ(str(view, "status"), "pending");
  EXPECT_EQ(str(view, "order_id"), "order-1");
  ASSERT_EQ(view["lines"].as_array().size(), 1u);
  EXPECT_EQ(str(view["lines"].as_array()[0].as_object(), "location"), "dc-east");

  HttpResponse committed = admin("POST", "/v1/reservations/" + std::to_string(id) + "/commit");
  ASSERT_EQ(committed.status, 200u) << describe(committed);
  EXPECT_EQ(str(parse_object(committed.body), "status"), "committed") << committed.body;
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{97, 0, 97}));
  EXPECT_EQ(
      str(parse_object(admin("GET", "/v1/reservations/" + std::to_string(id)).body), "status"),
      "committed");

  // A committed reservation cannot be committed or released again.
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + std::to_string(id) + "/commit"), 409));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + std::to_string(id) + "/release"), 409));
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{97, 0, 97}));
}

TEST_F(ServerApiTest, PartialCommitReleasesTheRest) {
  json::object body = reserve_ok("order-pc", {{kSkuB, 10, "dc-west"}});
  std::string id = std::to_string(num(body, "reservation_id"));
  HttpResponse committed =
      admin("POST", "/v1/reservations/" + id + "/commit",
            json::serialize(
                json::object{{"lines", json::array{json::object{{"sku", kSkuB}, {"qty", 4}}}}}));
  ASSERT_EQ(committed.status, 200u) << describe(committed);
  EXPECT_EQ(balance(kSkuB, "dc-west"), (Balance{46, 0, 46}));
}

TEST_F(ServerApiTest, ReleaseAndExtend) {
  json::object body = reserve_ok("order-2", {{kSkuA, 5, "dc-west"}});
  std::string id = std::to_string(num(body, "reservation_id"));
  int64_t expires = num(body, "expires_at_ms");
  EXPECT_EQ(balance(kSkuA, "dc-west"), (Balance{40, 5, 35}));

  HttpResponse extended =
      admin("POST", "/v1/reservations/" + id + "/extend", R"({"ttl_ms": 3600000})");
  ASSERT_EQ(extended.status, 200u) << describe(extended);
  json::object extended_body = parse_object(extended.body);
  EXPECT_EQ(str(extended_body, "status"), "pending");
  EXPECT_GT(num(extended_body, "expires_at_ms"), expires) << extended.body;
  // extend needs ttl_ms, in range.
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/extend", "{}"), 422, "ttl_ms"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/extend", R"({"ttl_ms": 5})"),
                        422, "ttl_ms"));

  HttpResponse released = admin("POST", "/v1/reservations/" + id + "/release");
  ASSERT_EQ(released.status, 200u) << describe(released);
  EXPECT_EQ(str(parse_object(released.body), "status"), "released") << released.body;
  EXPECT_EQ(balance(kSkuA, "dc-west"), (Balance{40, 0, 40}));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/release"), 409));
  EXPECT_TRUE(
      IsProblem(admin("POST", "/v1/reservations/" + id + "/extend", R"({"ttl_ms": 60000})"), 409));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/commit"), 409));
  // release takes no fields.
  json::object other = reserve_ok("order-2b", {{kSkuA, 1, "dc-west"}});
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/reservations/" + std::to_string(num(other, "reservation_id")) + "/release",
            R"({"why":"x"})"),
      422));
}

TEST_F(ServerApiTest, UnknownReservationIs404) {
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/reservations/999999"), 404));
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/reservations/abc"), 404));
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/reservations/0"), 404));
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/reservations/99999999999999999999999"), 404));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/999999/commit"), 404));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/999999/release"), 404));
  EXPECT_TRUE(
      IsProblem(admin("POST", "/v1/reservations/999999/extend", R"({"ttl_ms":60000})"), 404));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, InsufficientStockIs409AndReservesNothing) {
  // Line 0 fits, line 1 does not (C has 5 at dc-east): all or nothing.
  HttpResponse r =
      reserve(reserve_body("order-short", {{kSkuA, 2, "dc-east"}, {kSkuC, 6, "dc-east"}}));
  ASSERT_TRUE(IsProblem(r, 409, "lines[1].qty"));
  EXPECT_NE(r.body.find(g14(kSkuC)), std::string::npos) << "detail should name the SKU: " << r.body;
  EXPECT_EQ(str(parse_object(r.body), "type"), "https://livechain.dev/problems/insufficient_stock");
  // Without a location: no single location has 150 of A.
  EXPECT_TRUE(
      IsProblem(reserve(reserve_body("order-short-2", {{kSkuA, 150}})), 409, "lines[0].qty"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, IdempotencyKeyReplaysTheSameReservation) {
  std::string body = reserve_body("order-idem", {{kSkuA, 2, "dc-east"}});
  Headers key = {{"Idempotency-Key", "idem-key-1"}};
  HttpResponse first = reserve(body, "admin", key);
  ASSERT_EQ(first.status, 201u) << describe(first);
  EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
  int64_t id = num(parse_object(first.body), "reservation_id");

  HttpResponse again = reserve(body, "admin", key);
  ASSERT_EQ(again.status, 201u) << describe(again);
  EXPECT_EQ(num(parse_object(again.body), "reservation_id"), id);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 2, 98})) << "reserved twice";

  // Same key, different body.
  HttpResponse conflict =
      reserve(reserve_body("order-idem", {{kSkuA, 3, "dc-east"}}), "admin", key);
  EXPECT_TRUE(IsProblem(conflict, 422));
  std::string field = field_of(conflict);
  EXPECT_TRUE(field == "Idempotency-Key" || field == "idempotency_key") << conflict.body;
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 2, 98}));

  // The key may also travel in the body.
  std::string with_key = R"({"order_id":"order-idem-2","channel":"live-1","idempotency_key":"k2",)"
                         R"("lines":[{"sku":")" +
                         kSkuA + R"(","qty":1,"location":"dc-east"}]})";
  HttpResponse a = reserve(with_key);
  HttpResponse b = reserve(with_key);
  ASSERT_EQ(a.status, 201u) << describe(a);
  ASSERT_EQ(b.status, 201u) << describe(b);
  EXPECT_EQ(num(parse_object(a.body), "reservation_id"),
            num(parse_object(b.body), "reservation_id"));
  EXPECT_EQ(b.header("Idempotent-Replayed"), "true");
}

TEST_F(ServerApiTest, BatchMixesValidAndInvalidItems) {
  json::array items;
  items.push_back(parse_json(reserve_body("b-ok-1", {{kSkuA, 1, "dc-east"}})));
  items.push_back(parse_json(reserve_body("b-bad-gtin", {{bad_check_digit(kSkuA), 1}})));
  items.push_back(parse_json(reserve_body("b-unknown", {{kSkuUnknown, 1}})));
  items.push_back(parse_json(reserve_body("b-short", {{kSkuC, 100, "dc-east"}})));
  items.push_back(parse_json(reserve_body("b-ok-2", {{kSkuB, 2}}, "west")));
  items.push_back(json::value(42));
  HttpResponse r = admin("POST", "/v1/reservations/batch",
                         json::serialize(json::object{{"reservations", items}}));
  // A non-object item fails the whole batch, naming it.
  EXPECT_TRUE(IsProblem(r, 422, "reservations[5]"));
  items.pop_back();
  r = admin("POST", "/v1/reservations/batch",
            json::serialize(json::object{{"reservations", items}}));
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  EXPECT_EQ(num(body, "created"), 2);
  EXPECT_EQ(num(body, "failed"), 3);
  const json::array& results = body["results"].as_array();
  ASSERT_EQ(results.size(), 5u);
  std::vector<int64_t> statuses;
  for (const json::value& result : results) statuses.push_back(num(result.as_object(), "status"));
  EXPECT_EQ(statuses, (std::vector<int64_t>{201, 422, 422, 409, 201}));
  auto problem_field = [&](size_t i) {
    const json::value* problem = results[i].as_object().if_contains("problem");
    return problem != nullptr && problem->is_object() ? str(problem->as_object(), "field") : "";
  };
  EXPECT_TRUE(problem_field(1).ends_with("lines[0].sku")) << problem_field(1);
  EXPECT_TRUE(problem_field(2).ends_with("lines[0].sku")) << problem_field(2);
  EXPECT_TRUE(problem_field(3).ends_with("lines[0].qty")) << problem_field(3);
  const json::object& second = results[4].as_object().at("reservation").as_object();
  EXPECT_EQ(str(second, "status"), "pending");
  EXPECT_EQ(str(second.at("lines").as_array().at(0).as_object(), "location"), "dc-west");
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 1, 99}));
  EXPECT_EQ(balance(kSkuB, "dc-west"), (Balance{50, 2, 48}));
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{5, 0, 5}));

  // Empty batch, missing array.
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/batch", R"({"reservations":[]})"), 422,
                        "reservations"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/batch", R"({})"), 422, "reservations"));
}

// ---------------------------------------------------------------- bad input

TEST_F(ServerApiTest, MalformedAndTruncatedJsonIs400) {
  const std::string valid = reserve_body("order-x", {{kSkuA, 1, "dc-east"}});
  for (const std::string& body :
       {std::string("{not json}"), valid.substr(0, valid.size() / 2), std::string("{\"order_id\":"),
        std::string("[1,2,3]"), std::string("\"just a string\""), std::string("{}}"),
        std::string("{\"a\":1,}"), std::string(200, '[') + std::string(200, ']'),
        std::string("\xff\xfe{}", 4), std::string("   ")}) {
    HttpResponse r = reserve(body);
    EXPECT_TRUE(IsProblem(r, 400, "body")) << "body: " << body.substr(0, 60);
  }
  // Commit with a malformed body.
  json::object created = reserve_ok("order-m", {{kSkuA, 1, "dc-east"}});
  std::string id = std::to_string(num(created, "reservation_id"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/commit", "{\"lines\":"), 400));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/skus/" + kSkuA, "{"), 400));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/receipts", "nope"), 400));
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/reservations/" + id).body), "status"), "pending");
  // Only the one reservation above changed anything.
  StockMap expected = baseline_;
  expected[{g14(kSkuA), "dc-east"}] = Balance{100, 1, 99};
  EXPECT_EQ(stock_of({kSkuA, kSkuB, kSkuC}), expected);
}

TEST_F(ServerApiTest, WrongTypesAre422NamingTheField) {
  auto with = [&](const std::string& order, const std::string& lines, const std::string& extra) {
    return R"({"order_id":)" + order + R"(,"channel":"live-1","lines":)" + lines + extra + "}";
  };
  std::string sku = "\"" + kSkuA + "\"";
  struct Case {
    std::string body;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":\"3\"}]", ""), "lines[0].qty"},
           {with("5", "[{\"sku\":" + sku + ",\"qty\":3}]", ""), "order_id"},
           {with("\"o\"", "{\"sku\":" + sku + "}", ""), "lines"},
           {with("\"o\"", "[5]", ""), "lines[0]"},
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":1}]", ",\"ttl_ms\":true"), "ttl_ms"},
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":1}]", ",\"region\":[]"), "region"},
           {with("\"o\"", "[{\"sku\":6901234567892,\"qty\":1}]", ""), "lines[0].sku"},
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":1,\"location\":7}]", ""),
            "lines[0].location"},
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":null}]", ""), "lines[0].qty"},
           {with("\"o\"", "[{\"sku\":" + sku + ",\"qty\":1}]", ",\"presale\":\"yes\""), "presale"},
       }) {
    EXPECT_TRUE(IsProblem(reserve(c.body), 422, c.field)) << c.body;
  }
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/skus/" + kSkuA, R"({"name":5})"), 422, "name"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/receipts",
                              R"({"sku":")" + kSkuA + R"(","location":"dc-east","qty":"10"})"),
                        422, "qty"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, HugeAndFractionalNumbersAre422) {
  std::string prefix = R"({"order_id":"o","channel":"live-1","lines":[{"sku":")" + kSkuA +
                       R"(","location":"dc-east","qty":)";
  for (std::string qty :
       {"1e30", "99999999999999999999", "-99999999999999999999", "1e400", "1000001",
        "9223372036854775807", "18446744073709551615", "2.5", "1e-5"}) {
    HttpResponse r = reserve(prefix + qty + "}]}");
    // 1e400 is out of double range: a JSON parse error (400) or a range error (422).
    if (std::string(qty) == "1e400") {
      EXPECT_TRUE(r.status == 400 || r.status == 422) << describe(r);
      continue;
    }
    EXPECT_TRUE(IsProblem(r, 422, "lines[0].qty")) << "qty " << qty;
  }
  EXPECT_TRUE(
      IsProblem(reserve(R"({"order_id":"o","channel":"live-1","ttl_ms":1e300,"lines":[{"sku":")" +
                        kSkuA + R"(","qty":1}]})"),
                422, "ttl_ms"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/receipts",
                              R"({"sku":")" + kSkuA + R"(","location":"dc-east","qty":1e30})"),
                        422, "qty"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, ZeroAndNegativeQuantitiesAre422) {
  for (int64_t qty : {0, -1, -1000}) {
    EXPECT_TRUE(
        IsProblem(reserve(reserve_body("o-neg", {{kSkuA, qty, "dc-east"}})), 422, "lines[0].qty"))
        << qty;
    EXPECT_TRUE(IsProblem(
        admin("POST", "/v1/receipts",
              json::serialize(json::object{{"sku", kSkuA}, {"location", "dc-east"}, {"qty", qty}})),
        422, "qty"))
        << qty;
  }
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/adjustments",
            json::serialize(json::object{
                {"sku", kSkuA}, {"location", "dc-east"}, {"delta", 0}, {"reason", "count"}})),
      422, "delta"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, UnknownSkuIs422) {
  EXPECT_TRUE(IsProblem(reserve(reserve_body("o-unk", {{kSkuUnknown, 1}})), 422, "lines[0].sku"));
  EXPECT_TRUE(IsProblem(
      reserve(reserve_body("o-unk2", {{kSkuA, 1, "dc-east"}, {kSkuUnknown, 1, "dc-east"}})), 422,
      "lines[1].sku"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/receipts",
                              json::serialize(json::object{
                                  {"sku", kSkuUnknown}, {"location", "dc-east"}, {"qty", 1}})),
                        422, "sku"));
  // Unknown location and channel name their fields too.
  EXPECT_TRUE(IsProblem(reserve(reserve_body("o-unk3", {{kSkuA, 1, "nowhere"}})), 422,
                        "lines[0].location"));
  EXPECT_TRUE(IsProblem(reserve(R"({"order_id":"o","channel":"no-such","lines":[{"sku":")" + kSkuA +
                                R"(","qty":1}]})"),
                        422, "channel"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, InvalidGtinCheckDigitIs422) {
  EXPECT_TRUE(IsProblem(reserve(reserve_body("o-gtin", {{bad_check_digit(kSkuA), 1}})), 422,
                        "lines[0].sku"));
  EXPECT_TRUE(IsProblem(
      reserve(reserve_body("o-gtin2", {{kSkuA, 1, "dc-east"}, {bad_check_digit(kSkuB), 1}})), 422,
      "lines[1].sku"));
  for (const std::string& sku : {std::string("12345"), std::string("69012345678AB"),
                                 std::string(""), std::string(30, '1')}) {
    EXPECT_TRUE(IsProblem(reserve(reserve_body("o-gtin3", {{sku, 1}})), 422, "lines[0].sku"))
        << sku;
  }
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/skus/" + bad_check_digit(kSkuA), R"({"name":"x"})"), 422, "sku"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, UnknownFieldIs422) {
  EXPECT_TRUE(
      IsProblem(reserve(R"({"order_id":"o","channel":"live-1","colour":"red","lines":[{"sku":")" +
                        kSkuA + R"(","qty":1}]})"),
                422, "colour"));
  EXPECT_TRUE(IsProblem(reserve(R"({"order_id":"o","channel":"live-1","lines":[{"sku":")" + kSkuA +
                                R"(","qty":1,"price":9}]})"),
                        422, "lines[0].price"));
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/skus/" + kSkuA, R"({"name":"x","cost":1})"), 422, "cost"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, MissingFieldIs422) {
  std::string line = R"([{"sku":")" + kSkuA + R"(","qty":1}])";
  EXPECT_TRUE(IsProblem(reserve(R"({"channel":"live-1","lines":)" + line + "}"), 422, "order_id"));
  EXPECT_TRUE(IsProblem(reserve(R"({"order_id":"o","lines":)" + line + "}"), 422, "channel"));
  EXPECT_TRUE(IsProblem(reserve(R"({"order_id":"o","channel":"live-1"})"), 422, "lines"));
  EXPECT_TRUE(
      IsProblem(reserve(R"({"order_id":"o","channel":"live-1","lines":[]})"), 422, "lines"));
  EXPECT_TRUE(IsProblem(
      reserve(R"({"order_id":"o","channel":"live-1","lines":[{"sku":")" + kSkuA + R"("}]})"), 422,
      "lines[0].qty"));
  EXPECT_TRUE(IsProblem(reserve(R"({"order_id":"o","channel":"live-1","lines":[{"qty":1}]})"), 422,
                        "lines[0].sku"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/skus/" + kSkuA, "{}"), 422, "name"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, MoreThan64LinesIs422) {
  std::vector<Line> lines(65, Line{kSkuA, 1, "dc-east"});
  EXPECT_TRUE(IsProblem(reserve(reserve_body("o-many", lines)), 422, "lines"));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, WrongContentTypeIs415) {
  std::string body = reserve_body("o-ct", {{kSkuA, 1, "dc-east"}});
  EXPECT_TRUE(IsProblem(call("admin", "POST", "/v1/reservations", body, "text/plain"), 415,
                        "Content-Type"));
  EXPECT_TRUE(IsProblem(call("admin", "POST", "/v1/reservations", body, "application/x-ndjson"),
                        415, "Content-Type"));
  // No Content-Type at all.
  EXPECT_TRUE(IsProblem(call("admin", "POST", "/v1/reservations", body, ""), 415, "Content-Type"));
  // CSV import with JSON.
  EXPECT_TRUE(IsProblem(call("admin", "POST", "/v1/import/skus", "sku,name\n", "application/json"),
                        415, "Content-Type"));
  expect_alive_and_intact();
  // Media type parameters and case are fine.
  HttpResponse ok =
      call("admin", "POST", "/v1/reservations", body, "Application/JSON; charset=utf-8");
  EXPECT_EQ(ok.status, 201u) << describe(ok);
}

TEST_F(ServerApiTest, BodyOnGetIs415) {
  EXPECT_TRUE(IsProblem(call("admin", "GET", "/v1/stock/" + kSkuA, "{}"), 415, "Content-Type"));
  EXPECT_TRUE(IsProblem(call("admin", "GET", "/v1/ledger/head", "x", "text/plain"), 415));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, UnknownRouteIs404) {
  for (std::string target : {"/", "/v1", "/v1/nope", "/v1/stock/", "/v2/reservations",
                             "/v1/reservations/1/commit/x", "/healthz/x"}) {
    EXPECT_TRUE(IsProblem(admin("GET", target), 404)) << target;
  }
  EXPECT_TRUE(IsProblem(call("", "GET", "/v1/nope"), 404));
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, WrongMethodIs405WithAllow) {
  struct Case {
    std::string method;
    std::string target;
    std::string allow;
  };
  for (const Case& c : std::vector<Case>{{"DELETE", "/v1/reservations", "POST"},
                                         {"GET", "/v1/reservations", "POST"},
                                         {"PUT", "/v1/reservations/1", "GET, HEAD"},
                                         {"POST", "/v1/stock/" + kSkuA, "GET, HEAD"},
                                         {"GET", "/v1/skus/" + kSkuA, "PUT"},
                                         {"PATCH", "/v1/ledger/head", "GET, HEAD"},
                                         {"POST", "/healthz", "GET, HEAD"}}) {
    HttpResponse r = admin(c.method, c.target);
    EXPECT_TRUE(IsProblem(r, 405)) << c.method << " " << c.target;
    EXPECT_EQ(r.header("Allow"), c.allow) << c.method << " " << c.target;
  }
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, MalformedHttpGets400AndServerStaysUp) {
  const std::string reserve_json = reserve_body("o-raw", {{kSkuA, 1, "dc-east"}});
  std::vector<std::string> payloads = {
      "GARBAGE\r\n\r\n",
      "GET /healthz HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
      "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: "
      "7\r\n\r\nabcdefg",
      // Bodies are read only for an authenticated caller, so this one carries a key.
      "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + keys_["admin"].key +
          "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string("GET /healthz HTTP/1.1\r\nHost: \0x\r\n\r\n", 35),
      "GET /v1/stock?limit=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  for (const std::string& payload : payloads) {
    HttpClient client(port_);
    ASSERT_TRUE(client.send_raw(payload)) << client.error();
    HttpResponse r = client.read_response();
    // A clear error: a 400 problem; or, at worst, the connection closed.
    if (r.status != 0) {
      EXPECT_TRUE(IsProblem(r, 400)) << "payload: " << payload.substr(0, 60);
    } else {
      ADD_FAILURE() << "no answer to: " << payload.substr(0, 60) << " (" << r.error << ")";
    }
    expect_alive_and_intact();
  }
  // Binary noise.
  {
    std::string noise;
    for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919) & 0xff);
    HttpClient client(port_);
    client.send_raw(noise);
    client.wait_for_close(3s);
  }
  expect_alive_and_intact();
  // A valid request after all that still works.
  EXPECT_EQ(reserve(reserve_json).status, 201u);
}

TEST_F(ServerApiTest, TruncatedBodyIsNotApplied) {
  const std::string body = reserve_body("o-trunc", {{kSkuA, 7, "dc-east"}});
  {
    HttpClient client(port_);
    std::string head = "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                       keys_["admin"].key +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size() + 50) + "\r\n\r\n";
    ASSERT_TRUE(client.send_raw(head + body)) << client.error();
    client.shutdown_send();
    std::string received;
    EXPECT_TRUE(client.wait_for_close(5s, &received)) << "server kept a truncated request open";
    // Nothing to answer, or a 4xx; never a 2xx.
    EXPECT_EQ(received.find("HTTP/1.1 2"), std::string::npos) << received;
  }
  {
    // The same with the connection simply dropped mid-body.
    HttpClient client(port_);
    std::string head =
        "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + keys_["admin"].key +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n";
    ASSERT_TRUE(client.send_raw(head + body.substr(0, body.size() - 3))) << client.error();
    client.close();
  }
  std::this_thread::sleep_for(100ms);
  expect_alive_and_intact();
  // The complete request still works afterwards.
  EXPECT_EQ(reserve(body).status, 201u);
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 7, 93}));
}

TEST_F(ServerApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient client(port_);
  Headers auth = {{"Authorization", "Bearer " + keys_["auditor"].key}};
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = client.request("GET", "/v1/stock/" + kSkuA, "", auth);
    ASSERT_EQ(r.status, 200u) << describe(r);
    EXPECT_TRUE(r.keep_alive);
  }
  // An error answer keeps the connection too.
  HttpResponse missing = client.request("GET", "/v1/nope", "", auth);
  EXPECT_TRUE(IsProblem(missing, 404));
  EXPECT_TRUE(client.is_open());
  EXPECT_EQ(client.request("GET", "/healthz").status, 200u);
}

TEST_F(ServerApiTest, ReservationExpiresAfterItsTtl) {
  HttpResponse r =
      reserve(R"({"order_id":"o-ttl","channel":"live-1","ttl_ms":100,"lines":[{"sku":")" + kSkuC +
              R"(","qty":4,"location":"dc-east"}]})");
  ASSERT_EQ(r.status, 201u) << describe(r);
  std::string id = std::to_string(num(parse_object(r.body), "reservation_id"));
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{5, 4, 1}));
  // The expiry tick runs every second.
  auto deadline = std::chrono::steady_clock::now() + 4s;
  std::string status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = str(parse_object(admin("GET", "/v1/reservations/" + id).body), "status");
    if (status == "expired") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, "expired");
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{5, 0, 5}));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/" + id + "/commit"), 409));
}

TEST_F(ServerApiTest, IdempotencyKeyTooLongIs422) {
  HttpResponse r = reserve(reserve_body("o-long-key", {{kSkuA, 1, "dc-east"}}), "admin",
                           {{"Idempotency-Key", std::string(200, 'k')}});
  EXPECT_TRUE(IsProblem(r, 422));
  std::string field = field_of(r);
  EXPECT_TRUE(field == "Idempotency-Key" || field == "idempotency_key") << r.body;
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- movements

TEST_F(ServerApiTest, TransferShipAndReceive) {
  HttpResponse shipped =
      call("warehouse", "POST", "/v1/transfers",
           json::serialize(
               json::object{{"sku", kSkuA}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 10}}));
  ASSERT_EQ(shipped.status, 201u) << describe(shipped);
  json::object transfer = parse_object(shipped.body);
  std::string id = std::to_string(num(transfer, "transfer_id"));
  EXPECT_EQ(str(transfer, "status"), "in_transit");
  EXPECT_EQ(num(transfer, "shipped"), 10);
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 90);

  HttpResponse got = call("supplier", "GET", "/v1/transfers/" + id);
  ASSERT_EQ(got.status, 200u) << describe(got);
  EXPECT_EQ(str(parse_object(got.body), "status"), "in_transit");

  HttpResponse received = call("warehouse", "POST", "/v1/transfers/" + id + "/receive");
  ASSERT_EQ(received.status, 200u) << describe(received);
  EXPECT_EQ(str(parse_object(received.body), "status"), "received");
  EXPECT_EQ(num(parse_object(received.body), "received"), 10);
  EXPECT_EQ(balance(kSkuA, "dc-west").on_hand, 50);
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/transfers/" + id + "/receive"), 409));

  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/transfers/999999"), 404));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/transfers/999999/receive"), 404));
  EXPECT_TRUE(
      IsProblem(call("warehouse", "POST", "/v1/transfers",
                     json::serialize(json::object{
                         {"sku", kSkuC}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 6}})),
                409, "qty"));
  // Errors name the API's fields ("from", "to"), not the engine's.
  auto ship = [&](const std::string& from, const std::string& to) {
    return call(
        "warehouse", "POST", "/v1/transfers",
        json::serialize(json::object{{"sku", kSkuC}, {"from", from}, {"to", to}, {"qty", 1}}));
  };
  EXPECT_TRUE(IsProblem(ship("dc-east", "nowhere"), 422, "to"));
  EXPECT_TRUE(IsProblem(ship("nowhere", "dc-west"), 422, "from"));
  EXPECT_TRUE(IsProblem(ship("dc-east", "dc-east"), 422, "to"));
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{5, 0, 5}));
}

TEST_F(ServerApiTest, TransferRerouteInTransit) {
  HttpResponse shipped =
      call("warehouse", "POST", "/v1/transfers",
           json::serialize(
               json::object{{"sku", kSkuA}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 10}}));
  ASSERT_EQ(shipped.status, 201u) << describe(shipped);
  std::string id = std::to_string(num(parse_object(shipped.body), "transfer_id"));
  std::string reroute_path = "/v1/transfers/" + id + "/reroute";
  // Part of it: a new transfer carries 4 to the factory, 6 keep going west.
  HttpResponse split = call("warehouse", "POST", reroute_path, R"({"to":"factory-1","qty":4})");
  ASSERT_EQ(split.status, 200u) << describe(split);
  json::object split_view = parse_object(split.body);
  EXPECT_NE(std::to_string(num(split_view, "transfer_id")), id);
  EXPECT_EQ(str(split_view, "to"), "factory-1");
  EXPECT_EQ(num(split_view, "shipped"), 4);
  EXPECT_EQ(str(split_view, "status"), "in_transit");
  EXPECT_EQ(num(parse_object(call("auditor", "GET", "/v1/transfers/" + id).body), "shipped"), 6);
  // Bad input names the field; nothing changes.
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"nowhere"})"), 422, "to"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"dc-west"})"), 422, "to"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"dc-east","qty":7})"), 422,
                        "qty"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"dc-east","qty":0})"), 422,
                        "qty"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"qty":1})"), 422, "to"));
  EXPECT_TRUE(
      IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"dc-east","via":"x"})"), 422));
  EXPECT_TRUE(IsProblem(
      call("warehouse", "POST", "/v1/transfers/999999/reroute", R"({"to":"dc-east"})"), 404));
  EXPECT_TRUE(IsProblem(call("supplier", "POST", reroute_path, R"({"to":"dc-east"})"), 403));
  // The rest, all of it: the same transfer turns back to dc-east and is received there.
  HttpResponse back = call("warehouse", "POST", reroute_path, R"({"to":"dc-east"})");
  ASSERT_EQ(back.status, 200u) << describe(back);
  EXPECT_EQ(std::to_string(num(parse_object(back.body), "transfer_id")), id);
  ASSERT_EQ(call("warehouse", "POST", "/v1/transfers/" + id + "/receive").status, 200u);
  EXPECT_EQ(balance(kSkuA, "dc-east").on_hand, 96);
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", reroute_path, R"({"to":"dc-west"})"), 409));
}

TEST_F(ServerApiTest, ReturnReceiveGradeAndRework) {
  HttpResponse received = call("warehouse", "POST", "/v1/returns",
                               json::serialize(json::object{{"sku", kSkuB},
                                                            {"location", "dc-west"},
                                                            {"qty", 3},
                                                            {"reason", "damaged"},
                                                            {"order_id", "order-77"}}));
  ASSERT_EQ(received.status, 201u) << describe(received);
  json::object view = parse_object(received.body);
  std::string id = std::to_string(num(view, "return_id"));
  EXPECT_EQ(num(view, "quarantine"), 3);

  HttpResponse restock =
      call("warehouse", "POST", "/v1/returns/" + id + "/grade", R"({"grade":"restock","qty":2})");
  ASSERT_EQ(restock.status, 200u) << describe(restock);
  EXPECT_EQ(num(parse_object(restock.body), "restocked"), 2);
  HttpResponse rework =
      call("warehouse", "POST", "/v1/returns/" + id + "/grade", R"({"grade":"rework"})");
  ASSERT_EQ(rework.status, 200u) << describe(rework);
  EXPECT_EQ(num(parse_object(rework.body), "rework"), 1);
  HttpResponse done = call("warehouse", "POST", "/v1/returns/" + id + "/rework-done");
  ASSERT_EQ(done.status, 200u) << describe(done);
  EXPECT_EQ(num(parse_object(done.body), "restocked"), 3);
  EXPECT_EQ(balance(kSkuB, "dc-west").on_hand, 53);

  HttpResponse got = call("auditor", "GET", "/v1/returns/" + id);
  ASSERT_EQ(got.status, 200u) << describe(got);
  EXPECT_EQ(num(parse_object(got.body), "quarantine"), 0);
  EXPECT_TRUE(IsProblem(
      call("warehouse", "POST", "/v1/returns/" + id + "/grade", R"({"grade":"restock"})"), 409));
  EXPECT_TRUE(
      IsProblem(call("warehouse", "POST", "/v1/returns/" + id + "/grade", R"({"grade":"polish"})"),
                422, "grade"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/returns/999999"), 404));
}

TEST_F(ServerApiTest, AdjustmentsChangeOnHandAndNeverGoNegative) {
  HttpResponse down =
      call("warehouse", "POST", "/v1/adjustments",
           json::serialize(json::object{
               {"sku", kSkuC}, {"location", "dc-east"}, {"delta", -2}, {"reason", "count"}}));
  ASSERT_EQ(down.status, 201u) << describe(down);
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{3, 0, 3}));
  EXPECT_TRUE(IsProblem(
      call("warehouse", "POST", "/v1/adjustments",
           json::serialize(json::object{
               {"sku", kSkuC}, {"location", "dc-east"}, {"delta", -4}, {"reason", "count"}})),
      409, "delta"));
  EXPECT_EQ(balance(kSkuC, "dc-east"), (Balance{3, 0, 3}));
}

TEST_F(ServerApiTest, CatalogPutsValidateAndNameApiFields) {
  HttpResponse renamed = call("planner", "PUT", "/v1/skus/" + kSkuA, R"({"name":"Alpha 2"})");
  ASSERT_EQ(renamed.status, 200u) << describe(renamed);
  EXPECT_EQ(str(parse_object(renamed.body), "sku"), g14(kSkuA));
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/stock/" + kSkuA).body), "name"), "Alpha 2");
  HttpResponse channel = call("planner", "PUT", "/v1/channels/shop-1", R"({"kind":"online_shop"})");
  ASSERT_EQ(channel.status, 200u) << describe(channel);
  EXPECT_EQ(str(parse_object(channel.body), "kind"), "online_shop");

  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/skus/" + kSkuA, R"({"name":""})"), 422, "name"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/skus/" + kSkuA,
                              json::serialize(json::object{{"name", std::string(201, 'n')}})),
                        422, "name"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/locations/x1", R"({"kind":"moon","region":"east"})"), 422,
                        "kind"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/locations/x1", R"({"kind":"dc"})"), 422, "region"));
  EXPECT_TRUE(IsProblem(admin("PUT", "/v1/channels/c1", R"({"kind":"tv"})"), 422, "kind"));
  EXPECT_TRUE(IsProblem(
      admin("PUT", "/v1/region-distances", R"({"from":"east","to":"east","km":1})"), 422, "to"));
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/region-distances", R"({"from":"east","to":"west","km":40001})"),
                422, "km"));
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/region-distances", R"({"from":"bad id","to":"west","km":1})"),
                422, "from"));
  EXPECT_TRUE(
      IsProblem(admin("PUT", "/v1/locations/bad%20id", R"({"kind":"dc","region":"east"})"), 422));
  EXPECT_EQ(balance(kSkuA, "dc-east"), (Balance{100, 0, 100}));
}

// ---------------------------------------------------------------- HTTP details

TEST_F(ServerApiTest, ExpectContinuePipeliningAndHttp10) {
  std::string body = reserve_body("o-continue", {{kSkuA, 1, "dc-east"}});
  {
    HttpClient client(port_);
    ASSERT_TRUE(client.send_raw(
        "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + keys_["admin"].key +
        "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n"));
    HttpResponse interim = client.read_response();
    EXPECT_EQ(interim.status, 100u) << describe(interim);
    ASSERT_TRUE(client.send_raw(body));
    HttpResponse created = client.read_response();
    EXPECT_EQ(created.status, 201u) << describe(created);
  }
  {
    // Two requests in one write: two answers, in order.
    HttpClient client(port_);
    std::string auth = "Authorization: Bearer " + keys_["auditor"].key + "\r\n";
    ASSERT_TRUE(client.send_raw("GET /v1/stock/" + kSkuA + " HTTP/1.1\r\nHost: x\r\n" + auth +
                                "\r\nGET /v1/nope HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"));
    HttpResponse first = client.read_response();
    HttpResponse second = client.read_response();
    EXPECT_EQ(first.status, 200u) << describe(first);
    EXPECT_TRUE(IsProblem(second, 404));
  }
  {
    HttpClient client(port_);
    ASSERT_TRUE(client.send_raw("GET /healthz HTTP/1.0\r\n\r\n"));
    HttpResponse r = client.read_response();
    EXPECT_EQ(r.status, 200u) << describe(r);
    EXPECT_TRUE(client.wait_for_close(2s)) << "HTTP/1.0 without keep-alive stays open";
  }
  {
    // Connection: close is honoured.
    HttpClient client(port_);
    HttpResponse r = client.request("GET", "/healthz", "", {{"Connection", "close"}});
    EXPECT_EQ(r.status, 200u);
    EXPECT_FALSE(r.keep_alive);
  }
}

TEST_F(ServerApiTest, PercentEncodedPathAndQuery) {
  HttpResponse r = call("auditor", "GET", "/v1/stock/%36" + kSkuA.substr(1));
  EXPECT_EQ(r.status, 200u) << describe(r);
  HttpResponse east = call("auditor", "GET", "/v1/stock?region=%65ast&limit=100");
  ASSERT_EQ(east.status, 200u) << describe(east);
  EXPECT_EQ(parse_object(east.body)["items"].as_array().size(), 2u) << east.body;
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?region=%6"), 400));
}

// ---------------------------------------------------------------- access

TEST_F(ServerApiTest, MissingOrBadKeyIs401) {
  for (const Headers& headers :
       std::vector<Headers>{{},
                            {{"Authorization", "Bearer not-a-key"}},
                            {{"Authorization", "Basic " + keys_["admin"].key}},
                            {{"Authorization", "Bearer"}},
                            {{"Authorization", "Bearer " + keys_["admin"].key + "x"}},
                            {{"Authorization", "Bearer " + std::string(1000, 'k')}}}) {
    HttpClient client(port_);
    HttpResponse r = client.request("GET", "/v1/stock/" + kSkuA, "", headers);
    EXPECT_TRUE(IsProblem(r, 401, "Authorization"))
        << (headers.empty() ? "none" : headers[0].second.substr(0, 20));
    EXPECT_NE(r.header("WWW-Authenticate").find("Bearer"), std::string::npos) << describe(r);
  }
  // Writes without a key change nothing.
  EXPECT_TRUE(IsProblem(
      call("", "POST", "/v1/reservations", reserve_body("o-anon", {{kSkuA, 1, "dc-east"}})), 401));
  // The scheme is case-insensitive.
  HttpClient client(port_);
  EXPECT_EQ(client
                .request("GET", "/v1/stock/" + kSkuA, "",
                         {{"Authorization", "bearer " + keys_["auditor"].key}})
                .status,
            200u);
  expect_alive_and_intact();
}

TEST_F(ServerApiTest, NewKeyWorksAndRevokedKeyIs401WithinTwoSeconds) {
  ApiKey fresh = create_key("live_operator");
  auto status_with = [&](const ApiKey& key) {
    HttpClient client(port_);
    return client.request("GET", "/v1/stock/" + kSkuA, "", {{"Authorization", "Bearer " + key.key}})
        .status;
  };
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (status_with(fresh) != 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(status_with(fresh), 200u) << "a new key is not accepted within 3 s";

  RunResult revoked = cli({"apikey", "revoke", "--db", db_, fresh.key_id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  auto revoked_at = std::chrono::steady_clock::now();
  while (status_with(fresh) != 401 && std::chrono::steady_clock::now() < revoked_at + 2500ms) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status_with(fresh), 401u) << "a revoked key still works 2.5 s later";
  EXPECT_LE(std::chrono::steady_clock::now() - revoked_at, 2500ms);
  // Other keys are unaffected.
  EXPECT_EQ(status_with(keys_["live_operator"]), 200u);
  HttpClient client(port_);
  EXPECT_TRUE(IsProblem(
      client.request(
          "POST", "/v1/reservations", reserve_body("o-rev", {{kSkuA, 1, "dc-east"}}),
          {{"Authorization", "Bearer " + fresh.key}, {"Content-Type", "application/json"}}),
      401));
}

TEST_F(ServerApiTest, PermissionMatrixPerRole) {
  // One representative route per permission (access.cpp role_allows). Each request is
  // valid, so an allowed role gets a 2xx and a refused one 403.
  struct Probe {
    std::string permission;
    std::set<std::string> allowed;
    std::function<HttpResponse(const std::string& role, int n)> send;
  };
  std::string id =
      std::to_string(num(reserve_ok("o-perm", {{kSkuA, 1, "dc-east"}}), "reservation_id"));
  const std::set<std::string> everyone(std::begin(kRoles), std::end(kRoles));
  std::vector<Probe> probes = {
      {"stock_read", everyone,
       [&](const std::string& role, int) { return call(role, "GET", "/v1/stock/" + kSkuA); }},
      {"stock_read (list)", everyone,
       [&](const std::string& role, int) { return call(role, "GET", "/v1/stock?limit=5"); }},
      {"ledger_read", everyone,
       [&](const std::string& role, int) { return call(role, "GET", "/v1/ledger/head"); }},
      {"reservations_read",
       {"admin", "planner", "live_operator", "warehouse", "auditor"},
       [&](const std::string& role, int) { return call(role, "GET", "/v1/reservations/" + id); }},
      {"reservations_write",
       {"admin", "live_operator"},
       [&](const std::string& role, int n) {
         return call(role, "POST", "/v1/reservations",
                     reserve_body("o-perm-" + role + std::to_string(n), {{kSkuA, 1, "dc-east"}}));
       }},
      {"catalog_write",
       {"admin", "planner"},
       [&](const std::string& role, int) {
         return call(role, "PUT", "/v1/skus/" + kSkuB, R"({"name":"Beta"})");
       }},
      {"catalog_write (import skus)",
       {"admin", "planner"},
       [&](const std::string& role, int) {
         return call(role, "POST", "/v1/import/skus", "sku,name\n" + kSkuB + ",Beta\n", "text/csv");
       }},
      {"planning_write",
       {"admin", "planner"},
       [&](const std::string& role, int) {
         return call(role, "PUT", "/v1/presale-plans",
                     json::serialize(
                         json::object{{"sku", kSkuC}, {"location", "factory-1"}, {"planned", 10}}));
       }},
      {"movements_write",
       {"admin", "warehouse"},
       [&](const std::string& role, int) {
         return call(
             role, "POST", "/v1/receipts",
             json::serialize(json::object{{"sku", kSkuB}, {"location", "dc-east"}, {"qty", 1}}));
       }},
      {"movements_write (import stock)",
       {"admin", "warehouse"},
       [&](const std::string& role, int) {
         return call(role, "POST", "/v1/import/stock",
                     "sku,location,qty\n" + kSkuB + ",dc-east,1\n", "text/csv");
       }},
      {"signals_write",
       {"admin", "live_operator"},
       [&](const std::string& role, int) {
         return call(role, "POST", "/v1/events",
                     R"({"type":"viewers","session":"s1","at_ms":1800000000000,"viewers":5})"
                     "\n",
                     "application/x-ndjson");
       }},
  };
  int n = 0;
  for (const Probe& probe : probes) {
    for (const char* role : kRoles) {
      HttpResponse r = probe.send(role, ++n);
      if (probe.allowed.contains(role)) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300)
            << role << " should be allowed " << probe.permission << ": " << describe(r);
      } else {
        EXPECT_TRUE(IsProblem(r, 403)) << role << " should be refused " << probe.permission;
      }
    }
  }
  // Public endpoints need no key at all.
  for (std::string target : {"/healthz", "/readyz", "/metrics", "/openapi.json"}) {
    EXPECT_EQ(call("", "GET", target).status, 200u) << target;
  }
}

TEST_F(ServerApiTest, BuyerRegionIsShownOnlyToRolesThatMaySeeBuyerData) {
  for (const std::string role : {"admin", "live_operator"}) {
    HttpResponse r = reserve(reserve_body("o-region-" + role, {{kSkuA, 1}}, "east"), role);
    ASSERT_EQ(r.status, 201u) << describe(r);
    json::object body = parse_object(r.body);
    EXPECT_EQ(str(body, "region"), "east") << role << ": " << r.body;
    std::string id = std::to_string(num(body, "reservation_id"));
    // GET never echoes the buyer region, to anyone.
    for (const char* reader : kRoles) {
      HttpResponse got = call(reader, "GET", "/v1/reservations/" + id);
      if (std::string(reader) == "supplier") {
        EXPECT_TRUE(IsProblem(got, 403));
        continue;
      }
      ASSERT_EQ(got.status, 200u) << reader << ": " << describe(got);
      EXPECT_FALSE(parse_object(got.body).contains("region")) << reader << " sees " << got.body;
      EXPECT_EQ(got.body.find("\"east\""), std::string::npos) << reader << " sees " << got.body;
    }
  }
  // The batch answer follows the same rule.
  json::array items;
  items.push_back(parse_json(reserve_body("o-region-batch", {{kSkuA, 1}}, "east")));
  HttpResponse batch = admin("POST", "/v1/reservations/batch",
                             json::serialize(json::object{{"reservations", items}}));
  ASSERT_EQ(batch.status, 200u) << describe(batch);
  json::object result = parse_object(batch.body)["results"].as_array()[0].as_object();
  EXPECT_EQ(str(result["reservation"].as_object(), "region"), "east") << batch.body;

  // Nor does the ledger, which every role may read: neither its decoded fields nor the
  // raw event bytes carry the buyer region.
  const std::string secret = "buyer-zone-7q";
  json::object secret_reservation =
      reserve_ok("o-region-secret", {{kSkuA, 1}}, secret, "live_operator");
  EXPECT_EQ(str(secret_reservation, "region"), secret);
  HttpResponse head = call("supplier", "GET", "/v1/ledger/head");
  ASSERT_EQ(head.status, 200u) << describe(head);
  int64_t size = num(parse_object(head.body), "tree_size");
  for (int64_t seq = 0; seq < size; ++seq) {
    HttpResponse event = call("supplier", "GET", "/v1/ledger/events/" + std::to_string(seq));
    ASSERT_EQ(event.status, 200u) << describe(event);
    EXPECT_EQ(event.body.find(secret), std::string::npos) << event.body;
    auto bytes = livechain::from_hex(str(parse_object(event.body), "event"));
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(std::string(bytes->begin(), bytes->end()).find(secret), std::string::npos)
        << "event " << seq << " carries the buyer region";
  }
}

// ---------------------------------------------------------------- CSV import

TEST_F(ServerApiTest, CsvImportSkusAppliesValidRowsAndReportsLineNumbers) {
  const std::string d = gtin13("200000000001");
  const std::string e = gtin13("200000000002");
  const std::string f = gtin13("200000000003");
  const std::string g = gtin13("200000000004");
  const std::string h = gtin13("200000000005");
  std::string csv = "sku,name\n"                                 // line 1
                    + d + ",Plain\n"                             // 2 ok
                    + e + ",\"Tea, green\"\n"                    // 3 ok (comma in quotes)
                    + bad_check_digit(f) + ",Bad check digit\n"  // 4 bad GTIN
                    + f + ",\"two\nlines\"\n"                    // 5-6 control char in name
                    + g + ",too,many\n"                          // 7 three cells
                    + h + ",\"He said \"\"hi\"\"\"\r\n";         // 8 ok (CRLF, "" escape)
  HttpResponse r = call("planner", "POST", "/v1/import/skus", csv, "text/csv");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  EXPECT_EQ(str(body, "import"), "skus");
  EXPECT_EQ(num(body, "rows"), 6);
  EXPECT_EQ(num(body, "applied"), 3);
  EXPECT_EQ(num(body, "rejected"), 3);
  std::vector<std::tuple<int64_t, std::string, int64_t>> errors;
  for (const json::value& error : body["errors"].as_array()) {
    const json::object& o = error.as_object();
    errors.emplace_back(num(o, "line"), str(o, "field"), num(o, "status"));
    EXPECT_FALSE(str(o, "detail").empty()) << json::serialize(o);
  }
  EXPECT_EQ(errors, (std::vector<std::tuple<int64_t, std::string, int64_t>>{
                        {4, "sku", 422}, {5, "name", 422}, {7, "row", 422}}))
      << r.body;
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/stock/" + e).body), "name"), "Tea, green");
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/stock/" + h).body), "name"), "He said \"hi\"");
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/stock/" + d).body), "name"), "Plain");
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/stock/" + f), 404)) << "row with a bad name applied";
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/stock/" + g), 404)) << "row with three cells applied";
}

TEST_F(ServerApiTest, CsvImportLocationsAndStock) {
  std::string locations =
      "region,location,kind\n"  // columns in any order
      "north,store-n1,store\n"
      "north,wh-n1,warehouse\n"  // bad kind
      "south,\"dc-s1\",dc\n";
  HttpResponse r = admin("POST", "/v1/import/locations", locations, "text/csv");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  EXPECT_EQ(num(body, "applied"), 2) << r.body;
  ASSERT_EQ(body["errors"].as_array().size(), 1u) << r.body;
  EXPECT_EQ(num(body["errors"].as_array()[0].as_object(), "line"), 3);
  EXPECT_EQ(str(body["errors"].as_array()[0].as_object(), "field"), "kind");

  std::string stock = "sku,location,qty\n" + kSkuB + ",store-n1,12\n" + kSkuB + ",dc-s1,0\n" +
                      kSkuB + ",nowhere,3\n" + kSkuB + ",dc-s1, 8 \n" + kSkuA + ",dc-s1,x\n";
  r = call("warehouse", "POST", "/v1/import/stock", stock, "text/csv");
  ASSERT_EQ(r.status, 200u) << describe(r);
  body = parse_object(r.body);
  EXPECT_EQ(num(body, "rows"), 5);
  EXPECT_EQ(num(body, "applied"), 2) << r.body;
  std::vector<std::pair<int64_t, std::string>> errors;
  for (const json::value& error : body["errors"].as_array()) {
    errors.emplace_back(num(error.as_object(), "line"), str(error.as_object(), "field"));
  }
  EXPECT_EQ(errors,
            (std::vector<std::pair<int64_t, std::string>>{{3, "qty"}, {4, "location"}, {6, "qty"}}))
      << r.body;
  EXPECT_EQ(balance(kSkuB, "store-n1"), (Balance{12, 0, 12}));
  EXPECT_EQ(balance(kSkuB, "dc-s1"), (Balance{8, 0, 8}));
  EXPECT_EQ(balance(kSkuB, "dc-west"), (Balance{50, 0, 50}));
}

TEST_F(ServerApiTest, CsvHeaderErrorsAndUnknownKind) {
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/import/skus", "sku,name,colour\n" + kSkuA + ",A,red\n", "text/csv"), 422,
      "header"));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/import/skus", "sku\n" + kSkuA + "\n", "text/csv"), 422,
                        "header"));
  EXPECT_TRUE(
      IsProblem(admin("POST", "/v1/import/skus", "sku,sku,name\n", "text/csv"), 422, "header"));
  EXPECT_TRUE(
      IsProblem(admin("POST", "/v1/import/skus", "sku,name\n\"unterminated,x\n", "text/csv"), 422));
  EXPECT_TRUE(IsProblem(
      admin("POST", "/v1/import/widgets", "sku,name\n" + kSkuA + ",A\n", "text/csv"), 404, "kind"));
  EXPECT_EQ(str(parse_object(admin("GET", "/v1/stock/" + kSkuA).body), "name"), "Alpha");
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- NDJSON signals

TEST_F(ServerApiTest, NdjsonEventsReportPerLineResults) {
  auto line = [](json::object o) { return json::serialize(o) + "\n"; };
  const int64_t at = 1'800'000'000'000;
  std::string body =
      line({{"type", "order"},
            {"session", "s1"},
            {"at_ms", at},
            {"sku", kSkuA},
            {"qty", 2},
            {"buyer", "b-123"},
            {"region", "east"},
            {"channel", "live-1"}})                                                       // 1 ok
      + line({{"type", "viewers"}, {"session", "s1"}, {"at_ms", at}, {"viewers", 1500}})  // 2 ok
      + "\n"                                                                              // 3
      + line({{"type", "order"},
              {"session", "s1"},
              {"at_ms", at},
              {"sku", kSkuUnknown},
              {"qty", 1}})  // 4 unknown sku
      + line({{"type", "order"},
              {"session", "s1"},
              {"at_ms", at},
              {"sku", kSkuA},
              {"qty", 1},
              {"phone", "+86 138 0000 0000"}})  // 5 phone
      + line({{"type", "comment"},
              {"session", "s1"},
              {"at_ms", at},
              {"text", "hi"},
              {"name", "Zhang San"}})  // 6 name
      + line({{"type", "comment"},
              {"session", "s1"},
              {"at_ms", at},
              {"text", std::string(2001, 'x')}})  // 7 text too long
      + line({{"type", "comment"},
              {"session", "s1"},
              {"at_ms", at},
              {"text", "is this in stock?"},
              {"sku", kSkuB}})    // 8 ok
      + "{\"type\":\"order\",\n"  // 9 malformed
      + line({{"type", "add_to_cart"},
              {"session", "s1"},
              {"at_ms", at},
              {"sku", kSkuA},
              {"qty", 0}})                                              // 10 qty 0
      + line({{"type", "teleport"}, {"session", "s1"}, {"at_ms", at}})  // 11 bad type
      + line({{"type", "viewers"}, {"session", "s1"}, {"at_ms", 5}, {"viewers", 1}});  // 12 at_ms
  HttpResponse r = call("live_operator", "POST", "/v1/events", body, "application/x-ndjson");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object out = parse_object(r.body);
  EXPECT_EQ(num(out, "accepted"), 3) << r.body;
  EXPECT_EQ(num(out, "rejected"), 8) << r.body;
  std::map<int64_t, std::pair<std::string, std::string>> results;  // line → (status, field)
  for (const json::value& result : out["results"].as_array()) {
    const json::object& o = result.as_object();
    results[num(o, "line")] = {str(o, "status"), str(o, "field")};
  }
  std::map<int64_t, std::pair<std::string, std::string>> expected = {
      {1, {"accepted", ""}},      {2, {"accepted", ""}},      {4, {"rejected", "sku"}},
      {5, {"rejected", "phone"}}, {6, {"rejected", "name"}},  {7, {"rejected", "text"}},
      {8, {"accepted", ""}},      {9, {"rejected", "body"}},  {10, {"rejected", "qty"}},
      {11, {"rejected", "type"}}, {12, {"rejected", "at_ms"}}};
  EXPECT_EQ(results, expected) << r.body;

  // Whole-body errors.
  EXPECT_TRUE(IsProblem(call("live_operator", "POST", "/v1/events", "\n\n", "application/x-ndjson"),
                        422, "body"));
  EXPECT_TRUE(IsProblem(call("live_operator", "POST", "/v1/events", body, "application/json"), 415,
                        "Content-Type"));
  // application/ndjson is accepted too.
  EXPECT_EQ(call("live_operator", "POST", "/v1/events",
                 line({{"type", "viewers"}, {"session", "s2"}, {"at_ms", at}, {"viewers", 1}}),
                 "application/ndjson")
                .status,
            200u);
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- ledger

struct Head {
  uint64_t tree_size = 0;
  std::string root;
  std::string signature;
};

class ServerApiLedgerTest : public ServerApiTest {
 protected:
  Head head() {
    HttpResponse r = call("auditor", "GET", "/v1/ledger/head");
    EXPECT_EQ(r.status, 200u) << describe(r);
    json::object o = parse_object(r.body);
    return Head{static_cast<uint64_t>(num(o, "tree_size")), str(o, "root"), str(o, "signature")};
  }
  static livechain::journal::Hash hash_of(const std::string& hex) {
    livechain::journal::Hash out{};
    auto bytes = livechain::from_hex(hex);
    EXPECT_TRUE(bytes && bytes->size() == out.size()) << "not a 32-byte hex hash: " << hex;
    if (bytes && bytes->size() == out.size()) std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
  }
  static std::vector<livechain::journal::Hash> hashes_of(const json::value& array) {
    std::vector<livechain::journal::Hash> out;
    for (const json::value& item : array.as_array()) {
      out.push_back(hash_of(std::string(item.as_string())));
    }
    return out;
  }
};

TEST_F(ServerApiLedgerTest, HeadIsSignedAndGrowsAfterAWrite) {
  HttpResponse r = call("auditor", "GET", "/v1/ledger/head");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object o = parse_object(r.body);
  EXPECT_GT(num(o, "tree_size"), 0);
  EXPECT_EQ(str(o, "root").size(), 64u) << r.body;
  EXPECT_EQ(str(o, "signature").size(), 128u) << "Ed25519 signature in hex: " << r.body;
  EXPECT_TRUE(livechain::from_hex(str(o, "signature")).has_value()) << r.body;
  EXPECT_FALSE(str(o, "public_key").empty()) << r.body;
  EXPECT_EQ(str(o, "algorithm"), "Ed25519");

  Head before = head();
  reserve_ok("o-ledger", {{kSkuA, 1, "dc-east"}});
  Head after = head();
  EXPECT_GT(after.tree_size, before.tree_size);
  EXPECT_NE(after.root, before.root);
  EXPECT_NE(after.signature, before.signature);
}

TEST_F(ServerApiLedgerTest, EventDecodesAndMatchesItsLeafHash) {
  Head now = head();
  ASSERT_GT(now.tree_size, 1u);
  for (uint64_t seq : {uint64_t{0}, now.tree_size / 2, now.tree_size - 1}) {
    HttpResponse r = call("supplier", "GET", "/v1/ledger/events/" + std::to_string(seq));
    ASSERT_EQ(r.status, 200u) << describe(r);
    json::object o = parse_object(r.body);
    EXPECT_EQ(num(o, "seq"), static_cast<int64_t>(seq));
    EXPECT_FALSE(str(o, "kind").empty()) << r.body;
    EXPECT_TRUE(o["fields"].is_array()) << r.body;
    auto bytes = livechain::from_hex(str(o, "event"));
    ASSERT_TRUE(bytes.has_value()) << r.body;
    EXPECT_EQ(str(o, "leaf_hash"), livechain::to_hex(livechain::journal::leaf_hash(*bytes)));
  }
  EXPECT_TRUE(IsProblem(
      call("auditor", "GET", "/v1/ledger/events/" + std::to_string(now.tree_size)), 404, "seq"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/ledger/events/99999999"), 404));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/ledger/events/abc"), 404));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/ledger/events/-1"), 404));
}

TEST_F(ServerApiLedgerTest, InclusionAndConsistencyProofsVerify) {
  Head old_head = head();
  reserve_ok("o-proof-1", {{kSkuA, 1, "dc-east"}});
  reserve_ok("o-proof-2", {{kSkuB, 1, "dc-west"}});
  Head new_head = head();
  ASSERT_GT(new_head.tree_size, old_head.tree_size);

  for (uint64_t seq = 0; seq < new_head.tree_size;
       seq += std::max<uint64_t>(1, new_head.tree_size / 7)) {
    HttpResponse event = call("auditor", "GET", "/v1/ledger/events/" + std::to_string(seq));
    ASSERT_EQ(event.status, 200u) << describe(event);
    std::string leaf = str(parse_object(event.body), "leaf_hash");
    HttpResponse r = call("auditor", "GET",
                          "/v1/ledger/proof/inclusion?seq=" + std::to_string(seq) +
                              "&size=" + std::to_string(new_head.tree_size));
    ASSERT_EQ(r.status, 200u) << describe(r);
    json::object proof = parse_object(r.body);
    EXPECT_EQ(str(proof, "leaf_hash"), leaf);
    EXPECT_EQ(str(proof, "root"), new_head.root) << "proof root differs from the signed head";
    auto path = hashes_of(proof["proof"]);
    EXPECT_TRUE(livechain::journal::verify_inclusion(seq, new_head.tree_size, hash_of(leaf), path,
                                                     hash_of(new_head.root)))
        << "seq " << seq << ": " << r.body;
    // A tampered leaf does not verify.
    auto tampered = hash_of(leaf);
    tampered[0] ^= 1;
    EXPECT_FALSE(livechain::journal::verify_inclusion(seq, new_head.tree_size, tampered, path,
                                                      hash_of(new_head.root)));
  }
  // Without size: the current tree.
  HttpResponse current = call("auditor", "GET", "/v1/ledger/proof/inclusion?seq=0");
  ASSERT_EQ(current.status, 200u) << describe(current);
  EXPECT_EQ(num(parse_object(current.body), "tree_size"), static_cast<int64_t>(new_head.tree_size));

  HttpResponse r = call("auditor", "GET",
                        "/v1/ledger/proof/consistency?from=" + std::to_string(old_head.tree_size) +
                            "&to=" + std::to_string(new_head.tree_size));
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object proof = parse_object(r.body);
  EXPECT_EQ(str(proof, "from_root"), old_head.root);
  EXPECT_EQ(str(proof, "to_root"), new_head.root);
  auto path = hashes_of(proof["proof"]);
  EXPECT_TRUE(livechain::journal::verify_consistency(
      old_head.tree_size, new_head.tree_size, hash_of(old_head.root), hash_of(new_head.root), path))
      << r.body;
  EXPECT_FALSE(livechain::journal::verify_consistency(old_head.tree_size, new_head.tree_size,
                                                      hash_of(new_head.root),
                                                      hash_of(new_head.root), path));
  // from == to: an empty proof.
  r = call("auditor", "GET",
           "/v1/ledger/proof/consistency?from=" + std::to_string(new_head.tree_size));
  ASSERT_EQ(r.status, 200u) << describe(r);
  EXPECT_TRUE(parse_object(r.body)["proof"].as_array().empty());
}

TEST_F(ServerApiLedgerTest, BadProofParametersAre422) {
  uint64_t size = head().tree_size;
  std::string s = std::to_string(size);
  struct Case {
    std::string target;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/ledger/proof/inclusion", "seq"},
           {"/v1/ledger/proof/inclusion?seq=abc", "seq"},
           {"/v1/ledger/proof/inclusion?seq=-1", "seq"},
           {"/v1/ledger/proof/inclusion?seq=", "seq"},
           {"/v1/ledger/proof/inclusion?seq=1.5", "seq"},
           {"/v1/ledger/proof/inclusion?seq=" + s, "seq"},
           {"/v1/ledger/proof/inclusion?seq=0&size=" + std::to_string(size + 1), "size"},
           {"/v1/ledger/proof/inclusion?seq=0&size=99999999999999999999999", "size"},
           {"/v1/ledger/proof/inclusion?seq=2&size=1", "seq"},
           {"/v1/ledger/proof/consistency", "from"},
           {"/v1/ledger/proof/consistency?from=0", "from"},
           {"/v1/ledger/proof/consistency?from=x", "from"},
           {"/v1/ledger/proof/consistency?from=1&to=" + std::to_string(size + 1), "to"},
           {"/v1/ledger/proof/consistency?from=3&to=2", "from"},
       }) {
    EXPECT_TRUE(IsProblem(call("auditor", "GET", c.target), 422, c.field)) << c.target;
  }
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- stock queries

TEST_F(ServerApiTest, StockOfSkuShowsLocationsTotalsAndChannels) {
  reserve_ok("o-stock", {{kSkuA, 10, "dc-west"}});
  HttpResponse r = call("supplier", "GET", "/v1/stock/" + kSkuA);
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  EXPECT_EQ(str(body, "sku"), g14(kSkuA));
  EXPECT_EQ(str(body, "name"), "Alpha");
  std::map<std::string, std::tuple<int64_t, int64_t, int64_t, std::string>> rows;
  for (const json::value& row : body["locations"].as_array()) {
    const json::object& o = row.as_object();
    rows[str(o, "location")] = {num(o, "on_hand"), num(o, "reserved"), num(o, "available"),
                                str(o, "region")};
  }
  EXPECT_EQ(rows, (std::map<std::string, std::tuple<int64_t, int64_t, int64_t, std::string>>{
                      {"dc-east", {100, 0, 100, "east"}}, {"dc-west", {40, 10, 30, "west"}}}));
  const json::object& totals = body["totals"].as_object();
  EXPECT_EQ(num(totals, "on_hand"), 140);
  EXPECT_EQ(num(totals, "reserved"), 10);
  EXPECT_EQ(num(totals, "available"), 130);
  ASSERT_EQ(body["available_to_sell"].as_array().size(), 1u) << r.body;
  const json::object& channel = body["available_to_sell"].as_array()[0].as_object();
  EXPECT_EQ(str(channel, "channel"), "live-1");
  EXPECT_EQ(num(channel, "available_to_sell"), 130);
  // The GTIN-14 form names the same SKU.
  EXPECT_EQ(call("auditor", "GET", "/v1/stock/" + g14(kSkuA)).status, 200u);
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock/" + kSkuUnknown), 404, "sku"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock/" + bad_check_digit(kSkuA)), 404, "sku"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock/abc"), 404, "sku"));
}

TEST_F(ServerApiTest, StockPagesVisitEveryRowExactlyOnce) {
  // 9 more SKUs, each at dc-east and dc-west; with A (2 rows), B and C: 4 + 18 = 22 rows.
  std::string skus = "sku,name\n";
  std::string stock = "sku,location,qty\n";
  for (int i = 0; i < 9; ++i) {
    std::string sku = gtin13("30000000000" + std::to_string(i));
    skus += sku + ",Item " + std::to_string(i) + "\n";
    stock += sku + ",dc-east," + std::to_string(i + 1) + "\n";
    stock += sku + ",dc-west," + std::to_string(i + 1) + "\n";
  }
  ASSERT_EQ(num(parse_object(admin("POST", "/v1/import/skus", skus, "text/csv").body), "applied"),
            9);
  ASSERT_EQ(num(parse_object(admin("POST", "/v1/import/stock", stock, "text/csv").body), "applied"),
            18);

  auto walk = [&](const std::string& filter, size_t limit) {
    std::multiset<std::pair<std::string, std::string>> seen;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      std::string target = "/v1/stock?limit=" + std::to_string(limit) + filter;
      if (!cursor.empty()) target += "&cursor=" + cursor;
      HttpResponse r = call("auditor", "GET", target);
      EXPECT_EQ(r.status, 200u) << describe(r);
      if (r.status != 200) break;
      json::object body = parse_object(r.body);
      const json::array& items = body["items"].as_array();
      EXPECT_LE(items.size(), limit);
      for (const json::value& item : items) {
        seen.insert({str(item.as_object(), "sku"), str(item.as_object(), "location")});
        if (filter.find("region=east") != std::string::npos) {
          EXPECT_EQ(str(item.as_object(), "region"), "east") << r.body;
        }
      }
      if (body["next_cursor"].is_null()) break;
      cursor = std::string(body["next_cursor"].as_string());
      EXPECT_FALSE(items.empty()) << "a page with a cursor but no rows";
    }
    return seen;
  };
  for (size_t limit : {1, 3, 4, 22, 1000}) {
    auto all = walk("", limit);
    EXPECT_EQ(all.size(), 22u) << "limit " << limit;
    EXPECT_EQ(std::set(all.begin(), all.end()).size(), all.size()) << "a row seen twice";
    auto east = walk("&region=east", limit);
    EXPECT_EQ(east.size(), 11u) << "limit " << limit;  // A, C and the 9 new at dc-east
    EXPECT_EQ(std::set(east.begin(), east.end()).size(), east.size());
  }
  auto west = walk("&location=dc-west", 2);
  EXPECT_EQ(west.size(), 11u);  // A, B and the 9 new
  // Bad parameters.
  for (std::string query : {"limit=0", "limit=1001", "limit=abc", "limit=-1", "limit="}) {
    EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?" + query), 422, "limit")) << query;
  }
  for (std::string query : {"cursor=abc", "cursor=1", "cursor=1.x", "cursor=.1"}) {
    EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?" + query), 422, "cursor")) << query;
  }
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?region=mars"), 422, "region"));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?location=nowhere"), 422, "location"));
  // A cursor beyond the end is an empty last page, not an error.
  HttpResponse beyond = call("auditor", "GET", "/v1/stock?cursor=999.0");
  EXPECT_EQ(beyond.status, 200u) << describe(beyond);
}

// ---------------------------------------------------------------- WebSocket

// Reads messages until one satisfies `want` or `timeout` passes.
template <class Want>
std::optional<json::object> next_matching(WebSocketClient& ws, std::chrono::milliseconds timeout,
                                          Want want, std::vector<std::string>* seen = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto message = ws.read(std::max(left, 1ms));
    if (!message) return std::nullopt;
    if (seen != nullptr) seen->push_back(*message);
    std::error_code error;
    json::value value = json::parse(*message, error);
    if (!error && value.is_object() && want(value.get_object())) return value.get_object();
  }
  return std::nullopt;
}

TEST_F(ServerApiTest, StreamPushesStockChangesAndStockout) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}))
      << ws.error() << " status " << ws.handshake_status();
  ASSERT_TRUE(
      ws.send(json::serialize(json::object{{"subscribe", {{"skus", json::array{kSkuC}}}}})));
  std::vector<std::string> seen;
  auto subscribed = next_matching(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "subscribed"; }, &seen);
  ASSERT_TRUE(subscribed.has_value()) << ::testing::PrintToString(seen);
  EXPECT_EQ(std::string((*subscribed)["skus"].as_array().at(0).as_string()), g14(kSkuC));
  // The current row arrives first (C: 5 at dc-east, which is low stock for the default
  // threshold of 10, so a low_stock alert may come with it).
  auto initial = next_matching(
      ws, 2s,
      [&](const json::object& o) {
        return str(o, "type") == "stock" && str(o, "sku") == g14(kSkuC);
      },
      &seen);
  ASSERT_TRUE(initial.has_value()) << ::testing::PrintToString(seen);
  EXPECT_EQ(num(*initial, "available"), 5);

  // Within 1 s of the acknowledgement (next_matching gives up after 1 s).
  reserve_ok("o-ws-1", {{kSkuC, 2, "dc-east"}});
  auto acked_at = std::chrono::steady_clock::now();
  auto change = next_matching(
      ws, 1s,
      [&](const json::object& o) {
        return str(o, "type") == "stock" && str(o, "sku") == g14(kSkuC) && num(o, "reserved") == 2;
      },
      &seen);
  ASSERT_TRUE(change.has_value()) << "no stock push within 1 s: " << ::testing::PrintToString(seen);
  EXPECT_LE(std::chrono::steady_clock::now() - acked_at, 1s);
  EXPECT_EQ(str(*change, "location"), "dc-east");
  EXPECT_EQ(num(*change, "available"), 3);
  EXPECT_EQ(num(*change, "on_hand"), 5);

  // The last 3 units: stockout.
  reserve_ok("o-ws-2", {{kSkuC, 3, "dc-east"}});
  auto alert = next_matching(
      ws, 1s,
      [&](const json::object& o) {
        return str(o, "type") == "alert" && str(o, "kind") == "stockout";
      },
      &seen);
  ASSERT_TRUE(alert.has_value()) << "no stockout alert: " << ::testing::PrintToString(seen);
  EXPECT_EQ(str(*alert, "sku"), g14(kSkuC));
  EXPECT_EQ(str(*alert, "location"), "dc-east");
  EXPECT_EQ(num(*alert, "available"), 0);
  // Changes of an SKU not subscribed to are not pushed.
  seen.clear();
  reserve_ok("o-ws-3", {{kSkuB, 1, "dc-west"}});
  auto other = next_matching(
      ws, 600ms, [&](const json::object& o) { return str(o, "sku") == g14(kSkuB); }, &seen);
  EXPECT_FALSE(other.has_value()) << ::testing::PrintToString(seen);
}

TEST_F(ServerApiTest, StreamSubscribesByLocationAndRejectsBadMessages) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream?access_token=" + keys_["warehouse"].key)) << ws.error();
  std::vector<std::string> seen;
  ASSERT_TRUE(ws.send("not json"));
  EXPECT_TRUE(next_matching(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "error"; }, &seen))
      << ::testing::PrintToString(seen);
  ASSERT_TRUE(ws.send(R"({"subscribe":{"skus":["123"]}})"));
  EXPECT_TRUE(next_matching(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "error"; }, &seen))
      << ::testing::PrintToString(seen);
  ASSERT_TRUE(ws.send(R"({"subscribe":{"locations":["dc-west"]}})"));
  ASSERT_TRUE(next_matching(
      ws, 2s, [](const json::object& o) { return str(o, "type") == "subscribed"; }, &seen))
      << ::testing::PrintToString(seen);
  reserve_ok("o-ws-loc", {{kSkuB, 4, "dc-west"}});
  auto change = next_matching(
      ws, 1500ms,
      [&](const json::object& o) {
        return str(o, "type") == "stock" && str(o, "sku") == g14(kSkuB) && num(o, "reserved") == 4;
      },
      &seen);
  EXPECT_TRUE(change.has_value()) << ::testing::PrintToString(seen);
  EXPECT_TRUE(ws.is_open());
}

TEST_F(ServerApiTest, StreamWithoutKeyIs401InsteadOfUpgrade) {
  {
    WebSocketClient ws(port_);
    EXPECT_FALSE(ws.connect("/v1/stream"));
    EXPECT_EQ(ws.handshake_status(), 401u) << ws.error();
    EXPECT_NE(ws.handshake_body().find("unauthorized"), std::string::npos) << ws.handshake_body();
    EXPECT_NE(ws.handshake_header("WWW-Authenticate").find("Bearer"), std::string::npos);
  }
  {
    WebSocketClient ws(port_);
    EXPECT_FALSE(ws.connect("/v1/stream", {{"Authorization", "Bearer wrong"}}));
    EXPECT_EQ(ws.handshake_status(), 401u) << ws.error();
  }
  {
    WebSocketClient ws(port_);
    EXPECT_FALSE(ws.connect("/v1/stream?access_token=wrong"));
    EXPECT_EQ(ws.handshake_status(), 401u) << ws.error();
  }
  {
    WebSocketClient ws(port_);
    EXPECT_FALSE(ws.connect("/v1/elsewhere", {{"Authorization", "Bearer " + keys_["admin"].key}}));
    EXPECT_EQ(ws.handshake_status(), 404u) << ws.error();
  }
  {
    // An upgrade without Sec-WebSocket-Key is a bad handshake, not a crash.
    HttpClient client(port_);
    ASSERT_TRUE(
        client.send_raw("GET /v1/stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                        "Upgrade: websocket\r\nAuthorization: Bearer " +
                        keys_["auditor"].key + "\r\n\r\n"));
    HttpResponse r = client.read_response();
    EXPECT_TRUE(r.status == 0 || (r.status >= 400 && r.status < 500)) << describe(r);
  }
  // A plain GET of the stream asks for an upgrade.
  HttpResponse plain = call("auditor", "GET", "/v1/stream");
  EXPECT_TRUE(IsProblem(plain, 426)) << describe(plain);
  expect_alive_and_intact();
}

// ---------------------------------------------------------------- operations

// The value of the sample line that starts with `series` ("name{labels}"), or -1.
double metric(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

TEST_F(ServerApiTest, MetricsCountRequestsAndReservations) {
  HttpResponse before = call("", "GET", "/metrics");
  ASSERT_EQ(before.status, 200u) << describe(before);
  EXPECT_EQ(before.media_type(), "text/plain");
  double created_before = metric(before.body, "livechain_reservations_total{outcome=\"created\"}");
  ASSERT_GE(created_before, 0) << before.body.substr(0, 3000);
  double insufficient_before =
      metric(before.body, "livechain_reservations_total{outcome=\"insufficient_stock\"}");

  reserve_ok("o-metrics-1", {{kSkuA, 1, "dc-east"}});
  reserve_ok("o-metrics-2", {{kSkuA, 1, "dc-east"}});
  reserve(reserve_body("o-metrics-3", {{kSkuC, 50, "dc-east"}}));  // 409
  admin("GET", "/v1/nope");                                        // 404

  HttpResponse after = call("", "GET", "/metrics");
  ASSERT_EQ(after.status, 200u);
  const std::string& text = after.body;
  EXPECT_EQ(metric(text, "livechain_reservations_total{outcome=\"created\"}"), created_before + 2);
  EXPECT_EQ(metric(text, "livechain_reservations_total{outcome=\"insufficient_stock\"}"),
            insufficient_before + 1);
  EXPECT_GE(metric(text,
                   "livechain_http_requests_total{method=\"POST\",route=\"/v1/reservations\","
                   "status=\"201\"}"),
            2)
      << text.substr(0, 4000);
  EXPECT_GE(metric(text,
                   "livechain_http_requests_total{method=\"POST\",route=\"/v1/reservations\","
                   "status=\"409\"}"),
            1);
  EXPECT_GE(metric(text,
                   "livechain_http_requests_total{method=\"GET\",route=\"unmatched\","
                   "status=\"404\"}"),
            1);
  EXPECT_NE(text.find("# TYPE livechain_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE livechain_http_request_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("livechain_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/"
                      "reservations\",le=\"+Inf\"}"),
            std::string::npos)
      << text.substr(0, 4000);
  EXPECT_NE(text.find("livechain_journal_commit_seconds_bucket{"), std::string::npos);
  EXPECT_NE(text.find("livechain_journal_commit_seconds_count"), std::string::npos);
  EXPECT_NE(text.find("livechain_engine_queue_depth "), std::string::npos);
  EXPECT_NE(text.find("livechain_journal_batch_commands_bucket{"), std::string::npos);
  // Every sample line is "name{labels} value" or "name value".
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    std::string line = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stod(line.substr(space + 1))) << line;
    EXPECT_TRUE(line.starts_with("livechain_")) << line;
  }
}

TEST_F(ServerApiTest, HealthReadinessAndOpenApi) {
  HttpResponse health = call("", "GET", "/healthz");
  ASSERT_EQ(health.status, 200u);
  EXPECT_EQ(str(parse_object(health.body), "status"), "ok");
  HttpResponse ready = call("", "GET", "/readyz");
  ASSERT_EQ(ready.status, 200u);
  EXPECT_EQ(str(parse_object(ready.body), "status"), "ready");

  HttpResponse doc = call("", "GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  EXPECT_EQ(doc.media_type(), "application/json");
  json::object openapi = parse_object(doc.body);
  EXPECT_EQ(str(openapi, "openapi"), "3.1.0");
  ASSERT_TRUE(openapi.contains("paths") && openapi["paths"].is_object());
  const json::object& paths = openapi["paths"].as_object();
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : paths) {
    for (const auto& [method, operation] : item.as_object()) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (upper == "GET" || upper == "PUT" || upper == "POST" || upper == "DELETE" ||
          upper == "PATCH") {
        documented.insert({upper, std::string(path)});
      }
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : livechain::server::route_summaries()) {
    served.insert({route.method, route.path});
  }
  EXPECT_EQ(documented, served);
}

// ---------------------------------------------------------------- shutdown

TEST_F(ServerApiTest, SigtermWhileClientsSendKeepsEveryAcknowledgedReservation) {
  struct Acked {
    int64_t id;
    std::string order_id;
    std::string location;
  };
  std::mutex mutex;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient client(port_, 5s);
      Headers headers = {{"Authorization", "Bearer " + keys_["live_operator"].key},
                         {"Content-Type", "application/json"}};
      for (int i = 0; !stop.load() && i < 100'000; ++i) {
        std::string order = "sig-" + std::to_string(t) + "-" + std::to_string(i);
        std::string location = t % 2 == 0 ? "dc-east" : "dc-west";
        HttpResponse r = client.request(
            "POST", "/v1/reservations",
            reserve_body(order, {{t % 2 == 0 ? kSkuA : kSkuB, 1, location}}), headers);
        if (r.status == 0) {
          // Connection closed by the draining server: reconnecting must fail soon.
          if (!client.connect()) break;
          continue;
        }
        answered.fetch_add(1);
        if (r.status == 201) {
          std::lock_guard lock(mutex);
          acked.push_back({num(parse_object(r.body), "reservation_id"), order, location});
        } else if (r.status != 409 && r.status != 503) {
          ADD_FAILURE() << "unexpected answer during shutdown: " << describe(r);
        }
      }
    });
  }
  auto started = std::chrono::steady_clock::now();
  while (answered.load() < 20 && std::chrono::steady_clock::now() - started < 5s) {
    std::this_thread::sleep_for(5ms);
  }
  int code = stop_server();
  stop.store(true);
  for (std::thread& thread : clients) thread.join();
  EXPECT_EQ(code, 0) << server_stderr();
  ASSERT_GT(acked.size(), 0u);

  ASSERT_NO_FATAL_FAILURE(start_server());
  int64_t reserved_a = 0;
  int64_t reserved_b = 0;
  for (const Acked& a : acked) {
    HttpResponse r = admin("GET", "/v1/reservations/" + std::to_string(a.id));
    ASSERT_EQ(r.status, 200u) << "acknowledged reservation " << a.id << " lost: " << describe(r);
    json::object view = parse_object(r.body);
    EXPECT_EQ(str(view, "order_id"), a.order_id);
    EXPECT_EQ(str(view, "status"), "pending");
    ASSERT_EQ(view["lines"].as_array().size(), 1u);
    EXPECT_EQ(str(view["lines"].as_array()[0].as_object(), "location"), a.location);
    (a.location == "dc-east" ? reserved_a : reserved_b) += 1;
  }
  std::set<int64_t> ids;
  for (const Acked& a : acked) ids.insert(a.id);
  EXPECT_EQ(ids.size(), acked.size()) << "an id was acknowledged twice";
  // Every acknowledged unit is still reserved (more may be: applied, answer lost).
  EXPECT_GE(balance(kSkuA, "dc-east").reserved, std::min<int64_t>(reserved_a, 100));
  EXPECT_GE(balance(kSkuB, "dc-west").reserved, std::min<int64_t>(reserved_b, 50));
  EXPECT_LE(balance(kSkuA, "dc-east").reserved, 100);
  EXPECT_LE(balance(kSkuB, "dc-west").reserved, 50);
}

// ---------------------------------------------------------------- configured limits

class ServerApiSmallLimitsTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"batch_reservations_max": 2, "csv_rows_max": 2, "ndjson_lines_max": 2,
               "page_size_max": 5, "stream_subscriptions_max": 2,
               "http": {"json_body_bytes_max": 1024, "header_bytes_max": 1024,
                        "bulk_body_bytes_max": 4096, "websocket_message_bytes_max": 128}})";
  }
};

TEST_F(ServerApiSmallLimitsTest, JsonBodyOverLimitIs413) {
  std::string big = R"({"order_id":"o-big","channel":"live-1","lines":[{"sku":")" + kSkuA +
                    R"(","qty":1,"location":"dc-east"}],"region":")" + std::string(1100, 'x') +
                    "\"}";
  EXPECT_TRUE(IsProblem(reserve(big), 413));
  // Announced length over the limit: refused before the body is read.
  {
    HttpClient client(port_);
    ASSERT_TRUE(
        client.send_raw("POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: "
                        "Bearer " +
                        keys_["admin"].key +
                        "\r\nContent-Type: application/json\r\nContent-Length: "
                        "100000000\r\n\r\n"));
    EXPECT_TRUE(IsProblem(client.read_response(), 413));
  }
  // Chunked, no length announced: refused once the limit is passed.
  {
    HttpClient client(port_);
    std::string chunk(1500, ' ');
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    client.send_raw("POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    keys_["admin"].key +
                    "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    size + "\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_TRUE(IsProblem(client.read_response(), 413));
  }
  // Just under the limit is fine.
  std::string fits = reserve_body("o-fits", {{kSkuA, 1, "dc-east"}});
  fits.insert(1, "\"ttl_ms\":60000," + std::string(1024 - fits.size() - 16, ' '));
  ASSERT_LE(fits.size(), 1024u);
  HttpResponse ok = reserve(fits);
  EXPECT_EQ(ok.status, 201u) << describe(ok);
  StockMap expected = baseline_;
  expected[{g14(kSkuA), "dc-east"}] = Balance{100, 1, 99};
  EXPECT_EQ(stock_of({kSkuA, kSkuB, kSkuC}), expected);
}

TEST_F(ServerApiSmallLimitsTest, HeaderOverLimitIs431) {
  HttpResponse r =
      call("admin", "GET", "/v1/stock/" + kSkuA, "", "", {{"X-Padding", std::string(2000, 'p')}});
  EXPECT_TRUE(IsProblem(r, 431)) << describe(r);
  // A long request target counts too.
  HttpResponse long_target = admin("GET", "/v1/stock?region=" + std::string(2000, 'e'));
  EXPECT_TRUE(IsProblem(long_target, 431)) << describe(long_target);
  expect_alive_and_intact();
}

TEST_F(ServerApiSmallLimitsTest, BatchOverLimitIs413) {
  json::array items;
  for (int i = 0; i < 3; ++i) {
    items.push_back(parse_json(reserve_body("o-b" + std::to_string(i), {{kSkuA, 1, "dc-east"}})));
  }
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/reservations/batch",
                              json::serialize(json::object{{"reservations", items}})),
                        413, "reservations"));
  expect_alive_and_intact();
  items.pop_back();
  HttpResponse ok = admin("POST", "/v1/reservations/batch",
                          json::serialize(json::object{{"reservations", items}}));
  ASSERT_EQ(ok.status, 200u) << describe(ok);
  EXPECT_EQ(num(parse_object(ok.body), "created"), 2);
}

TEST_F(ServerApiSmallLimitsTest, CsvRowsOverLimitIs413) {
  std::string csv = "sku,name\n";
  for (int i = 0; i < 3; ++i) csv += gtin13("40000000000" + std::to_string(i)) + ",n\n";
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/import/skus", csv, "text/csv"), 413, "body"));
  EXPECT_TRUE(IsProblem(admin("GET", "/v1/stock/" + gtin13("400000000000")), 404))
      << "a row of a refused import was applied";
  // Blank lines do not count; two rows fit.
  std::string two =
      "sku,name\n\n" + gtin13("400000000000") + ",n\n\n" + gtin13("400000000001") + ",n\n\n";
  HttpResponse ok = admin("POST", "/v1/import/skus", two, "text/csv");
  ASSERT_EQ(ok.status, 200u) << describe(ok);
  EXPECT_EQ(num(parse_object(ok.body), "applied"), 2);
  // Bulk body over its byte limit.
  std::string huge = "sku,name\n" + kSkuA + "," + std::string(5000, 'n') + "\n";
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/import/skus", huge, "text/csv"), 413));
  expect_alive_and_intact();
}

TEST_F(ServerApiSmallLimitsTest, NdjsonLinesOverLimitIs413) {
  std::string line = R"({"type":"viewers","session":"s1","at_ms":1800000000000,"viewers":5})"
                     "\n";
  EXPECT_TRUE(IsProblem(
      call("live_operator", "POST", "/v1/events", line + line + line, "application/x-ndjson"), 413,
      "body"));
  HttpResponse ok =
      call("live_operator", "POST", "/v1/events", line + "\n" + line, "application/x-ndjson");
  ASSERT_EQ(ok.status, 200u) << describe(ok);
  EXPECT_EQ(num(parse_object(ok.body), "accepted"), 2);
  expect_alive_and_intact();
}

TEST_F(ServerApiSmallLimitsTest, PageSizeOverLimitIs422) {
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/stock?limit=6"), 422, "limit"));
  HttpResponse ok = call("auditor", "GET", "/v1/stock?limit=5");
  ASSERT_EQ(ok.status, 200u) << describe(ok);
  EXPECT_EQ(parse_object(ok.body)["items"].as_array().size(), 4u);
  // Without a limit, the default page is capped by page_size_max too.
  HttpResponse fallback = call("auditor", "GET", "/v1/stock");
  EXPECT_TRUE(fallback.status == 200 || IsProblem(fallback, 422, "limit")) << describe(fallback);
}

TEST_F(ServerApiSmallLimitsTest, StreamSubscriptionAndMessageLimits) {
  WebSocketClient ws(port_);
  ASSERT_TRUE(ws.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}))
      << ws.error();
  auto type_is = [](std::string type) {
    return [type](const json::object& o) { return str(o, "type") == type; };
  };
  std::vector<std::string> seen;
  ASSERT_TRUE(ws.send(
      json::serialize(json::object{{"subscribe", {{"skus", json::array{kSkuA, kSkuB, kSkuC}}}}})));
  EXPECT_TRUE(next_matching(ws, 2s, type_is("error"), &seen)) << ::testing::PrintToString(seen);
  ASSERT_TRUE(
      ws.send(json::serialize(json::object{{"subscribe", {{"skus", json::array{kSkuA, kSkuB}}}}})));
  auto subscribed = next_matching(ws, 2s, type_is("subscribed"), &seen);
  ASSERT_TRUE(subscribed.has_value()) << ::testing::PrintToString(seen);
  EXPECT_EQ((*subscribed)["skus"].as_array().size(), 2u);
  ASSERT_TRUE(ws.send(R"({"subscribe":{"locations":["dc-east"]}})"));
  EXPECT_TRUE(next_matching(ws, 2s, type_is("error"), &seen)) << ::testing::PrintToString(seen);
  // A message over websocket_message_bytes_max ends the session.
  ASSERT_TRUE(ws.send(R"({"subscribe":{"locations":[")" + std::string(300, 'x') + R"("]}})"));
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (ws.is_open() && std::chrono::steady_clock::now() < deadline) ws.read(100ms);
  EXPECT_FALSE(ws.is_open()) << "an oversized WebSocket message was accepted";
  expect_alive_and_intact();
}

class ServerApiSmallQueueTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"http": {"websocket_queue_messages_max": 16}})";
  }
};

// A push is queued whole or not at all, so a first push over the queue limit closes the
// client however fast it reads (the browser test once passed or failed on read speed),
// while a client whose pushes fit stays connected.
TEST_F(ServerApiSmallQueueTest, APushOverTheQueueLimitClosesTheClientAndOnlyThatOne) {
  std::string skus = "sku,name\n";
  std::string stock = "sku,location,qty\n";
  for (int i = 0; i < 20; ++i) {
    const std::string sku = gtin13(std::to_string(300000000000 + i));
    skus += sku + ",Item " + std::to_string(i) + "\n";
    stock += sku + ",dc-west,50\n";
  }
  ASSERT_EQ(
      num(parse_object(call("admin", "POST", "/v1/import/skus", skus, "text/csv").body), "applied"),
      20);
  ASSERT_EQ(num(parse_object(call("admin", "POST", "/v1/import/stock", stock, "text/csv").body),
                "applied"),
            20);
  auto type_is = [](std::string type) {
    return [type](const json::object& o) { return str(o, "type") == type; };
  };
  WebSocketClient small(port_);
  ASSERT_TRUE(small.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}))
      << small.error();
  std::vector<std::string> seen;
  ASSERT_TRUE(
      small.send(json::serialize(json::object{{"subscribe", {{"skus", json::array{kSkuA}}}}})));
  ASSERT_TRUE(next_matching(small, 2s, type_is("stock"), &seen)) << ::testing::PrintToString(seen);

  WebSocketClient large(port_);
  ASSERT_TRUE(large.connect("/v1/stream", {{"Authorization", "Bearer " + keys_["auditor"].key}}))
      << large.error();
  ASSERT_TRUE(large.send(R"({"subscribe":{"locations":["dc-west"]}})"));
  size_t stock_messages = 0;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (large.is_open() && std::chrono::steady_clock::now() < deadline) {
    if (auto message = large.read(100ms))
      stock_messages += message->find("\"stock\"") != std::string::npos;
  }
  EXPECT_FALSE(large.is_open()) << "a 20-balance push fit a 16-message queue";
  EXPECT_EQ(stock_messages, 0u) << "part of an over-limit push was sent";

  reserve_ok("o-small-queue", {{kSkuA, 1, "dc-east"}});
  EXPECT_TRUE(next_matching(
      small, 2s,
      [](const json::object& o) { return str(o, "type") == "stock" && num(o, "reserved") >= 1; },
      &seen))
      << ::testing::PrintToString(seen);
  EXPECT_TRUE(small.is_open());
  EXPECT_EQ(admin("GET", "/v1/stock/" + kSkuA).status, 200u);
}

class ServerApiRateLimitTest : public ServerApiTest {
 protected:
  std::string config_json() const override { return R"({"requests_per_second_per_key": 1})"; }
  bool seed() const override { return false; }
};

TEST_F(ServerApiRateLimitTest, TooManyRequestsIs429WithRetryAfter) {
  EXPECT_EQ(call("auditor", "GET", "/v1/ledger/head").status, 200u);
  HttpResponse limited = call("auditor", "GET", "/v1/ledger/head");
  EXPECT_TRUE(IsProblem(limited, 429));
  EXPECT_FALSE(limited.header("Retry-After").empty()) << describe(limited);
  // The limit is per key; public endpoints are not limited.
  EXPECT_EQ(call("planner", "GET", "/v1/ledger/head").status, 200u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call("", "GET", "/healthz").status, 200u);
  // After the advertised wait the key works again.
  std::this_thread::sleep_for(std::chrono::seconds(std::stoi(limited.header("Retry-After"))) +
                              100ms);
  EXPECT_EQ(call("auditor", "GET", "/v1/ledger/head").status, 200u);
}

class ServerApiConnectionLimitTest : public ServerApiTest {
 protected:
  std::string config_json() const override { return R"({"http": {"connections_max": 1}})"; }
  bool seed() const override { return false; }
};

TEST_F(ServerApiConnectionLimitTest, SecondConnectionGets503) {
  HttpClient first(port_);
  ASSERT_EQ(first.request("GET", "/healthz").status, 200u);
  ASSERT_TRUE(first.is_open());
  {
    HttpClient second(port_);
    ASSERT_TRUE(second.connect()) << second.error();
    HttpResponse refused = second.read_response();
    EXPECT_TRUE(IsProblem(refused, 503)) << describe(refused);
    EXPECT_FALSE(refused.header("Retry-After").empty());
    EXPECT_TRUE(second.wait_for_close(2s)) << "a refused connection stays open";
  }
  // The first connection is unaffected.
  EXPECT_EQ(first.request("GET", "/healthz").status, 200u);
  first.close();
  // Once it is gone, a new connection is served.
  auto deadline = std::chrono::steady_clock::now() + 3s;
  unsigned status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpClient next(port_);
    status = next.request("GET", "/healthz").status;
    if (status == 200) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200u);
}

class ServerApiSlowClientTest : public ServerApiTest {
 protected:
  std::string config_json() const override {
    return R"({"http": {"request_timeout_ms": 300, "body_timeout_ms": 300}})";
  }
};

TEST_F(ServerApiSlowClientTest, HalfAHeaderIsCutOffAndOthersAreServed) {
  HttpClient slow(port_);
  ASSERT_TRUE(slow.send_raw("GET /v1/stock/" + kSkuA + " HTTP/1.1\r\nHost: x\r\nAuthor"));
  auto started = std::chrono::steady_clock::now();
  // Meanwhile another client is served at once.
  HttpResponse other = call("auditor", "GET", "/v1/stock/" + kSkuA);
  EXPECT_EQ(other.status, 200u) << describe(other);
  std::string received;
  EXPECT_TRUE(slow.wait_for_close(5s, &received)) << "the server never closed a stalled request";
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 3s);
  EXPECT_EQ(received.find("HTTP/1.1 2"), std::string::npos) << received;
  expect_alive_and_intact();
}

TEST_F(ServerApiSlowClientTest, StalledBodyIsCutOffAndNotApplied) {
  std::string body = reserve_body("o-slow", {{kSkuA, 9, "dc-east"}});
  HttpClient slow(port_);
  ASSERT_TRUE(slow.send_raw(
      "POST /v1/reservations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + keys_["admin"].key +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body.substr(0, 10)));
  std::string received;
  EXPECT_TRUE(slow.wait_for_close(5s, &received)) << "the server never closed a stalled body";
  EXPECT_EQ(received.find("HTTP/1.1 2"), std::string::npos) << received;
  EXPECT_NE(received.find("HTTP/1.1 408"), std::string::npos) << received;
  expect_alive_and_intact();
}

TEST_F(ServerApiSlowClientTest, IdleKeepAliveConnectionIsClosed) {
  HttpClient client(port_);
  ASSERT_EQ(client.request("GET", "/healthz").status, 200u);
  EXPECT_TRUE(client.wait_for_close(3s)) << "an idle keep-alive connection was kept open";
  EXPECT_EQ(call("", "GET", "/healthz").status, 200u);
}

}  // namespace
