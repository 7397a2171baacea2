// API v1: channel pools — dedicated allocations (set, remove, move) and what a channel
// may sell. The rules and the arithmetic are the engine's (engine/channel_pools.cpp);
// this file parses, submits and renders.
#include <fmt/format.h>

#include "core/assert.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// Path parameters name the channel and the SKU: not finding them is 404; anything
// in the body (location, to) naming nothing is 422.
ErrorOrigin origin_of(const Error& error) {
  return error.field == "channel" || error.field == "sku" || error.field == "gtin" ||
                 error.field == "allocation"
             ? ErrorOrigin::path
             : ErrorOrigin::body;
}

ApiResponse problem_for(const Error& error) {
  return problem_from_error(error, origin_of(error));
}

Result<SetAllocation> parse_allocation(const std::string& channel, const std::string& sku,
                                       const json::object& body) {
  if (auto ok = reject_unknown_fields(body, {"qty", "location"}, ""); !ok) {
    return std::unexpected(ok.error());
  }
  auto qty = required_integer(body, "qty", "", 0, kBalanceUnitsMax);
  if (!qty) return std::unexpected(qty.error());
  auto location = optional_string(body, "location", "");
  if (!location) return std::unexpected(location.error());
  return SetAllocation{channel, sku, std::move(*location), *qty, false};
}

Result<MoveAllocation> parse_move(const std::string& channel, const std::string& sku,
                                  const json::object& body) {
  if (auto ok = reject_unknown_fields(body, {"to", "qty", "location"}, ""); !ok) {
    return std::unexpected(ok.error());
  }
  auto to = required_string(body, "to", "");
  if (!to) return std::unexpected(to.error());
  auto qty = required_integer(body, "qty", "", 1, kBalanceUnitsMax);
  if (!qty) return std::unexpected(qty.error());
  auto location = optional_string(body, "location", "");
  if (!location) return std::unexpected(location.error());
  return MoveAllocation{channel, *to, sku, std::move(*location), *qty};
}
}  // namespace

void Api::channel_allocation(RouteId route, const Params& params, ApiRequest& request,
                             Respond respond) {
  const std::string& channel = params.at(0);
  auto sku = gtin_from_text("sku", params.at(1));
  if (!sku) return respond(problem(404, "not_found", "Not found", sku.error().detail, "sku"));
  Result<Command> command = fail(ErrorCode::invalid_argument, "", "");
  if (route == RouteId::channel_allocation_delete) {
    std::optional<std::string> location;
    if (const std::string* text = request.query_value("location")) location = *text;
    command = Command{SetAllocation{channel, *sku, location, 0, true}};
  } else {
    auto body = parse_json_object(request.body, deps_.limits);
    if (!body) return respond(malformed_body(body.error()));
    if (route == RouteId::channel_allocation_put) {
      auto parsed = parse_allocation(channel, *sku, *body);
      if (!parsed) return respond(problem_for(parsed.error()));
      command = Command{std::move(*parsed)};
    } else {
      auto parsed = parse_move(channel, *sku, *body);
      if (!parsed) return respond(problem_for(parsed.error()));
      command = Command{std::move(*parsed)};
    }
  }
  std::vector<Command> commands;
  commands.push_back(with_idempotency_key(std::move(*command), request.idempotency_key));
  bool keyed = !request.idempotency_key.empty();
  auto submitted = submit_commands(std::move(commands), [respond, route, keyed](Replies&& replies) {
    auto& reply = replies.front();
    if (!reply) {
      Error error = reply.error();
      if (keyed && error.field == "idempotency_key") error.field = "Idempotency-Key";
      return respond(problem_for(error));
    }
    const auto& view = std::get<AllocationsView>(*reply);
    if (route == RouteId::channel_allocation_put) {
      LC_ASSERT(view.allocations.size() == 1);
      return respond(json_response(200, allocation_json(view.allocations.front())));
    }
    respond(json_response(200, reply_json(*reply)));
  });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

void Api::channel_available(const Params& params, const ApiRequest& request, Respond respond) {
  const std::string* sku = request.query_value("sku");
  if (sku == nullptr || sku->empty()) {
    return respond(
        problem(422, "invalid_argument", "Invalid argument", "name the SKU: ?sku=GTIN", "sku"));
  }
  auto gtin = gtin_from_text("sku", *sku);
  if (!gtin) return respond(problem_from_error(gtin.error()));
  auto read = deps_.sequencer->read_async([channel = params.at(0), gtin = *gtin,
                                           respond](const Engine& engine) {
    auto view = engine.channel_availability(channel, gtin);
    if (!view) {
      // The channel is the path (404); the SKU a query parameter (422).
      return respond(problem_from_error(
          view.error(), view.error().field == "channel" ? ErrorOrigin::path : ErrorOrigin::body));
    }
    respond(json_response(200, channel_availability_json(*view)));
  });
  if (!read) respond(problem_from_error(read.error()));
}

}  // namespace livechain::server
