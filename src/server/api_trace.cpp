// API v1, traceability (issue 12 §2): production batches and the serials issued in them.
//
//   POST /v1/batches              {"sku", "lot", "produced_at", "factory", "inspection_reports"?}
//   GET  /v1/batches/{id}
//   POST /v1/batches/{id}/units   {"count"} → the batch with "first_serial", "last_serial"
//
// Both writes are engine commands through the sequencer: the answer is sent once the
// journal event is durable. Transport only: the rules are in src/engine/handlers_trace.cpp.
#include <fmt/format.h>

#include "engine/types.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

Result<std::vector<std::string>> inspection_reports(const json::object& body) {
  std::vector<std::string> reports;
  const json::value* value = body.if_contains("inspection_reports");
  if (value == nullptr) return reports;
  if (!value->is_array()) {
    return fail(ErrorCode::invalid_argument, "inspection_reports", "must be an array of strings");
  }
  const json::array& array = value->as_array();
  if (array.size() > kInspectionReportsMax) {
    return fail(ErrorCode::limit_exceeded, "inspection_reports",
                fmt::format("{} references; at most {}", array.size(), kInspectionReportsMax));
  }
  for (size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string()) {
      return fail(ErrorCode::invalid_argument, fmt::format("inspection_reports[{}]", i),
                  "must be a string");
    }
    reports.emplace_back(array[i].as_string());
  }
  return reports;
}

Result<CreateBatch> parse_batch(const json::object& body) {
  LC_CHECK(reject_unknown_fields(
      body, {"sku", "lot", "produced_at", "factory", "inspection_reports"}, ""));
  CreateBatch batch;
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(lot, required_string(body, "lot", ""));
  LC_TRY(produced_at, required_string(body, "produced_at", ""));
  LC_TRY(produced_at_ms, trace::parse_utc_time_ms(produced_at, "produced_at"));
  LC_TRY(factory, required_string(body, "factory", ""));
  LC_TRY(reports, inspection_reports(body));
  batch.gtin = std::move(gtin);
  batch.lot = std::move(lot);
  batch.produced_at_ms = produced_at_ms;
  batch.factory_id = std::move(factory);
  batch.inspection_reports = std::move(reports);
  return batch;
}

Result<IssueUnits> parse_units(uint64_t batch_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"count"}, ""));
  LC_TRY(count, required_integer(body, "count", "", 1, kLineQtyMax));
  return IssueUnits{batch_id, count};
}

Result<uint64_t> batch_path_id(const std::vector<std::string>& params) {
  auto id = parse_path_id("id", params.at(0));
  if (!id) return fail(ErrorCode::not_found, "id", fmt::format("no batch '{}'", params.at(0)));
  return id;
}

}  // namespace

void Api::trace_batches(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  if (route == RouteId::batch_get) {
    auto id = batch_path_id(params);
    if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
    auto read = deps_.sequencer->read_async([id = *id, respond](const Engine& engine) {
      auto view = engine.batch(id);
      if (!view) return respond(problem_from_error(view.error(), ErrorOrigin::path));
      respond(json_response(200, batch_json(*view)));
    });
    if (!read) respond(problem_from_error(read.error()));
    return;
  }
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  Command command;
  ErrorOrigin origin = ErrorOrigin::body;
  if (route == RouteId::batch_create) {
    auto batch = parse_batch(*body);
    if (!batch) return respond(problem_from_error(batch.error()));
    command = std::move(*batch);
  } else {
    auto id = batch_path_id(params);
    if (!id) return respond(problem_from_error(id.error(), ErrorOrigin::path));
    auto units = parse_units(*id, *body);
    if (!units) return respond(problem_from_error(units.error()));
    command = *units;
    origin = ErrorOrigin::path;  // an unknown batch id is 404
  }
  submit(
      std::move(command), respond,
      [](Reply&& reply) { return json_response(201, reply_json(reply)); }, origin,
      request.idempotency_key);
}

}  // namespace livechain::server
