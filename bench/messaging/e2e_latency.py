#!/usr/bin/env python3
"""Buyer message -> seller reply in the thread, end to end on a running stack (`make up`):
the sandbox marketplace, the monitor reading its inbox through Chromium with the pacing the
api announces (GET /api/settings/responder), the api, the responder. Each sample is a new
buyer writing "is this still available?" to one sandbox item at a random moment; its latency
is the sandbox's own timestamps: the seller bubble's `at` minus the buyer message's `at`
(one clock, the sandbox's). Prints p50/p95/max and, with --json, writes every sample.

  python3 bench/messaging/e2e_latency.py [--api URL] [--sandbox URL] [--samples 30]
                                         [--gap-min 2] [--gap-max 6] [--item ID] [--json F]

Without --item it creates a listing in the api and an item with the same title in the
sandbox (the monitor hints the listing by its title). The stack's account must be running:
`make up` starts it in demo mode (POST /api/polling/start otherwise).
Python standard library only."""

import argparse
import base64
import json
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime

# a 1x1 JPEG for the sandbox's create form (it requires a photo)
PIXEL = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwc"
    "KDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAA"
    "AAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==")


def call(method, url, body=None, headers=None, timeout=15):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    h = {"Content-Type": "application/json"} if isinstance(body, (dict, list)) else {}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(url):
    status, _, raw = call("GET", url)
    if status != 200:
        sys.exit(f"GET {url}: {status} {raw[:300]!r}")
    return json.loads(raw)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
    for k, (name, data, ctype) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\""
                f"\r\nContent-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def create_item(api, sandbox):
    """A listing in the api and the same title as an item in the sandbox; the item id."""
    title = f"Bench desk {uuid.uuid4().hex[:6]}"
    status, _, raw = call("POST", api + "/api/listings", {
        "title": title, "description": "White, 120x60.", "price": 80, "min_price": 60,
        "condition": "good", "category": "Furniture", "location": "Brooklyn, NY"})
    if status != 201:
        sys.exit(f"POST /api/listings: {status} {raw[:300]!r}")
    body, ctype = multipart({"title": title, "price": "80", "category": "Furniture",
                             "condition": "Used - good", "description": "White, 120x60.",
                             "location": "Brooklyn, NY"},
                            {"photos": ("desk.jpg", PIXEL, "image/jpeg")})
    req = urllib.request.Request(sandbox + "/marketplace/create/item", data=body, method="POST",
                                 headers={"Content-Type": ctype})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(req, timeout=15)
        sys.exit("the sandbox's create form did not redirect")
    except urllib.error.HTTPError as e:
        if e.code != 303:
            sys.exit(f"sandbox create: {e.code} {e.read()[:300]!r}")
        return e.headers["Location"].rstrip("/").rsplit("/", 1)[1]


def ts(at):
    return datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def sample(sandbox, item, results, timeout):
    buyer = f"Bench buyer {uuid.uuid4().hex[:6]}"
    status, _, raw = call("POST", f"{sandbox}/_sandbox/items/{item}/messages",
                          {"buyer": buyer, "text": "is this still available?"})
    if status != 201:
        results.append({"buyer": buyer, "error": f"{status} {raw[:200]!r}"})
        return
    thread = json.loads(raw)["thread_id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = get_json(f"{sandbox}/_sandbox/threads/{thread}")
        msgs = t["messages"]
        seller = [m for m in msgs if m["from"] == "seller"]
        if seller:
            results.append({"buyer": buyer, "thread": thread,
                            "latency_s": ts(seller[0]["at"]) - ts(msgs[0]["at"]),
                            "reply": seller[0]["text"]})
            return
        time.sleep(0.2)
    results.append({"buyer": buyer, "thread": thread, "error": f"no reply in {timeout}s"})


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", default="http://127.0.0.1:8080")
    ap.add_argument("--sandbox", default="http://127.0.0.1:8090")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--gap-min", type=float, default=2.0, help="seconds between two buyers, min")
    ap.add_argument("--gap-max", type=float, default=6.0, help="seconds between two buyers, max")
    ap.add_argument("--item", help="sandbox item id (default: create a listing and its item)")
    ap.add_argument("--timeout", type=float, default=120.0, help="per sample")
    ap.add_argument("--json", help="write the samples and the summary there")
    a = ap.parse_args()
    settings = get_json(a.api + "/api/settings/responder")
    print(f"pacing: {json.dumps(settings.get('pacing'))}; use_model: {settings.get('use_model')}")
    item = a.item or create_item(a.api, a.sandbox)
    results, workers = [], []
    for i in range(a.samples):
        w = threading.Thread(target=sample, args=(a.sandbox, item, results, a.timeout))
        w.start()
        workers.append(w)
        if i + 1 < a.samples:
            time.sleep(random.uniform(a.gap_min, a.gap_max))
    for w in workers:
        w.join()
    lat = [r["latency_s"] for r in results if "latency_s" in r]
    errors = [r for r in results if "error" in r]
    if not lat:
        sys.exit(f"no sample got a reply: {errors[:3]}")
    summary = {"samples": len(results), "replied": len(lat), "errors": len(errors),
               "p50_s": round(statistics.median(lat), 2), "p95_s": round(pct(lat, 95), 2),
               "min_s": round(min(lat), 2), "max_s": round(max(lat), 2),
               "mean_s": round(statistics.mean(lat), 2), "pacing": settings.get("pacing")}
    print(f"buyer message -> reply in the thread: {len(lat)}/{len(results)} replied, "
          f"p50 {summary['p50_s']} s, p95 {summary['p95_s']} s, min {summary['min_s']} s, "
          f"max {summary['max_s']} s")
    for e in errors:
        print(f"  error: {e}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "samples": results}, f, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
