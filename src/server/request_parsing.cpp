// JSON request bodies → engine commands.
#include "server/request_parsing.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/identifier.hpp"
#include "engine/types.hpp"
#include "server/json_fields.hpp"
#include "server/strict_json.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {
constexpr int64_t kQtyMax = kLineQtyMax;
constexpr int64_t kIdMax = INT64_MAX;

// "serials": [1, 2, …] — the decimal AI 21 values the brand issued, as JSON integers.
Result<std::vector<uint64_t>> parse_serials(const json::object& line, const std::string& prefix) {
  std::vector<uint64_t> out;
  const json::value* value = line.if_contains("serials");
  if (value == nullptr || value->is_null()) return out;
  const std::string field = prefix + "serials";
  if (!value->is_array()) return fail(ErrorCode::invalid_argument, field, "must be an array");
  const json::array& serials = value->get_array();
  if (serials.size() > kLineSerialsMax) {
    return fail(ErrorCode::limit_exceeded, field,
                fmt::format("{} serials; at most {} per line", serials.size(), kLineSerialsMax));
  }
  for (size_t i = 0; i < serials.size(); ++i) {
    const json::value& serial = serials[i];
    const bool whole = (serial.is_int64() && serial.get_int64() >= 1) || serial.is_uint64();
    if (!whole) {
      return fail(ErrorCode::invalid_argument, fmt::format("{}[{}]", field, i),
                  "must be a serial number (an integer from 1)");
    }
    out.push_back(serial.is_int64() ? static_cast<uint64_t>(serial.get_int64())
                                    : serial.get_uint64());
  }
  return out;
}

Result<LineRequest> parse_line(const json::value& value, const std::string& path) {
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, path, "must be an object");
  const json::object& line = value.get_object();
  std::string prefix = path + ".";
  LC_CHECK(reject_unknown_fields(line, {"sku", "qty", "location", "lot", "serials"}, prefix));
  LC_TRY(gtin, required_gtin(line, "sku", prefix));
  LC_TRY(qty, required_integer(line, "qty", prefix, 1, kQtyMax));
  LC_TRY(location, optional_string(line, "location", prefix));
  LC_TRY(lot, optional_string(line, "lot", prefix));
  LC_TRY(serials, parse_serials(line, prefix));
  return LineRequest{std::move(gtin), qty, std::move(location), std::move(lot), std::move(serials)};
}

Result<std::vector<LineRequest>> parse_lines(const json::object& body, const std::string& path,
                                             bool required) {
  const json::value* value = body.if_contains("lines");
  std::string field = path + "lines";
  if (value == nullptr || value->is_null()) {
    if (required) return fail(ErrorCode::invalid_argument, field, "is required");
    return std::vector<LineRequest>();
  }
  if (!value->is_array()) return fail(ErrorCode::invalid_argument, field, "must be an array");
  const json::array& lines = value->get_array();
  if (required && lines.empty()) {
    return fail(ErrorCode::invalid_argument, field, "needs at least one line");
  }
  if (lines.size() > kReservationLinesMax) {
    return fail(ErrorCode::limit_exceeded, field,
                fmt::format("at most {} lines per reservation", kReservationLinesMax));
  }
  std::vector<LineRequest> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    LC_TRY(line, parse_line(lines[i], fmt::format("{}[{}]", field, i)));
    out.push_back(std::move(line));
  }
  return out;
}
}  // namespace

Result<json::object> parse_json_object(std::string_view body, const ParseLimits& limits,
                                       bool allow_empty) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (allow_empty) return json::object();
    return fail(ErrorCode::invalid_argument, "body", "a JSON object is required");
  }
  LC_TRY(value, parse_json_strict(body, limits.json_depth_max));
  if (!value.is_object()) return fail(ErrorCode::invalid_argument, "body", "must be a JSON object");
  return std::move(value.get_object());
}

