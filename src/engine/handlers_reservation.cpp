// Two-phase reservations: reserve → commit | release | expire, TTL extension and
// idempotency keys. All lines or none; bundles are summed before the stock check.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
std::string line_field(size_t index, std::string_view name) {
  return fmt::format("lines[{}].{}", index, name);
}

// Names the line in an error: the field name is formatted only on failure, never on
// the hot success path.
template <class T>
Result<T> for_line(Result<T> result, size_t index, std::string_view name) {
  if (!result) result.error().field = line_field(index, name);
  return result;
}

int64_t available_for(const Balance* b, bool presale) {
  if (b == nullptr) return 0;
  return presale ? b->presale_available_units() : b->available_units();
}

// Spot orders beyond available stock are insufficient_stock; presale orders beyond the
// planned production are presale_exhausted (core/error.hpp).
ErrorCode shortage_code(bool presale) {
  return presale ? ErrorCode::presale_exhausted : ErrorCode::insufficient_stock;
}

// Adds qty to the line for (sku, location) in `lines`, creating it if needed.
void add_to(StockLines& lines, SkuIndex sku, LocationIndex location, int64_t qty_units) {
  for (StockLine& line : lines) {
    if (line.sku == sku && line.location == location) {
      line.qty_units += qty_units;
      return;
    }
  }
  lines.push_back(StockLine{sku, location, qty_units});
}

int64_t already_taken(const StockLines& lines, SkuIndex sku, LocationIndex location) {
  for (const StockLine& line : lines) {
    if (line.sku == sku && line.location == location) return line.qty_units;
  }
  return 0;
}
}  // namespace

uint64_t reserve_fingerprint(const Reserve& request) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&hash](std::string_view bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ull;
    hash = (hash ^ 0xff) * 0x100000001b3ull;  // field separator
  };
  mix(request.order_id);
  mix(request.channel_id);
  mix(request.buyer_region.value_or(""));
  auto mix_number = [&mix](int64_t number) {
    mix(std::string_view(reinterpret_cast<const char*>(&number), sizeof number));
  };
  mix_number(request.ttl_ms);
  mix_number(request.presale ? 1 : 0);
  for (const LineRequest& line : request.lines) {
    // The canonical GTIN-14, so "4006381333931" and "04006381333931" are the same body.
    auto gtin = normalize_gtin(line.gtin);
    mix(gtin ? std::string_view(*gtin) : std::string_view(line.gtin));
    mix_number(line.qty_units);
    mix(line.location_id.value_or(""));
    if (line.lot) mix("lot:" + *line.lot);  // absent: the fingerprint of before lots
  }
  return hash;
}

Result<LocationIndex> Engine::Handlers::pick_location(const Reserve& c, ChannelIndex channel,
                                                      size_t line_index, SkuIndex sku,
                                                      int64_t qty_units,
                                                      const StockLines& taken) const {
  std::optional<uint32_t> buyer_region;
  if (c.buyer_region) buyer_region = state_.find_region(*c.buyer_region);
  // Rank: known distance first, then nearer, then more available, then older location.
  // An unknown distance ranks after every known one (distances are < 2^32).
  constexpr uint64_t kUnknownDistanceRank = uint64_t{1} << 32;
  std::optional<LocationIndex> best;
  uint64_t best_distance_rank = 0;
  int64_t best_rank_available = 0;
  int64_t best_available = 0;
  for (const SkuBalanceRef& ref : state_.balance_refs_of_sku(sku)) {
    const LocationRecord& record = state_.locations()[ref.location];
    if (!c.presale && !sells_to_buyers(record.kind)) continue;
    int64_t available;
    if (c.presale || !state_.has_allocations()) {
      available = available_for(&state_.balance_at(ref.balance_index), c.presale);
      if (!taken.empty()) available -= already_taken(taken, sku, ref.location);
    } else {  // the channel's pools decide (channel_pools.cpp)
      available = channel_sellable_units(state_, channel, sku, ref.location, taken);
    }
    best_available = std::max(best_available, available);
    if (available < qty_units) continue;
    uint64_t distance_rank = kUnknownDistanceRank;
    if (buyer_region) {
      if (auto km = state_.distance_km(*buyer_region, record.region)) distance_rank = *km;
    }
    bool better = !best || distance_rank < best_distance_rank ||
                  (distance_rank == best_distance_rank &&
                   (available > best_rank_available ||
                    (available == best_rank_available && ref.location < *best)));
    if (better) {
      best = ref.location;
      best_distance_rank = distance_rank;
      best_rank_available = available;
    }
  }
  if (!best) {
    return fail(shortage_code(c.presale), line_field(line_index, "qty_units"),
                fmt::format("no location can fill {} units of sku {} (most available at one "
                            "location: {})",
                            qty_units, state_.gtin_of(sku), best_available));
  }
  return *best;
}

