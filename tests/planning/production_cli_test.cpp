// tests/planning/production_cli_test.cpp — `livechain plan production` end to end: the
// built binary (LIVECHAIN_BINARY) on a problem file with a modular order, with --stop
// (failover), on a bad file (exit 1 naming the field), without arguments (exit 2), and
// `bench plan-production` on a small seeded instance.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace json = boost::json;
using livechain::test_support::RunResult;
using livechain::test_support::TempDir;

class ProductionCliTest : public ::testing::Test {
 protected:
  RunResult run(const std::vector<std::string>& args) {
    return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir_.path());
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_.file(name);
    std::ofstream(path) << text;
    return path;
  }
  json::object plan(const std::vector<std::string>& args) {
    RunResult result = run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    boost::system::error_code ec;
    json::value value = json::parse(result.out, ec);
    EXPECT_FALSE(ec) << "not JSON: " << result.out;
    return ec || !value.is_object() ? json::object{} : value.as_object();
  }
  static std::map<std::string, int64_t> slots(const json::object& out) {
    std::map<std::string, int64_t> result;
    if (!out.contains("assignments")) return result;
    for (const json::value& a : out.at("assignments").as_array()) {
      const json::object& o = a.as_object();
      result[std::string(o.at("order").as_string()) + "@" +
             std::string(o.at("factory").as_string()) + ":" +
             std::to_string(o.at("day").as_int64())] = o.at("qty").as_int64();
    }
    return result;
  }

  TempDir dir_;
};

// A (cost 1) makes tops and legs, B (cost 2) everything; 10/day each over 3 days;
// holding 0.1 puts units on their due day when capacity allows.
constexpr const char* kProblem = R"({
  "factories": [{"id": "A", "capacity_units_per_day": 10, "capacity_score": 1,
                 "fulfilment_rating": 1, "unit_cost": 1, "products": ["top", "leg"]},
                {"id": "B", "capacity_units_per_day": 10, "capacity_score": 1,
                 "fulfilment_rating": 1, "unit_cost": 2}],
  "orders": [{"id": "D1", "product": "desk", "qty": 2, "due_day": 2, "kind": "normal"}],
  "boms": {"desk": [{"module": "top", "qty_per_unit": 1}, {"module": "leg", "qty_per_unit": 4}]},
  "horizon_days": 3, "unmet_penalty": 100, "holding_cost_per_unit_day": 0.1})";

TEST_F(ProductionCliTest, SolvesAProblemFileWithModules) {
  std::string file = write("problem.json", kProblem);
  json::object out = plan({"plan", "production", "--problem", file});
  // D1 → D1/top 2, D1/leg 8: all at A on day 2 (10 units, its capacity): 10·1 = 10.
  EXPECT_EQ(slots(out), (std::map<std::string, int64_t>{{"D1/top@A:2", 2}, {"D1/leg@A:2", 8}}));
  ASSERT_TRUE(out.contains("objective") && out.contains("expanded_orders"));
  EXPECT_DOUBLE_EQ(out.at("objective").to_number<double>(), 10.0);
  EXPECT_EQ(out.at("status").as_string(), "optimal");
  EXPECT_EQ(out.at("solver").as_string(), "coin_cbc");
  EXPECT_TRUE(out.at("unmet").as_array().empty());
  EXPECT_EQ(
      json::serialize(out.at("expanded_orders")),
      R"([{"order":"D1","product":"desk","qty":2,"into":[{"order":"D1/top","product":"top","qty":2},{"order":"D1/leg","product":"leg","qty":8}]}])");
  EXPECT_FALSE(out.contains("moved"));
}

TEST_F(ProductionCliTest, StopMovesTheOrdersToTheOtherFactory) {
  std::string file = write("problem.json", kProblem);
  json::object out = plan({"plan", "production", "--problem", file, "--stop", "A"});
  // A stops: both module orders move to B on day 2 (its 10 units): 10·2 = 20.
  EXPECT_EQ(slots(out), (std::map<std::string, int64_t>{{"D1/top@B:2", 2}, {"D1/leg@B:2", 8}}));
  ASSERT_TRUE(out.contains("moved") && out.contains("base_objective"));
  EXPECT_DOUBLE_EQ(out.at("objective").to_number<double>(), 20.0);
  EXPECT_DOUBLE_EQ(out.at("base_objective").to_number<double>(), 10.0);
  EXPECT_EQ(out.at("moved").as_array().size(), 2u);
  EXPECT_EQ(out.at("moved_within_72h").as_int64(), 10);
  EXPECT_EQ(out.at("moved_outside_72h").as_int64(), 0);
  EXPECT_EQ(json::serialize(out.at("stopped")), R"(["A"])");
  // "stopped": true in the file is the same failover.
  std::string text = kProblem;
  text.replace(text.find(R"("unit_cost": 1,)"), 15, R"("unit_cost": 1, "stopped": true,)");
  json::object marked = plan({"plan", "production", "--problem", write("stopped.json", text)});
  EXPECT_EQ(slots(marked), slots(out));
  EXPECT_EQ(json::serialize(marked.at("moved")), json::serialize(out.at("moved")));
  RunResult unknown = run({"plan", "production", "--problem", file, "--stop", "Z"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("(stop)"), std::string::npos) << unknown.err;
}

TEST_F(ProductionCliTest, BadInputNamesTheFieldAndUsageExitsTwo) {
  std::string text = kProblem;
  text.replace(text.find(R"("kind": "normal")"), 16, R"("kind": "rush")");
  RunResult bad = run({"plan", "production", "--problem", write("bad.json", text)});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("(orders[0].kind)"), std::string::npos) << bad.err;
  RunResult missing = run({"plan", "production", "--problem", dir_.file("none.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("(problem)"), std::string::npos) << missing.err;
  EXPECT_EQ(run({"plan", "production"}).exit_code, 2);
  EXPECT_EQ(run({"plan", "production", "--problem", "x", "--time-limit-s", "0"}).exit_code, 2);
  EXPECT_EQ(run({"bench", "plan-production", "--factories", "0"}).exit_code, 2);
}

TEST_F(ProductionCliTest, BenchPrintsSeedAndRatios) {
  json::object out = plan({"--json", "bench", "plan-production", "--seed", "5", "--factories", "4",
                           "--orders", "30", "--horizon-days", "7"});
  ASSERT_TRUE(out.contains("seed")) << json::serialize(out);
  EXPECT_EQ(out.at("seed").to_number<int64_t>(), 5);
  EXPECT_GT(out.at("greedy_over_cbc_objective").to_number<double>(), 0.999);
  EXPECT_TRUE(out.contains("cbc_over_greedy_time"));
}

}  // namespace
