#include <config.h>
#include "classifier.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfvstest.h"
#include "util.h"

/* Randomized comparison of lib/classifier against a linear scan.
 *
 * Rules over a handful of fields with random masks drawn from a few
 * choices (so that subtables are shared and rules overlap) and random
 * priorities from a small range (so that ties are frequent).  The
 * reference keeps every rule in insertion order and returns the first
 * highest-priority match, which is the classifier's documented tie rule.
 * Seeded and deterministic: "test-classifier-random [SEED]". */

struct ref_rule {
    struct cls_rule cr;         /* In the classifier under test. */
    size_t idx;                 /* Index in 'rules' (insertion order). */
    bool alive;                 /* In the classifier now. */
};

struct ref {
    struct ref_rule **rules;    /* Insertion order; replaced in place. */
    size_t n, allocated;
    size_t n_alive;
};

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
    /* xorshift64*. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return ((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static uint32_t
prefix_mask(int plen)
{
    return plen ? UINT32_MAX << (32 - plen) : 0;
}

/* Fills every field the rules use with random values from their pools. */
static void
random_flow(struct flow *f)
{
    memset(f, 0, sizeof *f);
    f->in_port = 1 + rnd(4);
    f->dl_type = htons(rnd(5) ? 0x0800 : 0x0806);
    f->nw_src = htonl((10u << 24) | (rnd(3) << 16) | (rnd(4) << 8)
                      | rnd(4));
    f->nw_dst = htonl(((10u + rnd(2)) << 24) | (rnd(2) << 16)
                      | (rnd(4) << 8) | rnd(8));
    f->nw_proto = rnd(2) ? 6 : 17;
    f->tp_dst = htons(rnd(2) ? 80 + rnd(4) : 0x1f00 | rnd(3));
    f->regs[0] = rnd(4) | (rnd(4) << 16);
}

static void
random_match(struct match *m)
{
    static const int src_plens[] = { 0, 16, 24, 32 };
    static const int dst_plens[] = { 0, 8, 24, 32 };
    static const uint16_t tp_masks[] = { 0, 0xffff, 0xff00 };
    static const uint32_t reg_masks[] = { 0, 0xffff, 0xffffffff };
    struct flow *mask = &m->wc.masks;

    random_flow(&m->flow);
    memset(mask, 0, sizeof *mask);
    if (rnd(2)) {
        mask->in_port = UINT32_MAX;
    }
    if (rnd(4)) {
        mask->dl_type = UINT16_MAX;
    }
    mask->nw_src = htonl(prefix_mask(src_plens[rnd(4)]));
    mask->nw_dst = htonl(prefix_mask(dst_plens[rnd(4)]));
    if (rnd(2)) {
        mask->nw_proto = UINT8_MAX;
    }
    mask->tp_dst = htons(tp_masks[rnd(3)]);
    mask->regs[0] = reg_masks[rnd(3)];
    match_normalize(m);
}

/* Stores in 'dst' the bits of 'a' under 'mask' and of 'b' elsewhere. */
static void
flow_merge(struct flow *dst, const struct flow *a, const struct flow *b,
           const struct flow *mask)
{
    const uint64_t *pa = flow_u64s(a), *pb = flow_u64s(b);
    const uint64_t *pm = flow_u64s(mask);
    uint64_t *pd = (uint64_t *) dst;
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        pd[i] = (pa[i] & pm[i]) | (pb[i] & ~pm[i]);
    }
}

static const struct cls_rule *
ref_lookup(const struct ref *ref, const struct flow *flow)
{
    const struct ref_rule *best = NULL;
    size_t i;

    for (i = 0; i < ref->n; i++) {
        const struct ref_rule *r = ref->rules[i];

        if (r->alive && (!best || r->cr.priority > best->cr.priority)
            && match_matches_flow(&r->cr.match, flow)) {
            best = r;
        }
    }
    return best ? &best->cr : NULL;
}

static struct ref_rule *
ref_find(const struct ref *ref, const struct match *m, int priority)
{
    size_t i;

    for (i = 0; i < ref->n; i++) {
        struct ref_rule *r = ref->rules[i];

        if (r->alive && r->cr.priority == priority
            && match_equal(&r->cr.match, m)) {
            return r;
        }
    }
    return NULL;
}

/* Inserts a random rule, or one identical to a live rule (to exercise
 * replacement) when 'dup'.  Returns true if it replaced a rule. */
static bool
insert_random(struct classifier *cls, struct ref *ref, bool dup)
{
    struct ref_rule *r = xzalloc(sizeof *r);
    struct ref_rule *old;
    struct cls_rule *displaced;
    struct match m;
    int priority;

    if (dup && ref->n_alive) {
        do {
            old = ref->rules[rnd(ref->n)];
        } while (!old->alive);
        m = old->cr.match;
        priority = old->cr.priority;
    } else {
        random_match(&m);
        priority = rnd(100);
    }
    cls_rule_init(&r->cr, &m, priority);
    old = ref_find(ref, &r->cr.match, priority);
    displaced = classifier_insert(cls, &r->cr);
    CHECK(displaced == (old ? &old->cr : NULL));
    r->alive = true;
    if (old) {
        /* Takes the old rule's place in the tie order. */
        r->idx = old->idx;
        ref->rules[r->idx] = r;
        free(old);
        return true;
    }
    if (ref->n == ref->allocated) {
        ref->allocated = ref->allocated ? 2 * ref->allocated : 1024;
        ref->rules = xrealloc(ref->rules,
                              ref->allocated * sizeof *ref->rules);
    }
    r->idx = ref->n;
    ref->rules[ref->n++] = r;
    ref->n_alive++;
    return false;
}

