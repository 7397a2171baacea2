// The production problem and plan as JSON (the `plan production` file format,
// docs/planning.md "Flexible production"). Every error names its field.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "planning/production.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

std::string production_field(const std::string& at, std::string_view key) {
  return at.empty() ? std::string(key) : at + "." + std::string(key);
}

Result<const json::object*> production_object(const json::value& value, const std::string& field) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, field, "must be an object");
  return &value.get_object();
}

Result<const json::array*> production_array(const json::value& value, const std::string& field,
                                            size_t size_max) {
  if (!value.is_array()) return fail(ErrorCode::invalid_argument, field, "must be an array");
  if (value.get_array().size() > size_max) {
    return fail(ErrorCode::limit_exceeded, field,
                fmt::format("{} entries: at most {}", value.get_array().size(), size_max));
  }
  return &value.get_array();
}

// Rejects keys outside `allowed` (a typo such as "capacty" must not be ignored).
Result<void> production_known_keys(const json::object& object, const std::string& at,
                                   std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : object) {
    if (std::find(allowed.begin(), allowed.end(), entry.key()) == allowed.end()) {
      return fail(ErrorCode::invalid_argument, production_field(at, entry.key()), "unknown field");
    }
  }
  return {};
}

Result<const json::value*> production_required(const json::object& object, const std::string& at,
                                               std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) {
    return fail(ErrorCode::invalid_argument, production_field(at, key), "is required");
  }
  return value;
}

Result<std::string> production_string(const json::value& value, const std::string& field) {
  if (!value.is_string()) return fail(ErrorCode::invalid_argument, field, "must be a string");
  return std::string(value.get_string());
}

Result<int64_t> production_integer(const json::value& value, const std::string& field) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return fail(ErrorCode::limit_exceeded, field, "too large");
  if (value.is_double()) {
    double d = value.get_double();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && std::abs(d) < 1e15) {
      return static_cast<int64_t>(d);  // 3.0 is 3
    }
  }
  return fail(ErrorCode::invalid_argument, field, "must be an integer");
}

Result<double> production_number(const json::value& value, const std::string& field) {
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  if (value.is_double()) return value.get_double();
  return fail(ErrorCode::invalid_argument, field, "must be a number");
}

Result<std::string> production_string_key(const json::object& o, const std::string& at,
                                          std::string_view key) {
  LC_TRY(value, production_required(o, at, key));
  return production_string(*value, production_field(at, key));
}
Result<int64_t> production_integer_key(const json::object& o, const std::string& at,
                                       std::string_view key) {
  LC_TRY(value, production_required(o, at, key));
  return production_integer(*value, production_field(at, key));
}
Result<double> production_number_key(const json::object& o, const std::string& at,
                                     std::string_view key) {
  LC_TRY(value, production_required(o, at, key));
  return production_number(*value, production_field(at, key));
}

Result<std::vector<ModuleLine>> parse_module_lines(const json::value& value,
                                                   const std::string& at) {
  LC_TRY(array, production_array(value, at, kProductionModulesPerBomMax));
  std::vector<ModuleLine> lines;
  for (size_t j = 0; j < array->size(); ++j) {
    std::string line_at = fmt::format("{}[{}]", at, j);
    LC_TRY(object, production_object((*array)[j], line_at));
    LC_CHECK(production_known_keys(*object, line_at, {"module", "qty_per_unit"}));
    LC_TRY(module, production_string_key(*object, line_at, "module"));
    LC_TRY(qty, production_integer_key(*object, line_at, "qty_per_unit"));
    lines.push_back({module, qty});
  }
  return lines;
}

Result<ProductionFactory> parse_production_factory(const json::value& value,
                                                   const std::string& at) {
  LC_TRY(object, production_object(value, at));
  LC_CHECK(
      production_known_keys(*object, at,
                            {"id", "capacity_units_per_day", "capacity_score", "fulfilment_rating",
                             "unit_cost", "products", "stopped", "setup_cost"}));
  ProductionFactory factory;
  LC_TRY(id, production_string_key(*object, at, "id"));
  LC_TRY(capacity, production_integer_key(*object, at, "capacity_units_per_day"));
  LC_TRY(score, production_number_key(*object, at, "capacity_score"));
  LC_TRY(rating, production_number_key(*object, at, "fulfilment_rating"));
  LC_TRY(cost, production_number_key(*object, at, "unit_cost"));
  factory.id = id;
  factory.capacity_units_per_day = capacity;
  factory.capacity_score = score;
  factory.fulfilment_rating = rating;
  factory.unit_cost = cost;
  if (const json::value* products = object->if_contains("products")) {
    LC_TRY(array, production_array(*products, at + ".products", kProductionProductsPerFactoryMax));
    factory.products.emplace();
    for (size_t j = 0; j < array->size(); ++j) {
      LC_TRY(product, production_string((*array)[j], fmt::format("{}.products[{}]", at, j)));
      factory.products->push_back(product);
    }
  }
  if (const json::value* stopped = object->if_contains("stopped")) {
    if (!stopped->is_bool()) {
      return fail(ErrorCode::invalid_argument, at + ".stopped", "must be true or false");
    }
    factory.stopped = stopped->get_bool();
  }
  if (object->contains("setup_cost")) {
    LC_TRY(setup, production_number_key(*object, at, "setup_cost"));
    factory.setup_cost = setup;
  }
  return factory;
}

