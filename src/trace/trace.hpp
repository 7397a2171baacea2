// src/trace/trace.hpp — traceability: GS1 identifiers, Digital Link URIs and their QR codes.
//
// The one public header of src/trace/. Pure functions over strings: nothing here reads
// the clock (callers pass the current year for the GS1 century rule), touches storage or
// parses HTTP. See docs/trace.md for the conformance rules and their sources.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace livechain::trace {

// ------------------------------------------------------------------ limits

// GS1 AIs 22, 10 and 21 are X..20: 1 to 20 characters of character set 82.
inline constexpr size_t kQualifierLengthMax = 20;
// Longest URI parse_digital_link looks at; GS1 keeps Digital Link URIs short enough for
// a QR code (a version 40 code holds 2,953 bytes at level L).
inline constexpr size_t kDigitalLinkLengthMax = 2048;
// Query attributes (AI=value or other key=value) one URI may carry.
inline constexpr size_t kDigitalLinkAttributesMax = 32;

// ------------------------------------------------------------------ characters

// True when `c` is in the GS1 AI encodable character set 82 (GS1 General Specifications
// §7.11, figure 7.11-1): ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z.
bool is_gs1_charset82(char c);

// ------------------------------------------------------------------ dates (AI 11–17)

// A GS1 date field YYMMDD resolved to a calendar date.
struct Gs1Date {
  int year = 0;   // four digits, after the century rule
  int month = 0;  // 1..12
  int day = 0;    // 1..31: DD=00 already replaced by the month's last day
};

// Resolves a GS1 N6 date YYMMDD (AIs 11, 13, 15, 16, 17). MM must be 01..12; DD 00 means
// the last day of the month, otherwise it must exist in that month (leap years counted).
// The century follows GS1 General Specifications §7.12: with D = YY − (current_year mod
// 100), D in 51..99 → previous century, D in −99..−50 → next century, else the current one.
// REQUIRES: 1900 <= current_year <= 9999.
// Errors: invalid_argument naming `field` (not six digits, month or day out of range).
Result<Gs1Date> parse_gs1_date(std::string_view yymmdd, int current_year, std::string_view field);

// "YYYY-MM-DD".
std::string format_iso_date(const Gs1Date& date);

// Turns an expiry given as YYMMDD (kept as is, DD=00 allowed) or YYYY-MM-DD into YYMMDD.
// A YYYY-MM-DD date must come back as the same year under the century rule of
// `current_year`, else it cannot be written as AI 17.
// Errors: invalid_argument naming `field`.
Result<std::string> expiry_to_yymmdd(std::string_view text, int current_year,
                                     std::string_view field);

// Parses a time given as "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ" (UTC,
// optional ".fff" milliseconds) into milliseconds since 1970, years 1970..9999.
// Errors: invalid_argument naming `field`.
Result<int64_t> parse_utc_time_ms(std::string_view text, std::string_view field);

// ------------------------------------------------------------------ Digital Link

// A GS1 data attribute of the query string (an all-digit key), decoded.
struct DigitalLinkAttribute {
  std::string ai;
  std::string value;
  std::optional<Gs1Date> date;  // set for the date AIs 11, 13, 15, 16
};

// The GS1 element strings of one Digital Link URI, decoded (no percent-encoding left).
struct DigitalLink {
  std::string gtin14;                  // AI 01, always 14 digits
  std::optional<std::string> cpv;      // AI 22, consumer product variant
  std::optional<std::string> lot;      // AI 10, batch or lot
  std::optional<std::string> serial;   // AI 21, serial number
  std::optional<std::string> expiry;   // AI 17, YYMMDD as written
  std::optional<Gs1Date> expiry_date;  // AI 17 resolved
  // Other GS1 data attributes of the query string, in URI order.
  std::vector<DigitalLinkAttribute> attributes;
};

