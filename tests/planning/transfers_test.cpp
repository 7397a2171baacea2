// tests/planning/transfers_test.cpp — threshold-triggered transfers (issue 18 §3).
//
// Small instances whose optimal moves and objective were worked out by hand (comments
// show the arithmetic), capacity limits, unmet need, weights that flip a route, every
// validation error naming its field, the limits, and seeded random instances where the
// network simplex is compared with an exhaustive enumeration of integer plans (tiny
// instances) and with LEMON's capacity scaling (an independent algorithm, larger ones).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "planning/transfers.hpp"
#include "support/seed.hpp"

namespace {

using namespace livechain;
using namespace livechain::planning;

// The plan's moves as "FROM>TO" → qty, for exact comparisons.
std::map<std::string, int64_t> moves_of(const TransferProblem& problem, const TransferPlan& plan) {
  std::map<std::string, int64_t> out;
  for (const TransferMove& move : plan.moves) {
    const TransferLane& lane = problem.lanes[move.lane];
    out[problem.sites[lane.from].id + ">" + problem.sites[lane.to].id] = move.qty_units;
  }
  return out;
}

// Checks every rule of the model on a plan, independently of the solver: lanes and
// capacities, at most spare sent, at most need received, unmet = Σ need − received.
void expect_feasible(const TransferProblem& problem, const TransferPlan& plan) {
  std::vector<int64_t> sent(problem.sites.size()), received(problem.sites.size());
  for (const TransferMove& move : plan.moves) {
    ASSERT_LT(move.lane, problem.lanes.size());
    const TransferLane& lane = problem.lanes[move.lane];
    EXPECT_GT(move.qty_units, 0);
    if (lane.capacity_units) {
      EXPECT_LE(move.qty_units, *lane.capacity_units);
    }
    sent[lane.from] += move.qty_units;
    received[lane.to] += move.qty_units;
  }
  int64_t unmet = 0;
  for (size_t i = 0; i < problem.sites.size(); ++i) {
    EXPECT_LE(sent[i], problem.sites[i].spare_units()) << problem.sites[i].id;
    EXPECT_LE(received[i], problem.sites[i].need_units()) << problem.sites[i].id;
    unmet += problem.sites[i].need_units() - received[i];
  }
  EXPECT_EQ(plan.unmet_units, unmet);
}

// DC (spare 100), S1 (need 20), S2 (spare 30), S3 (need 40); lanes DC→S1 5, DC→S3 4,
// S2→S1 1, S2→S3 2 (cost per unit; no lead time, no CO2; weights cost = 1).
TransferProblem four_site_problem() {
  TransferProblem p;
  p.sites = {{"DC", "dc", 100, 0},
             {"S1", "store", 10, 30},
             {"S2", "store", 50, 20},
             {"S3", "store", 0, 40}};
  p.lanes = {{0, 1, 5, 0, 0, {}}, {0, 3, 4, 0, 0, {}}, {2, 1, 1, 0, 0, {}}, {2, 3, 2, 0, 0, {}}};
  p.weights = {1, 0, 0};
  p.unmet_penalty = 100;
  return p;
}

TEST(Transfers, HandCheckedNearestStoreFirstThenDc) {
  TransferProblem p = four_site_problem();
  auto plan = solve_transfers(p);
  ASSERT_TRUE(plan) << plan.error().to_string();
  // S2's 30 spare saves 5 − 1 = 4 per unit towards S1 (need 20) and 4 − 2 = 2 towards
  // S3: S2→S1 20, S2→S3 10, DC→S3 30. 20·1 + 10·2 + 30·4 = 160.
  EXPECT_EQ(moves_of(p, *plan),
            (std::map<std::string, int64_t>{{"S2>S1", 20}, {"S2>S3", 10}, {"DC>S3", 30}}));
  EXPECT_DOUBLE_EQ(plan->objective, 160.0);
  EXPECT_DOUBLE_EQ(plan->cost, 160.0);
  EXPECT_EQ(plan->unmet_units, 0);
  EXPECT_EQ(plan->moved_units, 60);
  expect_feasible(p, *plan);
  // Baseline: every need from the DC. 20·5 + 40·4 = 260.
  TransferPlan base = nearest_dc_baseline(p);
  EXPECT_EQ(moves_of(p, base), (std::map<std::string, int64_t>{{"DC>S1", 20}, {"DC>S3", 40}}));
  EXPECT_DOUBLE_EQ(base.objective, 260.0);
  expect_feasible(p, base);
}

TEST(Transfers, LaneCapacityBindsAndTheRestGoesElsewhere) {
  TransferProblem p = four_site_problem();
  p.lanes[2].capacity_units = 5;  // S2→S1 at most 5
  auto plan = solve_transfers(p);
  ASSERT_TRUE(plan) << plan.error().to_string();
  // S2→S1 5 (saves 4 each), S2→S3 25 (saves 2 each), DC→S1 15, DC→S3 15:
  // 5·1 + 25·2 + 15·5 + 15·4 = 190 = 260 − 20 − 50.
  EXPECT_EQ(moves_of(p, *plan), (std::map<std::string, int64_t>{
                                    {"S2>S1", 5}, {"S2>S3", 25}, {"DC>S1", 15}, {"DC>S3", 15}}));
  EXPECT_DOUBLE_EQ(plan->objective, 190.0);
  expect_feasible(p, *plan);
  // A zero-capacity lane carries nothing.
  p.lanes[2].capacity_units = 0;
  p.lanes[3].capacity_units = 0;
  auto closed = solve_transfers(p);
  ASSERT_TRUE(closed);
  EXPECT_EQ(moves_of(p, *closed), (std::map<std::string, int64_t>{{"DC>S1", 20}, {"DC>S3", 40}}));
}

TEST(Transfers, InfeasibleInstanceReportsUnmet) {
  TransferProblem p;
  p.sites = {{"DC", "dc", 10, 0}, {"S1", "store", 0, 20}, {"S2", "store", 0, 7}};
  p.lanes = {{0, 1, 1, 0, 0, {}}};  // S2 has no lane at all
  p.weights = {1, 0, 0};
  p.unmet_penalty = 100;
  auto plan = solve_transfers(p);
  ASSERT_TRUE(plan) << plan.error().to_string();
  // DC→S1 10; S1 short 10, S2 short 7: 10·1 + 17·100 = 1710.
  EXPECT_EQ(moves_of(p, *plan), (std::map<std::string, int64_t>{{"DC>S1", 10}}));
  EXPECT_EQ(plan->unmet_units, 17);
  ASSERT_EQ(plan->unmet_by_site.size(), 2u);
  EXPECT_EQ(plan->unmet_by_site[0].site, 1u);
  EXPECT_EQ(plan->unmet_by_site[0].qty_units, 10);
  EXPECT_EQ(plan->unmet_by_site[1].site, 2u);
  EXPECT_EQ(plan->unmet_by_site[1].qty_units, 7);
  EXPECT_DOUBLE_EQ(plan->objective, 1710.0);
  // A lane dearer than the penalty is not worth using: 20·0.5 + 7·0.5 = 13.5.
  p.unmet_penalty = 0.5;
  auto idle = solve_transfers(p);
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->moves.empty());
  EXPECT_EQ(idle->unmet_units, 27);
  EXPECT_DOUBLE_EQ(idle->objective, 13.5);
}

