noinst_HEADERS += datapath/nfvs_abi.h
EXTRA_DIST += datapath/dkms.conf datapath/nfvs-modules-load.conf
# nfvs.ko, built through Kbuild against $(KBUILD) (configure --with-linux)
# when that is set.  The module's sources are copied into datapath/kmod/
# in the build tree and built there with M=, so the source tree stays
# clean (and VPATH never mistakes a copy for a source); the result is
# datapath/nfvs.ko.
DATAPATH_KMOD_FILES = \
	datapath/Kbuild \
	datapath/actions.c \
	datapath/datapath.c \
	datapath/datapath.h \
	datapath/dp_genl.c \
	datapath/dp_genl.h \
	datapath/flow.c \
	datapath/flow.h \
	datapath/flow_netlink.c \
	datapath/flow_netlink.h \
	datapath/flow_table.c \
	datapath/flow_table.h \
	datapath/meter.c \
	datapath/meter.h \
	datapath/nfvs_abi.h \
	datapath/vport-internal.c \
	datapath/vport-netdev.c \
	datapath/vport.c \
	datapath/vport.h
EXTRA_DIST += $(DATAPATH_KMOD_FILES) datapath/.gitignore
DATAPATH_KMOD =
if LINUX_ENABLED
DATAPATH_KMOD += datapath/nfvs.ko
endif
all-local: $(DATAPATH_KMOD)
datapath/nfvs.ko: $(DATAPATH_KMOD_FILES)
	@$(MKDIR_P) datapath/kmod
	@for f in $(DATAPATH_KMOD_FILES); do \
	  cmp -s '$(abs_srcdir)'/$$f datapath/kmod/`basename $$f` || \
	    cp -p '$(abs_srcdir)'/$$f datapath/kmod/ || exit 1; \
	done
	$(MAKE) -C '$(KBUILD)' M='$(abs_builddir)/datapath/kmod' modules
	cp -p datapath/kmod/nfvs.ko $@
clean-local: clean-datapath
clean-datapath:
	rm -rf datapath/kmod datapath/nfvs.ko
.PHONY: clean-datapath