Result<Reserve> parse_reserve(const json::object& body, const std::string& idempotency_key,
                              const std::string& path, std::string_view key_scope) {
  LC_CHECK(reject_unknown_fields(
      body, {"order_id", "channel", "region", "lines", "ttl_ms", "presale", "idempotency_key"},
      path));
  Reserve out;
  LC_TRY(order_id, required_string(body, "order_id", path));
  LC_TRY(channel, required_string(body, "channel", path));
  LC_TRY(region, optional_string(body, "region", path));
  LC_TRY(lines, parse_lines(body, path, true));
  LC_TRY(ttl_ms,
         optional_integer(body, "ttl_ms", path, kReservationTtlMsMin, kReservationTtlMsMax));
  LC_TRY(presale, optional_bool(body, "presale", path));
  LC_TRY(own_key, optional_string(body, "idempotency_key", path));
  out.order_id = std::move(order_id);
  out.channel_id = std::move(channel);
  out.buyer_region = std::move(region);
  out.lines = std::move(lines);
  out.ttl_ms = ttl_ms.value_or(kReservationTtlMsDefault);
  out.presale = presale.value_or(false);
  if (own_key) {
    if (auto valid = validate_text(path + "idempotency_key", *own_key, kIdempotencyKeyLengthMax);
        !valid) {
      return std::unexpected(valid.error());
    }
    out.idempotency_key =
        key_scope.empty() ? std::move(*own_key) : fmt::format("{}/{}", key_scope, *own_key);
  } else if (!idempotency_key.empty()) {
    out.idempotency_key = idempotency_key;
  }
  return out;
}

Result<std::vector<json::object>> parse_reserve_batch(const json::object& body,
                                                      const ParseLimits& limits) {
  LC_CHECK(reject_unknown_fields(body, {"reservations"}, ""));
  const json::value* value = body.if_contains("reservations");
  if (value == nullptr || !value->is_array()) {
    return fail(ErrorCode::invalid_argument, "reservations", "must be an array");
  }
  const json::array& items = value->get_array();
  if (items.empty()) {
    return fail(ErrorCode::invalid_argument, "reservations", "must hold at least one reservation");
  }
  if (items.size() > limits.batch_reservations_max) {
    return fail(ErrorCode::limit_exceeded, "reservations",
                fmt::format("a batch holds 1..{} reservations, got {}",
                            limits.batch_reservations_max, items.size()));
  }
  std::vector<json::object> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) {
      return fail(ErrorCode::invalid_argument, fmt::format("reservations[{}]", i),
                  "must be an object");
    }
    out.push_back(items[i].get_object());
  }
  return out;
}

Result<Commit> parse_commit(uint64_t reservation_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"lines"}, ""));
  LC_TRY(lines, parse_lines(body, "", false));
  return Commit{reservation_id, std::move(lines)};
}

Result<ExtendReservation> parse_extend(uint64_t reservation_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"ttl_ms"}, ""));
  LC_TRY(ttl_ms, required_integer(body, "ttl_ms", "", kReservationTtlMsMin, kReservationTtlMsMax));
  return ExtendReservation{reservation_id, ttl_ms};
}

Result<PutSku> parse_put_sku(std::string_view sku, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"name"}, ""));
  LC_TRY(gtin, gtin_from_text("sku", sku));
  LC_TRY(name, required_string(body, "name", ""));
  return PutSku{std::move(gtin), std::move(name)};
}

Result<PutLocation> parse_put_location(std::string_view location_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"kind", "region"}, ""));
  LC_TRY(kind_text, required_string(body, "kind", ""));
  LC_TRY(region, required_string(body, "region", ""));
  auto kind = parse_location_kind(kind_text);
  if (!kind) {
    return fail(ErrorCode::invalid_argument, "kind",
                "must be one of factory, dc, front_warehouse, store, returns_center");
  }
  return PutLocation{std::string(location_id), *kind, std::move(region)};
}

Result<PutChannel> parse_put_channel(std::string_view channel_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"kind"}, ""));
  LC_TRY(kind_text, required_string(body, "kind", ""));
  auto kind = parse_channel_kind(kind_text);
  if (!kind) {
    return fail(ErrorCode::invalid_argument, "kind",
                "must be one of live_room, online_shop, offline_store, community_group");
  }
  return PutChannel{std::string(channel_id), *kind};
}

