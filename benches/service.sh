#!/usr/bin/env bash
# Service benchmark of the release daemon on loopback (issue 10's table), printed as ONE JSON
# document on stdout (progress on stderr):
#   - start to /readyz 200 and idle RSS (median of REPS starts, all compiled-in grammars);
#   - cached POST /v1/parse (format none), /v1/symbols and /v1/query of a ~1 100-line Python
#     file at 1 connection (wrk, p50/p99);
#   - PATCH of one character of an ~8 550-line Python document (the interpreter's own
#     test/test_typing.py, or the largest stdlib module), typed into an identifier and, apart,
#     into indentation (which costs the engine itself milliseconds), p50/p99, and the
#     server's reparse_ms;
#   - POST /v1/symbols of that open document right after each edit (p50/p99, request to the
#     answer's last byte; the client's JSON decoding of the answer apart);
#   - uncached POST /v1/parse of distinct tiny files at 1 and 8 connections (req/s, p50/p99).
# Bounded in time: every wrk run lasts DURATION (default 5s); the whole script ~1-2 minutes.
# Loopback only. Installs wrk with apt-get when it is missing.
#
#   cargo build --release && benches/service.sh                 # target/release/syntaxd
#   SYNTAXD=/path/to/syntaxd DURATION=10s REPS=5 benches/service.sh
set -euo pipefail

SYNTAXD=${SYNTAXD:-target/release/syntaxd}
DURATION=${DURATION:-5s}
REPS=${REPS:-3}
EDITS=${EDITS:-400}

[ -x "$SYNTAXD" ] || { echo "no daemon binary at $SYNTAXD (cargo build --release)" >&2; exit 2; }
if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  (apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }) >/dev/null 2>&1 \
    || { echo "wrk is missing and apt-get could not install it" >&2; exit 2; }
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

work=$(mktemp -d)
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; true; }
trap 'stop; rm -rf "$work"' EXIT

# Starts the daemon with a fresh cache; sets $pid, $url and $ready_s (seconds to /readyz 200).
start() {
  rm -rf "$work/cache"
  local t0 t1
  t0=$(date +%s%N)
  SYNTAXD_LOG_LEVEL=${SYNTAXD_LOG_LEVEL:-info} SYNTAXD_SERVER_MAX_CONCURRENT_REQUESTS=256 \
    "$SYNTAXD" serve --listen 127.0.0.1:0 --cache-dir "$work/cache" >"$work/out" 2>"$work/err" &
  pid=$!
  url=
  for _ in $(seq 6000); do
    url=$(sed -n 's/.*listening on //p' "$work/out" | head -1)
    [ -n "$url" ] && break
    sleep 0.005
  done
  [ -n "$url" ] || { cat "$work/err" >&2; exit 1; }
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; do sleep 0.005; done
  t1=$(date +%s%N)
  ready_s=$(python3 -c "print(round(($t1 - $t0) / 1e9, 4))")
}

rss_kb() { awk '/VmRSS/{print $2}' "/proc/$pid/status"; }

# --- start-up and idle memory -------------------------------------------------------------
startups=(); rsss=()
for _ in $(seq "$REPS"); do
  start
  startups+=("$ready_s")
  sleep 1
  rsss+=("$(rss_kb)")
  stop
done
echo "startup: ${startups[*]} s; idle RSS: ${rsss[*]} kB" >&2

# --- inputs ---------------------------------------------------------------------------------
python3 - "$work" <<'PY'
import json, os, sys, sysconfig
d = sys.argv[1]
lines = ["import os", ""]
i = 0
while len(lines) < 1100:
    lines += [f"class C{i}:", f"    def method_{i}(self, x):", f"        return x + {i}", "", "",
              f"def func_{i}(a, b):", "    total = a * b", "    for k in range(10):",
              "        total += k", "    return total", "", ""]
    i += 1
src = "\n".join(lines) + "\n"
json.dump({"content": src, "language": "python", "format": "none"}, open(f"{d}/parse.json", "w"))
json.dump({"content": src, "language": "python"}, open(f"{d}/symbols.json", "w"))
json.dump({"content": src, "language": "python",
           "query": "(function_definition name: (identifier) @name)"}, open(f"{d}/query.json", "w"))
