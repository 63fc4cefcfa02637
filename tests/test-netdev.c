/* Tests of the netdev layer with dummy devices, and of the software
 * offload fallbacks (checksum completion, TCP segmentation). */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csum.h"
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "flow.h"
#include "netdev.h"
#include "nfvstest.h"
#include "packets.h"
#include "util.h"

static bool
fd_is_readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

/* Recomputes the IP length, the IPv4 header checksum and the L4 checksum
 * of 'p' (parsed with offsets), which may have had payload appended. */
static void
finish_packet(struct dp_packet *p)
{
    struct flow flow;
    size_t l4_size;
    uint32_t pseudo;
    uint8_t *l4;

    flow_extract_set_offsets(p, 0, &flow);
    l4 = dp_packet_l4(p);
    if (flow.dl_type == htons(ETH_TYPE_IP)) {
        struct ip_header *ip = dp_packet_l3(p);

        ip->ip_tot_len = htons(dp_packet_size(p) - p->l3_ofs);
        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, IP_HEADER_LEN);
        pseudo = packet_csum_pseudoheader(ip);
    } else {
        struct ip6_header *ip6 = dp_packet_l3(p);

        ip6->ip6_plen = htons(dp_packet_size(p) - p->l3_ofs
                              - IPV6_HEADER_LEN);
        pseudo = packet_csum_pseudoheader6(ip6, flow.nw_proto,
                                           dp_packet_size(p) - p->l4_ofs);
    }
    l4_size = dp_packet_size(p) - p->l4_ofs;
    if (flow.nw_proto == IPPROTO_TCP) {
        struct tcp_header *tcp = (void *) l4;

        tcp->tcp_csum = 0;
        tcp->tcp_csum = csum_finish(csum_continue(pseudo, l4, l4_size));
    } else {
        struct udp_header *udp = (void *) l4;
        nfvs_be16 c;

        udp->udp_len = htons(l4_size);
        udp->udp_csum = 0;
        c = csum_finish(csum_continue(pseudo, l4, l4_size));
        udp->udp_csum = c ? c : htons(0xffff);
    }
}

/* Returns a new, complete TCP or UDP packet ('proto') over IPv4 or IPv6
 * with 'vlan' (0 for none), whose TCP header has 'seq' and 'flags', IPv4
 * header 'ip_id', and whose payload is bytes 'ofs'... of a fixed
 * pattern, 'size' of them. */
static struct dp_packet *
build_packet(uint8_t proto, bool ipv6, uint16_t vlan, uint32_t seq,
             uint16_t flags, uint16_t ip_id, size_t ofs, size_t size)
{
    struct dp_packet *p = dp_packet_create(128 + size);
    struct flow flow;
    uint8_t *payload;
    size_t i;

    memset(&flow, 0, sizeof flow);
    memcpy(flow.dl_src.ea, "\x00\x16\x3e\x00\x00\x01", 6);
    memcpy(flow.dl_dst.ea, "\x00\x16\x3e\x00\x00\x02", 6);
    flow.vlan_tci = vlan ? htons(vlan | VLAN_CFI) : 0;
    flow.nw_proto = proto;
    flow.nw_ttl = 64;
    flow.tp_src = htons(40000);
    flow.tp_dst = htons(5001);
    if (ipv6) {
        flow.dl_type = htons(ETH_TYPE_IPV6);
        inet_pton(AF_INET6, "fd00::1", &flow.ipv6_src);
        inet_pton(AF_INET6, "fd00::2", &flow.ipv6_dst);
    } else {
        flow.dl_type = htons(ETH_TYPE_IP);
        flow.nw_src = htonl(0x0a000001);
        flow.nw_dst = htonl(0x0a000002);
    }
    if (proto == IPPROTO_TCP) {
        flow.tcp_flags = htons(flags);
    }
    flow_compose(&flow, p);

    if (proto == IPPROTO_TCP) {
        struct tcp_header *tcp = dp_packet_l4(p);

        tcp->tcp_seq = htonl(seq);
        tcp->tcp_ack = htonl(7777);
    }
    if (!ipv6) {
        struct ip_header *ip = dp_packet_l3(p);

        ip->ip_id = htons(ip_id);
        ip->ip_frag_off = htons(IP_DONT_FRAGMENT);
    }
    payload = dp_packet_put_uninit(p, size);
    for (i = 0; i < size; i++) {
        payload[i] = (ofs + i) * 7 + 3;
    }
    finish_packet(p);
    return p;
}

