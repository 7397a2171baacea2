// src/planning/session_records.hpp — planned sessions and their stocking decisions as
// durable records (engine rule-state kinds live_session and plan_decision, events 66–67).
//
// decide_session reads the ledger (the SKUs' stocking locations), plans, and returns the
// commands that journal the session and one decision per SKU — who decided, when, from
// which inputs, with which result. The caller submits them through the single writer;
// planning never writes stock. The views read the records back from the ledger state.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "engine/commands.hpp"
#include "engine/state.hpp"
#include "planning/session_tiers.hpp"

namespace livechain::planning {

// Stocking locations considered per SKU (docs/limits.md "Planning").
inline constexpr size_t kPlanLocationsMax = 400;

// The SKU's selling locations (dc, front_warehouse, store) with a balance row, in the
// ledger's order. Empty when the SKU is unknown or nowhere.
std::vector<LocationStock> stocking_locations(const engine::LedgerState& state,
                                              std::string_view gtin);

struct SessionDecision {
  SessionPlan plan;
  bool replanned = false;  // the session existed before
  std::vector<engine::Command> commands;
};

// What planning `spec` reads from the ledger: the SKUs' stocking locations (in spec
// order) and the SKUs of the session's previous plan, if any.
struct SessionLedgerInputs {
  std::vector<std::vector<LocationStock>> stock_by_sku;
  std::optional<std::vector<std::string>> previous_gtins;
};

// Reads the inputs of `spec` from `state`: cheap, for the engine thread (no JSON is
// written). Errors: not_found "channel" / "skus[i].gtin" when the catalog does not know
// them; limit_exceeded "skus[i].gtin" when the SKU sits in more than kPlanLocationsMax
// locations; corruption when the stored session does not parse.
// REQUIRES: validate_session_spec(spec) passed.
Result<SessionLedgerInputs> read_session_inputs(const engine::LedgerState& state,
                                                const SessionSpec& spec);

// Plans `spec` from `inputs` at `now_ms` for `actor` and returns the records to journal:
// one decision per SKU (key = "<id>/<gtin>"), the removal of decisions for SKUs a re-plan
// dropped, and last the session (key = id). Any thread.
// Errors: limit_exceeded "skus" / "skus[i].gtin" when a record would exceed the engine's
// record size. REQUIRES: validate_tier_config(config) passed; `inputs` read for `spec`.
Result<SessionDecision> decide_session(const SessionLedgerInputs& inputs, const SessionSpec& spec,
                                       const TierConfig& config, TimeMs now_ms,
                                       std::string_view actor);
// Both steps at once (the CLI, tests): read_session_inputs, then decide_session.
Result<SessionDecision> decide_session(const engine::LedgerState& state, const SessionSpec& spec,
                                       const TierConfig& config, TimeMs now_ms,
                                       std::string_view actor);

struct StoredSession {
  SessionSpec spec;
  TimeMs planned_at_ms = 0;
  std::string planned_by;
};

// The stored session `id`, or nullopt. Errors: corruption when the record does not parse.
Result<std::optional<StoredSession>> find_session(const engine::LedgerState& state,
                                                  std::string_view id);

// GET /v1/sessions/{id}: the session as planned.
boost::json::object session_json(const StoredSession& session);
// GET /v1/sessions/{id}/plan: {"session", "tier", "planned_at", "planned_by", "skus": [
// each SKU's last decision's result]}. Errors: corruption when a record does not parse.
Result<boost::json::object> session_plan_view(const engine::LedgerState& state,
                                              const StoredSession& session);

// One SKU's plan, as the plan view and the decision record show it.
boost::json::object sku_plan_json(const SkuPlan& plan);

// The tier rules as JSON (serve config and `--tiers FILE`, docs/planning.md), and back.
// Unknown members and wrong types are errors naming "tiers.<member>"; absent members
// keep `defaults`. Errors: invalid_argument naming the field.
boost::json::object tier_config_json(const TierConfig& config);
Result<TierConfig> tier_config_from_json(const boost::json::value& value,
                                         const TierConfig& defaults);

}  // namespace livechain::planning
