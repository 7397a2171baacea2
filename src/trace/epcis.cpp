// EPCIS 2.0 JSON-LD documents: validation of the five event types and what the index
// needs from each event (docs/trace.md § 3). Every error names its field as a JSON path
// so a client can find it in its own document; one bad event refuses the document.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>

#include "core/assert.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {

namespace json = boost::json;

namespace {

constexpr std::string_view kEventTypes[] = {"ObjectEvent", "AggregationEvent", "TransactionEvent",
                                            "TransformationEvent", "AssociationEvent"};

bool epcis_digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return false;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}
int number_at(std::string_view text, size_t at, size_t count) {
  int out = 0;
  for (size_t i = at; i < at + count; ++i) out = out * 10 + (text[i] - '0');
  return out;
}

std::string hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  int ok = EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  LC_ASSERT(ok == 1 && length == 32);
  return hex(digest, length);
}

// The value with every object's members sorted by key: the same content however a
// client orders members or spaces its JSON.
json::value sorted(const json::value& value) {
  if (value.is_array()) {
    json::array out;
    for (const json::value& element : value.get_array()) out.push_back(sorted(element));
    return out;
  }
  if (!value.is_object()) return value;
  std::map<std::string_view, const json::value*> members;
  for (const auto& member : value.get_object()) members[member.key()] = &member.value();
  json::object out;
  for (const auto& [key, member] : members) out[key] = sorted(*member);
  return out;
}

