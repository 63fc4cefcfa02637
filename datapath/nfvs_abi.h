/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The generic netlink ABI between nfvs.ko and userspace.
 *
 * This is the one header shared by datapath/ and lib/.  The ABI is made of
 * attributes, never of struct layouts beyond the few fixed-size structs
 * below: new features add attributes, and an attribute a receiver does
 * not know is rejected with -EINVAL (strict validation), so old and new
 * peers fail loudly instead of misreading each other.
 *
 * Families: nfvs_datapath, nfvs_vport, nfvs_flow and nfvs_packet.  Every
 * message starts with a struct nfvs_header naming the datapath.
 *
 * Flow keys are exact: every field the packet has is present.  The TCP
 * key carries tcp_ctl, the packet's SYN, FIN and RST bits, so that every
 * such packet misses the flow table and reaches userspace, where the
 * connection tracker sees each state change.
 *
 * The userspace datapath (lib/dpif-userspace.c) speaks the same key and
 * action formats internally, so both datapaths cache the same flows.
 */
#ifndef _NFVS_ABI_H
#define _NFVS_ABI_H

#include <linux/types.h>

#define NFVS_GENL_VERSION 1

#define NFVS_DATAPATH_FAMILY "nfvs_datapath"
#define NFVS_VPORT_FAMILY "nfvs_vport"
#define NFVS_FLOW_FAMILY "nfvs_flow"
#define NFVS_PACKET_FAMILY "nfvs_packet"
#define NFVS_VPORT_MCGROUP "nfvs_vport"
#define NFVS_METER_FAMILY "nfvs_meter"

/**
 * struct nfvs_header - header of every nfvs generic netlink message.
 * @dp_ifindex: ifindex of the datapath's local (internal) port, which
 * names the datapath; 0 in requests that name it by NFVS_DP_ATTR_NAME.
 */
struct nfvs_header {
	int dp_ifindex;
};

/* Datapaths. */

enum nfvs_dp_cmd {
	NFVS_DP_CMD_UNSPEC,
	NFVS_DP_CMD_NEW,
	NFVS_DP_CMD_DEL,
	NFVS_DP_CMD_GET,
	NFVS_DP_CMD_SET,
};

enum nfvs_dp_attr {
	NFVS_DP_ATTR_UNSPEC,
	NFVS_DP_ATTR_NAME,		/* string, the local port's name */
	NFVS_DP_ATTR_UPCALL_PIDS,	/* array of __u32 netlink port ids */
	NFVS_DP_ATTR_STATS,		/* struct nfvs_dp_stats */
	NFVS_DP_ATTR_FLOW_LIMIT,	/* __u32, maximum number of flows */
	NFVS_DP_ATTR_PAD,
	NFVS_DP_ATTR_UPCALL_DEDUPE_MS,	/* __u32, 0: never suppress a miss */
	__NFVS_DP_ATTR_MAX
};

#define NFVS_DP_ATTR_MAX (__NFVS_DP_ATTR_MAX - 1)

/**
 * struct nfvs_dp_stats - datapath counters.
 * @n_hit: packets that matched a flow.
 * @n_missed: packets that matched no flow and were sent to userspace.
 * @n_lost: packets that matched no flow and could not be sent to
 * userspace; the sum of the n_lost_* counters.
 * @n_lost_queue: lost because the handler socket's queue was full.
 * @n_lost_nomem: lost because no memory was available for the upcall.
 * @n_lost_nopid: lost because no handler socket was registered.
 * @n_flows: flows in the table now.
 * @n_flow_limit: flow installs refused because the table was full.
 * @n_lost_dup: misses not sent because an upcall for the same key hash
 * was sent less than the datapath's dedupe time ago (a retry after that
 * time goes out again).  Appended after the first release: readers
 * must accept a shorter struct and treat the missing counter as 0.
 */
struct nfvs_dp_stats {
	__u64 n_hit;
	__u64 n_missed;
	__u64 n_lost;
	__u64 n_lost_queue;
	__u64 n_lost_nomem;
	__u64 n_lost_nopid;
	__u64 n_flows;
	__u64 n_flow_limit;
	__u64 n_lost_dup;
};

/* Vports. */

enum nfvs_vport_cmd {
	NFVS_VPORT_CMD_UNSPEC,
	NFVS_VPORT_CMD_NEW,
	NFVS_VPORT_CMD_DEL,
	NFVS_VPORT_CMD_GET,
};

