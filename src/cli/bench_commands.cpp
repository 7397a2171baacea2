// `livechain bench ledger`: drives reserve → commit | release through the Sequencer
// in-process and prints throughput, group-commit batch size and commit latency.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "cli/bench_sqlite_peer.hpp"
#include "cli/command_support.hpp"
#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "engine/sequencer.hpp"

namespace livechain::cli {

using namespace livechain::engine;

namespace {

constexpr int kBenchSkus = 1000;
constexpr int kBenchRegions = 4;
constexpr size_t kReservesPerSubmission = 512;
// In flight = this many submissions of 512 (like that many concurrent clients): enough to
// cover two group commits of latency, or throughput is bounded by the window, not the engine.
constexpr int kSubmissionsInFlightMax = 512;

struct BenchArgs {
  double seconds = 10;
  bool memory = false;
  bool durable = false;
  bool no_peer = false;
  std::string db;
  uint64_t seed = 1;
};

std::string bench_gtin(int index) {
  return synthetic_gtin(2000000000000LL, index);
}

// Catalog: 1,000 SKUs stocked at 3 DCs, 6 front warehouses and 3 stores in 4 regions.
std::vector<Command> bench_catalog() {
  std::vector<Command> commands;
  commands.push_back(PutChannel{"live-1", ChannelKind::live_room});
  for (int a = 0; a < kBenchRegions; ++a) {
    for (int b = a + 1; b < kBenchRegions; ++b) {
      commands.push_back(PutRegionDistance{fmt::format("r{}", a), fmt::format("r{}", b),
                                           static_cast<uint32_t>(100 * (b - a))});
    }
  }
  std::vector<std::pair<std::string, LocationKind>> locations;
  for (int i = 0; i < 3; ++i) locations.emplace_back(fmt::format("DC-{}", i), LocationKind::dc);
  for (int i = 0; i < 6; ++i) {
    locations.emplace_back(fmt::format("FW-{}", i), LocationKind::front_warehouse);
  }
  for (int i = 0; i < 3; ++i) locations.emplace_back(fmt::format("ST-{}", i), LocationKind::store);
  for (size_t i = 0; i < locations.size(); ++i) {
    commands.push_back(PutLocation{locations[i].first, locations[i].second,
                                   fmt::format("r{}", i % kBenchRegions)});
  }
  for (int sku = 0; sku < kBenchSkus; ++sku) {
    commands.push_back(PutSku{bench_gtin(sku), fmt::format("bench sku {}", sku)});
    for (const auto& location : locations) {
      commands.push_back(ReceiveStock{bench_gtin(sku), location.first, kLineQtyMax});
    }
  }
  return commands;
}

struct Counters {
  std::atomic<uint64_t> reserves_ok{0}, reserves_rejected{0}, commits{0}, releases{0};
  std::atomic<int> in_flight{0};
  std::mutex follow_up_mutex;
  std::vector<std::vector<Command>> follow_ups;  // GUARDED_BY(follow_up_mutex)
};

const std::vector<std::string>& bench_gtins() {
  static const std::vector<std::string> gtins = [] {
    std::vector<std::string> out;
    for (int sku = 0; sku < kBenchSkus; ++sku) out.push_back(bench_gtin(sku));
    return out;
  }();
  return gtins;
}

std::vector<Command> make_reserves(std::mt19937_64& random, uint64_t& order_counter) {
  static const std::array<std::string, kBenchRegions> regions = {"r0", "r1", "r2", "r3"};
  std::vector<Command> commands;
  commands.reserve(kReservesPerSubmission);
  for (size_t i = 0; i < kReservesPerSubmission; ++i) {
    Reserve reserve;
    reserve.order_id = fmt::format("o{}", ++order_counter);
    reserve.channel_id = "live-1";
    reserve.buyer_region = regions[random() % kBenchRegions];
    reserve.lines.push_back(LineRequest{bench_gtins()[random() % kBenchSkus],
                                        1 + static_cast<int64_t>(random() % 3), std::nullopt});
    reserve.ttl_ms = 60'000;
    commands.push_back(std::move(reserve));
  }
  return commands;
}

// Runs on the journal thread after durability: count, then queue commit (9 in 10) or
// release (1 in 10) of each new reservation for the driver to submit.
void on_reserves_durable(Counters& counters, Replies&& replies) {
  std::vector<Command> follow_up;
  follow_up.reserve(replies.size());
  for (auto& reply : replies) {
    if (!reply) {
      counters.reserves_rejected.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    uint64_t id = std::get<ReservationView>(*reply).reservation_id;
    counters.reserves_ok.fetch_add(1, std::memory_order_relaxed);
    if (id % 10 == 0) {
      follow_up.push_back(Release{id});
    } else {
      follow_up.push_back(Commit{id, {}});
    }
  }
  std::lock_guard lock(counters.follow_up_mutex);
  counters.follow_ups.push_back(std::move(follow_up));
}

void on_resolutions_durable(Counters& counters, Replies&& replies) {
  for (auto& reply : replies) {
    if (!reply) continue;
    auto status = std::get<ReservationView>(*reply).status;
    (status == ReservationStatus::committed ? counters.commits : counters.releases)
        .fetch_add(1, std::memory_order_relaxed);
  }
}

void drive(Sequencer& sequencer, Counters& counters, double seconds, uint64_t seed) {
  std::mt19937_64 random(seed);
  uint64_t order_counter = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::vector<Command>> follow_ups;
    {
      std::lock_guard lock(counters.follow_up_mutex);
      follow_ups.swap(counters.follow_ups);
    }
    for (auto& commands : follow_ups) {
      if (commands.empty()) continue;
      counters.in_flight.fetch_add(1);
      auto ok = sequencer.submit(std::move(commands), [&counters](Replies&& replies) {
        on_resolutions_durable(counters, std::move(replies));
        counters.in_flight.fetch_sub(1);
        counters.in_flight.notify_one();
      });
      LC_ASSERT(ok.has_value());
    }
    int in_flight = counters.in_flight.load();
    if (in_flight >= kSubmissionsInFlightMax) {
      // Sleep until a completion lowers the count (no spinning: the engine and journal
      // threads need both cores).
      counters.in_flight.wait(in_flight);
      continue;
    }
    counters.in_flight.fetch_add(1);
    auto ok =
        sequencer.submit(make_reserves(random, order_counter), [&counters](Replies&& replies) {
          on_reserves_durable(counters, std::move(replies));
          counters.in_flight.fetch_sub(1);
          counters.in_flight.notify_one();
        });
    if (!ok) {  // busy: the queue is full; wait for a completion
      int now_in_flight = counters.in_flight.fetch_sub(1) - 1;
      if (now_in_flight > 0) counters.in_flight.wait(now_in_flight);
    }
  }
}

uint32_t percentile(std::vector<uint32_t> samples, double fraction) {
  if (samples.empty()) return 0;
  size_t index = std::min(samples.size() - 1, static_cast<size_t>(fraction * samples.size()));
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(index), samples.end());
  return samples[index];
}

void run_ledger_bench(const BenchArgs& args, const CliOptions& options);

// Loads the catalog through the sequencer (group commit) and waits until it is durable;
// exits on any rejected command.
void load_catalog(Sequencer& sequencer) {
  std::vector<Command> all = bench_catalog();
  std::atomic<size_t> pending{0};
  std::atomic<bool> failed{false};
  for (size_t start = 0; start < all.size(); start += kReservesPerSubmission) {
    size_t end = std::min(all.size(), start + kReservesPerSubmission);
    std::vector<Command> chunk(std::make_move_iterator(all.begin() + static_cast<long>(start)),
                               std::make_move_iterator(all.begin() + static_cast<long>(end)));
    pending.fetch_add(1);
    auto ok = sequencer.submit(std::move(chunk), [&](Replies&& replies) {
      for (auto& reply : replies) {
        if (!reply) failed.store(true);
      }
      pending.fetch_sub(1);
      pending.notify_one();
    });
    if (!ok) exit_with_error(ok.error());
  }
  for (size_t now = pending.load(); now > 0; now = pending.load()) pending.wait(now);
  if (failed.load()) exit_with_error(Error{ErrorCode::invalid_state, "catalog", "setup failed"});
}

}  // namespace

