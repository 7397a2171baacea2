// The transfer problem and plan as JSON (the `plan transfers` file format,
// docs/planning.md "Threshold-triggered transfers"). Every error names its field.
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <unordered_map>

#include "planning/transfers.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

using SiteIndexById = std::unordered_map<std::string_view, size_t>;

Result<const json::object*> transfer_object(const json::value& value, const std::string& field) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, field, "must be an object");
  return &value.get_object();
}

Result<const json::array*> transfer_array(const json::object& object, const std::string& at,
                                          std::string_view key) {
  std::string field = at.empty() ? std::string(key) : at + "." + std::string(key);
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, field, "is required");
  if (!value->is_array()) return fail(ErrorCode::invalid_argument, field, "must be an array");
  return &value->get_array();
}

// Rejects keys outside `allowed` (a typo such as "capacty" must not be ignored).
Result<void> transfer_known_keys(const json::object& object, const std::string& at,
                                 std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : object) {
    if (std::find(allowed.begin(), allowed.end(), entry.key()) == allowed.end()) {
      std::string field =
          at.empty() ? std::string(entry.key()) : at + "." + std::string(entry.key());
      return fail(ErrorCode::invalid_argument, field, "unknown field");
    }
  }
  return {};
}

const json::value* transfer_required(const json::object& object, std::string_view key) {
  return object.if_contains(key);
}

Result<std::string> transfer_string(const json::object& object, const std::string& at,
                                    std::string_view key) {
  std::string field = at + "." + std::string(key);
  const json::value* value = transfer_required(object, key);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, field, "is required");
  if (!value->is_string()) return fail(ErrorCode::invalid_argument, field, "must be a string");
  return std::string(value->get_string());
}

Result<int64_t> transfer_integer(const json::value& value, const std::string& field) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    return fail(ErrorCode::limit_exceeded, field, fmt::format("at most {}", kTransferQtyMax));
  }
  return fail(ErrorCode::invalid_argument, field, "must be an integer");
}

Result<double> transfer_number(const json::object& object, const std::string& at,
                               std::string_view key) {
  std::string field = at.empty() ? std::string(key) : at + "." + std::string(key);
  const json::value* value = transfer_required(object, key);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, field, "is required");
  if (value->is_int64()) return static_cast<double>(value->get_int64());
  if (value->is_uint64()) return static_cast<double>(value->get_uint64());
  if (value->is_double()) return value->get_double();
  return fail(ErrorCode::invalid_argument, field, "must be a number");
}

Result<TransferSite> parse_transfer_site(const json::value& value, const std::string& at) {
  LC_TRY(object, transfer_object(value, at));
  LC_CHECK(transfer_known_keys(*object, at, {"id", "kind", "stock", "target"}));
  TransferSite site;
  LC_TRY(id, transfer_string(*object, at, "id"));
  LC_TRY(kind, transfer_string(*object, at, "kind"));
  site.id = std::move(id);
  site.kind = std::move(kind);
  for (auto [key, out] : {std::pair{"stock", &site.stock_units}, {"target", &site.target_units}}) {
    const json::value* qty = transfer_required(*object, key);
    std::string field = at + "." + key;
    if (qty == nullptr) return fail(ErrorCode::invalid_argument, field, "is required");
    LC_TRY(units, transfer_integer(*qty, field));
    *out = units;
  }
  return site;
}

Result<size_t> transfer_site_ref(const json::object& object, const std::string& at,
                                 std::string_view key, const SiteIndexById& index) {
  LC_TRY(id, transfer_string(object, at, key));
  auto found = index.find(id);
  if (found == index.end()) {
    return fail(ErrorCode::invalid_argument, at + "." + std::string(key),
                fmt::format("unknown site '{}'", id));
  }
  return found->second;
}

Result<TransferLane> parse_transfer_lane(const json::value& value, const std::string& at,
                                         const SiteIndexById& index) {
  LC_TRY(object, transfer_object(value, at));
  LC_CHECK(transfer_known_keys(
      *object, at, {"from", "to", "cost_per_unit", "lead_time_h", "co2_kg_per_unit", "capacity"}));
  TransferLane lane;
  LC_TRY(from, transfer_site_ref(*object, at, "from", index));
  LC_TRY(to, transfer_site_ref(*object, at, "to", index));
  LC_TRY(cost, transfer_number(*object, at, "cost_per_unit"));
  LC_TRY(lead, transfer_number(*object, at, "lead_time_h"));
  LC_TRY(co2, transfer_number(*object, at, "co2_kg_per_unit"));
  lane.from = from;
  lane.to = to;
  lane.cost_per_unit = cost;
  lane.lead_time_h = lead;
  lane.co2_kg_per_unit = co2;
  if (const json::value* capacity = object->if_contains("capacity")) {
    LC_TRY(units, transfer_integer(*capacity, at + ".capacity"));
    lane.capacity_units = units;
  }
  return lane;
}

