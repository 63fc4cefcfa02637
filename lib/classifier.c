#include <config.h>
#include "classifier.h"

#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "util.h"

/* All rules with one mask. */
struct cls_subtable {
    struct hmap_node node;      /* In classifier's 'subtables_by_mask'. */
    struct flow_wildcards mask; /* The mask every rule here has. */
    struct hmap rules;          /* Chain heads, by masked-flow hash. */
    size_t n_rules;             /* Rules here, chained ones included. */
    int max_priority;           /* Highest priority of any rule here. */
    size_t max_count;           /* Number of rules with 'max_priority'. */
    size_t n_words;             /* Number of elements in 'words'. */
    uint8_t words[FLOW_U64S];   /* Indexes of the nonzero mask words. */
};

void
cls_rule_init(struct cls_rule *rule, const struct match *match,
              int priority)
{
    memset(rule, 0, sizeof *rule);
    rule->match = *match;
    match_normalize(&rule->match);
    rule->priority = priority;
    rule->remove_version = CLS_NOT_REMOVED;
}

void
classifier_init(struct classifier *cls)
{
    hmap_init(&cls->subtables_by_mask);
    cls->subtables = NULL;
    cls->n_subtables = 0;
    cls->allocated = 0;
    cls->n_rules = 0;
    cls->next_seq = 1;
}

void
classifier_destroy(struct classifier *cls)
{
    struct cls_subtable *st;

    if (!cls) {
        return;
    }
    HMAP_FOR_EACH_POP (st, node, &cls->subtables_by_mask) {
        struct cls_rule *head;

        /* Not HMAP_FOR_EACH_POP: each pop would scan the emptied buckets
         * again from the start, quadratic in the rules of a subtable. */
        HMAP_FOR_EACH (head, node, &st->rules) {
            struct cls_rule *r;

            for (r = head; r; r = r->next) {
                r->subtable = NULL;
            }
        }
        hmap_destroy(&st->rules);
        free(st);
    }
    hmap_destroy(&cls->subtables_by_mask);
    free(cls->subtables);
    cls->subtables = NULL;
    cls->n_subtables = cls->allocated = cls->n_rules = 0;
}

/* Hashes the words of 'flow' that 'st' cares about, masked. */
static inline uint32_t
subtable_hash(const struct cls_subtable *st, const struct flow *flow)
{
    const uint64_t *f = flow_u64s(flow);
    const uint64_t *m = flow_u64s(&st->mask.masks);
    uint32_t hash = 0;
    size_t i;

    for (i = 0; i < st->n_words; i++) {
        size_t w = st->words[i];

        hash = hash_add64(hash, f[w] & m[w]);
    }
    return hash_finish(hash, st->n_words * 8);
}

/* True if 'flow' masked by 'st' equals 'rule''s (masked) values. */
static inline bool
subtable_rule_matches(const struct cls_subtable *st,
                      const struct cls_rule *rule, const struct flow *flow)
{
    const uint64_t *f = flow_u64s(flow);
    const uint64_t *m = flow_u64s(&st->mask.masks);
    const uint64_t *v = flow_u64s(&rule->match.flow);
    size_t i;

    for (i = 0; i < st->n_words; i++) {
        size_t w = st->words[i];

        if ((f[w] & m[w]) != v[w]) {
            return false;
        }
    }
    return true;
}

/* Returns the chain head in 'st' whose values equal 'flow' masked, given
 * 'hash' = subtable_hash(st, flow), or NULL. */
static struct cls_rule *
subtable_find_head(const struct cls_subtable *st, const struct flow *flow,
                   uint32_t hash)
{
    struct cls_rule *head;

    HMAP_FOR_EACH_WITH_HASH (head, node, hash, &st->rules) {
        if (subtable_rule_matches(st, head, flow)) {
            return head;
        }
    }
    return NULL;
}

static struct cls_subtable *
find_subtable(const struct classifier *cls, const struct flow_wildcards *wc)
{
    struct cls_subtable *st;

    HMAP_FOR_EACH_WITH_HASH (st, node, flow_wildcards_hash(wc, 0),
                             &cls->subtables_by_mask) {
        if (flow_wildcards_equal(&st->mask, wc)) {
            return st;
        }
    }
    return NULL;
}

