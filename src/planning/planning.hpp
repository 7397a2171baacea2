// src/planning/planning.hpp — public header of the planning module (spec §3, §5, §6;
// docs/planning.md).
//
// planning decides how much to stock, where to move it and what to produce, from the
// forecasts and the live ledger, and records every decision as a journal event (who,
// when, inputs, result) through the single writer; it never writes stock itself:
//   - session-tier stocking: a planned live session's stocking plan per SKU × location
//     (session_tiers.hpp, session_records.hpp);
#pragma once

#include "planning/session_records.hpp"
#include "planning/session_tiers.hpp"
