"""Renew instead of re-post (issue 13) through the whole stack: the api (PostgreSQL, outbox,
event applier, renew sweep), Kafka, a poster that drives real Chromium against the sandbox
marketplace. A seller's POST /api/jobs/{id}/renew of a fresh posting fails with the clear
not_renewable error; aged by the sandbox's control API, the same request renews it, and the post
job records renewed_at and renew_count. The sweep renews postings older than renew_after_days
(aged via SQL), never one renewed 5 times, and says so on the posting's log when the 5th renew
lands. Assertions are on the api's answers, SQL, the sandbox's control API and bb.posting.events.

Isolation as in test_posting_e2e.py: consumer groups at the topics' ends, random ids."""

import time

import pytest
import requests

from conftest import cloudevent, sql
from test_posting_e2e import EVENTS_TOPIC, Stack, photos  # noqa: F401  (photos is a fixture)

pytestmark = pytest.mark.timeout(600)

SETTLED = ("done", "failed")


@pytest.fixture
def stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path):
    return Stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path,
                 api_env={"PLATFORMS": "sandbox", "RENEW_SWEEP_S": "1"})


def renew(stack, job_id):
    return requests.post(f"{stack.api.url}/api/jobs/{job_id}/renew", timeout=30)


def sandbox_item(stack, post_job):
    item_id = stack.job(post_job)["external_id"]
    r = requests.get(f"{stack.sandbox.url}/_sandbox/items/{item_id}", timeout=10)
    r.raise_for_status()
    return r.json()


def renew_jobs(stack, post_job):
    return [j["id"] for j in requests.get(f"{stack.api.url}/api/jobs?kind=renew",
                                          timeout=10).json()
            if j["posting_job_id"] == post_job]


def test_renew_through_the_api_poster_and_sandbox(stack, photos):
    stack.start_poster()
    listing = stack.create_listing("Oak sideboard", photos[:1], price="300", min_price="200")
    post = stack.post(listing["id"])["id"]
    assert stack.wait_job(post, timeout=180)["status"] == "posted"

    # Fresh: the marketplace does not allow it yet; the seller is told why, no retry helps.
    r = renew(stack, post)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["kind"] == "renew" and job["posting_job_id"] == post and job["status"] == "pending"
    assert stack.job(post)["renew_job_id"] == job["id"]
    failed = stack.wait_job(job["id"], statuses=SETTLED, timeout=180)
    assert failed["status"] == "failed", failed
    assert failed["error_code"] == "not_renewable" and failed["error_retryable"] is False, failed
    assert "every 7 days" in failed["error_message"], failed["error_message"]
    assert "Renew (7 days)" in failed["error_message"], failed["error_message"]
    assert any("Renew failed" in g["message"] for g in failed["logs"]), failed["logs"]
    assert stack.job(post)["renew_count"] == 0 and stack.job(post)["renewed_at"] is None

    # Eight days later (the sandbox's clock moved back): renewed.
    item_id = stack.job(post)["external_id"]
    r = requests.post(f"{stack.sandbox.url}/_sandbox/items/{item_id}/age", json={"days": 8},
                      timeout=10)
    assert r.status_code == 200 and r.json()["renewable"] is True, r.text
    r = renew(stack, post)
    assert r.status_code == 202, r.text
    done = stack.wait_job(r.json()["id"], statuses=SETTLED, timeout=180)
    assert done["status"] == "done", (done["error_message"], [g["message"] for g in done["logs"]])
    posting = stack.job(post)
    assert posting["status"] == "posted" and posting["renew_count"] == 1, posting
    assert posting["renewed_at"] and posting["renew_job_id"] == done["id"]
    item = sandbox_item(stack, post)
    assert item["renew_count"] == 1 and item["renewed_at"], item

    # Not a live posting, or not a post job: 409; an unknown job: 404.
    assert renew(stack, done["id"]).status_code == 409
    assert renew(stack, 2**40 + 7).status_code == 404
    r = requests.post(f"{stack.api.url}/api/listings/{listing['id']}/sold", json={}, timeout=10)
    assert r.status_code == 202, r.text
    stack.wait_job(post, statuses=("delisted", "delist_failed"), timeout=180)
    r = renew(stack, post)
    assert r.status_code == 409 and "only a live posting" in r.json()["detail"], r.text


def posted_via_sql(stack, photos, title, days_old, renew_count=0):
    """A post job marked posted `days_old` days ago (no poster runs in the sweep test)."""
    listing = stack.create_listing(title, photos[:1], price="50", min_price="40")
    post = stack.post(listing["id"])["id"]
    sql(stack.db_url,
        "UPDATE posting_jobs SET status = 'posted', external_id = %s, external_url = %s,"
        " completed_at = now() - make_interval(days => %s), renew_count = %s WHERE id = %s",
        (str(post), f"{stack.sandbox.url}/marketplace/item/{post}", days_old, renew_count, post))
    return post


def wait_renew_job(stack, post, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = renew_jobs(stack, post)
        if ids:
            return ids
        time.sleep(0.3)
    return []


def test_sweep_renews_stale_postings_and_stops_after_five(stack, photos, kcat):
    r = requests.put(f"{stack.api.url}/api/settings/pacing/sandbox",
                     json={"renew_after_days": 7}, timeout=10)
    assert r.status_code == 200 and r.json()["effective"]["renew_after_days"] == 7, r.text
    stale = posted_via_sql(stack, photos, "Stale lamp", 8)
    young = posted_via_sql(stack, photos, "Young lamp", 3)
    capped = posted_via_sql(stack, photos, "Capped lamp", 30, renew_count=5)
    fourth = posted_via_sql(stack, photos, "Fourth lamp", 9, renew_count=4)

    ids = wait_renew_job(stack, stale)
    assert len(ids) == 1, ids
    job = stack.job(ids[0])
    assert job["kind"] == "renew" and job["status"] == "pending", job
    assert len(wait_renew_job(stack, fourth)) == 1
    time.sleep(3)  # three more sweeps: nothing twice, nothing for the young or the capped one
    assert renew_jobs(stack, stale) == ids
    assert renew_jobs(stack, young) == [] and renew_jobs(stack, capped) == []

    # The 5th renew lands (the poster's answer, as it publishes it): the count says 5, the
    # posting's log says the sweep stops, and aged again it gets no renew job.
    renew_id = renew_jobs(stack, fourth)[0]
    kcat.produce(EVENTS_TOPIC, str(renew_id),
                 cloudevent("renew.succeeded", {"job_id": renew_id, "attempt": 1},
                            subject=str(renew_id), source="byebuy/poster"))
    deadline = time.monotonic() + 20
    while stack.job(renew_id)["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.2)
    posting = stack.job(fourth)
    assert posting["renew_count"] == 5 and posting["renewed_at"], posting
    assert any("Renewed 5 times" in g["message"] and "not renewed on its own" in g["message"]
               for g in posting["logs"]), [g["message"] for g in posting["logs"]]
    sql(stack.db_url, "UPDATE posting_jobs SET renewed_at = now() - interval '8 days',"
        " created_at = now() - interval '20 days' WHERE posting_job_id = %s OR id = %s",
        (fourth, fourth))
    time.sleep(3)
    assert renew_jobs(stack, fourth) == [renew_id]

    # renew_after_days 0: never on its own.
    r = requests.put(f"{stack.api.url}/api/settings/pacing/sandbox",
                     json={"renew_after_days": 0}, timeout=10)
    assert r.status_code == 200, r.text
    other = posted_via_sql(stack, photos, "Old vase", 40)
    time.sleep(3)
    assert renew_jobs(stack, other) == []
