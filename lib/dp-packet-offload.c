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

/* Where the headers of a TCP super-packet are, found by parse_tcp__(). */
struct tcp_layout {
    bool is_ipv6;               /* IPv6 rather than IPv4. */
    size_t l3_ofs;              /* IP header. */
    size_t l4_ofs;              /* TCP header. */
    size_t hdr_size;            /* Every header, up to the TCP payload. */
    size_t payload_size;        /* TCP payload bytes. */
};

static int
parse_tcp__(struct dp_packet *p, struct tcp_layout *lay)
{
    const struct tcp_header *tcp;
    struct flow flow;
    size_t tcp_size, l4_size;

    flow_extract_set_offsets(p, 0, &flow);
    if (flow.nw_proto != IPPROTO_TCP || flow.nw_frag
        || !dp_packet_l4(p)) {
        return EINVAL;
    }
    lay->is_ipv6 = flow.dl_type == htons(ETH_TYPE_IPV6);
    if (lay->is_ipv6 != (p->ol_gso_type == DP_PACKET_GSO_TCPV6)) {
        return EINVAL;
    }

    l4_size = dp_packet_l4_size(p);
    if (l4_size < TCP_HEADER_LEN) {
        return EINVAL;
    }
    tcp = dp_packet_l4(p);
    tcp_size = TCP_OFFSET(tcp->tcp_ctl) * 4;
    if (tcp_size < TCP_HEADER_LEN || tcp_size > l4_size) {
        return EINVAL;
    }

    lay->l3_ofs = p->l3_ofs;
    lay->l4_ofs = p->l4_ofs;
    lay->hdr_size = p->l4_ofs + tcp_size;
    lay->payload_size = l4_size - tcp_size;
    return 0;
}

/* Builds segment 'i' of the super-packet 'p' laid out as 'lay': the
 * headers of 'p' and 'size' payload bytes from 'offset'. */
static struct dp_packet *
make_segment__(const struct dp_packet *p, const struct tcp_layout *lay,
               size_t i, size_t n, size_t offset, size_t size)
{
    const char *data = dp_packet_data(p);
    struct dp_packet *seg;
    struct tcp_header *tcp;
    uint16_t flags;
    size_t l4_size;
    uint32_t partial;

    seg = dp_packet_create(lay->hdr_size + size);
    dp_packet_put(seg, data, lay->hdr_size);
    dp_packet_put(seg, data + lay->hdr_size + offset, size);
    seg->l2_5_ofs = p->l2_5_ofs;
    seg->l3_ofs = lay->l3_ofs;
    seg->l4_ofs = lay->l4_ofs;

    l4_size = dp_packet_size(seg) - lay->l4_ofs;
    tcp = dp_packet_l4(seg);
    if (lay->is_ipv6) {
        struct ip6_header *ip6 = dp_packet_l3(seg);
        size_t plen = dp_packet_size(seg) - lay->l3_ofs - IPV6_HEADER_LEN;

        ip6->ip6_plen = htons(plen);
        partial = packet_csum_pseudoheader6(ip6, IPPROTO_TCP, l4_size);
    } else {
        struct ip_header *ip = dp_packet_l3(seg);
        size_t ip_size = IP_IHL(ip->ip_ihl_ver) * 4;

        ip->ip_tot_len = htons(dp_packet_size(seg) - lay->l3_ofs);
        ip->ip_id = htons(ntohs(ip->ip_id) + i);
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, ip_size);
        partial = packet_csum_pseudoheader(ip);
    }

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
    tcp->tcp_csum = csum_finish(csum_continue(partial, tcp, l4_size));
    return seg;
}

int
dp_packet_ol_segment(struct dp_packet *p, struct dp_packet ***segsp,
                     size_t *n_segsp)
{
    struct dp_packet **segs;
    struct tcp_layout lay;
    size_t mss, n, i;
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

    if (p->ol_gso_type != DP_PACKET_GSO_TCPV4
        && p->ol_gso_type != DP_PACKET_GSO_TCPV6) {
        return (p->ol_gso_type == DP_PACKET_GSO_UDP
                || p->ol_gso_type == DP_PACKET_GSO_UDP_L4
                ? EOPNOTSUPP : EINVAL);
    }
    mss = p->ol_gso_size;
    if (!mss) {
        return EINVAL;
    }
    error = parse_tcp__(p, &lay);
    if (error) {
        return error;
    }

    n = NFVS_MAX(DIV_ROUND_UP(lay.payload_size, mss), 1);
    segs = xmalloc(n * sizeof *segs);
    for (i = 0; i < n; i++) {
        size_t offset = i * mss;
        size_t size = NFVS_MIN(mss, lay.payload_size - offset);

        segs[i] = make_segment__(p, &lay, i, n, offset, size);
    }
    *segsp = segs;
    *n_segsp = n;
    return 0;
}
