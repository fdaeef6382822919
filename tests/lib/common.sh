# tests/lib/common.sh - the preamble of the shell tests, written once. A test does:
#
#   set -u
#   . "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
#   need maat maatd curl      # the built programs and tools it uses; else SKIPPED (exit 77)
#   tmpdir cli-name           # T = a fresh directory, removed (and PIDS killed) on exit
#   ...ok "what" / bad "what"...
#   finish                    # "N failure(s)", exit status 0 only when none
#
# It sets BIN, MAAT, MAATD (the programs under $MAAT_BIN), SRC (the source tree), VEC (the
# shared vectors), fails=0 and PIDS=() (process ids the exit trap signals), and defines
# ok, bad, jget FILE PYEXPR (a value of a JSON file), need, tmpdir, finish.

BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat"
MAATD="$BIN/maatd"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
VEC="${MAAT_VECTORS:-$SRC/../shared/vectors}"
fails=0
PIDS=()

ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# need WHAT...: maat / maatd (built under $MAAT_BIN) or any command on PATH; the test is
# skipped (exit 77) naming the first one missing.
need() {
    local w
    for w in "$@"; do
        case $w in
        maat | maatd)
            [ -x "$BIN/$w" ] || { echo "SKIPPED: $BIN/$w not built (set MAAT_BIN)"; exit 77; } ;;
        *)
            command -v "$w" >/dev/null || { echo "SKIPPED: $w needed"; exit 77; } ;;
        esac
    done
}

_common_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "${T:-}" ] && rm -rf "$T"
    return 0
}

# tmpdir NAME: T = a fresh temporary directory maat-NAME-XXXXXX; on exit the processes in
# PIDS are signalled and T is removed.
tmpdir() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/maat-$1-XXXXXX") || { echo "FAIL - mktemp"; exit 1; }
    trap _common_cleanup EXIT
}

# finish: the summary line; returns (and so, as the last command, exits with) 0 only when
# no check failed.
finish() {
    echo "$fails failure(s)"
    [ "$fails" -eq 0 ]
}
