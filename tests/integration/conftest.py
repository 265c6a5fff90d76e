"""Fixtures for the black-box integration tests: the real PostgreSQL and Kafka that
scripts/test.sh started (BB_TEST_PG_URL, BB_TEST_KAFKA), the service binaries from
build/bin started as plain processes (stopped by PID at teardown), and kcat for topics.

Environment that scripts/test.sh must set: BB_TEST_PG_URL (admin URL of the test cluster),
BB_TEST_KAFKA (bootstrap), BB_KAFKA_LIBS (folder of the Kafka jars, for its admin tools),
BB_ROOT (the repository), BB_BIN_DIR (build/bin). Under pytest-xdist (scripts/test.sh runs
BB_TEST_WORKERS workers) BB_TEST_STACKS lists one stack per worker, which replaces the first
two for that worker (see _use_this_workers_stack)."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

import openapi_check

ROOT = Path(os.environ.get("BB_ROOT", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ.get("BB_BIN_DIR", ROOT / "build" / "bin"))
LOG_DIR = ROOT / ".run" / "test-logs"



def _use_this_workers_stack():
    """Each pytest-xdist worker gets a test stack (PostgreSQL and Kafka) of its own: the
    services' topics have fixed names, so two tests on one broker at the same time would read
    each other's events, and their consumer groups would share partitions. scripts/test.sh
    starts one stack per worker and lists them in BB_TEST_STACKS, "pg_url kafka run_dir"
    entries separated by ';'; worker gwN takes entry N and exports it as BB_TEST_PG_URL,
    BB_TEST_KAFKA and BB_TEST_RUN_DIR, so that everything below (and every subprocess) sees
    only its own stack."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    stacks = [e.split() for e in os.environ.get("BB_TEST_STACKS", "").split(";") if e.strip()]
    if not worker or not stacks:
        return
    n = int(worker.removeprefix("gw"))
    if n >= len(stacks) or len(stacks[n]) != 3:
        raise RuntimeError(f"BB_TEST_STACKS has no stack for worker {worker} "
                           f"({len(stacks)} listed): two workers must never share one")
    os.environ.update(BB_TEST_PG_URL=stacks[n][0], BB_TEST_KAFKA=stacks[n][1],
                      BB_TEST_RUN_DIR=stacks[n][2])


_use_this_workers_stack()

# Every answer of an api the harness started is checked against the OpenAPI document when a
# test reads it (openapi_check.py): requests.get/post/... all go through Session.send.
_session_send = requests.Session.send


def _send_checked(self, request, **kwargs):
    response = _session_send(self, request, **kwargs)
    if not kwargs.get("stream"):
        openapi_check.check_response(response)
    return response


requests.Session.send = _send_checked

# Which variable carries the listening port of each program.
PORT_VARIABLE = {
    "api": "HTTP_PORT",
    "poster": "HEALTH_PORT",
    "monitor": "HEALTH_PORT",
    "responder": "HEALTH_PORT",
    "sandbox": "SANDBOX_PORT",
}


# What every api the harness starts gets unless the test's env says otherwise.
API_TEST_DEFAULTS = {
    "AUTH": "none",
    "ALLOWED_HOSTS": "*",
    "CORS_ORIGINS": "http://localhost:3000,http://127.0.0.1:3000",
}


def _require_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the integration tests through `make test` "
                    f"(scripts/test.sh starts PostgreSQL and Kafka and sets it)")
    return value


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(name="free_port")
def free_port_fixture():
    return free_port


@pytest.fixture(scope="session")
def kafka_bootstrap():
    return _require_env("BB_TEST_KAFKA")


@pytest.fixture(scope="session")
def pg_url():
    return _require_env("BB_TEST_PG_URL")


