"""The responder as a black box on real Kafka: reply.requested in, reply.drafted out, through
the rules engine and through a fake OpenAI-compatible model (tests/fakes/fake_openai.py):
buyer scenarios and guard invariants, retries (429 then 200), malformed output, permanent
errors, idempotent redelivery, poison messages, concurrency, SIGTERM and SIGKILL."""

import signal
import time
import uuid
from datetime import datetime

import pytest

from responder_support import (DLQ_TOPIC, FAST_GROUP_ENV, FakeOpenAI, drafts_since,
                               guard_violations, load_scenarios, metric, names_amount, now_ms,
                               produce, request, settle_group, strip_buyer_lines, system_prompt,
                               visible_lowest, wait_drafts)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="session")
def responder_group(kafka_bootstrap):
    """One consumer group for the responder tests, settled at the end of the topic."""
    group = f"bb-it-responder-{uuid.uuid4().hex[:8]}"
    settle_group(kafka_bootstrap, group)
    return group


@pytest.fixture
def fake():
    f = FakeOpenAI(api_key="sk-test").start()
    yield f
    f.stop()


@pytest.fixture
def start_responder(services, responder_group):
    def start(fake=None, **env):
        full = {"KAFKA_GROUP_ID": responder_group, **FAST_GROUP_ENV}
        if fake is not None:
            full.update({"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test",
                         "OPENAI_MODEL": "fake-model"})
        full.update(env)
        svc = services.start("responder", env=full)
        wait_assigned(svc)
        return svc
    return start


def wait_assigned(svc, timeout=30):
    """Waits until the consumer holds partitions (requests before that are fine too, but
    timing assertions need the consumer running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "kafka assigned: bb.reply.requests[" in svc.log_text():
            return
        time.sleep(0.1)
    pytest.fail("responder never got its partitions:\n" + svc.log_tail())


def parse_time(s):
    """CloudEvents time (RFC 3339) as epoch seconds."""
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def run_id():
    return uuid.uuid4().hex[:8]


def only(by_id, rid):
    evs = by_id.get(rid)
    assert evs, f"no draft for {rid}"
    return evs[0]["data"]


# ---- scenarios ----------------------------------------------------------------------------


def scenario_requests(run):
    """H5's buyer scenarios with ids unique to this run."""
    out = []
    for s in load_scenarios():
        req = dict(s["request"])
        req["request_id"] = f"{req['request_id']}-{run}"
        req["conversation_id"] = f"{req['conversation_id']}-{run}"
        out.append((s, req))
    return out


def check_expect(name, draft, expect):
    problems = []
    for key in ("action", "intent"):
        if key in expect and draft[key] != expect[key]:
            problems.append(f"{key} {draft[key]!r} != {expect[key]!r}")
    if "deal_status" in expect and draft["deal"]["status"] != expect["deal_status"]:
        problems.append(f"deal_status {draft['deal']['status']!r} != {expect['deal_status']!r}")
    for code in expect.get("violations", []):
        if code not in draft["guard"]["violations"]:
            problems.append(f"violation {code} missing from {draft['guard']['violations']}")
    text = (draft.get("text") or "").lower()
    for s in expect.get("text_not_contains", []):
        if draft["action"] == "send" and s.lower() in text:
            problems.append(f"text contains {s!r}")
    if "handoff_reason_contains" in expect:
        reason = (draft["guard"].get("handoff_reason") or "").lower()
        if expect["handoff_reason_contains"].lower() not in reason:
            problems.append(f"handoff_reason {reason!r} lacks {expect['handoff_reason_contains']!r}")
    return [f"{name}: {p}" for p in problems]


def test_scenarios_through_the_rules_engine(start_responder, kcat):
    run = run_id()
    pairs = scenario_requests(run)
    assert len(pairs) >= 30
    start_responder()
    since = now_ms()
    produce(kcat, [req for _, req in pairs])
    by_id = wait_drafts(kcat, since, [req["request_id"] for _, req in pairs], timeout=60)
    problems = []
    for s, req in pairs:
        draft = only(by_id, req["request_id"])
        assert draft["source"] == "rules"
        assert draft["conversation_id"] == req["conversation_id"]
        problems += [f"{s['name']}: {v}" for v in guard_violations(draft, req)]
        problems += check_expect(s["name"], draft, s["expect"])
        if s["expect"].get("action") == "handoff":
            assert not (draft.get("text") or "").strip() or draft["action"] != "send"
    assert not problems, "\n".join(problems)


