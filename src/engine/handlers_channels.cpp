// Channel pools (set, move and remove dedicated allocations) and idempotency keys on
// every write (Keyed). docs/channels.md describes both.
#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
Result<void> check_allocation_qty(int64_t qty_units, bool zero_allowed) {
  if (qty_units < 0 || (!zero_allowed && qty_units == 0)) {
    return fail(ErrorCode::invalid_argument, "qty_units",
                fmt::format("must be {} number of units, got {}",
                            zero_allowed ? "a non-negative" : "a positive", qty_units));
  }
  if (qty_units > kBalanceUnitsMax) {
    return fail(ErrorCode::limit_exceeded, "qty_units",
                fmt::format("{} units exceeds the limit of {}", qty_units, kBalanceUnitsMax));
  }
  return {};
}

// Unused units of a channel's allocation (0 without one).
int64_t allocated_units(const ChannelSkuPool* pool, LocationIndex location) {
  if (pool == nullptr) return 0;
  if (location == kNetworkLocation) return std::max<int64_t>(0, pool->network_units);
  return pool->at(location).value_or(0);
}

bool has_allocation(const ChannelSkuPool* pool, LocationIndex location) {
  if (pool == nullptr) return false;
  return location == kNetworkLocation ? pool->network_units >= 0 : pool->at(location).has_value();
}
}  // namespace

int64_t Engine::Handlers::shared_free_units(SkuIndex sku, LocationIndex location) const {
  std::optional<uint32_t> slot = state_.balance_index(sku, location);
  if (!slot) return 0;
  return state_.shared_free_units(sku, *slot);
}

Result<Reply> Engine::Handlers::set_allocation(ChannelIndex channel, SkuIndex sku,
                                               LocationIndex location, int64_t qty_units) {
  const ChannelSkuPool* pool = state_.pool(channel, sku);
  int64_t current = allocated_units(pool, location);
  if (qty_units > current) {
    int64_t free = location == kNetworkLocation ? state_.shared_free_units(sku)
                                                : shared_free_units(sku, location);
    if (qty_units - current > free) {
      return fail(
          ErrorCode::insufficient_stock, "qty_units",
          fmt::format("at most {} units of sku {} can be allocated to {}{} (available "
                      "minus other channels' allocations)",
                      current + std::max<int64_t>(free, 0), state_.gtin_of(sku),
                      state_.channel_id_of(channel),
                      location == kNetworkLocation ? std::string(" network-wide")
                                                   : " at " + state_.location_id_of(location)));
    }
  }
  if (!has_allocation(pool, location)) {
    if (pool == nullptr && state_.pool_count() >= kAllocationsMax) {
      return fail(ErrorCode::limit_exceeded, "channel",
                  fmt::format("{} channel × SKU allocations is the limit", kAllocationsMax));
    }
    if (pool != nullptr && location != kNetworkLocation &&
        pool->location_units.size() >= kAllocationLocationsMax) {
      return fail(ErrorCode::limit_exceeded, "location",
                  fmt::format("a channel holds allocations of a SKU at {} locations at most",
                              kAllocationLocationsMax));
    }
  }
  emit(AllocationSetEvent{channel, sku, location, qty_units});
  return AllocationsView{{AllocationView{
      state_.channel_id_of(channel), state_.gtin_of(sku),
      location == kNetworkLocation ? "" : state_.location_id_of(location), qty_units}}};
}

Result<Reply> Engine::Handlers::operator()(const SetAllocation& c) {
  auto channel = state_.find_channel(c.channel_id);
  if (!channel) {
    return fail(ErrorCode::not_found, "channel", fmt::format("unknown channel '{}'", c.channel_id));
  }
  auto sku_index = sku("sku", c.gtin);
  if (!sku_index) return std::unexpected(sku_index.error());
  LocationIndex location_index = kNetworkLocation;
  if (c.location_id) {
    auto found = location("location", *c.location_id);
    if (!found) return std::unexpected(found.error());
    location_index = *found;
  }
  if (c.remove) {
    if (!has_allocation(state_.pool(*channel, *sku_index), location_index)) {
      return fail(ErrorCode::not_found, "allocation",
                  fmt::format("channel {} holds no such allocation of sku {}", c.channel_id,
                              state_.gtin_of(*sku_index)));
    }
    emit(AllocationSetEvent{*channel, *sku_index, location_index, kAllocationRemoved});
    return AllocationsView{};
  }
  if (auto ok = check_allocation_qty(c.qty_units, true); !ok) return std::unexpected(ok.error());
  return set_allocation(*channel, *sku_index, location_index, c.qty_units);
}

