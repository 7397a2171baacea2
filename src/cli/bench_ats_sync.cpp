// `livechain bench ats-sync`: channel available-to-sell publish lag through a real
// server (issue 10 §2: p99 ≤ 250 ms at 10,000 changes/s). The bench starts
// `livechain serve`'s Server in this process on 127.0.0.1 (real journal, group commit,
// HTTP, WebSocket, outbox), registers an "ats.changed" webhook (a closed port: messages
// stay in the outbox) and subscribes one WebSocket client to a channel. It then sends
// receipts as CSV stock imports, paced to the rate, each one a change of the channel's
// ATS of one SKU. A change's lag is measured from its scheduled time (a sender falling
// behind counts as lag) to:
//   - the first WebSocket "ats" message showing the SKU at or above the value the
//     change produced (receipts only raise ATS, so that message reflects the change);
//   - the first "ats.changed" message in the outbox (PATH.outbox, read after the run)
//     showing the same: the enqueue transaction's start time.
#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "cli/command_support.hpp"
#include "engine/ledger.hpp"
#include "server/server.hpp"
#include "store/store.hpp"

namespace livechain::cli {

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;
namespace json = boost::json;

struct AtsBenchArgs {
  double rate_per_s = 10'000;
  double seconds = 5;
  int skus = 500;
  uint64_t seed = 1;
};

constexpr int64_t kInitialUnits = 1'000;
constexpr const char* kChannel = "live-1";

std::string bench_gtin(int index) {
  std::string twelve = fmt::format("29{:010d}", index);
  int sum = 0;
  for (size_t i = 0; i < twelve.size(); ++i) sum += (twelve[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return "0" + twelve + static_cast<char>('0' + (10 - sum % 10) % 10);  // GTIN-14
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  size_t at = static_cast<size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(at), values.end());
  return values[at];
}

// One keep-alive HTTP connection with the bench's API key.
class Client {
 public:
  Client(uint16_t port, std::string key) : port_(port), key_(std::move(key)) {
    net::connect(socket_, tcp::resolver(io_).resolve("127.0.0.1", std::to_string(port_)));
    socket_.set_option(tcp::no_delay(true));
  }
  unsigned call(http::verb verb, const std::string& target, const std::string& body,
                const char* type = "application/json") {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::authorization, "Bearer " + key_);
    if (!body.empty()) request.set(http::field::content_type, type);
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    if (response.result_int() >= 300) {
      exit_with_error(Error{ErrorCode::io_error, "server",
                            fmt::format("{} {}: {} {}", http::to_string(verb), target,
                                        response.result_int(), response.body())});
    }
    return response.result_int();
  }

 private:
  net::io_context io_;
  tcp::socket socket_{io_};
  uint16_t port_;
  std::string key_;
  beast::flat_buffer buffer_;
};

struct Observation {
  Steady::time_point at;
  int64_t available;
};

void run_ats_bench(const AtsBenchArgs& a, const CliOptions& options) {
  if (a.rate_per_s <= 0 || a.rate_per_s > 1e6) {
    exit_with_error(Error{ErrorCode::invalid_argument, "rate", "must be within (0, 1e6]"});
  }
  if (a.seconds <= 0 || a.seconds > 600) {
    exit_with_error(Error{ErrorCode::invalid_argument, "seconds", "must be within (0, 600]"});
  }
  char pattern[] = "/tmp/livechain-bench-ats-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const std::string db = dir + "/bench.db";
  if (auto created = engine::Ledger::init(db); !created) exit_with_error(created.error());
  std::string key;
  {
    auto keys = store::ApiKeyStore::open(db);
    if (!keys) exit_with_error(keys.error());
    auto created = (*keys)->create("admin", "bench", SystemClock().now_ms());
    if (!created) exit_with_error(created.error());
    key = *created;
  }
  server::ServerOptions server_options;
  server_options.db_path = db;
  server_options.listen_port = 0;
  server_options.webhooks.allow_private_targets = true;
  server_options.webhooks.retry_schedule_ms = {3'600'000};  // the closed port: retry later
  server_options.http.websocket_queue_messages_max = 1 << 20;
  server_options.csv_rows_max = 16'384;
  auto server = server::Server::start(server_options);
  if (!server) exit_with_error(server.error());
  const uint16_t port = (*server)->port();

  Client client(port, key);
  client.call(http::verb::put, "/v1/locations/dc-1", R"({"kind":"dc","region":"east"})");
  client.call(http::verb::put, std::string("/v1/channels/") + kChannel, R"({"kind":"live_room"})");
  std::string skus_csv = "sku,name\n", stock_csv = "sku,location,qty\n";
  for (int i = 0; i < a.skus; ++i) {
    skus_csv += fmt::format("{},bench {}\n", bench_gtin(i), i);
    stock_csv += fmt::format("{},dc-1,{}\n", bench_gtin(i), kInitialUnits);
  }
  client.call(http::verb::post, "/v1/import/skus", skus_csv, "text/csv");
  client.call(http::verb::post, "/v1/import/stock", stock_csv, "text/csv");
  client.call(http::verb::post, "/v1/webhooks",
              R"({"url":"http://127.0.0.1:9/ats","event_types":["ats.changed"]})");

  // The WebSocket subscriber: every "ats" message of the channel, with its arrival time.
  std::mutex mutex;
  std::map<std::string, std::vector<Observation>> seen;  // GUARDED_BY(mutex)
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ws_messages{0};
  net::io_context ws_io;
  websocket::stream<tcp::socket> ws(ws_io);
  net::connect(ws.next_layer(), tcp::resolver(ws_io).resolve("127.0.0.1", std::to_string(port)));
  ws.set_option(websocket::stream_base::decorator([&key](websocket::request_type& request) {
    request.set(http::field::authorization, "Bearer " + key);
  }));
  ws.handshake("127.0.0.1", "/v1/stream");
  ws.write(net::buffer(fmt::format(R"({{"subscribe":{{"channels":["{}"]}}}})", kChannel)));
  std::thread reader([&] {
    beast::flat_buffer buffer;
    while (!stop.load()) {
      beast::error_code error;
      ws.read(buffer, error);
      if (error) break;
      auto now = Steady::now();
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      std::error_code parse_error;
      json::value value = json::parse(text, parse_error);
      if (parse_error || !value.is_object()) continue;
      const json::object& o = value.get_object();
      const json::value* type = o.if_contains("type");
      if (type == nullptr || !type->is_string() || type->get_string() != "ats") continue;
      ws_messages.fetch_add(1);
      std::lock_guard lock(mutex);
      seen[std::string(o.at("sku").as_string())].push_back(
          Observation{now, o.at("available").to_number<int64_t>()});
    }
  });
  // Wait for the initial values of every SKU and for the webhook to be noticed (the
  // outbox's subscribers are re-read once a second).
  auto ready_by = Steady::now() + std::chrono::seconds(30);
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (seen.size() == static_cast<size_t>(a.skus)) break;
    }
    if (Steady::now() > ready_by) {
      exit_with_error(Error{ErrorCode::io_error, "stream", "initial ATS values never arrived"});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));

