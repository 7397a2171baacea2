// src/exports/exports.hpp — bulk export of the ledger as CSV or NDJSON rows (issue 19 §3).
//
// Pure, bounded steps: each call formats at most one page of journal events or one
// slice of engine state into text and returns a cursor for the next call, so whoever
// drives an export (the server's chunked response, `livechain export`) holds one page
// at a time and its memory does not grow with the ledger. Reading is the caller's:
// the server reads journal pages on its worker and engine state on the engine thread
// (Sequencer::read_async), the CLI reads both synchronously. No I/O but the journal
// reads named below; no HTTP here (docs/export.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/state.hpp"
#include "journal/journal.hpp"
#include "kpi/kpi.hpp"

namespace livechain::exports {

enum class Kind : uint8_t { events, balances, orders, kpis };
enum class Format : uint8_t { csv, ndjson };

// "events" | "balances" | "orders" | "kpis"; nullopt otherwise.
std::optional<Kind> parse_kind(std::string_view text);
std::string_view kind_name(Kind kind);
// "csv" | "ndjson"; nullopt otherwise.
std::optional<Format> parse_format(std::string_view text);
std::string_view format_name(Format format);
// "text/csv; charset=utf-8" | "application/x-ndjson".
std::string_view media_type(Format format);

// Limits (docs/limits.md). A page of events ends at whichever comes first.
inline constexpr size_t kPageEventsMax = 4'096;      // events read per journal page
inline constexpr size_t kPageBytesMax = 1u << 20;    // stored event bytes per page
inline constexpr size_t kSliceBalancesMax = 4'096;   // balance rows per engine-thread read
inline constexpr uint64_t kRowsMax = 1'000'000'000;  // the largest `limit` accepted

// Which rows an export keeps. Times are journal (engine) time.
struct Filter {
  uint64_t since_seq = 0;                           // events, orders: first journal seq read
  std::optional<TimeMs> from_ms;                    // events, orders: event time >= from_ms
  std::optional<TimeMs> to_ms;                      // events, orders: event time < to_ms
  std::optional<engine::ReservationStatus> status;  // orders: current status
  std::optional<std::string> kind;                  // events: one event kind
  uint64_t limit_rows = kRowsMax;  // rows written at most (the CSV header not counted)
};

// Whether the reader may see field `field` of an event of kind `event_kind` (the
// server's role rule; the CLI, reading the database file, sees everything).
using SeesField = std::function<bool(std::string_view event_kind, std::string_view field)>;

// Appends `field` as one RFC 4180 field: quoted when it holds a comma, a double
// quote, CR or LF (or starts or ends with a space), with inner quotes doubled.
void append_csv_field(std::string& out, std::string_view field);

// The CSV header line of `kind` (with CRLF), or "" for NDJSON.
std::string header(Kind kind, Format format);

// One page of stored events, in seq order.
struct StoredEvent {
  uint64_t seq = 0;
  Bytes data;
};
struct EventPage {
  std::vector<StoredEvent> events;
  uint64_t next_seq = 0;  // where the next page starts
  bool end = false;       // no event at or after next_seq below `end_seq`
};
// Reads events [from_seq, end_seq) up to kPageEventsMax events or kPageBytesMax bytes
// (at least one event). Cost: the batches holding them (docs/export.md).
// Errors: io_error, corruption naming the seq.
Result<EventPage> read_event_page(journal::Journal& journal, uint64_t from_seq, uint64_t end_seq);

// Where a row-producing step stopped.
struct Progress {
  uint64_t rows = 0;  // rows written so far (in all steps), compared with limit_rows
  bool done = false;  // the limit was reached; stop
};

// Appends the page's events that pass `filter` as rows: seq, time, time_ms, kind,
// fields (a JSON array of {name, value}; a JSON text in CSV), redacted (the names
// `sees` refused), leaf_hash. Errors: corruption when an event does not decode.
Result<void> format_events(const EventPage& page, const Filter& filter, const SeesField& sees,
                           Format format, Progress& progress, std::string& out);

// A position in the balances: SKU index, then that SKU's rows in first-touch order.
struct BalanceCursor {
  uint32_t sku = 0;
  uint32_t row = 0;
  bool end = false;
};
// Appends up to kSliceBalancesMax balance rows from `cursor` (sku, location, on_hand,
// reserved, available, in_transit, quarantine, rework, presale_planned,
// presale_reserved, presale_committed, received_total, sold_total, scrapped_total,
// lost_in_transit_total, adjusted_total) and returns where the next slice starts.
// Runs on whichever thread owns `state`; bounded work.
BalanceCursor format_balances(const engine::LedgerState& state, BalanceCursor cursor, Format format,
                              Progress& progress, std::string& out);

// The reservations a page of events created (the `reserved` events passing the time
// filter), one per reservation with its lines, before their current status is known.
struct OrderLine {
  std::string sku;
  std::string location;
  int64_t qty = 0;
};
struct PendingOrderRow {
  uint64_t reservation_id = 0;
  uint64_t seq = 0;
  TimeMs created_ms = 0;
  std::string order_id;
  std::string channel;
  TimeMs expires_at_ms = 0;
  bool presale = false;
  std::vector<OrderLine> lines;
};
// Errors: corruption when an event does not decode.
Result<std::vector<PendingOrderRow>> orders_of_page(const EventPage& page, const Filter& filter);
// The current status of each order (engine state; bounded by the page).
std::vector<engine::ReservationStatus> order_statuses(const engine::LedgerState& state,
                                                      const std::vector<PendingOrderRow>& orders);
// Appends one row per order line (reservation_id, order_id, channel, status, created,
// created_ms, expires_at_ms, presale, line, sku, location, qty) for the orders whose
// status passes the filter.
void format_orders(const std::vector<PendingOrderRow>& orders,
                   const std::vector<engine::ReservationStatus>& statuses, const Filter& filter,
                   Format format, Progress& progress, std::string& out);

// The KPI read model's rows (kpi::Model::rows, at most kpi::rows_max(period) of them):
// one row per period — period, start (YYYY-MM-DD), then the twelve KPIs in
// kpi::definitions() order (empty in CSV / null in NDJSON: no data).
void format_kpis(kpi::Period period, const std::vector<kpi::Row>& rows, const Filter& filter,
                 Format format, Progress& progress, std::string& out);

}  // namespace livechain::exports
