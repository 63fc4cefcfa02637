/* tests/test-dpif.c: the datapath interface on the "dummy" userspace
 * datapath with dummy ports.  Each subcommand is one scenario that prints
 * what it sees; tests/dpif.at checks the output. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "csum.h"
#include "dp-packet.h"
#include "dp-packet-offload.h"
#include "dpif.h"
#include "dynamic-string.h"
#include "flow.h"
#include "netdev.h"
#include "nfvstest.h"
#include "nlattr.h"
#include "odp-util.h"
#include "packets.h"
#include "util.h"

/* The datapath "dp0" with dummy ports p1 (1), p2 (2) and p3 (3); p2's
 * output goes to "p2.pcap", p3's to "p3.pcap". */
struct setup {
    struct dpif *dpif;
    struct netdev *p[4];        /* [1..3]. */
};

static void
setup_init(struct setup *s)
{
    int i;

    CHECK(!dpif_open("dp0", "dummy", true, &s->dpif));
    s->p[0] = NULL;
    for (i = 1; i <= 3; i++) {
        char name[16];
        uint32_t port_no = DPIF_PORT_ANY;

        snprintf(name, sizeof name, "p%d", i);
        CHECK(!netdev_open(name, "dummy", &s->p[i]));
        CHECK(!dpif_port_add(s->dpif, s->p[i], &port_no));
        CHECK(port_no == (uint32_t) i);
    }
    unlink("p2.pcap");
    unlink("p3.pcap");
    CHECK(!netdev_dummy_set_pcap(s->p[2], "p2.pcap"));
    CHECK(!netdev_dummy_set_pcap(s->p[3], "p3.pcap"));
    CHECK(!dpif_handlers_set(s->dpif, 1));
}

static void
setup_uninit(struct setup *s)
{
    int i;

    for (i = 1; i <= 3; i++) {
        netdev_dummy_set_pcap(s->p[i], NULL);
        netdev_close(s->p[i]);
    }
    dpif_close(s->dpif);
}

/* Packets. */

struct pkt_spec {
    int ipv6;                   /* IPv6 instead of IPv4. */
    uint8_t proto;              /* IPPROTO_TCP or IPPROTO_UDP. */
    int src;                    /* Last byte of the source address. */
    uint16_t sport, dport;      /* L4 ports. */
    uint16_t flags;             /* TCP flags. */
    uint32_t seq, ack;          /* TCP sequence and ack numbers. */
    uint16_t win;               /* TCP window. */
    size_t payload;             /* Bytes of payload. */
};

/* Recomputes every checksum of 'p' from scratch. */
static void
fix_csums(struct dp_packet *p)
{
    struct flow f;
    uint8_t *l4;
    size_t l4_size;
    nfvs_be16 c;

    flow_extract_set_offsets(p, 0, &f);
    l4 = dp_packet_l4(p);
    l4_size = dp_packet_l4_size(p);
    if (f.dl_type == htons(ETH_TYPE_IP)) {
        struct ip_header *ip = dp_packet_l3(p);
        uint32_t partial = packet_csum_pseudoheader(ip);

        ip->ip_csum = 0;
        ip->ip_csum = csum(ip, IP_IHL(ip->ip_ihl_ver) * 4);
        if (f.nw_proto == IPPROTO_TCP) {
            memset(l4 + 16, 0, 2);
            c = csum_finish(csum_continue(partial, l4, l4_size));
            memcpy(l4 + 16, &c, 2);
        } else if (f.nw_proto == IPPROTO_UDP) {
            memset(l4 + 6, 0, 2);
            c = csum_finish(csum_continue(partial, l4, l4_size));
            c = c ? c : htons(0xffff);
            memcpy(l4 + 6, &c, 2);
        }
    } else if (f.dl_type == htons(ETH_TYPE_IPV6)) {
        const struct ip6_header *ip6 = dp_packet_l3(p);
        size_t ofs = f.nw_proto == IPPROTO_TCP ? 16 : 6;

        memset(l4 + ofs, 0, 2);
        c = packet_csum_upperlayer6(ip6, l4, f.nw_proto, l4_size);
        memcpy(l4 + ofs, &c, 2);
    }
}

/* Returns "ok" if every checksum of 'p' is right, else "BAD". */
static const char *
csums_ok(struct dp_packet *p)
{
    struct flow f;
    uint8_t *l4;
    size_t l4_size;
    bool ok = true;

    flow_extract_set_offsets(p, 0, &f);
    l4 = dp_packet_l4(p);
    l4_size = dp_packet_l4_size(p);
    if (f.dl_type == htons(ETH_TYPE_IP)) {
        struct ip_header *ip = dp_packet_l3(p);
        uint32_t partial = packet_csum_pseudoheader(ip);

        ok = !csum(ip, IP_IHL(ip->ip_ihl_ver) * 4);
        if (f.nw_proto == IPPROTO_UDP && !l4[6] && !l4[7]) {
            return ok ? "none" : "BAD";
        }
        if (f.nw_proto == IPPROTO_TCP || f.nw_proto == IPPROTO_UDP) {
            ok = ok && !csum_finish(csum_continue(partial, l4, l4_size));
        }
    } else if (f.dl_type == htons(ETH_TYPE_IPV6)) {
        ok = !packet_csum_upperlayer6(dp_packet_l3(p), l4, f.nw_proto,
                                      l4_size);
    }
    return ok ? "ok" : "BAD";
}

static struct dp_packet *
make_packet(const struct pkt_spec *spec)
{
    struct dp_packet *p = dp_packet_create(128);
    struct flow f;
    size_t i;

    memset(&f, 0, sizeof f);
    memcpy(f.dl_src.ea, "\x50\x54\x00\x00\x00\x01", 6);
    memcpy(f.dl_dst.ea, "\x50\x54\x00\x00\x00\x02", 6);
    if (spec->ipv6) {
        f.dl_type = htons(ETH_TYPE_IPV6);
        inet_pton(AF_INET6, "fd00::1", &f.ipv6_src);
        inet_pton(AF_INET6, "fd00::2", &f.ipv6_dst);
        f.ipv6_src.s6_addr[15] = spec->src;
    } else {
        f.dl_type = htons(ETH_TYPE_IP);
        f.nw_src = htonl(0x0a000000 | spec->src);
        f.nw_dst = htonl(0x0a000002);
    }
    f.nw_proto = spec->proto;
    f.nw_ttl = 64;
    f.tp_src = htons(spec->sport);
    f.tp_dst = htons(spec->dport);
    if (spec->proto == IPPROTO_TCP) {
        f.tcp_flags = htons(spec->flags);
    }
    flow_compose(&f, p);
    for (i = 0; i < spec->payload; i++) {
        *(uint8_t *) dp_packet_put_uninit(p, 1) = i;
    }
    flow_extract_set_offsets(p, 0, &f);
    if (spec->ipv6) {
        struct ip6_header *ip6 = dp_packet_l3(p);

        ip6->ip6_plen = htons(dp_packet_l4_size(p));
    } else {
        struct ip_header *ip = dp_packet_l3(p);

        ip->ip_tot_len = htons(dp_packet_size(p) - ETH_HEADER_LEN);
    }
    if (spec->proto == IPPROTO_TCP) {
        struct tcp_header *th = dp_packet_l4(p);

        th->tcp_seq = htonl(spec->seq);
        th->tcp_ack = htonl(spec->ack);
        th->tcp_winsz = htons(spec->win);
    } else {
        struct udp_header *uh = dp_packet_l4(p);

        uh->udp_len = htons(dp_packet_l4_size(p));
    }
    fix_csums(p);
    return p;
}