TEST(Transfers, NothingToDoIsAnEmptyPlan) {
  TransferProblem empty;
  empty.unmet_penalty = 1;
  auto none = solve_transfers(empty);
  ASSERT_TRUE(none) << none.error().to_string();
  EXPECT_TRUE(none->moves.empty());
  EXPECT_EQ(none->unmet_units, 0);
  EXPECT_EQ(none->objective, 0.0);
  // Everyone at target: lanes exist but carry nothing.
  TransferProblem balanced = four_site_problem();
  for (TransferSite& site : balanced.sites) site.target_units = site.stock_units;
  auto idle = solve_transfers(balanced);
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->moves.empty());
  EXPECT_EQ(idle->objective, 0.0);
}

TEST(Transfers, CarbonWeightFlipsTheRoute) {
  TransferProblem p;
  p.sites = {{"D1", "dc", 50, 0}, {"D2", "dc", 50, 0}, {"S", "store", 0, 10}};
  // D1: cheap, dirty and fast; D2: dearer, clean and slow.
  p.lanes = {{0, 2, 2.0, 5, 5.0, {}}, {1, 2, 3.0, 20, 0.5, {}}};
  p.weights = {1, 0, 0};
  p.unmet_penalty = 1000;
  auto cheap = solve_transfers(p);
  ASSERT_TRUE(cheap);
  EXPECT_EQ(moves_of(p, *cheap), (std::map<std::string, int64_t>{{"D1>S", 10}}));
  EXPECT_DOUBLE_EQ(cheap->co2_kg, 50.0);
  // co2 weight 1: D1 costs 2 + 5 = 7 per unit, D2 3 + 0.5 = 3.5.
  p.weights = {1, 0, 1};
  auto green = solve_transfers(p);
  ASSERT_TRUE(green);
  EXPECT_EQ(moves_of(p, *green), (std::map<std::string, int64_t>{{"D2>S", 10}}));
  EXPECT_DOUBLE_EQ(green->objective, 35.0);
  EXPECT_DOUBLE_EQ(green->cost, 30.0);
  EXPECT_DOUBLE_EQ(green->co2_kg, 5.0);
  // Lead-time weight 0.1 on top: D1 7 + 0.5 = 7.5, D2 3.5 + 2 = 5.5, still D2; at 0.5
  // D1 7 + 2.5 = 9.5, D2 3.5 + 10 = 13.5: back to D1.
  p.weights = {1, 0.5, 1};
  auto fast = solve_transfers(p);
  ASSERT_TRUE(fast);
  EXPECT_EQ(moves_of(p, *fast), (std::map<std::string, int64_t>{{"D1>S", 10}}));
  EXPECT_DOUBLE_EQ(fast->objective, 95.0);
  EXPECT_DOUBLE_EQ(fast->qty_lead_time_h, 50.0);
}