Result<PutRegionDistance> parse_region_distance(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"from", "to", "km"}, ""));
  LC_TRY(from, required_string(body, "from", ""));
  LC_TRY(to, required_string(body, "to", ""));
  LC_TRY(km, required_integer(body, "km", "", 0, kDistanceKmMax));
  return PutRegionDistance{std::move(from), std::move(to), static_cast<uint32_t>(km)};
}

Result<ReceiveStock> parse_receipt(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"sku", "location", "qty", "lot"}, ""));
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(location, required_string(body, "location", ""));
  LC_TRY(qty, required_integer(body, "qty", "", 1, kQtyMax));
  LC_TRY(lot, optional_string(body, "lot", ""));
  return ReceiveStock{std::move(gtin), std::move(location), qty, std::move(lot)};
}

Result<AdjustStock> parse_adjustment(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"sku", "location", "delta", "reason"}, ""));
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(location, required_string(body, "location", ""));
  LC_TRY(delta, required_integer(body, "delta", "", -kQtyMax, kQtyMax));
  LC_TRY(reason, required_string(body, "reason", ""));
  if (delta == 0) return fail(ErrorCode::invalid_argument, "delta", "must not be 0");
  return AdjustStock{std::move(gtin), std::move(location), delta, std::move(reason)};
}

Result<PlanPresale> parse_presale_plan(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"sku", "location", "planned"}, ""));
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(location, required_string(body, "location", ""));
  LC_TRY(planned, required_integer(body, "planned", "", 0, kBalanceUnitsMax));
  return PlanPresale{std::move(gtin), std::move(location), planned};
}

Result<ShipTransfer> parse_transfer(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"sku", "from", "to", "qty"}, ""));
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(from, required_string(body, "from", ""));
  LC_TRY(to, required_string(body, "to", ""));
  LC_TRY(qty, required_integer(body, "qty", "", 1, kQtyMax));
  return ShipTransfer{std::move(gtin), std::move(from), std::move(to), qty};
}

Result<ReceiveTransfer> parse_transfer_receipt(uint64_t transfer_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"received"}, ""));
  LC_TRY(received, optional_integer(body, "received", "", 0, kQtyMax));
  return ReceiveTransfer{transfer_id, received};
}

Result<RerouteTransfer> parse_transfer_reroute(uint64_t transfer_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"to", "qty"}, ""));
  LC_TRY(to, required_string(body, "to", ""));
  LC_TRY(qty, optional_integer(body, "qty", "", 1, kQtyMax));
  return RerouteTransfer{transfer_id, std::move(to), qty};
}

Result<ReceiveReturn> parse_return(const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"sku", "location", "qty", "reason", "order_id"}, ""));
  LC_TRY(gtin, required_gtin(body, "sku", ""));
  LC_TRY(location, required_string(body, "location", ""));
  LC_TRY(qty, required_integer(body, "qty", "", 1, kQtyMax));
  LC_TRY(reason, required_string(body, "reason", ""));
  LC_TRY(order_id, optional_string(body, "order_id", ""));
  return ReceiveReturn{std::move(gtin), std::move(location), qty, std::move(reason),
                       std::move(order_id)};
}

Result<GradeReturn> parse_grade_request(uint64_t return_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"grade", "qty"}, ""));
  LC_TRY(grade_text, required_string(body, "grade", ""));
  LC_TRY(qty, optional_integer(body, "qty", "", 1, kQtyMax));
  auto grade = engine::parse_return_grade(grade_text);
  if (!grade) return fail(ErrorCode::invalid_argument, "grade", "must be restock, rework or scrap");
  return GradeReturn{return_id, *grade, qty};
}

Result<CompleteRework> parse_rework_done(uint64_t return_id, const json::object& body) {
  LC_CHECK(reject_unknown_fields(body, {"qty"}, ""));
  LC_TRY(qty, optional_integer(body, "qty", "", 1, kQtyMax));
  return CompleteRework{return_id, qty};
}

Result<uint64_t> parse_path_id(std::string_view field, std::string_view text) {
  uint64_t id = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id == 0 ||
      id > static_cast<uint64_t>(kIdMax)) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                "must be a positive decimal id, got '" + std::string(text.substr(0, 32)) + "'");
  }
  return id;
}

}  // namespace livechain::server
