// API v1: POST /v1/connectors/{platform}/orders — order pushes from Douyin, Kuaishou
// and Taobao (docs/connectors.md). The connectors module verifies the signature and
// maps the payload; this file only turns each order event into engine commands:
// created → Reserve (keyed by the platform's order id), paid → Commit, cancelled →
// Release (each engine::Keyed by order id and status), so a replayed push answers the
// same and records nothing new. A push that fails its signature (401) or its shape
// (422, naming the field) records nothing.
#include <fmt/format.h>

#include "connectors/connectors.hpp"
#include "engine/engine.hpp"
#include "server/api.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

// One order event's outcome: an answer item, or the problem that stopped it.
struct Outcome {
  unsigned status = 200;
  json::object item;
};

json::object event_json(const connectors::OrderEvent& order) {
  json::object out{{"order_id", order.order_id},
                   {"status", std::string(connectors::order_status_name(order.status))}};
  if (!order.path.empty()) out["message"] = order.path;
  return out;
}

Outcome from_error(const connectors::OrderEvent& order, const Error& error) {
  json::object problem = problem_object_from_error(error);
  Outcome out;
  out.status = static_cast<unsigned>(problem.at("status").to_number<int64_t>());
  out.item = event_json(order);
  out.item["problem"] = std::move(problem);
  return out;
}

Outcome from_reply(const connectors::OrderEvent& order, const Reply& reply) {
  Outcome out;
  out.item = event_json(order);
  if (const auto* view = std::get_if<ReservationView>(&reply)) {
    out.item["reservation"] = reservation_json(*view);
    if (view->idempotent_replay) out.item["idempotent_replay"] = true;
  } else {
    out.item["reply"] = reply_json(reply);
  }
  return out;
}

}  // namespace

void Api::connector_orders(const Params& params, ApiRequest& request, Respond respond) {
  auto platform = connectors::parse_platform(params.at(0));
  const connectors::ConnectorConfig& config = deps_.connectors;
  auto configured = platform ? config.platforms.find(*platform) : config.platforms.end();
  if (!platform || configured == config.platforms.end()) {
    return respond(problem(
        404, "not_found", "Not found",
        "no connector '" + params.at(0) + "' is configured (connectors.douyin|kuaishou|taobao)",
        "platform"));
  }
  const connectors::PlatformConfig& platform_config = configured->second;
  connectors::Push push{request.body, &request.query, &request.signature_headers};
  if (auto refused = connectors::verify_signature(*platform, platform_config, push)) {
    return respond(problem(401, "bad_signature", "Bad signature",
                           refused->first + " " + refused->second, refused->first));
  }
  auto parsed = connectors::parse_push(*platform, config, request.body);
  if (!parsed) return respond(problem_from_api_error(parsed.error()));

  // The order events run one after another (a push's messages are in order: a
  // created before its paid); the answer lists each.
  struct Run {
    std::vector<connectors::OrderEvent> orders;
    size_t ignored = 0;
    std::vector<Outcome> outcomes;
    Respond respond;
    connectors::PlatformConfig config;
    std::string platform;
  };
  auto run = std::make_shared<Run>();
  run->orders = std::move(parsed->orders);
  run->ignored = parsed->ignored;
  run->respond = std::move(respond);
  run->config = platform_config;
  run->platform = std::string(connectors::platform_name(*platform));

  auto finish = [run] {
    if (run->outcomes.size() == 1 && run->outcomes.front().status >= 400) {
      // A push of one order: its problem is the answer (the platform retries non-2xx).
      json::object problem = run->outcomes.front().item.at("problem").as_object();
      ApiResponse response = json_response(run->outcomes.front().status, problem);
      response.content_type = "application/problem+json";
      return run->respond(std::move(response));
    }
    json::array items;
    for (Outcome& outcome : run->outcomes) items.push_back(std::move(outcome.item));
    run->respond(json_response(200, json::object{{"platform", run->platform},
                                                 {"orders", std::move(items)},
                                                 {"ignored", run->ignored}}));
  };
  // Submits one command; `then` gets its durable reply (on an I/O thread).
  auto submit_one = [this](Command command, std::function<void(Result<Reply> &&)> then) {
    std::vector<Command> commands;
    commands.push_back(std::move(command));
    auto submitted = submit_commands(
        std::move(commands), [then](Replies&& replies) { then(std::move(replies.front())); });
    if (!submitted) then(std::unexpected(submitted.error()));
  };
  auto step = std::make_shared<std::function<void(size_t)>>();
  // The step holds itself weakly (no cycle); whatever waits for a reply holds it.
  std::weak_ptr<std::function<void(size_t)>> weak_step = step;
  *step = [this, run, finish, submit_one, weak_step](size_t index) {
    if (index == run->orders.size()) return finish();
    const connectors::OrderEvent& order = run->orders[index];
    auto step = weak_step.lock();
    auto record = [run, step, index](Outcome outcome) {
      run->outcomes.push_back(std::move(outcome));
      (*step)(index + 1);
    };
    auto reply_to = [record, &order](Result<Reply>&& reply) {
      record(reply ? from_reply(order, *reply) : from_error(order, reply.error()));
    };
    if (order.status == connectors::OrderStatus::created) {
      return submit_one(connectors::reserve_command(order, run->config), reply_to);
    }
    // Paid or cancelled: find the order's reservation (its Reserve's idempotency key)
    // on the engine thread, then commit or release it under the status key.
    auto resolve = [run, &order, submit_one, record, reply_to](std::optional<uint64_t> id) {
      bool paid = order.status == connectors::OrderStatus::paid;
      std::string key = connectors::status_key(order);
      if (id) {
        Command change = paid ? Command{Commit{*id, {}}} : Command{Release{*id}};
        return submit_one(with_idempotency_key(std::move(change), key), reply_to);
      }
      if (!paid) {  // nothing was held for it: nothing to release
        Outcome outcome{200, event_json(order)};
        outcome.item["reservation"] = nullptr;
        return record(std::move(outcome));
      }
      if (order.lines.empty()) {
        return record(from_error(
            order, Error{ErrorCode::invalid_state, "order_id",
                         "paid order " + order.order_id +
                             " has no reservation and its push carries no items to reserve"}));
      }
      // Paid before its creation was seen: reserve, then commit.
      submit_one(connectors::reserve_command(order, run->config),
                 [&order, submit_one, key, record, reply_to](Result<Reply>&& reserved) {
                   if (!reserved) return record(from_error(order, reserved.error()));
                   uint64_t made = std::get<ReservationView>(*reserved).reservation_id;
                   submit_one(with_idempotency_key(Command{Commit{made, {}}}, key), reply_to);
                 });
    };
    auto run_on_io = deps_.run_on_io;
    std::string reservation_key = connectors::reservation_key(order);
    auto read =
        deps_.sequencer->read_async([reservation_key, resolve, run_on_io](const Engine& engine) {
          const IdempotencyEntry* entry = engine.state().idempotency(reservation_key);
          std::optional<uint64_t> id;
          if (entry != nullptr) id = entry->reservation_id;
          run_on_io([resolve, id] { resolve(id); });
        });
    if (!read) record(from_error(order, read.error()));
  };
  (*step)(0);
}

}  // namespace livechain::server
