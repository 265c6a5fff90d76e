#!/usr/bin/env python3
"""Runs the healthchecks of a compose project's containers on their own intervals.

Docker runs a container's HEALTHCHECK itself; podman 4.3 hands it to a systemd timer, and there
is no systemd here, so without this no container ever leaves "starting" and every
`depends_on: condition: service_healthy` waits forever. This runs `podman healthcheck run` for
each running container of the project (label com.docker.compose.project=NAME) that has a
healthcheck, every Interval of that container (start period and retries are podman's), one
check per container at a time. It runs until SIGTERM.

Usage: health-ticker.py PROJECT"""

import json
import signal
import subprocess
import sys
import time

project = sys.argv[1]
running = {}  # container id -> Popen of its check in flight
due = {}      # container id -> monotonic time of its next check
interval = {}  # container id -> seconds, None without a healthcheck
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)


def containers():
    out = subprocess.run(["podman", "ps", "-q", "--no-trunc", "--filter",
                          f"label=com.docker.compose.project={project}"],
                         capture_output=True, text=True, timeout=30).stdout
    return out.split()


def interval_of(cid):
    r = subprocess.run(["podman", "inspect", cid], capture_output=True, text=True, timeout=30)
    try:
        hc = json.loads(r.stdout)[0]["Config"].get("Healthcheck")
    except (ValueError, IndexError, KeyError):
        return None
    if not hc or not hc.get("Test") or hc["Test"][0] == "NONE":
        return None
    return max(1.0, (hc.get("Interval") or 30_000_000_000) / 1e9)


while not stop:
    now = time.monotonic()
    try:
        ids = containers()
    except subprocess.TimeoutExpired:
        ids = list(interval)
    for cid in ids:
        if cid not in interval:
            interval[cid] = interval_of(cid)
            due[cid] = now
        if interval[cid] is None:
            continue
        p = running.get(cid)
        if p is not None and p.poll() is None:
            continue
        if now >= due[cid]:
            running[cid] = subprocess.Popen(["podman", "healthcheck", "run", cid],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            due[cid] = now + interval[cid]
    for cid in [c for c in interval if c not in ids]:
        interval.pop(cid, None)
        due.pop(cid, None)
    time.sleep(1)
for p in running.values():
    if p.poll() is None:
        p.terminate()
