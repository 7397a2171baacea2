// Unit tests of the server's pure parts: request parsing, CSV and NDJSON bulk bodies,
// the route table and its OpenAPI document, problem mapping, roles, stock alerts.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "alerts/alerts.hpp"
#include "server/access.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"
#include "server/routes.hpp"
#include "server/server.hpp"

namespace livechain::server {
namespace {

namespace json = boost::json;

json::object object_of(std::string_view text) {
  auto parsed = parse_json_object(text, ParseLimits{});
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? *parsed : json::object();
}

// The field and code a reservation body is refused with.
std::pair<std::string, ErrorCode> reserve_error(std::string_view body) {
  auto reserve = parse_reserve(object_of(body), "");
  EXPECT_FALSE(reserve.has_value()) << body;
  if (reserve) return {"", ErrorCode::invalid_argument};
  return {reserve.error().field, reserve.error().code};
}

constexpr std::string_view kGoodSku = "6901234567892";

TEST(ReserveParsing, AcceptsAFullRequestAndNormalisesTheGtin) {
  auto reserve = parse_reserve(
      object_of(R"({"order_id":"o-1","channel":"live-1","region":"east","ttl_ms":60000,
                    "lines":[{"sku":"6901234567892","qty":2,"location":"dc-1"},
                             {"sku":"6901234567892","qty":1}]})"),
      "key-1");
  ASSERT_TRUE(reserve.has_value()) << reserve.error().to_string();
  EXPECT_EQ(reserve->order_id, "o-1");
  EXPECT_EQ(reserve->buyer_region, "east");
  EXPECT_EQ(reserve->ttl_ms, 60000);
  EXPECT_EQ(reserve->idempotency_key, "key-1");
  ASSERT_EQ(reserve->lines.size(), 2u);
  EXPECT_EQ(reserve->lines[0].gtin, "06901234567892");
  EXPECT_EQ(reserve->lines[0].location_id, "dc-1");
  EXPECT_FALSE(reserve->lines[1].location_id.has_value());
}

TEST(ReserveParsing, NamesTheOffendingFieldForEveryKindOfBadInput) {
  auto line = [](std::string_view fields) {
    return std::string(R"({"order_id":"o","channel":"c","lines":[{)") + std::string(fields) + "}]}";
  };
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567893","qty":1)")).first, "lines[0].sku");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":0)")).first, "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":-5)")).first, "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":1.5)")).first, "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":1e30)")).first, "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":99999999999999999999)")).first,
            "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":"3")")).first, "lines[0].qty");
  EXPECT_EQ(reserve_error(line(R"("sku":6901234567892,"qty":3)")).first, "lines[0].sku");
  EXPECT_EQ(reserve_error(line(R"("sku":"6901234567892","qty":1,"colour":"red")")).first,
            "lines[0].colour");
  EXPECT_EQ(reserve_error(R"({"channel":"c","lines":[{"sku":"6901234567892","qty":1}]})").first,
            "order_id");
  EXPECT_EQ(reserve_error(R"({"order_id":"o","channel":"c","lines":[]})").first, "lines");
  EXPECT_EQ(reserve_error(R"({"order_id":"o","channel":"c","lines":{}})").first, "lines");
  EXPECT_EQ(reserve_error(R"({"order_id":"o","channel":"c","lines":[{"sku":"6901234567892",
            "qty":1}],"ttl_ms":5})")
                .first,
            "ttl_ms");
  std::string many = R"({"order_id":"o","channel":"c","lines":[)";
  for (int i = 0; i < 65; ++i)
    many += std::string(i ? "," : "") + R"({"sku":"6901234567892","qty":1})";
  auto [field, code] = reserve_error(many + "]}");
  EXPECT_EQ(field, "lines");
  EXPECT_EQ(code, ErrorCode::limit_exceeded);
}

TEST(JsonBody, SyntaxErrorsTruncationAndDepthAreRefusedAsBody) {
  ParseLimits limits;
  for (std::string_view body : {R"({"order_id":)", "{", "[1,2]", "nul", R"({"a":1}x)", ""}) {
    auto parsed = parse_json_object(body, limits);
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_EQ(parsed.error().field, "body");
  }
  std::string deep(40, '[');
  deep = R"({"a":)" + deep + std::string(40, ']') + "}";
  EXPECT_FALSE(parse_json_object(deep, limits).has_value());
  EXPECT_TRUE(parse_json_object("  ", limits, /*allow_empty=*/true).has_value());
}

TEST(ReserveBatch, LimitsTheNumberOfReservations) {
  ParseLimits limits;
  limits.batch_reservations_max = 2;
  auto ok = parse_reserve_batch(object_of(R"({"reservations":[{},{}]})"), limits);
  EXPECT_TRUE(ok.has_value());
  auto too_many = parse_reserve_batch(object_of(R"({"reservations":[{},{},{}]})"), limits);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::limit_exceeded);
  EXPECT_FALSE(parse_reserve_batch(object_of(R"({"reservations":[]})"), limits).has_value());
  EXPECT_FALSE(parse_reserve_batch(object_of(R"({"reservations":[1]})"), limits).has_value());
}

