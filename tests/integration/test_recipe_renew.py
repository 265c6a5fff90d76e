"""Renewing through browser recipes: the real poster binary drives real Chromium (chromedriver)
against the sandbox marketplace, fed through real Kafka. renew.requested goes in with kcat as the
api's outbox writes it; bb.posting.events come out; the sandbox's control API says what the
marketplace shows (renew_count, renewed_at) and ages a listing so it may be renewed.
Both shipped recipes: sandbox.json and facebook_marketplace.json on the sandbox's Facebook pages."""

import time
import uuid

import pytest
import requests

from conftest import cloudevent
from poster_support import (REQUESTS, fake_api, new_job_id)  # noqa: F401
from poster_support import chromedriver, group, sandbox  # noqa: F401 (fixtures)
from test_recipe_delist import Run

pytestmark = pytest.mark.timeout(300)

FB = "facebook_marketplace"
RENEW_FINAL = {"renew.succeeded", "renew.failed"}


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def renew(run, posted, platform="sandbox", listing_id=5):
    job = new_job_id()
    data = {"job_id": job, "attempt": 1, "posting_job_id": 1, "listing_id": listing_id,
            "platform": platform, "account_id": 0, "external_id": posted["external_id"],
            "external_url": posted["external_url"]}
    run.kcat.produce(REQUESTS, str(listing_id),
                     cloudevent("renew.requested", data, subject=str(job), source="byebuy/api"))
    deadline = time.monotonic() + 150
    while True:
        evs = run.events(job)
        finals = [e for e in evs if e["type"] in RENEW_FINAL]
        if finals:
            return finals[-1], [e["data"]["message"] for e in evs if e["type"] == "posting.log"]
        if time.monotonic() > deadline:
            pytest.fail(f"renew job {job}: no final event: {evs[-6:]}\n{run.poster.log_tail(30)}")
        time.sleep(0.3)


def age(run, external_id, days):
    r = requests.post(f"{run.sandbox.url}/_sandbox/items/{external_id}/age", json={"days": days},
                      timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def check_renew_cycle(run, posted, platform):
    """A fresh listing is not renewable yet (clear error, not retryable); aged 8 days it is
    renewed (toast, renew_count 1); right after, it is not renewable again."""
    ext = posted["external_id"]
    assert run.item(ext)["renew_count"] == 0 and run.item(ext)["renewed_at"] is None

    final, logs = renew(run, posted, platform)
    assert final["type"] == "renew.failed", (final, logs)
    err = final["data"]["error"]
    assert err["code"] == "not_renewable" and err["retryable"] is False, err
    assert "every 7 days" in err["message"] and 'the page says: "Renew (7 days)"' in err["message"], err
    assert run.item(ext)["renew_count"] == 0

    assert age(run, ext, 8)["renewable"] is True
    final, logs = renew(run, posted, platform)
    assert final["type"] == "renew.succeeded", (final, logs)
    assert final["data"]["external_url"] == posted["external_url"]
    item = run.item(ext)
    assert item["renew_count"] == 1 and item["renewed_at"], item
    assert item["renewable"] is False

    final, _ = renew(run, posted, platform)
    assert final["type"] == "renew.failed", final
    assert final["data"]["error"]["code"] == "not_renewable", final
    assert run.item(ext)["renew_count"] == 1


def test_sandbox_recipe_renews_and_refuses_a_listing_not_renewable_yet(
        services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    run = Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api)
    posted = run.post(unique("Ash bench"))
    check_renew_cycle(run, posted, "sandbox")


def test_facebook_recipe_renews_on_facebook_shaped_listings(
        services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    """The facebook_marketplace recipe's renew section on the sandbox's Facebook pages
    (link-less cards, found by the item page's title through ?title_search=)."""
    r = requests.post(sandbox.url + "/_sandbox/facebook", json={"on": True}, timeout=5)
    assert r.status_code == 200, r.text
    run = Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api,
              FACEBOOK_URL=sandbox.url)
    posted = run.post(unique("Cedar chest"), platform=FB)
    check_renew_cycle(run, posted, FB)


def test_a_recipe_without_renew_answers_not_supported(
        services, chromedriver, sandbox, group, kcat, tmp_path, fake_api):  # noqa: F811
    import json
    import shutil
    from conftest import ROOT
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    src = json.loads((ROOT / "services/poster/recipes/sandbox.json").read_text())
    del src["renew"]
    (recipes / "sandbox.json").write_text(json.dumps(src))
    shutil.copy(ROOT / "services/poster/recipes/facebook_marketplace.json", recipes)
    run = Run(services, chromedriver, sandbox, group, kcat, tmp_path, fake_api,
              RECIPES_DIR=str(recipes))
    posted = run.post(unique("Yew stool"))
    final, _ = renew(run, posted)
    assert final["type"] == "renew.failed", final
    err = final["data"]["error"]
    assert err["code"] == "not_supported" and err["retryable"] is False, err
    assert "renewing a listing on sandbox is not automated" in err["message"], err
