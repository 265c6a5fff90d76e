"""The api's OpenAPI document as served: the bytes of services/api/openapi.json (embedded in
the binary at build time), a valid OpenAPI 3 description (openapi-spec-validator, every $ref
resolved), with its content type and caching header, and /docs: Swagger UI from the dashboard's
build (frontend/docs.html, swagger-ui-dist pinned in frontend/package.json), whose page and
assets name no other host (test_spa_browser renders it in Chromium and records every request).
That the document and the route table agree is the unit test
services/api/tests/test_openapi_routes.c."""

import json
import re

import pytest
import requests
from openapi_spec_validator import validate

from conftest import ROOT
from test_api_foundation import api_env
from test_spa_browser import built_spa  # noqa: F401  (autouse: dist/ built, docs.html in it)

pytestmark = pytest.mark.timeout(120)

SPEC_FILE = ROOT / "services" / "api" / "openapi.json"


@pytest.fixture
def api(services, fresh_db, tmp_path):
    return services.start("api", env=api_env(fresh_db, tmp_path))


def test_openapi_served_is_the_file_and_valid(api):
    r = requests.get(api.url + "/api/openapi.json", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    # as before this change: the handler's "public, max-age=300" beside the "no-store" that
    # http_send_body gives every JSON answer (requests joins the two header lines)
    assert r.headers["Cache-Control"] == "public, max-age=300"  # one header: the document may be cached
    assert r.content == SPEC_FILE.read_bytes()
    doc = r.json()
    validate(doc)  # raises on an invalid document or an unresolvable $ref
    # the problem answer is written once, under components, and referenced from the paths
    assert "application/problem+json" in doc["components"]["responses"]["Problem"]["content"]
    assert "application/problem+json" not in json.dumps(doc["paths"])
    ref = {"$ref": "#/components/responses/Problem"}
    assert sum(r == ref for item in doc["paths"].values() for op in item.values()
               if isinstance(op, dict) for r in op["responses"].values()) >= 2


def test_docs_is_swagger_ui_served_offline(api):
    r = requests.get(api.url + "/docs", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["Cache-Control"] == "no-cache"  # it names the current hashed assets
    assert 'data-spec="/api/openapi.json"' in r.text and 'id="swagger-ui"' in r.text
    assert not re.search(r"https?://|\bsrc=\"//|\bhref=\"//", r.text), "the page names another host"
    refs = re.findall(r'(?:src|href)="(/assets/[^"]+)"', r.text)
    assert any(x.endswith(".js") for x in refs) and any(x.endswith(".css") for x in refs), refs
    for ref in refs:
        a = requests.get(api.url + ref, timeout=5)
        assert a.status_code == 200 and len(a.content) > 0, ref
        assert "immutable" in a.headers["Cache-Control"], ref
        if ref.endswith(".css"):
            # images and fonts inline (data:), none fetched from elsewhere
            assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", a.text), ref
        else:
            # no module imported from another host
            assert not re.search(r"""(?:import|from)\s*\(?\s*["'](?:https?:)?//""", a.text), ref
    head = requests.head(api.url + "/api/openapi.json", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == SPEC_FILE.stat().st_size
