"""Delisting and edits through browser recipes: the real poster binary drives real Chromium
(chromedriver) against the sandbox marketplace, fed through real Kafka. posting.requested,
delisting.requested and update.requested go in with kcat as the api's outbox writes them;
bb.posting.events come out; the sandbox's control API says what the marketplace shows."""

import signal
import time
import uuid

import pytest
import requests

from conftest import LOG_DIR, cloudevent
from poster_support import (EVENTS, REQUESTS, Chromedriver, fake_api, fresh_group,  # noqa: F401
                            job_event, new_job_id, poster_env)
from poster_support import chromedriver, group, sandbox  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(300)

FINAL = {"posting.succeeded", "posting.failed", "delisting.succeeded", "delisting.failed",
         "update.succeeded", "update.failed"}


class Run:
    """One test's poster and the jobs it sends, read back from bb.posting.events."""

    def __init__(self, services, chromedriver, sandbox, group, kcat, tmp, api, **extra):
        self.kcat, self.sandbox, self.api = kcat, sandbox, api
        self.since = int(time.time() * 1000) - 1000
        self.poster = services.start("poster", env=poster_env(
            chromedriver, sandbox.url, group, tmp, api=api, **extra))

    def events(self, job_id):
        msgs = self.kcat.consume(EVENTS, key=str(job_id), timeout=0, offset=f"s@{self.since}")
        return [m["json"] for m in msgs if m["json"]]

    def wait_final(self, job_id, count=1, timeout=150):
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events(job_id)
            finals = [e for e in evs if e["type"] in FINAL]
            if len(finals) >= count:
                return finals[count - 1], evs
            if time.monotonic() >= deadline:
                pytest.fail(f"job {job_id}: {len(finals)} final events after {timeout}s: "
                            f"{[(e['type'], e['data'].get('message')) for e in evs[-10:]]}\n"
                            f"{self.poster.log_tail(30)}")
            time.sleep(0.3)

    def post(self, title, **fields):
        job = new_job_id()
        key, ev = job_event(job, title, self.api.images()[:fields.pop("nimages", 3)], **fields)
        self.kcat.produce(REQUESTS, key, ev)
        final, _ = self.wait_final(job)
        assert final["type"] == "posting.succeeded", final
        return final["data"]

    def delist(self, posted, reason, job_id=None, listing_id=5, platform="sandbox"):
        job_id = job_id or new_job_id()
        data = {"job_id": job_id, "attempt": 1, "listing_id": listing_id, "platform": platform,
                "account_id": 0, "external_id": posted["external_id"],
                "external_url": posted["external_url"], "reason": reason}
        self.kcat.produce(REQUESTS, str(listing_id),
                          cloudevent("delisting.requested", data, subject=str(job_id),
                                     source="byebuy/api"))
        return job_id

    def update(self, posted, title, changed, images=None, job_id=None, platform="sandbox",
               **fields):
        job_id = job_id or new_job_id()
        _, post_ev = job_event(job_id, title, images or [], **fields)
        listing = post_ev["data"]["listing"]
        data = {"job_id": job_id, "attempt": 1, "posting_job_id": 1, "platform": platform,
                "account_id": 0, "external_id": posted["external_id"],
                "external_url": posted["external_url"], "changed": changed, "listing": listing}
        self.kcat.produce(REQUESTS, str(listing["id"]),
                          cloudevent("update.requested", data, subject=str(job_id),
                                     source="byebuy/api"))
        return job_id

    def item(self, external_id):
        r = requests.get(f"{self.sandbox.url}/_sandbox/items/{external_id}", timeout=10)
        assert r.status_code == 200, r.text
        return r.json()

    def page_status(self, external_id):
        return requests.get(f"{self.sandbox.url}/marketplace/item/{external_id}",
                            timeout=10).status_code


@pytest.fixture
def run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    return Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api)


