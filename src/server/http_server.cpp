// Boost.Beast sessions: HTTP/1.1 keep-alive with limits and timeouts, and the
// /v1/stream WebSocket.
#include "server/http_server.hpp"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>

#include "core/assert.hpp"
#include "server/http_head.hpp"
#include "server/problem.hpp"
#include "server/routes.hpp"

namespace livechain::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

http::response<http::string_body> to_message(ApiResponse&& response, unsigned version,
                                             bool keep_alive, bool head_only) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), version};
  message.set(http::field::server, "livechain");
  message.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) message.set(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  // HEAD: the GET answer's headers, Content-Length included, and no body (RFC 9110 §9.3.2).
  if (head_only) message.body().clear();
  return message;
}

// One counted connection: the total and the client address's share, given back when the
// connection (HTTP, or the WebSocket it became) ends.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<HttpServer::SharedState> state, std::string address)
      : state_(std::move(state)), address_(std::move(address)) {
    state_->api->metrics().connections_open.fetch_add(1);
    std::lock_guard lock(state_->counts_mutex);
    address_count_ = ++state_->connections_by_address[address_];
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() {
    state_->api->metrics().connections_open.fetch_sub(1);
    std::lock_guard lock(state_->counts_mutex);
    auto found = state_->connections_by_address.find(address_);
    LC_ASSERT(found != state_->connections_by_address.end() && found->second > 0);
    if (--found->second == 0) state_->connections_by_address.erase(found);
  }
  // Connections from this address when this one was counted (itself included).
  size_t address_count() const { return address_count_; }

 private:
  std::shared_ptr<HttpServer::SharedState> state_;
  std::string address_;
  size_t address_count_ = 0;
};

// ---- WebSocket -------------------------------------------------------------------

