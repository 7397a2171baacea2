// src/forecast/real_detail.hpp — internal helpers shared by the real-data suites.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "forecast/data.hpp"
#include "forecast/real.hpp"

namespace livechain::forecast::detail {

// Median of the values (NaN when empty).
double median_of(std::vector<double> values);

// Parses a cell as a finite double; empty cells give NaN. Errors: corruption naming
// the file, row (1-based, header = 1) and column.
Result<double> parse_cell(const std::string& file, const CsvTable& table, size_t row,
                          size_t column);

// Index of a header column. Errors: corruption naming the file and the column.
Result<size_t> column_index(const std::string& file, const CsvTable& table,
                            const std::string& name);

// A scored method on one task: WAPE, bias, mean MASE (scale per point; points whose
// scale is ≤ 0 or NaN are left out of MASE).
MethodScore score_method(const std::string& dataset, const std::string& task,
                         const std::string& method, std::span<const double> actual,
                         std::span<const double> forecast, std::span<const double> scale,
                         double seconds);

// The WAPE-optimal scalar c = argmin Σ|y − c·ŷ|: the median of y/ŷ weighted by ŷ (1
// when there is nothing to weigh). Poisson/Tweedie models predict the mean; on skewed
// demand the WAPE-optimal forecast is lower (nearer the median), so the suites
// calibrate c on a validation fold that precedes the holdout.
double wape_scale(std::span<const double> actual, std::span<const double> forecast);

double seconds_since(std::chrono::steady_clock::time_point started);

}  // namespace livechain::forecast::detail
