// tests/planning/production_test.cpp — flexible production (issue 18 §4).
//
// Small instances whose optimal plan and objective were worked out by hand (comments
// show the arithmetic): capacity (scaled by the capacity score) binding, the
// rating-weighted cost, due days, emergency orders before normal ones when capacity is
// short, unmet quantity instead of failure, setup costs (the binaries), module
// expansion, dual-base failover within 72 h and outside it, every validation error
// naming its field, the limits, and seeded random tiny instances where CBC's objective
// is compared with an exhaustive enumeration of integer plans.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "planning/production.hpp"
#include "support/seed.hpp"

namespace {

using namespace livechain;
using namespace livechain::planning;

using Slots = std::map<std::tuple<std::string, std::string, int64_t>, int64_t>;

// The plan's assignments as (order, factory, day) → qty, for exact comparisons.
Slots slots_of(const ProductionProblem& p, const ProductionPlan& plan) {
  Slots out;
  for (const ProductionAssignment& a : plan.assignments) {
    out[{p.orders[a.order].id, p.factories[a.factory].id, a.day}] += a.qty_units;
  }
  return out;
}

// (order, factory) → qty, where days tie.
std::map<std::pair<std::string, std::string>, int64_t> totals_of(const ProductionProblem& p,
                                                                 const ProductionPlan& plan) {
  std::map<std::pair<std::string, std::string>, int64_t> out;
  for (const ProductionAssignment& a : plan.assignments) {
    out[{p.orders[a.order].id, p.factories[a.factory].id}] += a.qty_units;
  }
  return out;
}

ProductionFactory factory(std::string id, int64_t capacity, double score, double rating,
                          double cost, double setup = 0) {
  ProductionFactory f;
  f.id = std::move(id);
  f.capacity_units_per_day = capacity;
  f.capacity_score = score;
  f.fulfilment_rating = rating;
  f.unit_cost = cost;
  f.setup_cost = setup;
  return f;
}

ProductionOrder order(std::string id, std::string product, int64_t qty, int64_t due,
                      OrderKind kind = OrderKind::normal) {
  return ProductionOrder{std::move(id), std::move(product), qty, due, kind, {}};
}

ProductionPlan solved(const ProductionProblem& p) {
  auto plan = solve_production(p);
  EXPECT_TRUE(plan) << plan.error().to_string();
  if (!plan) return {};
  EXPECT_TRUE(check_production_plan(p, *plan));
  EXPECT_EQ(plan->status, ProductionStatus::optimal);
  return *plan;
}

TEST(Production, HandCheckedCapacityScoreAndRating) {
  // A: 10/day, score 1 → 10/day, cost 2 / rating 1 = 2. B: 10/day, score 0.5 → 5/day,
  // cost 1.5 / rating 0.5 = 3. Holding 0.1 per unit per day before due (day 1).
  // Per-unit costs: A day 0 2.1, A day 1 2.0, B day 0 3.1, B day 1 3.0.
  // 25 units: A day 1 10 (20), A day 0 10 (21), B day 1 5 (15) = 56.
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 2.0), factory("B", 10, 0.5, 0.5, 1.5)};
  p.orders = {order("O1", "chair", 25, 1)};
  p.horizon_days = 2;
  p.unmet_penalty = 100;
  p.holding_cost_per_unit_day = 0.1;
  ProductionPlan plan = solved(p);
  EXPECT_EQ(slots_of(p, plan),
            (Slots{{{"O1", "A", 0}, 10}, {{"O1", "A", 1}, 10}, {{"O1", "B", 1}, 5}}));
  EXPECT_NEAR(plan.objective, 56.0, 1e-9);
  EXPECT_NEAR(plan.production_cost, 55.0, 1e-9);  // 20·2 + 5·3
  EXPECT_NEAR(plan.holding_cost, 1.0, 1e-9);      // 10 units one day early
  EXPECT_EQ(plan.unmet_units, 0);
  EXPECT_EQ(plan.produced_units, 25);
  ASSERT_TRUE(plan.best_bound);
  EXPECT_NEAR(*plan.best_bound, 56.0, 1e-6);
  // 31 units: capacity is 30 over the two days; 1 unit unmet at 100: 56 + 3.1·5 + 100
  // = 56 + 15.5 + 100 = 171.5 (B day 0 takes 5 more).
  p.orders[0].qty_units = 31;
  ProductionPlan short_plan = solved(p);
  EXPECT_EQ(short_plan.unmet_units, 1);
  EXPECT_NEAR(short_plan.objective, 171.5, 1e-9);
}

TEST(Production, DueDaysBoundTheDays) {
  // One factory, 10/day at cost 2, three days, holding 0.1. O1 (due day 0) can only use
  // day 0; O2 (due day 2) goes as late as possible: day 2. 10·2 + 10·2 = 40.
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 2.0)};
  p.orders = {order("O1", "x", 10, 0), order("O2", "x", 10, 2)};
  p.horizon_days = 3;
  p.unmet_penalty = 100;
  p.holding_cost_per_unit_day = 0.1;
  ProductionPlan plan = solved(p);
  EXPECT_EQ(slots_of(p, plan), (Slots{{{"O1", "A", 0}, 10}, {{"O2", "A", 2}, 10}}));
  EXPECT_NEAR(plan.objective, 40.0, 1e-9);
  // O1 needs 15 by day 0: 5 cannot be made in time, though days 1–2 have room.
  // 10·2 + 10·2 + 5·100 = 540.
  p.orders[0].qty_units = 15;
  ProductionPlan late = solved(p);
  EXPECT_EQ(slots_of(p, late), (Slots{{{"O1", "A", 0}, 10}, {{"O2", "A", 2}, 10}}));
  ASSERT_EQ(late.unmet.size(), 1u);
  EXPECT_EQ(p.orders[late.unmet[0].order].id, "O1");
  EXPECT_EQ(late.unmet[0].qty_units, 5);
  EXPECT_NEAR(late.objective, 540.0, 1e-9);
}

