// The single-writer Sequencer, in memory mode and over a real SQLite journal:
// completions run once per submission with one reply per command, in order; replies
// of a durable sequencer arrive only after their events are in the journal; the queue
// and submission limits; stop() drains; read() sees executed commands; and several
// submitting threads running a seeded workload never oversell and leave a state equal
// to a replay of the journal. Thread interleavings are not reproducible, but each
// thread's workload is: the seed is printed as SEED=<n>.
#include <gtest/gtest.h>

#include <stdlib.h>
#include "support/temp_dir.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "store/store.hpp"

namespace livechain::engine {
namespace {

constexpr const char* kGtinA = "04006381333931";
constexpr const char* kGtinB = "00036000291452";
constexpr TimeMs kStartMs = 1'700'000'000'000;

uint64_t test_seed() {
  const char* text = std::getenv("LIVECHAIN_SEED");
  uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

Reserve make_reserve(const std::string& order_id, std::vector<LineRequest> lines,
                     int64_t ttl_ms = kReservationTtlMsDefault) {
  Reserve reserve;
  reserve.order_id = order_id;
  reserve.channel_id = "live-1";
  reserve.lines = std::move(lines);
  reserve.ttl_ms = ttl_ms;
  return reserve;
}

// One event each: 2 SKUs, 2 locations, 1 channel, 4 receipts = 9 events.
std::vector<Command> world(int64_t units_each) {
  return {PutSku{kGtinA, "Pencil"},
          PutSku{kGtinB, "Soap"},
          PutLocation{"DC-1", LocationKind::dc, "north"},
          PutLocation{"ST-2", LocationKind::store, "south"},
          PutChannel{"live-1", ChannelKind::live_room},
          ReceiveStock{kGtinA, "DC-1", units_each},
          ReceiveStock{kGtinA, "ST-2", units_each},
          ReceiveStock{kGtinB, "DC-1", units_each},
          ReceiveStock{kGtinB, "ST-2", units_each}};
}
constexpr uint64_t kWorldEvents = 9;

using livechain::test_support::TempDir;

// A signed journal on a fresh SQLite database.
class DurableJournal {
 public:
  DurableJournal() {
    std::string db = dir_.file("sequencer.db");
    EXPECT_TRUE(Ledger::init(db).has_value());
    auto storage = store::open_sqlite(db, store::OpenMode::writer);
    EXPECT_TRUE(storage.has_value());
    storage_ = std::move(*storage);
    auto signer = journal::Signer::load(store::signing_key_path(db));
    EXPECT_TRUE(signer.has_value());
    auto journal = journal::Journal::open(*storage_, std::move(*signer));
    EXPECT_TRUE(journal.has_value());
    journal_ = std::move(*journal);
  }
  journal::Journal& journal() { return *journal_; }

 private:
  TempDir dir_;
  std::unique_ptr<journal::JournalStorage> storage_;
  std::unique_ptr<journal::Journal> journal_;
};

// Collects completions; waits until `expected` submissions completed.
class Completions {
 public:
  Completion make(size_t submission) {
    return [this, submission](Replies&& replies) {
      std::lock_guard lock(mutex_);
      order_.push_back(submission);
      replies_[submission].push_back(std::move(replies));
      changed_.notify_all();
    };
  }
  bool wait_for(size_t expected) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return order_.size() >= expected; });
  }
  std::vector<size_t> order() const {
    std::lock_guard lock(mutex_);
    return order_;
  }
  // Replies of one submission; fails the test unless its completion ran exactly once.
  Replies replies(size_t submission) const {
    std::lock_guard lock(mutex_);
    auto it = replies_.find(submission);
    EXPECT_TRUE(it != replies_.end()) << "submission " << submission << " never completed";
    if (it == replies_.end()) return {};
    EXPECT_EQ(it->second.size(), 1u) << "submission " << submission << " completed twice";
    return it->second.front();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<size_t> order_;
  std::map<size_t, std::vector<Replies>> replies_;
};

uint64_t reservation_id_of(const Result<Reply>& reply) {
  EXPECT_TRUE(reply.has_value()) << reply.error().to_string();
  if (!reply) return 0;
  const auto* view = std::get_if<ReservationView>(&*reply);
  EXPECT_NE(view, nullptr);
  return view != nullptr ? view->reservation_id : 0;
}

TEST(Sequencer, MemoryModeRunsEachCompletionOnceWithOrderedReplies) {
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, nullptr, clock);
  sequencer.start();
  Completions completions;
  ASSERT_TRUE(sequencer.submit(world(1000), completions.make(0)).has_value());
  constexpr size_t kSubmissions = 40;
  for (size_t s = 1; s <= kSubmissions; ++s) {
    std::vector<Command> commands;
    for (size_t c = 0; c < 1 + s % 4; ++c) {
      commands.push_back(make_reserve("o", {LineRequest{kGtinA, 1, std::nullopt}}));
    }
    if (s % 5 == 0) commands.push_back(Commit{999'999, {}});  // rejected, in place
    ASSERT_TRUE(sequencer.submit(std::move(commands), completions.make(s)).has_value());
  }
  ASSERT_TRUE(completions.wait_for(kSubmissions + 1));
  sequencer.stop();
  std::vector<size_t> order = completions.order();
  ASSERT_EQ(order.size(), kSubmissions + 1);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i) << "completions out of order";
  EXPECT_EQ(completions.replies(0).size(), world(1000).size());
  uint64_t last_id = 0;
  for (size_t s = 1; s <= kSubmissions; ++s) {
    Replies replies = completions.replies(s);
    ASSERT_EQ(replies.size(), 1 + s % 4 + (s % 5 == 0 ? 1 : 0));
    for (size_t c = 0; c < 1 + s % 4; ++c) {
      uint64_t id = reservation_id_of(replies[c]);
      EXPECT_EQ(id, last_id + 1) << "replies follow command order";
      last_id = id;
    }
    if (s % 5 == 0) {
      ASSERT_FALSE(replies.back().has_value());
      EXPECT_EQ(replies.back().error().code, ErrorCode::not_found);
    }
  }
  SequencerStats stats = sequencer.stats();
  EXPECT_EQ(stats.commands, world(1000).size() + last_id + kSubmissions / 5);
  EXPECT_EQ(stats.queue_depth, 0u);
}

TEST(Sequencer, DurableRepliesArriveOnlyAfterTheirEventsAreJournaled) {
  DurableJournal durable;
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, &durable.journal(), clock);
  sequencer.start();
  std::mutex mutex;
  std::vector<std::pair<uint64_t, uint64_t>> seen;  // (last reservation id, tree size)
  auto record = [&](Replies&& replies) {
    uint64_t last = 0;
    for (const auto& reply : replies) {
      if (reply && std::holds_alternative<ReservationView>(*reply)) {
        last = std::get<ReservationView>(*reply).reservation_id;
      }
    }
    // Runs on the journal thread: reading the journal here is safe.
    std::lock_guard lock(mutex);
    seen.emplace_back(last, durable.journal().tree_size());
  };
  std::promise<uint64_t> world_done;
  ASSERT_TRUE(sequencer
                  .submit(world(1000),
                          [&](Replies&& replies) {
                            for (const auto& reply : replies) EXPECT_TRUE(reply.has_value());
                            world_done.set_value(durable.journal().tree_size());
                          })
                  .has_value());
  EXPECT_GE(world_done.get_future().get(), kWorldEvents);
  constexpr size_t kSubmissions = 60;
  for (size_t s = 0; s < kSubmissions; ++s) {
    std::vector<Command> commands(1 + s % 3,
                                  make_reserve("o", {LineRequest{kGtinB, 1, std::nullopt}}));
    ASSERT_TRUE(sequencer.submit(std::move(commands), record).has_value());
  }
  sequencer.stop();
  ASSERT_EQ(seen.size(), kSubmissions);
  uint64_t previous = 0;
  for (auto [last_id, tree_size] : seen) {
    EXPECT_GT(last_id, previous);
    previous = last_id;
    // Every reserve here journals exactly one event (no expiries: the clock stands).
    EXPECT_GE(tree_size, kWorldEvents + last_id) << "reply before its event was durable";
  }
  EXPECT_EQ(durable.journal().tree_size(), engine.state().applied_events());
  SequencerStats stats = sequencer.stats();
  EXPECT_EQ(stats.events, durable.journal().tree_size());
  EXPECT_EQ(stats.commit_latency_us.size(), stats.batches);
  auto replayed = recover_engine(durable.journal(), false);
  ASSERT_TRUE(replayed.has_value()) << replayed.error().to_string();
  EXPECT_EQ(replayed->state().serialize(), engine.state().serialize());
}

