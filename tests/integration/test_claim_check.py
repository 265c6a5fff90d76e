"""The claim check between the api and the poster (docs/architecture.md, "Images and
screenshots"): posting.requested carries each image's absolute URL, sha256 and size, never a
path; the poster downloads the images over HTTP into its own WORK_DIR and delivers its
screenshots with PUT /api/jobs/{id}/artifacts/{name}. The api and the poster run as on two
hosts: separate directories, and the poster runs where the api's directory is an empty
tmpfs (hidden_dirs), so any read of the api's disk would fail the job."""

import hashlib
import re
import subprocess

import pytest
import requests

from conftest import BIN_DIR, ROOT, hidden_dirs, sql
from test_api_foundation import api_env
from test_posting_e2e import REQUESTS_TOPIC, Stack, unique
from test_posting_e2e import photos  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(420)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path):
    return Stack(services, chromedriver, kafka_bootstrap, fresh_db, tmp_path)


def requested_event(stack, kcat, job_id):
    msgs = kcat.consume(REQUESTS_TOPIC, timeout=0, offset=f"s@{stack.started_ms}")
    evs = [m["json"] for m in msgs if m["json"] and m["json"]["type"] == "posting.requested"
           and m["json"]["data"]["job_id"] == job_id]
    assert evs, f"no posting.requested for job {job_id}"
    return evs[-1]


