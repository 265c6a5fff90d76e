"""Issue 10's "Done means" through the whole stack: the api (PostgreSQL, outbox, event
applier), Kafka, one poster that drives real Chromium against the sandbox marketplace and
calls the fake eBay (tests/fakes/fake_ebay.py) through its API driver. A listing is posted to
both; "sold" takes it down from both, an edit reaches both, and a poster killed in the middle
of a delist leaves it delisted once after a restart. Assertions are on the api's answers, the
sandbox's control API, the fake's state and bb.posting.events.

Isolation as in test_posting_e2e.py: consumer groups at the topics' ends, random ids."""

import signal
import statistics
import sys
import time

import pytest
import requests

from conftest import ROOT
from test_ebay_driver import ebay_env, login
from test_posting_e2e import Stack, photos  # noqa: F401  (photos is a fixture)

sys.path.insert(0, str(ROOT / "tests" / "fakes"))
from fake_ebay import FakeEbay  # noqa: E402  (the path is set just above)

pytestmark = pytest.mark.timeout(600)

PLATFORMS = ["sandbox", "ebay"]


@pytest.fixture
def ebay():
    fake = FakeEbay().start()
    yield fake
    fake.stop()


@pytest.fixture
def stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path, ebay):
    """The Stack of test_posting_e2e with the api posting to the sandbox and eBay, the fake's
    seller connected as the default account (the real byebuy-login, on the poster's
    PROFILE_DIR) and one poster running."""
    s = Stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path,
              api_env={"PLATFORMS": ",".join(PLATFORMS)})
    env = ebay_env(ebay, tmp_path, kafka_bootstrap)
    env["PROFILE_DIR"] = str(s.tmp / "profiles")
    rc, out, err = login(env)
    assert rc == 0, out + err
    s.ebay_env = {k: v for k, v in env.items() if k.startswith("EBAY_")}
    s.poster = s.start_poster(**s.ebay_env)
    return s


def post_everywhere(stack, photos, title, price="120.00"):
    """A new listing posted to the sandbox and eBay; returns (listing, {platform: post job})."""
    listing = stack.create_listing(title, photos[:2], price=price, min_price="80")
    r = requests.post(f"{stack.api.url}/api/listings/{listing['id']}/post",
                      json={"platforms": PLATFORMS}, timeout=30)
    assert r.status_code == 201, r.text
    jobs = {j["platform"]: j["id"] for j in r.json()}
    for platform, jid in jobs.items():
        job = stack.wait_job(jid, timeout=180)
        assert job["status"] == "posted", (platform, job["error_message"],
                                           [g["message"] for g in job["logs"]][-6:])
    return listing, jobs


def wait_status(stack, job_id, statuses, timeout=180):
    return stack.wait_job(job_id, statuses=statuses, timeout=timeout)


def sandbox_item(stack, post_job):
    item_id = stack.job(post_job)["external_url"].rstrip("/").rsplit("/", 1)[-1]
    r = requests.get(f"{stack.sandbox.url}/_sandbox/items/{item_id}", timeout=10)
    r.raise_for_status()
    return r.json()


def ebay_offer(ebay, listing_id):
    offers = [o for o in ebay.snapshot()["offers"] if o["sku"] == f"bb-{listing_id}"]
    assert len(offers) == 1, offers  # a redelivered post never makes a second offer
    return offers[0]


def final_events(stack, kcat, job_id, type_):
    return [e for e in stack.posting_events(kcat, job_id) if e["type"] == type_]


