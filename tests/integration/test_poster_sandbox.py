"""The poster against the sandbox marketplace with real Chromium (chromedriver) and real Kafka,
without the api: posting.requested events go in with kcat, bb.posting.events come out."""

import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import LOG_DIR
from poster_support import (REQUESTS, Chromedriver, PostingEvents, fresh_group, job_event,
                            new_job_id, poster_env, sandbox_items, write_images)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def group(kafka_bootstrap):
    return fresh_group(kafka_bootstrap)


@pytest.fixture
def chromedriver(free_port, request):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    cd = Chromedriver(free_port(), LOG_DIR / f"{request.node.name}.chromedriver.log")
    yield cd
    cd.stop()


@pytest.fixture
def sandbox(services):
    return services.start("sandbox")


@pytest.fixture
def events(kcat):
    return PostingEvents(kcat)


def start_poster(services, chromedriver, sandbox, group, tmp_path, **extra):
    return services.start("poster", env=poster_env(chromedriver, sandbox.url, group, tmp_path,
                                                    **extra))


def by_type(evs, type_):
    return [e["json"] for e in evs if e["json"]["type"] == type_]


def test_job_posts_one_item_with_its_fields_and_photos(services, chromedriver, sandbox, group,
                                                      kcat, events, tmp_path):
    poster = start_poster(services, chromedriver, sandbox, group, tmp_path)
    images = write_images(tmp_path / "img")
    job = new_job_id()
    title = f"Oak desk {uuid.uuid4().hex[:6]}"
    key, ev = job_event(job, title, images, price_cents=129950, condition="like_new",
                        category="furniture", location="Austin")
    kcat.produce(REQUESTS, key, ev)

    evs = events.wait_final([job], timeout=120)
    types = [e["json"]["type"] for e in evs]
    assert types[0] == "posting.started", types
    assert types[-1] == "posting.succeeded", types
    assert types.count("posting.succeeded") == 1
    assert all(t == "posting.log" for t in types[1:-1])
    logs = [e["data"]["message"] for e in by_type(evs, "posting.log")]
    assert any(m.startswith("step 1/") for m in logs), logs
    assert any("fill Title" in m for m in logs), logs
    assert any("attached 3 images" in m for m in logs), logs
    started = by_type(evs, "posting.started")[0]
    assert started["data"]["attempt"] == 1 and started["source"] == "byebuy/poster"

    items = sandbox_items(sandbox.url)
    assert len(items) == 1, items
    item = items[0]
    done = by_type(evs, "posting.succeeded")[0]["data"]
    assert done["external_url"] == f"{sandbox.url}/marketplace/item/{item['id']}"
    assert done["external_id"] == str(item["id"])
    assert item["title"] == title
    assert item["price_cents"] == 129950
    assert item["description"] == "Solid oak.\nSome scratches."
    assert item["condition"] == "Used - like new"  # like_new through the recipe's map
    assert item["category"] == "Furniture"         # fuzzy: "furniture"
    assert item["location"] == "Austin, Texas"     # the first suggestion for "Austin"
    assert sorted(p["sha256"] for p in item["photos"]) == sorted(h for _, h in images)

    r = requests.get(poster.url + "/metrics", timeout=5)
    assert 'bb_poster_jobs_total{result="succeeded"} 1' in r.text


def test_redelivered_job_finds_its_listing_and_does_not_post_twice(
        services, chromedriver, sandbox, group, kcat, events, tmp_path):
    start_poster(services, chromedriver, sandbox, group, tmp_path)
    images = write_images(tmp_path / "img")
    job = new_job_id()
    key, ev = job_event(job, f"Walnut chair {uuid.uuid4().hex[:6]}", images)
    # The same message twice: what Kafka does after a crash between posting and committing.
    kcat.produce_many(REQUESTS, [(key, ev), (key, ev)])

    evs = events.wait_final([job], count=2, timeout=150)
    done = by_type(evs, "posting.succeeded")
    assert len(done) == 2
    assert done[0]["data"]["external_url"] == done[1]["data"]["external_url"]
    logs = [e["data"]["message"] for e in by_type(evs, "posting.log")]
    assert any("already posted" in m and "not posting it again" in m for m in logs), logs
    assert len(sandbox_items(sandbox.url)) == 1


