/* lib/flow.h: 'struct flow', the header fields a packet is matched on.
 *
 * A flow is what the OpenFlow-style tables see of one packet: metadata
 * (in_port, registers, conntrack fields) plus L2-L4 header fields parsed
 * from its bytes.  Fields that a packet does not have are zero.
 *
 * Layout rules, which the classifier and hashing rely on:
 *   - sizeof(struct flow) is a multiple of 8 and the struct is hashed and
 *     compared as an array of uint64_t, so every padding byte is named
 *     and must be zero (always start from memset(0) or a zero initializer);
 *   - multi-byte header fields are in network byte order, metadata fields
 *     in host byte order, as in Open vSwitch.
 *
 * Field overlays, as OVS defines them:
 *   - nw_src/nw_dst hold the ARP SPA/TPA for ARP; nw_proto holds the low
 *     8 bits of the ARP opcode;
 *   - tp_src/tp_dst hold ICMP/ICMPv6 type and code (in the low byte);
 *   - arp_sha/arp_tha hold the ND source/target link-layer address.
 *
 * Plain data: no thread-safety concerns. */
#ifndef NFVS_FLOW_H
#define NFVS_FLOW_H 1

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "byte-order.h"
#include "packets.h"

#define FLOW_N_REGS 8

/* ct_state bits, with OVS's values. */
#define CS_NEW          0x01
#define CS_ESTABLISHED  0x02
#define CS_RELATED      0x04
#define CS_REPLY_DIR    0x08
#define CS_INVALID      0x10
#define CS_TRACKED      0x20
#define CS_SRC_NAT      0x40    /* ct(nat) translated a source-NATed
                                 * connection's packet. */
#define CS_DST_NAT      0x80    /* Likewise, destination-NATed. */

/* nw_frag bits, with OVS's values. */
#define FLOW_NW_FRAG_ANY   0x01 /* Set for any IP fragment. */
#define FLOW_NW_FRAG_LATER 0x02 /* Set for IP fragment with offset > 0. */
#define FLOW_NW_FRAG_MASK  (FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER)

/* Well-known OpenFlow port numbers (host byte order). */
#define OFPP_MAX        0xff00
#define OFPP_IN_PORT    0xfff8
#define OFPP_TABLE      0xfff9
#define OFPP_NORMAL     0xfffa
#define OFPP_FLOOD      0xfffb
#define OFPP_ALL        0xfffc
#define OFPP_CONTROLLER 0xfffd
#define OFPP_LOCAL      0xfffe
#define OFPP_NONE       0xffff

struct flow {
    /* Metadata. */
    uint32_t regs[FLOW_N_REGS]; /* reg0..reg7. */
    uint64_t metadata;          /* OpenFlow metadata. */
    uint32_t in_port;           /* OpenFlow port number; OFPP_LOCAL... */
    uint32_t ct_mark;           /* Connection mark. */
    uint16_t ct_zone;           /* Connection tracking zone. */
    uint8_t ct_state;           /* CS_* bits. */
    uint8_t ct_nw_proto;        /* Tracked connection's IP protocol. */
    uint8_t pad1[4];            /* Zero. */
    nfvs_be32 ct_nw_src;        /* Its original direction's IPv4 source, */
    nfvs_be32 ct_nw_dst;        /* destination, */
    nfvs_be16 ct_tp_src;        /* source port */
    nfvs_be16 ct_tp_dst;        /* and destination port (TCP/UDP/SCTP). */
    uint8_t pad3[4];            /* Zero. */

    /* L2. */
    struct eth_addr dl_dst;     /* Ethernet destination. */
    struct eth_addr dl_src;     /* Ethernet source. */
    nfvs_be16 dl_type;          /* Ethertype after any VLAN tag. */
    nfvs_be16 vlan_tci;         /* 802.1Q TCI with VLAN_CFI set, or 0. */

