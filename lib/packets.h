/* lib/packets.h: protocol header layouts and constants.
 *
 * Header structs describe bytes on the wire: every multi-byte field is in
 * network byte order.  Every wire struct is packed (alignment 1), so a
 * pointer to one may point anywhere inside a packet buffer and member
 * reads and writes compile to unaligned-safe accesses.  Copy fields out by
 * value; never take the address of a multi-byte member of a packed struct
 * and use it as a pointer to an aligned type.
 *
 * Each header has a *_LEN constant checked against its struct's size, so
 * parsers test "is there room for this header" with the constant.
 *
 * Plain definitions: no thread-safety concerns. */
#ifndef NFVS_PACKETS_H
#define NFVS_PACKETS_H 1

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include "byte-order.h"

#define ETH_ADDR_LEN 6

struct eth_addr {
    uint8_t ea[ETH_ADDR_LEN];
};

#define ETH_ADDR_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define ETH_ADDR_ARGS(EA) \
    (EA).ea[0], (EA).ea[1], (EA).ea[2], (EA).ea[3], (EA).ea[4], (EA).ea[5]

static inline bool
eth_addr_is_zero(struct eth_addr a)
{
    static const struct eth_addr zero;
    return !memcmp(&a, &zero, sizeof a);
}

static inline bool
eth_addr_is_multicast(struct eth_addr a)
{
    return a.ea[0] & 1;
}

static inline bool
eth_addr_is_broadcast(struct eth_addr a)
{
    return (a.ea[0] & a.ea[1] & a.ea[2] & a.ea[3] & a.ea[4] & a.ea[5])
           == 0xff;
}

static inline bool
eth_addr_equals(struct eth_addr a, struct eth_addr b)
{
    return !memcmp(&a, &b, sizeof a);
}

#define ETH_TYPE_IP     0x0800
#define ETH_TYPE_ARP    0x0806
#define ETH_TYPE_VLAN   0x8100
#define ETH_TYPE_IPV6   0x86dd
#define ETH_TYPE_VLAN_8021AD 0x88a8
#define ETH_TYPE_RARP   0x8035

/* Values of the Ethernet type/length field below ETH_TYPE_MIN are 802.3
 * lengths, not Ethertypes.  A flow gets FLOW_DL_TYPE_NONE as its dl_type
 * for an 802.3 frame that carries no SNAP-encapsulated Ethertype (OVS's
 * value, 0x05ff). */
#define ETH_TYPE_MIN        0x600
#define FLOW_DL_TYPE_NONE   0x5ff

static inline bool
eth_type_is_vlan(nfvs_be16 eth_type)
{
    return (eth_type == htons(ETH_TYPE_VLAN)
            || eth_type == htons(ETH_TYPE_VLAN_8021AD));
}

/* 802.1Q TCI bits. */
#define VLAN_VID_MASK   0x0fff
#define VLAN_CFI        0x1000  /* In a flow: "the packet has a tag". */
#define VLAN_PCP_MASK   0xe000
#define VLAN_PCP_SHIFT  13


/* Ethernet II. */
#define ETH_HEADER_LEN 14
struct eth_header {
    struct eth_addr eth_dst;    /* Destination MAC. */
    struct eth_addr eth_src;    /* Source MAC. */
    nfvs_be16 eth_type;         /* Ethertype, or 802.3 length. */
} __attribute__((packed));
_Static_assert(sizeof(struct eth_header) == ETH_HEADER_LEN, "eth_header");

/* An 802.1Q (or 802.1ad) tag as it sits after the MAC addresses: the TPID
 * takes the place of the Ethertype and the real Ethertype follows. */
#define VLAN_ETH_HEADER_LEN 18
struct vlan_eth_header {
    struct eth_addr veth_dst;   /* Destination MAC. */
    struct eth_addr veth_src;   /* Source MAC. */
    nfvs_be16 veth_type;        /* TPID: ETH_TYPE_VLAN or _VLAN_8021AD. */
    nfvs_be16 veth_tci;         /* PCP, DEI (the flow's VLAN_CFI), VID. */
    nfvs_be16 veth_next_type;   /* Ethertype of the payload. */
} __attribute__((packed));
_Static_assert(sizeof(struct vlan_eth_header) == VLAN_ETH_HEADER_LEN,
               "vlan_eth_header");

