#!/usr/bin/env bash
# vectors_present.sh - fails when the shared vectors the tests read are missing or
# incomplete. With MAAT_REQUIRE_VECTORS=1 (CI) this is a failure; otherwise the test is
# reported as skipped (exit 77), loudly, so a developer without ../shared still sees it.
set -u
V=${MAAT_VECTORS:-../shared/vectors}
need=(
  azure-samples/intel-sdk azure-samples/oe-sdk azure-samples/policies
  dcap-qvl/sgx_quote dcap-qvl/sgx_quote_collateral.json dcap-qvl/tdx_quote
  intel-collateral-00906ed50000/README.md
  intel-qvl-sample/quote.dat intel-qvl-sample/tcbInfo.json intel-qvl-sample/tdx
  maa-recordings/attest maa-recordings/certificates maa-recordings/metadata
  maa-recordings/policy openenclave-negative tdx/tdx_prod_quote_SPR_E4.dat
)
missing=()
for n in "${need[@]}"; do [ -e "$V/$n" ] || missing+=("$n"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "vectors_present: all ${#need[@]} vector paths found under $V"
  echo "1 passed, 0 failed"
  exit 0
fi
echo "*** vectors missing under '$V': ${missing[*]} (set MAAT_VECTORS) ***"
case "${MAAT_REQUIRE_VECTORS:-0}" in
  0|"") exit 77 ;;
  *) echo "vectors_present: FAILED (MAAT_REQUIRE_VECTORS=1)"; exit 1 ;;
esac