TEST(Sequencer, SubmissionLimitsAndAFullQueue) {
  Engine engine;
  ManualClock clock(kStartMs);
  SequencerOptions options;
  options.queue_commands_max = 4;
  options.batch_commands_max = 4;
  options.submission_commands_max = 2;
  Sequencer sequencer(engine, nullptr, clock, options);
  Completions completions;
  auto empty = sequencer.submit({}, completions.make(90));
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::limit_exceeded);
  auto oversized = sequencer.submit({ExpireDue{}, ExpireDue{}, ExpireDue{}}, completions.make(91));
  ASSERT_FALSE(oversized.has_value());
  EXPECT_EQ(oversized.error().code, ErrorCode::limit_exceeded);
  EXPECT_EQ(oversized.error().field, "commands");
  // Not started: submissions queue up until the queue is full.
  ASSERT_TRUE(sequencer.submit({ExpireDue{}, ExpireDue{}}, completions.make(0)).has_value());
  ASSERT_TRUE(sequencer.submit({ExpireDue{}}, completions.make(1)).has_value());
  auto full = sequencer.submit({ExpireDue{}, ExpireDue{}}, completions.make(92));
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::busy);
  ASSERT_TRUE(sequencer.submit({ExpireDue{}}, completions.make(2)).has_value());
  EXPECT_EQ(sequencer.stats().queue_depth, 4u);
  sequencer.start();
  sequencer.stop();
  EXPECT_EQ(completions.order(), (std::vector<size_t>{0, 1, 2}))
      << "rejected submissions never complete";
  EXPECT_EQ(completions.replies(0).size(), 2u);
  auto after = sequencer.submit({ExpireDue{}}, completions.make(93));
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code, ErrorCode::shutting_down);
  auto read = sequencer.read([](const Engine&) {});
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::shutting_down);
}

