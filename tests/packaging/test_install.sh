#!/usr/bin/env bash
# test_install.sh - `cmake --install` of the build tree into a scratch prefix: the file
# list; libmaat.so exports only the public maat_* API (nm -D) under SONAME libmaat.so.<major>;
# the version comes from project(VERSION) everywhere; maat.pc works with pkg-config; every
# installed header compiles on its own; examples/relying-party builds with pkg-config against
# the tree and validates a recorded MAA token with maat_token_validate (and rejects an expired
# one; the signer quote fails closed without collateral; claims against an EnclaveInfo); the man pages
# render without warnings and hold the --help text; the bash completion offers every
# command; `systemd-analyze verify` accepts the unit. Bounded: no network, < 30 s.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
V="${MAAT_VECTORS:-../shared/vectors}/maa-recordings"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for t in cmake pkg-config cc nm readelf man python3; do
    command -v $t >/dev/null || { echo "SKIPPED: $t needed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-pkg-install-XXXXXX")
trap 'rm -rf "$T"' EXIT
R="$T/root"
fails=0

VERSION=$(sed -n 's/^project(maat VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
MAJOR=${VERSION%%.*}
[ -n "$VERSION" ] || bad "no project(maat VERSION x.y.z) in CMakeLists.txt"

# ---- install ----
if cmake --install "$BUILD" --prefix "$R" >"$T/install.log" 2>&1; then ok "cmake --install --prefix"
else bad "cmake --install: $(tail -5 "$T/install.log")"; exit 1; fi

# ---- the file list (headers: every include/maat/*.h, the installed API, plus the generated
# version.h; src/include/maat is internal) ----
expected="bin/maat
bin/maatd
etc/maat/maatd.conf
lib/libmaat.so
lib/libmaat.so.$MAJOR
lib/libmaat.so.$VERSION
lib/pkgconfig/maat.pc
lib/sysusers.d/maat.conf
lib/systemd/system/maatd.service
share/bash-completion/completions/maat
share/doc/maat/examples/relying-party/README.md
share/doc/maat/examples/relying-party/relying_party.c
share/doc/maat/library.md
share/man/man1/maat.1
share/man/man8/maatd.8"
actual=$(cd "$R" && find . \( -type f -o -type l \) ! -path './include/*' | sed 's|^\./||' | LC_ALL=C sort)
if [ "$actual" = "$(echo "$expected" | LC_ALL=C sort)" ]; then ok "installed file list"
else bad "installed file list differs:"; diff <(echo "$expected" | LC_ALL=C sort) <(echo "$actual"); fi
want_h=$( (cd "$SRC/include" && ls maat/*.h; echo maat/version.h) | LC_ALL=C sort)
have_h=$(cd "$R/include" && find maat -type f | LC_ALL=C sort)
[ "$want_h" = "$have_h" ] && ok "headers: include/maat/*.h and maat/version.h" \
    || bad "installed headers: $(diff <(echo "$want_h") <(echo "$have_h") | tr '\n' ' ')"
[ "$(readlink "$R/lib/libmaat.so")" = "libmaat.so.$MAJOR" ] && [ "$(readlink "$R/lib/libmaat.so.$MAJOR")" = "libmaat.so.$VERSION" ] \
    && ok "libmaat.so -> libmaat.so.$MAJOR -> libmaat.so.$VERSION" || bad "library symlinks"
[ "$(stat -c %a "$R/etc/maat/maatd.conf")" = 644 ] && ok "maatd.conf mode 644 (no secrets in it)" || bad "maatd.conf mode"

# ---- DESTDIR staging with prefix /usr (how distributions package): /etc, not /usr/etc ----
if DESTDIR="$T/stage" cmake --install "$BUILD" --prefix /usr >"$T/stage.log" 2>&1 && [ -f "$T/stage/etc/maat/maatd.conf" ] \
   && [ ! -e "$T/stage/usr/etc" ] \
   && grep -qx 'ExecStart=/usr/bin/maatd --config /etc/maat/maatd.conf' "$T/stage/usr/lib/systemd/system/maatd.service"; then
    ok "DESTDIR + prefix /usr: /etc/maat/maatd.conf, unit runs /usr/bin/maatd"
else bad "DESTDIR install: $(tail -3 "$T/stage.log"; find "$T/stage" -name maatd.conf)"; fi
rm -rf "$T/stage"

# ---- exported symbols: maat_* only ----
LIB="$R/lib/libmaat.so.$VERSION"
soname=$(readelf -d "$LIB" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libmaat.so.$MAJOR" ] && ok "SONAME $soname" || bad "SONAME '$soname', want libmaat.so.$MAJOR"
nm -D --defined-only "$LIB" | awk '{print $NF}' | LC_ALL=C sort -u >"$T/exports"
n=$(wc -l <"$T/exports")
grep -v '^maat_[^_]' "$T/exports" >"$T/foreign" || true
if [ -s "$T/foreign" ]; then bad "exported beyond maat_*: $(head -20 "$T/foreign" | tr '\n' ' ')"
else ok "all $n exported symbols are public maat_* (no maat__, no helpers)"; fi
grep -q '^maat__' "$T/exports" && bad "a maat__ internal is exported" || ok "no maat__ internal exported"
# Internals that are non-static in libmaat.a must exist there and be absent here.
nm -g --defined-only "$BUILD/lib/libmaat.a" 2>/dev/null | awk 'NF==3{print $3}' | LC_ALL=C sort -u >"$T/static"
internal=$(grep -c -v '^maat_[^_]' "$T/static")
leaked=$(grep -v '^maat_[^_]' "$T/static" | LC_ALL=C comm -12 - "$T/exports" | head -5)
[ "$internal" -gt 0 ] && [ -z "$leaked" ] && ok "$internal non-static internals of libmaat.a (maat__*, cj_*, pol_*) stay local" \
    || bad "internals: $internal in libmaat.a, leaked: $leaked"
for f in maat_token_validate maat_quote_verify maat_trust_new_intel maat_collateral_verify maat_version; do
    grep -qx "$f" "$T/exports" || bad "public $f not exported"
done
# The maat_* functions of the internal headers (src/include/maat) are not API: not exported
# (the full comparison with the headers: test_exports_match_public_headers.sh).
for f in maat__jws_parse maat__jws_verify maat__jwks_find maat__jwk_to_pkey maat__attest_run maat__policy_parse; do
    grep -qx "$f" "$T/exports" && bad "internal $f exported"
done
# Every maat_ function the public headers declare is exported (no missing definitions).
missing=$(grep -ho '\bmaat_[a-z0-9][a-z0-9_]*(' "$R"/include/maat/*.h | tr -d '(' | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$T/exports")
if [ -z "$missing" ]; then ok "every maat_* function named in the headers is exported"
else bad "declared but not exported: $(echo $missing)"; fi
if command -v ldd >/dev/null; then
    ldd "$LIB" | grep -q 'not found' && bad "libmaat.so has unresolved dependencies" || ok "libmaat.so dependencies resolve"
fi

# ---- one version: project(VERSION) ----
[ "$("$R/bin/maat" --version)" = "maat $VERSION" ] && ok "maat --version = $VERSION" || bad "maat --version: $("$R/bin/maat" --version)"
[ "$("$R/bin/maatd" --version)" = "maatd $VERSION" ] && ok "maatd --version = $VERSION" || bad "maatd --version: $("$R/bin/maatd" --version)"
grep -q "#define MAAT_VERSION_STRING \"$VERSION\"" "$R/include/maat/version.h" && ok "maat/version.h" || bad "version.h"

# ---- pkg-config ----
export PKG_CONFIG_PATH="$R/lib/pkgconfig"
[ "$(pkg-config --modversion maat)" = "$VERSION" ] && ok "pkg-config --modversion maat" || bad "modversion"
flags=$(pkg-config --cflags --libs maat) && ok "pkg-config --cflags --libs maat: $flags" || bad "pkg-config failed"
inc=$(pkg-config --variable=includedir maat)
[ "$(cd "$inc" && pwd -P)" = "$(cd "$R/include" && pwd -P)" ] && ok "includedir is in the install tree" || bad "includedir $inc"

# ---- the installed API exposes no jansson or OpenSSL type (issue 17): no such include and
# no such type name in any installed header ----
if grep -nE '#[[:space:]]*include[[:space:]]*[<"](jansson\.h|openssl/)|\b(json_t|EVP_[A-Z_]+|X509[A-Z_]*|BIGNUM|EC_KEY)\b' \
        "$R"/include/maat/*.h >"$T/leak.txt"; then
    bad "installed headers expose jansson/OpenSSL: $(head -3 "$T/leak.txt" | tr '\n' ' ')"
else ok "installed headers expose no jansson or OpenSSL type"; fi

# ---- every installed header compiles on its own (no internal header needed) ----
hfail=0
for h in "$R"/include/maat/*.h; do
    printf '#include <maat/%s>\nint maat_hdr_check(void);\nint maat_hdr_check(void) { return 0; }\n' "$(basename "$h")" >"$T/h.c"
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror -c -o "$T/h.o" "$T/h.c" $(pkg-config --cflags maat) 2>"$T/h.err" \
        || { hfail=1; bad "header $(basename "$h") alone: $(head -3 "$T/h.err")"; }
done
[ $hfail -eq 0 ] && ok "each of $(ls "$R"/include/maat/*.h | wc -l) headers compiles alone"

# ---- the relying-party example against the installed tree ----
EX="$R/share/doc/maat/examples/relying-party/relying_party.c"
# A sanitized libmaat (MAAT_SANITIZE tree) needs a sanitized program: the example then runs
# under ASan+UBSan too.
SAN=""
grep -qx 'MAAT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2046,SC2086
if cc -std=c11 -Wall -Wextra -Werror $SAN -o "$T/relying-party" "$EX" $(pkg-config --cflags --libs maat) 2>"$T/cc.err"; then
    ok "example builds with pkg-config"
else bad "example: $(cat "$T/cc.err")"; fi
export LD_LIBRARY_PATH="$R/lib"
ldd "$T/relying-party" | grep -q "libmaat.so.$MAJOR => $R/lib/" && ok "example uses the installed libmaat.so.$MAJOR" \
    || bad "example links: $(ldd "$T/relying-party" | grep maat)"
if [ -d "$V/attest" ]; then
    jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
    jget "$V/attest/sgx-shared-plain.response.json" 'd["body"]["token"]' >"$T/token.jwt"
    jget "$V/metadata/certs-shared.response.json" 'json.dumps(d["body"])' >"$T/certs.json"
    ISS=https://sharedwus.wus.attest.azure.net IAT=1668716907 EXP=1668745707
    "$T/relying-party" "$T/token.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q '^token valid: iss https://sharedwus' "$T/rp.out" && grep -q '^lifetime *passed' "$T/rp.out" \
        && ok "example: recorded MAA token valid at its iat" \
        || bad "example on the recorded token: exit $rc: $(cat "$T/rp.out")"
    "$T/relying-party" "$T/token.jwt" "$T/certs.json" $ISS $((EXP + 61)) >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q expired "$T/rp.out" && ok "example: expired token refused" || bad "expired: exit $rc $(cat "$T/rp.out")"
    "$T/relying-party" "$T/token.jwt" "$T/certs.json" https://sharedeus.eus.attest.azure.net $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q 'iss' "$T/rp.out" && ok "example: wrong issuer refused" || bad "wrong issuer: exit $rc"
    # maat_token_validate's optional checks through the installed library: the signer's own
    # quote (MAA's certificate carries it; without collateral: INCOMPLETE unless the reduced
    # check is accepted) and the claims against an EnclaveInfo file made from the request
    "$T/relying-party" --signer-quote "$T/token.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q 'INCOMPLETE: signer_complete: signer quote: not checked: TCB status (no collateral)' "$T/rp.out" \
        && grep -q '^signer_key_binding *passed' "$T/rp.out" && ok "example: signer quote without collateral is INCOMPLETE (fail closed)" \
        || bad "signer quote: exit $rc $(cat "$T/rp.out")"
    "$T/relying-party" --signer-quote --signatures-only "$T/token.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q '^signer_verification *passed' "$T/rp.out" && ok "example: signer quote, signatures only" \
        || bad "signer quote --signatures-only: exit $rc $(cat "$T/rp.out")"
    python3 - "$V/attest/sgx-shared-plain.request.json" "$T/token.jwt" "$T/ei.json" "$T/ei-bad.json" <<'PY'
import base64, json, sys
def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
quote = b64(json.load(open(sys.argv[1]))["body"]["quote"])
c = json.loads(b64(open(sys.argv[2]).read().strip().split(".")[1]))
ei = {"Type": 2, "MrEnclaveHex": c["x-ms-sgx-mrenclave"].upper(),
      "MrSignerHex": c["x-ms-sgx-mrsigner"].upper(),
      "ProductIdHex": c["x-ms-sgx-product-id"].to_bytes(16, "little").hex().upper(),
      "SecurityVersion": c["x-ms-sgx-svn"], "Attributes": 7 if c["x-ms-sgx-is-debuggable"] else 5,
      "QuoteHex": quote.hex().upper(), "EnclaveHeldDataHex": ""}
json.dump(ei, open(sys.argv[3], "w"), indent=2)
ei["MrEnclaveHex"] = "00" * 32
json.dump(ei, open(sys.argv[4], "w"), indent=2)
PY
    "$T/relying-party" --enclave-info "$T/ei.json" "$T/token.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && [ "$(grep -c ' match (x-ms-sgx' "$T/rp.out")" = 6 ] && ok "example: claims match the EnclaveInfo" \
        || bad "enclave info: exit $rc $(cat "$T/rp.out")"
    "$T/relying-party" --enclave-info "$T/ei-bad.json" "$T/token.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q 'enclave_claims: MRENCLAVE mismatch' "$T/rp.out" && ok "example: an EnclaveInfo mismatch is named" \
        || bad "enclave info mismatch: exit $rc $(cat "$T/rp.out")"
    sed 's/.$/A/' "$T/token.jwt" >"$T/bad.jwt"; [ "$(cat "$T/bad.jwt")" != "$(cat "$T/token.jwt")" ] || sed -i 's/.$/B/' "$T/bad.jwt"
    "$T/relying-party" "$T/bad.jwt" "$T/certs.json" $ISS $IAT >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 1 ] && grep -q signature "$T/rp.out" && ok "example: altered signature refused" || bad "altered signature: exit $rc $(cat "$T/rp.out")"
else
    echo "*** SKIPPED: the example's token checks (vectors not at $V) ***"
fi
unset LD_LIBRARY_PATH

# ---- man pages: render cleanly, carry the --help text ----
for page in share/man/man1/maat.1 share/man/man8/maatd.8; do
    MANWIDTH=100 man --warnings -l "$R/$page" >"$T/page.txt" 2>"$T/page.err"; rc=$?
    [ $rc -eq 0 ] && [ ! -s "$T/page.err" ] && [ -s "$T/page.txt" ] && ok "man -l $page renders without warnings" \
        || bad "man -l $page: exit $rc: $(head -5 "$T/page.err")"
    cp "$T/page.txt" "$T/$(basename "$page").txt"
done
cmds=$("$R/bin/maat" --help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1;next} f{exit}')
[ "$(echo "$cmds" | wc -l)" -ge 9 ] || bad "maat --help lists only: $cmds"
for c in $cmds; do
    "$R/bin/maat" "$c" --help | head -1 | sed 's/^ *//' >"$T/first"
    grep -qF "$(cat "$T/first")" "$T/maat.1.txt" || bad "maat(1) lacks the help of $c: $(cat "$T/first")"
done
ok "maat(1) holds the --help of: $(echo $cmds)"
n=0
for opt in $("$R/bin/maatd" --help | grep -o '^  --[a-z-]*'); do
    n=$((n + 1)); grep -q -- "$opt" "$T/maatd.8.txt" || bad "maatd(8) lacks $opt"
done
[ $n -ge 30 ] && ok "maatd(8) names all $n options of maatd --help" || bad "only $n maatd options"

# ---- bash completion: every command, sub-commands, flags ----
complete_words() { # complete_words WORD... : COMPREPLY for the last (possibly empty) word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _maat; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$R/share/bash-completion/completions/maat" "$@"
}
complete_words maat "" >"$T/c1"
miss=""; for c in $cmds; do grep -qx "$c" "$T/c1" || miss="$miss $c"; done
[ -z "$miss" ] && ok "completion offers every command of maat --help ($(echo $cmds | wc -w))" || bad "completion lacks:$miss"
[ "$(complete_words maat ve)" = verify ] && ok "completion: maat ve -> verify" || bad "maat ve: $(complete_words maat ve)"
complete_words maat sign "" | grep -qx create-cert && complete_words maat policy "" | grep -qx reset \
    && complete_words maat cert "" | grep -qx remove && complete_words maat quote "" | grep -qx get \
    && ok "completion: sub-commands (sign create-cert, policy reset, cert remove, quote get)" || bad "sub-command completion"
complete_words maat verify --co | grep -qx -- --collateral && complete_words maat token verify --req | grep -qx -- --require-signer-quote \
    && ok "completion: flags (verify --collateral, token verify --require-signer-quote)" || bad "flag completion"

# ---- the systemd unit ----
U="$R/lib/systemd/system/maatd.service"
grep -qx "ExecStart=$R/bin/maatd --config $R/etc/maat/maatd.conf" "$U" && ok "unit runs the installed maatd --config" \
    || bad "ExecStart: $(grep ExecStart "$U")"
# Type=notify when built with libsystemd (sd_notify), Type=exec otherwise (see docs/install.md).
TYPE=notify; grep -qx 'SYSTEMD_FOUND:INTERNAL=1' "$BUILD/CMakeCache.txt" || TYPE=exec
for kv in Type=$TYPE User=maat StateDirectory=maat NoNewPrivileges=yes PrivateTmp=yes ProtectSystem=strict CapabilityBoundingSet=; do
    grep -qx "$kv" "$U" || bad "unit lacks $kv"
done
ok "unit: Type=$TYPE, User=maat, StateDirectory=maat, hardening"
if command -v systemd-analyze >/dev/null; then
    # Offline: no running systemd needed; MANPATH lets Documentation=man:maatd(8) resolve to the page installed above.
    MANPATH="$R/share/man" systemd-analyze verify "$U" >"$T/sa.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && [ ! -s "$T/sa.out" ] && ok "systemd-analyze verify: clean" || bad "systemd-analyze verify: exit $rc: $(cat "$T/sa.out")"
    systemd-analyze security --offline=yes --threshold=20 "$U" >"$T/sec.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && ok "systemd-analyze security: $(grep -o 'exposure level.*' "$T/sec.out")" || bad "security: exit $rc: $(tail -2 "$T/sec.out")"
else
    echo "*** SKIPPED: systemd-analyze not installed (scripts/install-deps.sh installs systemd) ***"
fi
grep -qx 'store = /var/lib/maat/maatd.db' "$R/etc/maat/maatd.conf" && grep -qx 'listen = 127.0.0.1:8080' "$R/etc/maat/maatd.conf" \
    && grep -q '^# issuer = ' "$R/etc/maat/maatd.conf" && ok "maatd.conf: loopback listen, store in /var/lib/maat, issuer to set" || bad "maatd.conf defaults"
grep -q '^u maat ' "$R/lib/sysusers.d/maat.conf" && ok "sysusers.d: user maat" || bad "sysusers.d"

echo "$fails failure(s)"
[ $fails -eq 0 ]
