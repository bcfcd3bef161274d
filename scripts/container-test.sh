#!/usr/bin/env bash
# Tests a built container image the way an operator runs it: starts it with a read-only root
# filesystem (cache on a volume, /tmp on tmpfs, the bearer token mounted read-only as the secret
# file /run/secrets/syntaxd_token), waits for `syntaxd health`, sends one parse (refused without
# the token, answered with it), checks it runs as a non-root user and cannot write its root
# filesystem, then stops it with SIGTERM and expects exit status 0.
#
# usage: scripts/container-test.sh IMAGE        (needs docker and curl)
set -euo pipefail
image=${1:?usage: scripts/container-test.sh IMAGE}
name=syntaxd-test-$$
volume=syntaxd-test-cache-$$
fail() { echo "container-test: FAIL: $*" >&2; docker logs "$name" >&2 || true; exit 1; }
secrets=$(mktemp -d)
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  rm -rf "$secrets"
}
trap cleanup EXIT

# The image's config reads the token from /run/secrets/syntaxd_token; the daemon (uid 10001)
# must be able to read it.
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$secrets/syntaxd_token"
chmod 0755 "$secrets"
chmod 0644 "$secrets/syntaxd_token"

docker volume create "$volume" >/dev/null
docker run -d --name "$name" --read-only --tmpfs /tmp \
  -v "$secrets/syntaxd_token":/run/secrets/syntaxd_token:ro \
  -v "$volume":/var/cache/syntaxd -p 127.0.0.1::7878 "$image" >/dev/null
port=$(docker port "$name" 7878/tcp | head -n1 | sed 's/.*://')
[ -n "$port" ] || fail "no published port"

# 1. Health, through the binary inside the image (what HEALTHCHECK runs).
for _ in $(seq 1 60); do
  if docker exec "$name" syntaxd health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ "${healthy:-}" = 1 ] || fail "syntaxd health never succeeded"
echo "ok: syntaxd health"

# 2. One parse over the published port: 401 without the token, answered with it.
status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/v1/parse" \
  -H 'content-type: application/json' -d '{"language":"python","content":"x\n"}') || true
[ "$status" = 401 ] || fail "POST /v1/parse without the token answered $status, expected 401"
answer=$(curl -fsS -X POST "http://127.0.0.1:$port/v1/parse" \
  -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"language":"python","content":"def f(x):\n    return x\n"}') || fail "POST /v1/parse failed"
echo "$answer" | grep -q '"language":"python"' || fail "unexpected answer: $answer"
echo "ok: one parse"

# 3. Non-root.
uid=$(docker exec "$name" id -u)
[ "$uid" != 0 ] || fail "the daemon runs as root"
echo "ok: runs as uid $uid"

# 4. Read-only root filesystem: writing outside the volume and /tmp fails.
if docker exec "$name" sh -c 'echo x > /etc/syntaxd/probe' 2>/dev/null; then
  fail "the root filesystem is writable"
fi
echo "ok: read-only root filesystem"

# 5. SIGTERM drains and exits 0.
docker kill --signal TERM "$name" >/dev/null
status=$(timeout 30 docker wait "$name") || fail "did not exit within 30 s of SIGTERM"
[ "$status" = 0 ] || fail "exit status $status after SIGTERM"
echo "ok: SIGTERM exit 0"
