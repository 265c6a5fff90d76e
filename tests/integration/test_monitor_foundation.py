"""byebuy-monitor's foundation against the real Kafka broker: monitor.start/stop publish
monitor.status (and heartbeats while running), message.send for an account that does not run
here is answered with message.send_failed (not_running), a garbage command lands in bb.dlq and
the consumer goes on, SIGTERM exits 0 within 5 s, bad configuration exits 1 naming the
variable. No browser here (WEBDRIVER_URL points nowhere): the inbox itself is covered by
test_monitor_inbox.py."""

import os
import random
import subprocess
import time
import uuid

from conftest import BIN_DIR, cloudevent, free_port
from monitor_support import fresh_group


def account_id():
    # unique per test run, well below 2^53
    return random.randint(10**9, 10**12)


def start_monitor(services, **env):
    # at the end of bb.monitor.commands: other tests' commands never replay here
    base = {"KAFKA_GROUP_ID": fresh_group(services.kafka_bootstrap),
            "MONITOR_HEARTBEAT_MS": "1000",
            "WEBDRIVER_URL": f"http://127.0.0.1:{free_port()}",
            "MONITOR_BROWSER_RETRY_MS": "60000"}
    base.update(env)
    return services.start("monitor", env=base)


def statuses(kcat, account, count=1, timeout=20):
    key = str(account)
    return kcat.wait_for(
        "bb.monitor.events",
        lambda m: m["key"] == key and m["json"] and m["json"]["type"] == "monitor.status",
        count=count, timeout=timeout)


def test_start_stop_publish_status_and_heartbeats(services, kcat):
    mon = start_monitor(services)
    acct = account_id()
    kcat.produce("bb.monitor.commands", str(acct),
                 cloudevent("monitor.start", {"account_id": acct}, subject=str(acct)))
    first = statuses(kcat, acct)
    assert first, mon.log_tail()
    ev = first[0]["json"]
    assert ev["source"] == "byebuy/monitor"
    assert ev["subject"] == str(acct)
    st = ev["data"]["status"]
    assert ev["data"]["account_id"] == acct
    assert (st["running"], st["cycle"], st["last_poll_at"], st["login_required"]) == \
        (True, 0, None, False)
    # no chromedriver: the error says so (or the first attempt has not failed yet)
    assert st["last_error"] is None or st["last_error"].startswith("browser_error"), st
    # heartbeats while running (interval 1 s in this test)
    assert len(statuses(kcat, acct, count=3, timeout=15)) >= 3

    kcat.produce("bb.monitor.commands", str(acct),
                 cloudevent("monitor.stop", {"account_id": acct}, subject=str(acct)))
    stopped = kcat.wait_for(
        "bb.monitor.events",
        lambda m: m["key"] == str(acct) and m["json"]
        and m["json"]["data"]["status"]["running"] is False, timeout=20)
    assert stopped, mon.log_tail()
    # once stopped, the heartbeats of this account stop too
    n = len(statuses(kcat, acct, count=1, timeout=0))
    time.sleep(2.5)
    assert len(statuses(kcat, acct, count=1, timeout=0)) == n
    assert mon.alive()


def test_send_for_an_account_not_running_is_answered_with_send_failed(services, kcat):
    mon = start_monitor(services)
    acct = account_id()
    thread = f"th-{uuid.uuid4().hex[:10]}"
    kcat.produce("bb.monitor.commands", str(acct),
                 cloudevent("message.send", {"account_id": acct, "message_id": 555,
                                             "thread_id": thread, "text": "Still available!"}))
    found = kcat.wait_for("bb.monitor.events", lambda m: m["key"] == thread, timeout=20)
    assert found, mon.log_tail()
    ev = found[0]["json"]
    assert ev["type"] == "message.send_failed"
    assert ev["data"]["account_id"] == acct
    assert ev["data"]["message_id"] == 555
    assert ev["data"]["thread"]["id"] == thread
    assert ev["data"]["status"]["last_error"].startswith("not_running: "), ev


def test_garbage_goes_to_dlq_and_consumer_goes_on(services, kcat):
    mon = start_monitor(services)
    key = f"garbage-{uuid.uuid4().hex[:10]}"
    acct = account_id()
    kcat.produce("bb.monitor.commands", key, "this is not json {")
    kcat.produce("bb.monitor.commands", key,
                 cloudevent("monitor.start", {"account_id": "not a number"}))
    # same key, so same partition: the valid command after the poison ones is handled
    kcat.produce("bb.monitor.commands", key,
                 cloudevent("monitor.start", {"account_id": acct}))
    dlq = kcat.wait_for("bb.dlq", lambda m: m["key"] == key, count=2, timeout=20)
    assert len(dlq) == 2, mon.log_tail()
    reasons = sorted(m["json"]["data"]["reason"] for m in dlq)
    assert reasons == ["account_id: expected an integer", "not JSON"]
    bad = [m for m in dlq if m["json"]["data"]["reason"] == "not JSON"][0]["json"]
    assert bad["type"] == "dlq.message"
    assert bad["data"]["topic"] == "bb.monitor.commands"
    assert bad["data"]["payload"] == "this is not json {"
    assert statuses(kcat, acct), mon.log_tail()
    assert "bb.dlq: not JSON" in mon.log_text()


def test_sigterm_exits_zero_within_5s(services):
    mon = start_monitor(services)
    t0 = time.monotonic()
    mon.kill(15)
    rc = mon.wait_exit(timeout=10)
    elapsed = time.monotonic() - t0
    assert rc == 0, mon.log_tail()
    assert elapsed < 5, f"took {elapsed:.1f}s"
    log = mon.log_text()
    # the "bye" line, not the "byebuy-monitor" of the logged KAFKA_CLIENT_ID
    assert log.index("shutting down") < log.index(" bye\n")


def test_bad_config_exits_1_naming_the_variable(kafka_bootstrap, free_port):
    binary = BIN_DIR / "byebuy-monitor"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HEALTH_PORT": str(free_port())}
    r = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=20,
                       cwd="/tmp")
    assert r.returncode == 1
    assert "KAFKA_BOOTSTRAP_SERVERS" in r.stderr
    env.update({"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "HEALTH_PORT": "eighty"})
    r = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=20,
                       cwd="/tmp")
    assert r.returncode == 1
    assert "HEALTH_PORT" in r.stderr
    env.update({"HEALTH_PORT": str(free_port()), "KAFKA_NO_SUCH_SETTING": "1"})
    r = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=20,
                       cwd="/tmp")
    assert r.returncode == 1
    assert "KAFKA_NO_SUCH_SETTING" in r.stderr
