"""Issue 11, finding 3, in a real Chromium (Debian's, driven over WebDriver by chromedriver):
a page served from another origin (another 127.0.0.1 port: the same *site* for SameSite, so
the browser does send the owner's session cookie) tries to create listings (a form post, and
fetch no-cors with a FormData photo), post one, retry a failed job and start the inbox
monitor while the owner is logged in. The api must refuse each one (403, seen in its log) and
store nothing. The same browser on the api's own origin (the dashboard, logged in) can do all
of it, and without a session the api answers 401."""

import base64
import http.server
import json
import re
import threading
import time

import pytest
import requests

from conftest import OWNER_PASSWORD, free_port, jpeg_with_gps, sql

pytestmark = pytest.mark.timeout(240)


class WebDriver:
    """The few WebDriver commands this test needs, on a headless Chromium."""

    def __init__(self, url, profile):
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", f"--user-data-dir={profile}"]}}}}
        r = requests.post(url + "/session", json=caps, timeout=60)
        assert r.status_code == 200, r.text
        self.base = f"{url}/session/{r.json()['value']['sessionId']}"

    def cmd(self, method, path, body=None, timeout=60):
        r = requests.request(method, self.base + path, json=body, timeout=timeout)
        assert r.status_code == 200, f"{path}: {r.text[:500]}"
        return r.json()["value"]

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def run(self, script, *args):
        """Runs an async script whose last argument is the callback; returns what it passed."""
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def quit(self):
        requests.delete(self.base, timeout=30)


class AttackerSite:
    """A page on http://127.0.0.1:<another port>/ aimed at the api."""

    def __init__(self, api_url, listing_id, job_id, photo_b64):
        page = ATTACK_PAGE.replace("API", api_url).replace("LISTING", str(listing_id)) \
            .replace("JOB", str(job_id)).replace("PHOTO", photo_b64)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# Every way a page can write cross-origin without a CORS preflight: a real form submission
# (into a hidden frame), and fetch no-cors with the simple content types (a FormData photo,
# text/plain JSON). credentials: 'include' asks for the cookie; the answers are opaque.
ATTACK_PAGE = """<!doctype html><html><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" action="API/api/listings" enctype="multipart/form-data" target="sink">
  <input name="title" value="Form-posted by another site"><input name="description" value="x">
  <input name="price" value="1">
</form>
<script>
window.attack = async function () {
  const sent = [];
  const frameLoaded = new Promise(r => document.querySelector('iframe').onload = r);
  document.getElementById('f').submit();
  await Promise.race([frameLoaded, new Promise(r => setTimeout(r, 5000))]);
  sent.push('form');
  const bytes = Uint8Array.from(atob('PHOTO'), c => c.charCodeAt(0));
  const fd = new FormData();
  fd.append('title', 'Fetched by another site'); fd.append('description', 'x');
  fd.append('price', '2'); fd.append('images', new Blob([bytes], {type: 'image/jpeg'}), 'p.jpg');
  const opts = {method: 'POST', mode: 'no-cors', credentials: 'include'};
  const text = b => ({...opts, headers: {'Content-Type': 'text/plain'}, body: b});
  for (const [name, url, o] of [
      ['fetch-create', 'API/api/listings', {...opts, body: fd}],
      ['post', 'API/api/listings/LISTING/post', text('{"platform":"sandbox"}')],
      ['retry', 'API/api/jobs/JOB/retry', opts],
      ['monitor', 'API/api/polling/start', text('{}')]]) {
    try { await fetch(url, o); sent.push(name); } catch (e) { sent.push(name + ':' + e); }
  }
  return sent;
};
</script></body></html>"""

RUN_ATTACK = "const done = arguments[arguments.length - 1]; window.attack().then(done);"

