// tests/server/trace_api_test.cpp — issue 12 §2 against the real server: production
// batches and serial ranges over HTTP, their journal events, durability across a
// restart, and the CLI reading the same database.
#include <fmt/format.h>

#include <cctype>

#include "server_fixture.hpp"

namespace {

class TraceApiTest : public ServerApiTest {};

std::string batch_body(const std::string& sku, const std::string& lot) {
  return json::serialize(json::object{{"sku", sku},
                                      {"lot", lot},
                                      {"produced_at", "2026-11-30"},
                                      {"factory", "factory-1"},
                                      {"inspection_reports", json::array{"QA-2026-118"}}});
}

TEST_F(TraceApiTest, CreateIssueReadBackAndRestart) {
  HttpResponse created = call("planner", "POST", "/v1/batches", batch_body(kSkuA, "L/2026-11"));
  ASSERT_EQ(created.status, 201u) << describe(created);
  json::object batch = parse_object(created.body);
  const std::string id = std::to_string(num(batch, "batch_id"));
  EXPECT_EQ(str(batch, "sku"), g14(kSkuA));
  EXPECT_EQ(str(batch, "lot"), "L/2026-11");
  EXPECT_EQ(str(batch, "produced_at").substr(0, 10), "2026-11-30");
  EXPECT_EQ(str(batch, "factory"), "factory-1");
  EXPECT_EQ(num(batch, "units_issued"), 0);

  // The same batch again is answered unchanged (no second batch); other content is 409.
  HttpResponse again = call("planner", "POST", "/v1/batches", batch_body(kSkuA, "L/2026-11"));
  ASSERT_EQ(again.status, 201u) << describe(again);
  EXPECT_EQ(std::to_string(num(parse_object(again.body), "batch_id")), id);
  json::object other = parse_object(batch_body(kSkuA, "L/2026-11"));
  other["factory"] = "factory-2";
  EXPECT_TRUE(
      IsProblem(call("planner", "POST", "/v1/batches", json::serialize(other)), 409, "lot"));

  HttpResponse first =
      call("warehouse", "POST", "/v1/batches/" + id + "/units", R"({"count":100})");
  ASSERT_EQ(first.status, 201u) << describe(first);
  EXPECT_EQ(num(parse_object(first.body), "first_serial"), 1);
  EXPECT_EQ(num(parse_object(first.body), "last_serial"), 100);
  HttpResponse second = call("warehouse", "POST", "/v1/batches/" + id + "/units", R"({"count":5})");
  ASSERT_EQ(second.status, 201u) << describe(second);
  EXPECT_EQ(num(parse_object(second.body), "first_serial"), 101);
  EXPECT_EQ(num(parse_object(second.body), "last_serial"), 105);

  // Issuing is a journal event: the last leaf is units_issued with the range.
  HttpResponse head = call("auditor", "GET", "/v1/ledger/head");
  ASSERT_EQ(head.status, 200u) << describe(head);
  const int64_t size = num(parse_object(head.body), "tree_size");
  HttpResponse leaf = call("auditor", "GET", "/v1/ledger/events/" + std::to_string(size - 1));
  ASSERT_EQ(leaf.status, 200u) << describe(leaf);
  EXPECT_NE(leaf.body.find("units_issued"), std::string::npos) << leaf.body;
  EXPECT_NE(leaf.body.find("101"), std::string::npos) << leaf.body;

  // Durable: a restarted server and the CLI read the same batch.
  ASSERT_EQ(stop_server(), 0);
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse got = call("supplier", "GET", "/v1/batches/" + id);
  ASSERT_EQ(got.status, 200u) << describe(got);
  EXPECT_EQ(num(parse_object(got.body), "units_issued"), 105);
  EXPECT_FALSE(parse_object(got.body).contains("first_serial"));
  ASSERT_EQ(stop_server(), 0);
  RunResult shown = cli({"--json", "trace", "batch", "show", "--db", db_, "--batch", id});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(num(parse_object(shown.out), "units_issued"), 105);
  RunResult issued =
      cli({"--json", "trace", "batch", "units", "--db", db_, "--batch", id, "--count", "3"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  EXPECT_EQ(num(parse_object(issued.out), "first_serial"), 106);
  ASSERT_NO_FATAL_FAILURE(start_server());
}

// Both batch writes are idempotent like every write: the same key and body answer the
// first answer again and issue nothing twice; the key with another body is 422.
TEST_F(TraceApiTest, IdempotencyKeyMakesBatchWritesRetrySafe) {
  const Headers key_a = {{"Idempotency-Key", "batch-a"}};
  HttpResponse created =
      call("planner", "POST", "/v1/batches", batch_body(kSkuA, "L/7"), "application/json", key_a);
  ASSERT_EQ(created.status, 201u) << describe(created);
  const std::string id = std::to_string(num(parse_object(created.body), "batch_id"));
  EXPECT_TRUE(IsProblem(
      call("planner", "POST", "/v1/batches", batch_body(kSkuA, "L/8"), "application/json", key_a),
      422, "Idempotency-Key"));

  const Headers key_u = {{"Idempotency-Key", "units-1"}};
  const std::string units = "/v1/batches/" + id + "/units";
  HttpResponse first =
      call("warehouse", "POST", units, R"({"count":10})", "application/json", key_u);
  ASSERT_EQ(first.status, 201u) << describe(first);
  ASSERT_EQ(stop_server(), 0);  // the key survives a restart
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse retry =
      call("warehouse", "POST", units, R"({"count":10})", "application/json", key_u);
  ASSERT_EQ(retry.status, 201u) << describe(retry);
  EXPECT_EQ(num(parse_object(retry.body), "first_serial"), 1);
  EXPECT_EQ(num(parse_object(retry.body), "last_serial"), 10);
  EXPECT_TRUE(
      IsProblem(call("warehouse", "POST", units, R"({"count":11})", "application/json", key_u), 422,
                "Idempotency-Key"));
  HttpResponse got = call("supplier", "GET", "/v1/batches/" + id);
  ASSERT_EQ(got.status, 200u) << describe(got);
  EXPECT_EQ(num(parse_object(got.body), "units_issued"), 10) << "issued once, not twice";
}

TEST_F(TraceApiTest, BadInputNamesTheFieldAndStoresNothing) {
  auto post = [&](const std::string& body) { return call("planner", "POST", "/v1/batches", body); };
  HttpResponse head_before = call("auditor", "GET", "/v1/ledger/head");
  json::object good = parse_object(batch_body(kSkuB, "LOT-1"));
  auto with = [&](std::string_view name, json::value value) {
    json::object body = good;
    body[name] = std::move(value);
    return json::serialize(body);
  };
  EXPECT_TRUE(IsProblem(post(with("lot", "")), 422, "lot"));
  EXPECT_TRUE(IsProblem(post(with("lot", "ABCDEFGHIJKLMNOPQRSTU")), 422, "lot"));  // 21
  EXPECT_TRUE(IsProblem(post(with("lot", "a b")), 422, "lot"));  // space: not in set 82
  EXPECT_TRUE(IsProblem(post(with("produced_at", "2026-02-30")), 422, "produced_at"));
  EXPECT_TRUE(IsProblem(post(with("produced_at", "yesterday")), 422, "produced_at"));
  EXPECT_TRUE(IsProblem(post(with("factory", "bad id!")), 422, "factory"));
  EXPECT_TRUE(IsProblem(post(with("sku", json::string(kSkuUnknown))), 422, "sku"));
  EXPECT_TRUE(IsProblem(post(with("inspection_reports", "QA-1")), 422, "inspection_reports"));
  json::array many;
  for (int i = 0; i < 17; ++i) many.push_back(json::string("R" + std::to_string(i)));
  EXPECT_TRUE(IsProblem(post(with("inspection_reports", many)), 422, "inspection_reports"));
  EXPECT_TRUE(IsProblem(post(with("colour", "red")), 422, "colour"));
  EXPECT_TRUE(IsProblem(post(R"({"sku":"1","sku":"2"})"), 400));  // duplicate key
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/batches/999/units", R"({"count":1})"), 404));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/batches/999"), 404));
  EXPECT_TRUE(IsProblem(call("auditor", "GET", "/v1/batches/abc"), 404));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", "/v1/batches", batch_body(kSkuB, "X")), 403));
  // Nothing above reached the journal.
  HttpResponse head_after = call("auditor", "GET", "/v1/ledger/head");
  EXPECT_EQ(num(parse_object(head_before.body), "tree_size"),
            num(parse_object(head_after.body), "tree_size"));

