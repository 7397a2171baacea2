// `livechain stock show --as-of T`, `livechain stock rollback --to T [--dry-run]` and
// `livechain bench as-of`: stock as it stood at an instant, restoring it, and the
// latency of as-of queries on a large journal (issue 10 §4–5). The rules are the
// engine's (engine/as_of.hpp); this file parses, runs and prints.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "cli/command_support.hpp"
#include "core/gtin.hpp"
#include "engine/as_of.hpp"
#include "server/json_fields.hpp"

namespace livechain::cli {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

std::unique_ptr<AsOfIndex> open_index(const std::string& db, uint64_t every_events) {
  auto index = AsOfIndex::open(db, AsOfOptions{every_events});
  if (!index) exit_with_error(index.error());
  return std::move(*index);
}

// An RFC 3339 time that is not in the future. Exits naming `field` otherwise.
TimeMs past_time(std::string_view field, const std::string& text) {
  auto at_ms = server::parse_rfc3339(field, text);
  if (!at_ms) exit_with_error(at_ms.error());
  TimeMs now_ms = SystemClock().now_ms();
  if (*at_ms > now_ms) {
    exit_with_error(Error{ErrorCode::invalid_argument, std::string(field),
                          fmt::format("is in the future (now is {})", format_time(now_ms))});
  }
  return *at_ms;
}

Engine engine_at(AsOfIndex& index, TimeMs at_ms, std::string_view field) {
  auto engine = index.engine_at(at_ms);
  if (!engine) {
    Error error = engine.error();
    if (error.field == "as_of") error.field = std::string(field);
    exit_with_error(error);
  }
  return std::move(*engine);
}

struct RollbackArgs {
  std::string db;
  std::string to;
  bool dry_run = false;
  std::string reason;
};

void run_rollback(const RollbackArgs& args, const CliOptions& options) {
  TimeMs to_ms = past_time("to", args.to);
  if (!args.dry_run && args.reason.empty()) {
    exit_with_error(Error{ErrorCode::invalid_argument, "reason", "is required to apply"});
  }
  // The writer lock first: nothing else changes the ledger between plan and apply.
  std::unique_ptr<Ledger> ledger;
  if (!args.dry_run) ledger = open_writer(args.db);
  auto index = open_index(args.db, kAsOfCheckpointEventsDefault);
  Engine then = engine_at(*index, to_ms, "to");
  const LedgerState& now = ledger ? ledger->engine().state() : index->replica().state();
  std::vector<RollbackChange> plan = plan_rollback(then.state(), now);
  auto sales = index->sales_after(to_ms, kRollbackConflictsMax);
  if (!sales) exit_with_error(sales.error());
  json::array diff;
  std::string text =
      fmt::format("rollback to {}{}:\n", format_time(to_ms), args.dry_run ? " (dry run)" : "");
  for (const RollbackChange& c : plan) {
    diff.push_back(json::object{{"sku", c.gtin},
                                {"location", c.location_id},
                                {"field", c.field},
                                {"from", c.from_units},
                                {"to", c.to_units},
                                {"delta", c.delta_units()}});
    text += fmt::format("  {} @ {}: {} {} → {} ({:+})\n", c.gtin, c.location_id, c.field,
                        c.from_units, c.to_units, c.delta_units());
  }
  json::array conflicts;
  for (const store::CommittedSale& s : *sales) {
    conflicts.push_back(json::object{{"order_id", s.order_id},
                                     {"reservation_id", s.reservation_id},
                                     {"sku", s.gtin},
                                     {"location", s.location_id},
                                     {"qty", s.qty_units},
                                     {"committed_at", format_time(s.committed_at_ms)},
                                     {"seq", s.seq}});
    text += fmt::format("  conflict: order {} reservation {}: {} x{} @ {} sold at {}\n", s.order_id,
                        s.reservation_id, s.gtin, s.qty_units, s.location_id,
                        format_time(s.committed_at_ms));
  }
  bool applied = false;
  if (!args.dry_run) {
    const char* user = std::getenv("USER");
    std::string actor = fmt::format("cli:{}", user ? user : "unknown");
    // With --idempotency-key a retry replays (the request is "to T because R").
    auto reply = ledger->execute(with_idempotency_key(RestoreStock{to_ms, actor, args.reason, plan},
                                                      options.idempotency_key));
    if (!reply) exit_with_error(reply.error());
    applied = true;
  }
  text += fmt::format("{} change(s), {} conflict(s), {}", plan.size(), sales->size(),
                      applied ? "applied" : "not applied");
  print(options,
        json::object{{"to", format_time(to_ms)},
                     {"to_ms", to_ms},
                     {"diff", std::move(diff)},
                     {"conflicts", std::move(conflicts)},
                     {"applied", applied}},
        text);
}

// ---- bench ----

struct AsOfBenchArgs {
  uint64_t events = 10'000'000;
  uint64_t queries = 200;
  uint64_t peer_queries = 3;
  uint64_t checkpoint_every_events = kAsOfCheckpointEventsDefault;
  uint64_t seed = 1;
  std::string db;
};

std::string bench_gtin(int index) {
  return synthetic_gtin(2100000000000LL, index);
}

constexpr int kSkus = 1000;
constexpr int kLocations = 8;
constexpr size_t kCommandsPerBatch = 8'192;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t at = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

// Writes `events` events through the real engine and journal (SQLite, fsync per group
// commit of kCommandsPerBatch commands): a catalog, receipts, then reserve → commit or
// release, with adjustments; the engine clock moves 1 ms per command.
TimeMs build_journal(const std::string& db, uint64_t events, std::mt19937_64& rng,
                     TimeMs start_ms) {
  if (auto key = Ledger::init(db); !key) exit_with_error(key.error());
  ManualClock clock(start_ms);
  auto opened = Ledger::open(db, clock);
  if (!opened) exit_with_error(opened.error());
  Engine& engine = (*opened)->engine_for_sequencer();
  journal::Journal& journal = (*opened)->journal();
  journal::BatchBuilder batch;
  std::vector<Command> catalog = {PutChannel{"live-1", ChannelKind::live_room}};
  for (int l = 0; l < kLocations; ++l) {
    catalog.push_back(PutLocation{fmt::format("DC-{}", l), LocationKind::dc, "r0"});
  }
  for (int s = 0; s < kSkus; ++s) catalog.push_back(PutSku{bench_gtin(s), "bench"});
  for (int s = 0; s < kSkus; ++s) {
    for (int l = 0; l < kLocations; ++l) {
      catalog.push_back(ReceiveStock{bench_gtin(s), fmt::format("DC-{}", l), 500'000});
    }
  }
  TimeMs now_ms = start_ms;
  auto flush = [&] {
    if (batch.event_count() == 0) return;
    if (auto appended = journal.append(batch, now_ms); !appended) {
      exit_with_error(appended.error());
    }
    batch.clear();
  };
  size_t in_batch = 0;
  auto run = [&](const Command& command) {
    ++now_ms;
    auto reply = engine.execute(command, now_ms, batch);
    if (++in_batch == kCommandsPerBatch) {
      flush();
      in_batch = 0;
    }
    return reply;
  };
  for (const Command& command : catalog) (void)run(command);
  std::vector<uint64_t> open_ids;
  uint64_t order = 0;
  while (engine.state().applied_events() < events) {  // counts events still in `batch`
    uint64_t dice = rng() % 100;
    std::string gtin = bench_gtin(static_cast<int>(rng() % kSkus));
    std::string location = fmt::format("DC-{}", rng() % kLocations);
    if (dice < 2) {
      (void)run(ReceiveStock{gtin, location, 1 + static_cast<int64_t>(rng() % 100)});
    } else if (dice < 4) {
      (void)run(AdjustStock{gtin, location, -1 - static_cast<int64_t>(rng() % 5), "count"});
    } else if (dice < 52 || open_ids.empty()) {
      Reserve reserve;
      reserve.order_id = fmt::format("o{}", ++order);
      reserve.channel_id = "live-1";
      reserve.lines = {LineRequest{gtin, 1 + static_cast<int64_t>(rng() % 3), location}};
      auto reply = run(reserve);
      if (reply) open_ids.push_back(std::get<ReservationView>(*reply).reservation_id);
    } else {
      size_t pick = rng() % open_ids.size();
      uint64_t id = open_ids[pick];
      open_ids[pick] = open_ids.back();
      open_ids.pop_back();
      if (rng() % 4 == 0) {
        (void)run(Release{id});
      } else {
        (void)run(Commit{id, {}});
      }
    }
  }
  flush();
  return engine.state().now_ms();
}

void run_as_of_bench(const AsOfBenchArgs& args, const CliOptions& options) {
  if (args.events < 20'000 || args.events > 100'000'000) {
    exit_with_error(Error{ErrorCode::invalid_argument, "events", "must be within 20000..1e8"});
  }
  if (args.queries == 0 || args.queries > 100'000) {
    exit_with_error(Error{ErrorCode::invalid_argument, "queries", "must be within 1..100000"});
  }
  std::string dir;
  std::string db = args.db;
  if (db.empty()) {
    char pattern[] = "/tmp/livechain-bench-asof-XXXXXX";
    dir = mkdtemp(pattern);
    db = dir + "/bench.db";
  }
  std::mt19937_64 rng(args.seed);
  const TimeMs start_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
  auto clock_start = std::chrono::steady_clock::now();
  auto seconds_since = [](auto from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  };
  TimeMs end_ms = build_journal(db, args.events, rng, start_ms);
  double build_s = seconds_since(clock_start);
  auto index_start = std::chrono::steady_clock::now();
  auto index = open_index(db, args.checkpoint_every_events);
  auto indexed = index->catch_up();
  if (!indexed) exit_with_error(indexed.error());
  double index_s = seconds_since(index_start);
  // Queries at uniformly random instants over the whole journal.
  std::vector<double> latencies_ms;
  int64_t checksum = 0;
  for (uint64_t q = 0; q < args.queries; ++q) {
    TimeMs at_ms =
        start_ms + 1 + static_cast<TimeMs>(rng() % static_cast<uint64_t>(end_ms - start_ms));
    std::string gtin = bench_gtin(static_cast<int>(rng() % kSkus));
    auto began = std::chrono::steady_clock::now();
    auto engine = index->engine_at(at_ms);
    if (!engine) exit_with_error(engine.error());
    auto stock = engine->stock(gtin);
    latencies_ms.push_back(seconds_since(began) * 1000);
    if (stock && !stock->empty()) checksum += stock->front().balance.on_hand_units;
  }
  // Peer: the same question answered by replaying the journal from event 0.
  std::vector<double> peer_ms;
  if (args.peer_queries > 0) {
    auto reader = open_reader(db);
    for (uint64_t q = 0; q < args.peer_queries; ++q) {
      TimeMs at_ms =
          start_ms + 1 + static_cast<TimeMs>(rng() % static_cast<uint64_t>(end_ms - start_ms));
      auto began = std::chrono::steady_clock::now();
      auto engine = replay_to(reader->journal(), at_ms);
      if (!engine) exit_with_error(engine.error());
      peer_ms.push_back(seconds_since(began) * 1000);
      // The index must agree with the peer.
      auto indexed_engine = index->engine_at(at_ms);
      if (!indexed_engine || indexed_engine->state().serialize() != engine->state().serialize()) {
        exit_with_error(Error{ErrorCode::corruption, "as_of", "index and replay disagree"});
      }
    }
  }
  uint64_t db_bytes = std::filesystem::file_size(db);
  uint64_t index_bytes = std::filesystem::file_size(store::checkpoint_db_path(db));
  double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  double max = percentile(latencies_ms, 1.0);
  double peer_p50 = percentile(peer_ms, 0.50);
  json::object out{{"events", indexed.value()},
                   {"journal_build_s", build_s},
                   {"index_build_s", index_s},
                   {"checkpoint_every_events", args.checkpoint_every_events},
                   {"checkpoints", index->checkpoints_written()},
                   {"journal_bytes", db_bytes},
                   {"index_bytes", index_bytes},
                   {"queries", args.queries},
                   {"as_of_p50_ms", p50},
                   {"as_of_p99_ms", p99},
                   {"as_of_max_ms", max},
                   {"peer_full_replay_queries", peer_ms.size()},
                   {"peer_full_replay_p50_ms", peer_p50},
                   {"checksum", checksum}};
  std::string text = fmt::format(
      "as-of bench: {} events journaled in {:.1f} s ({:.0f} MB), indexed in {:.1f} s "
      "({} checkpoints every {} events, {:.0f} MB)\n"
      "as-of query (state at a random instant + one SKU's balances), {} queries: "
      "p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms (target p99 <= 100 ms)\n"
      "peer, full replay from event 0: {} queries, p50 {:.0f} ms",
      indexed.value(), build_s, db_bytes / 1e6, index_s, index->checkpoints_written(),
      args.checkpoint_every_events, index_bytes / 1e6, args.queries, p50, p99, max, peer_ms.size(),
      peer_p50);
  print(options, out, text);
  index.reset();
  if (!dir.empty()) std::filesystem::remove_all(dir);
}

}  // namespace

void print_stock_as_of(const std::string& db, const std::string& gtin_text,
                       const std::string& as_of, const CliOptions& options) {
  TimeMs at_ms = past_time("as_of", as_of);
  auto index = open_index(db, kAsOfCheckpointEventsDefault);
  Engine engine = engine_at(*index, at_ms, "as_of");
  std::optional<std::string> gtin;
  if (!gtin_text.empty()) gtin = gtin_text;
  auto views = engine.stock(gtin);
  if (!views) exit_with_error(views.error());
  json::array rows;
  std::string text = fmt::format("as of {}:\n", format_time(at_ms));
  for (const auto& view : *views) {
    rows.push_back(to_json(view));
    text += to_text(Reply{view}) + "\n";
  }
  if (views->empty()) text += "no stock recorded\n";
  print(options,
        json::object{
            {"as_of", format_time(at_ms)}, {"as_of_ms", at_ms}, {"balances", std::move(rows)}},
        text.substr(0, text.size() - 1));
}

void add_asof_commands(CLI::App& root, CliOptions& options) {
  CLI::App* stock = root.get_subcommand("stock");
  auto r = std::make_shared<RollbackArgs>();
  auto* rollback = stock->add_subcommand(
      "rollback", "Restore on-hand stock to an earlier instant (compensating adjustments)");
  rollback->add_option("--db", r->db)->required();
  rollback->add_option("--to", r->to, "RFC 3339 instant, e.g. 2026-12-06T23:40:00Z")->required();
  rollback->add_flag("--dry-run", r->dry_run, "Show the diff and conflicts, change nothing");
  rollback->add_option("--reason", r->reason, "Why (required to apply; journaled)");
  add_idempotency_option(rollback, options);
  rollback->callback([r, &options] { run_rollback(*r, options); });

  CLI::App* bench = root.get_subcommand("bench");
  auto b = std::make_shared<AsOfBenchArgs>();
  auto* as_of = bench->add_subcommand("as-of", "Latency of stock-as-of queries on a large journal");
  as_of->add_option("--events", b->events, "Journal size in events")->capture_default_str();
  as_of->add_option("--queries", b->queries)->capture_default_str();
  as_of->add_option("--peer-queries", b->peer_queries, "Full-replay peer queries (0: none)")
      ->capture_default_str();
  as_of->add_option("--checkpoint-every", b->checkpoint_every_events, "Events between checkpoints")
      ->capture_default_str();
  as_of->add_option("--seed", b->seed)->capture_default_str();
  as_of->add_option("--db", b->db, "Database to create (default: a temp file, removed)");
  as_of->callback([b, &options] { run_as_of_bench(*b, options); });
}

}  // namespace livechain::cli
