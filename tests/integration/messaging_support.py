"""The whole messaging stack for issue 8's end-to-end tests, as one shared fixture: a fresh
database, the api, the responder (rules engine, or the fake OpenAI-compatible server), the
monitor driving real Chromium through chromedriver, and the sandbox marketplace whose control
routes play the buyers. Everything goes through the public surfaces: the api's REST routes,
the sandbox's pages and control routes; SQL only seeds what the poster would have stored
(a posted job pointing at a sandbox item) and reads what the api stored.

Isolation on the shared Kafka topics: new consumer groups positioned at the topics' ends, and
ids (accounts, listings, conversations) numbered from a random point so that no event left by
another test can name one of ours."""

import random
import re
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from conftest import LOG_DIR, ROOT, Services, cloudevent, sql
from monitor_support import fresh_group, seed_item
from responder_support import settle_group

sys.path.insert(0, str(ROOT / "tests" / "fakes"))
from fake_openai import FakeOpenAI  # noqa: E402  (the path is set just above)

# The pacing the tests give the monitor through PUT /api/settings/responder (the api's
# minimum is 100 ms): a buyer message is seen within a few hundred milliseconds.
FAST_PACING = {"active_min_ms": 150, "active_max_ms": 250, "idle_min_ms": 200,
               "idle_max_ms": 300, "break_every_cycles": 0, "break_min_ms": 0,
               "break_max_ms": 0}
API_KEY = "sk-test"


