"""The api's answers agree with its OpenAPI document, as an outside client would find it:
Schemathesis (pinned in tests/requirements.txt) generates requests from the served
/api/openapi.json and runs every check (status codes and content types declared, answers valid
against their schemas, schema-valid input accepted, schema-violating input refused, 405 with
Allow for an undeclared method, ...) in all four phases: examples, coverage, fuzzing and the
stateful phase, which follows the document's links (a created listing is read, edited, posted,
marked sold; a created account is read and paced). What the document cannot say (rules across
fields, image bytes checked by content) is in schemathesis.toml at the repository root.

Fixed seed and a small example count here; `make fuzz-api` runs the same test at length
(BB_CONTRACT_EXAMPLES, BB_CONTRACT_SEED). /post is included: the api writes the jobs and their
outbox rows; no poster runs, so nothing leaves this machine. GET /api/events (an endless event
stream) and GET / (the dashboard's HTML) are left out; test_api_events and test_spa_browser
cover them."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import LOGIN_ENV, ROOT, api_token, set_owner_password, sql
from test_api_foundation import api_env

SEED = int(os.environ.get("BB_CONTRACT_SEED", "20261207"))
EXAMPLES = int(os.environ.get("BB_CONTRACT_EXAMPLES", "5"))

pytestmark = pytest.mark.timeout(int(os.environ.get("BB_CONTRACT_TIMEOUT", "1200")))


def schemathesis_cmd():
    exe = shutil.which("schemathesis") or shutil.which("st")
    if exe:
        return [exe]
    return [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]


def run_schemathesis(base_url, out_dir, token=None, examples=EXAMPLES, seed=SEED):
    """Runs `schemathesis run --checks all` (all phases) against base_url from the repository
    root (where schemathesis.toml is); returns (exit status, output, JSON report)."""
    report = out_dir / "schemathesis.json"
    # The document from its file: the api serves it only to a logged-in client, and
    # test_api_openapi.py checks that what it serves is this file, byte for byte.
    cmd = [*schemathesis_cmd(), "run", str(ROOT / "services/api/openapi.json"), "--url", base_url,
           "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
           "--seed", str(seed), "--max-examples", str(examples), "--workers", "1",
           "--exclude-path", "/api/events", "--exclude-path", "/",
           "--report", "json", "--report-json-path", str(report), "--no-color"]
    proc = subprocess.run(cmd, cwd=str(ROOT), capture_output=True, text=True,
                          env={**os.environ, "SCHEMATHESIS_HOOKS": "",
                               "BB_CONTRACT_TOKEN": token or ""})
    doc = json.loads(report.read_text()) if report.exists() else None
    return proc.returncode, proc.stdout + proc.stderr, doc


def contract_api(services, fresh_db, tmp_path):
    """The api as `make up` runs it (AUTH=login, the default Host and Origin lists) and a bearer
    token for the run, so that the checks of authentication (a request without the token, or
    with a wrong one, gets 401) run too. Login attempts are not rate-limited here: the run sends
    hundreds on purpose (tests/integration/test_api_auth.py covers the limit), and headers may
    be large. The run's token
    has an id no generated request names (the id sequence starts far above small numbers), so
    the stateful phase cannot revoke it with DELETE /api/tokens/{id} halfway through."""
    set_owner_password(fresh_db)
    sql(fresh_db, "ALTER SEQUENCE api_tokens_id_seq RESTART WITH 4000000000000")
    token = api_token(fresh_db, "contract")
    api = services.start("api", env={**api_env(fresh_db, tmp_path), **LOGIN_ENV,
                                     "LOGIN_RATE_PER_CLIENT": "100000",
                                     "LOGIN_RATE_GLOBAL": "1000000",
                                     # generated header sets pass 16 KiB at times; the 431
                                     # is test_api_hostile_input's, not this run's
                                     "HTTP_MAX_HEADER_BYTES": "1048576"})
    return api, token


def test_schemathesis_all_checks_all_phases(services, fresh_db, tmp_path):
    api, token = contract_api(services, fresh_db, tmp_path)
    rc, output, doc = run_schemathesis(api.url, tmp_path, token)
    summary = output[output.rfind("SUMMARY"):] if "SUMMARY" in output else output[-4000:]
    print(summary)  # the generated case count, in the test's output
    assert rc == 0, f"schemathesis exit status {rc}:\n{output[-20000:]}"
    assert "0 failures" in summary or " failure" not in summary, summary
    assert "Warnings:" not in summary, summary
    assert api.alive(), api.log_tail()
