"""Buyer-reply pacing per account (docs/pacing.md "Buyer replies"), against the real
PostgreSQL and Kafka: the monitor's and the responder's events are produced with kcat, the
api's message.send commands are read from its outbox, from PostgreSQL and from the topic.

- two AI replies of one account (two conversations) with a 2-3 s reply gap: the second's
  send slot is 2-3 s after the first's, its command is on bb.monitor.commands no earlier than
  that, and GET /api/conversations/{id} shows the queued message's scheduled_at;
- a seller's own message goes at once, even while an AI reply waits, and counts as the
  account's latest send: an AI reply right after it waits the gap;
- a failed send is sent again in a new slot (the gap again), a stale draft takes no slot;
- Facebook's built-in gap (180-300 s) applies to a facebook_marketplace account, and
  PACING_OFF=facebook_marketplace (demo mode) turns it off."""

import datetime
import json
import subprocess

import pytest
import requests

from conftest import sql
from test_api_conversations_flow import Flow, one, wait_until

pytestmark = pytest.mark.timeout(240)


def set_gap(flow, lo, hi, account=None):
    r = requests.put(f"{flow.api.url}/api/accounts/{account or flow.account}/pacing",
                     json={"reply_gap_min_s": lo, "reply_gap_max_s": hi}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["effective"]["reply_gap_min_s"] == lo
    return r.json()


def agent_reply(flow, thread, fingerprint, text, hint=None):
    """A buyer message on thread and the responder's draft for it: the agent message id."""
    if hint:
        flow.received(thread, fingerprint, "still available?", hint=hint)
    else:
        flow.received(thread, fingerprint, "still available?")
    conv = flow.conversation(thread)
    assert conv["request"], conv
    flow.drafted(conv["id"], conv["request"], text=text)
    return conv["id"], [m for m in flow.messages(conv["id"]) if m[1] == "agent"][-1][0]


def send_rows(flow, message_id):
    """(event id, not before, published_at) of each message.send of message_id, in order."""
    return sql(flow.db, "SELECT event_id::text, next_attempt_at, published_at FROM outbox"
                        " WHERE type = 'message.send' AND payload::json ->> 'subject' = %s"
                        " ORDER BY id",
               (str(message_id),))


def scheduled(flow, message_id):
    return one(flow.db, "SELECT scheduled_at FROM messages WHERE id = %s", (message_id,))


def topic_time(flow, event_id):
    """When event_id reached bb.monitor.commands (the broker's timestamp, UTC)."""
    def find():
        out = subprocess.run(["kcat", "-b", flow.kcat.bootstrap, "-C", "-t",
                              "bb.monitor.commands", "-o", "beginning", "-e", "-J", "-q"],
                             capture_output=True, text=True, timeout=30)
        for line in out.stdout.splitlines():
            m = json.loads(line)
            if event_id in (m.get("payload") or ""):
                return m["ts"]
        return None
    ts = wait_until(find, 30, f"{event_id} on bb.monitor.commands", interval=0.3)
    return datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc)


@pytest.fixture
def flow(services, fresh_db, kcat, tmp_path):
    return Flow(services, fresh_db, kcat, tmp_path)


def test_two_replies_of_one_account_keep_the_gap(flow):
    set_gap(flow, 2, 3)
    conv1, m1 = agent_reply(flow, "p1", "fp-1", "yes, still here")
    conv2, m2 = agent_reply(flow, "p2", "fp-1", "yes, it is")
    s1, s2 = scheduled(flow, m1), scheduled(flow, m2)
    gap = (s2 - s1).total_seconds()
    assert 2 <= gap <= 3, (s1, s2)

    # the outbox holds each command until its slot, and the topic gets it no earlier
    (e1, due1, _), = send_rows(flow, m1)
    (e2, due2, _), = send_rows(flow, m2)
    assert (due1, due2) == (s1, s2)
    t1, t2 = topic_time(flow, e1), topic_time(flow, e2)
    assert t2 >= s2 - datetime.timedelta(milliseconds=50), (t2, s2)
    assert (t2 - t1).total_seconds() >= 1.9, (t1, t2)
    pub2 = wait_until(lambda: send_rows(flow, m2)[0][2], 10, "the second send published")
    assert pub2 >= s2

    # the API shows when a queued message goes
    r = requests.get(f"{flow.api.url}/api/conversations/{conv2}", timeout=5)
    assert r.status_code == 200, r.text
    mine = [m for m in r.json()["messages"] if m["id"] == m2][0]
    assert mine["delivery"] == "queued" and mine["scheduled_at"]
    got = datetime.datetime.fromisoformat(mine["scheduled_at"].replace("Z", "+00:00"))
    assert abs((got - s2).total_seconds()) < 1
    buyer = [m for m in r.json()["messages"] if m["role"] == "buyer"][0]
    assert buyer["scheduled_at"] is None


