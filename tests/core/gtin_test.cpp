// GS1 GTIN validation: check digits of real GTINs, normalisation to 14 digits, and the
// three ways a GTIN is rejected (length, non-digit, wrong check digit).
#include <gtest/gtest.h>

#include <string>

#include "core/gtin.hpp"

namespace livechain {
namespace {

TEST(GtinCheckDigit, RealGtinsOfEveryLength) {
  EXPECT_EQ(gtin_check_digit("400638133393"), 1);   // EAN-13 4006381333931
  EXPECT_EQ(gtin_check_digit("03600029145"), 2);    // UPC-A 036000291452
  EXPECT_EQ(gtin_check_digit("9638507"), 4);        // EAN-8 96385074
  EXPECT_EQ(gtin_check_digit("1061414100041"), 5);  // GTIN-14 10614141000415
}

TEST(GtinCheckDigit, SumDivisibleByTenGivesZero) {
  // 3*1 = 3, 1*7 = 7 → sum 10 → check digit 0.
  EXPECT_EQ(gtin_check_digit("71"), 0);
  EXPECT_EQ(gtin_check_digit("0000000"), 0);
}

TEST(NormalizeGtin, AcceptsRealGtinsAndPadsToFourteenDigits) {
  struct Case {
    const char* input;
    const char* normalized;
  };
  for (const Case& c :
       {Case{"4006381333931", "04006381333931"}, Case{"036000291452", "00036000291452"},
        Case{"96385074", "00000096385074"}, Case{"10614141000415", "10614141000415"}}) {
    auto result = normalize_gtin(c.input);
    ASSERT_TRUE(result.has_value()) << c.input << ": " << result.error().to_string();
    EXPECT_EQ(*result, c.normalized) << c.input;
    EXPECT_EQ(result->size(), 14u);
  }
}

TEST(NormalizeGtin, NormalisedFormIsAFixedPoint) {
  auto once = normalize_gtin("036000291452");
  ASSERT_TRUE(once.has_value());
  auto twice = normalize_gtin(*once);
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(*once, *twice);
  // The same item written as GTIN-12, -13 and -14 normalises to one key.
  EXPECT_EQ(normalize_gtin("0036000291452").value(), *once);
}

void expect_rejected(const std::string& input, const std::string& detail_part) {
  auto result = normalize_gtin(input);
  ASSERT_FALSE(result.has_value()) << "accepted '" << input << "'";
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument) << input;
  EXPECT_EQ(result.error().field, "gtin") << input;
  EXPECT_NE(result.error().detail.find(detail_part), std::string::npos)
      << input << ": " << result.error().detail;
}

TEST(NormalizeGtin, RejectsWrongCheckDigitNamingTheExpectedDigit) {
  expect_rejected("4006381333932", "expected 1");
  expect_rejected("036000291450", "expected 2");
  expect_rejected("96385070", "expected 4");
  expect_rejected("10614141000410", "expected 5");
}

TEST(NormalizeGtin, EveryWrongCheckDigitIsRejected) {
  const std::string body = "400638133393";
  for (char digit = '0'; digit <= '9'; ++digit) {
    auto result = normalize_gtin(body + digit);
    EXPECT_EQ(result.has_value(), digit == '1') << body + digit;
  }
}

TEST(NormalizeGtin, RejectsNonDigits) {
  expect_rejected("40063813339A1", "non-digit");
  expect_rejected("4006381333 31", "non-digit");
  expect_rejected("-4006381333931", "non-digit");  // 14 characters, one is '-'
  expect_rejected("abcdefgh", "non-digit");
}

TEST(NormalizeGtin, RejectsWrongLengths) {
  for (const std::string& input :
       {std::string(), std::string("1"), std::string("9638507"), std::string("963850745"),
        std::string("40063813339"), std::string("106141410004150"), std::string(40, '0')}) {
    expect_rejected(input, "a GTIN has 8, 12, 13 or 14");
  }
}

TEST(NormalizeGtin, LengthIsCheckedBeforeCharacters) {
  // 9 characters with letters: reported as a wrong length, not a bad character.
  expect_rejected("abcdefghi", "has 9 digits");
}

}  // namespace
}  // namespace livechain
