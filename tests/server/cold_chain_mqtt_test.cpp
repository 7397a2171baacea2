// tests/server/cold_chain_mqtt_test.cpp — issue 12 §6 over MQTT: a real Mosquitto broker
// (Debian's, started here on 127.0.0.1 and stopped by PID), `livechain serve` subscribed
// to livechain/sensors/+, readings published with libmosquitto, stored and turned into
// an excursion alert exactly as over HTTP; a bad payload is counted, never stored.
#include <arpa/inet.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "server_fixture.hpp"

namespace {

using namespace std::chrono_literals;

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

class ColdChainMqttTest : public ServerApiTest {
 protected:
  void SetUp() override {
    broker_port_ = free_port();
    std::string config = dir_.file("mosquitto.conf");
    std::ofstream(config) << "listener " << broker_port_ << " 127.0.0.1\nallow_anonymous true\n"
                          << "persistence false\n";
    ASSERT_TRUE(broker_.start("/usr/sbin/mosquitto", {"-c", config}, dir_.file("broker.out"),
                              dir_.file("broker.err")));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepts(broker_port_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(accepts(broker_port_)) << read_file(dir_.file("broker.err"));
    ServerApiTest::SetUp();
  }
  void TearDown() override {
    ServerApiTest::TearDown();
    broker_.kill_and_reap();
  }
  std::string config_json() const override {
    return R"({"mqtt": {"host": "127.0.0.1", "port": )" + std::to_string(broker_port_) + "}}";
  }

  // Publishes each payload to livechain/sensors/{shipment} at QoS 1 and waits for the
  // broker's acknowledgements.
  void publish(const std::string& shipment, const std::vector<std::string>& payloads) {
    mosquitto_lib_init();
    mosquitto* client = mosquitto_new(nullptr, true, nullptr);
    ASSERT_NE(client, nullptr);
    ASSERT_EQ(mosquitto_connect(client, "127.0.0.1", broker_port_, 10), MOSQ_ERR_SUCCESS);
    std::string topic = "livechain/sensors/" + shipment;
    for (const std::string& payload : payloads) {
      ASSERT_EQ(mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                  payload.data(), 1, false),
                MOSQ_ERR_SUCCESS);
    }
    for (int i = 0; i < 50; ++i) mosquitto_loop(client, 20, 1);  // deliver and take PUBACKs
    mosquitto_disconnect(client);
    mosquitto_destroy(client);
  }

  // The shipment's state once it holds `count` readings (polled for up to 10 s).
  json::object wait_for_readings(const std::string& shipment, int64_t count) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    json::object state;
    while (std::chrono::steady_clock::now() < deadline) {
      HttpResponse r = call("auditor", "GET", "/v1/shipments/" + shipment + "/cold-chain");
      if (r.status == 200) {
        state = parse_object(r.body);
        if (num(state, "readings_count") >= count) return state;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "shipment " << shipment << " did not reach " << count
                  << " readings: " << json::serialize(state) << "\n"
                  << server_stderr();
    return state;
  }

  uint16_t broker_port_ = 0;
  BackgroundProcess broker_;
};

TEST_F(ColdChainMqttTest, ReadingsOverMqttAreStoredAndRaiseTheSameAlert) {
  ASSERT_EQ(call("warehouse", "PUT", "/v1/shipments/TRUCK-9/cold-chain",
                 R"({"min_c": -20, "max_c": -15})")
                .status,
            200u);
  EXPECT_TRUE(IsProblem(call("warehouse", "PUT", "/v1/shipments/TRUCK-9/cold-chain",
                             R"({"min_c": -15, "max_c": -20})"),
                        422, "max_c"));
  // One reading per message, then a logger's batch as an array, then garbage.
  publish("TRUCK-9", {R"({"time":"2026-12-07T09:00:00Z","temp_c":-18.2,"sensor":"s1"})",
                      R"([{"time":"2026-12-07T09:01:00Z","temp_c":-17.0,"sensor":"s1"},)"
                      R"({"time":"2026-12-07T09:02:00Z","temp_c":-14.4,"sensor":"s1"}])",
                      R"(not json)", R"({"time":"2026-12-07T09:03:00Z","temp_c":"warm"})"});
  json::object state = wait_for_readings("TRUCK-9", 3);
  EXPECT_EQ(num(state, "readings_count"), 3);
  EXPECT_TRUE(state.at("excursion_open").as_bool());  // −14.4 °C: 0.6 °C above −15
  HttpResponse alerts = call("admin", "GET", "/v1/alerts?kind=cold_chain_excursion");
  ASSERT_EQ(alerts.status, 200u);
  EXPECT_EQ(parse_object(alerts.body).at("alerts").as_array().size(), 1u) << alerts.body;
  EXPECT_NE(server_stderr().find("payload is not JSON"), std::string::npos) << server_stderr();

  // The same messages again (a logger reconnecting) store nothing new.
  publish("TRUCK-9", {R"({"time":"2026-12-07T09:00:00Z","temp_c":-18.2,"sensor":"s1"})",
                      R"({"time":"2026-12-07T09:04:00Z","temp_c":-16.0,"sensor":"s1"})"});
  state = wait_for_readings("TRUCK-9", 4);
  EXPECT_EQ(num(state, "readings_count"), 4);
  EXPECT_FALSE(state.at("excursion_open").as_bool());  // back in range: resolved
}

// A broker that cannot be reached stops start-up with the reason, naming "mqtt".
class ColdChainMqttDownTest : public ServerApiTest {
  bool seed() const override { return false; }
};

TEST_F(ColdChainMqttDownTest, AnUnreachableBrokerStopsStartUp) {
  ASSERT_EQ(stop_server(), 0);
  std::ofstream(dir_.file("mqtt.json"))
      << R"({"mqtt": {"host": "127.0.0.1", "port": )" << free_port() << "}}";
  RunResult refused =
      cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", dir_.file("mqtt.json")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("mqtt"), std::string::npos) << refused.err;
  std::ofstream(dir_.file("bad.json"))
      << R"({"mqtt": {"host": "127.0.0.1", "topic_prefix": "a/+"}})";
  RunResult bad =
      cli({"serve", "--db", db_, "--listen", "127.0.0.1:0", "--config", dir_.file("bad.json")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("mqtt.topic_prefix"), std::string::npos) << bad.err;
}

}  // namespace

namespace {
// The bench runs end to end (its own broker, its own server) and counts every reading.
TEST_F(ColdChainMqttDownTest, TheSensorBenchStoresEveryReading) {
  RunResult bench = cli({"--json", "bench", "sensors", "--readings", "3000", "--per-message", "10",
                         "--shipments", "3", "--seed", "7"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  json::object out = parse_object(bench.out);
  EXPECT_EQ(num(out, "stored"), 3000);
  EXPECT_EQ(num(out, "messages"), 300);
  EXPECT_GT(out.at("readings_per_s").to_number<double>(), 0);
  EXPECT_GT(out.at("sqlite_peer_rows_per_s").to_number<double>(), 0);
  EXPECT_NE(bench.err.find("SEED=7"), std::string::npos);
}
}  // namespace
