#include "engine/sequencer.hpp"

#include <chrono>
#include <future>

#include <pthread.h>

#include "core/assert.hpp"

namespace livechain::engine {

namespace {
constexpr size_t kCommitLatencySamplesMax = 1 << 20;
}

Sequencer::Sequencer(Engine& engine, journal::Journal* journal, const Clock& clock,
                     SequencerOptions options,
                     std::function<void(const BatchReport&)> on_batch_durable)
    : engine_(engine),
      journal_(journal),
      clock_(clock),
      options_(options),
      on_batch_durable_(std::move(on_batch_durable)) {
  if (journal_ != nullptr) {
    handed_off_events_ = journal_->tree_size();
    events_at_last_snapshot_ = handed_off_events_;
    last_snapshot_ms_ = clock_.now_ms();
  }
  LC_ASSERT(options_.batch_commands_max >= options_.submission_commands_max);
  LC_ASSERT(options_.queue_commands_max >= options_.submission_commands_max);
  LC_ASSERT(options_.queue_reads_max > 0);
}

Sequencer::~Sequencer() {
  stop();
}

void Sequencer::start() {
  LC_ASSERT(!engine_thread_.joinable());
  // Named so that top, perf and gdb show which side of the pipeline is busy.
  engine_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lc-engine");
    engine_loop();
  });
  if (journal_ != nullptr) {
    journal_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "lc-journal");
      journal_loop();
    });
  }
}

void Sequencer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  engine_wakeup_.notify_all();
  if (engine_thread_.joinable()) engine_thread_.join();
  journal_wakeup_.notify_all();
  if (journal_thread_.joinable()) journal_thread_.join();
}

Result<void> Sequencer::submit(std::vector<Command>&& commands, Completion done) {
  if (commands.empty() || commands.size() > options_.submission_commands_max) {
    return fail(
        ErrorCode::limit_exceeded, "commands",
        "a submission holds 1.." + std::to_string(options_.submission_commands_max) + " commands");
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return fail(ErrorCode::shutting_down, "", "the engine is stopping");
    if (failure_) return fail(ErrorCode::io_error, "", "journal write failed: " + failure_->detail);
    if (queued_commands_ + commands.size() > options_.queue_commands_max) {
      return fail(ErrorCode::busy, "", "the engine queue is full; retry later");
    }
    queued_commands_ += commands.size();
    queue_.push_back(Submission{std::move(commands), std::move(done)});
  }
  engine_wakeup_.notify_one();
  return {};
}

std::optional<Error> Sequencer::refuse_read() const {
  if (stopping_) return Error{ErrorCode::shutting_down, "", "the engine is stopping"};
  if (reads_.size() >= options_.queue_reads_max) {
    return Error{ErrorCode::busy, "reads",
                 "the engine's read queue is full (" + std::to_string(options_.queue_reads_max) +
                     " reads); retry later"};
  }
  return std::nullopt;
}

Result<void> Sequencer::read(const std::function<void(const Engine&)>& read) {
  std::promise<void> ran;
  {
    std::lock_guard lock(mutex_);
    if (auto refused = refuse_read()) return std::unexpected(std::move(*refused));
    reads_.push_back([&] {
      read(engine_);
      ran.set_value();
    });
    LC_ASSERT(reads_.size() <= options_.queue_reads_max);
  }
  engine_wakeup_.notify_one();
  ran.get_future().wait();
  return {};
}

Result<void> Sequencer::read_async(std::function<void(const Engine&)> read) {
  {
    std::lock_guard lock(mutex_);
    if (auto refused = refuse_read()) return std::unexpected(std::move(*refused));
    reads_.push_back([this, read = std::move(read)] { read(engine_); });
    LC_ASSERT(reads_.size() <= options_.queue_reads_max);
  }
  engine_wakeup_.notify_one();
  return {};
}

uint64_t Sequencer::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queued_commands_;
}

uint64_t Sequencer::snapshots_written() const {
  std::lock_guard lock(mutex_);
  return snapshots_written_;
}

bool Sequencer::snapshot_due() {
  if (options_.snapshot_every_events == 0) return false;
  if (handed_off_events_ - events_at_last_snapshot_ < options_.snapshot_every_events) return false;
  TimeMs now_ms = clock_.now_ms();
  if (now_ms - last_snapshot_ms_ < options_.snapshot_interval_ms_min) return false;
  events_at_last_snapshot_ = handed_off_events_;
  last_snapshot_ms_ = now_ms;
  return true;
}

SequencerStats Sequencer::stats() const {
  std::lock_guard lock(mutex_);
  SequencerStats out = stats_;
  out.queue_depth = queued_commands_;
  return out;
}

void Sequencer::execute_into(Batch& batch, std::deque<Submission>& work) {
  while (!work.empty()) {
    Submission submission = std::move(work.front());
    work.pop_front();
    Replies replies;
    replies.reserve(submission.commands.size());
    for (const Command& command : submission.commands) {
      // Engine time never runs backwards, even if the wall clock does.
      TimeMs now_ms = std::max(clock_.now_ms(), engine_.state().now_ms());
      replies.push_back(engine_.execute(command, now_ms, batch.events));
      batch.time_ms = now_ms;
    }
    batch.commands += submission.commands.size();
    batch.completions.emplace_back(std::move(submission.done), std::move(replies));
  }
}

