"""Listing creates with photos under load, then the api's memory after the burst.

Starts an api (build/bin) on a fresh database, makes three ~1 MB phone-like JPEGs (noise
texture from the vips CLI, 1920x1440, EXIF with Orientation 1 and a GPS block spliced in as
tests/integration/conftest.py does), and drives POST /api/listings (multipart: title, price
and the three photos) with wrk: --clients connections with keep-alive for --duration
seconds. Prints creates/s, latency p50/p90/p99, errors and the load average sampled during
the burst, checks that the rows and files are there and that no GPS survived, then samples
the api's VmRSS every --rss-interval seconds for --rss-seconds. --runs repeats burst +
sampling against the same api (memory over repeated bursts).

Environment: BENCH_PG_URL, BENCH_KAFKA (bench/images/run.sh sets them)."""

import argparse
import json
import resource
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
import requests  # noqa: E402
from benchstack import Database, Service, machine, need_env, percentile, sql  # noqa: E402

HERE = Path(__file__).resolve().parent
COLORS = [(128, 110, 90), (90, 128, 110), (110, 90, 128)]


def le16(v):
    return v.to_bytes(2, "little")


def le32(v):
    return v.to_bytes(4, "little")


def exif_app1():
    """APP1 EXIF: IFD0 with Orientation 1 and a GPSInfo IFD holding a latitude."""
    tiff = b"II*\x00" + le32(8) + le16(2)
    tiff += le16(0x0112) + le16(3) + le32(1) + le16(1) + le16(0)
    tiff += le16(0x8825) + le16(4) + le32(1) + le32(38)
    tiff += le32(0)
    tiff += le16(1) + le16(1) + le16(2) + le32(2) + b"N\x00\x00\x00" + le32(0)
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


def make_photo(path, mean, sigma=19, width=1920, height=1440):
    work = Path(tempfile.mkdtemp(prefix="bb-photo-"))
    bands = []
    for i, m in enumerate(mean):
        band = work / f"b{i}.v"
        subprocess.run(["vips", "gaussnoise", str(band), str(width), str(height),
                        "--sigma", str(sigma), "--mean", str(m)], check=True)
        bands.append(str(band))
    subprocess.run(["vips", "bandjoin", " ".join(bands), str(work / "rgb.v")], check=True)
    subprocess.run(["vips", "cast", str(work / "rgb.v"), str(work / "u.v"), "uchar"], check=True)
    subprocess.run(["vips", "copy", str(work / "u.v"), str(work / "p.jpg") + "[Q=85]"],
                   check=True)
    raw = (work / "p.jpg").read_bytes()
    shutil.rmtree(work)
    Path(path).write_bytes(raw[:2] + exif_app1() + raw[2:])
    return Path(path)


def multipart(photos, boundary):
    parts = []
    for name, value in (("title", "Bench lamp"), ("price", "19.99")):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for p in photos:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="images"; '
                     f'filename="{p.name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                     + p.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def cpu_seconds(pid):
    """User + system CPU time of a process so far (load-independent cost of the work)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(db_url):
    """CPU time of the PostgreSQL server (postmaster, its live children, and the children
    that exited, which the kernel adds to the postmaster's cutime/cstime); None when the
    server is not on this machine or not readable."""
    try:
        data_dir = sql(db_url, "SHOW data_directory")[0][0]
        master = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{master}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(x) for x in fields[11:15])
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                f = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(f[1]) == master:
                ticks += int(f[11]) + int(f[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def loadavg():
    return Path("/proc/loadavg").read_text().split()[0]


def reader(url, stop, latencies):
    """One client reading the listing page (uncached: a new query string each time) every
    50 ms while the creates run: the reads that image work must not block."""
    session = requests.Session()
    n = 0
    while not stop.wait(0.05):
        n += 1
        t0 = time.monotonic()
        try:
            ok = session.get(f"{url}/api/listings?limit=20&q=lamp&r={n}", timeout=30).ok
        except requests.RequestException:
            ok = False
        latencies.append((time.monotonic() - t0) * 1000 if ok else float("inf"))


def burst(url, body_path, boundary, clients, duration):
    """wrk against POST /api/listings, with one reader beside it; returns wrk's RESULT dict,
    the load averages and the reader's latencies (ms)."""
    env = dict(os.environ, BENCH_BODY=str(body_path), BENCH_BOUNDARY=boundary)
    loads, stop, reads = [loadavg()], threading.Event(), []

    def sample():
        while not stop.wait(5):
            loads.append(loadavg())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    r = threading.Thread(target=reader, args=(url, stop, reads), daemon=True)
    r.start()
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{duration}s", "--timeout", "30s",
                          "-s", str(HERE / "create.lua"), url + "/api/listings"],
                         env=env, capture_output=True, text=True, timeout=duration + 120)
    stop.set()
    t.join()
    r.join()
    loads.append(loadavg())
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT "):]), loads, sorted(reads)


