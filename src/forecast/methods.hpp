// src/forecast/methods.hpp — internal: the methods each evaluation suite scores.
#pragma once

#include <string>
#include <vector>

#include "forecast/forecast.hpp"

namespace livechain::forecast::detail {

// The method whose forecasts are written to the predictions files.
inline constexpr const char* kSubmittedMethod = "livechain";

struct Method {
  std::string name;
  Result<Forecast> (*run)(std::span<const double> series, int period, int horizon);
  bool competition_period = false;  // run with the competition's m (M4 Weekly: 1)
};

// Methods for "m3", "m4-weekly" or "m4-hourly", Naive2 first, the submitted one last.
// REQUIRES: one of those names.
std::vector<Method> methods_for(const std::string& dataset);

}  // namespace livechain::forecast::detail
