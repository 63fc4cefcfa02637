#! /bin/bash
# Usage: package-build.sh TARBALL DIR
#
# Builds the Debian packages from the distribution tarball TARBALL in DIR
# (emptied first): unpacks it as DIR/nfvs-VERSION, runs
# "dpkg-buildpackage -us -uc -b" there (without the test suite, which
# "make check" runs), and leaves the .debs and .changes in DIR.  The build
# log is DIR/build.log.
set -eu -o pipefail
tarball=$(realpath "$1")
dir=$2

rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
tar -xzf "$tarball"
cd nfvs-*/
if DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b \
        > ../build.log 2>&1; then
    echo "package-build: built $(cd .. && ls *.deb | tr '\n' ' ')"
else
    tail -40 ../build.log
    echo "package-build: dpkg-buildpackage failed; see $dir/build.log" >&2
    exit 1
fi
