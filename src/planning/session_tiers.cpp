// Session-tier stocking rules (spec §3). The numbers come from TierConfig; the words in
// `why` say which rule set each number, so a planner can check the plan by hand.
#include "planning/session_tiers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "core/identifier.hpp"

namespace livechain::planning {

namespace {

constexpr TimeMs kDayMs = 86'400'000;

Result<void> check_share(std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {
    return fail(ErrorCode::invalid_argument, std::string(field), "must be a share in [0, 1]");
  }
  return {};
}

Result<void> check_days(std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 365.0)) {
    return fail(ErrorCode::invalid_argument, std::string(field), "must be days in [0, 365]");
  }
  return {};
}

Result<void> check_units(const std::string& field, double value) {
  if (!std::isfinite(value) || value < 0.0 || value > kSessionUnitsMax) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be units in [0, {:.0f}]", kSessionUnitsMax));
  }
  return {};
}

constexpr std::string_view kSessionTierNames[] = {"daily", "themed", "mega"};
constexpr std::string_view kSupplierTierNames[] = {"core", "close", "elastic"};

double preparation_days(const TierConfig& config, SupplierTier tier) {
  if (tier == SupplierTier::core) return config.core_preparation_days;
  if (tier == SupplierTier::close) return config.close_preparation_days;
  return config.elastic_preparation_days;
}

int64_t share_of(int64_t capacity_units, double share) {
  return std::llround(static_cast<double>(capacity_units) * share);
}

int64_t ceil_units(double units) {
  return static_cast<int64_t>(std::ceil(units - 1e-9));
}

std::string percent(double share) {
  return fmt::format("{:g}%", share * 100.0);
}

// The session's demand the plan covers, by tier, and the words that say why.
void set_demand(const SessionSpec& spec, const SessionSku& sku, const TierConfig& config,
                TimeMs now_ms, SkuPlan& plan) {
  if (spec.tier == SessionTier::daily) {
    double days = config.daily_safety_days;
    plan.demand_basis = "p50_plus_safety";
    plan.demand_units = sku.p50_units * std::max(days, 1.0);
    // P90 − P50 is 1.2816 σ of one session; over `days` sessions σ grows with √days.
    double safety = (sku.p90_units - sku.p50_units) * std::sqrt(days);
    plan.safety_units = ceil_units(safety);
    plan.target_units = ceil_units(plan.demand_units) + plan.safety_units;
    plan.why.push_back(fmt::format(
        "daily tier: {:g} days of sessions at P50 {:g} = {:g} units, plus safety stock at the "
        "90% level over {:g} days, (P90 − P50)·√{:g} = {:.1f} → {} units; fast replenishment "
        "refills it between sessions",
        std::max(days, 1.0), sku.p50_units, plan.demand_units, days, days, safety,
        plan.safety_units));
    return;
  }
  if (spec.tier == SessionTier::themed) {
    TimeMs window_ms = static_cast<TimeMs>(config.themed_replan_window_h * 3'600'000.0);
    bool in_window = now_ms >= spec.starts_at_ms - window_ms;
    if (sku.add_to_cart && in_window) {
      plan.demand_basis = "add_to_cart";
      plan.demand_units = static_cast<double>(sku.add_to_cart->units) * sku.add_to_cart->conversion;
      plan.why.push_back(fmt::format(
          "themed tier, re-planned inside the {:g} h before the start: {} units in carts × "
          "conversion {:g} = {:g} units",
          config.themed_replan_window_h, sku.add_to_cart->units, sku.add_to_cart->conversion,
          plan.demand_units));
    } else {
      plan.demand_basis = "p90";
      plan.demand_units = sku.p90_units;
      plan.why.push_back(fmt::format(
          "themed tier: planned to the forecast's P90, {:g} units{}", sku.p90_units,
          sku.add_to_cart ? fmt::format(" (the add-to-cart signal counts only inside the "
                                        "{:g} h before the start)",
                                        config.themed_replan_window_h)
                          : std::string()));
    }
    plan.target_units = ceil_units(plan.demand_units);
    return;
  }
  plan.demand_basis = "p90";
  plan.demand_units = sku.p90_units;
  plan.target_units = ceil_units(plan.demand_units);
  plan.why.push_back(
      fmt::format("mega tier: planned to the forecast's P90, {:g} units", sku.p90_units));
}

