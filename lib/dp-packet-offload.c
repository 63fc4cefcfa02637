#include <config.h>
#include "dp-packet-offload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "flow.h"
#include "packets.h"
#include "util.h"

int
dp_packet_ol_complete_csum(struct dp_packet *p)
{
    size_t start = p->ol_csum_start;
    size_t field = start + p->ol_csum_offset;
    nfvs_be16 value;
    char *data;

    if (!dp_packet_ol_is_csum_partial(p)) {
        return 0;
    }
    if (field + 2 > dp_packet_size(p)) {
        return EINVAL;
    }

    /* The field holds the pseudo-header sum, so summing the bytes with it
     * in place gives the whole checksum.  A result of 0 is sent as 0xffff
     * (equal in one's complement), which UDP needs and TCP accepts, as
     * the kernel's skb_checksum_help() does. */
    data = dp_packet_data(p);
    value = csum(data + start, dp_packet_size(p) - start);
    if (!value) {
        value = htons(0xffff);
    }
    memcpy(data + field, &value, sizeof value);

    p->ol_flags = (p->ol_flags & ~DP_PACKET_OL_CSUM_PARTIAL)
                  | DP_PACKET_OL_CSUM_VALID;
    p->ol_csum_start = 0;
    p->ol_csum_offset = 0;
    return 0;
}

/* Where the headers of a TCP or UDP super-packet are, found by
 * parse_l4__(). */
struct l4_layout {
    bool is_ipv6;               /* IPv6 rather than IPv4. */
    uint8_t proto;              /* IPPROTO_TCP or IPPROTO_UDP. */
    size_t l3_ofs;              /* IP header. */
    size_t l4_ofs;              /* TCP or UDP header. */
    size_t hdr_size;            /* Every header, up to the L4 payload. */
    size_t payload_size;        /* L4 payload bytes. */
};

/* Parses 'p', which must be an unfragmented 'proto' packet, into 'lay'
 * and sets the layer offsets of 'p'.  Returns 0 or EINVAL. */
static int
parse_l4__(struct dp_packet *p, uint8_t proto, struct l4_layout *lay)
{
    struct flow flow;
    size_t hdr_size, l4_size;

    flow_extract_set_offsets(p, 0, &flow);
    if (flow.nw_proto != proto || flow.nw_frag || !dp_packet_l4(p)) {
        return EINVAL;
    }
    lay->is_ipv6 = flow.dl_type == htons(ETH_TYPE_IPV6);
    lay->proto = proto;

    l4_size = dp_packet_l4_size(p);
    if (proto == IPPROTO_TCP) {
        const struct tcp_header *tcp = dp_packet_l4(p);

        if (l4_size < TCP_HEADER_LEN) {
            return EINVAL;
        }
        hdr_size = TCP_OFFSET(tcp->tcp_ctl) * 4;
        if (hdr_size < TCP_HEADER_LEN || hdr_size > l4_size) {
            return EINVAL;
        }
    } else {
        hdr_size = UDP_HEADER_LEN;
        if (l4_size < hdr_size) {
            return EINVAL;
        }
    }

    lay->l3_ofs = p->l3_ofs;
    lay->l4_ofs = p->l4_ofs;
    lay->hdr_size = p->l4_ofs + hdr_size;
    lay->payload_size = l4_size - hdr_size;
    return 0;
}

/* Returns a new packet with the headers of 'p' (as laid out in 'lay') and
 * the 'size' payload bytes at 'offset' in the payload of 'p', with the
 * layer offsets of 'p'.  Sets its IP length field and IPv4 header
 * checksum, adding 'id_inc' to the IPv4 identification, and returns in
 * '*pseudop' the sum of its pseudo-header. */
