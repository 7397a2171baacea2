// The digital twin's commands (src/twin, docs/twin.md):
//   `livechain simulate`: one scenario with a seed → kpis.json, kpis.csv, history/;
//     `--compare A B --seeds X..Y` pairs two policies; `--list`; `--fit-calibration`.
//   `livechain bench twin`: the full mega session, with the SimPy peer.
//   `livechain demo`: a mega session through the durable ledger in compressed time.
// Parsing and printing only; the work is in src/twin.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/command_support.hpp"
#include "server/server.hpp"
#include "store/store.hpp"
#include "twin/demo.hpp"
#include "twin/twin.hpp"

namespace livechain::cli {

namespace {

struct SimulateArgs {
  std::string scenario;
  uint64_t seed = 1;
  std::string out_dir;
  std::vector<std::string> params;
  bool list = false;
  std::string fit_calibration;
  std::string policy = "baseline";
  std::vector<std::string> compare;  // two policy ids
  std::string seeds;                 // "A..B" for --compare
};

void run_compare(const SimulateArgs& args, const twin::Scenario& scenario,
                 const CliOptions& options) {
  if (args.seeds.empty()) {
    exit_usage(Error{ErrorCode::invalid_argument, "seeds", "--compare needs --seeds A..B"});
  }
  auto seeds = twin::parse_seed_range(args.seeds);
  if (!seeds) exit_usage(seeds.error());
  std::fprintf(stderr, "SEEDS=%s\n", args.seeds.c_str());
  auto comparison = twin::compare_policies(
      scenario, args.compare[0], args.compare[1], *seeds, [&](uint64_t done) {
        std::fprintf(stderr, "\r%llu/%llu seeds", static_cast<unsigned long long>(done),
                     static_cast<unsigned long long>(seeds->count()));
      });
  std::fputc('\n', stderr);
  if (!comparison) exit_with_error(comparison.error());
  const auto& c = *comparison;
  boost::json::array rows;
  std::string text = fmt::format(
      "scenario {}, seeds {}..{} (n={}), paired: B − A with a 95% paired t interval\n"
      "A = {}, B = {}\n{:<32} {:>16} {:>16} {:>16}  {}\n",
      c.scenario, c.seeds.first, c.seeds.last, c.seeds.count(), c.policy_a, c.policy_b, "kpi",
      "mean A", "mean B", "B − A", "95% CI");
  for (const auto& k : c.kpis) {
    rows.push_back(boost::json::object{{"kpi", k.name},
                                       {"mean_a", k.mean_a},
                                       {"mean_b", k.mean_b},
                                       {"mean_diff", k.mean_diff},
                                       {"ci95_low", k.ci_low},
                                       {"ci95_high", k.ci_high}});
    const bool differs = k.ci_low > 0 || k.ci_high < 0;
    text += fmt::format("{:<32} {:>16.4f} {:>16.4f} {:>+16.4f}  [{:+.4f}, {:+.4f}]{}\n", k.name,
                        k.mean_a, k.mean_b, k.mean_diff, k.ci_low, k.ci_high, differs ? " *" : "");
  }
  text += "* the interval excludes 0";
  const boost::json::object json{{"scenario", c.scenario},
                                 {"policy_a", c.policy_a},
                                 {"policy_b", c.policy_b},
                                 {"seed_first", c.seeds.first},
                                 {"seed_last", c.seeds.last},
                                 {"method", "paired t, 95%"},
                                 {"kpis", rows}};
  print(options, json, text);
}

void list_scenarios(const CliOptions& options) {
  boost::json::array json;
  std::string text;
  for (const auto& id : twin::scenario_ids()) {
    const auto scenario = twin::find_scenario(id);
    json.push_back(boost::json::object{
        {"id", id}, {"base", scenario->base_id}, {"summary", scenario->summary}});
    text += fmt::format("{:<22} (vs {:<5}) {}\n", id, scenario->base_id, scenario->summary);
  }
  if (!text.empty()) text.pop_back();
  print(options, json, text);
}

void fit_calibration(const std::string& path) {
  auto sessions = twin::read_douyin_sessions(path);
  if (!sessions) exit_with_error(sessions.error());
  std::fputs(twin::calibration_header(twin::fit_hosts(*sessions)).c_str(), stdout);
}

void run_simulate(const SimulateArgs& args, const CliOptions& options) {
  if (args.list) return list_scenarios(options);
  if (!args.fit_calibration.empty()) return fit_calibration(args.fit_calibration);
  if (args.scenario.empty()) {
    exit_with_error(Error{ErrorCode::invalid_argument, "scenario", "--scenario is required"});
  }
  if (args.out_dir.empty() && args.compare.empty()) {
    exit_with_error(Error{ErrorCode::invalid_argument, "out", "--out is required"});
  }
  auto scenario = twin::find_scenario(args.scenario);
  if (!scenario) exit_with_error(scenario.error());
  twin::RunConfig config{*scenario, args.seed, args.policy};
  for (const auto& assignment : args.params) {
    auto set = twin::set_param(config.scenario, assignment);
    if (!set) exit_with_error(set.error());
  }
  if (!args.compare.empty()) return run_compare(args, config.scenario, options);
  const auto ids = twin::policy_ids();
  if (std::find(ids.begin(), ids.end(), args.policy) == ids.end()) {
    exit_with_error(
        Error{ErrorCode::not_found, "policy",
              fmt::format("unknown policy '{}'; known: {}", args.policy, fmt::join(ids, ", "))});
  }
  std::fprintf(stderr, "SEED=%llu\n", static_cast<unsigned long long>(args.seed));
  auto result = twin::run(config);
  if (!result) {
    std::fprintf(stderr, "reproduce with: livechain simulate --scenario %s --seed %llu\n",
                 args.scenario.c_str(), static_cast<unsigned long long>(args.seed));
    exit_with_error(result.error());
  }
  auto written = twin::write_outputs(args.out_dir, config, *result);
  if (!written) exit_with_error(written.error());
  const auto& k = result->kpis;
  const std::string text = fmt::format(
      "scenario {} seed {}: {} orders, fill rate {:.4f}, stockout {} SKU-min, oversold {}, "
      "lost {} units, fulfilment p50/p95 {:.1f}/{:.1f} h, returns {} units\nwrote {}/kpis.json, "
      "kpis.csv, history/",
      config.scenario.id, config.seed, k.orders, k.fill_rate, k.stockout_sku_minutes,
      k.oversold_units, k.lost_sales_units, k.fulfilment_hours_p50, k.fulfilment_hours_p95,
      k.returned_units, args.out_dir);
  print(options, boost::json::parse(twin::kpis_json(config, k)), text);
}

// ---- livechain bench twin ----

struct BenchTwinArgs {
  uint64_t seed = 1;
  bool no_peer = false;
  double peer_scale = 0.02;
  std::string peer_script = LIVECHAIN_TWIN_SIMPY_PEER;
};

struct PeerFigures {
  double orders_per_s = 0;      // 0: skipped
  double orders_per_cpu_s = 0;  // 0: not reported
};

double cpu_seconds() {
  struct rusage usage = {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Runs the SimPy peer; returns its figures (zeros when skipped, with a note printed).
PeerFigures run_simpy_peer(const BenchTwinArgs& args) {
  const char* python = "/usr/bin/python3";
  const std::string probe = fmt::format(
      "{} -c 'import simpy' 2>/dev/null || {} -c 'import "
      "SimPy.Simulation' 2>/dev/null",
      python, python);
  if (std::system(probe.c_str()) != 0) {
    std::printf(
        "peer: skipped — SimPy is not installed for %s (apt-get install -y "
        "python3-simpy)\n",
        python);
    return {};
  }
  const std::string command = fmt::format("{} {} --seed {} --scale {} 2>/dev/null", python,
                                          args.peer_script, args.seed, args.peer_scale);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    std::printf("peer: skipped — cannot run %s\n", command.c_str());
    return {};
  }
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  double orders_per_s = 0;
  const size_t last = output.find_last_of('\n', output.size() - 2);
  const std::string last_line = output.substr(last == std::string::npos ? 0 : last + 1);
  if (status != 0 || std::sscanf(last_line.c_str(), "%lf simulated orders/s", &orders_per_s) != 1) {
    std::printf("peer: failed (exit %d): %s\n", status, output.c_str());
    return {};
  }
  PeerFigures figures{orders_per_s, 0};
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::printf("peer: %s\n", line.c_str());
    const size_t at = line.find(" s, ", line.find("cpu "));
    if (line.starts_with("wall ") && at != std::string::npos) {
      std::sscanf(line.c_str() + at + 4, "%lf orders/cpu-s", &figures.orders_per_cpu_s);
    }
  }
  return figures;
}

void run_bench_twin(const BenchTwinArgs& args) {
  std::fprintf(stderr, "SEED=%llu\n", static_cast<unsigned long long>(args.seed));
  auto scenario = twin::find_scenario("mega");
  if (!scenario) exit_with_error(scenario.error());
  twin::RunConfig config{*scenario, args.seed};
  for (const char* assignment : {"scale=1", "peak_orders_per_min=150000", "duration_minutes=180"}) {
    auto set = twin::set_param(config.scenario, assignment);
    if (!set) exit_with_error(set.error());
  }
  std::printf(
      "twin: mega session, 180 min, peak 150,000 orders/min, seed %llu, engine in-process\n",
      static_cast<unsigned long long>(args.seed));
  std::fflush(stdout);
  const auto started = std::chrono::steady_clock::now();
  const double cpu_started_s = cpu_seconds();
  auto result = twin::run(config);
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu_s = cpu_seconds() - cpu_started_s;
  if (!result) exit_with_error(result.error());
  const auto& k = result->kpis;
  struct rusage usage = {};
  ::getrusage(RUSAGE_SELF, &usage);
  const double orders_per_s = static_cast<double>(k.orders) / elapsed_s;
  std::printf(
      "twin: %llu orders (peak %.0f/min), %llu engine commands, %llu events, oversold %lld, "
      "fill rate %.4f\n"
      "twin: %.2f s wall, %.2f s cpu, %.0f engine commands/s, max RSS %ld MB\n",
      static_cast<unsigned long long>(k.orders), k.peak_orders_per_min,
      static_cast<unsigned long long>(k.engine_commands),
      static_cast<unsigned long long>(k.engine_events), static_cast<long long>(k.oversold_units),
      k.fill_rate, elapsed_s, cpu_s, static_cast<double>(k.engine_commands) / elapsed_s,
      usage.ru_maxrss / 1024);
  if (args.no_peer) {
    std::printf("peer: skipped (--no-peer)\n");
  } else {
    std::fflush(stdout);
    const PeerFigures peer = run_simpy_peer(args);
    if (peer.orders_per_s > 0) {
      std::printf("ratio: twin %.0f / SimPy %.0f simulated orders/s = %.1fx (SimPy at scale %g)\n",
                  orders_per_s, peer.orders_per_s, orders_per_s / peer.orders_per_s,
                  args.peer_scale);
    }
    if (peer.orders_per_cpu_s > 0) {
      // CPU time is steadier than wall time on a shared machine.
      const double twin_per_cpu_s = static_cast<double>(k.orders) / cpu_s;
      std::printf("ratio (cpu time): twin %.0f / SimPy %.0f orders per cpu-second = %.1fx\n",
                  twin_per_cpu_s, peer.orders_per_cpu_s, twin_per_cpu_s / peer.orders_per_cpu_s);
    }
  }
  std::printf("%.0f simulated orders/s\n", orders_per_s);
}

void add_bench_twin_command(CLI::App& root) {
  // `bench` is registered by bench_commands.cpp (add_bench_commands runs first).
  CLI::App* bench = root.get_subcommand("bench");
  auto args = std::make_shared<BenchTwinArgs>();
  auto* cmd = bench->add_subcommand(
      "twin", "Simulate a 3-hour mega session (150,000 orders/min peak) and compare with SimPy");
  cmd->add_option("--seed", args->seed, "Seed of the simulated session")->capture_default_str();
  cmd->add_flag("--no-peer", args->no_peer, "Skip the SimPy peer");
  cmd->add_option("--peer-scale", args->peer_scale,
                  "Scale of the SimPy peer's session (it is ~20x slower)")
      ->capture_default_str();
  cmd->add_option("--peer-script", args->peer_script, "The SimPy model")->capture_default_str();
  cmd->callback([args] { run_bench_twin(*args); });
}

// ---- livechain demo ----

std::atomic<bool> g_demo_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // set from a signal handler
extern "C" void on_demo_signal(int) {
  g_demo_stop.store(true);
}

struct DemoArgs {
  std::string db = "livechain-data/demo.db";
  std::string transport = "http";
  std::string listen = "127.0.0.1:0";
  bool serve_after = false;  // keep the server (and its dashboard) up until Ctrl-C
  twin::DemoOptions options;
};

// How to run this very binary when pasted into a shell: its absolute path (the build
// tree's livechain is rarely on the PATH), else plain "livechain".
std::string self_command() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("livechain") : path.string();
}

// The demo's way to the ledger: by default the real server, started in-process on the
// demo database with a simulated clock, reached over HTTP like any integration.
struct DemoBackend {
  ManualClock clock{0};
  std::unique_ptr<server::Server> server;
  std::unique_ptr<twin::CommandTransport> transport;
  std::string url;
  std::string api_key;
};

Result<std::unique_ptr<DemoBackend>> open_demo_backend(const DemoArgs& args) {
  auto backend = std::make_unique<DemoBackend>();
  if (args.transport == "in-process") {
    LC_TRY(transport, twin::open_sequencer_transport(args.db));
    backend->transport = std::move(transport);
    return backend;
  }
  if (args.transport != "http") {
    return fail(ErrorCode::invalid_argument, "transport", "must be http or in-process");
  }
  // Creates the database when missing (and closes it again for the server to open).
  if (auto created = twin::open_sequencer_transport(args.db); !created) {
    return std::unexpected(created.error());
  }
  LC_TRY(listen, parse_listen(args.listen));
  LC_TRY(keys, store::ApiKeyStore::open(args.db));
  LC_TRY(key, keys->create("admin", "livechain demo", SystemClock().now_ms()));
  backend->api_key = key;
  server::ServerOptions options;
  options.db_path = args.db;
  options.listen_host = listen.first;
  options.listen_port = listen.second;
  options.clock = &backend->clock;
  LC_TRY(server, server::Server::start(options));
  backend->server = std::move(server);
  backend->url = fmt::format("http://{}:{}", options.listen_host, backend->server->port());
  LC_TRY(transport, twin::open_http_transport(options.listen_host, backend->server->port(),
                                              backend->api_key, backend->clock));
  backend->transport = std::move(transport);
  return backend;
}

void print_demo_summary(const DemoArgs& args, const twin::DemoResult& result) {
  const auto& f = result.last;
  std::string text = fmt::format(
      "\n{} after {:02d}:{:02d} of the session ({:.0f} s wall): {} orders, {} paid, fill rate "
      "{:.2f}%, {} units sold, {} lost, GMV {:.0f} CNY, {} transfers, {} engine commands, {} "
      "unexpected replies\n",
      result.interrupted ? "Stopped (Ctrl-C)" : "Done", f.minute / 60, f.minute % 60, f.wall_s,
      f.orders, f.orders_committed, f.fill_rate * 100, f.units_sold, f.units_lost, f.gmv_cny,
      f.transfers, f.commands, f.unexpected_replies);
  const std::string gtin = f.top_skus.empty() ? "GTIN" : f.top_skus.front().gtin;
  text += fmt::format("Everything above is in the durable journal at {}. Query it:\n", args.db);
  const std::string self = self_command();
  std::error_code error;
  const auto absolute_db = std::filesystem::absolute(args.db, error);
  const std::string db = error ? args.db : absolute_db.string();
  const std::pair<std::string, const char*> hints[] = {
      {fmt::format("{} stock show --db {} --gtin {}", self, db, gtin), "balances of the top SKU"},
      {fmt::format("{} stock show --db {}", self, db), "every balance"},
      {fmt::format("{} ledger verify --db {}", self, db), "checksums, Merkle roots, signatures"},
      {fmt::format("{} ledger root --db {}", self, db), "the signed tree head"},
  };
  size_t width = 0;
  for (const auto& [command, _] : hints) width = std::max(width, command.size());
  for (const auto& [command, why] : hints) {
    text += fmt::format("  {:<{}}  # {}\n", command, width, why);
  }
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

void run_demo_command(const DemoArgs& args) {
  std::fprintf(stderr, "SEED=%llu\n", static_cast<unsigned long long>(args.options.seed));
  if (auto checked = twin::check_demo_options(args.options); !checked) {
    exit_with_error(checked.error());
  }
  // A bad --listen is a usage error, refused before the database is created.
  if (auto listen = parse_listen(args.listen); !listen) exit_usage(listen.error());
  auto backend = open_demo_backend(args);
  if (!backend) exit_with_error(backend.error());
  twin::CommandTransport* transport = (*backend)->transport.get();
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  std::string api_line;
  if ((*backend)->server) {
    api_line = fmt::format(
        "server  {} (livechain serve, in-process; every order goes over HTTP)\n"
        "key     {}\n"
        "ui      {}/ui/#token={}\n"
        "try     curl -H 'Authorization: Bearer <key>' {}/v1/stock/<GTIN>\n",
        (*backend)->url, (*backend)->api_key, (*backend)->url, (*backend)->api_key,
        (*backend)->url);
    if (!tty) std::fputs(api_line.c_str(), stdout);
  }
  g_demo_stop.store(false);
  struct sigaction action = {};
  action.sa_handler = on_demo_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction previous = {};
  sigaction(SIGINT, &action, &previous);
  sigaction(SIGTERM, &action, nullptr);
  if (!tty) {
    std::printf("demo: database %s, seed %llu, scale %g, speed %gx\n", args.db.c_str(),
                static_cast<unsigned long long>(args.options.seed), args.options.scale,
                args.options.speed);
  }
  auto result = twin::run_demo(
      args.options, *transport,
      [tty, &api_line](const twin::DemoFrame& frame) {
        const std::string text = twin::render_frame(frame, tty);
        if (tty) std::fputs(("\033[H\033[2J" + api_line).c_str(), stdout);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
      },
      g_demo_stop);
  transport->close();  // drains the sequencer: everything sent is durable
  if ((*backend)->server && args.serve_after && result && !result->interrupted) {
    // The session is over; the server stays up so a person can look around the
    // dashboard, until Ctrl-C. Read-only CLI commands work meanwhile (ledger, stock).
    print_demo_summary(args, *result);
    std::printf("\nThe server stays up: dashboard %s/ui/#token=%s — Ctrl-C stops it.\n",
                (*backend)->url.c_str(), (*backend)->api_key.c_str());
    std::fflush(stdout);
    while (!g_demo_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*backend)->server->stop();
    sigaction(SIGINT, &previous, nullptr);
    signal(SIGTERM, SIG_DFL);
    return;
  }
  if ((*backend)->server) (*backend)->server->stop();  // answers, commits, closes the database
  sigaction(SIGINT, &previous, nullptr);
  signal(SIGTERM, SIG_DFL);
  if (!result) exit_with_error(result.error());
  print_demo_summary(args, *result);
}

void add_demo_command(CLI::App& root) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = root.add_subcommand(
      "demo", "Replay a simulated mega session in compressed real time through the durable ledger");
  cmd->add_option("--db", args->db, "Database (created if missing)")->capture_default_str();
  cmd->add_option("--speed", args->options.speed,
                  "Simulated seconds per wall second (60: 3 h in 3 min)")
      ->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Seed of the brand and the session")
      ->capture_default_str();
  cmd->add_option("--scale", args->options.scale,
                  "Share of the 150,000 orders/min mega peak (0.01: 1,500/min)")
      ->capture_default_str();
  cmd->add_option("--minutes-max", args->options.minutes_max,
                  "Stop after this many session minutes (0: the whole session)");
  cmd->add_option("--duration-minutes", args->options.duration_minutes, "Session length")
      ->capture_default_str();
  cmd->add_option("--surge", args->options.surge_factor,
                  "The first agenda SKU sells this many times its plan (1: no surprise)")
      ->capture_default_str();
  cmd->add_option("--policy", args->options.policy,
                  "Stocking policy: baseline, pre-position, planned")
      ->capture_default_str();
  cmd->add_option("--transport", args->transport,
                  "http: through `livechain serve` started in-process (the path integrations "
                  "use); in-process: the sequencer directly")
      ->capture_default_str();
  cmd->add_option("--listen", args->listen, "HOST:PORT of the demo's server (port 0: any free)")
      ->capture_default_str();
  cmd->add_flag("--serve-after", args->serve_after,
                "After the session, keep the server and its dashboard (/ui/) up until Ctrl-C");
  cmd->callback([args] { run_demo_command(*args); });
}

}  // namespace

