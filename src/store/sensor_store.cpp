// src/store/sensor_store.cpp — PATH.sensors: readings, ranges, excursion state.
#include "store/sensor_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "store/sqlite_side.hpp"

namespace livechain::store {

namespace {
constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS shipments(
  shipment TEXT PRIMARY KEY,
  gtin TEXT NOT NULL DEFAULT '',
  has_range INTEGER NOT NULL DEFAULT 0,
  min_centi_c INTEGER NOT NULL DEFAULT 0,
  max_centi_c INTEGER NOT NULL DEFAULT 0,
  excursion_open INTEGER NOT NULL DEFAULT 0,
  excursions INTEGER NOT NULL DEFAULT 0,
  readings INTEGER NOT NULL DEFAULT 0,
  range_updated_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS readings(
  shipment TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  sensor TEXT NOT NULL,
  temp_centi_c INTEGER NOT NULL,
  PRIMARY KEY(shipment, time_ms, sensor)
) WITHOUT ROWID;)";

template <class Work>
Result<void> in_transaction(sqlite3* db, Work work) {
  LC_CHECK(side::exec(db, "BEGIN IMMEDIATE"));
  if (auto done = work(); !done) {
    (void)side::exec(db, "ROLLBACK");
    return done;
  }
  return side::exec(db, "COMMIT");
}

Result<std::optional<ShipmentColdChain>> read_shipment(sqlite3* db, std::string_view shipment) {
  LC_TRY(select, side::prepare(db,
                               "SELECT gtin, has_range, min_centi_c, max_centi_c, excursion_open, "
                               "excursions, readings, range_updated_ms FROM shipments "
                               "WHERE shipment = ?"));
  side::bind_text(select.get(), 1, shipment);
  int step = sqlite3_step(select.get());
  if (step == SQLITE_DONE) return std::optional<ShipmentColdChain>();
  if (step != SQLITE_ROW) return std::unexpected(side::sqlite_error(db, "read shipment"));
  sqlite3_stmt* row = select.get();
  return std::optional<ShipmentColdChain>(ShipmentColdChain{
      std::string(shipment), side::column_text(row, 0), sqlite3_column_int(row, 1) != 0,
      sqlite3_column_int(row, 2), sqlite3_column_int(row, 3), sqlite3_column_int(row, 4) != 0,
      static_cast<uint64_t>(sqlite3_column_int64(row, 5)),
      static_cast<uint64_t>(sqlite3_column_int64(row, 6)), sqlite3_column_int64(row, 7)});
}

Result<void> step_done(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  if (sqlite3_step(statement) != SQLITE_DONE) return std::unexpected(side::sqlite_error(db, what));
  return {};
}
}  // namespace

std::string sensor_db_path(const std::string& db_path) {
  return db_path + ".sensors";
}

struct SensorStore::Impl {
  std::mutex mutex;
  side::Database db;  // GUARDED_BY(mutex)
};

SensorStore::SensorStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SensorStore::~SensorStore() = default;

Result<std::unique_ptr<SensorStore>> SensorStore::open(const std::string& db_path) {
  LC_TRY(db, side::open_database(sensor_db_path(db_path), kSchema));
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(db);
  return std::unique_ptr<SensorStore>(new SensorStore(std::move(impl)));
}

Result<void> SensorStore::put_range(std::string_view shipment, std::string_view gtin,
                                    int32_t min_centi_c, int32_t max_centi_c, TimeMs now_ms) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(upsert, side::prepare(db,
                               "INSERT INTO shipments(shipment, gtin, has_range, min_centi_c, "
                               "max_centi_c, range_updated_ms) VALUES(?, ?, 1, ?, ?, ?) "
                               "ON CONFLICT(shipment) DO UPDATE SET gtin = excluded.gtin, "
                               "has_range = 1, min_centi_c = excluded.min_centi_c, "
                               "max_centi_c = excluded.max_centi_c, "
                               "range_updated_ms = excluded.range_updated_ms"));
  side::bind_text(upsert.get(), 1, shipment);
  side::bind_text(upsert.get(), 2, gtin);
  sqlite3_bind_int(upsert.get(), 3, min_centi_c);
  sqlite3_bind_int(upsert.get(), 4, max_centi_c);
  sqlite3_bind_int64(upsert.get(), 5, now_ms);
  return step_done(db, upsert.get(), "put range");
}

