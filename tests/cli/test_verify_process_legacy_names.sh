#!/usr/bin/env bash
# test_verify_process_legacy_names.sh - issue 16 "maat verify process start": OpenSSL 3.0
# fills its legacy cipher/digest name database (~400 OBJ_NAME_add calls) and copies it into
# the name map of every library context `maat verify` uses (the default one and libmaat's
# keyless one), ~5.5 M instructions per process. `maat verify` now initialises libcrypto
# without it and registers only SHA-1 and SHA-2 (src/cli/openssl_lean.c):
#   * an LD_PRELOAD shim (built here with cc; skipped without it) counts OBJ_NAME_add calls
#     of one `maat verify` run: at most 40 (397 before);
#   * the verdict is unchanged: Intel's quote + bundle verify, every step passes, exit 0;
#     an altered TCB info signature still fails (exit 1);
#   * OPENSSL_cleanup is not run at exit (another shim records its calls), except in a
#     sanitizer build (libasan/libtsan mapped), whose leak check needs it: there it is.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat cc python3
V="${MAAT_VECTORS:-}/dcap-qvl"
[ -f "$V/sgx_quote" ] || { echo "SKIPPED: no vectors (set MAAT_VECTORS)"; exit 77; }
tmpdir cli-legacy-names
AT=1752919277

cat >"$T/names.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
static long n_add;
int OBJ_NAME_add(const char *name, int type, const char *data)
{
    static int (*real)(const char *, int, const char *);
    if (real == NULL)
        real = (int (*)(const char *, int, const char *))dlsym(RTLD_NEXT, "OBJ_NAME_add");
    n_add++;
    return real(name, type, data);
}
__attribute__((destructor)) static void report(void)
{
    const char *p = getenv("NAME_LOG");
    FILE *f = p ? fopen(p, "w") : NULL;
    if (f != NULL) {
        fprintf(f, "%ld\n", n_add);
        fclose(f);
    }
}
C
if ! cc -shared -fPIC -o "$T/names.so" "$T/names.c" -ldl 2>"$T/cc.log"; then
    echo "SKIPPED: cannot build the shim: $(head -c 300 "$T/cc.log")"; exit 77
fi

# a sanitizer build wants its runtime first in the preload list
san=$(ldd "$MAAT" 2>/dev/null | awk '/lib(a|t)san/ { print $3; exit }')
NAME_LOG="$T/n" LD_PRELOAD="${san:+$san }$T/names.so" "$MAAT" verify "$V/sgx_quote" \
    --collateral "$V/sgx_quote_collateral.json" --at $AT --json >"$T/ok.json"; rc=$?
n=$(cat "$T/n" 2>/dev/null || echo missing)
case $n in
'' | missing | *[!0-9]*) bad "the shim reported nothing ($n): not interposed?" ;;
*) [ "$n" -gt 0 ] && [ "$n" -le 40 ] && ok "OBJ_NAME_add called $n times (<= 40)" \
       || bad "OBJ_NAME_add called $n times: the legacy name database is filled" ;;
esac
[ $rc -eq 0 ] && [ "$(jget "$T/ok.json" 'd["verified"], d["status"]')" = \
    "True ConfigurationAndSWHardeningNeeded" ] \
    && ok "Intel quote + bundle: verified" || bad "real: exit $rc $(head -c 400 "$T/ok.json")"
[ "$(jget "$T/ok.json" 'all(s["outcome"] == "passed" for s in d["steps"])')" = True ] \
    && ok "every step passed" || bad "steps: $(jget "$T/ok.json" 'd["steps"]')"

# a bundle with the TCB info signature altered still fails
python3 - "$V/sgx_quote_collateral.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["tcb_info_signature"]
d["tcb_info_signature"] = ("0" if s[0] != "0" else "1") + s[1:]
json.dump(d, open(sys.argv[2], "w"))
PY
"$MAAT" verify "$V/sgx_quote" --collateral "$T/bad.json" --at $AT >"$T/bad.out" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "altered TCB info signature: exit 1" || bad "altered: exit $rc $(head -c 300 "$T/bad.out")"

# OPENSSL_cleanup at exit: skipped, but for sanitizer builds
cat >"$T/cleanup.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
void OPENSSL_cleanup(void)
{
    void (*real)(void) = (void (*)(void))dlsym(RTLD_NEXT, "OPENSSL_cleanup");
    const char *p = getenv("CLEANUP_LOG");
    FILE *f = p ? fopen(p, "a") : NULL;
    if (f != NULL) {
        fputs("cleanup\n", f);
        fclose(f);
    }
    if (real != NULL) real();
}
C
if cc -shared -fPIC -o "$T/cleanup.so" "$T/cleanup.c" -ldl 2>"$T/cc2.log"; then
    CLEANUP_LOG="$T/cleanup.log" LD_PRELOAD="${san:+$san }$T/cleanup.so" "$MAAT" verify "$V/sgx_quote" \
        --collateral "$V/sgx_quote_collateral.json" --at $AT >"$T/cl.out" 2>&1; rc=$?
    [ $rc -eq 0 ] || bad "maat verify under the cleanup shim: exit $rc $(head -c 300 "$T/cl.out")"
    if [ -n "$san" ]; then
        [ -s "$T/cleanup.log" ] && ok "sanitizer build: OPENSSL_cleanup runs at exit" \
            || bad "sanitizer build: OPENSSL_cleanup did not run"
    else
        [ ! -e "$T/cleanup.log" ] && ok "OPENSSL_cleanup not run at exit" \
            || bad "OPENSSL_cleanup ran at exit"
    fi
else
    bad "cannot build the cleanup shim: $(head -c 300 "$T/cc2.log")"
fi

finish
