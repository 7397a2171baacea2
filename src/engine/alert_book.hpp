// src/engine/alert_book.hpp — internal to the engine: the alert records in memory.
//
// Owned by LedgerState and mutated only by apply(AlertEvent), on the single writer
// thread. Keeps every open alert and the most recent records (kAlertRecordsMax); the
// journal keeps all of them.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "engine/events.hpp"

namespace livechain::engine {

// A page request of GET /v1/alerts; unset fields do not filter.
struct AlertFilter {
  std::optional<AlertState> state;
  std::optional<AlertSeverity> severity;
  std::string kind;     // empty: any
  TimeMs since_ms = 0;  // updated at or after
  size_t limit = 100;
};

class AlertBook {
 public:
  // The id the next raised alert gets (ids start at 1 and are never reused).
  uint64_t next_alert_id() const { return next_alert_id_; }
  size_t open_count() const { return open_by_group_.size(); }
  const AlertRecord* find(uint64_t alert_id) const;
  // The open (raised or acknowledged) alert of this group, if any.
  const AlertRecord* find_open(std::string_view group_key) const;
  // Newest first (by id), filtered, at most filter.limit.
  std::vector<AlertRecord> list(const AlertFilter& filter) const;

  // Applies one alert event. REQUIRES: the transition is valid for the record's
  // current state (the handler checked); asserted.
  void apply(const AlertEvent& event);

  // Snapshot section (appended after the ledger's records).
  void serialize(ByteWriter& out) const;
  // Errors: corruption.
  Result<void> deserialize(ByteReader& in);

 private:
  void forget_oldest_resolved();

  std::map<uint64_t, AlertRecord> records_;
  std::map<std::string, uint64_t, std::less<>> open_by_group_;
  std::deque<uint64_t> resolved_order_;  // ids in resolution order, for forgetting
  uint64_t next_alert_id_ = 1;
};

}  // namespace livechain::engine
