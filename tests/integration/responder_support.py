"""Helpers shared by the responder's integration tests: building reply.requested events,
producing them, waiting for drafts, a consumer group whose offsets sit at the end of the
topic, and an independent checker of the post-guard invariants (written from the issue's
rules, not from the C code, so it can catch the C code being wrong)."""

import json
import math
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from conftest import BIN_DIR, LOG_DIR, ROOT, cloudevent

sys.path.insert(0, str(ROOT / "tests" / "fakes"))
from fake_openai import FakeOpenAI  # noqa: E402  (the path is set just above)

REQUESTS_TOPIC = "bb.reply.requests"
DRAFTS_TOPIC = "bb.reply.drafts"
DLQ_TOPIC = "bb.dlq"
SCENARIOS = ROOT / "services" / "responder" / "tests" / "scenarios.json"

# Kafka settings for tests: a killed member must leave the group quickly.
FAST_GROUP_ENV = {"KAFKA_SESSION_TIMEOUT_MS": "6000", "KAFKA_HEARTBEAT_INTERVAL_MS": "1000"}


def load_scenarios():
    return json.loads(SCENARIOS.read_text())["scenarios"]


def request(conv, text, request_id=None, price=12000, floor=6300, flexibility=0.5,
            history=None, title="Trek road bike", notes="pickup after 5pm", **listing):
    """A reply.requested data object with a Trek bike listing by default."""
    data = {
        "request_id": request_id or f"req-{uuid.uuid4().hex[:12]}",
        "conversation_id": conv,
        "listing": {"id": 7, "title": title,
                    "description": "56cm aluminium frame, new tires, shifts smoothly.",
                    "price_cents": price, "floor_cents": floor, "currency": "USD",
                    "flexibility": flexibility, "condition": "good", "location": "Oakland",
                    "status": "active", "seller_notes": notes},
        "buyer": {"name": "Sam"},
        "state": {"status": "active", "agreed_price_cents": None, "current_offer_cents": None,
                  "competing_offer_cents": None},
        "history": history or [],
        "new_messages": [{"fingerprint": uuid.uuid4().hex[:16], "text": text,
                          "at": "2026-11-27T10:00:00Z"}],
        "policy": {"tone": "friendly", "persona": "", "auto_send": True},
    }
    data["listing"].update(listing)
    return data


def envelope(data):
    return cloudevent("reply.requested", data, subject=data["conversation_id"],
                      source="byebuy/api")


def produce(kcat, datas):
    kcat.produce_many(REQUESTS_TOPIC, [(d["conversation_id"], envelope(d)) for d in datas])


def produce_to_partition(bootstrap, partition, key, payload):
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", REQUESTS_TOPIC, "-p", str(partition),
                    "-K", "\t", "-z", "none"],
                   input=f"{key}\t{json.dumps(payload, separators=(',', ':'))}\n", text=True,
                   check=True, timeout=60)


def now_ms():
    return int(time.time() * 1000)


def drafts_since(kcat, since_ms, keys=None, request_ids=None):
    """Drafts on bb.reply.drafts written after since_ms (wall clock), filtered."""
    msgs = kcat.consume(DRAFTS_TOPIC, timeout=0, offset=f"s@{since_ms - 2000}")
    out = []
    for m in msgs:
        ev = m["json"]
        if not ev or ev.get("type") != "reply.drafted":
            continue
        if keys is not None and m["key"] not in keys:
            continue
        if request_ids is not None and ev["data"]["request_id"] not in request_ids:
            continue
        out.append(ev)
    return out


def wait_drafts(kcat, since_ms, request_ids, timeout=30):
    """Waits until every request id has at least one draft; returns {request_id: [events]}."""
    request_ids = set(request_ids)
    deadline = time.monotonic() + timeout
    while True:
        by_id = {}
        for ev in drafts_since(kcat, since_ms, request_ids=request_ids):
            by_id.setdefault(ev["data"]["request_id"], []).append(ev)
        if len(by_id) >= len(request_ids) or time.monotonic() >= deadline:
            return by_id
        time.sleep(0.3)


def metric(svc, name_prefix):
    """Sum of the samples of /metrics whose name starts with name_prefix."""
    text = requests.get(svc.url + "/metrics", timeout=5).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name_prefix) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def probe_request(conv):
    return request(conv, "is it still available?")


