# kmod-lib.sh: shared set-up of the kernel datapath tests (sourced by
# tests/kernel/1*.test, not a test itself).
#
# kmod_init: skips outside the VM or without a built nfvs.ko, loads the
# module (unloading it at exit if it loaded it), puts the build's
# programs first in PATH and points the daemon's run and db dirs here.
# kmod_topology: namespaces nfvs-a (a0, 10.0.0.1) and nfvs-b (b0,
# 10.0.0.2) joined by veth pairs to swa and swb in this namespace.
# kmod_daemon_start [OPTIONS]: nfvs-vswitchd on the kernel datapath.
# Everything is undone at exit, datapaths included.

kmod_cleanups=()
kmod_at_exit() {
    kmod_cleanups=("$1" "${kmod_cleanups[@]}")
}
kmod_run_cleanups() {
    local c
    for c in "${kmod_cleanups[@]}"; do
        eval "$c" >/dev/null 2>&1 || :
    done
}
trap kmod_run_cleanups EXIT

kmod_init() {
    if [ "${NFVS_VM:-}" != 1 ]; then
        echo "runs only in the test VM (make check-kernel)"
        exit 77
    fi
    if [ -z "${NFVS_KO:-}" ]; then
        echo "no nfvs.ko built"
        exit 77
    fi
    b=${NFVS_BUILDDIR:?}
    PATH=$b/utilities:$b/vswitchd:$b/tests:$PATH
    export NFVS_RUNDIR=$PWD NFVS_DBDIR=$PWD
    # The VM has no group "nfvs": the sockets get root's, without a warning.
    export NFVS_SOCKET_GROUP=$(id -gn)
    unset NFVS_DATAPATH
    kmod_name=$(modinfo -F name "$NFVS_KO")
    if [ ! -d "/sys/module/$kmod_name" ]; then
        for dep in $(modinfo -F depends "$NFVS_KO" | tr ',' ' '); do
            modprobe "$dep"
        done
        insmod "$NFVS_KO"
        kmod_at_exit "rmmod $kmod_name"
    fi
    kmod_at_exit 'for dp in $(nfvs-dpctl --format=json show | python3 -c "import json,sys; print(\" \".join(d[\"name\"] for d in json.load(sys.stdin)[\"datapaths\"]))"); do nfvs-dpctl del-dp $dp; done'
}

kmod_topology() {
    # What a test killed before its clean-up may have left (deleting a
    # namespace deletes the veth pair with an end in it).
    ip netns del nfvs-a 2>/dev/null || :
    ip netns del nfvs-b 2>/dev/null || :
    ip netns add nfvs-a
    kmod_at_exit "ip netns del nfvs-a"
    ip netns add nfvs-b
    kmod_at_exit "ip netns del nfvs-b"
    ip link add swa type veth peer name a0 netns nfvs-a
    ip link add swb type veth peer name b0 netns nfvs-b
    kmod_at_exit "ip link del swa"
    kmod_at_exit "ip link del swb"
    ip link set swa up
    ip link set swb up
    ip -n nfvs-a link set a0 up
    ip -n nfvs-b link set b0 up
    ip -n nfvs-a link set lo up
    ip -n nfvs-b link set lo up
    ip -n nfvs-a addr add 10.0.0.1/24 dev a0
    ip -n nfvs-b addr add 10.0.0.2/24 dev b0
}

kmod_daemon_start() {
    nfvs-vswitchd --datapath=kernel --detach --pidfile \
        --log-file="$PWD/vswitchd.log" -vconsole:off "$@"
    kmod_at_exit 'kill -9 $(cat "$NFVS_RUNDIR/nfvs-vswitchd.pid")'
}

kmod_daemon_stop() {
    kill "$(cat "$NFVS_RUNDIR/nfvs-vswitchd.pid")"
    kmod_wait '[ ! -e "$NFVS_RUNDIR/nfvs-vswitchd.pid" ]'
}

# kmod_wait COMMAND [SECONDS]: retries COMMAND until it succeeds, for at
# most SECONDS (default 60: TCG is slow, and it returns at once anyway).
kmod_wait() {
    local deadline=$(( $(date +%s) + ${2:-60} ))
    until eval "$1"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timed out waiting for: $1"
            return 1
        fi
        sleep 0.1
    done
}

# fails COMMAND...: COMMAND must fail ("! COMMAND" does not stop a
# "set -e" script).
fails() {
    if "$@"; then
        echo "unexpectedly succeeded: $*"
        exit 1
    fi
}
