// Commands on batch-tracked stock (issue 12 §2, §5): receipts and sales naming a lot
// (and serials), and recalls. The state side is batch_stock.cpp.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
std::string line_field(size_t index, std::string_view name) {
  return fmt::format("lines[{}].{}", index, name);
}
}  // namespace

Result<uint64_t> Engine::Handlers::movable_batch(SkuIndex sku, const std::string& lot,
                                                 const std::string& field) const {
  auto id = state_.find_batch(sku, lot);
  if (!id) {
    return fail(ErrorCode::not_found, field,
                fmt::format("no batch of {} has lot '{}'", state_.gtin_of(sku), lot));
  }
  if (state_.batch(*id)->recalled) {
    return fail(
        ErrorCode::invalid_state, field,
        fmt::format("batch {} (lot '{}') is recalled: its units may not move or sell", *id, lot));
  }
  return *id;
}

Result<void> Engine::Handlers::check_reserve_lots(const Reserve& c) const {
  for (size_t i = 0; i < c.lines.size(); ++i) {
    const LineRequest& line = c.lines[i];
    if (!line.serials.empty()) {
      return fail(ErrorCode::invalid_argument, line_field(i, "serials"),
                  "serials are named when the sale is committed");
    }
    if (!line.lot) continue;
    auto sku_index = state_.find_sku(line.gtin);
    if (!sku_index) continue;  // the line check names the unknown SKU
    auto batch_id = movable_batch(*sku_index, *line.lot, line_field(i, "lot"));
    if (!batch_id) return std::unexpected(batch_id.error());
  }
  return {};
}

Result<BatchSoldEvent> Engine::Handlers::commit_line_batch(const LineRequest& request,
                                                           size_t request_index,
                                                           const PendingReservation& reservation,
                                                           size_t line_index) const {
  const StockLine& line = reservation.lines[line_index];
  if (reservation.presale) {
    return fail(ErrorCode::invalid_argument, line_field(request_index, "lot"),
                "a presale sells planned production: no batch holds it yet");
  }
  LC_TRY(batch_id, movable_batch(line.sku, *request.lot, line_field(request_index, "lot")));
  const BatchRecord& batch = *state_.batch(batch_id);
  int64_t held = 0;
  for (const BatchUnits& u : state_.batch_units_at(line.sku, line.location)) {
    if (u.batch_id == batch_id) held = u.units;
  }
  if (request.qty_units > held) {
    return fail(ErrorCode::insufficient_stock, line_field(request_index, "lot"),
                fmt::format("{} units of lot '{}' are at {}; the line commits {}", held, batch.lot,
                            state_.location_id_of(line.location), request.qty_units));
  }
  const std::string serials_field = line_field(request_index, "serials");
  if (request.serials.size() > kLineSerialsMax) {
    return fail(
        ErrorCode::limit_exceeded, serials_field,
        fmt::format("{} serials; at most {} per line", request.serials.size(), kLineSerialsMax));
  }
  if (request.serials.size() > static_cast<size_t>(request.qty_units)) {
    return fail(ErrorCode::invalid_argument, serials_field,
                fmt::format("{} serials for {} units", request.serials.size(), request.qty_units));
  }
  std::vector<uint64_t> serials = request.serials;
  std::sort(serials.begin(), serials.end());
  for (size_t k = 0; k < serials.size(); ++k) {
    if (serials[k] == 0 || serials[k] > batch.units_issued) {
      return fail(ErrorCode::not_found, serials_field,
                  fmt::format("serial {} was not issued in lot '{}' (1…{})", serials[k], batch.lot,
                              batch.units_issued));
    }
    if (k > 0 && serials[k] == serials[k - 1]) {
      return fail(ErrorCode::invalid_argument, serials_field,
                  fmt::format("serial {} is named twice", serials[k]));
    }
  }
  return BatchSoldEvent{reservation.reservation_id, static_cast<uint32_t>(line_index), batch_id,
                        request.qty_units, std::move(serials)};
}

Result<Reply> Engine::Handlers::operator()(const RecallBatch& c) {
  const BatchRecord* batch = state_.batch(c.batch_id);
  if (batch == nullptr) {
    return fail(ErrorCode::not_found, "batch_id", fmt::format("no batch {}", c.batch_id));
  }
  if (c.reason.empty()) return fail(ErrorCode::invalid_argument, "reason", "must not be empty");
  LC_CHECK(validate_text("reason", c.reason, kReasonLengthMax));
  if (!batch->recalled) {
    emit(BatchRecalledEvent{c.batch_id, c.reason});
    LC_ASSERT(state_.batch(c.batch_id)->recalled);
  }
  return engine_.batch(c.batch_id).value();
}

}  // namespace livechain::engine
