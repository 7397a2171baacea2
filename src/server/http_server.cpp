// Boost.Beast sessions: HTTP/1.1 keep-alive with limits and timeouts, and the
// /v1/stream WebSocket.
#include "server/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "server/problem.hpp"
#include "server/routes.hpp"

namespace livechain::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

Method method_of(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::put:
      return Method::put;
    case http::verb::post:
      return Method::post;
    case http::verb::delete_:
      return Method::delete_;
    default:
      return Method::other;
  }
}

std::string media_type(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  size_t begin = out.find_first_not_of(" \t");
  out = begin == std::string::npos ? "" : out.substr(begin);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Target → path and decoded query. nullopt for a malformed percent escape.
std::optional<ApiRequest> request_line(const http::request<http::string_body>& message) {
  ApiRequest request;
  request.method = method_of(message.method());
  std::string_view target = message.target();
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      size_t equals = pair.find('=');
      auto key = percent_decode(pair.substr(0, equals), true);
      auto value = percent_decode(
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
      if (!key || !value) return std::nullopt;
      request.query.emplace_back(std::move(*key), std::move(*value));
    }
  }
  request.content_type = media_type(message[http::field::content_type]);
  request.authorization = std::string(message[http::field::authorization]);
  request.idempotency_key = std::string(message["Idempotency-Key"]);
  return request;
}

http::response<http::string_body> to_message(ApiResponse&& response, unsigned version,
                                             bool keep_alive) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::server, "livechain");
  message.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) message.set(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  return message;
}

// ---- WebSocket -------------------------------------------------------------------

class WebSocketSession final : public StreamClient,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket&& socket, std::shared_ptr<HttpServer::SharedState> state)
      : ws_(std::move(socket)), state_(std::move(state)) {}

  void run(http::request<http::string_body> request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(state_->limits.websocket_message_bytes_max);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code error) {
      if (error) return;
      self->state_->api->metrics().websocket_clients.fetch_add(1);
      self->counted_ = true;
      self->read();
    });
  }

  ~WebSocketSession() override {
    if (counted_) state_->api->metrics().websocket_clients.fetch_sub(1);
  }

  bool send(std::string message) override {
    if (closed_.load()) return false;
    if (queued_.fetch_add(1) >= state_->limits.websocket_queue_messages_max) {
      close();
      return false;
    }
    net::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)] {
      self->outbox_.push_back(std::move(message));
      if (self->outbox_.size() == 1) self->write();
    });
    return true;
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) return self->close();
      std::string text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->state_->hub->on_message(self, text);
      self->read();
    });
  }

  void write() {
    ws_.text(true);
    ws_.async_write(net::buffer(outbox_.front()),
                    [self = shared_from_this()](beast::error_code error, size_t) {
                      self->queued_.fetch_sub(1);
                      self->outbox_.pop_front();
                      if (error) return self->close();
                      if (!self->outbox_.empty()) self->write();
                    });
  }

  void close() {
    if (closed_.exchange(true)) return;
    state_->hub->remove(this);
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<HttpServer::SharedState> state_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;  // touched on the strand only
  std::atomic<size_t> queued_{0};
  std::atomic<bool> closed_{false};
  bool counted_ = false;
};

// ---- HTTP ------------------------------------------------------------------------

