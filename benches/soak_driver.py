#!/usr/bin/env python3
"""Soak driver for syntaxd (standard library only; started by benches/soak.sh).

Starts `SYNTAXD serve` on 127.0.0.1 (an ephemeral port, a fresh cache directory, a token),
sends mixed traffic for a bounded time and request count, samples the daemon's RSS from
/proc/<pid>/status, stops it with SIGTERM, runs `syntaxd cache verify` on its cache, and
prints one JSON object.

Traffic (4 connections by default, plus one thread of hostile requests):
  parse_hit      POST /v1/parse of one of 24 fixed files (cache hits after the first round)
  parse_miss     POST /v1/parse of a distinct small file (a counter in the text)
  symbols        POST /v1/symbols of a fixed file
  query          POST /v1/query on content (tree cache) and on an open document
  doc_put/doc_patch/doc_tree/doc_get/doc_delete   live documents with versioned edits
  bad_token      any /v1 route with a wrong bearer token (401)
  hostile_*      from the hostile-clients issue: a large `format: json` tree, `(_) @a` on a
                 large input, a 100 000-edit PATCH, a 500 000-dot path, a trickled body
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "soak-token-0123456789"


def rss_kib(pid):
    """VmRSS and VmHWM of `pid` in KiB (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return round(sorted_values[k], 3)


# ---- content (ours, generated) ---------------------------------------------------------------


def python_file(i, lines=60):
    out = [f"import os  # file {i}", ""]
    k = 0
    while len(out) < lines:
        out += [f"class C{i}_{k}:", f"    def m{k}(self, x):", f"        return x + {k}", "",
                f"def f{i}_{k}(a, b):", "    t = a * b", "    for j in range(3):", "        t += j",
                "    return t", ""]
        k += 1
    return "\n".join(out) + "\n"


def rust_file(i):
    return "".join(f"fn f{i}_{k}(x: u32) -> u32 {{\n    let y = x + {k};\n    y * 2\n}}\n\n"
                   for k in range(12))


def js_file(i):
    return "".join(f"export function g{i}_{k}(a) {{ return a?.b ?? `v${{a}}{k}`; }}\n"
                   for k in range(15))


FIXED = []
for n in range(24):
    kind = n % 3
    if kind == 0:
        FIXED.append(("python", python_file(n)))
    elif kind == 1:
        FIXED.append(("rust", rust_file(n)))
    else:
        FIXED.append(("javascript", js_file(n)))


# ---- HTTP -----------------------------------------------------------------------------------


class Client:
    """One persistent HTTP/1.1 connection; reconnects after errors or `Connection: close`."""

    def __init__(self, host, port, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def request(self, method, path, body=None, token=TOKEN):
        headers = {"Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                return resp.status, payload
            except (http.client.HTTPException, OSError) as e:
                self.close()
                if attempt == 1:
                    return f"error:{type(e).__name__}", b""
        return "error", b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}  # class -> [ms]
        self.status = {}  # class -> {status: count}
        self.requests = 0
        self.unexpected = []  # first few unexpected answers

    def record(self, cls, status, ms, body=b""):
        with self.lock:
            self.requests += 1
            self.latency.setdefault(cls, []).append(ms)
            by = self.status.setdefault(cls, {})
            by[str(status)] = by.get(str(status), 0) + 1
            bad = (isinstance(status, str)) or (status >= 500 and status != 503)
            if bad and len(self.unexpected) < 20:
                self.unexpected.append({"class": cls, "status": status,
                                        "body": body[:300].decode("utf-8", "replace")})


def timed(stats, client, cls, method, path, body=None, token=TOKEN):
    t0 = time.perf_counter()
    status, payload = client.request(method, path, body, token)
    stats.record(cls, status, (time.perf_counter() - t0) * 1000, payload)
    return status, payload


# ---- traffic --------------------------------------------------------------------------------


class Budget:
    """Shared stop condition: a deadline and a request count."""

    def __init__(self, seconds, max_requests):
        self.deadline = time.monotonic() + seconds
        self.max_requests = max_requests
        self.sent = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if time.monotonic() >= self.deadline or self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True


miss_counter = [0]
miss_lock = threading.Lock()


def worker(wid, host, port, budget, stats, seed):
    rng = random.Random(seed)
    c = Client(host, port)
    doc_ids = [f"soak-{wid}-{k}" for k in range(4)]
    versions = {}
    while budget.take():
        r = rng.random()
        if r < 0.30:
            lang, src = rng.choice(FIXED)
            timed(stats, c, "parse_hit", "POST", "/v1/parse", {"content": src, "language": lang})
        elif r < 0.50:
            with miss_lock:
                miss_counter[0] += 1
                n = miss_counter[0]
            src = f"# miss {n}\n" + python_file(n, lines=20 + n % 40)
            timed(stats, c, "parse_miss", "POST", "/v1/parse", {"content": src, "path": f"m{n}.py"})
        elif r < 0.58:
            lang, src = rng.choice(FIXED)
            timed(stats, c, "symbols", "POST", "/v1/symbols", {"content": src, "language": lang})
        elif r < 0.66:
            lang, src = FIXED[rng.randrange(0, len(FIXED), 3)]  # Python files
            timed(stats, c, "query", "POST", "/v1/query",
                  {"query": "(function_definition name: (identifier) @name)", "language": lang,
                   "content": src, "limit": 50})
        elif r < 0.95:
            doc = rng.choice(doc_ids)
            v = versions.get(doc)
            if v is None or rng.random() < 0.05:
                lang, src = FIXED[rng.randrange(0, len(FIXED), 3)]
                status, _ = timed(stats, c, "doc_put", "PUT", f"/v1/documents/{doc}",
                                  {"content": src, "language": lang})
                versions[doc] = 1 if status == 200 else None
                continue
            op = rng.random()
            if op < 0.6:
                v += 1
                edits = [{"start": {"row": rng.randrange(0, 8), "column": 0},
                          "end": {"row": rng.randrange(0, 8), "column": 0}, "text": ""}]
                # Keep start <= end.
                e = edits[0]
                if e["start"]["row"] > e["end"]["row"]:
                    e["start"], e["end"] = e["end"], e["start"]
                e["text"] = f"x{v} = {v}\n"
                status, _ = timed(stats, c, "doc_patch", "PATCH", f"/v1/documents/{doc}",
                                  {"version": v, "edits": edits})
                versions[doc] = v if status == 200 else None
            elif op < 0.75:
                timed(stats, c, "doc_tree", "GET", f"/v1/documents/{doc}/tree?format=sexp")
            elif op < 0.85:
                timed(stats, c, "doc_query", "POST", "/v1/query",
                      {"query": "(identifier) @i", "document": doc, "limit": 100})
            elif op < 0.95:
                timed(stats, c, "doc_get", "GET", f"/v1/documents/{doc}")
            else:
                timed(stats, c, "doc_delete", "DELETE", f"/v1/documents/{doc}")
                versions[doc] = None
        else:
            path = rng.choice(["/v1/parse", "/v1/languages", "/v1/documents/x"])
            method = "GET" if path != "/v1/parse" else "POST"
            timed(stats, c, "bad_token", method, path,
                  {"content": "x"} if method == "POST" else None, token="wrong-token")
    c.close()


def trickle(host, port, seconds=6.0):
    """A POST whose body arrives one byte every 0.2 s: the daemon must cut it off or answer,
    never hold work for it. Returns the status line or how the connection ended."""
    s = socket.create_connection((host, port), timeout=seconds + 60)
    body = json.dumps({"content": "x" * 200, "language": "python"}).encode()
    head = (f"POST /v1/parse HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    try:
        s.sendall(head)
        end = time.monotonic() + seconds
        for b in body:
            if time.monotonic() >= end:
                break
            s.sendall(bytes([b]))
            time.sleep(0.2)
        s.shutdown(socket.SHUT_WR)
        data = s.recv(200)
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else "closed"
    except OSError as e:
        return f"error:{type(e).__name__}"
    finally:
        s.close()


def hostile(host, port, budget, stats, every, seed):
    """One hostile request every `every` seconds, cycling through the kinds."""
    rng = random.Random(seed)
    c = Client(host, port, timeout=120)
    big_json = json.dumps({"k": [{"a": i, "b": [i, i + 1, None, True], "c": f"s{i}"}
                                 for i in range(12_000)]}, indent=1)  # ~1 MiB
    big_py = python_file(0, lines=20_000)  # ~0.4 MiB
    kinds = ["json_tree", "capture_all", "many_edits", "dots_path", "trickle"]
    k = 0
    next_at = time.monotonic() + every
    while True:
        if time.monotonic() >= budget.deadline:
            break
        if time.monotonic() < next_at:
            time.sleep(0.2)
            continue
        next_at = time.monotonic() + every
        if not budget.take():
            break
        kind = kinds[k % len(kinds)]
        k += 1
        if kind == "json_tree":
            timed(stats, c, "hostile_json_tree", "POST", "/v1/parse",
                  {"content": big_json, "language": "json", "format": "json"})
        elif kind == "capture_all":
            timed(stats, c, "hostile_capture_all", "POST", "/v1/query",
                  {"query": "(_) @a", "language": "python", "content": big_py})
        elif kind == "many_edits":
            doc = f"hostile-{rng.randrange(1 << 30)}"
            c.request("PUT", f"/v1/documents/{doc}", {"content": "a = 1\n", "language": "python"})
            edit = {"start": {"row": 0, "column": 0}, "end": {"row": 0, "column": 0}, "text": "x"}
            timed(stats, c, "hostile_many_edits", "PATCH", f"/v1/documents/{doc}",
                  {"version": 2, "edits": [edit] * 100_000})
            c.request("DELETE", f"/v1/documents/{doc}")
        elif kind == "dots_path":
            timed(stats, c, "hostile_dots_path", "POST", "/v1/parse",
                  {"content": "x = 1\n", "path": "." * 500_000})
        else:
            t0 = time.perf_counter()
            status = trickle(host, port)
            stats.record("hostile_trickle", status, (time.perf_counter() - t0) * 1000)
    c.close()


def sample_rss(pid, samples, stop, interval=1.0):
    t0 = time.monotonic()
    while not stop.is_set():
        r = rss_kib(pid)
        if r is None:
            break
        samples.append((round(time.monotonic() - t0, 1), r[0]))
        stop.wait(interval)


def scrape_metrics(host, port):
    c = Client(host, port)
    status, body = c.request("GET", "/metrics")
    c.close()
    if status != 200:
        return {}
    out = {}
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("#"):
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if ("bytes" in name and name.startswith(("syntaxd_cache", "syntaxd_query_cache"))) \
                or name.startswith("syntaxd_documents") \
                or name in ("process_resident_memory_bytes",):
            try:
                out[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the syntaxd binary")
    ap.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    ap.add_argument("--max-requests", type=int, default=2_000_000)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--hostile-every", type=float, default=10.0, help="seconds between hostile requests (0: none)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds (default: 20%% of the duration, at most 120)")
    ap.add_argument("--hot-budget", type=int, default=8 << 20)
    ap.add_argument("--warm-budget", type=int, default=4 << 20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warmup = args.warmup if args.warmup is not None else min(120.0, args.duration * 0.2)

    work = tempfile.mkdtemp(prefix="syntaxd-soak-")
    cache_dir = os.path.join(work, "cache")
    env = dict(os.environ)
    env.update({
        "SYNTAXD_LOG_LEVEL": env.get("SYNTAXD_LOG_LEVEL", "warn"),
        "SYNTAXD_SERVER_AUTH_TOKEN": TOKEN,
        "SYNTAXD_CACHE_HOT_BUDGET_BYTES": str(args.hot_budget),
        "SYNTAXD_CACHE_WARM_BUDGET_BYTES": str(args.warm_budget),
    })
    out_path, err_path = os.path.join(work, "out"), os.path.join(work, "err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        daemon = subprocess.Popen([args.bin, "serve", "--listen", "127.0.0.1:0", "--cache-dir", cache_dir],
                                  stdout=out, stderr=err, env=env)
    url = None
    for _ in range(300):
        with open(out_path) as f:
            for line in f:
                if "listening on" in line:
                    url = line.split("listening on", 1)[1].strip()
        if url or daemon.poll() is not None:
            break
        time.sleep(0.1)
    if not url:
        daemon.kill()
        sys.stderr.write(open(err_path).read())
        sys.exit("the daemon did not start")
    hostport = url.split("://", 1)[-1].rstrip("/")
    host, port = hostport.rsplit(":", 1)
    port = int(port)

    stats = Stats()
    samples = []
    stop = threading.Event()
    sampler = threading.Thread(target=sample_rss, args=(daemon.pid, samples, stop), daemon=True)
    sampler.start()
    started = time.monotonic()
    budget = Budget(args.duration, args.max_requests)
    threads = [threading.Thread(target=worker, args=(w, host, port, budget, stats, args.seed * 100 + w))
               for w in range(args.connections)]
    if args.hostile_every > 0:
        threads.append(threading.Thread(target=hostile, args=(host, port, budget, stats, args.hostile_every, args.seed)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    metrics = scrape_metrics(host, port)
    stop.set()
    sampler.join()
    hwm = rss_kib(daemon.pid)

    daemon.send_signal(signal.SIGTERM)
    try:
        exit_code = daemon.wait(timeout=60)
    except subprocess.TimeoutExpired:
        daemon.kill()
        exit_code = "killed after 60 s"
    verify = subprocess.run([args.bin, "cache", "verify", "--cache-dir", cache_dir],
                            capture_output=True, text=True, env=env)
    try:
        verify_report = json.loads(verify.stdout)
    except ValueError:
        verify_report = {"stdout": verify.stdout[-2000:], "stderr": verify.stderr[-2000:]}

    mib = lambda kib: round(kib / 1024, 1)
    rss = [r for _, r in samples]
    after = [r for t, r in samples if t >= warmup]
    rss_warm = after[0] if after else None
    # Least-squares slope of RSS after warm-up, in MiB per minute.
    slope = None
    pts = [(t, r) for t, r in samples if t >= warmup]
    if len(pts) > 2:
        n = len(pts)
        mt = sum(t for t, _ in pts) / n
        mr = sum(r for _, r in pts) / n
        den = sum((t - mt) ** 2 for t, _ in pts)
        if den > 0:
            slope = round(sum((t - mt) * (r - mr) for t, r in pts) / den * 60 / 1024, 3)
    routes = {}
    for cls, lat in sorted(stats.latency.items()):
        lat = sorted(lat)
        routes[cls] = {"requests": len(lat), "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                       "status": stats.status.get(cls, {})}
    status_total = {}
    for by in stats.status.values():
        for s, n in by.items():
            status_total[s] = status_total.get(s, 0) + n
    unexpected_5xx = sum(n for s, n in status_total.items()
                         if s.isdigit() and int(s) >= 500 and s != "503")
    transport_errors = sum(n for s, n in status_total.items() if not s.isdigit())
    growth = round((rss[-1] - rss_warm) / rss_warm * 100, 1) if rss and rss_warm else None
    result = {
        "duration_s": round(elapsed, 1),
        "requests": stats.requests,
        "requests_per_s": round(stats.requests / elapsed, 1) if elapsed else None,
        "connections": args.connections,
        "hot_budget_bytes": args.hot_budget,
        "warm_budget_bytes": args.warm_budget,
        "status": dict(sorted(status_total.items())),
        "unexpected_5xx": unexpected_5xx,
        "transport_errors": transport_errors,
        "unexpected_samples": stats.unexpected,
        "routes": routes,
        "rss_mib": {
            "start": mib(rss[0]) if rss else None,
            "after_warmup": mib(rss_warm) if rss_warm else None,
            "warmup_s": warmup,
            "end": mib(rss[-1]) if rss else None,
            "max": mib(max(rss)) if rss else None,
            "hwm": mib(hwm[1]) if hwm else None,
            "growth_after_warmup_pct": growth,
            "slope_after_warmup_mib_per_min": slope,
            "samples": len(rss),
        },
        "metrics_at_end": metrics,
        "daemon_exit": exit_code,
        "cache_verify": {"exit": verify.returncode, "report": verify_report},
        "goal": {
            "rss_flat_within_10pct": growth is not None and abs(growth) <= 10.0,
            "no_unexpected_5xx": unexpected_5xx == 0,
            "cache_verify_clean": verify.returncode == 0,
        },
    }
    print(json.dumps(result, indent=1))
    if os.environ.get("SOAK_KEEP") != "1":
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", file=sys.stderr)
    return 0 if all(result["goal"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
