#!/usr/bin/env python3
"""The dashboard with many listings: starts the api (build/bin) on a fresh database of the
PostgreSQL and Kafka named by BENCH_PG_URL / BENCH_KAFKA (default: the test profile's,
`scripts/stack.sh up --profile test`), creates N listings with one photo each (docs/sample/desk.jpg)
through the API and posts each to a platform no poster serves (jobs stay pending: every card has a badge),
then measures the SPA's first render in Chromium (dashboard_render.mjs). Needs `make bins`
and a built SPA (scripts/build-frontend.sh)."""

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listings", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    pg = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:55432/postgres")
    kafka = os.environ.get("BENCH_KAFKA", "127.0.0.1:29092")
    db = "bench_dash_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{db}"')
    db_url = pg.rpartition("/")[0] + "/" + db
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="bench-dash-")
    log = open(Path(tmp) / "api.log", "wb")
    env = dict(os.environ, DATABASE_URL=db_url, KAFKA_BOOTSTRAP_SERVERS=kafka,
               HTTP_PORT=str(port), HTTP_HOST="127.0.0.1", UPLOAD_DIR=tmp + "/uploads",
               PLATFORMS="sandbox,bench_noop", KAFKA_GROUP_ID="bench-dash-" + uuid.uuid4().hex[:8],
               LOG_LEVEL="warn")
    api = subprocess.Popen([str(ROOT / "build/bin/byebuy-api")], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        photo = (ROOT / "docs/sample/desk.jpg").read_bytes()

        def create(i):
            r = requests.post(base + "/api/listings", timeout=60,
                              data={"title": f"Bench item {i}", "price": f"{10 + i}.00",
                                    "description": "A listing of the dashboard benchmark."},
                              files=[("images", (f"p{i}.jpg", io.BytesIO(photo), "image/jpeg"))])
            r.raise_for_status()
            lid = r.json()["id"]
            requests.post(f"{base}/api/listings/{lid}/post", json={"platform": "bench_noop"},
                          timeout=30).raise_for_status()

        t0 = time.monotonic()
        with ThreadPoolExecutor(4) as ex:
            list(ex.map(create, range(args.listings)))
        seeded = time.monotonic() - t0
        out = subprocess.run(["node", str(ROOT / "bench/frontend/dashboard_render.mjs"), base,
                              str(args.runs)], capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            sys.exit(f"dashboard_render.mjs failed:\n{out.stdout}\n{out.stderr}")
        result = json.loads(out.stdout)
        result["listings"] = args.listings
        result["seed_s"] = round(seeded, 1)
        print(json.dumps(result, indent=1))
    finally:
        api.terminate()
        api.wait(timeout=20)
        with psycopg.connect(pg, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
