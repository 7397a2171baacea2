// Rule state records (events 60–69): the alerts module's session plans, warehouse
// windows, lanes and shipments, and planning's sessions, decisions, factories and
// production orders, kept durable by the engine as opaque JSON bodies.
#include "engine/handlers.hpp"

namespace livechain::engine {

Result<Reply> Engine::Handlers::operator()(const PutRuleState& c) {
  if (static_cast<uint8_t>(c.kind) > kRuleStateKindLast) {
    return fail(ErrorCode::invalid_argument, "kind", "unknown rule state kind");
  }
  if (c.key.empty() || c.key.size() > kRuleStateKeyBytesMax) {
    return fail(ErrorCode::invalid_argument, "key",
                fmt::format("must be 1..{} bytes", kRuleStateKeyBytesMax));
  }
  if (c.body_json.size() > kRuleStateBodyBytesMax) {
    return fail(
        ErrorCode::limit_exceeded, "state",
        fmt::format("{} bytes exceed the limit of {}", c.body_json.size(), kRuleStateBodyBytesMax));
  }
  const auto& records = state_.rule_states();
  auto found = records.find({c.kind, c.key});
  if (found == records.end()) {
    if (c.body_json.empty()) return Done{};
    if (records.size() >= kRuleStatesMax) {
      return fail(ErrorCode::limit_exceeded, "rule_state",
                  fmt::format("{} rule state records: the limit", kRuleStatesMax));
    }
  } else if (found->second == c.body_json) {
    return Done{};  // unchanged: journal nothing
  }
  emit(RuleStateEvent{c.kind, c.key, c.body_json});
  return Done{};
}

}  // namespace livechain::engine
