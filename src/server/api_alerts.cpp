// API v1: alerts — durable records in the ledger (docs/alerts.md).
//   GET  /v1/alerts?state=&severity=&kind=&since=&limit=   newest first
//   GET  /v1/alerts/{id}
//   POST /v1/alerts                {"kind","severity","subject",{"evidence"},{"action"}}
//   POST /v1/alerts/{id}/ack       {"note"?}
//   POST /v1/alerts/{id}/resolve   {"note"?}
// Writes go through the sequencer and are answered after their batch is durable.
#include <fmt/format.h>

#include <charconv>

#include "alerts/alerts.hpp"
#include "core/identifier.hpp"
#include "server/alerts_runtime.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
constexpr size_t kAlertPageMax = 1'000;
constexpr size_t kAlertPageDefault = 100;

ApiResponse unprocessable(std::string field, std::string detail) {
  return problem(422, "invalid_argument", "Invalid argument", std::move(detail), std::move(field));
}

// An optional member that must be a JSON object; returned serialised ("" when absent).
Result<std::string> object_text(const json::object& body, std::string_view name) {
  const json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_object()) {
    return fail(ErrorCode::invalid_argument, std::string(name), "must be a JSON object");
  }
  return json::serialize(*value);
}

Result<AlertSubject> parse_subject(const json::object& body) {
  const json::value* value = body.if_contains("subject");
  if (value == nullptr) return fail(ErrorCode::invalid_argument, "subject", "is required");
  if (!value->is_object()) {
    return fail(ErrorCode::invalid_argument, "subject",
                "must be an object such as {\"sku\": \"…\", \"location\": \"…\"}");
  }
  AlertSubject subject;
  for (const auto& member : value->get_object()) {
    std::string field = "subject." + std::string(member.key());
    if (member.value().is_string()) {
      subject.emplace_back(std::string(member.key()), std::string(member.value().get_string()));
    } else if (member.value().is_int64() || member.value().is_uint64()) {
      subject.emplace_back(std::string(member.key()), json::serialize(member.value()));
    } else {
      return fail(ErrorCode::invalid_argument, field, "must be a string");
    }
  }
  return subject;
}

Result<AlertSeverity> parse_severity(std::string_view field, std::string_view text) {
  AlertSeverity severity = AlertSeverity::info;
  if (!parse_alert_severity(text, severity)) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' is not one of info, yellow, orange, red", text.substr(0, 32)));
  }
  return severity;
}

Result<RaiseAlert> parse_raise_alert(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"kind", "severity", "subject", "evidence", "action"}, ""));
  RaiseAlert out;
  LC_TRY(kind, required_string(body, "kind", ""));
  out.kind = kind;
  LC_TRY(severity_text, required_string(body, "severity", ""));
  LC_TRY(severity, parse_severity("severity", severity_text));
  out.severity = severity;
  LC_TRY(subject, parse_subject(body));
  out.subject = std::move(subject);
  LC_TRY(evidence, object_text(body, "evidence"));
  out.evidence_json = evidence.empty() ? "{}" : evidence;
  LC_TRY(action, object_text(body, "action"));
  out.action_json = action;
  return out;
}

Result<std::string> parse_note(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"note"}, ""));
  LC_TRY(note, optional_string(body, "note", ""));
  return note.value_or("");
}

// "since": epoch milliseconds, or an RFC 3339 date-time ("2026-12-06T20:00:00Z").
std::optional<TimeMs> parse_since(std::string_view text) {
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size()) return number;
  auto parsed = parse_rfc3339("since", text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

Result<AlertFilter> parse_alert_filter(const ApiRequest& request) {
  AlertFilter filter;
  filter.limit = kAlertPageDefault;
  for (const auto& [name, value] : request.query) {
    if (name == "state") {
      AlertState state = AlertState::raised;
      if (!parse_alert_state(value, state)) {
        return fail(ErrorCode::invalid_argument, "state",
                    "must be one of raised, acknowledged, resolved");
      }
      filter.state = state;
    } else if (name == "severity") {
      LC_TRY(severity, parse_severity("severity", value));
      filter.severity = severity;
    } else if (name == "kind") {
      LC_CHECK(validate_identifier("kind", value));
      filter.kind = value;
    } else if (name == "since") {
      auto since = parse_since(value);
      if (!since) {
        return fail(ErrorCode::invalid_argument, "since",
                    "must be epoch milliseconds or RFC 3339 UTC (2026-12-06T20:00:00Z)");
      }
      filter.since_ms = *since;
    } else if (name == "limit") {
      size_t limit = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (error != std::errc() || end != value.data() + value.size() || limit < 1 ||
          limit > kAlertPageMax) {
        return fail(ErrorCode::invalid_argument, "limit",
                    fmt::format("must be an integer in 1..{}", kAlertPageMax));
      }
      filter.limit = limit;
    } else {
      return fail(ErrorCode::invalid_argument, name,
                  "unknown query parameter (state, severity, kind, since, limit)");
    }
  }
  return filter;
}

// A session plan's "starts_at" (RFC 3339) and "duration_min" (1 … 1440), both optional.
struct SessionTiming {
  std::optional<TimeMs> starts_at_ms;
  std::optional<int> duration_min;
};
Result<SessionTiming> parse_session_timing(const json::object& body) {
  SessionTiming out;
  if (const json::value* starts_at = body.if_contains("starts_at")) {
    if (!starts_at->is_string()) {
      return fail(ErrorCode::invalid_argument, "starts_at",
                  "must be an RFC 3339 date-time such as 2026-12-06T20:00:00Z");
    }
    LC_TRY(at_ms, parse_rfc3339("starts_at", starts_at->get_string()));
    out.starts_at_ms = at_ms;
  }
  LC_TRY(duration, optional_integer(body, "duration_min", "", 1, forecast::kSessionMinutesMax));
  if (duration) out.duration_min = static_cast<int>(*duration);
  return out;
}

json::object alert_answer(const AlertRecord& record) {
  return alerts::alert_json(record);
}
}  // namespace

