/* bench/bench-upcall.c: cost of the upcall path and of revalidation.
 *
 *   bench-upcall [N_FLOWS [N_HANDLERS]]     (default: 20000 1)
 *
 * Builds a bridge (ofproto, "priority=0 actions=NORMAL") on a dummy
 * datapath with dummy ports p1 and p2, teaches it where both MACs are,
 * then injects N_FLOWS UDP packets of distinct 5-tuples into p1 and
 * prints:
 *   - upcalls/s: from the first injection until the handlers have
 *     handled every miss (parse, xlate, flow put, execute), end to end;
 *   - the hit path for the same packets once their flows are installed;
 *   - one revalidation pass with nothing stale (dump + stats push);
 *   - the cost of a flow table commit (which revalidates the cached flows
 *     before it returns) for a rule that no cached flow finds, one that
 *     one flow finds, and one that every flow finds. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dp-packet.h"
#include "dpif.h"
#include "netdev.h"
#include "ofp-flow.h"
#include "ofproto-dpif.h"
#include "ofproto.h"
#include "udpif.h"
#include "util.h"

static double
now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
add_flow(struct ofproto *ofproto, const char *line)
{
    struct flow_mod_spec spec;
    char *msg = flow_mod_spec_parse(&spec, line, FLOW_MOD_ADD);

    if (msg || ofproto_flow_mods(ofproto, &spec, 1, &msg)) {
        nfvs_fatal(0, "%s: %s", line, msg);
    }
    flow_mod_spec_uninit(&spec);
}

/* A UDP packet from :01 to :02 whose source port and address vary. */
static struct dp_packet *
make_packet(uint32_t i, bool reverse)
{
    char hex[256];
    struct dp_packet *p = dp_packet_create(64);

    snprintf(hex, sizeof hex,
             "%s %s 0800 4500001c0001000040110000 0a%06"PRIx32
             " 0a000002 %04"PRIx32" 0050 0008 0000",
             reverse ? "000000000001" : "000000000002",
             reverse ? "000000000002" : "000000000001",
             (i >> 16) & 0xffffff, i & 0xffff);
    if (dp_packet_put_hex(p, hex)) {
        nfvs_fatal(0, "bad packet");
    }
    return p;
}

/* Adds flow 'line' and prints how long the commit took, revalidation of
 * the cached flows included, and how many it translated again. */
static void
change(struct ofproto_dpif *od, struct ofproto *ofproto, const char *line,
       const char *what)
{
    struct dpif_dp_stats dp;
    struct udpif_stats up;
    uint64_t before;
    double t0, t1;

    ofproto_dpif_get_stats(od, &dp, &up);
    before = up.n_retranslated;
    t0 = now_sec();
    add_flow(ofproto, line);
    t1 = now_sec();
    ofproto_dpif_get_stats(od, &dp, &up);
    printf("rule change with %"PRIu64" flows cached, %s: %.2f ms "
           "(revalidation %.2f ms), %"PRIu64" flow(s) translated again\n",
           up.n_records, what, (t1 - t0) * 1e3, up.last_change_us / 1e3,
           up.n_retranslated - before);
}

static void
wait_upcalls(struct ofproto_dpif *od, uint64_t n)
{
    struct dpif_dp_stats dp;
    struct udpif_stats up;

    for (;;) {
        ofproto_dpif_get_stats(od, &dp, &up);
        if (up.n_upcalls + dp.n_lost >= n) {
            return;
        }
        usleep(100);
    }
}

