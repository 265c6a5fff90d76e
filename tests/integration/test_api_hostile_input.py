"""Issue 11's findings 1 and 8, rerun as written: JSON nested 600 deep (1.2 KB) used to kill
the api with SIGSEGV in a civetweb worker; %FF in a query parameter reached PostgreSQL (500);
a \\u0000 inside a JSON string silently cut the title short. Each now gets a 4xx naming what
is wrong, and the api stays up."""

import pytest
import requests

from conftest import sql
from test_api_foundation import api_env

DEEP = "[" * 600 + "]" * 600


@pytest.fixture
def api(services, fresh_db, tmp_path):
    svc = services.start("api", env=api_env(fresh_db, tmp_path))
    svc.db = fresh_db
    return svc


def json_post(api, method, path, body):
    return requests.request(method, api.url + path, data=body.encode("utf-8", "surrogateescape"),
                            headers={"Content-Type": "application/json"}, timeout=10)


def listing(api):
    r = requests.post(api.url + "/api/listings", json={"title": "Oak lamp", "price": "20.00"},
                      timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.mark.parametrize("method,path", [("POST", "/api/listings"),
                                         ("PATCH", "/api/listings/{id}"),
                                         ("POST", "/api/listings/{id}/post"),
                                         ("PUT", "/api/settings/responder")])
def test_deep_json_is_refused_and_the_api_stays_up(api, method, path):
    lid = listing(api)
    for body in (DEEP, "[" * 550 + "]" * 550, '{"title":' + DEEP + "}"):
        r = json_post(api, method, path.format(id=lid), body)
        assert r.status_code == 400, (r.status_code, r.text)
        assert "nested deeper than 32 levels" in r.json()["detail"], r.text
        assert api.proc.poll() is None, "the api died"
    assert requests.get(api.url + "/healthz", timeout=5).status_code == 200
    # what a client really sends still works
    r = requests.patch(f"{api.url}/api/listings/{lid}", json={"price": "25.00"}, timeout=10)
    assert r.status_code == 200, r.text


def test_a_nul_in_a_json_string_is_refused_not_truncated(api):
    r = json_post(api, "POST", "/api/listings",
                  '{"title": "Lamp\\u0000 (broken, do not buy)", "price": "20.00"}')
    assert r.status_code == 400, r.text
    assert "NUL character" in r.json()["detail"], r.text
    assert sql(api.db, "SELECT count(*) FROM listings")[0][0] == 0
    # an escaped backslash before u0000 is ordinary text
    r = json_post(api, "POST", "/api/listings", '{"title": "C:\\\\u0000 lamp", "price": "2"}')
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "C:\\u0000 lamp"


def test_bytes_that_are_not_utf8_get_a_4xx_naming_where(api):
    r = requests.get(api.url + "/api/jobs?platform=%FF", timeout=10)
    assert r.status_code == 422, (r.status_code, r.text)
    assert r.json()["field"] == "platform", r.text
    r = requests.get(api.url + "/api/listings?q=%C3%28", timeout=10)
    assert r.status_code == 422, (r.status_code, r.text)
    r = requests.get(api.url + "/api/jobs?platform=a%00b", timeout=10)
    assert r.status_code == 422, (r.status_code, r.text)
    r = requests.post(api.url + "/api/listings", data=b'{"title": "caf\xe9", "price": "2"}',
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400, r.text
    assert "not valid UTF-8 at byte 14" in r.json()["detail"], r.text
    assert requests.get(api.url + "/api/jobs?platform=sandbox", timeout=10).status_code == 200
