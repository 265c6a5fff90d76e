#!/usr/bin/env python3
"""What the per-account schedule costs a burst of posts (docs/pacing.md).

Starts an api (fresh database; no poster: the requests wait on the outbox or go to the topic
unread), inserts --listings listings and posts all of them at once from --clients threads to
one account, twice:
- "unpaced": the sandbox (built-in default: no gap, no cap): the fast path, no account lock;
- "paced": a facebook_marketplace account with the built-in defaults (300 s + 0-180 s gap,
  7 posts a day): every request takes the account's advisory lock, reads its slots (up to
  --listings of them, spread over --listings / 7 days) and computes the next free one.
For each: posts/s, the POST /post round trip (p50 / p90 / p99 / max), and checks of the
result: every job has its slot, slots >= the min gap apart, at most the cap per local day,
no job lost.

Usage: bench/schedule/run.sh [--listings 1000] [--clients 32]"""

import argparse
import datetime
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
from benchstack import Database, Service, machine, need_env, percentile, sql  # noqa: E402


def burst(api, ids, platform, account_id, clients):
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=clients, pool_maxsize=clients)
    session.mount("http://", adapter)

    def one(lid):
        body = {"platform": platform}
        if account_id:
            body["account_id"] = account_id
        t0 = time.monotonic()
        r = session.post(f"{api.url}/api/listings/{lid}/post", json=body, timeout=60)
        took = (time.monotonic() - t0) * 1000
        if r.status_code != 201:
            sys.exit(f"POST /post answered {r.status_code}: {r.text}")
        return r.json(), took

    t0 = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        out = list(pool.map(one, ids))
    return [j for j, _ in out], sorted(t for _, t in out), time.monotonic() - t0


def check(jobs, gap_s, cap):
    slots = sorted(datetime.datetime.fromisoformat(j["scheduled_at"].replace("Z", "+00:00"))
                   for j in jobs)
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:])]
    per_day = {}
    for s in slots:
        per_day[s.date()] = per_day.get(s.date(), 0) + 1
    ok = len({j["id"] for j in jobs}) == len(jobs) and (not gaps or min(gaps) >= gap_s) and \
        (not cap or max(per_day.values()) <= cap)
    return ok, (min(gaps) if gaps else 0), len(per_day), max(per_day.values())


def report(name, jobs, times, wall, gap_s, cap):
    ok, min_gap, days, busiest = check(jobs, gap_s, cap)
    print(f"{name:<9} {len(jobs)} posts in {wall:5.2f} s = {len(jobs) / wall:6.1f} posts/s; "
          f"POST p50 {percentile(times, 50):6.1f} p90 {percentile(times, 90):6.1f} "
          f"p99 {percentile(times, 99):6.1f} max {times[-1]:6.1f} ms; slots over {days} day(s), "
          f"min gap {min_gap:.0f} s, busiest day {busiest}: {'OK' if ok else 'WRONG'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listings", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=32)
    args = ap.parse_args()
    admin_url, bootstrap = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
    tag = time.strftime("schedule-%Y%m%dT%H%M%S")
    db = Database(admin_url, "bench_schedule")
    api = None
    try:
        api = Service("api", {"DATABASE_URL": db.url, "UPLOAD_DIR": f"/tmp/{tag}-uploads",
                              "KAFKA_GROUP_ID": f"bench-api-{tag}",
                              "KAFKA_AUTO_OFFSET_RESET": "latest",
                              "PLATFORMS": "sandbox,facebook_marketplace"}, bootstrap, tag)
        api.wait_ready()
        n = args.listings
        ids = sorted(r[0] for r in sql(db.url, "INSERT INTO listings (title, description,"
                                               " price_cents) SELECT 'Lamp ' || i, 'bench', 2500"
                                               " FROM generate_series(1, %s) i RETURNING id",
                                       (2 * n,)))
        r = requests.post(api.url + "/api/accounts",
                          json={"platform": "facebook_marketplace", "label": "bench"}, timeout=10)
        acc = r.json()["id"]
        pacing = requests.get(f"{api.url}/api/accounts/{acc}/pacing", timeout=10).json()
        eff = pacing["effective"]
        print(f"schedule burst: {n} listings posted at once by {args.clients} clients, per account")
        print(f"machine: {machine()}")
        ok = report("unpaced", *burst(api, ids[:n], "sandbox", 0, args.clients), 0, 0)
        ok &= report("paced", *burst(api, ids[n:], "facebook_marketplace", acc, args.clients),
                     eff["min_gap_s"], eff["posts_per_day"])
        held = sql(db.url, "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                           " AND next_attempt_at > now()")[0][0]
        print(f"paced requests held on the outbox: {held}; effective pacing {eff}")
        return 0 if ok else 1
    finally:
        if api:
            api.stop()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
