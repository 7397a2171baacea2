// src/server/api_types.hpp — internal: the transport-neutral request and response the
// routes work with. http_server.cpp converts Beast messages to and from these, so the
// handlers never see a socket and the fuzz target can drive them without one.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace livechain::server {

// HEAD is served as GET without the body. `other` is any method no route takes.
enum class Method { get, put, post, delete_, head, other };
inline constexpr size_t kMethodCount = 6;

struct ApiRequest {
  Method method = Method::get;
  std::string method_text;  // as sent ("PATCH"), for messages about methods no route takes
  std::string path;         // percent-decoded per segment by the router, never including '?'
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::string content_type;  // media type only, lower case, parameters dropped
  std::string authorization;
  std::string accept;  // the Accept header as sent (the scan page; bulk exports' format)
  std::string idempotency_key;
  std::string websocket_protocols;  // Sec-WebSocket-Protocol as sent (the dashboard's key)
  // Headers a live platform signs its pushes with (connectors): event-sign, app-id,
  // sign-method, as sent (names lower case).
  std::vector<std::pair<std::string, std::string>> signature_headers;
  std::string body;

  // The signature header `name` (lower case), or nullptr.
  const std::string* signature_header(std::string_view name) const {
    for (const auto& [key, value] : signature_headers) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  // The first query parameter named `name`, or nullptr.
  const std::string* query_value(std::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

// One piece of a streamed body.
struct Chunk {
  std::string text;     // may be empty while more follows
  bool end = false;     // the body is complete (text, if any, is its last piece)
  bool failed = false;  // producing failed: the transport aborts the connection
};

// A body produced piece by piece (bulk exports, docs/export.md). The transport asks
// for the next piece only after the previous one was written to the socket, so one
// piece per connection is in memory at a time, whatever the body's size (back-pressure
// from the client's reading speed).
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Produces the next piece and calls `deliver` exactly once, from any thread.
  // REQUIRES: the previous call's `deliver` ran; not called again after end or failed.
  virtual void next(std::function<void(Chunk&&)> deliver) = 0;
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
  // Set: the body is streamed from here with chunked transfer coding and `body` is
  // ignored. A failure after the head was sent can only abort the connection (the
  // client sees a body without its last chunk).
  std::shared_ptr<ChunkSource> stream = nullptr;  // initialised: aggregate inits may omit it
};

// Handlers answer through this exactly once, from any thread.
using Respond = std::function<void(ApiResponse&&)>;

}  // namespace livechain::server
