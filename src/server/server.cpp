// `livechain serve`: wires the ledger, the sequencer, the API, the stream hub and the
// Beast transport together, runs the periodic work (expiry, key reload, stream
// pushes) and drains on stop (SIGTERM/SIGINT for run_server).
#include "server/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <pthread.h>

#include "engine/ledger.hpp"
#include "engine/sequencer.hpp"
#include "journal/signer.hpp"
#include "server/alerts_runtime.hpp"
#include "server/api.hpp"
#include "server/ats_feed.hpp"
#include "server/channel_checker.hpp"
#include "server/epcis_service.hpp"
#include "server/http_server.hpp"
#include "server/kpi_feed.hpp"
#include "server/mqtt_ingest.hpp"
#include "server/production_planner.hpp"
#include "server/routes.hpp"
#include "server/stream_hub.hpp"
#include "server/transfer_watcher.hpp"
#include "store/epcis_store.hpp"
#include "store/scan_store.hpp"
#include "store/sensor_store.hpp"
#include "store/store.hpp"

namespace livechain::server {

namespace net = boost::asio;

namespace {

// Runs `work` every `period_ms` on `io` until cancelled.
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

const SystemClock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

std::vector<RouteSummary> route_summaries() {
  std::vector<RouteSummary> out;
  for (const Route& route : route_table()) {
    out.push_back(
        RouteSummary{std::string(method_name(route.method)), std::string(route.path_template)});
  }
  return out;
}

// Members in dependency order: destruction runs bottom-up, so the transport goes
// before the API it calls, and the API before the sequencer and stores.
struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<engine::Ledger> ledger;
  std::unique_ptr<store::SignalStore> signal_store;
  std::string openapi;
  std::unique_ptr<KeyRing> keys;
  Metrics metrics;
  std::unique_ptr<AlertsRuntime> alerts;  // outlives the sequencer that wakes it
  std::unique_ptr<AtsFeed> ats_feed;      // outlives the engine thread and the worker
  std::unique_ptr<store::ObservedStockStore> observed;
  std::unique_ptr<store::ScanStore> scans;
  std::unique_ptr<store::SensorStore> sensors;
  std::unique_ptr<MqttIngest> mqtt;               // stopped before the sequencer
  std::unique_ptr<ChannelChecker> checker;        // outlives the engine thread and the worker
  std::unique_ptr<TransferWatcher> transfers;     // outlives the engine thread and the worker
  std::unique_ptr<ProductionPlanner> production;  // outlives the engine and solver threads
  std::unique_ptr<KpiFeed> kpis;                  // outlives the journal thread and kpi_thread
  std::unique_ptr<engine::Sequencer> sequencer;
  // EPCIS (issue 12 §3): after the sequencer it submits to, before the worker it runs on.
  std::unique_ptr<store::EpcisStore> epcis_store;
  std::unique_ptr<EpcisService> epcis;
  // One worker for blocking work, so proofs and signal appends stay in order and never
  // occupy an I/O thread.
  net::thread_pool workers{1};
  // Production's CBC solves (seconds each) get their own thread, so they never hold up
  // the worker the alert rules and signal appends run on.
  net::thread_pool production_solver{1};
  // The KPI read model's catch-ups and answers (kpi_feed.hpp): reading the journal at
  // peak write rates must not hold up the worker.
  net::thread_pool kpi_thread{1};
  std::unique_ptr<LedgerViews> ledger_views;
  std::unique_ptr<engine::AsOfIndex> as_of;  // used on the worker only
  std::atomic<bool> ready{false};
  std::unique_ptr<Api> api;
  std::unique_ptr<StreamHub> hub;
  net::io_context io;
  std::unique_ptr<HttpServer> http;
  std::vector<std::unique_ptr<Ticker>> tickers;
  net::steady_timer drain_poll{io};
  std::chrono::steady_clock::time_point drain_deadline;
  bool draining = false;  // touched on the io threads only (through post)
  uint16_t port = 0;
  std::vector<std::thread> io_threads;
  std::mutex stop_mutex;
  bool stopped = false;