Result<TransferWeights> parse_transfer_weights(const json::object& root) {
  const json::value* value = root.if_contains("weights");
  if (value == nullptr) return fail(ErrorCode::invalid_argument, "weights", "is required");
  LC_TRY(object, transfer_object(*value, "weights"));
  LC_CHECK(transfer_known_keys(*object, "weights", {"cost", "lead_time_h", "co2_kg"}));
  TransferWeights weights;
  LC_TRY(cost, transfer_number(*object, "weights", "cost"));
  LC_TRY(lead, transfer_number(*object, "weights", "lead_time_h"));
  LC_TRY(co2, transfer_number(*object, "weights", "co2_kg"));
  weights.cost = cost;
  weights.lead_time_h = lead;
  weights.co2_kg = co2;
  return weights;
}

}  // namespace

Result<std::vector<TransferLane>> parse_transfer_lanes(const json::value& value,
                                                       const std::vector<TransferSite>& sites,
                                                       std::string_view field) {
  if (!value.is_array())
    return fail(ErrorCode::invalid_argument, std::string(field), "must be an array");
  const json::array& array = value.get_array();
  if (array.size() > kTransferLanesMax) {
    return fail(ErrorCode::limit_exceeded, std::string(field),
                fmt::format("{} lanes: at most {}", array.size(), kTransferLanesMax));
  }
  SiteIndexById index;
  index.reserve(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) index.emplace(sites[i].id, i);
  std::vector<TransferLane> lanes;
  lanes.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    LC_TRY(lane, parse_transfer_lane(array[i], fmt::format("{}[{}]", field, i), index));
    lanes.push_back(lane);
  }
  return lanes;
}

Result<TransferProblem> parse_transfer_problem(const json::value& value) {
  LC_TRY(root, transfer_object(value, "problem"));
  LC_CHECK(transfer_known_keys(*root, "", {"sites", "lanes", "weights", "unmet_penalty"}));
  TransferProblem problem;
  LC_TRY(sites, transfer_array(*root, "", "sites"));
  if (sites->size() > kTransferSitesMax) {
    return fail(ErrorCode::limit_exceeded, "sites",
                fmt::format("{} sites: at most {}", sites->size(), kTransferSitesMax));
  }
  problem.sites.reserve(sites->size());
  for (size_t i = 0; i < sites->size(); ++i) {
    LC_TRY(site, parse_transfer_site((*sites)[i], fmt::format("sites[{}]", i)));
    problem.sites.push_back(std::move(site));
  }
  // Ids must be valid and unique before lanes can name them.
  LC_CHECK(validate_transfer_sites(problem.sites));
  const json::value* lanes = root->if_contains("lanes");
  if (lanes == nullptr) return fail(ErrorCode::invalid_argument, "lanes", "is required");
  LC_TRY(parsed_lanes, parse_transfer_lanes(*lanes, problem.sites, "lanes"));
  problem.lanes = std::move(parsed_lanes);
  LC_TRY(weights, parse_transfer_weights(*root));
  problem.weights = weights;
  LC_TRY(penalty, transfer_number(*root, "", "unmet_penalty"));
  problem.unmet_penalty = penalty;
  LC_CHECK(validate_transfer_problem(problem));
  return problem;
}

Result<TransferProblem> parse_transfer_problem_text(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) {
    return fail(ErrorCode::invalid_argument, "problem", "not valid JSON: " + error.message());
  }
  return parse_transfer_problem(value);
}

json::object transfer_plan_json(const TransferProblem& problem, const TransferPlan& plan) {
  json::array moves;
  moves.reserve(plan.moves.size());
  for (const TransferMove& move : plan.moves) {
    const TransferLane& lane = problem.lanes[move.lane];
    moves.push_back(json::object{{"from", problem.sites[lane.from].id},
                                 {"to", problem.sites[lane.to].id},
                                 {"qty", move.qty_units}});
  }
  json::array unmet_by_site;
  for (const TransferUnmet& unmet : plan.unmet_by_site) {
    unmet_by_site.push_back(
        json::object{{"site", problem.sites[unmet.site].id}, {"qty", unmet.qty_units}});
  }
  return json::object{{"moves", std::move(moves)}, {"objective", plan.objective},
                      {"unmet", plan.unmet_units}, {"cost", plan.cost},
                      {"co2_kg", plan.co2_kg},     {"qty_lead_time_h", plan.qty_lead_time_h},
                      {"moved", plan.moved_units}, {"unmet_by_site", std::move(unmet_by_site)}};
}

}  // namespace livechain::planning