enum nfvs_vport_type {
	NFVS_VPORT_TYPE_UNSPEC,
	NFVS_VPORT_TYPE_NETDEV,		/* an existing device, attached */
	NFVS_VPORT_TYPE_INTERNAL,	/* a device the datapath creates */
	__NFVS_VPORT_TYPE_MAX
};

enum nfvs_vport_attr {
	NFVS_VPORT_ATTR_UNSPEC,
	NFVS_VPORT_ATTR_PORT_NO,	/* __u32 datapath port number */
	NFVS_VPORT_ATTR_TYPE,		/* __u32 enum nfvs_vport_type */
	NFVS_VPORT_ATTR_NAME,		/* string */
	NFVS_VPORT_ATTR_IFINDEX,	/* __u32, read-only */
	NFVS_VPORT_ATTR_STATS,		/* struct nfvs_vport_stats */
	NFVS_VPORT_ATTR_PAD,
	__NFVS_VPORT_ATTR_MAX
};

#define NFVS_VPORT_ATTR_MAX (__NFVS_VPORT_ATTR_MAX - 1)

/* The local port, named after the datapath, is always port 0. */
#define NFVS_VPORT_LOCAL 0

struct nfvs_vport_stats {
	__u64 rx_packets;
	__u64 tx_packets;
	__u64 rx_bytes;
	__u64 tx_bytes;
	__u64 rx_dropped;
	__u64 tx_dropped;
};

/* Flows. */

enum nfvs_flow_cmd {
	NFVS_FLOW_CMD_UNSPEC,
	NFVS_FLOW_CMD_NEW,	/* NLM_F_CREATE: add; NLM_F_REPLACE: modify */
	NFVS_FLOW_CMD_DEL,	/* with no key: flush */
	NFVS_FLOW_CMD_GET,	/* NLM_F_DUMP: every flow */
	NFVS_FLOW_CMD_SET,
};

enum nfvs_flow_attr {
	NFVS_FLOW_ATTR_UNSPEC,
	NFVS_FLOW_ATTR_KEY,		/* nested enum nfvs_key_attr */
	NFVS_FLOW_ATTR_ACTIONS,		/* nested enum nfvs_action_attr */
	NFVS_FLOW_ATTR_STATS,		/* struct nfvs_flow_stats */
	NFVS_FLOW_ATTR_USED,		/* __u64 msecs, CLOCK_MONOTONIC */
	NFVS_FLOW_ATTR_TCP_FLAGS,	/* __u16, OR of the packets' flags */
	NFVS_FLOW_ATTR_TCP_SEQ,		/* struct nfvs_flow_tcp_seq */
	NFVS_FLOW_ATTR_CLEAR,		/* flag: zero stats after reading */
	NFVS_FLOW_ATTR_PAD,
	NFVS_FLOW_ATTR_PACKET,		/* NEW only: a frame to run the actions
					 * on once the flow is in (see below)
					 */
	__NFVS_FLOW_ATTR_MAX
};

#define NFVS_FLOW_ATTR_MAX (__NFVS_FLOW_ATTR_MAX - 1)

/*
 * NFVS_FLOW_ATTR_PACKET lets one NFVS_FLOW_CMD_NEW both install the flow
 * of a miss and forward the missed packet: the frame (from Ethernet on,
 * at least ETH_HLEN bytes) goes through the request's actions as if it
 * had come in on the key's in_port, right after the flow is added, and
 * also when the flow is not added because it exists (-EEXIST) or the
 * table is at its limit (-ENOSPC).  The request's result is the flow's;
 * any other error means the packet was not sent either.  A frame that
 * cannot be sent is dropped, as a lost upcall would be.
 */

struct nfvs_flow_stats {
	__u64 n_packets;
	__u64 n_bytes;
};

/**
 * struct nfvs_flow_tcp_seq - what a cached TCP flow saw of its segments.
 * @seq_end: highest sequence number end (seq + payload length, plus one
 * for SYN or FIN) seen, in host byte order; valid if @valid.
 * @ack: acknowledgment number of the last segment with ACK set.
 * @win: window field of that segment, unscaled.
 * @valid: nonzero once a segment was seen.
 *
 * Connection tracking reads these when the connection's next FIN or RST
 * reaches userspace, so that window checks stay exact for connections
 * whose data runs in the datapath.
 */
struct nfvs_flow_tcp_seq {
	__u32 seq_end;
	__u32 ack;
	__u16 win;
	__u16 valid;
};

