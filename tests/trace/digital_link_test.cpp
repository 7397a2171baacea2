// tests/trace/digital_link_test.cpp — GS1 Digital Link parsing and building, GS1 dates.
//
// Examples of conforming URIs follow the GS1 Digital Link standard's own examples
// (GTIN 09506000134352 and friends); each rule of docs/trace.md has a failing case.
#include <gtest/gtest.h>

#include <string>

#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

constexpr int kYear = 2026;

DigitalLink parse_ok(const std::string& uri) {
  auto link = parse_digital_link(uri, kYear);
  EXPECT_TRUE(link.has_value()) << uri << ": " << (link ? "" : link.error().to_string());
  return link ? *link : DigitalLink{};
}

Error parse_error(const std::string& uri) {
  auto link = parse_digital_link(uri, kYear);
  EXPECT_FALSE(link.has_value()) << uri << " was accepted";
  return link ? Error{} : link.error();
}

TEST(Charset82, HasExactlyEightyTwoCharacters) {
  int count = 0;
  for (int c = 0; c < 256; ++c) count += is_gs1_charset82(static_cast<char>(c)) ? 1 : 0;
  EXPECT_EQ(count, 82);
  EXPECT_TRUE(is_gs1_charset82('"'));
  EXPECT_TRUE(is_gs1_charset82('%'));
  EXPECT_FALSE(is_gs1_charset82(' '));
  EXPECT_FALSE(is_gs1_charset82('#'));
  EXPECT_FALSE(is_gs1_charset82('~'));
  EXPECT_FALSE(is_gs1_charset82('@'));
}

TEST(Gs1Date, DayZeroIsLastDayOfMonthWithLeapYears) {
  EXPECT_EQ(format_iso_date(*parse_gs1_date("240200", kYear, "17")), "2024-02-29");
  EXPECT_EQ(format_iso_date(*parse_gs1_date("250200", kYear, "17")), "2025-02-28");
  EXPECT_EQ(format_iso_date(*parse_gs1_date("270400", kYear, "17")), "2027-04-30");
  EXPECT_EQ(format_iso_date(*parse_gs1_date("271200", kYear, "17")), "2027-12-31");
  EXPECT_EQ(format_iso_date(*parse_gs1_date("000200", 2000, "17")), "2000-02-29");
}

TEST(Gs1Date, RejectsImpossibleDates) {
  for (const char* bad : {"250229", "251301", "250001", "250431", "25013", "2501311", "25o131"}) {
    auto date = parse_gs1_date(bad, kYear, "17");
    ASSERT_FALSE(date.has_value()) << bad;
    EXPECT_EQ(date.error().field, "17");
  }
}

// GS1 General Specifications §7.12: YY − current YY in 51..99 → previous century,
// in −99..−50 → next century, else this century.
TEST(Gs1Date, CenturyRule) {
  EXPECT_EQ(parse_gs1_date("760101", 2026, "17")->year, 2076);  // difference 50
  EXPECT_EQ(parse_gs1_date("770101", 2026, "17")->year, 1977);  // difference 51
  EXPECT_EQ(parse_gs1_date("000101", 2026, "17")->year, 2000);
  EXPECT_EQ(parse_gs1_date("490101", 2099, "17")->year, 2149);  // difference −50
  EXPECT_EQ(parse_gs1_date("500101", 2099, "17")->year, 2050);  // difference −49
  EXPECT_EQ(parse_gs1_date("990101", 2000, "17")->year, 1999);  // difference 99
}

TEST(Gs1Date, ExpiryConversion) {
  EXPECT_EQ(*expiry_to_yymmdd("2027-03-31", kYear, "expiry"), "270331");
  EXPECT_EQ(*expiry_to_yymmdd("270300", kYear, "expiry"), "270300");
  EXPECT_FALSE(expiry_to_yymmdd("2090-01-01", kYear, "expiry").has_value());  // 1990 by rule
  EXPECT_FALSE(expiry_to_yymmdd("2027-02-30", kYear, "expiry").has_value());
  EXPECT_FALSE(expiry_to_yymmdd("2027-02-00", kYear, "expiry").has_value());
  EXPECT_EQ(expiry_to_yymmdd("27-03-31", kYear, "expiry").error().field, "expiry");
}

TEST(DigitalLink, ParsesFullUriAnyHostWithPrefix) {
  auto link = parse_ok(
      "https://brand.example.com/products/01/09506000134352/22/2A/10/ABC%2F1/21/12345"
      "?17=270300&linkType=gs1:pip&15=270101#top");
  EXPECT_EQ(link.gtin14, "09506000134352");
  EXPECT_EQ(link.cpv, "2A");
  EXPECT_EQ(link.lot, "ABC/1");
  EXPECT_EQ(link.serial, "12345");
  EXPECT_EQ(link.expiry, "270300");
  EXPECT_EQ(format_iso_date(*link.expiry_date), "2027-03-31");
  ASSERT_EQ(link.attributes.size(), 1u);
  EXPECT_EQ(link.attributes[0].ai, "15");
  EXPECT_EQ(format_iso_date(*link.attributes[0].date), "2027-01-01");
}

