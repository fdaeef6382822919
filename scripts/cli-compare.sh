#!/usr/bin/env bash
# cli-compare.sh OLD NEW [MAATD] - runs the same command lines of `maat attest`, `verify`,
# `token`, `collateral` and `sim pccs` with two builds of maat and reports every line
# whose stdout, stderr or exit code differ (issue 17: a refactor of the commands must not
# change what they do). Offline: a simulated platform at a fixed time, its PCCS on
# loopback, the shared vectors' real MAA tokens and sample files, and (when MAATD is given)
# a maatd on loopback for the online paths; the only normalisation: the temporary
# directory, the loopback ports and, for the lines against maatd (fresh tokens each run),
# times and JWTs. Prints "N command lines, M differ"; exit 0 only when none differ.
set -u
OLD=$(realpath "$1") NEW=$(realpath "$2") MAATD=${3:+$(realpath "$3")}
VEC="${MAAT_VECTORS:-/work/shared/vectors}"
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-cli-compare-XXXXXX")
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
M=$OLD
n=0 ndiff=0 declare_rcs=""

# ---- fixtures (made once, with OLD) ----
AT=2024-03-02T00:00:00Z
"$M" sim init sim --now 2024-03-01T00:00:00Z >/dev/null || exit 1
"$M" sim init simtdx --now 2024-03-01T00:00:00Z >/dev/null || exit 1
printf 'enclave-held data' >ehd.bin
"$M" sim quote sim -o q.bin --ehd ehd.bin >/dev/null
"$M" sim quote sim -o dbg.bin --debug --ehd ehd.bin >/dev/null
"$M" sim quote sim -o ei.json --enclave-info --ehd ehd.bin --mrenclave "$(printf '3e%.0s' $(seq 32))" --prod-id 3 --svn 5 >/dev/null
"$M" sim quote sim -o ei-dbg.json --enclave-info --debug --ehd ehd.bin >/dev/null
"$M" sim quote sim -o ei-ood.json --enclave-info --tcb OutOfDate --ehd ehd.bin >/dev/null
"$M" sim quote sim -o ei-rev.json --enclave-info --revoked-pck --ehd ehd.bin >/dev/null
"$M" sim quote sim -o ei-fmspc.json --enclave-info --fmspc 00A067110000 --ehd ehd.bin >/dev/null
"$M" sim quote sim -o ood.bin --tcb OutOfDate >/dev/null
"$M" sim quote sim -o swh.bin --tcb SWHardeningNeeded >/dev/null
"$M" sim quote sim -o rev.bin --revoked-pck >/dev/null
"$M" sim quote sim -o plat.bin --pck-ca platform >/dev/null
"$M" sim quote simtdx -o td.bin --tee tdx >/dev/null
"$M" sim quote sim -o q.hex --ehd ehd.bin >/dev/null 2>&1 || cp q.bin q.hex
python3 - <<'PY'
import json
e = json.load(open("ei.json"))
def w(name, **kv):
    d = dict(e); d.update(kv); json.dump(d, open(name, "w"), indent=2)
w("ei-mre.json", MrEnclaveHex="00" * 32)
w("ei-mrs.json", MrSignerHex="AB" * 32)
w("ei-pid.json", ProductIdHex="0900" + "00" * 14)
w("ei-svn.json", SecurityVersion=99)
w("ei-attr.json", Attributes=e["Attributes"] ^ 2)
w("ei-ehd.json", EnclaveHeldDataHex="00")
w("ei-two.json", SecurityVersion=98, MrSignerHex="CD" * 32)
w("ei-extra.json", Extra=1)
q = bytearray(bytes.fromhex(e["QuoteHex"])); q[-1] ^= 1
w("ei-tampered.json", QuoteHex=q.hex().upper())
open("garbage.json", "w").write("{not json")
open("empty.bin", "wb").write(b"")
open("short.bin", "wb").write(open("q.bin", "rb").read()[:100])
PY
head -c 2000 /dev/urandom >random.bin 2>/dev/null || true
cp sim/root-ca.pem root.pem
echo "not a pem" >notpem.pem
cp sim/collateral.json coll.json
mkdir -p emptydir
# tokens: the recorded MAA tokens and /certs (written here; the vectors stay where they are)
V="$VEC/maa-recordings"
HAVE_TOK=0
if [ -d "$V" ]; then
    HAVE_TOK=1
    for inst in shared aad; do
        python3 -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['body']))" \
            "$V/metadata/certs-$inst.response.json" >"certs-$inst.json"
    done
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['body']['token'])" \
        "$V/attest/sgx-shared-plain.response.json" >tok.jwt
    python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))['body'], open('resp.json','w'))" \
        "$V/attest/sgx-shared-plain.response.json"
    python3 - <<'PY'
