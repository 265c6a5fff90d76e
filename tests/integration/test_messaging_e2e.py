"""Issue 8's "Done means" through the real stack: PostgreSQL, Kafka, the api, the responder
(rules engine, then the fake OpenAI-compatible server), the monitor driving real Chromium
through chromedriver against the sandbox marketplace, with fast pacing. Buyers write through
the sandbox's control route; what they get back is read from the sandbox's threads (what a
buyer would see), what the seller sees from the api.

One stack is shared by the module (messaging_support.mstack); the tests run in file order:
the rules engine first, then the kill -9 rounds, then the model (the seller's use_model
setting switches the responder from its rules engine to the fake server). The two-monitor takeover is
tests/integration/test_monitor_takeover.py (the monitor's own test).

Replies: the api asks for a reply per new buyer message and drops a draft that a newer
message made stale, so a burst the monitor reads at once gets one reply. The tests write one
buyer message per thread and wait for its answer before the next, so each buyer message must
get exactly one seller reply, checked message by message in the sandbox thread."""

import math
import os
import re
import signal
import time
import uuid

import pytest
import requests

from conftest import sql
from messaging_support import mstack, wait_until  # noqa: F401  (mstack is a fixture)

pytestmark = pytest.mark.timeout(600)

FLOOR = 140
PRICE = 200
FLEX = 0.5


def tag():
    """Six letters that make a title or a text unique (no digits: they would read as prices)."""
    return uuid.uuid4().hex[:6].translate(str.maketrans("0123456789", "ghijklmnop"))


def visible_lowest(price, floor, flex):
    """The lowest price the policy may show (the issue's formula, rounded up to a dollar)."""
    return max(floor, math.ceil(price - (price - floor) * flex))


# a number, whole (no backtracking into "120x60"), not a size, a share, a time or a date
NUMBER = re.compile(r"(?<![\w.,:/])\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(?![\d.,:/]?\d)"
                    r"(?![a-z])(?!\s?(?:cm|mm|in\b|x|%|am|pm))", re.I)


def amounts(text):
    """Every number in a text that could be a price, in dollars (bare or with $)."""
    out = []
    for m in NUMBER.finditer(text):
        value = float(m.group(1).replace(",", "")) + (int(m.group(2)) / 100 if m.group(2) else 0)
        out.append(value)
    return out


def floor_problems(thread, floor, lowest, buyer_named_floor=False):
    """What the buyer must never see: an amount below the floor, or the floor itself when
    the policy would not show it (unless the buyer named it first)."""
    problems = []
    for m in thread["messages"]:
        if m["from"] != "seller":
            continue
        for v in amounts(m["text"]):
            if 10 <= v < floor:
                problems.append(f"thread {thread['thread_id']}: {v} below the floor: {m['text']!r}")
            if v == floor and floor < lowest and not buyer_named_floor:
                problems.append(f"thread {thread['thread_id']}: discloses the floor: {m['text']!r}")
    return problems


def one_reply_per_message(thread, buyer_texts):
    """The thread is exactly [buyer text, one seller reply] for each buyer text in order."""
    got = [(m["from"], m["text"] if m["from"] == "buyer" else None) for m in thread["messages"]]
    want = []
    for text in buyer_texts:
        want += [("buyer", text), ("seller", None)]
    return got == want


# ----------------------------------------------------------------- the happy path


def test_buyer_question_gets_a_reply_in_the_thread_stored_as_sent(mstack):
    title = "Oak desk " + tag()
    listing, item = mstack.listing(title, PRICE, FLOOR)
    # A newer listing with the same title, never posted: only the item link (the posted
    # job's) tells the two apart; a match by title would pick this one.
    r = requests.post(mstack.api.url + "/api/listings", timeout=10,
                      json={"title": title, "price": PRICE, "min_price": FLOOR})
    assert r.status_code == 201, r.text
    t0 = time.monotonic()
    thread_id = mstack.buyer_writes(item, "Sam", "is this still available?")
    thread = mstack.wait_replies(thread_id, 1, timeout=60)
    took = time.monotonic() - t0
    assert [m["from"] for m in thread["messages"]] == ["buyer", "seller"], thread
    reply = thread["messages"][1]["text"]
    assert "available" in reply.lower(), reply

    conv = wait_until(lambda: mstack.conversation_of(thread_id), 20, "the conversation")
    assert conv["listing_id"] == listing, "matched by title, not by the item link"
    assert conv["status"] == "active", conv
    assert conv["buyer_name"] == "Sam" and conv["needs_attention"] is False

    def stored():
        msgs = mstack.messages(conv["id"])
        return msgs if msgs and msgs[-1]["delivery"] == "sent" else None
    msgs = wait_until(stored, 20, "the reply shown as sent")
    assert [(m["role"], m["content"], m["delivery"]) for m in msgs] == [
        ("buyer", "is this still available?", "received"), ("agent", reply, "sent")], msgs
    assert msgs[1]["sent_at"] and msgs[1]["attempts"] >= 1
    listed = requests.get(mstack.api.url + "/api/conversations",
                          params={"listing_id": listing}, timeout=10).json()
    assert [c["id"] for c in listed] == [conv["id"]]
    print(f"buyer message -> reply in the thread: {took:.1f} s (fast pacing)")


