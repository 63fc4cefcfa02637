#!/bin/bash
# bench-rings.sh: the userspace datapath's receive path and forwarding
# threads beside a direct veth pair and Open vSwitch's userspace datapath,
# in one run, with the CPU cost of each received 64-byte packet.
#
#   NFVS_SRC=BUILD_TREE [NFVS_BEFORE=OTHER_BUILD_TREE] [THREADS="1 2"] \
#       bench/bench-rings.sh            (root, on the host)
#
# Uses the shared anchor benchmark (../shared/bench: bench-lib.sh for the
# topology and the measurements, bench-ovs-netdev.sh's OVS rows) with
# these rows: veth-direct, ovs-netdev (tx offload off), ovs-netdev-tso,
# nfvs built before the change (NFVS_BEFORE, if given), nfvs without the
# ring (--rx-ring-blocks=0) on one thread, and nfvs with rings on each
# thread count of THREADS (default "1 2 N", N = CPUs).  CPU per packet:
# busy jiffies of the whole machine (/proc/stat: user, nice, system, irq,
# softirq) during each UDP test divided by the packets received, so the
# sender's and receiver's costs are in every row alike.
set -u
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 2; }
SHARED=${SHARED:-$(cd "$(dirname "$0")/../../shared/bench" 2>/dev/null && pwd)}
[ -f "$SHARED/bench-lib.sh" ] || { echo "set SHARED=path/to/shared/bench" >&2; exit 2; }
: "${NFVS_SRC:?set NFVS_SRC to a built tree}"
NFVS_BEFORE=${NFVS_BEFORE:-}
NCPU=$(nproc)
THREADS=${THREADS:-"1 2 $NCPU"}
THREADS=$(printf '%s\n' $THREADS | awk '!seen[$1]++' | tr '\n' ' ')

NS1=rbn-ns1 NS2=rbn-ns2 PFX=rbv
. "$SHARED/bench-lib.sh"
BR=rbr0
OVSDIR=$(mktemp -d /tmp/ovs-rings-bench.XXXXXX)
export OVS_RUNDIR=$OVSDIR OVS_LOGDIR=$OVSDIR OVS_DBDIR=$OVSDIR OVS_SYSCONFDIR=$OVSDIR
export OVS_PKGDATADIR=/usr/share/openvswitch
RESDIR=${RESDIR:-/tmp/bench-rings-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESDIR"
# The OVS helpers of the shared script (from OVSDB_PID= to ovs_netdev_row).
eval "$(sed -n '/^OVSDB_PID=/,/^ovs_netdev_row() {/p' "$SHARED/bench-ovs-netdev.sh" | sed '$d')"
eval "$(sed -n '/^ovs_netdev_row() {/,/^}/p' "$SHARED/bench-ovs-netdev.sh")"

# iperf3 wrapper: records /proc/stat around each UDP client run.
WRAP=$(mktemp -d /tmp/rings-wrap.XXXXXX)
CPU_LOG=$RESDIR/cpu.log
cat > "$WRAP/iperf3" <<'EOW'
#!/bin/bash
# Machine busy jiffies, and the switch daemon's own (user + system, all
# threads; the daemons of this run are found by their private dirs).
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
switch() {
    local p t=0
    for p in $(pgrep -f 'nfvs-bench\.|ovs-rings-bench\..*ovs-vswitchd'); do
        t=$((t + $(awk '{ print $14 + $15 }' /proc/$p/stat 2>/dev/null || echo 0)))
    done
    echo $t
}
case " $* " in
*" -u "*)
    a=$(busy); sa=$(switch); /usr/bin/iperf3 "$@"; rc=$?; b=$(busy); sb=$(switch)
    echo "$((b - a)) $((sb - sa))" >> "$CPU_LOG"; exit $rc ;;
esac
exec /usr/bin/iperf3 "$@"
EOW
chmod +x "$WRAP/iperf3"
export CPU_LOG PATH="$WRAP:$PATH"

