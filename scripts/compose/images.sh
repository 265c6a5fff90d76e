#!/usr/bin/env bash
# Builds, only when missing from podman's store, the images `make compose-check` runs:
#   1. a Debian 12 base (debootstrap --variant=minbase bookworm), imported as debian:12 and
#      debian:12-slim, so that every FROM builds offline from Debian's mirror;
#   2. stand-ins for the images this machine cannot pull (postgres:15, apache/kafka:4.1.1, the
#      Selenium Chromium image, node:20-bookworm-slim for the Dockerfile's frontend stage),
#      tagged with the real names (tests/compose/standins/*/Dockerfile says what each follows);
#   3. byebuy:latest from the project's Dockerfile (always rebuilt: podman's layer cache makes
#      an unchanged tree a matter of seconds).
# Usage: scripts/compose/images.sh [--force]   (--force rebuilds the base and stand-ins too)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BB_ROOT"

force=0
[ "${1:-}" = --force ] && force=1
KAFKA_HOME="${BB_KAFKA_HOME:-$BB_ROOT/.cache/kafka-4.1.1}"
STANDINS=tests/compose/standins
SELENIUM_IMAGE="$(sed -n 's/^ *image: *\(selenium\/[^ ]*\).*/\1/p' docker-compose.yml | head -n1)"
[ -n "$SELENIUM_IMAGE" ] || die "no selenium/ image named in docker-compose.yml"

have() { [ "$force" = 0 ] && podman image exists "$1"; }

build_base() {
    if have docker.io/library/debian:12 && have docker.io/library/debian:12-slim; then
        note "base: debian:12 present"; return
    fi
    command -v debootstrap >/dev/null || die "debootstrap not installed (scripts/install-deps.sh --with compose)"
    local root="$BB_COMPOSE_DIR/rootfs" t
    t="$(now_s)"
    rm -rf "$root"
    note "base: debootstrap --variant=minbase bookworm (Debian's mirror)"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian \
        >"$BB_COMPOSE_DIR/debootstrap.log" 2>&1 ||
        { tail -n 20 "$BB_COMPOSE_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
    # What Debian's own docker images do: no apt caches, security updates in sources.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
        >"$root/etc/apt/sources.list"
    tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - docker.io/library/debian:12 >/dev/null
    podman tag docker.io/library/debian:12 docker.io/library/debian:12-slim
    rm -rf "$root"
    note "base: debian:12 and debian:12-slim imported ($(elapsed "$t") s)"
}

# build_standin NAME IMAGE [extra build args...]
build_standin() {
    local name="$1" image="$2" t
    shift 2
    if have "$image"; then note "stand-in: $image present"; return; fi
    t="$(now_s)"
    podman build --isolation=chroot --pull=never -q -t "$image" "$@" "$STANDINS/$name" \
        >"$BB_COMPOSE_DIR/build-$name.log" 2>&1 ||
        { tail -n 30 "$BB_COMPOSE_DIR/build-$name.log" >&2; die "building the $name stand-in failed"; }
    note "stand-in: $image built ($(elapsed "$t") s)"
}

build_base
# The Kafka stand-in carries the jars the project already fetched (install-deps.sh).
ls "$KAFKA_HOME"/libs/kafka_2.13-*.jar >/dev/null 2>&1 ||
    die "Kafka jars missing in $KAFKA_HOME/libs (run scripts/install-deps.sh)"
if ! have docker.io/apache/kafka:4.1.1; then
    rm -rf "$STANDINS/kafka/libs" && cp -r "$KAFKA_HOME/libs" "$STANDINS/kafka/libs"
fi
build_standin postgres docker.io/library/postgres:15
build_standin kafka docker.io/apache/kafka:4.1.1
rm -rf "$STANDINS/kafka/libs"
build_standin selenium "docker.io/$SELENIUM_IMAGE"
# node:20-bookworm-slim: the host's Node.js (20 or newer, as the frontend build needs).
if ! have docker.io/library/node:20-bookworm-slim; then
    rm -rf "$STANDINS/node/root" && mkdir -p "$STANDINS/node/root/usr/local/bin" "$STANDINS/node/root/usr/local/lib/node_modules"
    cp "$(readlink -f "$(command -v node)")" "$STANDINS/node/root/usr/local/bin/node"
    cp -r "$(npm root -g)/npm" "$STANDINS/node/root/usr/local/lib/node_modules/npm"
    # The host's trusted CAs: where outbound TLS goes through an inspecting proxy (as on these
    # machines), `npm ci` in the frontend stage must trust what the host trusts.
    mkdir -p "$STANDINS/node/root/etc/ssl/certs"
    cp "${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}" "$STANDINS/node/root/etc/ssl/certs/host-ca.crt"
fi
build_standin node docker.io/library/node:20-bookworm-slim
rm -rf "$STANDINS/node/root"

t="$(now_s)"
podman build --isolation=chroot --pull=never -t byebuy:latest . >"$BB_COMPOSE_DIR/build-byebuy.log" 2>&1 ||
    { tail -n 40 "$BB_COMPOSE_DIR/build-byebuy.log" >&2; die "building byebuy:latest failed; see ${BB_COMPOSE_DIR#"$BB_ROOT"/}/build-byebuy.log"; }
note "image: byebuy:latest built ($(elapsed "$t") s)"
