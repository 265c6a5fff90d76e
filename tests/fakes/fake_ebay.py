#!/usr/bin/env python3
"""A fake eBay for tests, faithful to the published contract in shared/reference/external-apis.md
section 4 (OAuth token endpoint and consent, Sell Inventory API inventory items and offers, Media
API uploads, Taxonomy category suggestions, Account API business policies, inventory
locations), with eBay's error envelope {"errors":[{"errorId","domain","category","message",
"longMessage","parameters"}]}, status codes and token expiry. One seller account; one host
serves the REST APIs, the Media API (/commerce/media/v1_beta) and the consent page
(/oauth2/authorize).

Control API (not eBay's):
  POST /_control/scenario {...}   any of:
        "expire_tokens": true         every access token issued so far expires now
        "access_ttl_s": n             lifetime of access tokens issued from now (default 7200)
        "drop_policy": "fulfillment"|"payment"|"return"   the account loses that policy
        "drop_location": true         the account loses its inventory location
        "restore": true               policies and location back
        "fail": [{"path": "/publish", "method": "POST", "status": 429, "times": 2,
                  "retry_after": "1", "error_id": 2001}]   the next matching requests fail
        "revoke_refresh": true        refresh tokens issued so far are refused (invalid_grant)
  GET  /_control/state   {"offers": [...], "inventory_items": {...}, "images": n,
                          "grants": {grant_type: n}, "unauthorized": n, "requests": [...]}
  POST /_control/reset   forget everything (tokens, items, offers, scenario)
  POST /_control/consent {"scope": "..."} -> {"code": "..."} a code as if the seller agreed

Run: python3 tests/fakes/fake_ebay.py --port 0 --client-id ID --client-secret S --ru-name RU
It prints "fake-ebay listening on http://127.0.0.1:PORT". Tests may import FakeEbay.
Python standard library only.
"""

import argparse
import base64
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE_BASE = "https://api.ebay.com/oauth/api_scope"
USER_SCOPES = {SCOPE_BASE, SCOPE_BASE + "/sell.inventory", SCOPE_BASE + "/sell.inventory.readonly",
               SCOPE_BASE + "/sell.account", SCOPE_BASE + "/sell.account.readonly",
               SCOPE_BASE + "/commerce.message"}
CONDITIONS = {"NEW", "LIKE_NEW", "NEW_OTHER", "NEW_WITH_DEFECTS", "CERTIFIED_REFURBISHED",
              "EXCELLENT_REFURBISHED", "VERY_GOOD_REFURBISHED", "GOOD_REFURBISHED",
              "SELLER_REFURBISHED", "USED_EXCELLENT", "USED_VERY_GOOD", "USED_GOOD",
              "USED_ACCEPTABLE", "FOR_PARTS_OR_NOT_WORKING"}
# Category suggestions by keyword (EBAY_US tree 0); anything else is "Everything Else > Other".
CATEGORIES = [("desk", "11828", "Desks & Home Office Furniture"), ("chair", "54235", "Chairs"),
              ("bike", "177831", "Bicycles"), ("lamp", "112581", "Lamps"),
              ("camera", "31388", "Digital Cameras"),
              ("phone", "9355", "Cell Phones & Smartphones")]
OTHER = ("88433", "Other")
SKU_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,50}$")


class EbayError(Exception):
    def __init__(self, status, error_id, message, category="REQUEST", domain="API_INVENTORY",
                 parameters=None, headers=None):
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message
        self.category, self.domain = category, domain
        self.parameters = parameters or []
        self.headers = headers or {}

    def body(self):
        err = {"errorId": self.error_id, "domain": self.domain, "category": self.category,
               "message": self.message, "longMessage": self.message}
        if self.parameters:
            err["parameters"] = self.parameters
        return {"errors": [err]}


