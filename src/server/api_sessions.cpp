// API v1: planned live sessions and their stocking plans (issue 18 §2; docs/planning.md
// "Session-tier stocking"). The rules are the planning module's; this file parses.
//   PUT /v1/sessions/{id} {"starts_at", "tier", "channel", "streamer"?, "duration_min"?,
//        "skus": [{"gtin", "p50_units", "p90_units", "capacity_units",
//                  "supplier_tier"?, "add_to_cart"?: {"units", "conversion"}}]}
//        → 201 {"session", "plan"} (200 when it re-plans an existing session)
//   GET /v1/sessions/{id}       → 200 the session
//   GET /v1/sessions/{id}/plan  → 200 the stocking plan per SKU × location, with why
#include <fmt/format.h>

#include <cmath>

#include "core/identifier.hpp"
#include "planning/planning.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

constexpr int32_t kSessionDurationMinDefault = 230;  // the median Douyin session

// A JSON number (integer or not) member in [0, max], errors naming `path + name`.
Result<double> required_units(const json::object& object, std::string_view name,
                              const std::string& path) {
  const json::value* v = object.if_contains(name);
  std::string field = path + std::string(name);
  if (v == nullptr) return fail(ErrorCode::invalid_argument, field, "is required");
  if (!v->is_number() || !std::isfinite(v->to_number<double>())) {
    return fail(ErrorCode::invalid_argument, field, "must be a number of units");
  }
  return v->to_number<double>();
}

Result<planning::SessionSku> parse_session_sku(const json::value& value, const std::string& path) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, path, "must be an object");
  const json::object& o = value.get_object();
  LC_CHECK(reject_unknown_fields(
      o, {"gtin", "p50_units", "p90_units", "capacity_units", "supplier_tier", "add_to_cart"},
      path + "."));
  planning::SessionSku sku;
  LC_TRY(gtin, required_gtin(o, "gtin", path + "."));
  sku.gtin = std::move(gtin);
  LC_TRY(p50, required_units(o, "p50_units", path + "."));
  LC_TRY(p90, required_units(o, "p90_units", path + "."));
  sku.p50_units = p50;
  sku.p90_units = p90;
  LC_TRY(capacity,
         required_integer(o, "capacity_units", path + ".", 0, planning::kSessionCapacityUnitsMax));
  sku.capacity_units = capacity;
  LC_TRY(supplier, optional_string(o, "supplier_tier", path + "."));
  if (supplier) {
    auto tier = planning::parse_supplier_tier(*supplier);
    if (!tier) {
      return fail(ErrorCode::invalid_argument, path + ".supplier_tier",
                  "must be core, close or elastic");
    }
    sku.supplier_tier = *tier;
  }
  if (const json::value* cart = o.if_contains("add_to_cart")) {
    std::string cart_path = path + ".add_to_cart";
    if (!cart->is_object())
      return fail(ErrorCode::invalid_argument, cart_path, "must be an object");
    LC_CHECK(reject_unknown_fields(cart->get_object(), {"units", "conversion"}, cart_path + "."));
    LC_TRY(units, required_integer(cart->get_object(), "units", cart_path + ".", 0,
                                   planning::kSessionCapacityUnitsMax));
    LC_TRY(conversion, required_units(cart->get_object(), "conversion", cart_path + "."));
    sku.add_to_cart = planning::AddToCartSignal{units, conversion};
  }
  return sku;
}

Result<planning::SessionSpec> parse_session(const json::object& body, std::string id) {
  LC_CHECK(reject_unknown_fields(
      body, {"starts_at", "tier", "channel", "streamer", "duration_min", "skus"}, ""));
  planning::SessionSpec spec;
  spec.id = std::move(id);
  LC_TRY(starts_at, required_string(body, "starts_at", ""));
  LC_TRY(starts_at_ms, parse_rfc3339("starts_at", starts_at));
  spec.starts_at_ms = starts_at_ms;
  LC_TRY(tier, required_string(body, "tier", ""));
  auto parsed_tier = planning::parse_session_tier(tier);
  if (!parsed_tier) {
    return fail(ErrorCode::invalid_argument, "tier", "must be daily, themed or mega");
  }
  spec.tier = *parsed_tier;
  LC_TRY(channel, required_string(body, "channel", ""));
  LC_CHECK(validate_identifier("channel", channel));
  spec.channel = std::move(channel);
  LC_TRY(streamer, optional_string(body, "streamer", ""));
  if (streamer) spec.streamer = std::move(*streamer);
  LC_TRY(duration, optional_integer(body, "duration_min", "", 1, planning::kSessionDurationMinMax));
  spec.duration_min = static_cast<int32_t>(duration.value_or(kSessionDurationMinDefault));
  const json::value* skus = body.if_contains("skus");
  if (skus == nullptr || !skus->is_array()) {
    return fail(ErrorCode::invalid_argument, "skus", "must be an array of SKU forecasts");
  }
  if (skus->get_array().size() > planning::kSessionSkusMax) {
    return fail(ErrorCode::limit_exceeded, "skus",
                fmt::format("{} SKUs exceed the limit of {}", skus->get_array().size(),
                            planning::kSessionSkusMax));
  }
  for (size_t i = 0; i < skus->get_array().size(); ++i) {
    LC_TRY(sku, parse_session_sku(skus->get_array()[i], fmt::format("skus[{}]", i)));
    spec.skus.push_back(std::move(sku));
  }
  LC_CHECK(planning::validate_session_spec(spec));
  return spec;
}

