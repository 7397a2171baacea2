// The stocking and replenishment policies (docs/twin.md, "Policies"); `planned` is in
// policy_planned.cpp.
//   baseline      85% of the stock across regional DCs by buyer-region mix, 15% across
//                 front warehouses and stores, a factory buffer; a DC under 30% of its
//                 target is refilled from the factory, else from the DC with the most
//                 surplus.
//   pre-position  every buyer region's share of the stock placed in that region (60%
//                 DC, 40% its front warehouses and stores; a region without a selling
//                 location uses the nearest DC); any selling location under 50% of its
//                 target is refilled from the nearest location with surplus.
#include "twin/policy.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "twin/policy_planned.hpp"

namespace livechain::twin {

namespace {

bool is_selling(engine::LocationKind kind) {
  return engine::sells_to_buyers(kind);
}

// Tops `location` up to `target` units (ceil) with a receipt.
Result<void> top_up(const StockView& view, MoveSink& sink, uint32_t sku, uint32_t location,
                    double target) {
  const int64_t have = view.available_units(sku, location);
  const int64_t want = static_cast<int64_t>(std::ceil(target));
  if (want <= have) return {};
  const int64_t qty = std::min<int64_t>(want - have, engine::kLineQtyMax);
  return sink.move(Move{sku, kNoLocation, location, qty});
}

double weight_sum(const SessionForecast& f) {
  double sum = 0;
  for (double w : f.weight) sum += w;
  return sum;
}

class BaselinePolicy final : public Policy {
 public:
  explicit BaselinePolicy(const Network& network) : network_(network) {
    const auto& locations = *network.locations;
    for (uint32_t l = 0; l < locations.size(); ++l) {
      if (locations[l].kind == engine::LocationKind::dc) dcs_.push_back(l);
    }
    LC_ASSERT(!dcs_.empty() && dcs_.size() <= kDcsMax);
    dc_target_.assign(network.skus->size(), {});
  }
  std::string_view name() const override { return "baseline"; }

  Result<void> stock(const SessionForecast& f, const StockView& view, MoveSink& sink) override {
    for (size_t k = 0; k < f.agenda.size(); ++k) {
      const uint32_t sku = f.agenda[k];
      const std::vector<double> target = baseline_targets(f, k, network_);
      for (size_t i = 0; i < dcs_.size(); ++i) {
        dc_target_[sku][i] = static_cast<int64_t>(std::ceil(target[dcs_[i]]));
      }
      for (uint32_t location = 0; location < target.size(); ++location) {
        if (target[location] <= 0) continue;
        if (auto r = top_up(view, sink, sku, location, target[location]); !r) return r;
      }
    }
    return {};
  }

  Result<void> replenish(const StockView& view, const std::vector<bool>& off_sale,
                         MoveSink& sink) override {
    for (uint32_t sku = 0; sku < dc_target_.size(); ++sku) {
      if (off_sale[sku]) continue;
      for (size_t i = 0; i < dcs_.size(); ++i) {
        const int64_t target = dc_target_[sku][i];
        const int64_t have = view.available_units(sku, dcs_[i]);
        if (target <= 0 || have * 10 >= target * 3) continue;
        uint32_t from = network_.factory;
        int64_t spare = view.available_units(sku, network_.factory);
        if (spare <= 0) {
          for (size_t j = 0; j < dcs_.size(); ++j) {
            const int64_t s = view.available_units(sku, dcs_[j]) - dc_target_[sku][j] / 2;
            if (j != i && s > spare) {
              spare = s;
              from = dcs_[j];
            }
          }
        }
        const int64_t qty =
            std::min({target - have, spare, static_cast<int64_t>(engine::kLineQtyMax)});
        if (qty <= 0) continue;
        if (auto r = sink.move(Move{sku, from, dcs_[i], qty}); !r) return r;
      }
    }
    return {};
  }

 private:
  static constexpr size_t kDcsMax = 8;
  const Network& network_;
  std::vector<uint32_t> dcs_;
  std::vector<std::array<int64_t, kDcsMax>> dc_target_;
};

class PrePositionPolicy final : public Policy {
 public:
  explicit PrePositionPolicy(const Network& network) : network_(network) {
    const auto& locations = *network.locations;
    for (uint32_t l = 0; l < locations.size(); ++l) {
      if (is_selling(locations[l].kind)) selling_.push_back(l);
    }
    LC_ASSERT(!selling_.empty());
    // Per region: its selling locations, or the nearest region's DC when it has none.
    for (uint32_t r = 0; r < kRegions; ++r) {
      for (uint32_t l : selling_) {
        if (locations[l].region == r) region_locations_[r].push_back(l);
      }
      if (!region_locations_[r].empty()) continue;
      uint32_t best = selling_[0];
      for (uint32_t l : selling_) {
        if (locations[l].kind != engine::LocationKind::dc) continue;
        if (locations[best].kind != engine::LocationKind::dc ||
            kDistanceKm[r][locations[l].region] < kDistanceKm[r][locations[best].region]) {
          best = l;
        }
      }
      region_locations_[r].push_back(best);
    }
    // Sources by distance from each destination: the factory and selling locations.
    for (uint32_t to : selling_) {
      std::vector<uint32_t> sources = selling_;
      sources.push_back(network.factory);
      std::erase(sources, to);
      std::stable_sort(sources.begin(), sources.end(),
                       [&](uint32_t a, uint32_t b) { return km(a, to) < km(b, to); });
      sources_[to] = std::move(sources);
    }
    target_.assign(network.skus->size() * locations.size(), 0);
  }
  std::string_view name() const override { return "pre-position"; }

