// src/trace/digital_link.cpp — GS1 Digital Link URI syntax (uncompressed form): parse and
// build. The rules and their sources are listed in docs/trace.md.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/assert.hpp"
#include "core/gtin.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

// GS1 data attributes in the query string: AIs are 2–4 digits, values up to 90 characters
// (the longest AI format, X..90).
inline constexpr size_t kAttributeLengthMax = 90;
// The date AIs (N6 YYMMDD): production, packaging, best before, sell by, expiry.
constexpr std::array<std::string_view, 5> kDateAis = {"11", "13", "15", "16", "17"};

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Decodes one percent-encoded value of AI `ai` and checks it is 1..length_max
// characters of set 82. Raw characters other than unreserved ones are refused: GS1
// Digital Link requires URI-reserved characters of set 82 to be percent-encoded.
Result<std::string> decode_value(std::string_view raw, std::string_view ai, size_t length_max) {
  const std::string field(ai);
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      const bool complete = i + 2 < raw.size();
      const int high = complete ? hex_value(raw[i + 1]) : -1;
      const int low = complete ? hex_value(raw[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return fail(ErrorCode::invalid_argument, field,
                    fmt::format("'{}' has a '%' not followed by two hex digits", raw));
      }
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (!is_unreserved(c)) {
      return fail(ErrorCode::invalid_argument, field,
                  fmt::format("'{}' has '{}' unencoded; URI-reserved characters must be "
                              "percent-encoded",
                              raw, c));
    }
    if (!is_gs1_charset82(c)) {
      return fail(ErrorCode::invalid_argument, field,
                  fmt::format("'{}' has character 0x{:02X}, outside the GS1 AI encodable "
                              "character set 82",
                              raw, static_cast<unsigned char>(c)));
    }
    out.push_back(c);
    if (out.size() > length_max) break;
  }
  if (out.empty() || out.size() > length_max) {
    return fail(ErrorCode::invalid_argument, field,
                fmt::format("must be 1 to {} characters, got {}", length_max,
                            out.empty() ? std::string("none") : std::string("more")));
  }
  return out;
}

// Percent-encodes every character outside A-Z a-z 0-9 - . _ (the canonical form).
std::string encode_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c != '~' && is_unreserved(c)) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

// "http[s]://host" → the rest (path, query). Errors name "uri".
Result<std::string_view> strip_scheme_and_host(std::string_view uri) {
  size_t scheme_end = uri.find("://");
  std::string scheme(uri.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") {
    return fail(ErrorCode::invalid_argument, "uri", "must start with http:// or https://");
  }
  std::string_view rest = uri.substr(scheme_end + 3);
  size_t host_end = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, host_end);
  const bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return is_unreserved(c) || c == ':' || c == '[' || c == ']';
  });
  if (!host_ok) {
    return fail(ErrorCode::invalid_argument, "uri",
                fmt::format("host '{}' is empty or has characters a host cannot have", host));
  }
  return host_end == std::string_view::npos ? std::string_view{} : rest.substr(host_end);
}

// The path segments from the primary key "01" on: the leftmost "01" whose tail has an
// even number of segments (key/value pairs), so a path prefix may come before it.
Result<std::vector<std::string_view>> key_segments(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return fail(ErrorCode::invalid_argument, "uri", "has no path; expected /01/{GTIN}");
  }
  auto segments = split(path.substr(1), '/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i] == "01" && (segments.size() - i) % 2 == 0) {
      return std::vector<std::string_view>(segments.begin() + static_cast<long>(i), segments.end());
    }
  }
  return fail(ErrorCode::invalid_argument, "uri",
              "has no /01/{GTIN} primary key followed by key/value pairs (compressed Digital "
              "Link and other primary keys are not supported)");
}

// Reads /22, /10, /21 after the GTIN, each at most once and in that order.
Result<void> parse_qualifiers(const std::vector<std::string_view>& segments, DigitalLink& link) {
  static constexpr std::array<std::string_view, 3> kOrder = {"22", "10", "21"};
  size_t next_allowed = 0;
  for (size_t i = 2; i + 1 < segments.size(); i += 2) {
    std::string_view ai = segments[i];
    auto it = std::find(kOrder.begin(), kOrder.end(), ai);
    if (it == kOrder.end()) {
      return fail(ErrorCode::invalid_argument, "uri",
                  fmt::format("path segment '{}' is not a key qualifier of GTIN (22, 10, 21)", ai));
    }
    size_t rank = static_cast<size_t>(it - kOrder.begin());
    if (rank < next_allowed) {
      return fail(ErrorCode::invalid_argument, std::string(ai),
                  "key qualifiers must appear once each, in the order 22, 10, 21");
    }
    next_allowed = rank + 1;
    LC_TRY(value, decode_value(segments[i + 1], ai, kQualifierLengthMax));
    (rank == 0 ? link.cpv : rank == 1 ? link.lot : link.serial) = std::move(value);
  }
  return {};
}

