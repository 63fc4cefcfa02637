#include <config.h>
#include "flow.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include "csum.h"
#include "dp-packet.h"
#include "dynamic-string.h"
#include "hash.h"

bool
flow_equal(const struct flow *a, const struct flow *b)
{
    return !memcmp(a, b, sizeof *a);
}

uint32_t
flow_hash(const struct flow *flow, uint32_t basis)
{
    return hash_words64(flow_u64s(flow), FLOW_U64S, basis);
}

/* Parsing.
 *
 * The parser walks a (pointer, remaining size) cursor through the frame.
 * Every header is pulled with data_try_pull() before any byte of it is
 * read, so a truncated frame can never be read past its end, and all
 * header structs are packed so that any alignment is fine. */

/* Offsets of the layers found, from the start of the frame; SIZE_MAX for
 * a layer not found. */
struct flow_layers {
    size_t l2_5;                /* First VLAN tag. */
    size_t l3;                  /* Ethernet payload. */
    size_t l4;                  /* IP payload. */
    size_t l2_pad;              /* Bytes after the IP datagram. */
};

static inline const void *
data_try_pull(const uint8_t **datap, size_t *sizep, size_t n)
{
    const uint8_t *p = *datap;

    if (*sizep < n) {
        return NULL;
    }
    *datap += n;
    *sizep -= n;
    return p;
}

static inline nfvs_be16
get_be16(const uint8_t *p)
{
    nfvs_be16 x;

    memcpy(&x, p, sizeof x);
    return x;
}

/* Parses the Ethertype (or 802.3 length and LLC/SNAP header) at '*datap',
 * which has at least 2 bytes, and pulls what it used.  As OVS does, an
 * 802.3 frame yields the SNAP Ethertype when it has an Ethernet SNAP
 * header and FLOW_DL_TYPE_NONE otherwise; a SNAP header is pulled only
 * when it is used. */
static nfvs_be16
parse_ethertype(const uint8_t **datap, size_t *sizep)
{
    const struct llc_snap_header *llc;
    nfvs_be16 proto;

    proto = get_be16(*datap);
    data_try_pull(datap, sizep, sizeof proto);
    if (ntohs(proto) >= ETH_TYPE_MIN) {
        return proto;
    }

    if (*sizep < LLC_SNAP_HEADER_LEN) {
        return htons(FLOW_DL_TYPE_NONE);
    }
    llc = (const void *) *datap;
    if (llc->llc.llc_dsap != LLC_DSAP_SNAP
        || llc->llc.llc_ssap != LLC_SSAP_SNAP
        || llc->llc.llc_cntl != LLC_CNTL_SNAP
        || memcmp(llc->snap_org, SNAP_ORG_ETHERNET, sizeof llc->snap_org)) {
        return htons(FLOW_DL_TYPE_NONE);
    }
    data_try_pull(datap, sizep, LLC_SNAP_HEADER_LEN);
    return (ntohs(llc->snap_type) >= ETH_TYPE_MIN
            ? llc->snap_type
            : htons(FLOW_DL_TYPE_NONE));
}

static void
parse_arp(const uint8_t *data, size_t size, struct flow *flow)
{
    const struct arp_eth_header *arp;

    arp = data_try_pull(&data, &size, ARP_ETH_HEADER_LEN);
    if (!arp
        || arp->ar_hrd != htons(ARP_HRD_ETHERNET)
        || arp->ar_pro != htons(ETH_TYPE_IP)
        || arp->ar_hln != ETH_ADDR_LEN
        || arp->ar_pln != 4) {
        return;
    }
    flow->nw_src = arp->ar_spa;
    flow->nw_dst = arp->ar_tpa;
    /* nw_proto holds the opcode only when it fits (OVS). */
    if (ntohs(arp->ar_op) <= 0xff) {
        flow->nw_proto = ntohs(arp->ar_op);
    }
    flow->arp_sha = arp->ar_sha;
    flow->arp_tha = arp->ar_tha;
}

/* Checks the IPv4 header at 'data', with 'size' bytes to the end of the
 * frame, as OVS does: room for the header and its options, IHL >= 5, and
 * a total length that covers the header and fits in the frame.  (The
 * version nibble is not checked: the Ethertype said IPv4.)  On success
 * stores the header length and total length and returns true. */
