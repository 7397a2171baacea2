// src/server/cold_chain_ingest.cpp — sensor readings in, excursion alerts out.
#include "server/cold_chain_ingest.hpp"

#include <cstdio>
#include <memory>

#include "core/identifier.hpp"
#include "server/json_fields.hpp"
#include "server/json_views.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

namespace {

constexpr std::string_view kExcursionAlertKind = "cold_chain_excursion";

double degrees_c(int32_t centi_c) {
  return centi_c / 100.0;
}

// An excursion that started or ended in one ingest.
struct Change {
  store::ShipmentColdChain shipment;
  trace::ExcursionChange change;
};

}  // namespace

Result<store::SensorReading> parse_sensor_reading(const json::object& fields,
                                                  std::string shipment) {
  LC_CHECK(validate_identifier("shipment", shipment));
  LC_TRY(time, required_string(fields, "time", ""));
  LC_TRY(time_ms, parse_rfc3339("time", time));
  const json::value* temp = fields.if_contains("temp_c");
  if (temp == nullptr) return fail(ErrorCode::invalid_argument, "temp_c", "is required");
  if (!temp->is_number()) {
    return fail(ErrorCode::invalid_argument, "temp_c", "must be a number (°C)");
  }
  LC_TRY(temp_centi_c, trace::temperature_centi_c(temp->to_number<double>(), "temp_c"));
  LC_TRY(sensor, optional_string(fields, "sensor", ""));
  if (sensor) LC_CHECK(validate_identifier("sensor", *sensor));
  return store::SensorReading{std::move(shipment), time_ms, temp_centi_c, sensor.value_or("")};
}

void ingest_readings(store::SensorStore& sensors, Sequencer& sequencer,
                     const std::vector<store::SensorReading>& readings,
                     std::function<void(Result<ColdChainIngest>&&)> done) {
  std::vector<Change> changes;
  auto decide = [&changes](const store::ShipmentColdChain& before,
                           std::span<const store::SensorReading> fresh) {
    if (!before.has_range) return store::SensorStore::Decision{before.excursion_open, 0};
    std::vector<trace::TemperaturePoint> points;
    points.reserve(fresh.size());
    for (const auto& r : fresh) points.push_back({r.time_ms, r.temp_centi_c});
    trace::TemperatureRange range{before.min_centi_c, before.max_centi_c};
    trace::ExcursionWalk walk = trace::walk_excursions(range, before.excursion_open, points);
    uint64_t started = 0;
    for (const auto& change : walk.changes) {
      started += change.opened ? 1 : 0;
      changes.push_back(Change{before, change});
    }
    return store::SensorStore::Decision{walk.open, started};
  };
  auto stored = sensors.append(readings, decide);
  if (!stored) return done(std::unexpected(stored.error()));
  auto result = std::make_shared<ColdChainIngest>();
  result->stored = *stored;
  std::vector<Command> alerts;
  for (const Change& c : changes) {
    const auto& s = c.shipment;
    result->excursions.push_back(json::object{{"shipment", s.shipment},
                                              {"opened", c.change.opened},
                                              {"time", format_time(c.change.point.time_ms)},
                                              {"temp_c", degrees_c(c.change.point.temp_centi_c)}});
    AlertSubject subject{{"shipment", s.shipment}};
    if (c.change.opened) {
      json::object evidence{{"temp_c", degrees_c(c.change.point.temp_centi_c)},
                            {"min_c", degrees_c(s.min_centi_c)},
                            {"max_c", degrees_c(s.max_centi_c)},
                            {"tolerance_c", degrees_c(trace::kExcursionToleranceCentiC)},
                            {"at", format_time(c.change.point.time_ms)}};
      if (!s.gtin.empty()) evidence["sku"] = s.gtin;
      alerts.emplace_back(RaiseAlert{std::string(kExcursionAlertKind), AlertSeverity::orange,
                                     std::move(subject), json::serialize(evidence), ""});
    } else {
      alerts.emplace_back(
          ResolveAlert{0, std::string(kExcursionAlertKind), std::move(subject),
                       "back within the range at " + format_time(c.change.point.time_ms)});
    }
  }
  if (alerts.empty()) return done(std::move(*result));
  auto submitted = sequencer.submit(std::move(alerts), [result, done](Replies&& replies) mutable {
    for (const auto& reply : replies) {
      if (!reply) {
        std::fprintf(stderr, "cold chain: alert refused: %s\n", reply.error().to_string().c_str());
      }
    }
    done(std::move(*result));
  });
  if (!submitted) done(std::unexpected(submitted.error()));
}

}  // namespace livechain::server
