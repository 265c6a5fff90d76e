"""`byebuy-responder --draft` (one request on stdin, its draft on stdout, no Kafka), its
configuration errors, and the fake OpenAI server's own contract (so the other responder
tests can trust it)."""

import json
import os
import subprocess
import time

import pytest
import requests

from conftest import BIN_DIR, ROOT
from responder_support import FakeOpenAI, load_scenarios, request

BINARY = BIN_DIR / "byebuy-responder"


def draft_cli(data, env=None, raw=None):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "warn"}
    full.update(env or {})
    stdin = raw if raw is not None else json.dumps(data)
    return subprocess.run([str(BINARY), "--draft"], input=stdin, capture_output=True, text=True,
                          env=full, cwd=str(ROOT), timeout=60)


@pytest.fixture
def fake():
    f = FakeOpenAI(api_key="sk-cli").start()
    yield f
    f.stop()


def test_draft_with_the_rules_engine():
    req = request("cli-1", "would you do $80?", request_id="cli-req-1")
    out = draft_cli(req)
    assert out.returncode == 0, out.stderr
    draft = json.loads(out.stdout)
    assert draft["request_id"] == "cli-req-1"
    assert draft["conversation_id"] == "cli-1"
    assert draft["source"] == "rules"
    assert draft["model"] is None
    assert draft["action"] == "send"
    assert draft["deal"]["buyer_offer_cents"] == 8000
    assert draft["deal"]["counter_cents"] >= 6300
    # deterministic: the same request drafts the same text
    assert json.loads(draft_cli(req).stdout) == draft


def test_draft_accepts_a_whole_cloudevent():
    req = request("cli-2", "is it available?")
    ev = {"specversion": "1.0", "id": "x", "source": "byebuy/api", "type": "reply.requested",
          "data": req}
    out = draft_cli(None, raw=json.dumps(ev))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["request_id"] == req["request_id"]


def test_draft_through_the_model(fake):
    req = request("cli-3", "would you do $80?")
    env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-cli",
           "OPENAI_MODEL": "fake-model"}
    out = draft_cli(req, env)
    assert out.returncode == 0, out.stderr
    draft = json.loads(out.stdout)
    assert draft["source"] == "llm"
    assert draft["model"]["name"] == "fake-model"
    assert draft["model"]["prompt_tokens"] > 0
    calls = fake.requests()
    assert len(calls) == 1
    assert calls[0]["headers"]["x-client-request-id"] == req["request_id"]
    body = calls[0]["body"]
    assert body["model"] == "fake-model"
    assert body["response_format"]["json_schema"]["name"] == "reply_draft"
    # the counter the policy chose reached the model and came back in the draft
    assert draft["deal"]["counter_cents"] and draft["deal"]["counter_cents"] >= 6300
    assert "6300" not in json.dumps(body) and "$63" not in json.dumps(body)


def test_draft_with_a_wrong_key_hands_off(fake):
    req = request("cli-4", "is it available?")
    out = draft_cli(req, {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "wrong"})
    assert out.returncode == 0, out.stderr
    draft = json.loads(out.stdout)
    assert draft["action"] == "handoff"
    assert draft["guard"]["handoff_reason"] == "model API key rejected (401)"


def test_draft_unreachable_model_hands_off_after_retries():
    req = request("cli-5", "is it available?")
    t0 = time.monotonic()
    out = draft_cli(req, {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "LLM_MAX_RETRIES": "1"})
    assert out.returncode == 0, out.stderr
    draft = json.loads(out.stdout)
    assert draft["action"] == "handoff"
    assert "unreachable" in draft["guard"]["handoff_reason"]
    assert "after 2 attempts" in draft["guard"]["handoff_reason"]
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("raw,message", [
    ("", "not valid JSON"),
    ("{", "not valid JSON"),
    ("[1]", "must be a JSON object"),
    ('{"request_id": "x"}', "conversation_id"),
    ('{"request_id": "x", "conversation_id": "c", "listing": {"id": 1}}', "listing.title"),
])
def test_draft_bad_input_exits_1_with_the_reason(raw, message):
    out = draft_cli(None, raw=raw)
    assert out.returncode == 1
    assert message in out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("env,variable", [
    ({"LLM_TIMEOUT_MS": "soon"}, "LLM_TIMEOUT_MS"),
    ({"LLM_MAX_INFLIGHT": "0"}, "LLM_MAX_INFLIGHT"),
    ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL"),
    ({"HEALTH_PORT": "70000"}, "HEALTH_PORT"),
    ({}, "KAFKA_BOOTSTRAP_SERVERS"),
])
def test_bad_config_exits_1_naming_the_variable(env, variable):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KAFKA_BOOTSTRAP_SERVERS":
            "127.0.0.1:1", **env}
    if variable == "KAFKA_BOOTSTRAP_SERVERS":
        del full["KAFKA_BOOTSTRAP_SERVERS"]
    out = subprocess.run([str(BINARY)], capture_output=True, text=True, env=full,
                         cwd=str(ROOT), timeout=30, stdin=subprocess.DEVNULL)
    assert out.returncode == 1
    assert variable in out.stderr


