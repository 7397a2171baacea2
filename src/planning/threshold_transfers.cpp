// Dynamic safety thresholds from planned sessions and the transfer problems they trigger
// (docs/planning.md "Triggered by the ledger").
#include "planning/threshold_transfers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/assert.hpp"
#include "planning/session_record_format.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

constexpr std::string_view kTransferModeNames[] = {"off", "propose", "ship"};
constexpr size_t kAlertListedMax = 20;  // locations and moves an alert names

struct LaneMember {
  std::string_view name;
  double LaneCostModel::*field;
};
constexpr LaneMember kLaneMembers[] = {
    {"cost_per_unit_base", &LaneCostModel::cost_per_unit_base},
    {"cost_per_unit_per_km", &LaneCostModel::cost_per_unit_per_km},
    {"lead_time_h_base", &LaneCostModel::lead_time_h_base},
    {"speed_kmh", &LaneCostModel::speed_kmh},
    {"co2_kg_per_unit_km", &LaneCostModel::co2_kg_per_unit_km},
    {"same_region_km", &LaneCostModel::same_region_km},
};

Result<double> number_member(const json::value& v, const std::string& field) {
  if (!v.is_number() || !std::isfinite(v.to_number<double>())) {
    return fail(ErrorCode::invalid_argument, field, "must be a number");
  }
  return v.to_number<double>();
}

// Road distance between two locations' regions; nullopt when the catalog has none.
std::optional<double> km_between(const engine::LedgerState& state, const LaneCostModel& lanes,
                                 const engine::LocationRecord& a, const engine::LocationRecord& b) {
  if (a.region == b.region) return lanes.same_region_km;
  auto km = state.distance_km(a.region, b.region);
  if (!km) return std::nullopt;
  return static_cast<double>(*km);
}

double lead_time_h(const LaneCostModel& lanes, double km) {
  return lanes.lead_time_h_base + km / lanes.speed_kmh;
}

// The plan's target per location of one SKU's last decision in `session_id`.
std::map<std::string, int64_t> planned_targets(const engine::LedgerState& state,
                                               const std::string& session_id,
                                               const std::string& gtin) {
  std::map<std::string, int64_t> out;
  auto found = state.rule_states().find(
      {engine::RuleStateKind::plan_decision, fmt::format("{}/{}", session_id, gtin)});
  if (found == state.rule_states().end()) return out;
  std::error_code error;
  json::value body = json::parse(found->second, error);
  if (error || !body.is_object()) return out;
  const json::value* result = body.get_object().if_contains("result");
  if (result == nullptr || !result->is_object()) return out;
  const json::value* locations = result->get_object().if_contains("locations");
  if (locations == nullptr || !locations->is_array()) return out;
  for (const json::value& entry : locations->get_array()) {
    if (!entry.is_object()) continue;
    const json::value* id = entry.get_object().if_contains("location");
    const json::value* target = entry.get_object().if_contains("target_units");
    if (id && id->is_string() && target && target->is_int64()) {
      out[std::string(id->get_string())] = target->get_int64();
    }
  }
  return out;
}

// Lead time to `to` from the nearest other selling location holding a row of `sku`.
double replenishment_lead_time_h(const engine::LedgerState& state, const LaneCostModel& lanes,
                                 engine::SkuIndex sku, engine::LocationIndex to) {
  std::optional<double> nearest_km;
  for (const engine::SkuBalanceRef& ref : state.balance_refs_of_sku(sku)) {
    if (ref.location == to) continue;
    const engine::LocationRecord& from = state.locations()[ref.location];
    if (!engine::sells_to_buyers(from.kind)) continue;
    auto km = km_between(state, lanes, from, state.locations()[to]);
    if (km && (!nearest_km || *km < *nearest_km)) nearest_km = km;
  }
  return lead_time_h(lanes, nearest_km.value_or(0.0));
}

}  // namespace