static bool
ipv4_sanity_check(const struct ip_header *ip, size_t size,
                  size_t *ip_lenp, size_t *tot_lenp)
{
    size_t ip_len, tot_len;

    if (size < IP_HEADER_LEN) {
        return false;
    }
    ip_len = IP_IHL(ip->ip_ihl_ver) * 4;
    if (ip_len < IP_HEADER_LEN || size < ip_len) {
        return false;
    }
    tot_len = ntohs(ip->ip_tot_len);
    if (tot_len > size || ip_len > tot_len || size - tot_len > UINT16_MAX) {
        return false;
    }
    *ip_lenp = ip_len;
    *tot_lenp = tot_len;
    return true;
}

static uint8_t
ipv4_get_nw_frag(const struct ip_header *ip)
{
    uint8_t nw_frag = 0;

    if (IP_IS_FRAGMENT(ip->ip_frag_off)) {
        nw_frag = FLOW_NW_FRAG_ANY;
        if (ip->ip_frag_off & htons(IP_FRAG_OFF_MASK)) {
            nw_frag |= FLOW_NW_FRAG_LATER;
        }
    }
    return nw_frag;
}

static bool
ipv6_sanity_check(const struct ip6_header *ip6, size_t size)
{
    size_t plen;

    if (size < IPV6_HEADER_LEN) {
        return false;
    }
    plen = ntohs(ip6->ip6_plen);
    return (plen + IPV6_HEADER_LEN <= size
            && size - (plen + IPV6_HEADER_LEN) <= UINT16_MAX);
}

/* Walks the IPv6 extension headers starting with '*nw_proto', pulling
 * them, until a header that is not hop-by-hop, routing, destination
 * options, AH or fragment; leaves its type in '*nw_proto'.  A fragment
 * header sets '*nw_frag' like IPv4's flags; for a later fragment the walk
 * stops there with '*nw_proto' IPPROTO_FRAGMENT, as OVS does.  Returns
 * false if an extension header is truncated. */
static bool
parse_ipv6_ext_hdrs(const uint8_t **datap, size_t *sizep, uint8_t *nw_proto,
                    uint8_t *nw_frag)
{
    for (;;) {
        const struct ip6_ext_header *ext;
        const struct ip6_frag_header *frag;
        size_t len;

        if (*nw_proto != IPPROTO_HOPOPTS
            && *nw_proto != IPPROTO_ROUTING
            && *nw_proto != IPPROTO_DSTOPTS
            && *nw_proto != IPPROTO_AH
            && *nw_proto != IPPROTO_FRAGMENT) {
            return true;
        }

        /* Every extension header is at least 8 bytes; only those are read
         * before the whole header is pulled. */
        if (*sizep < IP6_EXT_MIN_LEN) {
            return false;
        }
        if (*nw_proto == IPPROTO_FRAGMENT) {
            frag = (const void *) *datap;
            *nw_proto = frag->ip6f_nxt;
            data_try_pull(datap, sizep, IP6_FRAG_HEADER_LEN);
            if (frag->ip6f_offlg != htons(0)) {
                *nw_frag = FLOW_NW_FRAG_ANY;
                if (frag->ip6f_offlg & htons(IP6F_OFF_MASK)) {
                    *nw_frag |= FLOW_NW_FRAG_LATER;
                    *nw_proto = IPPROTO_FRAGMENT;
                    return true;
                }
            }
            continue;
        }

        ext = (const void *) *datap;
        len = (*nw_proto == IPPROTO_AH
               ? (ext->ip6e_len + 2) * 4
               : (ext->ip6e_len + 1) * 8);
        *nw_proto = ext->ip6e_nxt;
        if (!data_try_pull(datap, sizep, len)) {
            return false;
        }
    }
}

/* Parses an ND neighbor solicitation or advertisement body (after the
 * ICMPv6 header): the target address and the link-layer address options,
 * with OVS's rules.  Parsing stops quietly at a truncated target or
 * option; a zero-length option ends the walk; an SLL or TLL option given
 * twice (with a non-zero address the first time) makes the whole message
 * invalid, and then the target and both addresses are zeroed. */
