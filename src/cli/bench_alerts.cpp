// `livechain bench alerts`: alert evaluation lag — from a live signal in to its alert
// durable in the journal — at a given signal rate (issue 11: p99 ≤ 1 s at 10,000
// signals/s). Each step of the server's worker path runs as the worker runs it: the
// due signals are appended to the signal store (one transaction, as POST /v1/events
// does), then the rules (alerts::SignalRules) evaluate them on one thread, and every
// alert they raise goes through the durable Sequencer (group commit, fsync). The mix
// has add-to-carts, orders and in-session comments ("limited stock", "bigger size")
// that move the nowcast of every SKU of their session; with --nowcast-model the orange
// rule runs on the minute-level nowcaster (funnel) and viewers readings join the mix,
// else on plan_uplift (docs/alerts.md "The nowcast"). The lag of an alert is measured
// from its signal's scheduled arrival time (so a generator falling behind counts as
// lag) to the alert's durable completion. Not measured here: HTTP parsing (bench/http
// covers the HTTP path).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "alerts/alerts.hpp"
#include "cli/command_support.hpp"
#include "engine/sequencer.hpp"

namespace livechain::cli {

namespace {
using Clock = std::chrono::steady_clock;

struct AlertBenchArgs {
  double rate_per_s = 10'000;
  double seconds = 10;
  int hot_keys = 200;  // (session, SKU) pairs receiving the signals each second
  uint64_t seed = 1;
  std::string nowcast_model;  // a file of `livechain forecast nowcast-fit`; empty: plan_uplift
};

double percentile_ms(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  size_t at = static_cast<size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(at), values.end());
  return values[at];
}

void run_alert_bench(const AlertBenchArgs& a, const CliOptions& options) {
  if (a.rate_per_s <= 0 || a.rate_per_s > 1e6) {
    exit_with_error(Error{ErrorCode::invalid_argument, "rate", "must be within (0, 1e6]"});
  }
  if (a.seconds <= 0 || a.seconds > 3600) {
    exit_with_error(Error{ErrorCode::invalid_argument, "seconds", "must be within (0, 3600]"});
  }
  const std::string db = create_bench_database("alerts");
  auto ledger = open_writer(db);
  SystemClock clock;
  engine::Sequencer sequencer(ledger->engine_for_sequencer(), &ledger->journal(), clock);
  sequencer.start();
  auto signal_store = store::SignalStore::open(db);
  if (!signal_store) exit_with_error(signal_store.error());

  alerts::RuleOptions rule_options;
  rule_options.rate_window_ms = 5'000;
  std::optional<forecast::NowcastModel> model;
  if (!a.nowcast_model.empty()) {
    auto loaded = forecast::load_nowcast_model(a.nowcast_model);
    if (!loaded) exit_with_error(loaded.error());
    model = std::move(*loaded);
  }
  const bool funnel = model.has_value();
  alerts::SignalRules rules(rule_options, std::move(model));
  const int keys_total = static_cast<int>(a.hot_keys * (a.seconds + 1));
  // Peak 40 add-to-carts per 5 s: a hot key (rate / hot_keys per second) crosses 80% of
  // it within a second; forecast 20 units: its orders cross 120% soon after (funnel:
  // the projection of a 4-hour session that sells a few units a second passes 24).
  for (int k = 0; k < keys_total; ++k) {
    rules.set_plan(fmt::format("s{}", k / 50), fmt::format("sku-{}", k), 20, 40);
    if (k % 50 == 0) rules.set_session(fmt::format("s{}", k / 50), 0, 240, 0);
  }
  std::mutex lag_mutex;
  std::vector<double> lags_ms;  // GUARDED_BY(lag_mutex)
  std::atomic<uint64_t> failed{0};
  std::mt19937_64 random(a.seed);
  auto started = Clock::now();
  uint64_t emitted = 0;
  uint64_t comments = 0;
  uint64_t viewer_readings = 0;
  const auto total = static_cast<uint64_t>(a.rate_per_s * a.seconds);
  while (emitted < total) {
    double elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
    auto due = std::min(total, static_cast<uint64_t>(elapsed_s * a.rate_per_s));
    if (due <= emitted) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    std::vector<engine::Command> commands;
    std::vector<Clock::time_point> scheduled;
    std::vector<store::LiveSignal> batch;
    std::vector<double> batch_at_s;
    for (; emitted < due; ++emitted) {
      double at_s = static_cast<double>(emitted) / a.rate_per_s;
      int second = static_cast<int>(at_s);
      int key =
          second * a.hot_keys + static_cast<int>(random() % static_cast<uint64_t>(a.hot_keys));
      store::LiveSignal signal;
      uint64_t pick = random() % 20;
      signal.session_id = fmt::format("s{}", key / 50);
      signal.at_ms = static_cast<TimeMs>(at_s * 1000);
      signal.quantity = 1;
      if (pick == 0) {  // 5%: a comment moving the session's nowcast
        signal.kind = "comment";
        signal.text = random() % 2 == 0 ? "limited stock, hurry" : "any bigger size?";
        ++comments;
      } else if (funnel && pick == 1) {  // 5% with the nowcaster: a session viewers reading
        signal.kind = "viewers";
        signal.quantity = 1'000 + static_cast<int64_t>(random() % 1'000);
        ++viewer_readings;
      } else {
        signal.kind = pick <= 5 ? "order" : "add_to_cart";
        signal.gtin = fmt::format("sku-{}", key);
      }
      batch.push_back(std::move(signal));
      batch_at_s.push_back(at_s);
    }
    // As the server's worker: store the signals durably, then evaluate them.
    auto stored = (*signal_store)->append(batch, clock.now_ms());
    if (!stored) exit_with_error(stored.error());
    for (size_t i = 0; i < batch.size(); ++i) {
      for (engine::RaiseAlert& alert : rules.on_signal(batch[i])) {
        commands.emplace_back(std::move(alert));
        scheduled.push_back(started + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(batch_at_s[i])));
      }
    }
    if (commands.empty()) continue;
    auto submitted = sequencer.submit(std::move(commands), [&lag_mutex, &lags_ms, &failed,
                                                            scheduled](engine::Replies&& replies) {
      auto done = Clock::now();
      std::lock_guard lock(lag_mutex);
      for (size_t i = 0; i < replies.size(); ++i) {
        if (!replies[i]) {
          ++failed;
          continue;
        }
        lags_ms.push_back(std::chrono::duration<double, std::milli>(done - scheduled[i]).count());
      }
    });
    if (!submitted) exit_with_error(submitted.error());
  }
  sequencer.stop();
  signal_store->reset();
  double elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  ledger.reset();
  std::filesystem::remove_all(std::filesystem::path(db).parent_path());
  std::vector<double> lags = lags_ms;
  double p50 = percentile_ms(lags, 0.50), p99 = percentile_ms(lags, 0.99);
  double max = lags.empty() ? 0 : *std::max_element(lags.begin(), lags.end());
  boost::json::object json{
      {"signals", total},
      {"signals_per_s", static_cast<double>(total) / elapsed_s},
      {"alerts", lags.size()},
      {"alerts_failed", failed.load()},
      {"lag_ms_p50", p50},
      {"lag_ms_p99", p99},
      {"lag_ms_max", max},
      {"seed", a.seed},
      {"comments", comments},
      {"viewer_readings", viewer_readings},
      {"nowcast_method", funnel ? alerts::kNowcastFunnel : alerts::kNowcastPlanUplift}};
  std::string text = fmt::format(
      "alerts bench (signals stored, rules, alerts durable; fsync per group commit; nowcast "
      "{}): {} signals ({} comments, {} viewers readings) in {:.2f} s = {:.0f} signals/s; {} "
      "alerts raised ({} failed)\n"
      "evaluation lag, signal in -> alert durable: p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms "
      "(target p99 <= 1000 ms)",
      funnel ? alerts::kNowcastFunnel : alerts::kNowcastPlanUplift, total, comments,
      viewer_readings, elapsed_s, static_cast<double>(total) / elapsed_s, lags.size(),
      failed.load(), p50, p99, max);
  print(options, json, text);
}
}  // namespace

void add_alert_bench(CLI::App& root, CliOptions& options) {
  CLI::App* bench = root.get_subcommand("bench");
  auto a = std::make_shared<AlertBenchArgs>();
  auto* alerts = bench->add_subcommand("alerts", "Alert evaluation lag at a signal rate");
  alerts->add_option("--rate", a->rate_per_s, "Signals per second")->capture_default_str();
  alerts->add_option("--seconds", a->seconds, "Measured duration")->capture_default_str();
  alerts->add_option("--hot-keys", a->hot_keys, "(session, SKU) pairs hot each second")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  alerts->add_option("--seed", a->seed)->capture_default_str();
  alerts->add_option("--nowcast-model", a->nowcast_model,
                     "Nowcast model file (livechain forecast nowcast-fit): the orange rule on the "
                     "funnel nowcaster; default plan_uplift");
  alerts->callback([a, &options] { run_alert_bench(*a, options); });
}

}  // namespace livechain::cli
