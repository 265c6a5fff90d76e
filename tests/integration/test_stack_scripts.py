"""Black-box tests of the stack plumbing in scripts/: how run-unit.sh counts cmocka results
(the numbers `make test` reports), the fast idempotent path of install-deps.sh, and the
errors stack.sh gives for bad input. They run the real scripts, on fake test binaries."""

import os
import subprocess
import textwrap
from pathlib import Path

ROOT = Path(os.environ.get("BB_ROOT", Path(__file__).resolve().parents[2]))
SCRIPTS = ROOT / "scripts"


def fake_binary(tmp_path, name, body):
    """An executable shell script standing in for a cmocka test binary."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return str(path)


def run_unit(tmp_path, *binaries):
    summary = tmp_path / "summary"
    env = dict(os.environ, BB_SUMMARY_FILE=str(summary), BB_UNIT_TIMEOUT="20")
    proc = subprocess.run([str(SCRIPTS / "run-unit.sh"), *binaries], env=env,
                          capture_output=True, text=True, timeout=120)
    counts = tuple(int(x) for x in summary.read_text().split())
    return proc, counts


PASSING = """\
    echo '[==========] Running 3 test(s).'
    echo '[ RUN      ] test_a'
    echo '[       OK ] test_a'
    echo '[==========] 3 test(s) run.'
    echo '[  PASSED  ] 3 test(s).'
    exit 0
"""

FAILING_TWO_GROUPS = """\
    echo '[==========] group1: Running 2 test(s).'
    echo '[  PASSED  ] 2 test(s).'
    echo '[==========] group2: Running 3 test(s).'
    echo '[  PASSED  ] 1 test(s).'
    echo '[  FAILED  ] 2 test(s), listed below:'
    echo '[  FAILED  ] test_x'
    echo '[  FAILED  ] test_y'
    echo '[  SKIPPED ] 1 test(s), listed below:'
    echo '[  SKIPPED ] test_z'
    exit 2
