// API v1: GET /v1/export/{kind} — events, balances or orders as a streamed CSV or
// NDJSON body (docs/export.md). The rows are the exports module's; this file only
// reads them in bounded steps: journal pages on the worker (run_blocking), engine
// state in slices on the engine thread (Sequencer::read_async), one step per chunk the
// transport asks for, so memory stays constant and the engine thread is never held
// for a whole export.
#include <fmt/format.h>

#include <charconv>

#include "engine/engine.hpp"
#include "exports/exports.hpp"
#include "server/api.hpp"
#include "server/json_fields.hpp"
#include "server/kpi_feed.hpp"
#include "server/problem.hpp"
#include "store/store.hpp"

namespace livechain::server {

namespace {

// Exports streamed at once by the server (each holds one journal reader and one chunk).
constexpr size_t kExportsInFlightMax = 4;

struct ExportRequest {
  exports::Kind kind = exports::Kind::events;
  exports::Format format = exports::Format::csv;
  exports::Filter filter;
  // kpis: the periods asked for (kpi::make_query) and today's UTC day.
  kpi::Query kpi_query;
  kpi::DayNumber today = 0;
};

Result<uint64_t> query_u64(std::string_view field, const std::string& text, uint64_t max) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max) {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("must be an integer 0..{}", max));
  }
  return value;
}

// format= wins; else the Accept header (text/csv or application/x-ndjson); else CSV.
Result<exports::Format> export_format(const ApiRequest& request) {
  if (const std::string* text = request.query_value("format")) {
    auto format = exports::parse_format(*text);
    if (!format) return fail(ErrorCode::invalid_argument, "format", "must be csv or ndjson");
    return *format;
  }
  if (request.accept.find("application/x-ndjson") != std::string::npos) {
    return exports::Format::ndjson;
  }
  return exports::Format::csv;
}

// kpis: period (day | week | month), from and to as YYYY-MM-DD (the kpi module's
// query, as GET /v1/kpis takes it), limit.
Result<ExportRequest> parse_kpi_export(ExportRequest out, const ApiRequest& request,
                                       kpi::DayNumber today) {
  kpi::Period period = kpi::Period::day;
  std::optional<std::string> from;
  std::optional<std::string> to;
  for (const auto& [name, value] : request.query) {
    if (name == "format") continue;
    if (name == "period") {
      LC_TRY(parsed, kpi::parse_period("period", value));
      period = parsed;
    } else if (name == "from") {
      from = value;
    } else if (name == "to") {
      to = value;
    } else if (name == "limit") {
      LC_TRY(limit, query_u64("limit", value, exports::kRowsMax));
      if (limit == 0) return fail(ErrorCode::invalid_argument, "limit", "must be at least 1");
      out.filter.limit_rows = limit;
    } else {
      return fail(ErrorCode::invalid_argument, name, "not a filter of the kpis export");
    }
  }
  LC_TRY(query, kpi::make_query(period, from, to, today));
  out.kpi_query = query;
  out.today = today;
  return out;
}

Result<ExportRequest> parse_export(const std::string& kind_text, const ApiRequest& request,
                                   kpi::DayNumber today) {
  ExportRequest out;
  auto kind = exports::parse_kind(kind_text);
  if (!kind) {
    return fail(ErrorCode::not_found, "kind",
                "no export '" + kind_text + "'; kinds: events, balances, orders, kpis");
  }
  out.kind = *kind;
  LC_TRY(format, export_format(request));
  out.format = format;
  exports::Filter& filter = out.filter;
  if (out.kind == exports::Kind::kpis) return parse_kpi_export(std::move(out), request, today);
  for (const auto& [name, value] : request.query) {
    bool journal_kind = out.kind != exports::Kind::balances;
    if (name == "format") continue;
    if (name == "limit") {
      LC_TRY(limit, query_u64("limit", value, exports::kRowsMax));
      if (limit == 0) return fail(ErrorCode::invalid_argument, "limit", "must be at least 1");
      filter.limit_rows = limit;
    } else if (name == "since_seq" && journal_kind) {
      LC_TRY(seq, query_u64("since_seq", value, UINT64_MAX));
      filter.since_seq = seq;
    } else if (name == "from" && journal_kind) {
      LC_TRY(from_ms, parse_rfc3339("from", value));
      filter.from_ms = from_ms;
    } else if (name == "to" && journal_kind) {
      LC_TRY(to_ms, parse_rfc3339("to", value));
      filter.to_ms = to_ms;
    } else if (name == "event_kind" && out.kind == exports::Kind::events) {
      filter.kind = value;
    } else if (name == "status" && out.kind == exports::Kind::orders) {
      std::optional<engine::ReservationStatus> status;
      for (auto each : {engine::ReservationStatus::pending, engine::ReservationStatus::committed,
                        engine::ReservationStatus::released, engine::ReservationStatus::expired}) {
        if (engine::reservation_status_name(each) == value) status = each;
      }
      if (!status) {
        return fail(ErrorCode::invalid_argument, "status",
                    "must be pending, committed, released or expired");
      }
      filter.status = status;
    } else {
      return fail(ErrorCode::invalid_argument, name,
                  fmt::format("not a filter of the {} export", exports::kind_name(out.kind)));
    }
  }
  if (filter.from_ms && filter.to_ms && *filter.to_ms <= *filter.from_ms) {
    return fail(ErrorCode::invalid_argument, "to", "must be after from");
  }
  return out;
}

