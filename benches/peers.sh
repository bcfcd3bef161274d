#!/usr/bin/env bash
# Peer comparison (issue 10's index rows): `syntaxd index` of the interpreter's own Python
# library (stdlib + site-packages, the *.py files, copied into a temp dir) against
# universal-ctags (`ctags -R`) and ast-grep (`ast-grep run -p 'def $F($$$A): $$$B' -j THREADS`)
# on the same files, measured in one run:
#   - syntaxd index cold (empty cache) and warm (the same tree again: every file a hit), wall
#     time and the process's own peak RSS (wait4's ru_maxrss; the summary's peak_rss_bytes too);
#   - ctags -R and ast-grep on the same tree, wall time and peak RSS;
#   - the ratios: cold index / ast-grep, and ctags / warm re-index.
# Every figure is the median of REPS repetitions, interleaved (syntaxd cold, warm, ctags,
# ast-grep, then again) so that a load change on the machine touches all of them alike.
# With BEFORE=path/to/old/syntaxd an older binary is measured in the same run, interleaved too.
#
# Prints ONE JSON document on stdout and, at the end, the Markdown table for
# docs/performance.md on stderr; with --markdown the two swap places. Progress on stderr.
# Installs universal-ctags (apt-get) and ast-grep (PyPI `ast-grep-cli` with pip, else npm
# `@ast-grep/cli`) when they are missing; no other network. Writes only under a temp dir
# (removed at exit). Bounded: each command is stopped after TIMEOUT seconds (default 600).
#
#   cargo build --release && benches/peers.sh
#   SYNTAXD=target/release/syntaxd BEFORE=/tmp/old-syntaxd REPS=5 benches/peers.sh --markdown
set -euo pipefail

SYNTAXD=${SYNTAXD:-target/release/syntaxd}
BEFORE=${BEFORE:-}
REPS=${REPS:-3}
THREADS=${THREADS:-2}
TIMEOUT=${TIMEOUT:-600}
PATTERN='def $F($$$A): $$$B'
markdown=0
for arg in "$@"; do
  case "$arg" in
    --markdown) markdown=1 ;;
    *) echo "usage: benches/peers.sh [--markdown]   (env: SYNTAXD BEFORE REPS THREADS TIMEOUT)" >&2; exit 2 ;;
  esac
done

[ -x "$SYNTAXD" ] || { echo "no syntaxd binary at $SYNTAXD (cargo build --release)" >&2; exit 2; }
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "no binary at BEFORE=$BEFORE" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed (its library is the corpus)" >&2; exit 2; }

# --- tools ----------------------------------------------------------------------------------
if ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
  echo "installing universal-ctags" >&2
  (apt-get install -y universal-ctags || { apt-get update && apt-get install -y universal-ctags; }) \
    >/dev/null 2>&1 || { echo "universal-ctags is missing and apt-get could not install it" >&2; exit 2; }
fi
AST_GREP=
for c in ast-grep sg; do
  if command -v "$c" >/dev/null && "$c" --version 2>/dev/null | grep -q 'ast-grep'; then
    AST_GREP=$(command -v "$c"); break
  fi
done
if [ -z "$AST_GREP" ]; then
  echo "installing ast-grep" >&2
  { python3 -m pip install --quiet ast-grep-cli \
      || python3 -m pip install --quiet --break-system-packages ast-grep-cli \
      || npm install --global --silent @ast-grep/cli; } >/dev/null 2>&1 || true
  hash -r
  AST_GREP=$(command -v ast-grep || true)
  [ -n "$AST_GREP" ] || { echo "ast-grep is missing and neither pip nor npm could install it" >&2; exit 2; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the tree: the *.py files of the interpreter's library (no symlinks, no hidden paths) --
python3 - "$work/tree" >"$work/tree.json" <<'PY'
import json, os, shutil, sys, sysconfig
dest = sys.argv[1]
paths = sysconfig.get_paths()
roots = []
for key in ("stdlib", "platstdlib", "purelib", "platlib"):
    p = paths.get(key)
    if p and os.path.isdir(p):
        p = os.path.realpath(p)
        if p not in roots:
            roots.append(p)
# A root inside another (site-packages inside the stdlib directory) is walked once.
roots = [r for r in roots if not any(r != o and r.startswith(o + os.sep) for o in roots)]
files = total = 0
for i, root in enumerate(roots):
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith(".") and not os.path.islink(os.path.join(d, x)))
        for n in sorted(names):
            src = os.path.join(d, n)
            if not n.endswith(".py") or n.startswith(".") or os.path.islink(src) or not os.path.isfile(src):
                continue
            out = os.path.join(dest, f"lib{i}", os.path.relpath(src, root))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copyfile(src, out)
            files += 1
            total += os.path.getsize(out)
