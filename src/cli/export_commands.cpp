// `livechain export` (bulk export of events, balances, orders as CSV or NDJSON, read
// offline from the database file) and `livechain bench export` (a journal of N events
// exported while peak RSS is watched: the figure that shows memory stays flat).
// docs/export.md.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "engine/engine.hpp"
#include "engine/ledger.hpp"
#include "exports/exports.hpp"
#include "kpi/kpi.hpp"
#include "server/json_fields.hpp"
#include "store/store.hpp"

namespace livechain::cli {

namespace {

struct ExportArgs {
  std::string db;
  std::string kind = "events";
  std::string format = "csv";
  std::string out;  // empty: stdout
  uint64_t since_seq = 0;
  std::string from;
  std::string to;
  std::string status;
  std::string event_kind;
  std::string period = "day";  // kpis
  uint64_t limit = exports::kRowsMax;
};

// Where the rows go: a file or stdout, written one step's text at a time.
class Sink {
 public:
  explicit Sink(const std::string& path) {
    if (!path.empty()) file_ = std::fopen(path.c_str(), "wb");
    out_ = path.empty() ? stdout : file_;
  }
  ~Sink() {
    if (file_ != nullptr) std::fclose(file_);
  }
  bool ok() const { return out_ != nullptr; }
  bool write(const std::string& text) {
    bytes_ += text.size();
    return text.empty() || std::fwrite(text.data(), 1, text.size(), out_) == text.size();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  std::FILE* file_ = nullptr;
  std::FILE* out_ = nullptr;
  uint64_t bytes_ = 0;
};

exports::Filter filter_of(const ExportArgs& a) {
  exports::Filter filter;
  filter.since_seq = a.since_seq;
  filter.limit_rows = a.limit;
  if (!a.from.empty()) {
    auto from = server::parse_rfc3339("--from", a.from);
    if (!from) exit_usage(from.error());
    filter.from_ms = *from;
  }
  if (!a.to.empty()) {
    auto to = server::parse_rfc3339("--to", a.to);
    if (!to) exit_usage(to.error());
    filter.to_ms = *to;
  }
  if (!a.event_kind.empty()) filter.kind = a.event_kind;
  if (!a.status.empty()) {
    for (auto each : {engine::ReservationStatus::pending, engine::ReservationStatus::committed,
                      engine::ReservationStatus::released, engine::ReservationStatus::expired}) {
      if (engine::reservation_status_name(each) == a.status) filter.status = each;
    }
    if (!filter.status) {
      exit_usage(Error{ErrorCode::invalid_argument, "--status",
                       "must be pending, committed, released or expired"});
    }
  }
  return filter;
}

// Runs one export against an open ledger, step by step (one page or slice at a time).
// `after_step` sees the rows written so far. Returns the rows written.
uint64_t run_export(engine::Ledger& ledger, exports::Kind kind, exports::Format format,
                    const exports::Filter& filter, Sink& sink,
                    const std::function<void(uint64_t rows)>& after_step = {}) {
  exports::Progress progress;
  std::string text = exports::header(kind, format);
  auto flush = [&] {
    if (!sink.write(text)) {
      exit_with_error(Error{ErrorCode::io_error, "--out", "write failed"});
    }
    text.clear();
    if (after_step) after_step(progress.rows);
  };
  if (kind == exports::Kind::balances) {
    exports::BalanceCursor cursor;
    while (!cursor.end && !progress.done) {
      cursor = exports::format_balances(ledger.engine().state(), cursor, format, progress, text);
      flush();
    }
    flush();
    return progress.rows;
  }
  uint64_t end_seq = ledger.journal().tree_size();
  uint64_t seq = filter.since_seq;
  for (;;) {  // bounded: every page advances seq or ends
    auto page = exports::read_event_page(ledger.journal(), seq, end_seq);
    if (!page) exit_with_error(page.error());
    seq = page->next_seq;
    if (kind == exports::Kind::events) {
      auto formatted = exports::format_events(*page, filter, {}, format, progress, text);
      if (!formatted) exit_with_error(formatted.error());
    } else {
      auto orders = exports::orders_of_page(*page, filter);
      if (!orders) exit_with_error(orders.error());
      auto statuses = exports::order_statuses(ledger.engine().state(), *orders);
      exports::format_orders(*orders, statuses, filter, format, progress, text);
    }
    flush();
    if (page->end || progress.done) break;
  }
  return progress.rows;
}

// kpis: the KPI read model built from the journal (as `livechain kpi` does), its rows
// for --period and --from/--to (YYYY-MM-DD) in one step (at most kpi::rows_max rows).
void export_kpis(const ExportArgs& a, exports::Format format, const CliOptions& options) {
  auto period = kpi::parse_period("--period", a.period);
  if (!period) exit_usage(period.error());
  SystemClock clock;
  kpi::DayNumber today = kpi::day_of(clock.now_ms());
  std::optional<std::string> from = a.from.empty() ? std::nullopt : std::optional(a.from);
  std::optional<std::string> to = a.to.empty() ? std::nullopt : std::optional(a.to);
  auto query = kpi::make_query(*period, from, to, today);
  if (!query) {
    Error error = query.error();
    error.field = "--" + error.field;
    exit_usage(error);
  }
  auto ledger = open_reader(a.db);
  kpi::Model model;
  if (auto applied = model.catch_up(ledger->journal()); !applied) exit_with_error(applied.error());
  std::vector<kpi::Row> rows = model.rows(*query, today);
  exports::Filter filter;
  filter.limit_rows = a.limit;
  exports::Progress progress;
  std::string text = exports::header(exports::Kind::kpis, format);
  exports::format_kpis(*period, rows, filter, format, progress, text);
  Sink sink(a.out);
  if (!sink.ok() || !sink.write(text)) {
    exit_with_error(Error{ErrorCode::io_error, "--out", "cannot write " + a.out});
  }
  if (!a.out.empty()) {
    print(options, boost::json::object{{"kind", "kpis"}, {"rows", progress.rows}, {"out", a.out}},
          fmt::format("exported {} kpis rows to {}", progress.rows, a.out));
  }
}

void export_command(const ExportArgs& a, const CliOptions& options) {
  auto kind = exports::parse_kind(a.kind);
  if (!kind) {
    exit_usage(
        Error{ErrorCode::invalid_argument, "--kind", "must be events, balances, orders or kpis"});
  }
  auto format = exports::parse_format(a.format);
  if (!format) exit_usage(Error{ErrorCode::invalid_argument, "--format", "must be csv or ndjson"});
  if (*kind == exports::Kind::kpis) return export_kpis(a, *format, options);
  exports::Filter filter = filter_of(a);
  auto ledger = open_reader(a.db);
  Sink sink(a.out);
  if (!sink.ok()) exit_with_error(Error{ErrorCode::io_error, "--out", "cannot open " + a.out});
  uint64_t rows = run_export(*ledger, *kind, *format, filter, sink);
  if (!a.out.empty()) {
    print(options,
          boost::json::object{{"kind", a.kind},
                              {"format", a.format},
                              {"rows", rows},
                              {"bytes", sink.bytes()},
                              {"out", a.out}},
          fmt::format("exported {} {} rows ({} bytes) to {}", rows, a.kind, sink.bytes(), a.out));
  }
}

// ---- bench export ------------------------------------------------------------------

// A field of /proc/self/status in kB (VmHWM: peak RSS; VmRSS: now), or -1.
int64_t proc_status_kb(const char* name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name, 0) == 0) return std::stoll(line.substr(std::string(name).size() + 1));
  }
  return -1;
}
// Resets VmHWM to the current RSS (Linux ≥ 4.0: "5" to clear_refs), so the peak that
// follows is the export's own.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}

