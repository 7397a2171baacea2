// tests/cli/crash_test.cpp — kill a real writer with SIGKILL, then audit the database.
//
// Method: a database gets a small catalog with limited stock through the `livechain`
// CLI. Then, for kRounds rounds, crash_writer (CRASH_WRITER_BINARY) recovers the ledger
// and runs a Sequencer over the real journal for a seeded 20–300 ms before this test
// kills it with SIGKILL. The writer logs every request before submitting it (submit
// log) and every successful reply after it became durable (ack log). After each kill
// the test checks, against the journal alone and against the logs:
//   - the journal verifies (CLI `ledger verify` each round, verify_journal every 6th);
//   - every acked reservation exists with exactly its lines, acked commits are
//     committed and acked releases released, nothing is acked as resolved twice;
//   - every reservation in the journal carries all the lines its request asked for
//     (nothing is half-applied) and no order id has two reservations (retries with
//     the same idempotency key, also across crashes, replay the first);
//   - no balance is negative, reserved <= on_hand, reserved = sum of pending lines;
//   - recovery from event 0, recovery from the snapshot and the reader all agree, and
//     `ledger rebuild` reports no drift.
// One seed (LIVECHAIN_SEED, else random) picks the writer seeds and run times; it is
// printed as SEED=. The kill points depend on timing, so a seed replays the same
// workload, not necessarily the same crash.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/process.hpp"

#include "support/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/bytes.hpp"
#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"

extern char** environ;

