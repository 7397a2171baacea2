// src/server/epcis_service.hpp — internal: the EPCIS 2.0 capture and query service
// behind /epcis/v2 (issue 12 §3, docs/trace.md § 3).
//
// Capture: trace::parse_epcis_document validates the whole document (nothing is stored
// when one event is bad); events whose eventID is indexed with the same content are
// dropped as re-sent, one with other content refuses the document (409); the rest are
// one CaptureEpcis command — one journal leaf per event — and the job record is written
// once the leaves are durable. The index (store/epcis_store.hpp) follows the journal: it
// reads the leaves it has not seen (captured events, and the engine's receipts,
// shipments, receipts of transfers, sales and returns as ObjectEvents) before each
// capture and query. One capture or index update runs at a time (mutex_), which is what
// makes "is this eventID new?" and the journal append one step.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "engine/sequencer.hpp"
#include "store/epcis_store.hpp"

namespace livechain::server {

class EpcisService {
 public:
  // `store`, `sequencer` and `clock` must outlive the service; `db_path` is the journal.
  EpcisService(std::string db_path, store::EpcisStore& store, engine::Sequencer& sequencer,
               const Clock& clock);
  // Stops and joins the catch-up thread (an unfinished catch-up resumes at next start).
  ~EpcisService();

  // Brings the index up to the journal on a thread of its own, so a long journal (a new
  // or deleted index reads every leaf) does not hold up start-up; captures and queries
  // wait for it (they take the same mutex). Errors are logged.
  void start_catch_up();

  // Indexes every journal leaf not indexed yet. Blocking; thread-safe.
  // Errors: io_error, corruption.
  Result<void> sync();

  // Captures one document (blocking: run it on a worker thread). Returns the finished
  // job (success, events, stored, duplicates). Errors: invalid_argument / limit_exceeded
  // naming the field (nothing stored); already_exists naming
  // "epcisBody.eventList[i].eventID" when an eventID is stored with other content
  // (nothing stored); io_error, busy, shutting_down from the journal.
  Result<store::EpcisJob> capture(std::string_view body);

  // The index after sync(): rows in journal order.
  Result<std::vector<store::EpcisIndexRow>> query(const store::EpcisQuery& query);
  Result<std::optional<store::EpcisIndexRow>> event(std::string_view event_id);
  Result<std::optional<store::EpcisJob>> job(std::string_view capture_id);
  // The journal leaf of an indexed eventID (what /v1/ledger/proof/inclusion takes).
  Result<std::optional<uint64_t>> leaf_of(std::string_view event_id);

 private:
  Result<void> sync_locked();  // REQUIRES: mutex_ held

  const std::string db_path_;
  store::EpcisStore& store_;
  engine::Sequencer& sequencer_;
  const Clock& clock_;
  std::mutex mutex_;
  uint64_t jobs_started_ = 0;  // GUARDED_BY(mutex_)
  std::atomic<bool> stopping_{false};
  std::thread catch_up_;
};

}  // namespace livechain::server