TEST(DigitalLink, NormalisesShortGtinsAndDecodesEveryCharset82Character) {
  EXPECT_EQ(parse_ok("http://id.gs1.org/01/9506000134352").gtin14, "09506000134352");
  EXPECT_EQ(parse_ok("http://id.gs1.org/01/12345670").gtin14, "00000012345670");
  // All 20 non-alphanumeric characters of set 82, percent-encoded (20 characters).
  auto link = parse_ok(
      "https://x.y/01/09506000134352/21/"
      "%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_");
  EXPECT_EQ(link.serial, "!\"%&'()*+,-./:;<=>?_");
}

TEST(DigitalLink, RefusesQualifiersOutOfOrderOrRepeated) {
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/1/10/A").field, "10");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/10/A/22/B").field, "22");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/10/A/10/B").field, "10");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/99/A").field, "uri");
}

TEST(DigitalLink, RefusesBadValues) {
  // 21 characters, empty, unencoded reserved character, character outside set 82,
  // broken percent-encoding, space.
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/10/ABCDEFGHIJKLMNOPQRSTU").field, "10");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/10/").field, "10");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a!b").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a~b").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a%7Eb").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a%2").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a%zzb").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/a%20b").field, "21");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/21/%C3%A9").field, "21");
  // 20 characters is the maximum and fine.
  EXPECT_EQ(parse_ok("https://x.y/01/09506000134352/10/ABCDEFGHIJKLMNOPQRST").lot->size(), 20u);
}

TEST(DigitalLink, RefusesBadGtinsSchemesAndShapes) {
  EXPECT_EQ(parse_error("https://x.y/01/09506000134353").field, "01");
  EXPECT_EQ(parse_error("https://x.y/01/0950600013435").field, "01");
  EXPECT_EQ(parse_error("https://x.y/01/ABC").field, "01");
  EXPECT_EQ(parse_error("ftp://x.y/01/09506000134352").field, "uri");
  EXPECT_EQ(parse_error("https:///01/09506000134352").field, "uri");
  EXPECT_EQ(parse_error("https://x.y/").field, "uri");
  EXPECT_EQ(parse_error("https://x.y").field, "uri");
  EXPECT_EQ(parse_error("09506000134352").field, "uri");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352/10").field, "uri");   // odd tail
  EXPECT_EQ(parse_error("https://x.y/00/095060001343520000").field, "uri");  // SSCC: not here
}

TEST(DigitalLink, QueryRules) {
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?17=270230").field, "17");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?17=2702").field, "17");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?17=270201&17=270202").field, "17");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?10=LOT").field, "10");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?17").field, "17");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?123456=1").field, "123456");
  EXPECT_EQ(parse_error("https://x.y/01/09506000134352?=1").field, "uri");
  EXPECT_FALSE(parse_ok("https://x.y/01/09506000134352?linkType=all").expiry.has_value());
}

TEST(DigitalLink, LimitsAreChecked) {
  std::string long_uri =
      "https://x.y/01/09506000134352?a=" + std::string(kDigitalLinkLengthMax, 'b');
  EXPECT_EQ(parse_digital_link(long_uri, kYear).error().code, ErrorCode::limit_exceeded);
  std::string many = "https://x.y/01/09506000134352?";
  for (size_t i = 0; i <= kDigitalLinkAttributesMax; ++i) many += "k" + std::to_string(i) + "=1&";
  many.pop_back();
  EXPECT_EQ(parse_digital_link(many, kYear).error().code, ErrorCode::limit_exceeded);
}

TEST(DigitalLink, MakeBuildsCanonicalUriThatParsesBack) {
  DigitalLinkRequest request;
  request.gtin = "9506000134352";
  request.cpv = "v1";
  request.lot = "A/B 1";
  request.serial = "x!y(z)";
  request.expiry = "2027-02-28";
  EXPECT_FALSE(make_digital_link(request, kYear).has_value());  // space is not in set 82
  request.lot = "A/B1";
  auto uri = make_digital_link(request, kYear);
  ASSERT_TRUE(uri.has_value()) << uri.error().to_string();
  EXPECT_EQ(*uri, "https://id.gs1.org/01/09506000134352/22/v1/10/A%2FB1/21/x%21y%28z%29?17=270228");
  auto link = parse_ok(*uri);
  EXPECT_EQ(link.lot, "A/B1");
  EXPECT_EQ(link.serial, "x!y(z)");
  request.serial = std::string(21, 's');
  EXPECT_EQ(make_digital_link(request, kYear).error().field, "serial");
  request.serial.reset();
  request.gtin = "123";
  EXPECT_EQ(make_digital_link(request, kYear).error().field, "gtin");
  request.gtin = "09506000134352";
  request.base = "https://r.example/p?x=1";
  EXPECT_EQ(make_digital_link(request, kYear).error().field, "base");
}

}  // namespace
}  // namespace livechain::trace
