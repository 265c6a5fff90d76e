"""Two byebuy-monitor instances in one group with real Kafka, the sandbox and Chromium: each
account runs on exactly one of them (the owner of its bb.monitor.commands partition), started
from bb.monitor.desired alone; after kill -9 of one, the other takes its account over within
the group's session timeout, with its desired state (a stopped account stays stopped)."""

import re
import time
import uuid

import pytest

from monitor_support import (account_in_partition, buyer_writes, desired, events_of,
                             fresh_group, monitor_env, murmur2_partition, seed_item, wait_events)

SESSION_TIMEOUT_S = 6  # KAFKA_SESSION_TIMEOUT_MS of the test services


def watching(mon, acct):
    return len(re.findall(rf"account {acct}: watching its inbox", mon.log_text()))


def runs_on(mon, acct):
    """Whether acct's worker is running on mon now (started more often than stopped)."""
    stopped = len(re.findall(rf"account {acct}: stopped$", mon.log_text(), re.M))
    return watching(mon, acct) > stopped


def settled(mons, accts):
    """Both instances hold partitions, and each account runs on exactly one of them."""
    holds = all(re.search(r"kafka assigned: bb\.monitor\.commands\[", m.log_text())
                for m in mons)
    return holds and all(sum(runs_on(m, x) for m in mons) == 1 for x in accts)


def wait_until(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


@pytest.fixture
def sandbox(services):
    return services.start("sandbox")


def test_kill_one_monitor_the_other_takes_over(services, kafka_bootstrap, kcat, chromedriver,
                                               sandbox):
    group = fresh_group(kafka_bootstrap)
    a = account_in_partition()
    b = account_in_partition(avoid=(murmur2_partition(str(a)),))
    c = account_in_partition(avoid=(murmur2_partition(str(a)), murmur2_partition(str(b))))
    try:
        desired(kafka_bootstrap, a, True)
        desired(kafka_bootstrap, b, True)
        desired(kafka_bootstrap, c, False)
        env = monitor_env(chromedriver, sandbox.url, group)
        mons = [services.start("monitor", env=env), services.start("monitor", env=env)]
        # both accounts run, each on one instance only, without any command
        assert wait_until(lambda: settled(mons, (a, b)), 90), \
            "\n".join(m.log_tail(30) for m in mons)
        time.sleep(2)  # still so after the rebalances settled
        assert settled(mons, (a, b)), "\n".join(m.log_tail(30) for m in mons)
        owner_of = {x: next(m for m in mons if runs_on(m, x)) for x in (a, b)}
        victim = owner_of[a]
        survivor = mons[1] if victim is mons[0] else mons[0]
        before = watching(survivor, a)
        victim.kill()
        t_kill = time.monotonic()
        assert wait_until(lambda: watching(survivor, a) > before, SESSION_TIMEOUT_S + 20), \
            survivor.log_tail(40)
        took = time.monotonic() - t_kill
        assert took <= SESSION_TIMEOUT_S + 12, f"takeover took {took:.1f} s"
        # the survivor watches a's inbox: a new buyer message arrives for a
        item = seed_item(sandbox.url, "Chair " + uuid.uuid4().hex[:6])
        thread = buyer_writes(sandbox.url, item, "Lee", "still there?")["thread_id"]
        got = wait_events(kcat, a, "message.received", key=thread, timeout=60)
        assert len(got) == 1, survivor.log_tail(40)
        # c's desired state is stopped: nobody started it
        assert all(watching(m, c) == 0 for m in mons)
        print(f"takeover after kill -9: {took:.1f} s (session timeout {SESSION_TIMEOUT_S} s)")
    finally:
        for x in (a, b, c):
            desired(kafka_bootstrap, x, False)
