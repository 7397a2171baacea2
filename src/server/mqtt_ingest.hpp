// src/server/mqtt_ingest.hpp — internal: sensor readings over MQTT (issue 12 §6).
//
// Subscribes to `<topic_prefix>/+` (default livechain/sensors/+, QoS 1) on a broker
// (Mosquitto) with libmosquitto; the last topic level is the shipment id, the payload a
// JSON object {"time", "temp_c", "sensor"?} or an array of them (a logger's batch).
// Messages are buffered and written in batches (every flush_interval_ms or
// flush_readings_max readings) through the same path as POST /v1/sensors/readings, so
// the excursion rule and alerts are the same. A message that does not parse is counted
// and logged, never stored.
//
// Durability: libmosquitto acknowledges a QoS 1 message when it arrives, before it is
// stored; a crash loses at most the readings of one flush interval. Loggers that need
// "stored before acknowledged" use the HTTP route.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "engine/sequencer.hpp"
#include "server/server.hpp"
#include "store/sensor_store.hpp"

namespace livechain::server {

struct MqttCounters {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> readings_stored{0};
  std::atomic<uint64_t> readings_rejected{0};
  std::atomic<uint64_t> readings_dropped{0};
};

class MqttIngest {
 public:
  // Connects and subscribes (the connection is retried by libmosquitto after a loss).
  // Errors: io_error (field "mqtt") when the broker cannot be reached at start.
  static Result<std::unique_ptr<MqttIngest>> start(const MqttOptions& options,
                                                   store::SensorStore& sensors,
                                                   engine::Sequencer& sequencer);
  ~MqttIngest();  // disconnects, then flushes what is buffered

  const MqttCounters& counters() const;

 private:
  struct Impl;
  explicit MqttIngest(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::server
