// tests/server/kpi_api_test.cpp — the twelve KPIs over the real `livechain serve`
// (fixture: server_fixture.hpp) and the real CLI (issue 19 §1): both routes and their
// exact JSON shapes, today's numbers worked out by hand, bad input (422 naming the
// field, nothing journaled), permissions, the same numbers after a restart, and
// `livechain kpi --json` answering what the server answers.
#include <ctime>

#include "server_fixture.hpp"

namespace {

// Today's date (UTC) by the system clock, as the server sees it.
std::string today_utc() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &utc);
  return buffer;
}

class KpiApiTest : public ServerApiTest {
 protected:
  int64_t tree_size() {
    HttpResponse head = admin("GET", "/v1/ledger/head");
    EXPECT_EQ(head.status, 200u) << describe(head);
    return num(parse_object(head.body), "tree_size");
  }
  json::object kpis_of_today(const std::string& role = "admin") {
    std::string today = today_utc();
    HttpResponse r = call(role, "GET", "/v1/kpis?period=day&from=" + today + "&to=" + today);
    EXPECT_EQ(r.status, 200u) << describe(r);
    json::object body = parse_object(r.body);
    EXPECT_EQ(body.size(), 2u);
    EXPECT_EQ(str(body, "period"), "day");
    const json::array& rows = body.at("rows").as_array();
    EXPECT_EQ(rows.size(), 1u);
    const json::object& row = rows.at(0).as_object();
    EXPECT_EQ(row.size(), 2u);
    EXPECT_EQ(str(row, "start"), today);
    return row.at("kpis").as_object();
  }
  // Today's moves on top of the seed (A 100 @dc-east + 40 @dc-west, B 50, C 5: 195 on
  // hand, three SKUs active): see KpiApiTest.TodaysNumbersByHand.
  void move_stock() {
    int64_t sale = num(reserve_ok("o-1", {Line(kSkuA, 10, "dc-east")}), "reservation_id");
    ASSERT_EQ(admin("POST", "/v1/reservations/" + std::to_string(sale) + "/commit", "{}").status,
              200u);
    int64_t held = num(reserve_ok("o-2", {Line(kSkuC, 5, "dc-east")}), "reservation_id");
    ASSERT_EQ(admin("POST", "/v1/reservations/" + std::to_string(held) + "/release", "{}").status,
              200u);
    HttpResponse adjusted = admin(
        "POST", "/v1/adjustments",
        R"({"sku":")" + kSkuA + R"(","location":"dc-east","delta":-2,"reason":"cycle count"})");
    ASSERT_EQ(adjusted.status, 201u) << describe(adjusted);
    HttpResponse shipped =
        call("warehouse", "POST", "/v1/transfers",
             json::serialize(json::object{
                 {"sku", kSkuA}, {"from", "dc-east"}, {"to", "dc-west"}, {"qty", 10}}));
    ASSERT_EQ(shipped.status, 201u) << describe(shipped);
    std::string transfer = std::to_string(num(parse_object(shipped.body), "transfer_id"));
    ASSERT_EQ(call("warehouse", "POST", "/v1/transfers/" + transfer + "/receive").status, 200u);
    HttpResponse returned =
        call("warehouse", "POST", "/v1/returns",
             json::serialize(json::object{
                 {"sku", kSkuA}, {"location", "dc-west"}, {"qty", 1}, {"reason", "damaged"}}));
    ASSERT_EQ(returned.status, 201u) << describe(returned);
    std::string id = std::to_string(num(parse_object(returned.body), "return_id"));
    ASSERT_EQ(
        call("warehouse", "POST", "/v1/returns/" + id + "/grade", R"({"grade":"restock"})").status,
        200u);
  }
};

double number(const json::object& kpis, std::string_view name) {
  const json::value* value = kpis.if_contains(name);
  if (value == nullptr || !value->is_number()) {
    ADD_FAILURE() << name << " is not a number: " << json::serialize(kpis);
    return -1;
  }
  return value->to_number<double>();
}
void expect_null(const json::object& kpis, std::string_view name) {
  const json::value* value = kpis.if_contains(name);
  ASSERT_NE(value, nullptr) << name << " missing";
  EXPECT_TRUE(value->is_null()) << name << " = " << json::serialize(*value);
}