# The big document: test/test_typing.py of this interpreter (8 550 lines in 3.11), else the
# largest module of the standard library.
stdlib = sysconfig.get_paths()["stdlib"]
doc = os.path.join(stdlib, "test", "test_typing.py")
if not os.path.exists(doc):
    doc = max((os.path.join(r, f) for r, _, fs in os.walk(stdlib) for f in fs if f.endswith(".py")),
              key=os.path.getsize)
text = open(doc, encoding="utf-8", errors="replace").read()
json.dump({"content": text, "language": "python"}, open(f"{d}/doc.json", "w"))
# Typing in an identifier: the first `name = ...` line after the middle, one character into
# the name. (An edit of indentation costs the engine itself several milliseconds in Python.)
import re
lines = text.split("\n")
mid = len(lines) // 2
row = next(i for i in range(mid, len(lines)) if re.match(r"^\s+[a-z_]\w* = ", lines[i]))
col = len(lines[row]) - len(lines[row].lstrip()) + 1
json.dump({"path": doc, "lines": text.count("\n"), "row": row, "column": col, "indent_row": mid},
          open(f"{d}/doc-meta.json", "w"))
PY

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("BODY")):read("a")
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"requests\": %d, \"errors\": %d, \"non_2xx\": %d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

# Distinct tiny Python files: every request is a miss. Each wrk thread has its own Lua state:
# `tid` is the global that setup() sets in it, and SALT tells runs apart, so no two requests of
# a run, or of two runs, carry the same file (the script also counts the daemon's misses).
cat >"$work/tiny.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
local threads = 0
local salt = os.getenv("SALT") or "0"
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
request = function()
  n = n + 1
  local body = string.format('{"language":"python","content":"def f_%s_%d_%d(x):\\n    return x + %d\\n"}', salt, tid or 0, n, n)
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"requests\": %d, \"errors\": %d, \"non_2xx\": %d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

# One-character PATCHes (insert TEXT at ROW:COL, then delete it), versions increasing from
# VERSION + 1, on one connection.
cat >"$work/patch.lua" <<'LUA'
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
local v = tonumber(os.getenv("VERSION"))
local row = tonumber(os.getenv("ROW"))
local col = tonumber(os.getenv("COL"))
local text = os.getenv("TEXT")
request = function()
  v = v + 1
  local edit
  if v % 2 == 0 then
    edit = string.format('{"start":{"row":%d,"column":%d},"end":{"row":%d,"column":%d},"text":"%s"}', row, col, row, col, text)
  else
    edit = string.format('{"start":{"row":%d,"column":%d},"end":{"row":%d,"column":%d},"text":""}', row, col, row, col + 1)
  end
  return wrk.format(nil, nil, nil, string.format('{"version":%d,"edits":[%s]}', v, edit))
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"requests\": %d, \"errors\": %d, \"non_2xx\": %d}\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
LUA

wrk_json() { wrk "$@" | sed -n 's/^JSON //p'; }

# --- cached routes, 1 connection -------------------------------------------------------------
start
for route in parse symbols query; do
  curl -s -X POST -H 'content-type: application/json' --data-binary @"$work/$route.json" "$url/v1/$route" >/dev/null
  echo "cached /v1/$route" >&2
  BODY="$work/$route.json" wrk_json -t1 -c1 -d"$DURATION" --latency -s "$work/post.lua" "$url/v1/$route" >"$work/hit-$route.json"
done

# --- uncached tiny files ----------------------------------------------------------------------
# The daemon's cache misses, from /metrics.
misses() { curl -s "$url/metrics" | awk '$1 == "syntaxd_cache_misses_total" { print $2 }'; }
echo "uncached tiny files, 1 connection" >&2
m0=$(misses)
SALT=one wrk_json -t1 -c1 -d"$DURATION" --latency -s "$work/tiny.lua" "$url/v1/parse" >"$work/tiny-1.json"
m1=$(misses)
echo "uncached tiny files, 8 connections" >&2
SALT=eight wrk_json -t2 -c8 -d"$DURATION" --latency -s "$work/tiny.lua" "$url/v1/parse" >"$work/tiny-8.json"
m2=$(misses)
echo "{\"one\": $(( ${m1%.*} - ${m0%.*} )), \"eight\": $(( ${m2%.*} - ${m1%.*} ))}" >"$work/tiny-misses.json"

