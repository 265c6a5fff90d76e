"""The api's conversations over HTTP against the real PostgreSQL and Kafka: the list with its
filters (status, listing_id, needs_attention, q), keyset pages with a Link header and the
"needs attention first" order; one conversation with its buyer, listing and messages; the
messages' pages; 404/422 problems that name the field; the seller's changes through the
transition function; a seller message answered 202 queued and sent out as message.send on
bb.monitor.commands; and GET /api/stats counted from real rows."""

import pytest
import requests

import api_messaging_support as rows
from conftest import sql
from test_api_foundation import api_env, wait_until

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def api(services, fresh_db, tmp_path):
    return services.start("api", env=api_env(fresh_db, tmp_path))


@pytest.fixture
def inbox(fresh_db, api):
    """Three buyers on two listings and an unmatched thread; newest message first:
    sam (needs attention, 1 min), ann (active, 5 min), bob (agreed, 10 min), zed (no message)."""
    db = fresh_db
    acc = rows.account(db)
    lamp = rows.listing(db, "Brass lamp", 2500, 2000)
    desk = rows.listing(db, "Oak desk", 12000)
    ids = {
        "bob": rows.conversation(db, acc, "t1", rows.buyer(db, "Bob"), desk, "agreed", 10),
        "ann": rows.conversation(db, acc, "t2", rows.buyer(db, "Ann"), lamp, "active", 5,
                                 offer_cents=1800),
        "sam": rows.conversation(db, acc, "t3", rows.buyer(db, "Sam_50%"), lamp,
                                 "needs_attention", 1, reason="asked to pay outside"),
        "zed": rows.conversation(db, acc, "t4", rows.buyer(db, "Zed"), None, "active"),
    }
    rows.message(db, ids["ann"], "buyer", "is this still available?")
    rows.message(db, ids["ann"], "agent", "Yes it is!", "sent", sent_today=True)
    rows.message(db, ids["ann"], "buyer", "would you take $18?")
    return {"db": db, "account": acc, "lamp": lamp, "desk": desk, **ids}


def get(api, path, **params):
    return requests.get(api.url + path, params=params, timeout=5)


def ids_of(r):
    assert r.status_code == 200, r.text
    return [c["id"] for c in rows.spec_check_list("Conversation", r.json())]


def test_list_order_filters_and_fields(api, inbox):
    i = inbox
    assert ids_of(get(api, "/api/conversations")) == [i["sam"], i["ann"], i["bob"], i["zed"]]
    assert ids_of(get(api, "/api/conversations", status="agreed")) == [i["bob"]]
    assert ids_of(get(api, "/api/conversations", listing_id=i["lamp"])) == [i["sam"], i["ann"]]
    assert ids_of(get(api, "/api/conversations", needs_attention="true")) == [i["sam"]]
    assert ids_of(get(api, "/api/conversations", needs_attention="false")) == \
        [i["ann"], i["bob"], i["zed"]]
    assert ids_of(get(api, "/api/conversations", q="oak")) == [i["bob"]]   # listing title
    assert ids_of(get(api, "/api/conversations", q="ANN")) == [i["ann"]]   # buyer name
    assert ids_of(get(api, "/api/conversations", q="_50%")) == [i["sam"]]  # literally
    assert ids_of(get(api, "/api/conversations", q="%")) == [i["sam"]]
    assert ids_of(get(api, "/api/conversations", q="é" * 200)) == []
    ann = next(c for c in get(api, "/api/conversations").json() if c["id"] == i["ann"])
    assert ann["buyer_name"] == "Ann" and ann["listing_title"] == "Brass lamp"
    assert ann["fb_thread_id"] == "t2" and ann["thread_url"] == "/marketplace/t/t2/"
    assert ann["current_offer"] == 18.0 and ann["current_offer_cents"] == 1800
    assert ann["agreed_price"] is None and ann["agreed_price_cents"] is None
    assert ann["last_message"] == "would you take $18?"
    assert ann["needs_attention"] is False and ann["handoff_reason"] is None
    assert ann["auto_reply"] is True and ann["reply_pending"] is False
    zed = next(c for c in get(api, "/api/conversations").json() if c["id"] == i["zed"])
    assert zed["listing_id"] is None and zed["last_message_at"] is None
    assert zed["last_message"] is None


