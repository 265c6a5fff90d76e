"""The sandbox marketplace (build/bin/byebuy-sandbox) driven by a real Chromium through
chromedriver, spoken to in plain W3C WebDriver over HTTP: the create-item form is filled and
published like on Facebook Marketplace, the item appears in the control API; the login wall
and the checkpoint redirect; the form refuses bad input and stores nothing; concurrent posts
all land. See tests/sandbox/README.md for the markup these tests rely on."""

import hashlib
import os
import struct
import subprocess
import threading
import time
import zlib
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import free_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROMEDRIVER = "/usr/bin/chromedriver"


# ----------------------------------------------------------------- images

def tiff_with_gps():
    """A little-endian TIFF block whose IFD0 has Make and a GPSInfo pointer."""
    ifd = struct.pack("<H", 2)
    ifd += struct.pack("<HHI4s", 0x010F, 2, 4, b"Can\0")
    ifd += struct.pack("<HHII", 0x8825, 4, 1, 38)
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<HI", 0, 0)


def jpeg_bytes(width, height, gps, filler=b""):
    """A JPEG-structured file (markers, SOF0 with the size, optional EXIF with GPS)."""
    out = b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    if gps:
        body = b"Exif\0\0" + tiff_with_gps()
        out += b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    out += b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3)
    out += b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    out += b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + filler + b"\x12\x34\xff\xd9"
    return out


def png_bytes(width, height):
    """A real, decodable PNG of a solid colour."""
    raw = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def photos(tmp_path):
    """Three photo files: a JPEG with EXIF GPS, a JPEG without, a PNG."""
    files = {
        "gps.jpg": jpeg_bytes(640, 480, True, os.urandom(20000)),
        "plain.jpg": jpeg_bytes(1200, 800, False, os.urandom(5000)),
        "shot.png": png_bytes(32, 24),
    }
    paths = []
    for name, data in files.items():
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(p)
    return paths


# ----------------------------------------------------------------- WebDriver

class WebDriverError(Exception):
    def __init__(self, status, value):
        super().__init__(f"HTTP {status}: {value}")
        self.code = value.get("error") if isinstance(value, dict) else None