@pytest.fixture
def fresh_db(pg_url, request):
    """URL of a new, empty database, dropped after the test."""
    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg_url.rpartition("/")  # postgresql://user@host:port/<db>
    url = f"{base}/{name}"
    yield url
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(url, query, params=None):
    """Runs one statement; returns all rows (list of tuples) when it yields any."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


class ServiceProcess:
    """One running service binary, owned by the test that started it."""

    def __init__(self, name, binary, env, port, log_path, args, wrap=()):
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}" if port else None
        self.log_path = log_path
        self.env = env
        self._log = open(log_path, "wb")  # one run per file: never read an older run's lines
        self.proc = subprocess.Popen([*wrap, str(binary), *args], env=env, cwd=str(ROOT),
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, path="/readyz", timeout=30):
        """Waits until GET path answers 200; fails with the log's tail otherwise."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                pytest.fail(f"{self.name} exited with {self.proc.returncode} before ready:\n"
                            f"{self.log_tail()}")
            try:
                r = requests.get(self.url + path, timeout=2)
                if r.status_code == 200:
                    return r
                last = f"{r.status_code} {r.text[:300]}"
            except requests.RequestException as e:
                last = str(e)
            except AssertionError as e:
                # openapi_check: civetweb answers 404 in the moment before the routes are
                # mounted; only a ready api's answers are held to the document
                last = str(e)
            time.sleep(0.1)
        pytest.fail(f"{self.name} not ready after {timeout}s (last: {last}):\n{self.log_tail()}")

    def kill(self, sig=signal.SIGKILL):
        if self.alive():
            os.kill(self.pid, sig)
        if sig == signal.SIGKILL:
            self.proc.wait(timeout=10)

    def wait_exit(self, timeout=10):
        """Waits for the process to exit; returns its exit status (None if still running)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def log_text(self):
        self._log.flush()
        return Path(self.log_path).read_text(errors="replace")

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])


class Services:
    """Factory of service processes; everything it started is stopped at teardown."""

    def __init__(self, kafka_bootstrap, test_name):
        self.kafka_bootstrap = kafka_bootstrap
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)[:80]
        self.started = []
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def start(self, name, env=None, port=None, args=(), wait=True, ready_path="/readyz",
              wrap=()):
        """Starts build/bin/byebuy-<name> with a base environment (Kafka bootstrap, a free
        port, LOG_LEVEL=debug) overridden by env. Waits for ready_path unless wait=False.
        wrap is a command prefix that must exec the binary (same pid), e.g. hidden_dirs()."""
        binary = BIN_DIR / f"byebuy-{name}"
        if not binary.exists():
            pytest.fail(f"{binary} is not built (run `make bins`)")
        port = port or free_port()
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "LOG_LEVEL": "debug",
            "HTTP_HOST": "127.0.0.1",
            # A SIGKILLed consumer holds its partitions until its session times out; keep
            # that short so the next instance of a test takes over in seconds, not 45 s.
            "KAFKA_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
        }
        if name in PORT_VARIABLE:
            full_env[PORT_VARIABLE[name]] = str(port)
        if name == "api":
            # Tests talk to the api without credentials unless they ask for AUTH=login (see
            # the login_api fixture); raw-socket tests send any Host; the original frontend's
            # origin stays allowed as it was before the api had a CORS default of none.
            full_env.update(API_TEST_DEFAULTS)
        full_env.update({k: str(v) for k, v in (env or {}).items()})
        n = sum(1 for s in self.started if s.name == name)
        log_path = LOG_DIR / f"{self.test_name}.{name}.{n}.log"
        svc = ServiceProcess(name, binary, full_env, port, log_path, list(args), wrap)
        if name == "api":
            openapi_check.API_BASES.add(svc.url)
        self.started.append(svc)
        if wait:
            svc.wait_ready(ready_path)
        return svc

    def stop_all(self):
        for svc in reversed(self.started):
            try:
                svc.stop()
            except Exception:  # keep stopping the others
                pass


def hidden_dirs(*dirs):
    """A Services.start wrap that runs the service in a mount namespace of its own where each
    of dirs is an empty tmpfs: another host's disk, as far as that process can tell. Uses
    unshare(1) as root, or in a user namespace otherwise; returns None when neither works
    here."""
    script = 'for d in "$@"; do [ "$d" = -- ] && break; mount -t tmpfs -o size=64k none "$d" ' \
             '|| exit 97; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"'
    for ns in (["--mount"], ["--user", "--map-root-user", "--mount"]):
        wrap = ["unshare", *ns, "--propagation", "private", "sh", "-c", script, "sh",
                *map(str, dirs), "--"]
        try:
            probe = subprocess.run([*wrap, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return wrap
    return None


@pytest.fixture
def services(kafka_bootstrap, request):
    s = Services(kafka_bootstrap, request.node.name)
    yield s
    s.stop_all()


class Kcat:
    """Reads and writes topics with kcat, as an outside observer."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap

    def consume(self, topic, count=None, timeout=10, key=None, offset="beginning"):
        """Messages of topic from offset to the current end (or until `count` messages
        matched), as dicts {key, partition, offset, payload, json}. Filters by key."""
        deadline = time.monotonic() + timeout
        while True:
            out = subprocess.run(
                ["kcat", "-b", self.bootstrap, "-C", "-t", topic, "-o", offset, "-e", "-J", "-q",
                 "-X", "topic.metadata.refresh.interval.ms=1000"],
                capture_output=True, text=True, timeout=max(5, timeout + 5))
            msgs = []
            for line in out.stdout.splitlines():
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if key is not None and m.get("key") != key:
                    continue
                payload = m.get("payload")
                try:
                    parsed = json.loads(payload) if payload else None
                except ValueError:
                    parsed = None
                msgs.append({"key": m.get("key"), "partition": m.get("partition"),
                             "offset": m.get("offset"), "payload": payload, "json": parsed})
            if count is None or len(msgs) >= count or time.monotonic() >= deadline:
                return msgs
            time.sleep(0.2)

    def wait_for(self, topic, predicate, count=1, timeout=20):
        """Waits until at least `count` messages satisfy predicate(msg); returns them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.consume(topic, timeout=0) if predicate(m)]
            if len(found) >= count or time.monotonic() >= deadline:
                return found
            time.sleep(0.2)

    def produce(self, topic, key, payload):
        self.produce_many(topic, [(key, payload)])

    def produce_many(self, topic, messages):
        """messages: iterable of (key, payload str or dict). Payloads are sent one per line,
        so they must not contain raw newlines (compact JSON never does)."""
        lines = []
        for key, payload in messages:
            if not isinstance(payload, str):
                payload = json.dumps(payload, separators=(",", ":"))
            if "\n" in payload or "\t" in (key or ""):
                raise ValueError("payload with a newline or key with a tab")
            lines.append(f"{key or ''}\t{payload}")
        subprocess.run(["kcat", "-b", self.bootstrap, "-P", "-t", topic, "-K", "\t", "-z", "none"],
                       input="\n".join(lines) + "\n", text=True, check=True, timeout=60)


@pytest.fixture(scope="session")
def kcat(kafka_bootstrap):
    return Kcat(kafka_bootstrap)


def cloudevent(type_, data, subject=None, source="byebuy/test", id_=None):
    """A CloudEvents 1.0 envelope as the services write them."""
    return {"specversion": "1.0", "id": id_ or str(uuid.uuid4()), "source": source,
            "type": type_, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "subject": subject, "datacontenttype": "application/json", "data": data}


@pytest.fixture(scope="session")
def chromedriver():
    """A chromedriver on a free 127.0.0.1 port (never --allowed-ips), shared by the session;
    returns its URL. Chromium itself is started per WebDriver session by the poster."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / "chromedriver.log", "ab")
    proc = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"], stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/status", timeout=1).json()["value"]["ready"]:
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("chromedriver did not become ready")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def jpeg_with_gps(path, width=640, height=480, color=(200, 30, 30)):
    """Writes a JPEG like a phone photo: real pixels (made by the vips CLI) plus an APP1 EXIF
    block whose IFD0 has Orientation 1 and a GPSInfo IFD with a latitude. Returns path."""
    base = str(path) + ".base.jpg"
    r, g, b = color
    subprocess.run(["vips", "black", base + ".v", str(width), str(height), "--bands", "3"],
                   check=True)
    subprocess.run(["vips", "linear", base + ".v", base, "1 1 1", f"{r} {g} {b}"], check=True)
    os.unlink(base + ".v")
    raw = Path(base).read_bytes()
    os.unlink(base)

    def le16(v):
        return v.to_bytes(2, "little")

    def le32(v):
        return v.to_bytes(4, "little")

    # TIFF: header(8) IFD0 at 8 with 2 entries (12 each) + next(4) = 8+2+24+4 = 38 -> GPS IFD
    gps_ifd_at = 38
    tiff = b"II*\x00" + le32(8)
    tiff += le16(2)
    tiff += le16(0x0112) + le16(3) + le32(1) + le16(1) + le16(0)        # Orientation = 1
    tiff += le16(0x8825) + le16(4) + le32(1) + le32(gps_ifd_at)          # GPSInfo pointer
    tiff += le32(0)
    # GPS IFD: GPSLatitudeRef 'N' (ASCII, 2 bytes inline)
    tiff += le16(1) + le16(1) + le16(2) + le32(2) + b"N\x00\x00\x00" + le32(0)
    app1 = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1
    Path(path).write_bytes(raw[:2] + segment + raw[2:])
    return path