class WebSocketSession final : public StreamClient,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket&& socket, std::shared_ptr<HttpServer::SharedState> state,
                   std::unique_ptr<ConnectionSlot> slot)
      : ws_(std::move(socket)), state_(std::move(state)), slot_(std::move(slot)) {
    state_->websockets_open.fetch_add(1);
  }

  void run(http::request<http::string_body> request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // A browser that offered subprotocols fails the connection unless one is selected;
    // the dashboard offers "livechain" (and its key as "bearer.<key>", never echoed).
    const bool dashboard = websocket_bearer(request[http::field::sec_websocket_protocol]).offered;
    ws_.set_option(
        websocket::stream_base::decorator([dashboard](websocket::response_type& response) {
          response.set(http::field::server, "livechain");
          if (dashboard) response.set(http::field::sec_websocket_protocol, kDashboardSubprotocol);
        }));
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
    state_->websockets_open.fetch_sub(1);
  }

  bool send_all(std::vector<std::string> messages) override {
    if (closed_.load()) return false;
    const size_t count = messages.size();
    if (queued_.fetch_add(count) + count > state_->limits.websocket_queue_messages_max) {
      close();
      return false;
    }
    net::post(ws_.get_executor(),
              [self = shared_from_this(), messages = std::move(messages)]() mutable {
                const bool idle = self->outbox_.empty();
                for (std::string& message : messages) self->outbox_.push_back(std::move(message));
                if (idle && !self->outbox_.empty()) self->write();
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
    // Not hub->remove(this) here: close() also runs inside send(), which the hub calls
    // while holding its lock (publish), and removing there deadlocked the engine thread
    // when one push overflowed the queue. The hub drops a client whose send() failed;
    // other paths are removed from the strand, outside any hub lock.
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->state_->hub->remove(self.get());
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<HttpServer::SharedState> state_;
  std::unique_ptr<ConnectionSlot> slot_;  // the upgraded connection still counts
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;  // touched on the strand only
  std::atomic<size_t> queued_{0};
  std::atomic<bool> closed_{false};
  bool counted_ = false;
};

// ---- HTTP ------------------------------------------------------------------------

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<HttpServer::SharedState> state,
              std::unique_ptr<ConnectionSlot> slot)
      : stream_(std::move(socket)),
        state_(std::move(state)),
        slot_(std::move(slot)),
        body_timer_(stream_.get_executor()) {}
  ~HttpSession() { release_bulk_slot(); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Answers 503 at once and closes: a connection limit is reached.
  void refuse(std::string detail) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), detail = std::move(detail)] {
      self->started_us_ = steady_now_us();
      self->reject(503, "too_many_connections", "Too many connections", detail);
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(state_->limits.header_bytes_max));
    parser_->body_limit(state_->limits.bulk_body_bytes_max);
    admission_.reset();
    head_only_ = false;
    body_unread_ = false;
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->on_header(error); });
  }

  // Answers a request that cannot be read any further, counts it, then closes.
  void reject(unsigned status, std::string_view slug, std::string_view title,
              std::string_view detail, std::string_view field = {}) {
    keep_alive_ = false;
    state_->api->count_transport_answer(admission_ ? &*admission_ : nullptr, method_, status,
                                        started_us_);
    write(problem(status, slug, title, detail, field), 11, /*counted=*/false);
  }

  void on_header(beast::error_code error) {
    started_us_ = steady_now_us();
    method_ = Method::other;
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
    method_ = method_of(header.method());
    head_only_ = method_ == Method::head;
    if (auto refusal = check_head(header)) {
      return reject(refusal->status, refusal->slug, refusal->title, refusal->detail,
                    refusal->field);
    }
    if (websocket::is_upgrade(header)) return upgrade();
    auto request = request_head(header);
    if (!request) {
      return reject(400, "malformed_request", "Malformed request",
                    "the request target must be a path (or an absolute URL) with well-formed "
                    "percent escapes",
                    "target");
    }
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    body_unread_ = has_body;
    // Route, key, permission and media type are settled from the head: nobody gets a
    // body read, buffered or a bulk slot without a key allowed to send it.
    auto admitted = state_->api->admit(*request, has_body);
    if (auto* refused = std::get_if<ApiResponse>(&admitted)) {
      keep_alive_ = header.keep_alive() && !has_body;  // an unread body ends the connection
      return write(std::move(*refused), header.version(), /*counted=*/false);
    }
    admission_ = std::get<Admission>(std::move(admitted));
    request_ = std::move(*request);
    BodyKind kind = Api::body_kind(*admission_);
    bool bulk = kind == BodyKind::csv || kind == BodyKind::ndjson || kind == BodyKind::jsonld;
    size_t limit = bulk ? state_->limits.bulk_body_bytes_max : state_->limits.json_body_bytes_max;
    if (auto length = parser_->content_length(); length && *length > limit) {
      return reject(
          413, "body_too_large", "Payload too large",
          "bodies of this media type may hold at most " + std::to_string(limit) + " bytes");
    }
    if (bulk && has_body) {
      if (auto refusal = take_bulk_slot()) {
        return reject(refusal->status, refusal->slug, refusal->title, refusal->detail);
      }
    }
    parser_->body_limit(limit);
    body_limit_ = limit;
    if (has_body && beast::iequals(header[http::field::expect], "100-continue")) {
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                        header.version());
      interim->set(http::field::server, "livechain");
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

  // Bulk bodies may be large: cap how many are buffered at once, overall (memory stays
  // bounded by bulk_requests_max × bulk_body_bytes_max, not by the connection count)
  // and per API key (one partner cannot hold every slot).
  std::optional<HeadRefusal> take_bulk_slot() {
    if (state_->bulk_in_flight.fetch_add(1) >= state_->limits.bulk_requests_max) {
      state_->bulk_in_flight.fetch_sub(1);
      return HeadRefusal{503, "busy", "Service unavailable",
                         "too many bulk uploads in progress; retry later", ""};
    }
    std::lock_guard lock(state_->counts_mutex);
    size_t& by_key = state_->bulk_uploads_by_key[admission_->caller.key_id];
    if (by_key >= state_->limits.bulk_requests_per_key_max) {
      if (by_key == 0) state_->bulk_uploads_by_key.erase(admission_->caller.key_id);
      state_->bulk_in_flight.fetch_sub(1);
      return HeadRefusal{429, "too_many_requests", "Too many requests",
                         "this API key has " +
                             std::to_string(state_->limits.bulk_requests_per_key_max) +
                             " bulk uploads in progress; retry after one finishes",
                         ""};
    }
    ++by_key;
    bulk_key_id_ = admission_->caller.key_id;
    holds_bulk_slot_ = true;
    return std::nullopt;
  }

  void read_body() {
    // The body deadline has its own timer: beast's stream timeout closes the socket,
    // and then no 408 could be written.
    stream_.expires_never();
    body_timed_out_ = false;
    body_timer_.expires_after(std::chrono::milliseconds(state_->limits.body_timeout_ms));
    reading_body_ = true;
    body_timer_.async_wait([self = shared_from_this()](beast::error_code error) {
      // Cancelled, or it fired just as the body completed: nothing to interrupt.
      if (error || !self->reading_body_) return;
      self->body_timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->on_body(error); });
  }

  void on_body(beast::error_code error) {
    reading_body_ = false;
    body_timer_.cancel();
    if (body_timed_out_) {
      return reject(408, "request_timeout", "Request timeout",
                    "the body did not arrive within " +
                        std::to_string(state_->limits.body_timeout_ms) + " ms");
    }
    if (error == http::error::body_limit) {
      return reject(
          413, "body_too_large", "Payload too large",
          "bodies of this media type may hold at most " + std::to_string(body_limit_) + " bytes");
    }
    if (error) {
      if (error == http::error::end_of_stream || error == http::error::partial_message ||
          error == net::error::eof || error == net::error::connection_reset) {
        return shutdown();  // the client went away mid-body: nothing to answer
      }
      return reject(400, "malformed_request", "Malformed request", error.message());
    }
    body_unread_ = false;
    http::request<http::string_body> message = parser_->release();
    version_ = message.version();
    keep_alive_ = message.keep_alive() && !state_->draining.load();
    request_.body = std::move(message.body());
    state_->in_flight.fetch_add(1);
    state_->api->serve(std::move(*admission_), std::move(request_),
                       [self = shared_from_this()](ApiResponse&& response) {
                         net::post(self->stream_.get_executor(),
                                   [self, response = std::move(response)]() mutable {
                                     self->write(std::move(response), self->version_,
                                                 /*counted=*/true);
                                   });
                       });
    admission_.reset();
  }

  void release_bulk_slot() {
    if (!holds_bulk_slot_) return;
    holds_bulk_slot_ = false;
    state_->bulk_in_flight.fetch_sub(1);
    std::lock_guard lock(state_->counts_mutex);
    auto found = state_->bulk_uploads_by_key.find(bulk_key_id_);
    LC_ASSERT(found != state_->bulk_uploads_by_key.end() && found->second > 0);
    if (--found->second == 0) state_->bulk_uploads_by_key.erase(found);
  }

  void write(ApiResponse&& response, unsigned version, bool counted) {
    if (state_->draining.load()) keep_alive_ = false;
    if (response.stream) return write_streamed(std::move(response), version, counted);
    auto message = std::make_shared<http::response<http::string_body>>(
        to_message(std::move(response), version, keep_alive_, head_only_));
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message, counted](beast::error_code error, size_t) {
          if (counted) self->state_->in_flight.fetch_sub(1);
          self->release_bulk_slot();
          if (error) return self->shutdown();
          if (!self->keep_alive_) {
            return self->body_unread_ ? self->linger_then_close() : self->shutdown();
          }
          self->read_header();
        });
  }

  // A streamed body (bulk exports): the head with `Transfer-Encoding: chunked`, then
  // one chunk at a time. The next chunk is asked for only once the last one was
  // written, so a slow reader slows the producer instead of filling memory; each write
  // has request_timeout_ms, so a reader that stops reading is dropped.
  void write_streamed(ApiResponse&& response, unsigned version, bool counted) {
    auto head = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response.status), version);
    head->set(http::field::server, "livechain");
    head->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) head->set(name, value);
    head->keep_alive(keep_alive_);
    head->chunked(true);
    source_ = std::move(response.stream);
    stream_counted_ = counted;
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer](beast::error_code error, size_t) {
          if (error) return self->end_stream(false);
          if (self->head_only_) return self->end_stream(true);  // HEAD: no body
          self->pull_chunk();
        });
  }

  void pull_chunk() {
    source_->next([self = shared_from_this()](Chunk&& chunk) {
      net::post(self->stream_.get_executor(),
                [self, chunk = std::move(chunk)]() mutable { self->on_chunk(std::move(chunk)); });
    });
  }

  void on_chunk(Chunk&& chunk) {
    if (chunk.failed) return end_stream(false);  // after a 200 head: abort
    chunk_ = std::move(chunk.text);
    bool last = chunk.end;
    stream_.expires_after(std::chrono::milliseconds(state_->limits.request_timeout_ms));
    auto written = [self = shared_from_this(), last](beast::error_code error, size_t) {
      if (error) return self->end_stream(false);
      if (!last) return self->pull_chunk();
      self->chunk_.clear();
      net::async_write(
          self->stream_, http::make_chunk_last(),
          [self](beast::error_code last_error, size_t) { self->end_stream(!last_error); });
    };
    if (chunk_.empty()) return written({}, 0);  // nothing to send yet: ask again
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)), std::move(written));
  }

  // The streamed answer is over (`ok`: completely written).
  void end_stream(bool ok) {
    source_.reset();
    chunk_ = std::string();
    if (stream_counted_) state_->in_flight.fetch_sub(1);
    release_bulk_slot();
    if (!ok || !keep_alive_) return shutdown();
    read_header();
  }

  void upgrade() {
    auto& header = parser_->get();
    auto request = request_head(header);
    if (!request) {
      return reject(400, "malformed_request", "Malformed request",
                    "the request target holds a malformed percent escape", "target");
    }
    if (request->path != "/v1/stream") {
      return reject(404, "not_found", "Not found", "WebSocket is served at /v1/stream only");
    }
    if (auto refusal = check_websocket_handshake(header)) {
      return reject(refusal->status, refusal->slug, refusal->title, refusal->detail,
                    refusal->field);
    }
    auto authorized = state_->api->authorize_stream(*request);
    if (auto* failure = std::get_if<ApiResponse>(&authorized)) {
      keep_alive_ = false;
      state_->api->count_transport_answer(nullptr, method_, failure->status, started_us_);
      return write(std::move(*failure), header.version(), false);
    }
    if (state_->websockets_open.load() >= state_->limits.websocket_connections_max) {
      return reject(503, "too_many_connections", "Too many connections",
                    "the server's WebSocket limit (" +
                        std::to_string(state_->limits.websocket_connections_max) +
                        ") is reached; retry later");
    }
    auto session =
        std::make_shared<WebSocketSession>(stream_.release_socket(), state_, std::move(slot_));
    session->run(parser_->release());
  }

  // After refusing a request whose body was left unread: stop sending, then read and
  // drop what the client still sends, for a bounded time and size, so that closing does
  // not reset the connection before the client has read the answer (nginx's
  // "lingering close"). Nothing is kept.
  void linger_then_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::milliseconds(kLingerMs));
    linger_buffer_ = std::make_unique<std::array<char, 4096>>();
    linger();
  }
  void linger() {
    stream_.async_read_some(net::buffer(*linger_buffer_),
                            [self = shared_from_this()](beast::error_code error, size_t bytes) {
                              self->lingered_bytes_ += bytes;
                              if (error || self->lingered_bytes_ > kLingerBytesMax)
                                return self->shutdown();
                              self->linger();
                            });
  }

  void shutdown() {
    beast::error_code ignored;
    body_timer_.cancel();
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::SharedState> state_;
  std::unique_ptr<ConnectionSlot> slot_;
  net::steady_timer body_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Admission> admission_;  // the request being read, once its head passed
  ApiRequest request_;
  Method method_ = Method::other;
  int64_t started_us_ = 0;
  size_t body_limit_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool body_timed_out_ = false;
  bool reading_body_ = false;
  bool body_unread_ = false;  // a refusal left (part of) the body on the wire
  static constexpr uint32_t kLingerMs = 2'000;
  static constexpr size_t kLingerBytesMax = 1 << 20;
  std::unique_ptr<std::array<char, 4096>> linger_buffer_;  // only while lingering
  size_t lingered_bytes_ = 0;
  bool holds_bulk_slot_ = false;
  std::string bulk_key_id_;
  std::shared_ptr<ChunkSource> source_;  // the streamed body being written, if any
  std::string chunk_;                    // its piece on the wire
  bool stream_counted_ = false;
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
  acceptor_.async_accept(
      net::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
        if (error == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (!error) {
          socket.set_option(tcp::no_delay(true), error);
          auto remote = socket.remote_endpoint(error);
          std::string address = error ? std::string("unknown") : remote.address().to_string();
          Metrics& metrics = state_->api->metrics();
          auto slot = std::make_unique<ConnectionSlot>(state_, std::move(address));
          bool over_total =
              static_cast<size_t>(metrics.connections_open.load()) > state_->limits.connections_max;
          bool over_address = slot->address_count() > state_->limits.connections_per_address_max;
          auto session = std::make_shared<HttpSession>(std::move(socket), state_, std::move(slot));
          if (over_total || over_address) {
            metrics.connections_refused.fetch_add(1);
            session->refuse(over_total
                                ? "the server's connection limit is reached; retry later"
                                : "this address has " +
                                      std::to_string(state_->limits.connections_per_address_max) +
                                      " connections open; close one and retry");
          } else {
            session->start();
          }
        }
        accept();
      });
}

}  // namespace livechain::server