class Browser:
    """A minimal W3C WebDriver client over HTTP (one session)."""

    def __init__(self, endpoint, profile):
        self.endpoint = endpoint
        self.http = requests.Session()
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1280,900",
                f"--user-data-dir={profile}"]}}}}
        self.sid = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        if body is None and method == "POST":
            body = {}
        r = self.http.request(method, self.endpoint + path, json=body, timeout=60)
        value = r.json().get("value")
        if r.status_code != 200:
            raise WebDriverError(r.status_code, value)
        return value

    def cmd(self, method, path, body=None):
        return self._call(method, f"/session/{self.sid}{path}", body)

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    @property
    def url(self):
        return self.cmd("GET", "/url")

    def find(self, css=None, xpath=None):
        using, value = ("css selector", css) if css else ("xpath", xpath)
        return self.cmd("POST", "/element", {"using": using, "value": value})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self.cmd("POST", "/elements",
                                             {"using": "css selector", "value": css})]

    def wait_find(self, css=None, xpath=None, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.find(css=css, xpath=xpath)
            except WebDriverError as e:
                if e.code != "no such element" or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def click(self, el):
        self.cmd("POST", f"/element/{el}/click")

    def type(self, el, text):
        self.cmd("POST", f"/element/{el}/value", {"text": text})

    def attr(self, el, name):
        return self.cmd("GET", f"/element/{el}/attribute/{name}")

    def text(self, el):
        return self.cmd("GET", f"/element/{el}/text")

    def script(self, source, *args):
        return self.cmd("POST", "/execute/sync", {"script": source, "args": list(args)})

    def wait_url(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            url = self.url
            if predicate(url) or time.monotonic() > deadline:
                return url
            time.sleep(0.1)

    def quit(self):
        try:
            self.cmd("DELETE", "")
        except (requests.RequestException, WebDriverError):
            pass


@pytest.fixture(scope="module")
def chromedriver():
    """A chromedriver of our own on 127.0.0.1 (no --allowed-ips), stopped by PID."""
    if not os.path.exists(CHROMEDRIVER):
        pytest.fail(f"{CHROMEDRIVER} is missing (apt-get install chromium-driver)")
    port = free_port()
    proc = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if requests.get(url + "/status", timeout=1).json()["value"]["ready"]:
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("chromedriver did not become ready")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser(chromedriver, tmp_path):
    b = Browser(chromedriver, tmp_path / "profile")
    yield b
    b.quit()


@pytest.fixture
def sandbox(services, tmp_path):
    data = tmp_path / "sandbox-data"
    data.mkdir()
    svc = services.start("sandbox", env={"SANDBOX_DATA_DIR": str(data)})
    svc.data_dir = data
    return svc


def items(sandbox):
    r = requests.get(sandbox.url + "/_sandbox/items", timeout=5)
    assert r.status_code == 200
    return r.json()


def stored_photo_files(sandbox):
    return sorted(p.name for p in (sandbox.data_dir / "photos").iterdir())


# ----------------------------------------------------------------- browser tests

def fill_create_form(b, base, photo_paths, title, price, category, condition, description,
                     location_query):
    b.get(base + "/marketplace/create/item")
    next_btn = b.find(css='div[role="button"][aria-label="Next"]')
    assert b.attr(next_btn, "aria-disabled") == "true"

    file_input = b.find(css='input[type="file"][accept="image/*,image/heif,image/heic"]')
    b.type(file_input, "\n".join(str(p) for p in photo_paths))
    b.type(b.find(css='label[aria-label="Title"] input'), title)
    b.type(b.find(css='label[aria-label="Price"] input'), price)
    assert b.attr(next_btn, "aria-disabled") == "true"  # category and condition missing

    # The listbox does not exist until the combobox is opened (rendered by script).
    assert b.find_all('[role="listbox"][aria-label="Category"]') == []
    combo = b.find(css='label[aria-label="Category"]')
    assert b.attr(combo, "role") == "combobox"
    b.click(combo)
    assert b.attr(combo, "aria-expanded") == "true"
    b.click(b.wait_find(xpath=f'//div[@role="option"]/span[text()="{category}"]'))
    assert b.find_all('[role="listbox"][aria-label="Category"]') == []

    b.click(b.find(css='label[aria-label="Condition"]'))
    b.click(b.wait_find(xpath=f'//span[@dir="auto"][text()="{condition}"]'))

    b.type(b.find(css='label[aria-label="Description"] textarea'), description)
    b.type(b.find(css='label[aria-label="Location"] input'), location_query)
    b.click(b.wait_find(css='ul[role="listbox"] li:first-child > div'))

    assert b.attr(next_btn, "aria-disabled") == "false"
    b.click(next_btn)
    publish = b.wait_find(css='div[role="button"][aria-label="Publish"]')
    b.click(publish)


def test_publish_through_the_form_with_real_chromium(sandbox, browser, photos):
    fill_create_form(browser, sandbox.url, photos, title="Oak desk, 120 cm", price="1,299.50",
                     category="Furniture", condition="Used - good",
                     description="Solid oak.\nSome scratches on the left.",
                     location_query="aus")
    url = browser.wait_url(lambda u: "/marketplace/item/" in u)
    item_id = int(urlparse(url).path.rstrip("/").rsplit("/", 1)[1])

    title = browser.text(browser.wait_find(css='h1[data-field="title"]'))
    assert title == "Oak desk, 120 cm"
    assert browser.text(browser.find(css='div[data-field="price"]')) == "$1,299.50"

    all_items = items(sandbox)
    assert len(all_items) == 1
    it = all_items[0]
    assert it["id"] == item_id
    assert it["url"] == f"/marketplace/item/{item_id}"
    assert it["title"] == "Oak desk, 120 cm"
    assert it["price_cents"] == 129950
    assert it["description"] == "Solid oak.\nSome scratches on the left."
    assert it["category"] == "Furniture"
    assert it["condition"] == "Used - good"
    assert it["location"] == "Austin, Texas"
    assert len(it["photos"]) == 3
    by_sha = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in photos}
    for ph in it["photos"]:
        src = by_sha[ph["sha256"]]  # the stored bytes are exactly the uploaded ones
        assert ph["bytes"] == src.stat().st_size
        assert ph["has_exif_gps"] == (src.name == "gps.jpg")
        r = requests.get(sandbox.url + "/_sandbox/photos/" + ph["name"], timeout=5)
        assert r.status_code == 200 and r.content == src.read_bytes()
    sizes = {by_sha[ph["sha256"]].name: (ph["width"], ph["height"]) for ph in it["photos"]}
    assert sizes == {"gps.jpg": (640, 480), "plain.jpg": (1200, 800), "shot.png": (32, 24)}

    # "Your listings" shows it with a link to the item (what the poster checks on redelivery)
    browser.get(sandbox.url + "/marketplace/you/selling")
    link = browser.find(css=f'div[role="listitem"][data-item-id="{item_id}"] a')
    assert browser.attr(link, "aria-label") == "Oak desk, 120 cm"
    assert browser.attr(link, "href").endswith(f"/marketplace/item/{item_id}")


def test_next_stays_disabled_without_photos(sandbox, browser):
    browser.get(sandbox.url + "/marketplace/create/item")
    browser.type(browser.find(css='label[aria-label="Title"] input'), "Lamp")
    browser.type(browser.find(css='label[aria-label="Price"] input'), "10")
    browser.click(browser.find(css='label[aria-label="Category"]'))
    browser.click(browser.wait_find(xpath='//div[@role="option"]/span[text()="Household"]'))
    browser.click(browser.find(css='label[aria-label="Condition"]'))
    browser.click(browser.wait_find(xpath='//span[@dir="auto"][text()="New"]'))
    next_btn = browser.find(css='div[role="button"][aria-label="Next"]')
    assert browser.attr(next_btn, "aria-disabled") == "true"
    browser.click(next_btn)  # ignored while disabled
    publish_section = browser.find(css='section[aria-label="Publish"]')
    assert browser.script("return arguments[0].hidden;", {ELEMENT: publish_section}) is True
    assert items(sandbox) == []


def test_login_wall_redirects_and_login_persists(sandbox, browser):
    r = requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5)
    assert r.json()["login_wall"] is True
    browser.get(sandbox.url + "/marketplace/create/item")
    url = browser.url
    assert "login" in url
    assert parse_qs(urlparse(url).query)["next"] == ["/marketplace/create/item"]
    assert browser.find_all('input[type="file"]') == []

    browser.type(browser.find(css='input[aria-label="Email address or phone number"]'),
                 "seller@example.com")
    browser.type(browser.find(css='input[aria-label="Password"]'), "secret")
    browser.click(browser.find(css='button[name="login"]'))
    url = browser.wait_url(lambda u: "/marketplace/create/item" in u)
    assert urlparse(url).path == "/marketplace/create/item"
    browser.find(css='label[aria-label="Title"] input')

    # turning the wall on again logs every browser out
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5)
    browser.get(sandbox.url + "/marketplace/you/selling")
    assert "login" in browser.url
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": False}, timeout=5)
    browser.get(sandbox.url + "/marketplace/you/selling")
    assert urlparse(browser.url).path == "/marketplace/you/selling"


