// Command handlers: validate, then emit events. Validation reads state only; emit()
// is the single place where state changes, through LedgerState::apply.
#include "engine/engine.hpp"

#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

void Engine::emit(EventBody body, TimeMs now_ms, journal::BatchBuilder& batch) {
  Event event{now_ms, std::move(body)};
  ByteWriter writer = batch.begin_event();
  encode_event(event, state_, writer);
  batch.end_event();
  state_.apply(event);
}

std::vector<uint64_t> Engine::expire_due(TimeMs now_ms, journal::BatchBuilder& batch) {
  std::vector<uint64_t> expired;
  while (expired.size() < kExpiriesPerCommandMax) {
    auto next = state_.next_expiry(now_ms);
    if (!next || next->first > now_ms) break;
    emit(ExpiredEvent{next->second}, now_ms, batch);
    expired.push_back(next->second);
  }
  return expired;
}

Result<Reply> Engine::execute(const Command& command, TimeMs now_ms, journal::BatchBuilder& batch) {
  LC_ASSERT(now_ms >= state_.now_ms());
  Handlers handlers(*this, now_ms, batch);
  handlers.expired_before = expire_due(now_ms, batch);
  uint32_t events_before = batch.event_count();
  auto reply = std::visit(handlers, command);
  // A rejected command journals nothing of its own (commit of an overdue reservation
  // journals its expiry, which is a fact regardless of the reply).
  LC_ASSERT(reply.has_value() || batch.event_count() <= events_before + 1);
  return reply;
}

Result<void> Engine::apply_stored_event(std::span<const uint8_t> data) {
  auto event = decode_event(data, state_);
  if (!event) return std::unexpected(event.error());
  if (event->time_ms < state_.now_ms()) {
    return fail(ErrorCode::corruption, "event", "event time runs backwards");
  }
  state_.apply(*event);
  return {};
}

}  // namespace livechain::engine
