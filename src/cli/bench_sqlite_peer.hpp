// src/cli/bench_sqlite_peer.hpp — the peer `bench ledger` compares against.
//
// What a conventional inventory service does: a stock table in SQLite (WAL,
// synchronous=FULL), reserve = conditional UPDATE (on_hand − reserved >= qty) + INSERT
// of the reservation, commit/release = UPDATE of both, many reservations per
// transaction (group commit, one fsync each). Same catalog shape and mix as the
// livechain run (9 in 10 reservations committed, 1 released).
#pragma once

#include <cstdint>
#include <string>

namespace livechain::cli {

struct PeerResult {
  uint64_t reservations = 0;
  uint64_t commands = 0;
  double seconds = 0;
  std::string error;  // non-empty when the peer could not run
};

// Runs the peer for `seconds` on a fresh database file at `db_path` (created, then
// left for the caller to remove), `reservations_per_transaction` at a time.
PeerResult run_sqlite_peer(const std::string& db_path, double seconds, uint64_t seed, int skus,
                           int locations, int reservations_per_transaction);

}  // namespace livechain::cli