static size_t
subtable_index(const struct classifier *cls, const struct cls_subtable *st)
{
    size_t i;

    for (i = 0; i < cls->n_subtables; i++) {
        if (cls->subtables[i] == st) {
            return i;
        }
    }
    abort();
}

/* Moves 'st' within the sorted array after its 'max_priority' changed. */
static void
subtable_reposition(struct classifier *cls, struct cls_subtable *st)
{
    struct cls_subtable **a = cls->subtables;
    size_t i = subtable_index(cls, st);

    while (i > 0 && a[i - 1]->max_priority < st->max_priority) {
        a[i] = a[i - 1];
        i--;
    }
    while (i + 1 < cls->n_subtables
           && a[i + 1]->max_priority > st->max_priority) {
        a[i] = a[i + 1];
        i++;
    }
    a[i] = st;
}

static struct cls_subtable *
subtable_create(struct classifier *cls, const struct flow_wildcards *wc)
{
    struct cls_subtable *st = xzalloc(sizeof *st);
    const uint64_t *m = flow_u64s(&wc->masks);
    size_t i;

    st->mask = *wc;
    hmap_init(&st->rules);
    for (i = 0; i < FLOW_U64S; i++) {
        if (m[i]) {
            st->words[st->n_words++] = i;
        }
    }
    st->max_priority = 0;
    hmap_insert(&cls->subtables_by_mask, &st->node,
                flow_wildcards_hash(wc, 0));
    if (cls->n_subtables == cls->allocated) {
        cls->allocated = cls->allocated ? 2 * cls->allocated : 8;
        cls->subtables = xrealloc(cls->subtables,
                                  cls->allocated * sizeof *cls->subtables);
    }
    cls->subtables[cls->n_subtables++] = st;
    return st;
}

static void
subtable_destroy(struct classifier *cls, struct cls_subtable *st)
{
    size_t i = subtable_index(cls, st);

    memmove(&cls->subtables[i], &cls->subtables[i + 1],
            (cls->n_subtables - i - 1) * sizeof *cls->subtables);
    cls->n_subtables--;
    hmap_remove(&cls->subtables_by_mask, &st->node);
    hmap_destroy(&st->rules);
    free(st);
}

/* Recomputes 'st''s maximum priority after its last rule with the old
 * maximum left.  Only chain heads need a look: a chained rule always has
 * a lower priority than its head. */
static void
subtable_recompute_max(struct cls_subtable *st)
{
    struct cls_rule *head;
    bool first = true;

    st->max_count = 0;
    HMAP_FOR_EACH (head, node, &st->rules) {
        if (first || head->priority > st->max_priority) {
            st->max_priority = head->priority;
            st->max_count = 1;
            first = false;
        } else if (head->priority == st->max_priority) {
            st->max_count++;
        }
    }
}

/* Inserts 'rule'; with 'displace', a rule with an identical match and
 * priority leaves and is returned, otherwise 'rule' goes ahead of it. */
static struct cls_rule *
classifier_insert__(struct classifier *cls, struct cls_rule *rule,
                    bool displace)
{
    struct cls_subtable *st;
    struct cls_rule *head, **prevp;
    uint32_t hash;

    st = find_subtable(cls, &rule->match.wc);
    if (!st) {
        st = subtable_create(cls, &rule->match.wc);
    }
    rule->subtable = st;
    if (!rule->seq) {
        rule->seq = cls->next_seq++;
    }

    hash = subtable_hash(st, &rule->match.flow);
    head = subtable_find_head(st, &rule->match.flow, hash);
    if (!head) {
        rule->next = NULL;
        hmap_insert(&st->rules, &rule->node, hash);
    } else {
        struct cls_rule *r;

        /* Find the first rule in the chain whose priority is not higher
         * than ours. */
        for (prevp = &head; *prevp && (*prevp)->priority > rule->priority;
             prevp = &(*prevp)->next) {
            continue;
        }
        r = *prevp;
        if (displace && r && r->priority == rule->priority) {
            /* Identical: 'rule' takes 'r''s place, tie order included. */
            rule->next = r->next;
            rule->seq = r->seq;
            *prevp = rule;
            if (prevp == &head) {
                hmap_remove(&st->rules, &r->node);
                hmap_insert(&st->rules, &rule->node, hash);
            }
            r->subtable = NULL;
            r->next = NULL;
            return r;
        }
        rule->next = r;
        *prevp = rule;
        if (prevp == &head) {
            /* 'rule' is the new chain head. */
            hmap_remove(&st->rules, &rule->next->node);
            hmap_insert(&st->rules, &rule->node, hash);
        }
    }

    cls->n_rules++;
    if (!st->n_rules++ || rule->priority > st->max_priority) {
        st->max_priority = rule->priority;
        st->max_count = 1;
        subtable_reposition(cls, st);
    } else if (rule->priority == st->max_priority) {
        st->max_count++;
    }
    return NULL;
}

