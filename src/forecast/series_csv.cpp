// The long-format sales CSV (series_csv.hpp).
#include "forecast/series_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "core/assert.hpp"

namespace livechain::forecast {

namespace {

// Days from civil (Howard Hinnant's algorithm), proleptic Gregorian.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::vector<std::string_view> split_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      std::string_view cell = line.substr(start, i - start);
      while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
      while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r')) {
        cell.remove_suffix(1);
      }
      if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') {
        cell = cell.substr(1, cell.size() - 2);
      }
      cells.push_back(cell);
      start = i + 1;
    }
  }
  return cells;
}

struct Row {
  int64_t day = 0;
  double sales = 0;
  size_t line = 0;
};

std::unexpected<Error> bad(const std::string& file, size_t line, const char* column,
                           const std::string& why) {
  return fail(ErrorCode::invalid_argument, column, fmt::format("{}:{}: {}", file, line, why));
}

Result<double> parse_sales(std::string_view cell, const std::string& file, size_t line) {
  if (cell.empty()) return bad(file, line, "sales", "missing value");
  std::string lower(cell);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "nan" || lower == "-nan" || lower == "na") {
    return bad(file, line, "sales", fmt::format("'{}' is not a number (NaN)", cell));
  }
  double value = 0;
  const auto parsed = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != cell.data() + cell.size()) {
    return bad(file, line, "sales", fmt::format("'{}' is not a number", cell));
  }
  if (!std::isfinite(value)) return bad(file, line, "sales", "infinite value");
  if (value < 0) return bad(file, line, "sales", fmt::format("negative value {}", cell));
  return value;
}

// Sorts a series' rows by date and checks the step: no repeated date, no missing one.
Result<SalesSeries> build_series(const std::string& id, std::vector<Row> rows,
                                 const std::string& file) {
  LC_ASSERT(!rows.empty());
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.day != b.day ? a.day < b.day : a.line < b.line;
  });
  int64_t step = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const int64_t gap = rows[i].day - rows[i - 1].day;
    if (gap == 0) {
      return bad(file, rows[i].line, "date",
                 fmt::format("duplicate date {} for series '{}' (first on line {})",
                             format_iso_day(rows[i].day), id, rows[i - 1].line));
    }
    step = step == 0 ? gap : std::min(step, gap);
  }
  SalesSeries series{id, rows.front().day, static_cast<int>(std::max<int64_t>(step, 1)), {}, 0};
  series.first_line = std::min_element(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
                        return a.line < b.line;
                      })->line;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0 && rows[i].day - rows[i - 1].day != step) {
      return bad(file, rows[i].line, "date",
                 fmt::format("missing date {} in series '{}' (step {} days, previous date {})",
                             format_iso_day(rows[i - 1].day + step), id, step,
                             format_iso_day(rows[i - 1].day)));
    }
    series.values.push_back(rows[i].sales);
  }
  return series;
}

}  // namespace

Result<int64_t> parse_iso_day(std::string_view text) {
  const auto malformed = [&] {
    return fail(ErrorCode::invalid_argument, "date",
                fmt::format("'{}' is not a YYYY-MM-DD date", text));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return malformed();
  int y = 0, m = 0, d = 0;
  const auto number = [&](size_t at, size_t len, int* out) {
    const auto r = std::from_chars(text.data() + at, text.data() + at + len, *out);
    return r.ec == std::errc() && r.ptr == text.data() + at + len;
  };
  if (!number(0, 4, &y) || !number(5, 2, &m) || !number(8, 2, &d)) return malformed();
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap)) {
    return malformed();
  }
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string format_iso_day(int64_t day) {
  // Civil from days (Howard Hinnant's algorithm).
  const int64_t z = day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

Result<SalesTable> parse_sales_csv(std::string_view text, const std::string& file) {
  std::map<std::string, std::vector<Row>, std::less<>> rows;
  size_t id_col = 0, date_col = 0, sales_col = 0, width = 0, line = 0, count = 0;
  bool header = true;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank line
    const auto cells = split_cells(raw);
    if (header) {
      const auto find = [&](std::string_view name) {
        return static_cast<size_t>(std::find(cells.begin(), cells.end(), name) - cells.begin());
      };
      id_col = find("series_id"), date_col = find("date"), sales_col = find("sales");
      for (const auto& [col, name] : {std::pair{id_col, "series_id"}, std::pair{date_col, "date"},
                                      std::pair{sales_col, "sales"}}) {
        if (col >= cells.size()) {
          return bad(file, line, "header",
                     fmt::format("no '{}' column (need series_id,date,sales)", name));
        }
      }
      width = cells.size();
      header = false;
      continue;
    }
    if (++count > kSalesRowsMax) {
      return fail(ErrorCode::limit_exceeded, "rows", fmt::format("more than {}", kSalesRowsMax));
    }
    if (cells.size() != width) {
      return bad(file, line, cells.size() <= sales_col ? "sales" : "header",
                 fmt::format("{} cells, the header has {}", cells.size(), width));
    }
    if (cells[id_col].empty()) return bad(file, line, "series_id", "empty series id");
    auto day = parse_iso_day(cells[date_col]);
    if (!day) return bad(file, line, "date", day.error().detail);
    auto sales = parse_sales(cells[sales_col], file, line);
    if (!sales) return std::unexpected(sales.error());
    auto it = rows.find(cells[id_col]);
    if (it == rows.end()) {
      if (rows.size() >= kSalesSeriesMax) {
        return fail(ErrorCode::limit_exceeded, "series_id",
                    fmt::format("more than {} series", kSalesSeriesMax));
      }
      it = rows.emplace(std::string(cells[id_col]), std::vector<Row>{}).first;
    }
    it->second.push_back(Row{*day, *sales, line});
  }
  if (header) return bad(file, 1, "header", "empty file");
  if (rows.empty()) return bad(file, line, "sales", "no data rows");
  SalesTable table;
  for (auto& [id, series_rows] : rows) {
    auto series = build_series(id, std::move(series_rows), file);
    if (!series) return std::unexpected(series.error());
    table.series.push_back(std::move(*series));
  }
  return table;
}

Result<SalesTable> read_sales_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, file.string(), "cannot open (missing or unreadable)");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return fail(ErrorCode::io_error, file.string(), "read failed");
  return parse_sales_csv(text.str(), file.string());
}

}  // namespace livechain::forecast
