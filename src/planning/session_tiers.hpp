// src/planning/session_tiers.hpp — session-tier stocking (spec §3; docs/planning.md
// "Session-tier stocking").
//
// A planned live session has a tier (daily, themed, mega) and, per SKU, a forecast
// (P50/P90 units for the session), the supplier's capacity for it and the supplier's
// tier (core, close, elastic: their preparation lead times). plan_session turns that,
// the tier rules of a TierConfig and the SKU's stock by location into a stocking plan
// per SKU × location with the reasons in words. Pure: no clock, no ledger, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::planning {

enum class SessionTier : uint8_t { daily, themed, mega };
enum class SupplierTier : uint8_t { core, close, elastic };

std::string_view session_tier_name(SessionTier tier);
std::string_view supplier_tier_name(SupplierTier tier);
std::optional<SessionTier> parse_session_tier(std::string_view name);
std::optional<SupplierTier> parse_supplier_tier(std::string_view name);

// The tier rules' numbers. Defaults are the spec's (§3); a brand overrides any of them
// in the serve config ("planning": {"tiers": {…}}) or with `--tiers FILE`.
struct TierConfig {
  // daily: safety stock for this many days of demand, on top of the session's P50.
  double daily_safety_days = 7.0;
  // themed: presale locks this share of the supplier's capacity; the rest is flexible,
  // re-planned from add-to-cart × conversion inside the window before the start.
  double themed_presale_lock_share = 0.30;
  double themed_replan_window_h = 48.0;
  // mega: locked ahead with the supplier, and kept back as an emergency reserve.
  double mega_locked_share = 0.50;
  double mega_emergency_reserve_share = 0.20;
  // every tier: capacity kept back for sudden orders (never planned into stock).
  double sudden_order_reserve_share = 0.10;
  // Preparation lead time of each supplier tier: the order must be placed this many
  // days before the session starts.
  double core_preparation_days = 60.0;
  double close_preparation_days = 30.0;
  double elastic_preparation_days = 2.0;

  bool operator==(const TierConfig&) const = default;
};

// Errors: invalid_argument naming the field (e.g. "tiers.mega_locked_share") when a
// share is outside [0, 1], the mega shares plus the sudden reserve exceed 1, a day
// count is negative or above 365, or the window is outside (0, 720] hours.
Result<void> validate_tier_config(const TierConfig& config);

// Add-to-cart seen before a themed session: units in carts and the expected share of
// them that will be paid.
struct AddToCartSignal {
  int64_t units = 0;
  double conversion = 0.0;  // in [0, 1]
};

struct SessionSku {
  std::string gtin;  // GTIN-14
  double p50_units = 0;
  double p90_units = 0;
  int64_t capacity_units = 0;  // what the supplier can deliver for this session
  SupplierTier supplier_tier = SupplierTier::close;
  std::optional<AddToCartSignal> add_to_cart;
};

struct SessionSpec {
  std::string id;
  TimeMs starts_at_ms = 0;
  int32_t duration_min = 0;
  SessionTier tier = SessionTier::daily;
  std::string channel;
  std::string streamer;
  std::vector<SessionSku> skus;
};

// Limits of a session spec (docs/limits.md "Planning").
inline constexpr size_t kSessionSkusMax = 200;  // the record stays under 64 KiB
inline constexpr int32_t kSessionDurationMinMax = 24 * 60;
inline constexpr double kSessionUnitsMax = 1e9;
inline constexpr int64_t kSessionCapacityUnitsMax = 1'000'000'000;
inline constexpr size_t kStreamerLengthMax = 64;

// Errors: invalid_argument naming the field ("skus[2].p90_units: must be ≥ p50_units",
// "duration_min", …) or limit_exceeded ("skus"); the same GTIN twice is
// invalid_argument on the second ("skus[3].gtin"). Identifiers are checked by the
// caller (they are the API's path and the catalog's names).
Result<void> validate_session_spec(const SessionSpec& spec);

// A stocking location of the SKU as the ledger sees it now.
struct LocationStock {
  std::string location_id;
  int64_t available_units = 0;  // on hand minus reserved
  int64_t sold_units = 0;       // cumulative, the split's weight
};

struct LocationTarget {
  std::string location_id;
  int64_t target_units = 0;     // this location's share of the SKU's target
  int64_t available_units = 0;  // what it holds now
  int64_t gap_units = 0;        // target − available when positive: to bring in
};

struct SkuPlan {
  std::string gtin;
  SupplierTier supplier_tier = SupplierTier::close;
  std::string demand_basis;             // "p50_plus_safety", "p90", "add_to_cart"
  double demand_units = 0;              // the session's demand the plan covers
  int64_t safety_units = 0;             // daily: the 7-day safety stock
  int64_t target_units = 0;             // stock to have in place when the session starts
  int64_t locked_units = 0;             // capacity committed ahead (presale / locked with supplier)
  int64_t flexible_units = 0;           // the rest of the target, ordered as demand firms up
  int64_t emergency_reserve_units = 0;  // mega: capacity on call, not stocked
  int64_t sudden_reserve_units = 0;     // capacity kept back for sudden orders
  int64_t shortfall_units = 0;          // target the usable capacity cannot cover
  TimeMs order_by_ms = 0;               // start − the supplier tier's preparation lead time
  bool order_by_passed = false;         // order_by_ms is before the plan's time
  std::vector<LocationTarget> locations;
  std::vector<std::string> why;  // the rules that set each number, in words
};

struct SessionPlan {
  std::string session_id;
  SessionTier tier = SessionTier::daily;
  TimeMs planned_at_ms = 0;
  std::vector<SkuPlan> skus;
};

// The stocking plan of `spec` at `now_ms`. `stock_of(i)` is the stock of spec.skus[i]
// by location (empty: the SKU is nowhere yet; its target then has no location split).
// Rules (docs/planning.md): daily → target P50 + (P90 − P50)·√daily_safety_days;
// themed → P90, or add-to-cart × conversion when the signal is given and now is inside
// the re-plan window, with themed_presale_lock_share of capacity locked; mega → P90
// with mega_locked_share locked and mega_emergency_reserve_share in reserve. Every
// tier keeps sudden_order_reserve_share of capacity back; what usable capacity cannot
// cover is the shortfall. The target is split over locations by share of units sold,
// else of units available, else evenly (largest remainder, integers).
// REQUIRES: validate_session_spec(spec) and validate_tier_config(config) passed.
SessionPlan plan_session(const SessionSpec& spec, const TierConfig& config,
                         const std::vector<std::vector<LocationStock>>& stock_by_sku,
                         TimeMs now_ms);

// Splits `total` over `weights` in proportion (largest remainder; ties to the earlier
// entry). All-zero weights split evenly. REQUIRES: total ≥ 0, weights ≥ 0.
std::vector<int64_t> split_by_weight(int64_t total, const std::vector<double>& weights);

}  // namespace livechain::planning
