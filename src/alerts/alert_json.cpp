// The JSON shape of an alert record: the API's and the webhook payload's "data".
#include <fmt/format.h>

#include <ctime>

#include "alerts/alerts.hpp"

namespace livechain::alerts {

namespace json = boost::json;

std::string rfc3339_ms(TimeMs time_ms) {
  return format_rfc3339_ms(time_ms);
}

namespace {
// Evidence and action are JSON object text checked by the API before they were
// journaled; anything else (an older writer) is carried as a string, never dropped.
json::value embedded(const std::string& text) {
  if (text.empty()) return nullptr;
  std::error_code error;
  json::value value = json::parse(text, error);
  if (error) return json::value(text);
  return value;
}
}  // namespace

json::object alert_json(const engine::AlertRecord& r) {
  json::object subject;
  for (const auto& [name, value] : r.subject) subject[name] = value;
  json::object out{{"id", r.alert_id},
                   {"kind", r.kind},
                   {"severity", std::string(engine::alert_severity_name(r.severity))},
                   {"state", std::string(engine::alert_state_name(r.state))},
                   {"subject", std::move(subject)},
                   {"evidence", embedded(r.evidence_json)},
                   {"action", embedded(r.action_json)},
                   {"raised_at", rfc3339_ms(r.raised_at_ms)},
                   {"updated_at", rfc3339_ms(r.updated_at_ms)},
                   {"updates", r.updates}};
  if (r.acknowledged_at_ms != 0) out["acknowledged_at"] = rfc3339_ms(r.acknowledged_at_ms);
  if (r.resolved_at_ms != 0) out["resolved_at"] = rfc3339_ms(r.resolved_at_ms);
  if (!r.note.empty()) out["note"] = r.note;
  return out;
}

}  // namespace livechain::alerts