// The streamed body of one export. Each next() does one bounded step on the thread
// that owns what it reads and delivers its text; the transport calls next() again
// only after that text was written.
class ExportSource final : public ChunkSource, public std::enable_shared_from_this<ExportSource> {
 public:
  ExportSource(ExportRequest request, ApiDependencies& deps, exports::SeesField sees,
               std::shared_ptr<std::atomic<size_t>> in_flight)
      : request_(std::move(request)),
        sequencer_(deps.sequencer),
        kpis_(deps.kpis),
        run_blocking_(deps.run_blocking),
        db_path_(deps.ledger != nullptr ? deps.ledger->db_path() : std::string()),
        sees_(std::move(sees)),
        in_flight_(std::move(in_flight)),
        cursor_seq_(request_.filter.since_seq) {}
  ~ExportSource() override { in_flight_->fetch_sub(1); }

  void next(std::function<void(Chunk&&)> deliver) override {
    std::string text;
    if (!header_sent_) {
      header_sent_ = true;
      text = exports::header(request_.kind, request_.format);
    }
    switch (request_.kind) {
      case exports::Kind::events:
      case exports::Kind::orders:
        return journal_step(std::move(text), std::move(deliver));
      case exports::Kind::balances:
        return balances_step(std::move(text), std::move(deliver));
      case exports::Kind::kpis:
        return kpis_step(std::move(text), std::move(deliver));
    }
  }

 private:
  static void failed(const std::function<void(Chunk&&)>& deliver, const Error& error) {
    std::fprintf(stderr, "export aborted: %s\n", error.to_string().c_str());
    deliver(Chunk{{}, false, true});
  }

  // Events and orders: one journal page on the worker; orders then look up the
  // page's statuses on the engine thread.
  void journal_step(std::string text, std::function<void(Chunk&&)> deliver) {
    run_blocking_([self = shared_from_this(), text = std::move(text),
                   deliver = std::move(deliver)]() mutable {
      if (!self->reader_) {
        auto opened = self->open_reader();
        if (!opened) return failed(deliver, opened.error());
      }
      auto page =
          exports::read_event_page(*self->reader_->journal, self->cursor_seq_, self->end_seq_);
      if (!page) return failed(deliver, page.error());
      self->cursor_seq_ = page->next_seq;
      if (self->request_.kind == exports::Kind::events) {
        auto formatted = exports::format_events(*page, self->request_.filter, self->sees_,
                                                self->request_.format, self->progress_, text);
        if (!formatted) return failed(deliver, formatted.error());
        bool end = page->end || self->progress_.done;
        if (end) self->reader_.reset();
        return deliver(Chunk{std::move(text), end, false});
      }
      auto orders = exports::orders_of_page(*page, self->request_.filter);
      if (!orders) return failed(deliver, orders.error());
      bool end = page->end;
      if (end) self->reader_.reset();
      self->orders_step(std::move(*orders), end, std::move(text), std::move(deliver));
    });
  }

  void orders_step(std::vector<exports::PendingOrderRow> orders, bool end, std::string text,
                   std::function<void(Chunk&&)> deliver) {
    auto shared_deliver = std::make_shared<std::function<void(Chunk &&)>>(std::move(deliver));
    auto read = sequencer_->read_async([self = shared_from_this(), orders = std::move(orders), end,
                                        text = std::move(text),
                                        shared_deliver](const engine::Engine& engine) mutable {
      auto statuses = exports::order_statuses(engine.state(), orders);
      exports::format_orders(orders, statuses, self->request_.filter, self->request_.format,
                             self->progress_, text);
      (*shared_deliver)(Chunk{std::move(text), end || self->progress_.done, false});
    });
    if (!read) failed(*shared_deliver, read.error());
  }

