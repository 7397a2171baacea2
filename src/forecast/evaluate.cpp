// Evaluation runners for M3 and M4 (Weekly, Hourly): read the files in place, run every
// method on every series (in parallel, one series per task: results do not depend on the
// thread count), score sMAPE/MASE/OWA per dataset and category.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <thread>

#include "core/assert.hpp"
#include "forecast/conformal.hpp"
#include "forecast/data.hpp"
#include "forecast/forecast.hpp"
#include "forecast/methods.hpp"

namespace livechain::forecast {

namespace {

struct Task {
  std::string id, category;
  int period = 1, horizon = 1, mase_lag = 1;
  std::vector<double> train, test;
};

struct Run {
  std::vector<Forecast> forecasts;
  int failures = 0;
  double seconds = 0;
};

// Forecasts every task with `method`; a failure or a non-finite value falls back to
// naive and is counted.
Run run_method(const std::vector<Task>& tasks, const detail::Method& method, int threads) {
  Run run;
  run.forecasts.resize(tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  const auto started = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      const Task& task = tasks[i];
      const int period = method.competition_period ? task.mase_lag : task.period;
      auto forecast = method.run(task.train, period, task.horizon);
      bool ok = forecast && forecast->size() == static_cast<size_t>(task.horizon);
      for (size_t h = 0; ok && h < forecast->size(); ++h) ok = std::isfinite((*forecast)[h]);
      if (!ok) {
        ++failures;
        forecast = Forecast(static_cast<size_t>(task.horizon), task.train.back());
      }
      run.forecasts[i] = std::move(*forecast);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  run.failures = failures.load();
  LC_ASSERT(run.forecasts.size() == tasks.size());
  return run;
}

struct Averages {
  double smape = 0, mase = 0;
  int series = 0;
};

Averages average_scores(const std::vector<Task>& tasks, const Run& run,
                        const std::string& category) {
  Averages averages;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!category.empty() && tasks[i].category != category) continue;
    const auto s = smape(tasks[i].test, run.forecasts[i]);
    const auto m = mase(tasks[i].train, tasks[i].mase_lag, tasks[i].test, run.forecasts[i]);
    LC_ASSERT(s.has_value());
    averages.smape += *s;
    averages.mase += m ? *m : 0.0;  // a constant training series has no MASE scale
    ++averages.series;
  }
  if (averages.series > 0) {
    averages.smape /= averages.series;
    averages.mase /= averages.series;
  }
  return averages;
}

// Mean |x_t − x_{t−lag}| over the series (the MASE denominator); NaN when too short.
double mase_scale(std::span<const double> x, int lag) {
  const size_t m = static_cast<size_t>(lag);
  if (x.size() <= m) return NAN;
  double sum = 0;
  for (size_t t = m; t < x.size(); ++t) sum += std::abs(x[t] - x[t - m]);
  return sum / static_cast<double>(x.size() - m);
}

// Conformal intervals of `method`: its forecasts from origins n − k·h (k = 1 … origins)
// of every training series give residuals scaled by that truncated series' MASE scale,
// pooled per step; the intervals around the test forecasts `run` are scored on the test
// data. Origins that leave fewer than 2·h + lag points are skipped.
std::optional<Coverage> interval_coverage(const std::vector<Task>& tasks,
                                          const detail::Method& method, const Run& run, int origins,
                                          int threads) {
  std::vector<Task> backtests;
  std::vector<double> scales;
  for (const Task& task : tasks) {
    for (int k = 1; k <= origins; ++k) {
      const size_t cut = static_cast<size_t>(k * task.horizon);
      if (task.train.size() < cut + static_cast<size_t>(2 * task.horizon + task.mase_lag)) break;
      Task b = task;
      b.train.assign(task.train.begin(), task.train.end() - static_cast<ptrdiff_t>(cut));
      b.test.assign(task.train.end() - static_cast<ptrdiff_t>(cut),
                    task.train.end() - static_cast<ptrdiff_t>(cut) + task.horizon);
      const double scale = mase_scale(b.train, b.mase_lag);
      if (!(scale > 0)) continue;
      scales.push_back(scale);
      backtests.push_back(std::move(b));
    }
  }
  if (backtests.empty()) return std::nullopt;
  const Run backtest = run_method(backtests, method, threads);
  std::vector<ConformalResidual> residuals;
  int horizon_max = 1;
  for (size_t i = 0; i < backtests.size(); ++i) {
    horizon_max = std::max(horizon_max, backtests[i].horizon);
    for (int h = 0; h < backtests[i].horizon; ++h) {
      const double error = backtests[i].test[h] - backtest.forecasts[i][h];
      residuals.push_back(ConformalResidual{h + 1, error / scales[i]});
    }
  }
  auto model = conformal_fit(residuals, horizon_max);
  LC_ASSERT(model.has_value());
  std::vector<double> actual;
  std::vector<Interval> intervals;
  for (size_t i = 0; i < tasks.size(); ++i) {
    double scale = mase_scale(tasks[i].train, tasks[i].mase_lag);
    if (!(scale > 0)) scale = 0;  // a constant series: the point forecast is the interval
    const bool non_negative =
        std::all_of(tasks[i].train.begin(), tasks[i].train.end(), [](double v) { return v >= 0; });
    for (int h = 0; h < tasks[i].horizon; ++h) {
      actual.push_back(tasks[i].test[h]);
      intervals.push_back(conformal_interval(*model, run.forecasts[i][h], scale, h + 1,
                                             non_negative ? 0.0 : -HUGE_VAL));
    }
  }
  auto coverage = measure_coverage(actual, intervals);
  if (!coverage) return std::nullopt;
  return *coverage;
}

// Runs every method and scores it on each group ("" = all series, labelled `dataset`).
SuiteReport run_suite(const std::vector<Task>& tasks,
                      const std::vector<std::pair<std::string, std::string>>& groups,
                      const std::vector<detail::Method>& methods, int threads,
                      int interval_origins) {
  LC_ASSERT(!methods.empty() && methods.front().name == "naive2");
  SuiteReport report;
  std::vector<Averages> naive2_averages;
  for (const auto& method : methods) {
    const Run run = run_method(tasks, method, threads);
    for (size_t g = 0; g < groups.size(); ++g) {
      const Averages averages = average_scores(tasks, run, groups[g].second);
      if (averages.series == 0) continue;
      if (naive2_averages.size() <= g) naive2_averages.resize(g + 1);
      if (method.name == "naive2") naive2_averages[g] = averages;
      const auto relative =
          owa(averages.smape, averages.mase, naive2_averages[g].smape, naive2_averages[g].mase);
      report.scores.push_back(MethodScore{
          groups[g].first, method.name, averages.smape, averages.mase, relative ? *relative : NAN,
          averages.series, run.seconds, run.failures, "", NAN, NAN});
    }
    if (method.name == detail::kSubmittedMethod) {
      report.submitted_method = method.name;
      const auto coverage = interval_origins > 0
                                ? interval_coverage(tasks, method, run, interval_origins, threads)
                                : std::nullopt;
      if (coverage) {
        for (auto& score : report.scores) {
          if (score.method != method.name || score.dataset != groups.front().first) continue;
          score.coverage_p10_p90 = coverage->inside_p10_p90;
          score.below_p10 = coverage->below_p10;
          score.below_p50 = coverage->below_p50;
          score.pinball_scaled = coverage->pinball_scaled;
        }
      }
      for (size_t i = 0; i < tasks.size(); ++i) {
        report.predictions.push_back(SeriesForecast{tasks[i].id, run.forecasts[i]});
      }
    }
  }
  return report;
}

Result<void> check_options(const EvaluateOptions& options) {
  if (options.threads < 1 || options.threads > 64) {
    return fail(ErrorCode::invalid_argument, "threads", "must be within [1, 64]");
  }
  if (options.interval_origins < 0 || options.interval_origins > 10) {
    return fail(ErrorCode::invalid_argument, "interval_origins", "must be within [0, 10]");
  }
  return {};
}

Result<std::map<std::string, std::vector<double>>> read_series_map(
    const std::filesystem::path& path) {
  auto series = detail::read_wide_series(path);
  if (!series) return std::unexpected(series.error());
  std::map<std::string, std::vector<double>> by_id;
  for (auto& named : *series) by_id[named.id] = std::move(named.values);
  return by_id;
}

}  // namespace

