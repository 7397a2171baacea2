// libFuzzer target: bytes as an EPCIS 2.0 document into trace::parse_epcis_document.
// Whatever parses must be stable: each event's stored JSON, captured again on its own
// under the same prefixes, keeps its eventID and canonical hash (what the index does
// when it rebuilds from the journal), and fits the journal's leaf.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "trace/trace.hpp"

using namespace livechain::trace;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto document = parse_epcis_document(body);
  if (!document) {
    if (document.error().field.empty()) std::abort();  // every error names its field
    return 0;
  }
  for (const EpcisEvent& event : document->events) {
    if (event.json.size() > kEpcisEventBytesMax || event.event_id.empty()) std::abort();
    std::string again = std::string(R"({"@context":[")") + std::string(kEpcisGs1Context) + "\"," +
                        document->context_json +
                        R"(],"type":"EPCISDocument","schemaVersion":"2.0",)"
                        R"("creationDate":"2000-01-01T00:00:00Z","epcisBody":{"eventList":[)" +
                        event.json + "]}}";
    auto reparsed = parse_epcis_document(again);
    if (!reparsed || reparsed->events.size() != 1) std::abort();
    const EpcisEvent& same = reparsed->events.front();
    if (same.event_id != event.event_id || same.canonical_hash != event.canonical_hash ||
        same.event_time_ms != event.event_time_ms) {
      std::abort();
    }
  }
  return 0;
}
