"""GET /api/events (Server-Sent Events fed by PostgreSQL LISTEN/NOTIFY) and the dashboard's
static serving at /, against the real api: a listing change and a job log arrive on an open
stream; Last-Event-ID resumes without loss (an id the api no longer holds gets a reset);
200 idle streams cost no worker threads while /healthz and /api/listings keep answering
fast; the api stops cleanly with streams open; the SPA's cache headers, deep links, content
types, 404s and path traversal attempts."""

import json
import os
import signal
import socket
import time

import pytest
import requests

from conftest import sql
from test_api_foundation import api_env

pytestmark = pytest.mark.timeout(180)


class Stream:
    """A raw SSE client: sends the request, checks the head, parses events."""

    def __init__(self, url, last_event_id=None, timeout=10):
        host, port = url.split("//")[1].split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id is not None else ""
        self.sock.sendall(f"GET /api/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                          f"{extra}\r\n".encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            assert chunk, "connection closed before the response head"
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.head = head.decode()
        self.comments = 0

    def events(self, timeout=10, until=None):
        """Parsed events ({id, event, data}) until `until(event)` is true or timeout."""
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\n\n" in self.buf:
                block, self.buf = self.buf.split(b"\n\n", 1)
                ev = {}
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        self.comments += 1
                        continue
                    k, _, v = line.partition(": ")
                    ev[k] = v
                if "event" in ev:
                    ev["json"] = json.loads(ev["data"])
                    out.append(ev)
                    if until and until(ev):
                        return out
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        return out

    def close(self):
        self.sock.close()


@pytest.fixture
def api(services, fresh_db, tmp_path):
    svc = services.start("api", env=api_env(fresh_db, tmp_path, SSE_HEARTBEAT_MS=500,
                                            SPA_DIR=tmp_path / "dist"))
    svc.db = fresh_db
    svc.dist = tmp_path / "dist"
    return svc


def create_listing(api, title):
    r = requests.post(api.url + "/api/listings",
                      json={"title": title, "description": "d", "price": "12.50"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_listing_change_and_job_log_arrive(api):
    s = Stream(api.url)
    assert s.head.startswith("HTTP/1.1 200")
    assert "Content-Type: text/event-stream" in s.head
    assert "Cache-Control: no-cache" in s.head and "Content-Length" not in s.head
    hello = s.events(until=lambda e: e["event"] == "hello")
    assert hello and hello[0]["json"]["last_id"] == int(hello[0]["id"])
    lid = create_listing(api, "Lamp")
    got = s.events(until=lambda e: e["event"] == "listing")
    assert got[-1]["json"] == {"type": "listing", "op": "insert", "id": lid, "status": "active"}
    # a job log, however written (here the poster's log rows as the applier stores them)
    job = sql(api.db, "INSERT INTO posting_jobs (listing_id, platform, status) "
                      "VALUES (%s, 'sandbox', 'posting') RETURNING id", (lid,))[0][0]
    sql(api.db, "INSERT INTO job_logs (job_id, message) VALUES (%s, 'step 1')", (job,))
    got = s.events(until=lambda e: e["event"] == "job_log")
    types = [e["event"] for e in got]
    assert types[-2:] == ["job", "job_log"], types
    assert got[-1]["json"]["job_id"] == job and got[-1]["json"]["level"] == "info"
    assert got[-2]["json"]["status"] == "posting" and got[-2]["json"]["listing_id"] == lid
    ids = [int(e["id"]) for e in hello + got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    s.events(timeout=1.2)  # heartbeats are comment lines (SSE_HEARTBEAT_MS=500 here)
    assert s.comments >= 1
    s.close()


def test_last_event_id_resumes_without_loss(api):
    s = Stream(api.url)
    create_listing(api, "first")
    first = s.events(until=lambda e: e["event"] == "listing")[-1]
    s.close()
    # while no stream is open: three more changes
    made = [create_listing(api, f"missed {i}") for i in range(3)]
    r = Stream(api.url, last_event_id=first["id"])
    got = r.events(until=lambda e: e["event"] == "listing" and e["json"]["id"] == made[-1])
    assert [e["json"]["id"] for e in got if e["event"] == "listing"] == made
    assert int(got[0]["id"]) == int(first["id"]) + 1  # nothing skipped
    # and it stays live after the replay
    later = create_listing(api, "later")
    assert r.events(until=lambda e: e["event"] == "listing")[-1]["json"]["id"] == later
    r.close()
    # an id this api never issued (an earlier process, or garbage): reset, refetch everything
    for bad in ("1", "abc"):
        x = Stream(api.url, last_event_id=bad)
        ev = x.events(until=lambda e: e["event"] == "reset")
        assert ev and ev[-1]["event"] == "reset" and "reason" in ev[-1]["json"]
        x.close()


def threads_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def test_200_idle_streams_cost_no_workers(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path, HTTP_THREADS=8))
    threads_before = threads_of(api.pid)
    streams = [Stream(api.url) for _ in range(200)]  # 25 times the worker threads
    for s in streams:
        assert s.head.startswith("HTTP/1.1 200")
    assert threads_of(api.pid) == threads_before  # no thread per stream
    worst = 0.0
    for _ in range(20):
        for path in ("/healthz", "/api/listings"):
            t0 = time.monotonic()
            r = requests.get(api.url + path, timeout=5)
            worst = max(worst, time.monotonic() - t0)
            assert r.status_code == 200
    assert worst < 0.5, f"slowest answer {worst:.3f}s with 200 open streams"
    lid = create_listing(api, "to everyone")
    for s in streams:
        got = s.events(timeout=10, until=lambda e: e["event"] == "listing")
        assert got and got[-1]["json"]["id"] == lid
    for s in streams:
        s.close()


def test_stops_cleanly_with_open_streams(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    streams = [Stream(api.url) for _ in range(20)]
    t0 = time.monotonic()
    os.kill(api.pid, signal.SIGTERM)
    assert api.wait_exit(timeout=15) == 0, api.log_tail()
    assert time.monotonic() - t0 < 10
    for s in streams:
        s.events(timeout=2)
        assert s.sock.recv(1) == b""  # the stream was closed, not left hanging
        s.close()


def raw_get(api, target):
    """Status line and body of a GET sent byte for byte (requests would normalise '..')."""
    host, port = api.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as c:
        c.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(errors="replace").split("\r\n")[0], body


def test_no_spa_built_page(api):
    r = requests.get(api.url + "/", timeout=5)
    assert r.status_code == 200
    assert "npm run build" in r.text and "SPA_DIR" in r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    r = requests.get(api.url + "/docs", timeout=5)  # the API reference is part of the build
    assert r.status_code == 200 and "npm run build" in r.text and "/api/openapi.json" in r.text
    assert requests.get(api.url + "/listings/3", timeout=5).status_code == 200


def test_spa_static_serving(api):
    dist = api.dist
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>Bye-Buy</title><div id=root>")
    (dist / "assets" / "index-Ab12Cd34.js").write_text("console.log(1)")
    (dist / "assets" / "index-Ef56.css").write_text("body{}")
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "docs.html").write_text("<!doctype html><title>API</title><div id=swagger-ui>")
    (dist / ".env").write_text("SECRET=1")
    (dist.parent / "secret.txt").write_text("outside")
    os.symlink(dist.parent / "secret.txt", dist / "assets" / "link.txt")

    r = requests.get(api.url + "/", timeout=5)
    assert r.status_code == 200 and "id=root" in r.text
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    r = requests.get(api.url + "/docs", timeout=5)
    assert r.status_code == 200 and "id=swagger-ui" in r.text
    assert r.headers["Cache-Control"] == "no-cache"
    r = requests.get(api.url + "/assets/index-Ab12Cd34.js", timeout=5)
    assert r.status_code == 200 and r.text == "console.log(1)"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    r = requests.get(api.url + "/assets/index-Ef56.css", timeout=5)
    assert r.headers["Content-Type"] == "text/css; charset=utf-8"
    r = requests.get(api.url + "/favicon.svg", timeout=5)
    assert r.headers["Content-Type"] == "image/svg+xml" and r.headers["Cache-Control"] == "no-cache"
    h = requests.head(api.url + "/assets/index-Ab12Cd34.js", timeout=5)
    assert h.status_code == 200 and h.content == b"" and h.headers["Content-Length"] == "14"
    # deep links answer the app; api and upload paths never do
    for deep in ("/listings/12", "/inbox/3/", "/settings"):
        r = requests.get(api.url + deep, timeout=5)
        assert r.status_code == 200 and "id=root" in r.text, deep
        assert r.headers["Cache-Control"] == "no-cache"
    for miss in ("/api/nope", "/api", "/uploads/nope.jpg", "/assets/gone-123.js", "/assets",
                 "/assets/", "/robots.txt", "/.env", "/assets/link.txt"):
        r = requests.get(api.url + miss, timeout=5)
        assert r.status_code == 404, miss
        assert r.headers["Content-Type"] == "application/problem+json", miss
    assert requests.post(api.url + "/listings/12", timeout=5).status_code == 404
    # traversal, sent byte for byte: never a file outside SPA_DIR
    for target in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                   "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
                   "/assets/..%5c..%5csecret.txt", "/%2e%2e%2f%2e%2e%2fetc/passwd",
                   "//etc/passwd", "/assets/%00.js"):
        status, body = raw_get(api, target)
        assert b"outside" not in body and b"root:" not in body, target
        assert " 404 " in status or " 400 " in status, (target, status)
    # the original frontend's calls (CORS from its origin) still work
    r = requests.get(api.url + "/api/listings", headers={"Origin": "http://localhost:3000"},
                     timeout=5)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_inbox_and_account_events(api):
    """Accounts, conversations and messages announce themselves too, whoever writes them
    (here plain SQL, as the event applier would)."""
    s = Stream(api.url)
    acc = sql(api.db, "INSERT INTO marketplace_accounts (platform, label) "
                      "VALUES ('sandbox', 'Shop') RETURNING id")[0][0]
    conv = sql(api.db, "INSERT INTO conversations (account_id, thread_external_id) "
                       "VALUES (%s, 't1') RETURNING id", (acc,))[0][0]
    msg = sql(api.db, "INSERT INTO messages (conversation_id, role, text) "
                      "VALUES (%s, 'buyer', 'Is it available?') RETURNING id", (conv,))[0][0]
    sql(api.db, "UPDATE conversations SET status = 'needs_attention' WHERE id = %s", (conv,))
    sql(api.db, "UPDATE marketplace_accounts SET login_state = 'login_required' WHERE id = %s",
        (acc,))
    got = s.events(until=lambda e: e["event"] == "account" and e["json"]["op"] == "update")
    seen = [(e["event"], e["json"]["op"]) for e in got if e["event"] != "hello"]
    assert seen == [("account", "insert"), ("conversation", "insert"), ("message", "insert"),
                    ("conversation", "update"), ("account", "update")], seen
    by = {(e["event"], e["json"].get("op")): e["json"] for e in got}
    assert by[("message", "insert")] == {"type": "message", "op": "insert", "id": msg,
                                         "conversation_id": conv, "role": "buyer",
                                         "delivery": "received"}
    assert by[("conversation", "update")]["status"] == "needs_attention"
    assert by[("account", "update")]["login_state"] == "login_required"
    assert "Is it available" not in json.dumps(got)  # ids and states, never content
    s.close()


def test_settings_change_arrives(api):
    """Saving the responder's settings (PUT /api/settings/responder) is announced as event
    "settings", which the dashboard's Settings page revalidates on (frontend/src/lib/live.ts)."""
    s = Stream(api.url)
    # the feed LISTENs from its own connection, opened as the api starts: a listing's event
    # says it is listening before the settings are saved
    create_listing(api, "Lamp")
    assert s.events(until=lambda e: e["event"] == "listing")[-1]["event"] == "listing"
    r = requests.put(api.url + "/api/settings/responder", json={"tone": "brief"}, timeout=10)
    assert r.status_code == 200, r.text
    got = s.events(until=lambda e: e["event"] == "settings")
    ev = [e for e in got if e["event"] == "settings"]
    assert ev, [e["event"] for e in got]
    assert ev[0]["json"]["type"] == "settings" and ev[0]["json"]["op"] in ("insert", "update")
    assert ev[0]["json"]["listing_id"] is None  # the global row
    assert "brief" not in json.dumps(got)  # ids, never content
    s.close()
