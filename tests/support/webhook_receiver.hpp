// tests/support/webhook_receiver.hpp — shared by the test binaries.
//
// A real HTTP/1.1 receiver for webhook tests on 127.0.0.1 (port 0), built on
// Boost.Beast: one thread accepts, one thread per connection serves keep-alive
// requests. Each request is recorded (headers and body) and answered with the status
// `status()` returns at that moment (set_status() flips a failing receiver into a
// healthy one). stop() — and the destructor — shut every socket and join every thread.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace livechain::test_support {

struct ReceivedRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  unsigned answered_status = 0;
};

class WebhookReceiver {
 public:
  WebhookReceiver() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~WebhookReceiver() { stop(); }

  uint16_t port() const { return port_; }
  void set_status(unsigned status) { status_.store(status); }
  // Each answer waits this long first (a slow receiver).
  void set_delay(std::chrono::milliseconds delay) { delay_ms_.store(delay.count()); }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    boost::system::error_code ignored;
    {
      // Wake the blocking accept with a connection of our own.
      boost::asio::ip::tcp::socket poke(io_);
      poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
    }
    if (accept_thread_.joinable()) accept_thread_.join();
    {
      std::lock_guard lock(mutex_);
      for (auto& socket : sockets_)
        socket->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    }
    for (auto& thread : connection_threads_) thread.join();
  }

 private:
  void accept_loop() {
    while (!stopped_.load()) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code error;
      acceptor_.accept(*socket, error);
      if (error || stopped_.load()) break;
      std::lock_guard lock(mutex_);
      sockets_.push_back(socket);
      connection_threads_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  void serve(boost::asio::ip::tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code error;
      http::read(socket, buffer, request, error);
      if (error) return;
      ReceivedRequest received;
      received.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        received.headers[name] = std::string(field.value());
      }
      received.body = request.body();
      unsigned status = status_.load();
      received.answered_status = status;
      if (int64_t delay = delay_ms_.load(); delay > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      }
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(received));
      }
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      response.keep_alive(request.keep_alive());
      response.body() = status >= 300 ? "receiver failing on purpose" : "";
      response.prepare_payload();
      http::write(socket, response, error);
      if (error || !response.keep_alive()) return;
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<unsigned> status_{204};
  std::atomic<int64_t> delay_ms_{0};
  std::atomic<bool> stopped_{false};
  std::thread accept_thread_;
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;                               // GUARDED_BY(mutex_)
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;  // GUARDED_BY(mutex_)
  std::vector<std::thread> connection_threads_;                         // GUARDED_BY(mutex_)
};

}  // namespace livechain::test_support