class OAuthError(Exception):
    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class State:
    """Everything the fake knows; guarded by one lock."""

    def __init__(self, client_id, client_secret, ru_name, accept_url):
        self.client_id, self.client_secret, self.ru_name = client_id, client_secret, ru_name
        self.accept_url = accept_url
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.codes = {}            # code -> {scope, expires}
        self.access = {}           # token -> {kind: user|app, scope, expires}
        self.refresh = {}          # token -> {scope, revoked}
        self.access_ttl = 7200
        self.items = {}            # sku -> inventory item
        self.offers = {}           # offerId -> offer
        self.images = {}           # image id -> {imageUrl, bytes, content_type}
        self.next_id = 1000
        self.next_listing = 110586279500
        self.policies = {"fulfillment": "6196932000", "payment": "6196933000",
                         "return": "6196934000"}
        self.location = "home"
        self.fail_rules = []
        self.grants = {}
        self.unauthorized = 0
        self.log = []

    def new_id(self):
        self.next_id += 1
        return str(self.next_id)


class FakeEbay:
    def __init__(self, client_id="bb-test-app", client_secret="bb-test-secret",
                 ru_name="Bye_Buy-ByeBuy-test-abcdef", port=0,
                 accept_url="https://bye-buy.invalid/ebay/accepted"):
        self.state = State(client_id, client_secret, ru_name, accept_url)
        fake = self

        class Handler(_Handler):
            state = fake.state

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # in-process control (same as the HTTP control API)
    def scenario(self, **kw):
        with self.state.lock:
            _apply_scenario(self.state, kw)

    def snapshot(self):
        with self.state.lock:
            return _snapshot(self.state)

    def consent_code(self, scope=SCOPE_BASE + "/sell.inventory " + SCOPE_BASE + "/sell.account"):
        with self.state.lock:
            return _issue_code(self.state, scope)


def _issue_code(st, scope):
    code = "v^1.1#i^1#r^1#" + secrets.token_urlsafe(24) + "=="  # eBay codes need URL-encoding
    st.codes[code] = {"scope": scope, "expires": time.time() + 299}
    return code


def _apply_scenario(st, kw):
    now = time.time()
    if kw.get("expire_tokens"):
        for t in st.access.values():
            t["expires"] = now - 1
    if "access_ttl_s" in kw:
        st.access_ttl = int(kw["access_ttl_s"])
    if kw.get("drop_policy"):
        st.policies.pop(kw["drop_policy"], None)
    if kw.get("drop_location"):
        st.location = None
    if kw.get("restore"):
        st.policies = {"fulfillment": "6196932000", "payment": "6196933000",
                       "return": "6196934000"}
        st.location = "home"
    if kw.get("revoke_refresh"):
        for t in st.refresh.values():
            t["revoked"] = True
    for rule in kw.get("fail", []):
        st.fail_rules.append(dict(rule, times=int(rule.get("times", 1))))


