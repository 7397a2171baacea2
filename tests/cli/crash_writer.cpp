// tests/cli/crash_writer.cpp — test-only writer that crash_test.cpp kills with SIGKILL.
//
//   crash_writer --db PATH --ack-log FILE --seed N [--submit-log FILE] [--run-ms-max MS]
//   (the submit log defaults to FILE.submitted)
//
// Opens the ledger's pieces for writing (SQLite writer, signing key, journal, recovery)
// and runs a Sequencer over the real journal, submitting a seeded stream of reserve
// (1–3 lines, unique order ids "o<seed>-<counter>", idempotency keys, some retried
// with the same key, some retried from earlier runs' submit logs), commit, release and
// receive commands, several submissions in flight. It runs until killed (or until
// --run-ms-max, so an orphan cannot run forever).
//
// Two logs, each line written with one write(2) on an O_APPEND descriptor: the data is
// in the page cache as soon as write returns, so it survives a SIGKILL of this process.
//   submit log, before submit():  reserve <order> <key|-> <channel> <n> <gtin>:<qty>@<loc|->…
//   ack log, in the completion (after the events are durable), one per successful reply:
//     reserve <rid> <order|-> <replay 0|1> <n> <gtin>:<qty>@<loc>…
//     commit <rid> | release <rid> | receive <gtin> <loc>
// The last line of either log may be torn by the kill; readers ignore a line without
// its final newline.
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "store/store.hpp"

namespace {

using namespace livechain;
using namespace livechain::engine;

constexpr size_t kSubmissionsInFlightMax = 8;
constexpr size_t kCommandsPerSubmissionMax = 4;
constexpr size_t kRetryCandidatesMax = 64;  // recent keyed reserves kept for retries
constexpr size_t kEarlierRunRetriesMax = 4;

struct Args {
  std::string db;
  std::string ack_log;
  std::string submit_log;
  uint64_t seed = 0;
  int64_t run_ms_max = 30'000;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "crash_writer: %s\n", message.c_str());
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    std::string value = argv[i + 1];
    if (name == "--db") {
      args.db = value;
    } else if (name == "--ack-log") {
      args.ack_log = value;
    } else if (name == "--submit-log") {
      args.submit_log = value;
    } else if (name == "--seed") {
      args.seed = std::stoull(value);
    } else if (name == "--run-ms-max") {
      args.run_ms_max = std::stoll(value);
    } else {
      die("unknown option " + name);
    }
  }
  if (args.db.empty() || args.ack_log.empty() || argc % 2 != 1) {
    die("usage: crash_writer --db PATH --ack-log FILE [--submit-log FILE] --seed N");
  }
  if (args.submit_log.empty()) args.submit_log = args.ack_log + ".submitted";
  return args;
}

