"""The poster against the sandbox marketplace with real Chromium (chromedriver) and real Kafka,
without the api: posting.requested events go in with kcat, bb.posting.events come out."""

import json
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from conftest import BIN_DIR, LOG_DIR, ROOT, cloudevent
from poster_support import (REQUESTS, Chromedriver, PostingEvents, fake_api, fresh_group,
                            job_event, new_job_id, poster_env, sandbox_items)
from poster_support import chromedriver, events, group, sandbox  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(300)


def start_poster(services, chromedriver, sandbox, group, tmp_path, api, **extra):
    return services.start("poster", env=poster_env(chromedriver, sandbox.url, group, tmp_path,
                                                    api=api, **extra))


def by_type(evs, type_):
    return [e["json"] for e in evs if e["json"]["type"] == type_]


def test_job_posts_one_item_with_its_fields_and_photos(services, chromedriver, sandbox, group,
                                                      kcat, events, tmp_path, fake_api):
    poster = start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    images = fake_api.images()
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
    assert sorted(p["sha256"] for p in item["photos"]) == sorted(i["sha256"] for i in images)
    assert fake_api.hits["uploads"] == 3  # fetched by URL, once each
    assert not list((tmp_path / "poster-work").rglob("*.jpg"))  # the downloads are deleted

    r = requests.get(poster.url + "/metrics", timeout=5)
    assert 'bb_poster_jobs_total{result="succeeded"} 1' in r.text


def test_redelivered_job_finds_its_listing_and_does_not_post_twice(
        services, chromedriver, sandbox, group, kcat, events, tmp_path, fake_api):
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    images = fake_api.images()
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
        services, chromedriver, sandbox, group, kcat, events, tmp_path, fake_api):
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5).raise_for_status()
    images = fake_api.images()
    fake_api.fail_next["artifacts"] = 2  # the screenshot's delivery is retried through 503s
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
    # delivered to the api, kept nowhere on the poster's side
    assert fake_api.hits["artifacts"] == 3 and fake_api.fail_next["artifacts"] == 0
    png = fake_api.artifacts / shots[0]["artifact"]
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "poster-work").rglob("*.png"))
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
                                                   events, tmp_path, fake_api):
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    job = new_job_id()
    key, ev = job_event(job, "Lamp", fake_api.images(), platform="myspace")
    bad_key = "garbage-" + uuid.uuid4().hex
    delist = new_job_id()
    dev = cloudevent("delisting.requested", {"job_id": delist, "listing_id": 5,
                                             "platform": "myspace",
                                             "external_url": sandbox.url + "/marketplace/item/1"},
                     subject=str(delist), source="byebuy/api")
    kcat.produce_many(REQUESTS, [(bad_key, "{not json"), (key, ev), ("5", dev)])

    evs = events.wait_final([job], timeout=30)
    failed = by_type(evs, "posting.failed")[0]["data"]["error"]
    assert failed["code"] == "no_driver"
    assert "no driver for platform myspace" in failed["message"]
    assert "this poster posts to" in failed["message"] and "sandbox" in failed["message"]
    # a message for the user: no source path, no file name, no directory
    assert not re.search(r"services/|\.json|\.c\b|/", failed["message"]), failed["message"]
    assert failed["retryable"] is False
    # a delist for a platform without a driver: started, then failed, so the api can tell
    dl = kcat.wait_for("bb.posting.events", lambda m: m["key"] == str(delist) and
                       m["json"]["type"] == "delisting.failed", timeout=20)
    assert dl[0]["json"]["data"]["error"]["code"] == "no_driver"
    types = [m["json"]["type"] for m in kcat.consume("bb.posting.events", key=str(delist))]
    assert types == ["posting.started", "posting.log", "delisting.failed"], types
    dlq = kcat.wait_for("bb.dlq", lambda m: m["key"] == bad_key, timeout=20)
    assert len(dlq) == 1
    assert "not a CloudEvent" in dlq[0]["json"]["data"]["reason"]
    assert sandbox_items(sandbox.url) == []


def test_checkpoint_page_is_a_login_wall_too(services, chromedriver, sandbox, group, kcat,
                                             events, tmp_path, fake_api):
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    requests.post(sandbox.url + "/_sandbox/checkpoint", json={"on": True}, timeout=5).raise_for_status()
    job = new_job_id()
    key, ev = job_event(job, "Vase", fake_api.images())
    kcat.produce(REQUESTS, key, ev)
    evs = events.wait_final([job], timeout=60)
    err = by_type(evs, "posting.failed")[0]["data"]["error"]
    assert err["code"] == "login_required" and "/checkpoint" in err["message"]
    assert sandbox_items(sandbox.url) == []


def test_job_timeout_fails_retryable_with_a_screenshot(services, chromedriver, sandbox, group,
                                                       kcat, events, tmp_path, fake_api):
    # 5 s for the whole job while each step pauses ~1.5 s: it cannot reach Publish.
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api, JOB_TIMEOUT_MS=5000,
                 STEP_DELAY_MS=1500)
    job = new_job_id()
    t0 = time.monotonic()
    key, ev = job_event(job, "Slow lamp", fake_api.images())
    kcat.produce(REQUESTS, key, ev)
    evs = events.wait_final([job], timeout=60)
    assert time.monotonic() - t0 < 30
    err = by_type(evs, "posting.failed")[0]["data"]["error"]
    assert err["code"] == "timeout", err
    assert err["retryable"] is True
    shot = [e["data"]["artifact"] for e in by_type(evs, "posting.log") if e["data"].get("artifact")]
    assert len(shot) == 1 and (fake_api.artifacts / shot[0]).is_file()
    assert sandbox_items(sandbox.url) == []


