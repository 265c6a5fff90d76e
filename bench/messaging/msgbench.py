#!/usr/bin/env python3
"""Messaging benchmark: message.received -> message.send through the api and the responder.

Starts an api (fresh database) and one or more responders (rules engine, or the fake
OpenAI-compatible server with 0 ms latency), prepares through the api what a monitor's
events refer to (the default account by POST /api/polling/start; listings by POST
/api/listings, each posted with POST /api/listings/{id}/post and reported posted by a
posting.succeeded event with its item URL, as the poster reports it), then plays the
monitor: one message.received per buyer message on bb.monitor.events, each on its own
thread, the thread's listing_hint being a listing's item URL. It reads everything back from
the topics and splits each conversation's path by the Kafka CreateTimes (one host clock, ms):

  message.received (this script's producer) -> reply.requested (api's outbox relay)
  -> reply.drafted (responder) -> message.send (api's outbox relay, bb.monitor.commands)

Modes:
  steady: one message every --interval-ms (after --warmup messages): latency percentiles;
  burst:  --conversations messages produced at once: conversations/s, latency, and the CPU
          time per conversation of the api, the responders, PostgreSQL and Kafka.
Both check that every conversation got exactly one message.send (none lost, none doubled)
and one reply.requested, and print the load average before and after.

Usage: bench/messaging/run.sh steady|burst [options] (it sets BENCH_PG_URL, BENCH_KAFKA)."""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "posting"))
import benchstack  # noqa: E402
from benchstack import (ROOT, Database, Service, free_port, group_at_end,  # noqa: E402
                        machine, need_env, percentile, sql)

benchstack.PORT_VARIABLE["responder"] = "HEALTH_PORT"
PLATFORM = "sandbox"
ITEM_BASE = "http://127.0.0.1:8090/marketplace/item"  # the sandbox's item links
TEXT = "is this still available?"
# Listing titles without digits by default: before commit 88eb0c3 the responder's guard read a
# number of the title that the reply repeats ("The desk lamp 1 is $80") as an amount below
# the floor and handed the chat off (bench/README.md, Messaging); --numbered-titles checks it.
WORDS = ("oak", "pine", "teal", "brass", "linen", "amber", "slate", "cedar", "ivory", "olive")
TOPIC_EVENTS, TOPIC_COMMANDS = "bb.monitor.events", "bb.monitor.commands"
TOPIC_REQUESTS, TOPIC_DRAFTS = "bb.reply.requests", "bb.reply.drafts"


def cloudevent(type_, data, subject, source):
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": source, "type": type_,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "subject": subject,
            "datacontenttype": "application/json", "data": data}


def fingerprint(thread_id, sender, text, occurrence=1):
    """The monitor's fingerprint (libs/common/src/fingerprint.c, pinned there)."""
    text = " ".join(text.split())
    s = (f"bbfp1|{len(thread_id)}:{thread_id}|{len(sender)}:{sender}|{len(text)}:{text}"
         f"|{occurrence}")
    return hashlib.sha256(s.encode()).hexdigest()


class Producer:
    """One long-lived kcat producer: a line written is a message produced at once (its
    CreateTime is set when kcat hands it to librdkafka), without a process start per
    message."""

    def __init__(self, bootstrap, topic):
        self.proc = subprocess.Popen(
            ["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-z", "none",
             "-X", "linger.ms=0"], stdin=subprocess.PIPE, text=True)

    def send(self, key, payload):
        self.proc.stdin.write(f"{key}\t{json.dumps(payload, separators=(',', ':'))}\n")
        self.proc.stdin.flush()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def produce(bootstrap, topic, key, payload):
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-z", "none"],
                   input=f"{key}\t{json.dumps(payload, separators=(',', ':'))}\n", text=True,
                   check=True, timeout=60)


def consume(bootstrap, topic, start_ms):
    """Messages of topic produced since start_ms: [(CreateTime ms, key, payload dict)]."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", f"s@{start_ms}",
                          "-e", "-J", "-q"], capture_output=True, text=True, timeout=180)
    msgs = []
    for line in out.stdout.splitlines():
        try:
            m = json.loads(line)
            payload = json.loads(m.get("payload") or "null")
        except ValueError:
            continue
        if isinstance(payload, dict):
            msgs.append((m.get("ts"), m.get("key"), payload))
    return msgs


def wait_until(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    sys.exit(f"timed out after {timeout}s waiting for {what}")


# ---- CPU accounting ------------------------------------------------------------------------

def proc_cpu(pid, children=False):
    """utime + stime (+ cutime + cstime: exited children) of pid in seconds, 0 if gone."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def children_of(ppid):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                pass
    return out