def check_stored(api, db_url, upload_dir, expect_min):
    time.sleep(1)  # wrk stops with requests in flight; let them finish
    listings, images = sql(db_url, "SELECT (SELECT count(*) FROM listings),"
                                   " (SELECT count(*) FROM listing_images)")[0]
    name = sql(db_url, "SELECT stored_name FROM listing_images ORDER BY id DESC LIMIT 1")[0][0]
    data = (upload_dir / name).read_bytes()
    gps = b"Exif\x00\x00" in data
    ok = listings >= expect_min and images == 3 * listings and not gps
    print(f"  stored: {listings} listings, {images} images, last image {len(data)} bytes, "
          f"EXIF left: {gps} -> {'ok' if ok else 'WRONG'}")
    return images


def sample_rss(pid, seconds, interval):
    samples, start = [], time.monotonic()
    while True:
        t = time.monotonic() - start
        samples.append((t, rss_kb(pid)))
        if t >= seconds:
            return samples
        time.sleep(interval)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--rss-seconds", type=int, default=60)
    ap.add_argument("--rss-interval", type=int, default=5)
    ap.add_argument("--api-env", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    pg, kafka = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")

    work = Path(tempfile.mkdtemp(prefix="bb-bench-images-"))
    db = Database(pg, "bench_images")
    api = None
    try:
        photos = [make_photo(work / f"photo{i}.jpg", c) for i, c in enumerate(COLORS)]
        boundary = "bench" + uuid.uuid4().hex
        body_path = work / "body.bin"
        body_path.write_bytes(multipart(photos, boundary))
        uploads = work / "uploads"
        env = {"DATABASE_URL": db.url, "UPLOAD_DIR": str(uploads), "LOG_LEVEL": "warn",
               "PLATFORMS": "facebook_marketplace"}
        env.update(kv.split("=", 1) for kv in args.api_env)
        api = Service("api", env, kafka, "images").wait_ready()
        print(f"machine: {machine()}")
        print(f"photos: {', '.join(f'{p.stat().st_size} B' for p in photos)} (1920x1440, EXIF "
              f"+ GPS); body {body_path.stat().st_size} B; {args.clients} clients, "
              f"{args.duration} s; api env {args.api_env or 'defaults'}")
        print(f"api RSS idle before the first burst: {rss_kb(api.proc.pid) / 1024:.1f} MB")
        total = 0
        for run in range(1, args.runs + 1):
            cpu0, pg0 = cpu_seconds(api.proc.pid), postgres_cpu_seconds(db.url)
            wrk0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            res, loads, reads = burst(api.url, body_path, boundary, args.clients, args.duration)
            cpu = cpu_seconds(api.proc.pid) - cpu0
            pg1, wrk1 = postgres_cpu_seconds(db.url), resource.getrusage(resource.RUSAGE_CHILDREN)
            pg_cpu = pg1 - pg0 if pg0 is not None and pg1 is not None else float("nan")
            wrk_cpu = (wrk1.ru_utime + wrk1.ru_stime) - (wrk0.ru_utime + wrk0.ru_stime)
            ok = res["requests"] - res["status"]
            errors = res["status"] + res["connect"] + res["read"] + res["write"] + res["timeout"]
            total += ok
            secs = res["duration_us"] / 1e6
            print(f"run {run} ({time.strftime('%H:%M:%S', time.gmtime())} UTC): "
                  f"{ok / secs:.1f} creates/s ({ok} in {secs:.1f} s), "
                  f"p50 {res['p50_us'] / 1000:.0f} ms, p90 {res['p90_us'] / 1000:.0f} ms, "
                  f"p99 {res['p99_us'] / 1000:.0f} ms, errors {errors} "
                  f"(status {res['status']}, timeout {res['timeout']}, "
                  f"socket {res['connect'] + res['read'] + res['write']}); "
                  f"CPU per create: api {1000 * cpu / max(ok, 1):.1f} ms, PostgreSQL "
                  f"{1000 * pg_cpu / max(ok, 1):.1f} ms, wrk {1000 * wrk_cpu / max(ok, 1):.1f} ms; "
                  f"load average during the run {' '.join(loads)}")
            print(f"  reads during the burst (GET /api/listings?limit=20, uncached): {len(reads)}, "
                  f"p50 {percentile(reads, 50):.0f} ms, p99 {percentile(reads, 99):.0f} ms, "
                  f"failed {sum(1 for x in reads if x == float('inf'))}")
            stored_images = check_stored(api, db.url, uploads, total)
            samples = sample_rss(api.proc.pid, args.rss_seconds, args.rss_interval)
            under = next((t for t, kb in samples if kb < 60 * 1024), None)
            print("  RSS after the burst (s: MB): " + ", ".join(
                f"{t:.0f}: {kb / 1024:.0f}" for t, kb in samples))
            thumbs = sum(1 for p in uploads.iterdir() if p.name.endswith("_thumb.jpg"))
            print(f"  under 60 MB after: {'%.0f s' % under if under is not None else 'NOT within'}"
                  f" {args.rss_seconds} s; thumbnails made so far {thumbs} of {stored_images} "
                  f"(the rest on first request); load average now {loadavg()}")
    finally:
        if api:
            api.stop()
        db.drop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
