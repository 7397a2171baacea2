// src/planning/formulas_newsvendor.cpp — newsvendor, normal and Poisson (FoSCT ch. 4),
// with a lead time L the protection interval is L+1 periods (stockpyl newsvendor.py).
#include <cmath>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"

namespace livechain::planning {

NewsvendorNormal newsvendor_normal(double holding_cost, double stockout_cost, double demand_mean,
                                   double demand_sd, double lead_time) {
  double ltd_mean = demand_mean * (lead_time + 1.0);
  double ltd_sd = demand_sd * std::sqrt(lead_time + 1.0);
  double alpha = stockout_cost / (stockout_cost + holding_cost);
  double z = dist::normal_quantile(alpha);
  // FoSCT ch. 4: g(S*) = (h + p) φ(z_α) σ.
  return NewsvendorNormal{ltd_mean + z * ltd_sd,
                          (holding_cost + stockout_cost) * dist::normal_pdf(z) * ltd_sd, alpha};
}

double newsvendor_normal_cost(double S, double holding_cost, double stockout_cost,
                              double demand_mean, double demand_sd, double lead_time) {
  dist::Loss loss =
      dist::normal_loss(S, demand_mean * (lead_time + 1.0), demand_sd * std::sqrt(lead_time + 1.0));
  return holding_cost * loss.n_bar + stockout_cost * loss.n;
}

NewsvendorPoisson newsvendor_poisson(double holding_cost, double stockout_cost, double demand_mean,
                                     double lead_time) {
  double alpha = stockout_cost / (stockout_cost + holding_cost);
  std::int64_t S = dist::poisson_quantile(alpha, demand_mean * (lead_time + 1.0));
  return NewsvendorPoisson{
      S, newsvendor_poisson_cost(S, holding_cost, stockout_cost, demand_mean, lead_time)};
}

double newsvendor_poisson_cost(std::int64_t S, double holding_cost, double stockout_cost,
                               double demand_mean, double lead_time) {
  dist::Loss loss = dist::poisson_loss(S, demand_mean * (lead_time + 1.0));
  return holding_cost * loss.n_bar + stockout_cost * loss.n;
}

}  // namespace livechain::planning
