#! /bin/sh
# Usage: fuzz-check.sh CORPUS-DIR BIN-DIR WORK-DIR SECONDS FLAGS TARGET...
# Runs each libFuzzer program BIN-DIR/fuzz-TARGET for SECONDS from a copy
# of CORPUS-DIR/TARGET in WORK-DIR/TARGET/corpus, with the extra libFuzzer
# options FLAGS.  A target passes when the run ends without finding a
# crash, a leak, undefined behaviour or a timeout; a failing input is kept
# in WORK-DIR/TARGET/ and printed.  Prints one line per target, then
# "N passed, M failed, 0 skipped", which it also writes to
# WORK-DIR/result.counts; exits non-zero if a target failed.
corpus=$1 bindir=$2 work=$3 seconds=$4 flags=$5
shift 5
passed=0 failed=0

mkdir -p "$work"
for target in "$@"; do
    dir=$work/$target
    rm -rf "$dir"
    mkdir -p "$dir/corpus"
    if [ -d "$corpus/$target" ]; then
        cp "$corpus/$target"/* "$dir/corpus/" 2> /dev/null
    fi
    # -timeout: an input running for 10 s is a hang.  -rss_limit_mb:
    # libFuzzer's own default, stated.  $flags may override either.
    # shellcheck disable=SC2086
    "$bindir/fuzz-$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/" $flags "$dir/corpus" \
        > "$dir/fuzz.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/fuzz.log")
    artifacts=$(find "$dir" -maxdepth 1 -type f \
                     \( -name 'crash-*' -o -name 'leak-*' \
                        -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    if [ "$rc" -eq 0 ] && [ -z "$artifacts" ]; then
        echo "fuzz-$target: ok (${execs:-?} runs, ${rate:-?}/s)"
        passed=$((passed + 1))
    else
        echo "fuzz-$target: FAILED (exit status $rc; log: $dir/fuzz.log)"
        tail -60 "$dir/fuzz.log"
        for f in $artifacts; do
            echo "--- $f (add it to tests/fuzz-corpus/$target/ once fixed)"
            od -A d -c "$f" | head -40
        done
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed, 0 skipped" | tee "$work/result.counts"
[ "$failed" -eq 0 ]
