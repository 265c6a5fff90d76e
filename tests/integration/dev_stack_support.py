"""A dev-profile stack of the tests' own (`scripts/stack.sh up`, as `make up` runs it), on free
ports, in a run directory under /tmp (BB_RUN_DIR), so it never touches a developer's stack.
The fixture of test_dev_stack.py: started once for the module, torn down with
`scripts/stack.sh clean`. Needs root (it creates the byebuy-browser user, runs PostgreSQL as
postgres, and the tests switch to uid nobody with setpriv)."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, free_port

SCRIPTS = ROOT / "scripts"
COMPONENT_PORTS = ["PG", "KAFKA", "KAFKA_CONTROLLER", "API", "POSTER", "MONITOR", "RESPONDER",
                   "SANDBOX", "CHROMEDRIVER"]
# What the caller's environment must not hand the stack (it would point it elsewhere).
SCRUB = ["DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "WEBDRIVER_URL", "SANDBOX_URL",
         "FACEBOOK_URL", "UPLOAD_DIR", "WORK_DIR", "PROFILE_DIR", "API_PUBLIC_URL",
         "PG_PORT", "KAFKA_PORT", "HTTP_PORT", "SANDBOX_DATA_DIR"]


class DevStack:
    def __init__(self, run_dir, ports, env):
        self.run = Path(run_dir)
        self.ports = ports
        self.env = env
        self.api = f"http://127.0.0.1:{ports['API']}"
        self._token = None

    def token(self):
        """An api token for the tests' requests, made as a user makes one (`make token`): the
        dev stack runs with AUTH=login."""
        if self._token is None:
            self._token = self.stack("token", timeout=120).stdout.strip().splitlines()[-1]
        return self._token

    def auth(self):
        return {"Authorization": f"Bearer {self.token()}"}

    def stack(self, *args, timeout=600, check=True):
        proc = subprocess.run([str(SCRIPTS / "stack.sh"), *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            pytest.fail(f"scripts/stack.sh {' '.join(args)} failed ({proc.returncode}):\n"
                        f"{proc.stderr[-4000:]}")
        return proc

    def sctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", str(self.run / "supervisord.conf"), *args],
                              capture_output=True, text=True, timeout=60)

    def pid(self, name):
        """The pid supervisord runs `name` as (0 when it does not run)."""
        out = self.sctl("pid", f"byebuy:{name}").stdout.strip()
        return int(out) if out.isdigit() else 0

    def wait_pid_change(self, name, old, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.pid(name)
            if pid and pid != old:
                return pid
            time.sleep(0.2)
        pytest.fail(f"{name}: no new process within {timeout}s (status: {self.sctl('status').stdout})")

    def wait_ready(self, url, timeout):
        """Seconds until GET url answered 200; fails after timeout."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            try:
                r = requests.get(url, timeout=2)
                if r.status_code == 200:
                    return time.monotonic() - t0
                last = r.status_code
            except requests.RequestException as e:
                last = e
            time.sleep(0.1)
        pytest.fail(f"{url} not ready within {timeout}s (last: {last})")

    def log(self, name):
        return (self.run / "logs" / f"{name}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def dev_stack():
    if os.geteuid() != 0:
        pytest.skip("the dev stack's isolation (a system user, setpriv to nobody) needs root")
    if not shutil.which("supervisord"):
        pytest.fail("supervisor is not installed: run scripts/install-deps.sh")
    # byebuy-browser and postgres must be able to enter it: not pytest's 0700 tmp dirs.
    run_dir = tempfile.mkdtemp(prefix="bb-devstack-", dir="/tmp")
    os.chmod(run_dir, 0o755)
    ports = {name: free_port() for name in COMPONENT_PORTS}
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update({f"BB_{name}_PORT": str(port) for name, port in ports.items()})
    env["BB_RUN_DIR"] = run_dir
    kafka_libs = os.environ.get("BB_KAFKA_LIBS")
    if kafka_libs and "BB_KAFKA_HOME" not in env:
        env["BB_KAFKA_HOME"] = str(Path(kafka_libs).parent)
    env.setdefault("BB_KAFKA_READY_TIMEOUT", "300")
    env.setdefault("BB_READY_TIMEOUT", "120")
    st = DevStack(run_dir, ports, env)
    try:
        st.stack("up", timeout=900)
        yield st
    finally:
        st.stack("clean", timeout=300, check=False)
        shutil.rmtree(run_dir, ignore_errors=True)
