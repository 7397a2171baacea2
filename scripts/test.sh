#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite twice: an optimised build and the
# ASan+UBSan build, then fuzzes the request parsers for a bounded time. Exits
# non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for preset in release asan; do
  echo "== tests: $preset preset =="
  scripts/build.sh "$preset"
  ctest --preset "$preset" -j2
done
# Request parsing and NDJSON/CSV ingest under libFuzzer, bounded in time.
scripts/fuzz.sh "${LIVECHAIN_FUZZ_SECONDS:-45}"