std::string_view transfer_mode_name(TransferMode mode) {
  return kTransferModeNames[static_cast<size_t>(mode)];
}

Result<void> validate_threshold_config(const ThresholdTransferConfig& c) {
  for (auto [name, value] : {std::pair<std::string_view, double>{"cost", c.weights.cost},
                             {"lead_time_h", c.weights.lead_time_h},
                             {"co2_kg", c.weights.co2_kg}}) {
    if (!(value >= 0.0 && value <= kTransferCostMax)) {
      return fail(ErrorCode::invalid_argument, fmt::format("transfers.weights.{}", name),
                  fmt::format("must be in [0, {:g}]", kTransferCostMax));
    }
  }
  if (!(c.unmet_penalty > 0.0 && c.unmet_penalty <= kTransferCostMax)) {
    return fail(ErrorCode::invalid_argument, "transfers.unmet_penalty",
                fmt::format("must be in (0, {:g}]", kTransferCostMax));
  }
  for (const LaneMember& m : kLaneMembers) {
    double value = c.lanes.*(m.field);
    bool positive = m.field == &LaneCostModel::speed_kmh;
    if (!(positive ? value > 0.0 : value >= 0.0) || value > 100'000.0) {
      return fail(ErrorCode::invalid_argument, fmt::format("transfers.lanes.{}", m.name),
                  positive ? "must be in (0, 100000]" : "must be in [0, 100000]");
    }
  }
  if (c.cooldown_ms < 0 || c.cooldown_ms > 86'400'000) {
    return fail(ErrorCode::invalid_argument, "transfers.cooldown_ms", "must be in [0, 86400000]");
  }
  if (c.lookahead_ms < 0 || c.lookahead_ms > 30LL * 86'400'000) {
    return fail(ErrorCode::invalid_argument, "transfers.lookahead_h", "must be in [0, 720]");
  }
  return {};
}

Result<ThresholdTransferConfig> threshold_config_from_json(
    const json::value& value, const ThresholdTransferConfig& defaults) {
  if (!value.is_object())
    return fail(ErrorCode::invalid_argument, "transfers", "must be an object");
  ThresholdTransferConfig config = defaults;
  for (const auto& [key, v] : value.get_object()) {
    std::string name(key);
    std::string field = "transfers." + name;
    if (name == "mode") {
      if (!v.is_string())
        return fail(ErrorCode::invalid_argument, field, "must be off|propose|ship");
      auto found = std::find(std::begin(kTransferModeNames), std::end(kTransferModeNames),
                             std::string_view(v.get_string()));
      if (found == std::end(kTransferModeNames)) {
        return fail(ErrorCode::invalid_argument, field, "must be off, propose or ship");
      }
      config.mode = static_cast<TransferMode>(found - std::begin(kTransferModeNames));
    } else if (name == "unmet_penalty") {
      LC_TRY(penalty, number_member(v, field));
      config.unmet_penalty = penalty;
    } else if (name == "cooldown_ms" || name == "lookahead_h") {
      LC_TRY(number, number_member(v, field));
      if (name == "cooldown_ms") config.cooldown_ms = static_cast<TimeMs>(number);
      if (name == "lookahead_h") config.lookahead_ms = static_cast<TimeMs>(number * 3'600'000.0);
    } else if (name == "weights") {
      if (!v.is_object()) return fail(ErrorCode::invalid_argument, field, "must be an object");
      for (const auto& [weight, w] : v.get_object()) {
        std::string weight_field = field + "." + std::string(weight);
        LC_TRY(number, number_member(w, weight_field));
        if (weight == "cost") {
          config.weights.cost = number;
        } else if (weight == "lead_time_h") {
          config.weights.lead_time_h = number;
        } else if (weight == "co2_kg") {
          config.weights.co2_kg = number;
        } else {
          return fail(ErrorCode::invalid_argument, weight_field, "unknown weight");
        }
      }
    } else if (name == "lanes") {
      if (!v.is_object()) return fail(ErrorCode::invalid_argument, field, "must be an object");
      for (const auto& [member, m] : v.get_object()) {
        std::string member_field = field + "." + std::string(member);
        auto found = std::find_if(std::begin(kLaneMembers), std::end(kLaneMembers),
                                  [&](const LaneMember& l) { return l.name == member; });
        if (found == std::end(kLaneMembers)) {
          return fail(ErrorCode::invalid_argument, member_field, "unknown lane figure");
        }
        LC_TRY(number, number_member(m, member_field));
        config.lanes.*(found->field) = number;
      }
    } else {
      return fail(ErrorCode::invalid_argument, field, "unknown transfers setting");
    }
  }
  LC_CHECK(validate_threshold_config(config));
  return config;
}

