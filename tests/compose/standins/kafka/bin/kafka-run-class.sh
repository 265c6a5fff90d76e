#!/bin/sh
# kafka-run-class.sh CLASS ARGS...: Java with the Kafka jars, KAFKA_HEAP_OPTS and KAFKA_OPTS.
cls="$1"; shift
# shellcheck disable=SC2086 # the *_OPTS variables are word lists, as in Kafka's own script
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="${KAFKA_LOG4J_CONFIG:-/opt/kafka/config/log4j2.properties}" \
    -cp "/opt/kafka/libs/*" "$cls" "$@"