static void
parse_nd(const uint8_t *data, size_t size, struct flow *flow)
{
    static const struct eth_addr zero_ea;
    const struct in6_addr *target;
    struct eth_addr sll = zero_ea;
    struct eth_addr tll = zero_ea;

    target = data_try_pull(&data, &size, sizeof *target);
    if (!target) {
        return;
    }
    memcpy(&flow->nd_target, target, sizeof flow->nd_target);

    while (size >= ND_LLA_OPT_LEN) {
        const struct nd_lla_opt *opt = (const void *) data;
        size_t opt_len = opt->len * ND_OPT_LEN_UNIT;

        if (!opt_len || opt_len > size) {
            break;
        }
        if (opt->type == ND_OPT_SOURCE_LINKADDR && opt_len == 8) {
            if (!eth_addr_is_zero(sll)) {
                goto invalid;
            }
            sll = opt->mac;
        } else if (opt->type == ND_OPT_TARGET_LINKADDR && opt_len == 8) {
            if (!eth_addr_is_zero(tll)) {
                goto invalid;
            }
            tll = opt->mac;
        }
        data_try_pull(&data, &size, opt_len);
    }
    flow->arp_sha = sll;
    flow->arp_tha = tll;
    return;

invalid:
    memset(&flow->nd_target, 0, sizeof flow->nd_target);
}

/* Parses the L4 header of protocol 'flow->nw_proto' at 'data', which has
 * 'size' bytes to the end of the IP datagram.  Fields are set only when
 * the fixed header (and, for TCP, its options) is all there.  As in OVS,
 * the protocol number alone decides, whatever the IP version (ICMPv4 in
 * IPv6 is parsed as ICMP). */
static void
parse_l4(const uint8_t *data, size_t size, struct flow *flow)
{
    if (flow->nw_proto == IPPROTO_TCP) {
        const struct tcp_header *tcp = (const void *) data;
        size_t tcp_len;

        if (size >= TCP_HEADER_LEN) {
            tcp_len = TCP_OFFSET(tcp->tcp_ctl) * 4;
            if (tcp_len >= TCP_HEADER_LEN && size >= tcp_len) {
                flow->tp_src = tcp->tcp_src;
                flow->tp_dst = tcp->tcp_dst;
                flow->tcp_flags = TCP_FLAGS_BE16(tcp->tcp_ctl);
            }
        }
    } else if (flow->nw_proto == IPPROTO_UDP) {
        const struct udp_header *udp = (const void *) data;

        if (size >= UDP_HEADER_LEN) {
            flow->tp_src = udp->udp_src;
            flow->tp_dst = udp->udp_dst;
        }
    } else if (flow->nw_proto == IPPROTO_SCTP) {
        const struct sctp_header *sctp = (const void *) data;

        if (size >= SCTP_HEADER_LEN) {
            flow->tp_src = sctp->sctp_src;
            flow->tp_dst = sctp->sctp_dst;
        }
    } else if (flow->nw_proto == IPPROTO_ICMP) {
        const struct icmp_header *icmp = (const void *) data;

        if (size >= ICMP_HEADER_LEN) {
            flow->tp_src = htons(icmp->icmp_type);
            flow->tp_dst = htons(icmp->icmp_code);
        }
    } else if (flow->nw_proto == IPPROTO_ICMPV6) {
        const struct icmp6_header *icmp6;

        icmp6 = data_try_pull(&data, &size, ICMP6_HEADER_LEN);
        if (icmp6) {
            flow->tp_src = htons(icmp6->icmp6_type);
            flow->tp_dst = htons(icmp6->icmp6_code);
            if (icmp6->icmp6_code == 0
                && (icmp6->icmp6_type == ND_NEIGHBOR_SOLICIT
                    || icmp6->icmp6_type == ND_NEIGHBOR_ADVERT)) {
                parse_nd(data, size, flow);
            }
        }
    }
}

static void
parse_ipv4(const uint8_t *data, size_t size, struct flow *flow,
           struct flow_layers *layers)
{
    const struct ip_header *ip = (const void *) data;
    size_t ip_len, tot_len;

    if (!ipv4_sanity_check(ip, size, &ip_len, &tot_len)) {
        return;
    }
    layers->l2_pad = size - tot_len;
    size = tot_len;             /* Never look at Ethernet padding. */

    flow->nw_src = ip->ip_src;
    flow->nw_dst = ip->ip_dst;
    flow->nw_tos = ip->ip_tos;
    flow->nw_ttl = ip->ip_ttl;
    flow->nw_proto = ip->ip_proto;
    flow->nw_frag = ipv4_get_nw_frag(ip);
    data_try_pull(&data, &size, ip_len);
    layers->l4 = data - (const uint8_t *) ip + layers->l3;

