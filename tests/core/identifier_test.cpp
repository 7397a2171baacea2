// Identifier and free-text limits, checked at the exact boundary (the limit is
// accepted, one more is limit_exceeded), plus the error values' names and text.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "core/identifier.hpp"

namespace livechain {
namespace {

void expect_error(const Result<void>& result, ErrorCode code, const std::string& field) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, code) << result.error().to_string();
  EXPECT_EQ(result.error().field, field);
}

TEST(ValidateIdentifier, LengthBoundary) {
  EXPECT_EQ(kIdentifierLengthMax, 64u);
  EXPECT_TRUE(validate_identifier("location", std::string(1, 'a')).has_value());
  EXPECT_TRUE(validate_identifier("location", std::string(64, 'a')).has_value());
  expect_error(validate_identifier("location", std::string(65, 'a')), ErrorCode::limit_exceeded,
               "location");
  expect_error(validate_identifier("order_id", std::string(1000, 'a')), ErrorCode::limit_exceeded,
               "order_id");
}

TEST(ValidateIdentifier, EmptyIsInvalid) {
  expect_error(validate_identifier("channel", ""), ErrorCode::invalid_argument, "channel");
}

TEST(ValidateIdentifier, AllowedCharacters) {
  EXPECT_TRUE(validate_identifier("location", "DC-North_1.a:b").has_value());
  EXPECT_TRUE(
      validate_identifier("location", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
          .has_value());
  EXPECT_TRUE(validate_identifier("location", "0123456789.-_:").has_value());
}

TEST(ValidateIdentifier, RejectsEveryOtherCharacterNamingTheField) {
  for (std::string bad : {"DC 1", "DC/1", "DC#1", "a\tb", "é", "a\nb", "a,b", "a*b"}) {
    expect_error(validate_identifier("region", bad), ErrorCode::invalid_argument, "region");
  }
  std::string with_nul("ab");
  with_nul[1] = '\0';
  expect_error(validate_identifier("region", with_nul), ErrorCode::invalid_argument, "region");
}

TEST(ValidateIdentifier, TooLongIsReportedBeforeBadCharacters) {
  expect_error(validate_identifier("location", std::string(65, ' ')), ErrorCode::limit_exceeded,
               "location");
}

TEST(ValidateText, LimitsAtTheBoundary) {
  EXPECT_EQ(kNameLengthMax, 200u);
  EXPECT_EQ(kReasonLengthMax, 200u);
  EXPECT_EQ(kIdempotencyKeyLengthMax, 128u);
  EXPECT_TRUE(validate_text("name", std::string(200, 'n'), kNameLengthMax).has_value());
  expect_error(validate_text("name", std::string(201, 'n'), kNameLengthMax),
               ErrorCode::limit_exceeded, "name");
  EXPECT_TRUE(validate_text("idempotency_key", std::string(128, 'k'), kIdempotencyKeyLengthMax)
                  .has_value());
  expect_error(validate_text("idempotency_key", std::string(129, 'k'), kIdempotencyKeyLengthMax),
               ErrorCode::limit_exceeded, "idempotency_key");
}

TEST(ValidateText, EmptyIsInvalid) {
  expect_error(validate_text("reason", "", kReasonLengthMax), ErrorCode::invalid_argument,
               "reason");
}

TEST(ValidateText, AcceptsSpacesPunctuationAndUtf8) {
  EXPECT_TRUE(validate_text("name", "Orange juice, 1 L (pack of 6) / 橙汁", kNameLengthMax));
  EXPECT_TRUE(validate_text("name", "~!@#$%^&*()", kNameLengthMax));
}

TEST(ValidateText, LengthCountsBytesNotCharacters) {
  // "汁" is 3 bytes in UTF-8: 66 of them are 198 bytes, 67 are 201.
  std::string ok_text;
  for (int i = 0; i < 66; ++i) ok_text += "汁";
  EXPECT_EQ(ok_text.size(), 198u);
  EXPECT_TRUE(validate_text("name", ok_text, kNameLengthMax).has_value());
  expect_error(validate_text("name", ok_text + "汁", kNameLengthMax), ErrorCode::limit_exceeded,
               "name");
}

TEST(ValidateText, RejectsControlCharacters) {
  for (std::string bad : {std::string("line\nbreak"), std::string("tab\there"),
                          std::string("bell\x07"), std::string("del\x7f"), std::string("\r")}) {
    expect_error(validate_text("reason", bad, kReasonLengthMax), ErrorCode::invalid_argument,
                 "reason");
  }
  std::string with_nul("a b");
  with_nul[1] = '\0';
  expect_error(validate_text("reason", with_nul, kReasonLengthMax), ErrorCode::invalid_argument,
               "reason");
}

TEST(Error, NamesAreStableAndToStringCarriesFieldAndDetail) {
  EXPECT_EQ(error_code_name(ErrorCode::invalid_argument), "invalid_argument");
  EXPECT_EQ(error_code_name(ErrorCode::limit_exceeded), "limit_exceeded");
  EXPECT_EQ(error_code_name(ErrorCode::insufficient_stock), "insufficient_stock");
  EXPECT_EQ(error_code_name(ErrorCode::presale_exhausted), "presale_exhausted");
  EXPECT_EQ(error_code_name(ErrorCode::reservation_expired), "reservation_expired");
  EXPECT_EQ(error_code_name(ErrorCode::idempotency_conflict), "idempotency_conflict");
  EXPECT_EQ(error_code_name(ErrorCode::shutting_down), "shutting_down");
  Error error{ErrorCode::not_found, "sku", "unknown sku 1"};
  EXPECT_EQ(error.to_string(), "not_found (sku): unknown sku 1");
  EXPECT_EQ((Error{ErrorCode::busy, "", ""}).to_string(), "busy");
  auto failed = fail(ErrorCode::corruption, "event", "bad crc");
  EXPECT_EQ(failed.error().code, ErrorCode::corruption);
  EXPECT_EQ(failed.error().field, "event");
}

}  // namespace
}  // namespace livechain