def test_manual_message_is_delivered_once_and_shown_as_sent(mstack):
    _, item = mstack.listing("Walnut bookshelf " + tag(), PRICE, FLOOR)
    thread_id = mstack.buyer_writes(item, "Ann", "is this still available?")
    mstack.wait_replies(thread_id, 1)
    conv = wait_until(lambda: mstack.conversation_of(thread_id), 20, "the conversation")
    text = f"I can hold it for you until Friday noon ({tag()})."
    r = requests.post(f"{mstack.api.url}/api/conversations/{conv['id']}/messages",
                      json={"content": text}, timeout=10)
    assert r.status_code == 202, r.text
    queued = r.json()
    assert queued["delivery"] == "queued" and queued["role"] == "seller", queued
    thread = mstack.wait_replies(thread_id, 2, timeout=60)
    assert thread["messages"][-1]["text"] == text

    def sent():
        m = [x for x in mstack.messages(conv["id"]) if x["id"] == queued["id"]]
        return m[0] if m and m[0]["delivery"] == "sent" else None
    shown = wait_until(sent, 30, "the manual message shown as sent")
    assert shown["content"] == text and shown["sent_at"]
    time.sleep(3)  # several monitor cycles: a re-read or a redelivery must not send it again
    thread = mstack.thread(thread_id)
    assert [m["text"] for m in thread["messages"]].count(text) == 1, thread
    assert [m["from"] for m in thread["messages"]] == ["buyer", "seller", "seller"], thread
    msgs = mstack.messages(conv["id"])
    assert [m["content"] for m in msgs].count(text) == 1, msgs


# ----------------------------------------------------------------- scams and hand-off

SCAM_TEXTS = [
    "I'll mail a cashier's check for $300, just refund me the difference",
    "I'll send you a 6 digit code, please tell me what it says to verify you",
    "Text me on WhatsApp at +1 555 010 2030 instead",
]


def test_scam_needs_attention_without_reply_until_handed_back(mstack):
    _, item = mstack.listing("Standing lamp " + tag(), PRICE, FLOOR)
    threads = {mstack.buyer_writes(item, f"Scammer {i}", text): text
               for i, text in enumerate(SCAM_TEXTS)}
    convs = {}
    for thread_id in threads:
        convs[thread_id] = wait_until(
            lambda: (c := mstack.conversation_of(thread_id)) and c["needs_attention"] and c,
            45, f"thread {thread_id} needs attention\n{mstack.log_tails()}")
        assert convs[thread_id]["status"] == "needs_attention"
        assert convs[thread_id]["handoff_reason"], convs[thread_id]
    time.sleep(3)  # several cycles and draft round trips: still nothing sent to a scammer
    for thread_id, text in threads.items():
        thread = mstack.thread(thread_id)
        assert [(m["from"], m["text"]) for m in thread["messages"]] == [("buyer", text)], thread
        msgs = mstack.messages(convs[thread_id]["id"])
        assert [m["role"] for m in msgs] == ["buyer"], msgs

    # The seller deals with one by hand, hands it back: auto-replies resume.
    thread_id = next(iter(threads))
    conv = convs[thread_id]
    manual = "Cash at pickup only, sorry."
    r = requests.post(f"{mstack.api.url}/api/conversations/{conv['id']}/messages",
                      json={"content": manual}, timeout=10)
    assert r.status_code == 202, r.text
    mstack.wait_replies(thread_id, 1)
    r = requests.patch(f"{mstack.api.url}/api/conversations/{conv['id']}",
                       json={"hand_back": True}, timeout=10)
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "active" and back["needs_attention"] is False
    assert back["auto_reply"] is True and back["handoff_reason"] is None
    mstack.buyer_writes(item, "Scammer 0", "ok, cash then. is it still available?")
    thread = mstack.wait_replies(thread_id, 2, timeout=60)
    assert [m["from"] for m in thread["messages"]] == ["buyer", "seller", "buyer", "seller"]
    assert thread["messages"][1]["text"] == manual
    # the other two stay handed off
    for other in list(threads)[1:]:
        assert mstack.seller_messages(other) == []