Result<ProductionOrder> parse_production_order(const json::value& value, const std::string& at) {
  LC_TRY(object, production_object(value, at));
  LC_CHECK(
      production_known_keys(*object, at, {"id", "product", "qty", "due_day", "kind", "modules"}));
  ProductionOrder order;
  LC_TRY(id, production_string_key(*object, at, "id"));
  LC_TRY(product, production_string_key(*object, at, "product"));
  LC_TRY(qty, production_integer_key(*object, at, "qty"));
  LC_TRY(due, production_integer_key(*object, at, "due_day"));
  LC_TRY(kind, production_string_key(*object, at, "kind"));
  if (kind != "normal" && kind != "emergency") {
    return fail(ErrorCode::invalid_argument, at + ".kind",
                fmt::format("unknown kind '{}' (normal, emergency)", kind));
  }
  order.id = id;
  order.product = product;
  order.qty_units = qty;
  order.due_day = due;
  order.kind = kind == "emergency" ? OrderKind::emergency : OrderKind::normal;
  if (const json::value* modules = object->if_contains("modules")) {
    LC_TRY(lines, parse_module_lines(*modules, at + ".modules"));
    if (lines.empty()) {
      return fail(ErrorCode::invalid_argument, at + ".modules", "must not be empty");
    }
    order.modules = std::move(lines);
  }
  return order;
}

Result<std::vector<ProductBom>> parse_production_boms(const json::value& value) {
  LC_TRY(object, production_object(value, "boms"));
  if (object->size() > kProductionBomsMax) {
    return fail(ErrorCode::limit_exceeded, "boms",
                fmt::format("{} boms: at most {}", object->size(), kProductionBomsMax));
  }
  std::vector<ProductBom> boms;
  for (const auto& entry : *object) {
    std::string at = "boms." + std::string(entry.key());
    LC_TRY(lines, parse_module_lines(entry.value(), at));
    boms.push_back({std::string(entry.key()), std::move(lines)});
  }
  return boms;
}

Result<void> parse_production_scalars(const json::object& root, ProductionProblem& problem) {
  LC_TRY(horizon, production_integer_key(root, "", "horizon_days"));
  LC_TRY(penalty, production_number_key(root, "", "unmet_penalty"));
  problem.horizon_days = horizon;
  problem.unmet_penalty = penalty;
  if (root.contains("emergency_unmet_penalty")) {
    LC_TRY(emergency, production_number_key(root, "", "emergency_unmet_penalty"));
    problem.emergency_unmet_penalty = emergency;
  }
  if (root.contains("holding_cost_per_unit_day")) {
    LC_TRY(holding, production_number_key(root, "", "holding_cost_per_unit_day"));
    problem.holding_cost_per_unit_day = holding;
  }
  return {};
}

}  // namespace

Result<ProductionProblem> parse_production_problem(const json::value& value) {
  LC_TRY(root, production_object(value, "problem"));
  LC_CHECK(production_known_keys(*root, "",
                                 {"factories", "orders", "boms", "horizon_days", "unmet_penalty",
                                  "emergency_unmet_penalty", "holding_cost_per_unit_day"}));
  ProductionProblem problem;
  LC_CHECK(parse_production_scalars(*root, problem));
  LC_TRY(factories_value, production_required(*root, "", "factories"));
  LC_TRY(factories, production_array(*factories_value, "factories", kProductionFactoriesMax));
  for (size_t i = 0; i < factories->size(); ++i) {
    LC_TRY(factory, parse_production_factory((*factories)[i], fmt::format("factories[{}]", i)));
    problem.factories.push_back(std::move(factory));
  }
  LC_TRY(orders_value, production_required(*root, "", "orders"));
  LC_TRY(orders, production_array(*orders_value, "orders", kProductionOrdersMax));
  for (size_t i = 0; i < orders->size(); ++i) {
    LC_TRY(order, parse_production_order((*orders)[i], fmt::format("orders[{}]", i)));
    problem.orders.push_back(std::move(order));
  }
  if (const json::value* boms = root->if_contains("boms")) {
    LC_TRY(parsed, parse_production_boms(*boms));
    problem.boms = std::move(parsed);
  }
  LC_CHECK(validate_production_problem(problem));
  return problem;
}

