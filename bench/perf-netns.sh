#! /bin/bash
# bench/perf-netns.sh: nfvs's userspace datapath against a direct veth
# pair and the Linux bridge, between two network namespaces, in one run.
#
#   bench/perf-netns.sh [BUILDDIR]          (root; BUILDDIR: ./_build)
#
# Environment: DURATION (seconds per measurement, default 5), REPS
# (repetitions, default 3; the table shows the median).
#
# Three set-ups, each between namespaces pn-1 (10.0.0.1) and pn-2
# (10.0.0.2):
#   veth    one veth pair, pn-1 <-> pn-2;
#   bridge  two veth pairs into a Linux bridge in namespace pn-sw;
#   nfvs    the same two veth pairs as system ports of br0 of
#           nfvs-vswitchd --datapath=userspace in pn-sw (the default
#           NORMAL flow).
# Measurements (offloads left at their defaults):
#   UDP 64-byte kpps   iperf3 -u -l 64 -b 0; packets the receiver got/s;
#   TCP Gbit/s         iperf3, one stream, receiver side;
#   TCP conn/s         bench-connrate: sequential connect/close;
#   upcalls/s (nfvs)   bench-connrate udp-flows sends every datagram on a
#                      new 5-tuple; the daemon's handled-upcall counter
#                      before and after, over the elapsed time.
# Everything it creates (namespaces, daemon, temporary directory) is
# removed on exit, also on failure or ^C.  Not part of "make check".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
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
daemon_pid=
bg_pid=

teardown () {
    if [ -n "$bg_pid" ]; then
        kill "$bg_pid" 2>/dev/null
        wait "$bg_pid" 2>/dev/null
        bg_pid=
    fi
    if [ -n "$daemon_pid" ]; then
        kill "$daemon_pid" 2>/dev/null
        while kill -0 "$daemon_pid" 2>/dev/null; do
            sleep 0.1
        done
        daemon_pid=
    fi
    for ns in pn-1 pn-2 pn-sw; do
        ip netns del $ns 2>/dev/null
    done
    rm -f "$work/conf.json"
}

