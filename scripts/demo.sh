#!/usr/bin/env bash
# The main job on the embedded default: sets up, builds, and runs `livechain demo` on a
# fresh database in ./livechain-data — a generated brand and network, and a simulated
# mega live session replayed in compressed real time (3 hours in about 3 minutes)
# through `livechain serve` started in-process, with a live one-screen summary. The
# screen shows the web dashboard's URL (ui  http://127.0.0.1:PORT/ui/#token=KEY) from
# the start; after the session the server stays up for the dashboard until Ctrl-C
# (Ctrl-C during the session stops it cleanly). The commands printed at the end name
# the binary by its absolute path, so they work when pasted. Extra arguments go to
# `livechain demo` (see --help), e.g.
#   scripts/demo.sh --minutes-max 30 --speed 600
# LIVECHAIN_DEMO_LISTEN=127.0.0.1:8080 fixes the port (default: any free one).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh release livechain >/dev/null
data="$PWD/livechain-data"
mkdir -p "$data"
db="$data/demo.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.lock" "$db.signing-key" "$db".apikeys* "$db".signals*
bin="$PWD/build/release/src/cli/livechain"
echo "demo: livechain is $bin"
exec "$bin" demo --db "$db" --listen "${LIVECHAIN_DEMO_LISTEN:-127.0.0.1:0}" --serve-after "$@"