def test_checkpoint_mode(sandbox, browser):
    requests.post(sandbox.url + "/_sandbox/checkpoint", json={"on": True}, timeout=5)
    browser.get(sandbox.url + "/marketplace/create/item")
    assert "/checkpoint/" in browser.url
    assert browser.text(browser.find(css="h1")) == "Confirm your identity"
    state = requests.post(sandbox.url + "/_sandbox/checkpoint", json={"on": False},
                          timeout=5).json()
    assert state == {"login_wall": False, "checkpoint": False, "items": 0,
                     "publish_delay_ms": 0, "page_delay_ms": 0, "facebook": FB_OFF}


# ----------------------------------------------------------------- HTTP-level tests

def post_form(sandbox, fields, files, timeout=30):
    multipart = [(k, (None, v)) for k, v in fields.items()]
    multipart += [("photos", (name, data, "application/octet-stream")) for name, data in files]
    return requests.post(sandbox.url + "/marketplace/create/item", files=multipart,
                         allow_redirects=False, timeout=timeout)


# the Facebook variants' switches (tests/sandbox/README.md), off
FB_OFF = {"on": False, "category": "dialog", "more_details": False, "extra_steps": False,
          "leave_page": False, "land_on_item": False, "monthly_limit": False, "blocked": False,
          "edit_link": False}

