#!/usr/bin/env bash
# Runs every meson test suite and ends with one summary line of our own:
# "N passed, N failed, N skipped". Exits non-zero if anything failed or if
# nothing ran at all.
set -uo pipefail
build=${1:-build}
meson test -C "$build" --print-errorlogs --no-rebuild "${@:2}"
status=$?
log="$build/meson-logs/testlog.json"
read -r passed failed skipped < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