    /* L3. */
    nfvs_be32 nw_src;           /* IPv4 source, or ARP SPA. */
    nfvs_be32 nw_dst;           /* IPv4 destination, or ARP TPA. */
    struct in6_addr ipv6_src;   /* IPv6 source. */
    struct in6_addr ipv6_dst;   /* IPv6 destination. */
    struct in6_addr nd_target;  /* IPv6 neighbor discovery target. */
    nfvs_be32 ipv6_label;       /* IPv6 flow label (low 20 bits). */
    uint8_t nw_proto;           /* IP protocol, or low 8 bits of ARP op. */
    uint8_t nw_tos;             /* IP ToS: DSCP (high 6) and ECN (low 2). */
    uint8_t nw_ttl;             /* IP TTL or IPv6 hop limit. */
    uint8_t nw_frag;            /* FLOW_NW_FRAG_* bits. */
    struct eth_addr arp_sha;    /* ARP SHA, or ND source link address. */
    struct eth_addr arp_tha;    /* ARP THA, or ND target link address. */

    /* L4. */
    nfvs_be16 tp_src;           /* TCP/UDP/SCTP source port, ICMP type. */
    nfvs_be16 tp_dst;           /* TCP/UDP/SCTP dest port, ICMP code. */
    nfvs_be16 tcp_flags;        /* TCP flags (low 12 bits); 0 otherwise. */
    uint8_t pad2[6];            /* Zero. */
};

#define FLOW_U64S (sizeof(struct flow) / sizeof(uint64_t))
_Static_assert(sizeof(struct flow) % sizeof(uint64_t) == 0,
               "struct flow must be a whole number of 64-bit words");

static inline const uint64_t *
flow_u64s(const struct flow *flow)
{
    return (const uint64_t *) flow;
}

bool flow_equal(const struct flow *, const struct flow *);
uint32_t flow_hash(const struct flow *, uint32_t basis);

struct dp_packet;
struct ds;

/* Packet parsing, with Open vSwitch's semantics (see flow.c for the
 * details of each layer).  Zeroes '*flow', sets its in_port to 'in_port'
 * and fills in the header fields of the Ethernet frame in 'packet'.
 * Parsing stops at the first header that is truncated or malformed:
 * fields before it are set, fields from it on stay zero.  Never reads
 * outside the packet's bytes.
 *
 * Summary: one VLAN tag (TPID 0x8100 or 0x88a8) goes into vlan_tci with
 * VLAN_CFI set; 802.3 frames without SNAP get dl_type FLOW_DL_TYPE_NONE;
 * ARP/RARP fields only for Ethernet/IPv4 ARP; IPv4 and IPv6 (through its
 * extension headers) set nw_* and nw_frag; L4 ports, TCP flags, ICMP
 * type/code, and ND target and link-layer addresses, except in later
 * fragments.  Other metadata (registers, conntrack) is left zero. */
void flow_extract(const struct dp_packet *packet, uint32_t in_port,
                  struct flow *flow);

/* Like flow_extract(), and also records in 'packet' the offsets of the
 * layers it found (see dp-packet.h). */
void flow_extract_set_offsets(struct dp_packet *packet, uint32_t in_port,
                              struct flow *flow);

/* Appends to 'packet', which must be empty, a well-formed frame whose
 * flow_extract() is 'flow' (for every flow that flow_extract() can
 * produce from a frame of 14 bytes or more), with correct lengths and
 * checksums and no payload past the last header, and sets the packet's
 * layer offsets.  Metadata fields of 'flow' are ignored. */
void flow_compose(const struct flow *flow, struct dp_packet *packet);

/* Appends to 's' the non-zero fields of 'flow' as a comma-separated list
 * of OVS-syntax "name=value" pairs, naming overlaid fields after what
 * they hold (arp_spa, icmp_type, nd_sll...).  An all-zero flow prints as
 * nothing. */
void flow_format(struct ds *s, const struct flow *flow);

/* Returns flow_format() of 'flow' as a string the caller must free. */
char *flow_to_string(const struct flow *flow);

#endif /* flow.h */