TEST(Transfers, BaselineUsesTheNearestDcByLeadTimeOnly) {
  TransferProblem p;
  p.sites = {{"D1", "dc", 5, 0}, {"D2", "dc", 50, 0}, {"S", "store", 0, 10}, {"T", "store", 20, 0}};
  p.lanes = {{0, 2, 9, 1, 0, {}}, {1, 2, 1, 2, 0, {}}, {3, 2, 0.5, 0.5, 0, {}}};
  p.weights = {1, 0, 0};
  p.unmet_penalty = 100;
  // D1 is nearest (1 h) but has 5 spare: baseline ships 5, leaves 5 unmet; the store
  // lane from T is never a baseline source. 5·9 + 5·100 = 545.
  TransferPlan base = nearest_dc_baseline(p);
  EXPECT_EQ(moves_of(p, base), (std::map<std::string, int64_t>{{"D1>S", 5}}));
  EXPECT_EQ(base.unmet_units, 5);
  EXPECT_DOUBLE_EQ(base.objective, 545.0);
  auto plan = solve_transfers(p);
  ASSERT_TRUE(plan);
  EXPECT_EQ(moves_of(p, *plan), (std::map<std::string, int64_t>{{"T>S", 10}}));
  EXPECT_DOUBLE_EQ(plan->objective, 5.0);
}

// ---- JSON and validation ----

