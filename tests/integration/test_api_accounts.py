"""The api's marketplace accounts and responder settings over HTTP, against the real
PostgreSQL and Kafka: create (201 + Location), list, rename, start and stop; every change
puts the account's desired state on the compacted bb.monitor.desired (key = account id,
before the command) and start/stop put monitor.start/monitor.stop on bb.monitor.commands;
/api/polling/* acts on the same command for the default account; GET/PUT
/api/settings/responder with defaults, partial updates and errors that name the field; a
pacing change re-announces every account and restarts the running ones."""

import pytest
import requests

import api_messaging_support as rows
from conftest import sql
from test_api_foundation import api_env, wait_until

pytestmark = pytest.mark.timeout(180)

DEFAULT_PACING = {"active_min_ms": 3000, "active_max_ms": 5000, "idle_min_ms": 9000,
                  "idle_max_ms": 11000, "break_every_cycles": 75, "break_min_ms": 60000,
                  "break_max_ms": 120000}
DEFAULT_CAPS = {"max_sends_per_day": 100, "quiet_start": None, "quiet_end": None,
                "timezone": "UTC"}


@pytest.fixture
def api(services, fresh_db, tmp_path):
    return services.start("api", env=api_env(fresh_db, tmp_path))


def outbox(db):
    return sql(db, "SELECT topic, key, type, payload::json -> 'data' FROM outbox ORDER BY id")


def post(api, path, body):
    return requests.post(api.url + path, json=body, timeout=5)


def patch(api, path, body):
    return requests.patch(api.url + path, json=body, timeout=5)


def test_account_create_list_rename_start_stop(api, fresh_db, kcat):
    r = post(api, "/api/accounts", {"platform": "sandbox", "label": "Shop",
                                   "browser_profile": "/profiles/shop"})
    assert r.status_code == 201, r.text
    acc = rows.spec_check("Account", r.json())
    assert r.headers["Location"] == f"/api/accounts/{acc['id']}"
    assert acc["platform"] == "sandbox" and acc["label"] == "Shop"
    assert acc["browser_profile"] == "/profiles/shop" and acc["login_state"] == "unknown"
    assert acc["running"] is False and acc["monitor_running"] is False
    assert acc["cycle_count"] == 0 and acc["last_poll_at"] is None and acc["last_error"] is None
    key = str(acc["id"])
    [(topic, k, type_, data)] = outbox(fresh_db)
    assert (topic, k, type_) == ("bb.monitor.desired", key, "monitor.desired")
    assert data == {"account_id": acc["id"], "platform": "sandbox", "label": "Shop",
                    "running": False, "browser_profile": "/profiles/shop",
                    "pacing": DEFAULT_PACING, "caps": DEFAULT_CAPS}

    r = patch(api, f"/api/accounts/{acc['id']}", {"running": True, "label": "Shop 2"})
    assert r.status_code == 200, r.text
    assert r.json()["running"] is True and r.json()["label"] == "Shop 2"
    got = outbox(fresh_db)[1:]
    assert [(t, k, ty) for t, k, ty, _ in got] == [
        ("bb.monitor.desired", key, "monitor.desired"),
        ("bb.monitor.commands", key, "monitor.start")]
    assert got[0][3]["running"] is True and got[0][3]["label"] == "Shop 2"

    # the same state again changes nothing and announces nothing
    assert patch(api, f"/api/accounts/{acc['id']}", {"running": True}).status_code == 200
    assert len(outbox(fresh_db)) == 3

    # both reach Kafka (the topics outlive this test's database: ours are our outbox rows'),
    # the desired record on the compacted topic keyed by account, before the command
    ids = [e for (e,) in sql(fresh_db, "SELECT event_id::text FROM outbox ORDER BY id")][1:]
    desired = kcat.wait_for("bb.monitor.desired", lambda m: m["json"] and m["json"]["id"] == ids[0])
    assert len(desired) == 1 and desired[0]["key"] == key
    assert desired[0]["json"]["type"] == "monitor.desired"
    assert desired[0]["json"]["data"]["running"] is True
    start = kcat.wait_for("bb.monitor.commands", lambda m: m["json"] and m["json"]["id"] == ids[1])
    assert len(start) == 1 and start[0]["key"] == key
    assert start[0]["json"]["type"] == "monitor.start"
    assert start[0]["json"]["data"]["account_id"] == acc["id"]
    assert start[0]["partition"] == desired[0]["partition"]  # same key, same partition count

    r = patch(api, f"/api/accounts/{acc['id']}", {"running": False, "browser_profile": None})
    assert r.status_code == 200 and r.json()["running"] is False
    assert r.json()["browser_profile"] is None
    assert [ty for _, _, ty, _ in outbox(fresh_db)[3:]] == ["monitor.desired", "monitor.stop"]

    listed = rows.spec_check_list("Account", requests.get(api.url + "/api/accounts", timeout=5).json())
    assert [a["id"] for a in listed] == [acc["id"]]
    got = requests.get(api.url + f"/api/accounts/{acc['id']}", timeout=5).json()
    assert got == listed[0] and got["label"] == "Shop 2"


