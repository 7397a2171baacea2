// Channel available-to-sell on /v1/stream: {"subscribe": {"channels": [...]}} →
// {"type": "ats", "channel", "sku", "available", "at"} on every change. The value is
// engine::channel_sellable_total (the one definition), read on the engine thread; the
// hub only diffs and renders it. Changes within one ATS period are coalesced: a client
// gets the latest value of each (channel, SKU), never a stale one.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/engine.hpp"
#include "server/json_views.hpp"
#include "server/stream_hub.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
uint64_t pair_key(ChannelIndex channel, SkuIndex sku) {
  return (static_cast<uint64_t>(channel) << 32) | sku;
}
}  // namespace

void StreamHub::tick_ats() {
  std::set<std::string> ids;
  const bool all_channels = ats_all_channels_ && ats_all_channels_();
  bool resend = false;
  uint64_t seen_events = 0;
  {
    std::lock_guard lock(mutex_);
    if (ats_read_in_flight_) return;
    for (const auto& [_, subscription] : clients_) {
      ids.insert(subscription.channels.begin(), subscription.channels.end());
    }
    if (ids.empty() && !all_channels) return;
    ats_read_in_flight_ = true;
    seen_events = ats_seen_events_;
    resend = ats_resend_;
    ats_resend_ = false;
  }
  auto read = sequencer_.read_async(
      [this, ids = std::move(ids), all_channels, resend, seen_events](const Engine& engine) {
        const LedgerState& state = engine.state();
        if (state.applied_events() == seen_events && !resend &&
            all_channels == ats_all_channels_last_) {
          std::lock_guard lock(mutex_);
          ats_read_in_flight_ = false;
          return;
        }
        TimeMs at_ms = SystemClock().now_ms();
        AtsChanges changes = read_ats(state, ids, all_channels, resend);
        if (all_channels && ats_sink_ && !changes.changed.empty()) {
          ats_sink_(changes.changed, at_ms);
        }
        publish_ats(resend ? changes.all : changes.changed, at_ms, state.applied_events());
      });
  if (!read) {
    std::lock_guard lock(mutex_);
    ats_read_in_flight_ = false;
    ats_resend_ = ats_resend_ || resend;
  }
}

StreamHub::AtsChanges StreamHub::read_ats(const LedgerState& state,
                                          const std::set<std::string>& ids, bool all_channels,
                                          bool resend) {
  std::vector<bool> wanted(state.channels().size(), all_channels);
  if (!all_channels) {
    for (const std::string& id : ids) {
      if (auto channel = state.find_channel(id)) wanted[*channel] = true;
    }
  }
  if (all_channels && !ats_all_channels_last_) {
    // A webhook started listening: every channel's current value is news to it.
    ats_seen_.clear();
  }
  ats_all_channels_last_ = all_channels;
  std::erase_if(ats_seen_, [&](const auto& seen) { return !wanted[seen.first >> 32]; });
  AtsChanges out;
  const auto skus = static_cast<SkuIndex>(state.skus().size());
  for (ChannelIndex channel = 0; channel < wanted.size(); ++channel) {
    if (!wanted[channel]) continue;
    for (SkuIndex sku = 0; sku < skus; ++sku) {
      const int64_t units = channel_sellable_total(state, channel, sku);
      LC_ASSERT(units >= 0);
      auto [seen, inserted] = ats_seen_.try_emplace(pair_key(channel, sku), units);
      const bool changed = inserted || seen->second != units;
      seen->second = units;
      if (!changed && !resend) continue;
      AtsRow row{state.channel_id_of(channel), state.gtin_of(sku), units};
      if (resend) out.all.push_back(row);
      if (changed) out.changed.push_back(std::move(row));
    }
  }
  return out;
}

void StreamHub::publish_ats(const std::vector<AtsRow>& rows, TimeMs at_ms,
                            uint64_t applied_events) {
  const std::string at = format_time(at_ms);
  std::lock_guard lock(mutex_);
  ats_read_in_flight_ = false;
  ats_seen_events_ = applied_events;
  for (auto it = clients_.begin(); it != clients_.end();) {
    Subscription& subscription = it->second;
    auto client = subscription.client.lock();
    if (client == nullptr) {
      it = clients_.erase(it);
      continue;
    }
    std::vector<std::string> push;
    for (const AtsRow& row : rows) {
      if (!subscription.channels.contains(row.channel)) continue;
      Key key{row.channel, row.sku};
      auto previous = subscription.last_ats.find(key);
      if (previous != subscription.last_ats.end() && previous->second == row.available_units) {
        continue;
      }
      push.push_back(json::serialize(json::object{{"type", "ats"},
                                                  {"channel", row.channel},
                                                  {"sku", row.sku},
                                                  {"available", row.available_units},
                                                  {"at", at}}));
      subscription.last_ats[key] = row.available_units;
    }
    const bool alive = push.empty() || client->send_all(std::move(push));
    it = alive ? std::next(it) : clients_.erase(it);
  }
}

}  // namespace livechain::server
