#include <config.h>
#include "match.h"

#include <string.h>
#include "hash.h"

void
flow_wildcards_init_catchall(struct flow_wildcards *wc)
{
    memset(&wc->masks, 0, sizeof wc->masks);
}

void
flow_wildcards_init_exact(struct flow_wildcards *wc)
{
    memset(&wc->masks, 0xff, sizeof wc->masks);
    memset(wc->masks.pad1, 0, sizeof wc->masks.pad1);
    memset(wc->masks.pad2, 0, sizeof wc->masks.pad2);
}

bool
flow_wildcards_equal(const struct flow_wildcards *a,
                     const struct flow_wildcards *b)
{
    return flow_equal(&a->masks, &b->masks);
}

bool
flow_wildcards_is_catchall(const struct flow_wildcards *wc)
{
    const uint64_t *m = flow_u64s(&wc->masks);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        if (m[i]) {
            return false;
        }
    }
    return true;
}

uint32_t
flow_wildcards_hash(const struct flow_wildcards *wc, uint32_t basis)
{
    return flow_hash(&wc->masks, basis);
}

void
flow_zero_wildcards(const struct flow *flow, const struct flow_wildcards *wc,
                    struct flow *dst)
{
    const uint64_t *f = flow_u64s(flow);
    const uint64_t *m = flow_u64s(&wc->masks);
    uint64_t *d = (uint64_t *) dst;
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        d[i] = f[i] & m[i];
    }
}

void
match_init_catchall(struct match *match)
{
    memset(&match->flow, 0, sizeof match->flow);
    flow_wildcards_init_catchall(&match->wc);
}

void
match_init_exact(struct match *match, const struct flow *flow)
{
    match->flow = *flow;
    flow_wildcards_init_exact(&match->wc);
    match_normalize(match);
}

void
match_normalize(struct match *match)
{
    flow_zero_wildcards(&match->flow, &match->wc, &match->flow);
}

bool
match_equal(const struct match *a, const struct match *b)
{
    return (flow_equal(&a->flow, &b->flow)
            && flow_wildcards_equal(&a->wc, &b->wc));
}

uint32_t
match_hash(const struct match *match, uint32_t basis)
{
    return flow_hash(&match->flow, flow_wildcards_hash(&match->wc, basis));
}

bool
match_matches_flow(const struct match *match, const struct flow *flow)
{
    const uint64_t *v = flow_u64s(&match->flow);
    const uint64_t *m = flow_u64s(&match->wc.masks);
    const uint64_t *f = flow_u64s(flow);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        if ((f[i] ^ v[i]) & m[i]) {
            return false;
        }
    }
    return true;
}

bool
match_is_subset_of(const struct match *a, const struct match *b)
{
    const uint64_t *av = flow_u64s(&a->flow);
    const uint64_t *am = flow_u64s(&a->wc.masks);
    const uint64_t *bv = flow_u64s(&b->flow);
    const uint64_t *bm = flow_u64s(&b->wc.masks);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        /* 'b' may only care about bits that 'a' fixes, to the same
         * values. */
        if ((bm[i] & ~am[i]) || ((av[i] ^ bv[i]) & bm[i])) {
            return false;
        }
    }
    return true;
}

bool
match_overlaps(const struct match *a, const struct match *b)
{
    const uint64_t *av = flow_u64s(&a->flow);
    const uint64_t *am = flow_u64s(&a->wc.masks);
    const uint64_t *bv = flow_u64s(&b->flow);
    const uint64_t *bm = flow_u64s(&b->wc.masks);
    size_t i;

    for (i = 0; i < FLOW_U64S; i++) {
        if ((av[i] ^ bv[i]) & am[i] & bm[i]) {
            return false;
        }
    }
    return true;
}
