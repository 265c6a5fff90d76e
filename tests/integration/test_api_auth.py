"""Issue 11, login, CSRF and Host: an api with AUTH=login answers nothing but its public paths
and the login without a session or an API token; tokens are created (CLI and api), listed and
revoked; the login is rate-limited; a write with the session cookie needs the api's own Origin
(or the CSRF token); a Host that is not in ALLOWED_HOSTS is refused (421); AUTH=none is
refused on a listener that is not loopback."""

import os
import re
import uuid

import pytest
import requests

from conftest import LOGIN_ENV, OWNER_PASSWORD, api_cli, api_token, sql

pytestmark = pytest.mark.timeout(180)


def problem(r, status):
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status
    return body


def listing(api, headers=None, session=None, title="Lamp"):
    return (session or requests).post(api.url + "/api/listings", headers=headers,
                                      data={"title": title, "description": "d", "price": "10"},
                                      timeout=10)


def count(db, table):
    return sql(db, f"SELECT count(*) FROM {table}")[0][0]


def test_without_credentials_everything_but_public_paths_is_401(login_api):
    for path in ("/api/listings", "/api/jobs", "/api/tokens", "/api/openapi.json",
                 "/api/settings/responder", "/uploads/x.jpg", "/api/events"):
        body = problem(requests.get(login_api.url + path, timeout=5), 401)
        assert "log in" in body["detail"]
    r = requests.get(login_api.url + "/api/listings", timeout=5)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    problem(listing(login_api), 401)
    problem(requests.post(login_api.url + "/api/polling/start", json={}, timeout=5), 401)
    assert count(login_api.db, "listings") == 0
    for path in ("/healthz", "/readyz", "/metrics"):
        assert requests.get(login_api.url + path, timeout=5).status_code == 200, path
    # the dashboard's files and the session probe are open: the login page is one of them
    assert requests.get(login_api.url + "/", timeout=5).status_code == 200
    s = requests.get(login_api.url + "/api/auth/session", timeout=5).json()
    assert s == {"auth": "login", "authenticated": False, "password_set": True,
                 "csrf_token": None}
    # a wrong or revoked token is no better than none
    problem(requests.get(login_api.url + "/api/listings", timeout=5,
                         headers={"Authorization": "Bearer bb_nope"}), 401)
    problem(requests.get(login_api.url + "/api/listings", timeout=5,
                         headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)


def test_token_cli_bearer_and_token_api(login_api):
    assert requests.get(login_api.url + "/api/listings", headers=login_api.bearer,
                        timeout=5).status_code == 200
    # bearer writes need no Origin (scripts) and are not refused for one either
    r = listing(login_api, headers=login_api.bearer)
    assert r.status_code == 201, r.text
    # create through the api: shown once, listed by prefix, only its hash stored
    r = requests.post(login_api.url + "/api/tokens", json={"name": "backup script"},
                      headers=login_api.bearer, timeout=5)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["name"] == "backup script" and made["token"].startswith(made["prefix"])
    assert r.headers["Location"] == f"/api/tokens/{made['id']}"
    listed = requests.get(login_api.url + "/api/tokens", headers=login_api.bearer,
                          timeout=5).json()
    assert [t["name"] for t in listed] == ["backup script", "test"]
    assert all("token" not in t for t in listed)
    stored = sql(login_api.db, "SELECT token_hash FROM api_tokens")
    assert all(made["token"] not in h and len(h) == 64 for (h,) in stored)
    mine = {"Authorization": "Bearer " + made["token"]}
    assert requests.get(login_api.url + "/api/jobs", headers=mine, timeout=5).status_code == 200
    # revoke: 204, then the token is refused and no longer listed; twice is 404
    r = requests.delete(login_api.url + f"/api/tokens/{made['id']}", headers=login_api.bearer,
                        timeout=5)
    assert r.status_code == 204, r.text
    problem(requests.get(login_api.url + "/api/jobs", headers=mine, timeout=5), 401)
    problem(requests.delete(login_api.url + f"/api/tokens/{made['id']}",
                            headers=login_api.bearer, timeout=5), 404)
    assert [t["name"] for t in requests.get(login_api.url + "/api/tokens",
                                            headers=login_api.bearer, timeout=5).json()] == ["test"]
    problem(requests.post(login_api.url + "/api/tokens", json={"name": "x" * 101},
                          headers=login_api.bearer, timeout=5), 422)


def test_token_cli_on_a_fresh_database_creates_the_owner(fresh_db):
    r = api_cli(fresh_db, "token", "create")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"bb_[A-Za-z0-9_-]{43}\n", r.stdout), r.stdout
    assert sql(fresh_db, "SELECT password_hash FROM auth_owner") == [(None,)]
    assert sql(fresh_db, "SELECT name FROM api_tokens") == [("cli",)]
    assert api_cli(fresh_db, "token", "create", "--bogus").returncode == 2
    r = api_cli("postgresql://postgres@127.0.0.1:1/none", "token", "create")
    assert r.returncode == 1 and r.stdout == ""


