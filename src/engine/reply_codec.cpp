// Binary form of engine replies and the canonical fingerprint of commands: what an
// idempotency key remembers (the first reply) and compares (the request). The reply
// bytes live inside `idempotency_recorded` events (docs/events.md), so the layout is
// part of the journal format: append alternatives, never reorder.
//   u8 tag (Reply alternative index) | fields of the alternative
#include <fmt/format.h>

#include "core/gtin.hpp"
#include "engine/engine.hpp"
#include "journal/journal.hpp"

namespace livechain::engine {

// alert_book.cpp: one layout for an alert record in events, snapshots and replies.
void put_alert_record(ByteWriter& out, const AlertRecord& record);
bool get_alert_record(ByteReader& in, AlertRecord& record);
void put_silence_record(ByteWriter& out, const SilenceRecord& record);
bool get_silence_record(ByteReader& in, SilenceRecord& record);

namespace {
constexpr size_t kReplyStringMax = 4096;
constexpr size_t kReplyItemsMax = 1 << 16;

class ReplyWriter {
 public:
  explicit ReplyWriter(ByteWriter& out) : out_(out) {}
  void operator()(const Done&) {}
  void operator()(const ReservationView& v) {
    out_.put_varint(v.reservation_id);
    out_.put_string(v.order_id);
    out_.put_string(v.channel_id);
    out_.put_u8(static_cast<uint8_t>(v.status));
    out_.put_u8(v.presale ? 1 : 0);
    out_.put_signed_varint(v.expires_at_ms);
    out_.put_varint(v.lines.size());
    for (const ReservationLineView& line : v.lines) {
      out_.put_string(line.gtin);
      out_.put_string(line.location_id);
      out_.put_signed_varint(line.qty_units);
      out_.put_u8(line.committed_units ? 1 : 0);
      out_.put_signed_varint(line.committed_units.value_or(0));
    }
  }
  void operator()(const TransferView& v) {
    out_.put_varint(v.transfer_id);
    out_.put_string(v.gtin);
    out_.put_string(v.from_location_id);
    out_.put_string(v.to_location_id);
    out_.put_signed_varint(v.shipped_units);
    out_.put_u8(v.received_units ? 1 : 0);
    out_.put_signed_varint(v.received_units.value_or(0));
  }
  void operator()(const ReturnView& v) {
    out_.put_varint(v.return_id);
    out_.put_string(v.gtin);
    out_.put_string(v.location_id);
    for (int64_t n : {v.received_units, v.quarantine_units, v.rework_units, v.restocked_units,
                      v.scrapped_units}) {
      out_.put_signed_varint(n);
    }
  }
  void operator()(const BalanceView& v) {
    out_.put_string(v.gtin);
    out_.put_string(v.location_id);
    const Balance& b = v.balance;
    for (int64_t n : {b.on_hand_units, b.reserved_units, b.in_transit_units, b.quarantine_units,
                      b.rework_units, b.presale_planned_units, b.presale_reserved_units,
                      b.presale_committed_units, b.received_units, b.sold_units, b.scrapped_units,
                      b.lost_in_transit_units, b.adjusted_units}) {
      out_.put_signed_varint(n);
    }
  }
  void operator()(const ExpiredView& v) {
    out_.put_varint(v.reservation_ids.size());
    for (uint64_t id : v.reservation_ids) out_.put_varint(id);
  }
  void operator()(const AllocationsView& v) {
    out_.put_varint(v.allocations.size());
    for (const AllocationView& a : v.allocations) {
      out_.put_string(a.channel_id);
      out_.put_string(a.gtin);
      out_.put_string(a.location_id);
      out_.put_signed_varint(a.qty_units);
    }
  }
  void operator()(const AlertView& v) {
    put_alert_record(out_, v.record);
    out_.put_u8(v.changed ? 1 : 0);
  }
  void operator()(const BatchView& v) {
    out_.put_varint(v.batch_id);
    out_.put_string(v.gtin);
    out_.put_string(v.lot);
    out_.put_signed_varint(v.produced_at_ms);
    out_.put_string(v.factory_id);
    out_.put_varint(v.inspection_reports.size());
    for (const std::string& report : v.inspection_reports) out_.put_string(report);
    out_.put_varint(v.units_issued);
    out_.put_u8(v.issued_first_serial && v.issued_last_serial ? 1 : 0);
    out_.put_varint(v.issued_first_serial.value_or(0));
    out_.put_varint(v.issued_last_serial.value_or(0));
    out_.put_u8(v.recalled ? 1 : 0);
    out_.put_signed_varint(v.recalled_at_ms);
    out_.put_string(v.recall_reason);
    out_.put_signed_varint(v.quarantined_units);
  }
  void operator()(const SilenceView& v) { put_silence_record(out_, v.record); }
  void operator()(const StoredAnswer& v) {
    out_.put_varint(v.status);
    out_.put_string(v.content_type);
    out_.put_string(v.body);
  }

