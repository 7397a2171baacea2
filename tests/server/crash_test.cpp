// tests/server/crash_test.cpp — kill `livechain serve` with SIGKILL while clients
// reserve over HTTP, then audit the database.
//
// Method: a database gets a catalog with limited stock over HTTP. Then, for kRounds
// rounds, the server is started, kClients client threads reserve over keep-alive
// connections (one order per request, Idempotency-Key = order id), and after a seeded
// 150–600 ms the server is killed with SIGKILL. Each client also retries, with the
// same key, one order whose answer it never got. After each kill the test opens the
// journal read-only and checks:
//   - every reservation that got a 201 exists, pending, with exactly its lines;
//   - no order id has two reservations (retries across crashes replayed the first);
//   - no balance is oversold: available >= 0 and reserved = the sum of pending lines.
// The last round ends with SIGTERM (exit 0) and `livechain ledger verify`.
// SEED= is printed; LIVECHAIN_SEED replays the same workload (kill points are timing).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "engine/ledger.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

namespace {

using namespace livechain;
namespace json = boost::json;
using test_support::read_file;
using test_support::run_program;

constexpr int kRounds = 12;
constexpr int kClients = 4;
constexpr int kSkus = 4;
constexpr int64_t kStockPerSku = 5000;  // may run out during the test: 409s are fine
const char* const kGtins[kSkus] = {"06901234567892", "06901234567908", "06901234567915",
                                   "06901234567922"};

// One blocking HTTP/1.1 connection. Any failure leaves status 0.
class Connection {
 public:
  explicit Connection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) close();
  }
  ~Connection() { close(); }
  bool open() const { return fd_ >= 0; }

  std::pair<int, std::string> request(const std::string& method, const std::string& target,
                                      const std::string& key, const std::string& body,
                                      const std::string& idempotency_key = "") {
    if (fd_ < 0) return {0, ""};
    std::string message = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Authorization: Bearer " + key + "\r\n";
    if (!body.empty()) message += "Content-Type: application/json\r\n";
    if (!idempotency_key.empty()) message += "Idempotency-Key: " + idempotency_key + "\r\n";
    message += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd_, message.data(), message.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(message.size())) {
      close();
      return {0, ""};
    }
    std::string data;
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    char buffer[8192];
    while (header_end == std::string::npos || data.size() < header_end + 4 + content_length) {
      ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) {
        close();
        return {0, ""};
      }
      data.append(buffer, static_cast<size_t>(got));
      if (header_end == std::string::npos &&
          (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        size_t at = data.find("Content-Length: ");
        if (at != std::string::npos && at < header_end)
          content_length = std::stoul(data.substr(at + 16));
      }
    }
    int status = std::stoi(data.substr(9, 3));
    return {status, data.substr(header_end + 4, content_length)};
  }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

struct Server {
  pid_t pid = 0;
  uint16_t port = 0;
};

