// tests/server/cold_chain_api_test.cpp — issue 12 §6 against the real server: a
// shipment's range, NDJSON sensor readings, excursions raised and resolved as alerts,
// duplicates ignored, the curve, durability across a restart, bad input.
#include <fmt/format.h>

#include "server_fixture.hpp"

namespace {

class ColdChainApiTest : public ServerApiTest {
 protected:
  HttpResponse readings(const std::string& ndjson, const std::string& role = "warehouse") {
    return call(role, "POST", "/v1/sensors/readings", ndjson, "application/x-ndjson");
  }
  static std::string line(const std::string& shipment, int minute, double temp_c) {
    return json::serialize(json::object{{"shipment", shipment},
                                        {"time", fmt::format("2026-12-07T08:{:02d}:00Z", minute)},
                                        {"temp_c", temp_c},
                                        {"sensor", "logger-7"}}) +
           "\n";
  }
  json::array alerts(const std::string& state) {
    HttpResponse r = call("admin", "GET", "/v1/alerts?kind=cold_chain_excursion&state=" + state);
    EXPECT_EQ(r.status, 200u) << describe(r);
    return parse_object(r.body).at("alerts").as_array();
  }
};

TEST_F(ColdChainApiTest, ExcursionsBecomeAlertsAndTheCurveIsKept) {
  HttpResponse range =
      call("warehouse", "PUT", "/v1/shipments/SH-1/cold-chain",
           json::serialize(json::object{{"min_c", 2}, {"max_c", 8}, {"sku", kSkuA}}));
  ASSERT_EQ(range.status, 200u) << describe(range);
  EXPECT_EQ(str(parse_object(range.body), "sku"), g14(kSkuA));

  // 8.5 °C is tolerated (0.5 °C), 8.6 °C starts an excursion, 7.9 °C ends it.
  HttpResponse first = readings(line("SH-1", 0, 5.0) + line("SH-1", 1, 8.5) + line("SH-1", 2, 8.6));
  ASSERT_EQ(first.status, 200u) << describe(first);
  json::object answer = parse_object(first.body);
  EXPECT_EQ(num(answer, "stored"), 3);
  json::array excursions = answer.at("excursions").as_array();
  ASSERT_EQ(excursions.size(), 1u);
  EXPECT_TRUE(excursions[0].as_object().at("opened").as_bool());
  EXPECT_EQ(str(excursions[0].as_object(), "time"), "2026-12-07T08:02:00.000Z");
  ASSERT_EQ(alerts("raised").size(), 1u);  // durable before the answer

  // Re-sending the same readings changes nothing.
  json::object again = parse_object(readings(line("SH-1", 2, 8.6)).body);
  EXPECT_EQ(num(again, "duplicates"), 1);
  EXPECT_TRUE(again.at("excursions").as_array().empty());

  json::object back = parse_object(readings(line("SH-1", 3, 9.5) + line("SH-1", 4, 7.9)).body);
  ASSERT_EQ(back.at("excursions").as_array().size(), 1u);
  EXPECT_FALSE(back.at("excursions").as_array()[0].as_object().at("opened").as_bool());
  EXPECT_EQ(alerts("raised").size(), 0u);
  EXPECT_EQ(alerts("resolved").size(), 1u);

  // The curve, as JSON and SVG, survives a restart.
  ASSERT_EQ(stop_server(), 0);
  ASSERT_NO_FATAL_FAILURE(start_server());
  HttpResponse got = call("supplier", "GET", "/v1/shipments/SH-1/cold-chain");
  ASSERT_EQ(got.status, 200u) << describe(got);
  json::object state = parse_object(got.body);
  EXPECT_EQ(num(state, "readings_count"), 5);
  EXPECT_EQ(num(state, "excursions"), 1);
  EXPECT_FALSE(state.at("excursion_open").as_bool());
  json::array points = state.at("readings").as_array();
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points[4].as_object().at("temp_c").to_number<double>(), 7.9);
  HttpResponse svg = call("supplier", "GET", "/v1/shipments/SH-1/cold-chain.svg");
  ASSERT_EQ(svg.status, 200u) << describe(svg);
  EXPECT_EQ(svg.media_type(), "image/svg+xml");
  EXPECT_NE(svg.body.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.body.find("<rect"), std::string::npos);  // the range band
  HttpResponse latest = call("supplier", "GET", "/v1/shipments/SH-1/cold-chain?limit=2");
  EXPECT_EQ(parse_object(latest.body).at("readings").as_array().size(), 2u);
}

TEST_F(ColdChainApiTest, ReadingsWithoutARangeAreKeptButRaiseNothing) {
  json::object answer = parse_object(readings(line("SH-2", 0, 30.0)).body);
  EXPECT_EQ(num(answer, "stored"), 1);
  EXPECT_TRUE(answer.at("excursions").as_array().empty());
  json::object state = parse_object(call("auditor", "GET", "/v1/shipments/SH-2/cold-chain").body);
  EXPECT_TRUE(state.at("range").is_null());
}

TEST_F(ColdChainApiTest, BadInputNamesTheFieldAndKeepsTheGoodLines) {
  HttpResponse mixed =
      readings(line("SH-3", 0, 4.0) +
               R"({"shipment":"SH-3","time":"yesterday","temp_c":4})"
               "\n" +
               R"({"shipment":"SH-3","time":"2026-12-07T08:01:00Z","temp_c":"cold"})"
               "\n" +
               R"({"shipment":"SH-3","time":"2026-12-07T08:02:00Z","temp_c":140})"
               "\n" +
               R"({"shipment":"a b","time":"2026-12-07T08:03:00Z","temp_c":4})"
               "\n" +
               R"({"shipment":"SH-3","time":"2026-12-07T08:04:00Z","temp_c":4,"address":"x"})"
               "\n");
  ASSERT_EQ(mixed.status, 200u) << describe(mixed);
  json::object answer = parse_object(mixed.body);
  EXPECT_EQ(num(answer, "stored"), 1);
  json::array rejected = answer.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 5u);
  std::vector<std::string> fields;
  for (const auto& r : rejected) fields.push_back(str(r.as_object(), "field"));
  EXPECT_EQ(fields, (std::vector<std::string>{"time", "temp_c", "temp_c", "shipment", "address"}));

  EXPECT_TRUE(IsProblem(
      call("warehouse", "PUT", "/v1/shipments/SH-3/cold-chain", R"({"min_c":8,"max_c":2})"), 422,
      "max_c"));
  EXPECT_TRUE(IsProblem(call("warehouse", "PUT", "/v1/shipments/SH-3/cold-chain", R"({"min_c":2})"),
                        422, "max_c"));
  EXPECT_TRUE(IsProblem(call("warehouse", "PUT", "/v1/shipments/SH-3/cold-chain",
                             R"({"min_c":2,"max_c":8,"sku":"123"})"),
                        422, "sku"));
  EXPECT_TRUE(IsProblem(call("supplier", "GET", "/v1/shipments/none/cold-chain"), 404, "id"));
  EXPECT_TRUE(
      IsProblem(call("supplier", "GET", "/v1/shipments/SH-3/cold-chain?limit=0"), 422, "limit"));
  EXPECT_TRUE(IsProblem(readings(line("SH-3", 9, 4.0), "live_operator"), 403, std::nullopt));
  EXPECT_TRUE(IsProblem(readings("\n"), 422, "body"));
}

}  // namespace
