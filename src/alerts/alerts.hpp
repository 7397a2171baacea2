// src/alerts/alerts.hpp — public header of the alerts module.
//
// alerts owns the rules that turn state changes into graded alerts. Today: stock
// alerts on a SKU × location's available-to-sell (stockout, low stock, recovered),
// pushed to /v1/stream subscribers. Session-level rules (forecast deviation, surge)
// will join them here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace livechain::alerts {

enum class Severity : uint8_t { info, warning, critical };
enum class StockAlertKind : uint8_t { stockout, low_stock, recovered };

struct StockAlert {
  StockAlertKind kind;
  Severity severity;
};

std::string_view stock_alert_name(StockAlertKind kind);
std::string_view severity_name(Severity severity);

// The alert raised when available-to-sell moves from `before_units` to `after_units`
// (before nullopt: first observation, which alerts only if already out or low).
// Fires on crossings only, so a SKU hovering at zero raises one stockout, not one per
// change: stockout (critical) on reaching 0; low_stock (warning) on falling to or
// below `low_stock_units` from above it; recovered (info) on rising above the low
// threshold from at or below it. REQUIRES: low_stock_units >= 0.
std::optional<StockAlert> stock_alert(std::optional<int64_t> before_units, int64_t after_units,
                                      int64_t low_stock_units);

}  // namespace livechain::alerts