/* Turns complete packet 'p' into one whose L4 checksum is partial, the
 * way Linux hands it over: the field holds the folded pseudo-header
 * sum. */
static void
make_partial(struct dp_packet *p)
{
    struct flow flow;
    uint32_t pseudo;
    uint16_t field_ofs;
    nfvs_be16 seed;

    flow_extract_set_offsets(p, 0, &flow);
    if (flow.dl_type == htons(ETH_TYPE_IP)) {
        pseudo = packet_csum_pseudoheader(dp_packet_l3(p));
    } else {
        pseudo = packet_csum_pseudoheader6(dp_packet_l3(p), flow.nw_proto,
                                           dp_packet_l4_size(p));
    }
    field_ofs = (flow.nw_proto == IPPROTO_TCP
                 ? offsetof(struct tcp_header, tcp_csum)
                 : offsetof(struct udp_header, udp_csum));
    seed = ~csum_finish(pseudo);
    memcpy((char *) dp_packet_l4(p) + field_ofs, &seed, sizeof seed);
    dp_packet_ol_set_csum_partial(p, p->l4_ofs, field_ofs);
}

static struct dp_packet *
packet_from_hex(const char *hex)
{
    struct dp_packet *p = dp_packet_create(0);

    if (dp_packet_put_hex(p, hex)) {
        fprintf(stderr, "bad hex: %s\n", hex);
        exit(1);
    }
    return p;
}

static void
print_tx_stats(const struct netdev *netdev)
{
    struct netdev_stats s;

    CHECK(!netdev_get_stats(netdev, &s));
    printf("tx_packets=%llu tx_bytes=%llu tx_dropped=%llu\n",
           (unsigned long long) s.tx_packets,
           (unsigned long long) s.tx_bytes,
           (unsigned long long) s.tx_dropped);
}

/* dummy-pcap FILE HEX...: sends each HEX frame on a dummy device whose
 * pcap file is FILE, one batch of all of them. */
static int
test_dummy_pcap(int argc, char *argv[])
{
    struct dp_packet_batch batch;
    struct netdev *netdev;
    int i, error;

    CHECK(!netdev_open("p0", "dummy", &netdev));
    error = netdev_dummy_set_pcap(netdev, argv[1]);
    if (error) {
        printf("set_pcap: %s\n", nfvs_strerror(error));
        netdev_close(netdev);
        return 1;
    }
    dp_packet_batch_init(&batch);
    for (i = 2; i < argc && batch.count < NETDEV_MAX_BURST; i++) {
        batch.packets[batch.count++] = packet_from_hex(argv[i]);
    }
    CHECK(!netdev_send(netdev, &batch));
    CHECK(batch.count == 0);
    print_tx_stats(netdev);
    CHECK(!netdev_dummy_set_pcap(netdev, NULL));
    netdev_close(netdev);
    return 0;
}

/* dummy-offload FILE: sends on a dummy device with pcap FILE a TCP GSO
 * super-packet with a partial checksum (IPv4, 4000 bytes, MSS 1448), a
 * UDP packet with a partial checksum (IPv6), a UDP segmentation (USO)
 * super-packet (IPv4, 3000 bytes, 1400 per datagram), and an IPv6 UDP
 * fragmentation (UFO) packet, which is dropped. */