TEST(Production, EmergencyOrdersComeFirstWhenCapacityIsShort) {
  // 10 units of capacity, two orders of 10 due day 0. The normal order is listed first;
  // the emergency one (default penalty 10 × 100 = 1000) gets the capacity:
  // 10·2 + 10·100 = 1020 (the other way round: 10·2 + 10·1000 = 10,020).
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 2.0)};
  p.orders = {order("N1", "x", 10, 0), order("E1", "x", 10, 0, OrderKind::emergency)};
  p.horizon_days = 1;
  p.unmet_penalty = 100;
  EXPECT_DOUBLE_EQ(p.emergency_penalty(), 1000.0);
  ProductionPlan plan = solved(p);
  EXPECT_EQ(slots_of(p, plan), (Slots{{{"E1", "A", 0}, 10}}));
  ASSERT_EQ(plan.unmet.size(), 1u);
  EXPECT_EQ(p.orders[plan.unmet[0].order].id, "N1");
  EXPECT_NEAR(plan.objective, 1020.0, 1e-9);
  EXPECT_NEAR(plan.unmet_penalty, 1000.0, 1e-9);
  // An explicit emergency penalty just above the normal one still decides it: 10·2 +
  // 10·100 = 1020 against 10·2 + 10·101 = 1030.
  p.emergency_unmet_penalty = 101;
  ProductionPlan close = solved(p);
  EXPECT_EQ(slots_of(p, close), (Slots{{{"E1", "A", 0}, 10}}));
  EXPECT_NEAR(close.objective, 1020.0, 1e-9);
  // The greedy heuristic also serves the emergency order first on a tie of due days.
  ProductionPlan greedy = greedy_production_plan(p);
  EXPECT_EQ(slots_of(p, greedy), (Slots{{{"E1", "A", 0}, 10}}));
}

TEST(Production, InfeasibleInstanceReportsUnmet) {
  // A makes only chairs; a table order cannot be made anywhere: 7 unmet at 100 = 700.
  // A stopped factory makes nothing either.
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 2.0), factory("S", 100, 1.0, 1.0, 0.5)};
  p.factories[0].products = std::vector<std::string>{"chair"};
  p.factories[1].stopped = true;
  p.orders = {order("T1", "table", 7, 0), order("C1", "chair", 4, 0)};
  p.horizon_days = 1;
  p.unmet_penalty = 100;
  ProductionPlan plan = solved(p);
  EXPECT_EQ(slots_of(p, plan), (Slots{{{"C1", "A", 0}, 4}}));
  ASSERT_EQ(plan.unmet.size(), 1u);
  EXPECT_EQ(plan.unmet[0].qty_units, 7);
  EXPECT_NEAR(plan.objective, 708.0, 1e-9);  // 4·2 + 7·100
  // A unit dearer than the penalty is left unmet: cost 2 / rating 0.01 = 200 > 100.
  p.factories[0].fulfilment_rating = 0.01;
  ProductionPlan idle = solved(p);
  EXPECT_TRUE(idle.assignments.empty());
  EXPECT_EQ(idle.unmet_units, 11);
  EXPECT_NEAR(idle.objective, 1100.0, 1e-9);
  // No orders at all: an empty plan.
  p.orders.clear();
  ProductionPlan empty = solved(p);
  EXPECT_TRUE(empty.assignments.empty());
  EXPECT_EQ(empty.objective, 0.0);
}

TEST(Production, SetupCostsChooseFactoriesAsABinary) {
  // A: cost 1 + setup 50; B: cost 2, no setup; both 10/day over 5 days (50 each).
  // 40 units: all A 40 + 50 = 90, all B 80 → B, 80.
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 1.0, 50), factory("B", 10, 1.0, 1.0, 2.0)};
  p.orders = {order("O1", "x", 40, 4)};
  p.horizon_days = 5;
  p.unmet_penalty = 100;
  ProductionPlan plan = solved(p);
  EXPECT_EQ(totals_of(p, plan),
            (std::map<std::pair<std::string, std::string>, int64_t>{{{"O1", "B"}, 40}}));
  EXPECT_NEAR(plan.objective, 80.0, 1e-9);
  EXPECT_EQ(plan.setup_cost, 0.0);
  // 60 units: B holds at most 50, so A is set up anyway and then takes all it can:
  // 50 + a + 2·(60 − a), best at a = 50: 50 + 50 + 20 = 120.
  p.orders[0].qty_units = 60;
  ProductionPlan both = solved(p);
  EXPECT_EQ(totals_of(p, both), (std::map<std::pair<std::string, std::string>, int64_t>{
                                    {{"O1", "A"}, 50}, {{"O1", "B"}, 10}}));
  EXPECT_NEAR(both.objective, 120.0, 1e-9);
  EXPECT_NEAR(both.setup_cost, 50.0, 1e-9);
}

