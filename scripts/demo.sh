#!/usr/bin/env bash
# The main job on the embedded default: sets up, builds, and runs `livechain demo` on a
# fresh database in ./livechain-data — a generated brand and network, and a simulated
# mega live session replayed in compressed real time (3 hours in about 3 minutes)
# through `livechain serve` started in-process, with a live one-screen summary. Ctrl-C
# stops it cleanly. Extra arguments go to `livechain demo` (see --help), e.g.
#   scripts/demo.sh --minutes-max 30 --speed 600
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh release livechain >/dev/null
data="$PWD/livechain-data"
mkdir -p "$data"
db="$data/demo.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.lock" "$db.signing-key" "$db".apikeys* "$db".signals*
exec "$PWD/build/release/src/cli/livechain" demo --db "$db" "$@"
