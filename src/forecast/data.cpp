#include "forecast/data.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/assert.hpp"

namespace livechain::forecast::detail {

namespace {

Result<std::string> read_all(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");  // reads plain files transparently too
  if (file == nullptr) {
    return fail(ErrorCode::io_error, path.string(), "cannot open (missing or unreadable)");
  }
  std::string text;
  std::vector<char> buffer(1 << 16);
  int count = 0;
  while ((count = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
    text.append(buffer.data(), static_cast<size_t>(count));
    if (text.size() > kCsvBytesMax) {
      gzclose(file);
      return fail(ErrorCode::limit_exceeded, path.string(), "file larger than 256 MiB");
    }
  }
  const bool failed = count < 0;
  gzclose(file);
  if (failed) return fail(ErrorCode::io_error, path.string(), "gzip stream is damaged");
  return text;
}

}  // namespace

Result<CsvTable> read_csv(const std::filesystem::path& path) {
  auto text = read_all(path);
  if (!text) return std::unexpected(text.error());
  CsvTable table;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, row_has_content = false;
  for (size_t i = 0; i < text->size(); ++i) {
    const char ch = (*text)[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text->size() && (*text)[i + 1] == '"') {
        cell += '"', ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        cell += ch;
      }
      continue;
    }
    if (ch == '"') {
      quoted = true, row_has_content = true;
    } else if (ch == ',') {
      row.push_back(std::move(cell)), cell.clear(), row_has_content = true;
    } else if (ch == '\n') {
      if (row_has_content || !cell.empty()) row.push_back(std::move(cell));
      if (!row.empty()) (table.header.empty() ? table.header : table.rows.emplace_back()) = row;
      row.clear(), cell.clear(), row_has_content = false;
    } else if (ch != '\r') {
      cell += ch, row_has_content = true;
    }
  }
  if (quoted) return fail(ErrorCode::corruption, path.string(), "unterminated quoted cell");
  if (row_has_content || !cell.empty()) row.push_back(std::move(cell));
  if (!row.empty()) (table.header.empty() ? table.header : table.rows.emplace_back()) = row;
  return table;
}

Result<std::vector<NamedSeries>> read_wide_series(const std::filesystem::path& path) {
  auto table = read_csv(path);
  if (!table) return std::unexpected(table.error());
  std::vector<NamedSeries> series;
  series.reserve(table->rows.size());
  for (size_t r = 0; r < table->rows.size(); ++r) {
    const auto& row = table->rows[r];
    LC_ASSERT(!row.empty());
    NamedSeries named{row[0], {}};
    bool ended = false;
    for (size_t c = 1; c < row.size(); ++c) {
      const std::string& cell = row[c];
      if (cell.empty() || cell == "NA") {
        ended = true;
        continue;
      }
      char* end = nullptr;
      errno = 0;
      const double value = std::strtod(cell.c_str(), &end);
      if (ended || end == cell.c_str() || *end != '\0' || errno != 0 || !std::isfinite(value)) {
        return fail(
            ErrorCode::corruption, path.string(),
            fmt::format("row {} column {}: '{}' is not a value of the series", r + 2, c + 1, cell));
      }
      named.values.push_back(value);
    }
    series.push_back(std::move(named));
  }
  return series;
}

}  // namespace livechain::forecast::detail
