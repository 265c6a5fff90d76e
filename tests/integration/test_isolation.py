"""Issue 11, finding 4: another local user must not own the dev stack (`make up`).

Runs a dev-profile stack of its own (dev_stack_support.py) and tries, as uid `nobody`
(setpriv), what the finding did: PostgreSQL as superuser without a password, producing to
Kafka without credentials, reading root-only files through chromedriver. Before the fix
PostgreSQL trusted every TCP connection, Kafka was PLAINTEXT and chromedriver ran as root."""

import json
import os
import pwd
import subprocess
import uuid

import pytest


pytestmark = pytest.mark.timeout(900)

NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


def as_nobody(*cmd, timeout=60, env=None):
    base = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    return subprocess.run([*NOBODY, *cmd], capture_output=True, text=True, timeout=timeout,
                          env=dict(base, **(env or {})), cwd="/")


def uid_of(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return [int(x) for x in line.split()[1:]]
    raise AssertionError(f"no Uid line for pid {pid}")


def descendants(pid):
    """pid's children, grandchildren... (from /proc/*/stat ppid)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, unvisited = [], [pid]
    while unvisited:
        p = unvisited.pop()
        for c in children.get(p, []):
            out.append(c)
            unvisited.append(c)
    return out


def test_secrets_are_root_only_files(dev_stack):
    secrets = dev_stack.run / "secrets"
    assert oct(secrets.stat().st_mode & 0o777) == "0o700"
    for name in ("pg_password", "kafka_password", "pgpass", "kcat.conf"):
        st = (secrets / name).stat()
        assert st.st_uid == 0 and oct(st.st_mode & 0o777) == "0o600", name
        proc = as_nobody("cat", str(secrets / name))
        assert proc.returncode != 0 and "Permission denied" in proc.stderr, name
    # the config that carries them to the services, too
    conf = dev_stack.run / "supervisord.conf"
    assert oct(conf.stat().st_mode & 0o777) == "0o600"


def test_nobody_cannot_connect_to_postgresql_without_the_password(dev_stack):
    port = str(dev_stack.ports["PG"])
    # TCP as superuser, no password: refused (was: trust, nobody was superuser postgres)
    proc = as_nobody("psql", "-w", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "byebuy",
                     "-Atc", "SELECT current_user")
    assert proc.returncode != 0, proc.stdout
    assert "password" in proc.stderr, proc.stderr
    # a wrong password: refused by scram-sha-256
    proc = as_nobody("psql", "-w", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "byebuy",
                     "-Atc", "SELECT 1", env={"PGPASSWORD": "not-the-secret"})
    assert proc.returncode != 0 and "password authentication failed" in proc.stderr, proc.stderr
    # the Unix socket lives in a directory only the cluster's owner can enter
    sock = os.path.realpath(dev_stack.run / "pg") + "/sock"
    proc = as_nobody("psql", "-w", "-h", sock, "-p", port, "-U", "postgres", "-d", "byebuy",
                     "-Atc", "SELECT 1")
    assert proc.returncode != 0, proc.stdout
    # control: with the generated secret (what the api gets through PGPASSFILE) it works,
    # and the role's password is stored as SCRAM
    ok = subprocess.run(["psql", "-w", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d",
                         "byebuy", "-Atc",
                         "SELECT left(rolpassword, 13) FROM pg_authid WHERE rolname = 'postgres'"],
                        capture_output=True, text=True, timeout=30,
                        env=dict(os.environ, PGPASSFILE=str(dev_stack.run / "secrets" / "pgpass")))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "SCRAM-SHA-256"


def kcat_produce(dev_stack, payload, extra=(), user=None):
    cmd = ["kcat", "-b", f"127.0.0.1:{dev_stack.ports['KAFKA']}", "-P", "-t", "bb.dlq",
           "-X", "message.timeout.ms=8000", "-X", "socket.timeout.ms=3000", *extra]
    if user == "nobody":
        return subprocess.run([*NOBODY, *cmd], input=payload + "\n", capture_output=True,
                              text=True, timeout=60, cwd="/", env={"PATH": "/usr/bin:/bin"})
    return subprocess.run(cmd, input=payload + "\n", capture_output=True, text=True, timeout=60)


def dlq_payloads(dev_stack):
    out = subprocess.run(["kcat", "-F", str(dev_stack.run / "secrets" / "kcat.conf"), "-b",
                          f"127.0.0.1:{dev_stack.ports['KAFKA']}", "-C", "-t", "bb.dlq", "-e",
                          "-q", "-o", "beginning"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_nobody_cannot_produce_to_kafka_without_sasl_credentials(dev_stack):
    marker = "isolation-" + uuid.uuid4().hex
    # no credentials (was: PLAINTEXT, anyone could write any topic)
    proc = kcat_produce(dev_stack, marker + "-plain", user="nobody")
    assert proc.returncode != 0, proc.stderr
    # SASL/PLAIN with a guessed password
    proc = kcat_produce(dev_stack, marker + "-guess", user="nobody", extra=(
        "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
        "-X", "sasl.username=byebuy", "-X", "sasl.password=guess"))
    assert proc.returncode != 0
    assert "Authentication failed" in proc.stderr or "authentication" in proc.stderr.lower(), \
        proc.stderr
    # control: the services' credentials work
    proc = kcat_produce(dev_stack, marker + "-ok",
                        extra=("-F", str(dev_stack.run / "secrets" / "kcat.conf")))
    assert proc.returncode == 0, proc.stderr
    seen = dlq_payloads(dev_stack)
    assert marker + "-ok" in seen
    assert marker + "-plain" not in seen and marker + "-guess" not in seen


def test_chromedriver_and_chromium_do_not_run_as_root(dev_stack):
    user = pwd.getpwnam("byebuy-browser")
    assert user.pw_uid != 0 and user.pw_shell.endswith("nologin")
    for name in ("chromedriver", "poster", "monitor"):
        pid = dev_stack.pid(name)
        assert pid, f"{name} is not running: {dev_stack.sctl('status').stdout}"
        assert uid_of(pid) == [user.pw_uid] * 4, name
    # A browser session, opened the way the finding did (as nobody, over loopback): Chromium
    # too runs as byebuy-browser, and a root-only file is out of its reach.
    secret = f"/root/bb-isolation-{uuid.uuid4().hex}.txt"
    marker = "root-only-" + uuid.uuid4().hex
    with open(secret, "w") as f:
        f.write(marker)
    os.chmod(secret, 0o600)
    url = f"http://127.0.0.1:{dev_stack.ports['CHROMEDRIVER']}"
    caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}}}}
    try:
        new = as_nobody("curl", "-sS", "-m", "60", "-H", "Content-Type: application/json",
                        "-d", json.dumps(caps), url + "/session", timeout=90)
        sid = json.loads(new.stdout)["value"]["sessionId"]
        try:
            chromes = [p for p in descendants(dev_stack.pid("chromedriver"))
                       if "chrom" in open(f"/proc/{p}/comm").read()]
            assert chromes, "no Chromium under chromedriver"
            for p in chromes:
                assert uid_of(p)[0] == user.pw_uid, p
            as_nobody("curl", "-sS", "-m", "30", "-H", "Content-Type: application/json", "-d",
                      json.dumps({"url": "file://" + secret}), f"{url}/session/{sid}/url")
            src = as_nobody("curl", "-sS", "-m", "30", f"{url}/session/{sid}/source").stdout
            assert marker not in src
        finally:
            as_nobody("curl", "-sS", "-m", "30", "-X", "DELETE", f"{url}/session/{sid}")
    finally:
        os.unlink(secret)
