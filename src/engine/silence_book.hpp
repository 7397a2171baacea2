// src/engine/silence_book.hpp — internal to the engine: notification silences in memory.
//
// Owned by LedgerState and mutated only by apply(SilenceCreatedEvent /
// SilenceDeletedEvent) on the single writer thread. Silences that ended are dropped
// when the next one is created (a pure function of journal time, so replay drops the
// same ones); the journal keeps all of them.
#pragma once

#include <map>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "engine/events.hpp"

namespace livechain::engine {

class SilenceBook {
 public:
  uint64_t next_silence_id() const { return next_silence_id_; }
  const SilenceRecord* find(uint64_t silence_id) const;
  // Silences kept (not deleted, not dropped), by id.
  std::vector<SilenceRecord> list() const;
  // Silences whose end is after `now_ms`: what kSilencesMax bounds.
  size_t not_ended_count(TimeMs now_ms) const;

  // REQUIRES: created.silence_id == next_silence_id(); deleted names a kept silence.
  void apply(const SilenceCreatedEvent& created, TimeMs event_ms);
  void apply(const SilenceDeletedEvent& deleted);

  void serialize(ByteWriter& out) const;
  // Errors: corruption.
  Result<void> deserialize(ByteReader& in);

 private:
  std::map<uint64_t, SilenceRecord> silences_;
  uint64_t next_silence_id_ = 1;
};

}  // namespace livechain::engine