Result<ProductionProblem> parse_production_problem_text(std::string_view text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error) {
    return fail(ErrorCode::invalid_argument, "problem", "not valid JSON: " + error.message());
  }
  return parse_production_problem(value);
}

Result<ProductionFactory> parse_production_factory_json(const json::value& value,
                                                        const std::string& at) {
  return parse_production_factory(value, at);
}

Result<ProductionOrder> parse_production_order_json(const json::value& value,
                                                    const std::string& at) {
  return parse_production_order(value, at);
}

namespace {
json::array module_lines_json(const std::vector<ModuleLine>& lines) {
  json::array out;
  for (const ModuleLine& line : lines) {
    out.push_back(json::object{{"module", line.module}, {"qty_per_unit", line.qty_per_unit}});
  }
  return out;
}
}  // namespace

json::object production_factory_json(const ProductionFactory& factory) {
  json::object out{{"id", factory.id},
                   {"capacity_units_per_day", factory.capacity_units_per_day},
                   {"capacity_score", factory.capacity_score},
                   {"fulfilment_rating", factory.fulfilment_rating},
                   {"unit_cost", factory.unit_cost},
                   {"setup_cost", factory.setup_cost},
                   {"stopped", factory.stopped}};
  if (factory.products) {
    json::array products;
    for (const std::string& p : *factory.products) products.push_back(json::string(p));
    out["products"] = std::move(products);
  }
  return out;
}

json::object production_order_json(const ProductionOrder& order) {
  json::object out{{"id", order.id},
                   {"product", order.product},
                   {"qty", order.qty_units},
                   {"due_day", order.due_day},
                   {"kind", order.kind == OrderKind::emergency ? "emergency" : "normal"}};
  if (!order.modules.empty()) out["modules"] = module_lines_json(order.modules);
  return out;
}

json::object production_plan_json(const ProductionProblem& problem, const ProductionPlan& plan) {
  json::array assignments;
  for (const ProductionAssignment& a : plan.assignments) {
    assignments.push_back(json::object{{"order", problem.orders[a.order].id},
                                       {"factory", problem.factories[a.factory].id},
                                       {"day", a.day},
                                       {"qty", a.qty_units}});
  }
  json::array unmet;
  for (const ProductionUnmet& u : plan.unmet) {
    unmet.push_back(json::object{{"order", problem.orders[u.order].id}, {"qty", u.qty_units}});
  }
  json::object out{{"status", production_status_name(plan.status)},
                   {"objective", plan.objective},
                   {"assignments", std::move(assignments)},
                   {"unmet", std::move(unmet)},
                   {"cost", json::object{{"production", plan.production_cost},
                                         {"setup", plan.setup_cost},
                                         {"holding", plan.holding_cost},
                                         {"unmet_penalty", plan.unmet_penalty}}},
                   {"produced", plan.produced_units},
                   {"unmet_units", plan.unmet_units},
                   {"solve_s", plan.solve_s},
                   {"variables", plan.variables},
                   {"constraints", plan.constraints}};
  if (plan.best_bound) out["best_bound"] = *plan.best_bound;
  return out;
}

json::array production_expansions_json(const ExpandedProduction& expanded) {
  json::array out;
  for (const OrderExpansion& e : expanded.expansions) {
    json::array into;
    for (size_t i : e.into) {
      const ProductionOrder& order = expanded.problem.orders[i];
      into.push_back(
          json::object{{"order", order.id}, {"product", order.product}, {"qty", order.qty_units}});
    }
    out.push_back(json::object{{"order", e.order},
                               {"product", e.product},
                               {"qty", e.qty_units},
                               {"into", std::move(into)}});
  }
  return out;
}

json::object production_failover_json(const ProductionProblem& problem,
                                      const ProductionFailover& failover) {
  json::array stopped;
  for (size_t f : failover.stopped) stopped.push_back(json::string(problem.factories[f].id));
  json::array moved;
  for (const ProductionMove& m : failover.moves) {
    json::object move{{"order", problem.orders[m.order].id},
                      {"qty", m.qty_units},
                      {"from_factory", problem.factories[m.from_factory].id},
                      {"from_day", m.from_day},
                      {"to_factory", nullptr},
                      {"within_72h", m.within_window}};
    if (m.to_factory) {
      move["to_factory"] = problem.factories[*m.to_factory].id;
      move["to_day"] = m.to_day;
    }
    moved.push_back(std::move(move));
  }
  return json::object{{"stopped", std::move(stopped)},
                      {"base_objective", failover.base.objective},
                      {"moved", std::move(moved)},
                      {"moved_within_72h", failover.moved_within_window_units},
                      {"moved_outside_72h", failover.moved_outside_window_units},
                      {"failover_unmet", failover.failover_unmet_units}};
}

}  // namespace livechain::planning
