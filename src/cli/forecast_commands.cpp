// `livechain forecast evaluate`: scores the statistical forecasters on the M3 and M4
// (Weekly, Hourly) competition data read in place, prints one table, and writes
// OUT/results.csv plus the scored forecasts to OUT/predictions/ in the competitions'
// wide format (id,F1,…,Fh).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "cli/command_support.hpp"
#include "core/assert.hpp"
#include "forecast/forecast.hpp"

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
  std::string name;  // m3, m4-weekly, m4-hourly
  std::string predictions_file;
  forecast::SuiteReport report;
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

Result<void> write_predictions(const std::filesystem::path& path,
                               const forecast::SuiteReport& report) {
  std::ofstream out(path);
  size_t horizon_max = 0;
  for (const auto& row : report.predictions) horizon_max = std::max(horizon_max, row.values.size());
  out << "id";
  for (size_t h = 1; h <= horizon_max; ++h) out << ",F" << h;
  out << '\n';
  for (const auto& row : report.predictions) {
    out << row.id;
    for (size_t h = 0; h < horizon_max; ++h) {
      out << ',';
      if (h < row.values.size()) out << fmt::format("{}", row.values[h]);
    }
    out << '\n';
  }
  out.flush();
  if (!out) return fail(ErrorCode::io_error, "out", fmt::format("cannot write {}", path.string()));
  return {};
}

Result<void> write_results(const std::filesystem::path& out_dir,
                           const std::vector<SuiteRun>& runs) {
  std::error_code error;
  std::filesystem::create_directories(out_dir / "predictions", error);
  if (error) return fail(ErrorCode::io_error, "out", error.message());
  std::ofstream out(out_dir / "results.csv");
  out << "dataset,method,smape,mase,owa,series,failures,seconds\n";
  for (const auto& run : runs) {
    for (const auto& s : run.report.scores) {
      out << fmt::format("{},{},{:.4f},{:.4f},{:.4f},{},{},{:.3f}\n", s.dataset, s.method, s.smape,
                         s.mase, s.owa, s.series, s.failures, s.seconds);
    }
  }
  out.flush();
  if (!out) return fail(ErrorCode::io_error, "out", "cannot write results.csv");
  for (const auto& run : runs) {
    auto written = write_predictions(out_dir / "predictions" / run.predictions_file, run.report);
    if (!written) return written;
  }
  return {};
}

void print_runs(const std::vector<SuiteRun>& runs, const EvaluateArgs& args,
                const CliOptions& options) {
  boost::json::array rows;
  std::string text = fmt::format("{:<14} {:<14} {:>8} {:>7} {:>6} {:>9}\n", "dataset", "method",
                                 "sMAPE", "MASE", "OWA", "seconds");
  for (const auto& run : runs) {
    for (const auto& s : run.report.scores) {
      text += fmt::format("{:<14} {:<14} {:>8.3f} {:>7.3f} {:>6.3f} {:>9.2f}\n", s.dataset,
                          s.method, s.smape, s.mase, s.owa, s.seconds);
      rows.push_back(boost::json::object{{"dataset", s.dataset},
                                         {"method", s.method},
                                         {"smape", s.smape},
                                         {"mase", s.mase},
                                         {"owa", s.owa},
                                         {"series", s.series},
                                         {"failures", s.failures},
                                         {"seconds", s.seconds}});
    }
  }
  text += fmt::format("wrote {}/results.csv and {}/predictions/", args.out_dir, args.out_dir);
  print(options, boost::json::object{{"results", rows}, {"out", args.out_dir}}, text);
}

void run_evaluate(const EvaluateArgs& args, const CliOptions& options) {
  if (args.threads < 1 || args.threads > 64) {
    exit_with_error(Error{ErrorCode::invalid_argument, "threads", "must be within [1, 64]"});
  }
  std::vector<std::pair<std::string, std::string>> suites;  // name, predictions file
  if (args.suite == "m3" || args.suite == "stat") suites.emplace_back("m3", "m3.csv");
  if (args.suite == "m4-weekly" || args.suite == "stat") {
    suites.emplace_back("m4-weekly", "m4_weekly.csv");
  }
  if (args.suite == "m4-hourly" || args.suite == "stat") {
    suites.emplace_back("m4-hourly", "m4_hourly.csv");
  }
  LC_ASSERT(!suites.empty());
  std::vector<SuiteRun> runs;
  for (const auto& [name, file] : suites) {
    auto report = run_one(name, args);
    if (!report) exit_with_error(report.error());
    runs.push_back(SuiteRun{name, file, std::move(*report)});
  }
  if (auto written = write_results(args.out_dir, runs); !written) {
    exit_with_error(written.error());
  }
  LC_ASSERT(runs.size() == suites.size());
  print_runs(runs, args, options);
}

}  // namespace

void add_forecast_commands(CLI::App& root, CliOptions& options) {
  auto* group = root.add_subcommand("forecast", "Demand forecasting")->require_subcommand(1);
  auto args = std::make_shared<EvaluateArgs>();
  auto* evaluate = group->add_subcommand(
      "evaluate",
      "Score the statistical forecasters on M3 / M4 Weekly / M4 Hourly (read in place)");
  evaluate->add_option("--suite", args->suite, "m3, m4-weekly, m4-hourly or stat (all three)")
      ->check(CLI::IsMember({"m3", "m4-weekly", "m4-hourly", "stat"}))
      ->capture_default_str();
  evaluate
      ->add_option("--data", args->data_dir, "Shared data folder (holds m3/, m4_weekly_hourly/)")
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
