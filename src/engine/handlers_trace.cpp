// Traceability commands (issue 12 §2): production batches keyed by (GTIN, lot) and the
// serial ranges issued in them. Issuing is a journal event like any movement.
#include <algorithm>

#include "core/assert.hpp"
#include "engine/handlers.hpp"
#include "journal/journal.hpp"
#include "trace/trace.hpp"

namespace livechain::engine {

namespace {

Result<void> check_lot(std::string_view lot) {
  const bool ok = !lot.empty() && lot.size() <= trace::kQualifierLengthMax &&
                  std::all_of(lot.begin(), lot.end(), trace::is_gs1_charset82);
  if (!ok) {
    return fail(ErrorCode::invalid_argument, "lot",
                fmt::format("'{}' must be 1 to {} characters of the GS1 AI encodable set 82", lot,
                            trace::kQualifierLengthMax));
  }
  return {};
}

Result<void> check_reports(const std::vector<std::string>& reports) {
  if (reports.size() > kInspectionReportsMax) {
    return fail(ErrorCode::limit_exceeded, "inspection_reports",
                fmt::format("{} references; at most {}", reports.size(), kInspectionReportsMax));
  }
  for (size_t i = 0; i < reports.size(); ++i) {
    LC_CHECK(validate_text(fmt::format("inspection_reports[{}]", i), reports[i], kReasonLengthMax));
  }
  return {};
}

bool same_batch(const BatchRecord& stored, const CreateBatch& c) {
  return stored.produced_at_ms == c.produced_at_ms && stored.factory_id == c.factory_id &&
         stored.inspection_reports == c.inspection_reports;
}

}  // namespace

Result<Reply> Engine::Handlers::operator()(const CreateBatch& c) {
  LC_TRY(sku_index, sku("gtin", c.gtin));
  LC_CHECK(check_lot(c.lot));
  if (c.produced_at_ms <= 0) {
    return fail(ErrorCode::invalid_argument, "produced_at", "must be a time after 1970-01-01");
  }
  LC_CHECK(validate_identifier("factory", c.factory_id));
  LC_CHECK(check_reports(c.inspection_reports));
  if (auto existing = state_.find_batch(sku_index, c.lot)) {
    if (!same_batch(*state_.batch(*existing), c)) {
      return fail(ErrorCode::already_exists, "lot",
                  fmt::format("batch {} already holds lot '{}' of {} with other content", *existing,
                              c.lot, state_.gtin_of(sku_index)));
    }
    return engine_.batch(*existing).value();  // the same batch sent again: no new event
  }
  if (state_.batch_count() >= kBatchesMax) {
    return fail(ErrorCode::limit_exceeded, "lot", fmt::format("{} batches exist", kBatchesMax));
  }
  const uint64_t id = state_.next_batch_id();
  emit(BatchCreatedEvent{id, sku_index, c.lot, c.produced_at_ms, c.factory_id,
                         c.inspection_reports});
  LC_ASSERT(state_.find_batch(sku_index, c.lot) == id);
  return engine_.batch(id).value();
}

Result<Reply> Engine::Handlers::operator()(const IssueUnits& c) {
  const BatchRecord* batch = state_.batch(c.batch_id);
  if (batch == nullptr) {
    return fail(ErrorCode::not_found, "batch_id", fmt::format("no batch {}", c.batch_id));
  }
  LC_CHECK(check_qty("count", c.count));
  const auto count = static_cast<uint64_t>(c.count);
  if (batch->units_issued + count > kBatchUnitsMax) {
    return fail(ErrorCode::limit_exceeded, "count",
                fmt::format("batch {} has {} serials; at most {} per batch", c.batch_id,
                            batch->units_issued, kBatchUnitsMax));
  }
  const uint64_t first = batch->units_issued + 1;
  emit(UnitsIssuedEvent{c.batch_id, first, count});
  LC_ASSERT(state_.batch(c.batch_id)->units_issued == first + count - 1);
  BatchView view = engine_.batch(c.batch_id).value();
  view.issued_first_serial = first;
  view.issued_last_serial = first + count - 1;
  return view;
}

// The capture service (server) validated the events with trace::parse_epcis_document;
// the limits are checked again because the journal's leaf size depends on them.
Result<Reply> Engine::Handlers::operator()(const CaptureEpcis& c) {
  if (c.events.empty() || c.events.size() > trace::kEpcisEventsPerDocumentMax) {
    return fail(ErrorCode::limit_exceeded, "eventList",
                fmt::format("{} events; 1 to {} per capture", c.events.size(),
                            trace::kEpcisEventsPerDocumentMax));
  }
  for (size_t i = 0; i < c.events.size(); ++i) {
    const EpcisRecord& e = c.events[i];
    if (e.event_id.empty() || e.event_id.size() > trace::kEpcisEventIdBytesMax) {
      return fail(ErrorCode::invalid_argument, fmt::format("eventList[{}].eventID", i),
                  fmt::format("must be 1 to {} bytes", trace::kEpcisEventIdBytesMax));
    }
    if (e.event_json.empty() || e.event_json.size() > trace::kEpcisEventBytesMax) {
      return fail(ErrorCode::limit_exceeded, fmt::format("eventList[{}]", i),
                  fmt::format("{} bytes of JSON; 1 to {}", e.event_json.size(),
                              trace::kEpcisEventBytesMax));
    }
  }
  for (size_t i = 0; i < c.events.size(); ++i) {
    if (c.events[i].context_json.size() > trace::kEpcisContextBytesMax) {
      return fail(ErrorCode::limit_exceeded, "@context",
                  fmt::format("prefixes of {} bytes; at most {}", c.events[i].context_json.size(),
                              trace::kEpcisContextBytesMax));
    }
  }
  static_assert(trace::kEpcisEventBytesMax + trace::kEpcisEventIdBytesMax +
                    trace::kEpcisContextBytesMax + 64 <
                journal::kEventLengthMax);
  for (const EpcisRecord& e : c.events) {
    emit(EpcisCapturedEvent{e.event_id, e.event_json, e.context_json});
  }
  return Done{};
}

}  // namespace livechain::engine