import base64, json
t = open("tok.jwt").read().strip()
h, p, s = t.split(".")
pad = lambda x: x + "=" * (-len(x) % 4)
enc = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
pl = json.loads(base64.urlsafe_b64decode(pad(p)))
pl["x-ms-sgx-svn"] = 2
open("altered.jwt", "w").write(h + "." + enc(json.dumps(pl).encode()) + "." + s)
open("badsig.jwt", "w").write(h + "." + p + "." + ("A" if s[0] != "A" else "B") + s[1:])
hd = json.loads(base64.urlsafe_b64decode(pad(h)))
hd["alg"] = "HS256"
open("hs256.jwt", "w").write(enc(json.dumps(hd).encode()) + "." + p + "." + s)
hd["alg"] = "none"
open("none.jwt", "w").write(enc(json.dumps(hd).encode()) + "." + p + ".")
open("notjwt.txt", "w").write("hello")
PY
fi
SHARED=https://sharedwus.wus.attest.azure.net
IAT=1668716907
SAMPLES="$VEC/azure-samples"

# the sim's PCCS on loopback (OLD), for --pccs and --source
"$M" sim pccs sim --listen 127.0.0.1:0 >pccs.out 2>pccs.log &
PIDS+=($!)
PCCS=
for _ in $(seq 100); do
    PCCS=$(grep -o 'http://127.0.0.1:[0-9]*' pccs.out 2>/dev/null | head -n1)
    [ -n "$PCCS" ] && break
    sleep 0.1
done
[ -n "$PCCS" ] || { echo "sim pccs did not start: $(cat pccs.log)"; exit 1; }
# maatd (current time: its sim is made now) for the online attest and token lines
MURL=
if [ -n "$MAATD" ]; then
    "$M" sim init simnow >/dev/null || exit 1
    "$M" sim quote simnow -o now-ei.json --enclave-info --ehd ehd.bin >/dev/null
    "$M" sim quote simnow -o now-ei-dbg.json --enclave-info --debug --ehd ehd.bin >/dev/null
    python3 -c "
import json; d=json.load(open('now-ei.json')); d['SecurityVersion']=77; json.dump(d,open('now-ei-svn.json','w'))"
    "$MAATD" --listen 127.0.0.1:0 --store maatd.db --sim simnow >maatd.url 2>maatd.log &
    PIDS+=($!)
    for _ in $(seq 200); do [ -s maatd.url ] && break; sleep 0.1; done
    MURL=$(head -n1 maatd.url)
    [ -n "$MURL" ] || { echo "maatd did not start: $(cat maatd.log)"; exit 1; }
    curl -s "$MURL/certs" >maatd-certs.json
fi

norm() { # the temp dir, loopback ports, curl's connect time; with "net" also times and JWTs
    sed -E -e "s#$T#TMP#g" -e 's#127\.0\.0\.1:[0-9]+#127.0.0.1:PORT#g' \
        -e 's#after [0-9]+ ms#after N ms#g' "$1" | if [ "$2" = net ]; then
        sed -E -e 's/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/JWT/g' \
            -e 's/\b1[6-9][0-9]{8}\b/TIME/g' \
            -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}Z?( UTC)?/DATE/g' \
            -e 's/"jti": *"[^"]*"/"jti": "ID"/g' -e 's/(jti +)[0-9a-f]+/\1ID/g'
    else cat; fi
}

