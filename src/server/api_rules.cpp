// API v1: carrier failover (spec §3; docs/alerts.md "Carrier failover") and the shared
// path of every rule-state write: the rules change their state on the worker, the
// changed records and the alerts raised are journaled, and the answer waits for them.
//   PUT  /v1/lanes/{id} {"carriers": [ranked carrier ids]}   → 200 lane
//   GET  /v1/lanes/{id}                                       → 200 lane
//   POST /v1/shipments {"id", "lane", "promised_at_ms"?}      → 201 shipment (200 repeat)
//   GET  /v1/shipments/{id}                                   → 200 shipment in flight
//   POST /v1/shipments/{id}/scans {"status", "at_ms"?}        → 200 {shipment, scan, lane, alert?}
//   POST /v1/sessions/{id}/outcomes/{sku} {"actual_units", "forecast_units"?,
//        "shadow_forecast_units"?}                        → 200 breaker/shadow state, alert?
//   POST /v1/turnover-reviews {}                          → 200 turnovers reviewed, alerts?
// The rules (delay rate, switching, breaker, turnover) are the alerts module's; this
// file parses.
#include <fmt/format.h>

#include "core/assert.hpp"
#include "core/identifier.hpp"
#include "server/alerts_runtime.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
constexpr int64_t kTimeMinMs = 946'684'800'000;    // 2000-01-01
constexpr int64_t kTimeMaxMs = 4'102'444'800'000;  // 2100-01-01

ApiResponse field_problem(const Error& error) {
  return problem(422, error_code_name(error.code), "Invalid argument", error.detail, error.field);
}
}  // namespace

void Api::rule_change(std::function<Result<alerts::RuleChange>(AlertsRuntime&)> make,
                      unsigned status, ErrorOrigin origin, const ApiRequest& request,
                      Respond respond) {
  if (deps_.rules_runtime == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "alert rules are not running"));
  }
  answer_once(request, std::move(respond),
              [this, make = std::move(make), status, origin](std::vector<engine::Command> claim,
                                                             Respond respond) {
                apply_rule_change(make, status, origin, std::move(claim), std::move(respond));
              });
}

void Api::apply_rule_change(std::function<Result<alerts::RuleChange>(AlertsRuntime&)> make,
                            unsigned status, ErrorOrigin origin, std::vector<engine::Command> claim,
                            Respond respond) {
  AlertsRuntime* runtime = deps_.rules_runtime;
  LC_ASSERT(runtime != nullptr);
  deps_.run_blocking([this, runtime, make = std::move(make), status, origin,
                      claim = std::move(claim), respond]() mutable {
    auto change = make(*runtime);
    if (!change) return respond(problem_from_error(change.error(), origin));
    // The key's claim goes in the same batch as the change: durable together.
    std::vector<engine::Command> commands = std::move(claim);
    for (auto& command : change->commands) commands.push_back(std::move(command));
    if (commands.empty()) return respond(json_response(200, change->view));
    auto view = std::make_shared<json::object>(std::move(change->view));
    auto submitted =
        submit_commands(std::move(commands), [view, status, respond](engine::Replies&& replies) {
          for (auto& reply : replies) {
            if (!reply) return respond(problem_from_error(reply.error()));
            if (const auto* alert = std::get_if<engine::AlertView>(&*reply)) {
              (*view)["alert"] = alerts::alert_json(alert->record);
            }
          }
          respond(json_response(status, *view));
        });
    if (!submitted) respond(problem_from_error(submitted.error()));
  });
}

void Api::rule_read(std::function<Result<json::object>(AlertsRuntime&)> read, Respond respond) {
  if (deps_.rules_runtime == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "alert rules are not running"));
  }
  AlertsRuntime* runtime = deps_.rules_runtime;
  deps_.run_blocking([runtime, read = std::move(read), respond] {
    auto view = read(*runtime);
    if (!view) return respond(problem_from_error(view.error(), ErrorOrigin::path));
    respond(json_response(200, *view));
  });
}

void Api::lane_put(const Params& params, ApiRequest& request, Respond respond) {
  std::string lane = params.at(0);
  if (auto valid = validate_identifier("lane", lane); !valid) {
    return respond(field_problem(valid.error()));
  }
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  if (auto known = reject_unknown_fields(*body, {"carriers"}, ""); !known) {
    return respond(field_problem(known.error()));
  }
  const json::value* carriers = body->if_contains("carriers");
  if (carriers == nullptr || !carriers->is_array()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "must be an array of carrier ids, best first", "carriers"));
  }
  std::vector<std::string> ranked;
  for (size_t i = 0; i < carriers->get_array().size(); ++i) {
    const json::value& c = carriers->get_array()[i];
    std::string field = fmt::format("carriers[{}]", i);
    if (!c.is_string()) {
      return respond(
          problem(422, "invalid_argument", "Invalid argument", "must be a string", field));
    }
    std::string id(c.get_string());
    if (auto valid = validate_identifier(field, id); !valid) {
      return respond(field_problem(valid.error()));
    }
    ranked.push_back(std::move(id));
  }
  rule_change(
      [lane, ranked](AlertsRuntime& rules) {
        return rules.lanes().set_carriers(lane, ranked, SystemClock().now_ms());
      },
      200, ErrorOrigin::body, request, std::move(respond));
}

void Api::lane_get(const Params& params, Respond respond) {
  std::string lane = params.at(0);
  rule_read(
      [lane](AlertsRuntime& rules) {
        return rules.lanes().lane_view(lane, SystemClock().now_ms());
      },
      std::move(respond));
}