GOOD = {"title": "Bike", "price": "100", "category": "Bicycles", "condition": "Used - fair"}


@pytest.mark.parametrize("price,cents", [
    ("799.99", 79999), ("$1,299", 129900), ("12.5", 1250), (" 800 ", 80000), ("0", 0),
])
def test_prices_parse_exactly(sandbox, price, cents):
    r = post_form(sandbox, {**GOOD, "price": price}, [("a.png", png_bytes(2, 2))])
    assert r.status_code == 303, r.text
    item_path = r.headers["Location"]
    assert item_path.startswith("/marketplace/item/")
    assert items(sandbox)[0]["price_cents"] == cents
    page = requests.get(sandbox.url + item_path, timeout=5).text
    shown = {79999: "$799.99", 129900: "$1,299", 1250: "$12.50", 80000: "$800", 0: "Free"}
    assert f'<span dir="auto">{shown[cents]}</span>' in page


@pytest.mark.parametrize("fields,files,status,needle", [
    ({**GOOD, "price": "abc"}, "png", 400, "Price"),
    ({**GOOD, "price": "1.234"}, "png", 400, "Price"),
    ({**GOOD, "price": "-5"}, "png", 400, "Price"),
    ({**GOOD, "title": "   "}, "png", 400, "Title"),
    ({**GOOD, "title": "x" * 201}, "png", 400, "Title"),
    ({**GOOD, "category": "Spaceships"}, "png", 400, "Category"),
    ({**GOOD, "condition": "Broken"}, "png", 400, "Condition"),
    (GOOD, "none", 400, "Photos"),
    (GOOD, "svg", 415, "not a JPEG"),
    (GOOD, "eleven", 400, "up to 10"),
])
def test_bad_forms_store_nothing(sandbox, fields, files, status, needle):
    png = ("a.png", png_bytes(2, 2))
    chosen = {"png": [png], "none": [],
              "svg": [png, ("evil.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")],
              "eleven": [png] * 11}[files]
    r = post_form(sandbox, fields, chosen)
    assert r.status_code == status
    assert needle in r.text
    assert 'role="alert"' in r.text
    assert items(sandbox) == []
    assert stored_photo_files(sandbox) == []


def test_oversized_photo_is_refused(sandbox):
    big = b"\xff\xd8\xff" + b"\0" * (31 * 1024 * 1024)
    r = post_form(sandbox, GOOD, [("big.jpg", big)], timeout=60)
    assert r.status_code == 413
    assert items(sandbox) == []
    assert stored_photo_files(sandbox) == []


