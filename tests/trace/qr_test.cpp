// tests/trace/qr_test.cpp — QR codes decode back to the URI they encode.
//
// The decoder is zbarimg (Debian zbar-tools, installed by scripts/setup.sh), run as a
// user would run it on the PNG and SVG files we write; the SVG goes through ImageMagick's
// SVG reader (librsvg2-bin). A missing zbarimg fails the test rather than skipping it.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

using test_support::run_program;

constexpr const char* kZbarimg = "/usr/bin/zbarimg";

std::string decode(const std::string& path, const std::string& dir) {
  EXPECT_EQ(access(kZbarimg, X_OK), 0) << "zbarimg missing: run scripts/setup.sh";
  auto result = run_program(kZbarimg, {"-q", "--raw", path}, dir);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string text = result.out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(Qr, PngAndSvgDecodeToTheUri) {
  test_support::TempDir dir;
  const std::string uri =
      "https://id.gs1.org/01/09506000134352/22/v1/10/A%2FB1/21/x%21y%28z%29?17=270228";
  auto matrix = encode_qr(uri);
  ASSERT_TRUE(matrix.has_value());
  EXPECT_GE(matrix->width, 21);
  EXPECT_EQ((matrix->width - 17) % 4, 0);  // versions are 21, 25, … modules wide
  auto png = qr_png(*matrix, 4);
  ASSERT_TRUE(png.has_value());
  EXPECT_EQ(png->substr(1, 3), "PNG");
  write(dir.path() + "/code.png", *png);
  EXPECT_EQ(decode(dir.path() + "/code.png", dir.path()), uri);
  std::string svg = qr_svg(*matrix);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  write(dir.path() + "/code.svg", svg);
  EXPECT_EQ(decode(dir.path() + "/code.svg", dir.path()), uri);
}

TEST(Qr, RefusesEmptyAndOversizedText) {
  EXPECT_EQ(encode_qr("").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(encode_qr(std::string(4000, 'A')).error().code, ErrorCode::limit_exceeded);
}

}  // namespace
}  // namespace livechain::trace
