"""Process plumbing shared by the posting benchmarks: a fresh database, consumer groups set to
the end of the shared topics, and the service binaries of build/bin started as plain
processes (stopped by PID). Mirrors tests/integration/conftest.py without pytest.

Environment: BENCH_PG_URL (admin URL of a PostgreSQL), BENCH_KAFKA (bootstrap),
BB_KAFKA_LIBS (Kafka's jar folder, for its consumer-group tool). bench/posting/run.sh sets
them, starting the test-profile stack when they are not given."""

import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("BB_BIN_DIR", ROOT / "build" / "bin"))
LOG_DIR = ROOT / ".run" / "bench-logs"
PORT_VARIABLE = {"api": "HTTP_PORT", "poster": "HEALTH_PORT", "sandbox": "SANDBOX_PORT"}


def need_env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set (run through bench/posting/run.sh)")
    return value


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sql(url, query, params=None):
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


class Database:
    """A new database on the admin URL's server, dropped by drop()."""

    def __init__(self, admin_url, prefix):
        self.admin_url = admin_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        sql(admin_url, f'CREATE DATABASE "{self.name}"')
        self.url = admin_url.rpartition("/")[0] + "/" + self.name

    def drop(self):
        sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def group_at_end(bootstrap, topic, prefix):
    """A new consumer group whose committed offsets are the current end of topic (when the
    topic exists), so a consumer of it skips the shared topic's history."""
    group = f"{prefix}-{uuid.uuid4().hex[:10]}"
    meta = subprocess.run(["kcat", "-b", bootstrap, "-L", "-t", topic, "-m", "10"],
                          capture_output=True, text=True, timeout=30)
    if meta.returncode != 0 or not re.search(r"partition \d+", meta.stdout):
        return group  # no topic yet: nothing to skip
    libs = need_env("BB_KAFKA_LIBS")
    out = subprocess.run(["java", "-cp", f"{libs}/*",
                          "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                          "--bootstrap-server", bootstrap, "--group", group, "--topic", topic,
                          "--reset-offsets", "--to-latest", "--execute"],
                         capture_output=True, text=True, timeout=180)
    if out.returncode != 0:
        sys.exit(f"resetting group {group} on {topic} failed:\n{out.stdout}{out.stderr}")
    return group


class Service:
    """build/bin/byebuy-<name> with a base environment, its output in .run/bench-logs."""

    def __init__(self, name, env, bootstrap, tag):
        binary = BIN_DIR / f"byebuy-{name}"
        if not binary.exists():
            sys.exit(f"{binary} is not built (run `make bins`)")
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", "/root"),
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "LOG_LEVEL": "info",
                "HTTP_HOST": "127.0.0.1", PORT_VARIABLE[name]: str(self.port)}
        full.update({k: str(v) for k, v in env.items()})
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{tag}.{name}.{self.port}.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(binary)], env=full, cwd=str(ROOT),
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, path="/readyz", timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if requests.get(self.url + path, timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        sys.exit(f"{self.name} not ready after {timeout}s; see {self.log_path}")

    def log_text(self):
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def randomize_ids(db_url):
    """Listings and jobs numbered from a random point: no event of another client of the
    shared topics can name one of ours."""
    for table in ("listings", "posting_jobs"):
        sql(db_url, f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH "
                    f"{random.randrange(10**9, 2**40)}")


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (p in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def machine():
    """One line about the host: cores, OS, load average."""
    try:
        osname = re.search(r'PRETTY_NAME="([^"]+)"', Path("/etc/os-release").read_text()).group(1)
    except (OSError, AttributeError):
        osname = "unknown OS"
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores, {osname}, load average {load[0]:.1f}/{load[1]:.1f}/"
            f"{load[2]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


class Chromedriver:
    """chromedriver on a free port: the poster's readiness asks its /status (no browser is
    started unless a job needs one)."""

    def __init__(self, tag):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self._log = open(LOG_DIR / f"{tag}.chromedriver.log", "ab")
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/status", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit("chromedriver did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