TEST(MovementParsing, RangesAndEnumsAreChecked) {
  EXPECT_TRUE(parse_receipt(object_of(R"({"sku":"6901234567892","location":"d","qty":5})")));
  EXPECT_EQ(parse_receipt(object_of(R"({"sku":"6901234567892","location":"d","qty":1000001})"))
                .error()
                .field,
            "qty");
  EXPECT_EQ(parse_adjustment(object_of(R"({"sku":"6901234567892","location":"d","delta":0,
                                          "reason":"count"})"))
                .error()
                .field,
            "delta");
  EXPECT_EQ(
      parse_put_location("dc-1", object_of(R"({"kind":"moon_base","region":"e"})")).error().field,
      "kind");
  EXPECT_EQ(parse_grade_request(1, object_of(R"({"grade":"resell"})")).error().field, "grade");
  EXPECT_EQ(parse_put_sku("123", object_of(R"({"name":"x"})")).error().field, "sku");
  EXPECT_TRUE(parse_transfer_receipt(7, json::object()).has_value());
  EXPECT_FALSE(parse_path_id("id", "0").has_value());
  EXPECT_FALSE(parse_path_id("id", "12a").has_value());
  EXPECT_FALSE(parse_path_id("id", "99999999999999999999").has_value());
  EXPECT_EQ(*parse_path_id("id", "42"), 42u);
}

TEST(CsvImport, AppliesRowsAndReportsBadOnesByLine) {
  std::string body =
      "name,sku\r\n"
      "\"Lip, matte\",6901234567892\r\n"
      "bad,6901234567893\r\n"
      "\r\n"
      "\"Multi\nline\",06901234567892\n"
      "short\n";
  auto rows = parse_csv_import(ImportKind::skus, body, ParseLimits{});
  ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 4u);
  ASSERT_TRUE((*rows)[0].command.has_value());
  EXPECT_EQ((*rows)[0].line, 2u);
  EXPECT_EQ(std::get<engine::PutSku>(*(*rows)[0].command).name, "Lip, matte");
  EXPECT_EQ((*rows)[1].line, 3u);
  EXPECT_EQ((*rows)[1].command.error().field, "sku");
  EXPECT_EQ((*rows)[2].line, 5u);
  EXPECT_EQ(std::get<engine::PutSku>(*(*rows)[2].command).name, "Multi\nline");
  EXPECT_EQ((*rows)[3].line, 7u);
  EXPECT_EQ((*rows)[3].command.error().field, "row");
}

TEST(CsvImport, IgnoresAUtf8ByteOrderMark) {
  auto rows =
      parse_csv_import(ImportKind::skus, "\xEF\xBB\xBFsku,name\n6901234567892,x\n", ParseLimits{});
  ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_TRUE((*rows)[0].command.has_value());
}

TEST(CsvImport, HeaderAndSizeErrorsRefuseTheWholeBody) {
  ParseLimits limits;
  limits.csv_rows_max = 2;
  EXPECT_EQ(parse_csv_import(ImportKind::stock, "sku,location\n", limits).error().field, "header");
  EXPECT_EQ(parse_csv_import(ImportKind::stock, "sku,location,qty,colour\n", limits).error().field,
            "header");
  EXPECT_EQ(parse_csv_import(ImportKind::stock, "sku,sku,qty\n", limits).error().field, "header");
  EXPECT_EQ(parse_csv_import(ImportKind::stock, "", limits).error().field, "header");
  EXPECT_EQ(parse_csv_import(ImportKind::skus, "sku,name\n\"open,x\n", limits).error().code,
            ErrorCode::invalid_argument);
  std::string three = "sku,location,qty\n6901234567892,d,1\n6901234567892,d,1\n6901234567892,d,1\n";
  EXPECT_EQ(parse_csv_import(ImportKind::stock, three, limits).error().code,
            ErrorCode::limit_exceeded);
  auto rows = parse_csv_import(ImportKind::stock, "qty,sku,location\n-1,6901234567892,d\n", limits);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ((*rows)[0].command.error().field, "qty");
}

