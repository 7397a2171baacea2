// src/server/kpi_feed.hpp — internal: the server's KPI read model (src/kpi, docs/kpi.md).
// Built from the journal when the server starts (every event from seq 0: the model is
// not persisted, so a restart gives the same numbers from the same journal), then fed
// after every durable batch — one catch-up in flight, batches meanwhile make exactly one
// more (look_gate.hpp) — and caught up once more before every answer, so a GET sees
// every event durable before it was asked. The model reads the journal through its own
// read-only connection, on a thread of its own (`run_kpi`), so reading the journal at
// peak write rates never holds up the worker the alert rules and signals run on.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "journal/journal.hpp"
#include "kpi/kpi.hpp"
#include "server/look_gate.hpp"

#include <boost/json.hpp>

namespace livechain::server {

// The JSON of GET /v1/kpis and GET /v1/kpis/definitions (api_kpis.cpp); the CLI's
// `kpi --json` prints the same.
boost::json::object kpi_rows_json(kpi::Period period, const std::vector<kpi::Row>& rows);
boost::json::object kpi_definitions_json();

class KpiFeed {
 public:
  // Opens the journal at db_path read-only and applies every event. `run_kpi` runs
  // work on the feed's own thread (catch-ups, answers). Errors: io_error, corruption
  // (then the server does not start: its numbers would be wrong).
  static Result<std::unique_ptr<KpiFeed>> open(const std::string& db_path,
                                               std::function<void(std::function<void()>)> run_kpi);

  // Journal thread, after every group commit: schedules a catch-up. Never blocks.
  void on_batch_durable();
  // On the feed's thread: catches up, then calls `done` with the rows of `query`.
  // Never blocks the caller. Errors passed to `done`: invalid_state (field "kpis") once
  // a catch-up failed (logged; every later answer is that error).
  void answer(const kpi::Query& query, kpi::DayNumber today,
              std::function<void(Result<std::vector<kpi::Row>>)> done);
  uint64_t applied_events();

 private:
  KpiFeed(std::unique_ptr<journal::JournalStorage> storage,
          std::unique_ptr<journal::Journal> journal,
          std::function<void(std::function<void()>)> run_kpi)
      : storage_(std::move(storage)), journal_(std::move(journal)), run_kpi_(std::move(run_kpi)) {}
  Result<void> catch_up();  // REQUIRES: mutex_ held

  std::unique_ptr<journal::JournalStorage> storage_;
  std::unique_ptr<journal::Journal> journal_;
  std::function<void(std::function<void()>)> run_kpi_;
  LookGate look_gate_;
  std::mutex mutex_;
  kpi::Model model_;     // GUARDED_BY(mutex_)
  bool failed_ = false;  // GUARDED_BY(mutex_): a catch-up failed; every later one fails
};

}  // namespace livechain::server
