// Rollback (restore stock to T, issue 10 §5): applies a plan made by plan_rollback as
// compensating adjustments plus one audit record. The journal stays append-only.
#include <fmt/format.h>

#include "core/assert.hpp"
#include "engine/as_of.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
constexpr size_t kRollbackReasonLengthMax = 120;  // leaves room for "rollback to …: "
constexpr size_t kActorLengthMax = 128;
}  // namespace

Result<Reply> Engine::Handlers::operator()(const RestoreStock& c) {
  if (c.reason.empty()) return fail(ErrorCode::invalid_argument, "reason", "is required");
  if (auto ok = validate_text("reason", c.reason, kRollbackReasonLengthMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_text("actor", c.actor, kActorLengthMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.to_ms < 0 || c.to_ms > now_ms_) {
    return fail(ErrorCode::invalid_argument, "to", "must not be in the future");
  }
  if (c.changes.size() > kRollbackChangesMax) {
    return fail(
        ErrorCode::limit_exceeded, "diff",
        fmt::format("{} changes exceed the limit of {}", c.changes.size(), kRollbackChangesMax));
  }
  // Validate every change before emitting any: all or nothing.
  std::vector<StockLine> lines;
  lines.reserve(c.changes.size());
  for (size_t i = 0; i < c.changes.size(); ++i) {
    const RollbackChange& change = c.changes[i];
    std::string field = fmt::format("diff[{}]", i);
    if (change.field != "on_hand") {
      return fail(ErrorCode::invalid_argument, field + ".field", "only on_hand is restored");
    }
    auto line = stock_line(change.gtin, change.location_id, change.delta_units(), true);
    if (!line) return fail(line.error().code, field + ".delta", line.error().detail);
    Balance now = state_.balance_or_zero(line->sku, line->location);
    if (now.on_hand_units != change.from_units) {
      return fail(ErrorCode::invalid_state, field + ".from",
                  fmt::format("on hand is now {}, not {}: stock moved since the plan; plan again",
                              now.on_hand_units, change.from_units));
    }
    if (change.to_units < now.reserved_units) {
      return fail(ErrorCode::insufficient_stock, field + ".to",
                  fmt::format("{} units are reserved", now.reserved_units));
    }
    if (line->qty_units < 0 && state_.has_allocations() &&
        shared_free_units(line->sku, line->location) + line->qty_units < 0) {
      return fail(ErrorCode::insufficient_stock, field + ".to",
                  "the units are held by channel allocations; lower an allocation first");
    }
    lines.push_back(*line);
  }
  std::string reason = fmt::format("rollback to {} ms: {}", c.to_ms, c.reason);
  LC_ASSERT(reason.size() <= kReasonLengthMax);
  for (const StockLine& line : lines) emit(StockAdjustedEvent{line, reason});
  emit(StockRestoredEvent{c.to_ms, c.actor, c.reason, static_cast<uint32_t>(lines.size())});
  for (size_t i = 0; i < lines.size(); ++i) {
    LC_ASSERT(state_.balance_or_zero(lines[i].sku, lines[i].location).on_hand_units ==
              c.changes[i].to_units);
  }
  return Done{};
}

}  // namespace livechain::engine
