"""The api's foundation against the real PostgreSQL and Kafka: readiness, the outbox
(exactly one event on the topic even when the api is SIGKILLed between commit and
publish), at-least-once consumption of bb.posting.events (SIGKILL mid-batch, no loss,
no duplicate), poison messages to bb.dlq, bad configuration and clean shutdown."""

import signal
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from conftest import cloudevent, sql

pytestmark = pytest.mark.timeout(240)


def api_env(db_url, tmp_path, **extra):
    """Environment of one api under test: its own database, consumer group and upload dir.
    A new group starts at the end of bb.posting.events (the shared topic's history belongs
    to other tests); tests that need the group positioned use `position_group`."""
    env = {
        "DATABASE_URL": db_url,
        "KAFKA_GROUP_ID": "test-api-" + uuid.uuid4().hex[:12],
        "KAFKA_AUTO_OFFSET_RESET": "latest",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def make_job(db_url):
    """A listing and a posting job, inserted directly; returns the job id."""
    rows = sql(db_url, "INSERT INTO listings (title, description, price_cents) "
                       "VALUES ('Lamp', 'A lamp', 2500) RETURNING id")
    listing_id = rows[0][0]
    rows = sql(db_url, "INSERT INTO posting_jobs (listing_id, platform, status) "
                       "VALUES (%s, 'sandbox', 'posting') RETURNING id", (listing_id,))
    return rows[0][0]


def log_event(job_id, message, level="info", attempt=1):
    return cloudevent("posting.log", {"job_id": job_id, "attempt": attempt, "level": level,
                                      "message": message}, subject=str(job_id),
                      source="byebuy/poster")


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def position_group(kcat, db_url, job_id):
    """Makes sure the running api's consumer is assigned and positioned: produces marker
    log events until one is applied. Returns how many markers were produced."""
    produced = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kcat.produce("bb.posting.events", str(job_id), log_event(job_id, "marker"))
        produced += 1
        end = time.monotonic() + 2
        while time.monotonic() < end:
            if sql(db_url, "SELECT count(*) FROM job_logs WHERE job_id = %s AND message = 'marker'",
                   (job_id,))[0][0] > 0:
                return produced
            time.sleep(0.05)
    pytest.fail("the api's consumer never applied a marker event")


def test_readyz_reports_postgres_and_kafka(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    r = requests.get(api.url + "/readyz", timeout=5)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert body["checks"]["postgres"]["ok"] is True
    assert body["checks"]["kafka"]["ok"] is True
    r = requests.get(api.url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    r = requests.get(api.url + "/metrics", timeout=5)
    assert r.status_code == 200
    assert "bb_outbox_published_total" in r.text
    # the schema is in place and recorded
    versions = sql(fresh_db, "SELECT version, checksum FROM schema_migrations ORDER BY version")
    assert versions and versions[0][0] == 1 and len(versions[0][1]) == 64
    tables = {r[0] for r in sql(fresh_db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    for t in ("listings", "listing_images", "posting_jobs", "job_logs", "marketplace_accounts",
              "buyers", "conversations", "messages", "responder_settings", "outbox",
              "processed_events", "schema_migrations"):
        assert t in tables


def test_two_apis_migrate_the_same_database_at_once(services, fresh_db, tmp_path):
    a = services.start("api", env=api_env(fresh_db, tmp_path), wait=False)
    b = services.start("api", env=api_env(fresh_db, tmp_path), wait=False)
    a.wait_ready()
    b.wait_ready()
    files = sorted((Path(__file__).resolve().parents[2] / "migrations").glob("[0-9]*_*.sql"))
    versions = [v for (v,) in sql(fresh_db, "SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [int(f.name.split("_")[0]) for f in files]


def test_changed_migration_refuses_to_start(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    assert api.stop() == 0
    sql(fresh_db, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1")
    api2 = services.start("api", env=api_env(fresh_db, tmp_path), wait=False)
    assert api2.wait_exit(timeout=20) == 1
    assert "changed after it was applied" in api2.log_text()


def test_missing_migration_file_refuses_to_start(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    assert api.stop() == 0
    sql(fresh_db, "INSERT INTO schema_migrations (version, name, checksum) "
                  "VALUES (9999, '9999_gone.sql', repeat('a', 64))")
    api2 = services.start("api", env=api_env(fresh_db, tmp_path), wait=False)
    assert api2.wait_exit(timeout=20) == 1
    assert "9999_gone.sql" in api2.log_text() and "missing" in api2.log_text()


def outbox_monitor_events(kcat, event_id):
    return [m for m in kcat.consume("bb.monitor.commands", timeout=0)
            if m["json"] and m["json"].get("id") == event_id]


def test_outbox_event_published_exactly_once_despite_sigkill(services, fresh_db, tmp_path, kcat):
    # A wide commit->publish window (test hook), then SIGKILL inside it.
    api = services.start("api", env=api_env(fresh_db, tmp_path, OUTBOX_PUBLISH_DELAY_MS=3000))
    r = requests.post(api.url + "/api/polling/start", timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "started"
    account_id = r.json()["account_id"]
    api.kill(signal.SIGKILL)

    # the account's desired state goes first (bb.monitor.desired, test_api_accounts.py), then
    # the command this test follows
    assert [t for (t,) in sql(fresh_db, "SELECT type FROM outbox ORDER BY id")] == [
        "monitor.desired", "monitor.start"]
    rows = sql(fresh_db, "SELECT event_id::text, topic, key, type, published_at FROM outbox"
                         " WHERE topic = 'bb.monitor.commands'")
    assert len(rows) == 1
    event_id, topic, key, type_, published_at = rows[0]
    assert (topic, key, type_) == ("bb.monitor.commands", str(account_id), "monitor.start")
    assert published_at is None, "published before the kill: the window was missed"
    assert sql(fresh_db, "SELECT monitoring FROM marketplace_accounts WHERE id = %s",
               (account_id,))[0][0] is True
    assert outbox_monitor_events(kcat, event_id) == []

    # Restart without the delay: the committed event goes out once.
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    wait_until(lambda: sql(fresh_db, "SELECT published_at FROM outbox WHERE event_id = %s",
                           (event_id,))[0][0], 20, "the outbox row to be marked published")
    found = wait_until(lambda: outbox_monitor_events(kcat, event_id), 20, "the event on the topic")
    assert len(found) == 1
    msg = found[0]
    assert msg["key"] == str(account_id)
    env = msg["json"]
    assert env["specversion"] == "1.0" and env["type"] == "monitor.start"
    assert env["source"] == "byebuy/api"
    assert env["data"]["account_id"] == account_id

    # A further restart publishes nothing again.
    assert api.stop() == 0
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    time.sleep(2)
    assert len(outbox_monitor_events(kcat, event_id)) == 1

    # Same state again: no new event; stop enqueues monitor.stop.
    r = requests.post(api.url + "/api/polling/start", json={"account_id": account_id}, timeout=5)
    assert r.json()["status"] == "already_running"
    r = requests.post(api.url + "/api/polling/stop", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "stopped"
    r = requests.post(api.url + "/api/polling/stop", timeout=5)
    assert r.json()["status"] == "already_stopped"
    types = [t for (t,) in sql(fresh_db, "SELECT type FROM outbox"
                                         " WHERE topic = 'bb.monitor.commands' ORDER BY id")]
    assert types == ["monitor.start", "monitor.stop"]
    r = requests.get(api.url + "/api/polling/status", timeout=5)
    assert r.status_code == 200
    status = r.json()
    assert status["running"] is False and status["errors"] == [] and "cycle_count" in status


def test_polling_bad_input(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    cases = [
        ({"data": "not json"}, 400, None),
        ({"json": [1, 2]}, 400, None),
        ({"json": {"account_id": "x"}}, 422, "account_id"),
        ({"json": {"account_id": -1}}, 422, "account_id"),
        ({"json": {"account_id": 1.5}}, 422, "account_id"),
        ({"json": {"account_id": 999}}, 404, "account_id"),
    ]
    for kwargs, status, field in cases:
        r = requests.post(api.url + "/api/polling/start", timeout=5, **kwargs)
        assert r.status_code == status, (kwargs, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        body = r.json()
        assert body["detail"]
        if field:
            assert body.get("field") == field or field in body["detail"]
    assert sql(fresh_db, "SELECT count(*) FROM outbox")[0][0] == 0


def test_consumer_at_least_once_across_sigkill(services, fresh_db, tmp_path, kcat):
    env = api_env(fresh_db, tmp_path)
    api = services.start("api", env=env)
    job_id = make_job(fresh_db)
    position_group(kcat, fresh_db, job_id)
    assert api.stop() == 0  # commits the group's position

    n = 300
    kcat.produce_many("bb.posting.events",
                      [(str(job_id), log_event(job_id, f"step {i}")) for i in range(n)])

    def steps():
        return sql(fresh_db, "SELECT count(*) FROM job_logs WHERE job_id = %s "
                             "AND message LIKE 'step %%'", (job_id,))[0][0]

    api = services.start("api", env=env, wait=False)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        deadline = time.monotonic() + 60
        seen = 0
        while time.monotonic() < deadline:
            seen = conn.execute("SELECT count(*) FROM job_logs WHERE job_id = %s "
                                "AND message LIKE 'step %%'", (job_id,)).fetchone()[0]
            if seen > 0:
                break
            time.sleep(0.002)
        api.kill(signal.SIGKILL)
    at_kill = steps()
    assert 0 < at_kill < n, f"kill was not mid-batch ({at_kill} of {n} applied)"

    api = services.start("api", env=env)
    wait_until(lambda: steps() >= n, 90, f"{n} job logs")
    time.sleep(2)
    assert steps() == n
    # every event once, in order of production within the job's partition
    messages = [m for (m,) in sql(fresh_db, "SELECT message FROM job_logs WHERE job_id = %s "
                                            "AND message LIKE 'step %%' ORDER BY id", (job_id,))]
    assert messages == [f"step {i}" for i in range(n)]


def test_malformed_message_goes_to_dlq_and_consumer_goes_on(services, fresh_db, tmp_path, kcat):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    job_id = make_job(fresh_db)
    position_group(kcat, fresh_db, job_id)

    key = "poison-" + uuid.uuid4().hex[:8]
    kcat.produce("bb.posting.events", key, "this is {not json")
    unknown_job = log_event(987654321, "for nobody")
    kcat.produce("bb.posting.events", key, unknown_job)
    kcat.produce("bb.posting.events", str(job_id), log_event(job_id, "after the poison"))
    # state changes apply too
    kcat.produce("bb.posting.events", str(job_id), cloudevent(
        "posting.succeeded", {"job_id": job_id, "attempt": 1, "external_id": "x1",
                              "external_url": "http://market/item/1"}, source="byebuy/poster"))

    wait_until(lambda: sql(fresh_db, "SELECT status FROM posting_jobs WHERE id = %s",
                           (job_id,))[0][0] == "posted", 60, "the job to be posted")
    assert sql(fresh_db, "SELECT count(*) FROM job_logs WHERE job_id = %s AND message = "
                         "'after the poison'", (job_id,))[0][0] == 1
    dlq = wait_until(lambda: (lambda f: f if len(f) >= 2 else None)(
        kcat.consume("bb.dlq", key=key, timeout=0)), 60, "two messages in bb.dlq")
    reasons = [m["json"]["data"]["reason"] for m in dlq]
    payloads = [m["json"]["data"]["payload"] for m in dlq]
    assert "this is {not json" in payloads
    assert any("undecodable" in r or "JSON" in r or "json" in r for r in reasons), reasons
    assert any("unknown job 987654321" in r for r in reasons), reasons
    for m in dlq:
        assert m["json"]["data"]["topic"] == "bb.posting.events"

    # a failed event of an older attempt does not move the posted job backwards
    kcat.produce("bb.posting.events", str(job_id), cloudevent(
        "posting.failed", {"job_id": job_id, "attempt": 1, "error": {"code": "timeout",
                                                                     "message": "late"}},
        source="byebuy/poster"))
    wait_until(lambda: sql(fresh_db, "SELECT count(*) FROM job_logs WHERE job_id = %s AND "
                                     "message LIKE 'Failed: late%%'", (job_id,))[0][0] == 1,
               60, "the late failure's log line")
    assert sql(fresh_db, "SELECT status, external_url FROM posting_jobs WHERE id = %s",
               (job_id,))[0] == ("posted", "http://market/item/1")


def test_missing_database_url_exits_1_naming_it(services, tmp_path):
    api = services.start("api", env={"UPLOAD_DIR": str(tmp_path)}, wait=False)
    assert api.wait_exit(timeout=10) == 1
    assert "DATABASE_URL" in api.log_text()


def test_unparsable_port_exits_1_naming_it(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path, HTTP_PORT="abc"), wait=False)
    assert api.wait_exit(timeout=10) == 1
    assert "HTTP_PORT" in api.log_text()


def test_sigterm_stops_cleanly_within_5s(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    requests.post(api.url + "/api/polling/start", timeout=5)
    t0 = time.monotonic()
    api.kill(signal.SIGTERM)
    status = api.wait_exit(timeout=5)
    elapsed = time.monotonic() - t0
    assert status == 0, f"exit status {status} after {elapsed:.1f}s"
    text = api.log_text()
    assert "shutting down" in text
    assert text.rstrip().splitlines()[-1].endswith("bye"), text[-500:]
