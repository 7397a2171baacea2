// src/cli/bench_sensors.cpp — `livechain bench sensors`: cold-chain readings ingested per
// second over MQTT, end to end (issue 12 §6: target ≥ 50,000/s).
//
// Starts Debian's Mosquitto on a free 127.0.0.1 port (stopped by PID at the end), a real
// `serve` in-process subscribed to it, and publishes N readings (QoS 1, K per message,
// deterministic from --seed) to livechain/sensors/{shipment}; the clock stops when the
// sensor store holds all N. The peer in the same run: the same rows written straight into
// SQLite (same schema and settings, 5,000 rows per transaction) — what storage alone costs.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "cli/cli.hpp"
#include "cli/command_support.hpp"
#include "core/time.hpp"
#include "engine/ledger.hpp"
#include "server/server.hpp"
#include "store/sensor_store.hpp"

namespace livechain::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct SensorBenchArgs {
  int64_t readings = 200'000;
  int per_message = 100;
  int shipments = 100;
  uint64_t seed = 1;
  std::string mosquitto = "/usr/sbin/mosquitto";
};

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// The broker, stopped by PID when this goes out of scope.
struct Broker {
  pid_t pid = -1;
  ~Broker() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

std::string reading_json(int64_t i, std::mt19937_64& random) {
  // 2 … 8 °C around 5 °C, one reading in a thousand at 9.5 °C (an excursion).
  double temp = (i % 1000 == 999) ? 9.5 : 5.0 + std::normal_distribution<double>(0, 0.8)(random);
  temp = std::round(std::clamp(temp, -50.0, 50.0) * 100) / 100;
  // One reading a second: every (shipment, time) is distinct.
  return fmt::format(R"({{"time":"{}","temp_c":{},"sensor":"s0"}})",
                     format_rfc3339_ms(1'764'547'200'000 + i * 1000), temp);
}

uint64_t stored_readings(store::SensorStore& sensors, int shipments) {
  uint64_t total = 0;
  for (int s = 0; s < shipments; ++s) {
    auto state = sensors.shipment(fmt::format("SH-{}", s));
    if (state && *state) total += (*state)->readings;
  }
  return total;
}

// The peer: the same rows into a fresh SQLite file, 5,000 per transaction.
double sqlite_peer_rows_per_s(const std::string& path, int64_t readings, int shipments,
                              uint64_t seed) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE readings(shipment TEXT NOT NULL, time_ms INTEGER NOT NULL, sensor "
               "TEXT NOT NULL, temp_centi_c INTEGER NOT NULL, PRIMARY KEY(shipment, time_ms, "
               "sensor)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO readings VALUES(?, ?, ?, ?)", -1, &insert, nullptr);
  std::mt19937_64 random(seed);
  auto started = Clock::now();
  for (int64_t i = 0; i < readings; ++i) {
    if (i % 5000 == 0) sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    std::string shipment = fmt::format("SH-{}", i % shipments);
    sqlite3_bind_text(insert, 1, shipment.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 2, 1'764'547'200'000 + i * 1000);
    sqlite3_bind_text(insert, 3, "s0", -1, SQLITE_STATIC);
    sqlite3_bind_int(insert, 4,
                     static_cast<int>(500 + std::normal_distribution<double>(0, 80)(random)));
    sqlite3_step(insert);
    sqlite3_reset(insert);
    if (i % 5000 == 4999 || i + 1 == readings)
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(readings) / seconds;
}

void run_sensor_bench(const SensorBenchArgs& a, const CliOptions& options) {
  if (a.readings < 1 || a.readings > 10'000'000) {
    exit_with_error(Error{ErrorCode::invalid_argument, "readings", "must be 1 … 10,000,000"});
  }
  if (a.per_message < 1 || a.per_message > 1000) {
    exit_with_error(Error{ErrorCode::invalid_argument, "per_message", "must be 1 … 1,000"});
  }
  if (a.shipments < 1 || a.shipments > 10'000) {
    exit_with_error(Error{ErrorCode::invalid_argument, "shipments", "must be 1 … 10,000"});
  }
  std::fprintf(stderr, "bench sensors: SEED=%llu\n", static_cast<unsigned long long>(a.seed));
  char pattern[] = "/tmp/livechain-bench-sensors-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const uint16_t broker_port = free_port();
  std::ofstream(dir + "/mosquitto.conf")
      << "listener " << broker_port << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
      << "max_queued_messages 0\nmax_inflight_messages 0\n";
  Broker broker;
  broker.pid = ::fork();
  if (broker.pid == 0) {
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    std::string config = dir + "/mosquitto.conf";
    ::execl(a.mosquitto.c_str(), a.mosquitto.c_str(), "-c", config.c_str(), nullptr);
    ::_exit(127);
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!accepts(broker_port) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!accepts(broker_port)) {
    exit_with_error(Error{ErrorCode::io_error, "mosquitto", a.mosquitto + " did not start"});
  }

  const std::string db = dir + "/bench.db";
  if (auto created = engine::Ledger::init(db); !created) exit_with_error(created.error());
  server::ServerOptions server_options;
  server_options.db_path = db;
  server_options.listen_port = 0;
  server_options.mqtt.host = "127.0.0.1";
  server_options.mqtt.port = broker_port;
  auto server = server::Server::start(server_options);
  if (!server) exit_with_error(server.error());
  auto sensors = store::SensorStore::open(db);
  if (!sensors) exit_with_error(sensors.error());
  for (int s = 0; s < a.shipments; ++s) {
    (void)(*sensors)->put_range(fmt::format("SH-{}", s), "", 200, 800, 0);
  }

  mosquitto_lib_init();
  mosquitto* publisher = mosquitto_new(nullptr, true, nullptr);
  mosquitto_int_option(publisher, MOSQ_OPT_SEND_MAXIMUM, 1000);
  if (mosquitto_connect(publisher, "127.0.0.1", broker_port, 30) != MOSQ_ERR_SUCCESS) {
    exit_with_error(Error{ErrorCode::io_error, "mosquitto", "publisher cannot connect"});
  }
  mosquitto_loop_start(publisher);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server has subscribed
  std::mt19937_64 random(a.seed);
  const auto started = Clock::now();
  int64_t messages = 0;
  for (int64_t first = 0; first < a.readings; first += a.per_message) {
    const int64_t last = std::min<int64_t>(first + a.per_message, a.readings);
    // One shipment per message: a logger's batch.
    const int shipment = static_cast<int>(messages % a.shipments);
    std::string payload = "[";
    for (int64_t i = first; i < last; ++i) {
      if (i > first) payload += ',';
      payload += reading_json(i, random);
    }
    payload += ']';
    std::string topic = fmt::format("livechain/sensors/SH-{}", shipment);
    int rc = mosquitto_publish(publisher, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                               payload.data(), 1, false);
    if (rc != MOSQ_ERR_SUCCESS) {
      exit_with_error(Error{ErrorCode::io_error, "mosquitto", mosquitto_strerror(rc)});
    }
    ++messages;
  }
  const double published_s = std::chrono::duration<double>(Clock::now() - started).count();
  uint64_t stored = 0;
  deadline = Clock::now() + std::chrono::seconds(300);
  while ((stored = stored_readings(**sensors, a.shipments)) < static_cast<uint64_t>(a.readings) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double ingested_s = std::chrono::duration<double>(Clock::now() - started).count();
  mosquitto_disconnect(publisher);
  mosquitto_loop_stop(publisher, false);
  mosquitto_destroy(publisher);
  (*server)->stop();
  const double rate = static_cast<double>(stored) / ingested_s;
  const double peer = sqlite_peer_rows_per_s(dir + "/peer.db", a.readings, a.shipments, a.seed);
  std::filesystem::remove_all(dir);
  json::object out{{"readings", a.readings},
                   {"stored", stored},
                   {"messages", messages},
                   {"per_message", a.per_message},
                   {"published_s", published_s},
                   {"ingested_s", ingested_s},
                   {"readings_per_s", rate},
                   {"sqlite_peer_rows_per_s", peer},
                   {"ratio_to_sqlite_peer", rate / peer},
                   {"target_readings_per_s", 50'000},
                   {"seed", a.seed}};
  std::string text = fmt::format(
      "{} readings in {} MQTT messages ({} per message, QoS 1) to {} shipments\n"
      "published in {:.2f} s, all {} stored in {:.2f} s: {:.0f} readings/s end to end "
      "(target 50,000/s: {})\n"
      "peer, the same rows straight into SQLite (5,000 per transaction): {:.0f} rows/s; "
      "ratio {:.2f}",
      a.readings, messages, a.per_message, a.shipments, published_s, stored, ingested_s, rate,
      rate >= 50'000 ? "met" : "NOT met", peer, rate / peer);
  print(options, out, text);
  if (stored < static_cast<uint64_t>(a.readings)) throw CommandExit{kExitFailure};
}

}  // namespace

void add_sensor_bench(CLI::App& root, CliOptions& options) {
  CLI::App* bench = root.get_subcommand("bench");
  auto a = std::make_shared<SensorBenchArgs>();
  auto* sensors =
      bench->add_subcommand("sensors", "Cold-chain readings ingested per second over MQTT");
  sensors->add_option("--readings", a->readings, "Readings to publish")->capture_default_str();
  sensors->add_option("--per-message", a->per_message, "Readings per MQTT message")
      ->capture_default_str();
  sensors->add_option("--shipments", a->shipments, "Shipments (topics) they spread over")
      ->capture_default_str();
  sensors->add_option("--seed", a->seed, "Seed of the temperatures")->capture_default_str();
  sensors->add_option("--mosquitto", a->mosquitto, "The broker binary")->capture_default_str();
  sensors->callback([a, &options] { run_sensor_bench(*a, options); });
}

}  // namespace livechain::cli
