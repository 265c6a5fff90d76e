#!/usr/bin/env python3
"""A fake OpenAI-compatible Chat Completions server for tests and benchmarks, faithful to the
contract in shared/reference/external-apis.md section 3: POST /v1/chat/completions answers the
chat.completion shape with the draft JSON as a *string* in choices[0].message.content, errors in
the {"error": {...}} envelope, 429 with Retry-After / retry-after-ms, refusals, truncation.

Scripted behaviour through a control API (not part of OpenAI's):
  POST /_control/script  {"responses": [item, ...], "latency_ms": 200, "append": true}
        item: {"content": {...} | "raw string"}            a completion with that content
              {"refusal": "I can't help with that"}         content null, refusal set
              {"malformed": true}                           content that is not JSON
              {"finish_reason": "length", "content": ...}   truncated completion
              {"status": 429, "retry_after": "1", "retry_after_ms": "1000",
               "error": {...}}                              an error (default bodies per status)
              {"status": 500} / {"status": 401, "error": {...}}
              {"disconnect": true}                          close the socket without an answer
        optional on every item: "match": "text" (only for a request whose body or a header
        value, e.g. X-Client-Request-Id, contains it),
        "latency_ms": n (overrides the default for this one).
        Unmatched requests get the default answer: a plausible draft built from the request.
  GET  /_control/requests  every request received, in arrival order: [{"body", "headers",
                           "status" (null while it is still being answered), "at"}]
  POST /_control/reset     empties the script and the log, restores the default latency

Run: python3 tests/fakes/fake_openai.py [--port 0] [--api-key KEY] [--latency-ms 0]
It prints "fake-openai listening on http://127.0.0.1:PORT" on stdout once ready. Tests may
also import FakeOpenAI and run it in-process. Python standard library only.
"""