# run [net] ARGS...: the line with OLD and NEW, compared
run() {
    local mode=plain
    [ "$1" = net ] && { mode=net; shift; }
    n=$((n + 1))
    local b
    for b in old new; do
        local bin=$OLD
        [ $b = new ] && bin=$NEW
        rm -rf out.d && mkdir out.d
        "$bin" "$@" >"$b.out" 2>"$b.err" </dev/null
        echo $? >"$b.rc"
        if [ $mode = net ]; then (cd out.d && find . -type f | sort) >"$b.files" # fresh tokens
        else (cd out.d && find . -type f | sort | xargs -r sha256sum) >"$b.files"; fi
        norm "$b.out" $mode >"$b.out.n"; norm "$b.err" $mode >"$b.err.n"
    done
    if ! cmp -s old.out.n new.out.n || ! cmp -s old.err.n new.err.n || ! cmp -s old.rc new.rc \
        || ! cmp -s old.files new.files; then
        ndiff=$((ndiff + 1))
        echo "DIFF: maat $*"
        diff old.rc new.rc | sed 's/^/  rc: /'
        diff old.out.n new.out.n | head -10 | sed 's/^/  out: /'
        diff old.err.n new.err.n | head -10 | sed 's/^/  err: /'
    fi
    RCS="$RCS $(cat new.rc)"
}
RCS=""
# expect_diff WHY ARGS...: a line whose difference is a deliberate fix (reported, not counted)
expect_diff() {
    local why=$1; shift
    local before=$ndiff
    run "$@" >/dev/null
    if [ $ndiff -gt "$before" ]; then
        ndiff=$before; nexpected=$((nexpected + 1))
        echo "EXPECTED DIFF ($why): maat $* -> exit $(cat old.rc) before, $(cat new.rc) now"
    fi
}
nexpected=0

# ================= maat attest =================
run attest
run attest --help
run attest -h
run attest --bogus
run attest ei.json
run attest ei.json --json
run attest ei.json ei.json --offline
run attest ei.json --offline --endpoint http://x
run attest ei.json --offline --oe
run attest ei.json --offline --issuer http://x
run attest ei.json --offline --token-out x --json
run attest ei.json --offline --ca-file x
run attest ei.json --endpoint http://x --collateral coll.json
run attest ei.json --endpoint http://x --signatures-only --json
run attest ei.json --endpoint http://x --trust-root root.pem
run attest ei.json --endpoint ftp://x
run attest ei.json --endpoint ftp://x --json
run attest ei.json --offline --collateral coll.json --pccs http://x
run attest ei.json --offline --at yesterday
run attest ei.json --offline --at yesterday --json
run attest ei.json --offline --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a
for f in ei.json ei-dbg.json ei-ood.json ei-rev.json ei-fmspc.json ei-mre.json ei-mrs.json ei-pid.json \
    ei-svn.json ei-attr.json ei-ehd.json ei-two.json ei-tampered.json; do
    run attest $f --offline --collateral coll.json --trust-root root.pem --at $AT
    run attest $f --offline --collateral coll.json --trust-root root.pem --at $AT --json
    run attest $f --offline --trust-root root.pem --at $AT
    run attest $f --offline --trust-root root.pem --at $AT --signatures-only --json
done
run attest ei.json --offline --collateral sim/pcs --trust-root root.pem --at $AT
run attest ei.json --offline --pccs "$PCCS" --trust-root root.pem --at $AT
run attest ei.json --offline --pccs "$PCCS" --trust-root root.pem --at $AT --json
run attest ei-fmspc.json --offline --pccs "$PCCS" --trust-root root.pem --at $AT --json
run attest ei.json --offline --pccs http://127.0.0.1:1 --trust-root root.pem --at $AT
run attest ei.json --offline --collateral coll.json --at $AT
run attest ei.json --offline --collateral coll.json --at $AT --json
run attest ei.json --offline --collateral coll.json --trust-root root.pem --at 2040-01-01T00:00:00Z
run attest ei.json --offline --collateral missing.json --trust-root root.pem --at $AT
run attest ei.json --offline --collateral garbage.json --trust-root root.pem --at $AT --json
run attest ei.json --offline --collateral emptydir --trust-root root.pem --at $AT
run attest ei.json --offline --trust-root missing.pem --at $AT
run attest ei.json --offline --trust-root notpem.pem --at $AT --json
run attest missing.json --offline
run attest missing.json --offline --json
run attest garbage.json --offline
run attest ei-extra.json --offline --json
run attest empty.bin --offline
run attest q.bin --offline --trust-root root.pem --at $AT
run attest random.bin --offline --json
run attest td.bin --offline
run attest td.bin --endpoint http://x --oe --json
run attest ei.json --endpoint http://127.0.0.1:1
run attest ei.json --endpoint http://127.0.0.1:1 --json
run attest ei.json --endpoint http://127.0.0.1:1 --oe --token-out out.d/t
if [ "$HAVE_TOK" = 1 ]; then
    for f in "$SAMPLES"/intel-sdk/enclave.info.*.json "$SAMPLES"/oe-sdk/enclave.info.*.json; do
        run attest "$f" --offline --at 1752919277
        run attest "$f" --offline --at 1752919277 --json --signatures-only
    done