def test_every_scenario_drafts_through_the_cli():
    """The same pipeline as the service: every scenario gives a well-formed draft."""
    for s in load_scenarios()[:20]:
        out = draft_cli(s["request"])
        assert out.returncode == 0, (s["name"], out.stderr)
        draft = json.loads(out.stdout)
        assert draft["action"] == s["expect"]["action"], s["name"]


# ---- the fake's contract -------------------------------------------------------------------


def completion(fake, body, key="sk-cli", headers=None):
    h = {"Authorization": f"Bearer {key}", **(headers or {})}
    return requests.post(fake.base_url + "/chat/completions", json=body, headers=h, timeout=10)


BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "reply_draft", "strict": True,
            "schema": {"type": "object", "properties": {"text": {"type": "string"}},
                       "required": ["text"], "additionalProperties": False}}}}


def test_fake_openai_follows_the_contract(fake):
    r = completion(fake, BODY, key="nope")
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = completion(fake, dict(BODY, messages=[]))
    assert r.status_code == 400 and r.json()["error"]["param"] == "messages"
    flat = dict(BODY, response_format={"type": "json_schema", "schema": {"type": "object"}})
    r = completion(fake, flat)
    assert r.status_code == 400 and "json_schema" in r.json()["error"]["message"]
    loose = json.loads(json.dumps(BODY))
    del loose["response_format"]["json_schema"]["schema"]["additionalProperties"]
    assert completion(fake, loose).status_code == 400

    r = completion(fake, BODY)
    assert r.status_code == 200
    c = r.json()
    assert c["object"] == "chat.completion"
    assert isinstance(c["choices"][0]["message"]["content"], str)
    json.loads(c["choices"][0]["message"]["content"])
    assert c["choices"][0]["message"]["refusal"] is None
    assert c["usage"]["total_tokens"] == c["usage"]["prompt_tokens"] + \
        c["usage"]["completion_tokens"]

    fake.script([{"match": "tag-1", "status": 429, "retry_after": "2", "retry_after_ms": "1500"},
                 {"match": "tag-1", "refusal": "no"},
                 {"match": "tag-1", "malformed": True},
                 {"match": "tag-1", "status": 503}])
    tagged = {"X-Client-Request-Id": "tag-1"}
    r = completion(fake, BODY, headers=tagged)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert r.headers["retry-after-ms"] == "1500"
    assert r.json()["error"]["code"] == "rate_limit_exceeded"
    assert completion(fake, BODY).status_code == 200  # an untagged call is not scripted
    r = completion(fake, BODY, headers=tagged).json()["choices"][0]["message"]
    assert r["refusal"] == "no" and r["content"] is None
    r = completion(fake, BODY, headers=tagged).json()["choices"][0]["message"]["content"]
    with pytest.raises(ValueError):
        json.loads(r)
    assert completion(fake, BODY, headers=tagged).status_code == 503

    log = requests.get(fake.base_url.rsplit("/v1", 1)[0] + "/_control/requests", timeout=5).json()
    assert [e["status"] for e in log] == [401, 400, 400, 400, 200, 429, 200, 200, 200, 503]
    requests.post(fake.base_url.rsplit("/v1", 1)[0] + "/_control/reset", timeout=5)
    assert fake.requests() == []