static int
test_dummy_offload(int argc NFVS_UNUSED, char *argv[])
{
    struct dp_packet_batch batch;
    struct netdev *netdev;
    struct dp_packet *p;

    CHECK(!netdev_open("p0", "dummy", &netdev));
    CHECK(!netdev_dummy_set_pcap(netdev, argv[1]));
    dp_packet_batch_init(&batch);

    p = build_packet(IPPROTO_TCP, false, 0, 1000, TCP_ACK | TCP_PSH, 1,
                     0, 4000);
    make_partial(p);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_TCPV4, 1448);
    batch.packets[batch.count++] = p;

    p = build_packet(IPPROTO_UDP, true, 0, 0, 0, 0, 0, 100);
    make_partial(p);
    batch.packets[batch.count++] = p;

    p = build_packet(IPPROTO_UDP, false, 0, 0, 0, 7, 0, 3000);
    make_partial(p);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP_L4, 1400);
    batch.packets[batch.count++] = p;

    p = build_packet(IPPROTO_UDP, true, 0, 0, 0, 0, 0, 3000);
    make_partial(p);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP, 1400);
    batch.packets[batch.count++] = p;

    CHECK(netdev_send(netdev, &batch) == EOPNOTSUPP);
    print_tx_stats(netdev);
    netdev_close(netdev);
    return 0;
}

/* dummy-queue: the receive queue, its limit, the fd, and the generic
 * layer's open/close rules. */
static int
test_dummy_queue(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    struct netdev *a, *a2, *b, *bad;
    struct dp_packet_batch batch;
    struct netdev_stats stats;
    struct eth_addr mac_a, mac_b;
    int fd, mtu, ifindex, i, n;

    CHECK(netdev_open("a", "nosuchtype", &bad) == EAFNOSUPPORT);
    CHECK(bad == NULL);
    CHECK(netdev_open("", "dummy", &bad) == EINVAL);
    CHECK(netdev_open("abcdefghijklmnop", "dummy", &bad) == EINVAL);

    CHECK(!netdev_open("a", "dummy", &a));
    CHECK(!netdev_open("a", "dummy", &a2));
    CHECK(a == a2);
    netdev_close(a2);
    CHECK(!strcmp(netdev_get_name(a), "a"));
    CHECK(!strcmp(netdev_get_type(a), "dummy"));
    CHECK(!netdev_open("b", "dummy", &b));
    CHECK(!netdev_get_etheraddr(a, &mac_a));
    CHECK(!netdev_get_etheraddr(b, &mac_b));
    CHECK(!eth_addr_equals(mac_a, mac_b));
    CHECK(!eth_addr_is_multicast(mac_a) && (mac_a.ea[0] & 2));
    CHECK(!netdev_get_mtu(a, &mtu) && mtu == 1500);
    CHECK(netdev_get_ifindex(a, &ifindex) == EOPNOTSUPP && !ifindex);

    /* The MAC depends only on the name. */
    netdev_close(b);
    CHECK(!netdev_open("b", "dummy", &b));
    CHECK(!netdev_get_etheraddr(b, &mac_a));
    CHECK(eth_addr_equals(mac_a, mac_b));

    /* The queue and its fd. */
    fd = netdev_get_fd(a);
    CHECK(fd >= 0);
    CHECK(!fd_is_readable(fd));
    dp_packet_batch_init(&batch);
    CHECK(netdev_recv(a, &batch) == EAGAIN && batch.count == 0);

    CHECK(!netdev_dummy_receive(a, packet_from_hex("ffffffffffff"
                                                   "aaaaaaaaaaaa0800")));
    CHECK(fd_is_readable(fd));
    CHECK(!netdev_recv(a, &batch) && batch.count == 1);
    CHECK(dp_packet_size(batch.packets[0]) == 14);
    CHECK(!fd_is_readable(fd));
    dp_packet_batch_destroy_packets(&batch);
    CHECK(batch.count == 0);

    for (i = 0; i < NETDEV_DUMMY_QUEUE_LEN + 5; i++) {
        struct dp_packet *p = dp_packet_create(64);
        int error;

        dp_packet_put_zeros(p, 60 + i % 4);
        error = netdev_dummy_receive(a, p);
        CHECK(error == (i < NETDEV_DUMMY_QUEUE_LEN ? 0 : ENOBUFS));
    }
    CHECK(!netdev_get_stats(a, &stats));
    CHECK(stats.rx_dropped == 5);
    CHECK(stats.rx_packets == 1);

    n = 0;
    while (fd_is_readable(fd)) {
        CHECK(!netdev_recv(a, &batch));
        CHECK(batch.count == NETDEV_MAX_BURST
              || n + batch.count == NETDEV_DUMMY_QUEUE_LEN);
        for (i = 0; i < (int) batch.count; i++) {
            CHECK(dp_packet_size(batch.packets[i]) == 60 + (n + i) % 4);
        }
        n += batch.count;
        dp_packet_batch_destroy_packets(&batch);
    }
    CHECK(n == NETDEV_DUMMY_QUEUE_LEN);
    CHECK(netdev_recv(a, &batch) == EAGAIN);
    CHECK(!netdev_get_stats(a, &stats));
    CHECK(stats.rx_packets == 1 + NETDEV_DUMMY_QUEUE_LEN);
    CHECK(stats.rx_dropped == 5);
    printf("rx_packets=%llu rx_bytes=%llu rx_dropped=%llu\n",
           (unsigned long long) stats.rx_packets,
           (unsigned long long) stats.rx_bytes,
           (unsigned long long) stats.rx_dropped);

    /* Packets left queued are freed by close. */
    CHECK(!netdev_dummy_receive(a, dp_packet_create(10)));
    CHECK(netdev_dummy_set_pcap(a, "/nonexistent/dir/x.pcap") == ENOENT);
    netdev_close(a);
    netdev_close(b);

    /* Another type under the same name while open. */
    CHECK(!netdev_open("c", "dummy", &a));
    CHECK(netdev_open("c", "system", &bad) == EEXIST);
    CHECK(netdev_open("c", "internal", &bad) == EEXIST);
    netdev_close(a);
    netdev_close(NULL);
    return 0;
}

