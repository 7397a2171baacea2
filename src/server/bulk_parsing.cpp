// Bulk bodies: CSV imports (RFC 4180) and NDJSON live signals.
#include <fmt/format.h>

#include <array>
#include <charconv>

#include "core/identifier.hpp"
#include "engine/types.hpp"
#include "server/json_fields.hpp"
#include "server/request_parsing.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

struct CsvRecord {
  size_t line = 0;  // line where the record starts
  std::vector<std::string> cells;
};

// RFC 4180: comma separated, CRLF or LF, quoted cells may hold commas, newlines and
// doubled quotes. Errors: invalid_argument for an unterminated quote or a quote in
// the middle of an unquoted cell.
Result<std::vector<CsvRecord>> split_csv(std::string_view body, size_t records_max) {
  std::vector<CsvRecord> records;
  size_t line = 1;
  size_t at = 0;
  while (at < body.size()) {
    CsvRecord record{line, {}};
    std::string cell;
    bool record_done = false;
    bool in_quotes = false;
    bool cell_was_quoted = false;
    while (!record_done) {
      if (at >= body.size()) {
        if (in_quotes) {
          return fail(ErrorCode::invalid_argument, fmt::format("line {}", record.line),
                      "unterminated quoted cell");
        }
        record.cells.push_back(std::move(cell));
        break;
      }
      char c = body[at++];
      if (in_quotes) {
        if (c == '"') {
          if (at < body.size() && body[at] == '"') {
            cell += '"';
            ++at;
          } else {
            in_quotes = false;
          }
        } else {
          if (c == '\n') ++line;
          cell += c;
        }
        continue;
      }
      switch (c) {
        case '"':
          if (!cell.empty() || cell_was_quoted) {
            return fail(ErrorCode::invalid_argument, fmt::format("line {}", line),
                        "a quote may only open a cell");
          }
          in_quotes = true;
          cell_was_quoted = true;
          break;
        case ',':
          record.cells.push_back(std::move(cell));
          cell.clear();
          cell_was_quoted = false;
          break;
        case '\r':
          if (at < body.size() && body[at] == '\n') break;  // CRLF: the LF ends it
          cell += c;
          break;
        case '\n':
          record.cells.push_back(std::move(cell));
          record_done = true;
          ++line;
          break;
        default:
          cell += c;
      }
    }
    bool blank = record.cells.size() == 1 && record.cells[0].empty();
    if (!blank) {
      if (records.size() == records_max) {
        return fail(ErrorCode::limit_exceeded, "body",
                    fmt::format("at most {} CSV rows per request", records_max - 1));
      }
      records.push_back(std::move(record));
    }
  }
  return records;
}

std::string_view trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

Result<int64_t> integer_cell(std::string_view column, std::string_view text, int64_t min,
                             int64_t max) {
  text = trim(text);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return fail(
        ErrorCode::invalid_argument, std::string(column),
        fmt::format("must be an integer in {}..{}, got '{}'", min, max, text.substr(0, 32)));
  }
  return value;
}

// Column layout of one import kind.
struct ImportColumns {
  std::array<std::string_view, 3> names;
  size_t count;
};
ImportColumns columns_of(ImportKind kind) {
  switch (kind) {
    case ImportKind::skus:
      return {{"sku", "name", ""}, 2};
    case ImportKind::locations:
      return {{"location", "kind", "region"}, 3};
    case ImportKind::stock:
      return {{"sku", "location", "qty"}, 3};
  }
  return {{"", "", ""}, 0};
}

Result<Command> row_command(ImportKind kind, const std::array<std::string_view, 3>& cell) {
  switch (kind) {
    case ImportKind::skus: {
      LC_TRY(gtin, gtin_from_text("sku", trim(cell[0])));
      return Command{PutSku{std::move(gtin), std::string(cell[1])}};
    }
    case ImportKind::locations: {
      auto location_kind = parse_location_kind(trim(cell[1]));
      if (!location_kind) {
        return fail(ErrorCode::invalid_argument, "kind",
                    "must be one of factory, dc, front_warehouse, store, returns_center");
      }
      return Command{
          PutLocation{std::string(trim(cell[0])), *location_kind, std::string(trim(cell[2]))}};
    }
    case ImportKind::stock: {
      LC_TRY(gtin, gtin_from_text("sku", trim(cell[0])));
      LC_TRY(qty, integer_cell("qty", cell[2], 1, kLineQtyMax));
      return Command{ReceiveStock{std::move(gtin), std::string(trim(cell[1])), qty}};
    }
  }
  return fail(ErrorCode::invalid_argument, "kind", "unknown import");
}

}  // namespace

std::optional<ImportKind> parse_import_kind(std::string_view text) {
  if (text == "skus") return ImportKind::skus;
  if (text == "locations") return ImportKind::locations;
  if (text == "stock") return ImportKind::stock;
  return std::nullopt;
}