size_t depth_of(const json::value& value) {
  // Iterative (no recursion on untrusted input): a stack of (value, depth).
  std::vector<std::pair<const json::value*, size_t>> stack{{&value, 1}};
  size_t deepest = 0;
  while (!stack.empty()) {
    auto [at, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    if (depth > kEpcisJsonDepthMax) return depth;
    if (at->is_array()) {
      for (const json::value& element : at->get_array()) stack.push_back({&element, depth + 1});
    } else if (at->is_object()) {
      for (const auto& member : at->get_object()) stack.push_back({&member.value(), depth + 1});
    }
  }
  return deepest;
}

class EventChecker {
 public:
  EventChecker(const json::object& event, std::string path)
      : event_(event), path_(std::move(path)) {}

  std::unexpected<Error> bad(std::string_view member, std::string detail) const {
    return fail(ErrorCode::invalid_argument, path_ + "." + std::string(member), std::move(detail));
  }

  // A string member: absent → empty (when optional).
  Result<std::string> text(std::string_view member, bool required) const {
    const json::value* value = event_.if_contains(member);
    if (!value) {
      if (required) return bad(member, "is required");
      return std::string();
    }
    if (!value->is_string() || value->get_string().empty()) {
      return bad(member, "must be a non-empty string");
    }
    return std::string(value->get_string());
  }

  // An array of non-empty strings, appended to `out`.
  Result<void> strings(std::string_view member, std::vector<std::string>& out) const {
    const json::value* value = event_.if_contains(member);
    if (!value) return {};
    if (!value->is_array()) return bad(member, "must be an array of strings");
    const json::array& array = value->get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_string() || array[i].get_string().empty()) {
        return bad(fmt::format("{}[{}]", member, i), "must be a non-empty string");
      }
      out.emplace_back(array[i].get_string());
    }
    return {};
  }

  Result<void> quantities(std::string_view member, std::vector<std::string>& classes) const {
    const json::value* value = event_.if_contains(member);
    if (!value) return {};
    if (!value->is_array()) return bad(member, "must be an array of quantity elements");
    const json::array& array = value->get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      std::string at = fmt::format("{}[{}]", member, i);
      if (!array[i].is_object()) return bad(at, "must be an object");
      const json::object& element = array[i].get_object();
      const json::value* epc_class = element.if_contains("epcClass");
      if (!epc_class || !epc_class->is_string() || epc_class->get_string().empty()) {
        return bad(at + ".epcClass", "is required: a non-empty string");
      }
      if (const json::value* q = element.if_contains("quantity"); q && !q->is_number()) {
        return bad(at + ".quantity", "must be a number");
      }
      if (const json::value* q = element.if_contains("quantity"); q && q->to_number<double>() < 0) {
        return bad(at + ".quantity", "must not be negative");
      }
      if (const json::value* uom = element.if_contains("uom"); uom && !uom->is_string()) {
        return bad(at + ".uom", "must be a string");
      }
      classes.emplace_back(epc_class->get_string());
    }
    return {};
  }

  // readPoint / bizLocation: {"id": "…", extensions…}.
  Result<std::string> place(std::string_view member) const {
    const json::value* value = event_.if_contains(member);
    if (!value) return std::string();
    const json::value* id = value->is_object() ? value->get_object().if_contains("id") : nullptr;
    if (!id || !id->is_string() || id->get_string().empty()) {
      return bad(std::string(member) + ".id", "is required: a non-empty string (an URI)");
    }
    return std::string(id->get_string());
  }

  // bizTransactionList / sourceList / destinationList: [{"type"?, "<value>"}].
  Result<void> typed_list(std::string_view member, std::string_view value_name) const {
    const json::value* value = event_.if_contains(member);
    if (!value) return {};
    if (!value->is_array()) return bad(member, "must be an array");
    const json::array& array = value->get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      std::string at = fmt::format("{}[{}]", member, i);
      const json::value* item =
          array[i].is_object() ? array[i].get_object().if_contains(value_name) : nullptr;
      if (!item || !item->is_string() || item->get_string().empty()) {
        return bad(at + "." + std::string(value_name), "is required: a non-empty string");
      }
      if (const json::value* type = array[i].get_object().if_contains("type");
          type && (!type->is_string() || type->get_string().empty())) {
        return bad(at + ".type", "must be a non-empty string");
      }
    }
    return {};
  }

  Result<void> sensors() const {
    const json::value* value = event_.if_contains("sensorElementList");
    if (!value) return {};
    if (!value->is_array()) return bad("sensorElementList", "must be an array");
    const json::array& array = value->get_array();
    for (size_t i = 0; i < array.size(); ++i) {
      std::string at = fmt::format("sensorElementList[{}]", i);
      if (!array[i].is_object()) return bad(at, "must be an object");
      const json::value* reports = array[i].get_object().if_contains("sensorReport");
      if (!reports || !reports->is_array() || reports->get_array().empty()) {
        return bad(at + ".sensorReport", "is required: a non-empty array");
      }
      for (size_t r = 0; r < reports->get_array().size(); ++r) {
        const json::value& report = reports->get_array()[r];
        std::string report_at = fmt::format("{}.sensorReport[{}]", at, r);
        if (!report.is_object()) return bad(report_at, "must be an object");
        for (std::string_view number :
             {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}) {
          const json::value* v = report.get_object().if_contains(number);
          if (v && !v->is_number())
            return bad(report_at + "." + std::string(number), "must be a number");
        }
        for (std::string_view time : {"time"}) {
          const json::value* v = report.get_object().if_contains(time);
          if (v && (!v->is_string() || !parse_epcis_time_ms(v->get_string(), "time"))) {
            return bad(report_at + "." + std::string(time),
                       "must be an RFC 3339 date-time with a time zone");
          }
        }
      }
      if (const json::value* meta = array[i].get_object().if_contains("sensorMetadata")) {
        if (!meta->is_object()) return bad(at + ".sensorMetadata", "must be an object");
        for (std::string_view time : {"time", "startTime", "endTime"}) {
          const json::value* v = meta->get_object().if_contains(time);
          if (v && (!v->is_string() || !parse_epcis_time_ms(v->get_string(), "time"))) {
            return bad(at + ".sensorMetadata." + std::string(time),
                       "must be an RFC 3339 date-time with a time zone");
          }
        }
      }
    }
    return {};
  }

  Result<void> error_declaration() const {
    const json::value* value = event_.if_contains("errorDeclaration");
    if (!value) return {};
    if (!value->is_object()) return bad("errorDeclaration", "must be an object");
    const json::value* time = value->get_object().if_contains("declarationTime");
    if (!time || !time->is_string() || !parse_epcis_time_ms(time->get_string(), "time")) {
      return bad("errorDeclaration.declarationTime",
                 "is required: an RFC 3339 date-time with a time zone");
    }
    return {};
  }

 private:
  const json::object& event_;
  std::string path_;
};