int
main(int argc, char *argv[])
{
    uint32_t n_flows = argc > 1 ? atoi(argv[1]) : 20000;
    unsigned int n_handlers = argc > 2 ? atoi(argv[2]) : 1;
    struct ofproto_dpif_config cfg = {
        .dp_type = "dummy", .n_handlers = n_handlers, .max_idle = 600000,
    };
    struct ofproto_port ports[3];
    struct netdev *p1, *p2;
    struct ofproto_dpif *od;
    struct ofproto *ofproto;
    struct dpif_dp_stats dp;
    struct udpif_stats up;
    char *msg = NULL;
    double t0, t1;
    uint32_t i;

    ofproto = ofproto_create("bench0");
    if (ofproto_dpif_create(ofproto, &cfg, &od, &msg)) {
        nfvs_fatal(0, "%s", msg);
    }
    ofproto_dpif_start(od);
    memset(ports, 0, sizeof ports);
    ports[0].ofport = 65534;
    ports[0].name = "bench0";
    ports[0].tag = -1;
    for (i = 1; i < 3; i++) {
        ports[i].ofport = i;
        ports[i].name = i == 1 ? "p1" : "p2";
        ports[i].tag = -1;
        if (ofproto_dpif_port_add(od, ports[i].name, "dummy",
                                  &ports[i].dp_port, &msg)) {
            nfvs_fatal(0, "%s", msg);
        }
    }
    ofproto_set_ports(ofproto, ports, 3);
    add_flow(ofproto, "priority=0,actions=NORMAL");
    netdev_open("p1", "dummy", &p1);
    netdev_open("p2", "dummy", &p2);

    /* Learn :02 on p2 and :01 on p1. */
    netdev_dummy_receive(p2, make_packet(0, true));
    ofproto_dpif_run(od);
    wait_upcalls(od, 1);
    netdev_dummy_receive(p1, make_packet(0, false));
    ofproto_dpif_run(od);
    wait_upcalls(od, 2);

    /* Misses.  Keep the upcall queue from overflowing: inject at most
     * 128 packets ahead of the handlers. */
    t0 = now_sec();
    for (i = 1; i <= n_flows; i++) {
        netdev_dummy_receive(p1, make_packet(i, false));
        if (i % 32 == 0 || i == n_flows) {
            ofproto_dpif_run(od);
            wait_upcalls(od, i + 2 > 128 ? i + 2 - 128 : 0);
        }
    }
    wait_upcalls(od, n_flows + 2);
    t1 = now_sec();
    ofproto_dpif_get_stats(od, &dp, &up);
    printf("upcalls: %"PRIu32" new flows, %u handler(s): %.0f upcalls/s "
           "(%.2f us each), lost %"PRIu64", installed %"PRIu64"\n",
           n_flows, n_handlers, n_flows / (t1 - t0),
           (t1 - t0) * 1e6 / n_flows, dp.n_lost, up.n_installed);

    /* Hits. */
    t0 = now_sec();
    for (i = 1; i <= n_flows; i++) {
        netdev_dummy_receive(p1, make_packet(i, false));
        if (i % 32 == 0 || i == n_flows) {
            ofproto_dpif_run(od);
        }
    }
    t1 = now_sec();
    ofproto_dpif_get_stats(od, &dp, &up);
    printf("hits: %"PRIu64" packets, %.2f us each (with building and "
           "injecting them)\n", dp.n_hit, (t1 - t0) * 1e6 / n_flows);

    /* Revalidation. */
    ofproto_dpif_revalidate(od, time_msec());
    t0 = now_sec();
    ofproto_dpif_revalidate(od, time_msec());
    t1 = now_sec();
    printf("revalidation pass, nothing changed, no dump due: %.3f ms\n",
           (t1 - t0) * 1e3);
    usleep(UDPIF_DUMP_INTERVAL * 1000 + 10000);
    t0 = now_sec();
    ofproto_dpif_revalidate(od, time_msec());
    t1 = now_sec();
    ofproto_dpif_get_stats(od, &dp, &up);
    printf("revalidation pass with a dump, nothing stale, %"PRIu64
           " flows: %.2f ms\n", up.n_records, (t1 - t0) * 1e3);
    change(od, ofproto, "priority=10,udp,tp_dst=81,actions=drop",
           "a rule no cached flow's lookup finds");
    {
        uint32_t mid = n_flows / 2;
        uint32_t net = (mid >> 16) & 0xffffff;    /* As make_packet(). */
        char *line = xasprintf("priority=10,udp,nw_src=10.%"PRIu32".%"PRIu32
                               ".%"PRIu32",tp_src=%"PRIu32",actions=drop",
                               (net >> 16) & 0xff, (net >> 8) & 0xff,
                               net & 0xff, mid & 0xffff);
        change(od, ofproto, line, "a rule that one cached flow finds");
        free(line);
    }
    change(od, ofproto, "priority=5,udp,actions=NORMAL",
           "a rule every cached flow finds");
    netdev_close(p1);
    netdev_close(p2);
    ofproto_dpif_destroy(od);
    ofproto_destroy(ofproto);
    return 0;
}