Result<SuiteReport> evaluate_m3(const std::filesystem::path& data_dir,
                                const EvaluateOptions& options) {
  if (auto ok = check_options(options); !ok) return std::unexpected(ok.error());
  static const std::vector<std::string> kCategories{"YEARLY", "QUARTERLY", "MONTHLY", "OTHER"};
  if (!options.category.empty() &&
      std::find(kCategories.begin(), kCategories.end(), options.category) == kCategories.end()) {
    return fail(ErrorCode::invalid_argument, "category",
                "must be YEARLY, QUARTERLY, MONTHLY or OTHER");
  }
  auto info = detail::read_csv(data_dir / "M3-info.csv");
  if (!info) return std::unexpected(info.error());
  auto train = read_series_map(data_dir / "M3-train.csv.gz");
  if (!train) return std::unexpected(train.error());
  auto test = read_series_map(data_dir / "M3-test.csv.gz");
  if (!test) return std::unexpected(test.error());
  std::vector<Task> tasks;
  for (size_t r = 0; r < info->rows.size(); ++r) {
    const auto& row = info->rows[r];
    if (row.size() < 5) {
      return fail(ErrorCode::corruption, "M3-info.csv",
                  fmt::format("row {}: too few columns", r + 2));
    }
    if (!options.category.empty() && row[1] != options.category) continue;
    if (options.series_limit > 0 && tasks.size() >= options.series_limit) break;
    Task task{row[0], row[1], std::atoi(row[3].c_str()), std::atoi(row[4].c_str()), 1, {}, {}};
    task.mase_lag = task.period;
    auto train_it = train->find(task.id);
    auto test_it = test->find(task.id);
    if (train_it == train->end() || test_it == test->end() || task.period < 1 ||
        test_it->second.size() != static_cast<size_t>(task.horizon)) {
      return fail(ErrorCode::corruption, "M3-info.csv",
                  fmt::format("row {}: series {} missing or of the wrong horizon", r + 2, task.id));
    }
    task.train = train_it->second;
    task.test = test_it->second;
    tasks.push_back(std::move(task));
  }
  std::vector<std::pair<std::string, std::string>> groups{{"m3", ""}};
  for (const auto& category : kCategories) {
    std::string label = "m3-" + category;
    for (char& ch : label) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    groups.emplace_back(label, category);
  }
  return run_suite(tasks, groups, detail::methods_for("m3"), options.threads,
                   options.interval_origins);
}

