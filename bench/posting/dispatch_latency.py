#!/usr/bin/env python3
"""Dispatch latency: POST /api/listings/{id}/post -> posting.started on bb.posting.events.

Starts an api (fresh database) and a poster, creates --posts listings, then posts each once,
paced --interval-ms apart, to a platform that the api accepts and the poster has no driver
for ("bench_noop"): the poster consumes the request, publishes posting.started and then
posting.failed (no_driver) without opening a browser. Browser work starts only after
posting.started, so this is the whole dispatch path: HTTP request, job + outbox row in one
transaction, outbox relay (LISTEN/NOTIFY) -> Kafka (acks=all), poster consumer -> worker
thread -> posting.started delivered (acks=all).

Clock: one host. t0 = client time just before the HTTP request is sent; the Kafka
CreateTime (ms) of posting.requested (set by the api's relay producer) and of
posting.started (set by the poster's producer) split the path in two.

Usage: bench/posting/run.sh dispatch [--posts 200] [--interval-ms 25]"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchstack import (ROOT, Chromedriver, Database, Service, group_at_end,  # noqa: E402
                        machine, need_env, percentile, randomize_ids)

PLATFORM = "bench_noop"


def consume(bootstrap, topic, start_ms):
    """Messages of topic produced since start_ms: [(ts_ms, key, payload dict)]."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", f"s@{start_ms}",
                          "-e", "-J", "-q"], capture_output=True, text=True, timeout=120)
    msgs = []
    for line in out.stdout.splitlines():
        try:
            m = json.loads(line)
            payload = json.loads(m.get("payload") or "null")
        except ValueError:
            continue
        if isinstance(payload, dict):
            msgs.append((m.get("ts"), m.get("key"), payload))
    return msgs


def stats(name, values):
    v = sorted(values)
    return (f"{name:<34} n={len(v):<4} p50={percentile(v, 50):7.1f}  p90={percentile(v, 90):7.1f}"
            f"  p99={percentile(v, 99):7.1f}  max={v[-1]:7.1f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--interval-ms", type=float, default=25.0)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()
    admin_url, bootstrap = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
    tag = time.strftime("dispatch-%Y%m%dT%H%M%S")

    db = Database(admin_url, "bench_dispatch")
    started = []
    try:
        poster_group = group_at_end(bootstrap, "bb.posting.requests", "bench-poster")
        api = Service("api", {"DATABASE_URL": db.url, "UPLOAD_DIR": f"/tmp/{tag}-uploads",
                              "KAFKA_GROUP_ID": f"bench-api-{tag}",
                              "KAFKA_AUTO_OFFSET_RESET": "latest",
                              "PLATFORMS": f"sandbox,{PLATFORM}"}, bootstrap, tag)
        started.append(api)
        api.wait_ready()
        randomize_ids(db.url)
        chromedriver = Chromedriver(tag)
        started.append(chromedriver)
        poster = Service("poster", {"KAFKA_GROUP_ID": poster_group, "WORKERS": "4",
                                    "WEBDRIVER_URL": chromedriver.url,
                                    "RECIPES_DIR": ROOT / "services" / "poster" / "recipes",
                                    "PROFILE_DIR": f"/tmp/{tag}-profiles",
                                    "WORK_DIR": f"/tmp/{tag}-poster-work",
                                    "API_PUBLIC_URL": api.url}, bootstrap, tag)
        started.append(poster)
        poster.wait_ready()

        total = args.warmup + args.posts
        listings = []
        for i in range(total):
            r = requests.post(api.url + "/api/listings", timeout=30,
                              json={"title": f"Bench lamp {i}", "price": "25.00",
                                    "description": "dispatch benchmark", "condition": "good"})
            r.raise_for_status()
            listings.append(r.json()["id"])

        session = requests.Session()
        sent = {}  # job id -> (t0 ms, HTTP round trip ms)
        start_ms = int(time.time() * 1000) - 1000
        next_at = time.monotonic()
        for i, lid in enumerate(listings):
            if i == args.warmup:
                time.sleep(3)  # warm-up done: connections, partitions, pools
            t0 = time.time()
            r = session.post(f"{api.url}/api/listings/{lid}/post", json={"platform": PLATFORM},
                             timeout=30)
            t1 = time.time()
            if r.status_code != 201:
                sys.exit(f"POST /post answered {r.status_code}: {r.text}")
            if i >= args.warmup:
                sent[str(r.json()["id"])] = (t0 * 1000, (t1 - t0) * 1000)
            next_at += args.interval_ms / 1000
            time.sleep(max(0.0, next_at - time.monotonic()))

        started_ts, requested_ts = {}, {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for ts, key, ev in consume(bootstrap, "bb.posting.events", start_ms):
                if key in sent and ev.get("type") == "posting.started":
                    started_ts.setdefault(key, ts)
            if len(started_ts) == len(sent):
                break
            time.sleep(1)
        for ts, key, ev in consume(bootstrap, "bb.posting.requests", start_ms):
            job = str((ev.get("data") or {}).get("job_id"))
            if job in sent and ev.get("type") == "posting.requested":
                requested_ts.setdefault(job, ts)
        missing = [j for j in sent if j not in started_ts]

        print(f"dispatch latency: {len(sent)} posts, one every {args.interval_ms:g} ms "
              f"(after {args.warmup} warm-up posts)")
        print(f"machine: {machine()}")
        if missing:
            print(f"MISSING posting.started for {len(missing)} job(s): {missing[:5]}")
        both = [j for j in sent if j in started_ts and j in requested_ts]
        print(stats("HTTP POST /post round trip", [sent[j][1] for j in sent]))
        print(stats("POST sent -> posting.requested", [requested_ts[j] - sent[j][0] for j in both]))
        print(stats("posting.requested -> .started", [started_ts[j] - requested_ts[j]
                                                      for j in both]))
        print(stats("POST sent -> posting.started", [started_ts[j] - sent[j][0]
                                                     for j in sent if j in started_ts]))
        return 1 if missing else 0
    finally:
        for s in reversed(started):
            s.stop()
        db.drop()


if __name__ == "__main__":
    sys.exit(main())