// Locked, flexible, reserves and shortfall out of the supplier's capacity.
void set_capacity(const SessionSpec& spec, const SessionSku& sku, const TierConfig& config,
                  SkuPlan& plan) {
  int64_t capacity = sku.capacity_units;
  plan.sudden_reserve_units = share_of(capacity, config.sudden_order_reserve_share);
  double locked_share = 0.0;
  if (spec.tier == SessionTier::themed) locked_share = config.themed_presale_lock_share;
  if (spec.tier == SessionTier::mega) {
    locked_share = config.mega_locked_share;
    plan.emergency_reserve_units = share_of(capacity, config.mega_emergency_reserve_share);
  }
  int64_t usable =
      std::max<int64_t>(0, capacity - plan.sudden_reserve_units - plan.emergency_reserve_units);
  plan.locked_units = std::min(share_of(capacity, locked_share), usable);
  plan.shortfall_units = std::max<int64_t>(0, plan.target_units - usable);
  plan.target_units = std::min(plan.target_units, usable);
  plan.flexible_units = std::max<int64_t>(0, plan.target_units - plan.locked_units);

  plan.why.push_back(fmt::format("{} of capacity {} ({} units) kept back for sudden orders",
                                 percent(config.sudden_order_reserve_share), capacity,
                                 plan.sudden_reserve_units));
  if (spec.tier == SessionTier::themed) {
    plan.why.push_back(fmt::format(
        "presale locks {} of capacity ({} units); the other {} stays flexible: {} units of the "
        "target are ordered as demand firms up",
        percent(config.themed_presale_lock_share), plan.locked_units,
        percent(1.0 - config.themed_presale_lock_share), plan.flexible_units));
  }
  if (spec.tier == SessionTier::mega) {
    plan.why.push_back(fmt::format(
        "{} of capacity locked ahead with the supplier ({} units), {} kept as emergency reserve "
        "({} units, not stocked)",
        percent(config.mega_locked_share), plan.locked_units,
        percent(config.mega_emergency_reserve_share), plan.emergency_reserve_units));
  }
  if (plan.shortfall_units > 0) {
    plan.why.push_back(
        fmt::format("usable capacity {} units cannot cover the target: {} units short{}", usable,
                    plan.shortfall_units,
                    plan.emergency_reserve_units > 0
                        ? fmt::format(", the emergency reserve covers {} of them",
                                      std::min(plan.shortfall_units, plan.emergency_reserve_units))
                        : std::string()));
  }
}

void set_order_by(const SessionSpec& spec, const SessionSku& sku, const TierConfig& config,
                  TimeMs now_ms, SkuPlan& plan) {
  double days = preparation_days(config, sku.supplier_tier);
  plan.order_by_ms = spec.starts_at_ms - static_cast<TimeMs>(days * static_cast<double>(kDayMs));
  plan.order_by_passed = plan.order_by_ms < now_ms;
  plan.why.push_back(
      fmt::format("{} supplier: {:g} days to prepare, order by {}{}",
                  supplier_tier_name(sku.supplier_tier), days, format_rfc3339_ms(plan.order_by_ms),
                  plan.order_by_passed ? " — already passed: use a faster supplier" : ""));
}