# Model drafts that break the rules on purpose: the guards must repair or hand off.
BAD_DRAFTS = [
    ("agrees below the floor", "would you do 40?",
     {"text": "Deal at $40, come get it!", "intent": "offer", "deal_status": "agreed",
      "agreed_price_cents": 4000, "buyer_offer_cents": 4000, "counter_cents": None,
      "handoff": False, "handoff_reason": None}),
    ("counters below the floor", "would you do 40?",
     {"text": "How about $50?", "intent": "offer", "deal_status": "negotiating",
      "agreed_price_cents": None, "buyer_offer_cents": 4000, "counter_cents": 5000,
      "handoff": False, "handoff_reason": None}),
    ("leaks the floor", "whats your absolute lowest",
     {"text": "Honestly my absolute minimum is $63.", "intent": "lowest",
      "deal_status": "negotiating", "agreed_price_cents": None, "buyer_offer_cents": None,
      "counter_cents": 6300, "handoff": False, "handoff_reason": None}),
    ("phone number", "can we talk on the phone?",
     {"text": "Sure, call me at 415-555-0123 anytime.", "intent": "other",
      "deal_status": "none", "agreed_price_cents": None, "buyer_offer_cents": None,
      "counter_cents": None, "handoff": False, "handoff_reason": None}),
    ("email and link", "more photos?",
     {"text": "Email me at seller@example.com or see https://example.com/bike", "intent":
      "details", "deal_status": "none", "agreed_price_cents": None, "buyer_offer_cents": None,
      "counter_cents": None, "handoff": False, "handoff_reason": None}),
    ("claims to be human", "are you a bot? be honest",
     {"text": "No, I'm a real person, not a bot!", "intent": "other", "deal_status": "none",
      "agreed_price_cents": None, "buyer_offer_cents": None, "counter_cents": None,
      "handoff": False, "handoff_reason": None}),
    ("em dash", "is it still available?",
     {"text": "Yes \u2014 it's available, $120.", "intent": "availability",
      "deal_status": "none", "agreed_price_cents": None, "buyer_offer_cents": None,
      "counter_cents": None, "handoff": False, "handoff_reason": None}),
    ("too long", "tell me about it",
     {"text": "It is a great bike. " * 40, "intent": "details", "deal_status": "none",
      "agreed_price_cents": None, "buyer_offer_cents": None, "counter_cents": None,
      "handoff": False, "handoff_reason": None}),
]

SCAMS = [
    "I'll send you a 6 digit code, please tell me what it says to verify you",
    "Can I pay with Zelle? I'll send it friends and family",
    "I'll mail a cashier's check for $300, just refund me the difference",
    "My courier will pick it up, I only do shipping, send me your address",
    "Text me on WhatsApp at +1 555 010 2030 instead",
]


def test_scenarios_and_bad_drafts_through_the_model(start_responder, kcat, fake):
    run = run_id()
    pairs = scenario_requests(run)
    scripted = []
    for s, req in pairs:
        if "model_reply" in s:
            scripted.append({"match": req["request_id"], "content": s["model_reply"]})
    extra = []
    for name, text, content in BAD_DRAFTS:
        req = request(f"bad-{run}-{len(extra)}", text)
        scripted.append({"match": req["request_id"], "content": content})
        extra.append(({"name": name, "expect": {}}, req))
    for i, text in enumerate(SCAMS):
        req = request(f"scam-{run}-{i}", text)
        extra.append(({"name": f"scam {i}", "expect": {"action": "handoff"}}, req))
    fake.script(scripted)
    start_responder(fake)
    since = now_ms()
    everything = pairs + extra
    produce(kcat, [req for _, req in everything])
    by_id = wait_drafts(kcat, since, [req["request_id"] for _, req in everything], timeout=90)
    problems = []
    sent = 0
    for s, req in everything:
        draft = only(by_id, req["request_id"])
        problems += [f"{s['name']}: {v}" for v in guard_violations(draft, req)]
        # scripted model replies have their expected outcome; the fake's default answers
        # for the other scenarios are only held to the invariants above
        if "model_reply" in s:
            expect = dict(s.get("expect_model") or {})
            if draft["source"] == "rules":
                # a pre-guard handed it off before any model call: nothing to repair
                expect = {"action": expect.get("action", "handoff")}
            problems += check_expect(s["name"], draft, expect)
        sent += draft["action"] == "send"
        # pre-guard hand-offs never reach the model and carry no text
        if s["name"].startswith("scam"):
            assert draft["action"] == "handoff", (s["name"], draft)
            assert not draft.get("text")
            assert draft["guard"]["handoff_reason"]
    assert not problems, "\n".join(problems)
    assert sent >= 20  # the model path really drafted replies, not only hand-offs

    # The model never saw the floor (unless the policy shows it as the lowest).
    reqs_by_id = {req["request_id"]: req for _, req in everything}
    leaks = []
    checked = 0
    for rec in fake.requests():
        body = rec["body"]
        system = system_prompt(body)
        rid = rec["headers"].get("x-client-request-id")
        if rid not in reqs_by_id:
            continue
        lst = reqs_by_id[rid]["listing"]
        floor = lst.get("floor_cents") or 0
        if not lst.get("id") or not floor:
            continue
        if floor < visible_lowest(lst["price_cents"], floor, lst.get("flexibility", 0.5)):
            checked += 1
            if names_amount(strip_buyer_lines(system), floor):
                leaks.append(rid)
        assert rec["headers"].get("authorization") == "Bearer sk-test"
        rf = body["response_format"]
        assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    assert checked >= 20
    assert not leaks, f"floor in the prompt for {leaks}"


