#!/usr/bin/env bash
# Command 2 of the README: install what is missing, build everything with AddressSanitizer and
# UndefinedBehaviorSanitizer, run every test (unit, integration, fuzz smoke, benchmark smoke),
# and end with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

dir=${SMEMATCH_TEST_BUILD:-build-test}
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized \
    >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$dir" || { echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C "$dir" --print-errorlogs --num-processes 2 "$@"
rc=$?

# Meson's own summary is not read by CI: count from its JSON log.
/usr/bin/python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
except OSError:
    failed = 1
print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
PY
exit $rc