/* The 4 bytes of a tag alone (TPID + TCI). */
#define VLAN_HEADER_LEN 4
struct vlan_header {
    nfvs_be16 vlan_tpid;        /* ETH_TYPE_VLAN or ETH_TYPE_VLAN_8021AD. */
    nfvs_be16 vlan_tci;         /* PCP, DEI, VID. */
} __attribute__((packed));
_Static_assert(sizeof(struct vlan_header) == VLAN_HEADER_LEN, "vlan_header");

/* 802.2 LLC and SNAP, which follow an 802.3 length field. */
#define LLC_DSAP_SNAP 0xaa
#define LLC_SSAP_SNAP 0xaa
#define LLC_CNTL_SNAP 3

#define LLC_HEADER_LEN 3
struct llc_header {
    uint8_t llc_dsap;           /* Destination service access point. */
    uint8_t llc_ssap;           /* Source service access point. */
    uint8_t llc_cntl;           /* Control. */
} __attribute__((packed));
_Static_assert(sizeof(struct llc_header) == LLC_HEADER_LEN, "llc_header");

#define SNAP_ORG_ETHERNET "\0\0"    /* 3 zero bytes, with the NUL. */
#define LLC_SNAP_HEADER_LEN 8
struct llc_snap_header {
    struct llc_header llc;      /* DSAP and SSAP 0xaa, control 3. */
    uint8_t snap_org[3];        /* Organization; 0 for Ethertypes. */
    nfvs_be16 snap_type;        /* Ethertype. */
} __attribute__((packed));
_Static_assert(sizeof(struct llc_snap_header) == LLC_SNAP_HEADER_LEN,
               "llc_snap_header");

/* ARP for Ethernet and IPv4, the only kind a flow describes. */
#define ARP_HRD_ETHERNET 1
#define ARP_OP_REQUEST   1
#define ARP_OP_REPLY     2

#define ARP_ETH_HEADER_LEN 28
struct arp_eth_header {
    nfvs_be16 ar_hrd;           /* Hardware type: ARP_HRD_ETHERNET. */
    nfvs_be16 ar_pro;           /* Protocol type: ETH_TYPE_IP. */
    uint8_t ar_hln;             /* Hardware address length: 6. */
    uint8_t ar_pln;             /* Protocol address length: 4. */
    nfvs_be16 ar_op;            /* Opcode: ARP_OP_*. */
    struct eth_addr ar_sha;     /* Sender hardware address. */
    nfvs_be32 ar_spa;           /* Sender protocol address. */
    struct eth_addr ar_tha;     /* Target hardware address. */
    nfvs_be32 ar_tpa;           /* Target protocol address. */
} __attribute__((packed));
_Static_assert(sizeof(struct arp_eth_header) == ARP_ETH_HEADER_LEN,
               "arp_eth_header");

/* IPv4. */
#define IP_VERSION 4
#define IP_VER(IHL_VER) ((IHL_VER) >> 4)
#define IP_IHL(IHL_VER) ((IHL_VER) & 15)
#define IP_IHL_VER(IHL, VER) (((VER) << 4) | (IHL))

#define IP_DSCP_MASK 0xfc
#define IP_ECN_MASK  0x03

/* ip_frag_off bits (host byte order). */
#define IP_DONT_FRAGMENT  0x4000
#define IP_MORE_FRAGMENTS 0x2000
#define IP_FRAG_OFF_MASK  0x1fff    /* In units of 8 bytes. */

/* True if 'ip_frag_off' (network byte order) marks a fragment: more
 * fragments follow or this one is not the first. */
#define IP_IS_FRAGMENT(IP_FRAG_OFF) \
    ((IP_FRAG_OFF) & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK))

