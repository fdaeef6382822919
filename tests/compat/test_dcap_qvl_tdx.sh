#!/usr/bin/env bash
# test_dcap_qvl_tdx.sh - cross-checks `maat verify` on TD quotes against the npm peer
# @phala/dcap-qvl (pinned in tests/compat/package.json) on the real TDX vectors and the simulated
# platform's TD quotes; side-by-side table (tests/compat/dcap_qvl_tdx_compare.mjs).
# ctest: compat_test_dcap_qvl_tdx, env MAAT_BIN, MAAT_VECTORS, MAAT_SOURCE. Exit 77 = skipped
# (no node/npm, no node_modules: run `npm ci --prefix tests/compat`, or no vectors).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MAAT_SOURCE:-$(cd "$here/../.." && pwd)}
compat=$src/tests/compat
bin=${MAAT_BIN:-$src/build/bin}
vectors=${MAAT_VECTORS:-$src/../shared/vectors}

skip() {
  echo "*** SKIPPED compat_test_dcap_qvl_tdx: $* ***"
  exit 77
}

command -v node >/dev/null 2>&1 || skip "node is not installed (scripts/install-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (scripts/install-deps.sh installs it)"
[ -f "$compat/node_modules/@phala/dcap-qvl/package.json" ] ||
  skip "$compat/node_modules is missing: run 'npm ci --prefix tests/compat --no-audit --no-fund'"
for f in tdx_quote tdx_quote_collateral.json \
         tdx_quote_outdated tdx_quote_outdated_collateral.json; do
  [ -f "$vectors/dcap-qvl/$f" ] || skip "vector $vectors/dcap-qvl/$f is missing (set MAAT_VECTORS)"
done
[ -x "$bin/maat" ] || { echo "FAIL: $bin/maat is not built" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/maat-compat.XXXXXX")
trap 'rm -rf "$work"' EXIT

MAAT_BIN=$bin MAAT_VECTORS=$(cd "$vectors" && pwd) node "$compat/dcap_qvl_tdx_compare.mjs" "$work"