  HttpResponse created = post(json::serialize(good));
  ASSERT_EQ(created.status, 201u) << describe(created);
  const std::string units =
      "/v1/batches/" + std::to_string(num(parse_object(created.body), "batch_id")) + "/units";
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", units, R"({"count":0})"), 422, "count"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", units, R"({"count":1000001})"), 422, "count"));
  EXPECT_TRUE(IsProblem(call("warehouse", "POST", units, R"({})"), 422, "count"));
}

}  // namespace

// ---- GET /v1/verify (issue 12 §7): anti-counterfeit scans ---------------------------

namespace {

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class VerifyApiTest : public ServerApiTest {
 protected:
  // A batch of kSkuA, lot L7, with serials 1 … 10.
  void SetUp() override {
    ServerApiTest::SetUp();
    HttpResponse created = call("planner", "POST", "/v1/batches", batch_body(kSkuA, "L7"));
    ASSERT_EQ(created.status, 201u) << describe(created);
    batch_id_ = num(parse_object(created.body), "batch_id");
    HttpResponse units =
        call("warehouse", "POST", "/v1/batches/" + std::to_string(batch_id_) + "/units",
             R"({"count":10})");
    ASSERT_EQ(units.status, 201u) << describe(units);
  }

  std::string link(const std::string& lot, const std::string& serial) {
    return "https://id.gs1.org/01/" + g14(kSkuA) + "/10/" + lot + "/21/" + serial;
  }
  // A scan as a phone sends it: no API key.
  HttpResponse scan(const std::string& dl, const std::string& region = "") {
    std::string target = "/v1/verify?dl=" + url_encode(dl);
    if (!region.empty()) target += "&region=" + url_encode(region);
    return call("", "GET", target);
  }
  json::object verdict(const std::string& dl, const std::string& region = "") {
    HttpResponse r = scan(dl, region);
    EXPECT_EQ(r.status, 200u) << describe(r);
    return parse_object(r.body);
  }
  size_t counterfeit_alerts() {
    HttpResponse r = call("admin", "GET", "/v1/alerts?kind=counterfeit_suspected");
    EXPECT_EQ(r.status, 200u) << describe(r);
    return parse_object(r.body).at("alerts").as_array().size();
  }

  int64_t batch_id_ = 0;
};

}  // namespace