def postgres_cpu(postmaster):
    """The postmaster with its exited backends, plus every live backend."""
    return proc_cpu(postmaster, children=True) + sum(proc_cpu(p) for p in children_of(postmaster))


def cpu_snapshot(b):
    """CPU seconds so far of the api, the responders, PostgreSQL and the Kafka broker."""
    kpid = kafka_pid()
    return {"api": sum(proc_cpu(a.proc.pid) for a in b.apis),
            "responders": sum(proc_cpu(r.proc.pid) for r in b.responders),
            "postgres": postgres_cpu(b.postmaster), "kafka": proc_cpu(kpid) if kpid else 0.0}


def cpu_line(before, after, n):
    per = {k: (after[k] - before[k]) / n * 1000 for k in before}
    return ("CPU per conversation (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in per.items())
            + f"; sum {sum(per.values()):.2f}")


METRIC = re.compile(
    r'^bb_(?:kafka_)?(handler|dispatch_delay|event_apply)_seconds_(sum|count)'
    r'\{topic="([^"]+)"\} (\S+)$', re.M)


def consumer_metrics(services):
    """{(kind, topic): [sum s, count]} of the consumer wrapper's histograms from /metrics,
    summed over the services."""
    out = {}
    for svc in services:
        try:
            text = requests.get(svc.url + "/metrics", timeout=10).text
        except requests.RequestException:
            continue
        for kind, field, topic, value in METRIC.findall(text):
            out.setdefault((kind, topic), [0.0, 0.0])[0 if field == "sum" else 1] += float(value)
    return out


def metrics_means(before, after):
    """{(kind, topic): mean ms} of the consumer histograms over the window."""
    out = {}
    for (kind, topic), (s1, c1) in after.items():
        s0, c0 = before.get((kind, topic), (0.0, 0.0))
        if c1 > c0:
            out[(kind, topic)] = (s1 - s0) / (c1 - c0) * 1000
    return out


def metrics_lines(rec, measured, before, after):
    """The api's two hops split by means: Kafka (CreateTime -> the consumer hands the event
    to the handler: fetch, plus waiting behind earlier events), the handler (one
    transaction), and the rest, i.e. the outbox relay (commit -> NOTIFY -> claim -> produce),
    by difference from the hop's mean."""
    m = metrics_means(before, after)
    full = [t for t in measured if rec[t]["sends"] and rec[t].get("requests")
            and rec[t].get("drafts") and "received" in rec[t]]
    if not full:
        return
    hops = (("received -> reply.requested", TOPIC_EVENTS,
             [rec[t]["requests"][0] - rec[t]["received"] for t in full]),
            ("reply.drafted -> message.send", TOPIC_DRAFTS,
             [rec[t]["sends"][0] - rec[t]["drafts"][0][0] for t in full]))
    for name, topic, values in hops:
        mean = sum(values) / len(values)
        fetch, handler = m.get(("dispatch_delay", topic)), m.get(("handler", topic))
        apply = m.get(("event_apply", topic))
        if fetch is None or handler is None:
            continue
        if apply is not None:  # a pool of applier threads: the handler only hands over
            print(f"api hop {name}, means: {mean:.1f} ms = consumer fetch+queue {fetch:.1f} + "
                  f"handler (transaction on an applier thread) {apply:.1f} + applier queue "
                  f"and outbox relay {mean - fetch - apply:.1f}")
            continue
        print(f"api hop {name}, means: {mean:.1f} ms = consumer fetch+queue {fetch:.1f} + "
              f"handler (transaction) {handler:.1f} + outbox relay {mean - fetch - handler:.1f}")


