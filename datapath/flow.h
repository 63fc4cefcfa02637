/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exact-match flow key and its extraction from a packet.
 *
 * struct nfvs_key holds exactly the fields of the ABI's key attributes
 * (nfvs_abi.h).  It has a fixed layout and is always zeroed whole before
 * it is filled, so it can be hashed whole and compared with memcmp().  A
 * field is set only when the key attribute that carries it is part of
 * the packet's key, so that the key built from a packet and the key
 * parsed from that packet's attributes (flow_netlink.c) are bit-equal.
 *
 * The extraction rules are those of lib/flow.c in userspace (which
 * follows Open vSwitch): one VLAN tag, LLC/SNAP, IPv4/IPv6 sanity checks,
 * IPv6 extension headers, fragments, TCP/UDP/SCTP ports, ICMP, ICMPv6
 * with neighbour discovery, and ARP.  tcp_ctl keeps only SYN, FIN and
 * RST.
 */
#ifndef NFVS_FLOW_H
#define NFVS_FLOW_H

#include <linux/in6.h>
#include <linux/types.h>

struct sk_buff;

/* TCP flags as in the header's low 12 bits (host order). */
#define NFVS_TCP_FIN		0x0001
#define NFVS_TCP_SYN		0x0002
#define NFVS_TCP_ACK		0x0010
/* The key's tcp_ctl bits: FIN, SYN and RST. */
#define NFVS_TCP_CTL_MASK	0x0007
/* In a key's vlan_tci: the packet has a tag. */
#define NFVS_VLAN_CFI		0x1000
/* eth_type of an 802.3 frame without an Ethernet SNAP header. */
#define NFVS_ETH_TYPE_NONE	0x05ff

/**
 * struct nfvs_key - an exact-match flow key.
 * @in_port: datapath port the packet came in on.
 * @vlan_tci: TCI of the outer VLAN tag with NFVS_VLAN_CFI set, or 0.
 * @eth_type: Ethertype after the tag (NFVS_ETH_TYPE_NONE for 802.3).
 * @eth_src: Ethernet source.
 * @eth_dst: Ethernet destination.
 * @nw_proto: IP protocol, or the ARP opcode when it fits in 8 bits.
 * @nw_tos: IPv4 TOS or IPv6 traffic class.
 * @nw_ttl: IPv4 TTL or IPv6 hop limit.
 * @nw_frag: enum nfvs_frag_type.
 * @tp_src: TCP/UDP/SCTP source port, or ICMP type (network order u16).
 * @tp_dst: TCP/UDP/SCTP destination port, or ICMP code.
 * @tcp_ctl: SYN|FIN|RST of a TCP segment (network order).
 * @arp_sha: ARP sender hardware address or ND source link address.
 * @arp_tha: ARP target hardware address or ND target link address.
 * @pad: always zero.
 * @ipv6_label: IPv6 flow label (network order, low 20 bits).
 * @addr: IPv4 (or ARP) addresses, or IPv6 addresses.
 * @nd_target: ND target address.
 */
struct nfvs_key {
	u32 in_port;
	__be16 vlan_tci;
	__be16 eth_type;
	u8 eth_src[6];
	u8 eth_dst[6];
	u8 nw_proto;
	u8 nw_tos;
	u8 nw_ttl;
	u8 nw_frag;
	__be16 tp_src;
	__be16 tp_dst;
	__be16 tcp_ctl;
	u8 arp_sha[6];
	u8 arp_tha[6];
	u16 pad;
	__be32 ipv6_label;
	union {
		struct {
			__be32 src;	/* IPv4 source or ARP sender. */
			__be32 dst;	/* IPv4 destination or ARP target. */
		} ipv4;
		struct {
			struct in6_addr src;	/* IPv6 source. */
			struct in6_addr dst;	/* IPv6 destination. */
		} ipv6;
	} addr;
	struct in6_addr nd_target;
};

/**
 * struct nfvs_pkt_info - what the datapath needs of a packet beyond its key.
 * @l3_ofs: offset of the L3 header from the Ethernet header, or 0.
 * @l4_ofs: offset of the L4 header, or 0 if there is none.
 * @l4_size: bytes from the L4 header to the end of the IP datagram.
 * @is_tcp: the 20 bytes of a TCP header are there (of a first or only
 * fragment); the fields below are valid.
 * @tcp_flags: the segment's flags (low 12 bits).
 * @tcp_seq: sequence number (host order).
 * @tcp_ack: acknowledgment number (host order).
 * @tcp_win: window field (host order).
 * @tcp_hlen: TCP header length in bytes, from the data offset field.
 */
struct nfvs_pkt_info {
	u16 l3_ofs;
	u16 l4_ofs;
	u32 l4_size;
	bool is_tcp;
	u16 tcp_flags;
	u32 tcp_seq;
	u32 tcp_ack;
	u16 tcp_win;
	u16 tcp_hlen;
};

int nfvs_key_extract(struct sk_buff *skb, u32 in_port, struct nfvs_key *key,
		     struct nfvs_pkt_info *info);

#endif /* NFVS_FLOW_H */
