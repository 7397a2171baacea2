// EPCIS 2.0 REST binding (issue 12 §3, docs/trace.md § 3). Transport only: the rules
// are trace::parse_epcis_document and server/epcis_service.cpp.
//
//   POST /epcis/v2/capture          EPCISDocument (JSON-LD) → 202, Location of the job
//   GET  /epcis/v2/capture/{id}     {"captureID", "running", "success", "errors", …}
//   GET  /epcis/v2/events           EPCISQueryDocument; standard query parameters, perPage,
//                                   Link: <…>; rel="next"
//   GET  /epcis/v2/events/{id}      one event (EPCISQueryDocument), Link to its proof
//
// Errors are RFC 9457 problems whose "type" is the EPCIS exception
// ("epcisException:ValidationException" …) and whose "field" names the input.
#include <fmt/format.h>

#include <charconv>
#include <memory>

#include "server/api.hpp"
#include "server/epcis_service.hpp"
#include "server/problem.hpp"
#include "server/scan_page.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

constexpr size_t kPerPageDefault = 30;
constexpr size_t kPerPageMax = 1000;

ApiResponse epcis_problem(unsigned status, std::string_view exception, std::string_view detail,
                          std::string_view field) {
  json::object body = problem_object(status, "epcis", exception, detail, field);
  body["type"] = fmt::format("epcisException:{}", exception);
  body["title"] = exception;
  return ApiResponse{
      status, "application/problem+json", json::serialize(body), {{"GS1-EPCIS-Version", "2.0.0"}}};
}

ApiResponse epcis_problem_from_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
      return epcis_problem(400, "ValidationException", error.detail, error.field);
    case ErrorCode::limit_exceeded:
      return epcis_problem(413, "CaptureLimitExceededException", error.detail, error.field);
    case ErrorCode::already_exists:
      return epcis_problem(409, "ValidationException", error.detail, error.field);
    default:
      return problem_from_api_error(error);
  }
}

json::object job_json(const store::EpcisJob& job) {
  json::value errors = json::parse(job.errors_json);
  return json::object{{"captureID", job.capture_id},
                      {"createdAt", trace::format_epcis_time_ms(job.created_ms)},
                      {"running", job.running},
                      {"success", job.success},
                      {"captureErrorBehaviour", "rollback"},
                      {"errors", std::move(errors)},
                      {"eventCount", job.events},
                      {"storedCount", job.stored},
                      {"duplicateCount", job.duplicates}};
}

// The EPCISQueryDocument of `rows` (events as stored), with every prefix they use.
std::string query_document(const std::vector<store::EpcisIndexRow>& rows, TimeMs now_ms) {
  json::object prefixes;
  json::array events;
  for (const store::EpcisIndexRow& row : rows) {
    boost::system::error_code ec;
    json::value context = json::parse(row.context_json, ec);
    if (!ec && context.is_object()) {
      for (const auto& member : context.get_object()) {
        if (!prefixes.contains(member.key())) prefixes[member.key()] = member.value();
      }
    }
    events.push_back(json::parse(row.json));
  }
  json::array context{json::string(trace::kEpcisGs1Context)};
  if (!prefixes.empty()) context.push_back(std::move(prefixes));
  json::object document{
      {"@context", std::move(context)},
      {"type", "EPCISQueryDocument"},
      {"schemaVersion", "2.0"},
      {"creationDate", trace::format_epcis_time_ms(now_ms)},
      {"epcisBody",
       json::object{
           {"queryResults",
            json::object{{"queryName", "SimpleEventQuery"},
                         {"resultsBody", json::object{{"eventList", std::move(events)}}}}}}}};
  return json::serialize(document);
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  size_t at = 0;
  for (;;) {
    size_t comma = text.find(',', at);
    std::string_view part =
        text.substr(at, comma == std::string_view::npos ? text.npos : comma - at);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

// The query parameters of GET /epcis/v2/events into an index query. Errors name the
// parameter (QueryParameterException).
Result<store::EpcisQuery> parse_query(const ApiRequest& request, size_t& per_page) {
  store::EpcisQuery q;
  per_page = kPerPageDefault;
  auto bad = [](const std::string& name, std::string detail) {
    return fail(ErrorCode::invalid_argument, name, std::move(detail));
  };
  for (const auto& [name, value] : request.query) {
    auto list = [&](std::vector<std::string>& into, std::string_view vocabulary = {},
                    bool gs1 = false) {
      for (std::string& item : split_list(value)) {
        // A GS1 identifier is looked up in its canonical form, which every event's
        // identifiers are indexed under too.
        if (gs1) item = trace::gs1_canonical_uri(item);
        into.push_back(vocabulary.empty() ? std::move(item)
                                          : trace::cbv_short_name(item, vocabulary));
      }
    };
    auto time = [&](std::optional<TimeMs>& into) -> Result<void> {
      LC_TRY(ms, trace::parse_epcis_time_ms(value, name));
      into = ms;
      return {};
    };
    if (name == "eventType") {
      list(q.event_types);
    } else if (name == "GE_eventTime") {
      LC_CHECK(time(q.event_time_ge_ms));
    } else if (name == "LT_eventTime") {
      LC_CHECK(time(q.event_time_lt_ms));
    } else if (name == "GE_recordTime") {
      LC_CHECK(time(q.record_time_ge_ms));
    } else if (name == "LT_recordTime") {
      LC_CHECK(time(q.record_time_lt_ms));
    } else if (name == "EQ_action") {
      list(q.actions);
    } else if (name == "EQ_bizStep") {
      list(q.biz_steps, "BizStep");
    } else if (name == "EQ_disposition") {
      list(q.dispositions, "Disp");
    } else if (name == "EQ_readPoint") {
      list(q.read_points);
    } else if (name == "EQ_bizLocation") {
      list(q.biz_locations);
    } else if (name == "MATCH_epc" || name == "MATCH_anyEPC") {
      list(q.epcs, {}, true);
    } else if (name == "MATCH_epcClass" || name == "MATCH_anyEPCClass") {
      list(q.epc_classes, {}, true);
    } else if (name == "EQ_eventID") {
      list(q.event_ids);
    } else if (name == "perPage") {
      size_t parsed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (ec != std::errc() || end != value.data() + value.size() || parsed == 0 ||
          parsed > kPerPageMax) {
        return bad(name, fmt::format("must be 1 … {}", kPerPageMax));
      }
      per_page = parsed;
    } else if (name == "nextPageToken") {
      uint64_t parsed = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return bad(name, "is not a token this server issued");
      }
      q.after_seq = parsed;
      q.from_start = false;
    } else {
      return bad(name, "is not a query parameter this server supports (docs/trace.md § 3)");
    }
  }
  q.limit = per_page + 1;  // one more: is there a next page?
  return q;
}

}  // namespace

