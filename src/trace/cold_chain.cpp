// src/trace/cold_chain.cpp — temperature ranges and excursions (issue 12 §6, spec §11).
#include <cmath>

#include "core/assert.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {

Result<int32_t> temperature_centi_c(double celsius, std::string_view field) {
  if (!std::isfinite(celsius) || celsius < kTemperatureMinCentiC / 100.0 ||
      celsius > kTemperatureMaxCentiC / 100.0) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                "must be a temperature in °C from -100 to 100");
  }
  return static_cast<int32_t>(std::lround(celsius * 100.0));
}

Result<TemperatureRange> make_temperature_range(int32_t min_centi_c, int32_t max_centi_c) {
  if (max_centi_c < min_centi_c) {
    return fail(ErrorCode::invalid_argument, "max_c", "must not be below min_c");
  }
  return TemperatureRange{min_centi_c, max_centi_c};
}

bool is_excursion(const TemperatureRange& range, int32_t temp_centi_c) {
  return temp_centi_c < range.min_centi_c - kExcursionToleranceCentiC ||
         temp_centi_c > range.max_centi_c + kExcursionToleranceCentiC;
}

ExcursionWalk walk_excursions(const TemperatureRange& range, bool open,
                              std::span<const TemperaturePoint> points) {
  ExcursionWalk walk{{}, open};
  for (size_t i = 0; i < points.size(); ++i) {
    LC_DASSERT(i == 0 || points[i - 1].time_ms <= points[i].time_ms);
    const bool outside = is_excursion(range, points[i].temp_centi_c);
    if (outside != walk.open) {
      walk.changes.push_back(ExcursionChange{outside, points[i]});
      walk.open = outside;
    }
  }
  return walk;
}

}  // namespace livechain::trace
