#include "server/channel_checker.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <set>

#include "alerts/alerts.hpp"
#include "engine/engine.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
constexpr std::string_view kDriftAlertKind = "channel_drift";

AlertSubject drift_subject(const std::string& channel, const std::string& gtin) {
  return AlertSubject{{"channel", channel}, {"sku", gtin}};
}
}  // namespace

double drift_deviation_pct(int64_t observed_units, int64_t truth_units) {
  const double base = static_cast<double>(std::max<int64_t>(truth_units, 1));
  return std::abs(static_cast<double>(observed_units - truth_units)) / base * 100.0;
}

void ChannelChecker::check() {
  if (running_.exchange(true)) return;
  auto latest = observed_.latest();
  if (!latest || latest->empty()) {
    if (!latest) std::fprintf(stderr, "channel check: %s\n", latest.error().to_string().c_str());
    running_.store(false);
    return;
  }
  auto reports = std::make_shared<std::vector<store::ObservedStock>>(std::move(*latest));
  auto read = sequencer_.read_async([this, reports](const Engine& engine) {
    const LedgerState& state = engine.state();
    const TimeMs checked_at_ms = SystemClock().now_ms();
    auto records = std::make_shared<std::vector<store::DriftRecord>>();
    for (const store::ObservedStock& report : *reports) {
      auto channel = state.find_channel(report.channel_id);
      auto sku = state.find_sku(report.gtin);
      if (!channel || !sku) continue;  // reports are checked on the way in; nothing vanishes
      const int64_t truth = channel_sellable_total(state, *channel, *sku);
      const double deviation = drift_deviation_pct(report.qty_units, truth);
      records->push_back(store::DriftRecord{report.channel_id, report.gtin, report.qty_units, truth,
                                            deviation, report.at_ms, checked_at_ms,
                                            deviation > threshold_pct_});
    }
    // Open drift alerts, to resolve those whose channel is back within the threshold.
    auto open = std::make_shared<std::set<std::pair<std::string, std::string>>>();
    AlertFilter filter;
    filter.kind = std::string(kDriftAlertKind);
    filter.limit = kOpenAlertsMax;
    for (auto alert_state : {AlertState::raised, AlertState::acknowledged}) {
      filter.state = alert_state;
      for (const AlertRecord& record : engine.alerts(filter)) {
        std::string channel, gtin;
        for (const auto& [name, value] : record.subject) {
          if (name == "channel") channel = value;
          if (name == "sku") gtin = value;
        }
        open->emplace(channel, gtin);
      }
    }
    run_blocking_([this, records, open] {
      if (auto stored = observed_.record_drift(*records); !stored) {
        std::fprintf(stderr, "channel check: %s\n", stored.error().to_string().c_str());
      }
      std::vector<Command> commands;
      for (const store::DriftRecord& record : *records) {
        auto subject = drift_subject(record.channel_id, record.gtin);
        if (record.alerted) {
          // The evidence holds no check time: an unchanged drift re-raised at the next
          // check journals nothing (the alert book groups by kind and subject).
          json::object evidence{{"observed", record.observed_units},
                                {"truth", record.truth_units},
                                {"deviation_pct", std::round(record.deviation_pct * 100) / 100},
                                {"threshold_pct", threshold_pct_},
                                {"observed_at", alerts::rfc3339_ms(record.observed_at_ms)}};
          commands.emplace_back(RaiseAlert{std::string(kDriftAlertKind), AlertSeverity::orange,
                                           std::move(subject), json::serialize(evidence), ""});
        } else if (open->contains({record.channel_id, record.gtin})) {
          commands.emplace_back(ResolveAlert{0, std::string(kDriftAlertKind), std::move(subject),
                                             "back within the drift threshold"});
        }
      }
      checks_done_.fetch_add(1);
      running_.store(false);
      if (commands.empty()) return;
      auto submitted = sequencer_.submit(std::move(commands), [](Replies&& replies) {
        for (const auto& reply : replies) {
          if (!reply) {
            std::fprintf(stderr, "channel check: alert refused: %s\n",
                         reply.error().to_string().c_str());
          }
        }
      });
      if (!submitted) {
        std::fprintf(stderr, "channel check: %s\n", submitted.error().to_string().c_str());
      }
    });
  });
  if (!read) running_.store(false);
}

}  // namespace livechain::server
