// The server's KPI read model: see kpi_feed.hpp.
#include "server/kpi_feed.hpp"

#include <cstdio>

#include "store/store.hpp"

namespace livechain::server {

Result<std::unique_ptr<KpiFeed>> KpiFeed::open(const std::string& db_path,
                                               std::function<void(std::function<void()>)> run_kpi) {
  LC_TRY(storage, store::open_sqlite(db_path, store::OpenMode::reader));
  LC_TRY(journal, journal::Journal::open(*storage, std::nullopt));
  std::unique_ptr<KpiFeed> feed(
      new KpiFeed(std::move(storage), std::move(journal), std::move(run_kpi)));
  std::lock_guard lock(feed->mutex_);
  LC_CHECK(feed->catch_up());
  return feed;
}

Result<void> KpiFeed::catch_up() {
  if (failed_) return fail(ErrorCode::invalid_state, "kpis", "the KPI model stopped at an error");
  auto applied = model_.catch_up(*journal_);
  if (!applied) {
    failed_ = true;
    std::fprintf(stderr, "kpis: %s\n", applied.error().to_string().c_str());
    return fail(ErrorCode::invalid_state, "kpis",
                "the KPI model stopped at an error: " + applied.error().to_string());
  }
  return {};
}

void KpiFeed::on_batch_durable() {
  if (!look_gate_.try_start()) return;
  run_kpi_([this] {
    {
      std::lock_guard lock(mutex_);
      (void)catch_up();  // an error is logged once and answered by every GET
    }
    if (look_gate_.finish()) on_batch_durable();
  });
}

void KpiFeed::answer(const kpi::Query& query, kpi::DayNumber today,
                     std::function<void(Result<std::vector<kpi::Row>>)> done) {
  run_kpi_([this, query, today, done = std::move(done)] {
    Result<std::vector<kpi::Row>> rows = std::vector<kpi::Row>{};
    {
      std::lock_guard lock(mutex_);
      if (auto caught_up = catch_up(); !caught_up) {
        rows = std::unexpected(caught_up.error());
      } else {
        rows = model_.rows(query, today);
      }
    }
    done(std::move(rows));
  });
}

uint64_t KpiFeed::applied_events() {
  std::lock_guard lock(mutex_);
  return model_.next_seq();
}

}  // namespace livechain::server
