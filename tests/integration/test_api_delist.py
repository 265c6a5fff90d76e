"""Sold means gone everywhere, and edits propagate (issue 10), on the api's side, against the
real PostgreSQL and Kafka: POST /api/listings/{id}/sold, DELETE of a listing with live
postings, a conversation that reaches sold, and edits of a posted listing each create jobs
of their own (kind delist / update, posting_job_id = the post job) whose requests reach
bb.posting.requests through the outbox; the poster's answers (produced here with kcat, as
the poster would publish them) move those jobs and the postings they act on. Redelivered
and stale answers change nothing."""

import tempfile
from pathlib import Path

import pytest
import requests

from api_messaging_support import account, conversation, spec_check, spec_check_list
from conftest import cloudevent, jpeg_with_gps, sql
from test_api_foundation import api_env, position_group, wait_until

pytestmark = pytest.mark.timeout(300)

PLATFORMS = "facebook_marketplace,sandbox,ebay"


@pytest.fixture
def api(services, fresh_db, tmp_path):
    svc = services.start("api", env=api_env(fresh_db, tmp_path, PLATFORMS=PLATFORMS))
    svc.db = fresh_db
    return svc


@pytest.fixture
def photo(tmp_path):
    return jpeg_with_gps(tmp_path / "photo.jpg", 320, 240)