bool is_time_zone_offset(std::string_view text) {
  return text.size() == 6 && (text[0] == '+' || text[0] == '-') && epcis_digits(text, 1, 2) &&
         text[3] == ':' && epcis_digits(text, 4, 2) && number_at(text, 1, 2) <= 14 &&
         number_at(text, 4, 2) <= 59;
}

// type, times, eventID and action: what every event type has. Fills `event` and
// `event_id` (empty when the document gave none).
Result<void> check_head(const json::object& object, const EventChecker& check,
                        const std::string& path, EpcisEvent& event, std::string& event_id) {
  LC_TRY(type, check.text("type", true));
  if (std::find(std::begin(kEventTypes), std::end(kEventTypes), type) == std::end(kEventTypes)) {
    return check.bad("type", fmt::format("'{}' is not one of ObjectEvent, AggregationEvent, "
                                         "TransactionEvent, TransformationEvent, AssociationEvent",
                                         type));
  }
  event.type = type;
  LC_TRY(event_time, check.text("eventTime", true));
  LC_TRY(time_ms, parse_epcis_time_ms(event_time, path + ".eventTime"));
  event.event_time_ms = time_ms;
  LC_TRY(offset, check.text("eventTimeZoneOffset", true));
  if (!is_time_zone_offset(offset)) return check.bad("eventTimeZoneOffset", "must be ±HH:MM");
  if (const json::value* record_time = object.if_contains("recordTime")) {
    if (!record_time->is_string() ||
        !parse_epcis_time_ms(record_time->get_string(), "recordTime")) {
      return check.bad("recordTime", "must be an RFC 3339 date-time with a time zone");
    }
  }
  LC_TRY(id, check.text("eventID", false));
  if (id.size() > kEpcisEventIdBytesMax) {
    return fail(ErrorCode::limit_exceeded, path + ".eventID",
                fmt::format("{} bytes exceed the limit of {}", id.size(), kEpcisEventIdBytesMax));
  }
  if (!id.empty() && id.find(':') == std::string::npos) {
    return check.bad("eventID", "must be an URI (ni:///sha-256;… or urn:uuid:…)");
  }
  event_id = std::move(id);
  LC_TRY(action, check.text("action", type != "TransformationEvent"));
  if (!action.empty() && action != "ADD" && action != "OBSERVE" && action != "DELETE") {
    return check.bad("action", fmt::format("'{}' is not ADD, OBSERVE or DELETE", action));
  }
  if (type == "TransformationEvent" && object.contains("action")) {
    return check.bad("action", "a TransformationEvent has no action");
  }
  event.action = action;
  return {};
}

// What is observed, why and where: EPCs, quantities, CBV terms, places, typed lists,
// sensor data and error declarations. Fills the index fields of `event`.
Result<void> check_what_why_where(const json::object& object, const EventChecker& check,
                                  EpcisEvent& event) {
  const std::string& type = event.type;
  LC_TRY(parent_id, check.text("parentID", type == "AssociationEvent"));
  if (parent_id.empty() && type == "AggregationEvent" && event.action != "OBSERVE") {
    return check.bad("parentID", "is required for an AggregationEvent with action ADD or DELETE");
  }
  if (!parent_id.empty()) event.epcs.push_back(parent_id);
  for (std::string_view list : {"epcList", "childEPCs", "inputEPCList", "outputEPCList"}) {
    LC_CHECK(check.strings(list, event.epcs));
  }
  for (std::string_view list :
       {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}) {
    LC_CHECK(check.quantities(list, event.epc_classes));
  }
  if (type == "TransactionEvent" &&
      (!object.contains("bizTransactionList") || !object.at("bizTransactionList").is_array() ||
       object.at("bizTransactionList").get_array().empty())) {
    return check.bad("bizTransactionList", "is required for a TransactionEvent: a non-empty array");
  }
  // Both forms of each GS1 identifier go to the index (see gs1_canonical_uri).
  for (std::vector<std::string>* ids : {&event.epcs, &event.epc_classes}) {
    const size_t given = ids->size();
    for (size_t i = 0; i < given; ++i) {
      std::string canonical = gs1_canonical_uri((*ids)[i]);
      if (std::find(ids->begin(), ids->end(), canonical) == ids->end()) {
        ids->push_back(std::move(canonical));
      }
    }
  }
  LC_TRY(biz_step, check.text("bizStep", false));
  LC_TRY(disposition, check.text("disposition", false));
  event.biz_step = cbv_short_name(biz_step, "BizStep");
  event.disposition = cbv_short_name(disposition, "Disp");
  LC_TRY(read_point, check.place("readPoint"));
  LC_TRY(biz_location, check.place("bizLocation"));
  event.read_point = read_point;
  event.biz_location = biz_location;
  LC_CHECK(check.typed_list("bizTransactionList", "bizTransaction"));
  LC_CHECK(check.typed_list("sourceList", "source"));
  LC_CHECK(check.typed_list("destinationList", "destination"));
  LC_CHECK(check.sensors());
  return check.error_declaration();
}

