// API v1: flexible production in the server (issue 18 §4; docs/planning.md "In the
// server"). The records and the plan are the planning module's; this file parses.
//   PUT /v1/factories/{id} {"capacity_units_per_day", "capacity_score",
//        "fulfilment_rating", "unit_cost", "products"?, "setup_cost"?, "stopped"?,
//        "location"} → 201 {"factory"} (200 replaced; with "plan" when it newly stops)
//   GET /v1/factories, GET /v1/factories/{id}
//   PUT /v1/production/orders/{id} {"product", "qty", "due_day", "kind"?, "modules"?,
//        "state"?} → 201 {"order"} (200 replaced)
//   GET /v1/production/orders
//   GET /v1/production/plan → 200 the plan of every open order (journaled as a decision)
#include <fmt/format.h>

#include "core/gtin.hpp"
#include "core/identifier.hpp"
#include "planning/planning.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/production_planner.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

// A product named by a valid GTIN is kept as GTIN-14 (the ledger's form, so a plan's
// units can feed the SKU's presale); any other name is a module's, kept as it is.
std::string canonical_product(const std::string& product) {
  bool digits = !product.empty() && std::all_of(product.begin(), product.end(),
                                                [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return product;
  auto gtin = normalize_gtin(product);
  return gtin ? *gtin : product;
}

// The validator's "factories[0].capacity_score" (and the parser's ".capacity_score",
// called without a path) is the body's "capacity_score".
Error body_field(Error error, std::string_view prefix) {
  if (error.field.starts_with(prefix)) error.field = error.field.substr(prefix.size());
  if (error.field.starts_with('.')) error.field = error.field.substr(1);
  return error;
}

Result<planning::FactoryRecord> parse_factory(const json::object& body, const std::string& id) {
  LC_CHECK(reject_unknown_fields(body,
                                 {"capacity_units_per_day", "capacity_score", "fulfilment_rating",
                                  "unit_cost", "products", "setup_cost", "stopped", "location"},
                                 ""));
  LC_TRY(location, required_string(body, "location", ""));
  LC_CHECK(validate_identifier("location", location));
  json::object object = body;
  object.erase("location");
  object["id"] = id;
  auto factory = planning::parse_production_factory_json(object, "");
  if (!factory) return std::unexpected(body_field(factory.error(), ""));
  if (factory->products) {
    for (std::string& product : *factory->products) product = canonical_product(product);
  }
  planning::ProductionProblem check;
  check.factories.push_back(*factory);
  check.unmet_penalty = 1;
  if (auto valid = planning::validate_production_problem(check); !valid) {
    return std::unexpected(body_field(valid.error(), "factories[0]."));
  }
  return planning::FactoryRecord{std::move(*factory), std::move(location), 0, {}};
}

Result<planning::OrderRecord> parse_order(const json::object& body, const std::string& id,
                                          TimeMs now_ms) {
  LC_CHECK(
      reject_unknown_fields(body, {"product", "qty", "due_day", "kind", "modules", "state"}, ""));
  planning::OrderRecord record;
  LC_TRY(state, optional_string(body, "state", ""));
  if (state) {
    auto parsed = planning::parse_order_state(*state);
    if (!parsed) {
      return fail(ErrorCode::invalid_argument, "state", "must be open, done or cancelled");
    }
    record.state = *parsed;
  }
  json::object object = body;
  object.erase("state");
  object["id"] = id;
  if (!object.contains("kind")) object["kind"] = "normal";
  auto parsed = planning::parse_production_order_json(object, "");
  if (!parsed) return std::unexpected(body_field(parsed.error(), ""));
  planning::ProductionOrder order = std::move(*parsed);
  order.product = canonical_product(order.product);
  planning::ProductionProblem check;
  check.orders.push_back(order);
  check.horizon_days = planning::kProductionHorizonDaysMax;
  check.unmet_penalty = 1;
  if (auto valid = planning::validate_production_problem(check); !valid) {
    return std::unexpected(body_field(valid.error(), "orders[0]."));
  }
  record.due_epoch_day = planning::epoch_day_of(now_ms) + order.due_day;
  order.due_day = 0;  // stored as due_epoch_day
  record.order = std::move(order);
  return record;
}

// Whether `record` may be stored next to the records in `state`. Engine thread.
Result<bool> factory_admissible(const engine::LedgerState& state,
                                const planning::FactoryRecord& record) {
  if (!state.find_location(record.location_id)) {
    return fail(ErrorCode::not_found, "location",
                fmt::format("unknown location {}", record.location_id));
  }
  LC_TRY(previous, planning::find_factory(state, record.factory.id));
  if (!previous && planning::count_rule_states(state, engine::RuleStateKind::factory) >=
                       planning::kServerFactoriesMax) {
    return fail(ErrorCode::limit_exceeded, "factories",
                fmt::format("{} factories: the limit", planning::kServerFactoriesMax));
  }
  return previous.has_value();
}

Result<bool> order_admissible(const engine::LedgerState& state,
                              const planning::OrderRecord& record) {
  LC_TRY(previous, planning::find_order(state, record.order.id));
  if (!previous && planning::count_rule_states(state, engine::RuleStateKind::production_order) >=
                       planning::kServerOrderRecordsMax) {
    return fail(ErrorCode::limit_exceeded, "orders",
                fmt::format("{} order records: the limit", planning::kServerOrderRecordsMax));
  }
  bool opens = record.state == planning::OrderState::open &&
               (!previous || previous->state != planning::OrderState::open);
  if (opens) {
    size_t open = planning::count_open_orders(state);
    if (open >= planning::kServerOpenOrdersMax) {
      return fail(ErrorCode::limit_exceeded, "orders",
                  fmt::format("{} open orders: the limit", planning::kServerOpenOrdersMax));
    }
  }
  return previous.has_value();
}

}  // namespace

void Api::factory_put(const Params& params, ApiRequest& request, const Caller& caller,
                      Respond respond) {
  if (deps_.production == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "production is not running"));
  }
  auto put = record_put_request(params, request, respond);
  if (!put) return;
  auto& [id, body] = *put;
  auto parsed = parse_factory(body, id);
  if (!parsed) return respond(problem_from_api_error(parsed.error()));
  parsed->updated_at_ms = deps_.clock->now_ms();
  parsed->updated_by = caller.key_id;
  auto record = std::make_shared<const planning::FactoryRecord>(std::move(*parsed));
  answer_once(
      request, std::move(respond),
      [this, record, actor = caller.key_id](std::vector<engine::Command> claim, Respond respond) {
        auto read = deps_.sequencer->read_async([this, record, actor, claim,
                                                 respond](const engine::Engine& engine) mutable {
          auto previous = planning::find_factory(engine.state(), record->factory.id);
          if (!previous) return respond(problem_from_error(previous.error()));
          auto admissible = factory_admissible(engine.state(), *record);
          if (!admissible) return respond(problem_from_api_error(admissible.error()));
          // A factory that newly stops re-plans: its units fail over to the others.
          bool stops = record->factory.stopped && *previous && !(*previous)->factory.stopped;
          unsigned status = *admissible ? 200 : 201;
          std::vector<engine::Command> commands = std::move(claim);
          commands.push_back(planning::factory_command(*record));
          auto submitted = submit_commands(
              std::move(commands),
              [this, record, actor, stops, status, respond](engine::Replies&& replies) {
                for (auto& reply : replies) {
                  if (!reply) return respond(problem_from_error(reply.error()));
                }
                json::object answer{{"factory", planning::factory_record_json(*record)}};
                if (!stops) return respond(json_response(status, answer));
                deps_.production->plan(
                    actor, {}, [this, answer, status, respond](Result<json::object> plan) mutable {
                      if (!plan) {
                        return deps_.run_on_io([respond, error = plan.error()] {
                          respond(problem_from_api_error(error));
                        });
                      }
                      answer["plan"] = std::move(*plan);
                      deps_.run_on_io(
                          [respond, answer, status] { respond(json_response(status, answer)); });
                    });
              });
          if (!submitted) respond(problem_from_error(submitted.error()));
        });
        if (!read) respond(problem_from_error(read.error()));
      });
}

