// JSON of planned sessions, their plans and the tier rules: the records planning keeps
// in the journal and the views the API and CLI print (docs/planning.md).
#include <fmt/format.h>

#include <cmath>

#include "planning/session_record_format.hpp"
#include "planning/session_records.hpp"

namespace livechain::planning {

namespace json = boost::json;

namespace {

json::object sku_spec_json(const SessionSku& sku) {
  json::object out{{"gtin", sku.gtin},
                   {"p50_units", sku.p50_units},
                   {"p90_units", sku.p90_units},
                   {"capacity_units", sku.capacity_units},
                   {"supplier_tier", supplier_tier_name(sku.supplier_tier)}};
  if (sku.add_to_cart) {
    out["add_to_cart"] = json::object{{"units", sku.add_to_cart->units},
                                      {"conversion", sku.add_to_cart->conversion}};
  }
  return out;
}

json::array skus_json(const SessionSpec& spec) {
  json::array skus;
  for (const SessionSku& sku : spec.skus) skus.push_back(sku_spec_json(sku));
  return skus;
}

Error bad_record(const std::string& what) {
  return Error{ErrorCode::corruption, "state", "planning record: " + what};
}

const json::value* member(const json::object& object, std::string_view name) {
  return object.if_contains(name);
}

bool read_number(const json::object& object, std::string_view name, double& out) {
  const json::value* v = member(object, name);
  if (v == nullptr || !v->is_number()) return false;
  out = v->to_number<double>();
  return true;
}

bool read_integer(const json::object& object, std::string_view name, int64_t& out) {
  const json::value* v = member(object, name);
  if (v == nullptr || !v->is_int64()) return false;
  out = v->get_int64();
  return true;
}

bool read_string(const json::object& object, std::string_view name, std::string& out) {
  const json::value* v = member(object, name);
  if (v == nullptr || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

// The tier rules' members, in the order the docs list them.
struct TierMember {
  std::string_view name;
  double TierConfig::*field;
};
constexpr TierMember kTierMembers[] = {
    {"daily_safety_days", &TierConfig::daily_safety_days},
    {"themed_presale_lock_share", &TierConfig::themed_presale_lock_share},
    {"themed_replan_window_h", &TierConfig::themed_replan_window_h},
    {"mega_locked_share", &TierConfig::mega_locked_share},
    {"mega_emergency_reserve_share", &TierConfig::mega_emergency_reserve_share},
    {"sudden_order_reserve_share", &TierConfig::sudden_order_reserve_share},
    {"core_preparation_days", &TierConfig::core_preparation_days},
    {"close_preparation_days", &TierConfig::close_preparation_days},
    {"elastic_preparation_days", &TierConfig::elastic_preparation_days},
};

}  // namespace

json::object session_record_json(const SessionSpec& spec, TimeMs planned_at_ms,
                                 std::string_view planned_by) {
  return json::object{{"id", spec.id},
                      {"starts_at_ms", spec.starts_at_ms},
                      {"duration_min", spec.duration_min},
                      {"tier", session_tier_name(spec.tier)},
                      {"channel", spec.channel},
                      {"streamer", spec.streamer},
                      {"skus", skus_json(spec)},
                      {"planned_at_ms", planned_at_ms},
                      {"planned_by", planned_by}};
}

Result<StoredSession> session_from_record(std::string_view body_json) {
  std::error_code error;
  json::value value = json::parse(body_json, error);
  if (error || !value.is_object()) return std::unexpected(bad_record("session is not an object"));
  const json::object& o = value.get_object();
  StoredSession stored;
  SessionSpec& spec = stored.spec;
  std::string tier;
  int64_t duration_min = 0;
  const json::value* skus = member(o, "skus");
  if (!read_string(o, "id", spec.id) || !read_integer(o, "starts_at_ms", spec.starts_at_ms) ||
      !read_integer(o, "duration_min", duration_min) || !read_string(o, "tier", tier) ||
      !read_string(o, "channel", spec.channel) || !read_string(o, "streamer", spec.streamer) ||
      !read_integer(o, "planned_at_ms", stored.planned_at_ms) ||
      !read_string(o, "planned_by", stored.planned_by) || skus == nullptr || !skus->is_array()) {
    return std::unexpected(bad_record("session " + spec.id + " lacks a member"));
  }
  auto parsed_tier = parse_session_tier(tier);
  if (!parsed_tier) return std::unexpected(bad_record("session tier " + tier));
  spec.tier = *parsed_tier;
  spec.duration_min = static_cast<int32_t>(duration_min);
  for (const json::value& entry : skus->get_array()) {
    if (!entry.is_object()) return std::unexpected(bad_record("session SKU is not an object"));
    const json::object& s = entry.get_object();
    SessionSku sku;
    std::string supplier;
    if (!read_string(s, "gtin", sku.gtin) || !read_number(s, "p50_units", sku.p50_units) ||
        !read_number(s, "p90_units", sku.p90_units) ||
        !read_integer(s, "capacity_units", sku.capacity_units) ||
        !read_string(s, "supplier_tier", supplier) || !parse_supplier_tier(supplier)) {
      return std::unexpected(bad_record("session SKU " + sku.gtin));
    }
    sku.supplier_tier = *parse_supplier_tier(supplier);
    if (const json::value* cart = member(s, "add_to_cart")) {
      AddToCartSignal signal;
      if (!cart->is_object() || !read_integer(cart->get_object(), "units", signal.units) ||
          !read_number(cart->get_object(), "conversion", signal.conversion)) {
        return std::unexpected(bad_record("session SKU add_to_cart"));
      }
      sku.add_to_cart = signal;
    }
    spec.skus.push_back(std::move(sku));
  }
  if (auto valid = validate_session_spec(spec); !valid) {
    return std::unexpected(bad_record("session " + spec.id + ": " + valid.error().to_string()));
  }
  return stored;
}

json::object session_json(const StoredSession& session) {
  const SessionSpec& spec = session.spec;
  return json::object{{"id", spec.id},
                      {"starts_at", format_rfc3339_ms(spec.starts_at_ms)},
                      {"duration_min", spec.duration_min},
                      {"tier", session_tier_name(spec.tier)},
                      {"channel", spec.channel},
                      {"streamer", spec.streamer},
                      {"skus", skus_json(spec)},
                      {"planned_at", format_rfc3339_ms(session.planned_at_ms)},
                      {"planned_by", session.planned_by}};
}

json::object sku_plan_json(const SkuPlan& plan) {
  json::array locations;
  for (const LocationTarget& t : plan.locations) {
    locations.push_back(json::object{{"location", t.location_id},
                                     {"target_units", t.target_units},
                                     {"available_units", t.available_units},
                                     {"gap_units", t.gap_units}});
  }
  json::array why;
  for (const std::string& reason : plan.why) why.push_back(json::string(reason));
  return json::object{{"gtin", plan.gtin},
                      {"supplier_tier", supplier_tier_name(plan.supplier_tier)},
                      {"demand_basis", plan.demand_basis},
                      {"demand_units", plan.demand_units},
                      {"safety_units", plan.safety_units},
                      {"target_units", plan.target_units},
                      {"locked_units", plan.locked_units},
                      {"flexible_units", plan.flexible_units},
                      {"emergency_reserve_units", plan.emergency_reserve_units},
                      {"sudden_reserve_units", plan.sudden_reserve_units},
                      {"shortfall_units", plan.shortfall_units},
                      {"order_by", format_rfc3339_ms(plan.order_by_ms)},
                      {"order_by_passed", plan.order_by_passed},
                      {"locations", std::move(locations)},
                      {"why", std::move(why)}};
}

json::object tier_config_json(const TierConfig& config) {
  json::object out;
  for (const TierMember& m : kTierMembers) out[m.name] = config.*(m.field);
  return out;
}

Result<TierConfig> tier_config_from_json(const json::value& value, const TierConfig& defaults) {
  if (!value.is_object()) {
    return fail(ErrorCode::invalid_argument, "tiers", "must be an object of tier rule numbers");
  }
  TierConfig config = defaults;
  for (const auto& [name, v] : value.get_object()) {
    std::string field = fmt::format("tiers.{}", std::string_view(name));
    const TierMember* found = nullptr;
    for (const TierMember& m : kTierMembers) {
      if (m.name == std::string_view(name)) found = &m;
    }
    if (found == nullptr) return fail(ErrorCode::invalid_argument, field, "unknown tier rule");
    if (!v.is_number() || !std::isfinite(v.to_number<double>())) {
      return fail(ErrorCode::invalid_argument, field, "must be a number");
    }
    config.*(found->field) = v.to_number<double>();
  }
  LC_CHECK(validate_tier_config(config));
  return config;
}

}  // namespace livechain::planning
