#include "forecast/optimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/assert.hpp"

namespace livechain::forecast::detail {

namespace {

struct Simplex {
  std::vector<std::vector<double>> points;
  std::vector<double> values;
  std::vector<size_t> order;  // indices sorted by value, best first
};

double evaluate(const std::function<double(std::span<const double>)>& objective,
                const std::vector<double>& x, int& evaluations) {
  ++evaluations;
  const double value = objective(x);
  return std::isfinite(value) ? value : std::numeric_limits<double>::infinity();
}

void sort_simplex(Simplex& simplex) {
  std::iota(simplex.order.begin(), simplex.order.end(), size_t{0});
  std::stable_sort(simplex.order.begin(), simplex.order.end(),
                   [&](size_t a, size_t b) { return simplex.values[a] < simplex.values[b]; });
}

// Point on the line from the centroid through the worst vertex: c + t·(c − worst).
std::vector<double> along(const std::vector<double>& centroid, const std::vector<double>& worst,
                          double t) {
  std::vector<double> point(centroid.size());
  for (size_t i = 0; i < centroid.size(); ++i) {
    point[i] = centroid[i] + t * (centroid[i] - worst[i]);
  }
  return point;
}

}  // namespace

NelderMeadResult nelder_mead(const std::function<double(std::span<const double>)>& objective,
                             std::span<const double> start, std::span<const double> steps,
                             int evaluations_max, double tolerance) {
  LC_ASSERT(!start.empty() && start.size() == steps.size());
  LC_ASSERT(evaluations_max >= 1);
  const size_t dim = start.size();
  int evaluations = 0;
  Simplex simplex;
  simplex.points.assign(dim + 1, std::vector<double>(start.begin(), start.end()));
  for (size_t i = 0; i < dim; ++i) simplex.points[i + 1][i] += steps[i];
  simplex.values.resize(dim + 1);
  simplex.order.resize(dim + 1);
  for (size_t i = 0; i <= dim; ++i) {
    simplex.values[i] = evaluate(objective, simplex.points[i], evaluations);
  }
  std::vector<double> centroid(dim);
  while (evaluations < evaluations_max) {
    sort_simplex(simplex);
    const size_t best = simplex.order.front(), worst = simplex.order.back();
    const size_t second_worst = simplex.order[dim - 1];
    const double spread = simplex.values[worst] - simplex.values[best];
    if (std::isfinite(spread) && spread <= tolerance * (std::fabs(simplex.values[best]) + 1e-10)) {
      break;
    }
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (size_t k = 0; k < dim; ++k) {
      for (size_t i = 0; i < dim; ++i) centroid[i] += simplex.points[simplex.order[k]][i] / dim;
    }
    const auto reflected = along(centroid, simplex.points[worst], 1.0);
    const double reflected_value = evaluate(objective, reflected, evaluations);
    if (reflected_value < simplex.values[best]) {
      const auto expanded = along(centroid, simplex.points[worst], 2.0);
      const double expanded_value = evaluate(objective, expanded, evaluations);
      const bool take_expanded = expanded_value < reflected_value;
      simplex.points[worst] = take_expanded ? expanded : reflected;
      simplex.values[worst] = take_expanded ? expanded_value : reflected_value;
      continue;
    }
    if (reflected_value < simplex.values[second_worst]) {
      simplex.points[worst] = reflected;
      simplex.values[worst] = reflected_value;
      continue;
    }
    const bool outside = reflected_value < simplex.values[worst];
    const auto contracted = along(centroid, simplex.points[worst], outside ? 0.5 : -0.5);
    const double contracted_value = evaluate(objective, contracted, evaluations);
    if (contracted_value < std::min(reflected_value, simplex.values[worst])) {
      simplex.points[worst] = contracted;
      simplex.values[worst] = contracted_value;
      continue;
    }
    for (size_t k = 1; k <= dim; ++k) {  // shrink towards the best vertex
      auto& point = simplex.points[simplex.order[k]];
      for (size_t i = 0; i < dim; ++i) {
        point[i] = simplex.points[best][i] + 0.5 * (point[i] - simplex.points[best][i]);
      }
      simplex.values[simplex.order[k]] = evaluate(objective, point, evaluations);
    }
  }
  sort_simplex(simplex);
  const size_t best = simplex.order.front();
  LC_ASSERT(simplex.points[best].size() == dim);
  return NelderMeadResult{simplex.points[best], simplex.values[best], evaluations};
}

}  // namespace livechain::forecast::detail
