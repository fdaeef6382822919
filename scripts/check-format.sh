#!/usr/bin/env bash
# check-format.sh - the C files a change adds follow .clang-format (clang-format 14):
#   scripts/check-format.sh [BASE]     (BASE: the commit the change starts from; default main)
# Only files added since BASE are checked: the tree itself has not been reformatted (the lead
# decides that). Exit 0: all added files are formatted; 1: some are not (the diff is printed);
# 2: clang-format or BASE missing (a check that could not run is a failure).
set -u
base=${1:-main}
cf=$(command -v clang-format-14 || command -v clang-format) || { echo "check-format: clang-format not installed" >&2; exit 2; }
cd "$(dirname "$0")/.." || exit 2
git rev-parse --verify -q "$base" >/dev/null || { echo "check-format: no commit $base" >&2; exit 2; }
rc=0
while IFS= read -r f; do
    [ -f "$f" ] || continue
    if ! "$cf" --style=file "$f" | diff -u "$f" - >/tmp/check-format.$$ 2>&1; then
        echo "check-format: $f is not formatted:"; cat /tmp/check-format.$$; rc=1
    fi
done < <(git diff --name-only --diff-filter=A "$base" -- '*.c' '*.h')
rm -f /tmp/check-format.$$
exit $rc