 private:
  ByteWriter& out_;
};

Reply read_alternative(size_t tag, ByteReader& in) {
  auto text = [&in] { return in.get_string(kReplyStringMax); };
  switch (tag) {
    case 1: {
      ReservationView v;
      v.reservation_id = in.get_varint();
      v.order_id = text();
      v.channel_id = text();
      v.status = static_cast<ReservationStatus>(in.get_u8());
      v.presale = in.get_u8() != 0;
      v.expires_at_ms = in.get_signed_varint();
      uint64_t count = in.get_varint();
      for (uint64_t i = 0; i < count && i < kReplyItemsMax && in.ok(); ++i) {
        ReservationLineView line;
        line.gtin = text();
        line.location_id = text();
        line.qty_units = in.get_signed_varint();
        bool committed = in.get_u8() != 0;
        int64_t units = in.get_signed_varint();
        if (committed) line.committed_units = units;
        v.lines.push_back(std::move(line));
      }
      return v;
    }
    case 2: {
      TransferView v;
      v.transfer_id = in.get_varint();
      v.gtin = text();
      v.from_location_id = text();
      v.to_location_id = text();
      v.shipped_units = in.get_signed_varint();
      bool received = in.get_u8() != 0;
      int64_t units = in.get_signed_varint();
      if (received) v.received_units = units;
      return v;
    }
    case 3: {
      ReturnView v;
      v.return_id = in.get_varint();
      v.gtin = text();
      v.location_id = text();
      for (int64_t* n : {&v.received_units, &v.quarantine_units, &v.rework_units,
                         &v.restocked_units, &v.scrapped_units}) {
        *n = in.get_signed_varint();
      }
      return v;
    }
    case 4: {
      BalanceView v;
      v.gtin = text();
      v.location_id = text();
      Balance& b = v.balance;
      for (int64_t* n :
           {&b.on_hand_units, &b.reserved_units, &b.in_transit_units, &b.quarantine_units,
            &b.rework_units, &b.presale_planned_units, &b.presale_reserved_units,
            &b.presale_committed_units, &b.received_units, &b.sold_units, &b.scrapped_units,
            &b.lost_in_transit_units, &b.adjusted_units}) {
        *n = in.get_signed_varint();
      }
      return v;
    }
    case 5: {
      ExpiredView v;
      uint64_t count = in.get_varint();
      for (uint64_t i = 0; i < count && i < kReplyItemsMax && in.ok(); ++i) {
        v.reservation_ids.push_back(in.get_varint());
      }
      return v;
    }
    case 6: {
      AllocationsView v;
      uint64_t count = in.get_varint();
      for (uint64_t i = 0; i < count && i < kReplyItemsMax && in.ok(); ++i) {
        AllocationView a;
        a.channel_id = text();
        a.gtin = text();
        a.location_id = text();
        a.qty_units = in.get_signed_varint();
        v.allocations.push_back(std::move(a));
      }
      return v;
    }
    case 7: {
      AlertView v;
      if (!get_alert_record(in, v.record)) return Done{};  // caught by the caller's check
      v.changed = in.get_u8() != 0;
      return v;
    }
    case 8: {
      BatchView v;
      v.batch_id = in.get_varint();
      v.gtin = text();
      v.lot = text();
      v.produced_at_ms = in.get_signed_varint();
      v.factory_id = text();
      uint64_t count = in.get_varint();
      for (uint64_t i = 0; i < count && i < kReplyItemsMax && in.ok(); ++i) {
        v.inspection_reports.push_back(text());
      }
      v.units_issued = in.get_varint();
      bool issued = in.get_u8() != 0;
      uint64_t first = in.get_varint(), last = in.get_varint();
      if (issued) v.issued_first_serial = first, v.issued_last_serial = last;
      if (in.at_end()) return v;  // stored before recalls existed
      v.recalled = in.get_u8() != 0;
      v.recalled_at_ms = in.get_signed_varint();
      v.recall_reason = text();
      v.quarantined_units = in.get_signed_varint();
      return v;
    }
    case 9: {
      SilenceView v;
      if (!get_silence_record(in, v.record)) return Done{};
      return v;
    }
    case 10: {
      StoredAnswer v;
      v.status = static_cast<uint16_t>(in.get_varint());
      v.content_type = text();
      v.body = in.get_string(kStoredAnswerBytesMax);
      return v;
    }
    default:
      return Done{};
  }
}

// FNV-1a 64 over a command's fields, with a separator after each, so that two
// commands are equal exactly when their canonical fields are.
class Fingerprint {
 public:
  uint64_t value() const { return hash_; }
  void mix(std::string_view bytes) {
    for (unsigned char c : bytes) hash_ = (hash_ ^ c) * 0x100000001b3ull;
    hash_ = (hash_ ^ 0xff) * 0x100000001b3ull;
  }
  void mix(const std::string& text) { mix(std::string_view(text)); }
  void mix(int64_t number) {
    mix(std::string_view(reinterpret_cast<const char*>(&number), sizeof number));
  }
  void mix(const std::optional<std::string>& text) {
    mix(int64_t{text ? 1 : 0});
    if (text) mix(std::string_view(*text));
  }
  void mix(const std::optional<int64_t>& number) {
    mix(int64_t{number ? 1 : 0});
    if (number) mix(*number);
  }
  // GTINs compare in their canonical 14-digit form ("4006381333931" = "04006381333931").
  void gtin(std::string_view text) {
    auto canonical = normalize_gtin(text);
    mix(canonical ? std::string_view(*canonical) : text);
  }
  void lines(const std::vector<LineRequest>& lines) {
    mix(static_cast<int64_t>(lines.size()));
    for (const LineRequest& line : lines) {
      gtin(line.gtin);
      mix(line.qty_units);
      mix(line.location_id);
      if (line.lot) mix("lot:" + *line.lot);  // absent: the fingerprint of before lots
      for (uint64_t serial : line.serials) mix(static_cast<int64_t>(serial));
    }
  }

