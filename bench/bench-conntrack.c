/* bench/bench-conntrack.c: cost of the connection tracker.
 *
 *   bench-conntrack [N_CONNS...]     (default: 1000 100000 1000000)
 *
 * For each table size, with every connection ESTABLISHED through a full
 * handshake, prints:
 *   - setup: ns for a committed SYN (a new connection), and for the whole
 *     handshake (SYN commit, SYN/ACK, ACK) per connection;
 *   - lookup: ns per conntrack_execute() of an in-window ACK of a random
 *     established connection (checksum, lookup, window check, timeout
 *     refresh);
 *   - offload check: ns per conntrack_can_offload() by id;
 *   - memory: RSS growth divided by the number of connections (the
 *     largest size only is meaningful: small tables are noise). */
#include <config.h>
#include "conntrack.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "csum.h"
#include "flow.h"
#include "packets.h"
#include "util.h"

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long
rss_bytes(void)
{
    long pages_total, pages_rss;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f || fscanf(f, "%ld %ld", &pages_total, &pages_rss) != 2) {
        nfvs_fatal(0, "cannot read /proc/self/statm");
    }
    fclose(f);
    return pages_rss * sysconf(_SC_PAGESIZE);
}

static void
put16(uint8_t *p, uint16_t x)
{
    p[0] = x >> 8;
    p[1] = x;
}

static void
put32(uint8_t *p, uint32_t x)
{
    put16(p, x >> 16);
    put16(p + 2, x);
}

/* Connection 'i' goes from 10.x.y.z:40000 (x.y.z from 'i') to
 * 11.0.0.1:80; 'reply' builds the reverse direction.  The checksum is
 * right: the tracker verifies it. */
static void
make_segment(uint32_t i, bool reply, uint16_t flags, uint32_t seq,
             uint32_t ack, struct flow *flow, uint8_t tcp[TCP_HEADER_LEN])
{
    nfvs_be32 a = htonl(0x0a000000 | i), b = htonl(0x0b000001);
    uint32_t partial;
    nfvs_be16 c;

    flow->nw_src = reply ? b : a;
    flow->nw_dst = reply ? a : b;
    put16(&tcp[0], reply ? 80 : 40000);
    put16(&tcp[2], reply ? 40000 : 80);
    put32(&tcp[4], seq);
    put32(&tcp[8], ack);
    put16(&tcp[12], (5 << 12) | flags);
    put16(&tcp[14], 65535);
    put32(&tcp[16], 0);
    partial = csum_add32(0, flow->nw_src);
    partial = csum_add32(partial, flow->nw_dst);
    partial = csum_add16(partial, htons(IPPROTO_TCP));
    partial = csum_add16(partial, htons(TCP_HEADER_LEN));
    c = csum_finish(csum_continue(partial, tcp, TCP_HEADER_LEN));
    memcpy(&tcp[16], &c, sizeof c);
}

static void
check(const struct conntrack_result *r, uint8_t expected)
{
    if (r->ct_state != expected) {
        nfvs_fatal(0, "unexpected ct_state %#x (wanted %#x)", r->ct_state,
                   expected);
    }
}

static void
bench(uint32_t n)
{
    struct conntrack_config cfg = { .max_conns = n };
    struct conntrack_action commit = { .commit = true };
    struct conntrack_action plain = { .commit = false };
    struct conntrack_result r;
    struct conntrack *ct;
    uint8_t tcp[TCP_HEADER_LEN];
    struct flow flow;
    uint32_t i, n_lookups = NFVS_MAX(n, 2000000);
    double t0, t_syn = 0, t_hs;
    long rss0, rss1;
    volatile size_t sink = 0;

    memset(&flow, 0, sizeof flow);
    flow.dl_type = htons(ETH_TYPE_IP);
    flow.nw_proto = IPPROTO_TCP;

    rss0 = rss_bytes();
    ct = conntrack_create(&cfg);
    t_hs = now_ns();
    for (i = 0; i < n; i++) {
        make_segment(i, false, TCP_SYN, 1000, 0, &flow, tcp);
        t0 = now_ns();
        conntrack_execute(ct, &flow, tcp, sizeof tcp, &commit, 0, &r);
        t_syn += now_ns() - t0;
        check(&r, CS_TRACKED | CS_NEW);
        make_segment(i, true, TCP_SYN | TCP_ACK, 5000, 1001, &flow, tcp);
        conntrack_execute(ct, &flow, tcp, sizeof tcp, &plain, 0, &r);
        make_segment(i, false, TCP_ACK, 1001, 5001, &flow, tcp);
        conntrack_execute(ct, &flow, tcp, sizeof tcp, &plain, 0, &r);
        check(&r, CS_TRACKED | CS_ESTABLISHED);
    }
    t_hs = now_ns() - t_hs;
    rss1 = rss_bytes();

    srandom(n);
    t0 = now_ns();
    for (i = 0; i < n_lookups; i++) {
        uint32_t k = random() % n;

        make_segment(k, k & 1, TCP_ACK, k & 1 ? 5001 : 1001,
                     k & 1 ? 1001 : 5001, &flow, tcp);
        conntrack_execute(ct, &flow, tcp, sizeof tcp, &plain, 1000, &r);
        sink += r.conn_id;
    }
    t0 = now_ns() - t0;

    /* The cost of building segments and drawing random numbers alone,
     * subtracted from the lookup time. */
    {
        double t1 = now_ns();

        for (i = 0; i < n_lookups; i++) {
            uint32_t k = random() % n;

            make_segment(k, k & 1, TCP_ACK, 1001, 5001, &flow, tcp);
            sink += tcp[3];
        }
        t0 -= now_ns() - t1;
    }

    {
        double t1 = now_ns();
        double t_off;

        for (i = 0; i < n_lookups; i++) {
            sink += conntrack_can_offload(ct, 1 + random() % n, CT_DIR_ORIG);
        }
        t_off = now_ns() - t1;
        printf("%8"PRIu32" conns: SYN commit %6.0f ns, "
               "handshake %6.0f ns/conn, established ACK %5.0f ns, "
               "can_offload %4.0f ns, RSS %.0f B/conn\n", n, t_syn / n,
               t_hs / n,
               t0 / n_lookups, t_off / n_lookups,
               (double) (rss1 - rss0) / n);
    }
    if (conntrack_count(ct) != n) {
        nfvs_fatal(0, "%zu connections, wanted %"PRIu32, conntrack_count(ct),
                   n);
    }
    conntrack_destroy(ct);
    (void) sink;
}

int
main(int argc, char *argv[])
{
    int i;

    nfvs_set_program_name(argv[0]);
    if (argc < 2) {
        bench(1000);
        bench(100000);
        bench(1000000);
    }
    for (i = 1; i < argc; i++) {
        bench(strtoul(argv[i], NULL, 10));
    }
    return 0;
}