def test_login_session_cookie_csrf_and_logout(login_api):
    url = login_api.url
    body = problem(requests.post(url + "/api/auth/login", json={"password": "wrong one"},
                                 timeout=10), 401)
    assert body["detail"] == "wrong password"
    r = requests.post(url + "/api/auth/login", json={"password": OWNER_PASSWORD}, timeout=10)
    assert r.status_code == 204, r.text
    cookie = r.headers["Set-Cookie"]
    assert re.match(r"bb_session=bb_[A-Za-z0-9_-]{43}; ", cookie), cookie
    for flag in ("Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=604800"):
        assert flag in cookie, cookie
    assert "Secure" not in cookie  # plain http on loopback
    secret = r.cookies["bb_session"]
    assert sql(login_api.db, "SELECT count(*) FROM auth_sessions WHERE token_hash = %s",
               (secret,)) == [(0,)], "the session id itself must not be stored"
    jar = {"bb_session": secret}
    assert requests.get(url + "/api/listings", cookies=jar, timeout=5).status_code == 200
    state = requests.get(url + "/api/auth/session", cookies=jar, timeout=5).json()
    assert state["authenticated"] is True and len(state["csrf_token"]) == 64
    # a write with the cookie: from the api's own origin yes, from another no, without Origin
    # only with the CSRF token
    r = listing(login_api, headers={"Origin": url}, session=requests.Session())
    problem(r, 401)  # no cookie in that session
    s = requests.Session()
    s.cookies.set("bb_session", secret)
    assert listing(login_api, headers={"Origin": url}, session=s).status_code == 201
    assert listing(login_api, headers={"Referer": url + "/listings/new"},
                   session=s).status_code == 201
    body = problem(listing(login_api, headers={"Origin": "http://127.0.0.1:1"}, session=s), 403)
    assert "cross-origin" in body["detail"]
    problem(listing(login_api, headers={"Origin": "null"}, session=s), 403)
    problem(listing(login_api, session=s), 403)
    problem(listing(login_api, headers={"X-CSRF-Token": "0" * 64}, session=s), 403)
    assert listing(login_api, headers={"X-CSRF-Token": state["csrf_token"]},
                   session=s).status_code == 201
    assert count(login_api.db, "listings") == 3
    # logout ends it server-side too: the old cookie value is refused afterwards
    r = s.post(url + "/api/auth/logout", headers={"Origin": url}, timeout=5)
    assert r.status_code == 204 and "Max-Age=0" in r.headers["Set-Cookie"]
    problem(requests.get(url + "/api/listings", cookies=jar, timeout=5), 401)
    # a login from another origin is refused (login CSRF)
    problem(requests.post(url + "/api/auth/login", json={"password": OWNER_PASSWORD},
                          headers={"Origin": "http://127.0.0.1:1"}, timeout=10), 403)


