// src/core/identifier.hpp
//
// Validation of the textual identifiers users give us (location, channel, order ids,
// idempotency keys, region names, free-text reasons). Every limit is named here and
// documented in docs/limits.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"

namespace livechain {

inline constexpr size_t kIdentifierLengthMax = 64;       // location, channel, order, region
inline constexpr size_t kIdempotencyKeyLengthMax = 128;  // as a client sends it
// As the engine stores it: the server scopes every client key by its API key
// ("<key id>/<client key>"), so one partner's key never answers another's request.
inline constexpr size_t kIdempotencyScopePrefixLengthMax = 64;
// The server derives per-part keys from a request's key ("KEY/17" for row 17 of an
// import, "KEY/answer" for a stored answer): room for that suffix.
inline constexpr size_t kIdempotencyDerivedSuffixLengthMax = 24;
inline constexpr size_t kScopedIdempotencyKeyLengthMax = kIdempotencyScopePrefixLengthMax +
                                                         kIdempotencyKeyLengthMax +
                                                         kIdempotencyDerivedSuffixLengthMax;
inline constexpr size_t kNameLengthMax = 200;    // SKU names
inline constexpr size_t kReasonLengthMax = 200;  // adjustment / return reasons

// Accepts 1..kIdentifierLengthMax characters from [A-Za-z0-9._:-].
// Errors: invalid_argument naming `field` when empty or a character is not allowed;
// limit_exceeded naming `field` when too long.
Result<void> validate_identifier(std::string_view field, std::string_view value);

// Accepts 1..length_max bytes of printable UTF-8 text (no control characters).
Result<void> validate_text(std::string_view field, std::string_view value, size_t length_max);

}  // namespace livechain
