# One line per module so that parallel work merges cleanly (see
# .gitattributes).
noinst_LTLIBRARIES += lib/libnfvs.la
lib_libnfvs_la_LIBADD = $(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_PTHREADS_LIBS) \
	$(LIBEVENT_LIBS) $(JANSSON_LIBS) $(OPENSSL_LIBS) $(LIBNL_GENL_LIBS) \
	$(LIBNL_LIBS)
lib_libnfvs_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENSSL_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_GENL_CFLAGS)
lib_libnfvs_la_SOURCES =
lib_libnfvs_la_SOURCES += lib/byte-order.h lib/packets.h
lib_libnfvs_la_SOURCES += lib/dynamic-string.c lib/dynamic-string.h
lib_libnfvs_la_SOURCES += lib/flow.c lib/flow.h
lib_libnfvs_la_SOURCES += lib/hash.c lib/hash.h
lib_libnfvs_la_SOURCES += lib/hmap.c lib/hmap.h
lib_libnfvs_la_SOURCES += lib/list.c lib/list.h
lib_libnfvs_la_SOURCES += lib/match.c lib/match.h
lib_libnfvs_la_SOURCES += lib/util.c lib/util.h
lib_libnfvs_la_SOURCES += lib/mac-learning.c lib/mac-learning.h
lib_libnfvs_la_SOURCES += lib/nlattr.c lib/nlattr.h
lib_libnfvs_la_SOURCES += lib/odp-util.c lib/odp-util.h
lib_libnfvs_la_SOURCES += lib/classifier.c lib/classifier.h
lib_libnfvs_la_SOURCES += lib/flow-table.c lib/flow-table.h
lib_libnfvs_la_SOURCES += lib/jsonrpc.c lib/jsonrpc.h
lib_libnfvs_la_SOURCES += lib/rpc-client.c lib/rpc-client.h
lib_libnfvs_la_SOURCES += lib/rpc-parse.c lib/rpc-parse.h
lib_libnfvs_la_SOURCES += lib/rpc-server.c lib/rpc-server.h
lib_libnfvs_la_SOURCES += lib/rtnl-link.c lib/rtnl-link.h
lib_libnfvs_la_SOURCES += lib/rpc-params.c
lib_libnfvs_la_SOURCES += lib/stream.c lib/stream.h lib/stream-provider.h
lib_libnfvs_la_SOURCES += lib/stream-unix.c
lib_libnfvs_la_SOURCES += lib/csum.c lib/csum.h
lib_libnfvs_la_SOURCES += lib/dp-packet.c lib/dp-packet.h
lib_libnfvs_la_SOURCES += lib/dp-packet-offload.c lib/dp-packet-offload.h
lib_libnfvs_la_SOURCES += lib/netdev.c lib/netdev.h lib/netdev-provider.h
lib_libnfvs_la_SOURCES += lib/netdev-dummy.c
lib_libnfvs_la_SOURCES += lib/netdev-linux.c
lib_libnfvs_la_SOURCES += lib/meta-flow.c lib/meta-flow.h
lib_libnfvs_la_SOURCES += lib/ofp-parse.c lib/ofp-parse.h
lib_libnfvs_la_SOURCES += lib/ofp-actions.c lib/ofp-actions.h
lib_libnfvs_la_SOURCES += lib/ofp-flow.c lib/ofp-flow.h
lib_libnfvs_la_SOURCES += lib/ofp-group.c lib/ofp-group.h
# OpenFlow 1.3 wire messages (issue #16).
lib_libnfvs_la_SOURCES += lib/ofp-msgs.c lib/ofp-msgs.h
lib_libnfvs_la_SOURCES += lib/vlog.c lib/vlog.h
lib_libnfvs_la_SOURCES += lib/db.c lib/db.h
lib_libnfvs_la_SOURCES += lib/daemon.c lib/daemon.h
lib_libnfvs_la_SOURCES += lib/ofproto.c lib/ofproto.h
lib_libnfvs_la_SOURCES += lib/xlate.c lib/xlate.h
lib_libnfvs_la_SOURCES += lib/dpif.c lib/dpif.h lib/dpif-provider.h
lib_libnfvs_la_SOURCES += lib/dpif-userspace.c
lib_libnfvs_la_SOURCES += lib/odp-execute.c lib/odp-execute.h
lib_libnfvs_la_SOURCES += lib/udpif.c lib/udpif.h
lib_libnfvs_la_SOURCES += lib/histogram.c lib/histogram.h
lib_libnfvs_la_SOURCES += lib/ofproto-dpif.c lib/ofproto-dpif.h
lib_libnfvs_la_SOURCES += lib/json-util.c lib/json-util.h
lib_libnfvs_la_SOURCES += lib/netlink-socket.c lib/netlink-socket.h
lib_libnfvs_la_SOURCES += lib/dpif-netlink.c
lib_libnfvs_la_SOURCES += lib/dpif-netlink-msg.c lib/dpif-netlink-msg.h
lib_libnfvs_la_SOURCES += lib/netdev-vport.c
lib_libnfvs_la_SOURCES += lib/conntrack.c lib/conntrack.h lib/conntrack-private.h lib/conntrack-tcp.c lib/conntrack-other.c lib/conntrack-format.c
lib_libnfvs_la_SOURCES += lib/stream-ssl.c lib/stream-ssl.h
lib_libnfvs_la_SOURCES += lib/ofp-meter.c lib/ofp-meter.h
