// The as-of index: checkpoints of the engine state every N journal events, so the state
// at any instant is one checkpoint plus a bounded replay (engine/as_of.hpp).
#include "engine/as_of.hpp"

#include <fmt/format.h>

#include "core/assert.hpp"
#include "core/bytes.hpp"

namespace livechain::engine {

namespace {
// Replay stops at the first event after the asked instant; this value carries the stop
// out of Journal::replay and is never returned to a caller.
Error replay_stop() {
  return Error{ErrorCode::invalid_state, "", "as-of replay stop"};
}

Error before_start(TimeMs start_ms) {
  return Error{
      ErrorCode::invalid_argument, "as_of",
      fmt::format("is before the journal starts (first event at {} ms since the epoch)", start_ms)};
}

// Applies events [from_seq, end_seq) with time <= as_of_ms to `engine`.
Result<void> replay_until(journal::Journal& journal, Engine& engine, uint64_t from_seq,
                          uint64_t end_seq, TimeMs as_of_ms) {
  bool stopped = false;
  auto replayed =
      journal.replay(from_seq, [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
        LC_ASSERT(seq == engine.state().applied_events());
        if (seq >= end_seq) {
          stopped = true;
          return std::unexpected(replay_stop());
        }
        auto time_ms = stored_event_time(data);
        if (!time_ms) return std::unexpected(time_ms.error());
        if (*time_ms > as_of_ms) {
          stopped = true;
          return std::unexpected(replay_stop());
        }
        return engine.apply_stored_event(data);
      });
  if (!replayed && !stopped) return std::unexpected(replayed.error());
  return {};
}
}  // namespace

Result<TimeMs> stored_event_time(std::span<const uint8_t> data) {
  ByteReader in(data);
  (void)in.get_u8();  // kind
  auto time_ms = static_cast<TimeMs>(in.get_varint());
  if (!in.ok()) return fail(ErrorCode::corruption, "event", "truncated event header");
  return time_ms;
}

struct AsOfIndex::Parts {
  std::unique_ptr<journal::JournalStorage> storage;
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<store::CheckpointStore> checkpoints;
};

AsOfIndex::AsOfIndex(std::unique_ptr<Parts> parts, AsOfOptions options)
    : parts_(std::move(parts)), options_(options) {}
AsOfIndex::~AsOfIndex() = default;

Result<std::unique_ptr<AsOfIndex>> AsOfIndex::open(const std::string& db_path,
                                                   AsOfOptions options) {
  if (options.checkpoint_every_events < kAsOfCheckpointEventsMin ||
      options.checkpoint_every_events > kAsOfCheckpointEventsMax) {
    return fail(
        ErrorCode::invalid_argument, "checkpoint_every_events",
        fmt::format("must be within {}..{}", kAsOfCheckpointEventsMin, kAsOfCheckpointEventsMax));
  }
  auto parts = std::make_unique<Parts>();
  auto storage = store::open_sqlite(db_path, store::OpenMode::reader);
  if (!storage) return std::unexpected(storage.error());
  parts->storage = std::move(*storage);
  auto journal = journal::Journal::open(*parts->storage, std::nullopt);
  if (!journal) return std::unexpected(journal.error());
  parts->journal = std::move(*journal);
  auto checkpoints = store::CheckpointStore::open(db_path);
  if (!checkpoints) return std::unexpected(checkpoints.error());
  parts->checkpoints = std::move(*checkpoints);
  std::unique_ptr<AsOfIndex> index(new AsOfIndex(std::move(parts), options));
  if (auto resumed = index->resume(); !resumed) return std::unexpected(resumed.error());
  return index;
}

// Loads the last checkpoint into the replica and forgets sales recorded after it (a
// crash may have cut the index between a checkpoint and later sales; replay finds them).
Result<void> AsOfIndex::resume() {
  auto last = parts_->checkpoints->last();
  if (!last) return std::unexpected(last.error());
  if (*last) {
    auto state = LedgerState::deserialize((*last)->state);
    if (!state) return std::unexpected(state.error());
    if (state->applied_events() != (*last)->next_seq) {
      return fail(ErrorCode::corruption, "asof", "checkpoint event count disagrees with seq");
    }
    replica_ = Engine(std::move(*state));
    indexed_seq_ = last_checkpoint_seq_ = (*last)->next_seq;
  }
  return parts_->checkpoints->drop_sales_from(indexed_seq_);
}

Result<void> AsOfIndex::index_event(uint64_t seq, std::span<const uint8_t> data) {
  LC_ASSERT(seq == indexed_seq_);
  LC_ASSERT(seq == replica_.state().applied_events());
  if (!data.empty() && data[0] == static_cast<uint8_t>(EventKind::committed)) {
    // The sale's lines are in the pending reservation, before the commit applies.
    auto event = decode_event(data, replica_.state());
    if (!event) return std::unexpected(event.error());
    const auto& committed = std::get<CommittedEvent>(event->body);
    const PendingReservation* pending = replica_.state().pending(committed.reservation_id);
    LC_ASSERT(pending != nullptr);
    for (size_t i = 0; i < pending->lines.size() && i < committed.committed_units.size(); ++i) {
      if (committed.committed_units[i] == 0) continue;
      const StockLine& line = pending->lines[i];
      unsaved_sales_.push_back(store::CommittedSale{
          seq, event->time_ms, committed.reservation_id, pending->order_id,
          replica_.state().gtin_of(line.sku), replica_.state().location_id_of(line.location),
          committed.committed_units[i]});
    }
  }
  if (auto applied = replica_.apply_stored_event(data); !applied) {
    Error error = applied.error();
    error.detail = fmt::format("seq {}: {}", seq, error.detail);
    return std::unexpected(error);
  }
  ++indexed_seq_;
  if (indexed_seq_ - last_checkpoint_seq_ >= options_.checkpoint_every_events) {
    return flush(true);
  }
  return {};
}

Result<void> AsOfIndex::flush(bool with_checkpoint) {
  store::Checkpoint checkpoint;
  if (with_checkpoint) {
    checkpoint =
        store::Checkpoint{indexed_seq_, replica_.state().now_ms(), replica_.state().serialize()};
  }
  auto stored = parts_->checkpoints->put(with_checkpoint ? &checkpoint : nullptr, unsaved_sales_);
  if (!stored) return std::unexpected(stored.error());
  unsaved_sales_.clear();
  if (with_checkpoint) {
    last_checkpoint_seq_ = indexed_seq_;
    ++checkpoints_written_;
  }
  return {};
}

Result<uint64_t> AsOfIndex::catch_up() {
  auto replayed = parts_->journal->replay(
      indexed_seq_, [this](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
        return index_event(seq, data);
      });
  if (!replayed) return std::unexpected(replayed.error());
  if (!unsaved_sales_.empty()) {
    if (auto flushed = flush(false); !flushed) return std::unexpected(flushed.error());
  }
  if (!start_ms_ && indexed_seq_ > 0) {
    auto first = parts_->journal->event(0);
    if (!first) return std::unexpected(first.error());
    auto time_ms = stored_event_time(*first);
    if (!time_ms) return std::unexpected(time_ms.error());
    start_ms_ = *time_ms;
  }
  return indexed_seq_;
}

Result<Engine> AsOfIndex::engine_at(TimeMs as_of_ms) {
  if (auto caught_up = catch_up(); !caught_up) return std::unexpected(caught_up.error());
  if (!start_ms_)
    return fail(ErrorCode::invalid_argument, "as_of", "the journal has no events yet");
  if (as_of_ms < *start_ms_) return std::unexpected(before_start(*start_ms_));
  // At or after the indexed end: the replica is the answer.
  if (as_of_ms >= replica_.state().now_ms()) return Engine(replica_.state());
  auto checkpoint = parts_->checkpoints->at_or_before(as_of_ms);
  if (!checkpoint) return std::unexpected(checkpoint.error());
  Engine engine;
  uint64_t from_seq = 0;
  if (*checkpoint) {
    auto state = LedgerState::deserialize((*checkpoint)->state);
    if (!state) return std::unexpected(state.error());
    LC_ASSERT(state->applied_events() == (*checkpoint)->next_seq);
    LC_ASSERT(state->now_ms() <= as_of_ms);
    from_seq = (*checkpoint)->next_seq;
    engine = Engine(std::move(*state));
  }
  auto replayed = replay_until(*parts_->journal, engine, from_seq, indexed_seq_, as_of_ms);
  if (!replayed) return std::unexpected(replayed.error());
  LC_ASSERT(engine.state().now_ms() <= as_of_ms);
  return engine;
}

Result<std::vector<store::CommittedSale>> AsOfIndex::sales_after(TimeMs after_ms, size_t limit) {
  return parts_->checkpoints->sales_after(after_ms, indexed_seq_, limit);
}

Result<Engine> replay_to(journal::Journal& journal, TimeMs as_of_ms) {
  auto first = journal.event(0);
  if (!first) return fail(ErrorCode::invalid_argument, "as_of", "the journal has no events yet");
  auto start_ms = stored_event_time(*first);
  if (!start_ms) return std::unexpected(start_ms.error());
  if (as_of_ms < *start_ms) return std::unexpected(before_start(*start_ms));
  Engine engine;
  auto replayed = replay_until(journal, engine, 0, UINT64_MAX, as_of_ms);
  if (!replayed) return std::unexpected(replayed.error());
  return engine;
}

std::vector<RollbackChange> plan_rollback(const LedgerState& at_time, const LedgerState& now) {
  std::vector<RollbackChange> changes;
  for (SkuIndex sku = 0; sku < now.skus().size(); ++sku) {
    const std::string& gtin = now.gtin_of(sku);
    std::optional<SkuIndex> then_sku = at_time.find_sku(gtin);
    for (const SkuBalanceRef& ref : now.balance_refs_of_sku(sku)) {
      const Balance& current = now.balance_at(ref.balance_index);
      const std::string& location_id = now.location_id_of(ref.location);
      Balance then;
      if (then_sku) {
        if (auto then_location = at_time.find_location(location_id)) {
          then = at_time.balance_or_zero(*then_sku, *then_location);
        }
      }
      LC_ASSERT(current.sold_units >= then.sold_units);  // cumulative, never decreases
      int64_t sold_since = current.sold_units - then.sold_units;
      int64_t target = then.on_hand_units - sold_since;
      // Never below what pending reservations hold, nor below what channel allocations
      // keep out of reach of an adjustment (the same rule as AdjustStock).
      int64_t floor = current.reserved_units;
      if (now.has_allocations()) {
        int64_t free = std::max<int64_t>(0, now.shared_free_units(sku, ref.balance_index));
        floor = std::max(floor, current.on_hand_units - std::min(free, current.available_units()));
      }
      target = std::max(target, std::min(floor, current.on_hand_units));
      if (target == current.on_hand_units) continue;
      changes.push_back(
          RollbackChange{gtin, location_id, "on_hand", current.on_hand_units, target});
    }
  }
  return changes;
}

}  // namespace livechain::engine