Result<void> parse_attribute(std::string_view key, std::string_view raw, int current_year,
                             DigitalLink& link) {
  if (key == "01" || key == "22" || key == "10" || key == "21") {
    return fail(ErrorCode::invalid_argument, std::string(key),
                "a primary key or key qualifier belongs in the path, not the query");
  }
  if (key.size() < 2 || key.size() > 4) {
    return fail(ErrorCode::invalid_argument, std::string(key),
                "is not a GS1 Application Identifier (2 to 4 digits)");
  }
  const bool duplicate = (key == "17" && link.expiry) ||
                         std::any_of(link.attributes.begin(), link.attributes.end(),
                                     [&](const DigitalLinkAttribute& a) { return a.ai == key; });
  if (duplicate) {
    return fail(ErrorCode::invalid_argument, std::string(key), "appears twice in the query");
  }
  LC_TRY(value, decode_value(raw, key, kAttributeLengthMax));
  std::optional<Gs1Date> date;
  if (std::find(kDateAis.begin(), kDateAis.end(), key) != kDateAis.end()) {
    LC_TRY(parsed, parse_gs1_date(value, current_year, key));
    date = parsed;
  }
  if (key == "17") {
    link.expiry = std::move(value);
    link.expiry_date = date;
  } else {
    link.attributes.push_back({std::string(key), std::move(value), date});
  }
  return {};
}

Result<void> parse_query(std::string_view query, int current_year, DigitalLink& link) {
  if (query.empty()) return {};
  auto pairs = split(query, '&');
  if (pairs.size() > kDigitalLinkAttributesMax) {
    return fail(ErrorCode::limit_exceeded, "uri",
                fmt::format("more than {} query attributes", kDigitalLinkAttributesMax));
  }
  for (std::string_view pair : pairs) {
    size_t equals = pair.find('=');
    std::string_view key = pair.substr(0, equals);
    if (key.empty()) {
      return fail(ErrorCode::invalid_argument, "uri",
                  fmt::format("query part '{}' has no key", pair));
    }
    if (!is_digits(key)) continue;  // linkType, context, …: not GS1 data
    if (equals == std::string_view::npos) {
      return fail(ErrorCode::invalid_argument, std::string(key), "has no value in the query");
    }
    LC_CHECK(parse_attribute(key, pair.substr(equals + 1), current_year, link));
  }
  return {};
}

}  // namespace

Result<DigitalLink> parse_digital_link(std::string_view uri, int current_year) {
  if (uri.size() > kDigitalLinkLengthMax) {
    return fail(ErrorCode::limit_exceeded, "uri",
                fmt::format("longer than {} characters", kDigitalLinkLengthMax));
  }
  LC_TRY(rest, strip_scheme_and_host(uri));
  std::string_view path_and_query = rest.substr(0, rest.find('#'));  // fragment ignored
  size_t question = path_and_query.find('?');
  std::string_view path = path_and_query.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view{} : path_and_query.substr(question + 1);
  LC_TRY(segments, key_segments(path));
  LC_ASSERT(segments.size() >= 2 && segments.size() % 2 == 0 && segments[0] == "01");
  DigitalLink link;
  if (!is_digits(segments[1])) {
    return fail(ErrorCode::invalid_argument, "01",
                fmt::format("GTIN '{}' must be 8, 12, 13 or 14 digits", segments[1]));
  }
  auto gtin = normalize_gtin(segments[1]);
  if (!gtin) return fail(ErrorCode::invalid_argument, "01", gtin.error().detail);
  link.gtin14 = std::move(*gtin);
  LC_CHECK(parse_qualifiers(segments, link));
  LC_CHECK(parse_query(query, current_year, link));
  LC_ASSERT(link.gtin14.size() == 14);
  return link;
}

Result<std::string> make_digital_link(const DigitalLinkRequest& request, int current_year) {
  std::string_view base = request.base;
  if (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (base.find_first_of("?#") != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "base", "must be scheme://host[/path], no query");
  }
  LC_TRY(gtin, normalize_gtin(request.gtin));
  std::string uri = fmt::format("{}/01/{}", base, gtin);
  const std::array<std::pair<std::string_view, const std::optional<std::string>*>, 3> qualifiers = {
      {{"22", &request.cpv}, {"10", &request.lot}, {"21", &request.serial}}};
  static constexpr std::array<std::string_view, 3> kNames = {"cpv", "lot", "serial"};
  for (size_t i = 0; i < qualifiers.size(); ++i) {
    const auto& value = *qualifiers[i].second;
    if (!value) continue;
    const bool ok = !value->empty() && value->size() <= kQualifierLengthMax &&
                    std::all_of(value->begin(), value->end(), is_gs1_charset82);
    if (!ok) {
      return fail(ErrorCode::invalid_argument, std::string(kNames[i]),
                  fmt::format("must be 1 to {} characters of the GS1 AI encodable set 82",
                              kQualifierLengthMax));
    }
    uri += fmt::format("/{}/{}", qualifiers[i].first, encode_value(*value));
  }
  if (request.expiry) {
    LC_TRY(yymmdd, expiry_to_yymmdd(*request.expiry, current_year, "expiry"));
    uri += "?17=" + yymmdd;
  }
  // The contract: what we build is conforming.
  auto check = parse_digital_link(uri, current_year);
  if (!check) return fail(ErrorCode::invalid_argument, "base", check.error().to_string());
  LC_ASSERT(check->gtin14 == gtin && check->lot == request.lot);
  return uri;
}

}  // namespace livechain::trace
