#!/usr/bin/env bash
# bench/forecast/run.sh — livechain's forecasters against R's forecast::ets and thetaf
# on the same series: M3 monthly (sMAPE) and Dominick's orange juice (WAPE), accuracy
# and wall time side by side as ratios. Target: better accuracy than forecast::ets at
# ≥ 50× less time.
#
# Usage: bench/forecast/run.sh [DATA_DIR] [OUT_DIR]
#   DATA_DIR  shared data folder (default ../shared/data, read in place)
#   OUT_DIR   scratch output (default a fresh mktemp -d folder)
# Environment: M3_EVERY=k scores every k-th M3 monthly series in R (default 4: 357
#   series; 1 = all 1,428, about 15–25 min of R), LIVECHAIN=path to the binary (default
#   build/release/src/cli/livechain, built when missing), BENCH_TIMEOUT_S bounds the R
#   part (default 1800 s).
# Both sides run on one core: livechain with --threads 1, R sequentially. livechain's
# seconds are its fits and forecasts over every M3 monthly series, scaled per series;
# R's are measured on the scored subset, scaled the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA_DIR=${1:-../shared/data}
OUT_DIR=${2:-$(mktemp -d /tmp/livechain-bench-forecast.XXXXXX)}
M3_EVERY=${M3_EVERY:-4}
BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-1800}
LIVECHAIN=${LIVECHAIN:-build/release/src/cli/livechain}

if ! Rscript -e 'suppressMessages(library(forecast))' >/dev/null 2>&1; then
  echo "installing r-cran-forecast (Debian) …" >&2
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends r-cran-forecast
fi
if [ ! -x "$LIVECHAIN" ]; then
  cmake --preset release >/dev/null && cmake --build --preset release -j2 --target livechain
fi
mkdir -p "$OUT_DIR"
echo "OUT=$OUT_DIR  M3_EVERY=$M3_EVERY" >&2

start=$(date +%s%N)
"$LIVECHAIN" forecast evaluate --suite m3 --category MONTHLY --intervals 0 --threads 1 \
  --data "$DATA_DIR" --out "$OUT_DIR/m3" >/dev/null
"$LIVECHAIN" forecast evaluate --suite dominicks --data "$DATA_DIR" --out "$OUT_DIR/dominicks" \
  >/dev/null 2>&1
lc_wall=$(( ($(date +%s%N) - start) / 1000000 ))  # ms

start=$(date +%s%N)
timeout "$BENCH_TIMEOUT_S" Rscript bench/forecast/r_baseline.R "$DATA_DIR" "$OUT_DIR" "$M3_EVERY" \
  "$OUT_DIR/r_baseline.csv"
r_wall=$(( ($(date +%s%N) - start) / 1000000 ))  # ms

# One table: livechain rows from results.csv, R rows from r_baseline.csv.
awk -F, -v every="$M3_EVERY" -v lc_wall="$lc_wall" -v r_wall="$r_wall" '
  FNR == 1 { file++; next }
  file == 1 && $1 == "m3-monthly" { lc_sec[$3] = $11; n_m3 = $9 }
  file == 2 && $1 == "dominicks" && $2 == "oj-all" { dom_wape[$3] = $7; dom_sec[$3] = $11 }
  file == 3 { r_val[$1 "," $2] = $4; r_series[$1 "," $2] = $5; r_sec[$1 "," $2] = $6
              if ($1 == "m3-monthly" && $2 == "livechain") lc_m3 = $4 }
  END {
    ets_sec_per = r_sec["m3-monthly,R-ets"] / r_series["m3-monthly,R-ets"]
    ets_acc = r_val["m3-monthly,R-ets"]
    printf "M3 monthly, %d of %d series (every %d-th), sMAPE, one core\n", r_series["m3-monthly,R-ets"], n_m3, every
    printf "%-22s %8s %14s %12s %12s\n", "method", "sMAPE", "ms/series", "acc vs ets", "speed vs ets"
    printf "%-22s %8.3f %14.1f %12.3f %12s\n", "R forecast::ets", ets_acc, 1000 * ets_sec_per, 1, "1x"
    th = r_sec["m3-monthly,R-thetaf"] / r_series["m3-monthly,R-thetaf"]
    printf "%-22s %8.3f %14.1f %12.3f %11.0fx\n", "R thetaf", r_val["m3-monthly,R-thetaf"], 1000 * th, r_val["m3-monthly,R-thetaf"] / ets_acc, ets_sec_per / th
    lc = lc_sec["livechain"] / n_m3
    printf "%-22s %8.3f %14.1f %12.3f %11.0fx\n", "livechain", lc_m3, 1000 * lc, lc_m3 / ets_acc, ets_sec_per / lc
    le = lc_sec["ets"] / n_m3
    printf "%-22s %8s %14.1f %12s %11.0fx\n", "livechain ets (alone)", "-", 1000 * le, "-", ets_sec_per / le
    printf "\nDominick'"'"'s OJ, weeks 148-160 from origin 147, WAPE (%d points)\n", r_series["dominicks,R-ets"]
    printf "%-26s %8s %10s %12s %12s\n", "method", "WAPE", "seconds", "acc vs ets", "speed vs ets"
    de = r_val["dominicks,R-ets"]; ds = r_sec["dominicks,R-ets"]
    printf "%-26s %8.3f %10.2f %12.3f %12s\n", "R forecast::ets", de, ds, 1, "1x"
    printf "%-26s %8.3f %10.2f %12.3f %11.0fx\n", "R thetaf", r_val["dominicks,R-thetaf"], r_sec["dominicks,R-thetaf"], r_val["dominicks,R-thetaf"] / de, ds / r_sec["dominicks,R-thetaf"]
    for (m in dom_wape) if (m ~ /^livechain/) printf "%-26s %8.3f %10.2f %12.3f %11.0fx\n", m, dom_wape[m], dom_sec[m], dom_wape[m] / de, ds / (dom_sec[m] > 0 ? dom_sec[m] : 1e-3)
    printf "\nwall: livechain %.1f s (both suites, all series, incl. reading data), R %.1f s\n", lc_wall / 1000, r_wall / 1000
  }' "$OUT_DIR/m3/results.csv" "$OUT_DIR/dominicks/results.csv" "$OUT_DIR/r_baseline.csv"
