"""Listings, images, posting and jobs through the api's REST interface, against the real
PostgreSQL and Kafka: the original's field names and shapes, exact money, image intake
(EXIF/GPS stripped, thumbnails, nosniff), pagination, the posting request on the topic, job
progress from posting events, retry limits, and a table of bad inputs that must each get a
4xx problem naming what is wrong while nothing is stored."""

import hashlib
import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

from conftest import cloudevent, jpeg_has_gps, jpeg_with_gps, sql
from test_api_foundation import api_env, position_group, wait_until

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def api(services, fresh_db, tmp_path):
    svc = services.start("api", env=api_env(fresh_db, tmp_path,
                                            PLATFORMS="facebook_marketplace,sandbox",
                                            MAX_UPLOAD_BYTES=20 * 1024 * 1024, MAX_IMAGES=5))
    svc.db = fresh_db
    svc.uploads = tmp_path / "uploads"
    return svc


@pytest.fixture
def photos(tmp_path):
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    return [jpeg_with_gps(tmp_path / f"photo{i}.jpg", 640, 480, c) for i, c in enumerate(colors)]


def stored_files(api):
    """Files in the upload directory (and, separately, leftovers in its .tmp)."""
    files = sorted(p.name for p in api.uploads.iterdir() if p.is_file())
    tmp = sorted(p.name for p in (api.uploads / ".tmp").iterdir())
    return files, tmp


def create(api, fields, files=()):
    multipart = [("images", (Path(f).name, open(f, "rb"), "image/jpeg")) for f in files]
    try:
        return requests.post(api.url + "/api/listings", data=fields, files=multipart or None,
                             timeout=30)
    finally:
        for _, (_, fh, _) in multipart:
            fh.close()


def test_create_listing_with_images_original_shape(api, photos):
    r = create(api, {"title": "Red lamp", "description": "Works", "price": "799.99",
                     "min_price": "650", "condition": "like_new", "category": "Lighting",
                     "location": "Austin", "seller_notes": "no holds"}, photos)
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"/api/listings/{body['id']}"
    # the original's fields and ours
    assert body["price"] == 799.99 and body["price_cents"] == 79999
    assert body["min_price"] == 650 and body["min_price_cents"] == 65000
    assert body["condition"] == "like_new" and body["status"] == "active"
    assert body["willing_to_negotiate"] == body["flexibility"] == 0.5
    for key in ("title", "description", "seller_notes", "location", "created_at", "updated_at"):
        assert key in body
    assert len(body["images"]) == 3
    for pos, img in enumerate(body["images"]):
        assert img["position"] == pos
        assert img["filepath"] == "uploads/" + img["filename"]  # never an absolute path
        assert not img["filename"].startswith("photo")             # generated name
        assert img["width"] == 640 and img["height"] == 480
        f = requests.get(api.url + "/uploads/" + img["filename"], timeout=5)
        assert f.status_code == 200
        assert f.headers["Content-Type"] == "image/jpeg"
        assert f.headers["X-Content-Type-Options"] == "nosniff"
        assert f.content[:3] == b"\xff\xd8\xff"
        assert not jpeg_has_gps(f.content), "EXIF GPS survived"
        assert hashlib.sha256(f.content).hexdigest() == img["sha256"]
        t = requests.get(api.url + img["thumbnail_url"], timeout=5)
        assert t.status_code == 200 and t.content[:3] == b"\xff\xd8\xff"
    # the input really had GPS
    assert jpeg_has_gps(Path(photos[0]).read_bytes())
    # the row as stored
    assert sql(api.db, "SELECT price_cents, min_price_cents FROM listings")[0] == (79999, 65000)
    got = requests.get(api.url + f"/api/listings/{body['id']}", timeout=5).json()
    assert got == body


