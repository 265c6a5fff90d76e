"""The inbox recipes (recipes/inbox) through libs/browser with real chromedriver and Chromium,
against the sandbox's seller inbox: byebuy-inbox-probe lists the threads, reads one, sends a
reply that the sandbox stores (GET /_sandbox/threads/<id>), and tells a text already sent.
The Facebook recipe runs the same way in demo mode (FACEBOOK_URL = the sandbox). Also the
failure paths: a login wall (login_required with the remedy), a send the marketplace refuses
(not_verified), a recipe script returning the wrong shape (bad_result naming the field)."""

import json
import os
import subprocess

import pytest
import requests

from conftest import BIN_DIR, ROOT

pytestmark = pytest.mark.timeout(240)

PLATFORMS = ["sandbox", "facebook_marketplace"]


@pytest.fixture
def sandbox(services, tmp_path):
    data = tmp_path / "sandbox-data"
    data.mkdir()
    return services.start("sandbox", env={"SANDBOX_DATA_DIR": str(data)})


def new_item(sandbox, title):
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    r = requests.post(sandbox.url + "/marketplace/create/item", allow_redirects=False, timeout=10,
                      files=[("title", (None, title)), ("price", (None, "120")),
                             ("category", (None, "Furniture")),
                             ("condition", (None, "Used - good")),
                             ("photos", ("a.png", png, "image/png"))])
    assert r.status_code == 303, r.text
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def buyer_says(sandbox, item_id, buyer, text):
    r = requests.post(f"{sandbox.url}/_sandbox/items/{item_id}/messages",
                      json={"buyer": buyer, "text": text}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()


def sandbox_thread(sandbox, thread_id):
    r = requests.get(f"{sandbox.url}/_sandbox/threads/{thread_id}", timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def probe(chromedriver, sandbox, platform, *args, recipes=None, expect_ok=True):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
           "SANDBOX_URL": sandbox.url, "FACEBOOK_URL": sandbox.url, "LOG_LEVEL": "warn"}
    cmd = [str(BIN_DIR / "byebuy-inbox-probe"), "--webdriver", chromedriver,
           "--recipes", str(recipes or ROOT / "recipes" / "inbox"), "--platform", platform,
           *args]
    p = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == (0 if expect_ok else 1), f"{cmd}: {p.stdout}\n{p.stderr}"
    return json.loads(p.stdout)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_list_read_send_verify(chromedriver, sandbox, platform):
    desk, lamp = new_item(sandbox, "Oak desk"), new_item(sandbox, "Brass lamp")
    sam = buyer_says(sandbox, desk, "Sam", "is this still available?")
    ana = buyer_says(sandbox, lamp, "Ana Lee", "would you take 20?")

    threads = probe(chromedriver, sandbox, platform, "list")
    by_id = {t["thread_id"]: t for t in threads}
    assert set(by_id) == {sam["thread_id"], ana["thread_id"]}
    t = by_id[sam["thread_id"]]
    assert t["url"] == sandbox.url + sam["url"]
    assert t["buyer_name"] == "Sam" and t["buyer_id"] is None
    assert t["listing_title"] == "Oak desk"
    assert t["preview"] == "is this still available?"
    assert t["unread"] is True
    assert by_id[ana["thread_id"]]["buyer_name"] == "Ana Lee"
    assert by_id[ana["thread_id"]]["listing_title"] == "Brass lamp"

    # by id only: the recipe's open_thread.url builds the URL; the noise row is not a message
    read = probe(chromedriver, sandbox, platform, "read", sam["thread_id"])
    msgs = read["messages"]
    assert [(m["from"], m["text"]) for m in msgs] == [("buyer", "is this still available?")]
    assert msgs[0]["at"]
    # the thread page names its listing: the link (for matching) and the title
    assert read["item_url"] == f"{sandbox.url}/marketplace/item/{desk}/"
    assert read["listing_title"] == "Oak desk"

    reply = "Yes, it is.\nPickup today works."
    sent = probe(chromedriver, sandbox, platform, "send", sam["thread_id"], reply)
    assert sent["verified"] is True
    assert [(m["from"], m["text"].split()) for m in sent["messages"]] == [
        ("buyer", "is this still available?".split()), ("seller", reply.split())]
    stored = sandbox_thread(sandbox, sam["thread_id"])
    assert [(m["from"], m["text"]) for m in stored["messages"]] == [
        ("buyer", "is this still available?"), ("seller", reply)]

    # a redelivered send asks first: the text is the last seller bubble
    check = probe(chromedriver, sandbox, platform, "sent", sam["thread_id"], reply)
    assert check["sent"] is True
    assert probe(chromedriver, sandbox, platform, "sent", sam["thread_id"], "Other")["sent"] is False
    # after the buyer writes again, the old answer no longer counts as the answer
    buyer_says(sandbox, desk, "Sam", "great, when?")
    assert probe(chromedriver, sandbox, platform, "sent", sam["thread_id"], reply)["sent"] is False
    # the same text sent again is a new bubble: verified by the count, not by the old one
    again = probe(chromedriver, sandbox, platform, "send", sam["thread_id"], reply)
    assert again["verified"] is True
    assert [m["from"] for m in sandbox_thread(sandbox, sam["thread_id"])["messages"]] == [
        "buyer", "seller", "buyer", "seller"]

    threads = probe(chromedriver, sandbox, platform, "list")
    t = {t["thread_id"]: t for t in threads}[sam["thread_id"]]
    assert t["unread"] is False  # opened and answered
    assert t["preview"].startswith("You: ")


def test_login_wall_is_login_required_with_the_remedy(chromedriver, sandbox):
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5)
    out = probe(chromedriver, sandbox, "sandbox", "--account", "4", "list", expect_ok=False)
    err = out["error"]
    assert err["code"] == "login_required", err
    assert err["retryable"] is False
    assert "byebuy-login --platform sandbox --account 4" in err["message"]
    out = probe(chromedriver, sandbox, "facebook_marketplace", "read", "1", expect_ok=False)
    assert out["error"]["code"] == "login_required", out


