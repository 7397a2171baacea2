// src/store/epcis_store.hpp — the EPCIS 2.0 index (issue 12 §3), PATH.epcis.
//
// The journal is the truth: every captured EPCIS event is a journal leaf
// (epcis_captured, kind 42) and the engine's movements are leaves too. This database is
// an index built from those leaves, in journal order, with the next leaf to index kept
// in the same transaction as the rows — so after a crash it resumes where it stopped
// and can always be deleted and rebuilt. Capture jobs (captureID) are kept here too.
// Kept out of store.hpp so that only the server compiles against it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::store {

std::string epcis_db_path(const std::string& db_path);

// One event as the index keeps it; `seq` is its journal leaf.
struct EpcisIndexRow {
  uint64_t seq = 0;
  std::string event_id;
  bool captured = true;  // false: derived from an engine movement
  std::string type;
  TimeMs event_time_ms = 0;
  TimeMs record_time_ms = 0;  // the leaf's journal time
  std::string action, biz_step, disposition, read_point, biz_location;
  std::vector<std::string> epcs;
  std::vector<std::string> epc_classes;
  std::string content_sha256;
  std::string json;
  std::string context_json = "{}";  // the capturing document's prefixes
};

// Filters are ANDed; each list matches any of its values; empty lists match all.
struct EpcisQuery {
  std::vector<std::string> event_types, actions, biz_steps, dispositions, read_points,
      biz_locations, epcs, epc_classes, event_ids;
  std::optional<TimeMs> event_time_ge_ms, event_time_lt_ms, record_time_ge_ms, record_time_lt_ms;
  uint64_t after_seq = 0;  // paging: rows with seq > after_seq (0: from the start)
  bool from_start = true;
  size_t limit = 1;  // rows returned at most (the caller asks one more to know of a next page)
};

struct EpcisJob {
  std::string capture_id;
  TimeMs created_ms = 0;
  bool running = false;
  bool success = false;
  uint64_t events = 0;      // events in the document
  uint64_t stored = 0;      // new events journaled
  uint64_t duplicates = 0;  // re-sent events (same eventID, same content)
  std::string errors_json = "[]";
};

class EpcisStore {
 public:
  // Opens (creating) PATH.epcis. Errors: io_error naming the path.
  static Result<std::unique_ptr<EpcisStore>> open(const std::string& db_path);
  ~EpcisStore();

  // The next journal leaf to index (0 on a new index).
  Result<uint64_t> next_seq();
  // Adds `rows` (an eventID already indexed is left as it is) and moves the cursor to
  // `next_seq`, in one durable transaction. Thread-safe. Errors: io_error (nothing kept).
  Result<void> index(std::span<const EpcisIndexRow> rows, uint64_t next_seq);
  // Small keyed records the indexer needs to derive events from later leaves (a
  // transfer's SKU and destination, a reservation's lines), written with the next
  // index() call's transaction.
  Result<void> put_note(std::string_view key, std::string_view value);
  Result<std::optional<std::string>> note(std::string_view key);

  // content_sha256 of an indexed eventID, if any.
  Result<std::optional<std::string>> content_of(std::string_view event_id);
  Result<std::optional<EpcisIndexRow>> event(std::string_view event_id);
  // Rows in journal order (seq, event_id, json filled). Errors: io_error.
  Result<std::vector<EpcisIndexRow>> query(const EpcisQuery& query);

  Result<void> put_job(const EpcisJob& job);
  Result<std::optional<EpcisJob>> job(std::string_view capture_id);

 private:
  struct Impl;
  explicit EpcisStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livechain::store