TEST(Production, ModularOrdersExpandIntoOneOrderPerModule) {
  ProductionProblem p;
  p.factories = {factory("M", 100, 1.0, 1.0, 1.0), factory("N", 100, 1.0, 1.0, 3.0)};
  p.factories[0].products = std::vector<std::string>{"top", "leg"};
  p.factories[1].products = std::vector<std::string>{"top", "drawer"};
  p.boms = {{"desk", {{"top", 1}, {"leg", 4}}}};
  p.orders = {order("D1", "desk", 3, 0), order("C1", "chair", 2, 0),
              order("D2", "desk", 2, 0, OrderKind::emergency)};
  // D2's configuration chosen in the live room: a top and two drawers, no legs.
  p.orders[2].modules = {{"top", 1}, {"drawer", 2}};
  p.horizon_days = 1;
  p.unmet_penalty = 100;
  auto expanded = expand_production_orders(p);
  ASSERT_TRUE(expanded) << expanded.error().to_string();
  const ProductionProblem& e = expanded->problem;
  ASSERT_EQ(e.orders.size(), 5u);
  std::vector<std::tuple<std::string, std::string, int64_t>> got;
  for (const ProductionOrder& o : e.orders) got.emplace_back(o.id, o.product, o.qty_units);
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, std::string, int64_t>>{
                     {"D1/top", "top", 3},
                     {"D1/leg", "leg", 12},
                     {"C1", "chair", 2},
                     {"D2/top", "top", 2},
                     {"D2/drawer", "drawer", 4}}));
  EXPECT_EQ(e.orders[4].kind, OrderKind::emergency);
  ASSERT_EQ(expanded->expansions.size(), 2u);
  EXPECT_EQ(expanded->expansions[1].order, "D2");
  EXPECT_EQ(expanded->expansions[1].into, (std::vector<size_t>{3, 4}));
  // Tops and legs at M (1 each), drawers at N (3 each); nobody makes chairs:
  // 3 + 12 + 2 = 17 at M, 4·3 = 12 at N, 2 chairs unmet: 17 + 12 + 200 = 229.
  ProductionPlan plan = solved(e);
  EXPECT_EQ(slots_of(e, plan), (Slots{{{"D1/top", "M", 0}, 3},
                                      {{"D1/leg", "M", 0}, 12},
                                      {{"D2/top", "M", 0}, 2},
                                      {{"D2/drawer", "N", 0}, 4}}));
  EXPECT_NEAR(plan.objective, 229.0, 1e-9);
  boost::json::array json = production_expansions_json(*expanded);
  EXPECT_EQ(
      boost::json::serialize(json[1]),
      R"({"order":"D2","product":"desk","qty":2,"into":[{"order":"D2/top","product":"top","qty":2},{"order":"D2/drawer","product":"drawer","qty":4}]})");
}

TEST(Production, GreedyEarliestDueDateAndWhereItLoses) {
  // A (cost 1) and B (cost 2), 10/day, two days, no holding. L (15, due 1) is listed
  // before E (12, due 0); greedy serves E first: A day 0 10, B day 0 2; then L: A day 1
  // 10, B day 0 5. 10 + 4 + 10 + 10 = 34 — here also the optimum (20 units at A, 7 at B).
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 1.0), factory("B", 10, 1.0, 1.0, 2.0)};
  p.orders = {order("L", "x", 15, 1), order("E", "x", 12, 0)};
  p.horizon_days = 2;
  p.unmet_penalty = 100;
  ProductionPlan greedy = greedy_production_plan(p);
  EXPECT_EQ(greedy.status, ProductionStatus::greedy);
  EXPECT_EQ(
      slots_of(p, greedy),
      (Slots{{{"E", "A", 0}, 10}, {{"E", "B", 0}, 2}, {{"L", "A", 1}, 10}, {{"L", "B", 0}, 5}}));
  EXPECT_NEAR(greedy.objective, 34.0, 1e-9);
  EXPECT_NEAR(solved(p).objective, 34.0, 1e-9);
  // B makes only x; A makes x and y. Greedy gives X (listed first) the cheapest factory,
  // A, and Y has nowhere left: 10·1 + 10·100 = 1010. The optimum sends X to B:
  // 10·2 + 10·1 = 30.
  p.factories[1].products = std::vector<std::string>{"x"};
  p.orders = {order("X", "x", 10, 0), order("Y", "y", 10, 0)};
  p.horizon_days = 1;
  EXPECT_NEAR(greedy_production_plan(p).objective, 1010.0, 1e-9);
  ProductionPlan plan = solved(p);
  EXPECT_EQ(slots_of(p, plan), (Slots{{{"X", "B", 0}, 10}, {{"Y", "A", 0}, 10}}));
  EXPECT_NEAR(plan.objective, 30.0, 1e-9);
}

