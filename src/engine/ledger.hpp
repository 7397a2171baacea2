// src/engine/ledger.hpp
//
// Ledger = Engine + Journal on the embedded SQLite database, one command at a time.
// A command's reply is returned only after the batch holding its events is durable.
// Used by the CLI and tests; the Sequencer (sequencer.hpp) is the multi-command,
// group-committing front for the server and benchmarks over the same pieces.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "engine/engine.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

// A snapshot is written after this many events since the last one, so recovery
// replays at most this many events.
inline constexpr uint64_t kSnapshotIntervalEvents = 100'000;

struct RecoveryInfo {
  uint64_t snapshot_next_seq = 0;  // 0: no snapshot was used
  uint64_t replayed_events = 0;
};

// Rebuilds state from the journal: from the latest snapshot (use_snapshot) or from
// event 0, then replays the rest. Errors: corruption (bad snapshot or event), io_error.
Result<Engine> recover_engine(journal::Journal& journal, bool use_snapshot,
                              RecoveryInfo* info = nullptr);

// Differences between two ledger states, one line each ("balance 0…1 @ DC-1:
// on_hand 5 ≠ 7"); empty when they serialise identically.
std::vector<std::string> diff_states(const LedgerState& expected, const LedgerState& actual);

class Ledger {
 public:
  // Creates a new database at `db_path` and its Ed25519 signing key beside it
  // (store::signing_key_path). Errors: already_exists, io_error.
  static Result<journal::PublicKey> init(const std::string& db_path);

  // Opens for writing (exclusive writer lock) and recovers state. `clock` stamps
  // commands and must outlive the Ledger. Errors: not_found, busy, corruption, io_error.
  static Result<std::unique_ptr<Ledger>> open(const std::string& db_path, const Clock& clock);
  // Opens read-only: queries, proofs, rebuild. Errors as open() except busy.
  static Result<std::unique_ptr<Ledger>> open_reader(const std::string& db_path);

  ~Ledger();

  // Executes one command and returns after its events are durable. On a storage
  // failure the ledger refuses every later command (io_error): memory is then ahead
  // of the journal and only a restart (recovery) makes them agree again.
  Result<Reply> execute(const Command& command);

  // Writes a snapshot of the current state. Errors: io_error.
  Result<void> write_snapshot();

  const Engine& engine() const { return engine_; }
  // For handing the engine to a Sequencer. While a Sequencer runs over this ledger,
  // only the Sequencer's engine thread may touch the engine or the journal, and
  // execute() must not be called.
  Engine& engine_for_sequencer() { return engine_; }
  journal::Journal& journal() { return *journal_; }
  const RecoveryInfo& recovery() const { return recovery_; }

 private:
  Ledger(std::unique_ptr<journal::JournalStorage> storage,
         std::unique_ptr<journal::Journal> journal, Engine engine, const Clock* clock);
  static Result<std::unique_ptr<Ledger>> open_with(const std::string& db_path, bool writer,
                                                   const Clock* clock);

  std::unique_ptr<journal::JournalStorage> storage_;
  std::unique_ptr<journal::Journal> journal_;
  Engine engine_;
  const Clock* clock_;  // null for readers
  journal::BatchBuilder batch_;
  RecoveryInfo recovery_;
  uint64_t last_snapshot_seq_ = 0;
  bool failed_ = false;
};

}  // namespace livechain::engine