static struct dp_packet *
tcp4(int src, uint16_t sport, uint16_t dport, uint16_t flags)
{
    struct pkt_spec spec = { 0, IPPROTO_TCP, src, sport, dport, flags,
                             1000, 5000, 512, 0 };

    return make_packet(&spec);
}

static struct dp_packet *
udp4(int src, uint16_t sport, uint16_t dport)
{
    struct pkt_spec spec = { 0, IPPROTO_UDP, src, sport, dport, 0,
                             0, 0, 0, 10 };

    return make_packet(&spec);
}

/* Appends the datapath key of 'p' arriving on 'port' to 'key'. */
static void
packet_key(const struct dp_packet *p, uint32_t port, struct nl_buf *key)
{
    struct flow f;

    flow_extract(p, port, &f);
    odp_key_from_flow(key, &f, port);
}

static void
inject(struct setup *s, int port, struct dp_packet *p)
{
    CHECK(!netdev_dummy_receive(s->p[port], p));
}

static void
print_stats(const struct dpif *dpif)
{
    struct dpif_dp_stats st;

    CHECK(!dpif_get_stats(dpif, &st));
    printf("stats: hit=%"PRIu64" missed=%"PRIu64" lost=%"PRIu64
           " (queue=%"PRIu64" rate=%"PRIu64" parse=%"PRIu64" dup=%"PRIu64
           " nohandler=%"PRIu64") flows=%"PRIu64" limit=%"PRIu32
           " refused=%"PRIu64"\n",
           st.n_hit, st.n_missed, st.n_lost, st.n_lost_queue,
           st.n_lost_rate, st.n_lost_parse, st.n_lost_dup,
           st.n_lost_nohandler, st.n_flows, st.flow_limit,
           st.n_flow_limit);
}

