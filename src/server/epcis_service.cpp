// src/server/epcis_service.cpp — EPCIS capture, the index that follows the journal.
#include "server/epcis_service.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <future>
#include <random>
#include <set>

#include "core/assert.hpp"
#include "engine/engine.hpp"
#include "journal/journal.hpp"
#include "store/store.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {

constexpr size_t kIndexRowsPerTransaction = 1000;

const std::string* field(const engine::EventDescription& d, std::string_view name) {
  for (const engine::EventField& f : d.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

int64_t number(const std::string* text) {
  return text ? std::strtoll(text->c_str(), nullptr, 10) : 0;
}

store::EpcisIndexRow row_of(const trace::EpcisEvent& e, uint64_t seq, TimeMs record_time_ms,
                            bool captured) {
  store::EpcisIndexRow row;
  row.seq = seq;
  row.event_id = e.event_id;
  row.captured = captured;
  row.type = e.type;
  row.event_time_ms = e.event_time_ms;
  row.record_time_ms = record_time_ms;
  row.action = e.action;
  row.biz_step = e.biz_step;
  row.disposition = e.disposition;
  row.read_point = e.read_point;
  row.biz_location = e.biz_location;
  row.epcs = e.epcs;
  row.epc_classes = e.epc_classes;
  row.content_sha256 = e.content_sha256;
  row.json = e.json;
  return row;
}

// A captured leaf back into its index fields: the event inside a one-event document
// with the prefixes it was captured with.
Result<trace::EpcisEvent> reparse(const std::string& event_json, const std::string& context_json) {
  std::string document =
      fmt::format(R"({{"@context":["{}",{}],"type":"EPCISDocument","schemaVersion":"2.0",)"
                  R"("creationDate":"2000-01-01T00:00:00Z","epcisBody":{{"eventList":[{}]}}}})",
                  trace::kEpcisGs1Context, context_json.empty() ? "{}" : context_json, event_json);
  LC_TRY(parsed, trace::parse_epcis_document(document));
  return std::move(parsed.events.front());
}

// The ObjectEvent row of one engine movement (nothing for an empty one).
void add_movement(std::vector<store::EpcisIndexRow>& rows, trace::LedgerMovement movement) {
  if (movement.qty_units <= 0 || movement.gtin14.empty() || movement.location_id.empty()) return;
  const uint64_t seq = movement.seq;
  const TimeMs time_ms = movement.time_ms;
  rows.push_back(row_of(trace::epcis_event_of_movement(movement), seq, time_ms, false));
  rows.back().context_json =
      json::serialize(json::object{{"livechain", trace::kLivechainEpcisNamespace}});
}

// Sales: a committed reservation's lines, located by the reserved event's note.
Result<void> add_sales(store::EpcisStore& store, uint64_t seq, const engine::EventDescription& d,
                       std::vector<store::EpcisIndexRow>& rows) {
  LC_TRY(note, store.note("reservation:" + *field(d, "reservation_id")));
  if (!note) return {};
  json::value lines = json::parse(*note);
  size_t line = 0;
  for (const engine::EventField& f : d.fields) {
    if (f.name != "committed") continue;
    if (line < lines.as_array().size()) {
      const json::array& l = lines.as_array()[line].as_array();
      add_movement(rows,
                   {"sale", seq, d.time_ms, std::string(l[0].as_string()),
                    std::string(l[1].as_string()), "", std::strtoll(f.value.c_str(), nullptr, 10)});
    }
    ++line;
  }
  return {};
}

// What one journal leaf adds to the index: a captured event, an engine movement as an
// ObjectEvent, or a note later leaves need (a transfer's SKU and destination, a
// reservation's lines). Notes are written at once; writing one twice (after a crash
// before the cursor moved) stores the same value.
Result<void> index_leaf(store::EpcisStore& store, uint64_t seq, const engine::EventDescription& d,
                        std::vector<store::EpcisIndexRow>& rows) {
  const std::string* sku = field(d, "sku");
  const std::string* location = field(d, "location");
  if (d.kind == "epcis_captured") {
    const std::string& context = *field(d, "context");
    auto event = reparse(*field(d, "event"), context);
    if (!event) {
      std::fprintf(stderr, "epcis: leaf %llu not indexed: %s\n",
                   static_cast<unsigned long long>(seq), event.error().to_string().c_str());
      return {};
    }
    rows.push_back(row_of(*event, seq, d.time_ms, true));
    rows.back().event_id = *field(d, "event_id");
    rows.back().context_json = context.empty() ? "{}" : context;
  } else if (d.kind == "stock_received") {
    add_movement(rows, {"receipt", seq, d.time_ms, *sku, *location, "", number(field(d, "qty"))});
  } else if (d.kind == "return_received") {
    add_movement(rows, {"return", seq, d.time_ms, *sku, *location, "", number(field(d, "qty"))});
  } else if (d.kind == "transfer_shipped") {
    const std::string& to = *field(d, "to");
    LC_CHECK(store.put_note("transfer:" + *field(d, "transfer_id"), *sku + " " + to));
    add_movement(rows,
                 {"ship", seq, d.time_ms, *sku, *field(d, "from"), to, number(field(d, "qty"))});
  } else if (d.kind == "transfer_received") {
    LC_TRY(note, store.note("transfer:" + *field(d, "transfer_id")));
    if (note) {
      size_t space = note->find(' ');
      add_movement(rows, {"receive", seq, d.time_ms, note->substr(0, space),
                          note->substr(space + 1), "", number(field(d, "received"))});
    }
  } else if (d.kind == "reserved") {
    json::array lines;
    for (size_t i = 0; i + 2 < d.fields.size(); ++i) {
      if (d.fields[i].name == "sku" && d.fields[i + 1].name == "location") {
        lines.push_back(
            json::array{json::string(d.fields[i].value), json::string(d.fields[i + 1].value)});
      }
    }
    LC_CHECK(store.put_note("reservation:" + *field(d, "reservation_id"), json::serialize(lines)));
  } else if (d.kind == "committed") {
    LC_CHECK(add_sales(store, seq, d, rows));
  }
  return {};
}

std::string new_capture_id(TimeMs now_ms, uint64_t counter) {
  std::random_device device;
  uint64_t random = (uint64_t{device()} << 32) ^ device();
  return fmt::format("{:x}-{:x}-{:016x}", now_ms, counter, random);
}

}  // namespace

EpcisService::EpcisService(std::string db_path, store::EpcisStore& store,
                           engine::Sequencer& sequencer, const Clock& clock)
    : db_path_(std::move(db_path)), store_(store), sequencer_(sequencer), clock_(clock) {}

EpcisService::~EpcisService() {
  stopping_ = true;
  if (catch_up_.joinable()) catch_up_.join();
}

void EpcisService::start_catch_up() {
  LC_ASSERT(!catch_up_.joinable());
  catch_up_ = std::thread([this] {
    if (auto synced = sync(); !synced && !stopping_) {
      std::fprintf(stderr, "epcis: index not brought up to date: %s\n",
                   synced.error().to_string().c_str());
    }
  });
}

Result<void> EpcisService::sync() {
  std::lock_guard lock(mutex_);
  return sync_locked();
}

Result<void> EpcisService::sync_locked() {
  LC_TRY(next, store_.next_seq());
  LC_TRY(storage, store::open_sqlite(db_path_, store::OpenMode::reader));
  LC_TRY(journal, journal::Journal::open(*storage, std::nullopt));
  if (journal->tree_size() <= next) return {};
  std::vector<store::EpcisIndexRow> rows;
  uint64_t cursor = next;
  auto visit = [&](uint64_t seq, std::span<const uint8_t> data) -> Result<void> {
    if (stopping_) return fail(ErrorCode::shutting_down, "", "the server is stopping");
    LC_TRY(described, engine::describe_stored_event(data));
    LC_CHECK(index_leaf(store_, seq, described, rows));
    cursor = seq + 1;
    if (rows.size() >= kIndexRowsPerTransaction) {
      LC_CHECK(store_.index(rows, cursor));
      rows.clear();
    }
    return {};
  };
  LC_CHECK(journal->replay(next, visit));
  return store_.index(rows, cursor);
}

Result<store::EpcisJob> EpcisService::capture(std::string_view body) {
  LC_TRY(document, trace::parse_epcis_document(body));
  std::lock_guard lock(mutex_);
  LC_CHECK(sync_locked());
  engine::CaptureEpcis command;
  uint64_t duplicates = 0;
  std::set<std::string> taken;
  for (size_t i = 0; i < document.events.size(); ++i) {
    const trace::EpcisEvent& e = document.events[i];
    if (taken.contains(e.event_id)) {  // parse_epcis_document checked the content is the same
      ++duplicates;
      continue;
    }
    LC_TRY(stored, store_.content_of(e.event_id));
    if (stored) {
      // A generated eventID is the content's hash: the same ID is the same event.
      if (e.event_id_generated || *stored == e.content_sha256) {
        ++duplicates;
        continue;
      }
      return fail(ErrorCode::already_exists, fmt::format("epcisBody.eventList[{}].eventID", i),
                  fmt::format("'{}' is stored with other content; an EPCIS event is never "
                              "changed (declare an error with errorDeclaration instead)",
                              e.event_id));
    }
    taken.insert(e.event_id);
    command.events.push_back({e.event_id, e.json, document.context_json});
  }
  const uint64_t stored = command.events.size();
  if (stored > 0) {
    std::promise<engine::Replies> done;
    auto replies = done.get_future();
    std::vector<engine::Command> commands;
    commands.emplace_back(std::move(command));
    LC_CHECK(sequencer_.submit(std::move(commands),
                               [&done](engine::Replies&& r) { done.set_value(std::move(r)); }));
    engine::Replies answered = replies.get();  // after group commit: durable
    if (answered.empty()) return fail(ErrorCode::io_error, "", "the capture was not executed");
    if (!answered.front()) return std::unexpected(answered.front().error());
    LC_CHECK(sync_locked());
  }
  store::EpcisJob job;
  job.capture_id = new_capture_id(clock_.now_ms(), ++jobs_started_);
  job.created_ms = clock_.now_ms();
  job.success = true;
  job.events = document.events.size();
  job.stored = stored;
  job.duplicates = duplicates;
  LC_CHECK(store_.put_job(job));
  return job;
}

Result<std::vector<store::EpcisIndexRow>> EpcisService::query(const store::EpcisQuery& query) {
  LC_CHECK(sync());
  return store_.query(query);
}

Result<std::optional<store::EpcisIndexRow>> EpcisService::event(std::string_view event_id) {
  LC_CHECK(sync());
  return store_.event(event_id);
}

Result<std::optional<store::EpcisJob>> EpcisService::job(std::string_view capture_id) {
  return store_.job(capture_id);
}

Result<std::optional<uint64_t>> EpcisService::leaf_of(std::string_view event_id) {
  LC_TRY(row, event(event_id));
  if (!row) return std::optional<uint64_t>();
  return std::optional<uint64_t>(row->seq);
}

}  // namespace livechain::server
