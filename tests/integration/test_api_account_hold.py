"""Facebook as it really is (issue 13), the api's side of the marketplace's own limits, against
the real PostgreSQL and Kafka. The poster's answers are produced here with kcat exactly as the
poster publishes them (posting.failed with error.code `limit_reached` / `blocked`, the
contract fixed for issue 13):
- a `limit_reached` failure holds the account until the next local month: a job of that
  account already waiting for its slot, and a new one, wait with a wait_reason naming the
  hold and are not published to the poster; GET /api/accounts shows the hold; DELETE
  /api/accounts/{id}/hold lifts it and both requests go out;
- a `blocked` failure holds every kind of job for the configured hold_blocked_s, and the jobs
  go by themselves when it ends; another account of the platform is not held;
- the monthly cap (posts_per_month, Facebook's default 20 from the evidence) schedules the
  21st post of an account in the next local month, saying so."""

import datetime
import tempfile
import time
from pathlib import Path

import pytest
import requests

from api_messaging_support import spec_check, spec_check_list
from conftest import cloudevent, jpeg_with_gps, sql
from test_api_foundation import api_env, position_group, wait_until

pytestmark = pytest.mark.timeout(240)

REQUESTS = "bb.posting.requests"


@pytest.fixture
def api(services, fresh_db, tmp_path):
    svc = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="facebook_marketplace,sandbox"))
    svc.db = fresh_db
    return svc


def account(api, label, platform="facebook_marketplace", **pacing):
    r = requests.post(api.url + "/api/accounts", json={"platform": platform, "label": label},
                      timeout=10)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["hold"] is None
    if pacing:
        r = requests.put(f"{api.url}/api/accounts/{aid}/pacing", json=pacing, timeout=10)
        assert r.status_code == 200, r.text
    return aid


