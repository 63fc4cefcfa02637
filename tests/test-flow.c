#include <config.h>
#include "flow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "dp-packet.h"
#include "dynamic-string.h"
#include "nfvstest.h"
#include "packets.h"
#include "util.h"

/* Random numbers: a fixed generator (splitmix64), so that every run with
 * the same seed tests the same packets on every libc. */
static uint64_t rng_state;

static uint64_t
rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t
rng_range(uint32_t n)
{
    return rng_next() % n;
}

static void
rng_bytes(void *p_, size_t n)
{
    uint8_t *p = p_;

    while (n--) {
        *p++ = rng_next();
    }
}

/* Prints 'flow' on one line, "(empty)" if it has no non-zero field. */
static void
print_flow(const struct flow *flow)
{
    char *s = flow_to_string(flow);

    printf("%s\n", *s ? s : "(empty)");
    free(s);
}

static void
print_ofs(const char *name, uint16_t ofs)
{
    if (ofs == UINT16_MAX) {
        printf(" %s=none", name);
    } else {
        printf(" %s=%u", name, ofs);
    }
}

/* Checks what must hold of any flow that flow_extract() produced from a
 * packet of 'size' bytes received on 'in_port'. */
static void
check_flow_invariants(const struct flow *flow, uint32_t in_port)
{
    static const uint8_t zero[8];
    struct flow meta;

    memset(&meta, 0, offsetof(struct flow, dl_dst));
    meta.in_port = in_port;
    CHECK(!memcmp(flow, &meta, offsetof(struct flow, dl_dst)));
    CHECK(!memcmp(flow->pad2, zero, sizeof flow->pad2));
    CHECK(!flow->vlan_tci || flow->vlan_tci & htons(VLAN_CFI));
    CHECK(!(ntohl(flow->ipv6_label) & ~IPV6_LABEL_MASK));
    CHECK(!(flow->nw_frag & ~FLOW_NW_FRAG_MASK));
    if (flow->nw_frag & FLOW_NW_FRAG_LATER) {
        CHECK(flow->nw_frag & FLOW_NW_FRAG_ANY);
        CHECK(!flow->tp_src && !flow->tp_dst && !flow->tcp_flags);
    }
    CHECK(!(ntohs(flow->tcp_flags) & ~TCP_FLAGS_MASK));
    CHECK(!flow->tcp_flags || flow->nw_proto == IPPROTO_TCP);
}

/* Extracts the 'size' bytes at 'data' from an exactly sized heap copy, so
 * that AddressSanitizer reports any read past the end, checks the
 * invariants and that flow_compose() gives back a packet with the same
 * flow, and stores the flow in '*flow'. */
static void
extract_checked(const void *data, size_t size, uint32_t in_port,
                struct flow *flow)
{
    uint8_t *copy = xmalloc(size ? size : 1);
    struct dp_packet packet, *composed;
    struct flow flow2;

    memcpy(copy, data, size);
    dp_packet_use_const(&packet, copy, size);
    flow_extract(&packet, in_port, flow);
    check_flow_invariants(flow, in_port);

    flow_extract_set_offsets(&packet, in_port, &flow2);
    CHECK(flow_equal(flow, &flow2));
    CHECK(packet.l2_5_ofs == UINT16_MAX || packet.l2_5_ofs < size);
    CHECK(packet.l3_ofs == UINT16_MAX || packet.l3_ofs <= size);
    CHECK(packet.l4_ofs == UINT16_MAX
          || packet.l4_ofs + packet.l2_pad_size <= size);
    free(copy);

    /* A runt frame has no Ethernet header to compose back. */
    if (size >= ETH_HEADER_LEN) {
        composed = dp_packet_create(0);
        flow_compose(flow, composed);
        flow_extract(composed, in_port, &flow2);
        CHECK(flow_equal(flow, &flow2));
        dp_packet_destroy(composed);
    }
}

/* "extract [--offsets]": reads packets in hex from stdin, one a line, and
 * prints each one's flow (and with --offsets its layer offsets).  Blank
 * lines are skipped and lines starting with '#' are echoed. */
