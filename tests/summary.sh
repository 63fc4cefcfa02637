#! /bin/sh
# Usage: summary.sh TESTSUITE.LOG...
# Prints "N passed, M failed, K skipped" for the autotest logs given and
# exits non-zero if any test failed or a log is missing.
passed=0 failed=0 skipped=0 status=0
for log in "$@"; do
    if [ ! -f "$log" ]; then
        echo "summary: $log: missing (counted as a failure)" >&2
        failed=$((failed + 1))
        status=1
        continue
    fi
    # Autotest logs one "NN. TITLE (FILE.at:LINE): RESULT" line per test.
    eval "$(awk '
        /^[0-9]+\. .*\([^()]*\.at:[0-9]+\): / {
            r = $0; sub(/^.*\([^()]*\.at:[0-9]+\): /, "", r)
            if (r ~ /^ok/ || r ~ /^expected failure/) p++
            else if (r ~ /^skipped/) s++
            else f++
        }
        END { printf "p=%d f=%d s=%d\n", p, f, s }' "$log")"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