def test_list_pagination_filters_and_search(api):
    ids = []
    for i in range(5):
        r = requests.post(api.url + "/api/listings", json={"title": f"Chair {i}", "price": 10 + i},
                          timeout=5)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    requests.post(api.url + "/api/listings", json={"title": "100% wool rug", "price": "45.50"},
                  timeout=5)
    r = requests.patch(api.url + f"/api/listings/{ids[0]}", json={"status": "sold"}, timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "sold"

    r = requests.get(api.url + "/api/listings?limit=2", timeout=5)
    assert r.status_code == 200
    page1 = r.json()
    assert isinstance(page1, list) and len(page1) == 2
    link = r.headers["Link"]
    assert 'rel="next"' in link
    nxt = link[link.index("<") + 1:link.index(">")]
    page2 = requests.get(api.url + nxt, timeout=5).json()
    seen = [x["id"] for x in page1 + page2]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 4
    # walk to the end: no Link on the last page, every listing once
    all_ids, url = [], "/api/listings?limit=4"
    while url:
        r = requests.get(api.url + url, timeout=5)
        all_ids += [x["id"] for x in r.json()]
        link = r.headers.get("Link")
        url = link[link.index("<") + 1:link.index(">")] if link else None
    assert len(all_ids) == 6 == len(set(all_ids))

    # cached pages never hide a change: our own writes at once, other writers' within ~1 s
    before = requests.get(api.url + "/api/listings?limit=50", timeout=5).json()
    r = requests.post(api.url + "/api/listings", json={"title": "Brand new", "price": 1}, timeout=5)
    after = requests.get(api.url + "/api/listings?limit=50", timeout=5).json()
    assert len(after) == len(before) + 1 and after[0]["title"] == "Brand new"
    requests.delete(api.url + f"/api/listings/{r.json()['id']}", timeout=5)
    assert len(requests.get(api.url + "/api/listings?limit=50", timeout=5).json()) == len(before)
    sql(api.db, "UPDATE listings SET title = 'Renamed outside' WHERE id = %s", (ids[4],))
    wait_until(lambda: any(x["title"] == "Renamed outside" for x in requests.get(
        api.url + "/api/listings?limit=50", timeout=5).json()), 3, "an outside change to show")
    sql(api.db, "UPDATE listings SET title = 'Chair 4' WHERE id = %s", (ids[4],))
    wait_until(lambda: requests.get(api.url + "/api/listings?limit=50", timeout=5).json()[1]["title"]
               == "Chair 4", 3, "the rename back to show")

    sold = requests.get(api.url + "/api/listings?status=sold", timeout=5).json()
    assert [x["id"] for x in sold] == [ids[0]]
    found = requests.get(api.url + "/api/listings?q=chair%203", timeout=5).json()
    assert [x["title"] for x in found] == ["Chair 3"]
    # LIKE wildcards are literal
    assert [x["title"] for x in requests.get(api.url + "/api/listings?q=100%25", timeout=5).json()] \
        == ["100% wool rug"]
    assert requests.get(api.url + "/api/listings?q=%25", timeout=5).json()[0]["title"] == "100% wool rug"


def test_update_images_and_delete(api, photos):
    r = create(api, {"title": "Desk", "price": "120", "min_price": "90"}, photos[:1])
    lid = r.json()["id"]
    # floor rule on merged values
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"price": "80"}, timeout=5)
    assert r.status_code == 422 and r.json()["field"] == "min_price"
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"price": "80", "min_price": None},
                       timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["price_cents"] == 8000 and r.json()["min_price"] is None
    # PUT multipart appends images
    with open(photos[1], "rb") as fh:
        r = requests.put(api.url + f"/api/listings/{lid}", data={"title": "Oak desk"},
                         files=[("images", ("b.jpg", fh, "image/jpeg"))], timeout=30)
    assert r.status_code == 200, r.text
    imgs = r.json()["images"]
    assert r.json()["title"] == "Oak desk" and [i["position"] for i in imgs] == [0, 1]
    # reorder
    order = [imgs[1]["id"], imgs[0]["id"]]
    r = requests.put(api.url + f"/api/listings/{lid}/images", json={"order": order}, timeout=5)
    assert r.status_code == 200 and [i["id"] for i in r.json()["images"]] == order
    r = requests.put(api.url + f"/api/listings/{lid}/images", json={"order": order[:1]}, timeout=5)
    assert r.status_code == 422 and r.json()["field"] == "order"
    # remove one image: row and files go
    gone = imgs[0]["filename"]
    r = requests.delete(api.url + f"/api/listings/{lid}/images/{imgs[0]['id']}", timeout=5)
    assert r.status_code == 200 and len(r.json()["images"]) == 1
    assert not (api.uploads / gone).exists()
    assert requests.get(api.url + "/uploads/" + gone, timeout=5).status_code == 404
    # delete the listing: original answer, files removed
    r = requests.delete(api.url + f"/api/listings/{lid}", timeout=5)
    assert r.status_code == 200 and r.json() == {"status": "deleted"}
    assert requests.get(api.url + f"/api/listings/{lid}", timeout=5).status_code == 404
    assert stored_files(api) == ([], [])


