// src/server/http_server.hpp — internal: the Boost.Beast transport. Accepts TCP
// connections, reads HTTP/1.1 requests under the configured size and time limits,
// hands them to Api as ApiRequests, writes the answers (keep-alive), and upgrades
// /v1/stream to a WebSocket served by StreamHub. Holds no business rules.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "server/api.hpp"
#include "server/server.hpp"
#include "server/stream_hub.hpp"

namespace livechain::server {

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Api& api, StreamHub& hub, const HttpLimits& limits);
  ~HttpServer();

  // Binds and starts accepting. Returns the bound port (useful with port 0).
  // Errors: io_error naming "listen" (address in use, permission …).
  Result<uint16_t> listen(const std::string& host, uint16_t port);
  // Stops accepting; open connections finish their current request and close.
  void begin_drain();
  // Requests read and not yet answered.
  int64_t in_flight() const { return state_->in_flight.load(); }

  // Shared with every session so that sessions outliving a call stay valid.
  struct SharedState {
    Api* api = nullptr;
    StreamHub* hub = nullptr;
    HttpLimits limits;
    std::atomic<int64_t> in_flight{0};
    std::atomic<bool> draining{false};
    std::atomic<size_t> bulk_in_flight{0};
    std::atomic<size_t> websockets_open{0};

    // Per-client counts behind the per-address and per-key limits. Taken on accept and
    // on a bulk upload's head, not per request, so one mutex is cheap enough.
    std::mutex counts_mutex;
    std::unordered_map<std::string, size_t> connections_by_address;  // GUARDED_BY(counts_mutex)
    std::unordered_map<std::string, size_t> bulk_uploads_by_key;     // GUARDED_BY(counts_mutex)
  };

 private:
  void accept();

  boost::asio::io_context& io_;
  std::shared_ptr<SharedState> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace livechain::server