/* csum: completing partial checksums in software, for TCP and UDP over
 * IPv4 and IPv6, with and without a VLAN tag. */
static int
test_csum(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
    int n = 0;

    for (int i = 0; i < 2; i++) {
        for (int v6 = 0; v6 < 2; v6++) {
            for (int vlan = 0; vlan < 2; vlan++) {
                for (size_t size = 0; size < 40; size += 13) {
                    struct dp_packet *good, *p;

                    good = build_packet(protos[i], v6, vlan ? 10 : 0, 5,
                                        TCP_ACK, 9, 0, size);
                    p = dp_packet_clone(good);
                    make_partial(p);
                    CHECK(dp_packet_ol_is_csum_partial(p));
                    CHECK(memcmp(dp_packet_data(p), dp_packet_data(good),
                                 dp_packet_size(p)));
                    CHECK(!dp_packet_ol_complete_csum(p));
                    CHECK(!dp_packet_ol_is_csum_partial(p));
                    CHECK(p->ol_flags & DP_PACKET_OL_CSUM_VALID);
                    CHECK(dp_packet_size(p) == dp_packet_size(good));
                    CHECK(!memcmp(dp_packet_data(p), dp_packet_data(good),
                                  dp_packet_size(p)));
                    /* Completing again changes nothing. */
                    CHECK(!dp_packet_ol_complete_csum(p));
                    CHECK(!memcmp(dp_packet_data(p), dp_packet_data(good),
                                  dp_packet_size(p)));
                    dp_packet_destroy(p);
                    dp_packet_destroy(good);
                    n++;
                }
            }
        }
    }

    /* A checksum field outside the frame is refused, and nothing
     * changes. */
    {
        struct dp_packet *p = build_packet(IPPROTO_UDP, false, 0, 0, 0, 0,
                                           0, 10);
        struct dp_packet *copy = dp_packet_clone(p);

        dp_packet_ol_set_csum_partial(p, dp_packet_size(p) - 1, 0);
        CHECK(dp_packet_ol_complete_csum(p) == EINVAL);
        CHECK(dp_packet_ol_is_csum_partial(p));
        dp_packet_ol_set_csum_partial(p, 34, 60000);
        CHECK(dp_packet_ol_complete_csum(p) == EINVAL);
        CHECK(!memcmp(dp_packet_data(p), dp_packet_data(copy),
                      dp_packet_size(p)));
        dp_packet_destroy(p);
        dp_packet_destroy(copy);
    }
    printf("%d packets completed\n", n);
    return 0;
}

