// WAPE/bias and the helpers the real-data suites share.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/assert.hpp"
#include "forecast/real_detail.hpp"

namespace livechain::forecast {

namespace {

Result<double> check_pair(std::span<const double> actual, std::span<const double> forecast) {
  if (actual.empty()) return fail(ErrorCode::invalid_argument, "actual", "empty");
  if (forecast.size() != actual.size()) {
    return fail(ErrorCode::invalid_argument, "forecast", "size differs from actual");
  }
  double total = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!std::isfinite(actual[i])) return fail(ErrorCode::invalid_argument, "actual", "non-finite");
    if (!std::isfinite(forecast[i])) {
      return fail(ErrorCode::invalid_argument, "forecast", "non-finite");
    }
    total += actual[i];
  }
  if (total <= 0) return fail(ErrorCode::invalid_argument, "actual", "sum must be > 0");
  return total;
}

}  // namespace

Result<double> wape(std::span<const double> actual, std::span<const double> forecast) {
  auto total = check_pair(actual, forecast);
  if (!total) return total;
  double error = 0;
  for (size_t i = 0; i < actual.size(); ++i) error += std::abs(actual[i] - forecast[i]);
  return error / *total;
}

Result<double> bias(std::span<const double> actual, std::span<const double> forecast) {
  auto total = check_pair(actual, forecast);
  if (!total) return total;
  double error = 0;
  for (size_t i = 0; i < actual.size(); ++i) error += forecast[i] - actual[i];
  return error / *total;
}

namespace detail {

double median_of(std::vector<double> values) {
  if (values.empty()) return NAN;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

Result<double> parse_cell(const std::string& file, const CsvTable& table, size_t row,
                          size_t column) {
  LC_ASSERT(row < table.rows.size());
  const auto& cells = table.rows[row];
  if (column >= cells.size() || cells[column].empty() || cells[column] == "NA") return NAN;
  const std::string& cell = cells[column];
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(cell.c_str(), &end);
  if (end == cell.c_str() || *end != '\0' || errno != 0 || !std::isfinite(value)) {
    return fail(ErrorCode::corruption, file,
                fmt::format("row {} column {} ({}): '{}' is not a number", row + 2, column + 1,
                            table.header[column], cell));
  }
  return value;
}

Result<size_t> column_index(const std::string& file, const CsvTable& table,
                            const std::string& name) {
  const auto it = std::find(table.header.begin(), table.header.end(), name);
  if (it == table.header.end()) {
    return fail(ErrorCode::corruption, file, fmt::format("column '{}' is missing", name));
  }
  return static_cast<size_t>(it - table.header.begin());
}

MethodScore score_method(const std::string& dataset, const std::string& task,
                         const std::string& method, std::span<const double> actual,
                         std::span<const double> forecast, std::span<const double> scale,
                         double seconds) {
  LC_ASSERT(actual.size() == forecast.size() && actual.size() == scale.size());
  MethodScore score;
  score.dataset = dataset, score.task = task, score.method = method;
  score.smape = NAN, score.owa = NAN;
  score.series = static_cast<int>(actual.size());
  score.seconds = seconds;
  score.wape = wape(actual, forecast).value_or(NAN);
  score.bias = bias(actual, forecast).value_or(NAN);
  double sum = 0;
  int count = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!(scale[i] > 0)) continue;
    sum += std::abs(actual[i] - forecast[i]) / scale[i];
    ++count;
  }
  score.mase = count > 0 ? sum / count : NAN;
  return score;
}

double wape_scale(std::span<const double> actual, std::span<const double> forecast) {
  LC_ASSERT(actual.size() == forecast.size());
  std::vector<std::pair<double, double>> ratios;  // y/ŷ, weight ŷ
  double total = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!(forecast[i] > 0) || !std::isfinite(actual[i])) continue;
    ratios.emplace_back(actual[i] / forecast[i], forecast[i]);
    total += forecast[i];
  }
  if (ratios.empty()) return 1.0;
  std::sort(ratios.begin(), ratios.end());
  double running = 0;
  for (const auto& [ratio, weight] : ratios) {
    running += weight;
    if (running >= 0.5 * total) return ratio;
  }
  return ratios.back().first;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace detail
}  // namespace livechain::forecast