def test_account_errors_name_the_field(api, fresh_db):
    assert post(api, "/api/accounts", {"platform": "sandbox", "label": "A"}).status_code == 201
    n = len(outbox(fresh_db))
    cases = [
        ({"label": "B"}, 422, "platform"),
        ({"platform": "ebay", "label": "B"}, 422, "platform"),
        ({"platform": "sandbox"}, 422, "label"),
        ({"platform": "sandbox", "label": ""}, 422, "label"),
        ({"platform": "sandbox", "label": "x" * 101}, 422, "label"),
        ({"platform": "sandbox", "label": "B", "running": "yes"}, 422, "running"),
        ({"platform": "sandbox", "label": "B", "browser_profile": 5}, 422, "browser_profile"),
        ({"platform": "sandbox", "label": "A"}, 409, "label"),
    ]
    for body, status, field in cases:
        r = post(api, "/api/accounts", body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["field"] == field, (body, r.text)
    r = requests.post(api.url + "/api/accounts", data="nope", timeout=5)
    assert r.status_code == 400
    b = post(api, "/api/accounts", {"platform": "sandbox", "label": "B"}).json()
    n = len(outbox(fresh_db))
    r = patch(api, f"/api/accounts/{b['id']}", {"label": "A"})
    assert r.status_code == 409 and r.json()["field"] == "label", r.text
    r = patch(api, f"/api/accounts/{b['id']}", {"label": "é" * 100, "browser_profile": "ü" * 1000})
    assert r.status_code == 200 and r.json()["browser_profile"] == "ü" * 1000, r.text
    assert outbox(fresh_db)[-1][3]["browser_profile"] == "ü" * 1000
    n = len(outbox(fresh_db))
    assert patch(api, "/api/accounts/999", {"running": True}).status_code == 404
    assert requests.get(api.url + "/api/accounts/999", timeout=5).status_code == 404
    assert len(outbox(fresh_db)) == n


def test_polling_is_the_default_account_switch(api, fresh_db, kcat):
    status = rows.spec_check("PollingStatus",
                             requests.get(api.url + "/api/polling/status", timeout=5).json())
    assert status["account_id"] is None and status["last_poll_at"] is None
    r = post(api, "/api/polling/start", None)
    assert r.status_code == 200 and rows.spec_check("PollingSwitch", r.json())["status"] == "started"
    acc = r.json()["account_id"]
    assert [(t, ty) for t, _, ty, _ in outbox(fresh_db)] == [
        ("bb.monitor.desired", "monitor.desired"), ("bb.monitor.commands", "monitor.start")]
    listed = requests.get(api.url + "/api/accounts", timeout=5).json()
    assert listed[0]["id"] == acc and listed[0]["running"] is True
    assert listed[0]["platform"] == "facebook_marketplace" and listed[0]["label"] == "default"
    status = requests.get(api.url + "/api/polling/status", timeout=5).json()
    assert rows.spec_check("PollingStatus", status)["running"] is True
    assert status["account_id"] == acc
    assert patch(api, f"/api/accounts/{acc}", {"running": False}).json()["running"] is False
    assert post(api, "/api/polling/stop", None).json()["status"] == "already_stopped"


def test_settings_defaults_update_and_errors(api, fresh_db):
    r = requests.get(api.url + "/api/settings/responder", timeout=5)
    assert r.status_code == 200, r.text
    assert rows.spec_check("ResponderSettings", r.json()) == {"tone": None, "persona": None, "use_model": False, "model": None,
                        "auto_reply": True, "pacing": DEFAULT_PACING, "caps": DEFAULT_CAPS,
                        "updated_at": None}
    body = {"tone": "friendly", "use_model": True, "auto_reply": False,
            "caps": {"quiet_start": "22:00", "quiet_end": "07:30", "timezone": "Europe/Paris"}}
    r = requests.put(api.url + "/api/settings/responder", json=body, timeout=5)
    assert r.status_code == 200, r.text
    s = rows.spec_check("ResponderSettings", r.json())
    assert s["tone"] == "friendly" and s["persona"] is None and s["use_model"] is True
    assert s["auto_reply"] is False and s["pacing"] == DEFAULT_PACING and s["updated_at"]
    assert s["caps"] == {"max_sends_per_day": 100, "quiet_start": "22:00",
                         "quiet_end": "07:30", "timezone": "Europe/Paris"}
    assert requests.get(api.url + "/api/settings/responder", timeout=5).json() == s
    # no accounts: nothing to announce
    assert outbox(fresh_db) == []

    cases = [
        ({"tone": 5}, "tone"), ({"persona": "x" * 2001}, "persona"),
        ({"use_model": "yes"}, "use_model"), ({"pacing": []}, "pacing"),
        ({"pacing": {"active_min_ms": 50}}, "pacing.active_min_ms"),
        ({"pacing": {"idle_max_ms": 1.5}}, "pacing.idle_max_ms"),
        ({"pacing": {"active_min_ms": 6000}}, "pacing.active_max_ms"),
        ({"caps": {"max_sends_per_day": 0}}, "caps.max_sends_per_day"),
        ({"caps": {"quiet_start": "24:00"}}, "caps.quiet_start"),
        ({"caps": {"quiet_end": None}}, "caps.quiet_end"),
        ({"caps": {"timezone": "Mars/Olympus"}}, "caps.timezone"),
        ({"caps": {"timezone": ""}}, "caps.timezone"),
    ]
    for body, field in cases:
        r = requests.put(api.url + "/api/settings/responder", json=body, timeout=5)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, (body, r.text)
        assert field.split(".")[-1] in r.json()["detail"]
    assert requests.get(api.url + "/api/settings/responder", timeout=5).json() == s


def test_pacing_change_reannounces_every_account(api, fresh_db):
    a = post(api, "/api/accounts", {"platform": "sandbox", "label": "A", "running": True}).json()
    b = post(api, "/api/accounts", {"platform": "sandbox", "label": "B"}).json()
    assert [ty for _, _, ty, _ in outbox(fresh_db)] == [
        "monitor.desired", "monitor.start", "monitor.desired"]
    sql(fresh_db, "DELETE FROM outbox")
    r = requests.put(api.url + "/api/settings/responder", timeout=5,
                     json={"pacing": {"idle_min_ms": 2000, "idle_max_ms": 4000}})
    assert r.status_code == 200, r.text
    got = outbox(fresh_db)
    assert [(k, ty) for _, k, ty, _ in got] == [
        (str(a["id"]), "monitor.desired"), (str(a["id"]), "monitor.start"),
        (str(b["id"]), "monitor.desired")]
    assert got[0][3]["pacing"]["idle_min_ms"] == 2000 and got[0][3]["running"] is True
    assert got[2][3]["running"] is False
    # tone only: the monitor's part did not change, nothing is announced
    sql(fresh_db, "DELETE FROM outbox")
    r = requests.put(api.url + "/api/settings/responder", json={"tone": "brief"}, timeout=5)
    assert r.status_code == 200 and outbox(fresh_db) == []
