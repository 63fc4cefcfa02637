#! /bin/sh
# Usage: summary.sh LOG...
# Prints "N passed, M failed, K skipped" for the logs given and exits
# non-zero if any test failed or a log is missing.  A LOG is an autotest
# log, or a FILE.counts holding one "N passed, M failed, K skipped" line
# (what tests/vm/vm-run writes for make check-kernel).
passed=0 failed=0 skipped=0 status=0

is_count() {
    case $1 in
    ''|*[!0-9]*) return 1 ;;
    esac
}

for log in "$@"; do
    if [ ! -f "$log" ]; then
        echo "summary: $log: missing (counted as a failure)" >&2
        failed=$((failed + 1))
        status=1
        continue
    fi
    case $log in
    *.counts)
        read -r p w1 f w2 s w3 rest < "$log"
        if is_count "$p" && is_count "$f" && is_count "$s" && \
                [ "$w1 $w2 $w3" = "passed, failed, skipped" ] && \
                [ -z "$rest" ]; then
            passed=$((passed + p)) failed=$((failed + f))
            skipped=$((skipped + s))
        else
            echo "summary: $log: malformed (counted as a failure)" >&2
            failed=$((failed + 1))
        fi
        continue
        ;;
    esac
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