static struct dp_packet *
make_segment__(const struct dp_packet *p, const struct l4_layout *lay,
               size_t offset, size_t size, uint16_t id_inc,
               uint32_t *pseudop)
{
    const char *data = dp_packet_data(p);
    struct dp_packet *seg;
    size_t l4_size;

    seg = dp_packet_create(lay->hdr_size + size);
    dp_packet_put(seg, data, lay->hdr_size);
    dp_packet_put(seg, data + lay->hdr_size + offset, size);
    seg->l2_5_ofs = p->l2_5_ofs;
    seg->l3_ofs = lay->l3_ofs;
    seg->l4_ofs = lay->l4_ofs;

    l4_size = dp_packet_size(seg) - lay->l4_ofs;
    if (lay->is_ipv6) {
        struct ip6_header *ip6 = dp_packet_l3(seg);
        size_t plen = dp_packet_size(seg) - lay->l3_ofs - IPV6_HEADER_LEN;

        ip6->ip6_plen = htons(plen);
        *pseudop = packet_csum_pseudoheader6(ip6, lay->proto, l4_size);
    } else {
        struct ip_header *ip = dp_packet_l3(seg);
        size_t ip_size = IP_IHL(ip->ip_ihl_ver) * 4;

        ip->ip_tot_len = htons(dp_packet_size(seg) - lay->l3_ofs);
        ip->ip_id = htons(ntohs(ip->ip_id) + id_inc);
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, ip_size);
        *pseudop = packet_csum_pseudoheader(ip);
    }
    return seg;
}

/* Builds TCP segment 'i' of 'n' of the super-packet 'p' laid out as
 * 'lay': the headers of 'p' and 'size' payload bytes from 'offset'. */
static struct dp_packet *
make_tcp_segment__(const struct dp_packet *p, const struct l4_layout *lay,
                   size_t i, size_t n, size_t offset, size_t size)
{
    struct dp_packet *seg;
    struct tcp_header *tcp;
    uint32_t pseudo;
    uint16_t flags;

    seg = make_segment__(p, lay, offset, size, i, &pseudo);
    tcp = dp_packet_l4(seg);
    tcp->tcp_seq = htonl(ntohl(tcp->tcp_seq) + offset);
    flags = TCP_FLAGS(tcp->tcp_ctl);
    if (i + 1 < n) {
        flags &= ~(TCP_FIN | TCP_PSH);
    }
    if (i > 0) {
        flags &= ~TCP_CWR;
    }
    tcp->tcp_ctl = TCP_CTL(flags, TCP_OFFSET(tcp->tcp_ctl));
    tcp->tcp_csum = 0;
    tcp->tcp_csum = csum_finish(csum_continue(pseudo, tcp,
                                              dp_packet_l4_size(seg)));
    return seg;
}

/* Builds UDP datagram 'i' of the USO super-packet 'p' laid out as 'lay':
 * the headers of 'p' and 'size' payload bytes from 'offset', with its own
 * UDP length and checksum. */
static struct dp_packet *
make_udp_segment__(const struct dp_packet *p, const struct l4_layout *lay,
                   size_t i, size_t offset, size_t size)
{
    struct udp_header *udp;
    struct dp_packet *seg;
    uint32_t pseudo;
    size_t l4_size;
    nfvs_be16 sum;

    seg = make_segment__(p, lay, offset, size, i, &pseudo);
    l4_size = dp_packet_l4_size(seg);
    udp = dp_packet_l4(seg);
    udp->udp_len = htons(l4_size);
    udp->udp_csum = 0;
    sum = csum_finish(csum_continue(pseudo, udp, l4_size));
    udp->udp_csum = sum ? sum : htons(0xffff);
    return seg;
}

/* Cuts the UFO super-packet 'p' (IPv4 only), laid out as 'lay', into IP
 * fragments of at most 'p->ol_gso_size' bytes of IP payload, rounded
 * down to a multiple of 8.  The UDP checksum is completed over the whole
 * datagram first; every fragment has the identification of 'p', its own
 * offset, length and header checksum, and DF clear.  Returns 0 with the
 * fragments in '*segsp' and '*n_segsp', or EINVAL. */
static int
fragment_udp4__(const struct dp_packet *p, const struct l4_layout *lay,
                struct dp_packet ***segsp, size_t *n_segsp)
{
    size_t frag_size = p->ol_gso_size & ~(size_t) 7;
    struct dp_packet *whole, **segs;
    size_t ip_payload, n, i;
    const char *data;
    int error;

