// `livechain serve`: wires the ledger, the sequencer, the API, the stream hub and the
// Beast transport together, runs the periodic work (expiry, key reload, stream
// pushes) and drains on SIGTERM/SIGINT.
#include "server/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "server/api.hpp"
#include "server/http_server.hpp"
#include "server/routes.hpp"
#include "server/stream_hub.hpp"

namespace livechain::server {

namespace net = boost::asio;

namespace {

// Runs `work` every `period_ms` on `io` until the timer is cancelled.
class Ticker {
 public:
  Ticker(net::io_context& io, uint32_t period_ms, std::function<void()> work)
      : timer_(io), period_ms_(period_ms), work_(std::move(work)) {
    schedule();
  }
  void cancel() { timer_.cancel(); }

 private:
  void schedule() {
    timer_.expires_after(std::chrono::milliseconds(period_ms_));
    timer_.async_wait([this](boost::system::error_code error) {
      if (error) return;
      work_();
      schedule();
    });
  }
  net::steady_timer timer_;
  uint32_t period_ms_;
  std::function<void()> work_;
};

}  // namespace

std::vector<RouteSummary> route_summaries() {
  std::vector<RouteSummary> out;
  for (const Route& route : route_table()) {
    out.push_back(
        RouteSummary{std::string(method_name(route.method)), std::string(route.path_template)});
  }
  return out;
}

Result<void> run_server(const ServerOptions& options) {
  static const SystemClock clock;
  LC_TRY(ledger, engine::Ledger::open(options.db_path, clock));
  LC_TRY(key_store, store::ApiKeyStore::open(options.db_path));
  LC_TRY(signal_store, store::SignalStore::open(options.db_path));
  LC_TRY(openapi, openapi_json());
  KeyRing keys(std::move(key_store));
  LC_CHECK(keys.refresh());

  Metrics metrics;
  metrics.journal_events.store(ledger->journal().tree_size());
  engine::SequencerOptions sequencer_options;
  sequencer_options.queue_commands_max = options.engine_queue_commands_max;
  sequencer_options.snapshot_every_events = options.snapshot_every_events;
  engine::Sequencer sequencer(ledger->engine_for_sequencer(), &ledger->journal(), clock,
                              sequencer_options, [&metrics](const engine::BatchReport& report) {
                                metrics.observe_batch(report.commands, report.events,
                                                      report.commit_latency_us);
                              });
  sequencer.start();

  // One worker thread for blocking work, so proofs and signal appends stay in order
  // and never occupy an I/O thread.
  net::thread_pool workers(1);
  LedgerViews ledger_views(options.db_path);
  std::atomic<bool> ready{false};

  ApiDependencies dependencies;
  dependencies.sequencer = &sequencer;
  dependencies.keys = &keys;
  dependencies.metrics = &metrics;
  dependencies.signals = signal_store.get();
  dependencies.ledger = &ledger_views;
  dependencies.run_blocking = [&workers](std::function<void()> work) {
    net::post(workers, std::move(work));
  };
  dependencies.ready = [&ready] { return ready.load(); };
  dependencies.openapi_json = openapi;
  dependencies.limits.batch_reservations_max = options.batch_reservations_max;
  dependencies.limits.csv_rows_max = options.csv_rows_max;
  dependencies.limits.ndjson_lines_max = options.ndjson_lines_max;
  dependencies.requests_per_second_per_key = options.requests_per_second_per_key;
  dependencies.page_size_max = options.page_size_max;
  Api api(std::move(dependencies));
  StreamHub hub(sequencer, StreamLimits{options.stream_subscriptions_max, options.low_stock_units});

  net::io_context io(static_cast<int>(options.io_threads));
  HttpServer http(io, api, hub, options.http);
  auto port = http.listen(options.listen_host, options.listen_port);
  if (!port) {
    sequencer.stop();
    return std::unexpected(port.error());
  }

  Ticker expiry(io, options.expiry_tick_ms, [&] {
    (void)sequencer.submit(
        {engine::Command{engine::ExpireDue{}}}, [&metrics](engine::Replies&& replies) {
          if (!replies.front()) return;
          if (auto* view = std::get_if<engine::ExpiredView>(&*replies.front())) {
            metrics.count_reservations(ReservationOutcome::expired, view->reservation_ids.size());
          }
        });
  });
  Ticker key_reload(io, 1'000, [&] {
    net::post(workers, [&keys] {
      if (auto reloaded = keys.refresh(); !reloaded) {
        std::fprintf(stderr, "warning: API keys not reloaded: %s\n",
                     reloaded.error().to_string().c_str());
      }
    });
  });
  Ticker stream_push(io, options.stream_push_interval_ms, [&] { hub.tick(); });

  // Drain: stop accepting, let in-flight requests finish (their commands commit and
  // their answers are written), then stop.
  bool stopping = false;
  net::steady_timer drain_poll(io);
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> poll_drain = [&] {
    if (http.in_flight() == 0 || std::chrono::steady_clock::now() > drain_deadline) {
      expiry.cancel();
      key_reload.cancel();
      stream_push.cancel();
      io.stop();
      return;
    }
    drain_poll.expires_after(std::chrono::milliseconds(5));
    drain_poll.async_wait([&](boost::system::error_code error) {
      if (!error) poll_drain();
    });
  };
  net::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int signal_number) {
    if (error || stopping) return;
    stopping = true;
    std::fprintf(stderr, "livechain serve: signal %d, draining %lld request(s)\n", signal_number,
                 static_cast<long long>(http.in_flight()));
    ready.store(false);
    http.begin_drain();
    drain_deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.drain_timeout_ms);
    poll_drain();
  });

  std::printf("listening on http://%s:%u\n", options.listen_host.c_str(),
              static_cast<unsigned>(*port));
  std::fflush(stdout);
  ready.store(true);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < options.io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& thread : threads) thread.join();

  sequencer.stop();  // commits whatever is still queued, runs pending reads
  workers.join();
  std::fprintf(stderr, "livechain serve: stopped; journal holds %llu events\n",
               static_cast<unsigned long long>(ledger->journal().tree_size()));
  return {};
}

}  // namespace livechain::server
