// Silence commands: create (validated, journaled whole) and delete. The engine only
// keeps silences; the alerts module applies them to notifications.
#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

Result<Reply> Engine::Handlers::operator()(const CreateSilence& c) {
  if (c.matchers.empty()) {
    return fail(ErrorCode::invalid_argument, "matchers", "must hold at least one matcher");
  }
  if (c.matchers.size() > kSilenceMatchersMax) {
    return fail(
        ErrorCode::limit_exceeded, "matchers",
        fmt::format("{} matchers exceed the limit of {}", c.matchers.size(), kSilenceMatchersMax));
  }
  for (size_t i = 0; i < c.matchers.size(); ++i) {
    LC_CHECK(validate_identifier(fmt::format("matchers[{}].name", i), c.matchers[i].name));
    LC_CHECK(validate_text(fmt::format("matchers[{}].value", i), c.matchers[i].value,
                           kSilenceValueLengthMax));
  }
  if (c.ends_at_ms <= c.starts_at_ms) {
    return fail(ErrorCode::invalid_argument, "ends_at", "must be after starts_at");
  }
  if (c.ends_at_ms <= now_ms_) {
    return fail(ErrorCode::invalid_argument, "ends_at", "is in the past");
  }
  if (c.ends_at_ms - std::max(c.starts_at_ms, now_ms_) > kSilenceDurationMaxMs) {
    return fail(ErrorCode::limit_exceeded, "ends_at", "a silence lasts at most 366 days");
  }
  if (c.comment.size() > kSilenceCommentBytesMax) {
    return fail(
        ErrorCode::limit_exceeded, "comment",
        fmt::format("{} bytes exceed the limit of {}", c.comment.size(), kSilenceCommentBytesMax));
  }
  const SilenceBook& book = state_.silences();
  if (book.not_ended_count(now_ms_) >= kSilencesMax) {
    return fail(
        ErrorCode::limit_exceeded, "silences",
        fmt::format("{} silences are in force or pending: delete some first", kSilencesMax));
  }
  SilenceRecord record;
  record.silence_id = book.next_silence_id();
  record.matchers = c.matchers;
  record.starts_at_ms = c.starts_at_ms;
  record.ends_at_ms = c.ends_at_ms;
  record.created_at_ms = now_ms_;
  record.comment = c.comment;
  emit(SilenceCreatedEvent{record});
  LC_ASSERT(state_.silences().find(record.silence_id) != nullptr);
  return SilenceView{std::move(record)};
}

Result<Reply> Engine::Handlers::operator()(const DeleteSilence& c) {
  const SilenceRecord* found = state_.silences().find(c.silence_id);
  if (found == nullptr) {
    return fail(ErrorCode::not_found, "id", fmt::format("no silence {}", c.silence_id));
  }
  SilenceView view{*found};
  emit(SilenceDeletedEvent{c.silence_id});
  return view;
}

}  // namespace livechain::engine
