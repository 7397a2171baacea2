#include "server/stream_hub.hpp"

#include "alerts/alerts.hpp"
#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "server/json_views.hpp"
#include "server/strict_json.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
constexpr size_t kMessageDepthMax = 8;  // {"subscribe": {"skus": ["…"]}} is 3 deep

std::string error_message(std::string_view detail) {
  return json::serialize(json::object{{"type", "error"}, {"detail", detail}});
}
}  // namespace

void StreamHub::on_message(const std::shared_ptr<StreamClient>& client, std::string_view message) {
  auto parsed = parse_json_strict(message, kMessageDepthMax);
  if (!parsed || !parsed->is_object()) {
    client->send(error_message(parsed ? "send a JSON object: {\"subscribe\": {\"skus\": [...]}}"
                                      : parsed.error().detail));
    return;
  }
  const json::object& object = parsed->get_object();
  bool subscribe = object.contains("subscribe");
  const json::value* body =
      subscribe ? object.if_contains("subscribe") : object.if_contains("unsubscribe");
  if (body == nullptr || !body->is_object()) {
    client->send(error_message("expected \"subscribe\" or \"unsubscribe\" with an object"));
    return;
  }
  std::set<std::string> skus;
  std::set<std::string> locations;
  std::set<std::string> channels;
  for (std::string_view list : {"skus", "locations", "channels"}) {
    const json::value* items = body->get_object().if_contains(list);
    if (items == nullptr) continue;
    if (!items->is_array()) {
      client->send(error_message(std::string(list) + " must be an array of strings"));
      return;
    }
    for (const json::value& item : items->get_array()) {
      if (!item.is_string()) {
        client->send(error_message(std::string(list) + " must be an array of strings"));
        return;
      }
      std::string text(item.get_string());
      if (list == "skus") {
        auto gtin = normalize_gtin(text);
        if (!gtin) {
          client->send(error_message("skus: " + gtin.error().detail));
          return;
        }
        skus.insert(*gtin);
      } else if (list == "channels") {
        channels.insert(text);
      } else {
        locations.insert(text);
      }
    }
  }
  std::lock_guard lock(mutex_);
  Subscription& subscription = clients_[client.get()];
  subscription.client = client;
  if (subscribe) {
    // Checked before anything changes: a refused request leaves the earlier
    // subscriptions exactly as they were.
    size_t added = 0;
    for (const std::string& sku : skus) added += subscription.skus.contains(sku) ? 0 : 1;
    for (const std::string& location : locations) {
      added += subscription.locations.contains(location) ? 0 : 1;
    }
    for (const std::string& channel : channels) {
      added += subscription.channels.contains(channel) ? 0 : 1;
    }
    if (subscription.skus.size() + subscription.locations.size() + subscription.channels.size() +
            added >
        limits_.subscriptions_per_client_max) {
      client->send(error_message("at most " + std::to_string(limits_.subscriptions_per_client_max) +
                                 " subscriptions per connection; nothing was changed"));
      return;
    }
  }
  for (const std::string& sku : skus) {
    subscribe ? (void)subscription.skus.insert(sku) : (void)subscription.skus.erase(sku);
  }
  for (const std::string& location : locations) {
    subscribe ? (void)subscription.locations.insert(location)
              : (void)subscription.locations.erase(location);
  }
  for (const std::string& channel : channels) {
    if (subscribe) {
      subscription.channels.insert(channel);
    } else {
      subscription.channels.erase(channel);
      std::erase_if(subscription.last_ats,
                    [&](const auto& sent) { return sent.first.first == channel; });
    }
  }
  LC_ASSERT(subscription.skus.size() + subscription.locations.size() +
                subscription.channels.size() <=
            limits_.subscriptions_per_client_max);
  seen_events_ = UINT64_MAX;  // the next tick sends the new subscription's current rows
  if (subscribe && !channels.empty()) ats_resend_ = true;  // and the channels' current ATS
  json::array sku_list(subscription.skus.begin(), subscription.skus.end());
  json::array location_list(subscription.locations.begin(), subscription.locations.end());
  json::array channel_list(subscription.channels.begin(), subscription.channels.end());
  client->send(json::serialize(json::object{{"type", "subscribed"},
                                            {"skus", std::move(sku_list)},
                                            {"locations", std::move(location_list)},
                                            {"channels", std::move(channel_list)}}));
}

