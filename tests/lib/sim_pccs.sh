# sim_pccs.sh - shell helper for tests that talk to `maat sim pccs` (sourced).
# Expects MAAT (the maat binary), T (the test's temporary directory, holding the platform
# in $T/sim) and the PIDS array the test's cleanup kills.

# start_pccs NAME ARGS... : starts `maat sim pccs $T/sim --log-requests ARGS...` on a free
# loopback port (stdout $T/NAME.out, log $T/NAME.log) and sets BASE to its URL; exits 1
# when it does not come up within 10 s.
start_pccs() {
    local name=$1; shift
    "$MAAT" sim pccs "$T/sim" --listen 127.0.0.1:0 --log-requests "$@" >"$T/$name.out" 2>"$T/$name.log" &
    PIDS+=("$!")
    BASE=
    for _ in $(seq 1 100); do
        BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/$name.out" 2>/dev/null | head -1)
        [ -n "$BASE" ] && return 0
        sleep 0.1
    done
    echo "sim pccs $name did not start: $(cat "$T/$name.log")"; exit 1
}
