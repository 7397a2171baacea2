#!/usr/bin/env bash
# Memory probe for issue 20, finding 1: 16 clients without an API key each send a
# 15 MiB NDJSON body to POST /v1/events. Prints the server's RSS before and at its peak
# and the answers they got. Before the fix the server buffered every body (+207 MiB);
# now it refuses from the head (401) and reads nothing.
# Usage: bench/http/keyless_upload_probe.sh [path/to/livechain]
set -euo pipefail
binary="${1:-build/release/src/cli/livechain}"
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$binary" init --db "$work/p.db" >/dev/null
"$binary" serve --db "$work/p.db" --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/serve.out" | head -1)"
/usr/bin/python3 - "$server_pid" "$port" <<'PY'
import socket, sys, threading, time
pid, port = int(sys.argv[1]), int(sys.argv[2])
def rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024
line = b'{"type":"viewers","session":"s","at_ms":1,"viewers":1}\n'
body = line * (15 * 1024 * 1024 // len(line))
answers = []
def upload():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    try:
        s.sendall(body)
    except OSError:
        pass
    try:
        answers.append(s.recv(200).split(b"\r\n")[0].decode())
    except OSError as error:
        answers.append(repr(error))
    s.close()
before = peak = rss_mib()
threads = [threading.Thread(target=upload) for _ in range(16)]
for t in threads:
    t.start()
while any(t.is_alive() for t in threads):
    peak = max(peak, rss_mib())
    time.sleep(0.05)
print(f"server RSS before {before} MiB, peak {peak} MiB (+{peak - before} MiB) "
      f"during 16 keyless 15 MiB NDJSON uploads; answers: {sorted(set(answers))}")
PY