    if (!(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
        parse_l4(data, size, flow);
    }
}

static void
parse_ipv6(const uint8_t *data, size_t size, struct flow *flow,
           struct flow_layers *layers)
{
    const struct ip6_header *ip6 = (const void *) data;
    uint8_t nw_proto, nw_frag;
    uint32_t tc_flow;

    if (!ipv6_sanity_check(ip6, size)) {
        return;
    }
    data_try_pull(&data, &size, IPV6_HEADER_LEN);
    layers->l2_pad = size - ntohs(ip6->ip6_plen);
    size = ntohs(ip6->ip6_plen);

    /* As in OVS, the addresses are kept even when an extension header
     * turns out truncated; the other L3 fields are not. */
    flow->ipv6_src = ip6->ip6_src;
    flow->ipv6_dst = ip6->ip6_dst;

    nw_proto = ip6->ip6_nxt;
    nw_frag = 0;
    if (!parse_ipv6_ext_hdrs(&data, &size, &nw_proto, &nw_frag)) {
        return;
    }
    tc_flow = ntohl(ip6->ip6_flow);
    flow->ipv6_label = htonl(tc_flow & IPV6_LABEL_MASK);
    flow->nw_tos = tc_flow >> 20;
    flow->nw_ttl = ip6->ip6_hlim;
    flow->nw_proto = nw_proto;
    flow->nw_frag = nw_frag;
    layers->l4 = data - (const uint8_t *) ip6 + layers->l3;

    if (!(nw_frag & FLOW_NW_FRAG_LATER)) {
        parse_l4(data, size, flow);
    }
}

static void
flow_parse__(const uint8_t *frame, size_t size, uint32_t in_port,
             struct flow *flow, struct flow_layers *layers)
{
    const uint8_t *data = frame;
    const struct eth_header *eth = (const void *) frame;

    memset(flow, 0, sizeof *flow);
    flow->in_port = in_port;
    layers->l2_5 = layers->l3 = layers->l4 = SIZE_MAX;
    layers->l2_pad = 0;

    if (size < ETH_HEADER_LEN) {
        return;
    }
    flow->dl_dst = eth->eth_dst;
    flow->dl_src = eth->eth_src;
    data_try_pull(&data, &size, 2 * ETH_ADDR_LEN);

    /* One tag, 802.1Q or 802.1ad, if the tag and the Ethertype after it
     * are all there.  A second (inner) tag is left alone and shows as
     * dl_type 0x8100, as in OVS with its default vlan-limit of 1; QinQ
     * support would loop here into more TCI fields of struct flow. */
    if (eth_type_is_vlan(get_be16(data)) && size >= VLAN_HEADER_LEN + 2) {
        const struct vlan_header *vlan = (const void *) data;

        layers->l2_5 = data - frame;
        flow->vlan_tci = vlan->vlan_tci | htons(VLAN_CFI);
        data_try_pull(&data, &size, VLAN_HEADER_LEN);
    }

    flow->dl_type = parse_ethertype(&data, &size);
    layers->l3 = data - frame;

    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        parse_ipv4(data, size, flow, layers);
    } else if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        parse_ipv6(data, size, flow, layers);
    } else if (flow->dl_type == htons(ETH_TYPE_ARP)
               || flow->dl_type == htons(ETH_TYPE_RARP)) {
        parse_arp(data, size, flow);
    }
}

void
flow_extract(const struct dp_packet *packet, uint32_t in_port,
             struct flow *flow)
{
    struct flow_layers layers;

    flow_parse__(dp_packet_data(packet), dp_packet_size(packet), in_port,
                 flow, &layers);
}

static uint16_t
layer_offset(size_t ofs)
{
    return ofs < UINT16_MAX ? ofs : UINT16_MAX;
}

void
flow_extract_set_offsets(struct dp_packet *packet, uint32_t in_port,
                         struct flow *flow)
{
    struct flow_layers layers;

    flow_parse__(dp_packet_data(packet), dp_packet_size(packet), in_port,
                 flow, &layers);
    packet->l2_5_ofs = layer_offset(layers.l2_5);
    packet->l3_ofs = layer_offset(layers.l3);
    packet->l4_ofs = layer_offset(layers.l4);
    packet->l2_pad_size = layers.l2_pad;
}

/* Composition. */

static void
put_be16(void *p, nfvs_be16 x)
{
    memcpy(p, &x, sizeof x);
}

/* Appends the L4 header for 'flow' to 'packet' and returns its size.  The
 * checksum is left zero for the caller, who knows the pseudo-header. */
