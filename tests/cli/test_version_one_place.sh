#!/usr/bin/env bash
# test_version_one_place.sh - the version is set once, by project(VERSION) in CMakeLists.txt
# (passed here as MAAT_PROJECT_VERSION): `maat --version`, `maatd --version`, maatd's
# /health, x-ms-maa-service-version, build_info metric, the man pages and maat.pc all say it.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat maatd
V="${MAAT_PROJECT_VERSION:-}"
if [ -z "$V" ]; then
    V=$(sed -n 's/^project(maat VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
fi
[ -n "$V" ] && ok "project version $V" || { echo "FAIL - no project(VERSION)"; exit 1; }
B="$MAAT_BIN/.."

out=$("$MAAT" --version); [ "$out" = "maat $V" ] && ok "maat --version: $out" || bad "maat --version: '$out', want 'maat $V'"
out=$("$MAATD" --version); [ "$out" = "maatd $V" ] && ok "maatd --version: $out" || bad "maatd --version: '$out', want 'maatd $V'"
grep -q "#define MAAT_VERSION_STRING \"$V\"" "$B/include/maat/version.h" && ok "maat/version.h" || bad "maat/version.h lacks $V"
grep -qx "Version: $V" "$B/maat.pc" && ok "maat.pc Version: $V" || bad "maat.pc: $(grep Version "$B/maat.pc")"
for m in maat.1 maatd.8; do
    [ -f "$B/packaging/$m" ] || { bad "$m not generated"; continue; }
    grep -q "^\.TH .*\"maat $V\"" "$B/packaging/$m" && ok "$m: maat $V" || bad "$m: $(grep '^\.TH' "$B/packaging/$m")"
done
# no version literal left in the sources of the programs
lit=$(grep -rnE '"[0-9]+\.[0-9]+\.[0-9]+"' "$SRC/src" --include=*.c --include=*.h | grep -iE 'version' || true)
[ -z "$lit" ] && ok "no version literal in src/" || bad "version literals in src/: $lit"

# the running service says it too (/healthz, x-ms-maa-service-version, maatd_build_info)
if command -v curl >/dev/null; then
    tmpdir cli-version
    . "$SRC/tests/lib/maatd.sh"
    "$MAAT" sim init "$T/sim" --now 2024-03-01T00:00:00Z >/dev/null || bad "sim init"
    if maatd_start A --sim "$T/sim" --store "$T/a.db"; then
        h=$(curl -s -D "$T/hdr" "$URL_A/healthz")
        echo "$h" | grep -q "\"version\": *\"$V\"" && ok "/healthz version $V" || bad "/healthz: $h"
        grep -qi "^x-ms-maa-service-version: $V" "$T/hdr" && ok "x-ms-maa-service-version $V" \
            || bad "headers: $(tr -d '\r' <"$T/hdr")"
        curl -s "$URL_A/metrics" | grep -q "maatd_build_info{version=\"$V\"} 1" && ok "build_info $V" \
            || bad "metrics: no maatd_build_info $V"
        maatd_stop A
    else
        bad "maatd did not start"
    fi
fi
finish