TEST_F(KpiApiTest, DefinitionsAreTwelveInThreeGroups) {
  HttpResponse r = call("supplier", "GET", "/v1/kpis/definitions");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  ASSERT_EQ(body.size(), 1u);
  const json::array& kpis = body.at("kpis").as_array();
  ASSERT_EQ(kpis.size(), 12u);
  std::map<std::string, int> groups;
  for (const json::value& value : kpis) {
    const json::object& kpi = value.as_object();
    EXPECT_EQ(kpi.size(), 5u) << json::serialize(kpi);
    for (const char* key : {"name", "group", "unit", "formula", "target"}) {
      EXPECT_TRUE(kpi.contains(key)) << key << " in " << json::serialize(kpi);
    }
    groups[str(kpi, "group")] += 1;
    EXPECT_FALSE(str(kpi, "formula").empty());
  }
  EXPECT_EQ(groups,
            (std::map<std::string, int>{{"customer", 4}, {"finance", 4}, {"operations", 4}}));
  const json::object& turnover = kpis.at(0).as_object();
  EXPECT_EQ(str(turnover, "name"), "inventory_turnover_days");
  EXPECT_EQ(str(turnover, "target"), "45 -> 30");
  const json::object& fill = kpis.at(1).as_object();
  EXPECT_EQ(str(fill, "name"), "order_fill_rate_percent");
  EXPECT_DOUBLE_EQ(fill.at("target").to_number<double>(), 98.6);
  EXPECT_TRUE(kpis.at(4).as_object().at("target").is_null());  // money: no report target
}

TEST_F(KpiApiTest, TodaysNumbersByHand) {
  std::string before = today_utc();
  ASSERT_NO_FATAL_FAILURE(move_stock());
  if (today_utc() != before) GTEST_SKIP() << "the moves straddled midnight UTC";
  json::object kpis = kpis_of_today();
  EXPECT_EQ(kpis.size(), 12u);
  // Closing on hand: 195 − 10 sold − 2 adjusted − 10 shipped + 10 received + 1 restocked
  // = 184; 10 spot units sold → 18.4 days of cover.
  EXPECT_DOUBLE_EQ(number(kpis, "inventory_turnover_days"), 18.4);
  EXPECT_DOUBLE_EQ(number(kpis, "order_fill_rate_percent"), 100.0);  // 10 of 10
  // The adjustment: |−2| of max(90, 88) at A@dc-east.
  EXPECT_NEAR(number(kpis, "stock_accuracy_percent"), 100.0 * (1 - 2.0 / 90), 1e-9);
  // The transfer arrived within the same second or so: on time.
  EXPECT_LT(number(kpis, "fulfilment_time_hours"), 0.1);
  EXPECT_DOUBLE_EQ(number(kpis, "on_time_delivery_percent"), 100.0);
  // C (5 units, all reserved by o-2) was out for a moment: 1 of 3 SKUs active.
  EXPECT_NEAR(number(kpis, "stockout_rate_percent"), 100.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(number(kpis, "return_rate_percent"), 10.0);  // 1 returned of 10 sold
  EXPECT_LT(number(kpis, "return_processing_time_hours"), 0.1);
  for (const char* money : {"stock_value_to_revenue_percent", "cash_tied_in_stock_minor_units",
                            "gross_margin_percent", "cost_of_returns_minor_units"}) {
    expect_null(kpis, money);
  }
}

TEST_F(KpiApiTest, SameNumbersAfterRestartAndStillFed) {
  std::string before = today_utc();
  ASSERT_NO_FATAL_FAILURE(move_stock());
  std::string query = "/v1/kpis?period=week&to=" + today_utc();
  HttpResponse first = admin("GET", query);
  ASSERT_EQ(first.status, 200u) << describe(first);
  ASSERT_EQ(stop_server(), 0);
  ASSERT_NO_FATAL_FAILURE(start_server());
  EXPECT_NE(server_stderr().find("kpis: read model built from"), std::string::npos);
  HttpResponse second = admin("GET", query);
  ASSERT_EQ(second.status, 200u) << describe(second);
  EXPECT_EQ(first.body, second.body);
  // Events after the restart are fed too: one more sale of 10 A.
  int64_t sale = num(reserve_ok("o-3", {Line(kSkuA, 10, "dc-east")}), "reservation_id");
  ASSERT_EQ(admin("POST", "/v1/reservations/" + std::to_string(sale) + "/commit", "{}").status,
            200u);
  if (today_utc() != before) GTEST_SKIP() << "the moves straddled midnight UTC";
  json::object kpis = kpis_of_today();
  // 174 on hand after 20 sold → 8.7 days; the return is now 1 of 20 sold.
  EXPECT_DOUBLE_EQ(number(kpis, "inventory_turnover_days"), 174.0 / 20);
  EXPECT_DOUBLE_EQ(number(kpis, "return_rate_percent"), 5.0);
}

TEST_F(KpiApiTest, EveryRoleReadsAndNoKeyIsRefused) {
  for (const char* role : kRoles) {
    EXPECT_EQ(call(role, "GET", "/v1/kpis").status, 200u) << role;
    EXPECT_EQ(call(role, "GET", "/v1/kpis/definitions").status, 200u) << role;
  }
  EXPECT_TRUE(IsProblem(call("", "GET", "/v1/kpis"), 401));
  EXPECT_TRUE(IsProblem(call("", "GET", "/v1/kpis/definitions"), 401));
  EXPECT_TRUE(IsProblem(admin("POST", "/v1/kpis", "{}"), 405));
}

TEST_F(KpiApiTest, DefaultsAreThirtyOneDaysEndingToday) {
  HttpResponse r = admin("GET", "/v1/kpis");
  ASSERT_EQ(r.status, 200u) << describe(r);
  json::object body = parse_object(r.body);
  EXPECT_EQ(str(body, "period"), "day");
  const json::array& rows = body.at("rows").as_array();
  ASSERT_EQ(rows.size(), 31u);
  EXPECT_EQ(str(rows.back().as_object(), "start"), today_utc());
  // Thirty days before the seed: no data, every value null.
  for (const auto& value : rows.front().as_object().at("kpis").as_object()) {
    EXPECT_TRUE(value.value().is_null()) << value.key();
  }
  HttpResponse months = admin("GET", "/v1/kpis?period=month");
  ASSERT_EQ(months.status, 200u);
  EXPECT_EQ(parse_object(months.body).at("rows").as_array().size(), 12u);
}

TEST_F(KpiApiTest, BadInputIs422NamingTheFieldAndRecordsNothing) {
  int64_t size_before = tree_size();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/kpis?period=year", "period"},
      {"/v1/kpis?period=", "period"},
      {"/v1/kpis?period=day&period=week", "period"},
      {"/v1/kpis?from=2026-02-30", "from"},
      {"/v1/kpis?from=2026-2-01&to=2026-03-01", "from"},
      {"/v1/kpis?to=tomorrow", "to"},
      {"/v1/kpis?from=1969-12-31&to=1970-01-05", "from"},
      {"/v1/kpis?from=2026-12-08&to=2026-12-07", "from"},             // from after to
      {"/v1/kpis?period=day&from=2026-01-01&to=2027-01-02", "to"},    // 367 days
      {"/v1/kpis?period=week&from=2021-12-12&to=2026-12-06", "to"},   // 261 weeks
      {"/v1/kpis?period=month&from=2016-12-01&to=2026-12-01", "to"},  // 121 months
      {"/v1/kpis?granularity=day", "granularity"},
  };
  for (const auto& [target, field] : cases) {
    EXPECT_TRUE(IsProblem(call("auditor", "GET", target), 422, field)) << target;
  }
  // At the limits: 366 days, 260 weeks, 120 months answer.
  EXPECT_EQ(admin("GET", "/v1/kpis?period=day&from=2026-01-01&to=2027-01-01").status, 200u);
  EXPECT_EQ(admin("GET", "/v1/kpis?period=week&from=2021-12-13&to=2026-12-06").status, 200u);
  HttpResponse months = admin("GET", "/v1/kpis?period=month&from=2017-01-01&to=2026-12-31");
  ASSERT_EQ(months.status, 200u);
  EXPECT_EQ(parse_object(months.body).at("rows").as_array().size(), 120u);
  EXPECT_EQ(tree_size(), size_before);
}

