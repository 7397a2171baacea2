// src/alerts/webhook_internal.hpp — internal to the alerts module.
#pragma once

#include <sys/socket.h>

#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/assert.hpp"

namespace livechain::alerts {

std::string base64_encode(std::span<const uint8_t> bytes);
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);
std::string new_webhook_secret();
std::string random_id(std::string_view prefix);  // prefix + 12 random base-36 characters
// Loopback, unspecified, RFC 1918, CGNAT, link-local, unique-local, multicast.
bool is_private_address(const sockaddr* address);

}  // namespace livechain::alerts
