#! /bin/bash
# Usage: package-check.sh TARBALL WORKDIR
#
# "make check-package" (root): builds the Debian packages from the
# distribution tarball TARBALL (tests/package-build.sh), checks them with
# lintian (no errors, no warnings), builds the module of
# nfvs-datapath-dkms with "dkms build" against the installed kernel
# headers (in a private DKMS tree), then boots the test VM with systemd
# as PID 1 and runs tests/vm/package-test.sh there on the packages
# (PKG_VM_TIMEOUT seconds at most, default 1500: DKMS builds the module
# in the VM, which takes minutes under TCG).
# Everything lands in WORKDIR (outside /tmp: the VM sees the host's files
# except /tmp).  Ends with "N passed, M failed, K skipped", also kept in
# WORKDIR/result.counts (for tests/summary.sh).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
tarball=$1
work=$(realpath -m "$2")
passed=0 failed=0 skipped=0

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
summary() {
    echo "$passed passed, $failed failed, $skipped skipped" \
        | tee "$work/result.counts"
    exit $((failed > 0))
}

mkdir -p "$work"
rm -f "$work/result.counts"
if "$here/package-build.sh" "$tarball" "$work/build"; then
    pass "dpkg-buildpackage -us -uc -b"
else
    fail "dpkg-buildpackage -us -uc -b"
    summary
fi

# lintian exits non-zero on errors; warnings are counted here.
changes=$(ls "$work"/build/*.changes)
lintian --info "$changes" > "$work/lintian.log" 2>&1
lintian_status=$?
sed 's/^/lintian: /' "$work/lintian.log"
if [ $lintian_status -eq 0 ] && ! grep -q '^[EW]: ' "$work/lintian.log"; then
    pass "lintian: no errors, no warnings"
else
    fail "lintian: errors or warnings (see $work/lintian.log)"
fi

# dkms build against the headers of the VM's kernel.
kver=$(bash "$here/vm/vm-run" --print-kver)
dkms_deb=$(ls "$work"/build/nfvs-datapath-dkms_*.deb)
rm -rf "$work/dkms"
mkdir -p "$work/dkms/tree"
dpkg-deb -x "$dkms_deb" "$work/dkms/root"
version=$(ls "$work/dkms/root/usr/src" | sed -n 's/^nfvs-//p')
dkms_args=(-m nfvs -v "$version" --sourcetree "$work/dkms/root/usr/src"
           --dkmstree "$work/dkms/tree")
if dkms add "${dkms_args[@]}" > "$work/dkms.log" 2>&1 \
   && dkms build "${dkms_args[@]}" -k "$kver" >> "$work/dkms.log" 2>&1 \
   && ls "$work/dkms/tree/nfvs/$version/$kver"/*/module/nfvs.ko* \
        > /dev/null 2>&1; then
    pass "dkms build nfvs/$version for $kver"
else
    tail -30 "$work/dkms.log"
    fail "dkms build nfvs/$version for $kver (see $work/dkms.log)"
fi

# The VM: install, start, restart under ping, upgrade, stop, purge.
NFVS_PKG_DIR=$work/build bash "$here/vm/vm-run" --systemd \
    --workdir "$work/vm" --timeout "${PKG_VM_TIMEOUT:-1500}" \
    "$here/vm/package-test.sh" | tail -80
counts=$(cat "$work/vm/out/result.counts" 2>/dev/null)
read -r p _ f _ s _ <<< "${counts//,/}"
if [ -n "$counts" ]; then
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
else
    fail "VM: no result (see $work/vm/out/console.log)"
fi
summary