// Failover instance: A (cost 1) and B (cost 2) both make p; only B makes q; C (cost 3)
// makes p. All 10/day over 10 days, holding 0.1 (so units go as late as allowed).
ProductionProblem failover_problem(bool with_c) {
  ProductionProblem p;
  p.factories = {factory("A", 10, 1.0, 1.0, 1.0), factory("B", 10, 1.0, 1.0, 2.0)};
  p.factories[0].products = std::vector<std::string>{"p"};
  p.factories[1].products = std::vector<std::string>{"p", "q"};
  if (with_c) {
    p.factories.push_back(factory("C", 10, 1.0, 1.0, 3.0));
    p.factories[2].products = std::vector<std::string>{"p"};
  }
  // Q fills B on days 6–9; O1 sits at A on day 9.
  p.orders = {order("Q", "q", 40, 9), order("O1", "p", 10, 9)};
  p.horizon_days = 10;
  p.unmet_penalty = 100;
  p.holding_cost_per_unit_day = 0.1;
  return p;
}

TEST(ProductionFailover, StoppedFactoryMovesWithin72hWhereCapacityAllows) {
  ProductionProblem p = failover_problem(true);
  auto result = solve_production_failover(p, {0});
  ASSERT_TRUE(result) << result.error().to_string();
  // Base: Q at B days 6–9 (80 + 0.1·10·(3+2+1+0) = 86), O1 at A day 9 (10): 96.
  EXPECT_EQ(slots_of(p, result->base), (Slots{{{"Q", "B", 6}, 10},
                                              {{"Q", "B", 7}, 10},
                                              {{"Q", "B", 8}, 10},
                                              {{"Q", "B", 9}, 10},
                                              {{"O1", "A", 9}, 10}}));
  EXPECT_NEAR(result->base.objective, 96.0, 1e-9);
  // A stops: O1's slot is day 9, its window days 6–9 (due 9). B is full there; C has
  // room on day 9 at 3 a unit: 30. (B on day 5 would be 20 + 0.1·10·4 = 24, cheaper but
  // 4 days early: the window pass comes first.) Final 86 + 30 = 116.
  ASSERT_EQ(result->moves.size(), 1u);
  const ProductionMove& move = result->moves[0];
  EXPECT_EQ(p.orders[move.order].id, "O1");
  EXPECT_EQ(p.factories[move.from_factory].id, "A");
  EXPECT_EQ(move.from_day, 9);
  ASSERT_TRUE(move.to_factory);
  EXPECT_EQ(p.factories[*move.to_factory].id, "C");
  EXPECT_EQ(move.to_day, 9);
  EXPECT_EQ(move.qty_units, 10);
  EXPECT_TRUE(move.within_window);
  EXPECT_EQ(result->moved_within_window_units, 10);
  EXPECT_EQ(result->moved_outside_window_units, 0);
  EXPECT_NEAR(result->plan.objective, 116.0, 1e-9);
  EXPECT_EQ(result->stopped, (std::vector<size_t>{0}));
  // The kept plan is unchanged: Q stays at B days 6–9.
  EXPECT_EQ(slots_of(p, result->plan).at({"Q", "B", 6}), 10);
}

TEST(ProductionFailover, OutsideTheWindowIsReportedAndTheRestIsUnmet) {
  // Without C: O1 can only go to B, full on days 6–9, so day 5 — 4 days before its
  // slot, reported outside 72 h. 20 + 0.1·10·4 = 24; final 86 + 24 = 110.
  ProductionProblem p = failover_problem(false);
  p.factories[0].stopped = true;  // "stopped": true in the file: same as --stop
  auto result = solve_production_failover(p, {});
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_NEAR(result->base.objective, 96.0, 1e-9);
  ASSERT_EQ(result->moves.size(), 1u);
  EXPECT_EQ(result->moves[0].to_day, 5);
  EXPECT_FALSE(result->moves[0].within_window);
  EXPECT_EQ(result->moved_outside_window_units, 10);
  EXPECT_NEAR(result->plan.objective, 110.0, 1e-9);
  boost::json::object json = production_failover_json(p, *result);
  EXPECT_EQ(
      boost::json::serialize(json.at("moved")),
      R"([{"order":"O1","qty":10,"from_factory":"A","from_day":9,"to_factory":"B","within_72h":false,"to_day":5}])");
  // O1 due day 2 with B full on days 0–9 (Q = 100 units): nowhere to go, unmet.
  p.orders[1].due_day = 2;
  p.orders[1].qty_units = 5;
  p.orders[0].qty_units = 100;
  auto stuck = solve_production_failover(p, {0});
  ASSERT_TRUE(stuck) << stuck.error().to_string();
  ASSERT_EQ(stuck->moves.size(), 1u);
  EXPECT_FALSE(stuck->moves[0].to_factory);
  EXPECT_EQ(stuck->failover_unmet_units, 5);
  EXPECT_EQ(stuck->plan.unmet_units, 5);
  // Base: Q at B every day, 100·2 + holding 0.1·10·(9+8+…+0) = 200 + 45 = 245, plus
  // O1 5·1 at A day 2: 250. After: 245 + 5·100 = 745.
  EXPECT_NEAR(stuck->base.objective, 250.0, 1e-9);
  EXPECT_NEAR(stuck->plan.objective, 745.0, 1e-9);
  EXPECT_FALSE(solve_production_failover(p, {7}));
}

// ---- JSON and validation ----

