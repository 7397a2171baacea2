// src/planning/formulas_inputs.cpp — see formulas_inputs.hpp.
#include "planning/formulas_inputs.hpp"

#include <cmath>

namespace livechain::planning {

namespace json = boost::json;

Result<const json::value*> FormulaInputs::present(const char* name) const {
  const json::value* value = object_.if_contains(name);
  if (value == nullptr) return fail(ErrorCode::invalid_argument, field(name), "is missing");
  return value;
}

Result<double> FormulaInputs::number(const char* name) const {
  LC_TRY(value, present(name));
  double x = 0;
  if (value->is_double()) {
    x = value->get_double();
  } else if (value->is_int64()) {
    x = static_cast<double>(value->get_int64());
  } else if (value->is_uint64()) {
    x = static_cast<double>(value->get_uint64());
  } else {
    return fail(ErrorCode::invalid_argument, field(name), "must be a number");
  }
  if (!std::isfinite(x)) return fail(ErrorCode::invalid_argument, field(name), "must be finite");
  return x;
}

Result<double> FormulaInputs::positive(const char* name) const {
  LC_TRY(x, number(name));
  if (!(x > 0)) return fail(ErrorCode::invalid_argument, field(name), "must be > 0");
  return x;
}

Result<double> FormulaInputs::nonnegative(const char* name) const {
  LC_TRY(x, number(name));
  if (!(x >= 0)) return fail(ErrorCode::invalid_argument, field(name), "must be >= 0");
  return x;
}

Result<double> FormulaInputs::probability(const char* name) const {
  LC_TRY(x, number(name));
  if (!(x > 0 && x < 1)) {
    return fail(ErrorCode::invalid_argument, field(name), "must be > 0 and < 1");
  }
  return x;
}

Result<std::int64_t> FormulaInputs::integer(const char* name, std::int64_t min) const {
  LC_TRY(x, number(name));
  if (x != std::floor(x) || std::fabs(x) > 1e15) {
    return fail(ErrorCode::invalid_argument, field(name), "must be an integer");
  }
  if (x < static_cast<double>(min)) {
    return fail(ErrorCode::invalid_argument, field(name), "must be >= " + std::to_string(min));
  }
  return static_cast<std::int64_t>(x);
}

Result<std::optional<double>> FormulaInputs::nullable_nonnegative(const char* name) const {
  const json::value* value = object_.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<double>{};
  LC_TRY(x, nonnegative(name));
  return std::optional<double>{x};
}

Result<std::optional<std::int64_t>> FormulaInputs::nullable_integer(const char* name,
                                                                    std::int64_t min) const {
  const json::value* value = object_.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::int64_t>{};
  LC_TRY(x, integer(name, min));
  return std::optional<std::int64_t>{x};
}

Result<const json::object*> FormulaInputs::object(const char* name) const {
  LC_TRY(value, present(name));
  if (!value->is_object()) {
    return fail(ErrorCode::invalid_argument, field(name), "must be an object");
  }
  return &value->get_object();
}

Result<const json::array*> FormulaInputs::array(const char* name) const {
  LC_TRY(value, present(name));
  if (!value->is_array()) return fail(ErrorCode::invalid_argument, field(name), "must be an array");
  return &value->get_array();
}

}  // namespace livechain::planning