fi

# ================= maat verify =================
run verify
run verify --help
run verify -h
run verify --json
run verify --bogus
run verify --bogus --json
run verify q.bin q.bin
run verify q.bin q.bin --json
run verify missing.bin
run verify missing.bin --json
run verify empty.bin
run verify short.bin --json
run verify random.bin
run verify garbage.json --json
run verify q.bin --at nonsense
run verify q.bin --at nonsense --json
run verify q.bin --collateral coll.json --pccs http://x
run verify q.bin --tcb-eval-num 0
run verify q.bin --tcb-eval-num x --json
run verify q.bin --tcb-eval-num-newest -3
run verify q.bin --tcb-grace-days x
run verify q.bin --max-collateral-age 0 --json
run verify q.bin --update sometime
run verify q.bin --tcb-recovery-date 2024-01-01T00:00:00Z --tcb-grace-days 3
run verify q.bin --tcb-recovery-date 2024-01-01T00:00:00Z
run verify q.bin --tcb-recovery-date never --json
run verify q.bin --tcb-grace-days 3 --tcb-eval-num-newest 17 --json
run verify q.bin --min-tcb-status Great
run verify q.bin --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a
run verify q.bin --pck-cert a --pck-cert a --pck-cert a --pck-cert a --pck-cert a --pck-cert a --pck-cert a --pck-cert a --pck-cert a
for f in q.bin dbg.bin ood.bin swh.bin rev.bin plat.bin ei.json ei-tampered.json; do
    run verify $f --collateral coll.json --trust-root root.pem --at $AT
    run verify $f --collateral coll.json --trust-root root.pem --at $AT --json
done
run verify plat.bin --collateral sim/collateral-platform.json --trust-root root.pem --at $AT
run verify q.bin --trust-root root.pem --at $AT
run verify q.bin --trust-root root.pem --at $AT --json
run verify q.bin --collateral coll.json --at $AT
run verify q.bin --collateral coll.json --at $AT --json
run verify q.bin --collateral sim/pcs --trust-root root.pem --at $AT --json
run verify q.bin --pccs "$PCCS" --trust-root root.pem --at $AT
run verify q.bin --pccs "$PCCS" --trust-root root.pem --at $AT --json
run verify q.bin --pccs http://127.0.0.1:1 --trust-root root.pem --at $AT
run verify q.bin --pccs http://127.0.0.1:1 --trust-root root.pem --at $AT --json
run verify q.bin --collateral missing.json --trust-root root.pem --at $AT
run verify q.bin --collateral garbage.json --trust-root root.pem --at $AT --json
run verify q.bin --collateral coll.json --trust-root root.pem --at 2040-01-01T00:00:00Z
run verify q.bin --collateral coll.json --trust-root root.pem --at 2040-01-01T00:00:00Z --json
run verify q.bin --collateral coll.json --trust-root missing.pem --at $AT
run verify q.bin --collateral coll.json --trust-root notpem.pem --at $AT --json
run verify q.bin --collateral coll.json --trust-root root.pem --pck-cert missing.pem --at $AT
run verify q.bin --collateral coll.json --trust-root root.pem --pck-cert notpem.pem --at $AT --json
run verify q.bin --collateral coll.json --trust-root root.pem --at $AT --min-tcb-status UpToDate
run verify ood.bin --collateral coll.json --trust-root root.pem --at $AT --min-tcb-status UpToDate --json
run verify swh.bin --collateral coll.json --trust-root root.pem --at $AT --allow-advisory INTEL-SA-00334
run verify q.bin --collateral coll.json --trust-root root.pem --at $AT --tcb-eval-num 17
run verify q.bin --collateral coll.json --trust-root root.pem --at $AT --tcb-eval-num 99 --json
run verify q.bin --collateral coll.json --trust-root root.pem --at $AT --update early
run verify q.bin --collateral coll.json --trust-root root.pem --at $AT --max-collateral-age 1
run verify td.bin --collateral simtdx/collateral-tdx.json --trust-root simtdx/root-ca.pem --at $AT
run verify td.bin --collateral simtdx/collateral-tdx.json --trust-root simtdx/root-ca.pem --at $AT --json
run verify td.bin --collateral coll.json --trust-root root.pem --at $AT --allow-debug-td --allow-sept-ve --json
run verify td.bin --trust-root simtdx/root-ca.pem --at $AT
if [ -d "$VEC/dcap-qvl" ]; then
    run verify "$VEC/dcap-qvl/sgx_quote" --collateral "$VEC/dcap-qvl/sgx_quote_collateral.json" --at 1752919277
    run verify "$VEC/dcap-qvl/sgx_quote" --collateral "$VEC/dcap-qvl/sgx_quote_collateral.json" --at 1752919277 --json
