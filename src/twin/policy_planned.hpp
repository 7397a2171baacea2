// src/twin/policy_planned.hpp — internal: the `planned` policy (issue 18 §5; docs/twin.md
// "Policies", docs/planning.md "The twin: planned policy against the others").
//
// The planning module's rules driving the twin:
//   tiers      before a session, each agenda SKU gets the baseline policy's total units
//              (never more), placed by planning::plan_session: the session tier's target
//              (daily P50 + safety, themed/mega P90) from the forecast's P50/P90 goes to
//              the selling locations, split by plan_session's location split (weights:
//              the buyer-region mix mapped to selling locations, plus units already sold
//              there); only units above the tier target stay at the factory.
//   transfers  a dynamic threshold per SKU × selling location: P90 demand over the
//              location's replenishment lead time from the factory (the forecast curve,
//              scaled up by the SKU's demand so far when it runs above forecast). When an
//              order leaves the location's available + inbound units under it (checked
//              at most once per SKU × location per simulated minute), or an order of the
//              SKU is turned away (at most once per SKU per minute), planning::
//              solve_transfers moves spare units (a selling donor's units above its
//              order-up-to level, P90 demand over twice its lead time; all of the
//              factory's) to every location under its threshold, up to its order-up-to
//              level, along the twin's lanes; moves under kPlannedTransferUnitsMin units
//              are dropped (units in transit sell nowhere, and any selling location
//              serves any buyer).
//   emergency  when a SKU's demand so far exceeds 120% of its forecast so far (the
//              orange rule; checked at most once per SKU per minute, after 2% of its
//              forecast is due), it orders production of the gap — the rest of the
//              session's projected demand minus the SKU's network stock, inbound and
//              production already on order — received at the factory after the factory
//              lead time, only if factory lead time + the fastest lane out of the factory
//              ends before the session does (else it could not sell in it).
// Deterministic: no random draws. Not thread-safe (one object per run).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "twin/policy.hpp"

namespace livechain::twin {

inline constexpr double kEmergencyTriggerRatio = 1.2;       // the orange rule
inline constexpr double kEmergencyMinForecastShare = 0.02;  // of the SKU's session forecast
inline constexpr double kP90Z = 1.2815515655446004;         // standard normal 0.9 quantile
// solve_transfers weights: CNY per unit, per unit-hour of lead time, per kg CO2e.
inline constexpr double kPlannedLeadTimeWeight = 0.5;
inline constexpr double kPlannedCo2Weight = 0.1;
inline constexpr double kPlannedUnmetPenalty = 10'000;
// A planned move under this many units is dropped (the shipment's 50 CNY fixed cost).
inline constexpr int64_t kPlannedTransferUnitsMin = 20;

class PlannedPolicy final : public Policy {
 public:
  explicit PlannedPolicy(const Network& network);
  std::string_view name() const override { return "planned"; }
  // Receipts for the session. Errors: invalid_argument (field "plan") if the planning
  // module rejects the session built from the forecast; the sink's errors.
  Result<void> stock(const SessionForecast& forecast, const StockView& view,
                     MoveSink& sink) override;
  // Nothing on the timer: the planned policy answers events (react).
  Result<void> replenish(const StockView& view, const std::vector<bool>& off_sale,
                         MoveSink& sink) override;
  bool reacts() const override { return true; }
  // Threshold transfers and emergency production (header comment). Errors: the
  // transfer solver's (invalid_state, field "solver") or the sink's.
  Result<void> react(std::span<const Demand> demand, TimeMs now_ms, const StockView& view,
                     const std::vector<bool>& off_sale, MoveSink& sink) override;

  // Inspection (tests, docs): the threshold and the order-up-to level of a SKU at a
  // selling location at `now_ms` (0 for SKUs off the agenda and non-selling locations),
  // and the production ordered for a SKU in this session.
  int64_t threshold_units(uint32_t sku, uint32_t location, TimeMs now_ms) const;
  int64_t order_up_to_units(uint32_t sku, uint32_t location, TimeMs now_ms) const;
  int64_t emergency_units(uint32_t sku) const { return emergency_total_[sku]; }

 private:
  struct Inbound {
    TimeMs arrive_ms = 0;
    int64_t qty_units = 0;
  };
  size_t index(uint32_t sku, uint32_t location) const {
    return static_cast<size_t>(sku) * locations_ + location;
  }
  uint32_t minute_of(TimeMs now_ms) const;
  // P90 units of `sku` expected at `location` over [minute, minute + span_min).
  double p90_units(uint32_t sku, uint32_t location, uint32_t minute, uint32_t span_min) const;
  double demand_ratio(uint32_t sku, uint32_t minute) const;
  int64_t inbound_units(uint32_t sku, uint32_t location, TimeMs now_ms);
  Result<void> rebalance(uint32_t sku, TimeMs now_ms, const StockView& view, MoveSink& sink);
  Result<void> emergency(uint32_t sku, TimeMs now_ms, const StockView& view, MoveSink& sink);

  const Network& network_;
  size_t locations_ = 0;
  std::vector<uint32_t> selling_;
  std::vector<double> region_share_;  // per location: share of the buyers it serves
  std::vector<double> lead_time_h_;   // per location: lead time from the factory
  std::vector<std::vector<double>> lane_km_;
  // This session.
  TimeMs start_ms_ = 0;
  uint32_t duration_min_ = 0;
  double p90_ratio_ = 1;
  double factory_lead_time_h_ = 0;
  double transit_factor_ = 1;
  std::vector<int32_t> agenda_k_;                // per sku: agenda entry, −1 when off it
  std::vector<std::vector<double>> cumulative_;  // per agenda entry: forecast units by minute
  std::vector<int64_t> demand_units_;            // per sku: units demanded so far
  std::vector<int64_t> sold_units_;              // per sku × location, across sessions
  std::vector<uint32_t> checked_minute_;         // per sku × location (+1; 0: never)
  std::vector<uint32_t> lost_checked_minute_;    // per sku (+1)
  std::vector<uint32_t> emergency_minute_;       // per sku (+1)
  std::vector<std::vector<Inbound>> inbound_;    // per sku × location: transfers under way
  std::vector<std::vector<Inbound>> on_order_;   // per sku: production under way
  std::vector<int64_t> emergency_total_;         // per sku, this session
};

}  // namespace livechain::twin