# ----------------------------------------------------------------- negotiation tables

RULES_OFFERS = [  # (first message, second message)
    ("Would you take $100?", "Final offer: $120"),
    ("Can you do 120?", "ok, deal at your price then"),
    ("I can offer $139 cash", "What's the lowest you'd go?"),
    ("$140 cash today?", "ok, deal at your price then"),
    ("Would you take 150?", "Final offer: $139"),
    ("How about $175?", "ok, deal at your price then"),
    ("I'll pay full price, $200. Still available?", "Great, when can I pick it up?"),
    ("What's the lowest you'd go?", "Would you do $90?"),
    ("Is $60 ok? I'm a student", "Final offer: $135"),
    ("Deal at 130? I can pick up tonight", "ok, deal at your price then"),
    ("Would you take $145?", "ok, deal at your price then"),
    ("Can you do 165?", "What's the lowest you'd go?"),
    ("I can pay $170 cash", "Great, when can I pick it up?"),
    ("$185 and I pick up today?", "ok, deal at your price then"),
    ("Would you do $50?", "Final offer: $141"),
    ("Is 155 possible?", "Final offer: $150"),
    ("Can I have it for $99?", "ok, deal at your price then"),
    ("I'd do 138", "What about $142?"),
    ("Offer: $160", "ok, deal at your price then"),
    ("Lowest price?", "Would you take $120?"),
]


def negotiation_problems(mstack, listing, threads, floor, lowest):
    """Floor leaks in the threads and agreements below the floor in the api."""
    problems = []
    for thread_id, texts in threads.items():
        thread = mstack.thread(thread_id)
        named = any(floor in amounts(t) for t in texts)
        problems += floor_problems(thread, floor, lowest, buyer_named_floor=named)
    rows = sql(mstack.db, "SELECT id, status, agreed_price_cents FROM conversations "
                          "WHERE listing_id = %s", (listing,))
    for cid, status, agreed in rows:
        if agreed is not None and agreed < floor * 100:
            problems.append(f"conversation {cid}: agreed at {agreed} below the floor")
        if status == "agreed" and agreed is None:
            problems.append(f"conversation {cid}: agreed without a price")
    r = requests.get(mstack.api.url + "/api/conversations",
                     params={"listing_id": listing, "status": "agreed"}, timeout=10)
    for c in r.json():
        if (c["agreed_price_cents"] or 0) < floor * 100:
            problems.append(f"api shows conversation {c['id']} agreed at {c['agreed_price_cents']}")
    return problems, rows


def settle(mstack, thread_id, timeout=90):
    """Waits until the api holds every buyer message of the thread, no reply is pending and
    nothing is queued: the last buyer message was answered, handed off or (action none)
    left alone."""
    def settled():
        c = mstack.conversation_of(thread_id)
        if not c or c["reply_pending"]:
            return None
        msgs = mstack.messages(c["id"])
        written = sum(m["from"] == "buyer" for m in mstack.thread(thread_id)["messages"])
        if sum(m["role"] == "buyer" for m in msgs) < written:
            return None  # the monitor has not brought the buyer's last message in yet
        return c if all(m["delivery"] in ("received", "sent", "failed") for m in msgs) else None
    return wait_until(settled, timeout, f"thread {thread_id} settled\n{mstack.log_tails()}",
                      interval=0.3)


def at_most_one_reply_each(thread):
    """No buyer message answered twice: never two seller messages in a row."""
    froms = [m["from"] for m in thread["messages"]]
    return all(not (a == b == "seller") for a, b in zip(froms, froms[1:]))


def print_table(mstack, threads):
    """The negotiation table as the buyer and the seller see it (pytest -s shows it)."""
    for thread_id in threads:
        c = mstack.conversation_of(thread_id)
        said = " | ".join(f"{m['from'][0]}: {m['text']}" for m in mstack.thread(thread_id)["messages"])
        print(f"  [{c['status']} {c['agreed_price_cents'] or ''} {c['handoff_reason'] or ''}] {said}")