static size_t
compose_l4(const struct flow *flow, struct dp_packet *packet)
{
    size_t start = dp_packet_size(packet);

    if (flow->nw_proto == IPPROTO_TCP) {
        struct tcp_header *tcp = dp_packet_put_zeros(packet, sizeof *tcp);

        tcp->tcp_src = flow->tp_src;
        tcp->tcp_dst = flow->tp_dst;
        tcp->tcp_ctl = TCP_CTL(ntohs(flow->tcp_flags) & TCP_FLAGS_MASK, 5);
        tcp->tcp_winsz = htons(65535);
    } else if (flow->nw_proto == IPPROTO_UDP) {
        struct udp_header *udp = dp_packet_put_zeros(packet, sizeof *udp);

        udp->udp_src = flow->tp_src;
        udp->udp_dst = flow->tp_dst;
        udp->udp_len = htons(UDP_HEADER_LEN);
    } else if (flow->nw_proto == IPPROTO_SCTP) {
        struct sctp_header *sctp = dp_packet_put_zeros(packet, sizeof *sctp);

        sctp->sctp_src = flow->tp_src;
        sctp->sctp_dst = flow->tp_dst;
    } else if (flow->nw_proto == IPPROTO_ICMP) {
        struct icmp_header *icmp = dp_packet_put_zeros(packet, sizeof *icmp);

        icmp->icmp_type = ntohs(flow->tp_src);
        icmp->icmp_code = ntohs(flow->tp_dst);
    } else if (flow->nw_proto == IPPROTO_ICMPV6) {
        struct icmp6_header *icmp6;
        uint8_t type = ntohs(flow->tp_src);

        icmp6 = dp_packet_put_zeros(packet, sizeof *icmp6);
        icmp6->icmp6_type = type;
        icmp6->icmp6_code = ntohs(flow->tp_dst);
        if (type == ND_NEIGHBOR_SOLICIT || type == ND_NEIGHBOR_ADVERT) {
            dp_packet_put(packet, &flow->nd_target, sizeof flow->nd_target);
            if (!eth_addr_is_zero(flow->arp_sha)) {
                struct nd_lla_opt *opt;

                opt = dp_packet_put_uninit(packet, sizeof *opt);
                opt->type = ND_OPT_SOURCE_LINKADDR;
                opt->len = 1;
                opt->mac = flow->arp_sha;
            }
            if (!eth_addr_is_zero(flow->arp_tha)) {
                struct nd_lla_opt *opt;

                opt = dp_packet_put_uninit(packet, sizeof *opt);
                opt->type = ND_OPT_TARGET_LINKADDR;
                opt->len = 1;
                opt->mac = flow->arp_tha;
            }
        }
    }
    return dp_packet_size(packet) - start;
}

/* Fills in the checksum of the 'l4_size'-byte L4 header of protocol
 * 'proto' at 'l4', given the partial checksum 'pseudo' of its
 * pseudo-header. */
static void
compose_l4_csum(uint8_t *l4, uint8_t proto, size_t l4_size, uint32_t pseudo)
{
    if (proto == IPPROTO_TCP && l4_size >= TCP_HEADER_LEN) {
        struct tcp_header *tcp = (void *) l4;

        tcp->tcp_csum = csum_finish(csum_continue(pseudo, l4, l4_size));
    } else if (proto == IPPROTO_UDP && l4_size >= UDP_HEADER_LEN) {
        struct udp_header *udp = (void *) l4;
        nfvs_be16 c = csum_finish(csum_continue(pseudo, l4, l4_size));

        udp->udp_csum = c ? c : htons(0xffff);
    } else if (proto == IPPROTO_SCTP && l4_size >= SCTP_HEADER_LEN) {
        uint32_t crc = crc32c(l4, l4_size);
        uint8_t *p = l4 + offsetof(struct sctp_header, sctp_csum);

        p[0] = crc;
        p[1] = crc >> 8;
        p[2] = crc >> 16;
        p[3] = crc >> 24;
    } else if (proto == IPPROTO_ICMP && l4_size >= ICMP_HEADER_LEN) {
        struct icmp_header *icmp = (void *) l4;

        icmp->icmp_csum = csum(l4, l4_size);
    } else if (proto == IPPROTO_ICMPV6 && l4_size >= ICMP6_HEADER_LEN) {
        struct icmp6_header *icmp6 = (void *) l4;

        icmp6->icmp6_csum = csum_finish(csum_continue(pseudo, l4, l4_size));
    }
}

