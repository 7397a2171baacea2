// Scoring the nowcaster on simulated sessions (nowcast.hpp, evaluate_nowcast).
#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/assert.hpp"
#include "forecast/forecast.hpp"
#include "forecast/nowcast.hpp"

namespace livechain::forecast {

namespace {

struct Sum {
  double error = 0, signed_error = 0, actual = 0;
  int points = 0;
  void add(double forecast, double y) {
    error += std::abs(forecast - y), signed_error += forecast - y, actual += y, ++points;
  }
};

MethodScore score_of(const std::string& dataset, const std::string& task, const std::string& method,
                     const Sum& sum, double seconds) {
  MethodScore score;
  score.dataset = dataset, score.task = task, score.method = method;
  score.smape = NAN, score.mase = NAN, score.owa = NAN;
  score.wape = sum.actual > 0 ? sum.error / sum.actual : NAN;
  score.bias = sum.actual > 0 ? sum.signed_error / sum.actual : NAN;
  score.series = sum.points;
  score.seconds = seconds;
  return score;
}

double median_of(std::vector<double> v) {
  LC_ASSERT(!v.empty());
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

Result<std::vector<MethodScore>> evaluate_nowcast(const std::string& dataset,
                                                  std::span<const SessionRecord> train,
                                                  std::span<const SessionRecord> test) {
  if (test.empty()) return fail(ErrorCode::invalid_argument, "test", "no sessions");
  const auto started = std::chrono::steady_clock::now();
  auto model = nowcast_fit(train);
  if (!model) return std::unexpected(model.error());
  std::vector<double> totals, ratios;
  for (const auto& s : train) {
    totals.push_back(s.actual_total);
    if (s.prior_total > 0) ratios.push_back(s.actual_total / s.prior_total);
  }
  const double history = median_of(totals);
  // The pre-session forecast's systematic bias, learned on the training sessions.
  const double prior_scale = ratios.empty() ? 1.0 : median_of(ratios);
  Sum total_history, total_prior, total_calibrated;
  std::array<Sum, 2> per_minute, at_25, at_50;  // [0]: from prior_total, [1]: from history
  for (const auto& session : test) {
    total_history.add(history, session.actual_total);
    total_prior.add(session.prior_total, session.actual_total);
    total_calibrated.add(prior_scale * session.prior_total, session.actual_total);
    for (int p = 0; p < 2; ++p) {
      SessionRecord from = session;
      from.prior_total = p == 0 ? prior_scale * session.prior_total : history;
      auto path = nowcast_path(*model, from);
      if (!path) return std::unexpected(path.error());
      for (double value : *path) per_minute[p].add(value, session.actual_total);
      const auto at = [&](double fraction) {
        const auto t = static_cast<size_t>(std::ceil(fraction * session.duration_min));
        return path->empty() ? from.prior_total : (*path)[std::min(t, path->size()) - 1];
      };
      at_25[p].add(at(0.25), session.actual_total);
      at_50[p].add(at(0.50), session.actual_total);
    }
  }
  if (!(total_prior.actual > 0)) {
    return fail(ErrorCode::invalid_argument, "test", "zero total demand");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<MethodScore> scores{
      score_of(dataset, "session-total", "history-median", total_history, 0),
      score_of(dataset, "session-total", "pre-session", total_prior, 0),
      score_of(dataset, "session-total", "pre-session-calibrated", total_calibrated, 0)};
  const char* names[2] = {"nowcast", "nowcast-history"};
  for (int p = 0; p < 2; ++p) {
    scores.push_back(score_of(dataset, "per-minute", names[p], per_minute[p], seconds));
    scores.push_back(score_of(dataset, "at-25%", names[p], at_25[p], seconds));
    scores.push_back(score_of(dataset, "at-50%", names[p], at_50[p], seconds));
  }
  LC_ASSERT(scores.size() == 9);
  return scores;
}

}  // namespace livechain::forecast