static int
do_extract(int argc, char *argv[])
{
    bool offsets = argc > 2 && !strcmp(argv[2], "--offsets");
    char line[4096];

    while (fgets(line, sizeof line, stdin)) {
        struct dp_packet packet;
        struct flow flow;

        if (line[0] == '#') {
            fputs(line, stdout);
            continue;
        }
        if (strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        }
        dp_packet_init(&packet, 0);
        if (dp_packet_put_hex(&packet, line)) {
            fprintf(stderr, "bad hex: %s", line);
            dp_packet_uninit(&packet);
            return 1;
        }
        extract_checked(dp_packet_data(&packet), dp_packet_size(&packet),
                        1, &flow);
        print_flow(&flow);
        if (offsets) {
            flow_extract_set_offsets(&packet, 1, &flow);
            printf(" ");
            print_ofs("l2_5", packet.l2_5_ofs);
            print_ofs("l3", packet.l3_ofs);
            print_ofs("l4", packet.l4_ofs);
            printf(" pad=%u l4_size=%zu\n", packet.l2_pad_size,
                   dp_packet_l4_size(&packet));
        }
        dp_packet_uninit(&packet);
    }
    return 0;
}

/* "truncate": reads packets in hex from stdin and extracts every prefix
 * of each one, printing the flow whenever it changes with the length at
 * which it appears. */
static int
do_truncate(int argc, char *argv[])
{
    char line[4096];

    while (fgets(line, sizeof line, stdin)) {
        struct dp_packet packet;
        struct flow flow, prev;
        size_t n;

        if (line[0] == '#') {
            fputs(line, stdout);
            continue;
        }
        if (strspn(line, " \t\r\n") == strlen(line)) {
            continue;
        }
        dp_packet_init(&packet, 0);
        if (dp_packet_put_hex(&packet, line)) {
            fprintf(stderr, "bad hex: %s", line);
            dp_packet_uninit(&packet);
            return 1;
        }
        for (n = 0; n <= dp_packet_size(&packet); n++) {
            extract_checked(dp_packet_data(&packet), n, 0, &flow);
            if (!n || !flow_equal(&flow, &prev)) {
                printf("%zu: ", n);
                print_flow(&flow);
            }
            prev = flow;
        }
        dp_packet_uninit(&packet);
    }
    return 0;
}

/* Verifies the checksums of the frame that flow_compose() made for
 * 'flow' in 'packet'. */
static void
check_composed_csums(const struct flow *flow, const struct dp_packet *p)
{
    const uint8_t *l4 = dp_packet_l4(p);
    size_t l4_size = dp_packet_l4_size(p);

    if (flow->dl_type == htons(ETH_TYPE_IP)) {
        const struct ip_header *ip = dp_packet_l3(p);

        CHECK(csum(ip, IP_HEADER_LEN) == 0);
        CHECK(ntohs(ip->ip_tot_len) == dp_packet_size(p) - p->l3_ofs);
        if (l4_size && flow->nw_proto != IPPROTO_SCTP
            && flow->nw_proto != IPPROTO_ICMP) {
            CHECK(csum_finish(csum_continue(packet_csum_pseudoheader(ip),
                                            l4, l4_size)) == 0);
        }
    } else if (flow->dl_type == htons(ETH_TYPE_IPV6)) {
        const struct ip6_header *ip6 = dp_packet_l3(p);

        CHECK(ntohs(ip6->ip6_plen)
              == dp_packet_size(p) - p->l3_ofs - IPV6_HEADER_LEN);
        if (l4_size && flow->nw_proto != IPPROTO_SCTP
            && flow->nw_proto != IPPROTO_ICMP) {
            CHECK(packet_csum_upperlayer6(ip6, l4, flow->nw_proto,
                                          l4_size) == 0);
        }
    }
    if (l4_size && flow->nw_proto == IPPROTO_ICMP) {
        CHECK(csum(l4, l4_size) == 0);
    }
    if (l4_size && flow->nw_proto == IPPROTO_SCTP) {
        uint8_t copy[SCTP_HEADER_LEN];
        uint32_t crc;

        memcpy(copy, l4, sizeof copy);
        memset(copy + 8, 0, 4);
        crc = crc32c(copy, sizeof copy);
        CHECK(l4[8] == (crc & 0xff) && l4[9] == ((crc >> 8) & 0xff)
              && l4[10] == ((crc >> 16) & 0xff) && l4[11] == crc >> 24);
    }
}

static struct eth_addr
mac(uint8_t last)
{
    struct eth_addr ea = { { 0x50, 0x54, 0x00, 0x00, 0x00, last } };

    return ea;
}