def test_pages_follow_the_link_in_both_orders(api, fresh_db, inbox):
    i = inbox
    # make bob the newest, so "attention first" differs from "recent"
    sql(fresh_db, "UPDATE conversations SET last_message_at = now() WHERE id = %s", (i["bob"],))
    for sort, expected in (("recent", [i["bob"], i["sam"], i["ann"], i["zed"]]),
                           ("attention", [i["sam"], i["bob"], i["ann"], i["zed"]])):
        seen, url, params = [], api.url + "/api/conversations", {"limit": 3, "sort": sort}
        pages = 0
        while url:
            r = requests.get(url, params=params, timeout=5)
            seen += ids_of(r)
            pages += 1
            url = r.links.get("next", {}).get("url")
            params = None
            if url:
                url = api.url + url if url.startswith("/") else url
                assert ("sort=attention" in url) == (sort == "attention")
        assert seen == expected and pages == 2, sort


def test_bad_list_parameters_name_the_field(api, inbox):
    for params, field in (({"status": "open"}, "status"), ({"limit": "0"}, "limit"),
                          ({"limit": "501"}, "limit"), ({"cursor": "x"}, "cursor"),
                          ({"listing_id": "-3"}, "listing_id"),
                          ({"needs_attention": "yes"}, "needs_attention"),
                          ({"sort": "oldest"}, "sort"), ({"q": "x" * 201}, "q"),
                          ({"q": "é" * 201}, "q")):
        r = get(api, "/api/conversations", **params)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["Content-Type"].startswith("application/problem+json")
        assert r.json()["field"] == field and field in r.json()["detail"]


def test_detail_and_messages(api, inbox):
    i = inbox
    r = get(api, f"/api/conversations/{i['sam']}")
    assert r.status_code == 200, r.text
    sam = rows.spec_check("ConversationDetail", r.json())
    assert sam["status"] == "needs_attention" and sam["needs_attention"] is True
    assert sam["handoff_reason"] == "asked to pay outside"
    assert sam["buyer"]["fb_name"] == "Sam_50%" and sam["buyer"]["external_id"] == "ext-Sam_50%"
    assert sam["listing"] == {"id": i["lamp"], "title": "Brass lamp", "price": 25.0,
                              "price_cents": 2500, "min_price": 20.0, "min_price_cents": 2000,
                              "currency": "USD", "status": "active"}
    assert sam["messages"] == []
    zed = rows.spec_check("ConversationDetail", get(api, f"/api/conversations/{i['zed']}").json())
    assert zed["listing"] is None and zed["buyer"]["fb_name"] == "Zed"

    ann = rows.spec_check("ConversationDetail", get(api, f"/api/conversations/{i['ann']}").json())
    assert [m["content"] for m in ann["messages"]] == [
        "is this still available?", "Yes it is!", "would you take $18?"]
    agent = ann["messages"][1]
    assert agent["role"] == "agent" and agent["delivery"] == "sent" and agent["delivered"] is True
    assert agent["sent_at"] and agent["attempts"] == 0 and agent["last_error"] is None

    r = get(api, f"/api/conversations/{i['ann']}/messages", limit=2)
    rows.spec_check_list("Message", r.json())
    assert [m["content"] for m in r.json()] == ["is this still available?", "Yes it is!"]
    nxt = r.links["next"]["url"]
    r2 = requests.get(api.url + nxt, timeout=5)
    assert [m["content"] for m in r2.json()] == ["would you take $18?"]
    assert "next" not in r2.links

    for path in ("/api/conversations/999999", "/api/conversations/0",
                 "/api/conversations/abc", "/api/conversations/999999/messages"):
        r = get(api, path)
        assert r.status_code == 404, path
        assert r.json()["detail"] == "Conversation not found"