// Parses a GS1 Digital Link URI (uncompressed form): http or https, any host, an
// optional path prefix, then /01/{GTIN} and the key qualifiers in the order /22/, /10/,
// /21/ (each optional, none repeated), then an optional query string whose all-digit
// keys are GS1 data attributes (AI 17 and the other date AIs are checked as dates; 01,
// 22, 10 and 21 may not appear there) and whose other keys (linkType, …) are ignored.
// Values are 1–20 characters of set 82 (attributes 1–90); characters outside
// A-Z a-z 0-9 - . _ must be percent-encoded. The GTIN may be 8/12/13/14 digits with a
// valid check digit and is returned as GTIN-14.
// Errors: invalid_argument whose field is "uri" or the AI at fault ("01", "10", "17", …)
// and whose detail says why; limit_exceeded (field "uri") beyond kDigitalLinkLengthMax.
Result<DigitalLink> parse_digital_link(std::string_view uri, int current_year);

// What make_digital_link builds from.
struct DigitalLinkRequest {
  std::string gtin;                         // GTIN-8/12/13/14
  std::optional<std::string> cpv;           // AI 22
  std::optional<std::string> lot;           // AI 10
  std::optional<std::string> serial;        // AI 21
  std::optional<std::string> expiry;        // YYMMDD or YYYY-MM-DD
  std::string base = "https://id.gs1.org";  // scheme://host[/prefix], no trailing slash
};

// Builds the canonical URI: base + /01/{GTIN-14}[/22/..][/10/..][/21/..][?17=YYMMDD],
// values percent-encoded (every character outside A-Z a-z 0-9 - . _). The result always
// parses back with parse_digital_link to the same values.
// Errors: invalid_argument naming "gtin", "cpv", "lot", "serial", "expiry" or "base".
Result<std::string> make_digital_link(const DigitalLinkRequest& request, int current_year);

// ------------------------------------------------------------------ QR codes

// Most modules per side of a QR code (version 40).
inline constexpr int kQrModulesMax = 177;
// Pixels per module in a PNG, and the quiet zone in modules (ISO/IEC 18004 asks for 4).
inline constexpr int kQrScaleMax = 32;
inline constexpr int kQrQuietZoneModules = 4;

// A QR symbol: `width` × `width` modules, row-major, true = dark.
struct QrMatrix {
  int width = 0;
  std::vector<bool> dark;
};

// Encodes `text` as a QR code (byte mode, error correction level M, smallest version).
// Errors: invalid_argument (field "uri") for empty text; limit_exceeded when it does not fit.
Result<QrMatrix> encode_qr(std::string_view text);

// A PNG (8-bit greyscale) of `matrix` at `scale` pixels per module with the quiet zone.
// REQUIRES: 1 <= scale <= kQrScaleMax. Errors: io_error when libpng fails.
Result<std::string> qr_png(const QrMatrix& matrix, int scale);

// An SVG document of `matrix` (one path, one unit per module, quiet zone included).
std::string qr_svg(const QrMatrix& matrix);

// ------------------------------------------------------------------ authenticity

// Two scans of one serial in different regions closer than this raise an alert: one
// genuine unit cannot be in two places at once, so one of them is a copied code.
inline constexpr int64_t kRescanWindowMs = 3'600'000;

// What is known about a code's earlier scans (scans == 0: never scanned).
struct ScanHistory {
  uint64_t scans = 0;
  int64_t first_scan_ms = 0;
  int64_t last_scan_ms = 0;
  std::string last_region;  // empty: the last scan named no region
};

enum class Authenticity { genuine, already_scanned, unknown };
// "genuine", "already_scanned", "unknown".
std::string_view authenticity_name(Authenticity authenticity);

struct ScanJudgement {
  Authenticity verdict = Authenticity::unknown;
  uint64_t previous_scans = 0;
  // The previous scan was in another region less than `window_ms` before this one.
  bool seen_elsewhere_recently = false;
};