void Api::alerts_list(const ApiRequest& request, Respond respond) {
  auto filter = parse_alert_filter(request);
  if (!filter) return respond(unprocessable(filter.error().field, filter.error().detail));
  auto read = deps_.sequencer->read_async([filter = *filter, respond](const Engine& engine) {
    json::array out;
    for (const AlertRecord& record : engine.alerts(filter)) out.push_back(alert_answer(record));
    respond(json_response(200, json::object{{"alerts", std::move(out)}}));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::alert_get(const Params& params, Respond respond) {
  auto id = parse_path_id("id", params.at(0));
  if (!id) return respond(problem(404, "not_found", "Not found", "no alert " + params.at(0), "id"));
  auto read = deps_.sequencer->read_async([id = *id, respond](const Engine& engine) {
    auto record = engine.alert(id);
    if (!record) return respond(problem_from_error(record.error(), ErrorOrigin::path));
    respond(json_response(200, alert_answer(*record)));
  });
  if (!read) respond(problem_from_error(read.error()));
}

void Api::alert_raise(ApiRequest& request, Respond respond) {
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  auto command = parse_raise_alert(*body);
  if (!command) return respond(unprocessable(command.error().field, command.error().detail));
  submit(
      std::move(*command), respond,
      [](Reply&& reply) {
        const auto& view = std::get<AlertView>(reply);
        bool created = view.changed && view.record.updates == 0 &&
                       view.record.raised_at_ms == view.record.updated_at_ms;
        ApiResponse response = json_response(created ? 201 : 200, alert_answer(view.record));
        response.headers.emplace_back("Location",
                                      "/v1/alerts/" + std::to_string(view.record.alert_id));
        return response;
      },
      ErrorOrigin::body, request.idempotency_key);
}

void Api::alert_change(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  auto id = parse_path_id("id", params.at(0));
  if (!id) return respond(problem(404, "not_found", "Not found", "no alert " + params.at(0), "id"));
  auto body = parse_json_object(request.body, deps_.limits, /*allow_empty=*/true);
  if (!body) return respond(malformed_body(body.error()));
  auto note = parse_note(*body);
  if (!note) return respond(unprocessable(note.error().field, note.error().detail));
  Command command = route == RouteId::alert_ack ? Command{AcknowledgeAlert{*id, *note}}
                                                : Command{ResolveAlert{*id, "", {}, *note}};
  submit(
      std::move(command), respond,
      [](Reply&& reply) {
        return json_response(200, alert_answer(std::get<AlertView>(reply).record));
      },
      ErrorOrigin::path, request.idempotency_key);
}

// PUT /v1/sessions/{id}/plans/{sku} {"forecast_units", "add_to_cart_peak"?,
// "baseline_units"?, "starts_at"?, "duration_min"?}: what the session rules compare live
// signals against (the pre-session forecast, which the nowcaster updates minute by
// minute from the session's start over its planned length, and the SKU's historical
// add-to-cart peak per window).
void Api::session_plan_put(const Params& params, ApiRequest& request, Respond respond) {
  if (auto valid = validate_identifier("session", params.at(0)); !valid) {
    return respond(unprocessable("session", valid.error().detail));
  }
  auto gtin = gtin_from_text("sku", params.at(1));
  if (!gtin) return respond(unprocessable("sku", gtin.error().detail));
  auto body = parse_json_object(request.body, deps_.limits);
  if (!body) return respond(malformed_body(body.error()));
  if (auto known = reject_unknown_fields(
          *body,
          {"forecast_units", "add_to_cart_peak", "baseline_units", "starts_at", "duration_min"},
          "");
      !known) {
    return respond(unprocessable(known.error().field, known.error().detail));
  }
  auto number = [&](std::string_view name, bool required) -> Result<double> {
    const json::value* value = body->if_contains(name);
    if (value == nullptr) {
      if (required) return fail(ErrorCode::invalid_argument, std::string(name), "is required");
      return 0.0;
    }
    if (!value->is_number() || value->to_number<double>() < 0 ||
        value->to_number<double>() > 1e12) {
      return fail(ErrorCode::invalid_argument, std::string(name), "must be a number in 0..1e12");
    }
    return value->to_number<double>();
  };
  auto forecast = number("forecast_units", true);
  if (!forecast) return respond(unprocessable(forecast.error().field, forecast.error().detail));
  auto peak = number("add_to_cart_peak", false);
  if (!peak) return respond(unprocessable(peak.error().field, peak.error().detail));
  std::optional<double> baseline;
  if (body->contains("baseline_units")) {
    auto given = number("baseline_units", true);
    if (!given) return respond(unprocessable(given.error().field, given.error().detail));
    baseline = *given;
  }
  auto timing = parse_session_timing(*body);
  if (!timing) return respond(unprocessable(timing.error().field, timing.error().detail));
  rule_change(
      [session = params.at(0), gtin = *gtin, forecast = *forecast, peak = *peak, baseline,
       timing = *timing](AlertsRuntime& rules) {
        return rules.set_plan(session, gtin, forecast, peak, baseline, timing.starts_at_ms,
                              timing.duration_min);
      },
      200, ErrorOrigin::body, request, std::move(respond));
}

}  // namespace livechain::server