def jpeg_has_gps(data: bytes) -> bool:
    """Whether a JPEG's APP1 EXIF block carries a GPSInfo pointer in IFD0."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker, seglen = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker == 0xDA:  # start of scan: no more metadata segments
            return False
        seg = data[i + 4:i + 2 + seglen]
        if marker == 0xE1 and seg.startswith(b"Exif\x00\x00"):
            tiff = seg[6:]
            order = "little" if tiff[:2] == b"II" else "big"
            ifd = int.from_bytes(tiff[4:8], order)
            n = int.from_bytes(tiff[ifd:ifd + 2], order)
            for k in range(n):
                tag = int.from_bytes(tiff[ifd + 2 + 12 * k:ifd + 4 + 12 * k], order)
                if tag == 0x8825:
                    return True
        i += 2 + seglen
    return False


# ---- a logged-in api (issue 11) -------------------------------------------------------------

# What an api needs to check credentials, Host and Origin as `make up` does: AUTH=login and
# the default ALLOWED_HOSTS and CORS_ORIGINS (an empty variable counts as unset).
LOGIN_ENV = {"AUTH": "login", "ALLOWED_HOSTS": "", "CORS_ORIGINS": ""}
OWNER_PASSWORD = "correct horse battery staple"


def api_cli(db_url, *args, stdin=None, extra_env=None):
    """Runs `byebuy-api <args>` against db_url; returns the CompletedProcess (text)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": db_url,
           **(extra_env or {})}
    return subprocess.run([str(BIN_DIR / "byebuy-api"), *args], input=stdin, env=env,
                          cwd=str(ROOT), capture_output=True, text=True, timeout=60)


