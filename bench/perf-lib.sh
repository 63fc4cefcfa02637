# bench/perf-lib.sh: set-ups and measurements shared by bench/perf-netns.sh
# (host, userspace datapath) and bench/kernel-perf.sh (VM, nfvs.ko).
# Sourced, not run.  The caller sets:
#   work      a scratch directory (NFVS_RUNDIR/NFVS_DBDIR point there)
#   dur reps  seconds per measurement, repetitions (median shown)
#   datapath  userspace or kernel (nfvs-vswitchd --datapath=)
#   ctl vswitchd gen dpctl   nfvs-ctl, nfvs-vswitchd, bench-connrate,
#             nfvs-dpctl (dpctl only for the kernel datapath)
#   daemon_args (optional) more nfvs-vswitchd options
#
# Set-ups, each between namespaces $ns1 (10.0.0.1) and $ns2 (10.0.0.2),
# named after the process id so that runs on one machine do not meet:
#   veth     one veth pair, $ns1 <-> $ns2;
#   bridge   two veth pairs into a Linux bridge in namespace $nssw;
#   nfvs     the same two veth pairs as system ports s1 (port 1) and s2
#            (port 2) of br0 of nfvs-vswitchd in $nssw, default NORMAL
#            flow;
#   nfvs_ct  the same with the stateful policy of ct_flows below instead:
#            new connections only from $ns1, established and related both
#            ways, ARP switched, other IP dropped.
ns1=pn$$-1
ns2=pn$$-2
nssw=pn$$-sw
# Measurements (each prints one number):
#   udp      UDP 64-byte kpps: iperf3 -u -l 64 -b 0, packets the receiver
#            got per second;
#   tcp      TCP Gbit/s: iperf3, one stream, receiver side;
#   conn     TCP conn/s: bench-connrate, sequential connect/close;
#   conn32   TCP conn/s with 32 clients connecting at once;
#   upcalls  (nfvs set-ups) bench-connrate udp-flows, every datagram on a
#            new 5-tuple; upcalls the daemon handled per second, with the
#            counters' deltas left in $work/upcalls.txt.

teardown () {
    if [ -n "${bg_pid:-}" ]; then
        kill "$bg_pid" 2>/dev/null
        wait "$bg_pid" 2>/dev/null
        bg_pid=
    fi
    if [ -n "${daemon_pid:-}" ]; then
        kill "$daemon_pid" 2>/dev/null
        while kill -0 "$daemon_pid" 2>/dev/null; do
            sleep 0.1
        done
        daemon_pid=
    fi
    # The kernel datapath outlives the daemon.
    if [ "$datapath" = kernel ] && [ -e /run/netns/$nssw ]; then
        ip netns exec $nssw "$dpctl" del-dp br0 >/dev/null 2>&1
    fi
    for ns in $ns1 $ns2 $nssw; do
        ip netns del $ns 2>/dev/null
    done
    rm -f "$work/conf.json" "$work/conf.json.log"
}

in1 () { ip netns exec $ns1 "$@"; }
in2 () { ip netns exec $ns2 "$@"; }

# Creates $ns1 and $ns2 with loopback up, and a wide ephemeral port range
# and TIME_WAIT reuse in the client namespace $ns1.
make_ends () {
    ip netns add $ns1 && ip netns add $ns2 || return 1
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
    ip link add e1 netns $ns1 type veth peer name e2 netns $ns2 &&
    address $ns1 e1 1 && address $ns2 e2 2
}

# Two veth pairs e1 ($ns1) <-> s1 and e2 ($ns2) <-> s2 ($nssw, up).
two_pairs () {
    make_ends && ip netns add $nssw || return 1
    ip link add e1 netns $ns1 type veth peer name s1 netns $nssw &&
    ip link add e2 netns $ns2 type veth peer name s2 netns $nssw &&
    address $ns1 e1 1 && address $ns2 e2 2 &&
    ip -n $nssw link set s1 up && ip -n $nssw link set s2 up
}