TEST(Sequencer, BatchesNeverExceedTheirCommandLimit) {
  Engine engine;
  ManualClock clock(kStartMs);
  SequencerOptions options;
  options.queue_commands_max = 64;
  options.batch_commands_max = 4;
  options.submission_commands_max = 4;
  Sequencer sequencer(engine, nullptr, clock, options);
  Completions completions;
  constexpr size_t kSubmissions = 8;
  for (size_t s = 0; s < kSubmissions; ++s) {
    std::vector<Command> commands(4, ExpireDue{});
    ASSERT_TRUE(sequencer.submit(std::move(commands), completions.make(s)).has_value());
  }
  sequencer.start();
  sequencer.stop();
  ASSERT_EQ(completions.order().size(), kSubmissions);
  SequencerStats stats = sequencer.stats();
  EXPECT_EQ(stats.commands, 4 * kSubmissions);
  EXPECT_GE(stats.batches, stats.commands / options.batch_commands_max)
      << "some batch held more than batch_commands_max commands";
}

TEST(Sequencer, StopDrainsEverythingQueued) {
  DurableJournal durable;
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, &durable.journal(), clock);
  Completions completions;
  ASSERT_TRUE(sequencer.submit(world(100), completions.make(0)).has_value());
  constexpr size_t kSubmissions = 30;
  for (size_t s = 1; s <= kSubmissions; ++s) {
    ASSERT_TRUE(
        sequencer.submit({make_reserve("o", {LineRequest{kGtinA, 1, "DC-1"}})}, completions.make(s))
            .has_value());
  }
  sequencer.start();
  sequencer.stop();  // immediately: everything queued must still run and be durable
  ASSERT_EQ(completions.order().size(), kSubmissions + 1);
  for (size_t s = 1; s <= kSubmissions; ++s) {
    Replies replies = completions.replies(s);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(reservation_id_of(replies[0]), s);
  }
  EXPECT_EQ(durable.journal().tree_size(), kWorldEvents + kSubmissions);
  sequencer.stop();  // idempotent
}

