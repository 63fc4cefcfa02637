noinst_HEADERS += datapath/nfvs_abi.h
EXTRA_DIST += datapath/dkms.conf datapath/nfvs-modules-load.conf