def test_concurrent_posts_all_land_and_reset_clears(sandbox):
    results = []
    lock = threading.Lock()

    def one(i):
        r = post_form(sandbox, {**GOOD, "title": f"Item {i}"},
                      [(f"p{i}.jpg", jpeg_bytes(10 + i, 20, False, os.urandom(50000)))])
        with lock:
            results.append((i, r.status_code, r.headers.get("Location")))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for _, s, _ in results) == [303] * 20
    assert len({loc for _, _, loc in results}) == 20
    got = items(sandbox)
    assert sorted(it["title"] for it in got) == sorted(f"Item {i}" for i in range(20))
    for it in got:
        i = int(it["title"].split()[1])
        assert it["photos"][0]["width"] == 10 + i
    assert len(stored_photo_files(sandbox)) == 20

    state = requests.post(sandbox.url + "/_sandbox/reset", timeout=5).json()
    assert state == {"login_wall": False, "checkpoint": False, "items": 0,
                     "publish_delay_ms": 0, "page_delay_ms": 0, "facebook": FB_OFF}
    assert items(sandbox) == []
    assert stored_photo_files(sandbox) == []
    # ids are not reused after a reset
    r = post_form(sandbox, GOOD, [("a.png", png_bytes(2, 2))])
    assert r.headers["Location"] == "/marketplace/item/21"


def test_control_api_errors(sandbox):
    r = requests.post(sandbox.url + "/_sandbox/login-wall", data="yes", timeout=5)
    assert r.status_code == 400 and "on" in r.json()["error"]
    assert requests.get(sandbox.url + "/_sandbox/items/999", timeout=5).status_code == 404
    assert requests.get(sandbox.url + "/_sandbox/photos/..%2Fetc", timeout=5).status_code == 404
    r = requests.get(sandbox.url + "/marketplace/item/999", timeout=5)
    assert r.status_code == 404 and "This listing isn" in r.text
    # the control API is never behind the wall
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True}, timeout=5)
    assert requests.get(sandbox.url + "/_sandbox/items", timeout=5).status_code == 200
    r = requests.get(sandbox.url + "/marketplace/you/selling", allow_redirects=False, timeout=5)
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2fmarketplace%2fyou%2fselling"
    # the Facebook variants' switch names what is wrong
    r = requests.post(sandbox.url + "/_sandbox/facebook", json={"on": True, "category": "tree"},
                      timeout=5)
    assert r.status_code == 400 and "category" in r.json()["error"]
    r = requests.post(sandbox.url + "/_sandbox/facebook", json={"colour": True}, timeout=5)
    assert r.status_code == 400 and "unknown field \"colour\"" in r.json()["error"]


def test_publish_delay_shows_the_item_before_the_answer(sandbox):
    """For kill-during-publish tests: with publish_ms the item exists while the browser still
    waits for the redirect."""
    r = requests.post(sandbox.url + "/_sandbox/delays", json={"publish_ms": 1500}, timeout=5)
    assert r.json()["publish_delay_ms"] == 1500
    done = {}

    def publish():
        t0 = time.monotonic()
        done["r"] = post_form(sandbox, GOOD, [("a.png", png_bytes(2, 2))])
        done["s"] = time.monotonic() - t0

    t = threading.Thread(target=publish)
    t.start()
    deadline = time.monotonic() + 5
    while not items(sandbox) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(items(sandbox)) == 1
    assert "r" not in done  # the answer is still pending
    t.join()
    assert done["r"].status_code == 303 and done["s"] >= 1.4

    r = requests.post(sandbox.url + "/_sandbox/delays", json={"page_ms": 300}, timeout=5)
    assert r.json() == {"login_wall": False, "checkpoint": False, "items": 1,
                        "publish_delay_ms": 1500, "page_delay_ms": 300, "facebook": FB_OFF}
    t0 = time.monotonic()
    assert requests.get(sandbox.url + "/marketplace/you/selling", timeout=5).status_code == 200
    assert time.monotonic() - t0 >= 0.3
    bad = requests.post(sandbox.url + "/_sandbox/delays", json={"page_ms": -1}, timeout=5)
    assert bad.status_code == 400 and "page_ms" in bad.json()["error"]
    state = requests.post(sandbox.url + "/_sandbox/reset", timeout=5).json()
    assert state["publish_delay_ms"] == 0 and state["page_delay_ms"] == 0
