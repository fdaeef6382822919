# tests/lib/maatd.sh - sourced by the shell tests that run maatd: start and stop named
# instances on a free loopback port. Needs $MAATD (the binary), $T (a temporary
# directory) and a PIDS array (the test's cleanup signals what is left in it).
# Environment assignments before the call reach maatd: `VAR=x maatd_start A ...`.

# maatd_start NAME ARGS...: runs maatd, waits (<= 20 s) for the URL it prints; sets
# URL_NAME and PID_NAME; on failure prints maatd's log and returns 1.
maatd_start() {
    local name=$1; shift
    "$MAATD" --listen 127.0.0.1:0 "$@" >"$T/$name.url" 2>"$T/$name.log" &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 200); do
        [ -s "$T/$name.url" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    eval "PID_$name=$pid"
    eval "URL_$name=$(head -n1 "$T/$name.url")"
    if [ ! -s "$T/$name.url" ]; then echo "maatd $name did not start:"; cat "$T/$name.log"; return 1; fi
}

# maatd_forget PID: a process reaped here is no longer cleanup's to signal.
maatd_forget() {
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# maatd_stop NAME: SIGTERM, wait <= 10 s, then SIGKILL; sets STOP_RC (137 when killed)
# and STOP_MS (how long it took).
maatd_stop() {
    local pid; eval "pid=\$PID_$1"
    local t0; t0=$(date +%s%N)
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; wait "$pid"; STOP_RC=137; else wait "$pid"; STOP_RC=$?; fi
    STOP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
    maatd_forget "$pid"
}
