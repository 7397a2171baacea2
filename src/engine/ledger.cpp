#include "engine/ledger.hpp"

#include <fmt/format.h>

#include "core/assert.hpp"
#include "core/bytes.hpp"
#include "store/store.hpp"

namespace livechain::engine {

Result<Engine> recover_engine(journal::Journal& journal, bool use_snapshot, RecoveryInfo* info) {
  Engine engine;
  RecoveryInfo local;
  if (use_snapshot) {
    auto snapshot = journal.latest_snapshot();
    if (!snapshot) return std::unexpected(snapshot.error());
    if (*snapshot && (*snapshot)->next_seq <= journal.tree_size()) {
      auto state = LedgerState::deserialize((*snapshot)->state);
      if (!state) return std::unexpected(state.error());
      if (state->applied_events() != (*snapshot)->next_seq) {
        return fail(ErrorCode::corruption, "snapshot", "snapshot event count disagrees with seq");
      }
      engine = Engine(std::move(*state));
      local.snapshot_next_seq = (*snapshot)->next_seq;
    }
  }
  auto replayed = journal.replay(local.snapshot_next_seq,
                                 [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
                                   LC_ASSERT(seq == engine.state().applied_events());
                                   auto applied = engine.apply_stored_event(data);
                                   if (!applied) {
                                     Error error = applied.error();
                                     error.detail = fmt::format("seq {}: {}", seq, error.detail);
                                     return std::unexpected(error);
                                   }
                                   ++local.replayed_events;
                                   return {};
                                 });
  if (!replayed) return std::unexpected(replayed.error());
  LC_ASSERT(engine.state().applied_events() == journal.tree_size());
  if (info) *info = local;
  return engine;
}

namespace {
std::string describe_balance(const LedgerState& s, SkuIndex sku, LocationIndex location) {
  return fmt::format("sku {} @ {}", s.gtin_of(sku), s.location_id_of(location));
}

void diff_balance(const std::string& where, const Balance& a, const Balance& b,
                  std::vector<std::string>& out) {
  auto field = [&](const char* name, int64_t x, int64_t y) {
    if (x != y) out.push_back(fmt::format("{}: {} {} (journal) vs {} (live)", where, name, x, y));
  };
  field("on_hand", a.on_hand_units, b.on_hand_units);
  field("reserved", a.reserved_units, b.reserved_units);
  field("in_transit", a.in_transit_units, b.in_transit_units);
  field("quarantine", a.quarantine_units, b.quarantine_units);
  field("rework", a.rework_units, b.rework_units);
  field("presale_planned", a.presale_planned_units, b.presale_planned_units);
  field("presale_reserved", a.presale_reserved_units, b.presale_reserved_units);
  field("presale_committed", a.presale_committed_units, b.presale_committed_units);
  field("received", a.received_units, b.received_units);
  field("sold", a.sold_units, b.sold_units);
  field("scrapped", a.scrapped_units, b.scrapped_units);
  field("lost_in_transit", a.lost_in_transit_units, b.lost_in_transit_units);
  field("adjusted", a.adjusted_units, b.adjusted_units);
}
}  // namespace

std::vector<std::string> diff_states(const LedgerState& expected, const LedgerState& actual) {
  std::vector<std::string> out;
  if (expected.serialize() == actual.serialize()) return out;
  for (SkuIndex sku = 0; sku < expected.skus().size(); ++sku) {
    auto actual_sku = actual.find_sku(expected.gtin_of(sku));
    for (LocationIndex location : expected.locations_of_sku(sku)) {
      auto actual_location = actual.find_location(expected.location_id_of(location));
      Balance live = (actual_sku && actual_location)
                         ? actual.balance_or_zero(*actual_sku, *actual_location)
                         : Balance{};
      diff_balance(describe_balance(expected, sku, location),
                   expected.balance_or_zero(sku, location), live, out);
    }
  }
  if (expected.skus().size() != actual.skus().size()) {
    out.push_back(fmt::format("sku count: {} (journal) vs {} (live)", expected.skus().size(),
                              actual.skus().size()));
  }
  if (expected.pending_count() != actual.pending_count()) {
    out.push_back(fmt::format("pending reservations: {} (journal) vs {} (live)",
                              expected.pending_count(), actual.pending_count()));
  }
  if (out.empty()) out.push_back("states differ outside balances (reservations or records)");
  return out;
}

Result<journal::PublicKey> Ledger::init(const std::string& db_path) {
  auto storage = store::open_sqlite(db_path, store::OpenMode::create);
  if (!storage) return std::unexpected(storage.error());
  auto signer = journal::Signer::create(store::signing_key_path(db_path));
  if (!signer) return std::unexpected(signer.error());
  journal::PublicKey key = signer->public_key();
  if (auto ok = (*storage)->put_meta(journal::kPublicKeyMetaKey, to_hex(key)); !ok) {
    return std::unexpected(ok.error());
  }
  return key;
}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::string& db_path, const Clock& clock) {
  return open_with(db_path, true, &clock);
}