# ---- retries and failures ------------------------------------------------------------------

DRAFT = {"text": "Yes, it's still available! When would you like to see it?",
         "intent": "availability", "deal_status": "none", "agreed_price_cents": None,
         "buyer_offer_cents": None, "counter_cents": None, "handoff": False,
         "handoff_reason": None}


def calls_for(fake, request_id):
    """The model calls the responder made for one reply request."""
    return [r for r in fake.requests() if r["headers"].get("x-client-request-id") == request_id]


def test_429_then_200_gives_one_draft_after_the_advised_wait(start_responder, kcat, fake):
    req = request(f"rl-{run_id()}", "is it still available?")
    fake.script([{"match": req["request_id"], "status": 429, "retry_after": "1"},
                 {"match": req["request_id"], "content": DRAFT}])
    start_responder(fake)
    since = now_ms()
    produce(kcat, [req])
    by_id = wait_drafts(kcat, since, [req["request_id"]], timeout=30)
    draft = only(by_id, req["request_id"])
    assert draft["action"] == "send"
    assert draft["text"] == DRAFT["text"]
    assert draft["source"] == "llm"
    assert draft["model"]["latency_ms"] >= 1000
    recs = calls_for(fake, req["request_id"])
    assert [r["status"] for r in recs] == [429, 200]
    waited = recs[1]["at"] - recs[0]["at"]
    assert 0.95 <= waited < 3.0, waited
    time.sleep(2)  # no second draft shows up later
    assert len(drafts_since(kcat, since, request_ids={req["request_id"]})) == 1


def test_the_sellers_model_switch_and_model_name_are_obeyed(start_responder, kcat, fake):
    """policy.use_model false: the rules engine answers, the model is not called; use_model
    true with policy.model: the model is called under that name."""
    off = request(f"off-{run_id()}", "is it still available?")
    off["policy"]["use_model"] = False
    on = request(f"on-{run_id()}", "is it still available?")
    on["policy"].update({"use_model": True, "model": "seller-pick"})
    fake.script([{"match": on["request_id"], "content": DRAFT}])
    start_responder(fake)
    since = now_ms()
    produce(kcat, [off, on])
    by_id = wait_drafts(kcat, since, [off["request_id"], on["request_id"]], timeout=30)
    assert only(by_id, off["request_id"])["source"] == "rules"
    assert calls_for(fake, off["request_id"]) == []
    drafted = only(by_id, on["request_id"])
    assert drafted["source"] == "llm"
    assert drafted["model"]["name"] == "seller-pick"
    calls = calls_for(fake, on["request_id"])
    assert len(calls) == 1 and calls[0]["body"]["model"] == "seller-pick"