Result<Reply> Engine::Handlers::operator()(const MoveAllocation& c) {
  auto from = state_.find_channel(c.from_channel_id);
  if (!from) {
    return fail(ErrorCode::not_found, "channel",
                fmt::format("unknown channel '{}'", c.from_channel_id));
  }
  auto to = state_.find_channel(c.to_channel_id);
  if (!to) {
    return fail(ErrorCode::not_found, "to", fmt::format("unknown channel '{}'", c.to_channel_id));
  }
  if (*to == *from) return fail(ErrorCode::invalid_argument, "to", "must differ from the channel");
  auto sku_index = sku("sku", c.gtin);
  if (!sku_index) return std::unexpected(sku_index.error());
  LocationIndex location_index = kNetworkLocation;
  if (c.location_id) {
    auto found = location("location", *c.location_id);
    if (!found) return std::unexpected(found.error());
    location_index = *found;
  }
  if (auto ok = check_allocation_qty(c.qty_units, false); !ok) return std::unexpected(ok.error());
  const ChannelSkuPool* from_pool = state_.pool(*from, *sku_index);
  int64_t from_units = allocated_units(from_pool, location_index);
  if (!has_allocation(from_pool, location_index) || from_units < c.qty_units) {
    return fail(ErrorCode::insufficient_stock, "qty_units",
                fmt::format("channel {} holds {} unused units of this allocation",
                            c.from_channel_id, from_units));
  }
  const ChannelSkuPool* to_pool = state_.pool(*to, *sku_index);
  if (!has_allocation(to_pool, location_index)) {
    bool full = to_pool == nullptr ? state_.pool_count() >= kAllocationsMax
                                   : location_index != kNetworkLocation &&
                                         to_pool->location_units.size() >= kAllocationLocationsMax;
    if (full)
      return fail(ErrorCode::limit_exceeded, "to", "the receiving channel's allocations are full");
  }
  int64_t to_units = allocated_units(to_pool, location_index) + c.qty_units;
  // Two events in one command: both are in the same group commit, so the move is atomic.
  emit(AllocationSetEvent{*from, *sku_index, location_index, from_units - c.qty_units});
  emit(AllocationSetEvent{*to, *sku_index, location_index, to_units});
  std::string location_id =
      location_index == kNetworkLocation ? "" : state_.location_id_of(location_index);
  std::string gtin = state_.gtin_of(*sku_index);
  return AllocationsView{
      {AllocationView{c.from_channel_id, gtin, location_id, from_units - c.qty_units},
       AllocationView{c.to_channel_id, gtin, location_id, to_units}}};
}

Result<Reply> Engine::Handlers::operator()(const Keyed& c) {
  if (auto ok = validate_text("idempotency_key", c.idempotency_key, kScopedIdempotencyKeyLengthMax);
      !ok) {
    return std::unexpected(ok.error());
  }
  LC_ASSERT(c.command != nullptr);
  const Command& inner = c.command->command;
  if (std::holds_alternative<Keyed>(inner) || std::holds_alternative<ExpireDue>(inner)) {
    return fail(ErrorCode::invalid_argument, "idempotency_key", "this command takes no key");
  }
  if (const auto* reserve = std::get_if<Reserve>(&inner)) {  // reservations keep their own
    Reserve keyed = *reserve;
    keyed.idempotency_key = c.idempotency_key;
    return (*this)(keyed);
  }
  uint64_t fingerprint = command_fingerprint(inner);
  bool reservation_key = state_.idempotency(c.idempotency_key) != nullptr;
  const KeyedReplyEntry* entry = state_.keyed_reply(c.idempotency_key);
  if (reservation_key || (entry != nullptr && entry->request_fingerprint != fingerprint)) {
    return fail(ErrorCode::idempotency_conflict, "idempotency_key",
                fmt::format("key '{}' was used for a different request", c.idempotency_key));
  }
  if (entry != nullptr) {
    auto first = decode_reply(entry->reply);
    LC_ASSERT(first.has_value());  // written by encode_reply, CRC-checked in the journal
    return *first;
  }
  auto reply = std::visit(*this, inner);
  // Only successes are remembered: a rejected request retried is evaluated again.
  if (reply) emit(IdempotencyRecordedEvent{c.idempotency_key, fingerprint, encode_reply(*reply)});
  return reply;
}

Result<Reply> Engine::Handlers::operator()(const RecordAnswer& c) {
  if (c.status < 200 || c.status > 599) {
    return fail(ErrorCode::invalid_argument, "status", "must be an HTTP status in 200..599");
  }
  if (c.content_type.size() > kStoredAnswerContentTypeLengthMax) {
    return fail(ErrorCode::invalid_argument, "content_type",
                fmt::format("must be at most {} bytes (empty: no body)",
                            kStoredAnswerContentTypeLengthMax));
  }
  if (c.body.size() > kStoredAnswerBytesMax) {
    return fail(
        ErrorCode::limit_exceeded, "body",
        fmt::format("{} bytes exceed the limit of {}", c.body.size(), kStoredAnswerBytesMax));
  }
  return StoredAnswer{c.status, c.content_type, c.body};
}

}  // namespace livechain::engine
