// src/planning/formulas.hpp — inventory-policy formulas (issue 18 §1).
//
// The 18 textbook models of Snyder & Shen, *Fundamentals of Supply Chain Theory* (2nd
// ed., "FoSCT"), with the conventions of stockpyl (Snyder's reference implementation):
// newsvendor, base-stock, EOQ, (r,Q), (s,S), Clark–Scarf serial stochastic-service and
// guaranteed-service (serial and tree) models. The model names, inputs and outputs are
// those of /work/shared/spec/planning-formulas.md (docs/planning.md restates them).
//
// Conventions for every function below:
//  - solve_formula_case / answer_formula_cases validate their inputs: bad input is an Error
//    value naming the field as "inputs.<name>" (invalid_argument, or limit_exceeded for a
//    documented limit). The typed model functions REQUIRE inputs that pass those checks
//    (costs, means and sds > 0, probabilities in (0, 1), lead times ≥ 0 — > 0 for (r,Q) —
//    and the limits) and do not re-check them;
//  - costs are expected long-run cost per time unit (per day);
//  - no function throws, keeps global state or uses randomness: all are deterministic
//    and safe to call concurrently.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace livechain::planning {

// ---- limits (docs/limits.md, "## Planning") ----------------------------------------------
inline constexpr std::size_t kFormulaFileBytesMax = 16u << 20;  // cases file
inline constexpr std::size_t kFormulaCasesMax = 10'000;         // cases per file
inline constexpr int kSerialStagesMax = 10;                     // serial_ssm / gsm_serial
inline constexpr int kGsmTreeNodesMax = 50;                     // gsm_tree nodes
inline constexpr std::int64_t kGsmTimeMax = 1'000;              // days: processing + external CSTs
// Mean of every Poisson distribution a model uses (over its protection interval).
inline constexpr double kPoissonMeanMax = 1'000.0;

// ---- single-stage models --------------------------------------------------------------

// FoSCT ch. 4: D ~ N(mean, sd²) untruncated, lead time L → protection interval L+1.
struct NewsvendorNormal {
  double S_star;
  double cost_star;
  double critical_ratio;  // p / (p + h)
};
NewsvendorNormal newsvendor_normal(double holding_cost, double stockout_cost, double demand_mean,
                                   double demand_sd, double lead_time = 0);
// h E[(S-D)+] + p E[(D-S)+] for D ~ N((L+1)mean, (L+1)sd²).
double newsvendor_normal_cost(double S, double holding_cost, double stockout_cost,
                              double demand_mean, double demand_sd, double lead_time = 0);

// FoSCT ch. 4: D ~ Poisson((L+1) mean); S* = min{S : F(S) ≥ p/(p+h)}.
struct NewsvendorPoisson {
  std::int64_t S_star;
  double cost_star;
};
NewsvendorPoisson newsvendor_poisson(double holding_cost, double stockout_cost, double demand_mean,
                                     double lead_time = 0);
double newsvendor_poisson_cost(std::int64_t S, double holding_cost, double stockout_cost,
                               double demand_mean, double lead_time = 0);

// Base-stock with a cycle-service-level (type-1) target alpha.
struct BaseStockType1 {
  double S;
  double safety_factor_z;
  double implied_fill_rate_approx;  // 1 − n_{L+1}(S)/mean
  double cost_per_day;
};
BaseStockType1 base_stock_normal_type1(double alpha, double demand_mean, double demand_sd,
                                       double lead_time, double holding_cost, double stockout_cost);

// Base-stock with a fill-rate (type-2) target beta.
struct BaseStockType2 {
  double S_approx;
  double cycle_service_level_at_S_approx;
  // Solves n_{L+1}(S) − n_L(S) = (1 − β)μ: the exact fill rate when demand is nonnegative,
  // i.e. when P(D < 0) is negligible (FoSCT); computed for any input.
  double S_exact;
};
BaseStockType2 base_stock_normal_type2(double beta, double demand_mean, double demand_sd,
                                       double lead_time);

// ---- EOQ (FoSCT ch. 3) ----------------------------------------------------------------
struct Eoq {
  double Q_star;
  double cost_star;
  double cycle_time_days;
};
Eoq eoq(double fixed_cost, double holding_cost, double demand_rate);
double eoq_cost(double Q, double fixed_cost, double holding_cost, double demand_rate);

struct EoqBackorders {
  double Q_star;
  double stockout_fraction;
  double cost_star;
  double max_backorder;
};
EoqBackorders eoq_backorders(double fixed_cost, double holding_cost, double stockout_cost,
                             double demand_rate);

