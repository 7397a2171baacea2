// src/planning/planning.hpp — the planning module's public header.
//
// Planning owns the decisions made ahead of demand: inventory-policy formulas, session
// stocking and transfers. Each part has its own header:
#pragma once

#include "planning/formulas.hpp"  // inventory-policy formulas (issue 18 §1)
