#!/usr/bin/env bash
# test_at_forms.sh - `--at` took only unix seconds and RFC 3339 ending in Z or +00:00: offsets
# (+02:00, -05:30), 'z', 't', a space separator were refused. Every RFC 3339 form of the same
# instant must give `maat verify` the same outcome (the dcap-qvl vector: verified at
# 2025-07-19T10:01:17Z, its QE identity expired one second later), and `maat token verify`
# and `maat attest` must take the same forms (the one parser, maat_time_parse). Refusals
# exit 2 naming the offset.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
V="${MAAT_VECTORS:-../shared/vectors}"
need maat
if [ ! -d "$V/dcap-qvl" ]; then echo "*** SKIPPED: vectors not found at $V (set MAAT_VECTORS) ***"; exit 77; fi
tmpdir cli-at
Q=$V/dcap-qvl/sgx_quote C=$V/dcap-qvl/sgx_quote_collateral.json

# the last second the collateral is valid, written every way
for at in 1752919277 2025-07-19T10:01:17Z 2025-07-19t10:01:17z "2025-07-19 10:01:17Z" \
          2025-07-19T10:01:17+00:00 2025-07-19T10:01:17-00:00 2025-07-19T12:01:17+02:00 \
          2025-07-19T04:31:17-05:30 2025-07-19T10:01:17.999Z "2025-07-19 12:01:17.5+02:00" \
          2025-07-20T01:01:17+15:00; do
    "$MAAT" verify "$Q" --collateral "$C" --at "$at" --json >"$T/v.json" 2>"$T/v.err"; rc=$?
    [ $rc -eq 0 ] && [ "$(jget "$T/v.json" 'd["verified"]')" = True ] && ok "--at '$at': verified" \
        || bad "--at '$at': exit $rc $(cat "$T/v.err")"
done
# two seconds later (past the QE identity's nextUpdate 10:01:18Z), with offsets
for at in 2025-07-19T10:01:19Z 2025-07-19T12:01:19+02:00 2025-07-19T04:31:19-05:30 "2025-07-19 10:01:19.000001z"; do
    "$MAAT" verify "$Q" --collateral "$C" --at "$at" --json >"$T/x.json" 2>/dev/null; rc=$?
    [ $rc -eq 1 ] && [ "$(jget "$T/x.json" 'd["failed_step"]')" = collateral_time ] && ok "--at '$at': expired" \
        || bad "--at '$at': exit $rc (offset ignored?)"
done
# refusals: exit 2, the message names the offset and what was expected
for at in "2025-07-19T10:01:17" "2025-07-19T10:01:17+0200" "2025-07-19X10:01:17Z" "2025-02-30T00:00:00Z" \
          "yesterday" "-1" "2025-07-19T10:01:17Z " "1969-12-31T23:59:59Z"; do
    "$MAAT" verify "$Q" --collateral "$C" --at "$at" >/dev/null 2>"$T/e.err"; rc=$?
    [ $rc -eq 2 ] && grep -q -- "--at: " "$T/e.err" && ok "--at '$at': refused (exit 2): $(head -1 "$T/e.err" | cut -c1-90)" \
        || bad "--at '$at': exit $rc $(cat "$T/e.err")"
done
grep -q "offset 10: expected 'T', 't' or a space" <("$MAAT" verify "$Q" --at 2025-07-19X10:01:17Z 2>&1) \
    && ok "refusal names offset and expectation" || bad "refusal message"

# the same parser behind token verify and attest: an offset form passes option parsing
# (the run then fails later for want of a token / file), a malformed one is a usage error
for cmd in "token verify $T/none.jwt --jwks $T/none.json --issuer https://x" "attest $T/none.json --offline"; do
    # shellcheck disable=SC2086
    "$MAAT" $cmd --at 2025-07-19T12:01:17+02:00 >/dev/null 2>"$T/c.err"; rc=$?
    [ $rc -ne 2 ] && ok "maat ${cmd%% /*} --at +02:00 accepted (exit $rc)" || bad "maat ${cmd%% /*}: +02:00 refused: $(cat "$T/c.err")"
    # shellcheck disable=SC2086
    "$MAAT" $cmd --at 2025-07-19T12:01:17+0200 >/dev/null 2>&1; rc=$?
    [ $rc -eq 2 ] && ok "maat ${cmd%% /*} --at +0200 refused" || bad "maat ${cmd%% /*}: +0200 exit $rc"
done

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
