#!/usr/bin/env bash
# Configures and builds one CMake preset (release, debug or asan; default release),
# optionally only the given targets: scripts/build.sh release livechain
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" --target "$@"
else
  cmake --build --preset "$preset"
fi
