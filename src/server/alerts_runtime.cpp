#include "server/alerts_runtime.hpp"

#include <fmt/format.h>

#include <map>

namespace livechain::server {

namespace json = boost::json;

Result<std::unique_ptr<AlertsRuntime>> AlertsRuntime::open(const std::string& db_path,
                                                           const alerts::WebhookOptions& options,
                                                           const alerts::RuleOptions& rules,
                                                           const Clock& clock) {
  std::unique_ptr<AlertsRuntime> runtime(new AlertsRuntime());
  runtime->rules_ = std::make_unique<alerts::SignalRules>(rules);
  runtime->warehouses_ = std::make_unique<alerts::WarehouseLevels>(rules.warehouse_window_ms,
                                                                   rules.warehouse_operations_min);
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

void AlertsRuntime::start(engine::Sequencer& sequencer) {
  sequencer_ = &sequencer;
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

alerts::WarehouseStatus AlertsRuntime::warehouse_report(const alerts::WarehouseReport& report,
                                                        std::optional<engine::Command>& alert) {
  return warehouses_->on_report(report, alert);
}

json::object AlertsRuntime::set_plan(const std::string& session, const std::string& gtin,
                                     double forecast_units, double add_to_cart_peak) {
  rules_->set_plan(session, gtin, forecast_units, add_to_cart_peak);
  auto nowcast = rules_->nowcast_units(session, gtin);
  return json::object{{"session", session},
                      {"sku", gtin},
                      {"forecast_units", forecast_units},
                      {"add_to_cart_peak", add_to_cart_peak},
                      {"nowcast_units", nowcast ? json::value(*nowcast) : json::value(nullptr)}};
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
