// libFuzzer target: bulk bodies straight into the parsers — NDJSON live signals and
// the three CSV imports (the first byte picks which).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/request_parsing.hpp"

using namespace livechain::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  ParseLimits limits;
  limits.csv_rows_max = 256;
  limits.ndjson_lines_max = 256;
  switch (data[0] % 4) {
    case 0:
      (void)parse_signal_lines(body, limits);
      break;
    case 1:
      (void)parse_csv_import(ImportKind::skus, body, limits);
      break;
    case 2:
      (void)parse_csv_import(ImportKind::locations, body, limits);
      break;
    default:
      (void)parse_csv_import(ImportKind::stock, body, limits);
      break;
  }
  return 0;
}
