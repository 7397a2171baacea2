// src/twin/session.hpp — internal: what the twin and the demo share. The brand and
// network they build, the session clock, and the session plan (size, agenda, demand
// curve, forecast) drawn from the calibrated hosts. Pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "engine/commands.hpp"
#include "twin/model.hpp"
#include "twin/policy.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

inline constexpr TimeMs kStartMs = 1'781'776'800'000;  // 2026-06-18T10:00:00Z
inline constexpr TimeMs kMinuteMs = 60'000;
inline constexpr TimeMs kHourMs = 3'600'000;
inline constexpr TimeMs kDayMs = 24 * kHourMs;
inline constexpr double kUnitsPerOrderMean = 1.17;
inline constexpr const char* kChannel = "douyin-live";
inline constexpr uint32_t kReturnsCenter = 9;  // index in make_locations()
// Calibrated durations have a long tail (log-sd up to 2.6); sessions are cut at 8 h.
inline constexpr double kDurationMinutesMax = 480;
static_assert(kDurationMinutesMax <= kSessionMinutesMax);

enum Stream : uint64_t { kCatalog = 1, kPlan, kDemand, kPayment, kLogistics, kReturns, kSignals };

// One session: who hosts it, when, its agenda and expected orders per minute.
struct SessionPlan {
  uint32_t index = 0;
  std::string host;
  char streamer_tier = 'B';
  TimeMs start_ms = 0;
  uint32_t duration_min = 0;
  double views = 0;
  double planned_units = 0;               // what the planner's model expects
  double forecast_units = 0;              // the planner's forecast (with error)
  std::vector<uint32_t> agenda;           // sku indexes, intro order
  std::vector<uint32_t> intro_minute;     // per agenda entry
  std::vector<std::vector<double>> rate;  // per agenda entry: expected orders per minute
  // outcomes (units sold and GMV are tallied per session index in the Simulation)
  uint64_t orders = 0;
  int64_t lost_units = 0;
};

// Session `index` of a run of `scenario` with `seed` over a catalogue of `sku_count`
// SKUs. REQUIRES: sku_count >= 1.
SessionPlan plan_session(const Scenario& scenario, uint64_t seed, uint32_t index,
                         uint32_t sku_count);

// Sets f.start_ms = start_ms and f.units_per_min: per agenda entry of `plan`, the
// forecast's units per minute (the plan's demand curve × kUnitsPerOrderMean, scaled
// from planned_units to forecast_units). What the planner knows before the session.
void fill_forecast_curve(SessionForecast& f, const SessionPlan& plan, TimeMs start_ms);

// The brand's SKUs (draws from the catalogue stream of `seed`). REQUIRES: count >= 1.
std::vector<Sku> make_brand(uint64_t seed, uint32_t count, double material_price_factor);
// The network: factory 0, DCs 1–4, front warehouses 5–6, stores 7–8, returns centre 9.
std::vector<Location> make_locations();
// Engine commands that define the brand, network, region distances and channel.
std::vector<engine::Command> catalog_commands(const std::vector<Sku>& skus,
                                              const std::vector<Location>& locations);

}  // namespace livechain::twin
