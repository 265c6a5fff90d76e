#!/usr/bin/env bash
# Installs what building, running and testing Bye-Buy needs, idempotently: Debian packages that
# are missing, a pinned Apache Kafka from Maven Central into .cache/, and the pinned Python test
# packages. Fast (well under 2 s) when everything is present already.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$BB_ROOT"

# Optional groups: `--with compose` adds what `make compose-check` needs (podman, Debian's
# docker-compose 1.29 and debootstrap for the offline Debian base image). `make test` needs none.
WITH=()
while [ $# -gt 0 ]; do
    case "$1" in
        --with) [ $# -ge 2 ] || die "--with needs a group name (compose)"; WITH+=("$2"); shift 2 ;;
        --with=*) WITH+=("${1#--with=}"); shift ;;
        *) die "unknown argument: $1 (usage: install-deps.sh [--with compose])" ;;
    esac
done

KAFKA_VERSION=4.1.1
KAFKA_HOME="${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-$KAFKA_VERSION}"

APT_PACKAGES=(
    build-essential pkg-config
    libcivetweb-dev librdkafka-dev libcjson-dev libpq-dev libcurl4-openssl-dev libssl-dev
    libvips-dev libvips-tools libcmocka-dev libsodium-dev
    postgresql kcat chromium chromium-driver wrk
    maven clang-format clang-tidy cppcheck docker-compose
    clang libclang-rt-14-dev
    python3 python3-pip curl ca-certificates procps supervisor
)
for group in ${WITH[@]+"${WITH[@]}"}; do
    case "$group" in
        compose) APT_PACKAGES+=(podman runc crun conmon netavark aardvark-dns iptables debootstrap
            golang-github-containers-common docker-compose) ;;
        *) die "unknown package group: $group (known: compose)" ;;
    esac
done

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $*"
    fi
}

# ---- Debian packages ---------------------------------------------------------------------
missing=()
# One dpkg-query for all names; a package dpkg has never heard of is not printed at all.
installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)"
for p in "${APT_PACKAGES[@]}"; do
    if ! grep -q "^$p ii" <<<"$installed"; then missing+=("$p"); fi
done
# Java 17+ for the Kafka broker (maven pulls a JRE in too, but check what `java` is).
java_major=0
if command -v java >/dev/null 2>&1; then
    java_major="$(java -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1)"
fi
if [ "${java_major:-0}" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi
# python3 may be another interpreter than Debian's (pyenv): it only needs a working pip.
if [[ " ${missing[*]} " == *" python3-pip "* ]] && command -v python3 >/dev/null 2>&1 &&
    python3 -m pip --version >/dev/null 2>&1; then
    missing=("${missing[@]/python3-pip/}")
fi
read -r -a missing <<<"${missing[*]}"

if [ "${#missing[@]}" -gt 0 ]; then
    say "deps: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    say "deps: Debian packages present"
fi

# ---- Apache Kafka from Maven Central -----------------------------------------------------
# The pom pins every version; .complete is written only after a full copy, so an interrupted
# download is redone next time.
if [ -f "$KAFKA_HOME/.complete" ] && [ "$(cat "$KAFKA_HOME/.complete")" = "$(sha256sum <scripts/kafka/pom.xml | cut -d' ' -f1)" ]; then
    say "deps: Apache Kafka $KAFKA_VERSION present in ${KAFKA_HOME#"$BB_ROOT"/}"
else
    say "deps: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into ${KAFKA_HOME#"$BB_ROOT"/}"
    rm -rf "$KAFKA_HOME/libs"
    mkdir -p "$KAFKA_HOME/libs"
    # Maven's own chatter (and its colour codes) goes to a log, shown only when it fails.
    if ! mvn -q -B -Dstyle.color=never -f scripts/kafka/pom.xml dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >"$KAFKA_HOME/mvn.log" 2>&1; then
        tail -n 40 "$KAFKA_HOME/mvn.log" >&2
        die "fetching Kafka with Maven failed; see ${KAFKA_HOME#"$BB_ROOT"/}/mvn.log"
    fi
    # slf4j must bind to log4j2 (slf4j-api 2.x + log4j-slf4j2-impl), or the broker logs nothing.
    for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" slf4j-api-2.0.17.jar \
        log4j-slf4j2-impl-2.25.3.jar log4j-core-2.25.3.jar; do
        [ -f "$KAFKA_HOME/libs/$jar" ] || die "Kafka fetch incomplete: $jar missing in $KAFKA_HOME/libs"
    done
    if ls "$KAFKA_HOME"/libs/slf4j-api-1.* >/dev/null 2>&1; then
        die "an slf4j-api 1.x jar landed in $KAFKA_HOME/libs: logging would not bind"
    fi
    sha256sum <scripts/kafka/pom.xml | cut -d' ' -f1 >"$KAFKA_HOME/.complete"
    say "deps: Apache Kafka $KAFKA_VERSION ready ($(ls "$KAFKA_HOME/libs" | wc -l) jars)"
fi

# ---- Python test packages ----------------------------------------------------------------
# Compare pins with what is installed in one interpreter start; pip only runs on a mismatch.
if python3 - tests/requirements.txt <<'EOF'; then
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        ok = ok and version(name.strip()) == want.strip()
    except PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
EOF
    say "deps: Python test packages present"
else
    say "deps: pip installing tests/requirements.txt"
    # Debian's own python3 is "externally managed" (PEP 668): this machine is a dev/CI box.
    if ls /usr/lib/python3*/EXTERNALLY-MANAGED >/dev/null 2>&1 &&
        [ "$(python3 -c 'import sys; print(sys.prefix)')" = /usr ]; then
        export PIP_BREAK_SYSTEM_PACKAGES=1
    fi
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r tests/requirements.txt
fi
