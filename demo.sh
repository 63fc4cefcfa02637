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
_build/vswitchd/nfvs-vswitchd --detach --pidfile \
    --log-file="$NFVS_RUNDIR/nfvs-vswitchd.log"

$ctl --may-exist add-br br0
$ctl --may-exist add-port br0 vm1 type=dummy
$ctl --may-exist add-port br0 vm2 type=dummy
$ctl --may-exist add-port br0 uplink type=dummy ofport=10
$ctl show

cat <<EOM

nfvs-vswitchd is running (pid $(cat _demo/nfvs-vswitchd.pid)), log in
_demo/nfvs-vswitchd.log.  Try:
    export NFVS_RUNDIR=$NFVS_RUNDIR
    $ctl list-ports br0
    $ctl add-port br0 vm3 type=dummy
    $ctl --format=json show
Stop it with:  kill \$(cat _demo/nfvs-vswitchd.pid)
EOM
