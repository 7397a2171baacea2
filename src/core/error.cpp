#include "core/error.hpp"

namespace livechain {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::limit_exceeded:
      return "limit_exceeded";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::already_exists:
      return "already_exists";
    case ErrorCode::insufficient_stock:
      return "insufficient_stock";
    case ErrorCode::presale_exhausted:
      return "presale_exhausted";
    case ErrorCode::reservation_expired:
      return "reservation_expired";
    case ErrorCode::reservation_committed:
      return "reservation_committed";
    case ErrorCode::reservation_released:
      return "reservation_released";
    case ErrorCode::idempotency_conflict:
      return "idempotency_conflict";
    case ErrorCode::invalid_state:
      return "invalid_state";
    case ErrorCode::io_error:
      return "io_error";
    case ErrorCode::corruption:
      return "corruption";
    case ErrorCode::busy:
      return "busy";
    case ErrorCode::shutting_down:
      return "shutting_down";
  }
  return "unknown";
}

std::string Error::to_string() const {
  std::string out(error_code_name(code));
  if (!field.empty()) out += " (" + field + ")";
  if (!detail.empty()) out += ": " + detail;
  return out;
}

}  // namespace livechain
