// src/store/sensor_store.hpp — cold-chain sensor data (issue 12 §6), PATH.sensors.
//
// Temperature readings of shipments and each shipment's range and excursion state.
// Readings are measurements, not stock facts, and arrive fast (tens of thousands a
// second), so they stay beside the journal like live signals; what the ledger must
// remember — an excursion — becomes a journaled alert. Kept out of store.hpp so that
// only the server compiles against it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::store {

std::string sensor_db_path(const std::string& db_path);

struct SensorReading {
  std::string shipment;
  TimeMs time_ms = 0;
  int32_t temp_centi_c = 0;  // hundredths of a degree Celsius
  std::string sensor;        // device id, may be empty
};

struct ShipmentColdChain {
  std::string shipment;
  std::string gtin;  // the product carried, may be empty
  bool has_range = false;
  int32_t min_centi_c = 0;
  int32_t max_centi_c = 0;
  bool excursion_open = false;
  uint64_t excursions = 0;  // excursions started so far
  uint64_t readings = 0;
  TimeMs range_updated_ms = 0;
};

class SensorStore {
 public:
  // Opens (creating) PATH.sensors. Errors: io_error naming the path.
  static Result<std::unique_ptr<SensorStore>> open(const std::string& db_path);
  ~SensorStore();

  // Sets the shipment's range (and product), keeping its readings and excursion state.
  Result<void> put_range(std::string_view shipment, std::string_view gtin, int32_t min_centi_c,
                         int32_t max_centi_c, TimeMs now_ms);
  Result<std::optional<ShipmentColdChain>> shipment(std::string_view shipment);

  // What the caller decides for one shipment's new readings (in time order): the
  // excursion state after them and how many excursions they started.
  struct Decision {
    bool excursion_open = false;
    uint64_t excursions_started = 0;
  };
  using Decide = std::function<Decision(const ShipmentColdChain& before,
                                        std::span<const SensorReading> new_readings)>;
  // Stores `readings` in one transaction — a reading repeating (shipment, time, sensor)
  // is ignored, so a re-sent batch changes nothing — and, inside it, asks `decide` for
  // each shipment with new readings and stores its answer. Durable (synchronous=FULL)
  // before it returns; thread-safe. Returns the number of new readings. Errors: io_error
  // (nothing stored).
  Result<size_t> append(std::span<const SensorReading> readings, const Decide& decide);

  // The shipment's readings in time order, at most `limit` (the latest ones).
  Result<std::vector<SensorReading>> readings(std::string_view shipment, size_t limit);

 private:
  struct Impl;
  explicit SensorStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::store
