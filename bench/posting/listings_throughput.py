#!/usr/bin/env python3
"""GET /api/listings throughput with wrk.

Starts an api on a fresh database, creates --listings listings with --photos small JPEGs each
(through the real multipart + libvips path), checks one answer (200, a JSON array of the
first page, 50 listings with their images), warms up for 3 s, then runs
`wrk -t2 -c<connections> -d<duration>s --latency` against /api/listings and prints wrk's
numbers. Every request asks PostgreSQL for the page's (id, version) pairs; the api keeps
each listing's rendered JSON by (id, version) (services/api/src/listing_cache.h) and renders
only the listings it does not hold. --uncached gives every request its own cursor (above the
highest id, so the same first page comes back): before that per-listing cache it defeated
the whole-answer cache the api had then, so it measures the same path for old and new
builds.

Usage: bench/posting/run.sh listings [--listings 100] [--photos 1] [--duration 15]
       [--connections 64] [--http-threads N] [--db-pool N] [--path /api/listings?limit=10]
       [--uncached] [--runs 1] [--api-env KEY=VALUE]
Each run prints the load average (/proc/loadavg) read right after it: the machine may be
shared, so a figure is only meaningful with the load it was measured under. It also prints
the CPU time per request of the api process and of the api's PostgreSQL backends (utime +
stime from /proc, read before and after the run; they must be on this host), which the
other sessions' load changes much less than req/s, and the api's VmRSS after the run."""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchstack import Database, Service, machine, need_env, sql  # noqa: E402


def small_jpeg(directory):
    """A 160x120 JPEG made with the vips CLI."""
    v, out = Path(directory) / "b.v", Path(directory) / "photo.jpg"
    subprocess.run(["vips", "black", str(v), "160", "120", "--bands", "3"], check=True)
    subprocess.run(["vips", "linear", str(v), str(out), "1 1 1", "90 120 200"], check=True)
    return out.read_bytes()


# Each request its own cursor above every id: the same first page, a new cache key.
UNCACHED_LUA = """
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "%s" .. (%d + n))
end
"""


