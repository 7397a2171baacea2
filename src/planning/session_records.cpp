// Planned sessions and their per-SKU stocking decisions as rule-state records: what is
// journaled (who, when, inputs, result) and how it is read back.
#include "planning/session_records.hpp"

#include <fmt/format.h>

#include <set>

#include "core/assert.hpp"
#include "planning/session_record_format.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

std::string decision_key(std::string_view session_id, std::string_view gtin) {
  return fmt::format("{}/{}", session_id, gtin);
}

json::object decision_inputs(const SessionSpec& spec, const SessionSku& sku,
                             const std::vector<LocationStock>& stock, const TierConfig& config) {
  json::array locations;
  for (const LocationStock& s : stock) {
    locations.push_back(json::object{{"location", s.location_id},
                                     {"available_units", s.available_units},
                                     {"sold_units", s.sold_units}});
  }
  json::object inputs{{"tier", session_tier_name(spec.tier)},
                      {"starts_at", format_rfc3339_ms(spec.starts_at_ms)},
                      {"p50_units", sku.p50_units},
                      {"p90_units", sku.p90_units},
                      {"capacity_units", sku.capacity_units},
                      {"supplier_tier", supplier_tier_name(sku.supplier_tier)},
                      {"locations", std::move(locations)},
                      {"tiers", tier_config_json(config)}};
  if (sku.add_to_cart) {
    inputs["add_to_cart"] = json::object{{"units", sku.add_to_cart->units},
                                         {"conversion", sku.add_to_cart->conversion}};
  }
  return inputs;
}

engine::PutRuleState record(engine::RuleStateKind kind, std::string key, const json::object& body) {
  return engine::PutRuleState{kind, std::move(key), json::serialize(body)};
}

}  // namespace

std::vector<LocationStock> stocking_locations(const engine::LedgerState& state,
                                              std::string_view gtin) {
  std::vector<LocationStock> out;
  auto sku = state.find_sku(gtin);
  if (!sku) return out;
  for (const engine::SkuBalanceRef& ref : state.balance_refs_of_sku(*sku)) {
    const engine::LocationRecord& location = state.locations()[ref.location];
    if (!engine::sells_to_buyers(location.kind)) continue;
    const engine::Balance& balance = state.balance_at(ref.balance_index);
    out.push_back({location.location_id, balance.available_units(), balance.sold_units});
  }
  return out;
}

Result<SessionLedgerInputs> read_session_inputs(const engine::LedgerState& state,
                                                const SessionSpec& spec) {
  // The caller validated: re-checking every GTIN here would cost the engine thread.
  LC_DASSERT(validate_session_spec(spec).has_value());
  if (!state.find_channel(spec.channel)) {
    return fail(ErrorCode::not_found, "channel", fmt::format("unknown channel {}", spec.channel));
  }
  SessionLedgerInputs inputs;
  for (size_t i = 0; i < spec.skus.size(); ++i) {
    std::string field = fmt::format("skus[{}].gtin", i);
    if (!state.find_sku(spec.skus[i].gtin)) {
      return fail(ErrorCode::not_found, field, fmt::format("unknown SKU {}", spec.skus[i].gtin));
    }
    inputs.stock_by_sku.push_back(stocking_locations(state, spec.skus[i].gtin));
    if (inputs.stock_by_sku.back().size() > kPlanLocationsMax) {
      return fail(ErrorCode::limit_exceeded, field,
                  fmt::format("held in {} locations; planning considers at most {}",
                              inputs.stock_by_sku.back().size(), kPlanLocationsMax));
    }
  }
  LC_TRY(previous, find_session(state, spec.id));
  if (previous) {
    inputs.previous_gtins.emplace();
    for (const SessionSku& sku : previous->spec.skus) inputs.previous_gtins->push_back(sku.gtin);
  }
  return inputs;
}

Result<SessionDecision> decide_session(const engine::LedgerState& state, const SessionSpec& spec,
                                       const TierConfig& config, TimeMs now_ms,
                                       std::string_view actor) {
  LC_TRY(inputs, read_session_inputs(state, spec));
  return decide_session(inputs, spec, config, now_ms, actor);
}

