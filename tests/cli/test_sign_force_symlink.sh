#!/usr/bin/env bash
# test_sign_force_symlink.sh - issue 12 item 4: `maat sign create-cert --force` used to
# open the outputs with O_TRUNC and so wrote the new private key through a symlink into
# whatever file it pointed at. Now --force replaces the link itself (temporary file +
# rename) and leaves the target untouched; without --force a symlink (even dangling) is
# an existing file and is refused. Keys come out 0600 either way.
set -u
. "${MAAT_SOURCE:-$(dirname "$0")/../..}/tests/lib/common.sh"
need maat
tmpdir cli-symlink
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# a victim file the links point at (as if /etc/something of the caller)
printf 'victim key\n' >"$T/victim.key"
printf 'victim cert\n' >"$T/victim.pem"
chmod 0644 "$T/victim.key" "$T/victim.pem"
ln -s "$T/victim.key" "$T/link.key"
ln -s "$T/victim.pem" "$T/link.pem"

# without --force: refused, nothing written through the links
"$MAAT" sign create-cert --key-out "$T/link.key" --cert-out "$T/new.pem" --alg p256 >"$T/o1" 2>&1
check "create-cert onto a key symlink without --force: refused" [ $? -ne 0 ]
check "  victim key untouched" [ "$(cat "$T/victim.key")" = "victim key" ]
ln -s "$T/absent.key" "$T/dangling.key"
"$MAAT" sign create-cert --key-out "$T/dangling.key" --cert-out "$T/new2.pem" --alg p256 >"$T/o2" 2>&1
check "create-cert onto a dangling symlink without --force: refused" [ $? -ne 0 ]
check "  dangling target not created" [ ! -e "$T/absent.key" ]

# --force: the links are replaced by regular files; the targets keep their bytes and modes
"$MAAT" sign create-cert --key-out "$T/link.key" --cert-out "$T/link.pem" --alg p256 --force >"$T/o3" 2>&1
rc=$?
check "create-cert --force over symlinks: exit 0 ($rc)" [ $rc -eq 0 ]
check "  victim key untouched" [ "$(cat "$T/victim.key")" = "victim key" ]
check "  victim cert untouched" [ "$(cat "$T/victim.pem")" = "victim cert" ]
check "  victim modes unchanged" [ "$(stat -c %a "$T/victim.key")" = 644 ]
check "  key path is now a regular file, not a link" test -f "$T/link.key" -a ! -L "$T/link.key"
check "  cert path is now a regular file, not a link" [ ! -L "$T/link.pem" ]
check "  new key is mode 0600" [ "$(stat -c %a "$T/link.key")" = 600 ]
check "  new key is a PEM private key" grep -q "BEGIN PRIVATE KEY" "$T/link.key"
check "  new cert is a PEM certificate" grep -q "BEGIN CERTIFICATE" "$T/link.pem"
check "  no temporary files left" [ -z "$(ls "$T" | grep '\.tmp-')" ]

# --force over a regular key file (0644 left by someone) replaces it with a 0600 key
printf 'old\n' >"$T/plain.key"; chmod 0644 "$T/plain.key"
"$MAAT" sign create-cert --key-out "$T/plain.key" --cert-out "$T/plain.pem" --alg p256 --force >"$T/o4" 2>&1
check "create-cert --force over a regular file: exit 0" [ $? -eq 0 ]
check "  replaced key is mode 0600" [ "$(stat -c %a "$T/plain.key")" = 600 ]

if [ $fails -ne 0 ]; then echo "$fails FAILED"; exit 1; fi
echo "all passed"
