"""The poster's eBay API driver against the fake eBay (tests/fakes/fake_ebay.py) through real
Kafka: posting.requested, delisting.requested and update.requested go in with kcat,
bb.posting.events come out, and the fake's state (offers, their status and price) shows what
the driver did. The account is connected with the real `byebuy-login --platform ebay` (the
consent URL it prints is opened on the fake, the redirect URL pasted back on stdin).

Isolation: the poster's consumer group starts at the end of bb.posting.requests
(poster_support.fresh_group), job and listing ids are random, each test has its own fake eBay
and PROFILE_DIR."""

import json
import time
import uuid

import pytest
import requests

from conftest import ROOT, cloudevent
from ebay_support import connect, ebay, ebay_env, login  # noqa: F401  (fixtures)
from poster_support import REQUESTS, PostingEvents, fake_api, fresh_group, job_event, new_job_id

pytestmark = pytest.mark.timeout(240)

FINALS = {"posting.succeeded", "posting.failed", "delisting.succeeded", "delisting.failed",
          "update.succeeded", "update.failed"}


@pytest.fixture(scope="module")
def group(kafka_bootstrap):
    return fresh_group(kafka_bootstrap)


@pytest.fixture
def events(kcat):
    return PostingEvents(kcat)


def start_poster(services, chromedriver, group, fake_api, env, tmp_path, **extra):
    full = dict(env, WEBDRIVER_URL=chromedriver, API_PUBLIC_URL=fake_api.url,
                RECIPES_DIR=str(ROOT / "services" / "poster" / "recipes"), KAFKA_GROUP_ID=group,
                WORK_DIR=str(tmp_path / "work"), JOB_TIMEOUT_MS="60000", WORKERS="2")
    full.update({k: str(v) for k, v in extra.items()})
    return services.start("poster", env=full)


@pytest.fixture
def connected(ebay, tmp_path, kafka_bootstrap):
    """The fake's seller connected as account 0; returns the environment."""
    return connect(ebay, tmp_path / "profiles", kafka_bootstrap)


