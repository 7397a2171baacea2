// API v1: reservations (reserve, batch, get, commit, release, extend).
#include <fmt/format.h>

#include "server/api.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// One failed item of a batch answer: its status and its problem object.
json::object failed_item(const Error& error) {
  json::object problem = problem_object_from_error(error);
  int64_t status = problem.at("status").to_number<int64_t>();
  return json::object{{"status", status}, {"problem", std::move(problem)}};
}

ReservationOutcome outcome_of(const Error& error) {
  return error.code == ErrorCode::insufficient_stock || error.code == ErrorCode::presale_exhausted
             ? ReservationOutcome::insufficient_stock
             : ReservationOutcome::rejected;
}

// Buyer region is sensitive: echoed only to roles that may see buyer data.
json::object created_json(const ReservationView& view, const std::optional<std::string>& region,
                          bool sees_buyer_data) {
  json::object out = reservation_json(view);
  if (region && sees_buyer_data) out["region"] = *region;
  return out;
}

// A reservation id from the path; an id that cannot exist is simply not found.
Result<uint64_t> path_reservation_id(const std::vector<std::string>& params) {
  auto id = parse_path_id("id", params.at(0));
  if (!id) return fail(ErrorCode::not_found, "id", "no reservation '" + params.at(0) + "'");
  return id;
}
}  // namespace

void Api::reservation_create(ApiRequest& request, const Caller& caller, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto reserve = parse_reserve(*body, request.idempotency_key, "", caller.key_id);
  if (!reserve) {
    deps_.metrics->count_reservations(ReservationOutcome::rejected);
    Error error = reserve.error();
    if (error.field.empty() && !request.idempotency_key.empty()) error.field = "Idempotency-Key";
    return respond(problem_from_error(error));
  }
  std::optional<std::string> region = reserve->buyer_region;
  bool sees_buyer_data = role_sees(caller.role, DataLevel::sensitive);
  Metrics* metrics = deps_.metrics;
  std::vector<Command> commands;
  commands.push_back(std::move(*reserve));
  auto submitted = submit_commands(
      std::move(commands), [respond, region, sees_buyer_data, metrics](Replies&& replies) {
        auto& reply = replies.front();
        if (!reply) {
          metrics->count_reservations(outcome_of(reply.error()));
          return respond(problem_from_error(reply.error()));
        }
        const auto& view = std::get<ReservationView>(*reply);
        metrics->count_reservations(view.idempotent_replay ? ReservationOutcome::idempotent_replay
                                                           : ReservationOutcome::created);
        ApiResponse response = json_response(201, created_json(view, region, sees_buyer_data));
        response.headers.emplace_back("Location",
                                      fmt::format("/v1/reservations/{}", view.reservation_id));
        if (view.idempotent_replay) response.headers.emplace_back("Idempotent-Replayed", "true");
        respond(std::move(response));
      });
  if (!submitted) respond(problem_from_error(submitted.error()));
}

void Api::reservation_batch(ApiRequest& request, const Caller& caller, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto items = parse_reserve_batch(*body, deps_.limits);
  if (!items) {
    bool too_many = items.error().code == ErrorCode::limit_exceeded;
    return respond(too_many ? problem(413, "too_many_items", "Batch too large",
                                      items.error().detail, items.error().field)
                            : problem_from_error(items.error()));
  }
  // results[i] is filled now for items that fail to parse, later for the rest.
  auto results = std::make_shared<json::array>(items->size());
  std::vector<size_t> submitted_index;
  std::vector<std::optional<std::string>> regions;
  std::vector<Command> commands;
  for (size_t i = 0; i < items->size(); ++i) {
    auto reserve =
        parse_reserve((*items)[i], "", fmt::format("reservations[{}].", i), caller.key_id);
    if (!reserve) {
      deps_.metrics->count_reservations(ReservationOutcome::rejected);
      (*results)[i] = failed_item(reserve.error());
      continue;
    }
    submitted_index.push_back(i);
    regions.push_back(reserve->buyer_region);
    // With an Idempotency-Key on the batch, items without their own key get "KEY/i".
    if (!reserve->idempotency_key && !request.idempotency_key.empty()) {
      reserve->idempotency_key = derived_key(request.idempotency_key, i);
    }
    commands.push_back(std::move(*reserve));
  }
  auto answer = [results, respond] {
    size_t created = 0;
    for (const json::value& result : *results) {
      created += result.as_object().at("status").to_number<int64_t>() == 201 ? 1 : 0;
    }
    respond(json_response(200, json::object{{"created", created},
                                            {"failed", results->size() - created},
                                            {"results", std::move(*results)}}));
  };
  if (commands.empty()) return answer();
  bool sees_buyer_data = role_sees(caller.role, DataLevel::sensitive);
  Metrics* metrics = deps_.metrics;
  auto shared_commands = std::make_shared<std::vector<Command>>(std::move(commands));
  claim_key(request, respond, [=, this] {
    auto submitted = submit_commands(
        std::move(*shared_commands),
        [results, submitted_index, regions, sees_buyer_data, metrics, answer](Replies&& replies) {
          for (size_t k = 0; k < replies.size(); ++k) {
            json::value& slot = (*results)[submitted_index[k]];
            if (!replies[k]) {
              metrics->count_reservations(outcome_of(replies[k].error()));
              // Name the field as parse errors do: "reservations[3].lines[0].qty".
              Error error = replies[k].error();
              if (!error.field.empty()) {
                error.field = fmt::format("reservations[{}].{}", submitted_index[k], error.field);
              }
              slot = failed_item(error);
              continue;
            }
            const auto& view = std::get<ReservationView>(*replies[k]);
            metrics->count_reservations(view.idempotent_replay
                                            ? ReservationOutcome::idempotent_replay
                                            : ReservationOutcome::created);
            slot = json::object{{"status", 201},
                                {"reservation", created_json(view, regions[k], sees_buyer_data)}};
          }
          answer();
        });
    if (!submitted) respond(problem_from_error(submitted.error()));
  });
}

void Api::reservation_get(const Params& params, Respond respond) {
  auto id = path_reservation_id(params);
  if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
  auto read = deps_.sequencer->read_async([id = *id, respond](const Engine& engine) {
    auto view = engine.reservation(id);
    if (!view) return respond(problem_from_error(view.error(), ErrorOrigin::path));
    respond(json_response(200, reservation_json(*view)));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::reservation_change(RouteId route, const Params& params, ApiRequest& request,
                             Respond respond) {
  auto id = path_reservation_id(params);
  if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
  auto body = parse_json_object(request.body, deps_.limits,
                                /*allow_empty=*/route != RouteId::reservation_extend);
  if (!body) return respond(malformed_body(body.error()));
  Result<Command> command = fail(ErrorCode::invalid_argument, "", "");
  ReservationOutcome outcome = ReservationOutcome::committed;
  if (route == RouteId::reservation_commit) {
    command = parse_commit(*id, *body);
  } else if (route == RouteId::reservation_release) {
    outcome = ReservationOutcome::released;
    command = body->empty() ? Result<Command>(Release{*id})
                            : fail(ErrorCode::invalid_argument, "body", "release takes no fields");
  } else {
    command = parse_extend(*id, *body);
  }
  if (!command) return respond(problem_from_error(command.error()));
  Metrics* metrics = deps_.metrics;
  bool counts = route != RouteId::reservation_extend;
  submit(
      std::move(*command), respond,
      [metrics, outcome, counts](Reply&& reply) {
        if (counts) metrics->count_reservations(outcome);
        return json_response(200, reply_json(reply));
      },
      ErrorOrigin::path, request.idempotency_key);
}

}  // namespace livechain::server
