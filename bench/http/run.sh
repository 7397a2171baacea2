#!/usr/bin/env bash
# bench/http/run.sh — the reserve workload against livechain (HTTP), Redis (Lua via EVALSHA,
# AOF everysec and always) and PostgreSQL (conditional UPDATE, synchronous_commit on), all
# on 127.0.0.1, all driven by the same client (bench/http/load_client.cpp), one table out.
#
#   bench/http/run.sh [--seconds S] [--warmup-seconds W] [--connections N]
#                     [--only livechain|redis|postgres] [--batch B] [--seed N]
#                     [--livechain PATH] [--keep-logs DIR]
#
# Installs what is missing with apt, builds livechain (release) and the client, starts
# every server itself on free ports under one temporary directory, and on exit (normal,
# error or Ctrl-C) stops exactly the processes it started, by PID, and removes the
# directory. Nothing else on the machine is touched.
set -euo pipefail

seconds=10
warmup_seconds=2
connections=50
batch=16
only=""
seed=""
livechain_bin=""
keep_logs=""

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --warmup-seconds) warmup_seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --livechain) livechain_bin="$2"; shift 2 ;;
    --keep-logs) keep_logs="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$only" in ""|livechain|redis|postgres) ;; *) echo "run.sh: --only livechain|redis|postgres" >&2; exit 2 ;; esac
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }
seed="${seed:-$(date +%s)}"

repo="$(cd "$(dirname "$0")/../.." && pwd)"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------------------------------
# Packages (apt, only what is missing)

missing=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || missing+=("$1"); }
for pkg in g++ cmake ninja-build pkg-config libboost1.81-dev libboost-json1.81-dev libcli11-dev libpq-dev; do
  need_pkg "$pkg"
done
wants redis && need_pkg redis-server
wants postgres && need_pkg postgresql
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: missing packages (install as root): ${missing[*]}" >&2
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------------------------------
# Build

client_build="$repo/build/h-bench"
log "building the load client in $client_build"
cmake -S "$repo/bench/http" -B "$client_build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$client_build" -j2 >/dev/null
client="$client_build/livechain_load_client"

if wants livechain && [ -z "$livechain_bin" ]; then
  log "building livechain (release)"
  "$repo/scripts/build.sh" release livechain >/dev/null
  livechain_bin="$repo/build/release/src/cli/livechain"
fi

pg_bin=""
if wants postgres; then
  pg_bin="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  [ -x "$pg_bin/initdb" ] || { echo "run.sh: PostgreSQL server binaries not found" >&2; exit 1; }
fi

# ---------------------------------------------------------------------------------------
# Processes we start, and their cleanup

tmp="$(mktemp -d /tmp/livechain-bench.XXXXXX)"
chmod 711 "$tmp"  # the PostgreSQL server user must reach its data directory inside
mkdir -p "$tmp/logs"
started_pids=()
client_pid=""
pg_data=""
pg_user=""

as_pg_user() {
  if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

# Stops one PID we started: SIGTERM (livechain drains and commits; Redis and PostgreSQL
# shut down cleanly), then SIGKILL after 15 s.
stop_pid() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "PID $pid ignored SIGTERM for 15 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$client_pid" ]; then stop_pid "$client_pid"; fi
  for pid in "${started_pids[@]}"; do stop_pid "$pid"; done
  if [ -n "$keep_logs" ]; then
    mkdir -p "$keep_logs" && cp -r "$tmp/logs/." "$keep_logs/" && log "logs kept in $keep_logs"
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Sets free_port to a free TCP port on 127.0.0.1: random in 20000..59999, nothing
# listening, not handed out before (no subshell, so the list of handed-out ports sticks).
used_ports=" "
free_port=""
pick_free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    case "$used_ports" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+="$port "
      free_port="$port"
      return 0
    fi
  done
  echo "run.sh: no free port found" >&2
  return 1
}

# Waits until something accepts TCP connections on the port, while PID lives (30 s).
wait_port() {
  local port="$1" pid="$2" what="$3"
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: $what exited during start-up" >&2; return 1; }
    sleep 0.1
  done
  echo "run.sh: $what did not listen on $port within 30 s" >&2
  return 1
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  log "warning: load average is $load_before before starting; the machine is not idle"
fi

# Waits until GET /readyz answers 200 (the port may open before the engine is ready).
wait_ready() {
  local port="$1" pid="$2"
  local status_line
  for _ in $(seq 300); do
    status_line="$( (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
      printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
      read -r -t 2 line <&3 && echo "$line") 2>/dev/null || true)"
    case "$status_line" in "HTTP/1."?" 200"*) return 0 ;; esac
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: livechain serve exited during start-up" >&2; return 1; }
    sleep 0.1
  done
  echo "run.sh: livechain /readyz did not answer 200 within 30 s (last: $status_line)" >&2
  return 1
}