@pytest.mark.parametrize("platform", PLATFORMS)
def test_unknown_thread_is_thread_not_found(chromedriver, sandbox, platform):
    out = probe(chromedriver, sandbox, platform, "send", "999", "hello", expect_ok=False)
    assert out["error"]["code"] == "thread_not_found", out
    assert out["error"]["retryable"] is False
    assert "This conversation isn't available" in out["error"]["message"]


def test_refused_send_is_not_verified(chromedriver, sandbox, tmp_path):
    desk = new_item(sandbox, "Oak desk")
    sam = buyer_says(sandbox, desk, "Sam", "still there?")
    requests.post(sandbox.url + "/_sandbox/send-failures", json={"count": 1}, timeout=5)
    # the page's alert ends the wait at once (verify.error_selectors), naming what it says
    out = probe(chromedriver, sandbox, "sandbox", "send", sam["thread_id"], "Yes.",
                expect_ok=False)
    assert out["error"]["code"] == "not_verified", out
    assert "Message not sent" in out["error"]["message"]
    assert [m["from"] for m in sandbox_thread(sandbox, sam["thread_id"])["messages"]] == ["buyer"]
    assert probe(chromedriver, sandbox, "sandbox", "sent", sam["thread_id"], "Yes.")["sent"] is False
    # the Facebook recipe knows no such alert: it waits verify.timeout_ms, then gives up
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    r = json.loads((ROOT / "recipes" / "inbox" / "facebook_marketplace.json").read_text())
    r["verify"]["timeout_ms"] = 1500
    (recipes / "facebook_marketplace.json").write_text(json.dumps(r))
    requests.post(sandbox.url + "/_sandbox/send-failures", json={"count": 1}, timeout=5)
    out = probe(chromedriver, sandbox, "facebook_marketplace", "send", sam["thread_id"], "Yes.",
                recipes=recipes, expect_ok=False)
    assert out["error"]["code"] == "not_verified", out
    assert "within 1500 ms" in out["error"]["message"]
    # then a send that goes through, once
    sent = probe(chromedriver, sandbox, "sandbox", "send", sam["thread_id"], "Yes.")
    assert sent["verified"] is True
    assert [m["text"] for m in sandbox_thread(sandbox, sam["thread_id"])["messages"]] == [
        "still there?", "Yes."]


def test_script_of_the_wrong_shape_is_bad_result(chromedriver, sandbox, tmp_path):
    desk = new_item(sandbox, "Oak desk")
    buyer_says(sandbox, desk, "Sam", "hi")
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    r = json.loads((ROOT / "recipes" / "inbox" / "sandbox.json").read_text())
    r["list_threads"]["script"] = "return [{thread_id: 1, url: '/t/1'}];"
    (recipes / "sandbox.json").write_text(json.dumps(r))
    out = probe(chromedriver, sandbox, "sandbox", "list", recipes=recipes, expect_ok=False)
    assert out["error"]["code"] == "bad_result", out
    assert out["error"]["message"] == \
        "list_threads: [0].thread_id: must be a string, not a number"
    r["list_threads"]["script"] = "throw new Error('page changed');"
    (recipes / "sandbox.json").write_text(json.dumps(r))
    out = probe(chromedriver, sandbox, "sandbox", "list", recipes=recipes, expect_ok=False)
    assert out["error"]["code"] == "script_error", out
    assert "page changed" in out["error"]["message"]
