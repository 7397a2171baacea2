// Seeded production instances: the `bench plan-production` workload and the tests'
// random instances (production.hpp: generate_production_instance).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/assert.hpp"
#include "planning/production.hpp"

namespace livechain::planning {

namespace {

// Rounded to cents so files written from an instance read back equal.
double production_round(double value) {
  return std::round(value * 100.0) / 100.0;
}

}  // namespace

ProductionProblem generate_production_instance(const ProductionInstanceShape& shape) {
  LC_ASSERT(shape.factories >= 1 && shape.products >= 1 && shape.horizon_days >= 1);
  std::mt19937_64 rng(shape.seed);
  std::uniform_int_distribution<int64_t> capacity(50, 400);
  std::uniform_real_distribution<double> score(0.6, 1.0);
  std::uniform_real_distribution<double> rating(0.7, 1.0);
  std::uniform_real_distribution<double> cost(5.0, 20.0);
  std::uniform_real_distribution<double> setup(0.0, 200.0);
  ProductionProblem problem;
  problem.horizon_days = shape.horizon_days;
  for (size_t f = 0; f < shape.factories; ++f) {
    ProductionFactory factory;
    factory.id = fmt::format("F{}", f);
    factory.capacity_units_per_day = capacity(rng);
    factory.capacity_score = production_round(score(rng));
    factory.fulfilment_rating = production_round(rating(rng));
    factory.unit_cost = production_round(cost(rng));
    factory.setup_cost = production_round(setup(rng));
    size_t makes = std::min<size_t>(shape.products, 2 + rng() % 4);
    std::vector<std::string> products;
    while (products.size() < makes) {
      std::string product = fmt::format("P{}", rng() % shape.products);
      if (std::find(products.begin(), products.end(), product) == products.end()) {
        products.push_back(product);
      }
    }
    factory.products = std::move(products);
    problem.factories.push_back(std::move(factory));
  }
  // Demand ≈ 90 % of capacity: Σ qty ≈ 0.9 · Σ effective capacity · horizon.
  double capacity_total = 0;
  for (const ProductionFactory& f : problem.factories) {
    capacity_total += static_cast<double>(f.effective_units_per_day());
  }
  double mean_qty = 0.9 * capacity_total * static_cast<double>(shape.horizon_days) /
                    static_cast<double>(std::max<size_t>(1, shape.orders));
  std::uniform_int_distribution<int64_t> qty(1, std::max<int64_t>(1, std::llround(2 * mean_qty)));
  std::uniform_int_distribution<int64_t> due(0, shape.horizon_days - 1);
  for (size_t o = 0; o < shape.orders; ++o) {
    ProductionOrder order;
    order.id = fmt::format("O{}", o);
    order.product = fmt::format("P{}", rng() % shape.products);
    order.qty_units = std::min(qty(rng), kProductionQtyMax);
    order.due_day = due(rng);
    order.kind = rng() % 10 == 0 ? OrderKind::emergency : OrderKind::normal;
    problem.orders.push_back(std::move(order));
  }
  problem.unmet_penalty = 100;
  problem.emergency_unmet_penalty = 1000;
  problem.holding_cost_per_unit_day = 0.05;
  return problem;
}

}  // namespace livechain::planning
