// Carrier failover (spec §3; docs/alerts.md "Carrier failover"): the delay rate of a
// lane's active carrier over a sliding window of delivery scans; above the threshold
// the lane moves to its next ranked carrier and an alert says so.
#include <fmt/format.h>

#include <algorithm>

#include "alerts/rules.hpp"
#include "core/assert.hpp"

namespace livechain::alerts {

namespace json = boost::json;

void LaneMonitor::prune(Lane& lane, TimeMs now_ms) const {
  while (!lane.scans.empty() && (lane.scans.front().first <= now_ms - options_.lane_window_ms ||
                                 lane.scans.size() > options_.lane_window_scans_max)) {
    lane.delayed -= lane.scans.front().second ? 1 : 0;
    lane.scans.pop_front();
  }
  LC_ASSERT(lane.delayed >= 0 && lane.delayed <= static_cast<int64_t>(lane.scans.size()));
}

json::object LaneMonitor::view(const std::string& lane_id, const Lane& lane) const {
  json::array carriers;
  for (const auto& c : lane.carriers) carriers.emplace_back(json::string(c));
  size_t scans = lane.scans.size();
  double rate = scans > 0 ? static_cast<double>(lane.delayed) / static_cast<double>(scans) : 0.0;
  return json::object{{"lane", lane_id},
                      {"carriers", std::move(carriers)},
                      {"active_carrier", lane.carriers[lane.active]},
                      {"delay_rate", rate},
                      {"scans_in_window", scans},
                      {"delayed_in_window", lane.delayed},
                      {"window_ms", options_.lane_window_ms},
                      {"delay_rate_max", options_.lane_delay_rate_max}};
}

engine::PutRuleState LaneMonitor::lane_record(const std::string& lane_id, const Lane& lane) const {
  json::array carriers;
  for (const auto& c : lane.carriers) carriers.emplace_back(json::string(c));
  json::array scans;
  for (const auto& [at, delayed] : lane.scans) scans.emplace_back(json::array{at, delayed ? 1 : 0});
  json::object body{{"carriers", std::move(carriers)},
                    {"active", lane.active},
                    {"exhausted", lane.exhausted},
                    {"scans", std::move(scans)}};
  return engine::PutRuleState{engine::RuleStateKind::lane, lane_id, json::serialize(body)};
}

json::object LaneMonitor::shipment_json(const std::string& shipment_id, const Shipment& s) {
  json::object out{{"id", shipment_id},
                   {"lane", s.lane_id},
                   {"carrier", s.carrier},
                   {"status", s.status},
                   {"created_at_ms", s.created_at_ms},
                   {"scans", s.scans},
                   {"delayed_scans", s.delayed_scans}};
  if (s.promised_at_ms) out["promised_at_ms"] = *s.promised_at_ms;
  return out;
}

engine::PutRuleState LaneMonitor::shipment_record(const std::string& shipment_id,
                                                  const Shipment& s) const {
  // A delivered shipment leaves the state (the journal keeps its history).
  std::string body = s.status == "delivered" ? "" : json::serialize(shipment_json(shipment_id, s));
  return engine::PutRuleState{engine::RuleStateKind::shipment, shipment_id, std::move(body)};
}

Result<RuleChange> LaneMonitor::set_carriers(const std::string& lane_id,
                                             const std::vector<std::string>& carriers,
                                             TimeMs now_ms) {
  if (carriers.empty()) {
    return fail(ErrorCode::invalid_argument, "carriers", "must name at least one carrier");
  }
  if (carriers.size() > options_.lane_carriers_max) {
    return fail(ErrorCode::invalid_argument, "carriers",
                fmt::format("at most {} carriers", options_.lane_carriers_max));
  }
  for (size_t i = 0; i < carriers.size(); ++i) {
    if (std::find(carriers.begin(), carriers.begin() + static_cast<std::ptrdiff_t>(i),
                  carriers[i]) != carriers.begin() + static_cast<std::ptrdiff_t>(i)) {
      return fail(ErrorCode::invalid_argument, fmt::format("carriers[{}]", i), "is ranked twice");
    }
  }
  RuleChange change;
  auto found = lanes_.find(lane_id);
  if (found != lanes_.end() && found->second.carriers == carriers) {
    prune(found->second, now_ms);
    change.view = view(lane_id, found->second);
    return change;
  }
  Lane& lane = lanes_[lane_id];
  lane = Lane{};
  lane.carriers = carriers;
  change.view = view(lane_id, lane);
  change.commands.emplace_back(lane_record(lane_id, lane));
  return change;
}

Result<json::object> LaneMonitor::lane_view(const std::string& lane_id, TimeMs now_ms) const {
  auto found = lanes_.find(lane_id);
  if (found == lanes_.end()) {
    return fail(ErrorCode::not_found, "lane", "no lane '" + lane_id + "'");
  }
  Lane copy = found->second;
  prune(copy, now_ms);
  return view(lane_id, copy);
}

Result<RuleChange> LaneMonitor::create_shipment(const std::string& shipment_id,
                                                const std::string& lane_id,
                                                std::optional<TimeMs> promised_at_ms,
                                                TimeMs now_ms) {
  auto lane = lanes_.find(lane_id);
  if (lane == lanes_.end()) {
    return fail(ErrorCode::not_found, "lane",
                "no lane '" + lane_id + "': rank its carriers first (PUT /v1/lanes/{id})");
  }
  RuleChange change;
  if (auto found = shipments_.find(shipment_id); found != shipments_.end()) {
    if (found->second.lane_id != lane_id) {
      return fail(ErrorCode::invalid_state, "id",
                  "shipment '" + shipment_id + "' exists on lane '" + found->second.lane_id + "'");
    }
    change.view = shipment_json(shipment_id, found->second);
    return change;
  }
  if (shipments_.size() >= options_.shipments_in_flight_max) {
    return fail(ErrorCode::limit_exceeded, "shipments",
                fmt::format("{} shipments in flight: the limit", options_.shipments_in_flight_max));
  }
  Shipment s;
  s.lane_id = lane_id;
  s.carrier = lane->second.carriers[lane->second.active];
  s.promised_at_ms = promised_at_ms;
  s.created_at_ms = now_ms;
  change.view = shipment_json(shipment_id, s);
  change.commands.emplace_back(shipment_record(shipment_id, s));
  shipments_.emplace(shipment_id, std::move(s));
  return change;
}

Result<json::object> LaneMonitor::shipment_view(const std::string& shipment_id) const {
  auto found = shipments_.find(shipment_id);
  if (found == shipments_.end()) {
    return fail(ErrorCode::not_found, "id", "no shipment '" + shipment_id + "' in flight");
  }
  return shipment_json(shipment_id, found->second);
}

Result<RuleChange> LaneMonitor::scan(const std::string& shipment_id, const std::string& status,
                                     TimeMs at_ms) {
  auto found = shipments_.find(shipment_id);
  if (found == shipments_.end()) {
    return fail(ErrorCode::not_found, "id",
                "no shipment '" + shipment_id + "' in flight (unknown or delivered)");
  }
  Shipment& s = found->second;
  auto lane_it = lanes_.find(s.lane_id);
  LC_ASSERT(lane_it != lanes_.end());
  Lane& lane = lane_it->second;
  bool delayed = status == "exception" || (s.promised_at_ms && at_ms > *s.promised_at_ms);
  s.status = status;
  s.scans += 1;
  s.delayed_scans += delayed ? 1 : 0;
  RuleChange change;
  json::object scan_json{{"status", status}, {"at_ms", at_ms}, {"delayed", delayed}};
  change.commands.emplace_back(shipment_record(shipment_id, s));
  // Only scans of the carrier now active on the lane judge that carrier.
  bool counts = s.carrier == lane.carriers[lane.active];
  if (counts) {
    lane.scans.emplace_back(at_ms, delayed);
    lane.delayed += delayed ? 1 : 0;
    prune(lane, at_ms);
    size_t n = lane.scans.size();
    double rate = static_cast<double>(lane.delayed) / static_cast<double>(n);
    bool over =
        static_cast<int64_t>(n) >= options_.lane_scans_min && rate > options_.lane_delay_rate_max;
    json::object evidence{{"delay_rate", rate},
                          {"delayed", lane.delayed},
                          {"scans", n},
                          {"window_ms", options_.lane_window_ms},
                          {"threshold", options_.lane_delay_rate_max},
                          {"carrier", lane.carriers[lane.active]},
                          {"at_ms", at_ms}};
    engine::AlertSubject subject{{"lane", s.lane_id}};
    if (over && lane.active + 1 < lane.carriers.size()) {
      std::string from = lane.carriers[lane.active];
      lane.active += 1;
      lane.scans.clear();
      lane.delayed = 0;
      std::string to = lane.carriers[lane.active];
      json::object action{
          {"type", "carrier_switch"}, {"lane", s.lane_id}, {"from", from}, {"to", to}};
      change.commands.emplace_back(
          engine::RaiseAlert{"carrier_failover", engine::AlertSeverity::orange, subject,
                             json::serialize(evidence), json::serialize(action)});
      scan_json["switched_to"] = to;
    } else if (over && !lane.exhausted) {
      lane.exhausted = true;
      json::object action{{"type", "no_carrier_left"},
                          {"lane", s.lane_id},
                          {"carrier", lane.carriers[lane.active]}};
      change.commands.emplace_back(
          engine::RaiseAlert{"carrier_failover", engine::AlertSeverity::red, subject,
                             json::serialize(evidence), json::serialize(action)});
    } else if (!over) {
      lane.exhausted = false;
    }
    // The lane record goes before the alert: a restart then never sees the alert
    // without the switch.
    change.commands.insert(change.commands.begin() + 1, lane_record(s.lane_id, lane));
  }
  json::object lane_json = view(s.lane_id, lane);
  change.view = json::object{{"shipment", shipment_json(shipment_id, s)},
                             {"scan", std::move(scan_json)},
                             {"lane", std::move(lane_json)}};
  if (s.status == "delivered") shipments_.erase(found);
  return change;
}

Result<void> LaneMonitor::restore_lane(const std::string& lane_id, const std::string& body_json) {
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return std::unexpected(bad_state("lane " + lane_id));
  const json::object& o = v.get_object();
  Lane lane;
  try {
    for (const auto& c : o.at("carriers").as_array()) {
      lane.carriers.emplace_back(c.as_string());
    }
    lane.active = static_cast<size_t>(o.at("active").to_number<int64_t>());
    lane.exhausted = o.at("exhausted").as_bool();
    for (const auto& scan : o.at("scans").as_array()) {
      const json::array& pair = scan.as_array();
      bool delayed = pair.at(1).to_number<int64_t>() != 0;
      lane.scans.emplace_back(pair.at(0).to_number<int64_t>(), delayed);
      lane.delayed += delayed ? 1 : 0;
    }
  } catch (const std::exception&) {
    return std::unexpected(bad_state("lane " + lane_id));
  }
  if (lane.carriers.empty() || lane.active >= lane.carriers.size()) {
    return std::unexpected(bad_state("lane " + lane_id));
  }
  lanes_[lane_id] = std::move(lane);
  return {};
}

Result<void> LaneMonitor::restore_shipment(const std::string& shipment_id,
                                           const std::string& body_json) {
  boost::system::error_code ec;
  json::value v = json::parse(body_json, ec);
  if (ec || !v.is_object()) return std::unexpected(bad_state("shipment " + shipment_id));
  const json::object& o = v.get_object();
  Shipment s;
  try {
    s.lane_id = o.at("lane").as_string();
    s.carrier = o.at("carrier").as_string();
    s.status = o.at("status").as_string();
    s.created_at_ms = o.at("created_at_ms").to_number<int64_t>();
    s.scans = o.at("scans").to_number<int64_t>();
    s.delayed_scans = o.at("delayed_scans").to_number<int64_t>();
    if (const json::value* promised = o.if_contains("promised_at_ms")) {
      s.promised_at_ms = promised->to_number<int64_t>();
    }
  } catch (const std::exception&) {
    return std::unexpected(bad_state("shipment " + shipment_id));
  }
  if (!lanes_.contains(s.lane_id)) return std::unexpected(bad_state("shipment " + shipment_id));
  shipments_[shipment_id] = std::move(s);
  return {};
}

}  // namespace livechain::alerts