void set_locations(const std::vector<LocationStock>& stock, SkuPlan& plan) {
  if (stock.empty()) {
    plan.why.push_back("no stocking location holds the SKU yet: the target has no split");
    return;
  }
  std::vector<double> weights;
  std::string basis = "units sold";
  for (const LocationStock& s : stock) weights.push_back(static_cast<double>(s.sold_units));
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w <= 0.0; })) {
    basis = "units available";
    weights.clear();
    for (const LocationStock& s : stock) {
      weights.push_back(static_cast<double>(std::max<int64_t>(0, s.available_units)));
    }
  }
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w <= 0.0; })) {
    basis = "an even share (nothing sold or held yet)";
  }
  std::vector<int64_t> shares = split_by_weight(plan.target_units, weights);
  for (size_t i = 0; i < stock.size(); ++i) {
    LocationTarget target{stock[i].location_id, shares[i], stock[i].available_units, 0};
    target.gap_units = std::max<int64_t>(0, target.target_units - target.available_units);
    plan.locations.push_back(std::move(target));
  }
  plan.why.push_back(fmt::format("split over {} locations by {}", plan.locations.size(), basis));
}

}  // namespace

std::string_view session_tier_name(SessionTier tier) {
  return kSessionTierNames[static_cast<size_t>(tier)];
}

std::string_view supplier_tier_name(SupplierTier tier) {
  return kSupplierTierNames[static_cast<size_t>(tier)];
}

std::optional<SessionTier> parse_session_tier(std::string_view name) {
  for (SessionTier tier : {SessionTier::daily, SessionTier::themed, SessionTier::mega}) {
    if (session_tier_name(tier) == name) return tier;
  }
  return std::nullopt;
}

std::optional<SupplierTier> parse_supplier_tier(std::string_view name) {
  for (SupplierTier tier : {SupplierTier::core, SupplierTier::close, SupplierTier::elastic}) {
    if (supplier_tier_name(tier) == name) return tier;
  }
  return std::nullopt;
}

Result<void> validate_tier_config(const TierConfig& c) {
  LC_CHECK(check_days("tiers.daily_safety_days", c.daily_safety_days));
  LC_CHECK(check_share("tiers.themed_presale_lock_share", c.themed_presale_lock_share));
  if (!(c.themed_replan_window_h > 0.0 && c.themed_replan_window_h <= 720.0)) {
    return fail(ErrorCode::invalid_argument, "tiers.themed_replan_window_h",
                "must be hours in (0, 720]");
  }
  LC_CHECK(check_share("tiers.mega_locked_share", c.mega_locked_share));
  LC_CHECK(check_share("tiers.mega_emergency_reserve_share", c.mega_emergency_reserve_share));
  LC_CHECK(check_share("tiers.sudden_order_reserve_share", c.sudden_order_reserve_share));
  if (c.mega_locked_share + c.mega_emergency_reserve_share + c.sudden_order_reserve_share >
      1.0 + 1e-12) {
    return fail(ErrorCode::invalid_argument, "tiers.mega_locked_share",
                "locked + emergency reserve + sudden-order reserve must not exceed 1");
  }
  if (c.themed_presale_lock_share + c.sudden_order_reserve_share > 1.0 + 1e-12) {
    return fail(ErrorCode::invalid_argument, "tiers.themed_presale_lock_share",
                "presale lock + sudden-order reserve must not exceed 1");
  }
  LC_CHECK(check_days("tiers.core_preparation_days", c.core_preparation_days));
  LC_CHECK(check_days("tiers.close_preparation_days", c.close_preparation_days));
  LC_CHECK(check_days("tiers.elastic_preparation_days", c.elastic_preparation_days));
  return {};
}