import argparse
import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("permission_denied", None, "You are not allowed to use this model."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    408: ("timeout", None, "Request timed out."),
    409: ("conflict", None, "Conflict."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("service_unavailable_error", "server_is_overloaded", "The server is overloaded."),
}


def _error_body(status, error=None):
    etype, code, message = DEFAULT_ERRORS.get(status, ("server_error", None, "Error."))
    err = {"message": message, "type": etype, "param": None, "code": code}
    if error:
        err.update(error)
    return {"error": err}


def _money(text):
    """Cents of the first "$N" / "N USD" amount after a label in the prompt, or None."""
    m = re.search(r"\$([0-9]+(?:\.[0-9]{2})?)", text)
    if not m:
        return None
    return int(round(float(m.group(1)) * 100))


def _fmt(cents):
    """"$95" or "$95.50", as a person would write it."""
    return f"${cents // 100}" if cents % 100 == 0 else f"${cents // 100}.{cents % 100:02d}"


def _check_strict_schema(schema, path="schema"):
    """The strict-mode rules OpenAI enforces: objects close additionalProperties and list
    every property in required. Returns an error message or None."""
    if not isinstance(schema, dict):
        return f"Invalid schema at {path}: not an object."
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types:
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return (f"Invalid schema for response_format: In context={path}, "
                    "'additionalProperties' is required to be supplied and to be false.")
        missing = [k for k in props if k not in schema.get("required", [])]
        if missing:
            return (f"Invalid schema for response_format: In context={path}, 'required' is "
                    f"required to be supplied and to be an array including every key in "
                    f"properties. Missing '{missing[0]}'.")
        for k, sub in props.items():
            msg = _check_strict_schema(sub, f"{path}.{k}")
            if msg:
                return msg
    return None


def default_draft(body):
    """A plausible draft for a request nobody scripted: reads the decision the responder wrote
    into its system prompt (if any) so negotiations look right in demos and benchmarks."""
    system = ""
    for m in body.get("messages", []):
        if m.get("role") in ("system", "developer") and isinstance(m.get("content"), str):
            system += m["content"]
    draft = {"text": "Hi! Yes, it's still available. When would you like to pick it up?",
             "intent": "availability", "deal_status": "none", "agreed_price_cents": None,
             "buyer_offer_cents": None, "counter_cents": None, "handoff": False,
             "handoff_reason": None}
    # The responder writes its decision as "- Action: <verb> ... $N" in the system prompt.
    m = re.search(r"Action: (accept|counter|decline|answer the lowest price)[^$\n]*(\$[0-9.,]+)",
                  system)
    if m:
        verb, amount = m.group(1), _money(m.group(2).replace(",", ""))
        if verb == "accept":
            draft.update(text=f"Deal, {_fmt(amount)} works. When can you pick it up?",
                         intent="offer", deal_status="agreed", agreed_price_cents=amount,
                         buyer_offer_cents=amount)
        elif verb == "counter":
            draft.update(text=f"I could do {_fmt(amount)}. Does that work for you?",
                         intent="offer", deal_status="negotiating", counter_cents=amount)
        else:
            draft.update(text=f"The lowest I can do is {_fmt(amount)}.", intent="lowest",
                         deal_status="negotiating", counter_cents=amount)
    return draft


class FakeState:
    """Script queue, request log and settings shared by the handler threads."""

    def __init__(self, api_key=None, latency_ms=0):
        self.lock = threading.Lock()
        self.api_key = api_key
        self.default_latency_ms = latency_ms
        self.latency_ms = latency_ms
        self.script = []
        self.requests = []
        self.counter = 0

    def reset(self):
        with self.lock:
            self.script = []
            self.requests = []
            self.latency_ms = self.default_latency_ms

    def take(self, raw_body, headers=""):
        """The first scripted item matching this request (removed from the queue), or None.
        "match" is looked for in the body and in the header values (X-Client-Request-Id)."""
        with self.lock:
            for i, item in enumerate(self.script):
                match = item.get("match")
                if match is None or match in raw_body or match in headers:
                    return self.script.pop(i)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1"

    def log_message(self, fmt, *args):  # quiet: tests read /_control/requests instead
        pass

    @property
    def state(self):
        return self.server.state

    def _send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_fake_{int(time.time() * 1000)}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        if self.path == "/_control/requests":
            with self.state.lock:
                reqs = list(self.state.requests)
            self._send_json(200, reqs)
        elif self.path in ("/health", "/v1/models"):
            self._send_json(200, {"object": "list", "data": [{"id": "fake-model",
                                                              "object": "model"}]})
        else:
            self._send_json(404, _error_body(404, {"message": f"Unknown path {self.path}"}))

    def do_POST(self):
        raw = self._read_body()
        if self.path == "/_control/reset":
            self.state.reset()
            self._send_json(200, {"ok": True})
            return
        if self.path == "/_control/script":
            try:
                cfg = json.loads(raw or b"{}")
            except ValueError:
                self._send_json(400, {"error": "body is not JSON"})
                return
            with self.state.lock:
                if not cfg.get("append", True):
                    self.state.script = []
                self.state.script.extend(cfg.get("responses", []))
                if "latency_ms" in cfg:
                    self.state.latency_ms = int(cfg["latency_ms"])
                queued = len(self.state.script)
            self._send_json(200, {"ok": True, "queued": queued})
            return
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(404, _error_body(404, {"message": f"Unknown path {self.path}"}))
            return
        self._completion(raw)

    def _record(self, body, status):
        entry = {"body": body, "headers": {k.lower(): v for k, v in self.headers.items()},
                 "status": status, "at": time.time()}
        with self.state.lock:
            self.state.requests.append(entry)
        return entry

    def _completion(self, raw):
        text = raw.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        # Authorization, as OpenAI checks it before anything else.
        if self.state.api_key is not None:
            auth = self.headers.get("Authorization", "")
            if auth != f"Bearer {self.state.api_key}":
                self._record(body if body is not None else text, 401)
                self._send_json(401, _error_body(401))
                return
        problem = self._validate(body)
        if problem:
            self._record(body if body is not None else text, 400)
            self._send_json(400, _error_body(400, problem))
            return
        # Recorded on arrival (status filled in when answered), so a test can see a call
        # that is still waiting for its latency.
        entry = self._record(body, None)
        item = self.state.take(text, " ".join(self.headers.values())) or {}
        latency = item.get("latency_ms", self.state.latency_ms)
        if latency:
            time.sleep(latency / 1000.0)
        if item.get("disconnect"):
            entry["status"] = 0
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status = int(item.get("status", 200))
        entry["status"] = status
        if status != 200:
            headers = {}
            if "retry_after" in item:
                headers["Retry-After"] = str(item["retry_after"])
            if "retry_after_ms" in item:
                headers["retry-after-ms"] = str(item["retry_after_ms"])
            if "should_retry" in item:
                headers["x-should-retry"] = "true" if item["should_retry"] else "false"
            self._send_json(status, _error_body(status, item.get("error")), headers)
            return
        self._send_json(200, self._completion_body(body, item))

    def _validate(self, body):
        """The checks OpenAI makes that a client can get wrong; an error dict or None."""
        if not isinstance(body, dict):
            return {"message": "We could not parse the JSON body of your request.",
                    "code": None}
        if not isinstance(body.get("model"), str) or not body["model"]:
            return {"message": "you must provide a model parameter", "param": "model"}
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            return {"message": "[] is too short - 'messages'", "param": "messages",
                    "code": "empty_array"}
        for i, m in enumerate(msgs):
            if not isinstance(m, dict) or m.get("role") not in (
                    "system", "developer", "user", "assistant", "tool"):
                return {"message": f"Invalid value for 'messages[{i}].role'.",
                        "param": f"messages[{i}].role", "code": "invalid_value"}
            if not isinstance(m.get("content"), str):
                return {"message": f"Invalid type for 'messages[{i}].content'.",
                        "param": f"messages[{i}].content", "code": "invalid_type"}
        rf = body.get("response_format")
        if rf is not None:
            if not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object",
                                                                   "json_schema"):
                return {"message": "Invalid value for 'response_format.type'.",
                        "param": "response_format.type", "code": "invalid_value"}
            if rf["type"] == "json_schema":
                js = rf.get("json_schema")
                if not isinstance(js, dict):
                    # The flat form some READMEs show: OpenAI rejects it.
                    return {"message": "Missing required parameter: "
                                       "'response_format.json_schema'.",
                            "param": "response_format.json_schema",
                            "code": "missing_required_parameter"}
                name = js.get("name")
                if not isinstance(name, str) or not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name):
                    return {"message": "Invalid 'response_format.json_schema.name'.",
                            "param": "response_format.json_schema.name",
                            "code": "invalid_value"}
                if js.get("strict") is True:
                    msg = _check_strict_schema(js.get("schema"))
                    if msg:
                        return {"message": msg, "param": "response_format",
                                "code": "invalid_value"}
        return None

    def _completion_body(self, body, item):
        with self.state.lock:
            self.state.counter += 1
            n = self.state.counter
        finish = item.get("finish_reason", "stop")
        refusal = item.get("refusal")
        if refusal is not None:
            content = None
        elif item.get("malformed"):
            content = '{"text": "sure thing", "intent": '  # cut short: not JSON
        elif "content" in item:
            content = item["content"] if isinstance(item["content"], str) \
                else json.dumps(item["content"])
        else:
            content = json.dumps(default_draft(body))
        prompt_chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
        usage = item.get("usage") or {
            "prompt_tokens": max(1, prompt_chars // 4),
            "completion_tokens": max(1, len(content or refusal or "") // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return {
            "id": f"chatcmpl-fake{n}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"), "service_tier": "default",
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0,
                         "message": {"role": "assistant", "content": content,
                                     "refusal": refusal, "annotations": [],
                                     "tool_calls": None},
                         "logprobs": None, "finish_reason": finish}],
            "usage": usage,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


class FakeOpenAI:
    """In-process use: fake = FakeOpenAI(api_key="k").start(); fake.base_url; fake.stop()."""

    def __init__(self, host="127.0.0.1", port=0, api_key=None, latency_ms=0):
        self.httpd = _Server((host, port), Handler)
        self.httpd.state = FakeState(api_key, latency_ms)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}/v1"
        self._thread = None

    @property
    def state(self):
        return self.httpd.state

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    # Helpers mirroring the control API, for in-process tests.
    def script(self, responses, latency_ms=None):
        with self.state.lock:
            self.state.script.extend(responses)
            if latency_ms is not None:
                self.state.latency_ms = latency_ms

    def requests(self):
        with self.state.lock:
            return list(self.state.requests)

    def reset(self):
        self.state.reset()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    ap.add_argument("--latency-ms", type=int, default=0, help="default answer latency")
    args = ap.parse_args()
    fake = FakeOpenAI(args.host, args.port, args.api_key, args.latency_ms)
    print(f"fake-openai listening on {fake.base_url.rsplit('/v1', 1)[0]}", flush=True)
    try:
        fake.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