static void
format_tcp_flags(char *buf, uint16_t flags)
{
    static const char *const names[] = { "fin", "syn", "rst", "psh",
                                         "ack", "urg", "ece", "cwr" };
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < ARRAY_SIZE(names); i++) {
        if (flags & (1u << i)) {
            strcat(buf, buf[0] ? "|" : "");
            strcat(buf, names[i]);
        }
    }
}

/* gso IPV6 VLAN SIZE MSS: segments a TCP GSO super-packet of SIZE payload
 * bytes (with ACK|PSH|FIN|CWR) and checks every segment byte for byte
 * against the packet a sender would have built; prints one line per
 * segment. */
static int
test_gso(int argc NFVS_UNUSED, char *argv[])
{
    int ipv6 = atoi(argv[1]), vlan = atoi(argv[2]);
    size_t size = atoi(argv[3]), mss = atoi(argv[4]);
    uint16_t flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR;
    struct dp_packet **segs, *p;
    size_t n_segs, i, ofs;
    int error;

    p = build_packet(IPPROTO_TCP, ipv6, vlan, 1000, flags, 100, 0, size);
    make_partial(p);
    dp_packet_ol_set_gso(p, ipv6 ? DP_PACKET_GSO_TCPV6 : DP_PACKET_GSO_TCPV4,
                         mss);
    error = dp_packet_ol_segment(p, &segs, &n_segs);
    if (error) {
        printf("error: %s\n", nfvs_strerror(error));
        dp_packet_destroy(p);
        return 0;
    }

    ofs = 0;
    for (i = 0; i < n_segs; i++) {
        size_t seg_size = NFVS_MIN(mss, size - ofs);
        uint16_t seg_flags = flags;
        struct dp_packet *expect;
        const struct tcp_header *tcp;
        char buf[64];

        if (i + 1 < n_segs) {
            seg_flags &= ~(TCP_FIN | TCP_PSH);
        }
        if (i) {
            seg_flags &= ~TCP_CWR;
        }
        expect = build_packet(IPPROTO_TCP, ipv6, vlan, 1000 + ofs,
                              seg_flags, 100 + i, ofs, seg_size);
        CHECK(dp_packet_size(segs[i]) == dp_packet_size(expect));
        CHECK(!memcmp(dp_packet_data(segs[i]), dp_packet_data(expect),
                      dp_packet_size(expect)));
        CHECK(!segs[i]->ol_flags && !dp_packet_ol_is_gso(segs[i]));
        CHECK(segs[i]->l4_ofs == expect->l4_ofs);

        tcp = dp_packet_l4(segs[i]);
        format_tcp_flags(buf, TCP_FLAGS(tcp->tcp_ctl));
        printf("%zu: frame %zu, payload %zu, seq %u, flags %s\n", i,
               dp_packet_size(segs[i]), seg_size,
               (unsigned int) ntohl(tcp->tcp_seq), buf);
        ofs += seg_size;
        dp_packet_destroy(expect);
        dp_packet_destroy(segs[i]);
    }
    CHECK(ofs == size);
    free(segs);
    dp_packet_destroy(p);
    return 0;
}

/* uso IPV6 VLAN SIZE SEG: cuts a UDP segmentation (USO) super-packet of
 * SIZE payload bytes into datagrams of SEG bytes and checks every one
 * byte for byte against the datagram a sender would have built; prints
 * one line per datagram. */
