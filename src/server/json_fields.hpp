// src/server/json_fields.hpp — internal: typed, field-named access to JSON objects.
// Every error names the field with its path ("lines[0].qty") and says what was wanted.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/time.hpp"

namespace livechain::server {

// Errors: invalid_argument naming the first member not in `known`.
Result<void> reject_unknown_fields(const boost::json::object& object,
                                   std::initializer_list<std::string_view> known,
                                   const std::string& path);

// A string member. `present` false → nullopt (optional_string) or an error
// (required_string). Errors: invalid_argument when not a string.
Result<std::optional<std::string>> optional_string(const boost::json::object& object,
                                                   std::string_view name, const std::string& path);
Result<std::string> required_string(const boost::json::object& object, std::string_view name,
                                    const std::string& path);

// An integer member in [min, max]. JSON numbers with a fraction or exponent that are
// not whole, and whole numbers outside int64, are refused with the range in the detail.
Result<std::optional<int64_t>> optional_integer(const boost::json::object& object,
                                                std::string_view name, const std::string& path,
                                                int64_t min, int64_t max);
Result<int64_t> required_integer(const boost::json::object& object, std::string_view name,
                                 const std::string& path, int64_t min, int64_t max);

Result<std::optional<bool>> optional_bool(const boost::json::object& object, std::string_view name,
                                          const std::string& path);

// A valid GTIN-8/12/13/14, returned as GTIN-14. Errors name `path + name`.
Result<std::string> required_gtin(const boost::json::object& object, std::string_view name,
                                  const std::string& path);
// A GTIN given as text (path segment, CSV cell), errors naming `field`.
Result<std::string> gtin_from_text(std::string_view field, std::string_view text);

// An RFC 3339 date-time ("2026-12-06T23:40:00Z", "…T23:40:00.250+08:00"; fractions
// beyond milliseconds are truncated) as milliseconds since the epoch.
// Errors: invalid_argument naming `field`.
Result<TimeMs> parse_rfc3339(std::string_view field, std::string_view text);

}  // namespace livechain::server
