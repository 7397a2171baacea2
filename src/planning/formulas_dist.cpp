// src/planning/formulas_dist.cpp — see formulas_dist.hpp.
#include "planning/formulas_dist.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/tools/roots.hpp>
#include <cmath>
#include <cstdint>

namespace livechain::planning::dist {

namespace {
const boost::math::normal_distribution<double> kStandardNormal(0.0, 1.0);
}  // namespace

double normal_pdf(double z) {
  return boost::math::pdf(kStandardNormal, z);
}
double normal_cdf(double z) {
  return boost::math::cdf(kStandardNormal, z);
}
double normal_ccdf(double z) {
  return boost::math::cdf(boost::math::complement(kStandardNormal, z));
}
double normal_quantile(double p) {
  return boost::math::quantile(kStandardNormal, p);
}

double standard_normal_loss(double z) {
  return normal_pdf(z) - z * normal_ccdf(z);
}

double standard_normal_second_loss(double z) {
  return 0.5 * ((z * z + 1.0) * normal_ccdf(z) - z * normal_pdf(z));
}

Loss normal_loss(double x, double mean, double sd) {
  double z = (x - mean) / sd;
  double loss = standard_normal_loss(z);
  return Loss{sd * loss, sd * (z + loss)};
}

double normal_second_loss(double x, double mean, double sd) {
  return sd * sd * standard_normal_second_loss((x - mean) / sd);
}

double standard_normal_loss_inverse(double target) {
  // L is strictly decreasing from +inf to 0; L(z) ≈ −z for z ≪ 0.
  double lo = -1.0;
  while (standard_normal_loss(lo) < target) lo *= 2.0;
  double hi = 1.0;
  while (standard_normal_loss(hi) > target && hi < 40.0) hi *= 2.0;
  auto f = [target](double z) { return standard_normal_loss(z) - target; };
  std::uintmax_t iterations = 200;
  auto bracket = boost::math::tools::toms748_solve(
      f, lo, hi, boost::math::tools::eps_tolerance<double>(52), iterations);
  return 0.5 * (bracket.first + bracket.second);
}

double poisson_pmf(std::int64_t k, double mean) {
  if (k < 0) return 0.0;
  return boost::math::pdf(boost::math::poisson_distribution<double>(mean), static_cast<double>(k));
}

double poisson_cdf(std::int64_t k, double mean) {
  if (k < 0) return 0.0;
  return boost::math::cdf(boost::math::poisson_distribution<double>(mean), static_cast<double>(k));
}

Loss poisson_loss(std::int64_t x, double mean) {
  if (x < 0) return Loss{mean - static_cast<double>(x), 0.0};
  boost::math::poisson_distribution<double> poisson(mean);
  double k = static_cast<double>(x);
  double f = boost::math::pdf(poisson, k);
  double F = boost::math::cdf(poisson, k);
  double upper = boost::math::cdf(boost::math::complement(poisson, k));
  return Loss{(mean - k) * upper + mean * f, (k - mean) * F + mean * f};
}

std::int64_t poisson_quantile(double p, double mean) {
  boost::math::poisson_distribution<double> poisson(mean);
  // Start a little below the answer (normal approximation), then step to it exactly.
  double guess = std::floor(mean + normal_quantile(p) * std::sqrt(mean)) - 10.0;
  std::int64_t k = guess > 0 ? static_cast<std::int64_t>(guess) : 0;
  while (k > 0 && boost::math::cdf(poisson, static_cast<double>(k)) >= p) k -= 10;
  if (k < 0) k = 0;
  while (boost::math::cdf(poisson, static_cast<double>(k)) < p) ++k;
  return k;
}

}  // namespace livechain::planning::dist
