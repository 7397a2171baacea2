// The dashboard's static files (src/server/ui_assets.hpp) and the WebSocket key carried
// as a subprotocol (http_head.hpp websocket_bearer): unit checks of the transport
// pieces; tests/web/dashboard_test.mjs drives both through a real server and browser.
#include <gtest/gtest.h>

#include <string>

#include <algorithm>

#include "server/api.hpp"
#include "server/http_head.hpp"
#include "server/ui_assets.hpp"

namespace livechain::server {
namespace {

std::string header(const ApiResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(UiAssets, PathsUnderUiOnly) {
  EXPECT_TRUE(is_ui_path("/ui"));
  EXPECT_TRUE(is_ui_path("/ui/"));
  EXPECT_TRUE(is_ui_path("/ui/app.js"));
  EXPECT_FALSE(is_ui_path("/uix"));
  EXPECT_FALSE(is_ui_path("/v1/ui"));
  EXPECT_FALSE(is_ui_path("/"));
}

TEST(UiAssets, RedirectIndexAndTypes) {
  ApiResponse redirect = ui_answer(Method::get, "/ui", false);
  EXPECT_EQ(redirect.status, 308u);
  EXPECT_EQ(header(redirect, "Location"), "/ui/");

  ApiResponse index = ui_answer(Method::get, "/ui/", false);
  ASSERT_EQ(index.status, 200u);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<html"), std::string::npos);
  EXPECT_EQ(header(index, "Content-Security-Policy"), kUiContentSecurityPolicy);
  EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(ui_answer(Method::head, "/ui/index.html", false).status, 200u);

  for (const UiAsset& asset : ui_assets()) {
    ApiResponse answer = ui_answer(Method::get, "/ui/" + std::string(asset.name), false);
    EXPECT_EQ(answer.status, 200u) << asset.name;
    EXPECT_EQ(answer.content_type, asset.content_type) << asset.name;
    EXPECT_EQ(answer.body.size(), asset.body.size()) << asset.name;
  }
}

TEST(UiAssets, RefusesUnknownFilesMethodsAndBodies) {
  EXPECT_EQ(ui_answer(Method::get, "/ui/nope.js", false).status, 404u);
  EXPECT_EQ(ui_answer(Method::get, "/ui/../openapi.json", false).status, 404u);
  ApiResponse post = ui_answer(Method::post, "/ui/", false);
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(header(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(ui_answer(Method::get, "/ui/", true).status, 415u);
}

TEST(WebSocketBearer, KeyFromSubprotocolBesideLivechain) {
  WebSocketBearer both = websocket_bearer("livechain, bearer.lc_abc_123");
  EXPECT_TRUE(both.offered);
  EXPECT_EQ(both.authorization, "Bearer lc_abc_123");
  EXPECT_EQ(websocket_bearer("bearer.k1,livechain").authorization, "Bearer k1");
  EXPECT_EQ(websocket_bearer("bearer.k1, bearer.k2, livechain").authorization, "Bearer k1");
  // Without "livechain" the bearer is ignored: the answer could not select a protocol.
  WebSocketBearer alone = websocket_bearer("bearer.k1");
  EXPECT_FALSE(alone.offered);
  EXPECT_EQ(alone.authorization, "");
  WebSocketBearer plain = websocket_bearer("livechain");
  EXPECT_TRUE(plain.offered);
  EXPECT_EQ(plain.authorization, "");
  EXPECT_FALSE(websocket_bearer("").offered);
}

bool lists(const boost::json::object& me, std::string_view member, std::string_view value) {
  const auto& items = me.at(member).as_array();
  return std::find(items.begin(), items.end(), boost::json::value(value)) != items.end();
}

// GET /v1/me: the routes the dashboard decides its pages from.
TEST(CallerJson, RoutesFollowTheRole) {
  boost::json::object supplier = caller_json(Caller{Role::supplier, "k1"});
  EXPECT_EQ(supplier.at("role").as_string(), "supplier");
  EXPECT_EQ(supplier.at("key_id").as_string(), "k1");
  EXPECT_TRUE(lists(supplier, "routes", "GET /v1/stock"));
  EXPECT_TRUE(lists(supplier, "routes", "GET /v1/ledger/head"));
  EXPECT_TRUE(lists(supplier, "routes", "GET /v1/me"));
  EXPECT_FALSE(lists(supplier, "routes", "GET /v1/reservations/{id}"));
  EXPECT_FALSE(lists(supplier, "routes", "GET /healthz"));  // open to anyone: not listed
  EXPECT_FALSE(lists(supplier, "permissions", "reservations_read"));
  boost::json::object admin = caller_json(Caller{Role::admin, "k2"});
  EXPECT_TRUE(lists(admin, "routes", "GET /v1/reservations/{id}"));
  EXPECT_TRUE(lists(admin, "routes", "POST /v1/rollback"));
  EXPECT_TRUE(lists(admin, "permissions", "stock_rollback"));
}

}  // namespace
}  // namespace livechain::server
