#include "server/json_views.hpp"

#include <fmt/format.h>

#include <ctime>

namespace livechain::server {

namespace json = boost::json;
using namespace livechain::engine;

std::string format_time(TimeMs time_ms) {
  return format_rfc3339_ms(time_ms);
}

namespace {
void put_balance_fields(json::object& out, const Balance& b) {
  out["on_hand"] = b.on_hand_units;
  out["reserved"] = b.reserved_units;
  out["available"] = b.available_units();
  out["in_transit"] = b.in_transit_units;
  out["quarantine"] = b.quarantine_units;
  out["rework"] = b.rework_units;
  out["presale_planned"] = b.presale_planned_units;
  out["presale_reserved"] = b.presale_reserved_units;
  out["presale_committed"] = b.presale_committed_units;
  out["received_total"] = b.received_units;
  out["sold_total"] = b.sold_units;
  out["scrapped_total"] = b.scrapped_units;
  out["lost_in_transit_total"] = b.lost_in_transit_units;
}
}  // namespace

json::object balance_json(const BalanceView& view) {
  json::object out{{"sku", view.gtin}, {"location", view.location_id}};
  put_balance_fields(out, view.balance);
  return out;
}

json::object reservation_json(const ReservationView& view) {
  json::array lines;
  for (const auto& line : view.lines) {
    json::object object{
        {"sku", line.gtin}, {"location", line.location_id}, {"qty", line.qty_units}};
    if (line.committed_units) object["committed"] = *line.committed_units;
    lines.push_back(std::move(object));
  }
  json::object out{{"reservation_id", view.reservation_id},
                   {"status", std::string(reservation_status_name(view.status))},
                   {"lines", std::move(lines)}};
  if (!view.order_id.empty()) out["order_id"] = view.order_id;
  if (!view.channel_id.empty()) out["channel"] = view.channel_id;
  if (view.expires_at_ms > 0) {
    out["expires_at"] = format_time(view.expires_at_ms);
    out["expires_at_ms"] = view.expires_at_ms;
  }
  if (view.presale) out["presale"] = true;
  if (view.idempotent_replay) out["idempotent_replay"] = true;
  return out;
}

json::object batch_json(const BatchView& view) {
  json::array reports;
  for (const auto& report : view.inspection_reports) reports.push_back(json::string(report));
  json::object out{{"batch_id", view.batch_id},
                   {"sku", view.gtin},
                   {"lot", view.lot},
                   {"produced_at", format_time(view.produced_at_ms)},
                   {"factory", view.factory_id},
                   {"inspection_reports", std::move(reports)},
                   {"units_issued", view.units_issued}};
  if (view.issued_first_serial && view.issued_last_serial) {
    out["first_serial"] = *view.issued_first_serial;
    out["last_serial"] = *view.issued_last_serial;
  }
  out["recalled"] = view.recalled;
  if (view.recalled) {
    out["recalled_at"] = format_time(view.recalled_at_ms);
    out["recall_reason"] = view.recall_reason;
    out["quarantined_units"] = view.quarantined_units;
  }
  return out;
}

namespace {
struct JsonVisitor {
  json::value operator()(const Done&) const { return json::object{{"ok", true}}; }
  json::value operator()(const ReservationView& v) const { return reservation_json(v); }
  json::value operator()(const TransferView& v) const {
    json::object out{
        {"transfer_id", v.transfer_id}, {"sku", v.gtin},
        {"from", v.from_location_id},   {"to", v.to_location_id},
        {"shipped", v.shipped_units},   {"status", v.received_units ? "received" : "in_transit"}};
    if (v.received_units) out["received"] = *v.received_units;
    return out;
  }
  json::value operator()(const ReturnView& v) const {
    return json::object{{"return_id", v.return_id},         {"sku", v.gtin},
                        {"location", v.location_id},        {"received", v.received_units},
                        {"quarantine", v.quarantine_units}, {"rework", v.rework_units},
                        {"restocked", v.restocked_units},   {"scrapped", v.scrapped_units}};
  }
  json::value operator()(const BalanceView& v) const { return balance_json(v); }
  json::value operator()(const AlertView& v) const {
    // The full alert shape is alerts::alert_json (the API uses it); this is the CLI's.
    return json::object{{"id", v.record.alert_id},
                        {"kind", v.record.kind},
                        {"severity", std::string(alert_severity_name(v.record.severity))},
                        {"state", std::string(alert_state_name(v.record.state))},
                        {"changed", v.changed}};
  }
  json::value operator()(const StoredAnswer& v) const {
    return json::object{{"status", v.status}, {"content_type", v.content_type}};
  }
  json::value operator()(const SilenceView& v) const {
    return json::object{{"silence_id", v.record.silence_id}, {"ends_at_ms", v.record.ends_at_ms}};
  }
  json::value operator()(const ExpiredView& v) const {
    json::array ids;
    for (uint64_t id : v.reservation_ids) ids.push_back(id);
    return json::object{{"expired", std::move(ids)}};
  }
  json::value operator()(const AllocationsView& v) const {
    json::array items;
    for (const AllocationView& a : v.allocations) items.push_back(allocation_json(a));
    return json::object{{"allocations", std::move(items)}};
  }
  json::value operator()(const BatchView& v) const { return batch_json(v); }
};
}  // namespace

json::object allocation_json(const AllocationView& view) {
  json::object out{{"channel", view.channel_id}, {"sku", view.gtin}};
  if (!view.location_id.empty()) out["location"] = view.location_id;
  out["qty"] = view.qty_units;
  return out;
}

json::object channel_availability_json(const ChannelAvailability& view) {
  json::array locations;
  for (const ChannelLocationAvailability& row : view.locations) {
    locations.push_back(json::object{{"location", row.location_id},
                                     {"available", row.available_units},
                                     {"pool", std::string(pool_kind_name(row.pool))}});
  }
  json::array allocations;
  for (const AllocationView& a : view.allocations) allocations.push_back(allocation_json(a));
  return json::object{{"channel", view.channel_id},
                      {"sku", view.gtin},
                      {"available", view.available_units},
                      {"pool", view.allocations.empty() ? "shared" : "dedicated"},
                      {"locations", std::move(locations)},
                      {"allocations", std::move(allocations)}};
}

json::value reply_json(const Reply& reply) {
  return std::visit(JsonVisitor{}, reply);
}

json::object sku_stock_json(const LedgerState& state, SkuIndex sku) {
  json::array locations;
  Balance total;
  for (const SkuBalanceRef& ref : state.balance_refs_of_sku(sku)) {
    const Balance& b = state.balance_at(ref.balance_index);
    const LocationRecord& location = state.locations()[ref.location];
    json::object row{{"location", location.location_id},
                     {"kind", std::string(location_kind_name(location.kind))},
                     {"region", state.regions()[location.region]}};
    put_balance_fields(row, b);
    locations.push_back(std::move(row));
    total.on_hand_units += b.on_hand_units;
    total.reserved_units += b.reserved_units;
    total.in_transit_units += b.in_transit_units;
    total.quarantine_units += b.quarantine_units;
    total.rework_units += b.rework_units;
    total.presale_planned_units += b.presale_planned_units;
    total.presale_reserved_units += b.presale_reserved_units;
    total.presale_committed_units += b.presale_committed_units;
    total.received_units += b.received_units;
    total.sold_units += b.sold_units;
    total.scrapped_units += b.scrapped_units;
    total.lost_in_transit_units += b.lost_in_transit_units;
  }
  json::object totals;
  put_balance_fields(totals, total);
  json::array channels;
  for (ChannelIndex index = 0; index < state.channels().size(); ++index) {
    const ChannelRecord& channel = state.channels()[index];
    // The engine's one definition of channel available-to-sell (channel_pools.cpp).
    channels.push_back(
        json::object{{"channel", channel.channel_id},
                     {"kind", std::string(channel_kind_name(channel.kind))},
                     {"available_to_sell", channel_sellable_total(state, index, sku)},
                     {"allocation", state.pool(index, sku) ? "dedicated" : "shared_pool"}});
  }
  return json::object{{"sku", state.skus()[sku].gtin},
                      {"name", state.skus()[sku].name},
                      {"locations", std::move(locations)},
                      {"totals", std::move(totals)},
                      {"available_to_sell", std::move(channels)}};
}

}  // namespace livechain::server