def problem(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status and body["detail"]
    if field:
        assert body.get("field") == field, body
    return body


def raw_post(port, path, body, content_type, declared_length=None):
    """Sends a request by hand (for bodies requests would not send) and returns
    (status, text)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {declared_length if declared_length is not None else len(body)}"
                f"\r\nConnection: close\r\n\r\n").encode()
        s.sendall(head + body)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    text = out.decode(errors="replace")
    return int(text.split(" ", 2)[1]), text


def test_bad_input_table_nothing_stored(api, tmp_path, photos):
    text = tmp_path / "notes.txt"
    text.write_text("just some text, not an image\n")
    svg = tmp_path / "evil.jpg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    html = tmp_path / "page.jpg"
    html.write_text("<html><script>alert(1)</script></html>")
    gif = tmp_path / "anim.jpg"
    gif.write_bytes(b"GIF89a" + b"\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 40)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(5000))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    huge = tmp_path / "huge.jpg"  # 30 MB, JPEG magic: refused by size while streaming
    with open(huge, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0")
        f.write(os.urandom(30 * 1024 * 1024))

    ok = {"title": "Lamp", "price": "10"}
    cases = [
        ({"price": "10"}, [], 422, "title"),
        ({"title": "Lamp"}, [], 422, "price"),
        ({**ok, "price": "abc"}, [], 422, "price"),
        ({**ok, "price": "0"}, [], 422, "price"),
        ({**ok, "price": "-5"}, [], 422, "price"),
        ({**ok, "price": "1.999"}, [], 422, "price"),
        ({**ok, "price": "1e3"}, [], 422, "price"),
        ({**ok, "min_price": "10.01"}, [], 422, "min_price"),
        ({**ok, "min_price": "-1"}, [], 422, "min_price"),
        ({**ok, "condition": "mint"}, [], 422, "condition"),
        ({**ok, "flexibility": "2"}, [], 422, "flexibility"),
        ({**ok, "title": "x" * 256}, [], 422, "title"),
        ({**ok, "description": "d" * 10001}, [], 422, "description"),
        ({**ok, "description": "d" * 70000}, [], 413, "description"),
        ({**ok, "colour": "red"}, [], 422, "colour"),
        ({**ok, "status": "sold"}, [], 422, "status"),
        (ok, [text], 415, "images"),
        (ok, [svg], 415, "images"),
        (ok, [html], 415, "images"),
        (ok, [gif], 415, "images"),
        (ok, [empty], 415, "images"),
        (ok, [corrupt], 422, "images"),
        (ok, [photos[0], text], 415, "images"),   # the good first one must not stay
        (ok, [huge], 413, "images"),
        (ok, photos + photos, 422, "images"),      # 6 > MAX_IMAGES=5
    ]
    for fields, files, status, field in cases:
        r = create(api, fields, files)
        problem(r, status, field)
        assert sql(api.db, "SELECT count(*) FROM listings")[0][0] == 0, fields
        assert stored_files(api) == ([], []), (fields, files)

    # JSON bodies
    for body, status, field in [
        ({"title": 5, "price": 1}, 422, "title"),
        ({"title": "x", "price": [1]}, 422, "price"),
        ({"title": "x", "price": 0.001}, 422, "price"),
        ({"title": "x", "price": 10, "price_cents": 999}, 422, "price_cents"),
    ]:
        problem(requests.post(api.url + "/api/listings", json=body, timeout=5), status, field)
    problem(requests.post(api.url + "/api/listings", data="{not json",
                          headers={"Content-Type": "application/json"}, timeout=5), 400)
    problem(requests.post(api.url + "/api/listings", data="title=x",
                          headers={"Content-Type": "text/plain"}, timeout=5), 415)
    # a multipart body cut off in the middle of a file, and one without its final boundary
    part = (b"--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nLamp\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"price\"\r\n\r\n5\r\n"
            b"--XX\r\nContent-Disposition: form-data; name=\"images\"; filename=\"a.jpg\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + Path(photos[0]).read_bytes()[:3000])
    status, resp = raw_post(api.port, "/api/listings", part, "multipart/form-data; boundary=XX")
    assert status == 400, resp
    status, resp = raw_post(api.port, "/api/listings", part, "multipart/form-data; boundary=XX",
                            declared_length=len(part) + 5000)
    assert status == 400, resp
    assert sql(api.db, "SELECT count(*) FROM listings")[0][0] == 0
    assert stored_files(api) == ([], [])

    # query parameters
    for q, field in [("limit=0", "limit"), ("limit=abc", "limit"), ("limit=501", "limit"),
                     ("cursor=-1", "cursor"), ("status=gone", "status")]:
        problem(requests.get(api.url + "/api/listings?" + q, timeout=5), 422, field)
        problem(requests.get(api.url + "/api/jobs?" + q.replace("gone", "bogus"), timeout=5), 422,
                field)
    # uploads only serve generated names
    for name in ["..%2Fmigrations", ".tmp", "%2Fetc%2Fpasswd", "nope.jpg"]:
        assert requests.get(api.url + "/uploads/" + name, timeout=5).status_code == 404
    assert requests.get(api.url + "/api/listings/abc", timeout=5).status_code == 404
    assert requests.get(api.url + "/api/listings/999", timeout=5).json()["detail"] == "Listing not found"


def posting_requests_for(kcat, db, job_id):
    """The posting.requested events on the topic for job_id, matched by the outbox's ids."""
    ids = {r[0] for r in sql(db, "SELECT event_id::text FROM outbox WHERE type = "
                                 "'posting.requested' AND payload::json->>'subject' = %s",
                             (str(job_id),))}
    return [m for m in kcat.consume("bb.posting.requests", timeout=0)
            if m["json"] and m["json"]["id"] in ids]


def test_post_listing_jobs_progress_and_retry_limit(api, photos, kcat):
    r = create(api, {"title": "Bike", "description": "Blue", "price": "150.25"}, photos[:2])
    listing = r.json()
    lid = listing["id"]

    # bad posting requests
    post = api.url + f"/api/listings/{lid}/post"
    problem(requests.post(post, json={"platform": "myspace"}, timeout=5), 422, "platform")
    problem(requests.post(post, json={"platforms": []}, timeout=5), 422, "platforms")
    problem(requests.post(post, json={"platforms": ["sandbox", "nope"]}, timeout=5), 422, "platforms")
    problem(requests.post(post, json={"platform": 7}, timeout=5), 422, "platform")
    problem(requests.post(post, json={}, timeout=5), 422, "platform")
    problem(requests.post(api.url + "/api/listings/999/post", json={"platform": "sandbox"},
                          timeout=5), 404)
    assert sql(api.db, "SELECT count(*) FROM posting_jobs")[0][0] == 0

    # one platform: the job object; several: an array
    r = requests.post(post, json={"platform": "sandbox"}, timeout=5)
    assert r.status_code == 201, r.text
    job = r.json()
    assert r.headers["Location"] == f"/api/jobs/{job['id']}"
    for key in ("retry_count", "scheduled_at", "started_at", "completed_at", "external_url",
                "error_message"):
        assert key in job
    assert job["status"] == "pending" and job["retry_count"] == 0 and job["listing_id"] == lid
    r = requests.post(post, json={"platforms": ["sandbox", "facebook_marketplace"]}, timeout=5)
    assert r.status_code == 201 and [j["platform"] for j in r.json()] == ["sandbox",
                                                                         "facebook_marketplace"]
    r = requests.post(api.url + f"/api/listings/{lid}/post-batch", json={"platforms": ["sandbox"]},
                      timeout=5)
    assert r.status_code == 201 and isinstance(r.json(), list)

    # the request reached the topic, carrying the listing and its images
    msgs = wait_until(lambda: posting_requests_for(kcat, api.db, job["id"]), 20,
                      "posting.requested on bb.posting.requests")
    assert len(msgs) == 1
    ev = msgs[0]["json"]
    assert msgs[0]["key"] == str(lid) and ev["type"] == "posting.requested"
    data = ev["data"]
    assert data["job_id"] == job["id"] and data["attempt"] == 1 and data["platform"] == "sandbox"
    assert data["listing"]["price_cents"] == 15025 and data["listing"]["title"] == "Bike"
    assert len(data["listing"]["images"]) == 2
    for img, stored in zip(data["listing"]["images"], listing["images"]):
        # a claim check: the absolute URL (API_PUBLIC_URL defaults to the api's own port), the
        # bytes' sha256 and size; no file path (the poster shares no disk with the api)
        assert img["url"] == api.url + "/uploads/" + stored["filename"]
        assert "path" not in img and img["sha256"] == stored["sha256"]
        served = requests.get(img["url"], timeout=5).content
        assert img["size"] == len(served) and hashlib.sha256(served).hexdigest() == img["sha256"]

    # jobs listing and filters
    jobs = requests.get(api.url + f"/api/jobs?listing_id={lid}", timeout=5).json()
    assert len(jobs) == 4
    assert [j["platform"] for j in requests.get(
        api.url + "/api/jobs?platform=facebook_marketplace", timeout=5).json()] == ["facebook_marketplace"]
    assert requests.get(api.url + "/api/jobs?status=posted", timeout=5).json() == []
    problem(requests.post(api.url + f"/api/jobs/{job['id']}/retry", timeout=5), 400)

    # the poster's events move the job; failures can be retried until 3 attempts
    jid = job["id"]
    position_group(kcat, api.db, jid)
    for attempt in (1, 2, 3):
        kcat.produce("bb.posting.events", str(jid), cloudevent(
            "posting.started", {"job_id": jid, "attempt": attempt}, source="byebuy/poster"))
        kcat.produce("bb.posting.events", str(jid), cloudevent(
            "posting.log", {"job_id": jid, "attempt": attempt, "level": "info",
                            "message": f"opened form {attempt}"}, source="byebuy/poster"))
        kcat.produce("bb.posting.events", str(jid), cloudevent(
            "posting.failed", {"job_id": jid, "attempt": attempt,
                               "error": {"code": "login_required", "message": "Log in first",
                                         "retryable": False}}, source="byebuy/poster"))
        wait_until(lambda: requests.get(api.url + f"/api/jobs/{jid}", timeout=5).json()["status"]
                   == "failed", 30, f"attempt {attempt} to fail")
        got = requests.get(api.url + f"/api/jobs/{jid}", timeout=5).json()
        # retry_count counts retries: attempt 1 is no retry
        assert got["retry_count"] == attempt - 1 and got["error_message"] == "Log in first"
        assert got["error_code"] == "login_required" and got["completed_at"]
        assert any(l["message"] == f"opened form {attempt}" for l in got["logs"])
        r = requests.post(api.url + f"/api/jobs/{jid}/retry", timeout=5)
        if attempt < 3:
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "pending" and r.json()["retry_count"] == attempt
            assert r.json()["error_message"] is None
            wait_until(lambda: len(posting_requests_for(kcat, api.db, jid)) == attempt + 1, 20,
                       "the retry's posting.requested")
        else:
            body = problem(r, 400)
            assert "Maximum retry count exceeded" in body["detail"]
    attempts = sorted(m["json"]["data"]["attempt"] for m in posting_requests_for(kcat, api.db, jid))
    assert attempts == [1, 2, 3]
    logs = requests.get(api.url + f"/api/jobs/{jid}/logs", timeout=5).json()
    assert isinstance(logs, list) and {"level", "message", "created_at"} <= set(logs[0])
    assert [l["level"] for l in logs if l["message"].startswith("Failed")] == ["error"] * 3
    assert requests.get(api.url + "/api/jobs/999999/logs", timeout=5).status_code == 404

    # success on a second job: posted with the URL, never moved back by a late failure
    other = jobs[0]["id"] if jobs[0]["id"] != jid else jobs[1]["id"]
    position_group(kcat, api.db, other)
    kcat.produce("bb.posting.events", str(other), cloudevent(
        "posting.succeeded", {"job_id": other, "attempt": 1, "external_id": "it-9",
                              "external_url": "http://sandbox/item/9"}, source="byebuy/poster"))
    wait_until(lambda: requests.get(api.url + f"/api/jobs/{other}", timeout=5).json()["status"]
               == "posted", 30, "the job to be posted")
    got = requests.get(api.url + f"/api/jobs/{other}", timeout=5).json()
    # posted on its first attempt: no retry
    assert got["external_url"] == "http://sandbox/item/9" and got["retry_count"] == 0
    problem(requests.post(api.url + f"/api/jobs/{other}/retry", timeout=5), 400)

    # sold elsewhere: the posted job is taken down by a delist job of its own
    # (delisting.requested), then delisted
    r = requests.patch(api.url + f"/api/listings/{lid}", json={"status": "sold"}, timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "sold"
    rows = sql(api.db, "SELECT payload::json->'data' FROM outbox WHERE type = 'delisting.requested'")
    assert len(rows) == 1
    delist = rows[0][0]["job_id"]
    job = requests.get(api.url + f"/api/jobs/{delist}", timeout=5).json()
    assert job["kind"] == "delist" and job["posting_job_id"] == other and job["reason"] == "sold"
    assert rows[0][0]["external_url"] == "http://sandbox/item/9"
    assert requests.get(api.url + f"/api/jobs/{other}", timeout=5).json()["status"] == "delisting"
    problem(requests.post(post, json={"platform": "sandbox"}, timeout=5), 409)
    kcat.produce("bb.posting.events", str(delist), cloudevent(
        "delisting.succeeded", {"job_id": delist, "attempt": 1}, source="byebuy/poster"))
    wait_until(lambda: requests.get(api.url + f"/api/jobs/{other}", timeout=5).json()["status"]
               == "delisted", 30, "the job to be delisted")
    # deleting the listing waits for the posts still in flight (they could still go live),
    # then takes its jobs; a late delisting result is not poison
    r = requests.delete(api.url + f"/api/listings/{lid}", timeout=5)
    assert r.status_code == 202 and r.json()["status"] == "deleting"
    waiting = sorted(j["id"] for j in r.json()["waiting_jobs"])
    assert waiting == sorted(j["id"] for j in jobs if j["id"] not in (jid, other))
    for w in waiting:
        kcat.produce("bb.posting.events", str(w), cloudevent(
            "posting.failed", {"job_id": w, "attempt": 1, "error": {"code": "timeout",
                                                                    "message": "gave up"}},
            source="byebuy/poster"))
    wait_until(lambda: requests.get(api.url + f"/api/listings/{lid}", timeout=5).status_code == 404,
               30, "the listing to be deleted once its posts landed")
    assert sql(api.db, "SELECT count(*) FROM posting_jobs")[0][0] == 0
    kcat.produce("bb.posting.events", str(delist), cloudevent(
        "delisting.failed", {"job_id": delist, "attempt": 1}, source="byebuy/poster"))
    wait_until(lambda: "delisting.failed for deleted job" in api.log_text(), 30,
               "the late delisting result to be applied")


def test_openapi_and_docs(api):
    r = requests.get(api.url + "/api/openapi.json", timeout=5)
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/listings", "/api/listings/{id}/post", "/api/jobs/{id}/retry",
                 "/api/polling/start", "/uploads/{name}"):
        assert path in doc["paths"]
    r = requests.get(api.url + "/docs", timeout=5)
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert "/api/openapi.json" in r.text