constexpr const char* kValidProblem = R"({
  "sites": [{"id": "DC", "kind": "dc", "stock": 100, "target": 0},
            {"id": "S1", "kind": "store", "stock": 10, "target": 30}],
  "lanes": [{"from": "DC", "to": "S1", "cost_per_unit": 1.5, "lead_time_h": 4,
             "co2_kg_per_unit": 0.2, "capacity": 50}],
  "weights": {"cost": 1, "lead_time_h": 0.1, "co2_kg": 2},
  "unmet_penalty": 100})";

// kValidProblem with `from` replaced by `to` (first occurrence).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kValidProblem;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(TransfersJson, ValidProblemRoundTrips) {
  auto p = parse_transfer_problem_text(kValidProblem);
  ASSERT_TRUE(p) << p.error().to_string();
  ASSERT_EQ(p->lanes.size(), 1u);
  EXPECT_EQ(p->lanes[0].capacity_units, 50);
  auto plan = solve_transfers(*p);
  ASSERT_TRUE(plan);
  boost::json::object out = transfer_plan_json(*p, *plan);
  // 20 units at 1.5 + 0.1·4 + 2·0.2 = 2.3 per unit = 46.
  EXPECT_EQ(boost::json::serialize(out.at("moves")), R"([{"from":"DC","to":"S1","qty":20}])");
  EXPECT_NEAR(out.at("objective").as_double(), 46.0, 1e-9);
  EXPECT_EQ(out.at("unmet").as_int64(), 0);
  EXPECT_NEAR(out.at("cost").as_double(), 30.0, 1e-9);
  EXPECT_NEAR(out.at("co2_kg").as_double(), 4.0, 1e-9);
}

struct BadInput {
  std::string from, to;     // edit of kValidProblem
  std::string field;        // expected Error::field
  std::string detail_part;  // expected in Error::detail
  ErrorCode code = ErrorCode::invalid_argument;
};

TEST(TransfersJson, EveryValidationErrorNamesTheField) {
  const std::vector<BadInput> cases = {
      {R"("to": "S1")", R"("to": "S9")", "lanes[0].to", "unknown site 'S9'"},
      {R"("from": "DC")", R"("from": 3)", "lanes[0].from", "must be a string"},
      {R"("to": "S1")", R"("to": "DC")", "lanes[0].to", "same site as from"},
      {R"("id": "S1")", R"("id": "DC")", "sites[1].id", "duplicate site id 'DC'"},
      {R"("id": "S1")", R"("id": "S 1")", "sites[1].id", ""},
      {R"("stock": 100)", R"("stock": -1)", "sites[0].stock", "≥ 0"},
      {R"("stock": 100)", R"("stock": 1.5)", "sites[0].stock", "integer"},
      {R"("target": 0)", R"("target": -5)", "sites[0].target", "≥ 0"},
      {R"(, "target": 0)", "", "sites[0].target", "required"},
      {R"("kind": "dc")", R"("kind": "depot")", "sites[0].kind", "unknown kind 'depot'"},
      {R"("capacity": 50)", R"("capacity": -1)", "lanes[0].capacity", "≥ 0"},
      {R"("capacity": 50)", R"("capacty": 50)", "lanes[0].capacty", "unknown field"},
      {R"("cost_per_unit": 1.5)", R"("cost_per_unit": -1.5)", "lanes[0].cost_per_unit", "≥ 0"},
      {R"("cost_per_unit": 1.5)", R"("cost_per_unit": "1.5")", "lanes[0].cost_per_unit", "number"},
      {R"("lead_time_h": 4,)", "", "lanes[0].lead_time_h", "required"},
      {R"("co2_kg_per_unit": 0.2)", R"("co2_kg_per_unit": -0.2)", "lanes[0].co2_kg_per_unit",
       "≥ 0"},
      {R"("co2_kg": 2)", R"("co2_kg": -2)", "weights.co2_kg", "≥ 0"},
      {R"("cost": 1,)", R"("cost": 1, "carbon": 1,)", "weights.carbon", "unknown field"},
      {R"("lead_time_h": 0.1,)", "", "weights.lead_time_h", "required"},
      {R"("unmet_penalty": 100)", R"("unmet_penalty": 0)", "unmet_penalty", "> 0"},
      {R"("unmet_penalty": 100)", R"("unmet_penalty": -3)", "unmet_penalty", "≥ 0"},
      {R"("unmet_penalty": 100)", R"("unmet_penalty": 100, "solver": "x")", "solver",
       "unknown field"},
      {R"("unmet_penalty": 100})", "", "problem", "not valid JSON"},
  };
  for (const BadInput& bad : cases) {
    std::string text = edited(bad.from, bad.to);
    auto p = parse_transfer_problem_text(text);
    ASSERT_FALSE(p) << "accepted: " << text;
    EXPECT_EQ(p.error().field, bad.field) << p.error().to_string();
    EXPECT_NE(p.error().detail.find(bad.detail_part), std::string::npos) << p.error().to_string();
  }
}