def unanswered_without_reason(mstack, threads):
    """Threads whose last buyer message got no reply although the conversation is neither
    handed off (needs_attention with a reason) nor agreed (an "ok" after a deal may need no
    answer): a buyer left silently unanswered."""
    out = []
    for thread_id in threads:
        msgs = mstack.thread(thread_id)["messages"]
        if msgs[-1]["from"] == "seller":
            continue
        c = mstack.conversation_of(thread_id)
        if (c["needs_attention"] and c["handoff_reason"]) or c["status"] == "agreed":
            continue
        out.append(f"thread {thread_id}: {c['status']}, last buyer message unanswered: "
                   f"{msgs[-1]['text']!r}")
    return out


def test_negotiation_table_rules_engine_never_goes_below_the_floor(mstack):
    listing, item = mstack.listing("Trek road bike " + tag(), PRICE, FLOOR)
    lowest = visible_lowest(PRICE, FLOOR, FLEX)
    threads = {}
    for i, (first, _) in enumerate(RULES_OFFERS):
        threads[mstack.buyer_writes(item, f"Buyer {i}", first)] = [first]
    for thread_id in threads:
        settle(mstack, thread_id)
    for thread_id, (_, second) in zip(list(threads), RULES_OFFERS):
        mstack.buyer_writes(item, mstack.thread(thread_id)["buyer"], second)
        threads[thread_id].append(second)
    for thread_id in threads:
        settle(mstack, thread_id)
    time.sleep(2)
    problems, rows = negotiation_problems(mstack, listing, threads, FLOOR, lowest)
    replies = 0
    for thread_id in threads:
        thread = mstack.thread(thread_id)
        replies += sum(m["from"] == "seller" for m in thread["messages"])
        if not at_most_one_reply_each(thread):
            problems.append(f"thread {thread_id}: answered twice: {thread['messages']}")
    print_table(mstack, threads)
    assert not problems, "\n".join(problems)
    assert len(rows) == len(RULES_OFFERS)
    unanswered = unanswered_without_reason(mstack, threads)
    assert not unanswered, "\n".join(unanswered)
    agreed = [r for r in rows if r[1] == "agreed"]
    assert agreed, f"no deal agreed at all: {rows}"  # the table exercises the agreed path
    # use_model is off: the responder's configured model was never asked
    assert mstack.fake.requests() == [], "the model was called with use_model off"
    print(f"rules table: {len(rows)} conversations, {replies} replies, {len(agreed)} agreed at "
          f"{sorted(r[2] for r in agreed)}")


# ----------------------------------------------------------------- kill -9 mid-conversation

# 20 threads x 3 rounds = 60 buyer messages through the three kills (~60 s); set
# BB_E2E_KILL_THREADS=53 for at least 50 unanswered buyer messages at each kill (~2.5 min).
KILL_THREADS = int(os.environ.get("BB_E2E_KILL_THREADS", "20"))
ROUND_TEXTS = ["is this still available?", "hi, is it still for sale?",
               "Is it still available? I could pick it up this week"]


