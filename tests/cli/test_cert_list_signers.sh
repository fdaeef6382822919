#!/usr/bin/env bash
# test_cert_list_signers.sh - `maat cert list` numbered every signer [0] (each one's own x5c
# chain restarts at 0) and took key labels on trust. Against maatd in isolated mode with
# three signers (RSA from `maat sign create-cert`, EC P-256 from `--alg p256`, RSA-PSS made
# with openssl for PS256) the list must number them [0] [1] [2] and label each from its
# certificate: EC P-256 signs ES256, RSA-2048 signs RS256 PS256, RSA-PSS-2048 signs PS256;
# JWK labels of the service that disagree are pointed out. Loopback only; waits bounded.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat maatd
for tool in python3 openssl; do command -v $tool >/dev/null || { echo "SKIPPED: $tool needed"; exit 77; }; done
tmpdir cli-certlist
. "$SRC/tests/lib/maatd.sh"

"$MAAT" sign create-cert --key-out "$T/a.key" --cert-out "$T/a.pem" --subject "CN=Signer RSA" >/dev/null || exit 1
"$MAAT" sign create-cert --key-out "$T/e.key" --cert-out "$T/e.pem" --subject "CN=Signer EC" --alg p256 >/dev/null || exit 1
openssl req -x509 -newkey rsa-pss -pkeyopt rsa_keygen_bits:2048 -sigopt rsa_padding_mode:pss -sha256 \
    -keyout "$T/p.key" -out "$T/p.pem" -subj "/CN=Signer PSS" -nodes -days 30 >/dev/null 2>&1 \
    || { echo "SKIPPED: openssl cannot make an RSA-PSS certificate"; exit 77; }
"$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z >/dev/null || exit 1
maatd_start iso --store "$T/iso.db" --sim "$T/sim" --mode isolated --policy-signer "$T/a.pem" || exit 1
I=$URL_iso
for c in e p; do
    "$MAAT" cert add --endpoint "$I" --cert "$T/$c.pem" --key "$T/a.key" --signer-cert "$T/a.pem" >"$T/add-$c.out" 2>&1 \
        && ok "cert add $c.pem" || bad "cert add $c.pem: $(cat "$T/add-$c.out")"
done

"$MAAT" cert list --endpoint "$I" >"$T/l.out" 2>"$T/l.err"; rc=$?
[ $rc -eq 0 ] && ok "cert list: exit 0" || bad "cert list: exit $rc $(cat "$T/l.err")"
grep -q "^3 policy signer certificate(s)" "$T/l.out" && ok "3 signers" || bad "count: $(head -1 "$T/l.out")"
[ "$(grep -oE '^  \[[0-9]+\]' "$T/l.out" | tr -d ' ' | tr '\n' ' ')" = "[0] [1] [2] " ] \
    && ok "signers numbered [0] [1] [2]" || bad "numbering: $(cat "$T/l.out")"
label_of() { grep -A1 -E '^  \[[0-9]+\]' "$T/l.out" | grep -B1 "subject $1\$" | head -1; }
label_of "CN=Signer RSA" | grep -q "RSA-2048, signs RS256 PS256" && ok "RSA signer labelled RSA-2048 (RS256 PS256)" \
    || bad "RSA label: $(label_of "CN=Signer RSA")"
label_of "CN=Signer EC" | grep -q "EC P-256, signs ES256" && ok "EC signer labelled EC P-256 (ES256)" \
    || bad "EC label: $(label_of "CN=Signer EC")"
label_of "CN=Signer PSS" | grep -q "RSA-PSS-2048, signs PS256" && ok "PS256 signer labelled RSA-PSS-2048 (PS256)" \
    || bad "PSS label: $(label_of "CN=Signer PSS")"

"$MAAT" cert list --endpoint "$I" --json >"$T/l.json"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/l.json" '[s["index"] for s in d["signers"]]')" = "[0, 1, 2]" ] \
    && ok "--json: signers[].index 0 1 2" || bad "json index: $(cat "$T/l.json")"
[ "$(jget "$T/l.json" 'sorted((s["subject"], s["key"], s["algorithms"]) for s in d["signers"])')" = \
  "[('CN=Signer EC', 'EC P-256', 'ES256'), ('CN=Signer PSS', 'RSA-PSS-2048', 'PS256'), ('CN=Signer RSA', 'RSA-2048', 'RS256 PS256')]" ] \
    && ok "--json: key and algorithms per signer" || bad "json labels: $(jget "$T/l.json" 'd["signers"]')"
[ "$(jget "$T/l.json" 'len(d["certificates"])')" = 3 ] && ok "--json: certificates kept as before" || bad "certificates"
# the service's JWK labels, where given, are compared with the certificate, not trusted
python3 - "$T/l.json" <<'PY' && ok "--json: jwk_labels_match is true exactly when kty/alg fit the key" || bad "jwk_labels_match"
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["signers"]:
    kty_ok = s["jwk_kty"] in (None, "EC" if s["key"].startswith("EC") else "RSA")
    alg_ok = s["jwk_alg"] is None or s["jwk_alg"] in s["algorithms"].split()
    assert s["jwk_labels_match"] == (kty_ok and alg_ok), s
PY

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
