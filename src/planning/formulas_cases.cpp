// src/planning/formulas_cases.cpp — the cases file of `livechain plan formulas`: one
// model per case, inputs validated and named, per-case errors beside the answers.
// Single-stage models here; the network models are in formulas_cases_network.cpp.
#include <cmath>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "planning/formulas.hpp"
#include "planning/formulas_cases_internal.hpp"
#include "planning/formulas_inputs.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

Result<void> formula_check_poisson_mean(const FormulaInputs& in, double mean) {
  if (mean > kPoissonMeanMax) {
    return fail(ErrorCode::limit_exceeded, in.field("demand_mean"),
                "the Poisson mean over the protection interval must be <= 1000");
  }
  return {};
}

Result<json::object> case_newsvendor_normal(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  LC_TRY(S_eval, in.number("S_eval"));
  NewsvendorNormal nv = newsvendor_normal(h, p, mean, sd);
  return json::object{{"S_star", nv.S_star},
                      {"cost_star", nv.cost_star},
                      {"critical_ratio", nv.critical_ratio},
                      {"cost_at_S_eval", newsvendor_normal_cost(S_eval, h, p, mean, sd)}};
}

Result<json::object> case_newsvendor_poisson(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(S_eval, in.integer("S_eval", -1'000'000'000));
  LC_CHECK(formula_check_poisson_mean(in, mean));
  NewsvendorPoisson nv = newsvendor_poisson(h, p, mean);
  return json::object{{"S_star", nv.S_star},
                      {"cost_star", nv.cost_star},
                      {"cost_at_S_eval", newsvendor_poisson_cost(S_eval, h, p, mean)}};
}

Result<json::object> case_base_stock_normal_cost(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  LC_TRY(L, in.nonnegative("lead_time"));
  NewsvendorNormal nv = newsvendor_normal(h, p, mean, sd, L);
  return json::object{{"S_star", nv.S_star},
                      {"cost_star", nv.cost_star},
                      {"safety_stock", nv.S_star - mean * (L + 1.0)}};
}

Result<json::object> case_base_stock_poisson_cost(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(L, in.nonnegative("lead_time"));
  LC_CHECK(formula_check_poisson_mean(in, mean * (L + 1.0)));
  NewsvendorPoisson nv = newsvendor_poisson(h, p, mean, L);
  return json::object{{"S_star", nv.S_star}, {"cost_star", nv.cost_star}};
}

Result<json::object> case_base_stock_normal_type1(const FormulaInputs& in) {
  LC_TRY(alpha, in.probability("alpha"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  LC_TRY(L, in.nonnegative("lead_time"));
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  BaseStockType1 bs = base_stock_normal_type1(alpha, mean, sd, L, h, p);
  return json::object{{"S", bs.S},
                      {"safety_factor_z", bs.safety_factor_z},
                      {"implied_fill_rate_approx", bs.implied_fill_rate_approx},
                      {"cost_per_day", bs.cost_per_day}};
}

Result<json::object> case_base_stock_normal_type2(const FormulaInputs& in) {
  LC_TRY(beta, in.probability("beta"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  LC_TRY(L, in.nonnegative("lead_time"));
  BaseStockType2 bs = base_stock_normal_type2(beta, mean, sd, L);
  return json::object{{"S_approx", bs.S_approx},
                      {"cycle_service_level_at_S_approx", bs.cycle_service_level_at_S_approx},
                      {"S_exact", bs.S_exact}};
}

Result<RqParams> rq_case_params(const FormulaInputs& in) {
  RqParams params{};
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(K, in.positive("fixed_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(sd, in.positive("demand_sd"));
  LC_TRY(L, in.positive("lead_time"));
  params = RqParams{h, p, K, mean, sd, L};
  return params;
}

json::object rq_case_json(const RqPolicy& policy) {
  return json::object{{"r", policy.r}, {"Q", policy.Q}, {"exact_cost_of_policy", policy.cost}};
}

Result<json::object> case_rq_eoq_plus_ss(const FormulaInputs& in) {
  LC_TRY(params, rq_case_params(in));
  return rq_case_json(rq_eoq_plus_ss(params));
}

Result<json::object> case_rq_eoqb_approx(const FormulaInputs& in) {
  LC_TRY(params, rq_case_params(in));
  return rq_case_json(rq_eoqb_approx(params));
}

Result<json::object> case_rq_eil_approx(const FormulaInputs& in) {
  LC_TRY(params, rq_case_params(in));
  LC_TRY(policy, rq_eil_approx(params));
  json::object out = rq_case_json(policy);
  out["approx_cost"] = policy.approx_cost;
  return out;
}

Result<json::object> case_rq_loss_function_approx(const FormulaInputs& in) {
  LC_TRY(params, rq_case_params(in));
  LC_TRY(policy, rq_loss_function_approx(params));
  return rq_case_json(policy);
}

Result<json::object> case_rq_normal_exact(const FormulaInputs& in) {
  LC_TRY(params, rq_case_params(in));
  RqPolicy policy = rq_normal_exact(params);
  return json::object{{"r", policy.r}, {"Q", policy.Q}, {"cost", policy.cost}};
}

Result<json::object> case_rq_poisson_exact(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(K, in.positive("fixed_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(L, in.positive("lead_time"));
  LC_CHECK(formula_check_poisson_mean(in, mean * L));
  if (K * mean > 1e9 * h) {  // Q grows like sqrt(2Kλ/h): keep the Q loop bounded
    return fail(ErrorCode::limit_exceeded, in.field("fixed_cost"),
                "fixed_cost * demand_mean / holding_cost must be <= 1e9");
  }
  RqPoisson policy = rq_poisson_exact(h, p, K, mean, L);
  return json::object{{"r", policy.r}, {"Q", policy.Q}, {"cost", policy.cost}};
}

Result<json::object> case_ss_poisson_exact(const FormulaInputs& in) {
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(K, in.positive("fixed_cost"));
  LC_TRY(mean, in.positive("demand_mean"));
  LC_TRY(L, in.integer("lead_time", 0));
  LC_CHECK(formula_check_poisson_mean(in, mean * static_cast<double>(L + 1)));
  if (2.0 * K * mean > 1e7 * h) {  // S − s grows like sqrt(2Kμ/h): keep the search bounded
    return fail(ErrorCode::limit_exceeded, in.field("fixed_cost"),
                "2 * fixed_cost * demand_mean / holding_cost must be <= 1e7");
  }
  SsPolicy policy = ss_poisson_exact(h, p, K, mean, L);
  return json::object{{"s", policy.s}, {"S", policy.S}, {"cost", policy.cost}};
}

Result<json::object> case_eoq(const FormulaInputs& in) {
  LC_TRY(K, in.positive("fixed_cost"));
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(rate, in.positive("demand_rate"));
  LC_TRY(Q_eval, in.positive("Q_eval"));
  Eoq result = eoq(K, h, rate);
  return json::object{{"Q_star", result.Q_star},
                      {"cost_star", result.cost_star},
                      {"cycle_time_days", result.cycle_time_days},
                      {"cost_at_Q_eval", eoq_cost(Q_eval, K, h, rate)}};
}

Result<json::object> case_eoq_backorders(const FormulaInputs& in) {
  LC_TRY(K, in.positive("fixed_cost"));
  LC_TRY(h, in.positive("holding_cost"));
  LC_TRY(p, in.positive("stockout_cost"));
  LC_TRY(rate, in.positive("demand_rate"));
  EoqBackorders result = eoq_backorders(K, h, p, rate);
  return json::object{{"Q_star", result.Q_star},
                      {"stockout_fraction", result.stockout_fraction},
                      {"cost_star", result.cost_star},
                      {"max_backorder", result.max_backorder}};
}

using FormulaCaseSolver = std::function<Result<json::object>(const FormulaInputs&)>;

const std::vector<std::pair<std::string, FormulaCaseSolver>>& formula_case_solvers() {
  static const std::vector<std::pair<std::string, FormulaCaseSolver>> solvers = {
      {"newsvendor_normal", case_newsvendor_normal},
      {"newsvendor_poisson", case_newsvendor_poisson},
      {"base_stock_normal_cost", case_base_stock_normal_cost},
      {"base_stock_poisson_cost", case_base_stock_poisson_cost},
      {"base_stock_normal_type1", case_base_stock_normal_type1},
      {"base_stock_normal_type2", case_base_stock_normal_type2},
      {"rq_eoq_plus_ss", case_rq_eoq_plus_ss},
      {"rq_eoqb_approx", case_rq_eoqb_approx},
      {"rq_eil_approx", case_rq_eil_approx},
      {"rq_loss_function_approx", case_rq_loss_function_approx},
      {"rq_normal_exact", case_rq_normal_exact},
      {"rq_poisson_exact", case_rq_poisson_exact},
      {"ss_poisson_exact", case_ss_poisson_exact},
      {"eoq", case_eoq},
      {"eoq_backorders", case_eoq_backorders},
      {"serial_ssm_clark_scarf", case_serial_ssm_clark_scarf},
      {"gsm_tree", case_gsm_tree},
      {"gsm_serial", case_gsm_serial},
  };
  return solvers;
}

}  // namespace

const std::vector<std::string>& formula_model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, solver] : formula_case_solvers()) out.push_back(name);
    return out;
  }();
  return names;
}

Result<json::object> solve_formula_case(std::string_view model, const json::object& inputs) {
  for (const auto& [name, solver] : formula_case_solvers()) {
    if (name != model) continue;
    // Boost.Math reports domain and overflow errors (e.g. a quantile of 1 when h ≪ p) and
    // failed brackets as exceptions; they stop here as a per-case error.
    try {
      return solver(FormulaInputs(inputs, "inputs"));
    } catch (const std::exception& error) {
      return fail(ErrorCode::invalid_argument, "inputs",
                  std::string("no numerical solution for these inputs (") + error.what() + ")");
    }
  }
  return fail(ErrorCode::invalid_argument, "model", "unknown model '" + std::string(model) + "'");
}

namespace {

json::object formula_answer_one_case(const json::value& item) {
  json::object answer;
  if (!item.is_object()) {
    answer["id"] = nullptr;
    answer["error"] = "case: must be an object";
    return answer;
  }
  const json::object& entry = item.get_object();
  const json::value* id = entry.if_contains("id");
  answer["id"] = id != nullptr ? *id : json::value(nullptr);
  auto error_text = [](const Error& error) { return error.field + ": " + error.detail; };
  const json::value* model = entry.if_contains("model");
  if (model == nullptr || !model->is_string()) {
    answer["error"] = "model: must be a string naming a model";
    return answer;
  }
  const json::value* inputs = entry.if_contains("inputs");
  if (inputs == nullptr || !inputs->is_object()) {
    answer["error"] = "inputs: must be an object";
    return answer;
  }
  Result<json::object> outputs = solve_formula_case(model->get_string(), inputs->get_object());
  if (!outputs) {
    answer["error"] = error_text(outputs.error());
    return answer;
  }
  answer["model"] = *model;
  answer["outputs"] = std::move(*outputs);
  return answer;
}

}  // namespace

Result<json::object> answer_formula_cases(std::string_view text) {
  if (text.size() > kFormulaFileBytesMax) {
    return fail(ErrorCode::limit_exceeded, "file", "the cases file must be at most 16 MiB");
  }
  boost::system::error_code parse_error;
  json::value document = json::parse(text, parse_error);
  if (parse_error) {
    return fail(ErrorCode::invalid_argument, "file", "not JSON: " + parse_error.message());
  }
  if (!document.is_object()) {
    return fail(ErrorCode::invalid_argument, "file", "must be a JSON object with \"cases\"");
  }
  const json::value* cases = document.get_object().if_contains("cases");
  if (cases == nullptr || !cases->is_array()) {
    return fail(ErrorCode::invalid_argument, "cases", "must be an array of cases");
  }
  if (cases->get_array().size() > kFormulaCasesMax) {
    return fail(ErrorCode::limit_exceeded, "cases", "at most 10000 cases per file");
  }
  json::array results;
  for (const json::value& item : cases->get_array())
    results.push_back(formula_answer_one_case(item));
  return json::object{{"results", std::move(results)}};
}

}  // namespace livechain::planning