// The verdict on one scan: `issued` says the code names a serial the brand issued.
// Not issued → unknown; issued and never scanned → genuine; else already_scanned with
// the number of earlier scans. A scan without a region (empty) never counts as
// "elsewhere". REQUIRES: window_ms > 0.
ScanJudgement judge_scan(bool issued, const ScanHistory& before, std::string_view region,
                         int64_t now_ms, int64_t window_ms = kRescanWindowMs);

// ------------------------------------------------------------------ cold chain

// Temperatures are kept in hundredths of a degree Celsius: exact comparisons, no float.
inline constexpr int32_t kTemperatureMinCentiC = -10'000;  // −100 °C
inline constexpr int32_t kTemperatureMaxCentiC = 10'000;   // +100 °C
// A reading this far outside the range is an excursion (spec §11: 0.5 °C).
inline constexpr int32_t kExcursionToleranceCentiC = 50;

struct TemperatureRange {
  int32_t min_centi_c = 0;
  int32_t max_centi_c = 0;
};

// `celsius` rounded to 0.01 °C. Errors: invalid_argument naming `field` when it is not
// finite or outside −100 … 100 °C.
Result<int32_t> temperature_centi_c(double celsius, std::string_view field);

// Errors: invalid_argument (field "max_c") when max < min.
Result<TemperatureRange> make_temperature_range(int32_t min_centi_c, int32_t max_centi_c);

// True when the reading is more than kExcursionToleranceCentiC outside the range.
bool is_excursion(const TemperatureRange& range, int32_t temp_centi_c);

// One reading as the excursion rule sees it.
struct TemperaturePoint {
  int64_t time_ms = 0;
  int32_t temp_centi_c = 0;
};
// An excursion starting (opened) or ending at `point`.
struct ExcursionChange {
  bool opened = false;
  TemperaturePoint point;
};
// Walks `points` (in time order) from the state `open` (an excursion in progress) and
// returns every start and end, and the state after the last point.
struct ExcursionWalk {
  std::vector<ExcursionChange> changes;
  bool open = false;
};
ExcursionWalk walk_excursions(const TemperatureRange& range, bool open,
                              std::span<const TemperaturePoint> points);

// ------------------------------------------------------------------ EPCIS 2.0 (§3)

// Limits of one capture (docs/limits.md § Traceability). An event's JSON must fit one
// journal leaf (journal::kEventLengthMax, 64 KiB) with its eventID and framing.
inline constexpr size_t kEpcisDocumentBytesMax = 4 * 1024 * 1024;
inline constexpr size_t kEpcisEventsPerDocumentMax = 1000;
inline constexpr size_t kEpcisEventBytesMax = 60 * 1024;
inline constexpr size_t kEpcisEventIdBytesMax = 512;
inline constexpr size_t kEpcisJsonDepthMax = 32;
// The document's "@context" prefixes, kept with each event's leaf (kStringLengthMax of
// the event codec is 4,096).
inline constexpr size_t kEpcisContextBytesMax = 2048;

// An RFC 3339 date-time with a time zone ("Z" or ±HH:MM), any fraction digits, into UTC
// milliseconds; microseconds are rounded half to even (as the reference hash does).
// Years 1000..9999. Errors: invalid_argument naming `field`.
Result<int64_t> parse_epcis_time_ms(std::string_view text, std::string_view field);
// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_epcis_time_ms(int64_t time_ms);

