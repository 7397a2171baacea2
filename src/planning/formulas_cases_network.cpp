// src/planning/formulas_cases_network.cpp — case readers of the network models:
// serial_ssm_clark_scarf, gsm_serial, gsm_tree (stages keyed "1" … "N", 1 = downstream).
#include <charconv>
#include <string>
#include <vector>

#include "planning/formulas.hpp"
#include "planning/formulas_cases_internal.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

Result<std::int64_t> serial_stage_count(const FormulaInputs& in) {
  LC_TRY(N, in.integer("num_stages", 1));
  if (N > kSerialStagesMax) {
    return fail(ErrorCode::limit_exceeded, in.field("num_stages"), "must be <= 10");
  }
  return N;
}

// inputs.stages.<j> for j = 1 … N.
Result<std::vector<FormulaInputs>> serial_stage_inputs(const FormulaInputs& in, std::int64_t N) {
  LC_TRY(stages, in.object("stages"));
  if (static_cast<std::int64_t>(stages->size()) != N) {
    return fail(ErrorCode::invalid_argument, in.field("stages"),
                "must have num_stages entries keyed \"1\" … \"" + std::to_string(N) + "\"");
  }
  std::vector<FormulaInputs> out;
  FormulaInputs stages_in(*stages, in.field("stages"));
  for (std::int64_t j = 1; j <= N; ++j) {
    std::string key = std::to_string(j);
    LC_TRY(stage, stages_in.object(key.c_str()));
    out.emplace_back(*stage, stages_in.field(key));
  }
  return out;
}

}  // namespace

Result<json::object> case_serial_ssm_clark_scarf(const FormulaInputs& in) {
  LC_TRY(N, serial_stage_count(in));
  LC_TRY(stages_in, serial_stage_inputs(in, N));
  std::vector<SerialStage> stages;
  double sum_L = 0.0;
  for (const FormulaInputs& stage : stages_in) {
    LC_TRY(h, stage.nonnegative("echelon_holding_cost"));
    LC_TRY(L, stage.nonnegative("lead_time"));
    stages.push_back(SerialStage{h, L});
    sum_L += L;
  }
  if (!(sum_L > 0)) {
    return fail(ErrorCode::invalid_argument, in.field("stages"),
                "the lead times must not all be 0");
  }
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  SerialSsm result = serial_ssm(stages, p, mean, sd);
  json::object out;
  for (std::int64_t j = N; j >= 1; --j) {
    out["S_echelon_" + std::to_string(j)] = result.S_echelon[j];
  }
  out["cost"] = result.cost;
  return out;
}