def logs(evs):
    return [e["data"]["message"] for e in evs if e["type"] == "posting.log"]


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def test_delist_sold_marks_the_item_sold_and_a_redelivery_is_harmless(run):
    posted = run.post(unique("Oak desk"))
    assert run.item(posted["external_id"])["status"] == "active"

    job = run.delist(posted, "sold")
    final, evs = run.wait_final(job)
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert [e["type"] for e in evs][0] == "posting.started"
    item = run.item(posted["external_id"])
    assert item["status"] == "sold" and item["sold"] is True, item
    assert run.page_status(posted["external_id"]) == 200  # a sold listing still shows, as sold
    assert any("marking it sold" in m for m in logs(evs)), logs(evs)

    # The same request again (Kafka redelivered it): the page shows it sold, nothing to do.
    job2 = run.delist(posted, "sold", job_id=job)
    final, evs = run.wait_final(job2, count=2)
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert any("already" in m for m in logs(evs)[len(logs(evs)) // 2:]), logs(evs)
    assert run.item(posted["external_id"])["status"] == "sold"


def test_delist_deleted_removes_the_item_and_a_redelivery_is_harmless(run):
    posted = run.post(unique("Pine shelf"))
    job = run.delist(posted, "deleted")
    final, evs = run.wait_final(job)
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    item = run.item(posted["external_id"])
    assert item["status"] == "deleted" and item["deleted"] is True, item
    assert run.page_status(posted["external_id"]) == 404
    page = requests.get(f"{run.sandbox.url}/marketplace/you/selling", timeout=10).text
    assert f'data-item-id="{posted["external_id"]}"' not in page

    again = run.delist(posted, "deleted")  # a new job for a listing already gone
    final, evs = run.wait_final(again)
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert any("off the marketplace already" in m for m in logs(evs)), logs(evs)
    # a sold request for a deleted listing is done too: it is off the marketplace
    final, _ = run.wait_final(run.delist(posted, "sold"))
    assert final["type"] == "delisting.succeeded", final


def test_update_price_then_photos_and_title(run):
    title = unique("Walnut chair")
    posted = run.post(title)
    before = run.item(posted["external_id"])
    assert before["price_cents"] == 129950 and len(before["photos"]) == 3

    # A price drop: the common case, no image download, no upload.
    hits = run.api.hits["uploads"]
    job = run.update(posted, title, ["price"], images=run.api.images("again"),
                     price_cents=99900)
    final, evs = run.wait_final(job)
    assert final["type"] == "update.succeeded", (final, logs(evs))
    assert final["data"]["external_url"] == posted["external_url"]
    after = run.item(posted["external_id"])
    assert after["price_cents"] == 99900 and after["title"] == title and after["edits"] == 1
    assert [p["sha256"] for p in after["photos"]] == [p["sha256"] for p in before["photos"]]
    assert run.api.hits["uploads"] == hits  # the claim checks were not redeemed
    assert any("upload photos skipped" in m for m in logs(evs)), logs(evs)
    page = requests.get(run.sandbox.url + f"/marketplace/item/{posted['external_id']}",
                        timeout=10).text
    assert "$999" in page

    # New photos (two of them) and a new title: the old photos are replaced.
    images = run.api.images("new")[:2]
    new_title = title + " (restored)"
    job = run.update(posted, new_title, ["images", "title"], images=images, price_cents=99900)
    final, evs = run.wait_final(job)
    assert final["type"] == "update.succeeded", (final, logs(evs))
    after = run.item(posted["external_id"])
    assert after["title"] == new_title and after["price_cents"] == 99900
    assert [p["sha256"] for p in after["photos"]] == [i["sha256"] for i in images]
    assert after["edits"] == 2


def test_delist_behind_a_login_wall_fails_login_required(run):
    posted = run.post(unique("Teak stool"))
    r = requests.post(run.sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=10)
    assert r.status_code == 200
    job = run.delist(posted, "deleted")
    final, evs = run.wait_final(job)
    assert final["type"] == "delisting.failed", final
    err = final["data"]["error"]
    assert err["code"] == "login_required" and err["retryable"] is False, err
    assert "byebuy-login" in err["message"], err
    assert run.item(posted["external_id"])["status"] == "active"


def test_facebook_recipe_delists_and_edits_the_sandbox_in_demo_mode(
        services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    """`make up` without a real account points FACEBOOK_URL at the sandbox, whose Your listings
    and edit form copy Facebook's: the facebook_marketplace recipe's own delist and update
    sections run there (finding the card by the item page's title, as on Facebook)."""
    run = Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api,
              FACEBOOK_URL=sandbox.url)
    fb = "facebook_marketplace"
    title = unique("Birch table")
    posted = run.post(title, platform=fb, price_cents=8500, condition="good", nimages=1)
    assert run.item(posted["external_id"])["price_cents"] == 8500

    job = run.update(posted, title, ["price", "description"], platform=fb, price_cents=7000,
                     condition="good", description="Now cheaper.\nStill sturdy.")
    final, evs = run.wait_final(job)
    assert final["type"] == "update.succeeded", (final, logs(evs))
    item = run.item(posted["external_id"])
    assert item["price_cents"] == 7000 and item["description"] == "Now cheaper.\nStill sturdy."
    assert item["title"] == title and len(item["photos"]) == 1

    final, evs = run.wait_final(run.delist(posted, "sold", platform=fb))
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert run.item(posted["external_id"])["status"] == "sold"

    final, evs = run.wait_final(run.delist(posted, "deleted", platform=fb))
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert run.item(posted["external_id"])["status"] == "deleted"
    final, evs = run.wait_final(run.delist(posted, "deleted", platform=fb))
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    assert any("off the marketplace already" in m for m in logs(evs)), logs(evs)


def test_poster_killed_mid_delist_ends_delisted_once_after_restart(
        services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    """SIGKILL right after the sandbox deleted the item, before the poster reported it: the
    request is redelivered to the restarted poster, which finds the listing gone and reports
    delisting.succeeded, once. The slow steps (about 1 s apart) leave the kill a window."""
    run = Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api,
              STEP_DELAY_MS="1200")
    posted = run.post(unique("Maple bench"), nimages=1)
    job = run.delist(posted, "deleted")
    deadline = time.monotonic() + 120
    while run.item(posted["external_id"])["status"] != "deleted":
        assert time.monotonic() < deadline, logs(run.events(job))
        time.sleep(0.05)
    assert not [e for e in run.events(job) if e["type"] in FINAL], "the poster was too quick"
    run.poster.kill(signal.SIGKILL)
    assert not run.poster.alive()
    time.sleep(1)
    run.poster = services.start("poster", env=poster_env(
        chromedriver, sandbox.url, group, tmp_path, api=fake_api))
    final, evs = run.wait_final(job, timeout=180)
    assert final["type"] == "delisting.succeeded", (final, logs(evs))
    types = [e["type"] for e in evs]
    assert types.count("posting.started") == 2, types
    assert types.count("delisting.succeeded") == 1 and "delisting.failed" not in types, types
    assert any("off the marketplace already" in m for m in logs(evs)), logs(evs)
    assert run.item(posted["external_id"])["status"] == "deleted"
