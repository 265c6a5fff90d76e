"""byebuy-monitor against the sandbox's seller inbox with real Chromium (chromedriver) and
real Kafka: a buyer message posted through the sandbox's control route appears once as
message.received (a re-read duplicates nothing, "ok" twice is seen twice); a message.send puts
the reply into the sandbox thread once, also when the command is delivered again."""

import time
import uuid

import pytest

from monitor_support import (account_in_partition, buyer_writes, command, desired, events_of,
                             fingerprint, fresh_group, monitor_env, sandbox_thread, seed_item,
                             wait_events)


@pytest.fixture
def sandbox(services):
    return services.start("sandbox")


@pytest.fixture
def group(kafka_bootstrap):
    return fresh_group(kafka_bootstrap)


@pytest.fixture
def account(kafka_bootstrap):
    acct = account_in_partition()
    yield acct
    # later tests' monitors must not restore or restart it
    desired(kafka_bootstrap, acct, False)
    command(kafka_bootstrap, "monitor.stop", {"account_id": acct})


def start_watching(services, kafka_bootstrap, chromedriver, sandbox, group, acct):
    mon = services.start("monitor", env=monitor_env(chromedriver, sandbox.url, group))
    desired(kafka_bootstrap, acct, True)
    command(kafka_bootstrap, "monitor.start", {"account_id": acct})
    return mon


def cycles(kcat, acct):
    sts = events_of(kcat, acct, "monitor.status")
    return max([s["data"]["status"]["cycle"] for s in sts] or [0])


def test_buyer_message_is_received_once(services, kafka_bootstrap, kcat, chromedriver, sandbox,
                                        group, account):
    mon = start_watching(services, kafka_bootstrap, chromedriver, sandbox, group, account)
    item = seed_item(sandbox.url, "Oak desk " + uuid.uuid4().hex[:6])
    t = buyer_writes(sandbox.url, item, "Sam", "is this still available?")
    thread = t["thread_id"]
    got = wait_events(kcat, account, "message.received", key=thread, timeout=60)
    assert len(got) == 1, mon.log_tail(60)
    d = got[0]["data"]
    assert d["thread"]["id"] == thread
    assert d["thread"]["url"].endswith(f"/marketplace/t/{thread}/")
    assert item in (d["thread"]["listing_hint"] or "") or "Oak desk" in d["thread"]["listing_hint"]
    assert d["buyer"]["name"] == "Sam"
    assert d["message"] == {"fingerprint": fingerprint(thread, "buyer", "is this still available?",
                                                       1),
                            "text": "is this still available?", "sent_at": d["message"]["sent_at"],
                            "from": "buyer"}

    # more cycles: nothing is published again
    c0 = cycles(kcat, account)
    deadline = time.monotonic() + 30
    while cycles(kcat, account) < c0 + 5 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cycles(kcat, account) >= c0 + 5, mon.log_tail(40)
    assert len(events_of(kcat, account, "message.received", key=thread)) == 1

    # "ok" twice is seen twice
    buyer_writes(sandbox.url, item, "Sam", "ok")
    buyer_writes(sandbox.url, item, "Sam", "ok")
    got = wait_events(kcat, account, "message.received", count=3, key=thread, timeout=60)
    assert len(got) == 3, mon.log_tail(60)
    fps = [e["data"]["message"]["fingerprint"] for e in got]
    assert fps[1:] == [fingerprint(thread, "buyer", "ok", 1), fingerprint(thread, "buyer", "ok", 2)]
    time.sleep(3)
    assert len(events_of(kcat, account, "message.received", key=thread)) == 3
    assert mon.alive()


