"""The fake eBay itself against the published contract (external-apis.md §4): what a client can
get wrong must fail there as it would on eBay (Basic auth, one-time codes, the RuName, token
expiry, Content-Language, a second offer for a SKU, publishing without policies), with eBay's
status codes and error envelope. No Kafka, no services."""

import base64
import urllib.parse

import pytest
import requests

from ebay_support import ebay  # noqa: F401  (fixture)

INV = "/sell/inventory/v1"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"  # the magic is checked


def basic(fake, secret=None):
    st = fake.state
    pair = f"{st.client_id}:{secret or st.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode(),
            "Content-Type": "application/x-www-form-urlencoded"}


def grant(fake, form, secret=None):
    return requests.post(fake.url + "/identity/v1/oauth2/token", headers=basic(fake, secret),
                         data=urllib.parse.urlencode(form), timeout=10)


def user_token(fake):
    r = grant(fake, {"grant_type": "authorization_code", "code": fake.consent_code(),
                     "redirect_uri": fake.state.ru_name})
    assert r.status_code == 200, r.text
    return r.json()


def call(fake, method, path, token, body=None, lang=True, **kw):
    headers = {"Authorization": f"Bearer {token}"}
    if lang:
        headers["Content-Language"] = "en-US"
    return requests.request(method, fake.url + path, headers=headers, json=body, timeout=10, **kw)


def error_id(r):
    return r.json()["errors"][0]["errorId"]