results="$tmp/results.csv"
: >"$results"
details="$tmp/details.txt"
: >"$details"

# run_load NAME ARGS...: one measured run; its CSV line goes to results, its diagnostics
# (seed, p99.9, max, failures by kind, per-second timeline) to the log and details.
run_load() {
  local name="$1"
  shift
  local log_file="$tmp/logs/$name.log"
  log "run $name (${warmup_seconds} s warm-up + ${seconds} s)"
  # In the background and waited for, so that a signal to this script is handled at
  # once (bash defers traps while a foreground child runs) and cleanup can stop it.
  "$client" --connections "$connections" --seconds "$seconds" \
    --warmup-seconds "$warmup_seconds" --batch "$batch" --seed "$seed" "$@" \
    >>"$results" 2>"$log_file" &
  client_pid=$!
  local client_status=0
  wait "$client_pid" || client_status=$?
  client_pid=""
  if [ "$client_status" -ne 0 ]; then
    cat "$log_file" >&2
    echo "run.sh: load client failed in $name" >&2
    return 1
  fi
  grep -E '^# (livechain|redis|postgres) |^# failures by kind' "$log_file" | sed 's/^# //' >>"$details" || true
}

run_matrix() {
  local tag="$1"
  shift
  for workload in hot spread; do
    for mode in single batch; do
      run_load "$tag-$workload-$mode" --workload "$workload" --mode "$mode" "$@"
    done
  done
}

# ---------------------------------------------------------------------------------------
# livechain: a fresh database per workload, so each measured run starts from the same
# state (and the pending-reservation count of one run does not carry into the next).

run_livechain_workload() {
  local workload="$1"
  local dir="$tmp/livechain-$workload"
  mkdir -p "$dir"
  "$livechain_bin" init --db "$dir/db" >"$tmp/logs/livechain-$workload-init.log" 2>&1
  local key
  key="$("$livechain_bin" apikey create --role admin --db "$dir/db" 2>>"$tmp/logs/livechain-$workload-init.log" | tail -n1)"
  [ -n "$key" ] || { echo "run.sh: livechain apikey create printed no key" >&2; return 1; }
  pick_free_port
  local port="$free_port"
  "$livechain_bin" serve --db "$dir/db" --listen "127.0.0.1:$port" \
    >"$tmp/logs/livechain-$workload-serve.log" 2>&1 &
  local pid=$!
  started_pids+=("$pid")
  wait_port "$port" "$pid" "livechain serve"
  wait_ready "$port" "$pid"
  log "livechain serve PID $pid on 127.0.0.1:$port; loading catalog and stock"
  "$client" --backend http --port "$port" --api-key "$key" --setup --seed "$seed" \
    2>"$tmp/logs/livechain-$workload-setup.log" ||
    { cat "$tmp/logs/livechain-$workload-setup.log" >&2; return 1; }
  for mode in single batch; do
    run_load "livechain-$workload-$mode" --backend http --port "$port" --api-key "$key" \
      --system livechain --durability fsync --workload "$workload" --mode "$mode"
    # The latency target is p99 <= 5 ms at 80% of the peak just measured: the same run,
    # paced at that rate (latency from each request's scheduled start).
    local peak
    peak="$(tail -n1 "$results" | cut -d, -f5)"
    if [ "${peak:-0}" -gt 0 ]; then
      run_load "livechain-$workload-$mode-80pct" --backend http --port "$port" --api-key "$key" \
        --system livechain --durability fsync --workload "$workload" --mode "$mode" \
        --rate $((peak * 8 / 10))
    fi
  done
  stop_pid "$pid"
}

if wants livechain; then
  run_livechain_workload hot
  run_livechain_workload spread
fi

# ---------------------------------------------------------------------------------------
# Redis: our own server per fsync policy, AOF on, RDB snapshots off.

run_redis() {
  local policy="$1"
  local dir="$tmp/redis-$policy"
  mkdir -p "$dir"
  pick_free_port
  local port="$free_port"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" \
    --appendonly yes --appendfsync "$policy" --protected-mode yes --daemonize no \
    --logfile "$tmp/logs/redis-$policy-server.log" &
  local pid=$!
  started_pids+=("$pid")
  wait_port "$port" "$pid" "redis-server"
  log "redis-server ($policy) PID $pid on 127.0.0.1:$port"
  "$client" --backend redis --port "$port" --setup --seed "$seed" 2>"$tmp/logs/redis-$policy-setup.log" ||
    { cat "$tmp/logs/redis-$policy-setup.log" >&2; return 1; }
  run_matrix "redis-$policy" --backend redis --port "$port" --system redis --durability "aof-$policy"
  stop_pid "$pid"
}

