// src/planning/production_records.hpp — flexible production in the live server (issue 18
// §4; docs/planning.md "In the server").
//
// Factories and production orders are durable records (engine rule-state kinds factory
// and production_order, events 68–69). A plan solves every open order on every factory
// with the production solver (production.hpp; a stopped factory's units fail over to the
// others) and returns the commands that journal it: the new orders it was asked to add,
// one plan_decision (who, when, inputs, result) and the presale plan it feeds (the planned
// units of each SKU at each factory's location, engine::PlanPresale). The caller reads the
// inputs on the engine thread, solves on a worker and submits through the single writer;
// planning never writes stock.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/commands.hpp"
#include "engine/state.hpp"
#include "planning/production.hpp"

namespace livechain::planning {

// ---- limits (docs/limits.md "Planning"; checked by the server's PUT routes) ----
inline constexpr size_t kServerFactoriesMax = 50;
// Orders in state open (the ones every plan solves).
inline constexpr size_t kServerOpenOrdersMax = 200;
// Order records of every state (done and cancelled ones stay as records).
inline constexpr size_t kServerOrderRecordsMax = 10'000;
// The plan_decision key of the server's production plans (each replaces the last record;
// the journal keeps them all).
inline constexpr std::string_view kProductionDecisionKey = "production";
inline constexpr TimeMs kDayMs = 86'400'000;

enum class OrderState : uint8_t { open = 0, done = 1, cancelled = 2 };
std::string_view order_state_name(OrderState state);
std::optional<OrderState> parse_order_state(std::string_view name);

struct FactoryRecord {
  ProductionFactory factory;
  std::string location_id;  // a ledger location: where the factory's output is received
  TimeMs updated_at_ms = 0;
  std::string updated_by;
};

struct OrderRecord {
  ProductionOrder order;      // order.due_day is not stored: due_epoch_day is
  int64_t due_epoch_day = 0;  // the due day, in days since 1970-01-01 (UTC)
  OrderState state = OrderState::open;
  std::string source = "api";  // or "alert:<id>": raised by an orange alert
  TimeMs updated_at_ms = 0;
  std::string updated_by;
};

// The UTC day of `time_ms`, in days since the epoch. REQUIRES: time_ms ≥ 0.
int64_t epoch_day_of(TimeMs time_ms);
// "YYYY-MM-DD" of an epoch day.
std::string epoch_day_date(int64_t epoch_day);

// ---- records: the stored JSON bodies and the API views ----

// {"id", "capacity_units_per_day", "capacity_score", "fulfilment_rating", "unit_cost",
//  "setup_cost", "stopped", "products"?, "location", "updated_at", "updated_by"}.
boost::json::object factory_record_json(const FactoryRecord& record);
// {"id", "product", "qty", "kind", "modules"?, "due_date", "due_epoch_day", "state",
//  "source", "updated_at", "updated_by"}; the view adds "due_day" (from the day of now_ms).
boost::json::object order_record_json(const OrderRecord& record);
boost::json::object order_view_json(const OrderRecord& record, TimeMs now_ms);
// Errors: corruption naming "state" when a body is not a record this version wrote.
Result<FactoryRecord> factory_from_record(std::string_view id, std::string_view body);
Result<OrderRecord> order_from_record(std::string_view id, std::string_view body);

engine::PutRuleState factory_command(const FactoryRecord& record);
engine::PutRuleState order_command(const OrderRecord& record);

// Every stored factory / order, by id. Errors: corruption (a record that does not parse).
Result<std::vector<FactoryRecord>> stored_factories(const engine::LedgerState& state);
Result<std::vector<OrderRecord>> stored_orders(const engine::LedgerState& state);
Result<std::optional<FactoryRecord>> find_factory(const engine::LedgerState& state,
                                                  std::string_view id);
Result<std::optional<OrderRecord>> find_order(const engine::LedgerState& state,
                                              std::string_view id);
// Records of `kind` (cheap: no parsing).
size_t count_rule_states(const engine::LedgerState& state, engine::RuleStateKind kind);
// Order records in state open, without parsing them (the engine thread counts them on every
// order PUT): order_record_json serialises the state as "state":"open".
size_t count_open_orders(const engine::LedgerState& state);

// ---- the server's configuration ("planning": {"production": {…}}) ----

struct ProductionServerConfig {
  double time_limit_s = 5.0;  // CBC's wall clock per solve, (0, kProductionTimeLimitSMax]
  double unmet_penalty = 100;
  double emergency_unmet_penalty = 1'000;
  double holding_cost_per_unit_day = 0.01;
  // Orange sales_over_forecast alerts raise emergency orders (when a factory makes the SKU).
  bool orders_from_alerts = true;
  // The qty of such an order when the alert carries no shortfall, and its due day.
  int64_t emergency_qty_units = 100;
  int64_t emergency_due_days = 1;  // from the day the alert is seen
};
// Unknown members and wrong types or ranges are errors naming "production.<member>";
// absent members keep `defaults`.
Result<ProductionServerConfig> production_config_from_json(const boost::json::value& value,
                                                           const ProductionServerConfig& defaults);
boost::json::object production_config_json(const ProductionServerConfig& config);

// ---- a plan of every open order ----

// One SKU × factory location of the presale plan, as the ledger holds it.
struct PresaleRow {
  std::string gtin;
  std::string location_id;
  int64_t planned_units = 0;  // presale_planned now
  int64_t sold_units = 0;     // presale reserved + committed: the plan never goes below it
};

struct ProductionLedgerInputs {
  std::vector<FactoryRecord> factories;  // by id
  std::vector<OrderRecord> open_orders;  // by id; `added` included
  std::vector<OrderRecord> added;        // new orders journaled with the decision
  // Every SKU an order names (open or not) × every factory location.
  std::vector<PresaleRow> presale;
};

// Reads what a plan needs from `state` (engine thread; parses the records, no solving).
// `added` are orders to create with the decision (emergency orders), open, replacing a
// stored order of the same id. Errors: corruption (a record); limit_exceeded naming
// "orders" beyond kServerOpenOrdersMax open orders.
Result<ProductionLedgerInputs> read_production_inputs(const engine::LedgerState& state,
                                                      std::vector<OrderRecord> added = {});

struct ProductionDecision {
  // The output of `plan production` (docs/planning.md "Output") plus "planned_at",
  // "planned_by", "presale": [{"gtin", "location", "planned_units"}] and "orders_added".
  boost::json::object output;
  // The added orders' records, the plan_decision record, then one PlanPresale per row
  // whose planned units change.
  std::vector<engine::Command> commands;
};

// Solves the open orders of `inputs` (due day = days from the day of now_ms, 0 when
// overdue) on its factories. Any thread (CBC runs here, up to config.time_limit_s).
// Presale: a SKU's planned units at a factory's location are the units of the plan's
// orders of that SKU assigned to the factory (module orders feed none), never below the
// presale already sold there. Errors: those of run_production (invalid_argument /
// limit_exceeded naming the field, e.g. "variables").
Result<ProductionDecision> decide_production(const ProductionLedgerInputs& inputs,
                                             const ProductionServerConfig& config, TimeMs now_ms,
                                             std::string_view actor);

}  // namespace livechain::planning
