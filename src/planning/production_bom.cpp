// Modular products: a configured order becomes one production order per module
// (production.hpp: expand_production_orders; docs/planning.md "Flexible production").
#include <fmt/format.h>

#include <unordered_map>

#include "core/assert.hpp"
#include "planning/production.hpp"

namespace livechain::planning {

Result<ExpandedProduction> expand_production_orders(const ProductionProblem& problem) {
  LC_CHECK(validate_production_problem(problem));
  std::unordered_map<std::string_view, const ProductBom*> boms;
  for (const ProductBom& bom : problem.boms) boms.emplace(bom.product, &bom);
  ExpandedProduction out;
  out.problem = problem;
  out.problem.orders.clear();
  for (size_t i = 0; i < problem.orders.size(); ++i) {
    const ProductionOrder& order = problem.orders[i];
    const std::vector<ModuleLine>* modules = &order.modules;
    if (modules->empty()) {
      auto bom = boms.find(order.product);
      if (bom == boms.end()) {
        out.problem.orders.push_back(order);
        continue;
      }
      modules = &bom->second->modules;
    }
    OrderExpansion expansion{order.id, order.product, order.qty_units, {}};
    for (const ModuleLine& line : *modules) {
      int64_t qty = order.qty_units * line.qty_per_unit;  // ≤ 10^6 · 10^3: no overflow
      if (qty > kProductionQtyMax) {
        return fail(ErrorCode::limit_exceeded, fmt::format("orders[{}].qty", i),
                    fmt::format("{} × {} of module '{}' = {} units: at most {}", order.qty_units,
                                line.qty_per_unit, line.module, qty, kProductionQtyMax));
      }
      expansion.into.push_back(out.problem.orders.size());
      out.problem.orders.push_back(ProductionOrder{
          order.id + "/" + line.module, line.module, qty, order.due_day, order.kind, {}});
      if (out.problem.orders.size() > kProductionOrdersMax) {
        return fail(
            ErrorCode::limit_exceeded, "orders",
            fmt::format("more than {} orders after module expansion", kProductionOrdersMax));
      }
    }
    LC_ASSERT(!expansion.into.empty());
    out.expansions.push_back(std::move(expansion));
  }
  LC_CHECK(validate_production_problem(out.problem));
  return out;
}

}  // namespace livechain::planning
