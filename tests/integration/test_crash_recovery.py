"""Issue 11, findings 6 and 9: what a crash or an outage leaves behind.

- Files without rows: kill -9 of the api during concurrent creates left images, thumbnails
  and .part files in UPLOAD_DIR that no row names, forever. The api now sweeps them at
  start-up (and every UPLOAD_SWEEP_MIN_AGE_S), keeping files with rows, screenshots, files
  it does not own, and anything younger than the age guard (a request in flight).
- The outbox during a Kafka outage: bb_outbox_lag stayed 0 with events unpublished, and a
  row's published_at was a time when Kafka was down (the claim, not the acknowledgement);
  the first job started 45 s after the broker returned. This test stops and starts a broker
  of its own (a test-profile stack in a temporary BB_RUN_DIR), never the shared one."""

import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from conftest import ROOT, free_port, jpeg_with_gps, sql
from test_api_foundation import api_env

pytestmark = pytest.mark.timeout(900)

UUID_FILE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                       r"(\.jpg|\.png|\.webp|_thumb\.jpg)$")


def create_listing(url, photo, title):
    with open(photo, "rb") as f:
        return requests.post(f"{url}/api/listings", timeout=60,
                             files=[("images", ("p.jpg", f, "image/jpeg"))],
                             data={"title": title, "description": "crash test", "price": "10"})


def named_by_rows(db):
    names = set()
    for stored, thumb in sql(db, "SELECT stored_name, thumb_name FROM listing_images"):
        names.add(stored)
        if thumb:
            names.add(thumb)
    return names


def old(path, age_s=3600):
    t = time.time() - age_s
    os.utime(path, (t, t))


def test_files_without_rows_are_swept_after_a_kill_9(services, fresh_db, tmp_path):
    photos = [jpeg_with_gps(tmp_path / f"p{i}.jpg", 1200, 900, (20 * i, 90, 160))
              for i in range(4)]
    env = api_env(fresh_db, tmp_path, UPLOAD_SWEEP_MIN_AGE_S=8, IMAGE_MAX_SIDE=800)
    api = services.start("api", env=env)
    uploads = tmp_path / "uploads"

    # 50 concurrent creates; kill -9 while they run
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=50)
    futures = [pool.submit(create_listing, api.url, photos[i % 4], f"crash {i}") for i in range(50)]
    time.sleep(1.0)
    api.kill(signal.SIGKILL)
    for f in futures:
        try:
            f.result(timeout=60)
        except Exception:  # connections the kill cut: expected
            pass
    pool.shutdown()

    # what the crash left, plus planted files of each kind (made old: past the age guard)
    plant = {
        "orphan": uploads / f"{uuid.uuid4()}.jpg",
        "orphan_thumb": uploads / f"{uuid.uuid4()}_thumb.jpg",
        "part": uploads / f"{uuid.uuid4()}.jpg.part",
        "part_tid": uploads / f"{uuid.uuid4()}_thumb.jpg.1234.part",
        "artifact": uploads / "poster-7-failed-0a1b2c3d.png",
        "other": uploads / "README.txt",
    }
    for p in plant.values():
        p.write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
        old(p)
    before = {p.name for p in uploads.iterdir() if p.is_file()}
    rowless_before = {n for n in before if UUID_FILE.match(n)} - named_by_rows(fresh_db)
    print(f"after kill -9: {len(before)} files, {len(rowless_before)} image files without a row")
    for p in uploads.iterdir():  # the crash's own leftovers are young: age them too
        if p.is_file():
            old(p)

    api2 = services.start("api", env=env)
    # a young orphan, made after the restart: the age guard keeps it for now
    young = uploads / f"{uuid.uuid4()}.png"
    young.write_bytes(b"young")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (plant["orphan"].exists() or plant["part"].exists()):
        time.sleep(0.2)
    assert young.exists(), "a file younger than UPLOAD_SWEEP_MIN_AGE_S was removed"
    rows = named_by_rows(fresh_db)
    now = {p.name for p in uploads.iterdir() if p.is_file()}
    assert not [n for n in now if n.endswith(".part")], now
    assert {n for n in now if UUID_FILE.match(n)} - rows - {young.name} == set()
    stored = {s for (s,) in sql(fresh_db, "SELECT stored_name FROM listing_images")}
    assert stored <= now, f"files with rows were removed: {stored - now}"
    assert plant["artifact"].exists() and plant["other"].exists()
    assert "upload sweep: removed" in api2.log_text()
    # and the young one goes once it is old enough (the next passes)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and young.exists():
        time.sleep(0.5)
    assert not young.exists()
    # the api still serves every image that was committed
    for name in stored:
        assert requests.get(f"{api2.url}/uploads/{name}", timeout=10).status_code == 200, name


# ---- the outbox during a Kafka outage ------------------------------------------------------

