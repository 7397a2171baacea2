// The session plan, the brand and the network (session.hpp).
#include "twin/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/gtin.hpp"
#include "twin/rng.hpp"

namespace livechain::twin {

namespace {

// Per agenda SKU: intro minute, a burst after the intro and a tail to the end.
void shape_demand(const Scenario& scenario, SessionPlan& plan, Rng& rng) {
  const auto p = [&](std::string_view name) { return scenario.param(name); };
  const uint32_t d = plan.duration_min;
  const size_t n = plan.agenda.size();
  double weight_sum = 0;
  std::vector<double> weight(n);
  for (size_t k = 0; k < n; ++k) {
    weight[k] = rng.lognormal(0, 0.6) / std::pow(static_cast<double>(k + 1), 0.8);
    weight_sum += weight[k];
  }
  plan.rate.assign(n, std::vector<double>(d, 0.0));
  plan.intro_minute.resize(n);
  std::vector<double> total(d, 0.0);
  for (size_t k = 0; k < n; ++k) {
    const uint32_t intro = 2 + static_cast<uint32_t>(k * (d - 12) / n);
    plan.intro_minute[k] = intro;
    double raw_sum = 0;
    for (uint32_t m = intro; m < d; ++m) {
      const double since = m - intro;
      plan.rate[k][m] = 0.55 * std::exp(-since / 8.0) / 8.0 + 0.45 / (d - intro);
      raw_sum += plan.rate[k][m];
    }
    const double orders = plan.planned_units / kUnitsPerOrderMean * weight[k] / weight_sum;
    for (uint32_t m = intro; m < d; ++m) {
      plan.rate[k][m] *= orders / raw_sum;
      total[m] += plan.rate[k][m];
    }
  }
  const double peak_target = p("peak_orders_per_min") * p("scale");
  const double peak = *std::max_element(total.begin(), total.end());
  if (peak_target > 0 && peak > 0) {
    const double factor = peak_target / peak;
    for (auto& r : plan.rate) {
      for (double& x : r) x *= factor;
    }
    plan.planned_units *= factor;
  }
}

}  // namespace

// Session size from the calibrated host, the tier and the scenario's shocks.
SessionPlan plan_session(const Scenario& scenario, uint64_t seed, uint32_t index,
                         uint32_t sku_count) {
  const auto p = [&](std::string_view name) { return scenario.param(name); };
  const double promo = p("promo_depth");
  const auto& hosts = calibrated_hosts();
  std::vector<size_t> order(hosts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return hosts[a].sessions > hosts[b].sessions; });
  const size_t rank = std::min(static_cast<size_t>(p("host_rank")), order.size() - 1);
  const HostFit& host = hosts[order[rank]];
  SessionPlan plan;
  plan.index = index;
  plan.host = host.host;
  const double typical_units = std::exp(host.log_units_mean);
  plan.streamer_tier = typical_units > 50'000 ? 'S' : (typical_units > 10'000 ? 'A' : 'B');
  plan.start_ms = kStartMs + kHourMs * 2 + static_cast<TimeMs>(index) * kDayMs;
  SessionOutcome outcome;
  for (uint64_t attempt = 0; attempt < 16 && outcome.units <= 0; ++attempt) {
    outcome = sample_session(host, seed, index * 16 + attempt);
  }
  if (outcome.units <= 0) outcome.units = std::max(1.0, outcome.views * 0.005);
  plan.views = outcome.views;
  const double tier = p("tier");
  plan.duration_min = static_cast<uint32_t>(
      std::clamp(outcome.duration_s / 60.0, tier >= 2 ? 180.0 : 60.0, kDurationMinutesMax));
  if (p("duration_minutes") > 0) plan.duration_min = static_cast<uint32_t>(p("duration_minutes"));
  const double tier_push = tier >= 2 ? 4.0 : (tier >= 1 ? 2.0 : 1.0);
  const double promolift = (1 + promo) / 1.10;
  plan.planned_units = outcome.units * p("scale") * tier_push * promolift;
  const uint32_t products =
      static_cast<uint32_t>(std::clamp(outcome.products, 3.0, static_cast<double>(sku_count)));
  Rng rng(seed, kPlan * 1000 + index);
  // The agenda: `products` SKUs, a random rotation of the catalogue.
  const uint32_t first = static_cast<uint32_t>(rng.below(sku_count));
  for (uint32_t k = 0; k < products; ++k) {
    plan.agenda.push_back((first + k * 7) % static_cast<uint32_t>(sku_count));
  }
  std::sort(plan.agenda.begin(), plan.agenda.end());
  plan.agenda.erase(std::unique(plan.agenda.begin(), plan.agenda.end()), plan.agenda.end());
  shape_demand(scenario, plan, rng);
  plan.forecast_units = plan.planned_units * rng.lognormal(0, p("forecast_error_sd"));
  return plan;
}

