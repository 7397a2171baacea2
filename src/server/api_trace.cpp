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

// ---- GET /v1/verify?dl=URI[&region=R] and the scan page (issue 12 §4, §7) ------------
//
// Public (no key): a buyer's phone asks. The engine says whether the code names an
// issued serial; the scan store counts the scan; trace::judge_scan gives the verdict; a
// scan in another region within the hour raises a counterfeit_suspected alert through
// the single writer before the answer is sent. Answers carry public data only.

namespace livechain::server {

namespace {

constexpr std::string_view kCounterfeitAlertKind = "counterfeit_suspected";

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

// What the engine knows about a scanned code.
void look_up_code(const Engine& engine, const trace::DigitalLink& link, ScanOutcome& out) {
  const LedgerState& state = engine.state();
  auto sku = state.find_sku(link.gtin14);
  if (!sku) return;
  out.product_name = state.skus()[*sku].name;
  auto id = link.lot ? state.find_batch(*sku, *link.lot) : std::nullopt;
  if (!id) return;
  out.batch = engine.batch(*id).value();
  if (auto factory = state.find_location(out.batch->factory_id)) {
    out.factory_region = state.regions()[state.locations()[*factory].region];
  }
  auto serial = link.serial ? parse_serial(*link.serial) : std::nullopt;
  out.serial = serial.value_or(0);
  out.issued = serial && *serial <= out.batch->units_issued;
}

json::object verdict_json(const ScanOutcome& scan) {
  json::object out{{"verdict", trace::authenticity_name(scan.judgement.verdict)},
                   {"sku", scan.link.gtin14},
                   {"lot", scan.link.lot.value_or("")},
                   {"serial", scan.link.serial.value_or("")}};
  if (scan.judgement.verdict == trace::Authenticity::unknown) {
    out["detail"] = "this code was not issued by the brand";
    return out;
  }
  out["scans"] = scan.judgement.previous_scans + 1;
  out["previous_scans"] = scan.judgement.previous_scans;
  out["first_scanned_at"] = format_time(scan.first_scanned_ms());
  out["seen_elsewhere_recently"] = scan.judgement.seen_elsewhere_recently;
  out["batch_id"] = scan.batch->batch_id;
  out["produced_at"] = format_time(scan.batch->produced_at_ms);
  out["factory"] = scan.batch->factory_id;
  out["recalled"] = scan.batch->recalled;
  if (scan.batch->recalled) {
    out["recalled_at"] = format_time(scan.batch->recalled_at_ms);
    out["recall_reason"] = scan.batch->recall_reason;
  }
  return out;
}

}  // namespace

Result<trace::DigitalLink> Api::unit_link(std::string_view uri, TimeMs now_ms) const {
  auto link = trace::parse_digital_link(uri, utc_year_of(now_ms));
  if (!link) {
    return fail(ErrorCode::invalid_argument, "dl",
                fmt::format("not a conforming GS1 Digital Link URI ({}: {})", link.error().field,
                            link.error().detail));
  }
  if (!link->lot || !link->serial) {
    return fail(ErrorCode::invalid_argument, "dl",
                "must name a unit: lot (/10/) and serial (/21/)");
  }
  return link;
}

void Api::scan_code(trace::DigitalLink link, std::string region, TimeMs now_ms, bool count,
                    std::function<void(Result<ScanOutcome>&&)> done) {
  auto read = deps_.sequencer->read_async([this, link = std::move(link), region, now_ms, count,
                                           done](const Engine& engine) mutable {
    ScanOutcome scan;
    scan.link = std::move(link);
    scan.now_ms = now_ms;
    look_up_code(engine, scan.link, scan);
    if (!scan.issued || !count) {
      scan.judgement = trace::judge_scan(scan.issued, {}, region, now_ms);
      return done(std::move(scan));
    }
    deps_.run_blocking([this, scan = std::move(scan), region, done]() mutable {
      auto before = deps_.scans->record(scan.batch->batch_id, scan.serial, region, scan.now_ms);
      if (!before) return done(std::unexpected(before.error()));
      scan.before = *before;
      trace::ScanHistory history{before->scans, before->first_scan_ms, before->last_scan_ms,
                                 before->last_region};
      scan.judgement = trace::judge_scan(true, history, region, scan.now_ms);
      if (!scan.judgement.seen_elsewhere_recently) return done(std::move(scan));
      // The regions are buyer data: in the alert (alerts_read), never in the answer.
      json::object evidence{
          {"serial", *scan.link.serial},
          {"regions", json::array{json::string(before->last_region), json::string(region)}},
          {"previous_scan_at", format_time(before->last_scan_ms)},
          {"scanned_at", format_time(scan.now_ms)},
          {"window_minutes", trace::kRescanWindowMs / 60'000},
          {"scans", scan.judgement.previous_scans + 1}};
      RaiseAlert alert{
          std::string(kCounterfeitAlertKind), AlertSeverity::orange,
          AlertSubject{
              {"sku", scan.link.gtin14}, {"lot", *scan.link.lot}, {"serial", *scan.link.serial}},
          json::serialize(evidence), ""};
      auto shared = std::make_shared<ScanOutcome>(std::move(scan));
      auto submitted = deps_.sequencer->submit(
          std::vector<Command>{std::move(alert)}, [shared, done](Replies&& replies) mutable {
            if (!replies.empty() && !replies[0]) {
              std::fprintf(stderr, "verify: alert refused: %s\n",
                           replies[0].error().to_string().c_str());
            }
            done(std::move(*shared));
          });
      if (!submitted) done(std::unexpected(submitted.error()));
    });
  });
  if (!read) done(std::unexpected(read.error()));
}

Result<std::string> Api::scan_region(const ApiRequest& request) const {
  const std::string* given = request.query_value("region");
  if (given == nullptr) return std::string();
  LC_CHECK(validate_identifier("region", *given));
  return *given;
}

void Api::verify_code(const ApiRequest& request, Respond respond) {
  const std::string* dl = request.query_value("dl");
  if (dl == nullptr || dl->empty()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "is required: the unit's GS1 Digital Link URI", "dl"));
  }
  auto region = scan_region(request);
  if (!region) return respond(problem_from_error(region.error()));
  const TimeMs now_ms = deps_.clock->now_ms();
  auto link = unit_link(*dl, now_ms);
  if (!link) return respond(problem_from_error(link.error()));
  scan_code(std::move(*link), std::move(*region), now_ms, true,
            [respond](Result<ScanOutcome>&& scan) {
              if (!scan) return respond(problem_from_error(scan.error()));
              respond(json_response(200, verdict_json(*scan)));
            });
}