Result<std::unique_ptr<Ledger>> Ledger::open_reader(const std::string& db_path) {
  return open_with(db_path, false, nullptr);
}

Result<std::unique_ptr<Ledger>> Ledger::open_with(const std::string& db_path, bool writer,
                                                  const Clock* clock) {
  auto storage =
      store::open_sqlite(db_path, writer ? store::OpenMode::writer : store::OpenMode::reader);
  if (!storage) return std::unexpected(storage.error());
  std::optional<journal::Signer> signer;
  if (writer) {
    auto loaded = journal::Signer::load(store::signing_key_path(db_path));
    if (!loaded) return std::unexpected(loaded.error());
    signer = std::move(*loaded);
  }
  auto journal = journal::Journal::open(**storage, std::move(signer));
  if (!journal) return std::unexpected(journal.error());
  RecoveryInfo info;
  auto engine = recover_engine(**journal, true, &info);
  if (!engine) return std::unexpected(engine.error());
  std::unique_ptr<Ledger> ledger(
      new Ledger(std::move(*storage), std::move(*journal), std::move(*engine), clock));
  ledger->recovery_ = info;
  ledger->last_snapshot_seq_ = info.snapshot_next_seq;
  return ledger;
}

Ledger::Ledger(std::unique_ptr<journal::JournalStorage> storage,
               std::unique_ptr<journal::Journal> journal, Engine engine, const Clock* clock)
    : storage_(std::move(storage)),
      journal_(std::move(journal)),
      engine_(std::move(engine)),
      clock_(clock) {}

Ledger::~Ledger() = default;

Result<Reply> Ledger::execute(const Command& command) {
  if (clock_ == nullptr) {
    return fail(ErrorCode::invalid_state, "db", "the database was opened read-only");
  }
  if (failed_) {
    return fail(ErrorCode::io_error, "db", "an earlier write failed; restart to recover");
  }
  // Engine time never runs backwards, even if the wall clock does.
  TimeMs now_ms = std::max(clock_->now_ms(), engine_.state().now_ms());
  batch_.clear();
  auto reply = engine_.execute(command, now_ms, batch_);
  if (batch_.event_count() > 0) {
    auto head = journal_->append(batch_, now_ms);
    if (!head) {
      failed_ = true;
      return std::unexpected(head.error());
    }
  }
  LC_ASSERT(engine_.state().applied_events() == journal_->tree_size());
  if (journal_->tree_size() - last_snapshot_seq_ >= kSnapshotIntervalEvents) {
    // The command is already durable; a failed snapshot only makes the next recovery
    // replay more events, so it must not turn the reply into an error.
    (void)write_snapshot();
  }
  return reply;
}

Result<void> Ledger::write_snapshot() {
  LC_ASSERT(engine_.state().applied_events() == journal_->tree_size());
  Bytes state = engine_.state().serialize();
  if (auto ok = journal_->put_snapshot(journal_->tree_size(), state); !ok) return ok;
  last_snapshot_seq_ = journal_->tree_size();
  return {};
}

}  // namespace livechain::engine
