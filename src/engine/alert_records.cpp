// Names of alert enums and the grouping key.
#include "engine/alert_records.hpp"

#include <array>

namespace livechain::engine {

namespace {
constexpr std::array<std::string_view, 4> kSeverityNames = {"info", "yellow", "orange", "red"};
constexpr std::array<std::string_view, 3> kStateNames = {"raised", "acknowledged", "resolved"};
constexpr std::array<std::string_view, 4> kTransitionNames = {"raised", "updated", "acknowledged",
                                                              "resolved"};
}  // namespace

std::string_view alert_severity_name(AlertSeverity severity) {
  return kSeverityNames.at(static_cast<size_t>(severity));
}
std::string_view alert_state_name(AlertState state) {
  return kStateNames.at(static_cast<size_t>(state));
}
std::string_view alert_transition_name(AlertTransition transition) {
  return kTransitionNames.at(static_cast<size_t>(transition));
}

bool parse_alert_severity(std::string_view name, AlertSeverity& out) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) {
      out = static_cast<AlertSeverity>(i);
      return true;
    }
  }
  return false;
}

bool parse_alert_state(std::string_view name, AlertState& out) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) {
      out = static_cast<AlertState>(i);
      return true;
    }
  }
  return false;
}

// Unit separators cannot occur in identifiers or validated text, so distinct
// (kind, subject) pairs give distinct keys.
std::string alert_group_key(std::string_view kind, const AlertSubject& subject) {
  std::string key(kind);
  for (const auto& [name, value] : subject) {
    key += '\x1f';
    key += name;
    key += '\x1e';
    key += value;
  }
  return key;
}

}  // namespace livechain::engine
