/* bench/bench-flow-extract.c: nanoseconds per flow_extract() call.
 *
 * Usage: bench-flow-extract [ITERATIONS]
 * Extracts the same packet ITERATIONS times (default 10,000,000) for each
 * of a few packet kinds and prints the mean time per call. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "dp-packet.h"
#include "flow.h"
#include "util.h"

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
bench(const char *name, const struct flow *flow, unsigned long long n)
{
    struct dp_packet *p = dp_packet_create(0);
    volatile uint32_t sink = 0;
    struct flow out;
    unsigned long long i;
    double start, elapsed;

    flow_compose(flow, p);
    flow_extract(p, 1, &out);
    if (memcmp(&out.dl_dst, &flow->dl_dst,
               sizeof out - offsetof(struct flow, dl_dst))) {
        nfvs_fatal(0, "%s: flow_extract() disagrees with flow_compose()",
                   name);
    }

    start = now_ns();
    for (i = 0; i < n; i++) {
        flow_extract(p, 1, &out);
        sink += out.tp_src;
    }
    elapsed = now_ns() - start;
    printf("%-24s %4zu bytes  %6.1f ns/packet\n", name, dp_packet_size(p),
           elapsed / n);
    dp_packet_destroy(p);
    (void) sink;
}

int
main(int argc, char *argv[])
{
    unsigned long long n = 10 * 1000 * 1000;
    struct flow tcp4, tcp6, udp4_vlan, nd;

    nfvs_set_program_name(argv[0]);
    if (argc > 1 && !str_to_ullong(argv[1], 10, &n)) {
        nfvs_fatal(0, "usage: %s [ITERATIONS]", argv[0]);
    }

    memset(&tcp4, 0, sizeof tcp4);
    tcp4.dl_src.ea[5] = 1;
    tcp4.dl_dst.ea[5] = 2;
    tcp4.dl_type = htons(ETH_TYPE_IP);
    tcp4.nw_src = htonl(0x0a000001);
    tcp4.nw_dst = htonl(0x0a000002);
    tcp4.nw_proto = IPPROTO_TCP;
    tcp4.nw_ttl = 64;
    tcp4.tp_src = htons(40000);
    tcp4.tp_dst = htons(80);
    tcp4.tcp_flags = htons(TCP_ACK);

    udp4_vlan = tcp4;
    udp4_vlan.vlan_tci = htons(VLAN_CFI | 10);
    udp4_vlan.nw_proto = IPPROTO_UDP;
    udp4_vlan.tcp_flags = 0;

    tcp6 = tcp4;
    tcp6.dl_type = htons(ETH_TYPE_IPV6);
    tcp6.nw_src = tcp6.nw_dst = 0;
    tcp6.ipv6_src.s6_addr[0] = 0x20;
    tcp6.ipv6_src.s6_addr[15] = 1;
    tcp6.ipv6_dst.s6_addr[0] = 0x20;
    tcp6.ipv6_dst.s6_addr[15] = 2;
    tcp6.ipv6_label = htonl(0x12345);

    nd = tcp6;
    nd.nw_proto = IPPROTO_ICMPV6;
    nd.nw_ttl = 255;
    nd.tp_src = htons(ND_NEIGHBOR_SOLICIT);
    nd.tp_dst = 0;
    nd.tcp_flags = 0;
    nd.nd_target = nd.ipv6_dst;
    nd.arp_sha = nd.dl_src;

    bench("tcp/ipv4", &tcp4, n);
    bench("tcp/ipv6", &tcp6, n);
    bench("udp/ipv4 vlan", &udp4_vlan, n);
    bench("nd-ns/ipv6 sll", &nd, n);
    return 0;
}
