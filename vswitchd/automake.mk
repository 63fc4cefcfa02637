sbin_PROGRAMS += vswitchd/nfvs-vswitchd
vswitchd_nfvs_vswitchd_LDADD = lib/libnfvs.la
vswitchd_nfvs_vswitchd_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBEVENT_CFLAGS)
vswitchd_nfvs_vswitchd_SOURCES =
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/nfvs-vswitchd.c
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/bridge.c vswitchd/bridge.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/bridge-rpc.c vswitchd/bridge-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/flow-rpc.c vswitchd/flow-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/dp-rpc.c vswitchd/dp-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/ct-rpc.c vswitchd/ct-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/txn-rpc.c vswitchd/txn-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/monitor.c vswitchd/monitor.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/port-rpc.c vswitchd/port-rpc.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/metrics.c vswitchd/metrics.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/group-rpc.c vswitchd/group-rpc.h
# OpenFlow 1.3 connections (issue #16).
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/ofconn.c vswitchd/ofconn.h
vswitchd_nfvs_vswitchd_SOURCES += vswitchd/meter-rpc.c vswitchd/meter-rpc.h
EXTRA_DIST += vswitchd/nfvs-vswitchd.service