def test_stats_from_rows(api, fresh_db, inbox):
    i = inbox
    db = fresh_db
    rows.listing(db, "Sold chair", 500, status="sold")
    sql(db, "INSERT INTO posting_jobs (listing_id, platform, status) VALUES "
            "(%s, 'sandbox', 'posted'), (%s, 'sandbox', 'failed'), (%s, 'sandbox', 'pending')",
        (i["lamp"], i["desk"], i["desk"]))
    sql(db, "UPDATE conversations SET status = 'sold' WHERE id = %s", (i["bob"],))
    rows.message(db, i["bob"], "seller", "queued one", "queued")
    r = get(api, "/api/stats")
    assert r.status_code == 200, r.text
    assert rows.spec_check("Stats", r.json()) == {
        "total_conversations": 4, "active_conversations": 2, "sold_conversations": 1,
        "total_messages": 4, "total_buyers": 4,
        "agreed_conversations": 0, "closed_conversations": 0, "needs_attention": 1,
        "messages_received_today": 2, "replies_sent_today": 1, "messages_queued": 1,
        "messages_failed": 0, "total_listings": 3, "active_listings": 2, "sold_listings": 1,
        "posted_jobs": 1, "pending_jobs": 1, "failed_jobs": 1, "accounts_running": 0,
    }


def test_stats_empty(api):
    r = get(api, "/api/stats")
    assert r.status_code == 200
    body = r.json()
    assert body["total_conversations"] == 0 and body["total_messages"] == 0
    assert all(v == 0 for v in body.values())


def patch(api, cid, body):
    return requests.patch(api.url + f"/api/conversations/{cid}", json=body, timeout=5)


