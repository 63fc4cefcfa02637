#! /bin/bash
# bench/perf-netns.sh: nfvs's userspace datapath against a direct veth
# pair and the Linux bridge, between two network namespaces, in one run.
#
#   bench/perf-netns.sh [--conntrack] [BUILDDIR]   (root; BUILDDIR: ./_build)
#
# Environment: DURATION (seconds per measurement, default 5), REPS
# (repetitions, default 3; the table shows the median).
#
# Default mode: set-ups veth, bridge and nfvs (see bench/perf-lib.sh);
# UDP 64-byte kpps, TCP Gbit/s, sequential TCP conn/s on each, and
# upcalls/s on nfvs (bench-connrate udp-flows sends every datagram on a
# new 5-tuple; the daemon's handled-upcall counter before and after, over
# the elapsed time).
#
# --conntrack: new TCP connections per second, sequential and with 32
# clients at once, through veth, nfvs (NORMAL) and nfvs_ct (the stateful
# policy: table 0 sends untracked IP through ct(table=1), table 1 commits
# new connections from port 1 and passes established and related ones),
# with the ratios to veth and of nfvs_ct to nfvs, and on nfvs the upcalls
# handled per connection of a sequential run (the daemon's counters).
#
# Offloads are left at their defaults.  Everything it creates
# (namespaces, daemon, temporary directory) is removed on exit, also on
# failure or ^C.  Not part of "make check".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
mode=basic
if [ "${1:-}" = --conntrack ]; then
    mode=conntrack
    shift
fi
build=$(cd "${1:-$top/_build}" && pwd) || exit 1
dur=${DURATION:-5}
reps=${REPS:-3}
ctl=$build/utilities/nfvs-ctl
vswitchd=$build/vswitchd/nfvs-vswitchd
gen=$build/bench/bench-connrate

for prog in "$ctl" "$vswitchd" "$gen"; do
    if [ ! -x "$prog" ]; then
        echo "$0: $prog not built (make in $build)" >&2
        exit 1
    fi
done
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root" >&2
    exit 1
fi
for cmd in iperf3 python3 ip; do
    if ! command -v $cmd >/dev/null; then
        echo "$0: $cmd is needed" >&2
        exit 1
    fi
done

work=$(mktemp -d /tmp/perf-netns.XXXXXX)
export NFVS_RUNDIR=$work NFVS_DBDIR=$work
datapath=userspace
daemon_pid=
bg_pid=
. "$top/bench/perf-lib.sh"

cleanup () {
    teardown
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "perf-netns ($mode): $reps x ${dur}s per measurement, median shown;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [ $mode = basic ]; then
    for setup in veth bridge; do
        echo "$setup:" >&2
        run_setup $setup udp tcp conn
    done
    echo "nfvs:" >&2
    run_setup nfvs udp tcp conn upcalls
    echo
    print_table "veth bridge nfvs" "udp tcp conn upcalls" \
                "bridge/veth nfvs/veth"
    echo "upcalls: $(tail -n 1 "$work/upcalls-nfvs.txt")"
else
    echo "veth:" >&2
    run_setup veth conn conn32
    for setup in nfvs nfvs_ct; do
        echo "$setup:" >&2
        run_setup $setup upconn conn conn32
    done
    echo
    print_table "veth nfvs nfvs_ct" "conn conn32 upconn" \
                "nfvs/veth nfvs_ct/veth nfvs_ct/nfvs"
fi
echo
print_runs
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" \
     "(other work on this machine makes the figures noisy)"
