#!/usr/bin/env bash
# test_verify_bundle_before_chain.sh - issue 16 "maat verify process start": with a
# collateral bundle FILE, `maat verify` resolved the quote's PCK chain in full
# (X509_verify_cert over leaf, PCK CA and root) before reading the bundle, so the bundle's
# verified PCK CA chain could not spare it: the chain is now resolved after the bundle was
# read and verified, and takes the leaf-only path. What is reported stays the chain-first
# order's (test_verify_chain_first.sh covers --pccs and directories, which still resolve
# the chain first):
#   * the order: no X509_verify_cert before the bundle file is opened (an LD_PRELOAD shim
#     built here with cc records the sequence; skipped without cc);
#   * Intel's quote + bundle: OK, the same verdict fields as before;
#   * an untrusted chain (a sim quote) with a bundle that does not even parse: still the
#     pck_chain verdict (exit 1), not a collateral error;
#   * a trusted chain with an unparsable bundle: collateral_unavailable (exit 3); with a
#     bundle whose TCB info signature is altered: collateral_invalid (exit 1).
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
command -v python3 >/dev/null || { echo "SKIPPED: python3 needed"; exit 77; }
V="${MAAT_VECTORS:-}/dcap-qvl"
[ -f "$V/sgx_quote" ] || { echo "SKIPPED: no vectors (set MAAT_VECTORS)"; exit 77; }
tmpdir cli-bundle-first
AT=1752919277

# the real quote and bundle
"$MAAT" verify "$V/sgx_quote" --collateral "$V/sgx_quote_collateral.json" --at $AT --json >"$T/ok.json"; rc=$?
[ $rc -eq 0 ] && [ "$(jget "$T/ok.json" 'd["verified"], d["status"], d["fmspc"]')" = \
    "True ConfigurationAndSWHardeningNeeded 00a067110000" ] \
    && ok "Intel quote + bundle: verified, ConfigurationAndSWHardeningNeeded" || bad "real: exit $rc $(head -c 400 "$T/ok.json")"
[ "$(jget "$T/ok.json" '[s["outcome"] for s in d["steps"]].count("passed") == len(d["steps"]) == 11')" = True ] \
    && ok "every step passed" || bad "steps: $(jget "$T/ok.json" 'd["steps"]')"

# the order, from an LD_PRELOAD shim: fopen of the bundle vs X509_verify_cert
if command -v cc >/dev/null; then
    cat >"$T/order.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static FILE *out(void)
{
    static FILE *(*fo)(const char *, const char *);
    static FILE *f;
    if (f == NULL) {
        if (fo == NULL) fo = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
        const char *p = getenv("ORDER_LOG");
        f = p ? fo(p, "w") : NULL;
    }
    return f;
}
FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*fo)(const char *, const char *);
    if (fo == NULL) fo = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    if (strstr(path, "collateral") != NULL && out() != NULL) {
        fprintf(out(), "open %s\n", path);
        fflush(out());
    }
    return fo(path, mode);
}
int X509_verify_cert(void *ctx)
{
    static int (*f)(void *);
    if (f == NULL) f = (int (*)(void *))dlsym(RTLD_NEXT, "X509_verify_cert");
    if (out() != NULL) {
        fprintf(out(), "X509_verify_cert\n");
        fflush(out());
    }
    return f(ctx);
}
C
    if cc -shared -fPIC -o "$T/order.so" "$T/order.c" -ldl 2>"$T/cc.err"; then
        # (in a sanitizer tree the shim comes before libasan: tell ASan that is fine)
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        ORDER_LOG="$T/order.log" LD_PRELOAD="$T/order.so" "$MAAT" verify "$V/sgx_quote" \
            --collateral "$V/sgx_quote_collateral.json" --at $AT >/dev/null 2>&1; rc=$?
        first=$(grep -n . "$T/order.log" | grep -m1 'open .*sgx_quote_collateral.json' | cut -d: -f1)
        before=$(head -n $(( ${first:-1} - 1 )) "$T/order.log" | grep -c X509_verify_cert)
        [ $rc -eq 0 ] && [ -n "$first" ] && [ "$before" = 0 ] \
            && ok "the bundle is read before any chain verification (order: $(tr '\n' ',' <"$T/order.log"))" \
            || bad "order: exit $rc, $(tr '\n' ',' <"$T/order.log")"
    else
        echo "# cc failed ($(head -c 200 "$T/cc.err")): order check skipped"
    fi
else
    echo "# no cc: order check skipped"
fi

# reporting stays chain-first: an untrusted chain is the verdict whatever the bundle
"$MAAT" sim init "$T/p" --now 2024-03-01T00:00:00Z >/dev/null || { echo "sim init failed"; exit 1; }
"$MAAT" sim quote "$T/p" -o "$T/q.bin" >/dev/null || { echo "sim quote failed"; exit 1; }
printf '{"not": "a bundle"' >"$T/junk_collateral.json"
"$MAAT" verify "$T/q.bin" --collateral "$T/junk_collateral.json" --at 2024-03-02T00:00:00Z --json >"$T/u.json" 2>"$T/u.err"; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/u.json" 'd["verified"], d["failed_step"]')" = "False pck_chain" ] \
    && ok "untrusted chain + unparsable bundle: the pck_chain verdict, exit 1" || bad "untrusted: exit $rc $(cat "$T/u.json" "$T/u.err")"
"$MAAT" verify "$T/q.bin" --collateral "$V/sgx_quote_collateral.json" --at 2024-03-02T00:00:00Z --json >"$T/u2.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/u2.json" 'd["failed_step"]')" = pck_chain ] \
    && ok "untrusted chain + another platform's bundle (not valid at that time): pck_chain, exit 1" || bad "untrusted 2: exit $rc"

# a trusted chain, then the bundle's own failures as before
"$MAAT" verify "$V/sgx_quote" --collateral "$T/junk_collateral.json" --at $AT --json >"$T/j.json" 2>/dev/null; rc=$?
[ $rc -eq 3 ] && [ "$(jget "$T/j.json" 'd["error"]["code"]')" = collateral_unavailable ] \
    && ok "trusted chain + unparsable bundle: collateral_unavailable, exit 3" || bad "junk: exit $rc $(cat "$T/j.json")"
python3 - "$V/sgx_quote_collateral.json" "$T/bad_collateral.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
s = b["tcb_info_signature"]
b["tcb_info_signature"] = s[:-2] + ("00" if s[-2:] != "00" else "11")
json.dump(b, open(sys.argv[2], "w"))
PY
"$MAAT" verify "$V/sgx_quote" --collateral "$T/bad_collateral.json" --at $AT --json >"$T/b.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(jget "$T/b.json" 'd["error"]["code"]')" = collateral_invalid ] \
    && ok "trusted chain + altered TCB info signature: collateral_invalid, exit 1" || bad "altered: exit $rc $(cat "$T/b.json")"
"$MAAT" verify "$V/sgx_quote" --collateral "$T/missing_collateral.json" --at $AT >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "missing bundle file: exit 3" || bad "missing: exit $rc"

if [ $fails -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
