// The dashboard's static files at /ui/ (ui_assets.hpp). The files themselves are in
// the generated ui_assets_data.cpp.
#include "server/ui_assets.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "server/problem.hpp"

namespace livechain::server {

namespace {
constexpr std::string_view kUiPrefix = "/ui/";
}  // namespace

bool is_ui_path(std::string_view path) {
  return path == "/ui" || path.starts_with(kUiPrefix);
}

ApiResponse ui_answer(Method method, std::string_view path, bool has_body) {
  LC_ASSERT(is_ui_path(path));
  if (method != Method::get && method != Method::head) {
    ApiResponse response = problem(405, "method_not_allowed", "Method not allowed",
                                   "the dashboard's files are read with GET or HEAD");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (has_body) {
    return problem(415, "unsupported_media_type", "Unsupported media type",
                   "this route takes no body", "Content-Type");
  }
  if (path == "/ui") {
    // 308 keeps the method; the fragment (#token=…) stays in the browser, which
    // re-applies it to the new location (RFC 9110 §10.2.2).
    ApiResponse response{308, "text/plain; charset=utf-8", "see /ui/\n", {}};
    response.headers.emplace_back("Location", "/ui/");
    return response;
  }
  std::string_view name = path.substr(kUiPrefix.size());
  if (name.empty()) name = "index.html";
  auto assets = ui_assets();
  auto found = std::find_if(assets.begin(), assets.end(),
                            [&](const UiAsset& asset) { return asset.name == name; });
  if (found == assets.end()) {
    return problem(404, "not_found", "Not found", "no dashboard file '" + std::string(name) + "'",
                   "path");
  }
  ApiResponse response{200, std::string(found->content_type), std::string(found->body), {}};
  response.headers.emplace_back("Content-Security-Policy", std::string(kUiContentSecurityPolicy));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  // The bundle's names do not change between builds, so nothing may be cached stale.
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

}  // namespace livechain::server