// One whole line per write(2): a SIGKILL can only tear the very last line of a log.
class AppendLog {
 public:
  explicit AppendLog(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {
    if (fd_ < 0) die("cannot open " + path);
  }
  ~AppendLog() { ::close(fd_); }
  void append(const std::string& text) const {
    size_t written = 0;
    while (written < text.size()) {
      ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
      if (n <= 0) die("write to a log failed");
      written += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
};

std::string request_line(const Reserve& r) {
  std::string out = fmt::format("reserve {} {} {} {}", r.order_id, r.idempotency_key.value_or("-"),
                                r.channel_id, r.lines.size());
  for (const LineRequest& line : r.lines) {
    out += fmt::format(" {}:{}@{}", line.gtin, line.qty_units, line.location_id.value_or("-"));
  }
  return out + "\n";
}

// Parses a submit-log line back into the exact request (same idempotency fingerprint).
std::optional<Reserve> parse_request_line(const std::string& text) {
  std::istringstream in(text);
  std::string op, key;
  size_t count = 0;
  Reserve r;
  if (!(in >> op >> r.order_id >> key >> r.channel_id >> count) || op != "reserve") {
    return std::nullopt;
  }
  if (key != "-") r.idempotency_key = key;
  for (size_t i = 0; i < count; ++i) {
    std::string token;
    if (!(in >> token)) return std::nullopt;
    auto colon = token.find(':');
    auto at = token.find('@');
    if (colon == std::string::npos || at == std::string::npos || at < colon) return std::nullopt;
    LineRequest line;
    line.gtin = token.substr(0, colon);
    line.qty_units = std::stoll(token.substr(colon + 1, at - colon - 1));
    std::string location = token.substr(at + 1);
    if (location != "-") line.location_id = location;
    r.lines.push_back(std::move(line));
  }
  return r;
}

// Keyed reserves submitted by earlier (killed) runs: retrying them after recovery must
// return the original reservation, never a second one.
std::vector<Reserve> earlier_keyed_requests(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Reserve> out;
  size_t begin = 0;
  for (size_t end = all.find('\n'); end != std::string::npos; end = all.find('\n', begin)) {
    auto request = parse_request_line(all.substr(begin, end - begin));
    if (request && request->idempotency_key) out.push_back(std::move(*request));
    begin = end + 1;
  }
  return out;
}

std::string ack_line(const ReservationView& view) {
  // A replay of a reservation no longer pending carries no order id: logged as "-".
  std::string out = fmt::format("reserve {} {} {} {}", view.reservation_id,
                                view.order_id.empty() ? "-" : view.order_id,
                                view.idempotent_replay ? 1 : 0, view.lines.size());
  for (const ReservationLineView& line : view.lines) {
    out += fmt::format(" {}:{}@{}", line.gtin, line.qty_units, line.location_id);
  }
  return out + "\n";
}

struct Catalog {
  std::vector<std::string> gtins;
  std::vector<std::string> locations;  // locations that sell to buyers
  std::vector<std::string> channels;
};

Catalog catalog_of(const LedgerState& state) {
  Catalog catalog;
  for (const SkuRecord& sku : state.skus()) catalog.gtins.push_back(sku.gtin);
  for (const LocationRecord& location : state.locations()) {
    if (sells_to_buyers(location.kind)) catalog.locations.push_back(location.location_id);
  }
  for (const ChannelRecord& channel : state.channels())
    catalog.channels.push_back(channel.channel_id);
  if (catalog.gtins.empty() || catalog.locations.empty() || catalog.channels.empty()) {
    die("the database needs at least one sku, selling location and channel");
  }
  return catalog;
}

// What a command was, so its completion knows how to log the reply.
enum class Op { reserve, commit, release, receive };

class Workload {
 public:
  Workload(const Args& args, Catalog catalog, std::vector<Reserve> earlier)
      : args_(args),
        catalog_(std::move(catalog)),
        rng_(args.seed),
        earlier_(std::move(earlier)),
        acks_(args.ack_log),
        submits_(args.submit_log) {}

  void run(Sequencer& sequencer) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(args_.run_ms_max);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return in_flight_ < kSubmissionsInFlightMax; });
        ++in_flight_;
      }
      std::vector<Command> commands;
      std::vector<Op> ops;
      size_t count = 1 + rng_() % kCommandsPerSubmissionMax;
      for (size_t i = 0; i < count; ++i) next_command(commands, ops);
      auto submitted = sequencer.submit(std::move(commands), [this, ops](Replies&& replies) {
        complete(ops, std::move(replies));
      });
      if (!submitted) {
        release_slot();
        if (submitted.error().code == ErrorCode::io_error) die(submitted.error().to_string());
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }

 private:
  template <class T>
  const T& pick(const std::vector<T>& from) {
    return from[rng_() % from.size()];
  }
  bool chance(uint32_t percent) { return rng_() % 100 < percent; }

  void next_command(std::vector<Command>& commands, std::vector<Op>& ops) {
    uint32_t roll = rng_() % 100;
    std::optional<uint64_t> resolvable = roll >= 50 && roll < 87 ? take_pending() : std::nullopt;
    if (resolvable && roll < 70) {
      commands.push_back(Commit{*resolvable, {}});
      ops.push_back(Op::commit);
    } else if (resolvable) {
      commands.push_back(Release{*resolvable});
      ops.push_back(Op::release);
    } else if (roll >= 90) {
      int64_t qty = 1 + static_cast<int64_t>(rng_() % 6);
      commands.push_back(ReceiveStock{pick(catalog_.gtins), pick(catalog_.locations), qty});
      ops.push_back(Op::receive);
    } else if (roll >= 87 && !resolved_.empty()) {
      // Resolving a reservation a second time must fail: an ack here is a bug the
      // test sees as a reservation acked twice.
      uint64_t id = pick(resolved_);
      commands.push_back(chance(50) ? Command{Commit{id, {}}} : Command{Release{id}});
      ops.push_back(std::holds_alternative<Commit>(commands.back()) ? Op::commit : Op::release);
    } else {
      commands.push_back(next_reserve());
      ops.push_back(Op::reserve);
    }
  }

