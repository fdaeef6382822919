#!/usr/bin/env bash
# test_deb.sh - the Debian package (CPack DEB, what `make deb` runs) from the build tree,
# into a temporary directory: control fields (Depends from dpkg-shlibdeps, the conffile,
# shlibs, a postinst that creates the maat user), the file list, then `dpkg -x` into a
# scratch root and run the extracted programs: `maat --version`, `maatd --help`, and maatd
# itself with the packaged /etc/maat/maatd.conf (listen and store overridden) answering
# /healthz. Bounded: no network beyond 127.0.0.1, < 60 s.
set -u
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for t in cpack dpkg-deb dpkg-shlibdeps curl; do
    command -v $t >/dev/null || { echo "SKIPPED: $t needed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-pkg-deb-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
VERSION=$(sed -n 's/^project(maat VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
MAJOR=${VERSION%%.*}

# ---- build the package (as `make deb`, but into $T) ----
if (cd "$BUILD" && cpack -G DEB -B "$T/deb") >"$T/cpack.log" 2>&1; then ok "cpack -G DEB"
else bad "cpack: $(tail -5 "$T/cpack.log")"; exit 1; fi
DEB=$(ls "$T"/deb/maat_"$VERSION"_*.deb 2>/dev/null | head -1)
[ -n "$DEB" ] && ok "package $(basename "$DEB")" || { bad "no maat_${VERSION}_*.deb in $T/deb"; exit 1; }

# ---- control ----
dpkg-deb -f "$DEB" Package Version Depends >"$T/control"
[ "$(dpkg-deb -f "$DEB" Package)" = maat ] && [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] \
    && ok "Package maat, Version $VERSION" || bad "control: $(cat "$T/control")"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
for d in libc6 libssl3 libjansson4 libmicrohttpd12 libcurl4 libsqlite3-0 libsystemd0 "adduser | systemd"; do
    echo "$DEPENDS" | tr ',' '\n' | sed 's/^ *//; s/ (.*//' | grep -qxF "$d" || bad "Depends lacks $d: $DEPENDS"
done
echo "$DEPENDS" | grep -q 'libssl3 (>= 3' && ok "Depends (dpkg-shlibdeps): $DEPENDS" || bad "Depends: $DEPENDS"
dpkg-deb -e "$DEB" "$T/ctl"
[ "$(cat "$T/ctl/conffiles")" = /etc/maat/maatd.conf ] && ok "conffile /etc/maat/maatd.conf" || bad "conffiles: $(cat "$T/ctl/conffiles")"
grep -q "^libmaat $MAJOR maat (>= $VERSION)" "$T/ctl/shlibs" && ok "shlibs: $(cat "$T/ctl/shlibs")" || bad "shlibs: $(cat "$T/ctl/shlibs" 2>/dev/null)"
sh -n "$T/ctl/postinst" && grep -q 'systemd-sysusers maat.conf' "$T/ctl/postinst" && grep -q 'adduser --system' "$T/ctl/postinst" \
    && grep -q ldconfig "$T/ctl/postinst" && ok "postinst: ldconfig, user maat (sysusers or adduser)" || bad "postinst"

# ---- contents ----
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$T/list"
for f in /usr/bin/maat /usr/bin/maatd /usr/lib/libmaat.so.$VERSION /usr/lib/libmaat.so.$MAJOR \
         /usr/lib/pkgconfig/maat.pc /usr/include/maat/token.h /usr/include/maat/version.h \
         /usr/share/man/man1/maat.1 /usr/share/man/man8/maatd.8 /usr/lib/systemd/system/maatd.service \
         /usr/lib/sysusers.d/maat.conf /usr/share/bash-completion/completions/maat /etc/maat/maatd.conf; do
    grep -qxF "$f" "$T/list" || bad "package lacks $f"
done
ok "package holds programs, library, headers, maat.pc, man pages, unit, sysusers, completion, conf"
grep -q '^/usr/local\|^/usr/etc' "$T/list" && bad "paths under /usr/local or /usr/etc" || ok "no /usr/local or /usr/etc paths"

# ---- extract and run ----
R="$T/root"
dpkg -x "$DEB" "$R" && ok "dpkg -x into a scratch root" || bad "dpkg -x"
grep -qx 'ExecStart=/usr/bin/maatd --config /etc/maat/maatd.conf' "$R/usr/lib/systemd/system/maatd.service" \
    && ok "unit: ExecStart=/usr/bin/maatd --config /etc/maat/maatd.conf" || bad "unit ExecStart: $(grep ExecStart "$R/usr/lib/systemd/system/maatd.service")"
export LD_LIBRARY_PATH="$R/usr/lib"
[ "$("$R/usr/bin/maat" --version)" = "maat $VERSION" ] && ok "extracted maat --version" || bad "maat --version: $("$R/usr/bin/maat" --version 2>&1)"
"$R/usr/bin/maatd" --help >"$T/help" 2>&1 && grep -q -- '--config FILE' "$T/help" && ok "extracted maatd --help" || bad "maatd --help: $(head -3 "$T/help")"
MAATD="$R/usr/bin/maatd"
. "$SRC/tests/lib/maatd.sh"
if maatd_start pkg --config "$R/etc/maat/maatd.conf" --store "$T/maatd.db"; then
    ok "extracted maatd with the packaged maatd.conf started: $URL_pkg"
    curl -fsS --max-time 10 "$URL_pkg/healthz" >"$T/healthz" 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q "\"version\": *\"$VERSION\"" "$T/healthz" && ok "/healthz: $(cat "$T/healthz")" \
        || bad "/healthz: curl $rc: $(cat "$T/healthz")"
    [ "$(stat -c %a "$T/maatd.db")" = 600 ] && ok "store created 0600" || bad "store mode $(stat -c %a "$T/maatd.db")"
    maatd_stop pkg
    [ "$STOP_RC" = 0 ] && ok "SIGTERM: exit 0" || bad "maatd stop: exit $STOP_RC; $(tail -3 "$T/pkg.log")"
else
    bad "extracted maatd did not start"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