TEST(Sequencer, ReadSeesExecutedCommands) {
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, nullptr, clock);
  sequencer.start();
  std::promise<void> done;
  ASSERT_TRUE(sequencer.submit(world(10), [&](Replies&&) { done.set_value(); }).has_value());
  done.get_future().wait();
  std::promise<void> reserved;
  ASSERT_TRUE(sequencer
                  .submit({make_reserve("o", {LineRequest{kGtinA, 4, "DC-1"}})},
                          [&](Replies&&) { reserved.set_value(); })
                  .has_value());
  reserved.get_future().wait();
  int64_t reserved_units = -1;
  std::thread::id reader_thread;
  ASSERT_TRUE(sequencer
                  .read([&](const Engine& e) {
                    reader_thread = std::this_thread::get_id();
                    auto stock = e.stock(std::string(kGtinA));
                    if (stock && !stock->empty())
                      reserved_units = (*stock)[0].balance.reserved_units;
                  })
                  .has_value());
  EXPECT_EQ(reserved_units, 4);
  EXPECT_NE(reader_thread, std::this_thread::get_id()) << "reads run on the engine thread";
  sequencer.stop();
}

// Issue 15 §2: queued reads had no bound, so a read-heavy load (every GET is a read on
// the engine thread) grew Sequencer::reads_ without limit. The queue holds at most
// 65,536 reads (docs/limits.md); beyond, read_async and read answer busy at once (the
// server's 503 + Retry-After), and once the engine ran the queued reads it takes more.
TEST(Sequencer, QueuedReadsAreBoundedAndAnswerBusyBeyond) {
  constexpr size_t kDocumentedReadsMax = 65'536;
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, nullptr, clock);
  std::atomic<size_t> ran{0};
  // Not started: reads queue up until the queue is full.
  size_t accepted = 0;
  std::optional<Error> refusal;
  while (accepted <= 4 * kDocumentedReadsMax) {
    auto queued = sequencer.read_async([&](const Engine&) { ran.fetch_add(1); });
    if (!queued) {
      refusal = queued.error();
      break;
    }
    ++accepted;
  }
  ASSERT_TRUE(refusal.has_value()) << accepted << " reads queued and none refused";
  EXPECT_EQ(refusal->code, ErrorCode::busy);
  EXPECT_EQ(refusal->field, "reads");
  EXPECT_EQ(accepted, kDocumentedReadsMax);
  // A blocking read is refused at once too (it would otherwise wait forever here).
  auto blocking = sequencer.read([](const Engine&) {});
  ASSERT_FALSE(blocking.has_value());
  EXPECT_EQ(blocking.error().code, ErrorCode::busy);
  sequencer.start();
  // The engine runs every queued read once; then the queue takes reads again (busy
  // until the engine thread has taken the full queue).
  Result<void> again = sequencer.read([](const Engine&) {});
  for (int tries = 0; !again && tries < 10'000; ++tries) {
    EXPECT_EQ(again.error().code, ErrorCode::busy);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    again = sequencer.read([](const Engine&) {});
  }
  ASSERT_TRUE(again.has_value()) << again.error().to_string();
  EXPECT_EQ(ran.load(), kDocumentedReadsMax);
  ASSERT_TRUE(sequencer.read_async([&](const Engine&) { ran.fetch_add(1); }).has_value());
  sequencer.stop();
  EXPECT_EQ(ran.load(), kDocumentedReadsMax + 1);
}