/* Prints every flow, sorted by key text. */
static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
print_flows(const struct dpif *dpif)
{
    struct dpif_flow_dump *dump = dpif_flow_dump_create(dpif);
    struct dpif_flow flows[2];
    char **lines = NULL;
    size_t n_lines = 0, n, i;

    while ((n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows)))) {
        for (i = 0; i < n; i++) {
            struct ds s = DS_EMPTY_INITIALIZER;

            dpif_flow_format(&s, &flows[i], 0);
            lines = xrealloc(lines, (n_lines + 1) * sizeof *lines);
            lines[n_lines++] = ds_steal_cstr(&s);
        }
    }
    CHECK(!dpif_flow_dump_destroy(dump));
    if (n_lines) {
        qsort(lines, n_lines, sizeof *lines, compare_strings);
    }
    for (i = 0; i < n_lines; i++) {
        printf("flow: %s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
}

/* Receives every waiting upcall of handler 'h' and prints them. */
static size_t
print_upcalls(struct dpif *dpif, uint32_t h, bool verbose)
{
    struct dpif_upcall ups[8];
    size_t total = 0, n, i;

    while (!dpif_recv_batch(dpif, h, ups, ARRAY_SIZE(ups), &n)) {
        for (i = 0; i < n; i++) {
            if (verbose) {
                struct ds s = DS_EMPTY_INITIALIZER;

                odp_key_format(&s, ups[i].key, ups[i].key_size);
                printf("upcall: %s in_port=%"PRIu32" %zu bytes key=%s",
                       ups[i].type == DPIF_UC_MISS ? "miss" : "action",
                       ups[i].in_port, dp_packet_size(ups[i].packet),
                       ds_cstr(&s));
                if (ups[i].userdata) {
                    ds_clear(&s);
                    ds_put_hex(&s, ups[i].userdata, ups[i].userdata_size);
                    printf(" userdata=%s", ds_cstr(&s));
                }
                printf("\n");
                ds_destroy(&s);
            }
            dpif_upcall_uninit(&ups[i]);
        }
        total += n;
    }
    return total;
}

/* Reads the pcap file 'path' and prints each packet's flow and checksum
 * state. */
static void
print_pcap(const char *path)
{
    FILE *file = fopen(path, "rb");
    uint32_t rec[4];
    char hdr[24];

    if (!file) {
        printf("%s: no packets\n", path);
        return;
    }
    CHECK(fread(hdr, sizeof hdr, 1, file) == 1);
    while (fread(rec, sizeof rec, 1, file) == 1) {
        struct dp_packet *p = dp_packet_create(rec[2]);
        struct flow f;
        char *s;

        CHECK(fread(dp_packet_put_uninit(p, rec[2]), rec[2], 1, file) == 1);
        flow_extract(p, 0, &f);
        s = flow_to_string(&f);
        printf("%s: %s len=%"PRIu32" csum=%s\n", path, s, rec[2],
               csums_ok(p));
        free(s);
        dp_packet_destroy(p);
    }
    fclose(file);
}

static void
put_output(struct nl_buf *actions, uint32_t port)
{
    odp_put_output(actions, port);
}

static const char *
err_name(int error)
{
    return (!error ? "0" : error == EINVAL ? "EINVAL" : error == EEXIST
            ? "EEXIST" : error == ENOENT ? "ENOENT" : error == ENOSPC
            ? "ENOSPC" : error == EBUSY ? "EBUSY" : nfvs_strerror(error));
}

/* Scenarios. */

/* ports: add, query, dump and delete. */
static int
test_ports(void)
{
    struct dpif_port *ports, port;
    struct setup s;
    struct netdev *extra;
    uint32_t port_no;
    size_t n, i;

    setup_init(&s);
    CHECK(!dpif_port_dump(s.dpif, &ports, &n));
    for (i = 0; i < n; i++) {
        printf("port %"PRIu32": %s (%s)\n", ports[i].port_no, ports[i].name,
               ports[i].type);
    }
    dpif_port_dump_free(ports, n);

    port_no = DPIF_PORT_ANY;
    printf("add p1 again: %s\n", err_name(dpif_port_add(s.dpif, s.p[1],
                                                        &port_no)));
    CHECK(!netdev_open("x9", "dummy", &extra));
    port_no = 2;
    printf("add x9 as 2: %s\n", err_name(dpif_port_add(s.dpif, extra,
                                                       &port_no)));
    port_no = 10;
    printf("add x9 as 10: %s\n", err_name(dpif_port_add(s.dpif, extra,
                                                        &port_no)));
    CHECK(!dpif_port_query_by_name(s.dpif, "x9", &port));
    printf("query x9: %"PRIu32" %s\n", port.port_no, port.type);
    dpif_port_uninit(&port);
    CHECK(!dpif_port_query_by_number(s.dpif, 0, &port));
    printf("query 0: %s\n", port.name);
    dpif_port_uninit(&port);
    printf("query 7: %s\n",
           err_name(dpif_port_query_by_number(s.dpif, 7, &port)));
    printf("query nope: %s\n",
           err_name(dpif_port_query_by_name(s.dpif, "nope", &port)));
    printf("del 0: %s\n", err_name(dpif_port_del(s.dpif, 0)));
    printf("del 10: %s\n", err_name(dpif_port_del(s.dpif, 10)));
    printf("del 10 again: %s\n", err_name(dpif_port_del(s.dpif, 10)));
    port_no = DPIF_PORT_ANY;
    CHECK(!dpif_port_del(s.dpif, 2));
    CHECK(!dpif_port_add(s.dpif, extra, &port_no));
    printf("x9 re-added as %"PRIu32"\n", port_no);
    netdev_close(extra);
    setup_uninit(&s);
    return 0;
}

/* flows: put, get, del, dump and flush, with put flags and stats. */
static int
test_flows(void)
{
    struct nl_buf key1 = NL_BUF_INITIALIZER, key2 = NL_BUF_INITIALIZER;
    struct nl_buf acts = NL_BUF_INITIALIZER, got = NL_BUF_INITIALIZER;
    struct dpif_flow_stats st;
    struct dp_packet *p;
    struct setup s;
    struct ds ds = DS_EMPTY_INITIALIZER;
    int i;

    setup_init(&s);
    p = udp4(1, 1000, 53);
    packet_key(p, 1, &key1);
    dp_packet_destroy(p);
    p = tcp4(1, 1000, 80, TCP_ACK);
    packet_key(p, 1, &key2);
    dp_packet_destroy(p);

    put_output(&acts, 2);
    printf("put key1 create: %s\n", err_name(
               dpif_flow_put(s.dpif, DPIF_FP_CREATE, key1.data, key1.size,
                             acts.data, acts.size, NULL)));
    printf("put key1 create again: %s\n", err_name(
               dpif_flow_put(s.dpif, DPIF_FP_CREATE, key1.data, key1.size,
                             acts.data, acts.size, NULL)));
    printf("put key2 modify: %s\n", err_name(
               dpif_flow_put(s.dpif, DPIF_FP_MODIFY, key2.data, key2.size,
                             acts.data, acts.size, NULL)));
    printf("put key2 create drop: %s\n", err_name(
               dpif_flow_put(s.dpif, DPIF_FP_CREATE | DPIF_FP_MODIFY,
                             key2.data, key2.size, NULL, 0, NULL)));
    printf("put no flags: %s\n", err_name(
               dpif_flow_put(s.dpif, 0, key2.data, key2.size, NULL, 0,
                             NULL)));
    print_flows(s.dpif);

    for (i = 0; i < 3; i++) {
        inject(&s, 1, udp4(1, 1000, 53));
    }
    dpif_run(s.dpif);
    CHECK(!dpif_flow_get(s.dpif, key1.data, key1.size, &got, &st));
    odp_actions_format(&ds, got.data, got.size);
    printf("get key1: packets=%"PRIu64" bytes=%"PRIu64" used=%s "
           "actions=%s\n", st.n_packets, st.n_bytes,
           st.used ? "yes" : "never", ds_cstr(&ds));

    nl_buf_clear(&acts);
    put_output(&acts, 3);
    put_output(&acts, 2);
    CHECK(!dpif_flow_put(s.dpif, DPIF_FP_MODIFY, key1.data, key1.size,
                         acts.data, acts.size, &st));
    printf("modify key1: old packets=%"PRIu64"\n", st.n_packets);
    CHECK(!dpif_flow_put(s.dpif, DPIF_FP_MODIFY | DPIF_FP_ZERO_STATS,
                         key1.data, key1.size, acts.data, acts.size, &st));
    printf("modify key1 zero: old packets=%"PRIu64"\n", st.n_packets);
    inject(&s, 1, udp4(1, 1000, 53));
    dpif_run(s.dpif);
    print_flows(s.dpif);
    print_pcap("p2.pcap");
    print_pcap("p3.pcap");

    CHECK(!dpif_flow_del(s.dpif, key1.data, key1.size, &st));
    printf("del key1: final packets=%"PRIu64" bytes=%"PRIu64"\n",
           st.n_packets, st.n_bytes);
    printf("del key1 again: %s\n", err_name(
               dpif_flow_del(s.dpif, key1.data, key1.size, &st)));
    printf("get key1: %s\n", err_name(
               dpif_flow_get(s.dpif, key1.data, key1.size, NULL, NULL)));
    print_stats(s.dpif);
    CHECK(!dpif_flow_flush(s.dpif));
    print_flows(s.dpif);
    print_stats(s.dpif);

    ds_destroy(&ds);
    nl_buf_uninit(&key1);
    nl_buf_uninit(&key2);
    nl_buf_uninit(&acts);
    nl_buf_uninit(&got);
    setup_uninit(&s);
    return 0;
}

/* dump: a dump of many flows, in small batches, with flows deleted in
 * the middle, sees each remaining flow once. */
static int
test_dump(void)
{
    struct setup s;
    struct dpif_flow_dump *dump;
    struct dpif_flow flows[7];
    size_t n, seen = 0, i;
    int k;

    setup_init(&s);
    for (k = 0; k < 1000; k++) {
        struct nl_buf key = NL_BUF_INITIALIZER;
        struct dp_packet *p = udp4(1, 1000 + k, 53);

        packet_key(p, 1, &key);
        CHECK(!dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                             NULL, 0, NULL));
        nl_buf_uninit(&key);
        dp_packet_destroy(p);
    }
    dump = dpif_flow_dump_create(s.dpif);
    n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows));
    seen += n;
    for (k = 0; k < 500; k++) {
        struct nl_buf key = NL_BUF_INITIALIZER;
        struct dp_packet *p = udp4(1, 1000 + k * 2, 53);

        packet_key(p, 1, &key);
        dpif_flow_del(s.dpif, key.data, key.size, NULL);
        nl_buf_uninit(&key);
        dp_packet_destroy(p);
    }
    while ((n = dpif_flow_dump_next(dump, flows, ARRAY_SIZE(flows)))) {
        for (i = 0; i < n; i++) {
            struct flow f;
            const char *err;

            CHECK(!odp_key_to_flow(flows[i].key, flows[i].key_size, &f,
                                   &err));
            CHECK(!flows[i].actions_size);
        }
        seen += n;
    }
    CHECK(!dpif_flow_dump_destroy(dump));
    printf("seen %s\n", seen >= 500 + 0 && seen <= 507 ? "500..507" : "?");

    /* A dump destroyed early releases its flows. */
    dump = dpif_flow_dump_create(s.dpif);
    CHECK(dpif_flow_dump_next(dump, flows, 3) == 3);
    CHECK(!dpif_flow_flush(s.dpif));
    CHECK(!dpif_flow_dump_next(dump, flows, 3));
    CHECK(!dpif_flow_dump_destroy(dump));
    print_stats(s.dpif);
    setup_uninit(&s);
    return 0;
}

