"""Every answer of an api under test that a test reads is checked against the OpenAPI document
(services/api/openapi.json): its status must be declared for the operation (or by a 4XX/5XX
range), and a JSON body must validate against the declared schema (OpenAPI 3.0 rules, nullable
included, $refs resolved). conftest installs `check_response` as a hook on requests' Session,
which every test's requests.get/post/... goes through, for the URLs of apis the harness started;
a mismatch fails the test that read the answer, naming the field."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from openapi_schema_validator import OAS30Validator

SPEC_FILE = Path(__file__).resolve().parents[2] / "services" / "api" / "openapi.json"

API_BASES = set()  # "http://127.0.0.1:PORT" of every api the harness started

_ops = None


def _resolve(node, root, depth=0):
    if depth > 50:
        return node
    if isinstance(node, dict):
        if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
            target = root
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _resolve(target, root, depth + 1)
        return {k: _resolve(v, root, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, root, depth + 1) for v in node]
    return node


def _operations():
    global _ops
    if _ops is None:
        spec = json.loads(SPEC_FILE.read_text())
        _ops = []
        for path, item in spec["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?$")
            for method, op in item.items():
                if isinstance(op, dict) and "responses" in op:
                    _ops.append((rx, method.upper(), _resolve(op["responses"], spec)))
        # literal paths before templated ones (/api/settings/pacing before .../{platform})
        _ops.sort(key=lambda o: o[0].pattern.count("[^/]+"))
    return _ops


def problems(method, path, status, content_type, body):
    """What is wrong with one answer, as a list of sentences (empty: it agrees)."""
    if method == "HEAD":
        method = "GET"
    candidates = [o for o in _operations() if o[0].match(path)]
    if not candidates:
        return []  # not a documented path (the dashboard, a 404 probe): nothing to check
    responses = next((o[2] for o in candidates if o[1] == method), None)
    if responses is None:
        return [] if status in (404, 405, 204) or method == "OPTIONS" else \
            [f"{method} {path}: {status} for an undocumented method"]
    declared = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or \
        responses.get("default")
    if declared is None:
        return [f"{method} {path}: status {status} is not declared (declared: "
                f"{', '.join(responses)})"]
    ctype = (content_type or "").split(";")[0].strip()
    content = declared.get("content") or {}
    if not content or not body:
        return []
    media = content.get(ctype)
    if media is None:
        return [f"{method} {path}: {status} answered {ctype or 'no content type'}; declared "
                f"{', '.join(content)}"]
    schema = media.get("schema")
    if not schema or not ctype.endswith("json"):
        return []
    try:
        doc = json.loads(body)
    except ValueError:
        return [f"{method} {path}: {status} body is not JSON"]
    errors = sorted(OAS30Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    return [f"{method} {path}: {status} body at /{'/'.join(map(str, e.path))}: {e.message}"
            for e in errors[:5]]


def check_response(response, *args, **kwargs):
    """requests response hook: raises AssertionError when an api answer disagrees."""
    url = urlsplit(response.url)
    base = f"{url.scheme}://{url.netloc}"
    if base not in API_BASES or response.raw is None:
        return response
    ctype = response.headers.get("Content-Type", "")
    if ctype.startswith("text/event-stream"):
        return response  # a stream: reading it here would take it from the test
    if not response.request:
        return response
    found = problems(response.request.method, url.path, response.status_code, ctype,
                     response.content)
    if found:
        raise AssertionError("the api's answer disagrees with services/api/openapi.json:\n  " +
                             "\n  ".join(found))
    return response