#define IP_HEADER_LEN 20            /* Without options. */
#define IP_MAX_HEADER_LEN 60        /* IHL of 15. */
struct ip_header {
    uint8_t ip_ihl_ver;         /* Version (high 4), IHL in words (low 4). */
    uint8_t ip_tos;             /* DSCP (high 6) and ECN (low 2). */
    nfvs_be16 ip_tot_len;       /* Header plus payload, in bytes. */
    nfvs_be16 ip_id;            /* Identification. */
    nfvs_be16 ip_frag_off;      /* Flags and fragment offset. */
    uint8_t ip_ttl;             /* Time to live. */
    uint8_t ip_proto;           /* IPPROTO_*. */
    nfvs_be16 ip_csum;          /* Header checksum. */
    nfvs_be32 ip_src;           /* Source address. */
    nfvs_be32 ip_dst;           /* Destination address. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip_header) == IP_HEADER_LEN, "ip_header");

/* IPv6. */
#define IPV6_HEADER_LEN 40
#define IPV6_LABEL_MASK 0x000fffff  /* In the host-order ip6_flow word. */
struct ip6_header {
    nfvs_be32 ip6_flow;         /* Version 6, traffic class, flow label. */
    nfvs_be16 ip6_plen;         /* Payload length, after this header. */
    uint8_t ip6_nxt;            /* Next header: IPPROTO_*. */
    uint8_t ip6_hlim;           /* Hop limit. */
    struct in6_addr ip6_src;    /* Source address. */
    struct in6_addr ip6_dst;    /* Destination address. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip6_header) == IPV6_HEADER_LEN, "ip6_header");

/* The common start of the hop-by-hop, routing and destination options
 * headers (whose length is (ip6e_len + 1) * 8 bytes) and of AH (whose
 * length is (ip6e_len + 2) * 4 bytes).  All are at least 8 bytes long. */
#define IP6_EXT_HEADER_LEN 2
#define IP6_EXT_MIN_LEN 8
struct ip6_ext_header {
    uint8_t ip6e_nxt;           /* Next header. */
    uint8_t ip6e_len;           /* Length, in units that depend on type. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip6_ext_header) == IP6_EXT_HEADER_LEN,
               "ip6_ext_header");

/* The routing header's fixed part (RFC 8200 4.4). */
#define IP6_ROUTING_HEADER_LEN 4
struct ip6_routing_header {
    uint8_t ip6r_nxt;           /* Next header. */
    uint8_t ip6r_len;           /* Length in 8-byte units, minus 1. */
    uint8_t ip6r_type;          /* Routing type. */
    uint8_t ip6r_segleft;       /* Segments left. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip6_routing_header) == IP6_ROUTING_HEADER_LEN,
               "ip6_routing_header");

/* Authentication header (RFC 4302), without its variable ICV. */
#define IP6_AH_HEADER_LEN 12
struct ip6_ah_header {
    uint8_t ah_nxt;             /* Next header. */
    uint8_t ah_len;             /* Length in 4-byte units, minus 2. */
    nfvs_be16 ah_reserved;      /* Zero. */
    nfvs_be32 ah_spi;           /* Security parameters index. */
    nfvs_be32 ah_seq;           /* Sequence number. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip6_ah_header) == IP6_AH_HEADER_LEN,
               "ip6_ah_header");

/* ip6f_offlg bits (host byte order). */
#define IP6F_OFF_MASK  0xfff8       /* Offset, in 8-byte units, << 3. */
#define IP6F_RESERVED  0x0006
#define IP6F_MORE_FRAG 0x0001

#define IP6_FRAG_HEADER_LEN 8
struct ip6_frag_header {
    uint8_t ip6f_nxt;           /* Next header. */
    uint8_t ip6f_reserved;      /* Zero. */
    nfvs_be16 ip6f_offlg;       /* Offset, reserved bits, more-fragments. */
    nfvs_be32 ip6f_ident;       /* Identification. */
} __attribute__((packed));
_Static_assert(sizeof(struct ip6_frag_header) == IP6_FRAG_HEADER_LEN,
               "ip6_frag_header");

/* TCP.  The data offset (header length in words) is the high 4 bits of
 * tcp_ctl and the flags are its low 12 bits. */
#define TCP_FIN 0x001
#define TCP_SYN 0x002
#define TCP_RST 0x004
#define TCP_PSH 0x008
#define TCP_ACK 0x010
#define TCP_URG 0x020
#define TCP_ECE 0x040
#define TCP_CWR 0x080
#define TCP_NS  0x100
#define TCP_FLAGS_MASK 0x0fff

#define TCP_OFFSET(TCP_CTL) (ntohs(TCP_CTL) >> 12)
#define TCP_FLAGS(TCP_CTL) (ntohs(TCP_CTL) & TCP_FLAGS_MASK)
#define TCP_FLAGS_BE16(TCP_CTL) ((TCP_CTL) & htons(TCP_FLAGS_MASK))
#define TCP_CTL(FLAGS, OFFSET) (htons(((OFFSET) << 12) | (FLAGS)))

#define TCP_HEADER_LEN 20           /* Without options. */
struct tcp_header {
    nfvs_be16 tcp_src;          /* Source port. */
    nfvs_be16 tcp_dst;          /* Destination port. */
    nfvs_be32 tcp_seq;          /* Sequence number. */
    nfvs_be32 tcp_ack;          /* Acknowledgement number. */
    nfvs_be16 tcp_ctl;          /* Data offset and flags. */
    nfvs_be16 tcp_winsz;        /* Window size. */
    nfvs_be16 tcp_csum;         /* Checksum. */
    nfvs_be16 tcp_urg;          /* Urgent pointer. */
} __attribute__((packed));
_Static_assert(sizeof(struct tcp_header) == TCP_HEADER_LEN, "tcp_header");

/* UDP. */
#define UDP_HEADER_LEN 8
struct udp_header {
    nfvs_be16 udp_src;          /* Source port. */
    nfvs_be16 udp_dst;          /* Destination port. */
    nfvs_be16 udp_len;          /* Header plus payload, in bytes. */
    nfvs_be16 udp_csum;         /* Checksum; 0 for none (IPv4 only). */
} __attribute__((packed));
_Static_assert(sizeof(struct udp_header) == UDP_HEADER_LEN, "udp_header");

/* SCTP common header.  Its checksum is CRC32c, not the Internet
 * checksum. */
#define SCTP_HEADER_LEN 12
struct sctp_header {
    nfvs_be16 sctp_src;         /* Source port. */
    nfvs_be16 sctp_dst;         /* Destination port. */
    nfvs_be32 sctp_vtag;        /* Verification tag. */
    uint32_t sctp_csum;         /* CRC32c, little-endian on the wire. */
} __attribute__((packed));
_Static_assert(sizeof(struct sctp_header) == SCTP_HEADER_LEN, "sctp_header");

/* ICMPv4. */
#define ICMP4_ECHO_REPLY    0
#define ICMP4_DST_UNREACH   3
#define ICMP4_ECHO_REQUEST  8
#define ICMP4_TIME_EXCEEDED 11

#define ICMP_HEADER_LEN 8
struct icmp_header {
    uint8_t icmp_type;          /* ICMP4_*. */
    uint8_t icmp_code;          /* Depends on the type. */
    nfvs_be16 icmp_csum;        /* Checksum. */
    nfvs_be32 icmp_data;        /* Id and sequence for echo; else unused. */
} __attribute__((packed));
_Static_assert(sizeof(struct icmp_header) == ICMP_HEADER_LEN, "icmp_header");

/* ICMPv6 and neighbor discovery (RFC 4861). */
#define ICMP6_DST_UNREACH     1
#define ICMP6_ECHO_REQUEST    128
#define ICMP6_ECHO_REPLY      129
#define ND_ROUTER_SOLICIT     133
#define ND_ROUTER_ADVERT      134
#define ND_NEIGHBOR_SOLICIT   135
#define ND_NEIGHBOR_ADVERT    136

#define ICMP6_HEADER_LEN 8
struct icmp6_header {
    uint8_t icmp6_type;         /* ICMP6_* or ND_*. */
    uint8_t icmp6_code;         /* Depends on the type. */
    nfvs_be16 icmp6_csum;       /* Checksum, with the IPv6 pseudo-header. */
    nfvs_be32 icmp6_data;       /* ND: R/S/O flags and reserved bits. */
} __attribute__((packed));
_Static_assert(sizeof(struct icmp6_header) == ICMP6_HEADER_LEN,
               "icmp6_header");

/* Neighbor solicitation and advertisement: the ICMPv6 header, then the
 * target address, then options. */
#define ND_MSG_LEN 24
struct nd_msg {
    struct icmp6_header icmph;  /* Type ND_NEIGHBOR_SOLICIT or _ADVERT. */
    struct in6_addr target;     /* Target address. */
} __attribute__((packed));
_Static_assert(sizeof(struct nd_msg) == ND_MSG_LEN, "nd_msg");

/* NA flags, in icmp6_data (host byte order). */
#define ND_RSO_ROUTER    0x80000000
#define ND_RSO_SOLICITED 0x40000000
#define ND_RSO_OVERRIDE  0x20000000

/* ND options are TLVs whose length is in units of 8 bytes; a zero length
 * is invalid.  Source and target link-layer address options for Ethernet
 * are exactly 8 bytes. */
#define ND_OPT_SOURCE_LINKADDR 1
#define ND_OPT_TARGET_LINKADDR 2
#define ND_OPT_LEN_UNIT 8

#define ND_LLA_OPT_LEN 8
struct nd_lla_opt {
    uint8_t type;               /* ND_OPT_{SOURCE,TARGET}_LINKADDR. */
    uint8_t len;                /* 1, in units of 8 bytes. */
    struct eth_addr mac;        /* The link-layer address. */
} __attribute__((packed));
_Static_assert(sizeof(struct nd_lla_opt) == ND_LLA_OPT_LEN, "nd_lla_opt");

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

#endif /* packets.h */
