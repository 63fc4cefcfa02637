# Debian packaging (debian/), shipped in the tarball so that the packages
# can be built from it; "make check-package" builds and tests them.
EXTRA_DIST += \
	debian/automake.mk \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/nfvs-switch.install \
	debian/nfvs-switch.logrotate \
	debian/README.Debian \
	debian/nfvs-switch.postinst \
	debian/nfvs-switch.postrm \
	debian/rules \
	debian/source/format

# make check-package (root): builds the .debs from the distribution
# tarball, runs lintian and "dkms build", and installs and exercises the
# packages in the test VM with systemd as PID 1 (tests/package-check.sh).
# Results in tests/pkg-work/; the last line is "N passed, M failed, K
# skipped".
EXTRA_DIST += tests/package-build.sh tests/package-check.sh \
	tests/vm/package-test.sh
PKG_WORKDIR = $(abs_top_builddir)/tests/pkg-work
check-package: dist
	bash '$(abs_top_srcdir)/tests/package-check.sh' \
	  '$(abs_top_builddir)/$(distdir).tar.gz' '$(PKG_WORKDIR)'
.PHONY: check-package
clean-local: clean-package-tests
clean-package-tests:
	rm -rf tests/pkg-work
.PHONY: clean-package-tests
