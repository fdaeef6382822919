#!/usr/bin/env bash
# test_maatd_collateral_wait_tdx_holds_no_thread.sh - regression test for "a TdxVm request
# waiting for TDX collateral holds a worker thread" (issue 15 item I.2): as
# test_maatd_collateral_wait_holds_no_thread.sh, but with simulated TD quotes on
# POST /attest/TdxVm (the TDX collateral cache, d->cache_tdx). With a stalled PCCS and more
# first-seen TdxVm attestations waiting for the fetch than maatd has worker threads
# (--threads 2, 6 requests), /healthz on the MAIN listener still answers at once and every
# waiting request gets MAA's 503 at its deadline. Then, with a PCCS that answers after 1.5 s,
# waiting requests are served (200, a token) as soon as the fetch completes. Before the fix
# the TDX lookups waited on the worker threads: /healthz stalled behind them.
CWAIT_TEE=tdx exec bash "$(dirname "$0")/test_maatd_collateral_wait_holds_no_thread.sh" "$@"