fi

# ================= maat token =================
run token
run token --help
run token -h
run token help
run token inspect
run token verify
run token verify --help
run token verify -h
run token verify --json
run token verify --bogus --json
run token verify a b --jwks x --issuer y
run token verify a
run token verify a --json
run token verify a --endpoint http://x --jwks y
run token verify a --jwks y
run token verify a --jwks y --ca-file z --issuer q
run token verify a --endpoint http://x --collateral c
run token verify a --endpoint http://x --signatures-only --json
run token verify a --endpoint http://x --trust-root r
run token verify a --endpoint http://x --at nope
run token verify a --endpoint http://x --at nope --json
run token verify a --endpoint http://x --require-signer-quote --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a
run token verify missing.jwt --jwks y --issuer z
run token verify notjwt.txt --jwks y --issuer z --json
run token verify - --jwks y --issuer z
run token verify a --endpoint http://127.0.0.1:1
run token verify a.b.c --endpoint http://127.0.0.1:1 --json
if [ "$HAVE_TOK" = 1 ]; then
    for t in tok.jwt resp.json altered.jwt badsig.jwt hs256.jwt none.jwt notjwt.txt; do
        run token verify $t --jwks certs-shared.json --issuer $SHARED --at $IAT
        run token verify $t --jwks certs-shared.json --issuer $SHARED --at $IAT --json
    done
    run token verify "$(cat tok.jwt)" --jwks certs-shared.json --issuer $SHARED --at $IAT
    run token verify tok.jwt --jwks certs-aad.json --issuer $SHARED --at $IAT
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED/ --at $IAT
    run token verify tok.jwt --jwks certs-shared.json --issuer https://other.example --at $IAT --json
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $((IAT + 86400))
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $((IAT - 86400)) --json
    run token verify tok.jwt --jwks missing.json --issuer $SHARED --at $IAT
    run token verify tok.jwt --jwks garbage.json --issuer $SHARED --at $IAT --json
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote --json
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote --signatures-only
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote --trust-root missing.pem --json
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote --collateral missing.json
    run token verify tok.jwt --jwks certs-shared.json --issuer $SHARED --at $IAT --require-signer-quote --collateral "$VEC/dcap-qvl/sgx_quote_collateral.json" --json
fi

