// src/forecast/data.hpp — internal: reading the competitions' CSV files in place.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace livechain::forecast::detail {

inline constexpr size_t kCsvBytesMax = 256u << 20;  // refuse larger (decompressed) files

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// Reads a CSV file (gzip-compressed when the name ends in .gz), with RFC 4180 quoting.
// Errors: io_error naming the file (missing, unreadable, bad gzip); limit_exceeded
// above kCsvBytesMax; corruption for an unterminated quote.
Result<CsvTable> read_csv(const std::filesystem::path& path);

struct NamedSeries {
  std::string id;
  std::vector<double> values;
};

// A wide file: header row, then `id,v1,v2,…` with trailing empty cells after the end
// of a ragged series. Errors: those of read_csv; corruption naming the row and column
// for a non-numeric cell or a value after an empty cell.
Result<std::vector<NamedSeries>> read_wide_series(const std::filesystem::path& path);

}  // namespace livechain::forecast::detail
