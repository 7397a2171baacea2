// src/twin/twin.hpp — public header of the twin module (the digital twin).
//
// A discrete-event simulator of live-commerce sessions that drives the engine core
// in-process through the same command interface the server uses
// (engine::Engine::execute with a simulated clock). A run is fully determined by
// (scenario, parameters, seed): the twin has its own PRNG and never reads the wall
// clock. The simulator never edits balances itself: every stock move is an engine
// command (ReceiveStock, Reserve, Commit, Release, ExpireDue, ShipTransfer,
// ReceiveTransfer, AdjustStock, ReceiveReturn, GradeReturn, CompleteRework).
// docs/twin.md describes the model and the output files; docs/scenarios.md the
// scenarios. Single-threaded; nothing here is shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "engine/types.hpp"

namespace livechain::twin {

// ---- limits ----
inline constexpr uint32_t kSkusMax = 2'000;
inline constexpr uint32_t kSessionMinutesMax = 12 * 60;
inline constexpr double kScaleMax = 10.0;
inline constexpr uint64_t kOrdersPerRunMax = 200'000'000;
inline constexpr uint64_t kEventsPerRunMax = 1'000'000'000;

// ---- scenarios ----
struct ScenarioParam {
  std::string name;  // kebab-free snake_case key, e.g. "surge_factor"
  double value = 0;
  double min = 0;
  double max = 0;
  std::string doc;
};
struct Scenario {
  std::string id;       // kebab-case, e.g. "surge-15x"
  std::string base_id;  // the baseline it is compared against ("daily" or "mega")
  std::string summary;
  std::vector<ScenarioParam> params;
  // Value of a parameter. REQUIRES: the name exists (asserted).
  double param(std::string_view name) const;
};

// Every scenario id, in documentation order.
std::vector<std::string> scenario_ids();
// Errors: not_found (field "scenario") naming the known ids.
Result<Scenario> find_scenario(std::string_view id);
// Applies "key=value". Errors: invalid_argument (field "param" or "param.<key>") for
// a malformed pair, an unknown key (the detail lists the known ones), a non-number,
// or a value outside [min, max].
Result<void> set_param(Scenario& scenario, std::string_view assignment);

// ---- policies (docs/twin.md, "Policies") ----
// Stocking and replenishment policy ids, in documentation order: "baseline",
// "pre-position", "planned".
std::vector<std::string> policy_ids();

// ---- a run ----
struct RunConfig {
  Scenario scenario;
  uint64_t seed = 1;
  std::string policy = "baseline";  // one of policy_ids()
};

// The five regions of the twin's network, in index order (north, east, south, west,
// central); buyers, locations and per-region KPIs use these indexes.
inline constexpr size_t kRegionCount = 5;
const std::array<const char*, kRegionCount>& region_names();

// Key performance indicators of one run. Units are in the names (_units, _cny,
// _hours, _minutes). docs/twin.md defines each.
struct Kpis {
  uint64_t orders = 0;  // reservation attempts (one buyer order = one attempt)
  uint64_t orders_reserved = 0;
  uint64_t orders_committed = 0;
  uint64_t orders_expired_unpaid = 0;
  uint64_t orders_cancelled = 0;
  int64_t units_demanded = 0;
  int64_t units_sold = 0;
  double fill_rate = 0;  // units reserved / units demanded
  int64_t stockout_sku_minutes = 0;
  int64_t oversold_units = 0;  // auditor: units committed beyond supply; must be 0
  int64_t lost_sales_units = 0;
  double lost_sales_cny = 0;
  double gmv_cny = 0;
  double gross_margin_cny = 0;
  int64_t end_overstock_units = 0;
  double end_overstock_value_cny = 0;
  uint64_t transfers = 0;
  int64_t transfer_units = 0;
  double transfer_cost_cny = 0;
  double fulfilment_hours_p50 = 0;
  double fulfilment_hours_p95 = 0;
  // Payment to delivery by the buyer's region (region_names() order); 0 without orders.
  std::array<double, kRegionCount> fulfilment_hours_p50_by_region{};
  std::array<double, kRegionCount> fulfilment_hours_p95_by_region{};
  uint64_t sla_breaches = 0;  // orders shipped later than the platform's SLA
  uint64_t returns = 0;
  int64_t returned_units = 0;
  double return_processing_hours_p50 = 0;
  double return_processing_hours_p95 = 0;
  int64_t written_off_units = 0;  // recalls, cold-chain excursions, scrapped returns
  uint64_t engine_commands = 0;
  uint64_t engine_events = 0;
  double peak_orders_per_min = 0;
  // Stock the policy placed before its sessions (receipts), emergency production it
  // ordered, and the transfers' CO2 (0.0001 kg CO2e per unit-km, an assumption).
  int64_t stocked_units = 0;
  int64_t emergency_units = 0;
  double transfer_co2_kg = 0;
};

// Units per SKU from the engine's cumulative counters and the twin's own tally of
// return receipts, for the conservation check:
// received + returned = on_hand + in_transit + quarantine + rework + sold + scrapped
//                       + lost_in_transit − adjusted.
struct SkuUnits {
  std::string gtin;
  int64_t received_units = 0;
  int64_t returned_units = 0;
  int64_t adjusted_units = 0;
  int64_t on_hand_units = 0;
  int64_t reserved_units = 0;
  int64_t in_transit_units = 0;
  int64_t quarantine_units = 0;
  int64_t rework_units = 0;
  int64_t sold_units = 0;
  int64_t scrapped_units = 0;
  int64_t lost_in_transit_units = 0;
};

// The history files as text (CSV with a header line); docs/twin.md has the columns.
struct History {
  std::string catalog_csv;
  std::string sessions_csv;
  std::string signals_csv;
  std::string sales_csv;
  std::string returns_csv;
};

struct RunResult {
  Kpis kpis;
  std::vector<SkuUnits> sku_units;
  History history;
};

// Runs the scenario. Errors: not_found (field "policy") for an unknown policy;
// invalid_argument naming the parameter when parameters
// contradict each other; limit_exceeded (field "scale") when the run would exceed
// kOrdersPerRunMax; any engine rejection the auditor did not predict comes back as
// invalid_state (field "auditor") — it means the twin or the engine has a bug.
Result<RunResult> run(const RunConfig& config);

// kpis.json / kpis.csv text: fixed key order and fixed decimals, so equal runs give
// byte-identical files.
std::string kpis_json(const RunConfig& config, const Kpis& kpis);
std::string kpis_csv(const Kpis& kpis);
// Every KPI as (name, value), in the files' order; per-region KPIs are named
// "fulfilment_hours_p95.<region>".
struct KpiValue {
  std::string name;
  double value = 0;
};
std::vector<KpiValue> kpi_values(const Kpis& kpis);
// Writes kpis.json, kpis.csv and history/*.csv under `out_dir` (created).
// Errors: io_error (field "out").
Result<void> write_outputs(const std::filesystem::path& out_dir, const RunConfig& config,
                           const RunResult& result);

// ---- paired policy comparison (docs/twin.md, "Comparing policies") ----
inline constexpr uint64_t kCompareSeedsMax = 1'000;
struct SeedRange {
  uint64_t first = 1;
  uint64_t last = 1;  // inclusive
  uint64_t count() const { return last - first + 1; }
};
// Parses "A..B" (A <= B, both unsigned integers). Errors: invalid_argument (field
// "seeds") for a malformed range, A > B, fewer than 2 or more than kCompareSeedsMax seeds.
Result<SeedRange> parse_seed_range(std::string_view text);

// One KPI over the paired runs: means under A and B and the mean of the per-seed
// differences d = B − A with its 95% paired t interval mean(d) ± t(0.975, n−1) · sd(d)/√n.
struct KpiDifference {
  std::string name;
  double mean_a = 0;
  double mean_b = 0;
  double mean_diff = 0;
  double ci_low = 0;
  double ci_high = 0;
};
struct Comparison {
  std::string scenario;
  std::string policy_a, policy_b;
  SeedRange seeds;
  std::vector<KpiDifference> kpis;  // kpi_values() order
};
// Runs `scenario` once per seed under each policy (same seed, same demand: paired).
// `progress` (may be empty) is called after each seed with the number done.
// Errors: not_found (field "policy") for an unknown policy; any run's error.
Result<Comparison> compare_policies(const Scenario& scenario, const std::string& policy_a,
                                    const std::string& policy_b, SeedRange seeds,
                                    const std::function<void(uint64_t done)>& progress);
// The 0.975 quantile of Student's t with `df` >= 1 degrees of freedom (table to 30,
// Cornish–Fisher expansion above; error < 1e-4).
double t_quantile_975(uint64_t df);

// ---- calibration (docs/twin.md, src/twin/calibration_douyin.hpp) ----
// Log-normal fits of one host's session-level outcomes; units are drawn jointly with
// views (bivariate normal in logs), so units per view follows from the two.
struct HostFit {
  std::string host;
  uint32_t sessions = 0;
  double zero_sales_share = 0;  // sessions without units sold
  double log_views_mean = 0, log_views_sd = 0;
  double log_units_mean = 0, log_units_sd = 0;  // sessions with sales
  double views_units_log_corr = 0;  // correlation of ln(views) and ln(units), with sales
  double log_gmv_per_unit_mean = 0, log_gmv_per_unit_sd = 0;
  double log_duration_s_mean = 0, log_duration_s_sd = 0;
  double log_products_mean = 0, log_products_sd = 0;
};
// One real session's outcomes (views, units, GMV, duration, products).
struct SessionOutcome {
  std::string host;
  double views = 0;
  double units = 0;  // 0 when nothing was sold
  double gmv_cny = 0;
  double duration_s = 0;
  double products = 0;
};
// Reads sessions.csv.gz of the Douyin/Chanmama data set in place (zlib).
// Errors: io_error (field "data") when unreadable; corruption (field "data") on a
// malformed row.
Result<std::vector<SessionOutcome>> read_douyin_sessions(const std::filesystem::path& csv_gz);
// Fits one HostFit per host (sorted by host name).
std::vector<HostFit> fit_hosts(const std::vector<SessionOutcome>& sessions);
// The fitted parameters compiled into the twin (calibration_douyin.hpp).
const std::vector<HostFit>& calibrated_hosts();
// Draws one session's outcomes for `host_index` (into calibrated_hosts()).
SessionOutcome sample_session(const HostFit& fit, uint64_t seed, uint64_t index);
// Source text of calibration_douyin.hpp for the given fits (the generator).
std::string calibration_header(const std::vector<HostFit>& fits);

}  // namespace livechain::twin