def wait_until(predicate, timeout, what, interval=0.2):
    """The first truthy value of predicate() within timeout seconds; fails naming what."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def random_id():
    return random.randrange(10**9, 2**40)


class MessagingStack:
    """One sandbox, api, responder and monitor on a fresh database; one sandbox account
    running. Services are restarted in place by the tests that kill them."""

    def __init__(self, kafka_bootstrap, pg_url, chromedriver, tmp, name):
        self.kafka = kafka_bootstrap
        self.tmp = Path(tmp)
        self.chromedriver = chromedriver
        self.services = Services(kafka_bootstrap, name)
        self.fake = None
        self.db = self._create_db(pg_url, name)
        (self.tmp / "sandbox").mkdir(parents=True, exist_ok=True)
        self.sandbox = self.services.start("sandbox", env={"SANDBOX_DATA_DIR": self.tmp / "sandbox"})
        self.api_group = "e2e-api-" + uuid.uuid4().hex[:10]
        self.api = self.start_api()
        for table in ("marketplace_accounts", "listings", "posting_jobs", "conversations"):
            sql(self.db, f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {random_id()}")
        self.position_api()
        self.responder_group = "e2e-responder-" + uuid.uuid4().hex[:10]
        settle_group(kafka_bootstrap, self.responder_group)
        self.responder = self.start_responder()
        self.monitor_group = fresh_group(kafka_bootstrap)
        self.monitor = self.start_monitor()
        r = requests.put(self.api.url + "/api/settings/responder",
                         json={"pacing": FAST_PACING, "auto_reply": True, "use_model": False,
                               # the default daily cap (100 sends) is below what the module sends
                               "caps": {"max_sends_per_day": 100000}}, timeout=10)
        assert r.status_code == 200, r.text
        r = requests.post(self.api.url + "/api/accounts",
                          json={"platform": "sandbox", "label": "e2e " + name[:40],
                                "running": True}, timeout=10)
        assert r.status_code == 201, r.text
        self.account = r.json()["id"]
        wait_until(lambda: self.account_row()["monitor_running"], 90,
                   "the monitor's heartbeat for the new account")

    # ---- processes

    @staticmethod
    def _create_db(pg_url, name):
        db = "e2e_" + re.sub(r"[^a-z0-9]", "_", name.lower())[:30] + "_" + uuid.uuid4().hex[:8]
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        return pg_url.rpartition("/")[0] + "/" + db

    def start_api(self):
        (self.tmp / "uploads").mkdir(exist_ok=True)
        return self.services.start("api", env={
            "DATABASE_URL": self.db, "KAFKA_GROUP_ID": self.api_group,
            "KAFKA_AUTO_OFFSET_RESET": "latest", "UPLOAD_DIR": self.tmp / "uploads",
            "PLATFORMS": "sandbox,facebook_marketplace", "REPLY_TIMEOUT_S": "60"})

    def position_api(self):
        """Until the api's consumer has applied one marker on each input topic, events
        produced now could land before its (latest) start position."""
        for topic, type_, data in (
                ("bb.monitor.events", "monitor.status",
                 {"account_id": 1, "status": {"running": False, "cycle": 0, "last_poll_at": None,
                                              "last_error": None, "login_required": False}}),
                ("bb.reply.drafts", "reply.drafted",
                 {"request_id": "marker", "conversation_id": "1", "action": "none",
                  "source": "rules"})):
            from conftest import Kcat
            kcat = Kcat(self.kafka)
            deadline = time.monotonic() + 60
            while True:
                ev = cloudevent(type_, data)
                kcat.produce(topic, "marker", ev)
                end = time.monotonic() + 2
                while time.monotonic() < end:
                    if sql(self.db, "SELECT 1 FROM processed_events WHERE event_id = %s",
                           (ev["id"],)):
                        break
                    time.sleep(0.05)
                else:
                    if time.monotonic() < deadline:
                        continue
                    pytest.fail(f"the api never applied a marker on {topic}:\n"
                                f"{self.api.log_tail()}")
                break

    def start_responder(self):
        """The responder, configured with the fake OpenAI-compatible server; the seller's
        switch (PUT /api/settings/responder use_model, carried by reply.requested) decides
        between it and the rules engine."""
        if self.fake is None:
            self.fake = FakeOpenAI(api_key=API_KEY).start()
        self.responder = self.services.start("responder", env={
            "KAFKA_GROUP_ID": self.responder_group, "KAFKA_AUTO_OFFSET_RESET": "earliest",
            "OPENAI_BASE_URL": self.fake.base_url, "OPENAI_API_KEY": API_KEY,
            "OPENAI_MODEL": "fake-model", "LLM_MAX_RETRY_AFTER_S": "5"})
        return self.responder

    def use_model(self, model):
        """The fake model (True) or the rules engine (False) for the replies requested from
        now on, through the seller's setting."""
        r = requests.put(self.api.url + "/api/settings/responder", json={"use_model": model},
                         timeout=10)
        assert r.status_code == 200 and r.json()["use_model"] is model, r.text

    def start_monitor(self):
        return self.services.start("monitor", env={
            "KAFKA_GROUP_ID": self.monitor_group,
            "WEBDRIVER_URL": self.chromedriver,
            "SANDBOX_URL": self.sandbox.url,
            "INBOX_RECIPES_DIR": ROOT / "recipes" / "inbox",
            "PROFILE_DIR": self.tmp / "profiles",
            "MONITOR_USE_PROFILES": "false",
            "MONITOR_HEARTBEAT_MS": "1000",
            "MONITOR_BROWSER_RETRY_MS": "500",
            "MONITOR_ACTIVE_MIN_MS": "150", "MONITOR_ACTIVE_MAX_MS": "250",
            "MONITOR_IDLE_MIN_MS": "200", "MONITOR_IDLE_MAX_MS": "300",
            "MONITOR_BREAK_EVERY_CYCLES": "0"})

    def close(self):
        try:
            if getattr(self, "account", None) and self.api.alive():
                # the desired state lives on in a compacted topic: leave it stopped
                requests.patch(f"{self.api.url}/api/accounts/{self.account}",
                               json={"running": False}, timeout=10)
                time.sleep(1)
        finally:
            self.services.stop_all()
            if self.fake is not None:
                self.fake.stop()

    # ---- seeding: a listing as the poster would have left it

    def listing(self, title, price=120, floor=80):
        """A listing in the api (asking price, min_price = the floor) and its item in the
        sandbox, linked by a posted job as the poster stores it. Returns (listing, item)."""
        r = requests.post(self.api.url + "/api/listings", timeout=10, json={
            "title": title, "description": "Solid, works well. Pickup in Austin.",
            "price": price, "min_price": floor, "condition": "good", "category": "Furniture",
            "location": "Austin, TX"})
        assert r.status_code == 201, r.text
        listing = r.json()["id"]
        item = seed_item(self.sandbox.url, title)
        sql(self.db, "INSERT INTO posting_jobs (listing_id, platform, account_id, status, "
                     "external_id, external_url, completed_at) VALUES "
                     "(%s, 'sandbox', %s, 'posted', %s, %s, now())",
            (listing, self.account, item, f"{self.sandbox.url}/marketplace/item/{item}/"))
        return listing, item

    # ---- the buyer's side (sandbox control routes)

    def buyer_writes(self, item, buyer, text):
        r = requests.post(f"{self.sandbox.url}/_sandbox/items/{item}/messages",
                          json={"buyer": buyer, "text": text}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["thread_id"]

    def thread(self, thread_id):
        r = requests.get(f"{self.sandbox.url}/_sandbox/threads/{thread_id}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def seller_messages(self, thread_id):
        return [m["text"] for m in self.thread(thread_id)["messages"] if m["from"] == "seller"]

    def wait_replies(self, thread_id, count=1, timeout=60):
        """Waits until the thread holds at least count seller messages; returns the thread."""
        def enough():
            t = self.thread(thread_id)
            return t if sum(m["from"] == "seller" for m in t["messages"]) >= count else None
        return wait_until(enough, timeout, f"{count} seller message(s) in thread {thread_id}\n"
                          f"monitor: {self.monitor.log_tail(15)}", interval=0.1)

    # ---- the api's side

    def conversation_of(self, thread_id):
        """The api's conversation of a sandbox thread (GET /api/conversations/{id})."""
        rows = sql(self.db, "SELECT id FROM conversations WHERE account_id = %s AND "
                            "thread_external_id = %s", (self.account, str(thread_id)))
        if not rows:
            return None
        r = requests.get(f"{self.api.url}/api/conversations/{rows[0][0]}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def messages(self, conv_id):
        r = requests.get(f"{self.api.url}/api/conversations/{conv_id}/messages",
                         params={"limit": 100}, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        return body["items"] if isinstance(body, dict) else body

    def account_row(self):
        r = requests.get(f"{self.api.url}/api/accounts/{self.account}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def log_tails(self, lines=20):
        procs = [self.api, self.responder, self.monitor]
        return "\n".join(f"--- {p.name} (pid {p.pid}) {p.log_path}\n{p.log_tail(lines)}"
                         for p in procs)


@pytest.fixture(scope="module")
def mstack(kafka_bootstrap, pg_url, chromedriver, tmp_path_factory, request):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    s = MessagingStack(kafka_bootstrap, pg_url, chromedriver,
                       tmp_path_factory.mktemp("messaging"), request.module.__name__)
    yield s
    s.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{s.db.rpartition("/")[2]}" WITH (FORCE)')
