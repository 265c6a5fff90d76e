"""Slow clients against the api (issue 11, finding 2): N connections held open for a while —
half send half a request head and stop, half send a head and part of a multipart body and
stop — reopened as soon as the api answers 408 and closes them, so that N are always held.
Meanwhile /healthz and GET /api/listings are timed (sequential, one client) and the api's
RSS and threads are sampled. Prints a Markdown block for bench/README.md."""

import argparse
import os
import selectors
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
from benchstack import Database, Service, machine, need_env, percentile  # noqa: E402

HALF_HEAD = b"GET /api/listings HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
BOUNDARY = b"slowslowslow"
MULTIPART = (b"POST /api/listings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Content-Type: multipart/form-data; boundary=" + BOUNDARY + b"\r\n"
             b"Content-Length: 5000000\r\n\r\n"
             b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
             b"Slow lamp\r\n--" + BOUNDARY + b"\r\nContent-Disposition: form-data; "
             b"name=\"images\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
             + b"\xff\xd8" + b"x" * 4000)


def proc_status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("Threads", "VmRSS"):
            out[k] = int(v.split()[0])
    return out


class Attackers:
    """Keeps n slow connections open (half of each kind) until stop()."""

    def __init__(self, port, n):
        self.port = port
        self.n = n
        self.sel = selectors.DefaultSelector()
        self.stopped = threading.Event()
        self.opened = 0
        self.answers = {}
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open_one(self, kind):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(HALF_HEAD if kind == 0 else MULTIPART)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, (kind, b""))
        self.opened += 1

    def start(self):
        for i in range(self.n):
            self.open_one(i % 2)
        self.thread.start()

    def run(self):
        while not self.stopped.is_set():
            for key, _ in self.sel.select(timeout=0.2):
                kind, buf = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except OSError:
                    chunk = b""
                if chunk:
                    self.sel.modify(key.fileobj, selectors.EVENT_READ, (kind, buf + chunk))
                    continue
                status = buf.split(b" ", 2)[1].decode() if buf.startswith(b"HTTP/") else "closed"
                self.answers[status] = self.answers.get(status, 0) + 1
                self.sel.unregister(key.fileobj)
                key.fileobj.close()
                self.open_one(kind)  # keep n held

    def stop(self):
        self.stopped.set()
        self.thread.join()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()


def timed(sess, url):
    t0 = time.perf_counter()
    r = sess.get(url, timeout=10)
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        sys.exit(f"GET {url} answered {r.status_code}")
    return ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--threads", type=int, default=0, help="HTTP_THREADS (0: the api's default)")
    a = ap.parse_args()
    db = Database(need_env("BENCH_PG_URL"), "bench_slow")
    tmp = tempfile.mkdtemp(prefix="bench-slow-")
    env = {"DATABASE_URL": db.url, "UPLOAD_DIR": f"{tmp}/uploads",
           "KAFKA_GROUP_ID": f"bench-slow-{os.getpid()}", "KAFKA_AUTO_OFFSET_RESET": "latest",
           "LOG_LEVEL": "warn"}
    if a.threads:
        env["HTTP_THREADS"] = a.threads
    api = Service("api", env, need_env("BENCH_KAFKA"), "slow")
    try:
        api.wait_ready()
        for i in range(20):
            requests.post(api.url + "/api/listings", json={"title": f"L{i}", "price": "9"},
                          timeout=10)
        sess = requests.Session()
        base_hz = sorted(timed(sess, api.url + "/healthz") for _ in range(200))
        base_ls = sorted(timed(sess, api.url + "/api/listings") for _ in range(200))
        base = proc_status(api.proc.pid)
        att = Attackers(api.port, a.clients)
        att.start()
        hz, ls, rss, thr = [], [], [], []
        t_end = time.monotonic() + a.seconds
        while time.monotonic() < t_end:
            # a fresh connection each time too: a new client must get a worker
            hz.append(timed(requests, api.url + "/healthz"))
            ls.append(timed(sess, api.url + "/api/listings"))
            st = proc_status(api.proc.pid)
            rss.append(st["VmRSS"])
            thr.append(st["Threads"])
            time.sleep(0.05)
        att.stop()
        alive = api.proc.poll() is None
        hz.sort()
        ls.sort()
        print(f"Machine: {machine()}; {a.clients} slow connections held {a.seconds} s "
              f"(half: half a request head; half: head + 4 KB of a 5 MB multipart), reopened "
              f"when the api closes them; HTTP_THREADS={a.threads or 'default'}.\n")
        print("| | /healthz p50 / p99 / max (ms) | GET /api/listings p50 / p99 / max (ms) | "
              "requests | api RSS (MiB) | api threads |")
        print("|---|---|---|---|---|---|")
        print(f"| no slow clients | {percentile(base_hz, 50):.2f} / {percentile(base_hz, 99):.2f}"
              f" / {base_hz[-1]:.2f} | {percentile(base_ls, 50):.2f} / "
              f"{percentile(base_ls, 99):.2f} / {base_ls[-1]:.2f} | 200 + 200 | "
              f"{base['VmRSS'] / 1024:.1f} | {base['Threads']} |")
        print(f"| {a.clients} slow clients | {percentile(hz, 50):.2f} / {percentile(hz, 99):.2f}"
              f" / {hz[-1]:.2f} | {percentile(ls, 50):.2f} / {percentile(ls, 99):.2f} / "
              f"{ls[-1]:.2f} | {len(hz)} + {len(ls)} | {min(rss) / 1024:.1f}–"
              f"{max(rss) / 1024:.1f} | {max(thr)} |")
        print(f"\nSlow connections opened: {att.opened}; how the api ended them: "
              f"{', '.join(f'{k}: {v}' for k, v in sorted(att.answers.items()))}. "
              f"api alive afterwards: {alive}.")
    finally:
        api.stop()
        db.drop()


if __name__ == "__main__":
    main()