static void
compose_ipv4(const struct flow *flow, struct dp_packet *packet)
{
    size_t ip_ofs = dp_packet_size(packet);
    struct ip_header *ip;
    size_t l4_size = 0;
    uint16_t frag_off = 0;

    dp_packet_put_zeros(packet, IP_HEADER_LEN);
    packet->l4_ofs = dp_packet_size(packet);
    if (!(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
        l4_size = compose_l4(flow, packet);
    }

    /* A first fragment has more fragments to come; a later one is the
     * last, at offset 100 * 8 bytes. */
    if (flow->nw_frag & FLOW_NW_FRAG_LATER) {
        frag_off = 100;
    } else if (flow->nw_frag & FLOW_NW_FRAG_ANY) {
        frag_off = IP_MORE_FRAGMENTS;
    }

    ip = (void *) ((uint8_t *) dp_packet_data(packet) + ip_ofs);
    ip->ip_ihl_ver = IP_IHL_VER(5, IP_VERSION);
    ip->ip_tos = flow->nw_tos;
    ip->ip_tot_len = htons(IP_HEADER_LEN + l4_size);
    ip->ip_frag_off = htons(frag_off);
    ip->ip_ttl = flow->nw_ttl;
    ip->ip_proto = flow->nw_proto;
    ip->ip_src = flow->nw_src;
    ip->ip_dst = flow->nw_dst;
    ip->ip_csum = csum(ip, IP_HEADER_LEN);
    compose_l4_csum((uint8_t *) ip + IP_HEADER_LEN, flow->nw_proto, l4_size,
                    packet_csum_pseudoheader(ip));
}

static void
compose_ipv6(const struct flow *flow, struct dp_packet *packet)
{
    size_t ip_ofs = dp_packet_size(packet);
    struct ip6_header *ip6;
    uint8_t next = flow->nw_proto;
    size_t l4_size = 0;
    size_t plen;

    dp_packet_put_zeros(packet, IPV6_HEADER_LEN);
    if (flow->nw_frag & FLOW_NW_FRAG_ANY) {
        struct ip6_frag_header *frag;

        /* The flow of a later fragment says IPPROTO_FRAGMENT and not what
         * the fragments carry: say "no next header" for it. */
        frag = dp_packet_put_zeros(packet, sizeof *frag);
        next = IPPROTO_FRAGMENT;
        if (flow->nw_frag & FLOW_NW_FRAG_LATER) {
            frag->ip6f_nxt = IPPROTO_NONE;
            frag->ip6f_offlg = htons(100 << 3);
        } else {
            frag->ip6f_nxt = flow->nw_proto;
            frag->ip6f_offlg = htons(IP6F_MORE_FRAG);
        }
        frag->ip6f_ident = htonl(1);
    }
    packet->l4_ofs = dp_packet_size(packet);
    if (!(flow->nw_frag & FLOW_NW_FRAG_LATER)) {
        l4_size = compose_l4(flow, packet);
    }
    plen = dp_packet_size(packet) - ip_ofs - IPV6_HEADER_LEN;

    ip6 = (void *) ((uint8_t *) dp_packet_data(packet) + ip_ofs);
    ip6->ip6_flow = htonl((6u << 28) | (flow->nw_tos << 20)
                          | (ntohl(flow->ipv6_label) & IPV6_LABEL_MASK));
    ip6->ip6_plen = htons(plen);
    ip6->ip6_nxt = next;
    ip6->ip6_hlim = flow->nw_ttl;
    ip6->ip6_src = flow->ipv6_src;
    ip6->ip6_dst = flow->ipv6_dst;
    compose_l4_csum((uint8_t *) dp_packet_data(packet) + packet->l4_ofs,
                    flow->nw_proto, l4_size,
                    packet_csum_pseudoheader6(ip6, flow->nw_proto, l4_size));
}

static void
compose_arp(const struct flow *flow, struct dp_packet *packet)
{
    struct arp_eth_header *arp = dp_packet_put_zeros(packet, sizeof *arp);

    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ETH_TYPE_IP);
    arp->ar_hln = ETH_ADDR_LEN;
    arp->ar_pln = 4;
    arp->ar_op = htons(flow->nw_proto);
    arp->ar_sha = flow->arp_sha;
    arp->ar_spa = flow->nw_src;
    arp->ar_tha = flow->arp_tha;
    arp->ar_tpa = flow->nw_dst;
}

