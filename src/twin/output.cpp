// KPI and history files. Fixed key order and fixed decimals: equal runs, equal bytes.
#include <fmt/format.h>

#include <fstream>

#include "twin/twin.hpp"

namespace livechain::twin {

namespace {

struct KpiRow {
  std::string name;
  std::string value;
  double number;
};

std::vector<KpiRow> kpi_rows(const Kpis& k) {
  struct Text {
    std::string text;
    double number;
  };
  const auto f2 = [](double v) { return Text{fmt::format("{:.2f}", v), v}; };
  const auto f4 = [](double v) { return Text{fmt::format("{:.4f}", v), v}; };
  const auto i = [](auto v) { return Text{fmt::format("{}", v), static_cast<double>(v)}; };
  const std::vector<std::pair<std::string, Text>> rows = {
      {"orders", i(k.orders)},
      {"orders_reserved", i(k.orders_reserved)},
      {"orders_committed", i(k.orders_committed)},
      {"orders_expired_unpaid", i(k.orders_expired_unpaid)},
      {"orders_cancelled", i(k.orders_cancelled)},
      {"units_demanded", i(k.units_demanded)},
      {"units_sold", i(k.units_sold)},
      {"fill_rate", f4(k.fill_rate)},
      {"stockout_sku_minutes", i(k.stockout_sku_minutes)},
      {"oversold_units", i(k.oversold_units)},
      {"lost_sales_units", i(k.lost_sales_units)},
      {"lost_sales_cny", f2(k.lost_sales_cny)},
      {"gmv_cny", f2(k.gmv_cny)},
      {"gross_margin_cny", f2(k.gross_margin_cny)},
      {"end_overstock_units", i(k.end_overstock_units)},
      {"end_overstock_value_cny", f2(k.end_overstock_value_cny)},
      {"transfers", i(k.transfers)},
      {"transfer_units", i(k.transfer_units)},
      {"transfer_cost_cny", f2(k.transfer_cost_cny)},
      {"fulfilment_hours_p50", f2(k.fulfilment_hours_p50)},
      {"fulfilment_hours_p95", f2(k.fulfilment_hours_p95)},
      {"sla_breaches", i(k.sla_breaches)},
      {"returns", i(k.returns)},
      {"returned_units", i(k.returned_units)},
      {"return_processing_hours_p50", f2(k.return_processing_hours_p50)},
      {"return_processing_hours_p95", f2(k.return_processing_hours_p95)},
      {"written_off_units", i(k.written_off_units)},
      {"peak_orders_per_min",
       Text{fmt::format("{:.0f}", k.peak_orders_per_min), k.peak_orders_per_min}},
      {"engine_commands", i(k.engine_commands)},
      {"engine_events", i(k.engine_events)},
      {"stocked_units", i(k.stocked_units)},
      {"emergency_units", i(k.emergency_units)},
      {"transfer_co2_kg", f2(k.transfer_co2_kg)},
  };
  std::vector<KpiRow> out;
  for (const auto& [name, t] : rows) out.push_back({name, t.text, t.number});
  // Per buyer region, after the pooled KPIs so existing columns keep their places.
  for (size_t r = 0; r < kRegionCount; ++r) {
    for (const auto& [q, v] : {std::pair{"p50", k.fulfilment_hours_p50_by_region[r]},
                               std::pair{"p95", k.fulfilment_hours_p95_by_region[r]}}) {
      const Text t = f2(v);
      out.push_back(
          {fmt::format("fulfilment_hours_{}.{}", q, region_names()[r]), t.text, t.number});
    }
  }
  return out;
}

Result<void> write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return fail(ErrorCode::io_error, "out", "cannot write " + path.string());
  return {};
}

}  // namespace

const std::array<const char*, kRegionCount>& region_names() {
  static constexpr std::array<const char*, kRegionCount> kNames = {"north", "east", "south", "west",
                                                                   "central"};
  return kNames;
}

std::vector<KpiValue> kpi_values(const Kpis& kpis) {
  std::vector<KpiValue> out;
  for (auto& row : kpi_rows(kpis)) out.push_back({std::move(row.name), row.number});
  return out;
}

std::string kpis_json(const RunConfig& config, const Kpis& kpis) {
  std::string out = fmt::format(
      "{{\n  \"scenario\": \"{}\",\n  \"seed\": {},\n  \"policy\": \"{}\",\n  \"params\": {{",
      config.scenario.id, config.seed, config.policy);
  for (size_t n = 0; n < config.scenario.params.size(); ++n) {
    const auto& param = config.scenario.params[n];
    out += fmt::format("{}\n    \"{}\": {}", n ? "," : "", param.name, param.value);
  }
  out += "\n  },\n  \"kpis\": {";
  const auto rows = kpi_rows(kpis);
  for (size_t n = 0; n < rows.size(); ++n) {
    out += fmt::format("{}\n    \"{}\": {}", n ? "," : "", rows[n].name, rows[n].value);
  }
  out += "\n  }\n}\n";
  return out;
}

std::string kpis_csv(const Kpis& kpis) {
  std::string out = "kpi,value\n";
  for (const auto& row : kpi_rows(kpis)) out += fmt::format("{},{}\n", row.name, row.value);
  return out;
}

Result<void> write_outputs(const std::filesystem::path& out_dir, const RunConfig& config,
                           const RunResult& result) {
  std::error_code error;
  std::filesystem::create_directories(out_dir / "history", error);
  if (error) return fail(ErrorCode::io_error, "out", out_dir.string() + ": " + error.message());
  const History& h = result.history;
  const std::pair<const char*, std::string> files[] = {
      {"kpis.json", kpis_json(config, result.kpis)},
      {"kpis.csv", kpis_csv(result.kpis)},
      {"history/catalog.csv", h.catalog_csv},
      {"history/sessions.csv", h.sessions_csv},
      {"history/signals.csv",
       "session_id,minute,viewers,comments,buy_intent_comments,sentiment,add_to_cart,orders,"
       "units_reserved,lost_units,stockout_skus\n" +
           h.signals_csv},
      {"history/sales.csv",
       "session_id,minute,gtin,units_demanded,units_reserved,lost_units\n" + h.sales_csv},
      {"history/returns.csv",
       "return_id,reservation_id,gtin,category,reason,units,received_ms,graded_ms,grade\n" +
           h.returns_csv},
  };
  for (const auto& [name, text] : files) {
    auto written = write_text(out_dir / name, text);
    if (!written) return written;
  }
  return {};
}

}  // namespace livechain::twin