TEST(TransfersJson, WrongShapesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"sites": 5, "lanes": [], "weights": {"cost": 1, "lead_time_h": 0, "co2_kg": 0},
           "unmet_penalty": 1})",
       "sites"},
      {R"({"sites": [], "lanes": {}, "weights": {"cost": 1, "lead_time_h": 0, "co2_kg": 0},
           "unmet_penalty": 1})",
       "lanes"},
      {R"({"sites": [], "lanes": [], "weights": 1, "unmet_penalty": 1})", "weights"},
      {R"({"sites": [7], "lanes": [], "weights": 1, "unmet_penalty": 1})", "sites[0]"},
      {R"({"lanes": [], "weights": 1, "unmet_penalty": 1})", "sites"},
      {R"([1, 2])", "problem"},
  };
  for (const auto& [text, field] : cases) {
    auto p = parse_transfer_problem_text(text);
    ASSERT_FALSE(p) << "accepted: " << text;
    EXPECT_EQ(p.error().field, field) << p.error().to_string();
  }
}

TEST(TransfersJson, DuplicateLaneIsRejected) {
  std::string text = edited(R"("capacity": 50}])",
                            R"("capacity": 50}, {"from": "DC", "to": "S1", "cost_per_unit": 1,
                                "lead_time_h": 1, "co2_kg_per_unit": 0}])");
  auto p = parse_transfer_problem_text(text);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().field, "lanes[1]");
  EXPECT_NE(p.error().detail.find("duplicate lane DC → S1"), std::string::npos);
}

