// The `planned` policy: session tiers, threshold transfers and emergency production
// from src/planning driving the twin (policy_planned.hpp has the rules).
#include "twin/policy_planned.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "planning/session_tiers.hpp"
#include "planning/transfers.hpp"
#include "twin/session.hpp"

namespace livechain::twin {

namespace {

int64_t planned_ceil(double units) {
  return units <= 0 ? 0 : static_cast<int64_t>(std::ceil(units - 1e-9));
}

planning::SessionTier planned_tier(int tier) {
  return tier >= 2 ? planning::SessionTier::mega
                   : (tier >= 1 ? planning::SessionTier::themed : planning::SessionTier::daily);
}

}  // namespace

PlannedPolicy::PlannedPolicy(const Network& network)
    : network_(network), locations_(network.locations->size()) {
  const auto& locations = *network.locations;
  region_share_.assign(locations_, 0.0);
  lead_time_h_.assign(locations_, 0.0);
  lane_km_.assign(locations_, std::vector<double>(locations_, 0.0));
  for (uint32_t a = 0; a < locations_; ++a) {
    for (uint32_t b = 0; b < locations_; ++b) {
      lane_km_[a][b] = kDistanceKm[locations[a].region][locations[b].region];
    }
    if (engine::sells_to_buyers(locations[a].kind)) selling_.push_back(a);
  }
  LC_ASSERT(!selling_.empty());
  // Buyers of a region go to its selling locations (60% DC, 40% over its front
  // warehouses and stores); a region without one to the nearest DC (pre-position's map).
  for (uint32_t r = 0; r < kRegions; ++r) {
    std::vector<uint32_t> here;
    for (uint32_t l : selling_) {
      if (locations[l].region == r) here.push_back(l);
    }
    if (here.empty()) {
      uint32_t best = kNoLocation;
      for (uint32_t l : selling_) {
        if (locations[l].kind != engine::LocationKind::dc) continue;
        if (best == kNoLocation ||
            kDistanceKm[r][locations[l].region] < kDistanceKm[r][locations[best].region]) {
          best = l;
        }
      }
      here.push_back(best == kNoLocation ? selling_[0] : best);
    }
    const auto forward = std::count_if(here.begin(), here.end(), [&](uint32_t l) {
      return locations[l].kind != engine::LocationKind::dc;
    });
    const bool has_dc = static_cast<size_t>(forward) < here.size();
    for (uint32_t l : here) {
      const bool dc = locations[l].kind == engine::LocationKind::dc;
      const double share = !has_dc || forward == 0 ? 1.0 / static_cast<double>(here.size())
                           : dc                    ? 0.6
                                                   : 0.4 / static_cast<double>(forward);
      region_share_[l] += kBuyerRegionMix[r] * share;
    }
  }
  for (uint32_t l : selling_) {
    lead_time_h_[l] = transfer_lead_time_h(static_cast<uint32_t>(lane_km_[network.factory][l]));
  }
  const size_t skus = network.skus->size();
  agenda_k_.assign(skus, -1);
  demand_units_.assign(skus, 0);
  sold_units_.assign(skus * locations_, 0);
  checked_minute_.assign(skus * locations_, 0);
  lost_checked_minute_.assign(skus, 0);
  emergency_minute_.assign(skus, 0);
  inbound_.assign(skus * locations_, {});
  on_order_.assign(skus, {});
  emergency_total_.assign(skus, 0);
}

Result<void> PlannedPolicy::stock(const SessionForecast& f, const StockView& view, MoveSink& sink) {
  const auto& skus = *network_.skus;
  const auto& locations = *network_.locations;
  LC_ASSERT(f.units_per_min.size() == f.agenda.size() && !f.agenda.empty());
  start_ms_ = f.start_ms;
  duration_min_ = static_cast<uint32_t>(f.units_per_min[0].size());
  p90_ratio_ = std::exp(kP90Z * f.forecast_error_sd);
  factory_lead_time_h_ = f.factory_lead_time_h;
  transit_factor_ = f.transit_time_factor;
  std::fill(agenda_k_.begin(), agenda_k_.end(), -1);
  std::fill(demand_units_.begin(), demand_units_.end(), 0);
  std::fill(checked_minute_.begin(), checked_minute_.end(), 0);
  std::fill(lost_checked_minute_.begin(), lost_checked_minute_.end(), 0);
  std::fill(emergency_minute_.begin(), emergency_minute_.end(), 0);
  std::fill(emergency_total_.begin(), emergency_total_.end(), 0);
  for (auto& list : inbound_) list.clear();
  for (auto& list : on_order_) list.clear();
  cumulative_.assign(f.agenda.size(), {});

  // The session as the planning module sees it: per SKU the forecast's P50 and P90.
  planning::SessionSpec spec;
  spec.id = "twin-session";
  spec.starts_at_ms = f.start_ms;
  spec.duration_min = static_cast<int32_t>(duration_min_);
  spec.tier = planned_tier(f.tier);
  spec.channel = kChannel;
  spec.streamer = "twin-host";
  std::vector<std::vector<planning::LocationStock>> stock_by_sku;
  for (size_t k = 0; k < f.agenda.size(); ++k) {
    const uint32_t sku = f.agenda[k];
    agenda_k_[sku] = static_cast<int32_t>(k);
    auto& cumulative = cumulative_[k];
    cumulative.assign(duration_min_ + 1, 0.0);
    for (uint32_t m = 0; m < duration_min_; ++m) {
      cumulative[m + 1] = cumulative[m] + f.units_per_min[k][m];
    }
    const double p50 = cumulative[duration_min_];
    spec.skus.push_back(planning::SessionSku{skus[sku].gtin, p50, p50 * p90_ratio_,
                                             planning::kSessionCapacityUnitsMax,
                                             planning::SupplierTier::close, std::nullopt});
    std::vector<planning::LocationStock> stock;
    for (uint32_t l : selling_) {
      // The split's weight: the buyers the location serves, at the scale of the
      // SKU's forecast, plus what it sold in earlier sessions.
      const int64_t prior = std::max<int64_t>(1, std::llround(region_share_[l] * p50));
      stock.push_back(planning::LocationStock{locations[l].id, view.available_units(sku, l),
                                              prior + sold_units_[index(sku, l)]});
    }
    stock_by_sku.push_back(std::move(stock));
  }
  if (auto ok = planning::validate_session_spec(spec); !ok) {
    return fail(ErrorCode::invalid_argument, "plan",
                "planning rejected the twin's session: " + ok.error().to_string());
  }
  const planning::SessionPlan plan =
      planning::plan_session(spec, planning::TierConfig{}, stock_by_sku, f.start_ms);
  LC_ASSERT(plan.skus.size() == f.agenda.size());

  for (size_t k = 0; k < f.agenda.size(); ++k) {
    const uint32_t sku = f.agenda[k];
    // The budget: the baseline's total for this SKU, less what the network holds.
    int64_t budget = 0;
    for (double t : baseline_targets(f, k, network_)) {  // top_up's ceil, to the unit
      if (t > 0) budget += static_cast<int64_t>(std::ceil(t));
    }
    int64_t held = view.available_units(sku, network_.factory);
    for (uint32_t l : selling_) held += view.available_units(sku, l);
    const int64_t receipts = std::max<int64_t>(0, budget - held);
    if (receipts == 0) continue;
    // The tier target (capped by the budget) over the selling locations by the plan's
    // location split; whatever the tier target leaves of the budget to the factory.
    const planning::SkuPlan& sku_plan = plan.skus[k];
    std::vector<double> weights;
    for (const auto& target : sku_plan.locations) {
      weights.push_back(static_cast<double>(target.target_units));
    }
    LC_ASSERT(weights.size() == selling_.size());
    const int64_t selling_total = std::min(sku_plan.target_units, budget);
    const std::vector<int64_t> want = planning::split_by_weight(selling_total, weights);
    std::vector<double> add(selling_.size(), 0.0);
    int64_t add_total = 0;
    for (size_t i = 0; i < selling_.size(); ++i) {
      const int64_t gap = want[i] - view.available_units(sku, selling_[i]);
      add[i] = static_cast<double>(std::max<int64_t>(0, gap));
      add_total += std::max<int64_t>(0, gap);
    }
    const std::vector<int64_t> placed =
        planning::split_by_weight(std::min(add_total, receipts), add);
    int64_t placed_total = 0;
    for (size_t i = 0; i < selling_.size(); ++i) {
      for (int64_t left = placed[i]; left > 0;) {
        const int64_t qty = std::min<int64_t>(left, engine::kLineQtyMax);
        if (auto r = sink.move(Move{sku, kNoLocation, selling_[i], qty}); !r) return r;
        left -= qty;
      }
      placed_total += placed[i];
    }
    for (int64_t left = receipts - placed_total; left > 0;) {
      const int64_t qty = std::min<int64_t>(left, engine::kLineQtyMax);
      if (auto r = sink.move(Move{sku, kNoLocation, network_.factory, qty}); !r) return r;
      left -= qty;
    }
  }
  return {};
}

Result<void> PlannedPolicy::replenish(const StockView& view, const std::vector<bool>& off_sale,
                                      MoveSink& sink) {
  (void)view, (void)off_sale, (void)sink;
  return {};
}

uint32_t PlannedPolicy::minute_of(TimeMs now_ms) const {
  if (now_ms <= start_ms_ || duration_min_ == 0) return 0;
  const TimeMs minute = (now_ms - start_ms_) / kMinuteMs;
  return static_cast<uint32_t>(std::min<TimeMs>(minute, duration_min_));
}

double PlannedPolicy::demand_ratio(uint32_t sku, uint32_t minute) const {
  const auto& cumulative = cumulative_[static_cast<size_t>(agenda_k_[sku])];
  const double so_far = cumulative[std::min(minute + 1, duration_min_)];
  if (so_far <= 0 || so_far < kEmergencyMinForecastShare * cumulative[duration_min_]) return 1;
  return std::max(1.0, static_cast<double>(demand_units_[sku]) / so_far);
}

double PlannedPolicy::p90_units(uint32_t sku, uint32_t location, uint32_t minute,
                                uint32_t span_min) const {
  if (agenda_k_[sku] < 0 || region_share_[location] <= 0) return 0;
  const auto& cumulative = cumulative_[static_cast<size_t>(agenda_k_[sku])];
  const uint32_t from = std::min(minute, duration_min_);
  const uint32_t to = std::min(minute + span_min, duration_min_);
  return region_share_[location] * p90_ratio_ * demand_ratio(sku, minute) *
         (cumulative[to] - cumulative[from]);
}

int64_t PlannedPolicy::threshold_units(uint32_t sku, uint32_t location, TimeMs now_ms) const {
  const auto span = static_cast<uint32_t>(std::ceil(lead_time_h_[location] * transit_factor_ * 60));
  return planned_ceil(p90_units(sku, location, minute_of(now_ms), span));
}

int64_t PlannedPolicy::order_up_to_units(uint32_t sku, uint32_t location, TimeMs now_ms) const {
  const auto span = static_cast<uint32_t>(std::ceil(lead_time_h_[location] * transit_factor_ * 60));
  return planned_ceil(p90_units(sku, location, minute_of(now_ms), 2 * span));
}

int64_t PlannedPolicy::inbound_units(uint32_t sku, uint32_t location, TimeMs now_ms) {
  auto& list = inbound_[index(sku, location)];
  std::erase_if(list, [&](const Inbound& i) { return i.arrive_ms <= now_ms; });
  int64_t total = 0;
  for (const auto& i : list) total += i.qty_units;
  return total;
}

Result<void> PlannedPolicy::react(std::span<const Demand> demand, TimeMs now_ms,
                                  const StockView& view, const std::vector<bool>& off_sale,
                                  MoveSink& sink) {
  const uint32_t tag = minute_of(now_ms) + 1;  // 0 means "never checked"
  for (const Demand& d : demand) {
    if (agenda_k_[d.sku] < 0) continue;
    demand_units_[d.sku] += d.units;
    if (d.location != kNoLocation) sold_units_[index(d.sku, d.location)] += d.units;
    if (off_sale[d.sku]) continue;
    if (emergency_minute_[d.sku] != tag) {
      emergency_minute_[d.sku] = tag;
      if (auto r = emergency(d.sku, now_ms, view, sink); !r) return r;
    }
    if (d.location == kNoLocation) {
      if (lost_checked_minute_[d.sku] == tag) continue;
      lost_checked_minute_[d.sku] = tag;
      if (auto r = rebalance(d.sku, now_ms, view, sink); !r) return r;
      continue;
    }
    const size_t at = index(d.sku, d.location);
    if (checked_minute_[at] == tag) continue;
    checked_minute_[at] = tag;
    const int64_t position =
        view.available_units(d.sku, d.location) + inbound_units(d.sku, d.location, now_ms);
    if (position >= threshold_units(d.sku, d.location, now_ms)) continue;
    if (auto r = rebalance(d.sku, now_ms, view, sink); !r) return r;
  }
  return {};
}

// One min-cost transfer plan for `sku` over the selling locations and the factory.
Result<void> PlannedPolicy::rebalance(uint32_t sku, TimeMs now_ms, const StockView& view,
                                      MoveSink& sink) {
  const auto& locations = *network_.locations;
  std::vector<uint32_t> site_location = selling_;
  site_location.push_back(network_.factory);
  planning::TransferProblem problem;
  problem.weights = {1.0, kPlannedLeadTimeWeight, kPlannedCo2Weight};
  problem.unmet_penalty = kPlannedUnmetPenalty;
  int64_t need = 0, spare = 0;
  for (uint32_t l : site_location) {
    planning::TransferSite site;
    site.id = locations[l].id;
    site.kind = std::string(engine::location_kind_name(locations[l].kind));
    const int64_t available = std::max<int64_t>(0, view.available_units(sku, l));
    if (l == network_.factory) {
      site.stock_units = available;
      site.target_units = 0;  // all of the factory's stock is spare
    } else {
      const int64_t threshold = threshold_units(sku, l, now_ms);
      const int64_t position = available + inbound_units(sku, l, now_ms);
      if (position < threshold) {  // needy: up to the order-up-to level
        site.stock_units = position;
        site.target_units = std::max(threshold, order_up_to_units(sku, l, now_ms));
        checked_minute_[index(sku, l)] = minute_of(now_ms) + 1;
      } else {  // a selling donor keeps up to its order-up-to level
        site.stock_units = available;
        site.target_units =
            std::min(available, std::max(threshold, order_up_to_units(sku, l, now_ms)));
      }
    }
    site.stock_units = std::min(site.stock_units, planning::kTransferQtyMax);
    site.target_units = std::min(site.target_units, planning::kTransferQtyMax);
    need += site.need_units();
    spare += site.spare_units();
    problem.sites.push_back(std::move(site));
  }
  if (need == 0 || spare == 0) return {};
  for (size_t a = 0; a < problem.sites.size(); ++a) {
    if (problem.sites[a].spare_units() == 0) continue;
    for (size_t b = 0; b < problem.sites.size(); ++b) {
      if (a == b || problem.sites[b].need_units() == 0) continue;
      const double km = lane_km_[site_location[a]][site_location[b]];
      problem.lanes.push_back(
          planning::TransferLane{a, b, kTransferCnyPerUnit + kTransferCnyPerUnitKm * km,
                                 transfer_lead_time_h(static_cast<uint32_t>(km)) * transit_factor_,
                                 kTransferCo2KgPerUnitKm * km, std::nullopt});
    }
  }
  auto plan = planning::solve_transfers(problem);
  if (!plan) return std::unexpected(plan.error());
  for (const auto& move : plan->moves) {
    if (move.qty_units < kPlannedTransferUnitsMin) continue;  // not worth a shipment
    const auto& lane = problem.lanes[move.lane];
    const uint32_t from = site_location[lane.from];
    const uint32_t to = site_location[lane.to];
    for (int64_t left = move.qty_units; left > 0;) {
      const int64_t qty = std::min<int64_t>(left, engine::kLineQtyMax);
      if (auto r = sink.move(Move{sku, from, to, qty}); !r) return r;
      left -= qty;
    }
    const TimeMs arrive_ms =
        now_ms + static_cast<TimeMs>(lane.lead_time_h * static_cast<double>(kHourMs));
    inbound_[index(sku, to)].push_back(Inbound{arrive_ms, move.qty_units});
  }
  return {};
}

// The orange rule: demand so far over 120% of the forecast so far orders the gap.
Result<void> PlannedPolicy::emergency(uint32_t sku, TimeMs now_ms, const StockView& view,
                                      MoveSink& sink) {
  if (factory_lead_time_h_ <= 0) return {};
  const auto& cumulative = cumulative_[static_cast<size_t>(agenda_k_[sku])];
  const uint32_t minute = minute_of(now_ms);
  const uint32_t done = std::min(minute + 1, duration_min_);
  const double so_far = cumulative[done];
  const double session = cumulative[duration_min_];
  if (so_far <= 0 || so_far < kEmergencyMinForecastShare * session) return {};
  const double demanded = static_cast<double>(demand_units_[sku]);
  if (demanded <= kEmergencyTriggerRatio * so_far) return {};
  // Units must reach a selling location before the session ends: the factory lead time
  // plus the fastest lane out of the factory.
  double lane_h = 0;
  for (uint32_t l : selling_) {
    const double h = lead_time_h_[l] * transit_factor_;
    if (lane_h == 0 || h < lane_h) lane_h = h;
  }
  const auto sellable_min = static_cast<uint32_t>(std::ceil((factory_lead_time_h_ + lane_h) * 60));
  if (minute + sellable_min >= duration_min_) return {};
  const double ratio = demanded / so_far;
  auto& orders = on_order_[sku];
  std::erase_if(orders, [&](const Inbound& i) { return i.arrive_ms <= now_ms; });
  int64_t supply = view.available_units(sku, network_.factory);
  for (const auto& o : orders) supply += o.qty_units;
  for (uint32_t l : selling_) {
    supply += view.available_units(sku, l) + inbound_units(sku, l, now_ms);
  }
  const double rest = (session - so_far) * ratio;
  const double after_arrival = (session - cumulative[minute + sellable_min]) * ratio;
  const int64_t qty = std::min({planned_ceil(rest - static_cast<double>(supply)),
                                planned_ceil(after_arrival), int64_t{engine::kLineQtyMax}});
  if (qty <= 0) return {};
  if (auto r = sink.move(Move{sku, kNoLocation, network_.factory, qty, factory_lead_time_h_}); !r) {
    return r;
  }
  orders.push_back(Inbound{
      now_ms + static_cast<TimeMs>(factory_lead_time_h_ * static_cast<double>(kHourMs)), qty});
  emergency_total_[sku] += qty;
  return {};
}

}  // namespace livechain::twin