/* miss: a packet without a flow becomes an upcall with its key. */
static int
test_miss(void)
{
    struct setup s;
    struct dpif_upcall up;
    struct dp_packet *p;
    size_t n;
    int fd;

    setup_init(&s);
    fd = dpif_handler_get_fd(s.dpif, 0);
    CHECK(fd >= 0);
    CHECK(dpif_handler_get_fd(s.dpif, 1) == -1);
    printf("recv on empty: %s\n", nfvs_strerror(
               dpif_recv_batch(s.dpif, 0, &up, 1, &n)));
    printf("recv bad handler: %s\n", err_name(
               dpif_recv_batch(s.dpif, 5, &up, 1, &n)));

    p = tcp4(7, 40000, 22, TCP_SYN);
    inject(&s, 1, dp_packet_clone(p));
    /* Too short for an Ethernet header. */
    inject(&s, 1, dp_packet_clone_data("\x01\x02\x03", 3));
    dpif_run(s.dpif);
    {
        struct pollfd pfd = { fd, POLLIN, 0 };

        printf("fd readable: %d\n", poll(&pfd, 1, 0));
    }
    CHECK(!dpif_recv_batch(s.dpif, 0, &up, 1, &n) && n == 1);
    printf("upcall type=%s in_port=%"PRIu32" packet %s\n",
           up.type == DPIF_UC_MISS ? "miss" : "action", up.in_port,
           (dp_packet_size(up.packet) == dp_packet_size(p)
            && !memcmp(dp_packet_data(up.packet), dp_packet_data(p),
                       dp_packet_size(p))) ? "unchanged" : "CHANGED");
    {
        struct ds ds = DS_EMPTY_INITIALIZER;

        odp_key_format(&ds, up.key, up.key_size);
        printf("key: %s\n", ds_cstr(&ds));
        ds_destroy(&ds);
    }
    dpif_upcall_uninit(&up);
    {
        struct pollfd pfd = { fd, POLLIN, 0 };

        printf("fd readable after recv: %d\n", poll(&pfd, 1, 0));
    }
    dp_packet_destroy(p);

    /* No handlers: misses are lost. */
    CHECK(!dpif_handlers_set(s.dpif, 0));
    inject(&s, 1, tcp4(7, 40000, 22, TCP_ACK));
    dpif_run(s.dpif);
    print_stats(s.dpif);
    setup_uninit(&s);
    return 0;
}

/* hit: the hit path forwards, counts, ORs TCP flags and keeps the TCP
 * sequence record; SYN, FIN and RST of the same 5-tuple still miss. */
static int
test_hit(void)
{
    struct nl_buf key = NL_BUF_INITIALIZER, acts = NL_BUF_INITIALIZER;
    struct pkt_spec spec = { 0, IPPROTO_TCP, 1, 1234, 80, TCP_ACK,
                             1000, 7000, 512, 100 };
    struct dpif_flow_stats st;
    struct dp_packet *p;
    struct setup s;

    setup_init(&s);
    p = make_packet(&spec);
    packet_key(p, 1, &key);
    put_output(&acts, 2);
    CHECK(!dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                         acts.data, acts.size, NULL));
    inject(&s, 1, p);

    spec.flags = TCP_ACK | TCP_PSH;
    spec.seq = 1100;
    spec.ack = 7050;
    spec.win = 1024;
    spec.payload = 200;
    inject(&s, 1, make_packet(&spec));
    /* An old retransmission: seq_end must not go back. */
    spec.flags = TCP_ACK;
    spec.seq = 900;
    spec.ack = 7060;
    spec.win = 2048;
    spec.payload = 50;
    inject(&s, 1, make_packet(&spec));
    dpif_run(s.dpif);
    print_flows(s.dpif);
    CHECK(!dpif_flow_get(s.dpif, key.data, key.size, NULL, &st));
    printf("seq_end=%"PRIu32" ack=%"PRIu32" win=%u valid=%u\n",
           st.tcp_seq.seq_end, st.tcp_seq.ack, st.tcp_seq.win,
           st.tcp_seq.valid);

    /* Sequence numbers compare in serial arithmetic, across the wrap. */
    {
        static const uint32_t seqs[] = {
            0x60000000, 0xc0000000, 0xffffff00, 0x50000000
        };
        size_t i;

        spec.payload = 0x200;
        for (i = 0; i < ARRAY_SIZE(seqs); i++) {
            spec.seq = seqs[i];
            inject(&s, 1, make_packet(&spec));
            dpif_run(s.dpif);
            CHECK(!dpif_flow_get(s.dpif, key.data, key.size, NULL, &st));
            printf("seq %#"PRIx32" +0x200: seq_end=%#"PRIx32"\n", seqs[i],
                   st.tcp_seq.seq_end);
        }
    }

    /* SYN, FIN, RST: same addresses and ports, and every one misses. */
    spec.payload = 0;
    spec.flags = TCP_SYN;
    inject(&s, 1, make_packet(&spec));
    spec.flags = TCP_FIN | TCP_ACK;
    inject(&s, 1, make_packet(&spec));
    spec.flags = TCP_RST;
    inject(&s, 1, make_packet(&spec));
    spec.flags = TCP_RST | TCP_ACK;
    inject(&s, 1, make_packet(&spec));
    dpif_run(s.dpif);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, true));
    print_stats(s.dpif);
    print_pcap("p2.pcap");

    nl_buf_uninit(&key);
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

static void
put_set(struct nl_buf *acts, uint16_t type, const void *data, size_t size)
{
    size_t ofs = nl_nest_start(acts, NFVS_ACTION_ATTR_SET);

    nl_put_unspec(acts, type, data, size);
    nl_nest_end(acts, ofs);
}

/* Runs 'acts' on 'p' with dpif_execute() from port 1; the actions end
 * with output to p2. */
static void
execute(struct setup *s, struct dp_packet *p, struct nl_buf *acts)
{
    put_output(acts, 2);
    CHECK(!dpif_execute(s->dpif, p, 1, acts->data, acts->size));
    dp_packet_destroy(p);
    nl_buf_clear(acts);
}