def listing(api, title):
    """A listing with one photo: Facebook takes none without (422 at /post)."""
    photo = jpeg_with_gps(Path(tempfile.mkdtemp(prefix="hold-")) / "p.jpg", 64, 48)
    files = [("images", ("p.jpg", open(photo, "rb"), "image/jpeg"))]
    r = requests.post(api.url + "/api/listings", files=files, timeout=30,
                      data={"title": title, "description": "A thing", "price": "10.00"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def post(api, aid, title):
    lid = listing(api, title)
    r = requests.post(f"{api.url}/api/listings/{lid}/post",
                      json={"platform": "facebook_marketplace", "account_id": aid}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def job(api, jid):
    r = requests.get(f"{api.url}/api/jobs/{jid}", timeout=10)
    assert r.status_code == 200, r.text
    return spec_check("Job", r.json())


def get_account(api, aid):
    r = requests.get(f"{api.url}/api/accounts/{aid}", timeout=10)
    assert r.status_code == 200, r.text
    return spec_check("Account", r.json())


def published(api, jid):
    """Whether job jid's request has left the outbox (published_at set)."""
    rows = sql(api.db, "SELECT o.published_at IS NOT NULL FROM outbox o JOIN posting_jobs j"
                       " ON o.event_id = j.request_event_id WHERE j.id = %s", (jid,))
    return bool(rows and rows[0][0])


def request_id(api, jid):
    """The event id of job jid's request (the topic outlives the test's database)."""
    return sql(api.db, "SELECT request_event_id::text FROM posting_jobs WHERE id = %s", (jid,))[0][0]


def on_topic(kcat, api, jid, timeout=15):
    eid = request_id(api, jid)
    return kcat.wait_for(REQUESTS, lambda m: m["json"] and m["json"].get("id") == eid,
                         count=1, timeout=timeout)


def fail(api, kcat, jid, code, message):
    """The poster's posting.failed for jid, as it publishes it; waits until applied."""
    ev = cloudevent("posting.failed",
                    {"job_id": jid, "attempt": 1,
                     "error": {"code": code, "message": message, "retryable": False}},
                    subject=str(jid), source="byebuy/poster")
    kcat.produce("bb.posting.events", str(jid), ev)
    wait_until(lambda: sql(api.db, "SELECT count(*) FROM processed_events WHERE event_id = %s",
                           (ev["id"],))[0][0] == 1, 30, "posting.failed to be applied")


def ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def next_month_utc():
    now = datetime.datetime.now(datetime.timezone.utc)
    return datetime.datetime(now.year + (now.month == 12), now.month % 12 + 1, 1,
                             tzinfo=datetime.timezone.utc)


LIMIT = "You've reached your monthly limit for listings. Try again next month."


def test_limit_reached_holds_the_account_until_lifted(api, kcat):
    aid = account(api, "seller", min_gap_s=0, jitter_s=0, posts_per_day=0, timezone="UTC")
    other = account(api, "other", min_gap_s=0, jitter_s=0, posts_per_day=0, timezone="UTC")
    first = post(api, aid, "Oak table")
    position_group(kcat, api.db, first)
    on_topic(kcat, api, first)
    # A job queued behind the first by the account's pacing (30 s gap): still on the outbox.
    r = requests.put(f"{api.url}/api/accounts/{aid}/pacing", json={"min_gap_s": 30}, timeout=10)
    assert r.status_code == 200, r.text
    queued = post(api, aid, "Pine chair")
    assert job(api, queued)["wait_reason"].startswith("account pacing"), job(api, queued)
    assert not published(api, queued)

    fail(api, kcat, first, "limit_reached", LIMIT)
    assert job(api, first)["status"] == "failed" and job(api, first)["error_code"] == "limit_reached"
    acc = get_account(api, aid)
    hold = acc["hold"]
    assert hold and hold["reason"] == "limit_reached" and hold["detail"] == LIMIT, acc
    assert hold["job_id"] == first
    assert ts(hold["until"]) == next_month_utc(), hold
    listed = requests.get(api.url + "/api/accounts", timeout=10).json()
    spec_check_list("Account", listed)
    assert {a["id"]: a["hold"] for a in listed}[other] is None, "only that account is held"

    later = post(api, aid, "Birch shelf")
    for jid in (queued, later):
        j = job(api, jid)
        assert j["status"] == "pending", j
        assert ts(j["scheduled_at"]) >= next_month_utc(), j
        assert j["wait_reason"].startswith("account on hold until "), j
        assert "posting limit reached on facebook_marketplace" in j["wait_reason"], j
        assert LIMIT in j["wait_reason"], j
    # The other account of the platform posts as usual.
    free = post(api, other, "Elm bench")
    on_topic(kcat, api, free)
    time.sleep(3)
    assert not published(api, queued) and not published(api, later), \
        "a held account's jobs must not reach the poster"
    held = {request_id(api, queued), request_id(api, later)}
    seen = [m for m in kcat.consume(REQUESTS, timeout=0) if m["json"] and m["json"].get("id") in held]
    assert seen == []

    # The user lifts the hold: the jobs are scheduled again by the account's pacing (30 s
    # apart, counted from the failed post) and go out.
    r = requests.delete(f"{api.url}/api/accounts/{aid}/hold", timeout=10)
    assert r.status_code == 200, r.text
    assert spec_check("Account", r.json())["hold"] is None
    assert get_account(api, aid)["hold"] is None
    on_topic(kcat, api, queued, timeout=40)
    j = job(api, later)
    assert j["wait_reason"].startswith("account pacing"), j
    assert 29.9 <= (ts(j["scheduled_at"]) - ts(job(api, queued)["scheduled_at"])).total_seconds() <= 30.1
    # Lifting again is no error; an unknown account is 404.
    assert requests.delete(f"{api.url}/api/accounts/{aid}/hold", timeout=10).status_code == 200
    r = requests.delete(f"{api.url}/api/accounts/999999/hold", timeout=10)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_blocked_holds_for_the_configured_backoff_then_releases(api, kcat):
    aid = account(api, "blocked", min_gap_s=0, jitter_s=0, posts_per_day=0, hold_blocked_s=6)
    first = post(api, aid, "Teak desk")
    position_group(kcat, api.db, first)
    on_topic(kcat, api, first)
    fail(api, kcat, first, "blocked", "You're temporarily blocked from listing")
    hold = get_account(api, aid)["hold"]
    assert hold["reason"] == "blocked", hold
    left = (ts(hold["until"]) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 0 < left <= 6, hold
    waiting = post(api, aid, "Ash stool")
    j = job(api, waiting)
    assert "blocked by facebook_marketplace: You're temporarily blocked" in j["wait_reason"], j
    assert not published(api, waiting)
    # No lift: the hold ends by itself and the request goes then, not before.
    msg = on_topic(kcat, api, waiting, timeout=20)[0]
    assert datetime.datetime.now(datetime.timezone.utc) >= ts(hold["until"]), "published early"
    assert ts(j["scheduled_at"]) >= ts(hold["until"])
    assert get_account(api, aid)["hold"] is None, "an expired hold is not shown"
    assert msg["json"]["data"]["job_id"] == waiting


def test_monthly_cap_holds_the_21st_post(api, kcat):
    r = requests.get(api.url + "/api/settings/pacing/facebook_marketplace", timeout=10)
    assert r.json()["effective"]["posts_per_month"] == 20, r.json()
    assert r.json()["effective"]["hold_blocked_s"] == 86400
    aid = account(api, "monthly", min_gap_s=0, jitter_s=0, posts_per_day=0, timezone="UTC")
    jobs = [post(api, aid, f"Item {i}") for i in range(21)]
    now = datetime.datetime.now(datetime.timezone.utc)
    for jid in jobs[:20]:
        j = job(api, jid)
        assert ts(j["scheduled_at"]) <= now and j["wait_reason"] is None, j
    last = job(api, jobs[20])
    assert ts(last["scheduled_at"]) >= next_month_utc(), last
    assert last["wait_reason"].startswith("monthly cap: 20 posts a month"), last
    wait_until(lambda: all(published(api, j) for j in jobs[:20]), 30, "the 20 requests to go out")
    time.sleep(1.5)
    assert not published(api, jobs[20])
    # Raised by the user: later posts of this month go again.
    r = requests.put(f"{api.url}/api/accounts/{aid}/pacing", json={"posts_per_month": 30},
                     timeout=10)
    assert r.status_code == 200 and r.json()["effective"]["posts_per_month"] == 30
    extra = job(api, post(api, aid, "Item 22"))
    assert extra["wait_reason"] is None, extra
    r = requests.put(f"{api.url}/api/accounts/{aid}/pacing", json={"posts_per_month": -1},
                     timeout=10)
    assert r.status_code == 422 and r.json()["field"] == "posts_per_month"