class PrivateStack:
    """PostgreSQL + Kafka of the test profile, in a temporary run directory, on free ports."""

    def __init__(self):
        self.run = tempfile.mkdtemp(prefix="bb-outage-", dir="/tmp")
        os.chmod(self.run, 0o755)
        self.pg_port, self.kafka_port = free_port(), free_port()
        self.env = dict(os.environ, BB_RUN_DIR=self.run, BB_TEST_PG_PORT=str(self.pg_port),
                        BB_TEST_KAFKA_PORT=str(self.kafka_port),
                        BB_TEST_KAFKA_CONTROLLER_PORT=str(free_port()),
                        BB_KAFKA_READY_TIMEOUT="300")
        if os.environ.get("BB_KAFKA_LIBS") and "BB_KAFKA_HOME" not in self.env:
            self.env["BB_KAFKA_HOME"] = str(Path(os.environ["BB_KAFKA_LIBS"]).parent)
        self.bootstrap = f"127.0.0.1:{self.kafka_port}"
        self.pg_url = f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"

    def stack(self, *args):
        proc = subprocess.run([str(ROOT / "scripts" / "stack.sh"), *args, "--profile", "test"],
                              env=self.env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    def kafka_pid(self):
        return int(Path(self.run, "pids", "kafka.pid").read_text().split()[0])

    def close(self):
        subprocess.run([str(ROOT / "scripts" / "stack.sh"), "clean", "--profile", "test"],
                       env=self.env, capture_output=True, timeout=300)
        shutil.rmtree(self.run, ignore_errors=True)


@pytest.fixture
def private_stack():
    st = PrivateStack()
    try:
        st.stack("up")
        yield st
    finally:
        st.close()


def metric(url, name):
    text = requests.get(url + "/metrics", timeout=5).text
    m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def test_outbox_tells_the_truth_during_a_kafka_outage(private_stack, services, tmp_path):
    st = private_stack
    db = st.pg_url.rsplit("/", 1)[0] + "/outage"
    with psycopg.connect(st.pg_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE outage")
    photo = jpeg_with_gps(tmp_path / "p.jpg")
    services.kafka_bootstrap = st.bootstrap
    # production settings: the default session timeout, static membership as `make up` runs it
    common = {"KAFKA_SESSION_TIMEOUT_MS": "45000", "KAFKA_HEARTBEAT_INTERVAL_MS": "3000"}
    api = services.start("api", env=dict(api_env(db, tmp_path), **common,
                                         KAFKA_GROUP_INSTANCE_ID="outage-api"))
    # a poster without a browser: it publishes posting.started, then fails the job
    poster = services.start("poster", env=dict(common, KAFKA_GROUP_INSTANCE_ID="outage-poster",
                                               WEBDRIVER_URL="http://127.0.0.1:9",
                                               WORK_DIR=str(tmp_path / "work"),
                                               PROFILE_DIR=str(tmp_path / "profiles"),
                                               API_PUBLIC_URL=api.url,
                                               SANDBOX_URL="http://127.0.0.1:9"),
                            ready_path="/healthz")

    def new_job(i):
        r = create_listing(api.url, photo, f"outage {i}")
        assert r.status_code == 201, r.text
        r = requests.post(f"{api.url}/api/listings/{r.json()['id']}/post",
                          json={"platform": "sandbox"}, timeout=30)
        assert r.status_code in (200, 201, 202), r.text
        body = r.json()
        return (body[0] if isinstance(body, list) else body)["id"]

    def status(job):
        return requests.get(f"{api.url}/api/jobs/{job}", timeout=10).json()["status"]

    # warm-up: the pipeline works, so both consumers hold their partitions
    warm = new_job(0)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and status(warm) == "pending":
        time.sleep(0.5)
    assert status(warm) != "pending"

    # Kafka goes away
    kpid = st.kafka_pid()
    os.kill(kpid, signal.SIGTERM)
    while Path(f"/proc/{kpid}").exists():
        time.sleep(0.2)
    down_at = time.time()
    jobs = [new_job(i) for i in range(1, 6)]
    time.sleep(8)
    lag = metric(api.url, "bb_outbox_lag")
    oldest = metric(api.url, "bb_outbox_oldest_seconds")
    unpublished = sql(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
    print(f"outage: bb_outbox_lag={lag} oldest={oldest}s unpublished rows={unpublished}")
    assert unpublished == 5
    assert lag == 5, f"bb_outbox_lag is {lag} with 5 events unpublished"
    assert oldest is not None and oldest >= 5
    time.sleep(12)  # a 30 s outage in all (with the broker's own stop and start)

    # Kafka comes back
    st.stack("up")
    up_at = time.time()
    published = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = sql(db, "SELECT extract(epoch FROM published_at) FROM outbox WHERE published_at"
                       " IS NOT NULL AND created_at > to_timestamp(%s)", (down_at - 1,))
        if len(rows) == 5:
            published = [float(r[0]) for r in rows]
            break
        time.sleep(0.2)
    assert published, "the outbox rows were not published after the broker returned"
    # published_at is when the broker acknowledged them: after it was back, never during
    assert min(published) >= up_at - 5, (min(published), down_at, up_at)
    first_start = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(status(j) != "pending" for j in jobs):
            first_start = time.time() - up_at
            break
        time.sleep(0.2)
    print(f"broker ready -> all 5 published in {max(published) - up_at:.1f} s; "
          f"first job started {first_start} s after the broker was ready")
    assert first_start is not None and first_start < 15
    assert metric(api.url, "bb_outbox_lag") == 0
    poster.stop()