print(json.dumps({"python": sys.version.split()[0], "files": files, "bytes": total,
                  "roots": len(roots)}))
PY
echo "tree: $(cat "$work/tree.json")" >&2

# Runs a command (stdout to a file) under a timeout; appends {name, wall_s, max_rss_kb, rc, out}
# to results.jsonl. The RSS is the child's own peak (wait4), not the shell's.
run() {
  local name=$1; shift
  python3 - "$work/results.jsonl" "$name" "$TIMEOUT" "$work/out" "$@" <<'PY'
import json, os, subprocess, sys, time
results, name, timeout, out, cmd = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5:]
with open(out, "wb") as stdout:
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            pid, status, usage = os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    wall = time.monotonic() - t0
rc = os.waitstatus_to_exitcode(status)
record = {"name": name, "wall_s": round(wall, 3), "max_rss_kb": usage.ru_maxrss, "rc": rc,
          "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}
if name.startswith("syntaxd"):
    try:
        with open(out) as f:
            record["summary"] = json.loads(f.read().strip().splitlines()[-1])
    except (ValueError, IndexError):
        pass
if rc != 0 and not name.startswith("syntaxd"):
    print(f"{name}: exit {rc}", file=sys.stderr)
with open(results, "a") as f:
    f.write(json.dumps(record) + "\n")
print(f"{name}: {wall:.2f} s, {usage.ru_maxrss / 1024:.0f} MB", file=sys.stderr)
PY
}

index_pair() {
  local label=$1 bin=$2
  rm -rf "$work/cache"
  run "$label.cold" "$bin" index "$work/tree" --cache-dir "$work/cache" --threads "$THREADS"
  run "$label.warm" "$bin" index "$work/tree" --cache-dir "$work/cache" --threads "$THREADS"
}

for rep in $(seq "$REPS"); do
  echo "repetition $rep of $REPS" >&2
  index_pair syntaxd "$SYNTAXD"
  [ -z "$BEFORE" ] || index_pair syntaxd_before "$BEFORE"
  run ctags ctags -R -f "$work/tags" "$work/tree"
  run ast_grep "$AST_GREP" run -p "$PATTERN" -j "$THREADS" "$work/tree"
done
rm -rf "$work/cache"

# --- report ---------------------------------------------------------------------------------
python3 - "$work/results.jsonl" "$work/tree.json" "$markdown" "$REPS" "$THREADS" \
  "$("$AST_GREP" --version 2>/dev/null | head -1)" "$(ctags --version | head -1)" \
  "$("$SYNTAXD" --version 2>/dev/null | head -1)" "$([ -z "$BEFORE" ] || "$BEFORE" --version 2>/dev/null | head -1)" \
  "$(nproc)" <<'PY'
import json, statistics, sys
results_path, tree_path, markdown, reps, threads, ag_v, ctags_v, sx_v, before_v, cores = sys.argv[1:11]
rows = [json.loads(l) for l in open(results_path)]
tree = json.load(open(tree_path))
def med(name, key):
    vals = [r[key] for r in rows if r["name"] == name and r["rc"] in (0, 1)]
    return round(statistics.median(vals), 3) if vals else None
