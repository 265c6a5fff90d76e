"""The listing page's rendered listings (services/api/src/listing_cache.h) are validated
against PostgreSQL on every request through listings.version (migrations/0004_*): a change
made by SQL or by another api instance shows in the very next GET, image additions, removals
and reorders change the answer, and a warm api answers byte for byte what a cold one does."""

import pytest
import requests

from conftest import jpeg_with_gps, sql
from test_api_foundation import api_env
from test_api_listings import create

pytestmark = pytest.mark.timeout(240)

PAGE = "/api/listings?limit=50"


@pytest.fixture
def two_apis(services, fresh_db, tmp_path):
    """Two api instances on one database and one upload directory."""
    env = api_env(fresh_db, tmp_path, PLATFORMS="sandbox", MAX_IMAGES=5)
    a = services.start("api", env=env)
    b = services.start("api", env=dict(env, KAFKA_GROUP_ID=env["KAFKA_GROUP_ID"] + "-b"))
    a.db = b.db = fresh_db
    return a, b


@pytest.fixture
def photos(tmp_path):
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    return [jpeg_with_gps(tmp_path / f"photo{i}.jpg", 320, 240, c) for i, c in enumerate(colors)]


def page(api, path=PAGE):
    r = requests.get(api.url + path, timeout=10)
    assert r.status_code == 200, r.text
    return r


def listing_in(api, lid):
    return next(x for x in page(api).json() if x["id"] == lid)


def single(api, lid):
    """The listing by id: rendered on every request, never from the cache."""
    r = requests.get(api.url + f"/api/listings/{lid}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def version(api, lid):
    return sql(api.db, "SELECT version FROM listings WHERE id = %s", (lid,))[0][0]


def test_outside_changes_show_in_the_next_get(two_apis, photos):
    a, b = two_apis
    ids = [create(a, {"title": f"Lamp {i}", "price": "10"}, photos[:2]).json()["id"]
           for i in range(3)]
    page(a)  # warm: every listing of the page rendered and kept
    assert page(a).content == page(b).content

    # by SQL, no api involved: the next GET of the warm instance shows it, no waiting
    sql(a.db, "UPDATE listings SET title = 'Renamed by SQL' WHERE id = %s", (ids[1],))
    assert listing_in(a, ids[1])["title"] == "Renamed by SQL"
    sql(a.db, "UPDATE listing_images SET width = 999 WHERE listing_id = %s AND position = 0",
        (ids[0],))
    assert listing_in(a, ids[0])["images"][0]["width"] == 999
    sql(a.db, "DELETE FROM listing_images WHERE listing_id = %s AND position = 1", (ids[2],))
    assert len(listing_in(a, ids[2])["images"]) == 1
    new_id = sql(a.db, "INSERT INTO listings (title, price_cents) VALUES ('By SQL', 500)"
                       " RETURNING id")[0][0]
    assert [x["id"] for x in page(a).json()] == [new_id] + ids[::-1]
    sql(a.db, "DELETE FROM listings WHERE id = %s", (ids[1],))
    assert [x["id"] for x in page(a).json()] == [new_id, ids[2], ids[0]]

    # by the other instance
    r = requests.patch(b.url + f"/api/listings/{ids[0]}", json={"title": "Renamed by b"},
                       timeout=10)
    assert r.status_code == 200, r.text
    assert listing_in(a, ids[0])["title"] == "Renamed by b"
    # what the warm instance answers is what a fresh rendering gives, to the byte
    assert page(a).content == page(b).content
    assert [single(a, x["id"]) for x in page(a).json()] == page(b).json()
    # filters and pages go through the same path
    assert [x["id"] for x in page(a, "/api/listings?q=by%20sql").json()] == [new_id]
    r = page(a, "/api/listings?limit=1")
    assert r.json()[0]["id"] == new_id and f"cursor={new_id}" in r.headers["Link"]


def test_image_changes_change_the_answer(two_apis, photos):
    a, _ = two_apis
    lid = create(a, {"title": "Desk", "price": "120"}, photos[:1]).json()["id"]
    other = create(a, {"title": "Chair", "price": "20"}, photos[:1]).json()["id"]
    first = listing_in(a, lid)
    assert len(first["images"]) == 1
    v0, other_v = version(a, lid), version(a, other)

    files = [("images", (p.name, open(p, "rb"), "image/jpeg")) for p in photos[1:]]
    r = requests.post(a.url + f"/api/listings/{lid}/images", files=files, timeout=30)
    for _, (_, fh, _) in files:
        fh.close()
    assert r.status_code in (200, 201), r.text
    added = listing_in(a, lid)
    assert len(added["images"]) == 3 and added == single(a, lid)
    v1 = version(a, lid)
    assert v1 > v0
    # an image change is not an edit of the listing: updated_at stays as it was
    assert added["updated_at"] == first["updated_at"]

    order = [img["id"] for img in added["images"]][::-1]
    r = requests.put(a.url + f"/api/listings/{lid}/images", json={"order": order}, timeout=10)
    assert r.status_code == 200, r.text
    reordered = listing_in(a, lid)
    assert [img["id"] for img in reordered["images"]] == order and reordered == single(a, lid)
    v2 = version(a, lid)
    assert v2 > v1

    r = requests.delete(a.url + f"/api/listings/{lid}/images/{order[0]}", timeout=10)
    assert r.status_code in (200, 204), r.text
    removed = listing_in(a, lid)
    assert [img["id"] for img in removed["images"]] == order[1:] and removed == single(a, lid)
    assert version(a, lid) > v2
    # the other listing was not touched
    assert version(a, other) == other_v


def test_versions_are_never_reused(two_apis):
    a, _ = two_apis
    lid = sql(a.db, "INSERT INTO listings (title, price_cents) VALUES ('Old', 100) RETURNING id")[0][0]
    old = version(a, lid)
    assert listing_in(a, lid)["title"] == "Old"  # kept by the api at its version
    sql(a.db, "DELETE FROM listings WHERE id = %s", (lid,))
    # the same id again (identity columns allow it with OVERRIDING SYSTEM VALUE)
    sql(a.db, "INSERT INTO listings (id, title, price_cents) OVERRIDING SYSTEM VALUE"
              " VALUES (%s, 'New', 100)", (lid,))
    assert version(a, lid) > old
    assert listing_in(a, lid)["title"] == "New"
