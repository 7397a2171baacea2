// API v1, the IoT cold chain (issue 12 §6, spec §11).
//
//   PUT  /v1/shipments/{id}/cold-chain      {"min_c", "max_c", "sku"?}   the range
//   GET  /v1/shipments/{id}/cold-chain      range, state and the latest readings
//   GET  /v1/shipments/{id}/cold-chain.svg  the temperature curve with its range band
//   POST /v1/sensors/readings               NDJSON {"shipment", "time", "temp_c", "sensor"?}
//
// Readings are stored (PATH.sensors) before the answer; the excursion rule
// (trace::walk_excursions: 0.5 °C beyond the range) runs inside that transaction, and
// each excursion that starts or ends is a cold_chain_excursion alert raised or resolved
// through the single writer before the answer is sent. Transport only.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/identifier.hpp"
#include "server/api.hpp"
#include "server/cold_chain_ingest.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "server/problem.hpp"
#include "server/request_parsing.hpp"
#include "server/scan_page.hpp"
#include "store/sensor_store.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

constexpr size_t kReadingsShownMax = 10'000;

Result<int32_t> celsius_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, std::string(name), "is required");
  if (!value->is_number()) {
    return fail(ErrorCode::invalid_argument, std::string(name), "must be a number (°C)");
  }
  return trace::temperature_centi_c(value->to_number<double>(), name);
}

double celsius(int32_t centi_c) {
  return centi_c / 100.0;
}

// One NDJSON line of POST /v1/sensors/readings.
Result<store::SensorReading> parse_reading(const json::object& line) {
  LC_CHECK(reject_unknown_fields(line, {"shipment", "time", "temp_c", "sensor"}, ""));
  LC_TRY(shipment, required_string(line, "shipment", ""));
  return parse_sensor_reading(line, std::move(shipment));
}

json::object shipment_json(const store::ShipmentColdChain& shipment) {
  json::object out{{"shipment", shipment.shipment},
                   {"sku", shipment.gtin.empty() ? json::value() : json::value(shipment.gtin)},
                   {"excursion_open", shipment.excursion_open},
                   {"excursions", shipment.excursions},
                   {"readings_count", shipment.readings}};
  out["range"] = shipment.has_range
                     ? json::value(json::object{{"min_c", celsius(shipment.min_centi_c)},
                                                {"max_c", celsius(shipment.max_centi_c)}})
                     : json::value();
  return out;
}

std::string curve_svg(const store::ShipmentColdChain& shipment,
                      const std::vector<store::SensorReading>& readings) {
  constexpr double kWidth = 600, kHeight = 200, kPad = 30;
  int32_t low = shipment.has_range ? shipment.min_centi_c - 200 : 0;
  int32_t high = shipment.has_range ? shipment.max_centi_c + 200 : 0;
  for (const auto& r : readings) {
    low = std::min(low, r.temp_centi_c);
    high = std::max(high, r.temp_centi_c);
  }
  if (high == low) high = low + 100;
  const TimeMs first = readings.empty() ? 0 : readings.front().time_ms;
  const TimeMs last = readings.empty() ? 1 : std::max(readings.back().time_ms, first + 1);
  auto x = [&](TimeMs t) {
    return kPad + (kWidth - 2 * kPad) * static_cast<double>(t - first) / double(last - first);
  };
  auto y = [&](int32_t c) {
    return kHeight - kPad - (kHeight - 2 * kPad) * double(c - low) / double(high - low);
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"temperature of shipment {}\">\n",
      kWidth, kHeight, escape_html(shipment.shipment));
  if (shipment.has_range) {
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"#e6f4ea\"/>\n", kPad,
        y(shipment.max_centi_c), kWidth - 2 * kPad,
        y(shipment.min_centi_c) - y(shipment.max_centi_c));
  }
  svg += "<polyline fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"1.5\" points=\"";
  for (const auto& r : readings)
    svg += fmt::format("{:.1f},{:.1f} ", x(r.time_ms), y(r.temp_centi_c));
  svg += "\"/>\n";
  svg += fmt::format("<text x=\"2\" y=\"{:.1f}\" font-size=\"10\">{:.1f} °C</text>\n", y(high) + 10,
                     celsius(high));
  svg += fmt::format("<text x=\"2\" y=\"{:.1f}\" font-size=\"10\">{:.1f} °C</text>\n", y(low),
                     celsius(low));
  svg += "</svg>\n";
  return svg;
}

}  // namespace

