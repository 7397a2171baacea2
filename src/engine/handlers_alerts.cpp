// Alert commands: raise (or update the open alert of the same group), acknowledge,
// resolve. Validation names the API's fields; each accepted change journals the whole
// record after it (AlertEvent).
#include <algorithm>

#include "core/assert.hpp"
#include "engine/handlers.hpp"

namespace livechain::engine {

namespace {
Result<AlertSubject> canonical_subject(AlertSubject subject, bool required) {
  if (subject.empty() && required) {
    return fail(ErrorCode::invalid_argument, "subject", "must name at least one field");
  }
  if (subject.size() > kAlertSubjectFieldsMax) {
    return fail(
        ErrorCode::limit_exceeded, "subject",
        fmt::format("{} fields exceed the limit of {}", subject.size(), kAlertSubjectFieldsMax));
  }
  std::sort(subject.begin(), subject.end());
  for (size_t i = 0; i < subject.size(); ++i) {
    const auto& [name, value] = subject[i];
    LC_CHECK(validate_identifier("subject", name));
    LC_CHECK(validate_text("subject." + name, value, kAlertSubjectValueLengthMax));
    if (i > 0 && subject[i - 1].first == name) {
      return fail(ErrorCode::invalid_argument, "subject." + name, "is given twice");
    }
  }
  return subject;
}

Result<void> check_bytes(std::string_view field, std::string_view text, size_t bytes_max) {
  if (text.size() > bytes_max) {
    return fail(ErrorCode::limit_exceeded, std::string(field),
                fmt::format("{} bytes exceed the limit of {}", text.size(), bytes_max));
  }
  return {};
}

Result<void> check_note(const std::string& note) {
  if (note.empty()) return {};
  return validate_text("note", note, kAlertNoteBytesMax);
}
}  // namespace

Result<Reply> Engine::Handlers::operator()(const RaiseAlert& c) {
  LC_CHECK(validate_identifier("kind", c.kind));
  LC_TRY(subject, canonical_subject(c.subject, true));
  LC_CHECK(check_bytes("evidence", c.evidence_json, kAlertEvidenceBytesMax));
  LC_CHECK(check_bytes("action", c.action_json, kAlertActionBytesMax));
  const AlertBook& book = state_.alerts();
  if (const AlertRecord* open = book.find_open(alert_group_key(c.kind, subject))) {
    if (open->severity == c.severity && open->evidence_json == c.evidence_json &&
        open->action_json == c.action_json) {
      return AlertView{*open, false};
    }
    AlertRecord next = *open;
    // An escalation asks for attention again, even when it had been acknowledged.
    if (c.severity > open->severity) next.state = AlertState::raised;
    next.severity = c.severity;
    next.evidence_json = c.evidence_json;
    next.action_json = c.action_json;
    next.updated_at_ms = now_ms_;
    next.updates = open->updates + 1;
    emit(AlertEvent{AlertTransition::updated, next});
    return AlertView{std::move(next), true};
  }
  if (book.open_count() >= kOpenAlertsMax) {
    return fail(ErrorCode::limit_exceeded, "alerts",
                fmt::format("{} open alerts: resolve some first", kOpenAlertsMax));
  }
  AlertRecord record;
  record.alert_id = book.next_alert_id();
  record.kind = c.kind;
  record.severity = c.severity;
  record.subject = std::move(subject);
  record.evidence_json = c.evidence_json;
  record.action_json = c.action_json;
  record.raised_at_ms = record.updated_at_ms = now_ms_;
  emit(AlertEvent{AlertTransition::raised, record});
  LC_ASSERT(book.find(record.alert_id) != nullptr);
  return AlertView{std::move(record), true};
}

Result<const AlertRecord*> Engine::Handlers::alert_to_change(uint64_t alert_id,
                                                             const std::string& kind,
                                                             const AlertSubject& subject,
                                                             const std::string& note) const {
  LC_CHECK(check_note(note));
  const AlertBook& book = state_.alerts();
  if (alert_id != 0) {
    const AlertRecord* record = book.find(alert_id);
    if (record == nullptr) {
      return fail(ErrorCode::not_found, "alert_id", fmt::format("no alert {}", alert_id));
    }
    return record;
  }
  LC_CHECK(validate_identifier("kind", kind));
  LC_TRY(canonical, canonical_subject(subject, true));
  const AlertRecord* record = book.find_open(alert_group_key(kind, canonical));
  if (record == nullptr) {
    return fail(ErrorCode::not_found, "subject",
                fmt::format("no open alert of kind '{}' for this subject", kind));
  }
  return record;
}

Result<Reply> Engine::Handlers::operator()(const AcknowledgeAlert& c) {
  LC_TRY(found, alert_to_change(c.alert_id, "", {}, c.note));
  const AlertRecord& record = *found;
  if (record.state == AlertState::resolved) {
    return fail(ErrorCode::invalid_state, "alert_id",
                fmt::format("alert {} is already resolved", record.alert_id));
  }
  if (record.state == AlertState::acknowledged) return AlertView{record, false};
  AlertRecord next = record;
  next.state = AlertState::acknowledged;
  next.acknowledged_at_ms = next.updated_at_ms = now_ms_;
  if (!c.note.empty()) next.note = c.note;
  emit(AlertEvent{AlertTransition::acknowledged, next});
  return AlertView{std::move(next), true};
}

Result<Reply> Engine::Handlers::operator()(const ResolveAlert& c) {
  LC_TRY(found, alert_to_change(c.alert_id, c.kind, c.subject, c.note));
  const AlertRecord& record = *found;
  if (record.state == AlertState::resolved) return AlertView{record, false};
  AlertRecord next = record;
  next.state = AlertState::resolved;
  next.resolved_at_ms = next.updated_at_ms = now_ms_;
  if (!c.note.empty()) next.note = c.note;
  emit(AlertEvent{AlertTransition::resolved, next});
  LC_ASSERT(state_.alerts().find_open(alert_group_key(next.kind, next.subject)) == nullptr);
  return AlertView{std::move(next), true};
}

Result<AlertRecord> Engine::alert(uint64_t alert_id) const {
  const AlertRecord* record = state_.alerts().find(alert_id);
  if (record == nullptr) {
    return fail(ErrorCode::not_found, "alert_id", fmt::format("no alert {}", alert_id));
  }
  return *record;
}

}  // namespace livechain::engine
