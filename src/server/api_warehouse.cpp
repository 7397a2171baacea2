// API v1: warehouse anomaly reports (spec §4; docs/alerts.md).
//   POST /v1/warehouse-reports {"warehouse", "picked", "picking_errors", "shipped",
//                               "shipping_errors", "at_ms"?}
// → 200 {"warehouse", "error_rate", "level", "response", "operations", "errors",
//        "window_ms", "alert"?}. A level change raises (or, back to level 1, resolves)
// the warehouse_anomaly alert; the answer then waits until that alert is durable.
#include <fmt/format.h>

#include "core/identifier.hpp"
#include "server/alerts_runtime.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
constexpr int64_t kCountMax = 1'000'000'000;

Result<alerts::WarehouseReport> parse_warehouse_report(const json::object& body, TimeMs now_ms) {
  LC_CHECK(reject_unknown_fields(
      body, {"warehouse", "picked", "picking_errors", "shipped", "shipping_errors", "at_ms"}, ""));
  alerts::WarehouseReport report;
  LC_TRY(warehouse, required_string(body, "warehouse", ""));
  LC_CHECK(validate_identifier("warehouse", warehouse));
  report.warehouse_id = warehouse;
  int64_t counts[4] = {};
  const char* names[4] = {"picked", "picking_errors", "shipped", "shipping_errors"};
  for (int i = 0; i < 4; ++i) {
    LC_TRY(value, optional_integer(body, names[i], "", 0, kCountMax));
    counts[i] = value.value_or(0);
  }
  if (counts[1] > counts[0]) {
    return fail(ErrorCode::invalid_argument, "picking_errors", "must not exceed picked");
  }
  if (counts[3] > counts[2]) {
    return fail(ErrorCode::invalid_argument, "shipping_errors", "must not exceed shipped");
  }
  report.operations = counts[0] + counts[2];
  report.errors = counts[1] + counts[3];
  if (report.operations == 0) {
    return fail(ErrorCode::invalid_argument, "picked", "picked + shipped must be at least 1");
  }
  LC_TRY(at_ms, optional_integer(body, "at_ms", "", 946'684'800'000, 4'102'444'800'000));
  report.at_ms = at_ms.value_or(now_ms);
  return report;
}
}  // namespace

void Api::warehouse_report(ApiRequest& request, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto report = parse_warehouse_report(*body, SystemClock().now_ms());
  if (!report) {
    return respond(problem(422, "invalid_argument", "Invalid argument", report.error().detail,
                           report.error().field));
  }
  if (deps_.rules_runtime == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "alert rules are not running"));
  }
  // The warehouse must be a known location: checked on the engine thread.
  answer_once(
      request, std::move(respond),
      [this, report = *report](std::vector<engine::Command> claim, Respond respond) {
        auto read = deps_.sequencer->read_async([this, report, claim = std::move(claim),
                                                 respond](const Engine& engine) {
          if (!engine.state().find_location(report.warehouse_id)) {
            return respond(problem(422, "not_found", "Not found",
                                   "unknown location '" + report.warehouse_id + "'", "warehouse"));
          }
          apply_rule_change(
              [report](AlertsRuntime& rules) { return rules.warehouse_report(report); }, 200,
              ErrorOrigin::body, claim, respond);
        });
        if (!read) respond(problem_from_error(read.error()));
      });
}

}  // namespace livechain::server