void Api::order_put(const Params& params, ApiRequest& request, const Caller& caller,
                    Respond respond) {
  auto put = record_put_request(params, request, respond);
  if (!put) return;
  auto& [id, body] = *put;
  TimeMs now_ms = deps_.clock->now_ms();
  auto parsed = parse_order(body, id, now_ms);
  if (!parsed) return respond(problem_from_api_error(parsed.error()));
  parsed->updated_at_ms = now_ms;
  parsed->updated_by = caller.key_id;
  auto record = std::make_shared<const planning::OrderRecord>(std::move(*parsed));
  answer_once(request, std::move(respond),
              [this, record, now_ms](std::vector<engine::Command> claim, Respond respond) {
                auto read = deps_.sequencer->read_async(
                    [this, record, now_ms, claim, respond](const engine::Engine& engine) mutable {
                      auto admissible = order_admissible(engine.state(), *record);
                      if (!admissible) return respond(problem_from_api_error(admissible.error()));
                      unsigned status = *admissible ? 200 : 201;
                      std::vector<engine::Command> commands = std::move(claim);
                      commands.push_back(planning::order_command(*record));
                      auto view = std::make_shared<json::object>(
                          json::object{{"order", planning::order_view_json(*record, now_ms)}});
                      auto submitted = submit_commands(
                          std::move(commands), [view, status, respond](engine::Replies&& r) {
                            for (auto& reply : r) {
                              if (!reply) return respond(problem_from_error(reply.error()));
                            }
                            respond(json_response(status, *view));
                          });
                      if (!submitted) respond(problem_from_error(submitted.error()));
                    });
                if (!read) respond(problem_from_error(read.error()));
              });
}