def wait_final(events, job_id, count=1, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        evs = [e["json"] for e in events.of([job_id])]
        finals = [e for e in evs if e["type"] in FINALS]
        if len(finals) >= count:
            return evs, finals
        if time.monotonic() >= deadline:
            pytest.fail(f"job {job_id}: {len(finals)} final events after {timeout}s: "
                        f"{[(e['type'], e['data'].get('message')) for e in evs[-8:]]}")
        time.sleep(0.3)


def logs(evs):
    return [e["data"].get("message") or "" for e in evs if e["type"] == "posting.log"]


def post(kcat, fake_api, title, job=None, attempt=1, **fields):
    job = job or new_job_id()
    key, ev = job_event(job, title, fake_api.images(), platform="ebay", attempt=attempt, **fields)
    kcat.produce(REQUESTS, key, ev)
    return job, ev


def delist(kcat, listing_id, external_id, job=None, attempt=1):
    job = job or new_job_id()
    data = {"job_id": job, "attempt": attempt, "listing_id": listing_id, "platform": "ebay",
            "account_id": 0, "external_id": external_id, "reason": "sold"}
    kcat.produce(REQUESTS, str(listing_id), cloudevent("delisting.requested", data,
                                                       subject=str(job), source="byebuy/api"))
    return job


def update(kcat, post_ev, changed, external_id, job=None, **listing):
    job = job or new_job_id()
    data = {"job_id": job, "attempt": 1, "posting_job_id": post_ev["data"]["job_id"],
            "platform": "ebay", "account_id": 0, "external_id": external_id, "changed": changed,
            "listing": dict(post_ev["data"]["listing"], **listing)}
    kcat.produce(REQUESTS, str(data["listing"]["id"]), cloudevent(
        "update.requested", data, subject=str(job), source="byebuy/api"))
    return job


def the_offer(fake):
    offers = fake.snapshot()["offers"]
    assert len(offers) == 1, offers
    return offers[0]


def test_post_redelivery_price_edit_and_delist(services, chromedriver, group, kcat, events,
                                               fake_api, ebay, connected, tmp_path):
    """Post -> one published offer; the same job again -> no second offer; a price drop ->
    the offer's price; a title edit -> the inventory item; delist -> withdrawn, twice."""
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    title = f"Oak writing desk {uuid.uuid4().hex[:6]}"
    job, ev = post(kcat, fake_api, title, price_cents=129950, condition="like_new")
    evs, finals = wait_final(events, job)
    assert finals[0]["type"] == "posting.succeeded", logs(evs)
    done = finals[0]["data"]
    offer = the_offer(ebay)
    assert offer["status"] == "PUBLISHED" and offer["publishes"] == 1
    assert done["external_id"] == offer["listing"]["listingId"]
    assert done["external_url"] == "https://sandbox.ebay.com/itm/" + done["external_id"]
    assert offer["sku"] == f"bb-{ev['data']['listing']['id']}"
    assert offer["pricingSummary"]["price"] == {"value": "1299.50", "currency": "USD"}
    assert offer["categoryId"] == "11828"  # the fake's suggestion for "desk"
    assert offer["listingPolicies"]["fulfillmentPolicyId"] == "6196932000"
    assert offer["merchantLocationKey"] == "home" and offer["listingDuration"] == "GTC"
    item = ebay.snapshot()["inventory_items"][offer["sku"]]
    assert item["condition"] == "USED_EXCELLENT"
    assert item["availability"]["shipToLocationAvailability"]["quantity"] == 1
    assert item["product"]["title"] == title
    assert len(item["product"]["imageUrls"]) == 3
    assert all(u.startswith("https://i.ebayimg") for u in item["product"]["imageUrls"])
    assert ebay.snapshot()["images"] == 3
    assert any("3 photos uploaded" in m for m in logs(evs)), logs(evs)

    # the same job delivered again (its answer lost): no second offer, same listing
    post(kcat, fake_api, title, job=job, attempt=2, price_cents=129950)
    evs, finals = wait_final(events, job, count=2)
    assert finals[1]["type"] == "posting.succeeded", logs(evs)
    assert finals[1]["data"]["external_id"] == done["external_id"]
    assert the_offer(ebay)["publishes"] == 1
    assert ebay.snapshot()["images"] == 3  # nothing uploaded again
    assert any("already listed" in m for m in logs(evs))

    # a price drop: one offer update, nothing else
    before = len(ebay.snapshot()["requests"])
    uj = update(kcat, ev, ["price"], done["external_id"], price_cents=99900)
    evs, finals = wait_final(events, uj)
    assert finals[0]["type"] == "update.succeeded", logs(evs)
    offer = the_offer(ebay)
    assert offer["pricingSummary"]["price"] == {"value": "999.00", "currency": "USD"}
    assert offer["status"] == "PUBLISHED" and offer["categoryId"] == "11828"
    assert offer["listingPolicies"]["returnPolicyId"] == "6196934000"
    calls = [(r["method"], r["path"].split("/")[-1]) for r in ebay.snapshot()["requests"][before:]]
    assert not any(p.startswith("bb-") and m == "PUT" for m, p in calls), calls  # no item PUT
    assert ebay.snapshot()["images"] == 3

    # a title edit: the inventory item replaced, its photos kept
    new_title = title + " (solid oak)"
    tj = update(kcat, ev, ["title"], done["external_id"], title=new_title, price_cents=99900)
    evs, finals = wait_final(events, tj)
    assert finals[0]["type"] == "update.succeeded", logs(evs)
    item = ebay.snapshot()["inventory_items"][offer["sku"]]
    assert item["product"]["title"] == new_title and len(item["product"]["imageUrls"]) == 3
    assert ebay.snapshot()["images"] == 3
    assert the_offer(ebay)["pricingSummary"]["price"]["value"] == "999.00"

    # delist: withdrawn; the request again: success, nothing more withdrawn
    lid = ev["data"]["listing"]["id"]
    dj = delist(kcat, lid, done["external_id"])
    evs, finals = wait_final(events, dj)
    assert finals[0]["type"] == "delisting.succeeded", logs(evs)
    offer = the_offer(ebay)
    assert offer["status"] == "UNPUBLISHED" and offer["withdrawals"] == 1
    delist(kcat, lid, done["external_id"], job=dj, attempt=2)
    evs, finals = wait_final(events, dj, count=2)
    assert finals[1]["type"] == "delisting.succeeded", logs(evs)
    assert the_offer(ebay)["withdrawals"] == 1
    assert any("already delisted" in m for m in logs(evs)), logs(evs)

    # another listing: the account's policies and location are not read again
    def policy_reads():
        return sum(1 for r in ebay.snapshot()["requests"] if r["path"].endswith("_policy"))
    reads = policy_reads()
    assert reads == 6  # 3 by byebuy-login's check, 3 by the poster's first post
    job2, _ = post(kcat, fake_api, f"Desk chair {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job2)
    assert finals[0]["type"] == "posting.succeeded", logs(evs)
    assert policy_reads() == reads and len(ebay.snapshot()["offers"]) == 2


def test_expired_token_is_renewed_once_and_the_call_repeated(services, chromedriver, group, kcat,
                                                            events, fake_api, ebay, connected,
                                                            tmp_path):
    token_file = tmp_path / "profiles" / "ebay-0" / "oauth.json"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    old = json.loads(token_file.read_text())
    poster = start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    ebay.scenario(expire_tokens=True)  # eBay no longer takes it; the file says 2 h left
    job, _ = post(kcat, fake_api, f"Desk lamp {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    assert finals[0]["type"] == "posting.succeeded", logs(evs)
    snap = ebay.snapshot()
    assert snap["grants"].get("refresh_token") == 1, snap["grants"]
    assert snap["unauthorized"] == 1  # one refused call, then the renewed token
    assert the_offer(ebay)["status"] == "PUBLISHED"
    new = json.loads(token_file.read_text())
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] == old["refresh_token"]
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    assert any("renew" in m for m in logs(evs)), logs(evs)
    # neither the tokens nor the client secret reach the poster's log
    text = poster.log_text()
    assert new["access_token"] not in text and old["access_token"] not in text
    assert new["refresh_token"] not in text and "bb-test-secret" not in text


def test_two_jobs_on_an_expired_token_renew_it_once(services, chromedriver, group, kcat, events,
                                                     fake_api, ebay, connected, tmp_path):
    """Two workers, two listings, one refused token: the second job takes the token the first
    renewed (the file is re-read under the driver's lock) instead of renewing again."""
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    ebay.scenario(expire_tokens=True)
    jobs = [post(kcat, fake_api, f"Lamp {i} {uuid.uuid4().hex[:6]}")[0] for i in range(2)]
    for job in jobs:
        evs, finals = wait_final(events, job)
        assert finals[0]["type"] == "posting.succeeded", logs(evs)
    snap = ebay.snapshot()
    assert snap["grants"].get("refresh_token") == 1, snap["grants"]
    assert len(snap["offers"]) == 2 and all(o["status"] == "PUBLISHED" for o in snap["offers"])


def test_token_near_expiry_is_renewed_before_the_calls(services, chromedriver, group, kcat,
                                                       events, fake_api, ebay, connected,
                                                       tmp_path):
    token_file = tmp_path / "profiles" / "ebay-0" / "oauth.json"
    tok = json.loads(token_file.read_text())
    tok["access_token_expires_at"] = int(time.time()) + 60  # inside the 5-minute margin
    token_file.write_text(json.dumps(tok))
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    job, _ = post(kcat, fake_api, f"Camera {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    assert finals[0]["type"] == "posting.succeeded", logs(evs)
    snap = ebay.snapshot()
    assert snap["grants"].get("refresh_token") == 1 and snap["unauthorized"] == 0


def test_missing_business_policy_fails_with_the_remedy(services, chromedriver, group, kcat,
                                                       events, fake_api, ebay, connected,
                                                       tmp_path):
    ebay.scenario(drop_policy="fulfillment")
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    job, ev = post(kcat, fake_api, f"Office chair {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    fail = finals[0]
    assert fail["type"] == "posting.failed", logs(evs)
    err = fail["data"]["error"] if "error" in fail["data"] else fail["data"]
    text = json.dumps(err)
    assert "setup_required" in text
    assert "fulfillment (shipping) policy" in text and "Business policies" in text, text
    assert ebay.snapshot()["offers"] == []  # nothing listed half-way
    # the seller creates it; the retried job posts
    ebay.scenario(restore=True)
    post(kcat, fake_api, ev["data"]["listing"]["title"], job=job, attempt=2)
    evs, finals = wait_final(events, job, count=2)
    assert finals[1]["type"] == "posting.succeeded", logs(evs)


def test_429_is_retried_after_retry_after(services, chromedriver, group, kcat, events, fake_api,
                                          ebay, connected, tmp_path):
    ebay.scenario(fail=[{"path": "/publish", "method": "POST", "status": 429,
                         "retry_after": "1", "times": 2},
                        {"path": "/inventory_item/", "method": "PUT", "status": 503, "times": 1}])
    poster = start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    job, _ = post(kcat, fake_api, f"Road bike {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    assert finals[0]["type"] == "posting.succeeded", logs(evs)
    waits = [m for m in logs(evs) if "429" in m and "retrying in 1.0 s (Retry-After)" in m]
    assert len(waits) == 2, logs(evs)
    assert "errorId 2001" in waits[0]
    publishes = [r for r in ebay.snapshot()["requests"] if r["path"].endswith("/publish")]
    assert len(publishes) == 3 and publishes[2]["at"] - publishes[0]["at"] >= 1.9
    assert the_offer(ebay)["publishes"] == 1
    # a 503 without Retry-After: retried after a backoff
    assert any("HTTP 503, errorId 25001" in m and "retrying in" in m for m in logs(evs)), logs(evs)
    assert ebay.snapshot()["inventory_items"]  # the item PUT went through on the second try
    metrics = requests.get(poster.url + "/metrics", timeout=10).text
    assert 'bb_poster_ebay_calls_total{status="429"} 2' in metrics, metrics
    assert 'bb_poster_ebay_calls_total{status="5xx"} 1' in metrics, metrics


def test_failed_publish_then_redelivery_reuses_the_offer(services, chromedriver, group, kcat,
                                                        events, fake_api, ebay, connected,
                                                        tmp_path):
    """The offer was created but eBay refused the publish: the job fails; the retried job
    updates and publishes that offer instead of creating a second one."""
    ebay.scenario(fail=[{"path": "/publish", "method": "POST", "status": 400,
                         "error_id": 25002, "times": 1}])
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path)
    job, ev = post(kcat, fake_api, f"Floor lamp {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    assert finals[0]["type"] == "posting.failed", logs(evs)
    text = json.dumps(finals[0]["data"])
    assert "marketplace_error" in text and "errorId 25002" in text and "publishing offer" in text
    assert the_offer(ebay)["status"] == "UNPUBLISHED"
    post(kcat, fake_api, ev["data"]["listing"]["title"], job=job, attempt=2)
    evs, finals = wait_final(events, job, count=2)
    assert finals[1]["type"] == "posting.succeeded", logs(evs)
    offer = the_offer(ebay)
    assert offer["status"] == "PUBLISHED" and offer["publishes"] == 1
    assert offer.get("revisions") == 1  # the existing offer updated, not recreated


def test_retry_after_past_the_deadline_fails_rate_limited(services, chromedriver, group, kcat,
                                                         events, fake_api, ebay, connected,
                                                         tmp_path):
    ebay.scenario(fail=[{"path": "/sell/inventory/v1/offer", "method": "GET", "status": 429,
                         "retry_after": "90", "times": 1}])
    start_poster(services, chromedriver, group, fake_api, connected, tmp_path,
                 JOB_TIMEOUT_MS="20000")
    job, _ = post(kcat, fake_api, f"Phone {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    text = json.dumps(finals[0]["data"])
    assert finals[0]["type"] == "posting.failed" and "rate_limited" in text, text
    assert "deadline" in text


def test_unconnected_account_fails_auth_required(services, chromedriver, group, kcat, events,
                                                 fake_api, ebay, tmp_path, kafka_bootstrap):
    env = ebay_env(ebay, tmp_path / "profiles", kafka_bootstrap)
    poster = start_poster(services, chromedriver, group, fake_api, env, tmp_path)
    job, _ = post(kcat, fake_api, f"Desk {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    text = json.dumps(finals[0]["data"])
    assert finals[0]["type"] == "posting.failed" and "auth_required" in text, text
    assert "byebuy-login --platform ebay --account 0" in text
    assert ebay.snapshot()["requests"] == []
    # a poster without the app's keys says which to set
    poster.stop()
    no_keys = {k: v for k, v in env.items() if k != "EBAY_CLIENT_SECRET"}
    start_poster(services, chromedriver, group, fake_api, no_keys, tmp_path)
    job, _ = post(kcat, fake_api, f"Desk {uuid.uuid4().hex[:6]}")
    evs, finals = wait_final(events, job)
    text = json.dumps(finals[0]["data"])
    assert finals[0]["type"] == "posting.failed" and "auth_required" in text, text
    assert "EBAY_CLIENT_SECRET" in text and "byebuy-login --platform ebay" in text


def test_login_checks_state_and_reports_missing_setup(ebay, tmp_path, kafka_bootstrap):
    env = ebay_env(ebay, tmp_path / "profiles", kafka_bootstrap)
    # a redirect URL of another login (its state differs) is refused
    rc, out, err = login(env, account=4, paste=lambda u: u.replace("state=", "state=x"))
    assert rc != 0 and "state" in err, out + err
    assert not (tmp_path / "profiles" / "ebay-4" / "oauth.json").exists()
    ebay.scenario(drop_location=True)
    rc, out, err = login(env, account=4)
    assert rc == 0, out + err
    assert "Connected: eBay account 4" in out
    assert "inventory location" in out  # what to add before the first listing
    assert (tmp_path / "profiles" / "ebay-4" / "oauth.json").exists()
    assert "bb-test-secret" not in out + err
