#!/usr/bin/env bash
# test_maatd_policy_bounds.sh - issue 12 item 6 in maatd: a 67 KB draft-policy request
# whose `issue` rules double the issued claims (one 60 KB literal, re-issued by 12 rules)
# made a 164 MB token and held ~1 GB. Now it gets 400 PolicyEvaluationError naming the
# bound (max_issued_bytes) quickly, and maatd's peak RSS (VmHWM in /proc/PID/status) stays
# bounded. Also: --policy-max-issued-claims and --max-token-size are honoured with MAA's
# error form, and a normal request on the same instance still gets its token.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
command -v curl >/dev/null || { echo "SKIPPED: curl not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed"; exit 77; }
[ -r /proc/self/status ] || { echo "SKIPPED: no /proc"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-bounds-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.2; rm -rf "$T"; }
trap cleanup EXIT
fails=0
. "$(dirname "$0")/../lib/maatd.sh"
post() { curl -s -m 60 -o "$3" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$2" "$1"; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
S="/attest/SgxEnclave?api-version=2022-08-01"

"$MAAT" sim init "$T/sim" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/sim" -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
# mkreq OUT POLICY_KIND: the quote plus a draft policy
mkreq() {
    python3 - "$T/q.bin" "$1" "$2" <<'PY'
import base64, json, sys
q, out, kind = sys.argv[1:4]
d = {"quote": base64.urlsafe_b64encode(open(q, "rb").read()).decode().rstrip("=")}
head = "version=1.0;authorizationrules{=> permit();};issuancerules{"
if kind == "doubling":      # the issue's request: 60 KB literal, doubled by 12 rules
    p = head + '=> issue(type="x", value="' + "A" * 60000 + '");'
    p += 'c:[type=="x"] => issue(type="x", value=c.value);' * 12 + "};"
elif kind == "many":        # 1 + 1 + 2 + ... small claims: 512 when unbounded
    p = head + '=> issue(type="y", value="v");' + 'c:[type=="y"] => issue(type="y", value=c.value);' * 9 + "};"
elif kind == "wide":        # 8 distinct claims of 50 KB: within the policy bounds, ~800 KB token
    p = head + '=> add(type="v", value="' + "B" * 50000 + '");'
    p += "".join('c:[type=="v"] => issue(type="w%d", value=c.value);' % i for i in range(8)) + "};"
if kind != "none":
    d["draftPolicyForAttestation"] = p
json.dump(d, open(out, "w"))
PY
}
for k in doubling many wide none; do mkreq "$T/r_$k.json" $k; done
sz=$(stat -c %s "$T/r_doubling.json")
[ "$sz" -lt 70000 ] && [ "$sz" -gt 60000 ] && ok "the doubling request is $sz bytes (67 KB-style)" || bad "request size $sz"

maatd_start A --store "$T/a.db" --sim "$T/sim" || exit 1
st=$(post "$URL_A$S" "$T/r_none.json" "$T/o_none")
[ "$st" = 200 ] && ok "a plain request: 200" || bad "plain: $st $(head -c 300 "$T/o_none")"
st=$(post "$URL_A$S" "$T/r_wide.json" "$T/o_wide")   # warm up: a large but allowed draft
[ "$st" = 200 ] && ok "a draft issuing 8 x 50 KB (within the bounds): 200" || bad "wide: $st $(head -c 300 "$T/o_wide")"
base=$(kb "$PID_A" VmHWM)

t0=$(date +%s%N)
for i in 1 2 3; do st=$(post "$URL_A$S" "$T/r_doubling.json" "$T/o_dbl"); [ "$st" = 400 ] || break; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$st" = 400 ] && [ "$(jget "$T/o_dbl" 'd["error"]["code"]')" = PolicyEvaluationError ] \
    && [ "$(jget "$T/o_dbl" 'd["error"]["innererror"]["code"]')" = PolicyEvaluationError ] \
    && ok "self-doubling draft: 400 PolicyEvaluationError (MAA form)" || bad "doubling: $st $(head -c 400 "$T/o_dbl")"
grep -q "max_issued_bytes" "$T/o_dbl" && grep -q "Policy Engine Exception" "$T/o_dbl" \
    && ok "  the message names the bound: $(jget "$T/o_dbl" 'd["error"]["message"][:160]')" || bad "  message: $(head -c 400 "$T/o_dbl")"
[ "$(stat -c %s "$T/o_dbl")" -lt 4096 ] && ok "  the answer is small ($(stat -c %s "$T/o_dbl") bytes)" || bad "  answer size"
[ "$ms" -lt 5000 ] && ok "  three of them answered in ${ms} ms" || bad "  slow: ${ms} ms"
peak=$(kb "$PID_A" VmHWM); rss=$(kb "$PID_A" VmRSS)
echo "#   maatd VmHWM ${base} kB before, ${peak} kB after (VmRSS ${rss} kB)"
[ $((peak - base)) -lt 32768 ] && ok "  peak RSS grew by $((peak - base)) kB (< 32 MB)" || bad "  peak RSS grew by $((peak - base)) kB"
kill -0 "$PID_A" && ok "  maatd still running" || bad "  maatd died"

st=$(post "$URL_A$S" "$T/r_many.json" "$T/o_many")
[ "$st" = 400 ] && grep -q "max_issued_claims" "$T/o_many" && ok "512 issued claims: 400 naming max_issued_claims" \
    || bad "many: $st $(head -c 300 "$T/o_many")"
st=$(post "$URL_A$S" "$T/r_none.json" "$T/o_none2")
[ "$st" = 200 ] && ok "a plain request after them: 200" || bad "plain after: $st"
maatd_stop A

# the options: a raised count bound admits the 512 claims; a small token bound refuses the wide draft
maatd_start B --store "$T/b.db" --sim "$T/sim" --policy-max-issued-claims 1024 --max-token-size 262144 || exit 1
st=$(post "$URL_B$S" "$T/r_many.json" "$T/o_many_b")
[ "$st" = 200 ] && ok "--policy-max-issued-claims 1024: the 512-claim draft gets its token" || bad "raised count: $st $(head -c 300 "$T/o_many_b")"
st=$(post "$URL_B$S" "$T/r_wide.json" "$T/o_wide_b")
[ "$st" = 400 ] && [ "$(jget "$T/o_wide_b" 'd["error"]["code"]')" = PolicyEvaluationError ] \
    && grep -q -- "--max-token-size" "$T/o_wide_b" && grep -q "262144" "$T/o_wide_b" \
    && ok "--max-token-size 262144: the 800 KB token refused, 400 naming the bound" || bad "token bound: $st $(head -c 400 "$T/o_wide_b")"
st=$(post "$URL_B$S" "$T/r_none.json" "$T/o_none_b")
[ "$st" = 200 ] && ok "  a plain token still fits" || bad "  plain under the token bound: $st"
maatd_stop B
maatd_start C --store "$T/c.db" --sim "$T/sim" --policy-max-claim-value 1000 || exit 1
st=$(post "$URL_C$S" "$T/r_wide.json" "$T/o_wide_c")
[ "$st" = 400 ] && grep -q "max_claim_value" "$T/o_wide_c" && ok "--policy-max-claim-value 1000: 400 naming max_claim_value" \
    || bad "value bound: $st $(head -c 300 "$T/o_wide_c")"
maatd_stop C

if [ $fails -ne 0 ]; then echo "$fails FAILED"; exit 1; fi
echo "all passed"
