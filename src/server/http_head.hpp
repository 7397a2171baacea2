// src/server/http_head.hpp — internal: what the transport decides from a request's
// head alone, before any body is read: the method, the target (origin- or
// absolute-form), the query, the headers the API needs, and the header-level reasons
// to refuse (no Host, a transfer coding other than chunked, a malformed WebSocket
// handshake). Separate from the sockets so the request fuzzer drives it too.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "server/api_types.hpp"

namespace livechain::server {

Method method_of(boost::beast::http::verb verb);

// "Application/JSON; charset=utf-8" → "application/json".
std::string media_type(std::string_view content_type);

// The origin-form part of a request target: "/path?query". An absolute-form target
// ("http://host:port/path?query", RFC 9112 §3.2.2) is served as its path; anything
// else (asterisk-form, a bare word) is nullopt.
std::optional<std::string_view> origin_form(std::string_view target);

// The ApiRequest of a request head (no body): method, path, decoded query,
// media type, Authorization and Idempotency-Key. nullopt for a target that is not
// origin- or absolute-form, or a malformed percent escape.
std::optional<ApiRequest> request_head(
    const boost::beast::http::request<boost::beast::http::string_body>& message);

// Browsers cannot set headers on a WebSocket, and a key in the URL would end up in logs
// and history, so the dashboard offers two subprotocols: "livechain" and
// "bearer.<key>" (the Kubernetes way). The server answers with "livechain" only, never
// echoing the key.
inline constexpr std::string_view kDashboardSubprotocol = "livechain";
inline constexpr std::string_view kBearerSubprotocolPrefix = "bearer.";
struct WebSocketBearer {
  bool offered = false;       // "livechain" was offered: the answer must select it
  std::string authorization;  // "Bearer <key>" from "bearer.<key>", or empty
};
// Reads a Sec-WebSocket-Protocol value (comma-separated tokens). A bearer token counts
// only when "livechain" is offered too; the first one wins.
WebSocketBearer websocket_bearer(std::string_view protocols);

// A header-level reason to refuse a request, as a problem's parts.
struct HeadRefusal {
  unsigned status;
  std::string_view slug;
  std::string_view title;
  std::string detail;
  std::string_view field;
};
// HTTP/1.1 without Host (400); a Transfer-Encoding other than exactly "chunked" (501).
std::optional<HeadRefusal> check_head(
    const boost::beast::http::request<boost::beast::http::string_body>& header);
// What RFC 6455 §4.2.1 requires of an opening handshake beyond the Upgrade header:
// a GET (405), a Sec-WebSocket-Key of 16 base64 bytes (400), version 13 (426).
std::optional<HeadRefusal> check_websocket_handshake(
    const boost::beast::http::request<boost::beast::http::string_body>& header);

}  // namespace livechain::server