TEST_F(KpiApiTest, CliPrintsWhatTheServerAnswers) {
  ASSERT_NO_FATAL_FAILURE(move_stock());
  std::string to = today_utc();
  HttpResponse served = admin("GET", "/v1/kpis?period=month&to=" + to);
  ASSERT_EQ(served.status, 200u);
  // The server holds the writer lock; the CLI reads the journal read-only beside it.
  RunResult printed = cli({"--json", "kpi", "--db", db_, "--period", "month", "--to", to});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(parse_json(printed.out), parse_json(served.body));
  RunResult definitions = cli({"--json", "kpi", "--definitions"});
  ASSERT_EQ(definitions.exit_code, 0) << definitions.err;
  EXPECT_EQ(parse_json(definitions.out), parse_json(admin("GET", "/v1/kpis/definitions").body));
  RunResult text = cli({"kpi", "--db", db_, "--period", "week", "--to", to});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("inventory_turnover_days"), std::string::npos);
  EXPECT_NE(text.out.find("no data"), std::string::npos);  // money
  // Bad input: a usage error naming the option.
  RunResult bad = cli({"kpi", "--db", db_, "--period", "year"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--period"), std::string::npos) << bad.err;
  RunResult too_long = cli({"kpi", "--db", db_, "--from", "2020-01-01", "--to", "2026-01-01"});
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.err.find("--to"), std::string::npos) << too_long.err;
}

}  // namespace
