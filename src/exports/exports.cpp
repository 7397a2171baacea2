// Bulk export rows (docs/export.md): one row shape per kind, written as CSV (RFC 4180,
// header row, CRLF) or NDJSON (one JSON object per line) from the same JSON object, so
// both formats always carry the same columns in the same order.
#include "exports/exports.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "core/assert.hpp"
#include "engine/engine.hpp"
#include "journal/merkle.hpp"

namespace livechain::exports {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 7> kEventColumns = {"seq",    "time",     "time_ms",  "kind",
                                                           "fields", "redacted", "leaf_hash"};
constexpr std::array<std::string_view, 16> kBalanceColumns = {"sku",
                                                              "location",
                                                              "on_hand",
                                                              "reserved",
                                                              "available",
                                                              "in_transit",
                                                              "quarantine",
                                                              "rework",
                                                              "presale_planned",
                                                              "presale_reserved",
                                                              "presale_committed",
                                                              "received_total",
                                                              "sold_total",
                                                              "scrapped_total",
                                                              "lost_in_transit_total",
                                                              "adjusted_total"};
constexpr std::array<std::string_view, 12> kOrderColumns = {
    "reservation_id", "order_id", "channel", "status", "created",  "created_ms",
    "expires_at_ms",  "presale",  "line",    "sku",    "location", "qty"};

// Writes `row` (whose keys are the kind's columns, in order) as one line.
void write_row(const json::object& row, Format format, std::string& out) {
  if (format == Format::ndjson) {
    out += json::serialize(row);
    out += '\n';
    return;
  }
  bool first = true;
  for (const auto& member : row) {
    if (!first) out += ',';
    first = false;
    const json::value& value = member.value();
    if (value.is_string()) {
      append_csv_field(out, value.get_string());
    } else if (value.is_null()) {
      // an empty field
    } else if (value.is_bool()) {
      out += value.get_bool() ? "true" : "false";
    } else if (value.is_array() || value.is_object()) {
      append_csv_field(out, json::serialize(value));
    } else {
      out += json::serialize(value);  // a number
    }
  }
  out += "\r\n";
}

bool in_time_window(const Filter& filter, TimeMs time_ms) {
  if (filter.from_ms && time_ms < *filter.from_ms) return false;
  if (filter.to_ms && time_ms >= *filter.to_ms) return false;
  return true;
}

// Counts one row; false when the limit is already reached (the row is not written).
bool take_row(const Filter& filter, Progress& progress) {
  if (progress.rows >= filter.limit_rows) {
    progress.done = true;
    return false;
  }
  progress.rows += 1;
  if (progress.rows >= filter.limit_rows) progress.done = true;
  return true;
}

template <size_t N>
std::string csv_header(const std::array<std::string_view, N>& columns) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += ',';
    out += columns[i];
  }
  return out + "\r\n";
}
}  // namespace

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "events") return Kind::events;
  if (text == "balances") return Kind::balances;
  if (text == "orders") return Kind::orders;
  if (text == "kpis") return Kind::kpis;
  return std::nullopt;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::events:
      return "events";
    case Kind::balances:
      return "balances";
    case Kind::orders:
      return "orders";
    case Kind::kpis:
      return "kpis";
  }
  return "unknown";
}

std::optional<Format> parse_format(std::string_view text) {
  if (text == "csv") return Format::csv;
  if (text == "ndjson") return Format::ndjson;
  return std::nullopt;
}

std::string_view format_name(Format format) {
  return format == Format::csv ? "csv" : "ndjson";
}

