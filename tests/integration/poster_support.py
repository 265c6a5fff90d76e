"""Support for the poster's integration tests: a chromedriver and a sandbox per test, the
poster's environment, posting.requested events, and reading bb.posting.events. Kafka consumer
groups are reset to the end of bb.posting.requests first, so a poster never picks up jobs that
earlier tests (or the api's tests) left on the shared topic."""

import base64
import hashlib
import http.server
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import LOG_DIR, ROOT, cloudevent

REQUESTS = "bb.posting.requests"
EVENTS = "bb.posting.events"

# Three small distinct JPEGs (64x48, red, green, blue), so that photo hashes tell them apart.
JPEGS = [
    "/9j/4QC8RXhpZgAASUkqAAgAAAAGABIBAwABAAAAAQAAABoBBQABAAAAVgAAABsBBQABAAAAXgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAZgAAAAAAAAA4YwAA6AMAADhjAADoAwAABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAAEAAAAADoAQAAQAAADAAAAAAAAAA/9sAQwAIBgYHBgUIBwcHCQkICgwUDQwLCwwZEhMPFB0aHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/9sAQwEJCQkMCwwYDQ0YMiEcITIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy/8AAEQgAMABAAwEiAAIRAQMRAf/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A4uiiivmT9xCiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooA//Z",
    "/9j/4QC8RXhpZgAASUkqAAgAAAAGABIBAwABAAAAAQAAABoBBQABAAAAVgAAABsBBQABAAAAXgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAZgAAAAAAAAA4YwAA6AMAADhjAADoAwAABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAAEAAAAADoAQAAQAAADAAAAAAAAAA/9sAQwAIBgYHBgUIBwcHCQkICgwUDQwLCwwZEhMPFB0aHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/9sAQwEJCQkMCwwYDQ0YMiEcITIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy/8AAEQgAMABAAwEiAAIRAQMRAf/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A1qKKK/ND8gCiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooA//Z",
    "/9j/4QC8RXhpZgAASUkqAAgAAAAGABIBAwABAAAAAQAAABoBBQABAAAAVgAAABsBBQABAAAAXgAAACgBAwABAAAAAgAAABMCAwABAAAAAQAAAGmHBAABAAAAZgAAAAAAAAA4YwAA6AMAADhjAADoAwAABgAAkAcABAAAADAyMTABkQcABAAAAAECAwAAoAcABAAAADAxMDABoAMAAQAAAP//AAACoAQAAQAAAEAAAAADoAQAAQAAADAAAAAAAAAA/9sAQwAIBgYHBgUIBwcHCQkICgwUDQwLCwwZEhMPFB0aHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/9sAQwEJCQkMCwwYDQ0YMiEcITIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy/8AAEQgAMABAAwEiAAIRAQMRAf/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A8cooor9xPMCiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooA//Z",
]