TEST(SignalIngest, ParsesEachLineAndRefusesPersonalData) {
  std::string body =
      R"({"type":"order","session":"s1","at_ms":1790000000000,"sku":"6901234567892","qty":2,"buyer":"b-9","region":"east"})"
      "\n\n"
      R"({"type":"comment","session":"s1","at_ms":1790000000000,"text":"want it!"})"
      "\n"
      R"({"type":"viewers","session":"s1","at_ms":1790000000000,"viewers":12000})"
      "\n"
      R"({"type":"order","session":"s1","at_ms":1790000000000,"sku":"6901234567892","qty":2,"phone":"138"})"
      "\n"
      R"({"type":"order","session":"s1","at_ms":1790000000000})"
      "\n"
      "not json\r\n"
      R"({"type":"shout","session":"s1","at_ms":1790000000000})";
  auto lines = parse_signal_lines(body, ParseLimits{});
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(lines->size(), 7u);
  EXPECT_TRUE((*lines)[0].signal.has_value());
  EXPECT_EQ((*lines)[0].signal->gtin, "06901234567892");
  EXPECT_EQ((*lines)[1].line, 3u);
  EXPECT_EQ((*lines)[1].signal->text, "want it!");
  EXPECT_EQ((*lines)[2].signal->quantity, 12000);
  EXPECT_EQ((*lines)[3].signal.error().field, "phone");
  EXPECT_EQ((*lines)[4].signal.error().field, "sku");
  EXPECT_EQ((*lines)[5].line, 7u);
  EXPECT_EQ((*lines)[5].signal.error().field, "body");
  EXPECT_EQ((*lines)[6].line, 8u);
  EXPECT_EQ((*lines)[6].signal.error().field, "type");
  ParseLimits small;
  small.ndjson_lines_max = 1;
  EXPECT_EQ(parse_signal_lines("{}\n{}\n", small).error().code, ErrorCode::limit_exceeded);
  small.comment_bytes_max = 4;
  auto long_comment = parse_signal(
      object_of(R"({"type":"comment","session":"s","at_ms":1790000000000,"text":"hello"})"), small);
  EXPECT_EQ(long_comment.error().field, "text");
}

TEST(Routes, LiteralSegmentsWinAndMethodsAreChecked) {
  RouteMatch batch = match_route(Method::post, "/v1/reservations/batch");
  ASSERT_NE(batch.route, nullptr);
  EXPECT_EQ(batch.route->id, RouteId::reservation_batch);
  RouteMatch commit = match_route(Method::post, "/v1/reservations/17/commit");
  ASSERT_NE(commit.route, nullptr);
  EXPECT_EQ(commit.params, std::vector<std::string>{"17"});
  RouteMatch wrong_method = match_route(Method::delete_, "/v1/reservations/17");
  EXPECT_EQ(wrong_method.route, nullptr);
  EXPECT_TRUE(wrong_method.path_known);
  RouteMatch unknown = match_route(Method::get, "/v1/nothing");
  EXPECT_FALSE(unknown.path_known);
  EXPECT_EQ(match_route(Method::get, "/v1/stock/").route, nullptr);
  RouteMatch encoded = match_route(Method::put, "/v1/locations/dc%2Deast");
  ASSERT_NE(encoded.route, nullptr);
  EXPECT_EQ(encoded.params[0], "dc-east");
  EXPECT_EQ(match_route(Method::put, "/v1/locations/dc%2").route, nullptr);
}

// The OpenAPI document and the route table must describe the same API.
TEST(OpenApi, DocumentsExactlyTheRoutesTheServerServes) {
  auto text = openapi_json();
  ASSERT_TRUE(text.has_value()) << text.error().to_string();
  json::value document = json::parse(*text);
  EXPECT_EQ(document.at("openapi").as_string(), "3.1.0");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& path : document.at("paths").as_object()) {
    for (const auto& operation : path.value().as_object()) {
      std::string method(operation.key());
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(method, std::string(path.key()));
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const RouteSummary& route : route_summaries()) served.emplace(route.method, route.path);
  for (const auto& route : served) {
    EXPECT_TRUE(documented.contains(route))
        << route.first << " " << route.second << " is served but missing from api/openapi.yaml";
  }
  for (const auto& route : documented) {
    EXPECT_TRUE(served.contains(route))
        << route.first << " " << route.second << " is documented but not served";
  }
}

// Every response schema states its data level; buyer data is the only sensitive field.
TEST(OpenApi, EverySchemaCarriesADataLevel) {
  auto text = openapi_json();
  ASSERT_TRUE(text.has_value());
  json::value document = json::parse(*text);
  const std::set<std::string> levels = {"public", "internal", "sensitive", "core"};
  std::set<std::string> sensitive;
  for (const auto& schema : document.at("components").at("schemas").as_object()) {
    const json::object& object = schema.value().as_object();
    ASSERT_TRUE(object.contains("x-data-level")) << schema.key() << " has no x-data-level";
    EXPECT_TRUE(levels.contains(std::string(object.at("x-data-level").as_string())));
    const json::value* properties = object.if_contains("properties");
    if (properties == nullptr) continue;
    for (const auto& property : properties->as_object()) {
      const json::value* level = property.value().as_object().if_contains("x-data-level");
      if (level == nullptr) continue;
      EXPECT_TRUE(levels.contains(std::string(level->as_string())));
      if (level->as_string() == "sensitive") {
        sensitive.insert(std::string(schema.key()) + "." + std::string(property.key()));
      }
    }
  }
  EXPECT_EQ(sensitive, (std::set<std::string>{"Reservation.region", "ReservationRequest.region"}));
}

