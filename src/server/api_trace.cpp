// API v1, traceability (issue 12 §2): production batches and the serials issued in them.
//
//   POST /v1/batches              {"sku", "lot", "produced_at", "factory", "inspection_reports"?}
//   GET  /v1/batches/{id}
//   POST /v1/batches/{id}/units   {"count"} → the batch with "first_serial", "last_serial"
//
// Both writes are engine commands through the sequencer: the answer is sent once the
// journal event is durable. Transport only: the rules are in src/engine/handlers_trace.cpp.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "core/identifier.hpp"
#include "engine/types.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"
#include "store/scan_store.hpp"
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

// ---- GET /v1/verify?dl=URI[&region=R] (issue 12 §7) --------------------------------
//
// Public (no key): a buyer's phone asks. The engine says whether the code names an
// issued serial; the scan store counts the scan; trace::judge_scan gives the verdict; a
// scan in another region within the hour raises a counterfeit_suspected alert through
// the single writer before the answer is sent. The answer carries public data only.

namespace livechain::server {

namespace {

constexpr std::string_view kCounterfeitAlertKind = "counterfeit_suspected";

// What the engine knows about the code: the batch, when the serial was issued by it.
struct IssuedCode {
  std::optional<BatchView> batch;
  bool issued = false;
};

int utc_year_of(TimeMs time_ms) {
  const auto day = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(time_ms)));
  return static_cast<int>(std::chrono::year_month_day(day).year());
}

// Serials are the decimal numbers 1 … units_issued, written without leading zeros.
std::optional<uint64_t> parse_serial(std::string_view text) {
  if (text.empty() || text.size() > 19 || text[0] == '0') return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

json::object verdict_json(const trace::ScanJudgement& judgement, const trace::DigitalLink& link,
                          const IssuedCode& code, const store::ScanRecord& before, TimeMs now_ms) {
  json::object out{{"verdict", trace::authenticity_name(judgement.verdict)},
                   {"sku", link.gtin14},
                   {"lot", link.lot.value_or("")},
                   {"serial", link.serial.value_or("")}};
  if (judgement.verdict == trace::Authenticity::unknown) {
    out["detail"] = "this code was not issued by the brand";
    return out;
  }
  out["scans"] = judgement.previous_scans + 1;
  out["previous_scans"] = judgement.previous_scans;
  out["first_scanned_at"] = format_time(before.scans == 0 ? now_ms : before.first_scan_ms);
  out["seen_elsewhere_recently"] = judgement.seen_elsewhere_recently;
  out["batch_id"] = code.batch->batch_id;
  out["produced_at"] = format_time(code.batch->produced_at_ms);
  out["factory"] = code.batch->factory_id;
  return out;
}

}  // namespace

void Api::verify_code(const ApiRequest& request, Respond respond) {
  const std::string* dl = request.query_value("dl");
  if (dl == nullptr || dl->empty()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "is required: the unit's GS1 Digital Link URI", "dl"));
  }
  std::string region;
  if (const std::string* given = request.query_value("region")) {
    if (auto ok = validate_identifier("region", *given); !ok) {
      return respond(problem_from_error(ok.error()));
    }
    region = *given;
  }
  const TimeMs now_ms = deps_.clock->now_ms();
  auto link = trace::parse_digital_link(*dl, utc_year_of(now_ms));
  if (!link) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           fmt::format("not a conforming GS1 Digital Link URI ({}: {})",
                                       link.error().field, link.error().detail),
                           "dl"));
  }
  if (!link->lot || !link->serial) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "must name a unit: lot (/10/) and serial (/21/)", "dl"));
  }
  auto read = deps_.sequencer->read_async([this, link = *link, region, now_ms,
                                           respond](const Engine& engine) {
    IssuedCode code;
    const LedgerState& state = engine.state();
    if (auto sku = state.find_sku(link.gtin14)) {
      if (auto id = state.find_batch(*sku, *link.lot)) code.batch = engine.batch(*id).value();
    }
    auto serial = parse_serial(*link.serial);
    code.issued = code.batch && serial && *serial <= code.batch->units_issued;
    if (!code.issued) {
      trace::ScanJudgement unknown = trace::judge_scan(false, {}, region, now_ms);
      return respond(json_response(200, verdict_json(unknown, link, code, {}, now_ms)));
    }
    deps_.run_blocking([this, link, code, serial = *serial, region, now_ms, respond] {
      auto before = deps_.scans->record(code.batch->batch_id, serial, region, now_ms);
      if (!before) return respond(problem_from_error(before.error()));
      trace::ScanHistory history{before->scans, before->first_scan_ms, before->last_scan_ms,
                                 before->last_region};
      trace::ScanJudgement judgement = trace::judge_scan(true, history, region, now_ms);
      json::object answer = verdict_json(judgement, link, code, *before, now_ms);
      if (!judgement.seen_elsewhere_recently) return respond(json_response(200, answer));
      // The regions are buyer data: in the alert (alerts_read), never in the answer.
      json::object evidence{
          {"serial", *link.serial},
          {"regions", json::array{json::string(before->last_region), json::string(region)}},
          {"previous_scan_at", format_time(before->last_scan_ms)},
          {"scanned_at", format_time(now_ms)},
          {"window_minutes", trace::kRescanWindowMs / 60'000},
          {"scans", judgement.previous_scans + 1}};
      RaiseAlert alert{
          std::string(kCounterfeitAlertKind), AlertSeverity::orange,
          AlertSubject{{"sku", link.gtin14}, {"lot", *link.lot}, {"serial", *link.serial}},
          json::serialize(evidence), ""};
      auto submitted =
          deps_.sequencer->submit(std::vector<Command>{std::move(alert)},
                                  [respond, answer = std::move(answer)](Replies&& replies) mutable {
                                    if (!replies.empty() && !replies[0]) {
                                      std::fprintf(stderr, "verify: alert refused: %s\n",
                                                   replies[0].error().to_string().c_str());
                                    }
                                    respond(json_response(200, answer));
                                  });
      if (!submitted) respond(problem_from_error(submitted.error()));
    });
  });
  if (!read) respond(problem_from_error(read.error()));
}

}  // namespace livechain::server