static int
test_uso(int argc NFVS_UNUSED, char *argv[])
{
    int ipv6 = atoi(argv[1]), vlan = atoi(argv[2]);
    size_t size = atoi(argv[3]), seg = atoi(argv[4]);
    struct dp_packet **segs, *p;
    size_t n_segs, i, ofs;
    int error;

    p = build_packet(IPPROTO_UDP, ipv6, vlan, 0, 0, 100, 0, size);
    make_partial(p);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP_L4, seg);
    error = dp_packet_ol_segment(p, &segs, &n_segs);
    if (error) {
        printf("error: %s\n", nfvs_strerror(error));
        dp_packet_destroy(p);
        return 0;
    }

    ofs = 0;
    for (i = 0; i < n_segs; i++) {
        size_t seg_size = NFVS_MIN(seg, size - ofs);
        const struct udp_header *udp;
        struct dp_packet *expect;

        expect = build_packet(IPPROTO_UDP, ipv6, vlan, 0, 0, 100 + i, ofs,
                              seg_size);
        CHECK(dp_packet_size(segs[i]) == dp_packet_size(expect));
        CHECK(!memcmp(dp_packet_data(segs[i]), dp_packet_data(expect),
                      dp_packet_size(expect)));
        CHECK(!segs[i]->ol_flags && !dp_packet_ol_is_gso(segs[i]));
        CHECK(segs[i]->l4_ofs == expect->l4_ofs);

        udp = dp_packet_l4(segs[i]);
        printf("%zu: frame %zu, payload %zu, udp len %u", i,
               dp_packet_size(segs[i]), seg_size,
               (unsigned int) ntohs(udp->udp_len));
        if (!ipv6) {
            const struct ip_header *ip = dp_packet_l3(segs[i]);

            printf(", id %u", (unsigned int) ntohs(ip->ip_id));
        }
        printf("\n");
        ofs += seg_size;
        dp_packet_destroy(expect);
        dp_packet_destroy(segs[i]);
    }
    CHECK(ofs == size);
    free(segs);
    dp_packet_destroy(p);
    return 0;
}

/* ufo VLAN SIZE FRAG: cuts an IPv4 UDP fragmentation (UFO) packet of SIZE
 * payload bytes, with a partial checksum, into fragments of FRAG bytes
 * of IP payload; checks each fragment's header and that together they
 * carry exactly the complete datagram; prints one line per fragment. */
static int
test_ufo(int argc NFVS_UNUSED, char *argv[])
{
    int vlan = atoi(argv[1]);
    size_t size = atoi(argv[2]), frag = atoi(argv[3]);
    struct dp_packet **segs, *p, *good;
    size_t n_segs, i, ofs, good_l3;
    const struct ip_header *good_ip;
    int error;

    good = build_packet(IPPROTO_UDP, false, vlan, 0, 0, 300, 0, size);
    good_l3 = good->l3_ofs;
    good_ip = dp_packet_l3(good);
    p = dp_packet_clone(good);
    make_partial(p);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP, frag);
    error = dp_packet_ol_segment(p, &segs, &n_segs);
    if (error) {
        printf("error: %s\n", nfvs_strerror(error));
        dp_packet_destroy(p);
        dp_packet_destroy(good);
        return 0;
    }

    ofs = 0;
    for (i = 0; i < n_segs; i++) {
        const struct ip_header *ip = dp_packet_l3(segs[i]);
        size_t ip_size = dp_packet_size(segs[i]) - good_l3 - IP_HEADER_LEN;
        uint16_t frag_off = ntohs(ip->ip_frag_off);

        CHECK(!memcmp(dp_packet_data(segs[i]), dp_packet_data(good),
                      good_l3));
        CHECK(ip->ip_id == good_ip->ip_id);
        CHECK(ntohs(ip->ip_tot_len) == ip_size + IP_HEADER_LEN);
        CHECK(!csum(ip, IP_HEADER_LEN) || csum(ip, IP_HEADER_LEN)
              == 0xffff);
        CHECK((size_t) (frag_off & IP_FRAG_OFF_MASK) * 8 == ofs);
        CHECK(!memcmp((char *) (ip + 1),
                      (char *) good_ip + IP_HEADER_LEN + ofs, ip_size));
        CHECK(!segs[i]->ol_flags && !dp_packet_ol_is_gso(segs[i]));
        CHECK(i ? segs[i]->l4_ofs == UINT16_MAX
              : segs[i]->l4_ofs == good->l4_ofs);
        printf("%zu: frame %zu, offset %zu,%s%s\n", i,
               dp_packet_size(segs[i]), ofs,
               frag_off & IP_MORE_FRAGMENTS ? " mf" : "",
               frag_off & IP_DONT_FRAGMENT ? " df" : "");
        ofs += ip_size;
        dp_packet_destroy(segs[i]);
    }
    CHECK(good_l3 + IP_HEADER_LEN + ofs == dp_packet_size(good));
    free(segs);
    dp_packet_destroy(p);
    dp_packet_destroy(good);
    return 0;
}