std::string_view media_type(Format format) {
  return format == Format::csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

void append_csv_field(std::string& out, std::string_view field) {
  bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string header(Kind kind, Format format) {
  if (format == Format::ndjson) return {};
  switch (kind) {
    case Kind::events:
      return csv_header(kEventColumns);
    case Kind::balances:
      return csv_header(kBalanceColumns);
    case Kind::orders:
      return csv_header(kOrderColumns);
    case Kind::kpis: {
      std::string out = "period,start";
      for (const kpi::Definition& definition : kpi::definitions()) {
        out += ',';
        out += definition.name;
      }
      return out + "\r\n";
    }
  }
  return {};
}

Result<EventPage> read_event_page(journal::Journal& journal, uint64_t from_seq, uint64_t end_seq) {
  EventPage page;
  page.next_seq = from_seq;
  if (from_seq >= end_seq) {
    page.end = true;
    return page;
  }
  size_t bytes = 0;
  bool full = false;      // the page holds enough
  bool past_end = false;  // an event at or beyond end_seq was reached
  // The journal's replay has no "stop" result: a visitor error ends it, and the flags
  // tell that error apart from a real one.
  auto replayed = journal.replay(from_seq, [&](uint64_t seq, std::span<const uint8_t> data) {
    if (seq >= end_seq) past_end = true;
    if (page.events.size() >= kPageEventsMax || (bytes >= kPageBytesMax && !page.events.empty())) {
      full = true;
    }
    if (past_end || full) {
      return Result<void>(fail(ErrorCode::limit_exceeded, "page", "page full"));
    }
    bytes += data.size();
    page.events.push_back(StoredEvent{seq, Bytes(data.begin(), data.end())});
    return Result<void>();
  });
  if (!replayed && !full && !past_end) return std::unexpected(replayed.error());
  if (!page.events.empty()) page.next_seq = page.events.back().seq + 1;
  // Without `full` the replay ran to the journal's end (or to end_seq).
  page.end = !full || past_end || page.next_seq >= end_seq;
  LC_ASSERT(page.events.size() <= kPageEventsMax);
  return page;
}

Result<void> format_events(const EventPage& page, const Filter& filter, const SeesField& sees,
                           Format format, Progress& progress, std::string& out) {
  for (const StoredEvent& event : page.events) {
    if (progress.done) return {};
    LC_TRY(description, engine::describe_stored_event(event.data));
    if (!in_time_window(filter, description.time_ms)) continue;
    if (filter.kind && description.kind != *filter.kind) continue;
    if (!take_row(filter, progress)) return {};
    json::array fields;
    json::array redacted;
    for (const engine::EventField& field : description.fields) {
      if (sees && !sees(description.kind, field.name)) {
        json::value name(field.name);
        if (std::find(redacted.begin(), redacted.end(), name) == redacted.end()) {
          redacted.push_back(std::move(name));
        }
        continue;
      }
      json::value value =
          field.is_number ? json::value(std::stoll(field.value)) : json::value(field.value);
      fields.push_back(json::object{{"name", field.name}, {"value", std::move(value)}});
    }
    json::object row;
    row["seq"] = event.seq;
    row["time"] = format_rfc3339_ms(description.time_ms);
    row["time_ms"] = description.time_ms;
    row["kind"] = description.kind;
    row["fields"] = std::move(fields);
    row["redacted"] = std::move(redacted);
    row["leaf_hash"] = to_hex(journal::leaf_hash(event.data));
    write_row(row, format, out);
  }
  return {};
}

BalanceCursor format_balances(const engine::LedgerState& state, BalanceCursor cursor, Format format,
                              Progress& progress, std::string& out) {
  const auto& skus = state.skus();
  size_t written = 0;
  Filter unlimited;
  while (cursor.sku < skus.size() && written < kSliceBalancesMax && !progress.done) {
    const auto& refs = state.balance_refs_of_sku(cursor.sku);
    if (cursor.row >= refs.size()) {
      cursor.sku += 1;
      cursor.row = 0;
      continue;
    }
    const engine::SkuBalanceRef& ref = refs[cursor.row];
    const engine::Balance& b = state.balance_at(ref.balance_index);
    cursor.row += 1;
    written += 1;
    progress.rows += 1;
    json::object row;
    row["sku"] = state.gtin_of(cursor.sku);
    row["location"] = state.location_id_of(ref.location);
    row["on_hand"] = b.on_hand_units;
    row["reserved"] = b.reserved_units;
    row["available"] = b.available_units();
    row["in_transit"] = b.in_transit_units;
    row["quarantine"] = b.quarantine_units;
    row["rework"] = b.rework_units;
    row["presale_planned"] = b.presale_planned_units;
    row["presale_reserved"] = b.presale_reserved_units;
    row["presale_committed"] = b.presale_committed_units;
    row["received_total"] = b.received_units;
    row["sold_total"] = b.sold_units;
    row["scrapped_total"] = b.scrapped_units;
    row["lost_in_transit_total"] = b.lost_in_transit_units;
    row["adjusted_total"] = b.adjusted_units;
    write_row(row, format, out);
  }
  cursor.end = cursor.sku >= skus.size();
  LC_ASSERT(written <= kSliceBalancesMax);
  return cursor;
}

Result<std::vector<PendingOrderRow>> orders_of_page(const EventPage& page, const Filter& filter) {
  std::vector<PendingOrderRow> out;
  for (const StoredEvent& event : page.events) {
    LC_TRY(description, engine::describe_stored_event(event.data));
    if (description.kind != "reserved" || !in_time_window(filter, description.time_ms)) continue;
    PendingOrderRow order;
    order.seq = event.seq;
    order.created_ms = description.time_ms;
    for (const engine::EventField& field : description.fields) {
      const std::string& name = field.name;
      if (name == "reservation_id") {
        order.reservation_id = std::stoull(field.value);
      } else if (name == "order_id") {
        order.order_id = field.value;
      } else if (name == "channel") {
        order.channel = field.value;
      } else if (name == "expires_at_ms") {
        order.expires_at_ms = std::stoll(field.value);
      } else if (name == "presale") {
        order.presale = field.value == "true";
      } else if (name == "sku") {
        order.lines.push_back(OrderLine{field.value, {}, 0});
      } else if (name == "location" && !order.lines.empty()) {
        order.lines.back().location = field.value;
      } else if (name == "qty" && !order.lines.empty()) {
        order.lines.back().qty = std::stoll(field.value);
      }
    }
    LC_ASSERT(order.reservation_id > 0);
    out.push_back(std::move(order));
  }
  return out;
}

std::vector<engine::ReservationStatus> order_statuses(const engine::LedgerState& state,
                                                      const std::vector<PendingOrderRow>& orders) {
  std::vector<engine::ReservationStatus> out;
  out.reserve(orders.size());
  for (const PendingOrderRow& order : orders) {
    out.push_back(state.status(order.reservation_id).value_or(engine::ReservationStatus::pending));
  }
  return out;
}

void format_orders(const std::vector<PendingOrderRow>& orders,
                   const std::vector<engine::ReservationStatus>& statuses, const Filter& filter,
                   Format format, Progress& progress, std::string& out) {
  LC_ASSERT(orders.size() == statuses.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    const PendingOrderRow& order = orders[i];
    if (filter.status && statuses[i] != *filter.status) continue;
    for (size_t line = 0; line < order.lines.size(); ++line) {
      if (progress.done || !take_row(filter, progress)) return;
      json::object row;
      row["reservation_id"] = order.reservation_id;
      row["order_id"] = order.order_id;
      row["channel"] = order.channel;
      row["status"] = engine::reservation_status_name(statuses[i]);
      row["created"] = format_rfc3339_ms(order.created_ms);
      row["created_ms"] = order.created_ms;
      row["expires_at_ms"] = order.expires_at_ms;
      row["presale"] = order.presale;
      row["line"] = line;
      row["sku"] = order.lines[line].sku;
      row["location"] = order.lines[line].location;
      row["qty"] = order.lines[line].qty;
      write_row(row, format, out);
    }
  }
}

void format_kpis(kpi::Period period, const std::vector<kpi::Row>& rows, const Filter& filter,
                 Format format, Progress& progress, std::string& out) {
  const auto definitions = kpi::definitions();
  LC_ASSERT(rows.size() <= kpi::rows_max(period));
  for (const kpi::Row& row : rows) {
    if (progress.done || !take_row(filter, progress)) return;
    json::object line;
    line["period"] = kpi::period_name(period);
    line["start"] = kpi::format_date(row.start_day);
    for (size_t i = 0; i < definitions.size(); ++i) {
      line[definitions[i].name] = row.values[i] ? json::value(*row.values[i]) : json::value();
    }
    write_row(line, format, out);
  }
}

}  // namespace livechain::exports