static struct in6_addr
ip6(uint16_t first, uint8_t last)
{
    struct in6_addr a;

    memset(&a, 0, sizeof a);
    a.s6_addr[0] = first >> 8;
    a.s6_addr[1] = first;
    a.s6_addr[15] = last;
    return a;
}

/* Fills 'flows' with a set of flows covering every protocol and returns
 * their number. */
static size_t
make_roundtrip_flows(struct flow *flows)
{
    struct flow *f = flows;
    struct flow base;

    memset(&base, 0, sizeof base);
    base.in_port = 3;
    base.dl_src = mac(1);
    base.dl_dst = mac(2);

    /* L2 only: an unknown Ethertype, 802.3/LLC, tagged. */
    *f = base;
    f->dl_type = htons(0x88cc);
    f++;
    *f = base;
    f->dl_type = htons(FLOW_DL_TYPE_NONE);
    f++;
    *f = base;
    f->dl_type = htons(0x88cc);
    f->vlan_tci = htons(VLAN_CFI | (5 << VLAN_PCP_SHIFT) | 100);
    f++;

    /* ARP request and reply, RARP. */
    *f = base;
    f->dl_type = htons(ETH_TYPE_ARP);
    f->nw_proto = ARP_OP_REQUEST;
    f->nw_src = htonl(0xc0a80001);
    f->nw_dst = htonl(0xc0a80002);
    f->arp_sha = mac(1);
    f++;
    *f = f[-1];
    f->nw_proto = ARP_OP_REPLY;
    f->arp_tha = mac(2);
    f->vlan_tci = htons(VLAN_CFI | 10);
    f++;
    *f = base;
    f->dl_type = htons(ETH_TYPE_RARP);
    f->nw_proto = 3;
    f->arp_sha = mac(1);
    f->arp_tha = mac(1);
    f++;

    /* IPv4: TCP, UDP, SCTP, ICMP, unknown; fragments. */
    *f = base;
    f->dl_type = htons(ETH_TYPE_IP);
    f->nw_src = htonl(0x0a000001);
    f->nw_dst = htonl(0x0a000002);
    f->nw_ttl = 64;
    f->nw_tos = 0xb9;
    f->nw_proto = IPPROTO_TCP;
    f->tp_src = htons(40000);
    f->tp_dst = htons(80);
    f->tcp_flags = htons(TCP_SYN);
    f++;
    *f = f[-1];
    f->tcp_flags = htons(TCP_ACK | TCP_PSH | TCP_NS | 0x800);
    f->vlan_tci = htons(VLAN_CFI | 4095);
    f++;
    *f = f[-2];
    f->nw_proto = IPPROTO_UDP;
    f->tcp_flags = 0;
    f->tp_src = htons(5353);
    f->tp_dst = htons(53);
    f++;
    *f = f[-1];
    f->nw_proto = IPPROTO_SCTP;
    f++;
    *f = f[-1];
    f->nw_proto = IPPROTO_ICMP;
    f->tp_src = htons(ICMP4_DST_UNREACH);
    f->tp_dst = htons(3);
    f++;
    *f = f[-1];
    f->nw_proto = 47;
    f->tp_src = f->tp_dst = 0;
    f++;
    *f = f[-6];
    f->nw_frag = FLOW_NW_FRAG_ANY;
    f++;
    *f = f[-1];
    f->nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
    f->tp_src = f->tp_dst = f->tcp_flags = 0;
    f++;

    /* IPv6: TCP, UDP, SCTP, ICMPv6 echo, NS, NA, fragments. */
    *f = base;
    f->dl_type = htons(ETH_TYPE_IPV6);
    f->ipv6_src = ip6(0x2001, 1);
    f->ipv6_dst = ip6(0x2001, 2);
    f->ipv6_label = htonl(0xabcde);
    f->nw_tos = 0x2a;
    f->nw_ttl = 255;
    f->nw_proto = IPPROTO_TCP;
    f->tp_src = htons(1234);
    f->tp_dst = htons(443);
    f->tcp_flags = htons(TCP_FIN | TCP_ACK);
    f++;
    *f = f[-1];
    f->nw_proto = IPPROTO_UDP;
    f->tcp_flags = 0;
    f++;
    *f = f[-1];
    f->nw_proto = IPPROTO_SCTP;
    f++;
    *f = f[-1];
    f->nw_proto = IPPROTO_ICMPV6;
    f->tp_src = htons(ICMP6_ECHO_REQUEST);
    f->tp_dst = 0;
    f++;
    *f = f[-1];
    f->tp_src = htons(ND_NEIGHBOR_SOLICIT);
    f->nd_target = ip6(0xfe80, 9);
    f->arp_sha = mac(1);
    f++;
    *f = f[-1];
    f->tp_src = htons(ND_NEIGHBOR_ADVERT);
    f->arp_sha = mac(0);
    f->arp_tha = mac(9);
    f++;
    *f = f[-1];
    f->arp_sha = mac(7);
    f->vlan_tci = htons(VLAN_CFI | 7);
    f++;
    *f = f[-7];
    f->nw_frag = FLOW_NW_FRAG_ANY;
    f++;
    *f = f[-1];
    f->nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
    f->nw_proto = IPPROTO_FRAGMENT;
    f->tp_src = f->tp_dst = f->tcp_flags = 0;
    f++;

    return f - flows;
}

