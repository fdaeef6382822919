# tests/lib/pg_roundtrips.sh - sourced: counts the round trips maatd makes to its PostgreSQL
# database during a window, as the server sees them (the attest hot path must make none:
# docs/deploy.md "Replicas"). Two server-side measures of database DB:
#   - pg_stat_activity: each backend's query_start (updated when a statement starts, at
#     once): a backend whose query_start moved, or a new backend, ran a statement;
#   - pg_stat_database: xact_commit + xact_rollback (every statement maatd runs is a
#     transaction). Backends publish these counters late (PostgreSQL 15: within 10 s of
#     going idle, at the latest when they exit), so the "before" read waits RT_SETTLE
#     seconds of idleness and the "after" read comes once maatd's backends have exited.
# Needs RT_PSQL: an array, the psql command (connected to another database of the server).
RT_SETTLE=${RT_SETTLE:-11}

# rt_activity DB FILE: "pid query_start backend_start" of DB's backends into FILE.
rt_activity() {
    "${RT_PSQL[@]}" -X -At -F ' ' -c "SELECT pid, extract(epoch FROM query_start), \
        extract(epoch FROM backend_start) FROM pg_stat_activity WHERE datname = '$1' \
        AND pid <> pg_backend_pid() ORDER BY pid" >"$2"
}

# rt_xacts DB: prints DB's xact_commit + xact_rollback.
rt_xacts() {
    "${RT_PSQL[@]}" -X -At -c "SELECT xact_commit + xact_rollback FROM pg_stat_database \
        WHERE datname = '$1'"
}

# rt_busy BEFORE AFTER: prints how many backends ran a statement between the two
# rt_activity files (query_start moved, or the backend is new).
rt_busy() {
    awk 'NR == FNR { q[$1] = $2; next } !($1 in q) || q[$1] != $2 { n++ } END { print n + 0 }' "$1" "$2"
}

# rt_wait_gone DB: waits (<= 20 s) until DB has no backends left (after maatd stopped).
rt_wait_gone() {
    local n
    for _ in $(seq 200); do
        n=$("${RT_PSQL[@]}" -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'")
        [ "$n" = 0 ] && { sleep 0.3; return 0; }
        sleep 0.1
    done
    return 1
}