struct BenchArgs {
  uint64_t events = 1'000'000;
  std::string db;  // empty: a temporary file, removed afterwards
  std::string format = "ndjson";
};

// Journals `events` receipts (one event each) in batches of 10,000 events.
void fill_journal(const std::string& db, uint64_t events) {
  auto initialised = engine::Ledger::init(db);
  if (!initialised) exit_with_error(initialised.error());
  SystemClock clock;
  auto ledger = engine::Ledger::open(db, clock);
  if (!ledger) exit_with_error(ledger.error());
  for (const engine::Command& setup :
       {engine::Command{engine::PutSku{"6901234567892", "bench"}},
        engine::Command{engine::PutLocation{"dc-1", engine::LocationKind::dc, "east"}}}) {
    auto done = (*ledger)->execute(setup);
    if (!done) exit_with_error(done.error());
  }
  engine::Engine& engine = (*ledger)->engine_for_sequencer();
  journal::BatchBuilder batch;
  constexpr uint64_t kBatchEvents = 10'000;
  for (uint64_t written = 0; written < events;) {
    TimeMs now_ms = std::max(clock.now_ms(), engine.state().now_ms());
    batch.clear();
    for (uint64_t i = 0; i < kBatchEvents && written < events; ++i, ++written) {
      auto reply = engine.execute(engine::ReceiveStock{"6901234567892", "dc-1", 1}, now_ms, batch);
      if (!reply) exit_with_error(reply.error());
    }
    auto appended = (*ledger)->journal().append(batch, now_ms);
    if (!appended) exit_with_error(appended.error());
  }
}

