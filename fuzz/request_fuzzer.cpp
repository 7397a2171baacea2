// libFuzzer target: one HTTP request as raw bytes, through Beast's parser (with the
// server's header and body limits), the router, and the body parser its route uses.
// Any crash, sanitizer report or assertion is a bug; rejections are expected.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/http_head.hpp"
#include "server/request_parsing.hpp"
#include "server/routes.hpp"

namespace http = boost::beast::http;
using namespace livechain::server;

namespace {

void parse_body(const Route& route, const std::vector<std::string>& params, std::string_view body) {
  ParseLimits limits;
  if (route.body == BodyKind::csv) {
    if (auto kind = parse_import_kind(params.empty() ? "" : params[0])) {
      (void)parse_csv_import(*kind, body, limits);
    }
    return;
  }
  if (route.body == BodyKind::ndjson) {
    (void)parse_signal_lines(body, limits);
    return;
  }
  auto object = parse_json_object(body, limits, true);
  if (!object) return;
  std::string first = params.empty() ? "1" : params[0];
  switch (route.id) {
    case RouteId::reservation_create:
      (void)parse_reserve(*object, "scope/key", "", "scope");
      break;
    case RouteId::reservation_batch:
      if (auto items = parse_reserve_batch(*object, limits)) {
        for (const auto& item : *items) (void)parse_reserve(item, "", "reservations[0].");
      }
      break;
    case RouteId::reservation_commit:
      (void)parse_commit(1, *object);
      break;
    case RouteId::reservation_extend:
      (void)parse_extend(1, *object);
      break;
    case RouteId::sku_put:
      (void)parse_put_sku(first, *object);
      break;
    case RouteId::location_put:
      (void)parse_put_location(first, *object);
      break;
    case RouteId::channel_put:
      (void)parse_put_channel(first, *object);
      break;
    case RouteId::region_distance_put:
      (void)parse_region_distance(*object);
      break;
    case RouteId::receipt_create:
      (void)parse_receipt(*object);
      break;
    case RouteId::adjustment_create:
      (void)parse_adjustment(*object);
      break;
    case RouteId::presale_plan_put:
      (void)parse_presale_plan(*object);
      break;
    case RouteId::transfer_create:
      (void)parse_transfer(*object);
      break;
    case RouteId::transfer_receive:
      (void)parse_transfer_receipt(1, *object);
      break;
    case RouteId::return_create:
      (void)parse_return(*object);
      break;
    case RouteId::return_grade:
      (void)parse_grade_request(1, *object);
      break;
    case RouteId::return_rework_done:
      (void)parse_rework_done(1, *object);
      break;
    default:
      (void)parse_path_id("id", first);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 << 10);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::system::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (error || !parser.is_done()) return 0;
  const auto& message = parser.get();
  // Head checks first, as the server makes them before reading a body.
  (void)check_head(message);
  (void)check_websocket_handshake(message);
  auto request = request_head(message);
  if (!request) return 0;
  RouteMatch match = match_route(request->method, request->path);
  if (match.route != nullptr) parse_body(*match.route, match.params, message.body());
  return 0;
}