setup_bridge () {
    two_pairs &&
    ip -n $nssw link add name pnbr type bridge &&
    ip -n $nssw link set s1 master pnbr &&
    ip -n $nssw link set s2 master pnbr &&
    ip -n $nssw link set pnbr up
}

setup_nfvs () {
    two_pairs || return 1
    # shellcheck disable=SC2086
    ip netns exec $nssw "$vswitchd" --detach --pidfile \
        --log-file="$work/vswitchd.log" -vconsole:off \
        --datapath="$datapath" ${daemon_args:-} || return 1
    daemon_pid=$(cat "$work/nfvs-vswitchd.pid")
    "$ctl" add-br br0 && "$ctl" add-port br0 s1 && "$ctl" add-port br0 s2
}

# The stateful policy of the issue (s1 is OpenFlow port 1).
ct_flows () {
    cat <<'EOF'
table=0,priority=10,arp,actions=NORMAL
table=0,priority=100,ip,ct_state=-trk,actions=ct(table=1)
table=1,priority=100,ip,ct_state=+trk+new,in_port=1,actions=ct(commit),NORMAL
table=1,priority=100,ip,ct_state=+trk+est,actions=NORMAL
table=1,priority=100,ip,ct_state=+trk+rel,actions=NORMAL
table=1,priority=1,ip,actions=drop
EOF
}

setup_nfvs_ct () {
    setup_nfvs || return 1
    ct_flows > "$work/ct-flows.txt"
    "$ctl" replace-flows br0 "$work/ct-flows.txt"
}

# wait_listen NS PORT: waits (up to 10 s) until something listens on TCP
# or UDP port PORT in NS.
wait_listen () {
    local i
    for i in $(seq 100); do
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

# iperf3_run ARGS...: one iperf3 run from $ns1 to a one-shot server in
# $ns2; leaves the client's JSON in $work/iperf.json.
iperf3_run () {
    ip netns exec $ns2 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
    bg_pid=$!
    wait_listen $ns2 5201 || return 1
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
        "'%.3f' % (j['end']['sum_received']['bits_per_second'] / 1e9)"
}

# conn_run CLIENTS: TCP conn/s of CLIENTS bench-connrate clients in $ns1.
conn_run () {
    ip netns exec $ns2 "$gen" server 10.0.0.2 5300 "$1" \
        > "$work/server.log" 2>&1 &
    bg_pid=$!
    if ! wait_listen $ns2 5300; then
        sed 's/^/server: /' "$work/server.log" >&2
        return 1
    fi
    in1 "$gen" client 10.0.0.2 5300 "$dur" "$1" > "$work/conn.out" ||
        return 1
    awk '{ print $6 }' "$work/conn.out"
    kill "$bg_pid"
    wait "$bg_pid" 2>/dev/null
    bg_pid=
}

measure_conn () { conn_run 1; }
measure_conn32 () { conn_run 32; }

# measure_upconn: upcalls the daemon handled per new TCP connection, over
# a sequential connect/close run (counters before and after; connections
# as bench-connrate counted them).  Taken once, first on a fresh daemon:
# later runs reuse client ports whose flows are still cached, which
# hides misses.
measure_upconn () {
    stats_json "$work/before.json" || return 1
    conn_run 1 > /dev/null || return 1
    stats_json "$work/after.json" || return 1
    python3 - "$work/before.json" "$work/after.json" \
            "$(awk '{ print $1 }' "$work/conn.out")" <<'EOF' || return 1
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
print("%.2f" % ((b["upcalls"] - a["upcalls"]) / max(int(sys.argv[3]), 1)))
EOF
}

# stats_json: the daemon's counters for br0 into $work/stats.json.
stats_json () {
    "$ctl" --format=json stats br0 > "$work/stats.json.new" &&
    python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))["bridges"][0]
flat = dict((k, v) for k, v in b.items() if isinstance(v, int))
for k, v in b["lost_by_reason"].items():
    flat["lost_" + k] = v
json.dump(flat, open(sys.argv[2], "w"))' "$work/stats.json.new" "$1"
}

