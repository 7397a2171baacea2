// src/core/error.hpp
//
// Errors are values at every module boundary. ErrorCode is exhaustive: one value per
// broken rule, so callers (CLI exit codes, HTTP status table) can map them without
// parsing text. `field` names the offending input field; `detail` is for people.
#pragma once

#include <version>
#if defined(__cpp_lib_expected)
#include <expected>
#else
#include "core/expected_compat.hpp"  // clang 14 + libstdc++ 12: the fuzzing build
#endif
#include <string>
#include <string_view>

namespace livechain {

enum class ErrorCode {
  invalid_argument,       // malformed or out-of-range input; `field` names it
  limit_exceeded,         // a documented limit was crossed; `field` names it
  not_found,              // a named entity (sku, location, channel, reservation …) is unknown
  already_exists,         // create of something that exists with different content
  insufficient_stock,     // a reservation/transfer/adjustment would oversell
  presale_exhausted,      // presale reservation beyond planned production
  reservation_expired,    // commit/extend of a reservation whose TTL ran out
  reservation_committed,  // the reservation was already committed
  reservation_released,   // the reservation was already released
  idempotency_conflict,   // same idempotency key, different request body
  invalid_state,          // operation not allowed in the entity's current state
  io_error,               // storage failed; nothing was acknowledged
  corruption,             // stored data fails its checksum, hash or signature
  busy,                   // another writer holds the database, or a queue is full
  shutting_down,          // the sequencer is stopping and takes no new commands
};

std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string field;   // offending input field, empty when not about one field
  std::string detail;  // human-readable reason

  std::string to_string() const;
};

// [[nodiscard]]: a Result dropped on the floor is an error ignored. A thin subclass,
// since an alias cannot carry the attribute; it is a std::expected in every other way.
// Assignment converts to Result first and uses the implicit copy/move assignment
// (std::expected's own operator= beside it would make Result<Command> = Result<Commit>
// ambiguous).
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
  using Base = std::expected<T, Error>;

 public:
  using Base::Base;
  Result() = default;
  Result(const Base& other) : Base(other) {}
  Result(Base&& other) : Base(std::move(other)) {}
};

// Shorthand used at every boundary: `return fail(ErrorCode::not_found, "sku", "…")`.
inline std::unexpected<Error> fail(ErrorCode code, std::string field, std::string detail) {
  return std::unexpected<Error>(Error{code, std::move(field), std::move(detail)});
}

}  // namespace livechain

// Binds `name` to the value of a Result expression, or returns its error from the
// enclosing function (which must return some Result). Keeps parsers that check a dozen
// fields in a row readable.
#define LC_TRY(name, expression)                                                  \
  auto name##_result_ = (expression);                                             \
  if (!name##_result_) return std::unexpected(std::move(name##_result_.error())); \
  auto& name = *name##_result_

// Returns the error of a Result<void> expression from the enclosing function.
#define LC_CHECK(expression)                                    \
  do {                                                          \
    if (auto check_result_ = (expression); !check_result_)      \
      return std::unexpected(std::move(check_result_.error())); \
  } while (false)