TEST_F(VerifyApiTest, GenuineThenCountedThenTwoRegionsWithinTheHourRaiseAnAlert) {
  json::object first = verdict(link("L7", "3"), "east");
  EXPECT_EQ(str(first, "verdict"), "genuine");
  EXPECT_EQ(num(first, "scans"), 1);
  EXPECT_EQ(num(first, "previous_scans"), 0);
  EXPECT_EQ(num(first, "batch_id"), batch_id_);
  EXPECT_EQ(str(first, "sku"), g14(kSkuA));
  EXPECT_EQ(str(first, "lot"), "L7");
  EXPECT_EQ(str(first, "serial"), "3");
  EXPECT_EQ(str(first, "factory"), "factory-1");
  EXPECT_EQ(str(first, "produced_at").substr(0, 10), "2026-11-30");
  EXPECT_FALSE(first.contains("region"));  // buyer data never comes back

  json::object again = verdict(link("L7", "3"), "east");
  EXPECT_EQ(str(again, "verdict"), "already_scanned");
  EXPECT_EQ(num(again, "previous_scans"), 1);
  EXPECT_FALSE(again.at("seen_elsewhere_recently").as_bool());
  EXPECT_EQ(counterfeit_alerts(), 0u);

  json::object elsewhere = verdict(link("L7", "3"), "west");
  EXPECT_EQ(str(elsewhere, "verdict"), "already_scanned");
  EXPECT_EQ(num(elsewhere, "previous_scans"), 2);
  EXPECT_TRUE(elsewhere.at("seen_elsewhere_recently").as_bool());
  // The alert is durable before the answer: it is listed at once, with the regions.
  ASSERT_EQ(counterfeit_alerts(), 1u);
  HttpResponse alerts = call("admin", "GET", "/v1/alerts?kind=counterfeit_suspected");
  EXPECT_NE(alerts.body.find("\"west\""), std::string::npos) << alerts.body;
  EXPECT_NE(alerts.body.find("\"3\""), std::string::npos) << alerts.body;

  // Another serial is its own code: genuine on first sight.
  EXPECT_EQ(str(verdict(link("L7", "4"), "west"), "verdict"), "genuine");

  // Counts are durable.
  ASSERT_EQ(stop_server(), 0);
  ASSERT_NO_FATAL_FAILURE(start_server());
  json::object after = verdict(link("L7", "3"));
  EXPECT_EQ(num(after, "previous_scans"), 3);
  EXPECT_EQ(str(after, "first_scanned_at"), str(first, "first_scanned_at"));
}

TEST_F(VerifyApiTest, CodesTheBrandNeverIssuedAreUnknown) {
  for (const std::string& dl : {link("L7", "11"),  // beyond the serials issued
                                link("L7", "03"),  // not the issued spelling of 3
                                link("L7", "A3"),  // not a serial we issue
                                link("L8", "3"),   // no such lot
                                "https://id.gs1.org/01/" + g14(kSkuB) + "/10/L7/21/3"}) {
    json::object answer = verdict(dl, "east");
    EXPECT_EQ(str(answer, "verdict"), "unknown") << dl;
    EXPECT_FALSE(answer.contains("scans")) << dl;
  }
  // Unknown scans are not counted: serial 3 is still genuine on its first real scan.
  EXPECT_EQ(str(verdict(link("L7", "3")), "verdict"), "genuine");
}