Result<std::optional<ShipmentColdChain>> SensorStore::shipment(std::string_view shipment) {
  std::lock_guard lock(impl_->mutex);
  return read_shipment(impl_->db.get(), shipment);
}

Result<size_t> SensorStore::append(std::span<const SensorReading> readings, const Decide& decide) {
  // Group by shipment, each in time order, so the decision sees a shipment's curve.
  std::map<std::string_view, std::vector<const SensorReading*>> by_shipment;
  for (const SensorReading& reading : readings) by_shipment[reading.shipment].push_back(&reading);
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  size_t inserted_total = 0;
  auto stored = in_transaction(db, [&]() -> Result<void> {
    LC_TRY(insert, side::prepare(db,
                                 "INSERT OR IGNORE INTO readings(shipment, time_ms, sensor, "
                                 "temp_centi_c) VALUES(?, ?, ?, ?)"));
    LC_TRY(update, side::prepare(db,
                                 "INSERT INTO shipments(shipment, excursion_open, excursions, "
                                 "readings) VALUES(?, ?, ?, ?) ON CONFLICT(shipment) DO UPDATE "
                                 "SET excursion_open = excluded.excursion_open, "
                                 "excursions = excluded.excursions, readings = excluded.readings"));
    for (auto& [shipment, group] : by_shipment) {
      std::stable_sort(
          group.begin(), group.end(),
          [](const SensorReading* a, const SensorReading* b) { return a->time_ms < b->time_ms; });
      std::vector<SensorReading> fresh;
      for (const SensorReading* reading : group) {
        sqlite3_reset(insert.get());
        side::bind_text(insert.get(), 1, reading->shipment);
        sqlite3_bind_int64(insert.get(), 2, reading->time_ms);
        side::bind_text(insert.get(), 3, reading->sensor);
        sqlite3_bind_int(insert.get(), 4, reading->temp_centi_c);
        LC_CHECK(step_done(db, insert.get(), "append reading"));
        if (sqlite3_changes(db) == 1) fresh.push_back(*reading);
      }
      if (fresh.empty()) continue;
      inserted_total += fresh.size();
      LC_TRY(before, read_shipment(db, shipment));
      ShipmentColdChain fresh_state;
      fresh_state.shipment = std::string(shipment);
      ShipmentColdChain state = before.value_or(fresh_state);
      Decision decision = decide(state, fresh);
      sqlite3_reset(update.get());
      side::bind_text(update.get(), 1, shipment);
      sqlite3_bind_int(update.get(), 2, decision.excursion_open ? 1 : 0);
      sqlite3_bind_int64(update.get(), 3,
                         static_cast<int64_t>(state.excursions + decision.excursions_started));
      sqlite3_bind_int64(update.get(), 4, static_cast<int64_t>(state.readings + fresh.size()));
      LC_CHECK(step_done(db, update.get(), "update shipment"));
    }
    return {};
  });
  if (!stored) return std::unexpected(stored.error());
  return inserted_total;
}

Result<std::vector<SensorReading>> SensorStore::readings(std::string_view shipment, size_t limit) {
  std::lock_guard lock(impl_->mutex);
  sqlite3* db = impl_->db.get();
  LC_TRY(select, side::prepare(db,
                               "SELECT time_ms, sensor, temp_centi_c FROM (SELECT * FROM readings "
                               "WHERE shipment = ? ORDER BY time_ms DESC LIMIT ?) "
                               "ORDER BY time_ms"));
  side::bind_text(select.get(), 1, shipment);
  sqlite3_bind_int64(select.get(), 2, static_cast<int64_t>(limit));
  std::vector<SensorReading> out;
  int step = 0;
  while ((step = sqlite3_step(select.get())) == SQLITE_ROW) {
    out.push_back(SensorReading{std::string(shipment), sqlite3_column_int64(select.get(), 0),
                                sqlite3_column_int(select.get(), 2),
                                side::column_text(select.get(), 1)});
  }
  if (step != SQLITE_DONE) return std::unexpected(side::sqlite_error(db, "read readings"));
  return out;
}

}  // namespace livechain::store