void fill_forecast_curve(SessionForecast& f, const SessionPlan& plan, TimeMs start_ms) {
  f.start_ms = start_ms;
  const double scale =
      plan.planned_units > 0 ? kUnitsPerOrderMean * plan.forecast_units / plan.planned_units : 0;
  f.units_per_min.assign(plan.agenda.size(), {});
  for (size_t k = 0; k < plan.agenda.size(); ++k) {
    f.units_per_min[k].reserve(plan.rate[k].size());
    for (double r : plan.rate[k]) f.units_per_min[k].push_back(r * scale);
  }
}

std::vector<Sku> make_brand(uint64_t seed, uint32_t count, double material_price_factor) {
  Rng rng(seed, kCatalog);
  const double cost_factor = 0.5 + 0.5 * material_price_factor;
  static constexpr std::array<const char*, 4> kSizes = {"S", "M", "L", "XL"};
  static constexpr std::array<const char*, 3> kColours = {"black", "white", "red"};
  std::vector<Sku> skus;
  for (uint32_t i = 0; i < count; ++i) {
    Sku sku;
    sku.category = static_cast<Category>(i % kCategories);
    const CategoryInfo& info = kCategoryInfo[static_cast<size_t>(sku.category)];
    const std::string body = fmt::format("6901234{:05d}", i);
    sku.gtin = fmt::format("0{}{}", body, gtin_check_digit(body));
    sku.name = fmt::format("{}-{:03d}", info.name, i);
    if (sku.category == Category::apparel) {
      sku.variant = fmt::format("{}/{}", kColours[(i / 5) % 3], kSizes[(i / 15) % 4]);
    }
    sku.price_cny = std::round(rng.uniform(info.price_cny_lo, info.price_cny_hi));
    sku.cost_cny = std::round(sku.price_cny * info.cost_share * cost_factor * 100) / 100;
    sku.return_rate = info.return_rate;
    skus.push_back(std::move(sku));
  }
  return skus;
}

std::vector<Location> make_locations() {
  using engine::LocationKind;
  return {
      {"factory-central", LocationKind::factory, 4},
      {"dc-north", LocationKind::dc, 0},
      {"dc-east", LocationKind::dc, 1},
      {"dc-south", LocationKind::dc, 2},
      {"dc-west", LocationKind::dc, 3},
      {"fw-east", LocationKind::front_warehouse, 1},
      {"fw-south", LocationKind::front_warehouse, 2},
      {"store-east", LocationKind::store, 1},
      {"store-north", LocationKind::store, 0},
      {"rc-central", LocationKind::returns_center, 4},
  };
}

std::vector<engine::Command> catalog_commands(const std::vector<Sku>& skus,
                                              const std::vector<Location>& locations) {
  std::vector<engine::Command> out;
  for (const auto& sku : skus) out.push_back(engine::PutSku{sku.gtin, sku.name});
  for (const auto& l : locations) {
    out.push_back(engine::PutLocation{l.id, l.kind, kRegionNames[l.region]});
  }
  for (size_t a = 0; a < kRegions; ++a) {
    for (size_t b = a + 1; b < kRegions; ++b) {
      out.push_back(engine::PutRegionDistance{kRegionNames[a], kRegionNames[b], kDistanceKm[a][b]});
    }
  }
  out.push_back(engine::PutChannel{kChannel, engine::ChannelKind::live_room});
  return out;
}

}  // namespace livechain::twin
