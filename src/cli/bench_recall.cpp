// `livechain bench recall`: the time from a recall to locked stock on a brand-sized
// ledger (issue 12 §5). It journals a catalogue through the durable Sequencer (group
// commit, fsync) — locations in 32 regions, SKUs each with a batch received at every
// location, committed orders and open reservations spread over them — then recalls
// batches one by one and measures, for each, submit → the recall's event durable
// (every free unit of the batch in quarantine everywhere), and the recall report read
// on the engine thread after it. Not measured here: HTTP (POST /v1/recalls answers
// with its own recall_to_locked_ms).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <random>

#include "cli/command_support.hpp"
#include "engine/sequencer.hpp"

namespace livechain::cli {

namespace {
using Clock = std::chrono::steady_clock;

std::string bench_gtin(int index) {
  return synthetic_gtin(2200000000000LL, index);
}

struct RecallBenchArgs {
  int locations = 2'000;
  int skus = 50;
  int orders = 100'000;  // committed, 1–3 units each
  int open = 10'000;     // pending reservations
  int recalls = 5;
  int64_t units_per_location = 200;  // of each SKU's batch
  uint64_t seed = 1;
};

engine::Replies run_and_wait(engine::Sequencer& sequencer, std::vector<engine::Command> commands) {
  std::promise<engine::Replies> done;
  auto future = done.get_future();
  auto submitted = sequencer.submit(std::move(commands), [&done](engine::Replies&& replies) {
    done.set_value(std::move(replies));
  });
  if (!submitted) exit_with_error(submitted.error());
  return future.get();
}

// Submits in chunks the sequencer accepts, failing loudly on any refused command.
std::vector<engine::Reply> run_all(engine::Sequencer& sequencer,
                                   std::vector<engine::Command> commands) {
  std::vector<engine::Reply> out;
  constexpr size_t kChunk = 8'192;
  for (size_t begin = 0; begin < commands.size(); begin += kChunk) {
    size_t end = std::min(commands.size(), begin + kChunk);
    std::vector<engine::Command> chunk(std::make_move_iterator(commands.begin() + begin),
                                       std::make_move_iterator(commands.begin() + end));
    for (auto& reply : run_and_wait(sequencer, std::move(chunk))) {
      if (!reply) exit_with_error(reply.error());
      out.push_back(std::move(*reply));
    }
  }
  return out;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

void run_recall_bench(const RecallBenchArgs& a, const CliOptions& options) {
  const std::string db = create_bench_database("recall");
  auto ledger = open_writer(db);
  SystemClock clock;
  engine::Sequencer sequencer(ledger->engine_for_sequencer(), &ledger->journal(), clock);
  sequencer.start();
  std::mt19937_64 random(a.seed);
  const auto build_started = Clock::now();

  std::vector<engine::Command> catalogue;
  for (int c = 0; c < 5; ++c) {
    catalogue.push_back(
        engine::PutChannel{fmt::format("live-{}", c), engine::ChannelKind::live_room});
  }
  for (int l = 0; l < a.locations; ++l) {
    catalogue.push_back(
        engine::PutLocation{fmt::format("loc-{}", l),
                            l % 10 == 0 ? engine::LocationKind::dc : engine::LocationKind::store,
                            fmt::format("region-{}", l % 32)});
  }
  for (int s = 0; s < a.skus; ++s) {
    catalogue.push_back(engine::PutSku{bench_gtin(s), fmt::format("Item {}", s)});
    catalogue.push_back(engine::CreateBatch{
        bench_gtin(s), fmt::format("LOT-{}", s), 1'760'000'000'000 + s, "factory-1", {}});
  }
  run_all(sequencer, std::move(catalogue));
  std::vector<engine::Command> receipts;
  for (int s = 0; s < a.skus; ++s) {
    for (int l = 0; l < a.locations; ++l) {
      receipts.push_back(engine::ReceiveStock{bench_gtin(s), fmt::format("loc-{}", l),
                                              a.units_per_location, fmt::format("LOT-{}", s)});
    }
  }
  run_all(sequencer, std::move(receipts));
  auto reserve = [&](int n, const std::string& prefix) {
    std::vector<engine::Command> commands;
    for (int i = 0; i < n; ++i) {
      engine::Reserve r;
      r.order_id = fmt::format("{}-{}", prefix, i);
      r.channel_id = fmt::format("live-{}", random() % 5);
      r.ttl_ms = engine::kReservationTtlMsMax;
      r.lines.push_back(engine::LineRequest{
          bench_gtin(static_cast<int>(random() % static_cast<uint64_t>(a.skus))),
          1 + static_cast<int64_t>(random() % 3),
          fmt::format("loc-{}", random() % static_cast<uint64_t>(a.locations))});
      commands.push_back(std::move(r));
    }
    std::vector<uint64_t> ids;
    for (const engine::Reply& reply : run_all(sequencer, std::move(commands))) {
      ids.push_back(std::get<engine::ReservationView>(reply).reservation_id);
    }
    return ids;
  };
  std::vector<engine::Command> commits;
  for (uint64_t id : reserve(a.orders, "order")) commits.push_back(engine::Commit{id, {}});
  run_all(sequencer, std::move(commits));
  reserve(a.open, "open");
  const double build_s = std::chrono::duration<double>(Clock::now() - build_started).count();

  std::vector<double> locked_ms, report_ms;
  int64_t quarantined = 0, held = 0, sales = 0, sold_units = 0, open_listed = 0;
  for (int r = 0; r < a.recalls && r < a.skus; ++r) {
    const uint64_t batch_id = static_cast<uint64_t>(r) + 1;
    auto started = Clock::now();
    auto replies = run_and_wait(sequencer, {engine::RecallBatch{batch_id, "bench recall"}});
    if (!replies.at(0)) exit_with_error(replies[0].error());
    locked_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    auto read_started = Clock::now();
    auto read = sequencer.read([&](const engine::Engine& engine) {
      auto report = engine.recall_report(batch_id);
      if (!report) exit_with_error(report.error());
      quarantined += report->batch.quarantined_units;
      for (const auto& place : report->places) held += place.held_units;
      sales += report->sales_total;
      for (const auto& [channel, units] : report->sold_units_by_channel) sold_units += units;
      open_listed += static_cast<int64_t>(report->open_reservations.size());
    });
    if (!read) exit_with_error(read.error());
    report_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - read_started).count());
  }
  sequencer.stop();
  std::filesystem::remove_all(std::filesystem::path(db).parent_path());