class FakeApi:
    """The two routes of the api the poster calls, on a free port and over HTTP only (the
    poster shares no directory with it): GET /uploads/<name> serves `uploads`, PUT
    /api/jobs/<id>/artifacts/<name> stores a screenshot into `artifacts` as the api does
    (201, 200 for the same bytes again). fail_next[route] answers that many requests of a
    route ("uploads" or "artifacts") with 503 first; hits counts the requests per route."""

    def __init__(self, root, port):
        self.uploads = Path(root) / "api-uploads"
        self.artifacts = Path(root) / "api-artifacts"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}"
        self.fail_next = {"uploads": 0, "artifacts": 0}
        self.hits = {"uploads": 0, "artifacts": 0}
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status, body=b"", ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _failing(self, route):
                api.hits[route] += 1
                if api.fail_next[route] > 0:
                    api.fail_next[route] -= 1
                    self._answer(503, b'{"detail":"try later"}')
                    return True
                return False

            def do_GET(self):
                m = re.fullmatch(r"/uploads/([A-Za-z0-9][A-Za-z0-9._-]*)", self.path)
                if not m:
                    return self._answer(404)
                if self._failing("uploads"):
                    return
                f = api.uploads / m.group(1)
                if not f.is_file():
                    return self._answer(404, b'{"detail":"no such upload"}')
                self._answer(200, f.read_bytes(), "image/jpeg")

            def do_PUT(self):
                m = re.fullmatch(r"/api/jobs/(\d+)/artifacts/(poster-\1-[A-Za-z0-9_-]+\.png)",
                                 self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not m or self.headers.get("Content-Type") != "image/png":
                    return self._answer(422)
                if self._failing("artifacts"):
                    return
                f = api.artifacts / m.group(2)
                existed = f.exists()
                f.write_bytes(body)
                self._answer(200 if existed else 201)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def images(self, prefix="photo"):
        """Stores the three JPEGs as uploads; returns their claim checks (url, sha256, size)
        as the api puts them in posting.requested."""
        out = []
        for i, b64 in enumerate(JPEGS):
            data = base64.b64decode(b64)
            name = f"{prefix}{i + 1}-{uuid.uuid4().hex[:8]}.jpg"
            (self.uploads / name).write_bytes(data)
            out.append({"url": f"{self.url}/uploads/{name}",
                        "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
        return out

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_api(tmp_path, free_port):
    api = FakeApi(tmp_path, free_port())
    yield api
    api.stop()


def new_job_id():
    """A job id no other test uses (kept below 2^53)."""
    return random.randrange(10**12, 2**52)


def job_event(job_id, title, images, platform="sandbox", account_id=0, attempt=1,
              price_cents=129950, condition="like_new", category="furniture",
              location="Austin", description="Solid oak.\nSome scratches."):
    """A posting.requested envelope as the api's outbox writes it; images are claim checks
    (FakeApi.images)."""
    data = {
        "job_id": job_id, "attempt": attempt, "platform": platform, "account_id": account_id,
        "listing": {
            "id": job_id + 7, "title": title, "description": description,
            "price_cents": price_cents, "currency": "USD", "condition": condition,
            "category": category, "location": location,
            "images": [dict(im, content_type="image/jpeg", width=64, height=48)
                       for im in images],
        },
    }
    return str(job_id + 7), cloudevent("posting.requested", data, subject=str(job_id),
                                       source="byebuy/api")


def kafka_java(tool_class, *args, timeout=90):
    libs = os.environ.get("BB_KAFKA_LIBS")
    assert libs, "BB_KAFKA_LIBS (Kafka's jar folder) is set by scripts/test.sh"
    return subprocess.run(["java", "-cp", f"{libs}/*", tool_class, *args],
                          capture_output=True, text=True, timeout=timeout)


def fresh_group(bootstrap):
    """A new consumer group positioned at the end of bb.posting.requests (created if
    missing), so the poster sees only the jobs produced from now on."""
    out = kafka_java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap,
                     "--create", "--if-not-exists", "--topic", REQUESTS, "--partitions", "6",
                     "--replication-factor", "1")
    assert out.returncode == 0, out.stderr[-2000:]
    group = "poster-test-" + uuid.uuid4().hex[:10]
    out = kafka_java("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                     "--bootstrap-server", bootstrap, "--group", group, "--topic", REQUESTS,
                     "--reset-offsets", "--to-latest", "--execute")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return group


class Chromedriver:
    """chromedriver on a free port, owned by one test."""

    def __init__(self, port, log_path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        log_path = Path(log_path)
        log_path = log_path.with_name(re.sub(r"[^A-Za-z0-9_.-]", "_", log_path.name))
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(["chromedriver", f"--port={port}"], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/status", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"chromedriver did not start on port {port}")

    def sessions(self):
        """Chromium processes started by this chromedriver (children of its pid)."""
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True)
        return [l for l in out.stdout.splitlines() if "chrom" in l]

    def stop(self):
        # A poster stopped after this fixture may leave a session open: chromedriver then
        # exits without closing its Chromium, so end those children ourselves.
        children = [int(l.split()[0]) for l in self.sessions()] if self.proc.poll() is None else []
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self._log.close()


class PostingEvents:
    """bb.posting.events of some jobs, read with kcat."""

    def __init__(self, kcat):
        self.kcat = kcat

    def of(self, job_ids):
        keys = {str(j) for j in job_ids}
        msgs = self.kcat.consume(EVENTS, timeout=15)  # one kcat run; slow under load
        return [m for m in msgs if m["key"] in keys and m["json"]]

    def wait_final(self, job_ids, timeout=120, count=1):
        """Waits until every job has `count` final events (succeeded/failed); returns all
        events of those jobs."""
        job_ids = [str(j) for j in job_ids]
        deadline = time.monotonic() + timeout
        while True:
            evs = self.of(job_ids)
            finals = {}
            for e in evs:
                if e["json"]["type"] in ("posting.succeeded", "posting.failed"):
                    finals[e["key"]] = finals.get(e["key"], 0) + 1
            if all(finals.get(j, 0) >= count for j in job_ids):
                return evs
            if time.monotonic() >= deadline:
                missing = [j for j in job_ids if finals.get(j, 0) < count]
                pytest.fail(f"no final event for {len(missing)} job(s) after {timeout}s: "
                            f"{missing[:5]}; last events: "
                            f"{[(e['key'], e['json']['type'], e['json']['data'].get('message')) for e in evs[-8:]]}")
            time.sleep(0.5)

    def wait_log(self, job_id, needle, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.of([job_id]):
                if e["json"]["type"] == "posting.log" and needle in (e["json"]["data"].get("message") or ""):
                    return e
            time.sleep(0.2)
        pytest.fail(f"job {job_id}: no posting.log containing {needle!r} in {timeout}s")


def sandbox_items(sandbox_url):
    r = requests.get(sandbox_url + "/_sandbox/items", timeout=5)
    r.raise_for_status()
    return r.json()


def poster_env(chromedriver, sandbox_url, group, tmp, api=None, **extra):
    """The poster's environment: its own WORK_DIR, and API_PUBLIC_URL at api (a FakeApi or
    the api's URL) for the screenshots."""
    env = {
        "WEBDRIVER_URL": chromedriver.url,
        "SANDBOX_URL": sandbox_url,
        "RECIPES_DIR": str(ROOT / "services" / "poster" / "recipes"),
        "PROFILE_DIR": str(Path(tmp) / "profiles"),
        "WORK_DIR": str(Path(tmp) / "poster-work"),
        "KAFKA_GROUP_ID": group,
        # a restarted poster gets the partitions of a killed one within seconds
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
        "STEP_DELAY_MS": "20",
        "JOB_TIMEOUT_MS": "120000",
        "WORKERS": "2",
    }
    if api is not None:
        env["API_PUBLIC_URL"] = api if isinstance(api, str) else api.url
    env.update({k: str(v) for k, v in extra.items()})
    return env


# The fixtures every poster test module uses (import them by name into the module).
@pytest.fixture(scope="module")
def group(kafka_bootstrap):
    """A consumer group of the module's own."""
    return fresh_group(kafka_bootstrap)


@pytest.fixture
def chromedriver(free_port, request):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    cd = Chromedriver(free_port(), LOG_DIR / f"{request.node.name}.chromedriver.log")
    yield cd
    cd.stop()


@pytest.fixture
def sandbox(services):
    return services.start("sandbox")


@pytest.fixture
def events(kcat):
    return PostingEvents(kcat)
