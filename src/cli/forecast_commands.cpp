// `livechain forecast evaluate`: scores the statistical forecasters on the M3 and M4
// (Weekly, Hourly) competition data and the global GBM on the real-data protocols
// (Douyin live sessions, Dominick's orange juice), all read in place; prints one table
// and writes OUT/results.csv plus the scored forecasts to OUT/predictions/ (wide
// id,F1,…,Fh for the competitions, the READMEs' columns for the real data).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/command_support.hpp"
#include "core/assert.hpp"
#include "forecast/forecast.hpp"
#include "forecast/real.hpp"

namespace livechain::cli {

namespace {

struct EvaluateArgs {
  std::string suite = "stat";
  std::string data_dir;
  std::string out_dir;
  size_t series_limit = 0;
  int threads = 2;
};

struct SuiteRun {
  std::string name;  // m3, m4-weekly, m4-hourly, douyin, dominicks
  std::vector<forecast::MethodScore> scores;
  std::vector<forecast::PredictionFile> predictions;
};

Result<forecast::SuiteReport> run_one(const std::string& suite, const EvaluateArgs& args) {
  const std::filesystem::path data = args.data_dir;
  forecast::EvaluateOptions options;
  options.series_limit = args.series_limit;
  options.threads = args.threads;
  if (suite == "m3") return forecast::evaluate_m3(data / "m3", options);
  const std::string frequency = suite == "m4-weekly" ? "Weekly" : "Hourly";
  return forecast::evaluate_m4(data / "m4_weekly_hourly", frequency, options);
}

std::string wide_csv(const forecast::SuiteReport& report) {
  size_t horizon_max = 0;
  for (const auto& row : report.predictions) horizon_max = std::max(horizon_max, row.values.size());
  std::string csv = "id";
  for (size_t h = 1; h <= horizon_max; ++h) csv += fmt::format(",F{}", h);
  csv += '\n';
  for (const auto& row : report.predictions) {
    csv += row.id;
    for (size_t h = 0; h < horizon_max; ++h) {
      csv += ',';
      if (h < row.values.size()) csv += fmt::format("{}", row.values[h]);
    }
    csv += '\n';
  }
  return csv;
}

std::string number_or_empty(double value) {
  return std::isfinite(value) ? fmt::format("{:.4f}", value) : std::string();
}

std::string number_or_dash(double value, int width, int precision) {
  return std::isfinite(value) ? fmt::format("{:>{}.{}f}", value, width, precision)
                              : fmt::format("{:>{}}", "-", width);
}

Result<void> write_results(const std::filesystem::path& out_dir,
                           const std::vector<SuiteRun>& runs) {
  std::error_code error;
  std::filesystem::create_directories(out_dir / "predictions", error);
  if (error) return fail(ErrorCode::io_error, "out", error.message());
  std::ofstream out(out_dir / "results.csv");
  out << "dataset,task,method,smape,mase,owa,wape,bias,series,failures,seconds\n";
  for (const auto& run : runs) {
    for (const auto& s : run.scores) {
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{:.3f}\n", s.dataset, s.task, s.method,
                         number_or_empty(s.smape), number_or_empty(s.mase), number_or_empty(s.owa),
                         number_or_empty(s.wape), number_or_empty(s.bias), s.series, s.failures,
                         s.seconds);
    }
  }
  out.flush();
  if (!out) return fail(ErrorCode::io_error, "out", "cannot write results.csv");
  for (const auto& run : runs) {
    for (const auto& file : run.predictions) {
      std::ofstream csv(out_dir / "predictions" / file.file);
      csv << file.csv;
      csv.flush();
      if (!csv) return fail(ErrorCode::io_error, "out", fmt::format("cannot write {}", file.file));
    }
  }
  return {};
}

void print_runs(const std::vector<SuiteRun>& runs, const EvaluateArgs& args, uint64_t seed,
                const CliOptions& options) {
  boost::json::array rows;
  std::string text =
      fmt::format("{:<14} {:<18} {:<23} {:>8} {:>7} {:>6} {:>6} {:>7} {:>8}\n", "dataset", "task",
                  "method", "sMAPE", "MASE", "OWA", "WAPE", "bias", "seconds");
  const auto json_number = [](double v) {
    return std::isfinite(v) ? boost::json::value(v) : nullptr;
  };
  for (const auto& run : runs) {
    for (const auto& s : run.scores) {
      text += fmt::format("{:<14} {:<18} {:<23} {} {} {} {} {} {:>8.2f}\n", s.dataset,
                          s.task.empty() ? "-" : s.task, s.method, number_or_dash(s.smape, 8, 3),
                          number_or_dash(s.mase, 7, 3), number_or_dash(s.owa, 6, 3),
                          number_or_dash(s.wape, 6, 3), number_or_dash(s.bias, 7, 3), s.seconds);
      rows.push_back(boost::json::object{{"dataset", s.dataset},
                                         {"task", s.task},
                                         {"method", s.method},
                                         {"smape", json_number(s.smape)},
                                         {"mase", json_number(s.mase)},
                                         {"owa", json_number(s.owa)},
                                         {"wape", json_number(s.wape)},
                                         {"bias", json_number(s.bias)},
                                         {"series", s.series},
                                         {"failures", s.failures},
                                         {"seconds", s.seconds}});
    }
  }
  if (seed != 0) text += fmt::format("SEED={} (every GBM fit, one thread)\n", seed);
  text += fmt::format("wrote {}/results.csv and {}/predictions/", args.out_dir, args.out_dir);
  print(options, boost::json::object{{"results", rows}, {"out", args.out_dir}, {"seed", seed}},
        text);
}

SuiteRun stat_run(const std::string& name, const std::string& file, const EvaluateArgs& args) {
  auto report = run_one(name, args);
  if (!report) exit_with_error(report.error());
  return SuiteRun{name, report->scores, {forecast::PredictionFile{file, wide_csv(*report)}}};
}

SuiteRun real_run(const std::string& name, const EvaluateArgs& args, uint64_t* seed) {
  const std::filesystem::path data = args.data_dir;
  forecast::GbmParams params;
  auto report = name == "douyin" ? forecast::evaluate_douyin(data / "douyin_live_chanmama", params)
                                 : forecast::evaluate_dominicks(data / "dominicks_oj", params);
  if (!report) exit_with_error(report.error());
  *seed = report->seed;
  return SuiteRun{name, std::move(report->scores), std::move(report->predictions)};
}

void run_evaluate(const EvaluateArgs& args, const CliOptions& options) {
  if (args.threads < 1 || args.threads > 64) {
    exit_with_error(Error{ErrorCode::invalid_argument, "threads", "must be within [1, 64]"});
  }
  const bool stat = args.suite == "stat" || args.suite == "all";
  const bool real = args.suite == "real" || args.suite == "all";
  std::vector<SuiteRun> runs;
  if (args.suite == "m3" || stat) runs.push_back(stat_run("m3", "m3.csv", args));
  if (args.suite == "m4-weekly" || stat) {
    runs.push_back(stat_run("m4-weekly", "m4_weekly.csv", args));
  }
  if (args.suite == "m4-hourly" || stat) {
    runs.push_back(stat_run("m4-hourly", "m4_hourly.csv", args));
  }
  uint64_t seed = 0;
  if (real) runs.push_back(real_run("douyin", args, &seed));
  if (real) runs.push_back(real_run("dominicks", args, &seed));
  LC_ASSERT(!runs.empty());
  if (auto written = write_results(args.out_dir, runs); !written) {
    exit_with_error(written.error());
  }
  print_runs(runs, args, seed, options);
}

}  // namespace

