// src/server/json_views.hpp — the JSON shape of engine replies, shared by the HTTP API
// and `livechain … --json`, so both speak the same field names (sku, location, qty).
// Fields above the caller's data level are left out (see access.hpp).
#pragma once

#include <boost/json.hpp>
#include <string>

#include "core/time.hpp"
#include "engine/commands.hpp"
#include "engine/engine.hpp"
#include "engine/state.hpp"

namespace livechain::server {

// ISO 8601 UTC with milliseconds: "2026-11-23T01:02:03.004Z".
std::string format_time(TimeMs time_ms);

// A production batch (issue 12 §2): {"batch_id", "sku", "lot", "produced_at", "factory",
// "inspection_reports", "units_issued"} and, on the reply of issuing units,
// "first_serial" and "last_serial" of the range just issued.
boost::json::object batch_json(const engine::BatchView& view);

boost::json::object balance_json(const engine::BalanceView& view);
boost::json::object reservation_json(const engine::ReservationView& view);
boost::json::value reply_json(const engine::Reply& reply);
// One dedicated allocation: {"channel", "sku", "location"?, "qty"}.
boost::json::object allocation_json(const engine::AllocationView& view);
// GET /v1/channels/{id}/available: {"channel", "sku", "available", "pool",
// "locations": [{"location", "available", "pool"}], "allocations": [...]}.
boost::json::object channel_availability_json(const engine::ChannelAvailability& view);

// GET /v1/stock/{sku}: per-location balances (with each location's kind and region),
// totals, and available-to-sell per channel (engine::channel_sellable_total: its
// dedicated allocations, or the shared pool). REQUIRES: `sku` is a valid index of `state`.
boost::json::object sku_stock_json(const engine::LedgerState& state, engine::SkuIndex sku);

}  // namespace livechain::server
