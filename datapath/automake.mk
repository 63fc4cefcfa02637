noinst_HEADERS += datapath/nfvs_abi.h
