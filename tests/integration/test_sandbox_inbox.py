"""The sandbox's seller inbox and buyer messages (tests/sandbox/README.md, "Seller inbox and
buyer messages"): the control routes a script uses to play a buyer (POST
/_sandbox/items/<id>/messages, GET /_sandbox/threads[/<id>]), and, with a real Chromium through
chromedriver, a seller who reads the inbox and answers in a thread, and a buyer who writes
from the item page's "Message seller" box. The markup asserted here is the contract the inbox
recipes are written against."""

import re
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from test_sandbox_webdriver import ELEMENT, Browser, png_bytes

ENTER, SHIFT, RELEASE = "\ue007", "\ue008", "\ue000"
ROW_LABEL = re.compile(r"^Enter, Message sent (\d{1,2}:\d\d [AP]M) by (.+?): (.*)$", re.S)
AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def sandbox(services, tmp_path):
    data = tmp_path / "sandbox-data"
    data.mkdir()
    return services.start("sandbox", env={"SANDBOX_DATA_DIR": str(data)})


@pytest.fixture
def browser(chromedriver, tmp_path):
    b = Browser(chromedriver, tmp_path / "profile")
    yield b
    b.quit()


def new_item(sandbox, title="Oak desk"):
    r = requests.post(sandbox.url + "/marketplace/create/item", allow_redirects=False,
                      timeout=10,
                      files=[("title", (None, title)), ("price", (None, "120")),
                             ("category", (None, "Furniture")),
                             ("condition", (None, "Used - good")),
                             ("photos", ("a.png", png_bytes(2, 2), "image/png"))])
    assert r.status_code == 303, r.text
    return int(r.headers["Location"].rsplit("/", 1)[1])


