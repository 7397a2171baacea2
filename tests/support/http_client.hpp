// tests/support/http_client.hpp — shared by the test binaries.
//
// A blocking HTTP/1.1 and WebSocket client for integration tests against a real
// server on 127.0.0.1, built on Boost.Beast. Every call blocks until it finishes or
// its timeout passes — nothing here can hang a test. (Beast's synchronous calls take
// no timeout, and SO_RCVTIMEO does not bound Asio's synchronous reads, so each call
// runs the asynchronous operation on a private io_context until it completes or its
// deadline passes, then closes the socket.)
//
//   HttpClient client(port);
//   HttpResponse r = client.request("PUT", "/v1/skus/6901234567892", R"({"name":"x"})",
//                                   {{"Authorization", "Bearer " + key},
//                                    {"Content-Type", "application/json"}});
//   r.status, r.header("Location"), r.body
//
// Raw bytes (malformed requests, half a header, a truncated body) go through
// send_raw(); read_response() and wait_for_close() observe what the server does next.
#pragma once

// g++ 12 at -O2 with sanitizers reports a false maybe-uninitialized inside Beast's
// response parser (boost::optional in content_length_unchecked); silence it for
// Beast only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livechain::test_support {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  unsigned status = 0;  // 0: no response was read (see `error`)
  Headers headers;
  std::string body;
  bool keep_alive = false;
  std::string error;  // transport error; empty when a response was read

  // The first header named `name` (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (boost::beast::iequals(key, name)) return value;
    }
    return "";
  }
  bool has_header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (boost::beast::iequals(key, name)) return true;
    }
    return false;
  }
  // The media type of Content-Type, parameters dropped ("text/plain").
  std::string media_type() const {
    std::string type = header("Content-Type");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    return type;
  }
};

namespace http_client_detail {
namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// Runs `io` until `done()` or `deadline`. True when done.
template <class Done>
bool run_until(net::io_context& io, Done done, std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    if (io.stopped()) io.restart();
    size_t ran = io.run_one_until(deadline);
    if (ran == 0 && !done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io.stopped()) io.restart();
      // No work left and not done: nothing will ever complete.
      if (io.poll() == 0 && !done()) return false;
    }
  }
  return true;
}

// Connects `socket` to 127.0.0.1:port within `timeout`. Empty string on success.
inline std::string connect(net::io_context& io, tcp::socket& socket, uint16_t port,
                           std::chrono::milliseconds timeout) {
  beast::error_code ignored;
  if (socket.is_open()) socket.close(ignored);
  bool done = false;
  beast::error_code result;
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  socket.async_connect(endpoint, [&](beast::error_code error) {
    done = true;
    result = error;
  });
  if (!run_until(
          io, [&] { return done; }, std::chrono::steady_clock::now() + timeout)) {
    socket.close(ignored);
    run_until(
        io, [&] { return done; }, std::chrono::steady_clock::now() + timeout);
    return "connect timed out";
  }
  if (result) return "connect: " + result.message();
  socket.set_option(tcp::no_delay(true), ignored);
  return "";
}
}  // namespace http_client_detail

