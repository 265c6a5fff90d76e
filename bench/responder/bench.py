#!/usr/bin/env python3
"""Responder benchmark against a Kafka on 127.0.0.1: starts the fake OpenAI server (its own
process) with a fixed model latency, N responder instances in one consumer group, produces a
burst of reply requests and reports
  - drafts/s: requests / (last draft written - first request produced);
  - overhead per draft: the responder's own timing (request taken -> draft queued, minus the
    model call), from its log lines "overhead_us=", p50/p99/max;
  - end to end: request produced -> draft written (CloudEvents times), minus model time.
Usage: bench.py --bootstrap 127.0.0.1:49092 --instances 1 --latency-ms 200 --requests 1200
"""

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BOOTSTRAP = os.environ.get("BB_TEST_KAFKA", "127.0.0.1:49092")
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import Kcat  # noqa: E402
from responder_support import (FAST_GROUP_ENV, drafts_since, now_ms, produce,  # noqa: E402
                               request, settle_group)

OUT = ROOT / ".run" / "bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_fake(latency_ms):
    port = free_port()
    log = open(OUT / "fake_openai.log", "ab")
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fakes" / "fake_openai.py"),
                             "--port", str(port), "--latency-ms", str(latency_ms)],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    line = proc.stdout.readline()
    if "listening" not in line:
        raise RuntimeError(f"fake did not start: {line!r}")
    return proc, f"http://127.0.0.1:{port}/v1"


def start_responder(bootstrap, group, base_url, i, extra_env):
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "KAFKA_GROUP_ID": group, "HEALTH_PORT": str(port), "LOG_LEVEL": "info",
           "OPENAI_BASE_URL": base_url, "OPENAI_MODEL": "fake-model", **FAST_GROUP_ENV,
           **extra_env}
    log_path = OUT / f"responder_{group}_{i}.log"
    proc = subprocess.Popen([str(ROOT / "build" / "bin" / "byebuy-responder")], env=env,
                            stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    return proc, log_path


def wait_assigned(log_paths, instances, timeout=180):
    """Until every instance holds partitions and together they hold all six (each log is
    read in order: cooperative rebalances revoke some partitions and assign them elsewhere)."""
    deadline = time.monotonic() + timeout
    event = re.compile(r"kafka (assigned|revoked|lost): bb\.reply\.requests\[([\d,]+)\]")
    while time.monotonic() < deadline:
        held_by = []
        for p in log_paths:
            held = set()
            for m in event.finditer(Path(p).read_text(errors="replace")):
                parts = {int(x) for x in m.group(2).split(",")}
                held = held | parts if m.group(1) == "assigned" else held - parts
            held_by.append(held)
        if all(held_by) and len(set().union(*held_by)) == 6:
            return
        time.sleep(0.2)
    raise RuntimeError("partitions not assigned")


def drafts_of(bootstrap, since_ms, ids):
    """Drafts of the given request ids written since since_ms (kcat, generous timeout: the
    drafts topic grows by thousands of messages per run)."""
    out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "bb.reply.drafts", "-o",
                          f"s@{since_ms - 2000}", "-e", "-q", "-f", "%s\\n"],
                         capture_output=True, text=True, timeout=120).stdout
    found = {}
    for line in out.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        rid = (ev.get("data") or {}).get("request_id")
        if rid in ids:
            found.setdefault(rid, ev)
    return found


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(q / 100.0 * (len(values) - 1)))))
    return values[k]