Result<void> validate_session_spec(const SessionSpec& spec) {
  if (spec.duration_min < 1 || spec.duration_min > kSessionDurationMinMax) {
    return fail(ErrorCode::invalid_argument, "duration_min",
                fmt::format("must be minutes in [1, {}]", kSessionDurationMinMax));
  }
  if (!spec.streamer.empty())
    LC_CHECK(validate_text("streamer", spec.streamer, kStreamerLengthMax));
  if (spec.skus.empty()) {
    return fail(ErrorCode::invalid_argument, "skus", "must name at least one SKU");
  }
  if (spec.skus.size() > kSessionSkusMax) {
    return fail(ErrorCode::limit_exceeded, "skus",
                fmt::format("{} SKUs exceed the limit of {}", spec.skus.size(), kSessionSkusMax));
  }
  for (size_t i = 0; i < spec.skus.size(); ++i) {
    const SessionSku& sku = spec.skus[i];
    std::string at = fmt::format("skus[{}].", i);
    auto gtin14 = normalize_gtin(sku.gtin);
    if (!gtin14 || *gtin14 != sku.gtin) {
      return fail(ErrorCode::invalid_argument, at + "gtin", "must be a valid GTIN-14");
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec.skus[j].gtin == sku.gtin) {
        return fail(ErrorCode::invalid_argument, at + "gtin",
                    fmt::format("repeats skus[{}].gtin", j));
      }
    }
    LC_CHECK(check_units(at + "p50_units", sku.p50_units));
    LC_CHECK(check_units(at + "p90_units", sku.p90_units));
    if (sku.p90_units < sku.p50_units) {
      return fail(ErrorCode::invalid_argument, at + "p90_units", "must be ≥ p50_units");
    }
    if (sku.capacity_units < 0 || sku.capacity_units > kSessionCapacityUnitsMax) {
      return fail(ErrorCode::invalid_argument, at + "capacity_units",
                  fmt::format("must be units in [0, {}]", kSessionCapacityUnitsMax));
    }
    if (sku.add_to_cart) {
      if (sku.add_to_cart->units < 0 || sku.add_to_cart->units > kSessionCapacityUnitsMax) {
        return fail(ErrorCode::invalid_argument, at + "add_to_cart.units",
                    fmt::format("must be units in [0, {}]", kSessionCapacityUnitsMax));
      }
      LC_CHECK(check_share(at + "add_to_cart.conversion", sku.add_to_cart->conversion));
    }
  }
  return {};
}

std::vector<int64_t> split_by_weight(int64_t total, const std::vector<double>& weights) {
  LC_ASSERT(total >= 0);
  std::vector<int64_t> parts(weights.size(), 0);
  if (weights.empty() || total == 0) return parts;
  double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> exact(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) {
    LC_ASSERT(weights[i] >= 0.0);
    exact[i] = sum > 0.0 ? static_cast<double>(total) * weights[i] / sum
                         : static_cast<double>(total) / static_cast<double>(weights.size());
    parts[i] = static_cast<int64_t>(std::floor(exact[i]));
  }
  int64_t left = total - std::accumulate(parts.begin(), parts.end(), int64_t{0});
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return exact[a] - std::floor(exact[a]) > exact[b] - std::floor(exact[b]);
  });
  for (size_t k = 0; left > 0; k = (k + 1) % order.size(), --left) ++parts[order[k]];
  LC_ASSERT(std::accumulate(parts.begin(), parts.end(), int64_t{0}) == total);
  return parts;
}

SessionPlan plan_session(const SessionSpec& spec, const TierConfig& config,
                         const std::vector<std::vector<LocationStock>>& stock_by_sku,
                         TimeMs now_ms) {
  LC_ASSERT(stock_by_sku.size() == spec.skus.size());
  SessionPlan plan{spec.id, spec.tier, now_ms, {}};
  for (size_t i = 0; i < spec.skus.size(); ++i) {
    const SessionSku& sku = spec.skus[i];
    SkuPlan sku_plan;
    sku_plan.gtin = sku.gtin;
    sku_plan.supplier_tier = sku.supplier_tier;
    set_demand(spec, sku, config, now_ms, sku_plan);
    set_capacity(spec, sku, config, sku_plan);
    set_order_by(spec, sku, config, now_ms, sku_plan);
    set_locations(stock_by_sku[i], sku_plan);
    LC_ASSERT(sku_plan.target_units >= 0 && sku_plan.flexible_units >= 0);
    LC_ASSERT(sku_plan.locked_units + sku_plan.sudden_reserve_units +
                  sku_plan.emergency_reserve_units <=
              std::max<int64_t>(sku.capacity_units, 0) + 2);  // rounding of three shares
    plan.skus.push_back(std::move(sku_plan));
  }
  return plan;
}

}  // namespace livechain::planning
