// Journal → outbox: alert events after the outbox's cursor become webhook messages.
// The cursor moves in the same SQLite transaction as the messages, so each event is
// enqueued exactly once, even across kill -9 (the message id "msg_<seq>" makes a
// repeated pass harmless too).
#include <condition_variable>
#include <mutex>
#include <thread>

#include "alerts/alerts.hpp"
#include "engine/events.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"

namespace livechain::alerts {

namespace {
constexpr size_t kMessagesPerPassMax = 4'096;

// Alert events name no SKU, location or channel index: decoding needs no tables.
class NoNames final : public engine::NameTables {
 public:
  const std::string& gtin_of(engine::SkuIndex) const override { return empty_; }
  const std::string& location_id_of(engine::LocationIndex) const override { return empty_; }
  const std::string& channel_id_of(engine::ChannelIndex) const override { return empty_; }
  std::optional<engine::SkuIndex> find_sku(std::string_view) const override { return 0; }
  std::optional<engine::LocationIndex> find_location(std::string_view) const override { return 0; }
  std::optional<engine::ChannelIndex> find_channel(std::string_view) const override { return 0; }

 private:
  std::string empty_;
};

std::string_view message_type(engine::AlertTransition transition) {
  switch (transition) {
    case engine::AlertTransition::raised:
      return "alert.raised";
    case engine::AlertTransition::resolved:
      return "alert.resolved";
    case engine::AlertTransition::updated:
    case engine::AlertTransition::acknowledged:
      return "alert.updated";
  }
  return "alert.updated";
}
}  // namespace

struct AlertFeed::Impl {
  std::string db_path;
  Outbox& outbox;
  const Clock& clock;
  std::function<void()> on_enqueued;
  uint32_t poll_ms;
  std::mutex mutex;
  std::condition_variable wakeup;
  bool woken = false;     // GUARDED_BY(mutex)
  bool stopping = false;  // GUARDED_BY(mutex)
  std::thread thread;

  Result<size_t> pass() {
    LC_TRY(cursor, outbox.journal_cursor());
    LC_TRY(storage, store::open_sqlite(db_path, store::OpenMode::reader));
    LC_TRY(journal, journal::Journal::open(*storage, std::nullopt));
    uint64_t tree_size = journal->tree_size();
    if (cursor == UINT64_MAX) {
      // A new outbox: no endpoint can have subscribed to earlier alerts.
      LC_CHECK(outbox.enqueue_with_cursor({}, tree_size, clock.now_ms()));
      return size_t{0};
    }
    if (cursor >= tree_size) return size_t{0};
    std::vector<Outbox::PendingMessage> messages;
    uint64_t next_seq = cursor;
    NoNames names;
    const Error stop{ErrorCode::limit_exceeded, "", "pass full"};
    auto replayed =
        journal->replay(cursor, [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
          if (messages.size() >= kMessagesPerPassMax) return std::unexpected(stop);
          next_seq = seq + 1;
          uint8_t kind = data.empty() ? 0 : data[0];
          bool alert_kind = kind >= static_cast<uint8_t>(engine::EventKind::alert_raised) &&
                            kind <= static_cast<uint8_t>(engine::EventKind::alert_resolved);
          bool silence_kind = kind == static_cast<uint8_t>(engine::EventKind::silence_created) ||
                              kind == static_cast<uint8_t>(engine::EventKind::silence_deleted);
          if (!alert_kind && !silence_kind) return {};
          LC_TRY(event, engine::decode_event(data, names));
          if (const auto* created = std::get_if<engine::SilenceCreatedEvent>(&event.body)) {
            Outbox::PendingMessage change;
            change.silence_created = created->silence;
            change.seq = seq;
            messages.push_back(std::move(change));
            return {};
          }
          if (const auto* deleted = std::get_if<engine::SilenceDeletedEvent>(&event.body)) {
            Outbox::PendingMessage change;
            change.silence_deleted = deleted->silence_id;
            change.seq = seq;
            messages.push_back(std::move(change));
            return {};
          }
          const auto& alert = std::get<engine::AlertEvent>(event.body);
          Outbox::PendingMessage message{"msg_" + std::to_string(seq),
                                         std::string(message_type(alert.transition)),
                                         alert_json(alert.record),
                                         alert.record,
                                         alert.transition,
                                         std::nullopt,
                                         0,
                                         seq};
          messages.push_back(std::move(message));
          return {};
        });
    if (!replayed && replayed.error().detail != stop.detail) {
      return std::unexpected(replayed.error());
    }
    LC_TRY(taken, outbox.enqueue_with_cursor(messages, next_seq, clock.now_ms()));
    if (taken > 0 && on_enqueued) on_enqueued();
    if (taken < messages.size()) {
      return fail(ErrorCode::busy, "outbox", "at its bound: the rest waits in the journal");
    }
    return messages.size();
  }

  void loop() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      lock.unlock();
      for (;;) {  // drain: a pass stops at kMessagesPerPassMax
        auto done = pass();
        if (!done) {
          if (done.error().code != ErrorCode::busy) {
            std::fprintf(stderr, "alerts feed: %s\n", done.error().to_string().c_str());
          }
          break;
        }
        if (*done < kMessagesPerPassMax) break;
      }
      lock.lock();
      wakeup.wait_for(lock, std::chrono::milliseconds(poll_ms),
                      [this] { return woken || stopping; });
      woken = false;
    }
  }
};

AlertFeed::AlertFeed(std::string db_path, Outbox& outbox, const Clock& clock,
                     std::function<void()> on_enqueued, uint32_t poll_ms)
    : impl_(new Impl{std::move(db_path),
                     outbox,
                     clock,
                     std::move(on_enqueued),
                     poll_ms,
                     {},
                     {},
                     false,
                     false,
                     {}}) {}

AlertFeed::~AlertFeed() {
  stop();
}

void AlertFeed::start() {
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

void AlertFeed::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wakeup.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void AlertFeed::wake() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->woken = true;
  }
  impl_->wakeup.notify_all();
}

Result<size_t> AlertFeed::run_once() {
  return impl_->pass();
}

}  // namespace livechain::alerts