// One event of an EPCIS document, validated. `json` is the event as given (compact
// JSON, member order kept), with "eventID" added when the document had none.
struct EpcisEvent {
  std::string event_id;             // as given, or the canonical hash below
  bool event_id_generated = false;  // the document had no eventID
  std::string canonical_hash;       // ni:///sha-256;<hex>?ver=CBV2.0 (CBV 2.0 §8.9)
  std::string type;                 // ObjectEvent, AggregationEvent, …
  int64_t event_time_ms = 0;        // UTC
  std::string action;               // ADD / OBSERVE / DELETE, empty for TransformationEvent
  std::string biz_step;             // CBV short name when the value is a CBV term, else as given
  std::string disposition;          // idem
  std::string read_point;           // readPoint.id
  std::string biz_location;         // bizLocation.id
  std::vector<std::string> epcs;    // epcList, childEPCs, input/outputEPCList, parentID
  std::vector<std::string> epc_classes;  // epcClass of every quantity list
  std::string json;
  // What "same content" means on re-capture: hex SHA-256 of the event with members
  // sorted when it has an eventID; the canonical hash itself when it had none.
  std::string content_sha256;
};

// Parses and validates an EPCISDocument (or an EPCISQueryDocument, whose resultsBody
// events are taken) in JSON-LD. "@context" is only checked to be a string or array: the
// GS1 context is a known constant, never fetched; prefixes an array entry defines are
// used for extension fields. Every event must be valid: errors (invalid_argument or
// limit_exceeded) name the field as a JSON path, e.g. "epcisBody.eventList[2].eventTime".
// Errors also: limit_exceeded ("@context") when the prefixes, as JSON, exceed
// kEpcisContextBytesMax.
struct EpcisDocument {
  std::vector<EpcisEvent> events;
  std::string context_json;  // the prefixes "@context" defines, as a JSON object
};
Result<EpcisDocument> parse_epcis_document(std::string_view body);

// The GS1 canonical event hash pre-image of one event (CBV 2.0 §8.9, the reference
// epcis-event-hash-generator's rules), given the document's prefix → IRI map.
// REQUIRES: `event_json` is a JSON object (parse_epcis_document checked it).
std::string epcis_prehash(std::string_view event_json,
                          const std::vector<std::pair<std::string, std::string>>& prefixes);

// A stock movement of the engine's journal, as the EPCIS view of a unit's history sees
// it (docs/trace.md § 3): receipt, ship, receive, sale, return.
struct LedgerMovement {
  std::string kind;  // "receipt", "ship", "receive", "sale", "return"
  uint64_t seq = 0;  // journal leaf
  int64_t time_ms = 0;
  std::string gtin14;
  std::string location_id;        // where it happened (ship: the source)
  std::string other_location_id;  // ship: the destination; empty otherwise
  int64_t qty_units = 0;
};
// The ObjectEvent (action OBSERVE; ADD for a receipt) of a movement: bizStep receiving /
// shipping / retail_selling, disposition in_progress / in_transit / retail_sold /
// returned, bizLocation urn:livechain:location:<id> (for a shipment the source, with a
// destinationList), a quantityList of the GTIN's class as a Digital Link URI, and the
// extension field "livechain:journalSeq"; its eventID is its canonical hash.
// REQUIRES: kind is one of the five above.
EpcisEvent epcis_event_of_movement(const LedgerMovement& movement);
// The GS1 EPCIS 2.0 JSON-LD context: a known constant, never fetched.
inline constexpr std::string_view kEpcisGs1Context =
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
// The "@context" of documents this engine writes: the GS1 context and "livechain".
inline constexpr std::string_view kLivechainEpcisNamespace = "https://livechain.dev/epcis/";

// A GS1 identifier URI in its canonical constrained Digital Link form, as the event hash
// writes it (EPC URN, class or pattern URN, or any Digital Link → https://id.gs1.org/…);
// any other text is returned unchanged. The index keeps both forms, so MATCH_epc with
// an EPC URN finds the same item written as Digital Link, and the other way round.
std::string gs1_canonical_uri(std::string_view uri);

// Maps a CBV value (short name, "urn:epcglobal:cbv:…" URN or "https://ref.gs1.org/cbv/…"
// URI) of the vocabulary `vocabulary` ("BizStep", "Disp") to its short name; any other
// value is returned unchanged. Queries compare short names, so all three forms match.
std::string cbv_short_name(std::string_view value, std::string_view vocabulary);

}  // namespace livechain::trace
