#include "alerts/alerts.hpp"

namespace livechain::alerts {

std::string_view stock_alert_name(StockAlertKind kind) {
  switch (kind) {
    case StockAlertKind::stockout:
      return "stockout";
    case StockAlertKind::low_stock:
      return "low_stock";
    case StockAlertKind::recovered:
      return "recovered";
  }
  return "unknown";
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::critical:
      return "critical";
  }
  return "unknown";
}

std::optional<StockAlert> stock_alert(std::optional<int64_t> before_units, int64_t after_units,
                                      int64_t low_stock_units) {
  bool out_now = after_units <= 0;
  bool low_now = after_units <= low_stock_units;
  if (!before_units) {
    if (out_now) return StockAlert{StockAlertKind::stockout, Severity::critical};
    if (low_now) return StockAlert{StockAlertKind::low_stock, Severity::warning};
    return std::nullopt;
  }
  bool out_before = *before_units <= 0;
  bool low_before = *before_units <= low_stock_units;
  if (out_now && !out_before) return StockAlert{StockAlertKind::stockout, Severity::critical};
  if (low_now && !low_before && !out_now) {
    return StockAlert{StockAlertKind::low_stock, Severity::warning};
  }
  if (!low_now && low_before) return StockAlert{StockAlertKind::recovered, Severity::info};
  return std::nullopt;
}

}  // namespace livechain::alerts
