// src/planning/formulas_rq.cpp — continuous-review (r,Q) policies (FoSCT ch. 5): the exact
// cost g(r,Q) (eq. 5.7), r(Q), the EOQ+SS, EOQB, EIL and loss-function approximations, the
// exact normal optimum and the exact Poisson algorithm of Federgruen–Zheng (1992).
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"

namespace livechain::planning {

namespace {

struct RqLtd {
  double mean;
  double sd;
};
RqLtd rq_ltd(const RqParams& params) {
  return RqLtd{params.demand_mean * params.lead_time,
               params.demand_sd * std::sqrt(params.lead_time)};
}

// G(y) = h E[(y − D_L)+] + p E[(D_L − y)+].
double rq_G(double y, const RqParams& params, const RqLtd& ltd) {
  dist::Loss loss = dist::normal_loss(y, ltd.mean, ltd.sd);
  return params.holding_cost * loss.n_bar + params.stockout_cost * loss.n;
}

// ∫_a^b G(y) dy: n̄(y) = y − μ + n(y) and d n2/dy = −n(y).
double rq_G_integral(double a, double b, const RqParams& params, const RqLtd& ltd) {
  double n2_diff =
      dist::normal_second_loss(a, ltd.mean, ltd.sd) - dist::normal_second_loss(b, ltd.mean, ltd.sd);
  double linear = 0.5 * ((b - ltd.mean) * (b - ltd.mean) - (a - ltd.mean) * (a - ltd.mean));
  return params.holding_cost * linear + (params.holding_cost + params.stockout_cost) * n2_diff;
}

double rq_root(auto f, double lo, double hi) {
  std::uintmax_t iterations = 300;
  auto bracket = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (bracket.first + bracket.second);
}

}  // namespace

double rq_cost(double r, double Q, const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  return (params.fixed_cost * params.demand_mean + rq_G_integral(r, r + Q, params, ltd)) / Q;
}

double rq_optimal_r_for_q(double Q, const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  // G is convex with minimiser S* (the newsvendor level); G(r) − G(r+Q) is decreasing in r
  // and changes sign in [S* − Q, S*].
  double S_star = ltd.mean + dist::normal_quantile(params.stockout_cost /
                                                   (params.stockout_cost + params.holding_cost)) *
                                 ltd.sd;
  auto f = [&](double r) { return rq_G(r, params, ltd) - rq_G(r + Q, params, ltd); };
  double lo = S_star - Q;
  double hi = S_star;
  if (f(lo) <= 0) return lo;
  if (f(hi) >= 0) return hi;
  return rq_root(f, lo, hi);
}

RqPolicy rq_eoq_plus_ss(const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  double Q = eoq(params.fixed_cost, params.holding_cost, params.demand_mean).Q_star;
  double alpha = params.stockout_cost / (params.stockout_cost + params.holding_cost);
  double r = ltd.mean + dist::normal_quantile(alpha) * ltd.sd;
  double cost = rq_cost(r, Q, params);
  return RqPolicy{r, Q, cost, cost};
}

RqPolicy rq_eoqb_approx(const RqParams& params) {
  double Q = eoq_backorders(params.fixed_cost, params.holding_cost, params.stockout_cost,
                            params.demand_mean)
                 .Q_star;
  double r = rq_optimal_r_for_q(Q, params);
  double cost = rq_cost(r, Q, params);
  return RqPolicy{r, Q, cost, cost};
}

Result<RqPolicy> rq_eil_approx(const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  const double h = params.holding_cost, p = params.stockout_cost, K = params.fixed_cost;
  const double lam = params.demand_mean;
  double Q = eoq(K, h, lam).Q_star;
  double r = 0.0;
  double Q_prev = INFINITY, r_prev = INFINITY;
  int iterations = 0;
  while (std::fabs(Q - Q_prev) > 1e-6 || std::fabs(r - r_prev) > 1e-6) {
    if (++iterations > kRqIterationsMax) {
      return fail(ErrorCode::invalid_argument, "inputs",
                  "the EIL iteration did not converge in 10000 steps");
    }
    Q_prev = Q;
    r_prev = r;
    double probability = 1.0 - Q * h / (p * lam);
    if (!(probability > 0.0)) {
      return fail(ErrorCode::invalid_argument, "inputs",
                  "the EIL iteration has no reorder point: Q*h/(p*lambda) >= 1");
    }
    r = ltd.mean + dist::normal_quantile(probability) * ltd.sd;
    Q = std::sqrt(2.0 * lam * (K + p * dist::normal_loss(r, ltd.mean, ltd.sd).n) / h);
  }
  double n = dist::normal_loss(r, ltd.mean, ltd.sd).n;
  double approx = h * (r - ltd.mean + Q / 2.0) + K * lam / Q + p * lam * n / Q;
  return RqPolicy{r, Q, rq_cost(r, Q, params), approx};
}

Result<RqPolicy> rq_loss_function_approx(const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  const double h = params.holding_cost, p = params.stockout_cost, K = params.fixed_cost;
  const double lam = params.demand_mean;
  double Q = eoq(K, h, lam).Q_star;
  double r = 0.0;
  double Q_prev = INFINITY, r_prev = INFINITY;
  int iterations = 0;
  while (std::fabs(Q - Q_prev) > 1e-6 || std::fabs(r - r_prev) > 1e-6) {
    if (++iterations > kRqIterationsMax) {
      return fail(ErrorCode::invalid_argument, "inputs",
                  "the loss-function iteration did not converge in 10000 steps");
    }
    Q_prev = Q;
    r_prev = r;
    // n(r) = hQ/(h+p)  (FoSCT eq. 5.28)
    r = ltd.mean + dist::standard_normal_loss_inverse(h * Q / ((h + p) * ltd.sd)) * ltd.sd;
    // Q = sqrt(2(Kλ + (h+p) n2(r))/h)  (FoSCT eq. 5.29)
    Q = std::sqrt(2.0 * (K * lam + (h + p) * dist::normal_second_loss(r, ltd.mean, ltd.sd)) / h);
  }
  double cost = rq_cost(r, Q, params);
  return RqPolicy{r, Q, cost, cost};
}

RqPolicy rq_normal_exact(const RqParams& params) {
  RqLtd ltd = rq_ltd(params);
  // With r = r(Q), dg/dQ = (G(r+Q) − g(r,Q))/Q: the optimum solves G(r(Q)+Q) = g(r(Q),Q).
  // The difference is negative for small Q (g ≥ Kλ/Q) and positive past the optimum.
  auto f = [&](double Q) {
    double r = rq_optimal_r_for_q(Q, params);
    return rq_G(r + Q, params, ltd) - rq_cost(r, Q, params);
  };
  double Q_eoq = eoq(params.fixed_cost, params.holding_cost, params.demand_mean).Q_star;
  double lo = Q_eoq / 2.0;
  while (f(lo) > 0 && lo > 1e-12) lo /= 2.0;
  double hi = Q_eoq * 2.0;
  while (f(hi) < 0 && hi < 1e15) hi *= 2.0;
  double Q = rq_root(f, lo, hi);
  double r = rq_optimal_r_for_q(Q, params);
  double cost = rq_cost(r, Q, params);
  return RqPolicy{r, Q, cost, cost};
}

double rq_poisson_cost(std::int64_t r, std::int64_t Q, double holding_cost, double stockout_cost,
                       double fixed_cost, double demand_mean, double lead_time) {
  double ltd_mean = demand_mean * lead_time;
  double total = fixed_cost * demand_mean;
  for (std::int64_t y = r + 1; y <= r + Q; ++y) {
    total += newsvendor_poisson_cost(y, holding_cost, stockout_cost, ltd_mean);
  }
  return total / static_cast<double>(Q);
}

RqPoisson rq_poisson_exact(double holding_cost, double stockout_cost, double fixed_cost,
                           double demand_mean, double lead_time) {
  double ltd_mean = demand_mean * lead_time;
  auto G = [&](std::int64_t y) {
    return newsvendor_poisson_cost(y, holding_cost, stockout_cost, ltd_mean);
  };
  std::int64_t S = dist::poisson_quantile(stockout_cost / (stockout_cost + holding_cost), ltd_mean);
  // Federgruen–Zheng: grow Q one unit at a time; the set {r+1, …, r+Q} gains whichever of r
  // and r+Q+1 has the smaller G; stop when the cost rises. The running sum makes each step
  // O(1); a tie keeps r (stockpyl: r decreases only when G(r) < G(r+Q+1)).
  std::int64_t Q = 1;
  std::int64_t r = S - 1;
  double sum_G = G(S);
  double g = (fixed_cost * demand_mean + sum_G) / 1.0;
  for (;;) {
    double g_r = G(r);
    double g_rQ1 = G(r + Q + 1);
    std::int64_t r_next = r;
    double sum_next = sum_G;
    if (g_r < g_rQ1) {
      r_next = r - 1;
      sum_next += g_r;
    } else {
      sum_next += g_rQ1;
    }
    double g_next = (fixed_cost * demand_mean + sum_next) / static_cast<double>(Q + 1);
    if (g_next > g) break;
    r = r_next;
    sum_G = sum_next;
    g = g_next;
    ++Q;
  }
  return RqPoisson{
      r, Q, rq_poisson_cost(r, Q, holding_cost, stockout_cost, fixed_cost, demand_mean, lead_time)};
}

}  // namespace livechain::planning
