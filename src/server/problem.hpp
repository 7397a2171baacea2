// src/server/problem.hpp — internal: RFC 9457 problem details and the one table that
// maps engine error codes to HTTP statuses.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "core/error.hpp"
#include "server/api_types.hpp"

namespace livechain::server {

// Where an engine error's field came from: a request body field that names something
// unknown is 422 (the request cannot be processed), a path id that names nothing is 404.
enum class ErrorOrigin { body, path };

// The problem object itself, for answers that embed it (batch and import results).
boost::json::object problem_object(unsigned status, std::string_view slug, std::string_view title,
                                   std::string_view detail, std::string_view field = {});
boost::json::object problem_object_from_error(const Error& error,
                                              ErrorOrigin origin = ErrorOrigin::body);

// 400 for a body that is not the JSON it should be (syntax, truncation, depth).
ApiResponse malformed_body(const Error& error);

// A problem+json response: {type, title, status, detail, field?}. `type` is
// "https://livechain.dev/problems/<slug>"; `field` is omitted when empty.
ApiResponse problem(unsigned status, std::string_view slug, std::string_view title,
                    std::string_view detail, std::string_view field = {});

// Maps an engine/store error to its response. Field names are translated from engine
// vocabulary to the API's (qty_units → qty, gtin → sku, location_id → location …).
// busy and shutting_down carry Retry-After.
ApiResponse problem_from_error(const Error& error, ErrorOrigin origin = ErrorOrigin::body);

// As problem_from_error, for errors whose field already is the API's (a module that
// validates the request's own shape, e.g. planning's "skus[1].gtin"): kept as it is.
ApiResponse problem_from_api_error(const Error& error, ErrorOrigin origin = ErrorOrigin::body);

// Engine field name → API field name ("lines[2].qty_units" → "lines[2].qty").
std::string api_field_name(std::string_view engine_field);

// The HTTP status problem_from_error would use.
unsigned status_for_error(const Error& error, ErrorOrigin origin);

}  // namespace livechain::server
