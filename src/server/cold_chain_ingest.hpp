// src/server/cold_chain_ingest.hpp — internal: one way in for sensor readings, whether
// they come over HTTP (api_cold_chain.cpp) or MQTT (mqtt_ingest.cpp): store them with
// the excursion rule, then raise or resolve the alerts through the single writer.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/sequencer.hpp"
#include "store/sensor_store.hpp"

namespace livechain::server {

struct ColdChainIngest {
  size_t stored = 0;              // new readings (duplicates are not stored again)
  boost::json::array excursions;  // {"shipment", "opened", "time", "temp_c"}
};

// Stores `readings` (blocking: call it on the worker) and applies trace::walk_excursions
// per shipment inside the store's transaction; then submits the alerts and calls `done`
// once they are durable (at once when there are none). `done` runs exactly once, on
// this thread or the sequencer's.
void ingest_readings(store::SensorStore& sensors, engine::Sequencer& sequencer,
                     const std::vector<store::SensorReading>& readings,
                     std::function<void(Result<ColdChainIngest>&&)> done);

// One reading from its JSON fields; `shipment` is the shipment id (from the NDJSON line
// or the MQTT topic). Errors: invalid_argument naming the field.
Result<store::SensorReading> parse_sensor_reading(const boost::json::object& fields,
                                                  std::string shipment);

}  // namespace livechain::server
