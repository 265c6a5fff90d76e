"""Account safety: the api spreads an account's posts by its pacing (min gap between actions,
daily cap per kind, days in the account's time zone) and the outbox holds each request until
its slot (a "not before" time), against the real PostgreSQL and Kafka:
- 100 listings posted at once (16 clients) to one account with a 1 s gap and 30 posts a day:
  every job has its slot in scheduled_at, slots are >= 1 s apart, exactly 30 a local day, the
  rest on the next days from local midnight, and none is lost (one request each on the outbox,
  due at its slot, published only once due);
- a job scheduled 4 s ahead is not on the topic before its time, and is right after it;
- kill -9 of the api with scheduled requests pending: after a restart each is published once,
  when due, none early;
- a retry is another action of the account: it takes the next free slot;
- a listing sold or deleted while its post waits for its slot: the request never goes out
  (deleted from the outbox), the job is failed "cancelled", the slot is free again;
- the pacing settings API: defaults per platform, partial PUT, null = inherit, field errors."""

import datetime
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
import requests

from conftest import sql

pytestmark = pytest.mark.timeout(240)

REQUESTS = "bb.posting.requests"


def api_env(db_url, tmp_path, **extra):
    env = {
        "DATABASE_URL": db_url,
        "KAFKA_GROUP_ID": "test-api-" + uuid.uuid4().hex[:12],
        "KAFKA_AUTO_OFFSET_RESET": "latest",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PLATFORMS": "sandbox,facebook_marketplace,ebay",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_until(predicate, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def listings(db_url, n):
    """n listings, each with one photo row (Facebook takes no listing without a photo: the
    api refuses the post with 422); the file itself is never read here."""
    rows = sql(db_url, "INSERT INTO listings (title, description, price_cents)"
                       " SELECT 'Item ' || i, 'A thing', 1000 + i FROM generate_series(1, %s) i"
                       " RETURNING id", (n,))
    ids = sorted(r[0] for r in rows)
    sql(db_url, "INSERT INTO listing_images (listing_id, stored_name, content_type, width,"
                " height, bytes, sha256) SELECT id, 'img-' || id || '.jpg', 'image/jpeg', 64, 48,"
                " 100, repeat('0', 64) FROM listings WHERE id = ANY(%s)", (ids,))
    return ids


def post(api, listing_id, platform, account_id=None):
    body = {"platform": platform}
    if account_id:
        body["account_id"] = account_id
    r = requests.post(f"{api.url}/api/listings/{listing_id}/post", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()


def ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def problem(r, status, field=None):
    assert r.status_code == status, r.text
    doc = r.json()
    if field:
        assert doc.get("field") == field, doc
        assert field in doc["detail"], doc
    return doc


def midday_zone():
    """A time zone where it is now between 01:00 and 22:00, so that today's 30 slots of a
    second each cannot straddle a local midnight while the test runs."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for name in ("UTC", "Asia/Tokyo", "America/New_York", "Asia/Kolkata"):
        local = now.astimezone(ZoneInfo(name))
        if 1 <= local.hour < 22:
            return name
    return "UTC"


def outbox_rows(db_url, job_ids):
    rows = sql(db_url, "SELECT subject, event_id::text, next_attempt_at, published_at"
                       " FROM (SELECT (payload::json ->> 'subject') AS subject, * FROM outbox"
                       "  WHERE type = 'posting.requested') o", None)
    wanted = {str(j) for j in job_ids}
    return {int(s): (e, due, pub) for (s, e, due, pub) in rows if s in wanted}


def on_topic(kcat, event_ids):
    """How many times each of event_ids is on bb.posting.requests."""
    seen = {e: 0 for e in event_ids}
    for m in kcat.consume(REQUESTS, timeout=0):
        if m["json"] and m["json"].get("id") in seen:
            seen[m["json"]["id"]] += 1
    return seen


def test_pacing_settings_api(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    listed = requests.get(api.url + "/api/settings/pacing", timeout=5).json()
    eff = {p["platform"]: p["effective"] for p in listed}
    assert set(eff) == {"sandbox", "facebook_marketplace", "ebay"}
    fb = eff["facebook_marketplace"]
    assert fb["min_gap_s"] >= 60 and fb["jitter_s"] > 0 and 1 <= fb["posts_per_day"] <= 20
    assert fb["timezone"] == "UTC"
    for unpaced in ("sandbox", "ebay"):
        assert eff[unpaced]["min_gap_s"] == 0 and eff[unpaced]["posts_per_day"] == 0
    assert all(v is None for v in listed[0]["saved"].values())

    url = api.url + "/api/settings/pacing/facebook_marketplace"
    r = requests.put(url, json={"posts_per_day": 12, "timezone": "Europe/Paris"}, timeout=5)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["saved"]["posts_per_day"] == 12 and doc["saved"]["min_gap_s"] is None
    assert doc["effective"]["posts_per_day"] == 12 and doc["effective"]["min_gap_s"] == fb["min_gap_s"]
    assert doc["effective"]["timezone"] == "Europe/Paris"
    assert requests.get(url, timeout=5).json() == doc

    for body, field in (({"posts_per_day": -1}, "posts_per_day"), ({"min_gap_s": "5"}, "min_gap_s"),
                        ({"jitter_s": 1.5}, "jitter_s"), ({"updates_per_day": 100001}, "updates_per_day"),
                        ({"timezone": "Mars/Olympus_Mons"}, "timezone"), ({"timezone": 3}, "timezone")):
        problem(requests.put(url, json=body, timeout=5), 422, field)
    assert requests.get(url, timeout=5).json() == doc, "a refused PUT changed nothing"
    problem(requests.get(api.url + "/api/settings/pacing/myspace", timeout=5), 404)
    problem(requests.put(api.url + "/api/settings/pacing/myspace", json={}, timeout=5), 404)

    # an account's overrides: null = as its platform
    r = requests.post(api.url + "/api/accounts",
                      json={"platform": "facebook_marketplace", "label": "Shop"}, timeout=5)
    acc = r.json()["id"]
    aurl = f"{api.url}/api/accounts/{acc}/pacing"
    doc = requests.get(aurl, timeout=5).json()
    assert doc["account_id"] == acc and doc["platform"] == "facebook_marketplace"
    assert doc["effective"]["posts_per_day"] == 12 and doc["saved"]["posts_per_day"] is None
    doc = requests.put(aurl, json={"posts_per_day": 3, "min_gap_s": 0}, timeout=5).json()
    assert doc["effective"]["posts_per_day"] == 3 and doc["effective"]["min_gap_s"] == 0
    assert doc["effective"]["timezone"] == "Europe/Paris"
    doc = requests.put(aurl, json={"posts_per_day": None}, timeout=5).json()
    assert doc["effective"]["posts_per_day"] == 12 and doc["saved"]["min_gap_s"] == 0
    problem(requests.put(aurl, json={"delists_per_day": -3}, timeout=5), 422, "delists_per_day")
    problem(requests.get(api.url + "/api/accounts/999999/pacing", timeout=5), 404)
    # the platform setting is untouched by the account's
    assert requests.get(url, timeout=5).json()["saved"]["min_gap_s"] is None


def test_hundred_posts_spread_by_gap_and_daily_cap(services, fresh_db, tmp_path, kcat):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    zone = midday_zone()
    r = requests.post(api.url + "/api/accounts",
                      json={"platform": "facebook_marketplace", "label": "Burst"}, timeout=5)
    acc = r.json()["id"]
    r = requests.put(f"{api.url}/api/accounts/{acc}/pacing",
                     json={"min_gap_s": 1, "jitter_s": 0, "posts_per_day": 30, "timezone": zone,
                           "posts_per_month": 0},  # the monthly cap: test_api_account_hold.py
                     timeout=5)
    assert r.status_code == 200, r.text

    ids = listings(fresh_db, 100)
    t0 = time.time()
    with ThreadPoolExecutor(16) as pool:  # concurrent requests: no two may get one slot
        jobs = list(pool.map(lambda lid: post(api, lid, "facebook_marketplace", acc), ids))
    took = time.time() - t0
    assert len({j["id"] for j in jobs}) == 100

    listed = requests.get(api.url + "/api/jobs?platform=facebook_marketplace&limit=500",
                          timeout=10).json()
    assert len(listed) == 100 and all(j["status"] == "pending" for j in listed)
    slots = sorted(ts(j["scheduled_at"]) for j in listed)
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:])]
    assert min(gaps) >= 1.0, f"two slots closer than the 1 s gap: {min(gaps)}"
    tz = ZoneInfo(zone)
    per_day = {}
    for s in slots:
        per_day.setdefault(s.astimezone(tz).date(), []).append(s)
    days = sorted(per_day)
    assert [len(per_day[d]) for d in days] == [30, 30, 30, 10], (zone, [len(per_day[d]) for d in days])
    for d in days[1:]:  # a new day starts at its local midnight
        midnight = datetime.datetime.combine(d, datetime.time(0), tz)
        assert per_day[d][0] == midnight, (d, per_day[d][0])
    assert slots[0] <= datetime.datetime.now(datetime.timezone.utc)  # the first runs at once

    # none lost: one request per job on the outbox, due at the job's slot
    rows = wait_until(lambda: (lambda o: o if len(o) == 100 else None)(
        outbox_rows(fresh_db, [j["id"] for j in jobs])), 10, "100 outbox rows")
    by_id = {j["id"]: ts(j["scheduled_at"]) for j in listed}
    for job_id, (_, due, _) in rows.items():
        assert abs((due - by_id[job_id]).total_seconds()) < 0.001

    # today's slots come due one a second: published once due, never before; tomorrow's wait
    first_day = per_day[days[0]]
    wait_until(lambda: sum(1 for (_, _, pub) in outbox_rows(fresh_db, by_id).values() if pub) >= 30,
               60, "today's 30 requests published")
    time.sleep(1.5)
    rows = outbox_rows(fresh_db, by_id)
    published = [(due, pub) for (_, due, pub) in rows.values() if pub]
    assert len(published) == 30
    assert all(pub >= due for due, pub in published), "a request was published before its slot"
    lateness = sorted((pub - due).total_seconds() for due, pub in published)
    seen = on_topic(kcat, [e for (e, _, pub) in rows.values() if pub])
    assert set(seen.values()) == {1}
    # the held ones show on /metrics
    wait_until(lambda: "bb_outbox_scheduled 70" in requests.get(api.url + "/metrics", timeout=5).text,
               5, "bb_outbox_scheduled 70 on /metrics")
    print(f"\n100 posts scheduled in {took:.2f} s (16 clients); zone {zone}; per day "
          f"{[len(per_day[d]) for d in days]}; first day {first_day[0]} .. {first_day[-1]}; "
          f"publish lateness p50 {lateness[len(lateness) // 2] * 1000:.0f} ms, "
          f"max {lateness[-1] * 1000:.0f} ms")
    assert lateness[len(lateness) // 2] < 0.5


def test_job_scheduled_ahead_reaches_the_topic_only_when_due(services, fresh_db, tmp_path, kcat):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    r = requests.put(api.url + "/api/settings/pacing/sandbox", json={"min_gap_s": 4}, timeout=5)
    assert r.status_code == 200 and r.json()["effective"]["min_gap_s"] == 4
    a, b = listings(fresh_db, 2)
    first, second = post(api, a, "sandbox"), post(api, b, "sandbox")
    due = ts(second["scheduled_at"])
    ahead = (due - ts(first["scheduled_at"])).total_seconds()
    assert 4.0 <= ahead < 4.1, ahead
    rows = wait_until(lambda: (lambda o: o if o.get(first["id"], (0, 0, None))[2] else None)(
        outbox_rows(fresh_db, [first["id"], second["id"]])), 10, "the first request published")
    ev_first, ev_second = rows[first["id"]][0], rows[second["id"]][0]
    assert wait_until(lambda: on_topic(kcat, [ev_first])[ev_first] == 1, 10, "the first on the topic")

    # two seconds before its slot the second is still held back (on the topic, in the outbox)
    time.sleep(max(0.0, (due - datetime.datetime.now(datetime.timezone.utc)).total_seconds() - 2.0))
    assert on_topic(kcat, [ev_second])[ev_second] == 0
    assert datetime.datetime.now(datetime.timezone.utc) < due, "the check came too late to tell"
    assert outbox_rows(fresh_db, [second["id"]])[second["id"]][2] is None
    # and it is on the topic right after its slot
    wait_until(lambda: on_topic(kcat, [ev_second])[ev_second] == 1, 5, "the second on the topic")
    pub = outbox_rows(fresh_db, [second["id"]])[second["id"]][2]
    lateness = (pub - due).total_seconds()
    assert 0 <= lateness < 0.5, lateness
    job = requests.get(f"{api.url}/api/jobs/{second['id']}", timeout=5).json()
    assert job["scheduled_at"] == second["scheduled_at"] and job["status"] == "pending"


def test_scheduled_requests_survive_kill9_and_publish_once_when_due(services, fresh_db, tmp_path,
                                                                     kcat):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    requests.put(api.url + "/api/settings/pacing/sandbox", json={"min_gap_s": 2}, timeout=5)
    jobs = [post(api, lid, "sandbox") for lid in listings(fresh_db, 4)]
    api.kill(signal.SIGKILL)
    api.wait_exit()
    slots = [ts(j["scheduled_at"]) for j in jobs]
    assert [round((s - slots[0]).total_seconds()) for s in slots] == [0, 2, 4, 6]

    api = services.start("api", env=api_env(fresh_db, tmp_path))
    ids = [j["id"] for j in jobs]
    wait_until(lambda: all(pub for (_, _, pub) in outbox_rows(fresh_db, ids).values()), 20,
               "every scheduled request published after the restart")
    rows = outbox_rows(fresh_db, ids)
    for job_id, (_, due, pub) in rows.items():
        assert pub >= due, f"job {job_id} published before its slot"
    events = [e for (e, _, _) in rows.values()]
    wait_until(lambda: all(c >= 1 for c in on_topic(kcat, events).values()), 10, "all on the topic")
    time.sleep(1)
    assert set(on_topic(kcat, events).values()) == {1}, "a request was published twice"
    assert api.stop() == 0


def test_sold_or_deleted_listing_cancels_its_post_waiting_for_a_slot(services, fresh_db, tmp_path,
                                                                      kcat):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    requests.put(api.url + "/api/settings/pacing/sandbox", json={"min_gap_s": 60}, timeout=5)
    a, b, c, d = listings(fresh_db, 4)
    first = post(api, a, "sandbox")
    held = post(api, b, "sandbox")
    assert (ts(held["scheduled_at"]) - ts(first["scheduled_at"])).total_seconds() >= 60
    ev_held = outbox_rows(fresh_db, [held["id"]])[held["id"]][0]

    # sold while its request waits for its slot: never goes out, and the slot is free again
    r = requests.patch(f"{api.url}/api/listings/{b}", json={"status": "sold"}, timeout=5)
    assert r.status_code == 200, r.text
    job = requests.get(f"{api.url}/api/jobs/{held['id']}", timeout=5).json()
    assert job["status"] == "failed" and job["error_code"] == "cancelled", job
    assert "no longer active" in job["error_message"]
    assert outbox_rows(fresh_db, [held["id"]]) == {}
    again = post(api, c, "sandbox")
    assert again["scheduled_at"] == held["scheduled_at"], "the freed slot was not reused"

    # deleted: the same, the row goes with the listing
    r = requests.delete(f"{api.url}/api/listings/{c}", timeout=5)
    assert r.status_code in (200, 204), r.text
    assert outbox_rows(fresh_db, [again["id"]]) == {}
    # the first one, already published, is untouched
    j1 = requests.get(f"{api.url}/api/jobs/{first['id']}", timeout=5).json()
    assert j1["status"] == "pending", j1
    assert on_topic(kcat, [ev_held])[ev_held] == 0
    nxt = post(api, d, "sandbox")
    assert nxt["scheduled_at"] == held["scheduled_at"]


def test_retry_takes_a_new_slot_after_the_accounts_others(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    requests.put(api.url + "/api/settings/pacing/sandbox", json={"min_gap_s": 60}, timeout=5)
    a, b = listings(fresh_db, 2)
    first, second = post(api, a, "sandbox"), post(api, b, "sandbox")
    # the poster failed the first (as its posting.failed would)
    sql(fresh_db, "UPDATE posting_jobs SET status = 'failed', error_code = 'timeout'"
                  " WHERE id = %s", (first["id"],))
    r = requests.post(f"{api.url}/api/jobs/{first['id']}/retry", timeout=5)
    assert r.status_code in (200, 201, 202), r.text
    job = requests.get(f"{api.url}/api/jobs/{first['id']}", timeout=5).json()
    assert job["status"] == "pending" and job["attempt"] == 2
    after = (ts(job["scheduled_at"]) - ts(second["scheduled_at"])).total_seconds()
    assert 60 <= after < 61, after
    rows = sql(fresh_db, "SELECT next_attempt_at FROM outbox WHERE type = 'posting.requested'"
                         " AND payload::json ->> 'subject' = %s ORDER BY id", (str(first["id"]),))
    assert len(rows) == 2 and rows[1][0] == ts(job["scheduled_at"])