Result<StockLines> Engine::Handlers::resolve_reserve_lines(const Reserve& c,
                                                           ChannelIndex channel) const {
  StockLines explicit_lines;
  StockLines open_lines;  // location chosen by the engine; `location` unused here
  boost::container::small_vector<size_t, 4> first_index_of_open;  // no heap for small orders
  boost::container::small_vector<size_t, 4> first_index_of_explicit;
  for (size_t i = 0; i < c.lines.size(); ++i) {
    const LineRequest& request = c.lines[i];
    auto sku_index = for_line(sku("sku", request.gtin), i, "sku");
    if (!sku_index) return std::unexpected(sku_index.error());
    if (auto ok = for_line(check_qty("qty_units", request.qty_units), i, "qty_units"); !ok) {
      return std::unexpected(ok.error());
    }
    if (request.location_id) {
      auto location_index = for_line(location("location", *request.location_id), i, "location");
      if (!location_index) return std::unexpected(location_index.error());
      size_t before = explicit_lines.size();
      add_to(explicit_lines, *sku_index, *location_index, request.qty_units);
      if (explicit_lines.size() > before) first_index_of_explicit.push_back(i);
    } else {
      size_t before = open_lines.size();
      add_to(open_lines, *sku_index, 0, request.qty_units);
      if (open_lines.size() > before) first_index_of_open.push_back(i);
    }
  }
  bool pools = !c.presale && state_.has_allocations();
  StockLines checked;  // explicit lines before this one, for the channel's SKU-level caps
  for (size_t i = 0; i < explicit_lines.size(); ++i) {
    const StockLine& line = explicit_lines[i];
    int64_t available =
        pools ? channel_sellable_units(state_, channel, line.sku, line.location, checked)
              : available_for(state_.balance(line.sku, line.location), c.presale);
    if (available < line.qty_units) {
      return fail(
          shortage_code(c.presale), line_field(first_index_of_explicit[i], "qty_units"),
          fmt::format("sku {} at {}: requested {}, available {}{}", state_.gtin_of(line.sku),
                      state_.location_id_of(line.location), line.qty_units,
                      std::max<int64_t>(available, 0), pools ? " to channel " + c.channel_id : ""));
    }
    if (pools) checked.push_back(line);
  }
  StockLines lines = explicit_lines;
  for (size_t i = 0; i < open_lines.size(); ++i) {
    const StockLine& open = open_lines[i];
    auto location =
        pick_location(c, channel, first_index_of_open[i], open.sku, open.qty_units, lines);
    if (!location) return std::unexpected(location.error());
    add_to(lines, open.sku, *location, open.qty_units);
  }
  return lines;
}

