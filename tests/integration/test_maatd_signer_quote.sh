#!/usr/bin/env bash
# test_maatd_signer_quote.sh - where maatd's signer quote comes from (--signer-quote,
# docs/maatd.md "Keys"): the enclave quote in extension 1.3.6.1.4.1.311.105.1 of each
# signing certificate, report_data = SHA-256(SPKI PEM + NUL) || 0^32.
#
# Gramine's /dev/attestation is faked by a directory ($MAAT_GRAMINE_ATTESTATION_DIR) whose
# user_report_data and quote are FIFOs served by a helper in lockstep, as Gramine behaves:
# it reads the 64 bytes maatd writes, then answers the next read of `quote` with a quote
# over exactly those bytes, from a simulated platform of its own (GPLAT, its own root, a
# marker MRENCLAVE) so a quote from the gramine provider cannot be mistaken for one from
# maatd's --sim platform (PLAT). FIFOs make each write/read pair one exchange: no polling.
#
# Checks: gramine (cert extension bound to the key, token passes `maat token verify
# --require-signer-quote` with GPLAT's root and fails with PLAT's; `maat key rotate` (rotation) quotes
# the new key through the fake), auto picking gramine, auto and sim with --sim (the sim
# platform's quote, as before), none and auto without either (no extension, byte-identical
# certificates, --require-signer-quote fails), and the start-up errors. Every wait is
# bounded; nothing leaves 127.0.0.1.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
MAAT="$BIN/maat" MAATD="$BIN/maatd"
if [ ! -x "$MAAT" ] || [ ! -x "$MAATD" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for tool in curl python3 timeout mkfifo od; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool not installed"; exit 77; }
done
python3 -c "import cryptography" 2>/dev/null || { echo "SKIPPED: python3 cryptography missing"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maatd-sq-XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.2
    # a maatd stuck on a FIFO has SIGTERM blocked (sigtimedwait): make sure nothing survives
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
fails=0
# jget FILE EXPR [ARGS...]: EXPR over the JSON d; ARGS are sys.argv[2:]
jget() { local f=$1 e=$2; shift 2; python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($e)" "$f" "$@"; }
# Nothing from the caller's environment may choose a provider; the default gramine
# directory is one that does not exist (never the machine's real /dev/attestation).
unset MAAT_SIM_DIR
NOG="$T/no-gramine-here"
export MAAT_GRAMINE_ATTESTATION_DIR="$NOG"

. "$(dirname "$0")/../lib/maatd.sh"
# start NAME GRAMINE_DIR ARGS...: maatd_start with that Gramine attestation directory
start() { local name=$1 gdir=$2; shift 2; MAAT_GRAMINE_ATTESTATION_DIR="$gdir" maatd_start "$name" "$@"; }
stop() { maatd_stop "$@"; }
get() { curl -s -m 20 -o "$2" -w '%{http_code}' "$1"; }
# attest URL OUT: POST /attest/SgxEnclave with a quote from PLAT; the token to OUT
attest() {
    local st
    st=$(curl -s -m 20 -o "$2.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
         --data-binary "@$T/req.json" "$1/attest/SgxEnclave?api-version=2022-08-01")
    [ "$st" = 200 ] && jget "$2.json" 'd["token"]' >"$2"
}
# certs_check CERTS [QUOTE_PREFIX]: one line per /certs key: "KID none -" without the
# extension, else "KID bound|unbound MRENCLAVE" (bound: OE envelope v1 type 2 with the
# right size, report_data = SHA-256(SPKI PEM + NUL) || 0^32, kid = base64 of that hash).
# With QUOTE_PREFIX, key i's quote goes to QUOTE_PREFIX.i and its certificate DER to .der.i
certs_check() {
    python3 - "$@" <<'PY'
import base64, hashlib, json, struct, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.105.1")
keys = json.load(open(sys.argv[1]))["keys"]
for i, k in enumerate(keys):
    der = base64.b64decode(k["x5c"][0])
    c = x509.load_der_x509_certificate(der)
    pem = c.public_key().public_bytes(serialization.Encoding.PEM,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    h = hashlib.sha256(pem + b"\0").digest()
    if len(sys.argv) > 2:
        open("%s.der.%d" % (sys.argv[2], i), "wb").write(der)
    try:
        ext = c.extensions.get_extension_for_oid(OID).value.value
    except x509.ExtensionNotFound:
        print(k["kid"], "none", "-")
        continue
    ver, typ, size = struct.unpack_from("<IIQ", ext)
    q = ext[16:]
    if len(sys.argv) > 2:
        open("%s.%d" % (sys.argv[2], i), "wb").write(q)
    bound = (ver, typ, size) == (1, 2, len(q)) and len(q) >= 432 and q[368:400] == h \
        and q[400:432] == bytes(32) and base64.b64encode(h).decode() == k["kid"]
    print(k["kid"], "bound" if bound else "unbound", q[112:144].hex())
PY
}
# rd_of KID: the report data maatd asks for: the kid's hash (base64) in hex, then 32 zeros
rd_of() { python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex() + '00' * 32)" "$1"; }

# ---- platforms, evidence, the fake Gramine ----
"$MAAT" sim init "$T/plat" >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim init "$T/gplat" >/dev/null || { echo "sim init (gramine's platform) failed"; exit 1; }
"$MAAT" sim quote "$T/plat" -o "$T/q.bin" || { echo "sim quote failed"; exit 1; }
python3 -c "import base64,json,sys; json.dump({'quote': base64.urlsafe_b64encode(open(sys.argv[1],'rb').read()).rstrip(b'=').decode()}, open(sys.argv[2],'w'))" "$T/q.bin" "$T/req.json"
GMRE=6d6161742d746573743a66616b652d6772616d696e652d656e636c6176652121 # "maat-test:fake-gramine-enclave!!"
G="$T/attestation"
mkdir "$G"
printf dcap >"$G/attestation_type"
mkfifo "$G/user_report_data" "$G/quote"
cat >"$T/fake_gramine.sh" <<'EOF'
# One exchange per loop: od returns once maatd has written user_report_data and closed it
# (opening a FIFO blocks until the other side opens it); the quote over exactly those bytes
# is then written into the quote FIFO, which maatd opens right after. Served report data
# is appended to $4 (one hex line per quote). While $G.foreign exists, the quote is over
# other report data (a misbehaving quote provider).
G=$1 MAAT=$2 MRE=$3 SERVED=$4 GPLAT=$5
while :; do
    rd=$(od -An -v -tx1 "$G/user_report_data" | tr -d ' \n')
    qrd=$rd
    [ -e "$G.foreign" ] && qrd=$(printf '5a%.0s' $(seq 64))
    if [ ${#rd} -eq 128 ] && "$MAAT" sim quote "$GPLAT" --report-data "$qrd" --mrenclave "$MRE" -o "$G.q"; then
        echo "$rd" >>"$SERVED"
    else
        : >"$G.q"
        echo "bad report data '$rd'" >>"$SERVED.errors"
    fi
    cat "$G.q" >"$G/quote"
done
EOF
: >"$T/served"
timeout 300 bash "$T/fake_gramine.sh" "$G" "$MAAT" "$GMRE" "$T/served" "$T/gplat" 2>"$T/fake.log" &
PIDS+=($!)
served() { wc -l <"$T/served" | tr -d ' '; }

# ---- options and start-up errors ----
"$MAATD" --help >"$T/help" 2>&1
grep -q -- "--signer-quote none|sim|gramine|auto" "$T/help" && \
    grep -A4 -- "--signer-quote none" "$T/help" | grep -q "\[default: auto\]" \
    && ok "--help lists --signer-quote with its default (auto)" || bad "--help: $(grep -A4 -- --signer-quote "$T/help")"
timeout 30 "$MAATD" --store "$T/x.db" --listen 127.0.0.1:0 --signer-quote sgx >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "expected none, sim, gramine or auto" "$T/e" && ok "--signer-quote sgx: exit 2" \
    || bad "--signer-quote sgx: exit $rc $(cat "$T/e")"
timeout 30 "$MAATD" --store "$T/x.db" --listen 127.0.0.1:0 --signer-quote sim >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--signer-quote sim needs --sim DIR" "$T/e" \
    && ok "--signer-quote sim without --sim: exit 2 ($(head -c 120 "$T/e"))" || bad "sim without --sim: exit $rc $(cat "$T/e")"
printf 'store = %s\nsigner-quote = sim\n' "$T/x.db" >"$T/sim.conf"
timeout 30 "$MAATD" --config "$T/sim.conf" --listen 127.0.0.1:0 >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q -- "--signer-quote sim needs --sim DIR" "$T/e" \
    && ok "config signer-quote = sim without sim: exit 2" || bad "config sim without sim: exit $rc $(cat "$T/e")"
timeout 30 "$MAATD" --store "$T/x.db" --listen 127.0.0.1:0 --sim "$T/plat" --signer-quote gramine >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "$NOG/quote does not exist" "$T/e" && [ ! -s "$T/o" ] \
    && ok "--signer-quote gramine, no attestation dir: exit 1 naming $NOG, never ready" \
    || bad "gramine absent: exit $rc $(cat "$T/e")"
printf 'store = %s\nsigner-quote = gramine\n' "$T/x.db" >"$T/g.conf"
timeout 30 "$MAATD" --config "$T/g.conf" --listen 127.0.0.1:0 >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "$NOG/quote does not exist" "$T/e" \
    && ok "config signer-quote = gramine, no attestation dir: exit 1 naming it" || bad "config gramine absent: exit $rc $(cat "$T/e")"
mkdir "$T/gnone" && printf none >"$T/gnone/attestation_type" && cp "$T/q.bin" "$T/gnone/quote"
MAAT_GRAMINE_ATTESTATION_DIR="$T/gnone" timeout 30 "$MAATD" --store "$T/x.db" --listen 127.0.0.1:0 \
    --signer-quote gramine >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "$T/gnone/attestation_type reads \"none\", expected \"dcap\"" "$T/e" \
    && ok "--signer-quote gramine, attestation_type none: exit 1" || bad "gramine type none: exit $rc $(cat "$T/e")"
timeout 30 "$MAATD" --config "$T/g.conf" --signer-quote none --listen 127.0.0.1:0 >"$T/o" 2>"$T/e" & p=$!
PIDS+=($p)
for _ in $(seq 200); do [ -s "$T/o" ] && break; kill -0 $p 2>/dev/null || break; sleep 0.1; done
[ -s "$T/o" ] && grep -q "signer quote: none (--signer-quote none)" "$T/e" \
    && ok "the flag overrides the config file's signer-quote" || bad "flag over config: $(cat "$T/e")"
kill -TERM $p 2>/dev/null; wait $p 2>/dev/null; maatd_forget $p
[ "$(served)" = 0 ] && ok "the fake Gramine has not been asked yet" || bad "served $(served) quotes already"

# ---- gramine: the quote comes from /dev/attestation ----
start g "$G" --store "$T/g.db" --sim "$T/plat" --signer-quote gramine || exit 1
grep -q "signer quote: gramine provider ($G) (--signer-quote gramine)" "$T/g.log" \
    && ok "start-up line names the gramine provider and its directory" || bad "log: $(grep -i 'signer quote' "$T/g.log")"
grep -q "with the enclave's Gramine quote" "$T/g.log" && ok "signing-keys line: with the enclave's Gramine quote" \
    || bad "signing keys line: $(grep 'signing keys' "$T/g.log")"
grep -qiE "BEGIN|PRIVATE" "$T/g.log" && bad "the log shows key material" || ok "no key material in the log"
[ "$(get "$URL_g/certs" "$T/certs_g")" = 200 ] || bad "GET /certs"
certs_check "$T/certs_g" "$T/gq" >"$T/cc" 2>&1
KID_G=$(awk 'NR==1{print $1}' "$T/cc")
[ "$(awk 'NR==1{print $2, $3}' "$T/cc")" = "bound $GMRE" ] \
    && ok "certificate carries extension 1.3.6.1.4.1.311.105.1: OE envelope + the fake Gramine's quote (its MRENCLAVE), bound to the key" \
    || bad "gramine certificate: $(cat "$T/cc")"
[ -n "$KID_G" ] && [ "$(tail -n1 "$T/served")" = "$(rd_of "$KID_G")" ] \
    && ok "maatd wrote SHA-256(SPKI PEM + NUL) || 0^32 to user_report_data ($(served) exchange(s))" \
    || bad "served report data: $(tail -n1 "$T/served") vs kid $KID_G"
[ ! -s "$T/served.errors" ] && ok "every exchange carried 64 bytes of report data" || bad "fake: $(cat "$T/served.errors")"
attest "$URL_g" "$T/tok_g" && ok "POST /attest/SgxEnclave: token" || bad "attest: $(cat "$T/tok_g.json")"
"$MAAT" token verify "$T/tok_g" --endpoint "$URL_g" --require-signer-quote --trust-root "$T/gplat/root-ca.pem" \
    --collateral "$T/gplat" --json >"$T/v.json" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/v.json" 'd["valid"], d["kid"] == sys.argv[2], d["signer_quote"]["key_binding"], d["signer_quote"]["kid_is_key_hash"], d["signer_quote"]["report_body"]["mr_enclave"], d["signer_quote"]["verification"]["status"]' "$KID_G")" \
      = "True True True True $GMRE UpToDate" ] \
    && ok "maat token verify --require-signer-quote --trust-root GPLAT/root-ca.pem: valid, key binding, UpToDate" \
    || bad "token verify (gramine): exit $rc $(cat "$T/e") $(head -c 600 "$T/v.json")"
"$MAAT" token verify "$T/tok_g" --endpoint "$URL_g" --require-signer-quote --trust-root "$T/plat/root-ca.pem" \
    --collateral "$T/plat" >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "does not end in a trusted root" "$T/e" \
    && ok "... and fails with only maatd's --sim root trusted: the quote is not the sim platform's" \
    || bad "token verify with PLAT's root: exit $rc $(cat "$T/e")"
"$MAAT" token verify "$T/tok_g" --endpoint "$URL_g" >/dev/null 2>"$T/e" \
    && ok "... the same token without --require-signer-quote: valid" || bad "plain token verify: $(cat "$T/e")"

# `maat key rotate` on the store: the running maatd quotes the new key through the same
# provider (and re-issues the old one)
n0=$(served)
"$MAAT" key rotate --store "$T/g.db" >/dev/null 2>"$T/e" || bad "maat key rotate: $(cat "$T/e")"
for _ in $(seq 100); do
    get "$URL_g/certs" "$T/certs_r" >/dev/null
    [ "$(jget "$T/certs_r" 'd["keys"][0]["kid"]' 2>/dev/null)" != "$KID_G" ] && break
    sleep 0.1
done
certs_check "$T/certs_r" >"$T/cc" 2>&1
KID_R=$(awk 'NR==1{print $1}' "$T/cc")
[ "$KID_R" != "$KID_G" ] && [ "$(awk 'NR==2{print $1}' "$T/cc")" = "$KID_G" ] \
    && [ "$(awk '{print $2, $3}' "$T/cc" | sort -u)" = "bound $GMRE" ] \
    && ok "maat key rotate: new current key, old key kept; both certificates carry the fake Gramine's quote, bound" \
    || bad "rotation: $(cat "$T/cc")"
[ "$(served)" -gt "$n0" ] && grep -qx "$(rd_of "$KID_R")" "$T/served" \
    && ok "rotation asked the gramine provider to quote the new key ($((  $(served) - n0 )) exchange(s))" \
    || bad "rotation did not quote the new key through gramine ($n0 -> $(served))"
attest "$URL_g" "$T/tok_r" || bad "attest after rotation"
"$MAAT" token verify "$T/tok_r" --endpoint "$URL_g" --require-signer-quote --trust-root "$T/gplat/root-ca.pem" \
    --collateral "$T/gplat" --json >"$T/v.json" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/v.json" 'd["kid"] == sys.argv[2], d["signer_quote"]["key_binding"]' "$KID_R")" = "True True" ] \
    && ok "token signed by the rotated key passes --require-signer-quote" || bad "verify after rotation: exit $rc $(cat "$T/e")"
# a provider answering with a quote over other report data: the rotation is refused
touch "$G.foreign"
n0=$(served)
"$MAAT" key rotate --store "$T/g.db" >/dev/null 2>"$T/e" || bad "maat key rotate: $(cat "$T/e")"
for _ in $(seq 100); do grep -q "key rotation failed" "$T/g.log" && break; sleep 0.1; done
get "$URL_g/certs" "$T/certs_f" >/dev/null
rm -f "$G.foreign"
grep -q "key rotation failed (still serving the previous keys): signer quote (gramine provider): gramine provider returned a quote whose report_data differs" "$T/g.log" \
    && [ "$(served)" -gt "$n0" ] && cmp -s "$T/certs_r" "$T/certs_f" \
    && ok "rotation with a quote over other report data: refused (logged), /certs unchanged" \
    || bad "foreign quote rotation: $(grep -i 'rotation' "$T/g.log" | tail -n1)"
stop g
[ "$STOP_RC" = 0 ] && ok "SIGTERM: exit 0" || bad "stop g: $STOP_RC"

# --rotate-key at start-up, same provider
n0=$(served)
start gr "$G" --store "$T/g.db" --sim "$T/plat" --signer-quote gramine --rotate-key || exit 1
get "$URL_gr/certs" "$T/certs_gr" >/dev/null
certs_check "$T/certs_gr" >"$T/cc" 2>&1
KID_GR=$(awk 'NR==1{print $1}' "$T/cc")
[ "$KID_GR" != "$KID_R" ] && [ "$(awk '{print $2, $3}' "$T/cc" | sort -u)" = "bound $GMRE" ] && grep -qx "$(rd_of "$KID_GR")" "$T/served" \
    && ok "--rotate-key: the new key's certificate carries the fake Gramine's quote" || bad "--rotate-key: $(cat "$T/cc")"
stop gr

# ---- auto: gramine when available (no --sim needed) ----
start ag "$G" --store "$T/ag.db" --collateral "$T/plat" --trust-root "$T/plat/root-ca.pem" || exit 1
grep -q "signer quote: gramine provider ($G) (--signer-quote auto)" "$T/ag.log" \
    && ok "auto with the Gramine interface: gramine provider (logged)" || bad "auto log: $(grep -i 'signer quote' "$T/ag.log")"
get "$URL_ag/certs" "$T/certs_ag" >/dev/null
certs_check "$T/certs_ag" >"$T/cc" 2>&1
[ "$(awk '{print $2, $3}' "$T/cc")" = "bound $GMRE" ] && ok "auto: certificate carries the Gramine quote" || bad "auto gramine: $(cat "$T/cc")"
stop ag
# auto also prefers gramine over --sim
start ags "$G" --store "$T/ags.db" --sim "$T/plat" || exit 1
get "$URL_ags/certs" "$T/certs_ags" >/dev/null
certs_check "$T/certs_ags" >"$T/cc" 2>&1
grep -q "signer quote: gramine provider ($G) (--signer-quote auto)" "$T/ags.log" && [ "$(awk '{print $2, $3}' "$T/cc")" = "bound $GMRE" ] \
    && ok "auto with Gramine and --sim: gramine" || bad "auto gramine+sim: $(cat "$T/cc") $(grep -i 'signer quote' "$T/ags.log")"
stop ags

# ---- sim: the --sim platform's quote, as before --signer-quote existed ----
n0=$(served)
start as "$NOG" --store "$T/as.db" --sim "$T/plat" || exit 1
grep -q "signer quote: sim provider ($T/plat) (--signer-quote auto: no Gramine DCAP attestation interface at $NOG)" "$T/as.log" \
    && ok "auto with --sim and no Gramine: sim provider (logged, with the directory looked at)" \
    || bad "auto sim log: $(grep -i 'signer quote' "$T/as.log")"
grep -q "(with a simulated enclave quote)" "$T/as.log" && ok "signing-keys line unchanged: (with a simulated enclave quote)" || bad "signing keys line"
get "$URL_as/certs" "$T/certs_as" >/dev/null
certs_check "$T/certs_as" "$T/asq" >"$T/cc" 2>&1
KID_AS=$(awk '{print $1}' "$T/cc")
[ "$(awk '{print $2}' "$T/cc")" = bound ] && [ "$(awk '{print $3}' "$T/cc")" != "$GMRE" ] \
    && ok "auto with --sim: extension with a bound quote, not from the fake Gramine" || bad "auto sim cert: $(cat "$T/cc")"
# the quote is the sim platform's default quote over the key: header and report body equal
# those of `maat sim quote PLAT --report-data RD` (the signature data is not reproducible:
# ECDSA signatures, and the sim's PCK leaf in the certification data varies in length)
"$MAAT" sim quote "$T/plat" --report-data "$(rd_of "$KID_AS")" -o "$T/ref.bin"
cmp -s <(head -c 432 "$T/asq.0") <(head -c 432 "$T/ref.bin") \
    && ok "... the sim platform's default quote over SHA-256(SPKI PEM + NUL) || 0^32 (header and body as maat sim quote's)" \
    || bad "sim quote differs from maat sim quote's"
attest "$URL_as" "$T/tok_as" || bad "attest (auto sim)"
"$MAAT" token verify "$T/tok_as" --endpoint "$URL_as" --require-signer-quote --trust-root "$T/plat/root-ca.pem" \
    --collateral "$T/plat" >/dev/null 2>"$T/e" \
    && ok "auto with --sim: --require-signer-quote passes with PLAT's root" || bad "auto sim verify: $(cat "$T/e")"
stop as
start sg "$G" --store "$T/as.db" --sim "$T/plat" --signer-quote sim || exit 1
get "$URL_sg/certs" "$T/certs_sg" >/dev/null
certs_check "$T/certs_sg" >"$T/cc" 2>&1
grep -q "signer quote: sim provider ($T/plat) (--signer-quote sim)" "$T/sg.log" && [ "$(awk '{print $1, $2}' "$T/cc")" = "$KID_AS bound" ] \
    && [ "$(awk '{print $3}' "$T/cc")" != "$GMRE" ] && ok "--signer-quote sim: the sim platform even with Gramine available (same key after restart)" \
    || bad "sim with gramine: $(cat "$T/cc") $(grep -i 'signer quote' "$T/sg.log")"
stop sg
[ "$(served)" = "$n0" ] && ok "sim instances never touched the Gramine interface" || bad "served $n0 -> $(served)"

# ---- none: never a quote ----
start n "$G" --store "$T/n.db" --sim "$T/plat" --signer-quote none || exit 1
grep -q "signer quote: none (--signer-quote none): signing certificates carry no enclave quote" "$T/n.log" \
    && ok "--signer-quote none: logged" || bad "none log: $(grep -i 'signer quote' "$T/n.log")"
get "$URL_n/certs" "$T/certs_n" >/dev/null
certs_check "$T/certs_n" >"$T/cc" 2>&1
[ "$(awk '{print $2}' "$T/cc")" = none ] && ok "--signer-quote none (Gramine and --sim available): no extension" || bad "none: $(cat "$T/cc")"
attest "$URL_n" "$T/tok_n" && ok "none: attestation still works" || bad "attest (none): $(cat "$T/tok_n.json")"
"$MAAT" token verify "$T/tok_n" --endpoint "$URL_n" --require-signer-quote --trust-root "$T/plat/root-ca.pem" \
    --trust-root "$T/gplat/root-ca.pem" >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] && grep -q "carries no enclave quote" "$T/e" \
    && ok "none: --require-signer-quote fails: $(head -c 120 "$T/e")" || bad "none verify: exit $rc $(cat "$T/e")"
"$MAAT" token verify "$T/tok_n" --endpoint "$URL_n" >/dev/null 2>"$T/e" && ok "none: token valid without --require-signer-quote" \
    || bad "none plain verify: $(cat "$T/e")"
stop n
[ "$(served)" = "$n0" ] && ok "none never touched the Gramine interface" || bad "served $n0 -> $(served)"

# auto with neither Gramine nor --sim: no extension, and the certificate is byte for byte
# the one --signer-quote none issues for the same key (fixed issuer: the CN)
start an "$NOG" --store "$T/an.db" --issuer http://maat.test || exit 1
grep -q "signer quote: none (--signer-quote auto: no Gramine DCAP attestation interface at $NOG, no --sim)" "$T/an.log" \
    && ok "auto without Gramine or --sim: none (logged)" || bad "auto none log: $(grep -i 'signer quote' "$T/an.log")"
get "$URL_an/certs" "$T/certs_an" >/dev/null
certs_check "$T/certs_an" "$T/an" >"$T/cc" 2>&1
[ "$(awk '{print $2}' "$T/cc")" = none ] && ok "auto without either: no extension" || bad "auto none: $(cat "$T/cc")"
stop an
start an2 "$NOG" --store "$T/an.db" --issuer http://maat.test --signer-quote none || exit 1
get "$URL_an2/certs" "$T/certs_an2" >/dev/null
certs_check "$T/certs_an2" "$T/an2" >/dev/null 2>&1
cmp -s "$T/an.der.0" "$T/an2.der.0" && cmp -s "$T/certs_an" "$T/certs_an2" \
    && ok "auto without either = none: identical certificate and /certs" || bad "auto/none certificates differ"
stop an2

echo
[ $fails -eq 0 ] && echo "all signer-quote tests passed" || echo "$fails signer-quote test(s) FAILED"
[ $fails -eq 0 ]