/* Flow keys. */

enum nfvs_key_attr {
	NFVS_KEY_ATTR_UNSPEC,
	NFVS_KEY_ATTR_IN_PORT,		/* __u32 datapath port */
	NFVS_KEY_ATTR_ETHERNET,		/* struct nfvs_key_ethernet */
	NFVS_KEY_ATTR_VLAN,		/* __be16 TCI with VLAN_CFI set */
	NFVS_KEY_ATTR_ETHERTYPE,	/* __be16 */
	NFVS_KEY_ATTR_IPV4,		/* struct nfvs_key_ipv4 */
	NFVS_KEY_ATTR_IPV6,		/* struct nfvs_key_ipv6 */
	NFVS_KEY_ATTR_TCP,		/* struct nfvs_key_ports */
	NFVS_KEY_ATTR_UDP,		/* struct nfvs_key_ports */
	NFVS_KEY_ATTR_SCTP,		/* struct nfvs_key_ports */
	NFVS_KEY_ATTR_ICMP,		/* struct nfvs_key_icmp */
	NFVS_KEY_ATTR_ICMPV6,		/* struct nfvs_key_icmp */
	NFVS_KEY_ATTR_ARP,		/* struct nfvs_key_arp */
	NFVS_KEY_ATTR_ND,		/* struct nfvs_key_nd */
	NFVS_KEY_ATTR_TCP_CTL,		/* __be16, SYN|FIN|RST of the packet */
	__NFVS_KEY_ATTR_MAX
};

#define NFVS_KEY_ATTR_MAX (__NFVS_KEY_ATTR_MAX - 1)

struct nfvs_key_ethernet {
	__u8 eth_src[6];
	__u8 eth_dst[6];
};

/* Values of 'ipv4_frag' and 'ipv6_frag'. */
enum nfvs_frag_type {
	NFVS_FRAG_TYPE_NONE,
	NFVS_FRAG_TYPE_FIRST,
	NFVS_FRAG_TYPE_LATER,
	__NFVS_FRAG_TYPE_MAX
};

struct nfvs_key_ipv4 {
	__be32 ipv4_src;
	__be32 ipv4_dst;
	__u8 ipv4_proto;
	__u8 ipv4_tos;
	__u8 ipv4_ttl;
	__u8 ipv4_frag;		/* enum nfvs_frag_type */
};

struct nfvs_key_ipv6 {
	__be32 ipv6_src[4];
	__be32 ipv6_dst[4];
	__be32 ipv6_label;	/* low 20 bits */
	__u8 ipv6_proto;
	__u8 ipv6_tclass;
	__u8 ipv6_hlimit;
	__u8 ipv6_frag;		/* enum nfvs_frag_type */
};

struct nfvs_key_ports {
	__be16 src;
	__be16 dst;
};

struct nfvs_key_icmp {
	__u8 icmp_type;
	__u8 icmp_code;
};

struct nfvs_key_arp {
	__be32 arp_sip;
	__be32 arp_tip;
	__be16 arp_op;
	__u8 arp_sha[6];
	__u8 arp_tha[6];
};

struct nfvs_key_nd {
	__be32 nd_target[4];
	__u8 nd_sll[6];
	__u8 nd_tll[6];
};

/*
 * Actions.
 *
 * NFVS_ACTION_ATTR_SET holds exactly one key attribute of the full size
 * of its struct: ETHERNET, IPV4, IPV6, TCP, UDP or ARP (the opcode and
 * the four addresses of an Ethernet/IPv4 ARP packet).  The flow's key
 * must have that header.
 */

enum nfvs_action_attr {
	NFVS_ACTION_ATTR_UNSPEC,
	NFVS_ACTION_ATTR_OUTPUT,	/* __u32 datapath port */
	NFVS_ACTION_ATTR_USERSPACE,	/* nested enum nfvs_userspace_attr */
	NFVS_ACTION_ATTR_SET,		/* one nested key attribute */
	NFVS_ACTION_ATTR_PUSH_VLAN,	/* struct nfvs_action_push_vlan */
	NFVS_ACTION_ATTR_POP_VLAN,	/* no payload */

	/* Meters. */
	NFVS_ACTION_ATTR_METER,		/* __u32 meter id: drop or go on */
	__NFVS_ACTION_ATTR_MAX
};

#define NFVS_ACTION_ATTR_MAX (__NFVS_ACTION_ATTR_MAX - 1)