struct cls_rule *
classifier_insert(struct classifier *cls, struct cls_rule *rule)
{
    return classifier_insert__(cls, rule, true);
}

void
classifier_insert_versioned(struct classifier *cls, struct cls_rule *rule)
{
    classifier_insert__(cls, rule, false);
}

void
classifier_remove(struct classifier *cls, struct cls_rule *rule)
{
    struct cls_subtable *st = rule->subtable;
    struct cls_rule *head;
    uint32_t hash;

    hash = subtable_hash(st, &rule->match.flow);
    head = subtable_find_head(st, &rule->match.flow, hash);
    if (head == rule) {
        hmap_remove(&st->rules, &rule->node);
        if (rule->next) {
            hmap_insert(&st->rules, &rule->next->node, hash);
        }
    } else {
        struct cls_rule *r;

        for (r = head; r->next != rule; r = r->next) {
            continue;
        }
        r->next = rule->next;
    }
    rule->next = NULL;
    rule->subtable = NULL;

    cls->n_rules--;
    if (!--st->n_rules) {
        subtable_destroy(cls, st);
    } else if (rule->priority == st->max_priority && !--st->max_count) {
        subtable_recompute_max(st);
        subtable_reposition(cls, st);
    }
}

struct cls_rule *
classifier_find_exactly(const struct classifier *cls,
                        const struct match *match, int priority)
{
    return classifier_find_exactly_version(cls, match, priority,
                                           CLS_MAX_VERSION);
}

struct cls_rule *
classifier_find_exactly_version(const struct classifier *cls,
                                const struct match *match_, int priority,
                                uint64_t version)
{
    struct match match = *match_;
    struct cls_subtable *st;
    struct cls_rule *r;

    match_normalize(&match);
    st = find_subtable(cls, &match.wc);
    if (!st) {
        return NULL;
    }
    r = subtable_find_head(st, &match.flow, subtable_hash(st, &match.flow));
    for (; r && r->priority >= priority; r = r->next) {
        if (r->priority == priority && cls_rule_visible_in(r, version)) {
            return r;
        }
    }
    return NULL;
}

const struct cls_rule *
classifier_lookup(const struct classifier *cls, const struct flow *flow,
                  struct flow_wildcards *wc)
{
    return classifier_lookup_version(cls, CLS_MAX_VERSION, flow, wc);
}

/* Subtables' maximum priorities count invisible rules too: they are upper
 * bounds, which is all the early exit needs. */
const struct cls_rule *
classifier_lookup_version(const struct classifier *cls, uint64_t version,
                          const struct flow *flow, struct flow_wildcards *wc)
{
    const struct cls_rule *best = NULL;
    size_t i;

    for (i = 0; i < cls->n_subtables; i++) {
        const struct cls_subtable *st = cls->subtables[i];
        const struct cls_rule *head;

        /* Strictly lower: a subtable whose maximum equals the best
         * priority may still hold an earlier-inserted tie. */
        if (best && st->max_priority < best->priority) {
            break;
        }
        if (wc) {
            const uint64_t *m = flow_u64s(&st->mask.masks);
            uint64_t *w = (uint64_t *) &wc->masks;
            size_t j;

            for (j = 0; j < st->n_words; j++) {
                w[st->words[j]] |= m[st->words[j]];
            }
        }
        head = subtable_find_head(st, flow, subtable_hash(st, flow));
        while (head && !cls_rule_visible_in(head, version)) {
            head = head->next;
        }
        if (head
            && (!best || head->priority > best->priority
                || (head->priority == best->priority
                    && head->seq < best->seq))) {
            best = head;
        }
    }
    return best;
}

