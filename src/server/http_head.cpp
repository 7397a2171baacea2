// Request heads: method, target, query and the header-level refusals.
#include "server/http_head.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cctype>

#include "server/routes.hpp"

namespace livechain::server {

namespace beast = boost::beast;
namespace http = beast::http;

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
    case http::verb::head:
      return Method::head;
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

std::optional<std::string_view> origin_form(std::string_view target) {
  if (target.starts_with('/')) return target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      size_t slash = rest.find_first_of("/?");
      if (slash == std::string_view::npos) return std::string_view("/");
      if (rest[slash] == '?') return std::nullopt;  // "http://host?x": no path to serve
      return rest.substr(slash);
    }
  }
  return std::nullopt;
}

std::optional<ApiRequest> request_head(const http::request<http::string_body>& message) {
  ApiRequest request;
  request.method = method_of(message.method());
  request.method_text = std::string(message.method_string());
  auto target = origin_form(message.target());
  if (!target) return std::nullopt;
  size_t question = target->find('?');
  request.path = std::string(target->substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target->substr(question + 1);
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
  request.accept = std::string(message[http::field::accept]);
  request.idempotency_key = std::string(message["Idempotency-Key"]);
  request.websocket_protocols = std::string(message[http::field::sec_websocket_protocol]);
  for (const char* name : {"event-sign", "app-id", "sign-method"}) {
    auto found = message.find(name);
    if (found != message.end()) request.signature_headers.emplace_back(name, found->value());
  }
  return request;
}

WebSocketBearer websocket_bearer(std::string_view protocols) {
  WebSocketBearer found;
  while (!protocols.empty()) {
    size_t comma = protocols.find(',');
    std::string_view token = protocols.substr(0, comma);
    protocols = comma == std::string_view::npos ? std::string_view() : protocols.substr(comma + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (token == kDashboardSubprotocol) {
      found.offered = true;
    } else if (token.starts_with(kBearerSubprotocolPrefix) && found.authorization.empty()) {
      found.authorization = "Bearer ";
      found.authorization += token.substr(kBearerSubprotocolPrefix.size());
    }
  }
  if (!found.offered) found.authorization.clear();  // a bearer only counts beside "livechain"
  return found;
}

std::optional<HeadRefusal> check_head(const http::request<http::string_body>& header) {
  if (header.version() >= 11 && header.find(http::field::host) == header.end()) {
    return HeadRefusal{400, "malformed_request", "Malformed request",
                       "HTTP/1.1 requests must carry a Host header (RFC 9112 §3.2)", "Host"};
  }
  auto coding = header.find(http::field::transfer_encoding);
  if (coding != header.end()) {
    std::string_view value = coding->value();
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    if (!beast::iequals(value, "chunked")) {
      return HeadRefusal{501, "not_implemented", "Not implemented",
                         "only 'Transfer-Encoding: chunked' is accepted (got '" +
                             std::string(coding->value()) + "')",
                         "Transfer-Encoding"};
    }
  }
  return std::nullopt;
}

std::optional<HeadRefusal> check_websocket_handshake(
    const http::request<http::string_body>& header) {
  if (header.method() != http::verb::get) {
    return HeadRefusal{405, "method_not_allowed", "Method not allowed",
                       "a WebSocket handshake is a GET", "method"};
  }
  std::string_view key = header["Sec-WebSocket-Key"];
  bool key_ok = key.size() == 24 && key.ends_with("==");
  for (char c : key.substr(0, std::min<size_t>(key.size(), 22))) {
    key_ok = key_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/');
  }
  if (!key_ok) {
    return HeadRefusal{400, "malformed_request", "Malformed request",
                       "a WebSocket handshake needs Sec-WebSocket-Key: the base64 of 16 bytes",
                       "Sec-WebSocket-Key"};
  }
  if (header["Sec-WebSocket-Version"] != "13") {
    return HeadRefusal{426, "upgrade_required", "Upgrade required",
                       "only WebSocket version 13 is spoken (send Sec-WebSocket-Version: 13)",
                       "Sec-WebSocket-Version"};
  }
  return std::nullopt;
}

}  // namespace livechain::server
