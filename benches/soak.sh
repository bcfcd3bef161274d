#!/usr/bin/env bash
# Soak test of the daemon on loopback: mixed traffic (cache hits, misses, documents with
# edits, queries, symbols, bad tokens, and the hostile requests of the hostile-clients issue)
# for a bounded time and request count, with the daemon's RSS sampled every second, then
# `syntaxd cache verify` on its cache. Prints one JSON object (see benches/soak_driver.py);
# exits 1 when a goal is missed (RSS after warm-up not flat within 10 %, a 5xx other than
# 503, or a cache verify failure).
#
#   benches/soak.sh                 # 10 minutes
#   benches/soak.sh 120             # 2 minutes
#   SYNTAXD=path/to/syntaxd benches/soak.sh 600 [extra driver flags, e.g. --connections 8]
#
# Without SYNTAXD it builds the release binary in the repository's target directory
# (CARGO_TARGET_DIR when set; SOAK_CARGO_ARGS adds cargo flags, e.g.
# `--no-default-features --features core-langs` for a faster build: the traffic uses only
# Python, Rust, JavaScript and JSON). Budgets: hot 8 MiB and warm 4 MiB unless given with
# --hot-budget/--warm-budget; other settings through SYNTAXD_* environment variables.
set -euo pipefail

DURATION=${1:-600}
shift || true
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${SYNTAXD:-}" ]; then
  (cd "$repo" && cargo build --release --locked --bin syntaxd ${SOAK_CARGO_ARGS:-} >&2)
  SYNTAXD="${CARGO_TARGET_DIR:-$repo/target}/release/syntaxd"
fi
[ -x "$SYNTAXD" ] || { echo "no syntaxd binary at $SYNTAXD" >&2; exit 2; }

exec python3 "$repo/benches/soak_driver.py" --bin "$SYNTAXD" --duration "$DURATION" "$@"
