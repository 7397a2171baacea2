// src/server/request_parsing.hpp — internal: request bodies (JSON, CSV, NDJSON) to
// engine commands and live signals. Shape and type checks live here so that every
// error names the API's own field ("lines[1].qty"); the ledger rules (stock, states,
// idempotency) stay in the engine. Pure functions: the fuzz target calls them directly.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
#include "store/store.hpp"

namespace livechain::server {

// Body and batch limits (docs/limits.md, "HTTP API").
struct ParseLimits {
  size_t batch_reservations_max = 1'000;
  size_t csv_rows_max = 10'000;
  size_t ndjson_lines_max = 10'000;
  size_t json_depth_max = 32;
  size_t comment_bytes_max = 2'000;
};

// Parses a JSON object body. An empty body is `{}` when allow_empty. Errors:
// invalid_argument (field "body") for syntax errors, truncation, depth beyond
// json_depth_max, or a top-level value that is not an object.
Result<boost::json::object> parse_json_object(std::string_view body, const ParseLimits& limits,
                                              bool allow_empty = false);

// POST /v1/reservations body (and each element of a batch, with `path` as prefix such
// as "reservations[3]."). The Idempotency-Key header (already scoped by the caller) or
// the element's own "idempotency_key" (at most kIdempotencyKeyLengthMax bytes, then
// scoped as "<key_scope>/<key>" when `key_scope` is not empty) becomes the engine's key.
Result<engine::Reserve> parse_reserve(const boost::json::object& body,
                                      const std::string& idempotency_key,
                                      const std::string& path = "",
                                      std::string_view key_scope = "");
// POST /v1/reservations/batch: {"reservations": [...]}. Errors: invalid_argument (field
// "reservations") when empty, limit_exceeded beyond batch_reservations_max.
Result<std::vector<boost::json::object>> parse_reserve_batch(const boost::json::object& body,
                                                             const ParseLimits& limits);
Result<engine::Commit> parse_commit(uint64_t reservation_id, const boost::json::object& body);
Result<engine::ExtendReservation> parse_extend(uint64_t reservation_id,
                                               const boost::json::object& body);

// Catalog. The path segment is the key; the body the attributes.
Result<engine::PutSku> parse_put_sku(std::string_view sku, const boost::json::object& body);
Result<engine::PutLocation> parse_put_location(std::string_view location_id,
                                               const boost::json::object& body);
Result<engine::PutChannel> parse_put_channel(std::string_view channel_id,
                                             const boost::json::object& body);
Result<engine::PutRegionDistance> parse_region_distance(const boost::json::object& body);

// Movements.
Result<engine::ReceiveStock> parse_receipt(const boost::json::object& body);
Result<engine::AdjustStock> parse_adjustment(const boost::json::object& body);
Result<engine::PlanPresale> parse_presale_plan(const boost::json::object& body);
Result<engine::ShipTransfer> parse_transfer(const boost::json::object& body);
// POST /v1/transfers/{id}/reroute: {"to": LOCATION, "qty"?: units (default all in transit)}.
Result<engine::RerouteTransfer> parse_transfer_reroute(uint64_t transfer_id,
                                                       const boost::json::object& body);
Result<engine::ReceiveTransfer> parse_transfer_receipt(uint64_t transfer_id,
                                                       const boost::json::object& body);
Result<engine::ReceiveReturn> parse_return(const boost::json::object& body);
Result<engine::GradeReturn> parse_grade_request(uint64_t return_id,
                                                const boost::json::object& body);
Result<engine::CompleteRework> parse_rework_done(uint64_t return_id,
                                                 const boost::json::object& body);

// A path id such as {id} in /v1/reservations/{id}: a decimal in 1..2^63.
// Errors: invalid_argument naming `field`.
Result<uint64_t> parse_path_id(std::string_view field, std::string_view text);

// ---- bulk -----------------------------------------------------------------------
enum class ImportKind { skus, locations, stock };
std::optional<ImportKind> parse_import_kind(std::string_view text);

// One data row of a CSV import: its 1-based line number in the body and either the
// command it asks for or why it cannot be one.
struct ImportRow {
  size_t line = 0;
  Result<engine::Command> command;
};
// Parses an RFC 4180 CSV body with a header row naming the columns (skus: sku,name;
// locations: location,kind,region; stock: sku,location,qty; any order). Errors (the
// whole body): invalid_argument (field "header") for a missing/unknown/duplicate
// column or an unterminated quote; limit_exceeded (field "body") beyond csv_rows_max.
Result<std::vector<ImportRow>> parse_csv_import(ImportKind kind, std::string_view body,
                                                const ParseLimits& limits);

// One non-blank line of an NDJSON body and its 1-based number in the body.
struct NdjsonLine {
  size_t number = 0;
  std::string_view text;  // a view into the body; CR of a CRLF ending removed
};
// Splits an NDJSON body into its non-blank lines. Errors: limit_exceeded (field "body")
// beyond limits.ndjson_lines_max.
Result<std::vector<NdjsonLine>> split_ndjson_lines(std::string_view body,
                                                   const ParseLimits& limits);

// One NDJSON line of POST /v1/events.
struct SignalLine {
  size_t line = 0;
  Result<store::LiveSignal> signal;
};
// Splits an NDJSON body (blank lines skipped) and parses each line. Errors (the whole
// body): limit_exceeded (field "body") beyond ndjson_lines_max.
Result<std::vector<SignalLine>> parse_signal_lines(std::string_view body,
                                                   const ParseLimits& limits);
// One signal object: {type, session, at_ms, channel?, sku?, qty?, viewers?, text?,
// buyer?, region?}. Fields naming personal data (name, phone, address, email) are
// refused: buyers are pseudonymous.
Result<store::LiveSignal> parse_signal(const boost::json::object& object,
                                       const ParseLimits& limits);

}  // namespace livechain::server