TEST(TransfersLimits, SizesAndAmountsBeyondTheLimitsAreRefused) {
  TransferProblem p = four_site_problem();
  p.sites[0].stock_units = kTransferQtyMax + 1;
  auto big_stock = solve_transfers(p);
  ASSERT_FALSE(big_stock);
  EXPECT_EQ(big_stock.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(big_stock.error().field, "sites[0].stock");

  p = four_site_problem();
  p.lanes[1].cost_per_unit = kTransferCostMax * 2;
  auto big_cost = solve_transfers(p);
  ASSERT_FALSE(big_cost);
  EXPECT_EQ(big_cost.error().field, "lanes[1].cost_per_unit");

  p = four_site_problem();
  p.weights = {1000, 0, 0};
  p.lanes[1].cost_per_unit = 2000;  // weighted 2,000,000 per unit
  auto weighted = solve_transfers(p);
  ASSERT_FALSE(weighted);
  EXPECT_EQ(weighted.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(weighted.error().field, "lanes[1]");

  p = four_site_problem();
  for (size_t i = p.sites.size(); i <= kTransferSitesMax; ++i) {
    p.sites.push_back({"X" + std::to_string(i), "store", 0, 0});
  }
  auto many_sites = solve_transfers(p);
  ASSERT_FALSE(many_sites);
  EXPECT_EQ(many_sites.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(many_sites.error().field, "sites");

  p = four_site_problem();
  p.lanes.resize(kTransferLanesMax + 1, p.lanes[0]);
  auto many_lanes = solve_transfers(p);
  ASSERT_FALSE(many_lanes);
  EXPECT_EQ(many_lanes.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(many_lanes.error().field, "lanes");

  // At the limits, accepted: 20,000 sites, every quantity kTransferQtyMax.
  p = four_site_problem();
  p.sites[0].stock_units = kTransferQtyMax;
  p.sites[3].target_units = kTransferQtyMax;
  p.unmet_penalty = kTransferCostMax;
  for (size_t i = p.sites.size(); i < kTransferSitesMax; ++i) {
    p.sites.push_back({"X" + std::to_string(i), "store", 0, 1});
  }
  auto at_limit = solve_transfers(p);
  ASSERT_TRUE(at_limit) << at_limit.error().to_string();
  expect_feasible(p, *at_limit);
  // S1 and S3 are served in full (DC spare 10^9 + S2 spare 30 ≥ 20 + 10^9); the added
  // sites have no lane: each leaves its 1 unit unmet.
  EXPECT_EQ(at_limit->unmet_units, static_cast<int64_t>(kTransferSitesMax - 4));
}

// ---- seeded comparisons with independent solvers ----

// Every integer plan of a tiny instance, by enumeration: the optimum of the model.
double brute_force_objective(const TransferProblem& p) {
  std::vector<int64_t> bound(p.lanes.size());
  for (size_t i = 0; i < p.lanes.size(); ++i) {
    bound[i] =
        std::min(p.sites[p.lanes[i].from].spare_units(), p.sites[p.lanes[i].to].need_units());
    if (p.lanes[i].capacity_units) bound[i] = std::min(bound[i], *p.lanes[i].capacity_units);
  }
  int64_t need_total = 0;
  for (const TransferSite& s : p.sites) need_total += s.need_units();
  std::vector<int64_t> qty(p.lanes.size(), 0);
  double best = INFINITY;
  while (true) {
    std::vector<int64_t> sent(p.sites.size()), received(p.sites.size());
    double objective = 0;
    int64_t moved = 0;
    for (size_t i = 0; i < qty.size(); ++i) {
      sent[p.lanes[i].from] += qty[i];
      received[p.lanes[i].to] += qty[i];
      moved += qty[i];
      objective += static_cast<double>(qty[i]) * (p.weights.cost * p.lanes[i].cost_per_unit +
                                                  p.weights.lead_time_h * p.lanes[i].lead_time_h +
                                                  p.weights.co2_kg * p.lanes[i].co2_kg_per_unit);
    }
    bool ok = true;
    for (size_t s = 0; s < p.sites.size(); ++s) {
      ok = ok && sent[s] <= p.sites[s].spare_units() && received[s] <= p.sites[s].need_units();
    }
    if (ok) {
      best = std::min(best, objective + p.unmet_penalty * static_cast<double>(need_total - moved));
    }
    size_t i = 0;
    while (i < qty.size() && qty[i] == bound[i]) qty[i++] = 0;
    if (i == qty.size()) break;
    ++qty[i];
  }
  return best;
}

TransferProblem random_tiny_problem(std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> units(0, 5);
  std::uniform_real_distribution<double> amount(0.0, 10.0);
  TransferProblem p;
  size_t sites = 4 + rng() % 3;
  for (size_t i = 0; i < sites; ++i) {
    p.sites.push_back({"N" + std::to_string(i), i == 0 ? "dc" : "store", units(rng), units(rng)});
  }
  // Up to 6 lanes, mostly from a site with spare to one with need (the others carry
  // nothing, which the solver must also get right).
  for (int tries = 0; tries < 40 && p.lanes.size() < 6; ++tries) {
    size_t from = rng() % sites, to = rng() % sites;
    bool useful = p.sites[from].spare_units() > 0 && p.sites[to].need_units() > 0;
    if (from == to || (!useful && rng() % 4 != 0)) continue;
    bool taken = false;
    for (const TransferLane& lane : p.lanes) taken = taken || (lane.from == from && lane.to == to);
    if (taken) continue;
    std::optional<int64_t> capacity;
    if (rng() % 2 == 0) capacity = units(rng);
    p.lanes.push_back({from, to, amount(rng), amount(rng), amount(rng), capacity});
  }
  p.weights = {amount(rng) / 5, amount(rng) / 10, amount(rng) / 5};
  p.unmet_penalty = 0.5 + amount(rng) * 4;
  return p;
}

TEST(TransfersRandom, NetworkSimplexMatchesEnumerationOnTinyInstances) {
  const uint64_t seed = livechain::test_support::test_seed(20261207);
  std::mt19937_64 rng(seed);
  int rounds_with_moves = 0, rounds_with_unmet = 0;
  for (int round = 0; round < 300; ++round) {
    TransferProblem p = random_tiny_problem(rng);
    auto plan = solve_transfers(p);
    ASSERT_TRUE(plan) << plan.error().to_string();
    expect_feasible(p, *plan);
    int64_t need_total = 0;
    for (const TransferSite& s : p.sites) need_total += s.need_units();
    double brute = brute_force_objective(p);
    // The documented bound of the integer rounding: 10^-6 per unit of need.
    EXPECT_NEAR(plan->objective, brute, 1e-6 * static_cast<double>(need_total) + 1e-9)
        << "seed " << seed << " round " << round;
    rounds_with_moves += plan->moves.empty() ? 0 : 1;
    rounds_with_unmet += plan->unmet_units > 0 ? 1 : 0;
  }
  std::printf("tiny instances: %d with moves, %d with unmet need\n", rounds_with_moves,
              rounds_with_unmet);
  // The draw must exercise the solver, not only empty instances.
  EXPECT_GE(rounds_with_moves, 150);
  EXPECT_GE(rounds_with_unmet, 50);
}

TEST(TransfersRandom, NetworkSimplexMatchesCapacityScaling) {
  const uint64_t seed = livechain::test_support::test_seed(7);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 20; ++round) {
    TransferInstanceShape shape{2 + rng() % 4, 20 + rng() % 60, 1 + rng() % 10, rng()};
    TransferProblem p = generate_transfer_instance(shape);
    std::uniform_real_distribution<double> weight(0.0, 3.0);
    p.weights = {weight(rng), weight(rng) / 10, weight(rng)};
    p.unmet_penalty = 1 + weight(rng) * 5;  // low enough that some need stays unmet
    auto simplex = solve_transfers(p, TransferAlgorithm::network_simplex);
    auto scaling = solve_transfers(p, TransferAlgorithm::capacity_scaling);
    ASSERT_TRUE(simplex && scaling);
    expect_feasible(p, *simplex);
    expect_feasible(p, *scaling);
    int64_t need_total = 0;
    for (const TransferSite& s : p.sites) need_total += s.need_units();
    EXPECT_NEAR(simplex->objective, scaling->objective, 1e-6 * static_cast<double>(need_total))
        << "seed " << seed << " round " << round;
    EXPECT_LE(simplex->objective, nearest_dc_baseline(p).objective + 1e-6);
  }
}

TEST(TransfersRandom, BenchmarkSizedInstance) {
  TransferProblem p = generate_transfer_instance(TransferInstanceShape{});
  EXPECT_EQ(p.sites.size(), 312u);
  EXPECT_GE(p.lanes.size(), 13'000u);
  auto simplex = solve_transfers(p);
  auto scaling = solve_transfers(p, TransferAlgorithm::capacity_scaling);
  ASSERT_TRUE(simplex && scaling);
  expect_feasible(p, *simplex);
  EXPECT_NEAR(simplex->objective, scaling->objective, 1e-3);
  TransferPlan base = nearest_dc_baseline(p);
  expect_feasible(p, base);
  EXPECT_LT(simplex->objective, base.objective);
  EXPECT_EQ(simplex->unmet_units, 0);
}

}  // namespace
