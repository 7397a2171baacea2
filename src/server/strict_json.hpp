// src/server/strict_json.hpp — internal: the one JSON parser every request body,
// NDJSON line and WebSocket message goes through. Standard JSON only, a nesting limit,
// and no duplicate object keys: Boost.JSON keeps the last of duplicate keys silently,
// so {"qty": 1, "qty": 5000} would be read as 5000 by one reader and 1 by another.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "core/error.hpp"

namespace livechain::server {

// Parses `text` as one JSON value of at most `depth_max` nesting levels.
// Errors (field "body"): invalid_argument for malformed JSON, too deep nesting, or an
// object holding the same key twice (the detail names the key).
Result<boost::json::value> parse_json_strict(std::string_view text, size_t depth_max);

}  // namespace livechain::server