void Sequencer::finish(Batch& batch, std::optional<Error> failure) {
  for (auto& [done, replies] : batch.completions) {
    if (failure) {
      for (auto& reply : replies) reply = std::unexpected(*failure);
    }
    if (done) done(std::move(replies));
  }
  batch.completions.clear();
  batch.events.clear();
  batch.commands = 0;
}

void Sequencer::engine_loop() {
  Batch current;
  std::deque<Submission> work;
  std::deque<std::function<void()>> reads;
  for (;;) {
    bool take_snapshot = false;
    {
      std::unique_lock lock(mutex_);
      auto journal_free = [&] { return !journal_busy_; };
      // Whether the next queued submission still fits in the current batch once
      // `taken_commands` more are in it: batch_commands_max counts commands, not
      // submissions. An empty batch always fits one (submission max <= batch max).
      auto next_fits = [&](size_t taken_commands) {
        return !queue_.empty() &&
               current.commands + taken_commands + queue_.front().commands.size() <=
                   options_.batch_commands_max;
      };
      engine_wakeup_.wait(lock, [&] {
        return !reads_.empty() || next_fits(0) || (current.commands > 0 && journal_free()) ||
               (stopping_ && queue_.empty());
      });
      reads.swap(reads_);
      size_t taken_commands = 0;
      while (next_fits(taken_commands)) {
        taken_commands += queue_.front().commands.size();
        queued_commands_ -= queue_.front().commands.size();
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      bool handoff_ready = work.empty() && current.commands > 0 && journal_free();
      if (handoff_ready && journal_ != nullptr) {
        handed_off_events_ += current.events.event_count();
        take_snapshot = snapshot_due();
        handoff_ = std::move(current);
        journal_busy_ = true;
        current = Batch{};
        if (!spare_batches_.empty()) {
          current = std::move(spare_batches_.back());
          spare_batches_.pop_back();
        }
        journal_wakeup_.notify_one();
      }
      if (stopping_ && queue_.empty() && work.empty() && reads.empty() && current.commands == 0 &&
          !journal_busy_) {
        engine_done_ = true;
        journal_wakeup_.notify_all();
        return;
      }
    }
    if (take_snapshot) {
      // The state now is exactly the journal after the batch just handed off: `work`
      // was empty, so nothing newer has been executed.
      Bytes state = engine_.state().serialize();
      std::lock_guard lock(mutex_);
      pending_snapshot_.emplace(handed_off_events_, std::move(state));
    }
    for (auto& run : reads) run();
    reads.clear();
    execute_into(current, work);
    if (journal_ == nullptr && current.commands > 0) {
      std::lock_guard lock(mutex_);
      stats_.commands += current.commands;
      stats_.events += current.events.event_count();
      ++stats_.batches;
      finish(current, std::nullopt);
    }
  }
}

void Sequencer::journal_loop() {
  for (;;) {
    Batch batch;
    std::optional<Error> failure;
    {
      std::unique_lock lock(mutex_);
      journal_wakeup_.wait(lock, [&] { return handoff_.has_value() || engine_done_; });
      if (!handoff_) return;
      batch = std::move(*handoff_);
      handoff_.reset();
      failure = failure_;
    }
    LC_ASSERT(batch.commands > 0);
    auto started = std::chrono::steady_clock::now();
    if (!failure && batch.events.event_count() > 0) {
      auto head = journal_->append(batch.events, batch.time_ms);
      if (!head) failure = head.error();
    }
    auto latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    uint64_t commands = batch.commands;
    uint64_t events = batch.events.event_count();
    finish(batch, failure);
    if (on_batch_durable_) {
      on_batch_durable_(
          BatchReport{commands, events, static_cast<uint32_t>(latency_us), failure.has_value()});
    }
    std::optional<std::pair<uint64_t, Bytes>> snapshot;
    {
      std::lock_guard lock(mutex_);
      if (!failure && pending_snapshot_ && pending_snapshot_->first <= journal_->tree_size()) {
        snapshot = std::move(pending_snapshot_);
        pending_snapshot_.reset();
      }
    }
    // A snapshot only shortens recovery; failing to store one loses nothing.
    if (snapshot && journal_->put_snapshot(snapshot->first, snapshot->second)) {
      std::lock_guard lock(mutex_);
      ++snapshots_written_;
    }
    {
      std::lock_guard lock(mutex_);
      if (failure && !failure_) failure_ = failure;
      stats_.commands += commands;
      stats_.events += events;
      ++stats_.batches;
      if (stats_.commit_latency_us.size() < kCommitLatencySamplesMax) {
        stats_.commit_latency_us.push_back(static_cast<uint32_t>(latency_us));
      }
      journal_busy_ = false;
      spare_batches_.push_back(std::move(batch));
    }
    engine_wakeup_.notify_one();
  }
}

}  // namespace livechain::engine
