// src/planning/formulas_cases_internal.hpp — the network models' case readers
// (formulas_cases_network.cpp), used by the dispatch table in formulas_cases.cpp.
#pragma once

#include <boost/json.hpp>

#include "core/error.hpp"
#include "planning/formulas_inputs.hpp"

namespace livechain::planning {

Result<boost::json::object> case_serial_ssm_clark_scarf(const FormulaInputs& in);
Result<boost::json::object> case_gsm_serial(const FormulaInputs& in);
Result<boost::json::object> case_gsm_tree(const FormulaInputs& in);

}  // namespace livechain::planning