void
flow_compose(const struct flow *flow, struct dp_packet *packet)
{
    struct eth_header *eth;
    uint16_t dl_type = ntohs(flow->dl_type);

    dp_packet_reset_offsets(packet);
    eth = dp_packet_put_zeros(packet, 2 * ETH_ADDR_LEN);
    eth->eth_dst = flow->dl_dst;
    eth->eth_src = flow->dl_src;
    if (flow->vlan_tci & htons(VLAN_CFI)) {
        struct vlan_header *vlan = dp_packet_put_uninit(packet,
                                                        sizeof *vlan);

        packet->l2_5_ofs = 2 * ETH_ADDR_LEN;
        vlan->vlan_tpid = htons(ETH_TYPE_VLAN);
        vlan->vlan_tci = flow->vlan_tci & htons(~VLAN_CFI);
    }

    if (dl_type < ETH_TYPE_MIN) {
        /* 802.3 with a (non-SNAP) LLC header, as spanning tree uses. */
        static const struct llc_header stp_llc = { 0x42, 0x42, 0x03 };

        put_be16(dp_packet_put_uninit(packet, 2), htons(LLC_HEADER_LEN));
        packet->l3_ofs = dp_packet_size(packet);
        dp_packet_put(packet, &stp_llc, sizeof stp_llc);
        return;
    }
    put_be16(dp_packet_put_uninit(packet, 2), flow->dl_type);
    packet->l3_ofs = dp_packet_size(packet);

    if (dl_type == ETH_TYPE_IP) {
        compose_ipv4(flow, packet);
    } else if (dl_type == ETH_TYPE_IPV6) {
        compose_ipv6(flow, packet);
    } else if (dl_type == ETH_TYPE_ARP || dl_type == ETH_TYPE_RARP) {
        compose_arp(flow, packet);
    }
}

/* Formatting. */

static void
format_be32_ip(struct ds *s, const char *name, nfvs_be32 ip)
{
    char buf[INET_ADDRSTRLEN];

    if (ip) {
        inet_ntop(AF_INET, &ip, buf, sizeof buf);
        ds_put_format(s, "%s=%s,", name, buf);
    }
}

static void
format_ipv6(struct ds *s, const char *name, const struct in6_addr *a)
{
    static const struct in6_addr zero;
    char buf[INET6_ADDRSTRLEN];

    if (memcmp(a, &zero, sizeof zero)) {
        inet_ntop(AF_INET6, a, buf, sizeof buf);
        ds_put_format(s, "%s=%s,", name, buf);
    }
}

static void
format_eth(struct ds *s, const char *name, struct eth_addr ea)
{
    if (!eth_addr_is_zero(ea)) {
        ds_put_format(s, "%s="ETH_ADDR_FMT",", name, ETH_ADDR_ARGS(ea));
    }
}

static void
format_u(struct ds *s, const char *name, unsigned int value)
{
    if (value) {
        ds_put_format(s, "%s=%u,", name, value);
    }
}

static void
format_tcp_flags(struct ds *s, uint16_t flags)
{
    static const char *const names[] = {
        "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
        "[200]", "[400]", "[800]",
    };
    int i;

    ds_put_cstr(s, "tcp_flags=");
    for (i = 0; i < 12; i++) {
        if (flags & (1u << i)) {
            ds_put_format(s, "%s|", names[i]);
        }
    }
    ds_chomp(s, '|');
    ds_put_char(s, ',');
}

static void
format_ct_state(struct ds *s, uint8_t state)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } bits[] = {
        { CS_NEW, "new" }, { CS_ESTABLISHED, "est" },
        { CS_RELATED, "rel" }, { CS_REPLY_DIR, "rpl" },
        { CS_INVALID, "inv" }, { CS_TRACKED, "trk" },
    };
    size_t i;

    ds_put_cstr(s, "ct_state=");
    for (i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        if (state & bits[i].bit) {
            ds_put_format(s, "+%s", bits[i].name);
        }
    }
    ds_put_char(s, ',');
}