# ================= maat collateral =================
run collateral
run collateral --help
run collateral -h
run collateral fetchx
run collateral fetch --help
run collateral eval-nums -h
run collateral fetch
run collateral fetch --bogus
run collateral fetch --fmspc 00906ED50000
run collateral fetch q.bin --fmspc 00906ED50000 -o x
run collateral fetch q.bin q.bin -o x
run collateral fetch --fmspc 00906ED50000 -o x --json
run collateral fetch --fmspc 00906ED50000 -o x --tcb-eval-num 0
run collateral fetch --fmspc 00906ED50000 -o x --tcb-eval-num 17 --update early
run collateral fetch --fmspc 00906ED50000 -o x --update sometime
run collateral fetch --fmspc 00906ED50000 -o x --tee arm
run collateral fetch --fmspc 00906ED50000 -o x --azure-url http://a --azure-region eastus
run collateral fetch --fmspc 00906ED50000 -o x --azure-url http://a --source intel
run collateral fetch --fmspc 00906ED50000 -o x --azure-region EAST-US
run collateral fetch --fmspc 00906ED50000 -o x --source azure --tee tdx
run collateral fetch --fmspc 00906ED50000 -o x --source azure --update early
run collateral fetch --fmspc 00906ED50000 -o x --ca middle
run collateral fetch q.bin -o x --ca platform
run collateral fetch --fmspc 00906ED5 -o x
run collateral fetch --fmspc 00906ED50000 -o x --at nope
run collateral fetch --fmspc 00906ED50000 -o x --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a --trust-root a
run collateral fetch --fmspc 00906ED50000 -o x --trust-root missing.pem
run collateral fetch --fmspc 00906ED50000 -o x --trust-root notpem.pem
run collateral fetch --fmspc 00906ED50000 -o x --source 'ftp://x'
run collateral eval-nums q.bin
run collateral eval-nums --fmspc 00906ED50000
run collateral eval-nums -o x
run collateral fetch missing.bin -o x --source "$PCCS"
run collateral fetch garbage.json -o x --source "$PCCS"
run collateral fetch q.bin -o out.d/c.json --source "$PCCS" --at $AT
run collateral fetch q.bin -o out.d/c.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch q.bin -o out.d/dir/ --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch plat.bin -o out.d/p.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch --fmspc 00906ED50000 --ca platform -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch --fmspc 00A067110000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at 2040-01-01T00:00:00Z
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT --tcb-eval-num 17
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT --tcb-eval-num 99
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --trust-root root.pem --at $AT --update early
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source "$PCCS" --tee tdx --trust-root root.pem --at $AT
run collateral fetch td.bin -o out.d/f.json --source "$PCCS" --tee sgx --trust-root simtdx/root-ca.pem --at $AT
run collateral fetch td.bin -o out.d/f.json --source azure --trust-root simtdx/root-ca.pem --at $AT
run collateral fetch --fmspc 00906ED50000 -o out.d/f.json --source http://127.0.0.1:1 --at $AT
run collateral fetch --fmspc 00906ED50000 -o missing-dir/x/f.json --source "$PCCS" --trust-root root.pem --at $AT
expect_diff "fixed: a QUOTE fetch that cannot write exits 4, was 0" \
    collateral fetch q.bin -o missing-dir/x/f.json --source "$PCCS" --trust-root root.pem --at $AT
run collateral eval-nums --source "$PCCS" --trust-root root.pem --at $AT
run collateral eval-nums --source "$PCCS" --trust-root root.pem --at $AT --json
run collateral eval-nums --source "$PCCS" --tee tdx --trust-root root.pem --at $AT --json
run collateral eval-nums --source "$PCCS" --at $AT
run collateral eval-nums --source http://127.0.0.1:1 --at $AT --json

