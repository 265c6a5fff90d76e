"""A listing posted to eBay through the whole stack: the api (PostgreSQL, outbox, status
consumer, claim-check image URLs), Kafka, the poster's eBay driver and the fake eBay. The
account is connected with the real byebuy-login; the api allows PLATFORMS=sandbox,ebay.

Isolation as in test_posting_e2e.py: consumer groups at the topics' ends, ids from a random
point."""

import random
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, jpeg_with_gps, sql
from ebay_support import connect, ebay  # noqa: F401  (fixture)
from test_posting_e2e import EVENTS_TOPIC, REQUESTS_TOPIC, groups_at_end, unique

pytestmark = pytest.mark.timeout(300)


class EbayStack:
    """The api and one poster, the poster connected to the fake eBay as account 0."""

    def __init__(self, services, chromedriver, kafka_bootstrap, db_url, tmp, fake):
        self.fake = fake
        groups = groups_at_end(kafka_bootstrap, [EVENTS_TOPIC, REQUESTS_TOPIC])
        (tmp / "uploads").mkdir()
        self.api = services.start("api", env={
            "DATABASE_URL": db_url, "UPLOAD_DIR": tmp / "uploads",
            "KAFKA_GROUP_ID": groups[EVENTS_TOPIC], "PLATFORMS": "sandbox,ebay"})
        for table in ("listings", "posting_jobs"):
            sql(db_url, f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH "
                        f"{random.randrange(10**9, 2**40)}")
        env = connect(fake, tmp / "profiles", kafka_bootstrap)
        self.poster = services.start("poster", env=dict(
            env, WEBDRIVER_URL=chromedriver, API_PUBLIC_URL=self.api.url,
            RECIPES_DIR=ROOT / "services" / "poster" / "recipes", WORK_DIR=tmp / "work",
            KAFKA_GROUP_ID=groups[REQUESTS_TOPIC], JOB_TIMEOUT_MS="60000"))

    def create_listing(self, title, photos, **fields):
        form = {"title": title, "description": "Solid oak.\nA few scratches on the top.",
                "price": "1299.50", "min_price": "1000", "condition": "good",
                "category": "Furniture", "location": "Austin"}
        form.update(fields)
        files = [("images", (p.name, p.read_bytes(), "image/jpeg")) for p in photos]
        r = requests.post(self.api.url + "/api/listings", data=form, files=files, timeout=60)
        assert r.status_code == 201, r.text
        return r.json()

    def post(self, listing_id):
        r = requests.post(f"{self.api.url}/api/listings/{listing_id}/post",
                          json={"platform": "ebay"}, timeout=30)
        assert r.status_code == 201, r.text
        return r.json()

    def wait_job(self, job_id, statuses=("posted", "failed"), timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            job = requests.get(f"{self.api.url}/api/jobs/{job_id}", timeout=10).json()
            if job["status"] in statuses:
                return job
            if time.monotonic() >= deadline:
                pytest.fail(f"job {job_id} is {job['status']}: "
                            f"{[g['message'] for g in job['logs']][-8:]}\n"
                            f"{self.poster.log_tail(25)}")
            time.sleep(0.1)


@pytest.fixture
def photos(tmp_path):
    return [jpeg_with_gps(tmp_path / f"p{i}.jpg", 96, 72, color)
            for i, color in enumerate([(200, 30, 30), (30, 160, 40)], 1)]


def test_listing_posted_to_ebay_through_the_api(services, chromedriver, kafka_bootstrap,
                                                fresh_db, tmp_path, ebay, photos):
    stack = EbayStack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path, ebay)
    listing = stack.create_listing(unique("Oak desk"), [Path(p) for p in photos])
    job = stack.wait_job(stack.post(listing["id"])["id"])
    assert job["status"] == "posted", [g["message"] for g in job["logs"]]
    offers = ebay.snapshot()["offers"]
    assert len(offers) == 1 and offers[0]["status"] == "PUBLISHED"
    assert offers[0]["sku"] == f"bb-{listing['id']}"
    assert job["external_id"] == offers[0]["listing"]["listingId"]
    assert job["external_url"] == "https://sandbox.ebay.com/itm/" + job["external_id"]
    assert offers[0]["pricingSummary"]["price"] == {"value": "1299.50", "currency": "USD"}
    item = ebay.snapshot()["inventory_items"][offers[0]["sku"]]
    assert item["condition"] == "USED_GOOD" and len(item["product"]["imageUrls"]) == 2
    assert ebay.snapshot()["images"] == 2  # the api's photos, fetched by claim check
    messages = [g["message"] for g in job["logs"]]
    assert any("2 photos uploaded" in m for m in messages), messages

    # a seller without a return policy: the job fails with the remedy; after it, retry posts
    ebay.scenario(drop_policy="return")
    listing2 = stack.create_listing(unique("Oak chair"), [Path(photos[0])])
    job2 = stack.wait_job(stack.post(listing2["id"])["id"])
    assert job2["status"] == "failed" and job2["error_code"] == "setup_required", job2
    assert "return policy" in job2["error_message"]
    ebay.scenario(restore=True)
    r = requests.post(f"{stack.api.url}/api/jobs/{job2['id']}/retry", timeout=30)
    assert r.status_code in (200, 201, 202), r.text
    job2 = stack.wait_job(job2["id"], statuses=("posted",))
    assert len(ebay.snapshot()["offers"]) == 2