  Reserve next_reserve() {
    if (!earlier_.empty() && earlier_retries_ < kEarlierRunRetriesMax && chance(10)) {
      ++earlier_retries_;
      return pick(earlier_);  // logged already by the run that first submitted it
    }
    if (!recent_.empty() && chance(15)) return pick(recent_);
    Reserve r;
    r.order_id = fmt::format("o{}-{}", args_.seed, counter_);
    r.channel_id = pick(catalog_.channels);
    if (chance(80)) r.idempotency_key = fmt::format("k{}-{}", args_.seed, counter_);
    ++counter_;
    size_t line_count = 1 + rng_() % 3;
    std::vector<std::string> gtins = catalog_.gtins;
    std::shuffle(gtins.begin(), gtins.end(), rng_);
    for (size_t i = 0; i < line_count && i < gtins.size(); ++i) {
      LineRequest line{gtins[i], 1 + static_cast<int64_t>(rng_() % 4), std::nullopt};
      if (chance(80)) line.location_id = pick(catalog_.locations);
      r.lines.push_back(std::move(line));
    }
    submits_.append(request_line(r));
    if (r.idempotency_key) {
      if (recent_.size() == kRetryCandidatesMax) recent_.erase(recent_.begin());
      recent_.push_back(r);
    }
    return r;
  }

  std::optional<uint64_t> take_pending() {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return std::nullopt;
    size_t index = rng_() % pending_.size();
    uint64_t id = pending_[index];
    pending_[index] = pending_.back();
    pending_.pop_back();
    resolved_.push_back(id);
    return id;
  }

  // Runs on the journal thread once the submission's events are durable.
  void complete(const std::vector<Op>& ops, Replies&& replies) {
    std::string lines;
    std::vector<uint64_t> new_pending;
    for (size_t i = 0; i < replies.size() && i < ops.size(); ++i) {
      if (!replies[i]) continue;
      const Reply& reply = *replies[i];
      if (ops[i] == Op::reserve) {
        const auto& view = std::get<ReservationView>(reply);
        lines += ack_line(view);
        if (!view.idempotent_replay) new_pending.push_back(view.reservation_id);
      } else if (ops[i] == Op::commit) {
        lines += fmt::format("commit {}\n", std::get<ReservationView>(reply).reservation_id);
      } else if (ops[i] == Op::release) {
        lines += fmt::format("release {}\n", std::get<ReservationView>(reply).reservation_id);
      } else {
        const auto& balance = std::get<BalanceView>(reply);
        lines += fmt::format("receive {} {}\n", balance.gtin, balance.location_id);
      }
    }
    if (!lines.empty()) acks_.append(lines);
    std::lock_guard lock(mutex_);
    pending_.insert(pending_.end(), new_pending.begin(), new_pending.end());
    --in_flight_;
    room_.notify_one();
  }

  void release_slot() {
    std::lock_guard lock(mutex_);
    --in_flight_;
    room_.notify_one();
  }

  const Args& args_;
  const Catalog catalog_;
  std::mt19937_64 rng_;  // used on the submitting thread only
  std::vector<Reserve> earlier_;
  size_t earlier_retries_ = 0;
  std::vector<Reserve> recent_;
  uint64_t counter_ = 0;
  std::vector<uint64_t> resolved_;  // submitting thread only: ids sent to commit/release
  AppendLog acks_;
  AppendLog submits_;
  std::mutex mutex_;
  std::condition_variable room_;
  size_t in_flight_ = 0;           // GUARDED_BY(mutex_)
  std::vector<uint64_t> pending_;  // GUARDED_BY(mutex_): acked as pending, not yet resolved
};

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  auto storage = store::open_sqlite(args.db, store::OpenMode::writer);
  if (!storage) die(storage.error().to_string());
  auto signer = journal::Signer::load(store::signing_key_path(args.db));
  if (!signer) die(signer.error().to_string());
  auto journal = journal::Journal::open(**storage, std::move(*signer));
  if (!journal) die(journal.error().to_string());
  auto engine = recover_engine(**journal, true);
  if (!engine) die(engine.error().to_string());
  std::mt19937_64 start_rng(args.seed ^ 0x5eedull);
  if (start_rng() % 2 == 0 && (*journal)->tree_size() > 0) {
    // Durable state only: a snapshot of events not yet journaled could outlive them.
    auto ok = (*journal)->put_snapshot((*journal)->tree_size(), engine->state().serialize());
    if (!ok) die(ok.error().to_string());
  }
  Workload workload(args, catalog_of(engine->state()), earlier_keyed_requests(args.submit_log));
  SystemClock clock;
  Sequencer sequencer(*engine, journal->get(), clock);
  sequencer.start();
  std::fprintf(stderr, "crash_writer: seed %llu running at tree size %llu\n",
               static_cast<unsigned long long>(args.seed),
               static_cast<unsigned long long>((*journal)->tree_size()));
  workload.run(sequencer);
  sequencer.stop();
  return 0;
}