constexpr const char* kValidProblem = R"({
  "factories": [{"id": "F1", "capacity_units_per_day": 100, "capacity_score": 0.9,
                 "fulfilment_rating": 0.95, "unit_cost": 4.5, "products": ["desk-top", "leg"],
                 "setup_cost": 20},
                {"id": "F2", "capacity_units_per_day": 50, "capacity_score": 1,
                 "fulfilment_rating": 1, "unit_cost": 6, "stopped": false}],
  "orders": [{"id": "O1", "product": "desk", "qty": 10, "due_day": 2, "kind": "normal"},
             {"id": "O2", "product": "leg", "qty": 30, "due_day": 1, "kind": "emergency",
              "modules": [{"module": "leg", "qty_per_unit": 1}]}],
  "boms": {"desk": [{"module": "desk-top", "qty_per_unit": 1}, {"module": "leg", "qty_per_unit": 4}]},
  "horizon_days": 3,
  "unmet_penalty": 100,
  "emergency_unmet_penalty": 500,
  "holding_cost_per_unit_day": 0.01})";

// kValidProblem with `from` replaced by `to` (first occurrence).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kValidProblem;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ProductionJson, ValidProblemParsesAndSolves) {
  auto p = parse_production_problem_text(kValidProblem);
  ASSERT_TRUE(p) << p.error().to_string();
  ASSERT_EQ(p->factories.size(), 2u);
  EXPECT_EQ(p->factories[0].effective_units_per_day(), 90);
  EXPECT_FALSE(p->factories[1].products);
  EXPECT_EQ(p->orders[1].kind, OrderKind::emergency);
  auto expanded = expand_production_orders(*p);
  ASSERT_TRUE(expanded);
  ASSERT_EQ(expanded->problem.orders.size(), 3u);  // O1/desk-top, O1/leg, O2/leg
  auto plan = solve_production(expanded->problem);
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_EQ(plan->unmet_units, 0);
  boost::json::object out = production_plan_json(expanded->problem, *plan);
  EXPECT_EQ(out.at("status").as_string(), "optimal");
  EXPECT_NEAR(out.at("objective").to_number<double>(), plan->objective, 1e-9);
  // F1 costs 4.5 / 0.95 = 4.737 a unit plus 20 per order set up; F2 6, no setup.
  // O1/desk-top (10): F1 47.37 + 20 = 67.37 > F2 60 → F2. O1/leg (40): F1 189.47 + 20 =
  // 209.47 < 240 → F1. O2/leg (30): 142.11 + 20 = 162.11 < 180 → F1. Each on its due
  // day (F1 has 90/day): no holding. 70 · 4.5 / 0.95 + 60 + 40 = 431.58.
  EXPECT_EQ(totals_of(expanded->problem, *plan),
            (std::map<std::pair<std::string, std::string>, int64_t>{
                {{"O1/desk-top", "F2"}, 10}, {{"O1/leg", "F1"}, 40}, {{"O2/leg", "F1"}, 30}}));
  EXPECT_NEAR(plan->production_cost, 70 * 4.5 / 0.95 + 60, 1e-6);
  EXPECT_NEAR(plan->setup_cost, 40.0, 1e-9);
  EXPECT_NEAR(plan->holding_cost, 0.0, 1e-9);
  EXPECT_NEAR(plan->objective, 70 * 4.5 / 0.95 + 100, 1e-6);
}

struct BadInput {
  std::string from, to;     // edit of kValidProblem
  std::string field;        // expected Error::field
  std::string detail_part;  // expected in Error::detail
  ErrorCode code = ErrorCode::invalid_argument;
};

