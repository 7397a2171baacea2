// tests/planning/transfers_cli_test.cpp — `livechain plan transfers` end to end: the
// built binary (LIVECHAIN_BINARY) on a problem file, on a bad file (exit 1 naming the
// field), without arguments (exit 2), and on a live ledger (--db) where a reservation
// lowers the available stock the plan may move.
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

constexpr const char* kPen = "4006381333931";

class TransfersCliTest : public ::testing::Test {
 protected:
  RunResult run(const std::vector<std::string>& args) {
    return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir_.path());
  }
  void ok(const std::vector<std::string>& args) {
    RunResult result = run(args);
    ASSERT_EQ(result.exit_code, 0) << args[0] << " " << args[1] << ": " << result.err;
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
  static std::map<std::string, int64_t> moves(const json::object& out) {
    std::map<std::string, int64_t> result;
    if (!out.contains("moves")) return result;
    for (const json::value& move : out.at("moves").as_array()) {
      const json::object& m = move.as_object();
      result[std::string(m.at("from").as_string()) + ">" + std::string(m.at("to").as_string())] =
          m.at("qty").as_int64();
    }
    return result;
  }

  TempDir dir_;
};

TEST_F(TransfersCliTest, SolvesAProblemFile) {
  // The hand-checked four-site instance of transfers_test.cpp: optimum 160, baseline 260.
  std::string file = write("problem.json", R"({
    "sites": [{"id": "DC", "kind": "dc", "stock": 100, "target": 0},
              {"id": "S1", "kind": "store", "stock": 10, "target": 30},
              {"id": "S2", "kind": "store", "stock": 50, "target": 20},
              {"id": "S3", "kind": "store", "stock": 0, "target": 40}],
    "lanes": [{"from": "DC", "to": "S1", "cost_per_unit": 5, "lead_time_h": 0, "co2_kg_per_unit": 0},
              {"from": "DC", "to": "S3", "cost_per_unit": 4, "lead_time_h": 0, "co2_kg_per_unit": 0},
              {"from": "S2", "to": "S1", "cost_per_unit": 1, "lead_time_h": 0, "co2_kg_per_unit": 0},
              {"from": "S2", "to": "S3", "cost_per_unit": 2, "lead_time_h": 0, "co2_kg_per_unit": 0}],
    "weights": {"cost": 1, "lead_time_h": 0, "co2_kg": 0},
    "unmet_penalty": 100})");
  json::object out = plan({"plan", "transfers", "--problem", file});
  EXPECT_EQ(moves(out),
            (std::map<std::string, int64_t>{{"S2>S1", 20}, {"S2>S3", 10}, {"DC>S3", 30}}));
  ASSERT_TRUE(out.contains("objective") && out.contains("baseline"));
  EXPECT_DOUBLE_EQ(out.at("objective").to_number<double>(), 160.0);
  EXPECT_EQ(out.at("unmet").as_int64(), 0);
  EXPECT_DOUBLE_EQ(out.at("baseline").at("objective").to_number<double>(), 260.0);
  EXPECT_DOUBLE_EQ(out.at("baseline").at("cost").to_number<double>(), 260.0);
}

