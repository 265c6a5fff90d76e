# Podman environment for `make compose-check` (scripts/compose/*.sh). Sourced, never run.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Everything the check generates (containers.conf, the Debian base rootfs, the socket, logs)
# lives here; the images themselves live in podman's store, where a second run finds them.
BB_COMPOSE_DIR="${BB_COMPOSE_DIR:-$BB_ROOT/.cache/compose}"
mkdir -p "$BB_COMPOSE_DIR"

# Setting rlimits on a container is refused in this environment, and podman sets some by
# default: an empty default_ulimits is what lets containers start. runc (below) and netavark: the CNI plugins
# are not installed, only Debian's netavark + aardvark-dns (service-name DNS on a network).
export CONTAINERS_CONF="$BB_COMPOSE_DIR/containers.conf"
cat >"$CONTAINERS_CONF.tmp" <<'CONF'
[containers]
default_ulimits = []

[network]
network_backend = "netavark"

[engine]
events_logger = "file"
# crun refuses this machine's hybrid cgroup layout ("cgroups in hybrid mode not supported").
runtime = "runc"
CONF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"

command -v podman >/dev/null 2>&1 ||
    die "podman not installed (run: scripts/install-deps.sh --with compose)"