// Starts `livechain serve` on a free port and waits for its "listening on" line.
Server start_server(const std::string& db, const std::string& dir, int round) {
  std::string out = dir + "/serve" + std::to_string(round) + ".out";
  std::string err = dir + "/serve" + std::to_string(round) + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {LIVECHAIN_BINARY, "serve",      "--db", db,
                                   "--listen",       "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  Server server;
  EXPECT_EQ(posix_spawn(&server.pid, LIVECHAIN_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_file(out);
    if (size_t at = text.find("listening on http://127.0.0.1:");
        at != std::string::npos && text.find('\n', at) != std::string::npos) {
      server.port = static_cast<uint16_t>(std::stoi(text.substr(at + 30)));
      return server;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "server did not start: " << read_file(err);
  return server;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Acked {
  uint64_t reservation_id;
  std::string order_id;
  std::string gtin;
  int64_t qty;
};

TEST(ServerCrash, AcknowledgedReservationsSurviveSigkill) {
  uint64_t seed = std::getenv("LIVECHAIN_SEED") ? std::stoull(std::getenv("LIVECHAIN_SEED"))
                                                : std::random_device{}();
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  test_support::TempDir dir;
  std::string db = dir.path() + "/crash.db";
  ASSERT_EQ(run_program(LIVECHAIN_BINARY, {"init", "--db", db}, dir.path()).exit_code, 0);
  auto created = run_program(LIVECHAIN_BINARY, {"apikey", "create", "--role", "admin", "--db", db},
                             dir.path());
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string key = created.out.substr(created.out.rfind("lc_"));
  key = key.substr(0, key.find('\n'));

  std::vector<Acked> acked;
  std::mutex acked_mutex;
  std::vector<std::string> unanswered;  // orders sent whose answer never came
  std::atomic<uint64_t> order_counter{0};
  for (int round = 0; round < kRounds; ++round) {
    Server server = start_server(db, dir.path(), round);
    ASSERT_NE(server.port, 0);
    if (round == 0) {
      Connection setup(server.port);
      ASSERT_EQ(
          setup.request("PUT", "/v1/locations/dc-east", key, R"({"kind":"dc","region":"east"})")
              .first,
          200);
      ASSERT_EQ(setup.request("PUT", "/v1/channels/live-1", key, R"({"kind":"live_room"})").first,
                200);
      for (const char* gtin : kGtins) {
        ASSERT_EQ(
            setup.request("PUT", std::string("/v1/skus/") + gtin, key, R"({"name":"x"})").first,
            200);
        std::string receipt = std::string(R"({"sku":")") + gtin +
                              R"(","location":"dc-east","qty":)" + std::to_string(kStockPerSku) +
                              "}";
        ASSERT_EQ(setup.request("POST", "/v1/receipts", key, receipt).first, 201);
      }
    }
    std::vector<std::string> retries;
    retries.swap(unanswered);
    std::mutex unanswered_mutex;
    std::vector<std::thread> clients;
    std::atomic<bool> stop{false};
    for (int c = 0; c < kClients; ++c) {
      uint64_t client_seed = rng();
      std::string retry = c < static_cast<int>(retries.size()) ? retries[c] : "";
      clients.emplace_back([&, client_seed, retry]() mutable {
        std::mt19937_64 client_rng(client_seed);
        Connection connection(server.port);
        while (!stop.load() && connection.open()) {
          std::string order_id;
          int sku = 0;
          int64_t qty = 0;
          bool is_retry = false;
          if (!retry.empty()) {
            // Same key and same body as the first attempt: order ids encode both.
            order_id = retry;
            is_retry = true;
            retry.clear();
          } else {
            order_id = "o-" + std::to_string(order_counter.fetch_add(1)) + "-" +
                       std::to_string(client_rng() % kSkus) + "-" +
                       std::to_string(1 + client_rng() % 3);
          }
          size_t dash = order_id.rfind('-');
          qty = std::stoll(order_id.substr(dash + 1));
          sku = std::stoi(order_id.substr(order_id.rfind('-', dash - 1) + 1));
          std::string body = R"({"order_id":")" + order_id +
                             R"(","channel":"live-1","ttl_ms":604800000,"lines":[{"sku":")" +
                             kGtins[sku] + R"(","qty":)" + std::to_string(qty) + "}]}";
          auto [status, reply] =
              connection.request("POST", "/v1/reservations", key, body, order_id);
          if (status == 201) {
            json::value view = json::parse(reply);
            std::lock_guard lock(acked_mutex);
            acked.push_back({static_cast<uint64_t>(view.at("reservation_id").as_int64()), order_id,
                             kGtins[sku], qty});
          } else if (status == 0) {
            std::lock_guard lock(unanswered_mutex);
            unanswered.push_back(order_id);
          } else {
            EXPECT_TRUE(status == 409 || status == 503) << status << " " << reply;
          }
          (void)is_retry;
        }
      });
    }
    bool last = round == kRounds - 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 450));
    if (last) {
      stop.store(true);
      for (auto& client : clients) client.join();
      kill(server.pid, SIGTERM);
      EXPECT_EQ(wait_exit(server.pid), 0) << "SIGTERM must drain and exit 0";
    } else {
      kill(server.pid, SIGKILL);
      EXPECT_EQ(wait_exit(server.pid), 128 + SIGKILL);
      stop.store(true);
      for (auto& client : clients) client.join();
    }

    // Audit the journal alone.
    auto ledger = engine::Ledger::open_reader(db);
    ASSERT_TRUE(ledger.has_value()) << ledger.error().to_string();
    const engine::Engine& engine = (*ledger)->engine();
    std::map<std::string, int64_t> reserved_by_gtin;
    std::set<std::string> orders;
    for (uint64_t id = 1; id < engine.state().next_reservation_id(); ++id) {
      auto view = engine.reservation(id);
      ASSERT_TRUE(view.has_value());
      ASSERT_EQ(view->status, engine::ReservationStatus::pending) << id;
      EXPECT_TRUE(orders.insert(view->order_id).second)
          << "order " << view->order_id << " reserved twice (round " << round << ")";
      for (const auto& line : view->lines) reserved_by_gtin[line.gtin] += line.qty_units;
    }
    for (const Acked& a : acked) {
      auto view = engine.reservation(a.reservation_id);
      ASSERT_TRUE(view.has_value()) << "acked reservation " << a.reservation_id << " lost";
      EXPECT_EQ(view->order_id, a.order_id);
      ASSERT_EQ(view->lines.size(), 1u);
      EXPECT_EQ(view->lines[0].gtin, a.gtin);
      EXPECT_EQ(view->lines[0].qty_units, a.qty);
    }
    auto stock = engine.stock(std::nullopt);
    ASSERT_TRUE(stock.has_value());
    for (const auto& balance : *stock) {
      EXPECT_GE(balance.balance.available_units(), 0);
      EXPECT_EQ(balance.balance.on_hand_units, kStockPerSku);
      EXPECT_EQ(balance.balance.reserved_units, reserved_by_gtin[balance.gtin]) << balance.gtin;
    }
    std::printf("round %d: %zu acked so far, %llu reservations in the journal\n", round,
                acked.size(),
                static_cast<unsigned long long>(engine.state().next_reservation_id() - 1));
  }
  auto verified = run_program(LIVECHAIN_BINARY, {"ledger", "verify", "--db", db}, dir.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_GT(acked.size(), 100u) << "the clients should have got many reservations through";
}

}  // namespace