TEST_F(TransfersCliTest, BadInputNamesTheFieldAndUsageExitsTwo) {
  std::string file = write("bad.json", R"({
    "sites": [{"id": "DC", "kind": "dc", "stock": 100, "target": 0}],
    "lanes": [{"from": "DC", "to": "S9", "cost_per_unit": 1, "lead_time_h": 0, "co2_kg_per_unit": 0}],
    "weights": {"cost": 1, "lead_time_h": 0, "co2_kg": 0},
    "unmet_penalty": 100})");
  RunResult bad = run({"plan", "transfers", "--problem", file});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("(lanes[0].to)"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("unknown site 'S9'"), std::string::npos) << bad.err;
  RunResult missing = run({"plan", "transfers", "--problem", dir_.file("none.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("(problem)"), std::string::npos) << missing.err;
  EXPECT_EQ(run({"plan", "transfers"}).exit_code, 2);
  EXPECT_EQ(run({"bench", "plan-transfers", "--runs", "0"}).exit_code, 2);
  RunResult too_big = run({"bench", "plan-transfers", "--stores", "5000", "--neighbours", "40"});
  EXPECT_EQ(too_big.exit_code, 1);
  EXPECT_NE(too_big.err.find("limit_exceeded (lanes)"), std::string::npos) << too_big.err;
}

TEST_F(TransfersCliTest, PlansFromTheLiveLedger) {
  std::string db = dir_.file("ledger.db");
  ok({"init", "--db", db});
  ok({"sku", "put", "--db", db, "--gtin", kPen, "--name", "Pen"});
  ok({"location", "put", "--db", db, "--id", "DC-1", "--kind", "dc", "--region", "north"});
  for (const char* store : {"ST-1", "ST-2", "ST-3"}) {
    ok({"location", "put", "--db", db, "--id", store, "--kind", "store", "--region", "south"});
  }
  ok({"channel", "put", "--db", db, "--id", "LR-1", "--kind", "live_room"});
  ok({"stock", "receive", "--db", db, "--gtin", kPen, "--location", "DC-1", "--qty", "100"});
  ok({"stock", "receive", "--db", db, "--gtin", kPen, "--location", "ST-1", "--qty", "50"});
  ok({"stock", "receive", "--db", db, "--gtin", kPen, "--location", "ST-2", "--qty", "5"});
  // 10 reserved at ST-1: available 40, so spare 20 against its target 20.
  ok({"order", "reserve", "--db", db, "--order-id", "o-1", "--channel", "LR-1", "--line",
      std::string(kPen) + ":10@ST-1"});
  std::string lanes = write("lanes.json", R"({"lanes": [
    {"from": "DC-1", "to": "ST-2", "cost_per_unit": 4, "lead_time_h": 6, "co2_kg_per_unit": 0.5},
    {"from": "DC-1", "to": "ST-3", "cost_per_unit": 4, "lead_time_h": 6, "co2_kg_per_unit": 0.5},
    {"from": "ST-1", "to": "ST-2", "cost_per_unit": 1, "lead_time_h": 1, "co2_kg_per_unit": 0.2},
    {"from": "ST-1", "to": "ST-3", "cost_per_unit": 3, "lead_time_h": 2, "co2_kg_per_unit": 0.3,
     "capacity": 5}]})");
  std::string targets = write("targets.json", R"({"ST-1": 20, "ST-2": 30, "ST-3": 10})");
  json::object out = plan(
      {"plan", "transfers", "--db", db, "--sku", kPen, "--lanes", lanes, "--targets", targets});
  // DC-1 spare 100 (DC target 0), ST-1 spare 20, ST-2 need 25, ST-3 need 10 (no balance).
  // ST-1's 20 go to ST-2 (saves 3 a unit, against 1 towards ST-3); the DC sends the rest:
  // 20·1 + 5·4 + 10·4 = 80. Baseline: all from the DC, 35·4 = 140.
  EXPECT_EQ(moves(out), (std::map<std::string, int64_t>{
                            {"ST-1>ST-2", 20}, {"DC-1>ST-2", 5}, {"DC-1>ST-3", 10}}));
  ASSERT_TRUE(out.contains("objective") && out.contains("baseline"));
  EXPECT_DOUBLE_EQ(out.at("objective").to_number<double>(), 80.0);
  EXPECT_DOUBLE_EQ(out.at("baseline").at("objective").to_number<double>(), 140.0);
  EXPECT_DOUBLE_EQ(out.at("co2_kg").to_number<double>(), 20 * 0.2 + 15 * 0.5);
  ASSERT_TRUE(out.contains("sites"));
  EXPECT_EQ(out.at("sites").as_array().size(), 4u);

  // A lane naming a location the ledger does not know.
  std::string bad_lanes = write("bad_lanes.json", R"([
    {"from": "DC-9", "to": "ST-2", "cost_per_unit": 4, "lead_time_h": 6, "co2_kg_per_unit": 0.5}])");
  RunResult bad = run({"plan", "transfers", "--db", db, "--sku", kPen, "--lanes", bad_lanes});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("(lanes[0].from)"), std::string::npos) << bad.err;
  RunResult bad_target = run({"plan", "transfers", "--db", db, "--sku", kPen, "--lanes", lanes,
                              "--targets", write("t.json", R"({"ST-1": -4})")});
  EXPECT_EQ(bad_target.exit_code, 1);
  EXPECT_NE(bad_target.err.find("(targets.ST-1)"), std::string::npos) << bad_target.err;
  EXPECT_EQ(run({"plan", "transfers", "--db", db, "--sku", kPen}).exit_code, 2);
}

}  // namespace
