// src/engine/sequencer.hpp
//
// The single writer (LMAX / TigerBeetle style). Callers on any thread submit commands;
// one engine thread executes them in arrival order into a batch while one journal
// thread makes the previous batch durable (group commit). A submission's completion
// runs only after every event of its commands is durable. The batch grows while the
// journal is busy, so batches size themselves to the fsync latency.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "engine/engine.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

struct SequencerOptions {
  size_t queue_commands_max = 1 << 20;  // submitted, not yet executed: beyond → busy
  size_t batch_commands_max = 1 << 14;  // commands per group commit
  size_t submission_commands_max = 1 << 14;
  // Reads (read, read_async) waiting for the engine thread: beyond → busy. Every GET of
  // the server is one, so without a bound a read-heavy load grows the queue without
  // limit while the engine is busy; with it the caller gets back-pressure (503).
  size_t queue_reads_max = 1 << 16;
  // Durable mode: write a state snapshot after this many events since the last one
  // (0: never), but not more often than snapshot_interval_ms_min, so a restart replays
  // a bounded tail. The engine serialises at a batch boundary; the journal thread
  // stores it after that batch is durable.
  uint64_t snapshot_every_events = 0;
  int64_t snapshot_interval_ms_min = 60'000;
};

// One durable group commit, for metrics.
struct BatchReport {
  uint64_t commands = 0;
  uint64_t events = 0;
  uint32_t commit_latency_us = 0;
  bool failed = false;
};

using Replies = std::vector<Result<Reply>>;
// Runs on the journal thread (or the engine thread in memory mode) once the
// submission's events are durable. Must not block.
using Completion = std::function<void(Replies&& replies)>;

struct SequencerStats {
  uint64_t commands = 0;
  uint64_t batches = 0;  // group commits (durable) or execution rounds (memory)
  uint64_t events = 0;
  std::vector<uint32_t> commit_latency_us;  // one per durable batch, oldest first, capped
  uint64_t queue_depth = 0;
};

class Sequencer {
 public:
  // `journal` null: memory mode (nothing is durable; for benchmarks and the twin).
  // `engine`, `journal` and `clock` must outlive the Sequencer.
  // `on_batch_durable`, when set, runs on the journal thread after every group commit
  // and must not block.
  Sequencer(Engine& engine, journal::Journal* journal, const Clock& clock,
            SequencerOptions options = {},
            std::function<void(const BatchReport&)> on_batch_durable = {});
  ~Sequencer();  // stop()

  void start();
  // Stops taking commands, executes and commits everything already queued, runs
  // their completions, and joins both threads. Idempotent.
  void stop();

  // Queues commands in order. Errors: busy when the queue holds queue_commands_max
  // commands; limit_exceeded when the submission is larger than
  // submission_commands_max or empty; shutting_down after stop(); io_error after a
  // journal write failed (the engine then refuses all writes until restarted).
  Result<void> submit(std::vector<Command>&& commands, Completion done);

  // Runs `read` on the engine thread between batches, blocking until it ran. It sees
  // every command executed so far (some may not be durable yet). Errors (returned at
  // once, `read` never runs): busy (field "reads") when queue_reads_max reads are
  // already waiting; shutting_down after stop().
  Result<void> read(const std::function<void(const Engine&)>& read);
  // As read(), but returns at once; `read` runs later on the engine thread and must not
  // block (the server posts its response from there). Errors as read()'s.
  Result<void> read_async(std::function<void(const Engine&)> read);

  SequencerStats stats() const;
  // Commands submitted and not yet executed (cheap; stats() copies latency samples).
  uint64_t queue_depth() const;
  // Snapshots written by the journal thread, and the last snapshot error if any.
  uint64_t snapshots_written() const;

 private:
  struct Submission {
    std::vector<Command> commands;
    Completion done;
  };
  struct Batch {
    journal::BatchBuilder events;
    std::vector<std::pair<Completion, Replies>> completions;
    TimeMs time_ms = 0;
    size_t commands = 0;
  };

  void engine_loop();
  void journal_loop();
  void execute_into(Batch& batch, std::deque<Submission>& work);
  void finish(Batch& batch, std::optional<Error> failure);
  // Why a read cannot be queued now (stopping, the read queue is full), if it cannot.
  std::optional<Error> refuse_read() const;  // REQUIRES: mutex_ held

  Engine& engine_;
  journal::Journal* journal_;
  const Clock& clock_;
  const SequencerOptions options_;
  const std::function<void(const BatchReport&)> on_batch_durable_;

  mutable std::mutex mutex_;
  std::condition_variable engine_wakeup_;
  std::condition_variable journal_wakeup_;
  std::condition_variable idle_;
  // GUARDED_BY(mutex_):
  std::deque<Submission> queue_;
  size_t queued_commands_ = 0;
  std::deque<std::function<void()>> reads_;  // at most options_.queue_reads_max
  std::optional<Batch> handoff_;             // a batch waiting for the journal thread
  bool journal_busy_ = false;
  bool stopping_ = false;
  bool engine_done_ = false;
  std::optional<Error> failure_;
  SequencerStats stats_;
  std::vector<Batch> spare_batches_;  // recycled builders (keep their capacity)
  // A serialised state and the tree size it corresponds to, waiting for the journal.
  std::optional<std::pair<uint64_t, Bytes>> pending_snapshot_;
  uint64_t snapshots_written_ = 0;

  // Engine thread only:
  uint64_t handed_off_events_ = 0;  // tree size once every handed-off batch is appended
  uint64_t events_at_last_snapshot_ = 0;
  TimeMs last_snapshot_ms_ = 0;
  bool snapshot_due();

  std::thread engine_thread_;
  std::thread journal_thread_;
};

}  // namespace livechain::engine
