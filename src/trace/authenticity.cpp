// src/trace/authenticity.cpp — the verdict on a scanned unit code (issue 12 §7).
#include "core/assert.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {

std::string_view authenticity_name(Authenticity authenticity) {
  switch (authenticity) {
    case Authenticity::genuine:
      return "genuine";
    case Authenticity::already_scanned:
      return "already_scanned";
    case Authenticity::unknown:
      return "unknown";
  }
  LC_ASSERT(false);
  return "unknown";
}

ScanJudgement judge_scan(bool issued, const ScanHistory& before, std::string_view region,
                         int64_t now_ms, int64_t window_ms) {
  LC_ASSERT(window_ms > 0);
  if (!issued) return ScanJudgement{Authenticity::unknown, 0, false};
  if (before.scans == 0) return ScanJudgement{Authenticity::genuine, 0, false};
  // A clock step back makes the gap negative; it still counts as "recent".
  const bool recent = now_ms - before.last_scan_ms < window_ms;
  const bool elsewhere =
      !region.empty() && !before.last_region.empty() && region != before.last_region;
  return ScanJudgement{Authenticity::already_scanned, before.scans, recent && elsewhere};
}

}  // namespace livechain::trace
