// `livechain forecast evaluate`: scores the statistical forecasters on the M3 and M4
// (Weekly, Hourly) competition data and the global GBM on the real-data protocols
// (Douyin live sessions, Dominick's orange juice), all read in place; prints one table
// and writes OUT/results.csv plus the scored forecasts to OUT/predictions/ (wide
// id,F1,…,Fh for the competitions, the READMEs' columns for the real data).
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/command_support.hpp"
#include "core/assert.hpp"
#include "forecast/forecast.hpp"
#include "forecast/model.hpp"
#include "forecast/nowcast.hpp"
#include "forecast/real.hpp"
#include "twin/twin.hpp"

namespace livechain::cli {

namespace {

struct EvaluateArgs {
  std::string suite = "stat";
  std::string data_dir;
  std::string out_dir;
  size_t series_limit = 0;
  int threads = 2;
  std::string category;  // M3 only
  int interval_origins = 3;
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
  options.category = args.category;
  options.interval_origins = args.interval_origins;
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
  out << "dataset,task,method,smape,mase,owa,wape,bias,series,failures,seconds,"
         "coverage_p10_p90,below_p10,below_p50,pinball_scaled\n";
  for (const auto& run : runs) {
    for (const auto& s : run.scores) {
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{:.3f},{},{},{},{}\n", s.dataset, s.task,
                         s.method, number_or_empty(s.smape), number_or_empty(s.mase),
                         number_or_empty(s.owa), number_or_empty(s.wape), number_or_empty(s.bias),
                         s.series, s.failures, s.seconds, number_or_empty(s.coverage_p10_p90),
                         number_or_empty(s.below_p10), number_or_empty(s.below_p50),
                         number_or_empty(s.pinball_scaled));
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
      fmt::format("{:<14} {:<18} {:<23} {:>8} {:>7} {:>6} {:>6} {:>7} {:>8} {:>6} {:>5} {:>5}\n",
                  "dataset", "task", "method", "sMAPE", "MASE", "OWA", "WAPE", "bias", "seconds",
                  "P10-90", "<P10", "<P50");
  const auto json_number = [](double v) {
    return std::isfinite(v) ? boost::json::value(v) : nullptr;
  };
  for (const auto& run : runs) {
    for (const auto& s : run.scores) {
      text += fmt::format("{:<14} {:<18} {:<23} {} {} {} {} {} {:>8.2f} {} {} {}\n", s.dataset,
                          s.task.empty() ? "-" : s.task, s.method, number_or_dash(s.smape, 8, 3),
                          number_or_dash(s.mase, 7, 3), number_or_dash(s.owa, 6, 3),
                          number_or_dash(s.wape, 6, 3), number_or_dash(s.bias, 7, 3), s.seconds,
                          number_or_dash(s.coverage_p10_p90, 6, 3),
                          number_or_dash(s.below_p10, 5, 2), number_or_dash(s.below_p50, 5, 2));
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
                                         {"seconds", s.seconds},
                                         {"coverage_p10_p90", json_number(s.coverage_p10_p90)},
                                         {"below_p10", json_number(s.below_p10)},
                                         {"below_p50", json_number(s.below_p50)},
                                         {"pinball_scaled", json_number(s.pinball_scaled)}});
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

// Simulated sessions for the nowcaster: the twin's history of `sessions` sessions of a
// scenario at one seed, with the planner's pre-session forecast as the prior.
Result<std::vector<forecast::SessionRecord>> simulate_sessions(const std::string& scenario_id,
                                                               uint64_t seed, int sessions) {
  auto scenario = twin::find_scenario(scenario_id);
  if (!scenario) return std::unexpected(scenario.error());
  twin::RunConfig config{*scenario, seed, "baseline"};
  if (auto set = twin::set_param(config.scenario, fmt::format("sessions={}", sessions)); !set) {
    return std::unexpected(set.error());
  }
  auto run = twin::run(config);
  if (!run) return std::unexpected(run.error());
  // In memory the twin keeps signals.csv without its header line (write_outputs adds
  // it); the parser reads the file format of docs/twin.md.
  std::string signals = run->history.signals_csv;
  if (!signals.starts_with("session_id,")) {
    signals.insert(0,
                   "session_id,minute,viewers,comments,buy_intent_comments,sentiment,add_to_cart,"
                   "orders,units_reserved,lost_units,stockout_skus\n");
  }
  return forecast::parse_twin_history(run->history.sessions_csv, signals, "forecast_units");
}

// The `sim` suite: per scenario (themed, mega), the nowcaster is fitted on the sessions
// of seed kSimTrainSeed and scored on those of kSimTestSeed (twin runs in parallel).
constexpr uint64_t kSimTrainSeed = 1, kSimTestSeed = 2;
constexpr int kSimSessions = 14;

SuiteRun sim_run(const std::string& scenario) {
  auto train =
      std::async(std::launch::async, simulate_sessions, scenario, kSimTrainSeed, kSimSessions);
  auto test = simulate_sessions(scenario, kSimTestSeed, kSimSessions);
  auto trained = train.get();
  if (!trained) exit_with_error(trained.error());
  if (!test) exit_with_error(test.error());
  auto scores = forecast::evaluate_nowcast("sim-" + scenario, *trained, *test);
  if (!scores) exit_with_error(scores.error());
  std::fprintf(stderr, "SIM_SEEDS=%llu (train), %llu (test), %d sessions each, %s\n",
               static_cast<unsigned long long>(kSimTrainSeed),
               static_cast<unsigned long long>(kSimTestSeed), kSimSessions, scenario.c_str());
  return SuiteRun{"sim-" + scenario, std::move(*scores), {}};
}

// `livechain forecast nowcast-fit`: fits the in-session nowcaster and writes the model
// file the server's live rules load (serve config "nowcast": {"model_path"}). The
// sessions are a twin history folder (sessions.csv and signals.csv, docs/twin.md) or,
// without --history, the twin's simulation of a scenario (calibrated per host on the
// Douyin sessions: the real data has session totals, not minute paths).
struct NowcastFitArgs {
  std::string history_dir;
  std::string scenario = "themed";
  uint64_t seed = kSimTrainSeed;
  int sessions = kSimSessions;
  std::string out;
};

Result<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, file.string(), "cannot read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void run_nowcast_fit(const NowcastFitArgs& args, const CliOptions& options) {
  Result<std::vector<forecast::SessionRecord>> sessions = std::vector<forecast::SessionRecord>{};
  if (!args.history_dir.empty()) {
    const std::filesystem::path dir = args.history_dir;
    auto sessions_csv = read_text(dir / "sessions.csv");
    if (!sessions_csv) exit_with_error(sessions_csv.error());
    auto signals_csv = read_text(dir / "signals.csv");
    if (!signals_csv) exit_with_error(signals_csv.error());
    sessions = forecast::parse_twin_history(*sessions_csv, *signals_csv, "forecast_units");
  } else {
    if (args.sessions < 2 || args.sessions > 1'000) {
      exit_with_error(Error{ErrorCode::invalid_argument, "sessions", "must be within [2, 1000]"});
    }
    sessions = simulate_sessions(args.scenario, args.seed, args.sessions);
  }
  if (!sessions) exit_with_error(sessions.error());
  auto model = forecast::nowcast_fit(*sessions);
  if (!model) exit_with_error(model.error());
  if (auto saved = forecast::save_nowcast_model(*model, args.out); !saved) {
    exit_with_error(saved.error());
  }
  const std::string source = args.history_dir.empty()
                                 ? fmt::format("twin scenario {} seed {}", args.scenario, args.seed)
                                 : args.history_dir;
  if (options.json) {
    std::printf(
        "{\"model\": \"%s\", \"sessions\": %d, \"target_per_unit\": %.4f, "
        "\"credibility_k\": %g, \"weight\": [%g, %g, %g]}\n",
        args.out.c_str(), model->sessions, model->target_per_unit, model->credibility_k,
        model->weight[0], model->weight[1], model->weight[2]);
  } else {
    std::printf(
        "nowcast model %s: %d sessions (%s), target per unit reserved %.4f, credibility k %g, "
        "weights viewers %g / add-to-cart %g / units %g\n",
        args.out.c_str(), model->sessions, source.c_str(), model->target_per_unit,
        model->credibility_k, model->weight[0], model->weight[1], model->weight[2]);
  }
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
  if (real || args.suite == "douyin") runs.push_back(real_run("douyin", args, &seed));
  if (real || args.suite == "dominicks") runs.push_back(real_run("dominicks", args, &seed));
  if (args.suite == "sim" || args.suite == "all") {
    for (const char* scenario : {"themed", "mega"}) runs.push_back(sim_run(scenario));
  }
  LC_ASSERT(!runs.empty());
  if (auto written = write_results(args.out_dir, runs); !written) {
    exit_with_error(written.error());
  }
  print_runs(runs, args, seed, options);
}

// ---- train / predict / backtest on a sales CSV (docs/forecasting.md, "Sales CSV") ----

struct ModelArgs {
  std::string input, model, out, method = "auto";
  int horizon = 0, period = 0, origins = 3;
};

forecast::SalesTable read_input_or_exit(const std::string& input) {
  auto table = forecast::read_sales_csv(input);
  if (!table) exit_with_error(table.error());
  return std::move(*table);
}

void run_train(const ModelArgs& args, const CliOptions& options) {
  const auto table = read_input_or_exit(args.input);
  forecast::TrainOptions train{args.method, args.horizon, args.period, args.origins};
  auto model = forecast::train_model(table, train);
  if (!model) exit_with_error(model.error());
  if (auto saved = forecast::save_model(*model, args.model); !saved) exit_with_error(saved.error());
  std::map<std::string, int> chosen;
  for (const auto& s : model->series) ++chosen[s.method];
  boost::json::object methods;
  std::string text =
      fmt::format("trained {} series, method {}, horizon {}; chosen:", model->series.size(),
                  model->method, model->horizon);
  for (const auto& [name, count] : chosen) {
    text += fmt::format(" {} {}", name, count);
    methods[name] = count;
  }
  text += fmt::format("\nintervals: {} backtest residuals ({} origins)\nwrote {} (format LCFM {})",
                      model->conformal.residuals, args.origins, args.model, model->version);
  print(options,
        boost::json::object{{"series", model->series.size()},
                            {"method", model->method},
                            {"horizon", model->horizon},
                            {"chosen", methods},
                            {"residuals", model->conformal.residuals},
                            {"model", args.model},
                            {"version", model->version}},
        text);
}

void run_predict(const ModelArgs& args, const CliOptions& options) {
  auto model = forecast::load_model(args.model);
  if (!model) exit_with_error(model.error());
  std::optional<forecast::SalesTable> newer;
  if (!args.input.empty()) newer = read_input_or_exit(args.input);
  auto rows = forecast::predict_model(*model, args.horizon, newer ? &*newer : nullptr);
  if (!rows) exit_with_error(rows.error());
  std::string csv = "series_id,date,step,point,p10,p50,p90\n";
  boost::json::array json_rows;
  for (const auto& r : *rows) {
    csv += fmt::format("{},{},{},{},{},{},{}\n", r.id, forecast::format_iso_day(r.day), r.step,
                       r.point, r.interval.p10, r.interval.p50, r.interval.p90);
    json_rows.push_back(boost::json::object{{"series_id", r.id},
                                            {"date", forecast::format_iso_day(r.day)},
                                            {"step", r.step},
                                            {"point", r.point},
                                            {"p10", r.interval.p10},
                                            {"p50", r.interval.p50},
                                            {"p90", r.interval.p90}});
  }
  if (!args.out.empty()) {
    std::ofstream out(args.out, std::ios::binary | std::ios::trunc);
    out << csv;
    out.flush();
    if (!out) exit_with_error(Error{ErrorCode::io_error, args.out, "cannot write"});
    csv = fmt::format("wrote {} rows to {}", rows->size(), args.out);
  } else if (!csv.empty()) {
    csv.pop_back();  // print() adds the final newline
  }
  print(options, boost::json::object{{"predictions", json_rows}}, csv);
}

void run_backtest(const ModelArgs& args, const CliOptions& options) {
  const auto table = read_input_or_exit(args.input);
  auto scores = forecast::backtest_methods(table, args.origins, args.horizon, args.period);
  if (!scores) exit_with_error(scores.error());
  std::string text = fmt::format(
      "{} series, {} origins, horizon {}\n{:<8} {:>8} {:>7} {:>7} {:>8} {:>8}", table.series.size(),
      args.origins, args.horizon, "method", "sMAPE", "MASE", "WAPE", "points", "seconds");
  boost::json::array json_rows;
  for (const auto& s : *scores) {
    text += fmt::format("\n{:<8} {:>8.3f} {:>7.3f} {:>7.3f} {:>8} {:>8.2f}", s.method, s.smape,
                        s.mase, s.wape, s.points, s.seconds);
    json_rows.push_back(boost::json::object{{"method", s.method},
                                            {"smape", s.smape},
                                            {"mase", s.mase},
                                            {"wape", s.wape},
                                            {"points", s.points},
                                            {"failures", s.failures},
                                            {"seconds", s.seconds}});
  }
  print(options, boost::json::object{{"backtest", json_rows}}, text);
}

void add_model_commands(CLI::App* group, CliOptions& options) {
  auto args = std::make_shared<ModelArgs>();
  auto* train = group->add_subcommand(
      "train", "Fit per-series models (ets, theta, snaive or auto) on a sales CSV and save them");
  train->add_option("--input", args->input, "Sales CSV: series_id,date,sales[,…]")->required();
  train->add_option("--method", args->method, "ets, theta, snaive or auto")
      ->check(CLI::IsMember({"ets", "theta", "snaive", "auto"}))
      ->capture_default_str();
  train->add_option("--horizon", args->horizon, "Steps to forecast (≥ 1)")->required();
  train->add_option("--period", args->period, "Seasonal period (0: from the dates)")
      ->capture_default_str();
  train->add_option("--origins", args->origins, "Rolling origins for intervals / auto, 0 … 10")
      ->capture_default_str();
  train->add_option("--out", args->model, "Model file to write")->required();
  train->callback([args, &options] { run_train(*args, options); });

  auto predict_args = std::make_shared<ModelArgs>();
  auto* predict = group->add_subcommand("predict", "Forecast P10/P50/P90 from a saved model");
  predict->add_option("--model", predict_args->model, "Model file from `forecast train`")
      ->required();
  predict->add_option("--horizon", predict_args->horizon, "Steps (1 … the trained horizon)")
      ->required();
  predict->add_option("--input", predict_args->input,
                      "Sales CSV: forecast only these series, after absorbing newer dates");
  predict->add_option("--out", predict_args->out, "Write the CSV here instead of stdout");
  predict->callback([predict_args, &options] { run_predict(*predict_args, options); });

  auto backtest_args = std::make_shared<ModelArgs>();
  auto* backtest = group->add_subcommand(
      "backtest", "Rolling-origin backtest of snaive, theta, ets and auto on a sales CSV");
  backtest->add_option("--input", backtest_args->input, "Sales CSV")->required();
  backtest->add_option("--origins", backtest_args->origins, "Origins n − k·h, 1 … 10")
      ->capture_default_str();
  backtest->add_option("--horizon", backtest_args->horizon, "Steps per origin (≥ 1)")->required();
  backtest->add_option("--period", backtest_args->period, "Seasonal period (0: from the dates)")
      ->capture_default_str();
  backtest->callback([backtest_args, &options] { run_backtest(*backtest_args, options); });
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
                   "m3, m4-weekly, m4-hourly, stat (those three), douyin, dominicks, real (both), "
                   "sim (nowcaster on the twin's themed and mega sessions) or all")
      ->check(CLI::IsMember(
          {"m3", "m4-weekly", "m4-hourly", "stat", "douyin", "dominicks", "real", "sim", "all"}))
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
  evaluate->add_option("--category", args->category,
                       "M3 only: YEARLY, QUARTERLY, MONTHLY or OTHER");
  evaluate
      ->add_option("--intervals", args->interval_origins,
                   "Rolling origins calibrating the conformal P10/P90 of the competitions' "
                   "submitted method (0: none), 0 … 10")
      ->capture_default_str();
  evaluate->callback([args, &options] { run_evaluate(*args, options); });

  auto fit_args = std::make_shared<NowcastFitArgs>();
  auto* fit = group->add_subcommand(
      "nowcast-fit",
      "Fit the in-session nowcaster (funnel model) and write the model file that `serve` loads "
      "(config \"nowcast\": {\"model_path\"})");
  fit->add_option("--history", fit_args->history_dir,
                  "A twin output folder with sessions.csv and signals.csv (default: simulate)");
  fit->add_option("--scenario", fit_args->scenario, "Twin scenario to simulate without --history")
      ->capture_default_str();
  fit->add_option("--seed", fit_args->seed, "Seed of the simulation")->capture_default_str();
  fit->add_option("--sessions", fit_args->sessions, "Sessions to simulate, 2 … 1000")
      ->capture_default_str();
  fit->add_option("--out", fit_args->out, "Model file to write")->required();
  fit->callback([fit_args, &options] { run_nowcast_fit(*fit_args, options); });
  add_model_commands(group, options);
}

}  // namespace livechain::cli