Result<std::vector<ImportRow>> parse_csv_import(ImportKind kind, std::string_view body,
                                                const ParseLimits& limits) {
  // Spreadsheet exports often start with a UTF-8 byte order mark; it is not data.
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  LC_TRY(records, split_csv(body, limits.csv_rows_max + 1));
  if (records.empty())
    return fail(ErrorCode::invalid_argument, "header", "the body has no header row");
  ImportColumns columns = columns_of(kind);
  std::array<size_t, 3> index_of{SIZE_MAX, SIZE_MAX, SIZE_MAX};
  const CsvRecord& header = records[0];
  for (size_t i = 0; i < header.cells.size(); ++i) {
    std::string_view name = trim(header.cells[i]);
    size_t column = 0;
    while (column < columns.count && columns.names[column] != name) ++column;
    if (column == columns.count) {
      return fail(ErrorCode::invalid_argument, "header",
                  fmt::format("unknown column '{}'; expected {}", name.substr(0, 32),
                              fmt::join(columns.names.begin(),
                                        columns.names.begin() + columns.count, ",")));
    }
    if (index_of[column] != SIZE_MAX) {
      return fail(ErrorCode::invalid_argument, "header", fmt::format("column '{}' twice", name));
    }
    index_of[column] = i;
  }
  for (size_t column = 0; column < columns.count; ++column) {
    if (index_of[column] == SIZE_MAX) {
      return fail(ErrorCode::invalid_argument, "header",
                  fmt::format("missing column '{}'", columns.names[column]));
    }
  }
  std::vector<ImportRow> rows;
  rows.reserve(records.size() - 1);
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.cells.size() != header.cells.size()) {
      rows.push_back(
          ImportRow{record.line, fail(ErrorCode::invalid_argument, "row",
                                      fmt::format("has {} cells, the header has {}",
                                                  record.cells.size(), header.cells.size()))});
      continue;
    }
    std::array<std::string_view, 3> cell{};
    for (size_t column = 0; column < columns.count; ++column) {
      cell[column] = record.cells[index_of[column]];
    }
    rows.push_back(ImportRow{record.line, row_command(kind, cell)});
  }
  return rows;
}

Result<store::LiveSignal> parse_signal(const json::object& object, const ParseLimits& limits) {
  for (std::string_view personal : {"name", "phone", "address", "email"}) {
    if (object.contains(personal)) {
      return fail(ErrorCode::invalid_argument, std::string(personal),
                  "personal data is not accepted: send a pseudonymous buyer id and a region");
    }
  }
  LC_CHECK(reject_unknown_fields(
      object,
      {"type", "session", "at_ms", "channel", "sku", "qty", "viewers", "text", "buyer", "region"},
      ""));
  store::LiveSignal signal;
  LC_TRY(kind, required_string(object, "type", ""));
  bool is_units = kind == "order" || kind == "add_to_cart";
  if (!is_units && kind != "viewers" && kind != "comment") {
    return fail(ErrorCode::invalid_argument, "type",
                "must be one of order, add_to_cart, viewers, comment");
  }
  signal.kind = kind;
  LC_TRY(session, required_string(object, "session", ""));
  LC_CHECK(validate_identifier("session", session));
  signal.session_id = session;
  // Epoch milliseconds between 2000-01-01 and 2100-01-01.
  LC_TRY(at_ms, required_integer(object, "at_ms", "", 946'684'800'000, 4'102'444'800'000));
  signal.at_ms = at_ms;
  LC_TRY(channel, optional_string(object, "channel", ""));
  if (channel) {
    LC_CHECK(validate_identifier("channel", *channel));
    signal.channel_id = *channel;
  }
  if (is_units) {
    LC_TRY(gtin, required_gtin(object, "sku", ""));
    LC_TRY(qty, required_integer(object, "qty", "", 1, kLineQtyMax));
    signal.gtin = gtin;
    signal.quantity = qty;
  } else if (kind == "viewers") {
    LC_TRY(viewers, required_integer(object, "viewers", "", 0, 1'000'000'000));
    signal.quantity = viewers;
  } else {
    LC_TRY(text, required_string(object, "text", ""));
    LC_CHECK(validate_text("text", text, limits.comment_bytes_max));
    signal.text = text;
    LC_TRY(sku, optional_string(object, "sku", ""));
    if (sku) {
      LC_TRY(gtin, gtin_from_text("sku", *sku));
      signal.gtin = gtin;
    }
  }
  LC_TRY(buyer, optional_string(object, "buyer", ""));
  if (buyer) {
    LC_CHECK(validate_identifier("buyer", *buyer));
    signal.buyer_id = *buyer;
  }
  LC_TRY(region, optional_string(object, "region", ""));
  if (region) {
    LC_CHECK(validate_identifier("region", *region));
    signal.region = *region;
  }
  return signal;
}

Result<std::vector<NdjsonLine>> split_ndjson_lines(std::string_view body,
                                                   const ParseLimits& limits) {
  std::vector<NdjsonLine> out;
  size_t line_number = 0;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(at, end - at);
    at = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (out.size() == limits.ndjson_lines_max) {
      return fail(ErrorCode::limit_exceeded, "body",
                  fmt::format("at most {} NDJSON lines per request", limits.ndjson_lines_max));
    }
    out.push_back(NdjsonLine{line_number, line});
  }
  return out;
}

Result<std::vector<SignalLine>> parse_signal_lines(std::string_view body,
                                                   const ParseLimits& limits) {
  LC_TRY(lines, split_ndjson_lines(body, limits));
  std::vector<SignalLine> out;
  out.reserve(lines.size());
  for (const NdjsonLine& line : lines) {
    auto object = parse_json_object(line.text, limits);
    if (!object) {
      out.push_back(SignalLine{line.number, std::unexpected(object.error())});
      continue;
    }
    out.push_back(SignalLine{line.number, parse_signal(*object, limits)});
  }
  return out;
}

}  // namespace livechain::server
