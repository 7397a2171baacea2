#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build/fuzz) and runs each for SECONDS
# (default 60) from the seed corpora in fuzz/corpus, in a scratch copy so the repo is
# never written. Exits non-zero on any crash, leak or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLIVECHAIN_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build/fuzz -j2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in request bulk dl epcis; do
  mkdir -p "$work/$target"
  if [ "$target" = epcis ]; then
    # GS1's example documents, read in place (never copied into the repository).
    data="${LIVECHAIN_SHARED_DATA_DIR:-../shared/data}/epcis"
    cp "$data"/*.jsonld "$work/$target/" 2>/dev/null || echo '{}' >"$work/$target/empty"
  else
    cp fuzz/corpus/"$target"/* "$work/$target/"
  fi
  echo "== fuzz: ${target}_fuzzer for ${seconds}s =="
  build/fuzz/fuzz/"${target}"_fuzzer -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$work/" "$work/$target" 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==|SUMMARY|ERROR)" || true
  # libFuzzer exits non-zero and leaves crash-* / leak-* files when it finds a bug.
  if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
    echo "fuzz: ${target}_fuzzer found a failing input:" >&2
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null >&2
    exit 1
  fi
done
echo "fuzz: no crash"
