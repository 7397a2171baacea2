// Standard Webhooks signing (HMAC-SHA256, base64), endpoint secrets, and the SSRF
// check of webhook targets.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "alerts/alerts.hpp"
#include "alerts/webhook_internal.hpp"

namespace livechain::alerts {

std::string base64_encode(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::vector<uint8_t> out(3 * text.size() / 4);
  int written = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

std::string new_webhook_secret() {
  std::array<uint8_t, 24> key{};
  LC_ASSERT(RAND_bytes(key.data(), static_cast<int>(key.size())) == 1);
  return "whsec_" + base64_encode(key);
}

std::string random_id(std::string_view prefix) {
  std::array<uint8_t, 12> bytes{};
  LC_ASSERT(RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1);
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out(prefix);
  for (uint8_t b : bytes) out += kDigits[b % 36];
  return out;
}

Result<std::string> webhook_signature(std::string_view secret, std::string_view message_id,
                                      int64_t timestamp_s, std::string_view body) {
  if (!secret.starts_with("whsec_")) {
    return fail(ErrorCode::invalid_argument, "secret", "must start with whsec_");
  }
  auto key = base64_decode(secret.substr(6));
  if (!key || key->empty()) {
    return fail(ErrorCode::invalid_argument, "secret", "not base64 after whsec_");
  }
  std::string content = std::string(message_id) + "." + std::to_string(timestamp_s) + ".";
  content.append(body);
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
       &mac_length);
  LC_ASSERT(mac_length == 32);
  return "v1," + base64_encode(std::span<const uint8_t>(mac.data(), mac_length));
}

bool is_private_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr);
    auto in = [ip](uint32_t network, int bits) {
      uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
      return (ip & mask) == network;
    };
    return in(0x00000000, 8) || in(0x0a000000, 8) || in(0x7f000000, 8) || in(0x64400000, 10) ||
           in(0xa9fe0000, 16) || in(0xac100000, 12) || in(0xc0a80000, 16) ||
           in(0xe0000000, 3);  // multicast, reserved, broadcast
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    const uint8_t* b = v6->sin6_addr.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      sockaddr_in v4{};
      v4.sin_family = AF_INET;
      std::memcpy(&v4.sin_addr.s_addr, b + 12, 4);
      return is_private_address(reinterpret_cast<const sockaddr*>(&v4));
    }
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) ||
           (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||  // fe80::/10 link-local
           (b[0] & 0xfe) == 0xfc ||                    // fc00::/7 unique local
           b[0] == 0xff;                               // multicast
  }
  return true;  // unknown families are not allowed out
}

Result<void> check_webhook_url(std::string_view url, bool allow_private) {
  auto bad = [](std::string detail) {
    return fail(ErrorCode::invalid_argument, "url", std::move(detail));
  };
  if (url.size() > 2048) return bad("longer than 2,048 bytes");
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  std::string text(url);
  if (curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return bad("not an absolute URL");
  }
  char* scheme = nullptr;
  char* host = nullptr;
  curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0);
  std::string scheme_text = scheme ? scheme : "";
  std::string host_text = host ? host : "";
  curl_free(scheme);
  curl_free(host);
  if (scheme_text != "http" && scheme_text != "https") return bad("must be http or https");
  if (host_text.empty()) return bad("has no host");
  if (allow_private) return {};
  if (host_text.front() == '[') host_text = host_text.substr(1, host_text.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host_text.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return bad("host '" + host_text + "' does not resolve");
  }
  bool any_private = false;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    any_private = any_private || is_private_address(a->ai_addr);
  }
  freeaddrinfo(found);
  if (any_private) {
    return bad("host '" + host_text +
               "' is a loopback, private or link-local address (set "
               "webhooks.allow_private_targets to allow)");
  }
  return {};
}

}  // namespace livechain::alerts