def test_session_expires(services, fresh_db, tmp_path):
    from conftest import set_owner_password
    set_owner_password(fresh_db)
    api = services.start("api", env={**LOGIN_ENV, "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up"), "SESSION_TTL_S": "60"})
    r = requests.post(api.url + "/api/auth/login", json={"password": OWNER_PASSWORD}, timeout=10)
    assert "Max-Age=60" in r.headers["Set-Cookie"]
    jar = {"bb_session": r.cookies["bb_session"]}
    assert requests.get(api.url + "/api/jobs", cookies=jar, timeout=5).status_code == 200
    sql(fresh_db, "UPDATE auth_sessions SET expires_at = now() - interval '1 second'")
    body = problem(requests.get(api.url + "/api/jobs", cookies=jar, timeout=5), 401)
    assert "expired" in body["detail"]


def test_first_run_setup_link_is_single_use(services, fresh_db, tmp_path):
    r = api_cli(fresh_db, "owner", "setup-link", extra_env={"API_PUBLIC_URL": "http://x:1"})
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"http://x:1/setup#token=(bb_[A-Za-z0-9_-]{43})\n", r.stdout)
    assert m, r.stdout
    secret = m.group(1)
    api = services.start("api", env={**LOGIN_ENV, "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up")})
    assert requests.get(api.url + "/api/auth/session", timeout=5).json()["password_set"] is False
    # no password yet: login says how to set one
    body = problem(requests.post(api.url + "/api/auth/login", json={"password": "whatever1"},
                                 timeout=10), 409)
    assert "setup link" in body["detail"]
    problem(requests.post(api.url + "/api/auth/setup", json={"token": secret, "password": "short"},
                          timeout=10), 422)
    problem(requests.post(api.url + "/api/auth/setup",
                          json={"token": "bb_wrong", "password": "long enough 1"}, timeout=10), 403)
    r = requests.post(api.url + "/api/auth/setup",
                      json={"token": secret, "password": "long enough 1"}, timeout=10)
    assert r.status_code == 204, r.text
    assert requests.get(api.url + "/api/listings", cookies={"bb_session": r.cookies["bb_session"]},
                        timeout=5).status_code == 200
    # used: a second use is refused, and so is a new link now that a password is set
    problem(requests.post(api.url + "/api/auth/setup",
                          json={"token": secret, "password": "another one 2"}, timeout=10), 409)
    assert api_cli(fresh_db, "owner", "setup-link").returncode == 3
    assert requests.post(api.url + "/api/auth/login", json={"password": "long enough 1"},
                         timeout=10).status_code == 204
    (h,) = sql(fresh_db, "SELECT password_hash FROM auth_owner")[0]
    assert h.startswith("$argon2id$"), h


def test_setup_link_expires_and_a_new_one_replaces_it(services, fresh_db, tmp_path):
    first = api_cli(fresh_db, "owner", "setup-link", "--ttl", "60").stdout.strip()
    second = api_cli(fresh_db, "owner", "setup-link", "--ttl", "60").stdout.strip()
    api = services.start("api", env={**LOGIN_ENV, "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up")})

    def setup(link):
        return requests.post(api.url + "/api/auth/setup", timeout=10, json={
            "token": link.split("#token=")[1], "password": "long enough 1"})
    problem(setup(first), 403)  # replaced by the second
    sql(fresh_db, "UPDATE auth_setup_tokens SET expires_at = now() - interval '1 second'")
    problem(setup(second), 403)
    assert sql(fresh_db, "SELECT password_hash FROM auth_owner") == [(None,)]


