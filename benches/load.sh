#!/usr/bin/env bash
# Load test of the daemon on loopback: requests/s and latency percentiles of cached
# /v1/parse and /v1/symbols for a ~1 000-line Python file, plus one uncached parse for the
# miss/hit ratio. Bounded in time (DURATION per run). Needs wrk (apt-get install wrk).
#
#   SYNTAXD=target/release/syntaxd benches/load.sh          # uses `$SYNTAXD serve`
#   SERVE_CMD="target/release/syntaxd serve --log-format json" benches/load.sh  # any serve command
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
SERVE=${SERVE_CMD:-"${SYNTAXD:-target/release/syntaxd} serve"}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# ~1 000 lines of Python.
python3 - "$work" <<'PY'
import json, sys
lines = ["import os", ""]
i = 0
while len(lines) < 1000:
    lines += [f"class C{i}:", f"    def method_{i}(self, x):", f"        return x + {i}", "", "",
              f"def func_{i}(a, b):", "    total = a * b", "    for k in range(10):",
              "        total += k", "    return total", "", ""]
    i += 1
src = "\n".join(lines) + "\n"
d = sys.argv[1]
json.dump({"content": src, "language": "python"}, open(f"{d}/parse.json", "w"))
json.dump({"content": src, "language": "python"}, open(f"{d}/symbols.json", "w"))
print(f"source: {len(lines)} lines, {len(src)} bytes", file=sys.stderr)
PY

export SYNTAXD_LOG_LEVEL=warn SYNTAXD_SERVER_MAX_CONCURRENT_REQUESTS=256
$SERVE --listen 127.0.0.1:0 --cache-dir "$work/cache" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$work/out" | head -1)
[ -n "$url" ] || { cat "$work/err" >&2; exit 1; }

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("BODY")):read("a")
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"errors\": %d, \"non_2xx\": %d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA

# One miss, then the same request again (hot), timed from the response's own figures.
miss=$(curl -s -X POST -H 'content-type: application/json' --data-binary @"$work/parse.json" "$url/v1/parse" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["cache"], v["stats"]["analyze_ms"])')
hit=$(curl -s -X POST -H 'content-type: application/json' --data-binary @"$work/parse.json" "$url/v1/parse" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["cache"], v["stats"]["analyze_ms"])')
echo "first request: $miss ms; second: $hit ms (analysis time inside the daemon)"
curl -s -X POST -H 'content-type: application/json' --data-binary @"$work/symbols.json" "$url/v1/symbols" >/dev/null

for endpoint in parse symbols; do
  echo "== cached /v1/$endpoint, $DURATION, $CONNECTIONS connections"
  BODY="$work/$endpoint.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/post.lua" "$url/v1/$endpoint" | grep -E "JSON|Requests/sec|Latency|50%|99%"
done
echo "== /healthz"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url/healthz" | grep -E "Requests/sec|50%|99%"