Result<SessionDecision> decide_session(const SessionLedgerInputs& inputs, const SessionSpec& spec,
                                       const TierConfig& config, TimeMs now_ms,
                                       std::string_view actor) {
  LC_ASSERT(inputs.stock_by_sku.size() == spec.skus.size());
  const std::vector<std::vector<LocationStock>>& stock_by_sku = inputs.stock_by_sku;
  SessionDecision decision;
  decision.replanned = inputs.previous_gtins.has_value();
  decision.plan = plan_session(spec, config, stock_by_sku, now_ms);
  json::object session = session_record_json(spec, now_ms, actor);
  if (json::serialize(session).size() > engine::kRuleStateBodyBytesMax) {
    return fail(ErrorCode::limit_exceeded, "skus",
                fmt::format("the session record exceeds {} bytes: plan fewer SKUs per session",
                            engine::kRuleStateBodyBytesMax));
  }
  std::set<std::string> planned;
  for (size_t i = 0; i < spec.skus.size(); ++i) {
    const SessionSku& sku = spec.skus[i];
    planned.insert(sku.gtin);
    json::object body{{"decision", "session_stocking"},
                      {"session", spec.id},
                      {"sku", sku.gtin},
                      {"decided_by", actor},
                      {"decided_at", format_rfc3339_ms(now_ms)},
                      {"decided_at_ms", now_ms},
                      {"inputs", decision_inputs(spec, sku, stock_by_sku[i], config)},
                      {"result", sku_plan_json(decision.plan.skus[i])}};
    if (json::serialize(body).size() > engine::kRuleStateBodyBytesMax) {
      return fail(
          ErrorCode::limit_exceeded, fmt::format("skus[{}].gtin", i),
          fmt::format("the decision record exceeds {} bytes", engine::kRuleStateBodyBytesMax));
    }
    decision.commands.push_back(
        record(engine::RuleStateKind::plan_decision, decision_key(spec.id, sku.gtin), body));
  }
  if (inputs.previous_gtins) {
    for (const std::string& dropped : *inputs.previous_gtins) {
      if (planned.contains(dropped)) continue;
      decision.commands.push_back(engine::PutRuleState{engine::RuleStateKind::plan_decision,
                                                       decision_key(spec.id, dropped), ""});
    }
  }
  // The session's record last: applied one by one (the CLI), a run cut short leaves the
  // previous session and its plan readable.
  decision.commands.push_back(record(engine::RuleStateKind::live_session, spec.id, session));
  return decision;
}

Result<std::optional<StoredSession>> find_session(const engine::LedgerState& state,
                                                  std::string_view id) {
  const auto& records = state.rule_states();
  auto found = records.find({engine::RuleStateKind::live_session, std::string(id)});
  if (found == records.end()) return std::optional<StoredSession>();
  LC_TRY(stored, session_from_record(found->second));
  return std::optional<StoredSession>(std::move(stored));
}

Result<json::object> session_plan_view(const engine::LedgerState& state,
                                       const StoredSession& session) {
  const SessionSpec& spec = session.spec;
  json::array skus;
  for (const SessionSku& sku : spec.skus) {
    auto found = state.rule_states().find(
        {engine::RuleStateKind::plan_decision, decision_key(spec.id, sku.gtin)});
    std::error_code error;
    json::value body;
    if (found != state.rule_states().end()) body = json::parse(found->second, error);
    const json::value* result =
        body.is_object() ? body.get_object().if_contains("result") : nullptr;
    if (error || result == nullptr || !result->is_object()) {
      return fail(
          ErrorCode::corruption, "state",
          fmt::format("planning record: no decision for {} in session {}", sku.gtin, spec.id));
    }
    skus.push_back(*result);
  }
  return json::object{{"session", spec.id},
                      {"tier", session_tier_name(spec.tier)},
                      {"starts_at", format_rfc3339_ms(spec.starts_at_ms)},
                      {"planned_at", format_rfc3339_ms(session.planned_at_ms)},
                      {"planned_by", session.planned_by},
                      {"skus", std::move(skus)}};
}

}  // namespace livechain::planning