def cpu_seconds(pids):
    """utime + stime of the live processes among pids, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    """VmRSS of pid in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def backend_pids(db_url):
    """The PostgreSQL backends connected to the api's database (its pool)."""
    return [r[0] for r in sql(db_url, "SELECT pid FROM pg_stat_activity"
                                      " WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def wrk(url, threads, connections, duration, script=None):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=duration + 60)
    if out.returncode != 0:
        sys.exit(f"wrk failed: {out.stderr}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listings", type=int, default=100)
    ap.add_argument("--photos", type=int, default=1, help="JPEGs per listing")
    ap.add_argument("--runs", type=int, default=1, help="measured runs (the best is reported)")
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--http-threads", type=int, default=None,
                    help="HTTP_THREADS of the api (default: the api's own)")
    ap.add_argument("--db-pool", type=int, default=None,
                    help="DB_POOL_SIZE of the api (default: the api's own)")
    ap.add_argument("--api-env", action="append", default=[], metavar="KEY=VALUE",
                    help="any other api setting, e.g. LISTING_CACHE_MB=0 (repeatable)")
    ap.add_argument("--path", default="/api/listings")
    ap.add_argument("--uncached", action="store_true",
                    help="a new cursor per request, so the answer cache never hits")
    args = ap.parse_args()
    admin_url, bootstrap = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
    tag = time.strftime("listings-%Y%m%dT%H%M%S")

    db = Database(admin_url, "bench_listings")
    api = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-listings-") as tmp:
            env = {"DATABASE_URL": db.url, "UPLOAD_DIR": f"{tmp}/uploads", "LOG_LEVEL": "warn",
                   # nothing to consume here: start at the end of the shared topic
                   "KAFKA_GROUP_ID": f"bench-api-{tag}", "KAFKA_AUTO_OFFSET_RESET": "latest"}
            if args.http_threads:
                env["HTTP_THREADS"] = args.http_threads
            if args.db_pool:
                env["DB_POOL_SIZE"] = args.db_pool
            env.update(kv.split("=", 1) for kv in args.api_env)
            api = Service("api", env, bootstrap, tag)
            api.wait_ready()
            photo = small_jpeg(tmp)
            for i in range(args.listings):
                r = requests.post(api.url + "/api/listings", timeout=30,
                                  data={"title": f"Bench chair {i}", "price": f"{20 + i}.50",
                                        "description": "A sturdy chair. " * 8,
                                        "condition": "good", "category": "Furniture",
                                        "location": "Austin, Texas"},
                                  files=[("images", (f"photo{k}.jpg", photo, "image/jpeg"))
                                         for k in range(args.photos)])
                if r.status_code != 201:
                    sys.exit(f"creating listing {i}: {r.status_code} {r.text}")
            url = api.url + args.path
            r = requests.get(url, timeout=10)
            body = r.json()
            if r.status_code != 200 or not isinstance(body, list) or not body \
                    or not body[0].get("images"):
                sys.exit(f"GET {args.path}: unexpected answer {r.status_code} {r.text[:300]}")
            size = len(r.content)
            script = None
            if args.uncached:
                top = max(item["id"] for item in body)
                sep = "&" if "?" in args.path else "?"
                script = Path(tmp) / "uncached.lua"
                # wrk's threads each count from here: keys repeat across threads at most twice
                script.write_text(UNCACHED_LUA % (f"{args.path}{sep}cursor=", top + 1))
                check = requests.get(f"{url}{sep}cursor={top + 7}", timeout=10)
                if check.status_code != 200 or check.json() != body:
                    sys.exit(f"a cursor above the top id does not give the first page: "
                             f"{check.status_code} {check.text[:200]}")
            wrk(url, args.threads, args.connections, 3, script)  # warm-up
            best = None
            for run in range(args.runs):
                pids = backend_pids(db.url)
                api_cpu, pg_cpu = cpu_seconds([api.proc.pid]), cpu_seconds(pids)
                out = wrk(url, args.threads, args.connections, args.duration, script)
                load = Path("/proc/loadavg").read_text().split()[:3]
                api_cpu, pg_cpu = cpu_seconds([api.proc.pid]) - api_cpu, cpu_seconds(pids) - pg_cpu
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
                done = int(re.search(r"(\d+) requests in", out).group(1))
                print(f"run {run + 1}: {rps:,.0f} req/s, load average {' '.join(load)}; CPU per "
                      f"request: api {api_cpu / done * 1000:.3f} ms, PostgreSQL "
                      f"{pg_cpu / done * 1000:.3f} ms ({len(pids)} backends); api RSS "
                      f"{rss_mb(api.proc.pid):.1f} MB")
                if best is None or rps > best[0]:
                    best = (rps, out, load)
            rps, out, load = best
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            errors = re.search(r"Socket errors: .*", out)
            print(f"GET {args.path}{' with a new cursor per request (uncached)' if args.uncached else ''}:"
                  f" {len(body)} listings per page, {size} bytes per answer, "
                  f"{args.listings} listings of {args.photos} photo(s) in the database")
            print(f"api: HTTP_THREADS={args.http_threads or 'default'} "
                  f"DB_POOL_SIZE={args.db_pool or 'default'}; wrk -t{args.threads} "
                  f"-c{args.connections} -d{args.duration}s")
            print(f"machine: {machine()}")
            print(out.rstrip())
            print(f"RESULT: {rps:,.0f} req/s (best of {args.runs}), load average "
                  f"{' '.join(load)} after that run"
                  + (f", {non2xx.group(1)} non-2xx answers" if non2xx else "")
                  + (f", {errors.group(0)}" if errors else ""))
            return 1 if non2xx else 0
    finally:
        if api:
            api.stop()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