def parse_time(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def run(args):
    OUT.mkdir(parents=True, exist_ok=True)
    kcat = Kcat(args.bootstrap)
    group = f"bb-bench-responder-{uuid.uuid4().hex[:8]}"
    settle_group(args.bootstrap, group)
    fake, base_url = start_fake(args.latency_ms)
    procs = []
    try:
        extra = {}
        if args.inflight:
            extra["LLM_MAX_INFLIGHT"] = str(args.inflight)
        for i in range(args.instances):
            procs.append(start_responder(args.bootstrap, group, base_url, i, extra))
        wait_assigned([p[1] for p in procs], args.instances)
        time.sleep(1)
        run_tag = uuid.uuid4().hex[:8]
        reqs = [request(f"bench-{run_tag}-{i}", "would you do $90?") for i in range(args.requests)]
        ids = {r["request_id"] for r in reqs}
        t_produce = time.time()
        since = now_ms()
        produce(kcat, reqs)
        t_produced = time.time()
        deadline = time.monotonic() + args.timeout
        drafts = {}
        while len(drafts) < len(ids) and time.monotonic() < deadline:
            time.sleep(2)
            drafts = drafts_of(args.bootstrap, since, ids)
        times = [parse_time(ev["time"]) for ev in drafts.values()]
        model_ms = [ev["data"]["model"]["latency_ms"] for ev in drafts.values()
                    if ev["data"].get("model")]
        overhead_us = []
        for _, log_path in procs:
            for m in re.finditer(r"request (req-\S+) .*overhead_us=(\d+)",
                                 Path(log_path).read_text(errors="replace")):
                if m.group(1) in ids:
                    overhead_us.append(int(m.group(2)))
        e2e_minus_model = []
        for ev in drafts.values():
            model = (ev["data"].get("model") or {}).get("latency_ms", 0)
            e2e_minus_model.append((parse_time(ev["time"]) - t_produce) * 1000 - model)
        result = {
            "instances": args.instances, "model_latency_ms": args.latency_ms,
            "requests": args.requests, "drafted": len(drafts),
            "produce_s": round(t_produced - t_produce, 3),
            "drafts_per_s": round(len(drafts) / (max(times) - t_produce), 1) if times else 0,
            "drafts_per_s_per_instance":
                round(len(drafts) / (max(times) - t_produce) / args.instances, 1) if times else 0,
            "model_ms_p50": percentile(model_ms, 50), "model_ms_p99": percentile(model_ms, 99),
            "overhead_ms_p50": round(percentile(overhead_us, 50) / 1000, 3),
            "overhead_ms_p99": round(percentile(overhead_us, 99) / 1000, 3),
            "overhead_ms_max": round(max(overhead_us) / 1000, 3) if overhead_us else None,
            "overhead_samples": len(overhead_us),
        }
        if args.latency_ms == 0:
            # With a burst every request queues behind the others in Kafka, so end to end is
            # dominated by the burst; it is reported for completeness only.
            result["burst_e2e_minus_model_ms_p50"] = round(percentile(e2e_minus_model, 50), 1)
        print(json.dumps(result), flush=True)
        return result
    finally:
        for proc, _ in procs:
            proc.terminate()
        for proc, _ in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.terminate()
        fake.wait(timeout=10)


def trickle(args):
    """End-to-end latency at a low steady rate: request produced -> draft written, minus the
    model call (includes Kafka produce, fetch and delivery)."""
    OUT.mkdir(parents=True, exist_ok=True)
    kcat = Kcat(args.bootstrap)
    group = f"bb-bench-responder-{uuid.uuid4().hex[:8]}"
    settle_group(args.bootstrap, group)
    fake, base_url = start_fake(0)
    proc, log_path = start_responder(args.bootstrap, group, base_url, 0, {})
    try:
        wait_assigned([log_path], 1)
        time.sleep(1)
        samples = []
        tag = uuid.uuid4().hex[:8]
        for i in range(args.requests):
            req = request(f"trickle-{tag}-{i}", "is it still available?")
            since = now_ms()
            t0 = time.time()
            produce(kcat, [req])
            deadline = time.monotonic() + 20
            ev = None
            while ev is None and time.monotonic() < deadline:
                got = drafts_since(kcat, since, request_ids={req["request_id"]})
                ev = got[0] if got else None
            if ev:
                model = (ev["data"].get("model") or {}).get("latency_ms", 0)
                samples.append((parse_time(ev["time"]) - t0) * 1000 - model)
        overhead_us = [int(m.group(1)) for m in re.finditer(
            r"request req-\S+ conversation trickle-.*overhead_us=(\d+)",
            Path(log_path).read_text(errors="replace"))]
        result = {"trickle_requests": args.requests,
                  "e2e_minus_model_ms_p50": round(percentile(samples, 50), 1),
                  "e2e_minus_model_ms_p99": round(percentile(samples, 99), 1),
                  "overhead_ms_p50": round(percentile(overhead_us, 50) / 1000, 3),
                  "overhead_ms_p99": round(percentile(overhead_us, 99) / 1000, 3),
                  "overhead_samples": len(overhead_us)}
        print(json.dumps(result), flush=True)
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        fake.terminate()
        fake.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP)
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--requests", type=int, default=1200)
    ap.add_argument("--inflight", type=int, default=0, help="LLM_MAX_INFLIGHT (0: default)")
    ap.add_argument("--timeout", type=int, default=180)
    ap.add_argument("--trickle", action="store_true",
                    help="one request at a time: end-to-end latency minus model time")
    args = ap.parse_args()
    trickle(args) if args.trickle else run(args)


if __name__ == "__main__":
    main()
