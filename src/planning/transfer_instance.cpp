// Seeded transfer instances: the `bench plan-transfers` workload and the tests' random
// instances (transfers.hpp: generate_transfer_instance).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/assert.hpp"
#include "planning/transfers.hpp"

namespace livechain::planning {

namespace {

struct InstancePoint {
  double x_km = 0;
  double y_km = 0;
};

double instance_distance_km(const InstancePoint& a, const InstancePoint& b) {
  return std::hypot(a.x_km - b.x_km, a.y_km - b.y_km);
}

// Rounded to cents / hundredths so files written from an instance read back equal.
double instance_round(double value) {
  return std::round(value * 100.0) / 100.0;
}

}  // namespace

TransferProblem generate_transfer_instance(const TransferInstanceShape& shape) {
  LC_ASSERT(shape.dcs + shape.stores <= kTransferSitesMax);
  std::mt19937_64 rng(shape.seed);
  std::uniform_real_distribution<double> coordinate_km(0.0, 1000.0);
  std::uniform_int_distribution<int64_t> dc_stock(5'000, 15'000);
  std::uniform_int_distribution<int64_t> store_target(100, 300);
  std::uniform_real_distribution<double> store_fill(0.2, 1.8);
  TransferProblem problem;
  std::vector<InstancePoint> points;
  for (size_t i = 0; i < shape.dcs; ++i) {
    problem.sites.push_back(TransferSite{fmt::format("DC{:02}", i), "dc", dc_stock(rng), 2'000});
    points.push_back(InstancePoint{coordinate_km(rng), coordinate_km(rng)});
  }
  for (size_t i = 0; i < shape.stores; ++i) {
    int64_t target = store_target(rng);
    auto stock = static_cast<int64_t>(std::llround(static_cast<double>(target) * store_fill(rng)));
    problem.sites.push_back(TransferSite{fmt::format("S{:04}", i), "store", stock, target});
    points.push_back(InstancePoint{coordinate_km(rng), coordinate_km(rng)});
  }
  // DC → store by truck: cheaper and cleaner per unit-km, a loading delay.
  for (size_t dc = 0; dc < shape.dcs; ++dc) {
    for (size_t s = shape.dcs; s < shape.dcs + shape.stores; ++s) {
      double km = instance_distance_km(points[dc], points[s]);
      problem.lanes.push_back(TransferLane{dc, s, instance_round(0.5 + 0.004 * km),
                                           instance_round(4.0 + km / 60.0),
                                           instance_round(0.02 + 0.0003 * km) + 0.01, 400});
    }
  }
  // Store → its nearest stores by van: dearer and dirtier per unit-km, no loading delay.
  std::vector<std::pair<double, size_t>> by_distance;
  for (size_t s = shape.dcs; s < shape.dcs + shape.stores; ++s) {
    by_distance.clear();
    for (size_t t = shape.dcs; t < shape.dcs + shape.stores; ++t) {
      if (t != s) by_distance.emplace_back(instance_distance_km(points[s], points[t]), t);
    }
    size_t k = std::min(shape.store_neighbours, by_distance.size());
    std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(k),
                      by_distance.end());
    for (size_t j = 0; j < k; ++j) {
      double km = by_distance[j].first;
      problem.lanes.push_back(
          TransferLane{s, by_distance[j].second, instance_round(1.2 + 0.006 * km),
                       instance_round(1.0 + km / 40.0), instance_round(0.0008 * km) + 0.01, 100});
    }
  }
  problem.weights = TransferWeights{1.0, 0.05, 2.0};
  problem.unmet_penalty = 50.0;
  return problem;
}

}  // namespace livechain::planning
