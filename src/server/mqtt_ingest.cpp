// src/server/mqtt_ingest.cpp — libmosquitto subscriber feeding the cold-chain ingest.
#include "server/mqtt_ingest.hpp"

#include <mosquitto.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "server/cold_chain_ingest.hpp"

namespace livechain::server {

namespace json = boost::json;

namespace {
std::once_flag mosquitto_initialised;
}  // namespace

struct MqttIngest::Impl {
  MqttOptions options;
  store::SensorStore* sensors = nullptr;
  engine::Sequencer* sequencer = nullptr;
  mosquitto* client = nullptr;
  MqttCounters counters;

  std::mutex mutex;
  std::condition_variable wake;
  std::vector<store::SensorReading> buffer;  // GUARDED_BY(mutex)
  bool stopping = false;                     // GUARDED_BY(mutex)
  std::thread flusher;

  // Called on libmosquitto's network thread for every message.
  void on_message(const mosquitto_message& message) {
    counters.messages.fetch_add(1);
    std::string_view topic(message.topic);
    std::string_view shipment = topic.substr(topic.rfind('/') + 1);
    boost::system::error_code error;
    json::value payload = json::parse(std::string_view(static_cast<const char*>(message.payload),
                                                       static_cast<size_t>(message.payloadlen)),
                                      error);
    std::vector<store::SensorReading> parsed;
    auto take = [&](const json::value& item) {
      auto reading = item.is_object()
                         ? parse_sensor_reading(item.get_object(), std::string(shipment))
                         : Result<store::SensorReading>(
                               fail(ErrorCode::invalid_argument, "payload", "not an object"));
      if (reading) {
        parsed.push_back(std::move(*reading));
      } else {
        counters.readings_rejected.fetch_add(1);
        std::fprintf(stderr, "mqtt: %s: %s\n", message.topic, reading.error().to_string().c_str());
      }
    };
    if (error) {
      counters.readings_rejected.fetch_add(1);
      std::fprintf(stderr, "mqtt: %s: payload is not JSON\n", message.topic);
    } else if (payload.is_array()) {
      for (const json::value& item : payload.get_array()) take(item);
    } else {
      take(payload);
    }
    if (parsed.empty()) return;
    std::lock_guard lock(mutex);
    if (buffer.size() + parsed.size() > options.buffer_readings_max) {
      counters.readings_dropped.fetch_add(parsed.size());
      return;
    }
    for (auto& reading : parsed) buffer.push_back(std::move(reading));
    if (buffer.size() >= options.flush_readings_max) wake.notify_one();
  }

  // Writes what is buffered; waits until its alerts are durable, so batches stay in order.
  void flush(std::vector<store::SensorReading>& batch) {
    if (batch.empty()) return;
    std::promise<void> finished;
    ingest_readings(*sensors, *sequencer, batch, [&](Result<ColdChainIngest>&& done) {
      if (done) {
        counters.readings_stored.fetch_add(done->stored);
      } else {
        std::fprintf(stderr, "mqtt: readings not stored: %s\n", done.error().to_string().c_str());
      }
      finished.set_value();
    });
    finished.get_future().wait();
    batch.clear();
  }

  void run_flusher() {
    std::vector<store::SensorReading> batch;
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait_for(lock, std::chrono::milliseconds(options.flush_interval_ms),
                    [&] { return stopping || buffer.size() >= options.flush_readings_max; });
      batch.swap(buffer);
      const bool last = stopping;
      lock.unlock();
      flush(batch);
      lock.lock();
      if (last && buffer.empty()) return;
    }
  }
};

MqttIngest::MqttIngest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MqttIngest>> MqttIngest::start(const MqttOptions& options,
                                                      store::SensorStore& sensors,
                                                      engine::Sequencer& sequencer) {
  std::call_once(mosquitto_initialised, [] { mosquitto_lib_init(); });
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sensors = &sensors;
  impl->sequencer = &sequencer;
  impl->client = mosquitto_new(nullptr, true, impl.get());
  if (impl->client == nullptr) return fail(ErrorCode::io_error, "mqtt", "mosquitto_new failed");
  mosquitto_int_option(impl->client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_message_callback_set(impl->client,
                                 [](mosquitto*, void* self, const mosquitto_message* message) {
                                   static_cast<Impl*>(self)->on_message(*message);
                                 });
  // Subscribe on every (re)connect: a clean session forgets subscriptions.
  mosquitto_connect_callback_set(impl->client, [](mosquitto* client, void* self, int rc) {
    if (rc != 0) return;
    std::string topic = static_cast<Impl*>(self)->options.topic_prefix + "/+";
    mosquitto_subscribe(client, nullptr, topic.c_str(), 1);
  });
  int rc = mosquitto_connect(impl->client, options.host.c_str(), options.port, 30);
  if (rc != MOSQ_ERR_SUCCESS) {
    std::string reason = mosquitto_strerror(rc);
    mosquitto_destroy(impl->client);
    return fail(ErrorCode::io_error, "mqtt",
                "cannot reach the broker at " + options.host + ":" + std::to_string(options.port) +
                    ": " + reason);
  }
  impl->flusher = std::thread([raw = impl.get()] { raw->run_flusher(); });
  if (mosquitto_loop_start(impl->client) != MOSQ_ERR_SUCCESS) {
    {
      std::lock_guard lock(impl->mutex);
      impl->stopping = true;
    }
    impl->wake.notify_one();
    impl->flusher.join();
    mosquitto_destroy(impl->client);
    return fail(ErrorCode::io_error, "mqtt", "cannot start the MQTT network thread");
  }
  return std::unique_ptr<MqttIngest>(new MqttIngest(std::move(impl)));
}

MqttIngest::~MqttIngest() {
  mosquitto_disconnect(impl_->client);
  mosquitto_loop_stop(impl_->client, false);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  impl_->flusher.join();
  mosquitto_destroy(impl_->client);
}

const MqttCounters& MqttIngest::counters() const {
  return impl_->counters;
}

}  // namespace livechain::server