TEST(Problems, EngineErrorsMapToStatusesAndApiFieldNames) {
  EXPECT_EQ(status_for_error({ErrorCode::insufficient_stock, "lines[0].qty_units", ""},
                             ErrorOrigin::body),
            409u);
  EXPECT_EQ(status_for_error({ErrorCode::not_found, "reservation_id", ""}, ErrorOrigin::path),
            404u);
  EXPECT_EQ(status_for_error({ErrorCode::not_found, "lines[0].gtin", ""}, ErrorOrigin::path), 422u);
  EXPECT_EQ(status_for_error({ErrorCode::not_found, "channel_id", ""}, ErrorOrigin::body), 422u);
  EXPECT_EQ(status_for_error({ErrorCode::busy, "", ""}, ErrorOrigin::body), 503u);
  EXPECT_EQ(api_field_name("lines[2].qty_units"), "lines[2].qty");
  EXPECT_EQ(api_field_name("lines[0].gtin"), "lines[0].sku");
  EXPECT_EQ(api_field_name("from_location_id"), "from");
  EXPECT_EQ(api_field_name("channel_id"), "channel");
  EXPECT_EQ(api_field_name("to_location"), "to");
  EXPECT_EQ(api_field_name("region_from"), "from");
  EXPECT_EQ(api_field_name("distance_km"), "km");
  ApiResponse busy = problem_from_error({ErrorCode::busy, "", "queue full"});
  EXPECT_EQ(busy.status, 503u);
  EXPECT_EQ(busy.content_type, "application/problem+json");
  bool retry_after = false;
  for (const auto& [name, value] : busy.headers) retry_after |= name == "Retry-After";
  EXPECT_TRUE(retry_after);
  json::value body = json::parse(
      problem_from_error({ErrorCode::invalid_argument, "lines[0].gtin", "bad check digit"}).body);
  EXPECT_EQ(body.at("field").as_string(), "lines[0].sku");
  EXPECT_EQ(body.at("status").as_int64(), 422);
  EXPECT_EQ(body.at("type").as_string(), "https://livechain.dev/problems/invalid_argument");
}

TEST(Access, RolesGrantOnlyTheirPermissionsAndDataLevels) {
  EXPECT_TRUE(role_allows(Role::live_operator, Permission::reservations_write));
  EXPECT_FALSE(role_allows(Role::warehouse, Permission::reservations_write));
  EXPECT_TRUE(role_allows(Role::warehouse, Permission::movements_write));
  EXPECT_FALSE(role_allows(Role::planner, Permission::movements_write));
  EXPECT_TRUE(role_allows(Role::planner, Permission::catalog_write));
  EXPECT_FALSE(role_allows(Role::supplier, Permission::reservations_read));
  EXPECT_TRUE(role_allows(Role::supplier, Permission::ledger_read));
  EXPECT_FALSE(role_allows(Role::auditor, Permission::signals_write));
  for (Role role : kAllRoles) {
    EXPECT_TRUE(role_allows(role, Permission::ledger_read)) << role_name(role);
    EXPECT_TRUE(role_sees(role, DataLevel::public_));
    EXPECT_EQ(role_sees(role, DataLevel::core), role == Role::admin);
    EXPECT_EQ(role_sees(role, DataLevel::sensitive),
              role == Role::admin || role == Role::live_operator);
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_FALSE(parse_role("root").has_value());
}

TEST(StockAlerts, FireOnCrossingsOnly) {
  using alerts::StockAlertKind;
  auto kind = [](std::optional<int64_t> before, int64_t after) {
    auto alert = alerts::stock_alert(before, after, 10);
    return alert ? std::optional<StockAlertKind>(alert->kind) : std::nullopt;
  };
  EXPECT_EQ(kind(50, 0), StockAlertKind::stockout);
  EXPECT_EQ(kind(5, 0), StockAlertKind::stockout);
  EXPECT_EQ(kind(0, 0), std::nullopt);
  EXPECT_EQ(kind(50, 10), StockAlertKind::low_stock);
  EXPECT_EQ(kind(9, 8), std::nullopt);
  EXPECT_EQ(kind(0, 5), std::nullopt);  // still low: no recovery yet
  EXPECT_EQ(kind(3, 11), StockAlertKind::recovered);
  EXPECT_EQ(kind(std::nullopt, 0), StockAlertKind::stockout);
  EXPECT_EQ(kind(std::nullopt, 100), std::nullopt);
}

}  // namespace
}  // namespace livechain::server
