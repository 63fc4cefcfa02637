noinst_HEADERS += datapath/nfvs_abi.h
EXTRA_DIST += datapath/dkms.conf datapath/nfvs-modules-load.conf
# The module source, shipped in the tarball for the DKMS package.
EXTRA_DIST += datapath/Kbuild \
	datapath/actions.c \
	datapath/datapath.c datapath/datapath.h \
	datapath/dp_genl.c datapath/dp_genl.h \
	datapath/flow.c datapath/flow.h \
	datapath/flow_netlink.c datapath/flow_netlink.h \
	datapath/flow_table.c datapath/flow_table.h \
	datapath/vport.c datapath/vport.h \
	datapath/vport-internal.c datapath/vport-netdev.c
