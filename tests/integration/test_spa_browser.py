"""Issue 9's browser tests: the built SPA (frontend/dist, served by the api at /) driven by
Debian's Chromium through playwright-core (frontend/tests/browser/spa.mjs), with axe-core on
every page and screenshots into docs/screenshots. The api, the poster and the sandbox are the
real ones (the posting e2e's Stack); the inbox rows are inserted as the event applier leaves
them (api_messaging_support), and a buyer message inserted while the chat is open must appear
without a reload (PostgreSQL trigger -> /api/events -> SWR). The live inbox test runs the real
messaging pipeline instead (messaging_support.mstack: monitor driving Chromium, responder,
sandbox): the buyer writes through the sandbox's control route while the Inbox is open."""

import os
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

import api_messaging_support as seed
from conftest import ROOT, cloudevent, jpeg_with_gps, sql
from messaging_support import mstack  # noqa: F401  (mstack is a fixture)
from test_api_foundation import api_env, position_group, wait_until
from test_posting_e2e import Stack

pytestmark = pytest.mark.timeout(300)

FRONTEND = ROOT / "frontend"
SCRIPT = FRONTEND / "tests" / "browser" / "spa.mjs"
SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def built_spa():
    """The SPA as `make up` builds it (a no-op when dist/ is current)."""
    subprocess.run([str(ROOT / "scripts" / "build-frontend.sh")], check=True, timeout=600)
    assert (FRONTEND / "dist" / "index.html").exists()


def run_browser(scenario, base_url, sandbox_url="", on_need=None, env=None, timeout=240):
    """Runs one scenario of spa.mjs; on_need(word) answers its "need:<word>" lines. Returns
    the "ok ..." lines; fails with the script's output when a step failed."""
    env = dict(os.environ, BB_BASE_URL=base_url, BB_SANDBOX_URL=sandbox_url,
               BB_SHOTS=str(SHOTS), **(env or {}))
    proc = subprocess.Popen(["node", str(SCRIPT), scenario], cwd=FRONTEND, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    out = []
    try:
        for line in proc.stdout:
            out.append(line.rstrip("\n"))
            if line.startswith("need:") and on_need:
                on_need(line.strip().split(":", 1)[1])
        rc = proc.wait()
    finally:
        timer.cancel()
    text = "\n".join(out)
    assert rc == 0 and out and out[-1] == "done", f"browser scenario {scenario}:\n{text}"
    return [line for line in out if line.startswith("ok ")]


def test_listing_created_by_drag_and_drop_posted_live_retried_and_sold(
        services, chromedriver, kafka_bootstrap, fresh_db, tmp_path):
    stack = Stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path)
    stack.start_poster()
    r = requests.get(stack.api.url + "/", timeout=10)
    assert r.status_code == 200 and 'id="root"' in r.text, "the api does not serve the SPA"
    photos = [jpeg_with_gps(tmp_path / f"table{i}.jpg", 320, 240, c)
              for i, c in enumerate([(150, 90, 40), (60, 120, 200)], 1)]
    done = run_browser("listings", stack.api.url, stack.sandbox.url,
                       env={"BB_PHOTOS": ":".join(str(p) for p in photos)})
    assert any(line.startswith("ok badge") for line in done), done
    for name in ("dashboard", "dashboard-phone", "listing-new", "listing-detail"):
        assert (SHOTS / f"{name}.png").stat().st_size > 1000


def test_inbox_live_chat_hand_back_and_deal(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="sandbox,facebook_marketplace"))
    acct = seed.account(fresh_db)
    table = seed.listing(fresh_db, "Oak dining table", price_cents=12000, min_price_cents=9000)
    chair = seed.listing(fresh_db, "Blue armchair", price_cents=4000)
    dana = seed.buyer(fresh_db, "Dana")
    sam = seed.buyer(fresh_db, "Sam")
    urgent = seed.conversation(fresh_db, acct, "101", dana, table, status="needs_attention",
                               minutes_ago=30, offer_cents=5000,
                               reason="buyer asked for a lower price than the floor")
    seed.message(fresh_db, urgent, "buyer", "Would you take 50?")
    seed.message(fresh_db, urgent, "agent", "Thanks! The lowest I can do is 110.",
                 delivery="sent", sent_today=True)
    calm = seed.conversation(fresh_db, acct, "102", sam, chair, minutes_ago=1)
    seed.message(fresh_db, calm, "buyer", "Is the armchair still for sale?")

    def on_need(word):
        assert word == "buyer_message", word
        seed.message(fresh_db, urgent, "buyer", "Is it still available on Saturday?")

    done = run_browser("inbox", api.url, on_need=on_need)
    assert "ok buyer message arrived without a reload" in done, done