def _snapshot(st):
    return {"offers": [dict(o) for o in st.offers.values()],
            "inventory_items": {k: dict(v) for k, v in st.items.items()},
            "images": len(st.images), "grants": dict(st.grants),
            "unauthorized": st.unauthorized, "requests": list(st.log)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set by FakeEbay

    def log_message(self, *args):
        pass

    # ---- plumbing

    def _send(self, status, body=None, headers=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        self.send_response(status)
        if data or status not in (204, 302):
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _json(self, raw):
        try:
            v = json.loads(raw or b"null")
        except ValueError:
            raise EbayError(400, 2004, "Invalid request: the body is not JSON")
        if not isinstance(v, dict):
            raise EbayError(400, 2004, "Invalid request: expected a JSON object")
        return v

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        raw = self._body()
        st = self.state
        try:
            if path.startswith("/_control/"):
                return self._control(method, path, raw)
            with st.lock:
                st.log.append({"method": method, "path": path, "query": url.query,
                               "at": time.time()})
                self._maybe_fail(method, path)
            if path == "/identity/v1/oauth2/token" and method == "POST":
                return self._token(raw)
            if path == "/oauth2/authorize" and method == "GET":
                return self._authorize(query)
            route = ROUTES.get((method, _route_key(path)))
            if not route:
                raise EbayError(404, 2002, f"Resource not found: {method} {path}",
                                domain="API_INVENTORY")
            route[1](self, path, query, raw)
        except EbayError as e:
            self._send(e.status, e.body(), headers=e.headers)
        except OAuthError as e:
            self._send(e.status, {"error": e.error, "error_description": e.description})

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _maybe_fail(self, method, path):
        st = self.state
        for rule in st.fail_rules:
            if rule["times"] <= 0 or rule.get("path", "") not in path:
                continue
            if rule.get("method") and rule["method"] != method:
                continue
            rule["times"] -= 1
            status = int(rule.get("status", 500))
            headers = {}
            if rule.get("retry_after") is not None:
                headers["Retry-After"] = str(rule["retry_after"])
            if status == 429:
                raise EbayError(429, int(rule.get("error_id", 2001)),
                                "Too many requests. The request limit has been reached for the "
                                "resource.", domain="ACCESS", headers=headers)
            raise EbayError(status, int(rule.get("error_id", 25001)),
                            "A system error has occurred.", category="APPLICATION",
                            headers=headers)

    # ---- control

    def _control(self, method, path, raw):
        st = self.state
        with st.lock:
            if path == "/_control/state" and method == "GET":
                return self._send(200, _snapshot(st))
            if path == "/_control/reset" and method == "POST":
                st.reset()
                return self._send(200, {"ok": True})
            if path == "/_control/scenario" and method == "POST":
                _apply_scenario(st, json.loads(raw or b"{}"))
                return self._send(200, {"ok": True})
            if path == "/_control/consent" and method == "POST":
                body = json.loads(raw or b"{}")
                scope = body.get("scope", SCOPE_BASE + "/sell.inventory")
                return self._send(200, {"code": _issue_code(st, scope)})
        self._send(404, {"detail": "no such control route"})

    # ---- OAuth

    def _authorize(self, query):
        st = self.state
        q = {k: v[0] for k, v in query.items()}
        if q.get("client_id") != st.client_id:
            return self._send(400, raw=b"unknown client_id", ctype="text/plain")
        if q.get("redirect_uri") != st.ru_name:
            return self._send(400, raw=b"redirect_uri must be the app's RuName",
                              ctype="text/plain")
        if q.get("response_type") != "code":
            return self._send(400, raw=b"response_type must be code", ctype="text/plain")
        scopes = set((q.get("scope") or "").split())
        if not scopes or not scopes <= USER_SCOPES:
            # eBay rejects the whole consent when one scope is not granted to the keyset
            loc = st.accept_url + "?" + urllib.parse.urlencode(
                {"error": "invalid_scope", "state": q.get("state", "")})
            return self._send(302, headers={"Location": loc})
        with st.lock:
            code = _issue_code(st, " ".join(sorted(scopes)))
        loc = st.accept_url + "?" + urllib.parse.urlencode(
            {"state": q.get("state", ""), "code": code, "expires_in": "299"})
        self._send(302, headers={"Location": loc})

    def _client_ok(self):
        st = self.state
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            return False
        try:
            pair = base64.b64decode(auth[6:], validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return pair == f"{st.client_id}:{st.client_secret}"

    def _token(self, raw):
        st = self.state
        if not self._client_ok():
            raise OAuthError(401, "invalid_client", "client authentication failed")
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            raise OAuthError(400, "invalid_request", "request is missing a required parameter "
                             "or malformed (Content-Type)")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        grant = form.get("grant_type")
        now = time.time()
        with st.lock:
            st.grants[grant or "?"] = st.grants.get(grant or "?", 0) + 1
            if grant == "authorization_code":
                if form.get("redirect_uri") != st.ru_name:
                    raise OAuthError(400, "invalid_grant", "the redirect_uri does not match")
                code = st.codes.pop(form.get("code", ""), None)  # a code works once
                if not code or code["expires"] < now:
                    raise OAuthError(400, "invalid_grant", "the provided authorization grant "
                                     "code is invalid or was issued to another client")
                access = self._issue_access(st, "user", code["scope"])
                refresh = "v^1.1#i^1#f^0#r^1#" + secrets.token_urlsafe(32)
                st.refresh[refresh] = {"scope": code["scope"], "revoked": False}
                return self._send(200, {"access_token": access, "expires_in": st.access_ttl,
                                        "refresh_token": refresh,
                                        "refresh_token_expires_in": 47304000,
                                        "token_type": "User Access Token"})
            if grant == "refresh_token":
                r = st.refresh.get(form.get("refresh_token", ""))
                if not r or r["revoked"]:
                    raise OAuthError(400, "invalid_grant", "the provided authorization refresh "
                                     "token is invalid or was issued to another client")
                scope = form.get("scope") or r["scope"]
                if not set(scope.split()) <= set(r["scope"].split()):
                    raise OAuthError(400, "invalid_scope", "the requested scope is invalid, "
                                     "unknown, malformed, or exceeds the scope granted")
                access = self._issue_access(st, "user", scope)
                return self._send(200, {"access_token": access, "expires_in": st.access_ttl,
                                        "token_type": "User Access Token"})
            if grant == "client_credentials":
                access = self._issue_access(st, "app", form.get("scope") or SCOPE_BASE)
                return self._send(200, {"access_token": access, "expires_in": 7200,
                                        "token_type": "Application Access Token"})
        raise OAuthError(400, "unsupported_grant_type", "the grant type is not supported")

    @staticmethod
    def _issue_access(st, kind, scope):
        token = "v^1.1#i^1#p^3#" + secrets.token_urlsafe(32)
        st.access[token] = {"kind": kind, "scope": scope, "expires": time.time() + st.access_ttl}
        return token

    def _bearer(self, kinds=("user",), scope=None):
        """Checks Authorization: Bearer; raises 401 errorId 1001 like eBay."""
        st = self.state
        auth = self.headers.get("Authorization") or ""
        with st.lock:
            t = st.access.get(auth[7:]) if auth.startswith("Bearer ") else None
            if not t or t["expires"] < time.time():
                st.unauthorized += 1
                raise EbayError(401, 1001, "Invalid access token", domain="OAuth",
                                category="REQUEST")
            if t["kind"] not in kinds or (scope and scope not in t["scope"].split()):
                raise EbayError(403, 1100, "Insufficient permissions to fulfill the request.",
                                domain="ACCESS")

    def _content_language(self):
        if not self.headers.get("Content-Language"):
            raise EbayError(400, 25709, "Invalid value for header Content-Language.")


def _route_key(path):
    """Path with ids replaced, for the route table."""
    p = re.sub(r"^/sell/inventory/v1/inventory_item/[^/]+$", "/sell/inventory/v1/inventory_item/*",
               path)
    p = re.sub(r"^/sell/inventory/v1/offer/[^/]+", "/sell/inventory/v1/offer/*", p)
    p = re.sub(r"^/commerce/media/v1_beta/image/(?!create_)[^/]+$",
               "/commerce/media/v1_beta/image/*", p)
    p = re.sub(r"^/commerce/taxonomy/v1/category_tree/[^/]+/",
               "/commerce/taxonomy/v1/category_tree/*/", p)
    return p


def _last(path, n=1):
    return urllib.parse.unquote(path.rstrip("/").split("/")[-n])


# ---- Inventory API: items


def put_item(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    h._content_language()
    sku = _last(path)
    if not SKU_RE.match(sku):
        raise EbayError(400, 25707, f"This is an invalid value for a SKU: {sku}")
    item = h._json(raw)
    if item.get("condition") is not None and item["condition"] not in CONDITIONS:
        raise EbayError(400, 25021, "Invalid condition", parameters=[
            {"name": "condition", "value": str(item["condition"])}])
    product = item.get("product") or {}
    if len(product.get("title") or "") > 80:
        raise EbayError(400, 25002, "The title is longer than 80 characters.")
    urls = product.get("imageUrls") or []
    if len(urls) > 24 or any(not str(u).startswith("https://") for u in urls):
        raise EbayError(400, 25015, "Invalid picture URL: imageUrls must be HTTPS, at most 24")
    st = h.state
    with st.lock:
        st.items[sku] = item
    h._send(204)


def get_item(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    sku = _last(path)
    with h.state.lock:
        item = h.state.items.get(sku)
    if item is None:
        raise EbayError(404, 25702, f"SKU {sku} is not available in the system")
    h._send(200, dict(item, sku=sku))


# ---- Inventory API: offers

OFFER_FIELDS = ("availableQuantity", "categoryId", "listingDescription", "listingDuration",
                "listingPolicies", "merchantLocationKey", "pricingSummary", "quantityLimitPerBuyer",
                "storeCategoryNames", "tax", "includeCatalogProductDetails", "hideBuyerDetails")


def _check_price(offer):
    price = ((offer.get("pricingSummary") or {}).get("price") or {})
    if price and not isinstance(price.get("value"), str):
        raise EbayError(400, 25003, "Invalid price: pricingSummary.price.value must be a string")
    if price and not re.fullmatch(r"\d+(\.\d{1,2})?", price.get("value", "")):
        raise EbayError(400, 25003, f"Invalid price {price.get('value')!r}")


def create_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    h._content_language()
    body = h._json(raw)
    for f in ("sku", "marketplaceId", "format"):
        if not body.get(f):
            raise EbayError(400, 25017, f"{f} is missing", parameters=[{"name": "fieldName",
                                                                          "value": f}])
    _check_price(body)
    st = h.state
    with st.lock:
        if body["sku"] not in st.items:
            raise EbayError(400, 25702, f"SKU {body['sku']} is not available in the system")
        for o in st.offers.values():
            if o["sku"] == body["sku"] and o["marketplaceId"] == body["marketplaceId"]:
                raise EbayError(400, 25002, "Offer entity already exists.",
                                parameters=[{"name": "offerId", "value": o["offerId"]}])
        oid = st.new_id()
        offer = {"offerId": oid, "sku": body["sku"], "marketplaceId": body["marketplaceId"],
                 "format": body["format"], "status": "UNPUBLISHED"}
        offer.update({k: body[k] for k in OFFER_FIELDS if k in body})
        st.offers[oid] = offer
    h._send(201, {"offerId": oid, "warnings": []})


def get_offers(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    sku = (query.get("sku") or [""])[0]
    mp = (query.get("marketplace_id") or [None])[0]
    if not sku:
        raise EbayError(400, 25707, "Invalid SKU: sku is required")
    with h.state.lock:
        offers = [dict(o) for o in h.state.offers.values()
                  if o["sku"] == sku and (mp is None or o["marketplaceId"] == mp)]
    if not offers:  # as eBay: no offer for the SKU is a 404
        raise EbayError(404, 25713, "This Offer is not available.")
    h._send(200, {"href": h.path, "limit": 25, "offset": 0, "total": len(offers),
                  "size": len(offers), "offers": offers})


def _offer(st, path, n=1):
    oid = _last(path, n)
    o = st.offers.get(oid)
    if o is None:
        raise EbayError(404, 25713, "This Offer is not available.")
    return o


def get_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    with h.state.lock:
        o = dict(_offer(h.state, path))
    h._send(200, o)


def update_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    h._content_language()
    body = h._json(raw)
    _check_price(body)
    st = h.state
    with st.lock:
        o = _offer(st, path)
        for k in OFFER_FIELDS:  # a full replace: omitted fields are cleared
            if k in body:
                o[k] = body[k]
            else:
                o.pop(k, None)
        o["revisions"] = o.get("revisions", 0) + 1
    h._send(204)


def _publish_checks(st, o):
    item = st.items.get(o["sku"])
    if item is None:
        raise EbayError(400, 25702, f"SKU {o['sku']} is not available in the system")
    product = item.get("product") or {}
    if not product.get("title"):
        raise EbayError(400, 25016, "Invalid title", parameters=[{"name": "fieldName",
                                                                    "value": "title"}])
    if not product.get("imageUrls"):
        raise EbayError(400, 25014, "At least 1 picture is required to publish")
    if not item.get("condition"):
        raise EbayError(400, 25021, "A condition is required")
    if not o.get("categoryId"):
        raise EbayError(400, 25005, "Invalid category: categoryId is missing")
    if not ((o.get("pricingSummary") or {}).get("price") or {}).get("value"):
        raise EbayError(400, 25003, "Invalid price: missing")
    pol = o.get("listingPolicies") or {}
    for kind, field, err in (("fulfillment", "fulfillmentPolicyId", 25007),
                             ("payment", "paymentPolicyId", 25008),
                             ("return", "returnPolicyId", 25009)):
        if not pol.get(field) or st.policies.get(kind) != pol[field]:
            raise EbayError(400, err, f"Please add a valid {kind} policy to your offer.",
                            category="BUSINESS")
    if not o.get("merchantLocationKey") or o["merchantLocationKey"] != st.location:
        raise EbayError(400, 25012, "Please add a valid location to your offer.",
                        category="BUSINESS")


def publish_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    st = h.state
    with st.lock:
        o = _offer(st, path, 2)
        _publish_checks(st, o)
        if o["status"] != "PUBLISHED":
            st.next_listing += 1
            o["status"] = "PUBLISHED"
            o["listing"] = {"listingId": str(st.next_listing), "listingStatus": "ACTIVE"}
            o["publishes"] = o.get("publishes", 0) + 1
        lid = o["listing"]["listingId"]
    h._send(200, {"listingId": lid, "warnings": []})


def withdraw_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    st = h.state
    with st.lock:
        o = _offer(st, path, 2)
        if o["status"] != "PUBLISHED":
            raise EbayError(400, 25713, "This Offer is not available.")
        lid = o["listing"]["listingId"]
        o["status"] = "UNPUBLISHED"
        o["listing"] = {"listingId": lid, "listingStatus": "ENDED"}
        o["withdrawals"] = o.get("withdrawals", 0) + 1
    h._send(200, {"listingId": lid, "warnings": []})


def delete_offer(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    with h.state.lock:
        o = _offer(h.state, path)
        del h.state.offers[o["offerId"]]
    h._send(204)


# ---- Media API


def _multipart_image(h, raw):
    ctype = h.headers.get("Content-Type") or ""
    m = re.match(r'multipart/form-data;\s*boundary="?([^";]+)"?', ctype)
    if not m:
        raise EbayError(400, 190001, "Content-Type must be multipart/form-data",
                        domain="API_MEDIA")
    delim = b"--" + m.group(1).encode()
    for part in raw.split(delim)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        if b'name="image"' in head:
            if data.endswith(b"\r\n"):
                data = data[:-2]
            pt = re.search(rb"Content-Type:\s*([^\r\n]+)", head, re.I)
            return data, (pt.group(1).decode() if pt else "application/octet-stream")
    raise EbayError(400, 190002, "The form part 'image' is missing", domain="API_MEDIA")


def create_image(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    data, ctype = _multipart_image(h, raw)
    magic = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"GIF8": "image/gif",
             b"RIFF": "image/webp"}
    if not any(data.startswith(k) for k in magic):
        raise EbayError(400, 190003, "The file is not a supported image", domain="API_MEDIA")
    st = h.state
    with st.lock:
        iid = "v1|" + secrets.token_hex(8)
        url = f"https://i.ebayimg.sandbox.ebay.com/images/g/{iid[3:]}/s-l1600.jpg"
        exp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 30 * 86400))
        st.images[iid] = {"imageUrl": url, "expirationDate": exp, "size": len(data),
                          "content_type": ctype}
    loc = f"{h.state_base()}/commerce/media/v1_beta/image/{urllib.parse.quote(iid, safe='')}"
    h._send(201, {"imageUrl": url, "expirationDate": exp}, headers={"Location": loc})


def get_image(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    with h.state.lock:
        im = h.state.images.get(_last(path))
    if not im:
        raise EbayError(404, 190004, "The image does not exist or has expired",
                        domain="API_MEDIA")
    h._send(200, {"imageUrl": im["imageUrl"], "expirationDate": im["expirationDate"]})


def _state_base(self):
    host = self.headers.get("Host") or "127.0.0.1"
    return f"http://{host}"


_Handler.state_base = _state_base


# ---- Taxonomy API (application token)


def default_tree(h, path, query, raw):
    h._bearer(kinds=("app", "user"))
    if not (query.get("marketplace_id") or [""])[0]:
        raise EbayError(400, 62004, "The marketplace_id is missing", domain="API_TAXONOMY")
    h._send(200, {"categoryTreeId": "0", "categoryTreeVersion": "130"})


def suggestions(h, path, query, raw):
    h._bearer(kinds=("app", "user"))
    q = (query.get("q") or [""])[0].lower()
    if not q.strip():
        raise EbayError(400, 62000, "The q parameter is missing", domain="API_TAXONOMY")
    found = [(cid, name) for word, cid, name in CATEGORIES if word in q] or [OTHER]
    h._send(200, {"categoryTreeId": "0", "categoryTreeVersion": "130", "categorySuggestions": [
        {"category": {"categoryId": cid, "categoryName": name},
         "categoryTreeNodeAncestors": [], "categoryTreeNodeLevel": 2, "relevancy": "100"}
        for cid, name in found]})


# ---- Account API and locations


def _policies(kind, array, field):
    def handler(h, path, query, raw):
        h._bearer(scope=SCOPE_BASE + "/sell.account")
        mp = (query.get("marketplace_id") or [""])[0]
        if not mp:
            raise EbayError(400, 20401, "Missing field marketplaceId.", domain="API_ACCOUNT")
        with h.state.lock:
            pid = h.state.policies.get(kind)
        items = [{field: pid, "name": f"Default {kind}", "marketplaceId": mp}] if pid else []
        h._send(200, {"href": h.path, "total": len(items), array: items})
    return handler


def locations(h, path, query, raw):
    h._bearer(scope=SCOPE_BASE + "/sell.inventory")
    with h.state.lock:
        key = h.state.location
    locs = [{"merchantLocationKey": key, "merchantLocationStatus": "ENABLED",
             "locationTypes": ["WAREHOUSE"], "name": "Home",
             "location": {"address": {"postalCode": "95125", "country": "US"}}}] if key else []
    h._send(200, {"total": len(locs), "locations": locs})


ROUTES = {
    ("PUT", "/sell/inventory/v1/inventory_item/*"): ("createOrReplaceInventoryItem", put_item),
    ("GET", "/sell/inventory/v1/inventory_item/*"): ("getInventoryItem", get_item),
    ("POST", "/sell/inventory/v1/offer"): ("createOffer", create_offer),
    ("GET", "/sell/inventory/v1/offer"): ("getOffers", get_offers),
    ("GET", "/sell/inventory/v1/offer/*"): ("getOffer", get_offer),
    ("PUT", "/sell/inventory/v1/offer/*"): ("updateOffer", update_offer),
    ("DELETE", "/sell/inventory/v1/offer/*"): ("deleteOffer", delete_offer),
    ("POST", "/sell/inventory/v1/offer/*/publish"): ("publishOffer", publish_offer),
    ("POST", "/sell/inventory/v1/offer/*/withdraw"): ("withdrawOffer", withdraw_offer),
    ("GET", "/sell/inventory/v1/location"): ("getInventoryLocations", locations),
    ("POST", "/commerce/media/v1_beta/image/create_image_from_file"): ("createImageFromFile",
                                                                       create_image),
    ("GET", "/commerce/media/v1_beta/image/*"): ("getImage", get_image),
    ("GET", "/commerce/taxonomy/v1/get_default_category_tree_id"): ("getDefaultCategoryTreeId",
                                                                    default_tree),
    ("GET", "/commerce/taxonomy/v1/category_tree/*/get_category_suggestions"): (
        "getCategorySuggestions", suggestions),
    ("GET", "/sell/account/v1/fulfillment_policy"): (
        "getFulfillmentPolicies", _policies("fulfillment", "fulfillmentPolicies",
                                            "fulfillmentPolicyId")),
    ("GET", "/sell/account/v1/payment_policy"): (
        "getPaymentPolicies", _policies("payment", "paymentPolicies", "paymentPolicyId")),
    ("GET", "/sell/account/v1/return_policy"): (
        "getReturnPolicies", _policies("return", "returnPolicies", "returnPolicyId")),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", default="bb-test-app")
    ap.add_argument("--client-secret", default="bb-test-secret")
    ap.add_argument("--ru-name", default="Bye_Buy-ByeBuy-test-abcdef")
    a = ap.parse_args()
    fake = FakeEbay(a.client_id, a.client_secret, a.ru_name, a.port)
    print(f"fake-ebay listening on {fake.url}", flush=True)
    try:
        fake.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
