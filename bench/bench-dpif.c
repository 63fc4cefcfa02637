/* bench/bench-dpif.c: cost of the userspace datapath's hit path.
 *
 *   bench-dpif [N_FLOWS...]     (default: 1000 100000)
 *
 * For each table size prints:
 *   - key: flow_extract() + odp_key_from_flow() + key hash, ns/packet;
 *   - lookup: dpif_flow_get() of an installed key in random order,
 *     ns/lookup (this takes the table's read lock per call; the hit path
 *     takes it once per batch);
 *   - hit path: packets injected into dummy port p1, forwarded by
 *     dpif_run() to dummy port p2 by their exact-match flow; Mpps
 *     and ns/packet, with and without the injection cost (cloning the
 *     packet and queueing it on the dummy port), which is timed apart. */
#include <config.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dp-packet.h"
#include "dpif.h"
#include "flow.h"
#include "hash.h"
#include "netdev.h"
#include "nlattr.h"
#include "odp-util.h"
#include "packets.h"
#include "util.h"

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A UDP packet whose 5-tuple is derived from 'i'. */
static struct dp_packet *
make_packet(uint32_t i)
{
    struct dp_packet *p = dp_packet_create(128);
    struct flow f;

    memset(&f, 0, sizeof f);
    memcpy(f.dl_src.ea, "\x50\x54\x00\x00\x00\x01", 6);
    memcpy(f.dl_dst.ea, "\x50\x54\x00\x00\x00\x02", 6);
    f.dl_type = htons(ETH_TYPE_IP);
    f.nw_src = htonl(0x0a000000 | (i >> 16));
    f.nw_dst = htonl(0x0b000001);
    f.nw_proto = IPPROTO_UDP;
    f.nw_ttl = 64;
    f.tp_src = htons(i & 0xffff);
    f.tp_dst = htons(53);
    flow_compose(&f, p);
    dp_packet_put_zeros(p, 18);     /* 64-byte frame with the FCS. */
    return p;
}

static void
bench(size_t n_flows)
{
    struct nl_buf acts = NL_BUF_INITIALIZER;
    struct dp_packet **pkts = xmalloc(n_flows * sizeof *pkts);
    struct nl_buf *keys = xcalloc(n_flows, sizeof *keys);
    uint32_t *order = xmalloc(n_flows * sizeof *order);
    struct netdev *p1, *p2;
    struct dpif_dp_stats st;
    struct dpif *dpif;
    uint32_t port_no, sink = 0;
    size_t n_lookups = 2000000, n_packets = 2000000, i;
    double t0, key_ns, lookup_ns, inject_ns, total_ns;
    unsigned int seed = 42;

    if (dpif_open("bench", "dummy", true, &dpif)
        || netdev_open("bp1", "dummy", &p1)
        || netdev_open("bp2", "dummy", &p2)) {
        nfvs_fatal(0, "cannot set up the datapath");
    }
    port_no = 1;
    dpif_port_add(dpif, p1, &port_no);
    port_no = 2;
    dpif_port_add(dpif, p2, &port_no);
    odp_put_output(&acts, 2);

    for (i = 0; i < n_flows; i++) {
        struct flow f;

        pkts[i] = make_packet(i);
        flow_extract(pkts[i], 1, &f);
        odp_key_from_flow(&keys[i], &f, 1);
        if (dpif_flow_put(dpif, DPIF_FP_CREATE, keys[i].data, keys[i].size,
                          acts.data, acts.size, NULL)) {
            nfvs_fatal(0, "flow put failed");
        }
        order[i] = i;
    }
    for (i = n_flows - 1; i > 0; i--) {
        size_t j = rand_r(&seed) % (i + 1);
        uint32_t tmp = order[i];

        order[i] = order[j];
        order[j] = tmp;
    }

    /* Key building. */
    {
        struct nl_buf key = NL_BUF_INITIALIZER;

        t0 = now_ns();
        for (i = 0; i < n_lookups; i++) {
            struct dp_packet *p = pkts[order[i % n_flows]];
            struct flow f;

            flow_extract_set_offsets(p, 1, &f);
            nl_buf_clear(&key);
            odp_key_from_flow(&key, &f, 1);
            sink += hash_bytes(key.data, key.size, 0);
        }
        key_ns = (now_ns() - t0) / n_lookups;
        nl_buf_uninit(&key);
    }

    /* Lookups. */
    t0 = now_ns();
    for (i = 0; i < n_lookups; i++) {
        const struct nl_buf *k = &keys[order[i % n_flows]];

        sink += dpif_flow_get(dpif, k->data, k->size, NULL, NULL);
    }
    lookup_ns = (now_ns() - t0) / n_lookups;

    /* Injection alone: clone and queue, then drain without forwarding. */
    t0 = now_ns();
    for (i = 0; i < n_packets; i += NETDEV_DUMMY_QUEUE_LEN) {
        struct dp_packet_batch batch;
        size_t j;

        for (j = 0; j < NETDEV_DUMMY_QUEUE_LEN; j++) {
            netdev_dummy_receive(p1, dp_packet_clone(
                                     pkts[order[(i + j) % n_flows]]));
        }
        do {
            dp_packet_batch_init(&batch);
            netdev_recv(p1, &batch);
            dp_packet_batch_destroy_packets(&batch);
        } while (batch.count);
    }
    inject_ns = (now_ns() - t0) / n_packets;

    /* The whole hit path. */
    t0 = now_ns();
    for (i = 0; i < n_packets; i += NETDEV_DUMMY_QUEUE_LEN) {
        size_t j;

        for (j = 0; j < NETDEV_DUMMY_QUEUE_LEN; j++) {
            netdev_dummy_receive(p1, dp_packet_clone(
                                     pkts[order[(i + j) % n_flows]]));
        }
        dpif_run(dpif);
    }
    total_ns = (now_ns() - t0) / n_packets;
    dpif_get_stats(dpif, &st);

    printf("%7zu flows: key %5.1f ns, lookup %5.1f ns, hit path %6.1f ns "
           "(%.2f Mpps), without injection %6.1f ns (%.2f Mpps); "
           "hits %"PRIu64" misses %"PRIu64"%s\n",
           n_flows, key_ns, lookup_ns, total_ns, 1e3 / total_ns,
           total_ns - inject_ns, 1e3 / (total_ns - inject_ns),
           st.n_hit, st.n_missed, sink == 1 ? " " : "");

    for (i = 0; i < n_flows; i++) {
        dp_packet_destroy(pkts[i]);
        nl_buf_uninit(&keys[i]);
    }
    free(pkts);
    free(keys);
    free(order);
    nl_buf_uninit(&acts);
    netdev_close(p1);
    netdev_close(p2);
    dpif_close(dpif);
}

int
main(int argc, char *argv[])
{
    int i;

    nfvs_set_program_name(argv[0]);
    if (argc < 2) {
        bench(1000);
        bench(100000);
    }
    for (i = 1; i < argc; i++) {
        unsigned int n;

        if (!str_to_uint(argv[i], 10, &n) || !n) {
            nfvs_fatal(0, "%s: bad flow count", argv[i]);
        }
        bench(n);
    }
    return 0;
}