void add_forecast_commands(CLI::App& root, CliOptions& options) {
  auto* group = root.add_subcommand("forecast", "Demand forecasting")->require_subcommand(1);
  auto args = std::make_shared<EvaluateArgs>();
  auto* evaluate = group->add_subcommand(
      "evaluate",
      "Score the forecasters on M3 / M4 Weekly / M4 Hourly and on the real-data protocols "
      "(Douyin, Dominick's), read in place");
  evaluate
      ->add_option("--suite", args->suite,
                   "m3, m4-weekly, m4-hourly, stat (those three), real (douyin + dominicks) or all")
      ->check(CLI::IsMember({"m3", "m4-weekly", "m4-hourly", "stat", "real", "all"}))
      ->capture_default_str();
  evaluate
      ->add_option(
          "--data", args->data_dir,
          "Shared data folder (m3/, m4_weekly_hourly/, douyin_live_chanmama/, dominicks_oj/)")
      ->required();
  evaluate->add_option("--out", args->out_dir, "Output folder for results.csv and predictions/")
      ->required();
  evaluate
      ->add_option("--limit", args->series_limit, "Only the first N series of each suite (0: all)")
      ->capture_default_str();
  evaluate->add_option("--threads", args->threads, "Worker threads, 1 … 64")->capture_default_str();
  evaluate->callback([args, &options] { run_evaluate(*args, options); });
}

}  // namespace livechain::cli
