// tests/planning/production_records_test.cpp — the server's production records and plan
// (docs/planning.md "In the server") on a real ledger: factory and order records round-trip
// through the journal and a snapshot, a plan reads only open orders (overdue ones as due
// today), feeds presale for SKUs only (not modules) and never below what presale sold,
// a decision too big for one record is abridged, and the config names its fields.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "planning/planning.hpp"
#include "support/temp_dir.hpp"

namespace livechain::planning {
namespace {

namespace json = boost::json;

constexpr TimeMs kNowMs = 1'796'659'200'000;  // 2026-12-07T00:00:00Z
const std::string kGtin = "06901234567892";

FactoryRecord factory(std::string id, std::string location, double unit_cost) {
  FactoryRecord f;
  f.factory.id = std::move(id);
  f.factory.capacity_units_per_day = 100;
  f.factory.unit_cost = unit_cost;
  f.location_id = std::move(location);
  f.updated_at_ms = kNowMs;
  f.updated_by = "k1";
  return f;
}

OrderRecord order(std::string id, std::string product, int64_t qty, int64_t due_in_days,
                  OrderState state = OrderState::open) {
  OrderRecord o;
  o.order.id = std::move(id);
  o.order.product = std::move(product);
  o.order.qty_units = qty;
  o.due_epoch_day = epoch_day_of(kNowMs) + due_in_days;
  o.state = state;
  o.updated_at_ms = kNowMs;
  o.updated_by = "k1";
  return o;
}

void run(engine::Ledger& ledger, const engine::Command& command) {
  auto reply = ledger.execute(command);
  ASSERT_TRUE(reply.has_value()) << reply.error().to_string();
}

TEST(ProductionRecords, RoundTripThroughTheJournalAndASnapshotAndPlanOpenOrders) {
  test_support::TempDir dir;
  std::string db = dir.file("prod.db");
  ASSERT_TRUE(engine::Ledger::init(db).has_value());
  ManualClock clock(kNowMs);
  {
    auto ledger = engine::Ledger::open(db, clock);
    ASSERT_TRUE(ledger.has_value());
    run(**ledger, engine::PutLocation{"factory-1", engine::LocationKind::factory, "east"});
    run(**ledger, engine::PutSku{kGtin, "Alpha"});
    run(**ledger, factory_command(factory("F1", "factory-1", 5)));
    OrderRecord modular = order("O2", "desk", 3, 1);
    modular.order.modules = {{"leg", 4}};
    run(**ledger, order_command(order("O1", kGtin, 30, -2)));  // overdue: due today
    run(**ledger, order_command(modular));
    run(**ledger, order_command(order("O3", kGtin, 99, 1, OrderState::cancelled)));
    ASSERT_TRUE((*ledger)->write_snapshot().has_value());
  }
  auto ledger = engine::Ledger::open(db, clock);
  ASSERT_TRUE(ledger.has_value());
  EXPECT_EQ((*ledger)->recovery().snapshot_next_seq, (*ledger)->journal().tree_size())
      << "state came from the snapshot alone";
  const engine::LedgerState& state = (*ledger)->engine().state();
  auto f1 = find_factory(state, "F1");
  ASSERT_TRUE(f1.has_value() && f1->has_value());
  EXPECT_EQ(factory_record_json(**f1), factory_record_json(factory("F1", "factory-1", 5)));
  auto orders = stored_orders(state);
  ASSERT_TRUE(orders.has_value());
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[1].order.modules.size(), 1u);
  EXPECT_EQ(order_view_json((*orders)[0], kNowMs).at("due_day"), -2);