def test_byebuy_login_opens_the_profile_and_checks_the_login(chromedriver, sandbox, tmp_path):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_BOOTSTRAP_SERVERS": "unused:1",
           "WEBDRIVER_URL": chromedriver.url, "SANDBOX_URL": sandbox.url,
           "RECIPES_DIR": str(ROOT / "services" / "poster" / "recipes"),
           "PROFILE_DIR": str(tmp_path / "profiles")}
    login = [str(BIN_DIR / "byebuy-login"), "--platform", "sandbox", "--account", "3",
             "--headless"]
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5).raise_for_status()
    out = subprocess.run(login, input="\n", env=env, capture_output=True, text=True, timeout=90)
    assert out.returncode == 1, out.stdout + out.stderr
    assert f"{sandbox.url}/login?next=" in out.stdout
    assert "Not logged in yet" in out.stdout
    assert (tmp_path / "profiles" / "sandbox-3").is_dir()  # the account's own profile

    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": False}, timeout=5).raise_for_status()
    out = subprocess.run(login, input="\n", env=env, capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Logged in:" in out.stdout
    assert chromedriver.sessions() == []  # the browser was closed: the profile is saved

    out = subprocess.run([str(BIN_DIR / "byebuy-login"), "--platform", "myspace"], input="\n",
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "no recipe for platform myspace" in out.stderr


def test_images_are_fetched_by_url_retried_and_checked(services, chromedriver, sandbox, group,
                                                       kcat, events, tmp_path, fake_api):
    start_poster(services, chromedriver, sandbox, group, tmp_path, fake_api)
    images = fake_api.images()
    fake_api.fail_next["uploads"] = 2  # the api restarting: 503 twice, then the bytes
    ok, bad_sha, bad_size, gone = (new_job_id() for _ in range(4))
    title = f"Fetched rug {uuid.uuid4().hex[:6]}"
    jobs = [
        job_event(ok, title, images),
        job_event(bad_sha, "Corrupt rug", [dict(images[0], sha256="0" * 64)] + images[1:]),
        job_event(bad_size, "Short rug", [dict(images[0], size=images[0]["size"] + 1)]),
        job_event(gone, "Gone rug", [dict(images[0], url=fake_api.url + "/uploads/deleted.jpg")]),
    ]
    kcat.produce_many(REQUESTS, jobs)

    evs = events.wait_final([ok, bad_sha, bad_size, gone], timeout=150)

    def final(job):
        return [e["json"] for e in evs if e["key"] == str(job)
                and e["json"]["type"] in ("posting.succeeded", "posting.failed")][0]

    assert final(ok)["type"] == "posting.succeeded", final(ok)
    assert fake_api.fail_next["uploads"] == 0  # both 503s were answered, and retried
    errors = {job: final(job)["data"]["error"] for job in (bad_sha, bad_size, gone)}
    assert errors[bad_sha]["code"] == "image_invalid" and "sha256" in errors[bad_sha]["message"]
    assert errors[bad_size]["code"] == "image_invalid" and "bytes" in errors[bad_size]["message"]
    assert errors[gone]["code"] == "image_missing", errors[gone]
    assert "image 1 is gone" in errors[gone]["message"] and "404" in errors[gone]["message"]
    assert all(e["retryable"] is False for e in errors.values()), errors
    items = sandbox_items(sandbox.url)
    assert [i["title"] for i in items] == [title]
    assert sorted(p["sha256"] for p in items[0]["photos"]) == sorted(i["sha256"] for i in images)
    assert not list((tmp_path / "poster-work").rglob("*.jpg"))  # downloads cleaned up


def test_a_screenshot_the_api_cannot_take_is_logged_and_never_fails_the_job(
        services, chromedriver, sandbox, group, kcat, events, tmp_path, fake_api, free_port):
    # Images come from their URLs (fake_api); screenshots go to an api that is down.
    start_poster(services, chromedriver, sandbox, group, tmp_path,
                 f"http://127.0.0.1:{free_port()}", ARTIFACT_RETRIES=2)
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5).raise_for_status()
    job = new_job_id()
    key, ev = job_event(job, f"Dark lamp {uuid.uuid4().hex[:6]}", fake_api.images())
    kcat.produce(REQUESTS, key, ev)

    evs = events.wait_final([job], timeout=90)
    err = by_type(evs, "posting.failed")[0]["data"]["error"]
    assert err["code"] == "login_required", err  # the job's own reason, not the screenshot
    logs = [e["data"] for e in by_type(evs, "posting.log")]
    assert not [g for g in logs if g.get("artifact")], logs
    lost = [g for g in logs if "failure screenshot could not be delivered to the api" in g["message"]]
    assert len(lost) == 1 and lost[0]["level"] == "warning", logs
    assert "after 3 tries" in lost[0]["message"] or "Connection refused" in lost[0]["message"] \
        or "connect" in lost[0]["message"].lower(), lost[0]["message"]
    assert not list((tmp_path / "poster-work").rglob("*.png"))


def test_a_bad_recipe_stops_the_poster_naming_file_step_and_field(services, tmp_path):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    good = (ROOT / "services" / "poster" / "recipes" / "sandbox.json").read_text()
    (recipes / "sandbox.json").write_text(good)
    broken = json.loads(good)
    broken["steps"][4]["value"] = "{{listing.titel}}"
    (recipes / "shop.json").write_text(json.dumps(broken).replace('"sandbox"', '"shop"'))
    poster = services.start("poster", env={"RECIPES_DIR": str(recipes)}, wait=False)
    assert poster.wait_exit(timeout=10) == 1
    assert ("shop.json: step 5 (fill): value: unknown template variable listing.titel"
            in poster.log_text())