/* gso-bad: packets that cannot be segmented. */
static int
test_gso_bad(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    struct dp_packet **segs;
    struct dp_packet *p;
    size_t n_segs;

    /* IPv6 UFO is not implemented in software. */
    p = build_packet(IPPROTO_UDP, true, 0, 0, 0, 0, 0, 3000);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EOPNOTSUPP);
    CHECK(!segs && !n_segs);
    dp_packet_destroy(p);

    /* UFO with less than 8 bytes per fragment, USO with 0. */
    p = build_packet(IPPROTO_UDP, false, 0, 0, 0, 0, 0, 3000);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP, 7);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP_L4, 0);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    /* A TCP GSO type on a UDP packet. */
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_TCPV4, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    /* An unknown type. */
    dp_packet_ol_set_gso(p, 42, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_destroy(p);

    /* UDP GSO types on a TCP packet. */
    p = build_packet(IPPROTO_TCP, false, 0, 0, TCP_ACK, 0, 0, 3000);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP_L4, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_UDP, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_destroy(p);

    /* IPv4 packet marked TCPV6, and MSS 0. */
    p = build_packet(IPPROTO_TCP, false, 0, 0, TCP_ACK, 0, 0, 3000);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_TCPV6, 1000);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_TCPV4, 0);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);

    /* TCP data offset beyond the packet. */
    dp_packet_ol_set_gso(p, DP_PACKET_GSO_TCPV4, 1000);
    dp_packet_set_size(p, 14 + 20 + 20);
    {
        struct ip_header *ip = (void *) ((char *) dp_packet_data(p) + 14);
        struct tcp_header *tcp = (void *) (ip + 1);

        ip->ip_tot_len = htons(40);
        tcp->tcp_ctl = TCP_CTL(TCP_ACK, 15);
    }
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);

    /* A truncated frame. */
    dp_packet_set_size(p, 20);
    CHECK(dp_packet_ol_segment(p, &segs, &n_segs) == EINVAL);
    dp_packet_destroy(p);
    printf("ok\n");
    return 0;
}

/* dummy-link: a dummy reports the link and admin state it is given; a
 * netdev that is not a dummy refuses to be set. */
static int
test_dummy_link(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    struct netdev_link_state state, down = { false, false };
    struct netdev_link_state no_carrier = { true, false };
    struct netdev *netdev;

    CHECK(!netdev_open("d0", "dummy", &netdev));
    CHECK(!netdev_get_link_state(netdev, &state));
    CHECK(state.admin_up && state.carrier);
    CHECK(!netdev_dummy_set_link_state(netdev, &no_carrier));
    CHECK(!netdev_get_link_state(netdev, &state));
    CHECK(state.admin_up && !state.carrier);
    CHECK(!netdev_dummy_set_link_state(netdev, &down));
    CHECK(!netdev_get_link_state(netdev, &state));
    CHECK(!state.admin_up && !state.carrier);
    netdev_close(netdev);

    /* A kernel-datapath netdev of a device that does not exist reads as
     * down, with ENODEV. */
    CHECK(!netdev_open("nfvsnodev0", "kernel-internal", &netdev));
    state.admin_up = state.carrier = true;
    CHECK(netdev_get_link_state(netdev, &state) == ENODEV);
    CHECK(!state.admin_up && !state.carrier);
    CHECK(netdev_dummy_set_link_state(netdev, &down) == EOPNOTSUPP);
    netdev_close(netdev);

    /* "lo" is up and, as Linux reports it, running. */
    CHECK(!netdev_open("lo", "kernel-system", &netdev));
    CHECK(!netdev_get_link_state(netdev, &state));
    CHECK(state.admin_up && state.carrier);
    netdev_close(netdev);
    printf("ok\n");
    return 0;
}

