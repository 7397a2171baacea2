// The GS1 canonical EPCIS event hash (CBV 2.0 §8.9): the pre-image string of one event.
//
// The rules follow the reference implementation (github.com/RalphTro/epcis-event-hash-
// generator), which is what produced the eventIDs of GS1's published examples; where it
// behaves oddly (Python's str() of true is "True"; a bizTransaction entry's order is the
// JSON's) we do the same, because the hash must match what other repositories compute.
// The steps, as there:
//   1. the event becomes a tree of (name, text, children): an object's members in sorted
//      order (unless it holds bizTransaction/source/destination), an array's elements
//      each under the member's name; prefixed names "p:x" become "{IRI}x";
//   2. "…List" members are grouped ((name minus "List") per element), childEPCs too, and
//      inputEPC/outputEPC → epc, …Quantity → quantityElement (the XML model);
//   3. the known fields are written in the CBV order (kOrder), each "name=value" with
//      values canonicalised (CBV URNs → web URIs, numbers, EPC URNs → Digital Link,
//      times → UTC milliseconds), repeated fields sorted; then everything else, sorted.
// Bare CBV words ("shipping") are what the JSON-LD context expands to web URIs; the
// context is a constant here, so the expansion is a table (kVocabularies).
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {

namespace json = boost::json;

namespace {

// A node of the reference's model. `pair` marks the (type, value) couples of
// bizTransactionList, sourceList and destinationList, kept as given.
struct Node {
  std::string name;
  std::string text;
  std::vector<Node> children;
  bool pair = false;
};

// Python's tuple order: name, then text, then the children element by element.
bool operator<(const Node& a, const Node& b) {
  if (a.name != b.name) return a.name < b.name;
  if (a.text != b.text) return a.text < b.text;
  return std::lexicographical_compare(a.children.begin(), a.children.end(), b.children.begin(),
                                      b.children.end());
}

struct Order {
  const char* name;
  const std::vector<Order>* sub;
};

const std::vector<Order> kQuantity = {
    {"epcClass", nullptr}, {"quantity", nullptr}, {"uom", nullptr}};
const std::vector<Order> kQuantityList = {{"quantityElement", &kQuantity}};
const std::vector<Order> kEpc = {{"epc", nullptr}};
const std::vector<Order> kSetUnset = {{"set", nullptr}, {"unset", nullptr}};
const std::vector<Order> kId = {{"id", nullptr}};
const std::vector<Order> kSensorMetadata = {{"time", nullptr},
                                            {"startTime", nullptr},
                                            {"endTime", nullptr},
                                            {"deviceID", nullptr},
                                            {"deviceMetadata", nullptr},
                                            {"rawData", nullptr},
                                            {"dataProcessingMethod", nullptr},
                                            {"bizRules", nullptr}};
const std::vector<Order> kSensorReport = {{"type", nullptr},
                                          {"exception", nullptr},
                                          {"deviceID", nullptr},
                                          {"deviceMetadata", nullptr},
                                          {"rawData", nullptr},
                                          {"dataProcessingMethod", nullptr},
                                          {"time", nullptr},
                                          {"microorganism", nullptr},
                                          {"chemicalSubstance", nullptr},
                                          {"value", nullptr},
                                          {"component", nullptr},
                                          {"stringValue", nullptr},
                                          {"booleanValue", nullptr},
                                          {"hexBinaryValue", nullptr},
                                          {"uriValue", nullptr},
                                          {"minValue", nullptr},
                                          {"maxValue", nullptr},
                                          {"meanValue", nullptr},
                                          {"sDev", nullptr},
                                          {"percRank", nullptr},
                                          {"percValue", nullptr},
                                          {"uom", nullptr},
                                          {"coordinateReferenceSystem", nullptr}};
const std::vector<Order> kSensorElement = {{"sensorMetadata", &kSensorMetadata},
                                           {"sensorReport", &kSensorReport}};
const std::vector<Order> kSensorElementList = {{"sensorElement", &kSensorElement}};
// bizTransactionList, sourceList and destinationList have an order in the reference
// that never matches its own model, so they fall through to "everything else": an
// empty sub-order (not null) reproduces that.
const std::vector<Order> kNeverMatches = {{"\x01", nullptr}};
const std::vector<Order> kOrder = {
    {"eventTime", nullptr},
    {"eventTimeZoneOffset", nullptr},
    {"certificationInfo", nullptr},
    {"parentID", nullptr},
    {"epcList", &kEpc},
    {"inputEPCList", &kEpc},
    {"childEPCs", &kEpc},
    {"quantityList", &kQuantityList},
    {"childQuantityList", &kQuantityList},
    {"inputQuantityList", &kQuantityList},
    {"outputEPCList", &kEpc},
    {"outputQuantityList", &kQuantityList},
    {"action", nullptr},
    {"transformationID", nullptr},
    {"bizStep", nullptr},
    {"disposition", nullptr},
    {"persistentDisposition", &kSetUnset},
    {"readPoint", &kId},
    {"bizLocation", &kId},
    {"bizTransactionList", &kNeverMatches},
    {"sourceList", &kNeverMatches},
    {"destinationList", &kNeverMatches},
    {"sensorElementList", &kSensorElementList},
};

// Members whose bare words the GS1 JSON-LD context maps to a vocabulary (@type @vocab).
struct Vocabulary {
  const char* member;
  const char* parent;  // the enclosing member ("" for the event itself)
  const char* prefix;
};
constexpr Vocabulary kVocabularies[] = {
    {"bizStep", "", "https://ref.gs1.org/cbv/BizStep-"},
    {"disposition", "", "https://ref.gs1.org/cbv/Disp-"},
    {"set", "persistentDisposition", "https://ref.gs1.org/cbv/Disp-"},
    {"unset", "persistentDisposition", "https://ref.gs1.org/cbv/Disp-"},
    {"type", "bizTransactionList", "https://ref.gs1.org/cbv/BTT-"},
    {"type", "sourceList", "https://ref.gs1.org/cbv/SDT-"},
    {"type", "destinationList", "https://ref.gs1.org/cbv/SDT-"},
    {"reason", "errorDeclaration", "https://ref.gs1.org/cbv/ER-"},
    {"type", "sensorReport", "https://gs1.org/voc/"},
    {"exception", "sensorReport", "https://gs1.org/voc/"},
    {"component", "sensorReport", "https://ref.gs1.org/cbv/Comp-"},
};

using Prefixes = std::vector<std::pair<std::string, std::string>>;

const std::string* prefix_iri(const Prefixes& prefixes, std::string_view name) {
  for (const auto& [prefix, iri] : prefixes) {
    if (prefix == name) return &iri;
  }
  return nullptr;
}

// "p:x" with p a document prefix: "{IRI}x" for names, "IRIx" for values.
std::string expand_prefix(const Prefixes& prefixes, std::string_view text, bool is_value) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::string(text);
  const std::string* iri = prefix_iri(prefixes, text.substr(0, colon));
  if (!iri) return std::string(text);
  std::string rest(text.substr(colon + 1));
  return is_value ? *iri + rest : "{" + *iri + "}" + rest;
}

// Python's repr of a finite non-integral double: shortest round-trip digits, fixed
// notation for exponents -4 … 15, else d.ddde±XX.
std::string python_float_repr(double value) {
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string sci(buffer, end);
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else {
      auto whole = static_cast<size_t>(exponent + 1);
      if (digits.size() <= whole) digits.append(whole - digits.size() + 1, '0');
      out = digits.substr(0, whole) + "." + digits.substr(whole);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
  }
  return negative ? "-" + out : out;
}

// str(float(text)) with integral values printed as integers, as the reference does;
// nullopt when Python's float() would refuse the text (or it is not finite).
std::optional<std::string> canonical_number(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i, ++exponent_digits;
    }
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  std::string copy(text[0] == '+' ? text.substr(1) : text);
  double value = std::strtod(copy.c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  if (value == std::floor(value)) {
    char buffer[400];
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    std::string out(buffer);
    return out == "-0" ? "0" : out;
  }
  return python_float_repr(value);
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string web_vocabulary(std::string text) {
  text = replace_all(std::move(text),
                     "urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-");
  text = replace_all(std::move(text), "urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-");
  text = replace_all(std::move(text), "urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-");
  text = replace_all(std::move(text), "urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-");
  return replace_all(std::move(text), "urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-");
}

std::string percent_encode_dl(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '!':
        out += "%21";
        break;
      case '(':
        out += "%28";
        break;
      case ')':
        out += "%29";
        break;
      case '*':
        out += "%2A";
        break;
      case '+':
        out += "%2B";
        break;
      case ',':
        out += "%2C";
        break;
      case ':':
        out += "%3A";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool dl_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string with_check(const std::string& digits) {
  return digits + static_cast<char>('0' + gtin_check_digit(digits));
}

// "urn:epc:<kind>:<scheme>:<company>.<ref>[.<rest>]" split on the first two dots.
struct EpcParts {
  std::string company, reference, rest;
  bool has_rest = false;
};
std::optional<EpcParts> split_epc(std::string_view body) {
  size_t first = body.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  EpcParts parts{std::string(body.substr(0, first)), "", "", false};
  std::string_view after = body.substr(first + 1);
  size_t second = after.find('.');
  parts.reference = std::string(after.substr(0, second));
  if (second != std::string_view::npos) {
    parts.rest = std::string(after.substr(second + 1));
    parts.has_rest = true;
  }
  if (!dl_digits(parts.company) || parts.company.size() < 6 || parts.company.size() > 12) {
    return std::nullopt;
  }
  return parts;
}

// EPC URIs (tag data standard) → canonical GS1 Digital Link; the schemes of GS1's
// examples and their neighbours. nullopt: not an EPC URI we convert.
std::optional<std::string> epc_to_digital_link(std::string_view uri) {
  const std::string base = "https://id.gs1.org/";
  auto scheme = [&](std::string_view prefix) -> std::optional<EpcParts> {
    if (!uri.starts_with(prefix)) return std::nullopt;
    return split_epc(uri.substr(prefix.size()));
  };
  if (auto p = scheme("urn:epc:id:sgtin:")) {
    if (p->company.size() + p->reference.size() != 13 || !dl_digits(p->reference) || !p->has_rest ||
        p->rest.empty() || p->rest.size() > 20) {
      return std::nullopt;
    }
    std::string gtin = p->reference.substr(0, 1) + p->company + p->reference.substr(1);
    return base + "01/" + with_check(gtin) + "/21/" + percent_encode_dl(p->rest);
  }
  if (auto p = scheme("urn:epc:class:lgtin:")) {
    if (p->company.size() + p->reference.size() != 13 || !dl_digits(p->reference) || !p->has_rest ||
        p->rest.empty() || p->rest.size() > 20) {
      return std::nullopt;
    }
    std::string gtin = p->reference.substr(0, 1) + p->company + p->reference.substr(1);
    return base + "01/" + with_check(gtin) + "/10/" + percent_encode_dl(p->rest);
  }
  if (auto p = scheme("urn:epc:idpat:sgtin:")) {
    if (p->company.size() + p->reference.size() != 13 || !dl_digits(p->reference) ||
        p->rest != "*") {
      return std::nullopt;
    }
    std::string gtin = p->reference.substr(0, 1) + p->company + p->reference.substr(1);
    return base + "01/" + with_check(gtin);
  }
  if (auto p = scheme("urn:epc:id:sscc:")) {
    if (p->company.size() + p->reference.size() != 17 || !dl_digits(p->reference) || p->has_rest) {
      return std::nullopt;
    }
    return base + "00/" +
           with_check(p->reference.substr(0, 1) + p->company + p->reference.substr(1));
  }
  if (auto p = scheme("urn:epc:id:sgln:")) {
    if (p->company.size() + p->reference.size() != 12 || !dl_digits(p->reference) || !p->has_rest ||
        p->rest.empty() || p->rest.size() > 20) {
      return std::nullopt;
    }
    std::string gln = with_check(p->company + p->reference);
    if (p->rest == "0") return base + "414/" + gln;
    return base + "414/" + gln + "/254/" + percent_encode_dl(p->rest);
  }
  if (auto p = scheme("urn:epc:id:pgln:")) {
    if (p->company.size() + p->reference.size() != 12 || p->has_rest) return std::nullopt;
    if (!p->reference.empty() && !dl_digits(p->reference)) return std::nullopt;
    return base + "417/" + with_check(p->company + p->reference);
  }
  if (auto p = scheme("urn:epc:id:grai:")) {
    if (p->company.size() + p->reference.size() != 12 || !p->has_rest || p->rest.empty() ||
        p->rest.size() > 16) {
      return std::nullopt;
    }
    if (!p->reference.empty() && !dl_digits(p->reference)) return std::nullopt;
    return base + "8003/" + with_check("0" + p->company + p->reference) +
           percent_encode_dl(p->rest);
  }
  if (auto p = scheme("urn:epc:id:gdti:")) {
    if (p->company.size() + p->reference.size() != 12 || !p->has_rest || p->rest.empty() ||
        p->rest.size() > 17) {
      return std::nullopt;
    }
    if (!p->reference.empty() && !dl_digits(p->reference)) return std::nullopt;
    return base + "253/" + with_check(p->company + p->reference) + percent_encode_dl(p->rest);
  }
  if (uri.starts_with("urn:epc:id:giai:")) {
    std::string_view body = uri.substr(16);
    size_t dot = body.find('.');
    if (dot == std::string_view::npos || dot < 6 || dot > 12 || !dl_digits(body.substr(0, dot)) ||
        body.size() - dot - 1 == 0 || body.size() - 1 > 30) {
      return std::nullopt;
    }
    return base + "8004/" + std::string(body.substr(0, dot)) +
           percent_encode_dl(body.substr(dot + 1));
  }
  for (auto [prefix, ai] :
       {std::pair{"urn:epc:id:gsrn:", "8018/"}, std::pair{"urn:epc:id:gsrnp:", "8017/"}}) {
    if (auto p = scheme(prefix)) {
      if (p->company.size() + p->reference.size() != 17 || !dl_digits(p->reference) ||
          p->has_rest) {
        return std::nullopt;
      }
      return base + ai + with_check(p->company + p->reference);
    }
  }
  return std::nullopt;
}

// A GS1 Digital Link URI → its canonical constrained form: id.gs1.org, no query, no
// CPV, a GTIN of 14 digits, only the finest level (serial over lot).
std::optional<std::string> normalise_digital_link(std::string uri) {
  if (!uri.starts_with("https://") && !uri.starts_with("http://")) return std::nullopt;
  if (size_t query = uri.find('?'); query != std::string::npos) uri.resize(query);
  if (size_t fragment = uri.find('#'); fragment != std::string::npos) uri.resize(fragment);
  static constexpr std::pair<const char*, const char*> kShortNames[] = {
      {"/gtin/", "/01/"},   {"/itip/", "/8006/"},  {"/cpid/", "/8010/"}, {"/gln/", "/414/"},
      {"/party/", "/417/"}, {"/gsrnp/", "/8017/"}, {"/gsrn/", "/8018/"}, {"/gcn/", "/255/"},
      {"/sscc/", "/00/"},   {"/gdti/", "/253/"},   {"/ginc/", "/401/"},  {"/gsin/", "/402/"},
      {"/grai/", "/8003/"}, {"/giai/", "/8004/"},  {"/cpv/", "/22/"},    {"/lot/", "/10/"},
      {"/ser/", "/21/"}};
  for (auto [from, to] : kShortNames) uri = replace_all(std::move(uri), from, to);
  static constexpr const char* kKeys[] = {"/00/",   "/01/",   "/253/",  "/255/",  "/401/",
                                          "/402/",  "/414/",  "/417/",  "/8003/", "/8004/",
                                          "/8006/", "/8010/", "/8017/", "/8018/"};
  size_t scheme_end = uri.find("//") + 2;
  size_t key_at = std::string::npos;
  for (const char* key : kKeys) {
    key_at = uri.find(key, scheme_end);
    if (key_at != std::string::npos) break;
  }
  if (key_at == std::string::npos) return std::nullopt;
  std::string path = uri.substr(key_at);  // "/01/…"
  if (!path.empty() && path.back() == '/') path.pop_back();
  std::vector<std::string> segments;
  for (size_t at = 1; at <= path.size();) {
    size_t next = path.find('/', at);
    if (next == std::string::npos) next = path.size();
    segments.push_back(path.substr(at, next - at));
    at = next + 1;
  }
  if (segments.size() < 2 || segments.size() % 2 != 0) return std::nullopt;
  if (segments[0] == "01") {
    std::string& gtin = segments[1];
    if (!dl_digits(gtin)) return std::nullopt;
    if (gtin.size() == 13 || gtin.size() == 12 || gtin.size() == 8)
      gtin.insert(0, 14 - gtin.size(), '0');
    if (gtin.size() != 14) return std::nullopt;
    std::vector<std::string> kept{segments[0], segments[1]};
    std::string lot, serial;
    for (size_t i = 2; i + 1 < segments.size(); i += 2) {
      if (segments[i] == "10")
        lot = segments[i + 1];
      else if (segments[i] == "21")
        serial = segments[i + 1];
      else if (segments[i] == "235" && serial.empty() && lot.empty())
        serial = "\x01" + segments[i + 1];
      else if (segments[i] != "22")
        return std::nullopt;
    }
    std::string out = "https://id.gs1.org/01/" + gtin;
    if (!serial.empty() && serial[0] == '\x01') return out + "/235/" + serial.substr(1);
    if (!serial.empty()) return out + "/21/" + serial;
    if (!lot.empty()) return out + "/10/" + lot;
    return out;
  }
  if (segments.size() == 2 &&
      (segments[0] == "00" || segments[0] == "414" || segments[0] == "417" ||
       segments[0] == "8017" || segments[0] == "8018" || segments[0] == "402")) {
    size_t expected = segments[0] == "00" || segments[0] == "8017" || segments[0] == "8018" ? 18
                      : segments[0] == "402"                                                ? 17
                                                                                            : 13;
    if (!dl_digits(segments[1]) || segments[1].size() != expected) return std::nullopt;
  }
  std::string out = "https://id.gs1.org";
  for (const std::string& segment : segments) out += "/" + segment;
  return out;
}

std::optional<std::string> digital_link_normalised(std::string_view text) {
  if (text.find('.') == std::string_view::npos) return std::nullopt;
  if (text.starts_with("urn:epc:")) return epc_to_digital_link(text);
  return normalise_digital_link(std::string(text));
}

std::string canonical_value(std::string text) {
  text = web_vocabulary(std::move(text));
  if (auto number = canonical_number(text)) text = *number;
  if (auto link = digital_link_normalised(text)) return *link;
  return text;
}

std::string_view strip(std::string_view text) {
  const char* space = " \t\n\r\f\v";
  size_t first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

// An RFC 3339 time as "YYYY-MM-DDTHH:MM:SS.mmmZ" in UTC, microseconds rounded half to
// even to milliseconds (Python's round(µs, -3)); nullopt when it does not parse.
std::optional<std::string> canonical_time(std::string_view text) {
  auto ms = parse_epcis_time_ms(text, "time");
  if (!ms) return std::nullopt;
  return format_epcis_time_ms(*ms);
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  return lower(haystack).find(needle) != std::string::npos;
}

// ---- step 1: JSON → nodes

std::string scalar_text(const json::value& value, const Prefixes& prefixes) {
  switch (value.kind()) {
    case json::kind::string:
      return expand_prefix(prefixes, std::string_view(value.get_string()), true);
    case json::kind::bool_:
      return value.get_bool() ? "True" : "False";
    case json::kind::null:
      return "None";
    case json::kind::int64:
      return std::to_string(value.get_int64());
    case json::kind::uint64:
      return std::to_string(value.get_uint64());
    case json::kind::double_: {
      double d = value.get_double();
      if (!std::isfinite(d)) return "inf";
      return python_float_repr(d);
    }
    default:
      return "";
  }
}

// The vocabulary prefix for a bare word at member `name` inside `parent`, if any.
const char* vocabulary_of(std::string_view name, std::string_view parent) {
  for (const Vocabulary& v : kVocabularies) {
    if (name == v.member && parent == v.parent) return v.prefix;
  }
  return nullptr;
}

Node to_node(const json::value& value, std::string_view parent, const Prefixes& prefixes,
             int depth);

void add_member(Node& out, std::string_view key, const json::value& value, std::string_view parent,
                const Prefixes& prefixes, int depth) {
  std::string name = expand_prefix(prefixes, key, false);
  auto bare = [&](Node node) {
    const char* vocabulary = vocabulary_of(key, parent);
    if (vocabulary && !node.text.empty() && node.text.find(':') == std::string::npos &&
        node.children.empty()) {
      node.text = vocabulary + node.text;
    }
    return node;
  };
  if (value.is_array()) {
    Node list = to_node(value, key, prefixes, depth + 1);
    for (Node& element : list.children) {
      element = bare(std::move(element));
      out.children.push_back(Node{name, std::move(element.text), std::move(element.children)});
    }
  } else {
    Node child = bare(to_node(value, key, prefixes, depth + 1));
    out.children.push_back(Node{name, std::move(child.text), std::move(child.children)});
  }
}

Node to_node(const json::value& value, std::string_view parent, const Prefixes& prefixes,
             int depth) {
  Node out;
  if (depth > static_cast<int>(kEpcisJsonDepthMax)) return out;
  bool keep_order = false;
  if (value.is_array()) {
    for (const json::value& element : value.get_array()) {
      out.children.push_back(to_node(element, parent, prefixes, depth + 1));
    }
    std::sort(out.children.begin(), out.children.end());
    return out;
  } else if (value.is_object()) {
    const json::object& object = value.get_object();
    if (const json::value* type = object.if_contains("type"); type && type->is_string()) {
      out.name = std::string(type->get_string());
      const char* vocabulary = vocabulary_of("type", parent);
      if (vocabulary && out.name.find(':') == std::string::npos) out.name = vocabulary + out.name;
    }
    // Members of a list element are judged by the list's own name (sourceList …).
    for (const auto& member : object) {
      std::string_view key = member.key();
      if (key == "#text" || key == "rdfs:comment" || key == "comment" || key.starts_with("@"))
        continue;
      add_member(out, key, member.value(), parent, prefixes, depth);
    }
    keep_order = object.contains("bizTransaction") || object.contains("source") ||
                 object.contains("destination");
  } else {
    out.text = scalar_text(value, prefixes);
    return out;
  }
  if (!keep_order) std::sort(out.children.begin(), out.children.end());
  return out;
}

// ---- step 2: the XML model

Node correct_structure(Node node) {
  std::vector<Node> kept;
  std::vector<std::pair<std::string, std::vector<Node>>> lists;
  std::vector<Node> child_epcs;
  for (Node& child : node.children) {
    if (child.name.size() > 4 && child.name.ends_with("List") && !child.pair) {
      auto found = std::find_if(lists.begin(), lists.end(),
                                [&](const auto& list) { return list.first == child.name; });
      if (found == lists.end()) {
        lists.push_back({child.name, {}});
        found = lists.end() - 1;
      }
      found->second.push_back(
          Node{child.name.substr(0, child.name.size() - 4), child.text, std::move(child.children)});
    } else if (child.name == "childEPCs") {
      child_epcs.push_back(Node{"epc", child.text, {}});
    } else {
      kept.push_back(std::move(child));
    }
  }
  std::vector<Node> corrected;
  for (Node& child : kept) corrected.push_back(correct_structure(std::move(child)));
  for (auto& [name, elements] : lists) {
    if (name == "sourceList" || name == "destinationList" || name == "bizTransactionList") {
      Node list{name, "", {}};
      for (Node& element : elements) {
        Node couple{"", "", {}, true};
        for (size_t i = 0; i < element.children.size() && i < 2; ++i) {
          couple.children.push_back(std::move(element.children[i]));
        }
        list.children.push_back(std::move(couple));
      }
      corrected.push_back(std::move(list));
    } else {
      corrected.push_back(correct_structure(Node{name, "", std::move(elements)}));
    }
  }
  if (!child_epcs.empty()) corrected.push_back(Node{"childEPCs", "", std::move(child_epcs)});
  node.children = std::move(corrected);
  const std::string& n = node.name;
  if (n == "inputEPC" || n == "outputEPC") node.name = "epc";
  if (n == "inputQuantity" || n == "outputQuantity" || n == "childQuantity" ||
      (n == "quantity" && !node.children.empty())) {
    node.name = "quantityElement";
  }
  return node;
}

// ---- step 3: the pre-image

std::string generic_prehash(const std::vector<Node>& children);

bool should_sort(const std::vector<Node>& children) {
  for (const Node& child : children) {
    if (!child.pair &&
        (child.name == "bizTransaction" || child.name == "source" || child.name == "destination")) {
      return false;
    }
  }
  return true;
}

std::string generic_prehash(const std::vector<Node>& children) {
  std::vector<std::string> values;
  for (const Node& child : children) {
    if (child.pair) {
      values.push_back(generic_prehash(child.children));
      continue;
    }
    std::string text(strip(child.text));
    if (!text.empty()) text = "=" + canonical_value(text);
    values.push_back(child.name + text + generic_prehash(child.children));
  }
  if (children.size() > 1 && should_sort(children)) std::sort(values.begin(), values.end());
  std::string out;
  for (const std::string& value : values) out += value;
  return out;
}

std::string ordered_prehash(std::vector<Node>& children, const std::vector<Order>& order);

std::string child_prehash(Node& child, const std::vector<Order>* sub) {
  std::string grand;
  if (sub) grand = ordered_prehash(child.children, *sub);
  std::string text(strip(child.text));
  if (!text.empty()) {
    if (contains_ci(child.name, "time") && !contains_ci(child.name, "offset")) {
      if (auto time = canonical_time(text)) text = *time;
    } else {
      text = canonical_value(text);
    }
    if (!text.empty()) text = "=" + text;
  }
  if (!text.empty() || !grand.empty()) return child.name + text + grand;
  return "";
}

// User extensions (names "{IRI/}x") of a nested element go after its known fields.
std::vector<Node> take_user_extensions(std::vector<Node>& children) {
  std::vector<Node> extensions;
  if (children.size() <= 1) return extensions;
  for (const Node& child : children) {
    if (!child.pair && (child.name.find("eventTime") != std::string::npos ||
                        child.name.find("action") != std::string::npos)) {
      return extensions;
    }
  }
  for (auto it = children.begin(); it != children.end();) {
    if (!it->pair && it->name.find('{') != std::string::npos &&
        it->name.find("/}") != std::string::npos) {
      extensions.push_back(std::move(*it));
      it = children.erase(it);
    } else {
      ++it;
    }
  }
  return extensions;
}

std::string ordered_prehash(std::vector<Node>& children, const std::vector<Order>& order) {
  std::string pre;
  std::vector<Node> extensions = take_user_extensions(children);
  for (const Order& field : order) {
    std::vector<std::string> values;
    for (auto it = children.begin(); it != children.end();) {
      if (it->pair || it->name != field.name) {
        ++it;
        continue;
      }
      std::string value = child_prehash(*it, field.sub);
      if (!value.empty()) values.push_back(std::move(value));
      if (it->children.empty()) {
        it = children.erase(it);
      } else {
        ++it;
      }
    }
    std::sort(values.begin(), values.end());
    for (const std::string& value : values) pre += value;
  }
  if (!extensions.empty()) pre += generic_prehash(extensions);
  return pre;
}

}  // namespace

std::string gs1_canonical_uri(std::string_view uri) {
  return digital_link_normalised(uri).value_or(std::string(uri));
}

std::string epcis_prehash(std::string_view event_json, const Prefixes& prefixes) {
  boost::system::error_code ec;
  json::value value = json::parse(event_json, ec);
  LC_ASSERT(!ec && value.is_object());
  Node event = correct_structure(to_node(value, "", prefixes, 0));
  std::string pre = "eventType=" + event.name + ordered_prehash(event.children, kOrder);
  std::vector<Node> rest;
  for (Node& child : event.children) {
    if (child.pair || (child.name != "recordTime" && child.name != "eventID" &&
                       child.name != "type" && child.name != "errorDeclaration")) {
      rest.push_back(std::move(child));
    }
  }
  if (!rest.empty()) pre += generic_prehash(rest);
  return pre;
}

}  // namespace livechain::trace
