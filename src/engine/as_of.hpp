// src/engine/as_of.hpp
//
// Stock as of any instant (issue 10 §4) and the rollback plan (§5). The journal is the
// truth; the as-of index (PATH.asof, store::CheckpointStore) keeps the engine state
// after every `checkpoint_every_events` events and the sales committed on the way. The
// state at time T is the latest checkpoint at or before T plus a replay of at most one
// interval of events whose time is <= T: the same code path as recovery, so an as-of
// answer equals replaying the journal from event 0 up to T.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/engine.hpp"
#include "store/store.hpp"

namespace livechain::engine {

// Events between two as-of checkpoints: bounds the replay of one as-of query.
inline constexpr uint64_t kAsOfCheckpointEventsDefault = 25'000;
inline constexpr uint64_t kAsOfCheckpointEventsMin = 100;
inline constexpr uint64_t kAsOfCheckpointEventsMax = 10'000'000;
// Conflicts (sales committed after T) listed by one rollback.
inline constexpr size_t kRollbackConflictsMax = 10'000;
// Balance rows one rollback may change (one stock_adjusted event each).
inline constexpr size_t kRollbackChangesMax = 100'000;

struct AsOfOptions {
  uint64_t checkpoint_every_events = kAsOfCheckpointEventsDefault;
};

// Time of one stored event, read from its header alone. Errors: corruption.
Result<TimeMs> stored_event_time(std::span<const uint8_t> data);

// Not thread-safe: one caller at a time (the server runs it on its worker thread).
// Reads the journal through its own read-only connection, so it never blocks the writer
// and sees every batch committed so far.
class AsOfIndex {
 public:
  // Opens the journal at `db_path` read-only and its index PATH.asof (creating it),
  // resuming from the last checkpoint. Errors: not_found (field "db"), io_error,
  // corruption, invalid_argument (field "checkpoint_every_events") out of range.
  static Result<std::unique_ptr<AsOfIndex>> open(const std::string& db_path,
                                                 AsOfOptions options = {});
  ~AsOfIndex();

  // Indexes every journal event committed since the last call: replays them on the
  // index's own engine replica, writes a checkpoint every interval and records the
  // committed sales. Returns the number of events indexed in all. Errors: io_error,
  // corruption.
  Result<uint64_t> catch_up();

  // The ledger as it stood at `as_of_ms`: every event with time <= as_of_ms applied,
  // none after. Catches up first. Errors: invalid_argument (field "as_of") when the
  // journal is empty or as_of_ms is before its first event; io_error, corruption.
  // The caller rejects times in the future (it owns the clock).
  Result<Engine> engine_at(TimeMs as_of_ms);

  // Sales (committed reservation lines) journaled strictly after `after_ms`, oldest
  // first, at most `limit`, up to the indexed end. Errors: io_error.
  Result<std::vector<store::CommittedSale>> sales_after(TimeMs after_ms, size_t limit);

  // Time of the journal's first event (nullopt: empty journal). After catch_up().
  std::optional<TimeMs> journal_start_ms() const { return start_ms_; }
  uint64_t indexed_events() const { return indexed_seq_; }
  uint64_t checkpoints_written() const { return checkpoints_written_; }
  // The replica at the indexed end (the current durable ledger after catch_up()).
  const Engine& replica() const { return replica_; }

 private:
  struct Parts;
  explicit AsOfIndex(std::unique_ptr<Parts> parts, AsOfOptions options);
  Result<void> resume();
  Result<void> index_event(uint64_t seq, std::span<const uint8_t> data);
  Result<void> flush(bool with_checkpoint);

  std::unique_ptr<Parts> parts_;
  AsOfOptions options_;
  Engine replica_;
  uint64_t indexed_seq_ = 0;
  uint64_t last_checkpoint_seq_ = 0;
  uint64_t checkpoints_written_ = 0;
  std::optional<TimeMs> start_ms_;
  std::vector<store::CommittedSale> unsaved_sales_;
};

// The ledger replayed from event 0 up to `as_of_ms` with no index (the peer the as-of
// bench and tests compare with). Errors as AsOfIndex::engine_at.
Result<Engine> replay_to(journal::Journal& journal, TimeMs as_of_ms);

// ---- rollback (issue 10 §5) ----
// What restoring stock to T changes: for every balance row, on_hand goes back to its
// value at T minus the units sold there after T (sales are never undone), and never
// below what is reserved now (pending reservations keep their units). Rows unchanged
// are left out. Deterministic: SKU then location order of `now`.
std::vector<RollbackChange> plan_rollback(const LedgerState& at_time, const LedgerState& now);

}  // namespace livechain::engine
