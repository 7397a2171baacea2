# Writes OUTPUT: a C++ source defining ui_assets() with every file of the bundle
# directory INPUT_DIR (index.html, app.js, app.css, favicon.svg), each as a raw string.
# With INPUT_DIR empty (-DLIVECHAIN_WEB=OFF) it embeds one index.html saying so.
set(delimiter "lc_ui_")
set(entries "")
set(bodies "")
set(index 0)
if(INPUT_DIR)
  file(GLOB names RELATIVE ${INPUT_DIR} ${INPUT_DIR}/*)
  list(SORT names)
else()
  set(names "index.html")
endif()
foreach(name IN LISTS names)
  if(INPUT_DIR)
    file(READ ${INPUT_DIR}/${name} text)
  else()
    set(text "<!doctype html><html lang=en><meta charset=utf-8><title>livechain</title><p>This server was built without the dashboard (-DLIVECHAIN_WEB=OFF). Build with node and npm installed (scripts/setup.sh) to get it.</p>\n")
  endif()
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter )${delimiter}\"")
  endif()
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.svg$")
    set(type "image/svg+xml")
  elseif(name MATCHES "\\.json$")
    set(type "application/json")
  else()
    message(FATAL_ERROR "embed_web.cmake: no Content-Type for ${name}; add its extension")
  endif()
  # Raw strings are split in pieces under 60,000 bytes (compilers cap one literal).
  string(LENGTH "${text}" length)
  set(pieces "")
  set(offset 0)
  while(offset LESS length)
    string(SUBSTRING "${text}" ${offset} 60000 piece)
    string(APPEND pieces "R\"${delimiter}(${piece})${delimiter}\"\n")
    math(EXPR offset "${offset} + 60000")
  endwhile()
  string(APPEND bodies "constexpr char kAsset${index}[] =\n${pieces};\n")
  string(APPEND entries "    {\"${name}\", \"${type}\", {kAsset${index}, sizeof(kAsset${index}) - 1}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUTPUT}.tmp "// Generated from the dashboard bundle by src/server/embed_web.cmake. Do not edit.
#include \"server/ui_assets.hpp\"

namespace livechain::server {
namespace {
${bodies}
constexpr UiAsset kAssets[] = {
${entries}};
}  // namespace

std::span<const UiAsset> ui_assets() { return kAssets; }
}  // namespace livechain::server
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