  void balances_step(std::string text, std::function<void(Chunk&&)> deliver) {
    auto shared_deliver = std::make_shared<std::function<void(Chunk &&)>>(std::move(deliver));
    auto read = sequencer_->read_async([self = shared_from_this(), text = std::move(text),
                                        shared_deliver](const engine::Engine& engine) mutable {
      self->balance_cursor_ = exports::format_balances(
          engine.state(), self->balance_cursor_, self->request_.format, self->progress_, text);
      bool end = self->balance_cursor_.end || self->progress_.done;
      (*shared_deliver)(Chunk{std::move(text), end, false});
    });
    if (!read) failed(*shared_deliver, read.error());
  }

  // kpis: the model's rows (bounded by kpi::rows_max) in one step, on its own thread.
  void kpis_step(std::string text, std::function<void(Chunk&&)> deliver) {
    auto shared_deliver = std::make_shared<std::function<void(Chunk &&)>>(std::move(deliver));
    kpis_->answer(request_.kpi_query, request_.today,
                  [self = shared_from_this(), text = std::move(text),
                   shared_deliver](Result<std::vector<kpi::Row>> rows) mutable {
                    if (!rows) return failed(*shared_deliver, rows.error());
                    exports::format_kpis(self->request_.kpi_query.period, *rows,
                                         self->request_.filter, self->request_.format,
                                         self->progress_, text);
                    (*shared_deliver)(Chunk{std::move(text), true, false});
                  });
  }

  // A read-only view of the journal, held for the export: the events it ends at are
  // the journal's size now, so a live journal does not make an export endless.
  Result<void> open_reader() {
    auto storage = store::open_sqlite(db_path_, store::OpenMode::reader);
    if (!storage) return std::unexpected(storage.error());
    auto journal = journal::Journal::open(**storage, std::nullopt);
    if (!journal) return std::unexpected(journal.error());
    end_seq_ = (*journal)->tree_size();
    reader_ = std::make_unique<Reader>(Reader{std::move(*storage), std::move(*journal)});
    return {};
  }

  struct Reader {
    std::unique_ptr<journal::JournalStorage> storage;
    std::unique_ptr<journal::Journal> journal;
  };

  const ExportRequest request_;
  engine::Sequencer* const sequencer_;
  KpiFeed* const kpis_;  // kpis only; checked non-null before the export starts
  const std::function<void(std::function<void()>)> run_blocking_;
  const std::string db_path_;
  const exports::SeesField sees_;
  std::shared_ptr<std::atomic<size_t>> in_flight_;
  // Touched by one step at a time (each step starts after the last one delivered).
  bool header_sent_ = false;
  exports::Progress progress_;
  uint64_t cursor_seq_ = 0;
  uint64_t end_seq_ = 0;
  exports::BalanceCursor balance_cursor_;
  std::unique_ptr<Reader> reader_;  // on the worker only
};

}  // namespace

void Api::export_rows(const Params& params, const ApiRequest& request, const Caller& caller,
                      Respond respond) {
  kpi::DayNumber today = kpi::day_of(deps_.clock != nullptr ? deps_.clock->now_ms() : 0);
  auto parsed = parse_export(params.at(0), request, today);
  if (!parsed) {
    return respond(problem_from_api_error(
        parsed.error(),
        parsed.error().code == ErrorCode::not_found ? ErrorOrigin::path : ErrorOrigin::body));
  }
  if (parsed->kind == exports::Kind::kpis && deps_.kpis == nullptr) {
    return respond(problem(503, "unavailable", "Unavailable", "the KPI model is not running"));
  }
  if (exports_in_flight_->fetch_add(1) >= kExportsInFlightMax) {
    exports_in_flight_->fetch_sub(1);
    ApiResponse busy =
        problem(503, "busy", "Service unavailable",
                fmt::format("{} exports are being streamed; retry later", kExportsInFlightMax));
    busy.headers.emplace_back("Retry-After", "1");
    return respond(std::move(busy));
  }
  // Events say no more than the ledger routes would to this role (access.hpp).
  Role role = caller.role;
  exports::SeesField sees = [role](std::string_view kind, std::string_view field) {
    return role_sees_event_field(role, kind, field);
  };
  ApiResponse response;
  response.status = 200;
  response.content_type = std::string(exports::media_type(parsed->format));
  response.headers.emplace_back(
      "Content-Disposition",
      fmt::format("attachment; filename=\"{}.{}\"", exports::kind_name(parsed->kind),
                  exports::format_name(parsed->format)));
  response.stream = std::make_shared<ExportSource>(std::move(*parsed), deps_, std::move(sees),
                                                   exports_in_flight_);
  respond(std::move(response));
}

}  // namespace livechain::server
