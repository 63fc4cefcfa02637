/* UDP, ICMP/ICMPv6 echo, ICMP errors and other IP protocols for the
 * connection tracker, following Linux nf_conntrack:
 *
 *   - UDP: a connection by ports; 30 s until a reply is seen, then, once
 *     traffic goes on for more than 2 s after the first packet, a
 *     "stream" (ASSURED) with 120 s;
 *   - ICMP and ICMPv6 echo: request and reply with the same id form a
 *     connection; 30 s;
 *   - ICMP and ICMPv6 errors: +rel when the packet they carry belongs to
 *     a tracked connection;
 *   - other protocols: a connection by addresses alone; 600 s. */
#include <config.h>
#include "conntrack-private.h"

#include <string.h>
#include "packets.h"

/* UDP traffic this long after the first packet makes a stream. */
#define CT_UDP_STREAM_MS 2000

#define ICMP4_SOURCE_QUENCH 4
#define ICMP4_REDIRECT 5
#define ICMP4_PARAM_PROB 12
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB 4

#define IP6_NEXTHDR_HOP 0
#define IP6_NEXTHDR_ROUTING 43
#define IP6_NEXTHDR_FRAGMENT 44
#define IP6_NEXTHDR_AH 51
#define IP6_NEXTHDR_DEST 60

static bool
icmp_is_error(uint8_t type, bool is_ipv6)
{
    if (is_ipv6) {
        return (type == ICMP6_DST_UNREACH || type == ICMP6_PACKET_TOO_BIG
                || type == ICMP6_TIME_EXCEEDED || type == ICMP6_PARAM_PROB);
    }
    return (type == ICMP4_DST_UNREACH || type == ICMP4_SOURCE_QUENCH
            || type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED
            || type == ICMP4_PARAM_PROB);
}

/* Fills the ports of an ICMP echo key: the id goes in 'src_port' for a
 * request and in 'dst_port' for a reply, so that a reply's key is the
 * reverse of its request's.  Returns false for other types. */
static bool
icmp_echo_ports(struct conn_key *key, const uint8_t *icmp, bool *is_reply)
{
    uint8_t request = key->is_ipv6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO_REQUEST;
    uint8_t reply = key->is_ipv6 ? ICMP6_ECHO_REPLY : ICMP4_ECHO_REPLY;
    nfvs_be16 id;

    memcpy(&id, &icmp[4], sizeof id);
    if (icmp[0] == request) {
        key->src_port = id;
        key->dst_port = 0;
        *is_reply = false;
    } else if (icmp[0] == reply) {
        key->src_port = 0;
        key->dst_port = id;
        *is_reply = true;
    } else {
        return false;
    }
    return icmp[1] == 0;
}

enum conntrack_invalid
ct_other_extract(struct conn_key *key, const uint8_t *l4, size_t l4_size,
                 enum ct_l4_kind *kind)
{
    bool is_reply;

    *kind = CT_L4_NORMAL;
    switch (key->proto) {
    case IPPROTO_UDP: {
        size_t udp_len;

        if (l4_size < UDP_HEADER_LEN) {
            return CT_INV_MALFORMED;
        }
        /* A length field past the datagram or below the header is
         * malformed (Linux: "truncated/malformed packet"); a shorter one
         * leaves trailing bytes, as in Linux, under the checksum. */
        udp_len = (l4[4] << 8) | l4[5];
        if (udp_len < UDP_HEADER_LEN || udp_len > l4_size) {
            return CT_INV_MALFORMED;
        }
        memcpy(&key->src_port, &l4[0], 2);
        memcpy(&key->dst_port, &l4[2], 2);
        return CT_INV_NONE;
    }

    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        if ((key->proto == IPPROTO_ICMPV6) != key->is_ipv6) {
            /* ICMPv4 over IPv6 or the reverse: Linux's generic
             * tracker would take it; nobody sends it. */
            break;
        }
        if (l4_size < ICMP_HEADER_LEN) {
            return CT_INV_MALFORMED;
        }
        if (icmp_is_error(l4[0], key->is_ipv6)) {
            *kind = CT_L4_ICMP_ERROR;
            return CT_INV_NONE;
        }
        if (!icmp_echo_ports(key, l4, &is_reply)) {
            return CT_INV_ICMP;
        }
        if (is_reply) {
            *kind = CT_L4_NO_NEW;
        }
        return CT_INV_NONE;

    default:
        break;
    }
    key->src_port = key->dst_port = 0;
    return CT_INV_NONE;
}

