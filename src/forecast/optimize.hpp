// src/forecast/optimize.hpp — internal: derivative-free minimisation for model fitting.
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace livechain::forecast::detail {

struct NelderMeadResult {
  std::vector<double> x;
  double value = 0;
  int evaluations = 0;
};

// Minimises `objective` from `start` with the Nelder–Mead simplex (reflection 1,
// expansion 2, contraction ½, shrink ½). The first simplex adds `steps[i]` to
// coordinate i. Stops after `evaluations_max` calls or when the spread of the simplex
// values falls below `tolerance`·(|best| + 1e-10). A non-finite objective value is
// treated as +∞. REQUIRES: start.size() == steps.size() ≥ 1, evaluations_max ≥ 1.
NelderMeadResult nelder_mead(const std::function<double(std::span<const double>)>& objective,
                             std::span<const double> start, std::span<const double> steps,
                             int evaluations_max, double tolerance);

}  // namespace livechain::forecast::detail
