#!/usr/bin/env bash
# test_exports_match_public_headers.sh - libmaat.so exports exactly the public API: the
# functions and data objects the installed headers (include/maat/*.h, maat/version.h)
# declare, compared with `nm -D --defined-only` of the installed library in both directions.
# Regression (issue 17): the version script matched `maat_[!_]*`, so the maat_* functions
# of the internal headers (src/include/maat: attest.h, jose.h, policy.h, crypto.h, ...)
# were exported as if they were API.
#  - nothing internal exported: every exported name must compile as `&name` in a file that
#    includes only the installed headers (the compiler decides what is declared);
#  - every public symbol exported: the functions GCC's -aux-info lists for the installed
#    headers and their `extern` objects must all be defined in the .so (with another
#    compiler: the list packaging/gen-export-map.py writes, a weaker check).
# Bounded: no network, a few seconds.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
if [ -z "$BUILD" ] || [ ! -f "$BUILD/CMakeCache.txt" ]; then echo "SKIPPED: no build tree (set MAAT_BIN)"; exit 77; fi
for t in cmake cc nm readelf python3; do
    command -v $t >/dev/null || { echo "SKIPPED: $t needed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-pkg-exports-XXXXXX")
trap 'rm -rf "$T"' EXIT
R="$T/root"
fails=0
VERSION=$(sed -n 's/^project(maat VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")

# The library and the headers as installed: the libmaat0 and libmaat-dev packages' parts
# (CPack components libmaat0, libmaat_dev).
if cmake --install "$BUILD" --prefix "$R" --component libmaat0 >"$T/install.log" 2>&1 \
   && cmake --install "$BUILD" --prefix "$R" --component libmaat_dev >>"$T/install.log" 2>&1; then
    ok "cmake --install --component libmaat0, libmaat_dev"
else bad "cmake --install: $(tail -5 "$T/install.log")"; exit 1; fi
[ ! -e "$R/bin" ] || bad "the library components install programs: $(ls "$R/bin")"
LIB="$R/lib/libmaat.so.$VERSION"
[ -f "$LIB" ] || { bad "no $LIB"; exit 1; }
ls "$R"/include/maat/*.h >"$T/headers"
[ -s "$T/headers" ] || { bad "no installed header"; exit 1; }

nm -D --defined-only "$LIB" | awk 'NF >= 3 {print $NF}' | sed 's/@.*//' | LC_ALL=C sort -u >"$T/exports"
[ -s "$T/exports" ] && ok "$(wc -l <"$T/exports") exported symbols" || bad "nm -D found no export"

# ---- 1. nothing internal exported: each export is declared by an installed header ----
{
    sed 's|.*/include/\(maat/.*\)|#include <\1>|' "$T/headers"
    echo "const void *const maat_export_check[];"
    echo "const void *const maat_export_check[] = {"
    sed 's/.*/    (const void *)\&&,/' "$T/exports"
    echo "};"
} >"$T/uses.c"
if cc -std=c11 -c -o "$T/uses.o" -I"$R/include" "$T/uses.c" 2>"$T/uses.err"; then
    ok "every exported symbol is declared by an installed header"
else
    # gcc quotes the name with ‘’ (UTF-8) or '' (C locale)
    undeclared=$(grep -oE "(‘|')[A-Za-z_][A-Za-z0-9_]*(’|') undeclared" "$T/uses.err" | grep -oE '[A-Za-z_][A-Za-z0-9_]*' \
                 | grep -vx undeclared | LC_ALL=C sort -u)
    if [ -n "$undeclared" ]; then
        bad "exported but not declared by any installed header ($(echo "$undeclared" | wc -l)): $(echo $undeclared | cut -c1-600)"
    else bad "the export check did not compile: $(head -5 "$T/uses.err")"; fi
fi
grep -q '^maat__' "$T/exports" && bad "a maat__ internal is exported: $(grep '^maat__' "$T/exports" | head -3)" \
    || ok "no maat__ internal exported"
grep -v '^maat_' "$T/exports" >"$T/foreign" && bad "exported names outside maat_*: $(head -5 "$T/foreign" | tr '\n' ' ')" \
    || ok "every export is named maat_*"
# Named examples of internal API that must stay local (src/include/maat/*.h).
leaked=""
for f in maat__jws_parse maat__jws_verify maat__attest_run maat__policy_parse maat__sha256 maat__quote_to_json; do
    grep -qx "$f" "$T/exports" && leaked="$leaked $f"
done
[ -z "$leaked" ] && ok "internal maat__jws_parse, maat__attest_run, maat__policy_parse, ... not exported" \
    || bad "internal functions exported:$leaked"

# ---- 2. every public function and object is exported ----
if cc -std=c11 -c -o /dev/null -I"$R/include" -aux-info "$T/aux" "$T/uses.c" 2>/dev/null \
   || { sed -n '/^#include/p' "$T/uses.c" >"$T/hdrs.c" \
        && cc -std=c11 -c -o /dev/null -I"$R/include" -aux-info "$T/aux" "$T/hdrs.c" 2>/dev/null; }; then
    # "/* ROOT/include/maat/x.h:LINE:NC */ extern int maat_f (...);"
    grep -F "/* $R/include/maat/" "$T/aux" | sed 's|^/\*[^*]*\*/ *||; s/ (.*//; s/.*[ *]//' >"$T/functions"
    how="gcc -aux-info"
else
    python3 "$SRC/packaging/gen-export-map.py" --cc cc -I"$R/include" --out "$T/map" --list "$T/functions" \
        $(cat "$T/headers") 2>"$T/gen.err" || bad "gen-export-map: $(cat "$T/gen.err")"
    how="packaging/gen-export-map.py (no -aux-info in this compiler)"
fi
# extern data objects (policy texts)
grep -hoE '^[[:space:]]*extern[^(;]*\bmaat_[A-Za-z0-9_]+[[:space:]]*(\[[^]]*\])?[[:space:]]*;' $(cat "$T/headers") \
    | grep -oE 'maat_[A-Za-z0-9_]+[[:space:]]*(\[[^]]*\])?[[:space:]]*;$' | grep -oE '^maat_[A-Za-z0-9_]+' >>"$T/functions"
LC_ALL=C sort -u -o "$T/declared" "$T/functions"
n=$(wc -l <"$T/declared")
[ "$n" -ge 100 ] || bad "only $n public symbols found ($how): the header reader is broken"
missing=$(LC_ALL=C comm -23 "$T/declared" "$T/exports")
if [ -z "$missing" ]; then ok "all $n public symbols of the installed headers are exported ($how)"
else bad "declared in installed headers but not exported: $(echo $missing)"; fi
extra=$(LC_ALL=C comm -13 "$T/declared" "$T/exports")
[ -z "$extra" ] && ok "exports = public declarations exactly ($n)" || bad "exported beyond the declarations: $(echo $extra | cut -c1-600)"

# ---- the programs still link the static library; the .so keeps its SONAME ----
soname=$(readelf -d "$LIB" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libmaat.so.${VERSION%%.*}" ] && ok "SONAME $soname" || bad "SONAME '$soname'"

echo "$fails failure(s)"
[ $fails -eq 0 ]
