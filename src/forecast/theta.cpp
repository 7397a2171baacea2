// The Theta method as in the M4 benchmark code (Assimakopoulos & Nikolopoulos 2000;
// Hyndman & Billah 2003): θ=0 regression line and SES on the θ=2 line, weights ½/½,
// inside a classical multiplicative seasonal adjustment when the 90% ACF test says so.
#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "forecast/forecast.hpp"

namespace livechain::forecast {

ThetaLines theta_lines(std::span<const double> series, int period) {
  const size_t n = series.size();
  LC_ASSERT(n >= 2);
  ThetaLines out;
  out.indices.assign(n, 1.0);
  const bool positive = std::all_of(series.begin(), series.end(), [](double v) { return v > 0; });
  out.seasonal = positive && seasonality_test(series, period);
  if (out.seasonal) out.indices = multiplicative_seasonal_indices(series, period);
  std::vector<double> adjusted(n);
  for (size_t t = 0; t < n; ++t) adjusted[t] = series[t] / out.indices[t];
  // θ=0 line: least squares on t = 1 … n.
  double sum_t = 0, sum_y = 0, sum_tt = 0, sum_ty = 0;
  for (size_t t = 0; t < n; ++t) {
    const double x = static_cast<double>(t + 1);
    sum_t += x, sum_y += adjusted[t], sum_tt += x * x, sum_ty += x * adjusted[t];
  }
  const double c = static_cast<double>(n);
  out.slope = (c * sum_ty - sum_t * sum_y) / (c * sum_tt - sum_t * sum_t);
  out.intercept = (sum_y - out.slope * sum_t) / c;
  out.theta2.resize(n);
  for (size_t t = 0; t < n; ++t) {
    out.theta2[t] = 2 * adjusted[t] - (out.intercept + out.slope * static_cast<double>(t + 1));
  }
  return out;
}

Result<Forecast> theta(std::span<const double> series, int period, int horizon) {
  if (auto ok = validate_input(series, period, horizon); !ok) return std::unexpected(ok.error());
  const size_t n = series.size();
  if (n < 4) return fail(ErrorCode::invalid_argument, "series", "Theta needs at least 4 values");
  const ThetaLines lines = theta_lines(series, period);
  const std::vector<double>& indices = lines.indices;
  const double intercept = lines.intercept;
  const double slope = lines.slope;
  auto smoothed = ses(lines.theta2, horizon);
  if (!smoothed) return std::unexpected(smoothed.error());
  const size_t m = static_cast<size_t>(period);
  Forecast forecast(static_cast<size_t>(horizon));
  for (size_t h = 0; h < forecast.size(); ++h) {
    const double line = intercept + slope * static_cast<double>(n + h + 1);
    const double index = n >= m ? indices[n - m + h % m] : 1.0;
    forecast[h] = (0.5 * (*smoothed)[h] + 0.5 * line) * index;
  }
  LC_ASSERT(forecast.size() == static_cast<size_t>(horizon));
  return forecast;
}

}  // namespace livechain::forecast
