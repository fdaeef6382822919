#!/usr/bin/env bash
# test_deb.sh - the Debian packages (CPack DEB, what `make deb` runs) from the build tree,
# into a temporary directory: exactly four, libmaat<major>, libmaat-dev, maatd and maat;
# each one's control fields (Depends between them and from dpkg-shlibdeps, the dlopen'ed
# libraries of maat, conffiles, shlibs, postinst), each one's file list (nothing in two
# packages, every file `cmake --install` installs in one); then `dpkg -x` of the set into
# a scratch root and run from there: `maat --version`, `maatd --help`, maatd itself with
# the packaged /etc/maat/maatd.conf (listen and store overridden) answering /healthz, and
# the relying-party example built with pkg-config against libmaat-dev and run on
# libmaat<major>; maat and maatd each run from a root holding only their own package.
# Bounded: no network beyond 127.0.0.1, < 60 s.
set -u
. "${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
BIN="${MAAT_BIN:-}"
SRC="${MAAT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}"
V="${MAAT_VECTORS:-../shared/vectors}/maa-recordings"
BUILD=$(cd "$BIN/.." 2>/dev/null && pwd)
if [ ! -x "$BIN/maat" ] || [ ! -x "$BIN/maatd" ]; then echo "SKIPPED: maat/maatd not built (set MAAT_BIN)"; exit 77; fi
for t in cpack cmake dpkg-deb dpkg-shlibdeps curl readelf cc pkg-config python3; do
    command -v $t >/dev/null || { echo "SKIPPED: $t needed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/maat-pkg-deb-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
VERSION=$(sed -n 's/^project(maat VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
MAJOR=${VERSION%%.*}
LIBPKG=libmaat$MAJOR
PKGS="$LIBPKG libmaat-dev maatd maat"

# ---- build the packages (as `make deb`, but into $T) ----
if (cd "$BUILD" && cpack -G DEB -B "$T/deb") >"$T/cpack.log" 2>&1; then ok "cpack -G DEB"
else bad "cpack: $(tail -5 "$T/cpack.log")"; exit 1; fi
ARCH=$(dpkg-deb -f "$(ls "$T"/deb/*.deb | head -1)" Architecture)
want_debs=$(for p in $PKGS; do echo "${p}_${VERSION}_${ARCH}.deb"; done | LC_ALL=C sort)
have_debs=$(cd "$T/deb" && ls *.deb | LC_ALL=C sort)
[ "$want_debs" = "$have_debs" ] && ok "packages: $(echo $have_debs)" \
    || { bad "packages: want $(echo $want_debs), have $(echo $have_debs)"; exit 1; }
deb() { echo "$T/deb/${1}_${VERSION}_${ARCH}.deb"; }

# ---- control: name, version, Depends ----
deps() { dpkg-deb -f "$(deb "$1")" Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$'; }
dep_names() { deps "$1" | sed 's/ (.*//'; }
has_dep() { dep_names "$1" | grep -qxF "$2"; }
for p in $PKGS; do
    [ "$(dpkg-deb -f "$(deb $p)" Package)" = "$p" ] && [ "$(dpkg-deb -f "$(deb $p)" Version)" = "$VERSION" ] \
        || bad "$p: control $(dpkg-deb -f "$(deb $p)" Package Version | tr '\n' ' ')"
    dpkg-deb -e "$(deb $p)" "$T/ctl-$p"
    dpkg-deb -c "$(deb $p)" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | LC_ALL=C sort >"$T/list-$p"
done
ok "each package: Package and Version $VERSION"
# libmaat-dev needs the library of exactly its version (the .so link points into it) and
# the -dev packages maat.pc's Requires name.
deps libmaat-dev | grep -qxF "$LIBPKG (= $VERSION)" && has_dep libmaat-dev libssl-dev && has_dep libmaat-dev libjansson-dev \
    && ok "libmaat-dev Depends: $(deps libmaat-dev | tr '\n' ' ')" || bad "libmaat-dev Depends: $(deps libmaat-dev | tr '\n' ' ')"
deps $LIBPKG | grep -q '^libssl3 (>= 3' && has_dep $LIBPKG libc6 && has_dep $LIBPKG libjansson4 \
    && ok "$LIBPKG Depends (dpkg-shlibdeps): $(deps $LIBPKG | tr '\n' ' ')" || bad "$LIBPKG Depends: $(deps $LIBPKG | tr '\n' ' ')"
miss=""
for d in libc6 libssl3 libjansson4 libmicrohttpd12 libcurl4 libsqlite3-0 libpq5 libsystemd0 "adduser | systemd"; do
    has_dep maatd "$d" || miss="$miss $d"
done
[ -z "$miss" ] && deps maatd | grep -q '^libssl3 (>= 3' && ok "maatd Depends: $(deps maatd | tr '\n' ' ')" \
    || bad "maatd Depends lacks$miss: $(deps maatd | tr '\n' ' ')"
# maat loads libcurl, libpq and libmicrohttpd with dlopen (src/cli/lazy_libs.c): dpkg-shlibdeps
# cannot see them, the package must still name them.
miss=""
for d in libc6 libssl3 libjansson4 libcurl4 libpq5 libmicrohttpd12; do has_dep maat "$d" || miss="$miss $d"; done
[ -z "$miss" ] && ok "maat Depends (with the dlopen'ed libraries): $(deps maat | tr '\n' ' ')" \
    || bad "maat Depends lacks$miss: $(deps maat | tr '\n' ' ')"
# maat and maatd link the static libmaat.a: they neither load nor depend on libmaat.so.
for p in maat maatd; do
    dep_names $p | grep -qE '^(libmaat|maat|maatd)' && bad "$p depends on one of the set: $(deps $p | tr '\n' ' ')"
    readelf -d "$BIN/$p" | grep -q 'NEEDED.*libmaat' && bad "$p needs libmaat.so"
done
dep_names $LIBPKG | grep -qE '^(libmaat-dev|maat|maatd)$' && bad "$LIBPKG depends on: $(deps $LIBPKG | tr '\n' ' ')"
ok "maat and maatd do not depend on $LIBPKG (static libmaat), $LIBPKG on none of the set"

# ---- control files ----
[ "$(cat "$T/ctl-maatd/conffiles" 2>/dev/null)" = /etc/maat/maatd.conf ] && ok "maatd conffiles: /etc/maat/maatd.conf" \
    || bad "maatd conffiles: $(cat "$T/ctl-maatd/conffiles" 2>/dev/null)"
for p in $LIBPKG libmaat-dev maat; do [ -e "$T/ctl-$p/conffiles" ] && bad "$p has conffiles: $(cat "$T/ctl-$p/conffiles")"; done
[ "$(cat "$T/ctl-$LIBPKG/shlibs" 2>/dev/null)" = "libmaat $MAJOR $LIBPKG (>= $VERSION)" ] && ok "shlibs: $(cat "$T/ctl-$LIBPKG/shlibs")" \
    || bad "shlibs: $(cat "$T/ctl-$LIBPKG/shlibs" 2>/dev/null)"
for p in libmaat-dev maatd maat; do [ -e "$T/ctl-$p/shlibs" ] && bad "$p has a shlibs file"; done
sh -n "$T/ctl-$LIBPKG/postinst" && grep -q ldconfig "$T/ctl-$LIBPKG/postinst" && grep -q ldconfig "$T/ctl-$LIBPKG/postrm" \
    && ok "$LIBPKG postinst/postrm: ldconfig" || bad "$LIBPKG postinst/postrm"
sh -n "$T/ctl-maatd/postinst" && grep -q 'systemd-sysusers maat.conf' "$T/ctl-maatd/postinst" && grep -q 'adduser --system' "$T/ctl-maatd/postinst" \
    && ok "maatd postinst: user maat (sysusers or adduser)" || bad "maatd postinst"
for p in libmaat-dev maat; do [ -e "$T/ctl-$p/postinst" ] && bad "$p has a postinst"; done

# ---- contents: each package's files, nothing in two, everything installed in one ----
expect() { # expect PKG PATH...: the package holds exactly these files and symlinks
    local p=$1; shift
    local want; want=$(printf '%s\n' "$@" | LC_ALL=C sort)
    [ "$want" = "$(cat "$T/list-$p")" ] && ok "$p holds: $(echo $want | cut -c1-200)" \
        || bad "$p contents differ (-want +have): $(diff <(echo "$want") "$T/list-$p" | grep '^[<>]' | tr '\n' ' ')"
}
expect $LIBPKG /usr/lib/libmaat.so.$MAJOR /usr/lib/libmaat.so.$VERSION
expect libmaat-dev /usr/lib/libmaat.so /usr/lib/pkgconfig/maat.pc /usr/share/doc/maat/library.md \
    /usr/share/doc/maat/examples/relying-party/README.md /usr/share/doc/maat/examples/relying-party/relying_party.c \
    $( (cd "$SRC/include" && ls maat/*.h; echo maat/version.h) | sed 's|^|/usr/include/|')
expect maatd /usr/bin/maatd /usr/share/man/man8/maatd.8 /usr/lib/systemd/system/maatd.service \
    /usr/lib/sysusers.d/maat.conf /etc/maat/maatd.conf
expect maat /usr/bin/maat /usr/share/man/man1/maat.1 /usr/share/bash-completion/completions/maat
dups=$(for p in $PKGS; do cat "$T/list-$p"; done | LC_ALL=C sort | uniq -d)
[ -z "$dups" ] && ok "no file in two packages" || bad "in two packages: $(echo $dups)"
if DESTDIR="$T/stage" cmake --install "$BUILD" --prefix /usr >"$T/stage.log" 2>&1; then
    (cd "$T/stage" && find . \( -type f -o -type l \) | sed 's|^\.||') | LC_ALL=C sort >"$T/installed"
    for p in $PKGS; do cat "$T/list-$p"; done | LC_ALL=C sort -u >"$T/packaged"
    orphans=$(LC_ALL=C comm -23 "$T/installed" "$T/packaged")
    [ -z "$orphans" ] && [ -s "$T/installed" ] && ok "every one of the $(wc -l <"$T/installed") installed files is in a package" \
        || bad "installed but in no package: $(echo $orphans)"
    extra=$(LC_ALL=C comm -13 "$T/installed" "$T/packaged")
    [ -z "$extra" ] || bad "packaged but not installed by cmake --install: $(echo $extra)"
else bad "cmake --install (DESTDIR, /usr): $(tail -3 "$T/stage.log")"; fi
grep -h '^/usr/local\|^/usr/etc' "$T"/list-* && bad "paths under /usr/local or /usr/etc" || ok "no /usr/local or /usr/etc paths"

# ---- each program from a root holding only its own package (static libmaat) ----
for p in maat maatd; do
    dpkg -x "$(deb $p)" "$T/only-$p"
    out=$(env -u LD_LIBRARY_PATH "$T/only-$p/usr/bin/$p" --version 2>&1)
    [ "$out" = "$p $VERSION" ] && ok "$p --version from a root with only the $p package" || bad "$p alone: $out"
done

# ---- the set extracted into one scratch root, run from there ----
R="$T/root"
for p in $PKGS; do dpkg -x "$(deb $p)" "$R" || bad "dpkg -x $p"; done
ok "dpkg -x of the four packages into a scratch root"
grep -qx 'ExecStart=/usr/bin/maatd --config /etc/maat/maatd.conf' "$R/usr/lib/systemd/system/maatd.service" \
    && ok "unit: ExecStart=/usr/bin/maatd --config /etc/maat/maatd.conf" || bad "unit ExecStart: $(grep ExecStart "$R/usr/lib/systemd/system/maatd.service")"
[ "$(readlink "$R/usr/lib/libmaat.so")" = "libmaat.so.$MAJOR" ] && [ -f "$R/usr/lib/libmaat.so.$VERSION" ] \
    && ok "libmaat-dev's libmaat.so -> $LIBPKG's libmaat.so.$MAJOR" || bad "libmaat.so link: $(readlink "$R/usr/lib/libmaat.so")"
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

# ---- libmaat-dev + libmaat<major>: the example, built with pkg-config, run ----
SAN=""
grep -qx 'MAAT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" && SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
export PKG_CONFIG_PATH="$R/usr/lib/pkgconfig"
# shellcheck disable=SC2046,SC2086
if cc -std=c11 -Wall -Wextra -Werror $SAN -o "$T/relying-party" "$R/usr/share/doc/maat/examples/relying-party/relying_party.c" \
      $(pkg-config --cflags --libs maat) 2>"$T/cc.err"; then
    ok "the example builds with pkg-config against the extracted libmaat-dev"
else bad "example: $(head -5 "$T/cc.err")"; fi
export LD_LIBRARY_PATH="$R/usr/lib"
ldd "$T/relying-party" 2>/dev/null | grep -q "libmaat.so.$MAJOR => $R/usr/lib/" && ok "the example loads $LIBPKG's libmaat.so.$MAJOR" \
    || bad "example links: $(ldd "$T/relying-party" 2>&1 | grep maat)"
if [ -d "$V/attest" ]; then
    jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
    jget "$V/attest/sgx-shared-plain.response.json" 'd["body"]["token"]' >"$T/token.jwt"
    jget "$V/metadata/certs-shared.response.json" 'json.dumps(d["body"])' >"$T/certs.json"
    "$T/relying-party" "$T/token.jwt" "$T/certs.json" https://sharedwus.wus.attest.azure.net 1668716907 >"$T/rp.out" 2>&1; rc=$?
    [ $rc -eq 0 ] && grep -q '^token valid: iss https://sharedwus' "$T/rp.out" && ok "the example validates a recorded MAA token" \
        || bad "example on the recorded token: exit $rc: $(cat "$T/rp.out")"
else
    echo "*** SKIPPED: the example's token check (vectors not at $V) ***"
fi
unset LD_LIBRARY_PATH

echo "$fails failure(s)"
[ $fails -eq 0 ]