void Api::epcis(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  EpcisService* service = deps_.epcis;
  if (service == nullptr) {
    return respond(epcis_problem(503, "ImplementationException", "no EPCIS store", ""));
  }
  const Clock* clock = deps_.clock;
  if (route == RouteId::epcis_capture) {
    if (request.body.size() > trace::kEpcisDocumentBytesMax) {
      return respond(epcis_problem(413, "CaptureLimitExceededException",
                                   fmt::format("the document is {} bytes; at most {}",
                                               request.body.size(), trace::kEpcisDocumentBytesMax),
                                   "body"));
    }
    auto body = std::make_shared<std::string>(std::move(request.body));
    return deps_.run_blocking([service, body, respond] {
      auto job = service->capture(*body);
      if (!job) return respond(epcis_problem_from_error(job.error()));
      std::string location = "/epcis/v2/capture/" + job->capture_id;
      respond(ApiResponse{202,
                          "application/json",
                          json::serialize(job_json(*job)),
                          {{"Location", location}, {"GS1-EPCIS-Version", "2.0.0"}}});
    });
  }
  if (route == RouteId::epcis_capture_job) {
    std::string id = params.at(0);
    return deps_.run_blocking([service, id, respond] {
      auto job = service->job(id);
      if (!job) return respond(epcis_problem_from_error(job.error()));
      if (!*job) {
        return respond(
            epcis_problem(404, "ResourceNotFoundException", "no capture job '" + id + "'", "id"));
      }
      respond(ApiResponse{200,
                          "application/json",
                          json::serialize(job_json(**job)),
                          {{"GS1-EPCIS-Version", "2.0.0"}}});
    });
  }
  if (route == RouteId::epcis_event) {
    std::string id = params.at(0);
    return deps_.run_blocking([service, id, clock, respond] {
      auto row = service->event(id);
      if (!row) return respond(epcis_problem_from_error(row.error()));
      if (!*row) {
        return respond(epcis_problem(404, "ResourceNotFoundException",
                                     "no event with eventID '" + id + "'", "id"));
      }
      std::string proof = fmt::format(
          "</v1/ledger/proof/inclusion?seq={}>; rel=\"https://livechain.dev/rel/inclusion-proof\"",
          (*row)->seq);
      respond(ApiResponse{200,
                          "application/ld+json",
                          query_document({**row}, clock->now_ms()),
                          {{"GS1-EPCIS-Version", "2.0.0"},
                           {"Link", proof},
                           {"Livechain-Journal-Seq", std::to_string((*row)->seq)}}});
    });
  }
  size_t per_page = 0;
  auto query = parse_query(request, per_page);
  if (!query) {
    return respond(
        epcis_problem(400, "QueryParameterException", query.error().detail, query.error().field));
  }
  std::string next_base = "/epcis/v2/events?";
  for (const auto& [name, value] : request.query) {
    if (name == "nextPageToken") continue;
    next_base += percent_encode_segment(name) + "=" + percent_encode_segment(value) + "&";
  }
  deps_.run_blocking([service, query = *query, per_page, next_base, clock, respond] {
    auto rows = service->query(query);
    if (!rows) return respond(epcis_problem_from_error(rows.error()));
    ApiResponse response{200, "application/ld+json", "", {{"GS1-EPCIS-Version", "2.0.0"}}};
    if (rows->size() > per_page) {
      rows->resize(per_page);
      response.headers.push_back(
          {"Link", fmt::format("<{}nextPageToken={}>; rel=\"next\"", next_base, rows->back().seq)});
    }
    response.body = query_document(*rows, clock->now_ms());
    respond(std::move(response));
  });
}

}  // namespace livechain::server