/* "roundtrip": composes a packet for each of a set of flows, checks its
 * lengths and checksums, checks that flow_extract() gives back the flow,
 * and prints the flow and the packet in hex. */
static int
do_roundtrip(int argc, char *argv[])
{
    struct flow flows[64];
    size_t n = make_roundtrip_flows(flows);
    size_t i;

    CHECK(n <= ARRAY_SIZE(flows));
    for (i = 0; i < n; i++) {
        struct dp_packet *p = dp_packet_create(0);
        struct ds hex = DS_EMPTY_INITIALIZER;
        struct flow flow;

        flow_compose(&flows[i], p);
        check_composed_csums(&flows[i], p);
        flow_extract(p, flows[i].in_port, &flow);
        CHECK(flow_equal(&flow, &flows[i]));

        ds_put_hex(&hex, dp_packet_data(p), dp_packet_size(p));
        print_flow(&flow);
        printf("  %s\n", ds_cstr(&hex));
        ds_destroy(&hex);
        dp_packet_destroy(p);
    }
    return 0;
}

/* Returns a random flow that flow_extract() could produce from a
 * well-formed packet, of a random protocol. */
static void
random_flow(struct flow *f)
{
    static const uint16_t l2_types[] = {
        0x88cc, FLOW_DL_TYPE_NONE, ETH_TYPE_ARP, ETH_TYPE_RARP,
        ETH_TYPE_IP, ETH_TYPE_IP, ETH_TYPE_IP, ETH_TYPE_IPV6,
        ETH_TYPE_IPV6, ETH_TYPE_IPV6,
    };
    static const uint8_t protos[] = {
        IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP,
        IPPROTO_ICMPV6, 47, 0, 255,
    };
    uint16_t dl_type = l2_types[rng_range(ARRAY_SIZE(l2_types))];
    uint8_t nw_proto;

    memset(f, 0, sizeof *f);
    rng_bytes(&f->dl_src, sizeof f->dl_src);
    rng_bytes(&f->dl_dst, sizeof f->dl_dst);
    f->dl_type = htons(dl_type);
    if (rng_range(4) == 0) {
        f->vlan_tci = htons(rng_next() | VLAN_CFI);
    }

    if (dl_type == ETH_TYPE_ARP || dl_type == ETH_TYPE_RARP) {
        f->nw_proto = rng_next();
        f->nw_src = rng_next();
        f->nw_dst = rng_next();
        rng_bytes(&f->arp_sha, sizeof f->arp_sha);
        rng_bytes(&f->arp_tha, sizeof f->arp_tha);
        return;
    } else if (dl_type != ETH_TYPE_IP && dl_type != ETH_TYPE_IPV6) {
        return;
    }

    nw_proto = protos[rng_range(ARRAY_SIZE(protos))];
    if (dl_type == ETH_TYPE_IPV6 && nw_proto == IPPROTO_HOPOPTS) {
        /* Would need a hop-by-hop header, which is not a protocol. */
        nw_proto = IPPROTO_NONE;
    }
    f->nw_proto = nw_proto;
    f->nw_tos = rng_next();
    f->nw_ttl = rng_next();
    if (dl_type == ETH_TYPE_IP) {
        f->nw_src = rng_next();
        f->nw_dst = rng_next();
    } else {
        rng_bytes(&f->ipv6_src, sizeof f->ipv6_src);
        rng_bytes(&f->ipv6_dst, sizeof f->ipv6_dst);
        f->ipv6_label = htonl(rng_next() & IPV6_LABEL_MASK);
    }
    switch (rng_range(6)) {
    case 0:
        f->nw_frag = FLOW_NW_FRAG_ANY;
        break;
    case 1:
        f->nw_frag = FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER;
        if (dl_type == ETH_TYPE_IPV6) {
            f->nw_proto = IPPROTO_FRAGMENT;
        }
        return;
    }

    if (nw_proto == IPPROTO_TCP || nw_proto == IPPROTO_UDP
        || nw_proto == IPPROTO_SCTP) {
        f->tp_src = rng_next();
        f->tp_dst = rng_next();
        if (nw_proto == IPPROTO_TCP) {
            f->tcp_flags = htons(rng_next() & TCP_FLAGS_MASK);
        }
    } else if (nw_proto == IPPROTO_ICMP || nw_proto == IPPROTO_ICMPV6) {
        uint8_t type = rng_next();

        if (nw_proto == IPPROTO_ICMPV6 && rng_range(2)) {
            type = rng_range(2) ? ND_NEIGHBOR_SOLICIT : ND_NEIGHBOR_ADVERT;
        }
        f->tp_src = htons(type);
        f->tp_dst = htons(rng_range(3) ? 0 : rng_next() & 0xff);
        if (nw_proto == IPPROTO_ICMPV6 && !f->tp_dst
            && (type == ND_NEIGHBOR_SOLICIT
                || type == ND_NEIGHBOR_ADVERT)) {
            rng_bytes(&f->nd_target, sizeof f->nd_target);
            if (rng_range(2)) {
                rng_bytes(&f->arp_sha, sizeof f->arp_sha);
            }
            if (rng_range(2)) {
                rng_bytes(&f->arp_tha, sizeof f->arp_tha);
            }
        }
    }
}

