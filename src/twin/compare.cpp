// Paired comparison of two policies over a seed range: each seed runs under both
// policies (same demand draws, since policies touch no random stream), and every KPI's
// per-seed difference gets a paired t interval.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <future>

#include "core/assert.hpp"
#include "twin/twin.hpp"

namespace livechain::twin {

namespace {

Result<uint64_t> parse_u64(std::string_view text, std::string_view whole) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    return fail(ErrorCode::invalid_argument, "seeds",
                fmt::format("'{}' is not a range A..B of unsigned integers", whole));
  }
  return value;
}

}  // namespace

Result<SeedRange> parse_seed_range(std::string_view text) {
  const size_t dots = text.find("..");
  if (dots == std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "seeds",
                fmt::format("'{}' is not a range A..B (e.g. 1..20)", text));
  }
  auto first = parse_u64(text.substr(0, dots), text);
  if (!first) return std::unexpected(first.error());
  auto last = parse_u64(text.substr(dots + 2), text);
  if (!last) return std::unexpected(last.error());
  if (*first > *last) {
    return fail(ErrorCode::invalid_argument, "seeds",
                fmt::format("'{}': the first seed is above the last", text));
  }
  const SeedRange range{*first, *last};
  if (*last - *first >= kCompareSeedsMax) {
    return fail(ErrorCode::invalid_argument, "seeds",
                fmt::format("'{}': at most {} seeds", text, kCompareSeedsMax));
  }
  if (range.count() < 2) {
    return fail(ErrorCode::invalid_argument, "seeds",
                fmt::format("'{}': a confidence interval needs at least 2 seeds", text));
  }
  return range;
}

double t_quantile_975(uint64_t df) {
  LC_ASSERT(df >= 1);
  static constexpr std::array<double, 30> kTable = {
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df <= kTable.size()) return kTable[df - 1];
  const double z = 1.959963985;
  const double n = static_cast<double>(df);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

Result<Comparison> compare_policies(const Scenario& scenario, const std::string& policy_a,
                                    const std::string& policy_b, SeedRange seeds,
                                    const std::function<void(uint64_t done)>& progress) {
  LC_ASSERT(seeds.first <= seeds.last && seeds.count() <= kCompareSeedsMax);
  for (const auto& id : {policy_a, policy_b}) {
    const auto ids = policy_ids();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      return fail(ErrorCode::not_found, "policy",
                  fmt::format("unknown policy '{}'; known: {}", id, fmt::join(ids, ", ")));
    }
  }
  std::vector<std::vector<double>> a_values, b_values;  // per KPI, per seed
  std::vector<std::string> names;
  for (uint64_t seed = seeds.first; seed <= seeds.last; ++seed) {
    // The two runs of a pair are independent: run B on a second thread.
    auto b_run = std::async(std::launch::async, [&scenario, &policy_b, seed] {
      return run(RunConfig{scenario, seed, policy_b});
    });
    auto a = run(RunConfig{scenario, seed, policy_a});
    auto b = b_run.get();
    if (!a) return std::unexpected(a.error());
    if (!b) return std::unexpected(b.error());
    const auto va = kpi_values(a->kpis), vb = kpi_values(b->kpis);
    LC_ASSERT(va.size() == vb.size());
    if (names.empty()) {
      for (const auto& v : va) names.push_back(v.name);
      a_values.resize(va.size());
      b_values.resize(va.size());
    }
    for (size_t k = 0; k < va.size(); ++k) {
      a_values[k].push_back(va[k].value);
      b_values[k].push_back(vb[k].value);
    }
    if (progress) progress(seed - seeds.first + 1);
  }
  Comparison out{scenario.id, policy_a, policy_b, seeds, {}};
  const double n = static_cast<double>(seeds.count());
  const double t = t_quantile_975(seeds.count() - 1);
  for (size_t k = 0; k < names.size(); ++k) {
    double sum_a = 0, sum_b = 0, sum_d = 0;
    for (size_t i = 0; i < a_values[k].size(); ++i) {
      sum_a += a_values[k][i];
      sum_b += b_values[k][i];
      sum_d += b_values[k][i] - a_values[k][i];
    }
    const double mean_d = sum_d / n;
    double ss = 0;
    for (size_t i = 0; i < a_values[k].size(); ++i) {
      const double e = b_values[k][i] - a_values[k][i] - mean_d;
      ss += e * e;
    }
    const double half = t * std::sqrt(ss / (n - 1)) / std::sqrt(n);
    out.kpis.push_back({names[k], sum_a / n, sum_b / n, mean_d, mean_d - half, mean_d + half});
  }
  return out;
}

}  // namespace livechain::twin