# ================= maat sim pccs (errors; the serving lines below) =================
run sim pccs
run sim pccs --help
run sim pccs -h
run sim pccs sim --bogus
run sim pccs sim other
run sim pccs --listen 127.0.0.1:0
run sim pccs sim --fault cosmic
run sim pccs sim --stall-ms 0
run sim pccs sim --stall-ms 600001
run sim pccs sim --stall-ms x
run sim pccs sim --eval-nums 5
run sim pccs sim --eval-nums 5:3
run sim pccs sim --eval-nums 0:3
run sim pccs sim --eval-nums 3:5x
run sim pccs sim --rate-limit 3601
run sim pccs sim --retry-after x
run sim pccs sim --rate-limit -1
run sim pccs sim --listen
run sim pccs sim --listen nonsense
run sim pccs sim --listen 256.0.0.1:1
run sim pccs missing-dir --listen 127.0.0.1:0
run sim pccs emptydir --listen 127.0.0.1:0
run sim pccs sim --listen "${PCCS#http://}"
# a serving sim pccs: started, asked once, stopped (SIGTERM); the first lines compared
for args in "" "--fault 500" "--fault garbage" "--eval-nums 17:18" "--rate-limit 1 --retry-after 7" "--log-requests"; do
    n=$((n + 1))
    for b in old new; do
        bin=$OLD; [ $b = new ] && bin=$NEW
        # shellcheck disable=SC2086
        "$bin" sim pccs sim --listen 127.0.0.1:0 $args >"$b.out" 2>"$b.err" &
        pid=$!
        u=
        for _ in $(seq 100); do u=$(grep -o 'http://127.0.0.1:[0-9]*' "$b.out" | head -n1); [ -n "$u" ] && break; sleep 0.1; done
        for _ in 1 2 3; do # a loaded machine: retry a request that did not connect
            curl -s -m 5 -o "$b.body" -w '%{http_code}\n' "$u/sgx/certification/v4/tcb?fmspc=00906ED50000" >"$b.code"
            [ "$(cat "$b.code")" != 000 ] && break
            sleep 0.5
        done
        sleep 0.3 # the request counted before the stop
        kill $pid; wait $pid; echo $? >"$b.rc"
        norm "$b.out" plain >"$b.out.n"; norm "$b.err" plain >"$b.err.n"
    done
    if ! cmp -s old.out.n new.out.n || ! cmp -s old.err.n new.err.n || ! cmp -s old.rc new.rc \
        || ! cmp -s old.code new.code || ! cmp -s old.body new.body; then
        ndiff=$((ndiff + 1)); echo "DIFF: maat sim pccs sim $args (served)"
        diff old.out.n new.out.n | head; diff old.err.n new.err.n | head
    fi
done

# ================= online: maatd =================
if [ -n "$MURL" ]; then
    run net attest now-ei.json --endpoint "$MURL"
    run net attest now-ei.json --endpoint "$MURL" --json
    run net attest now-ei-dbg.json --endpoint "$MURL"
    run net attest now-ei-svn.json --endpoint "$MURL"
    run net attest now-ei-svn.json --endpoint "$MURL" --json
    run net attest now-ei.json --endpoint "$MURL" --oe --json
    run net attest now-ei.json --endpoint "$MURL" --issuer https://other.example
    run net attest now-ei.json --endpoint "$MURL" --token-out out.d/t.jwt
    run net attest ei.json --endpoint "$MURL" --json
    run net attest td.bin --endpoint "$MURL" --json
    run net attest now-ei.json --endpoint "$MURL/nothing-here"
    "$OLD" attest now-ei.json --endpoint "$MURL" --token-out mtok.jwt >/dev/null 2>&1
    run net token verify mtok.jwt --endpoint "$MURL"
    run net token verify mtok.jwt --endpoint "$MURL" --json
    run net token verify mtok.jwt --jwks maatd-certs.json --issuer "$MURL"
    run net token verify mtok.jwt --endpoint "$MURL" --require-signer-quote --trust-root simnow/root-ca.pem
    run net token verify mtok.jwt --endpoint "$MURL" --require-signer-quote --trust-root simnow/root-ca.pem --collateral simnow/collateral.json --json
    run net token verify mtok.jwt --endpoint "$MURL" --require-signer-quote --trust-root simnow/root-ca.pem --signatures-only
    run net token verify mtok.jwt --endpoint "$MURL" --require-signer-quote
    run net token verify mtok.jwt --endpoint "$MURL" --issuer https://other.example --json
fi

echo "exit codes seen (NEW): $(echo $RCS | tr ' ' '\n' | sort -n | uniq -c | awk '{printf "%s x%s  ", $2, $1}')"
echo "$n command lines, $ndiff differ$([ $nexpected -gt 0 ] && echo " (and $nexpected expected: fixed defects)")"
[ "$ndiff" -eq 0 ]