/* Counts the releases of borrowed packets in test_borrowed(). */
static int n_released;

static void
count_release(struct dp_packet *p)
{
    CHECK(p->release_aux == &n_released);
    n_released++;
}

/* borrowed: a packet that borrows its bytes writes them in place while
 * they have room, gives them back exactly once (when freed, when a push
 * outgrows them, or when unborrowed) and keeps its frame on the way. */
static int
test_borrowed(int argc NFVS_UNUSED, char *argv[] NFVS_UNUSED)
{
    static const uint8_t frame[] = "0123456789abcdef";
    uint8_t mem[8 + sizeof frame];
    struct dp_packet *p;
    uint8_t *head;

    /* Freed: released once, nothing copied. */
    memcpy(mem + 8, frame, sizeof frame);
    p = xmalloc(sizeof *p);
    dp_packet_use_borrowed(p, mem + 8, sizeof frame, 8, count_release,
                           &n_released);
    head = dp_packet_push_uninit(p, 4);
    CHECK(head == mem + 4 && p->source == DPBUF_BORROWED);
    memcpy(head, "VLAN", 4);
    dp_packet_destroy(p);
    CHECK(n_released == 1);
    CHECK(!memcmp(mem + 4, "VLAN0123", 8));

    /* A push past the headroom moves the frame to a heap buffer. */
    memcpy(mem + 8, frame, sizeof frame);
    p = xmalloc(sizeof *p);
    dp_packet_use_borrowed(p, mem + 8, sizeof frame, 8, count_release,
                           &n_released);
    dp_packet_push(p, "0123456789", 10);
    CHECK(n_released == 2 && p->source == DPBUF_MALLOC);
    CHECK(dp_packet_size(p) == 10 + sizeof frame);
    CHECK(!memcmp((uint8_t *) dp_packet_data(p) + 10, frame, sizeof frame));
    dp_packet_destroy(p);
    CHECK(n_released == 2);

    /* Unborrowed: released at once, with the frame kept and headroom to
     * spare; a second call does nothing. */
    p = xmalloc(sizeof *p);
    dp_packet_use_borrowed(p, mem + 8, sizeof frame, 8, count_release,
                           &n_released);
    dp_packet_unborrow(p);
    CHECK(n_released == 3 && p->source == DPBUF_MALLOC);
    memset(mem, 0, sizeof mem);
    CHECK(!memcmp(dp_packet_data(p), frame, sizeof frame));
    CHECK(dp_packet_headroom(p) >= DP_PACKET_HEADROOM);
    dp_packet_unborrow(p);
    dp_packet_destroy(p);
    CHECK(n_released == 3);
    printf("ok\n");
    return 0;
}

static int
test_netdev_main(int argc, char *argv[])
{
    static const struct {
        const char *name;
        int min_args;
        int (*run)(int argc, char *argv[]);
    } cmds[] = {
        { "dummy-pcap", 1, test_dummy_pcap },
        { "dummy-offload", 1, test_dummy_offload },
        { "dummy-queue", 0, test_dummy_queue },
        { "dummy-link", 0, test_dummy_link },
        { "csum", 0, test_csum },
        { "gso", 4, test_gso },
        { "uso", 4, test_uso },
        { "ufo", 3, test_ufo },
        { "gso-bad", 0, test_gso_bad },
        { "borrowed", 0, test_borrowed },
    };
    size_t i;

    if (argc >= 2) {
        for (i = 0; i < ARRAY_SIZE(cmds); i++) {
            if (!strcmp(argv[1], cmds[i].name)
                && argc - 2 >= cmds[i].min_args) {
                return cmds[i].run(argc - 1, argv + 1);
            }
        }
    }
    fprintf(stderr, "usage: test-netdev dummy-pcap FILE HEX... | "
            "dummy-offload FILE | dummy-queue | dummy-link | csum | "
            "gso IPV6 VLAN SIZE MSS | uso IPV6 VLAN SIZE SEG | "
            "ufo VLAN SIZE FRAG | gso-bad | borrowed\n");
    return 1;
}

NFVSTEST_REGISTER("test-netdev", test_netdev_main);
