// Transfers (ship → receive) and returns (receive into quarantine → grade →
// restock | rework | scrap; rework → back in stock).
#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
// Resolves an optional quantity against what is left: default all, else 1..left.
Result<int64_t> qty_within(std::string_view field, const std::optional<int64_t>& requested,
                           int64_t left_units, bool zero_allowed) {
  if (!requested) return left_units;
  int64_t minimum = zero_allowed ? 0 : 1;
  if (*requested < minimum || *requested > left_units) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("{} is outside {}..{}", *requested, minimum, left_units));
  }
  return *requested;
}

// The transfer `transfer_id` while it is in transit: not_found when there is none,
// invalid_state once it was received.
Result<const TransferRecord*> transfer_in_transit(const LedgerState& state, uint64_t transfer_id) {
  const TransferRecord* transfer = state.transfer(transfer_id);
  if (!transfer) {
    return fail(ErrorCode::not_found, "transfer_id", fmt::format("no transfer {}", transfer_id));
  }
  if (transfer->received_units >= 0) {
    return fail(ErrorCode::invalid_state, "transfer_id",
                fmt::format("transfer {} was already received", transfer_id));
  }
  return transfer;
}
}  // namespace

Result<Reply> Engine::Handlers::operator()(const ShipTransfer& c) {
  auto line = stock_line(c.gtin, c.from_location_id, c.qty_units, false);
  if (!line) {
    Error error = line.error();
    if (error.field == "location") error.field = "from_location";
    return std::unexpected(error);
  }
  auto to = location("to_location", c.to_location_id);
  if (!to) return std::unexpected(to.error());
  if (*to == line->location) {
    return fail(ErrorCode::invalid_argument, "to_location", "must differ from from_location");
  }
  Balance from = state_.balance_or_zero(line->sku, line->location);
  if (from.available_units() < line->qty_units) {
    return fail(
        ErrorCode::insufficient_stock, "qty_units",
        fmt::format("only {} units available at {}", from.available_units(), c.from_location_id));
  }
  if (state_.has_allocations() && shared_free_units(line->sku, line->location) < line->qty_units) {
    return fail(ErrorCode::insufficient_stock, "qty_units",
                fmt::format("only {} units at {} are free of channel allocations; lower an "
                            "allocation first",
                            std::max<int64_t>(0, shared_free_units(line->sku, line->location)),
                            c.from_location_id));
  }
  uint64_t id = state_.next_transfer_id();
  emit(TransferShippedEvent{id, line->sku, line->location, *to, line->qty_units});
  return engine_.transfer(id).value();
}

Result<Reply> Engine::Handlers::operator()(const ReceiveTransfer& c) {
  auto transfer = transfer_in_transit(state_, c.transfer_id);
  if (!transfer) return std::unexpected(transfer.error());
  auto received = qty_within("received_units", c.received_units, (*transfer)->shipped_units, true);
  if (!received) return std::unexpected(received.error());
  emit(TransferReceivedEvent{c.transfer_id, *received});
  return engine_.transfer(c.transfer_id).value();
}

Result<Reply> Engine::Handlers::operator()(const RerouteTransfer& c) {
  auto transfer = transfer_in_transit(state_, c.transfer_id);
  if (!transfer) return std::unexpected(transfer.error());
  auto to = location("to_location", c.to_location_id);
  if (!to) {
    // The transfer is the addressed resource (not_found); an unknown destination is a
    // bad argument of the request, like any other field.
    Error error = to.error();
    if (error.code == ErrorCode::not_found) error.code = ErrorCode::invalid_argument;
    return std::unexpected(error);
  }
  if (*to == (*transfer)->to) {
    return fail(ErrorCode::invalid_argument, "to_location",
                fmt::format("transfer {} already goes to {}", c.transfer_id, c.to_location_id));
  }
  auto qty = qty_within("qty_units", c.qty_units, (*transfer)->shipped_units, false);
  if (!qty) return std::unexpected(qty.error());
  uint64_t carrier_id = c.transfer_id;
  uint64_t new_transfer_id = 0;
  if (*qty < (*transfer)->shipped_units) {
    new_transfer_id = state_.next_transfer_id();
    carrier_id = new_transfer_id;
  }
  emit(TransferReroutedEvent{c.transfer_id, *to, *qty, new_transfer_id});
  return engine_.transfer(carrier_id).value();
}

Result<Reply> Engine::Handlers::operator()(const ReceiveReturn& c) {
  auto line = stock_line(c.gtin, c.location_id, c.qty_units, false);
  if (!line) return std::unexpected(line.error());
  if (auto ok = validate_text("reason", c.reason, kReasonLengthMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (c.order_id) {
    if (auto ok = validate_identifier("order_id", *c.order_id); !ok) {
      return std::unexpected(ok.error());
    }
  }
  uint64_t id = state_.next_return_id();
  emit(ReturnReceivedEvent{id, *line, c.reason, c.order_id.value_or("")});
  return engine_.return_view(id).value();
}

Result<Reply> Engine::Handlers::operator()(const GradeReturn& c) {
  const ReturnRecord* record = state_.return_record(c.return_id);
  if (!record) {
    return fail(ErrorCode::not_found, "return_id", fmt::format("no return {}", c.return_id));
  }
  if (record->quarantine_units == 0) {
    return fail(ErrorCode::invalid_state, "return_id",
                fmt::format("return {} has no units left to grade", c.return_id));
  }
  auto qty = qty_within("qty_units", c.qty_units, record->quarantine_units, false);
  if (!qty) return std::unexpected(qty.error());
  emit(ReturnGradedEvent{c.return_id, c.grade, *qty});
  return engine_.return_view(c.return_id).value();
}

Result<Reply> Engine::Handlers::operator()(const CompleteRework& c) {
  const ReturnRecord* record = state_.return_record(c.return_id);
  if (!record) {
    return fail(ErrorCode::not_found, "return_id", fmt::format("no return {}", c.return_id));
  }
  if (record->rework_units == 0) {
    return fail(ErrorCode::invalid_state, "return_id",
                fmt::format("return {} has no units in rework", c.return_id));
  }
  auto qty = qty_within("qty_units", c.qty_units, record->rework_units, false);
  if (!qty) return std::unexpected(qty.error());
  emit(ReworkCompletedEvent{c.return_id, *qty});
  return engine_.return_view(c.return_id).value();
}

}  // namespace livechain::engine