# nfvs_variant LABEL BUILD ARGS...: an nfvs row from BUILD with extra
# daemon arguments (a wrapper takes them to nfvs-vswitchd).
nfvs_variant() {
    local label=$1 build=$2 d; shift 2
    d=$WRAP/$label; mkdir -p "$d"
    printf '#!/bin/sh\nexec %s "$@" %s\n' "$build/vswitchd/nfvs-vswitchd" "$*" > "$d/nfvs-vswitchd"
    chmod +x "$d/nfvs-vswitchd"
    NFVS_VSWITCHD=$d/nfvs-vswitchd NFVS_CTL=$build/utilities/nfvs-ctl
    nfvs_row "$label" userspace 0
}

cleanup() {
    ovsctl --if-exists del-br "$BR" 2>/dev/null
    vswitchd_stop
    [ -n "$OVSDB_PID" ] && kill "$OVSDB_PID" 2>/dev/null
    nfvs_stop
    ns_teardown
    cp "$OVSDIR"/*.log "$RESDIR/" 2>/dev/null
    rm -rf "$OVSDIR" "$WRAP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LABELS=()
row() { LABELS+=("$1"); : > "$RESDIR/$1.cpu-start"; wc -l < "$CPU_LOG" > "$RESDIR/$1.cpu-start" 2>/dev/null || echo 0 > "$RESDIR/$1.cpu-start"; }
touch "$CPU_LOG"
log "load before the run: $(cat /proc/loadavg)"
ovsdb_start || { log "ovsdb-server failed"; exit 1; }
row veth-direct; ns_setup_direct && measure veth-direct; ns_teardown
row ovs-netdev; ovs_netdev_row ovs-netdev 0 0
row ovs-netdev-tso; ovs_netdev_row ovs-netdev-tso 1 0
if [ -n "$NFVS_BEFORE" ]; then
    row nfvs-before; nfvs_variant nfvs-before "$NFVS_BEFORE"
fi
row nfvs-norings-1t; nfvs_variant nfvs-norings-1t "$NFVS_SRC" --rx-ring-blocks=0 --forwarding-threads=1
for t in $THREADS; do
    row "nfvs-rings-${t}t"; nfvs_variant "nfvs-rings-${t}t" "$NFVS_SRC" --forwarding-threads="$t"
done
log "load after the run: $(cat /proc/loadavg)"

{
    echo "# bench-rings.sh: kernel $(uname -r), $NCPU CPUs, DUR=${DUR}s REPS=$REPS, $(date -u +%FT%TZ), $(ovs-vswitchd --version | head -1)"
    print_table veth-direct
    echo "CPU per received 64-byte packet, median (machine: all busy time;"
    echo "switch: the switch daemon's own user + system time), ns:"
    for l in "${LABELS[@]}"; do
        start=$(cat "$RESDIR/$l.cpu-start"); start=$((start + 1))
        sed -n "${start},$((start + REPS - 1))p" "$CPU_LOG" > "$RESDIR/$l.cpu"
        jq -r '.end.sum | (.packets - .lost_packets)' "$WORK/$l.udp.json" 2>/dev/null > "$RESDIR/$l.pkts"
        m=$(paste -d' ' "$RESDIR/$l.cpu" "$RESDIR/$l.pkts" | awk '$3 > 0 { printf "%.0f\n", $1 * 1e7 / $3 }')
        s=$(paste -d' ' "$RESDIR/$l.cpu" "$RESDIR/$l.pkts" | awk '$3 > 0 { printf "%.0f\n", $2 * 1e7 / $3 }')
        printf '  %-22s machine %8s  switch %8s\n' "$l" "$(_median $m)" "$(_median $s)"
    done
} | tee "$RESDIR/table.txt"
cp "$WORK"/* "$RESDIR/" 2>/dev/null; rm -rf "$WORK"
log "raw results in $RESDIR"