void add_twin_commands(CLI::App& root, CliOptions& options) {
  auto args = std::make_shared<SimulateArgs>();
  auto* cmd = root.add_subcommand(
      "simulate", "Run a digital-twin scenario (docs/scenarios.md) and write KPIs and history");
  cmd->add_option("--scenario", args->scenario, "Scenario id, e.g. daily, mega, surge-15x");
  cmd->add_option("--seed", args->seed, "Seed: the run is a pure function of it");
  cmd->add_option("--out", args->out_dir, "Output folder (created)");
  cmd->add_option("--param", args->params, "Override a scenario parameter: KEY=VALUE (repeat)");
  cmd->add_flag("--list", args->list, "List the scenarios");
  cmd->add_option("--policy", args->policy,
                  "Stocking/replenishment policy: baseline, pre-position, planned");
  cmd->add_option("--compare", args->compare, "Compare two policies A B over --seeds (paired)")
      ->expected(2);
  cmd->add_option("--seeds", args->seeds, "Seed range for --compare, e.g. 1..20");
  cmd->add_option("--fit-calibration", args->fit_calibration,
                  "Print src/twin/calibration_douyin.hpp fitted from sessions.csv.gz");
  cmd->callback([args, &options] { run_simulate(*args, options); });
  add_demo_command(root);
  add_bench_twin_command(root);
}

}  // namespace livechain::cli