  void operator()(const PutSku& c) { gtin(c.gtin), mix(c.name); }
  void operator()(const PutLocation& c) {
    mix(c.location_id), mix(int64_t{static_cast<uint8_t>(c.kind)}), mix(c.region);
  }
  void operator()(const PutChannel& c) {
    mix(c.channel_id), mix(int64_t{static_cast<uint8_t>(c.kind)});
  }
  void operator()(const PutRegionDistance& c) {
    mix(c.region_from), mix(c.region_to), mix(int64_t{c.distance_km});
  }
  void operator()(const ReceiveStock& c) {
    gtin(c.gtin), mix(c.location_id), mix(c.qty_units);
    if (c.lot) mix("lot:" + *c.lot);  // absent: the fingerprint of before lots
  }
  void operator()(const RecallBatch& c) { mix(static_cast<int64_t>(c.batch_id)), mix(c.reason); }
  void operator()(const AdjustStock& c) {
    gtin(c.gtin), mix(c.location_id), mix(c.delta_units), mix(c.reason);
  }
  void operator()(const PlanPresale& c) { gtin(c.gtin), mix(c.location_id), mix(c.planned_units); }
  void operator()(const Reserve& c) { mix(static_cast<int64_t>(reserve_fingerprint(c))); }
  void operator()(const Commit& c) { mix(static_cast<int64_t>(c.reservation_id)), lines(c.lines); }
  void operator()(const Release& c) { mix(static_cast<int64_t>(c.reservation_id)); }
  void operator()(const ExtendReservation& c) {
    mix(static_cast<int64_t>(c.reservation_id)), mix(c.ttl_ms);
  }
  void operator()(const ExpireDue&) {}
  void operator()(const ShipTransfer& c) {
    gtin(c.gtin), mix(c.from_location_id), mix(c.to_location_id), mix(c.qty_units);
  }
  void operator()(const ReceiveTransfer& c) {
    mix(static_cast<int64_t>(c.transfer_id)), mix(c.received_units);
  }
  void operator()(const RerouteTransfer& c) {
    mix(static_cast<int64_t>(c.transfer_id)), mix(c.to_location_id), mix(c.qty_units);
  }
  void operator()(const ReceiveReturn& c) {
    gtin(c.gtin), mix(c.location_id), mix(c.qty_units), mix(c.reason), mix(c.order_id);
  }
  void operator()(const GradeReturn& c) {
    mix(static_cast<int64_t>(c.return_id)), mix(int64_t{static_cast<uint8_t>(c.grade)}),
        mix(c.qty_units);
  }
  void operator()(const CompleteRework& c) {
    mix(static_cast<int64_t>(c.return_id)), mix(c.qty_units);
  }
  void operator()(const SetAllocation& c) {
    mix(c.channel_id), gtin(c.gtin), mix(c.location_id), mix(c.qty_units);
    mix(int64_t{c.remove ? 1 : 0});
  }
  void operator()(const MoveAllocation& c) {
    mix(c.from_channel_id), mix(c.to_channel_id), gtin(c.gtin), mix(c.location_id),
        mix(c.qty_units);
  }
  void subject(const AlertSubject& subject) {
    mix(static_cast<int64_t>(subject.size()));
    for (const auto& [name, value] : subject) mix(name), mix(value);
  }
  void operator()(const RaiseAlert& c) {
    mix(c.kind), mix(int64_t{static_cast<uint8_t>(c.severity)}), subject(c.subject);
    mix(c.evidence_json), mix(c.action_json);
  }
  void operator()(const AcknowledgeAlert& c) { mix(static_cast<int64_t>(c.alert_id)), mix(c.note); }
  void operator()(const ResolveAlert& c) {
    mix(static_cast<int64_t>(c.alert_id)), mix(c.kind), subject(c.subject), mix(c.note);
  }
  void operator()(const CreateBatch& c) {
    gtin(c.gtin), mix(c.lot), mix(c.produced_at_ms), mix(c.factory_id);
    mix(static_cast<int64_t>(c.inspection_reports.size()));
    for (const std::string& report : c.inspection_reports) mix(report);
  }
  void operator()(const IssueUnits& c) { mix(static_cast<int64_t>(c.batch_id)), mix(c.count); }
  void operator()(const PutRuleState& c) {
    mix(int64_t{static_cast<uint8_t>(c.kind)}), mix(c.key), mix(c.body_json);
  }
  void operator()(const CreateSilence& c) {
    mix(static_cast<int64_t>(c.matchers.size()));
    for (const SilenceMatcher& m : c.matchers) mix(m.name), mix(m.value), mix(int64_t{m.is_equal});
    mix(c.starts_at_ms), mix(c.ends_at_ms), mix(c.comment);
  }
  void operator()(const DeleteSilence& c) { mix(static_cast<int64_t>(c.silence_id)); }
  void operator()(const RecordAnswer& c) {
    mix(int64_t{c.status}), mix(c.content_type), mix(c.body);
  }
  void operator()(const CaptureEpcis& c) {
    mix(static_cast<int64_t>(c.events.size()));
    for (const EpcisRecord& e : c.events) mix(e.event_id), mix(e.event_json), mix(e.context_json);
  }
  void operator()(const KeyGuard& c) { mix(static_cast<int64_t>(c.request_fingerprint)); }
  // The request is "restore to T because R": the plan is derived from the ledger, so a
  // retry after success (whose new plan is empty) is the same request and replays.
  void operator()(const RestoreStock& c) { mix(c.to_ms), mix(c.actor), mix(c.reason); }
  void operator()(const Keyed& c) {
    if (c.command) std::visit(*this, c.command->command);
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};
}  // namespace

std::string encode_reply(const Reply& reply) {
  Bytes bytes;
  ByteWriter out(bytes);
  out.put_u8(static_cast<uint8_t>(reply.index()));
  std::visit(ReplyWriter(out), reply);
  return std::string(bytes.begin(), bytes.end());
}

Result<Reply> decode_reply(std::string_view bytes) {
  ByteReader in(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  uint8_t tag = in.get_u8();
  if (!in.ok() || tag >= std::variant_size_v<Reply>) {
    return fail(ErrorCode::corruption, "reply", fmt::format("unknown reply tag {}", tag));
  }
  Reply reply = read_alternative(tag, in);
  if (!in.ok() || !in.at_end() || reply.index() != tag) {
    return fail(ErrorCode::corruption, "reply", "truncated or trailing reply bytes");
  }
  return reply;
}

uint64_t command_fingerprint(const Command& command) {
  Fingerprint fingerprint;
  // The alternative is part of the request: the same fields on another route differ.
  fingerprint.mix(static_cast<int64_t>(command.index()));
  std::visit(fingerprint, command);
  return fingerprint.value();
}

Command with_idempotency_key(Command command, const std::string& idempotency_key) {
  if (idempotency_key.empty()) return command;
  return Keyed{idempotency_key, std::make_shared<const CommandBox>(CommandBox{std::move(command)})};
}

}  // namespace livechain::engine
