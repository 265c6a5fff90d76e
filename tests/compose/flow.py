"""The HTTP part of `make compose-check` (scripts/compose/check.sh): README's "Try it" flow,
the burst shared by scaled posters and a buyer's message answered, all through the ports the
compose project publishes on 127.0.0.1. Each phase exits non-zero with what went wrong.

  flow.py tryit   API SANDBOX            a listing with a photo, posted to the sandbox
  flow.py burst   API SANDBOX N ACCOUNTS N posts spread over ACCOUNTS sandbox accounts
  flow.py message API SANDBOX            a buyer writes to the Try-it item, the seller answers

API_TOKEN (if set) is sent as a bearer token on every api call."""

import json
import os
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "docs" / "sample" / "desk.jpg"
STATE = Path(os.environ.get("BB_COMPOSE_STATE", "/tmp/bb-compose-flow.json"))


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.s = requests.Session()
        token = os.environ.get("API_TOKEN", "")
        if token:
            self.s.headers["Authorization"] = "Bearer " + token

    def call(self, method, path, want, **kw):
        r = self.s.request(method, self.base + path, timeout=30, **kw)
        if r.status_code not in want:
            fail(f"{method} {path}: {r.status_code} {r.text[:400]}")
        return r.json() if r.content else None


def wait(pred, timeout, what, interval=1.0, state=None):
    """pred() until it is true; on timeout, fails saying what it waited for and, with state,
    what state() says now (e.g. the job's status and last log lines)."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    fail(f"timed out after {timeout} s waiting for {what}" + (f"; now: {state()}" if state else ""))


def job_story(api, job_id):
    """A job's status and its last log lines, for a failure message."""
    job = api.call("GET", f"/api/jobs/{job_id}", (200,))
    logs = api.call("GET", f"/api/jobs/{job_id}/logs", (200,))
    lines = logs["items"] if isinstance(logs, dict) else logs
    return f"status {job['status']}; log: " + " | ".join(l.get("message", "") for l in lines[-5:])


def create_listing(api, title):
    with open(PHOTO, "rb") as f:
        return api.call("POST", "/api/listings", (201,), data={
            "title": title, "description": "White, 120x60, small scratch", "price": "80",
            "min_price": "60", "condition": "good", "category": "Furniture",
            "location": "Brooklyn, NY"}, files={"images": ("desk.jpg", f, "image/jpeg")})


def job_state(api, job_id):
    job = api.call("GET", f"/api/jobs/{job_id}", (200,))
    if job["status"] == "failed" and not job.get("error_retryable"):
        fail(f"job {job_id} failed: {job.get('error_code')}: {job.get('error_message')}")
    return job


def tryit(api, sandbox):
    wait(lambda: api.s.get(api.base + "/readyz", timeout=10).status_code == 200, 120, "/readyz")
    listing = create_listing(api, "IKEA desk")
    job = api.call("POST", f"/api/listings/{listing['id']}/post", (201,),
                   json={"platform": "facebook_marketplace"})
    job = wait(lambda: (j := job_state(api, job["id"]))["status"] == "posted" and j, 240,
               f"job {job['id']} to be posted", state=lambda: job_story(api, job["id"]))
    item = requests.get(f"{sandbox}/_sandbox/items/{job['external_id']}", timeout=10)
    if item.status_code != 200 or item.json().get("title") != "IKEA desk":
        fail(f"the sandbox has no item {job['external_id']} titled 'IKEA desk': {item.text[:300]}")
    STATE.write_text(json.dumps({"item": job["external_id"], "listing": listing["id"]}))
    print(f"  listing {listing['id']} posted as sandbox item {job['external_id']} "
          f"({job['external_url']})")


def burst(api, sandbox, n, accounts):
    stamp = str(int(time.time()))
    ids = [api.call("POST", "/api/accounts", (201,),
                    json={"platform": "sandbox", "label": f"burst {stamp} {i}"})["id"]
           for i in range(accounts)]
    jobs = []
    for i in range(n):
        listing = create_listing(api, f"Burst desk {i + 1}")
        jobs.append(api.call("POST", f"/api/listings/{listing['id']}/post", (201,),
                             json={"platform": "sandbox", "account_id": ids[i % accounts]})["id"])

    def all_posted():
        states = [job_state(api, j)["status"] for j in jobs]
        return all(s == "posted" for s in states)
    t = time.monotonic()
    wait(all_posted, 600, f"{n} burst jobs to be posted", interval=2)
    print(f"  {n} posts over {accounts} sandbox accounts posted in {time.monotonic() - t:.1f} s")


def message(api, sandbox):
    state = json.loads(STATE.read_text())
    # Demo mode: watch the sandbox inbox of the default account (README, "Try it").
    api.call("POST", "/api/polling/start", (200, 201, 202), json={})
    r = requests.post(f"{sandbox}/_sandbox/items/{state['item']}/messages",
                      json={"buyer": "Sam", "text": "is this still available?"}, timeout=10)
    if r.status_code != 201:
        fail(f"buyer message: {r.status_code} {r.text[:300]}")
    thread = r.json()["thread_id"]

    def answered():
        t = requests.get(f"{sandbox}/_sandbox/threads/{thread}", timeout=10).json()
        return [m["text"] for m in t["messages"] if m["from"] == "seller"]
    replies = wait(answered, 180, f"a seller reply in sandbox thread {thread}")
    print(f"  buyer: 'is this still available?' -> seller: {replies[0]!r}")
    convs = api.call("GET", "/api/conversations", (200,))
    items = convs["items"] if isinstance(convs, dict) else convs
    if not items:
        fail("GET /api/conversations lists no conversation after the reply")


def main():
    if len(sys.argv) < 4:
        fail(__doc__)
    phase, api, sandbox = sys.argv[1], Api(sys.argv[2]), sys.argv[3].rstrip("/")
    if phase == "tryit":
        tryit(api, sandbox)
    elif phase == "burst":
        burst(api, sandbox, int(sys.argv[4]), int(sys.argv[5]))
    elif phase == "message":
        message(api, sandbox)
    else:
        fail(f"unknown phase {phase!r}")


if __name__ == "__main__":
    main()