class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<HttpServer::SharedState> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    state_->api->metrics().connections_open.fetch_add(1);
  }
  ~HttpSession() {
    release_bulk_slot();
    state_->api->metrics().connections_open.fetch_sub(1);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Answers 503 at once and closes: the connection limit is reached.
  void refuse() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->keep_alive_ = false;
      self->write(problem(503, "too_many_connections", "Too many connections",
                          "the server's connection limit is reached; retry later"),
                  11, /*counted=*/false);
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_->limits.header_bytes_max));
    parser_->body_limit(state_->limits.bulk_body_bytes_max);
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->on_header(error); });
  }

  // Answers a request that cannot be read any further, then closes.
  void reject(unsigned status, std::string_view slug, std::string_view title,
              std::string_view detail) {
    keep_alive_ = false;
    write(problem(status, slug, title, detail), 11, /*counted=*/false);
  }

  void on_header(beast::error_code error) {
    if (error == http::error::body_limit) {  // Content-Length beyond every body limit
      return reject(413, "body_too_large", "Payload too large",
                    "bodies may hold at most " +
                        std::to_string(state_->limits.bulk_body_bytes_max) + " bytes");
    }
    if (error == http::error::header_limit) {
      return reject(431, "header_too_large", "Request header fields too large",
                    "request line and headers may hold at most " +
                        std::to_string(state_->limits.header_bytes_max) + " bytes");
    }
    if (error) {
      bool quiet = error == http::error::end_of_stream || error == beast::error::timeout ||
                   error == net::error::eof || error == net::error::connection_reset ||
                   error == net::error::operation_aborted;
      if (quiet) return shutdown();
      return reject(400, "malformed_request", "Malformed request", error.message());
    }
    auto& header = parser_->get();
    if (websocket::is_upgrade(header)) return upgrade();
    bool bulk = media_type(header[http::field::content_type]) != "application/json";
    size_t limit = bulk ? state_->limits.bulk_body_bytes_max : state_->limits.json_body_bytes_max;
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    if (bulk && has_body) {
      // Bulk bodies may be large: cap how many are buffered at once, so memory stays
      // bounded by bulk_requests_max × bulk_body_bytes_max, not by the connection count.
      if (state_->bulk_in_flight.fetch_add(1) >= state_->limits.bulk_requests_max) {
        state_->bulk_in_flight.fetch_sub(1);
        return reject(503, "busy", "Service unavailable",
                      "too many bulk uploads in progress; retry later");
      }
      holds_bulk_slot_ = true;
    }
    if (auto length = parser_->content_length(); length && *length > limit) {
      return reject(
          413, "body_too_large", "Payload too large",
          "bodies of this media type may hold at most " + std::to_string(limit) + " bytes");
    }
    parser_->body_limit(limit);
    body_limit_ = limit;
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                        header.version());
      http::async_write(
          stream_, *interim,
          [self = shared_from_this(), interim](beast::error_code write_error, size_t) {
            if (write_error) return self->shutdown();
            self->read_body();
          });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(std::chrono::milliseconds(state_->limits.body_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->on_body(error); });
  }

  void on_body(beast::error_code error) {
    if (error == http::error::body_limit) {
      return reject(
          413, "body_too_large", "Payload too large",
          "bodies of this media type may hold at most " + std::to_string(body_limit_) + " bytes");
    }
    if (error == beast::error::timeout) {
      return reject(408, "request_timeout", "Request timeout",
                    "the body did not arrive within " +
                        std::to_string(state_->limits.body_timeout_ms) + " ms");
    }
    if (error) {
      if (error == http::error::end_of_stream || error == http::error::partial_message ||
          error == net::error::eof || error == net::error::connection_reset) {
        return shutdown();  // the client went away mid-body: nothing to answer
      }
      return reject(400, "malformed_request", "Malformed request", error.message());
    }
    stream_.expires_never();
    http::request<http::string_body> message = parser_->release();
    version_ = message.version();
    keep_alive_ = message.keep_alive() && !state_->draining.load();
    auto request = request_line(message);
    if (!request) {
      return reject(400, "malformed_request", "Malformed request",
                    "the request target holds a malformed percent escape");
    }
    request->body = std::move(message.body());
    state_->in_flight.fetch_add(1);
    state_->api->handle(std::move(*request), [self = shared_from_this()](ApiResponse&& response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response), self->version_, /*counted=*/true);
      });
    });
  }

  void release_bulk_slot() {
    if (holds_bulk_slot_) state_->bulk_in_flight.fetch_sub(1);
    holds_bulk_slot_ = false;
  }

  void write(ApiResponse&& response, unsigned version, bool counted) {
    if (state_->draining.load()) keep_alive_ = false;
    auto message = std::make_shared<http::response<http::string_body>>(
        to_message(std::move(response), version, keep_alive_));
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message, counted](beast::error_code error, size_t) {
          if (counted) self->state_->in_flight.fetch_sub(1);
          self->release_bulk_slot();
          if (error || !self->keep_alive_) return self->shutdown();
          self->read_header();
        });
  }

  void upgrade() {
    ApiRequest request;
    auto& header = parser_->get();
    if (auto parsed = request_line(header)) request = *parsed;
    if (request.path != "/v1/stream") {
      return reject(404, "not_found", "Not found", "WebSocket is served at /v1/stream only");
    }
    auto authorized = state_->api->authorize_stream(request);
    if (auto* failure = std::get_if<ApiResponse>(&authorized)) {
      keep_alive_ = false;
      return write(std::move(*failure), header.version(), false);
    }
    auto session = std::make_shared<WebSocketSession>(stream_.release_socket(), state_);
    session->run(parser_->release());
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::SharedState> state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  size_t body_limit_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool holds_bulk_slot_ = false;
};

}  // namespace

HttpServer::HttpServer(net::io_context& io, Api& api, StreamHub& hub, const HttpLimits& limits)
    : io_(io), state_(std::make_shared<SharedState>()), acceptor_(net::make_strand(io)) {
  state_->api = &api;
  state_->hub = &hub;
  state_->limits = limits;
}

HttpServer::~HttpServer() = default;

Result<uint16_t> HttpServer::listen(const std::string& host, uint16_t port) {
  beast::error_code error;
  auto address = net::ip::make_address(host, error);
  if (error) return fail(ErrorCode::invalid_argument, "listen", "not an IP address: " + host);
  tcp::endpoint endpoint{address, port};
  auto failed = [&](std::string_view what) {
    return fail(
        ErrorCode::io_error, "listen",
        std::string(what) + " " + host + ":" + std::to_string(port) + ": " + error.message());
  };
  acceptor_.open(endpoint.protocol(), error);
  if (error) return failed("open");
  acceptor_.set_option(net::socket_base::reuse_address(true), error);
  acceptor_.bind(endpoint, error);
  if (error) return failed("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (error) return failed("listen on");
  uint16_t bound = acceptor_.local_endpoint().port();
  accept();
  return bound;
}

void HttpServer::begin_drain() {
  state_->draining.store(true);
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
}

void HttpServer::accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code error,
                                                       tcp::socket socket) {
    if (error == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error) {
      socket.set_option(tcp::no_delay(true), error);
      Metrics& metrics = state_->api->metrics();
      auto session = std::make_shared<HttpSession>(std::move(socket), state_);
      if (static_cast<size_t>(metrics.connections_open.load()) > state_->limits.connections_max) {
        metrics.connections_refused.fetch_add(1);
        session->refuse();
      } else {
        session->start();
      }
    }
    accept();
  });
}

}  // namespace livechain::server
