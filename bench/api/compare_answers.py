#!/usr/bin/env python3
"""Two builds of the api on one database answer the listing reads byte for byte alike.

Starts build/bin's api and OLD_BIN_DIR's api on a fresh database, inserts listings by SQL
with awkward text (quotes, backslashes, control characters, non-ASCII), NULLs, odd floats,
three statuses and 0-3 images (one without a thumbnail), then compares status, body and Link
of list pages (filters, cursors, limits, no match) and single listings: cold, warm, and after
a listing and an image were changed by SQL. Waits 1.1 s between rounds, so an old build's
1 s answer cache cannot hide a change. Exit status 1 on any difference.

Usage (bench/api/run.sh sets BENCH_PG_URL and BENCH_KAFKA):
    bench/api/run.sh compare OLD_BIN_DIR"""

import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
import benchstack  # noqa: E402
from benchstack import Database, Service, need_env, sql  # noqa: E402

WEIRD = ["plain", "quote\" back\\ slash", "ctl\x01\x1f tab\t nl\n", "ünïcödé ✓ 🪑", "100% _x_"]


def fill(url):
    for i, t in enumerate(WEIRD * 6):
        sql(url, "INSERT INTO listings (title, description, price_cents, min_price_cents,"
                 " flexibility, seller_notes, category, location, status)"
                 " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (t, t * 3, 1000 + i * 37, None if i % 2 else 500, [0.5, 1e-05, 0.1 + 0.2, 0, 1][i % 5],
             None if i % 3 else t, None if i % 4 else "Cat", "Loc",
             ["active", "sold", "archived"][i % 3]))
    ids = [r[0] for r in sql(url, "SELECT id FROM listings ORDER BY id")]
    for k, lid in enumerate(ids[::2]):
        for p in range(k % 4):
            sql(url, "INSERT INTO listing_images (listing_id, position, stored_name, thumb_name,"
                     " content_type, width, height, bytes, sha256)"
                     " VALUES (%s, %s, %s, %s, 'image/jpeg', 10, 20, 300, %s)",
                (lid, p, f"img{lid}_{p}.jpg", None if p == 1 else f"img{lid}_{p}_thumb.jpg", "a" * 64))
    return ids


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: compare_answers.py OLD_BIN_DIR")
    admin, kafka = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
    db = Database(admin, "bench_compare")
    apis = []
    tmp = tempfile.TemporaryDirectory(prefix="bench-compare-")
    try:
        def env(tag):
            return {"DATABASE_URL": db.url, "UPLOAD_DIR": f"{tmp.name}/{tag}",
                    "LOG_LEVEL": "warn", "KAFKA_GROUP_ID": f"bench-compare-{tag}-{time.time()}",
                    "KAFKA_AUTO_OFFSET_RESET": "latest"}
        apis.append(Service("api", env("new"), kafka, "compare-new").wait_ready())
        benchstack.BIN_DIR = Path(sys.argv[1])
        apis.append(Service("api", env("old"), kafka, "compare-old").wait_ready())
        new, old = apis
        ids = fill(db.url)
        paths = ["/api/listings", "/api/listings?limit=7", "/api/listings?status=sold",
                 "/api/listings?status=active&limit=3", "/api/listings?q=quote",
                 "/api/listings?q=%C3%BCn", "/api/listings?q=100%25",
                 f"/api/listings?cursor={ids[10]}&limit=4", "/api/listings?q=nomatch",
                 f"/api/listings?cursor={ids[0]}"] + [f"/api/listings/{i}" for i in ids[:5]]
        bad = 0
        for rnd in range(3):  # cold, warm, after a change
            for p in paths:
                a = requests.get(new.url + p, timeout=10)
                b = requests.get(old.url + p, timeout=10)
                if (a.status_code, a.content, a.headers.get("Link")) != \
                        (b.status_code, b.content, b.headers.get("Link")):
                    bad += 1
                    print(f"DIFFERENT round {rnd} {p}: {a.status_code} {len(a.content)} B"
                          f" vs {b.status_code} {len(b.content)} B")
            sql(db.url, "UPDATE listings SET title = title || '!' WHERE id = %s", (ids[3],))
            sql(db.url, "DELETE FROM listing_images WHERE listing_id = %s AND position = 0",
                (ids[4],))
            time.sleep(1.1)
        print(f"compared {3 * len(paths)} answers: {bad} different")
        return 1 if bad else 0
    finally:
        for a in apis:
            a.stop()
        db.drop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