def test_patch_goes_through_the_transition_function(api, fresh_db, inbox):
    i = inbox
    # hand back: needs_attention -> active, the reason cleared, auto-replies on again
    sql(fresh_db, "UPDATE conversations SET auto_reply = false WHERE id = %s", (i["sam"],))
    r = patch(api, i["sam"], {"hand_back": True})
    assert r.status_code == 200, r.text
    sam = rows.spec_check("ConversationDetail", r.json())
    assert sam["status"] == "active" and sam["needs_attention"] is False
    assert sam["handoff_reason"] is None and sam["auto_reply"] is True
    assert sam["buyer"]["fb_name"] == "Sam_50%"  # the detail document

    # agreed at or above the floor (20.00 on the lamp); below it is refused
    r = patch(api, i["ann"], {"status": "agreed", "agreed_price_cents": 1900})
    assert r.status_code == 422 and r.json()["field"] == "agreed_price_cents", r.text
    r = patch(api, i["ann"], {"status": "agreed", "agreed_price_cents": 2100})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "agreed" and r.json()["agreed_price"] == 21.0
    # agreed without a matched listing: a move the function refuses
    r = patch(api, i["zed"], {"status": "agreed", "agreed_price_cents": 1000})
    assert r.status_code == 409 and r.json()["field"] == "status", r.text

    # listing match, unmatch, auto_reply; needs_attention with a reason
    r = patch(api, i["zed"], {"listing_id": i["desk"], "auto_reply": False})
    rows.spec_check("ConversationDetail", r.json())
    assert r.status_code == 200 and r.json()["listing_id"] == i["desk"]
    assert r.json()["auto_reply"] is False and r.json()["listing"]["title"] == "Oak desk"
    r = patch(api, i["zed"], {"listing_id": None})
    assert r.status_code == 200 and r.json()["listing_id"] is None
    r = patch(api, i["zed"], {"status": "needs_attention", "reason": "wants a discount"})
    assert r.status_code == 200 and r.json()["handoff_reason"] == "wants a discount"
    assert get(api, "/api/conversations", needs_attention="true").json()[0]["id"] == i["zed"]

    for body, status, field in (({"status": "open"}, 422, "status"),
                                ({"status": 3}, 422, "status"),
                                ({"listing_id": 999999}, 422, "listing_id"),
                                ({"listing_id": "x"}, 422, "listing_id"),
                                ({"auto_reply": "no"}, 422, "auto_reply"),
                                ({"hand_back": 1}, 422, "hand_back"),
                                ({"agreed_price_cents": -5}, 422, "agreed_price_cents"),
                                ({"reason": ""}, 422, "reason")):
        r = patch(api, i["bob"], body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["field"] == field, (body, r.text)
    assert patch(api, 999999, {"auto_reply": True}).status_code == 404
    r = requests.patch(api.url + f"/api/conversations/{i['bob']}", data="{", timeout=5)
    assert r.status_code == 400


def test_seller_message_is_queued_and_sent_through_the_monitor(api, fresh_db, inbox, kcat):
    i = inbox
    r = requests.post(api.url + f"/api/conversations/{i['ann']}/messages",
                      json={"content": "  Yes, $20 and it is yours  "}, timeout=5)
    assert r.status_code == 202, r.text
    m = rows.spec_check("Message", r.json())
    assert m["conversation_id"] == i["ann"] and m["role"] == "seller"
    assert m["content"] == "Yes, $20 and it is yours"
    assert m["delivery"] == "queued" and m["delivered"] is False and m["sent_at"] is None
    key = str(i["account"])
    # the topic outlives this test's database: its event is the one of our outbox row
    [(event_id,)] = sql(fresh_db, "SELECT event_id::text FROM outbox WHERE type = 'message.send'")
    sends = kcat.wait_for("bb.monitor.commands", lambda x: x["key"] == key and x["json"]
                          and x["json"]["id"] == event_id)
    assert len(sends) == 1 and sends[0]["json"]["type"] == "message.send"
    assert sends[0]["json"]["data"]["message_id"] == m["id"]
    assert sends[0]["json"]["data"]["thread_id"] == "t2"
    assert sends[0]["json"]["data"]["text"] == "Yes, $20 and it is yours"
    listed = get(api, f"/api/conversations/{i['ann']}/messages").json()
    assert listed[-1] == m

    for body, status, field in (({}, 422, "content"), ({"content": "   "}, 422, "content"),
                                ({"content": 5}, 422, "content"),
                                ({"content": "x" * 2001}, 422, "content")):
        r = requests.post(api.url + f"/api/conversations/{i['ann']}/messages", json=body,
                          timeout=5)
        assert r.status_code == status, (body, r.text)
        assert r.json()["field"] == field
    r = requests.post(api.url + "/api/conversations/999999/messages", json={"content": "hi"},
                      timeout=5)
    assert r.status_code == 404 and r.json()["detail"] == "Conversation not found"
    assert sql(fresh_db, "SELECT count(*) FROM messages WHERE role = 'seller'")[0][0] == 1


def test_events_reach_the_pages_and_the_stats(services, fresh_db, kcat, tmp_path):
    """What the event applier writes (message.received through Kafka, as the monitor
    publishes it) is what the pages and the stats show."""
    from test_api_conversations_flow import Flow

    flow = Flow(services, fresh_db, kcat, tmp_path)
    api = flow.api
    flow.received("th-1", "fp-1", "is this still available?")
    flow.received("th-2", "fp-2", "hello?", hint=None, buyer=("b-2", "Kim"))
    convs = rows.spec_check_list("Conversation", get(api, "/api/conversations").json())
    assert [c["fb_thread_id"] for c in convs] == ["th-2", "th-1"]
    sam = convs[1]
    assert sam["buyer_name"] == "Sam" and sam["listing_id"] == flow.listing
    assert sam["listing_title"] == "Oak desk lamp" and sam["last_message"] == "is this still available?"
    assert sam["reply_pending"] is True and sam["status"] == "active"
    kim = convs[0]
    assert kim["listing_id"] is None and kim["buyer_name"] == "Kim"
    assert kim["status"] == "needs_attention" and "no matching listing" in kim["handoff_reason"]
    assert [c["id"] for c in get(api, "/api/conversations", needs_attention="true").json()] == \
        [kim["id"]]
    detail = rows.spec_check("ConversationDetail",
                             get(api, f"/api/conversations/{sam['id']}").json())
    assert detail["listing"]["min_price"] == 60.0
    assert [(m["role"], m["delivery"]) for m in detail["messages"]] == [("buyer", "received")]
    stats = rows.spec_check("Stats", get(api, "/api/stats").json())
    assert (stats["total_conversations"], stats["active_conversations"], stats["needs_attention"],
            stats["total_buyers"], stats["total_messages"],
            stats["messages_received_today"]) == (2, 1, 1, 2, 2, 2)

    # the seller matches the thread and hands it back: auto-replies resume at once
    r = patch(api, kim["id"], {"listing_id": flow.listing, "hand_back": True})
    assert r.status_code == 200, r.text
    kim = rows.spec_check("ConversationDetail", r.json())
    assert kim["status"] == "active" and kim["handoff_reason"] is None
    assert kim["listing"]["title"] == "Oak desk lamp" and kim["reply_pending"] is True
    assert get(api, "/api/stats").json()["active_conversations"] == 2