def test_seller_message_goes_at_once_and_counts_as_the_last_send(flow):
    set_gap(flow, 3, 3)
    flow.received("s1", "fp-1", "hello?")
    conv = flow.conversation("s1")
    r = requests.post(f"{flow.api.url}/api/conversations/{conv['id']}/messages",
                      json={"content": "hi, yes"}, timeout=5)
    assert r.status_code == 202, r.text
    seller = [m for m in flow.messages(conv["id"]) if m[1] == "seller"][0][0]
    seller_at = scheduled(flow, seller)
    now = one(flow.db, "SELECT now()")
    assert abs((now - seller_at).total_seconds()) < 2  # at once

    # an AI reply on another thread of the account right after: the gap from the seller's
    _, agent = agent_reply(flow, "s2", "fp-1", "yes it is available")
    agent_at = scheduled(flow, agent)
    assert (agent_at - seller_at).total_seconds() >= 3 - 0.001, (seller_at, agent_at)

    # a second seller message while the AI reply waits: still at once, before the reply
    r = requests.post(f"{flow.api.url}/api/conversations/{conv['id']}/messages",
                      json={"content": "come by tomorrow"}, timeout=5)
    assert r.status_code == 202, r.text
    seller2 = [m for m in flow.messages(conv["id"]) if m[1] == "seller"][-1][0]
    assert scheduled(flow, seller2) < agent_at
    (_, due, _), = send_rows(flow, seller2)
    assert due == scheduled(flow, seller2)


def test_failed_send_is_retried_in_a_new_slot_and_stale_draft_takes_none(flow):
    set_gap(flow, 2, 2)
    flow.received("r1", "fp-1", "available?")
    conv = flow.conversation("r1")
    first_request = conv["request"]
    flow.received("r1", "fp-2", "hello??")
    conv = flow.conversation("r1")
    flow.drafted(conv["id"], first_request, text="stale answer")  # stale: dropped
    assert flow.outbox("message.send") == []
    assert one(flow.db, "SELECT count(*) FROM reply_slots") == 0

    flow.drafted(conv["id"], conv["request"], text="yes")
    message_id = [m for m in flow.messages(conv["id"]) if m[1] == "agent"][0][0]
    first_slot = scheduled(flow, message_id)
    flow.produce("bb.monitor.events", "r1", "message.send_failed",
                 {"account_id": flow.account, "message_id": message_id, "thread": {"id": "r1"},
                  "status": {"running": True, "cycle": 1, "last_poll_at": None,
                             "last_error": "composer not found", "login_required": False}})
    rows = send_rows(flow, message_id)
    assert len(rows) == 2
    assert rows[1][1] == scheduled(flow, message_id)
    assert (rows[1][1] - first_slot).total_seconds() >= 2 - 0.001
    msg = [m for m in flow.messages(conv["id"]) if m[0] == message_id][0]
    assert (msg[3], msg[5]) == ("queued", 2)


def facebook_account(flow):
    acc = one(flow.db, "INSERT INTO marketplace_accounts (platform, label) "
                       "VALUES ('facebook_marketplace', 'fb') RETURNING id")
    flow.account = acc
    return acc


def test_facebook_default_gap(flow):
    facebook_account(flow)
    _, m1 = agent_reply(flow, "f1", "fp-1", "yes", hint="Oak desk lamp")
    _, m2 = agent_reply(flow, "f2", "fp-1", "it is", hint="Oak desk lamp")
    gap = (scheduled(flow, m2) - scheduled(flow, m1)).total_seconds()
    assert 180 <= gap <= 300, gap
    assert send_rows(flow, m2)[0][2] is None  # waits on the outbox


def test_pacing_off_turns_the_facebook_gap_off(services, fresh_db, kcat, tmp_path):
    flow = Flow(services, fresh_db, kcat, tmp_path, PACING_OFF="facebook_marketplace")
    facebook_account(flow)
    r = requests.get(f"{flow.api.url}/api/accounts/{flow.account}/pacing", timeout=5)
    assert r.json()["effective"]["reply_gap_max_s"] == 0
    _, m1 = agent_reply(flow, "o1", "fp-1", "yes", hint="Oak desk lamp")
    _, m2 = agent_reply(flow, "o2", "fp-1", "it is", hint="Oak desk lamp")
    assert (scheduled(flow, m2) - scheduled(flow, m1)).total_seconds() < 2
    wait_until(lambda: send_rows(flow, m2)[0][2], 10, "the second send published")
    # what the seller saves still applies
    set_gap(flow, 2, 2)
    _, m3 = agent_reply(flow, "o3", "fp-1", "sure", hint="Oak desk lamp")
    assert (scheduled(flow, m3) - scheduled(flow, m2)).total_seconds() >= 2 - 0.001
