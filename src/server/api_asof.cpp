// API v1: stock as of an instant (GET /v1/stock/{sku}?as_of=) and rollback (POST
// /v1/rollback). The engine owns the rules (engine/as_of.hpp: the index, the plan, the
// RestoreStock command); this file parses times, runs the index on the worker thread
// and renders.
#include <fmt/format.h>

#include <algorithm>

#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// Rejects an instant after now (by the server's clock or the ledger's, whichever is
// later: engine time never runs backwards). Errors name `field`.
Result<void> not_in_future(std::string_view field, TimeMs at_ms, TimeMs now_ms) {
  if (at_ms > now_ms) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("is in the future (now is {})", format_time(now_ms)));
  }
  return {};
}

Error renamed(Error error, std::string_view field) {
  if (error.field == "as_of") error.field = std::string(field);
  return error;
}

json::object change_json(const RollbackChange& change) {
  return json::object{{"sku", change.gtin},    {"location", change.location_id},
                      {"field", change.field}, {"from", change.from_units},
                      {"to", change.to_units}, {"delta", change.delta_units()}};
}

json::object sale_json(const store::CommittedSale& sale) {
  return json::object{{"order_id", sale.order_id},
                      {"reservation_id", sale.reservation_id},
                      {"sku", sale.gtin},
                      {"location", sale.location_id},
                      {"qty", sale.qty_units},
                      {"committed_at", format_time(sale.committed_at_ms)},
                      {"seq", sale.seq}};
}

struct RollbackRequest {
  TimeMs to_ms = 0;
  bool dry_run = true;
  std::string reason;
};

Result<RollbackRequest> parse_rollback(const json::object& body) {
  if (auto ok = reject_unknown_fields(body, {"to", "dry_run", "reason"}, ""); !ok) {
    return std::unexpected(ok.error());
  }
  auto to = required_string(body, "to", "");
  if (!to) return std::unexpected(to.error());
  auto to_ms = parse_rfc3339("to", *to);
  if (!to_ms) return std::unexpected(to_ms.error());
  auto dry_run = optional_bool(body, "dry_run", "");
  if (!dry_run) return std::unexpected(dry_run.error());
  auto reason = optional_string(body, "reason", "");
  if (!reason) return std::unexpected(reason.error());
  RollbackRequest request{*to_ms, dry_run->value_or(true), reason->value_or("")};
  if (!request.dry_run && request.reason.empty()) {
    return fail(ErrorCode::invalid_argument, "reason", "is required to apply a rollback");
  }
  return request;
}
}  // namespace

void Api::stock_as_of(const Params& params, const ApiRequest& request, Respond respond) {
  auto gtin = gtin_from_text("sku", params.at(0));
  if (!gtin) return respond(problem(404, "not_found", "Not found", gtin.error().detail, "sku"));
  auto as_of_ms = parse_rfc3339("as_of", *request.query_value("as_of"));
  if (!as_of_ms) return respond(problem_from_error(as_of_ms.error()));
  if (auto ok = not_in_future("as_of", *as_of_ms, deps_.clock->now_ms()); !ok) {
    return respond(problem_from_error(ok.error()));
  }
  AsOfIndex* index = deps_.as_of;
  deps_.run_blocking([index, gtin = *gtin, as_of_ms = *as_of_ms, respond] {
    auto engine = index->engine_at(as_of_ms);
    if (!engine) return respond(problem_from_error(engine.error()));
    auto sku = engine->state().find_sku(gtin);
    if (!sku) {
      return respond(problem(
          404, "not_found", "Not found",
          fmt::format("sku {} was not defined yet at {}", gtin, format_time(as_of_ms)), "sku"));
    }
    json::object body = sku_stock_json(engine->state(), *sku);
    body["as_of"] = format_time(as_of_ms);
    body["as_of_ms"] = as_of_ms;
    body["journal_events"] = engine->state().applied_events();
    respond(json_response(200, body));
  });
}

void Api::rollback(ApiRequest& request, const Caller& caller, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto parsed = parse_rollback(*body);
  if (!parsed) return respond(problem_from_error(parsed.error()));
  if (auto ok = not_in_future("to", parsed->to_ms, deps_.clock->now_ms()); !ok) {
    return respond(problem_from_error(ok.error()));
  }
  AsOfIndex* index = deps_.as_of;
  Sequencer* sequencer = deps_.sequencer;
  auto run_on_io = deps_.run_on_io;
  std::string actor = fmt::format("{}:{}", role_name(caller.role), caller.key_id);
  std::string idempotency_key = request.idempotency_key;
  deps_.run_blocking(
      [index, sequencer, run_on_io, rollback = *parsed, actor, idempotency_key, respond] {
        auto then = index->engine_at(rollback.to_ms);
        if (!then) return respond(problem_from_error(renamed(then.error(), "to")));
        auto sales = index->sales_after(rollback.to_ms, kRollbackConflictsMax);
        if (!sales) return respond(problem_from_error(sales.error()));
        // The plan is made on the engine thread against the live state, so it sees every
        // command executed so far; RestoreStock re-checks it when it executes.
        std::vector<RollbackChange> plan;
        auto read = sequencer->read(
            [&](const Engine& engine) { plan = plan_rollback(then->state(), engine.state()); });
        if (!read) return respond(problem_from_error(read.error()));
        json::array diff;
        for (const RollbackChange& change : plan) diff.push_back(change_json(change));
        json::array conflicts;
        for (const store::CommittedSale& sale : *sales) conflicts.push_back(sale_json(sale));
        json::object answer{{"to", format_time(rollback.to_ms)},
                            {"to_ms", rollback.to_ms},
                            {"diff", std::move(diff)},
                            {"conflicts", std::move(conflicts)},
                            {"conflicts_truncated", sales->size() >= kRollbackConflictsMax},
                            {"applied", false}};
        if (rollback.dry_run) return respond(json_response(200, answer));
        RestoreStock command{rollback.to_ms, actor, rollback.reason, std::move(plan)};
        std::vector<Command> commands;
        commands.push_back(with_idempotency_key(Command{std::move(command)}, idempotency_key));
        bool keyed = !idempotency_key.empty();
        auto submitted = sequencer->submit(
            std::move(commands), [run_on_io, answer, keyed, respond](Replies&& replies) mutable {
              run_on_io([replies = std::move(replies), answer, keyed, respond]() mutable {
                auto& reply = replies.front();
                if (!reply) {
                  Error error = reply.error();
                  if (keyed && error.field == "idempotency_key") error.field = "Idempotency-Key";
                  return respond(problem_from_error(error));
                }
                answer["applied"] = true;
                respond(json_response(200, answer));
              });
            });
        if (!submitted) respond(problem_from_error(submitted.error()));
      });
}

}  // namespace livechain::server
