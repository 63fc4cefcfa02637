/* tests/test-group.c: parsing, printing and bucket selection of OpenFlow
 * groups (lib/ofp-group.h).
 *
 *   test-group parse GROUP...    prints each group in OpenFlow 1.3 and in
 *                                full form, or its error; checks that
 *                                the full form parses back to the same
 *                                group
 *   test-group select            checks select groups: one connection
 *                                always gets one bucket, buckets get
 *                                connections in proportion to their
 *                                weights, fields(...) limits what is
 *                                hashed, removing a bucket moves only
 *                                its connections; prints "ok" */
#include <config.h>
#include "ofp-group.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "flow.h"
#include "match.h"
#include "nfvstest.h"
#include "util.h"

static int
do_parse(int argc, char *argv[])
{
    int status = 0;
    int i;

    for (i = 0; i < argc; i++) {
        struct ds s13 = DS_EMPTY_INITIALIZER;
        struct ds full = DS_EMPTY_INITIALIZER;
        struct ofp_group g, g2;
        char *error;

        error = ofp_group_parse(argv[i], NULL, &g);
        if (error) {
            printf("error: %s\n", error);
            free(error);
            continue;
        }
        ofp_group_format(&g, NULL, false, &s13);
        ofp_group_format(&g, NULL, true, &full);
        printf("%s\nfull: %s\n", ds_cstr(&s13), ds_cstr(&full));
        error = ofp_group_parse(ds_cstr(&full), NULL, &g2);
        if (error) {
            printf("full form does not parse: %s\n", error);
            free(error);
            status = 1;
        } else {
            if (!ofp_group_equal(&g, &g2)) {
                printf("full form parses to another group\n");
                status = 1;
            }
            ofp_group_uninit(&g2);
        }
        ofp_group_uninit(&g);
        ds_destroy(&s13);
        ds_destroy(&full);
    }
    return status;
}

static void
make_tcp(struct flow *flow, uint32_t src, uint32_t dst, uint16_t sport,
         uint16_t dport)
{
    memset(flow, 0, sizeof *flow);
    flow->in_port = 1;
    flow->dl_type = htons(ETH_TYPE_IP);
    flow->nw_proto = IPPROTO_TCP;
    flow->nw_src = htonl(src);
    flow->nw_dst = htonl(dst);
    flow->tp_src = htons(sport);
    flow->tp_dst = htons(dport);
    flow->nw_ttl = 64;
}

static void
parse_or_die(const char *s, struct ofp_group *g)
{
    char *error = ofp_group_parse(s, NULL, g);

    if (error) {
        nfvs_fatal(0, "%s: %s", s, error);
    }
}

static size_t
select_flow(const struct ofp_group *g, const struct flow *flow)
{
    return ofp_group_select(g, ofp_group_hash(g, flow, NULL));
}

#define N_CONNS 60000

static int
do_select(void)
{
    struct ofp_group g, g2, gf;
    size_t counts[3] = { 0, 0, 0 };
    size_t moved = 0, kept = 0;
    struct flow flow, other;
    struct flow_wildcards wc;
    uint32_t seed = 1;
    int status = 0;
    size_t i;

    parse_or_die("group_id=1,type=select,bucket=weight:1,actions=output:1,"
                 "bucket=weight:2,actions=output:2,"
                 "bucket=weight:3,actions=output:3", &g);
    /* The same buckets less the last one (same ids). */
    parse_or_die("group_id=1,type=select,bucket=bucket_id:0,weight:1,"
                 "actions=output:1,bucket=bucket_id:1,weight:2,"
                 "actions=output:2", &g2);
    parse_or_die("group_id=2,type=select,selection_method=hash,"
                 "fields(ip_dst),bucket=output:1,bucket=output:2,"
                 "bucket=output:3", &gf);

    for (i = 0; i < N_CONNS; i++) {
        size_t b, b2;

        seed = seed * 1103515245 + 12345;
        make_tcp(&flow, 0x0a000000 | (seed >> 8 & 0xffff), 0x0a640001,
                 1024 + (seed >> 16 & 0x7fff), 80);
        b = select_flow(&g, &flow);
        if (b > 2) {
            printf("no bucket chosen\n");
            return 1;
        }
        counts[b]++;

        /* The same connection, with other packet fields changed (TTL,
         * TCP flags), always gets the same bucket. */
        other = flow;
        other.nw_ttl = 3;
        other.tcp_flags = htons(0x10);
        if (select_flow(&g, &other) != b) {
            printf("connection %zu changed bucket\n", i);
            status = 1;
        }

        /* Without the third bucket, only its connections move. */
        b2 = select_flow(&g2, &flow);
        if (b == 2) {
            moved++;
        } else if (b2 == b) {
            kept++;
        } else {
            printf("connection %zu of bucket %zu moved to %zu\n", i, b, b2);
            status = 1;
            break;
        }
    }
    for (i = 0; i < 3; i++) {
        /* Expected share (i + 1) / 6, within 3% of all connections. */
        double share = (double) counts[i] / N_CONNS;
        double want = (i + 1) / 6.0;

        if (share < want - 0.03 || share > want + 0.03) {
            printf("bucket %zu got %.3f of the connections, not %.3f\n",
                   i, share, want);
            status = 1;
        }
    }
    if (moved + kept != N_CONNS) {
        status = 1;
    }

    /* fields(ip_dst): the source does not matter, and only ip_dst is
     * unwildcarded. */
    make_tcp(&flow, 0x0a000001, 0x0a640001, 1000, 80);
    make_tcp(&other, 0x0a000099, 0x0a640001, 2000, 81);
    flow_wildcards_init_catchall(&wc);
    if (ofp_group_hash(&gf, &flow, &wc) != ofp_group_hash(&gf, &other, NULL)
        || wc.masks.nw_dst != htonl(UINT32_MAX) || wc.masks.nw_src
        || wc.masks.tp_src) {
        printf("fields(ip_dst) hashed more than ip_dst\n");
        status = 1;
    }
    /* The default hash covers the 5-tuple: the source port matters. */
    other = flow;
    for (i = 0; i < 64; i++) {
        other.tp_src = htons(2000 + i);
        if (select_flow(&g, &other) != select_flow(&g, &flow)) {
            break;
        }
    }
    if (i == 64) {
        printf("the source port does not change the bucket\n");
        status = 1;
    }

    ofp_group_uninit(&g);
    ofp_group_uninit(&g2);
    ofp_group_uninit(&gf);
    if (!status) {
        printf("ok\n");
    }
    return status;
}

static int
test_group_main(int argc, char *argv[])
{
    if (argc >= 2 && !strcmp(argv[1], "parse")) {
        return do_parse(argc - 2, argv + 2);
    } else if (argc == 2 && !strcmp(argv[1], "select")) {
        return do_select();
    }
    nfvs_fatal(0, "usage: test-group parse GROUP...|select");
}

NFVSTEST_REGISTER("test-group", test_group_main);