void Api::cold_chain(RouteId route, const Params& params, ApiRequest& request, Respond respond) {
  if (deps_.sensors == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "no sensor store", ""));
  }
  store::SensorStore* sensors = deps_.sensors;
  if (route == RouteId::sensor_readings) return sensor_readings(request, std::move(respond));
  const std::string shipment = params.at(0);
  if (auto ok = validate_identifier("shipment", shipment); !ok) {
    return respond(problem_from_error(ok.error(), ErrorOrigin::path));
  }
  if (route == RouteId::shipment_cold_chain_put) {
    auto body = parse_json_object(request.body, deps_.limits);
    if (!body) return respond(malformed_body(body.error()));
    auto parsed = [&]() -> Result<std::tuple<int32_t, int32_t, std::string>> {
      LC_CHECK(reject_unknown_fields(*body, {"min_c", "max_c", "sku"}, ""));
      LC_TRY(min, celsius_field(*body, "min_c"));
      LC_TRY(max, celsius_field(*body, "max_c"));
      LC_TRY(range, trace::make_temperature_range(min, max));
      std::string gtin;
      if (body->contains("sku")) {
        LC_TRY(sku, required_gtin(*body, "sku", ""));
        gtin = std::move(sku);
      }
      return std::tuple{range.min_centi_c, range.max_centi_c, std::move(gtin)};
    }();
    if (!parsed) return respond(problem_from_error(parsed.error()));
    const TimeMs now_ms = deps_.clock->now_ms();
    return deps_.run_blocking([sensors, shipment, parsed = *parsed, now_ms, respond] {
      auto& [min, max, gtin] = parsed;
      if (auto stored = sensors->put_range(shipment, gtin, min, max, now_ms); !stored) {
        return respond(problem_from_error(stored.error()));
      }
      auto state = sensors->shipment(shipment);
      if (!state || !*state) return respond(problem_from_error(state.error()));
      respond(json_response(200, shipment_json(**state)));
    });
  }
  const bool svg = route == RouteId::shipment_cold_chain_svg;
  size_t limit = kReadingsShownMax;
  if (const std::string* text = request.query_value("limit")) {
    size_t parsed = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (error != std::errc() || end != text->data() + text->size() || parsed == 0 ||
        parsed > kReadingsShownMax) {
      return respond(problem(422, "invalid_argument", "Invalid argument",
                             fmt::format("must be 1 … {}", kReadingsShownMax), "limit"));
    }
    limit = parsed;
  }
  deps_.run_blocking([sensors, shipment, svg, limit, respond] {
    auto state = sensors->shipment(shipment);
    if (!state) return respond(problem_from_error(state.error()));
    if (!*state) {
      return respond(problem(404, "not_found", "Not found",
                             "no cold-chain record of shipment '" + shipment + "'", "id"));
    }
    auto readings = sensors->readings(shipment, limit);
    if (!readings) return respond(problem_from_error(readings.error()));
    if (svg) {
      return respond(ApiResponse{200, "image/svg+xml", curve_svg(**state, *readings), {}});
    }
    json::object out = shipment_json(**state);
    json::array points;
    for (const auto& r : *readings) {
      json::object point{{"time", format_time(r.time_ms)}, {"temp_c", celsius(r.temp_centi_c)}};
      if (!r.sensor.empty()) point["sensor"] = r.sensor;
      points.push_back(std::move(point));
    }
    out["readings"] = std::move(points);
    respond(json_response(200, out));
  });
}

void Api::sensor_readings(ApiRequest& request, Respond respond) {
  auto lines = split_ndjson_lines(request.body, deps_.limits);
  if (!lines) {
    return respond(problem(413, "too_many_lines", "Too many lines", lines.error().detail, "body"));
  }
  if (lines->empty()) {
    return respond(problem(422, "invalid_argument", "Invalid argument",
                           "the body holds no NDJSON line", "body"));
  }
  auto readings = std::make_shared<std::vector<store::SensorReading>>();
  json::array rejected;
  for (const NdjsonLine& line : *lines) {
    auto object = parse_json_object(line.text, deps_.limits);
    auto reading = object ? parse_reading(*object)
                          : Result<store::SensorReading>(std::unexpected(object.error()));
    if (reading) {
      readings->push_back(std::move(*reading));
    } else {
      rejected.push_back(json::object{{"line", line.number},
                                      {"field", api_field_name(reading.error().field)},
                                      {"detail", reading.error().detail}});
    }
  }
  store::SensorStore* sensors = deps_.sensors;
  engine::Sequencer* sequencer = deps_.sequencer;
  deps_.run_blocking(
      [sensors, sequencer, readings, rejected = std::move(rejected), respond]() mutable {
        ingest_readings(*sensors, *sequencer, *readings,
                        [readings, rejected = std::move(rejected),
                         respond](Result<ColdChainIngest>&& ingested) mutable {
                          if (!ingested) return respond(problem_from_error(ingested.error()));
                          json::object answer{{"accepted", readings->size()},
                                              {"stored", ingested->stored},
                                              {"duplicates", readings->size() - ingested->stored},
                                              {"rejected", std::move(rejected)},
                                              {"excursions", std::move(ingested->excursions)}};
                          respond(json_response(200, answer));
                        });
      });
}

}  // namespace livechain::server
