// src/planning/formulas_dist.hpp — distributions and loss functions for the formulas
// (internal to src/planning/formulas_*.cpp and their tests).
//
// FoSCT appendix C: standard normal loss L(z) = φ(z) − z(1 − Φ(z)), complement
// L̄(z) = z + L(z), second-order loss L2(z) = ½[(z²+1)(1−Φ(z)) − zφ(z)]; for N(μ,σ²)
// n(x) = σL(z), n̄(x) = σL̄(z), n2(x) = σ²L2(z) with z = (x−μ)/σ. Poisson (C.41–C.42):
// n(x) = (μ − x)(1 − F(x)) + μf(x), n̄(x) = (x − μ)F(x) + μf(x). Boost.Math underneath.
#pragma once

#include <cstdint>

namespace livechain::planning::dist {

double normal_pdf(double z);
double normal_cdf(double z);
double normal_ccdf(double z);      // 1 − Φ(z), accurate in the upper tail
double normal_quantile(double p);  // Φ⁻¹(p), REQUIRES 0 < p < 1

struct Loss {
  double n;      // E[(D − x)+]
  double n_bar;  // E[(x − D)+]
};
double standard_normal_loss(double z);
double standard_normal_second_loss(double z);
Loss normal_loss(double x, double mean, double sd);
double normal_second_loss(double x, double mean, double sd);
// z with L(z) = target, REQUIRES target > 0.
double standard_normal_loss_inverse(double target);

double poisson_pmf(std::int64_t k, double mean);
double poisson_cdf(std::int64_t k, double mean);
Loss poisson_loss(std::int64_t x, double mean);
// Smallest integer S ≥ 0 with F(S) ≥ p (scipy's poisson.ppf convention).
std::int64_t poisson_quantile(double p, double mean);

}  // namespace livechain::planning::dist