/* Skips IPv6 extension headers from '*nextp' at 'p' (with '*sizep' bytes
 * left).  Returns false for a fragment or a truncated header. */
static bool
skip_ipv6_ext(uint8_t *nextp, const uint8_t **p, size_t *sizep)
{
    for (;;) {
        size_t len;

        switch (*nextp) {
        case IP6_NEXTHDR_HOP:
        case IP6_NEXTHDR_ROUTING:
        case IP6_NEXTHDR_DEST:
            if (*sizep < 8) {
                return false;
            }
            len = ((size_t) (*p)[1] + 1) * 8;
            break;
        case IP6_NEXTHDR_AH:
            if (*sizep < 8) {
                return false;
            }
            len = ((size_t) (*p)[1] + 2) * 4;
            break;
        case IP6_NEXTHDR_FRAGMENT:
            return false;
        default:
            return true;
        }
        if (len > *sizep) {
            return false;
        }
        *nextp = (*p)[0];
        *p += len;
        *sizep -= len;
    }
}

bool
ct_icmp_error_key(const struct conn_key *outer, const uint8_t *l4,
                  size_t l4_size, struct conn_key *inner)
{
    const uint8_t *p = l4 + ICMP_HEADER_LEN;
    size_t size = l4_size - ICMP_HEADER_LEN;
    bool is_reply;
    uint8_t proto;

    memset(inner, 0, sizeof *inner);
    inner->zone = outer->zone;
    inner->is_ipv6 = outer->is_ipv6;

    if (!outer->is_ipv6) {
        size_t ihl;
        uint16_t frag;

        if (size < IP_HEADER_LEN || IP_VER(p[0]) != IP_VERSION) {
            return false;
        }
        ihl = IP_IHL(p[0]) * 4;
        if (ihl < IP_HEADER_LEN || ihl > size) {
            return false;
        }
        frag = (p[6] << 8) | p[7];
        if (frag & IP_FRAG_OFF_MASK) {
            return false;       /* No L4 header in a later fragment. */
        }
        proto = p[9];
        memcpy(&inner->src.s6_addr[12], &p[12], 4);
        memcpy(&inner->dst.s6_addr[12], &p[16], 4);
        p += ihl;
        size -= ihl;
    } else {
        if (size < IPV6_HEADER_LEN || p[0] >> 4 != 6) {
            return false;
        }
        proto = p[6];
        memcpy(&inner->src, &p[8], 16);
        memcpy(&inner->dst, &p[24], 16);
        p += IPV6_HEADER_LEN;
        size -= IPV6_HEADER_LEN;
        if (!skip_ipv6_ext(&proto, &p, &size)) {
            return false;
        }
    }
    inner->proto = proto;

    /* An error must go back to the sender of the packet it carries. */
    if (memcmp(&inner->src, &outer->dst, sizeof inner->src)) {
        return false;
    }

    /* RFC 792 has an error carry 8 bytes of the L4 header, but like
     * Linux nfvs reads only what the key needs: the ports of TCP and UDP,
     * the ICMP header of an echo, nothing of other protocols. */
    switch (proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        if (size < 4) {
            return false;
        }
        memcpy(&inner->src_port, &p[0], 2);
        memcpy(&inner->dst_port, &p[2], 2);
        return true;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        /* Only errors about echo packets: never an error about an
         * error. */
        return (size >= ICMP_HEADER_LEN
                && (proto == IPPROTO_ICMPV6) == inner->is_ipv6
                && icmp_echo_ports(inner, p, &is_reply));
    default:
        return true;
    }
}

long long
ct_other_timeout(struct conn *conn, long long now,
                 const long long timeouts[])
{
    switch (conn->key.proto) {
    case IPPROTO_UDP:
        if (conn->seen_reply && now > conn->created + CT_UDP_STREAM_MS) {
            /* Still active after 2 s with traffic both ways: a stream,
             * more likely important than a probe. */
            conn->assured = true;
            return timeouts[CT_TM_UDP_STREAM];
        }
        return timeouts[CT_TM_UDP];
    case IPPROTO_ICMP:
        return timeouts[CT_TM_ICMP];
    case IPPROTO_ICMPV6:
        return timeouts[CT_TM_ICMPV6];
    default:
        return timeouts[CT_TM_GENERIC];
    }
}

void
ct_other_packet(struct conn *conn, const struct ct_packet *pkt,
                const long long timeouts[], struct ct_update *update)
{
    update->timeout = ct_other_timeout(conn, pkt->now, timeouts);
}