Result<json::object> case_gsm_serial(const FormulaInputs& in) {
  LC_TRY(N, serial_stage_count(in));
  LC_TRY(stages_in, serial_stage_inputs(in, N));
  std::vector<GsmSerialStage> stages;
  std::int64_t total_time = 0;
  for (const FormulaInputs& stage : stages_in) {
    LC_TRY(T, stage.integer("processing_time", 0));
    LC_TRY(h, stage.positive("local_holding_cost"));
    if (T > kGsmTimeMax) {
      return fail(ErrorCode::limit_exceeded, stage.field("processing_time"), "must be <= 1000");
    }
    stages.push_back(GsmSerialStage{T, h});
    total_time += T;
  }
  LC_TRY(z, in.positive("demand_bound_constant"));
  LC_TRY(si, in.integer("external_inbound_cst", 0));
  LC_TRY(so, in.integer("external_outbound_cst", 0));
  LC_TRY(mean, in.nonnegative("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  (void)mean;  // the GSM cost uses the demand bound zσ only
  if (si > kGsmTimeMax || so > kGsmTimeMax || total_time + si > kGsmTimeMax) {
    return fail(ErrorCode::limit_exceeded, in.field("external_inbound_cst"),
                "external inbound CST plus all processing times must be <= 1000 days");
  }
  GsmSerial result = gsm_serial(stages, z, si, so, sd);
  json::object out{{"cost", result.cost}};
  for (std::int64_t j = N; j >= 1; --j) out["cst_" + std::to_string(j)] = result.cst[j];
  return out;
}

namespace {

Result<std::int64_t> gsm_node_id(const std::string& key, const std::string& field) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
  if (ec != std::errc() || end != key.data() + key.size()) {
    return fail(ErrorCode::invalid_argument, field, "node keys must be integers");
  }
  return id;
}

Result<GsmTreeNode> gsm_tree_node_input(const FormulaInputs& node, std::int64_t id) {
  GsmTreeNode out{};
  out.id = id;
  LC_TRY(T, node.integer("processing_time", 0));
  if (T > kGsmTimeMax) {
    return fail(ErrorCode::limit_exceeded, node.field("processing_time"), "must be <= 1000");
  }
  out.processing_time = T;
  LC_TRY(h, node.positive("local_holding_cost"));
  out.local_holding_cost = h;
  LC_TRY(z, node.positive("demand_bound_constant"));
  out.demand_bound_constant = z;
  LC_TRY(si, node.nullable_integer("external_inbound_cst", 0));
  LC_TRY(so, node.nullable_integer("external_outbound_cst", 0));
  LC_TRY(mean, node.nullable_nonnegative("demand_mean"));
  LC_TRY(sd, node.nullable_nonnegative("demand_sd"));
  if ((si && *si > kGsmTimeMax) || (so && *so > kGsmTimeMax)) {
    return fail(ErrorCode::limit_exceeded, node.field("external_inbound_cst"),
                "external CSTs must be <= 1000");
  }
  out.external_inbound_cst = si;
  out.external_outbound_cst = so;
  out.demand_mean = mean;
  out.demand_sd = sd;
  return out;
}

}  // namespace

Result<json::object> case_gsm_tree(const FormulaInputs& in) {
  LC_TRY(nodes_object, in.object("nodes"));
  if (nodes_object->empty()) {
    return fail(ErrorCode::invalid_argument, in.field("nodes"), "must not be empty");
  }
  if (nodes_object->size() > static_cast<std::size_t>(kGsmTreeNodesMax)) {
    return fail(ErrorCode::limit_exceeded, in.field("nodes"), "at most 50 nodes");
  }
  FormulaInputs nodes_in(*nodes_object, in.field("nodes"));
  std::vector<GsmTreeNode> nodes;
  std::int64_t total_time = 0;
  for (const auto& [key, value] : *nodes_object) {
    std::string name(key);
    LC_TRY(id, gsm_node_id(name, nodes_in.field(name)));
    LC_TRY(node_object, nodes_in.object(name.c_str()));
    LC_TRY(node, gsm_tree_node_input(FormulaInputs(*node_object, nodes_in.field(name)), id));
    total_time += node.processing_time + node.external_inbound_cst.value_or(0);
    nodes.push_back(node);
  }
  if (total_time > kGsmTimeMax) {
    return fail(ErrorCode::limit_exceeded, in.field("nodes"),
                "processing times plus external inbound CSTs must total <= 1000 days");
  }
  LC_TRY(edges_array, in.array("edges"));
  std::vector<std::pair<std::int64_t, std::int64_t>> edges;
  for (std::size_t i = 0; i < edges_array->size(); ++i) {
    const json::value& edge = (*edges_array)[i];
    std::string field = in.field("edges") + "[" + std::to_string(i) + "]";
    if (!edge.is_array() || edge.get_array().size() != 2 || !edge.get_array()[0].is_int64() ||
        !edge.get_array()[1].is_int64()) {
      return fail(ErrorCode::invalid_argument, field, "must be [from, to] node ids");
    }
    edges.emplace_back(edge.get_array()[0].get_int64(), edge.get_array()[1].get_int64());
  }
  // Sinks face external demand: they need its mean and sd.
  for (const GsmTreeNode& node : nodes) {
    bool sink = true;
    for (auto [from, to] : edges) sink = sink && from != node.id;
    if (sink && (!node.demand_sd || !node.demand_mean)) {
      return fail(ErrorCode::invalid_argument, in.field("nodes." + std::to_string(node.id)),
                  "a sink node needs demand_mean and demand_sd");
    }
  }
  LC_TRY(tree, gsm_tree(nodes, edges));
  json::object out{{"cost", tree.cost}};
  for (const GsmTreeNode& node : nodes) out["cst_" + std::to_string(node.id)] = tree.cst[node.id];
  return out;
}

}  // namespace livechain::planning