Result<EpcisEvent> check_event(const json::value& value, const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& prefixes) {
  if (!value.is_object()) {
    return fail(ErrorCode::invalid_argument, path, "an event must be an object");
  }
  const json::object& object = value.get_object();
  EventChecker check(object, path);
  EpcisEvent event;
  std::string event_id;
  LC_CHECK(check_head(object, check, path, event, event_id));
  LC_CHECK(check_what_why_where(object, check, event));

  std::string compact = json::serialize(value);
  event.canonical_hash =
      "ni:///sha-256;" + sha256_hex(epcis_prehash(compact, prefixes)) + "?ver=CBV2.0";
  if (event_id.empty()) {
    json::object with_id = object;
    with_id["eventID"] = event.canonical_hash;
    compact = json::serialize(with_id);
    event.event_id = event.canonical_hash;
    event.event_id_generated = true;
    // The canonical hash is the event's identity: a re-sent event (other member order,
    // recordTime, 10 vs 10.0) is the same event.
    event.content_sha256 = event.canonical_hash.substr(14, 64);
  } else {
    event.event_id = event_id;
    event.content_sha256 = sha256_hex(json::serialize(sorted(value)));
  }
  if (compact.size() > kEpcisEventBytesMax) {
    return fail(ErrorCode::limit_exceeded, path,
                fmt::format("the event is {} bytes of JSON; the limit is {}", compact.size(),
                            kEpcisEventBytesMax));
  }
  event.json = std::move(compact);
  return event;
}

// Prefixes an "@context" array defines ({"example": "https://ns.example.com/epcis/"}).
Result<std::vector<std::pair<std::string, std::string>>> context_prefixes(
    const json::value* context) {
  std::vector<std::pair<std::string, std::string>> prefixes;
  if (!context) return fail(ErrorCode::invalid_argument, "@context", "is required");
  if (context->is_string()) return prefixes;
  if (!context->is_array()) {
    return fail(ErrorCode::invalid_argument, "@context", "must be a string or an array");
  }
  for (const json::value& entry : context->get_array()) {
    if (entry.is_string()) continue;
    if (!entry.is_object()) {
      return fail(ErrorCode::invalid_argument, "@context", "entries must be strings or objects");
    }
    for (const auto& member : entry.get_object()) {
      if (!member.value().is_string()) continue;
      // A prefix defined twice means its last definition (as JSON-LD and the reference
      // generator read it).
      std::erase_if(prefixes, [&](const auto& known) { return known.first == member.key(); });
      prefixes.emplace_back(std::string(member.key()), std::string(member.value().get_string()));
    }
  }
  return prefixes;
}

}  // namespace