TEST(ProductionJson, EveryValidationErrorNamesTheField) {
  const std::vector<BadInput> cases = {
      {R"("id": "F2")", R"("id": "F1")", "factories[1].id", "duplicate factory id 'F1'"},
      {R"("id": "F2")", R"("id": "F 2")", "factories[1].id", ""},
      {R"("capacity_units_per_day": 100)", R"("capacity_units_per_day": -1)",
       "factories[0].capacity_units_per_day", "≥ 0"},
      {R"("capacity_units_per_day": 100)", R"("capacity_units_per_day": 2000000)",
       "factories[0].capacity_units_per_day", "at most", ErrorCode::limit_exceeded},
      {R"("capacity_units_per_day": 100)", R"("capacity_units_per_day": 1.5)",
       "factories[0].capacity_units_per_day", "integer"},
      {R"("capacity_score": 0.9)", R"("capacity_score": 1.2)", "factories[0].capacity_score",
       "[0, 1]"},
      {R"("fulfilment_rating": 0.95)", R"("fulfilment_rating": 0)",
       "factories[0].fulfilment_rating", "[0.01, 1]"},
      {R"("fulfilment_rating": 0.95,)", "", "factories[0].fulfilment_rating", "required"},
      {R"("unit_cost": 4.5)", R"("unit_cost": -4.5)", "factories[0].unit_cost", "≥ 0"},
      {R"("unit_cost": 4.5)", R"("unit_cost": "4.5")", "factories[0].unit_cost", "number"},
      {R"("setup_cost": 20)", R"("setup_cost": 2e7)", "factories[0].setup_cost", "at most",
       ErrorCode::limit_exceeded},
      {R"(["desk-top", "leg"])", R"(["desk-top", 7])", "factories[0].products[1]", "string"},
      {R"(["desk-top", "leg"])", R"(["desk top"])", "factories[0].products[0]", ""},
      {R"("stopped": false)", R"("stopped": "no")", "factories[1].stopped", "true or false"},
      {R"("stopped": false)", R"("stoped": false)", "factories[1].stoped", "unknown field"},
      {R"("id": "O1")", R"("id": "O2")", "orders[1].id", "duplicate order id 'O2'"},
      {R"("qty": 10)", R"("qty": 0)", "orders[0].qty", "≥ 1"},
      {R"("qty": 10)", R"("qty": 10.5)", "orders[0].qty", "integer"},
      {R"("due_day": 2)", R"("due_day": 3)", "orders[0].due_day", "0 … 2"},
      {R"("due_day": 2)", R"("due_day": -1)", "orders[0].due_day", "0 … 2"},
      {R"("kind": "normal")", R"("kind": "urgent")", "orders[0].kind", "unknown kind 'urgent'"},
      {R"(, "kind": "normal")", "", "orders[0].kind", "required"},
      {R"("product": "desk")", R"("product": "")", "orders[0].product", ""},
      {R"("modules": [{"module": "leg", "qty_per_unit": 1}])", R"("modules": [])",
       "orders[1].modules", "must not be empty"},
      {R"("qty_per_unit": 1}])", R"("qty_per_unit": 0}])", "orders[1].modules[0].qty_per_unit",
       "≥ 1"},
      {R"({"module": "leg", "qty_per_unit": 1}])", R"({"modul": "leg", "qty_per_unit": 1}])",
       "orders[1].modules[0].modul", "unknown field"},
      {R"({"module": "leg", "qty_per_unit": 4})", R"({"module": "desk-top", "qty_per_unit": 4})",
       "boms.desk[1].module", "duplicate module 'desk-top'"},
      {R"("qty_per_unit": 4})", R"("qty_per_unit": 5000})", "boms.desk[1].qty_per_unit", "at most",
       ErrorCode::limit_exceeded},
      {R"("desk": [)", R"("desk": 5, "x": [)", "boms.desk", "must be an array"},
      {R"("horizon_days": 3)", R"("horizon_days": 0)", "horizon_days", "≥ 1"},
      {R"("horizon_days": 3)", R"("horizon_days": 400)", "horizon_days", "at most",
       ErrorCode::limit_exceeded},
      {R"("unmet_penalty": 100)", R"("unmet_penalty": 0)", "unmet_penalty", "> 0"},
      {R"("emergency_unmet_penalty": 500)", R"("emergency_unmet_penalty": 50)",
       "emergency_unmet_penalty", "≥ unmet_penalty"},
      {R"("holding_cost_per_unit_day": 0.01)", R"("holding_cost_per_unit_day": -1)",
       "holding_cost_per_unit_day", "≥ 0"},
      {R"("horizon_days": 3)", R"("horizon_days": 3, "solver": "glpk")", "solver", "unknown field"},
      {R"("holding_cost_per_unit_day": 0.01})", "", "problem", "not valid JSON"},
  };
  for (const BadInput& bad : cases) {
    std::string text = edited(bad.from, bad.to);
    auto p = parse_production_problem_text(text);
    ASSERT_FALSE(p) << "accepted: " << text;
    EXPECT_EQ(p.error().field, bad.field) << p.error().to_string();
    EXPECT_EQ(p.error().code, bad.code) << p.error().to_string();
    EXPECT_NE(p.error().detail.find(bad.detail_part), std::string::npos) << p.error().to_string();
  }
}

TEST(ProductionJson, WrongShapesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"factories": 5, "orders": [], "horizon_days": 1, "unmet_penalty": 1})", "factories"},
      {R"({"factories": [], "orders": {}, "horizon_days": 1, "unmet_penalty": 1})", "orders"},
      {R"({"factories": [3], "orders": [], "horizon_days": 1, "unmet_penalty": 1})",
       "factories[0]"},
      {R"({"factories": [], "orders": [], "horizon_days": 1})", "unmet_penalty"},
      {R"({"factories": [], "orders": [], "unmet_penalty": 1})", "horizon_days"},
      {R"({"orders": [], "horizon_days": 1, "unmet_penalty": 1})", "factories"},
      {R"({"factories": [], "orders": [], "boms": [], "horizon_days": 1, "unmet_penalty": 1})",
       "boms"},
      {R"([1, 2])", "problem"},
  };
  for (const auto& [text, field] : cases) {
    auto p = parse_production_problem_text(text);
    ASSERT_FALSE(p) << "accepted: " << text;
    EXPECT_EQ(p.error().field, field) << p.error().to_string();
  }
}

