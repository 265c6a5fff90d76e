"""Support for tests with the fake eBay (tests/fakes/fake_ebay.py): the fake as a fixture, the
poster's EBAY_* environment pointing at it, and an account connected through the real
`byebuy-login --platform ebay` (the consent URL it prints is opened on the fake as the seller's
browser would, and the redirect URL pasted back on stdin).

For a test of the whole stack: `env = connect(fake, tmp / "profiles", kafka_bootstrap)`, then
start the poster with `**env` (its PROFILE_DIR holds the account's token file) and the api
with PLATFORMS including ebay."""

import os
import subprocess
import sys

import pytest
import requests

from conftest import BIN_DIR, ROOT

sys.path.insert(0, str(ROOT / "tests" / "fakes"))
from fake_ebay import FakeEbay  # noqa: E402  (the path is set just above)


@pytest.fixture
def ebay():
    fake = FakeEbay().start()
    yield fake
    fake.stop()


def ebay_env(fake, profile_dir, kafka_bootstrap):
    """The poster's (and byebuy-login's) environment for the fake's app keys."""
    st = fake.state
    return {"EBAY_API_URL": fake.url, "EBAY_AUTH_URL": fake.url, "EBAY_CLIENT_ID": st.client_id,
            "EBAY_CLIENT_SECRET": st.client_secret, "EBAY_RU_NAME": st.ru_name,
            "PROFILE_DIR": str(profile_dir), "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}


def login(env, account=0, paste=None):
    """Runs byebuy-login --platform ebay with env; pastes back the URL the fake's consent page
    redirects to (or `paste(url)`). Returns (exit status, stdout, stderr)."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "warn", **env}
    p = subprocess.Popen([str(BIN_DIR / "byebuy-login"), "--platform", "ebay", "--account",
                          str(account)], env=full, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    lines = []
    while True:
        line = p.stdout.readline()
        lines.append(line)
        if not line or "press Enter" in line:
            break
    urls = [l.strip() for l in lines if "/oauth2/authorize?" in l]
    if not urls:
        p.kill()
        pytest.fail("byebuy-login printed no consent URL: " + "".join(lines) + p.stderr.read())
    r = requests.get(urls[0], allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text
    answer = paste(r.headers["Location"]) if paste else r.headers["Location"]
    out, err = p.communicate(answer + "\n", timeout=60)
    return p.returncode, "".join(lines) + out, err


def connect(fake, profile_dir, kafka_bootstrap, account=0):
    """Connects the fake's seller as account; returns the EBAY_* + PROFILE_DIR environment."""
    env = ebay_env(fake, profile_dir, kafka_bootstrap)
    rc, out, err = login(env, account)
    assert rc == 0, out + err
    return env
