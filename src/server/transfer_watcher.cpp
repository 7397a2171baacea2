// The threshold-transfer watcher: see transfer_watcher.hpp.
#include "server/transfer_watcher.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <set>

namespace livechain::server {

namespace {
constexpr TimeMs kThresholdRefreshMs = 1'000;
constexpr std::string_view kActor = "threshold-watcher";
}  // namespace

void TransferWatcher::on_batch_durable() {
  if (sequencer_ == nullptr || clock_.now_ms() < idle_until_ms_.load()) return;
  if (!look_gate_.try_start()) return;
  run_blocking_([this] { look(); });
}

void TransferWatcher::finish_look() {
  if (look_gate_.finish()) on_batch_durable();
}

void TransferWatcher::look() {
  looks_.fetch_add(1);
  TimeMs now_ms = clock_.now_ms();
  // Copied: the read runs on the engine thread while the worker may take the next task.
  auto cooling = std::make_shared<std::set<std::string>>();
  for (const auto& [gtin, at_ms] : decided_at_ms_) {
    if (now_ms - at_ms < config_.cooldown_ms) cooling->insert(gtin);
  }
  auto read = sequencer_->read_async([this, now_ms, cooling](const engine::Engine& engine) {
    const engine::LedgerState& state = engine.state();
    if (!thresholds_known_ || now_ms - thresholds_at_ms_ >= kThresholdRefreshMs ||
        now_ms < thresholds_at_ms_) {
      thresholds_ = planning::session_thresholds(state, config_, now_ms);
      thresholds_at_ms_ = now_ms;
      thresholds_known_ = true;
      watched_.store(thresholds_.size());
      // No session to watch: the next second's batches need no look.
      idle_until_ms_.store(thresholds_.empty() ? now_ms + kThresholdRefreshMs : 0);
    }
    std::vector<planning::TransferTrigger> triggers;
    if (!thresholds_.empty()) {
      triggers = planning::find_transfer_triggers(
          state, thresholds_, config_,
          [&](const std::string& gtin) { return cooling->contains(gtin); });
    }
    if (triggers.empty()) return finish_look();
    auto moved = std::make_shared<std::vector<planning::TransferTrigger>>(std::move(triggers));
    run_blocking_([this, moved, now_ms] { decide(std::move(*moved), now_ms); });
  });
  if (!read) finish_look();  // shutting down
}

void TransferWatcher::decide(std::vector<planning::TransferTrigger> triggers, TimeMs now_ms) {
  std::vector<engine::Command> commands;
  for (const planning::TransferTrigger& trigger : triggers) {
    triggers_.fetch_add(1);
    auto plan = planning::solve_transfers(trigger.problem);
    if (!plan) {
      failures_.fetch_add(1);
      std::fprintf(stderr, "transfers: %s: %s\n", trigger.gtin.c_str(),
                   plan.error().to_string().c_str());
      continue;
    }
    decided_at_ms_[trigger.gtin] = now_ms;
    for (auto& command : planning::threshold_decision_commands(
             trigger, *plan, planning::nearest_dc_baseline(trigger.problem), config_, now_ms,
             kActor)) {
      commands.push_back(std::move(command));
    }
  }
  if (!commands.empty()) {
    std::vector<bool> is_reroute;
    for (const engine::Command& command : commands) {
      is_reroute.push_back(std::holds_alternative<engine::RerouteTransfer>(command));
    }
    auto submitted = sequencer_->submit(
        std::move(commands), [this, is_reroute = std::move(is_reroute)](engine::Replies&& replies) {
          for (size_t i = 0; i < replies.size(); ++i) {
            if (!replies[i]) {
              failures_.fetch_add(1);
              continue;
            }
            if (!std::holds_alternative<engine::TransferView>(*replies[i])) continue;
            (i < is_reroute.size() && is_reroute[i] ? reroutes_ : shipments_).fetch_add(1);
          }
          decisions_.fetch_add(1);
        });
    if (!submitted) failures_.fetch_add(1);
  }
  finish_look();
}

std::string TransferWatcher::metrics_text() const {
  return fmt::format(
      "# HELP livechain_transfer_looks_total Threshold looks after durable batches.\n"
      "# TYPE livechain_transfer_looks_total counter\n"
      "livechain_transfer_looks_total {}\n"
      "# HELP livechain_transfer_triggers_total SKUs found under a threshold and solved.\n"
      "# TYPE livechain_transfer_triggers_total counter\n"
      "livechain_transfer_triggers_total {}\n"
      "# HELP livechain_transfer_decisions_total Decision batches journaled.\n"
      "# TYPE livechain_transfer_decisions_total counter\n"
      "livechain_transfer_decisions_total {}\n"
      "# HELP livechain_transfer_shipments_total Transfers shipped by the watcher (ship mode).\n"
      "# TYPE livechain_transfer_shipments_total counter\n"
      "livechain_transfer_shipments_total {}\n"
      "# HELP livechain_transfer_reroutes_total In-transit transfers re-routed by the watcher "
      "(ship mode).\n"
      "# TYPE livechain_transfer_reroutes_total counter\n"
      "livechain_transfer_reroutes_total {}\n"
      "# HELP livechain_transfer_failures_total Solver errors and refused commands.\n"
      "# TYPE livechain_transfer_failures_total counter\n"
      "livechain_transfer_failures_total {}\n"
      "# HELP livechain_transfer_watched_locations SKU x location rows with a threshold.\n"
      "# TYPE livechain_transfer_watched_locations gauge\n"
      "livechain_transfer_watched_locations {}\n",
      looks_.load(), triggers_.load(), decisions_.load(), shipments_.load(), reroutes_.load(),
      failures_.load(), watched_.load());
}

}  // namespace livechain::server
