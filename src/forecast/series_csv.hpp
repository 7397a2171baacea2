// src/forecast/series_csv.hpp — the long-format sales CSV read by `livechain forecast
// train|predict|backtest` (schema in docs/forecasting.md, "Sales CSV").
//
//   series_id,date,sales[,any other columns, ignored]
//   oj-1,2024-01-01,12
//
// The header names the columns (any order). Dates are ISO YYYY-MM-DD; each series must
// be regular: one step (the smallest gap between its dates, 1 day, 7 days, …) with no
// date missing and none repeated. Rows may come in any order. Every error is
// invalid_argument with `field` = the column ("series_id", "date", "sales", "header")
// and a detail starting "FILE:LINE:" (line 1 = the header).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace livechain::forecast {

inline constexpr size_t kSalesRowsMax = 10'000'000;
inline constexpr size_t kSalesSeriesMax = 1'000'000;

struct SalesSeries {
  std::string id;
  int64_t first_day = 0;  // days since 1970-01-01 of the first observation
  int step_days = 1;      // 1 for a single observation
  std::vector<double> values;
  size_t first_line = 0;  // the series' first line in the file (for errors about it)
  int64_t last_day() const {
    return first_day + step_days * (static_cast<int64_t>(values.size()) - 1);
  }
};

// Series sorted by id.
struct SalesTable {
  std::vector<SalesSeries> series;
};

// Days since 1970-01-01 of an ISO date, or nullopt-like error for a malformed or
// impossible date (2023-02-30). Errors: invalid_argument, field "date".
Result<int64_t> parse_iso_day(std::string_view text);
std::string format_iso_day(int64_t day);

// Parses CSV text; `file` labels the errors. Errors: see the header comment; also
// "header" for a missing column or an empty file, limit_exceeded above kSalesRowsMax
// rows or kSalesSeriesMax series.
Result<SalesTable> parse_sales_csv(std::string_view text, const std::string& file);

// Reads and parses a file. Errors: io_error naming the file; parse_sales_csv's.
Result<SalesTable> read_sales_csv(const std::filesystem::path& file);

}  // namespace livechain::forecast