// Several threads submit a seeded mix of reserves (auto and explicit locations,
// duplicate SKUs), commits, partial commits and releases of reservations they got
// back, and let time run so short TTLs expire. Stock is scarce so many reserves fail.
TEST(Sequencer, ConcurrentSubmittersNeverOversellAndMatchTheJournal) {
  uint64_t seed = test_seed();
  DurableJournal durable;
  Engine engine;
  ManualClock clock(kStartMs);
  Sequencer sequencer(engine, &durable.journal(), clock);
  sequencer.start();
  std::promise<void> world_done;
  constexpr int64_t kUnits = 40;
  ASSERT_TRUE(
      sequencer.submit(world(kUnits), [&](Replies&&) { world_done.set_value(); }).has_value());
  world_done.get_future().wait();

  constexpr int kThreads = 4;
  constexpr int kSubmissionsPerThread = 150;
  std::atomic<uint64_t> reserved_ok{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> busy{0};
  auto submitter = [&](int thread_index) {
    std::mt19937_64 random(seed + static_cast<uint64_t>(thread_index));
    std::mutex mutex;
    std::vector<uint64_t> mine;  // reservation ids this thread got back
    std::atomic<int> outstanding{0};
    for (int s = 0; s < kSubmissionsPerThread; ++s) {
      // A client keeps a few requests in flight, so it learns its reservation ids.
      while (outstanding.load() >= 3) std::this_thread::yield();
      clock.advance_ms(static_cast<TimeMs>(random() % 20));
      std::vector<Command> commands;
      size_t count = 1 + random() % 3;
      for (size_t c = 0; c < count; ++c) {
        uint64_t roll = random() % 10;
        uint64_t id = 0;
        {
          std::lock_guard lock(mutex);
          if (!mine.empty() && roll >= 5) {
            size_t pick = random() % mine.size();
            id = mine[pick];
            mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(pick));  // resolve once
          }
        }
        if (roll == 0) {  // a trickle of restocking keeps the contest going
          commands.push_back(ReceiveStock{random() % 2 == 0 ? kGtinA : kGtinB,
                                          random() % 2 == 0 ? "DC-1" : "ST-2", 10});
        } else if (id != 0 && roll < 8) {
          Commit commit{id, {}};
          if (random() % 2 == 0) commit.lines.push_back(LineRequest{kGtinA, 0, std::nullopt});
          commands.push_back(commit);
        } else if (id != 0) {
          commands.push_back(Release{id});
        } else {
          std::vector<LineRequest> lines;
          for (size_t l = 0; l < 1 + random() % 3; ++l) {
            std::optional<std::string> where;
            if (random() % 3 == 0) where = random() % 2 == 0 ? "DC-1" : "ST-2";
            lines.push_back(LineRequest{random() % 2 == 0 ? kGtinA : kGtinB,
                                        static_cast<int64_t>(1 + random() % 5), where});
          }
          commands.push_back(make_reserve("t" + std::to_string(thread_index), std::move(lines),
                                          static_cast<int64_t>(200 + random() % 3000)));
        }
      }
      ++outstanding;
      auto done = [&](Replies&& replies) {
        {
          std::lock_guard lock(mutex);
          for (const auto& reply : replies) {
            if (!reply) {
              ++rejected;
            } else if (const auto* view = std::get_if<ReservationView>(&*reply);
                       view != nullptr && view->status == ReservationStatus::pending) {
              mine.push_back(view->reservation_id);
              ++reserved_ok;
            }
          }
        }
        --outstanding;  // last touch of this thread's locals: the thread may now exit
      };
      while (true) {
        std::vector<Command> attempt = commands;
        auto submitted = sequencer.submit(std::move(attempt), done);
        if (submitted) break;
        ASSERT_EQ(submitted.error().code, ErrorCode::busy);
        ++busy;
        std::this_thread::yield();
      }
    }
    while (outstanding.load() > 0) std::this_thread::yield();  // `done` refers to locals
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(submitter, t);
  for (std::thread& thread : threads) thread.join();
  sequencer.stop();

  std::printf("  %llu reserved, %llu rejected, %llu busy retries\n",
              static_cast<unsigned long long>(reserved_ok.load()),
              static_cast<unsigned long long>(rejected.load()),
              static_cast<unsigned long long>(busy.load()));
  EXPECT_GT(reserved_ok.load(), 0u);
  EXPECT_GT(rejected.load(), 0u) << "stock was meant to run out; reproduce with LIVECHAIN_SEED="
                                 << seed;
  const LedgerState& state = engine.state();
  int64_t sold_total = 0;
  for (SkuIndex sku = 0; sku < state.skus().size(); ++sku) {
    for (LocationIndex location : state.locations_of_sku(sku)) {
      Balance b = state.balance_or_zero(sku, location);
      EXPECT_GE(b.on_hand_units, 0);
      EXPECT_LE(b.reserved_units, b.on_hand_units) << "oversold";
      EXPECT_EQ(b.on_hand_units + b.sold_units, b.received_units) << "units not conserved";
      sold_total += b.sold_units;
    }
  }
  EXPECT_GT(sold_total, 0);
  EXPECT_EQ(durable.journal().tree_size(), state.applied_events());
  auto replayed = recover_engine(durable.journal(), false);
  ASSERT_TRUE(replayed.has_value()) << replayed.error().to_string();
  EXPECT_EQ(replayed->state().serialize(), state.serialize())
      << "live state differs from the journal; reproduce with LIVECHAIN_SEED=" << seed;
}

}  // namespace
}  // namespace livechain::engine