/* set: header rewrites with checksums fixed up. */
static int
test_set(void)
{
    struct nl_buf acts = NL_BUF_INITIALIZER;
    struct pkt_spec tcp6 = { 1, IPPROTO_TCP, 1, 1234, 80, TCP_ACK,
                             1, 2, 3, 33 };
    struct pkt_spec udp6 = { 1, IPPROTO_UDP, 1, 1234, 53, 0, 0, 0, 0, 9 };
    struct nfvs_key_ethernet eth = {
        { 0xaa, 0, 0, 0, 0, 1 }, { 0xaa, 0, 0, 0, 0, 2 }
    };
    struct nfvs_key_ipv4 ip4 = {
        htonl(0xc0a80101), htonl(0xc0a80202), 6, 0x28, 17, 0
    };
    struct nfvs_key_ipv6 ip6;
    struct nfvs_key_ports ports = { htons(5555), htons(6666) };
    struct dp_packet *p;
    struct setup s;

    setup_init(&s);
    put_set(&acts, NFVS_KEY_ATTR_ETHERNET, &eth, sizeof eth);
    put_set(&acts, NFVS_KEY_ATTR_IPV4, &ip4, sizeof ip4);
    put_set(&acts, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
    execute(&s, tcp4(1, 1234, 80, TCP_ACK), &acts);

    put_set(&acts, NFVS_KEY_ATTR_IPV4, &ip4, sizeof ip4);
    put_set(&acts, NFVS_KEY_ATTR_UDP, &ports, sizeof ports);
    execute(&s, udp4(1, 1234, 53), &acts);

    /* UDP without a checksum keeps none. */
    p = udp4(1, 1234, 53);
    flow_extract_set_offsets(p, 0, &(struct flow) { .in_port = 0 });
    memset((char *) dp_packet_l4(p) + 6, 0, 2);
    put_set(&acts, NFVS_KEY_ATTR_IPV4, &ip4, sizeof ip4);
    execute(&s, p, &acts);

    /* set(tcp) on a UDP packet (execute has no key) changes nothing. */
    put_set(&acts, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
    execute(&s, udp4(1, 1234, 53), &acts);

    memset(&ip6, 0, sizeof ip6);
    inet_pton(AF_INET6, "2001:db8::10", ip6.ipv6_src);
    inet_pton(AF_INET6, "2001:db8::20", ip6.ipv6_dst);
    ip6.ipv6_label = htonl(0x12345);
    ip6.ipv6_tclass = 0x10;
    ip6.ipv6_hlimit = 9;
    put_set(&acts, NFVS_KEY_ATTR_IPV6, &ip6, sizeof ip6);
    put_set(&acts, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
    execute(&s, make_packet(&tcp6), &acts);
    put_set(&acts, NFVS_KEY_ATTR_IPV6, &ip6, sizeof ip6);
    execute(&s, make_packet(&udp6), &acts);

    /* A partially checksummed packet (checksum offload) stays partial and
     * completes right: the dummy port completes it before writing. */
    p = tcp4(1, 1234, 80, TCP_ACK);
    {
        struct ip_header *ip;
        uint8_t *l4;
        nfvs_be16 c;

        flow_extract_set_offsets(p, 0, &(struct flow) { .in_port = 0 });
        ip = dp_packet_l3(p);
        l4 = dp_packet_l4(p);
        c = ~csum_finish(packet_csum_pseudoheader(ip));
        memcpy(l4 + 16, &c, 2);
        dp_packet_ol_set_csum_partial(p, p->l4_ofs, 16);
    }
    put_set(&acts, NFVS_KEY_ATTR_IPV4, &ip4, sizeof ip4);
    put_set(&acts, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
    execute(&s, p, &acts);

    print_pcap("p2.pcap");
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

/* vlan: push and pop through flows on the hit path. */
static int
test_vlan(void)
{
    struct nl_buf key = NL_BUF_INITIALIZER, acts = NL_BUF_INITIALIZER;
    struct dp_packet *p, *tagged;
    struct setup s;
    struct ds ds = DS_EMPTY_INITIALIZER;

    setup_init(&s);
    /* Port 1 untagged -> push VID 10 -> port 2; and a copy untagged to
     * port 3 after a pop. */
    p = tcp4(1, 1234, 80, TCP_ACK);
    packet_key(p, 1, &key);
    odp_put_push_vlan(&acts, ETH_TYPE_VLAN, (3 << VLAN_PCP_SHIFT) | 10);
    put_output(&acts, 2);
    odp_put_pop_vlan(&acts);
    put_output(&acts, 3);
    odp_actions_format(&ds, acts.data, acts.size);
    printf("actions: %s\n", ds_cstr(&ds));
    CHECK(!dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                         acts.data, acts.size, NULL));
    inject(&s, 1, p);

    /* A tagged packet on port 3: pop and push an 802.1ad tag. */
    tagged = tcp4(1, 1234, 80, TCP_ACK);
    {
        struct nfvs_action_push_vlan pv = { htons(ETH_TYPE_VLAN),
                                            htons(VLAN_CFI | 20) };
        char *data = dp_packet_resize_l2(tagged, VLAN_HEADER_LEN);

        memmove(data, data + VLAN_HEADER_LEN, 12);
        memcpy(data + 12, &pv, sizeof pv);
        memset(data + 14, 0, 1);
        data[15] = 20;
    }
    nl_buf_clear(&key);
    nl_buf_clear(&acts);
    packet_key(tagged, 3, &key);
    ds_clear(&ds);
    odp_key_format(&ds, key.data, key.size);
    printf("tagged key: %s\n", ds_cstr(&ds));
    odp_put_pop_vlan(&acts);
    odp_put_push_vlan(&acts, ETH_TYPE_VLAN_8021AD, 30);
    put_output(&acts, 2);
    CHECK(!dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                         acts.data, acts.size, NULL));
    inject(&s, 3, tagged);
    dpif_run(s.dpif);
    print_stats(s.dpif);
    print_pcap("p2.pcap");
    print_pcap("p3.pcap");

    ds_destroy(&ds);
    nl_buf_uninit(&key);
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

/* userspace: an action upcall carries the userdata. */
static int
test_userspace(void)
{
    struct nl_buf acts = NL_BUF_INITIALIZER;
    struct dp_packet *p;
    struct setup s;
    size_t ofs;

    setup_init(&s);
    ofs = nl_nest_start(&acts, NFVS_ACTION_ATTR_USERSPACE);
    nl_put_unspec(&acts, NFVS_USERSPACE_ATTR_USERDATA, "\xde\xad\xbe\xef",
                  4);
    nl_nest_end(&acts, ofs);
    put_output(&acts, 2);
    p = udp4(9, 1, 2);
    CHECK(!dpif_execute(s.dpif, p, 1, acts.data, acts.size));
    dp_packet_destroy(p);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, true));
    print_pcap("p2.pcap");
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

/* limit: puts beyond the flow limit fail and are counted. */
static int
test_limit(void)
{
    struct setup s;
    uint32_t limit;
    int k;

    setup_init(&s);
    CHECK(!dpif_get_flow_limit(s.dpif, &limit));
    printf("default limit: %"PRIu32"\n", limit);
    CHECK(!dpif_set_flow_limit(s.dpif, 3));
    for (k = 0; k < 5; k++) {
        struct nl_buf key = NL_BUF_INITIALIZER;
        struct dp_packet *p = udp4(1, 1000 + k, 53);

        packet_key(p, 1, &key);
        printf("put %d: %s\n", k, err_name(
                   dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                                 NULL, 0, NULL)));
        if (k == 0) {
            /* Modifying an existing flow is fine at the limit. */
            nl_buf_uninit(&key);
            dp_packet_destroy(p);
            continue;
        }
        nl_buf_uninit(&key);
        dp_packet_destroy(p);
    }
    print_stats(s.dpif);
    CHECK(!dpif_set_flow_limit(s.dpif, 4));
    {
        struct nl_buf key = NL_BUF_INITIALIZER;
        struct dp_packet *p = udp4(1, 1003, 53);

        packet_key(p, 1, &key);
        printf("put after raise: %s\n", err_name(
                   dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                                 NULL, 0, NULL)));
        printf("modify at limit: %s\n", err_name(
                   dpif_flow_put(s.dpif, DPIF_FP_MODIFY, key.data, key.size,
                                 NULL, 0, NULL)));
        nl_buf_uninit(&key);
        dp_packet_destroy(p);
    }
    print_stats(s.dpif);
    setup_uninit(&s);
    return 0;
}

/* queue: a full upcall queue loses misses and counts them; the same key
 * queued twice is sent up once. */
static int
test_queue(void)
{
    struct setup s;
    int k;

    setup_init(&s);
    CHECK(!dpif_set_option(s.dpif, "upcall-queue-len", 4));
    printf("bad option: %s\n",
           nfvs_strerror(dpif_set_option(s.dpif, "nope", 1)));
    printf("bad value: %s\n", err_name(
               dpif_set_option(s.dpif, "upcall-queue-len", 0)));
    for (k = 0; k < 10; k++) {
        inject(&s, 1, udp4(1, 1000 + k, 53));
    }
    dpif_run(s.dpif);
    print_stats(s.dpif);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, false));

    /* Dedupe: three copies of one new flow, one upcall; once it was
     * received, the next miss goes up again. */
    for (k = 0; k < 3; k++) {
        inject(&s, 1, udp4(2, 7, 7));
    }
    dpif_run(s.dpif);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, false));
    inject(&s, 1, udp4(2, 7, 7));
    dpif_run(s.dpif);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, false));
    CHECK(!dpif_set_option(s.dpif, "upcall-dedupe-ms", 0));
    for (k = 0; k < 3; k++) {
        inject(&s, 1, udp4(2, 7, 7));
    }
    dpif_run(s.dpif);
    printf("upcalls without dedupe: %zu\n",
           print_upcalls(s.dpif, 0, false));
    print_stats(s.dpif);
    setup_uninit(&s);
    return 0;
}