def test_inbox_live_through_the_real_messaging_pipeline(mstack):
    _, item = mstack.listing("Walnut desk", 120, 80)
    threads = []

    def on_need(word):
        assert word == "buyer_message", word
        threads.append(mstack.buyer_writes(item, "Robin", "is this still available?"))

    done = run_browser("live", mstack.api.url, mstack.sandbox.url, on_need=on_need, timeout=120)
    assert "ok manual message shown sent" in done, done
    # delivered means in the sandbox's thread, once: the auto-reply, then the manual message
    seller = mstack.seller_messages(threads[0])
    assert seller.count("I can hold it for you until Saturday.") == 1, seller
    assert len(seller) == 2, seller
    assert (SHOTS / "inbox-live.png").stat().st_size > 1000


def test_docs_swagger_ui_renders_offline(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    done = run_browser("docs", api.url)
    assert any(line.startswith("ok docs:") for line in done), done


def test_settings_accounts_and_field_errors(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="sandbox,facebook_marketplace"))
    done = run_browser("settings", api.url)
    assert "ok pacing refused on its field, then saved" in done, done
    accounts = requests.get(api.url + "/api/accounts", timeout=10).json()
    assert [(a["label"], a["running"]) for a in accounts] == [("My sandbox shop", True)]
    assert "ok posting pacing refused on its field, then saved" in done, done
    pacing = requests.get(api.url + "/api/settings/pacing", timeout=10).json()
    fb = next(p for p in pacing if p["platform"] == "facebook_marketplace")
    assert (fb["saved"]["min_gap_s"], fb["saved"]["posts_per_day"]) == (600, 5), fb
    assert fb["saved"]["delists_per_day"] is None, fb  # left empty: the default still applies
    own = requests.get(api.url + f"/api/accounts/{accounts[0]['id']}/pacing", timeout=10).json()
    assert own["saved"]["posts_per_day"] == 3 and own["saved"]["min_gap_s"] is None, own


# ---- issue 10: sold means gone everywhere, seen by the seller ------------------------------

def _seed_posting(db, listing_id, account_id, n, status="posted"):
    return sql(db, "INSERT INTO posting_jobs (listing_id, platform, account_id, status, external_id, "
                   "external_url, completed_at) VALUES (%s, 'sandbox', %s, %s, %s, %s, now()) "
                   "RETURNING id",
               (listing_id, account_id, status, f"item-{n}", f"http://127.0.0.1:9/item/{n}"))[0][0]


def _delist_jobs(db, listing_id):
    """The delist jobs of a listing's postings, by the post job they act on: {post: (id, attempt)}."""
    rows = sql(db, "SELECT d.posting_job_id, d.id, d.attempt FROM posting_jobs d "
                   "JOIN posting_jobs p ON p.id = d.posting_job_id "
                   "WHERE d.kind = 'delist' AND p.listing_id = %s", (listing_id,))
    return {post: (jid, attempt) for post, jid, attempt in rows}


def _requests_published(kcat, db, type_, job_id, attempt):
    """The api's request (delisting.requested, update.requested) for this job's attempt, as
    published on Kafka (matched by the outbox's event id: job ids repeat across the tests'
    databases)."""
    ids = {str(e) for (e,) in sql(
        db, "SELECT event_id FROM outbox WHERE type = %s "
            "AND (payload::json->'data'->>'job_id')::bigint = %s "
            "AND coalesce((payload::json->'data'->>'attempt')::int, 1) = %s",
        (type_, job_id, attempt))}
    if not ids:
        return []
    return kcat.wait_for("bb.posting.requests", lambda m: (m["json"] or {}).get("id") in ids,
                         timeout=20)


def _answer(kcat, job_id, attempt, ok, error=None):
    data = {"job_id": job_id, "attempt": attempt}
    if not ok:
        data["error"] = error
    kcat.produce("bb.posting.events", str(job_id), cloudevent(
        "delisting.succeeded" if ok else "delisting.failed", data, source="byebuy/poster"))


