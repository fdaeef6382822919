#!/usr/bin/env bash
# test_cli_verb_tables.sh - the verb tables of the commands converted last (issue 17: one
# function per verb, struct cli_verb in src/cli/cli.h): `maat token verify`, `maat
# collateral fetch|eval-nums`, `maat sim pccs`, and the verb-less `maat attest` and `maat
# verify`. Each verb reaches its own function (a message only that function prints), its
# --help goes to stdout with exit 0, names match exactly (no prefix, no case folding), an
# unknown or missing verb is a usage error (exit 2) on stderr. No network, no files.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
tmpdir cli-verb-tables

# t NAME WANT_RC STREAM PATTERN -- ARGS...: exit code WANT_RC and PATTERN (grep -F) on
# STREAM (out|err); the other stream empty for --help (stdout) and errors (stderr)
t() {
    local name=$1 want=$2 stream=$3 pat=$4; shift 5
    "$MAAT" "$@" >"$T/out" 2>"$T/err" </dev/null; local rc=$?
    local other=err; [ "$stream" = err ] && other=out
    if [ $rc -eq "$want" ] && grep -qF -- "$pat" "$T/$stream" && [ ! -s "$T/$other" ]; then
        ok "$name"
    else
        bad "$name: exit $rc (want $want); stdout: $(head -c 200 "$T/out"); stderr: $(head -c 200 "$T/err")"
    fi
}

# ---- maat token: one verb ----
t "token verify reaches token_verify" 2 err "maat token verify: expected exactly one TOKEN" -- token verify
t "token verify --help" 0 out "usage: maat token verify TOKEN" -- token verify --help
t "token --help" 0 out "usage: maat token verify TOKEN" -- token --help
t "token help" 0 out "usage: maat token verify TOKEN" -- token help
t "token: no verb" 2 err "usage: maat token verify TOKEN" -- token
t "token: prefix is not a verb" 2 err "maat token: unknown sub-command 'verif' (expected verify)" -- token verif
t "token: case matters" 2 err "unknown sub-command 'VERIFY'" -- token VERIFY

# ---- maat collateral: two verbs, one table ----
t "collateral fetch reaches fetch" 2 err "give exactly one of QUOTE and --fmspc HEX" -- collateral fetch
t "collateral eval-nums reaches eval-nums" 2 err "eval-nums takes no QUOTE, --fmspc" -- collateral eval-nums --fmspc 00906ED50000
t "collateral eval-nums takes no -o (fetch requires it)" 2 err "eval-nums takes no" -- collateral eval-nums -o x
t "collateral fetch --json is eval-nums'" 2 err "--json goes with eval-nums" -- collateral fetch --fmspc 00906ED50000 -o x --json
t "collateral fetch --help" 0 out "usage: maat collateral fetch" -- collateral fetch --help
t "collateral eval-nums -h" 0 out "maat collateral eval-nums" -- collateral eval-nums -h
t "collateral -h" 0 out "usage: maat collateral fetch" -- collateral -h
t "collateral: no verb" 2 err "usage: maat collateral fetch" -- collateral
t "collateral: prefix is not a verb" 2 err "usage: maat collateral fetch" -- collateral fetc
t "collateral: verb with a suffix is not a verb" 2 err "usage: maat collateral fetch" -- collateral eval-numsx

# ---- maat sim pccs: a verb of cmd_sim's table ----
t "sim pccs reaches cmd_sim_pccs" 2 err "maat sim pccs: needs a directory" -- sim pccs
t "sim pccs --help" 0 out "usage: maat sim pccs DIR" -- sim pccs --help
t "sim pccs: option errors are its own" 2 err "maat sim pccs: --stall-ms wants 1..600000" -- sim pccs d --stall-ms 0
t "sim pccs: --rate-limit range" 2 err "maat sim pccs: --rate-limit wants 0..3600" -- sim pccs d --rate-limit 3601
t "sim pccs: unknown fault" 2 err "unknown fault 'x' (garbage, 500, stall)" -- sim pccs d --fault x
t "sim: prefix is not a verb" 2 err "unknown sub-command 'pcc'" -- sim pcc

# ---- verb-less commands: the command is the verb ----
t "attest: one function" 2 err "maat attest: expected exactly one FILE" -- attest
t "attest --help" 0 out "usage: maat attest FILE" -- attest --help
t "attest: option check" 2 err "give --endpoint URL (or --offline)" -- attest f
t "verify: one function" 2 err "maat verify: expected exactly one QUOTE" -- verify
t "verify -h" 0 out "usage: maat verify QUOTE" -- verify -h
t "verify: option check" 2 err "--tcb-recovery-date is used only with --tcb-grace-days" -- verify q --tcb-recovery-date 2024-01-01T00:00:00Z
finish