namespace {

using namespace livechain;
using namespace livechain::engine;

constexpr int kRounds = 24;
constexpr int kRunMsMin = 20;
constexpr int kRunMsMax = 300;
constexpr int64_t kInitialUnits = 20;

const std::vector<std::string> kGtins = {"04006381333931", "00000096385074", "00036000291452"};
const std::vector<std::string> kSellingLocations = {"DC-1", "ST-1"};

// ---------------------------------------------------------------- processes and files

using livechain::test_support::read_file;
using livechain::test_support::RunResult;

// Complete lines only: a SIGKILL may tear the last line of a log.
std::vector<std::string> complete_lines(const std::string& path) {
  std::string all = read_file(path);
  std::vector<std::string> lines;
  size_t begin = 0;
  for (size_t end = all.find('\n'); end != std::string::npos; end = all.find('\n', begin)) {
    lines.push_back(all.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

using livechain::test_support::TempDir;

RunResult run_cli(const TempDir& dir, const std::vector<std::string>& args) {
  return livechain::test_support::run_program(LIVECHAIN_BINARY, args, dir.path());
}

// Starts crash_writer; it dies with this test process if the test is killed.
pid_t start_writer(const std::vector<std::string>& args, const std::string& err_path) {
  std::vector<std::string> argv_strings = {CRASH_WRITER_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// ---------------------------------------------------------------- what the logs say

struct Line {
  std::string gtin;
  std::string location;  // "-" in a request: the engine picks
  int64_t qty_units = 0;
  bool operator<(const Line& o) const {
    return std::tie(gtin, location, qty_units) < std::tie(o.gtin, o.location, o.qty_units);
  }
  bool operator==(const Line&) const = default;
};

void PrintTo(const Line& line, std::ostream* out) {
  *out << line.gtin << ":" << line.qty_units << "@" << line.location;
}

std::string describe(const std::vector<Line>& lines) {
  std::string out;
  for (const Line& line : lines) {
    out += " " + line.gtin + ":" + std::to_string(line.qty_units) + "@" + line.location;
  }
  return out;
}

// Reads "<n> gtin:qty@loc …" from `in`, sorted.
std::vector<Line> read_lines(std::istringstream& in) {
  size_t count = 0;
  in >> count;
  std::vector<Line> lines;
  for (size_t i = 0; i < count; ++i) {
    std::string token;
    in >> token;
    auto colon = token.find(':');
    auto at = token.find('@');
    if (colon == std::string::npos || at == std::string::npos) break;
    lines.push_back(Line{token.substr(0, colon), token.substr(at + 1),
                         std::stoll(token.substr(colon + 1, at - colon - 1))});
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct AckedReserve {
  uint64_t reservation_id = 0;
  std::string order_id;
  bool replay = false;
  std::vector<Line> lines;
};

struct Acks {
  std::vector<AckedReserve> reserves;
  std::vector<uint64_t> commits;
  std::vector<uint64_t> releases;
};

Acks parse_acks(const std::string& path) {
  Acks acks;
  for (const std::string& text : complete_lines(path)) {
    std::istringstream in(text);
    std::string op;
    in >> op;
    if (op == "reserve") {
      AckedReserve r;
      int replay = 0;
      in >> r.reservation_id >> r.order_id >> replay;
      r.replay = replay != 0;
      r.lines = read_lines(in);
      acks.reserves.push_back(std::move(r));
    } else if (op == "commit" || op == "release") {
      uint64_t id = 0;
      in >> id;
      (op == "commit" ? acks.commits : acks.releases).push_back(id);
    }
  }
  return acks;
}

// order id → requested lines (the first request; retries repeat it exactly).
std::map<std::string, std::vector<Line>> parse_requests(const std::string& path) {
  std::map<std::string, std::vector<Line>> requests;
  for (const std::string& text : complete_lines(path)) {
    std::istringstream in(text);
    std::string op, order_id, key, channel;
    in >> op >> order_id >> key >> channel;
    if (op == "reserve") requests.emplace(order_id, read_lines(in));
  }
  return requests;
}

// ---------------------------------------------------------------- what the journal says

struct JournalReservation {
  std::string order_id;
  std::vector<Line> lines;
};

struct JournalFacts {
  std::map<uint64_t, JournalReservation> reservations;
  std::map<std::string, std::vector<uint64_t>> reservations_by_order;
  uint64_t events = 0;
};

std::vector<Line> named_lines(const StockLines& lines, const LedgerState& names) {
  std::vector<Line> out;
  for (const StockLine& line : lines) {
    out.push_back(
        Line{names.gtin_of(line.sku), names.location_id_of(line.location), line.qty_units});
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Replays every event, decoding each before applying it (names are defined earlier).
Result<JournalFacts> replay_facts(journal::Journal& journal, Engine& engine) {
  JournalFacts facts;
  auto replayed = journal.replay(0, [&](uint64_t, std::span<const uint8_t> data) -> Result<void> {
    auto event = decode_event(data, engine.state());
    if (!event) return std::unexpected(event.error());
    if (const auto* reserved = std::get_if<ReservedEvent>(&event->body)) {
      facts.reservations[reserved->reservation_id] =
          JournalReservation{reserved->order_id, named_lines(reserved->lines, engine.state())};
      facts.reservations_by_order[reserved->order_id].push_back(reserved->reservation_id);
    }
    ++facts.events;
    return engine.apply_stored_event(data);
  });
  if (!replayed) return std::unexpected(replayed.error());
  return facts;
}

// ---------------------------------------------------------------- the test

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = std::random_device{}();
    if (const char* env = std::getenv("LIVECHAIN_SEED")) seed_ = std::strtoull(env, nullptr, 10);
    std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed_));
    db_ = dir_.path() + "/ledger.db";
    ack_log_ = dir_.path() + "/acks.log";
    submit_log_ = dir_.path() + "/submits.log";
  }

  void cli_ok(const std::vector<std::string>& args) {
    RunResult run = run_cli(dir_, args);
    ASSERT_EQ(run.exit_code, 0) << args[0] << " " << args[1] << ": " << run.err;
  }

  void create_catalog() {
    RunResult init = run_cli(dir_, {"init", "--db", db_});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    auto at = init.out.find("public key ");
    ASSERT_NE(at, std::string::npos) << init.out;
    public_key_hex_ = init.out.substr(at + 11, 64);
    for (const std::string& gtin : kGtins) {
      ASSERT_NO_FATAL_FAILURE(
          cli_ok({"sku", "put", "--db", db_, "--gtin", gtin, "--name", "item"}));
    }
    ASSERT_NO_FATAL_FAILURE(cli_ok(
        {"location", "put", "--db", db_, "--id", "DC-1", "--kind", "dc", "--region", "east"}));
    ASSERT_NO_FATAL_FAILURE(cli_ok(
        {"location", "put", "--db", db_, "--id", "ST-1", "--kind", "store", "--region", "west"}));
    ASSERT_NO_FATAL_FAILURE(cli_ok({"location", "put", "--db", db_, "--id", "FAC-1", "--kind",
                                    "factory", "--region", "east"}));
    ASSERT_NO_FATAL_FAILURE(
        cli_ok({"channel", "put", "--db", db_, "--id", "LR-1", "--kind", "live_room"}));
    ASSERT_NO_FATAL_FAILURE(
        cli_ok({"channel", "put", "--db", db_, "--id", "SHOP-1", "--kind", "online_shop"}));
    for (const std::string& gtin : kGtins) {
      for (const std::string& location : kSellingLocations) {
        ASSERT_NO_FATAL_FAILURE(
            cli_ok({"stock", "receive", "--db", db_, "--gtin", gtin, "--location", location,
                    "--qty", std::to_string(kInitialUnits)}));
      }
    }
  }

  // Runs the writer for `run_ms` and kills it. Returns false if it died by itself.
  void crash_round(uint64_t writer_seed, int run_ms) {
    std::string err_path = dir_.path() + "/writer.err";
    pid_t pid = start_writer({"--db", db_, "--ack-log", ack_log_, "--submit-log", submit_log_,
                              "--seed", std::to_string(writer_seed)},
                             err_path);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "crash_writer ended before the kill: " << read_file(err_path);
  }

  // The CLI verifies after every round; the library (which also checks that the stored
  // key is init's) only when `with_library`, to keep the test within its time budget.
  void check_journal_verifies(bool with_library) {
    RunResult verify = run_cli(dir_, {"ledger", "verify", "--db", db_});
    EXPECT_EQ(verify.exit_code, 0) << "ledger verify: " << verify.out << verify.err;
    if (!with_library) return;
    auto storage = store::open_sqlite(db_, store::OpenMode::reader);
    ASSERT_TRUE(storage) << storage.error().to_string();
    auto stored_key = (*storage)->get_meta("public_key");
    ASSERT_TRUE(stored_key && *stored_key);
    EXPECT_EQ(**stored_key, public_key_hex_);
    auto key_bytes = from_hex(public_key_hex_);
    ASSERT_TRUE(key_bytes && key_bytes->size() == 32);
    journal::PublicKey key{};
    std::copy(key_bytes->begin(), key_bytes->end(), key.begin());
    auto report = journal::verify_journal(**storage, key);
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_TRUE(report->ok) << report->reason;
  }

  void check_acks(const Engine& engine, const JournalFacts& facts, const Acks& acks);
  void check_requests(const JournalFacts& facts,
                      const std::map<std::string, std::vector<Line>>& requests);
  void check_balances(const Engine& engine, const JournalFacts& facts);
  void audit(int round);

  uint64_t seed_ = 0;
  std::map<std::string, int64_t> phase_ms_;  // audit time by phase, printed at the end
  int snapshot_recoveries_ = 0;              // audits whose reader started from a snapshot
  TempDir dir_;
  std::string db_, ack_log_, submit_log_, public_key_hex_;
};

void CrashTest::check_acks(const Engine& engine, const JournalFacts& facts, const Acks& acks) {
  for (const AckedReserve& acked : acks.reserves) {
    auto found = facts.reservations.find(acked.reservation_id);
    ASSERT_NE(found, facts.reservations.end())
        << "acked reservation " << acked.reservation_id << " (" << acked.order_id << ") is lost";
    if (acked.order_id != "-") {  // "-": a replay of a reservation no longer pending
      EXPECT_EQ(found->second.order_id, acked.order_id) << "reservation " << acked.reservation_id;
    }
    EXPECT_EQ(found->second.lines, acked.lines)
        << "reservation " << acked.reservation_id << ": journal" << describe(found->second.lines)
        << " vs acked" << describe(acked.lines);
    auto view = engine.reservation(acked.reservation_id);
    ASSERT_TRUE(view) << view.error().to_string();
    if (view->status == ReservationStatus::pending) {
      std::vector<Line> lines;
      for (const auto& line : view->lines)
        lines.push_back(Line{line.gtin, line.location_id, line.qty_units});
      std::sort(lines.begin(), lines.end());
      EXPECT_EQ(lines, acked.lines) << "pending reservation " << acked.reservation_id;
    }
  }
  std::map<uint64_t, int> resolutions;
  for (uint64_t id : acks.commits) {
    ++resolutions[id];
    auto view = engine.reservation(id);
    ASSERT_TRUE(view) << "acked commit of unknown reservation " << id;
    EXPECT_EQ(view->status, ReservationStatus::committed) << "acked commit of " << id;
  }
  for (uint64_t id : acks.releases) {
    ++resolutions[id];
    auto view = engine.reservation(id);
    ASSERT_TRUE(view) << "acked release of unknown reservation " << id;
    EXPECT_EQ(view->status, ReservationStatus::released) << "acked release of " << id;
  }
  for (const auto& [id, count] : resolutions) {
    EXPECT_EQ(count, 1) << "reservation " << id << " was acked as resolved " << count << " times";
  }
}

void CrashTest::check_requests(const JournalFacts& facts,
                               const std::map<std::string, std::vector<Line>>& requests) {
  for (const auto& [order_id, ids] : facts.reservations_by_order) {
    EXPECT_EQ(ids.size(), 1u) << "order " << order_id << " has " << ids.size() << " reservations";
  }
  for (const auto& [id, reservation] : facts.reservations) {
    if (reservation.order_id.rfind('o', 0) != 0) continue;  // not the writer's
    auto request = requests.find(reservation.order_id);
    ASSERT_NE(request, requests.end()) << "reservation " << id << " of an unlogged order";
    const std::vector<Line>& asked = request->second;
    ASSERT_EQ(reservation.lines.size(), asked.size())
        << "reservation " << id << " is half-applied: asked" << describe(asked) << ", journal"
        << describe(reservation.lines);
    for (const Line& want : asked) {  // one line per SKU in the writer's requests
      auto got = std::find_if(reservation.lines.begin(), reservation.lines.end(),
                              [&](const Line& line) { return line.gtin == want.gtin; });
      ASSERT_NE(got, reservation.lines.end()) << "reservation " << id << " lacks " << want.gtin;
      EXPECT_EQ(got->qty_units, want.qty_units) << "reservation " << id << " " << want.gtin;
      if (want.location != "-") {
        EXPECT_EQ(got->location, want.location) << "reservation " << id;
      }
    }
  }
}

void CrashTest::check_balances(const Engine& engine, const JournalFacts& facts) {
  std::map<std::pair<std::string, std::string>, int64_t> pending_units;
  for (const auto& [id, reservation] : facts.reservations) {
    auto view = engine.reservation(id);
    ASSERT_TRUE(view);
    if (view->status != ReservationStatus::pending) continue;
    for (const Line& line : reservation.lines)
      pending_units[{line.gtin, line.location}] += line.qty_units;
  }
  auto stock = engine.stock(std::nullopt);
  ASSERT_TRUE(stock);
  for (const BalanceView& view : *stock) {
    const Balance& b = view.balance;
    std::string where = view.gtin + " @ " + view.location_id;
    EXPECT_GE(b.on_hand_units, 0) << where;
    EXPECT_GE(b.reserved_units, 0) << where;
    EXPECT_LE(b.reserved_units, b.on_hand_units) << "oversold: " << where;
    EXPECT_EQ(b.reserved_units, (pending_units[{view.gtin, view.location_id}])) << where;
    EXPECT_EQ(b.on_hand_units, b.received_units - b.sold_units) << where;
  }
}

void CrashTest::audit(int round) {
  SCOPED_TRACE("after round " + std::to_string(round));
  auto phase_started = std::chrono::steady_clock::now();
  auto lap = [&](const char* phase) {
    auto now = std::chrono::steady_clock::now();
    phase_ms_[phase] +=
        std::chrono::duration_cast<std::chrono::milliseconds>(now - phase_started).count();
    phase_started = now;
  };
  ASSERT_NO_FATAL_FAILURE(check_journal_verifies(round % 6 == 5 || round + 1 == kRounds));
  lap("verify");
  auto storage = store::open_sqlite(db_, store::OpenMode::reader);
  ASSERT_TRUE(storage) << storage.error().to_string();
  auto journal = journal::Journal::open(**storage, std::nullopt);
  ASSERT_TRUE(journal) << journal.error().to_string();
  Engine replayed;
  auto facts = replay_facts(**journal, replayed);
  ASSERT_TRUE(facts) << facts.error().to_string();
  auto from_zero = recover_engine(**journal, false);
  ASSERT_TRUE(from_zero) << from_zero.error().to_string();
  EXPECT_TRUE(from_zero->state().serialize() == replayed.state().serialize());
  // The reader recovers from the latest snapshot (crash_writer writes one on half of
  // its starts) plus the events after it.
  auto reader = Ledger::open_reader(db_);
  ASSERT_TRUE(reader) << reader.error().to_string();
  EXPECT_TRUE(reader->get()->engine().state().serialize() == from_zero->state().serialize())
      << "snapshot at seq " << reader->get()->recovery().snapshot_next_seq
      << " + replay disagrees with the journal from event 0";
  if (reader->get()->recovery().snapshot_next_seq > 0) ++snapshot_recoveries_;
  lap("recover");
  ASSERT_NO_FATAL_FAILURE(check_acks(*from_zero, *facts, parse_acks(ack_log_)));
  ASSERT_NO_FATAL_FAILURE(check_requests(*facts, parse_requests(submit_log_)));
  ASSERT_NO_FATAL_FAILURE(check_balances(*from_zero, *facts));
  lap("logs");
  RunResult rebuild = run_cli(dir_, {"ledger", "rebuild", "--db", db_});
  EXPECT_EQ(rebuild.exit_code, 0) << "ledger rebuild: " << rebuild.out << rebuild.err;
  lap("rebuild");
}

TEST_F(CrashTest, SigkillNeverLosesAnAckedWriteNorHalfAppliesOne) {
  SCOPED_TRACE("SEED=" + std::to_string(seed_) +
               ": reproduce with LIVECHAIN_SEED=" + std::to_string(seed_));
  auto started = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(create_catalog());
  std::mt19937_64 rng(seed_);
  for (int round = 0; round < kRounds; ++round) {
    uint64_t writer_seed = rng() % 1'000'000'000;
    int run_ms = kRunMsMin + static_cast<int>(rng() % (kRunMsMax - kRunMsMin + 1));
    ASSERT_NO_FATAL_FAILURE(crash_round(writer_seed, run_ms))
        << "round " << round << " writer seed " << writer_seed;
    ASSERT_NO_FATAL_FAILURE(audit(round));
    if (HasFailure()) break;
  }
  // The workload must have exercised what the audit checks.
  Acks acks = parse_acks(ack_log_);
  auto requests = parse_requests(submit_log_);
  size_t replays = std::count_if(acks.reserves.begin(), acks.reserves.end(),
                                 [](const AckedReserve& r) { return r.replay; });
  auto storage = store::open_sqlite(db_, store::OpenMode::reader);
  ASSERT_TRUE(storage);
  auto journal = journal::Journal::open(**storage, std::nullopt);
  ASSERT_TRUE(journal);
  Engine replayed;
  auto facts = replay_facts(**journal, replayed);
  ASSERT_TRUE(facts);
  EXPECT_GT(acks.reserves.size(), 100u);
  EXPECT_GT(replays, 0u);
  EXPECT_GT(acks.commits.size(), 0u);
  EXPECT_GT(acks.releases.size(), 0u);
  EXPECT_GT(snapshot_recoveries_, 0) << "no audit compared a snapshot with the journal";
  EXPECT_GT(requests.size(), facts->reservations.size()) << "stock never ran short";
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  std::printf(
      "%d rounds, %zu events, %zu acked reserves (%zu replays), %zu commits, %zu "
      "releases, %zu requests: %lld ms\n",
      kRounds, static_cast<size_t>(facts->events), acks.reserves.size(), replays,
      acks.commits.size(), acks.releases.size(), requests.size(),
      static_cast<long long>(elapsed_ms));
  for (const auto& [phase, ms] : phase_ms_) {
    std::printf("  audit %s: %lld ms\n", phase.c_str(), static_cast<long long>(ms));
  }
}

}  // namespace