def test_sold_removes_every_posting_live_with_failure_and_retry(services, kcat, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="sandbox,facebook_marketplace"))
    shop_a = seed.account(fresh_db, "sandbox", "Shop A")
    shop_b = seed.account(fresh_db, "sandbox", "Shop B")
    lamp = seed.listing(fresh_db, "Brass lamp", price_cents=12000)
    a = _seed_posting(fresh_db, lamp, shop_a, 1)
    b = _seed_posting(fresh_db, lamp, shop_b, 2)
    chair = seed.listing(fresh_db, "Rocking chair", price_cents=6000)
    at = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(second=0, microsecond=0)
    sql(fresh_db, "INSERT INTO posting_jobs (listing_id, platform, account_id, status, scheduled_at) "
                  "VALUES (%s, 'sandbox', %s, 'pending', %s)", (chair, shop_a, at))
    position_group(kcat, fresh_db, a)  # the api's consumer is assigned before the answers go out
    seen = {}

    def on_need(word):
        if word == "update_results":
            ups = sql(fresh_db, "SELECT id, posting_job_id, changed FROM posting_jobs "
                                "WHERE kind = 'update' ORDER BY posting_job_id")
            assert [(p, c) for _, p, c in ups] == [(a, ["price"]), (b, ["price"])], ups
            for jid, _, _ in ups:
                assert _requests_published(kcat, fresh_db, "update.requested", jid, 1), jid
                kcat.produce("bb.posting.events", str(jid), cloudevent(
                    "update.succeeded", {"job_id": jid, "attempt": 1}, source="byebuy/poster"))
        elif word == "delist_results":
            wait_until(lambda: len(_delist_jobs(fresh_db, lamp)) == 2, 20, "two delist jobs")
            jobs = _delist_jobs(fresh_db, lamp)
            for post in (a, b):
                assert _requests_published(kcat, fresh_db, "delisting.requested", jobs[post][0], 1), post
            reasons = sql(fresh_db, "SELECT DISTINCT payload::json->'data'->>'reason' FROM outbox "
                                    "WHERE type = 'delisting.requested'")
            assert reasons == [("sold",)], reasons
            seen["jobs"] = jobs
            _answer(kcat, jobs[a][0], 1, True)
            _answer(kcat, jobs[b][0], 1, False, {"code": "timeout", "retryable": True,
                                                 "message": "no answer in 60 s"})
        elif word == "delist_retry":
            jid = seen["jobs"][b][0]
            wait_until(lambda: _requests_published(kcat, fresh_db, "delisting.requested", jid, 2), 30,
                       "the retried delisting.requested")
            _answer(kcat, jid, 2, True)
        else:
            raise AssertionError(word)

    done = run_browser("sold", api.url, on_need=on_need, env={
        "BB_LISTING_ID": str(lamp), "BB_POSTINGS": f"{a},{b}", "BB_SCHEDULED_ID": str(chair),
        "BB_SCHEDULED_AT": at.isoformat()})
    label = next(line for line in done if line.startswith("ok scheduled:"))
    berlin = at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    assert label.endswith(f"{berlin} (account pacing)"), label
    assert "ok retried: removed everywhere, without a reload" in done, done
    assert sql(fresh_db, "SELECT status FROM posting_jobs WHERE id IN (%s, %s)", (a, b)) == \
        [("delisted",), ("delisted",)]
    assert sql(fresh_db, "SELECT status, sold_price_cents, price_cents FROM listings WHERE id = %s",
               (lamp,)) == [("sold", 9500, 11000)]
    assert sql(fresh_db, "SELECT status FROM posting_jobs WHERE kind = 'update'") == [("done",)] * 2
    for name in ("listing-mark-sold", "listing-delist-failed", "listing-scheduled"):
        assert (SHOTS / f"{name}.png").stat().st_size > 1000


def test_delete_with_a_live_posting_says_where_it_still_shows(services, kcat, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="sandbox,facebook_marketplace"))
    shop = seed.account(fresh_db, "sandbox", "Shop A")
    desk = seed.listing(fresh_db, "Pine desk", price_cents=8000)
    post = _seed_posting(fresh_db, desk, shop, 3)
    position_group(kcat, fresh_db, post)

    def on_need(word):
        assert word == "delete_fails", word
        wait_until(lambda: post in _delist_jobs(fresh_db, desk), 20, "the delist job")
        jid = _delist_jobs(fresh_db, desk)[post][0]
        assert _requests_published(kcat, fresh_db, "delisting.requested", jid, 1)
        _answer(kcat, jid, 1, False, {"code": "not_supported", "retryable": False,
                                      "message": "the sandbox recipe has no delist section"})

    done = run_browser("delete", api.url, on_need=on_need,
                       env={"BB_LISTING_ID": str(desk), "BB_POSTINGS": str(post)})
    assert "ok deleted after removing it by hand" in done, done
    assert sql(fresh_db, "SELECT count(*) FROM listings WHERE id = %s", (desk,)) == [(0,)]
    assert (SHOTS / "listing-delete-failed.png").stat().st_size > 1000
