#! /bin/sh
# Usage: bench/add-flows.sh BUILDDIR [N]
# Times "nfvs-ctl add-flows" of N (default 100000) distinct flows into a
# fresh daemon on the dummy datapath, and prints the daemon's memory
# before and after.  Runs in a temporary directory it removes.
set -e
build=$(cd "$1" && pwd)
n=${2:-100000}
dir=$(mktemp -d)
trap 'kill $(cat "$dir/nfvs-vswitchd.pid" 2>/dev/null) 2>/dev/null; rm -rf "$dir"' 0
export NFVS_RUNDIR=$dir NFVS_DBDIR=$dir
"$build/vswitchd/nfvs-vswitchd" --datapath=dummy --detach --pidfile \
    --log-file="$dir/log" -vconsole:off
ctl=$build/utilities/nfvs-ctl
$ctl add-br br0
awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "priority=%d,tcp,nw_dst=10.%d.%d.%d,tp_dst=%d,actions=output:1\n",
           i % 100 + 1, int(i / 65536) % 256, int(i / 256) % 256, i % 256,
           i % 1000 + 1 }' > "$dir/flows.txt"
rss() { awk '/VmRSS/ { print $2 " kB" }' /proc/$(cat "$dir/nfvs-vswitchd.pid")/status; }
echo "daemon RSS before: $(rss)"
start=$(date +%s.%N)
$ctl add-flows br0 "$dir/flows.txt"
end=$(date +%s.%N)
echo "add-flows of $n flows: $(echo "$end - $start" | bc) s"
echo "daemon RSS after: $(rss)"
echo "flows: $($ctl dump-flows br0 --no-stats | wc -l)"
echo "config db: $(du -k "$dir/conf.json" | cut -f1) kB"
