"""What idle GET /api/events streams cost the api: threads, resident memory and descriptors
with N streams open against none, the latency of /healthz and /api/listings meanwhile (a
small worker pool, HTTP_THREADS, to show that streams take no worker), and how long one
change takes to reach every stream (POST /api/listings -> the `listing` event read by the
last of the N clients). Prints a Markdown block for bench/README.md."""

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
from benchstack import Database, Service, machine, need_env, percentile  # noqa: E402


def proc_status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("Threads", "VmRSS"):
            out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def open_stream(url):
    host, port = url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    buf = b""
    while b"event: hello" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("a stream closed before its hello event")
        buf += chunk
    if not buf.startswith(b"HTTP/1.1 200"):
        sys.exit(f"GET /api/events answered {buf[:60]!r}")
    return s


def latencies(url, path, n):
    sess = requests.Session()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = sess.get(url + path, timeout=10)
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            sys.exit(f"GET {path} answered {r.status_code}")
    return sorted(out)


def has_listing_event(buf, lid):
    for block in buf.split(b"\n\n"):
        lines = block.decode(errors="replace").split("\n")
        if "event: listing" in lines:
            data = [ln[6:] for ln in lines if ln.startswith("data: ")]
            if data and json.loads(data[0]).get("id") == lid:
                return True
    return False


def fan_out(api, streams):
    """ms from POSTing a listing to the last stream reading its event."""
    t0 = time.perf_counter()
    r = requests.post(api.url + "/api/listings", json={"title": "fan-out", "price": "5"},
                      timeout=10)
    lid = r.json()["id"]
    done = []
    for s in streams:
        buf = b""
        s.settimeout(10)
        while not has_listing_event(buf, lid):
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("a stream closed during the fan-out")
            buf += chunk
        done.append((time.perf_counter() - t0) * 1000)
    return sorted(done)


def row(label, st, hz, ls):
    return (f"| {label} | {st['Threads']} | {st['VmRSS'] / 1024:.1f} MiB | {st['fds']} | "
            f"{percentile(hz, 50):.2f} / {percentile(hz, 99):.2f} | "
            f"{percentile(ls, 50):.2f} / {percentile(ls, 99):.2f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--requests", type=int, default=300)
    a = ap.parse_args()
    db = Database(need_env("BENCH_PG_URL"), "bench_sse")
    tmp = tempfile.mkdtemp(prefix="bench-sse-")
    api = Service("api", {"DATABASE_URL": db.url, "UPLOAD_DIR": f"{tmp}/uploads",
                          "HTTP_THREADS": a.threads, "KAFKA_GROUP_ID": f"bench-sse-{os.getpid()}",
                          "KAFKA_AUTO_OFFSET_RESET": "latest"},
                  need_env("BENCH_KAFKA"), "sse")
    try:
        api.wait_ready()
        for i in range(20):
            requests.post(api.url + "/api/listings", json={"title": f"L{i}", "price": "9"},
                          timeout=10)
        latencies(api.url, "/api/listings", 50)  # warm-up
        base = proc_status(api.proc.pid)
        base_hz = latencies(api.url, "/healthz", a.requests)
        base_ls = latencies(api.url, "/api/listings", a.requests)
        t0 = time.perf_counter()
        streams = [open_stream(api.url) for _ in range(a.clients)]
        open_s = time.perf_counter() - t0
        time.sleep(1)
        with_st = proc_status(api.proc.pid)
        hz = latencies(api.url, "/healthz", a.requests)
        ls = latencies(api.url, "/api/listings", a.requests)
        fan = [fan_out(api, streams) for _ in range(5)]
        last = sorted(f[-1] for f in fan)
        print(f"Machine: {machine()}; HTTP_THREADS={a.threads}, {a.requests} sequential "
              f"requests per path, latencies p50 / p99 in ms.\n")
        print("| streams open | api threads | api RSS | api fds | /healthz | /api/listings |")
        print("|---|---|---|---|---|---|")
        print(row("0", base, base_hz, base_ls))
        print(row(str(a.clients), with_st, hz, ls))
        per = (with_st["VmRSS"] - base["VmRSS"]) / a.clients
        print(f"\n{a.clients} streams opened in {open_s * 1000:.0f} ms; "
              f"+{with_st['Threads'] - base['Threads']} threads, "
              f"+{(with_st['VmRSS'] - base['VmRSS']) / 1024:.2f} MiB RSS "
              f"({per:.1f} KiB per stream), +{with_st['fds'] - base['fds']} descriptors.")
        print(f"One change to all {a.clients} streams (POST /api/listings -> the last client "
              f"read its event), 5 runs: {', '.join(f'{v:.1f}' for v in last)} ms.")
        for s in streams:
            s.close()
        print(json.dumps({"base": base, "with": with_st}), file=sys.stderr)
    finally:
        api.stop()
        db.drop()


if __name__ == "__main__":
    main()
