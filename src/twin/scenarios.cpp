// The scenario catalogue: ids, baselines, parameters with defaults and ranges.
// docs/scenarios.md documents each one; keep the two in step.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>

#include "core/assert.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

namespace {

// Parameters every scenario has.
std::vector<ScenarioParam> common_params(double tier, double host_rank, double scale) {
  return {
      {"scale", scale, 0.0001, kScaleMax, "multiplies every session's demand"},
      {"skus", 40, 5, kSkusMax, "SKUs in the brand catalogue"},
      {"sessions", 1, 1, 14, "sessions run back to back (one a day)"},
      {"tier", tier, 0, 2, "session tier: 0 daily, 1 themed, 2 mega"},
      {"host_rank", host_rank, 0, 19, "calibrated host driving the session (0 = most sessions)"},
      {"duration_minutes", 0, 0, 480,
       "if > 0, every session lasts this many minutes; 0 draws it from the host"},
      {"peak_orders_per_min", 0, 0, 10'000'000,
       "if > 0, demand is rescaled so the busiest minute has this many orders (x scale)"},
      {"promo_depth", tier >= 2 ? 0.30 : (tier >= 1 ? 0.20 : 0.10), 0, 0.9,
       "average discount; lifts conversion"},
      {"pay_rate", 0.88, 0.1, 1.0, "share of reserved orders that are paid"},
      {"ttl_minutes", 15, 1, 1440, "unpaid orders are released after this TTL"},
      {"coverage", tier >= 2 ? 1.25 : (tier >= 1 ? 1.15 : 1.05), 0.1, 5,
       "stocking policy: stock = forecast x coverage"},
      {"forecast_error_sd", 0.25, 0, 2, "log-sd of the planner's session forecast error"},
      {"factory_share", 0.15, 0, 2, "factory stock at start, share of the forecast"},
      {"production_share_per_hour", 0.03, 0, 1,
       "factory output per hour during sessions, share of the forecast"},
      {"factory_lead_time_hours", 2, 0, 240,
       "emergency production (planned policy): hours from order to units at the factory"},
      {"sla_hours", 48, 1, 240, "platform rule: orders must ship within this many hours"},
      {"outage_region", -1, -1, 4, "region index with a logistics outage (-1 none)"},
      {"outage_delay_hours", 0, 0, 240, "extra ship delay at locations in the outage region"},
      {"weather_factor", 1, 1, 10, "multiplies transit and carrier delays"},
      {"surge_factor", 1, 1, 100, "demand multiplier on the top SKU after its intro"},
      {"absence_influence", 1, 0.05, 1, "substitute host's demand relative to the planned host"},
      {"material_price_factor", 1, 0.5, 5, "raw-material price multiplier (half of cost)"},
      {"pick_error_rate", 0.002, 0, 0.5, "orders picked wrong: re-shipped (+24 h) and returned"},
      {"recall_at_fraction", -1, -1, 1, "top SKU recalled at this fraction of the session"},
      {"recall_return_share", 0.4, 0, 1, "share of sold recalled units that come back"},
      {"cold_chain_at_fraction", -1, -1, 1, "cold-chain excursion at this session fraction"},
  };
}

Scenario make(std::string id, std::string base, std::string summary, double tier,
              std::vector<std::pair<std::string, double>> overrides) {
  Scenario s{std::move(id), std::move(base), std::move(summary),
             common_params(tier, 1, tier >= 2 ? 0.05 : 1.0)};
  for (const auto& [name, value] : overrides) {
    bool found = false;
    for (auto& p : s.params) {
      if (p.name == name) {
        p.value = value;
        found = true;
      }
    }
    LC_ASSERT(found);
  }
  return s;
}

std::vector<Scenario> catalogue() {
  return {
      make("daily", "daily", "one daily session of a calibrated host", 0, {}),
      make("themed", "daily", "themed session: 2x traffic push, deeper promo", 1, {}),
      make("mega", "mega", "mega session peaking at 150,000 orders/min (x scale)", 2,
           {{"peak_orders_per_min", 150'000}}),
      make("surge-15x", "daily", "unplanned 15x surge on the top SKU", 0, {{"surge_factor", 15}}),
      make("streamer-absence", "daily", "planned host absent; a weaker substitute sells", 0,
           {{"absence_influence", 0.35}}),
      make("regional-outage", "daily", "logistics outage in the east region", 0,
           {{"outage_region", 1}, {"outage_delay_hours", 48}}),
      make("extreme-weather", "daily", "storms slow every lane 2.5x", 0, {{"weather_factor", 2.5}}),
      make("factory-stop", "daily", "the factory stops: no stock there, no output", 0,
           {{"factory_share", 0}, {"production_share_per_hour", 0}}),
      make("price-spike", "daily", "raw-material price +60% raises unit cost", 0,
           {{"material_price_factor", 1.6}}),
      make("rule-change-24h", "daily", "platform rule: ship within 24 h instead of 48 h", 0,
           {{"sla_hours", 24}}),
      make("picking-errors", "daily", "warehouse picking-error wave (5% of orders)", 0,
           {{"pick_error_rate", 0.05}}),
      make("quality-recall", "daily", "quality incident: top SKU recalled mid-session", 0,
           {{"recall_at_fraction", 0.5}}),
      make("cold-chain-excursion", "daily", "cold-chain sensor excursion: food stock lost", 0,
           {{"cold_chain_at_fraction", 0.3}}),
  };
}

}  // namespace

double Scenario::param(std::string_view name) const {
  for (const auto& p : params) {
    if (p.name == name) return p.value;
  }
  LC_ASSERT_MSG(false, "unknown scenario parameter");
  return 0;
}

std::vector<std::string> scenario_ids() {
  std::vector<std::string> ids;
  for (const auto& s : catalogue()) ids.push_back(s.id);
  return ids;
}

Result<Scenario> find_scenario(std::string_view id) {
  for (auto& s : catalogue()) {
    if (s.id == id) return s;
  }
  return fail(ErrorCode::not_found, "scenario",
              fmt::format("unknown scenario '{}'; known: {}", id, fmt::join(scenario_ids(), ", ")));
}

Result<void> set_param(Scenario& scenario, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return fail(ErrorCode::invalid_argument, "param",
                fmt::format("expected KEY=VALUE, got '{}'", assignment));
  }
  const std::string key(assignment.substr(0, eq));
  const std::string_view text = assignment.substr(eq + 1);
  for (auto& p : scenario.params) {
    if (p.name != key) continue;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
      return fail(ErrorCode::invalid_argument, "param." + key,
                  fmt::format("'{}' is not a number", text));
    }
    if (value < p.min || value > p.max) {
      return fail(ErrorCode::invalid_argument, "param." + key,
                  fmt::format("{} is outside [{}, {}]", value, p.min, p.max));
    }
    p.value = value;
    return {};
  }
  std::vector<std::string> names;
  for (const auto& p : scenario.params) names.push_back(p.name);
  return fail(ErrorCode::invalid_argument, "param." + key,
              fmt::format("unknown parameter; known: {}", fmt::join(names, ", ")));
}

}  // namespace livechain::twin