def kafka_pid():
    try:
        return int((ROOT / ".run" / "test" / "pids" / "kafka.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# ---- the stack -----------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.admin_url, self.bootstrap = need_env("BENCH_PG_URL"), need_env("BENCH_KAFKA")
        self.tag = time.strftime("msg-%Y%m%dT%H%M%S")
        self.started, self.fake = [], None
        self.db = Database(self.admin_url, "bench_msg")

    def start(self):
        a = self.args
        api_env = {"DATABASE_URL": self.db.url, "UPLOAD_DIR": f"/tmp/{self.tag}-uploads",
                   "KAFKA_GROUP_ID": f"bench-api-{self.tag}", "KAFKA_AUTO_OFFSET_RESET": "latest",
                   "PLATFORMS": PLATFORM, "LOG_LEVEL": a.log_level}
        api_env.update(kv.split("=", 1) for kv in a.api_env)
        self.apis = [Service("api", api_env, self.bootstrap, self.tag) for _ in range(a.apis)]
        self.started.extend(self.apis)
        for api in self.apis:
            api.wait_ready()
        self.api = self.apis[0]  # the one the HTTP preparation talks to
        self.wait_assigned(self.apis, (TOPIC_EVENTS, TOPIC_DRAFTS, "bb.posting.events"))
        group = group_at_end(self.bootstrap, TOPIC_REQUESTS, "bench-responder")
        renv = {"KAFKA_GROUP_ID": group, "KAFKA_AUTO_OFFSET_RESET": "latest",
                "LOG_LEVEL": a.log_level}
        if a.model == "fake":
            renv.update({"OPENAI_BASE_URL": self.start_fake(), "OPENAI_MODEL": "fake-model"})
        self.responders = []
        for _ in range(a.responders):
            r = Service("responder", renv, self.bootstrap, self.tag)
            self.started.append(r)
            self.responders.append(r)
        for r in self.responders:
            r.wait_ready()
        self.wait_assigned(self.responders, (TOPIC_REQUESTS,))

    def start_fake(self):
        port = free_port()
        log = open(benchstack.LOG_DIR / f"{self.tag}.fake_openai.log", "ab")
        self.fake = subprocess.Popen([sys.executable, str(ROOT / "tests/fakes/fake_openai.py"),
                                      "--port", str(port), "--latency-ms", "0"],
                                     stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.fake.stdout.readline()
        if "listening" not in line:
            sys.exit(f"the fake OpenAI server did not start: {line!r}")
        return f"http://127.0.0.1:{port}/v1"

    @staticmethod
    def wait_assigned(services, topics, timeout=120):
        """Until every service holds partitions and together they hold all 6 of each topic
        (each log read in order: a cooperative rebalance revokes and assigns elsewhere)."""
        event = re.compile(r"kafka (assigned|revoked|lost): (.*)")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held_by = []
            for svc in services:
                held = set()
                for m in event.finditer(svc.log_text()):
                    parts = {(t, int(x)) for t, xs in re.findall(r"(\S+)\[([\d,]+)\]", m.group(2))
                             for x in xs.split(",") if t in topics}
                    held = held | parts if m.group(1) == "assigned" else held - parts
                held_by.append(held)
            if all(held_by) and len(set().union(*held_by)) == 6 * len(topics):
                time.sleep(1)  # offsets of new assignments resolve at the first fetch
                return
            time.sleep(0.2)
        sys.exit(f"{services[0].name}: partitions of {topics} never all assigned")

    def applied(self, event_id):
        return sql(self.db.url, "SELECT count(*) FROM processed_events WHERE event_id = %s",
                   (event_id,))[0][0] == 1

    def position_api(self):
        """A marker on each input topic until the api (offset reset: latest) applied one."""
        for topic, type_, data in (
                (TOPIC_EVENTS, "monitor.status",
                 {"account_id": 999999999, "status": {"running": False, "cycle": 0,
                                                      "last_poll_at": None, "last_error": None,
                                                      "login_required": False}}),
                (TOPIC_DRAFTS, "reply.drafted",
                 {"request_id": "marker", "conversation_id": "999999999", "action": "none",
                  "source": "rules"})):
            def marker_applied():
                ev = cloudevent(type_, data, "marker", "byebuy/bench")
                produce(self.bootstrap, topic, "marker", ev)
                end = time.monotonic() + 2
                while time.monotonic() < end:
                    if self.applied(ev["id"]):
                        return True
                    time.sleep(0.05)
                return False
            wait_until(marker_applied, 90, f"the api to apply a marker on {topic}", 0)

    def prepare(self):
        """The account and the listings, through the api; returns [item URL]."""
        api = self.api.url
        r = requests.post(api + "/api/polling/start", json={}, timeout=30)
        r.raise_for_status()
        self.account = r.json()["account_id"]
        self.position_api()
        items, jobs = [], {}
        def name(i):
            return str(i) if self.args.numbered_titles else WORDS[i % len(WORDS)]
        for i in range(self.args.listings):
            r = requests.post(api + "/api/listings", timeout=30,
                              json={"title": f"Bench desk lamp {name(i)}",
                                    "price": "80.00",
                                    "min_price": "60.00", "description": "messaging bench",
                                    "condition": "good"})
            r.raise_for_status()
            lid = r.json()["id"]
            r = requests.post(f"{api}/api/listings/{lid}/post", json={"platform": PLATFORM},
                              timeout=30)
            r.raise_for_status()
            external_id = str(lid)
            jobs[r.json()["id"]] = external_id
            items.append(f"{ITEM_BASE}/{external_id}/")
        for job, external_id in jobs.items():  # as the poster reports a success
            produce(self.bootstrap, "bb.posting.events", str(job), cloudevent(
                "posting.succeeded", {"job_id": job, "attempt": 1, "external_id": external_id,
                                      "external_url": f"{ITEM_BASE}/{external_id}/"},
                str(job), "byebuy/poster"))
        wait_until(lambda: sql(self.db.url, "SELECT count(*) FROM posting_jobs WHERE status = "
                                            "'posted'")[0][0] == len(jobs), 60, "jobs posted")
        with psycopg.connect(self.db.url) as conn:  # the backend's parent, while it lives
            pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            self.postmaster = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
                                  .split()[1])
        return items

    def stop(self):
        for s in reversed(self.started):
            s.stop()
        if self.fake:
            self.fake.terminate()
            self.fake.wait(timeout=10)
        self.db.drop()


# ---- the messages --------------------------------------------------------------------------

def received(account, thread, item_url, n):
    fp = fingerprint(thread, "buyer", TEXT)
    data = {"account_id": account,
            "thread": {"id": thread, "url": f"/marketplace/t/{thread}/", "listing_hint": item_url},
            "buyer": {"id": f"{thread}-b", "name": f"Buyer {n}"},
            "message": {"fingerprint": fp, "text": TEXT, "from": "buyer", "sent_at": None}}
    return fp, cloudevent("message.received", data, thread, "byebuy/monitor")


def sends_of(bootstrap, start_ms, threads):
    """{thread: [CreateTime of each message.send]} on bb.monitor.commands since start_ms."""
    sends = {}
    for ts, _key, ev in consume(bootstrap, TOPIC_COMMANDS, start_ms):
        tid = (ev.get("data") or {}).get("thread_id")
        if ev.get("type") == "message.send" and tid in threads:
            sends.setdefault(tid, []).append(ts)
    return sends


def wait_sends(bootstrap, start_ms, threads, timeout, stall=15, interval=1.0):
    """Until every thread has a message.send, nothing new came for `stall` s (a conversation
    handed off gets none), or timeout."""
    deadline = time.monotonic() + timeout
    seen, progress_at = -1, time.monotonic()
    while True:
        n = len(sends_of(bootstrap, start_ms, threads))
        if n != seen:
            seen, progress_at = n, time.monotonic()
        now = time.monotonic()
        if n == len(threads) or now > deadline or now - progress_at > stall:
            return n
        time.sleep(interval)


def collect(bootstrap, start_ms, threads, fps, timeout):
    """Per thread: CreateTimes of received, requested, drafted, send (first of each) and the
    count of requests and sends. Waits until every thread has its send (see wait_sends)."""
    wait_sends(bootstrap, start_ms, threads, timeout)
    time.sleep(2)  # a late duplicate would have landed by now
    sends = sends_of(bootstrap, start_ms, threads)
    rec = {t: {"sends": sorted(sends.get(t, []))} for t in threads}
    for ts, key, ev in consume(bootstrap, TOPIC_EVENTS, start_ms):
        t = (ev.get("data") or {}).get("thread", {}).get("id")
        if ev.get("type") == "message.received" and t in rec:
            rec[t].setdefault("received", ts)
    req_of = {}
    for ts, key, ev in consume(bootstrap, TOPIC_REQUESTS, start_ms):
        d = ev.get("data") or {}
        for m in d.get("new_messages") or []:
            t = fps.get(m.get("fingerprint"))
            if t:
                rec[t].setdefault("requests", []).append(ts)
                req_of[d.get("request_id")] = t
    for ts, key, ev in consume(bootstrap, TOPIC_DRAFTS, start_ms):
        d = ev.get("data") or {}
        t = req_of.get(d.get("request_id"))
        if t:
            rec[t].setdefault("drafts", []).append((ts, d.get("action"), d.get("source")))
    return rec


def stats(name, values):
    v = sorted(values)
    if not v:
        return f"{name:<38} n=0"
    return (f"{name:<38} n={len(v):<4} p50={percentile(v, 50):6.0f}  p90={percentile(v, 90):6.0f}"
            f"  p99={percentile(v, 99):6.0f}  max={v[-1]:6.0f}  mean={sum(v) / len(v):6.1f} ms")


def report(rec, measured):
    """Prints the split and the checks; returns (ok, end-to-end list)."""
    lost = [t for t in measured if not rec[t]["sends"]]
    doubled = [t for t in measured if len(rec[t]["sends"]) > 1]
    multi_req = [t for t in measured if len(rec[t].get("requests", [])) != 1]
    actions = {}
    for t in measured:
        for _ts, action, source in rec[t].get("drafts", []):
            actions[(action, source)] = actions.get((action, source), 0) + 1
    full = [t for t in measured if rec[t]["sends"] and rec[t].get("requests")
            and rec[t].get("drafts") and "received" in rec[t]]
    e2e = [rec[t]["sends"][0] - rec[t]["received"] for t in measured
           if rec[t]["sends"] and "received" in rec[t]]
    print(stats("received -> message.send (end to end)", e2e))
    print(stats("  received -> reply.requested (api)",
                [rec[t]["requests"][0] - rec[t]["received"] for t in full]))
    print(stats("  reply.requested -> reply.drafted",
                [rec[t]["drafts"][0][0] - rec[t]["requests"][0] for t in full]))
    print(stats("  reply.drafted -> message.send (api)",
                [rec[t]["sends"][0] - rec[t]["drafts"][0][0] for t in full]))
    print(f"checks: {len(measured)} conversations, {len(lost)} without message.send, "
          f"{len(doubled)} with more than one, {len(multi_req)} without exactly one "
          f"reply.requested; drafts by (action, source): {actions}")
    if lost:
        print(f"  lost (first 5): {lost[:5]}")
    if doubled:
        print(f"  doubled (first 5): {doubled[:5]}")
    return not lost and not doubled, e2e


def loadavg():
    return "/".join(Path("/proc/loadavg").read_text().split()[:3])


def run_steady(b, items):
    a = b.args
    prod = Producer(b.bootstrap, TOPIC_EVENTS)
    run = uuid.uuid4().hex[:6]
    start_ms = int(time.time() * 1000) - 1000
    threads, fps, measured = [], {}, []
    total = a.warmup + a.messages
    load_before = loadavg()
    next_at = time.monotonic()
    for i in range(total):
        if i == a.warmup:
            time.sleep(3)
            load_before = loadavg()
            cpu0, m0 = cpu_snapshot(b), consumer_metrics(b.apis)
            next_at = time.monotonic()
        t = f"{run}{i:05d}"
        fp, ev = received(b.account, t, items[i % len(items)], i)
        fps[fp] = t
        threads.append(t)
        if i >= a.warmup:
            measured.append(t)
        prod.send(t, ev)
        next_at += a.interval_ms / 1000
        time.sleep(max(0.0, next_at - time.monotonic()))
    prod.close()
    load_after = loadavg()
    wait_sends(b.bootstrap, start_ms, set(measured), 120)
    cpu1, m1 = cpu_snapshot(b), consumer_metrics(b.apis)
    rec = collect(b.bootstrap, start_ms, set(threads), fps, 120)
    print(f"steady: {a.messages} buyer messages on distinct threads, one every "
          f"{a.interval_ms:g} ms (after {a.warmup} warm-up), {a.apis} api(s) "
          f"{' '.join(a.api_env)}, {a.responders} responder(s), model: {a.model}, "
          f"LOG_LEVEL={a.log_level}, binaries: {benchstack.BIN_DIR}")
    print(f"machine: {machine()}; load average before/after: {load_before} -> {load_after}")
    ok, _ = report(rec, measured)
    print(cpu_line(cpu0, cpu1, len(measured)) + " (the client's polling of the topics at the "
          "end is in Kafka's share)")
    metrics_lines(rec, measured, m0, m1)
    return ok


def run_burst(b, items):
    a = b.args
    run = uuid.uuid4().hex[:6]
    # warm-up: a few conversations, waited for, so connections and partitions are settled
    prod = Producer(b.bootstrap, TOPIC_EVENTS)
    warm, wfps = [], {}
    start_ms = int(time.time() * 1000) - 1000
    for i in range(a.warmup):
        t = f"{run}w{i:03d}"
        fp, ev = received(b.account, t, items[i % len(items)], i)
        wfps[fp] = t
        warm.append(t)
        prod.send(t, ev)
    prod.close()
    collect(b.bootstrap, start_ms, set(warm), wfps, 60)
    time.sleep(3)

    lines, threads, fps = [], [], {}
    for i in range(a.conversations):
        t = f"{run}{i:05d}"
        fp, ev = received(b.account, t, items[i % len(items)], i)
        fps[fp] = t
        threads.append(t)
        lines.append((t, ev))
    cpu0, m0 = cpu_snapshot(b), consumer_metrics(b.apis)
    load_before = loadavg()
    start_ms = int(time.time() * 1000) - 1000
    prod = Producer(b.bootstrap, TOPIC_EVENTS)
    for t, ev in lines:
        prod.send(t, ev)
    prod.close()
    # CPU is read once the last send is on the topic (polled cheaply), before collecting
    wait_sends(b.bootstrap, start_ms, set(threads), 300, stall=20, interval=0.5)
    cpu1, m1 = cpu_snapshot(b), consumer_metrics(b.apis)
    load_after = loadavg()
    rec = collect(b.bootstrap, start_ms, set(threads), fps, 60)
    print(f"burst: {a.conversations} buyer messages on distinct threads produced at once, "
          f"{a.apis} api(s) {' '.join(a.api_env)}, {a.responders} responder(s), "
          f"model: {a.model}, LOG_LEVEL={a.log_level}, binaries: {benchstack.BIN_DIR}")
    print(f"machine: {machine()}; load average before/after: {load_before} -> {load_after}")
    ok, _ = report(rec, threads)
    first = min(rec[t]["received"] for t in threads if "received" in rec[t])
    last = max(rec[t]["sends"][0] for t in threads if rec[t]["sends"])
    span = (last - first) / 1000
    print(f"throughput: {len(threads)} conversations in {span:.2f} s (first received -> last "
          f"message.send) = {len(threads) / span:.1f} conversations/s")
    print(cpu_line(cpu0, cpu1, len(threads)))
    metrics_lines(rec, threads, m0, m1)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("steady", "burst"))
    ap.add_argument("--messages", type=int, default=300, help="steady: measured messages")
    ap.add_argument("--interval-ms", type=float, default=50.0, help="steady: pace")
    ap.add_argument("--conversations", type=int, default=200, help="burst: size")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--responders", type=int, default=None,
                    help="responder instances (default: 1 steady, 2 burst)")
    ap.add_argument("--model", choices=("rules", "fake"), default="rules",
                    help="rules engine, or the fake OpenAI server at 0 ms")
    ap.add_argument("--listings", type=int, default=10)
    ap.add_argument("--numbered-titles", action="store_true",
                    help="listing titles ending in a number (\"Bench desk lamp 1\")")
    ap.add_argument("--api-env", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra setting of the api (repeatable)")
    ap.add_argument("--apis", type=int, default=1,
                    help="api instances in one consumer group (the partitions split)")
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args()
    if args.responders is None:
        args.responders = 1 if args.mode == "steady" else 2
    b = Bench(args)
    try:
        b.start()
        items = b.prepare()
        ok = run_steady(b, items) if args.mode == "steady" else run_burst(b, items)
        print(f"logs: {benchstack.LOG_DIR}/{b.tag}.*")
        return 0 if ok else 1
    finally:
        b.stop()


if __name__ == "__main__":
    sys.exit(main())
