// src/planning/formulas_serial.cpp — serial stochastic-service model: the Clark–Scarf
// (1960) / Chen–Zheng (1994) recursion for echelon base-stock levels (FoSCT ch. 6), on the
// truncated and discretised grid of stockpyl's ssm_serial.optimize_base_stock_levels:
//  - x (echelon inventory position) runs over x_num+1 points from (lo − hi) to hi, where
//    [lo, hi] are the z-quantiles of the demand over the sum of all lead times;
//  - stage j's lead-time demand N(μL_j, σ²L_j) is truncated to [max(0, q_lo), q_hi] and
//    discretised to d_num+1 points, each carrying the probability of its half-step cell
//    (the first and last cells take the tails, so demand is truncated at 0);
//  - ĝ_j(y − d) off the grid's lower end uses its linear asymptote, and values are read
//    at the nearest grid point.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"

namespace livechain::planning {

namespace {

// Index of the entry of sorted `grid` nearest to `value` (ties go to the upper entry).
std::size_t ssm_nearest(const std::vector<double>& grid, double value) {
  auto it = std::lower_bound(grid.begin(), grid.end(), value);
  std::size_t idx = static_cast<std::size_t>(it - grid.begin());
  if (idx > 0 &&
      (idx == grid.size() || std::fabs(value - grid[idx - 1]) < std::fabs(value - grid[idx]))) {
    return idx - 1;
  }
  return idx;
}

double ssm_tail(double z) {
  return 1.0 - dist::normal_cdf(z);
}

struct SsmDemandGrid {
  std::vector<double> d;
  std::vector<double> probability;
};

// The discretised lead-time demand of one stage.
SsmDemandGrid ssm_demand_grid(double mean, double sd, const SsmGrid& grid) {
  if (sd <= 0.0) return SsmDemandGrid{{std::max(mean, 0.0)}, {1.0}};
  auto cdf = [&](double v) { return dist::normal_cdf((v - mean) / sd); };
  auto ppf = [&](double q) { return mean + sd * dist::normal_quantile(q); };
  double d_lo = std::max(ppf(ssm_tail(grid.ltd_lower_z)), 0.0);
  double d_hi = std::max(ppf(1.0 - ssm_tail(grid.ltd_upper_z)), d_lo);
  double d_delta = 1.0;
  int num = 0;
  if (grid.d_num > 0 && d_hi > d_lo) {
    d_delta = (d_hi - d_lo) / grid.d_num;
    num = grid.d_num;
  } else {
    d_lo = (d_lo + d_hi) * 0.5;
  }
  SsmDemandGrid out;
  for (int i = 0; i <= num; ++i) {
    double upper = i != num ? cdf((i + 0.5) * d_delta + d_lo) : 1.0;
    double lower = i != 0 ? cdf((i - 0.5) * d_delta + d_lo) : 0.0;
    if (upper > lower) out.d.push_back(i * d_delta + d_lo);
  }
  for (std::size_t i = 0; i < out.d.size(); ++i) {
    double upper = i + 1 != out.d.size() ? cdf(out.d[i] + d_delta * 0.5) : 1.0;
    double lower = i != 0 ? cdf(out.d[i] - d_delta * 0.5) : 0.0;
    out.probability.push_back(upper - lower);
  }
  return out;
}

// The echelon inventory grid x and its extension below and above (for the asymptote).
struct SsmXGrid {
  std::vector<double> x, x_ext;
  double x_lo = 0, x_hi = 0;
};

SsmXGrid ssm_x_grid(double sum_mean, double sum_sd, const SsmGrid& grid) {
  double sum_lo = sum_mean + sum_sd * dist::normal_quantile(ssm_tail(grid.sum_lower_z));
  double sum_hi = sum_mean + sum_sd * dist::normal_quantile(1.0 - ssm_tail(grid.sum_upper_z));
  SsmXGrid out;
  out.x_lo = sum_lo - sum_hi;
  const double x_delta = (sum_hi - out.x_lo) / grid.x_num;
  out.x.resize(grid.x_num + 1);
  for (int i = 0; i <= grid.x_num; ++i) out.x[i] = i * x_delta + out.x_lo;
  out.x_hi = out.x.back();
  const long ext_num = static_cast<long>(std::ceil(sum_hi / x_delta));
  for (long k = -ext_num; k <= grid.x_num + ext_num; ++k) {
    out.x_ext.push_back(k * x_delta + out.x_lo);
  }
  return out;
}

// Lower asymptote of ĝ_j on x_ext (FoSCT Problem 6.13):
// −(p + Σh)(x − μ Σ_{l<j} L_l) + Σ_{i≤j} h_i (x − μ Σ_{i≤l<j} L_l).
std::vector<double> ssm_lower_asymptote(const std::vector<double>& x_ext,
                                        const std::vector<double>& L, const std::vector<double>& h,
                                        std::size_t j, double p, double sum_h, double mu) {
  double L_before_j = 0.0;
  for (std::size_t l = 1; l < j; ++l) L_before_j += L[l];
  std::vector<double> out(x_ext.size());
  for (std::size_t k = 0; k < x_ext.size(); ++k) {
    double value = -(p + sum_h) * (x_ext[k] - mu * L_before_j);
    for (std::size_t i = 1; i <= j; ++i) {
      double L_i_to_j = 0.0;
      for (std::size_t l = i; l < j; ++l) L_i_to_j += L[l];
      value += h[i] * (x_ext[k] - mu * L_i_to_j);
    }
    out[k] = value;
  }
  return out;
}

}  // namespace

SerialSsm serial_ssm(const std::vector<SerialStage>& stages, double stockout_cost,
                     double demand_mean, double demand_sd, const SsmGrid& grid) {
  const std::size_t N = stages.size();
  std::vector<double> L(N + 1, 0.0), h(N + 1, 0.0);
  double sum_L = 0.0, sum_h = 0.0;
  for (std::size_t j = 1; j <= N; ++j) {
    L[j] = stages[j - 1].lead_time;
    h[j] = stages[j - 1].echelon_holding_cost;
    sum_L += L[j];
    sum_h += h[j];
  }
  const double mu = demand_mean, p = stockout_cost;
  const SsmXGrid g = ssm_x_grid(mu * sum_L, demand_sd * std::sqrt(sum_L), grid);
  const std::vector<double>& x = g.x;

  std::vector<double> C_bar(x.size()), C_hat(x.size()), C(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) C_bar[i] = (p + sum_h) * std::max(-x[i], 0.0);
  SerialSsm result{std::vector<double>(N + 1, 0.0), 0.0};
  double previous_C_star = 0.0;
  for (std::size_t j = 1; j <= N; ++j) {
    for (std::size_t i = 0; i < x.size(); ++i) C_hat[i] = h[j] * x[i] + C_bar[i];
    std::vector<double> lim1 = ssm_lower_asymptote(g.x_ext, L, h, j, p, sum_h, mu);
    SsmDemandGrid demand = ssm_demand_grid(mu * L[j], demand_sd * std::sqrt(L[j]), grid);
    // g_j(y) = E ĝ_j(y − D_j), read at the nearest grid point.
    for (std::size_t i = 0; i < x.size(); ++i) {
      double expected = 0.0;
      for (std::size_t k = 0; k < demand.d.size(); ++k) {
        double y_minus_d = x[i] - demand.d[k];
        double cost = 0.0;
        if (y_minus_d < g.x_lo) {
          cost = lim1[ssm_nearest(g.x_ext, y_minus_d)];
        } else if (y_minus_d > g.x_hi) {  // not reached: d ≥ 0
          cost = h[j] * g.x_ext[ssm_nearest(g.x_ext, y_minus_d)] + (j > 1 ? previous_C_star : 0);
        } else {
          cost = C_hat[ssm_nearest(x, y_minus_d)];
        }
        expected += demand.probability[k] * cost;
      }
      C[i] = expected;
    }
    // S_j = first argmin; ḡ_j(x) = g_j(min(S_j, x)).
    std::size_t best = static_cast<std::size_t>(std::min_element(C.begin(), C.end()) - C.begin());
    result.S_echelon[j] = x[best];
    previous_C_star = C[best];
    for (std::size_t i = 0; i < x.size(); ++i) C_bar[i] = i <= best ? C[i] : C[best];
  }
  result.cost = previous_C_star;
  return result;
}

}  // namespace livechain::planning
