// API v1: the twelve KPIs (issue 19 §1, docs/kpi.md).
//   GET /v1/kpis?period=day|week|month&from=YYYY-MM-DD&to=YYYY-MM-DD
//       → {"period", "rows": [{"start", "kpis": {name: number | null, …}}]}
//   GET /v1/kpis/definitions → {"kpis": [{"name", "group", "unit", "formula", "target"}]}
// The kpi module owns the definitions, the calendar, the limits and the model; this
// file reads the query, runs the model on the worker and renders.
#include <fmt/format.h>

#include "kpi/kpi.hpp"
#include "server/api.hpp"
#include "server/kpi_feed.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
struct KpiRequest {
  kpi::Period period = kpi::Period::day;
  std::optional<std::string> from;
  std::optional<std::string> to;
};

// period, from, to: each at most once; any other parameter is refused by name.
Result<KpiRequest> parse_kpi_request(const ApiRequest& request) {
  KpiRequest out;
  bool seen_period = false;
  for (const auto& [name, value] : request.query) {
    bool repeated = (name == "period" && seen_period) || (name == "from" && out.from) ||
                    (name == "to" && out.to);
    if (repeated) return fail(ErrorCode::invalid_argument, name, "is given more than once");
    if (name == "period") {
      LC_TRY(period, kpi::parse_period("period", value));
      out.period = period;
      seen_period = true;
    } else if (name == "from") {
      out.from = value;
    } else if (name == "to") {
      out.to = value;
    } else {
      return fail(ErrorCode::invalid_argument, name, "unknown query parameter (period, from, to)");
    }
  }
  return out;
}

json::value target_json(const kpi::Target& target) {
  if (const double* number = std::get_if<double>(&target)) return *number;
  if (const std::string_view* text = std::get_if<std::string_view>(&target)) {
    return json::string(*text);
  }
  return nullptr;
}
}  // namespace

json::object kpi_rows_json(kpi::Period period, const std::vector<kpi::Row>& rows) {
  const auto definitions = kpi::definitions();
  json::array out;
  out.reserve(rows.size());
  for (const kpi::Row& row : rows) {
    json::object values;
    for (size_t i = 0; i < definitions.size(); ++i) {
      values[definitions[i].name] =
          row.values[i] ? json::value(*row.values[i]) : json::value(nullptr);
    }
    out.push_back(
        json::object{{"start", kpi::format_date(row.start_day)}, {"kpis", std::move(values)}});
  }
  return json::object{{"period", kpi::period_name(period)}, {"rows", std::move(out)}};
}

json::object kpi_definitions_json() {
  json::array out;
  for (const kpi::Definition& definition : kpi::definitions()) {
    out.push_back(json::object{{"name", definition.name},
                               {"group", kpi::group_name(definition.group)},
                               {"unit", definition.unit},
                               {"formula", definition.formula},
                               {"target", target_json(definition.target)}});
  }
  return json::object{{"kpis", std::move(out)}};
}

void Api::kpis_get(const ApiRequest& request, Respond respond) {
  auto parsed = parse_kpi_request(request);
  if (!parsed) return respond(problem_from_api_error(parsed.error()));
  kpi::DayNumber today = kpi::day_of(deps_.clock->now_ms());
  auto query = kpi::make_query(parsed->period, parsed->from, parsed->to, today);
  if (!query) return respond(problem_from_api_error(query.error()));
  KpiFeed* feed = deps_.kpis;
  if (feed == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "the KPI model is not running"));
  }
  feed->answer(*query, today, [period = query->period, respond](auto&& rows) {
    if (!rows) return respond(problem_from_api_error(rows.error()));
    respond(json_response(200, kpi_rows_json(period, *rows)));
  });
}

void Api::kpi_definitions(Respond respond) {
  respond(json_response(200, kpi_definitions_json()));
}

}  // namespace livechain::server