measure_upcalls () {
    local t0 t1
    stats_json "$work/before.json" || return 1
    t0=$(date +%s.%N)
    in1 "$gen" udp-flows 10.0.0.2 "$dur" > "$work/flows.out"
    # Let the handlers drain what is queued.
    sleep 1
    stats_json "$work/after.json" || return 1
    t1=$(date +%s.%N)
    python3 - "$work/before.json" "$work/after.json" "$t0" "$t1" \
            "$(awk '{ print $1 }' "$work/flows.out")" \
            > "$work/upcalls.txt" <<'EOF' || return 1
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
secs = float(sys.argv[4]) - float(sys.argv[3])
d = dict((k, b[k] - a.get(k, 0)) for k in b)
print("%.0f" % (d["upcalls"] / secs))
print("sent %s datagrams; over %.1f s: missed %d, handled %d, installed %d,"
      " lost %d (queue %d, rate %d, dup %d, nomem %d, nohandler %d),"
      " errors %d" % (sys.argv[5], secs, d["missed"], d["upcalls"],
                      d["installed"], d["lost"], d["lost_queue"],
                      d["lost_rate"], d["lost_dup"], d["lost_nomem"],
                      d["lost_nohandler"], d["upcall_errors"]))
EOF
    head -n 1 "$work/upcalls.txt"
}

median () {
    printf '%s\n' "$@" | sort -g |
        awk '{ a[NR] = $1 } END {
                 if (NR == 0) { print "-" }
                 else if (NR % 2) { print a[(NR + 1) / 2] }
                 else { print (a[NR / 2] + a[NR / 2 + 1]) / 2 } }'
}

declare -A result raw

# run_setup NAME MEASUREMENT...: sets up NAME, takes each MEASUREMENT
# $reps times (upcalls and upconn once), records the medians in result[NAME,M] and
# the runs in raw[NAME,M], tears down.
run_setup () {
    local name=$1 m i v vals
    shift
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
    for m in "$@"; do
        vals=()
        for i in $(seq "$reps"); do
            v=$(measure_$m) || { echo "$0: $name $m failed" >&2; exit 1; }
            vals+=("$v")
            echo "  $name $m run $i: $v" >&2
            if [ $m = upcalls ]; then
                tail -n 1 "$work/upcalls.txt" >&2
                cp "$work/upcalls.txt" "$work/upcalls-$name.txt"
                break
            fi
            if [ $m = upconn ]; then
                break
            fi
        done
        raw[$name,$m]="${vals[*]}"
        result[$name,$m]=$(median "${vals[@]}")
    done
    teardown
}

ratio () {
    python3 -c "import sys
a, b = sys.argv[1], sys.argv[2]
print('-' if a == '-' or b == '-' or float(b) == 0
      else '%.2fx' % (float(a) / float(b)))" "$1" "$2"
}

label_of () {
    case $1 in
        udp) echo "UDP 64B rx kpps" ;;
        tcp) echo "TCP Gbit/s" ;;
        conn) echo "TCP conn/s (1 client)" ;;
        conn32) echo "TCP conn/s (32 clients)" ;;
        upconn) echo "upcalls per connection" ;;
        upcalls) echo "upcalls/s" ;;
        *) echo "$1" ;;
    esac
}

# print_table "SETUP..." "MEASUREMENT..." "A/B..." prints the medians,
# one row per measurement, with the ratios A/B (setup names) after them.
print_table () {
    local s m r line
    line=$(printf '%-24s' "")
    for s in $1; do
        line+=$(printf ' %10s' "$s")
    done
    for r in $3; do
        line+=$(printf ' %14s' "$r")
    done
    echo "$line"
    for m in $2; do
        line=$(printf '%-24s' "$(label_of $m)")
        for s in $1; do
            line+=$(printf ' %10s' "${result[$s,$m]:--}")
        done
        for r in $3; do
            line+=$(printf ' %14s' "$(ratio "${result[${r%/*},$m]:--}" \
                                       "${result[${r#*/},$m]:--}")")
        done
        echo "$line"
    done
}

print_runs () {
    echo "runs: $(for k in "${!raw[@]}"; do echo "$k=[${raw[$k]}]"; done |
                 sort | tr '\n' ' ')"
}