def api_token(db_url, name="test"):
    """A new API token from `byebuy-api token create` (which prints it and nothing else)."""
    r = api_cli(db_url, "token", "create", "--name", name)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bb_"), r.stdout
    return lines[0]


def set_owner_password(db_url, password=OWNER_PASSWORD):
    r = api_cli(db_url, "owner", "set-password", stdin=password + "\n")
    assert r.returncode == 0, r.stderr


def login_session(api, password=OWNER_PASSWORD):
    """A requests.Session logged in to api through POST /api/auth/login, sending the api's own
    Origin on writes as a browser would; .csrf holds the session's CSRF token."""
    s = requests.Session()
    s.headers["Origin"] = api.url
    r = s.post(api.url + "/api/auth/login", json={"password": password}, timeout=10)
    assert r.status_code == 204, r.text
    s.csrf = s.get(api.url + "/api/auth/session", timeout=5).json()["csrf_token"]
    return s


@pytest.fixture
def login_api(services, fresh_db, tmp_path):
    """An api with AUTH=login (default Host and Origin lists) on a fresh database whose owner
    has OWNER_PASSWORD; .token is an API token, .session() a logged-in requests.Session."""
    set_owner_password(fresh_db)
    token = api_token(fresh_db)
    api = services.start("api", env={
        **LOGIN_ENV, "DATABASE_URL": fresh_db, "UPLOAD_DIR": str(tmp_path / "uploads"),
        "KAFKA_GROUP_ID": "test-api-" + uuid.uuid4().hex[:12], "KAFKA_AUTO_OFFSET_RESET": "latest",
        "PLATFORMS": "facebook_marketplace,sandbox"})
    api.db = fresh_db
    api.token = token
    api.bearer = {"Authorization": f"Bearer {token}"}
    api.session = lambda: login_session(api)
    return api
