// src/server/api_types.hpp — internal: the transport-neutral request and response the
// routes work with. http_server.cpp converts Beast messages to and from these, so the
// handlers never see a socket and the fuzz target can drive them without one.
#pragma once

#include <functional>
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
  std::string accept;  // the Accept header as sent (content negotiation of the scan page)
  std::string idempotency_key;
  std::string websocket_protocols;  // Sec-WebSocket-Protocol as sent (the dashboard's key)
  std::string body;

  // The first query parameter named `name`, or nullptr.
  const std::string* query_value(std::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

// Handlers answer through this exactly once, from any thread.
using Respond = std::function<void(ApiResponse&&)>;

}  // namespace livechain::server
