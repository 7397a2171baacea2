// tests/server/code_health_test.cpp — issue 15 §2 bugs pinned against a real server,
// started in-process (Server::start) so the test can inject its clock:
//   - a 500 answer is a generic RFC 9457 problem; the exception text stays in the log;
//   - live-signal ingestion stamps what it stores with the injected clock;
//   - the engine read queue's bound can be configured, within its range.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "engine/ledger.hpp"
#include "server/server.hpp"
#include "store/store.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace livechain {
namespace {

namespace json = boost::json;
using test_support::HttpClient;
using test_support::HttpResponse;

constexpr TimeMs kFixedMs = 1'000'000'000'000;  // 2001-09-09T01:46:40Z, far from today
constexpr const char* kSecret = "disk sensor 7 failed at /srv/livechain/secret.db";

// The fixed clock, which throws while `armed` when read on a server I/O thread (named
// "lc-io" by the server): a handler that reads the clock there (GET /v1/stock/{sku}
// ?as_of=… checks "not in the future") then throws the way a bug would. Other threads
// (engine, journal, workers) always get the fixed time, so the server keeps running.
class ThrowingClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    if (armed.load()) {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      if (std::string(name) == "lc-io") throw std::runtime_error(kSecret);
    }
    return kFixedMs;
  }
  std::atomic<bool> armed{false};
};

// A server on a fresh database with one admin key, stopped at the end.
class InProcessServer {
 public:
  InProcessServer(const test_support::TempDir& dir, const Clock& clock) {
    db_ = dir.path() + "/health.db";
    EXPECT_TRUE(engine::Ledger::init(db_).has_value());
    auto keys = store::ApiKeyStore::open(db_);
    EXPECT_TRUE(keys.has_value());
    auto key = (*keys)->create("admin", "test", 0);
    EXPECT_TRUE(key.has_value());
    key_ = *key;
    server::ServerOptions options;
    options.db_path = db_;
    options.listen_port = 0;
    options.clock = &clock;
    auto server = server::Server::start(options);
    EXPECT_TRUE(server.has_value()) << server.error().to_string();
    if (server) server_ = std::move(*server);
  }
  ~InProcessServer() {
    if (server_) server_->stop();
  }
  bool started() const { return server_ != nullptr; }
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& content_type = "") {
    HttpClient client(server_->port());
    test_support::Headers headers = {{"Authorization", "Bearer " + key_}};
    if (!content_type.empty()) headers.emplace_back("Content-Type", content_type);
    return client.request(method, target, body, headers);
  }
  const std::string& db() const { return db_; }

 private:
  std::string db_;
  std::string key_;
  std::unique_ptr<server::Server> server_;
};

// Captures what this process writes to stderr (fd 2) while alive.
class StderrCapture {
 public:
  explicit StderrCapture(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int file = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ::dup2(file, 2);
    ::close(file);
  }
  // Restores stderr and returns what was written.
  std::string finish() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    return test_support::read_file(path_);
  }

 private:
  std::string path_;
  int saved_ = -1;
};

// Issue 15 §2: the handler's exception text went to the client as the 500's detail.
TEST(CodeHealth, InternalErrorAnswersAGenericProblemAndLogsTheDetail) {
  test_support::TempDir dir;
  ThrowingClock clock;
  InProcessServer server(dir, clock);
  ASSERT_TRUE(server.started());
  const std::string target = "/v1/stock/6901234567892?as_of=2001-09-09T00:00:00Z";
  // Clock fine: an answer about the SKU (never defined), not a 500.
  const unsigned healthy_status = server.request("GET", target).status;
  ASSERT_TRUE(healthy_status >= 400 && healthy_status < 500) << healthy_status;

  StderrCapture log(dir.path() + "/stderr.txt");
  clock.armed.store(true);
  HttpResponse failed = server.request("GET", target);
  clock.armed.store(false);
  const std::string logged = log.finish();

  EXPECT_EQ(failed.status, 500u) << failed.body;
  EXPECT_EQ(failed.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(failed.body.find("sensor"), std::string::npos) << failed.body;
  EXPECT_EQ(failed.body.find("/srv"), std::string::npos) << failed.body;
  json::object problem = json::parse(failed.body).as_object();
  EXPECT_EQ(problem["type"], "https://livechain.dev/problems/internal");
  EXPECT_EQ(problem["status"], 500);
  EXPECT_EQ(problem["title"], "Internal error");
  EXPECT_TRUE(problem["detail"].is_string());
  // The operator sees what happened, on which route.
  EXPECT_NE(logged.find(kSecret), std::string::npos) << logged;
  EXPECT_NE(logged.find("/v1/stock/{sku}"), std::string::npos) << logged;
  // The server keeps serving.
  EXPECT_EQ(server.request("GET", target).status, healthy_status);
}

// Issue 15 §2: live signals were stored stamped with the system clock, not the server's
// injected clock (the demo's simulated clock, a test's fixed one).
TEST(CodeHealth, LiveSignalsAreStampedWithTheInjectedClock) {
  test_support::TempDir dir;
  ManualClock clock(kFixedMs);
  std::string signals_db;
  {
    InProcessServer server(dir, clock);
    ASSERT_TRUE(server.started());
    const std::string line =
        R"({"type": "viewers", "session": "s-1", "at_ms": 1000000000000, "viewers": 120})";
    HttpResponse ingested =
        server.request("POST", "/v1/events", line + "\n" + line + "\n", "application/x-ndjson");
    ASSERT_EQ(ingested.status, 200u) << ingested.body;
    EXPECT_EQ(json::parse(ingested.body).as_object()["accepted"], 2);
    signals_db = server.db() + ".signals";
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(signals_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT received_at_ms FROM live_signals", -1, &select, nullptr),
            SQLITE_OK);
  int rows = 0;
  while (sqlite3_step(select) == SQLITE_ROW) {
    ++rows;
    EXPECT_EQ(sqlite3_column_int64(select, 0), kFixedMs);
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  EXPECT_EQ(rows, 2);
}

// The engine read queue's bound (Sequencer::queue_reads_max, crossed in
// tests/engine/sequencer_test.cpp) is a serve config key with a checked range.
TEST(CodeHealth, EngineReadQueueBoundIsAConfigKeyWithARange) {
  test_support::TempDir dir;
  auto load = [&](const std::string& text) {
    const std::string path = dir.file("server.json");
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), file);
    std::fclose(file);
    return server::load_server_config(path, server::ServerOptions{});
  };
  EXPECT_EQ(server::ServerOptions{}.engine_queue_reads_max, 65'536u);
  auto loaded = load(R"({"engine_queue_reads_max": 128})");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
  EXPECT_EQ(loaded->engine_queue_reads_max, 128u);
  for (const char* bad :
       {R"({"engine_queue_reads_max": 63})", R"({"engine_queue_reads_max": 16777217})",
        R"({"engine_queue_reads_max": "many"})"}) {
    SCOPED_TRACE(bad);
    auto refused = load(bad);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(refused.error().field, "engine_queue_reads_max");
  }
}

}  // namespace
}  // namespace livechain
