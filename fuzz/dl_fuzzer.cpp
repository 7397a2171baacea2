// libFuzzer target: bytes as a GS1 Digital Link URI into parse_digital_link; whatever
// parses must be rebuilt by make_digital_link into a URI that parses to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "trace/trace.hpp"

using namespace livechain::trace;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view uri(reinterpret_cast<const char*>(data), size);
  auto link = parse_digital_link(uri, 2026);
  if (!link) return 0;
  DigitalLinkRequest request;
  request.gtin = link->gtin14;
  request.cpv = link->cpv;
  request.lot = link->lot;
  request.serial = link->serial;
  request.expiry = link->expiry;
  auto rebuilt = make_digital_link(request, 2026);
  if (!rebuilt) std::abort();  // a parsed link must be buildable
  auto again = parse_digital_link(*rebuilt, 2026);
  if (!again || again->lot != link->lot || again->serial != link->serial ||
      again->cpv != link->cpv || again->expiry != link->expiry || again->gtin14 != link->gtin14) {
    std::abort();
  }
  return 0;
}
