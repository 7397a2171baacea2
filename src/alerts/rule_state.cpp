// Durable rule state (docs/alerts.md "Durable rule state"): session plans and warehouse
// windows as PutRuleState records the engine journals and snapshots, and back at start.
#include <boost/json.hpp>

#include "alerts/rules.hpp"

namespace livechain::alerts {

namespace json = boost::json;

Error bad_state(const std::string& what) {
  return Error{ErrorCode::corruption, "state", "rule state record: " + what};
}

engine::PutRuleState SignalRules::plan_record(const std::string& session_id,
                                              const std::string& gtin) const {
  auto found = tracks_.find({session_id, gtin});
  double forecast = found == tracks_.end() ? 0.0 : found->second.forecast_units;
  double peak = found == tracks_.end() ? 0.0 : found->second.add_to_cart_peak;
  json::object body{{"session", session_id},
                    {"sku", gtin},
                    {"forecast_units", forecast},
                    {"add_to_cart_peak", peak}};
  // The session's timing travels with each of its plans (no record kind of its own).
  if (auto session = sessions_.find(session_id); session != sessions_.end()) {
    body["starts_at_ms"] = session->second.starts_at_ms;
    body["duration_min"] = session->second.duration_min;
  }
  return engine::PutRuleState{engine::RuleStateKind::session_plan, session_id + "/" + gtin,
                              json::serialize(body)};
}

Result<void> SignalRules::restore_plan(const std::string& body_json) {
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return std::unexpected(bad_state("session plan"));
  const json::object& o = v.get_object();
  const json::value* session = o.if_contains("session");
  const json::value* sku = o.if_contains("sku");
  const json::value* forecast = o.if_contains("forecast_units");
  const json::value* peak = o.if_contains("add_to_cart_peak");
  if (!session || !session->is_string() || !sku || !sku->is_string() || !forecast ||
      !forecast->is_number() || !peak || !peak->is_number()) {
    return std::unexpected(bad_state("session plan"));
  }
  const json::value* starts_at = o.if_contains("starts_at_ms");
  const json::value* duration = o.if_contains("duration_min");
  if ((starts_at == nullptr) != (duration == nullptr) ||
      (starts_at && (!starts_at->is_int64() || !duration->is_int64() || duration->get_int64() < 1 ||
                     duration->get_int64() > forecast::kSessionMinutesMax))) {
    return std::unexpected(bad_state("session plan"));
  }
  std::string session_id(session->get_string());
  set_plan(session_id, std::string(sku->get_string()), forecast->to_number<double>(),
           peak->to_number<double>());
  // Plans journaled before session timing existed restore without it (plan_uplift).
  if (starts_at) {
    set_session(session_id, starts_at->get_int64(), static_cast<int>(duration->get_int64()),
                starts_at->get_int64());
  }
  return {};
}

engine::PutRuleState WarehouseLevels::record(const std::string& warehouse_id) const {
  json::array reports;
  int level = 1;
  if (auto found = tracks_.find(warehouse_id); found != tracks_.end()) {
    level = found->second.level;
    for (const WarehouseReport& r : found->second.reports) {
      reports.emplace_back(json::array{r.at_ms, r.operations, r.errors});
    }
  }
  json::object body{{"level", level}, {"reports", std::move(reports)}};
  return engine::PutRuleState{engine::RuleStateKind::warehouse, warehouse_id,
                              json::serialize(body)};
}

Result<void> WarehouseLevels::restore(const std::string& warehouse_id,
                                      const std::string& body_json) {
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return std::unexpected(bad_state("warehouse " + warehouse_id));
  const json::object& o = v.get_object();
  const json::value* level = o.if_contains("level");
  const json::value* reports = o.if_contains("reports");
  if (!level || !level->is_int64() || level->as_int64() < 1 || level->as_int64() > 5 || !reports ||
      !reports->is_array()) {
    return std::unexpected(bad_state("warehouse " + warehouse_id));
  }
  Track t;
  t.level = static_cast<int>(level->as_int64());
  for (const json::value& entry : reports->get_array()) {
    if (!entry.is_array() || entry.get_array().size() != 3) {
      return std::unexpected(bad_state("warehouse " + warehouse_id));
    }
    const json::array& a = entry.get_array();
    for (const json::value& number : a) {
      if (!number.is_int64() || number.as_int64() < 0) {
        return std::unexpected(bad_state("warehouse " + warehouse_id));
      }
    }
    WarehouseReport r{warehouse_id, a[0].as_int64(), a[1].as_int64(), a[2].as_int64()};
    t.operations += r.operations;
    t.errors += r.errors;
    t.reports.push_back(std::move(r));
  }
  tracks_[warehouse_id] = std::move(t);
  return {};
}

}  // namespace livechain::alerts