  Result<void> stock(const SessionForecast& f, const StockView& view, MoveSink& sink) override {
    const auto& locations = *network_.locations;
    const double total = weight_sum(f);
    for (size_t k = 0; k < f.agenda.size(); ++k) {
      const uint32_t sku = f.agenda[k];
      const double units = f.forecast_units * f.coverage * f.weight[k] / total;
      std::vector<double> target(locations.size(), 0.0);
      for (uint32_t r = 0; r < kRegions; ++r) {
        const auto& here = region_locations_[r];
        const double region_units = units * kBuyerRegionMix[r];
        const size_t forward =
            static_cast<size_t>(std::count_if(here.begin(), here.end(), [&](uint32_t l) {
              return locations[l].kind != engine::LocationKind::dc;
            }));
        const bool has_dc = forward < here.size();
        for (uint32_t l : here) {
          const bool dc = locations[l].kind == engine::LocationKind::dc;
          const double share = !has_dc        ? 1.0 / static_cast<double>(here.size())
                               : forward == 0 ? (dc ? 1.0 / static_cast<double>(here.size()) : 0)
                               : dc           ? 0.6
                                              : 0.4 / static_cast<double>(forward);
          target[l] += region_units * share;
        }
      }
      for (uint32_t l : selling_) {
        target_[index(sku, l)] = static_cast<int64_t>(std::ceil(target[l]));
        if (auto r = top_up(view, sink, sku, l, target[l]); !r) return r;
      }
      const double buffer = f.forecast_units * f.factory_share * f.weight[k] / total;
      if (auto r = top_up(view, sink, sku, network_.factory, buffer); !r) return r;
    }
    return {};
  }

  Result<void> replenish(const StockView& view, const std::vector<bool>& off_sale,
                         MoveSink& sink) override {
    for (uint32_t sku = 0; sku < off_sale.size(); ++sku) {
      if (off_sale[sku]) continue;
      for (uint32_t to : selling_) {
        const int64_t target = target_[index(sku, to)];
        const int64_t have = view.available_units(sku, to);
        if (target <= 0 || have * 2 >= target) continue;
        for (uint32_t from : sources_[to]) {
          const int64_t keep = from == network_.factory ? 0 : target_[index(sku, from)] / 2;
          const int64_t spare = view.available_units(sku, from) - keep;
          const int64_t qty =
              std::min({target - have, spare, static_cast<int64_t>(engine::kLineQtyMax)});
          if (qty <= 0) continue;
          if (auto r = sink.move(Move{sku, from, to, qty}); !r) return r;
          break;
        }
      }
    }
    return {};
  }

 private:
  uint32_t km(uint32_t a, uint32_t b) const {
    const auto& locations = *network_.locations;
    return kDistanceKm[locations[a].region][locations[b].region];
  }
  size_t index(uint32_t sku, uint32_t location) const {
    return static_cast<size_t>(sku) * network_.locations->size() + location;
  }

  const Network& network_;
  std::vector<uint32_t> selling_;
  std::array<std::vector<uint32_t>, kRegions> region_locations_;
  std::array<std::vector<uint32_t>, 16> sources_;  // by destination location index
  std::vector<int64_t> target_;                    // sku × location
};

}  // namespace

std::vector<double> baseline_targets(const SessionForecast& f, size_t k, const Network& network) {
  const auto& locations = *network.locations;
  size_t forward = 0;
  for (const auto& l : locations) {
    forward +=
        l.kind == engine::LocationKind::front_warehouse || l.kind == engine::LocationKind::store;
  }
  const double units = f.forecast_units * f.coverage * f.weight[k] / weight_sum(f);
  std::vector<double> target(locations.size(), 0.0);
  for (uint32_t l = 0; l < locations.size(); ++l) {
    if (locations[l].kind == engine::LocationKind::dc) {
      target[l] = units * (kBuyerRegionMix[locations[l].region] * 0.85);
    } else if (locations[l].kind == engine::LocationKind::front_warehouse ||
               locations[l].kind == engine::LocationKind::store) {
      target[l] = units * (0.15 / static_cast<double>(forward));
    }
  }
  target[network.factory] = units / f.coverage * f.factory_share;
  return target;
}

std::vector<std::string> policy_ids() {
  return {"baseline", "pre-position", "planned"};
}

Result<std::unique_ptr<Policy>> make_policy(std::string_view id, const Network& network) {
  LC_ASSERT(network.skus && network.locations && network.locations->size() <= 16);
  if (id == "baseline") return std::make_unique<BaselinePolicy>(network);
  if (id == "pre-position") return std::make_unique<PrePositionPolicy>(network);
  if (id == "planned") return std::make_unique<PlannedPolicy>(network);
  return fail(ErrorCode::not_found, "policy",
              fmt::format("unknown policy '{}'; known: {}", id, fmt::join(policy_ids(), ", ")));
}

engine::Command move_command(const Move& move, const Network& network) {
  const auto& skus = *network.skus;
  const auto& locations = *network.locations;
  LC_ASSERT(move.qty_units > 0 && move.to < locations.size());
  if (move.from == kNoLocation) {
    return engine::ReceiveStock{skus[move.sku].gtin, locations[move.to].id, move.qty_units};
  }
  return engine::ShipTransfer{skus[move.sku].gtin, locations[move.from].id, locations[move.to].id,
                              move.qty_units};
}

}  // namespace livechain::twin
