// Flexible production in the running server: see production_planner.hpp.
#include "server/production_planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/assert.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

constexpr std::string_view kSystemActor = "system";
constexpr std::string_view kOrangeKind = "sales_over_forecast";

std::string subject_value(const engine::AlertRecord& alert, std::string_view name) {
  for (const auto& [field, value] : alert.subject) {
    if (field == name) return value;
  }
  return {};
}

double number_in(const json::object* o, std::string_view name) {
  const json::value* v = o != nullptr ? o->if_contains(name) : nullptr;
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

// The shortfall an orange alert carries: its action's qty, else its evidence's sales −
// forecast; `fallback` when neither is positive.
int64_t emergency_qty(const engine::AlertRecord& alert, int64_t fallback) {
  std::error_code error;
  json::value action = json::parse(alert.action_json, error);
  double qty = number_in(action.if_object(), "qty");
  if (!(qty >= 1)) {
    json::value evidence = json::parse(alert.evidence_json, error);
    const json::object* e = evidence.if_object();
    if (e != nullptr && e->contains("sales_units") && e->contains("forecast_units")) {
      qty = number_in(e, "sales_units") - number_in(e, "forecast_units");
    }
  }
  if (!(qty >= 1)) return fallback;
  return std::min<int64_t>(std::llround(qty), planning::kProductionQtyMax);
}

// The emergency orders of the orange alerts in [first, end) not yet turned into one,
// for SKUs a running factory makes. Engine thread.
std::vector<planning::OrderRecord> orders_from_alerts(
    const engine::LedgerState& state, uint64_t first, uint64_t end,
    const planning::ProductionServerConfig& config, TimeMs now_ms) {
  std::vector<planning::OrderRecord> out;
  std::vector<planning::FactoryRecord> factories;
  bool factories_read = false;
  for (uint64_t id = first; id < end; ++id) {
    const engine::AlertRecord* alert = state.alerts().find(id);
    if (alert == nullptr || alert->kind != kOrangeKind ||
        alert->severity != engine::AlertSeverity::orange ||
        alert->state == engine::AlertState::resolved) {
      continue;
    }
    std::string order_id = fmt::format("emergency-{}", id);
    std::string sku = subject_value(*alert, "sku");
    if (sku.empty() ||
        state.rule_states().contains({engine::RuleStateKind::production_order, order_id})) {
      continue;
    }
    if (!factories_read) {
      auto stored = planning::stored_factories(state);
      if (!stored) {
        std::fprintf(stderr, "production: %s\n", stored.error().to_string().c_str());
        return out;
      }
      factories = std::move(*stored);
      factories_read = true;
    }
    bool made = std::any_of(factories.begin(), factories.end(), [&](const auto& f) {
      return !f.factory.stopped && f.factory.makes(sku);
    });
    if (!made) continue;
    planning::OrderRecord order;
    order.order.id = order_id;
    order.order.product = sku;
    order.order.qty_units = emergency_qty(*alert, config.emergency_qty_units);
    order.order.kind = planning::OrderKind::emergency;
    order.due_epoch_day = planning::epoch_day_of(now_ms) + config.emergency_due_days;
    order.source = fmt::format("alert:{}", id);
    order.updated_at_ms = now_ms;
    order.updated_by = std::string(kSystemActor);
    out.push_back(std::move(order));
  }
  return out;
}

}  // namespace

void ProductionPlanner::plan(std::string actor, std::vector<engine::Command> prefix, Done done) {
  plan_with(std::move(actor), {}, std::move(prefix), std::move(done));
}

void ProductionPlanner::plan_with(std::string actor, std::vector<planning::OrderRecord> added,
                                  std::vector<engine::Command> prefix, Done done) {
  LC_ASSERT(sequencer_ != nullptr);
  auto shared_done = std::make_shared<Done>(std::move(done));
  auto shared_prefix = std::make_shared<std::vector<engine::Command>>(std::move(prefix));
  auto shared_added = std::make_shared<std::vector<planning::OrderRecord>>(std::move(added));
  // The engine thread only reads and parses the records; CBC runs on the planner's thread.
  auto read = sequencer_->read_async(
      [this, actor, shared_done, shared_prefix, shared_added](const engine::Engine& engine) {
        auto inputs = planning::read_production_inputs(engine.state(), std::move(*shared_added));
        if (!inputs) {
          failures_.fetch_add(1);
          return (*shared_done)(std::unexpected(inputs.error()));
        }
        auto shared_inputs = std::make_shared<planning::ProductionLedgerInputs>(std::move(*inputs));
        run_solver_([this, shared_inputs, actor, shared_prefix, shared_done] {
          decide(shared_inputs, actor, std::move(*shared_prefix), std::move(*shared_done));
        });
      });
  if (!read) (*shared_done)(std::unexpected(read.error()));
}

