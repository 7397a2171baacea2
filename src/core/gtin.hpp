// src/core/gtin.hpp
//
// GS1 Global Trade Item Numbers. The ledger keys every SKU by its GTIN-14; shorter
// GTIN-8/12/13 are accepted and left-padded with zeros, as GS1 prescribes.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace livechain {

// Returns the GS1 mod-10 check digit for `digits_without_check` (all ASCII digits).
// REQUIRES: digits_without_check is non-empty and only digits.
int gtin_check_digit(std::string_view digits_without_check);

// Validates a GTIN-8/12/13/14 and returns it as 14 digits.
// Errors: invalid_argument (field "gtin") when the length is not 8/12/13/14, a
// character is not a digit, or the check digit is wrong (the detail names the digit
// that was expected).
Result<std::string> normalize_gtin(std::string_view text);

}  // namespace livechain
