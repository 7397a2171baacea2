// src/server/kpi_feed.hpp — internal: the server's KPI read model (src/kpi, docs/kpi.md).
// Built from the journal when the server starts (every event from seq 0: the model is
// not persisted, so a restart gives the same numbers from the same journal), then fed
// after every durable batch — one catch-up in flight, batches meanwhile make exactly one
// more (look_gate.hpp) — and caught up once more before every answer, so a GET sees
// every event durable before it was asked. The model reads the journal through its own
// read-only connection.
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
  // Opens the journal at db_path read-only and applies every event. `run_blocking`
  // runs the catch-ups after durable batches (the worker). Errors: io_error,
  // corruption (then the server does not start: its numbers would be wrong).
  static Result<std::unique_ptr<KpiFeed>> open(
      const std::string& db_path, std::function<void(std::function<void()>)> run_blocking);

  // Journal thread, after every group commit: schedules a catch-up. Never blocks.
  void on_batch_durable();
  // Catches up, then the rows of `query`. Any thread (blocks on SQLite: call it on
  // the worker). Errors: those of the catch-up.
  Result<std::vector<kpi::Row>> rows(const kpi::Query& query, kpi::DayNumber today);
  uint64_t applied_events();

 private:
  KpiFeed(std::unique_ptr<journal::JournalStorage> storage,
          std::unique_ptr<journal::Journal> journal,
          std::function<void(std::function<void()>)> run_blocking)
      : storage_(std::move(storage)),
        journal_(std::move(journal)),
        run_blocking_(std::move(run_blocking)) {}
  Result<void> catch_up();  // REQUIRES: mutex_ held

  std::unique_ptr<journal::JournalStorage> storage_;
  std::unique_ptr<journal::Journal> journal_;
  std::function<void(std::function<void()>)> run_blocking_;
  LookGate look_gate_;
  std::mutex mutex_;
  kpi::Model model_;     // GUARDED_BY(mutex_)
  bool failed_ = false;  // GUARDED_BY(mutex_): a catch-up failed; every later one fails
};

}  // namespace livechain::server