def test_kill_monitor_responder_api_mid_conversations(mstack):
    """Three rounds of one buyer message in each of 20 threads (60 buyer messages); in each
    round, once a few replies are out, kill -9 of one service (monitor, responder, api) and
    a restart. Every buyer message must be stored once and answered exactly once."""
    _, item = mstack.listing("Leather armchair " + tag(), PRICE, FLOOR)
    buyers = [f"Kim {i} {tag()}" for i in range(KILL_THREADS)]
    threads = {}
    for rnd, victim in enumerate(("monitor", "responder", "api")):
        text = ROUND_TEXTS[rnd]
        for b in buyers:
            thread_id = mstack.buyer_writes(item, b, text)  # the same thread every round
            assert threads.setdefault(b, thread_id) == thread_id
        expected = rnd + 1

        def replied():
            return sum(len(mstack.seller_messages(t)) >= expected for t in threads.values())
        wait_until(lambda: replied() >= 3, 120, f"round {rnd + 1}: the first replies")
        proc = getattr(mstack, victim)
        in_flight = KILL_THREADS - replied()
        proc.kill(signal.SIGKILL)
        if victim == "monitor":
            mstack.monitor = mstack.start_monitor()
        elif victim == "responder":
            mstack.start_responder()
        else:
            mstack.api = mstack.start_api()
        print(f"round {rnd + 1}: kill -9 {victim} with {in_flight} of {KILL_THREADS} "
              f"threads unanswered")
        wait_until(lambda: replied() == KILL_THREADS, 60 + 5 * KILL_THREADS,
                   f"round {rnd + 1}: every thread answered after kill -9 {victim} "
                   f"({replied()}/{KILL_THREADS})\n{mstack.log_tails()}", interval=0.5)
    time.sleep(4)  # redeliveries and re-reads have had their chance to send twice
    problems = []
    for b, thread_id in threads.items():
        thread = mstack.thread(thread_id)
        if not one_reply_per_message(thread, ROUND_TEXTS):
            problems.append(f"thread {thread_id}: {[(m['from'], m['text']) for m in thread['messages']]}")
        conv = mstack.conversation_of(thread_id)
        msgs = mstack.messages(conv["id"])
        buyer = [m["content"] for m in msgs if m["role"] == "buyer"]
        if buyer != ROUND_TEXTS:
            problems.append(f"conversation {conv['id']}: buyer messages stored {buyer}")
        sent = [m["content"] for m in msgs if m["role"] == "agent" and m["delivery"] == "sent"]
        seller = [m["text"] for m in thread["messages"] if m["from"] == "seller"]
        if sent != seller:
            problems.append(f"conversation {conv['id']}: sent {sent} but the thread shows {seller}")
        others = [m for m in msgs if m["role"] == "agent" and m["delivery"] != "sent"]
        if others or conv["needs_attention"]:
            problems.append(f"conversation {conv['id']}: {conv['status']} "
                            f"{conv['handoff_reason']} unsent {others}")
    assert not problems, "\n".join(problems[:10])


# ----------------------------------------------------------------- the model

def draft(text, **deal):
    d = {"text": text, "intent": "offer", "deal_status": "negotiating",
         "agreed_price_cents": None, "buyer_offer_cents": None, "counter_cents": None,
         "handoff": False, "handoff_reason": None}
    d.update(deal)
    return d


MODEL_TABLE = [  # (buyer text, what the scripted model answers)
    ("Would you take $100 for the bike?",
     draft("Deal! $100 works, come get it.", deal_status="agreed", agreed_price_cents=10000,
           buyer_offer_cents=10000)),
    ("Can you do 110?", draft("Sure, $110 is fine.", deal_status="agreed",
                              agreed_price_cents=11000, buyer_offer_cents=11000)),
    ("What's your absolute lowest?", draft("Honestly my floor is $140, can't go lower.",
                                            intent="lowest", counter_cents=14000)),
    ("I could do $125 today", draft("I could do $130.", counter_cents=13000,
                                    buyer_offer_cents=12500)),
    ("Would $90 work?", draft("Sounds good, see you tonight!", deal_status="agreed",
                              agreed_price_cents=9000, buyer_offer_cents=9000)),
    ("How low can you go?", draft("The lowest I'd accept is 140 dollars.", intent="lowest",
                                  counter_cents=14000)),
    ("$80 cash?", draft("I can meet you at $120.", counter_cents=12000, buyer_offer_cents=8000)),
    ("Is $135 ok?", draft("Ok, $135 it is!", deal_status="agreed", agreed_price_cents=13500,
                          buyer_offer_cents=13500)),
    ("Would you take 150?", draft("Deal at $150, when can you come?", deal_status="agreed",
                                  agreed_price_cents=15000, buyer_offer_cents=15000)),
    ("Any wiggle room on price?", draft("I could go down to $139 for you.",
                                        counter_cents=13900)),
    ("Would you take $120 for it?", draft("Deal, $120!", deal_status="agreed",
                                          agreed_price_cents=12000, buyer_offer_cents=12000)),
    ("What is the least you would take?", draft("My minimum is $140.", intent="lowest",
                                                counter_cents=14000)),
    ("$100 and I pick up now", draft("Ok $100, see you soon.", deal_status="agreed",
                                     agreed_price_cents=10000, buyer_offer_cents=10000)),
    ("Would 145 work?", draft("Yes, $145 works.", deal_status="agreed",
                              agreed_price_cents=14500, buyer_offer_cents=14500)),
    ("Can you do one twenty?", draft("I can do 120 dollars.", counter_cents=12000)),
    ("Best price for cash?", draft("For cash, $135.", counter_cents=13500)),
    ("I offer $70", draft("Accepted at $70.", deal_status="agreed", agreed_price_cents=7000,
                          buyer_offer_cents=7000)),
    ("Is it negotiable?", draft("Sure, I'd go as low as $140.", counter_cents=14000)),
    ("$130 final?", draft("Fine, $130 final.", deal_status="agreed", agreed_price_cents=13000,
                          buyer_offer_cents=13000)),
    ("Will you take 160?", draft("I could do $165.", counter_cents=16500,
                                 buyer_offer_cents=16000)),
]


