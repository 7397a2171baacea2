// src/trace/qr.cpp — QR codes with libqrencode, written as PNG (libpng) or SVG.
#include <png.h>
#include <qrencode.h>

#include <fmt/format.h>

#include <cerrno>
#include <memory>

#include "core/assert.hpp"
#include "trace/trace.hpp"

namespace livechain::trace {
namespace {

struct QrCodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

bool module_dark(const QrMatrix& matrix, int x, int y) {
  return matrix
      .dark[static_cast<size_t>(y) * static_cast<size_t>(matrix.width) + static_cast<size_t>(x)];
}

// libpng reports errors through longjmp; the write callback only appends to a string,
// so nothing it could fail on needs unwinding.
void append_png_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void flush_nothing(png_structp) {}

}  // namespace

Result<QrMatrix> encode_qr(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "uri", "nothing to encode");
  // QRcode_encodeData takes a length, so the text need not be NUL-terminated.
  std::unique_ptr<QRcode, QrCodeFree> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code) {
    return fail(ErrorCode::limit_exceeded, "uri",
                fmt::format("{} bytes do not fit in a QR code at level M", text.size()));
  }
  LC_ASSERT(code->width >= 21 && code->width <= kQrModulesMax);
  QrMatrix matrix;
  matrix.width = code->width;
  const size_t cells = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  matrix.dark.resize(cells);
  for (size_t i = 0; i < cells; ++i) matrix.dark[i] = (code->data[i] & 1) != 0;
  return matrix;
}

Result<std::string> qr_png(const QrMatrix& matrix, int scale) {
  LC_ASSERT(scale >= 1 && scale <= kQrScaleMax);
  LC_ASSERT(matrix.width > 0 && matrix.dark.size() == static_cast<size_t>(matrix.width) *
                                                          static_cast<size_t>(matrix.width));
  const int modules = matrix.width + 2 * kQrQuietZoneModules;
  const int pixels = modules * scale;
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return fail(ErrorCode::io_error, "png", "libpng could not start");
  png_infop info = png_create_info_struct(png);
  std::vector<png_byte> row(static_cast<size_t>(pixels));
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return fail(ErrorCode::io_error, "png", "libpng failed to write the image");
  }
  png_set_write_fn(png, &out, append_png_bytes, flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(pixels), static_cast<png_uint_32>(pixels), 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < pixels; ++y) {
    const int my = y / scale - kQrQuietZoneModules;
    for (int x = 0; x < pixels; ++x) {
      const int mx = x / scale - kQrQuietZoneModules;
      const bool inside = mx >= 0 && my >= 0 && mx < matrix.width && my < matrix.width;
      row[static_cast<size_t>(x)] = inside && module_dark(matrix, mx, my) ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  LC_ASSERT(out.size() > 8);
  return out;
}

std::string qr_svg(const QrMatrix& matrix) {
  LC_ASSERT(matrix.width > 0);
  const int modules = matrix.width + 2 * kQrQuietZoneModules;
  std::string path;
  for (int y = 0; y < matrix.width; ++y) {
    for (int x = 0; x < matrix.width;) {
      if (!module_dark(matrix, x, y)) {
        ++x;
        continue;
      }
      int run = 1;  // one horizontal run of dark modules per path command
      while (x + run < matrix.width && module_dark(matrix, x + run, y)) ++run;
      path += fmt::format("M{} {}h{}v1h-{}z", x + kQrQuietZoneModules, y + kQrQuietZoneModules, run,
                          run);
      x += run;
    }
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" width=\"{1}\" "
      "height=\"{1}\" shape-rendering=\"crispEdges\">\n"
      "<rect width=\"{0}\" height=\"{0}\" fill=\"#fff\"/>\n"
      "<path fill=\"#000\" d=\"{2}\"/>\n"
      "</svg>\n",
      modules, modules * 8, path);
}

}  // namespace livechain::trace