void Api::production_read(RouteId id, const Params& params, Respond respond) {
  TimeMs now_ms = deps_.clock->now_ms();
  auto read =
      deps_.sequencer->read_async([id, params, now_ms, respond](const engine::Engine& engine) {
        const engine::LedgerState& state = engine.state();
        if (id == RouteId::factory_get) {
          auto found = planning::find_factory(state, params.at(0));
          if (!found) return respond(problem_from_error(found.error()));
          if (!*found) {
            return respond(
                problem(404, "not_found", "Not found", "no factory '" + params.at(0) + "'", "id"));
          }
          return respond(json_response(200, planning::factory_record_json(**found)));
        }
        json::array out;
        if (id == RouteId::factories_list) {
          auto factories = planning::stored_factories(state);
          if (!factories) return respond(problem_from_error(factories.error()));
          for (const auto& f : *factories) out.push_back(planning::factory_record_json(f));
          return respond(json_response(200, json::object{{"factories", std::move(out)}}));
        }
        auto orders = planning::stored_orders(state);
        if (!orders) return respond(problem_from_error(orders.error()));
        for (const auto& o : *orders) out.push_back(planning::order_view_json(o, now_ms));
        respond(json_response(200, json::object{{"orders", std::move(out)}}));
      });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::production_plan(const Caller& caller, Respond respond) {
  if (deps_.production == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "production is not running"));
  }
  deps_.production->plan(caller.key_id, {}, [this, respond](Result<json::object> plan) {
    deps_.run_on_io([respond, plan = std::move(plan)] {
      if (!plan) return respond(problem_from_api_error(plan.error()));
      respond(json_response(200, *plan));
    });
  });
}

}  // namespace livechain::server