  EXPECT_EQ(count_open_orders(state), 2u);
  auto inputs = read_production_inputs(state);
  ASSERT_TRUE(inputs.has_value()) << inputs.error().to_string();
  EXPECT_EQ(inputs->open_orders.size(), 2u) << "the cancelled order is not planned";
  auto decision = decide_production(*inputs, ProductionServerConfig{}, kNowMs, "k1");
  ASSERT_TRUE(decision.has_value()) << decision.error().to_string();
  EXPECT_EQ(decision->output.at("produced"), 30 + 12);
  EXPECT_EQ(decision->output.at("expanded_orders").as_array().size(), 1u);
  // O1 is overdue, so planned today (day 0); the modules feed no presale.
  for (const json::value& a : decision->output.at("assignments").as_array()) {
    if (a.at("order") == "O1") {
      EXPECT_EQ(a.at("day"), 0);
    }
  }
  ASSERT_EQ(decision->output.at("presale").as_array().size(), 1u);
  EXPECT_EQ(decision->output.at("presale").as_array()[0].at("planned_units"), 30);
  ASSERT_EQ(decision->commands.size(), 2u);  // the decision, one presale row
  const auto* presale = std::get_if<engine::PlanPresale>(&decision->commands[1]);
  ASSERT_NE(presale, nullptr);
  EXPECT_EQ(presale->location_id, "factory-1");
  EXPECT_EQ(presale->planned_units, 30);
}

TEST(ProductionRecords, PresaleNeverGoesBelowWhatIsSoldAndRowsThatStayJournalNothing) {
  ProductionLedgerInputs inputs;
  inputs.factories = {factory("F1", "factory-1", 5)};
  inputs.open_orders = {order("O1", kGtin, 10, 1)};
  inputs.presale = {{kGtin, "factory-1", 10, 0}, {kGtin, "dc-west", 40, 25}};
  auto decision = decide_production(inputs, ProductionServerConfig{}, kNowMs, "k1");
  ASSERT_TRUE(decision.has_value()) << decision.error().to_string();
  // factory-1 stays 10 (no command); dc-west falls to 25, the presale sold there.
  ASSERT_EQ(decision->commands.size(), 2u);
  const auto* presale = std::get_if<engine::PlanPresale>(&decision->commands[1]);
  ASSERT_NE(presale, nullptr);
  EXPECT_EQ(presale->location_id, "dc-west");
  EXPECT_EQ(presale->planned_units, 25);
}

TEST(ProductionRecords, ADecisionTooBigForOneRecordIsAbridged) {
  ProductionLedgerInputs inputs;
  for (size_t f = 0; f < kServerFactoriesMax; ++f) {
    inputs.factories.push_back(factory("factory-" + std::to_string(f), "loc", 5 + f));
  }
  for (size_t o = 0; o < kServerOpenOrdersMax; ++o) {
    inputs.open_orders.push_back(order("order-" + std::to_string(o), "desk", 1, 0));
  }
  ProductionServerConfig config;
  config.time_limit_s = 2;
  auto decision = decide_production(inputs, config, kNowMs, "k1");
  ASSERT_TRUE(decision.has_value()) << decision.error().to_string();
  const auto& record = std::get<engine::PutRuleState>(decision->commands.back());
  EXPECT_EQ(record.kind, engine::RuleStateKind::plan_decision);
  EXPECT_LE(record.body_json.size(), engine::kRuleStateBodyBytesMax);
  json::object body = json::parse(record.body_json).as_object();
  EXPECT_EQ(body.at("abridged"), true);
  EXPECT_EQ(body.at("inputs").at("orders").to_number<size_t>(), kServerOpenOrdersMax);
  EXPECT_EQ(body.at("result").at("produced"), 200);
  EXPECT_EQ(decision->output.at("assignments").as_array().size(), 200u) << "the answer is whole";
}

// The engine thread reads every order record for a plan: at the limit (10,000 records, 200
// open) that read is timed and printed (docs/limits.md cites the figure).
TEST(ProductionRecords, ReadingTheInputsAtTheRecordLimitIsTimed) {
  engine::Engine engine;
  journal::BatchBuilder batch;
  ASSERT_TRUE(engine.execute(engine::PutSku{kGtin, "Alpha"}, kNowMs, batch).has_value());
  ASSERT_TRUE(engine
                  .execute(engine::PutLocation{"factory-1", engine::LocationKind::factory, "east"},
                           kNowMs, batch)
                  .has_value());
  ASSERT_TRUE(
      engine.execute(factory_command(factory("F1", "factory-1", 5)), kNowMs, batch).has_value());
  for (size_t i = 0; i < kServerOrderRecordsMax; ++i) {
    OrderState state = i < kServerOpenOrdersMax ? OrderState::open : OrderState::done;
    auto put =
        order_command(order("order-" + std::to_string(i), i % 2 ? kGtin : "desk", 5, 3, state));
    ASSERT_TRUE(engine.execute(put, kNowMs, batch).has_value());
  }
  EXPECT_EQ(count_open_orders(engine.state()), kServerOpenOrdersMax);
  auto start = std::chrono::steady_clock::now();
  auto inputs = read_production_inputs(engine.state());
  double read_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(inputs.has_value()) << inputs.error().to_string();
  EXPECT_EQ(inputs->open_orders.size(), kServerOpenOrdersMax);
  std::printf("read_production_inputs: %zu order records, %zu open: %.1f ms\n",
              kServerOrderRecordsMax, inputs->open_orders.size(), read_ms);
}

TEST(ProductionRecords, ConfigNamesItsFields) {
  auto bad = [](const char* text) {
    auto config = production_config_from_json(json::parse(text), ProductionServerConfig{});
    return config ? std::string("ok") : config.error().field;
  };
  EXPECT_EQ(bad(R"({"time_limit_s": 0})"), "production.time_limit_s");
  EXPECT_EQ(bad(R"({"emergency_qty_units": 0})"), "production.emergency_qty_units");
  EXPECT_EQ(bad(R"({"emergency_due_days": 366})"), "production.emergency_due_days");
  EXPECT_EQ(bad(R"({"orders_from_alerts": 1})"), "production.orders_from_alerts");
  EXPECT_EQ(bad(R"({"unmet_penalty": 2000})"), "production.emergency_unmet_penalty");
  EXPECT_EQ(bad(R"({"penalty": 1})"), "production.penalty");
  EXPECT_EQ(bad(R"({"time_limit_s": 1, "emergency_qty_units": 5})"), "ok");
}

}  // namespace
}  // namespace livechain::planning