TEST(ProductionLimits, SizesBeyondTheLimitsAreRefused) {
  ProductionProblem p;
  p.horizon_days = 1;
  p.unmet_penalty = 1;
  for (size_t i = 0; i <= kProductionFactoriesMax; ++i) {
    p.factories.push_back(factory("F" + std::to_string(i), 1, 1, 1, 1));
  }
  auto many_factories = solve_production(p);
  ASSERT_FALSE(many_factories);
  EXPECT_EQ(many_factories.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(many_factories.error().field, "factories");

  p.factories.resize(1);
  for (size_t i = 0; i <= kProductionOrdersMax; ++i) {
    p.orders.push_back(order("O" + std::to_string(i), "x", 1, 0));
  }
  auto many_orders = solve_production(p);
  ASSERT_FALSE(many_orders);
  EXPECT_EQ(many_orders.error().field, "orders");

  // 1,000 orders due on the last of 366 days at one factory: 366,000 x columns.
  p.orders.resize(1000);
  p.horizon_days = kProductionHorizonDaysMax;
  for (ProductionOrder& o : p.orders) o.due_day = kProductionHorizonDaysMax - 1;
  auto many_variables = solve_production(p);
  ASSERT_FALSE(many_variables);
  EXPECT_EQ(many_variables.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(many_variables.error().field, "variables");

  // Module expansion past the quantity limit names the order's qty.
  ProductionProblem bom;
  bom.horizon_days = 1;
  bom.unmet_penalty = 1;
  bom.orders = {order("D1", "desk", kProductionQtyMax, 0)};
  bom.boms = {{"desk", {{"leg", 4}}}};
  auto too_many_legs = expand_production_orders(bom);
  ASSERT_FALSE(too_many_legs);
  EXPECT_EQ(too_many_legs.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(too_many_legs.error().field, "orders[0].qty");

  ProductionProblem one;
  one.horizon_days = 1;
  one.unmet_penalty = 1;
  auto bad_limit = solve_production(one, {0.0});
  ASSERT_FALSE(bad_limit);
  EXPECT_EQ(bad_limit.error().field, "time_limit_s");
}

TEST(ProductionLimits, TimeLimitIsReportedHonestly) {
  // A benchmark-sized instance with a 10 ms limit: either CBC proves optimality in time
  // (then status optimal and bound = objective) or the status says it did not.
  ProductionProblem p = generate_production_instance({12, 300, 10, 30, 3});
  auto plan = solve_production(p, {0.01});
  ASSERT_TRUE(plan) << plan.error().to_string();
  EXPECT_TRUE(check_production_plan(p, *plan));
  if (plan->status == ProductionStatus::optimal) {
    ASSERT_TRUE(plan->best_bound);
    EXPECT_NEAR(*plan->best_bound, plan->objective, 1e-6 * std::max(1.0, plan->objective));
  } else {
    EXPECT_TRUE(plan->status == ProductionStatus::feasible ||
                plan->status == ProductionStatus::greedy_fallback);
  }
  std::printf("10 ms limit: status %s, objective %.2f, %.3f s\n",
              std::string(production_status_name(plan->status)).c_str(), plan->objective,
              plan->solve_s);
  EXPECT_LT(plan->solve_s, 5.0);
}

// ---- seeded comparison with exhaustive enumeration ----

// Every integer plan of a tiny instance: x[o][f][d] for d ≤ due, Σ ≤ qty, capacities.
// The objective is written out here, independently of score_production_plan.
double brute_force_objective(const ProductionProblem& p) {
  EXPECT_TRUE(p.orders.size() <= 2 && p.factories.size() <= 2 && p.horizon_days <= 2);
  struct Cell {
    size_t o, f;
    int64_t d;
  };
  std::vector<Cell> cells;
  for (size_t o = 0; o < p.orders.size(); ++o) {
    for (size_t f = 0; f < p.factories.size(); ++f) {
      if (p.factories[f].stopped || !p.factories[f].makes(p.orders[o].product)) continue;
      for (int64_t d = 0; d <= p.orders[o].due_day; ++d) cells.push_back({o, f, d});
    }
  }
  std::vector<int64_t> x(cells.size(), 0);
  double best = INFINITY;
  while (true) {
    // Tiny instances: at most 2 orders, 2 factories, 2 days.
    int64_t made[2] = {0, 0};
    int64_t load[2][2] = {{0, 0}, {0, 0}};
    bool used[2][2] = {{false, false}, {false, false}};
    double objective = 0;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (x[i] == 0) continue;
      const Cell& c = cells[i];
      const ProductionFactory& f = p.factories[c.f];
      made[c.o] += x[i];
      load[c.f][c.d] += x[i];
      used[c.o][c.f] = true;
      objective += static_cast<double>(x[i]) *
                   (f.unit_cost / f.fulfilment_rating +
                    p.holding_cost_per_unit_day * static_cast<double>(p.orders[c.o].due_day - c.d));
    }
    bool ok = true;
    for (size_t f = 0; f < p.factories.size(); ++f) {
      for (int64_t d = 0; d < p.horizon_days; ++d) {
        ok = ok && load[f][d] <= p.factories[f].effective_units_per_day();
      }
    }
    for (size_t o = 0; o < p.orders.size(); ++o) {
      ok = ok && made[o] <= p.orders[o].qty_units;
      double penalty =
          p.orders[o].kind == OrderKind::emergency ? p.emergency_penalty() : p.unmet_penalty;
      objective += penalty * static_cast<double>(p.orders[o].qty_units - made[o]);
    }
    for (size_t o = 0; o < p.orders.size(); ++o) {
      for (size_t f = 0; f < p.factories.size(); ++f) {
        if (used[o][f]) objective += p.factories[f].setup_cost;
      }
    }
    if (ok) best = std::min(best, objective);
    size_t i = 0;
    while (i < x.size() && x[i] == p.orders[cells[i].o].qty_units) x[i++] = 0;
    if (i == x.size()) break;
    ++x[i];
  }
  return best;
}

ProductionProblem random_tiny_problem(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> amount(0.0, 10.0);
  ProductionProblem p;
  p.horizon_days = 1 + static_cast<int64_t>(rng() % 2);
  for (int f = 0; f < 2; ++f) {
    ProductionFactory factory;
    factory.id = "F" + std::to_string(f);
    factory.capacity_units_per_day = static_cast<int64_t>(rng() % 5);  // 0 … 4
    factory.capacity_score = rng() % 2 == 0 ? 1.0 : 0.5;
    factory.fulfilment_rating = 0.5 + 0.5 * static_cast<double>(rng() % 2);
    factory.unit_cost = amount(rng);
    factory.setup_cost = rng() % 2 == 0 ? 0.0 : amount(rng);
    if (rng() % 3 == 0) factory.products = std::vector<std::string>{"a"};
    factory.stopped = rng() % 8 == 0;
    p.factories.push_back(std::move(factory));
  }
  for (int o = 0; o < 2; ++o) {
    p.orders.push_back(order("O" + std::to_string(o), rng() % 5 == 0 ? "b" : "a",
                             1 + static_cast<int64_t>(rng() % 3),
                             static_cast<int64_t>(rng() % static_cast<uint64_t>(p.horizon_days)),
                             rng() % 3 == 0 ? OrderKind::emergency : OrderKind::normal));
  }
  p.unmet_penalty = 1 + amount(rng);
  if (rng() % 2 == 0) p.emergency_unmet_penalty = p.unmet_penalty + amount(rng);
  p.holding_cost_per_unit_day = rng() % 2 == 0 ? 0.0 : amount(rng) / 10;
  return p;
}

TEST(ProductionRandom, CbcMatchesEnumerationOnTinyInstances) {
  const uint64_t seed = livechain::test_support::test_seed(20261207);
  std::mt19937_64 rng(seed);
  int with_production = 0, with_unmet = 0, with_setup = 0;
  for (int round = 0; round < 300; ++round) {
    ProductionProblem p = random_tiny_problem(rng);
    auto plan = solve_production(p);
    ASSERT_TRUE(plan) << plan.error().to_string() << " seed " << seed << " round " << round;
    ASSERT_EQ(plan->status, ProductionStatus::optimal);
    EXPECT_TRUE(check_production_plan(p, *plan));
    double brute = brute_force_objective(p);
    EXPECT_NEAR(plan->objective, brute, 1e-6) << "seed " << seed << " round " << round;
    ProductionPlan greedy = greedy_production_plan(p);
    EXPECT_TRUE(check_production_plan(p, greedy));
    EXPECT_GE(greedy.objective, brute - 1e-6);
    with_production += plan->produced_units > 0 ? 1 : 0;
    with_unmet += plan->unmet_units > 0 ? 1 : 0;
    with_setup += plan->setup_cost > 0 ? 1 : 0;
  }
  std::printf("tiny instances: %d with production, %d with unmet, %d with a setup paid\n",
              with_production, with_unmet, with_setup);
  // The draw must exercise the solver, not only empty instances.
  EXPECT_GE(with_production, 120);
  EXPECT_GE(with_unmet, 50);
  EXPECT_GE(with_setup, 30);
}

TEST(ProductionRandom, CbcBeatsOrMatchesGreedyOnSeededInstances) {
  const uint64_t seed = livechain::test_support::test_seed(11);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 5; ++round) {
    ProductionInstanceShape shape{2 + rng() % 4, 10 + rng() % 30, 1 + rng() % 4,
                                  static_cast<int64_t>(3 + rng() % 8), rng()};
    ProductionProblem p = generate_production_instance(shape);
    auto plan = solve_production(p, {2.0});
    ASSERT_TRUE(plan) << plan.error().to_string();
    EXPECT_TRUE(check_production_plan(p, *plan));
    ProductionPlan greedy = greedy_production_plan(p);
    EXPECT_TRUE(check_production_plan(p, greedy));
    EXPECT_LE(plan->objective, greedy.objective + 1e-6) << "seed " << seed << " round " << round;
    ASSERT_TRUE(plan->best_bound);
    EXPECT_LE(*plan->best_bound, plan->objective + 1e-6 * std::max(1.0, plan->objective));
    std::printf(
        "round %d: %zu factories, %zu orders, %lld days: %s, CBC %.2f (bound %.2f), greedy %.2f, "
        "%.3f s\n",
        round, p.factories.size(), p.orders.size(), static_cast<long long>(p.horizon_days),
        std::string(production_status_name(plan->status)).c_str(), plan->objective,
        *plan->best_bound, greedy.objective, plan->solve_s);
    // Failover of the first factory keeps every rule.
    auto failover = solve_production_failover(p, {0}, {2.0});
    ASSERT_TRUE(failover) << failover.error().to_string();
    int64_t displaced = 0;
    for (const ProductionAssignment& a : failover->base.assignments) {
      if (a.factory == 0) displaced += a.qty_units;
    }
    EXPECT_EQ(failover->moved_within_window_units + failover->moved_outside_window_units +
                  failover->failover_unmet_units,
              displaced);
  }
}

}  // namespace
