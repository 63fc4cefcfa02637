/* lib/match.h: a flow match = a flow plus a mask of the bits that matter.
 *
 * Invariant: 'match->flow' is always masked by 'match->wc.masks' (bits
 * outside the mask are zero), so two matches are equal exactly when their
 * bytes are equal.  Setters keep the invariant; code that writes the
 * structs directly calls match_normalize() afterward.
 *
 * Plain data: no thread-safety concerns. */
#ifndef NFVS_MATCH_H
#define NFVS_MATCH_H 1

#include <stdbool.h>
#include <stdint.h>
#include "flow.h"

struct flow_wildcards {
    struct flow masks;          /* 1-bits are bits that must match. */
};

struct match {
    struct flow flow;           /* Values; zero outside 'wc'. */
    struct flow_wildcards wc;   /* Which bits of 'flow' matter. */
};

void flow_wildcards_init_catchall(struct flow_wildcards *);
void flow_wildcards_init_exact(struct flow_wildcards *);
bool flow_wildcards_equal(const struct flow_wildcards *,
                          const struct flow_wildcards *);
bool flow_wildcards_is_catchall(const struct flow_wildcards *);
uint32_t flow_wildcards_hash(const struct flow_wildcards *, uint32_t basis);

/* Stores 'flow & wc->masks' in '*dst'. */
void flow_zero_wildcards(const struct flow *flow,
                         const struct flow_wildcards *wc, struct flow *dst);

void match_init_catchall(struct match *);
void match_init_exact(struct match *, const struct flow *);
void match_normalize(struct match *);
bool match_equal(const struct match *, const struct match *);
uint32_t match_hash(const struct match *, uint32_t basis);

/* True if 'flow' has the values of 'match' in every masked bit. */
bool match_matches_flow(const struct match *, const struct flow *);

/* True if every flow that 'a' matches is also matched by 'b' (b is at
 * least as general as a). */
bool match_is_subset_of(const struct match *a, const struct match *b);

/* True if some flow is matched by both 'a' and 'b'. */
bool match_overlaps(const struct match *a, const struct match *b);

#endif /* match.h */