def buyer_says(sandbox, item_id, buyer, text):
    r = requests.post(f"{sandbox.url}/_sandbox/items/{item_id}/messages",
                      json={"buyer": buyer, "text": text}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()


def thread(sandbox, thread_id):
    r = requests.get(f"{sandbox.url}/_sandbox/threads/{thread_id}", timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def wait_until(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# ----------------------------------------------------------------- control routes

def test_buyer_messages_create_and_reuse_threads(sandbox):
    desk, lamp = new_item(sandbox, "Oak desk"), new_item(sandbox, "Lamp")
    first = buyer_says(sandbox, desk, "Sam", "is this still available?")
    assert set(first) == {"thread_id", "message_id", "url"}
    assert isinstance(first["thread_id"], str) and first["thread_id"].isdigit()
    assert first["url"] == f"/marketplace/t/{first['thread_id']}/"
    again = buyer_says(sandbox, desk, "Sam", "  would you take 100?\n")
    assert again["thread_id"] == first["thread_id"]  # same buyer and item: same thread
    assert int(again["message_id"]) > int(first["message_id"])
    other_buyer = buyer_says(sandbox, desk, "Ann", "hi")
    other_item = buyer_says(sandbox, lamp, "Sam", "hi")
    assert len({first["thread_id"], other_buyer["thread_id"], other_item["thread_id"]}) == 3

    t = thread(sandbox, first["thread_id"])
    assert t["thread_id"] == first["thread_id"] and t["item_id"] == desk
    assert t["buyer"] == "Sam" and t["item_title"] == "Oak desk" and t["unread"] is True
    assert [(m["from"], m["text"]) for m in t["messages"]] == [
        ("buyer", "is this still available?"), ("buyer", "would you take 100?")]  # trimmed
    assert [m["message_id"] for m in t["messages"]] == [first["message_id"], again["message_id"]]
    assert all(AT.match(m["at"]) for m in t["messages"])

    listed = requests.get(sandbox.url + "/_sandbox/threads", timeout=5).json()
    assert [x["thread_id"] for x in listed] == sorted(
        [first["thread_id"], other_buyer["thread_id"], other_item["thread_id"]], key=int)

    state = requests.post(sandbox.url + "/_sandbox/reset", timeout=5)
    assert state.status_code == 200
    assert requests.get(sandbox.url + "/_sandbox/threads", timeout=5).json() == []
    r = requests.get(f"{sandbox.url}/_sandbox/threads/{first['thread_id']}", timeout=5)
    assert r.status_code == 404


@pytest.mark.parametrize("body,field", [
    (b"not json", "body"),
    (b"[1, 2]", "body"),
    (b'{"text": "hi"}', "buyer"),
    (b'{"buyer": "   ", "text": "hi"}', "buyer"),
    (b'{"buyer": 7, "text": "hi"}', "buyer"),
    (b'{"buyer": "Sam\\nBob", "text": "hi"}', "buyer"),
    (('{"buyer": "' + "x" * 101 + '", "text": "hi"}').encode(), "buyer"),
    (b'{"buyer": "Sam"}', "text"),
    (b'{"buyer": "Sam", "text": " \\n "}', "text"),
    (b'{"buyer": "Sam", "text": ["hi"]}', "text"),
    (('{"buyer": "Sam", "text": "' + "x" * 5001 + '"}').encode(), "text"),
])
def test_bad_buyer_messages_name_the_field(sandbox, body, field):
    item_id = new_item(sandbox)
    r = requests.post(f"{sandbox.url}/_sandbox/items/{item_id}/messages", data=body,
                      headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"].startswith(field + ":"), r.json()
    assert requests.get(sandbox.url + "/_sandbox/threads", timeout=5).json() == []


def test_unknown_item_and_thread_are_404(sandbox):
    r = requests.post(sandbox.url + "/_sandbox/items/999/messages",
                      json={"buyer": "Sam", "text": "hi"}, timeout=5)
    assert r.status_code == 404 and r.json() == {"error": "no such item"}
    for path in ("/_sandbox/threads/999", "/_sandbox/threads/abc", "/_sandbox/threads/0"):
        r = requests.get(sandbox.url + path, timeout=5)
        assert r.status_code == 404 and r.json() == {"error": "no such thread"}
    assert requests.get(sandbox.url + "/_sandbox/items/1/messages", timeout=5).status_code == 405
    text_5000 = "é" * 2500  # the limit is in bytes of UTF-8
    item_id = new_item(sandbox)
    assert buyer_says(sandbox, item_id, "Sam", text_5000)["thread_id"]


def test_concurrent_buyers_lose_nothing(sandbox):
    item_id = new_item(sandbox)
    results, errors = [], []

    def buyer(n):
        s = requests.Session()
        for i in range(25):
            r = s.post(f"{sandbox.url}/_sandbox/items/{item_id}/messages",
                       json={"buyer": f"buyer{n % 4}", "text": f"{n}-{i}"}, timeout=10)
            (results if r.status_code == 201 else errors).append(r.json())

    workers = [threading.Thread(target=buyer, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert len({r["message_id"] for r in results}) == 200
    threads = requests.get(sandbox.url + "/_sandbox/threads", timeout=5).json()
    assert sorted(t["buyer"] for t in threads) == ["buyer0", "buyer1", "buyer2", "buyer3"]
    assert sum(len(t["messages"]) for t in threads) == 200
    for t in threads:  # each buyer's messages stay in the order that buyer sent them
        for n in range(8):
            mine = [int(m["text"].split("-")[1]) for m in t["messages"]
                    if m["text"].startswith(f"{n}-")]
            assert mine == sorted(mine)


def test_inbox_is_behind_the_login_wall(sandbox):
    item_id = new_item(sandbox)
    tid = buyer_says(sandbox, item_id, "Sam", "hi")["thread_id"]
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5)
    for method, path in (("GET", "/marketplace/inbox"), ("GET", f"/marketplace/t/{tid}/"),
                         ("POST", f"/marketplace/t/{tid}/send"),
                         ("POST", f"/marketplace/item/{item_id}/message")):
        r = requests.request(method, sandbox.url + path, allow_redirects=False, timeout=5,
                             data=b'{"text": "x"}')
        assert r.status_code == 302, path
        assert parse_qs(urlparse(r.headers["Location"]).query)["next"] == [path]
    # the control routes are never behind the wall, and nothing was sent
    assert buyer_says(sandbox, item_id, "Sam", "still there?")["thread_id"] == tid
    assert [m["from"] for m in thread(sandbox, tid)["messages"]] == ["buyer", "buyer"]


def test_pages_escape_what_buyers_write(sandbox):
    item_id = new_item(sandbox, 'Desk "XL" <b>')
    tid = buyer_says(sandbox, item_id, "<script>alert(1)</script>", "a < b & \"c\"")["thread_id"]
    for path in ("/marketplace/inbox", f"/marketplace/t/{tid}/"):
        page = requests.get(sandbox.url + path, timeout=5).text
        assert "<script>alert" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; \u00b7 Desk &quot;XL&quot; &lt;b&gt;" in page
    assert "a &lt; b &amp; &quot;c&quot;" in page


# ----------------------------------------------------------------- real Chromium

def rows(b):
    return b.find_all('div[role="grid"][aria-label="Chats"] > div[role="row"]')


def message_rows(b):
    """(sender, text, from) of each message row, as a recipe would read them."""
    return b.script("""
        return Array.from(document.querySelectorAll(
            '[data-scope="messages_table"] > [role="row"]')).map(function(r) {
          var label = r.getAttribute('aria-label') || '';
          var d = r.querySelector('div[dir="auto"]');
          return [label, d ? d.textContent : '', r.getAttribute('data-from')];
        });""")


def test_seller_reads_the_inbox_and_replies(sandbox, browser):
    item_id = new_item(sandbox)
    tid = buyer_says(sandbox, item_id, "Sam", "is this still available?")["thread_id"]
    browser.get(sandbox.url + "/marketplace/inbox")
    [row] = rows(browser)
    link = browser.find(css=f'a[role="link"][href="/marketplace/t/{tid}/"]')
    assert browser.text(browser.find(css='[role="row"] span[data-field="title"]')) == \
        "Sam \u00b7 Oak desk"
    assert browser.text(browser.find(css='[role="row"] span[data-field="preview"]')) == \
        "is this still available?"
    dot = '[role="row"] div[role="button"][aria-hidden="true"] span[data-visualcompletion="ignore"]'
    assert len(browser.find_all(dot)) == 1  # unread
    browser.find(css='[role="row"] abbr[aria-label]')

    browser.click(link)
    browser.wait_url(lambda u: f"/marketplace/t/{tid}/" in u)
    assert thread(sandbox, tid)["unread"] is False  # opening the thread reads it
    got = message_rows(browser)
    assert got[0][2] is None and "Message sent" not in got[0][0]  # UI noise row first
    label = ROW_LABEL.match(got[1][0])
    assert label and label.group(2) == "Sam" and label.group(3) == "is this still available?"
    assert got[1][1:] == ["is this still available?", "buyer"]
    item_link = browser.find(css=f'[role="main"] a[href="/marketplace/item/{item_id}/"]')
    assert browser.attr(item_link, "aria-label") == "Oak desk"

    box = browser.find(css='div[role="textbox"][contenteditable="true"]'
                           '[data-lexical-editor="true"]')
    assert browser.attr(box, "aria-label") == "Write to Sam \u00b7 Oak desk"
    send_btn = browser.find(css='[role="main"] div[role="button"][aria-label="Send a like"]')
    browser.type(box, "Yes, it is. Pick-up in Austin.")
    assert browser.attr(send_btn, "aria-label") == "Press enter to send"
    browser.type(box, ENTER)
    assert wait_until(lambda: len(message_rows(browser)) == 3)
    label = ROW_LABEL.match(message_rows(browser)[2][0])
    assert label.group(2) == "You" and label.group(3) == "Yes, it is. Pick-up in Austin."
    assert message_rows(browser)[2][1:] == ["Yes, it is. Pick-up in Austin.", "seller"]
    assert browser.script("return arguments[0].innerText;", {ELEMENT: box}).strip() == ""
    msgs = thread(sandbox, tid)["messages"]
    assert [(m["from"], m["text"]) for m in msgs] == [
        ("buyer", "is this still available?"), ("seller", "Yes, it is. Pick-up in Austin.")]

    # Shift+Enter is a new line; the button sends too
    browser.type(box, "Line one" + SHIFT + ENTER + RELEASE + "line two")
    browser.click(browser.find(css='div[role="button"][aria-label="Press enter to send"]'))
    assert wait_until(lambda: len(thread(sandbox, tid)["messages"]) == 3)
    last = thread(sandbox, tid)["messages"][2]
    assert (last["from"], last["text"]) == ("seller", "Line one\nline two")

    # the list shows the seller's last message; a new buyer message makes it unread again
    browser.get(sandbox.url + "/marketplace/inbox")
    assert browser.text(browser.find(css='span[data-field="preview"]')).startswith("You: Line one")
    assert browser.find_all(dot) == []
    buyer_says(sandbox, item_id, "Sam", "great, coming at 5")
    browser.get(sandbox.url + "/marketplace/inbox")
    assert len(browser.find_all(dot)) == 1


def test_buyer_writes_from_the_item_page(sandbox, browser):
    item_id = new_item(sandbox)
    browser.get(f"{sandbox.url}/marketplace/item/{item_id}")
    form = 'form[aria-label="Message seller"]'
    browser.type(browser.find(css=f'{form} label[aria-label="Your name"] input'), "Robin")
    browser.click(browser.find(css=f'{form} button[aria-label="Send"]'))  # no message yet
    alert = browser.wait_find(css=f'{form} div[role="alert"]')
    assert browser.text(alert).startswith("Message:")
    assert requests.get(sandbox.url + "/_sandbox/threads", timeout=5).json() == []

    browser.type(browser.find(css=f'{form} label[aria-label="Your name"] input'), "Robin")
    browser.type(browser.find(css=f'{form} label[aria-label="Message"] textarea'),
                 "Hi, is this available?\nI can pick it up today.")
    browser.click(browser.find(css=f'{form} button[aria-label="Send"]'))
    url = browser.wait_url(lambda u: "sent=" in u)
    tid = parse_qs(urlparse(url).query)["sent"][0]
    status = browser.find(css='div[role="status"]')
    assert browser.text(status) == "Message sent to seller"
    t = thread(sandbox, tid)
    assert t["buyer"] == "Robin" and t["item_id"] == item_id
    assert [(m["from"], m["text"]) for m in t["messages"]] == [
        ("buyer", "Hi, is this available?\nI can pick it up today.")]

    # and the seller sees it in the inbox
    browser.get(sandbox.url + "/marketplace/inbox")
    assert browser.text(browser.find(css='span[data-field="title"]')) == "Robin \u00b7 Oak desk"


def test_a_failed_send_shows_an_alert_and_keeps_the_text(sandbox, browser):
    item_id = new_item(sandbox)
    tid = buyer_says(sandbox, item_id, "Sam", "hello?")["thread_id"]
    r = requests.post(sandbox.url + "/_sandbox/send-failures", json={"count": 1}, timeout=5)
    assert r.json() == {"send_failures": 1}
    assert requests.post(sandbox.url + "/_sandbox/send-failures", json={"count": -1},
                         timeout=5).status_code == 400
    browser.get(f"{sandbox.url}/marketplace/t/{tid}/")
    box = browser.find(css='div[role="textbox"][contenteditable="true"]')
    browser.type(box, "Yes!" + ENTER)
    alert = browser.wait_find(css='[role="main"] div[role="alert"]')
    assert browser.text(alert) == "Message not sent. Try again."
    assert [m["from"] for m in thread(sandbox, tid)["messages"]] == ["buyer"]
    assert browser.script("return arguments[0].innerText;", {ELEMENT: box}).strip() == "Yes!"
    browser.type(box, ENTER)  # the switch is used up: the second try goes through
    assert wait_until(lambda: len(thread(sandbox, tid)["messages"]) == 2)
    assert wait_until(lambda: browser.find_all('[role="main"] div[role="alert"]') == [])
    assert [m["text"] for m in thread(sandbox, tid)["messages"]] == ["hello?", "Yes!"]