  explicit Impl(const ServerOptions& server_options)
      : options(server_options), io(static_cast<int>(server_options.io_threads)) {}

  void poll_drain() {
    if (http->in_flight() == 0 || std::chrono::steady_clock::now() > drain_deadline) {
      for (auto& ticker : tickers) ticker->cancel();
      io.stop();
      return;
    }
    drain_poll.expires_after(std::chrono::milliseconds(5));
    drain_poll.async_wait([this](boost::system::error_code error) {
      if (!error) poll_drain();
    });
  }

  void begin_drain() {
    if (draining) return;
    draining = true;
    ready.store(false);
    http->begin_drain();
    drain_deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.drain_timeout_ms);
    poll_drain();
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

uint16_t Server::port() const {
  return impl_->port;
}

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  Impl& s = *impl;
  const Clock& clock = options.clock ? *options.clock : system_clock();
  LC_TRY(ledger, engine::Ledger::open(options.db_path, clock));
  s.ledger = std::move(ledger);
  LC_TRY(key_store, store::ApiKeyStore::open(options.db_path));
  LC_TRY(signal_store, store::SignalStore::open(options.db_path));
  s.signal_store = std::move(signal_store);
  LC_TRY(observed, store::ObservedStockStore::open(options.db_path));
  s.observed = std::move(observed);
  LC_TRY(scans, store::ScanStore::open(options.db_path));
  s.scans = std::move(scans);
  LC_TRY(sensors, store::SensorStore::open(options.db_path));
  s.sensors = std::move(sensors);
  LC_TRY(openapi, openapi_json());
  s.openapi = std::move(openapi);
  s.keys = std::make_unique<KeyRing>(std::move(key_store));
  LC_CHECK(s.keys->refresh());

