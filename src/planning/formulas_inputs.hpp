// src/planning/formulas_inputs.hpp — reading one case's "inputs" object (internal to
// formulas_cases.cpp and formulas_cases_network.cpp).
//
// Every reader returns the value or an invalid_argument Error whose field is
// "inputs.<path>" and whose detail says what is wrong ("is missing", "must be a number",
// "must be > 0", …).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace livechain::planning {

class FormulaInputs {
 public:
  // `prefix` is the field path of `object` ("inputs", "inputs.stages.2", …).
  FormulaInputs(const boost::json::object& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  Result<double> number(const char* name) const;                           // finite number
  Result<double> positive(const char* name) const;                         // > 0
  Result<double> nonnegative(const char* name) const;                      // ≥ 0
  Result<double> probability(const char* name) const;                      // 0 < x < 1
  Result<std::int64_t> integer(const char* name, std::int64_t min) const;  // integral, ≥ min
  // null or absent → nullopt.
  Result<std::optional<double>> nullable_nonnegative(const char* name) const;
  Result<std::optional<std::int64_t>> nullable_integer(const char* name, std::int64_t min) const;
  Result<const boost::json::object*> object(const char* name) const;
  Result<const boost::json::array*> array(const char* name) const;

  std::string field(const std::string& name) const { return prefix_ + "." + name; }
  const std::string& prefix() const { return prefix_; }

 private:
  Result<const boost::json::value*> present(const char* name) const;
  const boost::json::object& object_;
  std::string prefix_;
};

}  // namespace livechain::planning
