// src/server/ui_assets.hpp — internal: the dashboard's static files (web/, bundled at
// build time and embedded into the binary), served at /ui/ with no key: the page asks
// for a key and sends it on every API call. docs/dashboard.md.
#pragma once

#include <span>
#include <string_view>

#include "server/api_types.hpp"

namespace livechain::server {

// One embedded file. `name` is relative to /ui/ ("index.html", "app.js").
struct UiAsset {
  std::string_view name;
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file (generated from the bundle by src/server/embed_web.cmake; with
// -DLIVECHAIN_WEB=OFF only an index.html that says the dashboard was not built).
std::span<const UiAsset> ui_assets();

// The Content-Security-Policy of every /ui/ answer: scripts, styles, images and
// connections from this origin only; no frames, no plugins, no inline code.
inline constexpr std::string_view kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Whether PATH is the dashboard's: "/ui" or anything under "/ui/".
bool is_ui_path(std::string_view path);

// The answer for a dashboard path (REQUIRES: is_ui_path(path)): "/ui" → 308 to "/ui/";
// "/ui/" → index.html; "/ui/<name>" → that file with its Content-Type, the CSP above,
// nosniff and no-referrer; an unknown name → 404 problem; a method other than GET or
// HEAD → 405 (Allow: GET, HEAD); a body → 415. HEAD gets GET's headers (the transport
// drops the body).
ApiResponse ui_answer(Method method, std::string_view path, bool has_body);

}  // namespace livechain::server