Result<int64_t> parse_epcis_time_ms(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::invalid_argument, std::string(field),
                fmt::format("'{}' is not an RFC 3339 date-time with a time zone "
                            "(YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM))",
                            text.substr(0, 64)));
  };
  if (text.size() < 20 || !epcis_digits(text, 0, 4) || text[4] != '-' ||
      !epcis_digits(text, 5, 2) || text[7] != '-' || !epcis_digits(text, 8, 2) ||
      (text[10] != 'T' && text[10] != 't') || !epcis_digits(text, 11, 2) || text[13] != ':' ||
      !epcis_digits(text, 14, 2) || text[16] != ':' || !epcis_digits(text, 17, 2)) {
    return bad();
  }
  int year = number_at(text, 0, 4), month = number_at(text, 5, 2), day = number_at(text, 8, 2);
  int hour = number_at(text, 11, 2), minute = number_at(text, 14, 2),
      second = number_at(text, 17, 2);
  size_t at = 19;
  int64_t micros = 0;
  if (text[at] == '.') {
    size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    if (at == start || at - start > 12) return bad();
    std::string fraction(text.substr(start, std::min<size_t>(at - start, 6)));
    fraction.append(6 - fraction.size(), '0');
    micros = std::stoll(fraction);
  }
  int64_t offset_minutes = 0;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (is_time_zone_offset(zone)) {
    offset_minutes = number_at(zone, 1, 2) * 60 + number_at(zone, 4, 2);
    if (zone[0] == '-') offset_minutes = -offset_minutes;
  } else {
    return bad();
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (year < 1000 || !date.ok() || hour > 23 || minute > 59 || second > 60) return bad();
  // Half to even on the thousands of microseconds, as Python's round(µs, -3).
  int64_t ms = micros / 1000, rest = micros % 1000;
  if (rest > 500 || (rest == 500 && ms % 2 == 1)) ++ms;
  const int64_t days = sys_days(date).time_since_epoch().count();
  return ((days * 24 + hour) * 60 + minute - offset_minutes) * 60'000LL +
         std::min(second, 59) * 1000LL + ms;
}

std::string format_epcis_time_ms(int64_t time_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds(time_ms)};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{time - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

std::string cbv_short_name(std::string_view value, std::string_view vocabulary) {
  std::string web = fmt::format("https://ref.gs1.org/cbv/{}-", vocabulary);
  std::string urn = vocabulary == "BizStep" ? "urn:epcglobal:cbv:bizstep:"
                    : vocabulary == "Disp"  ? "urn:epcglobal:cbv:disp:"
                                            : "";
  if (value.starts_with(web)) return std::string(value.substr(web.size()));
  if (!urn.empty() && value.starts_with(urn)) return std::string(value.substr(urn.size()));
  return std::string(value);
}

EpcisEvent epcis_event_of_movement(const LedgerMovement& m) {
  struct Shape {
    const char* kind;
    const char* action;
    const char* biz_step;
    const char* disposition;
  };
  static constexpr Shape kShapes[] = {{"receipt", "ADD", "receiving", "in_progress"},
                                      {"ship", "OBSERVE", "shipping", "in_transit"},
                                      {"receive", "OBSERVE", "receiving", "in_progress"},
                                      {"sale", "OBSERVE", "retail_selling", "retail_sold"},
                                      {"return", "OBSERVE", "receiving", "returned"}};
  const Shape* shape = nullptr;
  for (const Shape& s : kShapes) {
    if (m.kind == s.kind) shape = &s;
  }
  LC_ASSERT(shape != nullptr);
  const std::string location = "urn:livechain:location:" + m.location_id;
  json::object event{
      {"type", "ObjectEvent"},
      {"eventTime", format_epcis_time_ms(m.time_ms)},
      {"eventTimeZoneOffset", "+00:00"},
      {"action", shape->action},
      {"bizStep", shape->biz_step},
      {"disposition", shape->disposition},
      {"readPoint", json::object{{"id", location}}},
      {"bizLocation", json::object{{"id", location}}},
      {"quantityList", json::array{json::object{{"epcClass", "https://id.gs1.org/01/" + m.gtin14},
                                                {"quantity", m.qty_units}}}}};
  if (!m.other_location_id.empty()) {
    event["destinationList"] = json::array{json::object{
        {"type", "location"}, {"destination", "urn:livechain:location:" + m.other_location_id}}};
  }
  event["livechain:journalSeq"] = m.seq;
  const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"livechain", std::string(kLivechainEpcisNamespace)}};
  auto checked = check_event(event, "movement", prefixes);
  LC_ASSERT(checked.has_value());
  return std::move(*checked);
}