def test_wrong_host_is_refused(login_api):
    port = login_api.port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"LOCALHOST:{port}"):
        r = requests.get(login_api.url + "/api/listings", headers={**login_api.bearer, "Host": host},
                         timeout=5)
        assert r.status_code == 200, (host, r.text)
    for host in (f"evil.example:{port}", f"127.0.0.1:{port + 1}", "localhost", f"rebind.{port}"):
        body = problem(requests.get(login_api.url + "/api/listings",
                                    headers={**login_api.bearer, "Host": host}, timeout=5), 421)
        assert "ALLOWED_HOSTS" in body["detail"], body
    # even the login page and the login: a rebinding page must not get a session either
    problem(requests.get(login_api.url + "/", headers={"Host": "evil.example"}, timeout=5), 421)
    problem(requests.post(login_api.url + "/api/auth/login", json={"password": OWNER_PASSWORD},
                          headers={"Host": "evil.example"}, timeout=10), 421)
    # health probes address the api by whatever name or IP they have
    assert requests.get(login_api.url + "/healthz", headers={"Host": "10.0.0.7:8080"},
                        timeout=5).status_code == 200


def test_allowed_hosts_configured(services, fresh_db, tmp_path):
    api = services.start("api", env={**LOGIN_ENV, "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up"),
                                     "ALLOWED_HOSTS": "bye.example.com, api"})
    token = api_token(fresh_db)
    h = {"Authorization": "Bearer " + token}
    assert requests.get(api.url + "/api/jobs", headers={**h, "Host": "api:8080"},
                        timeout=5).status_code == 200
    assert requests.get(api.url + "/api/jobs", headers={**h, "Host": "bye.example.com"},
                        timeout=5).status_code == 200
    problem(requests.get(api.url + "/api/jobs", headers=h, timeout=5), 421)  # 127.0.0.1:port


def test_login_rate_limited(services, fresh_db, tmp_path):
    from conftest import set_owner_password
    set_owner_password(fresh_db)
    api = services.start("api", env={**LOGIN_ENV, "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up"),
                                     "LOGIN_RATE_PER_CLIENT": "3", "LOGIN_RATE_GLOBAL": "100"})
    for _ in range(3):
        problem(requests.post(api.url + "/api/auth/login", json={"password": "guess guess"},
                              timeout=10), 401)
    # the right password does not get through either while the window lasts
    r = requests.post(api.url + "/api/auth/login", json={"password": OWNER_PASSWORD}, timeout=10)
    body = problem(r, 429)
    assert 1 <= int(r.headers["Retry-After"]) <= 60, r.headers
    assert "try again" in body["detail"]
    problem(requests.post(api.url + "/api/auth/setup", json={"token": "x", "password": "y" * 9},
                          timeout=10), 429)


def test_auth_none_refused_on_a_non_loopback_listener(services, fresh_db, tmp_path):
    api = services.start("api", wait=False, env={
        "AUTH": "none", "HTTP_HOST": "0.0.0.0", "DATABASE_URL": fresh_db,
        "UPLOAD_DIR": str(tmp_path / "up")})
    assert api.wait_exit(30) == 1, api.log_tail()
    assert "AUTH=none is refused: HTTP_HOST=0.0.0.0 is not a loopback address" in api.log_text()
    bad = services.start("api", wait=False, env={"AUTH": "maybe", "DATABASE_URL": fresh_db,
                                                 "UPLOAD_DIR": str(tmp_path / "up")})
    assert bad.wait_exit(30) == 1
    assert 'AUTH: "maybe" is neither login nor none' in bad.log_text()


def test_auth_none_on_loopback_warns_and_still_refuses_foreign_origins(services, fresh_db,
                                                                         tmp_path):
    api = services.start("api", env={"AUTH": "none", "DATABASE_URL": fresh_db,
                                     "UPLOAD_DIR": str(tmp_path / "up"),
                                     "CORS_ORIGINS": "http://localhost:3000"})
    assert "WARN  api AUTH=none: no authentication" in api.log_text()
    assert listing(api).status_code == 201  # scripts and curl: no Origin
    # the original Next.js frontend (no credentials, origin localhost:3000) keeps working
    r = listing(api, headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 201 and r.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    problem(listing(api, headers={"Origin": "http://127.0.0.1:4444"}), 403)
    problem(listing(api, headers={"Referer": "http://evil.example/x"}), 403)
    assert count(fresh_db, "listings") == 2
