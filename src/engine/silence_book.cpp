// Silences in memory, their record layout (events and snapshot section 4).
#include "engine/silence_book.hpp"

#include "core/assert.hpp"

namespace livechain::engine {

namespace {
constexpr size_t kTextMax = 4096;
}

void put_silence_record(ByteWriter& out, const SilenceRecord& r) {
  out.put_varint(r.silence_id);
  out.put_varint(r.matchers.size());
  for (const SilenceMatcher& m : r.matchers) {
    out.put_string(m.name);
    out.put_string(m.value);
    out.put_u8(m.is_equal ? 1 : 0);
  }
  for (TimeMs t : {r.starts_at_ms, r.ends_at_ms, r.created_at_ms}) {
    out.put_varint(static_cast<uint64_t>(t));
  }
  out.put_string(r.comment);
}

// Reads what put_silence_record wrote; `in` turns !ok() on truncation. False when a
// count or flag is out of range.
bool get_silence_record(ByteReader& in, SilenceRecord& r) {
  r.silence_id = in.get_varint();
  uint64_t count = in.get_varint();
  if (count > kSilenceMatchersMax) return false;
  r.matchers.clear();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    SilenceMatcher m;
    m.name = in.get_string(kTextMax);
    m.value = in.get_string(kTextMax);
    uint8_t equal = in.get_u8();
    if (equal > 1) return false;
    m.is_equal = equal == 1;
    r.matchers.push_back(std::move(m));
  }
  for (TimeMs* t : {&r.starts_at_ms, &r.ends_at_ms, &r.created_at_ms}) {
    *t = static_cast<TimeMs>(in.get_varint());
  }
  r.comment = in.get_string(kTextMax);
  return r.silence_id > 0;
}

const SilenceRecord* SilenceBook::find(uint64_t silence_id) const {
  auto found = silences_.find(silence_id);
  return found == silences_.end() ? nullptr : &found->second;
}

std::vector<SilenceRecord> SilenceBook::list() const {
  std::vector<SilenceRecord> out;
  for (const auto& [id, record] : silences_) out.push_back(record);
  return out;
}

size_t SilenceBook::not_ended_count(TimeMs now_ms) const {
  size_t count = 0;
  for (const auto& [id, record] : silences_) count += record.ends_at_ms > now_ms ? 1 : 0;
  return count;
}

void SilenceBook::apply(const SilenceCreatedEvent& created, TimeMs event_ms) {
  LC_ASSERT(created.silence.silence_id == next_silence_id_);
  std::erase_if(silences_,
                [event_ms](const auto& entry) { return entry.second.ends_at_ms <= event_ms; });
  silences_.emplace(created.silence.silence_id, created.silence);
  next_silence_id_ = created.silence.silence_id + 1;
}

void SilenceBook::apply(const SilenceDeletedEvent& deleted) {
  size_t erased = silences_.erase(deleted.silence_id);
  LC_ASSERT(erased == 1);
}

void SilenceBook::serialize(ByteWriter& out) const {
  out.put_varint(next_silence_id_);
  out.put_varint(silences_.size());
  for (const auto& [id, record] : silences_) put_silence_record(out, record);
}

Result<void> SilenceBook::deserialize(ByteReader& in) {
  next_silence_id_ = in.get_varint();
  uint64_t count = in.get_varint();
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    SilenceRecord r;
    if (!get_silence_record(in, r) || r.silence_id >= next_silence_id_) {
      return fail(ErrorCode::corruption, "snapshot", "bad silence record");
    }
    silences_.emplace(r.silence_id, std::move(r));
  }
  if (!in.ok()) return fail(ErrorCode::corruption, "snapshot", "truncated silence section");
  return {};
}

}  // namespace livechain::engine