Result<SuiteReport> evaluate_m4(const std::filesystem::path& data_dir, const std::string& frequency,
                                const EvaluateOptions& options) {
  if (auto ok = check_options(options); !ok) return std::unexpected(ok.error());
  if (frequency != "Weekly" && frequency != "Hourly") {
    return fail(ErrorCode::invalid_argument, "frequency", "must be Weekly or Hourly");
  }
  const bool hourly = frequency == "Hourly";
  auto train = detail::read_wide_series(data_dir / (frequency + "-train.csv.gz"));
  if (!train) return std::unexpected(train.error());
  auto test = read_series_map(data_dir / (frequency + "-test.csv.gz"));
  if (!test) return std::unexpected(test.error());
  const int horizon = hourly ? 48 : 13;
  std::vector<Task> tasks;
  for (auto& named : *train) {
    if (options.series_limit > 0 && tasks.size() >= options.series_limit) break;
    auto test_it = test->find(named.id);
    if (test_it == test->end() || test_it->second.size() != static_cast<size_t>(horizon)) {
      return fail(ErrorCode::corruption, frequency + "-test.csv.gz",
                  fmt::format("series {} missing or not {} values", named.id, horizon));
    }
    // Models see the calendar period (52 weeks, 24 hours); MASE uses M4's m (1, 24).
    tasks.push_back(Task{named.id, frequency, hourly ? 24 : 52, horizon, hourly ? 24 : 1,
                         std::move(named.values), test_it->second});
  }
  const std::string dataset = hourly ? "m4-hourly" : "m4-weekly";
  return run_suite(tasks, {{dataset, ""}}, detail::methods_for(dataset), options.threads,
                   options.interval_origins);
}

}  // namespace livechain::forecast