def test_model_failures_hand_off_with_the_reason(start_responder, kcat, fake):
    run = run_id()
    cases = {
        f"mal-{run}": ([{"malformed": True}, {"malformed": True}],
                       "model returned malformed output", 2),
        f"ref-{run}": ([{"refusal": "I can't help with that."}], "model refused", 1),
        f"401-{run}": ([{"status": 401}], "model API key rejected (401)", 1),
        f"quota-{run}": ([{"status": 429, "retry_after": "1",
                           "error": {"code": "insufficient_quota", "type": "insufficient_quota",
                                     "message": "You exceeded your current quota"}}],
                         "quota", 1),
        f"len-{run}": ([{"finish_reason": "length", "content": DRAFT},
                        {"finish_reason": "length", "content": DRAFT}],
                       "model returned malformed output", 2),
    }
    reqs = {conv: request(conv, "is it still available?")
            for conv in list(cases) + [f"mal1-{run}", f"500-{run}"]}
    script = []
    for conv, (items, _, _) in cases.items():
        script += [dict(item, match=reqs[conv]["request_id"]) for item in items]
    # recovers: malformed once, then fine; 500 then fine
    m1, s5 = reqs[f"mal1-{run}"]["request_id"], reqs[f"500-{run}"]["request_id"]
    script += [{"match": m1, "malformed": True}, {"match": m1, "content": DRAFT},
               {"match": s5, "status": 500}, {"match": s5, "content": DRAFT}]
    fake.script(script)
    svc = start_responder(fake)
    since = now_ms()
    produce(kcat, reqs.values())
    by_id = wait_drafts(kcat, since, [r["request_id"] for r in reqs.values()], timeout=40)
    for conv, (_, reason, calls) in cases.items():
        draft = only(by_id, reqs[conv]["request_id"])
        assert draft["action"] == "handoff", (conv, draft)
        assert reason in draft["guard"]["handoff_reason"], (conv, draft)
        assert draft["source"] == "llm"
        assert len(calls_for(fake, reqs[conv]["request_id"])) == calls, conv
    for conv in (f"mal1-{run}", f"500-{run}"):
        draft = only(by_id, reqs[conv]["request_id"])
        assert draft["action"] == "send", (conv, draft)
        assert len(calls_for(fake, reqs[conv]["request_id"])) == 2
    assert metric(svc, 'bb_responder_llm_errors_total{kind="malformed"}') >= 5
    assert metric(svc, 'bb_responder_llm_errors_total{kind="auth"}') >= 1


def test_timeouts_and_dropped_connections_are_retried(start_responder, kcat, fake):
    run = run_id()
    slow = request(f"to-{run}", "is it available?")
    cut = request(f"cut-{run}", "is it available?")
    dead = request(f"dead-{run}", "is it available?")
    fake.script([{"match": slow["request_id"], "content": DRAFT, "latency_ms": 2500},
                 {"match": slow["request_id"], "content": DRAFT},
                 {"match": cut["request_id"], "disconnect": True},
                 {"match": cut["request_id"], "content": DRAFT}] +
                [{"match": dead["request_id"], "content": DRAFT, "latency_ms": 2500}] * 2)
    start_responder(fake, LLM_TIMEOUT_MS="800", LLM_MAX_RETRIES="1")
    since = now_ms()
    produce(kcat, [slow, cut, dead])
    by_id = wait_drafts(kcat, since, [r["request_id"] for r in (slow, cut, dead)], timeout=30)
    for r in (slow, cut):
        draft = only(by_id, r["request_id"])
        assert draft["action"] == "send", draft
        assert len(calls_for(fake, r["request_id"])) == 2
    draft = only(by_id, dead["request_id"])
    assert draft["action"] == "handoff"
    assert "unreachable" in draft["guard"]["handoff_reason"]
    assert "after 2 attempts" in draft["guard"]["handoff_reason"]


def test_slow_model_call_does_not_block_the_others(start_responder, kcat, fake):
    run = run_id()
    reqs = [request(f"slow-{run}", "is it available?")] + \
        [request(f"fast-{run}-{i}", "is it available?") for i in range(20)]
    fake.script([{"match": reqs[0]["request_id"], "content": DRAFT, "latency_ms": 8000}])
    start_responder(fake)
    since = now_ms()
    produce(kcat, reqs)
    by_id = wait_drafts(kcat, since, [r["request_id"] for r in reqs], timeout=40)
    assert len(by_id) == 21
    slow_at = parse_time(by_id[reqs[0]["request_id"]][0]["time"])
    fast_at = [parse_time(by_id[r["request_id"]][0]["time"]) for r in reqs[1:]]
    # the 20 others were all drafted while the slow call was still waiting for its model
    assert max(fast_at) < slow_at - 3.0, (max(fast_at), slow_at)


