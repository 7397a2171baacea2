// API v1: the channel consistency checker's inputs and outputs (docs/channels.md
// "Consistency checker").
//   POST /v1/channels/{id}/observed-stock  NDJSON {"sku", "qty", "at"} per line
//   GET  /v1/channels/{id}/drift           the channel's most recent check
// A report is all or nothing: one bad line refuses the request (naming the line and
// the field) and stores nothing. Channel and SKUs are checked on the engine thread;
// the report is stored on the worker (PATH.observed) before the answer.
#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
// Observed times may run ahead of ours by at most this (clock skew), never more.
constexpr int64_t kObservedFutureSkewMs = 5 * 60'000;

// One NDJSON line: {"sku", "qty", "at"}. Errors name the field.
Result<store::ObservedStock> parse_observed_line(std::string_view line, const ParseLimits& limits,
                                                 TimeMs now_ms) {
  LC_TRY(object, parse_json_object(line, limits));
  LC_CHECK(reject_unknown_fields(object, {"sku", "qty", "at"}, ""));
  LC_TRY(sku, required_string(object, "sku", ""));
  LC_TRY(gtin, gtin_from_text("sku", sku));
  LC_TRY(qty, required_integer(object, "qty", "", 0, kBalanceUnitsMax));
  LC_TRY(at_text, required_string(object, "at", ""));
  LC_TRY(at_ms, parse_rfc3339("at", at_text));
  if (at_ms > now_ms + kObservedFutureSkewMs) {
    return fail(ErrorCode::invalid_argument, "at", "lies more than 5 minutes in the future");
  }
  return store::ObservedStock{"", std::move(gtin), qty, at_ms};
}

json::object drift_json(const store::DriftRecord& record) {
  return json::object{{"sku", record.gtin},
                      {"observed", record.observed_units},
                      {"truth", record.truth_units},
                      {"deviation_pct", record.deviation_pct},
                      {"observed_at", format_time(record.observed_at_ms)},
                      {"alerted", record.alerted}};
}
}  // namespace

void Api::channel_observed_stock(const Params& params, ApiRequest& request, Respond respond) {
  const TimeMs now_ms = SystemClock().now_ms();
  auto reports = std::make_shared<std::vector<store::ObservedStock>>();
  auto lines = split_ndjson_lines(request.body, deps_.limits);
  if (!lines) {
    return respond(problem(413, "too_many_lines", "Too many lines", lines.error().detail, "body"));
  }
  for (const NdjsonLine& line : *lines) {
    auto report = parse_observed_line(line.text, deps_.limits, now_ms);
    if (!report) {
      Error error = report.error();
      error.detail = fmt::format("line {}: {}; nothing was stored", line.number, error.detail);
      return respond(problem_from_error(error, ErrorOrigin::body));
    }
    report->channel_id = params.at(0);
    reports->push_back(std::move(*report));
  }
  if (reports->empty()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "the body holds no NDJSON line", "body"));
  }
  store::ObservedStockStore* observed = deps_.observed;
  auto run_blocking = deps_.run_blocking;
  auto sequencer = deps_.sequencer;
  answer_once(request, std::move(respond), [=](std::vector<Command>, Respond respond) {
    auto read = sequencer->read_async([=](const Engine& engine) {
      const LedgerState& state = engine.state();
      if (!state.find_channel(reports->front().channel_id)) {
        return respond(problem(404, "not_found", "Not found",
                               "unknown channel '" + reports->front().channel_id + "'", "channel"));
      }
      for (size_t i = 0; i < reports->size(); ++i) {
        if (!state.find_sku((*reports)[i].gtin)) {
          return respond(problem(422, "invalid_argument", "Invalid argument",
                                 fmt::format("report {}: unknown sku {}; nothing was stored", i + 1,
                                             (*reports)[i].gtin),
                                 "sku"));
        }
      }
      run_blocking([=] {
        auto stored = observed->append(*reports, SystemClock().now_ms());
        if (!stored) return respond(problem_from_error(stored.error()));
        respond(json_response(200, json::object{{"channel", reports->front().channel_id},
                                                {"accepted", reports->size()}}));
      });
    });
    if (!read) respond(problem_from_error(read.error()));
  });
}

void Api::channel_drift(const Params& params, Respond respond) {
  store::ObservedStockStore* observed = deps_.observed;
  auto run_blocking = deps_.run_blocking;
  const double threshold_pct = deps_.drift_threshold_pct;
  auto read = deps_.sequencer->read_async([=, channel = params.at(0)](const Engine& engine) {
    if (!engine.state().find_channel(channel)) {
      return respond(
          problem(404, "not_found", "Not found", "unknown channel '" + channel + "'", "channel"));
    }
    run_blocking([=] {
      auto records = observed->last_drift(channel);
      if (!records) return respond(problem_from_error(records.error()));
      json::array skus;
      for (const auto& record : *records) skus.push_back(drift_json(record));
      json::value checked_at = nullptr;
      if (!records->empty()) checked_at = json::value(format_time(records->front().checked_at_ms));
      respond(json_response(200, json::object{{"channel", channel},
                                              {"checked_at", checked_at},
                                              {"threshold_pct", threshold_pct},
                                              {"skus", std::move(skus)}}));
    });
  });
  if (!read) respond(problem_from_error(read.error()));
}

}  // namespace livechain::server