  s.metrics.journal_events.store(s.ledger->journal().tree_size());
  engine::SequencerOptions sequencer_options;
  sequencer_options.queue_commands_max = options.engine_queue_commands_max;
  sequencer_options.queue_reads_max = options.engine_queue_reads_max;
  sequencer_options.snapshot_every_events = options.snapshot_every_events;
  Metrics* metrics = &s.metrics;
  std::optional<forecast::NowcastModel> nowcast_model;
  if (!options.nowcast_model_path.empty()) {
    auto loaded = forecast::load_nowcast_model(options.nowcast_model_path);
    if (!loaded) {
      return fail(ErrorCode::invalid_argument, "nowcast.model_path",
                  options.nowcast_model_path + ": " + loaded.error().detail);
    }
    std::fprintf(stderr, "nowcast: funnel model %s (%d sessions)\n",
                 options.nowcast_model_path.c_str(), loaded->sessions);
    nowcast_model = std::move(*loaded);
  } else {
    std::fprintf(stderr, "nowcast: no nowcast.model_path, orange rule uses plan_uplift\n");
  }
  LC_TRY(alerts_runtime, AlertsRuntime::open(options.db_path, options.webhooks, options.rules,
                                             clock, std::move(nowcast_model)));
  s.alerts = std::move(alerts_runtime);
  AlertsRuntime* alerts = s.alerts.get();
  // The rules' durable state (plans, warehouse windows, lanes) as the journal left it.
  LC_CHECK(alerts->restore(s.ledger->engine_for_sequencer().state().rule_states()));
  LC_TRY(replayed, alerts->replay_signals(*s.signal_store, clock.now_ms()));
  if (replayed > 0)
    std::fprintf(stderr, "alert rules: %zu live-session signals replayed\n", replayed);
  // Transfers triggered by the planned sessions' thresholds (docs/planning.md).
  if (options.transfers.mode != planning::TransferMode::off) {
    net::thread_pool* transfer_worker = &s.workers;
    s.transfers = std::make_unique<TransferWatcher>(clock, options.transfers,
                                                    [transfer_worker](std::function<void()> work) {
                                                      net::post(*transfer_worker, std::move(work));
                                                    });
  }
  TransferWatcher* transfers = s.transfers.get();
  // Flexible production: factories, orders, plans, emergency orders from orange alerts.
  net::thread_pool* production_solver = &s.production_solver;
  s.production = std::make_unique<ProductionPlanner>(
      clock, options.production, [production_solver](std::function<void()> work) {
        net::post(*production_solver, std::move(work));
      });
  ProductionPlanner* production = s.production.get();
  // The KPI read model (docs/kpi.md): built from the whole journal now, fed after every
  // durable batch on kpi_thread.
  net::thread_pool* kpi_runner = &s.kpi_thread;
  auto kpi_started = std::chrono::steady_clock::now();
  LC_TRY(kpis, KpiFeed::open(options.db_path, [kpi_runner](std::function<void()> work) {
           net::post(*kpi_runner, std::move(work));
         }));
  s.kpis = std::move(kpis);
  KpiFeed* kpi_feed = s.kpis.get();
  std::fprintf(stderr, "kpis: read model built from %llu journal events in %lld ms\n",
               static_cast<unsigned long long>(kpi_feed->applied_events()),
               static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - kpi_started)
                                          .count()));
  s.sequencer = std::make_unique<engine::Sequencer>(
      s.ledger->engine_for_sequencer(), &s.ledger->journal(), clock, sequencer_options,
      [metrics, alerts, transfers, production, kpi_feed](const engine::BatchReport& report) {
        metrics->observe_batch(report.commands, report.events, report.commit_latency_us);
        alerts->on_batch_durable();
        if (transfers != nullptr) transfers->on_batch_durable();
        production->on_batch_durable();
        kpi_feed->on_batch_durable();
      });
  if (transfers != nullptr) transfers->attach(*s.sequencer);
  production->attach(*s.sequencer);
  s.sequencer->start();
  net::thread_pool* rule_worker = &s.workers;
  s.alerts->start(*s.sequencer, [rule_worker](std::function<void()> work) {
    net::post(*rule_worker, std::move(work));
  });
  // The ledger's own key signs checkpoints too (a second handle on the same key file;
  // the journal's copy lives on the journal thread).
  std::shared_ptr<const journal::Signer> checkpoint_signer;
  if (auto key = journal::Signer::load(store::signing_key_path(options.db_path))) {
    checkpoint_signer = std::make_shared<const journal::Signer>(std::move(*key));
  }
  s.ledger_views = std::make_unique<LedgerViews>(options.db_path, std::move(checkpoint_signer),
                                                 options.ledger_origin);
  LC_TRY(as_of, engine::AsOfIndex::open(
                    options.db_path, engine::AsOfOptions{options.as_of_checkpoint_every_events}));
  s.as_of = std::move(as_of);

  ApiDependencies dependencies;
  dependencies.sequencer = s.sequencer.get();
  dependencies.keys = s.keys.get();
  dependencies.metrics = &s.metrics;
  dependencies.signals = s.signal_store.get();
  dependencies.ledger = s.ledger_views.get();
  dependencies.as_of = s.as_of.get();
  dependencies.clock = &clock;
  net::thread_pool* workers = &s.workers;
  dependencies.run_blocking = [workers](std::function<void()> work) {
    net::post(*workers, std::move(work));
  };
  net::io_context* io = &s.io;
  dependencies.run_on_io = [io](std::function<void()> work) { net::post(*io, std::move(work)); };
  std::atomic<bool>* ready = &s.ready;
  dependencies.ready = [ready] { return ready->load(); };
  dependencies.openapi_json = s.openapi;
  dependencies.limits.batch_reservations_max = options.batch_reservations_max;
  dependencies.limits.csv_rows_max = options.csv_rows_max;
  dependencies.limits.ndjson_lines_max = options.ndjson_lines_max;
  dependencies.requests_per_second_per_key = options.requests_per_second_per_key;
  dependencies.page_size_max = options.page_size_max;
  dependencies.outbox = &s.alerts->outbox();
  dependencies.wake_webhooks = [alerts] { alerts->wake_dispatcher(); };
  dependencies.alert_metrics = [alerts] { return alerts->metrics_text(); };
  dependencies.on_signals = [alerts](const std::vector<store::LiveSignal>& signals) {
    alerts->on_signals(signals);
  };
  s.ats_feed = std::make_unique<AtsFeed>(s.alerts->outbox(), dependencies.run_blocking,
                                         [alerts] { alerts->wake_dispatcher(); });
  AtsFeed* ats_feed = s.ats_feed.get();
  dependencies.observed = s.observed.get();
  dependencies.scans = s.scans.get();
  dependencies.sensors = s.sensors.get();
  LC_TRY(epcis_store, store::EpcisStore::open(options.db_path));
  s.epcis_store = std::move(epcis_store);
  s.epcis = std::make_unique<EpcisService>(options.db_path, *s.epcis_store, *s.sequencer, clock);
  // The index catches up with the journal (a new or deleted index is rebuilt from every
  // leaf) on its own thread; captures and queries wait for it.
  s.epcis->start_catch_up();
  dependencies.epcis = s.epcis.get();
  dependencies.drift_threshold_pct = options.channel_drift_threshold_pct;
  s.checker = std::make_unique<ChannelChecker>(*s.sequencer, *s.observed, dependencies.run_blocking,
                                               options.channel_drift_threshold_pct);
  ChannelChecker* checker = s.checker.get();
  dependencies.alert_metrics = [alerts, ats_feed, transfers, production] {
    return alerts->metrics_text() + ats_feed->metrics_text() +
           (transfers != nullptr ? transfers->metrics_text() : std::string()) +
           production->metrics_text();
  };
  dependencies.production = production;
  dependencies.kpis = kpi_feed;
  dependencies.rules_runtime = alerts;
  dependencies.tier_config = options.tier_config;
  dependencies.connectors = options.connectors;
  s.api = std::make_unique<Api>(std::move(dependencies));
  s.hub = std::make_unique<StreamHub>(
      *s.sequencer, StreamLimits{options.stream_subscriptions_max, options.low_stock_units});
  s.hub->set_ats_sink([ats_feed](std::vector<AtsRow> rows,
                                 TimeMs at_ms) { ats_feed->on_changed(std::move(rows), at_ms); },
                      [ats_feed] { return ats_feed->wanted(); });
  ats_feed->refresh();
  s.http = std::make_unique<HttpServer>(s.io, *s.api, *s.hub, options.http);
  auto port = s.http->listen(options.listen_host, options.listen_port);
  if (!port) {
    s.sequencer->stop();
    return std::unexpected(port.error());
  }
  s.port = *port;
  if (!options.mqtt.host.empty()) {
    auto mqtt = MqttIngest::start(options.mqtt, *s.sensors, *s.sequencer);
    if (!mqtt) {
      s.sequencer->stop();
      return std::unexpected(mqtt.error());
    }
    s.mqtt = std::move(*mqtt);
  }

  engine::Sequencer* sequencer = s.sequencer.get();
  s.tickers.push_back(std::make_unique<Ticker>(s.io, options.expiry_tick_ms, [sequencer, metrics] {
    (void)sequencer->submit(
        {engine::Command{engine::ExpireDue{}}}, [metrics](engine::Replies&& replies) {
          if (!replies.front()) return;
          if (auto* view = std::get_if<engine::ExpiredView>(&*replies.front())) {
            metrics->count_reservations(ReservationOutcome::expired, view->reservation_ids.size());
          }
        });
  }));
  KeyRing* keys = s.keys.get();
  s.tickers.push_back(std::make_unique<Ticker>(s.io, 1'000, [workers, keys] {
    net::post(*workers, [keys] {
      if (auto reloaded = keys->refresh(); !reloaded) {
        std::fprintf(stderr, "warning: API keys not reloaded: %s\n",
                     reloaded.error().to_string().c_str());
      }
    });
  }));
  StreamHub* hub = s.hub.get();
  s.tickers.push_back(
      std::make_unique<Ticker>(s.io, options.stream_push_interval_ms, [hub] { hub->tick(); }));

  s.tickers.push_back(
      std::make_unique<Ticker>(s.io, options.ats_push_interval_ms, [hub] { hub->tick_ats(); }));
  s.tickers.push_back(std::make_unique<Ticker>(
      s.io, options.channel_check_interval_ms,
      [workers, checker] { net::post(*workers, [checker] { checker->check(); }); }));

  s.tickers.push_back(std::make_unique<Ticker>(s.io, 1'000, [workers, alerts, ats_feed] {
    net::post(*workers, [alerts, ats_feed] {
      alerts->tick();
      ats_feed->refresh();
    });
  }));
  // The as-of index follows the journal every second, so a query replays little.
  engine::AsOfIndex* as_of_index = s.as_of.get();
  s.tickers.push_back(std::make_unique<Ticker>(s.io, 1'000, [workers, as_of_index] {
    net::post(*workers, [as_of_index] {
      if (auto caught_up = as_of_index->catch_up(); !caught_up) {
        std::fprintf(stderr, "warning: as-of index: %s\n", caught_up.error().to_string().c_str());
      }
    });
  }));

  s.ready.store(true);
  for (unsigned i = 0; i < options.io_threads; ++i) {
    // Named like the sequencer's threads, so top, perf and gdb tell them apart (and
    // tests/server/code_health_test.cpp, whose clock throws on these threads only).
    s.io_threads.emplace_back([&s] {
      pthread_setname_np(pthread_self(), "lc-io");
      s.io.run();
    });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::request_stop() {
  net::post(impl_->io, [impl = impl_.get()] { impl->begin_drain(); });
}

void Server::wait() {
  for (std::thread& thread : impl_->io_threads) {
    if (thread.joinable()) thread.join();
  }
  std::lock_guard lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->mqtt.reset();       // its last flush still goes through the sequencer
  impl_->sequencer->stop();  // commits whatever is still queued, runs pending reads
  impl_->workers.join();
  impl_->production_solver.join();
  impl_->kpi_thread.join();
  impl_->alerts->stop();  // after the last batch: the feed has woken for it
}

void Server::stop() {
  if (!impl_) return;
  request_stop();
  wait();
}

uint64_t Server::journal_events() const {
  return impl_->metrics.journal_events.load();
}

Result<void> run_server(const ServerOptions& options) {
  LC_TRY(server, Server::start(options));
  // Signals are waited for on a thread of our own, so that the server's io threads
  // never run this handler concurrently with their shutdown. The handler is in place
  // before "listening" is printed: a SIGTERM sent as soon as a supervisor reads that
  // line (tests restart the server this way) must drain, not kill the process.
  net::io_context signal_io;
  net::signal_set signals(signal_io, SIGTERM, SIGINT);
  signals.async_wait([&](boost::system::error_code error, int signal_number) {
    if (error) return;
    std::fprintf(stderr, "livechain serve: signal %d, draining\n", signal_number);
    server->request_stop();
  });
  std::thread signal_thread([&signal_io] { signal_io.run(); });
  std::printf("listening on http://%s:%u\n", options.listen_host.c_str(),
              static_cast<unsigned>(server->port()));
  std::fflush(stdout);
  server->wait();
  signal_io.stop();
  signal_thread.join();
  std::fprintf(stderr, "livechain serve: stopped; journal holds %llu events\n",
               static_cast<unsigned long long>(server->journal_events()));
  return {};
}

}  // namespace livechain::server