static void
remove_random(struct classifier *cls, struct ref *ref)
{
    struct ref_rule *r;

    do {
        r = ref->rules[rnd(ref->n)];
    } while (!r->alive);
    classifier_remove(cls, &r->cr);
    CHECK(!cls_rule_is_inserted(&r->cr));
    r->alive = false;
    ref->n_alive--;
}

/* Compares 'n' lookups; checks the wildcards of every 'wc_every'th. */
static void
compare_lookups(const struct classifier *cls, const struct ref *ref,
                int n, int wc_every)
{
    int i, hits = 0;

    for (i = 0; i < n; i++) {
        const struct cls_rule *expected, *actual;
        struct flow_wildcards wc;
        struct flow flow, noise;

        /* Mostly flows near some rule, sometimes anything. */
        random_flow(&noise);
        if (rnd(4)) {
            const struct ref_rule *r = ref->rules[rnd(ref->n)];

            flow_merge(&flow, &r->cr.match.flow, &noise,
                       &r->cr.match.wc.masks);
        } else {
            flow = noise;
        }

        expected = ref_lookup(ref, &flow);
        flow_wildcards_init_catchall(&wc);
        actual = classifier_lookup(cls, &flow, &wc);
        CHECK(actual == expected);
        CHECK(classifier_lookup(cls, &flow, NULL) == expected);
        hits += expected != NULL;

        if (i % wc_every == 0) {
            struct flow other;

            /* Any flow that agrees on the un-wildcarded bits must get the
             * same answer. */
            random_flow(&noise);
            flow_merge(&other, &flow, &noise, &wc.masks);
            CHECK(ref_lookup(ref, &other) == expected);
        }
    }
    CHECK(hits > n / 4);
}

static void
compare_cursors(const struct classifier *cls, const struct ref *ref, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        struct match target;
        bool strict = i % 2;
        struct cls_cursor cursor;
        struct cls_rule *cr;
        size_t n_cls = 0, n_ref = 0, j;

        if (strict) {
            /* Equal to some (perhaps removed) rule's match. */
            target = ref->rules[rnd(ref->n)]->cr.match;
        } else {
            random_match(&target);
        }
        CLS_FOR_EACH_TARGET (cr, &cursor, cls, &target, strict) {
            struct ref_rule *r = CONTAINER_OF(cr, struct ref_rule, cr);

            CHECK(r->alive);
            CHECK(strict ? match_equal(&cr->match, &target)
                         : match_is_subset_of(&cr->match, &target));
            n_cls++;
        }
        for (j = 0; j < ref->n; j++) {
            const struct ref_rule *r = ref->rules[j];

            if (r->alive
                && (strict ? match_equal(&r->cr.match, &target)
                           : match_is_subset_of(&r->cr.match, &target))) {
                n_ref++;
            }
        }
        CHECK(n_cls == n_ref);
    }
}

static void
compare_find_exactly(const struct classifier *cls, const struct ref *ref,
                     int n)
{
    int i;

    for (i = 0; i < n; i++) {
        const struct ref_rule *r = ref->rules[rnd(ref->n)];
        const struct cls_rule *found;

        found = classifier_find_exactly(cls, &r->cr.match, r->cr.priority);
        if (r->alive) {
            CHECK(found == &r->cr);
        } else {
            const struct ref_rule *live = ref_find(ref, &r->cr.match,
                                                   r->cr.priority);

            CHECK(found == (live ? &live->cr : NULL));
        }
    }
}

static void
check_all(const struct classifier *cls, const struct ref *ref,
          const char *phase, int n_lookups)
{
    CHECK(classifier_count(cls) == ref->n_alive);
    compare_lookups(cls, ref, n_lookups, 4);
    compare_find_exactly(cls, ref, 500);
    compare_cursors(cls, ref, 40);
    printf("%s: %zu rules, %d lookups identical\n", phase, ref->n_alive,
           n_lookups);
}

static int
test_classifier_random_main(int argc, char *argv[])
{
    struct classifier cls;
    struct ref ref = { NULL, 0, 0, 0 };
    unsigned long long seed = 1;
    size_t n_replaced = 0, i;

    if (argc > 1 && !str_to_ullong(argv[1], 10, &seed)) {
        fprintf(stderr, "%s: bad seed %s\n", argv[0], argv[1]);
        return 2;
    }
    rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;

    classifier_init(&cls);
    while (ref.n_alive < 10000) {
        n_replaced += insert_random(&cls, &ref, rnd(50) == 0);
    }
    check_all(&cls, &ref, "insert", 1500);

    for (i = 0; i < 3000; i++) {
        remove_random(&cls, &ref);
    }
    check_all(&cls, &ref, "remove", 800);

    for (i = 0; i < 2000; i++) {
        n_replaced += insert_random(&cls, &ref, rnd(10) == 0);
    }
    check_all(&cls, &ref, "reinsert", 800);
    CHECK(n_replaced > 100);

    while (ref.n_alive) {
        remove_random(&cls, &ref);
    }
    CHECK(classifier_is_empty(&cls) && cls.n_subtables == 0);
    printf("emptied\n");

    classifier_destroy(&cls);
    for (i = 0; i < ref.n; i++) {
        free(ref.rules[i]);
    }
    free(ref.rules);
    return 0;
}

NFVSTEST_REGISTER("test-classifier-random", test_classifier_random_main);
