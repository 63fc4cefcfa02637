#! /bin/bash
# The guest half of "make check-package": run by tests/vm/vm-run --systemd
# as a service of the real systemd (PID 1), with the .debs in
# $NFVS_PKG_DIR.  Installs nfvs-switch (and nfvs-datapath-dkms, whose
# postinst builds nfvs.ko with DKMS), then checks the service: readiness,
# status, watchdog, a bridge with two veth ports, restart and upgrade
# under a running ping, reload, stop, remove and purge.  Each check prints
# "PASS:", "FAIL:" or "SKIP:" and counts; the counts go to
# $NFVS_VM_OUT/counts for vm-run.
set -u
if [ "${NFVS_VM:-}" != 1 ] || [ ! -d /run/systemd/system ]; then
    echo "runs only in the test VM under systemd (make check-package)"
    exit 77
fi
unset NFVS_RUNDIR NFVS_DBDIR NFVS_DATAPATH
export DEBIAN_FRONTEND=noninteractive
ctl=/usr/bin/nfvs-ctl
unit=nfvs-vswitchd.service
pkgdir=${NFVS_PKG_DIR:?}
passed=0 failed=0 skipped=0

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() {
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# wait_for SECS COMMAND...: retries COMMAND for up to SECS seconds.
wait_for() {
    local end=$(( $(date +%s) + $1 )); shift
    until "$@"; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.2
    done
}
status_text() { systemctl show -p StatusText --value $unit; }
main_pid() { systemctl show -p MainPID --value $unit; }
finish() {
    echo "$passed $failed $skipped" > "$NFVS_VM_OUT/counts"
    echo "package-test: $passed passed, $failed failed, $skipped skipped"
    systemctl status --no-pager $unit > "$NFVS_VM_OUT/unit-status.txt" 2>&1
    exit $((failed > 0))
}
trap 'ip netns del nfvs-pa 2>/dev/null; ip netns del nfvs-pb 2>/dev/null' EXIT

# icmp FIELD: counter FIELD (OutEchos, InEchoReps) of the ICMP of
# namespace nfvs-pa, where the ping runs.
icmp() {
    ip netns exec nfvs-pa cat /proc/net/snmp | awk -v f="$1" '
        $1 == "Icmp:" && !c { for (i = 2; i <= NF; i++) if ($i == f) c = i; next }
        $1 == "Icmp:" && c { print $c }'
}
# replies_at_least N: whether nfvs-pa has received N echo replies.
replies_at_least() {
    [ "$(icmp InEchoReps)" -ge "$1" ]
}
# all_answered: whether every echo request sent since ping_start has
# had its reply.
all_answered() {
    sent=$(( $(icmp OutEchos) - out0 )) recvd=$(( $(icmp InEchoReps) - in0 ))
    [ "$recvd" -ge "$sent" ]
}
# ping_start: pings from nfvs-pa to nfvs-pb every 0.1 s in the
# background until no_loss stops it, and returns once 10 replies came.
ping_start() {
    out0=$(icmp OutEchos) in0=$(icmp InEchoReps)
    ip netns exec nfvs-pa ping -n -i 0.1 -W 1 10.98.0.2 > ping.out 2>&1 &
    ping_pid=$!
    wait_for 60 replies_at_least $((in0 + 10))
}
# no_loss WHAT: once 20 more replies came, stops the ping of ping_start;
# passes if nothing was lost on the kernel datapath: the namespace's
# counters, unlike ping's own, count the replies to requests still in
# flight when ping stopped.  On the userspace datapath a gap is expected
# (the daemon is the datapath), so only the ping resuming is checked.
no_loss() {
    wait_for 60 replies_at_least $(( $(icmp InEchoReps) + 20 ))
    kill -INT $ping_pid
    wait $ping_pid
    if [ "$datapath" = kernel ]; then
        wait_for 10 all_answered
        echo "ping: $sent sent, $recvd received"
        check "$1: no packet lost ($recvd of $sent)" test "$recvd" -ge "$sent"
    else
        all_answered
        echo "ping: $sent sent, $recvd received"
        skip "$1: no loss needs the kernel datapath (got $recvd of $sent)"
        check "$1: forwarding resumes" \
            ip netns exec nfvs-pa ping -n -c 2 -W 5 10.98.0.2
    fi
}

echo 'man-db man-db/auto-update boolean false' | debconf-set-selections
# A build host's policy-rc.d (containers have one that forbids starting
# services) would show through the guest's overlay; a real system has
# none, and the package is meant to start its service.
rm -f /usr/sbin/policy-rc.d

# Install.
debs=("$pkgdir"/nfvs-switch_*.deb)
dkms_deb=$(ls "$pkgdir"/nfvs-datapath-dkms_*.deb 2> /dev/null)
[ -n "$dkms_deb" ] && debs+=("$dkms_deb")
check "dpkg -i ${debs[*]##*/}" dpkg -i "${debs[@]}"
check "group nfvs exists" getent group nfvs
check "unit enabled" test "$(systemctl is-enabled $unit)" = enabled
check "unit started by the package" systemctl is-active -q $unit
if [ -n "$dkms_deb" ]; then
    check "dkms built and installed nfvs.ko" \
        sh -c 'dkms status nfvs | grep -q installed'
    check "modules-load.d names nfvs" \
        grep -qx nfvs /usr/lib/modules-load.d/nfvs.conf
fi

# The installed man page and bash completion know every command of
# nfvs-ctl's command table.
missing=""
MANWIDTH=200 man -l /usr/share/man/man8/nfvs-ctl.8* > man.txt 2>/dev/null
for cmd in $($ctl --list-commands | cut -f1); do
    grep -q "^ *$cmd\( \|\$\)" man.txt || missing="$missing man:$cmd"
    bash -c '. /usr/share/bash-completion/completions/nfvs-ctl
             [[ " $_nfvs_ctl_commands " == *" $1 "* ]]' - "$cmd" \
        || missing="$missing completion:$cmd"
done
check "man page and completion list every command${missing:+ (missing$missing)}" \
    test -z "$missing" -a -s man.txt

# Readiness: "systemctl start" returns only once the socket answers.
systemctl stop $unit
check "stopped: runtime directory removed" test ! -e /run/nfvs
check "systemctl start" systemctl start $unit
check "ready when start returns: nfvs-ctl answers at once" \
    $ctl --timeout=10 list-br
check "status after start: $(status_text)" \
    sh -c "systemctl show -p StatusText --value $unit | grep -q '^serving '"
check "socket in /run/nfvs" test -S /run/nfvs/nfvs-vswitchd.sock

# The kernel datapath, if the module can be loaded.
if modprobe nfvs 2> modprobe.err; then
    pass "modprobe nfvs"
    systemctl restart $unit
else
    skip "modprobe nfvs: $(cat modprobe.err)"
fi
datapath=$(status_text | sed -n 's/.* on the \(.*\) datapath$/\1/p')
echo "datapath: $datapath"

# A bridge with two veth ports joining two namespaces.
check "add-br br0" $ctl add-br br0
check "status follows: 1 bridge" \
    wait_for 30 sh -c "systemctl show -p StatusText --value $unit \
                      | grep -q '^serving 1 bridge with 0 ports'"
ip netns add nfvs-pa
ip netns add nfvs-pb
ip link add pa0 type veth peer name pa1 netns nfvs-pa
ip link add pb0 type veth peer name pb1 netns nfvs-pb
ip -n nfvs-pa addr add 10.98.0.1/24 dev pa1
ip -n nfvs-pb addr add 10.98.0.2/24 dev pb1
for ns in nfvs-pa nfvs-pb; do
    ip -n $ns link set lo up
done
ip -n nfvs-pa link set pa1 up
ip -n nfvs-pb link set pb1 up
ip link set pa0 up
ip link set pb0 up
check "add-port br0 pa0" $ctl add-port br0 pa0
check "add-port br0 pb0" $ctl add-port br0 pb0
check "ping through br0" \
    wait_for 20 ip netns exec nfvs-pa ping -n -c 1 -W 2 10.98.0.2

# Restart while a ping runs.
pid=$(main_pid)
ping_start
check "systemctl restart" systemctl restart $unit
check "restarted: new main pid" test "$(main_pid)" != "$pid"
no_loss "restart"
check "bridge kept across restart" \
    sh -c "$ctl list-ports br0 | tr '\n' ' ' | grep -q 'pa0 pb0'"

# Reload: SIGHUP, same process.
pid=$(main_pid)
check "systemctl reload" systemctl reload $unit
check "reload keeps the process" test "$(main_pid)" = "$pid"
check "active after reload" systemctl is-active -q $unit

# Watchdog: with a 2 s watchdog the daemon's keep-alives keep it alive.
mkdir -p /run/systemd/system/$unit.d
printf '[Service]\nWatchdogSec=2s\n' > /run/systemd/system/$unit.d/wd.conf
systemctl daemon-reload
systemctl restart $unit
sleep 6
check "watchdog 2 s: still active, no restart" \
    test "$(systemctl show -p NRestarts --value $unit)" = 0 \
         -a "$(systemctl is-active $unit)" = active
rm -r /run/systemd/system/$unit.d
systemctl daemon-reload

# Upgrade (the same version again goes the same way): the changed
# conffile stays, the config db stays, the service restarts once and
# traffic keeps flowing.
echo 'NFVS_VSWITCHD_OPTS="--n-handlers=2"' >> /etc/default/nfvs-switch
pid=$(main_pid)
ping_start
check "upgrade: dpkg -i again" dpkg -i "$pkgdir"/nfvs-switch_*.deb
check "upgrade: changed conffile kept" \
    grep -qx 'NFVS_VSWITCHD_OPTS="--n-handlers=2"' /etc/default/nfvs-switch
check "upgrade: service restarted" test "$(main_pid)" != "$pid" -a \
    "$(systemctl is-active $unit)" = active
check "upgrade: new options in use" \
    grep -q -- --n-handlers=2 /proc/"$(main_pid)"/cmdline
no_loss "upgrade"
check "upgrade: bridges kept" test "$($ctl list-br)" = br0

# The unit's resource settings reach the process.
check "OOMScoreAdjust=-900 applied" \
    test "$(cat /proc/"$(main_pid)"/oom_score_adj)" = -900

# Every doc path that /etc/default/nfvs-switch and the man pages name is
# installed under that name.
docs=$( (cat /etc/default/nfvs-switch; zcat -f /usr/share/man/man8/nfvs-*) \
        | sed 's/\\-/-/g' | grep -o '/usr/share/doc/[A-Za-z0-9._/-]*' \
        | sed 's/[.]$//' | sort -u)
check "doc paths named: $(echo $docs)" test -n "$docs"
for doc in $docs; do
    check "doc path exists: $doc" test -f "$doc"
done

# Log rotation: with --log-file, logrotate moves the log away with the
# package's config, and its postrotate makes the daemon write a new one.
log=/var/log/nfvs/nfvs-vswitchd.log
echo 'NFVS_VSWITCHD_OPTS="--log-file"' >> /etc/default/nfvs-switch
systemctl restart $unit
check "--log-file: $log written" wait_for 30 test -s $log
check "logrotate config installed" test -f /etc/logrotate.d/nfvs-switch
check "logrotate installed" command -v logrotate
pid=$(main_pid)
check "logrotate -f /etc/logrotate.d/nfvs-switch" \
    logrotate -f /etc/logrotate.d/nfvs-switch
check "logrotate: old log moved to $log.1" test -s $log.1
check "logrotate: daemon writes a new $log" \
    wait_for 30 grep -q "log file reopened" $log
check "logrotate: old log no longer written" \
    sh -c "! grep -q 'log file reopened' $log.1"
check "logrotate: same process" test "$(main_pid)" = "$pid"

# Stop.
check "systemctl stop" systemctl stop $unit
check "stopped: inactive" test "$(systemctl is-active $unit)" = inactive
check "stopped: no nfvs-vswitchd process" \
    sh -c '! pgrep -x nfvs-vswitchd'
check "stopped: /run/nfvs removed" test ! -e /run/nfvs

# Remove keeps configuration and state; purge removes them.
check "dpkg -r nfvs-switch" dpkg -r nfvs-switch
check "removed: config db kept" test -f /var/lib/nfvs/conf.json
check "removed: /etc/default/nfvs-switch kept" test -f /etc/default/nfvs-switch
check "removed: unit file gone" test ! -e /lib/systemd/system/$unit
pkgs=nfvs-switch
[ -n "$dkms_deb" ] && pkgs="$pkgs nfvs-datapath-dkms"
modprobe -r nfvs 2> /dev/null
check "dpkg --purge $pkgs" dpkg --purge $pkgs
for path in /var/lib/nfvs /var/log/nfvs /run/nfvs /etc/default/nfvs-switch \
        /etc/logrotate.d/nfvs-switch \
        /lib/systemd/system/$unit /usr/sbin/nfvs-vswitchd /usr/bin/nfvs-ctl \
        /usr/src/nfvs-* /var/lib/dkms/nfvs /usr/lib/modules-load.d/nfvs.conf \
        /etc/systemd/system/multi-user.target.wants/$unit \
        /var/lib/systemd/deb-systemd-helper-enabled/$unit.dsh-also; do
    check "purged: $path gone" test ! -e "$path"
done
check "purged: no modules left in /lib/modules" \
    sh -c '! find /lib/modules -name "nfvs.ko*" | grep -q .'
check "purged: dpkg knows no nfvs package" \
    sh -c "! dpkg-query -W -f '\${db:Status-Abbrev}\n' 'nfvs-*' \
           2>/dev/null | grep -qv '^un'"
check "purged: systemd knows no unit" \
    sh -c "! systemctl list-unit-files $unit | grep -q nfvs"
finish