/**
 * struct nfvs_action_push_vlan - push an 802.1Q header.
 * @vlan_tpid: tag protocol, ETH_P_8021Q or ETH_P_8021AD.
 * @vlan_tci: tag control information; VLAN_CFI (0x1000) must be set
 * and is cleared in the pushed header.
 */
struct nfvs_action_push_vlan {
	__be16 vlan_tpid;
	__be16 vlan_tci;
};

enum nfvs_userspace_attr {
	NFVS_USERSPACE_ATTR_UNSPEC,
	NFVS_USERSPACE_ATTR_PID,	/* __u32 netlink port id */
	NFVS_USERSPACE_ATTR_USERDATA,	/* opaque, returned in the upcall */
	__NFVS_USERSPACE_ATTR_MAX
};

#define NFVS_USERSPACE_ATTR_MAX (__NFVS_USERSPACE_ATTR_MAX - 1)

/* Packets. */

enum nfvs_packet_cmd {
	NFVS_PACKET_CMD_UNSPEC,
	NFVS_PACKET_CMD_MISS,		/* upcall: no flow matched */
	NFVS_PACKET_CMD_ACTION,		/* upcall: userspace action */
	NFVS_PACKET_CMD_EXECUTE,	/* userspace: run actions on packet */
};

enum nfvs_packet_attr {
	NFVS_PACKET_ATTR_UNSPEC,
	NFVS_PACKET_ATTR_PACKET,	/* the frame, from Ethernet on */
	NFVS_PACKET_ATTR_KEY,		/* nested enum nfvs_key_attr */
	NFVS_PACKET_ATTR_ACTIONS,	/* nested enum nfvs_action_attr */
	NFVS_PACKET_ATTR_USERDATA,	/* from the userspace action */
	NFVS_PACKET_ATTR_HASH,		/* __u32 flow hash (handler choice) */
	NFVS_PACKET_ATTR_CSUM_VALID,	/* flag: L4 checksum needs no check */
	__NFVS_PACKET_ATTR_MAX
};

#define NFVS_PACKET_ATTR_MAX (__NFVS_PACKET_ATTR_MAX - 1)

/*
 * Meters.
 *
 * A datapath's meters are token buckets that NFVS_ACTION_ATTR_METER runs
 * packets through: a packet passes if the bucket holds its cost (its
 * length in bits for a kbps meter, one packet otherwise), and the rest
 * of the action list then runs; otherwise it is dropped and counted.
 * A meter action naming a meter the datapath does not have drops.
 *
 * NEW needs ID, RATE and BURST (NLM_F_REPLACE replaces an existing
 * meter's configuration, keeping its counters; without it an existing id
 * is -EEXIST).  DEL and GET need ID; GET with NLM_F_DUMP lists every
 * meter.  STATS is read-only.
 */

enum nfvs_meter_cmd {
	NFVS_METER_CMD_UNSPEC,
	NFVS_METER_CMD_NEW,
	NFVS_METER_CMD_DEL,
	NFVS_METER_CMD_GET,
};

enum nfvs_meter_attr {
	NFVS_METER_ATTR_UNSPEC,
	NFVS_METER_ATTR_ID,		/* __u32, 1..NFVS_METER_ID_MAX */
	NFVS_METER_ATTR_KBPS,		/* flag: rate in kbit/s, else pkt/s */
	NFVS_METER_ATTR_RATE,		/* __u32, nonzero */
	NFVS_METER_ATTR_BURST,		/* __u32 kbit or packets, nonzero */
	NFVS_METER_ATTR_STATS,		/* struct nfvs_meter_stats, read-only */
	NFVS_METER_ATTR_PAD,
	__NFVS_METER_ATTR_MAX
};

#define NFVS_METER_ATTR_MAX (__NFVS_METER_ATTR_MAX - 1)

/* Largest meter id (OpenFlow's OFPM_MAX). */
#define NFVS_METER_ID_MAX 0xffff0000

/**
 * struct nfvs_meter_stats - a meter's counters.
 * @n_packets: packets that reached the meter.
 * @n_bytes: their bytes.
 * @n_band_packets: packets the drop band dropped.
 * @n_band_bytes: their bytes.
 */
struct nfvs_meter_stats {
	__u64 n_packets;
	__u64 n_bytes;
	__u64 n_band_packets;
	__u64 n_band_bytes;
};

#endif /* _NFVS_ABI_H */