Result<EpcisDocument> parse_epcis_document(std::string_view body) {
  if (body.size() > kEpcisDocumentBytesMax) {
    return fail(
        ErrorCode::limit_exceeded, "body",
        fmt::format("{} bytes exceed the limit of {}", body.size(), kEpcisDocumentBytesMax));
  }
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = kEpcisJsonDepthMax + 8;
  json::value document = json::parse(body, ec, {}, options);
  if (ec) return fail(ErrorCode::invalid_argument, "body", "not JSON: " + ec.message());
  if (!document.is_object())
    return fail(ErrorCode::invalid_argument, "body", "must be a JSON object");
  if (depth_of(document) > kEpcisJsonDepthMax) {
    return fail(ErrorCode::limit_exceeded, "body",
                fmt::format("nested deeper than {} levels", kEpcisJsonDepthMax));
  }
  const json::object& root = document.get_object();
  LC_TRY(prefixes, context_prefixes(root.if_contains("@context")));
  json::object prefix_object;
  for (const auto& [prefix, iri] : prefixes) prefix_object[prefix] = iri;
  EpcisDocument out;
  out.context_json = json::serialize(prefix_object);
  if (out.context_json.size() > kEpcisContextBytesMax) {
    return fail(ErrorCode::limit_exceeded, "@context",
                fmt::format("its prefixes are {} bytes of JSON; the limit is {}",
                            out.context_json.size(), kEpcisContextBytesMax));
  }
  const json::value* type = root.if_contains("type");
  bool query_document = type && type->is_string() && type->get_string() == "EPCISQueryDocument";
  if (!type || !type->is_string() || (type->get_string() != "EPCISDocument" && !query_document)) {
    return fail(ErrorCode::invalid_argument, "type",
                "must be EPCISDocument (or EPCISQueryDocument)");
  }
  const json::value* version = root.if_contains("schemaVersion");
  if (!version || !version->is_string() || !version->get_string().starts_with("2.")) {
    return fail(ErrorCode::invalid_argument, "schemaVersion", "is required: \"2.0\"");
  }
  const json::value* created = root.if_contains("creationDate");
  if (!created || !created->is_string() ||
      !parse_epcis_time_ms(created->get_string(), "creationDate")) {
    return fail(ErrorCode::invalid_argument, "creationDate",
                "is required: an RFC 3339 date-time with a time zone");
  }
  const json::value* body_value = root.if_contains("epcisBody");
  if (!body_value || !body_value->is_object()) {
    return fail(ErrorCode::invalid_argument, "epcisBody", "is required: an object");
  }
  std::string path = "epcisBody.eventList";
  const json::value* list = body_value->get_object().if_contains("eventList");
  if (query_document) {
    path = "epcisBody.queryResults.resultsBody.eventList";
    const json::value* results = body_value->get_object().if_contains("queryResults");
    const json::value* results_body = results && results->is_object()
                                          ? results->get_object().if_contains("resultsBody")
                                          : nullptr;
    list = results_body && results_body->is_object()
               ? results_body->get_object().if_contains("eventList")
               : nullptr;
  }
  if (!list || !list->is_array())
    return fail(ErrorCode::invalid_argument, path, "is required: an array");
  const json::array& events = list->get_array();
  if (events.empty()) return fail(ErrorCode::invalid_argument, path, "holds no event");
  if (events.size() > kEpcisEventsPerDocumentMax) {
    return fail(ErrorCode::limit_exceeded, path,
                fmt::format("{} events exceed the limit of {} per document", events.size(),
                            kEpcisEventsPerDocumentMax));
  }
  out.events.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    LC_TRY(event, check_event(events[i], fmt::format("{}[{}]", path, i), prefixes));
    for (size_t j = 0; j < out.events.size(); ++j) {
      if (out.events[j].event_id == event.event_id &&
          out.events[j].content_sha256 != event.content_sha256) {
        return fail(ErrorCode::invalid_argument, fmt::format("{}[{}].eventID", path, i),
                    fmt::format("repeats the eventID of event {} with other content", j));
      }
    }
    out.events.push_back(std::move(event));
  }
  return out;
}

}  // namespace livechain::trace