void add_bench_commands(CLI::App& root, CliOptions& options) {
  auto* bench =
      root.add_subcommand("bench", "Benchmarks that print their figures")->require_subcommand(1);
  auto args = std::make_shared<BenchArgs>();
  auto* ledger = bench->add_subcommand(
      "ledger", "Reserve → commit/release through the single-writer sequencer");
  ledger->add_option("--seconds", args->seconds, "Measured duration")->capture_default_str();
  auto* memory = ledger->add_flag("--memory", args->memory, "No journal: engine only");
  ledger->add_flag("--durable", args->durable, "Journal with fsync per batch (default)")
      ->excludes(memory);
  ledger->add_option("--db", args->db, "Database to create (default: a temp file, removed)");
  ledger->add_option("--seed", args->seed)->capture_default_str();
  ledger->add_flag("--no-peer", args->no_peer, "Skip the SQLite peer run (durable mode)");
  ledger->callback([args, &options] { run_ledger_bench(*args, options); });
}

namespace {

void run_ledger_bench(const BenchArgs& args, const CliOptions& options) {
  if (args.seconds <= 0 || args.seconds > 3600) {
    exit_with_error(Error{ErrorCode::invalid_argument, "seconds", "must be within (0, 3600]"});
  }
  std::string dir;
  std::string db = args.db;
  if (db.empty()) {
    char pattern[] = "/tmp/livechain-bench-XXXXXX";
    dir = mkdtemp(pattern);
    db = dir + "/bench.db";
  }
  if (auto key = Ledger::init(db); !key) exit_with_error(key.error());
  auto ledger = open_writer(db);
  Counters counters;
  SystemClock clock;
  Sequencer sequencer(ledger->engine_for_sequencer(), args.memory ? nullptr : &ledger->journal(),
                      clock);
  sequencer.start();
  load_catalog(sequencer);
  // Everything up to here is setup; the figures below count only the measured run.
  const SequencerStats baseline = sequencer.stats();
  const uint64_t catalog_events = baseline.events;
  auto started = std::chrono::steady_clock::now();
  drive(sequencer, counters, args.seconds, args.seed);
  sequencer.stop();
  double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  SequencerStats stats = sequencer.stats();
  stats.commands -= baseline.commands;
  stats.events -= baseline.events;
  stats.batches -= baseline.batches;
  stats.commit_latency_us.erase(
      stats.commit_latency_us.begin(),
      stats.commit_latency_us.begin() + static_cast<long>(baseline.commit_latency_us.size()));
  double reservations_per_s = counters.reserves_ok.load() / elapsed_s;
  double commands_per_s = stats.commands / elapsed_s;
  double batch_events = stats.batches ? static_cast<double>(stats.events) / stats.batches : 0;
  uint32_t p50 = percentile(stats.commit_latency_us, 0.50);
  uint32_t p99 = percentile(stats.commit_latency_us, 0.99);
  std::string mode = args.memory ? "memory" : "durable";
  uint64_t journal_events = ledger->journal().tree_size() - catalog_events;
  ledger.reset();  // release the writer lock and file before the peer runs
  std::string peer_text = "peer: skipped (--no-peer or memory mode)";
  boost::json::object peer_json;
  if (!args.memory && !args.no_peer) {
    std::string peer_db = db + ".sqlite-peer";
    PeerResult peer = run_sqlite_peer(peer_db, args.seconds, args.seed, kBenchSkus, 12,
                                      static_cast<int>(kReservesPerSubmission));
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(peer_db + suffix);
    if (!peer.error.empty()) exit_with_error(Error{ErrorCode::io_error, "peer", peer.error});
    double peer_per_s = peer.reservations / peer.seconds;
    peer_json = {{"reservations_per_s", peer_per_s},
                 {"commands_per_s", peer.commands / peer.seconds},
                 {"livechain_ratio", reservations_per_s / peer_per_s}};
    peer_text = fmt::format(
        "peer SQLite inventory table (conditional UPDATE + INSERT, {} reservations per fsync'd "
        "transaction, location given): {:.0f} reservations/s, {:.0f} commands/s; livechain "
        "= {:.2f}x the peer",
        kReservesPerSubmission, peer_per_s, peer.commands / peer.seconds,
        reservations_per_s / peer_per_s);
  }
  boost::json::object json{{"mode", mode},
                           {"peer_sqlite", peer_json},
                           {"seconds", elapsed_s},
                           {"seed", args.seed},
                           {"reservations_acked", counters.reserves_ok.load()},
                           {"reservations_rejected", counters.reserves_rejected.load()},
                           {"commits", counters.commits.load()},
                           {"releases", counters.releases.load()},
                           {"reservations_per_s", reservations_per_s},
                           {"commands_per_s", commands_per_s},
                           {"batches", stats.batches},
                           {"batch_events_mean", batch_events},
                           {"commit_latency_us_p50", p50},
                           {"commit_latency_us_p99", p99},
                           {"journal_events", journal_events}};
  std::string text = fmt::format(
      "bench ledger: mode {} seed {} {:.1f} s, catalog {} SKUs x 12 locations\n"
      "reservations acked {} (rejected {}), commits {}, releases {}, journal events {}\n"
      "{}\n"
      "reservations/s {:.0f}\n"
      "commands/s {:.0f}\n"
      "batch size {:.0f} events/batch over {} batches\n"
      "commit latency p50 {} us, p99 {} us{}",
      mode, args.seed, elapsed_s, kBenchSkus, counters.reserves_ok.load(),
      counters.reserves_rejected.load(), counters.commits.load(), counters.releases.load(),
      journal_events, peer_text, reservations_per_s, commands_per_s, batch_events, stats.batches,
      p50, p99,
      args.memory ? " (memory mode: no journal writes)" : " (fsync per batch, acks after fsync)");
  print(options, json, text);
  if (!dir.empty()) std::filesystem::remove_all(dir);
}

}  // namespace

}  // namespace livechain::cli