std::vector<LocationThreshold> session_thresholds(const engine::LedgerState& state,
                                                  const ThresholdTransferConfig& config,
                                                  TimeMs now_ms) {
  std::map<std::pair<std::string, std::string>, LocationThreshold> by_key;
  std::map<std::pair<std::string, std::string>, double> units_by_key;
  const auto& records = state.rule_states();
  auto first = records.lower_bound({engine::RuleStateKind::live_session, std::string()});
  for (auto it = first;
       it != records.end() && it->first.first == engine::RuleStateKind::live_session; ++it) {
    auto stored = session_from_record(it->second);
    if (!stored) continue;
    const SessionSpec& spec = stored->spec;
    TimeMs ends_ms = spec.starts_at_ms + static_cast<TimeMs>(spec.duration_min) * 60'000;
    if (now_ms < spec.starts_at_ms - config.lookahead_ms || now_ms > ends_ms) continue;
    double hours = static_cast<double>(spec.duration_min) / 60.0;
    for (const SessionSku& sku : spec.skus) {
      auto sku_index = state.find_sku(sku.gtin);
      if (!sku_index) continue;
      std::map<std::string, int64_t> targets = planned_targets(state, spec.id, sku.gtin);
      int64_t total = 0;
      for (const auto& [location, target] : targets) total += target;
      if (total <= 0) continue;
      for (const auto& [location, target] : targets) {
        auto location_index = state.find_location(location);
        if (!location_index || target <= 0) continue;
        LocationThreshold& t = by_key[{sku.gtin, location}];
        t.gtin = sku.gtin;
        t.location_id = location;
        double rate =
            sku.p90_units * static_cast<double>(target) / static_cast<double>(total) / hours;
        t.rate_units_per_h += rate;
        t.lead_time_h = replenishment_lead_time_h(state, config.lanes, *sku_index, *location_index);
        // Never more than this session plans to sell there.
        units_by_key[{sku.gtin, location}] +=
            std::min(static_cast<double>(target), rate * t.lead_time_h);
      }
    }
  }
  std::vector<LocationThreshold> out;
  for (auto& [key, t] : by_key) {
    t.threshold_units = static_cast<int64_t>(std::ceil(units_by_key[key] - 1e-9));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<TransferTrigger> find_transfer_triggers(
    const engine::LedgerState& state, const std::vector<LocationThreshold>& thresholds,
    const ThresholdTransferConfig& config, const std::function<bool(const std::string&)>& skip) {
  std::vector<TransferTrigger> out;
  for (size_t begin = 0; begin < thresholds.size();) {
    size_t end = begin;
    while (end < thresholds.size() && thresholds[end].gtin == thresholds[begin].gtin) ++end;
    const std::string& gtin = thresholds[begin].gtin;
    auto sku = state.find_sku(gtin);
    std::map<std::string, int64_t> threshold_of;
    for (size_t i = begin; i < end; ++i) {
      threshold_of[thresholds[i].location_id] = thresholds[i].threshold_units;
    }
    begin = end;
    if (!sku || skip(gtin)) continue;

    TransferTrigger trigger;
    trigger.gtin = gtin;
    std::vector<engine::LocationIndex> site_locations;
    auto add_site = [&](engine::LocationIndex location) {
      if (std::find(site_locations.begin(), site_locations.end(), location) !=
          site_locations.end()) {
        return;
      }
      const engine::LocationRecord& record = state.locations()[location];
      if (!engine::sells_to_buyers(record.kind)) return;
      engine::Balance balance = state.balance_or_zero(*sku, location);
      int64_t stock = std::max<int64_t>(0, balance.available_units() + balance.in_transit_units);
      TransferSite site{record.location_id, std::string(engine::location_kind_name(record.kind)),
                        stock, stock};
      if (auto t = threshold_of.find(record.location_id); t != threshold_of.end()) {
        site.target_units = t->second;
        if (stock < t->second) trigger.below.push_back(record.location_id);
      } else if (record.kind == engine::LocationKind::dc) {
        site.target_units = 0;
      }
      site_locations.push_back(location);
      trigger.problem.sites.push_back(std::move(site));
    };
    for (const engine::SkuBalanceRef& ref : state.balance_refs_of_sku(*sku)) add_site(ref.location);
    for (const auto& [location_id, threshold] : threshold_of) {
      if (auto location = state.find_location(location_id)) add_site(*location);
    }
    if (trigger.below.empty()) continue;

    // Re-routable shipments: what they carry beyond their destination's target.
    const size_t location_sites = site_locations.size();  // the pushes below reallocate
    for (uint64_t transfer_id : state.in_transit_transfers(*sku)) {
      if (trigger.problem.sites.size() >= kTransferSitesMax) break;
      const engine::TransferRecord* transfer = state.transfer(transfer_id);
      LC_ASSERT(transfer != nullptr && transfer->received_units < 0);
      auto locations_end = site_locations.begin() + static_cast<ptrdiff_t>(location_sites);
      auto destination = std::find(site_locations.begin(), locations_end, transfer->to);
      if (destination == locations_end) continue;
      TransferSite& receiver = trigger.problem.sites[destination - site_locations.begin()];
      int64_t carried = std::min(transfer->shipped_units, receiver.spare_units());
      std::string id = fmt::format("transfer:{}", transfer_id);
      if (carried <= 0 || state.find_location(id)) continue;
      receiver.stock_units -= carried;
      trigger.transfer_by_site[trigger.problem.sites.size()] = transfer_id;
      trigger.problem.sites.push_back(TransferSite{std::move(id), "in_transit", carried, 0});
      site_locations.push_back(transfer->from);
    }

    std::vector<TransferSite>& sites = trigger.problem.sites;
    for (size_t from = 0; from < sites.size(); ++from) {
      if (sites[from].spare_units() == 0) continue;
      for (size_t to = 0; to < sites.size(); ++to) {
        if (to == from || sites[to].need_units() == 0) continue;
        auto km = km_between(state, config.lanes, state.locations()[site_locations[from]],
                             state.locations()[site_locations[to]]);
        if (!km) continue;
        trigger.problem.lanes.push_back(TransferLane{
            from, to, config.lanes.cost_per_unit_base + config.lanes.cost_per_unit_per_km * *km,
            lead_time_h(config.lanes, *km), config.lanes.co2_kg_per_unit_km * *km, std::nullopt});
      }
    }
    trigger.problem.weights = config.weights;
    trigger.problem.unmet_penalty = config.unmet_penalty;
    out.push_back(std::move(trigger));
  }
  return out;
}

std::vector<engine::Command> threshold_decision_commands(const TransferTrigger& trigger,
                                                         const TransferPlan& plan,
                                                         const TransferPlan& baseline,
                                                         const ThresholdTransferConfig& config,
                                                         TimeMs now_ms, std::string_view actor) {
  const TransferProblem& problem = trigger.problem;
  json::array below;
  for (const std::string& location : trigger.below) below.push_back(json::string(location));
  json::array sites;
  for (const TransferSite& s : problem.sites) {
    sites.push_back(json::object{
        {"id", s.id}, {"kind", s.kind}, {"stock", s.stock_units}, {"target", s.target_units}});
  }
  json::object baseline_json{{"objective", baseline.objective},
                             {"cost", baseline.cost},
                             {"co2_kg", baseline.co2_kg},
                             {"unmet", baseline.unmet_units}};
  json::object record{{"decision", "threshold_transfers"},
                      {"sku", trigger.gtin},
                      {"mode", transfer_mode_name(config.mode)},
                      {"decided_by", actor},
                      {"decided_at", format_rfc3339_ms(now_ms)},
                      {"decided_at_ms", now_ms},
                      {"inputs", json::object{{"below", below},
                                              {"sites", std::move(sites)},
                                              {"lanes", problem.lanes.size()}}},
                      {"result", transfer_plan_json(problem, plan)},
                      {"baseline", baseline_json}};
  std::string body = json::serialize(record);
  if (body.size() > engine::kRuleStateBodyBytesMax) {
    record["inputs"].as_object()["sites"] = problem.sites.size();  // the counts, not the list
    record["result"].as_object()["moves"] = plan.moves.size();
    body = json::serialize(record);
  }
  std::vector<engine::Command> commands;
  std::string key = "transfers/" + trigger.gtin;
  commands.push_back(engine::PutRuleState{engine::RuleStateKind::plan_decision, key, body});

  std::vector<TransferMove> largest = plan.moves;
  std::stable_sort(
      largest.begin(), largest.end(),
      [](const TransferMove& a, const TransferMove& b) { return a.qty_units > b.qty_units; });
  if (config.mode == TransferMode::ship) {
    for (const TransferMove& move : plan.moves) {
      const TransferLane& lane = problem.lanes[move.lane];
      if (auto shipment = trigger.transfer_by_site.find(lane.from);
          shipment != trigger.transfer_by_site.end()) {
        commands.push_back(
            engine::RerouteTransfer{shipment->second, problem.sites[lane.to].id, move.qty_units});
        continue;
      }
      commands.push_back(engine::ShipTransfer{trigger.gtin, problem.sites[lane.from].id,
                                              problem.sites[lane.to].id, move.qty_units});
    }
    return commands;
  }
  if (plan.moves.empty()) return commands;  // nothing to propose: the record says why
  json::array listed_below;
  for (size_t i = 0; i < trigger.below.size() && i < kAlertListedMax; ++i) {
    listed_below.push_back(json::string(trigger.below[i]));
  }
  json::object evidence{{"below", std::move(listed_below)},
                        {"moves", plan.moves.size()},
                        {"units", plan.moved_units},
                        {"unmet", plan.unmet_units},
                        {"cost", plan.cost},
                        {"co2_kg", plan.co2_kg},
                        {"baseline_cost", baseline.cost},
                        {"baseline_co2_kg", baseline.co2_kg},
                        {"decision", key}};
  json::array moves;
  json::object action{{"type", "transfer_plan"}, {"sku", trigger.gtin}, {"decision", key}};
  for (const TransferMove& move : largest) {
    const TransferLane& lane = problem.lanes[move.lane];
    moves.push_back(json::array{json::string(problem.sites[lane.from].id),
                                json::string(problem.sites[lane.to].id), move.qty_units});
    action["moves"] = moves;
    if (json::serialize(action).size() > engine::kAlertActionBytesMax) {
      moves.pop_back();
      action["moves"] = moves;
      action["more_moves"] = plan.moves.size() - moves.size();
      break;
    }
  }
  commands.push_back(engine::RaiseAlert{"transfer_proposed",
                                        engine::AlertSeverity::yellow,
                                        {{"sku", trigger.gtin}},
                                        json::serialize(evidence),
                                        json::serialize(action)});
  return commands;
}

}  // namespace livechain::planning
