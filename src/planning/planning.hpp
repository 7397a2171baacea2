// src/planning/planning.hpp — public header of the planning module (spec §3, §5, §6;
// docs/planning.md).
//
// planning decides how much to stock, where to move it and what to produce, from the
// forecasts and the live ledger, and records every decision as a journal event (who,
// when, inputs, result) through the single writer; it never writes stock itself.
// Each part has its own header:
#pragma once

#include "planning/formulas.hpp"             // inventory-policy formulas (§1)
#include "planning/production.hpp"           // flexible production (§4)
#include "planning/production_records.hpp"   // factories, orders, the server's plan (§4)
#include "planning/session_records.hpp"      // session-tier stocking, its records (§2)
#include "planning/session_tiers.hpp"        // the tier rules (§2)
#include "planning/threshold_transfers.hpp"  // thresholds from sessions, triggers (§3)
#include "planning/transfers.hpp"            // the transfer optimiser (§3)