/* fairness: port 1 floods new flows; port 3's few new flows still get
 * their upcalls, served round-robin; a port's upcall rate limit drops
 * the excess. */
static int
test_fairness(void)
{
    struct dpif_upcall ups[6];
    struct setup s;
    size_t n, i, from_p3 = 0;
    int k;

    setup_init(&s);
    CHECK(!dpif_set_option(s.dpif, "upcall-queue-len", 16));
    for (k = 0; k < 200; k++) {
        inject(&s, 1, udp4(1, 1000 + k, 53));
    }
    for (k = 0; k < 3; k++) {
        inject(&s, 3, udp4(3, 2000 + k, 53));
    }
    dpif_run(s.dpif);
    print_stats(s.dpif);
    CHECK(!dpif_recv_batch(s.dpif, 0, ups, ARRAY_SIZE(ups), &n));
    printf("first batch in_ports:");
    for (i = 0; i < n; i++) {
        printf(" %"PRIu32, ups[i].in_port);
        dpif_upcall_uninit(&ups[i]);
    }
    printf("\n");
    while (!dpif_recv_batch(s.dpif, 0, ups, ARRAY_SIZE(ups), &n)) {
        for (i = 0; i < n; i++) {
            from_p3 += ups[i].in_port == 3;
            dpif_upcall_uninit(&ups[i]);
        }
    }
    printf("later upcalls from port 3: %zu\n", from_p3);

    /* Rate limit: 5 upcalls at once, then 1 per second. */
    CHECK(!dpif_set_option(s.dpif, "upcall-rate", 1));
    CHECK(!dpif_set_option(s.dpif, "upcall-burst", 5));
    CHECK(!dpif_port_del(s.dpif, 3));   /* A fresh bucket for port 3. */
    {
        uint32_t port_no = 3;

        CHECK(!dpif_port_add(s.dpif, s.p[3], &port_no));
    }
    for (k = 0; k < 12; k++) {
        inject(&s, 3, udp4(4, 3000 + k, 53));
    }
    dpif_run(s.dpif);
    printf("upcalls: %zu\n", print_upcalls(s.dpif, 0, false));
    print_stats(s.dpif);
    setup_uninit(&s);
    return 0;
}

/* handlers: each key always goes to the same handler, chosen by hash. */
static int
test_handlers(void)
{
    size_t counts[4] = { 0 }, total = 0;
    struct setup s;
    int k, h, round;

    setup_init(&s);
    CHECK(!dpif_handlers_set(s.dpif, 4));
    CHECK(!dpif_set_option(s.dpif, "upcall-dedupe-ms", 0));
    for (round = 0; round < 2; round++) {
        for (k = 0; k < 100; k++) {
            inject(&s, 1, udp4(1, 1000 + k, 53));
        }
        dpif_run(s.dpif);
        for (h = 0; h < 4; h++) {
            struct dpif_upcall ups[8];
            size_t n, i;

            while (!dpif_recv_batch(s.dpif, h, ups, 8, &n)) {
                for (i = 0; i < n; i++) {
                    CHECK(ups[i].hash % 4 == (uint32_t) h);
                    dpif_upcall_uninit(&ups[i]);
                }
                counts[h] += n;
            }
        }
    }
    for (h = 0; h < 4; h++) {
        CHECK(counts[h] > 10);
        total += counts[h];
    }
    printf("total %zu, every handler used\n", total);

    /* A connection's segments with and without FIN (different keys)
     * queue for one handler, so that they are handled in order. */
    for (k = 0; k < 100; k++) {
        inject(&s, 1, tcp4(1, 2000 + k, 80, 0x10));
        inject(&s, 1, tcp4(1, 2000 + k, 80, 0x11));
    }
    dpif_run(s.dpif);
    {
        int handler_of[100], n_seen[100];

        memset(n_seen, 0, sizeof n_seen);
        for (h = 0; h < 4; h++) {
            struct dpif_upcall ups[8];
            size_t n, i;

            while (!dpif_recv_batch(s.dpif, h, ups, 8, &n)) {
                for (i = 0; i < n; i++) {
                    const char *reason;
                    struct flow f;

                    CHECK(!odp_key_to_flow(ups[i].key, ups[i].key_size, &f,
                                           &reason));
                    k = ntohs(f.tp_src) - 2000;
                    CHECK(k >= 0 && k < 100);
                    if (n_seen[k]++) {
                        CHECK(handler_of[k] == h);
                    }
                    handler_of[k] = h;
                    dpif_upcall_uninit(&ups[i]);
                }
            }
        }
        for (k = 0; k < 100; k++) {
            CHECK(n_seen[k] == 2);
        }
    }
    printf("tcp: each connection's data and FIN on one handler\n");
    setup_uninit(&s);
    return 0;
}

static void
check_put(struct setup *s, const char *what, const void *key,
          size_t key_size, const void *acts, size_t acts_size)
{
    printf("%s: %s\n", what, err_name(
               dpif_flow_put(s->dpif, DPIF_FP_CREATE, key, key_size, acts,
                             acts_size, NULL)));
}