def test_oauth_grants(ebay):
    st = ebay.state
    code = ebay.consent_code()
    assert grant(ebay, {"grant_type": "authorization_code", "code": code,
                        "redirect_uri": st.ru_name}, secret="wrong").json()["error"] == \
        "invalid_client"
    r = grant(ebay, {"grant_type": "authorization_code", "code": code,
                     "redirect_uri": "https://not-the-runame"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    tok = user_token(ebay)
    assert tok["expires_in"] == 7200 and tok["refresh_token_expires_in"] == 47304000
    assert tok["token_type"] == "User Access Token"
    # a code works once
    r = grant(ebay, {"grant_type": "authorization_code", "code": code, "redirect_uri": st.ru_name})
    assert r.status_code == 200
    r = grant(ebay, {"grant_type": "authorization_code", "code": code, "redirect_uri": st.ru_name})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # refresh: a new access token, no new refresh token; a wider scope is refused
    r = grant(ebay, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
    assert r.status_code == 200 and "refresh_token" not in r.json()
    r = grant(ebay, {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"],
                     "scope": "https://api.ebay.com/oauth/api_scope/commerce.message"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    app = grant(ebay, {"grant_type": "client_credentials",
                       "scope": "https://api.ebay.com/oauth/api_scope"}).json()
    assert app["token_type"] == "Application Access Token"
    # an application token cannot list
    r = call(ebay, "GET", INV + "/offer?sku=x", app["access_token"])
    assert r.status_code == 403
    # the consent page: redirect_uri must be the RuName
    q = {"client_id": st.client_id, "redirect_uri": "https://x", "response_type": "code",
         "scope": "https://api.ebay.com/oauth/api_scope/sell.inventory"}
    assert requests.get(ebay.url + "/oauth2/authorize", params=q, allow_redirects=False,
                        timeout=10).status_code == 400


def test_tokens_expire(ebay):
    tok = user_token(ebay)["access_token"]
    assert call(ebay, "GET", "/sell/inventory/v1/location", tok).status_code == 200
    ebay.scenario(expire_tokens=True)
    r = call(ebay, "GET", "/sell/inventory/v1/location", tok)
    assert r.status_code == 401 and error_id(r) == 1001
    assert r.json()["errors"][0]["domain"] == "OAuth"
    ebay.scenario(access_ttl_s=0)
    tok = user_token(ebay)["access_token"]
    assert call(ebay, "GET", "/sell/inventory/v1/location", tok).status_code == 401


def test_listing_calls(ebay):
    tok = user_token(ebay)["access_token"]
    item = {"availability": {"shipToLocationAvailability": {"quantity": 1}},
            "condition": "USED_GOOD", "product": {"title": "Desk", "imageUrls": []}}
    r = call(ebay, "PUT", INV + "/inventory_item/bb-1", tok, item, lang=False)
    assert r.status_code == 400 and error_id(r) == 25709  # Content-Language is required
    assert error_id(call(ebay, "PUT", INV + "/inventory_item/bb-1", tok,
                         dict(item, condition="GOOD"))) == 25021
    assert call(ebay, "PUT", INV + "/inventory_item/bb-1", tok, item).status_code == 204
    r = call(ebay, "GET", INV + "/offer?sku=bb-1&marketplace_id=EBAY_US", tok)
    assert r.status_code == 404 and error_id(r) == 25713
    offer = {"sku": "bb-1", "marketplaceId": "EBAY_US", "format": "FIXED_PRICE",
             "pricingSummary": {"price": {"value": 25.0, "currency": "USD"}}}
    assert error_id(call(ebay, "POST", INV + "/offer", tok, offer)) == 25003  # value: a string
    offer["pricingSummary"]["price"]["value"] = "25.00"
    r = call(ebay, "POST", INV + "/offer", tok, offer)
    assert r.status_code == 201
    oid = r.json()["offerId"]
    r = call(ebay, "POST", INV + "/offer", tok, offer)
    assert r.status_code == 400 and error_id(r) == 25002
    assert r.json()["errors"][0]["parameters"] == [{"name": "offerId", "value": oid}]
    # publish needs photos, a category, the policies and the location
    r = call(ebay, "POST", f"{INV}/offer/{oid}/publish", tok)
    assert r.status_code == 400 and error_id(r) == 25014
    files = {"image": ("1.jpg", JPEG, "image/jpeg")}
    r = requests.post(ebay.url + "/commerce/media/v1_beta/image/create_image_from_file",
                      headers={"Authorization": f"Bearer {tok}"}, files=files, timeout=10)
    assert r.status_code == 201 and r.json()["imageUrl"].startswith("https://")
    assert requests.get(r.headers["Location"], headers={"Authorization": f"Bearer {tok}"},
                        timeout=10).json()["imageUrl"] == r.json()["imageUrl"]
    item["product"]["imageUrls"] = [r.json()["imageUrl"]]
    assert call(ebay, "PUT", INV + "/inventory_item/bb-1", tok, item).status_code == 204
    r = call(ebay, "POST", f"{INV}/offer/{oid}/publish", tok)
    assert error_id(r) == 25005
    full = dict(offer, categoryId="88433", merchantLocationKey="home",
                listingPolicies={"fulfillmentPolicyId": "6196932000",
                                 "paymentPolicyId": "6196933000",
                                 "returnPolicyId": "wrong"})
    assert call(ebay, "PUT", f"{INV}/offer/{oid}", tok, full).status_code == 204
    assert error_id(call(ebay, "POST", f"{INV}/offer/{oid}/publish", tok)) == 25009
    full["listingPolicies"]["returnPolicyId"] = "6196934000"
    call(ebay, "PUT", f"{INV}/offer/{oid}", tok, full)
    r = call(ebay, "POST", f"{INV}/offer/{oid}/publish", tok)
    assert r.status_code == 200, r.text
    lid = r.json()["listingId"]
    offers = call(ebay, "GET", INV + "/offer?sku=bb-1&marketplace_id=EBAY_US", tok).json()
    assert offers["offers"][0]["status"] == "PUBLISHED"
    assert offers["offers"][0]["listing"]["listingId"] == lid
    assert call(ebay, "POST", f"{INV}/offer/{oid}/withdraw", tok).json()["listingId"] == lid
    r = call(ebay, "POST", f"{INV}/offer/{oid}/withdraw", tok)
    assert r.status_code == 400 and error_id(r) == 25713


def test_scripted_failures_and_setup(ebay):
    tok = user_token(ebay)["access_token"]
    ebay.scenario(fail=[{"path": "/location", "status": 429, "retry_after": "3", "times": 1}])
    r = call(ebay, "GET", INV + "/location", tok)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3" and error_id(r) == 2001
    assert call(ebay, "GET", INV + "/location", tok).status_code == 200
    ebay.scenario(drop_policy="payment", drop_location=True)
    r = call(ebay, "GET", "/sell/account/v1/payment_policy?marketplace_id=EBAY_US", tok)
    assert r.json()["paymentPolicies"] == []
    assert call(ebay, "GET", INV + "/location", tok).json()["locations"] == []
    pytest.raises(KeyError, lambda: call(ebay, "GET", "/sell/account/v1/payment_policy", tok)
                  .json()["paymentPolicies"])  # marketplace_id is required