void StreamHub::remove(const StreamClient* client) {
  std::lock_guard lock(mutex_);
  clients_.erase(client);
}

size_t StreamHub::client_count() const {
  std::lock_guard lock(mutex_);
  return clients_.size();
}

void StreamHub::tick() {
  std::set<std::string> skus;
  std::set<std::string> locations;
  uint64_t seen_events;
  {
    std::lock_guard lock(mutex_);
    if (read_in_flight_ || clients_.empty()) return;
    for (const auto& [_, subscription] : clients_) {
      skus.insert(subscription.skus.begin(), subscription.skus.end());
      locations.insert(subscription.locations.begin(), subscription.locations.end());
    }
    if (skus.empty() && locations.empty()) return;  // channel-only clients: tick_ats
    read_in_flight_ = true;
    seen_events = seen_events_;
  }
  auto read = sequencer_.read_async([this, skus = std::move(skus), locations = std::move(locations),
                                     seen_events](const Engine& engine) {
    const LedgerState& state = engine.state();
    if (state.applied_events() == seen_events) {
      std::lock_guard lock(mutex_);
      read_in_flight_ = false;
      return;
    }
    std::map<Key, Row> rows;
    auto add = [&](SkuIndex sku, const SkuBalanceRef& ref) {
      const Balance& b = state.balance_at(ref.balance_index);
      rows[{state.gtin_of(sku), state.location_id_of(ref.location)}] =
          Row{b.on_hand_units, b.reserved_units, b.available_units(), b.in_transit_units};
    };
    for (const std::string& gtin : skus) {
      if (auto sku = state.find_sku(gtin)) {
        for (const SkuBalanceRef& ref : state.balance_refs_of_sku(*sku)) add(*sku, ref);
      }
    }
    if (!locations.empty()) {
      std::set<LocationIndex> wanted;
      for (const std::string& id : locations) {
        if (auto location = state.find_location(id)) wanted.insert(*location);
      }
      for (SkuIndex sku = 0; sku < state.skus().size() && !wanted.empty(); ++sku) {
        for (const SkuBalanceRef& ref : state.balance_refs_of_sku(sku)) {
          if (wanted.contains(ref.location)) add(sku, ref);
        }
      }
    }
    publish(std::move(rows), state.applied_events());
  });
  if (!read) {
    std::lock_guard lock(mutex_);
    read_in_flight_ = false;
  }
}

void StreamHub::publish(std::map<Key, Row> rows, uint64_t applied_events) {
  std::string now = format_time(SystemClock().now_ms());
  std::lock_guard lock(mutex_);
  read_in_flight_ = false;
  seen_events_ = applied_events;
  for (auto it = clients_.begin(); it != clients_.end();) {
    Subscription& subscription = it->second;
    auto client = subscription.client.lock();
    if (client == nullptr) {
      it = clients_.erase(it);
      continue;
    }
    std::vector<std::string> push;
    for (const auto& [key, row] : rows) {
      if (!subscription.skus.contains(key.first) && !subscription.locations.contains(key.second)) {
        continue;
      }
      auto previous = subscription.last_sent.find(key);
      if (previous != subscription.last_sent.end() && previous->second == row) continue;
      std::optional<int64_t> before;
      if (previous != subscription.last_sent.end()) before = previous->second.available;
      push.push_back(json::serialize(json::object{{"type", "stock"},
                                                  {"sku", key.first},
                                                  {"location", key.second},
                                                  {"on_hand", row.on_hand},
                                                  {"reserved", row.reserved},
                                                  {"available", row.available},
                                                  {"in_transit", row.in_transit},
                                                  {"at", now}}));
      if (auto alert = alerts::stock_alert(before, row.available, limits_.low_stock_units)) {
        push.push_back(
            json::serialize(json::object{{"type", "alert"},
                                         {"kind", alerts::stock_alert_name(alert->kind)},
                                         {"severity", alerts::severity_name(alert->severity)},
                                         {"sku", key.first},
                                         {"location", key.second},
                                         {"available", row.available},
                                         {"at", now}}));
      }
      subscription.last_sent[key] = row;
    }
    const bool alive = push.empty() || client->send_all(std::move(push));
    it = alive ? std::next(it) : clients_.erase(it);
  }
}

}  // namespace livechain::server