# --- live document: PATCH and symbols after an edit ------------------------------------------
curl -s -X PUT -H 'content-type: application/json' --data-binary @"$work/doc.json" "$url/v1/documents/bench" >/dev/null
meta() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/doc-meta.json" "$1"; }
row=$(meta row); col=$(meta column); indent_row=$(meta indent_row)
echo "PATCH one character in an identifier (row $row)" >&2
VERSION=1 ROW=$row COL=$col TEXT=x wrk_json -t1 -c1 -d"$DURATION" --latency -s "$work/patch.lua" "$url/v1/documents/bench" >"$work/patch.json"
echo "PATCH one character of indentation (row $indent_row)" >&2
curl -s -X PUT -H 'content-type: application/json' --data-binary @"$work/doc.json" "$url/v1/documents/bench" >/dev/null
VERSION=1 ROW=$indent_row COL=0 TEXT=' ' wrk_json -t1 -c1 -d"$DURATION" --latency -s "$work/patch.lua" "$url/v1/documents/bench" >"$work/patch-indent.json"
curl -s -X PUT -H 'content-type: application/json' --data-binary @"$work/doc.json" "$url/v1/documents/bench" >/dev/null
# Symbols right after each edit, and the server's own reparse_ms, from a keep-alive client.
python3 - "$url" "$row" "$col" "$EDITS" >"$work/doc-symbols.json" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse
url, row, col, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body):
    c.request(method, path, body=json.dumps(body), headers={"content-type": "application/json"})
    r = c.getresponse(); data = r.read()
    if r.status != 200:
        raise SystemExit(f"{method} {path}: {r.status} {data[:200]!r}")
    return data
c.request("GET", "/v1/documents/bench"); v = json.loads(c.getresponse().read())["version"]
sym_ms, decode_ms, reparse_ms = [], [], []
for i in range(n):
    v += 1
    edit = ({"start": {"row": row, "column": col}, "end": {"row": row, "column": col}, "text": "x"}
            if i % 2 == 0 else
            {"start": {"row": row, "column": col}, "end": {"row": row, "column": col + 1}, "text": ""})
    patched = call("PATCH", "/v1/documents/bench", {"version": v, "edits": [edit]})
    reparse_ms.append(json.loads(patched)["reparse_ms"])
    # Request to the last byte of the answer; the client's own JSON decoding (about 10 ms for
    # the 690 kB answer in Python) is timed apart.
    t = time.perf_counter()
    data = call("POST", "/v1/symbols", {"document": "bench"})
    sym_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    assert json.loads(data)["complete"]
    decode_ms.append((time.perf_counter() - t) * 1000)
q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(len(xs) * p))]
print(json.dumps({"symbols_after_edit_p50_ms": round(statistics.median(sym_ms), 3),
                  "symbols_after_edit_p99_ms": round(q(sym_ms, 0.99), 3),
                  "answer_bytes": len(data),
                  "client_json_decode_p50_ms": round(statistics.median(decode_ms), 3),
                  "server_reparse_p50_ms": round(statistics.median(reparse_ms), 3),
                  "server_reparse_p99_ms": round(q(reparse_ms, 0.99), 3),
                  "samples": n}))
PY
stop

python3 - "$work" "$SYNTAXD" "$DURATION" "${startups[*]}" "${rsss[*]}" <<'PY'
import json, statistics, sys
d, binary, duration, startups, rsss = sys.argv[1:6]
load = lambda name: json.load(open(f"{d}/{name}.json"))
meta = load("doc-meta")
print(json.dumps({
    "binary": binary,
    "wrk_duration": duration,
    "startup_to_ready_s": {"median": statistics.median(map(float, startups.split())),
                           "runs": [float(x) for x in startups.split()]},
    "idle_rss_mb": {"median": round(statistics.median(int(x) for x in rsss.split()) / 1024, 1),
                    "runs": [round(int(x) / 1024, 1) for x in rsss.split()]},
    "cached_1conn": {"parse_none": load("hit-parse"), "symbols": load("hit-symbols"),
                     "query": load("hit-query")},
    "patch_one_char": {"document_lines": meta["lines"], "edit": "identifier", **load("patch")},
    "patch_one_char_indentation": load("patch-indent"),
    "document_symbols_after_edit": load("doc-symbols"),
    "uncached_tiny_parse": {
        "1conn": {**load("tiny-1"), "cache_misses": load("tiny-misses")["one"]},
        "8conn": {**load("tiny-8"), "cache_misses": load("tiny-misses")["eight"]},
    },
}, indent=2))
PY