Result<Reply> Engine::Handlers::operator()(const Reserve& c) {
  if (auto ok = validate_identifier("order_id", c.order_id); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.buyer_region) {
    if (auto ok = validate_identifier("region", *c.buyer_region); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (c.lines.empty()) return fail(ErrorCode::invalid_argument, "lines", "at least one line");
  if (c.lines.size() > kReservationLinesMax) {
    return fail(ErrorCode::limit_exceeded, "lines",
                fmt::format("{} lines; the limit is {}", c.lines.size(), kReservationLinesMax));
  }
  if (auto ok = check_ttl(c.ttl_ms); !ok) return std::unexpected(ok.error());
  if (auto ok = check_reserve_lots(c); !ok) return std::unexpected(ok.error());
  auto channel = state_.find_channel(c.channel_id);
  if (!channel) {
    return fail(ErrorCode::not_found, "channel", fmt::format("unknown channel '{}'", c.channel_id));
  }
  uint64_t fingerprint = 0;
  if (c.idempotency_key) {
    if (auto ok =
            validate_text("idempotency_key", *c.idempotency_key, kScopedIdempotencyKeyLengthMax);
        !ok) {
      return std::unexpected(ok.error());
    }
    fingerprint = reserve_fingerprint(c);
    if (state_.keyed_reply(*c.idempotency_key) != nullptr) {
      return fail(ErrorCode::idempotency_conflict, "idempotency_key",
                  "this key was used for a different request");
    }
    if (const IdempotencyEntry* entry = state_.idempotency(*c.idempotency_key)) {
      if (entry->request_fingerprint != fingerprint) {
        return fail(ErrorCode::idempotency_conflict, "idempotency_key",
                    "this key was used for a different request");
      }
      auto view = engine_.reservation(entry->reservation_id);
      LC_ASSERT(view.has_value());
      view->idempotent_replay = true;
      // Once resolved, the reservation record no longer holds these; the request is
      // the same (same fingerprint), so it does.
      view->order_id = c.order_id;
      view->channel_id = c.channel_id;
      view->presale = c.presale;
      view->expires_at_ms = entry->expires_at_ms;
      view->lines.clear();
      for (const StockLine& line : entry->lines) {
        view->lines.push_back({state_.gtin_of(line.sku), state_.location_id_of(line.location),
                               line.qty_units, std::nullopt});
      }
      return *view;
    }
  }
  if (state_.pending_count() >= kPendingReservationsMax) {
    return fail(ErrorCode::busy, "",
                fmt::format("{} reservations are pending; retry later", kPendingReservationsMax));
  }
  auto lines = resolve_reserve_lines(c, *channel);
  if (!lines) return std::unexpected(lines.error());
  uint64_t id = state_.next_reservation_id();
  emit(ReservedEvent{id, c.order_id, *channel, c.idempotency_key.value_or(""), fingerprint,
                     now_ms_ + c.ttl_ms, c.presale, *lines});
  return engine_.reservation(id).value();
}

// Looks up a pending reservation for commit/release/extend. A reservation whose TTL
// ran out but that the sweep has not reached yet is expired here, so it can never be
// committed late.
Result<const PendingReservation*> Engine::Handlers::pending_for_resolution(
    uint64_t reservation_id) {
  auto status = state_.status(reservation_id);
  if (!status) {
    return fail(ErrorCode::not_found, "reservation_id",
                fmt::format("no reservation {}", reservation_id));
  }
  switch (*status) {
    case ReservationStatus::pending:
      break;
    case ReservationStatus::committed:
      return fail(ErrorCode::reservation_committed, "reservation_id",
                  fmt::format("reservation {} is already committed", reservation_id));
    case ReservationStatus::released:
      return fail(ErrorCode::reservation_released, "reservation_id",
                  fmt::format("reservation {} was released", reservation_id));
    case ReservationStatus::expired:
      return fail(ErrorCode::reservation_expired, "reservation_id",
                  fmt::format("reservation {} expired", reservation_id));
  }
  const PendingReservation* reservation = state_.pending(reservation_id);
  LC_ASSERT(reservation != nullptr);
  if (reservation->expires_at_ms <= now_ms_) {
    emit(ExpiredEvent{reservation_id});
    return fail(ErrorCode::reservation_expired, "reservation_id",
                fmt::format("reservation {} expired", reservation_id));
  }
  return reservation;
}

Result<LineQuantities> Engine::Handlers::resolve_commit_lines(
    const Commit& c, const PendingReservation& reservation,
    std::vector<BatchSoldEvent>& sold) const {
  LineQuantities committed;
  for (const StockLine& line : reservation.lines) committed.push_back(line.qty_units);
  std::vector<bool> named(reservation.lines.size(), false);
  for (size_t i = 0; i < c.lines.size(); ++i) {
    const LineRequest& request = c.lines[i];
    auto sku_index = for_line(sku("sku", request.gtin), i, "sku");
    if (!sku_index) return std::unexpected(sku_index.error());
    std::optional<size_t> match;
    for (size_t j = 0; j < reservation.lines.size(); ++j) {
      const StockLine& line = reservation.lines[j];
      bool same_location =
          !request.location_id || state_.location_id_of(line.location) == *request.location_id;
      if (line.sku != *sku_index || !same_location) continue;
      if (match) {
        return fail(ErrorCode::invalid_argument, line_field(i, "location"),
                    "the sku is reserved at several locations; name the location");
      }
      match = j;
    }
    if (!match) {
      return fail(ErrorCode::invalid_argument, line_field(i, "sku"),
                  "the reservation holds no such line");
    }
    if (named[*match]) {
      return fail(ErrorCode::invalid_argument, line_field(i, "sku"), "line named twice");
    }
    int64_t reserved = reservation.lines[*match].qty_units;
    if (request.qty_units < 0 || request.qty_units > reserved) {
      return fail(ErrorCode::invalid_argument, line_field(i, "qty_units"),
                  fmt::format("must be within 0..{} (the reserved quantity)", reserved));
    }
    named[*match] = true;
    committed[*match] = request.qty_units;
    if (request.lot) {
      auto batch_sold = commit_line_batch(request, i, reservation, *match);
      if (!batch_sold) return std::unexpected(batch_sold.error());
      batch_sold->reservation_id = c.reservation_id;
      if (batch_sold->qty_units > 0) sold.push_back(std::move(*batch_sold));
    } else if (!request.serials.empty()) {
      return fail(ErrorCode::invalid_argument, line_field(i, "serials"),
                  "serials need the lot they were issued in");
    }
  }
  return committed;
}

Result<Reply> Engine::Handlers::operator()(const Commit& c) {
  if (c.lines.size() > kReservationLinesMax) {
    return fail(ErrorCode::limit_exceeded, "lines",
                fmt::format("{} lines; the limit is {}", c.lines.size(), kReservationLinesMax));
  }
  auto reservation = pending_for_resolution(c.reservation_id);
  if (!reservation) return std::unexpected(reservation.error());
  std::vector<BatchSoldEvent> sold;
  auto committed = resolve_commit_lines(c, **reservation, sold);
  if (!committed) return std::unexpected(committed.error());
  // Built from the pointer in hand: the reservation is not looked up again.
  ReservationView view =
      reservation_view(state_, c.reservation_id, ReservationStatus::pending, *reservation);
  for (BatchSoldEvent& event : sold) emit(std::move(event));
  emit(CommittedEvent{c.reservation_id, *committed});
  view.status = ReservationStatus::committed;
  for (size_t i = 0; i < view.lines.size(); ++i) view.lines[i].committed_units = (*committed)[i];
  return view;
}

Result<Reply> Engine::Handlers::operator()(const Release& c) {
  auto reservation = pending_for_resolution(c.reservation_id);
  if (!reservation) return std::unexpected(reservation.error());
  ReservationView view =
      reservation_view(state_, c.reservation_id, ReservationStatus::pending, *reservation);
  emit(ReleasedEvent{c.reservation_id});
  view.status = ReservationStatus::released;
  return view;
}

Result<Reply> Engine::Handlers::operator()(const ExtendReservation& c) {
  if (auto ok = check_ttl(c.ttl_ms); !ok) return std::unexpected(ok.error());
  auto reservation = pending_for_resolution(c.reservation_id);
  if (!reservation) return std::unexpected(reservation.error());
  emit(ReservationExtendedEvent{c.reservation_id, now_ms_ + c.ttl_ms});
  return engine_.reservation(c.reservation_id).value();
}

Result<Reply> Engine::Handlers::operator()(const ExpireDue&) {
  return ExpiredView{expired_before};
}

}  // namespace livechain::engine
