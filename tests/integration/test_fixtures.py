"""The fixtures themselves against the real PostgreSQL and Kafka: if these fail, nothing
else in the integration suite can be trusted."""

import os
import subprocess
import uuid

from conftest import cloudevent, sql

FIXTURE_TOPIC = "bb.test.fixtures"


def create_topic(bootstrap, topic):
    """Creates a topic with Kafka's own admin tool (the broker does not auto-create)."""
    libs = os.environ.get("BB_KAFKA_LIBS")
    assert libs, "BB_KAFKA_LIBS (Kafka's jar folder) is set by scripts/test.sh"
    subprocess.run(["java", "-cp", f"{libs}/*", "org.apache.kafka.tools.TopicCommand",
                    "--bootstrap-server", bootstrap, "--create", "--if-not-exists",
                    "--topic", topic, "--partitions", "1", "--replication-factor", "1"],
                   check=True, capture_output=True, timeout=60)


def test_fresh_db_is_empty_and_writable(fresh_db):
    sql(fresh_db, "CREATE TABLE t (x int)")
    sql(fresh_db, "INSERT INTO t VALUES (1), (2)")
    assert sql(fresh_db, "SELECT count(*) FROM t") == [(2,)]


def test_kcat_round_trip(kcat, kafka_bootstrap):
    create_topic(kafka_bootstrap, FIXTURE_TOPIC)
    key = "fixture-" + uuid.uuid4().hex
    ev = cloudevent("test.ping", {"n": 1}, subject=key)
    kcat.produce(FIXTURE_TOPIC, key, ev)
    msgs = kcat.consume(FIXTURE_TOPIC, key=key, count=1, timeout=15)
    assert len(msgs) == 1
    assert msgs[0]["json"]["id"] == ev["id"]
