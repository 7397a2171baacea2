// src/planning/formulas_ss.cpp — periodic-review (s,S) with Poisson demand: the renewal
// cost g(s,S) = (K + Σ_{d=0}^{S−s−1} m(d) G(S−d)) / M(S−s) (FoSCT ch. 4) and the
// exact algorithm of Zheng & Federgruen (1991), as stockpyl's ss.py walks it. With a lead
// time L the one-period cost G uses the (L+1)-period demand; the renewal functions m, M
// use one period's demand.
#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "planning/formulas.hpp"
#include "planning/formulas_dist.hpp"

namespace livechain::planning {

namespace {

class SsEvaluator {
 public:
  SsEvaluator(double h, double p, double K, double mean, std::int64_t lead_time)
      : h_(h), p_(p), K_(K), mean_(mean), lead_time_(lead_time) {}

  // One-period cost, memoised (the search evaluates each y many times).
  double G(std::int64_t y) {
    auto [it, inserted] = G_cache_.try_emplace(y, 0.0);
    if (inserted) {
      it->second = newsvendor_poisson_cost(y, h_, p_, mean_, static_cast<double>(lead_time_));
    }
    return it->second;
  }

  double cost(std::int64_t s, std::int64_t S) {
    std::int64_t width = S - s;
    extend(width);
    double total = K_;
    for (std::int64_t d = 0; d < width; ++d) total += m_[d] * G(S - d);
    return total / M_[width];
  }

 private:
  // m(0) = 1/(1 − f(0)), m(j) = m(0) Σ_{l=1}^{j} f(l) m(j−l); M(j) = Σ_{i<j} m(i).
  void extend(std::int64_t width) {
    if (M_.empty()) M_.push_back(0.0);
    while (static_cast<std::int64_t>(pmf_.size()) < width + 1) {
      double f = dist::poisson_pmf(static_cast<std::int64_t>(pmf_.size()), mean_);
      if (static_cast<double>(pmf_.size()) > mean_ && f < 1e-40) {
        support_ = std::min(support_, pmf_.size() - 1);
      }
      pmf_.push_back(f);
    }
    while (static_cast<std::int64_t>(m_.size()) < width) {
      std::size_t j = m_.size();
      double value = 0.0;
      if (j == 0) {
        value = 1.0 / (1.0 - pmf_[0]);
      } else {
        // Terms past the pmf's support (f(l) < 1e-40 above the mean) are dropped.
        std::size_t top = std::min(j, support_);
        for (std::size_t l = 1; l <= top; ++l) value += pmf_[l] * m_[j - l];
        value *= m_[0];
      }
      m_.push_back(value);
      M_.push_back(M_.back() + value);
    }
  }

  double h_, p_, K_, mean_;
  std::int64_t lead_time_;
  std::vector<double> pmf_, m_, M_;
  std::unordered_map<std::int64_t, double> G_cache_;
  std::size_t support_ = static_cast<std::size_t>(-1);  // last index with f(l) ≥ 1e-40
};

}  // namespace

double ss_poisson_cost(std::int64_t s, std::int64_t S, double holding_cost, double stockout_cost,
                       double fixed_cost, double demand_mean, std::int64_t lead_time) {
  SsEvaluator evaluator(holding_cost, stockout_cost, fixed_cost, demand_mean, lead_time);
  return evaluator.cost(s, S);
}

SsPolicy ss_poisson_exact(double holding_cost, double stockout_cost, double fixed_cost,
                          double demand_mean, std::int64_t lead_time) {
  SsEvaluator ev(holding_cost, stockout_cost, fixed_cost, demand_mean, lead_time);
  std::int64_t y_star =
      newsvendor_poisson(holding_cost, stockout_cost, demand_mean, static_cast<double>(lead_time))
          .S_star;
  // s(S0): lower s from y* until g(s, S0) ≤ G(s).
  std::int64_t S0 = y_star;
  std::int64_t s = y_star;
  for (;;) {
    --s;
    if (ev.cost(s, S0) <= ev.G(s)) break;
  }
  std::int64_t S_hat = S0, s_hat = s;
  double g_hat = ev.cost(s_hat, S_hat);
  // Raise S while G(S) ≤ g*; on an improvement raise s while g(s, S) ≤ G(s+1).
  for (std::int64_t S = S_hat + 1; ev.G(S) <= g_hat; ++S) {
    if (ev.cost(s_hat, S) < g_hat) {
      S_hat = S;
      while (ev.cost(s, S_hat) <= ev.G(s + 1)) ++s;
      s_hat = s;
      g_hat = ev.cost(s_hat, S_hat);
    }
  }
  return SsPolicy{s_hat, S_hat, g_hat};
}

}  // namespace livechain::planning
