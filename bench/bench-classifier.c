/* bench/bench-classifier.c: lookup cost of lib/classifier.
 *
 * Builds classifiers of 1k and 100k rules spread over 1, 10 and 100
 * distinct masks (random values, random priorities) and times lookups of
 * a mix of flows, about half of them near some rule.  Prints ns/lookup
 * without and with wildcard tracking.  "nfvs-bench-classifier [SEED]". */
#include <config.h>
#include "classifier.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"

static uint64_t rng_state = 1;

static uint32_t
rnd32(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (rng_state * 0x2545f4914f6cdd1dULL) >> 32;
}

static uint32_t
prefix_mask(int plen)
{
    return plen ? UINT32_MAX << (32 - plen) : 0;
}

/* Mask number 'k' of 200 distinct ones, the most specific first. */
static void
make_mask(int k, struct flow_wildcards *wc)
{
    static const int plens[] = { 32, 24, 16, 8, 0 };

    flow_wildcards_init_catchall(wc);
    wc->masks.dl_type = UINT16_MAX;
    wc->masks.nw_src = htonl(prefix_mask(plens[k % 5]));
    wc->masks.nw_dst = htonl(prefix_mask(plens[(k / 5) % 5]));
    if (!((k / 25) & 1)) {
        wc->masks.in_port = UINT32_MAX;
    }
    if (!((k / 50) & 1)) {
        wc->masks.nw_proto = UINT8_MAX;
        wc->masks.tp_dst = UINT16_MAX;
    }
}

static void
random_flow(struct flow *f)
{
    memset(f, 0, sizeof *f);
    f->in_port = 1 + rnd32() % 16;
    f->dl_type = htons(0x0800);
    f->nw_src = htonl((10u << 24) | (rnd32() & 0xffffff));
    f->nw_dst = htonl((172u << 24) | (rnd32() & 0xffffff));
    f->nw_proto = rnd32() % 2 ? 6 : 17;
    f->tp_dst = htons(rnd32() % 1024);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
bench(int n_masks, int n_rules)
{
    enum { N_FLOWS = 4096 };
    struct flow_wildcards *masks = xmalloc(n_masks * sizeof *masks);
    struct cls_rule *rules = xmalloc(n_rules * sizeof *rules);
    struct flow *flows = xmalloc(N_FLOWS * sizeof *flows);
    struct classifier cls;
    double start, ns, ns_wc = 0;
    long long int n, hits = 0;
    int i, pass;

    for (i = 0; i < n_masks; i++) {
        make_mask(i, &masks[i]);
    }
    classifier_init(&cls);
    for (i = 0; i < n_rules; i++) {
        struct match m;

        random_flow(&m.flow);
        m.wc = masks[rnd32() % n_masks];
        cls_rule_init(&rules[i], &m, rnd32() % 65536);
        /* A rare identical rule displaces its twin; that is fine. */
        classifier_insert(&cls, &rules[i]);
    }
    for (i = 0; i < N_FLOWS; i++) {
        random_flow(&flows[i]);
        if (i % 2) {
            const struct cls_rule *r = &rules[rnd32() % n_rules];
            const uint64_t *v = flow_u64s(&r->match.flow);
            const uint64_t *mk = flow_u64s(&r->match.wc.masks);
            uint64_t *f = (uint64_t *) &flows[i];
            size_t w;

            for (w = 0; w < FLOW_U64S; w++) {
                f[w] = v[w] | (f[w] & ~mk[w]);
            }
        }
    }

    /* Pass 0 without wildcards, pass 1 with; each about 0.3 s. */
    for (pass = 0; pass < 2; pass++) {
        n = 0;
        start = now_ns();
        do {
            for (i = 0; i < N_FLOWS; i++) {
                struct flow_wildcards wc;
                const struct cls_rule *r;

                if (pass) {
                    flow_wildcards_init_catchall(&wc);
                }
                r = classifier_lookup(&cls, &flows[i], pass ? &wc : NULL);
                hits += !pass && r;
            }
            n += N_FLOWS;
        } while (now_ns() - start < 3e8);
        ns = (now_ns() - start) / n;
        if (pass) {
            ns_wc = ns;
        } else {
            hits = hits * 100 / n;
            printf("%6d %8zu %10zu %12.1f ", n_masks, classifier_count(&cls),
                   cls.n_subtables, ns);
        }
    }
    printf("%12.1f %6lld%%\n", ns_wc, hits);

    classifier_destroy(&cls);
    free(rules);
    free(flows);
    free(masks);
}

int
main(int argc, char *argv[])
{
    static const int mask_counts[] = { 1, 10, 100 };
    static const int rule_counts[] = { 1000, 100000 };
    unsigned long long seed;
    size_t i, j;

    if (argc > 1) {
        if (!str_to_ullong(argv[1], 10, &seed) || !seed) {
            fprintf(stderr, "usage: %s [SEED]\n", argv[0]);
            return 1;
        }
        rng_state = seed;
    }
    printf("%6s %8s %10s %12s %12s %7s\n", "masks", "rules", "subtables",
           "ns/lookup", "ns/lkup+wc", "hits");
    for (i = 0; i < ARRAY_SIZE(rule_counts); i++) {
        for (j = 0; j < ARRAY_SIZE(mask_counts); j++) {
            bench(mask_counts[j], rule_counts[i]);
        }
    }
    return 0;
}
