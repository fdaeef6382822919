# sim_pccs.sh - shell helper for tests that talk to `maat sim pccs` (sourced).
# Expects MAAT (the maat binary), T (the test's temporary directory) and the PIDS array
# the test's cleanup kills.

# start_pccs_at DIR NAME ARGS... : starts `maat sim pccs DIR --log-requests ARGS...` on a
# free loopback port (stdout $T/NAME.out, log $T/NAME.log), sets BASE to its URL and
# PCCS_PID to its process id; exits 1 when it does not come up within 10 s.
start_pccs_at() {
    local dir=$1 name=$2; shift 2
    "$MAAT" sim pccs "$dir" --listen 127.0.0.1:0 --log-requests "$@" >"$T/$name.out" 2>"$T/$name.log" &
    PCCS_PID=$!
    PIDS+=("$PCCS_PID")
    BASE=
    for _ in $(seq 1 100); do
        BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/$name.out" 2>/dev/null | head -1)
        [ -n "$BASE" ] && return 0
        sleep 0.1
    done
    echo "sim pccs $name did not start: $(cat "$T/$name.log")"; exit 1
}

# start_pccs NAME ARGS... : start_pccs_at for the platform in $T/sim.
start_pccs() { start_pccs_at "$T/sim" "$@"; }
