// src/server/scan_page.hpp — internal: what a scanned unit code resolves to (issue 12
// §4): the buyer's HTML page and the GS1 resolver linkset. Presentation only: the
// verdict comes from trace::judge_scan, the facts from the engine's batch.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "engine/commands.hpp"
#include "store/scan_store.hpp"
#include "trace/trace.hpp"

namespace livechain::server {

// One scan of a unit code, as the routes answer it.
struct ScanOutcome {
  trace::DigitalLink link;
  std::string product_name;                   // empty when the GTIN is not in the catalog
  std::optional<engine::BatchView> batch;     // the batch holding the lot, if any
  std::optional<std::string> factory_region;  // when the factory is a known location
  uint64_t serial = 0;
  bool issued = false;
  TimeMs now_ms = 0;
  store::ScanRecord before;  // the code's scans before this one (scans 0: none)
  trace::ScanJudgement judgement;

  TimeMs first_scanned_ms() const { return before.scans == 0 ? now_ms : before.first_scan_ms; }
};

// Escapes & < > " ' for HTML and XML text and attribute values.
std::string escape_html(std::string_view text);

// Percent-encodes every byte outside A-Z a-z 0-9 - . _ (a Digital Link path value).
std::string percent_encode_segment(std::string_view text);

// The page: product, batch, production date, factory and its region, inspection
// reports, the authenticity verdict and scan count, in Chinese and English, every value
// HTML-escaped; no script, no external resource.
std::string scan_page_html(const ScanOutcome& scan);

// The GS1 resolver linkset (RFC 9264, application/linkset+json) of the unit: anchor the
// canonical id.gs1.org URI; gs1:pip (this page), gs1:verificationService (GET
// /v1/verify), gs1:certificationInfo (one per inspection report, by reference).
boost::json::object scan_linkset_json(const ScanOutcome& scan);

}  // namespace livechain::server