/* Hand-made packets with headers that flow_compose() does not produce:
 * IPv4 options, TCP options, IPv6 extension header chains, ND options,
 * 802.1ad and SNAP.  Mutating them reaches parser paths that mutating
 * composed packets alone would rarely reach. */
static const char *const fuzz_templates[] = {
    /* IPv4 with 8 bytes of options, TCP with 12 bytes of options. */
    "505400000002505400000001 0800 47000034 00014000 4006 0000"
    "0a000001 0a000002 01010101 01010100"
    "9c400050 00000000 00000000 8002ffff 00000000"
    "020405b4 0101080a 00000001",
    /* IPv6: hop-by-hop, routing, dest opts, AH, fragment, then UDP. */
    "505400000002505400000001 86dd 60000000 0040 00 40"
    "20010000000000000000000000000001 20010000000000000000000000000002"
    "2b000000 00000000"
    "3c000000 00000000"
    "33000000 00000000"
    "2c020000 00000001 00000001"
    "11000001 00000007"
    "04d20035 0008 0000",
    /* NS with an SLL option, an unknown option and a TLL option. */
    "333300000001505400000001 86dd 60000000 0030 3a ff"
    "fe800000000000000000000000000001 ff020000000000000000000000000001"
    "87000000 00000000 fe800000000000000000000000000009"
    "0101505400000001 0f01000000000000 0201505400000009",
    /* 802.1ad outer tag, 802.1Q inner tag, IPv4 UDP. */
    "505400000002505400000001 88a8 0064 8100 00c8 0800"
    "4500001c 00000000 4011 0000 0a000001 0a000002"
    "04d20035 0008 0000",
    /* 802.3 with SNAP carrying ARP. */
    "ffffffffffff505400000001 0024 aaaa03 000000 0806"
    "0001 0800 06 04 0001 505400000001 c0a80001 000000000000 c0a80002",
};

/* Stores in 'p' a random packet: composed from a random flow or taken
 * from a template, then mutated 0 to 4 times. */
