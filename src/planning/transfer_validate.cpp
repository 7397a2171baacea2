// The rules and limits of a transfer problem (transfers.hpp, docs/limits.md "Planning").
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/identifier.hpp"
#include "planning/transfers.hpp"

namespace livechain::planning {

namespace {

constexpr std::array<std::string_view, 6> kTransferSiteKinds = {
    "dc", "store", "front_warehouse", "factory", "returns_center", "in_transit"};

Result<void> check_transfer_qty(const std::string& field, int64_t value) {
  if (value < 0) return fail(ErrorCode::invalid_argument, field, "must be ≥ 0");
  if (value > kTransferQtyMax) {
    return fail(ErrorCode::limit_exceeded, field, fmt::format("at most {} units", kTransferQtyMax));
  }
  return {};
}

Result<void> check_transfer_amount(const std::string& field, double value) {
  if (!std::isfinite(value)) return fail(ErrorCode::invalid_argument, field, "must be finite");
  if (value < 0) return fail(ErrorCode::invalid_argument, field, "must be ≥ 0");
  if (value > kTransferCostMax) {
    return fail(ErrorCode::limit_exceeded, field, fmt::format("at most {}", kTransferCostMax));
  }
  return {};
}

}  // namespace

Result<void> validate_transfer_sites(const std::vector<TransferSite>& sites) {
  if (sites.size() > kTransferSitesMax) {
    return fail(ErrorCode::limit_exceeded, "sites",
                fmt::format("{} sites: at most {}", sites.size(), kTransferSitesMax));
  }
  std::unordered_map<std::string_view, size_t> seen;
  seen.reserve(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) {
    const TransferSite& site = sites[i];
    std::string at = fmt::format("sites[{}]", i);
    LC_CHECK(validate_identifier(at + ".id", site.id));
    if (auto [it, fresh] = seen.emplace(site.id, i); !fresh) {
      return fail(ErrorCode::invalid_argument, at + ".id",
                  fmt::format("duplicate site id '{}' (also sites[{}])", site.id, it->second));
    }
    if (std::find(kTransferSiteKinds.begin(), kTransferSiteKinds.end(), site.kind) ==
        kTransferSiteKinds.end()) {
      return fail(ErrorCode::invalid_argument, at + ".kind",
                  fmt::format("unknown kind '{}' (dc, store, front_warehouse, factory, "
                              "returns_center, in_transit)",
                              site.kind));
    }
    LC_CHECK(check_transfer_qty(at + ".stock", site.stock_units));
    LC_CHECK(check_transfer_qty(at + ".target", site.target_units));
  }
  return {};
}

namespace {

Result<void> validate_transfer_lane(const TransferProblem& problem, size_t i) {
  const TransferLane& lane = problem.lanes[i];
  std::string at = fmt::format("lanes[{}]", i);
  if (lane.from >= problem.sites.size()) {
    return fail(ErrorCode::invalid_argument, at + ".from", "unknown site");
  }
  if (lane.to >= problem.sites.size()) {
    return fail(ErrorCode::invalid_argument, at + ".to", "unknown site");
  }
  if (lane.from == lane.to) {
    return fail(ErrorCode::invalid_argument, at + ".to",
                fmt::format("same site as from ('{}')", problem.sites[lane.from].id));
  }
  LC_CHECK(check_transfer_amount(at + ".cost_per_unit", lane.cost_per_unit));
  LC_CHECK(check_transfer_amount(at + ".lead_time_h", lane.lead_time_h));
  LC_CHECK(check_transfer_amount(at + ".co2_kg_per_unit", lane.co2_kg_per_unit));
  if (lane.capacity_units) LC_CHECK(check_transfer_qty(at + ".capacity", *lane.capacity_units));
  const TransferWeights& w = problem.weights;
  double weighted = w.cost * lane.cost_per_unit + w.lead_time_h * lane.lead_time_h +
                    w.co2_kg * lane.co2_kg_per_unit;
  if (weighted > kTransferCostMax) {
    return fail(ErrorCode::limit_exceeded, at,
                fmt::format("weighted cost per unit {} exceeds {}", weighted, kTransferCostMax));
  }
  return {};
}

}  // namespace

Result<void> validate_transfer_problem(const TransferProblem& problem) {
  LC_CHECK(validate_transfer_sites(problem.sites));
  LC_CHECK(check_transfer_amount("weights.cost", problem.weights.cost));
  LC_CHECK(check_transfer_amount("weights.lead_time_h", problem.weights.lead_time_h));
  LC_CHECK(check_transfer_amount("weights.co2_kg", problem.weights.co2_kg));
  LC_CHECK(check_transfer_amount("unmet_penalty", problem.unmet_penalty));
  if (problem.unmet_penalty <= 0) {
    return fail(ErrorCode::invalid_argument, "unmet_penalty", "must be > 0");
  }
  if (problem.lanes.size() > kTransferLanesMax) {
    return fail(ErrorCode::limit_exceeded, "lanes",
                fmt::format("{} lanes: at most {}", problem.lanes.size(), kTransferLanesMax));
  }
  std::unordered_set<uint64_t> pairs;
  pairs.reserve(problem.lanes.size());
  for (size_t i = 0; i < problem.lanes.size(); ++i) {
    LC_CHECK(validate_transfer_lane(problem, i));
    const TransferLane& lane = problem.lanes[i];
    if (!pairs.insert(static_cast<uint64_t>(lane.from) * kTransferSitesMax + lane.to).second) {
      return fail(ErrorCode::invalid_argument, fmt::format("lanes[{}]", i),
                  fmt::format("duplicate lane {} → {}", problem.sites[lane.from].id,
                              problem.sites[lane.to].id));
    }
  }
  return {};
}

}  // namespace livechain::planning