def test_negotiation_table_model_scripted_below_the_floor(mstack):
    mstack.use_model(True)
    mstack.fake.reset()
    listing, item = mstack.listing("Cannondale bike " + tag(), PRICE, FLOOR)
    lowest = visible_lowest(PRICE, FLOOR, FLEX)
    mstack.fake.script([{"match": text, "content": content} for text, content in MODEL_TABLE])
    threads = {mstack.buyer_writes(item, f"Model buyer {i}", text): [text]
               for i, (text, _) in enumerate(MODEL_TABLE)}

    for thread_id in threads:
        settle(mstack, thread_id)
    time.sleep(3)
    problems, rows = negotiation_problems(mstack, listing, threads, FLOOR, lowest)
    for thread_id in threads:
        if len(mstack.seller_messages(thread_id)) > 1:
            problems.append(f"thread {thread_id}: more than one reply to one message")
    assert not problems, "\n".join(problems)
    print_table(mstack, threads)
    assert len(rows) == len(MODEL_TABLE)
    unanswered = unanswered_without_reason(mstack, threads)
    assert not unanswered, "\n".join(unanswered)
    calls = [r for r in mstack.fake.requests() if r["status"] == 200]
    assert len(calls) >= len(MODEL_TABLE), "the model was not asked for every conversation"
    # every scripted answer was really given (the table did not pass on default answers) ...
    assert not mstack.fake.state.script, f"scripted answers never asked for: {mstack.fake.state.script}"
    # ... and none that breaks the floor reached a buyer, verbatim or otherwise (above)
    seen = [m["text"] for t in threads for m in mstack.thread(t)["messages"] if m["from"] == "seller"]
    for _, content in MODEL_TABLE:
        breaks = any(10 <= v < FLOOR for v in amounts(content["text"])) or \
            (FLOOR in amounts(content["text"]) and FLOOR < lowest)
        if breaks:
            assert content["text"] not in seen, content["text"]
    outcome = {}
    for _, status, agreed in rows:
        outcome[status] = outcome.get(status, 0) + 1
    print(f"model table: {len(rows)} conversations: {outcome}")


def test_model_429_then_200_gives_one_reply(mstack):
    mstack.use_model(True)
    _, item = mstack.listing("Floor lamp " + tag(), PRICE, FLOOR)
    question = f"Is the floor lamp still available? I could come at noon ({tag()})"
    answer = "Yes, still available! Noon works for me."
    mstack.fake.script([{"match": question, "status": 429, "retry_after": "1"},
                        {"match": question, "content": draft(answer, intent="availability",
                                                             deal_status="none")}])
    thread_id = mstack.buyer_writes(item, "Pat", question)
    mstack.wait_replies(thread_id, 1, timeout=60)
    time.sleep(3)
    assert mstack.seller_messages(thread_id) == [answer]
    calls = [r for r in mstack.fake.requests() if question in str(r["body"])]
    assert [r["status"] for r in calls] == [429, 200], [r["status"] for r in calls]
    conv = mstack.conversation_of(thread_id)
    msgs = mstack.messages(conv["id"])
    assert [(m["role"], m["delivery"]) for m in msgs] == [("buyer", "received"), ("agent", "sent")]


def test_model_invalid_json_twice_needs_attention(mstack):
    mstack.use_model(True)
    _, item = mstack.listing("Coffee table " + tag(), PRICE, FLOOR)
    question = f"Does the coffee table have any scratches? ({tag()})"
    mstack.fake.script([{"match": question, "malformed": True},
                        {"match": question, "malformed": True}])
    thread_id = mstack.buyer_writes(item, "Lou", question)
    conv = wait_until(lambda: (c := mstack.conversation_of(thread_id)) and c["needs_attention"]
                      and c, 60, f"needs_attention after two malformed answers\n"
                                 f"{mstack.log_tails()}")
    assert "malformed" in (conv["handoff_reason"] or ""), conv
    time.sleep(2)
    assert mstack.seller_messages(thread_id) == []
    calls = [r for r in mstack.fake.requests() if question in str(r["body"])]
    assert len(calls) == 2, [r["status"] for r in calls]
