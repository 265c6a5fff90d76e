# Shared shell helpers for scripts/*.sh: messages, process identity by PID + start time,
# start/stop of detached processes, readiness waits. Sourced, never run.
# shellcheck shell=bash

# shellcheck disable=SC2034 # used by the scripts that source this file
BB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

# Messages go to stderr so that stdout stays usable for tables and summaries.
say()  { printf '%s\n' "$*" >&2; }
note() { printf '  %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with milliseconds, for phase timings.
now_s() { date +%s.%3N; }
# Elapsed seconds since $1 (from now_s), one decimal.
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or nothing.
# The command name (field 2) may hold spaces and parentheses, so cut after the last ')'.
proc_starttime() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    # After the command: state is field 3, so start time (22) is the 20th word (index 19).
    local -a fields
    read -r -a fields <<<"$stat"
    printf '%s' "${fields[19]}"
}

# True when PID exists and is not a zombie (a zombie's parent may never reap it here).
pid_running() {
    local stat
    [ -n "${1:-}" ] || return 1
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [ "${stat%% *}" != "Z" ] && [ "${stat%% *}" != "X" ]
}

# pidfile format: "PID STARTTIME". True when that exact process still runs: a recycled PID
# has another start time, so we never signal a stranger.
pidfile_alive() {
    local f="$1" pid st cur
    [ -f "$f" ] || return 1
    read -r pid st <"$f" || return 1
    pid_running "$pid" || return 1
    cur="$(proc_starttime "$pid")" || return 1
    [ "$cur" = "$st" ]
}

pidfile_pid() { local pid st; read -r pid st <"$1" && printf '%s' "$pid"; }

write_pidfile() {
    local f="$1" pid="$2" st
    st="$(proc_starttime "$pid")" || return 1
    printf '%s %s\n' "$pid" "$st" >"$f"
}

# Starts "$@" detached in its own session (so its whole process group can be stopped later),
# stdin from /dev/null, stdout+stderr appended to LOG, and records it in PIDFILE.
# Usage: start_detached PIDFILE LOG cmd args...   Sets START_PID.
start_detached() {
    local pidfile="$1" log="$2"
    shift 2
    # In a non-interactive shell a background job is not a process-group leader, so setsid
    # calls setsid() and execs without forking: $! is the final process.
    # fd 9 is stack.sh's lock: a long-lived child must not keep holding it.
    setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
    START_PID=$!
    # The start time is set at fork and survives exec, so it can be read right away.
    write_pidfile "$pidfile" "$START_PID" || true
}

# Stops the process recorded in PIDFILE (and its process group when it leads one):
# SIGTERM, wait up to GRACE seconds, then SIGKILL. Removes the pidfile. Returns 0 when gone.
stop_pidfile() {
    local f="$1" name="$2" grace="${3:-10}" pid target i
    if ! pidfile_alive "$f"; then
        rm -f "$f"
        return 0
    fi
    pid="$(pidfile_pid "$f")"
    target="$pid"
    # setsid made it a group leader: signal the group so children (chromium) go too.
    if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then target="-$pid"; fi
    kill -TERM -- "$target" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        pid_running "$pid" || break
        sleep 0.1
    done
    if pid_running "$pid"; then
        note "$name (pid $pid) ignored SIGTERM for ${grace}s: SIGKILL"
        kill -KILL -- "$target" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            pid_running "$pid" || break
            sleep 0.1
        done
    fi
    # Stragglers of the group (a child that outlived its leader) get SIGKILL too.
    if [ "$target" != "$pid" ] && pgrep -g "$pid" >/dev/null 2>&1; then
        kill -KILL -- "$target" 2>/dev/null || true
    fi
    rm -f "$f"
    ! pid_running "$pid"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints the last lines of a log for an error message.
tail_log() {
    [ -f "$1" ] || return 0
    say "---- last lines of $1 ----"
    tail -n "${2:-20}" "$1" >&2 || true
    say "----"
}
