// Factories and production orders as rule-state records, and the server's plan of every
// open order: see production_records.hpp.
#include "planning/production_records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "core/assert.hpp"
#include "engine/types.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

Error corrupt(std::string_view what, std::string_view id) {
  return Error{ErrorCode::corruption, "state",
               fmt::format("production record: {} '{}' does not parse", what, id)};
}

// A member of a stored body, or nullptr.
const json::value* member(const json::object& o, std::string_view name) {
  return o.if_contains(name);
}

std::string string_member(const json::object& o, std::string_view name) {
  const json::value* v = member(o, name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<int64_t> int_member(const json::object& o, std::string_view name) {
  const json::value* v = member(o, name);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

Result<double> config_number(const json::value& v, const std::string& field, double min, double max,
                             bool min_open) {
  if (!v.is_number() || !std::isfinite(v.to_number<double>())) {
    return fail(ErrorCode::invalid_argument, field, "must be a number");
  }
  double d = v.to_number<double>();
  if ((min_open ? d <= min : d < min) || d > max) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be in {}{}, {}]", min_open ? "(" : "[", min, max));
  }
  return d;
}

Result<int64_t> config_integer(const json::value& v, const std::string& field, int64_t min,
                               int64_t max) {
  if (!v.is_int64() || v.get_int64() < min || v.get_int64() > max) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be an integer in [{}, {}]", min, max));
  }
  return v.get_int64();
}

constexpr std::string_view kOpenMarker = "\"state\":\"open\"";
constexpr std::string_view kProductMarker = "\"product\":\"";

// The product of a stored order body without parsing it: order_record_json writes it as
// "product":"<id>" and an id holds no quote. Empty when absent.
std::string_view product_of_body(std::string_view body) {
  size_t at = body.find(kProductMarker);
  if (at == std::string_view::npos) return {};
  at += kProductMarker.size();
  size_t end = body.find('"', at);
  return end == std::string_view::npos ? std::string_view() : body.substr(at, end - at);
}

json::object decision_inputs(const ProductionLedgerInputs& inputs,
                             const ProductionServerConfig& config, TimeMs now_ms) {
  json::array factories;
  for (const FactoryRecord& f : inputs.factories) factories.push_back(factory_record_json(f));
  json::array orders;
  for (const OrderRecord& o : inputs.open_orders) orders.push_back(order_view_json(o, now_ms));
  json::array presale;
  for (const PresaleRow& row : inputs.presale) {
    presale.push_back(json::object{{"gtin", row.gtin},
                                   {"location", row.location_id},
                                   {"planned_units", row.planned_units},
                                   {"sold_units", row.sold_units}});
  }
  return json::object{{"factories", std::move(factories)},
                      {"orders", std::move(orders)},
                      {"presale", std::move(presale)},
                      {"config", production_config_json(config)}};
}

// The problem of every open order, due days counted from the day of `now_ms`.
ProductionProblem build_problem(const ProductionLedgerInputs& inputs,
                                const ProductionServerConfig& config, TimeMs now_ms) {
  ProductionProblem problem;
  for (const FactoryRecord& f : inputs.factories) problem.factories.push_back(f.factory);
  int64_t today = epoch_day_of(now_ms);
  int64_t due_max = 0;
  for (const OrderRecord& o : inputs.open_orders) {
    ProductionOrder order = o.order;
    // Overdue orders are planned for today: they are still wanted.
    order.due_day = std::clamp<int64_t>(o.due_epoch_day - today, 0, kProductionHorizonDaysMax - 1);
    due_max = std::max(due_max, order.due_day);
    problem.orders.push_back(std::move(order));
  }
  problem.horizon_days = due_max + 1;
  problem.unmet_penalty = config.unmet_penalty;
  problem.emergency_unmet_penalty = config.emergency_unmet_penalty;
  problem.holding_cost_per_unit_day = config.holding_cost_per_unit_day;
  return problem;
}

// An empty plan of `problem` (no order to make): no solve.
ProductionRun empty_run(const ProductionProblem& problem, const ProductionServerConfig& config) {
  ProductionRun run;
  run.expanded.problem = problem;
  run.output = production_plan_json(problem, run.plan);
  run.output["solver"] = "coin_cbc";
  run.output["time_limit_s"] = config.time_limit_s;
  return run;
}

// Planned units per (gtin, location) of the presale rows: the plan's units of orders
// that are not module orders, at the location of the factory they are assigned to.
std::map<std::pair<std::string, std::string>, int64_t> planned_presale(
    const ProductionLedgerInputs& inputs, const ProductionRun& run) {
  std::set<std::pair<std::string, std::string>> rows;
  for (const PresaleRow& row : inputs.presale) rows.insert({row.gtin, row.location_id});
  std::unordered_set<size_t> module_orders;
  for (const OrderExpansion& e : run.expanded.expansions) {
    module_orders.insert(e.into.begin(), e.into.end());
  }
  std::map<std::pair<std::string, std::string>, int64_t> planned;
  const ProductionProblem& solved = run.expanded.problem;
  for (const ProductionAssignment& a : run.plan.assignments) {
    if (module_orders.contains(a.order)) continue;
    LC_ASSERT(a.factory < inputs.factories.size());
    std::pair<std::string, std::string> key{solved.orders[a.order].product,
                                            inputs.factories[a.factory].location_id};
    if (!rows.contains(key)) continue;  // not a SKU of the ledger
    planned[key] += a.qty_units;
  }
  return planned;
}

}  // namespace

std::string_view order_state_name(OrderState state) {
  switch (state) {
    case OrderState::open:
      return "open";
    case OrderState::done:
      return "done";
    case OrderState::cancelled:
      return "cancelled";
  }
  return "open";
}

std::optional<OrderState> parse_order_state(std::string_view name) {
  for (OrderState s : {OrderState::open, OrderState::done, OrderState::cancelled}) {
    if (order_state_name(s) == name) return s;
  }
  return std::nullopt;
}

int64_t epoch_day_of(TimeMs time_ms) {
  LC_ASSERT(time_ms >= 0);
  return time_ms / kDayMs;
}

std::string epoch_day_date(int64_t epoch_day) {
  return format_rfc3339_ms(epoch_day * kDayMs).substr(0, 10);
}

json::object factory_record_json(const FactoryRecord& record) {
  json::object out = production_factory_json(record.factory);
  out["location"] = record.location_id;
  out["updated_at"] = format_rfc3339_ms(record.updated_at_ms);
  out["updated_at_ms"] = record.updated_at_ms;
  out["updated_by"] = record.updated_by;
  return out;
}

json::object order_record_json(const OrderRecord& record) {
  json::object out = production_order_json(record.order);
  out.erase("due_day");
  out["due_date"] = epoch_day_date(record.due_epoch_day);
  out["due_epoch_day"] = record.due_epoch_day;
  out["state"] = order_state_name(record.state);
  out["source"] = record.source;
  out["updated_at"] = format_rfc3339_ms(record.updated_at_ms);
  out["updated_at_ms"] = record.updated_at_ms;
  out["updated_by"] = record.updated_by;
  return out;
}

json::object order_view_json(const OrderRecord& record, TimeMs now_ms) {
  json::object out = order_record_json(record);
  out["due_day"] = record.due_epoch_day - epoch_day_of(now_ms);
  return out;
}

Result<FactoryRecord> factory_from_record(std::string_view id, std::string_view body) {
  std::error_code error;
  json::value value = json::parse(body, error);
  if (error || !value.is_object()) return std::unexpected(corrupt("factory", id));
  json::object o = value.get_object();
  FactoryRecord record;
  record.location_id = string_member(o, "location");
  record.updated_by = string_member(o, "updated_by");
  record.updated_at_ms = int_member(o, "updated_at_ms").value_or(0);
  for (std::string_view extra : {"location", "updated_at", "updated_at_ms", "updated_by"}) {
    o.erase(extra);
  }
  auto factory = parse_production_factory_json(o, "");
  if (!factory || factory->id != id || record.location_id.empty()) {
    return std::unexpected(corrupt("factory", id));
  }
  record.factory = std::move(*factory);
  return record;
}

Result<OrderRecord> order_from_record(std::string_view id, std::string_view body) {
  std::error_code error;
  json::value value = json::parse(body, error);
  if (error || !value.is_object()) return std::unexpected(corrupt("order", id));
  json::object o = value.get_object();
  OrderRecord record;
  auto due = int_member(o, "due_epoch_day");
  auto state = parse_order_state(string_member(o, "state"));
  if (!due || !state) return std::unexpected(corrupt("order", id));
  record.due_epoch_day = *due;
  record.state = *state;
  record.source = string_member(o, "source");
  record.updated_by = string_member(o, "updated_by");
  record.updated_at_ms = int_member(o, "updated_at_ms").value_or(0);
  for (std::string_view extra : {"due_date", "due_epoch_day", "state", "source", "updated_at",
                                 "updated_at_ms", "updated_by"}) {
    o.erase(extra);
  }
  o["due_day"] = 0;  // the parser wants one; the record's day is due_epoch_day
  auto order = parse_production_order_json(o, "");
  if (!order || order->id != id) return std::unexpected(corrupt("order", id));
  record.order = std::move(*order);
  return record;
}

engine::PutRuleState factory_command(const FactoryRecord& record) {
  return engine::PutRuleState{engine::RuleStateKind::factory, record.factory.id,
                              json::serialize(factory_record_json(record))};
}

engine::PutRuleState order_command(const OrderRecord& record) {
  return engine::PutRuleState{engine::RuleStateKind::production_order, record.order.id,
                              json::serialize(order_record_json(record))};
}

size_t count_rule_states(const engine::LedgerState& state, engine::RuleStateKind kind) {
  const auto& records = state.rule_states();
  auto first = records.lower_bound({kind, std::string()});
  size_t count = 0;
  for (auto it = first; it != records.end() && it->first.first == kind; ++it) ++count;
  return count;
}

size_t count_open_orders(const engine::LedgerState& state) {
  const auto& records = state.rule_states();
  auto first = records.lower_bound({engine::RuleStateKind::production_order, std::string()});
  size_t count = 0;
  for (auto it = first;
       it != records.end() && it->first.first == engine::RuleStateKind::production_order; ++it) {
    if (it->second.find(kOpenMarker) != std::string::npos) ++count;
  }
  return count;
}

Result<std::vector<FactoryRecord>> stored_factories(const engine::LedgerState& state) {
  std::vector<FactoryRecord> out;
  const auto& records = state.rule_states();
  auto first = records.lower_bound({engine::RuleStateKind::factory, std::string()});
  for (auto it = first; it != records.end() && it->first.first == engine::RuleStateKind::factory;
       ++it) {
    LC_TRY(record, factory_from_record(it->first.second, it->second));
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::vector<OrderRecord>> stored_orders(const engine::LedgerState& state) {
  std::vector<OrderRecord> out;
  const auto& records = state.rule_states();
  auto first = records.lower_bound({engine::RuleStateKind::production_order, std::string()});
  for (auto it = first;
       it != records.end() && it->first.first == engine::RuleStateKind::production_order; ++it) {
    LC_TRY(record, order_from_record(it->first.second, it->second));
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::optional<FactoryRecord>> find_factory(const engine::LedgerState& state,
                                                  std::string_view id) {
  auto found = state.rule_states().find({engine::RuleStateKind::factory, std::string(id)});
  if (found == state.rule_states().end()) return std::optional<FactoryRecord>();
  LC_TRY(record, factory_from_record(id, found->second));
  return std::optional<FactoryRecord>(std::move(record));
}

Result<std::optional<OrderRecord>> find_order(const engine::LedgerState& state,
                                              std::string_view id) {
  auto found = state.rule_states().find({engine::RuleStateKind::production_order, std::string(id)});
  if (found == state.rule_states().end()) return std::optional<OrderRecord>();
  LC_TRY(record, order_from_record(id, found->second));
  return std::optional<OrderRecord>(std::move(record));
}

Result<ProductionServerConfig> production_config_from_json(const json::value& value,
                                                           const ProductionServerConfig& defaults) {
  if (!value.is_object()) {
    return fail(ErrorCode::invalid_argument, "production", "must be an object");
  }
  ProductionServerConfig config = defaults;
  for (const auto& [key, v] : value.get_object()) {
    std::string name(key);
    std::string field = "production." + name;
    if (name == "time_limit_s") {
      LC_TRY(n, config_number(v, field, 0, kProductionTimeLimitSMax, true));
      config.time_limit_s = n;
    } else if (name == "unmet_penalty") {
      LC_TRY(n, config_number(v, field, 0, kProductionCostMax, true));
      config.unmet_penalty = n;
    } else if (name == "emergency_unmet_penalty") {
      LC_TRY(n, config_number(v, field, 0, kProductionCostMax, true));
      config.emergency_unmet_penalty = n;
    } else if (name == "holding_cost_per_unit_day") {
      LC_TRY(n, config_number(v, field, 0, kProductionCostMax, false));
      config.holding_cost_per_unit_day = n;
    } else if (name == "orders_from_alerts") {
      if (!v.is_bool()) return fail(ErrorCode::invalid_argument, field, "must be true or false");
      config.orders_from_alerts = v.get_bool();
    } else if (name == "emergency_qty_units") {
      LC_TRY(n, config_integer(v, field, 1, kProductionQtyMax));
      config.emergency_qty_units = n;
    } else if (name == "emergency_due_days") {
      LC_TRY(n, config_integer(v, field, 0, kProductionHorizonDaysMax - 1));
      config.emergency_due_days = n;
    } else {
      return fail(ErrorCode::invalid_argument, field, "unknown field");
    }
  }
  if (config.emergency_unmet_penalty < config.unmet_penalty) {
    return fail(ErrorCode::invalid_argument, "production.emergency_unmet_penalty",
                "must be ≥ unmet_penalty (emergency orders come first)");
  }
  return config;
}

json::object production_config_json(const ProductionServerConfig& config) {
  return json::object{{"time_limit_s", config.time_limit_s},
                      {"unmet_penalty", config.unmet_penalty},
                      {"emergency_unmet_penalty", config.emergency_unmet_penalty},
                      {"holding_cost_per_unit_day", config.holding_cost_per_unit_day},
                      {"orders_from_alerts", config.orders_from_alerts},
                      {"emergency_qty_units", config.emergency_qty_units},
                      {"emergency_due_days", config.emergency_due_days}};
}

Result<ProductionLedgerInputs> read_production_inputs(const engine::LedgerState& state,
                                                      std::vector<OrderRecord> added) {
  ProductionLedgerInputs inputs;
  LC_TRY(factories, stored_factories(state));
  inputs.factories = std::move(factories);
  std::set<std::string> added_ids;
  for (const OrderRecord& o : added) added_ids.insert(o.order.id);
  std::set<std::string> products;
  // Only open orders are parsed: at 10,000 records parsing them all took 33 ms of the
  // engine thread; a closed order only lends its product (presale rows to keep exact).
  const auto& records = state.rule_states();
  auto first = records.lower_bound({engine::RuleStateKind::production_order, std::string()});
  for (auto it = first;
       it != records.end() && it->first.first == engine::RuleStateKind::production_order; ++it) {
    if (it->second.find(kOpenMarker) == std::string::npos) {
      std::string_view product = product_of_body(it->second);
      if (!product.empty()) products.emplace(product);
      continue;
    }
    LC_TRY(o, order_from_record(it->first.second, it->second));
    products.insert(o.order.product);
    if (o.state == OrderState::open && !added_ids.contains(o.order.id)) {
      inputs.open_orders.push_back(std::move(o));
    }
  }
  for (const OrderRecord& o : added) {
    LC_ASSERT(o.state == OrderState::open);
    products.insert(o.order.product);
    inputs.open_orders.push_back(o);
  }
  std::sort(inputs.open_orders.begin(), inputs.open_orders.end(),
            [](const OrderRecord& a, const OrderRecord& b) { return a.order.id < b.order.id; });
  inputs.added = std::move(added);
  if (inputs.open_orders.size() > kServerOpenOrdersMax) {
    return fail(
        ErrorCode::limit_exceeded, "orders",
        fmt::format("{} open orders: at most {}", inputs.open_orders.size(), kServerOpenOrdersMax));
  }
  std::set<std::string> locations;
  for (const FactoryRecord& f : inputs.factories) locations.insert(f.location_id);
  for (const std::string& product : products) {
    auto sku = state.find_sku(product);
    if (!sku) continue;  // a module, or a SKU the catalog does not know
    for (const std::string& location_id : locations) {
      auto location = state.find_location(location_id);
      if (!location) continue;
      engine::Balance balance = state.balance_or_zero(*sku, *location);
      inputs.presale.push_back({product, location_id, balance.presale_planned_units,
                                balance.presale_reserved_units + balance.presale_committed_units});
    }
  }
  return inputs;
}

Result<ProductionDecision> decide_production(const ProductionLedgerInputs& inputs,
                                             const ProductionServerConfig& config, TimeMs now_ms,
                                             std::string_view actor) {
  ProductionProblem problem = build_problem(inputs, config, now_ms);
  ProductionRun run;
  if (problem.orders.empty()) {
    run = empty_run(problem, config);
  } else {
    LC_TRY(solved, run_production(problem, {}, ProductionSolveOptions{config.time_limit_s}));
    run = std::move(solved);
  }
  ProductionDecision decision;
  for (const OrderRecord& o : inputs.added) decision.commands.push_back(order_command(o));
  auto planned = planned_presale(inputs, run);
  json::array presale;
  std::vector<engine::Command> presale_commands;
  for (const PresaleRow& row : inputs.presale) {
    auto found = planned.find({row.gtin, row.location_id});
    int64_t units = found == planned.end() ? 0 : found->second;
    int64_t target = std::min(std::max(units, row.sold_units), engine::kBalanceUnitsMax);
    if (units > 0 || target != row.planned_units) {
      presale.push_back(json::object{
          {"gtin", row.gtin}, {"location", row.location_id}, {"planned_units", target}});
    }
    if (target != row.planned_units) {
      presale_commands.push_back(engine::PlanPresale{row.gtin, row.location_id, target});
    }
  }
  json::array added;
  for (const OrderRecord& o : inputs.added) added.push_back(json::string(o.order.id));
  decision.output = std::move(run.output);
  decision.output["planned_at"] = format_rfc3339_ms(now_ms);
  decision.output["planned_by"] = actor;
  decision.output["presale"] = presale;
  decision.output["orders_added"] = std::move(added);
  json::object body{{"decision", "production_plan"},
                    {"decided_by", actor},
                    {"decided_at", format_rfc3339_ms(now_ms)},
                    {"decided_at_ms", now_ms},
                    {"inputs", decision_inputs(inputs, config, now_ms)},
                    {"result", decision.output}};
  if (json::serialize(body).size() > engine::kRuleStateBodyBytesMax) {
    // Too big for one record: the counts and the result's figures, marked abridged
    // (docs/planning.md "In the server").
    json::object summary;
    for (std::string_view key :
         {"status", "objective", "produced", "unmet_units", "cost", "moved_within_72h",
          "moved_outside_72h", "failover_unmet", "planned_at", "planned_by", "orders_added"}) {
      if (const json::value* v = decision.output.if_contains(key)) summary[key] = *v;
    }
    body["inputs"] = json::object{{"factories", inputs.factories.size()},
                                  {"orders", inputs.open_orders.size()},
                                  {"config", production_config_json(config)}};
    body["result"] = std::move(summary);
    body["abridged"] = true;
  }
  LC_ASSERT(json::serialize(body).size() <= engine::kRuleStateBodyBytesMax);
  decision.commands.push_back(engine::PutRuleState{engine::RuleStateKind::plan_decision,
                                                   std::string(kProductionDecisionKey),
                                                   json::serialize(body)});
  for (auto& c : presale_commands) decision.commands.push_back(std::move(c));
  return decision;
}

}  // namespace livechain::planning