def wait_status(stack, job_id, statuses, timeout=90):
    """GET /api/jobs/{id} until its status is in statuses; returns the job."""
    deadline = time.monotonic() + timeout
    while True:
        job = requests.get(f"{stack.api.url}/api/jobs/{job_id}", timeout=10).json()
        if job["status"] in statuses:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def test_price_drop_and_sale_reach_ebay(services, chromedriver, kafka_bootstrap, fresh_db,
                                        tmp_path, ebay, photos):
    """Issue 10's eBay half of "done": a price drop reaches the fake's offer (one offer update,
    no new photos), and POST /sold withdraws the offer; the posting ends delisted."""
    stack = EbayStack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path, ebay)
    desk = stack.create_listing(unique("Walnut desk"), [Path(p) for p in photos])
    chair = stack.create_listing(unique("Walnut chair"), [Path(photos[0])])
    posts = [stack.wait_job(stack.post(lst["id"])["id"]) for lst in (desk, chair)]
    assert [p["status"] for p in posts] == ["posted", "posted"], posts
    offers = {o["sku"]: o for o in ebay.snapshot()["offers"]}

    # a price drop of the chair: an update job, the offer's price, no photo uploaded again
    r = requests.patch(f"{stack.api.url}/api/listings/{chair['id']}", json={"price": "1099.00"},
                       timeout=10)
    assert r.status_code == 200, r.text
    post = requests.get(f"{stack.api.url}/api/jobs/{posts[1]['id']}", timeout=10).json()
    if "update_job_id" not in post:
        pytest.skip("this api has no update jobs: issue 10's api half not merged")
    up = wait_status(stack, post["update_job_id"], ("done", "failed"))
    assert up["status"] == "done", [g["message"] for g in up["logs"]]
    chair_offer = [o for o in ebay.snapshot()["offers"] if o["sku"] == f"bb-{chair['id']}"][0]
    assert chair_offer["pricingSummary"]["price"]["value"] == "1099.00"
    assert chair_offer["offerId"] == offers[f"bb-{chair['id']}"]["offerId"]
    assert ebay.snapshot()["images"] == 3  # 2 + 1 at posting time

    # the desk sold elsewhere: its eBay offer is withdrawn, the posting ends delisted
    r = requests.post(f"{stack.api.url}/api/listings/{desk['id']}/sold", json={}, timeout=10)
    assert r.status_code == 202, r.text
    done = wait_status(stack, posts[0]["id"], ("delisted", "delist_failed"))
    assert done["status"] == "delisted", done
    sold = [o for o in ebay.snapshot()["offers"] if o["sku"] == f"bb-{desk['id']}"][0]
    assert sold["status"] == "UNPUBLISHED" and sold["withdrawals"] == 1
    assert [o["status"] for o in ebay.snapshot()["offers"] if o["sku"] == f"bb-{chair['id']}"] \
        == ["PUBLISHED"]