def settle_group(bootstrap, group, partitions=6, timeout=90):
    """Makes `group` hold a committed offset at the end of every partition of
    bb.reply.requests: runs a responder with auto.offset.reset=latest and sends a probe to
    each partition until each one got its draft, then stops it (which commits). Responders
    started later in this group then read only what the tests produce."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "KAFKA_GROUP_ID": group, "KAFKA_AUTO_OFFSET_RESET": "latest", "HEALTH_PORT": str(port),
           "LOG_LEVEL": "info", **FAST_GROUP_ENV}
    log = open(LOG_DIR / f"responder_settle_{group}.log", "ab")
    proc = subprocess.Popen([str(BIN_DIR / "byebuy-responder")], env=env, cwd=str(ROOT),
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        run = uuid.uuid4().hex[:8]
        pending = {p: f"settle-{run}-p{p}" for p in range(partitions)}
        since = now_ms()
        deadline = time.monotonic() + timeout
        from conftest import Kcat
        kc = Kcat(bootstrap)
        while pending and time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"responder exited with {proc.returncode} while settling")
            for p, conv in pending.items():
                produce_to_partition(bootstrap, p, conv, envelope(probe_request(conv)))
            time.sleep(2)
            seen = {ev["subject"] for ev in drafts_since(kc, since, keys=set(pending.values()))}
            pending = {p: c for p, c in pending.items() if c not in seen}
        if pending:
            raise RuntimeError(f"partitions {sorted(pending)} never answered a probe")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the post-guard invariants, checked independently --------------------------------------

EM_DASHES = ("\u2014", "\u2013")
PHONE = re.compile(r"(?<![\d$])(?:\+?\d[\d\s().-]{7,}\d)(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.I)
LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|io|me|ly|co|app)\b", re.I)
CLAIMS_HUMAN = re.compile(
    r"\b(?:i'?m|i am)\s+(?:a\s+)?(?:real\s+)?(?:human|person)\b|\bnot\s+a\s+(?:bot|robot|ai)\b",
    re.I)
MONEY = re.compile(r"[$\u20ac\u00a3]\s?(\d[\d,]*(?:\.\d{1,2})?)(k?)|"
                   r"(\d[\d,]*(?:\.\d{1,2})?)\s?(?:[$\u20ac\u00a3]|dollars|bucks|euros?)\b", re.I)
MAX_CHARS = 320


def visible_lowest(price, floor, flexibility):
    """What the policy may show at most: price - (price - floor) * flex, rounded up to a
    dollar, never below the floor (the issue's formula; a lower bound for the check)."""
    if floor <= 0 or floor > price:
        return price
    v = price - (price - floor) * flexibility
    return max(floor, int(math.ceil(v / 100.0)) * 100)


def amounts(text):
    out = []
    for m in MONEY.finditer(text or ""):
        num = m.group(1) or m.group(3)
        value = float(num.replace(",", "")) * (1000 if m.group(2) else 1)
        out.append(int(round(value * 100)))
    return out


def guard_violations(draft, req):
    """Rules every draft with action send must keep; returns a list of broken ones."""
    if draft["action"] != "send":
        return []
    v = []
    text = draft.get("text") or ""
    lst = req["listing"]
    floor = lst.get("floor_cents") or 0
    if not text.strip():
        v.append("empty text")
    if any(d in text for d in EM_DASHES):
        v.append("em dash")
    if len(text) > MAX_CHARS:
        v.append(f"{len(text)} characters")
    if PHONE.search(text):
        v.append("phone number")
    if EMAIL.search(text):
        v.append("email")
    if LINK.search(text):
        v.append("link")
    if CLAIMS_HUMAN.search(text):
        v.append("claims to be human")
    if lst.get("id"):
        for cents in amounts(text):
            if cents < floor:
                v.append(f"names {cents} below the floor {floor}")
        deal = draft["deal"]
        for k in ("agreed_price_cents", "counter_cents"):
            if deal.get(k) and deal[k] < floor:
                v.append(f"{k} {deal[k]} below the floor {floor}")
        if floor and floor < visible_lowest(lst["price_cents"], floor, lst.get("flexibility", 0.5)):
            if floor in amounts(text):
                v.append("discloses the floor")
    return v


def system_prompt(body):
    return "\n".join(m["content"] for m in body.get("messages", []) if m.get("role") == "system")


def names_amount(text, cents):
    """True when text names the amount as money ($63, 63 dollars) or as bare cents (6300)."""
    if cents in amounts(text):
        return True
    dollars = cents // 100
    if cents % 100 == 0 and re.search(rf"(?<![\d.$]){dollars}(?![\d])", text):
        return True
    return re.search(rf"(?<!\d){cents}(?!\d)", text) is not None


def strip_buyer_lines(system):
    """The system prompt without the lines that quote the buyer's own offer (a buyer may
    offer exactly the floor; repeating their number discloses nothing)."""
    return "\n".join(line for line in system.splitlines()
                     if not line.startswith("- The buyer offered")
                     and not line.startswith("- The buyer's standing offer"))
