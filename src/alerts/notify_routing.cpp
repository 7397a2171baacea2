// Who hears about an alert: the routing tree, silences and inhibition (Alertmanager's
// semantics, on an alert's labels).
#include <algorithm>

#include "alerts/alerts.hpp"

namespace livechain::alerts {

Labels alert_labels(const engine::AlertRecord& record) {
  Labels labels;
  for (const auto& [name, value] : record.subject) labels[name] = value;
  // kind and severity are the alert's own: a subject field of that name yields.
  labels["kind"] = record.kind;
  labels["severity"] = std::string(engine::alert_severity_name(record.severity));
  return labels;
}

bool LabelMatcher::matches(const Labels& labels) const {
  auto found = labels.find(name);
  std::string_view value = found == labels.end() ? std::string_view() : found->second;
  bool listed = std::find(values.begin(), values.end(), value) != values.end();
  return listed == is_equal;
}

namespace {
bool all_match(const std::vector<LabelMatcher>& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const LabelMatcher& m) { return m.matches(labels); });
}

// Appends the receivers of `route` (known to match) to `out`; `inherited` is the
// nearest ancestor's receiver.
void collect(const Route& route, const Labels& labels, const std::string& inherited,
             std::vector<std::string>& out) {
  const std::string& receiver = route.receiver.empty() ? inherited : route.receiver;
  bool child_matched = false;
  for (const Route& child : route.routes) {
    if (!all_match(child.matchers, labels)) continue;
    child_matched = true;
    collect(child, labels, receiver, out);
    if (!child.continue_matching) break;
  }
  if (!child_matched && !receiver.empty() &&
      std::find(out.begin(), out.end(), receiver) == out.end()) {
    out.push_back(receiver);
  }
}
}  // namespace

std::vector<std::string> route_alert(const Route& root, const Labels& labels) {
  std::vector<std::string> out;
  collect(root, labels, root.receiver, out);
  return out;
}

bool silenced(const std::vector<engine::SilenceRecord>& silences, const Labels& labels,
              TimeMs at_ms) {
  for (const engine::SilenceRecord& s : silences) {
    if (at_ms < s.starts_at_ms || at_ms >= s.ends_at_ms) continue;
    bool all = std::all_of(s.matchers.begin(), s.matchers.end(), [&](const auto& m) {
      return LabelMatcher{m.name, {m.value}, m.is_equal}.matches(labels);
    });
    if (all) return true;
  }
  return false;
}

bool inhibited(const std::vector<InhibitRule>& rules, const std::vector<OpenAlertLabels>& open,
               uint64_t self_id, const Labels& labels) {
  for (const InhibitRule& rule : rules) {
    if (!all_match(rule.target, labels)) continue;
    for (const OpenAlertLabels& source : open) {
      if (source.alert_id == self_id || !all_match(rule.source, source.labels)) continue;
      // An equal label must be present on both and the same (stricter than
      // Alertmanager, where two missing labels are equal).
      bool equal = std::all_of(rule.equal.begin(), rule.equal.end(), [&](const std::string& n) {
        auto a = labels.find(n);
        auto b = source.labels.find(n);
        return a != labels.end() && b != source.labels.end() && a->second == b->second;
      });
      if (equal) return true;
    }
  }
  return false;
}

}  // namespace livechain::alerts
