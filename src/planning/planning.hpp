// src/planning/planning.hpp — the planning module's public header.
//
// Planning owns the decisions made ahead of demand from the ledger's figures: how much
// stock to move between sites and why. It reads the engine's state (through the CLI or
// server) and never writes the ledger itself. Each part has its own header:
#pragma once

#include "planning/transfers.hpp"  // threshold-triggered transfers (issue 18 §3)