    if (!frag_size) {
        return EINVAL;
    }
    whole = dp_packet_clone(p);
    error = dp_packet_ol_complete_csum(whole);
    if (error) {
        dp_packet_destroy(whole);
        return error;
    }

    data = dp_packet_data(whole);
    ip_payload = dp_packet_size(whole) - lay->l4_ofs;
    n = NFVS_MAX(DIV_ROUND_UP(ip_payload, frag_size), 1);
    if (n == 1) {
        dp_packet_ol_reset(whole);
        segs = xmalloc(sizeof *segs);
        segs[0] = whole;
        *segsp = segs;
        *n_segsp = 1;
        return 0;
    }

    segs = xmalloc(n * sizeof *segs);
    for (i = 0; i < n; i++) {
        size_t offset = i * frag_size;
        size_t size = NFVS_MIN(frag_size, ip_payload - offset);
        struct dp_packet *frag;
        struct ip_header *ip;
        uint16_t frag_off;

        frag = dp_packet_create(lay->l4_ofs + size);
        dp_packet_put(frag, data, lay->l4_ofs);
        dp_packet_put(frag, data + lay->l4_ofs + offset, size);
        frag->l2_5_ofs = whole->l2_5_ofs;
        frag->l3_ofs = lay->l3_ofs;
        frag->l4_ofs = i ? UINT16_MAX : lay->l4_ofs;

        ip = dp_packet_l3(frag);
        frag_off = offset / 8;
        if (i + 1 < n) {
            frag_off |= IP_MORE_FRAGMENTS;
        }
        ip->ip_frag_off = htons(frag_off);
        ip->ip_tot_len = htons(dp_packet_size(frag) - lay->l3_ofs);
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, IP_IHL(ip->ip_ihl_ver) * 4);
        segs[i] = frag;
    }
    dp_packet_destroy(whole);
    *segsp = segs;
    *n_segsp = n;
    return 0;
}

int
dp_packet_ol_segment(struct dp_packet *p, struct dp_packet ***segsp,
                     size_t *n_segsp)
{
    struct dp_packet **segs;
    struct l4_layout lay;
    size_t mss, n, i;
    uint8_t proto;
    int error;

    *segsp = NULL;
    *n_segsp = 0;

    if (!dp_packet_ol_is_gso(p)) {
        segs = xmalloc(sizeof *segs);
        segs[0] = dp_packet_clone(p);
        error = dp_packet_ol_complete_csum(segs[0]);
        if (error) {
            dp_packet_destroy(segs[0]);
            free(segs);
            return error;
        }
        *segsp = segs;
        *n_segsp = 1;
        return 0;
    }

    switch (p->ol_gso_type) {
    case DP_PACKET_GSO_TCPV4:
    case DP_PACKET_GSO_TCPV6:
        proto = IPPROTO_TCP;
        break;
    case DP_PACKET_GSO_UDP:
    case DP_PACKET_GSO_UDP_L4:
        proto = IPPROTO_UDP;
        break;
    default:
        return EINVAL;
    }
    mss = p->ol_gso_size;
    if (!mss) {
        return EINVAL;
    }
    error = parse_l4__(p, proto, &lay);
    if (error) {
        return error;
    }
    if (p->ol_gso_type == DP_PACKET_GSO_UDP) {
        return (lay.is_ipv6 ? EOPNOTSUPP
                : fragment_udp4__(p, &lay, segsp, n_segsp));
    }
    if (proto == IPPROTO_TCP
        && lay.is_ipv6 != (p->ol_gso_type == DP_PACKET_GSO_TCPV6)) {
        return EINVAL;
    }

    n = NFVS_MAX(DIV_ROUND_UP(lay.payload_size, mss), 1);
    segs = xmalloc(n * sizeof *segs);
    for (i = 0; i < n; i++) {
        size_t offset = i * mss;
        size_t size = NFVS_MIN(mss, lay.payload_size - offset);

        segs[i] = (proto == IPPROTO_TCP
                   ? make_tcp_segment__(p, &lay, i, n, offset, size)
                   : make_udp_segment__(p, &lay, i, offset, size));
    }
    *segsp = segs;
    *n_segsp = n;
    return 0;
}
