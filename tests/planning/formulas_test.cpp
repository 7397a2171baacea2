// tests/planning/formulas_test.cpp — the inventory-policy formulas against worked examples.
//
// Sources of the expected figures:
//  - Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed. (FoSCT): the examples and
//    problems named in each test; the full-precision figures are those quoted for the same
//    examples in the docstrings and tests/ of stockpyl (Snyder's reference implementation);
//  - Zheng & Federgruen (1991), Table I (the (s,S) instances h=1, p=9, K=64);
//  - closed forms (standard normal loss L(1) = φ(1) − (1 − Φ(1))) where no example exists.
// Then per-case errors, the limits, and the CLI end to end (the built binary on a cases
// file with one bad case among good ones).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"
#include "support/process.hpp"

namespace livechain::planning {
namespace {

namespace json = boost::json;

// |actual − expected| ≤ tol · max(1, |expected|).
void expect_close(double actual, double expected, double tol = 1e-8) {
  EXPECT_LE(std::fabs(actual - expected), tol * std::max(1.0, std::fabs(expected)))
      << "actual " << actual << " expected " << expected;
}

// ---- newsvendor and base-stock ----------------------------------------------------------

TEST(FormulasNewsvendor, NormalExample4_3) {
  // FoSCT Example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8²): S* = 56.60, g* = 2.00.
  NewsvendorNormal nv = newsvendor_normal(0.18, 0.70, 50, 8);
  expect_close(nv.S_star, 56.603955927433887);
  expect_close(nv.cost_star, 1.997605193176645);
  expect_close(nv.critical_ratio, 0.70 / 0.88);
  // The cost of S = 40 (same example, evaluated in stockpyl's tests).
  expect_close(newsvendor_normal_cost(40, 0.18, 0.70, 50, 8), 7.356131552870388);
  // Cost is minimised at S*: the optimal cost equals the cost evaluated there.
  expect_close(newsvendor_normal_cost(nv.S_star, 0.18, 0.70, 50, 8), nv.cost_star, 1e-12);
}

TEST(FormulasNewsvendor, PoissonExample4_7) {
  // FoSCT Example 4.7 without fixed cost: h = 1, p = 4, D ~ Poisson(6): S* = 8.
  NewsvendorPoisson nv = newsvendor_poisson(1, 4, 6);
  EXPECT_EQ(nv.S_star, 8);
  expect_close(nv.cost_star, 3.570106945770946);
  expect_close(newsvendor_poisson_cost(5, 1, 4, 6), 6.590296024616344);
  // FoSCT Problem 4.8(a): h = 200, p = 270, Poisson(18): S* = 19.
  NewsvendorPoisson problem = newsvendor_poisson(200, 270, 18);
  EXPECT_EQ(problem.S_star, 19);
  expect_close(problem.cost_star, 7.860884409351115e+02);
  expect_close(newsvendor_poisson_cost(13, 200, 270, 18), 1.445751062891969e+03);
}

TEST(FormulasBaseStock, NormalCostExample4_4) {
  // FoSCT Example 4.4 (L = 4, R = 1): h = 0.18, p = 0.70, N(50, 8²) per period.
  NewsvendorNormal nv = newsvendor_normal(0.18, 0.70, 50, 8, 4);
  expect_close(nv.S_star, 2.647668943741548e+02);
  expect_close(nv.cost_star, 4.466781004149578);
  expect_close(newsvendor_normal_cost(180, 0.18, 0.70, 50, 8, 4), 49.000164748034095);
  json::object out =
      *solve_formula_case("base_stock_normal_cost", json::object{{"holding_cost", 0.18},
                                                                 {"stockout_cost", 0.70},
                                                                 {"demand_mean", 50},
                                                                 {"demand_sd", 8},
                                                                 {"lead_time", 4}});
  expect_close(out["S_star"].as_double(), 2.647668943741548e+02);
  expect_close(out["safety_stock"].as_double(), 2.647668943741548e+02 - 250);
}

TEST(FormulasBaseStock, PoissonCostIsTheNewsvendorOverLPlusOnePeriods) {
  // Poisson(6) per period with L = 2 is the newsvendor of Poisson(18) (FoSCT ch. 4):
  // Problem 4.8(a)'s h = 200, p = 270, mean 18 → S* = 19.
  json::object out = *solve_formula_case(
      "base_stock_poisson_cost",
      json::object{
          {"holding_cost", 200}, {"stockout_cost", 270}, {"demand_mean", 6}, {"lead_time", 2}});
  EXPECT_EQ(out["S_star"].as_int64(), 19);
  expect_close(out["cost_star"].as_double(), 7.860884409351115e+02);
}

TEST(FormulasBaseStock, Type1ServiceLevel) {
  // α = Φ(1): S = (L+1)μ + 1·σ√(L+1); the fill rate 1 − σ_{L+1} L(1)/μ with
  // L(1) = φ(1) − (1 − Φ(1)) = 0.0833154705876864 (FoSCT eq. C.22).
  double alpha = dist::normal_cdf(1.0);
  BaseStockType1 bs = base_stock_normal_type1(alpha, 100, 50, 3, 1, 9);
  expect_close(bs.S, 500);
  expect_close(bs.safety_factor_z, 1.0);
  expect_close(bs.implied_fill_rate_approx, 1 - 100 * 0.0833154705876864 / 100);
  // cost = h n̄ + p n with n̄ = z σ + n: 1·(100 + 8.33154705876864) + 9·8.33154705876864.
  expect_close(bs.cost_per_day, 100 + 10 * 8.33154705876864);
  // Table value: z_0.95 = 1.6448536269514722.
  expect_close(base_stock_normal_type1(0.95, 50, 8, 0, 1, 1).safety_factor_z, 1.6448536269514722);
}

TEST(FormulasBaseStock, Type2FillRate) {
  // n_4(S) = (1 − β)μ with σ_4 = 100 and (1 − β)μ = 100·L(1): S_approx = 400 + 100,
  // CSL = Φ(1) = 0.8413447460685429.
  double beta = 1 - 0.0833154705876864;
  BaseStockType2 bs = base_stock_normal_type2(beta, 100, 50, 3);
  expect_close(bs.S_approx, 500, 1e-10);
  expect_close(bs.cycle_service_level_at_S_approx, 0.8413447460685429, 1e-10);
  // With P(D<0) negligible, S_exact solves n_{L+1}(S) − n_L(S) = (1 − β)μ and lies below
  // S_approx (the approximation also counts backorders carried over from earlier cycles).
  BaseStockType2 exact = base_stock_normal_type2(0.959, 620.06, 131.15, 6);
  double gap = dist::normal_loss(exact.S_exact, 620.06 * 7, 131.15 * std::sqrt(7.0)).n -
               dist::normal_loss(exact.S_exact, 620.06 * 6, 131.15 * std::sqrt(6.0)).n;
  expect_close(gap, 0.041 * 620.06, 1e-9);
  expect_close(dist::normal_loss(exact.S_approx, 620.06 * 7, 131.15 * std::sqrt(7.0)).n,
               0.041 * 620.06, 1e-9);
  EXPECT_LT(exact.S_exact, exact.S_approx);
  // With L = 0 (and S ≥ 0) n_0(S) = 0: the two coincide.
  BaseStockType2 no_lead = base_stock_normal_type2(0.98, 100, 20, 0);
  expect_close(no_lead.S_exact, no_lead.S_approx, 1e-12);
}

// ---- EOQ -----------------------------------------------------------------------------------

TEST(FormulasEoq, Example3_1) {
  // FoSCT Example 3.1: K = 8, h = 0.225, λ = 1300: Q* = 304.05, g* = 68.41; g(250) = 69.725.
  Eoq result = eoq(8, 0.225, 1300);
  expect_close(result.Q_star, 304.0467800264368);
  expect_close(result.cost_star, 68.410525505948272);
  expect_close(result.cycle_time_days, 304.0467800264368 / 1300);
  expect_close(eoq_cost(250, 8, 0.225, 1300), 69.725);
  expect_close(eoq_cost(result.Q_star, 8, 0.225, 1300), result.cost_star, 1e-12);
}

TEST(FormulasEoq, BackordersExample3_8) {
  // FoSCT Example 3.8: K = 8, h = 0.225, p = 5, λ = 1300: Q* = 310.81, x* = 0.0431.
  EoqBackorders result = eoq_backorders(8, 0.225, 5, 1300);
  expect_close(result.Q_star, 310.8125551589646);
  expect_close(result.stockout_fraction, 0.043062200956938);
  expect_close(result.cost_star, 66.921363550973254);
  expect_close(result.max_backorder, 0.043062200956938 * 310.8125551589646);
}

// ---- (r,Q) -------------------------------------------------------------------------------
// FoSCT Example 5.1: h = 0.225, p = 7.5, K = 8, λ = 1300, τ = 150, L = 1/12 year.
const RqParams kExample5_1{0.225, 7.5, 8, 1300, 150, 1.0 / 12};

TEST(FormulasRq, ExactCostAndROfQExamples5_1And5_2) {
  expect_close(rq_cost(126.8, 328.5, kExample5_1), 78.071162509282942, 1e-9);
  // Example 5.2: r(300) = 129.43.
  expect_close(rq_optimal_r_for_q(300, kExample5_1), 129.4272799263067, 1e-7);
}

TEST(FormulasRq, EilApproximationExample5_2) {
  RqPolicy policy = *rq_eil_approx(kExample5_1);
  expect_close(policy.r, 2.139704421358024e+02, 1e-8);
  expect_close(policy.Q, 3.185901810768729e+02, 1e-8);
  expect_close(policy.approx_cost, 95.451140222851961, 1e-8);
  expect_close(policy.cost, rq_cost(policy.r, policy.Q, kExample5_1), 1e-12);
}

TEST(FormulasRq, EoqbApproximationExample5_4) {
  RqPolicy policy = rq_eoqb_approx(kExample5_1);
  expect_close(policy.r, 1.286378144242710e+02, 1e-7);
  expect_close(policy.Q, 3.085737801203754e+02);
}

TEST(FormulasRq, EoqPlusSafetyStockExample5_5) {
  RqPolicy policy = rq_eoq_plus_ss(kExample5_1);
  expect_close(policy.r, 1.903369965715624e+02);
  expect_close(policy.Q, 3.040467800264368e+02);
}

TEST(FormulasRq, LossFunctionApproximationExample5_6) {
  RqPolicy policy = *rq_loss_function_approx(kExample5_1);
  expect_close(policy.r, 1.268670634479628e+02, 1e-7);
  expect_close(policy.Q, 3.284491421980451e+02, 1e-7);
}

TEST(FormulasRq, NormalExactExample5_1) {
  // FoSCT Example 5.1: the optimal policy is r* = 126.8, Q* = 328.5 with g = 78.07 (figures
  // rounded in the book). At the optimum g(r,Q) = G(r) = G(r+Q) (the optimality conditions of FoSCT
  // ch. 5).
  RqPolicy policy = rq_normal_exact(kExample5_1);
  EXPECT_NEAR(policy.r, 126.8, 0.1);
  EXPECT_NEAR(policy.Q, 328.5, 0.1);
  EXPECT_NEAR(policy.cost, 78.07, 0.01);
  EXPECT_LE(policy.cost, rq_cost(126.8, 328.5, kExample5_1));
  EXPECT_LE(policy.cost, rq_cost(policy.r, policy.Q * 1.001, kExample5_1));
  EXPECT_LE(policy.cost, rq_cost(policy.r - 0.1, policy.Q, kExample5_1));
  // The loss-function iteration (eqs. 5.28–5.29) solves the same optimality conditions.
  RqPolicy loss = *rq_loss_function_approx(kExample5_1);
  expect_close(policy.r, loss.r, 1e-6);
  expect_close(policy.Q, loss.Q, 1e-6);
}

TEST(FormulasRq, PoissonExactExample5_8) {
  // FoSCT Example 5.8: h = 20, p = 150, K = 100, λ = 1.5, L = 2: r* = 3, Q* = 5, g = 107.92.
  RqPoisson policy = rq_poisson_exact(20, 150, 100, 1.5, 2);
  EXPECT_EQ(policy.r, 3);
  EXPECT_EQ(policy.Q, 5);
  expect_close(policy.cost, 107.92358063314975);
  expect_close(rq_poisson_cost(3, 5, 20, 150, 100, 1.5, 2), 107.92358063314975);
}

// ---- (s,S) --------------------------------------------------------------------------------

TEST(FormulasSs, Example4_7) {
  // FoSCT Example 4.7: h = 1, p = 4, K = 5, Poisson(6): (s*, S*) = (4, 10), g = 8.03.
  SsPolicy policy = ss_poisson_exact(1, 4, 5, 6, 0);
  EXPECT_EQ(policy.s, 4);
  EXPECT_EQ(policy.S, 10);
  expect_close(policy.cost, 8.034111561471644);
  expect_close(ss_poisson_cost(6, 18, 1, 4, 5, 6, 0), 10.193798671644046);
}

TEST(FormulasSs, ZhengFedergruen1991TableI) {
  // Zheng & Federgruen (1991), Table I: h = 1, p = 9, K = 64, Poisson(μ); the optimal
  // (s, S) and cost (three decimals in the paper).
  const std::vector<int> mu = {10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65,
                               70, 75, 21, 22, 23, 24, 51, 52, 59, 61, 63, 64};
  const std::vector<int> s = {6,  10, 14, 19, 23, 28, 33, 37, 42, 47, 52, 56,
                              62, 67, 15, 16, 17, 18, 43, 44, 51, 52, 54, 55};
  const std::vector<int> S = {40, 49, 62, 56, 66, 77, 87,  97,  108, 118, 129, 75,
                              81, 86, 65, 68, 52, 54, 110, 112, 126, 131, 73,  74};
  const std::vector<double> cost = {35.022, 42.698, 49.173, 54.262, 57.819, 61.215, 64.512, 67.776,
                                    70.975, 74.149, 77.306, 78.518, 79.037, 79.554, 50.406, 51.632,
                                    52.757, 53.518, 71.611, 72.246, 76.679, 77.929, 78.287, 78.402};
  for (std::size_t n = 0; n < mu.size(); ++n) {
    SsPolicy policy = ss_poisson_exact(1, 9, 64, mu[n], 0);
    EXPECT_EQ(policy.s, s[n]) << "mu " << mu[n];
    EXPECT_EQ(policy.S, S[n]) << "mu " << mu[n];
    EXPECT_NEAR(policy.cost, cost[n], 5e-4) << "mu " << mu[n];
  }
}

TEST(FormulasRq, Problems5_1And5_3) {
  // FoSCT Problem 5.1: h = 3.1, p = 45, K = 50, λ = 800, τ = 40, L = 4/365.
  const RqParams p51{3.1, 45, 50, 800, 40, 0.010958904109589041};
  expect_close(rq_cost(-1.9859, 166.95, p51), 4.842110418415538e+02, 1e-9);
  expect_close(rq_cost(100, 250, p51), 8.303219178082192e+02, 1e-9);
  expect_close(rq_optimal_r_for_q(318, p51), -11.727678833180178, 1e-6);
  expect_close(rq_optimal_r_for_q(150, p51), -0.885130303271656, 1e-6);
  expect_close(rq_optimal_r_for_q(750, p51), -39.569675038859785, 1e-6);
  RqPolicy eil = *rq_eil_approx(p51);  // (a)
  expect_close(eil.r, 17.972649360167715, 1e-7);
  expect_close(eil.Q, 1.621231617283653e+02, 1e-7);
  expect_close(eil.approx_cost, 5.311189321826714e+02, 1e-7);
  RqPolicy eoqb = rq_eoqb_approx(p51);  // (b)
  expect_close(eoqb.r, -1.929822185100239, 1e-6);
  expect_close(eoqb.Q, 1.660850065197970e+02);
  RqPolicy eoqss = rq_eoq_plus_ss(p51);  // (c)
  expect_close(eoqss.r, 15.125515371852014);
  expect_close(eoqss.Q, 1.606438657804998e+02);
  RqPolicy loss = *rq_loss_function_approx(p51);  // (d)
  expect_close(loss.r, -1.985868645048718, 1e-5);
  expect_close(loss.Q, 1.669501022040942e+02, 1e-6);
  // FoSCT Problem 5.3: h = 0.2143, p = 40, K = 85, λ = 192, τ = 17.4, L = 3.
  const RqParams p53{0.21428571428571427, 40, 85, 192, 17.4, 3};
  expect_close(rq_optimal_r_for_q(318, p53), 6.121331312304716e+02, 1e-8);
  expect_close(rq_optimal_r_for_q(150, p53), 6.225171783526781e+02, 1e-8);
  expect_close(rq_optimal_r_for_q(750, p53), 5.984126476551643e+02, 1e-8);
  RqPolicy eil53 = *rq_eil_approx(p53);
  expect_close(eil53.r, 6.448385303830128e+02, 1e-8);
  expect_close(eil53.Q, 4.007559793125993e+02, 1e-8);
  expect_close(eil53.approx_cost, 1.006273949347740e+02, 1e-8);
  RqPolicy eoqb53 = rq_eoqb_approx(p53);
  expect_close(eoqb53.r, 6.090252058220594e+02, 1e-8);
  expect_close(eoqb53.Q, 3.913259510944808e+02);
  RqPolicy eoqss53 = rq_eoq_plus_ss(p53);
  expect_close(eoqss53.r, 6.529638947041127e+02);
  expect_close(eoqss53.Q, 3.902819493648150e+02);
  RqPolicy loss53 = *rq_loss_function_approx(p53);
  expect_close(loss53.r, 6.085445118000358e+02, 1e-6);
  expect_close(loss53.Q, 4.038060023373138e+02, 1e-6);
}

TEST(FormulasRq, PoissonProblem5_2) {
  // FoSCT Problem 5.2: h = 4, p = 28, K = 4, λ = 12, L = 0.5: r* = 6, Q* = 7, g = 28.24.
  RqPoisson policy = rq_poisson_exact(4, 28, 4, 12, 0.5);
  EXPECT_EQ(policy.r, 6);
  EXPECT_EQ(policy.Q, 7);
  expect_close(policy.cost, 28.241312842169155);
  expect_close(rq_poisson_cost(3, 9, 4, 28, 4, 12, 0.5), 34.264154469469503);
  expect_close(rq_poisson_cost(8, 12, 20, 150, 100, 1.5, 2), 2.425281637662021e+02);  // Ex. 5.8
}

TEST(FormulasSs, Problem4_31) {
  // FoSCT Problem 4.31: h = 40, p = 125, K = 150, Poisson(4): (s*, S*) = (2, 7).
  SsPolicy policy = ss_poisson_exact(40, 125, 150, 4, 0);
  EXPECT_EQ(policy.s, 2);
  EXPECT_EQ(policy.S, 7);
  expect_close(policy.cost, 2.235748295669688e+02);
  expect_close(ss_poisson_cost(4, 10, 40, 125, 150, 4, 0), 2.622755613772775e+02);
}

TEST(FormulasMore, Problems3_1_3_2b_4_1) {
  // FoSCT Problem 3.1 (EOQ), Problem 3.2(b) (EOQ with backorders), Problem 4.1 (newsvendor).
  Eoq e = eoq(2250, 275, 182500);
  expect_close(e.Q_star, 1728.109844993551);
  expect_close(e.cost_star, 475230.2073732266);
  EoqBackorders b = eoq_backorders(40, 40.05, 60, 2080);
  expect_close(b.Q_star, 83.235448128898042);
  expect_close(b.stockout_fraction, 0.400299850074962);
  expect_close(b.cost_star, 1999.148244415212);
  NewsvendorNormal nv = newsvendor_normal(43, 79, 900, 60);
  expect_close(nv.S_star, 9.227214038234755e+02);
  expect_close(nv.cost_star, 2.718196781782411e+03);
  expect_close(newsvendor_normal_cost(1040, 43, 79, 900, 60), 6.044298415188692e+03);
}

// ---- Clark–Scarf serial SSM ------------------------------------------------------------------
// stockpyl's FoSCT tests use x_num = 100, d_num = 10 and an upper sum-of-lead-times tail
// of z = 8; the cases file uses its defaults (1000, 100, 4).
const SsmGrid kFoSCTTestGrid{100, 10, 4, 4, 4, 8};

TEST(FormulasSerialSsm, Example6_1ThreeStages) {
  // FoSCT Example 6.1: echelon h = (3, 2, 2), L = (1, 1, 2) for stages 1, 2, 3; p = 37.12;
  // N(5, 1²). On stockpyl's test grid:
  std::vector<SerialStage> stages = {{3, 1}, {2, 1}, {2, 2}};
  SerialSsm result = serial_ssm(stages, 37.12, 5, 1, kFoSCTTestGrid);
  expect_close(result.S_echelon[1], 6.599662958019763, 1e-9);
  expect_close(result.S_echelon[2], 11.99662958019757, 1e-9);
  expect_close(result.S_echelon[3], 22.790562824553184, 1e-9);
  expect_close(result.cost, 47.77466134840843, 1e-9);
}

TEST(FormulasSerialSsm, Problem6_1TwoStages) {
  // FoSCT Problem 6.1: echelon h = (1, 1), L = (1, 1), p = 15, N(100, 15²).
  std::vector<SerialStage> stages = {{1, 1}, {1, 1}};
  SerialSsm result = serial_ssm(stages, 15, 100, 15, kFoSCTTestGrid);
  expect_close(result.S_echelon[1], 126.20331711660617, 1e-9);
  expect_close(result.S_echelon[2], 226.02837018976868, 1e-9);
  expect_close(result.cost, 170.28476581233167, 1e-9);
}

TEST(FormulasSerialSsm, Problem6_2aFiveStages) {
  // FoSCT Problem 6.2(a): echelon h = (2, 2, 1, 1, 1), L = 0.5 everywhere, p = 24,
  // N(64, 8²) (fractional lead times; stockpyl quotes 4 decimals).
  std::vector<SerialStage> stages = {{2, 0.5}, {2, 0.5}, {1, 0.5}, {1, 0.5}, {1, 0.5}};
  SerialSsm result = serial_ssm(stages, 24, 64, 8, kFoSCTTestGrid);
  const std::vector<double> expected = {42.31870725619709, 75.34023115608014, 112.48944554344857,
                                        145.51096944333162, 178.53249334321467};
  for (std::size_t j = 1; j <= 5; ++j) expect_close(result.S_echelon[j], expected[j - 1], 1e-9);
  expect_close(result.cost, 457.58007479275113, 1e-9);
}

TEST(FormulasSerialSsm, DefaultGridIsCloseToTheContinuousOptimum) {
  // On the default (finer) grid Example 6.1 lands near the optimum stockpyl quotes for it
  // (ssm_serial.newsvendor_heuristic docstring): S = (6.514, 12.012, 22.700), cost 47.669.
  std::vector<SerialStage> stages = {{3, 1}, {2, 1}, {2, 2}};
  SerialSsm result = serial_ssm(stages, 37.12, 5, 1);
  EXPECT_NEAR(result.S_echelon[1], 6.514, 0.1);
  EXPECT_NEAR(result.S_echelon[2], 12.012, 0.1);
  EXPECT_NEAR(result.S_echelon[3], 22.700, 0.1);
  EXPECT_NEAR(result.cost, 47.669, 0.1);
}

// ---- guaranteed service ----------------------------------------------------------------------

TEST(FormulasGsm, SerialExample6_3) {
  // FoSCT Example 6.3: h = (7, 4, 2), T = (1, 0, 1) for stages 1, 2, 3; SI = 1, s = 1,
  // z = 1, σ = 1: cost 2√2, S = (1, 0, 0).
  GsmSerial result = gsm_serial({{1, 7}, {0, 4}, {1, 2}}, 1, 1, 1, 1);
  expect_close(result.cost, 2 * std::sqrt(2.0), 1e-12);
  EXPECT_EQ(result.cst[1], 1);
  EXPECT_EQ(result.cst[2], 0);
  EXPECT_EQ(result.cst[3], 0);
}

TEST(FormulasGsm, SerialProblem6_7) {
  // FoSCT Problem 6.7: h = (4, 3, 2), T = (2, 1, 1), SI = 1, s = 0, z = 4, σ = 10:
  // cost 160√5, S = (0, 3, 2).
  GsmSerial result = gsm_serial({{2, 4}, {1, 3}, {1, 2}}, 4, 1, 0, 10);
  expect_close(result.cost, 160 * std::sqrt(5.0), 1e-12);
  EXPECT_EQ(result.cst[1], 0);
  EXPECT_EQ(result.cst[2], 3);
  EXPECT_EQ(result.cst[3], 2);
}

TEST(FormulasGsm, SerialProblem6_8TenStages) {
  // FoSCT Problem 6.8 (ten stages): cost 1378.31 and the CSTs of the book's solution.
  std::vector<GsmSerialStage> stages = {{5, 5.73}, {10, 4.56}, {2, 3.04}, {15, 2.93}, {8, 2.47},
                                        {5, 2.37}, {9, 1.15},  {5, 1.1},  {1, 0.98},  {5, 0.87}};
  GsmSerial result = gsm_serial(stages, dist::normal_quantile(0.98), 7, 3, 15.8);
  EXPECT_NEAR(result.cost, 1378.31, 0.05);
  const std::vector<std::int64_t> expected = {3, 10, 0, 28, 13, 5, 0, 18, 13, 12};
  for (std::size_t j = 1; j <= 10; ++j) EXPECT_EQ(result.cst[j], expected[j - 1]) << j;
}

TEST(FormulasGsm, TreeExample6_5) {
  // FoSCT Example 6.5: 1 → 3 → {2, 4}; h = (1, 3, 2, 3), T = (2, 1, 1, 1), SI_1 = 1,
  // s_2 = 0, s_4 = 1, σ = 1 at 2 and 4: cost 2√2 + √6 + 3, S = (0, 0, 0, 1).
  std::vector<GsmTreeNode> nodes = {
      {1, 2, 1, 1, 1, std::nullopt, std::nullopt, std::nullopt},
      {3, 1, 2, 1, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {2, 1, 3, 1, std::nullopt, 0, 0.0, 1.0},
      {4, 1, 3, 1, std::nullopt, 1, 0.0, 1.0},
  };
  GsmTree result = *gsm_tree(nodes, {{1, 3}, {3, 2}, {3, 4}});
  expect_close(result.cost, 2 * std::sqrt(2.0) + std::sqrt(6.0) + 3.0, 1e-12);
  EXPECT_EQ(result.cst[1], 0);
  EXPECT_EQ(result.cst[2], 0);
  EXPECT_EQ(result.cst[3], 0);
  EXPECT_EQ(result.cst[4], 1);
}

TEST(FormulasGsm, TreeFigure6_14) {
  // FoSCT Figure 6.14 (ten nodes, one customer-facing node 10 with σ = 10, s = 2,
  // z = 1.645 everywhere): cost 18.824 and the CSTs of the book's solution.
  const double z = 1.6448536269514722;
  auto node = [&](std::int64_t id, double h, std::int64_t T) {
    return GsmTreeNode{id, T, h, z, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  };
  std::vector<GsmTreeNode> nodes = {
      node(1, 0.01, 2), node(2, 0.03, 3), node(3, 0.04, 2), node(4, 0.06, 4), node(5, 0.12, 2),
      node(6, 0.13, 3), node(7, 0.2, 6),  node(8, 0.08, 4), node(9, 0.04, 3), node(10, 0.5, 2)};
  nodes[9].external_outbound_cst = 2;
  nodes[9].demand_mean = 0;
  nodes[9].demand_sd = 10;
  GsmTree result = *gsm_tree(
      nodes, {{1, 2}, {2, 3}, {3, 5}, {4, 5}, {5, 6}, {6, 10}, {7, 10}, {8, 10}, {9, 10}});
  expect_close(result.cost, 18.8240044725922, 1e-12);
  const std::map<std::int64_t, std::int64_t> expected = {{1, 0}, {2, 3}, {3, 5}, {4, 4}, {5, 7},
                                                         {6, 0}, {7, 0}, {8, 0}, {9, 0}, {10, 2}};
  EXPECT_EQ(result.cst, expected);
}

std::vector<GsmTreeNode> figure_6_14(std::int64_t customer_cst) {
  const double z = 1.6448536269514722;
  auto node = [&](std::int64_t id, double h, std::int64_t T) {
    return GsmTreeNode{id, T, h, z, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  };
  std::vector<GsmTreeNode> nodes = {
      node(1, 0.01, 2), node(2, 0.03, 3), node(3, 0.04, 2), node(4, 0.06, 4), node(5, 0.12, 2),
      node(6, 0.13, 3), node(7, 0.2, 6),  node(8, 0.08, 4), node(9, 0.04, 3), node(10, 0.5, 2)};
  nodes[9].external_outbound_cst = customer_cst;
  nodes[9].demand_mean = 0;
  nodes[9].demand_sd = 10;
  return nodes;
}
const std::vector<std::pair<std::int64_t, std::int64_t>> kFigure6_14Edges = {
    {1, 2}, {2, 3}, {3, 5}, {4, 5}, {5, 6}, {6, 10}, {7, 10}, {8, 10}, {9, 10}};

TEST(FormulasGsm, TreeFigure6_14OtherCustomerServiceTimes) {
  // The same network with the customer quoted 5, 8 and 12 days (FoSCT Figure 6.14 and its
  // discussion; figures as in stockpyl's tests).
  struct Expected {
    std::int64_t s;
    double cost;
    std::map<std::int64_t, std::int64_t> cst;
  };
  const std::vector<Expected> cases = {
      {5,
       12.4686888061037,
       {{1, 0}, {2, 3}, {3, 5}, {4, 4}, {5, 0}, {6, 3}, {7, 3}, {8, 3}, {9, 3}, {10, 5}}},
      {8,
       3.25788236403285,
       {{1, 0}, {2, 3}, {3, 1}, {4, 1}, {5, 3}, {6, 6}, {7, 6}, {8, 4}, {9, 3}, {10, 8}}},
      {12,
       0.232617430735335,
       {{1, 0}, {2, 3}, {3, 5}, {4, 4}, {5, 7}, {6, 10}, {7, 6}, {8, 4}, {9, 3}, {10, 12}}},
  };
  for (const Expected& expected : cases) {
    GsmTree result = *gsm_tree(figure_6_14(expected.s), kFigure6_14Edges);
    expect_close(result.cost, expected.cost, 1e-12);
    EXPECT_EQ(result.cst, expected.cst) << "s = " << expected.s;
  }
}

TEST(FormulasGsm, TreeProblem6_9NeedsRelabelling) {
  // FoSCT Problem 6.9: 4 → 3, 6 → 5 → 3, 3 → {1, 2}; node 3 has two larger neighbours, so
  // the DP relabels the nodes. z = 4; customers 1 and 2 quoted s = 3 (then 0/7 and 21/5).
  auto nodes = [](std::int64_t s1, std::int64_t s2) {
    std::vector<GsmTreeNode> out = {
        {1, 7, 0.12054794520547946, 4, std::nullopt, s1, 22.0, 4.1},
        {2, 7, 0.07671232876712329, 4, std::nullopt, s2, 15.3, 6.2},
        {3, 21, 0.049315068493150684, 4, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
        {4, 3, 0.0027397260273972603, 4, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
        {5, 8, 0.010958904109589041, 4, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
        {6, 2, 0.00410958904109589, 4, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
    };
    return out;
  };
  const std::vector<std::pair<std::int64_t, std::int64_t>> edges = {
      {3, 1}, {3, 2}, {4, 3}, {5, 3}, {6, 5}};
  GsmTree base = *gsm_tree(nodes(3, 3), edges);
  expect_close(base.cost, 15.649530249501, 1e-11);
  EXPECT_EQ(base.cst,
            (std::map<std::int64_t, std::int64_t>{{1, 3}, {2, 3}, {3, 0}, {4, 0}, {5, 0}, {6, 2}}));
  GsmTree second = *gsm_tree(nodes(0, 7), edges);
  expect_close(second.cost, 13.121240238718, 1e-11);
  EXPECT_EQ(second.cst,
            (std::map<std::int64_t, std::int64_t>{{1, 0}, {2, 7}, {3, 0}, {4, 0}, {5, 0}, {6, 2}}));
  GsmTree third = *gsm_tree(nodes(21, 5), edges);
  expect_close(third.cost, 10.5811190103555, 1e-11);
  EXPECT_EQ(third.cst,
            (std::map<std::int64_t, std::int64_t>{{1, 7}, {2, 5}, {3, 0}, {4, 0}, {5, 0}, {6, 2}}));
}

TEST(FormulasGsm, TreeSingleStage) {
  // One stage: T = 1, SI = 0, s = 0, h = 1, z = 2, σ = 1: cost 2·1·√1 = 2, S = 0.
  GsmTree result = *gsm_tree({{1, 1, 1, 2, 0, 0, 0.0, 1.0}}, {});
  expect_close(result.cost, 2, 1e-12);
  EXPECT_EQ(result.cst.at(1), 0);
}

TEST(FormulasGsm, TreeRelabelsNodesLikeTheSpecExample) {
  // The spec's tree 1 → 2 → {3, 4} is not labelled for the DP (node 2 has two larger
  // neighbours) and is relabelled; brute force over all integer CSTs gives the same cost.
  json::object inputs = json::parse(R"({"edges": [[1, 2], [2, 3], [2, 4]], "nodes": {
    "1": {"processing_time": 7, "local_holding_cost": 0.5, "demand_bound_constant": 1.68,
          "external_inbound_cst": 2, "external_outbound_cst": null, "demand_mean": null, "demand_sd": null},
    "2": {"processing_time": 3, "local_holding_cost": 0.5, "demand_bound_constant": 1.46,
          "external_inbound_cst": null, "external_outbound_cst": null, "demand_mean": null, "demand_sd": null},
    "3": {"processing_time": 2, "local_holding_cost": 0.5, "demand_bound_constant": 1.6,
          "external_inbound_cst": null, "external_outbound_cst": 0, "demand_mean": 463.25, "demand_sd": 133.26},
    "4": {"processing_time": 2, "local_holding_cost": 0.5, "demand_bound_constant": 1.49,
          "external_inbound_cst": null, "external_outbound_cst": 1, "demand_mean": 258.17, "demand_sd": 114.39}}})")
                            .as_object();
  json::object out = *solve_formula_case("gsm_tree", inputs);
  const double s34 = std::sqrt(133.26 * 133.26 + 114.39 * 114.39);
  double best = INFINITY;
  for (int S1 = 0; S1 <= 9; ++S1) {
    for (int S2 = 0; S2 <= S1 + 3; ++S2) {
      for (int S3 = 0; S3 <= 0; ++S3) {
        for (int S4 = 0; S4 <= 1; ++S4) {
          if (S3 > S2 + 2 || S4 > S2 + 2) continue;
          double cost = 0.5 * 1.68 * s34 * std::sqrt(2.0 + 7 - S1) +
                        0.5 * 1.46 * s34 * std::sqrt(double(S1 + 3 - S2)) +
                        0.5 * 1.6 * 133.26 * std::sqrt(double(S2 + 2 - S3)) +
                        0.5 * 1.49 * 114.39 * std::sqrt(double(S2 + 2 - S4));
          best = std::min(best, cost);
        }
      }
    }
  }
  expect_close(out["cost"].as_double(), best, 1e-12);
  std::int64_t S1 = out["cst_1"].as_int64(), S2 = out["cst_2"].as_int64();
  std::int64_t S3 = out["cst_3"].as_int64(), S4 = out["cst_4"].as_int64();
  double cost = 0.5 * 1.68 * s34 * std::sqrt(double(9 - S1)) +
                0.5 * 1.46 * s34 * std::sqrt(double(S1 + 3 - S2)) +
                0.5 * 1.6 * 133.26 * std::sqrt(double(S2 + 2 - S3)) +
                0.5 * 1.49 * 114.39 * std::sqrt(double(S2 + 2 - S4));
  expect_close(cost, best, 1e-12);
}

// ---- cases: every model, per-case errors, limits ----------------------------------------------

json::object spec_example_cases() {
  // One case per model: the examples of /work/shared/spec/planning-formulas.md.
  return json::parse(R"({"cases": [
 {"id": "a", "model": "newsvendor_normal", "inputs": {"holding_cost": 0.5, "stockout_cost": 8.31, "demand_mean": 136.91, "demand_sd": 39.4, "S_eval": 130.15}},
 {"id": "b", "model": "newsvendor_poisson", "inputs": {"holding_cost": 0.5, "stockout_cost": 6.03, "demand_mean": 4.87, "S_eval": 5}},
 {"id": "c", "model": "base_stock_normal_cost", "inputs": {"holding_cost": 0.5, "stockout_cost": 9.35, "demand_mean": 206.62, "demand_sd": 102.49, "lead_time": 3}},
 {"id": "d", "model": "base_stock_poisson_cost", "inputs": {"holding_cost": 0.5, "stockout_cost": 16.27, "demand_mean": 6.95, "lead_time": 5}},
 {"id": "e", "model": "base_stock_normal_type1", "inputs": {"alpha": 0.956, "demand_mean": 621.34, "demand_sd": 168.44, "lead_time": 5, "holding_cost": 0.5, "stockout_cost": 4.7}},
 {"id": "f", "model": "base_stock_normal_type2", "inputs": {"beta": 0.959, "demand_mean": 620.06, "demand_sd": 131.15, "lead_time": 6}},
 {"id": "g", "model": "rq_eoq_plus_ss", "inputs": {"holding_cost": 0.5, "stockout_cost": 5.52, "fixed_cost": 95.9, "demand_mean": 240.22, "demand_sd": 111.99, "lead_time": 4.52}},
 {"id": "h", "model": "rq_eoqb_approx", "inputs": {"holding_cost": 0.5, "stockout_cost": 4.42, "fixed_cost": 124.06, "demand_mean": 276.11, "demand_sd": 92.88, "lead_time": 4.8}},
 {"id": "i", "model": "rq_eil_approx", "inputs": {"holding_cost": 1.14, "stockout_cost": 22.21, "fixed_cost": 37.3, "demand_mean": 28.29, "demand_sd": 16.35, "lead_time": 7.7}},
 {"id": "j", "model": "rq_loss_function_approx", "inputs": {"holding_cost": 0.5, "stockout_cost": 5.07, "fixed_cost": 104.63, "demand_mean": 344.58, "demand_sd": 108.53, "lead_time": 4.44}},
 {"id": "k", "model": "rq_normal_exact", "inputs": {"holding_cost": 0.5, "stockout_cost": 4.23, "fixed_cost": 101.24, "demand_mean": 299.6, "demand_sd": 101.74, "lead_time": 3.23}},
 {"id": "l", "model": "rq_poisson_exact", "inputs": {"holding_cost": 0.5, "stockout_cost": 10.56, "fixed_cost": 24.73, "demand_mean": 4.64, "lead_time": 2.67}},
 {"id": "m", "model": "ss_poisson_exact", "inputs": {"holding_cost": 0.5, "stockout_cost": 12.0, "fixed_cost": 42.24, "demand_mean": 6.81, "lead_time": 0}},
 {"id": "n", "model": "eoq", "inputs": {"fixed_cost": 41.27, "holding_cost": 0.503, "demand_rate": 233.36, "Q_eval": 286}},
 {"id": "o", "model": "eoq_backorders", "inputs": {"fixed_cost": 120.81, "holding_cost": 0.5, "stockout_cost": 8.63, "demand_rate": 300.06}},
 {"id": "p", "model": "serial_ssm_clark_scarf", "inputs": {"num_stages": 2, "stages": {"2": {"echelon_holding_cost": 0.5, "lead_time": 9}, "1": {"echelon_holding_cost": 0.5, "lead_time": 2}}, "stockout_cost": 9.08, "demand_mean": 195.09, "demand_sd": 64.71}},
 {"id": "q", "model": "gsm_tree", "inputs": {"edges": [[1, 2], [2, 3], [2, 4]], "nodes": {"1": {"processing_time": 7, "local_holding_cost": 0.5, "demand_bound_constant": 1.68, "external_inbound_cst": 2, "external_outbound_cst": null, "demand_mean": null, "demand_sd": null}, "2": {"processing_time": 3, "local_holding_cost": 0.5, "demand_bound_constant": 1.46, "external_inbound_cst": null, "external_outbound_cst": null, "demand_mean": null, "demand_sd": null}, "3": {"processing_time": 2, "local_holding_cost": 0.5, "demand_bound_constant": 1.6, "external_inbound_cst": null, "external_outbound_cst": 0, "demand_mean": 463.25, "demand_sd": 133.26}, "4": {"processing_time": 2, "local_holding_cost": 0.5, "demand_bound_constant": 1.49, "external_inbound_cst": null, "external_outbound_cst": 1, "demand_mean": 258.17, "demand_sd": 114.39}}}},
 {"id": "r", "model": "gsm_serial", "inputs": {"num_stages": 3, "stages": {"3": {"processing_time": 6, "local_holding_cost": 0.5}, "2": {"processing_time": 2, "local_holding_cost": 0.5}, "1": {"processing_time": 1, "local_holding_cost": 0.5}}, "demand_bound_constant": 1.6, "external_inbound_cst": 2, "external_outbound_cst": 0, "demand_mean": 565.45, "demand_sd": 122.84}}
]})")
      .as_object();
}

TEST(FormulasCases, EverySpecModelIsAnsweredWithItsOutputs) {
  const std::map<std::string, std::vector<std::string>> outputs = {
      {"newsvendor_normal", {"S_star", "cost_star", "critical_ratio", "cost_at_S_eval"}},
      {"newsvendor_poisson", {"S_star", "cost_star", "cost_at_S_eval"}},
      {"base_stock_normal_cost", {"S_star", "cost_star", "safety_stock"}},
      {"base_stock_poisson_cost", {"S_star", "cost_star"}},
      {"base_stock_normal_type1",
       {"S", "safety_factor_z", "implied_fill_rate_approx", "cost_per_day"}},
      {"base_stock_normal_type2", {"S_approx", "cycle_service_level_at_S_approx", "S_exact"}},
      {"rq_eoq_plus_ss", {"r", "Q", "exact_cost_of_policy"}},
      {"rq_eoqb_approx", {"r", "Q", "exact_cost_of_policy"}},
      {"rq_eil_approx", {"r", "Q", "approx_cost", "exact_cost_of_policy"}},
      {"rq_loss_function_approx", {"r", "Q", "exact_cost_of_policy"}},
      {"rq_normal_exact", {"r", "Q", "cost"}},
      {"rq_poisson_exact", {"r", "Q", "cost"}},
      {"ss_poisson_exact", {"s", "S", "cost"}},
      {"eoq", {"Q_star", "cost_star", "cycle_time_days", "cost_at_Q_eval"}},
      {"eoq_backorders", {"Q_star", "stockout_fraction", "cost_star", "max_backorder"}},
      {"serial_ssm_clark_scarf", {"S_echelon_2", "S_echelon_1", "cost"}},
      {"gsm_tree", {"cost", "cst_1", "cst_2", "cst_3", "cst_4"}},
      {"gsm_serial", {"cost", "cst_3", "cst_2", "cst_1"}},
  };
  EXPECT_EQ(formula_model_names().size(), 18u);
  json::object answers = *answer_formula_cases(json::serialize(spec_example_cases()));
  const json::array& results = answers["results"].as_array();
  ASSERT_EQ(results.size(), 18u);
  for (const json::value& result : results) {
    const json::object& r = result.as_object();
    ASSERT_TRUE(r.contains("outputs")) << json::serialize(r);
    const std::string model(r.at("model").as_string());
    const json::object& out = r.at("outputs").as_object();
    EXPECT_EQ(out.size(), outputs.at(model).size()) << model;
    for (const std::string& name : outputs.at(model)) {
      ASSERT_TRUE(out.contains(name)) << model << " " << name;
      EXPECT_TRUE(out.at(name).is_number()) << model << " " << name;
    }
  }
  // Integer decisions are JSON integers.
  EXPECT_TRUE(results[1].at("outputs").at("S_star").is_int64());
  EXPECT_TRUE(results[12].at("outputs").at("s").is_int64());
  EXPECT_TRUE(results[16].at("outputs").at("cst_2").is_int64());
}

std::string case_error(const std::string& model, const json::object& inputs) {
  json::object file{
      {"cases", json::array{json::object{{"id", "x"}, {"model", model}, {"inputs", inputs}}}}};
  json::object answers = *answer_formula_cases(json::serialize(file));
  const json::object& result = answers["results"].as_array()[0].as_object();
  EXPECT_FALSE(result.contains("outputs"));
  EXPECT_EQ(result.at("id"), json::value("x"));
  return result.contains("error") ? std::string(result.at("error").as_string()) : "";
}

TEST(FormulasCases, PerCaseErrorsNameTheFieldAndReason) {
  json::object good{{"holding_cost", 0.18},
                    {"stockout_cost", 0.7},
                    {"demand_mean", 50},
                    {"demand_sd", 8},
                    {"S_eval", 40}};
  EXPECT_EQ(case_error("newsvendor_lognormal", good),
            "model: unknown model 'newsvendor_lognormal'");
  json::object bad = good;
  bad["demand_sd"] = 0;
  EXPECT_EQ(case_error("newsvendor_normal", bad), "inputs.demand_sd: must be > 0");
  bad = good;
  bad.erase("holding_cost");
  EXPECT_EQ(case_error("newsvendor_normal", bad), "inputs.holding_cost: is missing");
  bad = good;
  bad["demand_mean"] = "fifty";
  EXPECT_EQ(case_error("newsvendor_normal", bad), "inputs.demand_mean: must be a number");
  json::object poisson{
      {"holding_cost", 1}, {"stockout_cost", 4}, {"demand_mean", 6}, {"S_eval", 5.5}};
  EXPECT_EQ(case_error("newsvendor_poisson", poisson), "inputs.S_eval: must be an integer");
  json::object type1{{"alpha", 1.0},   {"demand_mean", 1},  {"demand_sd", 1},
                     {"lead_time", 0}, {"holding_cost", 1}, {"stockout_cost", 1}};
  EXPECT_EQ(case_error("base_stock_normal_type1", type1), "inputs.alpha: must be > 0 and < 1");
  json::object rq{{"holding_cost", 0.225}, {"stockout_cost", 7.5}, {"fixed_cost", 8},
                  {"demand_mean", 1300},   {"demand_sd", 150},     {"lead_time", 0}};
  EXPECT_EQ(case_error("rq_normal_exact", rq), "inputs.lead_time: must be > 0");
  json::object ss{{"holding_cost", 1},
                  {"stockout_cost", 4},
                  {"fixed_cost", 5},
                  {"demand_mean", 6},
                  {"lead_time", -1}};
  EXPECT_EQ(case_error("ss_poisson_exact", ss), "inputs.lead_time: must be >= 0");
  json::object serial = spec_example_cases()["cases"].as_array()[15].at("inputs").as_object();
  serial["stages"].as_object()["2"].as_object().erase("lead_time");
  EXPECT_EQ(case_error("serial_ssm_clark_scarf", serial), "inputs.stages.2.lead_time: is missing");
  json::object tree = spec_example_cases()["cases"].as_array()[16].at("inputs").as_object();
  tree["edges"].as_array().pop_back();
  EXPECT_EQ(case_error("gsm_tree", tree),
            "inputs.edges: the edges must form a tree over the nodes (n-1 edges, connected)");
  // A critical ratio that rounds to 1 has no normal quantile: an error, not a crash.
  json::object extreme{{"holding_cost", 1e-300},
                       {"stockout_cost", 1},
                       {"demand_mean", 50},
                       {"demand_sd", 8},
                       {"S_eval", 40}};
  EXPECT_EQ(case_error("newsvendor_normal", extreme).rfind("inputs: no numerical solution", 0), 0u);
  // EIL with Qh/(pλ) ≥ 1 has no reorder point.
  json::object eil{{"holding_cost", 10}, {"stockout_cost", 1}, {"fixed_cost", 1000},
                   {"demand_mean", 1},   {"demand_sd", 1},     {"lead_time", 1}};
  EXPECT_EQ(case_error("rq_eil_approx", eil),
            "inputs: the EIL iteration has no reorder point: Q*h/(p*lambda) >= 1");
}

TEST(FormulasCases, BadCasesDoNotStopTheOthers) {
  json::object file = spec_example_cases();
  json::array& cases = file["cases"].as_array();
  cases.insert(cases.begin() + 3,
               json::object{{"id", "bad"}, {"model", "eoq"}, {"inputs", json::object{}}});
  cases.push_back(json::value(42));
  json::object answers = *answer_formula_cases(json::serialize(file));
  const json::array& results = answers["results"].as_array();
  ASSERT_EQ(results.size(), 20u);
  EXPECT_EQ(results[3].at("error"), json::value("inputs.fixed_cost: is missing"));
  EXPECT_EQ(results[19].at("error"), json::value("case: must be an object"));
  int answered = 0;
  for (const json::value& r : results) answered += r.as_object().contains("outputs") ? 1 : 0;
  EXPECT_EQ(answered, 18);
}

TEST(FormulasCases, FileShapeErrorsNameTheField) {
  auto error = [](std::string_view text) { return answer_formula_cases(text).error(); };
  EXPECT_EQ(error("{not json").field, "file");
  EXPECT_EQ(error("[1, 2]").field, "file");
  EXPECT_EQ(error(R"({"cases": {}})").field, "cases");
  EXPECT_EQ(error(R"({"results": []})").field, "cases");
  EXPECT_TRUE(answer_formula_cases(R"({"cases": []})").has_value());
}

TEST(FormulasLimits, EachLimitIsEnforced) {
  // Number of cases.
  json::array many(kFormulaCasesMax + 1, json::object{});
  auto too_many = answer_formula_cases(json::serialize(json::object{{"cases", many}}));
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(too_many.error().field, "cases");
  json::array at_limit(kFormulaCasesMax, json::object{});
  EXPECT_TRUE(answer_formula_cases(json::serialize(json::object{{"cases", at_limit}})).has_value());
  // File size.
  std::string big(kFormulaFileBytesMax + 1, ' ');
  EXPECT_EQ(answer_formula_cases(big).error().code, ErrorCode::limit_exceeded);
  // Poisson mean over the protection interval: 1000 is answered, more is refused.
  json::object poisson{
      {"holding_cost", 1}, {"stockout_cost", 4}, {"demand_mean", 250}, {"lead_time", 3}};
  EXPECT_TRUE(solve_formula_case("base_stock_poisson_cost", poisson).has_value());
  poisson["demand_mean"] = 250.01;
  auto over = solve_formula_case("base_stock_poisson_cost", poisson);
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(over.error().field, "inputs.demand_mean");
  // Serial stages.
  json::object serial = spec_example_cases()["cases"].as_array()[17].at("inputs").as_object();
  serial["num_stages"] = 11;
  EXPECT_EQ(case_error("gsm_serial", serial), "inputs.num_stages: must be <= 10");
  serial["num_stages"] = 2;
  EXPECT_EQ(case_error("gsm_serial", serial),
            "inputs.stages: must have num_stages entries keyed \"1\" … \"2\"");
  // GSM times: processing times plus external inbound CST ≤ 1000 days.
  serial["num_stages"] = 3;
  serial["external_inbound_cst"] = 1000 - 9;
  EXPECT_TRUE(solve_formula_case("gsm_serial", serial).has_value());
  serial["external_inbound_cst"] = 1000 - 8;
  EXPECT_EQ(case_error("gsm_serial", serial),
            "inputs.external_inbound_cst: external inbound CST plus all processing times must be "
            "<= 1000 days");
  // (s,S): 2Kμ/h ≤ 1e7.
  json::object ss{{"holding_cost", 0.01},
                  {"stockout_cost", 100},
                  {"fixed_cost", 50},
                  {"demand_mean", 1000},
                  {"lead_time", 0}};
  EXPECT_TRUE(solve_formula_case("ss_poisson_exact", ss).has_value());
  ss["fixed_cost"] = 50.01;
  EXPECT_EQ(case_error("ss_poisson_exact", ss),
            "inputs.fixed_cost: 2 * fixed_cost * demand_mean / holding_cost must be <= 1e7");
  // Tree nodes: a path of 51 nodes is refused, 50 answered.
  auto path_tree = [](int n) {
    json::object nodes;
    json::array edges;
    for (int i = 1; i <= n; ++i) {
      json::object node{
          {"processing_time", 1}, {"local_holding_cost", 1}, {"demand_bound_constant", 1}};
      if (i == n)
        node["demand_mean"] = 10, node["demand_sd"] = 2, node["external_outbound_cst"] = 0;
      nodes[std::to_string(i)] = node;
      if (i > 1) edges.push_back(json::array{i - 1, i});
    }
    return json::object{{"edges", edges}, {"nodes", nodes}};
  };
  EXPECT_TRUE(solve_formula_case("gsm_tree", path_tree(kGsmTreeNodesMax)).has_value());
  auto tree_over = solve_formula_case("gsm_tree", path_tree(kGsmTreeNodesMax + 1));
  ASSERT_FALSE(tree_over.has_value());
  EXPECT_EQ(tree_over.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(tree_over.error().field, "inputs.nodes");
}

// ---- the CLI, end to end ----------------------------------------------------------------------

TEST(FormulasCli, AnswersAFileWithOneBadCase) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("formulas_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  json::object file = spec_example_cases();
  json::array& cases = file["cases"].as_array();
  cases.insert(cases.begin() + 2, json::object{{"id", "bad"},
                                               {"model", "newsvendor_normal"},
                                               {"inputs", json::object{{"holding_cost", 0.18},
                                                                       {"stockout_cost", 0.7},
                                                                       {"demand_mean", 50},
                                                                       {"demand_sd", -8},
                                                                       {"S_eval", 40}}}});
  std::ofstream((dir / "cases.json").string()) << json::serialize(file);
  auto run = test_support::run_program(
      LIVECHAIN_BINARY, {"plan", "formulas", "--cases", (dir / "cases.json").string()},
      dir.string());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json::object answers = json::parse(run.out).as_object();
  const json::array& results = answers["results"].as_array();
  ASSERT_EQ(results.size(), 19u);
  EXPECT_EQ(results[2].at("id"), json::value("bad"));
  EXPECT_EQ(results[2].at("error"), json::value("inputs.demand_sd: must be > 0"));
  EXPECT_EQ(results[0].at("id"), json::value("a"));
  // The CLI prints what the library computes.
  json::object direct = *solve_formula_case("newsvendor_normal", cases[0].at("inputs").as_object());
  // (Boost.JSON 1.81 reads a printed double back to within an ulp, not always exactly.)
  const json::object& printed = results[0].at("outputs").as_object();
  ASSERT_EQ(printed.size(), direct.size());
  for (const auto& [name, value] : direct) {
    expect_close(printed.at(name).to_number<double>(), value.to_number<double>(), 1e-15);
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i != 2) {
      EXPECT_TRUE(results[i].as_object().contains("outputs")) << i;
    }
  }

  // Not the shape: exit 1, the field named on stderr.
  std::ofstream((dir / "shape.json").string()) << R"({"case": []})";
  auto shape = test_support::run_program(
      LIVECHAIN_BINARY, {"plan", "formulas", "--cases", (dir / "shape.json").string()},
      dir.string());
  EXPECT_EQ(shape.exit_code, 1);
  EXPECT_NE(shape.err.find("cases"), std::string::npos) << shape.err;
  // Not JSON, unreadable: exit 1.
  std::ofstream((dir / "text.json").string()) << "hello";
  EXPECT_EQ(test_support::run_program(LIVECHAIN_BINARY,
                                      {"plan", "formulas", "--cases", (dir / "text.json").string()},
                                      dir.string())
                .exit_code,
            1);
  auto missing = test_support::run_program(
      LIVECHAIN_BINARY, {"plan", "formulas", "--cases", (dir / "absent.json").string()},
      dir.string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("--cases"), std::string::npos) << missing.err;
  // Usage: no --cases.
  EXPECT_EQ(
      test_support::run_program(LIVECHAIN_BINARY, {"plan", "formulas"}, dir.string()).exit_code, 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace livechain::planning