// ---- (r,Q) (FoSCT ch. 5) ---------------------------------------------------------------
// Continuous review, lead-time demand N(λL, τ²L) untruncated (L > 0).
struct RqParams {
  double holding_cost;
  double stockout_cost;
  double fixed_cost;
  double demand_mean;  // λ, units per day
  double demand_sd;    // τ, units per sqrt(day)
  double lead_time;    // L, days
};
struct RqPolicy {
  double r;
  double Q;
  double cost;         // exact g(r,Q) (FoSCT eq. 5.7)
  double approx_cost;  // EIL approximation only (otherwise equals cost)
};
// g(r,Q) = (Kλ + ∫_r^{r+Q} G(y) dy)/Q, integral in closed form via n⁽²⁾.
double rq_cost(double r, double Q, const RqParams& params);
// r(Q): the r with G(r) = G(r+Q).
double rq_optimal_r_for_q(double Q, const RqParams& params);
RqPolicy rq_eoq_plus_ss(const RqParams& params);
RqPolicy rq_eoqb_approx(const RqParams& params);
// Errors: invalid_argument when 1 − Qh/(pλ) ≤ 0 during the iteration, or when it does
// not converge in kRqIterationsMax steps.
inline constexpr int kRqIterationsMax = 10'000;
Result<RqPolicy> rq_eil_approx(const RqParams& params);
Result<RqPolicy> rq_loss_function_approx(const RqParams& params);
RqPolicy rq_normal_exact(const RqParams& params);

// Poisson (r,Q), FoSCT eq. 5.48 and Federgruen–Zheng (1992).
struct RqPoisson {
  std::int64_t r;
  std::int64_t Q;
  double cost;
};
double rq_poisson_cost(std::int64_t r, std::int64_t Q, double holding_cost, double stockout_cost,
                       double fixed_cost, double demand_mean, double lead_time);
RqPoisson rq_poisson_exact(double holding_cost, double stockout_cost, double fixed_cost,
                           double demand_mean, double lead_time);

// ---- (s,S), Zheng–Federgruen (1991) -----------------------------------------------------
struct SsPolicy {
  std::int64_t s;
  std::int64_t S;
  double cost;
};
double ss_poisson_cost(std::int64_t s, std::int64_t S, double holding_cost, double stockout_cost,
                       double fixed_cost, double demand_mean, std::int64_t lead_time);
SsPolicy ss_poisson_exact(double holding_cost, double stockout_cost, double fixed_cost,
                          double demand_mean, std::int64_t lead_time);

// ---- serial stochastic-service model (Clark–Scarf / Chen–Zheng) -------------------------
struct SerialStage {
  double echelon_holding_cost;
  double lead_time;  // days, into the stage
};
// Truncation and discretisation of stockpyl's optimize_base_stock_levels (defaults are its
// defaults; the FoSCT tests in stockpyl use x_num 100, d_num 10, upper sum tail z 8).
struct SsmGrid {
  int x_num = 1000;
  int d_num = 100;
  double ltd_lower_z = 4, ltd_upper_z = 4, sum_lower_z = 4, sum_upper_z = 4;
};
struct SerialSsm {
  std::vector<double> S_echelon;  // [0] unused; [j] = stage j (1 = downstream)
  double cost;
};
// stages[0] is stage 1 (downstream). REQUIRES: validated inputs (the cases parser checks).
SerialSsm serial_ssm(const std::vector<SerialStage>& stages, double stockout_cost,
                     double demand_mean, double demand_sd, const SsmGrid& grid = {});

// ---- guaranteed-service models ------------------------------------------------------------
struct GsmSerialStage {
  std::int64_t processing_time;
  double local_holding_cost;
};
struct GsmSerial {
  std::vector<std::int64_t> cst;  // [0] unused; [j] = stage j (1 = downstream)
  double cost;
};
// stages[0] is stage 1 (downstream), Inderfurth (1991) / FoSCT ch. 6.
GsmSerial gsm_serial(const std::vector<GsmSerialStage>& stages, double demand_bound_constant,
                     std::int64_t external_inbound_cst, std::int64_t external_outbound_cst,
                     double demand_sd);

struct GsmTreeNode {
  std::int64_t id;
  std::int64_t processing_time;
  double local_holding_cost;
  double demand_bound_constant;
  std::optional<std::int64_t> external_inbound_cst;
  std::optional<std::int64_t> external_outbound_cst;
  std::optional<double> demand_mean;
  std::optional<double> demand_sd;
};
struct GsmTree {
  std::map<std::int64_t, std::int64_t> cst;  // node id → outbound CST
  double cost;
};
// Graves–Willems (2000) DP on a tree, node order as given (the labelling of stockpyl).
// Errors: invalid_argument "inputs.edges" when the graph is not a tree over the nodes.
Result<GsmTree> gsm_tree(const std::vector<GsmTreeNode>& nodes,
                         const std::vector<std::pair<std::int64_t, std::int64_t>>& edges);

// ---- the batch file ---------------------------------------------------------------------

// Answers one case: the outputs object of `model` for `inputs`. Errors name the field
// ("model", "inputs.<name>") and the reason.
Result<boost::json::object> solve_formula_case(std::string_view model,
                                               const boost::json::object& inputs);

// Answers a cases file (`{"cases": [{"id","model","inputs"}]}`) with
// `{"results": [{"id","model","outputs"} | {"id","error"}]}`. Errors (whole file):
// invalid_argument naming the field when the text is not JSON or not that shape;
// limit_exceeded "cases" above kFormulaCasesMax.
Result<boost::json::object> answer_formula_cases(std::string_view text);

// The model names, in spec order.
const std::vector<std::string>& formula_model_names();

}  // namespace livechain::planning