  const double locked_p50 = median(locked_ms);
  const double locked_max =
      locked_ms.empty() ? 0 : *std::max_element(locked_ms.begin(), locked_ms.end());
  boost::json::object json{{"locations", a.locations},
                           {"skus", a.skus},
                           {"orders", a.orders},
                           {"open_reservations", a.open},
                           {"recalls", static_cast<int64_t>(locked_ms.size())},
                           {"build_s", build_s},
                           {"recall_to_locked_ms_p50", locked_p50},
                           {"recall_to_locked_ms_max", locked_max},
                           {"report_ms_p50", median(report_ms)},
                           {"quarantined_units", quarantined},
                           {"held_units", held},
                           {"sales_records", sales},
                           {"sold_units", sold_units},
                           {"open_reservations_listed", open_listed},
                           {"seed", a.seed}};
  std::string text = fmt::format(
      "bench recall (seed {}): {} locations × {} SKUs, one batch each at every location "
      "({} units per location); {} committed orders, {} open reservations; built in {:.1f} s\n"
      "  {} recalls: recall → locked (durable) p50 {:.2f} ms, max {:.2f} ms; report p50 {:.2f} ms\n"
      "  moved to quarantine {} units, held by open orders {}, sales records {}, open listed {}\n",
      a.seed, a.locations, a.skus, a.units_per_location, a.orders, a.open, build_s,
      locked_ms.size(), locked_p50, locked_max, median(report_ms), quarantined, held, sales,
      open_listed);
  print(options, json, text);
}
}  // namespace

void add_recall_bench(CLI::App& root, CliOptions& options) {
  CLI::App* bench = root.get_subcommand("bench");
  auto a = std::make_shared<RecallBenchArgs>();
  auto* recall = bench->add_subcommand("recall", "Time from a recall to locked stock");
  recall->add_option("--locations", a->locations)
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  recall->add_option("--skus", a->skus)->check(CLI::Range(1, 10'000))->capture_default_str();
  recall->add_option("--orders", a->orders, "Committed orders")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  recall->add_option("--open", a->open, "Open reservations")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  recall->add_option("--recalls", a->recalls, "Batches recalled, one by one")
      ->check(CLI::Range(1, 1'000))
      ->capture_default_str();
  recall->add_option("--seed", a->seed)->capture_default_str();
  recall->callback([a, &options] { run_recall_bench(*a, options); });
}

}  // namespace livechain::cli
