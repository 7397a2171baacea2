// The rules and limits of a production problem (production.hpp, docs/limits.md
// "Planning"). Every error names its field.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "core/identifier.hpp"
#include "planning/production.hpp"

namespace livechain::planning {

int64_t ProductionFactory::effective_units_per_day() const {
  return static_cast<int64_t>(
      std::floor(static_cast<double>(capacity_units_per_day) * capacity_score + 1e-9));
}

bool ProductionFactory::makes(std::string_view product) const {
  return !products || std::find(products->begin(), products->end(), product) != products->end();
}

double ProductionProblem::emergency_penalty() const {
  if (emergency_unmet_penalty) return *emergency_unmet_penalty;
  return std::min(10.0 * unmet_penalty, kProductionCostMax);
}

namespace {

Result<void> production_check_amount(const std::string& field, double value) {
  if (!std::isfinite(value)) return fail(ErrorCode::invalid_argument, field, "must be finite");
  if (value < 0) return fail(ErrorCode::invalid_argument, field, "must be ≥ 0");
  if (value > kProductionCostMax) {
    return fail(ErrorCode::limit_exceeded, field, fmt::format("at most {}", kProductionCostMax));
  }
  return {};
}

Result<void> production_check_units(const std::string& field, int64_t value, int64_t min,
                                    int64_t max) {
  if (value < min)
    return fail(ErrorCode::invalid_argument, field, fmt::format("must be ≥ {}", min));
  if (value > max) return fail(ErrorCode::limit_exceeded, field, fmt::format("at most {}", max));
  return {};
}

Result<void> production_check_fraction(const std::string& field, double value, double min) {
  if (!std::isfinite(value) || value < min || value > 1.0) {
    return fail(ErrorCode::invalid_argument, field, fmt::format("must be in [{}, 1]", min));
  }
  return {};
}

Result<void> validate_production_factory(const ProductionFactory& factory, const std::string& at) {
  LC_CHECK(validate_identifier(at + ".id", factory.id));
  LC_CHECK(production_check_units(at + ".capacity_units_per_day", factory.capacity_units_per_day, 0,
                                  kProductionQtyMax));
  LC_CHECK(production_check_fraction(at + ".capacity_score", factory.capacity_score, 0.0));
  LC_CHECK(production_check_fraction(at + ".fulfilment_rating", factory.fulfilment_rating,
                                     kProductionRatingMin));
  LC_CHECK(production_check_amount(at + ".unit_cost", factory.unit_cost));
  LC_CHECK(production_check_amount(at + ".setup_cost", factory.setup_cost));
  if (!factory.products) return {};
  if (factory.products->size() > kProductionProductsPerFactoryMax) {
    return fail(ErrorCode::limit_exceeded, at + ".products",
                fmt::format("{} products: at most {}", factory.products->size(),
                            kProductionProductsPerFactoryMax));
  }
  for (size_t j = 0; j < factory.products->size(); ++j) {
    LC_CHECK(validate_identifier(fmt::format("{}.products[{}]", at, j), (*factory.products)[j]));
  }
  return {};
}

Result<void> validate_module_lines(const std::vector<ModuleLine>& lines, const std::string& at) {
  if (lines.size() > kProductionModulesPerBomMax) {
    return fail(ErrorCode::limit_exceeded, at,
                fmt::format("{} modules: at most {}", lines.size(), kProductionModulesPerBomMax));
  }
  std::unordered_set<std::string_view> seen;
  for (size_t j = 0; j < lines.size(); ++j) {
    std::string line_at = fmt::format("{}[{}]", at, j);
    LC_CHECK(validate_identifier(line_at + ".module", lines[j].module));
    if (!seen.insert(lines[j].module).second) {
      return fail(ErrorCode::invalid_argument, line_at + ".module",
                  fmt::format("duplicate module '{}'", lines[j].module));
    }
    LC_CHECK(production_check_units(line_at + ".qty_per_unit", lines[j].qty_per_unit, 1,
                                    kProductionQtyPerUnitMax));
  }
  return {};
}

Result<void> validate_production_order(const ProductionProblem& problem, size_t i) {
  const ProductionOrder& order = problem.orders[i];
  std::string at = fmt::format("orders[{}]", i);
  // Module orders made by expand_production_orders carry "<order>/<module>" ids.
  std::string_view id = order.id;
  size_t slash = id.find('/');
  if (slash != std::string_view::npos) {
    LC_CHECK(validate_identifier(at + ".id", id.substr(0, slash)));
    LC_CHECK(validate_identifier(at + ".id", id.substr(slash + 1)));
  } else {
    LC_CHECK(validate_identifier(at + ".id", id));
  }
  LC_CHECK(validate_identifier(at + ".product", order.product));
  LC_CHECK(production_check_units(at + ".qty", order.qty_units, 1, kProductionQtyMax));
  if (order.due_day < 0 || order.due_day >= problem.horizon_days) {
    return fail(ErrorCode::invalid_argument, at + ".due_day",
                fmt::format("must be in 0 … {} (horizon_days − 1)", problem.horizon_days - 1));
  }
  if (order.kind != OrderKind::normal && order.kind != OrderKind::emergency) {
    return fail(ErrorCode::invalid_argument, at + ".kind", "must be normal or emergency");
  }
  return validate_module_lines(order.modules, at + ".modules");
}

Result<void> validate_production_scalars(const ProductionProblem& problem) {
  LC_CHECK(
      production_check_units("horizon_days", problem.horizon_days, 1, kProductionHorizonDaysMax));
  LC_CHECK(production_check_amount("unmet_penalty", problem.unmet_penalty));
  if (problem.unmet_penalty <= 0) {
    return fail(ErrorCode::invalid_argument, "unmet_penalty", "must be > 0");
  }
  if (problem.emergency_unmet_penalty) {
    LC_CHECK(production_check_amount("emergency_unmet_penalty", *problem.emergency_unmet_penalty));
    if (*problem.emergency_unmet_penalty < problem.unmet_penalty) {
      return fail(ErrorCode::invalid_argument, "emergency_unmet_penalty",
                  "must be ≥ unmet_penalty (emergency orders come first)");
    }
  }
  return production_check_amount("holding_cost_per_unit_day", problem.holding_cost_per_unit_day);
}

}  // namespace

Result<void> validate_production_problem(const ProductionProblem& problem) {
  LC_CHECK(validate_production_scalars(problem));
  if (problem.factories.size() > kProductionFactoriesMax) {
    return fail(
        ErrorCode::limit_exceeded, "factories",
        fmt::format("{} factories: at most {}", problem.factories.size(), kProductionFactoriesMax));
  }
  if (problem.orders.size() > kProductionOrdersMax) {
    return fail(ErrorCode::limit_exceeded, "orders",
                fmt::format("{} orders: at most {}", problem.orders.size(), kProductionOrdersMax));
  }
  if (problem.boms.size() > kProductionBomsMax) {
    return fail(ErrorCode::limit_exceeded, "boms",
                fmt::format("{} boms: at most {}", problem.boms.size(), kProductionBomsMax));
  }
  std::unordered_map<std::string_view, size_t> ids;
  for (size_t i = 0; i < problem.factories.size(); ++i) {
    std::string at = fmt::format("factories[{}]", i);
    LC_CHECK(validate_production_factory(problem.factories[i], at));
    if (auto [it, fresh] = ids.emplace(problem.factories[i].id, i); !fresh) {
      return fail(ErrorCode::invalid_argument, at + ".id",
                  fmt::format("duplicate factory id '{}' (also factories[{}])",
                              problem.factories[i].id, it->second));
    }
  }
  ids.clear();
  for (size_t i = 0; i < problem.orders.size(); ++i) {
    LC_CHECK(validate_production_order(problem, i));
    if (auto [it, fresh] = ids.emplace(problem.orders[i].id, i); !fresh) {
      return fail(ErrorCode::invalid_argument, fmt::format("orders[{}].id", i),
                  fmt::format("duplicate order id '{}' (also orders[{}])", problem.orders[i].id,
                              it->second));
    }
  }
  ids.clear();
  for (size_t i = 0; i < problem.boms.size(); ++i) {
    const ProductBom& bom = problem.boms[i];
    std::string at = "boms." + bom.product;
    LC_CHECK(validate_identifier(at, bom.product));
    if (!ids.emplace(bom.product, i).second) {
      return fail(ErrorCode::invalid_argument, at, "duplicate bom");
    }
    if (bom.modules.empty()) return fail(ErrorCode::invalid_argument, at, "must not be empty");
    LC_CHECK(validate_module_lines(bom.modules, at));
  }
  return {};
}

}  // namespace livechain::planning
