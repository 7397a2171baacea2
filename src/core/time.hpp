// src/core/time.hpp
//
// Time is injected. The engine never reads the wall clock: the sequencer stamps each
// command with Clock::now_ms() and that stamp is journaled, so replay sees the same
// time. Tests and the simulator use ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace livechain {

using TimeMs = int64_t;  // milliseconds since the Unix epoch

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. Thread-safe.
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start_ms) : now_ms_(start_ms) {}
  TimeMs now_ms() const override { return now_ms_.load(std::memory_order_relaxed); }
  void advance_ms(TimeMs delta_ms) { now_ms_.fetch_add(delta_ms, std::memory_order_relaxed); }
  void set_ms(TimeMs value_ms) { now_ms_.store(value_ms, std::memory_order_relaxed); }

 private:
  std::atomic<TimeMs> now_ms_;
};

// "2026-12-06T23:40:00.250Z": UTC with milliseconds, the form every JSON answer uses.
std::string format_rfc3339_ms(TimeMs time_ms);

}  // namespace livechain