def figures(name):
    runs = [r for r in rows if r["name"] == name]
    if not runs:
        return None
    f = {"wall_s": med(name, "wall_s"), "cpu_s": med(name, "cpu_s"),
         "peak_rss_mb": round(med(name, "max_rss_kb") / 1024, 1),
         "runs_s": [r["wall_s"] for r in runs], "exit_codes": sorted({r["rc"] for r in runs})}
    sums = [r["summary"] for r in runs if "summary" in r]
    if sums:
        f["summary_seconds"] = round(statistics.median(s["seconds"] for s in sums), 3)
        f["summary_peak_rss_mb"] = round(statistics.median(s["peak_rss_bytes"] for s in sums) / 2**20, 1)
        last = sums[-1]
        f.update({k: last.get(k) for k in ("files", "parsed", "cache_hits", "skipped", "errors")})
    return f
doc = {
    "tree": tree, "reps": int(reps), "threads": int(threads), "cores": int(cores),
    "versions": {"syntaxd": sx_v, "ast_grep": ag_v, "ctags": ctags_v},
    "commands": {
        "index": f"syntaxd index TREE --cache-dir CACHE --threads {threads} (cold: empty cache; warm: again)",
        "ctags": "ctags -R -f TAGS TREE",
        "ast_grep": f"ast-grep run -p 'def $F($$$A): $$$B' -j {threads} TREE > /dev/null",
    },
    "ctags": figures("ctags"), "ast_grep": figures("ast_grep"),
}
for label in ("syntaxd", "syntaxd_before"):
    cold, warm = figures(f"{label}.cold"), figures(f"{label}.warm")
    if cold is None:
        continue
    if label == "syntaxd_before":
        doc["versions"]["syntaxd_before"] = before_v
    doc[label] = {
        "cold": cold, "warm": warm,
        "cold_vs_ast_grep": round(cold["wall_s"] / doc["ast_grep"]["wall_s"], 3),
        "warm_speedup_vs_ctags": round(doc["ctags"]["wall_s"] / warm["wall_s"], 2),
    }
js = json.dumps(doc, indent=2)
cols = ["syntaxd_before", "syntaxd"] if "syntaxd_before" in doc else ["syntaxd"]
head = {"syntaxd_before": "before", "syntaxd": "after" if len(cols) == 2 else "syntaxd"}
lines = [
    f"{tree['files']} files, {tree['bytes'] / 1e6:.1f} MB of Python {tree['python']} library; "
    f"medians of {reps}; {cores} cores; {threads} threads for syntaxd and ast-grep",
    "",
    "| figure | " + " | ".join(head[c] for c in cols) + " | peer | target |",
    "|---|" + "---|" * len(cols) + "---|---|",
]
def cell(c, f):
    return f(doc[c])
lines.append("| cold `syntaxd index` (wall, peak RSS) | " + " | ".join(
    cell(c, lambda d: f"{d['cold']['wall_s']:.2f} s, {d['cold']['peak_rss_mb']:.0f} MB") for c in cols)
    + f" | ast-grep {doc['ast_grep']['wall_s']:.2f} s, {doc['ast_grep']['peak_rss_mb']:.0f} MB | — |")
lines.append("| cold index / ast-grep | " + " | ".join(
    cell(c, lambda d: f"{d['cold_vs_ast_grep']:.2f}×") for c in cols) + " | 1.00× | ≤ 1.0× |")
lines.append("| warm re-index (wall, peak RSS) | " + " | ".join(
    cell(c, lambda d: f"{d['warm']['wall_s']:.2f} s, {d['warm']['peak_rss_mb']:.0f} MB") for c in cols)
    + f" | ctags -R {doc['ctags']['wall_s']:.2f} s, {doc['ctags']['peak_rss_mb']:.0f} MB | ≤ 100 MB |")
lines.append("| warm re-index vs ctags -R | " + " | ".join(
    cell(c, lambda d: f"{d['warm_speedup_vs_ctags']:.1f}× faster") for c in cols) + " | 1× | ≥ 5× faster |")
lines.append("| CPU of the cold index (user + sys) | " + " | ".join(
    cell(c, lambda d: f"{d['cold']['cpu_s']:.1f} s") for c in cols)
    + f" | ast-grep {doc['ast_grep']['cpu_s']:.1f} s | — |")
md = "\n".join(lines)
if markdown == "1":
    print(md)
    print(js, file=sys.stderr)
else:
    print(js)
    print(md, file=sys.stderr)
PY
