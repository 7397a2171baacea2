// src/store/scan_store.hpp — scans of unit codes (issue 12 §7), PATH.scans.
//
// A scan is what a buyer (or anyone) does with the QR code on a unit: it is not a stock
// fact and comes from the public, so it is kept beside the journal like live signals,
// one row per scanned serial (bounded by the serials issued). What the ledger must
// remember — a code seen in two regions within the hour — becomes a journaled alert.
// Part of the store module's public surface; kept out of store.hpp so that only the
// server, which records scans, compiles against it.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::store {

// PATH.scans for the journal at `db_path`.
std::string scan_db_path(const std::string& db_path);

struct ScanRecord {
  uint64_t scans = 0;
  TimeMs first_scan_ms = 0;
  TimeMs last_scan_ms = 0;
  std::string last_region;  // empty: the last scan named none
};

class ScanStore {
 public:
  // Opens (creating) PATH.scans. Errors: io_error naming the path.
  static Result<std::unique_ptr<ScanStore>> open(const std::string& db_path);
  ~ScanStore();

  // Counts one scan of (batch_id, serial) at `now_ms` from `region` (may be empty) and
  // returns the record as it was before it (scans 0 when never scanned). Durable
  // (synchronous=FULL) before it returns; thread-safe. Errors: io_error.
  Result<ScanRecord> record(uint64_t batch_id, uint64_t serial, std::string_view region,
                            TimeMs now_ms);
  // The record of (batch_id, serial), if it was ever scanned. Errors: io_error.
  Result<std::optional<ScanRecord>> find(uint64_t batch_id, uint64_t serial);

 private:
  struct Impl;
  explicit ScanStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::store
