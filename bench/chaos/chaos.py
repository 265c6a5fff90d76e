#!/usr/bin/env python3
"""Chaos under load (issue 11): posts to the sandbox marketplace while faults hit the stack
in turn - kill -9 of each supervised service (api, poster, monitor, responder, sandbox,
chromedriver), a Kafka restart and a PostgreSQL restart - then checks that every post
ended `posted` exactly once (0 lost, 0 posted twice) and reports the time each fault took
to recover from.

It runs its own dev-profile stack (`scripts/stack.sh up` with BB_RUN_DIR in /tmp and free
ports: supervisord, byebuy-browser, SASL, passwords - what `make up` runs), needs root, and
removes the stack at the end (--keep leaves it).

  bench/chaos/chaos.py --posts 40 --interval 2 --fault-every 25
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack.sh"
PHOTO = ROOT / "docs" / "sample" / "desk.jpg"
PORTS = ["PG", "KAFKA", "KAFKA_CONTROLLER", "API", "POSTER", "MONITOR", "RESPONDER", "SANDBOX",
         "CHROMEDRIVER"]
# The sandbox marketplace keeps its items in memory: a kill -9 of it is a marketplace that
# forgot every listing (so "posted twice" could no longer be counted), not a fault of ours.
# --with-sandbox adds it anyway.
FAULTS = ["api", "poster", "kafka", "monitor", "responder", "pg", "chromedriver"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self):
        self.run = tempfile.mkdtemp(prefix="bb-chaos-", dir="/tmp")
        os.chmod(self.run, 0o755)
        self.ports = {p: free_port() for p in PORTS}
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
        self.env.update({f"BB_{p}_PORT": str(v) for p, v in self.ports.items()})
        self.env.update(BB_RUN_DIR=self.run, BB_KAFKA_READY_TIMEOUT="300", BB_READY_TIMEOUT="180")
        self.api = f"http://127.0.0.1:{self.ports['API']}"
        self.sandbox = f"http://127.0.0.1:{self.ports['SANDBOX']}"

    def sh(self, *args, timeout=900):
        p = subprocess.run([str(STACK), *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            sys.stderr.write(p.stderr[-3000:])
            raise SystemExit(f"stack.sh {' '.join(args)} failed")
        return p

    def pid(self, name):
        out = subprocess.run(["supervisorctl", "-c", f"{self.run}/supervisord.conf", "pid",
                              f"byebuy:{name}"], capture_output=True, text=True).stdout.strip()
        return int(out) if out.isdigit() else 0

    def health(self, name):
        if name == "chromedriver":
            return f"http://127.0.0.1:{self.ports['CHROMEDRIVER']}/status"
        if name == "api":
            return self.api + "/readyz"
        return f"http://127.0.0.1:{self.ports[name.upper()]}/healthz"

    def psql(self, query):
        env = dict(os.environ, PGPASSFILE=f"{self.run}/secrets/pgpass")
        p = subprocess.run(["psql", "-w", "-h", "127.0.0.1", "-p", str(self.ports["PG"]), "-U",
                            "postgres", "-d", "byebuy", "-Atc", query], env=env,
                           capture_output=True, text=True, timeout=30)
        return p.stdout.strip() if p.returncode == 0 else None


def ok(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_ok(url, timeout=300):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if ok(url):
            return time.monotonic() - t0
        time.sleep(0.1)
    return None


def retry(fn, what, timeout=300):
    """Calls fn until it returns a value (the api may be down for a while)."""
    t0 = time.monotonic()
    while True:
        try:
            v = fn()
            if v is not None:
                return v
        except requests.RequestException:
            pass
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"{what}: gave up after {timeout}s")
        time.sleep(0.5)


def create_listing(st, i, run_id):
    def go():
        with open(PHOTO, "rb") as f:
            r = requests.post(st.api + "/api/listings", timeout=30,
                              files={"images": ("desk.jpg", f, "image/jpeg")},
                              data={"title": f"chaos {run_id} {i}", "description": "chaos bench",
                                    "price": str(10 + i), "condition": "good",
                                    "category": "Furniture", "location": "Brooklyn, NY"})
        return r.json()["id"] if r.status_code == 201 else None

    # A create cut by a kill leaves no listing (one transaction) or a whole one: look first.
    def find():
        rows = st.psql(f"SELECT id FROM listings WHERE title = 'chaos {run_id} {i}'")
        return int(rows.splitlines()[0]) if rows else None

    return retry(lambda: find() or go(), f"create {i}")


def post_listing(st, lid):
    # A POST cut by a kill may have committed its job: never post a listing twice ourselves.
    def go():
        have = st.psql(f"SELECT count(*) FROM posting_jobs WHERE listing_id = {lid}")
        if have is None:
            return None
        if int(have) > 0:
            return True
        r = requests.post(f"{st.api}/api/listings/{lid}/post", json={"platform": "sandbox"},
                          timeout=30)
        return True if r.status_code in (200, 201, 202) else None

    retry(go, f"post {lid}")


def fault_loop(st, stop, every, log):
    i = 0
    while not stop.wait(every):
        name = FAULTS[i % len(FAULTS)]
        i += 1
        t0 = time.monotonic()
        if name in ("kafka", "pg"):
            st.sh("restart", name)
            took = wait_ok(st.api + "/readyz")
            rec = {"fault": f"restart {name}", "restart_s": round(time.monotonic() - t0, 1),
                   "api_ready_s": round(time.monotonic() - t0, 1) if took is not None else None}
        else:
            old = st.pid(name)
            if old:
                os.kill(old, signal.SIGKILL)
            while True:
                new = st.pid(name)
                if new and new != old:
                    break
                if time.monotonic() - t0 > 120:
                    new = None
                    break
                time.sleep(0.1)
            took = wait_ok(st.health(name))
            rec = {"fault": f"kill -9 {name}",
                   "recovered_s": round(time.monotonic() - t0, 1) if took is not None else None}
        print(json.dumps(rec), flush=True)
        log.append(rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=40)
    ap.add_argument("--interval", type=float, default=2.0, help="seconds between posts")
    ap.add_argument("--fault-every", type=float, default=25.0)
    ap.add_argument("--settle", type=float, default=1800, help="max seconds to wait at the end")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--with-sandbox", action="store_true", help="kill -9 the sandbox too")
    args = ap.parse_args()
    if args.with_sandbox:
        FAULTS.insert(6, "sandbox")
    run_id = hex(int(time.time()))[2:]
    st = Stack()
    t_up = time.monotonic()
    print(f"starting a dev stack in {st.run}", flush=True)
    st.sh("up")
    print(f"stack up in {time.monotonic() - t_up:.0f} s", flush=True)
    faults, stop = [], threading.Event()
    listings = []
    try:
        thr = threading.Thread(target=fault_loop, args=(st, stop, args.fault_every, faults))
        t0 = time.monotonic()
        thr.start()
        for i in range(args.posts):
            lid = create_listing(st, i, run_id)
            post_listing(st, lid)
            listings.append(lid)
            time.sleep(args.interval)
        # keep the faults coming until every fault ran once, then let the jobs finish
        while len(faults) < len(FAULTS) and time.monotonic() - t0 < args.settle:
            time.sleep(1)
        stop.set()
        thr.join()
        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline:
            pending = st.psql("SELECT count(*) FROM posting_jobs WHERE kind = 'post' AND status"
                              " NOT IN ('posted', 'failed')")
            if pending == "0":
                break
            time.sleep(2)
        elapsed = time.monotonic() - t0
        rows = st.psql("SELECT listing_id, status, coalesce(error_code, ''), attempt FROM"
                       " posting_jobs WHERE kind = 'post' ORDER BY listing_id")
        jobs = [r.split("|") for r in rows.splitlines()] if rows else []
        items = requests.get(st.sandbox + "/_sandbox/items", timeout=30).json()
        titles = {}
        for it in items:
            titles[it.get("title")] = titles.get(it.get("title"), 0) + 1
        ours = {f"chaos {run_id} {i}" for i in range(args.posts)}
        twice = sorted(t for t, n in titles.items() if t in ours and n > 1)
        missing = sorted(ours - set(titles))
        result = {
            "posts": args.posts, "seconds": round(elapsed), "jobs": len(jobs),
            "posted": sum(1 for j in jobs if j[1] == "posted"),
            "failed": [j for j in jobs if j[1] == "failed"],
            "not_finished": [j for j in jobs if j[1] not in ("posted", "failed")],
            "listings_without_job": sorted(set(listings) - {int(j[0]) for j in jobs}),
            "sandbox_items": sum(titles.get(t, 0) for t in ours),
            "posted_twice": twice, "missing_on_marketplace": missing,
            "retried_jobs": sum(1 for j in jobs if int(j[3]) > 1),
            "faults": faults,
        }
        print(json.dumps(result, indent=1))
    finally:
        stop.set()
        if not args.keep:
            subprocess.run([str(STACK), "clean"], env=st.env, capture_output=True, timeout=600)
            shutil.rmtree(st.run, ignore_errors=True)


if __name__ == "__main__":
    main()