  // The changes: change i is +1 unit of SKU (i mod skus), scheduled at i / rate.
  const auto total = static_cast<uint64_t>(a.rate_per_s * a.seconds);
  std::vector<int64_t> target(total);
  std::vector<int64_t> units(static_cast<size_t>(a.skus), kInitialUnits);
  const Steady::time_point started = Steady::now();
  const TimeMs started_wall_ms = SystemClock().now_ms();
  uint64_t sent = 0;
  uint64_t requests = 0;
  while (sent < total) {
    double elapsed_s = std::chrono::duration<double>(Steady::now() - started).count();
    uint64_t due = std::min<uint64_t>(total, static_cast<uint64_t>(elapsed_s * a.rate_per_s));
    due = std::min<uint64_t>(due, sent + 10'000);
    if (due <= sent) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    std::string csv = "sku,location,qty\n";
    for (; sent < due; ++sent) {
      int sku = static_cast<int>(sent % static_cast<uint64_t>(a.skus));
      target[sent] = ++units[static_cast<size_t>(sku)];
      csv += bench_gtin(sku) + ",dc-1,1\n";
    }
    client.call(http::verb::post, "/v1/import/stock", csv, "text/csv");
    ++requests;
  }
  const double send_s = std::chrono::duration<double>(Steady::now() - started).count();
  // Let the last changes arrive (at most 5 s), then stop.
  auto settle_by = Steady::now() + std::chrono::seconds(5);
  for (;;) {
    bool all = true;
    {
      std::lock_guard lock(mutex);
      for (int sku = 0; sku < a.skus && all; ++sku) {
        const auto& list = seen[bench_gtin(sku)];
        all = !list.empty() && list.back().available >= units[static_cast<size_t>(sku)];
      }
    }
    if (all || Steady::now() > settle_by) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop.store(true);
  beast::error_code ignored;
  ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  reader.join();
  (*server)->stop();
  server->reset();

  // Change → WebSocket lag.
  std::vector<double> ws_lags_ms;
  uint64_t ws_missing = 0;
  for (uint64_t i = 0; i < total; ++i) {
    const auto& list = seen[bench_gtin(static_cast<int>(i % static_cast<uint64_t>(a.skus)))];
    auto first = std::find_if(list.begin(), list.end(),
                              [&](const Observation& o) { return o.available >= target[i]; });
    if (first == list.end()) {
      ++ws_missing;
      continue;
    }
    auto scheduled =
        started + std::chrono::duration_cast<Steady::duration>(
                      std::chrono::duration<double>(static_cast<double>(i) / a.rate_per_s));
    ws_lags_ms.push_back(std::chrono::duration<double, std::milli>(first->at - scheduled).count());
  }
  // Change → outbox lag, from the outbox's own records.
  std::map<std::string, std::vector<std::pair<TimeMs, int64_t>>> enqueued;
  uint64_t outbox_messages = 0;
  {
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(alerts::outbox_db_path(db).c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      exit_with_error(Error{ErrorCode::io_error, "outbox", "cannot open the outbox"});
    }
    sqlite3_stmt* select = nullptr;
    sqlite3_prepare_v2(raw,
                       "SELECT created_at_ms, body FROM messages WHERE type='ats.changed' "
                       "ORDER BY created_at_ms",
                       -1, &select, nullptr);
    while (select != nullptr && sqlite3_step(select) == SQLITE_ROW) {
      ++outbox_messages;
      json::value body = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
      const json::object& data = body.at("data").as_object();
      if (data.at("channel").as_string() != kChannel) continue;
      enqueued[std::string(data.at("sku").as_string())].emplace_back(
          sqlite3_column_int64(select, 0), data.at("available").to_number<int64_t>());
    }
    sqlite3_finalize(select);
    sqlite3_close_v2(raw);
  }
  std::vector<double> outbox_lags_ms;
  uint64_t outbox_missing = 0;
  for (uint64_t i = 0; i < total; ++i) {
    const auto& list = enqueued[bench_gtin(static_cast<int>(i % static_cast<uint64_t>(a.skus)))];
    auto first = std::find_if(list.begin(), list.end(),
                              [&](const auto& row) { return row.second >= target[i]; });
    if (first == list.end()) {
      ++outbox_missing;
      continue;
    }
    double scheduled_ms =
        static_cast<double>(started_wall_ms) + static_cast<double>(i) * 1000.0 / a.rate_per_s;
    outbox_lags_ms.push_back(static_cast<double>(first->first) - scheduled_ms);
  }
  std::filesystem::remove_all(dir);

  const double ws_p50 = percentile(ws_lags_ms, 0.5), ws_p99 = percentile(ws_lags_ms, 0.99);
  const double ws_max =
      ws_lags_ms.empty() ? 0 : *std::max_element(ws_lags_ms.begin(), ws_lags_ms.end());
  const double ob_p50 = percentile(outbox_lags_ms, 0.5), ob_p99 = percentile(outbox_lags_ms, 0.99);
  json::object out{{"changes", total},
                   {"changes_per_s", static_cast<double>(total) / send_s},
                   {"requests", requests},
                   {"skus", a.skus},
                   {"ws_messages", ws_messages.load()},
                   {"ws_lag_ms_p50", ws_p50},
                   {"ws_lag_ms_p99", ws_p99},
                   {"ws_lag_ms_max", ws_max},
                   {"ws_missing", ws_missing},
                   {"outbox_messages", outbox_messages},
                   {"outbox_lag_ms_p50", ob_p50},
                   {"outbox_lag_ms_p99", ob_p99},
                   {"outbox_missing", outbox_missing},
                   {"seed", a.seed}};
  std::string text = fmt::format(
      "ats-sync bench (real server, durable): {} changes in {:.2f} s = {:.0f} changes/s over {} "
      "CSV requests, {} SKUs, channel {}\n"
      "change -> WebSocket ats: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms ({} messages, {} "
      "changes never seen; target p99 <= 250 ms)\n"
      "change -> outbox ats.changed enqueued: p50 {:.1f} ms, p99 {:.1f} ms ({} messages, {} "
      "changes never enqueued)",
      total, send_s, static_cast<double>(total) / send_s, requests, a.skus, kChannel, ws_p50,
      ws_p99, ws_max, ws_messages.load(), ws_missing, ob_p50, ob_p99, outbox_messages,
      outbox_missing);
  print(options, out, text);
}
}  // namespace

void add_ats_sync_bench(CLI::App& root, CliOptions& options) {
  CLI::App* bench = root.get_subcommand("bench");
  auto a = std::make_shared<AtsBenchArgs>();
  auto* sync = bench->add_subcommand("ats-sync", "Channel ATS publish lag through a real server");
  sync->add_option("--rate", a->rate_per_s, "ATS changes per second")->capture_default_str();
  sync->add_option("--seconds", a->seconds, "Measured duration")->capture_default_str();
  sync->add_option("--skus", a->skus, "SKUs the changes cycle through")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  sync->add_option("--seed", a->seed, "Recorded only: the change sequence is deterministic")
      ->capture_default_str();
  sync->callback([a, &options] { run_ats_bench(*a, options); });
}

}  // namespace livechain::cli
