"""The monitor on the account's own Chromium profile (MONITOR_USE_PROFILES=true) and a posting
job for the same account: the monitor hands the profile over between two polls, the job
posts, and the monitor goes on polling on the same profile afterwards."""

import re
import time
import types
import uuid
from pathlib import Path

import pytest

import poster_support
from monitor_support import (account_in_partition, buyer_writes, command, desired, events_of,
                             fresh_group, monitor_env, seed_item, wait_events)
from poster_support import FakeApi, PostingEvents, job_event, new_job_id, poster_env


@pytest.fixture
def sandbox(services):
    return services.start("sandbox")


@pytest.fixture
def api(tmp_path, free_port):
    a = FakeApi(tmp_path, free_port())
    yield a
    a.stop()


def test_posting_job_gets_the_profile_between_two_polls(services, kafka_bootstrap, kcat,
                                                         chromedriver, sandbox, api, tmp_path):
    acct = account_in_partition()
    profiles = str(Path(tmp_path) / "profiles")
    try:
        mon = services.start("monitor", env=monitor_env(
            chromedriver, sandbox.url, fresh_group(kafka_bootstrap), MONITOR_USE_PROFILES="true",
            PROFILE_DIR=profiles))
        desired(kafka_bootstrap, acct, True)
        command(kafka_bootstrap, "monitor.start", {"account_id": acct})
        assert wait_events(kcat, acct, "monitor.status", timeout=60,
                           pred=lambda ev: ev["data"]["status"]["cycle"] >= 2), mon.log_tail()
        assert (Path(profiles) / f"sandbox-{acct}").is_dir()

        cd = types.SimpleNamespace(url=chromedriver)
        services.start("poster", env=poster_env(
            cd, sandbox.url, poster_support.fresh_group(kafka_bootstrap), tmp_path, api=api,
            PROFILE_DIR=profiles, PROFILE_LOCK_TIMEOUT_MS=60000))
        job = new_job_id()
        title = f"Desk {uuid.uuid4().hex[:6]}"
        key, ev = job_event(job, title, api.images(), account_id=acct)
        kcat.produce(poster_support.REQUESTS, key, ev)
        evs = PostingEvents(kcat).wait_final([job], timeout=180)
        finals = [e["json"] for e in evs
                  if e["json"]["type"] in ("posting.succeeded", "posting.failed")]
        assert finals[0]["type"] == "posting.succeeded", finals[0]["data"]
        assert "handing it over" in mon.log_text()

        # the monitor is back on its profile: a buyer message still arrives
        item = re.search(r"/marketplace/item/(\d+)", finals[0]["data"]["external_url"]).group(1)
        thread = buyer_writes(sandbox.url, item, "Pat", "available?")["thread_id"]
        got = wait_events(kcat, acct, "message.received", key=thread, timeout=60)
        assert len(got) == 1, mon.log_tail(40)
        assert got[0]["data"]["thread"]["listing_hint"]
    finally:
        desired(kafka_bootstrap, acct, False)
        command(kafka_bootstrap, "monitor.stop", {"account_id": acct})
