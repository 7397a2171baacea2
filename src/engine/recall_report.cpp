// The recall report (issue 12 §5): a read of batch-tracked stock, open reservations and
// the batch's sales. No buyer data: orders are named by order id and channel, regions
// are those of the locations the units left from.
#include <algorithm>
#include <map>
#include <set>

#include "engine/engine.hpp"

namespace livechain::engine {

Result<RecallReport> Engine::recall_report(uint64_t batch_id) const {
  LC_TRY(view, batch(batch_id));
  const BatchRecord& record = *state_.batch(batch_id);
  auto region_of = [&](LocationIndex location) -> const std::string& {
    return state_.regions()[state_.locations()[location].region];
  };
  RecallReport report;
  report.batch = std::move(view);

  std::map<LocationIndex, RecallReport::Place> places;
  auto place = [&](LocationIndex location) -> RecallReport::Place& {
    RecallReport::Place& p = places[location];
    p.location_id = state_.location_id_of(location);
    p.region = region_of(location);
    return p;
  };
  for (const auto& [location, units] : record.quarantined_at)
    place(location).quarantined_units = units;
  std::set<LocationIndex> held_at;
  for (const auto& [location, units] : state_.batch_locations(batch_id)) {
    place(location).held_units = units;
    held_at.insert(location);
  }
  for (auto& [location, p] : places) report.places.push_back(std::move(p));
  for (uint64_t transfer_id : state_.in_transit_transfers(record.sku)) {
    for (const BatchUnits& u : state_.transfer_batch_units(transfer_id)) {
      if (u.batch_id == batch_id) report.in_transit_units += u.units;
    }
  }

  state_.for_each_pending([&](const PendingReservation& reservation) {
    if (reservation.presale) return;
    for (const StockLine& line : reservation.lines) {
      if (line.sku != record.sku || !held_at.contains(line.location)) continue;
      if (report.open_reservations.size() >= kRecallSalesListedMax) return;
      report.open_reservations.push_back(
          RecallReport::OpenReservation{reservation.reservation_id, reservation.order_id,
                                        state_.channels()[reservation.channel].channel_id,
                                        state_.location_id_of(line.location), line.qty_units});
    }
  });
  std::sort(report.open_reservations.begin(), report.open_reservations.end(),
            [](const auto& a, const auto& b) { return a.reservation_id < b.reservation_id; });

  std::map<std::string, int64_t> by_region, by_channel;
  report.sales_total = static_cast<int64_t>(record.sales.size());
  for (const BatchSale& sale : record.sales) {
    const std::string& channel = state_.channels()[sale.channel].channel_id;
    by_region[region_of(sale.location)] += sale.units;
    by_channel[channel] += sale.units;
    if (report.sales.size() >= kRecallSalesListedMax) continue;
    report.sales.push_back(RecallReport::Sale{sale.reservation_id, sale.order_id, channel,
                                              state_.location_id_of(sale.location),
                                              region_of(sale.location), sale.units, sale.serials});
  }
  report.sold_units_by_region.assign(by_region.begin(), by_region.end());
  report.sold_units_by_channel.assign(by_channel.begin(), by_channel.end());
  return report;
}

}  // namespace livechain::engine
