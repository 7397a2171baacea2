#!/usr/bin/env bash
# A guided tour of the CLI on the embedded default: sets up, builds, and runs a short scripted
# session on a fresh database in ./livechain-data — define a catalog, receive stock,
# reserve (nearest location, bundles, idempotent retry), commit part of an order,
# let an unpaid order expire, ship a transfer, take a return — then verifies the
# tamper-evident ledger and proves one event's inclusion.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh release livechain >/dev/null
bin="$PWD/build/release/src/cli/livechain"
data="$PWD/livechain-data"
mkdir -p "$data"
db="$data/walkthrough.db"
rm -f "$db" "$db-wal" "$db-shm" "$db.lock" "$db.signing-key"

step() { printf '\n\033[1m$ livechain %s\033[0m\n' "$*"; "$bin" "$@"; }
serum=4006381333931   # GTIN-13, check digit 1
dress=10614141000415  # GTIN-14

step init --db "$db"
step sku put --db "$db" --gtin $serum --name "Hydra serum 50 ml"
step sku put --db "$db" --gtin $dress --name "Linen dress M"
step location put --db "$db" --id DC-EAST --kind dc --region east
step location put --db "$db" --id FW-SHANGHAI --kind front_warehouse --region shanghai
step location put --db "$db" --id RC-EAST --kind returns_center --region east
step region distance --db "$db" --from shanghai --to east --km 300
step channel put --db "$db" --id douyin-main --kind live_room
step stock receive --db "$db" --gtin $serum --location DC-EAST --qty 500
step stock receive --db "$db" --gtin $serum --location FW-SHANGHAI --qty 40
step stock receive --db "$db" --gtin $dress --location DC-EAST --qty 120

echo; echo "# a buyer in Shanghai: served from the front warehouse 300 km closer"
step order reserve --db "$db" --order-id A1001 --channel douyin-main --region shanghai \
  --line $serum:2 --line $dress:1 --idempotency-key A1001-try --ttl-ms 600000
echo; echo "# the platform retries the same request: same reservation, nothing reserved twice"
step order reserve --db "$db" --order-id A1001 --channel douyin-main --region shanghai \
  --line $serum:2 --line $dress:1 --idempotency-key A1001-try --ttl-ms 600000
echo; echo "# an order for more than any one location holds: all lines or none"
step order reserve --db "$db" --order-id A1002 --channel douyin-main --line $dress:1 \
  --line $serum:900 || echo "(rejected as expected, exit $?)"
echo; echo "# payment for 1 of the 2 serums: the other is released"
step order commit --db "$db" --reservation 1 --line $serum:1
echo; echo "# an unpaid order with a 300 ms TTL frees its stock by itself"
step order reserve --db "$db" --order-id A1003 --channel douyin-main --region east \
  --line $serum:5 --ttl-ms 300
sleep 0.4
step order expire --db "$db"
step order show --db "$db" --reservation 2
step transfer ship --db "$db" --gtin $serum --from DC-EAST --to FW-SHANGHAI --qty 100
step transfer receive --db "$db" --transfer 1 --qty 98
step return receive --db "$db" --gtin $dress --location RC-EAST --qty 1 --reason "size too small" \
  --order-id A1001
step return grade --db "$db" --return 1 --grade restock
step stock show --db "$db"
echo; echo "# the ledger: every event is a leaf of an RFC 6962 Merkle tree with signed heads"
step ledger verify --db "$db"
step ledger rebuild --db "$db"
step ledger root --db "$db"
echo; echo "# any partner can read one event and prove it is in the signed tree"
step ledger event --db "$db" --seq 11
step ledger prove --db "$db" --seq 11
echo
echo "Done. The database is $db; try: $bin --json stock show --db $db"
