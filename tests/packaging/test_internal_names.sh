#!/usr/bin/env bash
# test_internal_names.sh - libmaat's internal functions carry the maat__ prefix (issue 17:
# "internal symbols carry the `maat__` prefix or are static; only `maat_*` is exported").
# Every global symbol defined in libmaat.a whose name starts with maat_ must either be in
# the public API (build/packaging/libmaat.exports, generated from include/maat/*.h) or be
# named maat__*. Regression: the functions declared in the internal headers
# (src/include/maat/: attest.h, jose.h, policy.h, crypto.h, ...) were named maat_* like
# the API (maat_jws_parse, maat_attest_run, maat_sha256, ... 88 of them).
set -u
BIN="${MAAT_BIN:-}"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
if [ -z "$BUILD" ] || [ ! -f "$BUILD/CMakeCache.txt" ]; then echo "SKIPPED: no build tree (set MAAT_BIN)"; exit 77; fi
command -v nm >/dev/null || { echo "SKIPPED: nm needed"; exit 77; }
LIB="$BUILD/lib/libmaat.a"
EXPORTS="$BUILD/packaging/libmaat.exports"
[ -f "$LIB" ] || { echo "FAIL - no $LIB"; exit 1; }
[ -s "$EXPORTS" ] || { echo "FAIL - no $EXPORTS (the generated export list)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-internal-names-XXXXXX")
trap 'rm -rf "$T"' EXIT
nm --defined-only -g "$LIB" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRV]$/ {print $3}' | sort -u >"$T/defined"
sort -u "$EXPORTS" >"$T/public"
n_def=$(wc -l <"$T/defined")
n_pub=$(wc -l <"$T/public")
grep '^maat_' "$T/defined" | grep -v '^maat__' | comm -23 - "$T/public" >"$T/bad"
fails=0
if [ "$n_def" -lt 100 ] || [ "$n_pub" -lt 50 ]; then
    echo "FAIL - implausible symbol lists: $n_def defined, $n_pub public"
    fails=1
elif [ -s "$T/bad" ]; then
    echo "FAIL - $(wc -l <"$T/bad") internal function(s) named maat_* (not in the public headers; internal names are maat__*):"
    sed 's/^/    /' "$T/bad" | head -100
    fails=1
else
    echo "ok   - every maat_* symbol of libmaat.a ($n_def global symbols) is public ($n_pub) or maat__*"
fi
# the check must be able to fail: a made-up internal name is caught
printf 'maat_made_up_internal\n' | comm -23 - "$T/public" | grep -q maat_made_up_internal &&
    echo "ok   - a maat_* name outside the public list is caught" ||
    { echo "FAIL - the comparison does not catch a made-up name"; fails=1; }
echo "$fails failure(s)"
[ "$fails" -eq 0 ]
