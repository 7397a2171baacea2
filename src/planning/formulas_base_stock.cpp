// src/planning/formulas_base_stock.cpp — base-stock levels for service-level targets
// (FoSCT ch. 4; Silver–Pyke–Peterson for the type-2 approximation).
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"

namespace livechain::planning {

BaseStockType1 base_stock_normal_type1(double alpha, double demand_mean, double demand_sd,
                                       double lead_time, double holding_cost,
                                       double stockout_cost) {
  double ltd_mean = demand_mean * (lead_time + 1.0);
  double ltd_sd = demand_sd * std::sqrt(lead_time + 1.0);
  double z = dist::normal_quantile(alpha);
  double S = ltd_mean + z * ltd_sd;
  dist::Loss loss = dist::normal_loss(S, ltd_mean, ltd_sd);
  return BaseStockType1{S, z, 1.0 - loss.n / demand_mean,
                        holding_cost * loss.n_bar + stockout_cost * loss.n};
}

namespace {

// Expected shortage of one replenishment cycle, n_{L+1}(S) − n_L(S), where n_0(S) = (−S)+.
double type2_cycle_shortage(double S, double demand_mean, double demand_sd, double lead_time) {
  double after =
      dist::normal_loss(S, demand_mean * (lead_time + 1.0), demand_sd * std::sqrt(lead_time + 1.0))
          .n;
  double before =
      lead_time > 0
          ? dist::normal_loss(S, demand_mean * lead_time, demand_sd * std::sqrt(lead_time)).n
          : std::max(-S, 0.0);
  return after - before;
}

}  // namespace

BaseStockType2 base_stock_normal_type2(double beta, double demand_mean, double demand_sd,
                                       double lead_time) {
  double ltd_mean = demand_mean * (lead_time + 1.0);
  double ltd_sd = demand_sd * std::sqrt(lead_time + 1.0);
  double target = (1.0 - beta) * demand_mean;
  double z = dist::standard_normal_loss_inverse(target / ltd_sd);
  BaseStockType2 result{ltd_mean + z * ltd_sd, dist::normal_cdf(z), 0.0};
  // The cycle shortage falls from ≈ mean (S ≪ 0) to 0; bracket the root around S_approx
  // (the exact S is below it: n_{L+1} − n_L ≤ n_{L+1}).
  auto f = [&](double S) {
    return type2_cycle_shortage(S, demand_mean, demand_sd, lead_time) - target;
  };
  double hi = result.S_approx + ltd_sd;
  double step = ltd_sd;
  double lo = result.S_approx - step;
  while (f(lo) < 0 && step < 1e12) {
    hi = lo;
    step *= 2;
    lo = result.S_approx - step;
  }
  std::uintmax_t iterations = 300;
  auto bracket = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(50), iterations);
  result.S_exact = 0.5 * (bracket.first + bracket.second);
  return result;
}

}  // namespace livechain::planning