def test_one_conversation_is_answered_in_order(start_responder, kcat, fake):
    """Two requests of one conversation: the second waits for the first, even when the
    first's model call is slow, so drafts never overtake each other."""
    run = run_id()
    conv = f"order-{run}"
    first = request(conv, "is it still available?")
    second = request(conv, "would you do $100?")
    other = request(f"order-other-{run}", "is it available?")
    fake.script([{"match": first["request_id"], "content": DRAFT, "latency_ms": 3000}])
    start_responder(fake)
    since = now_ms()
    produce(kcat, [first, second, other])
    by_id = wait_drafts(kcat, since, [first["request_id"], second["request_id"],
                                      other["request_id"]], timeout=30)
    assert len(by_id) == 3
    # another conversation is not held up by the slow one
    assert parse_time(by_id[other["request_id"]][0]["time"]) < \
        parse_time(by_id[first["request_id"]][0]["time"]) - 1.5
    msgs = [m for m in kcat.consume("bb.reply.drafts", timeout=0, offset=f"s@{since - 2000}")
            if m["key"] == conv]
    order = [m["json"]["data"]["request_id"] for m in sorted(msgs, key=lambda m: m["offset"])]
    assert order == [first["request_id"], second["request_id"]]
    calls = fake.requests()
    t_first = next(c["at"] for c in calls
                   if c["headers"].get("x-client-request-id") == first["request_id"])
    t_second = next(c["at"] for c in calls
                    if c["headers"].get("x-client-request-id") == second["request_id"])
    assert t_second - t_first >= 2.9  # the second call started after the first answered


# ---- delivery semantics --------------------------------------------------------------------


def test_redelivered_request_yields_the_same_draft_id(start_responder, kcat):
    conv = f"idem-{run_id()}"
    req = request(conv, "would you do $80?")
    start_responder()
    since = now_ms()
    produce(kcat, [req, req])
    time.sleep(1)
    by_id = wait_drafts(kcat, since, [req["request_id"]], timeout=20)
    deadline = time.monotonic() + 10
    evs = by_id[req["request_id"]]
    while len(evs) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
        evs = drafts_since(kcat, since, request_ids={req["request_id"]})
    assert len(evs) == 2
    assert evs[0]["id"] == evs[1]["id"]
    assert evs[0]["data"]["text"] == evs[1]["data"]["text"]
    assert evs[0]["subject"] == conv
    assert evs[0]["source"] == "byebuy/responder"


def test_poison_messages_go_to_the_dlq_and_the_consumer_goes_on(start_responder, kcat):
    run = run_id()
    start_responder()
    since = now_ms()
    bad_conv, bad_type, good_conv = f"poison-{run}", f"poison-type-{run}", f"after-{run}"
    bad = request(bad_conv, "hi")
    del bad["conversation_id"]
    from conftest import cloudevent
    kcat.produce_many("bb.reply.requests", [
        (f"junk-{run}", "this is not json"),
        (bad_conv, cloudevent("reply.requested", bad, subject=bad_conv)),
        (bad_type, cloudevent("something.else", {"x": 1}, subject=bad_type)),
    ])
    good = request(good_conv, "is it available?")
    produce(kcat, [good])
    assert wait_drafts(kcat, since, [good["request_id"]], timeout=20)
    keys = {f"junk-{run}", bad_conv, bad_type}
    deadline = time.monotonic() + 20
    while True:
        dlq = [m for m in kcat.consume(DLQ_TOPIC, timeout=0, offset=f"s@{since - 2000}")
               if m["key"] in keys]
        if len(dlq) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    reasons = {m["key"]: m["json"]["data"]["reason"] for m in dlq}
    assert "not a CloudEvent" in reasons[f"junk-{run}"]
    assert "conversation_id" in reasons[bad_conv]
    assert "something.else" in reasons[bad_type]



