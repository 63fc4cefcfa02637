#! /bin/sh
# Usage: bench/replace-stall.sh BUILDDIR [N]
# The event loop's longest stall during large flow changes, as the
# slowest of the pings "nfvstest test-rpc stall" sends the daemon while
# the change runs: add-flows of N (default 200000) flows on an empty
# bridge, a replace of them that changes 10, and a replace by N others.
# Dummy datapath, in a temporary directory it removes.
set -e
build=$(cd "$1" && pwd)
n=${2:-200000}
dir=$(mktemp -d)
trap 'kill $(cat "$dir/nfvs-vswitchd.pid" 2>/dev/null) 2>/dev/null; rm -rf "$dir"' 0
export NFVS_RUNDIR=$dir NFVS_DBDIR=$dir
"$build/vswitchd/nfvs-vswitchd" --datapath=dummy --detach --pidfile \
    --log-file="$dir/log" -vconsole:off
"$build/utilities/nfvs-ctl" add-br br0
# params FIRST-OCTET ACTION [N-CHANGED CHANGED-ACTION]: flow.add/replace
# params of N flows.
params() {
    awk -v n="$n" -v a="$1" -v act="$2" -v nc="${3:-0}" -v cact="$4" 'BEGIN {
        printf "{\"bridge\":\"br0\",\"flows\":["
        for (i = 0; i < n; i++)
            printf "%s\"priority=100,ip,nw_dst=%d.%d.%d.%d,actions=%s\"",
                   i ? "," : "", a, int(i / 65536) % 256,
                   int(i / 256) % 256, i % 256, i < nc ? cact : act
        print "]}"
    }'
}
stall() {
    "$build/tests/nfvstest" test-rpc stall "$dir/nfvs-vswitchd.sock" "$1" \
        "$2" | sed -n 's/^slowest ping: //p'
}
params 10 output:1 > "$dir/add.json"
params 10 output:1 10 output:2 > "$dir/ten.json"
params 11 output:3 > "$dir/all.json"
echo "add-flows of $n flows, empty bridge: $(stall flow.add "$dir/add.json")"
echo "replace changing 10 of $n flows: $(stall flow.replace "$dir/ten.json")"
echo "replace of $n flows by $n others: $(stall flow.replace "$dir/all.json")"
