// Warehouse anomaly levels (spec §4): the error rate of picking and shipping over a
// sliding window sets a level with its graded response; each level change is an alert
// (back to level 1 resolves it).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "alerts/rules.hpp"
#include "core/assert.hpp"

namespace livechain::alerts {

namespace json = boost::json;

namespace {
struct LevelInfo {
  double rate_below;  // the level holds while the rate is below this
  engine::AlertSeverity severity;
  const char* response;
};
// Level n (1-based) = kLevels[n - 1].
constexpr LevelInfo kLevels[] = {
    {0.03, engine::AlertSeverity::info, "automatic_rerouting_of_picking"},
    {0.08, engine::AlertSeverity::yellow, "neighbouring_warehouse_helps"},
    {0.15, engine::AlertSeverity::orange, "supplier_ships_direct"},
    {0.25, engine::AlertSeverity::red, "third_party_warehousing"},
    {2.00, engine::AlertSeverity::red, "industry_emergency_pool"},
};
}  // namespace

int warehouse_level(double error_rate) {
  for (int level = 1; level <= 5; ++level) {
    if (error_rate < kLevels[level - 1].rate_below) return level;
  }
  return 5;
}

std::string_view warehouse_response(int level) {
  LC_ASSERT(level >= 1 && level <= 5);
  return kLevels[level - 1].response;
}

WarehouseStatus WarehouseLevels::on_report(const WarehouseReport& r,
                                           std::optional<engine::Command>& alert) {
  LC_ASSERT(r.operations >= 0 && r.errors >= 0);
  Track& t = tracks_[r.warehouse_id];
  t.reports.push_back(r);
  t.operations += r.operations;
  t.errors += r.errors;
  // Past reports_max the oldest leave early: the record stays within its byte bound.
  while (!t.reports.empty() &&
         (t.reports.front().at_ms <= r.at_ms - window_ms_ || t.reports.size() > reports_max_)) {
    t.operations -= t.reports.front().operations;
    t.errors -= t.reports.front().errors;
    t.reports.pop_front();
  }
  double rate =
      t.operations > 0 ? static_cast<double>(t.errors) / static_cast<double>(t.operations) : 0.0;
  // Below the minimum volume the sample says nothing: the level stays.
  int level = t.operations >= operations_min_ ? warehouse_level(rate) : t.level;
  WarehouseStatus status{r.warehouse_id, rate,    level, std::string(warehouse_response(level)),
                         t.operations,   t.errors};
  alert.reset();
  if (level == t.level) return status;
  int before = t.level;
  t.level = level;
  engine::AlertSubject subject{{"location", r.warehouse_id}};
  if (level == 1) {
    alert = engine::Command{engine::ResolveAlert{
        0, "warehouse_anomaly", subject, fmt::format("error rate back to {:.2f}%", rate * 100)}};
    return status;
  }
  json::object evidence{
      {"error_rate", rate},      {"errors", t.errors}, {"operations", t.operations},
      {"window_ms", window_ms_}, {"level", level},     {"previous_level", before}};
  json::object action{
      {"type", warehouse_response(level)}, {"location", r.warehouse_id}, {"level", level}};
  alert =
      engine::Command{engine::RaiseAlert{"warehouse_anomaly", kLevels[level - 1].severity, subject,
                                         json::serialize(evidence), json::serialize(action)}};
  return status;
}

}  // namespace livechain::alerts
