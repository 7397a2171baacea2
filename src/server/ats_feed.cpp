#include "server/ats_feed.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iterator>

#include "server/json_views.hpp"

namespace livechain::server {

namespace json = boost::json;

AtsFeed::AtsFeed(alerts::Outbox& outbox, std::function<void(std::function<void()>)> run_blocking,
                 std::function<void()> wake_dispatcher)
    : outbox_(outbox),
      run_blocking_(std::move(run_blocking)),
      wake_dispatcher_(std::move(wake_dispatcher)) {
  outbox_.register_type(std::string(kAtsMessageType));
}

void AtsFeed::on_changed(std::vector<AtsRow> rows, TimeMs observed_at_ms) {
  std::lock_guard lock(mutex_);
  for (AtsRow& row : rows) {
    pending_[{std::move(row.channel), std::move(row.sku)}] =
        Pending{row.available_units, observed_at_ms};
  }
  if (drain_scheduled_ || pending_.empty()) return;
  drain_scheduled_ = true;
  run_blocking_([this] { drain(); });
}

void AtsFeed::drain() {
  std::map<std::pair<std::string, std::string>, Pending> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
    drain_scheduled_ = false;
  }
  if (batch.empty()) return;
  std::vector<alerts::Outbox::PendingMessage> messages;
  messages.reserve(batch.size());  // in the batch's (map) order
  for (const auto& [key, value] : batch) {
    alerts::Outbox::PendingMessage message;
    message.message_id = fmt::format("ats_{}_{}_{}", value.observed_at_ms, key.first, key.second);
    message.type = std::string(kAtsMessageType);
    message.data = json::object{{"channel", key.first},
                                {"sku", key.second},
                                {"available", value.available_units},
                                {"at", format_time(value.observed_at_ms)}};
    messages.push_back(std::move(message));
  }
  auto enqueued = outbox_.enqueue_many(messages, SystemClock().now_ms());
  const TimeMs done_ms = SystemClock().now_ms();
  std::lock_guard lock(mutex_);
  // Values the outbox did not take (all on an error, the tail at its bound) go back
  // unless a newer change arrived meanwhile; the next change (or drain) retries.
  const size_t taken = enqueued ? *enqueued : 0;
  if (taken < messages.size()) {
    ++refused_;
    auto rest = batch.begin();
    std::advance(rest, static_cast<ptrdiff_t>(taken));
    for (auto it = rest; it != batch.end(); ++it) pending_.try_emplace(it->first, it->second);
    batch.erase(rest, batch.end());
    if (!enqueued) std::fprintf(stderr, "ats feed: %s\n", enqueued.error().to_string().c_str());
  }
  enqueued_ += taken;
  for (const auto& [key, value] : batch) {
    double lag_s = static_cast<double>(done_ms - value.observed_at_ms) / 1000.0;
    lag_sum_s_ += lag_s;
    size_t bucket = 0;
    while (bucket < std::size(kLagBucketsS) && lag_s > kLagBucketsS[bucket]) ++bucket;
    ++lag_buckets_[bucket];
  }
  if (wake_dispatcher_) wake_dispatcher_();
}

std::string AtsFeed::metrics_text() const {
  std::lock_guard lock(mutex_);
  std::string out = fmt::format(
      "# HELP livechain_ats_outbox_enqueued_total ats.changed messages enqueued in the outbox.\n"
      "# TYPE livechain_ats_outbox_enqueued_total counter\n"
      "livechain_ats_outbox_enqueued_total {}\n"
      "# HELP livechain_ats_outbox_refused_total ats.changed drains refused (outbox full).\n"
      "# TYPE livechain_ats_outbox_refused_total counter\n"
      "livechain_ats_outbox_refused_total {}\n"
      "# HELP livechain_ats_outbox_lag_seconds Channel ATS observed -> durable in the outbox.\n"
      "# TYPE livechain_ats_outbox_lag_seconds histogram\n",
      enqueued_, refused_);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < std::size(kLagBucketsS); ++i) {
    cumulative += lag_buckets_[i];
    out += fmt::format("livechain_ats_outbox_lag_seconds_bucket{{le=\"{}\"}} {}\n", kLagBucketsS[i],
                       cumulative);
  }
  cumulative += lag_buckets_[std::size(kLagBucketsS)];
  out += fmt::format(
      "livechain_ats_outbox_lag_seconds_bucket{{le=\"+Inf\"}} {}\n"
      "livechain_ats_outbox_lag_seconds_sum {:.6f}\n"
      "livechain_ats_outbox_lag_seconds_count {}\n",
      cumulative, lag_sum_s_, cumulative);
  return out;
}

}  // namespace livechain::server