json::object plan_json(const planning::SessionPlan& plan, const planning::SessionSpec& spec,
                       std::string_view planned_by) {
  json::array skus;
  for (const planning::SkuPlan& sku : plan.skus) skus.push_back(planning::sku_plan_json(sku));
  return json::object{{"session", plan.session_id},
                      {"tier", planning::session_tier_name(plan.tier)},
                      {"starts_at", format_rfc3339_ms(spec.starts_at_ms)},
                      {"planned_at", format_rfc3339_ms(plan.planned_at_ms)},
                      {"planned_by", planned_by},
                      {"skus", std::move(skus)}};
}

}  // namespace

std::optional<std::pair<std::string, json::object>> Api::record_put_request(
    const Params& params, ApiRequest& request, const Respond& respond) {
  std::string id = params.at(0);
  if (auto valid = validate_identifier("id", id); !valid) {
    respond(problem(404, "not_found", "Not found", valid.error().detail, "id"));
    return std::nullopt;
  }
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) {
    respond(malformed_body(body.error()));
    return std::nullopt;
  }
  return std::pair{std::move(id), std::move(*body)};
}

void Api::session_put(const Params& params, ApiRequest& request, const Caller& caller,
                      Respond respond) {
  auto put = record_put_request(params, request, respond);
  if (!put) return;
  auto& [id, body] = *put;
  auto parsed = parse_session(body, id);
  if (!parsed) return respond(problem_from_api_error(parsed.error()));
  auto spec = std::make_shared<const planning::SessionSpec>(std::move(*parsed));
  answer_once(
      request, std::move(respond),
      [this, spec, actor = caller.key_id](std::vector<engine::Command> claim, Respond respond) {
        // The engine thread only reads the SKUs' stock; planning and writing the records'
        // JSON run on the worker, then the records go through the single writer.
        auto read = deps_.sequencer->read_async([this, spec, actor, claim,
                                                 respond](const engine::Engine& engine) {
          auto inputs = planning::read_session_inputs(engine.state(), *spec);
          if (!inputs) return respond(problem_from_api_error(inputs.error()));
          auto shared_inputs = std::make_shared<planning::SessionLedgerInputs>(std::move(*inputs));
          deps_.run_blocking([this, spec, actor, claim, respond, shared_inputs] {
            decide_and_journal(*spec, *shared_inputs, actor, claim, respond);
          });
        });
        if (!read) respond(problem_from_error(read.error()));
      });
}

void Api::decide_and_journal(const planning::SessionSpec& spec,
                             const planning::SessionLedgerInputs& inputs, const std::string& actor,
                             std::vector<engine::Command> claim, Respond respond) {
  auto decision =
      planning::decide_session(inputs, spec, deps_.tier_config, deps_.clock->now_ms(), actor);
  if (!decision) return respond(problem_from_api_error(decision.error()));
  std::vector<engine::Command> commands = std::move(claim);
  for (auto& c : decision->commands) commands.push_back(std::move(c));
  unsigned status = decision->replanned ? 200 : 201;
  auto view = std::make_shared<json::object>(
      json::object{{"session", planning::session_json({spec, decision->plan.planned_at_ms, actor})},
                   {"plan", plan_json(decision->plan, spec, actor)}});
  auto submitted =
      submit_commands(std::move(commands), [view, status, respond](engine::Replies&& replies) {
        for (auto& reply : replies) {
          if (!reply) return respond(problem_from_error(reply.error()));
        }
        respond(json_response(status, *view));
      });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

void Api::session_read(RouteId id, const Params& params, Respond respond) {
  auto read = deps_.sequencer->read_async(
      [id, session_id = params.at(0), respond](const engine::Engine& engine) {
        auto stored = planning::find_session(engine.state(), session_id);
        if (!stored) return respond(problem_from_error(stored.error()));
        if (!stored->has_value()) {
          return respond(
              problem(404, "not_found", "Not found", "no session '" + session_id + "'", "id"));
        }
        if (id == RouteId::session_get) {
          return respond(json_response(200, planning::session_json(**stored)));
        }
        auto plan = planning::session_plan_view(engine.state(), **stored);
        if (!plan) return respond(problem_from_error(plan.error()));
        respond(json_response(200, *plan));
      });
  if (!read) respond(problem_from_error(read.error()));
}

}  // namespace livechain::server
