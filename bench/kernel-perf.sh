#! /bin/bash
# bench/kernel-perf.sh: the kernel datapath (nfvs.ko driven by
# nfvs-vswitchd --datapath=kernel) against a direct veth pair and the
# Linux bridge, in ONE boot of the test VM, as ratios (TCG makes absolute
# figures meaningless).  Runs only inside the VM:
#
#   make bench-kernel          (in the build tree; builds nfvs.ko;
#                              settings: BENCH_VM_FLAGS="--env REPS=5")
#
# or by hand, with nfvs.ko built:
#
#   NFVS_SRCDIR=$PWD NFVS_BUILDDIR=$PWD/_build NFVS_KO=/path/to/nfvs.ko \
#       tests/vm/vm-run --workdir /some/dir --timeout 1800 \
#       bench/kernel-perf.sh
#
# Environment: DURATION (seconds per measurement, default 5), REPS
# (default 3, median shown), FLOWS (flows to install for the memory
# figure, default 100000), FLOW_SECS (at most this long to install them,
# default 150), KERNEL_CT=0 skips the stateful policy.
#
# Prints, and writes to $NFVS_VM_OUT/kernel-perf.txt:
#   - UDP 64-byte kpps, TCP Gbit/s, sequential and 32-client TCP conn/s
#     through veth, bridge, nfvs (kernel datapath, NORMAL) and nfvs_ct
#     (the stateful policy of bench/perf-lib.sh, conntrack in the daemon);
#   - upcalls/s the daemon handled while bench-connrate udp-flows sent
#     every datagram on a new 5-tuple, with the kernel's missed and lost
#     counts (lost by reason);
#   - kernel memory per installed flow: the daemon installs FLOWS flows
#     through the same generator (with --max-idle long enough to keep
#     them); the Slab, Percpu and VmallocUsed lines of /proc/meminfo with
#     the flows installed and again after "nfvs-dpctl del-flows" (and an
#     RCU grace period), divided by the number of flows deleted.
# Not part of any test suite.
set -u

if [ "${NFVS_VM:-}" != 1 ]; then
    echo "$0: runs inside the test VM (make bench-kernel)" >&2
    exit 77
fi
if [ -z "${NFVS_KO:-}" ] || [ ! -f "$NFVS_KO" ]; then
    echo "$0: no nfvs.ko (set NFVS_KO)" >&2
    exit 1
fi
top=${NFVS_SRCDIR:?}
build=${NFVS_BUILDDIR:?}
dur=${DURATION:-5}
reps=${REPS:-3}
ctl=$build/utilities/nfvs-ctl
dpctl=$build/utilities/nfvs-dpctl
vswitchd=$build/vswitchd/nfvs-vswitchd
gen=$build/bench/bench-connrate
out=${NFVS_VM_OUT:-.}/kernel-perf.txt
for prog in "$ctl" "$dpctl" "$vswitchd" "$gen"; do
    if [ ! -x "$prog" ]; then
        echo "$0: $prog not built" >&2
        exit 1
    fi
done

work=$(mktemp -d /tmp/kernel-perf.XXXXXX)
export NFVS_RUNDIR=$work NFVS_DBDIR=$work
# The VM has no group "nfvs": the sockets get root's.
NFVS_SOCKET_GROUP=$(id -gn)
export NFVS_SOCKET_GROUP
datapath=kernel
daemon_pid=
bg_pid=
daemon_args=
. "$top/bench/perf-lib.sh"

kmod_name=$(modinfo -F name "$NFVS_KO")
cleanup () {
    teardown
    rmmod "$kmod_name" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for dep in $(modinfo -F depends "$NFVS_KO" | tr ',' ' '); do
    modprobe "$dep"
done
modprobe veth
modprobe bridge
insmod "$NFVS_KO" || exit 1

# meminfo_kb: "Slab Percpu VmallocUsed MemAvailable" in kB.
meminfo_kb () {
    awk '/^(Slab|Percpu|VmallocUsed|MemAvailable):/ { v[$1] = $2 }
         END { print v["Slab:"], v["Percpu:"], v["VmallocUsed:"],
                     v["MemAvailable:"] }' /proc/meminfo
}

dp_flows () {
    stats_json "$work/flows.json" &&
    json_get "$work/flows.json" "j['flows']"
}

# flow_memory: kernel memory per datapath flow, see the header.
flow_memory () {
    local target=${FLOWS:-100000} deadline n with after n_after t0 t1
    teardown
    daemon_args="--max-idle=3600000"
    setup_nfvs || return 1
    daemon_args=
    in1 ping -q -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || return 1
    t0=$(date +%s)
    deadline=$((t0 + ${FLOW_SECS:-150}))
    n=0
    while [ "$n" -lt "$target" ] && [ "$(date +%s)" -lt "$deadline" ]; do
        in1 "$gen" udp-flows 10.0.0.2 2 >/dev/null
        n=$(dp_flows) || return 1
    done
    t1=$(date +%s)
    sleep 2
    n=$(dp_flows) || return 1
    with=$(meminfo_kb)
    ip netns exec $nssw "$dpctl" del-flows br0 || return 1
    # Flows are freed after an RCU grace period.
    sleep 3
    n_after=$(dp_flows) || return 1
    after=$(meminfo_kb)
    python3 - "$n" "$n_after" "$with" "$after" "$((t1 - t0))" <<'EOF'
import sys
n = int(sys.argv[1]) - int(sys.argv[2])
w = [int(x) for x in sys.argv[3].split()]
a = [int(x) for x in sys.argv[4].split()]
d = [(x - y) * 1024.0 / max(n, 1) for x, y in zip(w, a)]
print("flows installed by the daemon in %s s: %s; deleted: %d"
      % (sys.argv[5], sys.argv[1], n))
print("bytes per flow: Slab %.0f + Percpu %.0f + VmallocUsed %.0f = %.0f;"
      " MemAvailable went up by %.0f per flow when they were deleted"
      % (d[0], d[1], d[2], d[0] + d[1] + d[2], -d[3]))
EOF
    teardown
}

# Process substitution needs /dev/fd, which the VM's devtmpfs lacks.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
exec > >(tee "$out") 2>&1
echo "kernel-perf: $(uname -r), $(nproc) vCPUs (TCG), $reps x ${dur}s" \
     "per measurement, median shown; load average (host, as the guest" \
     "sees its own): $(cut -d' ' -f1-3 /proc/loadavg)"
for setup in veth bridge; do
    echo "$setup:" >&2
    run_setup $setup udp tcp conn conn32
done
echo "nfvs:" >&2
run_setup nfvs udp tcp conn conn32 upcalls
if [ "${KERNEL_CT:-1}" != 0 ]; then
    echo "nfvs_ct:" >&2
    run_setup nfvs_ct conn conn32
fi
echo
print_table "veth bridge nfvs nfvs_ct" "udp tcp conn conn32 upcalls" \
            "bridge/veth nfvs/veth nfvs_ct/veth nfvs_ct/nfvs"
echo "upcalls: $(tail -n 1 "$work/upcalls-nfvs.txt")"
echo
print_runs
echo
echo "kernel memory per flow:" >&2
flow_memory || { echo "flow memory measurement failed"; exit 1; }
