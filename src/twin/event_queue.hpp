// src/twin/event_queue.hpp — internal: the simulator's time-ordered event queue.
//
// A calendar queue: events are bucketed by simulated minute and a bucket is sorted by
// (time, seq) only when it is drained, so a push is an append and a pop is an index
// step. It replaced a binary heap whose millions of entries (returns are scheduled
// days ahead) made every push and pop a chain of cache misses. Events more than a day
// ahead of the last pop (returns, grading, rework) are first appended to a per-day
// list and spread into minute buckets a day before they are due, so the scatter
// touches one day's buckets at a time. Order is exactly the heap's: by time, ties in
// push order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "core/assert.hpp"
#include "core/time.hpp"

namespace livechain::twin {

// REQUIRES of Event: members `time_ms` (TimeMs) and `seq` (uint64_t).
template <class Event>
class EventQueue {
 public:
  // Adds `event` (its seq is set here). REQUIRES: not earlier than the last event popped.
  void push(Event event) {
    LC_DASSERT(event.time_ms >= popped_ms_);
    event.seq = seq_++;
    ++size_;
    if (event.time_ms - popped_ms_ >= kFarMs) {
      far_[event.time_ms / kFarMs].push_back(event);
      return;
    }
    place(event);
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Moves the earliest event to `out` if its time is before `until_ms`.
  bool pop_before(TimeMs until_ms, Event& out) {
    // Everything due within a day of the horizon goes to the minute buckets first.
    while (!far_.empty() && far_.begin()->first * kFarMs - kFarMs < until_ms) {
      for (const Event& event : far_.begin()->second) place(event);
      far_.erase(far_.begin());
    }
    while (!buckets_.empty()) {
      Bucket& bucket = buckets_.front();
      if (bucket.next == bucket.events.size()) {
        buckets_.pop_front();
        ++first_minute_;
        continue;
      }
      if (!bucket.sorted) {
        std::sort(bucket.events.begin() + static_cast<std::ptrdiff_t>(bucket.next),
                  bucket.events.end(), [](const Event& a, const Event& b) {
                    return a.time_ms != b.time_ms ? a.time_ms < b.time_ms : a.seq < b.seq;
                  });
        bucket.sorted = true;
      }
      const Event& first = bucket.events[bucket.next];
      if (first.time_ms >= until_ms) return false;
      out = first;
      popped_ms_ = first.time_ms;
      ++bucket.next;
      --size_;
      return true;
    }
    return false;
  }

 private:
  static constexpr TimeMs kBucketMs = 60'000;
  static constexpr TimeMs kFarMs = 86'400'000;
  struct Bucket {
    std::vector<Event> events;
    size_t next = 0;  // events before it were popped
    bool sorted = true;
  };

  void place(const Event& event) {
    Bucket& bucket = bucket_of(event.time_ms / kBucketMs);
    if (!bucket.events.empty() && event.time_ms < bucket.events.back().time_ms) {
      bucket.sorted = false;
    }
    bucket.events.push_back(event);
  }

  // The bucket of `minute`, growing the window at either end as needed.
  Bucket& bucket_of(TimeMs minute) {
    if (buckets_.empty()) first_minute_ = minute;
    while (minute < first_minute_) {
      buckets_.emplace_front();
      --first_minute_;
    }
    const size_t index = static_cast<size_t>(minute - first_minute_);
    LC_ASSERT(index < kBucketsMax);
    if (index >= buckets_.size()) buckets_.resize(index + 1);
    return buckets_[index];
  }

  // A window of minutes from the earliest pending event; a run spans weeks at most.
  static constexpr size_t kBucketsMax = 366 * 24 * 60;
  std::deque<Bucket> buckets_;  // buckets_[i] holds minute first_minute_ + i
  TimeMs first_minute_ = 0;
  std::map<TimeMs, std::vector<Event>> far_;  // by day: events a day or more ahead
  uint64_t seq_ = 0;
  size_t size_ = 0;
  TimeMs popped_ms_ = 0;
};

}  // namespace livechain::twin
