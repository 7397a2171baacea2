// API v1: webhook endpoints and their deliveries (Standard Webhooks; docs/alerts.md).
//   POST   /v1/webhooks {"url", "event_types": ["alert.*"]} → 201 {"id", "secret", …}
//   GET    /v1/webhooks                       (secrets are shown once, at creation)
//   DELETE /v1/webhooks/{id}
//   GET    /v1/webhooks/{id}/deliveries?state=&limit=
//   POST   /v1/webhooks/{id}/replay {"delivery_id"?}   dead letters (or one delivery)
// The outbox is SQLite: every call runs on the worker thread, never on an I/O thread.
#include <fmt/format.h>

#include <charconv>

#include "alerts/alerts.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
constexpr size_t kEventTypesMax = 32;
constexpr size_t kDeliveryPageMax = 1'000;

ApiResponse unprocessable(const Error& error) {
  return problem(422, "invalid_argument", "Invalid argument", error.detail, error.field);
}

TimeMs wall_ms() {
  return SystemClock().now_ms();
}

json::object endpoint_json(const alerts::WebhookEndpoint& e, bool with_secret) {
  json::array types;
  for (const auto& type : e.event_types) types.push_back(json::string(type));
  json::object out{{"id", e.endpoint_id},
                   {"url", e.url},
                   {"event_types", std::move(types)},
                   {"created_at", alerts::rfc3339_ms(e.created_at_ms)}};
  if (with_secret) out["secret"] = e.secret;
  return out;
}

json::object delivery_json(const alerts::DeliveryView& d) {
  json::object out{{"id", d.delivery_id},
                   {"message_id", d.message_id},
                   {"type", d.type},
                   {"state", std::string(alerts::delivery_state_name(d.state))},
                   {"attempts", d.attempts},
                   {"created_at", alerts::rfc3339_ms(d.created_at_ms)},
                   {"last_status", d.last_status}};
  if (d.state == alerts::DeliveryState::pending) {
    out["next_attempt_at"] = alerts::rfc3339_ms(d.next_attempt_at_ms);
  }
  if (!d.last_error.empty()) out["last_error"] = d.last_error;
  return out;
}

Result<std::pair<std::string, std::vector<std::string>>> parse_endpoint(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"url", "event_types"}, ""));
  LC_TRY(url, required_string(body, "url", ""));
  const json::value* types = body.if_contains("event_types");
  if (types == nullptr || !types->is_array()) {
    return fail(ErrorCode::invalid_argument, "event_types",
                "is required: an array such as [\"alert.*\"]");
  }
  if (types->get_array().empty() || types->get_array().size() > kEventTypesMax) {
    return fail(ErrorCode::invalid_argument, "event_types",
                fmt::format("must hold 1..{} types", kEventTypesMax));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < types->get_array().size(); ++i) {
    const json::value& type = types->get_array()[i];
    if (!type.is_string()) {
      return fail(ErrorCode::invalid_argument, fmt::format("event_types[{}]", i),
                  "must be a string");
    }
    out.emplace_back(type.get_string());
  }
  return std::pair{std::move(url), std::move(out)};
}
}  // namespace

