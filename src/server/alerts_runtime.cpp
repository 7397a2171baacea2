#include "server/alerts_runtime.hpp"

#include <fmt/format.h>

#include <map>

#include "core/assert.hpp"

namespace livechain::server {

namespace json = boost::json;

Result<std::unique_ptr<AlertsRuntime>> AlertsRuntime::open(
    const std::string& db_path, const alerts::WebhookOptions& options,
    const alerts::RuleOptions& rules, const Clock& clock,
    std::optional<forecast::NowcastModel> nowcast_model) {
  std::unique_ptr<AlertsRuntime> runtime(new AlertsRuntime());
  runtime->rules_ = std::make_unique<alerts::SignalRules>(rules, std::move(nowcast_model));
  runtime->warehouses_ = std::make_unique<alerts::WarehouseLevels>(rules.warehouse_window_ms,
                                                                   rules.warehouse_operations_min);
  runtime->warehouses_->set_reports_max(rules.warehouse_reports_max);
  runtime->lanes_ = std::make_unique<alerts::LaneMonitor>(rules);
  runtime->safety_ = std::make_unique<alerts::ForecastSafetyRules>();
  runtime->turnover_ = std::make_unique<alerts::TurnoverRules>(rules);
  runtime->rule_options_ = rules;
  runtime->clock_ = &clock;
  LC_TRY(outbox, alerts::Outbox::open(db_path, options));
  runtime->outbox_ = std::move(outbox);
  runtime->dispatcher_ = std::make_unique<alerts::WebhookDispatcher>(
      *runtime->outbox_, clock, static_cast<uint64_t>(clock.now_ms()));
  alerts::WebhookDispatcher* dispatcher = runtime->dispatcher_.get();
  runtime->feed_ = std::make_unique<alerts::AlertFeed>(db_path, *runtime->outbox_, clock,
                                                       [dispatcher] { dispatcher->wake(); });
  return runtime;
}

AlertsRuntime::~AlertsRuntime() {
  stop();
}

void AlertsRuntime::start(engine::Sequencer& sequencer,
                          std::function<void(std::function<void()>)> run_on_worker) {
  sequencer_ = &sequencer;
  run_on_worker_ = std::move(run_on_worker);
  feed_->start();
  dispatcher_->start();
}

void AlertsRuntime::stop() {
  if (feed_) feed_->stop();
  if (dispatcher_) dispatcher_->stop();
}

void AlertsRuntime::tick() {
  TimeMs now_ms = clock_->now_ms();
  auto backlog = outbox_->backlog(now_ms);
  if (backlog) {
    pending_.store(backlog->pending);
    oldest_age_ms_.store(backlog->oldest_age_ms);
    const alerts::WebhookOptions& options = outbox_->options();
    double share =
        static_cast<double>(backlog->pending) / static_cast<double>(options.pending_deliveries_max);
    engine::AlertSubject subject{{"outbox", "webhooks"}};
    if (share >= options.near_bound_ratio && !near_bound_open_ && sequencer_ != nullptr) {
      near_bound_open_ = true;
      json::object evidence{{"pending", backlog->pending},
                            {"bound", options.pending_deliveries_max},
                            {"oldest_age_ms", backlog->oldest_age_ms}};
      (void)sequencer_->submit(
          {engine::RaiseAlert{"outbox_near_bound", engine::AlertSeverity::orange, subject,
                              json::serialize(evidence), ""}},
          [](engine::Replies&&) {});
    } else if (share < options.near_bound_ratio / 2 && near_bound_open_ && sequencer_ != nullptr) {
      near_bound_open_ = false;
      (void)sequencer_->submit(
          {engine::ResolveAlert{0, "outbox_near_bound", subject, "backlog drained"}},
          [](engine::Replies&&) {});
    }
  }
  if (sequencer_ == nullptr) return;
  review_turnover_if_due();
  (void)sequencer_->read_async([this](const engine::Engine& engine) {
    engine::AlertFilter filter;
    filter.limit = engine::kOpenAlertsMax;
    std::map<std::pair<std::string, std::string>, uint64_t> open;
    for (auto state : {engine::AlertState::raised, engine::AlertState::acknowledged}) {
      filter.state = state;
      for (const auto& r : engine.alerts(filter)) {
        ++open[{r.kind, std::string(engine::alert_severity_name(r.severity))}];
      }
    }
    std::string text =
        "# HELP livechain_alerts_open Open (raised or acknowledged) alerts.\n"
        "# TYPE livechain_alerts_open gauge\n";
    for (const auto& [key, count] : open) {
      text += fmt::format("livechain_alerts_open{{kind=\"{}\",severity=\"{}\"}} {}\n", key.first,
                          key.second, count);
    }
    std::lock_guard lock(mutex_);
    open_alerts_text_ = std::move(text);
  });
}

void AlertsRuntime::on_signals(const std::vector<store::LiveSignal>& signals) {
  std::vector<engine::Command> commands;
  for (const store::LiveSignal& signal : signals) {
    for (engine::RaiseAlert& alert : rules_->on_signal(signal))
      commands.emplace_back(std::move(alert));
  }
  if (commands.empty() || sequencer_ == nullptr) return;
  auto submitted = sequencer_->submit(std::move(commands), [](engine::Replies&& replies) {
    for (const auto& reply : replies) {
      if (!reply) {
        std::fprintf(stderr, "alert rules: alert refused: %s\n", reply.error().to_string().c_str());
      }
    }
  });
  if (!submitted) {
    std::fprintf(stderr, "alert rules: %s\n", submitted.error().to_string().c_str());
  }
}

Result<void> AlertsRuntime::restore(const engine::LedgerState::RuleStateMap& records) {
  // The map is in (kind, key) order: lanes come before the shipments that name them.
  for (const auto& [key, body] : records) {
    switch (key.first) {
      case engine::RuleStateKind::session_plan:
        LC_CHECK(rules_->restore_plan(body));
        break;
      case engine::RuleStateKind::warehouse:
        LC_CHECK(warehouses_->restore(key.second, body));
        break;
      case engine::RuleStateKind::lane:
        LC_CHECK(lanes_->restore_lane(key.second, body));
        break;
      case engine::RuleStateKind::shipment:
        LC_CHECK(lanes_->restore_shipment(key.second, body));
        break;
      case engine::RuleStateKind::forecast_safety:
        LC_CHECK(safety_->restore(key.second, body));
        break;
      case engine::RuleStateKind::turnover:
        LC_CHECK(turnover_->restore(key.second, body));
        break;
      case engine::RuleStateKind::live_session:
      case engine::RuleStateKind::plan_decision:
      case engine::RuleStateKind::factory:
      case engine::RuleStateKind::production_order:
        break;  // planning's records: read from the ledger state when asked
    }
  }
  return {};
}

Result<size_t> AlertsRuntime::replay_signals(store::SignalStore& signals, TimeMs now_ms) {
  size_t replayed = 0;
  for (const std::string& session : rules_->live_sessions(now_ms)) {
    LC_TRY(stored, signals.session(session, kReplaySignalsPerSessionMax));
    if (stored.size() == kReplaySignalsPerSessionMax) {
      std::fprintf(stderr, "alert rules: session %s: only the first %zu signals replayed\n",
                   session.c_str(), kReplaySignalsPerSessionMax);
    }
    for (const store::LiveSignal& signal : stored) rules_->on_signal(signal);
    replayed += stored.size();
  }
  return replayed;
}

Result<alerts::RuleChange> AlertsRuntime::warehouse_report(const alerts::WarehouseReport& report) {
  std::optional<engine::Command> alert;
  alerts::WarehouseStatus status = warehouses_->on_report(report, alert);
  alerts::RuleChange change;
  change.view = json::object{{"warehouse", status.warehouse_id},
                             {"error_rate", status.error_rate},
                             {"level", status.level},
                             {"response", status.response},
                             {"operations", status.operations},
                             {"errors", status.errors}};
  change.commands.emplace_back(warehouses_->record(report.warehouse_id));
  if (alert) change.commands.push_back(std::move(*alert));
  return change;
}

Result<alerts::RuleChange> AlertsRuntime::set_plan(const std::string& session,
                                                   const std::string& gtin, double forecast_units,
                                                   double add_to_cart_peak,
                                                   std::optional<double> baseline_units,
                                                   std::optional<TimeMs> starts_at_ms,
                                                   std::optional<int> duration_min) {
  TimeMs now_ms = clock_->now_ms();
  auto timing_before = rules_->session_timing(session);
  rules_->set_plan(session, gtin, forecast_units, add_to_cart_peak);
  rules_->set_session(session, starts_at_ms, duration_min, now_ms);
  auto nowcast = rules_->nowcast(session, gtin, now_ms);
  auto timing = rules_->session_timing(session);
  LC_ASSERT(timing.has_value());
  alerts::RuleChange change;
  change.view = json::object{
      {"session", session},
      {"sku", gtin},
      {"forecast_units", forecast_units},
      {"add_to_cart_peak", add_to_cart_peak},
      {"starts_at", alerts::rfc3339_ms(timing->first)},
      {"duration_min", timing->second},
      {"nowcast_units", nowcast ? json::value(nowcast->nowcast_units) : json::value(nullptr)},
      {"nowcast_method", nowcast ? json::value(nowcast->method) : json::value(nullptr)}};
  change.commands.emplace_back(rules_->plan_record(session, gtin));
  // Timing travels with every plan of the session: new timing rewrites their records,
  // so a restart restores it whichever record comes last.
  if (timing_before && timing_before != timing) {
    for (const std::string& other : rules_->session_skus(session)) {
      if (other != gtin) change.commands.emplace_back(rules_->plan_record(session, other));
    }
  }
  if (forecast_units > 0) {
    if (auto review = safety_->review(session, gtin, forecast_units, baseline_units)) {
      change.commands.emplace_back(std::move(*review));
    }
  }
  return change;
}

Result<alerts::RuleChange> AlertsRuntime::session_outcome(const std::string& session,
                                                          const std::string& gtin,
                                                          double actual_units,
                                                          std::optional<double> forecast_units,
                                                          std::optional<double> shadow_units) {
  if (!forecast_units) forecast_units = rules_->forecast_units(session, gtin);
  if (!forecast_units) {
    return fail(ErrorCode::invalid_argument, "forecast_units",
                "no plan for this session and SKU: give forecast_units");
  }
  return safety_->record_outcome(session, gtin, actual_units, *forecast_units, shadow_units);
}

alerts::RuleChange AlertsRuntime::turnover_review(
    const std::vector<alerts::TurnoverSample>& samples, TimeMs now_ms) {
  return turnover_->review(samples, now_ms);
}

std::vector<alerts::TurnoverSample> AlertsRuntime::turnover_samples(const engine::Engine& engine) {
  const engine::LedgerState& state = engine.state();
  std::vector<alerts::TurnoverSample> out;
  for (engine::SkuIndex sku = 0; sku < state.skus().size(); ++sku) {
    for (const engine::SkuBalanceRef& ref : state.balance_refs_of_sku(sku)) {
      const engine::Balance& b = state.balance_at(ref.balance_index);
      if (b.on_hand_units == 0 && b.sold_units == 0) continue;
      out.push_back(alerts::TurnoverSample{state.gtin_of(sku), state.location_id_of(ref.location),
                                           b.sold_units, b.on_hand_units});
    }
  }
  return out;
}

void AlertsRuntime::submit_unattended(std::vector<engine::Command> commands) {
  if (commands.empty() || sequencer_ == nullptr) return;
  auto submitted = sequencer_->submit(std::move(commands), [](engine::Replies&& replies) {
    for (const auto& reply : replies) {
      if (!reply) {
        std::fprintf(stderr, "alert rules: refused: %s\n", reply.error().to_string().c_str());
      }
    }
  });
  if (!submitted) {
    std::fprintf(stderr, "alert rules: %s\n", submitted.error().to_string().c_str());
  }
}

void AlertsRuntime::review_turnover_if_due() {
  TimeMs now_ms = clock_->now_ms();
  if (sequencer_ == nullptr || turnover_due_pending_ ||
      (turnover_->last_review_ms() != 0 &&
       now_ms - turnover_->last_review_ms() < rule_options_.turnover_window_ms)) {
    return;
  }
  if (turnover_->last_review_ms() == 0 && turnover_started_ms_ == 0) {
    turnover_started_ms_ = now_ms;  // the first window opens one period after start
  }
  if (turnover_->last_review_ms() == 0 &&
      now_ms - turnover_started_ms_ < rule_options_.turnover_window_ms) {
    return;
  }
  turnover_due_pending_ = true;
  auto run_on_worker = run_on_worker_;
  auto read = sequencer_->read_async([this, run_on_worker, now_ms](const engine::Engine& engine) {
    auto samples = std::make_shared<std::vector<alerts::TurnoverSample>>(turnover_samples(engine));
    run_on_worker([this, samples, now_ms] {
      turnover_due_pending_ = false;
      submit_unattended(turnover_->review(*samples, now_ms).commands);
    });
  });
  if (!read) turnover_due_pending_ = false;  // the engine queue was full: next tick
}

std::string AlertsRuntime::metrics_text() const {
  alerts::Outbox::Counters c = outbox_->counters();
  std::string out;
  {
    std::lock_guard lock(mutex_);
    out = open_alerts_text_;
  }
  out += fmt::format(
      "# HELP livechain_webhook_deliveries_total Webhook delivery attempts by outcome.\n"
      "# TYPE livechain_webhook_deliveries_total counter\n"
      "livechain_webhook_deliveries_total{{outcome=\"delivered\"}} {}\n"
      "livechain_webhook_deliveries_total{{outcome=\"failed\"}} {}\n"
      "livechain_webhook_deliveries_total{{outcome=\"dead\"}} {}\n"
      "# HELP livechain_webhook_enqueued_total Deliveries enqueued in the outbox.\n"
      "# TYPE livechain_webhook_enqueued_total counter\n"
      "livechain_webhook_enqueued_total {}\n"
      "# HELP livechain_outbox_pending Undelivered, not dead deliveries.\n"
      "# TYPE livechain_outbox_pending gauge\n"
      "livechain_outbox_pending {}\n"
      "# HELP livechain_outbox_oldest_age_seconds Age of the oldest undelivered message.\n"
      "# TYPE livechain_outbox_oldest_age_seconds gauge\n"
      "livechain_outbox_oldest_age_seconds {:.3f}\n",
      c.delivered, c.failed_attempts, c.dead, c.enqueued, pending_.load(),
      static_cast<double>(oldest_age_ms_.load()) / 1000.0);
  out +=
      "# HELP livechain_notification_attempts_total Delivery attempts by receiver type and "
      "outcome (failed: retried later; dead: retries exhausted).\n"
      "# TYPE livechain_notification_attempts_total counter\n";
  for (size_t channel = 0; channel < c.by_channel.size(); ++channel) {
    std::string_view type =
        channel == 0 ? "api_webhook"
                     : alerts::receiver_type_name(static_cast<alerts::ReceiverType>(channel - 1));
    const char* outcomes[] = {"delivered", "failed", "dead"};
    for (size_t o = 0; o < 3; ++o) {
      out += fmt::format(
          "livechain_notification_attempts_total{{receiver_type=\"{}\",outcome=\"{}\"}} {}\n", type,
          outcomes[o], c.by_channel[channel][o]);
    }
  }
  out += fmt::format(
      "# HELP livechain_notifications_muted_total Alert notifications muted.\n"
      "# TYPE livechain_notifications_muted_total counter\n"
      "livechain_notifications_muted_total{{reason=\"silenced\"}} {}\n"
      "livechain_notifications_muted_total{{reason=\"inhibited\"}} {}\n"
      "# HELP livechain_outbox_pending_max The outbox bound (undelivered deliveries).\n"
      "# TYPE livechain_outbox_pending_max gauge\n"
      "livechain_outbox_pending_max {}\n",
      c.muted_silenced, c.muted_inhibited, outbox_->options().pending_deliveries_max);
  return out;
}

}  // namespace livechain::server