def get(api, path):
    r = requests.get(api.url + path, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def job(api, jid):
    return spec_check("Job", get(api, f"/api/jobs/{jid}"))


def new_listing(api, photo=None, price="100.00"):
    """A listing with one photo (Facebook and eBay take none without: 422 at /post)."""
    if photo is None:
        photo = jpeg_with_gps(Path(tempfile.mkdtemp(prefix="delist-")) / "p.jpg", 64, 48)
    files = [("images", ("p.jpg", open(photo, "rb"), "image/jpeg"))]
    r = requests.post(api.url + "/api/listings", files=files, timeout=30,
                      data={"title": "Oak table", "description": "Solid oak", "price": price})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def answer(kcat, type_, data, id_=None):
    """Publishes one of the poster's answers on bb.posting.events; returns the event."""
    ev = cloudevent(type_, data, subject=str(data["job_id"]), source="byebuy/poster", id_=id_)
    kcat.produce("bb.posting.events", str(data["job_id"]), ev)
    return ev


def applied(api, ev):
    """Waits until the api applied event ev (processed_events holds its id)."""
    wait_until(lambda: sql(api.db, "SELECT count(*) FROM processed_events WHERE event_id = %s",
                           (ev["id"],))[0][0] == 1, 30, f"{ev['type']} to be applied")


def posted(api, kcat, lid, platforms):
    """Posts lid to platforms and answers posting.succeeded for each; returns {platform: job}."""
    r = requests.post(api.url + f"/api/listings/{lid}/post", json={"platforms": platforms},
                      timeout=10)
    assert r.status_code == 201, r.text
    jobs = {j["platform"]: j["id"] for j in r.json()}
    position_group(kcat, api.db, next(iter(jobs.values())))
    for platform, jid in jobs.items():
        ev = answer(kcat, "posting.succeeded", {"job_id": jid, "attempt": 1,
                                                "external_id": f"{platform}-{jid}",
                                                "external_url": f"http://{platform}/item/{jid}"})
        applied(api, ev)
        assert job(api, jid)["status"] == "posted"
    return jobs


def requests_of(api, type_):
    """The data of the outbox's events of type_, oldest first, with their event ids."""
    return [(eid, d) for eid, d in sql(api.db, "SELECT event_id::text, payload::json->'data'"
                                               " FROM outbox WHERE type = %s ORDER BY id",
                                       (type_,))]


def on_topic(kcat, event_ids, count):
    """The messages of bb.posting.requests whose event id is one of event_ids."""
    ids = set(event_ids)
    return kcat.wait_for("bb.posting.requests", lambda m: m["json"] and m["json"]["id"] in ids,
                         count=count, timeout=30)


def problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert body["detail"]
    if field:
        assert body.get("field") == field, body
    return body


def test_sold_delists_every_live_posting_but_where_it_sold(api, kcat):
    lid = new_listing(api)
    jobs = posted(api, kcat, lid, ["facebook_marketplace", "sandbox", "ebay"])
    sold = api.url + f"/api/listings/{lid}/sold"

    # bad bodies name the field and change nothing
    for body, field in [({"sold_price": "-1"}, "sold_price"), ({"sold_price": "abc"}, "sold_price"),
                        ({"sold_price_cents": 1.5}, "sold_price_cents"),
                        ({"sold_price": "1", "sold_price_cents": 100}, "sold_price_cents"),
                        ({"platform": "Bad Platform"}, "platform"), ({"platform": 3}, "platform"),
                        ({"price": "1"}, "price")]:
        problem(requests.post(sold, json=body, timeout=10), 422, field)
    problem(requests.post(api.url + "/api/listings/999999/sold", timeout=10), 404)
    assert get(api, f"/api/listings/{lid}")["status"] == "active"

    r = requests.post(sold, json={"sold_price": "80.50", "platform": "facebook_marketplace"},
                      timeout=10)
    assert r.status_code == 202, r.text
    body = spec_check("ListingSold", r.json())
    assert body["status"] == "sold" and body["sold_price_cents"] == 8050
    assert body["sold_price"] == 80.5 and body["sold_platform"] == "facebook_marketplace"
    assert body["sold_at"]
    delists = {j["platform"]: j for j in body["delist_jobs"]}
    assert sorted(delists) == ["ebay", "sandbox"]
    for platform, d in delists.items():
        assert d["kind"] == "delist" and d["reason"] == "sold" and d["status"] == "pending"
        assert d["posting_job_id"] == jobs[platform] and d["attempt"] == 1
        assert job(api, jobs[platform])["status"] == "delisting"
        assert job(api, jobs[platform])["delist_job_id"] == d["id"]
    # where it sold, the marketplace took it down itself
    fb = job(api, jobs["facebook_marketplace"])
    assert fb["status"] == "delisted" and fb["delist_job_id"] is None
    problem(requests.post(sold, timeout=10), 409)

    # one delisting.requested per delisted posting, on the topic
    reqs = requests_of(api, "delisting.requested")
    assert sorted(d["job_id"] for _, d in reqs) == sorted(d["id"] for d in delists.values())
    for _, d in reqs:
        platform = d["platform"]
        assert d["reason"] == "sold" and d["attempt"] == 1 and d["listing_id"] == lid
        assert d["external_url"] == f"http://{platform}/item/{jobs[platform]}"
        assert d["external_id"] == f"{platform}-{jobs[platform]}"
    msgs = on_topic(kcat, [e for e, _ in reqs], 2)
    assert len(msgs) == 2 and all(m["key"] == str(lid) for m in msgs)

    # the post jobs only by default (the original's view); every kind on request
    assert {j["kind"] for j in get(api, f"/api/jobs?listing_id={lid}")} == {"post"}
    every = spec_check_list("Job", get(api, f"/api/jobs?listing_id={lid}&kind=all"))
    assert len(every) == 5
    assert len(get(api, "/api/jobs?kind=delist&status=pending")) == 2
    problem(requests.get(api.url + "/api/jobs?kind=bad", timeout=10), 422, "kind")

    # the poster's answers: started, then delisted on sandbox; failed on ebay
    sandbox, ebay = delists["sandbox"]["id"], delists["ebay"]["id"]
    applied(api, answer(kcat, "posting.started", {"job_id": sandbox, "attempt": 1}))
    assert job(api, sandbox)["status"] == "running"
    applied(api, answer(kcat, "posting.log", {"job_id": sandbox, "attempt": 1, "level": "info",
                                              "message": "clicked Mark as sold"}))
    ok = answer(kcat, "delisting.succeeded", {"job_id": sandbox, "attempt": 1})
    applied(api, ok)
    got = get(api, f"/api/jobs/{sandbox}")
    assert got["status"] == "done" and got["completed_at"]
    assert [l["message"] for l in got["logs"]][-2:] == ["clicked Mark as sold", "Delisted"]
    assert job(api, jobs["sandbox"])["status"] == "delisted"
    fail = answer(kcat, "delisting.failed", {"job_id": ebay, "attempt": 1, "error": {
        "code": "rate_limited", "message": "eBay said slow down", "retryable": True}})
    applied(api, fail)
    d = job(api, ebay)
    assert d["status"] == "failed" and d["error_code"] == "rate_limited"
    assert d["error_retryable"] is True
    p = job(api, jobs["ebay"])
    assert p["status"] == "delist_failed" and "eBay said slow down" in p["error_message"]

    # redelivered (same event id) and repeated answers change nothing
    before = get(api, f"/api/jobs/{sandbox}")
    kcat.produce("bb.posting.events", str(sandbox), ok)
    applied(api, answer(kcat, "delisting.failed", {"job_id": sandbox, "attempt": 1, "error": {
        "code": "timeout", "message": "late", "retryable": True}}))
    after = get(api, f"/api/jobs/{sandbox}")
    assert after["status"] == "done" and job(api, jobs["sandbox"])["status"] == "delisted"
    assert len(after["logs"]) == len(before["logs"]) + 1  # the late failure is logged, once

    # retry through the posting (or the delist job itself): a second attempt, a new request
    r = requests.post(api.url + f"/api/jobs/{jobs['ebay']}/retry", timeout=10)
    assert r.status_code == 200, r.text
    d = job(api, ebay)
    assert d["status"] == "pending" and d["attempt"] == 2 and d["error_code"] is None
    assert job(api, jobs["ebay"])["status"] == "delisting"
    retried = [d for _, d in requests_of(api, "delisting.requested") if d["job_id"] == ebay]
    assert [d["attempt"] for d in retried] == [1, 2]
    problem(requests.post(api.url + f"/api/jobs/{ebay}/retry", timeout=10), 400)
    # a stale answer of attempt 1 does not move attempt 2
    applied(api, answer(kcat, "delisting.succeeded", {"job_id": ebay, "attempt": 1}))
    assert job(api, ebay)["status"] == "pending"
    applied(api, answer(kcat, "delisting.succeeded", {"job_id": ebay, "attempt": 2}))
    assert job(api, ebay)["status"] == "done" and job(api, jobs["ebay"])["status"] == "delisted"
    # an answer for the wrong kind of job can never apply: to the DLQ, nothing changes
    answer(kcat, "update.succeeded", {"job_id": ebay, "attempt": 2})
    wait_until(lambda: "a delist job" in api.log_text(), 30, "the misdirected answer")
    assert job(api, ebay)["status"] == "done"


def test_delete_waits_for_the_delists_and_says_which_posting_is_live(api, kcat):
    lid = new_listing(api)
    jobs = posted(api, kcat, lid, ["sandbox", "ebay"])
    r = requests.delete(api.url + f"/api/listings/{lid}", timeout=10)
    assert r.status_code == 202, r.text
    body = spec_check("ListingDeleting", r.json())
    assert body["status"] == "deleting" and body["listing_id"] == lid and body["waiting_jobs"] == []
    delists = {j["platform"]: j["id"] for j in body["delist_jobs"]}
    assert sorted(delists) == ["ebay", "sandbox"]
    assert all(j["reason"] == "deleted" for j in body["delist_jobs"])
    assert {d["reason"] for _, d in requests_of(api, "delisting.requested")} == {"deleted"}
    # hidden from the list while it is being deleted, shown on request
    assert lid not in [l["id"] for l in get(api, "/api/listings")]
    assert [l["id"] for l in get(api, "/api/listings?status=deleting")] == [lid]
    assert get(api, f"/api/listings/{lid}")["status"] == "deleting"
    problem(requests.patch(api.url + f"/api/listings/{lid}", json={"price": "5"}, timeout=10), 409)

    # ebay cannot: the listing is back in the list, its ebay posting says why
    applied(api, answer(kcat, "delisting.failed", {"job_id": delists["ebay"], "attempt": 1,
                                                   "error": {"code": "not_supported",
                                                             "message": "delete it by hand",
                                                             "retryable": False}}))
    applied(api, answer(kcat, "delisting.succeeded", {"job_id": delists["sandbox"], "attempt": 1}))
    listing = spec_check("Listing", get(api, f"/api/listings/{lid}"))
    assert listing["status"] == "delete_failed"
    assert lid in [l["id"] for l in get(api, "/api/listings")]
    live = [j for j in get(api, f"/api/jobs?listing_id={lid}") if j["status"] == "delist_failed"]
    assert [j["id"] for j in live] == [jobs["ebay"]]
    assert "delete it by hand" in live[0]["error_message"] and live[0]["error_code"] == "not_supported"

    # DELETE again asks again; once that delist lands the listing and its jobs are gone
    r = requests.delete(api.url + f"/api/listings/{lid}", timeout=10)
    assert r.status_code == 202, r.text
    again = r.json()["delist_jobs"]
    assert [j["platform"] for j in again] == ["ebay"] and again[0]["id"] != delists["ebay"]
    assert get(api, f"/api/listings/{lid}")["status"] == "deleting"
    applied(api, answer(kcat, "delisting.succeeded", {"job_id": again[0]["id"], "attempt": 1}))
    assert requests.get(api.url + f"/api/listings/{lid}", timeout=10).status_code == 404
    assert sql(api.db, "SELECT count(*) FROM posting_jobs WHERE listing_id = %s", (lid,))[0][0] == 0

    # nothing live: deleted at once, as before; force deletes whatever is live
    quiet = new_listing(api)
    r = requests.delete(api.url + f"/api/listings/{quiet}", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "deleted"}
    forced = new_listing(api)
    posted(api, kcat, forced, ["sandbox"])
    r = requests.delete(api.url + f"/api/listings/{forced}?force=true", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "deleted"}
    assert requests.get(api.url + f"/api/listings/{forced}", timeout=10).status_code == 404
    problem(requests.delete(api.url + f"/api/listings/{forced}?force=maybe", timeout=10), 422,
            "force")


def test_a_post_in_flight_is_delisted_when_it_lands(api, kcat):
    lid = new_listing(api)
    r = requests.post(api.url + f"/api/listings/{lid}/post", json={"platform": "sandbox"},
                      timeout=10)
    pid = r.json()["id"]
    wait_until(lambda: sql(api.db, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"
                                   " AND type = 'posting.requested'")[0][0] == 1, 30,
               "the posting request to go out")
    position_group(kcat, api.db, pid)
    r = requests.delete(api.url + f"/api/listings/{lid}", timeout=10)
    assert r.status_code == 202, r.text
    assert [j["id"] for j in r.json()["waiting_jobs"]] == [pid] and r.json()["delist_jobs"] == []
    applied(api, answer(kcat, "posting.succeeded", {"job_id": pid, "attempt": 1,
                                                    "external_url": "http://sandbox/item/1"}))
    got = job(api, pid)
    assert got["status"] == "delisting" and got["delist_job_id"]
    (d,) = [d for _, d in requests_of(api, "delisting.requested")]
    assert d["job_id"] == got["delist_job_id"] and d["reason"] == "deleted"
    applied(api, answer(kcat, "delisting.succeeded", {"job_id": d["job_id"], "attempt": 1}))
    assert requests.get(api.url + f"/api/listings/{lid}", timeout=10).status_code == 404

    # a sale cancels a post whose request has not left the outbox (held back by the account's
    # pacing: facebook_marketplace posts are minutes apart), instead of posting it and taking
    # it down again
    first, lid2 = new_listing(api), new_listing(api)
    for listing in (first, lid2):
        r = requests.post(api.url + f"/api/listings/{listing}/post",
                          json={"platform": "facebook_marketplace"}, timeout=10)
        assert r.status_code == 201, r.text
    pid2 = r.json()["id"]
    assert sql(api.db, "SELECT count(*) FROM outbox WHERE payload::json->>'subject' = %s"
                       " AND published_at IS NULL", (str(pid2),))[0][0] == 1
    r = requests.post(api.url + f"/api/listings/{lid2}/sold", timeout=10)
    assert r.status_code == 200 and r.json()["delist_jobs"] == []
    got = job(api, pid2)
    assert got["status"] == "failed" and got["error_code"] == "cancelled"
    assert sql(api.db, "SELECT count(*) FROM outbox WHERE payload::json->>'subject' = %s",
               (str(pid2),))[0][0] == 0
    problem(requests.post(api.url + f"/api/jobs/{pid2}/retry", timeout=10), 409)

    # a forced delete cancels the unsent posts too (a request published later would post a
    # listing that no longer exists)
    lid3 = new_listing(api)
    r = requests.post(api.url + f"/api/listings/{lid3}/post",
                      json={"platform": "facebook_marketplace"}, timeout=10)
    pid3 = r.json()["id"]
    assert job(api, pid3)["status"] == "pending"
    r = requests.delete(api.url + f"/api/listings/{lid3}?force=true", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "deleted"}
    assert sql(api.db, "SELECT count(*) FROM outbox WHERE payload::json->>'subject' = %s",
               (str(pid3),))[0][0] == 0


def test_conversation_sold_delists_except_on_its_own_marketplace(api, kcat):
    lid = new_listing(api)
    jobs = posted(api, kcat, lid, ["sandbox", "ebay"])
    acct = account(api.db, platform="sandbox")
    cid = conversation(api.db, acct, "t-1", listing_id=lid)
    r = requests.patch(api.url + f"/api/conversations/{cid}", json={"status": "sold"}, timeout=10)
    assert r.status_code == 200, r.text
    listing = get(api, f"/api/listings/{lid}")
    assert listing["status"] == "sold" and listing["sold_platform"] == "sandbox"
    assert job(api, jobs["sandbox"])["status"] == "delisted"
    (d,) = [d for _, d in requests_of(api, "delisting.requested")]
    assert d["platform"] == "ebay" and d["reason"] == "sold"
    assert job(api, jobs["ebay"])["status"] == "delisting"
    # a second conversation about the same listing reaching sold changes nothing more
    other = conversation(api.db, acct, "t-2", listing_id=lid)
    r = requests.patch(api.url + f"/api/conversations/{other}", json={"status": "sold"}, timeout=10)
    assert r.status_code == 200, r.text
    assert len(requests_of(api, "delisting.requested")) == 1

    # every attempt of that delist fails; asking again through the posting starts a fresh one
    for attempt in (1, 2, 3):
        applied(api, answer(kcat, "delisting.failed", {"job_id": d["job_id"], "attempt": attempt,
                                                       "error": {"code": "timeout",
                                                                 "message": "no answer"}}))
        r = requests.post(api.url + f"/api/jobs/{jobs['ebay']}/retry", timeout=10)
        assert r.status_code == 200, r.text
    fresh = job(api, jobs["ebay"])["delist_job_id"]
    assert fresh != d["job_id"] and job(api, fresh)["attempt"] == 1
    assert job(api, d["job_id"])["attempt"] == 3 and job(api, d["job_id"])["status"] == "failed"
    assert job(api, jobs["ebay"])["status"] == "delisting"
    assert [x["job_id"] for _, x in requests_of(api, "delisting.requested")][-1] == fresh


def test_edits_update_live_postings_once_and_coalesce(api, kcat, photo):
    lid = new_listing(api, photo)
    jobs = posted(api, kcat, lid, ["sandbox", "ebay"])
    # fields the postings do not show, or the same price, request nothing
    for body in ({"seller_notes": "firm"}, {"price": "100.00"}):
        assert requests.patch(api.url + f"/api/listings/{lid}", json=body, timeout=10).ok
    assert requests_of(api, "update.requested") == []

    # a price drop: one small update per posting, changed = ["price"]
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"price": "90.00"}, timeout=10)
    assert r.status_code == 200, r.text
    ups = requests_of(api, "update.requested")
    assert len(ups) == 2
    by_platform = {d["platform"]: (eid, d) for eid, d in ups}
    for platform, (_, d) in by_platform.items():
        assert d["changed"] == ["price"] and d["posting_job_id"] == jobs[platform]
        assert d["listing"]["price_cents"] == 9000 and d["attempt"] == 1
        assert d["external_url"] == f"http://{platform}/item/{jobs[platform]}"
        (img,) = d["listing"]["images"]  # the claim check, as in posting.requested
        assert img["url"].startswith("http") and len(img["sha256"]) == 64 and img["size"] > 0
        u = job(api, d["job_id"])
        assert u["kind"] == "update" and u["changed"] == ["price"] and u["status"] == "pending"
        assert job(api, jobs[platform])["update_job_id"] == d["job_id"]
    on_topic(kcat, [e for e, _ in ups], 2)

    # a second edit while they are pending: no new jobs; already published, so a new attempt
    # carries both changes
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"title": "Oak table, 6 seats"},
                       timeout=10)
    assert r.status_code == 200, r.text
    assert len(get(api, f"/api/jobs?listing_id={lid}&kind=update")) == 2
    ups = requests_of(api, "update.requested")
    assert len(ups) == 4
    for _, d in ups[2:]:
        assert d["changed"] == ["price", "title"] and d["attempt"] == 2
        assert d["listing"]["title"] == "Oak table, 6 seats"

    # held back (unpublished, as a schedule holds it): the edit rewrites the request in place
    wait_until(lambda: sql(api.db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
               == 0, 30, "the requests to go out")
    sandbox_up = by_platform["sandbox"][1]["job_id"]
    eid = ups[2][0] if ups[2][1]["job_id"] == sandbox_up else ups[3][0]
    sql(api.db, "UPDATE outbox SET published_at = NULL, next_attempt_at = now() + interval '1 hour'"
                " WHERE event_id = %s", (eid,))
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"description": "Seats six"},
                       timeout=10)
    assert r.status_code == 200, r.text
    ups = requests_of(api, "update.requested")
    assert len(ups) == 5  # ebay's (published) took a third attempt; sandbox's was rewritten
    rewritten = dict(ups)[eid]
    assert rewritten["changed"] == ["price", "title", "description"] and rewritten["attempt"] == 2
    assert rewritten["listing"]["description"] == "Seats six"
    assert job(api, sandbox_up)["attempt"] == 2
    sql(api.db, "UPDATE outbox SET next_attempt_at = now() WHERE event_id = %s", (eid,))
    wait_until(lambda: any(m["json"]["data"]["changed"] == ["price", "title", "description"]
                           for m in on_topic(kcat, [eid], 1)), 30, "the rewritten request")

    # the poster's answers: a stale attempt is ignored, the current one applies
    ebay_up = by_platform["ebay"][1]["job_id"]
    applied(api, answer(kcat, "update.succeeded", {"job_id": sandbox_up, "attempt": 1}))
    assert job(api, sandbox_up)["status"] == "pending"
    applied(api, answer(kcat, "posting.started", {"job_id": sandbox_up, "attempt": 2}))
    assert job(api, sandbox_up)["status"] == "running"
    applied(api, answer(kcat, "update.succeeded", {"job_id": sandbox_up, "attempt": 2,
                                                   "external_url": "http://sandbox/item/new"}))
    assert job(api, sandbox_up)["status"] == "done"
    assert job(api, jobs["sandbox"])["external_url"] == "http://sandbox/item/new"
    fail = answer(kcat, "update.failed", {"job_id": ebay_up, "attempt": 3, "error": {
        "code": "marketplace_error", "message": "eBay 500", "retryable": True}})
    applied(api, fail)
    assert job(api, ebay_up)["status"] == "failed" and job(api, jobs["ebay"])["status"] == "posted"
    kcat.produce("bb.posting.events", str(ebay_up), fail)  # redelivered: nothing new
    r = requests.post(api.url + f"/api/jobs/{ebay_up}/retry", timeout=10)
    assert r.status_code == 200, r.text
    assert job(api, ebay_up)["status"] == "pending" and job(api, ebay_up)["attempt"] == 4
    last = requests_of(api, "update.requested")[-1][1]
    assert last["job_id"] == ebay_up and last["attempt"] == 4
    assert last["changed"] == ["price", "title", "description"]

    # a new photo after the sandbox update is done: a new update job, changed = ["images"]
    with open(photo, "rb") as fh:
        r = requests.post(api.url + f"/api/listings/{lid}/images",
                          files=[("images", ("q.jpg", fh, "image/jpeg"))], timeout=30)
    assert r.status_code in (200, 201), r.text
    news = [d for _, d in requests_of(api, "update.requested") if d["changed"] == ["images"]]
    assert [d["platform"] for d in news] == ["sandbox"] and len(news[0]["listing"]["images"]) == 2
    # ebay's pending update took the photo in (its request rewritten or re-attempted)
    assert job(api, ebay_up)["changed"] == ["price", "title", "description", "images"]


def test_migration_keeps_old_jobs_and_their_meaning(api):
    """Jobs written before 0009 are post jobs; their statuses keep their values."""
    lid = new_listing(api)
    (jid,) = sql(api.db, "INSERT INTO posting_jobs (listing_id, platform, status) "
                         "VALUES (%s, 'sandbox', 'posted') RETURNING id", (lid,))[0]
    got = job(api, jid)
    assert got["kind"] == "post" and got["posting_job_id"] is None and got["status"] == "posted"
    assert got["delist_job_id"] is None and got["update_job_id"] is None
    with pytest.raises(Exception):
        sql(api.db, "INSERT INTO posting_jobs (listing_id, platform, kind, status)"
                    " VALUES (%s, 'sandbox', 'delist', 'pending')", (lid,))