def test_posting_with_photos_and_a_failure_screenshot_across_two_hosts(stack, photos, kcat):
    wrap = hidden_dirs(stack.api_host)
    assert wrap, "this machine cannot hide a directory from a process (unshare)"
    poster = stack.start_poster()

    # 1. A listing with photos is posted: the images reach the browser by URL only.
    title = unique("Cherry table")
    listing = stack.create_listing(title, photos)
    job = stack.wait_job(stack.post(listing["id"])["id"])
    assert job["status"] == "posted", job
    data = requested_event(stack, kcat, job["id"])["data"]
    images = data["listing"]["images"]
    for im, stored in zip(images, listing["images"]):
        assert "path" not in im, im
        assert im["url"] == f"{stack.api.url}/uploads/{stored['filename']}", im
        served = requests.get(im["url"], timeout=10).content
        assert im["size"] == len(served) and im["sha256"] == hashlib.sha256(served).hexdigest()
    gets = re.findall(r"http GET /uploads/(\S+) 200", stack.api.log_text())
    assert sorted(set(gets) & {s["filename"] for s in listing["images"]}) == \
        sorted(s["filename"] for s in listing["images"])
    items = stack.items()
    assert [i["title"] for i in items] == [title]
    assert sorted(p["sha256"] for p in items[0]["photos"]) == sorted(i["sha256"] for i in images)
    assert not list((stack.poster_host / "work").rglob("*.jpg"))  # downloads deleted

    # 2. A failing job: its failure screenshot is in the job log, served by the api.
    stack.login_wall(True)
    other = stack.create_listing(unique("Birch stool"), photos[:1])
    failed = stack.wait_job(stack.post(other["id"])["id"])
    assert failed["status"] == "failed" and failed["error_code"] == "login_required", failed
    shots = [g for g in failed["logs"] if g["artifact"]]
    assert len(shots) == 1 and shots[0]["level"] == "error", failed["logs"]
    name = shots[0]["artifact"]
    assert re.fullmatch(rf"poster-{failed['id']}-failed-[0-9a-f]{{8}}\.png", name), name
    assert shots[0]["artifact_url"] == "/uploads/" + name
    r = requests.get(stack.api.url + shots[0]["artifact_url"], timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n" and len(r.content) > 1000
    assert (stack.uploads / name).read_bytes() == r.content  # the api's disk, by PUT
    assert f"http PUT /api/jobs/{failed['id']}/artifacts/{name} 201" in stack.api.log_text()
    assert not list(stack.poster_host.rglob("*.png"))  # the poster kept no copy
    assert poster.alive()


def test_artifact_route_checks_job_name_type_and_size_and_is_idempotent(services, fresh_db,
                                                                        tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path, MAX_UPLOAD_BYTES=4096))
    lid = sql(fresh_db, "INSERT INTO listings (title, price_cents, currency) "
                        "VALUES ('Lamp', 100, 'USD') RETURNING id")[0][0]
    job = sql(fresh_db, "INSERT INTO posting_jobs (listing_id, platform) "
                        f"VALUES ({lid}, 'sandbox') RETURNING id")[0][0]
    png = {"Content-Type": "image/png"}

    def put(name, body=PNG, headers=png, job_id=job):
        return requests.put(f"{api.url}/api/jobs/{job_id}/artifacts/{name}", data=body,
                            headers=headers, timeout=10)

    name = f"poster-{job}-failed-0a1b2c3d.png"
    r = put(name)
    assert r.status_code == 201, r.text
    assert r.json() == {"name": name, "url": f"/uploads/{name}", "bytes": len(PNG)}
    assert r.headers["Location"] == f"/uploads/{name}"
    assert put(name).status_code == 200  # a retry of the same delivery
    r = put(name, PNG + b"x")
    assert r.status_code == 409 and r.json()["field"] == "name"  # names are write-once
    g = requests.get(f"{api.url}/uploads/{name}", timeout=10)
    assert g.status_code == 200 and g.content == PNG and g.headers["Content-Type"] == "image/png"

    assert put(f"poster-{job + 1000}-x.png", job_id=job + 1000).status_code == 404  # no job
    for bad in (f"poster-{job + 1}-x.png", "photo.png", f"poster-{job}-.png",
                f"poster-{job}-a.b.png", f"poster-{job}-x.gif", f"poster-{job}-" + "a" * 130 + ".png"):
        r = put(bad)
        assert r.status_code == 422 and r.json()["field"] == "name", (bad, r.text)
    assert put(f"poster-{job}-x.png", headers={"Content-Type": "image/jpeg"}).status_code == 415
    assert put(f"poster-{job}-x.png", headers={}).status_code == 415
    assert put(f"poster-{job}-x.png", headers={"Content-Type": "image/pngx"}).status_code == 415
    assert put(f"poster-{job}-x.png", body=b"GIF89a" + b"\x00" * 20).status_code == 422
    assert put(f"poster-{job}-x.jpg", body=b"\xff\xd8\xff\xe0" + b"\x00" * 20,
               headers={"Content-Type": "image/jpeg"}).status_code == 201
    assert put(f"poster-{job}-big.png", body=PNG + b"\x00" * 5000).status_code == 413
    assert not (tmp_path / "uploads" / f"poster-{job}-big.png").exists()
    assert [p.name for p in (tmp_path / "uploads" / ".tmp").iterdir()] == []  # nothing left over
    spec = requests.get(f"{api.url}/api/openapi.json", timeout=10).json()
    assert "put" in spec["paths"]["/api/jobs/{id}/artifacts/{name}"]


def test_platforms_default_lists_only_platforms_with_a_driver(services, fresh_db, tmp_path):
    api = services.start("api", env=api_env(fresh_db, tmp_path))
    help_text = subprocess.run([str(BIN_DIR / "byebuy-api"), "--help"], capture_output=True,
                               text=True, timeout=10).stdout
    default = re.search(r"PLATFORMS .*\(default ([a-z_,]+)\)", help_text).group(1).split(",")
    recipes = {p.stem for p in (ROOT / "services" / "poster" / "recipes").glob("*.json")}
    assert default and set(default) <= recipes, (default, recipes)
    lid = sql(fresh_db, "INSERT INTO listings (title, price_cents, currency) "
                        "VALUES ('Lamp', 100, 'USD') RETURNING id")[0][0]
    r = requests.post(f"{api.url}/api/listings/{lid}/post", json={"platform": "ebay"},
                      timeout=10)
    assert r.status_code == 422 and "ebay" in r.json()["detail"], r.text
    assert not re.search(r"services/|\.c\b|\.json", r.json()["detail"]), r.text