def webdriver_login(chromedriver_url, profile_dir, login_url):
    """Logs the sandbox in on a Chromium profile the way a user does with byebuy-login."""
    caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile_dir}"]}}}}
    sid = requests.post(chromedriver_url + "/session", json=caps, timeout=60).json()["value"]["sessionId"]
    base = f"{chromedriver_url}/session/{sid}"
    try:
        requests.post(base + "/url", json={"url": login_url}, timeout=30).raise_for_status()
        for css, text in (("#email", "seller@example.com"), ("#pass", "secret")):
            el = requests.post(base + "/element", json={"using": "css selector", "value": css},
                               timeout=10).json()["value"]
            eid = list(el.values())[0]
            requests.post(f"{base}/element/{eid}/value", json={"text": text}, timeout=10)
        el = requests.post(base + "/element", json={"using": "css selector",
                                                    "value": "button[name=login]"},
                           timeout=10).json()["value"]
        requests.post(f"{base}/element/{list(el.values())[0]}/click", json={}, timeout=30)
        url = requests.get(base + "/url", timeout=10).json()["value"]
        assert "/login" not in url, url
    finally:
        requests.delete(base, timeout=30)


def test_login_wall_fails_with_login_required_then_a_login_persists(
        services, chromedriver, sandbox, group, kcat, events, tmp_path):
    start_poster(services, chromedriver, sandbox, group, tmp_path)
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5).raise_for_status()
    images = write_images(tmp_path / "img")
    job = new_job_id()
    title = f"Pine shelf {uuid.uuid4().hex[:6]}"
    key, ev = job_event(job, title, images)
    kcat.produce(REQUESTS, key, ev)

    evs = events.wait_final([job], timeout=60)
    failed = by_type(evs, "posting.failed")
    assert len(failed) == 1
    err = failed[0]["data"]["error"]
    assert err["code"] == "login_required"
    assert err["retryable"] is False
    assert "/login" in err["message"]
    assert "byebuy-login --platform sandbox --account 0" in err["message"]
    shots = [e["data"] for e in by_type(evs, "posting.log") if e["data"].get("artifact")]
    assert len(shots) == 1 and shots[0]["level"] == "error"
    png = Path(tmp_path) / "uploads" / shots[0]["artifact"]
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sandbox_items(sandbox.url) == []

    # The user logs in once on the account's profile; the next attempt goes through.
    webdriver_login(chromedriver.url, str(Path(tmp_path) / "profiles" / "sandbox-0"),
                    sandbox.url + "/login?next=%2Fmarketplace%2F")
    key, ev = job_event(job, title, images, attempt=2)
    kcat.produce(REQUESTS, key, ev)
    evs = events.wait_final([job], count=2, timeout=120)
    done = by_type(evs, "posting.succeeded")
    assert len(done) == 1 and done[0]["data"]["attempt"] == 2
    assert [i["title"] for i in sandbox_items(sandbox.url)] == [title]


def test_unknown_platform_and_undecodable_messages(services, chromedriver, sandbox, group, kcat,
                                                   events, tmp_path):
    start_poster(services, chromedriver, sandbox, group, tmp_path)
    job = new_job_id()
    key, ev = job_event(job, "Lamp", write_images(tmp_path / "img"), platform="myspace")
    bad_key = "garbage-" + uuid.uuid4().hex
    kcat.produce_many(REQUESTS, [(bad_key, "{not json"), (key, ev)])

    evs = events.wait_final([job], timeout=30)
    failed = by_type(evs, "posting.failed")[0]["data"]["error"]
    assert failed["code"] == "no_driver"
    assert "no driver for platform myspace" in failed["message"]
    assert failed["retryable"] is False
    dlq = kcat.wait_for("bb.dlq", lambda m: m["key"] == bad_key, timeout=20)
    assert len(dlq) == 1
    assert "not a CloudEvent" in dlq[0]["json"]["data"]["reason"]
    assert sandbox_items(sandbox.url) == []