void Api::webhooks(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  alerts::Outbox* outbox = deps_.outbox;
  if (outbox == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "the outbox is not open"));
  }
  switch (route) {
    case RouteId::webhook_create: {
      auto body = parse_json_object(request.body, deps_.limits);
      if (!body) return respond(malformed_body(body.error()));
      auto parsed = parse_endpoint(*body);
      if (!parsed) return respond(unprocessable(parsed.error()));
      // A retry with the same Idempotency-Key gets the same endpoint and secret. The
      // secret is never journaled: the kept answer drops it and a replay reads it back
      // from the outbox.
      Api::AnswerOnce hooks;
      hooks.stored = [](const ApiResponse& response) {
        ApiResponse kept = response;
        auto parsed_body = json::parse(response.body);
        parsed_body.as_object().erase("secret");
        kept.body = json::serialize(parsed_body);
        return kept;
      };
      auto run_blocking = deps_.run_blocking;
      hooks.replayed = [outbox, run_blocking](ApiResponse&& kept, Respond respond) {
        auto shared = std::make_shared<ApiResponse>(std::move(kept));
        run_blocking([outbox, shared, respond] {
          auto body = json::parse(shared->body).as_object();
          std::string id(body.at("id").as_string());
          auto endpoints = outbox->endpoints();
          if (!endpoints) return respond(problem_from_error(endpoints.error()));
          for (const auto& endpoint : *endpoints) {
            if (endpoint.endpoint_id != id) continue;
            ApiResponse response = json_response(shared->status, endpoint_json(endpoint, true));
            response.headers = shared->headers;
            response.headers.emplace_back("Location", "/v1/webhooks/" + id);
            return respond(std::move(response));
          }
          respond(problem(404, "not_found", "Not found",
                          "webhook " + id +
                              ", created by this key's first request, has since "
                              "been deleted",
                          "Idempotency-Key"));
        });
      };
      return answer_once(
          request, std::move(respond),
          [this, outbox, parsed = std::move(*parsed)](std::vector<engine::Command>,
                                                      Respond respond) {
            deps_.run_blocking([outbox, parsed, respond] {
              auto endpoint = outbox->add_endpoint(parsed.first, parsed.second, wall_ms());
              if (!endpoint) return respond(problem_from_error(endpoint.error()));
              ApiResponse response = json_response(201, endpoint_json(*endpoint, true));
              response.headers.emplace_back("Location", "/v1/webhooks/" + endpoint->endpoint_id);
              respond(std::move(response));
            });
          },
          std::move(hooks));
    }
    case RouteId::webhook_list:
      return deps_.run_blocking([outbox, respond] {
        auto endpoints = outbox->endpoints();
        if (!endpoints) return respond(problem_from_error(endpoints.error()));
        json::array out;
        for (const auto& e : *endpoints) out.push_back(endpoint_json(e, false));
        respond(json_response(200, json::object{{"webhooks", std::move(out)}}));
      });
    case RouteId::webhook_delete:
      return answer_once(
          request, std::move(respond),
          [this, outbox, id = params.at(0)](std::vector<engine::Command>, Respond respond) {
            deps_.run_blocking([outbox, id, respond] {
              auto removed = outbox->remove_endpoint(id);
              if (!removed) {
                return respond(problem_from_error(removed.error(), ErrorOrigin::path));
              }
              respond(ApiResponse{204, "", "", {}});
            });
          });
    case RouteId::webhook_deliveries: {
      std::optional<alerts::DeliveryState> state;
      size_t limit = 100;
      for (const auto& [name, value] : request.query) {
        if (name == "state") {
          if (value == "pending")
            state = alerts::DeliveryState::pending;
          else if (value == "delivered")
            state = alerts::DeliveryState::delivered;
          else if (value == "dead")
            state = alerts::DeliveryState::dead;
          else {
            return respond(problem(422, "invalid_argument", "Invalid argument",
                                   "must be pending, delivered or dead", "state"));
          }
        } else if (name == "limit") {
          auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
          if (error != std::errc() || end != value.data() + value.size() || limit < 1 ||
              limit > kDeliveryPageMax) {
            return respond(problem(422, "invalid_argument", "Invalid argument",
                                   fmt::format("must be an integer in 1..{}", kDeliveryPageMax),
                                   "limit"));
          }
        } else {
          return respond(problem(422, "invalid_argument", "Invalid argument",
                                 "unknown query parameter (state, limit)", name));
        }
      }
      return deps_.run_blocking([outbox, id = params.at(0), state, limit, respond] {
        auto list = outbox->deliveries(id, state, limit);
        if (!list) return respond(problem_from_error(list.error(), ErrorOrigin::path));
        json::array out;
        for (const auto& d : *list) out.push_back(delivery_json(d));
        respond(json_response(200, json::object{{"deliveries", std::move(out)}}));
      });
    }
    default: {  // webhook_replay
      auto body = parse_json_object(request.body, deps_.limits, /*allow_empty=*/true);
      if (!body) return respond(malformed_body(body.error()));
      if (auto known = reject_unknown_fields(*body, {"delivery_id"}, ""); !known) {
        return respond(unprocessable(known.error()));
      }
      auto delivery = optional_integer(*body, "delivery_id", "", 1, INT64_MAX);
      if (!delivery) return respond(unprocessable(delivery.error()));
      auto* wake = &deps_.wake_webhooks;
      return answer_once(request, std::move(respond),
                         [this, outbox, id = params.at(0), delivery = *delivery, wake](
                             std::vector<engine::Command>, Respond respond) {
                           deps_.run_blocking([outbox, id, delivery, respond, wake] {
                             auto replayed = outbox->replay(id, delivery, wall_ms());
                             if (!replayed) {
                               bool path = replayed.error().field == "id";
                               return respond(problem_from_error(
                                   replayed.error(), path ? ErrorOrigin::path : ErrorOrigin::body));
                             }
                             if (*wake) (*wake)();
                             respond(json_response(200, json::object{{"replayed", *replayed}}));
                           });
                         });
    }
  }
}

}  // namespace livechain::server