TEST_F(VerifyApiTest, BadInputNamesTheField) {
  EXPECT_TRUE(IsProblem(call("", "GET", "/v1/verify"), 422, "dl"));
  EXPECT_TRUE(IsProblem(scan("not a uri"), 422, "dl"));
  EXPECT_TRUE(IsProblem(scan("https://id.gs1.org/01/" + g14(kSkuA) + "/10/L7"), 422, "dl"));
  EXPECT_TRUE(IsProblem(scan("https://id.gs1.org/01/12345678901234/10/L7/21/3"), 422, "dl"));
  EXPECT_TRUE(IsProblem(scan(link("L7", "3"), "a b"), 422, "region"));
  // None of them counted a scan.
  EXPECT_EQ(str(verdict(link("L7", "3")), "verdict"), "genuine");
}

// The QR code's URI path itself resolves on this server (issue 12 §4): a page for a
// person (counted as a scan) and the GS1 linkset for a resolver (not counted).
TEST_F(VerifyApiTest, ScanPageShowsTheUnitAndTheLinksetDoesNotCount) {
  const std::string path = "/01/" + g14(kSkuA) + "/10/L7/21/3";
  HttpResponse page = call("", "GET", path + "?region=west");
  ASSERT_EQ(page.status, 200u) << describe(page);
  EXPECT_EQ(page.media_type(), "text/html");
  EXPECT_NE(page.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  for (std::string_view expected :
       {"Alpha", "data-verdict=\"genuine\"", "factory-1", "QA-2026-118", "2026-11-30",
        "data-field=\"origin\"", "<td>east</td>", "生产日期", "Production date"}) {
    EXPECT_NE(page.body.find(expected), std::string::npos) << expected << "\n" << page.body;
  }
  EXPECT_EQ(page.body.find("<td>west</td>"), std::string::npos);  // the scanner's region: never

  HttpResponse links = call("", "GET", path + "?linkType=all");
  ASSERT_EQ(links.status, 200u) << describe(links);
  EXPECT_EQ(links.media_type(), "application/linkset+json");
  json::object set = parse_object(links.body).at("linkset").as_array().at(0).as_object();
  EXPECT_EQ(str(set, "anchor"), "https://id.gs1.org" + path);
  EXPECT_EQ(str(set.at("https://gs1.org/voc/pip").as_array().at(0).as_object(), "href"), path);
  EXPECT_EQ(
      str(set.at("https://gs1.org/voc/certificationInfo").as_array().at(0).as_object(), "title"),
      "QA-2026-118");
  HttpResponse by_accept = call("", "GET", path, "", "", {{"Accept", "application/json"}});
  EXPECT_EQ(by_accept.media_type(), "application/linkset+json") << describe(by_accept);

  // The page counted one scan; the two linkset requests none.
  EXPECT_EQ(num(verdict(link("L7", "3")), "previous_scans"), 1);

  // A code the brand never issued gets the page too, saying so.
  HttpResponse unknown = call("", "GET", "/01/" + g14(kSkuA) + "/10/L7/21/99");
  ASSERT_EQ(unknown.status, 200u) << describe(unknown);
  EXPECT_NE(unknown.body.find("data-verdict=\"unknown\""), std::string::npos) << unknown.body;
  EXPECT_EQ(unknown.body.find("factory-1"), std::string::npos);
  // Not a conforming Digital Link (bad check digit): no page.
  HttpResponse bad = call("", "GET", "/01/12345678901234/10/L7/21/3");
  EXPECT_GE(bad.status, 400u);
  EXPECT_LT(bad.status, 500u);
}

// Lots may hold < > & ' " (GS1 set 82): the page escapes them.
TEST_F(VerifyApiTest, ScanPageEscapesEveryValue) {
  HttpResponse created = call("planner", "POST", "/v1/batches", batch_body(kSkuB, "<i>&'\"x"));
  ASSERT_EQ(created.status, 201u) << describe(created);
  const std::string id = std::to_string(num(parse_object(created.body), "batch_id"));
  ASSERT_EQ(call("warehouse", "POST", "/v1/batches/" + id + "/units", R"({"count":1})").status,
            201u);
  HttpResponse page =
      call("", "GET", "/01/" + g14(kSkuB) + "/10/" + url_encode("<i>&'\"x") + "/21/1");
  ASSERT_EQ(page.status, 200u) << describe(page);
  EXPECT_NE(page.body.find("&lt;i&gt;&amp;&#39;&quot;x"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("<i>"), std::string::npos) << page.body;
}