static void
format_in_port(struct ds *s, uint32_t port)
{
    static const struct {
        uint32_t port;
        const char *name;
    } names[] = {
        { OFPP_IN_PORT, "IN_PORT" }, { OFPP_TABLE, "TABLE" },
        { OFPP_NORMAL, "NORMAL" }, { OFPP_FLOOD, "FLOOD" },
        { OFPP_ALL, "ALL" }, { OFPP_CONTROLLER, "CONTROLLER" },
        { OFPP_LOCAL, "LOCAL" }, { OFPP_NONE, "NONE" },
    };
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (port == names[i].port) {
            ds_put_format(s, "in_port=%s,", names[i].name);
            return;
        }
    }
    format_u(s, "in_port", port);
}

void
flow_format(struct ds *s, const struct flow *flow)
{
    uint16_t dl_type = ntohs(flow->dl_type);
    bool is_arp = dl_type == ETH_TYPE_ARP || dl_type == ETH_TYPE_RARP;
    bool is_ip = dl_type == ETH_TYPE_IP || dl_type == ETH_TYPE_IPV6;
    size_t start = s->length;
    int i;

    for (i = 0; i < FLOW_N_REGS; i++) {
        if (flow->regs[i]) {
            ds_put_format(s, "reg%d=%#"PRIx32",", i, flow->regs[i]);
        }
    }
    if (flow->metadata) {
        ds_put_format(s, "metadata=%#"PRIx64",", flow->metadata);
    }
    format_in_port(s, flow->in_port);
    if (flow->ct_state) {
        format_ct_state(s, flow->ct_state);
    }
    format_u(s, "ct_zone", flow->ct_zone);
    if (flow->ct_mark) {
        ds_put_format(s, "ct_mark=%#"PRIx32",", flow->ct_mark);
    }

    format_eth(s, "dl_src", flow->dl_src);
    format_eth(s, "dl_dst", flow->dl_dst);
    if (flow->dl_type) {
        ds_put_format(s, "dl_type=0x%04"PRIx16",", dl_type);
    }
    if (flow->vlan_tci) {
        ds_put_format(s, "vlan_tci=0x%04"PRIx16",", ntohs(flow->vlan_tci));
    }

    format_be32_ip(s, is_arp ? "arp_spa" : "nw_src", flow->nw_src);
    format_be32_ip(s, is_arp ? "arp_tpa" : "nw_dst", flow->nw_dst);
    format_ipv6(s, "ipv6_src", &flow->ipv6_src);
    format_ipv6(s, "ipv6_dst", &flow->ipv6_dst);
    if (flow->ipv6_label) {
        ds_put_format(s, "ipv6_label=0x%05"PRIx32",",
                      ntohl(flow->ipv6_label));
    }
    format_u(s, is_arp ? "arp_op" : "nw_proto", flow->nw_proto);
    format_u(s, "nw_tos", flow->nw_tos & IP_DSCP_MASK);
    format_u(s, "nw_ecn", flow->nw_tos & IP_ECN_MASK);
    format_u(s, "nw_ttl", flow->nw_ttl);
    if (flow->nw_frag) {
        ds_put_format(s, "nw_frag=%s,",
                      (flow->nw_frag & FLOW_NW_FRAG_LATER ? "later"
                       : flow->nw_frag & FLOW_NW_FRAG_ANY ? "first"
                       : "no"));
    }

    if (is_ip && flow->nw_proto == IPPROTO_ICMPV6) {
        format_ipv6(s, "nd_target", &flow->nd_target);
        format_eth(s, "nd_sll", flow->arp_sha);
        format_eth(s, "nd_tll", flow->arp_tha);
        format_u(s, "icmpv6_type", ntohs(flow->tp_src));
        format_u(s, "icmpv6_code", ntohs(flow->tp_dst));
    } else {
        format_ipv6(s, "nd_target", &flow->nd_target);
        format_eth(s, "arp_sha", flow->arp_sha);
        format_eth(s, "arp_tha", flow->arp_tha);
        if (is_ip && flow->nw_proto == IPPROTO_ICMP) {
            format_u(s, "icmp_type", ntohs(flow->tp_src));
            format_u(s, "icmp_code", ntohs(flow->tp_dst));
        } else {
            format_u(s, "tp_src", ntohs(flow->tp_src));
            format_u(s, "tp_dst", ntohs(flow->tp_dst));
        }
    }
    if (flow->tcp_flags) {
        format_tcp_flags(s, ntohs(flow->tcp_flags));
    }
    if (s->length > start) {
        ds_chomp(s, ',');
    }
}

char *
flow_to_string(const struct flow *flow)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    flow_format(&s, flow);
    return ds_steal_cstr(&s);
}