static void
random_packet(struct dp_packet *p)
{
    int n_mutations = rng_range(5);
    int i;

    if (rng_range(4)) {
        struct flow flow, flow2;

        random_flow(&flow);
        flow_compose(&flow, p);
        flow_extract(p, 0, &flow2);
        CHECK(flow_equal(&flow, &flow2));
    } else {
        dp_packet_put_hex(p, fuzz_templates[rng_range(
                                  ARRAY_SIZE(fuzz_templates))]);
    }

    for (i = 0; i < n_mutations; i++) {
        uint8_t *data = dp_packet_data(p);
        size_t size = dp_packet_size(p);
        size_t ofs = size ? rng_range(size) : 0;

        switch (rng_range(6)) {
        case 0:
            if (size) {
                data[ofs] = rng_next();
            }
            break;
        case 1:
            if (size) {
                data[ofs] = rng_range(2) ? 0 : 0xff;
            }
            break;
        case 2:
            if (size) {
                data[ofs] ^= 1u << rng_range(8);
            }
            break;
        case 3:
            dp_packet_set_size(p, ofs);
            break;
        case 4: {
            size_t n = rng_range(16);

            rng_bytes(dp_packet_put_uninit(p, n), n);
            break;
        }
        case 5:
            /* Headers are near the front: hit them harder. */
            if (size) {
                data[rng_range(NFVS_MIN(size, 80))] = rng_next();
            }
            break;
        }
    }
}

/* "fuzz SEED N": extracts N random packets (see random_packet()) under
 * the checks of extract_checked(). */
static int
do_fuzz(int argc, char *argv[])
{
    unsigned long long seed, n, i;

    if (argc != 4 || !str_to_ullong(argv[2], 10, &seed)
        || !str_to_ullong(argv[3], 10, &n)) {
        fprintf(stderr, "usage: test-flow fuzz SEED N\n");
        return 1;
    }
    rng_state = seed;
    for (i = 0; i < n; i++) {
        struct dp_packet *p = dp_packet_create(0);
        struct flow flow;

        random_packet(p);
        extract_checked(dp_packet_data(p), dp_packet_size(p), i % 8, &flow);
        dp_packet_destroy(p);
    }
    printf("%llu packets ok\n", n);
    return 0;
}

/* "csum": checksum helpers against known values and each other. */
static int
do_csum(int argc, char *argv[])
{
    /* RFC 1071's example: the sum is 0xddf2. */
    static const uint8_t rfc1071[] = {
        0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7,
    };
    /* A real IPv4 header (Wikipedia's example), checksum 0xb861. */
    static const uint8_t ip_hdr[] = {
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
        0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
    };
    uint8_t buf[64];
    int i;

    CHECK(csum(rfc1071, sizeof rfc1071) == htons(0x220d));
    CHECK(csum(ip_hdr, sizeof ip_hdr) == htons(0xb861));
    CHECK(csum(rfc1071, 3) == htons((uint16_t) ~(0x0001 + 0xf200)));
    CHECK(crc32c("123456789", 9) == 0xe3069283);
    CHECK(csum_add32(csum_add16(0, htons(1)), htonl(0x00020003)) == 6);

    /* Incremental updates agree with recomputation.  (They could differ
     * only in the representation of zero, for all-zero data, which
     * random new bytes do not give.) */
    rng_state = 1;
    for (i = 0; i < 10000; i++) {
        nfvs_be16 old_csum, old16, new16;
        nfvs_be32 old32, new32;
        struct in6_addr old6, new6;
        int ofs = rng_range(sizeof buf / 2 - 8) * 2;

        rng_bytes(buf, sizeof buf);
        if (i % 3 == 0) {
            memset(buf, 0, ofs);    /* Reach sums near 0 and 0xffff. */
        }
        old_csum = csum(buf, sizeof buf);

        memcpy(&old16, buf + ofs, 2);
        rng_bytes(&new16, 2);
        memcpy(buf + ofs, &new16, 2);
        CHECK(recalc_csum16(old_csum, old16, new16)
              == csum(buf, sizeof buf));
        old_csum = csum(buf, sizeof buf);

        memcpy(&old32, buf + ofs, 4);
        rng_bytes(&new32, 4);
        memcpy(buf + ofs, &new32, 4);
        CHECK(recalc_csum32(old_csum, old32, new32)
              == csum(buf, sizeof buf));
        old_csum = csum(buf, sizeof buf);

        memcpy(&old6, buf + ofs, 16);
        rng_bytes(&new6, 16);
        memcpy(buf + ofs, &new6, 16);
        CHECK(recalc_csum128(old_csum, &old6, &new6)
              == csum(buf, sizeof buf));
    }
    printf("ok\n");
    return 0;
}