/* bad: malformed keys and actions are rejected with EINVAL. */
static int
test_bad(void)
{
    struct nl_buf key = NL_BUF_INITIALIZER, k2 = NL_BUF_INITIALIZER;
    struct nl_buf acts = NL_BUF_INITIALIZER;
    struct nfvs_key_ports ports = { 1, 2 };
    struct nfvs_key_arp arp;
    struct dp_packet *p;
    struct setup s;
    uint8_t junk[64];
    unsigned int seed = 1;
    size_t ofs;
    int k, n_ok = 0;

    setup_init(&s);
    p = udp4(1, 1, 2);
    packet_key(p, 1, &key);

    check_put(&s, "empty key", NULL, 0, NULL, 0);
    check_put(&s, "truncated key", key.data, key.size - 2, NULL, 0);
    memcpy(junk, key.data, 8);
    junk[2] = 99;               /* Unknown attribute type. */
    check_put(&s, "unknown key attr", junk, 8, NULL, 0);
    nl_put_u32(&k2, NFVS_KEY_ATTR_IN_PORT, 1);
    check_put(&s, "key with in_port only", k2.data, k2.size, NULL, 0);
    nl_buf_clear(&k2);
    nl_buf_put(&k2, key.data, key.size);
    nl_put_u16(&k2, NFVS_KEY_ATTR_TCP_CTL, 0);
    check_put(&s, "udp key with tcp_ctl", k2.data, k2.size, NULL, 0);
    nl_buf_clear(&k2);
    nl_buf_put(&k2, key.data, key.size);
    nl_buf_put(&k2, key.data, 8);
    check_put(&s, "duplicate in_port", k2.data, k2.size, NULL, 0);

    nl_put_u16(&acts, NFVS_ACTION_ATTR_OUTPUT, 2);
    check_put(&s, "output of 2 bytes", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    nl_put_u32(&acts, 42, 2);
    check_put(&s, "unknown action", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    put_set(&acts, NFVS_KEY_ATTR_TCP, &ports, sizeof ports);
    check_put(&s, "set(tcp) on a udp flow", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    put_set(&acts, NFVS_KEY_ATTR_IN_PORT, &ports, 4);
    check_put(&s, "set(in_port)", key.data, key.size, acts.data, acts.size);
    nl_buf_clear(&acts);
    ofs = nl_nest_start(&acts, NFVS_ACTION_ATTR_SET);
    nl_put_unspec(&acts, NFVS_KEY_ATTR_UDP, &ports, sizeof ports);
    nl_put_unspec(&acts, NFVS_KEY_ATTR_UDP, &ports, sizeof ports);
    nl_nest_end(&acts, ofs);
    check_put(&s, "set of two attrs", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    put_set(&acts, NFVS_KEY_ATTR_UDP, &ports, 2);
    check_put(&s, "set(udp) short", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    memset(&arp, 0, sizeof arp);
    put_set(&acts, NFVS_KEY_ATTR_ARP, &arp, sizeof arp);
    check_put(&s, "set(arp) on a udp flow", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    put_set(&acts, NFVS_KEY_ATTR_ARP, &arp, sizeof arp - 1);
    check_put(&s, "set(arp) short", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    odp_put_push_vlan(&acts, 0x0800, 5);
    check_put(&s, "push_vlan tpid 0x0800", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    nl_put_u32(&acts, NFVS_ACTION_ATTR_POP_VLAN, 0);
    check_put(&s, "pop_vlan with payload", key.data, key.size, acts.data,
              acts.size);
    nl_buf_clear(&acts);
    ofs = nl_nest_start(&acts, NFVS_ACTION_ATTR_USERSPACE);
    nl_put_u16(&acts, NFVS_USERSPACE_ATTR_PID, 1);
    nl_nest_end(&acts, ofs);
    check_put(&s, "userspace with short pid", key.data, key.size,
              acts.data, acts.size);
    nl_buf_clear(&acts);
    put_output(&acts, 2);
    check_put(&s, "actions with trailing bytes", key.data, key.size,
              acts.data, acts.size - 2);
    printf("execute bad actions: %s\n", err_name(
               dpif_execute(s.dpif, p, 1, acts.data, acts.size - 2)));
    check_put(&s, "good", key.data, key.size, acts.data, acts.size);

    /* Random bytes as keys, as actions, and as a mutated good key. */
    for (k = 0; k < 20000; k++) {
        size_t size = rand_r(&seed) % sizeof junk, i;
        int error;

        for (i = 0; i < size; i++) {
            junk[i] = rand_r(&seed);
        }
        error = dpif_flow_put(s.dpif, DPIF_FP_CREATE, junk, size, NULL, 0,
                              NULL);
        CHECK(error == EINVAL);
        error = dpif_flow_put(s.dpif, DPIF_FP_CREATE | DPIF_FP_MODIFY,
                              key.data, key.size, junk, size, NULL);
        n_ok += !error;
        CHECK(!error || error == EINVAL);
        dpif_execute(s.dpif, p, 1, junk, size);
        nl_buf_clear(&k2);
        nl_buf_put(&k2, key.data, key.size);
        k2.data[rand_r(&seed) % k2.size] ^= 1u << (rand_r(&seed) % 8);
        error = dpif_flow_put(s.dpif, DPIF_FP_CREATE | DPIF_FP_MODIFY,
                              k2.data, k2.size, NULL, 0, NULL);
        CHECK(!error || error == EINVAL);
        dpif_flow_del(s.dpif, junk, size, NULL);
        dpif_flow_get(s.dpif, junk, size, NULL, NULL);
    }
    printf("random: no crash\n");
    dpif_run(s.dpif);

    dp_packet_destroy(p);
    nl_buf_uninit(&key);
    nl_buf_uninit(&k2);
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

/* Traffic thread for test_portdel(). */
struct traffic {
    struct netdev *netdev;      /* Where packets enter. */
    bool stop;                  /* Atomic. */
    size_t n_sent;              /* Packets injected. */
};

static void *
traffic_main(void *t_)
{
    struct traffic *t = t_;

    while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
        if (!netdev_dummy_receive(t->netdev,
                                  udp4(1, 1000 + t->n_sent % 8, 53))) {
            t->n_sent++;
        } else {
            usleep(100);
        }
    }
    return NULL;
}

/* portdel: ports removed and re-added while a forwarding thread sends
 * to them and receives from them. */
static int
test_portdel(void)
{
    struct nl_buf acts = NL_BUF_INITIALIZER;
    struct traffic t;
    pthread_t thread;
    struct setup s;
    int k, round;

    setup_init(&s);
    netdev_dummy_set_pcap(s.p[2], NULL);
    netdev_dummy_set_pcap(s.p[3], NULL);
    CHECK(!dpif_set_option(s.dpif, "forwarding-threads", 2));
    put_output(&acts, 2);
    put_output(&acts, 3);
    for (k = 0; k < 8; k++) {
        struct nl_buf key = NL_BUF_INITIALIZER;
        struct dp_packet *p = udp4(1, 1000 + k, 53);

        packet_key(p, 1, &key);
        CHECK(!dpif_flow_put(s.dpif, DPIF_FP_CREATE, key.data, key.size,
                             acts.data, acts.size, NULL));
        nl_buf_uninit(&key);
        dp_packet_destroy(p);
    }
    t.netdev = s.p[1];
    t.stop = false;
    t.n_sent = 0;
    CHECK(!pthread_create(&thread, NULL, traffic_main, &t));
    for (round = 0; round < 100; round++) {
        uint32_t port_no = 2 + round % 2;
        uint32_t in_no = 1;

        CHECK(!dpif_port_del(s.dpif, port_no));
        usleep(500);
        CHECK(!dpif_port_add(s.dpif, s.p[port_no], &port_no));
        if (round % 10 == 9) {
            CHECK(!dpif_port_del(s.dpif, 1));
            CHECK(!dpif_port_add(s.dpif, s.p[1], &in_no));
        }
        if (round == 50) {
            CHECK(!dpif_set_option(s.dpif, "forwarding-threads", 1));
        }
    }
    __atomic_store_n(&t.stop, true, __ATOMIC_RELAXED);
    pthread_join(thread, NULL);
    usleep(20000);
    {
        struct dpif_dp_stats st;

        CHECK(!dpif_get_stats(s.dpif, &st));
        printf("traffic flowed: %s\n", st.n_hit > 0 ? "yes" : "no");
    }
    nl_buf_uninit(&acts);
    setup_uninit(&s);
    return 0;
}

/* The upcall callback of test_inline(): does what the daemon's does
 * (installs the flow, returns the actions: output to port 2), or
 * declines; can be held inside its call. */
struct inline_aux {
    struct dpif *dpif;
    pthread_t main_thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int calls;                  /* Calls so far. */
    bool on_main;               /* A call came on the main thread. */
    bool hold;                  /* Calls wait while set. */
    bool handle;                /* What the callback returns. */
};

static bool
inline_cb(void *aux_, const struct dpif_upcall *up, struct nl_buf *actions)
{
    struct inline_aux *aux = aux_;
    bool handle;

    pthread_mutex_lock(&aux->mutex);
    aux->calls++;
    aux->on_main |= pthread_equal(pthread_self(), aux->main_thread);
    pthread_cond_broadcast(&aux->cond);
    while (aux->hold) {
        pthread_cond_wait(&aux->cond, &aux->mutex);
    }
    handle = aux->handle;
    pthread_mutex_unlock(&aux->mutex);
    if (handle) {
        put_output(actions, 2);
        CHECK(!dpif_flow_put(aux->dpif, DPIF_FP_CREATE, up->key,
                             up->key_size, actions->data, actions->size,
                             NULL));
    }
    return handle;
}

static void
inline_set(struct inline_aux *aux, bool hold, bool handle)
{
    pthread_mutex_lock(&aux->mutex);
    aux->hold = hold;
    aux->handle = handle;
    pthread_cond_broadcast(&aux->cond);
    pthread_mutex_unlock(&aux->mutex);
}

static int
inline_calls(struct inline_aux *aux)
{
    int calls;

    pthread_mutex_lock(&aux->mutex);
    calls = aux->calls;
    pthread_mutex_unlock(&aux->mutex);
    return calls;
}

/* Waits up to 10 s for the datapath's counters to reach 'hit' hits and
 * 'missed' misses. */
static void
wait_counts(struct dpif *dpif, uint64_t hit, uint64_t missed)
{
    int i;

    for (i = 0; i < 10000; i++) {
        struct dpif_dp_stats st;

        CHECK(!dpif_get_stats(dpif, &st));
        if (st.n_hit >= hit && st.n_missed >= missed) {
            return;
        }
        usleep(1000);
    }
    CHECK(!"the forwarding thread did not get there");
}

/* inline: with an upcall callback registered, a forwarding thread
 * handles misses itself (at most MAX_INLINE_MISSES per round, and never
 * past misses that wait in the handler queue); misses it declines, or
 * all of them without a callback, are queued. */
static int
test_inline(void)
{
    struct inline_aux aux;
    struct setup s;
    int k;

    setup_init(&s);
    memset(&aux, 0, sizeof aux);
    aux.dpif = s.dpif;
    aux.main_thread = pthread_self();
    pthread_mutex_init(&aux.mutex, NULL);
    pthread_cond_init(&aux.cond, NULL);
    aux.handle = true;
    CHECK(!dpif_set_option(s.dpif, "forwarding-threads", 1));
    dpif_register_upcall_cb(s.dpif, inline_cb, &aux);

    /* A miss handled in place, then a hit on the flow it installed. */
    inject(&s, 1, udp4(1, 1000, 53));
    wait_counts(s.dpif, 0, 1);
    inject(&s, 1, udp4(1, 1000, 53));
    wait_counts(s.dpif, 1, 1);
    printf("calls: %d, on the main thread: %s, queued: %zu\n",
           inline_calls(&aux), aux.on_main ? "yes" : "no",
           print_upcalls(s.dpif, 0, false));
    print_flows(s.dpif);
    print_pcap("p2.pcap");

    /* Ten new flows in one round: four handled in place, six queued. */
    inline_set(&aux, true, true);
    inject(&s, 1, udp4(1, 2000, 53));
    while (inline_calls(&aux) < 2) {
        usleep(1000);
    }
    for (k = 1; k < 10; k++) {
        inject(&s, 1, udp4(1, 2000 + k, 53));
    }
    inline_set(&aux, false, true);
    wait_counts(s.dpif, 1, 11);
    printf("calls: %d\n", inline_calls(&aux));

    /* Misses wait in the queue: the next one joins them. */
    inject(&s, 1, udp4(1, 3000, 53));
    wait_counts(s.dpif, 1, 12);
    printf("calls: %d, queued: %zu\n", inline_calls(&aux),
           print_upcalls(s.dpif, 0, false));

    /* Declined, then no callback: queued. */
    inline_set(&aux, false, false);
    inject(&s, 1, udp4(1, 4000, 53));
    wait_counts(s.dpif, 1, 13);
    dpif_register_upcall_cb(s.dpif, NULL, NULL);
    inject(&s, 1, udp4(1, 5000, 53));
    wait_counts(s.dpif, 1, 14);
    printf("calls: %d, queued: %zu\n", inline_calls(&aux),
           print_upcalls(s.dpif, 0, false));
    print_stats(s.dpif);

    setup_uninit(&s);
    pthread_cond_destroy(&aux.cond);
    pthread_mutex_destroy(&aux.mutex);
    return 0;
}

/* open: datapath names and types. */
static int
test_open(void)
{
    struct dpif *a, *b;

    CHECK(!dpif_open("dpx", "dummy", true, &a));
    printf("create again: %s\n", err_name(dpif_open("dpx", "dummy", true,
                                                    &b)));
    CHECK(!dpif_open("dpx", "dummy", false, &b));
    printf("same: %s %s\n", dpif_name(b), dpif_type(b));
    dpif_close(b);
    printf("open missing: %s\n", nfvs_strerror(
               dpif_open("nope", "dummy", false, &b)));
    printf("bad type: %s\n", nfvs_strerror(
               dpif_open("dpx", "warp", false, &b)));
    printf("bad name: %s\n", err_name(dpif_open("", "dummy", true, &b)));
    CHECK(!dpif_delete(a));
    printf("open deleted: %s\n", nfvs_strerror(
               dpif_open("dpx", "dummy", false, &b)));
    dpif_close(a);
    return 0;
}

static const struct {
    const char *name;
    int (*func)(void);
} scenarios[] = {
    { "open", test_open },
    { "ports", test_ports },
    { "flows", test_flows },
    { "dump", test_dump },
    { "miss", test_miss },
    { "hit", test_hit },
    { "set", test_set },
    { "vlan", test_vlan },
    { "userspace", test_userspace },
    { "limit", test_limit },
    { "queue", test_queue },
    { "fairness", test_fairness },
    { "handlers", test_handlers },
    { "bad", test_bad },
    { "portdel", test_portdel },
    { "inline", test_inline },
};

static int
test_dpif_main(int argc, char *argv[])
{
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: test-dpif SCENARIO\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
        if (!strcmp(scenarios[i].name, argv[1])) {
            return scenarios[i].func();
        }
    }
    fprintf(stderr, "test-dpif: unknown scenario %s\n", argv[1]);
    return 2;
}

NFVSTEST_REGISTER("test-dpif", test_dpif_main);