void ProductionPlanner::decide(std::shared_ptr<planning::ProductionLedgerInputs> inputs,
                               std::string actor, std::vector<engine::Command> prefix, Done done) {
  auto decision = planning::decide_production(*inputs, config_, clock_.now_ms(), actor);
  if (!decision) {
    failures_.fetch_add(1);
    return done(std::unexpected(decision.error()));
  }
  // The records (claim, added orders, decision) must all be applied; a presale row that
  // a sale changed since the read is refused alone and counted (the next plan sets it).
  size_t records = prefix.size() + inputs->added.size() + 1;
  std::vector<engine::Command> commands = std::move(prefix);
  for (auto& c : decision->commands) commands.push_back(std::move(c));
  auto output = std::make_shared<json::object>(std::move(decision->output));
  auto shared_done = std::make_shared<Done>(std::move(done));
  auto submitted = sequencer_->submit(
      std::move(commands), [this, records, output, shared_done](engine::Replies&& replies) {
        for (size_t i = 0; i < replies.size(); ++i) {
          if (replies[i]) continue;
          failures_.fetch_add(1);
          if (i < records) return (*shared_done)(std::unexpected(replies[i].error()));
          std::fprintf(stderr, "production: presale plan refused: %s\n",
                       replies[i].error().to_string().c_str());
        }
        plans_.fetch_add(1);
        (*shared_done)(std::move(*output));
      });
  if (!submitted) {
    failures_.fetch_add(1);
    (*shared_done)(std::unexpected(submitted.error()));
  }
}

void ProductionPlanner::on_batch_durable() {
  if (sequencer_ == nullptr || !config_.orders_from_alerts) return;
  if (!look_gate_.try_start()) return;
  auto read = sequencer_->read_async([this](const engine::Engine& engine) { look(engine); });
  if (!read) finish_look();  // shutting down
}

void ProductionPlanner::finish_look() {
  if (look_gate_.finish()) on_batch_durable();
}

void ProductionPlanner::look(const engine::Engine& engine) {
  const engine::LedgerState& state = engine.state();
  uint64_t end = state.alerts().next_alert_id();
  uint64_t first = next_unseen_alert_id_;
  next_unseen_alert_id_ = std::max(first, end);
  if (first >= end) return finish_look();
  auto added = orders_from_alerts(state, first, end, config_, clock_.now_ms());
  finish_look();
  if (added.empty()) return;
  alert_orders_.fetch_add(added.size());
  auto shared_added = std::make_shared<std::vector<planning::OrderRecord>>(std::move(added));
  // Off the engine thread: plan_with queues its own read.
  run_solver_([this, shared_added] {
    plan_with(std::string(kSystemActor), std::move(*shared_added), {},
              [](Result<json::object> planned) {
                if (!planned) {
                  std::fprintf(stderr, "production: emergency plan: %s\n",
                               planned.error().to_string().c_str());
                }
              });
  });
}

std::string ProductionPlanner::metrics_text() const {
  return fmt::format(
      "# HELP livechain_production_plans_total Production plans journaled.\n"
      "# TYPE livechain_production_plans_total counter\n"
      "livechain_production_plans_total {}\n"
      "# HELP livechain_production_failures_total Production plans refused or failed.\n"
      "# TYPE livechain_production_failures_total counter\n"
      "livechain_production_failures_total {}\n"
      "# HELP livechain_production_alert_orders_total Emergency orders raised by orange "
      "alerts.\n"
      "# TYPE livechain_production_alert_orders_total counter\n"
      "livechain_production_alert_orders_total {}\n",
      plans_.load(), failures_.load(), alert_orders_.load());
}

}  // namespace livechain::server