void Api::shipment_create(ApiRequest& request, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  if (auto known = reject_unknown_fields(*body, {"id", "lane", "promised_at_ms"}, ""); !known) {
    return respond(field_problem(known.error()));
  }
  auto id = required_string(*body, "id", "");
  if (!id) return respond(field_problem(id.error()));
  if (auto valid = validate_identifier("id", *id); !valid)
    return respond(field_problem(valid.error()));
  auto lane = required_string(*body, "lane", "");
  if (!lane) return respond(field_problem(lane.error()));
  if (auto valid = validate_identifier("lane", *lane); !valid) {
    return respond(field_problem(valid.error()));
  }
  auto promised = optional_integer(*body, "promised_at_ms", "", kTimeMinMs, kTimeMaxMs);
  if (!promised) return respond(field_problem(promised.error()));
  rule_change(
      [id = *id, lane = *lane, promised = *promised](AlertsRuntime& rules) {
        return rules.lanes().create_shipment(id, lane, promised, SystemClock().now_ms());
      },
      201, ErrorOrigin::body, request, std::move(respond));
}

void Api::shipment_get(const Params& params, Respond respond) {
  std::string id = params.at(0);
  rule_read([id](AlertsRuntime& rules) { return rules.lanes().shipment_view(id); },
            std::move(respond));
}

void Api::shipment_scan(const Params& params, ApiRequest& request, Respond respond) {
  std::string id = params.at(0);
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  if (auto known = reject_unknown_fields(*body, {"status", "at_ms"}, ""); !known) {
    return respond(field_problem(known.error()));
  }
  auto status = required_string(*body, "status", "");
  if (!status) return respond(field_problem(status.error()));
  bool known_status = false;
  for (std::string_view s : alerts::kScanStatuses) known_status = known_status || s == *status;
  if (!known_status) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "must be one of picked_up, in_transit, out_for_delivery, delivered, "
                           "exception",
                           "status"));
  }
  auto at = optional_integer(*body, "at_ms", "", kTimeMinMs, kTimeMaxMs);
  if (!at) return respond(field_problem(at.error()));
  TimeMs at_ms = at->value_or(SystemClock().now_ms());
  rule_change([id, status = *status,
               at_ms](AlertsRuntime& rules) { return rules.lanes().scan(id, status, at_ms); },
              200, ErrorOrigin::path, request, std::move(respond));
}

void Api::session_outcome(const Params& params, ApiRequest& request, Respond respond) {
  std::string session = params.at(0);
  if (auto valid = validate_identifier("session", session); !valid) {
    return respond(field_problem(valid.error()));
  }
  auto gtin = gtin_from_text("sku", params.at(1));
  if (!gtin) return respond(field_problem(gtin.error()));
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  if (auto known = reject_unknown_fields(
          *body, {"actual_units", "forecast_units", "shadow_forecast_units"}, "");
      !known) {
    return respond(field_problem(known.error()));
  }
  auto amount = [&](std::string_view name) -> Result<std::optional<double>> {
    const json::value* value = body->if_contains(name);
    if (value == nullptr) return std::optional<double>{};
    if (!value->is_number() || value->to_number<double>() < 0 ||
        value->to_number<double>() > 1e12) {
      return fail(ErrorCode::invalid_argument, std::string(name), "must be a number in 0..1e12");
    }
    return std::optional<double>{value->to_number<double>()};
  };
  auto actual = amount("actual_units");
  if (!actual) return respond(field_problem(actual.error()));
  if (!*actual) {
    return respond(
        problem(422, "invalid_argument", "Invalid argument", "is required", "actual_units"));
  }
  auto forecast = amount("forecast_units");
  if (!forecast) return respond(field_problem(forecast.error()));
  auto shadow = amount("shadow_forecast_units");
  if (!shadow) return respond(field_problem(shadow.error()));
  rule_change(
      [session, gtin = *gtin, actual = **actual, forecast = *forecast,
       shadow = *shadow](AlertsRuntime& rules) {
        return rules.session_outcome(session, gtin, actual, forecast, shadow);
      },
      200, ErrorOrigin::body, request, std::move(respond));
}

void Api::turnover_review(ApiRequest& request, Respond respond) {
  if (!request.body.empty()) {
    auto body = parse_json_object(request.body, deps_.limits);
    if (!body) return respond(malformed_body(body.error()));
    if (auto known = reject_unknown_fields(*body, {}, ""); !known) {
      return respond(field_problem(known.error()));
    }
  }
  if (deps_.rules_runtime == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "alert rules are not running"));
  }
  // Samples are taken on the engine thread, then reviewed on the worker.
  answer_once(request, std::move(respond),
              [this](std::vector<engine::Command> claim, Respond respond) {
                auto read = deps_.sequencer->read_async(
                    [this, claim = std::move(claim), respond](const engine::Engine& engine) {
                      auto samples = std::make_shared<std::vector<alerts::TurnoverSample>>(
                          AlertsRuntime::turnover_samples(engine));
                      apply_rule_change(
                          [samples](AlertsRuntime& rules) -> Result<alerts::RuleChange> {
                            return rules.turnover_review(*samples, SystemClock().now_ms());
                          },
                          200, ErrorOrigin::body, claim, respond);
                    });
                if (!read) respond(problem_from_error(read.error()));
              });
}

}  // namespace livechain::server