void bench_export(const BenchArgs& a, const CliOptions& options) {
  auto format = exports::parse_format(a.format);
  if (!format) exit_usage(Error{ErrorCode::invalid_argument, "--format", "must be csv or ndjson"});
  std::string db = a.db;
  bool temporary = db.empty();
  if (temporary) db = fmt::format("/tmp/livechain-bench-export-{}.db", ::getpid());
  fill_journal(db, a.events);
  auto ledger = open_reader(db);
  uint64_t journal_events = ledger->journal().tree_size();
  bool reset = reset_peak_rss();
  int64_t rss_start_kb = proc_status_kb("VmRSS");
  // Peak RSS after each tenth of the rows: flat when memory does not grow with size.
  std::vector<int64_t> peak_kb;
  uint64_t next_mark = journal_events / 10;
  Sink sink("/dev/null");
  auto started = std::chrono::steady_clock::now();
  uint64_t rows = run_export(*ledger, exports::Kind::events, *format, {}, sink, [&](uint64_t n) {
    while (n >= next_mark && peak_kb.size() < 10) {
      peak_kb.push_back(proc_status_kb("VmHWM"));
      next_mark += journal_events / 10;
    }
  });
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ledger.reset();
  if (temporary) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
    std::remove(store::signing_key_path(db).c_str());
  }
  boost::json::array marks;
  std::string marks_text;
  for (int64_t kb : peak_kb) {
    marks.push_back(kb);
    marks_text += fmt::format(" {:.1f}", static_cast<double>(kb) / 1024);
  }
  int64_t growth_kb = peak_kb.empty() ? 0 : peak_kb.back() - peak_kb.front();
  print(
      options,
      boost::json::object{{"events", journal_events},
                          {"rows", rows},
                          {"bytes", sink.bytes()},
                          {"format", a.format},
                          {"seconds", seconds},
                          {"rss_start_kb", rss_start_kb},
                          {"peak_rss_kb_by_tenth", std::move(marks)},
                          {"peak_growth_kb_first_to_last_tenth", growth_kb},
                          {"peak_reset", reset}},
      fmt::format("exported {} events ({} rows, {:.1f} MB {}) in {:.2f} s ({:.0f} rows/s)\n"
                  "RSS at start {:.1f} MiB; peak RSS (VmHWM{}) after each tenth, MiB:{}\n"
                  "peak growth from the first to the last tenth: {} kB",
                  journal_events, rows, static_cast<double>(sink.bytes()) / 1e6, a.format, seconds,
                  static_cast<double>(rows) / seconds, static_cast<double>(rss_start_kb) / 1024,
                  reset ? ", reset before export" : "", marks_text, growth_kb));
}

}  // namespace

void add_export_commands(CLI::App& root, CliOptions& options) {
  auto a = std::make_shared<ExportArgs>();
  auto* cmd = root.add_subcommand(
      "export", "Export events, balances or orders as CSV or NDJSON (reads the database offline)");
  cmd->add_option("--db", a->db, "Database file")->required();
  cmd->add_option("--kind", a->kind, "events | balances | orders | kpis")->capture_default_str();
  cmd->add_option("--format", a->format, "csv | ndjson")->capture_default_str();
  cmd->add_option("--out", a->out, "Output file (default: stdout)");
  cmd->add_option("--since-seq", a->since_seq, "events, orders: first journal seq read");
  cmd->add_option("--from", a->from,
                  "events, orders: event time >= (RFC 3339); kpis: first day (YYYY-MM-DD)");
  cmd->add_option("--to", a->to,
                  "events, orders: event time < (RFC 3339); kpis: last day (YYYY-MM-DD)");
  cmd->add_option("--period", a->period, "kpis: day | week | month")->capture_default_str();
  cmd->add_option("--status", a->status, "orders: pending | committed | released | expired");
  cmd->add_option("--event-kind", a->event_kind, "events: one kind (e.g. reserved)");
  cmd->add_option("--limit", a->limit, "rows at most")
      ->check(CLI::Range(uint64_t{1}, exports::kRowsMax));
  cmd->callback([a, &options] { export_command(*a, options); });

  CLI::App* bench = root.get_subcommand("bench");
  auto b = std::make_shared<BenchArgs>();
  auto* run = bench->add_subcommand(
      "export", "Journal N events, export them, print peak RSS after each tenth");
  run->add_option("--events", b->events, "Events journaled then exported")
      ->check(CLI::Range(uint64_t{10}, uint64_t{100'000'000}))
      ->capture_default_str();
  run->add_option("--db", b->db, "Keep the database here (default: a temporary file)");
  run->add_option("--format", b->format, "csv | ndjson")->capture_default_str();
  run->callback([b, &options] { bench_export(*b, options); });
}

}  // namespace livechain::cli