def test_unreadable_request_of_a_known_conversation_is_handed_off(start_responder, kcat):
    """A request the pipeline cannot read but that names its request and conversation gets a
    handoff draft with the reason (the api shows it to the seller at once), also when it
    waited behind an earlier request of its conversation; it is not sent to the DLQ."""
    run = run_id()
    start_responder()
    since = now_ms()
    conv = f"unreadable-{run}"
    first = request(conv, "is it available?")
    bad = request(conv, "hi")
    bad["listing"]["price_cents"] = "a lot"  # not an integer
    alone = request(f"unreadable-alone-{run}", "hi")
    del alone["listing"]
    produce(kcat, [first, bad, alone])
    by_id = wait_drafts(kcat, since, [first["request_id"], bad["request_id"],
                                      alone["request_id"]], timeout=20)
    assert only(by_id, first["request_id"])["action"] == "send"
    for req, what in ((bad, "price_cents"), (alone, "listing")):
        draft = only(by_id, req["request_id"])
        assert draft["action"] == "handoff"
        assert draft["conversation_id"] == req["conversation_id"]
        assert "could not read the reply request" in draft["guard"]["handoff_reason"]
        assert what in draft["guard"]["handoff_reason"]
    dlq = [m for m in kcat.consume(DLQ_TOPIC, timeout=0, offset=f"s@{since - 2000}")
           if m["key"] in (conv, alone["conversation_id"])]
    assert dlq == []

def test_sigkill_mid_batch_every_request_gets_its_draft(start_responder, kcat, fake):
    run = run_id()
    fake.script([], latency_ms=300)
    svc = start_responder(fake, LLM_MAX_INFLIGHT="8")
    since = now_ms()
    reqs = [request(f"kill-{run}-{i}", "would you do $90?") for i in range(100)]
    produce(kcat, reqs)
    deadline = time.monotonic() + 30
    while metric(svc, "bb_responder_drafts_total") < 15 and time.monotonic() < deadline:
        time.sleep(0.05)
    done_before = metric(svc, "bb_responder_drafts_total")
    svc.kill(signal.SIGKILL)
    assert 0 < done_before < 100, done_before
    start_responder(fake)
    ids = [r["request_id"] for r in reqs]
    by_id = wait_drafts(kcat, since, ids, timeout=90)
    missing = set(ids) - set(by_id)
    assert not missing, f"{len(missing)} requests without a draft"
    for rid, evs in by_id.items():
        assert len({ev["id"] for ev in evs}) == 1, f"{rid}: different draft ids {evs}"


def test_sigterm_stops_within_5s_and_unfinished_requests_are_redone(start_responder, kcat,
                                                                    fake):
    run = run_id()
    fake.script([], latency_ms=15000)
    svc = start_responder(fake, LLM_TIMEOUT_MS="30000")
    since = now_ms()
    reqs = [request(f"term-{run}-{i}", "is it available?") for i in range(3)]
    produce(kcat, reqs)
    deadline = time.monotonic() + 20
    ids = {r["request_id"] for r in reqs}
    while len([r for r in fake.requests() if r["headers"].get("x-client-request-id") in ids]) < 3:
        assert time.monotonic() < deadline, "the model never got the requests"
        time.sleep(0.1)
    t0 = time.monotonic()
    svc.kill(signal.SIGTERM)
    rc = svc.wait_exit(timeout=10)
    elapsed = time.monotonic() - t0
    assert rc == 0, svc.log_tail()
    assert elapsed < 5.0, elapsed
    log = svc.log_text()
    assert "shutting down" in log and log.rstrip().endswith("bye")
    assert not drafts_since(kcat, since, request_ids={r["request_id"] for r in reqs})
    # the next instance drafts them (the model is quick again)
    fake.reset()
    start_responder(fake)
    by_id = wait_drafts(kcat, since, [r["request_id"] for r in reqs], timeout=40)
    assert len(by_id) == 3


def test_health_ready_and_metrics(start_responder, kcat):
    import requests as http
    svc = start_responder()
    assert http.get(svc.url + "/healthz", timeout=5).json()["status"] == "ok"
    ready = http.get(svc.url + "/readyz", timeout=5).json()
    assert ready["checks"]["kafka"]["ok"] is True
    since = now_ms()
    req = request(f"metrics-{run_id()}", "is it available?")
    produce(kcat, [req])
    assert wait_drafts(kcat, since, [req["request_id"]], timeout=20)
    deadline = time.monotonic() + 5
    while metric(svc, 'bb_responder_drafts_total{source="rules"') < 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    text = http.get(svc.url + "/metrics", timeout=5).text
    assert "bb_responder_inflight" in text
    assert "bb_responder_overhead_seconds_bucket" in text
