#!/usr/bin/env python3
"""The api's memory after a burst that touches far more listings than its listing cache
holds (services/api/src/listing_cache.h, LISTING_CACHE_MB).

An api (build/bin, or BB_BIN_DIR) on a fresh database; --listings listings of 3 images
inserted by SQL (the image files are not needed: the page shows rows); --walkers concurrent
clients each read every page of 100 listings through the Link headers, --rounds times; then
the api's VmRSS every 10 s for 60 s. Prints the RSS idle, after each round and after.

Usage (bench/api/run.sh burst [options] sets BENCH_PG_URL and BENCH_KAFKA):
    bench/api/run.sh burst [--listings 20000] [--walkers 8] [--rounds 2] [--api-env K=V]"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
from benchstack import Database, Service, need_env, sql  # noqa: E402


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def walk(url):
    """Reads every page of 100 listings, following Link."""
    s = requests.Session()
    path = "/api/listings?limit=100"
    while path:
        r = s.get(url + path, timeout=60)
        if r.status_code != 200:
            raise SystemExit(f"GET {path}: {r.status_code} {r.text[:200]}")
        link = r.headers.get("Link")
        path = link[link.index("<") + 1:link.index(">")] if link else None


def fill(db_url, n):
    sql(db_url, "INSERT INTO listings (title, description, price_cents, category, location)"
                " SELECT 'Bench chair ' || g, repeat('A sturdy chair. ', 8), 2000 + g,"
                " 'Furniture', 'Austin, Texas' FROM generate_series(1, %s) g", (n,))
    sql(db_url, "INSERT INTO listing_images (listing_id, position, stored_name, thumb_name,"
                " content_type, width, height, bytes, sha256) SELECT l.id, p,"
                " 'img' || l.id || '_' || p || '.jpg', 'img' || l.id || '_' || p || '_thumb.jpg',"
                " 'image/jpeg', 1600, 1200, 250000, repeat('ab', 32)"
                " FROM listings l, generate_series(0, 2) p")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listings", type=int, default=20000)
    ap.add_argument("--walkers", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--api-env", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    admin_url, bootstrap = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
    tag = time.strftime("cache-burst-%Y%m%dT%H%M%S")
    db = Database(admin_url, "bench_cache_burst")
    api = None
    tmp = tempfile.TemporaryDirectory(prefix="bench-cache-burst-")
    try:
        env = {"DATABASE_URL": db.url, "UPLOAD_DIR": f"{tmp.name}/uploads", "LOG_LEVEL": "warn",
               "KAFKA_GROUP_ID": f"bench-api-{tag}", "KAFKA_AUTO_OFFSET_RESET": "latest"}
        env.update(kv.split("=", 1) for kv in args.api_env)
        api = Service("api", env, bootstrap, tag)
        api.wait_ready()
        fill(db.url, args.listings)
        print(f"{args.listings} listings of 3 images; api idle RSS {rss_mb(api.proc.pid):.1f} MB")
        t0 = time.monotonic()
        for rnd in range(args.rounds):
            walkers = [threading.Thread(target=walk, args=(api.url,)) for _ in range(args.walkers)]
            for w in walkers:
                w.start()
            for w in walkers:
                w.join()
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
            print(f"round {rnd + 1}: {args.walkers} walks of every page in "
                  f"{time.monotonic() - t0:.1f} s, RSS {rss_mb(api.proc.pid):.1f} MB, load {load}")
        for i in range(6):
            time.sleep(10)
            print(f"{10 * (i + 1)} s after: RSS {rss_mb(api.proc.pid):.1f} MB")
    finally:
        if api:
            api.stop()
        db.drop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
