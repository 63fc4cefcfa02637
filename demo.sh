#! /bin/bash
# Installs what nfvs needs, builds it, and runs nfvs-vswitchd with a small
# demo topology in ./_demo (socket, config db, log and pidfile all there).
# Stop it with: kill $(cat _demo/nfvs-vswitchd.pid)
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

.ci/install-deps
[ -x configure ] || ./boot.sh
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure; } && make -j"$(nproc)")

export NFVS_RUNDIR=$top/_demo NFVS_DBDIR=$top/_demo
mkdir -p "$NFVS_RUNDIR"
ctl=_build/utilities/nfvs-ctl
if [ -f _demo/nfvs-vswitchd.pid ] && kill -0 "$(cat _demo/nfvs-vswitchd.pid)" 2>/dev/null; then
    kill "$(cat _demo/nfvs-vswitchd.pid)"
    while [ -e _demo/nfvs-vswitchd.pid ]; do sleep 0.1; done
fi
# The userspace datapath needs root (br0 is a tap device); without it
# the demo runs on the dummy datapath.
if [ "$(id -u)" = 0 ]; then datapath=userspace; else datapath=dummy; fi
_build/vswitchd/nfvs-vswitchd --detach --pidfile --datapath=$datapath \
    --log-file="$NFVS_RUNDIR/nfvs-vswitchd.log"

$ctl --may-exist add-br br0
$ctl --may-exist add-port br0 vm1 type=dummy
$ctl --may-exist add-port br0 vm2 type=dummy
$ctl --may-exist add-port br0 uplink type=dummy ofport=10
$ctl show

if [ $datapath = userspace ]; then
    # Two namespaces, 10.0.0.1 and 10.0.0.2, on veth pairs to br0.
    for ns in a b; do
        # Recreated from scratch, so that every run starts from the
        # same topology.
        $ctl --if-exists del-port br0 demo-$ns
        ip netns del nfvs-demo-$ns 2>/dev/null || true
        ip link del demo-$ns 2>/dev/null || true
        ip netns add nfvs-demo-$ns
        ip link add demo-$ns type veth peer name eth0 netns nfvs-demo-$ns
        ip link set demo-$ns up
        ip -n nfvs-demo-$ns link set lo up
        ip -n nfvs-demo-$ns link set eth0 up
        ip -n nfvs-demo-$ns addr add 10.0.0.$([ $ns = a ] && echo 1 || echo 2)/24 dev eth0
        $ctl --may-exist add-port br0 demo-$ns
    done
    echo
    echo "ping from nfvs-demo-a (10.0.0.1) to nfvs-demo-b (10.0.0.2):"
    ip netns exec nfvs-demo-a ping -c 3 -i 0.2 -W 2 10.0.0.2
else
    # A broadcast in on vm1, flooded by NORMAL; see _demo/vm2.pcap.
    $ctl inject br0 vm1 "ffffffffffff000000000001 0800 \
        4500001c0001000040110000 0a000001 0a000002 04d2 0050 0008 0000"
    sleep 0.3
fi
echo
echo "OpenFlow flows (nfvs-ctl dump-flows br0):"
$ctl dump-flows br0
echo
echo "datapath flows (nfvs-ctl dump-dp-flows br0):"
$ctl dump-dp-flows br0
echo
$ctl stats br0

cat <<EOM

nfvs-vswitchd is running (pid $(cat _demo/nfvs-vswitchd.pid)), log in
_demo/nfvs-vswitchd.log.  Try:
    export NFVS_RUNDIR=$NFVS_RUNDIR
    $ctl list-ports br0
    $ctl add-port br0 vm3 type=dummy
    $ctl --format=json show
    $ctl dump-dp-flows br0
    $ctl stats br0
Stop it with:  kill \$(cat _demo/nfvs-vswitchd.pid)
EOM
