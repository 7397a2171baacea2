// src/server/production_planner.hpp — internal: flexible production in the running server
// (docs/planning.md "In the server"). Plans every open production order on every factory:
// the inputs are read on the engine thread, CBC solves on the planner's own thread (one
// solve at a time, in the order asked; a solve may take config.time_limit_s, so it must
// not hold up the worker the alert rules run on), and the decision — the orders it adds,
// the plan_decision record and the presale plan — goes through the single writer.
//
// After every durable batch it also looks for orange sales_over_forecast alerts it has
// not seen (one look in flight; batches during a look make one more): for each open one
// whose SKU a running factory makes, it adds the emergency order "emergency-<alert id>"
// and re-plans.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "engine/engine.hpp"
#include "engine/sequencer.hpp"
#include "planning/production_records.hpp"
#include "server/look_gate.hpp"

namespace livechain::server {

class ProductionPlanner {
 public:
  using Done = std::function<void(Result<boost::json::object>)>;

  // `run_solver` runs work on the planner's thread, in order.
  ProductionPlanner(const Clock& clock, planning::ProductionServerConfig config,
                    std::function<void(std::function<void()>)> run_solver)
      : clock_(clock), config_(std::move(config)), run_solver_(std::move(run_solver)) {}

  // Set once, before the first batch.
  void attach(engine::Sequencer& sequencer) { sequencer_ = &sequencer; }
  const planning::ProductionServerConfig& config() const { return config_; }

  // Any thread: plans every open order for `actor` and journals the decision after
  // `prefix` (an Idempotency-Key claim) in one submission. `done` runs once, on the
  // journal or the planner's thread, with the plan output (docs/planning.md "Output",
  // plus "planned_at", "planned_by", "presale", "orders_added") once it is durable, or
  // the error: those of read_production_inputs and decide_production, and the
  // sequencer's (busy, shutting_down).
  void plan(std::string actor, std::vector<engine::Command> prefix, Done done);
  // Journal thread, after every group commit: schedules a look for new orange alerts
  // (when config.orders_from_alerts). Never blocks.
  void on_batch_durable();
  // Prometheus text: plans, failures, emergency orders from alerts.
  std::string metrics_text() const;

 private:
  void plan_with(std::string actor, std::vector<planning::OrderRecord> added,
                 std::vector<engine::Command> prefix, Done done);
  void decide(std::shared_ptr<planning::ProductionLedgerInputs> inputs, std::string actor,
              std::vector<engine::Command> prefix, Done done);  // planner thread
  void look(const engine::Engine& engine);                      // engine thread (a read)
  void finish_look();

  const Clock& clock_;
  const planning::ProductionServerConfig config_;
  std::function<void(std::function<void()>)> run_solver_;
  engine::Sequencer* sequencer_ = nullptr;
  LookGate look_gate_;
  // Engine thread only: alerts with a smaller id were looked at.
  uint64_t next_unseen_alert_id_ = 1;
  std::atomic<uint64_t> plans_{0}, failures_{0}, alert_orders_{0};
};

}  // namespace livechain::server
