// Calibration against the real Douyin/Chanmama sessions (read in place from
// LIVECHAIN_SHARED_DATA_DIR; the tests skip when the data set is absent):
//  1. refitting from the data reproduces the parameters compiled into the twin;
//  2. session totals drawn from the fitted model match the real ones: the 25th, 50th
//     and 75th percentiles of views, units and GMV (pooled over hosts, with the real
//     host mix) are within a factor of 1.6 (|ln(sim/real)| < 0.47). Per-host log-normals
//     under-draw the lower quartile of units (about -35%): hosts mix session types.
//  3. the discrete-event simulator realises the session size it drew (demanded units
//     within 10% of the plan).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "twin/twin.hpp"

namespace livechain::twin {
namespace {

const std::filesystem::path kSessions =
    std::filesystem::path(LIVECHAIN_SHARED_DATA_DIR) / "douyin_live_chanmama" / "sessions.csv.gz";

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

TEST(TwinCalibration, CheckedInParametersMatchAFreshFit) {
  if (!std::filesystem::exists(kSessions)) GTEST_SKIP() << "no data at " << kSessions;
  auto sessions = read_douyin_sessions(kSessions);
  ASSERT_TRUE(sessions) << sessions.error().to_string();
  EXPECT_EQ(sessions->size(), 1224u);
  const auto fits = fit_hosts(*sessions);
  const auto& compiled = calibrated_hosts();
  ASSERT_EQ(fits.size(), compiled.size());
  for (size_t i = 0; i < fits.size(); ++i) {
    EXPECT_EQ(fits[i].host, compiled[i].host);
    EXPECT_EQ(fits[i].sessions, compiled[i].sessions);
    EXPECT_NEAR(fits[i].log_views_mean, compiled[i].log_views_mean, 1e-3);
    EXPECT_NEAR(fits[i].log_units_mean, compiled[i].log_units_mean, 1e-3);
    EXPECT_NEAR(fits[i].views_units_log_corr, compiled[i].views_units_log_corr, 1e-3);
    EXPECT_NEAR(fits[i].log_gmv_per_unit_sd, compiled[i].log_gmv_per_unit_sd, 1e-3);
    EXPECT_NEAR(fits[i].zero_sales_share, compiled[i].zero_sales_share, 1e-3);
  }
}

TEST(TwinCalibration, SimulatedSessionTotalsMatchRealQuantiles) {
  if (!std::filesystem::exists(kSessions)) GTEST_SKIP() << "no data at " << kSessions;
  auto sessions = read_douyin_sessions(kSessions);
  ASSERT_TRUE(sessions);
  std::map<std::string, const HostFit*> fit_of;
  for (const auto& f : calibrated_hosts()) fit_of[f.host] = &f;
  std::vector<double> real_views, real_units, real_gmv, sim_views, sim_units, sim_gmv;
  uint64_t index = 0;
  for (const auto& s : *sessions) {
    real_views.push_back(s.views);
    real_units.push_back(s.units);
    real_gmv.push_back(s.gmv_cny);
    for (int draw = 0; draw < 5; ++draw) {  // same host mix, 5 draws per real session
      const SessionOutcome o = sample_session(*fit_of.at(s.host), 2026, index++);
      sim_views.push_back(o.views);
      sim_units.push_back(o.units);
      sim_gmv.push_back(o.gmv_cny);
    }
  }
  const double tolerance = std::log(1.6);
  for (double q : {0.25, 0.5, 0.75}) {
    const auto check = [&](const char* name, const std::vector<double>& real,
                           const std::vector<double>& sim) {
      const double r = quantile(real, q), m = quantile(sim, q);
      std::printf("q%.2f %-6s real %14.0f sim %14.0f\n", q, name, r, m);
      ASSERT_GT(r, 0);
      ASSERT_GT(m, 0);
      EXPECT_LT(std::abs(std::log(m / r)), tolerance) << name << " q" << q;
    };
    check("views", real_views, sim_views);
    check("units", real_units, sim_units);
    check("gmv", real_gmv, sim_gmv);
  }
}

TEST(TwinCalibration, SimulatorRealisesThePlannedSessionSize) {
  auto scenario = *find_scenario("daily");
  ASSERT_TRUE(set_param(scenario, "scale=0.05"));
  auto result = run(RunConfig{scenario, 11});
  ASSERT_TRUE(result) << result.error().to_string();
  // sessions.csv: ...,planned_units (col 9),... ; demanded units are in the KPIs.
  const std::string& csv = result->history.sessions_csv;
  const std::string row = csv.substr(csv.find('\n') + 1);
  std::vector<std::string> cols;
  size_t start = 0;
  for (size_t comma; (comma = row.find(',', start)) != std::string::npos; start = comma + 1) {
    cols.push_back(row.substr(start, comma - start));
  }
  const double planned = std::stod(cols.at(8));
  const double demanded = static_cast<double>(result->kpis.units_demanded);
  EXPECT_NEAR(demanded / planned, 1.0, 0.10) << "planned " << planned << " demanded " << demanded;
}

}  // namespace
}  // namespace livechain::twin
