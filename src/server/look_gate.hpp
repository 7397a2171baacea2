// src/server/look_gate.hpp — internal: at most one look in flight for the watchers that
// run after every durable batch (transfer_watcher, production_planner). A look asked for
// while one runs is not queued again and again: it makes exactly one more look after the
// running one, which sees every batch since.
#pragma once

#include <atomic>

namespace livechain::server {

class LookGate {
 public:
  // Any thread. True: the caller starts a look now. False: one is running; it will be
  // followed by one more (finish returns true).
  bool try_start() {
    if (running_.exchange(true)) {
      again_.store(true);
      return false;
    }
    return true;
  }
  // The thread that ran the look. True when a look was asked for meanwhile: the caller
  // asks again (try_start).
  bool finish() {
    running_.store(false);
    return again_.exchange(false);
  }

 private:
  std::atomic<bool> running_{false};
  std::atomic<bool> again_{false};
};

}  // namespace livechain::server
