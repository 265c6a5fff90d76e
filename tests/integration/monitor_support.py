"""Support for the monitor's integration tests: a consumer group positioned at the end of
bb.monitor.commands (older commands of other tests never replay), commands and desired-state
records produced on the partition the services' murmur2 partitioner picks (so partition p of
bb.monitor.commands is partition p of bb.monitor.desired, as with the api), a sandbox item to
write to, and reading bb.monitor.events."""

import hashlib
import random
import re
import subprocess
import time
import uuid

import requests

from conftest import ROOT, cloudevent
from poster_support import JPEGS, kafka_java

COMMANDS = "bb.monitor.commands"
DESIRED = "bb.monitor.desired"
EVENTS = "bb.monitor.events"
PARTITIONS = 6  # TOPIC_PARTITIONS' default, which the services create the topics with

FAST_PACING = {"active_min_ms": 200, "active_max_ms": 300, "idle_min_ms": 300,
               "idle_max_ms": 400, "break_every_cycles": 0, "break_min_ms": 0,
               "break_max_ms": 0}


def murmur2_partition(key: str, partitions=PARTITIONS) -> int:
    """Kafka's default partitioner (librdkafka murmur2_random, the Java client's): the
    partition of a keyed record."""
    data = key.encode()
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest = data[4 * n4:]
    if len(rest) >= 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if len(rest) >= 1:
        h ^= rest[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return (h & 0x7FFFFFFF) % partitions


def account_in_partition(partition=None, avoid=()):
    """A fresh account id (below 2^53), in the given partition when one is asked for."""
    while True:
        acct = random.randint(10**9, 10**12)
        p = murmur2_partition(str(acct))
        if (partition is None or p == partition) and p not in avoid:
            return acct


def fingerprint(thread_id, sender, text, occurrence):
    """common/fingerprint.h's fingerprint_message."""
    norm = " ".join(text.split())
    enc = f"bbfp1|{len(thread_id.encode())}:{thread_id}|{len(sender)}:{sender}|" \
          f"{len(norm.encode())}:{norm}|{occurrence}"
    return hashlib.sha256(enc.encode()).hexdigest()


def ensure_topics(bootstrap):
    for topic, extra in ((COMMANDS, []), (EVENTS, []),
                         (DESIRED, ["--config", "cleanup.policy=compact"])):
        out = kafka_java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap,
                         "--create", "--if-not-exists", "--topic", topic, "--partitions",
                         str(PARTITIONS), "--replication-factor", "1", *extra)
        assert out.returncode == 0, out.stderr[-2000:]


def fresh_group(bootstrap):
    """A new consumer group at the end of bb.monitor.commands."""
    ensure_topics(bootstrap)
    group = "monitor-test-" + uuid.uuid4().hex[:10]
    out = kafka_java("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                     "--bootstrap-server", bootstrap, "--group", group, "--topic", COMMANDS,
                     "--reset-offsets", "--to-latest", "--execute")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return group


def produce(bootstrap, topic, key, payload):
    """One record on the partition the services would choose for key; payload None = a
    tombstone."""
    import json
    part = murmur2_partition(key)
    args = ["kcat", "-b", bootstrap, "-P", "-t", topic, "-p", str(part), "-k", key, "-z", "none"]
    if payload is None:
        args.append("-Z")  # an empty value is sent as NULL: a tombstone
        data = "\n"
    else:
        data = json.dumps(payload, separators=(",", ":"))
    subprocess.run(args, input=data, text=True, check=True, timeout=60)


def desired(bootstrap, acct, running, pacing=None, caps=None, platform="sandbox"):
    data = {"account_id": acct, "platform": platform, "label": f"test {acct}",
            "running": running, "browser_profile": None, "pacing": pacing or FAST_PACING,
            "caps": caps}
    produce(bootstrap, DESIRED, str(acct), cloudevent("monitor.desired", data, subject=str(acct)))


def command(bootstrap, type_, data):
    acct = str(data["account_id"])
    produce(bootstrap, COMMANDS, acct, cloudevent(type_, data, subject=acct))


def monitor_env(chromedriver_url, sandbox_url, group, **extra):
    env = {
        "KAFKA_GROUP_ID": group,
        "WEBDRIVER_URL": chromedriver_url,
        "SANDBOX_URL": sandbox_url,
        "INBOX_RECIPES_DIR": str(ROOT / "recipes" / "inbox"),
        "MONITOR_USE_PROFILES": "false",
        "MONITOR_HEARTBEAT_MS": "1000",
        "MONITOR_BROWSER_RETRY_MS": "500",
        "MONITOR_ACTIVE_MIN_MS": "200", "MONITOR_ACTIVE_MAX_MS": "300",
        "MONITOR_IDLE_MIN_MS": "300", "MONITOR_IDLE_MAX_MS": "400",
        "MONITOR_BREAK_EVERY_CYCLES": "0",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def seed_item(sandbox_url, title):
    """Publishes an item through the sandbox's create form (posted directly, as its README
    allows) and returns its id."""
    import base64
    files = [("photos", ("p.jpg", base64.b64decode(JPEGS[0]), "image/jpeg"))]
    data = {"title": title, "price": "120", "category": "Furniture", "condition": "Used - good",
            "description": "test item", "location": "Austin, Texas"}
    r = requests.post(sandbox_url + "/marketplace/create/item", data=data, files=files,
                      allow_redirects=False, timeout=10)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    m = re.search(r"/marketplace/item/(\d+)", r.headers["Location"])
    return m.group(1)


def buyer_writes(sandbox_url, item_id, buyer, text):
    r = requests.post(f"{sandbox_url}/_sandbox/items/{item_id}/messages",
                      json={"buyer": buyer, "text": text}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def sandbox_thread(sandbox_url, thread_id):
    r = requests.get(f"{sandbox_url}/_sandbox/threads/{thread_id}", timeout=10)
    r.raise_for_status()
    return r.json()


def events_of(kcat, acct, type_, key=None):
    out = []
    for m in kcat.consume(EVENTS, timeout=0):
        ev = m["json"]
        if not ev or ev.get("type") != type_ or ev["data"].get("account_id") != acct:
            continue
        if key is not None and m["key"] != key:
            continue
        out.append(ev)
    return out


def wait_events(kcat, acct, type_, count=1, key=None, timeout=60, pred=lambda ev: True):
    deadline = time.monotonic() + timeout
    while True:
        found = [ev for ev in events_of(kcat, acct, type_, key) if pred(ev)]
        if len(found) >= count or time.monotonic() >= deadline:
            return found
        time.sleep(0.3)