# The same writes from the api's own origin, as the dashboard makes them (same-origin fetch
# sends the cookie and the Origin header on its own).
RUN_OWN = """const done = arguments[arguments.length - 1];
const [photo, listing, job] = arguments;
(async () => {
  const bytes = Uint8Array.from(atob(photo), c => c.charCodeAt(0));
  const fd = new FormData();
  fd.append('title', 'Made in the dashboard'); fd.append('description', 'x');
  fd.append('price', '3'); fd.append('images', new Blob([bytes], {type: 'image/jpeg'}), 'p.jpg');
  const json = b => ({method: 'POST', headers: {'Content-Type': 'application/json'}, body: b});
  const out = {};
  out.create = (await fetch('/api/listings', {method: 'POST', body: fd})).status;
  out.post = (await fetch(`/api/listings/${listing}/post`, json('{"platform":"sandbox"}'))).status;
  out.retry = (await fetch(`/api/jobs/${job}/retry`, {method: 'POST'})).status;
  out.monitor = (await fetch('/api/polling/start', json('{}'))).status;
  return out;
})().then(done, e => done('error: ' + e));"""

LOGIN = """const done = arguments[arguments.length - 1];
fetch('/api/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
  body: JSON.stringify({password: arguments[0]})})
  .then(r => fetch('/api/listings').then(l => done([r.status, l.status])), e => done(String(e)));"""


def state(db):
    return {
        "listings": sql(db, "SELECT count(*) FROM listings")[0][0],
        "jobs": sql(db, "SELECT count(*) FROM posting_jobs")[0][0],
        "job": sql(db, "SELECT status, attempt FROM posting_jobs ORDER BY id LIMIT 1")[0],
        "accounts": sql(db, "SELECT count(*) FROM marketplace_accounts")[0][0],
        "outbox": sql(db, "SELECT count(*) FROM outbox")[0][0],
    }


def test_another_origin_cannot_write_the_logged_in_dashboard_can(login_api, chromedriver,
                                                                 tmp_path):
    api = login_api
    photo = jpeg_with_gps(tmp_path / "p.jpg", 64, 48)
    photo_b64 = base64.b64encode(photo.read_bytes()).decode()
    with open(photo, "rb") as fh:
        r = requests.post(api.url + "/api/listings", headers=api.bearer, timeout=30,
                          data={"title": "Lamp", "description": "d", "price": "10"},
                          files=[("images", ("p.jpg", fh, "image/jpeg"))])
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    r = requests.post(api.url + f"/api/listings/{lid}/post", json={"platform": "sandbox"},
                      headers=api.bearer, timeout=10)
    assert r.status_code == 201, r.text
    jid = r.json()["id"]
    # a failed job the owner may retry (a retry posts to the marketplace again)
    sql(api.db, "UPDATE posting_jobs SET status = 'failed', error_message = 'x' WHERE id = %s",
        (jid,))
    before = state(api.db)

    site = AttackerSite(api.url, lid, jid, photo_b64)
    wd = WebDriver(chromedriver, tmp_path / "profile")
    try:
        # the owner logs in on the api's own origin: the browser now holds the session cookie
        wd.go(api.url + "/")
        assert wd.run(LOGIN, OWNER_PASSWORD) == [204, 200]
        mark = len(api.log_text())

        wd.go(site.url)
        sent = wd.run(RUN_ATTACK)
        assert sent == ["form", "fetch-create", "post", "retry", "monitor"], sent
        time.sleep(0.5)
        after = state(api.db)
        assert after == before, f"a page of another origin changed the api: {before} -> {after}"
        # each write reached the api and was refused there, not merely in the browser
        log = api.log_text()[mark:]
        for path in ("/api/listings", f"/api/listings/{lid}/post", f"/api/jobs/{jid}/retry",
                     "/api/polling/start"):
            refused = re.findall(rf"http POST {re.escape(path)} 403 ", log)
            assert refused, f"no 403 for POST {path} in the api log:\n{log[-3000:]}"
        assert len(re.findall(r"http POST /api/listings 403 ", log)) == 2, log[-3000:]

        # the dashboard's own origin, same browser, same cookie: allowed
        wd.go(api.url + "/")
        got = wd.run(RUN_OWN, photo_b64, lid, jid)
        assert got == {"create": 201, "post": 201, "retry": 200, "monitor": 200}, got
        after = state(api.db)
        assert after["listings"] == before["listings"] + 1
        assert after["jobs"] == before["jobs"] + 1 and after["accounts"] == 1
        assert after["job"] == ("pending", 2), after
    finally:
        wd.quit()
        site.close()
    # and nobody without the session
    r = requests.post(api.url + "/api/listings", data={"title": "t", "description": "d",
                                                        "price": "1"}, timeout=10)
    assert r.status_code == 401 and r.json()["status"] == 401
