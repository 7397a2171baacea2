// tests/planning/session_cli_test.cpp — `livechain session put|show` and `plan session`
// end to end with the built binary on a real database: a plan split over the SKU's
// selling locations, a brand's --tiers file, --idempotency-key replaying the first plan
// (and refusing another request), and bad input naming the flag with exit 1.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

namespace json = boost::json;
using livechain::test_support::RunResult;
using livechain::test_support::TempDir;

class SessionCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("shop.db");
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"init", "--db", db_},
             {"sku", "put", "--db", db_, "--gtin", "6901234567892", "--name", "Jacket"},
             {"location", "put", "--db", db_, "--id", "dc-east", "--kind", "dc", "--region", "e"},
             {"location", "put", "--db", db_, "--id", "store-1", "--kind", "store", "--region",
              "e"},
             {"channel", "put", "--db", db_, "--id", "live-1", "--kind", "live_room"},
             {"stock", "receive", "--db", db_, "--gtin", "6901234567892", "--location", "dc-east",
              "--qty", "300"},
             {"stock", "receive", "--db", db_, "--gtin", "6901234567892", "--location", "store-1",
              "--qty", "100"}}) {
      RunResult result = run(args);
      ASSERT_EQ(result.exit_code, 0) << args[0] << ": " << result.err;
    }
  }
  RunResult run(const std::vector<std::string>& args) {
    return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir_.path());
  }
  std::vector<std::string> put_args(const std::string& tier, const std::string& sku) {
    return {"--json", "session",     "put",
            "--db",   db_,           "--id",
            "autumn", "--starts-at", "2030-01-20T12:00:00Z",
            "--tier", tier,          "--channel",
            "live-1", "--sku",       sku};
  }
  static json::object object_of(const RunResult& result) {
    boost::system::error_code ec;
    json::value value = json::parse(result.out, ec);
    EXPECT_FALSE(ec) << "not JSON: " << result.out << result.err;
    return ec || !value.is_object() ? json::object{} : value.as_object();
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(SessionCliTest, PutPrintsThePlanAndPlanSessionReadsItBack) {
  RunResult put = run(put_args("themed", "6901234567892:300:500:1000:close"));
  ASSERT_EQ(put.exit_code, 0) << put.err;
  json::object plan = object_of(put);
  const json::object& sku = plan.at("skus").as_array()[0].as_object();
  EXPECT_EQ(sku.at("target_units").as_int64(), 500);
  EXPECT_EQ(sku.at("locked_units").as_int64(), 300);
  const json::array& locations = sku.at("locations").as_array();
  ASSERT_EQ(locations.size(), 2u);
  EXPECT_EQ(locations[0].at("target_units").as_int64(), 375);  // 500 × 300/400 available
  EXPECT_EQ(locations[1].at("target_units").as_int64(), 125);
  EXPECT_TRUE(std::string(plan.at("planned_by").as_string()).starts_with("cli:"));

  RunResult read = run({"--json", "plan", "session", "--db", db_, "--id", "autumn"});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(json::serialize(object_of(read)), json::serialize(plan));
  RunResult show = run({"--json", "session", "show", "--db", db_, "--id", "autumn"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(object_of(show).at("tier").as_string(), "themed");
}

TEST_F(SessionCliTest, ATiersFileChangesTheRules) {
  std::string tiers = dir_.file("tiers.json");
  std::ofstream(tiers) << R"({"themed_presale_lock_share": 0.5})";
  std::vector<std::string> args = put_args("themed", "6901234567892:300:500:1000");
  args.insert(args.end(), {"--tiers", tiers});
  RunResult put = run(args);
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(object_of(put).at("skus").as_array()[0].at("locked_units").as_int64(), 500);
  std::ofstream(tiers, std::ios::trunc) << R"({"themed_lock": 0.5})";
  RunResult bad = run(args);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("tiers.themed_lock"), std::string::npos) << bad.err;
}

TEST_F(SessionCliTest, IdempotencyKeyReplaysTheFirstPlan) {
  std::vector<std::string> args = put_args("mega", "6901234567892:600:900:1000:core");
  args.insert(args.end(), {"--idempotency-key", "plan-1"});
  RunResult first = run(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  RunResult retry = run(args);
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(retry.out, first.out) << "the same plan, planned_at included";
  std::vector<std::string> other = put_args("daily", "6901234567892:600:900:1000:core");
  other.insert(other.end(), {"--idempotency-key", "plan-1"});
  RunResult conflict = run(other);
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_NE(conflict.err.find("--idempotency-key"), std::string::npos) << conflict.err;
}

TEST_F(SessionCliTest, BadInputNamesTheFlag) {
  struct Case {
    std::string tier, sku, flag;
  };
  for (const Case& c : std::vector<Case>{{"themed", "6901234567892:300:200:1000", "--sku[0].p90"},
                                         {"huge", "6901234567892:300:500:1000", "--tier"},
                                         {"themed", "6901234567893:300:500:1000", "--sku[0]"},
                                         {"themed", "6901234567892:300:500", "--sku[0]"},
                                         {"themed", "6901234567892:3:5:10:near", "--sku[0]"},
                                         {"themed", "5901234123457:3:5:10", "--sku[0].gtin"}}) {
    RunResult result = run(put_args(c.tier, c.sku));
    EXPECT_EQ(result.exit_code, 1) << c.sku;
    EXPECT_NE(result.err.find(c.flag), std::string::npos) << c.sku << ": " << result.err;
  }
  RunResult missing = run({"plan", "session", "--db", db_, "--id", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("--id"), std::string::npos);
  RunResult usage = run({"session", "put", "--db", db_});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