bool
classifier_rule_overlaps(const struct classifier *cls,
                         const struct match *match_, int priority)
{
    struct match match = *match_;
    size_t i;

    match_normalize(&match);
    for (i = 0; i < cls->n_subtables; i++) {
        const struct cls_subtable *st = cls->subtables[i];
        const struct cls_rule *head;

        if (st->max_priority < priority) {
            break;
        }
        HMAP_FOR_EACH (head, node, &st->rules) {
            const struct cls_rule *r;

            for (r = head; r && r->priority >= priority; r = r->next) {
                if (r->priority == priority
                    && cls_rule_visible_in(r, CLS_MAX_VERSION)
                    && match_overlaps(&r->match, &match)
                    && !match_equal(&r->match, &match)) {
                    return true;
                }
            }
        }
    }
    return false;
}

/* True if rules of subtable 'st' may match the cursor's target loosely:
 * a rule can only be a subset of the target if its mask covers the
 * target's mask. */
static bool
cursor_subtable_eligible(const struct cls_cursor *c,
                         const struct cls_subtable *st)
{
    const uint64_t *sm = flow_u64s(&st->mask.masks);
    const uint64_t *tm;
    size_t i;

    if (!c->target) {
        return true;
    }
    tm = flow_u64s(&c->target->wc.masks);
    for (i = 0; i < FLOW_U64S; i++) {
        if (tm[i] & ~sm[i]) {
            return false;
        }
    }
    return true;
}

/* Positions 'c' at the first chain of the first eligible subtable at or
 * after 'c->subtable_idx', or at the end. */
static void
cursor_seek(struct cls_cursor *c)
{
    for (; c->subtable_idx < c->cls->n_subtables; c->subtable_idx++) {
        struct cls_subtable *st = c->cls->subtables[c->subtable_idx];

        if (cursor_subtable_eligible(c, st)) {
            c->node = hmap_first__(&st->rules);
            c->rule = CONTAINER_OF(c->node, struct cls_rule, node);
            return;
        }
    }
    c->node = NULL;
    c->rule = NULL;
}

void
cls_cursor_start(struct cls_cursor *c, const struct classifier *cls,
                 const struct match *target, bool strict)
{
    cls_cursor_start_version(c, cls, target, strict, CLS_MAX_VERSION);
}

void
cls_cursor_start_version(struct cls_cursor *c, const struct classifier *cls,
                         const struct match *target, bool strict,
                         uint64_t version)
{
    c->cls = cls;
    c->version = version;
    c->target = target;
    c->strict = strict && target;
    c->subtable_idx = 0;
    if (c->strict) {
        const struct cls_subtable *st = find_subtable(cls, &target->wc);

        /* Only one chain can hold rules equal to the target. */
        c->subtable_idx = cls->n_subtables;
        c->node = NULL;
        c->rule = (st
                   ? subtable_find_head(st, &target->flow,
                                        subtable_hash(st, &target->flow))
                   : NULL);
    } else {
        cursor_seek(c);
    }
}

struct cls_rule *
cls_cursor_next(struct cls_cursor *c)
{
    for (;;) {
        while (c->rule) {
            struct cls_rule *r = c->rule;

            c->rule = r->next;
            if (!cls_rule_visible_in(r, c->version)) {
                continue;
            }
            if (c->strict
                ? match_equal(&r->match, c->target)
                : !c->target || match_is_subset_of(&r->match, c->target)) {
                return r;
            }
        }
        if (!c->node) {
            return NULL;
        }
        c->node = hmap_next__(&c->cls->subtables[c->subtable_idx]->rules,
                              c->node);
        if (c->node) {
            c->rule = CONTAINER_OF(c->node, struct cls_rule, node);
        } else {
            c->subtable_idx++;
            cursor_seek(c);
        }
    }
}