def test_sold_takes_it_down_everywhere_and_a_price_drop_reaches_both(stack, ebay, photos, kcat):
    # Three listings, each on both marketplaces.
    posted = [post_everywhere(stack, photos, f"Walnut side table {i}") for i in range(3)]

    # A price drop: one update job per posting, the sandbox item and the eBay offer follow.
    listing, jobs = posted[0]
    r = requests.patch(f"{stack.api.url}/api/listings/{listing['id']}", json={"price": "99.00"},
                       timeout=10)
    assert r.status_code == 200, r.text
    for platform, jid in jobs.items():
        update = stack.job(jid)["update_job_id"]
        assert update, (platform, stack.job(jid))
        done = wait_status(stack, update, ("done", "failed"))
        assert done["status"] == "done", (platform, done["error_message"])
        assert done["kind"] == "update" and done["changed"] == ["price"]
    assert sandbox_item(stack, jobs["sandbox"])["price_cents"] == 9900
    price = ebay_offer(ebay, listing["id"])["pricingSummary"]["price"]
    assert price["value"] == "99.00", price

    # Sold elsewhere: every posting is delisted; the time from the request to the last delist.
    took = []
    for listing, jobs in posted:
        t0 = time.monotonic()
        r = requests.post(f"{stack.api.url}/api/listings/{listing['id']}/sold", json={},
                          timeout=10)
        assert r.status_code == 202, r.text
        assert sorted(d["platform"] for d in r.json()["delist_jobs"]) == sorted(PLATFORMS)
        for platform, jid in jobs.items():
            job = wait_status(stack, jid, ("delisted", "delist_failed"))
            assert job["status"] == "delisted", (platform, job["error_message"])
        took.append(time.monotonic() - t0)
        item = sandbox_item(stack, jobs["sandbox"])
        assert item["sold"] is True, item
        offer = ebay_offer(ebay, listing["id"])
        assert offer["status"] == "UNPUBLISHED" and offer["withdrawals"] == 1, offer
        assert offer["listing"]["listingStatus"] == "ENDED", offer
    print(f"\nsold -> last posting delisted (sandbox + eBay fake), {len(took)} listings: "
          f"p50 {statistics.median(took):.2f} s, max {max(took):.2f} s, "
          f"each {[round(t, 2) for t in took]}")


def test_poster_killed_mid_delist_ends_delisted_once(stack, ebay, photos, kcat):
    listing, jobs = post_everywhere(stack, photos, "Brass floor lamp")
    # Every sandbox page now takes 4 s: the delist is surely under way when the poster dies.
    requests.post(stack.sandbox.url + "/_sandbox/delays", json={"page_ms": 4000},
                  timeout=10).raise_for_status()
    r = requests.post(f"{stack.api.url}/api/listings/{listing['id']}/sold",
                      json={"platform": "ebay"}, timeout=10)  # it sold on eBay itself
    assert r.status_code == 202, r.text
    delists = r.json()["delist_jobs"]
    assert [d["platform"] for d in delists] == ["sandbox"], delists
    delist = delists[0]["id"]
    wait_status(stack, delist, ("running",), timeout=60)
    time.sleep(1.0)
    stack.poster.proc.send_signal(signal.SIGKILL)
    stack.poster.proc.wait(timeout=10)
    requests.post(stack.sandbox.url + "/_sandbox/delays", json={"page_ms": 0},
                  timeout=10).raise_for_status()
    # The same group takes the partition over once the dead member's session expires.
    stack.start_poster(**stack.ebay_env)
    post = wait_status(stack, jobs["sandbox"], ("delisted", "delist_failed"), timeout=240)
    assert post["status"] == "delisted", post["error_message"]
    done = stack.job(delist)
    assert done["status"] == "done", done
    assert len(final_events(stack, kcat, delist, "delisting.succeeded")) == 1
    assert sandbox_item(stack, jobs["sandbox"])["sold"] is True
    # eBay ended the listing itself: our offer there was left alone.
    assert ebay_offer(ebay, listing["id"]).get("withdrawals", 0) == 0
    ebay_post = stack.job(jobs["ebay"])
    assert ebay_post["status"] == "delisted", ebay_post
    assert any("the marketplace takes the listing down itself" in g["message"]
               for g in ebay_post["logs"]), ebay_post["logs"]