if wants redis; then
  run_redis everysec
  run_redis always
fi

# ---------------------------------------------------------------------------------------
# PostgreSQL: our own cluster in the temp dir (as user postgres when we are root, since
# the server refuses to run as root), TCP on 127.0.0.1 like the others.

if wants postgres; then
  pg_data="$tmp/pg/data"
  mkdir -p "$tmp/pg"
  if [ "$(id -u)" -eq 0 ]; then
    pg_user=postgres
    id "$pg_user" >/dev/null 2>&1 || { echo "run.sh: no 'postgres' user to run the server as" >&2; exit 1; }
    chown "$pg_user" "$tmp/pg"
  fi
  as_pg_user "$pg_bin/initdb" -D "$pg_data" --auth=trust -U bench -E UTF8 --no-instructions \
    >"$tmp/logs/postgres-initdb.log" 2>&1
  pick_free_port
  pg_port="$free_port"
  # Durable (fsync, synchronous_commit on) and given room: WAL big enough that no
  # checkpoint falls inside a run, enough connections, a modest buffer pool.
  as_pg_user "$pg_bin/pg_ctl" -D "$pg_data" -l "$tmp/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$tmp/pg \
        -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=200 \
        -c shared_buffers=256MB -c max_wal_size=8GB -c checkpoint_timeout=30min" \
    start >"$tmp/logs/postgres-pg_ctl.log" 2>&1 ||
    { cat "$tmp/logs/postgres-pg_ctl.log" "$tmp/pg/server.log" >&2; exit 1; }
  pg_pid="$(head -n1 "$pg_data/postmaster.pid")"
  started_pids+=("$pg_pid")
  log "postgres PID $pg_pid on 127.0.0.1:$pg_port"
  pg_conninfo="host=127.0.0.1 port=$pg_port user=bench dbname=postgres"
  "$client" --backend postgres --pg "$pg_conninfo" --setup --seed "$seed" \
    2>"$tmp/logs/postgres-setup.log" || { cat "$tmp/logs/postgres-setup.log" >&2; exit 1; }
  run_matrix postgres --backend postgres --pg "$pg_conninfo" --system postgres --durability sync_commit
  stop_pid "$pg_pid"
fi

# ---------------------------------------------------------------------------------------
# The table: every run, and on each peer row livechain's ratio (its ops/s on the same
# workload and mode divided by the peer's) against the issue's target.

echo
printf 'load average before the runs: %s (other work on these cores lowers every figure)\n' "$load_before"
printf 'reserve benchmark on 127.0.0.1: %s connections, one request in flight each, batch %s, %s s measured after %s s warm-up, seed %s, %s cores\n' \
  "$connections" "$batch" "$seconds" "$warmup_seconds" "$seed" "$(nproc)"
awk -F, '
  { row[NR] = $0; if ($1 == "livechain") lc[$3 "," $4] = $5 }
  END {
    fmt = "%-10s %-12s %-8s %-13s %10s %9s %9s %8s %12s %-13s\n"
    printf fmt, "system", "durability", "workload", "mode", "ops/s", "p50_ms", "p99_ms", "errors", "livechain_x", "target"
    for (i = 1; i <= NR; ++i) {
      split(row[i], f, ",")
      ratio = "-"; target = "-"
      key = f[3] "," f[4]
      if (f[1] != "livechain" && (key in lc) && f[5] > 0) ratio = sprintf("%.2f", lc[key] / f[5])
      if (f[2] == "aof-always") target = ">= 2"
      else if (f[2] == "aof-everysec") target = ">= 1"
      else if (f[1] == "postgres" && f[3] == "hot") target = ">= 20"
      else if (f[4] ~ /@/) target = "p99<=5ms" ((f[7] + 0 <= 5) ? " ok" : " MISS")
      if (ratio != "-" && target ~ /^>=/) {
        want = substr(target, 4) + 0
        target = target ((ratio + 0 >= want) ? " ok" : " MISS")
      }
      printf fmt, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], ratio, target
    }
  }' "$results"
echo
echo "per run: p99.9, max and failures by kind (latency is per request; a batch request carries $batch reservations)"
sed 's/^/  /' "$details"