def test_send_puts_the_reply_once_even_when_redelivered(services, kafka_bootstrap, kcat,
                                                         chromedriver, sandbox, group, account):
    mon = start_watching(services, kafka_bootstrap, chromedriver, sandbox, group, account)
    item = seed_item(sandbox.url, "Bike " + uuid.uuid4().hex[:6])
    thread = buyer_writes(sandbox.url, item, "Alex", "would you take 80?")["thread_id"]
    assert wait_events(kcat, account, "message.received", key=thread, timeout=60), mon.log_tail()

    reply = "Hi Alex, 95 is the lowest I can go."
    send = {"account_id": account, "message_id": 4242, "thread_id": thread, "text": reply}
    command(kafka_bootstrap, "message.send", send)
    sent = wait_events(kcat, account, "message.sent", key=thread, timeout=60)
    assert len(sent) == 1, mon.log_tail(60)
    d = sent[0]["data"]
    assert d["message_id"] == 4242
    assert d["message"]["fingerprint"] == fingerprint(thread, "seller", reply, 1)
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == [reply]

    # the same command again (a redelivery): message.sent again, no second bubble
    command(kafka_bootstrap, "message.send", send)
    sent = wait_events(kcat, account, "message.sent", count=2, key=thread, timeout=60)
    assert len(sent) == 2, mon.log_tail(60)
    assert sent[1]["data"]["message"]["fingerprint"] == fingerprint(thread, "seller", reply, 1)
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == [reply]
    assert "was already sent (bubble found)" in mon.log_text()
    # the seller's own message is not reported as received
    time.sleep(2)
    assert len(events_of(kcat, account, "message.received", key=thread)) == 1

    # the marketplace refuses a send: message.send_failed with what the page said; the api's
    # retry (a new command) then goes out once
    import requests
    requests.post(sandbox.url + "/_sandbox/send-failures", json={"count": 1},
                  timeout=5).raise_for_status()
    again = {"account_id": account, "message_id": 4243, "thread_id": thread,
             "text": "Pickup is in Austin."}
    command(kafka_bootstrap, "message.send", again)
    failed = wait_events(kcat, account, "message.send_failed", key=thread, timeout=60)
    assert failed, mon.log_tail(40)
    reason = failed[0]["data"]["status"]["last_error"]
    assert reason.startswith("not_verified: ") and "Message not sent" in reason, reason
    command(kafka_bootstrap, "message.send", again)
    assert len(wait_events(kcat, account, "message.sent", count=3, key=thread, timeout=60)) == 3
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == [reply, "Pickup is in Austin."]

    # the buyer wrote again between the first send and a redelivery: the bubble is no longer
    # after the buyer's last message, but the command's occurrence (0: the first time this
    # text is sent) still finds it: message.sent, still exactly one bubble
    buyer_writes(sandbox.url, item, "Alex", "ok, deal")
    assert len(wait_events(kcat, account, "message.received", count=2, key=thread,
                           timeout=60)) == 2, mon.log_tail(60)
    command(kafka_bootstrap, "message.send", dict(send, occurrence=0))
    sent = wait_events(kcat, account, "message.sent", count=4, key=thread, timeout=60)
    assert len(sent) == 4, mon.log_tail(60)
    assert sent[3]["data"]["message"]["fingerprint"] == fingerprint(thread, "seller", reply, 1)
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == [reply, "Pickup is in Austin."]

    # the same text as a new message (occurrence 1) goes out, once, also when redelivered
    # after the buyer wrote again; its bubble is the text's second one
    twice = {"account_id": account, "message_id": 4244, "thread_id": thread, "text": reply,
             "occurrence": 1}
    command(kafka_bootstrap, "message.send", twice)
    sent = wait_events(kcat, account, "message.sent", count=5, key=thread, timeout=60)
    assert len(sent) == 5, mon.log_tail(60)
    assert sent[4]["data"]["message"]["fingerprint"] == fingerprint(thread, "seller", reply, 2)
    buyer_writes(sandbox.url, item, "Alex", "see you")
    assert len(wait_events(kcat, account, "message.received", count=3, key=thread,
                           timeout=60)) == 3, mon.log_tail(60)
    command(kafka_bootstrap, "message.send", twice)
    sent = wait_events(kcat, account, "message.sent", count=6, key=thread, timeout=60)
    assert len(sent) == 6, mon.log_tail(60)
    assert sent[5]["data"]["message"]["fingerprint"] == fingerprint(thread, "seller", reply, 2)
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == [reply, "Pickup is in Austin.",
                                                                 reply]


