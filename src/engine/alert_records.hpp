// src/engine/alert_records.hpp — part of the engine's public surface (included by
// events.hpp and commands.hpp).
//
// Alerts are durable records in the ledger (issue 11): every change of an alert is a
// journal event carrying the whole record after the change, so one leaf tells the
// full story without replay and the outbox can publish it as it stands. The engine
// only keeps the records and their life (raised → acknowledged → resolved) and groups
// an open alert of the same kind and subject (Alertmanager's grouping); the rules
// that decide when to raise live in src/alerts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace livechain::engine {

// Graded response (spec §4): yellow, orange, red; info for notices. Ordered: a higher
// value is more severe. Part of the event encoding: never renumber.
enum class AlertSeverity : uint8_t { info = 0, yellow = 1, orange = 2, red = 3 };
enum class AlertState : uint8_t { raised = 0, acknowledged = 1, resolved = 2 };
// What an alert event records; part of the event kind (30 + value).
enum class AlertTransition : uint8_t { raised = 0, updated = 1, acknowledged = 2, resolved = 3 };

// (name, value) pairs such as ("sku", "06901234567892"), ("location", "dc-east"),
// sorted by name, names unique: the canonical form the grouping key is built from.
using AlertSubject = std::vector<std::pair<std::string, std::string>>;

inline constexpr size_t kAlertSubjectFieldsMax = 8;
inline constexpr size_t kAlertSubjectValueLengthMax = 200;
inline constexpr size_t kAlertEvidenceBytesMax = 4096;  // JSON object text
inline constexpr size_t kAlertActionBytesMax = 2048;    // JSON object text
inline constexpr size_t kAlertNoteBytesMax = 200;
inline constexpr size_t kOpenAlertsMax = 100'000;
// Records kept in memory for GET /v1/alerts; beyond it the oldest resolved ones are
// forgotten from memory (they stay in the journal).
inline constexpr size_t kAlertRecordsMax = 1'000'000;

struct AlertRecord {
  uint64_t alert_id = 0;
  std::string kind;  // identifier, e.g. "add_to_cart_surge"
  AlertSeverity severity = AlertSeverity::info;
  AlertSubject subject;
  std::string evidence_json;  // JSON object text; opaque to the engine
  std::string action_json;    // JSON object text of the proposed action; may be empty
  AlertState state = AlertState::raised;
  TimeMs raised_at_ms = 0;
  TimeMs updated_at_ms = 0;
  TimeMs acknowledged_at_ms = 0;  // 0: not acknowledged
  TimeMs resolved_at_ms = 0;      // 0: open
  uint32_t updates = 0;           // times the open alert was raised again and changed
  std::string note;               // the last ack/resolve note; may be empty
  bool operator==(const AlertRecord&) const = default;
};

std::string_view alert_severity_name(AlertSeverity severity);

// ---- silences (issue 11 §4: notifications muted by matchers for a time) ----------
// A silence mutes the notifications (e-mail, chat, routed webhooks) of alerts whose
// labels (kind, severity, subject fields) match every matcher, while starts_at <=
// the alert's time < ends_at. Silences are journaled (kinds 70–71) and kept by the
// engine (snapshot section 4); the alerts module applies them.
struct SilenceMatcher {
  std::string name;  // "kind", "severity" or a subject field ("sku", "location" …)
  std::string value;
  bool is_equal = true;  // false: the label must differ from value
  bool operator==(const SilenceMatcher&) const = default;
};
struct SilenceRecord {
  uint64_t silence_id = 0;
  std::vector<SilenceMatcher> matchers;
  TimeMs starts_at_ms = 0;
  TimeMs ends_at_ms = 0;
  TimeMs created_at_ms = 0;
  std::string comment;
  bool operator==(const SilenceRecord&) const = default;
};
inline constexpr size_t kSilencesMax = 1'000;  // not yet ended
inline constexpr size_t kSilenceMatchersMax = 16;
inline constexpr size_t kSilenceValueLengthMax = 200;
inline constexpr size_t kSilenceCommentBytesMax = 500;
inline constexpr TimeMs kSilenceDurationMaxMs = 366LL * 86'400'000;

std::string_view alert_state_name(AlertState state);
std::string_view alert_transition_name(AlertTransition transition);
// "red" → red … ; nullopt for an unknown name.
bool parse_alert_severity(std::string_view name, AlertSeverity& out);
bool parse_alert_state(std::string_view name, AlertState& out);

// The grouping key: kind and the canonical subject.
std::string alert_group_key(std::string_view kind, const AlertSubject& subject);

// Durable rule state records (events 60–69, engine/events.hpp): the alert rules' (0–5)
// and planning's (6–7: planned live sessions and the decisions taken for them; 8–9:
// production's factories and orders, docs/planning.md "In the server").
enum class RuleStateKind : uint8_t {
  session_plan = 0,
  warehouse = 1,
  lane = 2,
  shipment = 3,
  forecast_safety = 4,
  turnover = 5,
  live_session = 6,      // src/planning: a planned live session (tier, start, SKUs)
  plan_decision = 7,     // src/planning: one decision (who, when, inputs, result)
  factory = 8,           // src/planning: a factory of flexible production (key = its id)
  production_order = 9,  // src/planning: a production order (key = its id)
};
inline constexpr uint8_t kRuleStateKindLast = 9;
inline constexpr size_t kRuleStateKeyBytesMax = 256;
inline constexpr size_t kRuleStateBodyBytesMax = 64 * 1024;
inline constexpr size_t kRuleStatesMax = 1'000'000;  // records of all kinds

}  // namespace livechain::engine
