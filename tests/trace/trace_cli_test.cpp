// tests/trace/trace_cli_test.cpp — the real `livechain trace …` commands: exit codes,
// the exact JSON shapes of issue 12 §1, and QR files decoded by zbarimg.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using livechain::test_support::run_program;
using livechain::test_support::RunResult;

RunResult run(const std::vector<std::string>& args, const livechain::test_support::TempDir& dir) {
  return run_program(LIVECHAIN_BINARY, args, dir.path());
}

TEST(TraceCli, GtinCheck) {
  livechain::test_support::TempDir dir;
  EXPECT_EQ(run({"trace", "gtin", "check", "4006381333931"}, dir).exit_code, 0);
  auto json = run({"--json", "trace", "gtin", "check", "12345670"}, dir);
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_EQ(json.out, "{\"gtin14\":\"00000012345670\"}\n");
  auto bad = run({"trace", "gtin", "check", "4006381333932"}, dir);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("expected 1"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"trace", "gtin", "check", "12345"}, dir).exit_code, 1);
}

TEST(TraceCli, DlParseShape) {
  livechain::test_support::TempDir dir;
  auto result = run({"--json", "trace", "dl", "parse", "--current-year", "2026",
                     "https://shop.example/01/9506000134352/22/v2/10/L%2F7/21/S1?17=280200"},
                    dir);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"parsed\":{\"01\":\"09506000134352\",\"22\":\"v2\",\"10\":\"L/7\",\"21\":\"S1\","
            "\"17\":\"280200\",\"17_date\":\"2028-02-29\"}}\n");
  auto minimal =
      run({"--json", "trace", "dl", "parse", "https://id.gs1.org/01/09506000134352"}, dir);
  EXPECT_EQ(minimal.out, "{\"parsed\":{\"01\":\"09506000134352\"}}\n");
}

TEST(TraceCli, DlParseFailsWithReason) {
  livechain::test_support::TempDir dir;
  auto order =
      run({"--json", "trace", "dl", "parse", "https://x.y/01/09506000134352/21/1/10/A"}, dir);
  EXPECT_EQ(order.exit_code, 1);
  EXPECT_NE(order.err.find("order 22, 10, 21"), std::string::npos) << order.err;
  auto date = run({"trace", "dl", "parse", "https://x.y/01/09506000134352?17=270230"}, dir);
  EXPECT_EQ(date.exit_code, 1);
  EXPECT_NE(date.err.find("(17)"), std::string::npos) << date.err;
}

TEST(TraceCli, DlMakeParseAndQrRoundTrip) {
  livechain::test_support::TempDir dir;
  auto made = run({"trace", "dl", "make", "--gtin", "9506000134352", "--lot", "B/42", "--serial",
                   "0001", "--expiry", "2027-06-30", "--current-year", "2026"},
                  dir);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string uri = "https://id.gs1.org/01/09506000134352/10/B%2F42/21/0001?17=270630";
  EXPECT_EQ(made.out, uri + "\n");
  auto parsed = run({"--json", "trace", "dl", "parse", uri}, dir);
  EXPECT_NE(parsed.out.find("\"10\":\"B/42\""), std::string::npos);
  const std::string png = dir.path() + "/u.png";
  const std::string svg = dir.path() + "/u.svg";
  auto qr = run({"trace", "dl", "qr", uri, "--png", png, "--svg", svg}, dir);
  ASSERT_EQ(qr.exit_code, 0) << qr.err;
  for (const std::string& file : {png, svg}) {
    auto decoded = run_program("/usr/bin/zbarimg", {"-q", "--raw", file}, dir.path());
    EXPECT_EQ(decoded.out, uri + "\n") << file << ": " << decoded.err;
  }
  // A non-conforming URI gets no QR code; no file argument is a usage error.
  EXPECT_EQ(run({"trace", "dl", "qr", "https://x.y/01/1", "--png", png}, dir).exit_code, 1);
  EXPECT_EQ(run({"trace", "dl", "qr", uri}, dir).exit_code, 2);
  EXPECT_EQ(run({"trace", "dl", "make", "--gtin", "9506000134352", "--lot", "a b"}, dir).exit_code,
            1);
}

}  // namespace
