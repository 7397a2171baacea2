// src/planning/formulas_eoq.cpp — EOQ and EOQ with planned backorders (FoSCT ch. 3,
// eqs. 3.4–3.5, 3.27–3.29).
#include <cmath>

#include "planning/formulas.hpp"

namespace livechain::planning {

Eoq eoq(double fixed_cost, double holding_cost, double demand_rate) {
  double Q = std::sqrt(2.0 * fixed_cost * demand_rate / holding_cost);
  return Eoq{Q, Q * holding_cost, Q / demand_rate};  // g* = hQ* = sqrt(2Kλh)
}

double eoq_cost(double Q, double fixed_cost, double holding_cost, double demand_rate) {
  return fixed_cost * demand_rate / Q + holding_cost * Q / 2.0;
}

EoqBackorders eoq_backorders(double fixed_cost, double holding_cost, double stockout_cost,
                             double demand_rate) {
  double h_plus_p = holding_cost + stockout_cost;
  double Q = std::sqrt(2.0 * fixed_cost * demand_rate * h_plus_p / (holding_cost * stockout_cost));
  double x = holding_cost / h_plus_p;
  return EoqBackorders{Q, x, Q * holding_cost * stockout_cost / h_plus_p, x * Q};
}

}  // namespace livechain::planning