"""


def test_run_unit_sums_cmocka_summaries(tmp_path):
    a = fake_binary(tmp_path, "test_a", PASSING)
    b = fake_binary(tmp_path, "test_b", FAILING_TWO_GROUPS)
    proc, counts = run_unit(tmp_path, a, b)
    # Per-test "[  FAILED  ] name" lines are not counts: only "N test(s)" lines add up.
    assert counts == (6, 2, 1)
    assert proc.returncode == 1
    assert proc.stdout.strip().splitlines()[-1] == "unit: 6 passed, 2 failed, 1 skipped"
    # The failing binary's own output is shown so the failure can be read in the log.
    assert "test_x" in proc.stdout


def test_run_unit_all_passing_exits_zero(tmp_path):
    a = fake_binary(tmp_path, "test_a", PASSING)
    proc, counts = run_unit(tmp_path, a, a)
    assert counts == (6, 0, 0)
    assert proc.returncode == 0
    assert proc.stdout.strip().splitlines()[-1] == "unit: 6 passed, 0 failed"


def test_run_unit_counts_crash_silence_and_missing_binary_as_failures(tmp_path):
    crash = fake_binary(tmp_path, "test_crash", """\
        echo '[==========] Running 4 test(s).'
        echo '[ RUN      ] test_a'
        kill -SEGV $$
    """)
    silent = fake_binary(tmp_path, "test_silent", "exit 0\n")
    bad_exit = fake_binary(tmp_path, "test_bad_exit", """\
        echo '[  PASSED  ] 1 test(s).'
        exit 3
    """)
    proc, counts = run_unit(tmp_path, crash, silent, bad_exit, str(tmp_path / "not_built"))
    assert counts == (1, 4, 0), proc.stderr
    assert proc.returncode == 1
    assert "killed by signal 11" in proc.stderr
    assert "printed no cmocka summary" in proc.stderr
    assert "exit status 3" in proc.stderr
    assert "not built" in proc.stderr


def test_run_unit_times_out_a_hanging_binary(tmp_path):
    hang = fake_binary(tmp_path, "test_hang", "sleep 60\n")
    summary = tmp_path / "summary"
    env = dict(os.environ, BB_SUMMARY_FILE=str(summary), BB_UNIT_TIMEOUT="1")
    proc = subprocess.run([str(SCRIPTS / "run-unit.sh"), hang], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert summary.read_text().split() == ["0", "1", "0"]
    assert "timed out after 1s" in proc.stderr


def test_install_deps_is_idempotent_when_everything_is_present():
    # `make test` ran it just before: now every part must report "present" and change nothing.
    proc = subprocess.run([str(SCRIPTS / "install-deps.sh")], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert "deps: Debian packages present" in proc.stderr
    assert "deps: Apache Kafka 4.1.1 present" in proc.stderr
    assert "deps: Python test packages present" in proc.stderr
    assert "installing" not in proc.stderr and "fetching" not in proc.stderr


def stack(*args, env=None):
    return subprocess.run([str(SCRIPTS / "stack.sh"), *args], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, **(env or {})),
                          stdin=subprocess.DEVNULL)


def test_stack_rejects_a_bad_port_naming_the_variable():
    proc = stack("status", "--profile", "test", env={"BB_TEST_PG_PORT": "54x"})
    assert proc.returncode == 1
    assert "BB_TEST_PG_PORT: not a port number: '54x'" in proc.stderr
    proc = stack("status", "--profile", "test", env={"BB_TEST_KAFKA_PORT": "70000"})
    assert proc.returncode == 1
    assert "BB_TEST_KAFKA_PORT" in proc.stderr


def test_stack_rejects_unknown_profile_and_command():
    proc = stack("up", "--profile", "prod")
    assert proc.returncode == 1
    assert "unknown profile 'prod'" in proc.stderr
    proc = stack("restart", "--profile", "test")
    assert proc.returncode == 2
    assert "usage:" in proc.stderr


def test_stack_status_shows_the_running_test_stack(pg_url, kafka_bootstrap):
    # scripts/test.sh started this worker's PostgreSQL and Kafka for these very tests, in
    # BB_TEST_RUN_DIR (.run/test for the first worker).
    run_dir = os.environ.get("BB_TEST_RUN_DIR")
    if not run_dir:
        import pytest
        pytest.skip("not running under scripts/test.sh's test stacks")
    pg_port = pg_url.split("@127.0.0.1:", 1)[1].split("/", 1)[0]
    kafka_port = kafka_bootstrap.rsplit(":", 1)[1]
    proc = stack("status", "--profile", "test", env={
        "BB_RUN_DIR": run_dir, "BB_TEST_PG_PORT": pg_port, "BB_TEST_KAFKA_PORT": kafka_port})
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:]}
    assert rows["pg"][1] == "running" and rows["pg"][3] == pg_port
    assert rows["kafka"][1] == "running" and rows["kafka"][3] == kafka_port


def test_stack_env_api_public_url_follows_the_api_port():
    # The poster delivers screenshots to API_PUBLIC_URL and the api writes it into image URLs:
    # with the api moved to another port, both must follow it.
    base = {"BB_API_PORT": "", "HTTP_PORT": "", "API_PUBLIC_URL": ""}
    proc = stack("env", env=base)
    assert proc.returncode == 0, proc.stderr
    assert "API_PUBLIC_URL=http://127.0.0.1:8080" in proc.stdout.splitlines()
    assert "DATABASE_URL=<hidden>" in proc.stdout.splitlines()
    proc = stack("env", env=dict(base, BB_API_PORT="8099"))
    assert "API_PUBLIC_URL=http://127.0.0.1:8099" in proc.stdout.splitlines(), proc.stdout
    proc = stack("env", env=dict(base, HTTP_PORT="8097"))
    assert "API_PUBLIC_URL=http://127.0.0.1:8097" in proc.stdout.splitlines(), proc.stdout
    proc = stack("env", env=dict(base, API_PUBLIC_URL="http://api.lan:9000"))
    assert "API_PUBLIC_URL=http://api.lan:9000" in proc.stdout.splitlines(), proc.stdout
