// The digital twin: determinism, conservation of units, the auditor's oversold check
// in every scenario, each scenario's KPI direction against its baseline, and errors.
// Runs use small scales so the whole binary stays fast in a debug build. Seeds are
// fixed; LIVECHAIN_TEST_SEED overrides the base seed (printed as SEED=).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "twin/twin.hpp"

namespace livechain::twin {
namespace {

uint64_t base_seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("LIVECHAIN_TEST_SEED");
    const uint64_t s = env ? std::strtoull(env, nullptr, 10) : 7;
    std::printf("SEED=%llu\n", static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

RunConfig config_for(const std::string& id, uint64_t seed, std::vector<std::string> params) {
  auto scenario = find_scenario(id);
  EXPECT_TRUE(scenario.has_value()) << id;
  RunConfig config{*scenario, seed};
  // Small scale: a few thousand orders per daily session, a few tens of thousand mega.
  const bool mega = config.scenario.param("tier") >= 2;
  params.insert(params.begin(), mega ? "scale=0.003" : "scale=0.05");
  for (const auto& p : params) {
    auto set = set_param(config.scenario, p);
    EXPECT_TRUE(set.has_value()) << p << ": " << (set ? "" : set.error().to_string());
  }
  return config;
}

Kpis run_kpis(const std::string& id, uint64_t seed, std::vector<std::string> params = {}) {
  auto result = run(config_for(id, seed, std::move(params)));
  EXPECT_TRUE(result.has_value()) << id << ": " << (result ? "" : result.error().to_string());
  return result ? result->kpis : Kpis{};
}

TEST(Twin, SameSeedGivesByteIdenticalOutputs) {
  const auto config = config_for("daily", base_seed(), {});
  auto a = run(config);
  auto b = run(config);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(kpis_json(config, a->kpis), kpis_json(config, b->kpis));
  EXPECT_EQ(kpis_csv(a->kpis), kpis_csv(b->kpis));
  EXPECT_EQ(a->history.signals_csv, b->history.signals_csv);
  EXPECT_EQ(a->history.sales_csv, b->history.sales_csv);
  EXPECT_EQ(a->history.returns_csv, b->history.returns_csv);
  auto other = run(config_for("daily", base_seed() + 1, {}));
  ASSERT_TRUE(other);
  EXPECT_NE(kpis_csv(a->kpis), kpis_csv(other->kpis));
}

TEST(Twin, WritesIdenticalFilesForTheSameSeed) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("twin_test_" + std::to_string(::getpid()));
  const auto config = config_for("surge-15x", base_seed(), {});
  for (const char* sub : {"a", "b"}) {
    auto result = run(config);
    ASSERT_TRUE(result);
    ASSERT_TRUE(write_outputs(dir / sub, config, *result));
  }
  for (const char* name : {"kpis.json", "kpis.csv", "history/sessions.csv", "history/signals.csv",
                           "history/sales.csv", "history/returns.csv", "history/catalog.csv"}) {
    std::ifstream fa(dir / "a" / name, std::ios::binary), fb(dir / "b" / name, std::ios::binary);
    std::stringstream sa, sb;
    sa << fa.rdbuf();
    sb << fb.rdbuf();
    EXPECT_FALSE(sa.str().empty()) << name;
    EXPECT_EQ(sa.str(), sb.str()) << name;
  }
  std::filesystem::remove_all(dir);
}

void expect_conserved(const RunResult& result, const std::string& id) {
  ASSERT_FALSE(result.sku_units.empty());
  for (const auto& u : result.sku_units) {
    EXPECT_EQ(u.received_units + u.returned_units + u.adjusted_units,
              u.on_hand_units + u.in_transit_units + u.quarantine_units + u.rework_units +
                  u.sold_units + u.scrapped_units + u.lost_in_transit_units)
        << id << " sku " << u.gtin;
    EXPECT_EQ(u.reserved_units, 0) << id << ": every reservation is resolved at the end";
    EXPECT_EQ(u.in_transit_units, 0) << id << ": every transfer arrived";
  }
}

TEST(Twin, ConservesUnitsPerSkuAndNeverOversellsInAnyScenario) {
  for (const auto& id : scenario_ids()) {
    auto result = run(config_for(id, base_seed(), {}));
    ASSERT_TRUE(result) << id << ": " << result.error().to_string();
    EXPECT_EQ(result->kpis.oversold_units, 0) << id;
    EXPECT_GT(result->kpis.orders, 0u) << id;
    expect_conserved(*result, id);
  }
}

TEST(Twin, MegaPeaksAtTheConfiguredOrdersPerMinute) {
  const auto k = run_kpis("mega", base_seed(), {"peak_orders_per_min=150000"});
  const double target = 150'000 * 0.003;
  EXPECT_GT(k.peak_orders_per_min, target * 0.8);
  EXPECT_LT(k.peak_orders_per_min, target * 1.3);
  EXPECT_EQ(k.oversold_units, 0);
}

// Sums a KPI over a few seeds so a direction test does not hang on one draw.
template <class F>
double over_seeds(const std::string& id, std::vector<std::string> params, F kpi) {
  double total = 0;
  for (uint64_t s = 0; s < 3; ++s) total += kpi(run_kpis(id, base_seed() + s, params));
  return total;
}

TEST(TwinScenarios, MoveTheirKpisInTheExpectedDirection) {
  const auto orders = [](const Kpis& k) { return static_cast<double>(k.orders); };
  const auto stockout = [](const Kpis& k) { return static_cast<double>(k.stockout_sku_minutes); };
  const auto lost = [](const Kpis& k) { return static_cast<double>(k.lost_sales_units); };
  const auto p95 = [](const Kpis& k) { return k.fulfilment_hours_p95; };
  const auto p50 = [](const Kpis& k) { return k.fulfilment_hours_p50; };
  const auto overstock = [](const Kpis& k) { return static_cast<double>(k.end_overstock_units); };
  const auto margin = [](const Kpis& k) { return k.gross_margin_cny; };
  const auto breaches = [](const Kpis& k) { return static_cast<double>(k.sla_breaches); };
  const auto returned = [](const Kpis& k) { return static_cast<double>(k.returned_units); };
  const auto written_off = [](const Kpis& k) { return static_cast<double>(k.written_off_units); };
  const auto base = [&](auto kpi, std::vector<std::string> params = {}) {
    return over_seeds("daily", params, kpi);
  };
  EXPECT_GT(over_seeds("themed", {}, orders), base(orders));
  EXPECT_GT(over_seeds("surge-15x", {}, stockout), base(stockout));
  EXPECT_GT(over_seeds("surge-15x", {}, lost), base(lost));
  EXPECT_LT(over_seeds("streamer-absence", {}, orders), base(orders));
  EXPECT_GT(over_seeds("streamer-absence", {}, overstock), base(overstock));
  EXPECT_GT(over_seeds("regional-outage", {}, p95), base(p95));
  EXPECT_GT(over_seeds("extreme-weather", {}, p50), base(p50));
  EXPECT_GT(over_seeds("factory-stop", {"coverage=0.8"}, lost), base(lost, {"coverage=0.8"}));
  EXPECT_LT(over_seeds("factory-stop", {}, overstock), base(overstock));
  EXPECT_LT(over_seeds("price-spike", {}, margin), base(margin));
  EXPECT_GT(over_seeds("rule-change-24h", {}, breaches), base(breaches));
  EXPECT_GT(over_seeds("picking-errors", {}, returned), base(returned));
  EXPECT_GT(over_seeds("quality-recall", {}, written_off), base(written_off));
  EXPECT_GT(over_seeds("cold-chain-excursion", {}, written_off), base(written_off));
}

TEST(TwinScenarios, EveryScenarioHasAKebabCaseIdAndAKnownBaseline) {
  for (const auto& id : scenario_ids()) {
    auto scenario = find_scenario(id);
    ASSERT_TRUE(scenario);
    for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    EXPECT_TRUE(find_scenario(scenario->base_id).has_value()) << id;
  }
}

TEST(TwinErrors, NameTheField) {
  auto unknown = find_scenario("dayly");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(unknown.error().field, "scenario");
  auto scenario = *find_scenario("daily");
  struct Case {
    const char* assignment;
    const char* field;
  };
  for (const Case& c :
       {Case{"scale", "param"}, Case{"=1", "param"}, Case{"scale=abc", "param.scale"},
        Case{"scale=0", "param.scale"}, Case{"skus=1", "param.skus"}, Case{"nope=1", "param.nope"},
        Case{"sla_hours=1e9", "param.sla_hours"}}) {
    auto set = set_param(scenario, c.assignment);
    ASSERT_FALSE(set) << c.assignment;
    EXPECT_EQ(set.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(set.error().field, c.field) << c.assignment;
  }
  auto outage = config_for("daily", 1, {"outage_region=1"});
  auto ran = run(outage);
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().field, "param.outage_delay_hours");
}

}  // namespace
}  // namespace livechain::twin
