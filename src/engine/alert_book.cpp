// Alert records in memory: grouping index, life-cycle transitions, snapshot section.
#include "engine/alert_book.hpp"

#include "core/assert.hpp"

namespace livechain::engine {

namespace {
constexpr size_t kSnapshotTextMax = 8192;

void put_record(ByteWriter& out, const AlertRecord& r) {
  out.put_varint(r.alert_id);
  out.put_string(r.kind);
  out.put_u8(static_cast<uint8_t>(r.severity));
  out.put_varint(r.subject.size());
  for (const auto& [name, value] : r.subject) out.put_string(name), out.put_string(value);
  out.put_string(r.evidence_json);
  out.put_string(r.action_json);
  out.put_u8(static_cast<uint8_t>(r.state));
  for (TimeMs t : {r.raised_at_ms, r.updated_at_ms, r.acknowledged_at_ms, r.resolved_at_ms}) {
    out.put_varint(static_cast<uint64_t>(t));
  }
  out.put_varint(r.updates);
  out.put_string(r.note);
}
}  // namespace

// Shared with the event codec: one layout for a record in events and snapshots.
void put_alert_record(ByteWriter& out, const AlertRecord& record) {
  put_record(out, record);
}

// Reads what put_alert_record wrote; `in` turns !ok() on truncation. False when an
// enum or count is out of range.
bool get_alert_record(ByteReader& in, AlertRecord& r) {
  r.alert_id = in.get_varint();
  r.kind = in.get_string(kSnapshotTextMax);
  uint8_t severity = in.get_u8();
  uint64_t fields = in.get_varint();
  if (severity > static_cast<uint8_t>(AlertSeverity::red) || fields > kAlertSubjectFieldsMax) {
    return false;
  }
  r.severity = static_cast<AlertSeverity>(severity);
  r.subject.clear();
  for (uint64_t i = 0; i < fields && in.ok(); ++i) {
    std::string name = in.get_string(kSnapshotTextMax);
    r.subject.emplace_back(std::move(name), in.get_string(kSnapshotTextMax));
  }
  r.evidence_json = in.get_string(kSnapshotTextMax);
  r.action_json = in.get_string(kSnapshotTextMax);
  uint8_t state = in.get_u8();
  if (state > static_cast<uint8_t>(AlertState::resolved)) return false;
  r.state = static_cast<AlertState>(state);
  for (TimeMs* t : {&r.raised_at_ms, &r.updated_at_ms, &r.acknowledged_at_ms, &r.resolved_at_ms}) {
    *t = static_cast<TimeMs>(in.get_varint());
  }
  r.updates = static_cast<uint32_t>(in.get_varint());
  r.note = in.get_string(kSnapshotTextMax);
  return r.alert_id > 0;
}

const AlertRecord* AlertBook::find(uint64_t alert_id) const {
  auto found = records_.find(alert_id);
  return found == records_.end() ? nullptr : &found->second;
}

const AlertRecord* AlertBook::find_open(std::string_view group_key) const {
  auto found = open_by_group_.find(group_key);
  return found == open_by_group_.end() ? nullptr : find(found->second);
}

std::vector<AlertRecord> AlertBook::list(const AlertFilter& filter) const {
  std::vector<AlertRecord> out;
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < filter.limit; ++it) {
    const AlertRecord& r = it->second;
    if (filter.state && r.state != *filter.state) continue;
    if (filter.severity && r.severity != *filter.severity) continue;
    if (!filter.kind.empty() && r.kind != filter.kind) continue;
    if (r.updated_at_ms < filter.since_ms) continue;
    out.push_back(r);
  }
  return out;
}

void AlertBook::apply(const AlertEvent& event) {
  const AlertRecord& r = event.record;
  LC_ASSERT(r.alert_id > 0);
  std::string group = alert_group_key(r.kind, r.subject);
  auto existing = records_.find(r.alert_id);
  switch (event.transition) {
    case AlertTransition::raised:
      LC_ASSERT(r.alert_id == next_alert_id_ && existing == records_.end());
      LC_ASSERT(r.state == AlertState::raised && !open_by_group_.contains(group));
      next_alert_id_ = r.alert_id + 1;
      open_by_group_.emplace(group, r.alert_id);
      records_.emplace(r.alert_id, r);
      break;
    case AlertTransition::updated:
    case AlertTransition::acknowledged:
      LC_ASSERT(existing != records_.end() && existing->second.state != AlertState::resolved);
      LC_ASSERT(r.state != AlertState::resolved && open_by_group_.contains(group));
      existing->second = r;
      break;
    case AlertTransition::resolved:
      LC_ASSERT(existing != records_.end() && existing->second.state != AlertState::resolved);
      LC_ASSERT(r.state == AlertState::resolved);
      open_by_group_.erase(group);
      existing->second = r;
      resolved_order_.push_back(r.alert_id);
      break;
  }
  while (records_.size() > kAlertRecordsMax && !resolved_order_.empty()) forget_oldest_resolved();
  LC_ASSERT(open_by_group_.size() <= records_.size());
}

void AlertBook::forget_oldest_resolved() {
  records_.erase(resolved_order_.front());
  resolved_order_.pop_front();
}

void AlertBook::serialize(ByteWriter& out) const {
  out.put_varint(next_alert_id_);
  out.put_varint(records_.size());
  for (const auto& [id, record] : records_) put_record(out, record);
  out.put_varint(resolved_order_.size());
  for (uint64_t id : resolved_order_) out.put_varint(id);
}

Result<void> AlertBook::deserialize(ByteReader& in) {
  next_alert_id_ = in.get_varint();
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && i <= kAlertRecordsMax && in.ok(); ++i) {
    AlertRecord r;
    if (!get_alert_record(in, r)) {
      return fail(ErrorCode::corruption, "snapshot", "bad alert record");
    }
    if (r.state != AlertState::resolved) {
      open_by_group_.emplace(alert_group_key(r.kind, r.subject), r.alert_id);
    }
    records_.emplace(r.alert_id, std::move(r));
  }
  count = in.get_varint();
  for (uint64_t i = 0; i < count && i <= kAlertRecordsMax && in.ok(); ++i) {
    resolved_order_.push_back(in.get_varint());
  }
  if (!in.ok()) return fail(ErrorCode::corruption, "snapshot", "truncated alert section");
  return {};
}

}  // namespace livechain::engine