void Api::scan_page(const Params& params, const ApiRequest& request, Respond respond) {
  // The path is the Digital Link path itself: /01/{gtin}/10/{lot}/21/{serial}.
  const std::string uri =
      fmt::format("https://id.gs1.org/01/{}/10/{}/21/{}", percent_encode_segment(params.at(0)),
                  percent_encode_segment(params.at(1)), percent_encode_segment(params.at(2)));
  const TimeMs now_ms = deps_.clock->now_ms();
  auto link = unit_link(uri, now_ms);
  if (!link) return respond(problem_from_error(link.error(), ErrorOrigin::path));
  auto region = scan_region(request);
  if (!region) return respond(problem_from_error(region.error()));
  const std::string* link_type = request.query_value("linkType");
  const bool linkset = (link_type != nullptr && *link_type == "all") ||
                       request.accept.find("application/json") != std::string::npos ||
                       request.accept.find("application/linkset+json") != std::string::npos;
  // A resolver or crawler asking for links is not a scan; a person opening the page is.
  scan_code(
      std::move(*link), std::move(*region), now_ms, !linkset,
      [respond, linkset](Result<ScanOutcome>&& scan) {
        if (!scan) return respond(problem_from_error(scan.error()));
        if (linkset) {
          return respond(ApiResponse{
              200, "application/linkset+json", json::serialize(scan_linkset_json(*scan)), {}});
        }
        respond(ApiResponse{200,
                            "text/html; charset=utf-8",
                            scan_page_html(*scan),
                            {{"Content-Security-Policy",
                              "default-src 'none'; style-src 'unsafe-inline'; "
                              "img-src data:; base-uri 'none'; form-action 'none'"},
                             {"X-Content-Type-Options", "nosniff"},
                             {"Cache-Control", "no-store"}}});
      });
}

}  // namespace livechain::server