cleanup () {
    teardown
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in1 () { ip netns exec pn-1 "$@"; }
in2 () { ip netns exec pn-2 "$@"; }

# Creates pn-1 and pn-2 with loopback up, and a wide ephemeral port range
# and TIME_WAIT reuse in the client namespace pn-1.
make_ends () {
    ip netns add pn-1 && ip netns add pn-2 || return 1
    in1 ip link set lo up && in2 ip link set lo up || return 1
    in1 sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" \
        net.ipv4.tcp_tw_reuse=1
}

# address NS DEV N: gives DEV in NS address 10.0.0.N/24, up.
address () {
    ip netns exec $1 ip addr add 10.0.0.$3/24 dev $2 &&
    ip netns exec $1 ip link set $2 up
}

setup_veth () {
    make_ends &&
    ip link add e1 netns pn-1 type veth peer name e2 netns pn-2 &&
    address pn-1 e1 1 && address pn-2 e2 2
}

# Two veth pairs e1 (pn-1) <-> s1 and e2 (pn-2) <-> s2 (pn-sw, up).
two_pairs () {
    make_ends && ip netns add pn-sw || return 1
    ip link add e1 netns pn-1 type veth peer name s1 netns pn-sw &&
    ip link add e2 netns pn-2 type veth peer name s2 netns pn-sw &&
    address pn-1 e1 1 && address pn-2 e2 2 &&
    ip -n pn-sw link set s1 up && ip -n pn-sw link set s2 up
}

setup_bridge () {
    two_pairs &&
    ip -n pn-sw link add name pnbr type bridge &&
    ip -n pn-sw link set s1 master pnbr &&
    ip -n pn-sw link set s2 master pnbr &&
    ip -n pn-sw link set pnbr up
}

setup_nfvs () {
    two_pairs || return 1
    ip netns exec pn-sw "$vswitchd" --detach --pidfile \
        --log-file="$work/vswitchd.log" -vconsole:off \
        --datapath=userspace || return 1
    daemon_pid=$(cat "$work/nfvs-vswitchd.pid")
    "$ctl" add-br br0 && "$ctl" add-port br0 s1 && "$ctl" add-port br0 s2
}

# wait_listen NS PORT: waits (up to 5 s) until something listens on TCP
# or UDP port PORT in NS.
wait_listen () {
    local i
    for i in $(seq 50); do
        if ip netns exec $1 ss -Hltun "sport = :$2" | grep -q .; then
            return 0
        fi
        sleep 0.1
    done
    echo "$0: nothing listens on port $2 in $1" >&2
    return 1
}

# json_get FILE EXPR: prints the Python expression EXPR evaluated over the
# JSON document in FILE (as 'j').
json_get () {
    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# iperf3_run ARGS...: one iperf3 run from pn-1 to a one-shot server in
# pn-2; leaves the client's JSON in $work/iperf.json.
iperf3_run () {
    ip netns exec pn-2 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    bg_pid=$!
    wait_listen pn-2 5201 || return 1
    in1 iperf3 -c 10.0.0.2 -p 5201 -t "$dur" -J "$@" > "$work/iperf.json"
    wait "$bg_pid" 2>/dev/null
    bg_pid=
}

measure_udp () {
    iperf3_run -u -l 64 -b 0 || return 1
    json_get "$work/iperf.json" \
        "'%.1f' % ((j['end']['sum']['packets'] - j['end']['sum']['lost_packets']) / j['end']['sum']['seconds'] / 1000)"
}

measure_tcp () {
    iperf3_run || return 1
    json_get "$work/iperf.json" \
        "'%.2f' % (j['end']['sum_received']['bits_per_second'] / 1e9)"
}

measure_conn () {
    ip netns exec pn-2 "$gen" server 10.0.0.2 5300 >/dev/null 2>&1 &
    bg_pid=$!
    wait_listen pn-2 5300 || return 1
    in1 "$gen" client 10.0.0.2 5300 "$dur" | awk '{ print $6 }'
    kill "$bg_pid"
    wait "$bg_pid" 2>/dev/null
    bg_pid=
}

upcalls () {
    "$ctl" --format=json stats br0 > "$work/stats.json" &&
    json_get "$work/stats.json" "j['bridges'][0]['upcalls']"
}

measure_upcalls () {
    local before after t0 t1
    before=$(upcalls) || return 1
    t0=$(date +%s.%N)
    in1 "$gen" udp-flows 10.0.0.2 "$dur" > "$work/flows.out"
    # Let the handlers drain what is queued.
    sleep 0.5
    after=$(upcalls) || return 1
    t1=$(date +%s.%N)
    python3 -c "print('%.0f' % (($after - $before) / ($t1 - $t0)))"
}

median () {
    printf '%s\n' "$@" | sort -g |
        awk '{ a[NR] = $1 } END {
                 if (NR == 0) { print "-" }
                 else if (NR % 2) { print a[(NR + 1) / 2] }
                 else { print (a[NR / 2] + a[NR / 2 + 1]) / 2 } }'
}

declare -A result raw

# run_setup NAME: sets up NAME, measures, tears down.
run_setup () {
    local name=$1 m i v vals
    teardown
    if ! setup_$name; then
        echo "$0: setting up $name failed" >&2
        exit 1
    fi
    # Resolve addresses (and teach the switches the MACs) first.
    if ! in1 ping -q -c 3 -i 0.2 -W 2 10.0.0.2 >/dev/null; then
        echo "$0: $name: no connectivity" >&2
        exit 1
    fi
    for m in udp tcp conn; do
        vals=()
        for i in $(seq "$reps"); do
            v=$(measure_$m) || { echo "$0: $name $m failed" >&2; exit 1; }
            vals+=("$v")
            echo "  $name $m run $i: $v" >&2
        done
        raw[$name,$m]="${vals[*]}"
        result[$name,$m]=$(median "${vals[@]}")
    done
    result[$name,upcall]=-
    if [ $name = nfvs ]; then
        v=$(measure_upcalls) || exit 1
        echo "  $name upcall: $v/s ($(cat "$work/flows.out"))" >&2
        result[$name,upcall]=$v
        raw[$name,upcall]=$v
    fi
    teardown
}

ratio () {
    python3 -c "import sys
a, b = sys.argv[1], sys.argv[2]
print('-' if a == '-' or b == '-' or float(b) == 0
      else '%.2fx' % (float(a) / float(b)))" "$1" "$2"
}

echo "perf-netns: $reps x ${dur}s per measurement, median shown;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for setup in veth bridge nfvs; do
    echo "$setup:" >&2
    run_setup $setup
done

printf '\n%-22s %10s %10s %10s %12s %10s\n' \
       "" veth bridge nfvs bridge/veth nfvs/veth
for m in udp tcp conn upcall; do
    case $m in
        udp) label="UDP 64B rx kpps" ;;
        tcp) label="TCP Gbit/s" ;;
        conn) label="TCP conn/s" ;;
        upcall) label="upcalls/s" ;;
    esac
    v=${result[veth,$m]:--}
    b=${result[bridge,$m]:--}
    n=${result[nfvs,$m]:--}
    printf '%-22s %10s %10s %10s %12s %10s\n' "$label" "$v" "$b" "$n" \
           "$(ratio "$b" "$v")" "$(ratio "$n" "$v")"
done
echo
echo "runs: $(for k in "${!raw[@]}"; do echo "$k=[${raw[$k]}]"; done |
             sort | tr '\n' ' ')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" \
     "(other work on this machine makes the figures noisy)"
