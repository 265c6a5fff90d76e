"""The poster when things go wrong or get busy: SIGKILL and SIGTERM in the middle of a job
(the job completes once, never twice), and two instances sharing a burst of 20 jobs."""

import re
import signal
import time
import uuid

import pytest

from conftest import LOG_DIR
from poster_support import (REQUESTS, Chromedriver, PostingEvents, fake_api, fresh_group,
                            job_event, new_job_id, poster_env, sandbox_items)
from poster_support import chromedriver, events, group, sandbox  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(600)


def wait_log(svc, pattern, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, svc.log_text()):
            return
        time.sleep(0.2)
    pytest.fail(f"{svc.name}: no log line matching {pattern!r} in {timeout}s:\n{svc.log_tail()}")


def finals(evs):
    return [e["json"] for e in evs if e["json"]["type"] in ("posting.succeeded", "posting.failed")]


@pytest.mark.parametrize("kill_at", ["step 5/", "step 13/"], ids=["before-submit", "at-publish"])
def test_sigkill_mid_job_then_restart_posts_once(services, chromedriver, sandbox, group, kcat,
                                                 events, tmp_path, fake_api, kill_at):
    env = poster_env(chromedriver, sandbox.url, group, tmp_path, api=fake_api, STEP_DELAY_MS=700)
    poster = services.start("poster", env=env)
    job = new_job_id()
    title = f"Teak bench {uuid.uuid4().hex[:6]}"
    key, ev = job_event(job, title, fake_api.images())
    kcat.produce(REQUESTS, key, ev)

    # "step 13/" is the Publish click: killed there, the item may already exist.
    events.wait_log(job, kill_at, timeout=90)
    poster.kill(signal.SIGKILL)
    assert finals(events.of([job])) == []

    restarted = services.start("poster", env=env)
    evs = events.wait_final([job], timeout=150)
    done = [f for f in finals(evs) if f["type"] == "posting.succeeded"]
    assert len(finals(evs)) == 1 and len(done) == 1, finals(evs)
    items = sandbox_items(sandbox.url)
    assert [i["title"] for i in items] == [title]
    assert done[0]["data"]["external_url"].endswith(f"/marketplace/item/{items[0]['id']}")
    # The killed poster's Chromium still held the profile: the new one cleared it.
    assert "was left by a poster that stopped mid-job" in restarted.log_text()


def test_sigterm_mid_job_exits_quickly_and_leaves_the_job_for_redelivery(
        services, chromedriver, sandbox, group, kcat, events, tmp_path, fake_api):
    env = poster_env(chromedriver, sandbox.url, group, tmp_path, api=fake_api, STEP_DELAY_MS=700)
    poster = services.start("poster", env=env)
    job = new_job_id()
    title = f"Elm stool {uuid.uuid4().hex[:6]}"
    key, ev = job_event(job, title, fake_api.images())
    kcat.produce(REQUESTS, key, ev)
    events.wait_log(job, "step 4/", timeout=90)

    t0 = time.monotonic()
    poster.kill(signal.SIGTERM)
    # The job is abandoned where it is, not run to its end (its steps are 700 ms apart): the
    # log and the sandbox say so. The timeout guards against a hang; it is no speed target
    # (a loaded CI machine took 8 s, an idle one under 2 s).
    status = poster.wait_exit(timeout=30)
    print(f"SIGTERM at step 4 -> exit in {time.monotonic() - t0:.1f} s")
    assert status == 0, poster.log_tail()
    log = poster.log_text()
    assert "interrupted by shutdown" in log and "bye" in log.splitlines()[-1]
    assert sandbox_items(sandbox.url) == []  # never published
    assert finals(events.of([job])) == []  # nothing final: Kafka redelivers the job
    assert len(chromedriver.sessions()) == 0  # its browser was closed

    services.start("poster", env=env)
    evs = events.wait_final([job], timeout=150)
    assert [f["type"] for f in finals(evs)] == ["posting.succeeded"]
    assert [i["title"] for i in sandbox_items(sandbox.url)] == [title]


def test_two_posters_share_a_burst_of_20_jobs(services, chromedriver, sandbox, group, kcat,
                                              events, tmp_path, fake_api):
    # Same host, same PROFILE_DIR: the profile locks serialise each account across both.
    env = poster_env(chromedriver, sandbox.url, group, tmp_path, api=fake_api, WORKERS=2)
    a = services.start("poster", env=env)
    wait_log(a, r"kafka assigned: bb\.posting\.requests\[")
    b = services.start("poster", env=env)
    wait_log(b, r"kafka assigned: bb\.posting\.requests\[")
    time.sleep(2)  # let the cooperative rebalance settle before the burst

    images = fake_api.images()
    jobs = [new_job_id() for _ in range(20)]
    titles = {j: f"Item {i:02d} {uuid.uuid4().hex[:6]}" for i, j in enumerate(jobs)}
    kcat.produce_many(REQUESTS, [job_event(j, titles[j], images, account_id=i % 4)
                                 for i, j in enumerate(jobs)])

    evs = events.wait_final(jobs, timeout=420)
    fin = finals(evs)
    assert {f["type"] for f in fin} == {"posting.succeeded"}, [
        f["data"] for f in fin if f["type"] == "posting.failed"]
    items = sandbox_items(sandbox.url)
    assert sorted(i["title"] for i in items) == sorted(titles.values())  # none posted twice
    urls = {f["data"]["job_id"]: f["data"]["external_url"] for f in fin}
    assert len(set(urls.values())) == 20
    done_a = len(re.findall(r"job \d+: posted", a.log_text()))
    done_b = len(re.findall(r"job \d+: posted", b.log_text()))
    assert done_a > 0 and done_b > 0, (done_a, done_b)
    assert done_a + done_b >= 20