def test_caps_and_unknown_accounts_fail_with_a_reason(services, kafka_bootstrap, kcat,
                                                      chromedriver, sandbox, group, account):
    mon = services.start("monitor", env=monitor_env(chromedriver, sandbox.url, group))
    # an account that does not run here
    other = account_in_partition()
    command(kafka_bootstrap, "message.send",
            {"account_id": other, "message_id": 1, "thread_id": "999", "text": "hello"})
    failed = wait_events(kcat, other, "message.send_failed", timeout=30)
    assert failed and failed[0]["data"]["status"]["last_error"].startswith("not_running:"), \
        mon.log_tail()
    desired(kafka_bootstrap, other, False)

    # a cap of one message a day: the second send is refused with the reason
    desired(kafka_bootstrap, account, True, caps={"max_sends_per_day": 1, "quiet_start": None,
                                                  "quiet_end": None, "timezone": "Europe/Berlin"})
    command(kafka_bootstrap, "monitor.start", {"account_id": account})
    item = seed_item(sandbox.url, "Lamp " + uuid.uuid4().hex[:6])
    thread = buyer_writes(sandbox.url, item, "Kim", "hello?")["thread_id"]
    for i, text in enumerate(["first answer", "second answer"]):
        command(kafka_bootstrap, "message.send",
                {"account_id": account, "message_id": 100 + i, "thread_id": thread, "text": text})
    assert wait_events(kcat, account, "message.sent", key=thread, timeout=60), mon.log_tail()
    failed = wait_events(kcat, account, "message.send_failed", key=thread, timeout=60)
    assert failed, mon.log_tail()
    assert failed[0]["data"]["message_id"] == 101
    assert failed[0]["data"]["status"]["last_error"].startswith("cap_reached: 1 of 1")
    msgs = sandbox_thread(sandbox.url, thread)["messages"]
    assert [m["text"] for m in msgs if m["from"] == "seller"] == ["first answer"]

    # a thread the marketplace does not know: refused at once, with the reason
    t0 = time.monotonic()
    command(kafka_bootstrap, "message.send",
            {"account_id": account, "message_id": 102, "thread_id": "987654", "text": "hi"})
    gone = wait_events(kcat, account, "message.send_failed", key="987654", timeout=60)
    assert gone, mon.log_tail()
    assert gone[0]["data"]["status"]["last_error"].startswith("cap_reached:")  # caps come first
    desired(kafka_bootstrap, account, True)  # no caps any more
    command(kafka_bootstrap, "monitor.start", {"account_id": account})
    command(kafka_bootstrap, "message.send",
            {"account_id": account, "message_id": 103, "thread_id": "987654", "text": "hi"})
    gone = wait_events(kcat, account, "message.send_failed", count=2, key="987654", timeout=60)
    assert len(gone) == 2, mon.log_tail()
    assert gone[1]["data"]["status"]["last_error"].startswith("thread_not_found: "), gone[1]
    assert time.monotonic() - t0 < 30


def test_login_wall_is_reported_with_the_remedy_and_waited_out(services, kafka_bootstrap, kcat,
                                                               chromedriver, sandbox, group,
                                                               account):
    import requests
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": True},
                  timeout=5).raise_for_status()
    mon = services.start("monitor", env=monitor_env(
        chromedriver, sandbox.url, group, MONITOR_LOGIN_RETRY_MS=2000,
        MONITOR_LOGIN_RETRY_MAX_MS=4000))
    desired(kafka_bootstrap, account, True)
    command(kafka_bootstrap, "monitor.start", {"account_id": account})
    walled = wait_events(kcat, account, "monitor.status", timeout=60,
                         pred=lambda ev: ev["data"]["status"]["login_required"])
    assert walled, mon.log_tail(40)
    err = walled[0]["data"]["status"]["last_error"]
    assert err.startswith("login_required: ") and "byebuy-login" in err, err
    # a send meanwhile fails at once with the same reason
    command(kafka_bootstrap, "message.send",
            {"account_id": account, "message_id": 77, "thread_id": "1", "text": "hi"})
    failed = wait_events(kcat, account, "message.send_failed", timeout=30)
    assert failed and failed[0]["data"]["status"]["last_error"].startswith("login_required: ")
    # no blind retries: over 6 s at most a few looks at the wall (2 s, then 4 s apart)
    n0 = mon.log_text().count("login_required: ")
    time.sleep(6)
    looks = mon.log_text().count("login_required: ") - n0
    assert looks <= 4, f"{looks} login attempts in 6 s"
    # the user logs in (here: the wall goes away): the account polls again
    requests.post(sandbox.url + "/_sandbox/login-wall", json={"on": False},
                  timeout=5).raise_for_status()
    back = wait_events(kcat, account, "monitor.status", timeout=30,
                       pred=lambda ev: not ev["data"]["status"]["login_required"]
                       and ev["data"]["status"]["cycle"] > 0)
    assert back, mon.log_tail(40)
    assert back[-1]["data"]["status"]["last_error"] is None