// One HTTP/1.1 connection to 127.0.0.1:port (keep-alive: requests reuse it while the
// server keeps it open; request() reconnects when it is closed).
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : port_(port), timeout_(timeout), socket_(io_) {}
  ~HttpClient() { close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

  // Opens the connection. False on failure, with error() saying why.
  bool connect() {
    buffer_.clear();
    error_ = http_client_detail::connect(io_, socket_, port_, timeout_);
    return error_.empty();
  }
  bool is_open() const { return socket_.is_open(); }
  void close() {
    boost::beast::error_code ignored;
    if (socket_.is_open()) {
      socket_.shutdown(http_client_detail::tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
    }
  }
  // Half-closes: the server sees end of stream, we can still read.
  void shutdown_send() {
    boost::beast::error_code ignored;
    socket_.shutdown(http_client_detail::tcp::socket::shutdown_send, ignored);
  }
  const std::string& error() const { return error_; }

  // Sends one request and reads its response. Host and Content-Length are set here
  // (Content-Length only when there is a body); `headers` may add anything else.
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {}) {
    namespace http = boost::beast::http;
    if (!is_open() && !connect()) return failed(error_);
    http::request<http::string_body> message;
    message.method_string(method);
    message.target(target);
    message.version(11);
    message.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    for (const auto& [name, value] : headers) message.set(name, value);
    message.body() = body;
    if (!body.empty()) message.prepare_payload();
    std::string bytes = serialize(message);
    // A server that refuses early (413, 431) may close before reading everything;
    // its answer is still worth reading, so a failed write does not stop us.
    bool sent = send_raw(bytes);
    HttpResponse response = read_response();
    if (!sent && response.status == 0) response.error = "write: " + error_ + "; " + response.error;
    return response;
  }

  // Writes raw bytes. False on failure or timeout (error() says why).
  bool send_raw(std::string_view bytes) {
    namespace net = http_client_detail::net;
    if (!is_open() && !connect()) return false;
    bool done = false;
    boost::beast::error_code result;
    net::async_write(socket_, net::buffer(bytes.data(), bytes.size()),
                     [&](boost::beast::error_code error, size_t) {
                       done = true;
                       result = error;
                     });
    if (!finish([&] { return done; })) {
      error_ = "write timed out";
      return false;
    }
    if (result) {
      error_ = result.message();
      return false;
    }
    return true;
  }

  // Reads one response (status 0 and `error` set on timeout, close or garbage).
  HttpResponse read_response() {
    namespace http = boost::beast::http;
    if (!is_open()) return failed("not connected");
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    parser.header_limit(1u << 20);
    bool done = false;
    boost::beast::error_code result;
    http::async_read(socket_, buffer_, parser, [&](boost::beast::error_code error, size_t) {
      done = true;
      result = error;
    });
    if (!finish([&] { return done; })) return failed("read timed out");
    if (result) {
      close();
      return failed("read: " + result.message());
    }
    http::response<http::string_body> message = parser.release();
    HttpResponse response;
    response.status = message.result_int();
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    response.keep_alive = message.keep_alive();
    if (!response.keep_alive) close();
    return response;
  }

  // Waits for the server to close the connection. True when it did (end of stream
  // or reset) within `timeout`; bytes that arrive first are appended to `received`.
  bool wait_for_close(std::chrono::milliseconds timeout, std::string* received = nullptr) {
    namespace net = http_client_detail::net;
    if (!is_open()) return true;
    if (received != nullptr && buffer_.size() > 0) {
      *received += boost::beast::buffers_to_string(buffer_.data());
    }
    buffer_.clear();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char chunk[4096];
    for (;;) {
      bool done = false;
      boost::beast::error_code result;
      size_t got = 0;
      socket_.async_read_some(net::buffer(chunk), [&](boost::beast::error_code error, size_t n) {
        done = true;
        result = error;
        got = n;
      });
      if (!http_client_detail::run_until(
              io_, [&] { return done; }, deadline)) {
        abandon([&] { return done; });
        return false;
      }
      if (received != nullptr) received->append(chunk, got);
      if (result) {
        close();
        return true;
      }
    }
  }

 private:
  template <class Message>
  static std::string serialize(Message& message) {
    std::string out;
    boost::beast::http::serializer<true, boost::beast::http::string_body> serializer(message);
    boost::beast::error_code error;
    do {
      serializer.next(error, [&](boost::beast::error_code&, const auto& buffers) {
        out += boost::beast::buffers_to_string(buffers);
        serializer.consume(boost::beast::buffer_bytes(buffers));
      });
    } while (!error && !serializer.is_done());
    return out;
  }

  // Runs the pending operation to completion or timeout; on timeout the connection is
  // closed (which aborts the operation) and false returned.
  template <class Done>
  bool finish(Done done) {
    if (http_client_detail::run_until(io_, done, std::chrono::steady_clock::now() + timeout_)) {
      return true;
    }
    abandon(done);
    return false;
  }
  template <class Done>
  void abandon(Done done) {
    close();
    http_client_detail::run_until(io_, done,
                                  std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }

  HttpResponse failed(std::string why) {
    HttpResponse response;
    response.error = std::move(why);
    return response;
  }

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  http_client_detail::net::io_context io_;
  http_client_detail::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string error_;
};

// A WebSocket client. Incoming messages are read continuously into a queue, so a read
// that times out loses nothing and leaves the connection usable.
class WebSocketClient {
 public:
  explicit WebSocketClient(uint16_t port,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : port_(port), timeout_(timeout), ws_(io_) {}
  ~WebSocketClient() { close(); }
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Opens a WebSocket on `target`. False when the connection or the upgrade fails;
  // when the server answered with an HTTP response instead of upgrading,
  // handshake_status() and handshake_body() hold it (401, 403 …).
  bool connect(const std::string& target, const Headers& headers = {}) {
    namespace websocket = boost::beast::websocket;
    error_ = http_client_detail::connect(io_, ws_.next_layer(), port_, timeout_);
    if (!error_.empty()) return false;
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    ws_.set_option(websocket::stream_base::timeout::suggested(boost::beast::role_type::client));
    ws_.read_message_max(16u << 20);
    bool done = false;
    boost::beast::error_code result;
    ws_.async_handshake(handshake_response_, "127.0.0.1:" + std::to_string(port_), target,
                        [&](boost::beast::error_code error) {
                          done = true;
                          result = error;
                        });
    if (!http_client_detail::run_until(
            io_, [&] { return done; }, std::chrono::steady_clock::now() + timeout_)) {
      abandon([&] { return done; });
      error_ = "handshake timed out";
      return false;
    }
    if (result) {
      error_ = "handshake: " + result.message();
      close_socket();
      return false;
    }
    open_ = true;
    start_read();
    return true;
  }

  unsigned handshake_status() const { return handshake_response_.result_int(); }
  std::string handshake_body() const { return handshake_response_.body(); }
  std::string handshake_header(std::string_view name) const {
    auto found = handshake_response_.find(name);
    return found == handshake_response_.end() ? "" : std::string(found->value());
  }
  const std::string& error() const { return error_; }
  bool is_open() const { return open_; }

  // Sends one text message. False on failure or timeout.
  bool send(const std::string& text) {
    namespace net = http_client_detail::net;
    if (!open_) return false;
    bool done = false;
    boost::beast::error_code result;
    ws_.text(true);
    ws_.async_write(net::buffer(text), [&](boost::beast::error_code error, size_t) {
      done = true;
      result = error;
    });
    if (!http_client_detail::run_until(
            io_, [&] { return done; }, std::chrono::steady_clock::now() + timeout_)) {
      abandon([&] { return done; });
      error_ = "write timed out";
      return false;
    }
    if (result) error_ = "write: " + result.message();
    return !result;
  }

  // The next message, or nullopt when none arrives within `timeout` or the
  // connection is closed (is_open() then false).
  std::optional<std::string> read(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    http_client_detail::run_until(
        io_, [&] { return !messages_.empty() || !reading_; }, deadline);
    if (messages_.empty()) return std::nullopt;
    std::string message = std::move(messages_.front());
    messages_.pop_front();
    return message;
  }

  void close() {
    if (!ws_.next_layer().is_open()) return;
    close_socket();
    // Let the aborted read finish while `this` is still alive.
    http_client_detail::run_until(
        io_, [&] { return !reading_; }, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }

 private:
  void start_read() {
    reading_ = true;
    ws_.async_read(buffer_, [this](boost::beast::error_code error, size_t) {
      reading_ = false;
      if (error) {
        open_ = false;
        error_ = "read: " + error.message();
        return;
      }
      messages_.push_back(boost::beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      start_read();
    });
  }
  void close_socket() {
    boost::beast::error_code ignored;
    open_ = false;
    ws_.next_layer().shutdown(http_client_detail::tcp::socket::shutdown_both, ignored);
    ws_.next_layer().close(ignored);
  }
  template <class Done>
  void abandon(Done done) {
    close_socket();
    http_client_detail::run_until(io_, done,
                                  std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  http_client_detail::net::io_context io_;
  boost::beast::websocket::stream<http_client_detail::tcp::socket> ws_;
  boost::beast::websocket::response_type handshake_response_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> messages_;
  bool reading_ = false;
  bool open_ = false;
  std::string error_;
};

}  // namespace livechain::test_support