/* "dp-packet": buffer management and layer offsets. */
static int
do_dp_packet(int argc, char *argv[])
{
    static const char frame[] =
        "505400000002505400000001 0800 45000014 00000000 4006 0000"
        "0a000001 0a000002";
    struct dp_packet *p, *clone;
    struct dp_packet c;
    struct flow flow;
    uint8_t *eth;
    void *base;
    char *s;

    p = dp_packet_create(0);
    CHECK(dp_packet_headroom(p) == DP_PACKET_HEADROOM);
    CHECK(dp_packet_size(p) == 0 && dp_packet_l2(p) == NULL);
    CHECK(dp_packet_put_hex(p, frame) == 0);
    CHECK(dp_packet_size(p) == 34);
    CHECK(dp_packet_put_hex(p, "0") == EINVAL);
    CHECK(dp_packet_put_hex(p, "zz") == EINVAL);
    CHECK(dp_packet_size(p) == 34);

    flow_extract_set_offsets(p, 0, &flow);
    CHECK(p->l2_5_ofs == UINT16_MAX && p->l3_ofs == 14 && p->l4_ofs == 34);
    CHECK(dp_packet_l4_size(p) == 0);

    /* Push an 802.1Q tag in the headroom: no reallocation, offsets
     * follow. */
    base = p->base;
    eth = dp_packet_resize_l2(p, VLAN_HEADER_LEN);
    memmove(eth, eth + VLAN_HEADER_LEN, 2 * ETH_ADDR_LEN);
    memcpy(eth + 12, "\x81\x00\x20\x0a", 4);
    CHECK(p->base == base && dp_packet_size(p) == 38);
    CHECK(p->l3_ofs == 18 && p->l4_ofs == 38);
    CHECK(dp_packet_l3(p) == eth + 18);
    flow_extract(p, 0, &flow);
    s = flow_to_string(&flow);
    printf("%s\n", s);
    free(s);

    /* Pushing more than the headroom reallocates and keeps the bytes. */
    dp_packet_push_uninit(p, 100);
    CHECK(p->base != base && dp_packet_size(p) == 138);
    CHECK(!memcmp((uint8_t *) dp_packet_data(p) + 100, "\x50\x54", 2));
    dp_packet_pull(p, 100);
    CHECK(dp_packet_try_pull(p, 1000) == NULL);

    /* Pop the tag again. */
    eth = dp_packet_data(p);
    memmove(eth + VLAN_HEADER_LEN, eth, 2 * ETH_ADDR_LEN);
    dp_packet_resize_l2(p, -VLAN_HEADER_LEN);
    CHECK(p->l3_ofs == 14 && p->l4_ofs == 34);

    clone = dp_packet_clone(p);
    CHECK(dp_packet_size(clone) == 34 && clone->l3_ofs == 14);
    CHECK(!memcmp(dp_packet_data(clone), dp_packet_data(p), 34));
    dp_packet_destroy(clone);

    dp_packet_use_const(&c, dp_packet_data(p), 20);
    CHECK(dp_packet_tailroom(&c) == 0 && dp_packet_headroom(&c) == 0);
    flow_extract_set_offsets(&c, 0, &flow);
    CHECK(c.l3_ofs == 14 && c.l4_ofs == UINT16_MAX);
    dp_packet_uninit(&c);
    dp_packet_destroy(p);
    dp_packet_destroy(NULL);

    printf("ok\n");
    return 0;
}

static int
test_flow_main(int argc, char *argv[])
{
    static const struct {
        const char *name;
        int (*func)(int argc, char *argv[]);
    } commands[] = {
        { "extract", do_extract },
        { "truncate", do_truncate },
        { "roundtrip", do_roundtrip },
        { "fuzz", do_fuzz },
        { "csum", do_csum },
        { "dp-packet", do_dp_packet },
    };
    size_t i;

    if (argc >= 2) {
        for (i = 0; i < ARRAY_SIZE(commands); i++) {
            if (!strcmp(argv[1], commands[i].name)) {
                return commands[i].func(argc, argv);
            }
        }
    }
    fprintf(stderr, "usage: test-flow extract [--offsets] | truncate | "
            "roundtrip | fuzz SEED N | csum | dp-packet\n");
    return 1;
}

NFVSTEST_REGISTER("test-flow", test_flow_main);
