# Debian packaging (debian/), shipped in the tarball so that the packages
# can be built from it; "make check-package" builds and tests them.
EXTRA_DIST += \
	debian/automake.mk \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/nfvs-datapath-dkms.install \
	debian/nfvs-switch.install \
	debian/nfvs-switch.postinst \
	debian/nfvs-switch.postrm \
	debian/rules \
	debian/source/format
